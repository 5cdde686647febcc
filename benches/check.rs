//! `qujat check` on the whole repository: load every rule and form file,
//! validate every state the amendments produce, check texts and periods
//! (goal: under 50 ms); then deciding each sample case — load, read against
//! its service's facts, compile and evaluate its conditions — (goal: under
//! 1 ms a case). Measured here, never asserted in a test.
//!
//! Run: `cargo bench --bench check` (optionally `QUJAT_BENCH_N=50`).

use qujat::project::Project;
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let n: usize = std::env::var("QUJAT_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            let p = Project::open(root).unwrap_or_else(|d| panic!("{d}"));
            let took = t.elapsed();
            assert!(p.rules.warnings.iter().all(|w| !w.is_error()));
            took
        })
        .collect();
    report("check (load + validate the repository)", &mut times);
    let p = Project::open(root).unwrap_or_else(|d| panic!("{d}"));
    for case in p.sample_cases() {
        let mut times: Vec<Duration> = (0..n)
            .map(|_| {
                let t = Instant::now();
                p.decide(&case, None).unwrap_or_else(|e| panic!("{e}"));
                t.elapsed()
            })
            .collect();
        let name = case.file_name().unwrap_or_default().to_string_lossy();
        report(&format!("decide {name}"), &mut times);
    }
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let n = times.len();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{what}, {n} runs: min {:.2} ms, median {:.2} ms, max {:.2} ms",
        ms(times[0]),
        ms(times[n / 2]),
        ms(times[n - 1])
    );
}
