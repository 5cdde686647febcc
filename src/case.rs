//! Case files: one applicant's application as the operator recorded it.
//!
//! The format is documented in the README. Like rule files, unknown keys are
//! errors and every reference keeps its location for diagnostics.

use crate::diag::{Diagnostic, Diagnostics, Sources};
use crate::iin::Sex;
use crate::model::Ref;
use crate::text::Lang;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Identifies the case's documents (PDF ident, QR code, file names).
    pub id: Spanned<String>,
    pub service: Ref,
    pub request: Ref,
    pub channel: Ref,
    /// Number of the foreign institution (pilot), from `rules/institutions.yaml`.
    #[serde(default)]
    pub institution: Option<Spanned<u32>>,
    /// Date of application: the rules in force on it decide the case.
    pub date: NaiveDate,
    /// Address of the provider's or State Corporation's office (receipt).
    #[serde(default)]
    pub office: Option<CaseText>,
    /// "кому": position, surname and initials of the official addressed.
    #[serde(default)]
    pub addressee: Option<CaseText>,
    /// "для ___": the purpose the applicant states.
    #[serde(default)]
    pub purpose: Option<CaseText>,
    pub applicant: Applicant,
    #[serde(default)]
    pub representative: Option<Representative>,
    pub documents: Vec<PresentedDocument>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub correction: BTreeMap<CorrectionParam, Change>,
    /// What the provider did; absent while the application is being processed.
    #[serde(default)]
    pub result: Option<Processed>,
    /// The official who wrote the receipt ("Исполнитель").
    #[serde(default)]
    pub staff: Option<Staff>,
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

/// The parameters of the correction form (order No. 146, appendix 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionParam {
    Surname,
    GivenName,
    Patronymic,
    BirthDate,
    BirthPlace,
    Citizenship,
    Sex,
    DocumentNumber,
    DocumentIssued,
    DocumentValidUntil,
    DocumentCountry,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub current: CaseText,
    pub new: CaseText,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Processed {
    pub completed: NaiveDate,
    /// Serial (digits 8–11) of the IIN formed; the IIN is derived from it.
    pub iin_serial: u16,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub name: String,
    pub phone: String,
}

/// A case file with its path and text (for diagnostics).
#[derive(Debug, Clone)]
pub struct LoadedCase {
    pub path: PathBuf,
    pub case: Case,
    pub sources: Sources,
}

pub fn load_case(path: &Path) -> Result<LoadedCase, Diagnostics> {
    let mut sources = Sources::default();
    let fail = |d: Diagnostic, sources: Sources| Diagnostics {
        items: vec![d],
        sources,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return Err(fail(
                Diagnostic::error(path, 1, 1, format!("cannot read case file: {e}")),
                sources,
            ));
        }
    };
    sources.insert(path, text.clone());
    match crate::load::parse::<Case>(path, &text) {
        Ok(case) => Ok(LoadedCase {
            path: path.to_path_buf(),
            case,
            sources,
        }),
        Err(d) => Err(fail(d, sources)),
    }
}
