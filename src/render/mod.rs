//! Stage 5b, render: page data → PDF through an in-process Typst compile.
//!
//! [`Renderer`] is built once per process (fonts, font book, standard library,
//! templates) and reused for every document. Each compile sees a sandboxed
//! [`typst::World`]: the files of `templates/` read up front, the page data as
//! the fixed virtual file `/data.json`, and the QR code's modules as the raw
//! image `/qr.raw`. Nothing else is reachable — no disk, no packages, no clock.

pub mod layout_check;

use crate::compose::{Page, PageBlock};
use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use typst::diag::{FileError, FileResult, Severity};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

/// Liberation Serif 2.1.5 (SIL OFL 1.1): a metric twin of Times New Roman,
/// the face of official forms, covering all Kazakh letters.
const FONTS: [&[u8]; 4] = [
    include_bytes!("../../fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../../fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../../fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../../fonts/LiberationSerif-BoldItalic.ttf"),
];

/// The entry template every form is laid out by.
pub const MAIN: &str = "form.typ";
const DATA: &str = "data.json";
const QR: &str = "qr.raw";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The letters the font lacks, when that is the error: the project
    /// looks them up in the case, whose line is the place to fix.
    pub missing_glyphs: Vec<char>,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for RenderError {}

fn plain(message: impl Into<String>) -> RenderError {
    RenderError {
        file: PathBuf::from("templates"),
        line: 1,
        column: 1,
        message: message.into(),
        missing_glyphs: vec![],
    }
}

/// A finished document.
#[derive(Clone)]
pub struct Rendered {
    pub pdf: Pdf,
    /// What the document's QR code says (its id, form, date and the SHA-256
    /// of its page data), when it shows one.
    pub qr: Option<String>,
    /// The pages drawn as images, when the renderer makes previews.
    pub pages: Vec<PageImage>,
}

/// A document's PDF: exported with the document, or, when the renderer
/// makes previews, from the kept layout the first time it is asked for. A
/// preview is looked at as page images and its PDF seldom opened, and the
/// export is a tenth of a document's time; it still comes from the layout
/// the images were drawn from, so the two cannot differ.
#[derive(Clone)]
pub struct Pdf(std::sync::Arc<PdfState>);

enum PdfState {
    Ready(Vec<u8>),
    Later(Box<Later>),
}

struct Later {
    doc: PagedDocument,
    options: PdfOptions,
    ident: String,
    templates: std::sync::Arc<Templates>,
    made: std::sync::OnceLock<Result<Vec<u8>, RenderError>>,
}

impl Pdf {
    /// The PDF's bytes, exporting them first if they were left for later.
    pub fn bytes(&self) -> Result<&[u8], RenderError> {
        match &*self.0 {
            PdfState::Ready(pdf) => Ok(pdf),
            PdfState::Later(l) => l
                .made
                .get_or_init(|| export(&l.doc, &l.options, &l.ident, &l.templates))
                .as_deref()
                .map_err(Clone::clone),
        }
    }

    /// The PDF's bytes as a buffer of their own: moved out when this is
    /// the only handle on them (a document `build` writes), copied when
    /// they are shared.
    pub fn into_vec(self) -> Result<Vec<u8>, RenderError> {
        match std::sync::Arc::try_unwrap(self.0) {
            Ok(PdfState::Ready(pdf)) => Ok(pdf),
            Ok(PdfState::Later(l)) => l
                .made
                .into_inner()
                .unwrap_or_else(|| export(&l.doc, &l.options, &l.ident, &l.templates)),
            Err(shared) => Pdf(shared).bytes().map(<[u8]>::to_vec),
        }
    }
}

fn export(
    doc: &PagedDocument,
    options: &PdfOptions,
    ident: &str,
    templates: &Templates,
) -> Result<Vec<u8>, RenderError> {
    typst_pdf::pdf(doc, options).map_err(|errs| {
        let e = templates.first_error(&errs);
        RenderError {
            message: format!("document {ident}: {}", e.message),
            ..e
        }
    })
}

/// One page of a document as a PNG, drawn from the same layout as the PDF
/// (for `qujat serve`), with the page's text in reading order of the layout.
#[derive(Debug, Clone)]
pub struct PageImage {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub text: String,
}

pub struct Renderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// Shared with the PDFs left for later, which map export errors to
    /// the template's line.
    templates: std::sync::Arc<Templates>,
    /// Pixels per point of page images, when previews are made.
    preview: Option<f32>,
    /// Documents already made with their previews, shared with the
    /// renderers of later loads of the project.
    memo: Option<std::sync::Arc<Memo>>,
    /// SHA-256 of every template's name and text: part of a memo's key.
    templates_digest: String,
    fingerprint: std::sync::OnceLock<String>,
}

/// Documents already rendered with their page images (`qujat serve`), by
/// everything the result depends on: the page data, the date, the
/// templates and the scale (fonts are compiled in). After a save only the
/// documents whose data or templates changed are drawn again.
#[derive(Default)]
pub struct Memo {
    documents: std::sync::Mutex<std::collections::VecDeque<(String, Rendered)>>,
}

/// Previews evict Typst's memoised work every this many documents drawn
/// (by any renderer of the process: the memo is global), dropping what the
/// last `PREVIEW_EVICT_AGE` evictions did not use: the work of about 64
/// documents stays, two redraws of the whole repository (17 documents, 31
/// pages). Measured by `cargo bench --bench serve`: evicting after every
/// document instead made a redraw after a change of the text size about
/// 20% slower.
const PREVIEW_EVICT_EVERY: usize = 16;
const PREVIEW_EVICT_AGE: usize = 4;
static PREVIEWS_DRAWN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many documents a memo keeps (the repository has about thirty; a
/// page image is 100 KB or so).
const MEMO_DOCUMENTS: usize = 96;

impl Memo {
    fn get(&self, key: &str) -> Option<Rendered> {
        let docs = self.documents.lock().ok()?;
        docs.iter().find(|(k, _)| k == key).map(|(_, r)| r.clone())
    }

    fn put(&self, key: String, r: &Rendered) {
        if let Ok(mut docs) = self.documents.lock() {
            docs.retain(|(k, _)| *k != key);
            if docs.len() >= MEMO_DOCUMENTS {
                docs.pop_front();
            }
            docs.push_back((key, r.clone()));
        }
    }
}

/// The files of `templates/`, read once.
struct Templates {
    dir: PathBuf,
    /// Sources of `templates/`, by virtual path.
    sources: HashMap<FileId, Source>,
    main: FileId,
}

impl Templates {
    /// The first error of a compile or export, at its template's line.
    fn first_error(&self, errs: &[typst::diag::SourceDiagnostic]) -> RenderError {
        let Some(e) = errs.iter().find(|e| e.severity == Severity::Error) else {
            return plain("typst failed without a message");
        };
        let mut err = plain(e.message.to_string());
        let (id, range) = match e.span.get() {
            typst::syntax::DiagSpanKind::Number { id, num, sub_range } => (
                id,
                self.sources
                    .get(&id)
                    .and_then(|src| src.range(num, sub_range)),
            ),
            typst::syntax::DiagSpanKind::Range { id, range } => (id, Some(range)),
            typst::syntax::DiagSpanKind::Detached => return err,
        };
        if let (Some(src), Some(range)) = (self.sources.get(&id), range)
            && let Some((line, col)) = src.lines().byte_to_line_column(range.start)
        {
            err.file = self
                .dir
                .join(id.vpath().get_with_slash().trim_start_matches('/'));
            err.line = line + 1;
            err.column = col + 1;
        }
        err
    }
}

fn file_id(path: &str) -> Result<FileId, RenderError> {
    let vpath =
        VirtualPath::new(path).map_err(|e| plain(format!("bad virtual path {path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl Renderer {
    /// Loads fonts and every `.typ` file of `templates_dir` once.
    pub fn new(templates_dir: &Path) -> Result<Renderer, RenderError> {
        let fonts: Vec<Font> = FONTS
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        let book = FontBook::from_fonts(&fonts);
        let mut sources = HashMap::new();
        let entries = std::fs::read_dir(templates_dir)
            .map_err(|e| plain(format!("cannot read {}: {e}", templates_dir.display())))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|x| x.to_str()) != Some("typ") {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            // Only regular files, never through a link: a template could
            // otherwise `#read` any file of the machine into every PDF.
            let text =
                crate::load::guard::read_text(&path, &path, crate::load::guard::Links::Refuse)
                    .map_err(|d| RenderError {
                        file: d.file,
                        line: d.line as usize,
                        column: d.column as usize,
                        message: d.message,
                        missing_glyphs: vec![],
                    })?;
            let id = file_id(&format!("/{name}"))?;
            sources.insert(id, Source::new(id, text));
        }
        let main = file_id(&format!("/{MAIN}"))?;
        if !sources.contains_key(&main) {
            return Err(plain(format!(
                "{}/{MAIN} is missing",
                templates_dir.display()
            )));
        }
        let mut names: Vec<(String, &str)> = sources
            .iter()
            .map(|(id, src)| (id.vpath().get_with_slash().to_string(), src.text()))
            .collect();
        names.sort();
        let mut hasher = Sha256::new();
        for (name, text) in names {
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        let templates_digest = hex(&hasher.finalize());
        Ok(Renderer {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(book),
            fonts,
            templates: std::sync::Arc::new(Templates {
                dir: templates_dir.to_path_buf(),
                sources,
                main,
            }),
            preview: None,
            memo: None,
            templates_digest,
            fingerprint: std::sync::OnceLock::new(),
        })
    }

    /// A hash of everything a document's look depends on besides its page
    /// data: the fonts and every template, by name. Part of the inputs the
    /// build manifest records per document.
    pub fn fingerprint(&self) -> &str {
        self.fingerprint.get_or_init(|| {
            let parts = FONTS
                .iter()
                .copied()
                .chain([self.templates_digest.as_bytes()]);
            crate::base::digest::hash_parts(parts)
        })
    }

    /// Also draws every page as an image at `pixel_per_pt`, from the same
    /// compile as the PDF (so a preview never differs from the document),
    /// reusing the documents `memo` already holds.
    pub fn with_previews(mut self, pixel_per_pt: f32, memo: std::sync::Arc<Memo>) -> Renderer {
        self.preview = Some(pixel_per_pt);
        self.memo = Some(memo);
        self
    }

    /// Compiles one page to a PDF. `date` becomes the PDF's fixed timestamp so
    /// the same input always gives the same bytes.
    pub fn render(&self, page: &Page, date: NaiveDate) -> Result<Rendered, RenderError> {
        let input = prepare(page, date)?;
        let key = format!(
            "{};{date};{};{:?}",
            input.digest, self.templates_digest, self.preview
        );
        if let Some(r) = self.memo.as_ref().and_then(|m| m.get(&key)) {
            return Ok(r);
        }
        let (pdf, pages) = self.compile(&input)?;
        let rendered = Rendered {
            pdf,
            qr: input.qr_payload,
            pages,
        };
        if let Some(m) = &self.memo {
            m.put(key, &rendered);
        }
        Ok(rendered)
    }

    /// The Typst part alone: compile prepared page data and export the PDF.
    /// Public so the benchmark can set it against the whole pipeline.
    pub fn compile_pdf(&self, input: &Prepared) -> Result<Vec<u8>, RenderError> {
        self.compile(input)?.0.into_vec()
    }

    /// The PDF (left for later when previews are on) and the page images.
    fn compile(&self, input: &Prepared) -> Result<(Pdf, Vec<PageImage>), RenderError> {
        let world = DocWorld {
            r: self,
            data: (file_id(&format!("/{DATA}"))?, input.data.clone()),
            qr: (file_id(&format!("/{QR}"))?, input.qr.clone()),
        };
        let warned = typst::compile::<PagedDocument>(&world);
        let doc = warned
            .output
            .map_err(|errs| self.templates.first_error(&errs))?;
        let ident = &input.ident;
        check_glyphs(&doc).map_err(|e| RenderError {
            message: format!("document {ident}: {}", e.message),
            ..e
        })?;
        check_paper(&doc).map_err(|e| plain(format!("document {ident}: {}", e.message)))?;
        let date = input.date;
        let datetime = Datetime::from_ymd(date.year(), date.month() as u8, date.day() as u8)
            .ok_or_else(|| plain(format!("date {date} out of range")))?;
        let options = PdfOptions {
            ident: Smart::Custom(ident.to_string()),
            timestamp: Some(Timestamp::new_utc(datetime)),
            ..PdfOptions::default()
        };
        let (pdf, pages) = match self.preview {
            Some(scale) => {
                let pages = page_images(&doc, scale)?;
                let later = PdfState::Later(Box::new(Later {
                    doc,
                    options,
                    ident: ident.clone(),
                    templates: self.templates.clone(),
                    made: std::sync::OnceLock::new(),
                }));
                (later, pages)
            }
            None => (
                PdfState::Ready(export(&doc, &options, ident, &self.templates)?),
                vec![],
            ),
        };
        match self.preview {
            None => {
                // Typst's memoised work older than the last ten documents
                // goes; without this a batch grows by about 0.8 MB per
                // document. (Evicting every fourth document only is 10%
                // faster, but memory then grows with the batch: 113 → 125
                // MB from 1,000 to 10,000 documents on one thread, 123 →
                // 144 MB on two.)
                comemo::evict(10);
            }
            Some(_) => {
                // Previews keep the work of the last few redraws: after a
                // save most of it (words measured, paragraphs laid out) is
                // the same. Evicting after every document costs a walk of
                // every cache each time, which grows with what is kept.
                let drawn = PREVIEWS_DRAWN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if (drawn + 1).is_multiple_of(PREVIEW_EVICT_EVERY) {
                    comemo::evict(PREVIEW_EVICT_AGE);
                }
            }
        }
        Ok((Pdf(std::sync::Arc::new(pdf)), pages))
    }

    /// The laid-out pages of a page's document, before PDF export and
    /// without the checks: for tests that look at where things landed.
    pub fn layout(&self, page: &Page) -> Result<PagedDocument, RenderError> {
        let input = prepare(page, NaiveDate::default())?;
        let world = DocWorld {
            r: self,
            data: (file_id(&format!("/{DATA}"))?, input.data),
            qr: (file_id(&format!("/{QR}"))?, input.qr),
        };
        typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|errs| self.templates.first_error(&errs))
    }
}

struct DocWorld<'a> {
    r: &'a Renderer,
    data: (FileId, Bytes),
    qr: (FileId, Bytes),
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.r.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.r.book
    }

    fn main(&self) -> FileId {
        self.r.templates.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.r
            .templates
            .sources
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_with_slash().to_string().into()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data.0 {
            return Ok(self.data.1.clone());
        }
        if id == self.qr.0 {
            return Ok(self.qr.1.clone());
        }
        match self.r.templates.sources.get(&id) {
            Some(s) => Ok(Bytes::from_string(s.text().to_string())),
            None => Err(FileError::NotFound(
                id.vpath().get_with_slash().to_string().into(),
            )),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.r.fonts.get(index).cloned()
    }

    /// Documents carry the dates of their case, never the clock's.
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Everything Typst is given for one document, computed before the compile.
pub struct Prepared {
    /// The page as JSON (`/data.json`).
    pub data: Bytes,
    /// The QR code as a raw 8-bit grey image (`/qr.raw`); empty when the page
    /// has no QR block.
    pub qr: Bytes,
    /// What the QR code says, when the page shows one.
    pub qr_payload: Option<String>,
    /// The SHA-256 of the page data, in hex.
    pub digest: String,
    pub ident: String,
    pub date: NaiveDate,
}

/// The page data, and the QR code when the page shows one. The payload names
/// the document and carries the SHA-256 of its page data.
pub fn prepare(page: &Page, date: NaiveDate) -> Result<Prepared, RenderError> {
    let data = serde_json::to_vec(page).map_err(|e| plain(format!("page data: {e}")))?;
    let digest = hex(&Sha256::digest(&data));
    let qr_payload = format!(
        "qujat;id={};kind={};date={};sha256={digest}",
        page.id, page.form, date
    );
    let has_qr = page
        .blocks
        .iter()
        .any(|b| matches!(b, PageBlock::Qr { .. }));
    let qr = if has_qr {
        qr_image(&qr_payload)?
    } else {
        vec![]
    };
    Ok(Prepared {
        data: Bytes::new(data),
        qr: Bytes::new(qr),
        qr_payload: has_qr.then_some(qr_payload),
        digest,
        ident: page.id.clone(),
        date,
    })
}

/// The QR code as a square 8-bit grey image, one pixel per module (0 dark,
/// 255 light) magnified [`QR_PIXELS`] times, with the standard 4-module
/// quiet zone. The template shows it as a raster, so Typst neither parses
/// nor lays out vector data (drawn as an SVG, the code cost more than the
/// rest of the document's compile).
pub fn qr_image(payload: &str) -> Result<Vec<u8>, RenderError> {
    const QUIET: usize = 4;
    let (dark, width) = qr_modules(payload)?;
    let size = (width + 2 * QUIET) * QR_PIXELS;
    let mut pixels = vec![255u8; size * size];
    for (my, modules) in dark.chunks(width).enumerate() {
        let top = (my + QUIET) * QR_PIXELS * size;
        let row = &mut pixels[top..top + size];
        for (mx, _) in modules.iter().enumerate().filter(|(_, d)| **d) {
            let left = (mx + QUIET) * QR_PIXELS;
            row[left..left + QR_PIXELS].fill(0);
        }
        for k in 1..QR_PIXELS {
            pixels.copy_within(top..top + size, top + k * size);
        }
    }
    Ok(pixels)
}

/// Pixels per module side. PDF viewers (poppler among them) smooth a raster
/// that they enlarge by less than 4×, which blurs single-pixel modules past
/// decoding at 150 dpi; three pixels per module keep a 3 cm code at about
/// its own size there, and cost the PDF a few hundred bytes.
const QR_PIXELS: usize = 3;

/// The modules of the payload's QR code (error correction level M), row by
/// row, and its width. The mask is the one of lowest penalty (ISO/IEC 18004
/// §7.8.3), scored here: the qrcode crate's own scoring took about 3.5 ms
/// per code, more than a whole Typst compile.
fn qr_modules(payload: &str) -> Result<(Vec<bool>, usize), RenderError> {
    use qrcode::canvas::{Canvas, MaskPattern};
    const LEVEL: qrcode::EcLevel = qrcode::EcLevel::M;
    const MASKS: [MaskPattern; 8] = [
        MaskPattern::Checkerboard,
        MaskPattern::HorizontalLines,
        MaskPattern::VerticalLines,
        MaskPattern::DiagonalLines,
        MaskPattern::LargeCheckerboard,
        MaskPattern::Fields,
        MaskPattern::Diamonds,
        MaskPattern::Meadow,
    ];
    let fail = |e: qrcode::types::QrError| plain(format!("QR code: {e}"));
    let bits = qrcode::bits::encode_auto(payload.as_bytes(), LEVEL).map_err(fail)?;
    let version = bits.version();
    let (data, ec) =
        qrcode::ec::construct_codewords(&bits.into_bytes(), version, LEVEL).map_err(fail)?;
    let mut canvas = Canvas::new(version, LEVEL);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = usize::try_from(version.width()).map_err(|_| plain("QR code: bad version"))?;
    let best = MASKS
        .iter()
        .map(|&mask| {
            let mut c = canvas.clone();
            c.apply_mask(mask);
            let dark: Vec<bool> = c
                .into_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            (qr_penalty(&dark, width), dark)
        })
        .min_by_key(|(penalty, _)| *penalty)
        .map(|(_, dark)| dark)
        .unwrap_or_default();
    Ok((best, width))
}

/// A run of five or more modules of one colour costs 3, plus 1 for each
/// module past five.
fn run_penalty(run: usize) -> usize {
    usize::from(run >= 5) * run.saturating_sub(2)
}

/// The penalty score of a masked symbol (ISO/IEC 18004 §7.8.3.1): runs of
/// five or more modules of one colour, 2×2 blocks of one colour, patterns
/// that look like a finder, and the imbalance of dark and light.
fn qr_penalty(dark: &[bool], n: usize) -> usize {
    // A finder-like pattern 1:1:3:1:1 with four light modules before or
    // after it, as the last 11 modules seen.
    const FINDER: [u16; 2] = [0b000_0101_1101, 0b101_1101_0000];
    let columns: Vec<bool> = (0..n * n).map(|i| dark[(i % n) * n + i / n]).collect();
    let mut score = 0;
    for line in dark.chunks(n).chain(columns.chunks(n)) {
        let (mut run, mut window) = (1, 0u16);
        for (j, &m) in line.iter().enumerate() {
            // Branch-free: the modules are random enough to defeat the
            // branch predictor, which made this the costliest part.
            if j > 0 {
                let same = usize::from(m == line[j - 1]);
                score += (1 - same) * run_penalty(run);
                run = run * same + 1;
            }
            window = ((window << 1) | u16::from(m)) & 0x7ff;
            // Before the line is the light quiet zone: the window is
            // already right from the line's start.
            if j >= 6 && FINDER.contains(&window) {
                score += 40;
            }
        }
        score += run_penalty(run);
        // After the line, the quiet zone.
        for _ in 0..4 {
            window = (window << 1) & 0x7ff;
            if FINDER.contains(&window) {
                score += 40;
            }
        }
    }
    for (row, next) in dark.chunks(n).zip(dark.chunks(n).skip(1)) {
        for x in 0..n - 1 {
            let c = row[x];
            score += 3 * usize::from((row[x + 1] == c) & (next[x] == c) & (next[x + 1] == c));
        }
    }
    let total = n * n;
    let darks = dark.iter().filter(|d| **d).count();
    score + 10 * ((20 * darks).abs_diff(10 * total) / total)
}

/// Every page as a PNG at `scale` pixels per point, with its text.
fn page_images(doc: &PagedDocument, scale: f32) -> Result<Vec<PageImage>, RenderError> {
    fn text(frame: &Frame, out: &mut String) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(g) => text(&g.frame, out),
                FrameItem::Text(t) => {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(t.text.as_str());
                }
                _ => {}
            }
        }
    }
    let options = typst_render::RenderOptions {
        pixel_per_pt: typst::utils::Scalar::new(f64::from(scale)),
        render_bleed: false,
    };
    doc.pages()
        .iter()
        .map(|page| {
            let pixmap = typst_render::render(page, &options);
            let png = png(pixmap.data(), pixmap.width(), pixmap.height())
                .or_else(|| pixmap.encode_png().ok())
                .ok_or_else(|| plain("page image: PNG encoding failed"))?;
            let mut words = String::new();
            text(&page.frame, &mut words);
            Ok(PageImage {
                png,
                width: pixmap.width(),
                height: pixmap.height(),
                text: words,
            })
        })
        .collect()
}

/// A page drawn in shades of grey (every form today) as an 8-bit grey
/// PNG with fast compression: a third of the size and a fifth of the time
/// of the RGBA encoding. `None` for a page with colour, left to the RGBA
/// encoder (which also undoes premultiplied alpha).
fn png(rgba: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    if !rgba
        .chunks_exact(4)
        .all(|p| p[0] == p[1] && p[1] == p[2] && p[3] == 255)
    {
        return None;
    }
    let grey: Vec<u8> = rgba.chunks_exact(4).map(|p| p[0]).collect();
    let mut out = vec![];
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(&grey, width, height, image::ExtendedColorType::L8)
        .ok()?;
    Some(out)
}

/// Typst substitutes glyph 0 (and, with fallback on, silently another font)
/// for a letter the font lacks. The template turns fallback off; this finds
/// what is left so a missing Kazakh letter fails the document.
fn check_glyphs(doc: &PagedDocument) -> Result<(), RenderError> {
    fn walk(frame: &Frame, missing: &mut Vec<char>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(g) => walk(&g.frame, missing),
                FrameItem::Text(t) => {
                    for g in t.glyphs.iter().filter(|g| g.id == 0) {
                        let r = g.range.start as usize..g.range.end as usize;
                        missing.extend(t.text.get(r).unwrap_or("\u{fffd}").chars());
                    }
                }
                _ => {}
            }
        }
    }
    let mut missing = vec![];
    for page in doc.pages() {
        walk(&page.frame, &mut missing);
    }
    let mut seen = std::collections::HashSet::new();
    missing.retain(|c| seen.insert(*c));
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = missing
        .iter()
        .map(|c| format!("{:?} (U+{:04X})", c.to_string(), *c as u32))
        .collect();
    Err(RenderError {
        missing_glyphs: missing,
        ..plain(format!("the font has no glyph for: {}", names.join(", ")))
    })
}

/// A value too long for its place must wrap, never run over its neighbours
/// or off the sheet; see [`crate::render::layout_check`].
fn check_paper(doc: &PagedDocument) -> Result<(), RenderError> {
    let problems = crate::render::layout_check::problems(doc).map_err(plain)?;
    if problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = problems.iter().take(8).map(|p| format!("  {p}")).collect();
    let more = match problems.len().saturating_sub(shown.len()) {
        0 => String::new(),
        n => format!("\n  … and {n} more"),
    };
    Err(plain(format!(
        "text does not fit its place on the paper:\n{}{more}",
        shown.join("\n")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalty_scores_each_rule_of_the_standard() {
        // All light, 21×21: every row and column one run of 21 (19 each),
        // 20×20 one-colour 2×2 blocks (3 each), no finder-like pattern, 0%
        // dark (10 steps of 5% from half: 100).
        let n = 21;
        assert_eq!(qr_penalty(&vec![false; n * n], n), 42 * 19 + 400 * 3 + 100);
        // Row 10 starts 1011101, the rest light. Runs: 20 plain rows (19
        // each), row 10's light tail of 14 (12), 5 columns cut by a dark
        // module into 10 + 10 (8 + 8), 16 plain columns (19 each). The
        // pattern is finder-like with the quiet zone before it and the light
        // modules after it (40 each). 14 of the 400 blocks are mixed. 5 of
        // 441 dark: 9 steps (90).
        let mut m = vec![false; n * n];
        for (x, d) in [true, false, true, true, true, false, true]
            .iter()
            .enumerate()
        {
            m[10 * n + x] = *d;
        }
        let runs = 20 * 19 + 12 + 5 * 16 + 16 * 19;
        assert_eq!(qr_penalty(&m, n), runs + 2 * 40 + (400 - 14) * 3 + 90);
    }

    #[test]
    fn qr_image_is_square_with_a_light_quiet_zone() {
        let img = qr_image("qujat;id=x").unwrap();
        let side = (img.len() as f64).sqrt() as usize;
        assert_eq!(side * side, img.len());
        // Version 1 is 21 modules; with the quiet zone 29, 3 pixels each.
        assert_eq!(side, 29 * QR_PIXELS);
        let quiet = 4 * QR_PIXELS;
        assert!(img[..quiet * side].iter().all(|p| *p == 255));
        // The top-left finder's corner module is dark.
        assert_eq!(img[quiet * side + quiet], 0);
    }
}
