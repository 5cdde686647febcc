//! The case data a form can show, in one language.
//!
//! [`View`] is the one schema form fields bind to (`applicant.surname.latin`,
//! `refusal.grounds`, …). A blank form gets a view whose values are all empty;
//! a filled one gets the case and its decision. Sentences in forms are
//! minijinja templates over the same view, rendered with strict undefined so a
//! missing value is an error, never an empty gap.

use crate::case::{CaseText, CorrectionParam, LoadedCase, Name};
use crate::dates;
use crate::decide::{Decision, Outcome};
use crate::iin::Sex;
use crate::text::Lang;
use crate::validate::Rules;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// What a blank form prints where a sentence has a value to fill in.
pub const BLANK: &str = "____________________";

#[derive(Debug, Default, Serialize)]
pub struct View {
    /// True only for blank forms, so a sentence can print the form's own
    /// instruction ("(указать адрес)") where a filled one prints the value.
    pub blank: bool,
    pub document_id: Option<String>,
    pub service: Option<String>,
    pub date: Option<String>,
    pub addressee: Option<String>,
    pub purpose: Option<String>,
    pub institution: Option<String>,
    pub office: Option<String>,
    pub applicant: ApplicantView,
    pub identity_document: DocumentView,
    pub iin: Option<String>,
    pub issue_date: Option<String>,
    pub refusal: RefusalView,
    pub intake: IntakeView,
    pub correction: CorrectionView,
    pub staff: StaffView,
    pub exit: ExitView,
}

/// The exit questionnaire's answers in one language (docs/exit-case-data.md).
#[derive(Debug, Default, Serialize)]
pub struct ExitView {
    pub passport: IdDocView,
    pub id_card: IdDocView,
    pub birth_okrug: Option<String>,
    pub birth_settlement: Option<String>,
    pub military_service_status: Option<String>,
    pub previous_citizenship: Option<String>,
    pub departure: PlaceView,
    pub destination: PlaceView,
    /// Option ids, ticked on the form's checkbox groups.
    pub purpose: Option<String>,
    pub social_category: Option<String>,
    pub education: EducationView,
    pub marital_status: Option<String>,
    pub children: Vec<ChildView>,
    pub relatives: Vec<RelativeView>,
    pub work: Vec<WorkView>,
}

#[derive(Debug, Default, Serialize)]
pub struct IdDocView {
    pub number: Option<String>,
    pub issued: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct PlaceView {
    pub country: Option<String>,
    pub region: Option<String>,
    pub district: Option<String>,
    pub okrug: Option<String>,
    pub settlement: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct EducationView {
    pub level: Option<String>,
    pub specialty: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct ChildView {
    pub name: Option<String>,
    pub iin: Option<String>,
    pub birth_date: Option<String>,
    pub passport_number: Option<String>,
    pub sex: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct RelativeView {
    pub name: Option<String>,
    pub iin: Option<String>,
    pub relation: Option<String>,
    pub birth_date_and_place: Option<String>,
    pub residence: Option<String>,
    pub workplace: Option<String>,
    pub marriage_registration_place: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct WorkView {
    pub years: Option<String>,
    pub organization: Option<String>,
    pub address: Option<String>,
    pub workplace: Option<String>,
    pub position: Option<String>,
    pub secret_clearance: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct NameView {
    pub latin: Option<String>,
    pub cyrillic: Option<String>,
    /// Cyrillic where known, otherwise Latin (for bilingual certificates).
    pub display: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct ApplicantView {
    pub surname: NameView,
    pub given_name: NameView,
    pub patronymic: NameView,
    pub full_name: Option<String>,
    /// "full name, birth date, IIN", as the correction form asks.
    pub identification: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    /// `male` / `female`, for checkbox groups.
    pub sex_id: Option<String>,
    pub citizenship: Option<String>,
    pub nationality: Option<String>,
    pub arrival_country: Option<String>,
    pub birth_place: Option<String>,
    pub birth_country: Option<String>,
    pub birth_region: Option<String>,
    pub birth_district: Option<String>,
    pub address: Option<String>,
    pub iin: Option<String>,
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

#[derive(Debug, Default, Serialize)]
pub struct ChangeView {
    pub current: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct CorrectionView {
    pub surname: ChangeView,
    pub given_name: ChangeView,
    pub patronymic: ChangeView,
    pub birth_date: ChangeView,
    pub birth_place: ChangeView,
    pub citizenship: ChangeView,
    pub sex: ChangeView,
    pub document_number: ChangeView,
    pub document_issued: ChangeView,
    pub document_valid_until: ChangeView,
    pub document_country: ChangeView,
}

#[derive(Debug, Default, Serialize)]
pub struct StaffView {
    pub name: Option<String>,
    pub phone: Option<String>,
}

fn json(v: &View) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Every path a form may bind to, e.g. `applicant.surname.latin`; the keys
/// of a list's items as `exit.children[].name`.
pub fn known_paths() -> BTreeSet<String> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Array(items) if items.first().is_some_and(Value::is_object) => {
                out.insert(prefix.to_string());
                walk(&format!("{prefix}[]"), &items[0], out);
            }
            Value::Object(m) => {
                for (k, v) in m {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&p, v, out);
                }
            }
            _ => {
                out.insert(prefix.to_string());
            }
        }
    }
    let mut out = BTreeSet::new();
    let mut schema = View::default();
    schema.exit.children.push(ChildView::default());
    schema.exit.relatives.push(RelativeView::default());
    schema.exit.work.push(WorkView::default());
    walk("", &json(&schema), &mut out);
    out
}

/// Looks a dotted path up in a view's JSON.
pub fn lookup<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The context a blank form's sentences are rendered with: every value is a
/// line to fill in.
pub fn blank_context() -> Value {
    fn fill(v: Value) -> Value {
        match v {
            Value::Null => Value::String(BLANK.into()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, fill(v))).collect()),
            other => other,
        }
    }
    fill(json(&View {
        blank: true,
        ..View::default()
    }))
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

fn name(n: Option<&Name>) -> NameView {
    NameView {
        latin: n.map(|n| n.latin.clone()),
        cyrillic: n.and_then(|n| n.cyrillic.clone()),
        display: n.map(|n| n.cyrillic.clone().unwrap_or_else(|| n.latin.clone())),
    }
}

fn sex(s: Sex, lang: Lang) -> String {
    match (s, lang) {
        (Sex::Male, Lang::Ru) => "мужской",
        (Sex::Female, Lang::Ru) => "женский",
        (Sex::Male, Lang::Kk) => "ер",
        (Sex::Female, Lang::Kk) => "әйел",
    }
    .to_string()
}

fn exit(e: &crate::case::Exit, lang: Lang) -> ExitView {
    let t = |x: &Option<CaseText>| x.as_ref().map(|t| text(t, lang));
    let date = |x: chrono::NaiveDate| dates::long(x, lang);
    let id = |d: &Option<crate::case::IdDoc>| IdDocView {
        number: d.as_ref().map(|d| d.number.clone()),
        issued: d.as_ref().map(|d| date(d.issued)),
    };
    let place = |p: &Option<crate::case::Place>| {
        let p = p.clone().unwrap_or_default();
        PlaceView {
            country: t(&p.country),
            region: t(&p.region),
            district: t(&p.district),
            okrug: t(&p.okrug),
            settlement: t(&p.settlement),
        }
    };
    let education = e.education.clone().unwrap_or_default();
    ExitView {
        passport: id(&e.passport),
        id_card: id(&e.id_card),
        birth_okrug: t(&e.birth_okrug),
        birth_settlement: t(&e.birth_settlement),
        military_service_status: t(&e.military_service_status),
        previous_citizenship: t(&e.previous_citizenship),
        departure: place(&e.departure),
        destination: place(&e.destination),
        purpose: e.purpose.clone(),
        social_category: e.social_category.clone(),
        education: EducationView {
            level: education.level,
            specialty: education.specialty,
        },
        marital_status: e.marital_status.clone(),
        children: e
            .children
            .iter()
            .map(|c| ChildView {
                name: Some(c.name.clone()),
                iin: c.iin.clone(),
                birth_date: Some(date(c.birth_date)),
                passport_number: c.passport_number.clone(),
                sex: Some(sex(c.sex, lang)),
            })
            .collect(),
        relatives: e
            .relatives
            .iter()
            .map(|r| RelativeView {
                name: Some(r.name.clone()),
                iin: r.iin.clone(),
                relation: Some(text(&r.relation, lang)),
                birth_date_and_place: Some(text(&r.birth_date_and_place, lang)),
                residence: Some(text(&r.residence, lang)),
                workplace: Some(text(&r.workplace, lang)),
                marriage_registration_place: t(&r.marriage_registration_place),
            })
            .collect(),
        work: e
            .work
            .iter()
            .map(|w| WorkView {
                years: Some(w.years.clone()),
                organization: Some(text(&w.organization, lang)),
                address: Some(text(&w.address, lang)),
                workplace: Some(text(&w.workplace, lang)),
                position: Some(text(&w.position, lang)),
                secret_clearance: Some(text(&w.secret_clearance, lang)),
            })
            .collect(),
    }
}

/// The view of a decided case in one language.
pub fn of_case(rules: &Rules, lc: &LoadedCase, d: &Decision, lang: Lang) -> View {
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
        service: service.map(|s| s.title.get(lang).to_string()),
        date: Some(date(c.date)),
        addressee: c.addressee.as_ref().map(|t| text(t, lang)),
        purpose: c.purpose.as_ref().map(|t| text(t, lang)),
        institution: c
            .institution
            .as_ref()
            .and_then(|n| rules.institutions.get(&n.value))
            .map(|i| i.name.get(lang).to_string()),
        office: c.office.as_ref().map(|t| text(t, lang)),
        applicant: ApplicantView {
            surname: name(Some(&a.surname)),
            given_name: name(Some(&a.given_name)),
            patronymic: name(a.patronymic.as_ref()),
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
            birth_date: Some(date(a.birth_date)),
            sex: Some(sex(a.sex, lang)),
            sex_id: Some(
                match a.sex {
                    Sex::Male => "male",
                    Sex::Female => "female",
                }
                .into(),
            ),
            citizenship: Some(text(&a.citizenship, lang)),
            nationality: a.nationality.as_ref().map(|t| text(t, lang)),
            arrival_country: a.arrival_country.as_ref().map(|t| text(t, lang)),
            birth_place: Some(text(&a.birth_place, lang)),
            birth_country: a.birth_country.as_ref().map(|t| text(t, lang)),
            birth_region: a.birth_region.as_ref().map(|t| text(t, lang)),
            birth_district: a.birth_district.as_ref().map(|t| text(t, lang)),
            address: a.address.as_ref().map(|t| text(t, lang)),
            iin: a.iin.as_ref().map(|i| i.value.clone()),
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
        staff: StaffView {
            name: c.staff.as_ref().map(|s| s.name.clone()),
            phone: c.staff.as_ref().map(|s| s.phone.clone()),
        },
        exit: c.exit.as_ref().map(|e| exit(e, lang)).unwrap_or_default(),
        ..View::default()
    };
    match &d.outcome {
        Outcome::CertificateIssued { iin, issued, .. } => {
            v.iin = Some(iin.to_string());
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
    for (param, change) in &c.correction {
        let slot = match param {
            CorrectionParam::Surname => &mut v.correction.surname,
            CorrectionParam::GivenName => &mut v.correction.given_name,
            CorrectionParam::Patronymic => &mut v.correction.patronymic,
            CorrectionParam::BirthDate => &mut v.correction.birth_date,
            CorrectionParam::BirthPlace => &mut v.correction.birth_place,
            CorrectionParam::Citizenship => &mut v.correction.citizenship,
            CorrectionParam::Sex => &mut v.correction.sex,
            CorrectionParam::DocumentNumber => &mut v.correction.document_number,
            CorrectionParam::DocumentIssued => &mut v.correction.document_issued,
            CorrectionParam::DocumentValidUntil => &mut v.correction.document_valid_until,
            CorrectionParam::DocumentCountry => &mut v.correction.document_country,
        };
        *slot = ChangeView {
            current: Some(text(&change.current, lang)),
            new: Some(text(&change.new, lang)),
        };
    }
    v
}

pub fn to_json(v: &View) -> Value {
    json(v)
}
