//! Decisions on cases: every outcome, the receipt's exact list of missing
//! documents, terms in working days, and case errors with their locations.

mod common;

use chrono::NaiveDate;
use common::{Scratch, project, root};
use qujat::decide::Outcome;
use qujat::project::Error;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn pilot_case_gets_a_certificate_with_a_valid_iin() {
    let (_, d) = project()
        .decide(&root().join("cases/pilot-certificate.yaml"), None)
        .unwrap();
    let Outcome::Completed {
        iin: Some(iin),
        issued,
        due,
    } = &d.outcome
    else {
        panic!("expected a certificate, got {:?}", d.outcome)
    };
    let produced = d
        .produces
        .as_ref()
        .expect("the pilot declares its outcomes");
    assert_eq!(produced.id.value, "certificate-issued");
    assert_eq!(produced.forms[0].value, "pilot-certificate");
    assert_eq!(*issued, date(2024, 6, 4));
    // Mon 3 June 2024 + 1 working day, the day of application not counted.
    assert_eq!(*due, date(2024, 6, 4));
    // Born 12 Aug 1974, female: 740812, century/sex digit 4, serial 1234.
    assert!(iin.as_str().starts_with("74081241234"), "{iin}");
    assert!(iin.as_str().parse::<qujat::algo::iin::Iin>().is_ok());
}

#[test]
fn pilot_case_refused_on_ground_three() {
    let (_, d) = project()
        .decide(&root().join("cases/pilot-refused.yaml"), None)
        .unwrap();
    assert_eq!(
        d.outcome,
        Outcome::Refused {
            grounds: vec!["iin-already-registered".into()]
        }
    );
    let report = qujat::decide::report(&d);
    assert!(
        report.contains("выявления у услугополучателя ранее зарегистрированного ИИН"),
        "{report}"
    );
    assert!(report.contains("point 12, sub 3)"), "{report}");
}

#[test]
fn correction_accepted_with_due_date_over_nauryz_2026() {
    let (_, d) = project()
        .decide(&root().join("cases/correction-accepted.yaml"), None)
        .unwrap();
    // Fri 20 March 2026: 21–25 March are days off (Nauryz and its transfers).
    assert_eq!(
        d.outcome,
        Outcome::Accepted {
            due: date(2026, 3, 26)
        }
    );
}

#[test]
fn receipt_lists_exactly_the_missing_and_expired_documents() {
    let (_, d) = project()
        .decide(&root().join("cases/receipt-incomplete.yaml"), None)
        .unwrap();
    assert_eq!(
        d.outcome,
        Outcome::RefusedAtIntake {
            missing: vec!["power-of-attorney".into()],
            expired: vec!["identity-document".into()],
            not_legalized: vec![],
        }
    );
}

const PILOT_BASE: &str = r#"
id: t-1
service: iin-pilot-2024
request: formation
channel: foreign-institution
institution: 47
date: 2024-06-03
addressee: "Консул"
purpose: "работы"
applicant:
  surname: { latin: "IVANOV", cyrillic: "ИВАНОВ" }
  given_name: { latin: "IVAN", cyrillic: "ИВАН" }
  birth_date: 1980-01-01
  sex: male
  citizenship: "Россия"
  arrival_country: "Россия"
  birth_place: "Moscow"
  birth_country: "Россия"
  address: "Moscow"
documents:
  - document: application
  - document: identity-document
    kind_name: "паспорт"
    number: "7512345"
    issued: 2020-01-01
    valid_until: 2030-01-01
    issuing_state: RUS
    issuing_country: "Россия"
    scripts: [cyrillic, latin]
"#;

fn decide_text(name: &str, yaml: &str) -> Result<qujat::decide::Decision, Error> {
    let s = Scratch::new(name);
    let case = s.write("cases/t.yaml", yaml);
    let p = qujat::project::Project::open(&s.dir).unwrap();
    p.decide(&case, None).map(|(_, d)| d)
}

/// The pilot case with a passport written in neither Latin nor Cyrillic
/// letters, so the notarized translation is required, made abroad by an
/// authority of `state`.
fn with_foreign_translation(state: &str, more: &str) -> String {
    let base = PILOT_BASE.replace("scripts: [cyrillic, latin]", "scripts: [other]");
    format!(
        "{base}  - document: notarized-translation\n    foreign_authority: true\n    issuing_state: {state}\n{more}"
    )
}

#[test]
fn foreign_document_needs_apostille_unless_a_convention_exempts_it() {
    // Russia: party to the Minsk convention on that date, so no apostille needed.
    let d = decide_text("conv-rus", &with_foreign_translation("RUS", "")).unwrap();
    assert!(
        matches!(d.outcome, Outcome::Accepted { .. }),
        "{:?}",
        d.outcome
    );
    // France: no convention, no apostille: acceptance refused.
    let d = decide_text("conv-fra", &with_foreign_translation("FRA", "")).unwrap();
    assert_eq!(
        d.outcome,
        Outcome::RefusedAtIntake {
            missing: vec![],
            expired: vec![],
            not_legalized: vec!["notarized-translation".into()]
        }
    );
    // France with an apostille: accepted.
    let d = decide_text(
        "conv-fra-ap",
        &with_foreign_translation("FRA", "    legalization: apostille\n"),
    )
    .unwrap();
    assert!(
        matches!(d.outcome, Outcome::Accepted { .. }),
        "{:?}",
        d.outcome
    );
}

/// Point 7 of the Algorithm refuses an incomplete package or expired
/// documents; a document not legalized is refused by point 6 ("принимаются
/// только после прохождения процедуры специального удостоверения").
#[test]
fn a_refusal_for_a_missing_legalization_cites_point_6_not_point_7() {
    let d = decide_text("leg-cite", &with_foreign_translation("FRA", "")).unwrap();
    let refusals: Vec<String> = d
        .reasons
        .iter()
        .filter(|r| r.applied && r.text.starts_with("acceptance refused:"))
        .map(|r| format!("{} [{}]", r.text, r.cite))
        .collect();
    assert_eq!(
        refusals,
        [
            "acceptance refused: not legalized or apostilled: notarized-translation (соответствующий перевод документа, удостоверенный нотариально); [pilot-2024, appendix 2, point 6]"
        ]
    );
    assert!(
        !d.reasons
            .iter()
            .any(|r| r.applied && r.cite.point.as_deref() == Some("7")),
        "point 7 applied: {:#?}",
        d.reasons
    );
}

/// The same decision must not call the translation "not required" and then
/// refuse it for lacking a legalization.
#[test]
fn a_document_that_is_not_required_is_not_refused_for_lacking_legalization() {
    let extra = "  - document: notarized-translation\n    foreign_authority: true\n    issuing_state: FRA\n";
    let d = decide_text("leg-not-required", &format!("{PILOT_BASE}{extra}")).unwrap();
    assert!(
        matches!(d.outcome, Outcome::Accepted { .. }),
        "{:?}",
        d.outcome
    );
    let about: Vec<(&str, bool)> = d
        .reasons
        .iter()
        .filter(|r| r.text.contains("`notarized-translation`"))
        .map(|r| (r.text.as_str(), r.applied))
        .collect();
    assert_eq!(
        about,
        [
            (
                "`notarized-translation` (соответствующий перевод документа, удостоверенный нотариально) is not required: its condition does not hold",
                false
            ),
            (
                "`notarized-translation` is not required for this application, so whether it is legalized does not decide its acceptance",
                false
            ),
        ]
    );
}

/// The conventions' party lists are not complete in the data: a refusal for
/// a missing apostille says so instead of treating "not recorded" as "not a
/// party".
#[test]
fn a_legalization_refusal_says_which_party_lists_are_not_complete() {
    let d = decide_text("leg-caveat", &with_foreign_translation("FRA", "")).unwrap();
    let r = d
        .reasons
        .iter()
        .find(|r| {
            r.text
                .starts_with("`notarized-translation` needs legalization")
        })
        .expect("the legalization rule is shown");
    assert_eq!(r.cite.to_string(), "pilot-2024, appendix 2, point 6");
    assert!(
        r.text
            .contains("no convention recorded in rules/conventions.yaml exempts FRA"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("the parties of `chisinau-2002` are not all recorded in rules/conventions.yaml (Only Kazakhstan is recorded"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("the parties of `minsk-1993` are not all recorded"),
        "{}",
        r.text
    );
    let report = qujat::decide::report(&d);
    assert!(report.contains("check before refusing"), "{report}");
}

/// Order 146 opens correction only at the State Corporation (point 3 of the
/// Rules; appendix 3 gives its package only there).
#[test]
fn correction_through_the_portal_is_an_error_citing_point_3_and_appendix_3() {
    let case = std::fs::read_to_string(root().join("cases/correction-accepted.yaml")).unwrap();
    let yaml = case.replace("channel: state-corporation", "channel: portal");
    let yaml = yaml.replace("  - document: correction-application\n", "");
    let Err(Error::Input(d)) = decide_text("portal-correction", &yaml) else {
        panic!("a correction through the portal was decided")
    };
    let line = yaml.lines().position(|l| l == "channel: portal").unwrap() + 1;
    let msg = d.items[0].to_string();
    assert!(
        msg.ends_with(&format!(
            "cases/t.yaml:{line}:10: request `correction` cannot be made through channel `portal`: the rules in force on 2026-03-20 open it only through `state-corporation` [mvd-146-2023, point 3; mvd-146-2023, appendix 3, item 8, sub 2)] (at channel)"
        )),
        "{msg}"
    );
    // Formation is open on both channels.
    let formation = yaml.replace("request: correction", "request: formation");
    assert!(decide_text("portal-formation", &formation).is_ok());
}

/// Appendix 5 has one list ("Наименование отсутствующих документов"); the
/// package lacks a *valid* passport when the one presented has expired, so
/// it is listed, marked with the appendix's own words.
#[test]
fn an_expired_document_is_listed_on_the_receipt_with_the_appendix_5_words() {
    let (lc, d) = project()
        .decide(&root().join("cases/receipt-incomplete.yaml"), None)
        .unwrap();
    let cites: Vec<String> = d
        .reasons
        .iter()
        .filter(|r| r.applied && r.text.starts_with("acceptance refused:"))
        .map(|r| r.cite.to_string())
        .collect();
    assert_eq!(cites, ["mvd-146-2023, appendix 5"]);
    let ru = qujat::compose::view::of_case(&lc, &d, qujat::base::text::Lang::Ru);
    assert_eq!(
        ru.intake.missing,
        [
            "нотариально удостоверенная доверенность, в случае обращения представителя услугополучателя",
            "документ удостоверяющий личность (действительный заграничный паспорт, если иной порядок не установлен соглашением Республики Казахстан с соответствующей стороной или Правительством Республики Казахстан) (с истекшим сроком действия)",
        ]
    );
    let kk = qujat::compose::view::of_case(&lc, &d, qujat::base::text::Lang::Kk);
    assert!(
        kk.intake.missing[1].ends_with(" (қолданылу мерзімі өткен)"),
        "{:?}",
        kk.intake.missing
    );
}

/// Order 146 does not say whether the day of application counts; the
/// decision says so, and on what basis it counts the term.
#[test]
fn the_term_of_order_146_says_the_act_is_silent_on_the_day_of_application() {
    let (_, d) = project()
        .decide(&root().join("cases/correction-accepted.yaml"), None)
        .unwrap();
    let term = d
        .reasons
        .iter()
        .find(|r| r.text.starts_with("term 1 working day(s)"))
        .unwrap();
    assert_eq!(term.cite.to_string(), "mvd-146-2023, appendix 3, item 3");
    assert!(
        term.text.contains("the day of application not counted (the act does not say whether it counts: not stated in order No. 146 (appendix 3, item 3); counted from the next day"),
        "{}",
        term.text
    );
    assert!(term.text.contains("article 187"), "{}", term.text);
    // The pilot's Algorithm says it (point 5): no such note.
    let (_, d) = project()
        .decide(&root().join("cases/pilot-certificate.yaml"), None)
        .unwrap();
    let term = d
        .reasons
        .iter()
        .find(|r| r.text.starts_with("term 1 working day(s)"))
        .unwrap();
    assert_eq!(
        term.text,
        "term 1 working day(s), the day of application not counted: due 2024-06-04"
    );
    assert_eq!(term.cite.to_string(), "pilot-2024, appendix 2, point 5");
}

#[test]
fn pilot_does_not_exist_after_31_december_2024() {
    let yaml = PILOT_BASE.replace("date: 2024-06-03", "date: 2025-01-10");
    let Err(Error::Input(d)) = decide_text("expired", &yaml) else {
        panic!("expected an error")
    };
    let msg = d.items[0].to_string();
    assert!(
        msg.contains("act `pilot-2024` was in force until 2024-12-31"),
        "{msg}"
    );
    assert!(msg.contains("cases/t.yaml:3:10"), "{msg}");
}

#[test]
fn ground_three_does_not_apply_to_correction() {
    let case = std::fs::read_to_string(root().join("cases/correction-accepted.yaml")).unwrap();
    let yaml = format!("{case}findings:\n  - ground: iin-already-registered\n    note: x\n");
    let Err(Error::Input(d)) = decide_text("ground3", &yaml) else {
        panic!("expected an error")
    };
    let msg = d.items[0].to_string();
    assert!(
        msg.contains("ground `iin-already-registered` does not apply to request `correction`"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("t.yaml:{}:13", yaml.lines().count() - 1)),
        "{msg}"
    );
}

#[test]
fn invalid_iin_in_a_case_is_reported_at_its_line() {
    let case = std::fs::read_to_string(root().join("cases/correction-accepted.yaml")).unwrap();
    let yaml = case.replace("850211400021", "821214240092");
    let Err(Error::Input(d)) = decide_text("badiin", &yaml) else {
        panic!("expected an error")
    };
    let line = yaml
        .lines()
        .position(|l| l.contains("821214240092"))
        .unwrap()
        + 1;
    let msg = d.items[0].to_string();
    assert!(msg.contains(&format!("t.yaml:{line}:")), "{msg}");
    assert!(msg.contains("821214240092"), "{msg}");
}

#[test]
fn unknown_institution_and_document_are_errors() {
    let yaml = PILOT_BASE.replace("institution: 47", "institution: 97");
    let Err(Error::Input(d)) = decide_text("inst", &yaml) else {
        panic!("expected an error")
    };
    assert!(
        d.items[0]
            .message
            .contains("institution 97 is not in the list"),
        "{}",
        d.items[0]
    );
    let yaml = PILOT_BASE.replace("document: application", "document: aplication");
    let Err(Error::Input(d)) = decide_text("doc", &yaml) else {
        panic!("expected an error")
    };
    assert!(
        d.items[0].message.contains("unknown document `aplication`"),
        "{}",
        d.items[0]
    );
}

/// The lines of `qujat explain` for a case of the repository.
fn explain(case: &str) -> String {
    let path = std::path::Path::new(case);
    let (_, d) = project().decide(&root().join(path), None).unwrap();
    qujat::review::explain::explain(&d, path)
}

fn assert_block(trace: &str, block: &str) {
    assert!(trace.contains(block), "missing\n{block}\nin\n{trace}");
}

#[test]
fn explain_a_refusal_on_grounds_shows_the_finding_and_the_grounds_not_used() {
    let t = explain("cases/pilot-refused.yaml");
    assert_block(
        &t,
        "Case cases/pilot-refused.yaml: service `iin-pilot-2024`, request `formation`, applied on 2024-09-10\nOutcome: refused on grounds (iin-already-registered)\n",
    );
    assert_block(
        &t,
        "   ✓ ground `iin-already-registered`: выявления у услугополучателя ранее зарегистрированного ИИН — operator's finding: IS MP shows an IIN registered for the same person in 2015\n       rule: pilot-2024, appendix 2, point 12, sub 3)\n       fact: finding: IS MP shows an IIN registered for the same person in 2015 (cases/pilot-refused.yaml:31)\n",
    );
    assert_block(
        &t,
        "   – ground `data-not-compliant`: несоответствия данных и сведений услугополучателя, необходимых для оказания государственной услуги, требованиям, установленным нормативными правовыми актами Республики Казахстан\n       rule: pilot-2024, appendix 2, point 12, sub 2)\n       fact: no finding recorded for it\n",
    );
    assert_block(&t, "3. Grounds for refusal\n");
    assert_block(
        &t,
        "acts applied:\n  - pilot-2024 No. 11-1-4/113, 246, 166/НҚ of 2024-03-19, in force until 2024-12-31\n",
    );
}

#[test]
fn explain_a_refusal_at_intake_shows_each_document_its_condition_and_the_facts() {
    let t = explain("cases/receipt-incomplete.yaml");
    assert_block(
        &t,
        "Outcome: refused at intake (missing: power-of-attorney; expired: identity-document)\n",
    );
    assert_block(
        &t,
        "   ✓ `power-of-attorney` is required because the case shows condition `representative`\n       rule: mvd-146-2023, appendix 3, item 8, sub 1)\n       if:   representative: has(case.representative) [mvd-146-2023, appendix 3, item 8, sub 1)]\n       fact: representative = present (cases/receipt-incomplete.yaml:17)\n",
    );
    assert_block(
        &t,
        "is required, and the one presented expired before 2024-11-14\n       rule: mvd-146-2023, appendix 3, item 8, sub 1)\n       fact: presented: `identity-document`, valid until 2024-10-01 (cases/receipt-incomplete.yaml:20)\n",
    );
    assert_block(
        &t,
        "is not required: its condition does not hold\n       rule: mvd-146-2023, appendix 3, item 8, sub 1)\n       if:   identity-document-not-in-latin-or-cyrillic: documents.exists(d, d.document in [\"identity-document\", \"identity-document-copy\"] && (!has(d.scripts) || !(\"latin\" in d.scripts || \"cyrillic\" in d.scripts))) [mvd-146-2023, appendix 3, item 8, sub 1)]\n",
    );
    assert_block(
        &t,
        "       fact: documents[1].document = identity-document (cases/receipt-incomplete.yaml:20)\n       fact: documents[1].scripts = latin, other (cases/receipt-incomplete.yaml:24)\n",
    );
    assert_block(
        &t,
        "3. Grounds for refusal: not examined, because acceptance was refused at intake\n",
    );
    // The act versions in force: Rules 258 as amended by order 146.
    assert_block(
        &t,
        "acts applied:\n  - mvd-258-2020 No. 258 of 2020-03-27\n",
    );
    assert_block(&t, "amendments applied:\n  - [mvd-146-2023] title, cite");
}

/// The correction list of order 146 (appendix 3, item 8, sub 2)) spells the
/// translation "ноториально-заверенный": the receipt of a correction keeps
/// the list's own spelling, as item 82 of the institutions is kept.
#[test]
fn the_correction_receipt_keeps_the_seed_spelling_of_its_list() {
    let case = std::fs::read_to_string(root().join("cases/correction-accepted.yaml")).unwrap();
    let yaml = case.replace("scripts: [latin]", "scripts: [other]");
    let s = Scratch::new("noto");
    let path = s.write("cases/t.yaml", &yaml);
    let p = qujat::project::Project::open(&s.dir).unwrap();
    let (lc, d) = p.decide(&path, None).unwrap();
    assert_eq!(
        d.outcome,
        Outcome::RefusedAtIntake {
            missing: vec!["notarized-translation".into()],
            expired: vec![],
            not_legalized: vec![],
        }
    );
    let ru = qujat::compose::view::of_case(&lc, &d, qujat::base::text::Lang::Ru);
    assert_eq!(
        ru.intake.missing,
        ["соответствующий ноториально-заверенный перевод документа"]
    );
    assert!(
        qujat::decide::report(&d)
            .contains("missing: notarized-translation — соответствующий ноториально-заверенный перевод документа"),
        "{}",
        qujat::decide::report(&d)
    );
}

/// Seed 001, point 6: "услугополучатель лично обращается в загранучреждение".
/// The pilot case filed by a representative is not decided (so no
/// certificate), the error at the case's `representative:` line citing
/// point 6; the same case filed in person gets its certificate.
#[test]
fn a_pilot_request_filed_by_a_representative_is_not_decided() {
    let case = std::fs::read_to_string(root().join("cases/pilot-certificate.yaml")).unwrap();
    assert!(decide_text("pilot-in-person", &case).is_ok());
    let yaml = case.replacen(
        "\ndocuments:",
        "\nrepresentative: { name: \"Ахметов Берик\" }\ndocuments:",
        1,
    );
    let Err(Error::Input(d)) = decide_text("pilot-representative", &yaml) else {
        panic!("a pilot request filed by a representative was decided")
    };
    let line = yaml
        .lines()
        .position(|l| l.starts_with("representative:"))
        .unwrap()
        + 1;
    let msg = d.items[0].to_string();
    assert!(
        msg.ends_with(&format!(
            "cases/t.yaml:{line}:17: request `formation` is made by the applicant in person under the rules in force on 2024-06-03 [pilot-2024, appendix 2, point 6]: a case filed by a representative cannot be decided under them (at representative)"
        )),
        "{msg}"
    );
}

/// Each outcome names its documents in the rules: the pilot's refusal of
/// acceptance has no form in the Algorithm, and the decision says so
/// instead of producing one.
#[test]
fn an_outcome_without_a_form_says_why() {
    let yaml = PILOT_BASE.replace("  - document: application\n", "");
    let d = decide_text("pilot-no-application", &yaml).unwrap();
    assert!(matches!(d.outcome, Outcome::RefusedAtIntake { .. }));
    let o = d.produces.as_ref().unwrap();
    assert_eq!(o.id.value, "acceptance-refused");
    assert!(o.forms.is_empty());
    assert_eq!(
        d.notes,
        [
            "outcome `acceptance-refused`: the Algorithm gives no form of a receipt refusing acceptance (point 7 only says acceptance is refused)"
        ]
    );
}
