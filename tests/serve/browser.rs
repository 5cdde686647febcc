//! The end-to-end test in a real headless browser: Chromium (Debian's
//! package; `.ci/run` installs it) driven over the Chrome DevTools Protocol
//! on one websocket. It opens a form page, a label is edited in the scratch
//! project, and the new label must appear in the page's rendered image and
//! its text without the page being reloaded.

use super::common::Scratch;
use super::support::{DATE, PATIENCE, Server};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// Chromium's command, from PATH.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "the browser test needs Chromium: `apt-get install chromium` (.ci/run installs it when missing)"
    );
}

struct Browser {
    child: Child,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    profile: PathBuf,
}

impl Browser {
    fn launch() -> Browser {
        let profile = std::env::temp_dir().join(format!("qujat-chromium-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        let child = Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,1000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start Chromium");
        // Stopped even if the connection below fails.
        let mut child = Stopped(Some(child));
        let process = child.0.as_mut().unwrap();
        // Chromium logs on stderr all along: read it to the end on a
        // thread of its own (a full pipe would stop it), handing over the
        // line with the DevTools address.
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = process.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let browser_url = rx
            .recv_timeout(PATIENCE)
            .expect("Chromium did not open its DevTools port");
        let port: u16 = browser_url
            .trim_start_matches("ws://127.0.0.1:")
            .split('/')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected DevTools address {browser_url}"));
        // The page Chromium opened, from its target list.
        let targets: Value = serde_json::from_str(&http_get(port, "/json/list")).unwrap();
        let page_url = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("Chromium has no page")
            .to_string();
        let (ws, _) = tungstenite::connect(page_url.as_str()).expect("cannot reach the page");
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(PATIENCE)).unwrap();
        }
        Browser {
            child: child.0.take().unwrap(),
            ws,
            next_id: 1,
            profile,
        }
    }

    /// Calls a DevTools method and returns its result (events are skipped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let msg = json!({ "id": id, "method": method, "params": params });
        self.ws.send(Message::text(msg.to_string())).unwrap();
        loop {
            let Message::Text(text) = self.ws.read().expect("DevTools connection lost") else {
                continue;
            };
            let v: Value = serde_json::from_str(text.as_str()).unwrap();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// Evaluates JavaScript in the page and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    /// Evaluates `expression` until it gives a value for which `ok` holds.
    fn wait(&mut self, what: &str, expression: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let v = self.eval(expression);
            if ok(&v) {
                return v;
            }
            assert!(start.elapsed() < PATIENCE, "never {what}; last: {v}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let id = self.next_id;
        let close = json!({ "id": id, "method": "Browser.close" });
        let _ = self.ws.send(Message::text(close.to_string()));
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A GET to Chromium's DevTools HTTP endpoint, which keeps the connection
/// open: the body is read up to its Content-Length.
/// A Chromium process killed when dropped, until it is handed over.
struct Stopped(Option<Child>);

impl Drop for Stopped {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").unwrap();
    let mut raw = vec![];
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "DevTools closed the connection");
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .expect("no Content-Length");
            if body.len() >= length {
                return body.to_string();
            }
        }
    }
}

/// What the page shows: its load, the text under the receipt's images,
/// whether every image has loaded, the receipt's image URLs, and the mark
/// set before the edit (gone if the page was reloaded).
const STATE: &str = r#"(() => {
  const main = document.querySelector('main');
  const receipt = Array.from(document.querySelectorAll('section.document'))
    .find(s => s.querySelector('h2 code').textContent.endsWith('intake-receipt.kk.pdf'));
  const images = Array.from(document.images);
  return {
    generation: main ? main.dataset.generation : null,
    text: receipt ? Array.from(receipt.querySelectorAll('.page-text')).map(p => p.textContent).join(' ') : '',
    sources: receipt ? Array.from(receipt.querySelectorAll('img')).map(i => i.getAttribute('src')) : [],
    loaded: images.length > 0 && images.every(i => i.complete && i.naturalWidth > 0),
    mark: window.qujatTestMark || null,
  };
})()"#;

#[test]
fn browser_sees_an_edited_label_without_reloading() {
    let scratch = Scratch::new("serve-browser");
    let server = Server::start(&scratch.dir, &[]);
    let mut browser = Browser::launch();
    browser.call(
        "Page.navigate",
        json!({ "url": server.url(&format!("/forms?date={DATE}&lang=kk")) }),
    );
    let before = browser.wait("showed the receipt", STATE, |v| {
        v["loaded"] == true && v["text"].as_str().unwrap_or("").contains(super::LABEL_KK)
    });
    browser.eval("window.qujatTestMark = 'not reloaded'; true");
    let old = before["sources"][0].as_str().unwrap().to_string();
    let old_png = server.get(&old).body;
    let new_label = "Жоқ құжаттар тізбесі, өзгертілді:";
    scratch.edit(super::FORM, super::LABEL_KK, new_label);
    let after = browser.wait("showed the new label", STATE, |v| {
        v["generation"] != before["generation"]
            && v["loaded"] == true
            && v["text"].as_str().unwrap_or("").contains("өзгертілді")
    });
    assert_eq!(
        after["mark"], "not reloaded",
        "the page was reloaded: {after}"
    );
    assert!(
        !after["text"].as_str().unwrap().contains(super::LABEL_KK),
        "{after}"
    );
    // The image is the new one: its URL names the new load, and the
    // browser drew it from the server's new PNG.
    let src = after["sources"][0].as_str().unwrap().to_string();
    let generation = after["generation"].as_str().unwrap();
    assert!(src.ends_with(&format!("v={generation}")), "{src}");
    assert_ne!(src, old);
    let fresh = server.get(&src);
    assert_eq!(fresh.status, 200);
    assert_ne!(fresh.body, old_png, "the page image did not change");
    let drawn = browser.eval(&format!(
        r#"new Promise(done => {{
            const img = new Image();
            img.onload = () => done([img.naturalWidth, img.naturalHeight]);
            img.onerror = () => done(null);
            img.src = {src:?};
        }})"#
    ));
    assert_eq!(
        drawn,
        json!([
            image::load_from_memory(&fresh.body).unwrap().width(),
            image::load_from_memory(&fresh.body).unwrap().height()
        ])
    );
}
