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
    let Outcome::CertificateIssued { iin, issued, due } = &d.outcome else {
        panic!("expected a certificate, got {:?}", d.outcome)
    };
    assert_eq!(*issued, date(2024, 6, 4));
    // Mon 3 June 2024 + 1 working day, the day of application not counted.
    assert_eq!(*due, date(2024, 6, 4));
    // Born 12 Aug 1974, female: 740812, century/sex digit 4, serial 1234.
    assert!(iin.as_str().starts_with("74081241234"), "{iin}");
    assert!(iin.as_str().parse::<qujat::iin::Iin>().is_ok());
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

#[test]
fn foreign_document_needs_apostille_unless_a_convention_exempts_it() {
    let extra =
        "  - document: notarized-translation\n    foreign_authority: true\n    issuing_state: ";
    let with = |state: &str, more: &str| format!("{PILOT_BASE}{extra}{state}\n{more}");
    // Russia: party to the Minsk convention on that date, so no apostille needed.
    let d = decide_text("conv-rus", &with("RUS", "")).unwrap();
    assert!(
        matches!(d.outcome, Outcome::Accepted { .. }),
        "{:?}",
        d.outcome
    );
    // France: no convention, no apostille: acceptance refused.
    let d = decide_text("conv-fra", &with("FRA", "")).unwrap();
    assert_eq!(
        d.outcome,
        Outcome::RefusedAtIntake {
            missing: vec![],
            expired: vec![],
            not_legalized: vec!["notarized-translation".into()]
        }
    );
    // France with an apostille: accepted.
    let d = decide_text("conv-fra-ap", &with("FRA", "    legalization: apostille\n")).unwrap();
    assert!(
        matches!(d.outcome, Outcome::Accepted { .. }),
        "{:?}",
        d.outcome
    );
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
    qujat::explain::explain(&d, path)
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
        "   ✓ `power-of-attorney` is required because the case shows condition `representative`\n       rule: mvd-146-2023, appendix 3, item 8, sub 1)\n       if:   representative\n       fact: applies through a representative: Ахметов Берик (cases/receipt-incomplete.yaml:17)\n",
    );
    assert_block(
        &t,
        "is required, and the one presented expired before 2024-11-14\n       rule: mvd-146-2023, appendix 3, item 8, sub 1)\n       fact: presented: `identity-document`, valid until 2024-10-01 (cases/receipt-incomplete.yaml:20)\n",
    );
    assert_block(
        &t,
        "is not required: its condition does not hold\n       rule: mvd-146-2023, appendix 3, item 8, sub 1)\n       if:   identity-document-not-in-latin-or-cyrillic\n       fact: `identity-document` written in: latin, other (cases/receipt-incomplete.yaml:20)\n",
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
