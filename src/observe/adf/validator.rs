//! The streaming validator: quick-xml events with an explicit element stack (no input, however deep, can exhaust the call stack), and the extraction of the lead the checks need.

use super::*;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// One open element.
pub(crate) struct Frame {
    pub(crate) name: String,
    /// This element's path segment: `name`, or `name[i]` when it may repeat or does.
    pub(crate) segment: String,
    pub(crate) decl: Option<&'static ElementDecl>,
    pub(crate) nfa: Option<&'static Nfa>,
    /// NFA states; `None` once the content model has failed (reported once per element).
    pub(crate) states: Option<Vec<usize>>,
    /// Child element names seen so far (for messages), and per-name counts (for paths).
    pub(crate) last_child: Option<String>,
    pub(crate) n_children: usize,
    pub(crate) child_counts: HashMap<String, usize>,
    /// Index of this element among its same-name siblings.
    pub(crate) index: usize,
    pub(crate) text_reported: bool,
    pub(crate) child_reported: bool,
    /// Character data of a `(#PCDATA)` element.
    pub(crate) text: String,
}

impl Frame {
    pub(crate) fn model_rule(&self) -> String {
        match self.decl {
            Some(d) => format!("content model {}", d.content),
            None => "content model".to_owned(),
        }
    }
}

/// Collects the [`AdfLead`] of the first prospect while the document streams by.
#[derive(Default)]
pub(crate) struct LeadBuilder {
    pub(crate) seen_prospect: bool,
    pub(crate) prospect_ids: Vec<String>,
    pub(crate) other_ids: Vec<String>,
    pub(crate) lead: AdfLead,
}

impl LeadBuilder {
    /// Whether `stack` (root first) is inside the first prospect of an `adf` root; returns the
    /// names below the prospect.
    pub(crate) fn relative(stack: &[Frame]) -> Option<Vec<&str>> {
        let root = stack.first()?;
        let prospect = stack.get(1)?;
        if root.name != "adf" || prospect.name != "prospect" || prospect.index != 0 {
            return None;
        }
        Some(stack[2..].iter().map(|f| f.name.as_str()).collect())
    }

    pub(crate) fn on_start(&mut self, stack: &[Frame], attrs: &[(String, String)]) {
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

    pub(crate) fn on_end(&mut self, stack: &[Frame], text: &str) {
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

    pub(crate) fn finish(mut self) -> Option<AdfLead> {
        if !self.seen_prospect {
            return None;
        }
        self.lead.ids = self.prospect_ids;
        self.lead.ids.extend(self.other_ids);
        Some(self.lead)
    }
}

/// XML 1.0 whitespace (`S`): space, tab, CR, LF.
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// XML 1.0 `Char`.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A loose XML `Name` check (ASCII rules exact, non-ASCII accepted).
pub(crate) fn is_xml_name(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let start = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':' || !c.is_ascii();
    start(first) && chars.all(|c| start(c) || c.is_ascii_digit() || c == '-' || c == '.')
}

/// `line L, column C` of a byte offset.
pub(crate) fn position(xml: &str, offset: usize) -> String {
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

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A not-well-formedness, with its byte offset.
pub(crate) struct NotWellFormed {
    pub(crate) offset: usize,
    pub(crate) reason: String,
}

pub(crate) fn nwf(offset: u64, reason: impl Into<String>) -> NotWellFormed {
    NotWellFormed {
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
        reason: reason.into(),
    }
}

/// The streaming validator's state.
pub(crate) struct Validator {
    pub(crate) stack: Vec<Frame>,
    pub(crate) violations: Vec<AdfViolation>,
    /// Violations beyond [`MAX_VIOLATIONS`], counted but not listed.
    pub(crate) suppressed: usize,
    pub(crate) root_seen: bool,
    pub(crate) root_closed: bool,
    pub(crate) lead: LeadBuilder,
}

/// At most this many violations are listed per document (the rest are counted).
pub const MAX_VIOLATIONS: usize = 200;

impl Validator {
    /// Records a violation at the element `stack[depth - 1]` (plus `suffix`, e.g. `/@attr`).
    pub(crate) fn violation(&mut self, depth: usize, suffix: &str, rule: impl Into<String>) {
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

    pub(crate) fn start(&mut self, e: &BytesStart<'_>, offset: u64) -> Result<(), NotWellFormed> {
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

    pub(crate) fn end(&mut self) {
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
    pub(crate) fn text(
        &mut self,
        s: &str,
        whitespace_like: bool,
        offset: u64,
    ) -> Result<(), NotWellFormed> {
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

    pub(crate) fn general_ref(
        &mut self,
        r: &BytesRef<'_>,
        offset: u64,
    ) -> Result<(), NotWellFormed> {
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

    pub(crate) fn run(&mut self, xml: &str) -> Result<(), NotWellFormed> {
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
