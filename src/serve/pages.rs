//! The HTML pages: minijinja templates (every value HTML-escaped, as for
//! any template whose name ends in `.html`) and the values they show.

use super::i18n;
use crate::base::diag::{Diagnostic, Diagnostics, Severity};
use crate::base::text::{Citation, Lang, Text};
use crate::model::Service;
use crate::project;
use crate::resolve::{AppliedChange, InForce};
use minijinja::Environment;
use serde::Serialize;
use std::path::Path;
use std::sync::OnceLock;

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, text) in [
            ("base.html", include_str!("templates/base.html")),
            ("macros.html", include_str!("templates/macros.html")),
            ("services.html", include_str!("templates/services.html")),
            ("forms.html", include_str!("templates/forms.html")),
            ("cases.html", include_str!("templates/cases.html")),
            ("case.html", include_str!("templates/case.html")),
            (
                "diagnostics.html",
                include_str!("templates/diagnostics.html"),
            ),
            ("review.html", include_str!("templates/review.html")),
            ("message.html", include_str!("templates/message.html")),
        ] {
            if let Err(e) = env.add_template(name, text) {
                // The templates are compiled into the binary; a syntax error
                // is a bug caught by the tests of every page.
                panic!("template {name}: {e}");
            }
        }
        env
    })
}

/// What every page shows around its own content.
#[derive(Serialize)]
pub struct Frame {
    pub lang: Lang,
    pub t: std::collections::BTreeMap<&'static str, &'static str>,
    /// The navigation entry of this page.
    pub nav: &'static str,
    pub title: String,
    /// This page in the other language.
    pub switch_url: String,
    pub switch_name: &'static str,
    pub generation: u64,
    /// The project's rules did not load: what is shown is of an earlier
    /// load, and these are the errors, shown on every page next to it.
    pub project_errors: Option<Problem>,
}

impl Frame {
    pub fn new(
        lang: Lang,
        nav: &'static str,
        generation: u64,
        errors: Option<Problem>,
        uri: &str,
    ) -> Frame {
        let other = match lang {
            Lang::Kk => Lang::Ru,
            Lang::Ru => Lang::Kk,
        };
        let t = i18n::texts(lang);
        Frame {
            lang,
            title: t.get(nav).copied().unwrap_or("qujat").to_string(),
            t,
            nav,
            switch_url: with_param(uri, "lang", other.code()),
            switch_name: match other {
                Lang::Kk => "Қазақша",
                Lang::Ru => "Русский",
            },
            generation,
            project_errors: errors,
        }
    }
}

/// Renders a page template with the frame and the page's own values.
pub fn render(name: &str, frame: &Frame, page: serde_json::Value) -> Result<String, String> {
    use minijinja::value::{Serde, Value};
    let ctx =
        minijinja::context! { frame => Value::from(Serde(frame)), ..Value::from(Serde(&page)) };
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| format!("page {name}: {e}"))
}

/// `uri` with the query parameter `key` set to `value`.
pub fn with_param(uri: &str, key: &str, value: &str) -> String {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(key))
        .map(str::to_string)
        .collect();
    parts.push(format!("{key}={}", percent(value)));
    format!("{path}?{}", parts.join("&"))
}

/// Percent-encodes everything but unreserved characters.
pub fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A path as the project names it: relative to the project folder.
pub fn shown(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// Why something could not be shown: input problems with their place and
/// source line, or one message.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub message: Option<String>,
    pub diagnostics: Vec<DiagView>,
}

/// One diagnostic laid out as `check` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct DiagView {
    pub error: bool,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub path: String,
    pub message: String,
    /// The source line, and spaces up to the column, for the caret.
    pub source: Option<String>,
    pub caret: String,
    /// Spaces as wide as the line number, for the gutter.
    pub pad: String,
}

impl Problem {
    pub fn message(m: impl Into<String>) -> Problem {
        Problem {
            message: Some(m.into()),
            diagnostics: vec![],
        }
    }

    pub fn from_diagnostics(d: &Diagnostics, root: &Path) -> Problem {
        Problem {
            message: None,
            diagnostics: d.items.iter().map(|i| diag_view(i, d, root)).collect(),
        }
    }

    pub fn from_error(e: &project::Error, root: &Path) -> Problem {
        match e {
            project::Error::Input(d) => Problem::from_diagnostics(d, root),
            other => Problem::message(strip_root(&other.to_string(), root)),
        }
    }
}

/// Drops the project folder from paths in a message.
pub fn strip_root(text: &str, root: &Path) -> String {
    let prefix = format!("{}/", root.display());
    text.replace(&prefix, "")
}

fn diag_view(d: &Diagnostic, all: &Diagnostics, root: &Path) -> DiagView {
    let source = all.sources.line(&d.file, d.line).map(str::to_string);
    let caret = source
        .as_deref()
        .unwrap_or("")
        .chars()
        .take(d.column.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    DiagView {
        error: d.severity == Severity::Error,
        file: shown(root, &d.file),
        line: d.line,
        column: d.column,
        path: d.path.clone(),
        message: strip_root(&d.message, root),
        source,
        caret,
        pad: " ".repeat(d.line.to_string().len()),
    }
}

// ------------------------------------------------------------ services

/// A service as a page shows it on one date.
#[derive(Serialize)]
pub struct ServiceView {
    pub id: String,
    pub title: String,
    pub cite: String,
    /// Why no rules are in force on the date, when none are.
    pub error: Option<String>,
    pub sections: Vec<Section>,
    pub acts: Vec<Item>,
    pub changes: Vec<Item>,
    pub pending: Vec<Item>,
    pub caveats: Vec<String>,
    pub missing: Vec<Item>,
    pub unencoded: Vec<Item>,
    /// `qujat rules` for the service, word for word.
    pub full: String,
}

#[derive(Serialize)]
pub struct Section {
    pub title: String,
    pub items: Vec<Item>,
}

/// One rule: its text, citation and what it is subject to.
#[derive(Serialize)]
pub struct Item {
    pub text: String,
    pub cite: Option<String>,
    pub note: Option<String>,
}

fn item(text: impl Into<String>, cite: &Citation) -> Item {
    Item {
        text: text.into(),
        cite: Some(cite.to_string()),
        note: None,
    }
}

pub fn service_error(id: &str, title: Option<&Text>, lang: Lang, error: String) -> ServiceView {
    ServiceView {
        id: id.to_string(),
        title: title.map(|t| t.get(lang).to_string()).unwrap_or_default(),
        cite: String::new(),
        error: Some(error),
        sections: vec![],
        acts: vec![],
        changes: vec![],
        pending: vec![],
        caveats: vec![],
        missing: vec![],
        unencoded: vec![],
        full: String::new(),
    }
}

/// The rules of `f` in `lang`, part by part, each with its citation.
pub fn service(f: &InForce, lang: Lang) -> ServiceView {
    let t = i18n::texts(lang);
    let s: &Service = &f.service;
    let r = &s.rules;
    let mut sections = vec![];
    let mut section = |key: &str, items: Vec<Item>| {
        if !items.is_empty() {
            sections.push(Section {
                title: t.get(key).copied().unwrap_or(key).to_string(),
                items,
            });
        }
    };
    for (key, c) in [
        ("provider", &r.provider),
        ("service_form", &r.service_form),
        ("result", &r.result),
        ("basis", &r.basis),
    ] {
        section(
            key,
            c.iter().map(|c| item(c.text.get(lang), &c.cite)).collect(),
        );
    }
    section(
        "term",
        r.term
            .iter()
            .map(|x| Item {
                note: Some(
                    std::iter::once(format!("{}: {}", t["working_days"], x.working_days))
                        .chain(x.counting_when_silent.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                ..item(x.text.get(lang), &x.cite)
            })
            .collect(),
    );
    section(
        "fee",
        r.fee
            .iter()
            .map(|x| item(x.text.get(lang), &x.cite))
            .collect(),
    );
    for (key, n) in [
        ("max_wait", &r.max_wait_minutes),
        ("max_service", &r.max_service_minutes),
    ] {
        section(
            key,
            n.iter()
                .map(|n| item(n.value.to_string(), &n.cite))
                .collect(),
        );
    }
    section(
        "channels",
        s.channels()
            .iter()
            .map(|c| item(c.name.get(lang), &c.cite))
            .collect(),
    );
    section(
        "requests",
        s.requests()
            .iter()
            .map(|q| Item {
                text: q.name.get(lang).to_string(),
                cite: q.cite.as_ref().map(Citation::to_string),
                note: None,
            })
            .collect(),
    );
    let name_of = |list: &[(String, &Text)], id: &str| {
        list.iter()
            .find(|(k, _)| k == id)
            .map(|(_, n)| n.get(lang).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let channels: Vec<(String, &Text)> = s
        .channels()
        .iter()
        .map(|c| (c.id.value.clone(), &c.name))
        .collect();
    let requests: Vec<(String, &Text)> = s
        .requests()
        .iter()
        .map(|c| (c.id.value.clone(), &c.name))
        .collect();
    let kinds: Vec<(String, &Text)> = s
        .documents()
        .iter()
        .map(|c| (c.id.value.clone(), &c.name))
        .collect();
    for req in s.requirements() {
        let items = req
            .documents
            .iter()
            .map(|d| Item {
                text: d
                    .name
                    .as_ref()
                    .map(|n| n.get(lang).to_string())
                    .unwrap_or_else(|| name_of(&kinds, &d.document.value)),
                cite: Some(req.cite.to_string()),
                note: d
                    .when
                    .as_ref()
                    .map(|w| format!("{}: {}", t["when"], w.value)),
            })
            .collect::<Vec<_>>();
        if !items.is_empty() {
            sections.push(Section {
                title: format!(
                    "{}: {} — {}",
                    t["documents"],
                    name_of(&requests, &req.request.value),
                    name_of(&channels, &req.channel.value)
                ),
                items,
            });
        }
    }
    let mut section = |key: &str, items: Vec<Item>| {
        if !items.is_empty() {
            sections.push(Section {
                title: t.get(key).copied().unwrap_or(key).to_string(),
                items,
            });
        }
    };
    section(
        "conditions",
        s.conditions()
            .iter()
            .map(|c| item(format!("{}: {}", c.id.value, c.expr.value), &c.cite))
            .collect(),
    );
    section(
        "parameters",
        s.parameters()
            .iter()
            .map(|x| item(format!("{} = {}", x.id.value, x.value.value), &x.cite))
            .collect(),
    );
    section(
        "legalization",
        r.legalization
            .iter()
            .map(|x| item(x.text.get(lang), &x.cite))
            .collect(),
    );
    section(
        "intake_refusal",
        r.intake_refusal
            .iter()
            .map(|x| item(x.text.get(lang), &x.cite))
            .collect(),
    );
    section(
        "grounds",
        s.grounds()
            .iter()
            .map(|g| Item {
                note: Some(format!(
                    "{}: {}",
                    t["for_requests"],
                    g.requests
                        .iter()
                        .map(|q| name_of(&requests, &q.value))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                ..item(g.text.get(lang), &g.cite)
            })
            .collect(),
    );
    section(
        "outcomes",
        s.outcomes()
            .iter()
            .map(|o| {
                let stage = format!("outcome_{}", o.on.value.id().replace('-', "_"));
                let forms: Vec<&str> = o.forms.iter().map(|f| f.value.as_str()).collect();
                let computes: Vec<&str> = o.computes.iter().map(|c| c.value.id()).collect();
                let note: Vec<String> = [
                    o.when
                        .as_ref()
                        .map(|w| format!("{}: {}", t["when"], w.value)),
                    (!computes.is_empty())
                        .then(|| format!("{}: {}", t["computes"], computes.join(", "))),
                    o.forms_not_encoded.clone(),
                ]
                .into_iter()
                .flatten()
                .collect();
                Item {
                    note: (!note.is_empty()).then(|| note.join("; ")),
                    ..item(
                        format!(
                            "{} ({}) — {}",
                            t.get(stage.as_str()).copied().unwrap_or(&stage),
                            o.id.value,
                            if forms.is_empty() {
                                t["no_form"].to_string()
                            } else {
                                forms.join(", ")
                            }
                        ),
                        &o.cite,
                    )
                }
            })
            .collect(),
    );
    section(
        "steps",
        s.steps()
            .iter()
            .map(|x| Item {
                note: x.channel.as_ref().map(|c| name_of(&channels, &c.value)),
                ..item(x.text.get(lang), &x.cite)
            })
            .collect(),
    );
    section(
        "appeals",
        r.appeals
            .iter()
            .flatten()
            .map(|x| item(x.text.get(lang), &x.cite))
            .collect(),
    );
    section(
        "schedules",
        r.schedules
            .iter()
            .flatten()
            .map(|x| item(x.text.get(lang), &x.cite))
            .collect(),
    );
    let change = |c: &AppliedChange| Item {
        text: c.summary.clone().unwrap_or_else(|| {
            c.parts
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", ")
        }),
        cite: Some(c.cite.to_string()),
        note: c.in_force_from.map(|d| d.to_string()),
    };
    ServiceView {
        id: s.id.clone(),
        title: s.title.get(lang).to_string(),
        cite: s.cite.to_string(),
        error: None,
        sections,
        acts: f
            .acts
            .iter()
            .map(|a| Item {
                text: format!(
                    "{} № {} ({})",
                    a.id,
                    a.number.as_deref().unwrap_or("?"),
                    a.date.map(|d| d.to_string()).unwrap_or_else(|| "?".into())
                ),
                cite: None,
                note: a.caveat.clone(),
            })
            .collect(),
        changes: f.changes.iter().map(change).collect(),
        pending: f.pending.iter().map(change).collect(),
        caveats: f.caveats.clone(),
        missing: s
            .missing
            .iter()
            .map(|(part, why)| Item {
                text: part.name().to_string(),
                cite: None,
                note: Some(why.clone()),
            })
            .collect(),
        unencoded: s
            .unencoded
            .iter()
            .map(|u| Item {
                note: Some(u.why.clone()),
                ..item(u.what.clone(), &u.cite)
            })
            .collect(),
        full: crate::resolve::describe(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_switch_keeps_the_other_parameters() {
        assert_eq!(
            with_param("/forms?date=2024-06-01&lang=kk", "lang", "ru"),
            "/forms?date=2024-06-01&lang=ru"
        );
        assert_eq!(with_param("/", "lang", "ru"), "/?lang=ru");
        assert_eq!(percent("cases/a b&c.yaml"), "cases%2Fa%20b%26c.yaml");
    }

    #[test]
    fn pages_escape_what_they_show() {
        let frame = Frame::new(Lang::Ru, "not_found", 1, None, "/x?a=\"><b>");
        let html = render(
            "message.html",
            &frame,
            serde_json::json!({ "heading": "not_found", "text": "<script>x</script>" }),
        )
        .unwrap();
        assert!(
            html.contains("&lt;script&gt;x&lt;&#x2f;script&gt;"),
            "{html}"
        );
        assert!(
            !html.contains("<script>x") && !html.contains("\"><b>"),
            "{html}"
        );
    }
}
