//! Diagnostics that point legal staff at the exact place in a file.
//!
//! Every problem with input (rules, forms, templates, cases) is a
//! [`Diagnostic`] with a file, a 1-based line and column, the key path inside
//! the file and a plain-language message. They print rustc-style, with the
//! offending source line and a caret, or as JSON for machines.
//!
//! Errors stop the pipeline; warnings are printed and let it go on.

use crate::base::yaml_path::KeyPaths;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    /// Key path inside the file, e.g. `grounds[2].text.kk`; empty when unknown.
    pub path: String,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: &Path, line: u32, column: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            line,
            column,
            path: String::new(),
            message: message.into(),
        }
    }

    pub fn warning(file: &Path, line: u32, column: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, line, column, message)
        }
    }

    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders with a source excerpt when the file's text is known.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = format!(
            "{}: {}\n  --> {}:{}:{}\n",
            self.label(),
            self.message,
            self.file.display(),
            self.line,
            self.column
        );
        if let Some(line) = sources.line(&self.file, self.line) {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let caret_at: String = line
                .chars()
                .take(self.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("{pad} |\n{num} | {line}\n{pad} | {caret_at}^\n"));
        }
        if !self.path.is_empty() {
            out.push_str(&format!("  = at: {}\n", self.path));
        }
        out
    }

    fn label(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if !self.is_error() {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)?;
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        Ok(())
    }
}

/// The text of every file read, kept for excerpts and key paths.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: BTreeMap<PathBuf, String>,
}

impl Sources {
    pub fn insert(&mut self, path: &Path, text: String) {
        self.files.insert(path.to_path_buf(), text);
    }

    pub fn line(&self, path: &Path, line: u32) -> Option<&str> {
        let text = self.files.get(path)?;
        text.lines().nth(line.checked_sub(1)? as usize)
    }

    pub fn text(&self, path: &Path) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Every file, by path.
    pub fn iter(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files.iter().map(|(p, t)| (p.as_path(), t.as_str()))
    }

    /// Adds the files of `other` (the diagnostics of several cases shown
    /// together).
    pub fn extend(&mut self, other: Sources) {
        self.files.extend(other.files);
    }
}

/// Every problem found in one run (not the first only), sorted by file and
/// position, each with a key path.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Diagnostics {
    /// Sorts, removes repeats (a rule checked in several consolidated states
    /// reports once) and gives every diagnostic without a key path the path
    /// of its position in the file.
    pub fn new(mut items: Vec<Diagnostic>, sources: Sources) -> Diagnostics {
        items.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.severity, &a.message)
                .cmp(&(&b.file, b.line, b.column, b.severity, &b.message))
        });
        items.dedup_by(|a, b| {
            (&a.file, a.line, a.column, &a.message) == (&b.file, b.line, b.column, &b.message)
        });
        let mut paths: BTreeMap<PathBuf, KeyPaths> = BTreeMap::new();
        // A diagnostic at 1:1 is about the file as a whole: no key path.
        for d in items
            .iter_mut()
            .filter(|d| d.path.is_empty() && (d.line, d.column) != (1, 1))
        {
            let Some(text) = sources.text(&d.file) else {
                continue;
            };
            let keys = paths
                .entry(d.file.clone())
                .or_insert_with(|| KeyPaths::new(text));
            if let Some(p) = keys.at(d.line, d.column) {
                d.path = p.to_string();
            }
        }
        Diagnostics { items, sources }
    }

    pub fn errors(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.items.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    pub fn render(&self) -> String {
        let mut out: String = self
            .items
            .iter()
            .map(|d| d.render(&self.sources) + "\n")
            .collect();
        out.push_str(&self.tally());
        out.push('\n');
        out
    }

    /// "2 errors, 1 warning".
    pub fn tally(&self) -> String {
        let n = |k: usize, what: &str| format!("{k} {what}{}", if k == 1 { "" } else { "s" });
        format!(
            "{}, {}",
            n(self.errors(), "error"),
            n(self.warnings(), "warning")
        )
    }

    /// The diagnostics as a JSON array for machines, each with the source line.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Item<'a> {
            #[serde(flatten)]
            d: &'a Diagnostic,
            source: Option<&'a str>,
        }
        let items: Vec<Item> = self
            .items
            .iter()
            .map(|d| Item {
                d,
                source: self.sources.line(&d.file, d.line),
            })
            .collect();
        serde_json::to_string_pretty(&items).unwrap_or_else(|e| format!("\"{e}\""))
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Diagnostics {}
