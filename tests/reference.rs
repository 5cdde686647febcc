//! The generated reference for case writers and editors: `qujat schema
//! SERVICE` and the JSON Schemas under `schemas/`.

mod common;

use chrono::NaiveDate;
use common::{Scratch, project, root};
use qujat::project::Project;
use qujat::review::json_schema;
use serde_json::Value as J;
use std::path::Path;

const EXIT: &str = "exit-permanent-residence";

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn assert_lines(text: &str, lines: &[&str]) {
    for l in lines {
        assert!(text.lines().any(|t| t == *l), "no line {l:?} in:\n{text}");
    }
}

#[test]
fn the_reference_of_the_exit_service_lists_its_facts_parameters_and_conditions() {
    let r = json_schema::service_reference(&project().rules, EXIT, date("2026-09-01")).unwrap();
    assert_lines(
        &r,
        &[
            "# exit-permanent-residence on 2026-09-01 (mvd-259-2020 + mvd-348-2026)",
            "| `applicant.birth_date` | date | yes | Туған күні / Дата рождения |  |  |",
            "| `exit.passport.number` | text | yes | Нөмірі / Номер |  |  |",
            "| `exit.purpose` | option | yes | Кету мақсаты / Цель выезда | `work` (Жұмысқа байланысты / В связи с работой), `study` (Оқуға байланысты / В связи с учебной), `family` (Отбасы жағдайыма байланысты / Семейные обсоятельства), `other` (Басқа / Другое) |  |",
            "| `exit.children.iin` | iin | no | ЖСН / ИИН |  |  |",
            "| `exit.children.rk_citizen` | bool | no | Қазақстан Республикасының азаматы / Гражданин Республики Казахстан |  | mvd-348-2026, appendix 2, point 1, item 10, sub 5) |",
            "| `birth_certificate_age_limit` | 16 | mvd-348-2026, appendix 2, point 1, item 10, sub 2) |",
            "| `alimony-enforcement` | `has(exit.alimony_enforcement) && exit.alimony_enforcement && has(exit.alimony_recipients_stay_in_rk) && exit.alimony_recipients_stay_in_rk` | mvd-348-2026, appendix 2, point 1, item 10, sub 3) |",
        ],
    );
}

#[test]
fn a_service_not_in_force_is_the_error_rules_gives() {
    let rules = &project().rules;
    let d = date("2025-01-15");
    let e = json_schema::service_reference(rules, EXIT, d).unwrap_err();
    let from_rules = qujat::resolve::service_as_of(rules, EXIT, d).unwrap_err();
    assert_eq!(e.to_string(), from_rules.to_string());
    assert!(e.to_string().contains("are not encoded"), "{e}");
    assert!(json_schema::service_case_schema(rules, EXIT, d).is_err());
}

/// The invented amending act of tests/fixtures/amendment, which here also
/// inserts a fact, is in the reference only from its entry into force.
#[test]
fn what_an_amendment_adds_appears_only_from_its_date() {
    let s = Scratch::new("reference-amended");
    let fixture = root().join("tests/fixtures/amendment");
    let acts = std::fs::read_to_string(s.path("rules/acts.yaml")).unwrap();
    let extra = std::fs::read_to_string(fixture.join("act.yaml")).unwrap();
    s.write("rules/acts.yaml", &format!("{acts}{extra}"));
    let rel = "rules/amendments/fixture-amending-order.yaml";
    let text = std::fs::read_to_string(fixture.join(rel)).unwrap();
    let fact = "    insert:\n      facts:\n        - id: consenting_parent\n          type: text\n          optional: true\n          label: { kk: \"Келісім берген ата-ана\", ru: \"Давший согласие родитель\", ours: [kk, ru] }\n          cite: { act: fixture-amending-order, point: \"1\" }\n";
    s.write(rel, &text.replacen("    insert:\n", fact, 1));
    let p = Project::open(&s.dir).unwrap_or_else(|d| panic!("{d}"));

    let line = "| `consenting_parent` | text | no | Келісім берген ата-ана / Давший согласие родитель |  | fixture-amending-order, point 1 |";
    let condition = "| `applicant-under-18` | `age(applicant.birth_date) < params.majority_age` | fixture-amending-order, point 1 |";
    let before = json_schema::service_reference(&p.rules, EXIT, date("2026-11-30")).unwrap();
    let after = json_schema::service_reference(&p.rules, EXIT, date("2026-12-01")).unwrap();
    for l in [line, condition] {
        assert!(!before.lines().any(|t| t == l), "{l:?} before its date");
    }
    assert_lines(
        &before,
        &[
            "| `birth_certificate_age_limit` | 16 | mvd-348-2026, appendix 2, point 1, item 10, sub 2) |",
        ],
    );
    assert_lines(
        &after,
        &[
            line,
            condition,
            "| `birth_certificate_age_limit` | 14 | fixture-amending-order, point 2 |",
        ],
    );

    let props = |d: &str| {
        let j = json_schema::service_case_schema(&p.rules, EXIT, date(d)).unwrap();
        j["properties"]
            .as_object()
            .unwrap()
            .contains_key("consenting_parent")
    };
    assert!(!props("2026-11-30"));
    assert!(props("2026-12-01"));
}

#[test]
fn the_committed_json_schemas_are_up_to_date() {
    let dir = root().join("schemas");
    let files = json_schema::files(&project().rules);
    for (name, text) in &files {
        let have = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            have == *text,
            "schemas/{name} is stale: run `cargo run -- schema --write-json schemas` and commit"
        );
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    committed.sort();
    let made: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        committed, made,
        "schemas/ holds a file qujat does not write"
    );
}

/// The schema `.vscode/settings.json` maps a YAML file of the project to,
/// so the test checks the editor's wiring too.
fn schema_of(rel: &Path) -> String {
    let text = std::fs::read_to_string(root().join(".vscode/settings.json")).unwrap();
    let settings: J = serde_json::from_str(&text).unwrap();
    let rel = rel.to_str().unwrap();
    let matches = |glob: &str| match glob.split_once("*") {
        Some((dir, ext)) => rel
            .strip_prefix(dir)
            .is_some_and(|f| !f.contains('/') && f.ends_with(ext)),
        None => rel == glob,
    };
    let found: Vec<&String> = settings["yaml.schemas"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, glob)| matches(glob.as_str().unwrap()))
        .map(|(schema, _)| schema)
        .collect();
    match found.as_slice() {
        [one] => one
            .strip_prefix("schemas/")
            .unwrap()
            .strip_suffix(".json")
            .unwrap()
            .into(),
        _ => panic!("{rel} is mapped to {found:?} in .vscode/settings.json"),
    }
}

fn load_schema(name: &str) -> J {
    let text = std::fs::read_to_string(root().join("schemas").join(format!("{name}.json")))
        .unwrap_or_else(|e| panic!("schemas/{name}.json: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn yaml(path: &Path) -> J {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_rule_form_and_case_file_matches_its_schema() {
    let mut checked = 0;
    for dir in ["rules", "forms", "cases"] {
        for e in walkdir::WalkDir::new(root().join(dir)).sort_by_file_name() {
            let e = e.unwrap();
            if e.path().extension().and_then(|x| x.to_str()) != Some("yaml") {
                continue;
            }
            let rel = e.path().strip_prefix(root()).unwrap();
            let schema = load_schema(&schema_of(rel));
            let errors = validate(&schema, &yaml(e.path()));
            assert!(errors.is_empty(), "{}: {errors:#?}", rel.display());
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} files checked");
}

#[test]
fn the_schemas_flag_the_mistakes_an_editor_should_show() {
    let form = yaml(&root().join("forms/intake-receipt.yaml"));
    let case = yaml(&root().join("cases/exit-accepted.yaml"));
    let service = yaml(&root().join("rules/services/iin-foreigners.yaml"));
    type Mistake = fn(&mut J);
    let broken: [(&str, J, Mistake); 5] = [
        ("form", form.clone(), |j| j["layuot"] = "x".into()),
        ("form", form, |j| {
            j["blocks"][0] = serde_json::json!({ "headline": "x" })
        }),
        ("case", case.clone(), |j| {
            j["exit"]["purpose"] = "job".into()
        }),
        ("case", case, |j| {
            j["exit"].as_object_mut().unwrap().remove("purpose");
        }),
        ("service", service, |j| {
            j["rules"]["term"]["working_days"] = "ten".into()
        }),
    ];
    for (i, (schema, mut doc, mut_fn)) in broken.into_iter().enumerate() {
        assert!(
            validate(&load_schema(schema), &doc).is_empty(),
            "{i}: valid before"
        );
        mut_fn(&mut doc);
        assert!(
            !validate(&load_schema(schema), &doc).is_empty(),
            "{i}: mistake not flagged"
        );
    }
}

/// A validator for the part of JSON Schema draft 7 the schemas use; a
/// keyword it does not know fails the test rather than pass unchecked.
fn validate(schema: &J, doc: &J) -> Vec<String> {
    let mut errors = vec![];
    check(schema, schema, doc, "", &mut errors);
    errors
}

fn check(root: &J, s: &J, v: &J, at: &str, errors: &mut Vec<String>) {
    let Some(obj) = s.as_object() else {
        if s == &J::Bool(false) {
            errors.push(format!("{at}: not allowed"));
        }
        return;
    };
    let sub = |s: &J, v: &J| {
        let mut e = vec![];
        check(root, s, v, at, &mut e);
        e.is_empty()
    };
    for (k, kv) in obj {
        match k.as_str() {
            "$schema" | "title" | "description" | "definitions" | "default" | "format" | "then"
            | "else" => {}
            "$ref" => {
                let name = kv.as_str().unwrap().strip_prefix("#/definitions/").unwrap();
                check(root, &root["definitions"][name], v, at, errors);
            }
            "type" => {
                let types: Vec<&str> = match kv {
                    J::String(t) => vec![t],
                    J::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                    _ => panic!("type {kv}"),
                };
                let is = |t: &str| match t {
                    "object" => v.is_object(),
                    "array" => v.is_array(),
                    "string" => v.is_string(),
                    "boolean" => v.is_boolean(),
                    "null" => v.is_null(),
                    "integer" => v.is_i64() || v.is_u64(),
                    "number" => v.is_number(),
                    _ => panic!("type {t}"),
                };
                if !types.iter().any(|t| is(t)) {
                    errors.push(format!("{at}: {v} is not {types:?}"));
                }
            }
            "properties" => {
                for (p, ps) in kv.as_object().unwrap() {
                    if let Some(pv) = v.get(p) {
                        check(root, ps, pv, &format!("{at}.{p}"), errors);
                    }
                }
            }
            "required" => {
                for r in kv.as_array().unwrap() {
                    if v.is_object() && v.get(r.as_str().unwrap()).is_none() {
                        errors.push(format!("{at}: missing {r}"));
                    }
                }
            }
            "additionalProperties" => {
                let known = obj.get("properties").and_then(J::as_object);
                for (p, pv) in v.as_object().into_iter().flatten() {
                    if known.is_none_or(|k| !k.contains_key(p)) {
                        check(root, kv, pv, &format!("{at}.{p}"), errors);
                    }
                }
            }
            "items" => {
                for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                    check(root, kv, item, &format!("{at}[{i}]"), errors);
                }
            }
            "uniqueItems" => {
                let items = v.as_array().into_iter().flatten().collect::<Vec<_>>();
                if items
                    .iter()
                    .enumerate()
                    .any(|(i, x)| items[..i].contains(x))
                {
                    errors.push(format!("{at}: repeated items"));
                }
            }
            "enum" => {
                if !kv.as_array().unwrap().contains(v) {
                    errors.push(format!("{at}: {v} not in {kv}"));
                }
            }
            "const" => {
                if kv != v {
                    errors.push(format!("{at}: {v} is not {kv}"));
                }
            }
            "minimum" => {
                if v.as_f64().is_some_and(|n| n < kv.as_f64().unwrap()) {
                    errors.push(format!("{at}: {v} below {kv}"));
                }
            }
            "minLength" => {
                let n = kv.as_u64().unwrap() as usize;
                if v.as_str().is_some_and(|t| t.chars().count() < n) {
                    errors.push(format!("{at}: shorter than {n}"));
                }
            }
            "pattern" => {
                if let Some(t) = v.as_str()
                    && !pattern(kv.as_str().unwrap(), t)
                {
                    errors.push(format!("{at}: {t:?} does not match {kv}"));
                }
            }
            "anyOf" | "oneOf" => {
                let n = kv.as_array().unwrap().iter().filter(|b| sub(b, v)).count();
                if n == 0 || (k == "oneOf" && n > 1) {
                    errors.push(format!("{at}: {n} of the {k} branches match"));
                }
            }
            "allOf" => {
                for b in kv.as_array().unwrap() {
                    check(root, b, v, at, errors);
                }
            }
            "if" => {
                let branch = if sub(kv, v) { "then" } else { "else" };
                if let Some(b) = obj.get(branch) {
                    check(root, b, v, at, errors);
                }
            }
            _ => panic!("the test's validator does not know the keyword `{k}`"),
        }
    }
}

/// The patterns the schemas use.
fn pattern(p: &str, t: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match p {
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" => {
            let parts: Vec<&str> = t.split('-').collect();
            parts.len() == 3 && digits(parts[0], 4) && digits(parts[1], 2) && digits(parts[2], 2)
        }
        "^[0-9]{12}$" => digits(t, 12),
        "^[A-Z]{3}$" => t.len() == 3 && t.bytes().all(|b| b.is_ascii_uppercase()),
        _ => panic!("the test's validator does not know the pattern {p}"),
    }
}

/// `qujat schema` on the command line: the listing, the JSON Schema, and
/// the error of `rules` for a date the service is not encoded on.
#[test]
fn the_schema_command_prints_the_reference_or_the_rules_error() {
    let qujat = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_qujat"))
            .args(["--project", root().to_str().unwrap()])
            .args(args)
            .output()
            .unwrap()
    };
    let o = qujat(&["schema", EXIT, "--as-of", "2026-09-01"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        text,
        json_schema::service_reference(&project().rules, EXIT, date("2026-09-01")).unwrap()
    );

    let o = qujat(&["schema", EXIT, "--as-of", "2026-09-01", "--json"]);
    assert!(o.status.success());
    let j: J = serde_json::from_slice(&o.stdout).unwrap();
    let required = j["properties"]["exit"]["required"].as_array().unwrap();
    assert!(required.contains(&"purpose".into()), "{required:?}");
    assert_eq!(
        j["properties"]["exit"]["properties"]["purpose"]["enum"],
        serde_json::json!(["work", "study", "family", "other"])
    );

    let o = qujat(&["schema", EXIT, "--as-of", "2025-01-15"]);
    assert_eq!(o.status.code(), Some(1));
    let rules = qujat(&["rules", EXIT, "--as-of", "2025-01-15"]);
    assert_eq!(o.stderr, rules.stderr);
    assert!(String::from_utf8_lossy(&o.stderr).contains("are not encoded"));
}
