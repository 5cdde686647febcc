//! Named, cited conditions and the parameters they read.
//!
//! ```yaml
//! parameters:
//!   - id: child_age_limit
//!     value: 16
//!     cite: { act: mvd-348-2026, appendix: "2", item: "10", sub: "2" }
//! conditions:
//!   - id: children-under-16
//!     if: exit.children.exists(c, age(c.birth_date) < params.child_age_limit)
//!     cite: { act: mvd-348-2026, appendix: "2", item: "10", sub: "2" }
//! ```
//!
//! A document's `when:` or a ground names a condition by id. A limit the law
//! sets (an age, a number of MRP) is a parameter, not a number inside an
//! expression, so an amending act changes it by replacing the parameter, and
//! the change applies from that act's entry into force like any other part.

use super::expr::{self, Env, Expression, Param, Read, Scope};
use super::facts::is_identifier;
use crate::diag::Diagnostic;
use crate::text::Citation;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// What `when:` and grounds name, e.g. `children-under-16`.
    pub id: Spanned<String>,
    /// A CEL expression over the case facts and `params`; see [`expr`].
    #[serde(rename = "if")]
    pub expr: Spanned<String>,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Read in expressions as `params.ID`.
    pub id: Spanned<String>,
    /// A whole number, a date (YYYY-MM-DD), `true`/`false`, or a text.
    pub value: Spanned<Param>,
    pub cite: Citation,
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
/// as the YAML scalar `s` in `text`: exact for a scalar on one line (plain,
/// or quoted with escapes) and for a literal block (`|`); otherwise the
/// scalar's start.
pub fn locate(text: &str, s: &Spanned<String>, offset: usize) -> (u32, u32) {
    let (line, col) = (s.referenced.line() as u32, s.referenced.column() as u32);
    let Some(src) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return (line, col);
    };
    let raw: Vec<char> = src.chars().skip(col.saturating_sub(1) as usize).collect();
    let one_line = !s.value.contains('\n');
    match raw.first() {
        Some('"' | '\'') if one_line => {
            let quote = raw[0];
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
        Some('|') => {
            let before = &s.value.chars().take(offset).collect::<String>();
            let row = before.matches('\n').count();
            let in_row = before.rsplit('\n').next().map_or(0, |r| r.chars().count());
            let Some(content) = text.lines().nth(line as usize + row) else {
                return (line, col);
            };
            let indent = content.chars().take_while(|c| *c == ' ').count();
            (line + 1 + row as u32, (indent + in_row + 1) as u32)
        }
        Some(_) if one_line => (line, col + offset as u32),
        _ => (line, col),
    }
}
