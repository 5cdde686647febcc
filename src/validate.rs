//! Stage 2, validate: cross-check everything loaded and index it as [`Rules`].
//!
//! Checks run to the end and collect every problem: unique ids, references to
//! acts, channels, requests, documents, grounds, conventions, forms and case
//! data paths, both languages present, and the minijinja sentences of forms
//! using only variables the case data has.

use crate::calendar::Calendar;
use crate::diag::{Diagnostic, Diagnostics, Sources};
use crate::model::{Act, Block, Convention, Form, Institution, RawProject, Ref, Service};
use crate::text::{Lang, Text};
use crate::view;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The validated, indexed rules of a project.
#[derive(Debug)]
pub struct Rules {
    pub acts: BTreeMap<String, Act>,
    pub services: BTreeMap<String, Service>,
    pub institutions: BTreeMap<u32, Institution>,
    pub conventions: BTreeMap<String, Convention>,
    pub calendar: Calendar,
    pub forms: BTreeMap<String, Form>,
    /// The file each service was read from, by service id.
    pub service_files: BTreeMap<String, PathBuf>,
    /// The file each form was read from, by form id.
    pub form_files: BTreeMap<String, PathBuf>,
    pub sources: Sources,
}

struct Checker {
    errors: Vec<Diagnostic>,
}

impl Checker {
    fn at(&mut self, file: &Path, r: &Ref, msg: String, path: String) {
        self.errors.push(
            Diagnostic::error(
                file,
                r.referenced.line() as u32,
                r.referenced.column() as u32,
                msg,
            )
            .at(path),
        );
    }

    fn unique<'a>(
        &mut self,
        file: &Path,
        what: &str,
        ids: impl Iterator<Item = (&'a Ref, String)>,
    ) {
        let mut seen = BTreeSet::new();
        for (id, path) in ids {
            if !seen.insert(id.value.clone()) {
                self.at(
                    file,
                    id,
                    format!("{what} `{}` is defined twice", id.value),
                    path,
                );
            }
        }
    }

    fn known(&mut self, file: &Path, r: &Ref, what: &str, known: &BTreeSet<&str>, path: String) {
        if !known.contains(r.value.as_str()) {
            let list: Vec<&str> = known.iter().copied().collect();
            self.at(
                file,
                r,
                format!(
                    "unknown {what} `{}` (known: {})",
                    r.value,
                    if list.is_empty() {
                        "none".into()
                    } else {
                        list.join(", ")
                    }
                ),
                path,
            );
        }
    }

    fn text(&mut self, file: &Path, t: &Text, path: &str) {
        for lang in Lang::ALL {
            let s = t.spanned(lang);
            if s.value.trim().is_empty() {
                self.at(
                    file,
                    s,
                    format!("the {} text is empty", lang.name()),
                    format!("{path}.{lang}"),
                );
            }
        }
    }
}

pub fn validate(raw: RawProject, sources: Sources) -> Result<Rules, Diagnostics> {
    let mut c = Checker { errors: vec![] };
    let mut service_files = BTreeMap::new();
    let mut form_files = BTreeMap::new();

    let mut acts = BTreeMap::new();
    for (file, f) in &raw.acts {
        c.unique(
            file,
            "act",
            f.acts
                .iter()
                .enumerate()
                .map(|(i, a)| (&a.id, format!("acts[{i}].id"))),
        );
        for (i, a) in f.acts.iter().enumerate() {
            c.text(file, &a.title, &format!("acts[{i}].title"));
            acts.insert(a.id.value.clone(), a.clone());
        }
    }
    let act_ids: BTreeSet<&str> = acts.keys().map(String::as_str).collect();
    for (file, f) in &raw.acts {
        for (i, a) in f.acts.iter().enumerate() {
            if let Some(target) = &a.amends {
                c.known(file, target, "act", &act_ids, format!("acts[{i}].amends"));
            }
        }
    }

    let mut institutions = BTreeMap::new();
    for (file, f) in &raw.institutions {
        for (i, inst) in f.institutions.iter().enumerate() {
            c.text(file, &inst.name, &format!("institutions[{i}].name"));
            let n = inst.number.value;
            if institutions.insert(n, inst.clone()).is_some() {
                let r = Ref::new(n.to_string(), inst.number.referenced, inst.number.defined);
                c.at(
                    file,
                    &r,
                    format!("institution number {n} is used twice"),
                    format!("institutions[{i}].number"),
                );
            }
        }
    }

    let mut conventions = BTreeMap::new();
    for (file, f) in &raw.conventions {
        c.unique(
            file,
            "convention",
            f.conventions
                .iter()
                .enumerate()
                .map(|(i, x)| (&x.id, format!("conventions[{i}].id"))),
        );
        for x in &f.conventions {
            conventions.insert(x.id.value.clone(), x.clone());
        }
    }
    let convention_ids: BTreeSet<&str> = conventions.keys().map(String::as_str).collect();

    let mut forms = BTreeMap::new();
    c.unique(
        Path::new("forms"),
        "form",
        raw.forms.iter().map(|(_, f)| (&f.id, "id".to_string())),
    );
    for (file, f) in &raw.forms {
        form_files.insert(f.id.value.clone(), file.clone());
        forms.insert(f.id.value.clone(), f.clone());
    }
    let form_ids: BTreeSet<&str> = forms.keys().map(String::as_str).collect();

    let mut services = BTreeMap::new();
    for (file, s) in &raw.services {
        check_service(
            &mut c,
            file,
            s,
            &act_ids,
            &convention_ids,
            &form_ids,
            &forms,
        );
        service_files.insert(s.id.value.clone(), file.clone());
        services.insert(s.id.value.clone(), s.clone());
    }
    let service_ids: BTreeSet<&str> = services.keys().map(String::as_str).collect();
    for (file, f) in &raw.forms {
        c.known(file, &f.service, "service", &service_ids, "service".into());
        check_form(&mut c, file, f);
    }

    let calendar = match raw.calendars.as_slice() {
        [(file, cal)] => match Calendar::new(cal.clone()) {
            Ok(cal) => Some(cal),
            Err(e) => {
                c.errors
                    .push(Diagnostic::error(file, 1, 1, format!("calendar: {e}")));
                None
            }
        },
        _ => {
            c.errors.push(Diagnostic::error(
                Path::new("rules/calendar.yaml"),
                1,
                1,
                "exactly one holiday calendar (rules/calendar.yaml) is needed for working-day terms",
            ));
            None
        }
    };

    match calendar {
        Some(calendar) if c.errors.is_empty() => Ok(Rules {
            acts,
            services,
            institutions,
            conventions,
            calendar,
            forms,
            service_files,
            form_files,
            sources,
        }),
        _ => Err(Diagnostics {
            items: c.errors,
            sources,
        }),
    }
}

fn check_service(
    c: &mut Checker,
    file: &Path,
    s: &Service,
    act_ids: &BTreeSet<&str>,
    convention_ids: &BTreeSet<&str>,
    form_ids: &BTreeSet<&str>,
    forms: &BTreeMap<String, Form>,
) {
    for (i, a) in s.acts.iter().enumerate() {
        c.known(file, a, "act", act_ids, format!("acts[{i}]"));
    }
    c.text(file, &s.title, "title");
    c.unique(
        file,
        "channel",
        s.channels
            .iter()
            .enumerate()
            .map(|(i, x)| (&x.id, format!("channels[{i}].id"))),
    );
    c.unique(
        file,
        "request",
        s.requests
            .iter()
            .enumerate()
            .map(|(i, x)| (&x.id, format!("requests[{i}].id"))),
    );
    c.unique(
        file,
        "document",
        s.documents
            .iter()
            .enumerate()
            .map(|(i, x)| (&x.id, format!("documents[{i}].id"))),
    );
    c.unique(
        file,
        "ground",
        s.grounds
            .iter()
            .enumerate()
            .map(|(i, x)| (&x.id, format!("grounds[{i}].id"))),
    );
    let channels: BTreeSet<&str> = s.channels.iter().map(|x| x.id.value.as_str()).collect();
    let requests: BTreeSet<&str> = s.requests.iter().map(|x| x.id.value.as_str()).collect();
    let documents: BTreeSet<&str> = s.documents.iter().map(|x| x.id.value.as_str()).collect();
    for (i, d) in s.documents.iter().enumerate() {
        c.text(file, &d.name, &format!("documents[{i}].name"));
    }
    c.text(file, &s.provider.text, "provider.text");
    c.text(file, &s.term.text, "term.text");
    c.text(file, &s.intake_refusal.text, "intake_refusal.text");
    for (i, x) in s.channels.iter().enumerate() {
        c.text(file, &x.name, &format!("channels[{i}].name"));
    }
    for (i, x) in s.requests.iter().enumerate() {
        c.text(file, &x.name, &format!("requests[{i}].name"));
    }
    for (i, x) in s.schedules.iter().enumerate() {
        c.text(file, &x.text, &format!("schedules[{i}].text"));
    }
    for (i, x) in s.appeals.iter().enumerate() {
        c.text(file, &x.text, &format!("appeals[{i}].text"));
    }
    for (i, r) in s.requirements.iter().enumerate() {
        c.known(
            file,
            &r.request,
            "request",
            &requests,
            format!("requirements[{i}].request"),
        );
        c.known(
            file,
            &r.channel,
            "channel",
            &channels,
            format!("requirements[{i}].channel"),
        );
        for (j, d) in r.documents.iter().enumerate() {
            c.known(
                file,
                &d.document,
                "document",
                &documents,
                format!("requirements[{i}].documents[{j}].document"),
            );
        }
    }
    for (i, g) in s.grounds.iter().enumerate() {
        c.text(file, &g.text, &format!("grounds[{i}].text"));
        for (j, r) in g.requests.iter().enumerate() {
            c.known(
                file,
                r,
                "request",
                &requests,
                format!("grounds[{i}].requests[{j}]"),
            );
        }
    }
    if let Some(l) = &s.legalization {
        for (i, conv) in l.exempt_conventions.iter().enumerate() {
            c.known(
                file,
                conv,
                "convention",
                convention_ids,
                format!("legalization.exempt_conventions[{i}]"),
            );
        }
    }
    let mut form_refs: Vec<(&Ref, String)> = vec![];
    for (req, f) in &s.forms.application {
        if !requests.contains(req.as_str()) {
            c.at(
                file,
                f,
                format!("`forms.application` names unknown request `{req}`"),
                format!("forms.application.{req}"),
            );
        }
        form_refs.push((f, format!("forms.application.{req}")));
    }
    for (f, key) in [
        (&s.forms.certificate, "certificate"),
        (&s.forms.refusal, "refusal"),
        (&s.forms.intake_refusal, "intake_refusal"),
    ] {
        if let Some(f) = f {
            form_refs.push((f, format!("forms.{key}")));
        }
    }
    for (f, path) in form_refs {
        c.known(file, f, "form", form_ids, path.clone());
        if let Some(form) = forms.get(&f.value)
            && form.service.value != s.id.value
        {
            c.at(
                file,
                f,
                format!(
                    "form `{}` belongs to service `{}`, not `{}`",
                    f.value, form.service.value, s.id.value
                ),
                path,
            );
        }
    }
}

/// Checks that every case-data path a form shows exists and that its
/// sentences render with strict undefined against a blank case.
fn check_form(c: &mut Checker, file: &Path, f: &Form) {
    let paths = view::known_paths();
    let check_path = |c: &mut Checker, r: &Ref, p: String| {
        if !paths.contains(&r.value) {
            c.at(
                file,
                r,
                format!(
                    "form field bound to unknown case data `{}` (see `qujat check --list-data`)",
                    r.value
                ),
                p,
            );
        }
    };
    for (i, h) in f.header.iter().enumerate() {
        c.text(file, h, &format!("header[{i}]"));
    }
    c.text(file, &f.title, "title");
    for (i, b) in f.blocks.iter().enumerate() {
        let at = format!("blocks[{i}]");
        match b {
            Block::Field(fl) => check_path(c, &fl.value, format!("{at}.field.value")),
            Block::Row(fs) => {
                for (j, fl) in fs.iter().enumerate() {
                    check_path(c, &fl.value, format!("{at}.row[{j}].value"));
                }
            }
            Block::List(l) => check_path(c, &l.items, format!("{at}.list.items")),
            Block::Table(t) => {
                for (j, r) in t.rows.iter().enumerate() {
                    if r.values.len() + 1 + usize::from(t.numbered) != t.columns.len() {
                        c.at(
                            file,
                            &r.values.first().cloned().unwrap_or_else(|| f.id.clone()),
                            format!(
                                "table row has {} value(s) but the table has {} column(s)",
                                r.values.len(),
                                t.columns.len()
                            ),
                            format!("{at}.table.rows[{j}]"),
                        );
                    }
                    for (k, v) in r.values.iter().enumerate() {
                        check_path(c, v, format!("{at}.table.rows[{j}].values[{k}]"));
                    }
                }
            }
            Block::Paragraph(t) | Block::Line(t) => {
                for lang in Lang::ALL {
                    // Rendering catches syntax errors; the variable check also
                    // covers branches a blank form does not take.
                    let unknown: Vec<String> = view::placeholders(t.get(lang))
                        .into_iter()
                        .filter(|v| {
                            !paths.contains(v)
                                && !paths.iter().any(|p| p.starts_with(&format!("{v}.")))
                        })
                        .collect();
                    let problem = if unknown.is_empty() {
                        view::render_sentence(t.get(lang), &view::blank_context()).err()
                    } else {
                        Some(format!(
                            "sentence uses a value the case data does not have: {} (see `qujat check --list-data`)",
                            unknown.join(", ")
                        ))
                    };
                    if let Some(msg) = problem {
                        c.at(file, t.spanned(lang), msg, format!("{at}.paragraph.{lang}"));
                    }
                }
                let (kk, ru) = (
                    view::placeholders(t.get(Lang::Kk)),
                    view::placeholders(t.get(Lang::Ru)),
                );
                if kk != ru {
                    c.at(file, t.spanned(Lang::Kk), format!("the Kazakh and Russian sentences use different case data: kk {kk:?}, ru {ru:?}"), format!("{at}.paragraph"));
                }
            }
            Block::Heading(_) | Block::Note(_) | Block::Signature(_) | Block::Qr(_) => {}
        }
    }
}
