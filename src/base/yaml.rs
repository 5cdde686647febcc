//! YAML text into typed values, a parse error into a diagnostic at the
//! file, line and column the parser reports, in words legal staff read.

use crate::base::diag::Diagnostic;
use crate::base::yaml_path::KeyPaths;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Parses YAML text into `T`, turning a parse error into a diagnostic with the
/// file, line and column the parser reports.
pub fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, Diagnostic> {
    let options = serde_saphyr::options! {
        // `guard::check_values` reports merge keys with their place; this
        // keeps them out even where that check is not run.
        merge_keys: serde_saphyr::options::MergeKeyPolicy::Error,
    };
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line() as u32, l.column() as u32))
            .unwrap_or((1, 1));
        let mut msg = plain_message(&e);
        // Name the key when the message is about one written at this position.
        let key = text
            .lines()
            .nth((line as usize).saturating_sub(1))
            .map(|l| {
                l.chars()
                    .skip(column.saturating_sub(1) as usize)
                    .collect::<String>()
            })
            .and_then(|rest| rest.split_once(':').map(|(k, _)| k.trim().to_string()))
            .filter(|k| !k.is_empty() && !k.contains([' ', '"', '{']));
        if let (Some(k), true) = (key, msg.starts_with("this key is written twice")) {
            msg = format!("the key `{k}` is written twice in the same mapping; keep one");
        }
        let mut d = Diagnostic::error(file, line, column, msg);
        // A missing key is reported at the first key of its mapping: the
        // path is the mapping's, not that key's.
        if d.message.contains("is missing")
            && let Some(p) = KeyPaths::new(text).at(line, column)
        {
            d.path = p
                .rsplit_once('.')
                .map(|(m, _)| m.to_string())
                .unwrap_or_default();
        }
        d
    })
}

/// The parser's message without its own snippet (we print our own), with the
/// common cases reworded for people who do not read serde errors.
fn plain_message(e: &serde_saphyr::Error) -> String {
    let raw = e.without_snippet().to_string();
    let first = raw.lines().next().unwrap_or("").trim().to_string();
    let msg = first
        .split_once(" at line ")
        .map(|(m, _)| m.to_string())
        .unwrap_or(first);
    if let serde_saphyr::Error::ExternalMessage { source, .. } = e.without_snippet()
        && let serde_saphyr::ExternalMessageSource::Parser(_) = **source
    {
        let tabs = msg.contains("tab");
        return format!(
            "YAML syntax error: {msg}{}",
            if tabs {
                " (indent with spaces, never tabs)"
            } else {
                ""
            }
        );
    }
    if let Some(field) = between(&msg, "missing field `", "`") {
        return match field {
            "kk" => "the Kazakh text (`kk`) is missing".into(),
            "ru" => "the Russian text (`ru`) is missing".into(),
            f => format!("required key `{f}` is missing"),
        };
    }
    if let Some(field) = between(&msg, "unknown field `", "`") {
        let expected = msg
            .split_once("expected ")
            .map(|(_, e)| format!(" (expected {e})"))
            .unwrap_or_default();
        return format!("unknown key `{field}`{expected}");
    }
    if msg.starts_with("duplicate mapping key") {
        return "this key is written twice in the same mapping; keep one".into();
    }
    // chrono's date parse errors.
    if [
        "input is out of range",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
    ]
    .contains(&msg.as_str())
    {
        return format!("not a valid date ({msg}); write dates as YYYY-MM-DD, e.g. 2026-07-12");
    }
    if let Some(kind) = msg.strip_prefix("invalid ")
        && matches!(kind, "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "usize")
    {
        return "expected a whole number here".into();
    }
    msg
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &s[s.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}
