//! What every file qujat reads must satisfy before it is parsed, and the
//! shape of every id that becomes part of a path.
//!
//! Rules, forms and templates come from the project directory, cases from
//! offices and other systems: none of it is trusted. A file is read only if
//! it is a regular file (never through a symbolic link inside the project, a
//! FIFO or a device), up to [`MAX_FILE_BYTES`]; its text must be UTF-8; its
//! YAML values may not hold control or invisible format characters (a
//! printed document must show what was typed), and a case value is at most
//! [`MAX_VALUE_CHARS`] characters long. Every refusal is a [`Diagnostic`] at
//! the file, line and column of the value at fault.

use crate::base::diag::Diagnostic;
use granit_parser::{Event, Parser, ScalarStyle};
use std::io::Read;
use std::path::Path;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The largest rule, form, template or case file read, in bytes. The
/// largest rule file today is under 70 KiB; a case file is a few KiB.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The longest single value a case may hold, in characters. The longest
/// value any form prints (an address, a workplace) fits several times over;
/// a longer one is a mistake or an attack, refused before anything is laid
/// out.
pub const MAX_VALUE_CHARS: usize = 2_000;

/// How ids that become file or directory names are written, for messages.
pub const RULE_ID_PATTERN: &str = "lower-case Latin letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64 characters";
pub const CASE_ID_PATTERN: &str = "Latin letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64 characters";

/// Whether links may be followed to reach the file: only for a path the
/// user typed; never for a file found inside the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Refuse,
    Follow,
}

/// Reads `path` as UTF-8 text, refusing links (with [`Links::Refuse`]),
/// anything but a regular file, files over [`MAX_FILE_BYTES`] and bytes that
/// are not UTF-8. Diagnostics name `shown`, the path as the user knows it.
pub fn read_text(path: &Path, shown: &Path, links: Links) -> Result<String, Diagnostic> {
    let refuse = |msg: String| Diagnostic::error(shown, 1, 1, msg);
    if links == Links::Refuse {
        let meta = std::fs::symlink_metadata(path)
            .map_err(|e| refuse(format!("cannot read file: {e}")))?;
        if meta.file_type().is_symlink() {
            return Err(refuse(
                "this is a symbolic link: qujat reads only regular files inside the project; copy the file in instead".into(),
            ));
        }
    }
    let mut file = open(path, links).map_err(|e| refuse(format!("cannot read file: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| refuse(format!("cannot read file: {e}")))?;
    if !meta.is_file() {
        return Err(refuse(
            "this is not a regular file (a device, a pipe or a directory); qujat reads only regular files".into(),
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(too_large(meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow between the check and the read.
    file.by_ref()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(format!("cannot read file: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refuse(too_large(bytes.len() as u64)));
    }
    utf8(bytes, shown)
}

/// The text of bytes that did not come from a file (a case posted to
/// `qujat serve`), under the same size and UTF-8 rules as [`read_text`].
pub fn text_of(bytes: Vec<u8>, shown: &Path) -> Result<String, Diagnostic> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            shown,
            1,
            1,
            too_large(bytes.len() as u64),
        ));
    }
    utf8(bytes, shown)
}

fn too_large(len: u64) -> String {
    format!("the file is {len} bytes; qujat reads files of at most {MAX_FILE_BYTES} bytes (1 MiB)")
}

#[cfg(unix)]
fn open(path: &Path, links: Links) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // A FIFO would block the open itself (its type is checked once opened);
    // a link swapped in after the check above is refused here too.
    let mut flags = libc::O_NONBLOCK;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path, _links: Links) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// The text of `bytes`, or an error at the line and column of the first
/// byte that is not UTF-8.
fn utf8(bytes: Vec<u8>, shown: &Path) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // Everything before the bad byte is valid UTF-8.
        let before = std::str::from_utf8(good).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        Diagnostic::error(
            shown,
            line as u32,
            column as u32,
            format!(
                "byte 0x{:02X} is not UTF-8: save the file as UTF-8",
                e.as_bytes()[good.len()]
            ),
        )
    })
}

/// What a value is checked for.
#[derive(Debug, Clone, Copy)]
pub struct ValueRules {
    /// The longest value allowed, in characters; `None` for rule texts,
    /// whose length the law decides.
    pub max_chars: Option<usize>,
}

impl ValueRules {
    pub const RULES: ValueRules = ValueRules { max_chars: None };
    pub const CASE: ValueRules = ValueRules {
        max_chars: Some(MAX_VALUE_CHARS),
    };
}

/// Checks every scalar of a YAML text: no control characters but the line
/// break, no invisible format characters (bidirectional overrides,
/// zero-width spaces), no merge keys (`<<`), and the length limit. Returns
/// every problem, each at the line and column where its value starts. A
/// syntax error ends the walk quietly: the parser reports it.
pub fn check_values(text: &str, file: &Path, rules: ValueRules) -> Vec<Diagnostic> {
    let mut out = vec![];
    // Whether the next scalar of each open mapping is a key.
    let mut keys: Vec<Option<bool>> = vec![];
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { break };
        let (line, column) = (span.start.line() as u32, span.start.col() as u32 + 1);
        let is_key = match keys.last_mut() {
            Some(Some(next_is_key)) => {
                let k = *next_is_key;
                if matches!(
                    event,
                    Event::Scalar(..)
                        | Event::MappingStart(..)
                        | Event::SequenceStart(..)
                        | Event::Alias(..)
                ) {
                    *next_is_key = !k;
                }
                k
            }
            _ => false,
        };
        match event {
            Event::MappingStart(..) => keys.push(Some(true)),
            Event::SequenceStart(..) => keys.push(None),
            Event::MappingEnd | Event::SequenceEnd => {
                keys.pop();
            }
            Event::Scalar(value, style, ..) => {
                if is_key && style == ScalarStyle::Plain && value == "<<" {
                    out.push(Diagnostic::error(
                        file,
                        line,
                        column,
                        "YAML merge keys (`<<`) are not accepted: they let a key be given twice with one silently winning; write each key out",
                    ));
                    continue;
                }
                if let Some(msg) = value_problem(&value, rules) {
                    out.push(Diagnostic::error(file, line, column, msg));
                }
            }
            _ => {}
        }
    }
    out
}

/// Where the first YAML value for which `pred` holds starts (1-based line
/// and column): to place a problem found in a value after parsing.
pub fn find_value(text: &str, pred: impl Fn(&str) -> bool) -> Option<(u32, u32)> {
    Parser::new_from_str(text)
        .map_while(Result::ok)
        .find_map(|(event, span)| match event {
            Event::Scalar(v, ..) if pred(&v) => {
                Some((span.start.line() as u32, span.start.col() as u32 + 1))
            }
            _ => None,
        })
}

/// Why a value cannot be accepted, if it cannot.
pub fn value_problem(value: &str, rules: ValueRules) -> Option<String> {
    for (i, c) in value.chars().enumerate() {
        if let Some(what) = forbidden(c) {
            return Some(format!(
                "the value holds {what} (U+{:04X}) at character {}: it would not print as typed; remove it",
                c as u32,
                i + 1
            ));
        }
    }
    if let Some(max) = rules.max_chars {
        let n = value.chars().count();
        if n > max {
            return Some(format!(
                "the value is {n} characters long; a case value may have at most {max}"
            ));
        }
    }
    None
}

/// Names a character no value may hold: control characters other than the
/// line break, and the invisible format characters (Unicode category Cf:
/// bidirectional controls, zero-width spaces and joiners, the byte order
/// mark, soft hyphens).
fn forbidden(c: char) -> Option<&'static str> {
    match c {
        '\n' => None,
        '\t' => Some("a tab"),
        '\u{1B}' => Some("an escape character (terminal control sequence)"),
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => Some("a bidirectional text control, which reorders the letters around it"),
        _ => match c.general_category() {
            GeneralCategory::Control => Some("a control character"),
            GeneralCategory::Format => Some("an invisible format character"),
            _ => None,
        },
    }
}

/// Whether `id` may name a file or directory written by qujat: one path
/// component, never `.`, `..` or empty, in the pattern documented in the
/// README. Rule ids are lower case; case ids may use upper case too.
pub fn id_problem(id: &str, upper_case: bool) -> Option<String> {
    let ok_first = |c: char| {
        c.is_ascii_digit() || c.is_ascii_lowercase() || (upper_case && c.is_ascii_uppercase())
    };
    let ok = |c: char| ok_first(c) || matches!(c, '.' | '_' | '-');
    let mut chars = id.chars();
    let valid = id.len() <= 64 && chars.next().is_some_and(ok_first) && chars.all(ok);
    (!valid).then(|| {
        let pattern = if upper_case {
            CASE_ID_PATTERN
        } else {
            RULE_ID_PATTERN
        };
        format!(
            "`{}` cannot be an id: ids name files and folders, so they are written in {pattern}",
            escape(id)
        )
    })
}

/// `text` with control and format characters written as `\u{…}`, so that
/// printing it to a terminal never runs an escape sequence or reorders a
/// line. Line breaks stay unless `one_line`.
pub fn escape(text: &str) -> String {
    escape_with(text, false)
}

/// [`escape`] for text that keeps its line breaks (reports, diagnostics).
pub fn escape_lines(text: &str) -> String {
    escape_with(text, true)
}

fn escape_with(text: &str, keep_lines: bool) -> String {
    if !text
        .chars()
        .any(|c| c != '\n' && forbidden(c).is_some() || c == '\n' && !keep_lines)
    {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '\n' if keep_lines => "\n".to_string(),
            '\t' if keep_lines => "\t".to_string(),
            c if c == '\n' || forbidden(c).is_some() => format!("\\u{{{:x}}}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_leave_their_folder_are_refused() {
        for bad in [
            "", ".", "..", "../../x", "/tmp/x", "a/b", "a\nb", "a\0b", "-a", ".hidden", "a b",
        ] {
            assert!(id_problem(bad, true).is_some(), "{bad:?} accepted");
        }
        assert!(id_problem("PILOT-2024.0001_a", true).is_none());
        assert!(id_problem("PILOT", false).is_some());
        assert!(id_problem("fishing-permit", false).is_none());
        assert!(id_problem(&"a".repeat(65), true).is_some());
    }

    #[test]
    fn values_with_hidden_characters_are_refused_at_their_line() {
        let text = "a: ok\nb: \"ABC\\u202EDEF\"\nc:\n  - \"\\e[31mred\"\n  - \"x\\u200By\"\nd: |\n  two\n  lines\n";
        let d = check_values(text, Path::new("c.yaml"), ValueRules::CASE);
        let at: Vec<(u32, u32)> = d.iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(at, vec![(2, 4), (4, 5), (5, 5)]);
        assert!(d[0].message.contains("U+202E"), "{}", d[0].message);
        assert!(d[0].message.contains("character 4"), "{}", d[0].message);
        assert!(d[1].message.contains("U+001B"), "{}", d[1].message);
    }

    #[test]
    fn merge_keys_and_long_values_are_refused() {
        let long = "x".repeat(MAX_VALUE_CHARS + 1);
        let text = format!("base: &b {{ k: 1 }}\nm:\n  <<: *b\n  k: 2\nn: {long}\n");
        let d = check_values(&text, Path::new("c.yaml"), ValueRules::CASE);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!((d[0].line, d[0].column), (3, 3));
        assert!(d[0].message.contains("merge keys"));
        assert_eq!((d[1].line, d[1].column), (5, 4));
        assert!(d[1].message.contains("2001 characters"));
        // Rule texts have no length limit, but the same characters.
        assert_eq!(
            check_values(&text, Path::new("r.yaml"), ValueRules::RULES).len(),
            1
        );
        // A merge key's name as a value is just text.
        assert!(
            check_values("a: \"<<\"\nb: <<\n", Path::new("c.yaml"), ValueRules::CASE).is_empty()
        );
    }

    #[test]
    fn escape_shows_what_would_act_on_a_terminal() {
        assert_eq!(escape("a\u{1b}[2Jb\u{202e}c"), "a\\u{1b}[2Jb\\u{202e}c");
        assert_eq!(escape("x\ny"), "x\\u{a}y");
        assert_eq!(escape_lines("x\ny\u{7}"), "x\ny\\u{7}");
        assert_eq!(escape("Әлия Нұрқызы"), "Әлия Нұрқызы");
    }

    #[test]
    fn a_bad_byte_is_located() {
        let d = utf8(b"a: 1\nb: \"x\xFFy\"\n".to_vec(), Path::new("c.yaml")).unwrap_err();
        assert_eq!((d.line, d.column), (2, 6));
        assert!(d.message.contains("0xFF"));
    }
}
