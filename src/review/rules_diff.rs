//! `qujat diff --as-of D1 --to D2`: what changed in the law as encoded.
//!
//! Both dates are resolved like any other (`resolve::service_as_of`); the
//! consolidated parts are then compared item by item (documents, grounds,
//! requirements … by id; terms, fees and texts as a whole) and every
//! difference is attributed to what caused it: the changes of amending acts
//! that apply on one date and not on the other, or a new base act.

use crate::base::text::Lang;
use crate::model::{Part, Parts};
use crate::resolve::{self, AppliedChange, InForce};
use crate::validate::Rules;
use chrono::NaiveDate;
use std::fmt::Write;

/// The rules of every service on two dates, compared.
#[derive(Debug)]
pub struct RulesDiff {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub services: Vec<ServiceDiff>,
}

#[derive(Debug)]
pub struct ServiceDiff {
    pub id: String,
    pub change: ServiceChange,
}

#[derive(Debug)]
pub enum ServiceChange {
    /// In force on neither date; why not on the later one.
    Neither(String),
    /// Applies only on the later date; why not on the earlier one.
    Added { acts: Vec<String>, before: String },
    /// In force only on the earlier date; why not on the later one.
    Removed(String),
    /// In force on both dates; the parts that differ (none: unchanged).
    Parts(Vec<PartDiff>),
}

/// One part of a service's rules that differs between the dates.
#[derive(Debug)]
pub struct PartDiff {
    pub part: Part,
    pub items: Vec<ItemDiff>,
    /// What caused it: amending acts' changes or a new base act.
    pub by: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ItemDiff {
    Added {
        key: String,
        now: String,
    },
    Removed {
        key: String,
        was: String,
    },
    Changed {
        key: String,
        was: String,
        now: String,
    },
}

/// Compares the rules in force on `from` with those in force on `to`.
pub fn diff(rules: &Rules, from: NaiveDate, to: NaiveDate) -> RulesDiff {
    let services = rules
        .services
        .keys()
        .map(|id| {
            let a = resolve::service_as_of(rules, id, from);
            let b = resolve::service_as_of(rules, id, to);
            let change = match (a, b) {
                (Err(_), Err(e)) => ServiceChange::Neither(e.to_string()),
                (Err(e), Ok(b)) => ServiceChange::Added {
                    acts: b.acts.iter().map(|a| a.id.clone()).collect(),
                    before: e.to_string(),
                },
                (Ok(_), Err(e)) => ServiceChange::Removed(e.to_string()),
                (Ok(a), Ok(b)) => ServiceChange::Parts(compare(&a, &b)),
            };
            ServiceDiff {
                id: id.clone(),
                change,
            }
        })
        .collect();
    RulesDiff { from, to, services }
}

fn compare(a: &InForce, b: &InForce) -> Vec<PartDiff> {
    let mut out = vec![];
    for &part in Part::ALL {
        let (was, now) = (
            entries(&a.service.rules, &a.service.missing, part),
            entries(&b.service.rules, &b.service.missing, part),
        );
        let items = item_diffs(&was, &now);
        if !items.is_empty() {
            out.push(PartDiff {
                part,
                items,
                by: causes(a, b, part),
            });
        }
    }
    out
}

/// What made `part` differ: a different base act, or the changes applying on
/// one date only (those only on the earlier date were undone by going back).
fn causes(a: &InForce, b: &InForce, part: Part) -> Vec<String> {
    let base = |f: &InForce| f.acts.first().map(|x| x.id.clone()).unwrap_or_default();
    if base(a) != base(b) {
        return vec![format!(
            "the rules of `{}` replace those of `{}`",
            base(b),
            base(a)
        )];
    }
    let same = |x: &AppliedChange, y: &AppliedChange| {
        x.act == y.act && x.cite == y.cite && x.parts == y.parts && x.summary == y.summary
    };
    let line = |c: &AppliedChange, undone: bool| {
        format!(
            "{}`{}` [{}]{}",
            if undone { "undone: " } else { "" },
            c.act,
            c.cite,
            c.summary
                .as_deref()
                .map(|s| format!(" — {s}"))
                .unwrap_or_default()
        )
    };
    let mut v: Vec<String> = b
        .changes
        .iter()
        .filter(|c| c.parts.contains(&part) && !a.changes.iter().any(|x| same(x, c)))
        .map(|c| line(c, false))
        .collect();
    v.extend(
        a.changes
            .iter()
            .filter(|c| c.parts.contains(&part) && !b.changes.iter().any(|x| same(x, c)))
            .map(|c| line(c, true)),
    );
    v
}

fn item_diffs(was: &[(String, String)], now: &[(String, String)]) -> Vec<ItemDiff> {
    let mut out = vec![];
    for (k, w) in was {
        match now.iter().find(|(n, _)| n == k) {
            None => out.push(ItemDiff::Removed {
                key: k.clone(),
                was: w.clone(),
            }),
            Some((_, n)) if n != w => out.push(ItemDiff::Changed {
                key: k.clone(),
                was: w.clone(),
                now: n.clone(),
            }),
            Some(_) => {}
        }
    }
    for (k, n) in now {
        if !was.iter().any(|(w, _)| w == k) {
            out.push(ItemDiff::Added {
                key: k.clone(),
                now: n.clone(),
            });
        }
    }
    out
}

/// A part as comparable (key, description) pairs: one pair for a single-
/// valued part (key ""), one per item for a list. A part whose text is not
/// encoded reads as such, so "now encoded" shows as a change too.
fn entries(
    r: &Parts,
    missing: &std::collections::BTreeMap<Part, String>,
    part: Part,
) -> Vec<(String, String)> {
    let one = |s: String| vec![(String::new(), s)];
    let ru = |t: &crate::base::text::Text| t.get(Lang::Ru).to_string();
    let v: Option<Vec<(String, String)>> = match part {
        Part::Title => r.title.as_ref().map(|t| one(ru(t))),
        Part::Cite => r.cite.as_ref().map(|c| one(c.to_string())),
        Part::Basis => r.basis.as_ref().map(|c| one(ru(&c.text))),
        Part::Provider => r.provider.as_ref().map(|c| one(ru(&c.text))),
        Part::ServiceForm => r.service_form.as_ref().map(|c| one(ru(&c.text))),
        Part::Result => r.result.as_ref().map(|c| one(ru(&c.text))),
        Part::Channels => r.channels.as_ref().map(|l| {
            l.iter()
                .map(|x| (x.id.value.clone(), ru(&x.name)))
                .collect()
        }),
        Part::Requests => r.requests.as_ref().map(|l| {
            l.iter()
                .map(|x| {
                    let how = if x.in_person { " (in person)" } else { "" };
                    (x.id.value.clone(), format!("{}{how}", ru(&x.name)))
                })
                .collect()
        }),
        Part::Term => r.term.as_ref().map(|t| {
            one(format!(
                "{} working day(s), the day of application {}",
                t.working_days,
                if t.application_day_counted {
                    "counted"
                } else {
                    "not counted"
                }
            ))
        }),
        Part::MaxWaitMinutes => r
            .max_wait_minutes
            .as_ref()
            .map(|n| one(format!("{} min", n.value))),
        Part::MaxServiceMinutes => r
            .max_service_minutes
            .as_ref()
            .map(|n| one(format!("{} min", n.value))),
        Part::Fee => r.fee.as_ref().map(|f| {
            one(match (f.mrp, f.free) {
                (Some(m), _) => format!("{m} MRP"),
                (None, true) => "free".into(),
                (None, false) => ru(&f.text),
            })
        }),
        Part::Schedules => r
            .schedules
            .as_ref()
            .map(|l| l.iter().map(|x| (x.id.clone(), ru(&x.text))).collect()),
        Part::Documents => r.documents.as_ref().map(|l| {
            l.iter()
                .map(|x| (x.id.value.clone(), ru(&x.name)))
                .collect()
        }),
        Part::Requirements => r.requirements.as_ref().map(|l| {
            l.iter()
                .map(|x| {
                    let docs: Vec<String> = x
                        .documents
                        .iter()
                        .map(|d| match &d.when {
                            Some(c) => format!("{} (if {})", d.document.value, c.value),
                            None => d.document.value.clone(),
                        })
                        .collect();
                    (
                        format!("{} via {}", x.request.value, x.channel.value),
                        docs.join(", "),
                    )
                })
                .collect()
        }),
        Part::Legalization => r.legalization.as_ref().map(|l| {
            let exempt: Vec<&str> = l
                .exempt_conventions
                .iter()
                .map(|c| c.value.as_str())
                .collect();
            one(format!("{} (exempt: {})", ru(&l.text), exempt.join(", ")))
        }),
        Part::IntakeRefusal => r.intake_refusal.as_ref().map(|x| one(ru(&x.text))),
        Part::Grounds => r.grounds.as_ref().map(|l| {
            l.iter()
                .map(|g| {
                    let reqs: Vec<&str> = g.requests.iter().map(|r| r.value.as_str()).collect();
                    let until = g
                        .until
                        .as_ref()
                        .map(|u| format!("; until: {}", ru(u)))
                        .unwrap_or_default();
                    (
                        g.id.value.clone(),
                        format!("{} (for {}){until}", ru(&g.text), reqs.join(", ")),
                    )
                })
                .collect()
        }),
        Part::Steps => r.steps.as_ref().map(|l| {
            l.iter()
                .map(|s| {
                    let mut d = ru(&s.text);
                    if let Some(x) = &s.duration {
                        for (n, unit) in [
                            (x.minutes, "min"),
                            (x.hours, "h"),
                            (x.working_days, "working days"),
                            (x.calendar_days, "calendar days"),
                        ] {
                            if let Some(n) = n {
                                let _ = write!(d, " ({n} {unit})");
                            }
                        }
                    }
                    if let Some(due) = &s.due {
                        let anchor = due
                            .before
                            .as_ref()
                            .map(|b| format!("before {}", b.value))
                            .or_else(|| due.after.as_ref().map(|a| format!("after {}", a.value)))
                            .unwrap_or_default();
                        let _ = write!(d, " (due {} working days {anchor})", due.working_days);
                    }
                    (s.id.value.clone(), d)
                })
                .collect()
        }),
        Part::Appeals => r
            .appeals
            .as_ref()
            .map(|l| l.iter().map(|x| (x.id.clone(), ru(&x.text))).collect()),
        Part::Forms => r.forms.as_ref().map(|f| {
            let mut v: Vec<(String, String)> = f
                .application
                .iter()
                .map(|(k, x)| (format!("application for {k}"), x.value.clone()))
                .collect();
            v.sort();
            v
        }),
        Part::Outcomes => r.outcomes.as_ref().map(|l| {
            l.iter()
                .map(|o| (o.id.value.clone(), o.summary()))
                .collect()
        }),
        Part::Facts => r.facts.as_ref().map(|f| {
            f.facts
                .iter()
                .map(|x| (x.id.value.clone(), describe_fact(x)))
                .collect()
        }),
        Part::Parameters => r.parameters.as_ref().map(|l| {
            l.iter()
                .map(|x| {
                    (
                        x.id.value.clone(),
                        format!("{} [{}]", x.value.value, x.cite),
                    )
                })
                .collect()
        }),
        Part::Conditions => r.conditions.as_ref().map(|l| {
            l.iter()
                .map(|x| (x.id.value.clone(), format!("{} [{}]", x.expr.value, x.cite)))
                .collect()
        }),
    };
    match (v, missing.get(&part)) {
        (Some(v), _) => v,
        (None, Some(_)) => one("(not encoded: text not in the seeds)".into()),
        (None, None) => vec![],
    }
}

/// A fact as one comparable line: its type, whether optional, its options
/// and its fields (recursively), and its Russian label.
fn describe_fact(f: &crate::schema::Fact) -> String {
    let mut out = format!("{}{}", f.kind(), if f.optional { ", optional" } else { "" });
    if !f.options.is_empty() {
        out.push_str(&format!(" of {}", f.option_ids().join("|")));
    }
    if !f.fields.is_empty() {
        let fields: Vec<String> = f
            .fields
            .iter()
            .map(|x| format!("{}: {}", x.id.value, describe_fact(x)))
            .collect();
        out.push_str(&format!(" {{ {} }}", fields.join("; ")));
    }
    format!("{out} — {}", f.label.get(Lang::Ru))
}

impl RulesDiff {
    /// The diff as text for a terminal or a review comment.
    pub fn render(&self) -> String {
        let mut out = format!("Rules in force on {} → on {}\n", self.from, self.to);
        for s in &self.services {
            out.push('\n');
            match &s.change {
                ServiceChange::Neither(why) => {
                    let _ = writeln!(out, "{}: no rules to compare\n  {}", s.id, indent(why));
                }
                ServiceChange::Added { acts, before } => {
                    let _ = writeln!(
                        out,
                        "{}: rules apply on {} (acts: {}); on {}:\n  {}",
                        s.id,
                        self.to,
                        acts.join(" + "),
                        self.from,
                        indent(before)
                    );
                }
                ServiceChange::Removed(why) => {
                    let _ = writeln!(
                        out,
                        "{}: rules applied on {}, not on {}:\n  {}",
                        s.id,
                        self.from,
                        self.to,
                        indent(why)
                    );
                }
                ServiceChange::Parts(parts) if parts.is_empty() => {
                    let _ = writeln!(out, "{}: unchanged", s.id);
                }
                ServiceChange::Parts(parts) => {
                    let _ = writeln!(out, "{}:", s.id);
                    for p in parts {
                        let _ = writeln!(out, "  {}:", p.part);
                        for i in &p.items {
                            out.push_str(&item_line(i));
                        }
                        for by in &p.by {
                            let _ = writeln!(out, "    by {by}");
                        }
                        if p.by.is_empty() {
                            out.push_str("    by: no amending act recorded for this part\n");
                        }
                    }
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.services.iter().all(|s| match &s.change {
            ServiceChange::Neither(_) => true,
            ServiceChange::Parts(p) => p.is_empty(),
            _ => false,
        })
    }
}

fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n  ")
}

fn item_line(i: &ItemDiff) -> String {
    let label = |k: &str| {
        if k.is_empty() {
            String::new()
        } else {
            format!("{k}: ")
        }
    };
    match i {
        ItemDiff::Added { key, now } => format!("    + {}{now}\n", label(key)),
        ItemDiff::Removed { key, was } => format!("    - {}{was}\n", label(key)),
        ItemDiff::Changed { key, was, now } => {
            format!("    ~ {}{was}\n      → {now}\n", label(key))
        }
    }
}
