//! The reference dealer's stock ([`Vehicle`], [`seed`]): Mark Miller Subaru's new and used
//! Subarus, each with a valid 17-character VIN (ISO 3779 check digit computed by [`vin`]).

/// One vehicle on the lot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Vehicle {
    /// 17-character VIN.
    pub vin: String,
    /// Model year.
    pub year: u16,
    /// Make (always Subaru).
    pub make: String,
    /// Model.
    pub model: String,
    /// Trim.
    pub trim: String,
    /// Stock number.
    pub stock: String,
    /// Asking price in USD.
    pub price: u32,
    /// `new` or `used`.
    pub condition: String,
}

/// ISO 3779 transliteration of a VIN character (None for I, O, Q and non-alphanumerics).
fn value(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c.to_digit(10)?,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None,
    })
}

/// The check digit (position 9) of a 17-character VIN, or None if it has invalid characters.
pub fn check_digit(vin: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    if vin.chars().count() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in vin.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    Some(match sum % 11 {
        10 => 'X',
        d => char::from_digit(d, 10)?,
    })
}

/// Build a VIN from WMI (3) + VDS (5) + model-year code + plant + 6-digit serial, with the
/// correct check digit.
pub fn vin(wmi: &str, vds: &str, year: u16, plant: char, serial: u32) -> String {
    const YEARS: &str = "ABCDEFGHJKLMNPRSTVWXY123456789";
    let idx = (usize::from(year).saturating_sub(2010)) % YEARS.len();
    let year_code = YEARS.chars().nth(idx).unwrap_or('A');
    let draft = format!("{wmi}{vds}0{year_code}{plant}{serial:06}");
    let check = check_digit(&draft).unwrap_or('0');
    let mut out: String = draft.chars().take(8).collect();
    out.push(check);
    out.extend(draft.chars().skip(9));
    out
}

/// The seeded inventory (24 vehicles: 14 new, 10 used).
pub fn seed() -> Vec<Vehicle> {
    // (wmi, vds, year, plant, serial, model, trim, condition, price)
    #[allow(clippy::type_complexity)]
    let rows: &[(&str, &str, u16, char, u32, &str, &str, &str, u32)] = &[
        (
            "4S4", "BTGAC", 2025, '3', 210_401, "Outback", "Premium", "new", 33_995,
        ),
        (
            "4S4", "BTGND", 2025, '3', 210_877, "Outback", "Limited", "new", 39_495,
        ),
        (
            "4S4",
            "BTGPD",
            2025,
            '3',
            211_302,
            "Outback",
            "Touring XT",
            "new",
            43_995,
        ),
        (
            "JF2", "SLDGC", 2025, 'H', 401_118, "Forester", "Sport", "new", 36_295,
        ),
        (
            "JF2", "SLDAC", 2025, 'H', 401_560, "Forester", "Premium", "new", 32_995,
        ),
        (
            "JF2",
            "GUHDC",
            2025,
            'H',
            305_224,
            "Crosstrek",
            "Premium",
            "new",
            28_495,
        ),
        (
            "JF2",
            "GUHRC",
            2025,
            'H',
            305_990,
            "Crosstrek",
            "Sport",
            "new",
            31_795,
        ),
        (
            "JF2",
            "GUHWC",
            2025,
            'H',
            306_412,
            "Crosstrek",
            "Wilderness",
            "new",
            34_295,
        ),
        (
            "4S4",
            "WMAKD",
            2025,
            '3',
            455_017,
            "Ascent",
            "Onyx Edition",
            "new",
            44_995,
        ),
        (
            "4S4", "WMAUD", 2025, '3', 455_733, "Ascent", "Touring", "new", 50_495,
        ),
        (
            "JF1", "VBAFC", 2025, 'L', 802_115, "WRX", "Premium", "new", 35_995,
        ),
        (
            "JF1", "GUADC", 2025, 'H', 120_644, "Impreza", "RS", "new", 27_495,
        ),
        (
            "4S3", "BWAND", 2025, '3', 14_502, "Legacy", "Limited", "new", 33_495,
        ),
        (
            "JF1", "ZDBEC", 2025, 'U', 770_208, "BRZ", "Limited", "new", 34_995,
        ),
        (
            "4S4", "BTANC", 2022, '3', 188_934, "Outback", "Touring", "used", 29_900,
        ),
        (
            "JF2", "SKAUC", 2021, 'H', 512_876, "Forester", "Limited", "used", 24_500,
        ),
        (
            "JF2",
            "GTAAC",
            2020,
            'H',
            233_019,
            "Crosstrek",
            "Base",
            "used",
            19_990,
        ),
        (
            "4S4", "WMAHD", 2019, '3', 433_561, "Ascent", "Premium", "used", 25_750,
        ),
        (
            "JF1", "VBAKC", 2023, 'L', 811_470, "WRX", "Limited", "used", 31_200,
        ),
        (
            "JF1", "GUAHC", 2022, 'H', 118_305, "Impreza", "Sport", "used", 21_450,
        ),
        (
            "4S3", "BWAFD", 2021, '3', 9_877, "Legacy", "Premium", "used", 22_300,
        ),
        (
            "JF2",
            "GTHKC",
            2023,
            'H',
            240_118,
            "Crosstrek",
            "Hybrid",
            "used",
            30_650,
        ),
        (
            "JF1", "ZDAAC", 2022, 'U', 765_902, "BRZ", "Premium", "used", 27_800,
        ),
        (
            "4S4", "BTAFC", 2020, '3', 176_440, "Outback", "Premium", "used", 21_995,
        ),
    ];
    rows.iter()
        .enumerate()
        .map(
            |(i, &(wmi, vds, year, plant, serial, model, trim, condition, price))| Vehicle {
                vin: vin(wmi, vds, year, plant, serial),
                year,
                make: "Subaru".into(),
                model: model.into(),
                trim: trim.into(),
                stock: format!(
                    "MMS{}{:03}",
                    if condition == "new" { 'N' } else { 'U' },
                    i + 101
                ),
                price,
                condition: condition.into(),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_vins_are_valid_and_unique() {
        let stock = seed();
        assert!(stock.len() >= 12);
        let re = regex::Regex::new("^[A-HJ-NPR-Z0-9]{17}$").expect("regex");
        let mut seen = std::collections::HashSet::new();
        for v in &stock {
            assert!(re.is_match(&v.vin), "{}", v.vin);
            assert_eq!(v.vin.chars().nth(8), check_digit(&v.vin), "{}", v.vin);
            assert!(seen.insert(v.vin.clone()), "duplicate {}", v.vin);
        }
    }

    #[test]
    fn check_digit_matches_a_known_vin() {
        // The classic ISO 3779 worked example.
        assert_eq!(check_digit("1M8GDM9AXKP042788"), Some('X'));
        assert_eq!(check_digit("1M8GDM9A_KP042788"), None);
    }
}
