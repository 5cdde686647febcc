//! qujat: rules of Kazakhstan's public services as YAML, decisions on cases,
//! and the services' documents as bilingual PDFs. See ARCHITECTURE.md.
//!
//! The folders follow the pipeline, each stage importing only the ones
//! before it:
//!
//! [`load`] → [`validate`] → [`resolve`] → [`decide`] → [`compose`] →
//! [`render`] → [`write`]; [`project`] runs the stages for the commands.
//!
//! Below the stages: [`base`] (texts, diagnostics, YAML positions, dates in
//! words), [`algo`] (the named built-in algorithms: IIN, passport MRZ,
//! working days), [`schema`] (services as data: case facts, conditions,
//! parameters) and [`model`] (the types of rule and form files and of the
//! values forms print). Above them, for people: [`review`] (explain, rules
//! diff, output comparison, JSON Schemas) and [`serve`].

pub mod algo;
pub mod base;
pub mod compose;
pub mod decide;
pub mod load;
pub mod model;
pub mod project;
pub mod render;
pub mod resolve;
pub mod review;
pub mod schema;
/// `qujat serve`: the local web application over a project, with live reload.
pub mod serve;
pub mod validate;
pub mod write;
