//! The routes: HTML pages for people, `/events` for live reload, and (in
//! [`super::api`]) the JSON/PDF API for other systems. Every handler reads the project only
//! through the project API; what a request names (a date, a case of the
//! listing, a document of a rendered set) is looked up, never opened.

// Helpers return a finished response as their error, once per request:
// its size costs nothing worth boxing it for.
#![allow(clippy::result_large_err)]

use super::cache::Shown;
use super::pages::{self, Frame, Problem};
use super::{App, MAX_BODY_BYTES, Snapshot, api, i18n};
use crate::base::text::Lang;
use crate::decide::{self, Outcome};
use crate::load::case;
use crate::load::guard::Links;
use crate::project::Project;
use crate::render::PageImage;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

type AppState = State<Arc<App>>;

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(services_page))
        .route("/forms", get(forms_page))
        .route("/forms/case/{*file}", get(case_forms_page))
        .route("/pdf", get(pdf_file))
        .route("/png", get(png_file))
        .route("/cases", get(cases_page))
        .route("/cases/{*file}", get(case_page))
        .route("/diagnostics", get(diagnostics_page))
        .route("/review", get(review_page))
        .route("/review/revision", get(revision_page))
        .route("/review/report/{*file}", get(report_file))
        .route("/events", get(events))
        .route("/static/style.css", get(style))
        .route("/static/live.js", get(script))
        .route("/api/services", get(api::api_services))
        .route("/api/decide", post(api::api_decide))
        .route("/api/render", post(api::api_render))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Refuses a request for a host name other than the loopback address
/// listened on (DNS rebinding), and sets the headers every response carries.
async fn guard(State(app): AppState, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if !app.host_allowed(host) {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "qujat serve answers only requests addressed to the loopback address it listens on\n",
        )
            .into_response();
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    res
}

/// Every query parameter any route reads; each route uses its own.
#[derive(Debug, Default, Deserialize)]
struct Params {
    lang: Option<String>,
    date: Option<String>,
    from: Option<String>,
    to: Option<String>,
    as_of: Option<String>,
    rev: Option<String>,
    /// A set of rendered documents: the blanks of a date, or a case.
    blanks: Option<String>,
    case: Option<String>,
    doc: Option<String>,
    page: Option<String>,
}

/// What every page handler starts from.
struct Ctx {
    app: Arc<App>,
    lang: Lang,
    uri: String,
    snap: Arc<Snapshot>,
}

impl Ctx {
    fn new(app: &Arc<App>, p: &Params, headers: &HeaderMap, uri: &Uri) -> Ctx {
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|h| h.to_str().ok());
        Ctx {
            app: app.clone(),
            lang: i18n::choose(p.lang.as_deref(), accept),
            uri: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string()),
            snap: app.snapshot(),
        }
    }

    fn frame(&self, nav: &'static str) -> Frame {
        let errors = self
            .snap
            .errors
            .as_ref()
            .map(|d| Problem::from_diagnostics(d, &self.app.root));
        Frame::new(self.lang, nav, self.snap.generation, errors, &self.uri)
    }

    fn page(&self, nav: &'static str, template: &str, values: serde_json::Value) -> Response {
        match pages::render(template, &self.frame(nav), values) {
            Ok(html) => html_response(StatusCode::OK, html),
            Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e),
        }
    }

    /// A page saying why the request cannot be answered.
    fn fail(&self, status: StatusCode, text: impl Into<String>) -> Response {
        let key = if status == StatusCode::NOT_FOUND {
            "not_found"
        } else {
            "bad_request"
        };
        let values = json!({ "heading": key, "text": text.into() });
        match pages::render("message.html", &self.frame(key), values) {
            Ok(html) => html_response(status, html),
            Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e),
        }
    }

    fn date(&self, value: Option<&str>) -> Result<NaiveDate, Response> {
        match value.filter(|v| !v.is_empty()) {
            None => Ok(self.app.today()),
            Some(v) => parse_date(v).map_err(|e| self.fail(StatusCode::BAD_REQUEST, e)),
        }
    }
}

pub(super) fn parse_date(v: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| format!("`{v}` is not a date: write it as YYYY-MM-DD"))
}

fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.into(),
    )
        .into_response()
}

async fn not_found(
    State(app): AppState,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = Ctx::new(&app, &p, &headers, &uri);
    c.fail(StatusCode::NOT_FOUND, format!("no page at {}", uri.path()))
}

// ------------------------------------------------------------ services

async fn services_page(
    State(app): AppState,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = Ctx::new(&app, &p, &headers, &uri);
    let date = match c.date(p.date.as_deref()) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let services: Vec<pages::ServiceView> = match &c.snap.good {
        None => vec![],
        Some(project) => service_views(project, date, c.lang),
    };
    c.page(
        "services",
        "services.html",
        json!({ "date": date.to_string(), "services": services }),
    )
}

fn service_views(project: &Project, date: NaiveDate, lang: Lang) -> Vec<pages::ServiceView> {
    project
        .rules
        .services
        .iter()
        .map(
            |(id, versions)| match crate::resolve::service_as_of(&project.rules, id, date) {
                Ok(f) => pages::service(&f, lang),
                Err(e) => {
                    let title = versions
                        .iter()
                        .rev()
                        .find_map(|(_, v)| v.rules.title.as_ref());
                    pages::service_error(
                        id,
                        title,
                        lang,
                        pages::strip_root(&e.to_string(), &project.root),
                    )
                }
            },
        )
        .collect()
}

// ------------------------------------------------------------ forms

/// A set of documents rendered together: the blank forms in force on a
/// date, or the documents of one sample case (by its file under `cases/`).
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub(crate) enum Set {
    Blanks(NaiveDate),
    Case(String),
}

impl Set {
    /// The query naming the set, for the URLs of its files.
    fn query(&self) -> String {
        match self {
            Set::Blanks(d) => format!("blanks={d}"),
            Set::Case(f) => format!("case={}", pages::percent(f)),
        }
    }
}

pub(crate) struct Previews {
    pub docs: Vec<DocPreview>,
    pub notes: Vec<String>,
}

pub(crate) struct DocPreview {
    /// As `build` names it under its output folder.
    pub name: String,
    pub pdf: crate::render::Pdf,
    pub pages: Vec<PageImage>,
}

/// The name a case is known by: its path under `cases/`, with `/`.
fn case_key(root: &Path, path: &Path) -> String {
    relative(&root.join("cases"), path)
}

/// `path` under `base`, with `/` between the parts.
fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The sample case of that name, found in the listing of `cases/`.
fn case_path(project: &Project, key: &str) -> Option<PathBuf> {
    project
        .sample_cases()
        .into_iter()
        .find(|p| case_key(&project.root, p) == key)
}

fn make_previews(project: &Project, set: &Set) -> Result<Previews, Problem> {
    let root = &project.root;
    let docs = match set {
        Set::Blanks(date) => {
            let (docs, notes) = project
                .render_blanks(*date, None)
                .map_err(|e| Problem::from_error(&e, root))?;
            (docs, notes)
        }
        Set::Case(key) => {
            let path = case_path(project, key)
                .ok_or_else(|| Problem::message(format!("cases/{key} is not a sample case")))?;
            let lc = case::load_case_with(&path, Links::Refuse)
                .map_err(|d| Problem::from_diagnostics(&d, root))?;
            let d = decide::decide(&project.rules, &lc, None)
                .map_err(|d| Problem::from_diagnostics(&d, root))?;
            let docs = project
                .render_case(&lc, &d, None)
                .map_err(|e| Problem::from_error(&e, root))?;
            (docs.documents, docs.notes)
        }
    };
    let (docs, notes) = docs;
    Ok(Previews {
        docs: docs
            .into_iter()
            .map(|d| DocPreview {
                name: d.name.to_string_lossy().replace('\\', "/"),
                pdf: d.pdf,
                pages: d.pages,
            })
            .collect(),
        notes: notes.iter().map(|n| pages::strip_root(n, root)).collect(),
    })
}

async fn previews(app: &App, snap: &Snapshot, set: Set) -> Shown<Previews> {
    let key = set.clone();
    app.previews
        .get(key, snap, move |project| make_previews(&project, &set))
        .await
}

#[derive(serde::Serialize)]
struct DocView {
    name: String,
    title: String,
    pdf: String,
    pages: Vec<PageView>,
}

#[derive(serde::Serialize)]
struct PageView {
    number: usize,
    src: String,
    width: u32,
    height: u32,
    text: String,
}

/// The documents of a set as the page lists them, with the URLs of their
/// files; `generation` in the URL makes the browser fetch new images after
/// each reload.
fn doc_views(
    set: &Set,
    p: &Previews,
    project: Option<&Project>,
    lang: Lang,
    generation: u64,
) -> Vec<DocView> {
    p.docs
        .iter()
        .map(|d| {
            let file = d.name.rsplit('/').next().unwrap_or(&d.name);
            let form = file
                .trim_end_matches(".pdf")
                .trim_end_matches(".kk")
                .trim_end_matches(".ru");
            let title = project
                .and_then(|p| p.rules.forms.get(form))
                .map(|f| f.title.get(lang).to_string())
                .unwrap_or_else(|| form.to_string());
            let doc = format!("{}&doc={}", set.query(), pages::percent(&d.name));
            DocView {
                name: d.name.clone(),
                title,
                pdf: format!("/pdf?{doc}"),
                pages: d
                    .pages
                    .iter()
                    .enumerate()
                    .map(|(i, pg)| PageView {
                        number: i + 1,
                        src: format!("/png?{doc}&page={}&v={generation}", i + 1),
                        width: pg.width,
                        height: pg.height,
                        text: pg.text.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn problem_value(p: &Option<Arc<Problem>>) -> Option<&Problem> {
    p.as_deref()
}

async fn forms_page(
    State(app): AppState,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = Ctx::new(&app, &p, &headers, &uri);
    let date = match c.date(p.date.as_deref()) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let set = Set::Blanks(date);
    let shown = previews(&app, &c.snap, set.clone()).await;
    let project = c.snap.good.as_deref();
    let docs = shown
        .value
        .as_deref()
        .map(|v| doc_views(&set, v, project, c.lang, c.snap.generation))
        .unwrap_or_default();
    let cases: Vec<String> = project
        .map(|p| {
            p.sample_cases()
                .iter()
                .map(|f| case_key(&p.root, f))
                .collect()
        })
        .unwrap_or_default();
    c.page(
        "forms",
        "forms.html",
        json!({ "date": date.to_string(),
            "heading": "blank_forms",
            "docs": docs,
            "notes": shown.value.as_ref().map(|v| v.notes.clone()).unwrap_or_default(),
            "stale": shown.stale,
            "problem": problem_value(&shown.error),
            "cases": cases,
            "case": None::<String>, }),
    )
}

async fn case_forms_page(
    State(app): AppState,
    UrlPath(file): UrlPath<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = Ctx::new(&app, &p, &headers, &uri);
    let Some(project) = c.snap.good.clone() else {
        return c.page(
            "forms",
            "forms.html",
            json!({ "date": "", "heading": "case_forms", "docs": Vec::<DocView>::new(), "notes": Vec::<String>::new(), "stale": true, "problem": None::<Problem>, "cases": Vec::<String>::new(), "case": file }),
        );
    };
    if case_path(&project, &file).is_none() {
        return c.fail(
            StatusCode::NOT_FOUND,
            format!("cases/{file} is not a sample case"),
        );
    }
    let set = Set::Case(file.clone());
    let shown = previews(&app, &c.snap, set.clone()).await;
    let docs = shown
        .value
        .as_deref()
        .map(|v| doc_views(&set, v, Some(&project), c.lang, c.snap.generation))
        .unwrap_or_default();
    c.page(
        "forms",
        "forms.html",
        json!({ "date": "",
            "heading": "case_forms",
            "docs": docs,
            "notes": shown.value.as_ref().map(|v| v.notes.clone()).unwrap_or_default(),
            "stale": shown.stale,
            "problem": problem_value(&shown.error),
            "cases": Vec::<String>::new(),
            "case": file, }),
    )
}

/// The set and document a file request names, rendered (or as last rendered).
async fn document(
    app: &Arc<App>,
    p: &Params,
) -> Result<(Arc<Previews>, usize), (StatusCode, String)> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let set = match (&p.blanks, &p.case) {
        (Some(d), None) => Set::Blanks(parse_date(d).map_err(bad)?),
        (None, Some(f)) => Set::Case(f.clone()),
        _ => return Err(bad("name one set: `blanks=DATE` or `case=FILE`".into())),
    };
    let snap = app.snapshot();
    if let (Set::Case(f), Some(project)) = (&set, &snap.good)
        && case_path(project, f).is_none()
    {
        return Err((
            StatusCode::NOT_FOUND,
            format!("cases/{f} is not a sample case"),
        ));
    }
    let shown = previews(app, &snap, set).await;
    let Some(v) = shown.value else {
        let why = shown
            .error
            .map(|e| {
                e.message.clone().unwrap_or_else(|| {
                    e.diagnostics
                        .iter()
                        .map(|d| format!("{}:{}:{}: {}", d.file, d.line, d.column, d.message))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            })
            .unwrap_or_default();
        return Err((StatusCode::UNPROCESSABLE_ENTITY, why));
    };
    let name = p.doc.as_deref().unwrap_or("");
    match v.docs.iter().position(|d| d.name == name) {
        Some(i) => Ok((v, i)),
        None => Err((
            StatusCode::NOT_FOUND,
            format!("no document `{name}` in this set"),
        )),
    }
}

async fn pdf_file(State(app): AppState, Query(p): Query<Params>) -> Response {
    let (v, i) = match document(&app, &p).await {
        Ok(found) => found,
        Err((status, m)) => return plain(status, m),
    };
    let doc = &v.docs[i];
    // A preview's PDF is exported from its layout when first asked for.
    let pdf = doc.pdf.clone();
    match tokio::task::spawn_blocking(move || pdf.into_vec()).await {
        Ok(Ok(bytes)) => pdf_response(&doc.name, bytes),
        Ok(Err(e)) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::strip_root(&e.to_string(), &app.root),
        ),
        Err(e) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {e}"),
        ),
    }
}

pub(super) fn pdf_response(name: &str, pdf: Vec<u8>) -> Response {
    let file: String = name
        .rsplit('/')
        .next()
        .unwrap_or("document.pdf")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file}\""),
            ),
        ],
        pdf,
    )
        .into_response()
}

async fn png_file(State(app): AppState, Query(p): Query<Params>) -> Response {
    let page: usize = match p.page.as_deref().unwrap_or("1").parse() {
        Ok(n) if n >= 1 => n,
        _ => return plain(StatusCode::BAD_REQUEST, "`page` counts from 1"),
    };
    match document(&app, &p).await {
        Ok((v, i)) => match v.docs[i].pages.get(page - 1) {
            Some(img) => ([(header::CONTENT_TYPE, "image/png")], img.png.clone()).into_response(),
            None => plain(
                StatusCode::NOT_FOUND,
                format!("{} has {} page(s)", v.docs[i].name, v.docs[i].pages.len()),
            ),
        },
        Err((status, m)) => plain(status, m),
    }
}

// ------------------------------------------------------------ cases

/// A sample case decided, as its page shows it.
#[derive(Clone, serde::Serialize)]
pub(crate) struct CaseView {
    file: String,
    id: String,
    service: String,
    date: String,
    outcome: &'static str,
    report: String,
    explain: String,
}

fn outcome_key(o: &Outcome) -> &'static str {
    match o {
        Outcome::Accepted { .. } => "outcome_accepted",
        Outcome::RefusedAtIntake { .. } => "outcome_refused_at_intake",
        Outcome::Refused { .. } => "outcome_refused",
        Outcome::Completed { .. } => "outcome_completed",
    }
}

fn make_case(project: &Project, key: &str, as_of: Option<NaiveDate>) -> Result<CaseView, Problem> {
    let root = &project.root;
    let path = case_path(project, key)
        .ok_or_else(|| Problem::message(format!("cases/{key} is not a sample case")))?;
    let lc = case::load_case_with(&path, Links::Refuse)
        .map_err(|d| Problem::from_diagnostics(&d, root))?;
    let d = decide::decide(&project.rules, &lc, as_of)
        .map_err(|d| Problem::from_diagnostics(&d, root))?;
    let shown = PathBuf::from("cases").join(key);
    Ok(CaseView {
        file: key.to_string(),
        id: lc.case.id.value.clone(),
        service: d.service.clone(),
        date: d.date.to_string(),
        outcome: outcome_key(&d.outcome),
        report: pages::strip_root(&decide::report(&d), root),
        explain: pages::strip_root(&crate::review::explain::explain(&d, &shown), root),
    })
}

async fn decision(
    app: &App,
    snap: &Snapshot,
    key: String,
    as_of: Option<NaiveDate>,
) -> Shown<CaseView> {
    let k = key.clone();
    app.decisions
        .get((key, as_of), snap, move |project| {
            make_case(&project, &k, as_of)
        })
        .await
}

#[derive(serde::Serialize)]
struct CaseRow {
    file: String,
    case: Option<CaseView>,
    stale: bool,
    problem: Option<Problem>,
}

async fn case_rows(c: &Ctx) -> Vec<CaseRow> {
    let Some(project) = &c.snap.good else {
        return vec![];
    };
    let mut rows = vec![];
    for path in project.sample_cases() {
        let file = case_key(&project.root, &path);
        let shown = decision(&c.app, &c.snap, file.clone(), None).await;
        rows.push(CaseRow {
            file,
            case: shown.value.as_deref().cloned(),
            stale: shown.stale,
            problem: shown.error.as_deref().cloned(),
        });
    }
    rows
}

async fn cases_page(
    State(app): AppState,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = Ctx::new(&app, &p, &headers, &uri);
    let rows = case_rows(&c).await;
    c.page("cases", "cases.html", json!({ "rows": rows }))
}

async fn case_page(
    State(app): AppState,
    UrlPath(file): UrlPath<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = Ctx::new(&app, &p, &headers, &uri);
    let as_of = match p.as_of.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match parse_date(v) {
            Ok(d) => Some(d),
            Err(e) => return c.fail(StatusCode::BAD_REQUEST, e),
        },
    };
    if let Some(project) = &c.snap.good
        && case_path(project, &file).is_none()
    {
        return c.fail(
            StatusCode::NOT_FOUND,
            format!("cases/{file} is not a sample case"),
        );
    }
    let shown = decision(&app, &c.snap, file.clone(), as_of).await;
    c.page(
        "cases",
        "case.html",
        json!({ "file": file,
            "as_of": as_of.map(|d| d.to_string()).unwrap_or_default(),
            "case": shown.value.as_deref(),
            "stale": shown.stale,
            "problem": problem_value(&shown.error), }),
    )
}

// ------------------------------------------------------------ diagnostics

async fn diagnostics_page(
    State(app): AppState,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = Ctx::new(&app, &p, &headers, &uri);
    let root = &app.root;
    let (project_errors, warnings) = match (&c.snap.errors, &c.snap.good) {
        (Some(d), _) => (Some(Problem::from_diagnostics(d, root)), None),
        (None, Some(project)) => {
            let d = crate::base::diag::Diagnostics::new(
                project.rules.warnings.clone(),
                project.rules.sources.clone(),
            );
            (None, Some(Problem::from_diagnostics(&d, root)))
        }
        (None, None) => (None, None),
    };
    let cases: Vec<CaseRow> = case_rows(&c)
        .await
        .into_iter()
        .filter(|r| r.problem.is_some())
        .collect();
    let renders: Vec<(String, Problem)> = app
        .previews
        .failures()
        .into_iter()
        .map(|(set, p)| {
            let what = match set {
                Set::Blanks(d) => format!("{} {d}", i18n::texts(c.lang)["blank_forms"]),
                Set::Case(f) => format!("cases/{f}"),
            };
            (what, (*p).clone())
        })
        .collect();
    let clean = project_errors.is_none()
        && warnings.as_ref().is_none_or(|w| w.diagnostics.is_empty())
        && c.snap.template_error.is_none()
        && cases.is_empty()
        && renders.is_empty();
    c.page(
        "diagnostics",
        "diagnostics.html",
        json!({ "project_errors": project_errors,
            "warnings": warnings,
            "template_error": c.snap.template_error.as_deref().map(|e| pages::strip_root(e, root)),
            "cases": cases,
            "renders": renders,
            "clean": clean, }),
    )
}

// ------------------------------------------------------------ review

#[derive(serde::Serialize)]
struct DiffLine {
    class: &'static str,
    text: String,
}

/// The rules diff's lines, each marked by what it says: added, removed,
/// changed, or the change that caused it.
fn diff_lines(text: &str) -> Vec<DiffLine> {
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            let class = if t.starts_with("+ ") {
                "add"
            } else if t.starts_with("- ") {
                "del"
            } else if t.starts_with("~ ") || t.starts_with("→ ") {
                "chg"
            } else if t.starts_with("by ") || t.starts_with("undone") {
                "by"
            } else {
                ""
            };
            DiffLine {
                class,
                text: l.to_string(),
            }
        })
        .collect()
}

async fn review_page(
    State(app): AppState,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = Ctx::new(&app, &p, &headers, &uri);
    let to = match c.date(p.to.as_deref()) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let from = match p.from.as_deref().filter(|v| !v.is_empty()) {
        None => to - chrono::Days::new(365),
        Some(v) => match parse_date(v) {
            Ok(d) => d,
            Err(e) => return c.fail(StatusCode::BAD_REQUEST, e),
        },
    };
    let lines = c.snap.good.as_ref().map(|project| {
        let d = crate::review::rules_diff::diff(&project.rules, from, to);
        (d.is_empty(), diff_lines(&d.render()))
    });
    c.page(
        "review",
        "review.html",
        json!({ "from": from.to_string(),
            "to": to.to_string(),
            "empty": lines.as_ref().is_some_and(|l| l.0),
            "lines": lines.map(|l| l.1).unwrap_or_default(),
            "rev": p.rev.clone().unwrap_or_else(|| "HEAD".into()),
            "date": to.to_string(),
            "summary": None::<String>,
            "report": false,
            "problem": None::<Problem>, }),
    )
}

/// The documents of the working tree compared with those of a git
/// revision, as `qujat diff --rev` does; kept for the load it was made in.
pub(crate) struct RevisionReview {
    key: (String, NaiveDate, u64),
    summary: Result<String, String>,
    /// The HTML report's files (`index.html`, `pages/…png`), by name.
    files: HashMap<String, Vec<u8>>,
}

/// A revision as git takes it (`main`, `HEAD~2`, `v1.0`, a hash), never
/// an option.
fn revision_ok(rev: &str) -> bool {
    !rev.is_empty()
        && rev.len() <= 100
        && !rev.starts_with('-')
        && rev
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/~^@{}-".contains(c))
}

fn compare_revision(root: &Path, key: (String, NaiveDate, u64)) -> RevisionReview {
    let (rev, date) = (key.0.as_str(), key.1);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut files = HashMap::new();
    let summary = (|| -> Result<String, String> {
        let old = crate::review::revision::checkout(root, rev)?;
        let show = |d: crate::base::diag::Diagnostics| pages::strip_root(&d.to_string(), root);
        let then = Project::open(&old.project)
            .map_err(|d| format!("the rules as of `{rev}` do not load:\n{}", show(d)))?;
        let now = Project::open(root).map_err(show)?;
        let builds = crate::write::output::temp_dir("serve-review").map_err(|e| e.to_string())?;
        let result = (|| {
            let (a, b) = (builds.join("revision"), builds.join("working-tree"));
            for (p, out) in [(&then, &a), (&now, &b)] {
                let r = p.build(out, date, threads, &|_| {});
                if let Some((job, e)) = r.failed.into_iter().next() {
                    return Err(pages::strip_root(&format!("failed: {job}:\n{e}"), root));
                }
            }
            let mut c = crate::review::compare::compare_dirs(&a, &b).map_err(|e| e.to_string())?;
            (c.a, c.b) = (format!("revision {rev}").into(), "working tree".into());
            if !c.is_empty() {
                let dir = builds.join("report");
                crate::review::compare::write_report(&c, &dir).map_err(|e| e.to_string())?;
                for entry in walkdir::WalkDir::new(&dir).into_iter().flatten() {
                    if entry.file_type().is_file()
                        && let Ok(bytes) = std::fs::read(entry.path())
                    {
                        files.insert(relative(&dir, entry.path()), bytes);
                    }
                }
            }
            Ok(c.summary())
        })();
        let _ = std::fs::remove_dir_all(&builds);
        result
    })();
    RevisionReview {
        key,
        summary,
        files,
    }
}

async fn revision_page(
    State(app): AppState,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let c = Ctx::new(&app, &p, &headers, &uri);
    let date = match c.date(p.date.as_deref()) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let rev = p.rev.clone().unwrap_or_else(|| "HEAD".into());
    if !revision_ok(&rev) {
        return c.fail(
            StatusCode::BAD_REQUEST,
            format!("`{rev}` is not a revision name (letters, digits and . _ / ~ ^ @ {{ }} -, not starting with -)"),
        );
    }
    let key = (rev.clone(), date, c.snap.generation);
    let mut slot = app.review.lock().await;
    if slot.as_ref().is_none_or(|r| r.key != key) {
        let root = app.root.clone();
        let k = key.clone();
        let made = tokio::task::spawn_blocking(move || compare_revision(&root, k)).await;
        *slot = Some(made.unwrap_or_else(|e| RevisionReview {
            key,
            summary: Err(format!("internal error: {e}")),
            files: HashMap::new(),
        }));
    }
    let review = slot.as_ref();
    let (summary, problem) = match review.map(|r| &r.summary) {
        Some(Ok(s)) => (Some(s.clone()), None),
        Some(Err(e)) => (None, Some(Problem::message(e.clone()))),
        None => (None, None),
    };
    let report = review.is_some_and(|r| r.files.contains_key("index.html"));
    let to = date;
    let from = to - chrono::Days::new(365);
    c.page(
        "review",
        "review.html",
        json!({ "from": from.to_string(),
            "to": to.to_string(),
            "empty": false,
            "lines": Vec::<DiffLine>::new(),
            "rev": rev,
            "date": date.to_string(),
            "summary": summary,
            "report": report,
            "problem": problem, }),
    )
}

async fn report_file(State(app): AppState, UrlPath(file): UrlPath<String>) -> Response {
    let slot = app.review.lock().await;
    let Some(bytes) = slot.as_ref().and_then(|r| r.files.get(&file)) else {
        return plain(StatusCode::NOT_FOUND, format!("no report file `{file}`"));
    };
    let kind = if file.ends_with(".png") {
        "image/png"
    } else {
        "text/html; charset=utf-8"
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            // The report is self-contained HTML with its own style sheet.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
        bytes.clone(),
    )
        .into_response()
}

// ------------------------------------------------------------ live reload

/// Server-sent events: `reload` with the load's generation, first the
/// current one (a page made before the connection compares it with its
/// own), then one per reload.
async fn events(State(app): AppState) -> impl IntoResponse {
    let rx = app.events.subscribe();
    let first = app.snapshot().generation;
    let reload = |g: u64| {
        Ok::<_, std::convert::Infallible>(Event::default().event("reload").data(g.to_string()))
    };
    let stream = futures_util::stream::unfold(
        (rx, Some(first), app),
        move |(mut rx, first, app)| async move {
            if let Some(g) = first {
                return Some((reload(g), (rx, None, app)));
            }
            let g = match rx.recv().await {
                Ok(g) => g,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    app.snapshot().generation
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            };
            Some((reload(g), (rx, None, app)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("static/style.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("static/live.js"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_are_names_never_options() {
        for ok in [
            "HEAD",
            "main",
            "HEAD~2",
            "v1.0",
            "origin/main",
            "HEAD@{1}",
            "abc123^",
        ] {
            assert!(revision_ok(ok), "{ok}");
        }
        for bad in ["", "--output=/tmp/x", "-p", "a b", "x;rm", "$(id)", "a\nb"] {
            assert!(!revision_ok(bad), "{bad:?}");
        }
    }

    #[test]
    fn rules_diff_lines_are_marked_by_what_they_say() {
        let lines = diff_lines("x:\n  title:\n    ~ a\n      → b\n    + c\n    - d\n    by `act`");
        let classes: Vec<&str> = lines.iter().map(|l| l.class).collect();
        assert_eq!(classes, ["", "", "chg", "chg", "add", "del", "by"]);
    }

    #[test]
    fn cases_are_named_by_their_path_under_cases() {
        let root = Path::new("/p");
        assert_eq!(case_key(root, Path::new("/p/cases/a.yaml")), "a.yaml");
        assert_eq!(
            case_key(root, Path::new("/p/cases/sub/b.yaml")),
            "sub/b.yaml"
        );
    }
}
