//! Case files: one applicant's application as the operator recorded it.
//!
//! The format is documented in the README. Like rule files, unknown keys are
//! errors and every reference keeps its location for diagnostics.

use crate::algo::iin::Sex;
use crate::base::diag::{Diagnostic, Diagnostics, Sources};
use crate::base::text::Lang;
use crate::base::yaml_path::KeyPaths;
use crate::load::guard::{self, Links, ValueRules};
use crate::model::Ref;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};

/// The keys every case has, read with serde. Keys a service declares in
/// its `facts:` (`exit:` …) are not here: `schema::read_case` reads and
/// checks every key against the service's schema, unknown ones included,
/// so this struct ignores what it does not name.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// Identifies the case's documents (PDF ident, QR code, file names).
    pub id: Spanned<String>,
    pub service: Ref,
    pub request: Ref,
    pub channel: Ref,
    /// Date of application: the rules in force on it decide the case.
    pub date: NaiveDate,
    pub applicant: Applicant,
    #[serde(default)]
    pub representative: Option<Spanned<Representative>>,
    pub documents: Vec<PresentedDocument>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// What the provider did; absent while the application is being processed.
    #[serde(default)]
    pub result: Option<Processed>,
}

/// Whole years between `birth` and `on`.
pub fn age(birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth).unwrap_or(0)
}

/// A value written once for both languages (a proper name, a number) or,
/// where the languages differ, per language.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CaseText {
    Same(String),
    PerLanguage { kk: String, ru: String },
}

impl CaseText {
    pub fn get(&self, lang: Lang) -> &str {
        match (self, lang) {
            (CaseText::Same(s), _) => s,
            (CaseText::PerLanguage { kk, .. }, Lang::Kk) => kk,
            (CaseText::PerLanguage { ru, .. }, Lang::Ru) => ru,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub surname: Name,
    pub given_name: Name,
    #[serde(default)]
    pub patronymic: Option<Name>,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub citizenship: CaseText,
    #[serde(default)]
    pub nationality: Option<CaseText>,
    #[serde(default)]
    pub arrival_country: Option<CaseText>,
    pub birth_place: CaseText,
    #[serde(default)]
    pub birth_country: Option<CaseText>,
    #[serde(default)]
    pub birth_region: Option<CaseText>,
    #[serde(default)]
    pub birth_district: Option<CaseText>,
    #[serde(default)]
    pub address: Option<CaseText>,
    /// An IIN already held (correction); checked with the official check digit.
    #[serde(default)]
    pub iin: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Name {
    pub latin: String,
    #[serde(default)]
    pub cyrillic: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Representative {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentedDocument {
    /// A document id from the service's `documents`.
    pub document: Ref,
    #[serde(default)]
    pub kind_name: Option<CaseText>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub issued: Option<NaiveDate>,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// ISO 3166-1 alpha-3 code of the issuing state.
    #[serde(default)]
    pub issuing_state: Option<String>,
    #[serde(default)]
    pub issuing_country: Option<CaseText>,
    /// Scripts the identifying data is written in.
    #[serde(default)]
    pub scripts: Vec<Script>,
    /// Issued or certified by a competent authority of a foreign state.
    #[serde(default)]
    pub foreign_authority: bool,
    #[serde(default)]
    pub legalization: Option<LegalizationKind>,
    /// The passport's machine-readable zone, two lines of 44 characters,
    /// as read from the page: checked against the data declared above.
    #[serde(default)]
    pub mrz: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Script {
    Latin,
    Cyrillic,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LegalizationKind {
    Apostille,
    Legalization,
}

/// A fact the operator recorded that may be a ground for refusal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub ground: Ref,
    pub note: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Processed {
    pub completed: NaiveDate,
    /// Serial (digits 8–11) of the IIN formed, for an outcome that forms
    /// one (`computes: [iin]`); the IIN is derived from it.
    #[serde(default)]
    pub iin_serial: Option<u16>,
}

/// A case file with its path and text (for diagnostics).
#[derive(Debug, Clone)]
pub struct LoadedCase {
    pub path: PathBuf,
    pub case: Case,
    pub sources: Sources,
}

impl LoadedCase {
    /// An error at the value of `key_path` (`result.iin_serial`) in the case
    /// file, for problems found after parsing; the start of the file when the
    /// key is not written.
    pub fn error_at(&self, key_path: &str, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self
            .sources
            .text(&self.path)
            .and_then(|t| KeyPaths::new(t).position(key_path))
            .unwrap_or((1, 1));
        Diagnostic::error(&self.path, line, column, message).at(key_path)
    }
}

/// Loads a case file the user named: a link is followed, since they chose it.
pub fn load_case(path: &Path) -> Result<LoadedCase, Diagnostics> {
    load_case_with(path, Links::Follow)
}

/// Loads a case file, reporting every problem in it at once: bytes that are
/// not UTF-8, values with control or invisible characters or over the length
/// limit (see [`guard`]), YAML or key errors, an id that cannot name a
/// folder, a result dated before the application.
pub fn load_case_with(path: &Path, links: Links) -> Result<LoadedCase, Diagnostics> {
    match guard::read_text(path, path, links) {
        Ok(text) => parse_case(path, text),
        Err(d) => Err(Diagnostics::new(vec![d], Sources::default())),
    }
}

/// Loads a case that is not a file (a request body to `qujat serve`) with
/// the same checks, its diagnostics naming `shown`.
pub fn load_case_bytes(shown: &Path, bytes: Vec<u8>) -> Result<LoadedCase, Diagnostics> {
    match guard::text_of(bytes, shown) {
        Ok(text) => parse_case(shown, text),
        Err(d) => Err(Diagnostics::new(vec![d], Sources::default())),
    }
}

fn parse_case(path: &Path, text: String) -> Result<LoadedCase, Diagnostics> {
    let mut sources = Sources::default();
    sources.insert(path, text.clone());
    let mut errors = guard::check_values(&text, path, ValueRules::CASE);
    let parsed = crate::base::yaml::parse::<Case>(path, &text);
    let lc = match parsed {
        Ok(case) => Some(LoadedCase {
            path: path.to_path_buf(),
            case,
            sources: sources.clone(),
        }),
        Err(d) => {
            // A value refused above often fails to parse at the same place.
            if !errors.iter().any(|e| e.line == d.line) {
                errors.push(d);
            }
            None
        }
    };
    if let Some(lc) = &lc {
        errors.extend(lc.problems());
    }
    errors.sort_by_key(|d| (d.line, d.column));
    match lc {
        Some(lc) if errors.is_empty() => Ok(lc),
        _ => Err(Diagnostics::new(errors, sources)),
    }
}

impl LoadedCase {
    /// What parses but cannot be: checked on load, so that no later stage
    /// meets it.
    fn problems(&self) -> Vec<Diagnostic> {
        let case = &self.case;
        let mut out = vec![];
        if let Some(msg) = guard::id_problem(&case.id.value, true) {
            out.push(
                Diagnostic::error(
                    &self.path,
                    case.id.referenced.line() as u32,
                    case.id.referenced.column() as u32,
                    msg,
                )
                .at("id"),
            );
        }
        if let Some(done) = &case.result
            && done.completed < case.date
        {
            out.push(self.error_at(
                "result.completed",
                format!(
                    "the result is dated {}, before the date of application {}",
                    done.completed, case.date
                ),
            ));
        }
        out
    }
}
