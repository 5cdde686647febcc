//! Conditions, parameters and case facts as data: an amending act adds a
//! condition and changes an age limit with no Rust written for it; `check`
//! finds the mistakes a legal staffer may make in an expression or a
//! `when:`; and `src/` names none of the ids the rules declare.

mod common;

use chrono::NaiveDate;
use common::{Scratch, open_errors, root};
use qujat::decide::{Decision, Outcome};
use qujat::project::Project;
use qujat::review::rules_diff::ServiceChange;
use std::path::Path;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn assert_error(errs: &[String], expected: &str) {
    assert!(
        errs.iter().any(|e| e.contains(expected)),
        "no error containing {expected:?} in {errs:#?}"
    );
}

/// The project with the invented amending act of
/// tests/fixtures/amendment added.
fn amended(name: &str) -> Scratch {
    let s = Scratch::new(name);
    let fixture = root().join("tests/fixtures/amendment");
    let acts = std::fs::read_to_string(s.path("rules/acts.yaml")).unwrap();
    let extra = std::fs::read_to_string(fixture.join("act.yaml")).unwrap();
    s.write("rules/acts.yaml", &format!("{acts}{extra}"));
    let rel = "rules/amendments/fixture-amending-order.yaml";
    s.write(rel, &std::fs::read_to_string(fixture.join(rel)).unwrap());
    s
}

/// Decides a case written into the scratch project by editing a case of
/// the repository.
fn decide(p: &Project, s: &Scratch, from: &str, edits: &[(&str, &str)], name: &str) -> Decision {
    let mut text = std::fs::read_to_string(root().join("cases").join(from)).unwrap();
    for (a, b) in edits {
        assert!(text.contains(a), "{from} has no {a:?}");
        text = text.replacen(a, b, 1);
    }
    let path = s.write(&format!("cases/{name}.yaml"), &text);
    match p.decide(&path, None) {
        Ok((_, d)) => d,
        Err(e) => panic!("{name} does not decide: {e}"),
    }
}

/// The intake reason about `document`, as decided.
fn about(d: &Decision, document: &str) -> Option<(bool, String)> {
    let needle = format!("`{document}`");
    d.reasons
        .iter()
        .find(|r| r.text.starts_with(&needle))
        .map(|r| (r.applied, r.text.clone()))
}

#[test]
fn an_amendment_adds_a_condition_and_changes_an_age_limit_from_its_date() {
    let s = amended("amended");
    let p = match Project::open(&s.dir) {
        Ok(p) => p,
        Err(d) => panic!("the amended project does not check:\n{d}"),
    };
    // An applicant aged 17: the parent's consent is required only under the
    // amending act.
    for (day, required) in [("2026-11-20", false), ("2026-12-15", true)] {
        let d = decide(
            &p,
            &s,
            "exit-refused.yaml",
            &[
                ("birth_date: 1979-12-01", "birth_date: 2009-06-01"),
                ("date: 2026-10-05", &format!("date: {day}")),
            ],
            &format!("minor-{day}"),
        );
        let consent = about(&d, "parent-consent");
        if required {
            let (applied, text) = consent.expect("the consent is not considered");
            assert!(applied && text.contains("applicant-under-18"), "{text}");
            assert!(
                matches!(&d.outcome, Outcome::RefusedAtIntake { missing, .. } if missing == &["parent-consent"]),
                "{:?}",
                d.outcome
            );
            let r = d
                .reasons
                .iter()
                .find(|r| {
                    r.condition
                        .as_deref()
                        .is_some_and(|c| c.starts_with("applicant-under-18"))
                })
                .unwrap();
            assert!(
                r.facts
                    .iter()
                    .any(|f| f.text == "applicant.birth_date = 2009-06-01" && f.line == Some(14)),
                "{:?}",
                r.facts
            );
            assert!(
                r.facts.iter().any(|f| f.text == "params.majority_age = 18"),
                "{:?}",
                r.facts
            );
        } else {
            assert!(consent.is_none(), "{consent:?} before the act");
            assert!(
                matches!(d.outcome, Outcome::Refused { .. }),
                "{:?}",
                d.outcome
            );
        }
    }
    // A child aged 15: birth certificates are required under 16 (order
    // 348), no longer under the amending act's 14.
    for (day, required) in [("2026-11-20", true), ("2026-12-15", false)] {
        let d = decide(
            &p,
            &s,
            "exit-accepted.yaml",
            &[
                ("birth_date: 2014-03-05", "birth_date: 2011-10-01"),
                ("date: 2026-09-14", &format!("date: {day}")),
            ],
            &format!("child-{day}"),
        );
        let (applied, text) = about(&d, "children-birth-certificates").unwrap();
        assert_eq!(applied, required, "{day}: {text}");
        let r = d
            .reasons
            .iter()
            .find(|r| {
                r.condition
                    .as_deref()
                    .is_some_and(|c| c.starts_with("children-under-16"))
            })
            .unwrap();
        let limit = if required { "16" } else { "14" };
        assert!(
            r.facts
                .iter()
                .any(|f| f.text == format!("params.birth_certificate_age_limit = {limit}")),
            "{:?}",
            r.facts
        );
    }
    // `diff` attributes both to the amending act.
    let diff = qujat::review::rules_diff::diff(&p.rules, date("2026-11-20"), date("2026-12-15"));
    let exit = diff
        .services
        .iter()
        .find(|x| x.id == "exit-permanent-residence")
        .unwrap();
    let ServiceChange::Parts(parts) = &exit.change else {
        panic!("{:?}", exit.change)
    };
    for part in ["documents", "conditions", "parameters", "requirements"] {
        let p = parts
            .iter()
            .find(|p| p.part.name() == part)
            .unwrap_or_else(|| panic!("no change of `{part}` in\n{}", diff.render()));
        assert!(
            !p.by.is_empty() && p.by.iter().all(|b| b.contains("fixture-amending-order")),
            "{part}: {:?}",
            p.by
        );
    }
    let text = diff.render();
    assert!(text.contains("applicant-under-18"), "{text}");
    assert!(text.contains("birth_certificate_age_limit"), "{text}");
}

/// A scratch project whose exit conditions are edited.
fn broken(name: &str, from: &str, to: &str) -> (Vec<String>, String) {
    let s = Scratch::new(name);
    let rel = "rules/amendments/mvd-348-2026.yaml";
    s.edit(rel, from, to);
    let at = s.locate(rel, to, 0);
    (open_errors(&s.dir), at)
}

const UNDER_16: &str =
    "if: exit.children.exists(c, age(c.birth_date) < params.birth_certificate_age_limit)";

#[test]
fn an_unknown_fact_in_an_expression_is_an_error_at_its_character() {
    let (errs, at) = broken(
        "unknown-fact",
        UNDER_16,
        "if: exit.kids.exists(c, age(c.birth_date) < params.birth_certificate_age_limit)",
    );
    // The expression starts 4 characters after `if`; the selection of
    // `kids` is its 5th character, the `.`.
    let (file_line, col) = at.rsplit_once(':').unwrap();
    let col: usize = col.parse().unwrap();
    assert_error(
        &errs,
        &format!("{file_line}:{}: condition `children-under-16`", col + 4 + 4),
    );
    assert_error(&errs, "unknown field `exit.kids`");
    assert_error(&errs, "children");
}

#[test]
fn a_type_mismatch_in_an_expression_is_an_error() {
    let (errs, at) = broken(
        "type-mismatch",
        UNDER_16,
        "if: exit.children.exists(c, c.birth_date < params.birth_certificate_age_limit)",
    );
    // At the `<`, the 38th character of the expression.
    let (file_line, col) = at.rsplit_once(':').unwrap();
    let col: usize = col.parse().unwrap();
    assert_error(
        &errs,
        &format!(
            "{file_line}:{}: condition `children-under-16`: type mismatch: `<` compares two numbers, two dates or two texts, not date and integer",
            col + 4 + 37
        ),
    );
}

#[test]
fn an_unknown_function_is_an_error() {
    let (errs, _) = broken(
        "unknown-function",
        UNDER_16,
        "if: exit.children.exists(c, years(c.birth_date) < params.birth_certificate_age_limit)",
    );
    assert_error(&errs, "condition `children-under-16`");
    assert_error(&errs, "`years`");
    assert_error(&errs, "age");
}

#[test]
fn an_unknown_condition_in_when_is_an_error_listing_the_known_ones() {
    let s = Scratch::new("unknown-when");
    let rel = "rules/amendments/mvd-348-2026.yaml";
    s.edit(
        rel,
        "when: children-under-16 }",
        "when: applicant-under-18 }",
    );
    let at = s.locate(rel, "applicant-under-18 }", 0);
    let errs = open_errors(&s.dir);
    assert_error(
        &errs,
        &format!(
            "{at}: unknown condition `applicant-under-18` (known: alimony-enforcement, child-aged-10-or-over, children-under-16, minor-leaving-with-one-parent, no-registration-data, representative)"
        ),
    );
}

#[test]
fn a_case_with_an_invalid_option_is_a_case_error_at_its_line() {
    let p = common::project();
    let s = Scratch::new("bad-option");
    let text = std::fs::read_to_string(root().join("cases/exit-refused.yaml")).unwrap();
    let text = text.replacen("purpose: work", "purpose: job", 1);
    let line = text
        .lines()
        .position(|l| l.contains("purpose: job"))
        .unwrap()
        + 1;
    let path = s.write("cases/t.yaml", &text);
    let Err(qujat::project::Error::Input(d)) = p.decide(&path, None) else {
        panic!("an invalid option was decided")
    };
    let msg = d.items[0].to_string();
    assert!(msg.contains(&format!("t.yaml:{line}:")), "{msg}");
    assert!(
        msg.contains("`job` is not an option of `exit.purpose`"),
        "{msg}"
    );
}

/// Every id the rules declare: services, documents, conditions,
/// parameters, and the service's facts by their paths (`exit`,
/// `exit.children`, …: a field's own name such as `years` is an ordinary
/// word, its path is not).
fn rule_ids() -> Vec<String> {
    let p = common::project();
    let mut ids = std::collections::BTreeSet::new();
    for (id, versions) in &p.rules.services {
        ids.insert(id.clone());
        let mut parts: Vec<&qujat::model::Parts> = versions.iter().map(|(_, v)| &v.rules).collect();
        for (_, a) in p
            .rules
            .amendments
            .iter()
            .filter(|(_, a)| a.service.value == *id)
        {
            for ch in &a.changes {
                parts.extend(ch.value.replace.iter());
                parts.extend(ch.value.insert.iter());
            }
        }
        for r in parts {
            ids.extend(r.documents.iter().flatten().map(|d| d.id.value.clone()));
            ids.extend(r.conditions.iter().flatten().map(|c| c.id.value.clone()));
            ids.extend(r.parameters.iter().flatten().map(|c| c.id.value.clone()));
            ids.extend(r.facts.iter().flat_map(|f| f.paths()).map(|(p, _)| p));
            ids.extend(r.requests.iter().flatten().map(|x| x.id.value.clone()));
            ids.extend(r.channels.iter().flatten().map(|x| x.id.value.clone()));
            ids.extend(r.grounds.iter().flatten().map(|x| x.id.value.clone()));
            ids.extend(r.outcomes.iter().flatten().map(|x| x.id.value.clone()));
        }
    }
    ids.extend(p.rules.forms.keys().cloned());
    // Exempt: the engine's own facts (src/schema/engine.yaml: `applicant`,
    // `documents`, `date`, …) are the engine's vocabulary, which a service's
    // facts may not reuse anyway; and `application`, a document id of the
    // IIN services that is also the engine's anchor word of a step's
    // `due: { after: application }` (the date of application).
    let engine: Vec<String> = qujat::schema::engine()
        .paths()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    // And ids that are also the engine's names of a part of the rules (the
    // channel `provider`, the part `provider`) or of the stage an outcome
    // ends at (the outcome `accepted`, the stage `accepted`).
    let engine_words: Vec<&str> = qujat::model::OutcomeKind::ALL
        .iter()
        .map(|k| k.id())
        .chain(qujat::model::Part::ALL.iter().map(|p| p.name()))
        .collect();
    ids.into_iter()
        .filter(|i| {
            !engine.contains(i) && i != "application" && !engine_words.contains(&i.as_str())
        })
        .collect()
}

#[test]
fn src_names_no_id_the_rules_declare() {
    let ids = rule_ids();
    for id in [
        "children-under-16",
        "certificate-issued",
        "pilot-certificate",
        "formation",
        "state-corporation",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} not in {ids:?}");
    }
    assert!(
        ids.iter().any(|i| i == "exit.alimony_enforcement"),
        "{ids:?}"
    );
    let mut found = vec![];
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = vec![];
    walk(&root().join("src"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for id in &ids {
            for quoted in [format!("\"{id}\""), format!("`{id}`")] {
                if let Some(at) = text.find(&quoted) {
                    let line = text[..at].matches('\n').count() + 1;
                    found.push(format!("{}:{line}: {quoted}", f.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "src/ names ids of the rules:\n{}",
        found.join("\n")
    );
}
