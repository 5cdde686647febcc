//! Views for people, outside the pipeline's flow: they read what the
//! stages produce and add no stage.

/// Comparing two build output directories, for reviewing a rule change.
pub mod compare;
pub mod explain;
pub mod json_schema;
pub mod revision;
pub mod rules_diff;
