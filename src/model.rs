//! The shape of the rule and form files, exactly as legal staff write them.
//!
//! Every struct denies unknown keys: a typo in a key is an error, never a rule
//! silently ignored. Fields that name another rule are [`Ref`]s, so a dangling
//! reference is reported at the line where it is written.

use crate::calendar::CalendarFile;
use crate::text::{Citation, Text};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// An identifier that points at another rule, with where it was written.
pub type Ref = Spanned<String>;

// ---------------------------------------------------------------- acts

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActsFile {
    pub acts: Vec<Act>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Act {
    pub id: Spanned<String>,
    pub kind: String,
    pub issuers: Vec<String>,
    pub number: Option<String>,
    pub date: Option<NaiveDate>,
    pub registration: Option<Registration>,
    /// First official publication: not in the seeds, so null until someone
    /// records it; entry into force cannot be computed without it.
    pub published: Option<NaiveDate>,
    pub entry_into_force: Option<EntryIntoForce>,
    pub expires: Option<NaiveDate>,
    #[serde(default)]
    pub amends: Option<Ref>,
    pub title: Text,
    pub seed: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub number: String,
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryIntoForce {
    pub days_after_publication: u32,
}

// ---------------------------------------------------------------- services

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: Spanned<String>,
    pub acts: Vec<Ref>,
    pub title: Text,
    pub cite: Citation,
    pub provider: Cited,
    pub channels: Vec<Channel>,
    pub requests: Vec<Request>,
    pub term: Term,
    #[serde(default)]
    pub max_wait_minutes: Option<CitedNumber>,
    #[serde(default)]
    pub max_service_minutes: Option<CitedNumber>,
    #[serde(default)]
    pub fee: Option<Fee>,
    /// Working hours of the provider and channels, as the act words them.
    #[serde(default)]
    pub schedules: Vec<Schedule>,
    pub documents: Vec<DocumentKind>,
    pub requirements: Vec<Requirement>,
    #[serde(default)]
    pub legalization: Option<Legalization>,
    pub intake_refusal: IntakeRefusal,
    pub grounds: Vec<Ground>,
    #[serde(default)]
    pub appeals: Vec<Appeal>,
    pub forms: ServiceForms,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cited {
    pub text: Text,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitedNumber {
    pub value: u32,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub id: Spanned<String>,
    pub name: Text,
    pub cite: Citation,
    /// Applications are accepted only at the institutions of `rules/institutions.yaml`.
    #[serde(default)]
    pub institutions: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub id: Spanned<String>,
    pub name: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub working_days: u32,
    pub application_day_counted: bool,
    pub text: Text,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub free: bool,
    pub text: Text,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub id: String,
    pub text: Text,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentKind {
    pub id: Spanned<String>,
    pub name: Text,
    /// The document has a validity period: an expired one is refused at intake.
    #[serde(default)]
    pub expires: bool,
    /// The applicant's identity document (or its copy): the forms take the
    /// document data from it, and its scripts decide whether a translation
    /// is needed.
    #[serde(default)]
    pub identity: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub request: Ref,
    pub channel: Ref,
    pub cite: Citation,
    pub documents: Vec<RequiredDocument>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    pub document: Ref,
    #[serde(default)]
    pub when: Option<Spanned<Condition>>,
}

/// Facts of a case that make a document required. A closed list: a new
/// condition in the law needs code that decides it, so an unknown name in a
/// rule file is an error rather than a requirement that never applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// The applicant acts through a representative.
    Representative,
    /// The identity document spells the name or birthplace in neither Latin
    /// nor Cyrillic letters.
    IdentityDocumentNotInLatinOrCyrillic,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Legalization {
    pub text: Text,
    pub exempt_conventions: Vec<Ref>,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeRefusal {
    pub text: Text,
    pub cite: Citation,
    #[serde(default)]
    pub form: Option<Ref>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ground {
    pub id: Spanned<String>,
    pub requests: Vec<Ref>,
    pub text: Text,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appeal {
    pub id: String,
    pub working_days: u32,
    pub text: Text,
    pub cite: Citation,
}

/// Which form shows which moment of the service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceForms {
    /// Application form per request id.
    #[serde(default)]
    pub application: std::collections::BTreeMap<String, Ref>,
    #[serde(default)]
    pub certificate: Option<Ref>,
    #[serde(default)]
    pub refusal: Option<Ref>,
    #[serde(default)]
    pub intake_refusal: Option<Ref>,
}

// ---------------------------------------------------------------- reference data

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstitutionsFile {
    pub institutions: Vec<Institution>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    pub number: Spanned<u32>,
    pub name: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConventionsFile {
    pub conventions: Vec<Convention>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Convention {
    pub id: Spanned<String>,
    pub name: Text,
    pub source: String,
    pub parties: Vec<Party>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// ISO 3166-1 alpha-3 code, as in passports' MRZ.
    pub state: String,
    #[serde(default)]
    pub since: Option<NaiveDate>,
    #[serde(default)]
    pub until: Option<NaiveDate>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Service {
    /// Whether a document id of this service is the identity document.
    pub fn is_identity(&self, document: &str) -> bool {
        self.documents
            .iter()
            .any(|d| d.identity && d.id.value == document)
    }
}

impl Convention {
    pub fn binds(&self, state: &str, on: NaiveDate) -> bool {
        self.parties.iter().any(|p| {
            p.state == state && p.since.is_none_or(|s| s <= on) && p.until.is_none_or(|u| on < u)
        })
    }
}

// ---------------------------------------------------------------- forms

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub id: Spanned<String>,
    pub service: Ref,
    pub title: Text,
    pub cite: Citation,
    pub layout: Layout,
    /// Where the layout and wording come from, and what we had to infer.
    pub origin: String,
    /// The block in the top right corner ("Приложение 1 к …"), one line per item.
    #[serde(default)]
    pub header: Vec<Text>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// One PDF per language.
    PerLanguage,
    /// One PDF, Kazakh and Russian side by side.
    Bilingual,
}

/// The small set of components `templates/form.typ` implements.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Block {
    /// A centred bold line.
    Heading(Text),
    /// A label followed by the case value (or a line to fill in).
    Field(Box<Field>),
    /// Several fields on one line.
    Row(Vec<Field>),
    /// A sentence; a minijinja template over the case data.
    Paragraph(Text),
    /// Small print.
    Note(Text),
    /// A plain line of text; a minijinja template like `paragraph`.
    Line(Text),
    /// A numbered list from the case data (or blank numbered lines).
    List(ListBlock),
    Table(TableBlock),
    Signature(SignatureBlock),
    Qr(QrBlock),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub label: Text,
    pub value: Ref,
    /// Words printed after the value, where the language puts them there
    /// ("… азаматы(шасы)").
    #[serde(default)]
    pub after: Option<Text>,
    /// Caption printed under the line, e.g. "(должность, фамилия и инициалы)".
    #[serde(default)]
    pub hint: Option<Text>,
    /// The value may be absent in a case ("при его наличии"); it prints as "—".
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListBlock {
    pub label: Text,
    pub items: Ref,
    /// How many numbered lines a blank form prints.
    pub blank_lines: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableBlock {
    pub columns: Vec<Text>,
    pub rows: Vec<TableRow>,
    #[serde(default)]
    pub numbered: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRow {
    pub label: Text,
    pub values: Vec<Ref>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureBlock {
    pub label: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrBlock {
    pub caption: Option<Text>,
}

/// Everything under `rules/` and `forms/`, parsed but not yet cross-checked.
#[derive(Debug, Clone)]
pub struct RawProject {
    pub acts: Vec<(std::path::PathBuf, ActsFile)>,
    pub services: Vec<(std::path::PathBuf, Service)>,
    pub institutions: Vec<(std::path::PathBuf, InstitutionsFile)>,
    pub conventions: Vec<(std::path::PathBuf, ConventionsFile)>,
    pub calendars: Vec<(std::path::PathBuf, CalendarFile)>,
    pub forms: Vec<(std::path::PathBuf, Form)>,
}
