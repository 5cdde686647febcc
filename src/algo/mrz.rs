//! Passport machine-readable zone: ICAO Doc 9303 part 4, TD3 (two lines of 44).
//!
//! The pilot's Algorithm (joint order of 19 March 2024, appendix 2, point 8
//! sub 2) has the consul fill the surname, given name and patronymic from the
//! MRZ, and the birth date, birth place and citizenship from the visual zone.
//! So the MRZ is both a source of names and a cross-check for the rest:
//! [`parse_td3`] reads it and recomputes its check digits, and
//! [`Td3::mismatches`] compares it with the data declared in the case.
//!
//! A failing check digit or a mismatch is a *finding for the operator*, who
//! may rely on it for refusal ground 1 of the pilot (point 12 sub 1: the
//! documents, or the data in them, are unreliable). It is not a refusal: a
//! worn page misread by a scanner fails a check digit too, and the caller
//! decides. Only text that is not a TD3 MRZ at all (wrong length, a character
//! outside `A–Z 0–9 <`, not a passport) is an [`MrzError`].

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// Characters in each TD3 line.
pub const LINE_LEN: usize = 44;

/// Check-digit weights, repeated over the field (Doc 9303 part 3, 4.9).
const WEIGHTS: [u32; 3] = [7, 3, 1];

/// Why a text is not a passport MRZ. Lines and columns count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MrzError {
    /// [`parse`] wants exactly two lines.
    LineCount { found: usize },
    /// A line is not 44 characters long once trailing whitespace is trimmed.
    WrongLength { line: u8, found: usize },
    /// A character other than `A–Z`, `0–9` or the filler `<`.
    BadCharacter {
        line: u8,
        column: usize,
        found: char,
    },
    /// Line 1 does not start with `P`: a visa, an ID card, or swapped lines.
    NotAPassport { found: char },
}

impl MrzError {
    /// The line at fault, if the error concerns one.
    pub fn line(&self) -> Option<u8> {
        match self {
            Self::LineCount { .. } => None,
            Self::WrongLength { line, .. } | Self::BadCharacter { line, .. } => Some(*line),
            Self::NotAPassport { .. } => Some(1),
        }
    }

    /// The first column at fault: the bad character, the first missing
    /// column of a short line, or column 45 of a long one.
    pub fn column(&self) -> Option<usize> {
        match self {
            Self::LineCount { .. } => None,
            Self::WrongLength { found, .. } => Some((*found + 1).min(LINE_LEN + 1)),
            Self::BadCharacter { column, .. } => Some(*column),
            Self::NotAPassport { .. } => Some(1),
        }
    }
}

impl fmt::Display for MrzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LineCount { found } => {
                write!(f, "a passport MRZ has two lines, this text has {found}")
            }
            Self::WrongLength { line, found } if *found < LINE_LEN => write!(
                f,
                "line {line}, column {}: the line ends after {found} characters, \
                 an MRZ line has {LINE_LEN}",
                found + 1
            ),
            Self::WrongLength { line, found } => write!(
                f,
                "line {line}, column {}: the line goes on past {LINE_LEN} characters \
                 ({found} in all)",
                LINE_LEN + 1
            ),
            Self::BadCharacter {
                line,
                column,
                found,
            } => {
                write!(f, "line {line}, column {column}: ")?;
                if found.is_ascii_lowercase() {
                    write!(f, "{found:?} is lowercase; MRZ letters are capitals")
                } else if found.is_whitespace() {
                    write!(f, "a blank is not allowed; the MRZ writes blanks as '<'")
                } else {
                    write!(
                        f,
                        "{found:?} is not allowed; the MRZ has only A-Z, 0-9 and '<'"
                    )
                }
            }
            Self::NotAPassport { found } => write!(
                f,
                "line 1, column 1: the document type starts with {found:?}, \
                 a passport's starts with 'P'"
            ),
        }
    }
}

impl std::error::Error for MrzError {}

/// A field the MRZ check digits cover, or one [`Td3::mismatches`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    DocumentNumber,
    BirthDate,
    Expiry,
    PersonalNumber,
    /// The composite check digit over most of line 2.
    Composite,
    Surname,
    GivenNames,
    Sex,
    Nationality,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DocumentNumber => "document number",
            Self::BirthDate => "birth date",
            Self::Expiry => "expiry date",
            Self::PersonalNumber => "personal number",
            Self::Composite => "composite",
            Self::Surname => "surname",
            Self::GivenNames => "given names",
            Self::Sex => "sex",
            Self::Nationality => "nationality",
        })
    }
}

/// Sex as written in the MRZ (line 2, column 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
    /// `<` in the MRZ; `X`, as in the visual zone, is read the same way.
    Unspecified,
    /// Anything else: not ICAO, kept so the operator sees what is there.
    Other(char),
}

impl Sex {
    /// Reads `M`, `F`, `<` or `X` (either case); anything else is `Other`.
    pub fn from_char(c: char) -> Self {
        match c.to_ascii_uppercase() {
            'M' => Self::Male,
            'F' => Self::Female,
            '<' | 'X' => Self::Unspecified,
            c => Self::Other(c),
        }
    }

    /// The MRZ character: `M`, `F` or `<`.
    pub fn as_char(self) -> char {
        match self {
            Self::Male => 'M',
            Self::Female => 'F',
            Self::Unspecified => '<',
            Self::Other(c) => c,
        }
    }
}

/// One recomputed check digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDigit {
    pub field: Field,
    /// Column of the check digit in line 2, from 1.
    pub column: usize,
    /// The digit the field's data call for.
    pub expected: u8,
    /// What the MRZ has in `column`.
    pub found: char,
    pub ok: bool,
}

impl fmt::Display for CheckDigit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (field, column, found, expected) = (self.field, self.column, self.found, self.expected);
        if self.ok {
            write!(
                f,
                "{field} check digit (line 2, column {column}) is correct"
            )
        } else {
            write!(
                f,
                "{field} check digit (line 2, column {column}) is {found:?}, \
                 the data call for {expected}"
            )
        }
    }
}

/// A parsed TD3 MRZ. Text fields have their `<` fillers removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Td3 {
    /// Line 1 as read (44 characters).
    pub line1: String,
    /// Line 2 as read (44 characters).
    pub line2: String,
    /// `P`, or `P` and a state-defined letter (`PD`, `PO`, …).
    pub document_type: String,
    /// ICAO code of the issuing state or organisation (`D` for Germany).
    pub issuing_state: String,
    /// Primary identifier; the MRZ's word separators become spaces.
    pub surname: String,
    /// Secondary identifier, one entry per word.
    pub given_names: Vec<String>,
    pub document_number: String,
    pub nationality: String,
    /// `YYMMDD` as written; `<` marks an unknown part. See [`Td3::birth_date`].
    pub birth_date_raw: String,
    pub sex: Sex,
    /// `YYMMDD` as written. See [`Td3::expiry_date`].
    pub expiry_date_raw: String,
    /// Optional data (line 2, columns 29–42); `None` when all fillers.
    pub personal_number: Option<String>,
    /// The five check digits, in the order of line 2, composite last.
    pub checks: Vec<CheckDigit>,
}

/// Case data to compare with the MRZ; only the fields given are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Declared<'a> {
    /// Latin spelling, as on the application.
    pub surname: Option<&'a str>,
    /// All given names (and the patronymic, if any), in passport order.
    pub given_names: Option<&'a str>,
    pub birth_date: Option<NaiveDate>,
    /// `M`, `F`, or `X`/`<` for unspecified.
    pub sex: Option<char>,
    pub document_number: Option<&'a str>,
    /// ICAO code (`KAZ`, `UZB`; `D` or `DEU` for Germany).
    pub nationality: Option<&'a str>,
    pub expiry: Option<NaiveDate>,
}

/// A declared value that differs from the MRZ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub field: Field,
    /// The MRZ's value (dates as the raw `YYMMDD`).
    pub mrz: String,
    /// The declared value as given (dates as `YYYY-MM-DD`).
    pub declared: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the MRZ has {:?}, the declared value is {:?}",
            self.field, self.mrz, self.declared
        )
    }
}

/// Check digit of an MRZ field, or `None` if it has a character outside
/// `A–Z 0–9 <`.
pub fn check_digit(field: &str) -> Option<u8> {
    let mut sum = 0;
    for (i, c) in field.chars().enumerate() {
        sum += value(c)? * WEIGHTS[i % WEIGHTS.len()];
    }
    // A remainder mod 10 always fits in a u8.
    Some((sum % 10) as u8)
}

/// `0–9` as themselves, `A–Z` as 10–35, the filler as 0.
fn value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        'A'..='Z' => Some(u32::from(c) - u32::from('A') + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// Parses an MRZ given as one text: two lines, separated by a newline.
///
/// Blank lines before the first and trailing whitespace are ignored, as a
/// scanner or a paste leaves them; anything else must be the two lines.
pub fn parse(text: &str) -> Result<Td3, MrzError> {
    let lines: Vec<&str> = text
        .trim_end()
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .collect();
    match lines.as_slice() {
        [line1, line2] => parse_td3(line1, line2),
        other => Err(MrzError::LineCount { found: other.len() }),
    }
}

/// Parses the two lines of a passport MRZ and recomputes its check digits.
///
/// Trailing whitespace (and a CR) is trimmed from each line; nothing else is
/// corrected, so a misread character shows up as an error or a failing check
/// rather than being guessed at. Failing check digits do not make this fail:
/// see [`Td3::checks`].
pub fn parse_td3(line1: &str, line2: &str) -> Result<Td3, MrzError> {
    let l1 = checked_line(line1, 1)?;
    let l2 = checked_line(line2, 2)?;
    if l1[0] != 'P' {
        return Err(MrzError::NotAPassport { found: l1[0] });
    }
    let text = |s: &[char]| s.iter().collect::<String>();
    let trimmed = |s: &[char]| text(s).trim_end_matches('<').to_owned();

    let name = trimmed(&l1[5..]);
    let (surname, given) = name.split_once("<<").unwrap_or((name.as_str(), ""));
    let words = |s: &str| {
        s.split('<')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let personal = trimmed(&l2[28..42]);

    let composite: Vec<char> = [&l2[0..10], &l2[13..20], &l2[21..43]].concat();
    let checks = vec![
        check(Field::DocumentNumber, &l2[0..9], 10, l2[9], false),
        check(Field::BirthDate, &l2[13..19], 20, l2[19], false),
        check(Field::Expiry, &l2[21..27], 28, l2[27], false),
        check(Field::PersonalNumber, &l2[28..42], 43, l2[42], true),
        check(Field::Composite, &composite, 44, l2[43], false),
    ];

    Ok(Td3 {
        line1: text(&l1),
        line2: text(&l2),
        document_type: trimmed(&l1[0..2]),
        issuing_state: trimmed(&l1[2..5]),
        surname: words(surname).join(" "),
        given_names: words(given),
        document_number: trimmed(&l2[0..9]),
        nationality: trimmed(&l2[10..13]),
        birth_date_raw: text(&l2[13..19]),
        sex: Sex::from_char(l2[20]),
        expiry_date_raw: text(&l2[21..27]),
        personal_number: (!personal.is_empty()).then_some(personal),
        checks,
    })
}

/// The line's 44 characters, or why it is not an MRZ line.
///
/// Characters are checked before the length, so a stray blank or lowercase
/// letter is reported where it is rather than as a line that is too long.
fn checked_line(raw: &str, line: u8) -> Result<[char; LINE_LEN], MrzError> {
    let mut out = ['<'; LINE_LEN];
    let mut count = 0;
    for (i, c) in raw.trim_end().chars().enumerate() {
        if !matches!(c, 'A'..='Z' | '0'..='9' | '<') {
            return Err(MrzError::BadCharacter {
                line,
                column: i + 1,
                found: c,
            });
        }
        if let Some(slot) = out.get_mut(i) {
            *slot = c;
        }
        count = i + 1;
    }
    if count == LINE_LEN {
        Ok(out)
    } else {
        Err(MrzError::WrongLength { line, found: count })
    }
}

/// Recomputes one check digit. `filler_ok`: the personal number may have
/// `<` as its check digit when the field is all fillers (Doc 9303 part 4).
fn check(field: Field, data: &[char], column: usize, found: char, filler_ok: bool) -> CheckDigit {
    let data: String = data.iter().collect();
    // Callers pass validated MRZ characters only.
    let expected = check_digit(&data).unwrap_or(0);
    let empty = data.chars().all(|c| c == '<');
    let ok =
        found.to_digit(10) == Some(u32::from(expected)) || (filler_ok && empty && found == '<');
    CheckDigit {
        field,
        column,
        expected,
        found,
        ok,
    }
}

impl Td3 {
    /// True when all five check digits are correct.
    pub fn all_checks_pass(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The check digits that are wrong.
    pub fn failed_checks(&self) -> impl Iterator<Item = &CheckDigit> {
        self.checks.iter().filter(|c| !c.ok)
    }

    /// The birth date, its century taken relative to `reference` (usually
    /// the day of the application).
    ///
    /// The MRZ has a two-digit year. It is read in `reference`'s century
    /// (20YY for a reference in 2000–2099) unless that puts the birth after
    /// `reference`, in which case it goes one century back: on 1 June 2024,
    /// `150101` is 2015 and `240815` is 1924. So nobody reads as more than
    /// 100 years old; the visual zone, which the Algorithm takes the birth
    /// date from anyway, settles such cases. `None` when the date has unknown
    /// parts (`<`) or is impossible.
    pub fn birth_date(&self, reference: NaiveDate) -> Option<NaiveDate> {
        let (yy, month, day) = yymmdd(&self.birth_date_raw)?;
        let century = reference.year().div_euclid(100) * 100;
        match NaiveDate::from_ymd_opt(century + yy, month, day) {
            Some(date) if date <= reference => Some(date),
            // Also when this century's date does not exist: 29 February of
            // a century year is valid in 2000 but not in 1900 or 2100.
            _ => NaiveDate::from_ymd_opt(century - 100 + yy, month, day),
        }
    }

    /// The expiry date, always read as 20YY.
    ///
    /// Passports are valid for at most ten years, so every TD3 still in use
    /// expires in 2000–2099. A 19YY expiry (a document expired for over 25
    /// years) would read as far in the future; the visual zone shows it.
    pub fn expiry_date(&self) -> Option<NaiveDate> {
        let (yy, month, day) = yymmdd(&self.expiry_date_raw)?;
        NaiveDate::from_ymd_opt(2000 + yy, month, day)
    }

    /// True when the name fills line 1 to column 44: ICAO then may have
    /// truncated it, and [`Td3::mismatches`] accepts a longer declared name
    /// that starts with the MRZ's.
    pub fn name_may_be_truncated(&self) -> bool {
        !self.line1.ends_with('<')
    }

    /// Declared values that differ from the MRZ, in the order of [`Declared`].
    ///
    /// Names: the declared Latin spelling is put in MRZ form (capitals;
    /// diacritics transliterated as Doc 9303 part 3 recommends, accepting
    /// both `AE` and `A` for `Ä` and the like since states differ; blanks,
    /// hyphens and apostrophes dropped) and compared letter by letter with
    /// the MRZ field, fillers ignored: "Anna Maria", "Anna-Maria" and
    /// `ANNA<MARIA` are equal. Letters outside Latin (a Cyrillic name) are
    /// not transliterated and so always differ. When the name may be
    /// truncated, its last part may be a prefix of the declared one; other
    /// ICAO truncations (given names cut to initials) are reported.
    ///
    /// Dates are compared as `YYMMDD`, so no century is assumed; an unknown
    /// part in the MRZ (`<`) matches anything. Germany's `D` and `DEU` are
    /// the same nationality.
    pub fn mismatches(&self, declared: &Declared<'_>) -> Vec<Mismatch> {
        let mut out = Vec::new();
        let mut push = |field, mrz: &str, declared: String| {
            out.push(Mismatch {
                field,
                mrz: mrz.to_owned(),
                declared,
            });
        };

        let truncated = self.name_may_be_truncated();
        let has_given = self.line1.get(5..).unwrap_or("").contains("<<");
        if let Some(s) = declared.surname {
            let letters: String = self.surname.split(' ').collect();
            if !spells(&name_units(s), &letters, truncated && !has_given) {
                push(Field::Surname, &self.surname, s.to_owned());
            }
        }
        if let Some(g) = declared.given_names {
            // With no `<<` in a full name field, the given names were cut off.
            if !spells(&name_units(g), &self.given_names.concat(), truncated) {
                push(Field::GivenNames, &self.given_names.join(" "), g.to_owned());
            }
        }
        if let Some(d) = declared.birth_date
            && !same_date(&self.birth_date_raw, d)
        {
            push(Field::BirthDate, &self.birth_date_raw, iso(d));
        }
        if let Some(c) = declared.sex
            && Sex::from_char(c) != self.sex
        {
            push(Field::Sex, &self.sex.as_char().to_string(), c.to_string());
        }
        if let Some(n) = declared.document_number {
            let norm: String = n
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_uppercase)
                .collect();
            if norm != self.document_number.replace('<', "") {
                push(Field::DocumentNumber, &self.document_number, n.to_owned());
            }
        }
        if let Some(n) = declared.nationality {
            let germany = |s: &str| {
                if s == "DEU" {
                    "D".to_owned()
                } else {
                    s.to_owned()
                }
            };
            if germany(&n.trim().to_uppercase()) != germany(&self.nationality) {
                push(Field::Nationality, &self.nationality, n.to_owned());
            }
        }
        if let Some(d) = declared.expiry
            && !same_date(&self.expiry_date_raw, d)
        {
            push(Field::Expiry, &self.expiry_date_raw, iso(d));
        }
        out
    }
}

/// Year (two digits), month and day of a `YYMMDD` field, if all digits.
fn yymmdd(raw: &str) -> Option<(i32, u32, u32)> {
    let d: Vec<u32> = raw.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    match d.as_slice() {
        // At most 99, so the cast is lossless.
        [y1, y2, m1, m2, d1, d2] => Some(((y1 * 10 + y2) as i32, m1 * 10 + m2, d1 * 10 + d2)),
        _ => None,
    }
}

/// Whether `date` fits the MRZ's `YYMMDD`, `<` matching any digit.
fn same_date(raw: &str, date: NaiveDate) -> bool {
    let ours = format!(
        "{:02}{:02}{:02}",
        date.year().rem_euclid(100),
        date.month(),
        date.day()
    );
    raw.chars().count() == ours.len()
        && raw
            .chars()
            .zip(ours.chars())
            .all(|(m, d)| m == '<' || m == d)
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A declared name as a sequence of letters, each with its accepted MRZ
/// spellings (`Ü` → `UE` or `U`).
fn name_units(name: &str) -> Vec<Vec<String>> {
    let mut units: Vec<Vec<String>> = Vec::new();
    for c in name.chars().flat_map(char::to_uppercase) {
        match c {
            // Combining diaeresis and ring, from decomposed input (`U` + `¨`).
            '\u{308}' | '\u{30A}' => {
                let long = match units.last().map(Vec::as_slice) {
                    Some([base]) => match (c, base.as_str()) {
                        ('\u{308}', "A" | "O" | "U") => Some(format!("{base}E")),
                        ('\u{30A}', "A") => Some("AA".to_owned()),
                        _ => None,
                    },
                    _ => None,
                };
                if let (Some(long), Some(last)) = (long, units.last_mut()) {
                    last.insert(0, long);
                }
            }
            // Apostrophes are omitted (Doc 9303 part 3), including the
            // modifier letters of Uzbek `Oʻ`, `Gʻ`, which count as letters.
            '\'' | '`' | '\u{2018}' | '\u{2019}' | '\u{2BB}' | '\u{2BC}' => {}
            c if c.is_ascii_uppercase() || c.is_ascii_digit() => units.push(vec![c.to_string()]),
            // Blanks, hyphens, other punctuation: fillers or nothing in the MRZ.
            c if !c.is_alphanumeric() => {}
            c => units.push(match transliterate(c) {
                Some(alts) => alts.iter().map(|&s| s.to_owned()).collect(),
                None => vec![c.to_string()],
            }),
        }
    }
    units
}

/// MRZ spellings of an uppercase Latin letter with a diacritic, after the
/// recommendations of Doc 9303 part 3, section 6. Where the table gives a
/// two-letter form (`Ä` → `AE`) many states write the bare letter, so both
/// are accepted.
fn transliterate(c: char) -> Option<&'static [&'static str]> {
    Some(match c {
        'À' | 'Á' | 'Â' | 'Ã' | 'Ā' | 'Ă' | 'Ą' | 'Ǎ' | 'Ə' => &["A"],
        'Ä' => &["AE", "A"],
        'Å' => &["AA", "A"],
        'Æ' => &["AE"],
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => &["C"],
        'Ð' | 'Ď' | 'Đ' => &["D"],
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => &["E"],
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' | 'Ǧ' => &["G"],
        'Ĥ' | 'Ħ' => &["H"],
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' | 'Ǐ' => &["I"],
        'Ĳ' => &["IJ"],
        'Ĵ' => &["J"],
        'Ķ' | 'Ǩ' => &["K"],
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => &["L"],
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' | 'Ŋ' => &["N"],
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ō' | 'Ŏ' | 'Ő' | 'Ǒ' => &["O"],
        'Ö' => &["OE", "O"],
        'Ø' | 'Œ' => &["OE"],
        'Ŕ' | 'Ŗ' | 'Ř' => &["R"],
        'Ś' | 'Ŝ' | 'Ş' | 'Ș' | 'Š' => &["S"],
        'ẞ' => &["SS"],
        'Ţ' | 'Ț' | 'Ť' | 'Ŧ' => &["T"],
        'Þ' => &["TH"],
        'Ù' | 'Ú' | 'Û' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' | 'Ǔ' => &["U"],
        'Ü' => &["UE", "U"],
        'Ŵ' => &["W"],
        'Ý' | 'Ÿ' | 'Ŷ' => &["Y"],
        'Ź' | 'Ż' | 'Ž' => &["Z"],
        _ => return None,
    })
}

/// Whether some spelling of `units` gives `target` (MRZ letters, no
/// fillers). With `prefix_ok`, a `target` that is a prefix of a spelling
/// also counts, for a truncated MRZ name.
fn spells(units: &[Vec<String>], target: &str, prefix_ok: bool) -> bool {
    // reach[j]: some spelling of the units so far gives target[..j].
    let mut reach = vec![false; target.len() + 1];
    reach[0] = true;
    for unit in units {
        let mut next = vec![false; target.len() + 1];
        for (j, _) in reach.iter().enumerate().filter(|(_, r)| **r) {
            let rest = target.get(j..).unwrap_or("");
            for alt in unit {
                if rest.starts_with(alt.as_str()) {
                    next[j + alt.len()] = true;
                } else if prefix_ok && alt.starts_with(rest) {
                    return true;
                }
            }
        }
        reach = next;
    }
    reach[target.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const L1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const L2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn specimen() -> Td3 {
        parse_td3(L1, L2).unwrap()
    }

    /// Line 1 for a name field, padded with fillers (or cut) to 44.
    fn line1(name: &str) -> String {
        let s = format!("P<UTO{name}{}", "<".repeat(LINE_LEN));
        s[..LINE_LEN].to_owned()
    }

    /// Line 2 with all check digits computed; fields given unpadded.
    fn line2(doc: &str, nat: &str, birth: &str, sex: char, expiry: &str, personal: &str) -> String {
        let pad = |s: &str, n: usize| format!("{s:<<n$}");
        let doc = pad(doc, 9);
        let personal = pad(personal, 14);
        let cd = |s: &str| check_digit(s).unwrap().to_string();
        let doc_part = format!("{doc}{}", cd(&doc));
        let birth_part = format!("{birth}{}", cd(birth));
        let rest = format!("{expiry}{}{personal}{}", cd(expiry), cd(&personal));
        let composite = cd(&format!("{doc_part}{birth_part}{rest}"));
        format!(
            "{doc_part}{}{birth_part}{sex}{rest}{composite}",
            pad(nat, 3)
        )
    }

    /// Changes a character by one in value, so every check over it changes.
    fn bump(c: char) -> char {
        match c {
            '9' => '8',
            'Z' => 'Y',
            '<' => '1',
            c => char::from_u32(u32::from(c) + 1).unwrap(),
        }
    }

    fn alter(line: &str, column: usize) -> String {
        line.chars()
            .enumerate()
            .map(|(i, c)| if i + 1 == column { bump(c) } else { c })
            .collect()
    }

    fn failed(td3: &Td3) -> Vec<Field> {
        td3.failed_checks().map(|c| c.field).collect()
    }

    #[test]
    fn specimen_parses() {
        let t = specimen();
        assert_eq!(t.document_type, "P");
        assert_eq!(t.issuing_state, "UTO");
        assert_eq!(t.surname, "ERIKSSON");
        assert_eq!(t.given_names, ["ANNA", "MARIA"]);
        assert_eq!(t.document_number, "L898902C3");
        assert_eq!(t.nationality, "UTO");
        assert_eq!(t.birth_date_raw, "740812");
        assert_eq!(t.birth_date(date(2024, 6, 1)), Some(date(1974, 8, 12)));
        assert_eq!(t.sex, Sex::Female);
        assert_eq!(t.expiry_date_raw, "120415");
        assert_eq!(t.expiry_date(), Some(date(2012, 4, 15)));
        assert_eq!(t.personal_number.as_deref(), Some("ZE184226B"));
        assert_eq!(t.line1, L1);
        assert_eq!(t.line2, L2);
        assert!(!t.name_may_be_truncated());
    }

    #[test]
    fn specimen_check_digits_pass() {
        let t = specimen();
        assert!(t.all_checks_pass());
        assert_eq!(t.failed_checks().count(), 0);
        let got: Vec<_> = t
            .checks
            .iter()
            .map(|c| (c.field, c.column, c.expected, c.found, c.ok))
            .collect();
        assert_eq!(
            got,
            [
                (Field::DocumentNumber, 10, 6, '6', true),
                (Field::BirthDate, 20, 2, '2', true),
                (Field::Expiry, 28, 9, '9', true),
                (Field::PersonalNumber, 43, 1, '1', true),
                (Field::Composite, 44, 0, '0', true),
            ]
        );
    }

    #[test]
    fn check_digit_values() {
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("740812"), Some(2));
        assert_eq!(check_digit("120415"), Some(9));
        assert_eq!(check_digit("ZE184226B<<<<<"), Some(1));
        assert_eq!(check_digit("<<<<"), Some(0));
        assert_eq!(check_digit("abc"), None);
    }

    #[test]
    fn test_helper_rebuilds_the_specimen() {
        assert_eq!(
            line2("L898902C3", "UTO", "740812", 'F', "120415", "ZE184226B"),
            L2
        );
    }

    #[test]
    fn altered_field_fails_its_check_and_the_composite() {
        let fields = [
            (Field::DocumentNumber, 1..=9),
            (Field::BirthDate, 14..=19),
            (Field::Expiry, 22..=27),
            (Field::PersonalNumber, 29..=42),
        ];
        for (field, columns) in fields {
            for column in columns {
                let t = parse_td3(L1, &alter(L2, column)).unwrap();
                assert_eq!(failed(&t), [field, Field::Composite], "column {column}");
                assert!(!t.all_checks_pass());
            }
        }
    }

    #[test]
    fn altered_check_digit_fails_that_check_and_the_composite() {
        for (field, column) in [
            (Field::DocumentNumber, 10),
            (Field::BirthDate, 20),
            (Field::Expiry, 28),
            (Field::PersonalNumber, 43),
        ] {
            let t = parse_td3(L1, &alter(L2, column)).unwrap();
            assert_eq!(failed(&t), [field, Field::Composite], "column {column}");
            let bad = t.failed_checks().next().unwrap();
            assert_eq!(bad.column, column);
            assert_eq!(bad.found, bump(L2.as_bytes()[column - 1].into()));
        }
        let t = parse_td3(L1, &alter(L2, 44)).unwrap();
        assert_eq!(failed(&t), [Field::Composite]);
        let bad = t.failed_checks().next().unwrap();
        assert_eq!((bad.expected, bad.found), (0, '1'));
        assert_eq!(
            bad.to_string(),
            "composite check digit (line 2, column 44) is '1', the data call for 0"
        );
    }

    #[test]
    fn unchecked_fields_are_not_covered() {
        // Nationality, sex and all of line 1 have no check digit.
        for column in [11, 12, 13, 21] {
            let t = parse_td3(L1, &alter(L2, column)).unwrap();
            assert!(t.all_checks_pass(), "column {column}");
        }
        let t = parse_td3(&alter(L1, 7), L2).unwrap();
        assert!(t.all_checks_pass());
        assert_eq!(t.surname, "ESIKSSON");
    }

    #[test]
    fn empty_personal_number_may_have_a_filler_check_digit() {
        let with_zero = line2("L898902C3", "UTO", "740812", 'F', "120415", "");
        assert_eq!(&with_zero[28..43], "<<<<<<<<<<<<<<0");
        let t = parse_td3(L1, &with_zero).unwrap();
        assert!(t.all_checks_pass());
        assert_eq!(t.personal_number, None);

        let with_filler = format!("{}<{}", &with_zero[..42], &with_zero[43..]);
        let t = parse_td3(L1, &with_filler).unwrap();
        assert!(t.all_checks_pass(), "{:?}", failed(&t));

        // A filler check digit is wrong when there is a personal number.
        let t = parse_td3(L1, &format!("{}<0", &L2[..42])).unwrap();
        assert_eq!(failed(&t), [Field::PersonalNumber, Field::Composite]);
    }

    #[test]
    fn parse_splits_lines_and_trims() {
        let t = parse(&format!("{L1}\r\n{L2}  \r\n")).unwrap();
        assert_eq!(t, specimen());
        let t = parse(&format!("\n\n{L1}\n{L2}\n\n")).unwrap();
        assert_eq!(t, specimen());
        assert_eq!(parse(L1), Err(MrzError::LineCount { found: 1 }));
        assert_eq!(
            parse(&format!("{L1}\n\n{L2}")),
            Err(MrzError::LineCount { found: 3 })
        );
        assert_eq!(parse(""), Err(MrzError::LineCount { found: 0 }));
    }

    #[test]
    fn wrong_length_names_line_and_column() {
        let e = parse_td3(L1, &L2[..43]).unwrap_err();
        assert_eq!(e, MrzError::WrongLength { line: 2, found: 43 });
        assert_eq!((e.line(), e.column()), (Some(2), Some(44)));
        assert_eq!(
            e.to_string(),
            "line 2, column 44: the line ends after 43 characters, an MRZ line has 44"
        );

        let e = parse_td3(&format!("{L1}<<"), L2).unwrap_err();
        assert_eq!(e, MrzError::WrongLength { line: 1, found: 46 });
        assert_eq!((e.line(), e.column()), (Some(1), Some(45)));
        assert!(e.to_string().starts_with("line 1, column 45: "), "{e}");

        let e = parse_td3(L1, "").unwrap_err();
        assert_eq!(e, MrzError::WrongLength { line: 2, found: 0 });
        assert_eq!(e.column(), Some(1));
    }

    #[test]
    fn bad_characters_name_line_and_column() {
        let lower = L1.replacen("ERIKSSON", "ErIKSSON", 1);
        let e = parse_td3(&lower, L2).unwrap_err();
        assert_eq!(
            e,
            MrzError::BadCharacter {
                line: 1,
                column: 7,
                found: 'r'
            }
        );
        assert_eq!(
            e.to_string(),
            "line 1, column 7: 'r' is lowercase; MRZ letters are capitals"
        );

        // Columns count characters, not bytes.
        let e = parse_td3(L1, &L2.replacen("UTO", "ÜTO", 1)).unwrap_err();
        assert_eq!((e.line(), e.column()), (Some(2), Some(11)));

        let e = parse_td3(L1, &L2.replacen("<<<<<", "<< <<", 1)).unwrap_err();
        assert_eq!((e.line(), e.column()), (Some(2), Some(40)));
        assert!(e.to_string().contains("blank"), "{e}");

        let e = parse_td3(L1, &L2.replacen('C', "-", 1)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2, column 8: '-' is not allowed; the MRZ has only A-Z, 0-9 and '<'"
        );

        // A leading blank is reported, not trimmed.
        let e = parse_td3(&format!(" {}", &L1[..43]), L2).unwrap_err();
        assert_eq!((e.line(), e.column()), (Some(1), Some(1)));
    }

    #[test]
    fn only_passports() {
        let visa = L1.replacen('P', "V", 1);
        let e = parse_td3(&visa, L2).unwrap_err();
        assert_eq!(e, MrzError::NotAPassport { found: 'V' });
        assert_eq!((e.line(), e.column()), (Some(1), Some(1)));
        assert_eq!(
            parse_td3(L2, L1).unwrap_err(),
            MrzError::NotAPassport { found: 'L' }
        );
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().contains("'P'"));
    }

    #[test]
    fn document_type_and_state_fillers_are_trimmed() {
        let l1 = format!("PDD<<{}", &L1[5..]);
        let t = parse_td3(&l1, L2).unwrap();
        assert_eq!(t.document_type, "PD");
        assert_eq!(t.issuing_state, "D");
    }

    #[test]
    fn names_without_given_names_and_with_several_words() {
        let t = parse_td3(&line1("MADONNA"), L2).unwrap();
        assert_eq!(t.surname, "MADONNA");
        assert!(t.given_names.is_empty());
        let t = parse_td3(&line1("VAN<DER<BERG<<JAN<PIETER<KLAAS"), L2).unwrap();
        assert_eq!(t.surname, "VAN DER BERG");
        assert_eq!(t.given_names, ["JAN", "PIETER", "KLAAS"]);
    }

    #[test]
    fn century_rule() {
        let at = |raw: &str, reference: NaiveDate| {
            let l2 = line2("L898902C3", "UTO", raw, 'F', "300101", "");
            parse_td3(L1, &l2).unwrap().birth_date(reference)
        };
        let r = date(2024, 6, 1);
        assert_eq!(at("740812", r), Some(date(1974, 8, 12)));
        assert_eq!(at("150101", r), Some(date(2015, 1, 1)));
        assert_eq!(at("240601", r), Some(date(2024, 6, 1)), "born today");
        assert_eq!(at("240602", r), Some(date(1924, 6, 2)), "tomorrow is 1924");
        assert_eq!(at("240815", r), Some(date(1924, 8, 15)));
        assert_eq!(at("000229", r), Some(date(2000, 2, 29)));
        assert_eq!(
            at("000229", date(1999, 1, 1)),
            None,
            "1900 is not a leap year"
        );
        assert_eq!(at("991231", date(2101, 1, 1)), Some(date(2099, 12, 31)));
        assert_eq!(at("741312", r), None);
        assert_eq!(at("7408<<", r), None);
    }

    #[test]
    fn expiry_is_always_twenty_first_century() {
        let at = |raw: &str| {
            let l2 = line2("L898902C3", "UTO", "740812", 'F', raw, "");
            parse_td3(L1, &l2).unwrap().expiry_date()
        };
        assert_eq!(at("120415"), Some(date(2012, 4, 15)));
        assert_eq!(at("991231"), Some(date(2099, 12, 31)));
        assert_eq!(at("000101"), Some(date(2000, 1, 1)));
        assert_eq!(at("120231"), None);
    }

    fn full() -> Declared<'static> {
        Declared {
            surname: Some("Eriksson"),
            given_names: Some("Anna Maria"),
            birth_date: Some(date(1974, 8, 12)),
            sex: Some('F'),
            document_number: Some("L898902C3"),
            nationality: Some("UTO"),
            expiry: Some(date(2012, 4, 15)),
        }
    }

    #[test]
    fn matching_declaration_has_no_mismatches() {
        assert_eq!(specimen().mismatches(&full()), []);
        assert_eq!(specimen().mismatches(&Declared::default()), []);
    }

    #[test]
    fn names_equal_modulo_case_blanks_and_hyphens() {
        let t = specimen();
        for given in [
            "Anna Maria",
            "ANNA<MARIA",
            "anna-maria",
            "AnnaMaria",
            " Anna  Maria ",
        ] {
            let d = Declared {
                surname: Some("eriksson"),
                given_names: Some(given),
                ..Declared::default()
            };
            assert_eq!(t.mismatches(&d), [], "{given:?}");
        }
        let d = Declared {
            given_names: Some("Anna"),
            ..Declared::default()
        };
        assert_eq!(
            t.mismatches(&d),
            [Mismatch {
                field: Field::GivenNames,
                mrz: "ANNA MARIA".into(),
                declared: "Anna".into(),
            }]
        );
        let d = Declared {
            surname: Some("Erikson"),
            ..Declared::default()
        };
        assert_eq!(t.mismatches(&d)[0].field, Field::Surname);
    }

    #[test]
    fn names_are_transliterated() {
        let same = |mrz_name: &str, surname: &str, given: &str| {
            let t = parse_td3(&line1(mrz_name), L2).unwrap();
            let d = Declared {
                surname: Some(surname),
                given_names: Some(given),
                ..Declared::default()
            };
            t.mismatches(&d).is_empty()
        };
        assert!(same("MUELLER<<JOERG", "Müller", "Jörg"));
        assert!(same("MULLER<<JORG", "Müller", "Jörg"));
        assert!(
            same("MUELLER<<JORG", "Mu\u{308}ller", "Jo\u{308}rg"),
            "decomposed"
        );
        assert!(same("OBRIEN<<SEAN", "O'Brien", "Seán"));
        assert!(same("ORALOV<<GAYRAT", "Oʻralov", "G\u{2BB}ayrat"));
        assert!(same("OESTERGAARD<<SOEREN", "Østergaard", "Søren"));
        assert!(same("STRASSE<<AEGIR", "Straße", "Ægir"));
        assert!(same("NURLANKYZY<<ANEL", "Nurlankyzy", "Änel"));
        assert!(
            !same("MULLER<<JORG", "Mueller", "Jorg"),
            "AE in the MRZ is not A"
        );
        assert!(
            !same("IVANOV<<IVAN", "Иванов", "Иван"),
            "Cyrillic is not transliterated"
        );
    }

    #[test]
    fn truncated_names_match_a_longer_declaration() {
        // 39 characters: the given names run to column 44.
        let name = "ABCDEFGHIJKLMNOPQRST<<ANNA<MARIA<ELISAB";
        assert_eq!(name.len(), 39);
        let t = parse_td3(&line1(name), L2).unwrap();
        assert!(t.name_may_be_truncated());
        let d = |given| Declared {
            surname: Some("Abcdefghijklmnopqrst"),
            given_names: Some(given),
            ..Declared::default()
        };
        assert_eq!(t.mismatches(&d("Anna Maria Elisabeth")), []);
        assert_eq!(t.mismatches(&d("Anna Maria Elisab")), []);
        assert_eq!(t.mismatches(&d("Anna Maria Eliza")).len(), 1);
        // The surname is not the truncated part: it must match in full.
        let d = Declared {
            surname: Some("Abcdefghijklmnopqrstu"),
            ..Declared::default()
        };
        assert_eq!(t.mismatches(&d).len(), 1);
        // Without truncation a longer declaration differs.
        let d = Declared {
            given_names: Some("Anna Maria Elisabeth"),
            ..Declared::default()
        };
        assert_eq!(specimen().mismatches(&d).len(), 1);
    }

    #[test]
    fn birth_date_mismatch() {
        let d = Declared {
            birth_date: Some(date(1974, 8, 13)),
            ..full()
        };
        let found = specimen().mismatches(&d);
        assert_eq!(
            found,
            [Mismatch {
                field: Field::BirthDate,
                mrz: "740812".into(),
                declared: "1974-08-13".into(),
            }]
        );
        assert_eq!(
            found[0].to_string(),
            "birth date: the MRZ has \"740812\", the declared value is \"1974-08-13\""
        );
    }

    #[test]
    fn unknown_birth_date_parts_match_anything() {
        let l2 = line2("L898902C3", "UTO", "7408<<", 'F', "120415", "");
        let t = parse_td3(L1, &l2).unwrap();
        let d = |y| Declared {
            birth_date: Some(date(y, 8, 12)),
            ..Declared::default()
        };
        assert_eq!(t.mismatches(&d(1974)), []);
        assert_eq!(t.mismatches(&d(1975)).len(), 1);
    }

    #[test]
    fn sex_mismatch() {
        let d = Declared {
            sex: Some('M'),
            ..full()
        };
        assert_eq!(
            specimen().mismatches(&d),
            [Mismatch {
                field: Field::Sex,
                mrz: "F".into(),
                declared: "M".into(),
            }]
        );
        let d = Declared {
            sex: Some('f'),
            ..full()
        };
        assert_eq!(specimen().mismatches(&d), []);

        let l2 = line2("L898902C3", "UTO", "740812", '<', "120415", "");
        let t = parse_td3(L1, &l2).unwrap();
        assert_eq!(t.sex, Sex::Unspecified);
        for c in ['X', '<'] {
            let d = Declared {
                sex: Some(c),
                ..Declared::default()
            };
            assert_eq!(t.mismatches(&d), [], "{c}");
        }
    }

    #[test]
    fn other_field_mismatches() {
        let d = Declared {
            document_number: Some("l898 902-c3"),
            nationality: Some(" uto "),
            ..Declared::default()
        };
        assert_eq!(specimen().mismatches(&d), []);
        let d = Declared {
            document_number: Some("L898902C4"),
            nationality: Some("KAZ"),
            expiry: Some(date(2013, 4, 15)),
            ..full()
        };
        let fields: Vec<_> = specimen().mismatches(&d).iter().map(|m| m.field).collect();
        assert_eq!(
            fields,
            [Field::DocumentNumber, Field::Nationality, Field::Expiry]
        );

        let l2 = line2("C01X00T47", "D", "640812", 'F', "270101", "");
        let t = parse_td3(L1, &l2).unwrap();
        assert_eq!(t.nationality, "D");
        for n in ["D", "DEU"] {
            let d = Declared {
                nationality: Some(n),
                ..Declared::default()
            };
            assert_eq!(t.mismatches(&d), [], "{n}");
        }
    }
}
