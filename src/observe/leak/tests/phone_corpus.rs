//! The phone corpus: the 10,000 phones a 10,000-case run generates, glued into log lines,
//! timestamps and ids (never found) and planted as phone numbers in every form (always found).

use super::*;

/// SplitMix64: a small deterministic generator for the generated-surface tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }

    fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-a{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.hex(3),
            self.hex(12)
        )
    }

    fn ipv4(&mut self) -> String {
        format!(
            "{}.{}.{}.{}",
            1 + self.below(254),
            self.below(256),
            self.below(256),
            1 + self.below(254)
        )
    }

    /// `(date, time)` as `2026-12-05`, `11:58:03`.
    fn date_time(&mut self) -> (String, String) {
        (
            format!(
                "20{:02}-{:02}-{:02}",
                20 + self.below(10),
                1 + self.below(12),
                1 + self.below(28)
            ),
            format!(
                "{:02}:{:02}:{:02}",
                self.below(24),
                self.below(60),
                self.below(60)
            ),
        )
    }
}

/// A generated E.164 number: country code and national number.
struct Phone {
    cc: &'static str,
    national: String,
}

impl Phone {
    fn e164(&self) -> String {
        format!("+{}{}", self.cc, self.national)
    }

    /// The national number in three groups (3, 3, rest) joined by `sep`.
    fn grouped(&self, sep: &str) -> String {
        let n = &self.national;
        format!("{}{sep}{}{sep}{}", &n[..3], &n[3..6], &n[6..])
    }
}

fn generate_phones(rng: &mut Rng, n: usize, taken: &mut HashSet<String>) -> Vec<Phone> {
    const CC: [&str; 8] = ["1", "44", "48", "49", "33", "61", "81", "353"];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let cc = CC[rng.below(CC.len() as u64) as usize];
        let len = match cc {
            "1" | "44" => 10,
            "49" => 10 + rng.below(2) as usize,
            "81" => 9 + rng.below(2) as usize,
            "353" => 7 + rng.below(3) as usize,
            _ => 9,
        };
        let first = if cc == "1" {
            2 + rng.below(8)
        } else {
            1 + rng.below(9)
        };
        let phone = Phone {
            cc,
            national: format!("{first}{}", rng.digits(len - 1)),
        };
        assert!((7..=15).contains(&(phone.e164().len() - 1)));
        if taken.insert(phone.e164()) {
            out.push(phone);
        }
    }
    out
}

/// Log lines full of digits (timestamps in several formats, epoch millis, UUIDs, ids,
/// trace ids, byte counts, durations, ports, IPv4 addresses) and no phone number, among
/// them ids, timestamps and hex strings built around the digits of the given phones.
fn clean_log(rng: &mut Rng, phones: &[Phone], lines: usize) -> String {
    let mut out = String::new();
    for _ in 0..lines {
        let (date, time) = rng.date_time();
        let compact = format!("{}T{}Z", date.replace('-', ""), time.replace(':', ""));
        let (ms, us) = (rng.digits(3), rng.digits(6));
        let uuid = rng.uuid();
        let ip = rng.ipv4();
        let port = 1024 + rng.below(64_000);
        let bytes = rng.below(1_000_000);
        let dur = rng.below(30_000);
        let epoch = 1_700_000_000_000 + rng.below(100_000_000_000);
        let lead = format!("lead_{}_{}", date.replace('-', "_"), rng.digits(5));
        let trace = rng.hex(16);
        let line = match rng.below(8) {
            0 => format!(
                "{date}T{time}.{ms}Z INFO lead.received lead_id={lead} request_id={uuid} \
                 bytes={bytes} duration_ms={dur}"
            ),
            1 => format!(
                "{date}T{time}+05:30 WARN retry attempt=3 trace=trc_{trace} \
                 client={ip}:{port} elapsed={dur}.{ms}ms"
            ),
            2 => format!(
                "{date} {time},{ms} DEBUG [worker-7] epoch_ms={epoch} span={} rows={}",
                rng.hex(8),
                rng.below(10_000)
            ),
            3 => format!(
                "{date}T{time}.{us}-08:00 ERROR upstream {ip} port {port} took {dur}.{ms} s \
                 x-request-id: req_{} at {compact}",
                rng.hex(12)
            ),
            4 => format!(
                "{{\"ts\":\"{date}T{time}.{ms}Z\",\"level\":\"info\",\"lead\":\"{lead}\",\
                 \"uuid\":\"{uuid}\",\"bytes\":{bytes},\"ms\":{dur},\"at\":{epoch}}}"
            ),
            5 => format!(
                "{ip} - - [{date} {time}] \"GET /leads/{dur}?page=2 HTTP/1.1\" 200 {bytes} \
                 {dur}ms \"{uuid}\""
            ),
            6 => format!(
                "{} {} {date} {time} pid={} listen 0.0.0.0:{port} v1.{}.{}",
                &compact[..8],
                &compact[9..15],
                rng.below(99_999),
                rng.below(100),
                rng.below(1000)
            ),
            _ => {
                // The digits of a phone, glued into identifiers and timestamps.
                let p = &phones[rng.below(phones.len() as u64) as usize];
                let (full, nat) = (format!("{}{}", p.cc, p.national), &p.national);
                match rng.below(10) {
                    0 => format!("{date} {time} INFO lead_id=lead_{full} ok"),
                    1 => format!("{date} {time} INFO trace=trc_{}{nat}", rng.hex(4)),
                    2 => format!("{date}T{time}.{nat}Z INFO took {nat}ms"),
                    3 => format!("{date} {time}.{nat} INFO id={full}7 n=9{nat}"),
                    4 => format!("{date} {time} INFO build v{nat} txn-{full}-a"),
                    5 => format!("{date} {time} INFO sha=5f{full}ab"),
                    6 => format!("{date} {time} INFO uuid=a1b2c3d4-e5f6-4a7b-8c9d-{full}"),
                    7 => format!("{date} {time} INFO key={nat}_{}", rng.digits(4)),
                    8 => format!("{date}T{time}.{nat}+01:00 INFO k=X{full}"),
                    _ => format!("{date} {time} INFO ref={full}{}", rng.digits(2)),
                }
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Canaries whose digits are exactly those of timestamps, ids and addresses in
/// [`CONTRIVED_LINES`].
const CONTRIVED_CANARIES: &[&str] = &[
    "+2026120511",
    "+20261205115803",
    "+20261205",
    "+2026120500842",
    "+426614174000",
    "+10203040",
    "+102030408443",
    "+12345678",
    "+31234567",
    "0512202611",
    "+115803123",
];

const CONTRIVED_LINES: &str = "2026-12-05T11:58:03.123Z INFO lead.received\n\
    2026-12-05 11:58:03,123 INFO lead=lead_20261205_00842\n\
    20261205T115803Z 20261205 115803 id=123e4567-e89b-12d3-a456-426614174000\n\
    2026-12-05T11:58:03.1234567+01:00 from 10.20.30.40:8443 took 1234.5678 s\n\
    05.12.2026 11.58.03 and 2026-12-05 11.58.03.123 done\n";

struct Fixture {
    phones: Vec<Phone>,
    scanner: LeakScanner,
    clean: String,
    leaked: String,
    /// `(field, form, offset)` of every leak planted in `leaked`.
    expected: Vec<(String, String, usize)>,
}

/// 10,000 generated phone canaries (`p0`…), two fixed ones (`us`, `uk`) and the contrived
/// ones (`c0`…); a clean log, and the same log with some of them leaked in every form.
fn fixture() -> &'static Fixture {
    static FIXTURE: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = Rng(0x5EED_1EAC_2026_1205);
        let mut taken: HashSet<String> = ["+14155551234", "+442079460958"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let phones = generate_phones(&mut rng, 10_000, &mut taken);
        let mut canaries: Vec<Canary> = phones
            .iter()
            .enumerate()
            .map(|(i, p)| canary(&format!("p{i}"), &p.e164()))
            .collect();
        canaries.push(canary("us", "+14155551234"));
        canaries.push(canary("uk", "+442079460958"));
        for (i, v) in CONTRIVED_CANARIES.iter().enumerate() {
            canaries.push(canary(&format!("c{i}"), v));
        }
        let mut clean = String::from(CONTRIVED_LINES);
        clean.push_str(&clean_log(&mut rng, &phones, 3_000));

        // (field, text): the text leaks the field's canary.
        let mut leaks: Vec<(String, String)> = [
            ("us", "+1 415-555-1234"),
            ("us", "(415) 555 1234"),
            ("us", "415.555.1234"),
            ("us", "14155551234"),
            ("us", "{\"lead\":{\"phone\":\"+1 415-555-1234\"}}"),
            ("us", "phone=415.555.1234&x=1"),
            (
                "us",
                "Subject: call back\r\n\r\nPlease call me on (415) 555-1234 after five.\r\n",
            ),
            ("uk", "0207 946 0958"),
            ("uk", "020 7946 0958"),
            ("uk", "+44 (0)20 7946 0958"),
            ("uk", "tel:+44-20-7946-0958"),
            ("uk", "seen +442079460958 raw"),
        ]
        .iter()
        .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
        .collect();
        for k in 0..60 {
            let i = k * 163 % phones.len();
            let p = &phones[i];
            let (cc, n) = (p.cc, &p.national);
            let text = match k % 10 {
                0 => format!("+{cc} {}", p.grouped("-")),
                1 => format!("phone: ({}) {} {}", &n[..3], &n[3..6], &n[6..]),
                2 => p.grouped("."),
                3 => format!("0{}", p.grouped(" ")),
                4 => format!("{cc}{n}"),
                5 => format!("{{\"lead\":{{\"phone\":\"+{cc} {n}\",\"id\":\"lead_01\"}}}}"),
                6 => format!("GET /lead?phone={n}&x=y"),
                7 => format!(
                    "From: a@example.com\r\nSubject: call back\r\n\r\nPlease call me on \
                     +{cc} (0){} {} {} after five.\r\n",
                    &n[..2],
                    &n[2..6],
                    &n[6..]
                ),
                8 => format!("contact {} now", p.e164()),
                _ => format!("tel:+{cc}-{n}"),
            };
            leaks.push((format!("p{i}"), text));
        }
        let lines: Vec<&str> = clean.lines().collect();
        let step = lines.len() / (leaks.len() + 1);
        let mut leaked = String::new();
        let mut expected = Vec::new();
        let mut next = leaks.iter();
        for (n, line) in lines.iter().enumerate() {
            leaked.push_str(line);
            leaked.push('\n');
            if n % step == step - 1
                && let Some((field, text)) = next.next()
            {
                let value = &canaries
                    .iter()
                    .find(|c| &c.field == field)
                    .expect("canary")
                    .value;
                let first = text
                    .find(|c: char| c == '+' || c.is_ascii_digit())
                    .expect("a number");
                let form = if text.contains(value.as_str()) {
                    "raw"
                } else {
                    "digits-only"
                };
                expected.push((field.clone(), form.to_owned(), leaked.len() + first));
                leaked.push_str(text);
                leaked.push('\n');
            }
        }
        assert!(next.next().is_none(), "every leak planted");
        expected.sort();
        Fixture {
            phones,
            scanner: LeakScanner::new(canaries),
            clean,
            leaked,
            expected,
        }
    })
}

#[test]
fn ten_thousand_phone_canaries_are_not_found_in_digit_heavy_logs() {
    let fx = fixture();
    assert_eq!(
        fx.scanner.canaries().len(),
        10_002 + CONTRIVED_CANARIES.len()
    );
    let digits = fx.clean.bytes().filter(u8::is_ascii_digit).count();
    assert!(
        digits > fx.clean.len() / 4,
        "{digits} of {}",
        fx.clean.len()
    );
    let f = fx.scanner.scan("log", fx.clean.as_bytes());
    assert!(
        f.is_empty(),
        "{} findings, first: {:#?}",
        f.len(),
        &f[..f.len().min(5)]
    );
}

#[test]
fn ten_thousand_phone_canaries_leaked_are_each_found() {
    let fx = fixture();
    let f = fx.scanner.scan("log", fx.leaked.as_bytes());
    assert_masked(&fx.scanner, &f);
    let mut got: Vec<(String, String, usize)> =
        f.into_iter().map(|x| (x.field, x.form, x.offset)).collect();
    got.sort();
    assert_eq!(fx.expected.len(), 72);
    assert_eq!(got, fx.expected);
    assert!(fx.expected.iter().filter(|e| e.1 == "digits-only").count() >= 60);
}

#[test]
fn digit_scan_cost_does_not_grow_with_the_canaries() {
    let fx = fixture();
    let few = LeakScanner::new(
        fx.phones[..100]
            .iter()
            .enumerate()
            .map(|(i, p)| canary(&format!("p{i}"), &p.e164()))
            .collect(),
    );
    let hay = fx.leaked.as_bytes();
    let (found_few, small) = few.digits.find_counted(hay);
    let (found_all, large) = fx.scanner.digits.find_counted(hay);
    assert!(found_few.len() < found_all.len());
    assert_eq!(small.groups, large.groups);
    assert!(small.lookups > 1_000, "{small:?}");
    let work = |c: DigitScanCost| c.runs + c.starts + c.lookups;
    assert!(
        work(large) < 2 * work(small),
        "100 canaries: {small:?}, 10,000: {large:?}"
    );
}

fn planted(form: usize, value: &str) -> String {
    match form {
        0 => value.to_owned(),
        1 => value.to_uppercase(),
        2 => json_forms(value).pop().unwrap_or_else(|| value.to_owned()),
        3 => url_forms(value).pop().unwrap_or_else(|| value.to_owned()),
        4 => STANDARD.encode(value),
        5 => URL_SAFE.encode(format!("xy{value}")),
        _ => qp_forms(value.as_bytes()).remove(0),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A canary planted in any form is found inside its planted span, and no snippet ever
    /// shows its plaintext.
    #[test]
    fn planted_canaries_are_found_and_masked(
        value in "[a-zA-Z0-9éöÅ .@+_/-]{6,24}",
        before in "[ -~\n]{0,40}",
        after in "[ -~\n]{0,40}",
        form in 0usize..7,
    ) {
        prop_assume!(!value.trim().is_empty() && value.trim().chars().count() >= 6);
        let s = LeakScanner::new(vec![canary("f", &value)]);
        let encoded = planted(form, value.trim());
        let hay = format!("{before}{encoded}{after}");
        let start = before.len();
        let end = start + encoded.len();
        let f = s.scan("t", hay.as_bytes());
        prop_assert!(
            f.iter().any(|x| x.offset >= start && x.offset < end),
            "{hay:?}: {f:?}"
        );
        let lowered = value.trim().to_lowercase();
        for x in &f {
            prop_assert!(!x.snippet.to_lowercase().contains(&lowered), "{:?}", x.snippet);
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(hay in proptest::collection::vec(any::<u8>(), 0..400)) {
        let s = scanner();
        let f = s.scan("t", &hay);
        assert_masked(&s, &f);
        let _ = s.scan_hashes("t", &hay);
    }
}

/// The phones a 10,000-case run really generates (`generate::valid_request`, the run's
/// default seed), as canaries, against a realistic log whose timestamps and ids carry their
/// digits: no digits-only finding. The same phones written into the log as phone numbers
/// are all found.
#[test]
fn the_phones_of_a_10000_case_run_are_not_found_in_timestamps_and_ids() {
    let mut source = crate::generate::CaseSource::new(0x5eed_d3a1);
    let phones: Vec<String> = (0..10_000)
        .filter_map(|_| {
            let req = source.draw(crate::suites::dmc12::valid_request()).current();
            req.pointer("/customer_contact/phone")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(phones.len(), 10_000);
    let canaries: Vec<Canary> = phones
        .iter()
        .enumerate()
        .map(|(i, p)| canary(&format!("g{i}"), p))
        .collect();
    let scanner = LeakScanner::new(canaries);
    let mut rng = Rng(0x0D15_EA5E);
    let mut taken = HashSet::new();
    let others = generate_phones(&mut rng, 50, &mut taken);
    let mut log = clean_log(&mut rng, &others, 2_000);
    // The generated phones' digits glued into ids, timestamps and longer runs.
    for (i, p) in phones.iter().enumerate().step_by(7) {
        let d: String = p.chars().filter(char::is_ascii_digit).collect();
        let (date, time) = rng.date_time();
        log.push_str(&match i % 5 {
            0 => format!("{date}T{time}.{d}Z INFO lead_id=lead_{d} ok\n"),
            1 => format!(
                "{date} {time} INFO request=req_{d}x trace=trc_{}\n",
                rng.hex(6)
            ),
            2 => format!("{date} {time} INFO ref={d}{} n=9{d}\n", rng.digits(3)),
            3 => format!("{date} {time} INFO uuid=a1b2c3d4-e5f6-4a7b-8c9d-{d}\n"),
            _ => format!("{date} {time} INFO span=X{d} build v{d}\n"),
        });
    }
    let found = scanner.scan("log", log.as_bytes());
    assert!(
        found.is_empty(),
        "{} false leaks, e.g. {:?}",
        found.len(),
        found.first()
    );
    // Written as phone numbers, every one is found.
    let mut leaked = String::new();
    for p in phones.iter().step_by(37) {
        leaked.push_str(&format!(
            "2026-12-05T11:58:03Z INFO callback phone={p} queued\n"
        ));
    }
    let hits: HashSet<String> = scanner
        .scan("log", leaked.as_bytes())
        .into_iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(hits.len(), phones.iter().step_by(37).count());
}
