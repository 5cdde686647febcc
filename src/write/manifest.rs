//! The build manifest: what every document in an output directory was made
//! from, so that a rebuild renders only what changed.
//!
//! `OUT/.qujat-manifest` records, per build job (the blank forms, each case
//! file), the documents it wrote. For each document: a hash of all its inputs
//! (qujat's build, fonts and templates, the rules its service is decided
//! under, its form's file, the case file or the date of the blanks), and the
//! size and the hash of the last KiB of the PDF as written. The last KiB holds
//! the PDF trailer, whose second `/ID` is a hash of the whole file: a PDF that
//! was replaced, edited or restored from elsewhere no longer matches, so it is
//! rendered again, never taken as fresh.
//!
//! The file starts with a line carrying the SHA-256 of the rest. A manifest
//! that is corrupt or edited by hand fails that check and is ignored as a
//! whole: every document is rendered and nothing is removed. A document is
//! removed only when a valid manifest lists it and the file is still exactly
//! what qujat wrote; other files in the output directory are never touched.

use crate::base::digest::hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path};

/// The manifest's file name in the output directory.
pub const FILE: &str = ".qujat-manifest";

const HEADER: &str = "qujat-manifest 1 sha256=";

/// How many bytes at the end of a PDF are fingerprinted.
const TAIL: u64 = 1024;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// By job: `blank` or the case file's path relative to the project.
    pub jobs: BTreeMap<String, JobRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRecord {
    /// For a case: its file's hash, and what was read from it.
    pub case: Option<CaseRecord>,
    /// The notes the job gave on what it skipped, repeated when it is not
    /// run again.
    pub notes: Vec<String>,
    pub documents: Vec<DocRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRecord {
    pub sha256: String,
    pub id: String,
    pub service: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocRecord {
    /// Relative to the output directory.
    pub name: String,
    pub form: String,
    /// The hash of everything the document was made from.
    pub inputs: String,
    pub file: FileStamp,
}

/// What a written PDF looks like on disk: its size and the hash of its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileStamp {
    pub size: u64,
    pub tail: String,
}

impl FileStamp {
    /// The stamp of bytes about to be written.
    pub fn of(bytes: &[u8]) -> FileStamp {
        let start = bytes.len().saturating_sub(TAIL as usize);
        FileStamp {
            size: bytes.len() as u64,
            tail: hex(&Sha256::digest(&bytes[start..])),
        }
    }

    /// The stamp of the regular file at `path` (not through a link), read
    /// from its end only; `None` when it is missing or not a regular file.
    pub fn read(path: &Path) -> Option<FileStamp> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.file_type().is_file() {
            return None;
        }
        let mut f = std::fs::File::open(path).ok()?;
        let size = f.metadata().ok()?.len();
        let start = size.saturating_sub(TAIL);
        f.seek(SeekFrom::Start(start)).ok()?;
        let mut tail = Vec::with_capacity((size - start) as usize);
        f.read_to_end(&mut tail).ok()?;
        (tail.len() as u64 == size - start).then(|| FileStamp {
            size,
            tail: hex(&Sha256::digest(&tail)),
        })
    }
}

/// Why a manifest was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// There is none (a first build).
    Missing,
    /// It exists but is not one qujat wrote, or was changed since.
    Invalid(String),
}

impl Manifest {
    /// Reads the manifest of output directory `out`.
    pub fn read(out: &Path) -> Result<Manifest, Unusable> {
        let path = out.join(FILE);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unusable::Missing),
            Err(e) => return Err(Unusable::Invalid(e.to_string())),
        };
        if !meta.file_type().is_file() {
            return Err(Unusable::Invalid("not a regular file".into()));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Unusable::Invalid(e.to_string()))?;
        Manifest::parse(&text).map_err(Unusable::Invalid)
    }

    fn parse(text: &str) -> Result<Manifest, String> {
        let (first, body) = text.split_once('\n').ok_or("no header line".to_string())?;
        let sum = first
            .strip_prefix(HEADER)
            .ok_or("not a qujat manifest of this version".to_string())?;
        if hex(&Sha256::digest(body.as_bytes())) != sum {
            return Err("its checksum does not match its content (edited or damaged)".into());
        }
        serde_json::from_str(body).map_err(|e| format!("unreadable: {e}"))
    }

    /// The file's text: the header with the checksum, then one JSON document.
    pub fn to_text(&self) -> String {
        let body = serde_json::to_string(self).unwrap_or_default();
        format!("{HEADER}{}\n{body}", hex(&Sha256::digest(body.as_bytes())))
    }
}

/// `name` as a path inside the output directory: relative, plain folder and
/// file names only, ending in `.pdf`. A name that is not (a manifest edited to
/// point elsewhere) is never acted upon.
pub fn document_path(name: &str) -> Option<&Path> {
    let p = Path::new(name);
    let plain = p.components().all(|c| matches!(c, Component::Normal(_)));
    (plain && !name.is_empty() && name.ends_with(".pdf")).then_some(p)
}

pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// What this qujat is, for the inputs of every document: its version and
/// the size and time of its executable, so a rebuilt qujat (whose code may
/// lay out documents differently) renders everything again.
pub fn generator() -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} {modified}", m.len())
        })
        .unwrap_or_else(|_| "unknown executable".into());
    format!("qujat {} ({exe})", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::digest::hash_parts;

    fn sample() -> Manifest {
        let mut m = Manifest::default();
        m.jobs.insert(
            "cases/a.yaml".into(),
            JobRecord {
                case: Some(CaseRecord {
                    sha256: sha256(b"case"),
                    id: "a".into(),
                    service: "s".into(),
                }),
                notes: vec!["a note".into()],
                documents: vec![DocRecord {
                    name: "cases/a/f.pdf".into(),
                    form: "f".into(),
                    inputs: hash_parts([b"x".as_slice()]),
                    file: FileStamp::of(b"%PDF"),
                }],
            },
        );
        m
    }

    #[test]
    fn a_manifest_reads_back_and_any_edit_voids_it() {
        let m = sample();
        let text = m.to_text();
        assert_eq!(Manifest::parse(&text), Ok(m));
        let edited = text.replace("\"a note\"", "\"b note\"");
        assert!(
            Manifest::parse(&edited)
                .unwrap_err()
                .contains("checksum does not match")
        );
        assert!(Manifest::parse("").is_err());
        assert!(Manifest::parse(&text[..text.len() - 3]).is_err());
    }

    #[test]
    fn only_plain_pdf_names_inside_the_output_are_documents() {
        assert!(document_path("cases/a/f.pdf").is_some());
        for bad in [
            "../f.pdf",
            "/etc/f.pdf",
            "cases/../../f.pdf",
            "notes.txt",
            "",
        ] {
            assert!(document_path(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn hashes_of_parts_do_not_run_together() {
        assert_ne!(
            hash_parts([b"ab".as_slice(), b"c"]),
            hash_parts([b"a".as_slice(), b"bc"])
        );
    }
}
