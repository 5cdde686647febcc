//! `qujat check` on the whole repository: load every rule and form file,
//! validate every state the amendments produce, check texts and periods.
//! Goal: well under a second. Measured here, never asserted in a test.
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
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "check (load + validate the repository), {n} runs: min {:.1} ms, median {:.1} ms, max {:.1} ms",
        ms(times[0]),
        ms(times[n / 2]),
        ms(times[n - 1])
    );
}
