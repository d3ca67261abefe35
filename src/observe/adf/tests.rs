use super::*;
use proptest::prelude::*;
use std::collections::HashMap;

/// A lead with every optional piece of the DTD present at least once.
const FULL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<!-- a complete lead -->
<adf>
  <prospect status="resend">
<id sequence="1" source="dealer-tck">HX-1001</id>
<requestdate>2026-03-14T10:30:00-05:00</requestdate>
<vehicle interest="buy" status="used">
  <id source="stock">VID-7</id>
  <year>2021</year>
  <make>Subaru</make>
  <model>Outback</model>
  <vin>4S4BTANC5M3100001</vin>
  <stock>S1234</stock>
  <trim>Limited</trim>
  <doors>4</doors>
  <bodystyle>Wagon</bodystyle>
  <transmission>CVT</transmission>
  <odometer status="original" units="mi">23000</odometer>
  <condition>excellent</condition>
  <colorcombination><interiorcolor>Black</interiorcolor><exteriorcolor>Blue</exteriorcolor><preference>1</preference></colorcombination>
  <colorcombination><interiorcolor>Gray</interiorcolor><preference>2</preference></colorcombination>
  <colorcombination><exteriorcolor>White</exteriorcolor><preference>3</preference></colorcombination>
  <imagetag width="640" height="480" alttext="front">https://example.com/a.jpg</imagetag>
  <price type="asking" currency="USD" delta="absolute" relativeto="msrp" source="list">31000</price>
  <pricecomments>negotiable</pricecomments>
  <option><optionname>Roof rack</optionname><manufacturercode>RR1</manufacturercode><stock>S9</stock><weighting>50</weighting><price>300</price></option>
  <option><optionname>Mats</optionname></option>
  <finance><method>finance</method><amount type="monthly" limit="maximum" currency="USD">450</amount><amount>2000</amount><balance type="residual" currency="USD">12000</balance></finance>
  <comments>Wants the blue one &amp; a roof rack</comments>
</vehicle>
<vehicle interest="trade-in" status="used">
  <year>2012</year>
  <make>Honda</make>
  <model>Civic</model>
</vehicle>
<vehicle>
  <year>2026</year>
  <make>Subaru</make>
  <model>Forester</model>
</vehicle>
<customer>
  <contact primarycontact="1">
    <name part="first" type="individual">Jane</name>
    <name part="last">Doe</name>
    <email preferredcontact="1">jane.doe@example.com</email>
    <phone type="cellphone" time="evening" preferredcontact="0" besttime="1">+1 (555) 010-4477</phone>
    <phone type="voice">555-010-9999</phone>
    <address type="home">
      <street line="1">1 Main St</street>
      <street line="2">Rear</street>
      <apartment>4B</apartment>
      <city>Springfield</city>
      <regioncode>IL</regioncode>
      <postalcode>62701</postalcode>
      <country>US</country>
    </address>
  </contact>
  <id source="crm">CUST-9</id>
  <timeframe>
    <description>Test drive Saturday 10:00</description>
    <earliestdate>2026-03-21</earliestdate>
    <latestdate>2026-03-28</latestdate>
  </timeframe>
  <comments><![CDATA[Call after 5pm]]></comments>
</customer>
<vendor>
  <id>V-1</id>
  <vendorname>Mark Miller Subaru</vendorname>
  <url>https://dealer.example.com</url>
  <contact><name>Sales Desk</name><phone>555-010-0000</phone></contact>
</vendor>
<provider>
  <id>P-1</id>
  <name part="full" type="business">dealer-tck</name>
  <service>AI agent</service>
  <url>https://provider.example.com</url>
  <email>leads@provider.example.com</email>
  <phone>555-010-1111</phone>
  <contact><name>Ops</name><email>ops@provider.example.com</email></contact>
</provider>
  </prospect>
  <prospect>
<requestdate>2026-03-15</requestdate>
<vehicle><year>2020</year><make>Ford</make><model>F-150</model></vehicle>
<customer><contact><name>Second</name><phone>5550100001</phone></contact></customer>
<vendor><contact><name>Desk</name><email>d@example.com</email></contact></vendor>
  </prospect>
</adf>
"#;

fn mutate(from: &str, to: &str) -> String {
    assert!(FULL.contains(from), "mutation anchor missing: {from}");
    FULL.replacen(from, to, 1)
}

/// Exactly one violation, at `path`, whose rule starts with `rule_prefix`.
fn assert_single(xml: &str, path: &str, rule_prefix: &str) -> AdfViolation {
    let report = validate(xml);
    assert_eq!(report.not_well_formed, None, "should be well-formed");
    assert!(!report.is_valid());
    assert_eq!(
        report.violations.len(),
        1,
        "expected one violation, got {:#?}",
        report.violations
    );
    let v = report.violations[0].clone();
    assert_eq!(v.path, path, "{v:?}");
    assert!(v.rule.starts_with(rule_prefix), "{v:?}");
    v
}

#[test]
fn full_lead_is_valid_and_extracted() {
    let report = validate(FULL);
    assert!(report.is_valid(), "{report:#?}");
    let lead = report.lead.expect("lead");
    assert_eq!(
        lead.ids,
        ["HX-1001", "VID-7", "CUST-9", "V-1", "P-1"],
        "prospect-level ids first, then nested ones in document order"
    );
    assert_eq!(lead.names, ["Jane", "Doe"]);
    assert_eq!(lead.emails, ["jane.doe@example.com"]);
    assert_eq!(lead.phones, ["+1 (555) 010-4477", "555-010-9999"]);
    assert_eq!(lead.comments.as_deref(), Some("Call after 5pm"));
    assert_eq!(lead.timeframe.as_deref(), Some("Test drive Saturday 10:00"));
    assert_eq!(
        lead.vehicles,
        vec![
            AdfVehicle {
                interest: "buy".into(),
                status: "used".into(),
                year: "2021".into(),
                make: "Subaru".into(),
                model: "Outback".into(),
                vin: Some("4S4BTANC5M3100001".into()),
            },
            AdfVehicle {
                interest: "trade-in".into(),
                status: "used".into(),
                year: "2012".into(),
                make: "Honda".into(),
                model: "Civic".into(),
                vin: None,
            },
            AdfVehicle {
                interest: "buy".into(),
                status: "new".into(),
                year: "2026".into(),
                make: "Subaru".into(),
                model: "Forester".into(),
                vin: None,
            },
        ],
        "defaults buy/new applied to the vehicle without attributes"
    );
}

#[test]
fn minimal_lead_is_valid_and_has_empty_optionals() {
    let xml = "<adf><prospect><requestdate>x</requestdate><vehicle><year>1</year>\
               <make>m</make><model>o</model></vehicle><customer><contact><name>n</name>\
               <email>e@x.io</email></contact></customer><vendor><contact><name>v</name>\
               <phone>1</phone></contact></vendor></prospect></adf>";
    let report = validate(xml);
    assert!(report.is_valid(), "{report:#?}");
    let lead = report.lead.expect("lead");
    assert!(lead.ids.is_empty());
    assert_eq!(lead.emails, ["e@x.io"]);
    assert!(lead.phones.is_empty());
    assert_eq!(lead.comments, None);
    assert_eq!(lead.timeframe, None);
}

#[test]
fn phone_before_email_in_contact() {
    let xml = mutate(
        "<contact><name>Ops</name><email>ops@provider.example.com</email></contact>",
        "<contact><name>Ops</name><phone>1</phone><email>ops@provider.example.com</email></contact>",
    );
    let v = assert_single(
        &xml,
        "adf/prospect[0]/provider/contact",
        "content model (name+, ((email, phone*) | phone+), address?): unexpected <email>",
    );
    assert!(v.rule.contains("after <phone>"), "{v:?}");
}

#[test]
fn missing_requestdate() {
    let xml = mutate("<requestdate>2026-03-15</requestdate>", "");
    let v = assert_single(
        &xml,
        "adf/prospect[1]",
        "content model (id*, requestdate, vehicle+, customer, vendor, provider?): unexpected <vehicle>",
    );
    assert!(
        v.rule.contains("<requestdate>"),
        "names what was expected: {v:?}"
    );
}

#[test]
fn vehicle_without_make() {
    let xml = mutate("<make>Honda</make>", "");
    let v = assert_single(
        &xml,
        "adf/prospect[0]/vehicle[1]",
        "content model (id*, year, make,",
    );
    assert!(v.rule.contains("unexpected <model>"), "{v:?}");
}

#[test]
fn vehicle_ending_early_is_reported_at_end() {
    let xml = mutate("<model>Civic</model>", "");
    let v = assert_single(
        &xml,
        "adf/prospect[0]/vehicle[1]",
        "content model (id*, year",
    );
    assert!(v.rule.contains("ends too early"), "{v:?}");
    assert!(v.rule.contains("expected <model>"), "{v:?}");
}

#[test]
fn unknown_element() {
    let xml = mutate(
        "<trim>Limited</trim>",
        "<trim>Limited</trim><sunroof>yes</sunroof>",
    );
    let report = validate(&xml);
    assert!(!report.is_valid());
    let paths: Vec<(&str, &str)> = report
        .violations
        .iter()
        .map(|v| (v.path.as_str(), v.rule.as_str()))
        .collect();
    assert!(
        paths.contains(&(
            "adf/prospect[0]/vehicle[0]/sunroof",
            "undeclared element <sunroof>"
        )),
        "{paths:?}"
    );
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.path == "adf/prospect[0]/vehicle[0]"
                && v.rule.contains("unexpected <sunroof>")),
        "{paths:?}"
    );
}

#[test]
fn bad_interest_value() {
    assert_single(
        &mutate(r#"interest="trade-in""#, r#"interest="trade""#),
        "adf/prospect[0]/vehicle[1]/@interest",
        "attribute interest (buy | lease | sell | trade-in | test-drive): value \"trade\"",
    );
}

#[test]
fn enumerated_values_are_not_trimmed() {
    // xmllint's post-validation compares the value as written (after newline normalisation).
    assert_single(
        &mutate(r#"interest="trade-in""#, r#"interest=" trade-in""#),
        "adf/prospect[0]/vehicle[1]/@interest",
        "attribute interest",
    );
}

#[test]
fn bad_odometer_units() {
    assert_single(
        &mutate(r#"units="mi""#, r#"units="miles""#),
        "adf/prospect[0]/vehicle[0]/odometer/@units",
        "attribute units (km | mi): value \"miles\"",
    );
}

#[test]
fn undeclared_attribute() {
    assert_single(
        &mutate("<year>2012</year>", r#"<year kind="model">2012</year>"#),
        "adf/prospect[0]/vehicle[1]/year/@kind",
        "undeclared attribute kind of <year>",
    );
}

#[test]
fn text_in_element_only_content() {
    assert_single(
        &mutate("<timeframe>", "<timeframe>soon"),
        "adf/prospect[0]/customer/timeframe",
        "content model (description?, earliestdate?, latestdate?): character data not allowed",
    );
    assert_single(
        &mutate("<timeframe>", "<timeframe>&amp;"),
        "adf/prospect[0]/customer/timeframe",
        "content model (description?, earliestdate?, latestdate?): character data",
    );
    assert_single(
        &mutate("<timeframe>", "<timeframe><![CDATA[ ]]>"),
        "adf/prospect[0]/customer/timeframe",
        "content model (description?, earliestdate?, latestdate?): character data",
    );
    // Whitespace, comments, PIs and character references to whitespace are fine.
    let ok = mutate(
        "<timeframe>",
        "<timeframe> \t\r\n&#32;&#x0A;<!-- c --><?pi x?>",
    );
    assert!(validate(&ok).is_valid(), "{:#?}", validate(&ok));
}

#[test]
fn element_inside_text_only_element() {
    assert_single(
        &mutate(
            "<city>Springfield</city>",
            "<city>Spring<name>x</name>field</city>",
        ),
        "adf/prospect[0]/customer/contact/address/city",
        "content model (#PCDATA): child element <name> not allowed",
    );
}

#[test]
fn two_customers() {
    let second = "<customer><contact><name>X</name><phone>1</phone></contact></customer>";
    let xml = mutate(
        "<vendor><contact><name>Desk</name>",
        &format!("{second}<vendor><contact><name>Desk</name>"),
    );
    let v = assert_single(&xml, "adf/prospect[1]", "content model (id*, requestdate,");
    assert!(v.rule.contains("unexpected <customer>"), "{v:?}");
    assert!(v.rule.contains("expected <vendor>"), "{v:?}");
}

#[test]
fn colorcombination_with_preference_first() {
    let v = assert_single(
        &mutate(
            "<colorcombination><interiorcolor>Gray</interiorcolor><preference>2</preference>",
            "<colorcombination><preference>2</preference><interiorcolor>Gray</interiorcolor>",
        ),
        "adf/prospect[0]/vehicle[0]/colorcombination[1]",
        "content model (((interiorcolor, exteriorcolor?) | exteriorcolor), preference): \
         unexpected <preference>",
    );
    assert!(v.rule.contains("first"), "{v:?}");
}

#[test]
fn colorcombination_without_any_color() {
    assert_single(
        &mutate(
            "<colorcombination><exteriorcolor>White</exteriorcolor>",
            "<colorcombination>",
        ),
        "adf/prospect[0]/vehicle[0]/colorcombination[2]",
        "content model (((interiorcolor, exteriorcolor?) | exteriorcolor), preference)",
    );
}

#[test]
fn wrong_root() {
    let xml = "<lead><prospect/></lead>";
    let report = validate(xml);
    assert!(!report.is_valid());
    assert_eq!(report.violations[0].path, "lead");
    assert_eq!(
        report.violations[0].rule,
        "root element must be <adf>, found <lead>"
    );
    assert_eq!(report.lead, None, "no lead outside an <adf> root");
    // A valid prospect as the root is still not an ADF document.
    let start = FULL.find("<prospect status").expect("anchor");
    let end = FULL.find("</prospect>").expect("anchor") + "</prospect>".len();
    let report = validate(&FULL[start..end]);
    assert_eq!(report.violations.len(), 1, "{:#?}", report.violations);
    assert_eq!(report.violations[0].path, "prospect");
    assert!(
        report.violations[0]
            .rule
            .starts_with("root element must be <adf>")
    );
}

#[test]
fn empty_adf_and_no_lead() {
    let report = validate("<adf/>");
    assert_eq!(report.lead, None);
    assert_eq!(report.violations.len(), 1);
    assert!(report.violations[0].rule.contains("ends too early"));
    assert!(report.violations[0].rule.contains("expected <prospect>"));
}

#[test]
fn not_well_formed_inputs() {
    for (xml, needle) in [
        ("", "no root element"),
        ("   ", "no root element"),
        ("<adf>", "not closed"),
        ("<adf></prospect>", ""),
        ("<adf/><adf/>", "extra content"),
        ("<adf/>junk", "outside the document element"),
        ("junk<adf/>", "outside the document element"),
        ("<adf>&nbsp;</adf>", "undefined entity"),
        ("<adf>\u{1}</adf>", "U+0001"),
        ("<adf>&#1;</adf>", "U+0001"),
        ("<adf a=\"1\" a=\"2\"/>", ""),
        ("<adf a=\"<\"/>", "`<`"),
        ("<adf><!-- a -- b --></adf>", ""),
        ("<adf/><?xml version=\"1.0\"?>", ""),
        ("<1adf/>", ""),
        ("<adf>a & b</adf>", ""),
    ] {
        let report = validate(xml);
        let reason = report
            .not_well_formed
            .clone()
            .unwrap_or_else(|| panic!("{xml:?} should not be well-formed"));
        assert!(reason.contains(needle), "{xml:?}: {reason}");
        assert!(reason.starts_with("line "), "{xml:?}: {reason}");
        assert!(!reason.contains('\n'), "one line: {reason:?}");
        assert!(report.violations.is_empty());
        assert_eq!(report.lead, None);
        assert!(!report.is_valid());
    }
}

#[test]
fn not_well_formed_reports_the_line() {
    let report = validate("<adf>\n<prospect>\n</adf>");
    let reason = report.not_well_formed.expect("mismatched end tag");
    assert!(reason.starts_with("line 3,"), "{reason}");
}

#[test]
fn bom_and_doctype_are_accepted() {
    let xml = format!(
        "\u{feff}<?xml version=\"1.0\"?><!DOCTYPE adf SYSTEM \"adf.dtd\">{}",
        &FULL[FULL.find("<adf>").expect("anchor")..]
    );
    assert!(validate(&xml).is_valid(), "{:#?}", validate(&xml));
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 200_000;
    let xml = format!("<adf>{}{}</adf>", "<x>".repeat(depth), "</x>".repeat(depth));
    let report = validate(&xml);
    assert_eq!(report.not_well_formed, None);
    assert_eq!(report.violations.len(), MAX_VIOLATIONS + 1);
    assert_eq!(report.violations[2].path, "adf/x/x");
    assert_eq!(report.violations[2].rule, "undeclared element <x>");
    let last = report.violations.last().expect("summary");
    // `depth` undeclared elements + one content-model error at <adf> (reported once).
    assert_eq!(
        last.rule,
        format!("{} more violations not listed", depth + 1 - MAX_VIOLATIONS)
    );
}

/// Every `<!ELEMENT>` and `<!ATTLIST>` of the shared DTD file is exactly what [`ELEMENTS`]
/// holds (content models compared without whitespace).
#[test]
fn table_matches_the_dtd_file() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/adf/adf-deterministic.dtd"
    );
    let dtd = std::fs::read_to_string(path).expect("fixtures/adf/adf-deterministic.dtd");
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let decl_re = regex::Regex::new(r"<!(ELEMENT|ATTLIST)\s+(\S+)\s+([^>]*)>").expect("re");
    let att_re =
        regex::Regex::new(r#"(\w+)\s+(CDATA|\([^)]*\))\s+(#IMPLIED|"[^"]*")"#).expect("re");
    let mut elements = 0;
    let mut declared: HashMap<String, Vec<&str>> = HashMap::new();
    for cap in decl_re.captures_iter(&dtd) {
        let name = &cap[2];
        let decl = element_decl(name).unwrap_or_else(|| panic!("<{name}> missing"));
        if &cap[1] == "ELEMENT" {
            elements += 1;
            assert_eq!(
                squash(&decl.content.to_string()),
                squash(&cap[3]),
                "<{name}>"
            );
            continue;
        }
        for att in att_re.captures_iter(&cap[3]) {
            let a = decl
                .attribute(&att[1])
                .unwrap_or_else(|| panic!("{name}/@{} missing", &att[1]));
            declared.entry(name.to_owned()).or_default().push(a.name);
            let values = match a.values {
                None => "CDATA".to_owned(),
                Some(v) => format!("({})", v.join("|")),
            };
            assert_eq!(values, squash(&att[2]), "{name}/@{}", &att[1]);
            let default = a
                .default
                .map_or("#IMPLIED".to_owned(), |d| format!("\"{d}\""));
            assert_eq!(default, &att[3], "{name}/@{}", &att[1]);
        }
    }
    assert_eq!(
        elements,
        ELEMENTS.len(),
        "every element in the table is in the DTD"
    );
    for decl in ELEMENTS {
        let all: Vec<&str> = decl.attributes.iter().map(|a| a.name).collect();
        let in_dtd = declared.get(decl.name).cloned().unwrap_or_default();
        assert_eq!(all, in_dtd, "attributes of <{}>", decl.name);
    }
}

#[test]
fn repeatable_children_get_indices() {
    let p = match element_decl("contact").map(|d| d.content) {
        Some(ContentModel::Children(p)) => p,
        other => panic!("{other:?}"),
    };
    assert_eq!(p.max_occurrences("name"), 2);
    assert_eq!(p.max_occurrences("email"), 1);
    assert_eq!(p.max_occurrences("phone"), 2);
    assert_eq!(p.max_occurrences("address"), 1);
    assert_eq!(p.max_occurrences("street"), 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
        let report = validate(&s);
        prop_assert!(report.not_well_formed.is_some() || report.violations.len() <= s.len() + 1);
    }

    #[test]
    fn never_panics_on_damaged_leads(cut in 0usize..FULL.len(), len in 0usize..40, ins in "[<>&;/a-z\"= ]{0,6}") {
        let mut s = FULL.as_bytes().to_vec();
        let end = (cut + len).min(s.len());
        s.splice(cut..end, ins.bytes());
        let xml = String::from_utf8_lossy(&s);
        let report = validate(&xml);
        if report.not_well_formed.is_some() {
            prop_assert!(report.violations.is_empty() && report.lead.is_none());
        }
    }
}
