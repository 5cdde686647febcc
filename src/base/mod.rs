//! What every layer shares and that knows nothing of services: bilingual
//! texts and citations, diagnostics with their file, line and column, key
//! paths of YAML values, YAML parsing into located errors, dates written out
//! in Kazakh and Russian, and the digest used to name inputs.

pub mod dates;
pub mod diag;
pub mod digest;
pub mod text;
pub mod yaml;
pub mod yaml_path;
