use super::*;
use crate::generate::CaseSource;
use crate::spec::codes::VALIDATION_ERROR;
use crate::suites::dmc12::valid_request;
use crate::suites::dmc12::{catalogue as dmc12, schemas as dmc12_schemas};

#[test]
fn each_mutation_breaks_exactly_its_rule() {
    let schemas = dmc12_schemas();
    let mut src = CaseSource::new(11);
    for m in all() {
        assert!(
            dmc12().get(&m.clause).is_some(),
            "{} cites unknown clause {}",
            m.name,
            m.clause
        );
        for n in 0..20 {
            let base = src.draw(valid_request()).current();
            let case = m.case(&base, n);
            let filled = case.with_token("rsv_0123456789abcdef");
            let errs = schemas.request.violations(&filled);
            if m.code.split('|').next() == Some(VALIDATION_ERROR) {
                assert!(
                    !errs.is_empty(),
                    "{} did not break the schema: {filled}",
                    m.name
                );
            } else {
                assert!(errs.is_empty(), "{} broke the schema: {errs:?}", m.name);
            }
            // Only its field: every change lies under one member, and every schema
            // violation is on that member's path (or an ancestor, for `required`).
            let mut changed = vec![];
            diff("", &base, &case.request, &mut changed);
            assert!(!changed.is_empty(), "{} changed nothing", m.name);
            let field = common_prefix(&changed);
            assert!(
                !field.is_empty(),
                "{} changed more than one member: {changed:?}",
                m.name
            );
            for e in &errs {
                let path = e.split(": ").next().unwrap_or("");
                let path = if path == "/" { "" } else { path };
                assert!(
                    under(&field, path) || under(path, &field),
                    "{}: a violation at {path} is not on its field {field} ({errs:?})",
                    m.name
                );
            }
        }
    }
}

/// The JSON pointers where `a` and `b` differ (objects member by member; anything else,
/// arrays included, as a whole).
fn diff(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let p = format!("{at}/{k}");
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => diff(&p, u, v, out),
                    _ => out.push(p),
                }
            }
        }
        _ if a != b => out.push(at.to_string()),
        _ => {}
    }
}

fn under(prefix: &str, path: &str) -> bool {
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

/// The longest pointer every one of `ps` lies under ("" when they share no member).
fn common_prefix(ps: &[String]) -> String {
    let first: Vec<&str> = ps[0].split('/').skip(1).collect();
    let mut n = first.len();
    for p in &ps[1..] {
        let segs: Vec<&str> = p.split('/').skip(1).collect();
        n = n.min(segs.iter().zip(&first).take_while(|(a, b)| a == b).count());
    }
    first[..n].iter().map(|s| format!("/{s}")).collect()
}

#[test]
fn the_field_helpers_find_one_member() {
    let mut out = vec![];
    diff(
        "",
        &json!({"a": {"b": 1, "c": 2}, "d": 3}),
        &json!({"a": {"b": 1, "c": 5, "e": 0}, "d": 3}),
        &mut out,
    );
    assert_eq!(out, ["/a/c", "/a/e"]);
    assert_eq!(common_prefix(&out), "/a");
    assert_eq!(common_prefix(&["/a/c".into(), "/d".into()]), "");
    assert!(under("/a", "/a/c") && !under("/a", "/ab"));
}

#[test]
fn the_table_is_checked_against_the_catalogue_when_it_loads() {
    assert_eq!(all().len(), 53);
    let row = |extra: &str| {
        format!(
            "[[mutation]]\nname = \"x\"\nclause = \"DMC12-REQ-TOKEN-001\"\nrule = \"r\"\ncode = \"VALIDATION_ERROR\"\n{extra}\n"
        )
    };
    assert!(load(&row("remove = \"/reservation_token\"")).is_ok());
    let unknown_clause = row("remove = \"/a\"").replace("DMC12-REQ-TOKEN-001", "DMC12-NOPE-001");
    assert!(
        load(&unknown_clause)
            .unwrap_err()
            .contains("DMC12-NOPE-001 is not in the catalogue")
    );
    assert!(
        load(&row("transform = \"nope\""))
            .unwrap_err()
            .contains("no transform named nope")
    );
    let twice = format!("{}\n{}", row("remove = \"/a\""), row("remove = \"/b\""));
    assert!(load(&twice).unwrap_err().contains("listed twice"));
    assert!(load(&row("")).is_err(), "a row with no operation");
    assert!(
        load(&row("remove = \"/a\"\nset = { \"/b\" = 1 }")).is_err(),
        "two operations"
    );
}

#[test]
fn table_operations_edit_the_request_as_the_row_says() {
    let base = json!({"customer_contact": {"name": "Zoë Tagabcdefgh", "phone": "+15555551234"}, "reservation_token": "rsv_0123456789"});
    let by_name = |n: &str| all().iter().find(|m| m.name == n).expect(n);
    let apply = |n: &str| {
        let mut o = base.as_object().cloned().unwrap_or_default();
        by_name(n).apply(&mut o);
        Value::Object(o)
    };
    assert!(apply("token-missing").get("reservation_token").is_none());
    assert_eq!(
        apply("vin-16").pointer("/trade_in/vin"),
        Some(&json!("JF2GTACC4K820000"))
    );
    let name = apply("name-121");
    let name = name
        .pointer("/customer_contact/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert_eq!(name.chars().count(), 121);
    assert!(
        name.starts_with("Zoë Tagabcdefgh"),
        "the canary is kept: {name}"
    );
    assert_eq!(
        apply("phone-no-plus").pointer("/customer_contact/phone"),
        Some(&json!("15555551234"))
    );
}
