//! The DriveCentric lead as an ADF 1.0 document: [`build_adf`] writes it with quick-xml (text
//! and attributes escaped, characters XML 1.0 forbids dropped) in the element order of
//! `shared/adf/adf-deterministic.dtd`: the reserved vehicle, the trade-in as a second vehicle
//! (when year, make and model are known), the customer, the vendor (the dealer desk) and the
//! provider. It uses quick-xml's element writer, not its serde serializer (the `serialize`
//! feature is on): to keep these bytes that needs `QuoteLevel::Full`, expanded empty elements,
//! `skip_serializing_if` on every optional element (it writes `None` as `<vin></vin>`), a
//! struct per attribute set and an enum list for the `adf-phone-before-email` order, which is
//! more code than the writer calls it would replace.

use std::io;

use quick_xml::Writer;
use quick_xml::events::BytesText;

use super::DEALER_NAME;
use super::model::Package;

/// Drop characters XML 1.0 does not allow (C0 controls other than tab/CR/LF, U+FFFE/U+FFFF).
pub(crate) fn xml_safe(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// The document writer.
pub(crate) type W = Writer<Vec<u8>>;

/// `<name>text</name>`.
pub(crate) fn leaf(w: &mut W, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_safe(text)))?;
    Ok(())
}

/// `<name a="b">text</name>`.
pub(crate) fn leaf_with(
    w: &mut W,
    name: &str,
    attrs: &[(&str, &str)],
    text: &str,
) -> io::Result<()> {
    let mut el = w.create_element(name);
    for &(k, v) in attrs {
        el = el.with_attribute((k, v));
    }
    el.write_text_content(BytesText::new(&xml_safe(text)))?;
    Ok(())
}

/// The `<customer><comments>` text: notes, financing preference, consent summary and (when it
/// cannot be a vehicle of its own) the trade-in.
fn customer_comments(pkg: &Package<'_>) -> String {
    let r = pkg.req;
    let mut parts = vec![format!("Financing preference: {}.", r.financing())];
    if let Some(n) = &r.notes {
        parts.push(format!("Notes: {n}"));
    }
    if let Some(t) = r
        .trade_in
        .as_ref()
        .filter(|t| t.any_set() && t.ymm().is_none())
    {
        let mut s = String::from("Trade-in disclosed");
        if let Some(d) = &t.description {
            s.push_str(&format!(": {d}"));
        }
        parts.push(s);
    }
    match &r.consent {
        Some(c) => {
            let mut s = String::from("Consent: customer_consent true");
            if let Some(ch) = &c.allowed_channels {
                s.push_str(&format!("; channels {}", ch.join(", ")));
            }
            if let Some(e) = &c.expires_at {
                s.push_str(&format!("; expires {e}"));
            }
            if let Some(t) = &c.consent_text {
                s.push_str(&format!("; text: {t}"));
            }
            parts.push(s);
        }
        None => parts.push("Consent: customer_consent true".into()),
    }
    parts.join(" ")
}

fn write_doc(
    w: &mut W,
    pkg: &Package<'_>,
    vendor_email: &str,
    phone_first: bool,
    with_phone: bool,
) -> io::Result<()> {
    let r = pkg.req;
    let v = pkg.vehicle;
    let c = &r.customer_contact;
    w.create_element("adf").write_inner_content(|w| {
        w.create_element("prospect")
            .with_attribute(("status", "new"))
            .write_inner_content(|w| {
                leaf_with(
                    w,
                    "id",
                    &[("sequence", "1"), ("source", "dealer-tck-reference")],
                    pkg.handoff_token,
                )?;
                leaf(w, "requestdate", pkg.request_date)?;
                let status = if v.condition == "new" { "new" } else { "used" };
                w.create_element("vehicle")
                    .with_attribute(("interest", "buy"))
                    .with_attribute(("status", status))
                    .write_inner_content(|w| {
                        leaf(w, "year", &v.year.to_string())?;
                        leaf(w, "make", &v.make)?;
                        leaf(w, "model", &v.model)?;
                        leaf(w, "vin", &v.vin)?;
                        leaf(w, "stock", &v.stock)?;
                        leaf(w, "trim", &v.trim)?;
                        leaf_with(
                            w,
                            "price",
                            &[("type", "asking"), ("currency", "USD")],
                            &v.price.to_string(),
                        )?;
                        leaf(
                            w,
                            "comments",
                            &format!("Reservation {}", r.reservation_token),
                        )?;
                        Ok(())
                    })?;
                if let Some(t) = &r.trade_in
                    && let Some((year, make, model)) = t.ymm()
                {
                    w.create_element("vehicle")
                        .with_attribute(("interest", "trade-in"))
                        .with_attribute(("status", "used"))
                        .write_inner_content(|w| {
                            leaf(w, "year", &year.to_string())?;
                            leaf(w, "make", make)?;
                            leaf(w, "model", model)?;
                            if let Some(vin) = &t.vin {
                                leaf(w, "vin", vin)?;
                            }
                            if let Some(mi) = t.mileage {
                                leaf_with(w, "odometer", &[("units", "mi")], &mi.to_string())?;
                            }
                            if let Some(cond) = &t.condition {
                                leaf(w, "condition", cond)?;
                            }
                            if let Some(m) = &t.appraised_value_partner {
                                leaf_with(
                                    w,
                                    "price",
                                    &[("type", "appraisal"), ("currency", &m.currency)],
                                    &m.amount.to_string(),
                                )?;
                            }
                            if let Some(d) = &t.description {
                                leaf(w, "comments", d)?;
                            }
                            Ok(())
                        })?;
                }
                w.create_element("customer").write_inner_content(|w| {
                    w.create_element("contact").write_inner_content(|w| {
                        leaf_with(w, "name", &[("part", "full")], &c.name)?;
                        if !with_phone {
                            leaf(w, "email", &c.email)?;
                        } else if phone_first {
                            leaf_with(w, "phone", &[("type", "voice")], &c.phone)?;
                            leaf(w, "email", &c.email)?;
                        } else {
                            leaf(w, "email", &c.email)?;
                            leaf_with(w, "phone", &[("type", "voice")], &c.phone)?;
                        }
                        Ok(())
                    })?;
                    leaf(w, "comments", &customer_comments(pkg))?;
                    Ok(())
                })?;
                w.create_element("vendor").write_inner_content(|w| {
                    leaf(w, "vendorname", DEALER_NAME)?;
                    w.create_element("contact").write_inner_content(|w| {
                        leaf_with(w, "name", &[("part", "full")], "Sales desk")?;
                        leaf(w, "email", vendor_email)?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
                w.create_element("provider").write_inner_content(|w| {
                    leaf_with(w, "name", &[("part", "full")], "dealer-tck reference")?;
                    Ok(())
                })?;
                Ok(())
            })?;
        Ok(())
    })?;
    Ok(())
}

/// The ADF document (with its `<?xml version="1.0"?>` header) for one hand-off.
/// `phone_first` is the `adf-phone-before-email` defect.
/// `with_phone` false is the `adf-contact-email-only` variant.
pub(crate) fn build_adf(
    pkg: &Package<'_>,
    vendor_email: &str,
    phone_first: bool,
    with_phone: bool,
) -> String {
    let mut w = Writer::new(Vec::new());
    // Writing into a Vec cannot fail; an error here would be a quick-xml bug, and the
    // document would then be incomplete (the CRM rejects it and crm_status is "failed").
    let _ = write_doc(&mut w, pkg, vendor_email, phone_first, with_phone);
    let body = String::from_utf8_lossy(&w.into_inner()).into_owned();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}\n")
}
