//! Law over time: which act governs a service on a date, amendments applied
//! from their entry into force, repeal, expiry, partial entry into force,
//! the no-version error, MRP by year and the exit service's dated steps.

mod common;

use chrono::NaiveDate;
use common::{Scratch, project, root};
use qujat::decide::Outcome;
use qujat::model::Part;
use qujat::resolve::{self, ResolveError};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn acts(f: &resolve::InForce) -> Vec<&str> {
    f.acts.iter().map(|a| a.id.as_str()).collect()
}

#[test]
fn order_144_governs_2019_with_its_step_durations() {
    let f = resolve::service_as_of(&project().rules, "iin-foreigners", date("2019-06-03")).unwrap();
    assert_eq!(acts(&f), ["mvd-144-2019"]);
    let steps: Vec<(&str, Option<u32>, Option<u32>)> = f
        .service
        .steps()
        .iter()
        .map(|s| {
            let d = s.duration.as_ref();
            (
                s.id.value.as_str(),
                d.and_then(|d| d.minutes),
                d.and_then(|d| d.hours),
            )
        })
        .collect();
    assert_eq!(steps[0], ("intake-check", Some(20), None));
    assert_eq!(steps[1], ("application-to-mvd-system", Some(10), None));
    // Point 6 sub 3: the IIN is formed (no duration given) and the error
    // message is formed within 4 hours ("қате туралы тиісті хабарламаны
    // 4 сағат ішінде").
    assert_eq!(steps[2], ("iin-formation", None, None));
    assert_eq!(steps[3], ("error-message", None, Some(4)));
    let step = |id: &str| f.service.steps().iter().find(|s| s.id.value == id).unwrap();
    assert_eq!(
        step("error-message").cite.to_string(),
        "mvd-144-2019, point 6, sub 3)"
    );
    assert!(
        step("error-message")
            .text
            .get(qujat::base::text::Lang::Kk)
            .contains("қате туралы тиісті хабарламаны 4 сағат ішінде")
    );
    let rules = resolve::describe(&f);
    assert!(
        rules.contains("iin-formation, error-message (4 h)"),
        "{rules}"
    );
    assert!(
        rules.contains("sc-iin-formation, sc-error-message (4 h)"),
        "{rules}"
    );
    assert!(!rules.contains("iin-formation (4 h)"), "{rules}");
    // Its documents are in the service standard, which the seeds lack: a
    // decision says so instead of deciding on nothing.
    let why = f.service.missing.get(&Part::Documents).unwrap();
    assert!(why.contains("966"), "{why}");
}

#[test]
fn order_144_is_not_in_force_before_its_earliest_entry_nor_after_repeal() {
    let rules = &project().rules;
    // Registered 25 Feb 2019: not in force before 8 March at the earliest.
    let e = resolve::service_as_of(rules, "iin-foreigners", date("2019-03-01")).unwrap_err();
    assert!(
        e.to_string()
            .contains("mvd-144-2019 (rules/services/iin-foreigners-144.yaml): act `mvd-144-2019` enters into force on 2019-03-08 at the earliest"),
        "{e}"
    );
    // After order 258 can be in force, 144 is repealed and 258 governs.
    let f = resolve::service_as_of(rules, "iin-foreigners", date("2021-05-04")).unwrap();
    assert_eq!(acts(&f), ["mvd-258-2020"]);
    assert!(
        f.service.steps().is_empty(),
        "144's steps must not leak into 258"
    );
}

const CORRECTION: &str = "cases/correction-accepted.yaml";

#[test]
fn order_146_changes_title_requests_documents_and_grounds() {
    let rules = &project().rules;
    let before = resolve::service_as_of(rules, "iin-foreigners", date("2022-06-01")).unwrap();
    let after = resolve::service_as_of(rules, "iin-foreigners", date("2024-06-03")).unwrap();
    assert_eq!(
        before.service.title.get(qujat::base::text::Lang::Ru),
        "Формирование индивидуального идентификационного номера иностранцам, временно пребывающим в Республике Казахстан"
    );
    assert!(
        after
            .service
            .title
            .get(qujat::base::text::Lang::Ru)
            .starts_with("Формирование и корректировка")
    );
    assert!(before.service.documents().is_empty());
    assert!(before.service.missing.contains_key(&Part::Grounds));
    assert_eq!(after.service.grounds().len(), 3);
    assert!(
        after
            .service
            .requests()
            .iter()
            .any(|r| r.id.value == "correction")
    );
    assert_eq!(acts(&after), ["mvd-258-2020", "mvd-146-2023"]);
    // Seven paragraphs of the order, plus the changes declaring the
    // conditions its lists of documents name and the facts its forms print.
    assert_eq!(after.changes.len(), 9);
    // Before 146 is adopted its changes are not even pending.
    assert!(before.pending.is_empty());

    // The same case under the rules of each day.
    let p = project();
    let (_, d) = p.decide(&root().join(CORRECTION), None).unwrap();
    assert!(matches!(d.outcome, Outcome::Accepted { .. }));
    let e = p
        .decide(&root().join(CORRECTION), Some(date("2022-06-01")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot decide on 2022-06-01"), "{e}");
    assert!(e.contains("`requests` of service `iin-foreigners`"), "{e}");
    assert!(e.contains("not in the seeds"), "{e}");
}

#[test]
fn every_decision_records_the_acts_and_amendments_it_applied() {
    let (_, d) = project().decide(&root().join(CORRECTION), None).unwrap();
    let report = qujat::decide::report(&d);
    for needle in [
        "acts applied:",
        "mvd-258-2020 No. 258 of 2020-03-27",
        "mvd-146-2023 No. 146 of 2023-02-08",
        "amendments applied:",
        "[mvd-146-2023, point 15] grounds",
        "publication, whose date is not recorded",
    ] {
        assert!(report.contains(needle), "missing {needle:?} in\n{report}");
    }
}

#[test]
fn the_pilot_exists_only_from_its_entry_into_force_until_the_end_of_2024() {
    let rules = &project().rules;
    let early = resolve::service_as_of(rules, "iin-pilot-2024", date("2024-03-25")).unwrap_err();
    assert!(
        early.to_string().contains("2024-03-30 at the earliest"),
        "{early}"
    );
    let f = resolve::service_as_of(rules, "iin-pilot-2024", date("2024-12-31")).unwrap();
    assert_eq!(acts(&f), ["pilot-2024"]);
    let late = resolve::service_as_of(rules, "iin-pilot-2024", date("2025-01-01")).unwrap_err();
    assert!(
        late.to_string().contains("was in force until 2024-12-31"),
        "{late}"
    );
}

#[test]
fn a_recorded_publication_date_fixes_the_entry_into_force() {
    let s = Scratch::new("published");
    s.edit("rules/acts.yaml", "    published: null\n    entry_into_force: { days_after_publication: 10 }\n    expires: 2024-12-31", "    published: 2024-04-02\n    entry_into_force: { days_after_publication: 10 }\n    expires: 2024-12-31");
    let p = qujat::project::Project::open(&s.dir).unwrap();
    let e = resolve::service_as_of(&p.rules, "iin-pilot-2024", date("2024-04-12")).unwrap_err();
    assert!(
        e.to_string().contains("enters into force on 2024-04-13"),
        "{e}"
    );
    let f = resolve::service_as_of(&p.rules, "iin-pilot-2024", date("2024-04-13")).unwrap();
    assert_eq!(f.acts[0].in_force_from, Some(date("2024-04-13")));
    assert_eq!(f.acts[0].caveat, None);
}

#[test]
fn nothing_encoded_before_order_259_is_a_clear_error() {
    let e = resolve::service_as_of(
        &project().rules,
        "exit-permanent-residence",
        date("2019-12-31"),
    )
    .unwrap_err();
    assert!(matches!(e, ResolveError::NoVersion { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("act `mvd-259-2020` was adopted on 2020-03-27, after 2019-12-31"),
        "{e}"
    );
    // Between 259 and 348 the Rules are in force but their text is not here.
    let e = resolve::service_as_of(
        &project().rules,
        "exit-permanent-residence",
        date("2025-01-15"),
    )
    .unwrap_err();
    assert!(matches!(e, ResolveError::NotEncoded { .. }), "{e:?}");
    assert!(e.to_string().contains("`title`"), "{e}");
}

/// Order 348 enters into force on 12 July 2026, except the paragraphs its
/// point 4 lists: 10 calendar days after first official publication.
#[test]
fn order_348_enters_into_force_in_two_steps() {
    let s = Scratch::new("partial");
    s.edit(
        "rules/acts.yaml",
        "    published: null\n    entry_into_force: { date: 2026-07-12 }",
        "    published: 2026-07-10\n    entry_into_force: { date: 2026-07-12 }",
    );
    let p = qujat::project::Project::open(&s.dir).unwrap();
    let on = |d: &str| resolve::service_as_of(&p.rules, "exit-permanent-residence", date(d));
    // 15 July: the appendices are in force, the point-4 paragraphs not yet.
    let mid = on("2026-07-15").unwrap();
    assert!(mid.service.rules.term.is_some());
    assert!(mid.service.missing.contains_key(&Part::Appeals));
    assert!(
        mid.pending.iter().any(
            |c| c.parts.contains(&Part::Appeals) && c.in_force_from == Some(date("2026-07-21"))
        ),
        "{:?}",
        mid.pending
    );
    // 21 July: everything.
    let all = on("2026-07-21").unwrap();
    assert!(all.service.rules.appeals.is_some());
    assert!(all.pending.is_empty());
    // Before 12 July nothing of the amended text is in force.
    assert!(matches!(
        on("2026-07-11"),
        Err(ResolveError::NotEncoded { .. })
    ));
}

#[test]
fn exit_case_pays_one_mrp_of_the_year_of_application() {
    let p = project();
    let (_, d) = p
        .decide(&root().join("cases/exit-accepted.yaml"), None)
        .unwrap();
    let duty = d.duty.clone().unwrap();
    assert_eq!((duty.mrp, duty.year, duty.tenge), (Some(1), 2026, 4325));
    // The same application filed in 2024 and 2025, under today's rules.
    for (day, tenge) in [("2024-09-16", 3692), ("2025-09-15", 3932)] {
        let s = Scratch::new(&format!("mrp-{day}"));
        s.edit(
            "cases/exit-accepted.yaml",
            "date: 2026-09-14",
            &format!("date: {day}"),
        );
        let p = qujat::project::Project::open(&s.dir).unwrap();
        let (_, d) = p
            .decide(
                &s.dir.join("cases/exit-accepted.yaml"),
                Some(date("2026-09-14")),
            )
            .unwrap();
        assert_eq!(d.duty.unwrap().tenge, tenge, "{day}");
    }
}

#[test]
fn exit_case_lists_conditional_documents_and_dated_steps() {
    let (_, d) = project()
        .decide(&root().join("cases/exit-accepted.yaml"), None)
        .unwrap();
    // 20 working days from Mon 14 Sep 2026, the day itself not counted.
    let Outcome::Accepted { due } = d.outcome else {
        panic!("{:?}", d.outcome)
    };
    assert_eq!(due, date("2026-10-12"));
    let step = |id: &str| d.steps.iter().find(|s| s.id == id).map(|s| s.due);
    // Three working days before the term ends, then a hearing within two.
    assert_eq!(step("preliminary-decision"), Some(date("2026-10-07")));
    assert_eq!(step("hearing"), Some(date("2026-10-09")));
    let report = qujat::decide::report(&d);
    for c in [
        "children-under-16",
        "child-aged-10-or-over",
        "minor-leaving-with-one-parent",
    ] {
        let r = d
            .reasons
            .iter()
            .find(|r| r.applied && r.text.contains(&format!("`{c}`")));
        assert!(r.is_some(), "condition {c} not shown in\n{report}");
    }
}

#[test]
fn exit_refusal_names_the_ground_and_how_long_it_applies() {
    let (_, d) = project()
        .decide(&root().join("cases/exit-refused.yaml"), None)
        .unwrap();
    let Outcome::Refused { grounds } = &d.outcome else {
        panic!("{:?}", d.outcome)
    };
    assert_eq!(grounds, &["tax-debt"]);
    let report = qujat::decide::report(&d);
    assert!(report.contains("until:"), "{report}");
}

#[test]
fn a_failing_mrz_is_a_finding_for_the_operator_not_a_refusal() {
    let specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let s = Scratch::new("mrz");
    s.edit(
        "cases/pilot-certificate.yaml",
        "  - document: identity-document\n",
        &format!("  - document: identity-document\n    mrz: \"{specimen}\"\n"),
    );
    let p = qujat::project::Project::open(&s.dir).unwrap();
    let (_, d) = p
        .decide(&s.dir.join("cases/pilot-certificate.yaml"), None)
        .unwrap();
    assert!(
        matches!(d.outcome, Outcome::Completed { iin: Some(_), .. }),
        "{:?}",
        d.outcome
    );
    // The sample applicant is the ICAO specimen's Anna Maria Eriksson: names,
    // birth date and sex agree; only the passport's validity was declared
    // differently, and that is what the operator is asked to confirm.
    let found: Vec<&str> = d.to_confirm.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("expiry date") && found[0].contains("`unreliable-documents`"),
        "{found:?}"
    );
    // A corrupted check digit in the MRZ is reported too.
    let s2 = Scratch::new("mrz-digit");
    s2.edit(
        "cases/pilot-certificate.yaml",
        "  - document: identity-document\n",
        &format!(
            "  - document: identity-document\n    mrz: \"{}\"\n",
            specimen.replace("L898902C36", "L898902C37")
        ),
    );
    let p = qujat::project::Project::open(&s2.dir).unwrap();
    let (_, d) = p
        .decide(&s2.dir.join("cases/pilot-certificate.yaml"), None)
        .unwrap();
    assert!(
        d.to_confirm
            .iter()
            .any(|r| r.text.contains("document number")),
        "{:?}",
        d.to_confirm
    );
}

/// `qujat rules` lists every paragraph of each act in the seeds that no part
/// holds, with why; what the schema can hold is encoded (service form,
/// result, basis, steps, working hours, appeals).
#[test]
fn rules_lists_every_part_of_the_acts_that_is_not_encoded() {
    let rules = &project().rules;
    let describe = |service: &str, day: &str| {
        resolve::describe(&resolve::service_as_of(rules, service, date(day)).unwrap())
    };
    let has = |text: &str, needles: &[&str]| {
        for n in needles {
            assert!(text.contains(n), "missing {n:?} in\n{text}");
        }
    };
    has(
        &describe("iin-pilot-2024", "2024-06-03"),
        &[
            "  not encoded (text not in the seeds):\n    - result: the Algorithm states no result of the service as such",
            "  not encoded (in the seeds, held by no part):\n",
            "    - [pilot-2024, appendix 2, point 3] definitions of seven terms",
            "    - [pilot-2024, appendix 2, point 14] the consul's personal responsibility",
            "    - [pilot-2024, point 4] JSC \"National information technologies\"",
            "  basis: Настоящий Алгоритм реализации пилотного проекта",
            "  schedules: technical-failures\n",
            "  requests: formation (in person)\n",
            "  outcomes: accepted (accepted: no form), acceptance-refused (refused-at-intake: no form), formation-refused (refused: pilot-refusal-notice), certificate-issued (completed: pilot-certificate; computes iin)\n",
            "  appeals: reviewing-body-defined, where-filed, forward-to-reviewing-body (3 working days), no-forward-if-satisfied (3 working days), provider-review (5 working days), reviewing-body (15 working days), court\n",
            "  steps: consul-document-check, consul-application, application-to-mvd-system, iin-formation, certificate-issue\n",
        ],
    );
    has(
        &describe("iin-foreigners", "2024-06-03"),
        &[
            "  service form: Электронная (полностью автоматизированная)/ бумажная. [mvd-146-2023, appendix 3, item 4]",
            "  result: Выдача Регистрационного свидетельства либо мотивированный отказ",
            "  basis: Настоящие Правила государственной услуги",
            "  steps: application-to-mvd-system, iin-formation-or-correction, certificate-print\n",
            "    - [mvd-146-2023, point 1] paragraph 1 of the Rules, third part",
            "    - [mvd-146-2023, point 2] paragraph 2 of the Rules: definitions of fifteen terms",
            "    - [mvd-146-2023, point 3] paragraph 3 of the Rules, second part: a foreigner, stateless person or person of unsettled status convicted",
            "    - [mvd-146-2023, appendix 3, item 8] on the portal the request is signed with the EDS",
            "    - [mvd-146-2023, appendix 3, item 10] applicants who have fully or partly lost",
            "    - [mvd-258-2020] every paragraph and appendix of the Rules that order No. 146 does not rewrite",
        ],
    );
    has(
        &describe("iin-foreigners", "2019-06-03"),
        &[
            "  service form: Форма оказания государственной услуги: бумажная. [mvd-144-2019, point 3]",
            "    - [mvd-144-2019, point 8] the sequence of procedures between units",
            "    - [mvd-144-2019, point 2 of the order] the Migration Service Committee",
        ],
    );
    let exit = describe("exit-permanent-residence", "2026-09-01");
    has(
        &exit,
        &[
            "    - [mvd-348-2026, point 1, item 4] paragraph 4 of the Rules",
            "    - [mvd-348-2026, point 1, item 6] paragraph 6 of the Rules, second part",
            "    - [mvd-348-2026, point 1, item 7] paragraph 7 of the Rules, second part",
            "    - [mvd-348-2026, point 1, item 13] paragraph 13 of the Rules",
            "    - [mvd-348-2026, point 1] abzats 2-3 of point 1: the new preamble of order No. 259",
            "    - [mvd-259-2020] every paragraph and appendix of the Rules that order No. 348 does not rewrite",
        ],
    );
    // A paragraph of an amending act is listed from its own entry into
    // force: on 15 July 2026 (the order in force, its point-4 paragraphs
    // not yet, with a publication date recorded) the preamble is not.
    let s = Scratch::new("missing-in-force");
    s.edit(
        "rules/acts.yaml",
        "    published: null\n    entry_into_force: { date: 2026-07-12 }",
        "    published: 2026-07-10\n    entry_into_force: { date: 2026-07-12 }",
    );
    let p = qujat::project::Project::open(&s.dir).unwrap();
    let on = |d: &str| {
        resolve::describe(
            &resolve::service_as_of(&p.rules, "exit-permanent-residence", date(d)).unwrap(),
        )
    };
    assert!(!on("2026-07-15").contains("abzats 2-3"));
    assert!(on("2026-07-15").contains("[mvd-348-2026, point 1, item 13]"));
    assert!(on("2026-07-21").contains("abzats 2-3"));
}
