//! Stage 1, load: read every YAML file of a project into typed values.
//!
//! Which type a file holds follows from where it is: `rules/services/*.yaml`
//! are services as an act adopted them, `rules/amendments/*.yaml` amending
//! acts, `forms/*.yaml` form layouts, and `rules/NAME.yaml` is
//! one of the registries named in [`REGISTRIES`]. Every file is read even when
//! an earlier one failed, so one run reports every broken file.

pub mod case;
pub mod guard;

use crate::base::diag::{Diagnostic, Sources};
use crate::base::yaml::parse;
use crate::model::RawProject;
use guard::{Links, ValueRules};
use std::path::{Path, PathBuf};

/// The registry files under `rules/`, by file stem.
pub const REGISTRIES: [&str; 5] = ["acts", "institutions", "conventions", "calendar", "mrp"];

/// Reads a file relative to the project root (a regular file, never through
/// a link: see [`guard`]); the path in diagnostics stays relative so
/// messages read the same on every machine.
pub fn read(root: &Path, rel: &Path, sources: &mut Sources) -> Result<String, Diagnostic> {
    let text = guard::read_text(&root.join(rel), rel, Links::Refuse)?;
    sources.insert(rel, text.clone());
    Ok(text)
}

/// Loads `rules/` and `forms/` of the project at `root`: what could be read,
/// the text of every file, and one error per file that could not be read or
/// parsed. Validation goes on with the rest, so one run reports everything.
pub fn load_project(root: &Path) -> (RawProject, Sources, Vec<Diagnostic>) {
    let mut sources = Sources::default();
    let mut errors = Vec::new();
    let mut raw = RawProject {
        acts: vec![],
        services: vec![],
        amendments: vec![],
        mrp: vec![],
        institutions: vec![],
        conventions: vec![],
        calendars: vec![],
        forms: vec![],
    };
    for dir in ["rules", "forms"] {
        if !root.join(dir).is_dir() {
            errors.push(Diagnostic::error(
                Path::new(dir),
                1,
                1,
                format!(
                    "no `{dir}/` directory in project {} (use --project DIR)",
                    root.display()
                ),
            ));
        }
    }
    for rel in yaml_files(root, &mut errors) {
        let text = match read(root, &rel, &mut sources) {
            Ok(t) => t,
            Err(d) => {
                errors.push(d);
                continue;
            }
        };
        let hidden = guard::check_values(&text, &rel, ValueRules::RULES);
        if !hidden.is_empty() {
            errors.extend(hidden);
            continue;
        }
        if let Err(d) = load_one(&rel, &text, &mut raw) {
            errors.push(d);
        }
    }
    (raw, sources, errors)
}

fn load_one(rel: &Path, text: &str, raw: &mut RawProject) -> Result<(), Diagnostic> {
    let in_dir = |d: &str| rel.parent() == Some(Path::new(d));
    let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let path = rel.to_path_buf();
    if in_dir("rules/services") {
        raw.services.push((path, parse(rel, text)?));
    } else if in_dir("rules/amendments") {
        raw.amendments.push((path, parse(rel, text)?));
    } else if in_dir("forms") {
        raw.forms.push((path, parse(rel, text)?));
    } else if in_dir("rules") && stem == "acts" {
        raw.acts.push((path, parse(rel, text)?));
    } else if in_dir("rules") && stem == "institutions" {
        raw.institutions.push((path, parse(rel, text)?));
    } else if in_dir("rules") && stem == "conventions" {
        raw.conventions.push((path, parse(rel, text)?));
    } else if in_dir("rules") && stem == "calendar" {
        raw.calendars.push((path, parse(rel, text)?));
    } else if in_dir("rules") && stem == "mrp" {
        raw.mrp.push((path, parse(rel, text)?));
    } else {
        return Err(Diagnostic::error(
            rel,
            1,
            1,
            format!(
                "qujat does not know what this file holds: rule files are rules/services/*.yaml, rules/amendments/*.yaml, forms/*.yaml or rules/{{{}}}.yaml",
                REGISTRIES.join(",")
            ),
        ));
    }
    Ok(())
}

/// Every `.yaml`/`.yml` file under `rules/` and `forms/`, sorted so that
/// diagnostics and outputs come in a stable order.
fn yaml_files(root: &Path, errors: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["rules", "forms"] {
        for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
            match entry {
                // A link would let a rule file come from outside the
                // project: it is listed so that reading it is refused with a
                // located error, never skipped in silence. So is a YAML name
                // that is not a regular file (a pipe, a device).
                Ok(e) if !e.file_type().is_dir() => {
                    let p = e.path();
                    let is_yaml =
                        matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml"));
                    if let (true, Ok(rel)) =
                        (is_yaml || e.file_type().is_symlink(), p.strip_prefix(root))
                    {
                        files.push(rel.to_path_buf());
                    }
                }
                Ok(_) => {}
                Err(e)
                    if e.io_error().map(|io| io.kind()) == Some(std::io::ErrorKind::NotFound) => {}
                Err(e) => errors.push(Diagnostic::error(
                    Path::new(dir),
                    1,
                    1,
                    format!("cannot list files: {e}"),
                )),
            }
        }
    }
    files
}
