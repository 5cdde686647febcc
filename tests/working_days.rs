//! Working days of the repository's calendar, checked day by day against
//! an expectation written here from the sources, and the caveat a year
//! without announced data carries into `decide`, `explain` and the PDFs.

mod common;

use chrono::{Datelike, NaiveDate, Weekday};
use common::{Scratch, project};
use qujat::decide::Outcome;
use std::collections::BTreeSet;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The holidays of the Law "On holidays" as the sources give them:
/// month, day, first and last year listed.
const LAW: &[(u32, u32, i32, i32)] = &[
    (1, 1, 2023, 9999),
    (1, 2, 2023, 9999),
    (3, 8, 2023, 9999),
    (3, 15, 2027, 9999), // Constitution Day of the 2026 Constitution
    (3, 21, 2023, 9999),
    (3, 22, 2023, 9999),
    (3, 23, 2023, 9999),
    (5, 1, 2023, 9999),
    (5, 7, 2023, 9999),
    (5, 9, 2023, 9999),
    (7, 6, 2023, 9999),
    (8, 30, 2023, 2025), // no longer a holiday from 2026
    (10, 25, 2023, 9999),
    (12, 16, 2023, 9999),
];

/// Days off that the Law never moves: 7 January and the first day of Kurban
/// Ait of each recorded year.
const NOT_MOVED: &[&str] = &[
    "2024-01-07",
    "2025-01-07",
    "2026-01-07",
    "2024-06-16",
    "2025-06-06",
    "2026-05-27",
];

/// The transfers of days off announced for 2024-2026: (worked, off).
const TRANSFERS: &[(&str, &str)] = &[("2024-05-04", "2024-05-08"), ("2025-01-05", "2025-01-03")];

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn holiday(d: NaiveDate) -> bool {
    LAW.iter().any(|&(m, day, from, until)| {
        (d.month(), d.day()) == (m, day) && (from..=until).contains(&d.year())
    })
}

/// Every day off of `year` beyond Saturdays and Sundays, and the weekend
/// days worked: holidays, fixed days off, then for each holiday on a
/// weekend, taken in date order, the first later weekday that is not yet
/// off; then the transfers.
fn expected(year: i32) -> (BTreeSet<NaiveDate>, BTreeSet<NaiveDate>) {
    let days: Vec<NaiveDate> = NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .iter_days()
        .take_while(|d| d.year() == year)
        .collect();
    let mut off: BTreeSet<NaiveDate> = days.iter().copied().filter(|&d| holiday(d)).collect();
    off.extend(
        NOT_MOVED
            .iter()
            .map(|s| date(s))
            .filter(|d| d.year() == year),
    );
    let mut carried = vec![];
    for &h in days.iter().filter(|&&d| holiday(d) && weekend(d)) {
        let mut t = h.succ_opt().unwrap();
        while weekend(t) || off.contains(&t) || carried.contains(&t) {
            t = t.succ_opt().unwrap();
        }
        carried.push(t);
    }
    off.extend(carried);
    let mut worked = BTreeSet::new();
    for (w, o) in TRANSFERS.iter().map(|(w, o)| (date(w), date(o))) {
        if w.year() == year {
            worked.insert(w);
            off.insert(o);
        }
    }
    (off, worked)
}

/// The days of 2024-2026 on which `cal` differs from the expectation.
fn mismatches(cal: &qujat::algo::calendar::Calendar) -> Vec<String> {
    let mut wrong = vec![];
    for year in 2024..=2026 {
        let (off, worked) = expected(year);
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        while d.year() == year {
            let want = worked.contains(&d) || !(weekend(d) || off.contains(&d));
            let got = cal.is_working_day(d).unwrap();
            if got != want {
                wrong.push(format!(
                    "{d} ({}): calendar {got}, expected {want}",
                    d.weekday()
                ));
            }
            d = d.succ_opt().unwrap();
        }
    }
    wrong
}

#[test]
fn every_day_of_2024_to_2026_is_as_the_law_and_the_transfers_say() {
    let wrong = mismatches(&project().rules.calendar);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The weekdays off of each year, written out from the production
/// calendars and the announcements (five-day week), and the weekend days
/// worked.
#[test]
fn the_weekdays_off_are_those_of_the_production_calendars() {
    let cal = &project().rules.calendar;
    let table: [(i32, &[&str], &[&str]); 3] = [
        (
            2024,
            &[
                "01-01", "01-02", "03-08", "03-21", "03-22", "03-25", "05-01", "05-07", "05-08",
                "05-09", "07-08", "08-30", "10-25", "12-16",
            ],
            &["05-04"],
        ),
        (
            2025,
            &[
                "01-01", "01-02", "01-03", "01-07", "03-10", "03-21", "03-24", "03-25", "05-01",
                "05-07", "05-09", "06-06", "07-07", "09-01", "10-27", "12-16",
            ],
            &["01-05"],
        ),
        (
            2026,
            &[
                "01-01", "01-02", "01-07", "03-09", "03-23", "03-24", "03-25", "05-01", "05-07",
                "05-11", "05-27", "07-06", "10-26", "12-16",
            ],
            &[],
        ),
    ];
    for (year, weekdays_off, weekend_worked) in table {
        let on = |md: &&str| date(&format!("{year}-{md}"));
        let off: BTreeSet<NaiveDate> = weekdays_off.iter().map(on).collect();
        let worked: BTreeSet<NaiveDate> = weekend_worked.iter().map(on).collect();
        let mut working = 0;
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        while d.year() == year {
            let want = if weekend(d) {
                worked.contains(&d)
            } else {
                !off.contains(&d)
            };
            assert_eq!(cal.is_working_day(d), Ok(want), "{d} ({})", d.weekday());
            working += usize::from(want);
            d = d.succ_opt().unwrap();
        }
        if year == 2026 {
            // The production calendar of December 2025 counted 246 working
            // days, with Mon 31 August off for Constitution Day.
            assert_eq!(working, 247);
        }
    }
}

fn next(from: &str, n: u32) -> NaiveDate {
    project()
        .rules
        .calendar
        .add_working_days(date(from), n)
        .unwrap()
}

#[test]
fn pinned_days() {
    let cal = &project().rules.calendar;
    // Mon 6 May 2024: Tue 7 (Defender Day), Wed 8 (moved from Sat 4),
    // Thu 9 (Victory Day) off; due Fri 10. Sat 4 May was worked.
    assert_eq!(next("2024-05-06", 1), date("2024-05-10"));
    assert_eq!(cal.is_working_day(date("2024-05-08")), Ok(false));
    assert_eq!(cal.is_working_day(date("2024-05-04")), Ok(true));
    // Nauryz 2026: Sat 21, Sun 22, Mon 23 and the moved Tue 24, Wed 25.
    assert_eq!(next("2026-03-20", 1), date("2026-03-26"));
    for d in ["2026-03-23", "2026-03-24", "2026-03-25"] {
        assert_eq!(cal.is_working_day(date(d)), Ok(false), "{d}");
    }
    // 30 August is no longer a holiday from 2026: Mon 31 Aug 2026 works.
    assert_eq!(cal.is_working_day(date("2026-08-31")), Ok(true));
    assert_eq!(next("2026-08-28", 1), date("2026-08-31"));
    // 2025: Sat 30 Aug moved to Mon 1 Sep.
    assert_eq!(next("2025-08-29", 1), date("2025-09-02"));
    // 2027 from the Law: Sat 2 Jan moves to Mon 4 Jan; Thu 7 Jan is off;
    // Constitution Day Mon 15 March.
    assert_eq!(next("2026-12-31", 1), date("2027-01-05"));
    assert_eq!(next("2027-01-06", 1), date("2027-01-08"));
    assert_eq!(cal.is_working_day(date("2027-03-15")), Ok(false));
    assert_eq!(cal.is_working_day(date("2027-08-30")), Ok(true));
}

#[test]
fn a_pilot_application_of_6_may_2024_is_due_on_a_working_day() {
    // One working day from Mon 6 May 2024: Tue 7, Wed 8 (moved from Sat 4)
    // and Thu 9 are off.
    let s = Scratch::new("may-2024");
    s.edit(
        "cases/pilot-certificate.yaml",
        "date: 2024-06-03",
        "date: 2024-05-06",
    );
    let p = qujat::project::Project::open(&s.dir).unwrap_or_else(|d| panic!("{d}"));
    let (_, d) = p
        .decide(&s.path("cases/pilot-certificate.yaml"), None)
        .unwrap_or_else(|e| panic!("{e}"));
    let Outcome::Completed { due, .. } = d.outcome else {
        panic!("{:?}", d.outcome)
    };
    assert_eq!(due, date("2024-05-10"));
    assert_eq!(d.rules.caveats, Vec::<String>::new());
}

/// A day the calendar gets wrong is a defect, not a detail: the
/// day-by-day comparison must catch a single transfer recorded wrongly.
#[test]
fn the_day_by_day_comparison_catches_one_wrong_day() {
    let s = Scratch::new("wrong-day");
    // The 2024 transfer recorded onto Fri 10 May instead of Wed 8 May.
    s.edit(
        "rules/calendar.yaml",
        "        to: 2024-05-08\n",
        "        to: 2024-05-10\n",
    );
    let p = qujat::project::Project::open(&s.dir).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(
        mismatches(&p.rules.calendar),
        [
            "2024-05-08 (Wed): calendar true, expected false",
            "2024-05-10 (Fri): calendar false, expected true",
        ]
    );
}

/// The exit service's case moved to 3 December 2026: 20 working days run
/// into 2027, whose transfers are not recorded.
fn late_2026_case() -> (Scratch, qujat::project::Project) {
    let s = Scratch::new("late-2026");
    s.edit(
        "cases/exit-accepted.yaml",
        "date: 2026-09-14",
        "date: 2026-12-03",
    );
    let p = qujat::project::Project::open(&s.dir).unwrap_or_else(|d| panic!("{d}"));
    (s, p)
}

const CAVEAT: &str = "the transfers of days off for 2027 are not recorded; days computed from the Law On holidays alone";

#[test]
fn a_case_whose_term_runs_into_2027_decides_with_a_caveat() {
    let (s, p) = late_2026_case();
    let case = s.path("cases/exit-accepted.yaml");
    let (lc, d) = p.decide(&case, None).unwrap_or_else(|e| panic!("{e}"));
    // Thu 3 Dec 2026 + 20: 16 Dec is a holiday; Fri 1 and Sat 2 Jan 2027
    // are holidays, Mon 4 Jan the Law's carry-over of Sat 2 Jan.
    assert_eq!(
        d.outcome,
        Outcome::Accepted {
            due: date("2027-01-05")
        }
    );
    assert!(
        d.rules.caveats.iter().any(|c| c.contains(CAVEAT)),
        "{:?}",
        d.rules.caveats
    );
    let report = qujat::decide::report(&d);
    assert!(report.contains(CAVEAT), "{report}");
    assert!(report.contains("Kurban Ait 2027"), "{report}");
    let trace = qujat::review::explain::explain(&d, &case);
    assert!(trace.contains(CAVEAT), "{trace}");

    let docs = p
        .render_case(&lc, &d, None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!docs.documents.is_empty());
    for doc in &docs.documents {
        let subject = info(doc.pdf.bytes().unwrap(), b"Subject");
        assert!(
            subject.contains(CAVEAT),
            "{}: {subject}",
            doc.name.display()
        );
    }
}

#[test]
fn a_case_inside_recorded_years_has_no_calendar_caveat() {
    let (_, d) = project()
        .decide(&common::root().join("cases/exit-accepted.yaml"), None)
        .unwrap();
    assert_eq!(d.rules.caveats, Vec::<String>::new());
    assert!(!qujat::decide::report(&d).contains("holiday calendar of"));
}

/// One entry of a PDF's document information dictionary.
fn info(pdf: &[u8], key: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let id = doc
        .trailer
        .get(b"Info")
        .and_then(|r| r.as_reference())
        .unwrap();
    let dict = doc.get_dictionary(id).unwrap();
    lopdf::decode_text_string(dict.get(key).unwrap()).unwrap()
}

/// Every problem `qujat check` finds in a broken copy, as
/// `file:line:column: message (at key.path)`.
fn check_errors(s: &Scratch) -> Vec<String> {
    match qujat::project::Project::open(&s.dir) {
        Ok(_) => panic!("a broken calendar was accepted"),
        Err(d) => d.items.iter().map(ToString::to_string).collect(),
    }
}

fn assert_has(errs: &[String], want: &str) {
    assert!(
        errs.iter().any(|e| e == want),
        "no problem reading {want:?} in {errs:#?}"
    );
}

#[test]
fn check_reports_calendar_errors_at_their_values() {
    let f = "rules/calendar.yaml";
    // Read errors: an unknown key, an impossible date.
    let s = Scratch::new("cal-key");
    s.edit(
        f,
        "    kurban_ait: { date: 2024-06-16",
        "    kurban_ayt: { date: 2024-06-16",
    );
    let errs = check_errors(&s);
    let loc = s.locate(f, "kurban_ayt", 0);
    assert!(
        errs.iter().any(|e| e
            .starts_with(&format!("{loc}: unknown key `kurban_ayt` (expected one of"))
            && e.ends_with("(at years.2024.kurban_ayt)")),
        "{errs:#?}"
    );
    let s = Scratch::new("cal-date");
    s.edit(f, "{ date: 2025-06-06", "{ date: 2025-02-30");
    assert_has(
        &check_errors(&s),
        &format!(
            "{}: not a valid date (input is out of range); write dates as YYYY-MM-DD, e.g. 2026-07-12 (at years.2025.kurban_ait.date)",
            s.locate(f, "2025-02-30", 0)
        ),
    );
    // Data that contradicts the Law, all reported at once: a transfer onto
    // a holiday, the 2026 carry-over of 30 August put back, Kurban Ait
    // under the wrong year.
    let s = Scratch::new("cal-law");
    s.edit(f, "        to: 2024-05-08\n", "        to: 2024-05-09\n");
    s.edit(
        f,
        "      - { from: 2026-10-25,",
        "      - { from: 2026-08-30, to: 2026-08-31, source: s }\n      - { from: 2026-10-25,",
    );
    s.edit(f, "{ date: 2026-05-27", "{ date: 2025-05-27");
    let errs = check_errors(&s);
    assert_has(
        &errs,
        &format!(
            "{}: transfer onto 2024-05-09, a holiday or fixed day off (Жеңіс күні / День Победы), already a day off (at years.2024.transfers[0].to)",
            s.locate(f, "2024-05-09", 0)
        ),
    );
    assert_has(
        &errs,
        &format!(
            "{}: the Law's rule carries nothing over from 2026-08-30: it is not a holiday on a weekly day off in 2026 (at years.2026.carried_over[4].from)",
            s.locate(f, "2026-08-30", 0)
        ),
    );
    assert_has(
        &errs,
        &format!(
            "{}: 2025-05-27 is listed under 2026 (at years.2026.kurban_ait.date)",
            s.locate(f, "2025-05-27", 0)
        ),
    );
}
