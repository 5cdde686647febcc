//! `qujat explain`: a decision as a trace a lawyer can follow.
//!
//! `decide` keeps every rule it met as a [`Reason`]; this module only lays
//! them out: grouped by stage, each with its citation, the condition it is
//! subject to, the case facts it was checked against (with their line in the
//! case file) and whether it applied, followed by the act versions in force.

use crate::decide::{Decision, Outcome, Reason, Stage};
use std::fmt::Write;
use std::path::Path;

/// The trace of `d`, decided from the case file at `case`.
pub fn explain(d: &Decision, case: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Case {}: service `{}`, request `{}`, applied on {}",
        case.display(),
        d.service,
        d.request,
        d.date
    );
    if d.rules.date != d.date {
        let _ = writeln!(out, "Rules of {} (asked for with --as-of)", d.rules.date);
    }
    let _ = writeln!(out, "Outcome: {}", outcome(&d.outcome));
    out.push_str("Legend: ✓ the rule applied   – checked, did not apply\n");

    let mut stages: Vec<Stage> = d.reasons.iter().map(|r| r.stage).collect();
    stages.extend(d.to_confirm.iter().map(|r| r.stage));
    stages.sort();
    stages.dedup();
    for (n, stage) in stages.iter().enumerate() {
        let _ = writeln!(out, "\n{}. {}", n + 1, stage.title());
        for r in d
            .reasons
            .iter()
            .chain(&d.to_confirm)
            .filter(|r| r.stage == *stage)
        {
            entry(&mut out, r, case);
        }
        if *stage == Stage::Result && !d.steps.is_empty() {
            out.push_str("   steps on the calendar of this case:\n");
            for st in &d.steps {
                let _ = writeln!(out, "     by {}: {} [{}]", st.due, st.id, st.cite);
            }
        }
    }
    if let Outcome::RefusedAtIntake { .. } = d.outcome {
        let _ = writeln!(
            out,
            "\n{}. {}: not examined, because acceptance was refused at intake",
            stages.len() + 1,
            Stage::Grounds.title()
        );
    }
    out.push('\n');
    out.push_str(&crate::resolve::applied(&d.rules));
    out
}

fn entry(out: &mut String, r: &Reason, case: &Path) {
    let mark = if r.applied { '✓' } else { '–' };
    let _ = writeln!(out, "   {mark} {}", r.text);
    let _ = writeln!(out, "       rule: {}", r.cite);
    if let Some(c) = &r.condition {
        let _ = writeln!(out, "       if:   {c}");
    }
    for f in &r.facts {
        match f.line {
            Some(line) => {
                let _ = writeln!(out, "       fact: {} ({}:{line})", f.text, case.display());
            }
            None => {
                let _ = writeln!(out, "       fact: {}", f.text);
            }
        }
    }
}

fn outcome(o: &Outcome) -> String {
    match o {
        Outcome::Accepted { due } => format!("accepted, result due {due}"),
        Outcome::RefusedAtIntake {
            missing,
            expired,
            not_legalized,
        } => {
            let mut parts = vec![];
            for (what, list) in [
                ("missing", missing),
                ("expired", expired),
                ("not legalized", not_legalized),
            ] {
                if !list.is_empty() {
                    parts.push(format!("{what}: {}", list.join(", ")));
                }
            }
            format!("refused at intake ({})", parts.join("; "))
        }
        Outcome::Refused { grounds } => format!("refused on grounds ({})", grounds.join(", ")),
        Outcome::Completed { iin, issued, .. } => {
            let iin = iin
                .as_ref()
                .map(|i| format!(", IIN {i}"))
                .unwrap_or_default();
            format!("completed on {issued}{iin}")
        }
    }
}
