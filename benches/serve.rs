//! `qujat serve`: from saving a file to updated previews, on a copy of the
//! whole repository, through the real server (file watching, reload,
//! server-sent event, page and page images over HTTP). Goal: under 500 ms
//! for every preview of the repository. Measured here, never asserted.
//!
//! Three saves: a form's label (the documents of that form are drawn again,
//! the others reused); a comment in the template (every document laid out
//! and drawn again, though it comes out the same); and the template's text
//! size (every letter of every document measured, laid out and drawn
//! anew, each time to a size not seen before: the worst case, the one the
//! goal is for). Last, the server's peak memory.
//!
//! Run: `cargo bench --bench serve` (optionally `QUJAT_BENCH_N=20`).

#[path = "../tests/serve/support.rs"]
#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{DATE, Events, Server, attributes};

const FORM: &str = "forms/intake-receipt.yaml";
const LABEL: &str = "Жоқ құжаттардың атауы:";
const SIZE: &str = "size: 12pt";

fn main() {
    let n: usize = std::env::var("QUJAT_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("qujat-bench-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["rules", "forms", "templates", "cases"] {
        copy(&root.join(sub), &dir.join(sub));
    }
    let server = Server::start(&dir, &[]);
    // Every page with previews: the blanks of the date and each case's documents.
    let mut pages = vec![format!("/forms?date={DATE}")];
    let cases = server.get("/cases").text();
    pages.extend(
        attributes(&cases, "href")
            .into_iter()
            .filter(|h| h.starts_with("/forms/case/"))
            .map(|h| h.split('?').next().unwrap_or(&h).to_string()),
    );
    let documents = |list: &[String]| -> usize {
        std::thread::scope(|s| {
            let handles: Vec<_> = list
                .iter()
                .map(|page| s.spawn(|| fetch_with_images(&server, page)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        })
    };
    let images = documents(&pages);
    let mut events = Events::open(&server);
    let mut current = events.next_reload();
    let file = dir.join(FORM);
    let original = std::fs::read_to_string(&file).unwrap();
    let (mut event, mut one, mut all) = (vec![], vec![], vec![]);
    let (mut same, mut moved) = (vec![], vec![]);
    let template = dir.join("templates/form.typ");
    let template_text = std::fs::read_to_string(&template).unwrap();
    for i in 0..n {
        let label = format!("Жоқ құжаттардың атауы ({}):", i + 1);
        let text = original.replacen(LABEL, &label, 1);
        let t = Instant::now();
        std::fs::write(&file, text).unwrap();
        // Editors save in one write too; the watcher waits for quiet first.
        let g = events.next_reload();
        assert!(g > current, "a reload");
        current = g;
        event.push(t.elapsed());
        fetch_with_images(&server, &pages[0]);
        one.push(t.elapsed());
        documents(&pages[1..]);
        all.push(t.elapsed());
        let page = server.get(&pages[0]).text();
        assert!(
            page.contains(&format!("({})", i + 1)),
            "the new label is shown"
        );
        // A comment: the documents stay the same, but nothing drawn
        // before may be reused.
        let t = Instant::now();
        std::fs::write(&template, format!("{template_text}// {}\n", i + 1)).unwrap();
        let g = events.next_reload();
        assert!(g > current, "a reload");
        current = g;
        documents(&pages);
        same.push(t.elapsed());
        // The text size, to one never used before.
        let size = format!("size: {:.2}pt", 12.0 - 0.01 * (i + 1) as f64);
        let t = Instant::now();
        std::fs::write(&template, template_text.replacen(SIZE, &size, 1)).unwrap();
        let g = events.next_reload();
        assert!(g > current, "a reload");
        current = g;
        documents(&pages);
        moved.push(t.elapsed());
    }
    let peak = server.peak_memory_kb();
    let _ = std::fs::remove_dir_all(&dir);
    report(
        "save → reload event (watch, quiet spell, load + validate)",
        event,
    );
    report("save → the blank forms page and its images updated", one);
    report(
        &format!(
            "save → every preview of the repository updated ({} pages, {images} page images)",
            pages.len()
        ),
        all,
    );
    report(
        "save of a comment in the template → every preview drawn again",
        same,
    );
    report(
        "save of the template's text size → every preview drawn again",
        moved,
    );
    if let Some(kb) = peak {
        println!("server's peak memory: {} MB", kb / 1024);
    }
}

/// GETs a page and every page image on it; the number of images.
fn fetch_with_images(server: &Server, page: &str) -> usize {
    let html = server.get(page);
    assert_eq!(html.status, 200, "{page}");
    let html = html.text();
    // A document that failed would leave the last good one, marked stale.
    assert!(
        !html.contains("class=\"stale\"") && !html.contains("is-stale"),
        "{page} is stale"
    );
    let images: Vec<String> = attributes(&html, "src")
        .into_iter()
        .filter(|s| s.starts_with("/png?"))
        .collect();
    for src in &images {
        let r = server.get(src);
        assert_eq!(r.status, 200, "{src}");
    }
    images.len()
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let n = times.len();
    println!(
        "{what}, {n} saves: min {:.0} ms, median {:.0} ms, max {:.0} ms",
        ms(times[0]),
        ms(times[n / 2]),
        ms(times[n - 1])
    );
}

fn copy(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let dest: PathBuf = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}
