//! Tests of the leak scanner: the encodings it finds, the masked snippets it reports, and the
//! digits-only phone form (never across timestamps, ids or longer digit runs; cost independent
//! of the number of canaries).

use super::*;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use proptest::prelude::*;
use std::collections::HashSet;

fn canary(field: &str, value: &str) -> Canary {
    Canary {
        field: field.to_owned(),
        value: value.to_owned(),
    }
}

const EMAIL: &str = "jane.doe+tck@example.com";
const NAME: &str = "Zoë Ångström-Voss";
const PHONE: &str = "(555) 010-4477";
const NOTES: &str = "Call after 5pm / prefers \"blue\" & <sunroof>";

fn scanner() -> LeakScanner {
    LeakScanner::new(vec![
        canary("customer_contact.email", EMAIL),
        canary("customer_contact.name", NAME),
        canary("customer_contact.phone", PHONE),
        canary("notes", NOTES),
        canary("trade_in.description", "Bob"),
    ])
}

/// The findings of `hay` as (field, form, offset).
fn found(hay: &str) -> Vec<(String, String, usize)> {
    scanner()
        .scan("test", hay.as_bytes())
        .into_iter()
        .map(|f| (f.field, f.form, f.offset))
        .collect()
}

fn one(field: &str, form: &str, offset: usize) -> Vec<(String, String, usize)> {
    vec![(field.to_owned(), form.to_owned(), offset)]
}

/// No snippet contains any canary's plaintext, in any case.
fn assert_masked(s: &LeakScanner, findings: &[LeakFinding]) {
    for f in findings {
        let lowered = f.snippet.to_lowercase();
        for c in s.canaries() {
            assert!(
                !lowered.contains(&c.value.to_lowercase()),
                "snippet leaks {:?}: {:?}",
                c.value,
                f.snippet
            );
        }
    }
}

#[test]
fn short_canaries_are_dropped() {
    let s = scanner();
    assert_eq!(s.canaries().len(), 4);
    assert!(s.canaries().iter().all(|c| c.value != "Bob"));
    assert!(s.scan("t", b"Bob Bob Bob").is_empty());
    let s = LeakScanner::new(vec![canary("f", "  abc  "), canary("g", "abcdef")]);
    assert_eq!(s.canaries().len(), 1, "length counts the trimmed value");
}

#[test]
fn raw() {
    let hay = format!("{{\"email\":\"{EMAIL}\"}}");
    assert_eq!(found(&hay), one("customer_contact.email", "raw", 10));
    let hay = format!("name={NAME};");
    assert_eq!(found(&hay), one("customer_contact.name", "raw", 5));
}

#[test]
fn every_occurrence_is_reported() {
    let hay = format!("{EMAIL},{EMAIL}\n{EMAIL}");
    let offsets: Vec<usize> = found(&hay).into_iter().map(|f| f.2).collect();
    assert_eq!(offsets, [0, EMAIL.len() + 1, 2 * EMAIL.len() + 2]);
}

#[test]
fn case_folded_ascii_and_unicode() {
    let hay = format!("x {} y", EMAIL.to_uppercase());
    assert_eq!(found(&hay), one("customer_contact.email", "case-folded", 2));
    let hay = format!("ÄÄ {} y", NAME.to_uppercase());
    assert_eq!(
        found(&hay),
        one("customer_contact.name", "case-folded", "ÄÄ ".len())
    );
    let hay = format!("ÄÄ {} y", NAME.to_lowercase());
    assert_eq!(
        found(&hay),
        one("customer_contact.name", "case-folded", "ÄÄ ".len())
    );
}

#[test]
fn json_escaped() {
    // serde_json: quotes escaped, the rest as is.
    let body = serde_json::json!({ "notes": NOTES }).to_string();
    let at = body.find("Call").expect("notes in body");
    assert_eq!(found(&body), one("notes", "json-escaped", at));
    // \u escapes of non-ASCII (both hex cases), `\/`, HTML-safe escapes.
    for escaped in [
        "Zo\\u00eb \\u00c5ngstr\\u00f6m-Voss",
        "Zo\\u00EB \\u00C5ngstr\\u00F6m-Voss",
    ] {
        let hay = format!("{{\"n\":\"{escaped}\"}}");
        assert_eq!(found(&hay), one("customer_contact.name", "json-escaped", 6));
    }
    for escaped in [
        "Call after 5pm \\/ prefers \\\"blue\\\" & <sunroof>",
        "Call after 5pm \\/ prefers \\\"blue\\\" \\u0026 \\u003csunroof\\u003e",
        "Call after 5pm / prefers \\\"blue\\\" \\u0026 \\u003csunroof\\u003e",
    ] {
        let hay = format!("{{\"n\":\"{escaped}\"}}");
        assert_eq!(found(&hay), one("notes", "json-escaped", 6), "{escaped}");
    }
}

#[test]
fn url_encoded() {
    for enc in [
        "jane.doe%2Btck%40example.com",
        "jane.doe%2btck%40example.com",
    ] {
        let hay = format!("GET /lead?email={enc}&x=1");
        assert_eq!(
            found(&hay),
            one("customer_contact.email", "url-encoded", 16)
        );
    }
    for enc in [
        "Zo%C3%AB+%C3%85ngstr%C3%B6m-Voss",
        "Zo%c3%ab%20%c3%85ngstr%c3%b6m-Voss",
    ] {
        let hay = format!("name={enc}");
        assert_eq!(found(&hay), one("customer_contact.name", "url-encoded", 5));
    }
    // encodeURIComponent leaves ' ( ) unencoded.
    let s = LeakScanner::new(vec![canary("notes", "it's (really) me")]);
    let f = s.scan("t", b"q=it's%20(really)%20me");
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].form.as_str(), f[0].offset), ("url-encoded", 2));
}

#[test]
fn base64_at_every_alignment_and_in_both_alphabets() {
    // A value whose encoding has `+` and `/` in some alignments.
    let value = "Zoë~Ångström?>>";
    let s = LeakScanner::new(vec![canary("customer_contact.name", value)]);
    let mut saw_difference = false;
    for prefix_len in 0..6 {
        let mut blob = b"PREFIX"[..prefix_len].to_vec();
        blob.extend_from_slice(value.as_bytes());
        blob.extend_from_slice(b"-suffix-bytes");
        for engine in [&STANDARD, &URL_SAFE] {
            let encoded = engine.encode(&blob);
            saw_difference |= encoded.contains(['+', '/', '-', '_']);
            let hay = format!("data:{encoded};end");
            let f = s.scan("t", hay.as_bytes());
            assert_eq!(f.len(), 1, "prefix {prefix_len}: {encoded}: {f:?}");
            assert_eq!(f[0].form, "base64");
            // The stable part starts within the first encoded group of the canary.
            let canary_at = 5 + prefix_len * 4 / 3;
            assert!(
                f[0].offset >= canary_at && f[0].offset <= canary_at + 4,
                "{} vs {canary_at}",
                f[0].offset
            );
            assert_masked(&s, &f);
        }
    }
    assert!(saw_difference, "the alphabets were exercised");
}

#[test]
fn quoted_printable_with_soft_line_breaks() {
    let hay = "Name: Zo=C3=AB =C3=85ngstr=\r\n=C3=B6m-Voss\r\n";
    assert_eq!(
        found(hay),
        one("customer_contact.name", "quoted-printable", 6)
    );
    let hay = "Name: Zo=c3=ab =c3=85ngstr=c3=b6m-Voss\n";
    assert_eq!(
        found(hay),
        one("customer_contact.name", "quoted-printable", 6)
    );
    // A plain ASCII value split by a soft line break.
    let hay = "Reply-to is jane.doe+tck@exa=\nmple.com ok";
    assert_eq!(
        found(hay),
        one("customer_contact.email", "quoted-printable", 12)
    );
    let f = scanner().scan("mail", hay.as_bytes());
    assert_masked(&scanner(), &f);
    assert!(
        f[0].snippet.contains("ja****@example.com"),
        "{}",
        f[0].snippet
    );
    assert!(f[0].snippet.ends_with(" ok"), "{}", f[0].snippet);
}

#[test]
fn digits_only_phone() {
    let cases = [
        ("tel=5550104477;", 4),
        ("tel=555.010.4477;", 4),
        ("tel=555 - 010 - 4477", 4),
        ("tel=+15550104477", 4),
        ("tel=+1 (555) 010 4477", 4),
        ("tel=1-555-010-4477!", 6),
    ];
    for (hay, offset) in cases {
        assert_eq!(
            found(hay),
            one("customer_contact.phone", "digits-only", offset),
            "{hay}"
        );
    }
    // Digits glued to other digits are a different number.
    for hay in ["id=95550104477", "id=55501044770", "x5550104"] {
        assert_eq!(found(hay), vec![], "{hay}");
    }
    // An international canary is also found without its + or its country code.
    let s = LeakScanner::new(vec![canary("p", "+44 20 7946 0958")]);
    for (hay, form) in [
        ("442079460958", "digits-only"),
        ("020 7946 0958", "digits-only"),
        ("+44 (0)20 7946 0958", "digits-only"),
        ("+44 20 7946 0958", "raw"),
    ] {
        let f = s.scan("t", hay.as_bytes());
        assert_eq!(f.len(), 1, "{hay}: {f:?}");
        assert_eq!(f[0].form, form, "{hay}");
    }
}

#[test]
fn digits_only_never_across_timestamps_ids_or_longer_runs() {
    // Each canary's digits are those of a timestamp, an id or an address written nearby;
    // the last haystack of each row writes the number as a phone and must be found.
    let rows: &[(&str, &[&str], &str)] = &[
        (
            "+2026120511",
            &[
                "at 2026-12-05T11:58:03.123Z ok",
                "at 2026-12-05 11:58:03 ok",
                "at 2026-12-05 11:58 ok",
                "at 2026.12.05 11:58:03,123 ok",
            ],
            "tel 20 2612 0511",
        ),
        (
            "+20261205115803",
            &[
                "2026-12-05 11:58:03",
                "20261205T115803Z",
                "20261205 115803",
                "20261205-115803",
                "20261205115803",
                "at 2026-12-05 11.58.03 ok",
            ],
            "+20 26 1205 1158 03",
        ),
        (
            "+20261205",
            &[
                "lead_20261205_00842",
                "2026-12-05",
                "05.12.2026",
                "x20261205",
            ],
            "call 20261205",
        ),
        (
            "+2026120500842",
            &[
                "lead_20261205_00842",
                "lead-20261205-00842",
                "2026-12-05 00842",
            ],
            "2026 1205 00842",
        ),
        (
            "+426614174000",
            &[
                "id=123e4567-e89b-12d3-a456-426614174000",
                "id=12345678-1234-1234-1234-426614174000",
                "trc_426614174000",
                "426614174000ms",
                "sha 5f3a426614174000",
            ],
            "+426 614 174 000",
        ),
        (
            "+10203040",
            &["from 10.20.30.40 ok", "10.20.30.40:8443"],
            "+1 020 3040",
        ),
        ("+12345678", &["took 1234.5678 s"], "12-34-56-78"),
        (
            "+31234567",
            &["11:58:03.1234567", "2026-12-05T11:58:03.1234567+01:00"],
            "3123 4567",
        ),
        (
            "+14155551234",
            &[
                "914155551234",
                "141555512340",
                "1415555123.4",
                "v14155551234",
                "req-14155551234",
                "14155551234_x",
                "+1 4155551234z",
            ],
            "\u{96fb}\u{8a71}415 555-1234.",
        ),
    ];
    for &(value, clean, leaked) in rows {
        let s = LeakScanner::new(vec![canary("p", value)]);
        for hay in clean {
            assert_eq!(s.scan("t", hay.as_bytes()), vec![], "{value} in {hay}");
        }
        let f = s.scan("t", leaked.as_bytes());
        assert_eq!(f.len(), 1, "{value} in {leaked}: {f:?}");
        assert_eq!(f[0].form, "digits-only", "{leaked}");
    }
}

#[test]
fn phone_keys_of_national_and_international_values() {
    let keys = |v: &str| {
        phone_keys(v).map(|k| {
            let s = |d: Vec<u8>| String::from_utf8(d).expect("digits");
            (
                k.plain.into_iter().map(s).collect::<Vec<_>>(),
                k.after_country_code.map(s),
            )
        })
    };
    let strs = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        keys("+44 (0)20 7946 0958"),
        Some((
            strs(&[
                "442079460958",
                "00442079460958",
                "011442079460958",
                "2079460958",
                "02079460958",
                "4402079460958",
            ]),
            None
        ))
    );
    assert_eq!(
        keys("+1 (555) 010-4477").map(|k| k.0[3].clone()),
        Some("5550104477".to_owned())
    );
    assert_eq!(
        keys("+3531234567").map(|k| k.0[3].clone()),
        Some("1234567".to_owned())
    );
    assert_eq!(
        keys(" (555) 010-4477 "),
        Some((strs(&["5550104477"]), Some("5550104477".to_owned())))
    );
    // Not phone numbers: too few digits, or other text around the digits.
    for v in [
        "+1 555 01",
        "Jane Doe a1234567",
        "VIN 1HGCM82633A004352",
        "12345 Main St",
    ] {
        assert_eq!(keys(v), None, "{v}");
    }
}

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

#[test]
fn simplest_form_wins() {
    // Raw, case-folded and digits-only all match here; reported once, as raw.
    let hay = format!("phone {PHONE} end");
    assert_eq!(found(&hay), one("customer_contact.phone", "raw", 6));
    // The address is its own JSON escaping and quoted-printable form: still raw.
    let hay = format!("{{\"e\":\"{EMAIL}\"}}");
    assert_eq!(found(&hay), one("customer_contact.email", "raw", 6));
}

#[test]
fn no_false_positive_on_a_clean_haystack() {
    let s = scanner();
    let mut hay = String::from(
        "{\"data\":{\"handoff_id\":\"hnd_01\",\"sent_to_masked\":\"ja****@example.com\",\
         \"customer\":\"Zo****\",\"phone\":\"555-010-9999\",\"other\":\"john.doe@example.com\",\
         \"ts\":\"2026-03-14T10:30:00Z\",\"n\":15550104478,\"id\":\"5550104477123\"}}\n",
    );
    for (_, h) in s.hashes() {
        hay.push_str(&format!("hash={h}\n"));
    }
    hay.push_str(&STANDARD.encode(b"unrelated binary payload of some length"));
    hay.push_str("\nZo=C3=AB Smith, jane.doe%40example.org\n");
    assert_eq!(s.scan("clean", hay.as_bytes()), vec![]);
    // Binary data without the canaries.
    let bin: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    assert_eq!(s.scan("db", &bin), vec![]);
}

#[test]
fn snippets_are_masked_and_one_line() {
    let s = scanner();
    let hay = format!(
        "INFO 2026-03-14 handoff ok\nto={EMAIL}\nname={NAME} phone={PHONE} {EMAIL}{EMAIL}\n\
         notes={NOTES}\n{}\n",
        NAME.to_uppercase()
    );
    let findings = s.scan("log", hay.as_bytes());
    assert_eq!(findings.len(), 7, "{findings:#?}");
    assert_masked(&s, &findings);
    let first = &findings[0];
    assert_eq!(first.surface, "log");
    assert_eq!(
        first.snippet,
        "026-03-14 handoff ok⏎to=ja****@example.com⏎name=Zo**** phone=(5***"
    );
    for f in &findings {
        assert!(!f.snippet.contains('\n'), "{:?}", f.snippet);
        let mask = mask_value(
            &s.canaries()
                .iter()
                .find(|c| c.field == f.field)
                .expect("canary")
                .value,
        );
        assert!(f.snippet.contains(&mask), "{:?} lacks {mask}", f.snippet);
        assert!(f.snippet.chars().count() <= 2 * CONTEXT_CHARS + mask.chars().count());
    }
}

#[test]
fn snippets_mask_neighbours_cut_by_the_window() {
    // The second address starts inside the first one's right context and runs past it.
    let s = LeakScanner::new(vec![canary("a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.io")]);
    let value = &s.canaries()[0].value.clone();
    let hay = format!("{value}-{value}");
    let f = s.scan("t", hay.as_bytes());
    assert_eq!(f.len(), 2);
    assert_masked(&s, &f);
    assert_eq!(f[0].snippet, "aa****@x.io-aa****@x.io");
    // A canary inside another one (a name inside the notes) never shows through.
    let s = LeakScanner::new(vec![
        canary("name", "Jane Doe"),
        canary("notes", "Jane Doe wants the blue Outback"),
    ]);
    let f = s.scan("t", b"note: Jane Doe wants the blue Outback!");
    assert_eq!(f.len(), 2, "{f:?}");
    assert_masked(&s, &f);
    for x in &f {
        assert!(!x.snippet.contains("blue"), "{:?}", x.snippet);
    }
}

#[test]
fn snippet_context_is_lossy_utf8_on_char_boundaries() {
    let s = LeakScanner::new(vec![canary("e", EMAIL)]);
    let mut hay = "ü".repeat(40).into_bytes();
    hay.push(0xff);
    hay.extend_from_slice(EMAIL.as_bytes());
    hay.extend_from_slice(b"\x00\x01tail\r\nnext");
    let f = s.scan("db", &hay);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].offset, 81);
    let expected = format!("{}\u{fffd}ja****@example.com··tail⏎next", "ü".repeat(23));
    assert_eq!(f[0].snippet, expected);
}

#[test]
fn hashes_of_value_and_normalized_form() {
    let s = LeakScanner::new(vec![
        canary("customer_contact.email", " Jane.Doe@Example.com "),
        canary("notes", "already lower"),
    ]);
    assert_eq!(
        s.hashes(),
        vec![
            (
                "customer_contact.email".to_owned(),
                crate::spec::sha256_hex(" Jane.Doe@Example.com ")
            ),
            (
                "customer_contact.email".to_owned(),
                crate::spec::sha256_hex("jane.doe@example.com")
            ),
            ("notes".to_owned(), crate::spec::sha256_hex("already lower")),
        ]
    );
}

#[test]
fn scan_hashes_finds_hex_in_any_case_and_raw_digests() {
    let s = LeakScanner::new(vec![canary(
        "customer_contact.email",
        "Jane.Doe@Example.com",
    )]);
    let lower = crate::spec::sha256_hex("jane.doe@example.com");
    let exact = crate::spec::sha256_hex("Jane.Doe@Example.com");
    let mut hay = format!("a={}\nb={lower}\n", exact.to_uppercase()).into_bytes();
    let binary_at = hay.len();
    hay.extend_from_slice(&Sha256::digest(b"jane.doe@example.com"));
    let field = "customer_contact.email".to_owned();
    assert_eq!(
        s.scan_hashes("db", &hay),
        vec![(field.clone(), 2), (field.clone(), 69), (field, binary_at)]
    );
    assert_eq!(s.scan_hashes("db", b"no digests here"), vec![]);
    // A digest is not a plaintext leak.
    assert_eq!(s.scan("db", &hay), vec![]);
}

#[test]
fn many_canaries_on_a_large_surface() {
    let canaries: Vec<Canary> = (0..300)
        .map(|i| canary(&format!("f{i}"), &format!("customer{i:03}@example{i}.com")))
        .collect();
    let s = LeakScanner::new(canaries);
    // 3 MB of log lines with three planted canaries in three forms.
    let line = "2026-03-14T10:30:00Z INFO request handled in 12ms status=200\n";
    let mut hay = line.repeat(3 * 1024 * 1024 / line.len());
    let raw_at = hay.len() / 3;
    hay.insert_str(raw_at, "customer017@example17.com");
    let url_at = hay.len() / 2;
    hay.insert_str(url_at, "customer123%40example123.com");
    let b64_at = hay.len() - 100;
    hay.insert_str(b64_at, &STANDARD.encode("customer299@example299.com"));
    let f = s.scan("log", hay.as_bytes());
    let got: Vec<(&str, &str, usize)> = f
        .iter()
        .map(|x| (x.field.as_str(), x.form.as_str(), x.offset))
        .collect();
    assert_eq!(
        got,
        vec![
            ("f17", "raw", raw_at),
            ("f123", "url-encoded", url_at),
            ("f299", "base64", b64_at),
        ]
    );
}

#[test]
fn pathological_repetition_is_bounded() {
    let s = LeakScanner::new(vec![canary("x", "aaaaaa")]);
    let hay = vec![b'a'; 200_000];
    let f = s.scan("t", &hay);
    assert_eq!(f.len(), LeakScanner::MAX_FINDINGS);
    assert!(f.iter().all(|x| x.form == "raw"));
    assert_masked(&s, &f[..10]);
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
