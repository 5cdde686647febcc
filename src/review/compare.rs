//! Review aid: compares two `qujat build` output directories. Lists the PDFs
//! that appeared, disappeared or changed, diffs each changed page word by
//! word, and draws its two versions side by side with the changed regions
//! marked, so a reviewer sees what a rule change does to the documents.

use crate::write::output;
use image::{ImageFormat, Rgba, RgbaImage};
use similar::{Algorithm, DiffTag, capture_diff_slices};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What differs between two output directories, `a` the old and `b` the new.
/// Documents are named by their path relative to the directory, with `/`
/// separators (`blank/SERVICE/FORM.pdf`), and every list is sorted by name.
#[derive(Debug)]
pub struct Comparison {
    pub a: PathBuf,
    pub b: PathBuf,
    /// Only in `b`.
    pub added: Vec<String>,
    /// Only in `a`.
    pub removed: Vec<String>,
    /// In both, with different bytes.
    pub changed: Vec<ChangedDocument>,
    /// In both, byte for byte: builds are deterministic, so nothing to show.
    pub unchanged: Vec<String>,
    /// What the comparison could not do (page images without pdftoppm), so
    /// a missing image is not mistaken for "no visual change".
    pub notes: Vec<String>,
}

/// A document whose bytes differ, with the pages that differ in text or
/// pixels; the page counts tell pages added at the end from pages dropped.
#[derive(Debug)]
pub struct ChangedDocument {
    pub name: String,
    pub pages_a: usize,
    pub pages_b: usize,
    pub pages: Vec<PageDiff>,
}

/// One page that differs; `number` counts from 1.
#[derive(Debug)]
pub struct PageDiff {
    pub number: usize,
    /// The page's words in order, as runs kept, removed and inserted.
    pub words: Vec<Run>,
    /// Both versions of the page drawn side by side; `None` when the pixels
    /// are equal or the pages were not rasterized.
    pub image: Option<PageImage>,
}

/// What a word diff did with a run of words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Same,
    Removed,
    Inserted,
}

/// Consecutive words that share a [`Change`]: words, not characters, since
/// PDF text extraction breaks lines differently from the layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub change: Change,
    pub words: Vec<String>,
}

/// A PNG of the page in `a` (left) and in `b` (right), or a blank where a
/// side has no such page, with `regions` marked on both.
#[derive(Debug)]
pub struct PageImage {
    pub png: Vec<u8>,
    pub regions: Vec<Region>,
}

/// A rectangle of a page, in pixels at 72 dpi (PDF points) from the top left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Why a comparison or report failed, always naming the file or directory.
#[derive(Debug)]
pub enum CompareError {
    /// A directory or file could not be listed, read or written.
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// A changed `.pdf` file lopdf cannot parse or take the text of.
    Pdf { path: PathBuf, message: String },
    /// pdftoppm is installed but could not draw the file's pages.
    Raster { path: PathBuf, message: String },
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompareError::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            CompareError::Pdf { path, message } => {
                write!(f, "{}: not a readable PDF: {message}", path.display())
            }
            CompareError::Raster { path, message } => {
                write!(f, "{}: cannot draw pages: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for CompareError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CompareError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> CompareError {
    let path = path.to_path_buf();
    move |source| CompareError::Io {
        action,
        path,
        source,
    }
}

/// Compares the PDFs under two directories (recursively), diffing the text
/// and pixels of those whose bytes differ. Only those are opened as PDFs:
/// builds are deterministic, so equal bytes mean an unchanged document.
pub fn compare_dirs(a: &Path, b: &Path) -> Result<Comparison, CompareError> {
    compare_with(a, b, "pdftoppm")
}

/// [`compare_dirs`] with the rasterizer named, so tests can make it missing.
fn compare_with(a: &Path, b: &Path, pdftoppm: &str) -> Result<Comparison, CompareError> {
    let (in_a, in_b) = (pdfs(a)?, pdfs(b)?);
    let raster = installed(pdftoppm).then_some(pdftoppm);
    let mut c = Comparison {
        a: a.to_path_buf(),
        b: b.to_path_buf(),
        added: in_b
            .keys()
            .filter(|n| !in_a.contains_key(*n))
            .cloned()
            .collect(),
        removed: vec![],
        changed: vec![],
        unchanged: vec![],
        notes: vec![],
    };
    for (name, pa) in &in_a {
        let Some(pb) = in_b.get(name) else {
            c.removed.push(name.clone());
            continue;
        };
        let (bytes_a, bytes_b) = (read(pa)?, read(pb)?);
        if bytes_a == bytes_b {
            c.unchanged.push(name.clone());
        } else {
            c.changed.push(changed_document(
                name,
                (pa, &bytes_a),
                (pb, &bytes_b),
                raster,
            )?);
        }
    }
    if raster.is_none() && !c.changed.is_empty() {
        c.notes.push(format!(
            "pages not rasterized: {pdftoppm} not found (apt-get install poppler-utils)"
        ));
    }
    Ok(c)
}

/// The `*.pdf` files under `dir` by name relative to it.
fn pdfs(dir: &Path) -> Result<BTreeMap<String, PathBuf>, CompareError> {
    let meta = std::fs::metadata(dir).map_err(io_error("read directory", dir))?;
    if !meta.is_dir() {
        return Err(io_error("read directory", dir)(io::Error::new(
            io::ErrorKind::NotADirectory,
            "not a directory",
        )));
    }
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            io_error("read directory", &path)(e.into())
        })?;
        let is_pdf = entry
            .path()
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("pdf"));
        if !entry.file_type().is_file() || !is_pdf {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let name: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        out.insert(name.join("/"), entry.into_path());
    }
    Ok(out)
}

fn read(path: &Path) -> Result<Vec<u8>, CompareError> {
    std::fs::read(path).map_err(io_error("read", path))
}

fn changed_document(
    name: &str,
    (path_a, bytes_a): (&Path, &[u8]),
    (path_b, bytes_b): (&Path, &[u8]),
    pdftoppm: Option<&str>,
) -> Result<ChangedDocument, CompareError> {
    let (words_a, words_b) = (page_words(path_a, bytes_a)?, page_words(path_b, bytes_b)?);
    let (images_a, images_b) = match pdftoppm {
        Some(program) => (rasterize(program, path_a)?, rasterize(program, path_b)?),
        None => (vec![], vec![]),
    };
    let count = [words_a.len(), words_b.len(), images_a.len(), images_b.len()]
        .into_iter()
        .max()
        .unwrap_or(0);
    let mut pages = vec![];
    for i in 0..count {
        let words = diff_words(
            words_a.get(i).map_or(&[][..], Vec::as_slice),
            words_b.get(i).map_or(&[][..], Vec::as_slice),
        );
        let image = page_image(images_a.get(i), images_b.get(i))
            .map(|(composite, regions)| {
                encode_png(&composite)
                    .map(|png| PageImage { png, regions })
                    .map_err(|message| CompareError::Raster {
                        path: path_b.to_path_buf(),
                        message,
                    })
            })
            .transpose()?;
        if image.is_some() || words.iter().any(|r| r.change != Change::Same) {
            pages.push(PageDiff {
                number: i + 1,
                words,
                image,
            });
        }
    }
    Ok(ChangedDocument {
        name: name.to_string(),
        pages_a: words_a.len(),
        pages_b: words_b.len(),
        pages,
    })
}

/// The words of each page, as lopdf extracts them through the fonts'
/// ToUnicode maps.
fn page_words(path: &Path, pdf: &[u8]) -> Result<Vec<Vec<String>>, CompareError> {
    let error = |message: String| CompareError::Pdf {
        path: path.to_path_buf(),
        message,
    };
    let doc = lopdf::Document::load_mem(pdf).map_err(|e| error(e.to_string()))?;
    doc.get_pages()
        .keys()
        .map(|&n| {
            let text = doc
                .extract_text(&[n])
                .map_err(|e| error(format!("page {n}: {e}")))?;
            Ok(text.split_whitespace().map(str::to_string).collect())
        })
        .collect()
}

/// A word-level diff, adjacent runs of the same kind joined.
fn diff_words(old: &[String], new: &[String]) -> Vec<Run> {
    let mut runs: Vec<Run> = vec![];
    let mut push = |change, words: &[String]| match runs.last_mut() {
        _ if words.is_empty() => {}
        Some(last) if last.change == change => last.words.extend_from_slice(words),
        _ => runs.push(Run {
            change,
            words: words.to_vec(),
        }),
    };
    for op in capture_diff_slices(Algorithm::Myers, old, new) {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            push(Change::Same, &old[o]);
        } else {
            push(Change::Removed, &old[o]);
            push(Change::Inserted, &new[n]);
        }
    }
    runs
}

/// A stretch of a page diff as shown to a reader.
type Hunk = Vec<(Change, String)>;

/// The changes of a page as hunks: unchanged words cut to `context` on each
/// side of a change (a cut marked `…` and, between changes, ending a hunk),
/// changed runs cut to `cap` words.
fn hunks(runs: &[Run], context: usize, cap: usize) -> Vec<Hunk> {
    let joined = |w: &[String]| w.join(" ");
    let last = runs.len().saturating_sub(1);
    let (mut hunks, mut hunk) = (vec![], Hunk::new());
    for (i, r) in runs.iter().enumerate() {
        let w = &r.words;
        let head = if i == 0 { 0 } else { context };
        let tail = if i == last { 0 } else { context };
        match r.change {
            Change::Same if head + tail < w.len() => {
                if head > 0 {
                    hunk.push((Change::Same, format!("{} …", joined(&w[..head]))));
                }
                hunks.push(std::mem::take(&mut hunk));
                if tail > 0 {
                    hunk.push((Change::Same, format!("… {}", joined(&w[w.len() - tail..]))));
                }
            }
            Change::Removed | Change::Inserted if w.len() > cap => {
                let text = format!("{} … ({} more words)", joined(&w[..cap]), w.len() - cap);
                hunk.push((r.change, text));
            }
            _ => hunk.push((r.change, joined(w))),
        }
    }
    hunks.push(hunk);
    hunks.retain(|h| h.iter().any(|(change, _)| *change != Change::Same));
    hunks
}

/// Runs `program -v` to learn whether it is installed at all.
fn installed(program: &str) -> bool {
    Command::new(program).arg("-v").output().is_ok()
}

/// Draws every page of a PDF at 72 dpi with pdftoppm, in page order.
fn rasterize(program: &str, pdf: &Path) -> Result<Vec<RgbaImage>, CompareError> {
    let error = |message: String| CompareError::Raster {
        path: pdf.to_path_buf(),
        message,
    };
    let tmp = TempDir::new("pages")?;
    // A relative path starting with `-` would read as an option.
    let input = if pdf.is_absolute() {
        pdf.to_path_buf()
    } else {
        Path::new(".").join(pdf)
    };
    let out = Command::new(program)
        .args(["-r", "72", "-png"])
        .arg(&input)
        .arg(tmp.0.join("page"))
        .output()
        .map_err(|e| error(format!("cannot run {program}: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(error(format!(
            "{program} {}: {}",
            out.status,
            stderr.trim()
        )));
    }
    // pdftoppm names pages `page-1.png` or `page-01.png` by the page count.
    let mut files = vec![];
    for entry in std::fs::read_dir(&tmp.0).map_err(io_error("read directory", &tmp.0))? {
        let path = entry.map_err(io_error("read directory", &tmp.0))?.path();
        let number = path
            .file_name()
            .and_then(|n| n.to_str()?.strip_prefix("page-")?.strip_suffix(".png"))
            .and_then(|n| n.parse::<u32>().ok());
        if let Some(n) = number {
            files.push((n, path));
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|(_, path)| {
            let bytes = read(&path)?;
            image::load_from_memory_with_format(&bytes, ImageFormat::Png)
                .map(|i| i.to_rgba8())
                .map_err(|e| error(format!("{}: {e}", path.display())))
        })
        .collect()
}

/// A scratch directory under the system's temporary directory, unique to
/// this process and call, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> Result<TempDir, CompareError> {
        let path = crate::write::output::temp_dir(&format!("compare-{what}"))
            .map_err(io_error("create directory", &std::env::temp_dir()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Side of the square cells changed pixels are gathered in: a changed word
/// or line becomes one box instead of one per glyph.
const CELL: u32 = 10;

/// Where two page images differ, as bounding boxes of touching cells of
/// [`CELL`] pixels that hold any differing pixel (past the edge of the
/// smaller image every pixel differs).
fn changed_regions(a: &RgbaImage, b: &RgbaImage) -> Vec<Region> {
    let (width, height) = (a.width().max(b.width()), a.height().max(b.height()));
    let (cols, rows) = (width.div_ceil(CELL), height.div_ceil(CELL));
    let cell = |col: u32, row: u32| (row * cols + col) as usize;
    let mut dirty = vec![false; (cols * rows) as usize];
    for y in 0..height {
        for x in 0..width {
            if a.get_pixel_checked(x, y) != b.get_pixel_checked(x, y) {
                dirty[cell(x / CELL, y / CELL)] = true;
            }
        }
    }
    let mut boxes = vec![];
    for start in 0..dirty.len() {
        if !dirty[start] {
            continue;
        }
        dirty[start] = false;
        let (col, row) = (start as u32 % cols, start as u32 / cols);
        let (mut left, mut top, mut right, mut bottom) = (col, row, col, row);
        let mut stack = vec![(col, row)];
        while let Some((c, r)) = stack.pop() {
            (left, top) = (left.min(c), top.min(r));
            (right, bottom) = (right.max(c), bottom.max(r));
            for nr in r.saturating_sub(1)..=(r + 1).min(rows - 1) {
                for nc in c.saturating_sub(1)..=(c + 1).min(cols - 1) {
                    if dirty[cell(nc, nr)] {
                        dirty[cell(nc, nr)] = false;
                        stack.push((nc, nr));
                    }
                }
            }
        }
        boxes.push(Region {
            x: left * CELL,
            y: top * CELL,
            width: ((right + 1) * CELL).min(width) - left * CELL,
            height: ((bottom + 1) * CELL).min(height) - top * CELL,
        });
    }
    merge_overlapping(boxes)
}

/// Joins boxes that overlap (bounding boxes of separate cell groups can)
/// until none do.
fn merge_overlapping(mut boxes: Vec<Region>) -> Vec<Region> {
    let overlap = |p: &Region, q: &Region| {
        p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height
    };
    let mut i = 0;
    while i < boxes.len() {
        match (i + 1..boxes.len()).find(|&j| overlap(&boxes[i], &boxes[j])) {
            Some(j) => {
                let (p, q) = (boxes[i], boxes.swap_remove(j));
                let (x, y) = (p.x.min(q.x), p.y.min(q.y));
                boxes[i] = Region {
                    x,
                    y,
                    width: (p.x + p.width).max(q.x + q.width) - x,
                    height: (p.y + p.height).max(q.y + q.height) - y,
                };
                i = 0;
            }
            None => i += 1,
        }
    }
    boxes.sort_by_key(|r| (r.y, r.x));
    boxes
}

/// Gap between the two pages of a composite, and its colour.
const GAP: u32 = 16;
const GUTTER: Rgba<u8> = Rgba([200, 200, 200, 255]);
/// Stands in for a page one side does not have.
const BLANK: Rgba<u8> = Rgba([235, 235, 235, 255]);
const REMOVED: Rgba<u8> = Rgba([220, 0, 0, 255]);
const INSERTED: Rgba<u8> = Rgba([0, 160, 0, 255]);

/// The composite of a page and its changed regions, or `None` when the page
/// is missing on both sides or its pixels are equal.
fn page_image(a: Option<&RgbaImage>, b: Option<&RgbaImage>) -> Option<(RgbaImage, Vec<Region>)> {
    let regions = match (a, b) {
        (None, None) => return None,
        (Some(a), Some(b)) => changed_regions(a, b),
        _ => vec![],
    };
    if a.is_some() && b.is_some() && regions.is_empty() {
        return None;
    }
    let size = |i: Option<&RgbaImage>| i.map_or((0, 0), |i| (i.width(), i.height()));
    let ((wa, ha), (wb, hb)) = (size(a), size(b));
    let (width, height) = (wa.max(wb), ha.max(hb));
    let mut out = RgbaImage::from_pixel(2 * width + GAP, height, GUTTER);
    for (page, left, colour) in [(a, 0, REMOVED), (b, width + GAP, INSERTED)] {
        match page {
            Some(page) => image::imageops::replace(&mut out, page, i64::from(left), 0),
            None => fill(&mut out, left, 0, width, height, BLANK, 255),
        }
        for r in &regions {
            mark(&mut out, left, r, colour);
        }
    }
    Some((out, regions))
}

/// A translucent box with a solid two-pixel outline.
fn mark(img: &mut RgbaImage, left: u32, r: &Region, colour: Rgba<u8>) {
    let (x, y) = (left + r.x, r.y);
    fill(img, x, y, r.width, r.height, colour, 60);
    let t = 2.min(r.width).min(r.height);
    fill(img, x, y, r.width, t, colour, 255);
    fill(img, x, y + r.height - t, r.width, t, colour, 255);
    fill(img, x, y, t, r.height, colour, 255);
    fill(img, x + r.width - t, y, t, r.height, colour, 255);
}

/// Blends `colour` over a rectangle with opacity `alpha` of 255, clipped to
/// the image.
fn fill(img: &mut RgbaImage, x: u32, y: u32, w: u32, h: u32, colour: Rgba<u8>, alpha: u16) {
    for py in y..(y + h).min(img.height()) {
        for px in x..(x + w).min(img.width()) {
            let p = img.get_pixel_mut(px, py);
            for (c, over) in p.0.iter_mut().zip(colour.0).take(3) {
                *c = ((u16::from(*c) * (255 - alpha) + u16::from(over) * alpha) / 255) as u8;
            }
            p.0[3] = 255;
        }
    }
}

fn encode_png(img: &RgbaImage) -> Result<Vec<u8>, String> {
    let mut png = io::Cursor::new(vec![]);
    img.write_to(&mut png, ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(png.into_inner())
}

/// Unchanged words kept on each side of a change in the summary and report.
const CONTEXT: usize = 4;
const HTML_CONTEXT: usize = 12;
/// Changed words the terminal summary shows of one run; the report shows all.
const CAP: usize = 12;

impl Comparison {
    /// Whether the directories hold the same PDFs with the same bytes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// Plain text for a terminal: the documents by fate, then each changed
    /// page's differences as `[-removed-]` and `{+inserted+}` in context.
    pub fn summary(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "a: {}", self.a.display())?;
        writeln!(f, "b: {}", self.b.display())?;
        if self.is_empty() {
            writeln!(f, "no differences")?;
        }
        for (title, sign, names) in [("added", '+', &self.added), ("removed", '-', &self.removed)] {
            if !names.is_empty() {
                writeln!(f, "{title} ({}):", names.len())?;
            }
            for n in names {
                writeln!(f, "  {sign} {n}")?;
            }
        }
        if !self.changed.is_empty() {
            writeln!(f, "changed ({}):", self.changed.len())?;
        }
        for d in &self.changed {
            writeln!(f, "  ~ {} ({})", d.name, d.page_counts())?;
            if d.pages.is_empty() {
                writeln!(f, "      no page's text or pixels differ (metadata only?)")?;
            }
            for p in &d.pages {
                write!(f, "      page {}{}:", p.number, d.side_note(p))?;
                let hunks = hunks(&p.words, CONTEXT, CAP);
                if hunks.is_empty() {
                    write!(f, " text equal")?;
                }
                if let Some(i) = &p.image {
                    write!(f, " {} changed region(s)", i.regions.len())?;
                }
                writeln!(f)?;
                for hunk in hunks {
                    write!(f, "       ")?;
                    for (change, text) in hunk {
                        match change {
                            Change::Same => write!(f, " {text}")?,
                            Change::Removed => write!(f, " [-{text}-]")?,
                            Change::Inserted => write!(f, " {{+{text}+}}")?,
                        }
                    }
                    writeln!(f)?;
                }
            }
        }
        writeln!(f, "unchanged: {} document(s)", self.unchanged.len())?;
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

impl ChangedDocument {
    fn page_counts(&self) -> String {
        if self.pages_a == self.pages_b {
            format!("{} page(s)", self.pages_a)
        } else {
            format!("{} → {} pages", self.pages_a, self.pages_b)
        }
    }

    /// Marks a page only one side has.
    fn side_note(&self, p: &PageDiff) -> &'static str {
        if p.number > self.pages_a {
            " (only in b)"
        } else if p.number > self.pages_b {
            " (only in a)"
        } else {
            ""
        }
    }
}

/// Writes `dir/index.html` (self-contained, no scripts) and the page images
/// under `dir/pages/`, each file through a temporary file and a rename, so a
/// reader never opens a half-written report. Returns the index's path.
pub fn write_report(c: &Comparison, dir: &Path) -> Result<PathBuf, CompareError> {
    for (i, d) in c.changed.iter().enumerate() {
        for p in &d.pages {
            if let Some(img) = &p.image {
                let path = dir.join("pages").join(image_file(i, d, p));
                output::write_atomic(&path, &img.png).map_err(io_error("write", &path))?;
            }
        }
    }
    let index = dir.join("index.html");
    output::write_atomic(&index, Html(c).to_string().as_bytes())
        .map_err(io_error("write", &index))?;
    Ok(index)
}

/// The page image's file name: numbered, since names made safe may collide.
fn image_file(i: usize, d: &ChangedDocument, p: &PageDiff) -> String {
    let safe: String = (d.name.strip_suffix(".pdf").unwrap_or(&d.name))
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' => c,
            _ => '_',
        })
        .collect();
    format!("{:03}-{safe}.p{}.png", i + 1, p.number)
}

/// Text for HTML element content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2em;color:#222}\
h2{border-bottom:1px solid #ccc}code{font-size:14px}\
.note{background:#fff4d6;padding:.5em 1em;border-left:4px solid #e0a000}\
.diff{background:#fafafa;border:1px solid #ddd;padding:.5em 1em;overflow-wrap:anywhere}\
del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}\
img{max-width:100%;border:1px solid #ccc}figure{margin:1em 0}\
figcaption{color:#666;font-size:13px}li.added{color:#060}li.removed{color:#900}";

/// The report's HTML; every text from the directories is escaped.
struct Html<'a>(&'a Comparison);

impl fmt::Display for Html<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        let (a, b) = (
            escape(&c.a.display().to_string()),
            escape(&c.b.display().to_string()),
        );
        writeln!(f, "<!doctype html>\n<html lang=\"en\">\n<head>")?;
        writeln!(f, "<meta charset=\"utf-8\">")?;
        writeln!(f, "<title>qujat: {a} → {b}</title>\n<style>{STYLE}</style>")?;
        writeln!(
            f,
            "</head>\n<body>\n<h1>Changes in the built documents</h1>"
        )?;
        writeln!(
            f,
            "<p>a (old): <code>{a}</code><br>b (new): <code>{b}</code></p>"
        )?;
        for n in &c.notes {
            writeln!(f, "<p class=\"note\">{}</p>", escape(n))?;
        }
        if c.is_empty() {
            writeln!(f, "<p>No differences.</p>")?;
        }
        for (title, class, names) in [
            ("Added", "added", &c.added),
            ("Removed", "removed", &c.removed),
        ] {
            if names.is_empty() {
                continue;
            }
            writeln!(f, "<h2>{title} ({})</h2>\n<ul>", names.len())?;
            for n in names {
                writeln!(f, "<li class=\"{class}\"><code>{}</code></li>", escape(n))?;
            }
            writeln!(f, "</ul>")?;
        }
        if !c.changed.is_empty() {
            writeln!(f, "<h2>Changed ({})</h2>", c.changed.len())?;
        }
        for (i, d) in c.changed.iter().enumerate() {
            let name = escape(&d.name);
            writeln!(f, "<section>\n<h3><code>{name}</code></h3>")?;
            writeln!(f, "<p>{}</p>", d.page_counts())?;
            if d.pages.is_empty() {
                writeln!(
                    f,
                    "<p>No page's text or pixels differ (metadata only?).</p>"
                )?;
            }
            for p in &d.pages {
                writeln!(f, "<h4>Page {}{}</h4>", p.number, d.side_note(p))?;
                let hunks = hunks(&p.words, HTML_CONTEXT, usize::MAX);
                if hunks.is_empty() {
                    writeln!(f, "<p>Text equal.</p>")?;
                }
                for hunk in hunks {
                    write!(f, "<p class=\"diff\">")?;
                    for (change, text) in hunk {
                        let text = escape(&text);
                        match change {
                            Change::Same => write!(f, "{text} ")?,
                            Change::Removed => write!(f, "<del>{text}</del> ")?,
                            Change::Inserted => write!(f, "<ins>{text}</ins> ")?,
                        }
                    }
                    writeln!(f, "</p>")?;
                }
                if let Some(img) = &p.image {
                    writeln!(
                        f,
                        "<figure><img src=\"pages/{}\" alt=\"{name}, page {}: a left, b right\">",
                        image_file(i, d, p),
                        p.number
                    )?;
                    writeln!(
                        f,
                        "<figcaption>Left a, right b; {} changed region(s) boxed.</figcaption></figure>",
                        img.regions.len()
                    )?;
                }
            }
            writeln!(f, "</section>")?;
        }
        if !c.unchanged.is_empty() {
            writeln!(
                f,
                "<h2>Unchanged ({})</h2>\n<details><summary>List</summary>\n<ul>",
                c.unchanged.len()
            )?;
            for n in &c.unchanged {
                writeln!(f, "<li><code>{}</code></li>", escape(n))?;
            }
            writeln!(f, "</ul></details>")?;
        }
        writeln!(f, "</body>\n</html>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{Document, Project};
    use std::sync::OnceLock;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn run(change: Change, s: &str) -> Run {
        Run {
            change,
            words: words(s),
        }
    }

    /// The repository's blank forms of 2024 (the pilot's and the IIN
    /// service's), rendered once for all tests.
    fn blanks() -> &'static [Document] {
        static DOCS: OnceLock<Vec<Document>> = OnceLock::new();
        DOCS.get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let p = Project::open(root).unwrap_or_else(|d| panic!("{d}"));
            let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).expect("a date");
            let (docs, _) = p.render_blanks(day, None).unwrap_or_else(|e| panic!("{e}"));
            assert!(docs.len() >= 4, "too few blanks to compare: {}", docs.len());
            docs
        })
    }

    fn name(d: &Document) -> String {
        d.name.to_string_lossy().replace('\\', "/")
    }

    /// Dirs `a` and `b` holding the blanks, `b` with the first removed, one
    /// added, and the second replaced by the third's bytes.
    fn fixture() -> (TempDir, PathBuf, PathBuf) {
        let docs = blanks();
        let tmp = TempDir::new("test").expect("temp dir");
        let (a, b) = (tmp.0.join("a"), tmp.0.join("b"));
        Project::write(&a, docs).unwrap_or_else(|e| panic!("{e}"));
        Project::write(&b, &docs[1..]).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(b.join(&docs[1].name), docs[2].pdf.bytes().unwrap()).expect("replace");
        std::fs::write(b.join("added.pdf"), docs[3].pdf.bytes().unwrap()).expect("add");
        std::fs::write(b.join("odd <&\"'>.pdf"), docs[3].pdf.bytes().unwrap()).expect("add");
        std::fs::write(b.join("notes.txt"), "not a PDF, not compared").expect("add");
        (tmp, a, b)
    }

    #[test]
    fn word_diff_marks_removed_and_inserted_words() {
        let runs = diff_words(
            &words("the quick brown fox"),
            &words("the slow brown fox jumps"),
        );
        assert_eq!(
            runs,
            [
                run(Change::Same, "the"),
                run(Change::Removed, "quick"),
                run(Change::Inserted, "slow"),
                run(Change::Same, "brown fox"),
                run(Change::Inserted, "jumps"),
            ]
        );
        assert_eq!(
            diff_words(&words("a b"), &words("a b")),
            [run(Change::Same, "a b")]
        );
        assert!(diff_words(&[], &[]).is_empty());
    }

    #[test]
    fn hunks_keep_a_few_words_of_context() {
        let old = words("1 2 3 4 5 6 7 8 9 Қазақ 10 11 12 13 14 15 16");
        let new = words("1 2 3 4 5 6 7 8 9 Қазақстан 10 11 12 13 14 15 16");
        let shown = hunks(&diff_words(&old, &new), 3, 12);
        assert_eq!(
            shown,
            [vec![
                (Change::Same, "… 7 8 9".to_string()),
                (Change::Removed, "Қазақ".to_string()),
                (Change::Inserted, "Қазақстан".to_string()),
                (Change::Same, "10 11 12 …".to_string()),
            ]]
        );
        let long = diff_words(&[], &words("a b c d e"));
        assert_eq!(
            hunks(&long, 3, 2),
            [vec![(Change::Inserted, "a b … (3 more words)".to_string())]]
        );
        let far = diff_words(
            &words("1 2 3 4 5 6 7 8 9 10"),
            &words("1 X 3 4 5 6 7 8 Y 10"),
        );
        let text = |change, s: &str| (change, s.to_string());
        assert_eq!(
            hunks(&far, 2, 12),
            [
                vec![
                    text(Change::Same, "1"),
                    text(Change::Removed, "2"),
                    text(Change::Inserted, "X"),
                    text(Change::Same, "3 4 …"),
                ],
                vec![
                    text(Change::Same, "… 7 8"),
                    text(Change::Removed, "9"),
                    text(Change::Inserted, "Y"),
                    text(Change::Same, "10"),
                ],
            ]
        );
    }

    fn white(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_pixel(w, h, Rgba([255, 255, 255, 255]))
    }

    #[test]
    fn identical_images_have_no_changed_regions() {
        assert!(changed_regions(&white(100, 80), &white(100, 80)).is_empty());
        assert!(page_image(Some(&white(100, 80)), Some(&white(100, 80))).is_none());
    }

    #[test]
    fn one_changed_rectangle_gives_one_box_covering_it() {
        let a = white(200, 150);
        let mut b = a.clone();
        for y in 42..57 {
            for x in 33..71 {
                b.put_pixel(x, y, Rgba([0, 0, 0, 255]));
            }
        }
        let regions = changed_regions(&a, &b);
        assert_eq!(regions.len(), 1, "{regions:?}");
        let r = regions[0];
        assert!(r.x <= 33 && r.y <= 42, "{r:?}");
        assert!(r.x + r.width >= 71 && r.y + r.height >= 57, "{r:?}");
        assert!(
            r.width <= 38 + 2 * CELL && r.height <= 15 + 2 * CELL,
            "{r:?}"
        );
    }

    #[test]
    fn distant_changes_give_separate_boxes_and_size_changes_count() {
        let a = white(200, 150);
        let mut b = a.clone();
        b.put_pixel(5, 5, Rgba([0, 0, 0, 255]));
        b.put_pixel(150, 120, Rgba([0, 0, 0, 255]));
        assert_eq!(changed_regions(&a, &b).len(), 2);
        let taller = white(200, 170);
        assert_eq!(
            changed_regions(&a, &taller),
            [Region {
                x: 0,
                y: 150,
                width: 200,
                height: 20
            }]
        );
    }

    #[test]
    fn a_page_on_one_side_is_drawn_against_a_blank() {
        let (img, regions) = page_image(None, Some(&white(50, 40))).expect("a composite");
        assert!(regions.is_empty());
        assert_eq!((img.width(), img.height()), (100 + GAP, 40));
        assert_eq!(*img.get_pixel(10, 10), BLANK);
    }

    #[test]
    fn compares_real_build_outputs() {
        let docs = blanks();
        let (_tmp, a, b) = fixture();
        let c = compare_dirs(&a, &b).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.added, ["added.pdf", "odd <&\"'>.pdf"]);
        assert_eq!(c.removed, [name(&docs[0])]);
        let changed: Vec<&str> = c.changed.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(changed, [name(&docs[1])]);
        let mut unchanged: Vec<String> = docs[2..].iter().map(name).collect();
        unchanged.sort();
        assert_eq!(c.unchanged, unchanged);
        assert!(!c.is_empty());

        // Words only one of the two documents has show up on their side.
        let old = page_words(&a.join(&docs[1].name), docs[1].pdf.bytes().unwrap());
        let new = page_words(&b.join(&docs[1].name), docs[2].pdf.bytes().unwrap());
        let (old, new) = (old.expect("text").concat(), new.expect("text").concat());
        let only_old = old
            .iter()
            .find(|w| !new.contains(w))
            .expect("a word only in a");
        let only_new = new
            .iter()
            .find(|w| !old.contains(w))
            .expect("a word only in b");
        let d = &c.changed[0];
        let has = |change, word: &String| {
            d.pages
                .iter()
                .flat_map(|p| &p.words)
                .any(|r| r.change == change && r.words.contains(word))
        };
        assert!(has(Change::Removed, only_old), "{only_old} not removed");
        assert!(has(Change::Inserted, only_new), "{only_new} not inserted");
        // ToUnicode maps decode Kazakh letters.
        let kazakh = |w: &String| w.chars().any(|ch| "ҚқӘәӨөҮүҰұІіҢңҒғ".contains(ch));
        assert!(
            old.iter().chain(&new).any(kazakh),
            "no Kazakh letters in {old:?} {new:?}"
        );

        let summary = c.summary();
        assert!(
            summary.contains(" [-") && summary.contains(" {+"),
            "{summary}"
        );
        if c.notes.is_empty() {
            assert!(d.pages.iter().any(|p| p.image.is_some()), "{summary}");
        }

        let report = TempDir::new("report").expect("temp dir");
        let index = write_report(&c, &report.0.join("new")).unwrap_or_else(|e| panic!("{e}"));
        let html = std::fs::read_to_string(&index).expect("index.html");
        assert!(html.contains("odd &lt;&amp;&quot;&#39;&gt;.pdf"), "{html}");
        assert!(!html.contains("odd <"), "{html}");
        assert!(html.contains("<del>") && html.contains("<ins>"), "{html}");
        for p in d.pages.iter().filter(|p| p.image.is_some()) {
            let file = image_file(0, d, p);
            assert!(
                html.contains(&format!("<img src=\"pages/{file}\"")),
                "{html}"
            );
            let png = std::fs::read(report.0.join("new/pages").join(&file)).expect("page image");
            assert!(image::load_from_memory_with_format(&png, ImageFormat::Png).is_ok());
        }
    }

    #[test]
    fn without_pdftoppm_the_text_diff_remains() {
        let (_tmp, a, b) = fixture();
        let c =
            compare_with(&a, &b, "qujat-test-no-such-pdftoppm").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.notes,
            [
                "pages not rasterized: qujat-test-no-such-pdftoppm not found (apt-get install poppler-utils)"
            ]
        );
        let d = &c.changed[0];
        assert!(d.pages.iter().all(|p| p.image.is_none()));
        assert!(
            d.pages
                .iter()
                .flat_map(|p| &p.words)
                .any(|r| r.change == Change::Inserted)
        );
        assert!(c.summary().contains("note: pages not rasterized"));
    }

    #[test]
    fn a_missing_directory_is_named() {
        let tmp = TempDir::new("test").expect("temp dir");
        let missing = tmp.0.join("no-such-dir");
        let e = compare_dirs(&missing, &tmp.0).expect_err("missing dir");
        assert!(
            e.to_string().contains(&missing.display().to_string()),
            "{e}"
        );
        let e = compare_dirs(&tmp.0, &missing).expect_err("missing dir");
        assert!(
            e.to_string().contains(&missing.display().to_string()),
            "{e}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_pdf_is_named() {
        let tmp = TempDir::new("test").expect("temp dir");
        let (a, b) = (tmp.0.join("a"), tmp.0.join("b"));
        for dir in [&a, &b] {
            std::fs::create_dir_all(dir).expect("dir");
        }
        std::fs::write(a.join("x.pdf"), blanks()[0].pdf.bytes().unwrap()).expect("write");
        std::fs::write(b.join("x.pdf"), "<html>not a PDF</html>").expect("write");
        let e = compare_dirs(&a, &b).expect_err("not a PDF");
        let bad = b.join("x.pdf").display().to_string();
        assert!(matches!(e, CompareError::Pdf { .. }), "{e}");
        assert!(e.to_string().contains(&bad), "{e}");
    }
}
