//! Tests of the leak scanner: the encodings it finds, the masked snippets it reports, and the
//! digits-only phone form (never across timestamps, ids or longer digit runs; cost independent
//! of the number of canaries).

use super::*;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

mod phone_corpus;

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
fn case_folded_offsets_survive_characters_whose_lowercase_is_longer_or_shorter() {
    // `İ` (2 bytes) lowercases to 3 bytes, `ẞ` (3 bytes) to `ß` (2 bytes): the surface offsets
    // after them are not the view's.
    for lead in ["İİ ", "ẞ ", "İẞ\u{fffd} ", "a\u{130}b\u{1e9e} "] {
        let hay = format!("{lead}{} y", NAME.to_uppercase());
        assert_eq!(
            found(&hay),
            one("customer_contact.name", "case-folded", lead.len()),
            "{lead:?}"
        );
        // The span ends where the name does: the snippet keeps what follows, unmasked.
        let f = scanner().scan("test", hay.as_bytes());
        assert!(f[0].snippet.ends_with(" y"), "{:?}", f[0].snippet);
    }
    // A resized character inside the match: the span covers it whole.
    let s = LeakScanner::new(vec![canary("customer_contact.name", "Zeynep İnce")]);
    let hay = "ẞ: ZEYNEP İNCE.";
    let f = s.scan("test", hay.as_bytes());
    assert_eq!(
        f.iter()
            .map(|f| (f.form.as_str(), f.offset))
            .collect::<Vec<_>>(),
        [("case-folded", "ẞ: ".len())]
    );
    assert!(f[0].snippet.ends_with('.'), "{:?}", f[0].snippet);
    assert_masked(&s, &f);
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
