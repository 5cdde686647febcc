//! Stage 4, decide: apply the rules in force to a case.
//!
//! The order follows the acts: first the intake check (a complete package of
//! valid, properly certified documents — otherwise acceptance is refused), then
//! the grounds for refusal the operator recorded, then the result. Every step
//! that shaped the outcome is kept as a [`Reason`] with its citation.

use crate::case::{Case, LegalizationKind, LoadedCase, Script};
use crate::diag::{Diagnostic, Diagnostics};
use crate::iin::{self, Iin};
use crate::model::{Condition, Ref, Service};
use crate::resolve::{self, AppliedAct};
use crate::text::{Citation, Lang};
use crate::validate::Rules;
use chrono::NaiveDate;
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Documents accepted; the result is due on `due`.
    Accepted { due: NaiveDate },
    /// Acceptance refused: incomplete package or expired/uncertified documents.
    RefusedAtIntake {
        missing: Vec<String>,
        expired: Vec<String>,
        not_legalized: Vec<String>,
    },
    /// Service refused on the listed grounds.
    Refused { grounds: Vec<String> },
    /// IIN formed (or corrected) and the registration certificate issued.
    CertificateIssued {
        iin: Iin,
        issued: NaiveDate,
        due: NaiveDate,
    },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Accepted { .. } => "accepted",
            Outcome::RefusedAtIntake { .. } => "refused at intake",
            Outcome::Refused { .. } => "refused on grounds",
            Outcome::CertificateIssued { .. } => "certificate issued",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Reason {
    pub text: String,
    pub cite: Citation,
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub service: String,
    pub request: String,
    pub date: NaiveDate,
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    pub acts: Vec<AppliedAct>,
}

/// Decides a loaded case, reporting bad case data at its line and column.
pub fn decide(rules: &Rules, lc: &LoadedCase) -> Result<Decision, Diagnostics> {
    let fail = |d: Diagnostic| Diagnostics {
        items: vec![d],
        sources: lc.sources.clone(),
    };
    let at = |r: &Ref, msg: String| {
        Diagnostic::error(
            &lc.path,
            r.referenced.line() as u32,
            r.referenced.column() as u32,
            msg,
        )
    };
    let case = &lc.case;
    let in_force = resolve::service_as_of(rules, &case.service.value, case.date)
        .map_err(|e| fail(at(&case.service, e.to_string())))?;
    let s = in_force.service;
    let request = s
        .requests
        .iter()
        .find(|r| r.id.value == case.request.value)
        .ok_or_else(|| {
            fail(at(
                &case.request,
                unknown(
                    "request",
                    &case.request.value,
                    s.requests.iter().map(|r| &r.id.value),
                ),
            ))
        })?;
    let channel = s
        .channels
        .iter()
        .find(|c| c.id.value == case.channel.value)
        .ok_or_else(|| {
            fail(at(
                &case.channel,
                unknown(
                    "channel",
                    &case.channel.value,
                    s.channels.iter().map(|c| &c.id.value),
                ),
            ))
        })?;
    if channel.institutions {
        match &case.institution {
            Some(n) if rules.institutions.contains_key(&n.value) => {}
            Some(n) => {
                let r = Ref::new(n.value.to_string(), n.referenced, n.defined);
                return Err(fail(at(
                    &r,
                    format!(
                        "institution {} is not in the list of foreign institutions (rules/institutions.yaml, 1–{})",
                        n.value,
                        rules.institutions.len()
                    ),
                )));
            }
            None => {
                return Err(fail(at(
                    &case.channel,
                    format!(
                        "channel `{}` needs `institution:` (a number from rules/institutions.yaml)",
                        channel.id.value
                    ),
                )));
            }
        }
    }
    if let Some(iin) = &case.applicant.iin {
        iin.value
            .parse::<Iin>()
            .map_err(|e| fail(at(iin, format!("applicant's IIN {}: {e}", iin.value))))?;
    }
    for d in &case.documents {
        if !s.documents.iter().any(|k| k.id.value == d.document.value) {
            return Err(fail(at(
                &d.document,
                unknown(
                    "document",
                    &d.document.value,
                    s.documents.iter().map(|k| &k.id.value),
                ),
            )));
        }
    }
    for f in &case.findings {
        let Some(g) = s.grounds.iter().find(|g| g.id.value == f.ground.value) else {
            return Err(fail(at(
                &f.ground,
                unknown(
                    "ground",
                    &f.ground.value,
                    s.grounds.iter().map(|g| &g.id.value),
                ),
            )));
        };
        if !g.requests.iter().any(|r| r.value == request.id.value) {
            return Err(fail(at(
                &f.ground,
                format!(
                    "ground `{}` does not apply to request `{}` ({})",
                    g.id.value, request.id.value, g.cite
                ),
            )));
        }
    }

    let mut reasons = vec![Reason {
        text: format!(
            "rules of service `{}` in force on {}",
            s.id.value, case.date
        ),
        cite: s.cite.clone(),
    }];
    let outcome =
        match intake(rules, s, case, &mut reasons).or_else(|| grounds(s, case, &mut reasons)) {
            Some(o) => o,
            None => result(rules, s, lc, &mut reasons).map_err(fail)?,
        };
    Ok(Decision {
        service: s.id.value.clone(),
        request: request.id.value.clone(),
        date: case.date,
        outcome,
        reasons,
        acts: in_force.acts,
    })
}

fn unknown<'a>(what: &str, got: &str, known: impl Iterator<Item = &'a String>) -> String {
    let known: Vec<&str> = known.map(String::as_str).collect();
    format!("unknown {what} `{got}` (known: {})", known.join(", "))
}

fn holds(cond: Condition, s: &Service, case: &Case) -> bool {
    match cond {
        Condition::Representative => case.representative.is_some(),
        Condition::IdentityDocumentNotInLatinOrCyrillic => case
            .documents
            .iter()
            .filter(|d| s.is_identity(&d.document.value))
            .any(|d| {
                !d.scripts.is_empty()
                    && !d
                        .scripts
                        .iter()
                        .any(|x| matches!(x, Script::Latin | Script::Cyrillic))
            }),
    }
}

/// The intake check; `Some` when acceptance is refused.
fn intake(rules: &Rules, s: &Service, case: &Case, reasons: &mut Vec<Reason>) -> Option<Outcome> {
    let req = s
        .requirements
        .iter()
        .find(|r| r.request.value == case.request.value && r.channel.value == case.channel.value)?;
    let name = |id: &str| {
        s.documents
            .iter()
            .find(|d| d.id.value == id)
            .map(|d| d.name.get(Lang::Ru).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let (mut missing, mut expired, mut not_legalized) = (vec![], vec![], vec![]);
    for need in &req.documents {
        if let Some(cond) = &need.when {
            if !holds(cond.value, s, case) {
                continue;
            }
            reasons.push(Reason {
                text: format!(
                    "`{}` is required because the case shows condition `{:?}`",
                    need.document.value, cond.value
                ),
                cite: req.cite.clone(),
            });
        }
        let presented: Vec<_> = case
            .documents
            .iter()
            .filter(|d| d.document.value == need.document.value)
            .collect();
        if presented.is_empty() {
            missing.push(need.document.value.clone());
            continue;
        }
        let kind = s
            .documents
            .iter()
            .find(|d| d.id.value == need.document.value);
        if kind.is_some_and(|k| k.expires)
            && presented
                .iter()
                .all(|d| d.valid_until.is_some_and(|v| v < case.date))
        {
            expired.push(need.document.value.clone());
        }
    }
    if let Some(l) = &s.legalization {
        for d in case
            .documents
            .iter()
            .filter(|d| d.foreign_authority && d.legalization.is_none())
        {
            let state = d.issuing_state.as_deref().unwrap_or("");
            let exempt = l.exempt_conventions.iter().find(|c| {
                rules
                    .conventions
                    .get(&c.value)
                    .is_some_and(|conv| conv.binds(state, case.date))
            });
            match exempt {
                Some(conv) => reasons.push(Reason {
                    text: format!(
                        "`{}` needs no legalization: {state} is party to `{}` on {}",
                        d.document.value, conv.value, case.date
                    ),
                    cite: l.cite.clone(),
                }),
                None => not_legalized.push(d.document.value.clone()),
            }
        }
        for d in case.documents.iter().filter(|d| d.legalization.is_some()) {
            let how = match d.legalization {
                Some(LegalizationKind::Apostille) => "apostille",
                _ => "legalization",
            };
            reasons.push(Reason {
                text: format!("`{}` is certified ({how})", d.document.value),
                cite: l.cite.clone(),
            });
        }
    }
    if missing.is_empty() && expired.is_empty() && not_legalized.is_empty() {
        reasons.push(Reason {
            text: "the package of documents is complete and valid".into(),
            cite: req.cite.clone(),
        });
        return None;
    }
    let mut text = String::from("acceptance refused:");
    for (what, list) in [
        ("missing", &missing),
        ("expired", &expired),
        ("not legalized or apostilled", &not_legalized),
    ] {
        if !list.is_empty() {
            let names: Vec<String> = list
                .iter()
                .map(|id| format!("{id} ({})", name(id)))
                .collect();
            let _ = write!(text, " {what}: {};", names.join("; "));
        }
    }
    reasons.push(Reason {
        text,
        cite: s.intake_refusal.cite.clone(),
    });
    Some(Outcome::RefusedAtIntake {
        missing,
        expired,
        not_legalized,
    })
}

fn grounds(s: &Service, case: &Case, reasons: &mut Vec<Reason>) -> Option<Outcome> {
    let mut found = vec![];
    for g in &s.grounds {
        if let Some(f) = case.findings.iter().find(|f| f.ground.value == g.id.value) {
            reasons.push(Reason {
                text: format!(
                    "ground `{}`: {} — operator's finding: {}",
                    g.id.value,
                    g.text.get(Lang::Ru),
                    f.note
                ),
                cite: g.cite.clone(),
            });
            found.push(g.id.value.clone());
        }
    }
    (!found.is_empty()).then_some(Outcome::Refused { grounds: found })
}

fn result(
    rules: &Rules,
    s: &Service,
    lc: &LoadedCase,
    reasons: &mut Vec<Reason>,
) -> Result<Outcome, Diagnostic> {
    let case = &lc.case;
    let start = if s.term.application_day_counted {
        case.date.pred_opt().unwrap_or(case.date)
    } else {
        case.date
    };
    let due = rules
        .calendar
        .add_working_days(start, s.term.working_days)
        .map_err(|e| {
            Diagnostic::error(
                std::path::Path::new("rules/calendar.yaml"),
                1,
                1,
                format!("cannot compute the term for {}: {e}", case.date),
            )
        })?;
    reasons.push(Reason {
        text: format!(
            "term {} working day(s), the day of application not counted: due {due}",
            s.term.working_days
        ),
        cite: s.term.cite.clone(),
    });
    let Some(done) = &case.result else {
        return Ok(Outcome::Accepted { due });
    };
    let a = &case.applicant;
    let iin = iin::form(a.birth_date, a.sex, done.iin_serial).map_err(|e| {
        Diagnostic::error(
            &lc.path,
            1,
            1,
            format!("cannot form an IIN from serial {}: {e}", done.iin_serial),
        )
    })?;
    reasons.push(Reason {
        text: format!(
            "IIN {iin} formed from birth date {}, sex and serial {:04}; certificate issued {}",
            a.birth_date, done.iin_serial, done.completed
        ),
        cite: s.cite.clone(),
    });
    Ok(Outcome::CertificateIssued {
        iin,
        issued: done.completed,
        due,
    })
}

/// The decision as text for `qujat decide`.
pub fn report(rules: &Rules, d: &Decision) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "service:  {} ({})", d.service, d.request);
    let _ = writeln!(out, "date:     {}", d.date);
    let _ = write!(out, "outcome:  {}", d.outcome.label());
    match &d.outcome {
        Outcome::Accepted { due } => {
            let _ = write!(out, ", result due {due}");
        }
        Outcome::CertificateIssued { iin, issued, .. } => {
            let _ = write!(out, ", IIN {iin} on {issued}");
        }
        _ => {}
    }
    out.push('\n');
    if let Some(s) = rules.services.get(&d.service) {
        let name = |id: &str| {
            s.documents
                .iter()
                .find(|k| k.id.value == id)
                .map(|k| k.name.get(Lang::Ru).to_string())
                .unwrap_or_default()
        };
        match &d.outcome {
            Outcome::RefusedAtIntake {
                missing,
                expired,
                not_legalized,
            } => {
                for (what, list) in [
                    ("missing", missing),
                    ("expired", expired),
                    ("not legalized", not_legalized),
                ] {
                    for id in list {
                        let _ = writeln!(out, "  {what}: {id} — {}", name(id));
                    }
                }
            }
            Outcome::Refused { grounds } => {
                for g in s.grounds.iter().filter(|g| grounds.contains(&g.id.value)) {
                    let _ = writeln!(
                        out,
                        "  ground {}:\n    ru: {}\n    kk: {}{}",
                        g.id.value,
                        g.text.get(Lang::Ru),
                        g.text.get(Lang::Kk),
                        if g.text.is_ours(Lang::Kk) {
                            " [our translation]"
                        } else {
                            ""
                        }
                    );
                }
            }
            _ => {}
        }
    }
    out.push_str("because:\n");
    for r in &d.reasons {
        let _ = writeln!(out, "  - {} [{}]", r.text, r.cite);
    }
    out.push_str("acts applied:\n");
    for a in &d.acts {
        let _ = write!(
            out,
            "  - {} No. {} of {}",
            a.id,
            a.number.as_deref().unwrap_or("?"),
            a.date.map(|d| d.to_string()).unwrap_or_else(|| "?".into())
        );
        if let Some(e) = a.expires {
            let _ = write!(out, ", in force until {e}");
        }
        if let Some(c) = &a.caveat {
            let _ = write!(out, "\n      caveat: {c}");
        }
        out.push('\n');
    }
    out
}
