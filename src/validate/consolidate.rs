//! Consolidation: a service's rules built up from the text its act adopted
//! and the changes of its amending acts, in the order they take effect.
//! `validate` checks every state the rules pass through; `resolve` picks
//! the one in force on a date.

use crate::model::{
    Act, AmendmentFile, Change, EntryIntoForce, Part, Parts, ServiceFile, Unencoded,
};
use chrono::{Days, NaiveDate};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// When an act or change enters into force, as far as the data says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Known(NaiveDate),
    /// Not before `earliest`; the exact day needs a date the rules lack.
    Unknown {
        earliest: NaiveDate,
        why: String,
    },
}

impl Entry {
    /// The day to compare with: exact, or the earliest possible.
    pub fn day(&self) -> NaiveDate {
        match self {
            Entry::Known(d) | Entry::Unknown { earliest: d, .. } => *d,
        }
    }
    pub fn caveat(&self) -> Option<String> {
        match self {
            Entry::Known(_) => None,
            Entry::Unknown { why, .. } => Some(why.clone()),
        }
    }
    pub fn known(&self) -> Option<NaiveDate> {
        match self {
            Entry::Known(d) => Some(*d),
            Entry::Unknown { .. } => None,
        }
    }
}

/// Entry into force of `act`, or of a change with its own `rule`.
pub fn entry_of(act: &Act, rule: Option<&EntryIntoForce>) -> Option<Entry> {
    let adopted = act.date?;
    let own = rule.is_some();
    let Some(rule) = rule.or(act.entry_into_force.as_ref()) else {
        return Some(Entry::Known(adopted));
    };
    if let Some(d) = rule.date {
        return Some(Entry::Known(d));
    }
    let n = u64::from(rule.days_after_publication.unwrap_or(0));
    if let Some(p) = act.published {
        return p.checked_add_days(Days::new(n + 1)).map(Entry::Known);
    }
    let floor = act
        .registration
        .as_ref()
        .and_then(|r| r.date)
        .unwrap_or(adopted);
    Some(Entry::Unknown {
        earliest: floor.checked_add_days(Days::new(n + 1))?,
        why: format!(
            "{}`{}` enter{} into force {n} calendar days after first official publication, whose date is not recorded (rules/acts.yaml `published`); taken as in force from {} at the earliest",
            if own { "the changes of " } else { "" },
            act.id.value,
            if own { "" } else { "s" },
            floor.checked_add_days(Days::new(n + 1))?
        ),
    })
}

/// The days the rules of `act` apply, as [`act_on`] decides them: from its
/// entry into force (the earliest possible day when the publication date is
/// not recorded) to the day it expires or before its repealing act enters
/// into force, if either is known.
pub fn period(acts: &BTreeMap<String, Act>, act: &Act) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let from = entry_of(act, None)?.day();
    let repealed = act
        .repealed_by
        .as_ref()
        .and_then(|r| acts.get(&r.value))
        .and_then(|r| entry_of(r, None))
        .and_then(|e| e.day().pred_opt());
    let until = match (act.expires, repealed) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Some((from, until))
}

/// A change with where it is written and when it takes effect.
pub struct Ordered<'r> {
    pub file: &'r PathBuf,
    pub amendment: &'r AmendmentFile,
    pub index: usize,
    pub change: &'r Spanned<Change>,
    pub entry: Entry,
}

/// Every change to `service`'s rules of act `base`, in the order they take
/// effect (by entry date, then file order), with its entry into force.
pub fn ordered_changes<'r>(
    acts: &'r BTreeMap<String, Act>,
    amendments: &'r [(PathBuf, AmendmentFile)],
    service: &str,
    base: &str,
) -> Vec<Ordered<'r>> {
    let mut out = vec![];
    for (file, a) in amendments {
        let Some(act) = acts.get(&a.act.value) else {
            continue;
        };
        if a.service.value != service || act.amends.as_ref().map(|r| r.value.as_str()) != Some(base)
        {
            continue;
        }
        for (index, change) in a.changes.iter().enumerate() {
            if let Some(entry) = entry_of(act, change.value.in_force.as_ref()) {
                out.push(Ordered {
                    file,
                    amendment: a,
                    index,
                    change,
                    entry,
                });
            }
        }
    }
    out.sort_by_key(|o| o.entry.day());
    out
}

pub fn change_parts(c: &Change) -> Vec<Part> {
    let mut v = vec![];
    for p in [&c.replace, &c.insert].into_iter().flatten() {
        v.extend(p.present());
    }
    for r in &c.repeal {
        if let Ok(p) = r.value.split('.').next().unwrap_or("").parse::<Part>() {
            v.push(p);
        }
    }
    v.sort();
    v.dedup();
    v
}

/// A service's rules being built up: the base text, then changes in order.
pub struct Consolidation {
    pub rules: Parts,
    pub missing: BTreeMap<Part, String>,
    /// Where each part's text was written: file and key path of the part's
    /// parent (`rules`, `changes[3].replace`).
    pub origin: BTreeMap<Part, (PathBuf, String)>,
    /// Paragraphs of the acts applied that no part holds.
    pub unencoded: Vec<Unencoded>,
}

impl Unencoded {
    /// The paragraph a `missing:` entry names, if it names one.
    pub fn from_missing(m: &crate::model::Missing) -> Option<Unencoded> {
        Some(Unencoded {
            cite: m.cite.clone()?,
            what: m.what.clone().unwrap_or_default(),
            why: m.why.value.clone(),
        })
    }
}

impl Consolidation {
    pub fn new(file: &Path, base: &ServiceFile) -> Consolidation {
        let mut missing = BTreeMap::new();
        for m in &base.missing {
            for p in &m.parts {
                missing.insert(p.value, m.why.value.clone());
            }
        }
        let origin = base
            .rules
            .present()
            .into_iter()
            .map(|p| (p, (file.to_path_buf(), "rules".to_string())))
            .collect();
        Consolidation {
            rules: base.rules.clone(),
            missing,
            origin,
            unencoded: base
                .missing
                .iter()
                .filter_map(Unencoded::from_missing)
                .collect(),
        }
    }

    /// Applies one change; an error is (line, column, message) in its file.
    pub fn apply(
        &mut self,
        file: &Path,
        index: usize,
        change: &Spanned<Change>,
    ) -> Result<(), (u32, u32, String)> {
        let at = |s: &Spanned<Change>, m: String| {
            (s.referenced.line() as u32, s.referenced.column() as u32, m)
        };
        let c = &change.value;
        if let Some(patch) = &c.replace {
            for p in patch.present() {
                if !self.origin.contains_key(&p) && !self.missing.contains_key(&p) {
                    return Err(at(
                        change,
                        format!(
                            "`replace` rewrites `{p}`, which the rules it amends do not have (use `insert` to add a part; list it under `missing:` in the base file if its text is not in the seeds)"
                        ),
                    ));
                }
            }
            for p in self.rules.replace_from(patch) {
                self.missing.remove(&p);
                self.origin
                    .insert(p, (file.to_path_buf(), format!("changes[{index}].replace")));
            }
        }
        if let Some(patch) = &c.insert {
            for (p, r) in self.rules.insert_from(patch) {
                r.map_err(|e| at(change, format!("`insert` into `{p}`: {e}")))?;
                self.missing.remove(&p);
                self.origin
                    .entry(p)
                    .or_insert_with(|| (file.to_path_buf(), format!("changes[{index}].insert")));
            }
        }
        for r in &c.repeal {
            let (part, key) = match r.value.split_once('.') {
                Some((p, k)) => (p, Some(k)),
                None => (r.value.as_str(), None),
            };
            let here = (r.referenced.line() as u32, r.referenced.column() as u32);
            let part: Part = part.parse().map_err(|e| (here.0, here.1, e))?;
            if self.missing.contains_key(&part) && !self.origin.contains_key(&part) {
                if key.is_some() {
                    return Err((
                        here.0,
                        here.1,
                        format!("cannot repeal an item of `{part}`: its text is not encoded"),
                    ));
                }
                self.missing.remove(&part);
                continue;
            }
            self.rules
                .repeal(part, key)
                .map_err(|e| (here.0, here.1, format!("`repeal: {}`: {e}", r.value)))?;
            if key.is_none() {
                self.origin.remove(&part);
            }
        }
        Ok(())
    }
}
