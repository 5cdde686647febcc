//! Outcomes and their documents as data: the invented service of
//! `tests/fixtures/angling/` (none of the four real ones, with no Rust
//! written for it) checks, decides every outcome and renders its three forms
//! through the `qujat` binary; the mistakes an editor can make in
//! `outcomes:` are reported where they are written.

mod common;

use common::{Scratch, open_errors, pdf_text, root};
use std::path::Path;
use std::process::{Command, Output};

/// The repository's project with the fixture service installed as legal
/// staff would: its act appended to rules/acts.yaml, its service file, its
/// forms and its cases (under cases/angling/).
fn with_angling(name: &str) -> Scratch {
    let s = Scratch::new(name);
    let fixture = root().join("tests/fixtures/angling");
    let read = |rel: &str| std::fs::read_to_string(fixture.join(rel)).unwrap();
    let acts = std::fs::read_to_string(s.path("rules/acts.yaml")).unwrap();
    s.write("rules/acts.yaml", &format!("{acts}{}", read("act.yaml")));
    s.write("rules/services/angling-permit.yaml", &read("service.yaml"));
    for form in ["angling-application", "angling-permit", "angling-refusal"] {
        s.write(
            &format!("forms/{form}.yaml"),
            &read(&format!("forms/{form}.yaml")),
        );
    }
    for case in OUTCOMES.iter().map(|o| o.case) {
        s.write(
            &format!("cases/angling/{case}.yaml"),
            &read(&format!("cases/{case}.yaml")),
        );
    }
    s
}

fn qujat(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qujat"))
        .arg("--project")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

struct Expected {
    case: &'static str,
    id: &'static str,
    /// `decide`'s outcome line.
    outcome: &'static str,
    /// The documents written for the case, and words each must print.
    documents: &'static [(&'static str, &'static [&'static str])],
}

const APPLICATION: (&str, &[&str]) = (
    "angling-application.ru.pdf",
    &[
        "Заявление на получение разрешения на рыбную ловлю",
        "Фамилия, имя СЫНАҚОВ МАРАТ",
        "Дата заявления 1 июля 2026 года",
    ],
);

const OUTCOMES: &[Expected] = &[
    Expected {
        case: "outcome-accepted",
        id: "angling-2026-0100",
        outcome: "outcome:  accepted (`accepted`), result due 2026-07-03",
        documents: &[
            APPLICATION,
            (
                "angling-application.kk.pdf",
                &["Балық аулауға рұқсат алуға өтініш"],
            ),
        ],
    },
    Expected {
        case: "outcome-refused-at-intake",
        id: "angling-2026-0101",
        outcome: "outcome:  refused at intake (`acceptance-refused`)",
        documents: &[
            APPLICATION,
            (
                "angling-application.kk.pdf",
                &["Балық аулауға рұқсат алуға өтініш"],
            ),
            (
                "angling-refusal.pdf",
                &[
                    "Уведомление об отказе",
                    "В приёме документов отказано, не представлены: Согласие родителя.",
                    "ұсынылмаған: Ата-ананың келісімі.",
                ],
            ),
        ],
    },
    Expected {
        case: "outcome-refused",
        id: "angling-2026-0102",
        outcome: "outcome:  refused on grounds (`permit-refused`)",
        documents: &[
            APPLICATION,
            (
                "angling-application.kk.pdf",
                &["Балық аулауға рұқсат алуға өтініш"],
            ),
            (
                "angling-refusal.pdf",
                &["В выдаче разрешения отказано: Рыбная ловля запрещена в период нереста."],
            ),
        ],
    },
    Expected {
        case: "outcome-day-permit",
        id: "angling-2026-0103",
        outcome: "outcome:  completed (`day-permit`) on 2026-07-02",
        documents: &[
            APPLICATION,
            ("angling-application.kk.pdf", &["Су айдыны"]),
            (
                "angling-permit.pdf",
                &[
                    "Разрешение на рыбную ловлю",
                    "Водоём Водохранилище",
                    "Дата выдачи 2 июля 2026 года",
                    "Сбор 2500 тенге",
                    "Алым 2500 теңге",
                ],
            ),
        ],
    },
    Expected {
        case: "outcome-season-permit",
        id: "angling-2026-0104",
        outcome: "outcome:  completed (`season-permit`) on 2026-07-03",
        documents: &[
            (
                "angling-application.ru.pdf",
                &[
                    "СЫНАҚОВА АЙГЕРІМ",
                    "14 сентября 1987 года",
                    "Супруг(а)",
                    "ПРИМЕРОВ ПРИМЕР",
                    "Друг",
                ],
            ),
            ("angling-application.kk.pdf", &["Жұбайы", "Досы"]),
            (
                "angling-permit.pdf",
                &[
                    "Водоём Озеро",
                    "Срок 31 июля 2026 года",
                    "Срок выдачи 3 июля 2026 года",
                    "Сбор 2500 тенге",
                ],
            ),
        ],
    },
];

#[test]
fn a_service_none_of_the_four_checks_decides_and_renders_every_outcome() {
    let s = with_angling("angling-e2e");
    let check = qujat(&s.dir, &["check"]);
    assert!(check.status.success(), "check failed:\n{}", stderr(&check));

    for e in OUTCOMES {
        let case = s.path(&format!("cases/angling/{}.yaml", e.case));
        let d = qujat(&s.dir, &["decide", case.to_str().unwrap()]);
        assert!(d.status.success(), "{}: {}", e.case, stderr(&d));
        assert!(
            stdout(&d).lines().any(|l| l == e.outcome),
            "{}: no line {:?} in\n{}",
            e.case,
            e.outcome,
            stdout(&d)
        );
    }
    // The conditional outcome says which condition chose it, and which
    // facts it read, at their case lines.
    let season = s.path("cases/angling/outcome-season-permit.yaml");
    let explain = stdout(&qujat(&s.dir, &["explain", season.to_str().unwrap()]));
    assert!(
        explain.contains("outcome `season-permit` (stage completed) chosen: the case shows condition `long-permit`"),
        "{explain}"
    );
    assert!(explain.contains("first_day = 2026-07-03"), "{explain}");

    let out = s.path("out");
    let build = qujat(&s.dir, &["build", "--out", out.to_str().unwrap()]);
    assert!(build.status.success(), "build failed:\n{}", stderr(&build));
    for e in OUTCOMES {
        let folder = out.join("cases").join(e.id);
        let mut written: Vec<String> = std::fs::read_dir(&folder)
            .unwrap_or_else(|err| panic!("{}: {err}", folder.display()))
            .map(|x| x.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        let mut expected: Vec<String> = e.documents.iter().map(|(f, _)| f.to_string()).collect();
        expected.sort();
        assert_eq!(written, expected, "{}", e.case);
        for (file, words) in e.documents {
            let text = pdf_text(&std::fs::read(folder.join(file)).unwrap());
            for w in *words {
                let w = w.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(text.contains(&w), "{}/{file}: no {w:?} in\n{text}", e.case);
            }
        }
    }
    // A blank of each of the service's forms, with no Rust for any of them.
    let blanks = out.join("blank/angling-permit");
    for f in [
        "angling-application.kk.pdf",
        "angling-application.ru.pdf",
        "angling-permit.pdf",
        "angling-refusal.pdf",
    ] {
        assert!(blanks.join(f).is_file(), "no blank {f}");
    }
}

#[test]
fn mistakes_in_outcomes_are_reported_where_they_are_written() {
    let s = with_angling("angling-outcome-errors");
    let svc = "rules/services/angling-permit.yaml";
    // The last outcome of a stage must not depend on a condition.
    s.edit(
        svc,
        "      forms: [angling-permit]\n      computes: [duty]\n",
        "      when: foreign-boat\n      forms: [angling-permit]\n      computes: [duty]\n",
    );
    // An IIN is formed only when the result is recorded.
    s.edit(svc, "      forms: [angling-refusal]\n      cite: { act: fixture-act-1, point: \"13\" }", "      forms: [angling-refusal]\n      computes: [iin]\n      cite: { act: fixture-act-1, point: \"13\" }");
    // A condition no one declared.
    s.edit(svc, "      when: long-permit", "      when: long-permitt");
    let errs = open_errors(&s.dir);
    let expect = [
        format!(
            "{}: outcome `day-permit` is the last of stage `completed` but has a condition: a case of that stage where `foreign-boat` does not hold would reach no outcome; add an outcome of stage `completed` without `when:` after it (at rules.outcomes[4].when)",
            s.locate(svc, "foreign-boat\n      forms: [angling-permit]", 0)
        ),
        format!(
            "{}: outcome `permit-refused` ends at stage `refused`, where `iin` has nothing to compute (an IIN is formed only when the result is recorded, `completed`; a deadline exists only for `accepted` and `completed`) (at rules.outcomes[2].computes)",
            s.locate(svc, "iin]", 0)
        ),
        format!(
            "{}: unknown condition `long-permitt` (known: ",
            s.locate(svc, "long-permitt", 0)
        ),
    ];
    for e in &expect {
        assert!(
            errs.iter().any(|x| x.starts_with(e.as_str())),
            "no error {e:?} in {errs:#?}"
        );
    }
}

/// `computes: [iin]` needs the serial the IIN is formed from: a pilot case
/// without it is an error at its `result:`, not a certificate with a
/// made-up number.
#[test]
fn an_outcome_that_forms_an_iin_needs_the_serial() {
    let s = Scratch::new("iin-serial");
    let case = std::fs::read_to_string(root().join("cases/pilot-certificate.yaml")).unwrap();
    let serial = case
        .lines()
        .find(|l| l.contains("iin_serial"))
        .expect("the sample certificate case records a serial")
        .to_string();
    let text = case.replacen(&format!("{serial}\n"), "", 1);
    let path = s.write("cases/no-serial.yaml", &text);
    let o = qujat(&s.dir, &["decide", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // The value of `result:`: its first key, on the line after it.
    let line = text.lines().position(|l| l.starts_with("result:")).unwrap() + 2;
    let err = stderr(&o);
    assert!(
        err.contains(&format!("no-serial.yaml:{line}:"))
            && err.contains("outcome `certificate-issued` forms an IIN (`computes: [iin]`), so `result.iin_serial` is required"),
        "{err}"
    );
}
