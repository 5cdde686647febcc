//! qujat: rules of Kazakhstan's public services as YAML, decisions on cases,
//! and the services' documents as bilingual PDFs. See ARCHITECTURE.md.
//!
//! The pipeline, one module per stage:
//! [`load`] → [`validate`] → [`resolve`] → [`decide`] → [`compose`] →
//! [`render`] → [`output`]. [`project`] runs the stages for the commands.

pub mod calendar;
pub mod case;
/// Comparing two build output directories, for reviewing a rule change.
pub mod compare;
pub mod compose;
pub mod dates;
pub mod decide;
pub mod diag;
pub mod explain;
pub mod guard;
pub mod iin;
pub mod json_schema;
pub mod layout_check;
pub mod load;
/// What each document of a build was made from, for incremental builds.
pub mod manifest;
pub mod model;
pub mod mrz;
pub mod output;
pub mod project;
pub mod render;
pub mod resolve;
pub mod revision;
pub mod rules_diff;
pub mod schema;
/// `qujat serve`: the local web application over a project, with live reload.
pub mod serve;
pub mod text;
pub mod validate;
pub mod view;
pub mod yaml_path;
