//! Forms on paper: no text runs over a rule, out of its cell or column, or
//! past the margins, and no value is cut — on every form, blank and filled,
//! and on stress cases with the longest plausible values
//! (tests/fixtures/stress). `render` refuses such a document
//! (src/layout_check.rs); these tests render everything and then look at the
//! laid-out pages for what that check does not cover: boxes on their line,
//! labels with their values, line breaks, repeated table headers.

mod common;

use common::{Scratch, pdf_text, project, root};
use qujat::base::text::Lang;
use qujat::compose::{Composer, Fill};
use qujat::project::{Error, Project};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use typst::layout::{Frame, FrameItem, Point, Transform};
use typst::visualize::Geometry;
use typst_layout::PagedDocument;

fn stress_cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/stress"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 5, "{cases:?}");
    cases
}

/// Renders the blank forms (of a day in each period of the rules) and the
/// given cases; the names of the documents written and the failures.
fn render_all(p: &Project, cases: &[PathBuf], blanks: bool) -> (Vec<String>, Vec<String>) {
    let mut written = vec![];
    let mut failed = vec![];
    if blanks {
        for day in ["2024-06-01", "2026-09-01"] {
            match p.render_blanks(day.parse().unwrap(), None) {
                Ok((docs, _)) => written.extend(docs.iter().map(|d| d.name.display().to_string())),
                Err(e) => failed.push(format!("blank forms of {day}: {e}")),
            }
        }
    }
    for case in cases {
        let (lc, d) = p
            .decide(case, None)
            .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        match p.render_case(&lc, &d, None) {
            Ok(docs) => written.extend(docs.documents.iter().map(|d| d.name.display().to_string())),
            Err(e) => failed.push(format!("{}: {e}", case.display())),
        }
    }
    (written, failed)
}

#[test]
fn every_form_blank_and_filled_fits_its_paper() {
    let p = project();
    let (written, failed) = render_all(p, &p.sample_cases(), true);
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
    // Every form of forms/, blank (the forms of iin-foreigners on both
    // days) and filled, the per-language ones in each language.
    assert_eq!(written.len(), 25, "{written:#?}");
}

#[test]
fn the_longest_plausible_values_stay_in_their_places() {
    let (written, failed) = render_all(project(), &stress_cases(), false);
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
    for form in [
        "exit-questionnaire.pdf",
        "pilot-application.kk.pdf",
        "pilot-application.ru.pdf",
        "pilot-certificate.pdf",
        "pilot-refusal-notice.pdf",
        "correction-application.ru.pdf",
        "correction-application.kk.pdf",
        "intake-receipt.ru.pdf",
        "intake-receipt.kk.pdf",
    ] {
        assert!(
            written.iter().any(|w| w.ends_with(form)),
            "no stress document {form}: {written:?}"
        );
    }
}

/// One form of a case laid out (not exported), one document per edition
/// (Kazakh, then Russian for a per-language form): for looking at where
/// things landed.
fn laid_out(p: &Project, case: &Path, id: &str) -> Vec<PagedDocument> {
    let (lc, d) = p.decide(case, None).unwrap_or_else(|e| panic!("{e}"));
    let views: BTreeMap<Lang, serde_json::Value> = Lang::ALL
        .into_iter()
        .map(|l| {
            let v = qujat::compose::view::of_case(&lc, &d, l);
            (l, qujat::compose::view::to_json(&v))
        })
        .collect();
    let form = &p.rules.forms[id];
    let file = &p.rules.form_files[id];
    let editions = match form.layout {
        qujat::model::Layout::PerLanguage => vec![vec![Lang::Kk], vec![Lang::Ru]],
        _ => vec![Lang::ALL.to_vec()],
    };
    editions
        .into_iter()
        .map(|langs| {
            let fill = Fill::Case {
                id: &lc.case.id.value,
                views: views.clone(),
            };
            let page = Composer { form, file, langs }
                .compose(&fill)
                .unwrap_or_else(|e| panic!("{e:?}"));
            p.renderer().unwrap().layout(&page).unwrap()
        })
        .collect()
}

/// A run of text where it landed: page (1-based), left and right edge, baseline.
#[derive(Debug, Clone)]
struct Run {
    page: usize,
    text: String,
    x0: f64,
    x1: f64,
    baseline: f64,
}

/// A stroked rectangle (a checkbox): page, left, top, right, bottom.
#[derive(Debug, Clone, Copy)]
struct Boxed {
    page: usize,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

fn walk(frame: &Frame, ts: Transform, page: usize, runs: &mut Vec<Run>, boxes: &mut Vec<Boxed>) {
    for (pos, item) in frame.items() {
        let ts = ts.pre_concat(Transform::translate(pos.x, pos.y));
        match item {
            FrameItem::Group(g) => walk(&g.frame, ts.pre_concat(g.transform), page, runs, boxes),
            FrameItem::Text(t) => {
                let a = Point::zero().transform(ts);
                runs.push(Run {
                    page,
                    text: t.text.replace("\u{200B}", "").to_string(),
                    x0: a.x.to_pt(),
                    x1: a.x.to_pt() + t.width().to_pt(),
                    baseline: a.y.to_pt(),
                });
            }
            FrameItem::Shape(s, _) if s.stroke.is_some() => {
                if let Geometry::Rect(size) = &s.geometry {
                    let a = Point::zero().transform(ts);
                    let b = Point::new(size.x, size.y).transform(ts);
                    boxes.push(Boxed {
                        page,
                        x0: a.x.to_pt(),
                        y0: a.y.to_pt(),
                        x1: b.x.to_pt(),
                        y1: b.y.to_pt(),
                    });
                }
            }
            _ => {}
        }
    }
}

fn contents(doc: &PagedDocument) -> (Vec<Run>, Vec<Boxed>) {
    let (mut runs, mut boxes) = (vec![], vec![]);
    for (i, page) in doc.pages().iter().enumerate() {
        walk(
            &page.frame,
            Transform::identity(),
            i + 1,
            &mut runs,
            &mut boxes,
        );
    }
    (runs, boxes)
}

/// The printed lines: runs sharing a page and a baseline, left to right,
/// each with its page and left edge.
fn lines(runs: &[Run]) -> Vec<(usize, f64, String)> {
    let mut by_line: BTreeMap<(usize, i64), Vec<&Run>> = BTreeMap::new();
    for r in runs {
        by_line
            .entry((r.page, (r.baseline * 10.0).round() as i64))
            .or_default()
            .push(r);
    }
    by_line
        .into_iter()
        .map(|((page, _), mut rs)| {
            rs.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            let text: String = rs.iter().map(|r| r.text.as_str()).collect();
            let text = text.replace('\u{a0}', " ");
            (
                page,
                rs[0].x0,
                text.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect()
}

fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{200B}')
        .collect()
}

#[test]
fn ticked_and_empty_boxes_sit_alike_on_their_line() {
    let docs = laid_out(
        project(),
        &root().join("cases/exit-accepted.yaml"),
        "exit-questionnaire",
    );
    let (runs, boxes) = contents(&docs[0]);
    let mut seen = vec![];
    for b in &boxes {
        // A checkbox: a small square with its label right after it.
        if (b.x1 - b.x0 - (b.y1 - b.y0)).abs() > 0.1 || b.x1 - b.x0 > 12.0 {
            continue;
        }
        let label = runs
            .iter()
            .filter(|r| r.page == b.page && r.x0 >= b.x1 && r.x0 - b.x1 < 6.0)
            .filter(|r| r.baseline > b.y0 && r.baseline < b.y1 + 6.0)
            .min_by(|a, c| a.x0.total_cmp(&c.x0))
            .unwrap_or_else(|| panic!("no label next to the box {b:?}"));
        let ticked = runs.iter().any(|r| {
            r.text == "X"
                && r.page == b.page
                && r.x0 > b.x0
                && r.x1 < b.x1
                && r.baseline > b.y0
                && r.baseline < b.y1
        });
        seen.push((ticked, b.y1 - label.baseline, label.text.clone()));
    }
    assert!(seen.iter().filter(|s| s.0).count() >= 4, "{seen:#?}");
    assert!(seen.iter().filter(|s| !s.0).count() >= 10, "{seen:#?}");
    let first = seen[0].1;
    let off: Vec<_> = seen.iter().filter(|s| (s.1 - first).abs() > 0.2).collect();
    assert!(
        off.is_empty(),
        "boxes whose bottom is not {first:.2} pt below their label's baseline: {off:#?}"
    );
}

#[test]
fn a_label_stays_on_the_line_of_its_value() {
    let docs = laid_out(
        project(),
        &root().join("cases/exit-accepted.yaml"),
        "exit-questionnaire",
    );
    let (runs, _) = contents(&docs[0]);
    let text: Vec<String> = lines(&runs).into_iter().map(|l| l.2).collect();
    for needle in [
        "от 2021 жылғы 10 ақпан",
        "от 2019 жылғы 3 маусым",
        "Паспорт / Паспорт № N00000001",
        "Жеке куәлік / Удостоверение личности № 000000001",
    ] {
        assert!(
            text.iter().any(|l| l.contains(needle)),
            "no line holds {needle:?}: {text:#?}"
        );
    }
}

#[test]
fn line_breaks_in_a_value_print_as_line_breaks() {
    let docs = laid_out(
        project(),
        &root().join("tests/fixtures/stress/exit.yaml"),
        "exit-questionnaire",
    );
    let (runs, _) = contents(&docs[0]);
    let left = 2.5 / 2.54 * 72.0;
    let all = lines(&runs);
    for start in [
        "Қазақстан Республикасының азаматтығын қабылдауға байланысты тоқтатылды /",
        "прекращено в связи с приёмом в гражданство Республики Казахстан",
    ] {
        let line = all.iter().find(|l| l.2.starts_with(start));
        assert!(
            line.is_some_and(|l| (l.1 - left).abs() < 0.5),
            "no line starts at the margin with {start:?}: {all:#?}"
        );
    }
    let docs = laid_out(
        project(),
        &root().join("tests/fixtures/stress/receipt.yaml"),
        "intake-receipt",
    );
    let (runs, _) = contents(&docs[1]);
    assert!(
        lines(&runs)
            .iter()
            .any(|l| l.2 == "(временная регистрация до 31 декабря 2024 года)"),
        "{:#?}",
        lines(&runs)
    );
}

#[test]
fn table_headers_repeat_on_every_page_the_table_runs_over() {
    let docs = laid_out(
        project(),
        &root().join("tests/fixtures/stress/exit.yaml"),
        "exit-questionnaire",
    );
    let (runs, _) = contents(&docs[0]);
    let pages_with = |needle: &str| -> Vec<usize> {
        let mut p: Vec<usize> = runs
            .iter()
            .filter(|r| r.text.contains(needle))
            .map(|r| r.page)
            .collect();
        p.dedup();
        p
    };
    // Rows of the relatives' table (their IINs) and of the work table
    // (the years), and the tables' headers.
    for (rows, header) in [
        (
            &[
                "600211300012",
                "630930400013",
                "860721300018",
                // The daughter and the son (also rows of the children's
                // table, on the first page of this one).
                "140305600015",
                "160722500013",
                "900115300013",
                "920304400010",
            ][..],
            "Туыстық",
        ),
        (
            &["2022–2026", "2019–2020", "2015–2017", "2010–2013"][..],
            "Лауазымы",
        ),
    ] {
        let mut row_pages: Vec<usize> = rows.iter().flat_map(|r| pages_with(r)).collect();
        row_pages.sort();
        row_pages.dedup();
        let header_pages = pages_with(header);
        assert!(
            row_pages.len() > 1,
            "the stress case should run {header:?}'s table over pages: {row_pages:?}"
        );
        assert_eq!(
            header_pages, row_pages,
            "the header {header:?} must stand on each page with rows of its table, and nowhere else"
        );
    }
}

/// A pilot case whose Latin surname is one word as long as a case value may
/// be: it wraps inside its field and its language's column and is printed
/// whole, in both languages of the certificate.
#[test]
fn a_value_as_long_as_a_case_may_hold_wraps_and_prints_whole() {
    let s = Scratch::new("long-value");
    let long: String = "WOLFESCHLEGELSTEINHAUSENBERGERDORFF"
        .chars()
        .cycle()
        .take(2000)
        .collect();
    s.edit(
        "cases/pilot-certificate.yaml",
        r#"latin: "ERIKSSON""#,
        &format!(r#"latin: "{long}""#),
    );
    let p = Project::open(&s.dir).unwrap();
    let case = s.path("cases/pilot-certificate.yaml");
    let (lc, d) = p.decide(&case, None).unwrap();
    let docs = p
        .render_case(&lc, &d, None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(docs.documents.len(), 3);
    for doc in &docs.documents {
        if doc.name.ends_with("pilot-certificate.pdf") {
            continue;
        }
        assert!(
            squeeze(&pdf_text(doc.pdf.bytes().unwrap())).contains(&long),
            "{} lacks part of the surname",
            doc.name.display()
        );
    }
    // The certificate: each column holds the whole surname (a column may
    // run over pages, so the text is read column by column).
    let laid = laid_out(&p, &case, "pilot-certificate");
    let (runs, _) = contents(&laid[0]);
    let middle = 595.28 / 2.0;
    for (side, left) in [("Kazakh", true), ("Russian", false)] {
        let column: String = runs
            .iter()
            .filter(|r| (r.x0 < middle) == left)
            .map(|r| r.text.as_str())
            .collect();
        assert!(
            squeeze(&column).contains(&long),
            "the {side} column lacks part of the surname"
        );
    }
}

fn scratch_template(name: &str, body: &str) -> Result<(), String> {
    let s = Scratch::new(name);
    s.write("templates/form.typ", body);
    let p = Project::open(&s.dir).unwrap();
    match p.render_blanks("2024-06-01".parse().unwrap(), None) {
        Ok(_) => Ok(()),
        Err(Error::Render(e)) => Err(e.message),
        Err(e) => panic!("{e}"),
    }
}

const PAPER: &str = "#let margin = (left: 2cm, right: 2cm, top: 2cm, bottom: 2cm)\n#set page(paper: \"a4\", margin: margin)\n#metadata(margin) <paper-margin>\n#set text(font: \"Liberation Serif\", fallback: false)\n";

/// The check itself: each way text can leave its place is refused, and the
/// same page laid out with room to spare passes.
#[test]
fn the_paper_check_refuses_text_out_of_its_place() {
    let fits = format!(
        "{PAPER}#table(columns: (8cm, 8cm), [Unbreakablewordinacell], [b])\n#box(width: 8cm)[A box with room]\nSome text #h(1cm) more text"
    );
    assert_eq!(scratch_template("paper-ok", &fits), Ok(()));
    let wide = "W".repeat(60);
    for (name, body, expected) in [
        (
            "rule",
            "#table(columns: (1cm, 4cm), [Unbreakablewordinacell], [b])",
            "\"Unbreakablewordinacell\" crosses a rule",
        ),
        ("margin", wide.as_str(), "leaves the printable area"),
        (
            "bottom",
            "#box(width: 1cm, height: 26cm) Below the bottom margin",
            "\"Below the bottom margin\" leaves the printable area",
        ),
        (
            "box",
            "#box(width: 2cm, [Averylongunbreakableword])",
            "\"Averylongunbreakableword\" leaves its box, cell or column",
        ),
        (
            "overprint",
            "Some text #h(-1cm) written over it",
            "overprints",
        ),
    ] {
        let err =
            scratch_template(&format!("paper-{name}"), &format!("{PAPER}{body}")).expect_err(name);
        assert!(
            err.contains("text does not fit its place on the paper") && err.contains(expected),
            "{name}: {err}"
        );
    }
    let err = scratch_template("paper-no-margins", "#set page(margin: 2cm)\nText")
        .expect_err("no margins");
    assert!(err.contains("declares no page margins"), "{err}");
}
