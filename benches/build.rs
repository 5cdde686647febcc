//! `qujat build` on N generated cases, as a user runs it (the real
//! executable, one process per build, writing into an output directory):
//! the first build, a rebuild with nothing changed, and a rebuild after an
//! edit to one form's label. Goal: the no-op rebuild of 10,000 cases takes
//! under a second; the edit renders only that form's documents.
//!
//! Run: `cargo bench --bench build`; `QUJAT_BENCH_CASES=1000` sets the number
//! of cases (default 10,000), `QUJAT_BENCH_THREADS` the threads (default:
//! one per core).

mod common;

use common::{Amount, generate};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn main() {
    let cases: usize = std::env::var("QUJAT_BENCH_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let threads = std::env::var("QUJAT_BENCH_THREADS").ok();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("qujat-bench-build-{}", std::process::id()));
    let (cases, docs) = generate(root, &dir, Amount::Cases(cases));
    let out = dir.join("output");
    println!("{cases} cases ({docs} case documents, plus the blank forms)");
    let build = |what: &str, force: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_qujat"));
        cmd.args(["build", "--quiet", "--as-of", "2024-06-01", "--project"])
            .arg(&dir)
            .arg("--out")
            .arg(&out);
        if let Some(t) = &threads {
            cmd.args(["--jobs", t]);
        }
        if force {
            cmd.arg("--force");
        }
        let t = Instant::now();
        let run = cmd.output().expect("qujat build");
        let secs = t.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&run.stdout);
        let summary = stdout.lines().last().unwrap_or("");
        assert!(
            run.status.success(),
            "{what}: {stdout}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let summary = summary.split_once(": ").map_or(summary, |(_, s)| s);
        println!("{what:<34} {secs:8.2} s   {summary}");
    };
    build("first build", false);
    for _ in 0..3 {
        build("rebuild, nothing changed", false);
    }
    let form = dir.join("forms/pilot-refusal-notice.yaml");
    let text = std::fs::read_to_string(&form).unwrap();
    let edited = text.replacen(
        "ru: \"Место рождения\" }",
        "ru: \"Место рождения (город)\" }",
        1,
    );
    assert_ne!(text, edited, "the label to edit is in the form");
    std::fs::write(&form, edited).unwrap();
    build("rebuild, one form's label edited", false);
    build("rebuild, nothing changed", false);
    let _ = std::fs::remove_dir_all(&dir);
}
