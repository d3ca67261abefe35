//! The DriveCentric lead of an AAP lead as an ADF 1.0 document: [`submit_adf`] maps a
//! `lead.submit.request` and [`general_adf`] a `lead.general.request` onto an [`WrittenLead`],
//! which [`WrittenLead::to_xml`] writes in the element order of `shared/adf/adf-deterministic.dtd`
//! with quick-xml's element writer, as [`super::adf`] does (its module doc says why not with
//! quick-xml's serde serializer).
//!
//! Mapping (docs/serve-reference.md): prospect id = lead_id; the vehicle of interest as
//! `<vehicle interest="test-drive">` when a test drive was requested, else `interest="buy"`,
//! status new/used from its condition (cpo → used; missing year/make/model taken from
//! inventory, the vehicle omitted if it cannot be completed); the trade-in as a second
//! `<vehicle interest="trade-in" status="used">`; a placeholder vehicle (year 0, make and model
//! "unknown") when neither exists, because ADF needs `vehicle+`; the contact as first and last
//! name, email then phone, and the address when it has a street; `customer/timeframe/description`
//! "appointment <type> at <RFC3339>" and `customer/comments` the message (then the appointment
//! notes).

use std::io;

use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::Writer;

use super::DEALER_NAME;
use super::aap::{AapVehicle, DEALER_PHONE};
use super::adf::{W, leaf, leaf_with};
use crate::spec::model::{
    AppointmentType, Customer, LeadGeneralRequest, LeadSubmitRequest, Vehicle, VehicleCondition,
};

/// One `<vehicle>`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AdfVehicle {
    /// `buy`, `test-drive` or `trade-in`.
    pub(crate) interest: &'static str,
    /// `new` or `used`.
    pub(crate) status: &'static str,
    pub(crate) year: String,
    pub(crate) make: String,
    pub(crate) model: String,
    pub(crate) vin: Option<String>,
    pub(crate) stock: Option<String>,
    pub(crate) trim: Option<String>,
    pub(crate) bodystyle: Option<String>,
    pub(crate) transmission: Option<String>,
    pub(crate) odometer: Option<i64>,
    pub(crate) condition: Option<String>,
    /// Price text and its ADF type (`asking`).
    pub(crate) price: Option<(String, &'static str)>,
    pub(crate) comments: Option<String>,
}

impl AdfVehicle {
    /// The placeholder `<vehicle interest="buy" status="new">` (year 0, make/model unknown).
    pub(crate) fn placeholder() -> AdfVehicle {
        AdfVehicle {
            interest: "buy",
            status: "new",
            year: "0".into(),
            make: "unknown".into(),
            model: "unknown".into(),
            vin: None,
            stock: None,
            trim: None,
            bodystyle: None,
            transmission: None,
            odometer: None,
            condition: None,
            price: None,
            comments: None,
        }
    }
}

/// Everything one ADF document carries.
#[derive(Debug, Clone)]
pub(crate) struct WrittenLead<'a> {
    pub(crate) lead_id: &'a str,
    pub(crate) request_date: String,
    /// At least one (the caller guarantees it; [`WrittenLead::to_xml`] adds the placeholder).
    pub(crate) vehicles: Vec<AdfVehicle>,
    pub(crate) customer: &'a Customer,
    pub(crate) timeframe: Option<String>,
    pub(crate) comments: Option<String>,
    pub(crate) vendor_email: &'a str,
    pub(crate) service: String,
    /// The `aap-adf-phone-before-email` defect.
    pub(crate) phone_first: bool,
    /// The `aap-adf-own-mapping` variant: the name in one `part="full"` element.
    pub(crate) full_name: bool,
}

/// A JSON number as ADF text (`32995`, `32995.5`).
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
}

/// The vehicle of interest, completed from inventory; None when year, make or model stay
/// unknown.
fn interest_vehicle(
    v: &Vehicle,
    found: Option<&AapVehicle>,
    interest: &'static str,
) -> Option<AdfVehicle> {
    let year = v
        .year
        .map(|y| y.to_string())
        .or_else(|| found.map(|f| f.year.to_string()))?;
    let make = non_empty(&v.make).or_else(|| found.map(|f| f.make.clone()))?;
    let model = non_empty(&v.model).or_else(|| found.map(|f| f.model.clone()))?;
    let condition = v
        .condition
        .map(|c| match c {
            VehicleCondition::New => "new",
            _ => "used",
        })
        .or_else(|| found.map(|f| if f.condition == "new" { "new" } else { "used" }))
        .unwrap_or("new");
    let cpo = v.condition == Some(VehicleCondition::Cpo)
        || (v.condition.is_none() && found.is_some_and(|f| f.condition == "cpo"));
    Some(AdfVehicle {
        interest,
        status: condition,
        year,
        make,
        model,
        vin: non_empty(&v.vin).or_else(|| found.map(|f| f.vin.clone())),
        stock: non_empty(&v.stock).or_else(|| found.map(|f| f.stock.clone())),
        trim: non_empty(&v.trim).or_else(|| found.map(|f| f.trim.clone())),
        bodystyle: non_empty(&v.body),
        transmission: non_empty(&v.transmission),
        odometer: v.mileage,
        condition: None,
        price: v
            .price
            .map(number_text)
            .or_else(|| found.map(|f| f.price.to_string()))
            .map(|p| (p, "asking")),
        comments: cpo.then(|| "Certified pre-owned".to_string()),
    })
}

/// The trade-in as `<vehicle interest="trade-in" status="used">` (needs year, make, model).
fn trade_in_vehicle(t: &Vehicle) -> Option<AdfVehicle> {
    Some(AdfVehicle {
        interest: "trade-in",
        status: "used",
        year: t.year?.to_string(),
        make: non_empty(&t.make)?,
        model: non_empty(&t.model)?,
        vin: non_empty(&t.vin),
        stock: None,
        trim: non_empty(&t.trim),
        bodystyle: non_empty(&t.body),
        transmission: non_empty(&t.transmission),
        odometer: t.mileage,
        condition: t.condition.and_then(|c| {
            serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
        }),
        price: None,
        comments: None,
    })
}

/// `test_drive`, `sales`, ….
fn appointment_type_name(t: AppointmentType) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "unspecified".into())
}

/// Options of [`submit_adf`] that the injected defects change.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SubmitAdfFlags {
    /// `aap-adf-phone-before-email`.
    pub(crate) phone_first: bool,
    /// The `aap-adf-own-mapping` variant: one full-name part, interest "buy" for every
    /// vehicle of interest, no comments and no timeframe.
    pub(crate) own_mapping: bool,
    /// `aap-adf-drops-trade-in`.
    pub(crate) drop_trade_in: bool,
}

/// The ADF document of a received `lead.submit`.
pub(crate) fn submit_adf(
    req: &LeadSubmitRequest,
    found: Option<&AapVehicle>,
    lead_id: &str,
    now: DateTime<Utc>,
    vendor_email: &str,
    flags: SubmitAdfFlags,
) -> String {
    let appointment = req.appointment.as_ref();
    let test_drive =
        appointment.and_then(|a| a.appointment_type) == Some(AppointmentType::TestDrive);
    let interest = if test_drive && !flags.own_mapping {
        "test-drive"
    } else {
        "buy"
    };
    let mut vehicles = Vec::new();
    let mut notes = Vec::new();
    if let Some(msg) = non_empty(&req.message) {
        notes.push(msg);
    }
    if let Some(n) = appointment.and_then(|a| non_empty(&a.notes)) {
        notes.push(format!("Appointment notes: {n}"));
    }
    if let Some(v) = &req.vehicle_of_interest {
        match interest_vehicle(v, found, interest) {
            Some(adf) => vehicles.push(adf),
            None => {
                let mut what = Vec::new();
                if let Some(vin) = non_empty(&v.vin) {
                    what.push(format!("VIN {vin}"));
                }
                if let Some(stock) = non_empty(&v.stock) {
                    what.push(format!("stock {stock}"));
                }
                if what.is_empty() {
                    what.push("partially described".into());
                }
                notes.push(format!(
                    "Vehicle of interest not in inventory: {}",
                    what.join(", ")
                ));
            }
        }
    }
    if let Some(t) = req
        .trade_in
        .as_ref()
        .filter(|_| !flags.drop_trade_in)
        .and_then(trade_in_vehicle)
    {
        vehicles.push(t);
    }
    let timeframe = appointment.map(|a| {
        let kind = a
            .appointment_type
            .map(appointment_type_name)
            .unwrap_or_else(|| "unspecified".into());
        match &a.appointment_at {
            Some(at) => format!(
                "appointment {kind} at {}",
                at.at()
                    .with_timezone(&Utc)
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
            None => format!("appointment {kind} requested"),
        }
    });
    WrittenLead {
        lead_id,
        request_date: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        vehicles,
        customer: &req.customer,
        timeframe: timeframe.filter(|_| !flags.own_mapping),
        comments: (!notes.is_empty() && !flags.own_mapping).then(|| notes.join("\n")),
        vendor_email,
        service: format!("AAP lead.submit from {}", req.source_agent),
        phone_first: flags.phone_first,
        full_name: flags.own_mapping,
    }
    .to_xml()
}

/// The ADF document of a received `lead.general` with a customer (None without one).
/// `intent` is the request's raw `intent` object (its members are all optional).
pub(crate) fn general_adf(
    req: &LeadGeneralRequest,
    intent: Option<&serde_json::Value>,
    lead_id: &str,
    now: DateTime<Utc>,
    vendor_email: &str,
    phone_first: bool,
) -> Option<String> {
    let customer = req.customer.as_ref()?;
    let mut notes = vec![req.message.clone()];
    if let Some(i) = req
        .lead_intent
        .and_then(|i| serde_json::to_value(i).ok())
        .and_then(|v| v.as_str().map(str::to_string))
    {
        notes.push(format!("Lead intent: {i}"));
    }
    let text = |v: Option<&serde_json::Value>| {
        v.and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let timeframe = text(intent.and_then(|i| i.get("timeline"))).map(|t| format!("timeline {t}"));
    let mut parts = Vec::new();
    if let Some(b) = text(intent.and_then(|i| i.get("body_type"))) {
        parts.push(format!("body type {b}"));
    }
    if let Some(f) = text(intent.and_then(|i| i.get("fuel"))) {
        parts.push(format!("fuel {f}"));
    }
    if let Some(amount) = intent
        .and_then(|i| i.pointer("/budget_max/amount"))
        .and_then(serde_json::Value::as_f64)
    {
        let currency = text(intent.and_then(|i| i.pointer("/budget_max/currency")))
            .unwrap_or_else(|| "USD".into());
        parts.push(format!("budget max {} {currency}", number_text(amount)));
    }
    if !parts.is_empty() {
        notes.push(format!("Intent: {}", parts.join(", ")));
    }
    Some(
        WrittenLead {
            lead_id,
            request_date: now.to_rfc3339_opts(SecondsFormat::Secs, true),
            vehicles: Vec::new(),
            customer,
            timeframe,
            comments: Some(notes.join("\n")),
            vendor_email,
            service: format!("AAP lead.general from {}", req.source_agent),
            phone_first,
            full_name: false,
        }
        .to_xml(),
    )
}

fn write_vehicle(w: &mut W, v: &AdfVehicle) -> io::Result<()> {
    w.create_element("vehicle")
        .with_attribute(("interest", v.interest))
        .with_attribute(("status", v.status))
        .write_inner_content(|w| {
            leaf(w, "year", &v.year)?;
            leaf(w, "make", &v.make)?;
            leaf(w, "model", &v.model)?;
            if let Some(x) = &v.vin {
                leaf(w, "vin", x)?;
            }
            if let Some(x) = &v.stock {
                leaf(w, "stock", x)?;
            }
            if let Some(x) = &v.trim {
                leaf(w, "trim", x)?;
            }
            if let Some(x) = &v.bodystyle {
                leaf(w, "bodystyle", x)?;
            }
            if let Some(x) = &v.transmission {
                leaf(w, "transmission", x)?;
            }
            if let Some(mi) = v.odometer {
                leaf_with(w, "odometer", &[("units", "mi")], &mi.to_string())?;
            }
            if let Some(x) = &v.condition {
                leaf(w, "condition", x)?;
            }
            if let Some((p, kind)) = &v.price {
                leaf_with(w, "price", &[("type", kind), ("currency", "USD")], p)?;
            }
            if let Some(x) = &v.comments {
                leaf(w, "comments", x)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_contact(w: &mut W, c: &Customer, phone_first: bool, full_name: bool) -> io::Result<()> {
    let preferred = c.preferred_contact.as_deref().unwrap_or("");
    let email_pref = if preferred == "email" { "1" } else { "0" };
    let phone_pref = if matches!(preferred, "phone" | "sms") {
        "1"
    } else {
        "0"
    };
    let phone_type = if preferred == "sms" {
        "cellphone"
    } else {
        "voice"
    };
    let email = non_empty(&c.email);
    let phone = non_empty(&c.phone);
    w.create_element("contact").write_inner_content(|w| {
        if full_name {
            let full = format!("{} {}", c.first_name, c.last_name);
            leaf_with(w, "name", &[("part", "full")], &full)?;
        } else {
            leaf_with(w, "name", &[("part", "first")], &c.first_name)?;
            leaf_with(w, "name", &[("part", "last")], &c.last_name)?;
        }
        let write_email = |w: &mut W| -> io::Result<()> {
            if let Some(e) = &email {
                leaf_with(w, "email", &[("preferredcontact", email_pref)], e)?;
            }
            Ok(())
        };
        let write_phone = |w: &mut W| -> io::Result<()> {
            if let Some(p) = &phone {
                leaf_with(
                    w,
                    "phone",
                    &[("type", phone_type), ("preferredcontact", phone_pref)],
                    p,
                )?;
            }
            Ok(())
        };
        if phone_first {
            write_phone(w)?;
            write_email(w)?;
        } else {
            write_email(w)?;
            write_phone(w)?;
        }
        if let Some(a) = &c.address {
            let streets: Vec<(&str, String)> = [("1", &a.address_line_1), ("2", &a.address_line_2)]
                .into_iter()
                .filter_map(|(line, s)| non_empty(s).map(|s| (line, s)))
                .collect();
            if !streets.is_empty() {
                w.create_element("address")
                    .with_attribute(("type", "home"))
                    .write_inner_content(|w| {
                        for (line, street) in &streets {
                            leaf_with(w, "street", &[("line", line)], street)?;
                        }
                        if let Some(x) = non_empty(&a.city) {
                            leaf(w, "city", &x)?;
                        }
                        if let Some(x) = non_empty(&a.state) {
                            leaf(w, "regioncode", &x)?;
                        }
                        if let Some(x) = non_empty(&a.zip) {
                            leaf(w, "postalcode", &x)?;
                        }
                        Ok(())
                    })?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

impl WrittenLead<'_> {
    fn write(&self, w: &mut W) -> io::Result<()> {
        w.create_element("adf").write_inner_content(|w| {
            w.create_element("prospect")
                .with_attribute(("status", "new"))
                .write_inner_content(|w| {
                    leaf_with(
                        w,
                        "id",
                        &[("sequence", "1"), ("source", "dealer-tck-reference")],
                        self.lead_id,
                    )?;
                    leaf(w, "requestdate", &self.request_date)?;
                    if self.vehicles.is_empty() {
                        write_vehicle(w, &AdfVehicle::placeholder())?;
                    }
                    for v in &self.vehicles {
                        write_vehicle(w, v)?;
                    }
                    w.create_element("customer").write_inner_content(|w| {
                        write_contact(w, self.customer, self.phone_first, self.full_name)?;
                        if let Some(t) = &self.timeframe {
                            w.create_element("timeframe")
                                .write_inner_content(|w| leaf(w, "description", t))?;
                        }
                        if let Some(c) = &self.comments {
                            leaf(w, "comments", c)?;
                        }
                        Ok(())
                    })?;
                    w.create_element("vendor").write_inner_content(|w| {
                        leaf(w, "vendorname", DEALER_NAME)?;
                        w.create_element("contact").write_inner_content(|w| {
                            leaf_with(w, "name", &[("part", "full")], "Sales desk")?;
                            leaf(w, "email", self.vendor_email)?;
                            leaf_with(w, "phone", &[("type", "voice")], DEALER_PHONE)?;
                            Ok(())
                        })?;
                        Ok(())
                    })?;
                    w.create_element("provider").write_inner_content(|w| {
                        leaf_with(w, "name", &[("part", "full")], "dealer-tck reference")?;
                        leaf(w, "service", &self.service)?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
            Ok(())
        })?;
        Ok(())
    }

    /// The document with its `<?xml version="1.0" encoding="UTF-8"?>` header.
    pub(crate) fn to_xml(&self) -> String {
        let mut w = Writer::new(Vec::new());
        // Writing into a Vec cannot fail; an error would leave the document incomplete, and the
        // CRM would then refuse it (crm_status "failed").
        let _ = self.write(&mut w);
        let body = String::from_utf8_lossy(&w.into_inner()).into_owned();
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}\n")
    }
}
