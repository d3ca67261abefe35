//! Differential test of [`dealer_tck::observe::adf::validate`] against libxml2:
//! `xmllint --noout --dtdvalid fixtures/adf/adf-deterministic.dtd -` (exit 0 = valid, 3 = invalid).
//!
//! Documents are generated from the content models and attribute lists of the DTD file itself
//! (parsed here, independently of the validator's table), then damaged by zero to three random
//! mutations. Every document is well-formed; any
//! disagreement between the two verdicts is a bug. The root is always `<adf>`: xmllint's
//! `--dtdvalid` never checks the root's name, while the Rust validator does (by design).

use std::cell::Cell;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use dealer_tck::observe::adf::validate;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

const DTD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/adf/adf-deterministic.dtd"
);

/// Number of generated documents checked against xmllint.
const CASES: u32 = 1000;

// ---------------------------------------------------------------------------------------------
// xmllint
// ---------------------------------------------------------------------------------------------

fn xmllint_available() -> bool {
    Command::new("xmllint")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// xmllint's verdict: `Ok(true)` valid, `Ok(false)` invalid, `Err` anything else.
fn xmllint_verdict(xml: &str) -> Result<(bool, String), String> {
    let mut child = Command::new("xmllint")
        .args(["--noout", "--dtdvalid", DTD, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn xmllint: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(xml.as_bytes())
        .map_err(|e| format!("write to xmllint: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("wait for xmllint: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0) => Ok((true, stderr)),
        Some(3) => Ok((false, stderr)),
        other => Err(format!("xmllint exit {other:?}: {stderr}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Item {
    Elem(Node),
    /// Serialised verbatim (already escaped: text, references, CDATA, comments, PIs).
    Raw(String),
}

#[derive(Debug, Clone)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    items: Vec<Item>,
}

impl Node {
    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            out.push_str(&format!(
                " {k}=\"{}\"",
                v.replace('&', "&amp;").replace('"', "&quot;")
            ));
        }
        if self.items.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for item in &self.items {
            match item {
                Item::Elem(n) => n.write(out),
                Item::Raw(s) => out.push_str(s),
            }
        }
        out.push_str(&format!("</{}>", self.name));
    }

    fn element_children(&self) -> Vec<usize> {
        (0..self.items.len())
            .filter(|&i| matches!(self.items[i], Item::Elem(_)))
            .collect()
    }

    /// Number of element nodes in this subtree (pre-order size).
    fn count(&self) -> usize {
        1 + self
            .items
            .iter()
            .map(|i| match i {
                Item::Elem(n) => n.count(),
                Item::Raw(_) => 0,
            })
            .sum::<usize>()
    }

    /// The `k`-th node in pre-order.
    fn nth_mut(&mut self, k: usize) -> Option<&mut Node> {
        if k == 0 {
            return Some(self);
        }
        let mut k = k - 1;
        for item in &mut self.items {
            if let Item::Elem(n) = item {
                let c = n.count();
                if k < c {
                    return n.nth_mut(k);
                }
                k -= c;
            }
        }
        None
    }
}

/// A tape of random choices; past its end every choice is 0 (the simplest option), so
/// proptest's shrinking of the tape shrinks the document.
struct Tape<'a> {
    data: &'a [u32],
    pos: usize,
}

impl Tape<'_> {
    fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let v = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v as usize % n
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.pick(one_in) == 0 && self.pos <= self.data.len()
    }

    fn choose<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.pick(items.len())]
    }
}

const TEXTS: &[&str] = &[
    "",
    "2021",
    "Jane Doe",
    "a &amp; b",
    "caf&#233; &#x1F697;",
    "&lt;tag&gt; &quot;q&quot; &apos;",
    "<![CDATA[x < y & z]]>",
    "  padded  ",
    "line\nbreak",
    "é ünïcode ✓",
    "<!-- note -->x<?pi data?>",
    "<![CDATA[]]>",
];

const CDATA_VALUES: &[&str] = &["640", "USD", "front view", "", "a&b", "q\"q", "tab\there"];

const SPACES: &[&str] = &["", "", "\n  ", " ", "\t", "\r\n", "<!-- c -->", "<?pi x?>"];

// ---------------------------------------------------------------------------------------------
// The DTD file, parsed independently of the validator
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Occ {
    One,
    Opt,
    Star,
    Plus,
}

#[derive(Debug)]
enum Cm {
    Pcdata,
    Name(String, Occ),
    Seq(Vec<Cm>, Occ),
    Alt(Vec<Cm>, Occ),
}

#[derive(Debug)]
struct Att {
    name: String,
    /// Enumerated values; `None` for CDATA.
    values: Option<Vec<String>>,
}

#[derive(Debug)]
struct Decl {
    name: String,
    model: Cm,
    attrs: Vec<Att>,
}

struct Dtd {
    decls: Vec<Decl>,
}

impl Dtd {
    fn get(&self, name: &str) -> Option<&Decl> {
        self.decls.iter().find(|d| d.name == name)
    }
}

/// Parses a content model such as `(id*, (a | b)+, c?)` or `(#PCDATA)`.
fn parse_model(text: &str) -> Cm {
    let tokens: Vec<String> = {
        let mut out = Vec::new();
        let mut cur = String::new();
        for c in text.chars() {
            if c.is_alphanumeric() || matches!(c, '#' | '-' | '_' | '.' | ':') {
                cur.push(c);
                continue;
            }
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    };
    let mut pos = 0;
    let cm = parse_particle(&tokens, &mut pos);
    assert_eq!(pos, tokens.len(), "trailing tokens in {text}");
    match cm {
        Cm::Seq(items, _) if matches!(items.as_slice(), [Cm::Name(n, _)] if n == "#PCDATA") => {
            Cm::Pcdata
        }
        cm => cm,
    }
}

fn parse_occ(tokens: &[String], pos: &mut usize) -> Occ {
    let occ = match tokens.get(*pos).map(String::as_str) {
        Some("?") => Occ::Opt,
        Some("*") => Occ::Star,
        Some("+") => Occ::Plus,
        _ => return Occ::One,
    };
    *pos += 1;
    occ
}

fn parse_particle(tokens: &[String], pos: &mut usize) -> Cm {
    let tok = tokens[*pos].clone();
    *pos += 1;
    if tok != "(" {
        return Cm::Name(tok, parse_occ(tokens, pos));
    }
    let mut items = vec![parse_particle(tokens, pos)];
    let mut sep = None;
    loop {
        let t = tokens[*pos].clone();
        *pos += 1;
        if t == ")" {
            break;
        }
        assert!(sep.is_none_or(|s: String| s == t), "mixed separators");
        sep = Some(t);
        items.push(parse_particle(tokens, pos));
    }
    let occ = parse_occ(tokens, pos);
    if sep.as_deref() == Some("|") {
        Cm::Alt(items, occ)
    } else {
        Cm::Seq(items, occ)
    }
}

static DTD_FILE: LazyLock<Dtd> = LazyLock::new(|| {
    let text = std::fs::read_to_string(DTD).expect("read the shared DTD");
    let text = regex::Regex::new(r"(?s)<!--.*?-->")
        .expect("re")
        .replace_all(&text, "");
    let decl_re = regex::Regex::new(r"<!(ELEMENT|ATTLIST)\s+(\S+)\s+([^>]*)>").expect("re");
    let att_re =
        regex::Regex::new(r#"([\w:-]+)\s+(CDATA|\(([^)]*)\))\s+(#IMPLIED|#REQUIRED|"[^"]*")"#)
            .expect("re");
    let mut decls: Vec<Decl> = Vec::new();
    let mut attlists: Vec<(String, Att)> = Vec::new();
    for cap in decl_re.captures_iter(&text) {
        if &cap[1] == "ELEMENT" {
            decls.push(Decl {
                name: cap[2].to_owned(),
                model: parse_model(&cap[3]),
                attrs: Vec::new(),
            });
        } else {
            for att in att_re.captures_iter(&cap[3]) {
                let values = att
                    .get(3)
                    .map(|v| v.as_str().split('|').map(|x| x.trim().to_owned()).collect());
                attlists.push((
                    cap[2].to_owned(),
                    Att {
                        name: att[1].to_owned(),
                        values,
                    },
                ));
            }
        }
    }
    for (element, att) in attlists {
        let decl = decls
            .iter_mut()
            .find(|d| d.name == element)
            .expect("ATTLIST of a declared element");
        decl.attrs.push(att);
    }
    assert!(decls.len() > 50, "parsed {} elements", decls.len());
    Dtd { decls }
});

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

fn occurrences(occ: Occ, tape: &mut Tape<'_>) -> usize {
    match occ {
        Occ::One => 1,
        Occ::Opt => tape.pick(2),
        Occ::Star => tape.pick(3),
        Occ::Plus => 1 + tape.pick(2),
    }
}

/// Child names that satisfy `cm`.
fn gen_names<'d>(cm: &'d Cm, tape: &mut Tape<'_>, out: &mut Vec<&'d str>) {
    match cm {
        Cm::Pcdata => {}
        Cm::Name(name, occ) => {
            for _ in 0..occurrences(*occ, tape) {
                out.push(name);
            }
        }
        Cm::Seq(items, occ) => {
            for _ in 0..occurrences(*occ, tape) {
                for item in items {
                    gen_names(item, tape, out);
                }
            }
        }
        Cm::Alt(items, occ) => {
            for _ in 0..occurrences(*occ, tape) {
                gen_names(&items[tape.pick(items.len())], tape, out);
            }
        }
    }
}

fn gen_attr_value(att: &Att, tape: &mut Tape<'_>) -> String {
    match &att.values {
        Some(values) => values[tape.pick(values.len())].clone(),
        None => tape.choose(CDATA_VALUES).to_owned(),
    }
}

/// A valid element `name` (or an empty one if the DTD does not declare it).
fn gen_valid(name: &str, tape: &mut Tape<'_>) -> Node {
    let mut node = Node {
        name: name.to_owned(),
        attrs: Vec::new(),
        items: Vec::new(),
    };
    let Some(decl) = DTD_FILE.get(name) else {
        return node;
    };
    for a in &decl.attrs {
        if tape.chance(3) {
            node.attrs.push((a.name.clone(), gen_attr_value(a, tape)));
        }
    }
    if let Cm::Pcdata = decl.model {
        let t = tape.choose(TEXTS);
        if !t.is_empty() {
            node.items.push(Item::Raw(t.to_owned()));
        }
        return node;
    }
    let mut names = Vec::new();
    gen_names(&decl.model, tape, &mut names);
    for child in names {
        let ws = tape.choose(SPACES);
        if !ws.is_empty() {
            node.items.push(Item::Raw(ws.to_owned()));
        }
        node.items.push(Item::Elem(gen_valid(child, tape)));
    }
    let ws = tape.choose(SPACES);
    if !ws.is_empty() {
        node.items.push(Item::Raw(ws.to_owned()));
    }
    node
}

fn random_declared_name(tape: &mut Tape<'_>) -> String {
    DTD_FILE.decls[tape.pick(DTD_FILE.decls.len())].name.clone()
}

/// Applies one random mutation somewhere in the tree (never renames the root).
fn mutate(root: &mut Node, tape: &mut Tape<'_>) {
    let k = tape.pick(root.count());
    let kind = tape.pick(12);
    // Generate a replacement subtree before borrowing the target node.
    let extra_name = random_declared_name(tape);
    let extra = gen_valid(&extra_name, tape);
    let Some(node) = root.nth_mut(k) else {
        return;
    };
    let elems = node.element_children();
    let pos = tape.pick(node.items.len() + 1);
    match kind {
        0 if !elems.is_empty() => {
            node.items.remove(elems[tape.pick(elems.len())]);
        }
        1 if !elems.is_empty() => {
            let i = elems[tape.pick(elems.len())];
            let copy = node.items[i].clone();
            node.items.insert(i, copy);
        }
        2 if elems.len() >= 2 => {
            let j = tape.pick(elems.len() - 1);
            node.items.swap(elems[j], elems[j + 1]);
        }
        3 => node.items.insert(pos, Item::Elem(extra)),
        4 => node.items.insert(
            pos,
            Item::Elem(Node {
                name: tape.choose(&["sunroof", "Vehicle", "x-note"]).to_owned(),
                attrs: Vec::new(),
                items: Vec::new(),
            }),
        ),
        5 => {
            let t = tape.choose(&[
                "soon",
                "&amp;",
                "&#32;",
                "&#10;&#9;",
                "<![CDATA[ ]]>",
                "&#160;",
            ]);
            node.items.insert(pos, Item::Raw(t.to_owned()));
        }
        6 => {
            let attrs = DTD_FILE.get(&node.name).map_or(&[][..], |d| &d.attrs[..]);
            if attrs.is_empty() || tape.chance(4) {
                node.attrs
                    .push((tape.choose(&["kind", "lang", "id"]).to_owned(), "x".into()));
            } else {
                let a = &attrs[tape.pick(attrs.len())];
                let good = gen_attr_value(a, tape);
                let value = match tape.pick(4) {
                    0 => "bogus".to_owned(),
                    1 => format!(" {good}"),
                    2 => good.to_uppercase(),
                    _ => good,
                };
                node.attrs.retain(|(k, _)| *k != a.name);
                node.attrs.push((a.name.clone(), value));
            }
        }
        7 if k != 0 => node.name = random_declared_name(tape),
        8 => node.attrs.clear(),
        9 => {
            node.items.clear();
            node.items.push(Item::Raw(tape.choose(TEXTS).to_owned()));
        }
        10 => node
            .items
            .insert(pos, Item::Raw(tape.choose(SPACES).to_owned())),
        _ => {
            // Replace the children by a fresh valid content of another element's model.
            let donor_name = random_declared_name(tape);
            let donor = gen_valid(&donor_name, tape);
            node.items = donor.items;
        }
    }
}

/// A document from two tapes: one shapes the valid document, the other its mutations (kept
/// apart so that mutations stay random however much of the first tape the document used).
fn gen_document((doc, muts): &(Vec<u32>, Vec<u32>)) -> String {
    let mut tape = Tape { data: doc, pos: 0 };
    let mut root = gen_valid("adf", &mut tape);
    let mut mtape = Tape { data: muts, pos: 0 };
    let mutations = [0, 1, 1, 2, 2, 3][mtape.pick(6)];
    for _ in 0..mutations {
        mutate(&mut root, &mut mtape);
    }
    let mut out = String::new();
    if mtape.chance(2) {
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>\n");
    }
    root.write(&mut out);
    out.push('\n');
    out
}

fn describe(xml: &str) -> String {
    let report = validate(xml);
    format!(
        "not_well_formed: {:?}\nviolations: {:#?}",
        report.not_well_formed, report.violations
    )
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn generated_documents_agree_with_xmllint() {
    if !xmllint_available() {
        crate::support::xmllint_missing();
        return;
    }
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        max_shrink_iters: 500,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[0xAD; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let valid = Cell::new(0usize);
    let invalid = Cell::new(0usize);
    let result = runner.run(
        &(
            prop::collection::vec(any::<u32>(), 0..3000),
            prop::collection::vec(any::<u32>(), 0..400),
        ),
        |tape| {
            let xml = gen_document(&tape);
            let (lint_valid, lint_err) = xmllint_verdict(&xml).map_err(TestCaseError::fail)?;
            let report = validate(&xml);
            prop_assert!(
                report.not_well_formed.is_none(),
                "generated document judged not well-formed: {:?}\n{xml}",
                report.not_well_formed
            );
            prop_assert_eq!(
                report.is_valid(),
                lint_valid,
                "disagreement\n--- document ---\n{}\n--- xmllint ---\n{}\n--- rust ---\n{}",
                xml,
                lint_err,
                describe(&xml)
            );
            if lint_valid {
                valid.set(valid.get() + 1);
            } else {
                invalid.set(invalid.get() + 1);
            }
            Ok(())
        },
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, _)) => panic!("{why}"),
        Err(e) => panic!("{e}"),
    }
    let (valid, invalid) = (valid.get(), invalid.get());
    eprintln!("{valid} valid and {invalid} invalid documents agreed with xmllint");
    assert!(valid + invalid >= CASES as usize);
    // The generator must exercise both verdicts, or the comparison proves little.
    assert!(valid >= CASES as usize / 5, "only {valid} valid documents");
    assert!(
        invalid >= CASES as usize / 5,
        "only {invalid} invalid documents"
    );
}

/// The hand-written mutations of the unit tests, checked against xmllint too.
#[test]
fn named_mutations_agree_with_xmllint() {
    if !xmllint_available() {
        crate::support::xmllint_missing();
        return;
    }
    let base = "<adf><prospect><requestdate>2026-03-14</requestdate>\
        <vehicle interest=\"buy\"><year>2021</year><make>Subaru</make><model>Outback</model>\
        <odometer units=\"mi\">10</odometer>\
        <colorcombination><interiorcolor>Gray</interiorcolor><preference>1</preference></colorcombination>\
        </vehicle>\
        <customer><contact><name>Jane</name><email>j@example.com</email><phone>555</phone></contact>\
        <timeframe><description>Sat</description></timeframe></customer>\
        <vendor><contact><name>Desk</name><phone>1</phone></contact></vendor></prospect></adf>";
    let cases: &[(&str, &str, &str)] = &[
        ("valid", "", ""),
        (
            "phone before email",
            "<email>j@example.com</email><phone>555</phone>",
            "<phone>555</phone><email>j@example.com</email>",
        ),
        (
            "missing requestdate",
            "<requestdate>2026-03-14</requestdate>",
            "",
        ),
        ("vehicle without make", "<make>Subaru</make>", ""),
        (
            "unknown element",
            "<year>2021</year>",
            "<year>2021</year><sunroof/>",
        ),
        ("bad interest", "interest=\"buy\"", "interest=\"purchase\""),
        ("bad odometer units", "units=\"mi\"", "units=\"miles\""),
        ("text in element-only", "<timeframe>", "<timeframe>soon"),
        (
            "two customers",
            "<vendor>",
            "<customer><contact><name>X</name><phone>1</phone></contact></customer><vendor>",
        ),
        (
            "preference first",
            "<interiorcolor>Gray</interiorcolor><preference>1</preference>",
            "<preference>1</preference><interiorcolor>Gray</interiorcolor>",
        ),
        ("undeclared attribute", "<year>", "<year kind=\"x\">"),
        (
            "element in #PCDATA",
            "<make>Subaru</make>",
            "<make>Sub<year>1</year></make>",
        ),
    ];
    for (label, from, to) in cases {
        let xml = if from.is_empty() {
            base.to_owned()
        } else {
            assert!(base.contains(from), "{label}: anchor missing");
            base.replacen(from, to, 1)
        };
        let (lint_valid, lint_err) = xmllint_verdict(&xml).expect("xmllint");
        let rust_valid = validate(&xml).is_valid();
        assert_eq!(
            rust_valid,
            lint_valid,
            "{label}: {lint_err}\n{}",
            describe(&xml)
        );
        assert_eq!(rust_valid, *label == "valid", "{label}");
    }
}
