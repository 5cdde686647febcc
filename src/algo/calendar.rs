//! Working days, computed from the holiday calendar kept as data
//! (`rules/calendar.yaml`), so a new holiday, a year's transfers or a
//! correction is a data edit, not a code change.
//!
//! A day is off when it falls on a weekly day off, is a holiday the Law lists
//! on that date, is a day off that is never moved (7 January, the first day
//! of Kurban Ait), is where the Law's carry-over rule puts a holiday that fell
//! on a weekly day off, or is the target of a recorded transfer; the source
//! of a transfer (a Saturday or Sunday) is a working day.
//!
//! The Law's part is computed for every year from `covers_from` on; what is
//! announced year by year (transfers, Kurban Ait) comes from `years`. A year
//! without them is still computed, from the Law alone, and [`Calendar::caveats`]
//! says so, for the decision to carry the caveat into every output.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::base::diag::Diagnostic;

/// The calendar file as written: see `rules/calendar.yaml`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    pub law: Law,
    /// National and state holidays: days off, carried over when they fall on
    /// a weekly day off.
    pub holidays: Vec<AnnualDay>,
    /// Days off that stay put even on a weekly day off (Labour Code art. 84
    /// p. 5); Kurban Ait is given per year.
    pub days_off_not_moved: Vec<AnnualDay>,
    /// What is announced year by year.
    #[serde(default)]
    pub years: BTreeMap<i32, YearEntry>,
}

/// The Law's rules that hold for every year.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Law {
    pub act: String,
    pub source: String,
    /// The first day the lists are encoded for; earlier dates are an error.
    #[schemars(with = "NaiveDate")]
    pub covers_from: Spanned<NaiveDate>,
    /// The weekly days off of the working week the terms count on.
    #[schemars(with = "Vec<DayOfWeek>")]
    pub weekend: Vec<Spanned<DayOfWeek>>,
    pub carry_over: CarryOver,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryOver {
    pub rule: CarryOverRule,
    pub source: String,
}

/// How a holiday on a weekly day off is made up for. The Law knows one way;
/// naming it keeps the rule in the data next to its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CarryOverRule {
    /// The next working day after the holiday is a day off; holidays in a
    /// block each take the next day still working, so the block moves
    /// together.
    NextWorkingDay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DayOfWeek {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<DayOfWeek> for Weekday {
    fn from(d: DayOfWeek) -> Weekday {
        match d {
            DayOfWeek::Monday => Weekday::Mon,
            DayOfWeek::Tuesday => Weekday::Tue,
            DayOfWeek::Wednesday => Weekday::Wed,
            DayOfWeek::Thursday => Weekday::Thu,
            DayOfWeek::Friday => Weekday::Fri,
            DayOfWeek::Saturday => Weekday::Sat,
            DayOfWeek::Sunday => Weekday::Sun,
        }
    }
}

/// A day on the same month and day each year, between the dates the Law
/// lists it (30 August until 2025, 15 March from 2027).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnualDay {
    #[schemars(with = "u32")]
    pub month: Spanned<u32>,
    #[schemars(with = "u32")]
    pub day: Spanned<u32>,
    pub name: String,
    /// The first occurrence that counts is on or after this date.
    #[serde(default)]
    #[schemars(with = "Option<NaiveDate>")]
    pub from: Option<Spanned<NaiveDate>>,
    /// The last occurrence that counts is on or before this date.
    #[serde(default)]
    #[schemars(with = "Option<NaiveDate>")]
    pub until: Option<Spanned<NaiveDate>>,
    pub source: String,
    /// What the sources do not establish yet, for someone to check.
    #[serde(default)]
    pub to_confirm: Option<String>,
}

/// What one year adds to the Law. An absent key means "not recorded": the
/// year is computed without it, with a caveat.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YearEntry {
    #[schemars(with = "String")]
    pub source: Spanned<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// The first day of Kurban Ait: a day off, not moved; its date follows
    /// the lunar calendar and is announced each year.
    #[serde(default)]
    pub kurban_ait: Option<DatedEntry>,
    /// The year's transfers of days off (Labour Code art. 85 p. 3); an empty
    /// list records that there are none.
    #[serde(default)]
    pub transfers: Option<Vec<Move>>,
    /// The carry-overs a production calendar published for the year, checked
    /// against the Law's rule.
    #[serde(default)]
    pub carried_over: Option<Vec<Move>>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatedEntry {
    #[schemars(with = "NaiveDate")]
    pub date: Spanned<NaiveDate>,
    pub source: String,
}

/// A day off moved from `from` to `to`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    #[schemars(with = "NaiveDate")]
    pub from: Spanned<NaiveDate>,
    #[schemars(with = "NaiveDate")]
    pub to: Spanned<NaiveDate>,
    pub source: String,
}

/// Why a working-day question has no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// The date is before the Law's lists as encoded.
    NotCovered { date: NaiveDate, from: NaiveDate },
    /// Counting ran past the dates the date type can hold.
    OutOfRange,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotCovered { date, from } => write!(
                f,
                "the holiday calendar covers dates from {from} (rules/calendar.yaml `law.covers_from`: the Law's holidays before are not encoded); {date} is earlier"
            ),
            Self::OutOfRange => f.write_str("the count of working days runs past the last date"),
        }
    }
}

impl std::error::Error for CalendarError {}

/// An [`AnnualDay`] as validated.
#[derive(Debug, Clone)]
struct Annual {
    month: u32,
    day: u32,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    name: String,
}

impl Annual {
    /// Its date in `year`, if the Law lists it then.
    fn in_year(&self, year: i32) -> Option<NaiveDate> {
        let d = NaiveDate::from_ymd_opt(year, self.month, self.day)?;
        let listed = self.from.is_none_or(|f| f <= d) && self.until.is_none_or(|u| d <= u);
        listed.then_some(d)
    }
}

/// A year's announced data, as validated.
#[derive(Debug, Clone, Default)]
struct Year {
    kurban_ait: Option<NaiveDate>,
    /// `None`: not recorded.
    transfers: Option<Vec<(NaiveDate, NaiveDate)>>,
}

/// Working days for any date from the Law's coverage on.
#[derive(Debug, Clone)]
pub struct Calendar {
    covers_from: NaiveDate,
    weekend: Vec<Weekday>,
    holidays: Vec<Annual>,
    not_moved: Vec<Annual>,
    years: BTreeMap<i32, Year>,
}

/// The days of one year that the plain week does not show.
#[derive(Debug, Default)]
struct YearDays {
    /// Weekdays made days off: carry-overs and transfers.
    moved_to: BTreeSet<NaiveDate>,
    /// Weekly days off made working by a transfer.
    worked: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Validates the file (`path` is where it was read, for the errors) and
    /// keeps what the computation needs. Every problem is reported, each at
    /// the value at fault.
    pub fn new(path: &Path, file: &CalendarFile) -> Result<Calendar, Vec<Diagnostic>> {
        let mut errs = Errors { path, list: vec![] };
        let covers_from = file.law.covers_from.value;

        let mut weekend = vec![];
        for d in &file.law.weekend {
            let w = Weekday::from(d.value);
            if weekend.contains(&w) {
                errs.at(d, format!("{w} is listed twice"));
            } else {
                weekend.push(w);
            }
        }
        if let Some(last) = file.law.weekend.last()
            && weekend.len() == 7
        {
            errs.at(
                last,
                "a week with no working day cannot count working days".into(),
            );
        }

        let holidays = annual(&file.holidays, &mut errs);
        let not_moved = annual(&file.days_off_not_moved, &mut errs);
        // The same day listed twice for overlapping periods.
        let all: Vec<&(&AnnualDay, Annual)> = holidays.iter().chain(&not_moved).collect();
        for (i, (raw, a)) in all.iter().map(|x| (x.0, &x.1)).enumerate() {
            let twin = all[..i].iter().map(|x| &x.1).find(|b| {
                (b.month, b.day) == (a.month, a.day)
                    && a.from
                        .max(b.from)
                        .is_none_or(|start| a.until.min(b.until).is_none_or(|end| start <= end))
            });
            if let Some(b) = twin {
                errs.at(
                    &raw.day,
                    format!(
                        "{:02}-{:02} is already listed as {} for an overlapping period",
                        a.month, a.day, b.name
                    ),
                );
            }
        }

        let mut cal = Calendar {
            covers_from,
            weekend,
            holidays: holidays.into_iter().map(|(_, a)| a).collect(),
            not_moved: not_moved.into_iter().map(|(_, a)| a).collect(),
            years: BTreeMap::new(),
        };
        for (&y, e) in &file.years {
            if y < covers_from.year() {
                errs.at(
                    &e.source,
                    format!(
                        "year {y} is before `law.covers_from` ({covers_from}): the Law's holidays of that year are not encoded"
                    ),
                );
                continue;
            }
            let kurban_ait = e
                .kurban_ait
                .as_ref()
                .filter(|k| errs.in_year(y, &k.date))
                .map(|k| k.date.value);
            cal.years.insert(
                y,
                Year {
                    kurban_ait,
                    transfers: None,
                },
            );
            let carried = cal.carry_overs(y);
            if let Some(transfers) = &e.transfers {
                let ok = cal.check_transfers(y, transfers, &carried, &mut errs);
                if let Some(year) = cal.years.get_mut(&y) {
                    year.transfers = Some(ok);
                }
            }
            if let Some(published) = &e.carried_over {
                check_carried_over(y, published, &carried, &e.source, &mut errs);
            }
        }
        if errs.list.is_empty() {
            Ok(cal)
        } else {
            Err(errs.list)
        }
    }

    /// The transfers of `year` that hold: each from a weekly day off that
    /// the Law does not make a holiday, onto a day that is working by the
    /// Law and by the transfers before it.
    fn check_transfers(
        &self,
        year: i32,
        transfers: &[Move],
        carried: &[(NaiveDate, NaiveDate)],
        errs: &mut Errors,
    ) -> Vec<(NaiveDate, NaiveDate)> {
        let mut taken: BTreeMap<NaiveDate, String> = self
            .carry_overs(year - 1)
            .iter()
            .chain(carried)
            .map(|(h, t)| (*t, format!("already a day off by the carry-over of {h}")))
            .collect();
        let mut worked = BTreeSet::new();
        let mut ok = vec![];
        for m in transfers {
            if !(errs.in_year(year, &m.from) & errs.in_year(year, &m.to)) {
                continue;
            }
            let (from, to) = (m.from.value, m.to.value);
            let problem_from = if !self.is_weekend(from) {
                Some(format!(
                    "transfer from {from}, a {}: only a weekly day off can be moved",
                    from.weekday()
                ))
            } else if let Some(name) = self.law_day_off(from) {
                Some(format!(
                    "transfer from {from}, a holiday or fixed day off ({name}): the Law fixes it, only a weekly day off can be moved"
                ))
            } else if !worked.insert(from) {
                Some(format!("transfer from {from} is listed twice"))
            } else {
                None
            };
            let problem_to = if self.is_weekend(to) {
                Some(format!(
                    "transfer onto {to}, a {}, already a weekly day off",
                    to.weekday()
                ))
            } else if let Some(name) = self.law_day_off(to) {
                Some(format!(
                    "transfer onto {to}, a holiday or fixed day off ({name}), already a day off"
                ))
            } else {
                taken
                    .get(&to)
                    .map(|why| format!("transfer onto {to}, {why}"))
            };
            if let Some(p) = &problem_from {
                errs.at(&m.from, p.clone());
            }
            if let Some(p) = &problem_to {
                errs.at(&m.to, p.clone());
            }
            if problem_from.is_none() && problem_to.is_none() {
                taken.insert(to, format!("already a day off by the transfer from {from}"));
                ok.push((from, to));
            }
        }
        ok
    }

    fn is_weekend(&self, d: NaiveDate) -> bool {
        self.weekend.contains(&d.weekday())
    }

    /// The name of the holiday or fixed day off the Law puts on `d`.
    fn law_day_off(&self, d: NaiveDate) -> Option<&str> {
        let listed = |a: &&Annual| a.in_year(d.year()) == Some(d);
        if let Some(a) = self.holidays.iter().chain(&self.not_moved).find(listed) {
            return Some(&a.name);
        }
        let kurban = self.years.get(&d.year()).and_then(|y| y.kurban_ait);
        (kurban == Some(d)).then_some("the first day of Kurban Ait")
    }

    /// The Law's carry-overs of the holidays of `year`, in date order: each
    /// holiday on a weekly day off gives the next day that is neither a
    /// weekly day off, nor a day off of the Law, nor already taken.
    fn carry_overs(&self, year: i32) -> Vec<(NaiveDate, NaiveDate)> {
        if year < self.covers_from.year() {
            return vec![];
        }
        let mut on_weekend: Vec<NaiveDate> = self
            .holidays
            .iter()
            .filter_map(|a| a.in_year(year))
            .filter(|&d| self.is_weekend(d))
            .collect();
        on_weekend.sort_unstable();
        let mut out: Vec<(NaiveDate, NaiveDate)> = vec![];
        for h in on_weekend {
            let to = h.iter_days().skip(1).find(|&d| {
                !self.is_weekend(d)
                    && self.law_day_off(d).is_none()
                    && !out.iter().any(|(_, t)| *t == d)
            });
            if let Some(to) = to {
                out.push((h, to));
            }
        }
        out
    }

    /// The carry-overs and transfers that touch `year`, including a
    /// carry-over from the year before that lands in it.
    fn year_days(&self, year: i32) -> YearDays {
        let mut days = YearDays::default();
        for y in [year - 1, year] {
            for (_, to) in self.carry_overs(y) {
                if to.year() == year {
                    days.moved_to.insert(to);
                }
            }
        }
        let transfers = self.years.get(&year).and_then(|y| y.transfers.as_ref());
        for &(from, to) in transfers.into_iter().flatten() {
            days.worked.insert(from);
            days.moved_to.insert(to);
        }
        days
    }

    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        Walk::new(self).working(d)
    }

    /// The `n`-th working day after `start`: "the day of acceptance is not
    /// counted", so `start` itself never counts, and `n = 0` gives `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        Walk::new(self).count(start, n, NaiveDate::succ_opt)
    }

    /// The `n`-th working day before `end`: "3 working days before the term
    /// ends" counts back over working days only, `end` itself not counted.
    pub fn sub_working_days(&self, end: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        Walk::new(self).count(end, n, NaiveDate::pred_opt)
    }

    /// What is not established about the working days from `from` to `to`:
    /// one caveat per year whose announced data is not recorded.
    pub fn caveats(&self, from: NaiveDate, to: NaiveDate) -> Vec<String> {
        let mut out = vec![];
        for y in from.year().min(to.year())..=from.year().max(to.year()) {
            let year = self.years.get(&y);
            let transfers = year.is_some_and(|r| r.transfers.is_some());
            let kurban = year.is_some_and(|r| r.kurban_ait.is_some());
            let mut parts = vec![];
            if !transfers {
                parts.push(format!(
                    "the transfers of days off for {y} are not recorded; days computed from the Law On holidays alone"
                ));
            }
            if !kurban {
                parts.push(format!(
                    "the first day of Kurban Ait {y} (a day off on a date announced each year) is not recorded and is counted as a working day"
                ));
            }
            if !parts.is_empty() {
                out.push(format!(
                    "holiday calendar of {y} (rules/calendar.yaml): {}",
                    parts.join("; ")
                ));
            }
        }
        out
    }
}

/// One counting over the calendar, keeping each year's days once computed.
struct Walk<'a> {
    cal: &'a Calendar,
    years: BTreeMap<i32, YearDays>,
}

impl<'a> Walk<'a> {
    fn new(cal: &'a Calendar) -> Walk<'a> {
        Walk {
            cal,
            years: BTreeMap::new(),
        }
    }

    fn working(&mut self, d: NaiveDate) -> Result<bool, CalendarError> {
        if d < self.cal.covers_from {
            return Err(CalendarError::NotCovered {
                date: d,
                from: self.cal.covers_from,
            });
        }
        let cal = self.cal;
        let days = self
            .years
            .entry(d.year())
            .or_insert_with(|| cal.year_days(d.year()));
        Ok(days.worked.contains(&d)
            || !(cal.is_weekend(d) || cal.law_day_off(d).is_some() || days.moved_to.contains(&d)))
    }

    fn count(
        &mut self,
        start: NaiveDate,
        n: u32,
        step: fn(&NaiveDate) -> Option<NaiveDate>,
    ) -> Result<NaiveDate, CalendarError> {
        self.working(start)?;
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = step(&d).ok_or(CalendarError::OutOfRange)?;
            if self.working(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }
}

/// The problems found in the calendar file, each at its value.
struct Errors<'a> {
    path: &'a Path,
    list: Vec<Diagnostic>,
}

impl Errors<'_> {
    fn at<T>(&mut self, s: &Spanned<T>, msg: String) {
        self.list.push(Diagnostic::error(
            self.path,
            s.referenced.line() as u32,
            s.referenced.column() as u32,
            msg,
        ));
    }

    /// Whether a date listed under `year` is in it; an error if not.
    fn in_year(&mut self, year: i32, d: &Spanned<NaiveDate>) -> bool {
        let ok = d.value.year() == year;
        if !ok {
            self.at(d, format!("{} is listed under {year}", d.value));
        }
        ok
    }
}

/// The days of a list that exist every year, each with its entry.
fn annual<'a>(list: &'a [AnnualDay], errs: &mut Errors) -> Vec<(&'a AnnualDay, Annual)> {
    let mut out = vec![];
    for a in list {
        let (m, d) = (a.month.value, a.day.value);
        if !(1..=12).contains(&m) {
            errs.at(&a.month, format!("there is no month {m}"));
            continue;
        }
        if NaiveDate::from_ymd_opt(2023, m, d).is_none() {
            let leap_only = NaiveDate::from_ymd_opt(2024, m, d).is_some();
            errs.at(
                &a.day,
                format!(
                    "day {d} of month {m} does not exist{}",
                    if leap_only { " every year" } else { "" }
                ),
            );
            continue;
        }
        if let (Some(f), Some(u)) = (&a.from, &a.until)
            && u.value < f.value
        {
            errs.at(
                u,
                format!("`until` {} is before `from` {}", u.value, f.value),
            );
        }
        out.push((
            a,
            Annual {
                month: m,
                day: d,
                from: a.from.as_ref().map(|f| f.value),
                until: a.until.as_ref().map(|u| u.value),
                name: a.name.clone(),
            },
        ));
    }
    out
}

/// A production calendar's carry-overs must be exactly the Law's.
fn check_carried_over(
    year: i32,
    published: &[Move],
    carried: &[(NaiveDate, NaiveDate)],
    source: &Spanned<String>,
    errs: &mut Errors,
) {
    for m in published {
        if !(errs.in_year(year, &m.from) & errs.in_year(year, &m.to)) {
            continue;
        }
        match carried.iter().find(|(h, _)| *h == m.from.value) {
            None => errs.at(
                &m.from,
                format!(
                    "the Law's rule carries nothing over from {}: it is not a holiday on a weekly day off in {year}",
                    m.from.value
                ),
            ),
            Some((h, t)) if *t != m.to.value => errs.at(
                &m.to,
                format!("the Law's rule carries {h} over to {t}, not to {}", m.to.value),
            ),
            Some(_) => {}
        }
    }
    for (h, t) in carried {
        if !published.iter().any(|m| m.from.value == *h) {
            errs.at(
                source,
                format!(
                    "the Law's rule carries {h} over to {t}, which `carried_over` of {year} does not list"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A small calendar: 8 March and Nauryz from the Law, 7 January not
    /// moved, a holiday on 1 June until 2026, and `years` as given.
    fn tiny(years: &str) -> Result<Calendar, Vec<Diagnostic>> {
        let yaml = format!(
            "law:\n  act: a\n  source: s\n  covers_from: 2026-01-01\n  weekend: [saturday, sunday]\n  carry_over: {{ rule: next-working-day, source: s }}\n\
             holidays:\n  - {{ month: 3, day: 8, name: w, source: s }}\n  - {{ month: 3, day: 21, name: n, source: s }}\n  - {{ month: 3, day: 22, name: n, source: s }}\n  - {{ month: 3, day: 23, name: n, source: s }}\n  - {{ month: 6, day: 1, name: j, until: 2026-12-31, source: s }}\n\
             days_off_not_moved:\n  - {{ month: 1, day: 7, name: c, source: s }}\n\
             years:\n{years}"
        );
        let file: CalendarFile = serde_saphyr::from_str(&yaml).unwrap();
        Calendar::new(Path::new("rules/calendar.yaml"), &file)
    }

    const Y2026: &str = "  2026:\n    source: s\n    kurban_ait: { date: 2026-05-27, source: s }\n";

    /// Each problem as `line:column: message`.
    fn problems(years: &str) -> Vec<String> {
        tiny(years)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
            .collect()
    }

    #[test]
    fn a_block_of_holidays_moves_together() {
        // Sat 21 and Sun 22 March 2026 go to Tue 24 and Wed 25, Mon 23 being
        // a holiday itself; Sun 8 March goes to Mon 9.
        let cal = tiny(Y2026).unwrap();
        assert_eq!(
            cal.add_working_days(date(2026, 3, 20), 1),
            Ok(date(2026, 3, 26))
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 6), 1),
            Ok(date(2026, 3, 10))
        );
        assert_eq!(
            cal.sub_working_days(date(2026, 3, 26), 1),
            Ok(date(2026, 3, 20))
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 21), 0),
            Ok(date(2026, 3, 21))
        );
    }

    #[test]
    fn fixed_days_off_are_not_moved_and_holidays_end() {
        let cal = tiny(&format!("{Y2026}  2027:\n    source: s\n")).unwrap();
        // Thu 7 Jan 2027 is off; Sun 7 Jan 2029 gives no Monday off.
        assert_eq!(cal.is_working_day(date(2027, 1, 7)), Ok(false));
        assert_eq!(cal.is_working_day(date(2029, 1, 8)), Ok(true));
        // Kurban Ait Wed 27 May 2026 off; 1 June off in 2026 only.
        assert_eq!(cal.is_working_day(date(2026, 5, 27)), Ok(false));
        assert_eq!(cal.is_working_day(date(2026, 6, 1)), Ok(false));
        assert_eq!(cal.is_working_day(date(2027, 6, 1)), Ok(true));
    }

    #[test]
    fn a_transfer_makes_its_weekend_day_working() {
        let cal = tiny(&format!(
            "{Y2026}    transfers: [{{ from: 2026-03-07, to: 2026-03-10, source: s }}]\n"
        ))
        .unwrap();
        assert_eq!(cal.is_working_day(date(2026, 3, 7)), Ok(true));
        assert_eq!(cal.is_working_day(date(2026, 3, 10)), Ok(false));
        assert_eq!(
            cal.add_working_days(date(2026, 3, 6), 1),
            Ok(date(2026, 3, 7))
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 7), 1),
            Ok(date(2026, 3, 11))
        );
    }

    #[test]
    fn unrecorded_years_are_computed_with_a_caveat() {
        let cal = tiny(&format!(
            "{Y2026}    transfers: []\n  2027:\n    source: s\n    transfers: []\n"
        ))
        .unwrap();
        assert!(cal.caveats(date(2026, 1, 1), date(2026, 12, 31)).is_empty());
        let only_kurban = cal.caveats(date(2027, 2, 1), date(2027, 2, 1));
        assert_eq!(only_kurban.len(), 1);
        assert!(
            only_kurban[0].contains("Kurban Ait 2027"),
            "{only_kurban:?}"
        );
        assert!(!only_kurban[0].contains("transfers"), "{only_kurban:?}");
        // 2028 is not listed at all; its carry-overs still apply: Sat 8 Mar
        // 2031 gives Mon 10 Mar.
        let c = cal.caveats(date(2027, 12, 30), date(2028, 1, 4));
        assert_eq!(c.len(), 2);
        assert!(
            c[1].contains("the transfers of days off for 2028 are not recorded"),
            "{c:?}"
        );
        assert_eq!(cal.is_working_day(date(2031, 3, 10)), Ok(false));
    }

    #[test]
    fn dates_before_the_coverage_are_errors() {
        let cal = tiny(Y2026).unwrap();
        let before = CalendarError::NotCovered {
            date: date(2025, 12, 31),
            from: date(2026, 1, 1),
        };
        assert_eq!(cal.is_working_day(date(2025, 12, 31)), Err(before.clone()));
        // Fri 2 Jan 2026 back over Thu 1 (working here) to Wed 31 Dec 2025.
        assert_eq!(cal.sub_working_days(date(2026, 1, 2), 2), Err(before));
    }

    #[test]
    fn inconsistent_transfers_are_located_errors() {
        let with = |t: &str| problems(&format!("{Y2026}    transfers: [{t}]\n"));
        // Line 19 is the transfers line; its first date is at column 25.
        assert_eq!(
            with("{ from: 2026-03-10, to: 2026-03-11, source: s }"),
            ["19:25: transfer from 2026-03-10, a Tue: only a weekly day off can be moved"]
        );
        assert_eq!(
            with("{ from: 2026-03-08, to: 2026-03-12, source: s }"),
            [
                "19:25: transfer from 2026-03-08, a holiday or fixed day off (w): the Law fixes it, only a weekly day off can be moved"
            ]
        );
        assert_eq!(
            with("{ from: 2026-03-14, to: 2026-03-23, source: s }"),
            ["19:41: transfer onto 2026-03-23, a holiday or fixed day off (n), already a day off"]
        );
        assert_eq!(
            with("{ from: 2026-03-14, to: 2026-03-24, source: s }"),
            ["19:41: transfer onto 2026-03-24, already a day off by the carry-over of 2026-03-21"]
        );
        assert_eq!(
            with("{ from: 2026-03-14, to: 2026-03-15, source: s }"),
            ["19:41: transfer onto 2026-03-15, a Sun, already a weekly day off"]
        );
        assert_eq!(
            with("{ from: 2025-03-14, to: 2026-03-16, source: s }"),
            ["19:25: 2025-03-14 is listed under 2026"]
        );
    }

    #[test]
    fn published_carry_overs_must_match_the_law() {
        let with = |c: &str| problems(&format!("{Y2026}    carried_over: [{c}]\n"));
        let all = "{ from: 2026-03-08, to: 2026-03-09, source: s }, { from: 2026-03-21, to: 2026-03-24, source: s }, { from: 2026-03-22, to: 2026-03-25, source: s }";
        assert_eq!(with(all), Vec::<String>::new());
        let wrong = all.replace("to: 2026-03-25", "to: 2026-03-26");
        assert_eq!(
            with(&wrong),
            ["19:142: the Law's rule carries 2026-03-22 over to 2026-03-25, not to 2026-03-26"]
        );
        assert_eq!(
            with(
                "{ from: 2026-03-08, to: 2026-03-09, source: s }, { from: 2026-06-06, to: 2026-06-08, source: s }"
            ),
            [
                "19:77: the Law's rule carries nothing over from 2026-06-06: it is not a holiday on a weekly day off in 2026",
                "17:13: the Law's rule carries 2026-03-21 over to 2026-03-24, which `carried_over` of 2026 does not list",
                "17:13: the Law's rule carries 2026-03-22 over to 2026-03-25, which `carried_over` of 2026 does not list",
            ]
        );
    }

    #[test]
    fn impossible_days_and_periods_are_located_errors() {
        let yaml = "law:\n  act: a\n  source: s\n  covers_from: 2026-01-01\n  weekend: [saturday, sunday, sunday]\n  carry_over: { rule: next-working-day, source: s }\n\
             holidays:\n  - { month: 2, day: 29, name: a, source: s }\n  - { month: 4, day: 31, name: b, source: s }\n  - { month: 13, day: 1, name: c, source: s }\n\
             \x20 - { month: 5, day: 1, name: d, from: 2027-01-01, until: 2026-01-01, source: s }\n  - { month: 5, day: 2, name: e, source: s }\n\
             days_off_not_moved:\n  - { month: 5, day: 2, name: f, from: 2030-01-01, source: s }\n\
             years:\n  2025:\n    source: s\n";
        let file: CalendarFile = serde_saphyr::from_str(yaml).unwrap();
        let errs: Vec<String> = Calendar::new(Path::new("c.yaml"), &file)
            .unwrap_err()
            .into_iter()
            .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
            .collect();
        assert_eq!(
            errs,
            [
                "5:31: Sun is listed twice",
                "8:22: day 29 of month 2 does not exist every year",
                "9:22: day 31 of month 4 does not exist",
                "10:14: there is no month 13",
                "11:59: `until` 2026-01-01 is before `from` 2027-01-01",
                "14:22: 05-02 is already listed as e for an overlapping period",
                "17:13: year 2025 is before `law.covers_from` (2026-01-01): the Law's holidays of that year are not encoded",
            ]
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let yaml = "law: { act: a, source: s, covers_from: 2026-01-01, weekend: [], carry_over: { rule: next-working-day, source: s }, extra: 1 }\nholidays: []\ndays_off_not_moved: []\n";
        assert!(serde_saphyr::from_str::<CalendarFile>(yaml).is_err());
    }
}
