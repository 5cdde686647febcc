//! Stage 2, validate: cross-check everything loaded and index it as [`Rules`].
//!
//! Checks run to the end and collect every problem: unique ids, references to
//! acts, channels, requests, documents, grounds, conventions, forms and case
//! data paths, both languages present, and the minijinja sentences of forms
//! using only variables the case data has.

pub mod consolidate;

use crate::algo::calendar::Calendar;
use crate::base::diag::{Diagnostic, Diagnostics, Sources};
use crate::base::text::{Lang, Text, fingerprint, is_item_marker, list_items};
use crate::model::view;
use crate::model::{
    Act, AmendmentFile, Block, Builtin, ChoiceBlock, ChoiceOption, Convention, EntryIntoForce,
    Form, Institution, Layout, MrpYear, OutcomeKind, Part, Parts, RawProject, Ref, ServiceFile,
};
use crate::schema::{self, Env, Kind, Parameter, Schema};
use chrono::NaiveDate;
use consolidate::Consolidation;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The validated, indexed rules of a project.
#[derive(Debug)]
pub struct Rules {
    pub acts: BTreeMap<String, Act>,
    /// Every encoded version of each service (one per adopting act), by service id.
    pub services: BTreeMap<String, Vec<(PathBuf, ServiceFile)>>,
    /// Amending acts, in file order.
    pub amendments: Vec<(PathBuf, AmendmentFile)>,
    /// The monthly calculation index by year.
    pub mrp: BTreeMap<i32, MrpYear>,
    pub institutions: BTreeMap<u32, Institution>,
    pub conventions: BTreeMap<String, Convention>,
    pub calendar: Calendar,
    pub forms: BTreeMap<String, Form>,
    /// The file each form was read from, by form id.
    pub form_files: BTreeMap<String, PathBuf>,
    /// By service, every path its forms may bind: the facts of each state of
    /// its rules (the engine's and its own) and the values computed for
    /// every decision (`qujat check --list-data`).
    pub bindings: BTreeMap<String, BTreeSet<String>>,
    /// Every text side that is our own translation, in file order.
    pub translations: Vec<Translation>,
    /// Problems that do not stop the pipeline; `check` prints them.
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
    /// The conditions of each consolidated state, compiled on first use.
    pub compiled: schema::CompiledCache,
}

/// One side of a text that is our translation, not an official text.
#[derive(Debug, Clone)]
pub struct Translation {
    pub file: PathBuf,
    pub line: u32,
    pub lang: Lang,
    pub text: String,
}

struct Checker {
    errors: Vec<Diagnostic>,
    /// Kinds of file (`acts`, `services`, `forms`, …) of which one could not
    /// be read: references to what they define are not checked, rather than
    /// reported as dangling.
    unreadable: BTreeSet<&'static str>,
}

/// The kind of rule file `rel` is, as `load` sorts them.
fn kind_of(rel: &Path) -> &'static str {
    let s = rel.to_string_lossy();
    match () {
        _ if s.starts_with("rules/services/") => "services",
        _ if s.starts_with("rules/amendments/") => "amendments",
        _ if s.starts_with("forms/") => "forms",
        _ if s.starts_with("rules/acts.") => "acts",
        _ if s.starts_with("rules/conventions.") => "conventions",
        _ if s.starts_with("rules/calendar.") => "calendar",
        _ => "other",
    }
}

/// The kinds of file that can define a `what` (as `Checker::known` names it).
fn defined_in(what: &str) -> &'static [&'static str] {
    match what {
        "act" => &["acts"],
        "service" => &["services"],
        "form" => &["forms"],
        "convention" => &["conventions"],
        // Parts of a service: its base file or an amendment can add them.
        _ => &["services", "amendments"],
    }
}

impl Checker {
    fn at(&mut self, file: &Path, r: &Ref, msg: String, path: String) {
        self.at_span(file, r.referenced, msg, path);
    }

    fn at_span(&mut self, file: &Path, at: serde_saphyr::Location, msg: String, path: String) {
        self.errors
            .push(Diagnostic::error(file, at.line() as u32, at.column() as u32, msg).at(path));
    }

    /// An id that names a folder or file of the output must be one path
    /// component in the documented pattern.
    fn path_id(&mut self, file: &Path, id: &Ref, path: &str) {
        if let Some(msg) = crate::load::guard::id_problem(&id.value, false) {
            self.at(file, id, msg, path.into());
        }
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
        let unchecked = defined_in(what).iter().any(|k| self.unreadable.contains(k));
        if !unchecked && !known.contains(r.value.as_str()) {
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

    fn entry_rule(&mut self, file: &Path, at: &Ref, e: &EntryIntoForce, path: String) {
        if e.date.is_some() == e.days_after_publication.is_some() {
            self.at(
                file,
                at,
                "entry into force needs exactly one of `date` and `days_after_publication`".into(),
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

/// Validates what `load` could read. `unreadable` are the load errors: they
/// are reported together with everything found in the other files.
pub fn validate(
    raw: RawProject,
    sources: Sources,
    unreadable: Vec<Diagnostic>,
) -> Result<Rules, Diagnostics> {
    let mut c = Checker {
        unreadable: unreadable.iter().map(|d| kind_of(&d.file)).collect(),
        errors: unreadable,
    };
    if let Some(first) = c.errors.first() {
        let file = first.file.clone();
        let kinds: Vec<&str> = c.unreadable.iter().copied().collect();
        c.errors.push(Diagnostic::warning(
            &file,
            1,
            1,
            format!(
                "references to what {} files define were not checked, because some could not be read; fix them and run `qujat check` again",
                kinds.join(", ")
            ),
        ));
    }
    let translations = check_texts(&mut c, &raw);
    let mut form_files: BTreeMap<String, PathBuf> = BTreeMap::new();

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
            if let Some(by) = &a.repealed_by {
                c.known(file, by, "act", &act_ids, format!("acts[{i}].repealed_by"));
            }
            if let Some(e) = &a.entry_into_force {
                c.entry_rule(file, &a.id, e, format!("acts[{i}].entry_into_force"));
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
    for (file, f) in &raw.forms {
        c.path_id(file, &f.id, "id");
        if let Some(first) = form_files.get(&f.id.value) {
            c.at(
                file,
                &f.id,
                format!(
                    "form `{}` is defined twice: also in {}",
                    f.id.value,
                    first.display()
                ),
                "id".into(),
            );
            continue;
        }
        form_files.insert(f.id.value.clone(), file.clone());
        forms.insert(f.id.value.clone(), f.clone());
    }
    let form_ids: BTreeSet<&str> = forms.keys().map(String::as_str).collect();

    let mut services: BTreeMap<String, Vec<(PathBuf, ServiceFile)>> = BTreeMap::new();
    for (file, s) in &raw.services {
        c.path_id(file, &s.service, "service");
        c.known(file, &s.act, "act", &act_ids, "act".into());
        for (i, m) in s.missing.iter().enumerate() {
            check_missing(&mut c, file, i, m, true);
        }
        let versions = services.entry(s.service.value.clone()).or_default();
        if let Some((other, _)) = versions.iter().find(|(_, v)| v.act.value == s.act.value) {
            c.at(
                file,
                &s.act,
                format!(
                    "service `{}` already has the rules of act `{}` in {}",
                    s.service.value,
                    s.act.value,
                    other.display()
                ),
                "act".into(),
            );
        }
        versions.push((file.clone(), s.clone()));
    }
    for (file, a) in &raw.amendments {
        c.known(file, &a.act, "act", &act_ids, "act".into());
        for (i, m) in a.missing.iter().enumerate() {
            check_missing(&mut c, file, i, m, false);
        }
        let base_acts: Vec<&str> = services
            .get(&a.service.value)
            .map(|v| v.iter().map(|(_, s)| s.act.value.as_str()).collect())
            .unwrap_or_default();
        if base_acts.is_empty() {
            let known: BTreeSet<&str> = services.keys().map(String::as_str).collect();
            c.known(file, &a.service, "service", &known, "service".into());
        } else if let Some(act) = acts.get(&a.act.value) {
            match &act.amends {
                Some(t) if base_acts.contains(&t.value.as_str()) => {}
                Some(t) => c.at(
                    file,
                    &a.act,
                    format!(
                        "act `{}` amends `{}` (rules/acts.yaml), but service `{}` has rules of {} only",
                        a.act.value,
                        t.value,
                        a.service.value,
                        base_acts.join(", ")
                    ),
                    "act".into(),
                ),
                None => c.at(
                    file,
                    &a.act,
                    format!(
                        "act `{}` has no `amends:` in rules/acts.yaml, so it cannot amend service `{}`",
                        a.act.value, a.service.value
                    ),
                    "act".into(),
                ),
            }
        }
        for (i, ch) in a.changes.iter().enumerate() {
            if let Some(e) = &ch.value.in_force {
                c.entry_rule(file, &a.act, e, format!("changes[{i}].in_force"));
            }
            if ch.value.replace.is_none() && ch.value.insert.is_none() && ch.value.repeal.is_empty()
            {
                let r = Ref::new(String::new(), ch.referenced, ch.defined);
                c.at(
                    file,
                    &r,
                    "a change needs `replace`, `insert` or `repeal`".into(),
                    format!("changes[{i}]"),
                );
            }
        }
    }
    let service_ids: BTreeSet<&str> = services.keys().map(String::as_str).collect();
    let mut mrp = BTreeMap::new();
    for (file, f) in &raw.mrp {
        for (i, y) in f.mrp.iter().enumerate() {
            if mrp.insert(y.year.value, y.clone()).is_some() {
                let r = Ref::new(y.year.value.to_string(), y.year.referenced, y.year.defined);
                c.at(
                    file,
                    &r,
                    format!("the MRP of {} is given twice", y.year.value),
                    format!("mrp[{i}].year"),
                );
            }
        }
    }
    for (file, f) in &raw.forms {
        c.known(file, &f.service, "service", &service_ids, "service".into());
    }

    let calendar = match raw.calendars.as_slice() {
        [(file, cal)] => match Calendar::new(file, cal) {
            Ok(cal) => Some(cal),
            Err(errors) => {
                c.errors.extend(errors);
                None
            }
        },
        _ if c.unreadable.contains("calendar") => None,
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

    // Every state a service's rules pass through — the base text, then after
    // each change in the order they take effect — must hold together.
    let mut states: Vec<State> = vec![];
    for (id, versions) in &services {
        for (file, base) in versions {
            let mut cons = Consolidation::new(file, base);
            let mut written: Vec<(&Path, &Parts)> = vec![(file, &base.rules)];
            for (f, a) in raw
                .amendments
                .iter()
                .filter(|(_, a)| a.service.value == *id)
            {
                for ch in &a.changes {
                    written.extend(ch.value.replace.iter().map(|p| (f.as_path(), p)));
                    written.extend(ch.value.insert.iter().map(|p| (f.as_path(), p)));
                }
            }
            let check = |c: &mut Checker, cons: &Consolidation, states: &mut Vec<State>| {
                check_parts(c, id, cons, file, &convention_ids, &form_ids, &forms);
                check_conditions(c, cons, file, &written, &sources);
                states.push(State::of(id, cons));
            };
            check(&mut c, &cons, &mut states);
            // Changes taking effect on the same day form one state together.
            let changes = consolidate::ordered_changes(&acts, &raw.amendments, id, &base.act.value);
            for (i, o) in changes.iter().enumerate() {
                if let Err((line, column, msg)) = cons.apply(o.file, o.index, o.change) {
                    if c.unreadable.contains("amendments") || c.unreadable.contains("services") {
                        break;
                    }
                    c.errors.push(
                        Diagnostic::error(o.file, line, column, msg)
                            .at(format!("changes[{}]", o.index)),
                    );
                    break;
                }
                let last_of_day = changes
                    .get(i + 1)
                    .is_none_or(|n| n.entry.day() != o.entry.day());
                if last_of_day {
                    check(&mut c, &cons, &mut states);
                }
            }
        }
    }
    check_periods(&mut c, &acts, &services);
    // Forms last: they bind the facts of every state of their service.
    for (id, form) in forms.iter_mut() {
        check_form(&mut c, &form_files[id], form, &states);
    }
    let mut bindings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for st in &states {
        let paths = bindings
            .entry(st.service.clone())
            .or_insert_with(view::computed_paths);
        paths.extend(st.schema.paths().into_iter().map(|(p, _)| p));
    }

    let all = Diagnostics::new(c.errors, sources);
    match calendar {
        Some(calendar) if !all.has_errors() => Ok(Rules {
            acts,
            services,
            amendments: raw.amendments.clone(),
            mrp,
            institutions,
            conventions,
            calendar,
            forms,
            form_files,
            bindings,
            translations,
            warnings: all.items,
            sources: all.sources,
            compiled: Default::default(),
        }),
        _ => Err(all),
    }
}

/// Checks every text of the project once, as written: both languages use the
/// same placeholders and enumerate the same number of items, a translation of
/// an official text is stamped with the official text it was made from and
/// that text has not changed since, and no word mixes Latin and Cyrillic
/// letters (a Latin `i` typed for the Kazakh `і` looks the same on screen).
/// Returns the sides that are our translations.
fn check_texts(c: &mut Checker, raw: &RawProject) -> Vec<Translation> {
    let mut out = vec![];
    let interleaved: BTreeSet<&Path> = raw
        .forms
        .iter()
        .filter(|(_, f)| f.layout == Layout::Interleaved)
        .map(|(file, _)| file.as_path())
        .collect();
    for (file, t) in raw.texts() {
        for lang in t.ours.iter().copied() {
            out.push(Translation {
                file: file.to_path_buf(),
                line: t.spanned(lang).referenced.line() as u32,
                lang,
                text: t.get(lang).to_string(),
            });
        }
        let (kk, ru) = (t.spanned(Lang::Kk), t.spanned(Lang::Ru));
        let (pk, pr) = (view::placeholders(&kk.value), view::placeholders(&ru.value));
        if pk != pr {
            c.at(
                file,
                kk,
                format!(
                    "the Kazakh and Russian texts use different case data: kk {pk:?}, ru {pr:?}"
                ),
                String::new(),
            );
        }
        // An interleaved form prints an item's number once, before the
        // Kazakh label, as the seed does: it numbers the pair, not one side.
        let kk_items = match kk.value.split_once(' ') {
            Some((first, rest)) if interleaved.contains(file) && is_item_marker(first) => rest,
            _ => &kk.value,
        };
        let (nk, nr) = (list_items(kk_items), list_items(&ru.value));
        if nk != nr {
            c.at(
                file,
                kk,
                format!(
                    "the Kazakh text enumerates {nk} item(s) and the Russian text {nr}: both languages must list the same items"
                ),
                String::new(),
            );
        }
        for lang in Lang::ALL {
            let side = t.spanned(lang);
            if let Some(word) = side.value.split_whitespace().find(|w| mixes_scripts(w)) {
                let column = side.referenced.column() as u32;
                c.errors.push(Diagnostic::warning(
                    file,
                    side.referenced.line() as u32,
                    column,
                    format!(
                        "the {} word `{word}` mixes Latin and Cyrillic letters (a Latin letter typed for a Cyrillic one?)",
                        lang.name()
                    ),
                ));
            }
        }
        match (t.official(), &t.translated_from) {
            (Some(official), stamp) => {
                let ours = if official == Lang::Kk {
                    Lang::Ru
                } else {
                    Lang::Kk
                };
                let now = fingerprint(t.get(official));
                let side = t.spanned(ours);
                match stamp {
                    None => c.at(
                        file,
                        side,
                        format!(
                            "the {} text is our translation: record which {} text it translates with `translated_from: \"{now}\"` next to `ours`",
                            ours.name(),
                            official.name()
                        ),
                        String::new(),
                    ),
                    Some(s) if s.value != now => c.at(
                        file,
                        s,
                        format!(
                            "stale translation: the {} text changed since the {} translation was made from it (stamp {}, text now {now}); update the {} text, then set `translated_from: \"{now}\"`",
                            official.name(),
                            ours.name(),
                            s.value,
                            ours.name()
                        ),
                        String::new(),
                    ),
                    Some(_) => {}
                }
            }
            (None, Some(s)) => c.at(
                file,
                s,
                "`translated_from` belongs to a text with exactly one side marked `ours`".into(),
                String::new(),
            ),
            (None, None) => {}
        }
    }
    out
}

/// A `missing:` entry names either parts of the schema (a base file only:
/// an amending act's parts are what it replaces) or one paragraph of an act
/// with what it says; and always why it is not encoded.
fn check_missing(
    c: &mut Checker,
    file: &Path,
    i: usize,
    m: &crate::model::Missing,
    parts_allowed: bool,
) {
    let problem = match (m.parts.is_empty(), &m.cite, &m.what) {
        _ if m.why.value.trim().is_empty() => Some(("why", "say `why` the parts are missing")),
        (false, _, _) if !parts_allowed => Some((
            "parts",
            "an amending act lists what it does not encode by `cite` and `what`, not by `parts`",
        )),
        (false, Some(_), _) | (false, _, Some(_)) => Some((
            "cite",
            "a `missing:` entry names `parts` or one paragraph (`cite` with `what`), not both",
        )),
        (true, None, _) => Some((
            "cite",
            "a `missing:` entry needs `parts`, or `cite` and `what` for a paragraph no part holds",
        )),
        (true, Some(_), None) => Some(("what", "say `what` the paragraph says")),
        (true, Some(_), Some(w)) if w.trim().is_empty() => {
            Some(("what", "say `what` the paragraph says"))
        }
        _ => None,
    };
    if let Some((key, message)) = problem {
        c.at(file, &m.why, message.into(), format!("missing[{i}].{key}"));
    }
}

fn mixes_scripts(word: &str) -> bool {
    let latin = word.chars().any(|ch| ch.is_ascii_alphabetic());
    let cyrillic = word
        .chars()
        .any(|ch| ('\u{0400}'..='\u{04FF}').contains(&ch));
    latin && cyrillic
}

/// The days each encoded version of a service applies: from its act's entry
/// into force to the day before it expires or its repealing act enters into
/// force. Two versions applying on one day is an error (`resolve` could not
/// choose); a stretch between versions with none is a warning, since the law
/// may have had a gap but more often a version is missing.
fn check_periods(
    c: &mut Checker,
    acts: &BTreeMap<String, Act>,
    services: &BTreeMap<String, Vec<(PathBuf, ServiceFile)>>,
) {
    for (id, versions) in services {
        let mut periods: Vec<(NaiveDate, Option<NaiveDate>, &Path, &Ref)> = versions
            .iter()
            .filter_map(|(file, s)| {
                let (from, until) = consolidate::period(acts, acts.get(&s.act.value)?)?;
                Some((from, until, file.as_path(), &s.act))
            })
            .collect();
        periods.sort_by_key(|p| p.0);
        for pair in periods.windows(2) {
            let [(a_from, a_until, a_file, a_act), (b_from, _, b_file, b_act)] = pair else {
                continue;
            };
            match a_until {
                None => c.at(
                    b_file,
                    b_act,
                    format!(
                        "service `{id}`: the rules of `{}` apply from {b_from}, but those of `{}` ({}) apply from {a_from} with no end; record when `{}` stops applying (`repealed_by` or `expires` in rules/acts.yaml)",
                        b_act.value,
                        a_act.value,
                        a_file.display(),
                        a_act.value
                    ),
                    "act".into(),
                ),
                Some(u) if u >= b_from => c.at(
                    b_file,
                    b_act,
                    format!(
                        "service `{id}`: the rules of `{}` apply from {b_from}, while those of `{}` ({}) still apply until {u}",
                        b_act.value,
                        a_act.value,
                        a_file.display()
                    ),
                    "act".into(),
                ),
                Some(u) if u.succ_opt() != Some(*b_from) => c.errors.push(
                    Diagnostic::warning(
                        b_file,
                        b_act.referenced.line() as u32,
                        b_act.referenced.column() as u32,
                        format!(
                            "service `{id}`: no encoded rules apply from {} to {}, between `{}` and `{}`",
                            u.succ_opt().unwrap_or(*u),
                            b_from.pred_opt().unwrap_or(*b_from),
                            a_act.value,
                            b_act.value
                        ),
                    )
                    .at("act"),
                ),
                Some(_) => {}
            }
        }
    }
}

/// Checks the case facts, parameters and conditions of one consolidated
/// state: the declarations themselves, every expression against the facts
/// (the engine's and the service's) and the parameters, and every `when:`
/// against the conditions declared. Items inserted by amendments sit in
/// other files than their part's first one, so each is reported in the file
/// `written` shows it in.
fn check_conditions(
    c: &mut Checker,
    cons: &Consolidation,
    fallback: &Path,
    written: &[(&Path, &Parts)],
    sources: &Sources,
) {
    let s = &cons.rules;
    let first = |p: Part| {
        cons.origin
            .get(&p)
            .map_or_else(|| fallback.to_path_buf(), |(f, _)| f.clone())
    };
    // The file an item is written in: the one with an item of that id at
    // that position.
    fn file_of<'a>(
        written: &[(&'a Path, &Parts)],
        id: &Ref,
        pick: fn(&Parts) -> Vec<&Ref>,
    ) -> Option<&'a Path> {
        let at = |r: &Ref| (r.referenced.line(), r.referenced.column());
        written
            .iter()
            .find(|(_, p)| {
                pick(p)
                    .iter()
                    .any(|x| at(x) == at(id) && x.value == id.value)
            })
            .map(|(f, _)| *f)
    }
    let facts = s.facts.clone().unwrap_or_default();
    let mut by_file: BTreeMap<PathBuf, Schema> = BTreeMap::new();
    for f in &facts.facts {
        let file = file_of(written, &f.id, |p| {
            p.facts
                .iter()
                .flat_map(|s| &s.facts)
                .map(|x| &x.id)
                .collect()
        })
        .map_or_else(|| first(Part::Facts), Path::to_path_buf);
        by_file.entry(file).or_default().facts.push(f.clone());
    }
    for (file, part) in &by_file {
        c.errors.extend(part.check(file));
        c.errors.extend(part.engine_clashes(file));
    }
    let mut params_by_file: BTreeMap<PathBuf, Vec<Parameter>> = BTreeMap::new();
    for p in s.parameters.iter().flatten() {
        let file = file_of(written, &p.id, |p| {
            p.parameters.iter().flatten().map(|x| &x.id).collect()
        })
        .map_or_else(|| first(Part::Parameters), Path::to_path_buf);
        params_by_file.entry(file).or_default().push(p.clone());
    }
    for (file, list) in &params_by_file {
        c.errors.extend(schema::check_parameters(file, list));
    }
    let schema = facts.with_engine();
    let params = schema::params(s.parameters.as_deref().unwrap_or_default());
    let env = Env {
        schema: &schema,
        params: &params,
    };
    let mut conds_by_file: BTreeMap<PathBuf, Vec<schema::Condition>> = BTreeMap::new();
    for x in s.conditions.iter().flatten() {
        let file = file_of(written, &x.id, |p| {
            p.conditions.iter().flatten().map(|x| &x.id).collect()
        })
        .map_or_else(|| first(Part::Conditions), Path::to_path_buf);
        conds_by_file.entry(file).or_default().push(x.clone());
    }
    let mut declared: BTreeSet<&str> = BTreeSet::new();
    for x in s.conditions.iter().flatten() {
        declared.insert(&x.id.value);
    }
    for (file, list) in &conds_by_file {
        let text = sources.text(file).unwrap_or_default();
        let (_, errors) = schema::compile(file, text, list, env);
        c.errors.extend(errors);
    }
    let req_file = first(Part::Requirements);
    let prefix = cons
        .origin
        .get(&Part::Requirements)
        .map_or("rules", |(_, p)| p.as_str());
    for (i, r) in s.requirements.iter().flatten().enumerate() {
        for (j, d) in r.documents.iter().enumerate() {
            if let Some(w) = &d.when {
                c.known(
                    &req_file,
                    w,
                    "condition",
                    &declared,
                    format!("{prefix}.requirements[{i}].documents[{j}].when"),
                );
            }
        }
    }
    let out_file = first(Part::Outcomes);
    let prefix = cons
        .origin
        .get(&Part::Outcomes)
        .map_or("rules", |(_, p)| p.as_str());
    for (i, o) in s.outcomes.iter().flatten().enumerate() {
        if let Some(w) = &o.when {
            c.known(
                &out_file,
                w,
                "condition",
                &declared,
                format!("{prefix}.outcomes[{i}].when"),
            );
        }
    }
}

/// Checks one consolidated state of a service's rules: unique ids, texts,
/// and references between its parts, each reported in the file (and at the
/// key path) its part was written in.
#[allow(clippy::too_many_arguments)]
fn check_parts(
    c: &mut Checker,
    service: &str,
    cons: &Consolidation,
    fallback: &Path,
    convention_ids: &BTreeSet<&str>,
    form_ids: &BTreeSet<&str>,
    forms: &BTreeMap<String, Form>,
) {
    let s: &Parts = &cons.rules;
    let fallback = (fallback.to_path_buf(), "rules".to_string());
    let loc = |p: Part| cons.origin.get(&p).unwrap_or(&fallback).clone();
    let key = |p: Part, rest: String| {
        let (_, prefix) = loc(p);
        format!("{prefix}.{p}{rest}")
    };
    let file = |p: Part| loc(p).0;
    macro_rules! unique {
        ($part:expr, $what:expr, $list:expr) => {
            if let Some(list) = $list {
                c.unique(
                    &file($part),
                    $what,
                    list.iter()
                        .enumerate()
                        .map(|(i, x)| (&x.id, key($part, format!("[{i}].id")))),
                );
            }
        };
    }
    unique!(Part::Channels, "channel", &s.channels);
    unique!(Part::Requests, "request", &s.requests);
    unique!(Part::Documents, "document", &s.documents);
    unique!(Part::Grounds, "ground", &s.grounds);
    unique!(Part::Steps, "step", &s.steps);
    let ids = |v: Option<Vec<&str>>| -> BTreeSet<String> {
        v.unwrap_or_default()
            .into_iter()
            .map(String::from)
            .collect()
    };
    let channels = ids(s
        .channels
        .as_ref()
        .map(|v| v.iter().map(|x| x.id.value.as_str()).collect()));
    let requests = ids(s
        .requests
        .as_ref()
        .map(|v| v.iter().map(|x| x.id.value.as_str()).collect()));
    let documents = ids(s
        .documents
        .as_ref()
        .map(|v| v.iter().map(|x| x.id.value.as_str()).collect()));
    let steps = ids(s
        .steps
        .as_ref()
        .map(|v| v.iter().map(|x| x.id.value.as_str()).collect()));
    let known =
        |c: &mut Checker, part: Part, r: &Ref, what: &str, set: &BTreeSet<String>, rest: String| {
            let set: BTreeSet<&str> = set.iter().map(String::as_str).collect();
            c.known(&file(part), r, what, &set, key(part, rest));
        };

    // Every text of the parts, with the part it belongs to and its key path
    // below the part.
    let mut texts: Vec<(Part, &Text, String)> = vec![];
    texts.extend(s.title.iter().map(|t| (Part::Title, t, String::new())));
    for (part, cited) in [
        (Part::Basis, &s.basis),
        (Part::Provider, &s.provider),
        (Part::ServiceForm, &s.service_form),
        (Part::Result, &s.result),
    ] {
        texts.extend(cited.iter().map(|x| (part, &x.text, ".text".to_string())));
    }
    texts.extend(
        s.term
            .iter()
            .map(|x| (Part::Term, &x.text, ".text".to_string())),
    );
    texts.extend(
        s.fee
            .iter()
            .map(|x| (Part::Fee, &x.text, ".text".to_string())),
    );
    texts.extend(
        s.intake_refusal
            .iter()
            .map(|x| (Part::IntakeRefusal, &x.text, ".text".to_string())),
    );
    fn items<'t>(part: Part, field: &str, list: Vec<&'t Text>) -> Vec<(Part, &'t Text, String)> {
        list.into_iter()
            .enumerate()
            .map(|(i, t)| (part, t, format!("[{i}].{field}")))
            .collect()
    }
    texts.extend(items(
        Part::Documents,
        "name",
        s.documents.iter().flatten().map(|x| &x.name).collect(),
    ));
    texts.extend(items(
        Part::Channels,
        "name",
        s.channels.iter().flatten().map(|x| &x.name).collect(),
    ));
    texts.extend(items(
        Part::Requests,
        "name",
        s.requests.iter().flatten().map(|x| &x.name).collect(),
    ));
    texts.extend(items(
        Part::Schedules,
        "text",
        s.schedules.iter().flatten().map(|x| &x.text).collect(),
    ));
    texts.extend(items(
        Part::Appeals,
        "text",
        s.appeals.iter().flatten().map(|x| &x.text).collect(),
    ));
    for (part, t, rest) in texts {
        c.text(&file(part), t, &key(part, rest));
    }
    for (i, r) in s.requirements.iter().flatten().enumerate() {
        let p = Part::Requirements;
        known(
            c,
            p,
            &r.request,
            "request",
            &requests,
            format!("[{i}].request"),
        );
        known(
            c,
            p,
            &r.channel,
            "channel",
            &channels,
            format!("[{i}].channel"),
        );
        for (j, d) in r.documents.iter().enumerate() {
            known(
                c,
                p,
                &d.document,
                "document",
                &documents,
                format!("[{i}].documents[{j}].document"),
            );
        }
    }
    for (i, g) in s.grounds.iter().flatten().enumerate() {
        let p = Part::Grounds;
        c.text(&file(p), &g.text, &key(p, format!("[{i}].text")));
        if let Some(u) = &g.until {
            c.text(&file(p), u, &key(p, format!("[{i}].until")));
        }
        for (j, r) in g.requests.iter().enumerate() {
            known(
                c,
                p,
                r,
                "request",
                &requests,
                format!("[{i}].requests[{j}]"),
            );
        }
    }
    for (i, st) in s.steps.iter().flatten().enumerate() {
        let p = Part::Steps;
        c.text(&file(p), &st.text, &key(p, format!("[{i}].text")));
        if let Some(ch) = &st.channel {
            known(c, p, ch, "channel", &channels, format!("[{i}].channel"));
        }
        if let Some(d) = &st.duration {
            let units = [d.minutes, d.hours, d.working_days, d.calendar_days]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if units != 1 {
                c.at(&file(p), &st.id, "a step's `duration` needs exactly one of `minutes`, `hours`, `working_days`, `calendar_days`".into(), key(p, format!("[{i}].duration")));
            }
        }
        if let Some(due) = &st.due {
            match (&due.before, &due.after) {
                (Some(b), None) => {
                    let ends: BTreeSet<String> = ["term-end".to_string()].into();
                    known(c, p, b, "anchor", &ends, format!("[{i}].due.before"));
                }
                (None, Some(a)) => {
                    let mut anchors = steps.clone();
                    anchors.insert("application".into());
                    known(c, p, a, "step", &anchors, format!("[{i}].due.after"));
                }
                _ => c.at(&file(p), &st.id, "a step's `due` needs exactly one of `before: term-end` and `after: <step or application>`".into(), key(p, format!("[{i}].due"))),
            }
        }
    }
    if let Some(l) = &s.legalization {
        for (i, conv) in l.exempt_conventions.iter().enumerate() {
            c.known(
                &file(Part::Legalization),
                conv,
                "convention",
                convention_ids,
                key(Part::Legalization, format!(".exempt_conventions[{i}]")),
            );
        }
    }
    unique!(Part::Outcomes, "outcome", &s.outcomes);
    let mut form_refs: Vec<(Part, &Ref, String)> = vec![];
    let p = Part::Outcomes;
    let outcomes = s.outcomes.as_deref().unwrap_or_default();
    for (i, o) in outcomes.iter().enumerate() {
        for (j, r) in o.forms.iter().enumerate() {
            form_refs.push((p, r, key(p, format!("[{i}].forms[{j}]"))));
        }
        let stage = o.on.value;
        for b in &o.computes {
            let fits = match b.value {
                Builtin::Iin => stage == OutcomeKind::Completed,
                Builtin::Deadline => {
                    matches!(stage, OutcomeKind::Accepted | OutcomeKind::Completed)
                }
                Builtin::Duty => true,
            };
            if !fits {
                c.at_span(
                    &file(p),
                    b.referenced,
                    format!(
                        "outcome `{}` ends at stage `{}`, where `{}` has nothing to compute (an IIN is formed only when the result is recorded, `completed`; a deadline exists only for `accepted` and `completed`)",
                        o.id.value,
                        stage.id(),
                        b.value.id()
                    ),
                    key(p, format!("[{i}].computes")),
                );
            }
        }
        // The last outcome of a stage is the one every other case of that
        // stage reaches: it has no condition.
        let last_of_stage = !outcomes[i + 1..].iter().any(|x| x.on.value == stage);
        if let (true, Some(w)) = (last_of_stage, &o.when) {
            c.at(
                &file(p),
                w,
                format!(
                    "outcome `{}` is the last of stage `{}` but has a condition: a case of that stage where `{}` does not hold would reach no outcome; add an outcome of stage `{}` without `when:` after it",
                    o.id.value,
                    stage.id(),
                    w.value,
                    stage.id()
                ),
                key(p, format!("[{i}].when")),
            );
        }
    }
    let Some(f) = &s.forms else {
        check_form_refs(c, service, form_ids, forms, &form_refs, &file);
        return;
    };
    let p = Part::Forms;
    for (req, r) in &f.application {
        if !requests.contains(req) {
            c.at(
                &file(p),
                r,
                format!("`forms.application` names unknown request `{req}`"),
                key(p, format!(".application.{req}")),
            );
        }
        form_refs.push((p, r, key(p, format!(".application.{req}"))));
    }
    check_form_refs(c, service, form_ids, forms, &form_refs, &file);
}

/// Each form a service names exists and belongs to the service.
fn check_form_refs(
    c: &mut Checker,
    service: &str,
    form_ids: &BTreeSet<&str>,
    forms: &BTreeMap<String, Form>,
    form_refs: &[(Part, &Ref, String)],
    file: &dyn Fn(Part) -> PathBuf,
) {
    for (p, r, path) in form_refs {
        let p = *p;
        c.known(&file(p), r, "form", form_ids, path.clone());
        if let Some(form) = forms.get(&r.value)
            && form.service.value != service
        {
            c.at(
                &file(p),
                r,
                format!(
                    "form `{}` belongs to service `{}`, not `{service}`",
                    r.value, form.service.value
                ),
                path.clone(),
            );
        }
    }
}

/// One consolidated state of a service: the forms it names and the facts
/// its cases carry (the engine's and its own).
struct State {
    service: String,
    forms: BTreeSet<String>,
    schema: Schema,
}

impl State {
    fn of(service: &str, cons: &Consolidation) -> State {
        let f = cons.rules.forms.clone().unwrap_or_default();
        let forms = f
            .application
            .values()
            .chain(cons.rules.outcomes.iter().flatten().flat_map(|o| &o.forms))
            .map(|r| r.value.clone())
            .collect();
        State {
            service: service.to_string(),
            forms,
            schema: cons.rules.facts.clone().unwrap_or_default().with_engine(),
        }
    }
}

/// What a form's path names.
enum Bound<'a> {
    /// A value the engine computes for every decision (`view::View`).
    Computed,
    Fact(&'a schema::Fact),
    Unknown,
    /// Not known, because the facts are not (see `Bindings::unchecked`).
    Unchecked,
}

/// The paths a form may bind: the facts of its own service in the states
/// that name it (every state of the service if none does), and the values
/// computed for every decision.
struct Bindings<'a> {
    form: String,
    service: String,
    own: Vec<&'a Schema>,
    states: &'a [State],
    computed: BTreeSet<String>,
    /// A rule file could not be read, so the facts are not all known:
    /// bindings are not checked rather than reported wrongly.
    unchecked: bool,
}

impl<'a> Bindings<'a> {
    fn new(f: &Form, states: &'a [State], unreadable: &BTreeSet<&str>) -> Bindings<'a> {
        let service = f.service.value.clone();
        let of_service = states.iter().filter(|s| s.service == service);
        let naming: Vec<&Schema> = of_service
            .clone()
            .filter(|s| s.forms.contains(&f.id.value))
            .map(|s| &s.schema)
            .collect();
        let own: Vec<&Schema> = if naming.is_empty() {
            of_service.map(|s| &s.schema).collect()
        } else {
            naming
        };
        let own_empty = own.is_empty();
        Bindings {
            form: f.id.value.clone(),
            service,
            own,
            states,
            computed: view::computed_paths(),
            unchecked: own_empty
                || ["acts", "services", "amendments"]
                    .iter()
                    .any(|k| unreadable.contains(k)),
        }
    }

    /// The latest state's declaration of `path`.
    fn bound(&self, path: &str) -> Bound<'a> {
        if self.computed.contains(path) {
            return Bound::Computed;
        }
        if self.unchecked {
            return Bound::Unchecked;
        }
        match self.own.iter().rev().find_map(|s| s.find(path)) {
            Some(f) => Bound::Fact(f),
            None => Bound::Unknown,
        }
    }

    /// Every path the form may bind, for messages and `--list-data`.
    fn known(&self) -> BTreeSet<String> {
        let mut out = self.computed.clone();
        for s in &self.own {
            out.extend(s.paths().into_iter().map(|(p, _)| p));
        }
        out
    }

    /// The known paths next to `path`: those one step under its longest
    /// known prefix (`applicant.surname.latn` → `applicant.surname.cyrillic`,
    /// `applicant.surname.latin`), or the top-level ones.
    fn near(&self, path: &str) -> Vec<String> {
        let known = self.known();
        let parts: Vec<&str> = path.split('.').collect();
        let prefix = (1..parts.len())
            .rev()
            .map(|n| parts[..n].join("."))
            .find(|p| known.iter().any(|k| k.starts_with(&format!("{p}."))))
            .map(|p| format!("{p}."))
            .unwrap_or_default();
        let next: BTreeSet<String> = known
            .iter()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter_map(|rest| rest.split('.').next())
            .filter(|s| !s.is_empty())
            .map(|s| format!("{prefix}{s}"))
            .collect();
        next.into_iter().collect()
    }

    /// Why `path` cannot be bound: another service's fact, or unknown.
    fn unknown(&self, path: &str) -> String {
        let elsewhere: BTreeSet<&str> = self
            .states
            .iter()
            .filter(|s| s.service != self.service && s.schema.find(path).is_some())
            .map(|s| s.service.as_str())
            .collect();
        let near = self.near(path).join(", ");
        let all = format!("qujat check --list-data --service {}", self.service);
        if elsewhere.is_empty() {
            format!(
                "form `{}` binds `{path}`, which is neither a fact of service `{}` nor a value computed for every decision; known here: {near} (all: `{all}`)",
                self.form, self.service,
            )
        } else {
            format!(
                "form `{}` binds `{path}`, a fact of service `{}`: a form shows only the facts of its own service `{}`; known here: {near} (all: `{all}`)",
                self.form,
                elsewhere.into_iter().collect::<Vec<_>>().join("`, `"),
                self.service,
            )
        }
    }
}

fn choice_options(fact: &schema::Fact) -> Vec<ChoiceOption> {
    fact.options
        .iter()
        .map(|o| ChoiceOption {
            id: o.id.clone(),
            label: o.label.clone(),
        })
        .collect()
}

/// Checks that every path a form shows is a fact of its own service or a
/// computed value, that its sentences render with strict undefined against
/// a blank case, and that its choices are the options of their facts; fills
/// in the options and labels the form takes from the schema.
fn check_form(c: &mut Checker, file: &Path, f: &mut Form, states: &[State]) {
    let b = Bindings::new(f, states, &c.unreadable);
    // A value printed in a field or a cell: an option prints its label.
    let value = |c: &mut Checker, r: &Ref, p: String| -> Vec<ChoiceOption> {
        match b.bound(&r.value) {
            Bound::Computed => vec![],
            Bound::Fact(fact) if matches!(fact.kind(), Kind::List | Kind::Record) => {
                c.at(
                    file,
                    r,
                    format!(
                        "`{}` is a {}: a field shows one of its fields ({})",
                        r.value,
                        fact.kind(),
                        fact.fields
                            .iter()
                            .map(|x| format!("{}.{}", r.value, x.id.value))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    p,
                );
                vec![]
            }
            Bound::Fact(fact) => choice_options(fact),
            Bound::Unknown => {
                c.at(file, r, b.unknown(&r.value), p);
                vec![]
            }
            Bound::Unchecked => vec![],
        }
    };
    let mut blocks = std::mem::take(&mut f.blocks);
    for (i, h) in f.header.iter().enumerate() {
        c.text(file, h, &format!("header[{i}]"));
    }
    c.text(file, &f.title, "title");
    // Sentences may also ask whether the form is blank.
    let mut known = b.known();
    known.insert("blank".into());
    for (i, block) in blocks.iter_mut().enumerate() {
        let at = format!("blocks[{i}]");
        match block {
            Block::Field(fl) => fl.options = value(c, &fl.value, format!("{at}.field.value")),
            Block::Row(fs) => {
                for (j, fl) in fs.iter_mut().enumerate() {
                    fl.options = value(c, &fl.value, format!("{at}.row[{j}].value"));
                }
            }
            Block::List(l) => match b.bound(&l.items.value) {
                Bound::Computed | Bound::Unchecked => {}
                Bound::Fact(_) => c.at(
                    file,
                    &l.items,
                    format!(
                        "a list shows texts the engine computes (intake.missing, refusal.grounds); `{}` is a fact: show it in a field or records",
                        l.items.value
                    ),
                    format!("{at}.list.items"),
                ),
                Bound::Unknown => c.at(
                    file,
                    &l.items,
                    b.unknown(&l.items.value),
                    format!("{at}.list.items"),
                ),
            },
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
                        value(c, v, format!("{at}.table.rows[{j}].values[{k}]"));
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
                            !b.unchecked
                                && !known.contains(v)
                                && !known.iter().any(|p| p.starts_with(&format!("{v}.")))
                        })
                        .collect();
                    let problem = if unknown.is_empty() {
                        view::render_sentence(t.get(lang), &view::blank_context(t.get(lang))).err()
                    } else {
                        Some(format!(
                            "sentence uses a value the case data does not have: {}; known here: {} (all: `qujat check --list-data --service {}`)",
                            unknown.join(", "),
                            b.near(&unknown[0]).join(", "),
                            b.service,
                        ))
                    };
                    if let Some(msg) = problem {
                        c.at(file, t.spanned(lang), msg, format!("{at}.paragraph.{lang}"));
                    }
                }
            }
            Block::Choice(ch) => {
                check_choice(c, file, &b, ch, &at);
                c.unique(
                    file,
                    "option",
                    ch.options
                        .iter()
                        .enumerate()
                        .map(|(j, o)| (&o.id, format!("{at}.choice.options[{j}].id"))),
                );
            }
            Block::Records(r) => match b.bound(&r.items.value) {
                Bound::Fact(fact) if fact.kind() == Kind::List => {
                    for (j, col) in r.columns.iter_mut().enumerate() {
                        match fact.field(&col.value.value) {
                            Some(x) if !matches!(x.kind(), Kind::List | Kind::Record) => {
                                col.options = choice_options(x)
                            }
                            _ => c.at(
                                file,
                                &col.value,
                                format!(
                                    "column bound to `{}`, which an item of `{}` does not have; its fields: {}",
                                    col.value.value,
                                    r.items.value,
                                    fact.fields
                                        .iter()
                                        .filter(|x| !matches!(x.kind(), Kind::List | Kind::Record))
                                        .map(|x| x.id.value.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                                format!("{at}.records.columns[{j}].value"),
                            ),
                        }
                    }
                }
                Bound::Fact(fact) => c.at(
                    file,
                    &r.items,
                    format!(
                        "records show a list fact; `{}` is a {}",
                        r.items.value,
                        fact.kind()
                    ),
                    format!("{at}.records.items"),
                ),
                Bound::Unchecked => {}
                Bound::Computed | Bound::Unknown => c.at(
                    file,
                    &r.items,
                    b.unknown(&r.items.value),
                    format!("{at}.records.items"),
                ),
            },
            Block::Heading(_) | Block::Note(_) | Block::Signature(_) | Block::Qr(_) => {}
        }
    }
    f.blocks = blocks;
}

/// A choice binds an option fact (or a yes/no one). Without options of its
/// own it takes the fact's options and labels; with them, their ids must be
/// the fact's, in the same order.
fn check_choice(c: &mut Checker, file: &Path, b: &Bindings, ch: &mut ChoiceBlock, at: &str) {
    let p = format!("{at}.choice.value");
    let fact = match b.bound(&ch.value.value) {
        Bound::Fact(fact) => fact,
        Bound::Computed => {
            c.at(
                file,
                &ch.value,
                format!(
                    "a choice ticks the options of a fact; `{}` is a value the engine computes",
                    ch.value.value
                ),
                p,
            );
            return;
        }
        Bound::Unknown => {
            c.at(file, &ch.value, b.unknown(&ch.value.value), p);
            return;
        }
        Bound::Unchecked => return,
    };
    let ids: Vec<&str> = match fact.kind() {
        Kind::Option => fact.option_ids(),
        Kind::Bool => vec!["true", "false"],
        k => {
            c.at(
                file,
                &ch.value,
                format!(
                    "a choice ticks the options of an option fact; `{}` is a {k}",
                    ch.value.value
                ),
                p,
            );
            return;
        }
    };
    ch.multiple = fact.multiple;
    if ch.options.is_empty() {
        if fact.kind() == Kind::Bool {
            c.at(
                file,
                &ch.value,
                format!(
                    "`{}` is yes or no: the choice lists its two options `true` and `false` with their labels",
                    ch.value.value
                ),
                p,
            );
        }
        ch.options = choice_options(fact);
        return;
    }
    let form: Vec<&str> = ch.options.iter().map(|o| o.id.value.as_str()).collect();
    if form != ids {
        let at_ref = ch
            .options
            .iter()
            .zip(ids.iter().map(Some).chain(std::iter::repeat(None)))
            .find(|(o, id)| *id != Some(&o.id.value.as_str()))
            .map_or_else(|| ch.value.clone(), |(o, _)| o.id.clone());
        c.at(
            file,
            &at_ref,
            format!(
                "the options of choice `{}` must be those of the fact, in its order: {} (the form lists {}); or leave `options` out to print the fact's labels",
                ch.value.value,
                ids.join(", "),
                form.join(", ")
            ),
            format!("{at}.choice.options"),
        );
    }
}
