//! Named, cited conditions and the parameters they read.
//!
//! ```yaml
//! parameters:   # from the test fixture tests/fixtures/angling/service.yaml
//!   - id: child_age_limit
//!     value: 10
//!     cite: { act: fixture-act-1, point: "5" }
//! conditions:
//!   - id: young-child-aboard
//!     if: companions.exists(c, c.relation == "child" && age(c.birth_date) < params.child_age_limit)
//!     cite: { act: fixture-act-1, point: "5" }
//! ```
//!
//! A document's `when:` or a ground names a condition by id. A limit the law
//! sets (an age, a number of MRP) is a parameter, not a number inside an
//! expression, so an amending act changes it by replacing the parameter, and
//! the change applies from that act's entry into force like any other part.

use super::expr::{self, Env, Expression, Param, Read, Scope};
use super::facts::is_identifier;
use crate::base::diag::Diagnostic;
use crate::base::text::Citation;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// What `when:` and grounds name, e.g. `young-child-aboard`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// A CEL expression over the case facts and `params`; see [`expr`].
    #[serde(rename = "if")]
    #[schemars(with = "String")]
    pub expr: Spanned<String>,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Read in expressions as `params.ID`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// A whole number, a date (YYYY-MM-DD), `true`/`false`, or a text.
    #[schemars(with = "Param")]
    pub value: Spanned<Param>,
    pub cite: Citation,
}

/// Written by hand, as [`Param`]'s `Deserialize` is: a parameter's `value:`
/// is a whole number, `true`/`false`, or a string (a date when it reads
/// YYYY-MM-DD).
impl schemars::JsonSchema for Param {
    fn schema_name() -> String {
        "Param".into()
    }
    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{InstanceType, Metadata, SchemaObject};
        SchemaObject {
            instance_type: Some(
                vec![
                    InstanceType::Integer,
                    InstanceType::Boolean,
                    InstanceType::String,
                ]
                .into(),
            ),
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "A whole number, a date (YYYY-MM-DD), true/false, or a text.".into(),
                ),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Param, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Param;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number, a date, true/false or a text")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Param, E> {
                Ok(Param::Integer(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Param, E> {
                i64::try_from(v)
                    .map(Param::Integer)
                    .map_err(|_| E::custom("the number is too large"))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Param, E> {
                Ok(Param::Bool(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Param, E> {
                Ok(chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .ok()
                    .filter(|_| v.len() == 10)
                    .map(Param::Date)
                    .unwrap_or_else(|| Param::Text(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// The parameters as expressions see them.
pub fn params(parameters: &[Parameter]) -> Vec<(String, Param)> {
    parameters
        .iter()
        .map(|p| (p.id.value.clone(), p.value.value.clone()))
        .collect()
}

/// Problems with the parameters themselves: ids that cannot be read in an
/// expression, ids written twice.
pub fn check_parameters(file: &Path, parameters: &[Parameter]) -> Vec<Diagnostic> {
    let mut out = vec![];
    for (i, p) in parameters.iter().enumerate() {
        let id = &p.id.value;
        let (line, col) = (
            p.id.referenced.line() as u32,
            p.id.referenced.column() as u32,
        );
        if !is_identifier(id) {
            out.push(Diagnostic::error(
                file,
                line,
                col,
                format!("`{id}` cannot be a parameter id: write lowercase Latin letters, digits and `_`, starting with a letter (expressions read it as `params.{id}`)"),
            ));
        }
        if parameters[..i].iter().any(|q| q.id.value == *id) {
            out.push(Diagnostic::error(
                file,
                line,
                col,
                format!("parameter `{id}` is declared twice"),
            ));
        }
    }
    out
}

/// Conditions compiled per consolidated state of a service (the key names
/// the service and the changes applied), so deciding a batch of cases parses
/// and checks each expression once, not once per case.
#[derive(Debug, Default)]
pub struct CompiledCache(
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Vec<Compiled>>>>,
);

impl CompiledCache {
    /// The conditions compiled for `key`, compiling them with `make` the
    /// first time. Errors are not kept: they are reported every time.
    pub fn get_or_compile(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<Vec<Compiled>, Vec<Diagnostic>>,
    ) -> Result<std::sync::Arc<Vec<Compiled>>, Vec<Diagnostic>> {
        let map = || {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(c) = map().get(key) {
            return Ok(c.clone());
        }
        let compiled = std::sync::Arc::new(make()?);
        map().insert(key.to_string(), compiled.clone());
        Ok(compiled)
    }
}

/// A condition whose expression has been parsed and checked.
#[derive(Debug)]
pub struct Compiled {
    pub id: String,
    pub cite: Citation,
    pub expr: Expression,
    /// The file the condition is written in, and its line.
    pub file: PathBuf,
    pub line: u32,
}

/// The result of a condition on a case, with what it read (for `explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub holds: bool,
    pub reads: Vec<Read>,
}

impl Compiled {
    /// Evaluates the condition on a case checked against the same schema.
    pub fn eval(&self, scope: Scope<'_>) -> Result<Verdict, String> {
        expr::eval(&self.expr, scope)
            .map(|(holds, reads)| Verdict { holds, reads })
            .map_err(|e| format!("condition `{}` ({}): {e}", self.id, self.expr.source()))
    }
}

/// Parses and checks every condition written in `file` (whose text is
/// `text`, to place errors inside the expression). Returns the conditions
/// that passed and a diagnostic per problem, each at the file position of
/// the offending part of the expression.
pub fn compile(
    file: &Path,
    text: &str,
    conditions: &[Condition],
    env: Env<'_>,
) -> (Vec<Compiled>, Vec<Diagnostic>) {
    let mut ok = vec![];
    let mut out = vec![];
    for (i, c) in conditions.iter().enumerate() {
        let id = &c.id.value;
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            out.push(at(
                file,
                &c.id,
                format!("condition id `{id}` must be one word"),
            ));
        }
        if let Some(first) = conditions[..i].iter().find(|d| d.id.value == *id) {
            out.push(at(
                file,
                &c.id,
                format!(
                    "condition `{id}` is declared twice (first on line {})",
                    first.id.referenced.line()
                ),
            ));
        }
        let errors = match expr::parse(&c.expr.value) {
            Ok(e) => match expr::check(&e, env) {
                Ok(()) => {
                    ok.push(Compiled {
                        id: id.clone(),
                        cite: c.cite.clone(),
                        expr: e,
                        file: file.to_path_buf(),
                        line: c.expr.referenced.line() as u32,
                    });
                    continue;
                }
                Err(es) => es,
            },
            Err(e) => vec![e],
        };
        for e in errors {
            let (line, column) = locate(text, &c.expr, e.offset);
            out.push(Diagnostic::error(
                file,
                line,
                column,
                format!(
                    "condition `{id}`: {} (at character {} of `{}`)",
                    e.message,
                    e.offset + 1,
                    c.expr.value
                ),
            ));
        }
    }
    (ok, out)
}

fn at<T>(file: &Path, s: &Spanned<T>, message: String) -> Diagnostic {
    Diagnostic::error(
        file,
        s.referenced.line() as u32,
        s.referenced.column() as u32,
        message,
    )
}

/// The file line and column of character `offset` of an expression written
/// as the YAML scalar `s` in `text`: exact for a quoted scalar on one line
/// (escapes counted as written), and for a plain scalar or a literal block
/// (`|`) whose lines are the file's lines; otherwise the scalar's start.
pub fn locate(text: &str, s: &Spanned<String>, offset: usize) -> (u32, u32) {
    let (line, col) = (s.referenced.line() as u32, s.referenced.column() as u32);
    let from_col = |n: u32| -> Option<String> {
        let l = text.lines().nth(n.checked_sub(1)? as usize)?;
        Some(l.chars().skip(col.saturating_sub(1) as usize).collect())
    };
    let Some(raw) = from_col(line) else {
        return (line, col);
    };
    let raw: Vec<char> = raw.chars().collect();
    match raw.first() {
        Some(&quote @ ('"' | '\'')) if !s.value.contains('\n') => {
            // Walk the raw text, counting each escape as the one character
            // it stands for.
            let (mut i, mut decoded) = (1usize, 0usize);
            while decoded < offset && i < raw.len() {
                i += match (quote, raw[i], raw.get(i + 1)) {
                    ('"', '\\', Some(_)) => 2,
                    ('\'', '\'', Some('\'')) => 2,
                    _ => 1,
                };
                decoded += 1;
            }
            (line, col + i as u32)
        }
        _ => {
            let before: String = s.value.chars().take(offset).collect();
            let row = before.matches('\n').count();
            let in_row = before.rsplit('\n').next().map_or(0, |r| r.chars().count());
            let row_text = s.value.split('\n').nth(row).unwrap_or("");
            let row_line = line + row as u32;
            if from_col(row_line).is_some_and(|l| l.starts_with(row_text)) {
                (row_line, col + in_row as u32)
            } else {
                (line, col)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::facts::Schema;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Parts {
        parameters: Vec<Parameter>,
        conditions: Vec<Condition>,
    }

    const L: &str = "{ kk: \"a\", ru: \"b\" }";

    fn schema() -> Schema {
        serde_saphyr::from_str(&format!(
            "- {{ id: born, type: date, label: {L} }}\n- {{ id: goal, type: option, label: {L}, options: [ {{ id: sport, label: {L} }} ] }}\n"
        ))
        .unwrap()
    }

    const CITE: &str = "{ act: a }";

    fn compile_text(text: &str) -> (Vec<Compiled>, Vec<Diagnostic>) {
        let parts: Parts = serde_saphyr::from_str(text).unwrap();
        let file = Path::new("s.yaml");
        let mut diags = check_parameters(file, &parts.parameters);
        let p = params(&parts.parameters);
        let s = schema();
        let (ok, errs) = compile(
            file,
            text,
            &parts.conditions,
            Env {
                schema: &s,
                params: &p,
            },
        );
        diags.extend(errs);
        (ok, diags)
    }

    #[test]
    fn parameters_take_numbers_dates_flags_and_texts() {
        let text = format!(
            "parameters:\n  - {{ id: limit, value: 16, cite: {CITE} }}\n  - {{ id: since, value: 2026-07-12, cite: {CITE} }}\n  - {{ id: on, value: true, cite: {CITE} }}\n  - {{ id: word, value: \"sport\", cite: {CITE} }}\nconditions: []\n"
        );
        let parts: Parts = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(
            params(&parts.parameters),
            [
                ("limit".to_string(), Param::Integer(16)),
                (
                    "since".to_string(),
                    Param::Date(chrono::NaiveDate::from_ymd_opt(2026, 7, 12).unwrap())
                ),
                ("on".to_string(), Param::Bool(true)),
                ("word".to_string(), Param::Text("sport".into())),
            ]
        );
    }

    #[test]
    fn bad_parameter_and_condition_ids_are_reported() {
        let text = format!(
            "parameters:\n  - {{ id: child-age, value: 16, cite: {CITE} }}\n  - {{ id: x, value: 1, cite: {CITE} }}\n  - {{ id: x, value: 2, cite: {CITE} }}\nconditions:\n  - {{ id: a, if: \"true\", cite: {CITE} }}\n  - {{ id: a, if: \"false\", cite: {CITE} }}\n"
        );
        let (ok, d) = compile_text(&text);
        let got: Vec<(u32, &str)> = d.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(ok.len(), 2);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[0].1.contains("`child-age` cannot be a parameter id"));
        assert_eq!(got[1], (4, "parameter `x` is declared twice"));
        assert_eq!(
            got[2],
            (7, "condition `a` is declared twice (first on line 6)")
        );
    }

    #[test]
    fn errors_point_inside_plain_quoted_and_block_expressions() {
        let text = format!(
            "parameters: []\nconditions:\n  - id: plain\n    if: born > 1\n    cite: {CITE}\n  - id: quoted\n    if: \"goal == \\\"trade\\\"\"\n    cite: {CITE}\n  - id: single\n    if: 'goal == ''trade'''\n    cite: {CITE}\n  - id: block\n    if: |\n      born < date(\"2000-01-01\") &&\n        size(kidz) > 0\n    cite: {CITE}\n"
        );
        let (_, d) = compile_text(&text);
        let got: Vec<(u32, u32)> = d.iter().map(|d| (d.line, d.column)).collect();
        // `>` of line 4; the literal `"trade"` on line 7, written `\"trade\"`
        // inside the YAML quotes, and `'trade'` on line 10, written
        // `''trade''`; `kidz` on line 15.
        assert_eq!(got, [(4, 14), (7, 18), (10, 18), (15, 14)], "{d:#?}");
        let line7 = text.lines().nth(6).unwrap();
        assert_eq!(&line7[17..], "\\\"trade\\\"\"");
        assert!(
            d[3].message.contains("unknown fact `kidz`"),
            "{}",
            d[3].message
        );
    }
}
