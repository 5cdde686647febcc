//! Incremental builds: a rebuild renders exactly the documents whose inputs
//! changed, removes exactly the documents no longer produced (and nothing
//! else), and a damaged, edited or outdated manifest never lets a stale PDF
//! stand.

mod common;

use common::{Scratch, pdf_text};
use qujat::project::{BuildOptions, BuildReport, Project};
use qujat::write::manifest::{self, Manifest};
use std::collections::BTreeMap;
use std::path::Path;

const PILOT: &str = "cases/pilot-certificate.yaml";
const CERTIFICATE: &str = "cases/pilot-2024-0001/pilot-certificate.pdf";
const BLANK_CERTIFICATE: &str = "blank/iin-pilot-2024/pilot-certificate.pdf";

/// A copy of the project without the exit cases (long forms, slow to
/// render): the blanks of 1 June 2024 (8) and four cases (10 documents).
fn scratch(name: &str) -> Scratch {
    let s = Scratch::new(name);
    for case in ["cases/exit-accepted.yaml", "cases/exit-refused.yaml"] {
        std::fs::remove_file(s.path(case)).unwrap();
    }
    s
}

const ALL: usize = 18;

fn options(generator: &str) -> BuildOptions {
    BuildOptions {
        generator: generator.into(),
        ..BuildOptions::new("2024-06-01".parse().unwrap(), 2)
    }
}

/// Opens the project as it is now (rules and forms are read on open) and
/// builds it into `s/out`.
fn build_with(s: &Scratch, opts: &BuildOptions) -> BuildReport {
    let p = Project::open(&s.dir).unwrap_or_else(|d| panic!("{d}"));
    let seen = std::sync::atomic::AtomicUsize::new(0);
    let r = p.build_with(&s.path("out"), opts, &|_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(
        seen.into_inner(),
        p.build_jobs().len(),
        "progress once per job"
    );
    r
}

fn build(s: &Scratch) -> BuildReport {
    build_with(s, &options("qujat test"))
}

/// rendered, unchanged, removed, failed
fn counts(r: &BuildReport) -> (usize, usize, usize, usize) {
    (r.rendered, r.unchanged, r.removed, r.failed.len())
}

/// Every PDF under the output directory, by name.
fn pdfs(s: &Scratch) -> BTreeMap<String, Vec<u8>> {
    let out = s.path("out");
    walkdir::WalkDir::new(&out)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .map(|e| {
            let name = e.path().strip_prefix(&out).unwrap().display().to_string();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The names whose bytes differ between two snapshots (or exist in one only).
fn changed(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let names: std::collections::BTreeSet<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|n| a.get(*n) != b.get(*n))
        .collect();
    names.into_iter().cloned().collect()
}

/// What a clean full build of the project as it is now writes.
fn clean_build(s: &Scratch) -> BTreeMap<String, Vec<u8>> {
    let fresh = scratch(&format!(
        "clean-{}",
        s.dir.file_name().unwrap().to_string_lossy()
    ));
    for sub in ["rules", "forms", "templates", "cases"] {
        let _ = std::fs::remove_dir_all(fresh.path(sub));
        copy(&s.path(sub), &fresh.path(sub));
    }
    let r = build(&fresh);
    assert_eq!(r.failed.len(), 0, "{:?}", r.failed);
    pdfs(&fresh)
}

fn copy(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

#[test]
fn a_second_build_renders_nothing_and_force_renders_everything() {
    let s = scratch("noop");
    assert_eq!(counts(&build(&s)), (ALL, 0, 0, 0));
    let first = pdfs(&s);
    assert_eq!(first.len(), ALL);
    let again = build(&s);
    assert_eq!(counts(&again), (0, ALL, 0, 0));
    // Notes on what is not encoded are given again, though nothing ran.
    assert!(
        again
            .notes
            .iter()
            .any(|n| n.contains("no application form for `formation`")),
        "{:?}",
        again.notes
    );
    assert_eq!(pdfs(&s), first);
    let forced = build_with(
        &s,
        &BuildOptions {
            force: true,
            ..options("qujat test")
        },
    );
    assert_eq!(counts(&forced), (ALL, 0, 0, 0));
    assert_eq!(pdfs(&s), first, "rendering is deterministic");
}

#[test]
fn a_label_edit_renders_that_forms_documents_and_no_other() {
    let s = scratch("label");
    build(&s);
    let before = pdfs(&s);
    s.edit(
        "forms/pilot-certificate.yaml",
        r#"ru: "Место рождения" }"#,
        r#"ru: "Место рождения (город)" }"#,
    );
    let r = build(&s);
    assert_eq!(counts(&r), (2, ALL - 2, 0, 0));
    let after = pdfs(&s);
    assert_eq!(changed(&before, &after), [BLANK_CERTIFICATE, CERTIFICATE]);
    assert!(pdf_text(&after[CERTIFICATE]).contains("Место рождения (город) Stockholm"));
    assert_eq!(after, clean_build(&s));
}

#[test]
fn a_case_edit_renders_that_cases_documents_and_no_other() {
    let s = scratch("case-edit");
    build(&s);
    let before = pdfs(&s);
    s.edit(
        PILOT,
        r#"birth_place: "Stockholm""#,
        r#"birth_place: "Uppsala""#,
    );
    let r = build(&s);
    assert_eq!(counts(&r), (3, ALL - 3, 0, 0));
    let after = pdfs(&s);
    assert_eq!(
        changed(&before, &after),
        [
            "cases/pilot-2024-0001/pilot-application.kk.pdf",
            "cases/pilot-2024-0001/pilot-application.ru.pdf",
            CERTIFICATE
        ]
    );
    assert!(pdf_text(&after[CERTIFICATE]).contains("Uppsala"));
    assert_eq!(after, clean_build(&s));
}

#[test]
fn a_case_whose_outcome_changes_loses_the_document_of_its_old_outcome() {
    let s = scratch("outcome");
    build(&s);
    // Without the operator's finding the pilot's refused case is accepted:
    // no refusal notice any more.
    s.edit(
        "cases/pilot-refused.yaml",
        "findings:\n  - ground: iin-already-registered\n    note: \"IS MP shows an IIN registered for the same person in 2015\"\n",
        "",
    );
    let r = build(&s);
    assert_eq!(counts(&r), (2, ALL - 3, 1, 0));
    assert!(
        !s.path("out/cases/pilot-2024-0002/pilot-refusal-notice.pdf")
            .exists()
    );
    assert_eq!(pdfs(&s), clean_build(&s));
}

#[test]
fn a_removed_case_removes_its_documents_and_never_a_users_file() {
    let s = scratch("removed");
    build(&s);
    // The user's own files next to the documents.
    s.write("out/cases/pilot-2024-0002/review-notes.txt", "keep me");
    s.write("out/README.txt", "keep me too");
    std::fs::remove_file(s.path("cases/pilot-refused.yaml")).unwrap();
    std::fs::remove_file(s.path(PILOT)).unwrap();
    let r = build(&s);
    assert_eq!(counts(&r), (0, ALL - 6, 6, 0));
    assert!(
        !s.path("out/cases/pilot-2024-0001").exists(),
        "emptied folder left"
    );
    assert!(
        !s.path("out/cases/pilot-2024-0002/pilot-refusal-notice.pdf")
            .exists()
    );
    assert!(
        s.path("out/cases/pilot-2024-0002/review-notes.txt")
            .exists()
    );
    assert!(s.path("out/README.txt").exists());
    assert_eq!(pdfs(&s), clean_build(&s));
}

#[test]
fn a_document_changed_by_hand_is_neither_trusted_nor_removed() {
    let s = scratch("hand");
    build(&s);
    let before = pdfs(&s);
    // A document edited after the build is rendered again…
    let cert = s.path("out").join(CERTIFICATE);
    let mut edited = before[CERTIFICATE].clone();
    edited.extend_from_slice(b"\n% edited\n");
    std::fs::write(&cert, &edited).unwrap();
    // …and one deleted is written again.
    std::fs::remove_file(s.path("out").join(BLANK_CERTIFICATE)).unwrap();
    assert_eq!(counts(&build(&s)), (2, ALL - 2, 0, 0));
    assert_eq!(pdfs(&s), before);
    // A document no longer produced but changed since qujat wrote it is kept.
    let notice = "cases/pilot-2024-0002/pilot-refusal-notice.pdf";
    std::fs::write(s.path("out").join(notice), b"my own copy").unwrap();
    std::fs::remove_file(s.path("cases/pilot-refused.yaml")).unwrap();
    let r = build(&s);
    assert_eq!(counts(&r), (0, ALL - 3, 2, 0));
    assert_eq!(r.kept, [Path::new(notice)]);
    assert_eq!(
        std::fs::read(s.path("out").join(notice)).unwrap(),
        b"my own copy"
    );
}

#[test]
fn an_older_pdf_put_back_is_not_taken_for_the_current_one() {
    let s = scratch("restored");
    build(&s);
    let old = pdfs(&s);
    s.edit(
        "forms/pilot-certificate.yaml",
        r#"ru: "Место рождения" }"#,
        r#"ru: "Место рождения (город)" }"#,
    );
    build(&s);
    let new = pdfs(&s);
    // Restored from a backup, with the date of the new file: same name,
    // inputs unchanged since the last build, but not the file it wrote.
    std::fs::write(s.path("out").join(CERTIFICATE), &old[CERTIFICATE]).unwrap();
    assert_eq!(counts(&build(&s)), (1, ALL - 1, 0, 0));
    assert_eq!(pdfs(&s), new);
}

#[test]
fn a_template_edit_renders_everything() {
    let s = scratch("template");
    build(&s);
    let t = std::fs::read_to_string(s.path("templates/form.typ")).unwrap();
    std::fs::write(
        s.path("templates/form.typ"),
        t.replacen("#set text(", "#set text(fill: rgb(\"#000001\"), ", 1),
    )
    .unwrap();
    let before = pdfs(&s);
    assert_eq!(counts(&build(&s)), (ALL, 0, 0, 0));
    let after = pdfs(&s);
    assert_eq!(changed(&before, &after).len(), ALL);
    assert_eq!(after, clean_build(&s));
}

#[test]
fn another_qujat_renders_everything() {
    let s = scratch("version");
    assert_eq!(
        counts(&build_with(&s, &options("qujat 0.1.0"))),
        (ALL, 0, 0, 0)
    );
    assert_eq!(
        counts(&build_with(&s, &options("qujat 0.1.0"))),
        (0, ALL, 0, 0)
    );
    assert_eq!(
        counts(&build_with(&s, &options("qujat 0.2.0"))),
        (ALL, 0, 0, 0)
    );
    assert_eq!(
        counts(&build_with(&s, &options("qujat 0.2.0"))),
        (0, ALL, 0, 0)
    );
}

#[test]
fn a_rule_edit_renders_the_documents_of_its_service_only() {
    let s = scratch("rules");
    build(&s);
    let before = pdfs(&s);
    // The pilot's list of institutions: the pilot's blanks and cases only.
    let t = std::fs::read_to_string(s.path("rules/services/iin-pilot-2024.yaml")).unwrap();
    std::fs::write(
        s.path("rules/services/iin-pilot-2024.yaml"),
        format!("{t}\n# a comment\n"),
    )
    .unwrap();
    let r = build(&s);
    // Every blank (they show every service's rules in force) and the
    // pilot's two cases; not the two cases of `iin-foreigners`.
    assert_eq!(counts(&r), (8 + 6, 4, 0, 0));
    assert!(
        changed(&before, &pdfs(&s)).is_empty(),
        "a comment changes no document"
    );
}

#[test]
fn a_damaged_or_edited_manifest_never_yields_a_stale_pdf() {
    let s = scratch("manifest");
    build(&s);
    let manifest = s.path("out").join(manifest::FILE);
    s.edit(
        "forms/pilot-certificate.yaml",
        r#"ru: "Место рождения" }"#,
        r#"ru: "Место рождения (город)" }"#,
    );
    // Hand-edited: the certificates' recorded inputs made to look current
    // would need the checksum too; any edit voids the whole manifest.
    let text = std::fs::read_to_string(&manifest).unwrap();
    let edited = text.replacen("\"size\":", "\"size\": ", 1);
    std::fs::write(&manifest, edited).unwrap();
    let r = build(&s);
    assert_eq!(counts(&r), (ALL, 0, 0, 0));
    assert!(
        r.manifest_problem
            .as_deref()
            .is_some_and(|p| p.contains("checksum")),
        "{:?}",
        r.manifest_problem
    );
    assert_eq!(pdfs(&s), clean_build(&s));
    // Garbage, or a folder in its place: everything rendered, nothing removed.
    std::fs::write(&manifest, "not a manifest").unwrap();
    std::fs::remove_file(s.path(PILOT)).unwrap();
    let r = build(&s);
    assert_eq!(counts(&r), (ALL - 3, 0, 0, 0));
    assert!(
        s.path("out").join(CERTIFICATE).exists(),
        "removed on a bad manifest"
    );
    // A valid manifest naming files outside the output directory, or not
    // PDFs: never touched.
    let victim = s.write("victim.pdf", "the user's");
    let mut m = Manifest::read(&s.path("out")).unwrap();
    let record = m.jobs.values().next().unwrap().documents[0].clone();
    let job = m.jobs.values_mut().next().unwrap();
    for name in ["../victim.pdf", "README.txt"] {
        job.documents.push(manifest::DocRecord {
            name: name.into(),
            file: manifest::FileStamp::read(&victim).unwrap(),
            ..record.clone()
        });
    }
    s.write("out/README.txt", "the user's");
    std::fs::write(&manifest, m.to_text()).unwrap();
    let r = build(&s);
    assert_eq!(counts(&r), (0, ALL - 3, 0, 0));
    assert!(victim.exists() && s.path("out/README.txt").exists());
}

#[test]
fn a_case_that_now_fails_loses_its_documents() {
    let s = scratch("fails");
    build(&s);
    s.edit(
        "cases/pilot-refused.yaml",
        "institution: 28",
        "institution: 999",
    );
    let r = build(&s);
    assert_eq!(counts(&r), (0, ALL - 3, 3, 1));
    assert!(!s.path("out/cases/pilot-2024-0002").exists());
    // Fixed again: only its documents are rendered.
    s.edit(
        "cases/pilot-refused.yaml",
        "institution: 999",
        "institution: 28",
    );
    assert_eq!(counts(&build(&s)), (3, ALL - 3, 0, 0));
    assert_eq!(pdfs(&s), clean_build(&s));
}
