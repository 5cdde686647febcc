//! The named built-in algorithms rule files refer to: the IIN and its check
//! digit, the passport's machine-readable zone, and working days under the
//! Law "On holidays". They know no service; the rules say where they apply.

pub mod calendar;
pub mod iin;
pub mod mrz;
