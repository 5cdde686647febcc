//! JSON Schemas of the project's YAML files, so an editor with the YAML
//! language server completes keys and flags mistakes while legal staff type
//! (`qujat schema --write-json schemas`; `.vscode/settings.json` maps them).
//!
//! Rule and form files: generated from the types they are read into
//! (`schemars`), so a schema cannot drift from what `check` reads. Case
//! files: from each service's declared facts ([`Schema::json_schema`]),
//! in every state its amendments put it in. `check` stays the authority:
//! a schema knows the shape of a file, not the references between files.

use crate::model::{ActsFile, AmendmentFile, ConventionsFile, Form, InstitutionsFile, MrpFile};
use crate::resolve::{self, ResolveError};
use crate::schema::{Schema, reference};
use crate::validate::Rules;
use crate::validate::consolidate::{self, Consolidation};
use chrono::NaiveDate;
use schemars::JsonSchema;
use serde_json::{Value as J, json};
use std::path::{Path, PathBuf};

/// What `qujat schema SERVICE` prints: the case facts of the service in
/// force on `date`, its parameters and conditions. A service not in force
/// that day is the error `qujat rules` gives.
pub fn service_reference(
    rules: &Rules,
    service: &str,
    date: NaiveDate,
) -> Result<String, ResolveError> {
    let f = resolve::service_as_of(rules, service, date)?;
    let r = &f.service.rules;
    let acts: Vec<&str> = f.acts.iter().map(|a| a.id.as_str()).collect();
    Ok(reference::service_reference(
        &format!("{service} on {date} ({})", acts.join(" + ")),
        &r.facts.clone().unwrap_or_default().with_engine(),
        &[],
        r.parameters.as_deref().unwrap_or_default(),
        r.conditions.as_deref().unwrap_or_default(),
    ))
}

/// The JSON Schema of the service's case files as of `date`.
pub fn service_case_schema(
    rules: &Rules,
    service: &str,
    date: NaiveDate,
) -> Result<J, ResolveError> {
    let f = resolve::service_as_of(rules, service, date)?;
    Ok(case_schema(
        &format!("case of {service} on {date}"),
        f.service.rules.facts.as_ref(),
    ))
}

/// A case file holding the engine's facts and the service's.
fn case_schema(title: &str, facts: Option<&Schema>) -> J {
    facts
        .cloned()
        .unwrap_or_default()
        .with_engine()
        .json_schema(title)
}

/// Every schema, by file name under `schemas/`, as the text written there.
pub fn files(rules: &Rules) -> Vec<(&'static str, String)> {
    let schemas = [
        ("acts.json", root::<ActsFile>("rules/acts.yaml")),
        (
            "amendment.json",
            root::<AmendmentFile>("rules/amendments/*.yaml: an amending act"),
        ),
        (
            "calendar.json",
            root::<crate::algo::calendar::CalendarFile>("rules/calendar.yaml"),
        ),
        ("case.json", cases(rules)),
        (
            "conventions.json",
            root::<ConventionsFile>("rules/conventions.yaml"),
        ),
        ("form.json", root::<Form>("forms/*.yaml: a form layout")),
        (
            "institutions.json",
            root::<InstitutionsFile>("rules/institutions.yaml"),
        ),
        ("mrp.json", root::<MrpFile>("rules/mrp.yaml")),
        (
            "service.json",
            root::<crate::model::ServiceFile>(
                "rules/services/*.yaml: a service's rules as one act adopted them",
            ),
        ),
    ];
    schemas
        .into_iter()
        .map(|(name, j)| {
            let text = serde_json::to_string_pretty(&j).expect("a JSON value always serializes");
            (name, text + "\n")
        })
        .collect()
}

/// Writes [`files`] into `dir`; returns the paths written.
pub fn write(rules: &Rules, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    files(rules)
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).map(|()| path)
        })
        .collect()
}

fn root<T: JsonSchema>(title: &str) -> J {
    let schema = schemars::r#gen::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut j = serde_json::to_value(schema).expect("a schema always serializes");
    j["title"] = json!(title);
    j
}

/// One schema for every case file: the `service` key chooses the service's
/// facts, any of the states its amendments put it in (a case is read
/// against the rules of its own date, which a schema cannot compare).
fn cases(rules: &Rules) -> J {
    let mut branches = vec![];
    for (id, versions) in &rules.services {
        let mut states: Vec<J> = vec![];
        let mut add = |facts: Option<&Schema>| {
            let mut j = case_schema("", facts);
            for k in ["$schema", "title"] {
                j.as_object_mut().map(|o| o.remove(k));
            }
            if !states.contains(&j) {
                states.push(j);
            }
        };
        for (file, base) in versions {
            let mut cons = Consolidation::new(file, base);
            add(cons.rules.facts.as_ref());
            for o in
                consolidate::ordered_changes(&rules.acts, &rules.amendments, id, &base.act.value)
            {
                // `check` has applied every change: none fails here.
                if cons.apply(o.file, o.index, o.change).is_ok() {
                    add(cons.rules.facts.as_ref());
                }
            }
        }
        let then = match states.len() {
            1 => states.remove(0),
            _ => json!({ "anyOf": states }),
        };
        branches.push(json!({
            "if": { "properties": { "service": { "const": id } }, "required": ["service"] },
            "then": then,
        }));
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "cases/*.yaml: a case file (its `service` chooses the facts)",
        "type": "object",
        "required": ["service"],
        "properties": { "service": { "enum": rules.services.keys().collect::<Vec<_>>() } },
        "allOf": branches,
    })
}
