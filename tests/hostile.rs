//! Hostile and large input, as an attacker or a large office would give it:
//! batches of hundreds of cases, ids that try to leave the output folder,
//! links, huge values, invisible characters, broken streams. Each test
//! asserts the exact refusal (message and place) or the correct output.

mod common;

use common::{Scratch, open_errors, root};
use qujat::project::{Error, Project};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn qujat(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qujat"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("qujat runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every problem of loading and deciding a case, as `file:line:column: message`.
fn case_errors(p: &Project, case: &Path) -> Vec<String> {
    match p.decide(case, None) {
        Ok(_) => panic!("{} was accepted", case.display()),
        Err(Error::Input(d)) => d.items.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("not an input error: {e}"),
    }
}

fn assert_one(errs: &[String], expected: &str) {
    assert!(
        errs.iter().any(|e| e.starts_with(expected)),
        "no error starting {expected:?} in {errs:#?}"
    );
}

const PILOT: &str = "cases/pilot-certificate.yaml";

/// The pilot certificate case with `from` replaced by `to`, written as
/// `rel` in the scratch project.
fn variant(s: &Scratch, rel: &str, edits: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(root().join(PILOT)).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "the pilot case has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    s.write(rel, &text)
}

fn pdfs_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .map(|e| e.into_path())
        .collect()
}

/// 300 distinct applicants of the pilot, each with its own id, name, birth
/// date and serial. Before the build ran its jobs on threads of their own,
/// this crashed with a stack overflow (exit 134, nothing written) at one
/// rayon thread from about 100 cases on, at two from about 120. On two
/// jobs the second runs in a worker process (`build-worker`): the output,
/// manifest included, is byte for byte the one thread's, and a broken case
/// fails with the same words.
#[test]
fn a_batch_of_300_cases_builds_on_one_and_on_two_threads() {
    const N: usize = 300;
    let s = Scratch::new("batch");
    std::fs::remove_dir_all(s.path("cases")).unwrap();
    let letters = |mut i: usize| {
        let mut w = String::new();
        for _ in 0..3 {
            w.push((b'A' + (i % 26) as u8) as char);
            i /= 26;
        }
        w
    };
    let mut serial = 1000u16;
    for i in 0..N {
        let birth = chrono::NaiveDate::from_ymd_opt(
            1950 + (i % 50) as i32,
            1 + (i % 12) as u32,
            1 + (i % 28) as u32,
        )
        .unwrap();
        // Some serials admit no check digit for a birth date: skip them.
        while qujat::algo::iin::form(birth, qujat::algo::iin::Sex::Female, serial).is_err() {
            serial += 1;
        }
        let tag = letters(i);
        variant(
            &s,
            &format!("cases/c{i:03}.yaml"),
            &[
                ("id: pilot-2024-0001", &format!("id: batch-{i:04}")),
                ("\"ERIKSSON\"", &format!("\"ERIKSSON{tag}\"")),
                ("birth_date: 1974-08-12", &format!("birth_date: {birth}")),
                ("iin_serial: 1234", &format!("iin_serial: {serial}")),
            ],
        );
        serial += 1;
    }
    variant(
        &s,
        "cases/c-broken.yaml",
        &[
            ("id: pilot-2024-0001", "id: batch-broken"),
            ("document: identity-document", "document: identity-documant"),
        ],
    );
    let project = s.dir.to_str().unwrap();
    let mut failures = vec![];
    for threads in ["1", "2"] {
        let out = s.path(&format!("out-{threads}"));
        let o = Command::new(env!("CARGO_BIN_EXE_qujat"))
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "build",
                "--quiet",
                "--jobs",
                threads,
                "--as-of",
                "2024-06-01",
            ])
            .args(["--project", project, "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{threads} thread(s): {}",
            stderr(&o)
        );
        let err = stderr(&o);
        assert!(
            err.contains("unknown document `identity-documant`"),
            "{threads}: {err}"
        );
        failures.push(err);
        let written = pdfs_under(&out.join("cases"));
        assert_eq!(written.len(), 3 * N, "{threads} thread(s)");
        for i in [0, N / 2, N - 1] {
            let pdf = std::fs::read(out.join(format!("cases/batch-{i:04}/pilot-certificate.pdf")))
                .unwrap();
            let text = common::pdf_text(&pdf);
            assert!(text.contains(&format!("ERIKSSON{}", letters(i))), "{text}");
        }
    }
    assert_eq!(failures[0], failures[1]);
    let files = |dir: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        let mut v: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let (one, two) = (files(&s.path("out-1")), files(&s.path("out-2")));
    assert_eq!(one.len(), two.len());
    for ((a, x), (b, y)) in one.iter().zip(&two) {
        assert_eq!(a, b);
        assert!(x == y, "{} differs between one and two jobs", a.display());
    }
}

#[test]
fn ids_that_would_write_outside_the_output_are_refused_where_written() {
    let s = Scratch::new("ids");
    let p = Project::open(&s.dir).unwrap();
    for (i, bad) in ["\"/tmp/x\"", "\"../../x\"", "\"..\"", "\"\"", "\"a/b\""]
        .into_iter()
        .enumerate()
    {
        let case = variant(&s, &format!("bad-{i}.yaml"), &[("pilot-2024-0001", bad)]);
        let errs = case_errors(&p, &case);
        let id = bad.trim_matches('"');
        assert_eq!(
            errs,
            vec![format!(
                "{}:2:5: `{id}` cannot be an id: ids name files and folders, so they are written in {} (at id)",
                case.display(),
                qujat::load::guard::CASE_ID_PATTERN
            )]
        );
    }
    // A line break or a NUL is refused as a character no value may hold.
    for (i, bad) in ["\"a\\nb\"", "\"a\\0b\""].into_iter().enumerate() {
        let case = variant(&s, &format!("ctl-{i}.yaml"), &[("pilot-2024-0001", bad)]);
        let errs = case_errors(&p, &case);
        assert!(
            errs.iter().any(|e| e.contains(":2:5: ")
                && (e.contains("cannot be an id") || e.contains("control character"))),
            "{errs:#?}"
        );
    }
    // Nothing was written anywhere by the CLI either.
    let out = s.path("out");
    let case = variant(
        &s,
        "escape.yaml",
        &[("pilot-2024-0001", "\"../../escaped\"")],
    );
    let o = qujat(&s.dir, &["render", case.to_str().unwrap(), "--out", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot be an id"), "{}", stderr(&o));
    assert!(!out.exists() && !s.dir.parent().unwrap().join("escaped").exists());
}

#[test]
fn service_and_form_ids_that_are_not_one_plain_name_fail_check() {
    let s = Scratch::new("rule-ids");
    s.edit(
        "rules/services/iin-pilot-2024.yaml",
        "service: iin-pilot-2024",
        "service: ../pilot",
    );
    s.edit(
        "forms/pilot-certificate.yaml",
        "id: pilot-certificate",
        "id: ../../cert",
    );
    let errs = open_errors(&s.dir);
    assert_one(
        &errs,
        &format!(
            "{}: `../pilot` cannot be an id",
            s.locate("rules/services/iin-pilot-2024.yaml", "../pilot", 0)
        ),
    );
    assert_one(
        &errs,
        &format!(
            "{}: `../../cert` cannot be an id",
            s.locate("forms/pilot-certificate.yaml", "../../cert", 0)
        ),
    );
}

#[test]
fn a_form_defined_twice_is_reported_in_its_own_file() {
    let s = Scratch::new("twice");
    let text = std::fs::read_to_string(s.path("forms/pilot-certificate.yaml")).unwrap();
    s.write("forms/zz-copy.yaml", &text);
    let errs = open_errors(&s.dir);
    assert_one(
        &errs,
        &format!(
            "{}: form `pilot-certificate` is defined twice: also in forms/pilot-certificate.yaml",
            s.locate("forms/zz-copy.yaml", "pilot-certificate", 0)
        ),
    );
}

#[test]
fn two_cases_with_one_id_fail_naming_both_and_write_neither() {
    let s = Scratch::new("same-id");
    variant(&s, "cases/zz-again.yaml", &[("ERIKSSON", "OTHER")]);
    let p = Project::open(&s.dir).unwrap();
    let out = s.path("out");
    let r = p.build(&out, "2024-06-01".parse().unwrap(), 2, &|_| {});
    let failed: Vec<String> = r.failed.iter().map(|(j, e)| format!("{j}: {e}")).collect();
    assert_eq!(failed.len(), 2, "{failed:#?}");
    for f in &failed {
        assert!(
            f.contains("case id `pilot-2024-0001`")
                && f.contains("pilot-certificate.yaml")
                && f.contains("zz-again.yaml"),
            "{f}"
        );
    }
    assert!(!out.join("cases/pilot-2024-0001").exists());
    // The other cases are still built.
    assert!(out.join("cases/pilot-2024-0002").exists());
}

#[cfg(unix)]
#[test]
fn links_in_templates_rules_and_cases_are_refused() {
    use std::os::unix::fs::symlink;
    let s = Scratch::new("links");
    let secret = s.write("secret.txt", "root:x:0:0");
    symlink(&secret, s.path("templates/leak.typ")).unwrap();
    let e = match qujat::render::Renderer::new(&s.path("templates")) {
        Ok(_) => panic!("a linked template was read"),
        Err(e) => e,
    };
    assert!(
        e.to_string()
            .contains("leak.typ:1:1: this is a symbolic link"),
        "{e}"
    );
    std::fs::remove_file(s.path("templates/leak.typ")).unwrap();
    symlink("/dev/zero", s.path("templates/zero.typ")).unwrap();
    assert!(qujat::render::Renderer::new(&s.path("templates")).is_err());
    std::fs::remove_file(s.path("templates/zero.typ")).unwrap();
    // A template as large as memory is refused by size.
    s.write(
        "templates/huge.typ",
        &"/".repeat(qujat::load::guard::MAX_FILE_BYTES as usize + 1),
    );
    let e = qujat::render::Renderer::new(&s.path("templates"))
        .err()
        .expect("huge template read");
    assert!(e.to_string().contains("at most 1048576 bytes"), "{e}");
    std::fs::remove_file(s.path("templates/huge.typ")).unwrap();

    // A linked rule file is an error, not skipped in silence.
    let mrp = s.path("rules/mrp.yaml");
    std::fs::rename(&mrp, s.path("mrp.yaml")).unwrap();
    symlink(s.path("mrp.yaml"), &mrp).unwrap();
    let errs = open_errors(&s.dir);
    assert_one(&errs, "rules/mrp.yaml:1:1: this is a symbolic link");
    std::fs::remove_file(&mrp).unwrap();
    std::fs::rename(s.path("mrp.yaml"), &mrp).unwrap();

    // A linked case under cases/ fails its job; a case the user names may be a link.
    symlink(s.path(PILOT), s.path("cases/linked.yaml")).unwrap();
    let p = Project::open(&s.dir).unwrap();
    let r = p.build(&s.path("out"), "2024-06-01".parse().unwrap(), 1, &|_| {});
    let failed: Vec<String> = r.failed.iter().map(|(j, e)| format!("{j}: {e}")).collect();
    assert!(
        failed
            .iter()
            .any(|f| f.contains("linked.yaml") && f.contains("symbolic link")),
        "{failed:#?}"
    );
    assert!(p.decide(&s.path("cases/linked.yaml"), None).is_ok());
}

#[test]
fn huge_files_and_values_are_refused_before_any_work() {
    let s = Scratch::new("huge");
    let p = Project::open(&s.dir).unwrap();
    let name = "N".repeat(5_000_000);
    let case = variant(&s, "huge.yaml", &[("ERIKSSON\"", &format!("{name}\""))]);
    let errs = case_errors(&p, &case);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains(":1:1: the file is 500"), "{errs:?}");
    assert!(errs[0].contains("at most 1048576 bytes"), "{errs:?}");

    let long = "N".repeat(qujat::load::guard::MAX_VALUE_CHARS + 1);
    let case = variant(&s, "long.yaml", &[("\"ERIKSSON\"", &format!("\"{long}\""))]);
    let errs = case_errors(&p, &case);
    assert_eq!(
        errs,
        vec![format!(
            "{}:13:21: the value is 2001 characters long; a case value may have at most 2000 (at applicant.surname.latin)",
            case.display()
        )]
    );
}

#[test]
fn invisible_and_control_characters_are_refused_at_their_place() {
    let s = Scratch::new("controls");
    let p = Project::open(&s.dir).unwrap();
    let case = variant(
        &s,
        "rlo.yaml",
        &[
            ("\"ERIKSSON\"", "\"ABC\\u202EDEF\""),
            ("\"Stockholm\"", "\"Stock\\e[2Jholm\""),
        ],
    );
    let errs = case_errors(&p, &case);
    let f = case.display();
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(
        errs[0].starts_with(&format!("{f}:13:21: the value holds a bidirectional text control, which reorders the letters around it (U+202E) at character 4")),
        "{errs:#?}"
    );
    assert!(
        errs[1].starts_with(&format!("{f}:20:16: the value holds an escape character (terminal control sequence) (U+001B) at character 6")),
        "{errs:#?}"
    );
    // Written raw into the file, the escape sequence is a YAML error, and
    // the terminal is shown the line with the escape made visible.
    let raw = variant(
        &s,
        "raw.yaml",
        &[("\"Stockholm\"", "\"Stock\u{1b}[2J\u{202e}holm\"")],
    );
    for cmd in ["decide", "explain"] {
        let o = qujat(&s.dir, &[cmd, raw.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{202e}'),
            "{err:?}"
        );
        assert!(err.contains("Stock\\u{1b}[2J\\u{202e}holm"), "{err}");
    }
}

#[test]
fn an_unwritable_stderr_never_panics() {
    let s = Scratch::new("full");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let bad = variant(&s, "bad.yaml", &[("sex: female", "sex: unknown")]);
    let o = Command::new(env!("CARGO_BIN_EXE_qujat"))
        .current_dir(&s.dir)
        .args(["decide", bad.to_str().unwrap()])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_qujat"))
        .current_dir(&s.dir)
        .args(["decide", PILOT])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("outcome:"));
}

#[test]
fn results_before_the_application_and_merge_keys_are_refused() {
    let s = Scratch::new("logic");
    let p = Project::open(&s.dir).unwrap();
    for (i, day) in ["2024-06-02", "0000-01-01"].into_iter().enumerate() {
        let case = variant(
            &s,
            &format!("early-{i}.yaml"),
            &[("completed: 2024-06-04", &format!("completed: {day}"))],
        );
        assert_eq!(
            case_errors(&p, &case),
            vec![format!(
                "{}:35:14: the result is dated {}, before the date of application 2024-06-03 (at result.completed)",
                case.display(),
                day.parse::<chrono::NaiveDate>().unwrap()
            )]
        );
    }
    let case = variant(
        &s,
        "merge.yaml",
        &[(
            "applicant:\n",
            "defaults: &d { sex: male }\napplicant:\n  <<: *d\n",
        )],
    );
    let errs = case_errors(&p, &case);
    assert_one(
        &errs,
        &format!(
            "{}:14:3: YAML merge keys (`<<`) are not accepted",
            case.display()
        ),
    );
    // In rule files too.
    s.edit("rules/mrp.yaml", "\n", "\nx: &x { a: 1 }\ny:\n  <<: *x\n");
    let errs = open_errors(&s.dir);
    assert_one(&errs, "rules/mrp.yaml:");
    assert!(errs.iter().any(|e| e.contains("merge keys")), "{errs:#?}");
}

#[test]
fn errors_found_late_point_at_the_case_line() {
    let s = Scratch::new("late");
    let p = Project::open(&s.dir).unwrap();
    // A letter the font lacks: at the value, in the case file.
    for (i, letter) in ["東京", "😀"].into_iter().enumerate() {
        let case = variant(
            &s,
            &format!("glyph-{i}.yaml"),
            &[("\"Stockholm\"", &format!("\"{letter}\""))],
        );
        let (lc, d) = p.decide(&case, None).unwrap();
        let errs = match p.render_case(&lc, &d, None) {
            Err(Error::Input(d)) => d.items.iter().map(ToString::to_string).collect::<Vec<_>>(),
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("rendered a letter the font lacks"),
        };
        let first = letter.chars().next().unwrap();
        assert_one(&errs, &format!("{}:20:16: pilot-2024-0001", case.display()));
        assert!(
            errs[0].contains(&format!("has no letter {:?}", first.to_string())),
            "{errs:?}"
        );
    }
    // In a form's own text: at the form file's line.
    s.edit(
        "forms/pilot-certificate.yaml",
        "\"Фамилия\"",
        "\"Фамилия 東\"",
    );
    let at = s.locate("forms/pilot-certificate.yaml", "Фамилия 東", 0);
    let p2 = Project::open(&s.dir).unwrap();
    match p2.render_blanks("2024-06-01".parse().unwrap(), None) {
        Err(Error::Input(d)) => {
            let e = d.items[0].to_string();
            let (file, line) = at.rsplit_once(':').unwrap().0.split_once(':').unwrap();
            assert!(e.starts_with(&format!("{file}:{line}:")), "{e} (want {at})");
            assert!(e.contains("has no letter \"東\""), "{e}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("rendered a letter the font lacks"),
    }
    // A serial for which no check digit exists, and a birth year no IIN encodes.
    let (birth, serial) = (1..9999u16)
        .find_map(|n| {
            let b = chrono::NaiveDate::from_ymd_opt(1974, 8, 12).unwrap();
            matches!(
                qujat::algo::iin::form(b, qujat::algo::iin::Sex::Female, n),
                Err(qujat::algo::iin::IinError::NeverIssued)
            )
            .then_some((b, n))
        })
        .unwrap();
    assert_eq!(birth.to_string(), "1974-08-12");
    let case = variant(
        &s,
        "serial.yaml",
        &[("iin_serial: 1234", &format!("iin_serial: {serial}"))],
    );
    assert_one(
        &case_errors(&p, &case),
        &format!("{}:36:15: cannot form an IIN", case.display()),
    );
    let case = variant(
        &s,
        "year.yaml",
        &[("birth_date: 1974-08-12", "birth_date: 1750-08-12")],
    );
    assert_one(
        &case_errors(&p, &case),
        &format!("{}:15:15: cannot form an IIN", case.display()),
    );
    // A byte that is not UTF-8, at its line and column.
    let case = s.path("latin1.yaml");
    let mut bytes = std::fs::read(root().join(PILOT)).unwrap();
    let at = bytes.windows(9).position(|w| w == b"Stockholm").unwrap();
    bytes[at + 5] = 0xF6;
    std::fs::write(&case, bytes).unwrap();
    assert_eq!(
        case_errors(&p, &case),
        vec![format!(
            "{}:20:22: byte 0xF6 is not UTF-8: save the file as UTF-8",
            case.display()
        )]
    );
}

#[test]
fn paths_typed_by_the_user_are_relative_to_the_current_directory() {
    let s = Scratch::new("cwd");
    let elsewhere = s.path("work");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let o = qujat(
        &elsewhere,
        &[
            "render",
            "../cases/pilot-certificate.yaml",
            "--project",
            "..",
            "--out",
            "out",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        elsewhere
            .join("out/cases/pilot-2024-0001/pilot-certificate.pdf")
            .is_file()
    );
    assert!(!s.path("out").exists(), "wrote into the project's out/");
}

#[test]
fn check_reports_every_broken_sample_case_at_its_line() {
    let s = Scratch::new("check-cases");
    variant(
        &s,
        "cases/zz-broken.yaml",
        &[
            ("id: pilot-2024-0001", "id: \"../x\""),
            ("\"Stockholm\"", "\"Stock\\u200Bholm\""),
            ("completed: 2024-06-04", "completed: 2024-06-01"),
        ],
    );
    let o = qujat(&s.dir, &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    for want in [
        "cases/zz-broken.yaml:2:5",
        "cases/zz-broken.yaml:20:16",
        "cases/zz-broken.yaml:35:14",
        "3 errors",
    ] {
        assert!(err.contains(want), "no {want:?} in\n{err}");
    }
    let o = qujat(&s.dir, &["check", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let errors = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    assert_eq!(errors, 3, "{json:#}");
}
