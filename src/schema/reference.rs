//! What a service's schema tells people and editors: a reference of the case
//! facts for case writers (`qujat schema SERVICE`), and a JSON Schema of the
//! case file, so an editor with the YAML language server completes keys and
//! flags mistakes while legal staff type.

use super::conditions::{Condition, Parameter};
use super::facts::{Fact, Kind, Schema};
use crate::base::text::Lang;
use serde_json::{Value as J, json};

impl Schema {
    /// The facts as a Markdown table: path, type, whether required, the
    /// labels, the options and the citation.
    pub fn reference(&self) -> String {
        let mut out = String::from(
            "| path | type | required | label (kk / ru) | options | cite |\n|---|---|---|---|---|---|\n",
        );
        for (path, f) in self.paths() {
            let kind = match (f.kind(), f.multiple) {
                (Kind::Option, true) => "list of options".to_string(),
                (Kind::List, _) => "list of records".to_string(),
                (k, _) => k.name().to_string(),
            };
            let options: Vec<String> = f
                .options
                .iter()
                .map(|o| {
                    format!(
                        "`{}` ({} / {})",
                        o.id.value,
                        o.label.get(Lang::Kk),
                        o.label.get(Lang::Ru)
                    )
                })
                .collect();
            out.push_str(&format!(
                "| `{path}` | {kind} | {} | {} / {} | {} | {} |\n",
                if f.optional { "no" } else { "yes" },
                cell(f.label.get(Lang::Kk)),
                cell(f.label.get(Lang::Ru)),
                cell(&options.join(", ")),
                f.cite.as_ref().map(ToString::to_string).unwrap_or_default()
            ));
        }
        out
    }

    /// A JSON Schema of a case file holding these facts. Draft 7, the one
    /// every YAML language server reads.
    pub fn json_schema(&self, title: &str) -> J {
        let mut root = object(&self.facts);
        root["$schema"] = json!("http://json-schema.org/draft-07/schema#");
        root["title"] = json!(title);
        root
    }
}

/// What `qujat schema SERVICE` prints: the case facts (the engine's and the
/// service's), the keys only the case reader knows yet, then the
/// parameters and conditions, each with its citation.
pub fn service_reference(
    heading: &str,
    facts: &Schema,
    read_elsewhere: &[&str],
    parameters: &[Parameter],
    conditions: &[Condition],
) -> String {
    let mut out = format!("# {heading}\n\n## Case facts\n\n{}", facts.reference());
    if !read_elsewhere.is_empty() {
        let keys: Vec<String> = read_elsewhere.iter().map(|k| format!("`{k}`")).collect();
        out.push_str(&format!(
            "\nAlso read, not yet declared as facts: {}.\n",
            keys.join(", ")
        ));
    }
    out.push_str("\n## Parameters\n\n| id | value | cite |\n|---|---|---|\n");
    for p in parameters {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            p.id.value,
            cell(&p.value.value.to_string()),
            p.cite
        ));
    }
    out.push_str("\n## Conditions\n\n| id | if | cite |\n|---|---|---|\n");
    for c in conditions {
        out.push_str(&format!(
            "| `{}` | `{}` | {} |\n",
            c.id.value,
            cell(&c.expr.value),
            c.cite
        ));
    }
    out
}

/// A table cell: a `|` (CEL's `||`) would end the cell; a line break the row.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn object(facts: &[Fact]) -> J {
    let properties: serde_json::Map<String, J> = facts
        .iter()
        .map(|f| (f.id.value.clone(), property(f)))
        .collect();
    let required: Vec<&str> = facts
        .iter()
        .filter(|f| !f.optional)
        .map(|f| f.id.value.as_str())
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn property(f: &Fact) -> J {
    let text = || json!({ "type": "string", "minLength": 1 });
    let mut p = match f.kind() {
        Kind::Text | Kind::Mrz => text(),
        Kind::Bilingual => json!({
            "anyOf": [
                text(),
                {
                    "type": "object",
                    "properties": { "kk": text(), "ru": text() },
                    "required": ["kk", "ru"],
                    "additionalProperties": false,
                },
            ]
        }),
        Kind::Date => json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::Integer => json!({ "type": "integer" }),
        Kind::Option => {
            let one = json!({ "enum": f.option_ids() });
            if f.multiple {
                json!({ "type": "array", "items": one, "uniqueItems": true })
            } else {
                one
            }
        }
        Kind::List => json!({ "type": "array", "items": object(&f.fields) }),
        Kind::Record => object(&f.fields),
        Kind::Iin => json!({ "type": "string", "pattern": "^[0-9]{12}$" }),
        Kind::Country => json!({ "type": "string", "pattern": "^[A-Z]{3}$" }),
    };
    p["description"] = json!(format!(
        "{} / {}",
        f.label.get(Lang::Kk),
        f.label.get(Lang::Ru)
    ));
    p
}

#[cfg(test)]
mod tests {
    use crate::schema::engine;

    #[test]
    fn the_reference_lists_every_path_with_its_labels() {
        let r = engine().reference();
        assert!(
            r.contains("| `applicant.birth_date` | date | yes | Туған күні / Дата рождения |"),
            "{r}"
        );
        assert!(
            r.contains("| `documents.scripts` | list of options | no |"),
            "{r}"
        );
        assert!(r.contains("`male` (ер / мужской)"), "{r}");
        assert_eq!(r.lines().count(), 2 + engine().paths().len());
    }

    #[test]
    fn the_json_schema_describes_a_case_file() {
        let j = engine().json_schema("case");
        assert_eq!(j["additionalProperties"], false);
        assert!(
            j["required"]
                .as_array()
                .unwrap()
                .contains(&"applicant".into())
        );
        let sex = &j["properties"]["applicant"]["properties"]["sex"];
        assert_eq!(sex["enum"], serde_json::json!(["male", "female"]));
        let scripts = &j["properties"]["documents"]["items"]["properties"]["scripts"];
        assert_eq!(scripts["type"], "array");
        assert_eq!(
            j["properties"]["date"]["pattern"],
            "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        );
    }
}
