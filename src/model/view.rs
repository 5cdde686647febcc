//! The values a form can show, in one language: their shape, and the
//! sentences forms write over them.
//!
//! A form binds two kinds of path (checked by `qujat check`, listed by
//! `qujat check --list-data`):
//!
//! - the case's facts: the engine's (`src/schema/engine.yaml`) and those
//!   its own service declares (`facts:`), so a fact added to a service's
//!   YAML can be shown by a form with no Rust;
//! - the values the engine computes for every decision, the same for every
//!   service: [`View`] (the IIN formed, the issue date, the grounds of a
//!   refusal, the documents missing at intake, the applicant's full name…).
//!
//! `validate` checks forms against these shapes; `compose::view` fills them
//! from a decision. A blank form gets a view whose values are all empty.
//! Sentences in forms are minijinja templates over the same view, rendered
//! with strict undefined so a missing value is an error, never an empty gap.

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

pub fn json(v: &View) -> Value {
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
