//! Working-day arithmetic from a holiday calendar kept as data
//! (`rules/calendar.yaml`), so a new year or a corrected transfer is a data
//! edit, not a code change.
//!
//! A day is off when it is a Saturday or Sunday, a listed holiday, a day off
//! that is never moved (7 January, the first day of Kurban Ait), or the target
//! of a moved day off. A listed working weekend day overrides all of that.
//!
//! Moved days off come from one of two places, per year:
//! - the year's `transfers` list, when present, is the whole truth: it is
//!   what the government's transfer decree for that year actually applies,
//!   and the automatic rule is not consulted at all;
//! - otherwise the Law's rule applies: a holiday on a Saturday or Sunday moves
//!   to the next working day, the whole block together (2026: Nauryz 21 (Sat)
//!   and 22 (Sun) go to Tue 24 and Wed 25 March, as Mon 23 is a holiday too).
//!
//! Only years listed in the file are covered; any question about another
//! year is an error, never a guess.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// The calendar file as written: see `rules/calendar.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    /// National and state holidays (Law "On holidays", art. 5: days off,
    /// moved when they fall on a day off).
    pub holidays: Vec<AnnualDay>,
    /// Days off that stay put even on a weekend (Labour Code art. 84 p. 5).
    pub days_off_not_moved: Vec<AnnualDay>,
    /// The years the calendar covers, with what changes from year to year.
    pub years: BTreeMap<i32, YearEntry>,
}

/// A day that recurs on the same month and day every year.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnualDay {
    pub month: u32,
    pub day: u32,
    pub name: String,
    /// First year the day applies (e.g. Republic Day is a day off from 2022).
    #[serde(default)]
    pub from_year: Option<i32>,
    pub source: String,
}

/// What one year adds to the recurring days.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearEntry {
    /// First day of Kurban Ait: a day off, not moved; its date follows the
    /// lunar calendar and is announced each year.
    pub kurban_ait: DatedEntry,
    /// The year's transfer decree. Absent: apply the Law's automatic rule.
    /// Present (even empty): exactly these moves, nothing automatic.
    #[serde(default)]
    pub transfers: Option<Vec<Transfer>>,
    /// Saturdays or Sundays made working days, usually as the other half of a
    /// transfer (2025: Sunday 5 January worked for Friday 3 January off).
    #[serde(default)]
    pub working_weekend_days: Vec<DatedEntry>,
}

/// A single date with where it comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedEntry {
    pub date: NaiveDate,
    pub source: String,
}

/// A day off moved from `from` to `to`.
///
/// `from` is either a holiday (typically on a weekend; the weekend day stays
/// off) or a plain Saturday/Sunday, which must then also be listed in
/// `working_weekend_days`, so the data says explicitly that it is worked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub source: String,
}

/// Why the calendar cannot answer, or why the file is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// The calendar has no data for this year.
    YearNotCovered { year: i32 },
    /// A recurring day does not exist in this year (e.g. 29 February).
    NoSuchDate {
        year: i32,
        month: u32,
        day: u32,
        name: String,
    },
    /// A date listed under one year belongs to another.
    WrongYear { year: i32, date: NaiveDate },
    /// A transfer moves a day off from a day that is not off.
    TransferFromWorkingDay { from: NaiveDate },
    /// A transfer moves a day off onto a day that is already off.
    TransferToDayOff { to: NaiveDate },
    /// A transfer takes a plain weekend day but it is not listed as worked.
    WeekendTransferNotListed { from: NaiveDate },
    /// A working weekend day that is a weekday or a holiday.
    NotPlainWeekendDay { date: NaiveDate },
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::YearNotCovered { year } => {
                write!(f, "the holiday calendar has no data for {year}")
            }
            Self::NoSuchDate {
                year,
                month,
                day,
                name,
            } => write!(
                f,
                "{name}: day {day} of month {month} does not exist in {year}"
            ),
            Self::WrongYear { year, date } => {
                write!(f, "{date} is listed under {year}")
            }
            Self::TransferFromWorkingDay { from } => {
                write!(f, "transfer from {from}, which is not a day off")
            }
            Self::TransferToDayOff { to } => {
                write!(f, "transfer to {to}, which is already a day off")
            }
            Self::WeekendTransferNotListed { from } => write!(
                f,
                "transfer from weekend day {from}: list it in working_weekend_days"
            ),
            Self::NotPlainWeekendDay { date } => write!(
                f,
                "working weekend day {date} is not a Saturday or Sunday without a holiday"
            ),
        }
    }
}

impl std::error::Error for CalendarError {}

/// Working days for the covered years, built once from a [`CalendarFile`].
#[derive(Debug, Clone)]
pub struct Calendar {
    covered: BTreeSet<i32>,
    /// Days off beyond Saturdays and Sundays (weekend holidays included).
    off: BTreeSet<NaiveDate>,
    /// Weekend days made working.
    worked: BTreeSet<NaiveDate>,
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Checks the file for consistency and resolves every covered year's
    /// days off.
    pub fn new(file: CalendarFile) -> Result<Calendar, CalendarError> {
        let mut cal = Calendar {
            covered: file.years.keys().copied().collect(),
            off: BTreeSet::new(),
            worked: BTreeSet::new(),
        };
        for (&year, entry) in &file.years {
            let holidays = annual_dates(&file.holidays, year)?;
            let mut fixed = annual_dates(&file.days_off_not_moved, year)?;
            fixed.push(in_year(year, entry.kurban_ait.date)?);
            cal.off.extend(holidays.iter().chain(&fixed));

            for w in &entry.working_weekend_days {
                let date = in_year(year, w.date)?;
                if !is_weekend(date) || cal.off.contains(&date) {
                    return Err(CalendarError::NotPlainWeekendDay { date });
                }
                cal.worked.insert(date);
            }
            match &entry.transfers {
                Some(transfers) => cal.apply_transfers(year, transfers)?,
                None => cal.move_weekend_holidays(&holidays),
            }
        }
        Ok(cal)
    }

    fn apply_transfers(&mut self, year: i32, transfers: &[Transfer]) -> Result<(), CalendarError> {
        for t in transfers {
            let from = in_year(year, t.from)?;
            let to = in_year(year, t.to)?;
            if !self.off.contains(&from) {
                if !is_weekend(from) {
                    return Err(CalendarError::TransferFromWorkingDay { from });
                }
                if !self.worked.contains(&from) {
                    return Err(CalendarError::WeekendTransferNotListed { from });
                }
            }
            if is_weekend(to) || self.off.contains(&to) {
                return Err(CalendarError::TransferToDayOff { to });
            }
            self.off.insert(to);
        }
        Ok(())
    }

    /// The Law's rule: each weekend holiday, in date order, takes the next
    /// day still working, so a block of holidays moves together.
    fn move_weekend_holidays(&mut self, holidays: &[NaiveDate]) {
        let mut on_weekend: Vec<NaiveDate> = holidays
            .iter()
            .copied()
            .filter(|&d| is_weekend(d))
            .collect();
        on_weekend.sort_unstable();
        for h in on_weekend {
            if let Some(to) = h.iter_days().skip(1).find(|&d| self.is_working(d)) {
                self.off.insert(to);
            }
        }
    }

    /// Working-day test without the coverage check.
    fn is_working(&self, d: NaiveDate) -> bool {
        self.worked.contains(&d) || !(is_weekend(d) || self.off.contains(&d))
    }

    /// Whether the calendar has data for `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.covered.contains(&year)
    }

    /// Whether `d` is a working day; an error if its year is not covered.
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        if !self.covers(d.year()) {
            return Err(CalendarError::YearNotCovered { year: d.year() });
        }
        Ok(self.is_working(d))
    }

    /// The `n`-th working day after `start`: "the day of acceptance is not
    /// counted", so `start` itself never counts, and `n = 0` gives `start`.
    ///
    /// `start` and every day walked over must be in a covered year.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if !self.covers(start.year()) {
            return Err(CalendarError::YearNotCovered { year: start.year() });
        }
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().ok_or(CalendarError::YearNotCovered {
                year: d.year().saturating_add(1),
            })?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// The `n`-th working day before `end`: "3 working days before the term
    /// ends" counts back over working days only, `end` itself not counted.
    pub fn sub_working_days(&self, end: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if !self.covers(end.year()) {
            return Err(CalendarError::YearNotCovered { year: end.year() });
        }
        let mut d = end;
        let mut left = n;
        while left > 0 {
            d = d.pred_opt().ok_or(CalendarError::YearNotCovered {
                year: d.year().saturating_sub(1),
            })?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }
}

/// The dates of recurring days that apply in `year`.
fn annual_dates(days: &[AnnualDay], year: i32) -> Result<Vec<NaiveDate>, CalendarError> {
    days.iter()
        .filter(|a| a.from_year.is_none_or(|from| from <= year))
        .map(|a| {
            NaiveDate::from_ymd_opt(year, a.month, a.day).ok_or_else(|| CalendarError::NoSuchDate {
                year,
                month: a.month,
                day: a.day,
                name: a.name.clone(),
            })
        })
        .collect()
}

fn in_year(year: i32, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
    if date.year() == year {
        Ok(date)
    } else {
        Err(CalendarError::WrongYear { year, date })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> CalendarFile {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/calendar.yaml");
        let text = std::fs::read_to_string(path).unwrap();
        serde_saphyr::from_str(&text).unwrap()
    }

    fn calendar() -> Calendar {
        Calendar::new(file()).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn next(cal: &Calendar, y: i32, m: u32, d: u32) -> NaiveDate {
        cal.add_working_days(date(y, m, d), 1).unwrap()
    }

    #[test]
    fn covers_2024_to_2026_only() {
        let cal = calendar();
        assert!(cal.covers(2024) && cal.covers(2025) && cal.covers(2026));
        assert!(!cal.covers(2023) && !cal.covers(2027));
    }

    #[test]
    fn nauryz_2026_block_moves_to_24_and_25() {
        // Fri 20; Sat 21, Sun 22 (Nauryz), Mon 23 (Nauryz), Tue 24 and Wed 25
        // (moved) off; Thu 26 is the first working day.
        assert_eq!(next(&calendar(), 2026, 3, 20), date(2026, 3, 26));
    }

    #[test]
    fn kurban_ait_on_sunday_is_not_moved() {
        // Fri 14 June 2024; Sun 16 is Kurban Ait; Mon 17 works.
        assert_eq!(next(&calendar(), 2024, 6, 14), date(2024, 6, 17));
    }

    #[test]
    fn new_year_2026_across_the_year_boundary() {
        // Wed 31 Dec 2025; Thu 1 and Fri 2 Jan holidays, 3-4 weekend.
        assert_eq!(next(&calendar(), 2025, 12, 31), date(2026, 1, 5));
    }

    #[test]
    fn defender_day_2024() {
        // Mon 6 May 2024; Tue 7 May is a holiday.
        assert_eq!(next(&calendar(), 2024, 5, 6), date(2024, 5, 8));
    }

    #[test]
    fn victory_day_2026_on_saturday() {
        // Fri 8 May 2026; Sat 9 moves to Mon 11.
        assert_eq!(next(&calendar(), 2026, 5, 8), date(2026, 5, 12));
    }

    #[test]
    fn constitution_day_2026_on_sunday() {
        // Fri 28 Aug 2026; Sun 30 moves to Mon 31.
        assert_eq!(next(&calendar(), 2026, 8, 28), date(2026, 9, 1));
    }

    #[test]
    fn republic_day_2026_on_sunday() {
        // Fri 23 Oct 2026; Sun 25 moves to Mon 26.
        assert_eq!(next(&calendar(), 2026, 10, 23), date(2026, 10, 27));
    }

    #[test]
    fn nauryz_2024_saturday_moves_to_monday() {
        // Fri 22 Mar 2024 is itself Nauryz; Sat 23 moves to Mon 25.
        assert_eq!(next(&calendar(), 2024, 3, 21), date(2024, 3, 26));
    }

    #[test]
    fn january_2025_worked_sunday() {
        // Thu 2 Jan 2025 holiday; Fri 3 off (moved from Sun 5); Sat 4 off;
        // Sun 5 worked; Mon 6 works; Tue 7 Orthodox Christmas.
        let cal = calendar();
        assert_eq!(next(&cal, 2025, 1, 2), date(2025, 1, 5));
        assert_eq!(cal.is_working_day(date(2025, 1, 3)), Ok(false));
        assert_eq!(cal.is_working_day(date(2025, 1, 5)), Ok(true));
        assert_eq!(next(&cal, 2025, 1, 6), date(2025, 1, 8));
    }

    #[test]
    fn several_days_and_zero() {
        let cal = calendar();
        // From Fri 20 Mar 2026: Thu 26, Fri 27, Mon 30.
        assert_eq!(
            cal.add_working_days(date(2026, 3, 20), 3),
            Ok(date(2026, 3, 30))
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 21), 0),
            Ok(date(2026, 3, 21))
        );
    }

    #[test]
    fn uncovered_years_are_errors() {
        let cal = calendar();
        let not = |year| CalendarError::YearNotCovered { year };
        assert_eq!(cal.is_working_day(date(2023, 6, 1)), Err(not(2023)));
        assert_eq!(cal.add_working_days(date(2023, 12, 29), 1), Err(not(2023)));
        assert_eq!(cal.is_working_day(date(2027, 1, 4)), Err(not(2027)));
        // Thu 31 Dec 2026 + 1 would need 2027.
        assert_eq!(cal.add_working_days(date(2026, 12, 31), 1), Err(not(2027)));
    }

    #[test]
    fn decrees_agree_with_the_laws_rule() {
        // Without the transfer lists the automatic rule must give the same
        // days, except the 2025 government transfer of Sun 5 Jan to Fri 3 Jan.
        let with_decrees = calendar();
        let mut f = file();
        for entry in f.years.values_mut() {
            entry.transfers = None;
            entry.working_weekend_days.clear();
        }
        let by_law = Calendar::new(f).unwrap();
        let differ: Vec<NaiveDate> = date(2024, 1, 1)
            .iter_days()
            .take_while(|d| d.year() <= 2026)
            .filter(|&d| with_decrees.is_working_day(d) != by_law.is_working_day(d))
            .collect();
        assert_eq!(differ, [date(2025, 1, 3), date(2025, 1, 5)]);
    }

    fn tiny(year_yaml: &str) -> Result<Calendar, CalendarError> {
        let yaml = format!(
            "holidays:\n  - {{ month: 3, day: 8, name: w, source: s }}\n\
             days_off_not_moved: []\nyears:\n  2026:\n{year_yaml}"
        );
        Calendar::new(serde_saphyr::from_str(&yaml).unwrap())
    }

    #[test]
    fn inconsistent_data_is_rejected() {
        let kurban = "    kurban_ait: { date: 2026-05-27, source: s }\n";
        let with = |rest: &str| tiny(&format!("{kurban}{rest}"));
        assert_eq!(
            with("    transfers: [{ from: 2026-03-10, to: 2026-03-11, source: s }]\n").err(),
            Some(CalendarError::TransferFromWorkingDay {
                from: date(2026, 3, 10)
            })
        );
        assert_eq!(
            with("    transfers: [{ from: 2026-03-08, to: 2026-03-14, source: s }]\n").err(),
            Some(CalendarError::TransferToDayOff {
                to: date(2026, 3, 14)
            })
        );
        assert_eq!(
            with("    transfers: [{ from: 2026-03-15, to: 2026-03-16, source: s }]\n").err(),
            Some(CalendarError::WeekendTransferNotListed {
                from: date(2026, 3, 15)
            })
        );
        assert_eq!(
            with("    working_weekend_days: [{ date: 2026-03-08, source: s }]\n").err(),
            Some(CalendarError::NotPlainWeekendDay {
                date: date(2026, 3, 8)
            })
        );
        assert_eq!(
            tiny("    kurban_ait: { date: 2025-06-06, source: s }\n").err(),
            Some(CalendarError::WrongYear {
                year: 2026,
                date: date(2025, 6, 6)
            })
        );
    }

    #[test]
    fn empty_transfer_list_means_no_moves() {
        // 8 March 2026 is a Sunday: moved by the Law, not by an empty decree.
        let kurban = "    kurban_ait: { date: 2026-05-27, source: s }\n";
        let by_law = tiny(kurban).unwrap();
        let by_decree = tiny(&format!("{kurban}    transfers: []\n")).unwrap();
        assert_eq!(by_law.is_working_day(date(2026, 3, 9)), Ok(false));
        assert_eq!(by_decree.is_working_day(date(2026, 3, 9)), Ok(true));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let yaml = "holidays: []\ndays_off_not_moved: []\nyears: {}\nextra: 1\n";
        assert!(serde_saphyr::from_str::<CalendarFile>(yaml).is_err());
    }
}
