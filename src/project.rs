//! A project directory (`rules/`, `forms/`, `templates/`, `cases/`) and the
//! pipeline run over it for each command.

use crate::base::diag::Diagnostics;
use crate::base::text::Lang;
use crate::compose::view;
use crate::compose::{Composer, Fill, Page};
use crate::decide::{self, Decision, Outcome};
use crate::load::case::{self, LoadedCase};
use crate::load::guard::Links;
use crate::model::{Form, Layout};
use crate::render::{RenderError, Rendered, Renderer};
use crate::validate::{self, Rules};
use crate::write::manifest::{self, CaseRecord, DocRecord, FileStamp, JobRecord, Manifest};
use crate::write::output;
use crate::{load, resolve};
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
    /// A review tool failed (two builds could not be compared).
    Review(String),
    /// A bug: qujat or Typst panicked on this input.
    Internal(String),
    /// An error a build worker process reported, as it printed it.
    Worker(String),
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
            Error::Review(m) => write!(f, "error: {m}"),
            Error::Worker(m) => f.write_str(m),
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
    pub pdf: crate::render::Pdf,
    /// What its QR code says, when it shows one.
    pub qr: Option<String>,
    /// The pages as images, when the project makes previews (`serve`).
    pub pages: Vec<crate::render::PageImage>,
}

/// One document's page data, ready for the renderer.
pub struct PageJob {
    /// The file name relative to the output directory.
    pub name: PathBuf,
    pub page: Page,
    /// The PDF's date: the day the document was issued.
    pub date: NaiveDate,
    /// The form's file, where a letter the font lacks is looked for.
    pub form_file: PathBuf,
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

/// What one job rendered and left as it was, and the notes on what it
/// skipped.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct JobDone {
    pub rendered: usize,
    pub unchanged: usize,
    pub notes: Vec<String>,
    /// What goes into the manifest for this job.
    record: JobRecord,
}

/// What `build` did, counted in documents (and failed jobs).
#[derive(Debug)]
pub struct BuildReport {
    /// Rendered and written because their inputs changed (or `--force`).
    pub rendered: usize,
    /// Left as they were: their inputs and their files are as the manifest
    /// recorded.
    pub unchanged: usize,
    /// Written by an earlier build and no longer produced (their case was
    /// removed, their outcome changed, or their job failed).
    pub removed: usize,
    /// No longer produced but not removed, because the file is no longer
    /// what qujat wrote: someone changed or replaced it.
    pub kept: Vec<PathBuf>,
    /// What was skipped and why (services not in force, forms not in the seeds).
    pub notes: Vec<String>,
    pub failed: Vec<(Job, Error)>,
    /// Why the output directory's manifest was not used, when it exists but
    /// is damaged or edited (then every document is rendered and none removed).
    pub manifest_problem: Option<String>,
    /// The new manifest could not be written: the next build renders
    /// everything again.
    pub manifest_error: Option<Error>,
    pub elapsed: std::time::Duration,
}

/// How `build` runs.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The date of the blank forms' rules.
    pub date: NaiveDate,
    pub threads: usize,
    /// Render every document, whatever the manifest says.
    pub force: bool,
    /// What renders the documents, part of every document's inputs:
    /// [`manifest::generator`] (qujat's version and executable).
    pub generator: String,
    /// The `qujat` executable: with it, the jobs of every thread but the
    /// first run in a child process of their own (`qujat build-worker`).
    /// Typst's memo caches are global to a process and shared by its
    /// threads, so two threads of one process render about 1.5 times what
    /// one does; two processes render twice as much.
    pub workers: Option<PathBuf>,
}

impl BuildOptions {
    pub fn new(date: NaiveDate, threads: usize) -> BuildOptions {
        BuildOptions {
            date,
            threads,
            force: false,
            generator: manifest::generator(),
            workers: None,
        }
    }
}

/// Everything a document of this build is made from, hashed once per build:
/// the parts of each document's inputs that several documents share.
struct Inputs<'a> {
    opts: &'a BuildOptions,
    /// Fonts and templates; `None` when the templates cannot be loaded (then
    /// nothing is fresh, and every job fails with the renderer's error).
    look: Option<String>,
    /// Every rule file, for the blank forms (which show every service).
    all_rules: String,
    /// The rule files a service's decisions read, by service.
    rules_of: BTreeMap<String, String>,
    /// Each form's file, by form id.
    forms: BTreeMap<String, String>,
    old: &'a Manifest,
}

impl Inputs<'_> {
    /// The hash of one document's inputs, or `None` when a part is unknown.
    fn document(&self, rules: &str, form: &str, source: &str, name: &str) -> Option<String> {
        let look = self.look.as_deref()?;
        let form = self.forms.get(form)?;
        Some(crate::base::digest::hash_parts(
            [
                "qujat document",
                &self.opts.generator,
                look,
                rules,
                form,
                source,
                name,
            ]
            .map(str::as_bytes),
        ))
    }

    /// The recorded document `name` when it is fresh: the same inputs, and
    /// its file still exactly what was written.
    fn fresh(&self, job: &str, name: &str, inputs: &str, out: &Path) -> Option<&DocRecord> {
        if self.opts.force {
            return None;
        }
        let d = self
            .old
            .jobs
            .get(job)?
            .documents
            .iter()
            .find(|d| d.name == name && d.inputs == inputs)?;
        let path = manifest::document_path(&d.name)?;
        (FileStamp::read(&out.join(path)).as_ref() == Some(&d.file)).then_some(d)
    }
}

/// The rule files by what they affect: one hash of all of them (for the
/// blanks) and one per service of the files its decisions read — its own
/// versions and amendments, and every other rule file (acts, calendar, MRP,
/// …) except other services' versions and amendments. Form files are left
/// out (each document hashes its own form); the list of form ids is in.
fn rules_hashes(rules: &Rules) -> (String, BTreeMap<String, String>) {
    let mut owner: BTreeMap<&Path, &str> = BTreeMap::new();
    for (service, versions) in &rules.services {
        for (path, _) in versions {
            owner.insert(path, service);
        }
    }
    for (path, a) in &rules.amendments {
        owner.insert(path, &a.service.value);
    }
    let forms: std::collections::BTreeSet<&Path> =
        rules.form_files.values().map(PathBuf::as_path).collect();
    let form_ids: Vec<&[u8]> = rules.forms.keys().map(|k| k.as_bytes()).collect();
    let files: Vec<(&Path, &str)> = rules
        .sources
        .iter()
        .filter(|(p, _)| !forms.contains(p))
        .collect();
    let hash = |pick: &dyn Fn(&Path) -> bool| {
        crate::base::digest::hash_parts(
            form_ids.iter().copied().chain(
                files
                    .iter()
                    .filter(|(p, _)| pick(p))
                    .flat_map(|(p, t)| [p.as_os_str().as_encoded_bytes(), t.as_bytes()]),
            ),
        )
    };
    let all = hash(&|_| true);
    let per = rules
        .services
        .keys()
        .map(|s| {
            let h = hash(&|p| owner.get(p).is_none_or(|o| o == s));
            (s.clone(), h)
        })
        .collect();
    (all, per)
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
    ) -> Result<Rendered, Error> {
        let e = match self.renderer()?.render(page, date) {
            Ok(r) => return Ok(r),
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
            .and_then(|t| crate::load::guard::find_value(t, |v| v.contains(c)));
        let Some((line, column)) = place else {
            return Err(Error::Render(e));
        };
        let letters: String = e.missing_glyphs.iter().collect();
        let d = crate::base::diag::Diagnostic::error(
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
        let (pages, notes) = self.blank_pages(as_of, only)?;
        let mut docs = vec![];
        for p in pages {
            let r = self.render_page(&p.page, p.date, None, &p.form_file)?;
            docs.push(Document {
                name: p.name,
                pdf: r.pdf,
                qr: r.qr,
                pages: r.pages,
            });
        }
        Ok((docs, notes))
    }

    /// The page data of [`Project::render_blanks`]'s documents, before Typst.
    pub fn blank_pages(
        &self,
        as_of: NaiveDate,
        only: Option<Lang>,
    ) -> Result<(Vec<PageJob>, Vec<String>), Error> {
        let mut pages = vec![];
        let mut notes = vec![];
        let mut ids = std::collections::BTreeSet::new();
        let mut in_force = BTreeMap::new();
        for service in self.rules.services.keys() {
            match resolve::service_as_of(&self.rules, service, as_of) {
                Ok(f) => {
                    if let Some(forms) = &f.service.rules.forms {
                        ids.extend(forms.application.values().map(|r| r.value.clone()));
                    }
                    for o in f.service.outcomes() {
                        ids.extend(o.forms.iter().map(|r| r.value.clone()));
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
            let provenance = in_force
                .get(&form.service.value)
                .map(resolve::provenance)
                .unwrap_or_default();
            let folder = Path::new("blank").join(&form.service.value);
            let edition = Edition {
                fill: &Fill::Blank,
                provenance: &provenance,
                folder: &folder,
                date,
                only,
            };
            pages.extend(self.editions_of(form, &file, &edition)?);
        }
        Ok((pages, notes))
    }

    /// The page data of each edition of `form` (one per language, or one
    /// with both), filled as `e` says.
    fn editions_of(&self, form: &Form, file: &Path, e: &Edition) -> Result<Vec<PageJob>, Error> {
        let mut pages = vec![];
        for langs in Self::editions(form, e.only) {
            let mut page = Composer {
                form,
                file,
                langs: langs.clone(),
            }
            .compose(e.fill)
            .map_err(|d| self.input(d))?;
            page.meta.description.push_str(e.provenance);
            pages.push(PageJob {
                name: e.folder.join(Self::file_name(form, &langs)),
                page,
                date: e.date,
                form_file: file.to_path_buf(),
            });
        }
        Ok(pages)
    }

    fn input(&self, d: crate::base::diag::Diagnostic) -> Error {
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
        let (pages, notes) = self.case_pages(lc, d, only)?;
        let mut documents = vec![];
        for p in pages {
            let r = self.render_page(&p.page, p.date, Some(lc), &p.form_file)?;
            documents.push(Document {
                name: p.name,
                pdf: r.pdf,
                qr: r.qr,
                pages: r.pages,
            });
        }
        Ok(CaseDocuments { documents, notes })
    }

    /// The page data of [`Project::render_case`]'s documents, before Typst.
    pub fn case_pages(
        &self,
        lc: &LoadedCase,
        d: &Decision,
        only: Option<Lang>,
    ) -> Result<(Vec<PageJob>, Vec<String>), Error> {
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
        if let Some(o) = &d.produces {
            wanted.extend(o.forms.iter().map(|f| f.value.clone()));
        }
        notes.extend(d.notes.iter().cloned());
        let views: BTreeMap<Lang, serde_json::Value> = Lang::ALL
            .into_iter()
            .map(|l| (l, view::to_json(&view::of_case(lc, d, l))))
            .collect();
        let date = match &d.outcome {
            Outcome::Completed { issued, .. } => *issued,
            _ => d.date,
        };
        let fill = Fill::Case {
            id: &lc.case.id.value,
            views,
        };
        let provenance = resolve::provenance(&d.rules);
        let folder = Path::new("cases").join(&lc.case.id.value);
        let edition = Edition {
            fill: &fill,
            provenance: &provenance,
            folder: &folder,
            date,
            only,
        };
        let mut pages = vec![];
        for id in wanted {
            let Some((form, file)) = self.form(&id) else {
                continue;
            };
            pages.extend(self.editions_of(form, &file, &edition)?);
        }
        Ok((pages, notes))
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
        let mut sources = crate::base::diag::Sources::default();
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

    /// The manifest's key for a job: `blank`, or the case file's path
    /// relative to the project.
    fn job_key(&self, job: &Job) -> String {
        match job {
            Job::Blanks => "blank".into(),
            Job::Case(p) => p
                .strip_prefix(&self.root)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned(),
        }
    }

    /// Runs one job: renders and writes the documents whose inputs changed
    /// (all of them with `--force`) and keeps the others. A case whose file,
    /// rules, forms, templates and qujat are as the manifest recorded, and
    /// whose documents are all on disk as written, is not even decided.
    fn run_job(
        &self,
        job: &Job,
        case_sha: Option<&str>,
        inputs: &Inputs,
        out: &Path,
    ) -> Result<JobDone, Error> {
        let key = self.job_key(job);
        match job {
            Job::Blanks => {
                let date = inputs.opts.date;
                let (pages, notes) = self.blank_pages(date, None)?;
                let source = format!("blank forms as of {date}");
                let mut done =
                    self.write_pages(pages, None, &key, &inputs.all_rules, &source, inputs, out)?;
                done.record.notes = notes;
                done.notes = done
                    .record
                    .notes
                    .iter()
                    .map(|n| format!("not in force on {date}: {n}"))
                    .collect();
                Ok(done)
            }
            Job::Case(path) => {
                let with_path = |notes: &[String]| {
                    notes
                        .iter()
                        .map(|n| format!("{}: {n}", path.display()))
                        .collect()
                };
                if let Some(done) = self.unchanged_case(&key, case_sha, inputs, out) {
                    return Ok(JobDone {
                        notes: with_path(&done.notes),
                        ..done
                    });
                }
                let lc = case::load_case_with(path, Links::Refuse)?;
                let d = decide::decide(&self.rules, &lc, None)?;
                let (pages, notes) = self.case_pages(&lc, &d, None)?;
                // The text that was decided, not an earlier read of it.
                let sha = manifest::sha256(lc.sources.text(path).unwrap_or_default().as_bytes());
                let rules = inputs.rules_of.get(&d.service).cloned().unwrap_or_default();
                let mut done =
                    self.write_pages(pages, Some(&lc), &key, &rules, &sha, inputs, out)?;
                done.record.case = Some(CaseRecord {
                    sha256: sha,
                    id: lc.case.id.value.clone(),
                    service: d.service.clone(),
                });
                done.record.notes = notes;
                done.notes = with_path(&done.record.notes);
                Ok(done)
            }
        }
    }

    /// A case job that needs nothing done: its recorded documents, when the
    /// case file is unchanged and every document is fresh.
    fn unchanged_case(
        &self,
        key: &str,
        case_sha: Option<&str>,
        inputs: &Inputs,
        out: &Path,
    ) -> Option<JobDone> {
        let record = inputs.old.jobs.get(key)?;
        let case = record.case.as_ref()?;
        if Some(case.sha256.as_str()) != case_sha {
            return None;
        }
        let rules = inputs.rules_of.get(&case.service)?;
        let fresh = record.documents.iter().all(|d| {
            inputs
                .document(rules, &d.form, &case.sha256, &d.name)
                .is_some_and(|i| inputs.fresh(key, &d.name, &i, out).is_some())
        });
        fresh.then(|| JobDone {
            rendered: 0,
            unchanged: record.documents.len(),
            notes: record.notes.clone(),
            record: record.clone(),
        })
    }

    /// Renders the pages whose inputs changed, then writes them; the others
    /// are kept. If a write fails, the documents this job already wrote are
    /// removed again, so none is left that the manifest does not list.
    #[allow(clippy::too_many_arguments)]
    fn write_pages(
        &self,
        pages: Vec<PageJob>,
        case: Option<&LoadedCase>,
        key: &str,
        rules: &str,
        source: &str,
        inputs: &Inputs,
        out: &Path,
    ) -> Result<JobDone, Error> {
        let mut documents = vec![];
        let mut to_write = vec![];
        let mut unchanged = 0;
        for p in pages {
            let name = p.name.to_string_lossy().into_owned();
            let doc_inputs = inputs.document(rules, &p.page.form, source, &name);
            if let Some(d) = doc_inputs
                .as_deref()
                .and_then(|i| inputs.fresh(key, &name, i, out))
            {
                documents.push(d.clone());
                unchanged += 1;
                continue;
            }
            let r = self.render_page(&p.page, p.date, case, &p.form_file)?;
            let pdf = r.pdf.into_vec()?;
            documents.push(DocRecord {
                name,
                form: p.page.form.clone(),
                inputs: doc_inputs.unwrap_or_default(),
                file: FileStamp::of(&pdf),
            });
            to_write.push((p.name, pdf));
        }
        for (i, (name, pdf)) in to_write.iter().enumerate() {
            if let Err(e) = output::write_within(out, name, pdf) {
                for (written, _) in &to_write[..i] {
                    let _ = output::remove_within(out, written);
                }
                return Err(Error::Io(out.join(name), e));
            }
        }
        Ok(JobDone {
            rendered: to_write.len(),
            unchanged,
            notes: vec![],
            record: JobRecord {
                case: None,
                notes: vec![],
                documents,
            },
        })
    }

    /// [`Project::build_with`] with the default options: incremental, with
    /// this qujat as the generator.
    pub fn build(
        &self,
        out: &Path,
        date: NaiveDate,
        threads: usize,
        done: &(dyn Fn(&Job) + Sync),
    ) -> BuildReport {
        self.build_with(out, &BuildOptions::new(date, threads), done)
    }

    /// Runs every job on `opts.threads` threads of its own, rendering only
    /// the documents whose inputs changed since the build that wrote the
    /// output directory's manifest, and removing the documents that build
    /// wrote and this one no longer produces. A failing job does not stop
    /// the others: the report lists it, and its earlier documents are
    /// removed (they no longer match their inputs). Cases that share an id
    /// all fail before anything is rendered, each naming the others' files,
    /// since they would write the same folder. `done` is called after each
    /// job (for a progress bar).
    pub fn build_with(
        &self,
        out: &Path,
        opts: &BuildOptions,
        done: &(dyn Fn(&Job) + Sync),
    ) -> BuildReport {
        let started = std::time::Instant::now();
        let threads = opts.threads;
        let (old, manifest_problem) = match Manifest::read(out) {
            Ok(m) => (Some(m), None),
            Err(manifest::Unusable::Missing) => (None, None),
            Err(manifest::Unusable::Invalid(why)) => (None, Some(why)),
        };
        let empty = Manifest::default();
        let inputs = self.inputs(opts, old.as_ref().unwrap_or(&empty));
        let jobs = self.build_jobs();
        // Each case's id (to refuse two cases with one id) and its file's
        // hash. A case file as the manifest recorded it has the recorded id:
        // only new and changed cases are read in full here.
        let cases: Vec<(Option<String>, Option<String>)> =
            on_threads(&jobs, threads, |_, job| match job {
                Job::Blanks => (None, None),
                Job::Case(p) => {
                    let sha = crate::load::guard::read_text(p, p, Links::Refuse)
                        .ok()
                        .map(|t| manifest::sha256(t.as_bytes()));
                    let recorded = inputs
                        .old
                        .jobs
                        .get(&self.job_key(job))
                        .and_then(|r| r.case.as_ref())
                        .filter(|c| sha.as_deref() == Some(c.sha256.as_str()))
                        .map(|c| c.id.clone());
                    let id = recorded.or_else(|| {
                        case::load_case_with(p, Links::Refuse)
                            .ok()
                            .map(|lc| lc.case.id.value)
                    });
                    (id.map(|i| i.to_lowercase()), sha)
                }
            })
            .into_iter()
            .map(|r| r.unwrap_or((None, None)))
            .collect();
        let mut by_id: BTreeMap<&str, Vec<&Path>> = BTreeMap::new();
        for (job, (id, _)) in jobs.iter().zip(&cases) {
            if let (Job::Case(p), Some(id)) = (job, id) {
                by_id.entry(id).or_default().push(p);
            }
        }
        let shared_id = |i: usize, job: &Job| match (job, cases[i].0.as_deref()) {
            (Job::Case(p), Some(id)) if by_id[id].len() > 1 => Some(Error::Usage(format!(
                "case id `{id}` of {} is also the id of {}: ids name the output folder, so each must be unique (letter case aside)",
                p.display(),
                by_id[id]
                    .iter()
                    .filter(|o| **o != p.as_path())
                    .map(|o| o.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            _ => None,
        };
        let local = |i: usize, job: &Job| {
            let r = match shared_id(i, job) {
                Some(e) => Err(e),
                None => self.run_job(job, cases[i].1.as_deref(), &inputs, out),
            };
            done(job);
            r
        };
        let results = match &opts.workers {
            Some(exe) if threads > 1 && jobs.len() > 1 => {
                let remote = |i: usize, job: &Job, w: &mut Worker| {
                    let r = match (shared_id(i, job), job) {
                        (Some(e), _) => Err(e),
                        (None, Job::Case(p)) => w.run(p, cases[i].1.as_deref()),
                        (None, Job::Blanks) => self.run_job(job, None, &inputs, out),
                    };
                    done(job);
                    r
                };
                on_workers(
                    &jobs,
                    threads,
                    &|| self.worker(exe, out, opts),
                    &local,
                    &remote,
                )
            }
            _ => on_threads(&jobs, threads, local),
        };
        let mut report = BuildReport {
            rendered: 0,
            unchanged: 0,
            removed: 0,
            kept: vec![],
            notes: vec![],
            failed: vec![],
            manifest_problem,
            manifest_error: None,
            elapsed: std::time::Duration::ZERO,
        };
        let mut manifest = Manifest::default();
        for (job, r) in jobs.into_iter().zip(results) {
            match r.unwrap_or_else(|panic| Err(Error::Internal(panic))) {
                Ok(done) => {
                    report.rendered += done.rendered;
                    report.unchanged += done.unchanged;
                    report.notes.extend(done.notes);
                    manifest.jobs.insert(self.job_key(&job), done.record);
                }
                Err(e) => report.failed.push((job, e)),
            }
        }
        if let Some(old) = &old {
            self.remove_stale(old, &manifest, out, &mut report);
        }
        if old.as_ref() != Some(&manifest)
            && let Err(e) = output::write_within(
                out,
                Path::new(manifest::FILE),
                manifest.to_text().as_bytes(),
            )
        {
            report.manifest_error = Some(Error::Io(out.join(manifest::FILE), e));
        }
        report.elapsed = started.elapsed();
        report
    }

    /// The parts of the documents' inputs shared by the whole build.
    fn inputs<'a>(&self, opts: &'a BuildOptions, old: &'a Manifest) -> Inputs<'a> {
        let (all_rules, rules_of) = rules_hashes(&self.rules);
        Inputs {
            opts,
            look: self.renderer().ok().map(|r| r.fingerprint().to_string()),
            all_rules,
            rules_of,
            forms: self
                .rules
                .form_files
                .iter()
                .map(|(id, file)| {
                    let text = self.rules.sources.text(file).unwrap_or_default();
                    (id.clone(), manifest::sha256(text.as_bytes()))
                })
                .collect(),
            old,
        }
    }

    /// Starts a build worker: this project, this output directory and
    /// these options, in a child process of `exe`.
    fn worker(&self, exe: &Path, out: &Path, opts: &BuildOptions) -> std::io::Result<Worker> {
        let mut cmd = std::process::Command::new(exe);
        cmd.arg("--project")
            .arg(&self.root)
            .arg("--as-of")
            .arg(opts.date.to_string())
            .arg("build-worker")
            .arg("--out")
            .arg(out);
        if opts.force {
            cmd.arg("--force");
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(std::io::Error::other("no pipes to the worker"));
        };
        Ok(Worker {
            child,
            input: Some(input),
            output: std::io::BufReader::new(output),
            ended: false,
        })
    }

    /// `qujat build-worker`: runs the case jobs `build` sends on `input`,
    /// one JSON line each, and answers each with one JSON line on `output`,
    /// as [`Project::build_with`] would have run it on a thread.
    pub fn build_worker(
        &self,
        out: &Path,
        opts: &BuildOptions,
        input: impl std::io::BufRead,
        mut output: impl std::io::Write,
    ) -> std::io::Result<()> {
        let old = Manifest::read(out).unwrap_or_default();
        let inputs = self.inputs(opts, &old);
        for line in input.lines() {
            let line = line?;
            let answer = match serde_json::from_str::<WorkerJob>(&line) {
                Ok(w) => {
                    let job = Job::Case(w.case);
                    let r = guarded(|| self.run_job(&job, w.sha.as_deref(), &inputs, out))
                        .unwrap_or_else(|p| Err(Error::Internal(p)));
                    r.map_err(|e| e.to_string())
                }
                Err(e) => Err(format!(
                    "error: the build sent a job qujat cannot read: {e}"
                )),
            };
            let text = serde_json::to_string(&answer).map_err(std::io::Error::other)?;
            writeln!(output, "{text}")?;
            output.flush()?;
        }
        Ok(())
    }

    /// Removes the documents the old manifest lists and the new one does
    /// not, when each is still exactly the file qujat wrote; a changed one is
    /// kept and reported. Folders left empty are removed.
    fn remove_stale(&self, old: &Manifest, new: &Manifest, out: &Path, report: &mut BuildReport) {
        let produced: std::collections::BTreeSet<&str> = new
            .jobs
            .values()
            .flat_map(|j| j.documents.iter().map(|d| d.name.as_str()))
            .collect();
        for d in old.jobs.values().flat_map(|j| &j.documents) {
            if produced.contains(d.name.as_str()) {
                continue;
            }
            let Some(rel) = manifest::document_path(&d.name) else {
                continue;
            };
            match FileStamp::read(&out.join(rel)) {
                Some(stamp) if stamp == d.file => {
                    report.removed += usize::from(output::remove_within(out, rel).is_ok());
                }
                Some(_) => report.kept.push(rel.to_path_buf()),
                None => {}
            }
        }
    }

    pub fn write(out: &Path, docs: &[Document]) -> Result<(), Error> {
        for d in docs {
            output::write_within(out, &d.name, d.pdf.bytes()?)
                .map_err(|e| Error::Io(out.join(&d.name), e))?;
        }
        Ok(())
    }
}

/// How the editions of a form are filled and named.
struct Edition<'a> {
    fill: &'a Fill<'a>,
    /// The rules the documents were made under, for their metadata.
    provenance: &'a str,
    /// Where under the output directory they go.
    folder: &'a Path,
    /// The PDFs' date.
    date: NaiveDate,
    /// One language only, when asked.
    only: Option<Lang>,
}

/// A case job as `build` sends it to a worker.
#[derive(serde::Serialize, serde::Deserialize)]
struct WorkerJob {
    case: PathBuf,
    sha: Option<String>,
}

/// A build worker process and its pipes.
struct Worker {
    child: std::process::Child,
    input: Option<std::process::ChildStdin>,
    output: std::io::BufReader<std::process::ChildStdout>,
    /// The process ended or answered what cannot be read: it gets no more
    /// jobs.
    ended: bool,
}

impl Worker {
    /// Sends a case job and waits for its answer. An error here (the
    /// process ended, an unreadable answer) ends the worker.
    fn run(&mut self, case: &Path, sha: Option<&str>) -> Result<JobDone, Error> {
        use std::io::{BufRead, Write};
        let job = WorkerJob {
            case: case.to_path_buf(),
            sha: sha.map(String::from),
        };
        let mut ended = |why: String| {
            self.ended = true;
            Error::Internal(format!("the build worker process ended: {why}"))
        };
        let text = serde_json::to_string(&job).map_err(|e| ended(e.to_string()))?;
        let input = self
            .input
            .as_mut()
            .ok_or_else(|| ended("its input is closed".into()))?;
        writeln!(input, "{text}")
            .and_then(|()| input.flush())
            .map_err(|e| ended(e.to_string()))?;
        let mut line = String::new();
        match self.output.read_line(&mut line) {
            Ok(0) => Err(ended(match self.child.wait() {
                Ok(status) => status.to_string(),
                Err(e) => e.to_string(),
            })),
            Ok(_) => serde_json::from_str::<Result<JobDone, String>>(&line)
                .map_err(|e| ended(format!("unreadable answer: {e}")))?
                .map_err(Error::Worker),
            Err(e) => Err(ended(e.to_string())),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing its input ends the worker's loop between two jobs.
        self.input.take();
        let _ = self.child.wait();
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
            let r = guarded(|| f(i, item));
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
    in_order(results)
}

/// The results of jobs run on several threads, in the jobs' order.
fn in_order<R>(
    results: std::sync::Mutex<Vec<Option<Result<R, String>>>>,
) -> Vec<Result<R, String>> {
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("the job did not run".into())))
        .collect()
}

/// `job`'s result, or the message of its panic: a job that panics fails
/// alone instead of taking the batch down.
fn guarded<R>(job: impl FnOnce() -> R) -> Result<R, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))
        .map_err(|p| panic_message(p.as_ref()))
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".into())
}

type JobResult = Result<JobDone, Error>;

/// Like [`on_threads`], but every thread except the first hands its jobs to
/// a worker process of its own (`start`), through `remote`; the first runs
/// them here with `local`. A worker that cannot start, ends or panics leaves
/// its thread's remaining share to the others (the job it was given fails).
fn on_workers(
    items: &[Job],
    threads: usize,
    start: &(dyn Fn() -> std::io::Result<Worker> + Sync),
    local: &(dyn Fn(usize, &Job) -> JobResult + Sync),
    remote: &(dyn Fn(usize, &Job, &mut Worker) -> JobResult + Sync),
) -> Vec<Result<JobResult, String>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<JobResult, String>>>> =
        Mutex::new((0..items.len()).map(|_| None).collect());
    let put = |i: usize, r: Result<JobResult, String>| {
        if let Ok(mut all) = results.lock() {
            all[i] = Some(r);
        }
    };
    let here = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            put(i, guarded(|| local(i, item)));
        }
    };
    let there = || {
        let Ok(mut worker) = start() else { return };
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            // The blank forms are rendered on this thread: they fail alone
            // too when they panic.
            let r = guarded(|| remote(i, item, &mut worker));
            // After a panic the worker's answers may be out of step.
            let panicked = r.is_err();
            put(i, r);
            if panicked || worker.ended {
                break;
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads.clamp(1, items.len().max(1)) {
            // A thread that owns a worker still renders the blank forms
            // itself: the main thread's stack, as a Typst compile of a long
            // form needs.
            let _ = std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(scope, there);
        }
        here();
    });
    in_order(results)
}

/// Whether a YAML text has a value holding `c` (written as is or escaped).
fn has_value_with(text: &str, c: char) -> bool {
    crate::load::guard::find_value(text, |v| v.contains(c)).is_some()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A thread that owns a worker also renders the blank forms itself: a
    /// panic there fails that job alone, the thread stops using its worker,
    /// and the other jobs still run.
    #[test]
    fn a_job_that_panics_on_a_workers_thread_fails_alone() {
        let items: Vec<Job> = std::iter::once(Job::Blanks)
            .chain((0..20).map(|i| Job::Case(PathBuf::from(format!("{i}.yaml")))))
            .collect();
        // A real process on the other end of the pipes, as a worker has.
        let start = || {
            let mut child = std::process::Command::new("cat")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()?;
            Ok(Worker {
                input: child.stdin.take(),
                output: std::io::BufReader::new(child.stdout.take().expect("stdout")),
                child,
                ended: false,
            })
        };
        let remote_ran = AtomicBool::new(false);
        let local = |_: usize, _: &Job| -> JobResult {
            // Wait until the worker's thread has taken a job (bounded).
            let t = std::time::Instant::now();
            while !remote_ran.load(Ordering::SeqCst) && t.elapsed().as_secs() < 60 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(Error::Usage("ran here".into()))
        };
        let remote = |_: usize, _: &Job, _: &mut Worker| -> JobResult {
            remote_ran.store(true, Ordering::SeqCst);
            panic!("boom in a worker's thread")
        };
        let results = on_workers(&items, 2, &start, &local, &remote);
        assert_eq!(results.len(), items.len());
        let panicked: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(panicked.len(), 1, "{panicked:?}");
        assert!(panicked[0].contains("boom in a worker's thread"));
        let here = results
            .iter()
            .filter(|r| matches!(r, Ok(Err(Error::Usage(m))) if m == "ran here"))
            .count();
        assert_eq!(here, items.len() - 1);
    }
}
