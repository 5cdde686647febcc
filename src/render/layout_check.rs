//! The paper guard: a laid-out document in which text leaves its box, cell,
//! column or the page's printable area, crosses a rule, or runs over other
//! text or an image is refused, so a value too long for its place is never
//! printed over its neighbours or cut off at the edge of the sheet.
//!
//! It works on Typst's laid-out frames. Each text run is reduced to its ink
//! on the line: from its first to its last visible glyph, and from the
//! baseline up to the font's x-height (ascenders and descenders may reach
//! into the line's leading; that is not overprinting). A run must then lie
//! inside every group it is placed in (the page body is the printable area;
//! blocks, boxes and cells are groups), cross no stroked line or rectangle
//! edge, and overlap no other run and no image.

use typst::foundations::{Label, Value};
use typst::introspection::{Introspector, MetadataElem};
use typst::layout::{Abs, Frame, FrameItem, Point, Transform};
use typst::utils::PicoStr;
use typst::visualize::Geometry;
use typst_layout::PagedDocument;

/// The label of the page margins the template declares (as `metadata`), so
/// the printable area is defined in one place, next to `set page`.
pub const MARGIN_LABEL: &str = "paper-margin";

/// Slack for rounding: a run may touch a rule or its box's edge.
const EPS: f64 = 0.3;

/// One place where the layout is broken.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// 1-based page number.
    pub page: usize,
    /// The text of the offending run.
    pub text: String,
    /// What it does wrong, with the place on the page in points from the top left.
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "page {}: {:?} {}", self.page, self.text, self.what)
    }
}

#[derive(Debug, Clone, Copy)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn of(a: Point, b: Point) -> Rect {
        Rect {
            x0: a.x.to_pt().min(b.x.to_pt()),
            y0: a.y.to_pt().min(b.y.to_pt()),
            x1: a.x.to_pt().max(b.x.to_pt()),
            y1: a.y.to_pt().max(b.y.to_pt()),
        }
    }

    /// The axis-aligned box around a rectangle of `size` at the origin of `ts`.
    fn transformed(w: Abs, h: Abs, ts: Transform) -> Rect {
        let pts = [
            Point::zero(),
            Point::new(w, Abs::zero()),
            Point::new(Abs::zero(), h),
            Point::new(w, h),
        ]
        .map(|p| p.transform(ts));
        let mut r = Rect::of(pts[0], pts[3]);
        for p in pts {
            r.x0 = r.x0.min(p.x.to_pt());
            r.y0 = r.y0.min(p.y.to_pt());
            r.x1 = r.x1.max(p.x.to_pt());
            r.y1 = r.y1.max(p.y.to_pt());
        }
        r
    }

    fn contains(&self, inner: &Rect) -> bool {
        inner.x0 >= self.x0 - EPS
            && inner.x1 <= self.x1 + EPS
            && inner.y0 >= self.y0 - EPS
            && inner.y1 <= self.y1 + EPS
    }

    fn overlaps(&self, o: &Rect) -> bool {
        self.x0.max(o.x0) < self.x1.min(o.x1) - EPS && self.y0.max(o.y0) < self.y1.min(o.y1) - EPS
    }

    fn show(&self) -> String {
        format!(
            "x {:.1}–{:.1} pt, y {:.1}–{:.1} pt",
            self.x0, self.x1, self.y0, self.y1
        )
    }
}

struct Run {
    text: String,
    ink: Rect,
    /// The groups the run is placed in, outermost (the page body) first.
    containers: Vec<Rect>,
}

/// A stroked straight segment: a table rule, an underline, a box's edge.
struct Segment {
    a: (f64, f64),
    b: (f64, f64),
}

impl Segment {
    /// Whether the segment passes through the inside of `r` (not merely
    /// along or touching its edge).
    fn crosses(&self, r: &Rect) -> bool {
        let inside = Rect {
            x0: r.x0 + EPS,
            y0: r.y0 + EPS,
            x1: r.x1 - EPS,
            y1: r.y1 - EPS,
        };
        if inside.x0 >= inside.x1 || inside.y0 >= inside.y1 {
            return false;
        }
        // Liang–Barsky clipping of the segment against the inner rectangle.
        let (dx, dy) = (self.b.0 - self.a.0, self.b.1 - self.a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, self.a.0 - inside.x0),
            (dx, inside.x1 - self.a.0),
            (-dy, self.a.1 - inside.y0),
            (dy, inside.y1 - self.a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        t0 < t1
    }
}

#[derive(Default)]
struct PageItems {
    runs: Vec<Run>,
    segments: Vec<Segment>,
    images: Vec<Rect>,
}

fn walk(frame: &Frame, ts: Transform, containers: &mut Vec<Rect>, out: &mut PageItems) {
    for (pos, item) in frame.items() {
        let ts = ts.pre_concat(Transform::translate(pos.x, pos.y));
        match item {
            FrameItem::Group(g) => {
                let ts = ts.pre_concat(g.transform);
                containers.push(Rect::transformed(g.frame.width(), g.frame.height(), ts));
                walk(&g.frame, ts, containers, out);
                containers.pop();
            }
            FrameItem::Text(t) => {
                // The ink is the run's letters and digits: a trailing space,
                // and punctuation at either end, may hang past the edge of
                // the line (Typst's `overhang`). A run of punctuation alone
                // ("—" for an absent value) is ink in full.
                let mut x = Abs::zero();
                let mut glyphs = vec![];
                for g in &t.glyphs {
                    let advance = g.x_advance.at(t.size);
                    let s = t
                        .text
                        .get(g.range.start as usize..g.range.end as usize)
                        .unwrap_or("");
                    let start = x + g.x_offset.at(t.size);
                    if !s.chars().all(|c| c.is_whitespace() || c == '\u{200B}') {
                        glyphs.push((start, start + advance, s.chars().any(char::is_alphanumeric)));
                    }
                    x += advance;
                }
                let letters: Vec<_> = glyphs.iter().filter(|g| g.2).collect();
                let (first, last) = match (
                    letters.first(),
                    letters.last(),
                    glyphs.first(),
                    glyphs.last(),
                ) {
                    (Some(a), Some(b), _, _) => (a.0, b.1),
                    (None, None, Some(a), Some(b)) => (a.0, b.1),
                    _ => continue,
                };
                let top = -t.font.metrics().x_height.at(t.size);
                let ink = Rect::of(
                    Point::new(first, top).transform(ts),
                    Point::new(last, Abs::zero()).transform(ts),
                );
                out.runs.push(Run {
                    text: t.text.to_string(),
                    ink,
                    containers: containers.clone(),
                });
            }
            FrameItem::Shape(shape, _) => {
                if shape.stroke.is_none() {
                    continue;
                }
                let pt = |p: Point| {
                    let p = p.transform(ts);
                    (p.x.to_pt(), p.y.to_pt())
                };
                match &shape.geometry {
                    Geometry::Line(to) => out.segments.push(Segment {
                        a: pt(Point::zero()),
                        b: pt(*to),
                    }),
                    Geometry::Rect(size) => {
                        let c = [
                            Point::zero(),
                            Point::new(size.x, Abs::zero()),
                            Point::new(size.x, size.y),
                            Point::new(Abs::zero(), size.y),
                        ];
                        for i in 0..4 {
                            out.segments.push(Segment {
                                a: pt(c[i]),
                                b: pt(c[(i + 1) % 4]),
                            });
                        }
                    }
                    // The templates draw no curves; a curve is no rule.
                    Geometry::Curve(_) => {}
                }
            }
            FrameItem::Image(_, size, _) => {
                out.images.push(Rect::transformed(size.x, size.y, ts));
            }
            FrameItem::Link(..) | FrameItem::Tag(_) => {}
        }
    }
}

/// The margins the template declares with `#metadata((left: …, right: …,
/// top: …, bottom: …)) <paper-margin>`, in points.
fn margins(doc: &PagedDocument) -> Result<[f64; 4], String> {
    let missing = || {
        format!(
            "the template declares no page margins (`#metadata((left: …, right: …, top: …, bottom: …)) <{MARGIN_LABEL}>`)"
        )
    };
    let label = Label::new(PicoStr::intern(MARGIN_LABEL)).ok_or_else(missing)?;
    let content = doc
        .introspector()
        .query_label(label)
        .map_err(|_| missing())?;
    let Some(Value::Dict(dict)) = content.to_packed::<MetadataElem>().map(|m| &m.value) else {
        return Err(missing());
    };
    let mut out = [0.0; 4];
    for (slot, key) in out.iter_mut().zip(["left", "right", "top", "bottom"]) {
        match dict.get(key) {
            Ok(Value::Length(l)) if l.em == typst::layout::Em::zero() => *slot = l.abs.to_pt(),
            _ => return Err(missing()),
        }
    }
    Ok(out)
}

/// Every place where text leaves its container (the printable area, a
/// block, box or cell), crosses a rule, or overlaps other text or an image,
/// page by page.
pub fn problems(doc: &PagedDocument) -> Result<Vec<Problem>, String> {
    let [left, right, top, bottom] = margins(doc)?;
    let mut problems = vec![];
    for (i, page) in doc.pages().iter().enumerate() {
        let mut items = PageItems::default();
        let (w, h) = (page.frame.width().to_pt(), page.frame.height().to_pt());
        let printable = Rect {
            x0: left,
            y0: top,
            x1: w - right,
            y1: h - bottom,
        };
        walk(
            &page.frame,
            Transform::identity(),
            &mut vec![printable],
            &mut items,
        );
        let mut report = |run: &Run, what: String| {
            problems.push(Problem {
                page: i + 1,
                text: run.text.trim().to_string(),
                what,
            })
        };
        for run in &items.runs {
            // containers[0] is the printable area inside the page margins.
            if let Some((depth, c)) = run
                .containers
                .iter()
                .enumerate()
                .find(|(_, c)| !c.contains(&run.ink))
            {
                let place = match depth {
                    0 => "the printable area",
                    _ => "its box, cell or column",
                };
                report(
                    run,
                    format!("leaves {place} ({}) at {}", c.show(), run.ink.show()),
                );
                continue;
            }
            if let Some(s) = items.segments.iter().find(|s| s.crosses(&run.ink)) {
                report(
                    run,
                    format!(
                        "crosses a rule from ({:.1}, {:.1}) to ({:.1}, {:.1}) pt at {}",
                        s.a.0,
                        s.a.1,
                        s.b.0,
                        s.b.1,
                        run.ink.show()
                    ),
                );
                continue;
            }
            if items.images.iter().any(|im| im.overlaps(&run.ink)) {
                report(run, format!("runs over an image at {}", run.ink.show()));
            }
        }
        for (a, run) in items.runs.iter().enumerate() {
            if let Some(other) = items.runs[a + 1..]
                .iter()
                .find(|o| o.ink.overlaps(&run.ink))
            {
                report(
                    run,
                    format!("overprints {:?} at {}", other.text, run.ink.show()),
                );
            }
        }
    }
    Ok(problems)
}
