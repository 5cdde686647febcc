//! Stage 3, resolve: the rules of a service in force on a date.
//!
//! A service has one file per act that adopted its rules (order 144, then
//! Rules 258) and amendment files that rewrite parts of them. On a date D the
//! version whose act is in force governs, and every change whose entry into
//! force is on or before D is applied to it, in order.
//!
//! Entry into force is often "N calendar days after first official
//! publication", and the seeds give no publication dates. Then the act is
//! certainly not in force before the earliest day it could be (registration,
//! or else adoption, plus N+1 days); from that day on it is taken as in force
//! and the result carries a caveat naming the missing date — the gap is shown
//! in every output, never filled with a guessed date.

use crate::base::text::Citation;
use crate::model::{Act, Part, Service, Unencoded};
use crate::validate::Rules;
use crate::validate::consolidate::{Consolidation, Entry, change_parts, entry_of, ordered_changes};
use chrono::NaiveDate;
use std::fmt;
use std::path::PathBuf;

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

/// One change of an amending act, applied or still to come.
#[derive(Debug, Clone)]
pub struct AppliedChange {
    pub act: String,
    pub cite: Citation,
    pub summary: Option<String>,
    /// The parts it replaced, inserted into or repealed.
    pub parts: Vec<Part>,
    pub in_force_from: Option<NaiveDate>,
    pub caveat: Option<String>,
}

/// A service's rules as in force on one date.
#[derive(Debug, Clone)]
pub struct InForce {
    pub service: Service,
    pub date: NaiveDate,
    /// The base act first, then every amending act with a change applied.
    pub acts: Vec<AppliedAct>,
    pub changes: Vec<AppliedChange>,
    /// Changes already adopted that are not in force on the date.
    pub pending: Vec<AppliedChange>,
    /// What else is not established about applying these rules, beyond the
    /// acts' own caveats: `decide` adds the holiday calendar's for the years
    /// its terms cross.
    pub caveats: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    UnknownService(String),
    /// No version of the service is in force on the date; one line per
    /// encoded version says why not.
    NoVersion {
        service: String,
        date: NaiveDate,
        why: Vec<String>,
    },
    /// More than one version may be in force (entry dates unknown).
    Ambiguous {
        service: String,
        date: NaiveDate,
        acts: Vec<String>,
    },
    /// The version in force lacks its name or citation.
    NotEncoded {
        service: String,
        date: NaiveDate,
        act: String,
        parts: Vec<(Part, String)>,
    },
    /// An amendment does not fit the rules it amends.
    Amendment {
        file: PathBuf,
        line: u32,
        column: u32,
        message: String,
    },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::UnknownService(s) => write!(f, "unknown service `{s}`"),
            ResolveError::NoVersion { service, date, why } => {
                write!(f, "no rules of service `{service}` are encoded for {date}:")?;
                for w in why {
                    write!(f, "\n  - {w}")?;
                }
                Ok(())
            }
            ResolveError::Ambiguous {
                service,
                date,
                acts,
            } => write!(
                f,
                "more than one version of service `{service}` may be in force on {date} ({}); record the publication dates in rules/acts.yaml to decide",
                acts.join(", ")
            ),
            ResolveError::NotEncoded {
                service,
                date,
                act,
                parts,
            } => {
                write!(
                    f,
                    "the rules of service `{service}` in force on {date} (act `{act}`) are not encoded:"
                )?;
                // One line per reason: the parts it covers, then why.
                let mut by_why: Vec<(&str, Vec<String>)> = vec![];
                for (p, why) in parts {
                    match by_why.iter_mut().find(|(w, _)| w == why) {
                        Some((_, ps)) => ps.push(format!("`{p}`")),
                        None => by_why.push((why, vec![format!("`{p}`")])),
                    }
                }
                for (why, ps) in by_why {
                    write!(f, "\n  - {}: {why}", ps.join(", "))?;
                }
                Ok(())
            }
            ResolveError::Amendment {
                file,
                line,
                column,
                message,
            } => write!(f, "{}:{line}:{column}: {message}", file.display()),
        }
    }
}

impl std::error::Error for ResolveError {}

/// Whether `act` applies on `date`: `Ok` with its facts, or why not.
pub fn act_on(rules: &Rules, act: &Act, date: NaiveDate) -> Result<AppliedAct, String> {
    let id = &act.id.value;
    let Some(adopted) = act.date else {
        return Err(format!("act `{id}` has no date in rules/acts.yaml"));
    };
    if date < adopted {
        return Err(format!("act `{id}` was adopted on {adopted}, after {date}"));
    }
    let Some(entry) = entry_of(act, None) else {
        return Err(format!("the entry into force of `{id}` cannot be computed"));
    };
    if date < entry.day() {
        return Err(match &entry {
            Entry::Known(d) => format!("act `{id}` enters into force on {d}"),
            Entry::Unknown { earliest, .. } => format!(
                "act `{id}` enters into force on {earliest} at the earliest (publication date not recorded)"
            ),
        });
    }
    if let Some(expired) = act.expires
        && date > expired
    {
        return Err(format!("act `{id}` was in force until {expired}"));
    }
    if let Some(by) = &act.repealed_by
        && let Some(repealer) = rules.acts.get(&by.value)
        && let Some(e) = entry_of(repealer, None)
        && date >= e.day()
    {
        return Err(format!(
            "act `{id}` was repealed by `{}`, in force from {}{}",
            by.value,
            e.day(),
            if e.known().is_none() {
                " at the earliest (publication date not recorded)"
            } else {
                ""
            }
        ));
    }
    Ok(AppliedAct {
        id: id.clone(),
        number: act.number.clone(),
        date: act.date,
        in_force_from: entry.known(),
        expires: act.expires,
        caveat: entry.caveat(),
    })
}

/// The rules of `service` in force on `date`.
pub fn service_as_of(
    rules: &Rules,
    service: &str,
    date: NaiveDate,
) -> Result<InForce, ResolveError> {
    let versions = rules
        .services
        .get(service)
        .ok_or_else(|| ResolveError::UnknownService(service.to_string()))?;
    let mut in_force = vec![];
    let mut why = vec![];
    for (file, v) in versions {
        match rules.acts.get(&v.act.value) {
            Some(act) => match act_on(rules, act, date) {
                Ok(a) => in_force.push((file, v, a)),
                Err(e) => why.push(format!("{} ({}): {e}", v.act.value, file.display())),
            },
            None => why.push(format!("unknown act `{}`", v.act.value)),
        }
    }
    let (file, base, base_act) = match in_force.len() {
        0 => {
            return Err(ResolveError::NoVersion {
                service: service.to_string(),
                date,
                why,
            });
        }
        1 => in_force.remove(0),
        _ => {
            return Err(ResolveError::Ambiguous {
                service: service.to_string(),
                date,
                acts: in_force
                    .iter()
                    .map(|(_, v, _)| v.act.value.clone())
                    .collect(),
            });
        }
    };
    let mut state = Consolidation::new(file, base);
    let mut acts = vec![base_act];
    let mut changes = vec![];
    let mut pending = vec![];
    for o in ordered_changes(&rules.acts, &rules.amendments, service, &base.act.value) {
        let (afile, amendment, change, entry) = (o.file, o.amendment, &o.change.value, o.entry);
        let Some(act) = rules.acts.get(&amendment.act.value) else {
            continue;
        };
        let adopted = act.date.is_some_and(|d| d <= date);
        let mut applied = AppliedChange {
            act: amendment.act.value.clone(),
            cite: change.cite.clone(),
            summary: change.summary.clone(),
            parts: change_parts(change),
            in_force_from: entry.known(),
            caveat: entry.caveat(),
        };
        if !adopted || date < entry.day() {
            if adopted {
                applied.in_force_from = Some(entry.day());
                pending.push(applied);
            }
            continue;
        }
        state
            .apply(afile, o.index, o.change)
            .map_err(|(line, column, message)| ResolveError::Amendment {
                file: afile.clone(),
                line,
                column,
                message,
            })?;
        if !acts
            .iter()
            .any(|a: &AppliedAct| a.id == amendment.act.value)
        {
            acts.push(AppliedAct {
                id: amendment.act.value.clone(),
                number: act.number.clone(),
                date: act.date,
                in_force_from: entry_of(act, None).and_then(|e| e.known()),
                expires: act.expires,
                caveat: None,
            });
        }
        changes.push(applied);
    }
    // An amending act's caveat is the one of its changes, which may differ
    // from change to change; list each once.
    for a in acts.iter_mut().skip(1) {
        let mut caveats: Vec<&str> = changes
            .iter()
            .filter(|c| c.act == a.id)
            .filter_map(|c| c.caveat.as_deref())
            .collect();
        caveats.dedup();
        if !caveats.is_empty() {
            a.caveat = Some(caveats.join("; "));
        }
    }
    // Paragraphs of the amending acts that no change encodes, from the day
    // they enter into force.
    for (_, a) in rules.amendments.iter().filter(|(_, a)| {
        a.service.value == service
            && rules
                .acts
                .get(&a.act.value)
                .and_then(|act| act.amends.as_ref())
                .is_some_and(|r| r.value == base.act.value)
    }) {
        let Some(act) = rules.acts.get(&a.act.value) else {
            continue;
        };
        for m in &a.missing {
            let in_force = act.date.is_some_and(|d| d <= date)
                && entry_of(act, m.in_force.as_ref()).is_some_and(|e| e.day() <= date);
            if in_force {
                state.unencoded.extend(Unencoded::from_missing(m));
            }
        }
    }
    let service = state.finish(service, date, &base.act.value)?;
    Ok(InForce {
        service,
        date,
        acts,
        changes,
        pending,
        caveats: vec![],
    })
}

impl Consolidation {
    /// The consolidated service; it must at least have a name and a citation.
    pub fn finish(
        self,
        service: &str,
        date: NaiveDate,
        act: &str,
    ) -> Result<Service, ResolveError> {
        let (Some(title), Some(cite)) = (self.rules.title.clone(), self.rules.cite.clone()) else {
            let parts = [Part::Title, Part::Cite]
                .into_iter()
                .filter(|p| !self.origin.contains_key(p))
                .map(|p| {
                    let why = self
                        .missing
                        .get(&p)
                        .cloned()
                        .unwrap_or_else(|| "not given".into());
                    (p, why)
                })
                .chain(
                    self.missing
                        .iter()
                        .filter(|(p, _)| !matches!(p, Part::Title | Part::Cite))
                        .map(|(p, w)| (*p, w.clone())),
                )
                .collect();
            return Err(ResolveError::NotEncoded {
                service: service.to_string(),
                date,
                act: act.to_string(),
                parts,
            });
        };
        Ok(Service {
            id: service.to_string(),
            title,
            cite,
            rules: self.rules,
            missing: self.missing,
            unencoded: self.unencoded,
            origin: self.origin,
        })
    }
}

/// What a result rests on, for every output: the acts, the changes applied
/// and the changes adopted but not yet in force.
pub fn applied(f: &InForce) -> String {
    use std::fmt::Write;
    let mut out = String::from("acts applied:\n");
    for a in &f.acts {
        let _ = write!(
            out,
            "  - {} No. {} of {}",
            a.id,
            a.number.as_deref().unwrap_or("?"),
            a.date.map(|d| d.to_string()).unwrap_or_else(|| "?".into())
        );
        if let Some(from) = a.in_force_from {
            let _ = write!(out, ", in force from {from}");
        }
        if let Some(e) = a.expires {
            let _ = write!(out, ", in force until {e}");
        }
        if let Some(c) = &a.caveat {
            let _ = write!(out, "\n      caveat: {c}");
        }
        out.push('\n');
    }
    // A change's caveat is shown only where it differs from its act's.
    let shown: Vec<&str> = f.acts.iter().filter_map(|a| a.caveat.as_deref()).collect();
    let line = |c: &AppliedChange| {
        let mut c = c.clone();
        if c.caveat
            .as_deref()
            .is_some_and(|cv| shown.iter().any(|s| s.contains(cv)))
        {
            c.caveat = None;
        }
        change_line(&c)
    };
    if !f.changes.is_empty() {
        out.push_str("amendments applied:\n");
        for c in &f.changes {
            let _ = writeln!(out, "  - {}", line(c));
        }
    }
    if !f.pending.is_empty() {
        let _ = writeln!(out, "adopted, not in force on {}:", f.date);
        for c in &f.pending {
            let _ = writeln!(out, "  - {}", line(c));
        }
    }
    if !f.caveats.is_empty() {
        out.push_str("caveats:\n");
        for c in &f.caveats {
            let _ = writeln!(out, "  - {c}");
        }
    }
    if !f.service.missing.is_empty() {
        out.push_str("not encoded (text not in the seeds):\n");
        let mut by_why: Vec<(&str, Vec<&str>)> = vec![];
        for (p, why) in &f.service.missing {
            match by_why.iter_mut().find(|(w, _)| w == why) {
                Some((_, ps)) => ps.push(p.name()),
                None => by_why.push((why, vec![p.name()])),
            }
        }
        for (why, ps) in by_why {
            let _ = writeln!(out, "  - {}: {why}", ps.join(", "));
        }
    }
    if !f.service.unencoded.is_empty() {
        out.push_str("not encoded (in the seeds, held by no part):\n");
        for u in &f.service.unencoded {
            let _ = writeln!(out, "  - [{}] {}: {}", u.cite, u.what, u.why);
        }
    }
    out
}

fn change_line(c: &AppliedChange) -> String {
    let parts: Vec<&str> = c.parts.iter().map(|p| p.name()).collect();
    let mut s = format!("[{}] {}", c.cite, parts.join(", "));
    if let Some(sum) = &c.summary {
        s.push_str(&format!(" — {sum}"));
    }
    if let Some(from) = c.in_force_from {
        s.push_str(&format!(" (from {from})"));
    }
    if let Some(cv) = &c.caveat {
        s.push_str(&format!(" (caveat: {cv})"));
    }
    s
}

/// The consolidated rules as plain text, for `qujat rules`: what legal staff
/// check after recording an amendment.
pub fn describe(f: &InForce) -> String {
    use crate::base::text::Lang;
    use std::fmt::Write;
    let s = &f.service;
    let r = &s.rules;
    let mut out = String::new();
    let _ = writeln!(out, "{} on {}", s.id, f.date);
    let _ = writeln!(out, "  title: {} [{}]", s.title.get(Lang::Ru), s.cite);
    if let Some(t) = &r.term {
        let _ = writeln!(
            out,
            "  term: {} working day(s), day of application {} [{}]",
            t.working_days,
            if t.application_day_counted {
                "counted"
            } else {
                "not counted"
            },
            t.cite
        );
        if let Some(why) = &t.counting_when_silent {
            let _ = writeln!(
                out,
                "    the act does not say whether the day of application counts: {why}"
            );
        }
    }
    for (what, c) in [
        ("basis", &r.basis),
        ("provider", &r.provider),
        ("service form", &r.service_form),
        ("result", &r.result),
    ] {
        if let Some(c) = c {
            let _ = writeln!(out, "  {what}: {} [{}]", c.text.get(Lang::Ru), c.cite);
        }
    }
    for (what, n) in [
        ("max wait", &r.max_wait_minutes),
        ("max service", &r.max_service_minutes),
    ] {
        if let Some(n) = n {
            let _ = writeln!(out, "  {what}: {} min [{}]", n.value, n.cite);
        }
    }
    if let Some(fee) = &r.fee {
        match fee.mrp {
            Some(m) => {
                let _ = writeln!(out, "  fee: {m} MRP [{}]", fee.cite);
            }
            None if fee.free => {
                let _ = writeln!(out, "  fee: free [{}]", fee.cite);
            }
            None => {
                let _ = writeln!(out, "  fee: {} [{}]", fee.text.get(Lang::Ru), fee.cite);
            }
        }
    }
    let list = |out: &mut String, name: &str, items: Vec<String>| {
        if !items.is_empty() {
            let _ = writeln!(out, "  {name}: {}", items.join(", "));
        }
    };
    list(
        &mut out,
        "channels",
        s.channels().iter().map(|x| x.id.value.clone()).collect(),
    );
    list(
        &mut out,
        "requests",
        s.requests()
            .iter()
            .map(|x| {
                let how = if x.in_person { " (in person)" } else { "" };
                format!("{}{how}", x.id.value)
            })
            .collect(),
    );
    list(
        &mut out,
        "documents",
        s.documents().iter().map(|x| x.id.value.clone()).collect(),
    );
    list(
        &mut out,
        "grounds",
        s.grounds().iter().map(|x| x.id.value.clone()).collect(),
    );
    list(
        &mut out,
        "schedules",
        r.schedules.iter().flatten().map(|x| x.id.clone()).collect(),
    );
    list(
        &mut out,
        "appeals",
        r.appeals
            .iter()
            .flatten()
            .map(|x| match x.working_days {
                Some(n) => format!("{} ({n} working days)", x.id),
                None => x.id.clone(),
            })
            .collect(),
    );
    list(
        &mut out,
        "steps",
        s.steps()
            .iter()
            .map(|x| {
                let d = x
                    .duration
                    .as_ref()
                    .map(
                        |d| match (d.minutes, d.hours, d.working_days, d.calendar_days) {
                            (Some(m), ..) => format!(" ({m} min)"),
                            (_, Some(h), ..) => format!(" ({h} h)"),
                            (_, _, Some(w), _) => format!(" ({w} working days)"),
                            (_, _, _, Some(c)) => format!(" ({c} calendar days)"),
                            _ => String::new(),
                        },
                    )
                    .unwrap_or_default();
                format!("{}{d}", x.id.value)
            })
            .collect(),
    );
    if let Some(forms) = &r.forms {
        let v: Vec<String> = forms
            .application
            .iter()
            .map(|(k, f)| format!("application.{k}={}", f.value))
            .collect();
        list(&mut out, "forms", v);
    }
    if let Some(outcomes) = &r.outcomes {
        let v = outcomes
            .iter()
            .map(|o| format!("{} ({})", o.id.value, o.summary()))
            .collect();
        list(&mut out, "outcomes", v);
    }
    for line in applied(f).lines() {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// One line for a document's metadata: the rules it was made under, and
/// every caveat on them.
pub fn provenance(f: &InForce) -> String {
    let acts: Vec<&str> = f.acts.iter().map(|a| a.id.as_str()).collect();
    let changes: Vec<String> = f.changes.iter().map(|c| c.cite.to_string()).collect();
    let mut s = format!(
        "; rules of {} in force on {}: {}",
        f.service.id,
        f.date,
        acts.join(" + ")
    );
    if !changes.is_empty() {
        s.push_str(&format!("; amendments applied: {}", changes.join("; ")));
    }
    let acts = f.acts.iter().filter_map(|a| a.caveat.as_deref());
    for c in acts.chain(f.caveats.iter().map(String::as_str)) {
        s.push_str(&format!("; caveat: {c}"));
    }
    s
}
