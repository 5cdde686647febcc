//! `qujat check` on the real rules and on deliberately broken copies: every
//! error names the file, line and column, and several are reported at once.

mod common;

use common::{Scratch, project};
use qujat::project::Project;

fn errors(s: &Scratch) -> Vec<String> {
    common::open_errors(&s.dir)
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
        r.institutions[&82].name.get(qujat::base::text::Lang::Ru),
        "Генеральное консульство Республики в городе Санкт-Петербург (Российская Федерация)"
    );
}

/// Every problem of a broken copy, errors and warnings, as
/// `file:line:column: message (at key.path)`.
fn all(s: &Scratch) -> Vec<String> {
    match Project::open(&s.dir) {
        Ok(p) => p.rules.warnings.iter().map(ToString::to_string).collect(),
        Err(d) => d.items.iter().map(ToString::to_string).collect(),
    }
}

/// Asserts one problem reads exactly `loc: message`, optionally followed by
/// its key path.
fn assert_exact(errs: &[String], loc: &str, message: &str) {
    let want = format!("{loc}: {message}");
    assert!(
        errs.iter()
            .any(|e| e == &want || e.starts_with(&format!("{want} (at "))),
        "no problem reading {want:?} in {errs:#?}"
    );
}

#[test]
fn yaml_syntax_error_is_reported_at_its_position() {
    let s = Scratch::new("syntax");
    let f = "forms/pilot-certificate.yaml";
    s.edit(f, "title: { kk: ", "title: { kk: \"unclosed, ");
    assert_exact(
        &errors(&s),
        &s.locate(f, "\"Тіркеу куәлігі\"", 1),
        "YAML syntax error: invalid trailing content after double-quoted scalar (at title.kk)",
    );
}

#[test]
fn tab_indentation_is_an_error() {
    let s = Scratch::new("tab");
    let f = "rules/conventions.yaml";
    s.edit(f, "  - id: minsk-1993", "\t- id: minsk-1993");
    assert_exact(
        &errors(&s),
        &s.locate(f, "\t- id", 1),
        "YAML syntax error: tabs disallowed within this context (block indentation) (indent with spaces, never tabs)",
    );
}

#[test]
fn duplicate_key_is_an_error_at_its_line() {
    let s = Scratch::new("dup");
    let f = "rules/acts.yaml";
    s.edit(f, "    kind: order\n", "    kind: order\n    kind: law\n");
    assert_exact(
        &errors(&s),
        &s.locate(f, "kind: law", 0),
        "the key `kind` is written twice in the same mapping; keep one (at acts[0].kind)",
    );
}

#[test]
fn unknown_key_typo_is_an_error() {
    let s = Scratch::new("typo");
    let f = "rules/services/iin-pilot-2024.yaml";
    s.edit(f, "  working_days: 1\n", "  workng_days: 1\n");
    let errs = errors(&s);
    let loc = s.locate(f, "workng_days", 0);
    assert!(
        errs.iter().any(|e| e.starts_with(&format!(
            "{loc}: unknown key `workng_days` (expected one of"
        )) && e.ends_with("(at rules.term.workng_days)")),
        "{errs:#?}"
    );
}

#[test]
fn wrong_type_and_impossible_date_are_errors_in_plain_words() {
    let s = Scratch::new("types");
    let svc = "rules/services/iin-pilot-2024.yaml";
    s.edit(svc, "  working_days: 1\n", "  working_days: one\n");
    let acts = "rules/acts.yaml";
    s.edit(acts, "    date: 2020-03-27", "    date: 2020-02-30");
    let errs = errors(&s);
    assert_exact(
        &errs,
        &s.locate(svc, "working_days: one", 14),
        "expected a whole number here (at rules.term.working_days)",
    );
    assert_exact(
        &errs,
        &s.locate(acts, "2020-02-30", 0),
        "not a valid date (input is out of range); write dates as YYYY-MM-DD, e.g. 2026-07-12 (at acts[1].date)",
    );
}

#[test]
fn missing_translation_is_named() {
    let s = Scratch::new("nokk");
    let f = "forms/pilot-certificate.yaml";
    s.edit(
        f,
        "title: { kk: \"Тіркеу куәлігі\", ru: \"Регистрационное свидетельство\" }",
        "title: { ru: \"Регистрационное свидетельство\" }",
    );
    assert_exact(
        &errors(&s),
        &s.locate(f, "ru: \"Регистрационное", 0),
        "the Kazakh text (`kk`) is missing (at title)",
    );
}

#[test]
fn references_are_checked_where_they_are_written_and_all_reported() {
    let s = Scratch::new("refs");
    let amend = "rules/amendments/mvd-146-2023.yaml";
    s.edit(
        amend,
        "          - { document: power-of-attorney, when: representative }",
        "          - { document: power-of-atorney, when: representative }",
    );
    let svc = "rules/services/iin-pilot-2024.yaml";
    s.edit(svc, "act: pilot-2024\n", "act: pilot-2042\n");
    s.edit(
        svc,
        "[minsk-1993, chisinau-2002]",
        "[minsk-1993, kishinev-2002]",
    );
    s.edit(
        svc,
        "forms: [pilot-certificate]",
        "forms: [pilot-certifcate]",
    );
    let cert = "forms/pilot-certificate.yaml";
    s.edit(cert, "      value: issue_date", "      value: issue_dat");
    let receipt = "forms/intake-receipt.yaml";
    s.edit(receipt, "{{ office }}", "{{ ofice }}");
    let errs = errors(&s);
    assert_exact(
        &errs,
        &s.locate(amend, "power-of-atorney", 0),
        "unknown document `power-of-atorney` (known: application, correction-application, e-request, identity-data-change-certificate, identity-document, identity-document-copy, notarized-translation, power-of-attorney) (at changes[2].replace.requirements[0].documents[3].document)",
    );
    let acts = "mvd-144-2019, mvd-146-2023, mvd-258-2020, mvd-259-2020, mvd-348-2026, pilot-2024, law-public-services-2013";
    let known = errs
        .iter()
        .find(|e| e.contains("unknown act `pilot-2042`"))
        .unwrap_or_else(|| panic!("{errs:#?}"));
    assert!(
        known.starts_with(&format!(
            "{}: unknown act `pilot-2042`",
            s.locate(svc, "pilot-2042", 0)
        )),
        "{known} / {acts}"
    );
    assert_exact(
        &errs,
        &s.locate(svc, "kishinev-2002", 0),
        "unknown convention `kishinev-2002` (known: chisinau-2002, minsk-1993) (at rules.legalization.exempt_conventions[1])",
    );
    assert_exact(
        &errs,
        &s.locate(svc, "pilot-certifcate", 0),
        &format!(
            "unknown form `pilot-certifcate` (known: {}) (at rules.outcomes[3].forms[0])",
            "correction-application, exit-questionnaire, intake-receipt, pilot-application, pilot-certificate, pilot-refusal-notice"
        ),
    );
    assert_exact(
        &errs,
        &s.locate(cert, "issue_dat\n", 0),
        "form `pilot-certificate` binds `issue_dat`, which is neither a fact of service `iin-pilot-2024` nor a value computed for every decision; known here: addressee, applicant, channel, date, document_id, documents, due_date, duty, findings, id, identity_document, iin, institution, intake, issue_date, purpose, refusal, representative, request, result, service, service_title (all: `qujat check --list-data --service iin-pilot-2024`)",
    );
    let ofice = errs
        .iter()
        .filter(|e| e.contains("sentence uses a value the case data does not have: ofice"))
        .count();
    assert_eq!(ofice, 1, "{errs:#?}");
    assert!(
        errs.iter().any(|e| e.contains(
            "the Kazakh and Russian texts use different case data: kk {\"blank\", \"office\"}, ru {\"blank\", \"ofice\"}"
        )),
        "{errs:#?}"
    );
    assert!(errs.len() >= 7, "{errs:#?}");
}

#[test]
fn overlapping_effective_periods_are_an_error() {
    let s = Scratch::new("overlap");
    s.edit("rules/acts.yaml", "    repealed_by: mvd-258-2020\n", "");
    let f = "rules/services/iin-foreigners.yaml";
    let errs = errors(&s);
    let loc = s.locate(f, "act: mvd-258-2020", 5);
    assert!(
        errs.iter().any(|e| e.starts_with(&format!(
            "{loc}: service `iin-foreigners`: the rules of `mvd-258-2020` apply from "
        )) && e.contains(
            "but those of `mvd-144-2019` (rules/services/iin-foreigners-144.yaml) apply from"
        )),
        "{errs:#?}"
    );
}

#[test]
fn a_gap_between_versions_is_a_warning_not_an_error() {
    let s = Scratch::new("gap");
    s.edit(
        "rules/acts.yaml",
        "    expires: null\n    repealed_by: mvd-258-2020\n",
        "    expires: 2019-12-31\n",
    );
    let warnings = all(&s);
    assert!(
        Project::open(&s.dir).is_ok(),
        "a gap alone must not stop the pipeline"
    );
    let loc = s.locate("rules/services/iin-foreigners.yaml", "act: mvd-258-2020", 5);
    assert!(
        warnings.iter().any(|w| w.starts_with(&format!(
            "{loc}: warning: service `iin-foreigners`: no encoded rules apply from 2020-01-01 to "
        ))),
        "{warnings:#?}"
    );
}

#[test]
fn an_amendment_aimed_at_a_missing_item_is_an_error_at_the_amendment() {
    let s = Scratch::new("target");
    let f = "rules/amendments/mvd-146-2023.yaml";
    // A last change, after the one that gives the Rules their grounds.
    let text = std::fs::read_to_string(s.path(f)).unwrap();
    s.write(
        f,
        &format!(
            "{text}  - cite: {{ act: mvd-146-2023, point: \"1\" }}\n    summary: repeals a ground that is not there\n    repeal: [grounds.no-such-ground]\n"
        ),
    );
    let errs = errors(&s);
    let loc = s.locate(f, "grounds.no-such-ground", 0);
    assert!(
        errs.iter()
            .any(|e| e.starts_with(&format!("{loc}: `repeal: grounds.no-such-ground`"))),
        "{errs:#?}"
    );
}

#[test]
fn both_languages_must_use_the_same_case_data_and_list_the_same_items() {
    let s = Scratch::new("parity");
    let receipt = "forms/intake-receipt.yaml";
    s.edit(
        receipt,
        "(мекенжайын көрсету){% else %}({{ office }})",
        "(мекенжайын көрсету){% else %}({{ applicant.full_name }})",
    );
    let svc = "rules/services/iin-pilot-2024.yaml";
    s.edit(
        svc,
        "kk: \"көрсетілетін қызметті алушының мемлекеттік қызметті көрсету үшін",
        "kk: \"1) бірінші\\n2) екінші\\nкөрсетілетін қызметті алушының мемлекеттік қызметті көрсету үшін",
    );
    let errs = errors(&s);
    let kk = s.locate(receipt, "\"\\\"Мемлекеттік көрсетілетін қызметтер туралы\\\" Қазақстан Республикасы Заңының 19-бабын", 0);
    assert!(
        errs.iter().any(|e| e.starts_with(&format!(
            "{kk}: the Kazakh and Russian texts use different case data: kk {{\"applicant.full_name\", \"blank\"}}, ru {{\"blank\", \"office\"}}"
        ))),
        "{errs:#?}"
    );
    assert_exact(
        &errs,
        &s.locate(svc, "\"1) бірінші", 0),
        "the Kazakh text enumerates 2 item(s) and the Russian text 0: both languages must list the same items (at rules.grounds[1].text.kk)",
    );
}

#[test]
fn a_translation_whose_official_text_changed_is_stale() {
    let s = Scratch::new("stale");
    let svc = "rules/services/iin-pilot-2024.yaml";
    let old = "ru: \"несоответствия данных и сведений услугополучателя";
    s.edit(
        svc,
        old,
        "ru: \"несоответствие данных и сведений услугополучателя",
    );
    let errs = errors(&s);
    let new_stamp = qujat::base::text::fingerprint(
        "несоответствие данных и сведений услугополучателя, необходимых для оказания государственной услуги, требованиям, установленным нормативными правовыми актами Республики Казахстан",
    );
    assert_exact(
        &errs,
        &s.locate(svc, "\"77446fa7\"", 0),
        &format!(
            "stale translation: the Russian text changed since the Kazakh translation was made from it (stamp 77446fa7, text now {new_stamp}); update the Kazakh text, then set `translated_from: \"{new_stamp}\"` (at rules.grounds[1].text.translated_from)"
        ),
    );
    // Updating the stamp (after reviewing the Kazakh) makes the file valid again.
    s.edit(svc, "\"77446fa7\"", &format!("\"{new_stamp}\""));
    assert!(Project::open(&s.dir).is_ok());
}

#[test]
fn a_translation_without_its_stamp_is_an_error_and_mixed_scripts_a_warning() {
    let s = Scratch::new("stamp");
    let svc = "rules/services/iin-pilot-2024.yaml";
    s.edit(svc, "        translated_from: \"77446fa7\"\n", "");
    let errs = errors(&s);
    assert_exact(
        &errs,
        &s.locate(svc, "\"көрсетілетін қызметті алушының мемлекеттік", 0),
        "the Kazakh text is our translation: record which Russian text it translates with `translated_from: \"77446fa7\"` next to `ours` (at rules.grounds[1].text.kk)",
    );

    let s = Scratch::new("latin-i");
    // A Latin "i" typed for the Kazakh "і" in "қызметті".
    s.edit(
        svc,
        "\"көрсетілетін қызметті алушының мемлекеттік",
        "\"көрсетілетін қызметтi алушының мемлекеттік",
    );
    let warnings = all(&s);
    assert_exact(
        &warnings,
        &s.locate(svc, "\"көрсетілетін қызметтi", 0),
        "warning: the Kazakh word `қызметтi` mixes Latin and Cyrillic letters (a Latin letter typed for a Cyrillic one?) (at rules.grounds[1].text.kk)",
    );
}

#[test]
fn a_broken_file_does_not_hide_problems_in_the_others() {
    let s = Scratch::new("many");
    s.edit(
        "forms/pilot-certificate.yaml",
        "title: { kk: ",
        "title: { kk: \"unclosed, ",
    );
    let svc = "rules/services/iin-pilot-2024.yaml";
    s.edit(svc, "act: pilot-2024\n", "act: pilot-2042\n");
    s.edit(
        svc,
        "ru: \"несоответствия данных",
        "ru: \"несоответствие данных",
    );
    s.edit(
        "rules/acts.yaml",
        "    kind: order\n",
        "    kind: order\n    kind: law\n",
    );
    let d = Project::open(&s.dir)
        .err()
        .expect("broken rules were accepted");
    let files: Vec<String> = d
        .items
        .iter()
        .filter(|x| x.is_error())
        .map(|x| x.file.display().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "forms/pilot-certificate.yaml",
            "rules/acts.yaml",
            "rules/services/iin-pilot-2024.yaml"
        ],
        "{}",
        d.render()
    );
    assert!(d.items.iter().any(|x| {
        !x.is_error()
            && x.message
                .starts_with("references to what acts, forms files define were not checked")
    }));
    assert_eq!(d.tally(), "3 errors, 1 warning");
}

#[test]
fn the_command_exits_non_zero_on_errors_only_and_speaks_json() {
    let qujat = env!("CARGO_BIN_EXE_qujat");
    let run = |s: &Scratch, json: bool| {
        let mut cmd = std::process::Command::new(qujat);
        cmd.arg("--project").arg(&s.dir).arg("check");
        if json {
            cmd.arg("--json");
        }
        cmd.output().expect("qujat runs")
    };
    let warn = Scratch::new("exit-warn");
    warn.edit(
        "rules/acts.yaml",
        "    expires: null\n    repealed_by: mvd-258-2020\n",
        "    expires: 2019-12-31\n",
    );
    let out = run(&warn, false);
    assert!(
        out.status.success(),
        "warnings only must exit 0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: service `iin-foreigners`: no encoded rules apply"),
        "{stderr}"
    );
    assert!(stderr.contains("0 errors, 1 warning"), "{stderr}");

    let bad = Scratch::new("exit-err");
    bad.edit(
        "rules/services/iin-pilot-2024.yaml",
        "  working_days: 1\n",
        "  workng_days: 1\n",
    );
    let out = run(&bad, true);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    let errors: Vec<&serde_json::Value> = json
        .as_array()
        .expect("an array")
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{json:#}");
    let first = errors[0];
    assert_eq!(first["file"], "rules/services/iin-pilot-2024.yaml");
    assert_eq!(first["path"], "rules.term.workng_days");
    assert_eq!(first["source"], "    workng_days: 1");
    assert_eq!(
        format!(
            "rules/services/iin-pilot-2024.yaml:{}:{}",
            first["line"], first["column"]
        ),
        bad.locate("rules/services/iin-pilot-2024.yaml", "workng_days", 0)
    );
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

/// A `missing:` entry names parts or one paragraph with what it says, and
/// why; an amending act lists only paragraphs.
#[test]
fn a_missing_entry_says_what_is_missing_and_why() {
    let s = Scratch::new("missing-what");
    let f = "rules/services/iin-pilot-2024.yaml";
    s.edit(f, "    what: \"control of the order's execution\"\n", "");
    let a = "rules/amendments/mvd-146-2023.yaml";
    s.edit(
        a,
        "  - cite: { act: mvd-146-2023, point: \"3 of the order\" }\n",
        "  - parts: [grounds]\n",
    );
    let errs = errors(&s);
    // Both reported at the entry's `why`, `lines` below the line of `needle`.
    let at_why = |file: &str, needle: &str, lines: usize| {
        let loc = s.locate(file, needle, 0);
        let line: usize = loc.split(':').nth(1).unwrap().parse().unwrap();
        format!("{file}:{}:10", line + lines)
    };
    assert_exact(
        &errs,
        &at_why(f, "  - cite: { act: pilot-2024, point: \"6\" }", 1),
        "say `what` the paragraph says (at missing[4].what)",
    );
    assert_exact(
        &errs,
        &at_why(a, "  - parts: [grounds]", 2),
        "an amending act lists what it does not encode by `cite` and `what`, not by `parts` (at missing[7].parts)",
    );
}

/// A form binds only the facts of its own service: the receipt of the IIN
/// service cannot print the exit questionnaire's purpose.
#[test]
fn a_form_binding_another_services_fact_is_a_located_error() {
    let s = Scratch::new("bind-other");
    let f = "forms/intake-receipt.yaml";
    s.edit(f, "value: staff.phone", "value: exit.purpose");
    let errs = all(&s);
    let loc = s.locate(f, "exit.purpose", 0);
    let want = format!(
        "{loc}: form `intake-receipt` binds `exit.purpose`, a fact of service `exit-permanent-residence`: a form shows only the facts of its own service `iin-foreigners`; known here: "
    );
    assert!(
        errs.iter().any(|e| e.starts_with(&want)
            && e.contains("(all: `qujat check --list-data --service iin-foreigners`)")),
        "{errs:#?}"
    );
}

/// A misspelt path is reported where it is written, with the paths next to
/// it: the passport record's fields.
#[test]
fn a_form_binding_an_unknown_path_lists_the_known_ones() {
    let s = Scratch::new("bind-unknown");
    let f = "forms/exit-questionnaire.yaml";
    s.edit(
        f,
        "value: exit.passport.number",
        "value: exit.passport.numbr",
    );
    assert_exact(
        &all(&s),
        &s.locate(f, "exit.passport.numbr", 0),
        "form `exit-questionnaire` binds `exit.passport.numbr`, which is neither a fact of service `exit-permanent-residence` nor a value computed for every decision; known here: exit.passport.issued, exit.passport.number (all: `qujat check --list-data --service exit-permanent-residence`)",
    );
}

/// A choice that prints its own labels must still offer exactly the fact's
/// options: one renamed in the form is an error at that option.
#[test]
fn a_choice_whose_options_differ_from_the_schema_is_a_located_error() {
    let s = Scratch::new("choice-ids");
    let f = "forms/exit-questionnaire.yaml";
    s.edit(f, "        - id: study\n", "        - id: studies\n");
    assert_exact(
        &all(&s),
        &s.locate(f, "studies", 0),
        "the options of choice `exit.purpose` must be those of the fact, in its order: work, study, family, other (the form lists work, studies, family, other); or leave `options` out to print the fact's labels",
    );
    // One option left out is reported too.
    let s = Scratch::new("choice-fewer");
    s.edit(
        f,
        "        - id: other\n          label: { kk: \"9. Басқа\", ru: \"Другое\" }\n",
        "",
    );
    let errs = all(&s);
    assert!(
        errs.iter().any(|e| e.contains(
            "must be those of the fact, in its order: work, study, family, other (the form lists work, study, family)"
        )),
        "{errs:#?}"
    );
}

/// `--list-data` lists the paths of each service; a service's facts are not
/// another's.
#[test]
fn bindings_are_listed_per_service() {
    let b = &project().rules.bindings;
    assert!(b["exit-permanent-residence"].contains("exit.children.birth_date"));
    assert!(b["exit-permanent-residence"].contains("applicant.surname.latin"));
    assert!(b["exit-permanent-residence"].contains("refusal.reason"));
    assert!(!b["iin-foreigners"].contains("exit.purpose"));
    assert!(b["iin-foreigners"].contains("intake.missing"));
}

/// A field shows one value: bound to a record, it is told the record's
/// fields instead of printing nothing.
#[test]
fn a_field_bound_to_a_record_lists_its_fields() {
    let s = Scratch::new("bind-record");
    let f = "forms/exit-questionnaire.yaml";
    s.edit(f, "value: exit.passport.number", "value: exit.passport");
    assert_exact(
        &all(&s),
        &s.locate(f, "exit.passport\n", 0),
        "`exit.passport` is a record: a field shows one of its fields (exit.passport.number, exit.passport.issued)",
    );
}
