//! The deterministic ADF 1.0 DTD as data: one [`ElementDecl`] per element ([`ELEMENTS`]), its content model a [`Particle`] tree, its attributes [`AttributeDecl`]s.

use super::*;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

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
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Occurrence::Once => "",
            Occurrence::Optional => "?",
            Occurrence::ZeroOrMore => "*",
            Occurrence::OneOrMore => "+",
        }
    }

    pub(crate) fn repeats(self) -> bool {
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

    pub(crate) const fn with(self, occ: Occurrence) -> Particle {
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

    pub(crate) fn collect_names(&self, out: &mut Vec<&'static str>) {
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
    pub(crate) fn max_occurrences(&self, name: &str) -> u8 {
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

pub(crate) const fn el(name: &'static str) -> Particle {
    Particle::Element(name, Occurrence::Once)
}

pub(crate) const fn seq(items: &'static [Particle]) -> Particle {
    Particle::Seq(items, Occurrence::Once)
}

pub(crate) const fn choice(items: &'static [Particle]) -> Particle {
    Particle::Choice(items, Occurrence::Once)
}

pub(crate) const fn text(name: &'static str) -> ElementDecl {
    ElementDecl {
        name,
        content: ContentModel::Text,
        attributes: &[],
    }
}

pub(crate) const fn text_with(
    name: &'static str,
    attributes: &'static [AttributeDecl],
) -> ElementDecl {
    ElementDecl {
        name,
        content: ContentModel::Text,
        attributes,
    }
}

pub(crate) const fn children(name: &'static str, model: Particle) -> ElementDecl {
    ElementDecl {
        name,
        content: ContentModel::Children(model),
        attributes: &[],
    }
}

pub(crate) const fn children_with(
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

pub(crate) const fn enumerated(
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

pub(crate) const fn cdata(name: &'static str) -> AttributeDecl {
    AttributeDecl {
        name,
        values: None,
        default: None,
    }
}

pub(crate) const BOOL01: &[&str] = &["0", "1"];

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
pub(crate) static DECLS: LazyLock<HashMap<&'static str, (&'static ElementDecl, Option<Nfa>)>> =
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
