//! Stage 7, write: documents into files under `--out` only, and the manifest
//! that makes a rebuild render only what changed.

/// What each document of a build was made from, for incremental builds.
pub mod manifest;
pub mod output;
