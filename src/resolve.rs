//! Stage 3, resolve: the rules of a service in force on a date.
//!
//! A service is built on acts; each act has a date, possibly an expiry and an
//! entry-into-force rule that needs the first official publication date. The
//! seeds do not give publication dates, so when one is missing the act is
//! treated as in force from its date and the result says so plainly — the
//! gap is reported, never filled with a guessed date.

use crate::model::{Act, Service};
use crate::validate::Rules;
use chrono::{Days, NaiveDate};
use std::fmt;

/// An act applied to a date, with what is and is not established about it.
#[derive(Debug, Clone)]
pub struct AppliedAct {
    pub id: String,
    pub number: Option<String>,
    pub date: Option<NaiveDate>,
    /// Entry into force when it can be computed.
    pub in_force_from: Option<NaiveDate>,
    pub expires: Option<NaiveDate>,
    /// Why entry into force could not be established, if it could not.
    pub caveat: Option<String>,
}

/// A service's rules as in force on one date.
#[derive(Debug)]
pub struct InForce<'r> {
    pub service: &'r Service,
    pub date: NaiveDate,
    pub acts: Vec<AppliedAct>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    UnknownService(String),
    NotYetAdopted {
        act: String,
        adopted: NaiveDate,
        date: NaiveDate,
    },
    NotYetInForce {
        act: String,
        from: NaiveDate,
        date: NaiveDate,
    },
    Expired {
        act: String,
        expired: NaiveDate,
        date: NaiveDate,
    },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::UnknownService(s) => write!(f, "unknown service `{s}`"),
            ResolveError::NotYetAdopted { act, adopted, date } => write!(
                f,
                "no rules are encoded for {date}: act `{act}` was adopted on {adopted}, and no earlier version is in the rules"
            ),
            ResolveError::NotYetInForce { act, from, date } => write!(
                f,
                "no rules are encoded for {date}: act `{act}` enters into force on {from}"
            ),
            ResolveError::Expired { act, expired, date } => write!(
                f,
                "no rules are encoded for {date}: act `{act}` was in force until {expired}"
            ),
        }
    }
}

impl std::error::Error for ResolveError {}

pub fn service_as_of<'r>(
    rules: &'r Rules,
    service: &str,
    date: NaiveDate,
) -> Result<InForce<'r>, ResolveError> {
    let s = rules
        .services
        .get(service)
        .ok_or_else(|| ResolveError::UnknownService(service.to_string()))?;
    let acts = s
        .acts
        .iter()
        .filter_map(|id| rules.acts.get(&id.value))
        .map(|a| apply(a, date))
        .collect::<Result<_, _>>()?;
    Ok(InForce {
        service: s,
        date,
        acts,
    })
}

fn apply(act: &Act, date: NaiveDate) -> Result<AppliedAct, ResolveError> {
    let id = act.id.value.clone();
    if let Some(adopted) = act.date
        && date < adopted
    {
        return Err(ResolveError::NotYetAdopted {
            act: id,
            adopted,
            date,
        });
    }
    if let Some(expired) = act.expires
        && date > expired
    {
        return Err(ResolveError::Expired {
            act: id,
            expired,
            date,
        });
    }
    let (in_force_from, caveat) = match (&act.entry_into_force, act.published) {
        (Some(rule), Some(published)) => (
            published.checked_add_days(Days::new(u64::from(rule.days_after_publication) + 1)),
            None,
        ),
        (Some(rule), None) => (
            None,
            Some(format!(
                "enters into force {} calendar days after first official publication, whose date is not recorded (rules/acts.yaml `published`)",
                rule.days_after_publication
            )),
        ),
        (None, _) => (None, None),
    };
    if let Some(from) = in_force_from
        && date < from
    {
        return Err(ResolveError::NotYetInForce {
            act: id,
            from,
            date,
        });
    }
    Ok(AppliedAct {
        id,
        number: act.number.clone(),
        date: act.date,
        in_force_from,
        expires: act.expires,
        caveat,
    })
}
