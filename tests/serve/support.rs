//! A `qujat serve` process on a free loopback port, and a small HTTP/1.1
//! client for it (requests and server-sent events), over plain sockets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The date the tests look at: the pilot (in force until 31 Dec 2024) and
/// the IIN service under order No. 146 are both in force.
pub const DATE: &str = "2024-06-01";

/// How long a test waits for something the server should do soon; only a
/// bound against hanging, never a timing assertion.
pub const PATIENCE: Duration = Duration::from_secs(90);

pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Starts `qujat serve --port 0` on `project` with `args` added.
    pub fn start(project: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qujat"))
            .arg("serve")
            .arg("--project")
            .arg(project)
            .args(["--port", "0", "--as-of", DATE])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start qujat serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("qujat serve printed no address: {line:?}"));
        Server { child, port }
    }

    /// The server's peak resident memory so far, in kB (Linux).
    #[allow(dead_code)] // for the serve benchmark
    pub fn peak_memory_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], b"")
    }

    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Response {
        self.request("POST", path, &[("Content-Type", content_type)], body)
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: 127.0.0.1:{}\r\n", self.port));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        s.write_all(head.as_bytes()).unwrap();
        // A body the server refuses early may not be read to the end.
        let _ = s.write_all(body);
        let mut raw = vec![];
        let _ = s.read_to_end(&mut raw);
        Response::parse(&raw)
    }

    /// Waits until `path` answers with a body for which `ok` holds.
    pub fn wait_for(&self, path: &str, what: &str, ok: impl Fn(&Response) -> bool) -> Response {
        let start = Instant::now();
        loop {
            let r = self.get(path);
            if ok(&r) {
                return r;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "{path} never showed {what}; last answer:\n{}",
                r.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The generation of the project the server shows now.
    pub fn generation(&self) -> u64 {
        let page = self.get("/diagnostics").text();
        attribute(&page, "data-generation")
            .and_then(|g| g.parse().ok())
            .expect("no data-generation on the page")
    }

    /// Waits for a reload after `generation`.
    pub fn wait_reload(&self, generation: u64) {
        let start = Instant::now();
        while self.generation() <= generation {
            assert!(start.elapsed() < PATIENCE, "the server never reloaded");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn parse(raw: &[u8]) -> Response {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(raw)));
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("no status");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        Response {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = eol + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
}

/// The value of the first `name="…"` attribute in an HTML text.
pub fn attribute(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("{name}=\""))? + name.len() + 2;
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Every value of `name="…"` attributes, HTML entities of URLs undone.
pub fn attributes(html: &str, name: &str) -> Vec<String> {
    let key = format!("{name}=\"");
    html.match_indices(&key)
        .filter_map(|(i, _)| {
            let start = i + key.len();
            let end = html[start..].find('"')? + start;
            Some(unescape(&html[start..end]))
        })
        .collect()
}

/// Undoes the HTML escapes minijinja writes.
pub fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Server-sent events from `/events`, read line by line.
pub struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    pub fn open(server: &Server) -> Events {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        write!(
            s,
            "GET /events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept: text/event-stream\r\n\r\n",
            server.port
        )
        .unwrap();
        Events {
            reader: BufReader::new(s),
        }
    }

    /// The data of the next `reload` event.
    pub fn next_reload(&mut self) -> u64 {
        let mut event = String::new();
        loop {
            let mut line = String::new();
            let n = self
                .reader
                .read_line(&mut line)
                .expect("no event came from /events");
            assert!(n > 0, "/events ended");
            let line = line.trim_end();
            if let Some(e) = line.strip_prefix("event:") {
                event = e.trim().to_string();
            } else if let Some(d) = line.strip_prefix("data:")
                && event == "reload"
            {
                return d.trim().parse().expect("a generation");
            }
        }
    }
}
