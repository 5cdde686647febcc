//! The `facts:` a service declares: what a case of that service may and must
//! carry beyond what the engine keeps for every service.
//!
//! ```yaml
//! facts:        # from the test fixture tests/fixtures/angling/service.yaml
//!   - id: water
//!     type: option
//!     label: { kk: "Су айдыны", ru: "Водоём" }
//!     cite: { act: fixture-act-1, point: "2" }
//!     options:
//!       - { id: river, label: { kk: "Өзен", ru: "Река" } }
//!       - { id: lake, label: { kk: "Көл", ru: "Озеро" } }
//!   - id: companions
//!     type: list
//!     optional: true
//!     label: { kk: "Серіктері", ru: "Спутники" }
//!     fields:
//!       - { id: name, type: text, label: { kk: "Аты-жөні", ru: "ФИО" } }
//!       - { id: birth_date, type: date, label: { kk: "Туған күні", ru: "Дата рождения" } }
//! ```
//!
//! Every fact is required unless marked `optional: true` (the law's "при его
//! наличии"); an optional list that is absent reads as an empty list.

use crate::base::diag::Diagnostic;
use crate::base::text::{Citation, Text};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

/// The facts of one service, in the order the service file lists them.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Schema {
    pub facts: Vec<Fact>,
}

/// One fact a case may carry.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// The key in the case file and the name in expressions: lowercase
    /// letters, digits and `_`, starting with a letter.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    #[schemars(with = "Kind")]
    pub kind: Spanned<Kind>,
    pub label: Text,
    /// The case may leave the fact out ("при его наличии").
    #[serde(default)]
    pub optional: bool,
    /// Where the law names the fact.
    #[serde(default)]
    pub cite: Option<Citation>,
    /// For `type: option`: the values the fact may take.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// For `type: option`: the case lists any number of the options
    /// (`scripts: [latin, cyrillic]`), not one.
    #[serde(default)]
    pub multiple: bool,
    /// For `type: list` and `type: record`: the fields of one record.
    #[serde(default)]
    pub fields: Vec<Fact>,
}

/// One value of an `option` fact: the id a case writes, the label a form
/// prints.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub label: Text,
    #[serde(default)]
    pub cite: Option<Citation>,
}

/// The types a fact may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// One string for both languages (a name, a number as printed).
    Text,
    /// `{ kk, ru }`, or one string when both languages write it the same.
    Bilingual,
    /// `YYYY-MM-DD`.
    Date,
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Integer,
    /// One of the ids under `options` (with `multiple: true`, a list of them).
    Option,
    /// A list of records with the `fields` declared.
    List,
    /// One record with the `fields` declared.
    Record,
    /// A Kazakhstan IIN: 12 digits with a correct check digit.
    Iin,
    /// A passport's machine-readable zone: two lines of 44 characters.
    Mrz,
    /// An ISO 3166-1 alpha-3 country code, as in passports (`KAZ`).
    Country,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Bilingual => "bilingual",
            Kind::Date => "date",
            Kind::Bool => "bool",
            Kind::Integer => "integer",
            Kind::Option => "option",
            Kind::List => "list",
            Kind::Record => "record",
            Kind::Iin => "iin",
            Kind::Mrz => "mrz",
            Kind::Country => "country",
        }
    }

    /// What a case writer must write, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            Kind::Text => "a text",
            Kind::Bilingual => "a text, or `{ kk: …, ru: … }`",
            Kind::Date => "a date written YYYY-MM-DD",
            Kind::Bool => "true or false",
            Kind::Integer => "a whole number",
            Kind::Option => "one of the options",
            Kind::List => "a list of records",
            Kind::Record => "a mapping of fields",
            Kind::Iin => "an IIN of 12 digits",
            Kind::Mrz => "the two MRZ lines of a passport",
            Kind::Country => "a country code of three capital letters (ISO 3166-1 alpha-3)",
        }
    }

    fn has_fields(self) -> bool {
        matches!(self, Kind::List | Kind::Record)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Words an id may not be: CEL's keywords and reserved words, and the names
/// the engine gives expressions (`params`).
pub const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
    "params",
    "case",
];

/// Whether `id` can be written as a case key and read in an expression.
pub fn is_identifier(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&id)
}

fn at<T>(file: &Path, s: &Spanned<T>, message: String) -> Diagnostic {
    Diagnostic::error(
        file,
        s.referenced.line() as u32,
        s.referenced.column() as u32,
        message,
    )
}

/// The facts the engine keeps for every service (`src/schema/engine.yaml`):
/// id, service, request, channel, date, applicant, representative,
/// documents presented, findings, result.
pub fn engine() -> &'static Schema {
    static ENGINE: OnceLock<Schema> = OnceLock::new();
    ENGINE.get_or_init(|| {
        serde_saphyr::from_str(include_str!("engine.yaml"))
            .expect("src/schema/engine.yaml is compiled in and tested")
    })
}

impl Schema {
    /// The engine's facts followed by these: what a case of the service
    /// holds.
    pub fn with_engine(&self) -> Schema {
        Schema {
            facts: engine().facts.iter().chain(&self.facts).cloned().collect(),
        }
    }

    /// A service fact that takes an id the engine keeps.
    pub fn engine_clashes(&self, file: &Path) -> Vec<Diagnostic> {
        self.facts
            .iter()
            .filter(|f| engine().get(&f.id.value).is_some())
            .map(|f| {
                at(
                    file,
                    &f.id,
                    format!(
                        "`{}` is a fact the engine keeps for every service; choose another id",
                        f.id.value
                    ),
                )
            })
            .collect()
    }

    /// The fact with this id at the top level.
    pub fn get(&self, id: &str) -> Option<&Fact> {
        self.facts.iter().find(|f| f.id.value == id)
    }

    /// The fact at a dotted path (`companions.birth_date`; a list's
    /// fields are reached through the list, without an index).
    pub fn find(&self, path: &str) -> Option<&Fact> {
        let mut parts = path.split('.');
        let mut fact = self.get(parts.next()?)?;
        for p in parts {
            fact = fact.field(p)?;
        }
        Some(fact)
    }

    /// Every problem with the declarations themselves: ids that are not
    /// names, ids written twice, options or fields on a type without them,
    /// an option or record type without any.
    pub fn check(&self, file: &Path) -> Vec<Diagnostic> {
        let mut out = vec![];
        check_level(file, &self.facts, "", &mut out);
        out
    }

    /// Every path a form or an expression may name, with its fact, in
    /// declaration order (`children`, `children.name`, …).
    pub fn paths(&self) -> Vec<(String, &Fact)> {
        let mut out = vec![];
        fn walk<'a>(prefix: &str, facts: &'a [Fact], out: &mut Vec<(String, &'a Fact)>) {
            for f in facts {
                let p = join(prefix, &f.id.value);
                out.push((p.clone(), f));
                walk(&p, &f.fields, out);
            }
        }
        walk("", &self.facts, &mut out);
        out
    }
}

impl Fact {
    /// A field of a list's or a record's items.
    pub fn field(&self, id: &str) -> Option<&Fact> {
        self.fields.iter().find(|f| f.id.value == id)
    }

    pub fn kind(&self) -> Kind {
        self.kind.value
    }

    /// What a case writer must write for this fact, for messages.
    pub fn expected(&self) -> &'static str {
        if self.multiple {
            "a list of options, e.g. [a, b], or []"
        } else {
            self.kind().expected()
        }
    }

    /// The ids of an option fact.
    pub fn option_ids(&self) -> Vec<&str> {
        self.options.iter().map(|o| o.id.value.as_str()).collect()
    }
}

pub(crate) fn join(prefix: &str, id: &str) -> String {
    if prefix.is_empty() {
        id.to_string()
    } else {
        format!("{prefix}.{id}")
    }
}

fn check_level(file: &Path, facts: &[Fact], prefix: &str, out: &mut Vec<Diagnostic>) {
    for (i, f) in facts.iter().enumerate() {
        let id = &f.id.value;
        let path = join(prefix, id);
        if !is_identifier(id) {
            out.push(at(
                file,
                &f.id,
                format!(
                    "`{id}` cannot be a fact id: write lowercase Latin letters, digits and `_`, starting with a letter (expressions read facts by these names), and none of: {}",
                    RESERVED.join(", ")
                ),
            ));
        }
        if let Some(first) = facts[..i].iter().find(|g| g.id.value == *id) {
            out.push(at(
                file,
                &f.id,
                format!(
                    "fact `{path}` is declared twice (first on line {})",
                    first.id.referenced.line()
                ),
            ));
        }
        let kind = f.kind();
        match (kind, f.options.is_empty()) {
            (Kind::Option, true) => out.push(at(
                file,
                &f.kind,
                format!("option fact `{path}` lists no `options`"),
            )),
            (Kind::Option, false) => {}
            (_, false) => out.push(at(
                file,
                &f.options[0].id,
                format!("`options` belong to `type: option` facts; `{path}` is `{kind}`"),
            )),
            (_, true) => {}
        }
        if f.multiple && kind != Kind::Option {
            out.push(at(
                file,
                &f.kind,
                format!("`multiple` belongs to `type: option` facts; `{path}` is `{kind}`"),
            ));
        }
        for (j, o) in f.options.iter().enumerate() {
            if o.id.value.is_empty() || o.id.value.chars().any(char::is_whitespace) {
                out.push(at(
                    file,
                    &o.id,
                    format!("option id `{}` must be one word", o.id.value),
                ));
            }
            if f.options[..j].iter().any(|p| p.id.value == o.id.value) {
                out.push(at(
                    file,
                    &o.id,
                    format!("option `{}` of `{path}` is listed twice", o.id.value),
                ));
            }
        }
        match (kind.has_fields(), f.fields.is_empty()) {
            (true, true) => out.push(at(
                file,
                &f.kind,
                format!("`{path}` is a {kind} but declares no `fields`"),
            )),
            (false, false) => out.push(at(
                file,
                &f.fields[0].id,
                format!("`fields` belong to `list` and `record` facts; `{path}` is `{kind}`"),
            )),
            _ => {}
        }
        check_level(file, &f.fields, &path, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(yaml: &str) -> Schema {
        #[derive(Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        struct F {
            facts: Schema,
        }
        serde_saphyr::from_str::<F>(yaml).unwrap().facts
    }

    const L: &str = "{ kk: \"a\", ru: \"b\" }";

    #[test]
    fn a_schema_reads_and_finds_paths() {
        let s = schema(&format!(
            "facts:\n  - {{ id: kids, type: list, label: {L}, fields: [ {{ id: born, type: date, label: {L} }} ] }}\n  - {{ id: why, type: option, optional: true, label: {L}, options: [ {{ id: sport, label: {L} }} ] }}\n"
        ));
        assert!(s.check(Path::new("s.yaml")).is_empty());
        assert_eq!(s.find("kids.born").unwrap().kind(), Kind::Date);
        assert!(s.find("kids.nope").is_none());
        assert_eq!(s.get("why").unwrap().option_ids(), ["sport"]);
        let paths: Vec<String> = s.paths().into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["kids", "kids.born", "why"]);
    }

    #[test]
    fn bad_declarations_are_all_reported_at_their_lines() {
        let s = schema(&format!(
            "facts:\n  - {{ id: Bad-Id, type: text, label: {L} }}\n  - {{ id: a, type: option, label: {L} }}\n  - {{ id: a, type: text, label: {L}, options: [ {{ id: x, label: {L} }} ] }}\n  - {{ id: r, type: record, label: {L} }}\n  - {{ id: in, type: bool, label: {L} }}\n"
        ));
        let d = s.check(Path::new("s.yaml"));
        let got: Vec<(u32, &str)> = d.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(d.len(), 6, "{got:#?}");
        assert!(got[0].1.contains("cannot be a fact id"), "{got:#?}");
        assert!(
            got.iter()
                .any(|(l, m)| *l == 3 && m.contains("lists no `options`"))
        );
        assert!(
            got.iter()
                .any(|(l, m)| *l == 4 && m.contains("declared twice"))
        );
        assert!(
            got.iter()
                .any(|(l, m)| *l == 4 && m.contains("belong to `type: option`"))
        );
        assert!(
            got.iter()
                .any(|(l, m)| *l == 5 && m.contains("no `fields`"))
        );
        assert!(
            got.iter()
                .any(|(l, m)| *l == 6 && m.contains("cannot be a fact id"))
        );
    }

    #[test]
    fn the_engine_facts_are_well_declared() {
        let e = engine();
        assert!(e.check(Path::new("src/schema/engine.yaml")).is_empty());
        assert_eq!(
            e.find("applicant.surname.latin").unwrap().kind(),
            Kind::Text
        );
        assert!(e.find("documents.scripts").unwrap().multiple);
        let s = schema(&format!(
            "facts:\n  - {{ id: date, type: date, label: {L} }}\n  - {{ id: trip, type: date, label: {L} }}\n"
        ));
        let clash = s.engine_clashes(Path::new("s.yaml"));
        assert_eq!(clash.len(), 1);
        assert_eq!(clash[0].line, 2);
        assert_eq!(s.with_engine().facts.len(), e.facts.len() + 2);
    }

    #[test]
    fn an_unknown_type_is_a_located_parse_error() {
        let e = crate::base::yaml::parse::<Schema>(
            Path::new("s.yaml"),
            &format!("- {{ id: a, type: txt, label: {L} }}\n"),
        )
        .unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("txt"), "{}", e.message);
    }
}
