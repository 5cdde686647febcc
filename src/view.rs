//! The values a form can show, in one language.
//!
//! A form binds two kinds of path (checked by `qujat check`, listed by
//! `qujat check --list-data`):
//!
//! - the case's facts: the engine's (`src/schema/engine.yaml`) and those
//!   its own service declares (`facts:`), printed from the case's
//!   [`Facts`] — so a fact added to a service's YAML can be shown by a form
//!   with no Rust;
//! - the values the engine computes for every decision, the same for every
//!   service: [`View`] (the IIN formed, the issue date, the grounds of a
//!   refusal, the documents missing at intake, the applicant's full name…).
//!
//! A blank form gets a view whose values are all empty; a filled one gets
//! the case and its decision. Sentences in forms are minijinja templates over
//! the same view, rendered with strict undefined so a missing value is an
//! error, never an empty gap.

use crate::case::{CaseText, LoadedCase};
use crate::dates;
use crate::decide::{Decision, Outcome};
use crate::model::Builtin;
use crate::schema::{Record, Value as Fact};
use crate::text::Lang;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// What a blank form prints where a sentence has a value to fill in.
pub const BLANK: &str = "____________________";

/// The values the engine computes for every decision, whatever the
/// service. The case's facts are added by [`to_json`].
#[derive(Debug, Default, Serialize)]
pub struct View {
    /// True only for blank forms, so a sentence can print the form's own
    /// instruction ("(указать адрес)") where a filled one prints the value.
    pub blank: bool,
    /// The case's id, which names its documents.
    pub document_id: Option<String>,
    /// The service's title in this language.
    pub service_title: Option<String>,
    /// The IIN formed, when the outcome computes one (`computes: [iin]`).
    pub iin: Option<String>,
    /// The date the decision's document is issued.
    pub issue_date: Option<String>,
    /// The last day of the term, when the outcome computes it
    /// (`computes: [deadline]`).
    pub due_date: Option<String>,
    /// The state duty in tenge, when the outcome computes it
    /// (`computes: [duty]`).
    pub duty: Option<String>,
    pub refusal: RefusalView,
    pub intake: IntakeView,
    pub applicant: ApplicantView,
    /// The identity document among the documents presented (the service's
    /// `identity` documents).
    pub identity_document: DocumentView,
    /// The case's facts printed in this language (see [`print`]).
    #[serde(skip)]
    pub facts: Value,
}

/// What the engine derives from the applicant's facts.
#[derive(Debug, Default, Serialize)]
pub struct ApplicantView {
    /// Surname, given name and patronymic, Cyrillic where known.
    pub full_name: Option<String>,
    /// "full name, birth date, IIN", as the correction form asks.
    pub identification: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct DocumentView {
    pub kind: Option<String>,
    pub number: Option<String>,
    pub issued: Option<String>,
    pub valid_until: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct RefusalView {
    /// Texts of the grounds applied, in this language.
    pub grounds: Vec<String>,
    /// The same joined into one sentence.
    pub reason: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct IntakeView {
    /// Names of the missing, expired or uncertified documents, in this language.
    pub missing: Vec<String>,
}

/// A fact as a form prints it in one language: a bilingual text's side, a
/// date written out ("12 июля 2026 г."), an option's id (a form prints its
/// label: see `model::Field::options`), records and lists as JSON.
pub fn print(v: &Fact, lang: Lang) -> Value {
    match v {
        Fact::Date(d) => Value::String(dates::long(*d, lang)),
        Fact::Record(r) => print_record(r, lang),
        Fact::List(items) => Value::Array(items.iter().map(|r| print_record(r, lang)).collect()),
        Fact::Options(ids) => Value::Array(ids.iter().map(|i| Value::from(i.as_str())).collect()),
        Fact::Bool(b) => Value::Bool(*b),
        Fact::Integer(i) => Value::from(*i),
        other => Value::String(other.show(lang)),
    }
}

fn print_record(r: &Record, lang: Lang) -> Value {
    Value::Object(
        r.fields
            .iter()
            .map(|(k, item)| (k.clone(), print(&item.value, lang)))
            .collect(),
    )
}

/// Adds `from`'s keys to `into`, merging objects both have.
fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(x @ Value::Object(_)) => merge(x, v),
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (into, from) => *into = from.clone(),
    }
}

fn json(v: &View) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The paths of the values the engine computes for every decision
/// ([`View`]), e.g. `applicant.full_name`, `refusal.reason`. A form may bind
/// these whatever its service; every other path must be a fact of its own
/// service.
pub fn computed_paths() -> BTreeSet<String> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    walk(&crate::schema::facts::join(prefix, k), v, out);
                }
            }
            _ => {
                out.insert(prefix.to_string());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk("", &json(&View::default()), &mut out);
    out.remove("blank");
    out
}

/// Looks a dotted path up in a view's JSON.
pub fn lookup<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The context a blank form's `sentence` is rendered with: every value it
/// uses is a line to fill in.
pub fn blank_context(sentence: &str) -> Value {
    fn fill(v: Value) -> Value {
        match v {
            Value::Null => Value::String(BLANK.into()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, fill(v))).collect()),
            other => other,
        }
    }
    let mut ctx = fill(json(&View {
        blank: true,
        ..View::default()
    }));
    for p in placeholders(sentence) {
        if lookup(&ctx, &p).is_some() {
            continue;
        }
        let mut at = &mut ctx;
        let parts: Vec<&str> = p.split('.').collect();
        for (i, k) in parts.iter().enumerate() {
            let Value::Object(m) = at else { break };
            let last = i + 1 == parts.len();
            at = m.entry(k.to_string()).or_insert_with(|| {
                if last {
                    Value::String(BLANK.into())
                } else {
                    Value::Object(Default::default())
                }
            });
        }
    }
    ctx
}

/// The context a filled form's sentences are rendered with: absent values are
/// removed so that strict undefined turns them into errors.
pub fn filled_context(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), filled_context(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn env() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env
}

/// Renders one sentence; the error names the variable that has no value.
pub fn render_sentence(template: &str, ctx: &Value) -> Result<String, String> {
    env()
        .render_str(template, minijinja::Value::from(minijinja::value::Serde(ctx)))
        .map_err(|e| match e.kind() {
            minijinja::ErrorKind::UndefinedError => format!(
                "sentence uses a value the case data does not have ({}); known values: `qujat check --list-data`",
                e.detail().unwrap_or("undefined variable")
            ),
            _ => format!("sentence template: {e}"),
        })
}

/// The variables a sentence uses, e.g. `{"applicant.full_name"}`.
pub fn placeholders(template: &str) -> BTreeSet<String> {
    let env = env();
    env.template_from_str(template)
        .map(|t| t.undeclared_variables(true).into_iter().collect())
        .unwrap_or_default()
}

fn text(t: &CaseText, lang: Lang) -> String {
    t.get(lang).to_string()
}

/// The view of a decided case in one language.
pub fn of_case(lc: &LoadedCase, d: &Decision, lang: Lang) -> View {
    let c = &lc.case;
    let a = &c.applicant;
    let service = Some(&d.rules.service);
    let date = |x: chrono::NaiveDate| dates::long(x, lang);
    let identity = c
        .documents
        .iter()
        .find(|x| service.is_some_and(|s| s.is_identity(&x.document.value)));
    let full_name = [Some(&a.surname), Some(&a.given_name), a.patronymic.as_ref()]
        .into_iter()
        .flatten()
        .map(|n| n.cyrillic.clone().unwrap_or_else(|| n.latin.clone()))
        .collect::<Vec<_>>()
        .join(" ");
    let doc_name = |id: &String| {
        service
            .map(|s| s.document_name(&c.request.value, &c.channel.value, id, lang))
            .unwrap_or_else(|| id.clone())
    };
    let mut v = View {
        document_id: Some(c.id.value.clone()),
        service_title: service.map(|s| s.title.get(lang).to_string()),
        applicant: ApplicantView {
            identification: Some(
                [
                    Some(full_name.clone()),
                    Some(date(a.birth_date)),
                    a.iin.as_ref().map(|i| i.value.clone()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
            ),
            full_name: Some(full_name),
        },
        identity_document: DocumentView {
            kind: identity
                .and_then(|x| x.kind_name.as_ref())
                .map(|t| text(t, lang)),
            number: identity.and_then(|x| x.number.clone()),
            issued: identity.and_then(|x| x.issued).map(date),
            valid_until: identity.and_then(|x| x.valid_until).map(date),
            country: identity
                .and_then(|x| x.issuing_country.as_ref())
                .map(|t| text(t, lang)),
        },
        facts: print_record(&d.facts.root, lang),
        ..View::default()
    };
    match &d.outcome {
        Outcome::Completed { iin, issued, .. } => {
            v.iin = iin.as_ref().map(|i| i.to_string());
            v.issue_date = Some(date(*issued));
        }
        Outcome::Refused { grounds } => {
            if let Some(s) = service {
                v.refusal.grounds = s
                    .grounds()
                    .iter()
                    .filter(|g| grounds.contains(&g.id.value))
                    .map(|g| g.text.get(lang).to_string())
                    .collect();
                v.refusal.reason = Some(v.refusal.grounds.join("; "));
            }
            v.issue_date = Some(date(d.date));
        }
        Outcome::RefusedAtIntake {
            missing,
            expired,
            not_legalized,
        } => {
            // The receipt has one list; an expired document is in it (the
            // package lacks a valid one) with the act's words for why.
            let mark = service
                .and_then(|s| s.rules.intake_refusal.as_ref())
                .and_then(|r| r.expired_mark.as_ref())
                .map(|m| format!(" ({})", m.get(lang)))
                .unwrap_or_default();
            v.intake.missing = missing
                .iter()
                .map(doc_name)
                .chain(expired.iter().map(|id| format!("{}{mark}", doc_name(id))))
                .chain(not_legalized.iter().map(doc_name))
                .collect();
        }
        Outcome::Accepted { .. } => {}
    }
    let computes = |b| d.produces.as_ref().is_some_and(|o| o.computes(b));
    if computes(Builtin::Deadline) {
        v.due_date = match &d.outcome {
            Outcome::Accepted { due } | Outcome::Completed { due, .. } => Some(date(*due)),
            _ => None,
        };
    }
    if computes(Builtin::Duty) {
        // In words: the forms' fonts have no tenge sign.
        let unit = match lang {
            Lang::Kk => "теңге",
            Lang::Ru => "тенге",
        };
        v.duty = d.duty.as_ref().map(|x| format!("{} {unit}", x.tenge));
    }
    v
}

/// The view as the data a form reads: the computed values and the case's
/// facts in one tree.
pub fn to_json(v: &View) -> Value {
    let mut out = json(v);
    merge(&mut out, &v.facts);
    out
}
