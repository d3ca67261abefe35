//! ADF 1.0 validation in Rust ([`validate`]): the content models and attribute enumerations of
//! `fixtures/adf/adf-deterministic.dtd` (the project's copy of the deterministic ADF DTD), plus extraction of what the checks need ([`AdfLead`]).
//!
//! The DTD is held as data ([`ELEMENTS`]: one [`ElementDecl`] per element, its content model as a
//! [`Particle`] tree and its attributes as [`AttributeDecl`]s). Each content model is compiled
//! once into a small Thompson NFA over child element names; the document is read as a stream of
//! quick-xml events with an explicit element stack, so no input (however deep) can exhaust the
//! call stack. The verdict agrees with `xmllint --noout --dtdvalid adf-deterministic.dtd`
//! (checked by `tests/adf_xmllint.rs`), with one deliberate addition: the root must be `adf`
//! (xmllint's post-validation never checks the root's name).

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// A vehicle of the lead.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdfVehicle {
    /// `interest` attribute (default `buy`).
    pub interest: String,
    /// `status` attribute (default `new`).
    pub status: String,
    /// `<year>` text.
    pub year: String,
    /// `<make>` text.
    pub make: String,
    /// `<model>` text.
    pub model: String,
    /// `<vin>` text.
    pub vin: Option<String>,
}

/// What the checks need from a lead (first prospect).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdfLead {
    /// Every `<id>` text of the prospect (prospect-level ids first).
    pub ids: Vec<String>,
    /// `customer/contact/name` texts.
    pub names: Vec<String>,
    /// `customer/contact/email` texts.
    pub emails: Vec<String>,
    /// `customer/contact/phone` texts.
    pub phones: Vec<String>,
    /// The prospect's vehicles, in order.
    pub vehicles: Vec<AdfVehicle>,
    /// `customer/comments` text.
    pub comments: Option<String>,
    /// `customer/timeframe/description` text.
    pub timeframe: Option<String>,
}

/// One broken DTD rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AdfViolation {
    /// Element path, e.g. `adf/prospect[0]/customer/contact`.
    pub path: String,
    /// The rule, e.g. `content model (name+, ((email, phone*) | phone+), address?)`.
    pub rule: String,
}

/// The result of checking one document.
#[derive(Debug, Clone, Default)]
pub struct AdfReport {
    /// Parse error if the text is not well-formed XML.
    pub not_well_formed: Option<String>,
    /// DTD violations (empty = valid).
    pub violations: Vec<AdfViolation>,
    /// Extracted lead (None if not well-formed or no prospect).
    pub lead: Option<AdfLead>,
}

impl AdfReport {
    /// Well-formed and no violations.
    pub fn is_valid(&self) -> bool {
        self.not_well_formed.is_none() && self.violations.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// The DTD as data
// ---------------------------------------------------------------------------------------------

/// How often a particle may occur (`?`, `*`, `+` or exactly once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurrence {
    /// Exactly once (no suffix).
    Once,
    /// `?`
    Optional,
    /// `*`
    ZeroOrMore,
    /// `+`
    OneOrMore,
}

impl Occurrence {
    fn suffix(self) -> &'static str {
        match self {
            Occurrence::Once => "",
            Occurrence::Optional => "?",
            Occurrence::ZeroOrMore => "*",
            Occurrence::OneOrMore => "+",
        }
    }

    fn repeats(self) -> bool {
        matches!(self, Occurrence::ZeroOrMore | Occurrence::OneOrMore)
    }
}

/// A piece of an element-only content model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Particle {
    /// A child element name.
    Element(&'static str, Occurrence),
    /// `(a, b, c)`
    Seq(&'static [Particle], Occurrence),
    /// `(a | b | c)`
    Choice(&'static [Particle], Occurrence),
}

impl Particle {
    /// This particle with occurrence `?`.
    pub const fn opt(self) -> Particle {
        self.with(Occurrence::Optional)
    }

    /// This particle with occurrence `*`.
    pub const fn star(self) -> Particle {
        self.with(Occurrence::ZeroOrMore)
    }

    /// This particle with occurrence `+`.
    pub const fn plus(self) -> Particle {
        self.with(Occurrence::OneOrMore)
    }

    const fn with(self, occ: Occurrence) -> Particle {
        match self {
            Particle::Element(n, _) => Particle::Element(n, occ),
            Particle::Seq(p, _) => Particle::Seq(p, occ),
            Particle::Choice(p, _) => Particle::Choice(p, occ),
        }
    }

    /// The element names this particle mentions, in order of first mention.
    pub fn element_names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names(&self, out: &mut Vec<&'static str>) {
        match self {
            Particle::Element(n, _) => {
                if !out.contains(n) {
                    out.push(n);
                }
            }
            Particle::Seq(items, _) | Particle::Choice(items, _) => {
                for item in *items {
                    item.collect_names(out);
                }
            }
        }
    }

    /// How many times `name` may occur under this particle, saturated at 2 ("more than once").
    fn max_occurrences(&self, name: &str) -> u8 {
        let (inner, occ) = match self {
            Particle::Element(n, occ) => (u8::from(*n == name), *occ),
            Particle::Seq(items, occ) => (
                items
                    .iter()
                    .map(|p| p.max_occurrences(name))
                    .fold(0u8, |a, b| a.saturating_add(b).min(2)),
                *occ,
            ),
            Particle::Choice(items, occ) => (
                items
                    .iter()
                    .map(|p| p.max_occurrences(name))
                    .max()
                    .unwrap_or(0),
                *occ,
            ),
        };
        if inner > 0 && occ.repeats() { 2 } else { inner }
    }
}

impl fmt::Display for Particle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (items, sep, occ) = match self {
            Particle::Element(n, occ) => return write!(f, "{n}{}", occ.suffix()),
            Particle::Seq(items, occ) => (items, ", ", occ),
            Particle::Choice(items, occ) => (items, " | ", occ),
        };
        f.write_str("(")?;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            write!(f, "{item}")?;
        }
        write!(f, "){}", occ.suffix())
    }
}

/// An element's content model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentModel {
    /// `(#PCDATA)`: text, comments and processing instructions, no child elements.
    Text,
    /// Element-only content; whitespace between children is allowed, other text is not.
    Children(Particle),
}

impl fmt::Display for ContentModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContentModel::Text => f.write_str("(#PCDATA)"),
            ContentModel::Children(p) => write!(f, "{p}"),
        }
    }
}

/// One `<!ATTLIST>` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeDecl {
    /// Attribute name.
    pub name: &'static str,
    /// Enumerated values; `None` for `CDATA` (any value).
    pub values: Option<&'static [&'static str]>,
    /// Default value; `None` for `#IMPLIED`.
    pub default: Option<&'static str>,
}

/// One `<!ELEMENT>` with its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementDecl {
    /// Element name.
    pub name: &'static str,
    /// Content model.
    pub content: ContentModel,
    /// Declared attributes (none = every attribute is undeclared).
    pub attributes: &'static [AttributeDecl],
}

impl ElementDecl {
    /// The declaration of attribute `name`, if declared.
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeDecl> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

const fn el(name: &'static str) -> Particle {
    Particle::Element(name, Occurrence::Once)
}

const fn seq(items: &'static [Particle]) -> Particle {
    Particle::Seq(items, Occurrence::Once)
}

const fn choice(items: &'static [Particle]) -> Particle {
    Particle::Choice(items, Occurrence::Once)
}

const fn text(name: &'static str) -> ElementDecl {
    ElementDecl {
        name,
        content: ContentModel::Text,
        attributes: &[],
    }
}

const fn text_with(name: &'static str, attributes: &'static [AttributeDecl]) -> ElementDecl {
    ElementDecl {
        name,
        content: ContentModel::Text,
        attributes,
    }
}

const fn children(name: &'static str, model: Particle) -> ElementDecl {
    ElementDecl {
        name,
        content: ContentModel::Children(model),
        attributes: &[],
    }
}

const fn children_with(
    name: &'static str,
    model: Particle,
    attributes: &'static [AttributeDecl],
) -> ElementDecl {
    ElementDecl {
        name,
        content: ContentModel::Children(model),
        attributes,
    }
}

const fn enumerated(
    name: &'static str,
    values: &'static [&'static str],
    default: Option<&'static str>,
) -> AttributeDecl {
    AttributeDecl {
        name,
        values: Some(values),
        default,
    }
}

const fn cdata(name: &'static str) -> AttributeDecl {
    AttributeDecl {
        name,
        values: None,
        default: None,
    }
}

const BOOL01: &[&str] = &["0", "1"];

/// Every element of `adf-deterministic.dtd`, in the DTD's order.
pub static ELEMENTS: &[ElementDecl] = &[
    children("adf", seq(&[el("prospect").plus()])),
    children_with(
        "prospect",
        seq(&[
            el("id").star(),
            el("requestdate"),
            el("vehicle").plus(),
            el("customer"),
            el("vendor"),
            el("provider").opt(),
        ]),
        &[enumerated("status", &["new", "resend"], Some("new"))],
    ),
    text("requestdate"),
    children_with(
        "vehicle",
        seq(&[
            el("id").star(),
            el("year"),
            el("make"),
            el("model"),
            el("vin").opt(),
            el("stock").opt(),
            el("trim").opt(),
            el("doors").opt(),
            el("bodystyle").opt(),
            el("transmission").opt(),
            el("odometer").opt(),
            el("condition").opt(),
            el("colorcombination").star(),
            el("imagetag").opt(),
            el("price").opt(),
            el("pricecomments").opt(),
            el("option").star(),
            el("finance").opt(),
            el("comments").opt(),
        ]),
        &[
            enumerated(
                "interest",
                &["buy", "lease", "sell", "trade-in", "test-drive"],
                Some("buy"),
            ),
            enumerated("status", &["new", "used"], Some("new")),
        ],
    ),
    text("year"),
    text("make"),
    text("model"),
    text("vin"),
    text("trim"),
    text("doors"),
    text("bodystyle"),
    text("transmission"),
    text_with(
        "odometer",
        &[
            enumerated(
                "status",
                &["unknown", "rolledover", "replaced", "original"],
                None,
            ),
            enumerated("units", &["km", "mi"], None),
        ],
    ),
    text("condition"),
    children(
        "colorcombination",
        seq(&[
            choice(&[
                seq(&[el("interiorcolor"), el("exteriorcolor").opt()]),
                el("exteriorcolor"),
            ]),
            el("preference"),
        ]),
    ),
    text_with(
        "imagetag",
        &[cdata("width"), cdata("height"), cdata("alttext")],
    ),
    text("pricecomments"),
    children(
        "option",
        seq(&[
            el("optionname"),
            el("manufacturercode").opt(),
            el("stock").opt(),
            el("weighting").opt(),
            el("price").opt(),
        ]),
    ),
    children(
        "finance",
        seq(&[el("method"), el("amount").plus(), el("balance").opt()]),
    ),
    text("interiorcolor"),
    text("exteriorcolor"),
    text("preference"),
    text("optionname"),
    text("manufacturercode"),
    text("weighting"),
    text("method"),
    text_with(
        "amount",
        &[
            enumerated("type", &["downpayment", "monthly", "total"], Some("total")),
            enumerated("limit", &["maximum", "minimum", "exact"], Some("maximum")),
            cdata("currency"),
        ],
    ),
    text_with(
        "balance",
        &[
            enumerated("type", &["finance", "residual"], Some("finance")),
            cdata("currency"),
        ],
    ),
    children(
        "customer",
        seq(&[
            el("contact"),
            el("id").star(),
            el("timeframe").opt(),
            el("comments").opt(),
        ]),
    ),
    children(
        "timeframe",
        seq(&[
            el("description").opt(),
            el("earliestdate").opt(),
            el("latestdate").opt(),
        ]),
    ),
    text("description"),
    text("earliestdate"),
    text("latestdate"),
    children(
        "vendor",
        seq(&[
            el("id").star(),
            el("vendorname").opt(),
            el("url").opt(),
            el("contact"),
        ]),
    ),
    text("vendorname"),
    children(
        "provider",
        seq(&[
            el("id").star(),
            el("name"),
            el("service").opt(),
            el("url").opt(),
            el("email").opt(),
            el("phone").opt(),
            el("contact").opt(),
        ]),
    ),
    text("service"),
    children_with(
        "contact",
        seq(&[
            el("name").plus(),
            choice(&[seq(&[el("email"), el("phone").star()]), el("phone").plus()]),
            el("address").opt(),
        ]),
        &[enumerated("primarycontact", BOOL01, Some("0"))],
    ),
    text_with(
        "name",
        &[
            enumerated(
                "part",
                &["first", "middle", "suffix", "last", "full"],
                Some("full"),
            ),
            enumerated("type", &["business", "individual"], Some("individual")),
        ],
    ),
    text_with(
        "email",
        &[enumerated("preferredcontact", BOOL01, Some("0"))],
    ),
    text_with(
        "phone",
        &[
            enumerated(
                "type",
                &["voice", "fax", "cellphone", "pager"],
                Some("voice"),
            ),
            enumerated(
                "time",
                &["morning", "afternoon", "evening", "nopreference", "day"],
                Some("nopreference"),
            ),
            enumerated("preferredcontact", BOOL01, Some("0")),
            enumerated("besttime", BOOL01, Some("0")),
        ],
    ),
    children_with(
        "address",
        seq(&[
            el("street").plus(),
            el("apartment").opt(),
            el("city").opt(),
            el("regioncode").opt(),
            el("postalcode").opt(),
            el("country").opt(),
        ]),
        &[enumerated("type", &["work", "home", "delivery"], None)],
    ),
    text_with("street", &[cdata("line")]),
    text("apartment"),
    text("city"),
    text("regioncode"),
    text("postalcode"),
    text("country"),
    text_with(
        "price",
        &[
            enumerated(
                "type",
                &[
                    "quote",
                    "offer",
                    "msrp",
                    "invoice",
                    "call",
                    "appraisal",
                    "asking",
                ],
                Some("quote"),
            ),
            cdata("currency"),
            enumerated("delta", &["absolute", "relative", "percentage"], None),
            enumerated("relativeto", &["msrp", "invoice"], None),
            cdata("source"),
        ],
    ),
    text_with("id", &[cdata("sequence"), cdata("source")]),
    text("comments"),
    text("stock"),
    text("url"),
];

/// The declaration of element `name`, if the DTD declares it.
pub fn element_decl(name: &str) -> Option<&'static ElementDecl> {
    DECLS.get(name).map(|(decl, _)| *decl)
}

/// Declarations by name, each with its compiled content model (element-only content only).
static DECLS: LazyLock<HashMap<&'static str, (&'static ElementDecl, Option<Nfa>)>> =
    LazyLock::new(|| {
        ELEMENTS
            .iter()
            .map(|decl| {
                let nfa = match decl.content {
                    ContentModel::Text => None,
                    ContentModel::Children(p) => Some(Nfa::compile(&p)),
                };
                (decl.name, (decl, nfa))
            })
            .collect()
    });

// ---------------------------------------------------------------------------------------------
// Content-model matching: a Thompson NFA over child element names
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct NfaState {
    eps: Vec<usize>,
    on: Option<(&'static str, usize)>,
}

#[derive(Debug)]
struct Nfa {
    states: Vec<NfaState>,
    start: usize,
    accept: usize,
}

impl Nfa {
    fn compile(p: &Particle) -> Nfa {
        let mut nfa = Nfa {
            states: Vec::new(),
            start: 0,
            accept: 0,
        };
        let (s, t) = nfa.build(p);
        nfa.start = s;
        nfa.accept = t;
        nfa
    }

    fn add(&mut self) -> usize {
        self.states.push(NfaState::default());
        self.states.len() - 1
    }

    fn eps(&mut self, from: usize, to: usize) {
        self.states[from].eps.push(to);
    }

    /// Builds the fragment for `p`; returns its (entry, exit) states.
    fn build(&mut self, p: &Particle) -> (usize, usize) {
        let (s, t, occ) = match p {
            Particle::Element(name, occ) => {
                let s = self.add();
                let t = self.add();
                self.states[s].on = Some((name, t));
                (s, t, *occ)
            }
            Particle::Seq(items, occ) => {
                let s = self.add();
                let mut cur = s;
                for item in *items {
                    let (a, b) = self.build(item);
                    self.eps(cur, a);
                    cur = b;
                }
                (s, cur, *occ)
            }
            Particle::Choice(items, occ) => {
                let s = self.add();
                let t = self.add();
                for item in *items {
                    let (a, b) = self.build(item);
                    self.eps(s, a);
                    self.eps(b, t);
                }
                (s, t, *occ)
            }
        };
        if occ == Occurrence::Once {
            return (s, t);
        }
        let s2 = self.add();
        let t2 = self.add();
        self.eps(s2, s);
        self.eps(t, t2);
        if matches!(occ, Occurrence::Optional | Occurrence::ZeroOrMore) {
            self.eps(s2, t2);
        }
        if occ.repeats() {
            self.eps(t, s);
        }
        (s2, t2)
    }

    /// The epsilon closure of `set` (sorted, deduplicated).
    fn closure(&self, set: Vec<usize>) -> Vec<usize> {
        let mut seen = vec![false; self.states.len()];
        let mut stack = set;
        let mut out = Vec::new();
        while let Some(s) = stack.pop() {
            if s >= seen.len() || seen[s] {
                continue;
            }
            seen[s] = true;
            out.push(s);
            stack.extend(self.states[s].eps.iter().copied());
        }
        out.sort_unstable();
        out
    }

    fn initial(&self) -> Vec<usize> {
        self.closure(vec![self.start])
    }

    fn step(&self, cur: &[usize], name: &str) -> Vec<usize> {
        let next: Vec<usize> = cur
            .iter()
            .filter_map(|&s| match self.states.get(s)?.on {
                Some((n, t)) if n == name => Some(t),
                _ => None,
            })
            .collect();
        self.closure(next)
    }

    fn accepts(&self, cur: &[usize]) -> bool {
        cur.contains(&self.accept)
    }

    /// The element names that may come next, in model order.
    fn expected(&self, cur: &[usize]) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for &s in cur {
            if let Some(NfaState {
                on: Some((n, _)), ..
            }) = self.states.get(s)
                && !out.contains(n)
            {
                out.push(n);
            }
        }
        out
    }
}

fn describe_expected(nfa: &Nfa, cur: &[usize]) -> String {
    let mut names: Vec<String> = nfa
        .expected(cur)
        .into_iter()
        .map(|n| format!("<{n}>"))
        .collect();
    if nfa.accepts(cur) {
        names.push("end of element".to_owned());
    }
    match names.len() {
        0 => "nothing".to_owned(),
        1 => names.remove(0),
        _ => format!("one of {}", names.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// One open element.
struct Frame {
    name: String,
    /// This element's path segment: `name`, or `name[i]` when it may repeat or does.
    segment: String,
    decl: Option<&'static ElementDecl>,
    nfa: Option<&'static Nfa>,
    /// NFA states; `None` once the content model has failed (reported once per element).
    states: Option<Vec<usize>>,
    /// Child element names seen so far (for messages), and per-name counts (for paths).
    last_child: Option<String>,
    n_children: usize,
    child_counts: HashMap<String, usize>,
    /// Index of this element among its same-name siblings.
    index: usize,
    text_reported: bool,
    child_reported: bool,
    /// Character data of a `(#PCDATA)` element.
    text: String,
}

impl Frame {
    fn model_rule(&self) -> String {
        match self.decl {
            Some(d) => format!("content model {}", d.content),
            None => "content model".to_owned(),
        }
    }
}

/// Collects the [`AdfLead`] of the first prospect while the document streams by.
#[derive(Default)]
struct LeadBuilder {
    seen_prospect: bool,
    prospect_ids: Vec<String>,
    other_ids: Vec<String>,
    lead: AdfLead,
}

impl LeadBuilder {
    /// Whether `stack` (root first) is inside the first prospect of an `adf` root; returns the
    /// names below the prospect.
    fn relative(stack: &[Frame]) -> Option<Vec<&str>> {
        let root = stack.first()?;
        let prospect = stack.get(1)?;
        if root.name != "adf" || prospect.name != "prospect" || prospect.index != 0 {
            return None;
        }
        Some(stack[2..].iter().map(|f| f.name.as_str()).collect())
    }

    fn on_start(&mut self, stack: &[Frame], attrs: &[(String, String)]) {
        if stack.len() == 2 && stack[0].name == "adf" && stack[1].name == "prospect" {
            self.seen_prospect = true;
        }
        let Some(rel) = Self::relative(stack) else {
            return;
        };
        if rel == ["vehicle"] {
            let get = |name: &str, default: &str| {
                attrs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map_or_else(|| default.to_owned(), |(_, v)| v.clone())
            };
            self.lead.vehicles.push(AdfVehicle {
                interest: get("interest", "buy"),
                status: get("status", "new"),
                ..AdfVehicle::default()
            });
        }
    }

    fn on_end(&mut self, stack: &[Frame], text: &str) {
        let Some(rel) = Self::relative(stack) else {
            return;
        };
        let value = text.trim().to_owned();
        match rel.as_slice() {
            ["id"] => self.prospect_ids.push(value),
            [.., "id"] => self.other_ids.push(value),
            ["customer", "contact", "name"] => self.lead.names.push(value),
            ["customer", "contact", "email"] => self.lead.emails.push(value),
            ["customer", "contact", "phone"] => self.lead.phones.push(value),
            ["customer", "comments"] => {
                self.lead.comments.get_or_insert(value);
            }
            ["customer", "timeframe", "description"] => {
                self.lead.timeframe.get_or_insert(value);
            }
            ["vehicle", field] => {
                if let Some(v) = self.lead.vehicles.last_mut() {
                    match *field {
                        "year" if v.year.is_empty() => v.year = value,
                        "make" if v.make.is_empty() => v.make = value,
                        "model" if v.model.is_empty() => v.model = value,
                        "vin" if v.vin.is_none() => v.vin = Some(value),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Option<AdfLead> {
        if !self.seen_prospect {
            return None;
        }
        self.lead.ids = self.prospect_ids;
        self.lead.ids.extend(self.other_ids);
        Some(self.lead)
    }
}

/// XML 1.0 whitespace (`S`): space, tab, CR, LF.
fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// XML 1.0 `Char`.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A loose XML `Name` check (ASCII rules exact, non-ASCII accepted).
fn is_xml_name(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let start = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':' || !c.is_ascii();
    start(first) && chars.all(|c| start(c) || c.is_ascii_digit() || c == '-' || c == '.')
}

/// `line L, column C` of a byte offset.
fn position(xml: &str, offset: usize) -> String {
    let mut offset = offset.min(xml.len());
    while !xml.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &xml[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit_once('\n')
        .map_or(before, |(_, l)| l)
        .chars()
        .count()
        + 1;
    format!("line {line}, column {col}")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A not-well-formedness, with its byte offset.
struct NotWellFormed {
    offset: usize,
    reason: String,
}

fn nwf(offset: u64, reason: impl Into<String>) -> NotWellFormed {
    NotWellFormed {
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
        reason: reason.into(),
    }
}

/// The streaming validator's state.
struct Validator {
    stack: Vec<Frame>,
    violations: Vec<AdfViolation>,
    /// Violations beyond [`MAX_VIOLATIONS`], counted but not listed.
    suppressed: usize,
    root_seen: bool,
    root_closed: bool,
    lead: LeadBuilder,
}

/// At most this many violations are listed per document (the rest are counted).
pub const MAX_VIOLATIONS: usize = 200;

impl Validator {
    /// Records a violation at the element `stack[depth - 1]` (plus `suffix`, e.g. `/@attr`).
    fn violation(&mut self, depth: usize, suffix: &str, rule: impl Into<String>) {
        if self.violations.len() >= MAX_VIOLATIONS {
            self.suppressed += 1;
            return;
        }
        let mut path = self
            .stack
            .iter()
            .take(depth)
            .map(|f| f.segment.as_str())
            .collect::<Vec<_>>()
            .join("/");
        path.push_str(suffix);
        self.violations.push(AdfViolation {
            path,
            rule: rule.into(),
        });
    }

    fn start(&mut self, e: &BytesStart<'_>, offset: u64) -> Result<(), NotWellFormed> {
        let name = e.name().0.to_owned();
        if !is_xml_name(&name) {
            return Err(nwf(offset, format!("invalid element name `{name}`")));
        }
        if self.root_closed {
            return Err(nwf(offset, "extra content after the document element"));
        }
        // Attributes: well-formedness first (duplicates, syntax, `<`), then declarations.
        let mut attrs: Vec<(String, String)> = Vec::new();
        for attr in e.attributes().with_checks(true) {
            let attr =
                attr.map_err(|err| nwf(offset, format!("bad attribute on <{name}>: {err}")))?;
            let key = attr.key.0.to_owned();
            if !is_xml_name(&key) {
                return Err(nwf(offset, format!("invalid attribute name `{key}`")));
            }
            if attr.value.contains('<') {
                return Err(nwf(offset, format!("`<` in the value of attribute {key}")));
            }
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| nwf(offset, format!("bad value of attribute {key}: {err}")))?;
            if let Some(c) = value.chars().find(|c| !is_xml_char(*c)) {
                return Err(nwf(
                    offset,
                    format!(
                        "invalid character U+{:04X} in attribute {key}",
                        u32::from(c)
                    ),
                ));
            }
            attrs.push((key, value.into_owned()));
        }

        // Place in the parent: path segment, content model step.
        let decl = element_decl(&name);
        let depth = self.stack.len();
        let mut index = 0;
        let mut found = None;
        let segment = match self.stack.last_mut() {
            None => name.clone(),
            Some(parent) => {
                let count = parent.child_counts.entry(name.clone()).or_insert(0);
                index = *count;
                *count += 1;
                parent.n_children += 1;
                let n_children = parent.n_children;
                let last_child = parent.last_child.replace(name.clone());
                let repeatable = match parent.decl.map(|d| d.content) {
                    Some(ContentModel::Children(p)) => p.max_occurrences(&name) > 1,
                    _ => false,
                };
                match parent.decl.map(|d| d.content) {
                    Some(ContentModel::Text) if !parent.child_reported => {
                        parent.child_reported = true;
                        found = Some(format!(
                            "{}: child element <{name}> not allowed",
                            parent.model_rule()
                        ));
                    }
                    Some(ContentModel::Children(_)) => {
                        if let (Some(nfa), Some(states)) = (parent.nfa, parent.states.as_ref()) {
                            let next = nfa.step(states, &name);
                            if next.is_empty() {
                                let after = last_child
                                    .map_or_else(|| "first".to_owned(), |c| format!("after <{c}>"));
                                found = Some(format!(
                                    "{}: unexpected <{name}> (child {n_children}, {after}); expected {}",
                                    parent.model_rule(),
                                    describe_expected(nfa, states)
                                ));
                                parent.states = None;
                            } else {
                                parent.states = Some(next);
                            }
                        }
                    }
                    Some(ContentModel::Text) | None => {}
                }
                if repeatable || index > 0 {
                    format!("{name}[{index}]")
                } else {
                    name.clone()
                }
            }
        };
        if let Some(rule) = found {
            self.violation(depth, "", rule);
        }

        let nfa = DECLS.get(name.as_str()).and_then(|(_, n)| n.as_ref());
        self.stack.push(Frame {
            name: name.clone(),
            segment,
            decl,
            nfa,
            states: nfa.map(Nfa::initial),
            last_child: None,
            n_children: 0,
            child_counts: HashMap::new(),
            index,
            text_reported: false,
            child_reported: false,
            text: String::new(),
        });
        let depth = self.stack.len();
        if depth == 1 {
            self.root_seen = true;
            if name != "adf" {
                self.violation(1, "", format!("root element must be <adf>, found <{name}>"));
            }
        }
        match decl {
            None => self.violation(depth, "", format!("undeclared element <{name}>")),
            Some(d) => {
                for (key, value) in &attrs {
                    let suffix = format!("/@{key}");
                    match d.attribute(key) {
                        None => self.violation(
                            depth,
                            &suffix,
                            format!("undeclared attribute {key} of <{name}>"),
                        ),
                        Some(AttributeDecl {
                            values: Some(values),
                            ..
                        }) if !values.contains(&value.as_str()) => self.violation(
                            depth,
                            &suffix,
                            format!(
                                "attribute {key} ({}): value {value:?} not in the enumeration",
                                values.join(" | ")
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
        self.lead.on_start(&self.stack, &attrs);
        Ok(())
    }

    fn end(&mut self) {
        let Some(frame) = self.stack.last() else {
            return;
        };
        let mut found = None;
        if let (Some(nfa), Some(states)) = (frame.nfa, frame.states.as_ref())
            && !nfa.accepts(states)
        {
            let after = frame
                .last_child
                .as_ref()
                .map_or_else(|| "no children".to_owned(), |c| format!("after <{c}>"));
            let rule = format!(
                "{}: content ends too early ({after}); expected {}",
                frame.model_rule(),
                describe_expected(nfa, states)
            );
            found = Some(rule);
        }
        self.lead.on_end(&self.stack, &frame.text);
        if let Some(rule) = found {
            self.violation(self.stack.len(), "", rule);
        }
        self.stack.pop();
        if self.stack.is_empty() {
            self.root_closed = true;
        }
    }

    /// Character data (`whitespace_like` = only XML whitespace, not from a CDATA section).
    fn text(&mut self, s: &str, whitespace_like: bool, offset: u64) -> Result<(), NotWellFormed> {
        if let Some(c) = s.chars().find(|c| !is_xml_char(*c)) {
            return Err(nwf(
                offset,
                format!("invalid character U+{:04X}", u32::from(c)),
            ));
        }
        let Some(frame) = self.stack.last_mut() else {
            if whitespace_like {
                return Ok(());
            }
            return Err(nwf(offset, "character data outside the document element"));
        };
        match frame.decl.map(|d| d.content) {
            Some(ContentModel::Text) => frame.text.push_str(s),
            Some(ContentModel::Children(_)) if !whitespace_like && !frame.text_reported => {
                frame.text_reported = true;
                let rule = format!(
                    "{}: character data not allowed in element-only content",
                    frame.model_rule()
                );
                let depth = self.stack.len();
                self.violation(depth, "", rule);
            }
            _ => {}
        }
        Ok(())
    }

    fn general_ref(&mut self, r: &BytesRef<'_>, offset: u64) -> Result<(), NotWellFormed> {
        let resolved: String = match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => c.to_string(),
            Ok(Some(c)) => {
                return Err(nwf(
                    offset,
                    format!(
                        "character reference to U+{:04X} is not allowed",
                        u32::from(c)
                    ),
                ));
            }
            Err(err) => return Err(nwf(offset, format!("bad character reference: {err}"))),
            Ok(None) => match quick_xml::escape::resolve_predefined_entity(r) {
                // A predefined entity is character data even when it is not whitespace.
                Some(s) => return self.text(s, false, offset),
                None => return Err(nwf(offset, format!("undefined entity &{};", &**r))),
            },
        };
        // libxml2 treats a character reference to whitespace as ignorable whitespace.
        let ws = resolved.chars().all(is_xml_space);
        self.text(&resolved, ws, offset)
    }

    fn run(&mut self, xml: &str) -> Result<(), NotWellFormed> {
        if let Some((i, c)) = xml.char_indices().find(|(_, c)| !is_xml_char(*c)) {
            return Err(nwf(
                i as u64,
                format!("invalid character U+{:04X}", u32::from(c)),
            ));
        }
        let mut reader = Reader::from_str(xml);
        let config = reader.config_mut();
        config.check_comments = true;
        config.check_end_names = true;
        config.trim_text(false);
        config.expand_empty_elements = false;
        let mut first = true;
        let mut doctype_seen = false;
        loop {
            let before = reader.buffer_position();
            let event = reader
                .read_event()
                .map_err(|err| nwf(reader.error_position(), one_line(&err.to_string())))?;
            let was_first = std::mem::replace(&mut first, false);
            match event {
                Event::Start(e) => self.start(&e, before)?,
                Event::Empty(e) => {
                    self.start(&e, before)?;
                    self.end();
                }
                Event::End(_) => self.end(),
                Event::Text(t) => {
                    let s = t.xml10_content();
                    let ws = s.chars().all(is_xml_space);
                    self.text(&s, ws, before)?;
                }
                Event::CData(c) => {
                    if self.stack.is_empty() {
                        return Err(nwf(before, "CDATA section outside the document element"));
                    }
                    let s = c.xml10_content();
                    self.text(&s, false, before)?;
                }
                Event::GeneralRef(r) => {
                    if self.stack.is_empty() {
                        return Err(nwf(before, "reference outside the document element"));
                    }
                    self.general_ref(&r, before)?;
                }
                Event::Decl(_) => {
                    if !was_first || before != 0 {
                        return Err(nwf(before, "XML declaration not at the start"));
                    }
                }
                Event::PI(pi) => {
                    if pi.target().eq_ignore_ascii_case("xml") {
                        return Err(nwf(before, "reserved processing-instruction target"));
                    }
                }
                Event::DocType(_) => {
                    if doctype_seen || self.root_seen {
                        return Err(nwf(before, "misplaced DOCTYPE"));
                    }
                    doctype_seen = true;
                }
                Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if let Some(open) = self.stack.last() {
            return Err(nwf(
                xml.len() as u64,
                format!("unexpected end of document: <{}> not closed", open.name),
            ));
        }
        if !self.root_seen {
            return Err(nwf(xml.len() as u64, "no root element"));
        }
        Ok(())
    }
}

/// Check an ADF document against the deterministic ADF 1.0 DTD's rules.
pub fn validate(xml: &str) -> AdfReport {
    let body = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut v = Validator {
        stack: Vec::new(),
        violations: Vec::new(),
        suppressed: 0,
        root_seen: false,
        root_closed: false,
        lead: LeadBuilder::default(),
    };
    match v.run(body) {
        Ok(()) => {
            if v.suppressed > 0 {
                v.violations.push(AdfViolation {
                    path: String::new(),
                    rule: format!("{} more violations not listed", v.suppressed),
                });
            }
            AdfReport {
                not_well_formed: None,
                violations: v.violations,
                lead: v.lead.finish(),
            }
        }
        Err(e) => AdfReport {
            not_well_formed: Some(format!(
                "{}: {}",
                position(body, e.offset),
                one_line(&e.reason)
            )),
            violations: Vec::new(),
            lead: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
}
