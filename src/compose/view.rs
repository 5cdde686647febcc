//! The view of a decided case in one language: the values
//! [`crate::model::view::View`] computes for every decision, and the case's
//! facts printed (dates written out, a bilingual text's side).

use crate::base::dates;
use crate::base::text::Lang;
use crate::decide::{Decision, Outcome};
use crate::load::case::{CaseText, LoadedCase};
use crate::model::Builtin;
use crate::model::view::{ApplicantView, DocumentView, View, json};
use crate::schema::{Record, Value as Fact};
use serde_json::Value;

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
