//! Certificates per second end to end (case file → decision → page data →
//! PDF bytes) next to the raw Typst compile + PDF export of the same document.
//! Goal for later: pipeline overhead ≤ 15% over raw Typst.
//!
//! Run: `cargo bench` (optionally `QUJAT_BENCH_N=500`).

use qujat::compose::{Composer, Fill};
use qujat::project::Project;
use qujat::render::qr_svg;
use qujat::text::Lang;
use qujat::view;
use std::path::Path;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("QUJAT_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = Project::open(root).unwrap_or_else(|d| panic!("{d}"));
    let case = root.join("cases/pilot-certificate.yaml");
    let renderer = project.renderer().unwrap_or_else(|e| panic!("{e}"));

    let form = &project.rules.forms["pilot-certificate"];
    // Decided case → views per language → the certificate's page data.
    let compose = |lc: &qujat::case::LoadedCase, d: &qujat::decide::Decision| {
        let views = Lang::ALL
            .into_iter()
            .map(|l| (l, view::to_json(&view::of_case(lc, d, l))))
            .collect();
        Composer {
            form,
            file: Path::new("forms/pilot-certificate.yaml"),
            langs: Lang::ALL.to_vec(),
        }
        .compose(&Fill::Case {
            id: &lc.case.id.value,
            views,
        })
        .unwrap_or_else(|e| panic!("{e}"))
    };

    // Warm up caches and fonts once; the measurements below repeat steady state.
    let (lc, d) = project
        .decide(&case, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let page = compose(&lc, &d);
    let data = serde_json::to_vec(&page).unwrap();
    let date = d.date;
    // The same QR code the pipeline draws, so both columns lay out the same document.
    let payload = renderer
        .render(&page, date)
        .unwrap_or_else(|e| panic!("{e}"))
        .qr_payload;
    let qr = qr_svg(&payload).unwrap();
    renderer
        .compile_pdf(data.clone(), qr.clone(), &page.id, date)
        .unwrap();

    let t = Instant::now();
    for _ in 0..n {
        renderer
            .compile_pdf(data.clone(), qr.clone(), &page.id, date)
            .unwrap();
    }
    let raw = t.elapsed().as_secs_f64() / n as f64;

    // End to end: read and decide the case, build the views, compose the
    // certificate and render it, as `qujat render` does for this document.
    let t = Instant::now();
    for _ in 0..n {
        let (lc, d) = project.decide(&case, None).unwrap();
        let page = compose(&lc, &d);
        std::hint::black_box(renderer.render(&page, d.date).unwrap());
    }
    let end_to_end = t.elapsed().as_secs_f64() / n as f64;

    // Where the difference goes: the stages of the pipeline on their own.
    let stage = |f: &dyn Fn()| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        t.elapsed().as_secs_f64() / n as f64
    };
    let t_decide = stage(&|| {
        std::hint::black_box(project.decide(&case, None).unwrap());
    });
    let t_compose = stage(&|| {
        std::hint::black_box(compose(&lc, &d));
    });
    let t_render = stage(&|| {
        std::hint::black_box(renderer.render(&page, date).unwrap());
    });

    println!("documents: {n} certificates (one page, bilingual, QR) on one thread");
    println!(
        "raw typst compile + pdf export : {:8.2} ms/doc  {:7.1} docs/s",
        raw * 1e3,
        1.0 / raw
    );
    println!(
        "qujat end to end               : {:8.2} ms/doc  {:7.1} docs/s",
        end_to_end * 1e3,
        1.0 / end_to_end
    );
    println!(
        "overhead over raw typst        : {:8.1} %",
        (end_to_end / raw - 1.0) * 100.0
    );
    println!(
        "  of which: read + decide case   : {:8.2} ms/doc",
        t_decide * 1e3
    );
    println!(
        "            views + compose      : {:8.2} ms/doc",
        t_compose * 1e3
    );
    println!(
        "            render (data, QR, typst, pdf): {:8.2} ms/doc",
        t_render * 1e3
    );
}
