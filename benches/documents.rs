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
//! overhead. For more than one thread the same documents are also rendered
//! by as many processes of one thread each, every process a share of the
//! cases, all at once — what `qujat build --jobs N` does (its worker
//! processes): Typst's memo caches are global to a process, and threads of
//! one process contend for them. Peak RSS is then that of each process. Goals: overhead ≤ 15%, 2 threads ≥ 1.7× one thread, peak RSS
//! ≤ 150 MB at 10,000 documents and not growing with N.
//!
//! Run: `cargo bench --bench documents`. `QUJAT_BENCH_DOCS=200,1000` sets the
//! document counts (default `1000,10000`), `QUJAT_BENCH_THREADS=1,2` the
//! thread counts.

mod common;

use common::{Amount, generate};
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
    // Wall time gives docs/s; CPU time per document (all threads of the
    // child) is less disturbed by other processes on a shared machine, so
    // the overhead is given by both.
    println!(
        "{:>9} {:>7} {:>9} {:>11} {:>9} {:>17} {:>9} {:>8} {:>8}",
        "documents",
        "threads",
        "raw doc/s",
        "qujat doc/s",
        "overhead",
        "CPU ms/doc raw|q",
        "overhead",
        "peak RSS",
        "load"
    );
    println!(
        "{:>9} {:>7} {:>9} {:>11} {:>9} {:>17} {:>9} {:>8} {:>8}",
        "", "", "(wall)", "(wall)", "(wall)", "", "(CPU)", "(MB)", "(1 min)"
    );
    let mut single = None;
    for &n in &counts {
        let dir = std::env::temp_dir().join(format!("qujat-bench-{}-{n}", std::process::id()));
        let (cases, _) = generate(root, &dir, Amount::Documents(n));
        for &t in &threads {
            // `procs` processes at once, each `per` threads and its share of
            // the cases; their figures combined.
            let run = |kind: &str, procs: usize, per: usize| -> Measured {
                let children: Vec<_> = (0..procs)
                    .map(|k| {
                        // Typst's own parallel parts run on rayon's global
                        // pool: the same number of threads, so "1 thread" is
                        // one core's work.
                        Command::new(&exe)
                            .env(
                                "QUJAT_BENCH_CHILD",
                                format!("{kind},{per},{k},{procs},{}", dir.display()),
                            )
                            .env("RAYON_NUM_THREADS", per.to_string())
                            .stdout(std::process::Stdio::piped())
                            .stderr(std::process::Stdio::piped())
                            .spawn()
                            .expect("bench child")
                    })
                    .collect();
                let parts: Vec<Measured> = children
                    .into_iter()
                    .map(|c| {
                        let out = c.wait_with_output().expect("bench child");
                        let text = String::from_utf8_lossy(&out.stdout);
                        assert!(
                            out.status.success(),
                            "{kind} child failed: {text}{}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        Measured::parse(&text)
                    })
                    .collect();
                Measured {
                    docs: parts.iter().map(|m| m.docs).sum(),
                    secs: parts.iter().map(|m| m.secs).fold(0.0, f64::max),
                    cpu: parts.iter().map(|m| m.cpu).sum(),
                    peak_kb: parts.iter().map(|m| m.peak_kb).max().unwrap_or(0),
                }
            };
            let configurations: Vec<(String, usize, usize)> = if t == 1 {
                vec![(t.to_string(), 1, 1)]
            } else {
                vec![(t.to_string(), 1, t), (format!("{t} proc"), t, 1)]
            };
            for (label, procs, per) in configurations {
                let raw = run("raw", procs, per);
                let end = run("qujat", procs, per);
                assert_eq!(raw.docs, end.docs, "both columns render the same documents");
                println!(
                    "{:>9} {:>7} {:>9.1} {:>11.1} {:>8.1}% {:>8.2} | {:<6.2} {:>8.1}% {:>8.1} {:>8}",
                    end.docs,
                    label,
                    raw.rate(),
                    end.rate(),
                    (raw.rate() / end.rate() - 1.0) * 100.0,
                    raw.cpu_ms(),
                    end.cpu_ms(),
                    (end.cpu_ms() / raw.cpu_ms() - 1.0) * 100.0,
                    end.peak_kb as f64 / 1024.0,
                    load_average().split(' ').next().unwrap_or("")
                );
                if t == 1 {
                    single = Some(end.rate());
                } else if let Some(one) = single {
                    println!(
                        "{:>9} {:>7} qujat on {label}: {:.2}× one thread{}",
                        "",
                        "",
                        end.rate() / one,
                        if procs > 1 {
                            " (peak RSS: of each process)"
                        } else {
                            ""
                        }
                    );
                }
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

/// A child process: `KIND,THREADS,SHARE,SHARES,PROJECT_DIR` renders the
/// cases whose index is SHARE modulo SHARES. Prints `docs seconds
/// cpu_seconds peak_kb`.
fn child(spec: &str) {
    let mut parts = spec.splitn(5, ',');
    let kind = parts.next().unwrap().to_string();
    let threads: usize = parts.next().unwrap().parse().unwrap();
    let share: usize = parts.next().unwrap().parse().unwrap();
    let shares: usize = parts.next().unwrap().parse().unwrap();
    let dir = PathBuf::from(parts.next().unwrap());
    let project = Project::open(&dir).unwrap_or_else(|d| panic!("{d}"));
    let cases: Vec<PathBuf> = project
        .sample_cases()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % shares == share)
        .map(|(_, c)| c)
        .collect();
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
