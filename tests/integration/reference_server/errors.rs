//! Validation errors name the field and the rule (never the value), operation error codes, MCP tool errors, and auth on every binding.

use super::*;

#[tokio::test]
async fn validation_errors_name_field_and_rule_never_the_value() {
    let env = Env::start(Opts::default()).await;
    let rsv = env.reservation().await;
    let c = Canaries::new();
    let cases: Vec<(&str, Mutation, &str, &str, Option<&str>)> = vec![
        (
            "name too long",
            |v| v["customer_contact"]["name"] = json!("Nameless".repeat(16)),
            "customer_contact.name",
            "maxLength 120",
            Some("NamelessNameless"),
        ),
        (
            "name empty",
            |v| v["customer_contact"]["name"] = json!(""),
            "customer_contact.name",
            "minLength 1",
            None,
        ),
        (
            "phone not E.164",
            |v| v["customer_contact"]["phone"] = json!("5550192837"),
            "customer_contact.phone",
            "pattern",
            Some("5550192837"),
        ),
        (
            "phone too short",
            |v| v["customer_contact"]["phone"] = json!("+155501"),
            "customer_contact.phone",
            "minLength 8",
            Some("+155501"),
        ),
        (
            "email not an address",
            |v| v["customer_contact"]["email"] = json!("no-at-sign-here"),
            "customer_contact.email",
            "pattern",
            Some("no-at-sign-here"),
        ),
        (
            "email missing",
            |v| {
                v["customer_contact"]
                    .as_object_mut()
                    .map(|o| o.remove("email"));
            },
            "customer_contact.email",
            "required",
            None,
        ),
        (
            "contact not an object",
            |v| v["customer_contact"] = json!("Jane Doe +15555551234"),
            "customer_contact",
            "type object",
            Some("Jane Doe"),
        ),
        (
            "token too short",
            |v| v["reservation_token"] = json!("rsv_x"),
            "reservation_token",
            "minLength 10",
            None,
        ),
        (
            "consent false",
            |v| v["customer_consent"] = json!(false),
            "customer_consent",
            "const true",
            None,
        ),
        (
            "consent missing",
            |v| {
                v.as_object_mut().map(|o| o.remove("customer_consent"));
            },
            "customer_consent",
            "required",
            None,
        ),
        (
            "financing enum",
            |v| v["financing_preference"] = json!("crypto-barter"),
            "financing_preference",
            "enum",
            Some("crypto-barter"),
        ),
        (
            "notes 501",
            |v| v["notes"] = json!("Z".repeat(501)),
            "notes",
            "maxLength 500",
            Some("ZZZZZZZZ"),
        ),
        (
            "disclosed not bool",
            |v| v["trade_in_disclosed"] = json!("yes-please"),
            "trade_in_disclosed",
            "type boolean",
            Some("yes-please"),
        ),
        (
            "trade_in extra field",
            |v| v["trade_in"]["color"] = json!("sparkly-red"),
            "trade_in.color",
            "additionalProperties",
            Some("sparkly-red"),
        ),
        (
            "consent extra field",
            |v| v["consent"]["scope"] = json!(["lead_submission"]),
            "consent.scope",
            "additionalProperties",
            Some("lead_submission"),
        ),
        (
            "trade_in description 501",
            |v| v["trade_in"]["description"] = json!("D".repeat(501)),
            "trade_in.description",
            "maxLength 500",
            Some("DDDDDDDD"),
        ),
        (
            "trade_in vin pattern",
            |v| v["trade_in"]["vin"] = json!("JF2GTACC4K82000OI"),
            "trade_in.vin",
            "pattern",
            Some("JF2GTACC4K82000OI"),
        ),
        (
            "trade_in year",
            |v| v["trade_in"]["year"] = json!(1899),
            "trade_in.year",
            "minimum 1900",
            Some("1899"),
        ),
        (
            "trade_in make",
            |v| v["trade_in"]["make"] = json!("M".repeat(41)),
            "trade_in.make",
            "maxLength 40",
            Some("MMMMMMMM"),
        ),
        (
            "trade_in model",
            |v| v["trade_in"]["model"] = json!("Q".repeat(81)),
            "trade_in.model",
            "maxLength 80",
            Some("QQQQQQQQ"),
        ),
        (
            "trade_in mileage",
            |v| v["trade_in"]["mileage"] = json!(1_000_001),
            "trade_in.mileage",
            "maximum 1000000",
            Some("1000001"),
        ),
        (
            "trade_in condition",
            |v| v["trade_in"]["condition"] = json!("showroom-mint"),
            "trade_in.condition",
            "enum",
            Some("showroom-mint"),
        ),
        (
            "money currency",
            |v| v["trade_in"]["appraised_value_partner"]["currency"] = json!("usd"),
            "trade_in.appraised_value_partner.currency",
            "pattern",
            None,
        ),
        (
            "money amount",
            |v| v["trade_in"]["appraised_value_partner"]["amount"] = json!(-7),
            "trade_in.appraised_value_partner.amount",
            "minimum 0",
            None,
        ),
        (
            "channels empty",
            |v| v["consent"]["allowed_channels"] = json!([]),
            "consent.allowed_channels",
            "minItems 1",
            None,
        ),
        (
            "channels duplicate",
            |v| v["consent"]["allowed_channels"] = json!(["email", "email"]),
            "consent.allowed_channels",
            "uniqueItems",
            None,
        ),
        (
            "channel unknown",
            |v| v["consent"]["allowed_channels"] = json!(["carrier-pigeon"]),
            "consent.allowed_channels[0]",
            "enum",
            Some("carrier-pigeon"),
        ),
        (
            "expires_at without zone",
            |v| v["consent"]["expires_at"] = json!("2099-01-01T00:00:00"),
            "consent.expires_at",
            "format date-time",
            Some("2099-01-01T00:00:00"),
        ),
        (
            "consent_text 2001",
            |v| v["consent"]["consent_text"] = json!("C".repeat(2001)),
            "consent.consent_text",
            "maxLength 2000",
            Some("CCCCCCCC"),
        ),
    ];
    let bindings = [Binding::JsonRpc, Binding::Rest, Binding::Mcp];
    for (i, (label, mutate, field, rule, value)) in cases.iter().enumerate() {
        let binding = bindings[i % 3];
        let mut req = c.full(&rsv);
        mutate(&mut req);
        let e = handoff(&env, binding, TOKEN_AGENT_A, req).await;
        assert_eq!(outcome(&e), "VALIDATION_ERROR", "{label}: {e}");
        assert_eq!(e["error"]["field"], *field, "{label}: {e}");
        let msg = e["error"]["message"].as_str().expect("message");
        assert!(msg.contains(field) && msg.contains(rule), "{label}: {msg}");
        if let Some(v) = value {
            assert!(
                !e.to_string().contains(v),
                "{label}: the value is echoed: {e}"
            );
        }
        assert_no_canary(label, e.to_string().as_bytes(), &c);
        assert_eq!(e["_metadata"]["tool"], HANDOFF);
    }
    assert!(
        env.sink.mails().is_empty(),
        "a rejected call sends no email"
    );
    assert!(
        env.crm_requests().await.is_empty(),
        "a rejected call posts no lead"
    );
    assert_eq!(env.handoff_rows(), 0);
    assert_no_canary("the log", env.log_text().as_bytes(), &c);
}

#[tokio::test]
async fn operation_error_codes() {
    let env = Env::start(Opts::default()).await;
    let c = Canaries::new();

    // CONSENT_INVALID: consent.expires_at in the past (checked before the reservation).
    let rsv = env.reservation().await;
    let mut past = c.full(&rsv);
    past["consent"]["expires_at"] = json!("2020-01-01T00:00:00+02:00");
    let e = handoff(&env, Binding::JsonRpc, TOKEN_AGENT_A, past).await;
    assert_eq!(outcome(&e), "CONSENT_INVALID", "{e}");

    // RESERVATION_NOT_FOUND.
    let e = handoff(
        &env,
        Binding::Rest,
        TOKEN_AGENT_A,
        c.full("rsv_never_issued_00000000"),
    )
    .await;
    assert_eq!(outcome(&e), "RESERVATION_NOT_FOUND", "{e}");

    // NOT_AUTHORIZED: agent B hands off agent A's reservation.
    let e = handoff(&env, Binding::Mcp, TOKEN_AGENT_B, c.full(&rsv)).await;
    assert_eq!(outcome(&e), "NOT_AUTHORIZED", "{e}");

    // RESERVATION_STATE: released.
    env.client
        .call(
            Binding::JsonRpc,
            Some(TOKEN_AGENT_A),
            "release_reservation",
            json!({"reservation_token": rsv}),
        )
        .await
        .expect("release");
    let e = handoff(&env, Binding::JsonRpc, TOKEN_AGENT_A, c.full(&rsv)).await;
    assert_eq!(outcome(&e), "RESERVATION_STATE", "{e}");

    // RESERVATION_EXPIRED: hold_seconds 1, then wait until the clock passes its own expires_at.
    let short = env.reserve(TOKEN_AGENT_A, Some(1)).await;
    let expires_at =
        DateTime::parse_from_rfc3339(short["expires_at"].as_str().expect("expires_at"))
            .expect("rfc3339")
            .with_timezone(&Utc);
    loop {
        let now = Utc::now();
        if now > expires_at {
            break;
        }
        let wait = (expires_at - now).to_std().unwrap_or_default() + Duration::from_millis(5);
        tokio::time::sleep(wait).await;
    }
    let short_token = short["reservation_token"].as_str().expect("token");
    let e = handoff(&env, Binding::Mcp, TOKEN_AGENT_A, c.full(short_token)).await;
    assert_eq!(outcome(&e), "RESERVATION_EXPIRED", "{e}");

    // Every one of them: an error envelope, no side effects, no plaintext.
    assert!(env.sink.mails().is_empty());
    assert!(env.crm_requests().await.is_empty());
    assert_eq!(env.handoff_rows(), 0);
    assert_no_canary("the database", &env.db_bytes(), &c);
}

#[tokio::test]
async fn mcp_tool_errors_set_is_error() {
    let env = Env::start(Opts::default()).await;
    let c = Canaries::new();
    let r = env
        .client
        .mcp_call(TOKEN_AGENT_A, HANDOFF, &c.full("rsv_never_issued_00000000"))
        .await;
    assert_eq!(r.json["result"]["isError"], true, "{}", r.text);
    assert_eq!(
        r.json["result"]["structuredContent"]["error"]["code"],
        "RESERVATION_NOT_FOUND"
    );
    let ok = env
        .client
        .mcp_call(TOKEN_AGENT_A, "search_inventory", &json!({}))
        .await;
    assert_eq!(ok.json["result"]["isError"], false, "{}", ok.text);
}

#[tokio::test]
async fn auth_401_and_403_on_every_binding() {
    let env = Env::start(Opts::default()).await;
    let rsv = env.reservation().await;
    let c = Canaries::new();
    for binding in [Binding::JsonRpc, Binding::Rest, Binding::Mcp] {
        for token in [None, Some("tck-never-issued-0badc0de")] {
            let r = env
                .client
                .call(binding, token, HANDOFF, c.full(&rsv))
                .await
                .expect_err("refused");
            assert_eq!(r.status, 401, "{binding:?} {token:?}: {}", r.text);
            let challenge = r.header("www-authenticate").expect("WWW-Authenticate");
            assert!(challenge.starts_with("Bearer"), "{challenge}");
        }
        let r = env
            .client
            .call(binding, Some(TOKEN_UNSCOPED), HANDOFF, c.full(&rsv))
            .await
            .expect_err("forbidden");
        assert_eq!(r.status, 403, "{binding:?}: {}", r.text);
        let challenge = r.header("www-authenticate").expect("WWW-Authenticate");
        assert!(
            challenge.contains("error=\"insufficient_scope\"")
                && challenge.contains("deal:handoff"),
            "{challenge}"
        );
        assert!(r.text.contains("insufficient_scope"));
        // The unscoped token may still use the other tools.
        let ok = env
            .client
            .call(binding, Some(TOKEN_UNSCOPED), "search_inventory", json!({}))
            .await
            .expect("search as unscoped");
        assert_eq!(outcome(&ok), "ok");
    }
    // The card needs no token.
    assert_eq!(
        env.client.get("/.well-known/agent-card.json").await.status,
        200
    );
    assert!(env.sink.mails().is_empty());
}
