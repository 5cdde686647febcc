//! The shape of the rule and form files, exactly as legal staff write them.
//!
//! Every struct denies unknown keys: a typo in a key is an error, never a rule
//! silently ignored. Fields that name another rule are [`Ref`]s, so a dangling
//! reference is reported at the line where it is written. [`view`] is the
//! shape of the values forms print.

pub mod view;

use crate::algo::calendar::CalendarFile;
use crate::base::text::{Citation, Lang, Text};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::fmt;

/// An identifier that points at another rule, with where it was written.
pub type Ref = Spanned<String>;

// ---------------------------------------------------------------- acts

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActsFile {
    pub acts: Vec<Act>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Act {
    #[schemars(with = "String")]
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
    #[schemars(with = "Option<String>")]
    pub amends: Option<Ref>,
    /// The act that repealed this one; it stops applying when that act
    /// enters into force. Status is derived from the dates, never stored,
    /// so it cannot disagree with them.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub repealed_by: Option<Ref>,
    pub title: Text,
    pub seed: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub number: String,
    pub date: Option<NaiveDate>,
}

/// When an act (or one of its changes) enters into force: a fixed date, or a
/// number of calendar days after first official publication. Exactly one.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryIntoForce {
    #[serde(default)]
    pub days_after_publication: Option<u32>,
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

// ---------------------------------------------------------------- services

/// `rules/services/*.yaml`: the rules of one service as one act adopted them.
/// A service may have several such files over time (order 144, then Rules
/// 258); the one whose act is in force on a date governs that date.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    #[schemars(with = "String")]
    pub service: Ref,
    #[schemars(with = "String")]
    pub act: Ref,
    /// Parts the act has but whose text is not in the seeds.
    #[serde(default)]
    pub missing: Vec<Missing>,
    pub rules: Parts,
}

/// What an act holds that the rules do not encode, and why: either parts of
/// the schema whose text is not in the seeds (`parts`), or a paragraph of the
/// act that is in the seeds but that no part holds (`cite` with `what`:
/// definitions, duties of the ministry, a signature requirement). `qujat
/// rules` lists both, so nothing is left out silently.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Missing {
    #[serde(default)]
    #[schemars(with = "Vec<Part>")]
    pub parts: Vec<Spanned<Part>>,
    #[serde(default)]
    pub cite: Option<Citation>,
    /// What the paragraph says, in a few words (ours).
    #[serde(default)]
    pub what: Option<String>,
    /// Kept with its place, where a problem with the entry is reported.
    #[schemars(with = "String")]
    pub why: Spanned<String>,
    /// For a paragraph of an amending act that enters into force on its own
    /// date (order 348's point 4), as a change's `in_force`.
    #[serde(default)]
    pub in_force: Option<EntryIntoForce>,
}

/// A paragraph of an act in force that the rules do not encode, as
/// `resolve` collects them for a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unencoded {
    pub cite: Citation,
    pub what: String,
    pub why: String,
}

/// `rules/amendments/*.yaml`: an amending act as written — what it replaces,
/// inserts and repeals in the rules of one service. The base file is never
/// edited when an amendment arrives.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentFile {
    #[schemars(with = "String")]
    pub act: Ref,
    #[schemars(with = "String")]
    pub service: Ref,
    #[schemars(with = "Vec<Change>")]
    pub changes: Vec<Spanned<Change>>,
    /// Paragraphs of the amending act that no change encodes, each with
    /// `cite`, `what` and `why`; listed from the act's entry into force.
    #[serde(default)]
    pub missing: Vec<Missing>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub cite: Citation,
    /// What the change does, in a few plain words (ours).
    #[serde(default)]
    pub summary: Option<String>,
    /// Overrides the act's entry into force for this change (orders that
    /// enter into force paragraph by paragraph).
    #[serde(default)]
    pub in_force: Option<EntryIntoForce>,
    /// Parts rewritten wholesale ("изложить в новой редакции").
    #[serde(default)]
    pub replace: Option<Parts>,
    /// Parts added, or items added to a list part ("дополнить").
    #[serde(default)]
    pub insert: Option<Parts>,
    /// Parts (`grounds`) or list items (`grounds.no-iin`) repealed.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub repeal: Vec<Spanned<String>>,
}

/// Declares the parts of a service's rules once: the YAML struct [`Parts`],
/// the [`Part`] names used by `missing:` and `repeal:`, and the generic
/// operations amendments need over every part.
macro_rules! parts {
    ($($(#[$doc:meta])* $name:ident: $ty:ty => $part:ident,)*) => {
        /// The parts of a service's rules; every one optional, because a
        /// base file or an amendment holds only some of them.
        #[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Parts {
            $($(#[$doc])* #[serde(default)] pub $name: Option<$ty>,)*
        }

        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, schemars::JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Part { $($part,)* }

        impl Part {
            pub const ALL: &'static [Part] = &[$(Part::$part,)*];
            pub fn name(self) -> &'static str {
                match self { $(Part::$part => stringify!($name),)* }
            }
        }

        impl Parts {
            /// The parts this value holds.
            pub fn present(&self) -> Vec<Part> {
                let mut v = vec![];
                $(if self.$name.is_some() { v.push(Part::$part); })*
                v
            }
            /// Overwrites every part `patch` holds; returns those parts.
            pub fn replace_from(&mut self, patch: &Parts) -> Vec<Part> {
                let mut v = vec![];
                $(if let Some(x) = &patch.$name { self.$name = Some(x.clone()); v.push(Part::$part); })*
                v
            }
            /// Adds every part `patch` holds: a new part, or new items of a
            /// list part. Errors name the part and what clashed.
            pub fn insert_from(&mut self, patch: &Parts) -> Vec<(Part, Result<(), String>)> {
                let mut v = vec![];
                $(if let Some(x) = &patch.$name {
                    let r = match &mut self.$name {
                        None => { self.$name = Some(x.clone()); Ok(()) }
                        Some(have) => PartValue::insert(have, x),
                    };
                    v.push((Part::$part, r));
                })*
                v
            }
            /// Repeals a whole part (`key` None) or one item of a list part.
            pub fn repeal(&mut self, part: Part, key: Option<&str>) -> Result<(), String> {
                match part {
                    $(Part::$part => match (key, &mut self.$name) {
                        (_, None) => Err(format!("the rules have no `{}` to repeal", stringify!($name))),
                        (None, slot) => { *slot = None; Ok(()) }
                        (Some(k), Some(have)) => PartValue::remove(have, k),
                    },)*
                }
            }
        }
    };
}

parts! {
    /// The service's name.
    title: Text => Title,
    /// Where the service's rules as a whole are cited from.
    cite: Citation => Cite,
    /// The paragraph stating what the rules are and on which law they rest.
    basis: Cited => Basis,
    provider: Cited => Provider,
    channels: Vec<Channel> => Channels,
    requests: Vec<Request> => Requests,
    term: Term => Term,
    max_wait_minutes: CitedNumber => MaxWaitMinutes,
    max_service_minutes: CitedNumber => MaxServiceMinutes,
    /// The form of delivery ("electronic and/or paper").
    service_form: Cited => ServiceForm,
    /// What the applicant receives.
    result: Cited => Result,
    fee: Fee => Fee,
    /// Working hours of the provider and channels, as the act words them.
    schedules: Vec<Schedule> => Schedules,
    documents: Vec<DocumentKind> => Documents,
    requirements: Vec<Requirement> => Requirements,
    legalization: Legalization => Legalization,
    intake_refusal: IntakeRefusal => IntakeRefusal,
    grounds: Vec<Ground> => Grounds,
    /// Procedure steps with their durations or due dates.
    steps: Vec<Step> => Steps,
    appeals: Vec<Appeal> => Appeals,
    /// The application form of each request.
    forms: ServiceForms => Forms,
    /// What a decision can end in, the documents each outcome produces and
    /// the values the engine computes for them.
    outcomes: Vec<OutcomeRule> => Outcomes,
    /// The case facts a case of the service carries beyond the engine's own
    /// (`src/schema/engine.yaml`), amendable fact by fact.
    facts: crate::schema::Schema => Facts,
    /// The limits the law sets (ages, numbers of MRP), read as `params.ID`.
    parameters: Vec<crate::schema::Parameter> => Parameters,
    /// Named, cited CEL expressions that documents' `when:` name.
    conditions: Vec<crate::schema::Condition> => Conditions,
}

impl Parts {
    /// Every bilingual text the parts hold, for the translation listing.
    pub fn texts(&self) -> Vec<&Text> {
        let mut v: Vec<&Text> = vec![];
        v.extend(&self.title);
        for c in [
            &self.basis,
            &self.provider,
            &self.service_form,
            &self.result,
        ]
        .into_iter()
        .flatten()
        {
            v.push(&c.text);
        }
        v.extend(self.term.as_ref().map(|t| &t.text));
        v.extend(self.fee.as_ref().map(|t| &t.text));
        v.extend(self.legalization.as_ref().map(|t| &t.text));
        v.extend(self.intake_refusal.as_ref().map(|t| &t.text));
        v.extend(
            self.intake_refusal
                .as_ref()
                .and_then(|t| t.expired_mark.as_ref()),
        );
        v.extend(self.channels.iter().flatten().map(|x| &x.name));
        v.extend(self.requests.iter().flatten().map(|x| &x.name));
        v.extend(self.schedules.iter().flatten().map(|x| &x.text));
        v.extend(self.documents.iter().flatten().map(|x| &x.name));
        v.extend(
            self.requirements
                .iter()
                .flatten()
                .flat_map(|r| &r.documents)
                .filter_map(|d| d.name.as_ref()),
        );
        for g in self.grounds.iter().flatten() {
            v.push(&g.text);
            v.extend(&g.until);
        }
        v.extend(self.steps.iter().flatten().map(|x| &x.text));
        v.extend(self.appeals.iter().flatten().map(|x| &x.text));
        v
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Part {
    type Err = String;
    fn from_str(s: &str) -> Result<Part, String> {
        Part::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Part::ALL.iter().map(|p| p.name()).collect();
                format!("unknown part `{s}` (parts: {})", names.join(", "))
            })
    }
}

/// How amendments add to and remove from one part.
pub trait PartValue {
    fn insert(&mut self, other: &Self) -> Result<(), String>;
    fn remove(&mut self, key: &str) -> Result<(), String>;
}

/// Items of list parts are identified by a key, so an amendment can name one.
pub trait Keyed {
    fn key(&self) -> String;
}

impl<T: Keyed + Clone> PartValue for Vec<T> {
    fn insert(&mut self, other: &Self) -> Result<(), String> {
        for item in other {
            let k = item.key();
            if self.iter().any(|x| x.key() == k) {
                return Err(format!("`{k}` is already there (use replace)"));
            }
            self.push(item.clone());
        }
        Ok(())
    }
    fn remove(&mut self, key: &str) -> Result<(), String> {
        let before = self.len();
        self.retain(|x| x.key() != key);
        if self.len() == before {
            let keys: Vec<String> = self.iter().map(Keyed::key).collect();
            return Err(format!(
                "there is no `{key}` (there are: {})",
                keys.join(", ")
            ));
        }
        Ok(())
    }
}

macro_rules! single_valued {
    ($($ty:ty),*) => {$(
        impl PartValue for $ty {
            fn insert(&mut self, _: &Self) -> Result<(), String> {
                Err("the part is already there; an amendment rewrites it with `replace`".into())
            }
            fn remove(&mut self, key: &str) -> Result<(), String> {
                Err(format!("the part has no items; `{key}` cannot be repealed on its own"))
            }
        }
    )*};
}
single_valued!(
    Text,
    Citation,
    Cited,
    Term,
    CitedNumber,
    Fee,
    Legalization,
    IntakeRefusal
);

macro_rules! keyed_by_id {
    ($($ty:ty),*) => {$(
        impl Keyed for $ty {
            fn key(&self) -> String { self.id.value.clone() }
        }
    )*};
}
keyed_by_id!(
    Channel,
    Request,
    OutcomeRule,
    DocumentKind,
    Ground,
    Step,
    crate::schema::Parameter,
    crate::schema::Condition,
    crate::schema::Fact
);

/// Facts are amended one by one, by id, like the items of a list part.
impl PartValue for crate::schema::Schema {
    fn insert(&mut self, other: &Self) -> Result<(), String> {
        PartValue::insert(&mut self.facts, &other.facts)
    }
    fn remove(&mut self, key: &str) -> Result<(), String> {
        PartValue::remove(&mut self.facts, key)
    }
}

impl Keyed for Schedule {
    fn key(&self) -> String {
        self.id.clone()
    }
}
impl Keyed for Appeal {
    fn key(&self) -> String {
        self.id.clone()
    }
}
impl Keyed for Requirement {
    fn key(&self) -> String {
        format!("{}/{}", self.request.value, self.channel.value)
    }
}

impl PartValue for ServiceForms {
    fn insert(&mut self, other: &Self) -> Result<(), String> {
        for (req, f) in &other.application {
            if self.application.insert(req.clone(), f.clone()).is_some() {
                return Err(format!(
                    "`application.{req}` is already there (use replace)"
                ));
            }
        }
        Ok(())
    }
    fn remove(&mut self, key: &str) -> Result<(), String> {
        let gone = key
            .strip_prefix("application.")
            .is_some_and(|r| self.application.remove(r).is_some());
        if gone {
            Ok(())
        } else {
            Err(format!("there is no form `{key}`"))
        }
    }
}

/// A service's rules as consolidated for one date by `resolve`: the base
/// file with every amendment in force applied.
#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    /// Every version has a name and a citation; `resolve` refuses one without.
    pub title: Text,
    pub cite: Citation,
    pub rules: Parts,
    /// Parts in force whose text is not in the seeds, with why.
    pub missing: std::collections::BTreeMap<Part, String>,
    /// Paragraphs of the acts in force that no part holds, with why.
    pub unencoded: Vec<Unencoded>,
    /// The file each part's text was taken from.
    pub origin: std::collections::BTreeMap<Part, (std::path::PathBuf, String)>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cited {
    pub text: Text,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CitedNumber {
    pub value: u32,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub name: Text,
    pub cite: Citation,
    /// Applications are accepted only at the institutions of `rules/institutions.yaml`.
    #[serde(default)]
    pub institutions: bool,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub name: Text,
    /// Where the act says how (through which channels) the request is made.
    #[serde(default)]
    pub cite: Option<Citation>,
    /// The act has the applicant make the request in person ("лично
    /// обращается", said at `cite`): a case filed by a representative
    /// cannot be decided under it.
    #[serde(default)]
    pub in_person: bool,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub working_days: u32,
    pub application_day_counted: bool,
    /// Set when the act does not say whether the day of application counts:
    /// how `application_day_counted` was decided then, and on what basis.
    /// Every due date computed from the term says so.
    #[serde(default)]
    pub counting_when_silent: Option<String>,
    pub text: Text,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub free: bool,
    /// The state duty in monthly calculation indices (МРП/АЕК), converted
    /// to tenge with the index of the year of application.
    #[serde(default)]
    pub mrp: Option<u32>,
    /// A duty set in tenge rather than in MRP.
    #[serde(default)]
    pub tenge: Option<u64>,
    pub text: Text,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub id: String,
    pub text: Text,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentKind {
    #[schemars(with = "String")]
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

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    #[schemars(with = "String")]
    pub request: Ref,
    #[schemars(with = "String")]
    pub channel: Ref,
    pub cite: Citation,
    pub documents: Vec<RequiredDocument>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    #[schemars(with = "String")]
    pub document: Ref,
    /// The id of a condition of the service's `conditions:`; the document
    /// is required only when it holds.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<Ref>,
    /// The list's own wording of the document, where it differs from the
    /// document's name (order 146 spells the translation "ноториально-
    /// заверенный" in the correction list only); kept, not corrected.
    #[serde(default)]
    pub name: Option<Text>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Legalization {
    pub text: Text,
    #[schemars(with = "Vec<String>")]
    pub exempt_conventions: Vec<Ref>,
    pub cite: Citation,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRefusal {
    pub text: Text,
    pub cite: Citation,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub form: Option<Ref>,
    /// Words printed after the name of an expired document in the receipt's
    /// list, where the act's form has one list for every document it
    /// refuses (order 146, appendix 5).
    #[serde(default)]
    pub expired_mark: Option<Text>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ground {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    #[schemars(with = "Vec<String>")]
    pub requests: Vec<Ref>,
    pub text: Text,
    /// How long the ground keeps applying ("… – until the debt is paid").
    #[serde(default)]
    pub until: Option<Text>,
    #[serde(default)]
    pub note: Option<String>,
    /// Findings of the passport MRZ check fall under this ground, for the
    /// operator to confirm (pilot Algorithm p. 12 1)).
    #[serde(default)]
    pub identity_checks: bool,
    pub cite: Citation,
}

/// A step of the procedure: how long it takes, or by when it is due.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub text: Text,
    pub cite: Citation,
    /// The channel whose procedure the step belongs to, if the act separates them.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub channel: Option<Ref>,
    #[serde(default)]
    pub duration: Option<Duration>,
    #[serde(default)]
    pub due: Option<Due>,
}

/// A step's length; exactly one unit.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Duration {
    #[serde(default)]
    pub minutes: Option<u32>,
    #[serde(default)]
    pub hours: Option<u32>,
    #[serde(default)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub calendar_days: Option<u32>,
}

/// A step's due date in working days, counted back from the end of the term
/// (`before: term-end`) or forward from the application or another step.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Due {
    pub working_days: u32,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub before: Option<Ref>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub after: Option<Ref>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Appeal {
    pub id: String,
    #[serde(default)]
    pub working_days: Option<u32>,
    pub text: Text,
    pub cite: Citation,
}

/// The form an applicant fills in, per request: printed for every case of
/// the request, whatever its outcome. The documents of each outcome are
/// the outcome's (`outcomes:`).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceForms {
    /// Application form per request id.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub application: std::collections::BTreeMap<String, Ref>,
}

/// Where the engine's procedure ends: intake (the package), then the
/// grounds for refusal, then the result. Every decision reaches exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    /// The package was accepted and the result is not yet recorded.
    Accepted,
    /// Acceptance refused: documents missing, expired or not legalized.
    RefusedAtIntake,
    /// The service refused on grounds the operator found.
    Refused,
    /// The result is recorded (`result:` in the case).
    Completed,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 4] = [
        OutcomeKind::Accepted,
        OutcomeKind::RefusedAtIntake,
        OutcomeKind::Refused,
        OutcomeKind::Completed,
    ];

    /// The name written in rule files.
    pub fn id(self) -> &'static str {
        match self {
            OutcomeKind::Accepted => "accepted",
            OutcomeKind::RefusedAtIntake => "refused-at-intake",
            OutcomeKind::Refused => "refused",
            OutcomeKind::Completed => "completed",
        }
    }
}

/// The engine's named algorithms an outcome can apply; what each puts in
/// the view its documents print is listed by `qujat check --list-data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Builtin {
    /// Forms an IIN from the applicant's birth date and sex and the case's
    /// `result.iin_serial` (the check digit of `iin`): `iin`.
    Iin,
    /// The last day of the service's term in working days: `due_date`.
    Deadline,
    /// The state duty of `fee:` in tenge for the year of application: `duty`.
    Duty,
}

impl Builtin {
    pub fn id(self) -> &'static str {
        match self {
            Builtin::Iin => "iin",
            Builtin::Deadline => "deadline",
            Builtin::Duty => "duty",
        }
    }
}

/// One outcome of the service: the stage it ends at, the documents it
/// produces and what the engine computes for them. Several outcomes may end
/// at one stage, told apart by `when:` (the first that holds; the last of a
/// stage has no `when:`).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRule {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The stage: `accepted`, `refused-at-intake`, `refused`, `completed`.
    #[schemars(with = "OutcomeKind")]
    pub on: Spanned<OutcomeKind>,
    /// A condition (`conditions:`) that must hold for this outcome.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<Ref>,
    /// The forms of the documents this outcome produces, in this order.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub forms: Vec<Ref>,
    /// The engine's algorithms applied for these documents.
    #[serde(default)]
    #[schemars(with = "Vec<Builtin>")]
    pub computes: Vec<Spanned<Builtin>>,
    /// Said with every decision that reaches this outcome: which document
    /// the act provides that no form here gives, and why.
    #[serde(default)]
    pub forms_not_encoded: Option<String>,
    pub cite: Citation,
}

impl OutcomeRule {
    pub fn computes(&self, b: Builtin) -> bool {
        self.computes.iter().any(|c| c.value == b)
    }

    /// `completed when long-permit: angling-permit; computes deadline, duty`,
    /// for `qujat rules` and the rules diff.
    pub fn summary(&self) -> String {
        let forms: Vec<&str> = self.forms.iter().map(|f| f.value.as_str()).collect();
        let computes: Vec<&str> = self.computes.iter().map(|c| c.value.id()).collect();
        let mut out = self.on.value.id().to_string();
        if let Some(w) = &self.when {
            out.push_str(&format!(" when {}", w.value));
        }
        out.push_str(": ");
        out.push_str(&if forms.is_empty() {
            "no form".to_string()
        } else {
            forms.join(", ")
        });
        if !computes.is_empty() {
            out.push_str(&format!("; computes {}", computes.join(", ")));
        }
        out
    }
}

// ---------------------------------------------------------------- reference data

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstitutionsFile {
    pub institutions: Vec<Institution>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    #[schemars(with = "u32")]
    pub number: Spanned<u32>,
    pub name: Text,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConventionsFile {
    pub conventions: Vec<Convention>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Convention {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub name: Text,
    pub source: String,
    /// Whether `parties` is known to list every party. When it is not,
    /// `decide` says so wherever the list decides a case, instead of
    /// treating the states not listed as certainly not parties.
    pub parties_complete: bool,
    /// What is and is not known about the parties.
    #[serde(default)]
    pub parties_note: Option<String>,
    pub parties: Vec<Party>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
        self.documents()
            .iter()
            .any(|d| d.identity && d.id.value == document)
    }

    /// A document's name as the list of `request` through `channel` words
    /// it, else the document's own name, else its id.
    pub fn document_name(&self, request: &str, channel: &str, id: &str, lang: Lang) -> String {
        let in_list = self
            .requirements()
            .iter()
            .filter(|r| r.request.value == request && r.channel.value == channel)
            .flat_map(|r| &r.documents)
            .find(|d| d.document.value == id)
            .and_then(|d| d.name.as_ref());
        in_list
            .or_else(|| {
                self.documents()
                    .iter()
                    .find(|d| d.id.value == id)
                    .map(|d| &d.name)
            })
            .map(|t| t.get(lang).to_string())
            .unwrap_or_else(|| id.to_string())
    }

    pub fn channels(&self) -> &[Channel] {
        self.rules.channels.as_deref().unwrap_or_default()
    }
    pub fn requests(&self) -> &[Request] {
        self.rules.requests.as_deref().unwrap_or_default()
    }
    pub fn documents(&self) -> &[DocumentKind] {
        self.rules.documents.as_deref().unwrap_or_default()
    }
    pub fn requirements(&self) -> &[Requirement] {
        self.rules.requirements.as_deref().unwrap_or_default()
    }
    pub fn grounds(&self) -> &[Ground] {
        self.rules.grounds.as_deref().unwrap_or_default()
    }
    pub fn steps(&self) -> &[Step] {
        self.rules.steps.as_deref().unwrap_or_default()
    }
    pub fn outcomes(&self) -> &[OutcomeRule] {
        self.rules.outcomes.as_deref().unwrap_or_default()
    }
    pub fn conditions(&self) -> &[crate::schema::Condition] {
        self.rules.conditions.as_deref().unwrap_or_default()
    }
    pub fn parameters(&self) -> &[crate::schema::Parameter] {
        self.rules.parameters.as_deref().unwrap_or_default()
    }
    /// What a case of the service holds: the engine's facts and the
    /// service's own.
    pub fn case_schema(&self) -> crate::schema::Schema {
        self.rules.facts.clone().unwrap_or_default().with_engine()
    }

    /// Why a part the caller needs is absent: its text is not in the seeds,
    /// or the act has no such part.
    pub fn absent(&self, part: Part) -> String {
        match self.missing.get(&part) {
            Some(why) => format!(
                "`{part}` of service `{}` in force on this date is not encoded: {why}",
                self.id
            ),
            None => format!(
                "the rules of service `{}` in force on this date have no `{part}`",
                self.id
            ),
        }
    }
}

impl Convention {
    pub fn binds(&self, state: &str, on: NaiveDate) -> bool {
        self.parties.iter().any(|p| {
            p.state == state && p.since.is_none_or(|s| s <= on) && p.until.is_none_or(|u| on < u)
        })
    }
}

/// `rules/mrp.yaml`: the monthly calculation index by year, in which state
/// duties are set.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MrpFile {
    pub mrp: Vec<MrpYear>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MrpYear {
    #[schemars(with = "i32")]
    pub year: Spanned<i32>,
    pub tenge: u32,
    pub source: String,
}

// ---------------------------------------------------------------- forms

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Form {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    #[schemars(with = "String")]
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

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// One PDF per language.
    PerLanguage,
    /// One PDF, Kazakh and Russian side by side.
    Bilingual,
    /// One PDF, every label printed "Kazakh / Russian" as the original does.
    Interleaved,
}

/// The small set of components `templates/form.typ` implements.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
    /// A group of checkboxes; the case value names the ticked option(s).
    Choice(ChoiceBlock),
    /// A table with one row per item of a list in the case data.
    Records(RecordsBlock),
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceBlock {
    pub label: Text,
    #[schemars(with = "String")]
    pub value: Ref,
    /// The options with the form's own printed labels ("2. Жұмысқа
    /// байланысты"); their ids must be the fact's options exactly. Left out,
    /// the options and labels are the fact's (`check` fills them in).
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
    /// Several options may be ticked; the case value is a list.
    #[serde(default)]
    pub multiple: bool,
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub label: Text,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsBlock {
    pub label: Text,
    #[schemars(with = "String")]
    pub items: Ref,
    pub columns: Vec<RecordColumn>,
    /// Empty rows a blank form prints.
    pub blank_rows: u32,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordColumn {
    pub label: Text,
    /// The key inside one item of the list.
    #[schemars(with = "String")]
    pub value: Ref,
    /// The labels of the options when the key is an option fact: the cell
    /// prints the label, not the id (filled in by `check`).
    #[serde(skip)]
    pub options: Vec<ChoiceOption>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub label: Text,
    #[schemars(with = "String")]
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
    /// The labels of the options when the value is an option fact: the
    /// field prints the label, not the id (filled in by `check`).
    #[serde(skip)]
    pub options: Vec<ChoiceOption>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListBlock {
    pub label: Text,
    #[schemars(with = "String")]
    pub items: Ref,
    /// How many numbered lines a blank form prints.
    pub blank_lines: u32,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableBlock {
    pub columns: Vec<Text>,
    pub rows: Vec<TableRow>,
    #[serde(default)]
    pub numbered: bool,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableRow {
    pub label: Text,
    #[schemars(with = "Vec<String>")]
    pub values: Vec<Ref>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureBlock {
    pub label: Text,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QrBlock {
    pub caption: Option<Text>,
}

impl Form {
    /// Every text of the form, in the order it is written.
    pub fn texts(&self) -> Vec<&Text> {
        let mut v: Vec<&Text> = vec![&self.title];
        v.extend(&self.header);
        for b in &self.blocks {
            match b {
                Block::Heading(t) | Block::Paragraph(t) | Block::Line(t) | Block::Note(t) => {
                    v.push(t)
                }
                Block::Field(f) => v.extend(f.texts()),
                Block::Row(fs) => fs.iter().for_each(|f| v.extend(f.texts())),
                Block::List(l) => v.push(&l.label),
                Block::Table(t) => {
                    v.extend(&t.columns);
                    v.extend(t.rows.iter().map(|r| &r.label));
                }
                Block::Signature(s) => v.push(&s.label),
                Block::Choice(c) => {
                    v.push(&c.label);
                    v.extend(c.options.iter().map(|o| &o.label));
                }
                Block::Records(r) => {
                    v.push(&r.label);
                    v.extend(r.columns.iter().map(|c| &c.label));
                }
                Block::Qr(q) => v.extend(&q.caption),
            }
        }
        v
    }
}

impl Field {
    fn texts(&self) -> impl Iterator<Item = &Text> {
        std::iter::once(&self.label)
            .chain(&self.after)
            .chain(&self.hint)
    }
}

impl RawProject {
    /// Every bilingual text of the project with the file it is written in.
    pub fn texts(&self) -> Vec<(&std::path::Path, &Text)> {
        let mut v: Vec<(&std::path::Path, &Text)> = vec![];
        for (file, f) in &self.acts {
            v.extend(f.acts.iter().map(|a| (file.as_path(), &a.title)));
        }
        for (file, f) in &self.institutions {
            v.extend(f.institutions.iter().map(|i| (file.as_path(), &i.name)));
        }
        for (file, f) in &self.conventions {
            v.extend(f.conventions.iter().map(|c| (file.as_path(), &c.name)));
        }
        for (file, s) in &self.services {
            v.extend(s.rules.texts().into_iter().map(|t| (file.as_path(), t)));
        }
        for (file, a) in &self.amendments {
            for c in &a.changes {
                for parts in [&c.value.replace, &c.value.insert].into_iter().flatten() {
                    v.extend(parts.texts().into_iter().map(|t| (file.as_path(), t)));
                }
            }
        }
        for (file, f) in &self.forms {
            v.extend(f.texts().into_iter().map(|t| (file.as_path(), t)));
        }
        v
    }
}

/// Everything under `rules/` and `forms/`, parsed but not yet cross-checked.
#[derive(Debug, Clone)]
pub struct RawProject {
    pub acts: Vec<(std::path::PathBuf, ActsFile)>,
    pub services: Vec<(std::path::PathBuf, ServiceFile)>,
    pub amendments: Vec<(std::path::PathBuf, AmendmentFile)>,
    pub mrp: Vec<(std::path::PathBuf, MrpFile)>,
    pub institutions: Vec<(std::path::PathBuf, InstitutionsFile)>,
    pub conventions: Vec<(std::path::PathBuf, ConventionsFile)>,
    pub calendars: Vec<(std::path::PathBuf, CalendarFile)>,
    pub forms: Vec<(std::path::PathBuf, Form)>,
}
