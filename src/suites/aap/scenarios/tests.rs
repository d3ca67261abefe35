use super::*;

#[test]
fn payloads_are_masked() {
    let v = json!({"customer": {"first_name": "Piotr", "last_name": "Nowak", "email": "piotr.nowak@example.com",
                   "phone": "+14155555678", "address": {"city": "San Francisco"}},
                   "consent": {"consent_text": "I agree to everything", "scope": ["lead_submission"]},
                   "message": "Call me", "vehicle_of_interest": {"vin": "1HGCY2F57RA000001"}});
    let m = masked_payload(&v);
    let text = m.to_string();
    for secret in [
        "Piotr",
        "Nowak",
        "piotr.nowak",
        "5555678",
        "Francisco",
        "everything",
        "Call me",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(m["customer"]["email"], "pi****@example.com");
    assert_eq!(m["vehicle_of_interest"], v["vehicle_of_interest"]);
}

#[test]
fn endpoints_and_suite_selection() {
    let card = a2a::AgentCard::from_json(json!({
        "supportedInterfaces": [
            {"url": "http://h/rest", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"},
            {"url": "http://h/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
            {"url": "http://h/grpc", "protocolBinding": "GRPC", "protocolVersion": "1.0"}
        ],
        "skills": [{"id": "lead.submit"}]
    }));
    assert_eq!(
        a2a_endpoints(&card, None),
        vec![
            (Binding::A2aJsonrpc, "http://h/a2a".to_string()),
            (Binding::A2aRest, "http://h/rest".to_string())
        ]
    );
    assert_eq!(
        a2a_endpoints(&card, Some(&[Binding::Mcp, Binding::A2aRest])),
        vec![(Binding::A2aRest, "http://h/rest".to_string())]
    );
    assert!(a2a_endpoints(&card, Some(&[Binding::Mcp])).is_empty());
    assert!(AapSuite::V02.selected(None));
    assert!(AapSuite::V02.selected(Some("AAP")));
    assert!(!AapSuite::V02.selected(Some("AAPD")));
    assert!(AapSuite::Draft.selected(Some("CONSENT")));
    assert!(!AapSuite::Draft.selected(Some("DMC12")));
}

#[test]
fn a_long_string_from_the_target_is_kept_as_its_start_and_a_digest() {
    assert_eq!(kept("L-1"), "L-1");
    let a = format!("é{}", "a".repeat(3_000_000));
    let b = format!("é{}b", "a".repeat(2_999_999));
    let (ka, kb) = (kept(&a), kept(&b));
    assert!(ka.len() < 200 && ka.starts_with("éa"), "{ka}");
    assert_ne!(ka, kb, "different long ids stay different");
    assert_eq!(ka, kept(&a.clone()), "equal long ids stay equal");
}
