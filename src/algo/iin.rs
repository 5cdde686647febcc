//! Kazakhstan's individual identification number (ЖСН / ИИН).
//!
//! Layout `YYMMDD C SSSS K` and check digit per Government Decree No. 406 of
//! 22 May 2007. Since Decree No. 853 of 26 Aug 2013 an IIN need not match the
//! holder's birth date or sex, so parsing checks only the form and the check
//! digit; [`Iin::birth_date`] and [`Iin::sex`] are read-outs, not validation.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Number of digits in an IIN.
const LEN: usize = 12;

/// Second weighting, used when the first gives a remainder of 10.
const FALLBACK_WEIGHTS: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// A well-formed IIN: 12 ASCII digits whose check digit is correct.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iin(String);

/// Sex as encoded in the IIN's 7th digit (odd male, even female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

/// Why a string is not an IIN, or why one cannot be formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IinError {
    /// Not 12 characters long.
    WrongLength { found: usize },
    /// A character that is not an ASCII digit; `position` counts from 1.
    NotADigit { position: usize, found: char },
    /// The 12th digit is not the one the first 11 call for.
    CheckDigitMismatch { expected: u8, found: u8 },
    /// Both weightings give 10: the decree says such a number is never issued.
    NeverIssued,
    /// [`form`] only knows the centuries 1800–2099 (7th digit 1–6).
    YearOutOfRange { year: i32 },
    /// [`form`] takes a 4-digit serial.
    SerialOutOfRange { serial: u16 },
}

impl fmt::Display for IinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { found } => {
                write!(f, "an IIN has 12 digits, this has {found} characters")
            }
            Self::NotADigit { position, found } => {
                write!(f, "character {position} is {found:?}, not a digit")
            }
            Self::CheckDigitMismatch { expected, found } => {
                write!(f, "check digit is {found}, expected {expected}")
            }
            Self::NeverIssued => {
                write!(f, "both weightings give 10: such an IIN is never issued")
            }
            Self::YearOutOfRange { year } => {
                write!(
                    f,
                    "year {year} is outside 1800-2099, which the IIN can encode"
                )
            }
            Self::SerialOutOfRange { serial } => {
                write!(f, "serial {serial} does not fit in 4 digits")
            }
        }
    }
}

impl std::error::Error for IinError {}

/// Check digit for the first 11 digits (values 0–9, not ASCII bytes).
///
/// Weights 1..11 mod 11; a remainder of 10 means "try weights
/// 3..11,1,2"; if that is 10 too, no IIN exists with these 11 digits.
pub fn check_digit(first11: &[u8; 11]) -> Option<u8> {
    let first: [u32; 11] = std::array::from_fn(|i| i as u32 + 1);
    match weighted_mod11(first11, &first) {
        10 => match weighted_mod11(first11, &FALLBACK_WEIGHTS) {
            10 => None,
            r => Some(r),
        },
        r => Some(r),
    }
}

fn weighted_mod11(digits: &[u8; 11], weights: &[u32; 11]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    // A remainder mod 11 always fits in a u8.
    (sum % 11) as u8
}

impl Iin {
    /// The 12 digits as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 7th digit: century and sex (1/2 = 1800s, 3/4 = 1900s,
    /// 5/6 = 2000s; odd male, even female). Other values occur in the wild
    /// (0 is read by some as "no century information"), so it is returned raw.
    pub fn century_sex_digit(&self) -> u8 {
        self.digits()[6]
    }

    /// Sex from the 7th digit, if it is 1–6.
    pub fn sex(&self) -> Option<Sex> {
        match self.century_sex_digit() {
            1 | 3 | 5 => Some(Sex::Male),
            2 | 4 | 6 => Some(Sex::Female),
            _ => None,
        }
    }

    /// Birth date encoded in the first 7 digits, if they make a real date.
    ///
    /// `None` for an unknown century digit or an impossible date (month 15).
    /// Since 2013 this may differ from the holder's actual birth date.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        let d = self.digits();
        let century = match d[6] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            5 | 6 => 2000,
            _ => return None,
        };
        let two = |i: usize| u32::from(d[i]) * 10 + u32::from(d[i + 1]);
        // `two` is at most 99, so the cast is lossless.
        let year = century + two(0) as i32;
        NaiveDate::from_ymd_opt(year, two(2), two(4))
    }

    fn digits(&self) -> [u8; LEN] {
        let bytes = self.0.as_bytes();
        std::array::from_fn(|i| bytes[i] - b'0')
    }
}

impl FromStr for Iin {
    type Err = IinError;

    /// Accepts exactly 12 ASCII digits with a correct check digit; no
    /// trimming, so stray spaces are reported rather than silently dropped.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let count = s.chars().count();
        if count != LEN {
            return Err(IinError::WrongLength { found: count });
        }
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(IinError::NotADigit {
                position: i + 1,
                found: c,
            });
        }
        let bytes = s.as_bytes();
        let first11: [u8; 11] = std::array::from_fn(|i| bytes[i] - b'0');
        let found = bytes[11] - b'0';
        match check_digit(&first11) {
            None => Err(IinError::NeverIssued),
            Some(expected) if expected != found => {
                Err(IinError::CheckDigitMismatch { expected, found })
            }
            Some(_) => Ok(Iin(s.to_owned())),
        }
    }
}

impl TryFrom<String> for Iin {
    type Error = IinError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Iin> for String {
    fn from(iin: Iin) -> String {
        iin.0
    }
}

impl fmt::Display for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Forms an IIN from a birth date, sex and 4-digit serial (0..=9999).
///
/// Returns [`IinError::NeverIssued`] when this serial admits no check digit;
/// the caller then picks another serial.
pub fn form(birth_date: NaiveDate, sex: Sex, serial: u16) -> Result<Iin, IinError> {
    let year = birth_date.year();
    let century_base = match year {
        1800..=1899 => 1,
        1900..=1999 => 3,
        2000..=2099 => 5,
        _ => return Err(IinError::YearOutOfRange { year }),
    };
    if serial > 9999 {
        return Err(IinError::SerialOutOfRange { serial });
    }
    let c = match sex {
        Sex::Male => century_base,
        Sex::Female => century_base + 1,
    };
    let first11 = format!(
        "{:02}{:02}{:02}{c}{serial:04}",
        year % 100,
        birth_date.month(),
        birth_date.day()
    );
    let bytes = first11.as_bytes();
    let digits: [u8; 11] = std::array::from_fn(|i| bytes[i] - b'0');
    let k = check_digit(&digits).ok_or(IinError::NeverIssued)?;
    Ok(Iin(format!("{first11}{k}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first11(s: &str) -> [u8; 11] {
        let b = s.as_bytes();
        std::array::from_fn(|i| b[i] - b'0')
    }

    fn first_weighting(s: &str) -> u8 {
        let w: [u32; 11] = std::array::from_fn(|i| i as u32 + 1);
        weighted_mod11(&first11(s), &w)
    }

    #[test]
    fn valid_vectors_parse() {
        for s in ["921029350851", "900101300017", "791028302728"] {
            let iin: Iin = s.parse().unwrap();
            assert_eq!(iin.as_str(), s);
            assert_eq!(iin.to_string(), s);
            assert_ne!(first_weighting(s), 10, "{s} should not need the fallback");
        }
    }

    #[test]
    fn fallback_weights_vectors_parse() {
        for s in ["061211600012", "040412500083"] {
            assert_eq!(first_weighting(s), 10, "{s} should need the fallback");
            assert!(s.parse::<Iin>().is_ok(), "{s}");
        }
    }

    #[test]
    fn birth_date_and_sex_read_out() {
        let iin: Iin = "921029350851".parse().unwrap();
        assert_eq!(iin.birth_date(), NaiveDate::from_ymd_opt(1992, 10, 29));
        assert_eq!(iin.century_sex_digit(), 3);
        assert_eq!(iin.sex(), Some(Sex::Male));
        let iin: Iin = "061211600012".parse().unwrap();
        assert_eq!(iin.birth_date(), NaiveDate::from_ymd_opt(2006, 12, 11));
        assert_eq!(iin.sex(), Some(Sex::Female));
    }

    #[test]
    fn wrong_check_digit() {
        assert_eq!(
            "921029350852".parse::<Iin>(),
            Err(IinError::CheckDigitMismatch {
                expected: 1,
                found: 2
            })
        );
    }

    #[test]
    fn century_digit_nine_passes_the_checksum() {
        // Listed as invalid for its 7th digit (9); the first weighting gives 10
        // and the fallback gives 0, which matches. So the checksum accepts it
        // and only the read-outs reveal the problem.
        let iin: Iin = "921029950850".parse().unwrap();
        assert_eq!(iin.century_sex_digit(), 9);
        assert_eq!(iin.birth_date(), None);
        assert_eq!(iin.sex(), None);
    }

    #[test]
    fn month_fifteen_passes_the_checksum() {
        // Listed as invalid for month 15; the first weighting gives 10 and the
        // fallback gives 9, which matches. Parsing accepts it (Decree No. 853
        // of 2013); the birth date read-out is None.
        let iin: Iin = "921529350859".parse().unwrap();
        assert_eq!(iin.birth_date(), None);
        assert_eq!(iin.sex(), Some(Sex::Male));
    }

    #[test]
    fn both_weightings_ten() {
        assert_eq!(check_digit(&first11("821214240092")), None);
        assert_eq!("821214240092".parse::<Iin>(), Err(IinError::NeverIssued));
    }

    #[test]
    fn form_errors() {
        assert_eq!(
            "92102935085".parse::<Iin>(),
            Err(IinError::WrongLength { found: 11 })
        );
        assert_eq!(
            "92102935085Ы".parse::<Iin>(),
            Err(IinError::NotADigit {
                position: 12,
                found: 'Ы'
            })
        );
        assert_eq!(
            "9210 9350851".parse::<Iin>(),
            Err(IinError::NotADigit {
                position: 5,
                found: ' '
            })
        );
    }

    #[test]
    fn form_round_trips() {
        let cases = [
            (NaiveDate::from_ymd_opt(1992, 10, 29).unwrap(), Sex::Male, 3),
            (
                NaiveDate::from_ymd_opt(2006, 12, 11).unwrap(),
                Sex::Female,
                6,
            ),
            (
                NaiveDate::from_ymd_opt(1875, 2, 28).unwrap(),
                Sex::Female,
                2,
            ),
            (NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(), Sex::Male, 5),
        ];
        for (date, sex, digit) in cases {
            let mut formed = 0;
            for serial in 0..=9999u16 {
                match form(date, sex, serial) {
                    Ok(iin) => {
                        let parsed: Iin = iin.as_str().parse().unwrap();
                        assert_eq!(parsed, iin);
                        assert_eq!(parsed.birth_date(), Some(date));
                        assert_eq!(parsed.century_sex_digit(), digit);
                        assert_eq!(parsed.sex(), Some(sex));
                        formed += 1;
                    }
                    Err(e) => assert_eq!(e, IinError::NeverIssued),
                }
            }
            assert!(formed > 9000, "{formed} of 10000 serials formed");
        }
    }

    #[test]
    fn form_reproduces_a_known_vector() {
        let date = NaiveDate::from_ymd_opt(1992, 10, 29).unwrap();
        assert_eq!(
            form(date, Sex::Male, 5085).unwrap().as_str(),
            "921029350851"
        );
        // 821214 2 4009: the first 11 digits of the both-sums-10 vector.
        let date = NaiveDate::from_ymd_opt(1882, 12, 14).unwrap();
        assert_eq!(form(date, Sex::Female, 4009), Err(IinError::NeverIssued));
    }

    #[test]
    fn form_rejects_out_of_range() {
        let date = NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
        assert_eq!(
            form(date, Sex::Male, 1),
            Err(IinError::YearOutOfRange { year: 2100 })
        );
        let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        assert_eq!(
            form(date, Sex::Male, 10000),
            Err(IinError::SerialOutOfRange { serial: 10000 })
        );
    }

    #[test]
    fn sex_serde_is_lowercase() {
        #[derive(Deserialize)]
        struct W {
            sex: Sex,
        }
        let w: W = serde_saphyr::from_str("sex: female").unwrap();
        assert_eq!(w.sex, Sex::Female);
    }

    #[test]
    fn iin_deserializes_with_validation() {
        #[derive(Deserialize)]
        struct W {
            iin: Iin,
        }
        let w: W = serde_saphyr::from_str("iin: \"900101300017\"").unwrap();
        assert_eq!(w.iin.as_str(), "900101300017");
        assert!(serde_saphyr::from_str::<W>("iin: \"900101300018\"").is_err());
    }
}
