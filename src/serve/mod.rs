//! `qujat serve`: a local web application for legal staff over the project
//! directory — the services as of a date, every form as page images (blank
//! and for each sample case), each case's decision and trace, diagnostics,
//! and review (rules between two dates, documents against a git revision) —
//! updated in the open pages whenever a file under `rules/`, `forms/`,
//! `templates/` or `cases/` is saved; and an HTTP API (decide, render,
//! services) for other systems.
//!
//! A view outside the pipeline, like `explain` and `diff`: every page calls
//! the project API ([`Project::open`], [`decide`](crate::decide::decide),
//! [`Project::render_case`], [`Project::render_blanks`], …). The server
//! reads only the project directory, and a request never names a path: it
//! names a date, a case of the listing of `cases/`, or a document of a
//! rendered set, each looked up among what the project has.
//!
//! [`watch`] reloads the project when a file changes and tells the pages
//! over server-sent events; [`cache`] keeps each rendered set with the last
//! good one, so that a file with errors leaves the last good preview on
//! screen, marked stale, next to the errors.

mod api;
mod cache;
mod i18n;
mod pages;
mod routes;
mod watch;

use crate::base::diag::Diagnostics;
use crate::project::Project;
use chrono::NaiveDate;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Pixels per point of page images: 1.5 draws an A4 page 893 pixels wide,
/// sharp in a browser at its natural width, in about 20 ms.
pub const PIXELS_PER_POINT: f32 = 1.5;

/// The largest request body accepted (a case is a file of at most this
/// size too); a larger one is refused with 413 before it is read.
pub const MAX_BODY_BYTES: usize = crate::load::guard::MAX_FILE_BYTES as usize;

/// How `qujat serve` was started.
#[derive(Debug, Clone)]
pub struct Options {
    pub project: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port (printed on start).
    pub port: u16,
    /// Allows an address other than loopback: the project's rules and cases
    /// are then readable by anyone who can reach it.
    pub public: bool,
    /// The date pages show by default; today when not given.
    pub date: Option<NaiveDate>,
}

/// Starts the server and runs until interrupted. Prints the address on the
/// first line of stdout (`--port 0` picks one).
pub fn run(o: Options) -> Result<(), String> {
    if !o.bind.is_loopback() && !o.public {
        return Err(format!(
            "{} is not a loopback address: the project would be readable from other machines; add --public to allow it",
            o.bind
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // A Typst compile of a long form needs more than the default 2 MiB.
        .thread_stack_size(8 << 20)
        .build()
        .map_err(|e| format!("cannot start the server's threads: {e}"))?;
    runtime.block_on(serve(o))
}

async fn serve(o: Options) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(o.bind, o.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", o.bind, o.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the address listened on: {e}"))?;
    let app = Arc::new(App::new(&o.project, o.date, addr, o.public));
    let root = o.project.clone();
    let reloader = app.clone();
    tokio::task::spawn_blocking(move || reloader.reload())
        .await
        .map_err(|e| format!("loading the project failed: {e}"))?;
    watch::start(app.clone(), &root)?;
    let host = match addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "qujat serve: http://{host}:{}/ (project {}); Ctrl-C stops",
            addr.port(),
            o.project.display()
        );
        let _ = out.flush();
    }
    let router = routes::router(app);
    tokio::select! {
        r = axum::serve(listener, router) => r.map_err(|e| format!("the server stopped: {e}")),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// The project as last loaded. A load that fails keeps the last project
/// that loaded (`good`), so every page can still show it, marked stale.
pub(crate) struct Snapshot {
    /// Counts loads, failed or not; pages and images carry it so that a
    /// browser never shows an image of an older load.
    pub generation: u64,
    pub good: Option<Arc<Project>>,
    /// The problems of the latest load when it failed (then `good` is the
    /// project of an earlier load: stale).
    pub errors: Option<Diagnostics>,
    /// Why the templates could not be read, if they could not.
    pub template_error: Option<String>,
    /// The same project without page images, for the API's documents;
    /// opened on first use.
    plain: std::sync::OnceLock<Result<Arc<Project>, Diagnostics>>,
}

impl Snapshot {
    pub fn stale(&self) -> bool {
        self.errors.is_some()
    }

    /// The project of this load, drawing no page images (opened again from
    /// its folder once, on the first call).
    pub fn without_previews(&self) -> Result<Arc<Project>, Diagnostics> {
        self.plain
            .get_or_init(|| match &self.good {
                Some(p) => Project::open(&p.root).map(Arc::new),
                None => Err(Diagnostics::new(vec![], Default::default())),
            })
            .clone()
    }
}

pub(crate) struct App {
    pub root: PathBuf,
    date: Option<NaiveDate>,
    /// Host names a request may carry: only the loopback names of the
    /// address listened on, unless the server is public (a web page elsewhere
    /// could otherwise reach this one through a rebound DNS name).
    hosts: Option<Vec<String>>,
    snapshot: RwLock<Arc<Snapshot>>,
    pub events: tokio::sync::broadcast::Sender<u64>,
    pub previews: cache::Cache<routes::Set, routes::Previews>,
    pub decisions: cache::Cache<(String, Option<NaiveDate>), routes::CaseView>,
    pub review: tokio::sync::Mutex<Option<routes::RevisionReview>>,
    /// Documents drawn with their page images, kept across loads: after a
    /// save only what changed is drawn again.
    drawn: Arc<crate::render::Memo>,
}

impl App {
    fn new(root: &Path, date: Option<NaiveDate>, addr: SocketAddr, public: bool) -> App {
        let port = addr.port();
        let hosts = (!public).then(|| {
            ["127.0.0.1".to_string(), "localhost".into(), "[::1]".into()]
                .into_iter()
                .flat_map(|h| [format!("{h}:{port}"), h])
                .collect()
        });
        App {
            root: root.to_path_buf(),
            date,
            hosts,
            snapshot: RwLock::new(Arc::new(Snapshot {
                generation: 0,
                good: None,
                errors: None,
                template_error: None,
                plain: Default::default(),
            })),
            events: tokio::sync::broadcast::channel(16).0,
            previews: cache::Cache::new(),
            decisions: cache::Cache::new(),
            review: tokio::sync::Mutex::new(None),
            drawn: Arc::default(),
        }
    }

    /// The date pages show when the request gives none.
    pub fn today(&self) -> NaiveDate {
        self.date
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn host_allowed(&self, host: Option<&str>) -> bool {
        match (&self.hosts, host) {
            (None, _) => true,
            (Some(allowed), Some(h)) => allowed.iter().any(|a| a.eq_ignore_ascii_case(h)),
            (Some(_), None) => false,
        }
    }

    /// Loads the project again (blocking: call it off the async threads)
    /// and tells every open page.
    pub fn reload(&self) {
        let opened = Project::open(&self.root)
            .map(|p| p.with_previews(PIXELS_PER_POINT, self.drawn.clone()));
        let previous = self.snapshot();
        let next = match opened {
            Ok(p) => {
                // Read the templates now: their problems belong on the
                // diagnostics page, and the first preview is quicker.
                let template_error = p.renderer().err().map(|e| e.to_string());
                Snapshot {
                    generation: previous.generation + 1,
                    good: Some(Arc::new(p)),
                    errors: None,
                    template_error,
                    plain: Default::default(),
                }
            }
            Err(d) => Snapshot {
                generation: previous.generation + 1,
                good: previous.good.clone(),
                errors: Some(d),
                template_error: previous.template_error.clone(),
                plain: Default::default(),
            },
        };
        let generation = next.generation;
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
        // No page open is no error.
        let _ = self.events.send(generation);
    }
}
