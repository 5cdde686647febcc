//! A case's facts, checked against its service's [`Schema`]: typed values,
//! each with the line and column of the case file it is written on.
//!
//! Every mistake is reported in one run — a missing required fact, an unknown
//! key, a value of the wrong type, an option that is not one of the list, an
//! IIN whose check digit is wrong, an impossible date — each at the case's
//! own position, so the case writer fixes them all at once and never meets
//! them later as a render error in a form.

use super::facts::{Fact, Kind, Schema, join};
use super::tree::{self, Key, Node, NodeKind, Pos};
use crate::algo::iin::Iin;
use crate::base::diag::Diagnostic;
use crate::base::text::Lang;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The facts of one case, as its file gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub file: PathBuf,
    pub root: Record,
}

/// A mapping of facts; absent optional facts are not in `fields`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub at: Pos,
    pub fields: BTreeMap<String, Item>,
}

/// A value and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub at: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Bilingual {
        kk: String,
        ru: String,
    },
    Date(NaiveDate),
    Bool(bool),
    Integer(i64),
    /// The id of the option chosen.
    Option(String),
    /// The ids chosen, for an option fact with `multiple: true`.
    Options(Vec<String>),
    List(Vec<Record>),
    Record(Record),
    Iin(Iin),
    /// The two lines, as written; they parse as a passport MRZ.
    Mrz(String),
    Country(String),
}

impl Value {
    /// The value as a reader sees it, in one language (a bilingual text's
    /// side, an option's id, a date as YYYY-MM-DD).
    pub fn show(&self, lang: Lang) -> String {
        match self {
            Value::Text(s) | Value::Option(s) | Value::Mrz(s) | Value::Country(s) => s.clone(),
            Value::Bilingual { kk, ru } => match lang {
                Lang::Kk => kk.clone(),
                Lang::Ru => ru.clone(),
            },
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Options(ids) => ids.join(", "),
            Value::Bool(b) => b.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Iin(i) => i.to_string(),
            Value::List(items) => match items.len() {
                1 => "1 item".into(),
                n => format!("{n} items"),
            },
            Value::Record(_) => "(record)".into(),
        }
    }

    /// The value as JSON data for a template: texts and ids as strings,
    /// bilingual texts as `{kk, ru}`, dates as YYYY-MM-DD.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Bilingual { kk, ru } => serde_json::json!({ "kk": kk, "ru": ru }),
            Value::Bool(b) => J::Bool(*b),
            Value::Integer(i) => J::from(*i),
            Value::List(items) => J::Array(items.iter().map(Record::to_json).collect()),
            Value::Options(ids) => J::Array(ids.iter().map(|i| J::from(i.as_str())).collect()),
            Value::Record(r) => r.to_json(),
            v => J::String(v.show(Lang::Ru)),
        }
    }
}

impl Record {
    pub fn get(&self, id: &str) -> Option<&Item> {
        self.fields.get(id)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.fields
                .iter()
                .map(|(k, v)| (k.clone(), v.value.to_json()))
                .collect(),
        )
    }
}

impl Facts {
    /// The value at a path such as `companions[0].birth_date`.
    pub fn get(&self, path: &str) -> Option<&Item> {
        let mut record = &self.root;
        let mut item: Option<&Item> = None;
        for part in path.split('.') {
            let (name, index) = match part.split_once('[') {
                Some((n, rest)) => (n, Some(rest.strip_suffix(']')?.parse::<usize>().ok()?)),
                None => (part, None),
            };
            if let Some(prev) = item {
                record = match &prev.value {
                    Value::Record(r) => r,
                    _ => return None,
                };
            }
            let found = record.get(name)?;
            item = Some(found);
            if let Some(i) = index {
                let Value::List(items) = &found.value else {
                    return None;
                };
                let r = items.get(i)?;
                record = r;
                item = None;
            }
        }
        item
    }
}

/// Reads a case file's text and checks it against `schema` (normally a
/// service's facts [`with_engine`](Schema::with_engine)). Top-level keys in
/// `read_elsewhere` are skipped: keys `case::Case` still reads itself while a
/// service's facts are not yet declared. Returns the facts, or every mistake
/// found.
pub fn read_case(
    file: &Path,
    text: &str,
    schema: &Schema,
    read_elsewhere: &[&str],
) -> Result<Facts, Vec<Diagnostic>> {
    let root = tree::parse(text)
        .map_err(|e| vec![Diagnostic::error(file, e.at.line, e.at.column, e.message)])?;
    check_case(file, &root, schema, read_elsewhere)
}

/// Checks a case already read as a [`Node`] tree; see [`read_case`].
pub fn check_case(
    file: &Path,
    root: &Node,
    schema: &Schema,
    read_elsewhere: &[&str],
) -> Result<Facts, Vec<Diagnostic>> {
    let mut c = Checker {
        file,
        errors: vec![],
    };
    let record = match &root.kind {
        NodeKind::Map(entries) => c.record(root.at, entries, &schema.facts, "", read_elsewhere),
        _ => {
            c.error(
                root.at,
                "",
                format!("a case file is a mapping of keys, not {}", root.describe()),
            );
            Record::default()
        }
    };
    c.errors.sort_by_key(|d| (d.line, d.column));
    if c.errors.is_empty() {
        Ok(Facts {
            file: file.to_path_buf(),
            root: record,
        })
    } else {
        Err(c.errors)
    }
}

struct Checker<'a> {
    file: &'a Path,
    errors: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, at: Pos, path: &str, message: String) {
        self.errors
            .push(Diagnostic::error(self.file, at.line, at.column, message).at(path));
    }

    fn record(
        &mut self,
        at: Pos,
        entries: &[(Key, Node)],
        facts: &[Fact],
        prefix: &str,
        read_elsewhere: &[&str],
    ) -> Record {
        let mut fields = BTreeMap::new();
        for (key, node) in entries {
            let path = join(prefix, &key.name);
            if read_elsewhere.contains(&key.name.as_str()) {
                continue;
            }
            let Some(fact) = facts.iter().find(|f| f.id.value == key.name) else {
                let mut known: Vec<&str> = facts.iter().map(|f| f.id.value.as_str()).collect();
                known.extend(read_elsewhere);
                known.sort_unstable();
                self.error(
                    key.at,
                    &path,
                    format!(
                        "unknown fact `{path}` (known here: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                );
                continue;
            };
            if node.is_null() {
                if !fact.optional {
                    self.error(
                        node.at,
                        &path,
                        format!(
                            "`{path}` is required and has no value: write {}",
                            fact.expected()
                        ),
                    );
                }
                continue;
            }
            if let Some(value) = self.value(node, fact, &path) {
                fields.insert(key.name.clone(), Item { at: node.at, value });
            }
        }
        for f in facts.iter().filter(|f| !f.optional) {
            if !entries.iter().any(|(k, _)| k.name == f.id.value) {
                let path = join(prefix, &f.id.value);
                self.error(
                    at,
                    prefix,
                    format!(
                        "required fact `{path}` ({}) is missing: write {}",
                        f.label.get(Lang::Ru),
                        f.expected()
                    ),
                );
            }
        }
        Record { at, fields }
    }

    fn value(&mut self, node: &Node, fact: &Fact, path: &str) -> Option<Value> {
        let kind = fact.kind();
        let wrong = |this: &mut Self| {
            this.error(
                node.at,
                path,
                format!(
                    "`{path}` must be {}, not {}",
                    kind.expected(),
                    node.describe()
                ),
            );
            None
        };
        match (&node.kind, kind) {
            (NodeKind::Map(entries), Kind::Record) => Some(Value::Record(self.record(
                node.at,
                entries,
                &fact.fields,
                path,
                &[],
            ))),
            (NodeKind::Seq(items), Kind::List) => {
                let mut records = vec![];
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    match &item.kind {
                        NodeKind::Map(entries) => {
                            records.push(self.record(item.at, entries, &fact.fields, &p, &[]))
                        }
                        _ => self.error(
                            item.at,
                            &p,
                            format!(
                                "each item of `{path}` is a mapping of fields ({}), not {}",
                                fact.fields
                                    .iter()
                                    .map(|f| f.id.value.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                item.describe()
                            ),
                        ),
                    }
                }
                Some(Value::List(records))
            }
            (NodeKind::Seq(items), Kind::Option) if fact.multiple => {
                let ids = fact.option_ids();
                let mut chosen: Vec<String> = vec![];
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    match &item.kind {
                        NodeKind::Scalar { text, .. } if chosen.contains(text) => {
                            self.error(item.at, &p, format!("`{text}` is listed twice in `{path}`"))
                        }
                        NodeKind::Scalar { text, .. } if ids.contains(&text.as_str()) => {
                            chosen.push(text.clone())
                        }
                        _ => self.error(
                            item.at,
                            &p,
                            format!(
                                "{} is not an option of `{path}` (options: {})",
                                item.describe(),
                                ids.join(", ")
                            ),
                        ),
                    }
                }
                Some(Value::Options(chosen))
            }
            (_, Kind::Option) if fact.multiple => {
                self.error(
                    node.at,
                    path,
                    format!(
                        "`{path}` is a list of options, e.g. [{}], not {}",
                        fact.option_ids().join(", "),
                        node.describe()
                    ),
                );
                None
            }
            (NodeKind::Map(entries), Kind::Bilingual) => self.bilingual(node, entries, path),
            (NodeKind::Scalar { text, plain }, _) => self.scalar(node, text, *plain, fact, path),
            _ => wrong(self),
        }
    }

    fn bilingual(&mut self, node: &Node, entries: &[(Key, Node)], path: &str) -> Option<Value> {
        let side = |lang: Lang, this: &mut Self| -> Option<String> {
            match entries.iter().find(|(k, _)| k.name == lang.code()) {
                Some((
                    _,
                    Node {
                        kind: NodeKind::Scalar { text, .. },
                        ..
                    },
                )) if !text.is_empty() => Some(text.clone()),
                Some((k, v)) => {
                    this.error(
                        v.at,
                        &join(path, &k.name),
                        format!(
                            "the {} text of `{path}` must be a text, not {}",
                            lang.name(),
                            v.describe()
                        ),
                    );
                    None
                }
                None => {
                    this.error(
                        node.at,
                        path,
                        format!(
                            "the {} text (`{}`) of `{path}` is missing",
                            lang.name(),
                            lang.code()
                        ),
                    );
                    None
                }
            }
        };
        let kk = side(Lang::Kk, self);
        let ru = side(Lang::Ru, self);
        for (k, _) in entries
            .iter()
            .filter(|(k, _)| k.name != "kk" && k.name != "ru")
        {
            self.error(
                k.at,
                &join(path, &k.name),
                format!(
                    "unknown key `{}` in the bilingual text `{path}` (expected kk and ru)",
                    k.name
                ),
            );
        }
        Some(Value::Bilingual { kk: kk?, ru: ru? })
    }

    fn scalar(
        &mut self,
        node: &Node,
        text: &str,
        plain: bool,
        fact: &Fact,
        path: &str,
    ) -> Option<Value> {
        let kind = fact.kind();
        if text.trim().is_empty() && matches!(kind, Kind::Text | Kind::Bilingual) {
            self.error(
                node.at,
                path,
                format!("`{path}` is empty: write the text, or leave an optional fact out"),
            );
            return None;
        }
        let result: Result<Value, String> = match kind {
            Kind::Text => Ok(Value::Text(text.to_string())),
            Kind::Bilingual => Ok(Value::Bilingual {
                kk: text.to_string(),
                ru: text.to_string(),
            }),
            Kind::Date => parse_date(text).map(Value::Date),
            Kind::Bool => match (text, plain) {
                ("true", true) => Ok(Value::Bool(true)),
                ("false", true) => Ok(Value::Bool(false)),
                ("true" | "false", false) => Err(format!(
                    "`{path}` is written in quotes: write {text} without them"
                )),
                _ => Err(format!("`{path}` must be true or false, not `{text}`")),
            },
            Kind::Integer => match text.parse::<i64>() {
                Ok(i) if plain => Ok(Value::Integer(i)),
                _ => Err(format!(
                    "`{path}` must be a whole number, not {}",
                    node.describe()
                )),
            },
            Kind::Option => {
                let ids = fact.option_ids();
                if ids.contains(&text) {
                    Ok(Value::Option(text.to_string()))
                } else {
                    Err(format!(
                        "`{text}` is not an option of `{path}` (options: {})",
                        ids.join(", ")
                    ))
                }
            }
            Kind::Iin => text
                .parse::<Iin>()
                .map(Value::Iin)
                .map_err(|e| format!("`{path}` {} is not a valid IIN: {e}", text.trim())),
            Kind::Mrz => crate::algo::mrz::parse(text)
                .map(|_| Value::Mrz(text.to_string()))
                .map_err(|e| format!("`{path}` is not a passport MRZ: {e}")),
            Kind::Country => {
                if text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase()) {
                    Ok(Value::Country(text.to_string()))
                } else {
                    Err(format!(
                        "`{path}` must be a country code of three capital Latin letters (ISO 3166-1 alpha-3, e.g. KAZ), not `{text}`"
                    ))
                }
            }
            Kind::List | Kind::Record => Err(format!(
                "`{path}` must be {}, not {}",
                kind.expected(),
                node.describe()
            )),
        };
        result.map_err(|m| self.error(node.at, path, m)).ok()
    }
}

/// A date written exactly YYYY-MM-DD.
fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!(
            "`{text}` is not a date: write dates as YYYY-MM-DD, e.g. 2026-07-12"
        ));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date that exists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: &str = "{ kk: \"a\", ru: \"b\" }";

    fn schema() -> Schema {
        let yaml = format!(
            "- {{ id: name, type: text, label: {L} }}
- {{ id: place, type: bilingual, label: {L} }}
- {{ id: born, type: date, label: {L} }}
- {{ id: wed, type: bool, optional: true, label: {L} }}
- {{ id: years, type: integer, optional: true, label: {L} }}
- {{ id: goal, type: option, label: {L}, options: [ {{ id: sport, label: {L} }}, {{ id: rest, label: {L} }} ] }}
- {{ id: iin, type: iin, optional: true, label: {L} }}
- {{ id: state, type: country, optional: true, label: {L} }}
- {{ id: scripts, type: option, multiple: true, optional: true, label: {L}, options: [ {{ id: latin, label: {L} }}, {{ id: cyrillic, label: {L} }} ] }}
- {{ id: kids, type: list, optional: true, label: {L}, fields: [ {{ id: born, type: date, label: {L} }}, {{ id: iin, type: iin, optional: true, label: {L} }} ] }}
- {{ id: passport, type: record, optional: true, label: {L}, fields: [ {{ id: number, type: text, label: {L} }} ] }}
"
        );
        serde_saphyr::from_str(&yaml).unwrap()
    }

    fn read(text: &str) -> Result<Facts, Vec<Diagnostic>> {
        read_case(Path::new("case.yaml"), text, &schema(), &["id"])
    }

    #[test]
    fn a_good_case_gives_typed_values_with_their_positions() {
        let f = read(
            "id: x\nname: \"000001\"\nplace: { kk: \"Алматы қ.\", ru: \"г. Алматы\" }\nborn: 1988-04-17\nwed: true\nyears: 12\ngoal: sport\niin: \"900101300017\"\nstate: KAZ\nkids:\n  - born: 2014-03-05\npassport: { number: N1 }\n",
        )
        .unwrap();
        assert_eq!(f.get("name").unwrap().value, Value::Text("000001".into()));
        assert_eq!(
            f.get("born").unwrap().value,
            Value::Date(NaiveDate::from_ymd_opt(1988, 4, 17).unwrap())
        );
        assert_eq!(f.get("born").unwrap().at, Pos { line: 4, column: 7 });
        assert_eq!(f.get("years").unwrap().value, Value::Integer(12));
        assert_eq!(f.get("goal").unwrap().value, Value::Option("sport".into()));
        let kid = f.get("kids[0].born").unwrap();
        assert_eq!(
            kid.at,
            Pos {
                line: 11,
                column: 11
            }
        );
        assert_eq!(
            f.get("passport.number").unwrap().value,
            Value::Text("N1".into())
        );
        assert!(f.get("kids[1].born").is_none());
        assert_eq!(f.get("place").unwrap().value.show(Lang::Kk), "Алматы қ.");
        let f2 =
            read("name: n\nplace: p\nborn: 2000-01-01\ngoal: sport\nscripts: [cyrillic, latin]\n")
                .unwrap();
        assert_eq!(
            f2.get("scripts").unwrap().value,
            Value::Options(vec!["cyrillic".into(), "latin".into()])
        );
        let e = read(
            "name: n\nplace: p\nborn: 2000-01-01\ngoal: sport\nscripts: [latin, arabic, latin]\n",
        )
        .unwrap_err();
        let msgs: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "`arabic` is not an option of `scripts` (options: latin, cyrillic)",
                "`latin` is listed twice in `scripts`"
            ]
        );
        assert_eq!(
            f.root.to_json()["kids"][0]["born"],
            serde_json::json!("2014-03-05")
        );
    }

    #[test]
    fn every_mistake_is_reported_in_one_run_at_its_own_place() {
        let e = read(
            "id: x\nplace: { kk: \"a\" }\nborn: 1988-02-30\nwed: \"true\"\nyears: ten\ngoal: trade\niin: \"900101300011\"\nstate: kz\nkids:\n  - born: 2014-3-5\n    nickname: D\nfavourite: blue\n",
        )
        .unwrap_err();
        let got: Vec<(u32, u32, &str)> = e
            .iter()
            .map(|d| (d.line, d.column, d.message.as_str()))
            .collect();
        let has = |line: u32, col: u32, text: &str| {
            assert!(
                got.iter()
                    .any(|(l, c, m)| *l == line && *c == col && m.contains(text)),
                "no error at {line}:{col} with `{text}` in {got:#?}"
            )
        };
        has(1, 1, "required fact `name`");
        has(2, 8, "Russian text (`ru`) of `place` is missing");
        has(3, 7, "not a date that exists");
        has(4, 6, "written in quotes");
        has(5, 8, "whole number");
        has(
            6,
            7,
            "`trade` is not an option of `goal` (options: sport, rest)",
        );
        has(7, 6, "check digit");
        has(8, 8, "three capital Latin letters");
        has(10, 11, "write dates as YYYY-MM-DD");
        has(
            11,
            5,
            "unknown fact `kids[0].nickname` (known here: born, iin)",
        );
        has(12, 1, "unknown fact `favourite`");
        assert_eq!(got.len(), 11, "{got:#?}");
        assert_eq!(e[5].path, "goal");
        assert_eq!(e[8].path, "kids[0].born");
    }

    #[test]
    fn shapes_and_nulls() {
        let e =
            read("name: \" \"\nplace: p\nborn: ~\ngoal: [sport]\nkids: 3\niin: ~\n").unwrap_err();
        let mut msgs: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:#?}");
        assert!(msgs.remove(0).contains("`name` is empty"));
        assert!(msgs[0].contains("`born` is required and has no value"));
        assert!(msgs[1].contains("`goal` must be one of the options, not a list"));
        assert!(msgs[2].contains("`kids` must be a list of records, not `3`"));
        // An optional fact written empty is absent.
        let f = read("name: n\nplace: p\nborn: 2000-01-01\ngoal: rest\niin:\n").unwrap();
        assert!(f.get("iin").is_none());
    }

    #[test]
    fn a_case_that_is_not_yaml_is_one_located_error() {
        let e = read("name: [unclosed\n").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.starts_with("YAML syntax error"));
    }
}
