//! Services as data: the case facts a service declares, the conditions it
//! decides on and the limits the law sets, all in YAML; no service knowledge
//! in Rust.
//!
//! # What the engine keeps, what a schema declares
//!
//! The engine keeps what every service shares and its own algorithms: a
//! case's `id`, `service`, `request`, `channel`, `date`, the applicant's
//! identity, the documents presented, findings, a representative and the
//! result; the IIN check digit ([`crate::iin`]), the passport MRZ
//! ([`crate::mrz`]), the working-day calendar ([`crate::calendar`]).
//!
//! Everything else a service needs is declared in its file, as parts that
//! amendments replace, insert and repeal by id like any other:
//!
//! - `facts:` ([`Schema`]) — the case keys of the service, each typed
//!   (text, bilingual, date, bool, integer, option, list, record, iin, mrz,
//!   country), required or `optional`, labelled in Kazakh and Russian and
//!   cited where the law names it. A form binds only to these paths; a
//!   choice takes its options and labels from here.
//! - `parameters:` ([`Parameter`]) — the limits the law sets (16, 10, 18
//!   years; N MRP), cited, so an amending act changes a number by replacing
//!   a parameter, dated by that act's entry into force.
//! - `conditions:` ([`Condition`]) — named, cited CEL expressions over the
//!   facts and `params` that documents' `when:` and grounds refer to.
//!
//! # The stages
//!
//! | stage | call | gives |
//! |---|---|---|
//! | load | serde-saphyr, as for every rule file | [`Schema`], [`Condition`]s, [`Parameter`]s |
//! | validate (`check`) | [`Schema::check`], [`check_parameters`], [`compile`] with an [`Env`] | [`Compiled`] conditions, or diagnostics at the expression's file line and column |
//! | load a case | [`read_case`] with the service's schema | [`Facts`]: typed values with their case lines, or every mistake at once |
//! | decide | [`Compiled::eval`] with a [`Scope`] (facts, parameters, case date, calendar) | a [`Verdict`]: holds or not, and the values read with their case lines, for `explain` |
//! | compose | [`Facts::get`], [`Value::show`], [`Record::to_json`] | the values a form prints |
//!
//! Case facts are read twice: the engine's own keys by serde into
//! [`crate::case::Case`], the service's by [`read_case`], which skips the
//! keys the engine names (`engine_keys`).

pub mod conditions;
pub mod expr;
pub mod facts;
pub mod tree;
pub mod values;

pub use conditions::{Compiled, Condition, Parameter, Verdict, check_parameters, compile, params};
pub use expr::{Env, ExprError, Expression, Param, Read, Scope};
pub use facts::{Choice, Fact, Kind, Schema};
pub use values::{Facts, Item, Record, Value, read_case};
