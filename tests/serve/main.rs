//! `qujat serve` over HTTP: every route of the real binary on a loopback
//! port, on the repository's project or a scratch copy a test edits — pages
//! in both languages, page images and PDFs, decisions and traces,
//! diagnostics, review, live reload, the stale preview kept next to the
//! errors, bad input answered with 4xx and the diagnostic, the API — and a
//! real headless browser seeing a label edited in a form's page image.

mod browser;
#[path = "../common/mod.rs"]
mod common;
mod support;

use common::Scratch;
use support::{DATE, Events, Server, attributes, unescape};

/// A label of the intake receipt whose Kazakh side is our translation:
/// editing it keeps the project valid (the stamp is of the Russian side).
const FORM: &str = "forms/intake-receipt.yaml";
const LABEL_KK: &str = "Жоқ құжаттардың атауы:";
const LABEL_RU: &str = "Наименование отсутствующих документов:";

fn repo_server() -> Server {
    Server::start(&common::root(), &[])
}

#[test]
fn services_page_in_both_languages_with_citations() {
    let s = repo_server();
    let kk = s.get(&format!("/?date={DATE}&lang=kk"));
    assert_eq!(kk.status, 200, "{}", kk.text());
    let kk = kk.text();
    common::assert_contains_all(
        "services page (kk)",
        &kk,
        &[
            "Қызметтер",
            "Қолданыстағы ережелер, күні 2024-06-01",
            "iin-pilot-2024",
            "Бас тарту негіздері",
            "[mvd-146-2023, point 15]",
            "шарты: representative",
            // Each outcome: its stage, the forms of its documents, what it
            // computes, and why a document has no form.
            "Нәтижелер және олардың құжаттары",
            "Қызмет көрсетілді, нәтижесі берілді (certificate-issued) — pilot-certificate",
            "есептейді: iin",
            "Құжаттарды қабылдаудан бас тартылды (acceptance-refused) — нысаны жоқ",
            "the Algorithm gives no form of a receipt refusing acceptance",
            "[pilot-2024, appendix 2, point 11]",
            "Қолданылған актілер",
            "Кодталмаған бөліктер",
        ],
    );
    let ru = s.get(&format!("/?date={DATE}&lang=ru")).text();
    common::assert_contains_all(
        "services page (ru)",
        &ru,
        &[
            "Услуги",
            "Правила, действующие на 2024-06-01",
            "Основания для отказа",
            "Итоги и их документы",
            "Отказано в оказании услуги (formation-refused) — pilot-refusal-notice",
            // The rule's own text in the language chosen.
            "установление недостоверности документов",
            // The exit service's base rules are not in the seeds: said so.
            "не действует",
            "are not encoded",
        ],
    );
    // The browser's language when no parameter says otherwise.
    let r = s.request("GET", "/", &[("Accept-Language", "ru-RU,ru;q=0.9")], b"");
    assert!(r.text().contains("<html lang=\"ru\">"));
}

#[test]
fn forms_page_shows_every_blank_as_page_images_with_its_pdf() {
    let s = repo_server();
    let page = s.get(&format!("/forms?date={DATE}"));
    assert_eq!(page.status, 200);
    let html = page.text();
    let images: Vec<String> = attributes(&html, "src")
        .into_iter()
        .filter(|u| u.starts_with("/png?"))
        .collect();
    let pdfs: Vec<String> = attributes(&html, "href")
        .into_iter()
        .filter(|u| u.starts_with("/pdf?"))
        .collect();
    // The eight blanks of the date (see `qujat build --as-of 2024-06-01`).
    assert_eq!(pdfs.len(), 8, "{pdfs:?}");
    assert!(images.len() >= pdfs.len(), "{images:?}");
    let png = s.get(&images[0]);
    assert_eq!(png.status, 200);
    assert_eq!(png.header("content-type"), Some("image/png"));
    let img = image::load_from_memory(&png.body).expect("a PNG");
    assert!(
        img.width() > 800 && img.height() > 1000,
        "{}x{}",
        img.width(),
        img.height()
    );
    let receipt = pdfs
        .iter()
        .find(|u| u.contains("intake-receipt.kk.pdf"))
        .expect("the receipt's PDF");
    let pdf = s.get(receipt);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.body.starts_with(b"%PDF"));
    assert!(common::pdf_text(&pdf.body).contains(LABEL_KK));
    // Exported from the preview's layout when asked for: the same bytes as
    // the blank `build` writes.
    let (blanks, _) = common::project()
        .render_blanks(DATE.parse().unwrap(), None)
        .unwrap();
    let cli = blanks
        .iter()
        .find(|d| d.name.ends_with("intake-receipt.kk.pdf"))
        .expect("the blank receipt");
    assert_eq!(pdf.body, cli.pdf.bytes().unwrap());
    // The page's text, from the same layout as the image, is on the page.
    assert!(unescape(&html).contains(LABEL_KK));
}

#[test]
fn cases_pages_show_outcome_decision_trace_and_documents() {
    let s = repo_server();
    let list = s.get("/cases?lang=ru").text();
    common::assert_contains_all(
        "cases list",
        &list,
        &[
            "receipt-incomplete.yaml",
            "Отказано в приёме документов",
            "Услуга оказана, результат выдан",
        ],
    );
    let case = s.get("/cases/receipt-incomplete.yaml");
    assert_eq!(case.status, 200);
    common::assert_contains_all(
        "case page",
        &unescape(&case.text()),
        &[
            "outcome:  refused at intake",
            "missing: power-of-attorney",
            "Legend: ✓ the rule applied",
            "Case cases/receipt-incomplete.yaml",
        ],
    );
    // `--as-of` for one case: the rules of another day.
    let other = s
        .get("/cases/receipt-incomplete.yaml?as_of=2020-01-01")
        .text();
    assert!(other.contains("value=\"2020-01-01\""));
    let docs = s.get("/forms/case/receipt-incomplete.yaml").text();
    let images: Vec<String> = attributes(&docs, "src")
        .into_iter()
        .filter(|u| u.starts_with("/png?case=receipt-incomplete.yaml"))
        .collect();
    assert_eq!(images.len(), 2, "one page per language: {images:?}");
    assert_eq!(s.get(&images[1]).status, 200);
}

#[test]
fn diagnostics_and_review_pages() {
    let s = repo_server();
    let d = s.get("/diagnostics?lang=ru");
    assert_eq!(d.status, 200);
    assert!(
        d.text().contains("Ни ошибок, ни предупреждений"),
        "{}",
        d.text()
    );
    let r = s.get("/review?from=2022-06-01&to=2024-01-01");
    assert_eq!(r.status, 200);
    let text = unescape(&r.text());
    common::assert_contains_all(
        "rules diff",
        &text,
        &[
            "Rules in force on 2022-06-01 → on 2024-01-01",
            "<span class=\"add\">    + formation: формирование ИИН</span>",
            "by `mvd-146-2023`",
        ],
    );
}

#[test]
fn bad_requests_get_4xx_with_the_reason() {
    let s = repo_server();
    let cases: [(&str, u16, &str); 10] = [
        (
            "/?date=2024-13-45",
            400,
            "`2024-13-45` is not a date: write it as YYYY-MM-DD",
        ),
        ("/forms?date=yesterday", 400, "`yesterday` is not a date"),
        (
            "/cases/nope.yaml",
            404,
            "cases/nope.yaml is not a sample case",
        ),
        ("/cases/../rules/acts.yaml", 404, "is not a sample case"),
        ("/forms/case/%2Fetc%2Fpasswd", 404, "is not a sample case"),
        (
            "/png?blanks=2024-06-01&doc=blank/x.pdf",
            404,
            "no document `blank/x.pdf` in this set",
        ),
        ("/png?doc=x", 400, "name one set"),
        (
            "/png?blanks=2024-06-01&doc=x&page=0",
            400,
            "`page` counts from 1",
        ),
        (
            "/review/revision?rev=--output%3D%2Ftmp%2Fx",
            400,
            "is not a revision name",
        ),
        ("/no/such/page", 404, "no page at /no/such/page"),
    ];
    for (path, status, why) in cases {
        let r = s.get(path);
        assert_eq!(r.status, status, "{path}: {}", r.text());
        assert!(unescape(&r.text()).contains(why), "{path}: {}", r.text());
    }
    // Another host name (a DNS name rebound to 127.0.0.1) is refused.
    let r = s.request("GET", "/", &[("Host", "evil.example:80")], b"");
    assert_eq!(r.status, 421);
}

#[test]
fn non_loopback_address_needs_an_explicit_flag() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qujat"))
        .args(["serve", "--port", "0", "--bind", "0.0.0.0"])
        .current_dir(common::root())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("0.0.0.0 is not a loopback address") && err.contains("--public"),
        "{err}"
    );
}

#[test]
fn html_from_the_files_is_escaped() {
    let scratch = Scratch::new("serve-escape");
    let case = std::fs::read_to_string(scratch.path("cases/receipt-incomplete.yaml")).unwrap();
    scratch.write(
        "cases/zz-hostile.yaml",
        &format!("{case}\"<script>alert(1)</script>\": 1\n"),
    );
    let s = Server::start(&scratch.dir, &[]);
    let page = s.get("/cases/zz-hostile.yaml").text();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert"), "{page}");
    let d = s.get("/diagnostics").text();
    assert!(
        d.contains("cases/zz-hostile.yaml") && !d.contains("<script>alert"),
        "{d}"
    );
}

#[test]
fn a_save_reloads_and_tells_the_open_pages() {
    let scratch = Scratch::new("serve-live");
    let s = Server::start(&scratch.dir, &[]);
    let mut events = Events::open(&s);
    let first = events.next_reload();
    let before = s.get(&format!("/forms?date={DATE}")).text();
    assert!(before.contains(LABEL_KK));
    scratch.edit(FORM, LABEL_KK, "Жоқ құжаттар тізбесі, өзгертілді:");
    let next = events.next_reload();
    assert!(next > first, "{first} → {next}");
    let after = s.get(&format!("/forms?date={DATE}")).text();
    assert!(
        after.contains("өзгертілді") && !after.contains(LABEL_KK),
        "{after}"
    );
    assert!(
        after.contains(&format!("&amp;v={next}")),
        "image URLs carry the load"
    );
}

#[test]
fn a_template_edit_draws_every_preview_again() {
    // Documents are reused across loads when nothing they depend on
    // changed; the templates are part of that.
    let scratch = Scratch::new("serve-template");
    let s = Server::start(&scratch.dir, &[]);
    let first_image = |html: &str| {
        attributes(html, "src")
            .into_iter()
            .find(|u| u.starts_with("/png?"))
            .unwrap()
    };
    let before = s
        .get(&first_image(&s.get(&format!("/forms?date={DATE}")).text()))
        .body;
    let g = s.generation();
    scratch.edit("templates/form.typ", "size: 12pt,", "size: 11pt,");
    s.wait_reload(g);
    let after = s
        .get(&first_image(&s.get(&format!("/forms?date={DATE}")).text()))
        .body;
    assert_ne!(before, after, "the image did not change with the template");
}

#[test]
fn a_file_with_errors_keeps_the_last_good_preview_marked_stale() {
    let scratch = Scratch::new("serve-stale");
    let s = Server::start(&scratch.dir, &[]);
    let forms = format!("/forms?date={DATE}&lang=ru");
    let good = s.get(&forms).text();
    let image = attributes(&good, "src")
        .into_iter()
        .find(|u| u.starts_with("/png?"))
        .unwrap();
    let g = s.generation();
    // The official Russian side edited under its Kazakh translation.
    scratch.edit(FORM, LABEL_RU, "Перечень отсутствующих документов:");
    s.wait_reload(g);
    let stale = s.get(&forms);
    assert_eq!(stale.status, 200);
    let text = unescape(&stale.text());
    common::assert_contains_all(
        "stale forms page",
        &text,
        &[
            "Устарело: в файлах ошибки, показана последняя исправная версия",
            LABEL_RU,
        ],
    );
    // The errors next to it, with their place.
    let place = format!(
        "--> {}",
        scratch.locate(FORM, "translated_from: \"2575b85c\"", 17)
    );
    assert!(text.contains(&place), "{text}");
    // The last good preview: the edited label is in no page's text.
    let previews: String = text
        .split("<p class=\"page-text\">")
        .skip(1)
        .filter_map(|p| p.split("</p>").next())
        .collect();
    assert!(previews.contains(LABEL_RU), "{previews}");
    assert!(!previews.contains("Перечень отсутствующих"), "{previews}");
    assert_eq!(
        s.get(&image).status,
        200,
        "the last good image is still served"
    );
    let d = unescape(&s.get("/diagnostics?lang=ru").text());
    common::assert_contains_all(
        "diagnostics",
        &d,
        &[
            "Правила проекта не загружаются",
            "stale translation",
            &place,
        ],
    );
    // The API refuses to decide on rules with errors, as the CLI does.
    let case = std::fs::read(scratch.path("cases/receipt-incomplete.yaml")).unwrap();
    let r = s.post("/api/decide", "application/yaml", &case);
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("stale translation")
    );

    // A case with an error: its documents stay, marked stale, next to it.
    scratch.edit(FORM, "Перечень отсутствующих документов:", LABEL_RU);
    s.wait_for("/diagnostics?lang=ru", "no errors", |r| {
        r.text().contains("Ни ошибок, ни предупреждений")
    });
    let docs = "/forms/case/receipt-incomplete.yaml?lang=ru";
    assert!(!s.get(docs).text().contains("Устарело"));
    let g = s.generation();
    scratch.edit("cases/receipt-incomplete.yaml", "sex: male", "sex: mail");
    s.wait_reload(g);
    let text = unescape(&s.get(docs).text());
    common::assert_contains_all(
        "stale case documents",
        &text,
        &[
            "Устарело",
            "cases/receipt-incomplete.yaml:",
            "mail",
            "/png?case=receipt-incomplete.yaml",
        ],
    );
}

#[test]
fn review_against_a_git_revision() {
    let scratch = Scratch::new("serve-git");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=qujat", "-c", "user.email=qujat@localhost"])
            .args(args)
            .current_dir(&scratch.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "rules"]);
    scratch.edit(FORM, LABEL_KK, "Жоқ құжаттар тізбесі:");
    let s = Server::start(&scratch.dir, &[]);
    let r = s.get(&format!("/review/revision?rev=HEAD&date={DATE}"));
    assert_eq!(r.status, 200, "{}", r.text());
    let text = unescape(&r.text());
    common::assert_contains_all(
        "revision review",
        &text,
        &[
            "a: revision HEAD",
            "b: working tree",
            "~ blank/iin-foreigners/intake-receipt.kk.pdf",
            "/review/report/index.html",
        ],
    );
    let report = s.get("/review/report/index.html");
    assert_eq!(report.status, 200);
    let page = report
        .text()
        .split("src=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(str::to_string)
        .expect("the report shows a page image");
    let img = s.get(&format!("/review/report/{page}"));
    assert_eq!(img.header("content-type"), Some("image/png"), "{page}");
    let r = s.get("/review/revision?rev=no-such-branch");
    assert!(
        r.text().contains("is not a revision of this repository"),
        "{}",
        r.text()
    );
}

// ------------------------------------------------------------ API

/// The case file as JSON, the way another system would send it.
fn as_json(yaml: &str) -> String {
    let v: serde_json::Value = serde_saphyr::from_str(yaml).unwrap();
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn api_decides_a_posted_case_sent_as_yaml_or_json() {
    let s = repo_server();
    let yaml =
        std::fs::read_to_string(common::root().join("cases/receipt-incomplete.yaml")).unwrap();
    for (kind, body) in [
        ("application/yaml", yaml.clone()),
        ("application/json", as_json(&yaml)),
    ] {
        let r = s.post("/api/decide", kind, body.as_bytes());
        assert_eq!(r.status, 200, "{kind}: {}", r.text());
        let d = r.json();
        assert_eq!(d["outcome"]["kind"], "refused-at-intake", "{kind}");
        assert_eq!(d["outcome"]["missing"][0], "power-of-attorney");
        assert_eq!(d["outcome"]["expired"][0], "identity-document");
        assert_eq!(d["date"], "2024-11-14");
        assert!(
            d["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["cite"].as_str().unwrap().starts_with("mvd-146-2023"))
        );
    }
    // --as-of: the rules of another day, here a day with none.
    let r = s.post(
        "/api/decide?as_of=2019-01-01",
        "application/yaml",
        yaml.as_bytes(),
    );
    assert_eq!(r.status, 422, "{}", r.text());
}

#[test]
fn api_refuses_bad_cases_with_the_clis_diagnostics() {
    let s = repo_server();
    let yaml = std::fs::read_to_string(common::root().join("cases/receipt-incomplete.yaml"))
        .unwrap()
        .replace("sex: male", "sexx: male");
    let r = s.post("/api/decide", "application/yaml", yaml.as_bytes());
    assert_eq!(r.status, 422, "{}", r.text());
    let body = r.json();
    // The same diagnostics as the case file gets on the command line.
    let scratch = Scratch::new("serve-api-bad");
    let file = scratch.write("request.yaml", &yaml);
    let cli = qujat::load::case::load_case(&file).expect_err("the CLI refuses it too");
    let got = body["diagnostics"].as_array().unwrap();
    assert_eq!(got.len(), cli.items.len(), "{body:#}");
    for (g, c) in got.iter().zip(&cli.items) {
        assert_eq!(g["file"], "request.yaml");
        assert_eq!(g["line"], c.line);
        assert_eq!(g["column"], c.column);
        assert_eq!(g["message"], c.message.as_str());
        assert!(g["source"].as_str().unwrap().contains("sexx"), "{g}");
    }
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("--> request.yaml:")
    );

    // JSON with a syntax error: a line and column in the body.
    let r = s.post(
        "/api/decide",
        "application/json",
        b"{\"id\": \"x\",\n  \"service\": }",
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["diagnostics"][0]["file"], "request.json");
    assert_eq!(r.json()["diagnostics"][0]["line"], 2);

    let r = s.post("/api/decide", "application/xml", b"<case/>");
    assert_eq!(r.status, 415, "{}", r.text());

    let r = s.post("/api/decide", "application/yaml", &[0xff, 0xfe]);
    assert_eq!(r.status, 422);
    assert!(r.json()["error"].as_str().unwrap().contains("is not UTF-8"));

    let huge = vec![b'#'; qujat::serve::MAX_BODY_BYTES + 1];
    let r = s.post("/api/decide", "application/yaml", &huge);
    assert_eq!(r.status, 413, "{}", r.text());

    let r = s.get("/api/services?date=someday");
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("`someday` is not a date")
    );
}

#[test]
fn api_renders_a_posted_case() {
    let s = repo_server();
    let yaml = std::fs::read(common::root().join("cases/receipt-incomplete.yaml")).unwrap();
    let r = s.post("/api/render", "application/yaml", &yaml);
    assert_eq!(r.status, 200, "{}", r.text());
    let all = r.json();
    let names: Vec<&str> = all["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "cases/iin-2024-0102/intake-receipt.kk.pdf",
            "cases/iin-2024-0102/intake-receipt.ru.pdf"
        ]
    );
    assert!(
        all["notes"][0]
            .as_str()
            .unwrap()
            .contains("no application form")
    );
    let one = s.post(
        "/api/render?document=intake-receipt.ru.pdf",
        "application/yaml",
        &yaml,
    );
    assert_eq!(one.header("content-type"), Some("application/pdf"));
    let text = common::pdf_text(&one.body);
    assert!(text.contains("КИМ") && text.contains(LABEL_RU), "{text}");
    // The same bytes as the CLI's document.
    let (lc, d) = common::project()
        .decide(&common::root().join("cases/receipt-incomplete.yaml"), None)
        .unwrap();
    let cli = common::project().render_case(&lc, &d, None).unwrap();
    assert_eq!(one.body, cli.documents[1].pdf.bytes().unwrap());
    let r = s.post("/api/render?document=nope.pdf", "application/yaml", &yaml);
    assert_eq!(r.status, 404);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("intake-receipt.kk.pdf")
    );
    let r = s.post("/api/render?lang=en", "application/yaml", &yaml);
    assert_eq!(r.status, 400);
}

#[test]
fn api_lists_services_as_of_a_date() {
    let s = repo_server();
    let r = s.get("/api/services?date=2024-06-01");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["date"], "2024-06-01");
    let by_id = |id: &str| {
        v["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["service"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("iin-pilot-2024")["in_force"], true);
    assert_eq!(by_id("iin-pilot-2024")["acts"][0]["id"], "pilot-2024");
    let exit = by_id("exit-permanent-residence");
    assert_eq!(exit["in_force"], false);
    assert!(exit["error"].as_str().unwrap().contains("are not encoded"));
    let later = s.get("/api/services?date=2025-06-01").json();
    assert!(
        later["services"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["service"] == "iin-pilot-2024" && x["in_force"] == false)
    );
}
