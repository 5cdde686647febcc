//! The HTTP API for other systems: the services as of a date, and a posted
//! case decided or rendered, with the same checks and diagnostics as the
//! command line (as JSON: the message as the CLI prints it, and each
//! diagnostic as `check --json` gives it).

// Helpers return a finished response as their error, once per request:
// its size costs nothing worth boxing it for.
#![allow(clippy::result_large_err)]

use super::App;
use super::pages;
use super::routes::{parse_date, pdf_response};
use crate::base::text::Lang;
use crate::decide::{self, Decision, Outcome};
use crate::load::case::{self, LoadedCase};
use crate::project::{self, Project};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

type AppState = State<Arc<App>>;

/// The query parameters of the API.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Params {
    /// `/api/services`: the date (default today, or `--as-of`).
    date: Option<String>,
    /// `/api/decide`, `/api/render`: the rules of another day, as the
    /// command line's `--as-of`.
    as_of: Option<String>,
    /// `/api/render`: one language's edition of per-language forms.
    lang: Option<String>,
    /// `/api/render`: one document of the case, by file name.
    document: Option<String>,
}

fn json_response(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{value:#}\n"),
    )
        .into_response()
}

/// An API error: the message as the command line prints it, and each
/// diagnostic as `check --json` gives it.
fn api_error(status: StatusCode, root: &Path, e: &project::Error) -> Response {
    let diagnostics: Vec<serde_json::Value> = match e {
        project::Error::Input(d) => d
            .items
            .iter()
            .map(|i| {
                json!({
                    "severity": i.severity,
                    "file": pages::shown(root, &i.file),
                    "line": i.line,
                    "column": i.column,
                    "path": i.path,
                    "message": pages::strip_root(&i.message, root),
                    "source": d.sources.line(&i.file, i.line),
                })
            })
            .collect(),
        _ => vec![],
    };
    json_response(
        status,
        json!({ "error": pages::strip_root(&e.to_string(), root), "diagnostics": diagnostics }),
    )
}

fn api_message(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(
        status,
        json!({ "error": message.into(), "diagnostics": [] }),
    )
}

/// The project for the API: the CLI would refuse to run on rules with
/// errors, and so does the API (503 with the errors).
fn api_project(app: &App) -> Result<Arc<Project>, Response> {
    let snap = app.snapshot();
    match (&snap.errors, &snap.good) {
        (None, Some(p)) => Ok(p.clone()),
        (Some(d), _) => Err(api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &app.root,
            &project::Error::Input(d.clone()),
        )),
        (None, None) => Err(api_message(
            StatusCode::SERVICE_UNAVAILABLE,
            "the project is still loading",
        )),
    }
}

fn api_date(v: Option<&str>) -> Result<Option<NaiveDate>, Response> {
    match v.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_date(v)
            .map(Some)
            .map_err(|e| api_message(StatusCode::BAD_REQUEST, e)),
    }
}

pub(super) async fn api_services(State(app): AppState, Query(p): Query<Params>) -> Response {
    let project = match api_project(&app) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let date = match api_date(p.date.as_deref()) {
        Ok(d) => d.unwrap_or_else(|| app.today()),
        Err(r) => return r,
    };
    let services: Vec<serde_json::Value> = project
        .rules
        .services
        .keys()
        .map(|id| match crate::resolve::service_as_of(&project.rules, id, date) {
            Ok(f) => json!({
                "service": id,
                "in_force": true,
                "title": { "kk": f.service.title.get(Lang::Kk), "ru": f.service.title.get(Lang::Ru) },
                "cite": f.service.cite.to_string(),
                "acts": f.acts.iter().map(|a| json!({
                    "id": a.id, "number": a.number, "date": a.date,
                    "in_force_from": a.in_force_from, "expires": a.expires, "caveat": a.caveat,
                })).collect::<Vec<_>>(),
                "pending": f.pending.iter().map(|c| json!({
                    "act": c.act, "cite": c.cite.to_string(), "summary": c.summary, "in_force_from": c.in_force_from,
                })).collect::<Vec<_>>(),
                "caveats": f.caveats,
                "rules": pages::strip_root(&crate::resolve::describe(&f), &project.root),
            }),
            Err(e) => json!({
                "service": id,
                "in_force": false,
                "error": pages::strip_root(&e.to_string(), &project.root),
            }),
        })
        .collect();
    json_response(
        StatusCode::OK,
        json!({ "date": date, "services": services }),
    )
}

/// The posted case, checked as a case file is (`shown` names it in
/// diagnostics: `request.json` or `request.yaml`). JSON is read by the YAML
/// parser, of which it is a subset, so errors have a line and column too.
fn posted_case(headers: &HeaderMap, body: Bytes) -> Result<LoadedCase, Response> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            h.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let shown = match kind.as_deref() {
        Some("application/json") => "request.json",
        None
        | Some(
            "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" | "text/plain",
        ) => "request.yaml",
        Some(other) => {
            return Err(api_message(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("a case is sent as application/json or application/yaml, not {other}"),
            ));
        }
    };
    case::load_case_bytes(Path::new(shown), body.to_vec()).map_err(|d| {
        api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            Path::new(""),
            &project::Error::Input(d),
        )
    })
}

fn reason_json(r: &decide::Reason) -> serde_json::Value {
    json!({
        "stage": format!("{:?}", r.stage).to_lowercase(),
        "text": r.text,
        "cite": r.cite.to_string(),
        "condition": r.condition,
        "applied": r.applied,
        "facts": r.facts.iter().map(|f| json!({ "text": f.text, "line": f.line })).collect::<Vec<_>>(),
    })
}

fn decision_json(d: &Decision) -> serde_json::Value {
    let outcome = match &d.outcome {
        Outcome::Accepted { due } => json!({ "kind": "accepted", "due": due }),
        Outcome::RefusedAtIntake {
            missing,
            expired,
            not_legalized,
        } => json!({
            "kind": "refused-at-intake",
            "missing": missing, "expired": expired, "not_legalized": not_legalized,
        }),
        Outcome::Refused { grounds } => json!({ "kind": "refused", "grounds": grounds }),
        Outcome::Completed { iin, issued, due } => json!({
            "kind": "completed", "iin": iin.as_ref().map(|i| i.as_str()), "issued": issued, "due": due,
        }),
    };
    json!({
        "service": d.service,
        "request": d.request,
        "channel": d.channel,
        "date": d.date,
        "rules_date": d.rules.date,
        "outcome": outcome,
        "produces": d.produces.as_ref().map(|o| json!({
            "id": o.id.value,
            "forms": o.forms.iter().map(|f| f.value.as_str()).collect::<Vec<_>>(),
            "cite": o.cite.to_string(),
        })),
        "notes": d.notes,
        "duty": d.duty.as_ref().map(|x| json!({ "mrp": x.mrp, "year": x.year, "tenge": x.tenge })),
        "steps": d.steps.iter().map(|s| json!({
            "id": s.id, "text": s.text, "due": s.due, "cite": s.cite.to_string(),
        })).collect::<Vec<_>>(),
        "reasons": d.reasons.iter().map(reason_json).collect::<Vec<_>>(),
        "to_confirm": d.to_confirm.iter().map(reason_json).collect::<Vec<_>>(),
        "acts": d.rules.acts.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        "caveats": d.rules.caveats,
        "report": decide::report(d),
    })
}

/// Decides the posted case on a blocking thread; the decision, or the
/// response saying why not.
async fn decide_posted(
    app: &Arc<App>,
    p: &Params,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(LoadedCase, Decision), Response> {
    let project = api_project(app)?;
    let as_of = api_date(p.as_of.as_deref())?;
    let lc = posted_case(headers, body)?;
    let lc2 = lc.clone();
    let d = tokio::task::spawn_blocking(move || decide::decide(&project.rules, &lc2, as_of))
        .await
        .map_err(|e| {
            api_message(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("internal error: {e}"),
            )
        })?
        .map_err(|d| {
            api_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &app.root,
                &project::Error::Input(d),
            )
        })?;
    Ok((lc, d))
}

pub(super) async fn api_decide(
    State(app): AppState,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match decide_posted(&app, &p, &headers, body).await {
        Ok((_, d)) => json_response(StatusCode::OK, decision_json(&d)),
        Err(r) => r,
    }
}

pub(super) async fn api_render(
    State(app): AppState,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang: Option<Lang> = match p.lang.as_deref().map(str::parse) {
        None => None,
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => return api_message(StatusCode::BAD_REQUEST, e),
    };
    let (lc, d) = match decide_posted(&app, &p, &headers, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let root = app.root.clone();
    let snap = app.snapshot();
    let rendered = tokio::task::spawn_blocking(move || {
        let docs = snap
            .without_previews()
            .map_err(project::Error::Input)?
            .render_case(&lc, &d, lang)?;
        let files = docs
            .documents
            .into_iter()
            .map(|doc| {
                let name = doc.name.to_string_lossy().replace('\\', "/");
                Ok((name, doc.pdf.into_vec()?))
            })
            .collect::<Result<Vec<(String, Vec<u8>)>, project::Error>>()?;
        Ok::<_, project::Error>((files, docs.notes))
    })
    .await;
    let (files, notes) = match rendered {
        Ok(Ok(docs)) => docs,
        Ok(Err(e @ project::Error::Input(_))) => {
            return api_error(StatusCode::UNPROCESSABLE_ENTITY, &root, &e);
        }
        Ok(Err(e)) => return api_error(StatusCode::INTERNAL_SERVER_ERROR, &root, &e),
        Err(e) => {
            return api_message(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("internal error: {e}"),
            );
        }
    };
    let file_name = |name: &str| name.rsplit('/').next().unwrap_or("").to_string();
    if let Some(want) = p.document.as_deref() {
        return match files.iter().find(|(name, _)| file_name(name) == want) {
            Some((name, pdf)) => pdf_response(name, pdf.clone()),
            None => api_message(
                StatusCode::NOT_FOUND,
                format!(
                    "the case has no document `{want}` (it has: {})",
                    files
                        .iter()
                        .map(|(name, _)| file_name(name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        };
    }
    use base64::Engine;
    json_response(
        StatusCode::OK,
        json!({
            "documents": files.iter().map(|(name, pdf)| json!({
                "name": name,
                "pdf_base64": base64::engine::general_purpose::STANDARD.encode(pdf),
            })).collect::<Vec<_>>(),
            "notes": notes,
        }),
    )
}
