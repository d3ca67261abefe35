use super::*;

/// The template with the first occurrence of every commented `key = value` line of each
/// table uncommented, except the keys of the other target form (`skip`).
fn uncommented(skip: &[&str]) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let mut table = String::new();
    let mut out = String::new();
    for line in TEMPLATE.lines() {
        if line.starts_with('[') {
            table = line.to_string();
        }
        let body = line.strip_prefix("# ").unwrap_or("");
        let key = body.split_once(" = ").map(|(k, _)| k).filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
        match key {
            Some(k) if !skip.contains(&k) && seen.insert(format!("{table}.{k}")) => {
                out.push_str(body);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[test]
fn every_key_of_the_template_uncommented_is_applied() {
    // SAFETY: only this test reads or writes these variables.
    unsafe {
        std::env::set_var("DEALER_TCK_TOKEN_A", "tok-a-from-env");
        std::env::set_var("DEALER_TCK_TOKEN_B", "tok-b-from-env");
        std::env::set_var("DEALER_TCK_TOKEN_UNSCOPED", "tok-u-from-env");
        std::env::set_var("DEALER_TCK_CRM_TOKEN", "tok-crm-from-env");
    }
    let src = uncommented(&["launch", "launch_crm_disabled", "ready_timeout_secs"]);
    let p = Profile::parse(&src, "template").expect("uncommented template parses");
    // Every key the profile knows is in the template: none is left at its default.
    let mut o = super::super::RunOptions::default();
    p.apply(&mut o).expect("applies");
    match &o.target {
        super::super::TargetSpec::External { base_url, card_url } => {
            assert_eq!(base_url, "http://127.0.0.1:8080");
            assert_eq!(
                card_url.as_deref(),
                Some("http://127.0.0.1:8080/.well-known/agent-card.json")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(o.transports.as_ref().map(Vec::len), Some(3));
    assert_eq!(o.call_timeout, std::time::Duration::from_secs(10));
    assert_eq!(o.skill_key, "skill");
    assert_eq!(o.a2a_version, "1.0");
    assert_eq!(o.a2a_enabled, Some(true));
    assert_eq!(
        o.a2a_urls,
        vec![
            (
                crate::transport::Binding::A2aJsonrpc,
                "/a2a/jsonrpc".to_string()
            ),
            (crate::transport::Binding::A2aRest, "/a2a/rest".to_string()),
        ]
    );
    assert_eq!(o.mcp_url.as_deref(), Some("/mcp"));
    assert_eq!(o.mcp_enabled, Some(true));
    assert_eq!(o.codes.pointers, vec!["/error/code"]);
    assert_eq!(o.codes.validation_codes, vec!["VALIDATION_ERROR"]);
    assert!(!o.codes.mcp_invalid_params_is_validation);
    assert_eq!(o.codes.appointment_failure_keeps_lead, Some(true));
    assert_eq!(o.codes.vehicle_failure_keeps_lead, Some(false));
    assert!(o.codes.aap_forwards_leads);
    assert!(o.codes.submit_dealer_phone_e164);
    let t = o.tokens.as_ref().expect("tokens from the environment");
    assert_eq!(t.agent_a, "tok-a-from-env");
    assert_eq!(t.agent_b.as_deref(), Some("tok-b-from-env"));
    assert_eq!(t.unscoped.as_deref(), Some("tok-u-from-env"));
    assert_eq!(o.crm_token.as_deref(), Some("tok-crm-from-env"));
    assert_eq!(o.fixture_vins, Some(vec!["4S4BTGND0R3100001".to_string()]));
    assert_eq!(
        o.fixture_tools,
        [
            "search_inventory".to_string(),
            "create_reservation".into(),
            "release_reservation".into()
        ]
    );
    assert_eq!((o.smtp_port, o.crm_port), (2525, 8025));
    assert!(o.crm_expected);
    assert_eq!(o.crm_store_id.as_deref(), Some("store-0042"));
    assert_eq!(o.crm_timeout, Some(std::time::Duration::from_millis(2000)));
    assert_eq!(o.desk.len(), 2);
    assert_eq!(
        o.db_files,
        vec![PathBuf::from("/var/lib/dealer/dealer.sqlite")]
    );
    assert_eq!(
        o.log_file,
        Some(PathBuf::from("/var/log/dealer/server.log"))
    );
    assert_eq!(
        o.aap_vehicles.in_stock.as_deref(),
        Some("1HGCY2F57RA000001")
    );
    assert_eq!(o.aap_vehicles.sold.as_deref(), Some("4S4BTGPD0R3100002"));
    assert_eq!(o.aap_vehicles.unknown.as_deref(), Some("1HGCY2F57RA999999"));
    assert_eq!(
        o.aap_times.unavailable.as_deref(),
        Some("2027-06-01T18:00:00Z")
    );
    // The other target form: a launch command with its CRM-off restart and readiness bound.
    let src = uncommented(&["base_url", "agent_card"]);
    let p = Profile::parse(&src, "template").expect("parses");
    let mut o = super::super::RunOptions::default();
    p.apply(&mut o).expect("applies");
    match &o.target {
        super::super::TargetSpec::Launch {
            command,
            command_crm_disabled,
            ready_timeout,
        } => {
            assert!(command.starts_with("my-dealer-server --port {port}"));
            assert!(
                command_crm_disabled
                    .as_deref()
                    .is_some_and(|c| !c.contains("{crm_url}"))
            );
            assert_eq!(*ready_timeout, std::time::Duration::from_secs(30));
        }
        other => panic!("{other:?}"),
    }
    // Both forms at once are refused.
    let p = Profile::parse(&uncommented(&[]), "template").expect("parses");
    let e = p
        .apply(&mut super::super::RunOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("both target.launch"), "{e}");
}

#[test]
fn an_a2a_endpoint_is_a_path_or_an_http_url() {
    let p = Profile::parse("[a2a]\nrest_url = \"a2a/rest\"\n", "p").expect("parses");
    let e = p
        .apply(&mut super::super::RunOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("a2a.rest_url"), "{e}");
    let p =
        Profile::parse("[a2a]\njsonrpc_url = \"https://d.example/rpc\"\n", "p").expect("parses");
    let mut o = super::super::RunOptions::default();
    p.apply(&mut o).expect("applies");
    assert_eq!(
        o.a2a_urls,
        vec![(
            crate::transport::Binding::A2aJsonrpc,
            "https://d.example/rpc".to_string()
        )]
    );
}

#[test]
fn the_skill_path_is_a_metadata_key_or_a_dotted_path() {
    for (given, key) in [
        ("skill", "skill"),
        ("message.metadata.skillId", "skillId"),
        ("metadata.skill", "metadata.skill"),
        ("message.metadata.a.b", "message.metadata.a.b"),
    ] {
        let p = Profile::parse(&format!("[a2a]\nskill_path = \"{given}\"\n"), "p").expect("parses");
        let mut o = super::super::RunOptions::default();
        p.apply(&mut o).expect("applies");
        assert_eq!(o.skill_key, key, "{given}");
    }
}

#[test]
fn a_token_variable_that_is_not_set_is_a_config_error_naming_the_variable() {
    let p = Profile::parse(
        "[tokens]\nagent_a_env = \"DEALER_TCK_TEST_NEVER_SET_7F3A\"\n",
        "p",
    )
    .expect("parses");
    let e = p
        .apply(&mut super::super::RunOptions::default())
        .unwrap_err();
    assert!(matches!(e, TckError::Config(_)));
    assert!(
        e.to_string().contains("DEALER_TCK_TEST_NEVER_SET_7F3A"),
        "{e}"
    );
    // Agent B without agent A is refused too.
    let p = Profile::parse("[tokens]\nagent_b_env = \"PATH\"\n", "p").expect("parses");
    let e = p
        .apply(&mut super::super::RunOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("agent_a_env"), "{e}");
}

#[test]
fn a_card_url_target_keeps_the_card_and_derives_the_base() {
    let mut o = super::super::RunOptions::default();
    apply_target_flags(
        &mut o,
        None,
        Some("http://127.0.0.1:9/dealer/.well-known/agent-card.json"),
        None,
    )
    .expect("applies");
    match &o.target {
        super::super::TargetSpec::External { base_url, card_url } => {
            assert_eq!(base_url, "http://127.0.0.1:9/dealer");
            assert_eq!(
                card_url.as_deref(),
                Some("http://127.0.0.1:9/dealer/.well-known/agent-card.json")
            );
        }
        other => panic!("{other:?}"),
    }
    let e = apply_target_flags(
        &mut o,
        None,
        Some("ftp://x/.well-known/agent-card.json"),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("--target"), "{e}");
}

#[test]
fn template_parses() {
    let p = Profile::parse(TEMPLATE, "template").expect("template parses");
    assert!(p.target.launch.is_none());
}

#[test]
fn unknown_key_names_key_and_line() {
    let e = Profile::parse(
        "[target]\nbase_url = \"http://x\"\nbase_ulr = 1\n",
        "p.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("line 3") && e.contains("base_ulr"), "{e}");
    let e = Profile::parse("[observe]\nsmtp_port = \"twenty\"\n", "p.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 2") && e.contains("observe.smtp_port"),
        "{e}"
    );
    // A wrong type inside a multi-line array names the array's key.
    let e = Profile::parse(
        "# ports\n[observe]\nsmtp_port = 2525\ndesk = [\n  \"a@x.test\",\n  7,\n]\n",
        "p.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("line 6") && e.contains("observe.desk"), "{e}");
    let e = Profile::parse("timeout = \"soon\"\n[target]\n", "p.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 1"), "{e}");
    let e = Profile::parse("[nope]\n", "p.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope") && e.contains("line 1"), "{e}");
}
