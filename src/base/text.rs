//! Bilingual texts, languages and citations: the vocabulary every rule file uses.

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::fmt;

/// The two languages every document is produced in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Kk,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Kk, Lang::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::Kk => "Kazakh",
            Lang::Ru => "Russian",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "kk" => Ok(Lang::Kk),
            "ru" => Ok(Lang::Ru),
            other => Err(format!("unknown language `{other}` (expected kk or ru)")),
        }
    }
}

/// A text in both languages. A side listed in `ours` is our own translation,
/// not an official text from the seeds; `check --translations` lists them and
/// rendered documents declare them in their metadata.
/// Each side keeps where it was written, so a problem with one language's text
/// is reported at its own line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[schemars(with = "String")]
    pub kk: Spanned<String>,
    #[schemars(with = "String")]
    pub ru: Spanned<String>,
    #[serde(default)]
    pub ours: Vec<Lang>,
    /// For a translation of an official text: [`fingerprint`] of the official
    /// side it was made from. When the official side is edited the stamp no
    /// longer matches and `check` reports the translation as stale, so
    /// outdated wording is never rendered silently.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub translated_from: Option<Spanned<String>>,
}

/// A short stable fingerprint of a text: the first 8 hex digits of its SHA-256.
pub fn fingerprint(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How many list items `text` has: lines that start with `1)`, `2.`, a dash
/// or a bullet. Both languages of an official text enumerate the same items,
/// so the counts must agree. (Numbers inside a sentence, as in "подпункт 1)",
/// are references, not items, and do not count.)
pub fn list_items(text: &str) -> usize {
    text.lines()
        .filter(|line| line.split_whitespace().next().is_some_and(is_item_marker))
        .count()
}

/// `1)`, `12.`, `-`, `–` or `•`.
pub fn is_item_marker(word: &str) -> bool {
    let digits = word.trim_end_matches([')', '.']);
    let numbered = word.len() == digits.len() + 1
        && (1..=2).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit());
    numbered || matches!(word, "-" | "–" | "•")
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        &self.spanned(lang).value
    }

    pub fn spanned(&self, lang: Lang) -> &Spanned<String> {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
        }
    }

    pub fn is_ours(&self, lang: Lang) -> bool {
        self.ours.contains(&lang)
    }

    /// The official side a one-sided translation was made from.
    pub fn official(&self) -> Option<Lang> {
        match self.ours.as_slice() {
            [Lang::Kk] => Some(Lang::Ru),
            [Lang::Ru] => Some(Lang::Kk),
            _ => None,
        }
    }
}

/// Where a rule comes from: an act from `rules/acts.yaml` and the part of it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    pub act: String,
    #[serde(default)]
    pub appendix: Option<String>,
    #[serde(default)]
    pub point: Option<String>,
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub sub: Option<String>,
}

impl fmt::Display for Citation {
    /// A compact English form, e.g. `mvd-146-2023, appendix 3, item 8, sub 2)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.act)?;
        if let Some(a) = &self.appendix {
            write!(f, ", appendix {a}")?;
        }
        if let Some(p) = &self.point {
            write!(f, ", point {p}")?;
        }
        if let Some(i) = &self.item {
            write!(f, ", item {i}")?;
        }
        if let Some(s) = &self.sub {
            write!(f, ", sub {s})")?;
        }
        Ok(())
    }
}
