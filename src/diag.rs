//! Diagnostics that point legal staff at the exact place in a file.
//!
//! Every error about input (rules, forms, templates, cases) is a [`Diagnostic`]
//! with a file, a 1-based line and column, and a plain-language message. They
//! print rustc-style, with the offending source line and a caret.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
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
            file: file.to_path_buf(),
            line,
            column,
            path: String::new(),
            message: message.into(),
        }
    }

    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Renders with a source excerpt when the file's text is known.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "error: {}
",
            self.message
        ));
        out.push_str(&format!(
            "  --> {}:{}:{}\n",
            self.file.display(),
            self.line,
            self.column
        ));
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
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// The text of every file read, kept for excerpts in diagnostics.
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
}

/// A failure made of one or more diagnostics (all problems found, not the first).
#[derive(Debug, Clone)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Diagnostics {
    pub fn render(&self) -> String {
        let mut out: String = self.items.iter().map(|d| d.render(&self.sources)).collect();
        out.push_str(&format!("{} error(s)\n", self.items.len()));
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Diagnostics {}
