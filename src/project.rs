//! A project directory (`rules/`, `forms/`, `templates/`, `cases/`) and the
//! pipeline run over it for each command.

use crate::case::{self, LoadedCase};
use crate::compose::{Composer, Fill};
use crate::decide::{self, Decision, Outcome};
use crate::diag::Diagnostics;
use crate::guard::Links;
use crate::model::{Form, Layout};
use crate::render::{RenderError, Renderer};
use crate::text::Lang;
use crate::validate::{self, Rules};
use crate::{load, output, resolve, view};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[derive(Debug)]
pub enum Error {
    /// Bad rules, forms or case data, with file:line:column.
    Input(Diagnostics),
    Render(RenderError),
    Io(PathBuf, std::io::Error),
    /// Nothing (or not enough) is encoded for the date asked about.
    Rules(resolve::ResolveError),
    /// Some jobs of a build failed (each already reported).
    Failed(usize),
    /// The command was asked something it cannot do.
    Usage(String),
    /// Two builds could not be compared.
    Compare(crate::compare::CompareError),
    /// A bug: qujat or Typst panicked on this input.
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(d) => write!(f, "{d}"),
            Error::Render(e) => write!(f, "error: {e}"),
            Error::Io(p, e) => write!(f, "error: {}: {e}", p.display()),
            Error::Rules(e) => write!(f, "error: {e}"),
            Error::Failed(n) => write!(f, "error: {n} job(s) of the build failed"),
            Error::Usage(m) => write!(f, "error: {m}"),
            Error::Compare(e) => write!(f, "error: {e}"),
            Error::Internal(m) => write!(
                f,
                "error: internal error (a bug in qujat or Typst; please report it with the case): {m}"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<Diagnostics> for Error {
    fn from(d: Diagnostics) -> Self {
        Error::Input(d)
    }
}

impl From<RenderError> for Error {
    fn from(e: RenderError) -> Self {
        Error::Render(e)
    }
}

/// One generated PDF, named relative to the output directory.
pub struct Document {
    pub name: PathBuf,
    pub pdf: Vec<u8>,
    /// The pages as images, when the project makes previews (`serve`).
    pub pages: Vec<crate::render::PageImage>,
}

/// The documents of one case, and outcomes for which the seeds give no form.
pub struct CaseDocuments {
    pub documents: Vec<Document>,
    pub notes: Vec<String>,
}

/// One unit of work of `build`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// The blank forms in force on the build's date.
    Blanks,
    /// A sample case, decided under the rules of its date of application.
    Case(PathBuf),
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Job::Blanks => f.write_str("blank forms"),
            Job::Case(p) => write!(f, "{}", p.display()),
        }
    }
}

/// What one job wrote, and the notes on what it skipped.
#[derive(Debug)]
pub struct JobDone {
    pub written: usize,
    pub notes: Vec<String>,
}

/// What `build` did.
#[derive(Debug)]
pub struct BuildReport {
    pub written: usize,
    /// What was skipped and why (services not in force, forms not in the seeds).
    pub notes: Vec<String>,
    pub failed: Vec<(Job, Error)>,
    pub elapsed: std::time::Duration,
}

pub struct Project {
    pub root: PathBuf,
    pub rules: Rules,
    renderer: OnceLock<Renderer>,
    /// Pixels per point of page images drawn with each PDF, if any, and
    /// the documents already drawn.
    previews: Option<(f32, std::sync::Arc<crate::render::Memo>)>,
}

impl Project {
    /// Loads and validates the project's rules and forms.
    pub fn open(root: &Path) -> Result<Project, Diagnostics> {
        let (raw, sources, unreadable) = load::load_project(root);
        let rules = validate::validate(raw, sources, unreadable)?;
        Ok(Project {
            root: root.to_path_buf(),
            rules,
            renderer: OnceLock::new(),
            previews: None,
        })
    }

    /// Draws every rendered document's pages as images too, at
    /// `pixel_per_pt` (for `qujat serve`), reusing the documents `memo`
    /// holds from earlier loads when nothing they depend on changed.
    pub fn with_previews(
        mut self,
        pixel_per_pt: f32,
        memo: std::sync::Arc<crate::render::Memo>,
    ) -> Project {
        self.previews = Some((pixel_per_pt, memo));
        self
    }

    /// The Typst renderer, built on first use and shared by every document.
    pub fn renderer(&self) -> Result<&Renderer, RenderError> {
        if let Some(r) = self.renderer.get() {
            return Ok(r);
        }
        let mut r = Renderer::new(&self.root.join("templates"))?;
        if let Some((scale, memo)) = &self.previews {
            r = r.with_previews(*scale, memo.clone());
        }
        Ok(self.renderer.get_or_init(|| r))
    }

    /// Decides a case under the rules of its date of application, or of
    /// `as_of` when given.
    pub fn decide(
        &self,
        case_path: &Path,
        as_of: Option<NaiveDate>,
    ) -> Result<(LoadedCase, Decision), Error> {
        let lc = case::load_case(case_path)?;
        let d = decide::decide(&self.rules, &lc, as_of)?;
        Ok((lc, d))
    }

    /// Renders one page, placing a letter the font lacks where it was
    /// written: in the case when it comes from there, else in the form.
    fn render_page(
        &self,
        page: &crate::compose::Page,
        date: NaiveDate,
        case: Option<&LoadedCase>,
        form_file: &Path,
    ) -> Result<(Vec<u8>, Vec<crate::render::PageImage>), Error> {
        let e = match self.renderer()?.render(page, date) {
            Ok(r) => return Ok((r.pdf, r.pages)),
            Err(e) => e,
        };
        let Some(&c) = e.missing_glyphs.first() else {
            return Err(Error::Render(e));
        };
        let (file, sources) = match case {
            Some(lc)
                if lc
                    .sources
                    .text(&lc.path)
                    .is_some_and(|t| has_value_with(t, c)) =>
            {
                (lc.path.as_path(), &lc.sources)
            }
            _ => (form_file, &self.rules.sources),
        };
        let place = sources
            .text(file)
            .and_then(|t| crate::guard::find_value(t, |v| v.contains(c)));
        let Some((line, column)) = place else {
            return Err(Error::Render(e));
        };
        let letters: String = e.missing_glyphs.iter().collect();
        let d = crate::diag::Diagnostic::error(
            file,
            line,
            column,
            format!(
                "{}: the documents' font has no letter {:?} (U+{:04X}), so it cannot be printed; the font covers Latin, Cyrillic and Kazakh letters (missing here: {letters:?})",
                page.id,
                c.to_string(),
                c as u32
            ),
        );
        Err(Error::Input(Diagnostics::new(vec![d], sources.clone())))
    }

    fn form(&self, id: &str) -> Option<(&Form, PathBuf)> {
        let form = self.rules.forms.get(id)?;
        let file = self.rules.form_files.get(id).cloned().unwrap_or_default();
        Some((form, file))
    }

    /// The language sets a form is produced in: one per language, or both at once.
    fn editions(form: &Form, only: Option<Lang>) -> Vec<Vec<Lang>> {
        match form.layout {
            Layout::Bilingual | Layout::Interleaved => vec![Lang::ALL.to_vec()],
            Layout::PerLanguage => Lang::ALL
                .into_iter()
                .filter(|l| only.is_none_or(|o| o == *l))
                .map(|l| vec![l])
                .collect(),
        }
    }

    fn file_name(form: &Form, langs: &[Lang]) -> String {
        match form.layout {
            Layout::Bilingual | Layout::Interleaved => format!("{}.pdf", form.id.value),
            Layout::PerLanguage => format!("{}.{}.pdf", form.id.value, langs[0]),
        }
    }

    /// The forms of every service version in force on `as_of`, blank, in
    /// each language; the notes say which services have nothing in force.
    pub fn render_blanks(
        &self,
        as_of: NaiveDate,
        only: Option<Lang>,
    ) -> Result<(Vec<Document>, Vec<String>), Error> {
        let mut docs = vec![];
        let mut notes = vec![];
        let mut ids = std::collections::BTreeSet::new();
        let mut in_force = BTreeMap::new();
        for service in self.rules.services.keys() {
            match resolve::service_as_of(&self.rules, service, as_of) {
                Ok(f) => {
                    if let Some(forms) = &f.service.rules.forms {
                        ids.extend(forms.application.values().map(|r| r.value.clone()));
                        for r in [&forms.certificate, &forms.refusal, &forms.intake_refusal]
                            .into_iter()
                            .flatten()
                        {
                            ids.insert(r.value.clone());
                        }
                    }
                    in_force.insert(service.clone(), f);
                }
                Err(e) => notes.push(format!("{service}: {e}")),
            }
        }
        for id in &ids {
            let Some((form, file)) = self.form(id) else {
                continue;
            };
            let date = self
                .rules
                .acts
                .get(&form.cite.act)
                .and_then(|a| a.date)
                .unwrap_or_default();
            for langs in Self::editions(form, only) {
                let mut page = Composer {
                    form,
                    file: &file,
                    langs: langs.clone(),
                }
                .compose(&Fill::Blank)
                .map_err(|d| self.input(d))?;
                if let Some(f) = in_force.get(&form.service.value) {
                    page.meta.description.push_str(&resolve::provenance(f));
                }
                let (pdf, pages) = self.render_page(&page, date, None, &file)?;
                let name = Path::new("blank")
                    .join(&form.service.value)
                    .join(Self::file_name(form, &langs));
                docs.push(Document { name, pdf, pages });
            }
        }
        Ok((docs, notes))
    }

    fn input(&self, d: crate::diag::Diagnostic) -> Error {
        Error::Input(Diagnostics::new(vec![d], self.rules.sources.clone()))
    }

    /// The forms a decided case produces: its application, then the document
    /// of its outcome.
    pub fn render_case(
        &self,
        lc: &LoadedCase,
        d: &Decision,
        only: Option<Lang>,
    ) -> Result<CaseDocuments, Error> {
        let forms = d.rules.service.rules.forms.clone().unwrap_or_default();
        let mut wanted = vec![];
        let mut notes = vec![];
        match forms.application.get(&d.request) {
            Some(f) => wanted.push(f.value.clone()),
            None => notes.push(format!(
                "no application form for `{}` is encoded: the seeds do not give it",
                d.request
            )),
        }
        let outcome_form = match &d.outcome {
            Outcome::Accepted { .. } => None,
            Outcome::RefusedAtIntake { .. } => {
                Some(("receipt refusing acceptance", &forms.intake_refusal))
            }
            Outcome::Refused { .. } => Some(("refusal notice", &forms.refusal)),
            Outcome::CertificateIssued { .. } => {
                Some(("registration certificate", &forms.certificate))
            }
        };
        match outcome_form {
            Some((_, Some(f))) => wanted.push(f.value.clone()),
            Some((what, None)) => notes.push(format!(
                "no {what} form is encoded for service `{}`: the seeds do not give it",
                d.service
            )),
            None => {}
        }
        let views: BTreeMap<Lang, serde_json::Value> = Lang::ALL
            .into_iter()
            .map(|l| (l, view::to_json(&view::of_case(lc, d, l))))
            .collect();
        let date = match &d.outcome {
            Outcome::CertificateIssued { issued, .. } => *issued,
            _ => d.date,
        };
        let mut documents = vec![];
        for id in wanted {
            let Some((form, file)) = self.form(&id) else {
                continue;
            };
            for langs in Self::editions(form, only) {
                let fill = Fill::Case {
                    id: &lc.case.id.value,
                    views: views.clone(),
                };
                let mut page = Composer {
                    form,
                    file: &file,
                    langs: langs.clone(),
                }
                .compose(&fill)
                .map_err(|e| self.input(e))?;
                page.meta
                    .description
                    .push_str(&resolve::provenance(&d.rules));
                let (pdf, pages) = self.render_page(&page, date, Some(lc), &file)?;
                let name = Path::new("cases")
                    .join(&lc.case.id.value)
                    .join(Self::file_name(form, &langs));
                documents.push(Document { name, pdf, pages });
            }
        }
        Ok(CaseDocuments { documents, notes })
    }

    /// The sample cases under `cases/`, sorted. Links are listed too, so
    /// that loading them is refused with an error rather than skipped.
    pub fn sample_cases(&self) -> Vec<PathBuf> {
        let mut cases: Vec<PathBuf> = walkdir::WalkDir::new(self.root.join("cases"))
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| !e.file_type().is_dir())
            .map(|e| e.into_path())
            .filter(|p| matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")))
            .collect();
        cases.sort();
        cases
    }

    /// Loads and decides every sample case under `cases/` as `build` would,
    /// and returns what is wrong with them: every problem of every case at
    /// once, each at its case file's line.
    pub fn check_cases(&self) -> Diagnostics {
        let mut items = vec![];
        let mut sources = crate::diag::Sources::default();
        for path in self.sample_cases() {
            let decided = case::load_case_with(&path, Links::Refuse)
                .and_then(|lc| decide::decide(&self.rules, &lc, None).map(|_| ()));
            if let Err(d) = decided {
                items.extend(d.items);
                sources.extend(d.sources);
            }
        }
        Diagnostics::new(items, sources)
    }

    /// What `build` does, one job at a time: the blank forms in force on
    /// the date, then each sample case under the rules of its own date.
    pub fn build_jobs(&self) -> Vec<Job> {
        std::iter::once(Job::Blanks)
            .chain(self.sample_cases().into_iter().map(Job::Case))
            .collect()
    }

    /// Renders and writes one job's documents.
    pub fn run_job(&self, job: &Job, date: NaiveDate, out: &Path) -> Result<JobDone, Error> {
        match job {
            Job::Blanks => {
                let (docs, notes) = self.render_blanks(date, None)?;
                Self::write(out, &docs)?;
                let notes = notes
                    .into_iter()
                    .map(|n| format!("not in force on {date}: {n}"))
                    .collect();
                Ok(JobDone {
                    written: docs.len(),
                    notes,
                })
            }
            Job::Case(path) => {
                let lc = case::load_case_with(path, Links::Refuse)?;
                let d = decide::decide(&self.rules, &lc, None)?;
                let docs = self.render_case(&lc, &d, None)?;
                Self::write(out, &docs.documents)?;
                let notes = docs
                    .notes
                    .into_iter()
                    .map(|n| format!("{}: {n}", path.display()))
                    .collect();
                Ok(JobDone {
                    written: docs.documents.len(),
                    notes,
                })
            }
        }
    }

    /// Runs every job on `threads` threads of its own. A failing job does
    /// not stop the others: the report lists it, and the documents of the
    /// jobs that succeeded are written. Cases that share an id all fail
    /// before anything is rendered, each naming the others' files, since
    /// they would write the same folder. `done` is called after each job
    /// (for a progress bar).
    pub fn build(
        &self,
        out: &Path,
        date: NaiveDate,
        threads: usize,
        done: &(dyn Fn(&Job) + Sync),
    ) -> BuildReport {
        let started = std::time::Instant::now();
        let jobs = self.build_jobs();
        let ids: Vec<Option<String>> = on_threads(&jobs, threads, |_, job| match job {
            Job::Blanks => None,
            Job::Case(p) => case::load_case_with(p, Links::Refuse)
                .ok()
                .map(|lc| lc.case.id.value.to_lowercase()),
        })
        .into_iter()
        .map(|r| r.ok().flatten())
        .collect();
        let mut by_id: BTreeMap<&str, Vec<&Path>> = BTreeMap::new();
        for (job, id) in jobs.iter().zip(&ids) {
            if let (Job::Case(p), Some(id)) = (job, id) {
                by_id.entry(id).or_default().push(p);
            }
        }
        let results = on_threads(&jobs, threads, |i, job| {
            let r = match (job, ids[i].as_deref()) {
                (Job::Case(p), Some(id)) if by_id[id].len() > 1 => Err(Error::Usage(format!(
                    "case id `{id}` of {} is also the id of {}: ids name the output folder, so each must be unique (letter case aside)",
                    p.display(),
                    by_id[id]
                        .iter()
                        .filter(|o| **o != p.as_path())
                        .map(|o| o.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
                _ => self.run_job(job, date, out),
            };
            done(job);
            r
        });
        let mut report = BuildReport {
            written: 0,
            notes: vec![],
            failed: vec![],
            elapsed: std::time::Duration::ZERO,
        };
        for (job, r) in jobs.into_iter().zip(results) {
            match r.unwrap_or_else(|panic| Err(Error::Internal(panic))) {
                Ok(done) => {
                    report.written += done.written;
                    report.notes.extend(done.notes);
                }
                Err(e) => report.failed.push((job, e)),
            }
        }
        report.elapsed = started.elapsed();
        report
    }

    /// Writes documents under `out`, never outside it (see [`output`]).
    pub fn write(out: &Path, docs: &[Document]) -> Result<(), Error> {
        for d in docs {
            output::write_within(out, &d.name, &d.pdf)
                .map_err(|e| Error::Io(out.join(&d.name), e))?;
        }
        Ok(())
    }
}

/// Runs `f` over `items` on `threads` plain threads and returns the results
/// in order; a job that panics gives `Err` with the panic's message instead
/// of taking the batch down. Not rayon: Typst waits inside rayon while it
/// compiles and exports, and a rayon worker that waits runs other queued
/// tasks on top of its own stack — with build jobs on the same pool, one
/// document's job ran inside another's compile, eleven deep, until the stack
/// overflowed. On threads of their own, jobs never nest; Typst still uses
/// rayon inside each.
fn on_threads<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<Result<R, String>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<R, String>>>> =
        Mutex::new((0..items.len()).map(|_| None).collect());
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(i, item))).map_err(
                |p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "a panic without a message".into())
                },
            );
            if let Ok(mut all) = results.lock() {
                all[i] = Some(r);
            }
        }
    };
    std::thread::scope(|scope| {
        let mut started = 0;
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            // The main thread's stack size: a Typst compile of a long form
            // needs more than a spawned thread's 2 MiB default.
            let spawned = std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(scope, work);
            started += usize::from(spawned.is_ok());
        }
        if started == 0 {
            work();
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("the job did not run".into())))
        .collect()
}

/// Whether a YAML text has a value holding `c` (written as is or escaped).
fn has_value_with(text: &str, c: char) -> bool {
    crate::guard::find_value(text, |v| v.contains(c)).is_some()
}

/// Every text side that is our own translation, one line each:
/// `file:line: lang: text`.
pub fn translations(p: &Project) -> Vec<String> {
    p.rules
        .translations
        .iter()
        .map(|t| format!("{}:{}: {}: {}", t.file.display(), t.line, t.lang, t.text))
        .collect()
}
