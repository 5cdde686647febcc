//! `qujat diff`: the rules in force on two dates, compared part by part and
//! attributed to the amending acts; and two real builds compared document by
//! document.

mod common;

use chrono::NaiveDate;
use common::{Scratch, project};
use qujat::model::Part;
use qujat::review::rules_diff::{ItemDiff, RulesDiff, ServiceChange, diff};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn service<'d>(d: &'d RulesDiff, id: &str) -> &'d ServiceChange {
    &d.services.iter().find(|s| s.id == id).unwrap().change
}

#[test]
fn order_146_changes_are_each_attributed_to_its_point() {
    let d = diff(&project().rules, date("2022-06-01"), date("2024-01-01"));
    let ServiceChange::Parts(parts) = service(&d, "iin-foreigners") else {
        panic!("{}", d.render())
    };
    let title = parts.iter().find(|p| p.part == Part::Title).unwrap();
    assert_eq!(
        title.items,
        [ItemDiff::Changed {
            key: String::new(),
            was: "Формирование индивидуального идентификационного номера иностранцам, временно пребывающим в Республике Казахстан".into(),
            now: "Формирование и корректировка индивидуального идентификационного номера иностранцам и лицам без гражданства, временно пребывающим в Республике Казахстан".into(),
        }]
    );
    let grounds = parts.iter().find(|p| p.part == Part::Grounds).unwrap();
    assert_eq!(
        grounds.by,
        [
            "`mvd-146-2023` [mvd-146-2023, point 15] — Paragraph 15 of the Rules rewritten: grounds for refusal"
        ]
    );
    let requests = parts.iter().find(|p| p.part == Part::Requests).unwrap();
    assert!(requests.items.contains(&ItemDiff::Added {
        key: "correction".into(),
        now: "корректировка ИИН".into()
    }));
    // Every part that differs says what caused it.
    assert!(parts.iter().all(|p| !p.by.is_empty()), "{}", d.render());
    // Going back in time shows the same changes as undone.
    let back = diff(&project().rules, date("2024-01-01"), date("2022-06-01"));
    assert!(
        back.render()
            .contains("by undone: `mvd-146-2023` [mvd-146-2023, point 15]"),
        "{}",
        back.render()
    );
}

#[test]
fn a_service_that_starts_applying_says_why_it_did_not_before() {
    let d = diff(&project().rules, date("2024-01-01"), date("2024-06-01"));
    assert!(
        matches!(service(&d, "iin-pilot-2024"), ServiceChange::Added { acts, .. } if acts == &["pilot-2024"])
    );
    assert!(matches!(service(&d, "iin-foreigners"), ServiceChange::Parts(p) if p.is_empty()));
    let text = d.render();
    assert!(
        text.contains("iin-pilot-2024: rules apply on 2024-06-01 (acts: pilot-2024); on 2024-01-01:\n  no rules of service `iin-pilot-2024` are encoded for 2024-01-01:"),
        "{text}"
    );
}

#[test]
fn the_second_step_of_order_348_changes_only_basis_and_appeals() {
    let s = Scratch::new("diff-348");
    s.edit(
        "rules/acts.yaml",
        "    published: null\n    entry_into_force: { date: 2026-07-12 }",
        "    published: 2026-07-10\n    entry_into_force: { date: 2026-07-12 }",
    );
    let p = qujat::project::Project::open(&s.dir).unwrap();
    let d = diff(&p.rules, date("2026-07-15"), date("2026-07-21"));
    let ServiceChange::Parts(parts) = service(&d, "exit-permanent-residence") else {
        panic!("{}", d.render())
    };
    let changed: Vec<Part> = parts.iter().map(|x| x.part).collect();
    assert_eq!(changed, [Part::Basis, Part::Appeals], "{}", d.render());
    for part in parts {
        assert_eq!(part.by.len(), 1, "{:?}", part.by);
        assert!(
            part.by[0].starts_with("`mvd-348-2026` [mvd-348-2026, point 1, item "),
            "{:?}",
            part.by
        );
    }
    assert_eq!(
        parts[0].by[0],
        "`mvd-348-2026` [mvd-348-2026, point 1, item 1] — Paragraph 1 of the Rules: purpose of the Rules and the laws they rest on (art. 10 sub. 1) of the law on public services, art. 55 sub. 4) of the migration law)"
    );
    assert!(
        matches!(&parts[0].items[..], [ItemDiff::Changed { was, .. }] if was == "(not encoded: text not in the seeds)")
    );
}

/// Builds a project into `out` as of 21 Nov 2026, failing on any error.
fn build(dir: &std::path::Path, out: &std::path::Path) {
    let p = qujat::project::Project::open(dir).unwrap();
    let date = date("2026-11-21");
    let r = p.build(out, date, 2, &|_| {});
    assert!(r.failed.is_empty(), "{:?}", r.failed);
}

#[test]
fn two_builds_differing_by_one_amended_text_differ_in_exactly_the_documents_showing_it() {
    let (a, b) = (Scratch::new("builds-a"), Scratch::new("builds-b"));
    // Order 146's list of documents, as corrected: the power of attorney of a
    // representative (Russian official text, Kazakh ours re-stamped).
    let f = "rules/amendments/mvd-146-2023.yaml";
    let (old_ru, new_ru) = (
        "нотариально удостоверенная доверенность, в случае обращения представителя услугополучателя",
        "нотариально удостоверенная доверенность представителя услугополучателя",
    );
    b.edit(f, old_ru, new_ru);
    b.edit(
        f,
        "translated_from: \"5ef3b50a\"",
        &format!(
            "translated_from: \"{}\"",
            qujat::base::text::fingerprint(new_ru)
        ),
    );
    let (out_a, out_b) = (a.path("output"), b.path("output"));
    build(&a.dir, &out_a);
    build(&b.dir, &out_b);

    let c = qujat::review::compare::compare_dirs(&out_a, &out_b).unwrap();
    assert!(c.added.is_empty() && c.removed.is_empty(), "{c}");
    let changed: Vec<&str> = c.changed.iter().map(|d| d.name.as_str()).collect();
    // Only the Russian receipt of the incomplete case lists the missing power
    // of attorney in Russian; the blank receipt has no list, the Kazakh one
    // the unchanged Kazakh name, the other documents no such name.
    assert_eq!(
        changed,
        ["cases/iin-2024-0102/intake-receipt.ru.pdf"],
        "{c}"
    );
    assert_eq!(c.unchanged.len(), 16, "{c}");
    let ru = &c.changed[0];
    let summary = c.summary();
    assert!(
        summary.contains(
            "удостоверенная [-доверенность, в случае обращения-] {+доверенность+} представителя"
        ),
        "{summary}"
    );
    // The changed page is drawn side by side with the changed region boxed.
    let page = &ru.pages[0];
    let image = page
        .image
        .as_ref()
        .expect("pdftoppm is installed (.ci/run)");
    assert!(!image.regions.is_empty());
    assert!(image.png.starts_with(b"\x89PNG"));

    let report = qujat::review::compare::write_report(&c, &b.path("report")).unwrap();
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("cases/iin-2024-0102/intake-receipt.ru.pdf"));
    assert!(html.contains("<del>"), "{html}");
    let pngs = std::fs::read_dir(b.path("report/pages")).unwrap().count();
    assert_eq!(pngs, 1, "one image for the one changed page");
}
