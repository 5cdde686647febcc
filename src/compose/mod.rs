//! Stage 5a, compose: a form layout plus case data becomes the page data
//! `templates/form.typ` lays out.
//!
//! Everything is resolved here — labels picked per language, values looked up,
//! sentences rendered — so the Typst side only places strings it receives as
//! data. A value a filled form needs but the case lacks is an error naming the
//! form's line, never an empty field.

pub mod view;

use crate::model::view::{blank_context, filled_context, lookup, render_sentence};

use crate::base::diag::Diagnostic;
use crate::base::text::{Lang, Text};
use crate::model::{Block, ChoiceBlock, ChoiceOption, Field, Form, Layout, RecordsBlock, Ref};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// One string per language of the document (one key, or `kk` and `ru`).
pub type Per = BTreeMap<Lang, String>;

#[derive(Debug, Serialize)]
pub struct Page {
    pub id: String,
    pub form: String,
    pub layout: Layout,
    pub langs: Vec<Lang>,
    pub blank: bool,
    pub title: Per,
    pub header: Vec<Per>,
    pub blocks: Vec<PageBlock>,
    pub meta: Meta,
}

#[derive(Debug, Serialize)]
pub struct Meta {
    pub title: String,
    pub keywords: Vec<String>,
    pub description: String,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum PageBlock {
    Heading {
        text: Per,
    },
    Field(PageField),
    Row {
        fields: Vec<PageField>,
    },
    Paragraph {
        text: Per,
    },
    Line {
        text: Per,
    },
    Note {
        text: Per,
    },
    List {
        label: Per,
        items: Vec<Per>,
        blank_lines: u32,
    },
    Table {
        columns: Vec<Per>,
        rows: Vec<Vec<Per>>,
    },
    Signature {
        label: Per,
    },
    Qr {
        caption: Option<Per>,
    },
    Choice {
        label: Per,
        options: Vec<PageOption>,
    },
    Records {
        label: Per,
        columns: Vec<Per>,
        rows: Vec<Vec<Per>>,
        blank_rows: u32,
    },
}

#[derive(Debug, Serialize)]
pub struct PageOption {
    pub label: Per,
    pub ticked: bool,
}

#[derive(Debug, Serialize)]
pub struct PageField {
    pub label: Per,
    /// None on a blank form: the template draws a line to fill in.
    pub value: Option<Per>,
    pub after: Option<Per>,
    pub hint: Option<Per>,
}

/// What a form is filled with: nothing (blank), or one view per language.
pub enum Fill<'a> {
    Blank,
    Case {
        id: &'a str,
        views: BTreeMap<Lang, Value>,
    },
}

pub struct Composer<'a> {
    pub form: &'a Form,
    pub file: &'a Path,
    pub langs: Vec<Lang>,
}

/// A value as printed: a text or a number; an option's label in `lang`
/// when `options` are given (several joined by commas).
fn shown(v: &Value, options: &[ChoiceOption], lang: Lang) -> Option<String> {
    let label = |id: &str| {
        options
            .iter()
            .find(|o| o.id.value == id)
            .map_or_else(|| id.to_string(), |o| o.label.get(lang).to_string())
    };
    match v {
        Value::String(s) if !options.is_empty() => Some(label(s)),
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(ids) if !options.is_empty() => Some(
            ids.iter()
                .filter_map(Value::as_str)
                .map(label)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    }
}

impl Composer<'_> {
    fn per(&self, t: &Text) -> Per {
        self.langs
            .iter()
            .map(|&l| (l, t.get(l).to_string()))
            .collect()
    }

    fn err(&self, r: &Ref, msg: String) -> Diagnostic {
        Diagnostic::error(
            self.file,
            r.referenced.line() as u32,
            r.referenced.column() as u32,
            msg,
        )
    }

    /// A value in every language, or None on a blank form. An option fact
    /// prints its label.
    fn value(
        &self,
        fill: &Fill,
        r: &Ref,
        optional: bool,
        options: &[ChoiceOption],
    ) -> Result<Option<Per>, Diagnostic> {
        let Fill::Case { views, .. } = fill else {
            return Ok(None);
        };
        let mut per = Per::new();
        for &l in &self.langs {
            let v = views.get(&l).and_then(|v| lookup(v, &r.value));
            let s = match v.and_then(|v| shown(v, options, l)) {
                Some(s) if !s.trim().is_empty() => s,
                _ if optional => "—".to_string(),
                _ => {
                    return Err(self.err(r, format!(
                        "form `{}` shows `{}`, but the case has no value for it (mark the field `optional: true` if the law allows it to be absent)",
                        self.form.id.value, r.value
                    )));
                }
            };
            per.insert(l, s);
        }
        Ok(Some(per))
    }

    fn field(&self, fill: &Fill, f: &Field) -> Result<PageField, Diagnostic> {
        Ok(PageField {
            label: self.per(&f.label),
            value: self.value(fill, &f.value, f.optional, &f.options)?,
            after: f.after.as_ref().map(|a| self.per(a)),
            hint: f.hint.as_ref().map(|h| self.per(h)),
        })
    }

    /// Ticks the options the case names; the value is an option id (a list
    /// of ids with `multiple`), the same in every language.
    fn choice(&self, fill: &Fill, ch: &ChoiceBlock) -> Result<PageBlock, Diagnostic> {
        let mut ticked: Vec<String> = vec![];
        if let Fill::Case { views, .. } = fill {
            let v = self
                .langs
                .first()
                .and_then(|l| views.get(l))
                .and_then(|v| lookup(v, &ch.value.value));
            ticked = match v {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) if ch.multiple => a
                    .iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
                Some(Value::Bool(b)) => vec![b.to_string()],
                _ => vec![],
            };
            if ticked.is_empty() && !ch.optional {
                return Err(self.err(
                    &ch.value,
                    format!(
                        "form `{}` asks `{}`, but the case has no answer (mark the choice `optional: true` if the law allows none)",
                        self.form.id.value, ch.value.value
                    ),
                ));
            }
            if let Some(bad) = ticked
                .iter()
                .find(|t| !ch.options.iter().any(|o| &o.id.value == *t))
            {
                let ids: Vec<&str> = ch.options.iter().map(|o| o.id.value.as_str()).collect();
                return Err(self.err(
                    &ch.value,
                    format!(
                        "the case answers `{}` with `{bad}`, which is not an option of the form ({})",
                        ch.value.value,
                        ids.join(", ")
                    ),
                ));
            }
        }
        Ok(PageBlock::Choice {
            label: self.per(&ch.label),
            options: ch
                .options
                .iter()
                .map(|o| PageOption {
                    label: self.per(&o.label),
                    ticked: ticked.contains(&o.id.value),
                })
                .collect(),
        })
    }

    /// One table row per item of a list in the case data.
    fn records(&self, fill: &Fill, r: &RecordsBlock) -> Result<PageBlock, Diagnostic> {
        let mut rows = vec![];
        if let Fill::Case { views, .. } = fill {
            let per_lang: BTreeMap<Lang, Vec<Value>> = self
                .langs
                .iter()
                .map(|&l| {
                    let items = views
                        .get(&l)
                        .and_then(|v| lookup(v, &r.items.value))
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    (l, items)
                })
                .collect();
            let n = per_lang.values().map(Vec::len).max().unwrap_or(0);
            for i in 0..n {
                let mut row = vec![];
                for c in &r.columns {
                    let mut cell = Per::new();
                    for (&l, items) in &per_lang {
                        let s = items
                            .get(i)
                            .and_then(|x| x.get(&c.value.value))
                            .and_then(|v| shown(v, &c.options, l))
                            .unwrap_or_else(|| "—".to_string());
                        cell.insert(l, s);
                    }
                    row.push(cell);
                }
                rows.push(row);
            }
        }
        Ok(PageBlock::Records {
            label: self.per(&r.label),
            columns: r.columns.iter().map(|c| self.per(&c.label)).collect(),
            rows,
            blank_rows: if matches!(fill, Fill::Blank) {
                r.blank_rows
            } else {
                0
            },
        })
    }

    pub fn compose(&self, fill: &Fill) -> Result<Page, Diagnostic> {
        // The context sentences are rendered with, built once per language.
        let contexts: BTreeMap<Lang, Value> = self
            .langs
            .iter()
            .map(|&l| match fill {
                Fill::Blank => (l, Value::Null),
                Fill::Case { views, .. } => (l, filled_context(&views[&l])),
            })
            .collect();
        let mut blocks = vec![];
        for b in &self.form.blocks {
            blocks.push(match b {
                Block::Heading(t) => PageBlock::Heading { text: self.per(t) },
                Block::Note(t) => PageBlock::Note { text: self.per(t) },
                Block::Field(f) => PageBlock::Field(self.field(fill, f)?),
                Block::Row(fs) => PageBlock::Row {
                    fields: fs
                        .iter()
                        .map(|f| self.field(fill, f))
                        .collect::<Result<_, _>>()?,
                },
                Block::Paragraph(t) | Block::Line(t) => {
                    let mut per = Per::new();
                    for &l in &self.langs {
                        let blank;
                        let ctx = match fill {
                            Fill::Blank => {
                                blank = blank_context(t.get(l));
                                &blank
                            }
                            Fill::Case { .. } => &contexts[&l],
                        };
                        let s = render_sentence(t.get(l), ctx)
                            .map_err(|m| self.err(t.spanned(l), m))?;
                        per.insert(l, s);
                    }
                    if matches!(b, Block::Line(_)) {
                        PageBlock::Line { text: per }
                    } else {
                        PageBlock::Paragraph { text: per }
                    }
                }
                Block::List(list) => {
                    let items = match fill {
                        Fill::Blank => vec![],
                        Fill::Case { views, .. } => {
                            let per_lang: BTreeMap<Lang, Vec<String>> = self
                                .langs
                                .iter()
                                .map(|&l| {
                                    let items = lookup(&views[&l], &list.items.value)
                                        .and_then(Value::as_array)
                                        .map(|a| {
                                            a.iter()
                                                .filter_map(|x| x.as_str().map(String::from))
                                                .collect()
                                        })
                                        .unwrap_or_default();
                                    (l, items)
                                })
                                .collect();
                            let n = per_lang.values().map(Vec::len).max().unwrap_or(0);
                            if n == 0 {
                                return Err(self.err(
                                    &list.items,
                                    format!(
                                        "form `{}` lists `{}`, but the case has none",
                                        self.form.id.value, list.items.value
                                    ),
                                ));
                            }
                            (0..n)
                                .map(|i| {
                                    per_lang
                                        .iter()
                                        .map(|(l, v)| (*l, v.get(i).cloned().unwrap_or_default()))
                                        .collect()
                                })
                                .collect()
                        }
                    };
                    PageBlock::List {
                        label: self.per(&list.label),
                        items,
                        blank_lines: list.blank_lines,
                    }
                }
                Block::Table(t) => {
                    let mut rows = vec![];
                    for (i, r) in t.rows.iter().enumerate() {
                        let mut row = vec![];
                        if t.numbered {
                            row.push(
                                self.langs
                                    .iter()
                                    .map(|&l| (l, (i + 1).to_string()))
                                    .collect(),
                            );
                        }
                        row.push(self.per(&r.label));
                        for v in &r.values {
                            // Cells the applicant leaves empty are part of the form:
                            // "указывать только те параметры, которые необходимо откорректировать".
                            let cell = self.value(fill, v, true, &[])?.map(|p| {
                                p.into_iter()
                                    .map(|(l, s)| (l, if s == "—" { String::new() } else { s }))
                                    .collect()
                            });
                            row.push(cell.unwrap_or_else(|| {
                                self.langs.iter().map(|&l| (l, String::new())).collect()
                            }));
                        }
                        rows.push(row);
                    }
                    PageBlock::Table {
                        columns: t.columns.iter().map(|c| self.per(c)).collect(),
                        rows,
                    }
                }
                Block::Signature(s) => PageBlock::Signature {
                    label: self.per(&s.label),
                },
                Block::Qr(q) => PageBlock::Qr {
                    caption: q.caption.as_ref().map(|c| self.per(c)),
                },
                Block::Choice(ch) => self.choice(fill, ch)?,
                Block::Records(r) => self.records(fill, r)?,
            });
        }
        let (id, blank) = match fill {
            Fill::Blank => (format!("blank-{}", self.form.id.value), true),
            Fill::Case { id, .. } => (format!("{id}-{}", self.form.id.value), false),
        };
        let title = self.per(&self.form.title);
        let meta_title = self
            .langs
            .iter()
            .map(|l| title[l].clone())
            .collect::<Vec<_>>()
            .join(" / ");
        let ours: Vec<&str> = self
            .langs
            .iter()
            .filter(|&&l| self.form.title.is_ours(l))
            .map(|l| l.code())
            .collect();
        Ok(Page {
            id,
            form: self.form.id.value.clone(),
            layout: self.form.layout,
            langs: self.langs.clone(),
            blank,
            title,
            header: self.form.header.iter().map(|h| self.per(h)).collect(),
            blocks,
            meta: Meta {
                title: meta_title,
                keywords: vec![
                    "qujat".into(),
                    self.form.id.value.clone(),
                    self.form.service.value.clone(),
                    if blank {
                        "blank".into()
                    } else {
                        "filled".into()
                    },
                ],
                description: format!(
                    "{}; {}{}",
                    self.form.cite,
                    self.form.origin,
                    if ours.is_empty() {
                        String::new()
                    } else {
                        format!("; our translation: {}", ours.join(", "))
                    }
                ),
            },
        })
    }
}
