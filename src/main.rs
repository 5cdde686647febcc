//! The `qujat` command: check, decide, render and build over a project directory.

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use qujat::base::text::Lang;
use qujat::decide;
use qujat::project::{Error, Project};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "qujat",
    version,
    about = "Rules and documents of Kazakhstan's public services"
)]
struct Cli {
    /// Project directory holding rules/, forms/ and templates/.
    #[arg(long, global = true, default_value = ".")]
    project: PathBuf,
    /// The date whose rules apply (YYYY-MM-DD). Default: today for `check`,
    /// `rules` and `build`; the date of application for `decide` and `render`.
    #[arg(long, global = true, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load and validate every rule and form file, and every case under cases/.
    Check {
        /// List, per service, the case data paths its forms can bind to.
        #[arg(long)]
        list_data: bool,
        /// With --list-data: only this service's paths.
        #[arg(long, value_name = "SERVICE")]
        service: Option<String>,
        /// List every text marked as our own translation.
        #[arg(long)]
        translations: bool,
        /// Print the problems found as a JSON array (for editors and CI).
        #[arg(long)]
        json: bool,
    },
    /// Print the rules of a service (or of every service) in force on the
    /// date: the acts and amendments applied and what is not encoded.
    Rules { service: Option<String> },
    /// Print what a case of SERVICE holds on the date: every fact with its
    /// type, labels, options and citation, then the service's parameters and
    /// conditions.
    Schema {
        service: Option<String>,
        /// Print the JSON Schema of the service's case files instead.
        #[arg(long)]
        json: bool,
        /// Write the JSON Schemas of rule, form and case files, for editors,
        /// into DIR (the repository keeps them in schemas/).
        #[arg(long, value_name = "DIR")]
        write_json: Option<PathBuf>,
    },
    /// Decide a case and print the outcome with the rules behind it.
    Decide { case: PathBuf },
    /// Explain a decision step by step: each rule checked, its condition,
    /// the case facts it was checked against and its citation.
    Explain { case: PathBuf },
    /// Compare the rules in force on two dates (`--as-of D1 --to D2`), two
    /// build outputs (`DIR_A DIR_B`), or the documents built from another git
    /// revision with those of the working tree (`--rev REV`).
    Diff {
        /// Two directories written by `qujat build`.
        dirs: Vec<PathBuf>,
        /// The later date: compare the rules in force on --as-of (default
        /// today) with those in force on this date.
        #[arg(long, value_name = "DATE")]
        to: Option<NaiveDate>,
        /// A git revision (branch, tag, commit) to build and compare with
        /// the working tree.
        #[arg(long, value_name = "REV")]
        rev: Option<String>,
        /// Where the HTML report of a document comparison goes.
        #[arg(long, default_value = "diff-report")]
        report: PathBuf,
    },
    /// Render a case's documents as PDF.
    Render {
        case: PathBuf,
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Only this language's edition of per-language forms.
        #[arg(long)]
        lang: Option<Lang>,
    },
    /// Render the blank forms in force on the date and every sample case
    /// under cases/ (each under the rules of its date of application).
    Build {
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// No progress bar (it is also hidden when stderr is not a terminal).
        #[arg(long, short)]
        quiet: bool,
        /// How many documents are rendered at once (default: one per core).
        #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
        jobs: Option<u16>,
        /// Render every document, even those whose inputs did not change
        /// since the last build into this directory.
        #[arg(long)]
        force: bool,
    },
    /// Run the case jobs `build` sends on standard input (one JSON line
    /// each), answering each on standard output: `build` starts one per
    /// job but the first, so that documents render in processes of their own.
    #[command(hide = true)]
    BuildWorker {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Serve the project to a browser on this machine: services, forms as
    /// page images, cases, diagnostics and review, updated live as files
    /// are saved; plus an HTTP API (decide, render, services).
    Serve {
        /// The port to listen on (0: any free port, printed on start).
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// The address to listen on. Anything but loopback needs --public.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Allow a non-loopback --bind: the project becomes readable by
        /// anyone who can reach the address.
        #[arg(long)]
        public: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Check { json: true, .. } = cli.command {
        return check_json(&cli.project);
    }
    // The server starts even on rules with errors: it shows them.
    if let Command::Serve { port, bind, public } = cli.command {
        let options = qujat::serve::Options {
            project: cli.project,
            bind,
            port,
            public,
            date: cli.as_of,
        };
        return match qujat::serve::run(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                warn(format!("error: {e}\n"));
                ExitCode::FAILURE
            }
        };
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut text = e.to_string();
            if !matches!(e, Error::Input(_)) {
                text.push('\n');
            }
            warn(text);
            ExitCode::FAILURE
        }
    }
}

/// `check --json`: every problem (errors and warnings) as one JSON array on
/// stdout; the exit code says whether there were errors.
fn check_json(project: &Path) -> ExitCode {
    let (json, ok) = match Project::open(project) {
        Ok(p) => {
            let cases = p.check_cases();
            let mut items = p.rules.warnings.clone();
            items.extend(cases.items.iter().cloned());
            let mut sources = p.rules.sources.clone();
            sources.extend(cases.sources.clone());
            let all = qujat::base::diag::Diagnostics::new(items, sources);
            (all.to_json(), !cases.has_errors())
        }
        Err(d) => (d.to_json(), false),
    };
    // JSON escapes what a terminal could act on itself.
    write_out(&format!("{json}\n"));
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    let project = Project::open(&cli.project)?;
    if !project.rules.warnings.is_empty() {
        let w = qujat::base::diag::Diagnostics::new(
            project.rules.warnings.clone(),
            project.rules.sources.clone(),
        );
        match cli.command {
            Command::Check { .. } => warn(w.render()),
            _ => w.items.iter().for_each(|d| warn(format!("{d}\n"))),
        }
    }
    let today = chrono::Local::now().date_naive();
    match cli.command {
        Command::Check {
            list_data,
            service,
            translations,
            json: _,
        } => {
            if let Some(s) = service
                .as_ref()
                .filter(|s| !project.rules.bindings.contains_key(*s))
            {
                return Err(Error::Usage(format!(
                    "unknown service `{s}` (known: {})",
                    project
                        .rules
                        .bindings
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            if list_data {
                for (id, paths) in &project.rules.bindings {
                    if service.as_ref().is_some_and(|s| s != id) {
                        continue;
                    }
                    say(format!("{id}:"));
                    for p in paths {
                        say(format!("  {p}"));
                    }
                }
            }
            if translations {
                for line in qujat::project::translations(&project) {
                    say(line);
                }
            }
            // The template every form is drawn with must be there too.
            project.renderer()?;
            // So must every sample case decide: `build` renders them.
            let cases = project.check_cases();
            if cases.has_errors() {
                return Err(Error::Input(cases));
            }
            let r = &project.rules;
            say(format!(
                "ok: {} act(s), {} service(s) in {} version(s), {} amending act file(s), {} form(s), {} institution(s), {} convention(s)",
                r.acts.len(),
                r.services.len(),
                r.services.values().map(Vec::len).sum::<usize>(),
                r.amendments.len(),
                r.forms.len(),
                r.institutions.len(),
                r.conventions.len()
            ));
            let date = cli.as_of.unwrap_or(today);
            for service in r.services.keys() {
                match qujat::resolve::service_as_of(r, service, date) {
                    Ok(f) => say(format!(
                        "{date}: {service}: in force ({})",
                        f.acts
                            .iter()
                            .map(|a| a.id.as_str())
                            .collect::<Vec<_>>()
                            .join(" + ")
                    )),
                    Err(e) => say(format!(
                        "{date}: {service}: {}",
                        e.to_string().replace('\n', "\n    ")
                    )),
                }
            }
        }
        Command::Rules { service } => {
            let date = cli.as_of.unwrap_or(today);
            let ids: Vec<String> = match service {
                Some(s) => vec![s],
                None => project.rules.services.keys().cloned().collect(),
            };
            let mut failed = None;
            for id in ids {
                match qujat::resolve::service_as_of(&project.rules, &id, date) {
                    Ok(f) => put(qujat::resolve::describe(&f)),
                    Err(e) => failed = Some(e),
                }
                say("");
            }
            if let Some(e) = failed {
                return Err(Error::Rules(e));
            }
        }
        Command::Schema {
            service,
            json,
            write_json,
        } => match (service, write_json) {
            (Some(s), None) => {
                let date = cli.as_of.unwrap_or(today);
                if json {
                    let j =
                        qujat::review::json_schema::service_case_schema(&project.rules, &s, date)
                            .map_err(Error::Rules)?;
                    write_out(&format!("{j:#}\n"));
                } else {
                    put(
                        qujat::review::json_schema::service_reference(&project.rules, &s, date)
                            .map_err(Error::Rules)?,
                    );
                }
            }
            (None, Some(dir)) => {
                let written = qujat::review::json_schema::write(&project.rules, &dir)
                    .map_err(|e| Error::Io(dir.clone(), e))?;
                for p in written {
                    say(format!("wrote {}", p.display()));
                }
            }
            _ => {
                return Err(Error::Usage(
                    "say what to print: `schema SERVICE [--json]` or `schema --write-json DIR`"
                        .into(),
                ));
            }
        },
        Command::Decide { case } => {
            let (_, d) = project.decide(&case, cli.as_of)?;
            put(decide::report(&d));
        }
        Command::Diff {
            dirs,
            to,
            rev,
            report,
        } => match (to, rev, dirs.as_slice()) {
            (Some(to), None, []) => {
                let from = cli.as_of.unwrap_or(today);
                put(qujat::review::rules_diff::diff(&project.rules, from, to).render());
            }
            (None, None, [a, b]) => compare(a, b, &report, None)?,
            (None, Some(rev), []) => {
                let date = cli.as_of.unwrap_or(today);
                let old =
                    qujat::review::revision::checkout(&cli.project, &rev).map_err(Error::Usage)?;
                let then = Project::open(&old.project)?;
                let builds = qujat::write::output::temp_dir("diff-builds")
                    .map_err(|e| Error::Io(std::env::temp_dir(), e))?;
                let (a, b) = (builds.join("revision"), builds.join("working-tree"));
                let result = (|| {
                    for (p, out) in [(&then, &a), (&project, &b)] {
                        let r = p.build(out, date, cores(), &|_| {});
                        if let Some((job, e)) = r.failed.into_iter().next() {
                            warn(format!("failed: {job}:\n{e}\n"));
                            return Err(Error::Failed(1));
                        }
                    }
                    let name = format!("revision {rev}");
                    compare(&a, &b, &report, Some([&name, "working tree"]))
                })();
                let _ = std::fs::remove_dir_all(&builds);
                result?;
            }
            _ => {
                return Err(Error::Usage(
                    "say what to compare: `--as-of D1 --to D2`, `DIR_A DIR_B` or `--rev REV`"
                        .into(),
                ));
            }
        },
        Command::Explain { case } => {
            let (_, d) = project.decide(&case, cli.as_of)?;
            put(qujat::review::explain::explain(&d, &case));
        }
        Command::Render { case, out, lang } => {
            let (lc, d) = project.decide(&case, cli.as_of)?;
            let docs = project.render_case(&lc, &d, lang)?;
            Project::write(&out, &docs.documents)?;
            for doc in &docs.documents {
                say(format!("wrote {}", out.join(&doc.name).display()));
            }
            for n in &docs.notes {
                say(format!("note: {n}"));
            }
        }
        Command::Serve { .. } => unreachable!("handled before the project is opened"),
        Command::BuildWorker { out, force } => {
            let opts = qujat::project::BuildOptions {
                force,
                ..qujat::project::BuildOptions::new(cli.as_of.unwrap_or(today), 1)
            };
            project
                .build_worker(
                    &out,
                    &opts,
                    std::io::stdin().lock(),
                    std::io::stdout().lock(),
                )
                .map_err(|e| Error::Io(PathBuf::from("<standard output>"), e))?;
        }
        Command::Build {
            out,
            quiet,
            jobs: threads,
            force,
        } => {
            let date = cli.as_of.unwrap_or(today);
            let jobs = project.build_jobs().len() as u64;
            let bar = if quiet {
                indicatif::ProgressBar::hidden()
            } else {
                indicatif::ProgressBar::new(jobs).with_style(
                    indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                )
            };
            let threads = threads.map_or_else(cores, usize::from);
            let opts = qujat::project::BuildOptions {
                force,
                workers: std::env::current_exe().ok(),
                ..qujat::project::BuildOptions::new(date, threads)
            };
            let report = project.build_with(&out, &opts, &|job| {
                bar.set_message(job.to_string());
                bar.inc(1);
            });
            bar.finish_and_clear();
            for n in &report.notes {
                say(format!("note: {}", n.replace('\n', "\n    ")));
            }
            if let Some(why) = &report.manifest_problem {
                warn(format!(
                    "warning: {}/{} was not used ({why}): every document was rendered, and no earlier document removed\n",
                    out.display(),
                    qujat::write::manifest::FILE
                ));
            }
            for kept in &report.kept {
                warn(format!(
                    "warning: {} is no longer produced but was not removed: it changed since qujat wrote it\n",
                    out.join(kept).display()
                ));
            }
            for (job, e) in &report.failed {
                warn(format!("failed: {job}:\n{e}\n"));
            }
            say(format!(
                "built {}: {} rendered, {} unchanged, {} removed, {} of {} job(s) failed, {} note(s) on what was skipped, in {:.1}s",
                out.display(),
                report.rendered,
                report.unchanged,
                report.removed,
                report.failed.len(),
                jobs,
                report.notes.len(),
                report.elapsed.as_secs_f64()
            ));
            if let Some(e) = report.manifest_error {
                return Err(e);
            }
            if !report.failed.is_empty() {
                return Err(Error::Failed(report.failed.len()));
            }
        }
    }
    Ok(())
}

/// Compares two build outputs: the summary on stdout, the HTML report (with
/// the changed pages as images) in `report` when anything differs.
fn compare(a: &Path, b: &Path, report: &Path, names: Option<[&str; 2]>) -> Result<(), Error> {
    let mut c =
        qujat::review::compare::compare_dirs(a, b).map_err(|e| Error::Review(e.to_string()))?;
    if let Some([x, y]) = names {
        (c.a, c.b) = (x.into(), y.into());
    }
    put(c.summary());
    if !c.is_empty() {
        let index = qujat::review::compare::write_report(&c, report)
            .map_err(|e| Error::Review(e.to_string()))?;
        say(format!("report: {}", index.display()));
    }
    Ok(())
}

/// Prints a line on stdout. A closed pipe (`qujat rules | head`) ends the
/// program quietly instead of panicking the way `println!` does.
fn say(line: impl AsRef<str>) {
    put(format!("{}\n", line.as_ref()));
}

/// Prints text for a person on stdout. Control characters that came from
/// a file (an escape sequence, a bidirectional override) are shown escaped,
/// never acted on by the terminal.
fn put(text: impl AsRef<str>) {
    write_out(&qujat::load::guard::escape_lines(text.as_ref()));
}

fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        warn(format!("error: cannot write to stdout: {e}\n"));
        std::process::exit(1);
    }
}

/// Prints diagnostics and notes on stderr, escaped like [`put`]. A stderr
/// that cannot be written (`2>/dev/full`, a closed pipe) loses the text but
/// never panics: the exit code still says how the command ended.
fn warn(text: impl AsRef<str>) {
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(qujat::load::guard::escape_lines(text.as_ref()).as_bytes())
        .and_then(|()| err.flush());
}

/// One rendering thread per core.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
