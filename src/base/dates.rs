//! Dates the way each language writes them in official documents.

use crate::base::text::Lang;
use chrono::{Datelike, NaiveDate};

const RU_MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const KK_MONTHS: [&str; 12] = [
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
];

/// "19 марта 2024 года" / "2024 жылғы 19 наурыз".
pub fn long(date: NaiveDate, lang: Lang) -> String {
    let m = date.month0() as usize;
    match lang {
        Lang::Ru => format!("{} {} {} года", date.day(), RU_MONTHS[m], date.year()),
        Lang::Kk => format!("{} жылғы {} {}", date.year(), date.day(), KK_MONTHS[m]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_dates_per_language() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 19).unwrap();
        assert_eq!(long(d, Lang::Ru), "19 марта 2024 года");
        assert_eq!(long(d, Lang::Kk), "2024 жылғы 19 наурыз");
        let d = NaiveDate::from_ymd_opt(2023, 2, 8).unwrap();
        assert_eq!(long(d, Lang::Ru), "8 февраля 2023 года");
        assert_eq!(long(d, Lang::Kk), "2023 жылғы 8 ақпан");
    }
}
