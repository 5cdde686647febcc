//! Generated cases for the benchmarks: N distinct cases made from the
//! sample cases, with names, birth dates, dates of application, IIN serials
//! and ids varied, in a project of their own.

#![allow(dead_code)]

use qujat::algo::iin;
use qujat::project::Project;
use std::path::Path;

const SURNAMES: [(&str, &str); 12] = [
    ("ERIKSSON", "ЭРИКССОН"),
    ("WANG", "ВАН"),
    ("KIM", "КИМ"),
    ("MÜLLER", "МЮЛЛЕР"),
    ("NOVAK", "НОВАК"),
    ("DUBOIS", "ДЮБУА"),
    ("ROSSI", "РОССИ"),
    ("TANAKA", "ТАНАКА"),
    ("GARCIA", "ГАРСИЯ"),
    ("SMITH", "СМИТ"),
    ("NGUYEN", "НГУЕН"),
    ("KOWALSKI", "КОВАЛЬСКИ"),
];

const GIVEN: [(&str, &str); 10] = [
    ("ANNA MARIA", "АННА МАРИЯ"),
    ("LI", "ЛИ"),
    ("MINJUN", "МИНДЖУН"),
    ("KLARA", "КЛАРА"),
    ("JAN", "ЯН"),
    ("CLAIRE", "КЛЭР"),
    ("LUCA", "ЛУКА"),
    ("YUKI", "ЮКИ"),
    ("SOFIA", "СОФИЯ"),
    ("OLIVER", "ОЛИВЕР"),
];

/// How much to generate.
pub enum Amount {
    /// Cases giving exactly this many documents.
    Documents(usize),
    Cases(usize),
}

/// A project in `dir` (the repository's rules, forms and templates) whose
/// `cases/` holds generated cases, made from the sample cases in turn.
/// Returns the number of cases and of documents they give.
pub fn generate(root: &Path, dir: &Path, amount: Amount) -> (usize, usize) {
    let _ = std::fs::remove_dir_all(dir);
    for sub in ["rules", "forms", "templates"] {
        copy_dir(&root.join(sub), &dir.join(sub));
    }
    std::fs::create_dir_all(dir.join("cases")).unwrap();
    let project = Project::open(root).unwrap_or_else(|d| panic!("{d}"));
    // Each sample case and how many documents it gives.
    let samples: Vec<(String, usize)> = project
        .sample_cases()
        .iter()
        .map(|c| {
            let (lc, d) = project.decide(c, None).unwrap_or_else(|e| panic!("{e}"));
            let (pages, _) = project.case_pages(&lc, &d, None).unwrap();
            (std::fs::read_to_string(c).unwrap(), pages.len())
        })
        .collect();
    let (mut made, mut i) = (0, 0);
    loop {
        let (text, n) = match amount {
            Amount::Documents(docs) if made >= docs => break,
            Amount::Cases(cases) if i >= cases => break,
            Amount::Documents(docs) => match &samples[i % samples.len()] {
                (_, n) if *n > docs - made => {
                    samples.iter().find(|(_, n)| *n <= docs - made).unwrap()
                }
                s => s,
            },
            Amount::Cases(_) => &samples[i % samples.len()],
        };
        let case = vary(text, i);
        std::fs::write(dir.join(format!("cases/case-{i:05}.yaml")), case).unwrap();
        made += n;
        i += 1;
    }
    (i, made)
}

/// Sample case `text` made into case number `i`.
fn vary(text: &str, i: usize) -> String {
    let date = |s: &str| -> chrono::NaiveDate { s.trim().parse().unwrap() };
    // Up to two months later; the exit cases (autumn 2026, near the end of
    // the holiday calendar, soon after the rules' entry into force) earlier.
    let applied = text
        .lines()
        .find_map(|l| l.strip_prefix("date: "))
        .map(date)
        .unwrap();
    let days = chrono::Days::new((i % 61) as u64);
    let late = applied > chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    let shift = |d: chrono::NaiveDate| if late { d - days } else { d + days };
    let birth_of = |line: &str| date(line) - chrono::Days::new((i % 3650) as u64);
    let sex = if text.contains("\n  sex: female") {
        iin::Sex::Female
    } else {
        iin::Sex::Male
    };
    let birth = text
        .lines()
        .find_map(|l| l.strip_prefix("  birth_date: "))
        .map(birth_of)
        .unwrap();
    let iin_with = |from: usize| {
        (from..)
            .find_map(|s| iin::form(birth, sex, (s % 9999 + 1) as u16).ok())
            .unwrap()
    };
    let (surname, given) = (SURNAMES[i % SURNAMES.len()], GIVEN[(i / 7) % GIVEN.len()]);
    let mut out = String::new();
    let mut section = "";
    for line in text.lines() {
        if !line.starts_with([' ', '#', '-']) {
            section = line.split(':').next().unwrap_or("");
        }
        let applicant = section == "applicant";
        let line = if line.starts_with("id: ") {
            format!("id: case-{i:05}")
        } else if let Some(d) = line.strip_prefix("date: ") {
            format!("date: {}", shift(date(d)))
        } else if let Some(d) = line.strip_prefix("  completed: ") {
            format!("  completed: {}", shift(date(d)))
        } else if applicant && line.starts_with("  surname: ") {
            format!(
                "  surname: {{ latin: \"{}\", cyrillic: \"{}\" }}",
                surname.0, surname.1
            )
        } else if applicant && line.starts_with("  given_name: ") {
            format!(
                "  given_name: {{ latin: \"{}\", cyrillic: \"{}\" }}",
                given.0, given.1
            )
        } else if applicant && line.starts_with("  birth_date: ") {
            format!("  birth_date: {birth}")
        } else if applicant && line.starts_with("  iin: ") {
            format!("  iin: \"{}\"", iin_with(i).as_str())
        } else if section == "correction" && line.starts_with("  surname: ") {
            format!(
                "  surname: {{ current: \"SCHMIDT\", new: \"{}\" }}",
                surname.0
            )
        } else if line.starts_with("  iin_serial: ") {
            let serial = iin_with(i).as_str()[7..11].to_string();
            format!("  iin_serial: {}", serial.trim_start_matches('0'))
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
