//! Rendered PDFs: the seeds' wording verbatim in both languages, golden text
//! snapshots, hostile strings, determinism and the QR code. (Letters the font
//! lacks: tests/hostile.rs.)

mod common;

use common::{Scratch, assert_contains_all, pdf_lines, pdf_text, project, root};
use qujat::project::{Document, Project};
use std::collections::BTreeMap;
use std::path::Path;

fn case_docs(p: &Project, case: &Path) -> BTreeMap<String, Vec<u8>> {
    by_name(case_documents(p, case))
}

fn case_documents(p: &Project, case: &Path) -> Vec<Document> {
    let (lc, d) = p.decide(case, None).unwrap_or_else(|e| panic!("{e}"));
    p.render_case(&lc, &d, None)
        .unwrap_or_else(|e| panic!("{e}"))
        .documents
}

fn by_name(docs: Vec<Document>) -> BTreeMap<String, Vec<u8>> {
    docs.into_iter()
        .map(|d| {
            (
                d.name.display().to_string(),
                d.pdf.bytes().unwrap().to_vec(),
            )
        })
        .collect()
}

/// Every blank form and every sample case, rendered once for this binary,
/// by name.
fn rendered() -> &'static BTreeMap<String, Document> {
    static ALL: std::sync::OnceLock<BTreeMap<String, Document>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let p = project();
        // The pilot's forms were in force in 2024, the exit service's from
        // July 2026: blanks as of one day in each period cover every form.
        let mut docs = vec![];
        for day in ["2024-06-01", "2026-09-01"] {
            let day = day.parse().unwrap();
            docs.extend(
                p.render_blanks(day, None)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .0,
            );
        }
        for case in p.sample_cases() {
            docs.extend(case_documents(p, &case));
        }
        docs.into_iter()
            .map(|d| (d.name.display().to_string(), d))
            .collect()
    })
}

/// The PDFs of [`rendered`].
fn everything() -> &'static BTreeMap<String, Vec<u8>> {
    static ALL: std::sync::OnceLock<BTreeMap<String, Vec<u8>>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        rendered()
            .iter()
            .map(|(name, d)| (name.clone(), d.pdf.bytes().unwrap().to_vec()))
            .collect()
    })
}

fn text_of(name: &str) -> String {
    let all = everything();
    let pdf = all
        .get(name)
        .unwrap_or_else(|| panic!("no document {name}; have {:?}", all.keys()));
    pdf_text(pdf)
}

#[test]
fn output_holds_every_form_blank_and_filled_in_both_languages() {
    let names: Vec<&str> = everything().keys().map(String::as_str).collect();
    for expected in [
        "blank/iin-pilot-2024/pilot-application.kk.pdf",
        "blank/iin-pilot-2024/pilot-application.ru.pdf",
        "blank/iin-pilot-2024/pilot-certificate.pdf",
        "blank/iin-pilot-2024/pilot-refusal-notice.pdf",
        "blank/iin-foreigners/correction-application.kk.pdf",
        "blank/iin-foreigners/correction-application.ru.pdf",
        "blank/iin-foreigners/intake-receipt.kk.pdf",
        "blank/iin-foreigners/intake-receipt.ru.pdf",
        "blank/exit-permanent-residence/exit-questionnaire.pdf",
        "cases/exit-2026-0001/exit-questionnaire.pdf",
        "cases/exit-2026-0002/exit-questionnaire.pdf",
        "cases/pilot-2024-0001/pilot-application.kk.pdf",
        "cases/pilot-2024-0001/pilot-application.ru.pdf",
        "cases/pilot-2024-0001/pilot-certificate.pdf",
        "cases/pilot-2024-0002/pilot-refusal-notice.pdf",
        "cases/iin-2024-0101/correction-application.ru.pdf",
        "cases/iin-2024-0101/correction-application.kk.pdf",
        "cases/iin-2024-0102/intake-receipt.ru.pdf",
        "cases/iin-2024-0102/intake-receipt.kk.pdf",
    ] {
        assert!(
            names.contains(&expected),
            "missing {expected}; have {names:?}"
        );
    }
}

#[test]
fn pilot_application_carries_the_seeds_wording_in_both_languages() {
    assert_contains_all(
        "kk application",
        &text_of("blank/iin-pilot-2024/pilot-application.kk.pdf"),
        &[
            "Өтініш",
            "үшін жеке сәйкестендіру нөмірін беруді сұраймын.",
            "Әкесінің аты (бар болған жағдайда) латын транскрипциясында",
            "Жеке басын куәландыратын құжаттың қолданылу мерзімі",
            "Ақпараттық жүйелерде заңмен қорғалатын құпиядан тұратын мәліметтерді пайдалануға келісемін.",
            "(қолы, күні)",
            "алгоритміне 1-қосымша",
        ],
    );
    assert_contains_all(
        "ru application",
        &text_of("cases/pilot-2024-0001/pilot-application.ru.pdf"),
        &[
            "Заявление",
            "Прошу присвоить мне индивидуальный идентификационный номер для открытия банковского счета.",
            "Имя в латинской транскрипции ANNA MARIA",
            "Фамилия в латинской транскрипции ERIKSSON",
            "Дата рождения 12 августа 1974 года",
            "Срок действия документа удостоверяющая личность 15 апреля 2029 года",
            "(БИН 960340000514)",
            "(подпись, дата)",
        ],
    );
    assert_contains_all(
        "kk filled dates",
        &text_of("cases/pilot-2024-0001/pilot-application.kk.pdf"),
        &["Туған күні 1974 жылғы 12 тамыз", "Жынысы әйел"],
    );
}

/// Algorithm appendices 1–3 carry, in their corner, the joint order's
/// reference (seed 000 in Kazakh, seed 001 in Russian).
#[test]
fn pilot_corner_blocks_carry_the_order_reference() {
    let kk = "Қазақстан Республикасы ішкі істер министрі 2024 жылғы 19 наурыздағы № 246, Қазақстан Республикасының Цифрлық даму, инновациялар және аэроғарыш өнеркәсібі министрі 2024 жылғы 19 наурыздағы № 166/НҚ мен Қазақстан Республикасы Сыртқы істер министрінің міндетін атқарушы 2024 жылғы 19 наурыздағы № 11-1-4/113";
    let ru = "Министр внутренних дел Республики Казахстан от 19 марта 2024 года № 246, Министр цифрового развития, инноваций и аэрокосмической промышленности Республики Казахстан от 19 марта 2024 года № 166/НҚ и Исполняющий обязанности Министра иностранных дел Республики Казахстан от 19 марта 2024 года № 11-1-4/113";
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    for (doc, wanted) in [
        ("blank/iin-pilot-2024/pilot-application.kk.pdf", vec![kk]),
        ("blank/iin-pilot-2024/pilot-application.ru.pdf", vec![ru]),
        ("cases/pilot-2024-0001/pilot-application.kk.pdf", vec![kk]),
        ("cases/pilot-2024-0001/pilot-certificate.pdf", vec![kk, ru]),
        (
            "cases/pilot-2024-0002/pilot-refusal-notice.pdf",
            vec![kk, ru],
        ),
        ("blank/iin-pilot-2024/pilot-certificate.pdf", vec![kk, ru]),
    ] {
        let text = squeeze(&text_of(doc));
        for w in wanted {
            assert!(text.contains(&squeeze(w)), "{doc} lacks {w:?}");
        }
    }
}

#[test]
fn certificate_is_bilingual_with_the_formed_iin() {
    let t = text_of("cases/pilot-2024-0001/pilot-certificate.pdf");
    let (_, d) = project()
        .decide(&root().join("cases/pilot-certificate.yaml"), None)
        .unwrap();
    let qujat::decide::Outcome::Completed { iin: Some(iin), .. } = d.outcome else {
        panic!()
    };
    assert_contains_all(
        "certificate",
        &t,
        &[
            "Тіркеу куәлігі",
            "Регистрационное свидетельство",
            &format!("Жеке сәйкестендіру нөмірі (ЖСН): {iin}"),
            &format!("Индивидуальный идентификационный номер (ИИН): {iin}"),
            "Берген мекеме ҚР Ішкі Істер министрлігі",
            "Орган выдачи Министерство внутренних дел РК",
            "Берілген кезі 2024 жылғы 4 маусым",
            "Дата выдачи 4 июня 2024 года",
            "Жеке басты куәландыратын құжатты ұсынған кезде жарамды",
            "Действительно только при предъявлении документа, удостоверяющего личность",
        ],
    );
}

#[test]
fn refusal_notice_gives_the_ground_in_both_languages() {
    assert_contains_all(
        "notice",
        &text_of("cases/pilot-2024-0002/pilot-refusal-notice.pdf"),
        &[
            "Жеке сәйкестендіру нөмірін қалыптастырудан бас тарту туралы ХАБАРЛАМА",
            "УВЕДОМЛЕНИЕ об отказе в формировании индивидуального идентификационного номера",
            "Бас тарту себебі көрсетілетін қызметті алушыда бұрын тіркелген ЖСН анықтау",
            "Причина отказа выявления у услугополучателя ранее зарегистрированного ИИН",
        ],
    );
}

#[test]
fn receipt_names_exactly_the_missing_documents() {
    let t = text_of("cases/iin-2024-0102/intake-receipt.ru.pdf");
    assert_contains_all(
        "receipt",
        &t,
        &[
            "Расписка об отказе в приеме документов",
            "Руководствуясь статьей 19 и пунктом 2 статьи 20 Закона Республики Казахстан \"О государственных услугах\"",
            "Государственная корпорация (г. Алматы, ул. Толе би, 155) отказывает в приеме документов",
            "Наименование отсутствующих документов:",
            "1) нотариально удостоверенная доверенность, в случае обращения представителя услугополучателя",
            "2) документ удостоверяющий личность",
            // Appendix 5's one list holds the expired passport too, marked
            // with the appendix's own words (rules/amendments/mvd-146-2023.yaml).
            "Правительством Республики Казахстан) (с истекшим сроком действия)",
            "Настоящая расписка составлена в 2 экземплярах, по одному для каждой стороны.",
            "14 ноября 2024 года",
        ],
    );
    assert!(!t.contains("3)"), "only two documents are missing: {t}");
    assert!(
        !t.contains("перевод"),
        "the translation is not required for a Latin passport: {t}"
    );
    let blank = text_of("blank/iin-foreigners/intake-receipt.ru.pdf");
    assert_contains_all(
        "blank receipt",
        &blank,
        &[
            "(указать адрес)",
            "1)",
            "2)",
            "3)",
            "\"___\" _________ 20__ год.",
        ],
    );
}

#[test]
fn correction_form_shows_only_the_changed_parameters() {
    let t = text_of("cases/iin-2024-0101/correction-application.ru.pdf");
    assert_contains_all(
        "correction",
        &t,
        &[
            "Прошу произвести корректировку установочных данных в национальных реестрах на",
            "МЮЛЛЕР КЛАРА, 11 февраля 1985 года, 850211400021",
            "(Ф.И.О. (при его наличии), дата рождения, ИИН)",
            "Текущие сведения в базе данных МВД",
            "1 Фамилия SCHMIDT MÜLLER",
            "8 Номер документа C01X00T11 C01X00T47",
            "*в таблице указывать только те параметры, которые необходимо откорректировать",
        ],
    );
}

/// Golden text snapshots under tests/golden: a change to a rule or label shows
/// up in review as a readable diff. `UPDATE_GOLDEN=1 cargo test` rewrites them.
#[test]
fn golden_text_snapshots() {
    let dir = root().join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = vec![];
    for (name, pdf) in everything() {
        let file = dir.join(name.replace('/', "__").replace(".pdf", ".txt"));
        let text = pdf_lines(pdf);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, &text).unwrap();
        } else if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
            failures.push(file.display().to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "text changed (review, then UPDATE_GOLDEN=1 cargo test): {failures:#?}"
    );
}

#[test]
fn hostile_names_print_literally() {
    let s = Scratch::new("hostile");
    let hostile = r#"#read("/x") *b* $x$ ] {{ purpose }} #panic()"#;
    let case = s.path("cases/pilot-certificate.yaml");
    let text = std::fs::read_to_string(&case).unwrap().replace(
        r#"surname: { latin: "ERIKSSON", cyrillic: "ЭРИКССОН" }"#,
        &format!("surname: {{ latin: '{hostile}', cyrillic: 'ӘҒҚҢӨҰҮҺІ әғқңөұүһі' }}"),
    );
    std::fs::write(&case, text).unwrap();
    let p = Project::open(&s.dir).unwrap();
    let docs = case_docs(&p, &case);
    let t = pdf_text(&docs["cases/pilot-2024-0001/pilot-application.ru.pdf"]);
    assert!(t.contains(hostile), "{t}");
    assert!(t.contains("ӘҒҚҢӨҰҮҺІ әғқңөұүһі"), "{t}");
    let t = pdf_text(&docs["cases/pilot-2024-0001/pilot-certificate.pdf"]);
    assert!(t.contains(hostile), "{t}");
}

#[test]
fn same_input_gives_the_same_bytes_and_documents_differ_in_id() {
    let p = project();
    let case = root().join("cases/pilot-certificate.yaml");
    let a = case_docs(p, &case);
    let b = case_docs(&Project::open(&root()).unwrap(), &case);
    assert_eq!(a, b);
    // The same for a document with a QR code.
    let notice = root().join("cases/pilot-refused.yaml");
    assert_eq!(
        case_docs(p, &notice),
        case_docs(&Project::open(&root()).unwrap(), &notice)
    );
    let id = |pdf: &[u8]| {
        lopdf::Document::load_mem(pdf)
            .unwrap()
            .trailer
            .get(b"ID")
            .unwrap()
            .clone()
    };
    assert_ne!(
        id(&a["cases/pilot-2024-0001/pilot-application.ru.pdf"]),
        id(&a["cases/pilot-2024-0001/pilot-application.kk.pdf"])
    );
}

/// One entry of a PDF's document information dictionary.
fn info(pdf: &[u8], key: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let id = doc
        .trailer
        .get(b"Info")
        .and_then(|r| r.as_reference())
        .unwrap();
    let dict = doc.get_dictionary(id).unwrap();
    lopdf::decode_text_string(dict.get(key).unwrap()).unwrap()
}

#[test]
fn pdf_metadata_has_title_language_and_keywords() {
    let pdf = &everything()["cases/pilot-2024-0001/pilot-application.kk.pdf"];
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let s = |k: &[u8]| info(pdf, k);
    assert_eq!(s(b"Title"), "Өтініш");
    assert!(
        s(b"Keywords").contains("pilot-application"),
        "{}",
        s(b"Keywords")
    );
    let catalog = doc.catalog().unwrap();
    assert_eq!(
        lopdf::decode_text_string(catalog.get(b"Lang").unwrap()).unwrap(),
        "kk"
    );
    // Every document records the rules it was made under.
    assert!(
        s(b"Subject").contains("rules of iin-pilot-2024 in force on 2024-06-03: pilot-2024"),
        "{}",
        s(b"Subject")
    );
}

#[test]
fn documents_record_the_amendments_they_applied() {
    let subject = info(
        &everything()["cases/exit-2026-0001/exit-questionnaire.pdf"],
        b"Subject",
    );
    for needle in [
        "mvd-259-2020 + mvd-348-2026",
        "amendments applied: ",
        "mvd-348-2026, appendix 2",
    ] {
        assert!(subject.contains(needle), "{needle:?} not in {subject}");
    }
}

/// Every QR code the suite renders scans from a 150-dpi rendering and says
/// exactly what the renderer put in it.
/// Needs poppler-utils and zbar-tools (.ci/run installs them).
#[test]
fn every_qr_code_scans_at_150_dpi() {
    let dir = std::env::temp_dir().join(format!("qujat-qr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |cmd: &str, args: &[&str]| {
        let out = std::process::Command::new(cmd)
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("{cmd}: {e} (install poppler-utils and zbar-tools; .ci/run does)")
            });
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut scanned = vec![];
    for (name, doc) in rendered() {
        let Some(payload) = &doc.qr else { continue };
        let pdf = dir.join("doc.pdf");
        std::fs::write(&pdf, doc.pdf.bytes().unwrap()).unwrap();
        let page = dir.join("page");
        let _ = std::fs::remove_file(dir.join("page.png"));
        run(
            "pdftoppm",
            &[
                "-r",
                "150",
                "-png",
                "-singlefile",
                pdf.to_str().unwrap(),
                page.to_str().unwrap(),
            ],
        );
        let read = run(
            "zbarimg",
            &["--quiet", "--raw", dir.join("page.png").to_str().unwrap()],
        );
        assert_eq!(read.trim_end(), payload, "{name}");
        scanned.push(name.as_str());
    }
    let _ = std::fs::remove_dir_all(&dir);
    // The refusal notice is the form with a QR code, blank and filled.
    assert_eq!(
        scanned,
        [
            "blank/iin-pilot-2024/pilot-refusal-notice.pdf",
            "cases/pilot-2024-0002/pilot-refusal-notice.pdf"
        ]
    );
    let filled = &rendered()["cases/pilot-2024-0002/pilot-refusal-notice.pdf"];
    let payload = filled.qr.as_deref().unwrap();
    assert!(payload.starts_with("qujat;id=pilot-2024-0002-pilot-refusal-notice;kind=pilot-refusal-notice;date=2024-09-10;sha256="), "{payload}");
    assert_eq!(payload.rsplit('=').next().unwrap().len(), 64, "{payload}");
}

#[test]
fn a_failing_case_does_not_stop_the_build_of_the_others() {
    let s = Scratch::new("build-fail");
    s.edit(
        "cases/pilot-refused.yaml",
        "institution: 28",
        "institution: 999",
    );
    let p = Project::open(&s.dir).unwrap();
    let out = s.path("output");
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let seen = std::sync::Mutex::new(vec![]);
    let report = p.build(&out, date, 2, &|job| {
        seen.lock().unwrap().push(job.to_string())
    });
    // Every job ran (and was reported to the progress callback) once.
    assert_eq!(seen.lock().unwrap().len(), p.build_jobs().len());
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    let (job, err) = &report.failed[0];
    assert!(
        job.to_string().ends_with("cases/pilot-refused.yaml"),
        "{job}"
    );
    assert!(
        err.to_string()
            .contains("institution 999 is not in the list of foreign institutions"),
        "{err}"
    );
    // The other cases and the blanks were written: 17 documents in a full
    // build, less the refused pilot case's application (kk, ru) and notice.
    assert_eq!(report.rendered, 14, "{report:?}");
    let written = walkdir::WalkDir::new(&out)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .count();
    assert_eq!(written, 14);
    assert!(!out.join("cases/pilot-2024-0002").exists());
}

/// A fact added to a service's YAML and bound by a form prints in the PDF,
/// in each language, with no Rust written for it.
#[test]
fn a_new_fact_declared_in_yaml_prints_in_the_form() {
    let s = Scratch::new("new-fact");
    s.edit(
        "rules/amendments/mvd-348-2026.yaml",
        "            - id: registration_data_missing\n",
        "            - { id: contact_phone, type: text, optional: true, label: { kk: \"Байланыс телефоны\", ru: \"Контактный телефон\", ours: [kk, ru] } }\n            - { id: hobby, type: bilingual, label: { kk: \"Хоббиі\", ru: \"Хобби\", ours: [kk, ru] } }\n            - id: registration_data_missing\n",
    );
    s.edit(
        "forms/exit-questionnaire.yaml",
        "  - paragraph:\n      kk: \"9. ",
        "  - field:\n      label: { kk: \"Телефон\", ru: \"Телефон\" }\n      value: exit.contact_phone\n  - field:\n      label: { kk: \"Хоббиі\", ru: \"Хобби\" }\n      value: exit.hobby\n  - paragraph:\n      kk: \"9. ",
    );
    let case = s.path("cases/exit-accepted.yaml");
    s.edit(
        "cases/exit-accepted.yaml",
        "  registration_data_missing: false\n",
        "  registration_data_missing: false\n  contact_phone: \"+7 700 123 45 67\"\n  hobby: { kk: \"домбырада ойнау\", ru: \"игра на домбре\" }\n",
    );
    let p = Project::open(&s.dir).unwrap_or_else(|e| panic!("{e}"));
    let docs = case_docs(&p, &case);
    let t = pdf_text(&docs["cases/exit-2026-0001/exit-questionnaire.pdf"]);
    assert_contains_all(
        "questionnaire",
        &t,
        &["+7 700 123 45 67", "домбырада ойнау", "игра на домбре"],
    );
    // The other exit case lacks the required fact: an error in the case
    // file, not a blank field.
    let other = s.path("cases/exit-refused.yaml");
    let Err(e) = p.decide(&other, None) else {
        panic!("a case without the required `exit.hobby` was decided");
    };
    let e = e.to_string();
    assert!(e.contains("required fact `exit.hobby`"), "{e}");
    assert!(e.contains("exit-refused.yaml:"), "{e}");
}

/// `serve` draws previews and leaves each PDF to be exported from the kept
/// layout when it is opened: every such PDF is byte for byte the PDF
/// `build` writes, also when the preview is drawn again from Typst's kept
/// work (the second round).
#[test]
fn a_previews_pdf_exported_later_is_the_documents_pdf() {
    let day = "2024-06-01".parse().unwrap();
    let all = |p: &Project| {
        let mut docs = p.render_blanks(day, None).unwrap().0;
        for case in p.sample_cases() {
            docs.extend(case_documents(p, &case));
        }
        docs
    };
    let built = by_name(all(project()));
    assert!(built.len() > 10);
    for round in 0..2 {
        // A new load and memo each round, as after a save to a template:
        // every document is compiled again.
        let p = Project::open(&root())
            .unwrap()
            .with_previews(1.0, Default::default());
        let docs = all(&p);
        assert_eq!(docs.len(), built.len());
        for d in docs {
            let name = d.name.display().to_string();
            assert!(!d.pages.is_empty(), "{name}: no page images");
            assert!(
                d.pdf.bytes().unwrap() == built[&name].as_slice(),
                "{name} (round {round}): the preview's PDF differs from build's"
            );
        }
    }
}
