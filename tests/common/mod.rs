//! Helpers shared by the integration tests: the real project, scratch copies of
//! it for broken-input tests, and PDF text extraction.

#![allow(dead_code)]

use qujat::project::Project;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's own project, opened once per test binary.
pub fn project() -> &'static Project {
    static P: OnceLock<Project> = OnceLock::new();
    P.get_or_init(|| match Project::open(&root()) {
        Ok(p) => p,
        Err(d) => panic!("the repository's rules do not validate:\n{d}"),
    })
}

/// Every problem `Project::open` finds in a broken project, as
/// `file:line:column: message (at key.path)`; panics if it opens.
pub fn open_errors(dir: &Path) -> Vec<String> {
    match Project::open(dir) {
        Ok(_) => panic!("broken rules were accepted"),
        Err(d) => d.items.iter().map(ToString::to_string).collect(),
    }
}

/// Text of a PDF with white space collapsed (lopdf breaks lines differently
/// from the layout, so only the sequence of words is compared).
pub fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("qujat wrote an unreadable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("no text in PDF");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text of a PDF line by line as lopdf extracts it (deterministic for the same
/// PDF), trimmed, without empty lines: the form of the golden snapshots.
pub fn pdf_lines(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("qujat wrote an unreadable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("no text in PDF");
    let mut out: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    if out.is_empty() {
        out.push('\n');
    }
    out
}

/// Asserts every phrase occurs in the text, reporting all that do not.
pub fn assert_contains_all(what: &str, text: &str, phrases: &[&str]) {
    let missing: Vec<&&str> = phrases.iter().filter(|p| !text.contains(**p)).collect();
    assert!(
        missing.is_empty(),
        "{what}: missing {missing:?}\n--- text ---\n{text}"
    );
}

/// A scratch copy of the repository's project (rules, forms, templates,
/// cases) that a test may break.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("qujat-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["rules", "forms", "templates", "cases"] {
            copy_dir(&root().join(sub), &dir.join(sub));
        }
        Scratch { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// `rel:line:column` (1-based, column in characters) of the first
    /// occurrence of `needle` in a file, plus `shift` characters.
    pub fn locate(&self, rel: &str, needle: &str, shift: usize) -> String {
        let s = std::fs::read_to_string(self.path(rel)).unwrap();
        let at = s
            .find(needle)
            .unwrap_or_else(|| panic!("{rel} has no {needle:?}"));
        let line = s[..at].matches('\n').count() + 1;
        let column = s[..at].rsplit('\n').next().unwrap().chars().count() + 1 + shift;
        format!("{rel}:{line}:{column}")
    }

    /// Replaces the first occurrence of `from` in a file; the text must be there.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let p = self.path(rel);
        let s = std::fs::read_to_string(&p).unwrap();
        assert!(s.contains(from), "{rel} does not contain {from:?}");
        std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}
