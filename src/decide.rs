//! Stage 4, decide: apply the rules in force to a case.
//!
//! The order follows the acts: first the intake check (a complete package of
//! valid, properly certified documents — otherwise acceptance is refused), then
//! the grounds for refusal the operator recorded, then the result. Every step
//! that shaped the outcome is kept as a [`Reason`] with its citation.

use crate::algo::iin::{self, Iin};
use crate::base::diag::{Diagnostic, Diagnostics};
use crate::base::text::{Citation, Lang};
use crate::load::case::{Case, LegalizationKind, LoadedCase};
use crate::model::{Builtin, OutcomeKind, OutcomeRule, Part, Ref, Requirement, Service};
use crate::resolve::{self, InForce};
use crate::schema::{
    Compiled, Env, Facts, Item, Param, Read, Schema, Scope, Value as FactValue, Verdict,
};
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
    /// The result is recorded: issued on `issued`, with the IIN formed when
    /// the outcome computes one (`computes: [iin]`).
    Completed {
        iin: Option<Iin>,
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
            Outcome::Completed { .. } => "completed",
        }
    }

    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Accepted { .. } => OutcomeKind::Accepted,
            Outcome::RefusedAtIntake { .. } => OutcomeKind::RefusedAtIntake,
            Outcome::Refused { .. } => OutcomeKind::Refused,
            Outcome::Completed { .. } => OutcomeKind::Completed,
        }
    }
}

/// Where in the decision a rule was met; `explain` groups the trace by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Rules,
    Intake,
    Grounds,
    Result,
    Duty,
    Identity,
}

impl Stage {
    pub fn title(self) -> &'static str {
        match self {
            Stage::Rules => "Rules in force",
            Stage::Intake => "Intake: the package of documents",
            Stage::Grounds => "Grounds for refusal",
            Stage::Result => "Result and term",
            Stage::Duty => "State duty",
            Stage::Identity => "Identity checks (for the operator to confirm)",
        }
    }
}

/// One rule as the decision met it: what it says or concluded, where it is
/// written, the condition it is subject to and the case facts it was checked
/// against. Rules checked and found not to apply are kept too (`applied:
/// false`), so `explain` can show why a document was not required or a
/// ground not used.
#[derive(Debug, Clone)]
pub struct Reason {
    pub stage: Stage,
    pub text: String,
    pub cite: Citation,
    pub condition: Option<String>,
    pub facts: Vec<Fact>,
    pub applied: bool,
}

/// A fact of the case, with the line of the case file it is written on when
/// it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub text: String,
    pub line: Option<u32>,
}

impl Fact {
    /// A value a condition read: `path = value`, at its case line.
    fn read(r: &Read) -> Fact {
        Fact {
            text: format!("{} = {}", r.path, r.value),
            line: r.line,
        }
    }
}

impl Reason {
    fn new(stage: Stage, text: impl Into<String>, cite: &Citation) -> Reason {
        Reason {
            stage,
            text: text.into(),
            cite: cite.clone(),
            condition: None,
            facts: vec![],
            applied: true,
        }
    }

    /// The condition the rule is subject to, as `id: expression [cite]`.
    fn when(mut self, c: &Compiled) -> Reason {
        self.condition = Some(format!("{}: {} [{}]", c.id, c.expr.source(), c.cite));
        self
    }

    fn fact(mut self, text: impl Into<String>, at: Option<&Ref>) -> Reason {
        self.facts.push(Fact {
            text: text.into(),
            line: at.map(|r| r.referenced.line() as u32),
        });
        self
    }

    fn facts(mut self, facts: Vec<Fact>) -> Reason {
        self.facts.extend(facts);
        self
    }

    fn not_applied(mut self) -> Reason {
        self.applied = false;
        self
    }
}

/// A procedure step placed on the calendar of this case.
#[derive(Debug, Clone)]
pub struct DatedStep {
    pub id: String,
    pub text: String,
    /// The last day the step may happen on.
    pub due: NaiveDate,
    pub cite: Citation,
}

/// The state duty of a paid service, in tenge (for a duty set in MRP, with
/// the index of the year of application).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duty {
    pub mrp: Option<u32>,
    pub year: i32,
    pub tenge: u64,
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub service: String,
    pub request: String,
    pub channel: String,
    /// Date of application.
    pub date: NaiveDate,
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    /// The rules applied: as of the date of application unless asked
    /// otherwise, with the acts and amendments behind them.
    pub rules: InForce,
    pub steps: Vec<DatedStep>,
    pub duty: Option<Duty>,
    /// What the identity checks found, for the operator to confirm or
    /// dismiss: never a refusal by itself.
    pub to_confirm: Vec<Reason>,
    /// The case's facts as checked against the service's schema: what forms
    /// print for the paths the service declares.
    pub facts: crate::schema::Facts,
    /// The service's outcome this decision reached (`outcomes:`), with the
    /// documents it produces; `None` when the rules in force declare none
    /// for the stage reached (the decision says so in `notes`).
    pub produces: Option<OutcomeRule>,
    /// What the decision's documents lack and why, for the person who
    /// renders them.
    pub notes: Vec<String>,
}

/// Decides a loaded case, reporting bad case data at its line and column.
/// The rules are those in force on the date of application, or on `as_of`
/// when given ("what would this case get under the rules of that day?").
pub fn decide(
    rules: &Rules,
    lc: &LoadedCase,
    as_of: Option<NaiveDate>,
) -> Result<Decision, Diagnostics> {
    let fail = |d: Diagnostic| Diagnostics::new(vec![d], lc.sources.clone());
    let at = |r: &Ref, msg: String| {
        Diagnostic::error(
            &lc.path,
            r.referenced.line() as u32,
            r.referenced.column() as u32,
            msg,
        )
    };
    let case = &lc.case;
    let rules_date = as_of.unwrap_or(case.date);
    let in_force = resolve::service_as_of(rules, &case.service.value, rules_date)
        .map_err(|e| fail(at(&case.service, e.to_string())))?;
    let s = &in_force.service;
    let need = |part: Part, present: bool| -> Result<(), Diagnostics> {
        if present {
            return Ok(());
        }
        Err(fail(at(
            &case.service,
            format!("cannot decide on {rules_date}: {}", s.absent(part)),
        )))
    };
    need(Part::Requests, s.rules.requests.is_some())?;
    need(Part::Channels, s.rules.channels.is_some())?;
    need(Part::Documents, s.rules.documents.is_some())?;
    need(Part::Requirements, s.rules.requirements.is_some())?;
    need(Part::Grounds, s.rules.grounds.is_some())?;
    need(Part::Term, s.rules.term.is_some())?;
    // The case's facts, checked against the schema of the service in force:
    // every mistake at its line, before anything is decided.
    let schema = s.case_schema();
    let case_text = lc.sources.text(&lc.path).unwrap_or_default();
    let facts = crate::schema::read_case(&lc.path, case_text, &schema, &[])
        .map_err(|errors| Diagnostics::new(errors, lc.sources.clone()))?;
    let params = crate::schema::params(s.parameters());
    let conditions = {
        let file = s
            .origin
            .get(&Part::Conditions)
            .map(|(f, _)| f.clone())
            .unwrap_or_default();
        let text = rules.sources.text(&file).unwrap_or_default();
        let env = Env {
            schema: &schema,
            params: &params,
        };
        // The state is named by its service, its base act and the changes
        // applied to it.
        let mut key = format!("{}\u{0}{}", s.id, in_force.acts[0].id);
        for c in &in_force.changes {
            key.push_str(&format!(
                "\u{0}{}\u{0}{}\u{0}{}",
                c.act,
                c.cite,
                c.summary.as_deref().unwrap_or_default()
            ));
        }
        let compiled = rules
            .compiled
            .get_or_compile(&key, || {
                let (compiled, errors) = crate::schema::compile(&file, text, s.conditions(), env);
                if errors.is_empty() {
                    Ok(compiled)
                } else {
                    Err(errors)
                }
            })
            .map_err(|errors| Diagnostics::new(errors, rules.sources.clone()))?;
        Conditions {
            compiled,
            schema: &schema,
            params: params.clone(),
            facts: &facts,
            on: case.date,
            calendar: &rules.calendar,
        }
    };
    let request = s
        .requests()
        .iter()
        .find(|r| r.id.value == case.request.value)
        .ok_or_else(|| {
            fail(at(
                &case.request,
                unknown(
                    "request",
                    &case.request.value,
                    s.requests().iter().map(|r| &r.id.value),
                ),
            ))
        })?;
    let channel = s
        .channels()
        .iter()
        .find(|c| c.id.value == case.channel.value)
        .ok_or_else(|| {
            fail(at(
                &case.channel,
                unknown(
                    "channel",
                    &case.channel.value,
                    s.channels().iter().map(|c| &c.id.value),
                ),
            ))
        })?;
    // A request the act has the applicant make in person cannot be filed
    // by a representative: nothing in the act decides such a case.
    if let (true, Some(rep)) = (request.in_person, &case.representative) {
        let cite = request
            .cite
            .as_ref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        return Err(fail(Diagnostic::error(
            &lc.path,
            rep.referenced.line() as u32,
            rep.referenced.column() as u32,
            format!(
                "request `{}` is made by the applicant in person under the rules in force on {rules_date}{cite}: a case filed by a representative cannot be decided under them",
                request.id.value
            ),
        )));
    }
    // The requirements say which channels serve which request; a request on
    // a channel the law does not open for it cannot be decided at all.
    let Some(requirement) = s
        .requirements()
        .iter()
        .find(|r| r.request.value == request.id.value && r.channel.value == channel.id.value)
    else {
        let open: Vec<_> = s
            .requirements()
            .iter()
            .filter(|r| r.request.value == request.id.value)
            .collect();
        let cites: Vec<String> = request
            .cite
            .iter()
            .chain(open.iter().map(|r| &r.cite))
            .map(Citation::to_string)
            .collect();
        let channels: Vec<String> = open
            .iter()
            .map(|r| format!("`{}`", r.channel.value))
            .collect();
        return Err(fail(at(
            &case.channel,
            if open.is_empty() {
                format!(
                    "request `{}` has no list of documents in the rules in force on {rules_date}, so it cannot be decided on any channel",
                    request.id.value
                )
            } else {
                format!(
                    "request `{}` cannot be made through channel `{}`: the rules in force on {rules_date} open it only through {} [{}]",
                    request.id.value,
                    channel.id.value,
                    channels.join(", "),
                    cites.join("; ")
                )
            },
        )));
    };
    if channel.institutions {
        match facts.get("institution") {
            Some(Item {
                value: FactValue::Integer(n),
                ..
            }) if u32::try_from(*n).is_ok_and(|n| rules.institutions.contains_key(&n)) => {}
            Some(Item {
                value: FactValue::Integer(n),
                at,
            }) => {
                return Err(fail(Diagnostic::error(
                    &lc.path,
                    at.line,
                    at.column,
                    format!(
                        "institution {n} is not in the list of foreign institutions (rules/institutions.yaml, 1–{})",
                        rules.institutions.len()
                    ),
                )));
            }
            _ => {
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
        if !s.documents().iter().any(|k| k.id.value == d.document.value) {
            return Err(fail(at(
                &d.document,
                unknown(
                    "document",
                    &d.document.value,
                    s.documents().iter().map(|k| &k.id.value),
                ),
            )));
        }
    }
    for f in &case.findings {
        let Some(g) = s.grounds().iter().find(|g| g.id.value == f.ground.value) else {
            return Err(fail(at(
                &f.ground,
                unknown(
                    "ground",
                    &f.ground.value,
                    s.grounds().iter().map(|g| &g.id.value),
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

    let mut reasons = vec![
        Reason::new(
            Stage::Rules,
            if rules_date == case.date {
                format!(
                    "rules of service `{}` in force on {}, the date of application",
                    s.id, case.date
                )
            } else {
                format!(
                    "rules of service `{}` in force on {rules_date} (asked for), applied to an application of {}",
                    s.id, case.date
                )
            },
            &s.cite,
        )
        .fact(
            format!(
                "request `{}` through channel `{}`",
                request.id.value, channel.id.value
            ),
            Some(&case.request),
        ),
    ];
    let calendar_error = |e: crate::algo::calendar::CalendarError| {
        fail(Diagnostic::error(
            std::path::Path::new("rules/calendar.yaml"),
            1,
            1,
            format!(
                "cannot compute the terms of the application of {}: {e}",
                case.date
            ),
        ))
    };
    let term_end = term_end(rules, s, case.date).map_err(calendar_error)?;
    let steps = dated_steps(rules, s, case.date, term_end).map_err(calendar_error)?;
    let duty = duty(rules, s, case.date, &mut reasons).map_err(|e| fail(at(&case.service, e)))?;
    let to_confirm = identity_checks(s, lc).map_err(fail)?;
    let request_id = request.id.value.clone();
    let mut outcome = match intake(rules, s, requirement, lc, &conditions, &mut reasons)
        .map_err(fail)?
        .or_else(|| grounds(s, case, &mut reasons))
    {
        Some(o) => o,
        None => result(s, lc, term_end, &mut reasons).map_err(fail)?,
    };
    let mut notes = vec![];
    let produces =
        outcome_of(s, outcome.kind(), lc, &conditions, &mut reasons, &mut notes).map_err(fail)?;
    if let Some(o) = &produces {
        if let (true, Outcome::Completed { iin, .. }) = (o.computes(Builtin::Iin), &mut outcome) {
            *iin = Some(form_iin(s, o, lc, &mut reasons).map_err(fail)?);
        }
        if let Some(why) = &o.forms_not_encoded {
            notes.push(format!("outcome `{}`: {why}", o.id.value));
        }
    }
    // The years the terms cross may lack their announced holiday data.
    let counted = steps.iter().map(|st| st.due).chain(term_end);
    let last = counted.clone().max().unwrap_or(case.date).max(case.date);
    let first = counted.min().unwrap_or(case.date).min(case.date);
    let calendar_caveats = rules.calendar.caveats(first, last);
    let mut decision = Decision {
        service: s.id.clone(),
        request: request_id,
        channel: channel.id.value.clone(),
        date: case.date,
        outcome,
        reasons,
        rules: in_force,
        steps,
        duty,
        to_confirm,
        facts,
        produces,
        notes,
    };
    decision.rules.caveats.extend(calendar_caveats);
    Ok(decision)
}

/// Checks every presented passport's MRZ: its check digits, and the names
/// (filled from the MRZ) and dates (from the visual zone) declared in the
/// case. Each problem is a finding under the ground marked
/// `identity_checks`, for the operator.
fn identity_checks(s: &Service, lc: &LoadedCase) -> Result<Vec<Reason>, Diagnostic> {
    let case = &lc.case;
    let ground = s.grounds().iter().find(|g| g.identity_checks);
    let cite = ground.map_or_else(|| s.cite.clone(), |g| g.cite.clone());
    let under = ground
        .map(|g| {
            format!(
                " — a finding under ground `{}` for the operator to confirm",
                g.id.value
            )
        })
        .unwrap_or_default();
    let mut out = vec![];
    for d in &case.documents {
        let Some(text) = &d.mrz else { continue };
        let td3 = crate::algo::mrz::parse(&text.value).map_err(|e| {
            Diagnostic::error(
                &lc.path,
                text.referenced.line() as u32,
                text.referenced.column() as u32,
                format!("the MRZ of `{}` cannot be read: {e}", d.document.value),
            )
        })?;
        for c in td3.failed_checks() {
            out.push(
                Reason::new(
                    Stage::Identity,
                    format!("MRZ of `{}`: {c}{under}", d.document.value),
                    &cite,
                )
                .fact("the MRZ as written in the case", Some(text)),
            );
        }
        let a = &case.applicant;
        let given = [Some(&a.given_name), a.patronymic.as_ref()]
            .into_iter()
            .flatten()
            .map(|n| n.latin.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let declared = crate::algo::mrz::Declared {
            surname: Some(&a.surname.latin),
            given_names: Some(&given),
            birth_date: Some(a.birth_date),
            sex: Some(match a.sex {
                crate::algo::iin::Sex::Male => 'M',
                crate::algo::iin::Sex::Female => 'F',
            }),
            document_number: d.number.as_deref(),
            nationality: None,
            expiry: d.valid_until,
        };
        for m in td3.mismatches(&declared) {
            out.push(
                Reason::new(
                    Stage::Identity,
                    format!(
                        "MRZ of `{}` and the declared data differ: {m}{under}",
                        d.document.value
                    ),
                    &cite,
                )
                .fact("the MRZ as written in the case", Some(text)),
            );
        }
    }
    Ok(out)
}

/// The last day of the service's term for an application of `date`.
fn term_end(
    rules: &Rules,
    s: &Service,
    date: NaiveDate,
) -> Result<Option<NaiveDate>, crate::algo::calendar::CalendarError> {
    let Some(term) = &s.rules.term else {
        return Ok(None);
    };
    let start = if term.application_day_counted {
        date.pred_opt().unwrap_or(date)
    } else {
        date
    };
    rules
        .calendar
        .add_working_days(start, term.working_days)
        .map(Some)
}

/// Steps with a due date in working days, placed on the calendar.
fn dated_steps(
    rules: &Rules,
    s: &Service,
    date: NaiveDate,
    term_end: Option<NaiveDate>,
) -> Result<Vec<DatedStep>, crate::algo::calendar::CalendarError> {
    let mut out: Vec<DatedStep> = vec![];
    for st in s.steps() {
        let Some(due) = &st.due else { continue };
        let day = match (&due.before, &due.after) {
            (Some(_), _) => match term_end {
                Some(end) => rules.calendar.sub_working_days(end, due.working_days)?,
                None => continue,
            },
            (None, Some(a)) if a.value == "application" => {
                rules.calendar.add_working_days(date, due.working_days)?
            }
            (None, Some(a)) => match out.iter().find(|x| x.id == a.value) {
                Some(prev) => rules
                    .calendar
                    .add_working_days(prev.due, due.working_days)?,
                None => continue,
            },
            (None, None) => continue,
        };
        out.push(DatedStep {
            id: st.id.value.clone(),
            text: st.text.get(Lang::Ru).to_string(),
            due: day,
            cite: st.cite.clone(),
        });
    }
    Ok(out)
}

/// A duty set in MRP, in tenge with the index of the year of application.
fn duty(
    rules: &Rules,
    s: &Service,
    date: NaiveDate,
    reasons: &mut Vec<Reason>,
) -> Result<Option<Duty>, String> {
    let Some(fee) = &s.rules.fee else {
        return Ok(None);
    };
    let year = chrono::Datelike::year(&date);
    if let Some(tenge) = fee.tenge {
        reasons.push(
            Reason::new(Stage::Duty, format!("state duty {tenge} ₸"), &fee.cite)
                .fact(format!("applied in {year}"), None),
        );
        return Ok(Some(Duty {
            mrp: None,
            year,
            tenge,
        }));
    }
    let Some(mrp) = fee.mrp else {
        return Ok(None);
    };
    let Some(index) = rules.mrp.get(&year) else {
        let known: Vec<String> = rules.mrp.keys().map(i32::to_string).collect();
        return Err(format!(
            "the state duty is {mrp} MRP, but rules/mrp.yaml has no MRP for {year} (it has {})",
            known.join(", ")
        ));
    };
    let tenge = u64::from(mrp) * u64::from(index.tenge);
    reasons.push(
        Reason::new(
            Stage::Duty,
            format!(
                "state duty {mrp} MRP × {} ₸ (MRP of {year}: {}) = {tenge} ₸",
                index.tenge, index.source
            ),
            &fee.cite,
        )
        .fact(format!("applied in {year}"), None),
    );
    Ok(Some(Duty {
        mrp: Some(mrp),
        year,
        tenge,
    }))
}

fn unknown<'a>(what: &str, got: &str, known: impl Iterator<Item = &'a String>) -> String {
    let known: Vec<&str> = known.map(String::as_str).collect();
    format!("unknown {what} `{got}` (known: {})", known.join(", "))
}

/// The service's conditions in force, compiled, and what they read: the
/// case's facts, the parameters in force, the case date and the calendar.
struct Conditions<'a> {
    compiled: std::sync::Arc<Vec<Compiled>>,
    schema: &'a Schema,
    params: Vec<(String, Param)>,
    facts: &'a Facts,
    on: NaiveDate,
    calendar: &'a crate::algo::calendar::Calendar,
}

impl Conditions<'_> {
    /// Evaluates condition `id` (which `check` made sure is declared).
    fn eval(&self, id: &str) -> Result<(&Compiled, Verdict), String> {
        let c = self
            .compiled
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| format!("the rules in force declare no condition `{id}`"))?;
        let scope = Scope {
            env: Env {
                schema: self.schema,
                params: &self.params,
            },
            facts: self.facts,
            on: self.on,
            calendar: Some(self.calendar),
        };
        Ok((c, c.eval(scope)?))
    }
}

/// The intake check; `Some` when acceptance is refused.
fn intake(
    rules: &Rules,
    s: &Service,
    req: &Requirement,
    lc: &LoadedCase,
    conditions: &Conditions,
    reasons: &mut Vec<Reason>,
) -> Result<Option<Outcome>, Diagnostic> {
    let case = &lc.case;
    let name = |id: &str| s.document_name(&req.request.value, &req.channel.value, id, Lang::Ru);
    let (mut missing, mut expired, mut not_legalized) = (vec![], vec![], vec![]);
    // The documents this case must present: only they are checked for
    // legalization, so a document the rules do not ask for cannot refuse it.
    let mut required: Vec<&str> = vec![];
    for need in &req.documents {
        let id = &need.document.value;
        if let Some(cond) = &need.when {
            let (compiled, verdict) = conditions
                .eval(&cond.value)
                .map_err(|e| lc.error_at("documents", e))?;
            let facts = verdict.reads.iter().map(Fact::read).collect();
            if !verdict.holds {
                reasons.push(
                    Reason::new(
                        Stage::Intake,
                        format!(
                            "`{id}` ({}) is not required: its condition does not hold",
                            name(id)
                        ),
                        &req.cite,
                    )
                    .when(compiled)
                    .facts(facts)
                    .not_applied(),
                );
                continue;
            }
            reasons.push(
                Reason::new(
                    Stage::Intake,
                    format!(
                        "`{id}` is required because the case shows condition `{}`",
                        cond.value
                    ),
                    &req.cite,
                )
                .when(compiled)
                .facts(facts),
            );
        }
        required.push(id);
        let presented: Vec<_> = case
            .documents
            .iter()
            .filter(|d| d.document.value == *id)
            .collect();
        if presented.is_empty() {
            reasons.push(
                Reason::new(
                    Stage::Intake,
                    format!("`{id}` ({}) is required and missing", name(id)),
                    &req.cite,
                )
                .fact("not among the documents presented", None),
            );
            missing.push(id.clone());
            continue;
        }
        let mut presented_reason = Reason::new(
            Stage::Intake,
            format!("`{id}` ({}) is required and presented", name(id)),
            &req.cite,
        );
        for d in &presented {
            let validity = d
                .valid_until
                .map(|v| format!(", valid until {v}"))
                .unwrap_or_default();
            presented_reason =
                presented_reason.fact(format!("presented: `{id}`{validity}"), Some(&d.document));
        }
        let kind = s
            .documents()
            .iter()
            .find(|d| d.id.value == need.document.value);
        if kind.is_some_and(|k| k.expires)
            && presented
                .iter()
                .all(|d| d.valid_until.is_some_and(|v| v < case.date))
        {
            presented_reason.text = format!(
                "`{id}` ({}) is required, and the one presented expired before {}",
                name(id),
                case.date
            );
            expired.push(id.clone());
        }
        reasons.push(presented_reason);
    }
    if let Some(l) = &s.rules.legalization {
        for d in case
            .documents
            .iter()
            .filter(|d| d.foreign_authority && !required.contains(&d.document.value.as_str()))
        {
            reasons.push(
                Reason::new(
                    Stage::Intake,
                    format!(
                        "`{}` is not required for this application, so whether it is legalized does not decide its acceptance",
                        d.document.value
                    ),
                    &l.cite,
                )
                .fact(
                    "presented, issued or certified by a foreign authority",
                    Some(&d.document),
                )
                .not_applied(),
            );
        }
        for d in case.documents.iter().filter(|d| {
            d.foreign_authority
                && d.legalization.is_none()
                && required.contains(&d.document.value.as_str())
        }) {
            let state = d.issuing_state.as_deref().unwrap_or("");
            let exempt = l.exempt_conventions.iter().find(|c| {
                rules
                    .conventions
                    .get(&c.value)
                    .is_some_and(|conv| conv.binds(state, case.date))
            });
            let issued_by = format!("issued by an authority of {state}, not certified");
            match exempt {
                Some(conv) => reasons.push(
                    Reason::new(
                        Stage::Intake,
                        format!(
                            "`{}` needs no legalization: {state} is party to `{}` on {}",
                            d.document.value, conv.value, case.date
                        ),
                        &l.cite,
                    )
                    .fact(issued_by, Some(&d.document)),
                ),
                None => {
                    // A convention whose party list is not known to be
                    // complete cannot prove that it does not exempt the state.
                    let unknown: Vec<String> = l
                        .exempt_conventions
                        .iter()
                        .filter_map(|c| rules.conventions.get(&c.value))
                        .filter(|c| !c.parties_complete)
                        .map(|c| {
                            format!(
                                "the parties of `{}` are not all recorded in rules/conventions.yaml ({})",
                                c.id.value,
                                c.parties_note.as_deref().unwrap_or("no note")
                            )
                        })
                        .collect();
                    let caveat = if unknown.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " — caveat: {}; {state} may be exempt under a convention whose parties are not recorded, check before refusing",
                            unknown.join("; ")
                        )
                    };
                    reasons.push(
                        Reason::new(
                            Stage::Intake,
                            format!(
                                "`{}` needs legalization or an apostille: no convention recorded in rules/conventions.yaml exempts {state}{caveat}",
                                d.document.value
                            ),
                            &l.cite,
                        )
                        .fact(issued_by, Some(&d.document)),
                    );
                    not_legalized.push(d.document.value.clone());
                }
            }
        }
        for d in case.documents.iter().filter(|d| d.legalization.is_some()) {
            let how = match d.legalization {
                Some(LegalizationKind::Apostille) => "apostille",
                _ => "legalization",
            };
            reasons.push(
                Reason::new(
                    Stage::Intake,
                    format!("`{}` is certified ({how})", d.document.value),
                    &l.cite,
                )
                .fact(format!("legalization: {how}"), Some(&d.document)),
            );
        }
    }
    if missing.is_empty() && expired.is_empty() && not_legalized.is_empty() {
        reasons.push(Reason::new(
            Stage::Intake,
            "the package of documents is complete and valid",
            &req.cite,
        ));
        return Ok(None);
    }
    // Each cause of the refusal is cited to the rule that makes it one: an
    // incomplete package or expired documents to the intake refusal rule, an
    // uncertified document to the legalization rule ("принимаются только
    // после…", pilot Algorithm point 6).
    let refusal = |lists: &[(&str, &Vec<String>)]| {
        let mut text = String::from("acceptance refused:");
        for (what, list) in lists {
            if !list.is_empty() {
                let names: Vec<String> = list
                    .iter()
                    .map(|id| format!("{id} ({})", name(id)))
                    .collect();
                let _ = write!(text, " {what}: {};", names.join("; "));
            }
        }
        text
    };
    if !missing.is_empty() || !expired.is_empty() {
        let cite = s
            .rules
            .intake_refusal
            .as_ref()
            .map_or_else(|| req.cite.clone(), |r| r.cite.clone());
        reasons.push(Reason::new(
            Stage::Intake,
            refusal(&[("missing", &missing), ("expired", &expired)]),
            &cite,
        ));
    }
    if let (false, Some(l)) = (not_legalized.is_empty(), &s.rules.legalization) {
        reasons.push(Reason::new(
            Stage::Intake,
            refusal(&[("not legalized or apostilled", &not_legalized)]),
            &l.cite,
        ));
    }
    Ok(Some(Outcome::RefusedAtIntake {
        missing,
        expired,
        not_legalized,
    }))
}

fn grounds(s: &Service, case: &Case, reasons: &mut Vec<Reason>) -> Option<Outcome> {
    let mut found = vec![];
    for g in s
        .grounds()
        .iter()
        .filter(|g| g.requests.iter().any(|r| r.value == case.request.value))
    {
        if let Some(f) = case.findings.iter().find(|f| f.ground.value == g.id.value) {
            let until = g
                .until
                .as_ref()
                .map(|u| format!(" (applies until: {})", u.get(Lang::Ru)))
                .unwrap_or_default();
            reasons.push(
                Reason::new(
                    Stage::Grounds,
                    format!(
                        "ground `{}`: {}{until} — operator's finding: {}",
                        g.id.value,
                        g.text.get(Lang::Ru),
                        f.note
                    ),
                    &g.cite,
                )
                .fact(format!("finding: {}", f.note), Some(&f.ground)),
            );
            found.push(g.id.value.clone());
        } else {
            reasons.push(
                Reason::new(
                    Stage::Grounds,
                    format!("ground `{}`: {}", g.id.value, g.text.get(Lang::Ru)),
                    &g.cite,
                )
                .fact("no finding recorded for it", None)
                .not_applied(),
            );
        }
    }
    (!found.is_empty()).then_some(Outcome::Refused { grounds: found })
}

/// The result stage: the term, and whether the result is recorded.
fn result(
    s: &Service,
    lc: &LoadedCase,
    term_end: Option<NaiveDate>,
    reasons: &mut Vec<Reason>,
) -> Result<Outcome, Diagnostic> {
    let case = &lc.case;
    let (Some(term), Some(due)) = (&s.rules.term, term_end) else {
        return Err(lc.error_at(
            "service",
            format!("the rules of service `{}` in force give no term", s.id),
        ));
    };
    reasons.push(
        Reason::new(
            Stage::Result,
            format!(
                "term {} working day(s), the day of application {}{}: due {due}",
                term.working_days,
                if term.application_day_counted {
                    "counted"
                } else {
                    "not counted"
                },
                term.counting_when_silent
                    .as_ref()
                    .map(|why| format!(" (the act does not say whether it counts: {why})"))
                    .unwrap_or_default()
            ),
            &term.cite,
        )
        .fact(
            format!(
                "applied on {}; holidays from rules/calendar.yaml",
                case.date
            ),
            None,
        ),
    );
    Ok(match &case.result {
        None => Outcome::Accepted { due },
        Some(done) => Outcome::Completed {
            iin: None,
            issued: done.completed,
            due,
        },
    })
}

/// The service's outcome for the stage the decision reached: the first
/// declared for it whose condition holds. `None` (with a note) when the
/// rules in force declare none.
fn outcome_of(
    s: &Service,
    kind: OutcomeKind,
    lc: &LoadedCase,
    conditions: &Conditions,
    reasons: &mut Vec<Reason>,
    notes: &mut Vec<String>,
) -> Result<Option<OutcomeRule>, Diagnostic> {
    if s.rules.outcomes.is_none() {
        notes.push(format!(
            "no outcome documents are encoded for service `{}`: {}",
            s.id,
            s.absent(Part::Outcomes)
        ));
        return Ok(None);
    }
    for o in s.outcomes().iter().filter(|o| o.on.value == kind) {
        let Some(cond) = &o.when else {
            return Ok(Some(o.clone()));
        };
        let (compiled, verdict) = conditions
            .eval(&cond.value)
            .map_err(|e| lc.error_at("service", e))?;
        let facts = verdict.reads.iter().map(Fact::read).collect();
        let reason = Reason::new(
            Stage::Result,
            format!(
                "outcome `{}` (stage {}) {} condition `{}`",
                o.id.value,
                kind.id(),
                if verdict.holds {
                    "chosen: the case shows"
                } else {
                    "not chosen: the case does not show"
                },
                cond.value
            ),
            &o.cite,
        )
        .when(compiled)
        .facts(facts);
        if verdict.holds {
            reasons.push(reason);
            return Ok(Some(o.clone()));
        }
        reasons.push(reason.not_applied());
    }
    notes.push(format!(
        "service `{}` declares no outcome for stage `{}` in the rules in force, so the decision produces no document",
        s.id,
        kind.id()
    ));
    Ok(None)
}

/// The `iin` built-in: the IIN formed from the applicant's birth date and
/// sex and the serial the case records.
fn form_iin(
    s: &Service,
    o: &OutcomeRule,
    lc: &LoadedCase,
    reasons: &mut Vec<Reason>,
) -> Result<Iin, Diagnostic> {
    let case = &lc.case;
    let a = &case.applicant;
    let Some(done) = &case.result else {
        return Err(lc.error_at(
            "result",
            "the outcome forms an IIN, but the case records no result",
        ));
    };
    let Some(serial) = done.iin_serial else {
        return Err(lc.error_at(
            "result",
            format!(
                "outcome `{}` forms an IIN (`computes: [iin]`), so `result.iin_serial` is required",
                o.id.value
            ),
        ));
    };
    let iin = iin::form(a.birth_date, a.sex, serial).map_err(|e| {
        let at = match e {
            iin::IinError::YearOutOfRange { .. } => "applicant.birth_date",
            _ => "result.iin_serial",
        };
        lc.error_at(at, format!("cannot form an IIN from serial {serial}: {e}"))
    })?;
    reasons.push(
        Reason::new(
            Stage::Result,
            format!(
                "IIN {iin} formed from birth date {}, sex and serial {serial:04}; {} issued {}",
                a.birth_date, o.id.value, done.completed
            ),
            &s.cite,
        )
        .fact(
            format!(
                "birth date {}, sex {:?}, serial {serial:04}, completed {}",
                a.birth_date, a.sex, done.completed
            ),
            None,
        ),
    );
    Ok(iin)
}

/// The decision as text for `qujat decide`.
pub fn report(d: &Decision) -> String {
    let mut out = String::new();
    let s = &d.rules.service;
    let _ = writeln!(out, "service:  {} ({})", d.service, d.request);
    let _ = writeln!(out, "date:     {}", d.date);
    if d.rules.date != d.date {
        let _ = writeln!(out, "rules of: {} (asked for)", d.rules.date);
    }
    let _ = write!(out, "outcome:  {}", d.outcome.label());
    if let Some(o) = &d.produces {
        let _ = write!(out, " (`{}`)", o.id.value);
    }
    match &d.outcome {
        Outcome::Accepted { due } => {
            let _ = write!(out, ", result due {due}");
        }
        Outcome::Completed { iin, issued, .. } => {
            let _ = write!(out, " on {issued}");
            if let Some(iin) = iin {
                let _ = write!(out, ", IIN {iin}");
            }
        }
        _ => {}
    }
    out.push('\n');
    let name = |id: &str| s.document_name(&d.request, &d.channel, id, Lang::Ru);
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
            for g in s.grounds().iter().filter(|g| grounds.contains(&g.id.value)) {
                let mark = |ours: bool| if ours { " [our translation]" } else { "" };
                let _ = writeln!(
                    out,
                    "  ground {}:\n    ru: {}{}\n    kk: {}{}",
                    g.id.value,
                    g.text.get(Lang::Ru),
                    mark(g.text.is_ours(Lang::Ru)),
                    g.text.get(Lang::Kk),
                    mark(g.text.is_ours(Lang::Kk)),
                );
                if let Some(u) = &g.until {
                    let _ = writeln!(out, "    until: {}", u.get(Lang::Ru));
                }
            }
        }
        _ => {}
    }
    match &d.duty {
        Some(Duty {
            mrp: Some(mrp),
            tenge,
            year,
        }) => {
            let _ = writeln!(out, "duty:     {mrp} MRP = {tenge} ₸ (MRP of {year})");
        }
        Some(duty) => {
            let _ = writeln!(out, "duty:     {} ₸", duty.tenge);
        }
        None => {}
    }
    if let Some(o) = &d.produces {
        let forms: Vec<&str> = o.forms.iter().map(|f| f.value.as_str()).collect();
        let _ = writeln!(
            out,
            "produces: {} — {} [{}]",
            o.id.value,
            if forms.is_empty() {
                "no form".to_string()
            } else {
                forms.join(", ")
            },
            o.cite
        );
    }
    for n in &d.notes {
        let _ = writeln!(out, "note:     {n}");
    }
    if !d.to_confirm.is_empty() {
        out.push_str("to confirm (identity checks):\n");
        for r in &d.to_confirm {
            let _ = writeln!(out, "  - {} [{}]", r.text, r.cite);
        }
    }
    if !d.steps.is_empty() {
        out.push_str("steps:\n");
        for st in &d.steps {
            let _ = writeln!(
                out,
                "  - by {}: {} — {} [{}]",
                st.due, st.id, st.text, st.cite
            );
        }
    }
    out.push_str("because:\n");
    for r in d.reasons.iter().filter(|r| r.applied) {
        let _ = writeln!(out, "  - {} [{}]", r.text, r.cite);
    }
    out.push_str(&crate::resolve::applied(&d.rules));
    out
}
