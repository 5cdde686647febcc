//! The audit of the project against its sources, kept in the repository so
//! it runs with every `cargo test`:
//!
//! 1. every text of `rules/` and `forms/` that claims to be official (a side
//!    not listed in `ours`) is found in the seed of its act, in `seeds/`;
//! 2. every official label of every form is found in the text `pdftotext`
//!    extracts from the rendered blank PDF.
//!
//! Texts are compared without white space, so the extraction's line breaks
//! (and Typst's) do not matter, but every letter and sign does: a spelling
//! "fixed" against the seed fails. Where the extraction garbles the act's own
//! text, `seeds/extraction-repairs.yaml` says how it is read; a repair whose
//! `from` is no longer in its seed fails too. The counts are printed
//! (`cargo test --test audit -- --nocapture`).

mod common;

use common::root;
use qujat::base::text::{Lang, Text};
use qujat::compose::{Composer, Fill};
use qujat::model::{Form, Layout, RawProject};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Repairs {
    repairs: Vec<Repair>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Repair {
    seed: String,
    from: String,
    to: String,
    #[allow(dead_code)]
    why: String,
}

/// A text without white space and without the extraction's markup (HTML
/// tags, Markdown links, bold marks, escaped underscores, list bullets
/// before a numbered item), so that only the act's own signs are compared.
fn normalize(text: &str) -> String {
    let mut lines = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        // "- 1) …": a Markdown bullet before the act's own item number.
        let t = match t.strip_prefix("- ") {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
            _ => t,
        };
        lines.push_str(t);
        lines.push('\n');
    }
    let s = lines.replace("\\_", "_").replace("**", "");
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // An HTML tag: `<p>`, `</p>`, `<input type="text"/>`.
        if c == '<'
            && chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/')
            && let Some(end) = chars[i..].iter().position(|&x| x == '>' || x == '\n')
            && chars[i + end] == '>'
        {
            i += end + 1;
            continue;
        }
        // A Markdown link `[text](url)`: keep the text.
        if c == '['
            && let Some(close) = chars[i..].iter().position(|&x| x == ']')
            && chars.get(i + close + 1) == Some(&'(')
            && let Some(paren) = chars[i + close..].iter().position(|&x| x == ')')
        {
            out.extend(
                chars[i + 1..i + close]
                    .iter()
                    .filter(|c| !c.is_whitespace()),
            );
            i += close + paren + 1;
            continue;
        }
        if !c.is_whitespace() {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// The literal pieces of a text, between its template tags (`{{ … }}`,
/// `{% … %}`): what the act's wording must contain.
fn literal_pieces(text: &str) -> Vec<String> {
    let mut pieces = vec![];
    let mut rest = text;
    loop {
        let next = [rest.find("{{"), rest.find("{%")]
            .into_iter()
            .flatten()
            .min();
        let Some(open) = next else {
            pieces.push(rest.to_string());
            break;
        };
        pieces.push(rest[..open].to_string());
        let close = if rest[open..].starts_with("{{") {
            "}}"
        } else {
            "%}"
        };
        match rest[open..].find(close) {
            Some(end) => rest = &rest[open + end + 2..],
            None => break,
        }
    }
    pieces
        .iter()
        .map(|p| normalize(p))
        .filter(|p| !p.is_empty())
        .collect()
}

/// The seeds, normalized, with the repairs applied; and how many repairs.
fn seeds() -> (BTreeMap<String, String>, usize) {
    let dir = root().join("seeds");
    let mut seeds = BTreeMap::new();
    for e in std::fs::read_dir(&dir).expect("seeds/ is missing") {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".txt") && name.starts_with(|c: char| c.is_ascii_digit()) {
            let text = std::fs::read_to_string(&path).unwrap();
            seeds.insert(name[..3].to_string(), normalize(&text));
        }
    }
    let file = dir.join("extraction-repairs.yaml");
    let repairs: Repairs = serde_saphyr::from_str(&std::fs::read_to_string(&file).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut stale = vec![];
    for r in &repairs.repairs {
        let seed = seeds
            .get_mut(&r.seed)
            .unwrap_or_else(|| panic!("repair names seed {} that is not in seeds/", r.seed));
        let (from, to) = (normalize(&r.from), normalize(&r.to));
        match seed.matches(&from).count() {
            1 => *seed = seed.replacen(&from, &to, 1),
            n => stale.push(format!("seed {}: found {n} times: {}", r.seed, r.from)),
        }
    }
    assert!(
        stale.is_empty(),
        "repairs in seeds/extraction-repairs.yaml must each match their seed exactly once:\n{}",
        stale.join("\n")
    );
    (seeds, repairs.repairs.len())
}

/// The seeds an act's texts come from: the numbers in its `seed` field.
fn seeds_of(raw: &RawProject, act: &str) -> Vec<String> {
    let seed = raw
        .acts
        .iter()
        .flat_map(|(_, f)| &f.acts)
        .find(|a| a.id.value == act)
        .map(|a| a.seed.clone())
        .unwrap_or_else(|| panic!("act `{act}` is not in rules/acts.yaml"));
    let numbers: Vec<String> = seed
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| n.len() == 3)
        .map(str::to_string)
        .collect();
    assert!(!numbers.is_empty(), "act `{act}` names no seed: {seed:?}");
    numbers
}

/// Every text of the project with where it is written and the seeds its
/// official sides must be found in (all seeds for the registries that name
/// no act: institutions, conventions).
fn texts_with_seeds(raw: &RawProject) -> Vec<(String, &Text, Vec<String>)> {
    let all: Vec<String> = (0..5).map(|n| format!("{n:03}")).collect();
    let mut v = vec![];
    for (file, f) in &raw.acts {
        for a in &f.acts {
            let at = format!("{} (act {})", file.display(), a.id.value);
            v.push((at, &a.title, seeds_of(raw, &a.id.value)));
        }
    }
    for (file, f) in &raw.institutions {
        for i in &f.institutions {
            v.push((file.display().to_string(), &i.name, all.clone()));
        }
    }
    for (file, f) in &raw.conventions {
        for c in &f.conventions {
            v.push((file.display().to_string(), &c.name, all.clone()));
        }
    }
    for (file, s) in &raw.services {
        let seeds = seeds_of(raw, &s.act.value);
        for t in s.rules.texts() {
            v.push((file.display().to_string(), t, seeds.clone()));
        }
    }
    for (file, a) in &raw.amendments {
        let seeds = seeds_of(raw, &a.act.value);
        for c in &a.changes {
            for parts in [&c.value.replace, &c.value.insert].into_iter().flatten() {
                for t in parts.texts() {
                    v.push((file.display().to_string(), t, seeds.clone()));
                }
            }
        }
    }
    for (file, f) in &raw.forms {
        let seeds = seeds_of(raw, &f.cite.act);
        for t in f.texts() {
            v.push((file.display().to_string(), t, seeds.clone()));
        }
    }
    v
}

fn official_sides(t: &Text) -> impl Iterator<Item = Lang> + '_ {
    Lang::ALL
        .into_iter()
        .filter(|l| !t.is_ours(*l) && !t.get(*l).trim().is_empty())
}

/// Audits the official texts of the project at `project` against the
/// repository's seeds: how many texts were checked, how many sides are
/// ours, how many repairs applied, and each text not found.
fn audit_texts(project: &Path) -> (usize, usize, usize, Vec<String>) {
    let (raw, _, errors) = qujat::load::load_project(project);
    assert!(errors.is_empty(), "{errors:?}");
    let (seeds, repairs) = seeds();
    let (mut checked, mut ours, mut failures) = (0, 0, vec![]);
    for (at, t, in_seeds) in texts_with_seeds(&raw) {
        ours += t.ours.len();
        for lang in official_sides(t) {
            checked += 1;
            let side = t.spanned(lang);
            for piece in literal_pieces(&side.value) {
                if !in_seeds.iter().any(|s| seeds[s].contains(&piece)) {
                    failures.push(format!(
                        "{at}:{}: the official {} text is not in seed {}: {:?}",
                        side.referenced.line(),
                        lang.name(),
                        in_seeds.join("/"),
                        side.value
                    ));
                    break;
                }
            }
        }
    }
    (checked, ours, repairs, failures)
}

#[test]
fn every_official_text_is_found_in_its_seed() {
    let (checked, ours, repairs, failures) = audit_texts(&root());
    println!(
        "audit: {} official texts found in their seeds ({repairs} extraction repairs); {ours} sides are ours",
        checked - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} texts claimed official are not in their seed (mark the side `ours`, or copy the seed's wording):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A spelling "fixed" against the seed is caught: item 82 of the
/// institutions omits "Казахстан" in seed 001 and must stay so.
#[test]
fn the_audit_catches_a_seed_spelling_fixed() {
    let s = common::Scratch::new("audit-fixed");
    s.edit(
        "rules/institutions.yaml",
        "Генеральное консульство Республики в городе Санкт-Петербург",
        "Генеральное консульство Республики Казахстан в городе Санкт-Петербург",
    );
    let (_, _, _, failures) = audit_texts(&s.dir);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(
        failures[0].starts_with("rules/institutions.yaml:")
            && failures[0].contains("the official Russian text is not in seed")
            && failures[0].contains("Республики Казахстан в городе Санкт-Петербург"),
        "{failures:#?}"
    );
}

/// `pdftotext -raw` of a PDF (poppler-utils; `.ci/run` installs it): the
/// text in the order it is drawn, so the words of a justified paragraph or
/// of one table cell stay together.
fn pdftotext(pdf: &[u8], dir: &Path, name: &str) -> String {
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext: {e} (install poppler-utils; .ci/run does)"));
    assert!(
        out.status.success(),
        "pdftotext {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The languages each PDF of a form prints.
fn editions(form: &Form) -> Vec<Vec<Lang>> {
    match form.layout {
        Layout::PerLanguage => Lang::ALL.iter().map(|l| vec![*l]).collect(),
        Layout::Bilingual | Layout::Interleaved => vec![Lang::ALL.to_vec()],
    }
}

#[test]
fn every_official_label_of_every_form_is_printed() {
    let p = common::project();
    let renderer = p.renderer().unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("qujat-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut checked, mut pdfs, mut failures) = (0, 0, vec![]);
    for (id, form) in &p.rules.forms {
        let file = p.rules.form_files[id].clone();
        let date = p.rules.acts[&form.cite.act]
            .date
            .expect("a form's act has a date");
        for langs in editions(form) {
            let page = Composer {
                form,
                file: &file,
                langs: langs.clone(),
            }
            .compose(&Fill::Blank)
            .unwrap_or_else(|e| panic!("{e:?}"));
            let pdf = renderer
                .render(&page, date)
                .unwrap_or_else(|e| panic!("{e}"))
                .pdf;
            let name = format!(
                "{id}.{}",
                langs.iter().map(|l| l.code()).collect::<Vec<_>>().join("-")
            );
            let printed = normalize(&pdftotext(pdf.bytes().unwrap(), &dir, &name));
            pdfs += 1;
            for t in form.texts() {
                for lang in official_sides(t).filter(|l| langs.contains(l)) {
                    checked += 1;
                    let pieces = literal_pieces(t.get(lang));
                    if let Some(lost) = pieces.iter().find(|x| !printed.contains(x.as_str())) {
                        failures.push(format!(
                            "{} ({name}.pdf): the {} label {:?} is not in the printed text (missing: {lost:?})",
                            file.display(),
                            lang.name(),
                            t.get(lang)
                        ));
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "audit: {checked} official labels found in the pdftotext output of {pdfs} blank PDFs of {} forms",
        p.rules.forms.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} official labels are not printed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn normalizing_keeps_every_sign_and_drops_only_space_and_markup() {
    assert_eq!(normalize("a b\n c"), "abc");
    assert_eq!(normalize("<p>Жұмыс кестесі:</p>"), "Жұмыскестесі:");
    assert_eq!(
        normalize("[www.egov.kz](http://www.egov.kz) порталы"),
        "www.egov.kzпорталы"
    );
    assert_eq!(normalize("- 1) Министрліктің"), "1)Министрліктің");
    // A hyphen, a dash or a letter is never dropped.
    assert_ne!(normalize("9-\nтармағында"), normalize("9 тармағында"));
    assert_ne!(normalize("нотариально"), normalize("ноториально"));
    assert_eq!(
        literal_pieces("A {% if blank %}(указать адрес){% else %}({{ office }}){% endif %} B"),
        ["A", "(указатьадрес)", "(", ")", "B"]
    );
}
