//! Documents per second and peak memory, honestly measured.
//!
//! N distinct cases are generated from the sample cases (names, birth dates,
//! dates of application, IIN serials and ids varied), so no two documents
//! have the same page data. Each configuration runs in a fresh child process
//! (so the peak RSS is its own and no Typst cache carries over):
//!
//! - **raw**: the page data of exactly those documents is prepared first
//!   (untimed); then only Typst's compile and PDF export are timed.
//! - **qujat**: end to end — read the case file, decide it, build the views,
//!   compose every page, render it (page data, QR code, Typst, PDF) — what
//!   `build` does for a case, short of writing the file.
//!
//! Both evict Typst's memo cache the same way (inside
//! [`Renderer::compile_pdf`]), so the ratio of the two is the pipeline's
//! overhead. Goals: overhead ≤ 15%, 2 threads ≥ 1.7× one thread, peak RSS
//! ≤ 150 MB at 10,000 documents and not growing with N.
//!
//! Run: `cargo bench --bench documents`. `QUJAT_BENCH_DOCS=200,1000` sets the
//! document counts (default `1000,10000`), `QUJAT_BENCH_THREADS=1,2` the
//! thread counts.

use qujat::iin::{self};
use qujat::project::Project;
use qujat::render::{Prepared, Renderer, prepare};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn main() {
    if let Ok(spec) = std::env::var("QUJAT_BENCH_CHILD") {
        child(&spec);
        return;
    }
    let list = |var: &str, default: &str| -> Vec<usize> {
        std::env::var(var)
            .unwrap_or_else(|_| default.to_string())
            .split(',')
            .map(|s| s.trim().parse().unwrap_or_else(|_| panic!("{var}: {s:?}")))
            .collect()
    };
    let counts = list("QUJAT_BENCH_DOCS", "1000,10000");
    let threads = list("QUJAT_BENCH_THREADS", "1,2");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let exe = std::env::current_exe().expect("bench executable");
    println!(
        "machine: {}, {} logical CPU(s); load average before the run: {}",
        cpu_name(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_average()
    );
    println!(
        "{:>9} {:>7} {:>10} {:>11} {:>9} {:>13} {:>16}",
        "documents",
        "threads",
        "raw doc/s",
        "qujat doc/s",
        "overhead",
        "peak RSS (MB)",
        "CPU ms/doc r|q"
    );
    let mut single = None;
    for &n in &counts {
        let dir = std::env::temp_dir().join(format!("qujat-bench-{}-{n}", std::process::id()));
        let cases = generate(root, &dir, n);
        for &t in &threads {
            let run = |kind: &str| -> Measured {
                // Typst's own parallel parts run on rayon's global pool: the
                // same number of threads, so "1 thread" is one core's work.
                let out = Command::new(&exe)
                    .env("QUJAT_BENCH_CHILD", format!("{kind},{t},{}", dir.display()))
                    .env("RAYON_NUM_THREADS", t.to_string())
                    .output()
                    .expect("bench child");
                let text = String::from_utf8_lossy(&out.stdout);
                assert!(
                    out.status.success(),
                    "{kind} child failed: {text}{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                Measured::parse(&text)
            };
            let raw = run("raw");
            let end = run("qujat");
            assert_eq!(raw.docs, end.docs, "both columns render the same documents");
            println!(
                "{:>9} {:>7} {:>10.1} {:>11.1} {:>8.1}% {:>13.1} {:>7.2} | {:<6.2}",
                end.docs,
                t,
                raw.rate(),
                end.rate(),
                (raw.rate() / end.rate() - 1.0) * 100.0,
                end.peak_kb as f64 / 1024.0,
                raw.cpu_ms(),
                end.cpu_ms()
            );
            if t == 1 {
                single = Some(end.rate());
            } else if let Some(one) = single {
                println!(
                    "{:>9} {:>7} qujat on {t} threads: {:.2}× one thread",
                    "",
                    "",
                    end.rate() / one
                );
            }
        }
        println!("{:>9} ({cases} cases)", "");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// One child's result: documents rendered, seconds, CPU seconds (all its
/// threads), peak resident memory.
struct Measured {
    docs: usize,
    secs: f64,
    cpu: f64,
    peak_kb: u64,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.docs as f64 / self.secs
    }

    /// CPU time per document: less disturbed than wall time by other
    /// processes on a shared machine.
    fn cpu_ms(&self) -> f64 {
        self.cpu / self.docs as f64 * 1e3
    }

    fn parse(text: &str) -> Measured {
        let f: Vec<&str> = text.split_whitespace().collect();
        Measured {
            docs: f[0].parse().unwrap(),
            secs: f[1].parse().unwrap(),
            cpu: f[2].parse().unwrap(),
            peak_kb: f[3].parse().unwrap(),
        }
    }
}

/// A child process: `KIND,THREADS,PROJECT_DIR`. Prints `docs seconds
/// cpu_seconds peak_kb`.
fn child(spec: &str) {
    let mut parts = spec.splitn(3, ',');
    let kind = parts.next().unwrap().to_string();
    let threads: usize = parts.next().unwrap().parse().unwrap();
    let dir = PathBuf::from(parts.next().unwrap());
    let project = Project::open(&dir).unwrap_or_else(|d| panic!("{d}"));
    let cases = project.sample_cases();
    let renderer = project.renderer().unwrap_or_else(|e| panic!("{e}"));
    // Fonts, templates and the first compile out of the way for both columns.
    let (lc, d) = project.decide(&cases[0], None).unwrap();
    project.render_case(&lc, &d, None).unwrap();
    let (docs, secs, cpu) = match kind.as_str() {
        "raw" => {
            let inputs: Vec<Prepared> = cases
                .iter()
                .flat_map(|c| {
                    let (lc, d) = project.decide(c, None).unwrap_or_else(|e| panic!("{e}"));
                    let (pages, _) = project.case_pages(&lc, &d, None).unwrap();
                    pages
                        .into_iter()
                        .map(|p| prepare(&p.page, p.date).unwrap())
                        .collect::<Vec<_>>()
                })
                .collect();
            let cpu = cpu_seconds();
            let t = Instant::now();
            let docs = on_threads(threads, inputs.len(), |i| {
                std::hint::black_box(raw(renderer, &inputs[i]));
                1
            });
            (docs, t.elapsed().as_secs_f64(), cpu_seconds() - cpu)
        }
        _ => {
            let cpu = cpu_seconds();
            let t = Instant::now();
            let docs = on_threads(threads, cases.len(), |i| {
                let (lc, d) = project.decide(&cases[i], None).unwrap();
                let docs = project.render_case(&lc, &d, None).unwrap().documents;
                std::hint::black_box(&docs);
                docs.len()
            });
            (docs, t.elapsed().as_secs_f64(), cpu_seconds() - cpu)
        }
    };
    println!("{docs} {secs} {cpu} {}", peak_rss_kb());
}

fn raw(renderer: &Renderer, input: &Prepared) -> Vec<u8> {
    renderer.compile_pdf(input).unwrap()
}

/// Runs `job(0..n)` on `threads` plain threads taking the next index in
/// turn, as `build` does; returns the sum of what the jobs return. Plain
/// threads, not a rayon pool: a rayon worker waiting inside Typst would run
/// other jobs on its own stack.
fn on_threads(threads: usize, n: usize, job: impl Fn(usize) -> usize + Sync) -> usize {
    let next = AtomicUsize::new(0);
    let total = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            // A long form's compile needs more than the default 2 MiB.
            std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(s, || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        total.fetch_add(job(i), Ordering::Relaxed);
                    }
                })
                .expect("a bench thread");
        }
    });
    total.into_inner()
}

/// User and system CPU time of this process so far, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime, in clock ticks of 1/100 s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The process's peak resident set (VmHWM), in kB.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

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

/// A project in `dir` (the repository's rules, forms and templates) whose
/// `cases/` holds generated cases giving exactly `docs` documents, made
/// from the sample cases in turn with names, dates, birth dates, IIN
/// serials and ids varied. Returns the number of cases.
fn generate(root: &Path, dir: &Path, docs: usize) -> usize {
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
    while made < docs {
        let left = docs - made;
        let (text, n) = match &samples[i % samples.len()] {
            (_, n) if *n > left => samples.iter().find(|(_, n)| *n <= left).unwrap(),
            s => s,
        };
        let case = vary(text, i);
        std::fs::write(dir.join(format!("cases/case-{i:05}.yaml")), case).unwrap();
        made += n;
        i += 1;
    }
    i
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
