//! The interface's own words in Kazakh and Russian. The rules' texts come
//! from the rule files in the language chosen; identifiers, citations and
//! the command-line reports (decision, trace, diff) stay as qujat prints
//! them.

use crate::base::text::Lang;
use std::collections::BTreeMap;

/// key, Kazakh, Russian.
const TEXTS: &[(&str, &str, &str)] = &[
    (
        "app",
        "qujat — ережелер мен құжаттар",
        "qujat — правила и документы",
    ),
    ("services", "Қызметтер", "Услуги"),
    ("forms", "Нысандар", "Формы"),
    ("cases", "Істер", "Дела"),
    ("diagnostics", "Тексеру", "Проверка"),
    ("review", "Өзгерістер", "Изменения"),
    ("date", "Күні", "Дата"),
    ("show", "Көрсету", "Показать"),
    (
        "rules_on",
        "Қолданыстағы ережелер, күні",
        "Правила, действующие на",
    ),
    ("in_force", "күшінде", "действует"),
    ("not_in_force", "күшінде емес", "не действует"),
    ("provider", "Көрсетілетін қызметті беруші", "Услугодатель"),
    ("basis", "Негіз", "Основание"),
    ("service_form", "Көрсету нысаны", "Форма оказания"),
    ("result", "Нәтижесі", "Результат"),
    ("term", "Мерзімі", "Срок"),
    ("working_days", "жұмыс күндері", "рабочих дней"),
    ("fee", "Төлем", "Плата"),
    (
        "max_wait",
        "Күтудің ең ұзақ уақыты, мин",
        "Максимальное время ожидания, мин",
    ),
    (
        "max_service",
        "Қызмет көрсетудің ең ұзақ уақыты, мин",
        "Максимальное время обслуживания, мин",
    ),
    ("channels", "Арналар", "Каналы"),
    ("requests", "Өтініш түрлері", "Виды обращений"),
    ("documents", "Құжаттар", "Документы"),
    ("when", "шарты", "условие"),
    (
        "conditions",
        "Шарттар (құжат қай кезде талап етіледі)",
        "Условия (когда требуется документ)",
    ),
    ("parameters", "Параметрлер", "Параметры"),
    ("legalization", "Заңдастыру", "Легализация"),
    (
        "intake_refusal",
        "Құжаттарды қабылдаудан бас тарту",
        "Отказ в приёме документов",
    ),
    ("grounds", "Бас тарту негіздері", "Основания для отказа"),
    ("for_requests", "өтініштер", "обращения"),
    ("steps", "Қадамдар", "Этапы"),
    ("appeals", "Шағымдану", "Обжалование"),
    ("schedules", "Жұмыс кестесі", "График работы"),
    ("acts_applied", "Қолданылған актілер", "Применённые акты"),
    (
        "changes_applied",
        "Қолданылған өзгерістер",
        "Применённые изменения",
    ),
    (
        "pending",
        "Қабылданған, бірақ әлі күшіне енбеген өзгерістер",
        "Принятые, но ещё не вступившие в силу изменения",
    ),
    ("caveats", "Ескертпелер", "Оговорки"),
    (
        "missing",
        "Кодталмаған бөліктер (мәтіні бастапқы көздерде жоқ)",
        "Не закодировано (текста нет в источниках)",
    ),
    (
        "unencoded",
        "Кодталмаған бөліктер (бастапқы көздерде бар, бірақ ешбір бөлікте жоқ)",
        "Не закодировано (есть в источниках, не входит ни в одну часть)",
    ),
    ("full_text", "Толық мәтін", "Полный текст"),
    ("blank_forms", "Бос бланкілер", "Пустые бланки"),
    ("case_forms", "Іс құжаттары", "Документы дела"),
    ("page", "бет", "страница"),
    ("page_text", "Беттің мәтіні", "Текст страницы"),
    ("pdf", "PDF ашу", "Открыть PDF"),
    ("notes", "Түсініктемелер", "Примечания"),
    (
        "stale",
        "Ескірген: файлдарда қате бар, соңғы дұрыс нұсқа көрсетілген",
        "Устарело: в файлах ошибки, показана последняя исправная версия",
    ),
    ("errors", "Қателер", "Ошибки"),
    ("warnings", "Ескертулер", "Предупреждения"),
    (
        "no_problems",
        "Қате де, ескерту де жоқ",
        "Ни ошибок, ни предупреждений",
    ),
    ("decision", "Шешім", "Решение"),
    ("trace", "Шешімнің барысы", "Ход решения"),
    ("outcome", "Нәтиже", "Итог"),
    (
        "outcomes",
        "Нәтижелер және олардың құжаттары",
        "Итоги и их документы",
    ),
    ("computes", "есептейді", "вычисляет"),
    ("no_form", "нысаны жоқ", "без формы"),
    ("applied_on", "Өтініш берілген күн", "Дата обращения"),
    (
        "as_of",
        "Басқа күннің ережелерімен",
        "По правилам другой даты",
    ),
    ("service", "Қызмет", "Услуга"),
    ("file", "Файл", "Файл"),
    (
        "rules_diff",
        "Екі күн арасындағы ережелер",
        "Правила на две даты",
    ),
    ("from", "Бастап", "С"),
    ("to", "Дейін", "По"),
    ("compare", "Салыстыру", "Сравнить"),
    (
        "revision_diff",
        "Жұмыс көшірмесінің құжаттары мен git нұсқасы",
        "Документы рабочей копии и ревизии git",
    ),
    ("revision", "Нұсқа (git)", "Ревизия (git)"),
    ("report", "Толық есеп", "Полный отчёт"),
    ("no_diff", "Өзгеріс жоқ", "Изменений нет"),
    (
        "project_errors",
        "Жоба ережелері жүктелмейді",
        "Правила проекта не загружаются",
    ),
    ("template_error", "Үлгілер оқылмайды", "Шаблоны не читаются"),
    (
        "render_errors",
        "Құжаттар жасалмады",
        "Документы не сформированы",
    ),
    ("case_errors", "Істер шешілмеді", "Дела не решены"),
    ("not_found", "Табылмады", "Не найдено"),
    ("bad_request", "Қате сұрау", "Неверный запрос"),
    (
        "live",
        "Файл сақталғанда бет өздігінен жаңарады",
        "Страница обновляется сама при сохранении файла",
    ),
    (
        "outcome_accepted",
        "Құжаттар қабылданды",
        "Документы приняты",
    ),
    (
        "outcome_refused_at_intake",
        "Құжаттарды қабылдаудан бас тартылды",
        "Отказано в приёме документов",
    ),
    (
        "outcome_refused",
        "Қызмет көрсетуден бас тартылды",
        "Отказано в оказании услуги",
    ),
    (
        "outcome_completed",
        "Қызмет көрсетілді, нәтижесі берілді",
        "Услуга оказана, результат выдан",
    ),
    (
        "no_cases",
        "cases/ бумасында іс жоқ",
        "В папке cases/ нет дел",
    ),
];

/// Every interface text in `lang`, by key.
pub fn texts(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    TEXTS
        .iter()
        .map(|(k, kk, ru)| (*k, if lang == Lang::Kk { *kk } else { *ru }))
        .collect()
}

/// The language asked for: `?lang=`, else the first of Kazakh and Russian
/// in the browser's Accept-Language, else Kazakh.
pub fn choose(param: Option<&str>, accept: Option<&str>) -> Lang {
    if let Some(l) = param.and_then(|p| p.parse().ok()) {
        return l;
    }
    accept
        .into_iter()
        .flat_map(|a| a.split(','))
        .filter_map(|part| {
            let tag = part.split(';').next()?.trim();
            tag.get(..2)?.to_ascii_lowercase().parse().ok()
        })
        .next()
        .unwrap_or(Lang::Kk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_once_and_both_languages_written() {
        let mut keys: Vec<&str> = TEXTS.iter().map(|t| t.0).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key is listed twice");
        for (k, kk, ru) in TEXTS {
            assert!(!kk.is_empty() && !ru.is_empty(), "{k}");
        }
    }

    #[test]
    fn language_from_parameter_then_browser() {
        assert_eq!(choose(Some("ru"), Some("kk")), Lang::Ru);
        assert_eq!(choose(None, Some("en-US,ru;q=0.8,kk;q=0.5")), Lang::Ru);
        assert_eq!(choose(Some("xx"), Some("kk-KZ")), Lang::Kk);
        assert_eq!(choose(None, Some("en")), Lang::Kk);
        assert_eq!(choose(None, None), Lang::Kk);
    }
}
