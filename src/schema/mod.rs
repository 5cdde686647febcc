//! Services as data: the case facts a service declares, the conditions it
//! decides on and the limits the law sets, all in YAML; no service knowledge
//! in Rust.
//!
//! # What the engine keeps, what a schema declares
//!
//! The engine keeps what every service shares and its own algorithms: a
//! case's `id`, `service`, `request`, `channel`, `date`, the applicant's
//! identity, the documents presented, findings, a representative and the
//! result; the IIN check digit ([`crate::algo::iin`]), the passport MRZ
//! ([`crate::algo::mrz`]), the working-day calendar ([`crate::algo::calendar`]).
//!
//! The engine's case facts are themselves declared, in
//! `src/schema/engine.yaml` ([`engine`]), so a case is checked as a whole —
//! every mistake at once — and conditions and forms read `applicant.birth_date`
//! or `representative` exactly as they read a service's facts.
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
//! | load a case | [`read_case`] with [`Schema::with_engine`] of the service's facts | [`Facts`]: typed values with their case lines, or every mistake at once |
//! | decide | [`Compiled::eval`] with a [`Scope`] (facts, parameters, case date, calendar) | a [`Verdict`]: holds or not, and the values read with their case lines, for `explain` |
//! | compose | [`Facts::get`], [`Value::show`], [`Record::to_json`] | the values a form prints |
//!
//! `case::Case` still reads the keys every service shares with serde (all
//! declared in `engine.yaml` too); [`read_case`] can skip top-level keys it
//! is told are read elsewhere (`read_elsewhere`), which no service needs
//! now.
//!
//! # Wiring, step by step
//!
//! Steps 1–6 are done (`model::Parts`, `validate::check_conditions`,
//! `decide`, `validate::check_form` and `view`, `review::json_schema`);
//! `check` decides, so reads, every case in `cases/`.
//!
//! 1. `model::Parts` gains `facts: Schema`, `parameters: Vec<Parameter>`,
//!    `conditions: Vec<Condition>` (keyed by id for amendments, like
//!    `grounds`).
//! 2. `validate`, for every consolidated state: [`Schema::check`] and
//!    [`Schema::engine_clashes`] on the facts, [`check_parameters`], then
//!    [`compile`] the conditions against `facts.with_engine()` and
//!    [`params`] (the file's text comes from `Sources`); a `when:` or a
//!    ground names a condition id that must be among the compiled ones.
//! 3. `decide` (first thing after resolving the rules): [`read_case`] with
//!    the service's `facts.with_engine()` of the case's date.
//! 4. `decide`: a [`Scope`] of the case's [`Facts`], the parameters in
//!    force, the case date and the calendar; [`Compiled::eval`] replaces
//!    `holds()`, and each [`Read`] becomes a `Fact` of the `Reason` (path,
//!    value, case line).
//! 5. `compose`: form bindings are schema paths ([`Schema::find`],
//!    [`Schema::paths`] for `--list-data`) or values computed for every
//!    decision (`view::View`); a value prints with [`Value::show`] (a date
//!    written out); a choice block takes [`Fact::options`].
//! 6. `qujat schema SERVICE` prints [`Schema::reference`]; a JSON Schema of
//!    the service's case files ([`Schema::json_schema`]) lets an editor
//!    complete and check them.

pub mod conditions;
pub mod expr;
pub mod facts;
pub mod reference;
pub mod tree;
pub mod values;

pub use conditions::{
    Compiled, CompiledCache, Condition, Parameter, Verdict, check_parameters, compile, params,
};
pub use expr::{Env, ExprError, Expression, Param, Read, Scope};
pub use facts::{Choice, Fact, Kind, Schema, engine};
pub use values::{Facts, Item, Record, Value, read_case};
