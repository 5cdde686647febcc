//! `qujat check` on the real rules and on deliberately broken copies: every
//! error names the file, line and column, and several are reported at once.

mod common;

use common::{Scratch, project};
use qujat::project::Project;

fn errors(s: &Scratch) -> Vec<String> {
    match Project::open(&s.dir) {
        Ok(_) => panic!("broken rules were accepted"),
        Err(d) => d.items.iter().map(ToString::to_string).collect(),
    }
}

fn assert_error(errs: &[String], expected: &str) {
    assert!(
        errs.iter().any(|e| e.contains(expected)),
        "no error containing {expected:?} in {errs:#?}"
    );
}

#[test]
fn the_repository_rules_validate() {
    let r = &project().rules;
    assert_eq!(r.institutions.len(), 96);
    assert_eq!(r.services.len(), 3);
    // iin-foreigners: order 144, then Rules 258 (amended by 146).
    assert_eq!(r.services["iin-foreigners"].len(), 2);
    assert_eq!(r.amendments.len(), 2);
    assert_eq!(r.forms.len(), 6);
    // Quirk kept verbatim: item 82 omits "Казахстан" in the Russian source.
    assert_eq!(
        r.institutions[&82].name.get(qujat::text::Lang::Ru),
        "Генеральное консульство Республики в городе Санкт-Петербург (Российская Федерация)"
    );
}

#[test]
fn duplicate_key_is_an_error_at_its_line() {
    let s = Scratch::new("dup");
    s.edit(
        "rules/acts.yaml",
        "    kind: order\n",
        "    kind: order\n    kind: law\n",
    );
    assert_error(&errors(&s), "rules/acts.yaml:6:5");
}

#[test]
fn unknown_key_typo_is_an_error() {
    let s = Scratch::new("typo");
    s.edit(
        "rules/services/iin-pilot-2024.yaml",
        "  working_days: 1\n",
        "  workng_days: 1\n",
    );
    let errs = errors(&s);
    assert_error(&errs, "rules/services/iin-pilot-2024.yaml:");
    assert_error(&errs, "unknown key `workng_days`");
}

#[test]
fn tab_indentation_is_an_error() {
    let s = Scratch::new("tab");
    s.edit(
        "rules/conventions.yaml",
        "  - id: minsk-1993",
        "\t- id: minsk-1993",
    );
    assert_error(&errors(&s), "rules/conventions.yaml:7:");
}

#[test]
fn missing_translation_is_named() {
    let s = Scratch::new("nokk");
    s.edit(
        "forms/pilot-certificate.yaml",
        "title: { kk: \"Тіркеу куәлігі\", ru: \"Регистрационное свидетельство\" }",
        "title: { ru: \"Регистрационное свидетельство\" }",
    );
    let errs = errors(&s);
    assert_error(&errs, "forms/pilot-certificate.yaml:3:");
    assert_error(&errs, "the Kazakh text (`kk`) is missing");
}

#[test]
fn references_are_checked_where_they_are_written_and_all_reported() {
    let s = Scratch::new("refs");
    s.edit(
        "rules/amendments/mvd-146-2023.yaml",
        "          - { document: power-of-attorney, when: representative }",
        "          - { document: power-of-atorney, when: representative }",
    );
    s.edit(
        "forms/pilot-certificate.yaml",
        "      value: issue_date",
        "      value: issue_dat",
    );
    s.edit("forms/intake-receipt.yaml", "{{ office }}", "{{ ofice }}");
    let text = std::fs::read_to_string(s.path("rules/amendments/mvd-146-2023.yaml")).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("power-of-atorney"))
        .unwrap()
        + 1;
    let errs = errors(&s);
    assert_error(
        &errs,
        &format!(
            "rules/amendments/mvd-146-2023.yaml:{line}:27: unknown document `power-of-atorney`"
        ),
    );
    assert_error(&errs, "forms/pilot-certificate.yaml:");
    assert_error(&errs, "unknown case data `issue_dat`");
    assert_error(&errs, "sentence uses a value the case data does not have");
    assert!(errs.len() >= 3, "{errs:#?}");
}

#[test]
fn unknown_condition_is_an_error() {
    let s = Scratch::new("cond");
    s.edit(
        "rules/services/iin-pilot-2024.yaml",
        "when: identity-document-not-in-latin-or-cyrillic",
        "when: applicant-is-tall",
    );
    assert_error(&errors(&s), "rules/services/iin-pilot-2024.yaml:");
}

#[test]
fn empty_text_is_an_error_at_its_line() {
    let s = Scratch::new("empty");
    s.edit(
        "rules/services/iin-pilot-2024.yaml",
        "      kk: \"көрсетілетін қызметті алушыда бұрын тіркелген ЖСН анықтау\"",
        "      kk: \" \"",
    );
    assert_error(&errors(&s), "the Kazakh text is empty");
}
