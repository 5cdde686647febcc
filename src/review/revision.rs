//! A project as of another git revision, for `qujat diff --rev REV`.
//!
//! The revision's files are exported with `git archive` into a temporary
//! directory — the repository, its index and its worktrees are left alone —
//! and removed again when the [`Checkout`] is dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The project directory as it was at a revision, in a temporary directory.
pub struct Checkout {
    temp: PathBuf,
    /// The project directory inside the export.
    pub project: PathBuf,
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.temp);
    }
}

/// Exports `project` (a directory inside a git work tree) as of `rev`.
pub fn checkout(project: &Path, rev: &str) -> Result<Checkout, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(project)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--verify", &format!("{rev}^{{commit}}")])
        .map_err(|e| format!("`{rev}` is not a revision of this repository ({e})"))?;
    // Where the project sits inside the repository ("" at its root).
    let prefix = git(&["rev-parse", "--show-prefix"])?;
    let temp = crate::write::output::temp_dir(&format!("rev-{}", &commit[..commit.len().min(12)]))
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let checkout = Checkout {
        project: temp.join(&prefix),
        temp,
    };
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(project)
        .args(["archive", "--format=tar", &commit])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git archive: {e}"))?;
    let stdout = archive.stdout.take().ok_or("git archive gave no output")?;
    let untar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&checkout.temp)
        .stdin(stdout)
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    let archived = archive.wait().map_err(|e| format!("git archive: {e}"))?;
    if !archived.success() || !untar.success() {
        return Err(format!("could not export revision `{rev}` ({commit})"));
    }
    Ok(checkout)
}
