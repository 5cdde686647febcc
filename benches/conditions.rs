//! The schema engine on the fixture service `tests/fixtures/angling`:
//! checking its conditions (part of `qujat check`), reading a case against
//! its schema, and evaluating every condition on it (part of `decide`).
//! Goals: check of the whole repository under 50 ms, a decision under 1 ms.
//! Measured here, never asserted in a test.
//!
//! Run: `cargo bench --bench conditions` (optionally `QUJAT_BENCH_N=500`).

use chrono::NaiveDate;
use qujat::algo::calendar::{Calendar, CalendarFile};
use qujat::schema::{self, Condition, Env, Parameter, Schema, Scope};
use serde::Deserialize;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Deserialize)]
struct ServiceParts {
    facts: Schema,
    parameters: Vec<Parameter>,
    conditions: Vec<Condition>,
}

fn measure(what: &str, n: usize, mut f: impl FnMut()) {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{what}, {n} runs: min {:.0} µs, median {:.0} µs, max {:.0} µs",
        us(times[0]),
        us(times[n / 2]),
        us(times[n - 1])
    );
}

fn main() {
    let n: usize = std::env::var("QUJAT_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
        .max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/fixtures/angling");
    let file = Path::new("tests/fixtures/angling/service.yaml");
    let text = std::fs::read_to_string(dir.join("service.yaml")).unwrap();
    let parts: ServiceParts = qujat::base::yaml::parse(file, &text).unwrap();
    let facts = parts.facts.with_engine();
    let params = schema::params(&parts.parameters);
    let env = Env {
        schema: &facts,
        params: &params,
    };
    measure("check the fixture's conditions", n, || {
        let (ok, errors) = schema::compile(file, &text, &parts.conditions, env);
        assert!(errors.is_empty() && ok.len() == parts.conditions.len());
    });

    let case_file = Path::new("tests/fixtures/angling/cases/family-trip.yaml");
    let case_text = std::fs::read_to_string(root.join(case_file)).unwrap();
    measure("read a case against its schema", n, || {
        schema::read_case(case_file, &case_text, &facts, &[]).unwrap();
    });

    let (conditions, _) = schema::compile(file, &text, &parts.conditions, env);
    let case = schema::read_case(case_file, &case_text, &facts, &[]).unwrap();
    let cal_text = std::fs::read_to_string(root.join("rules/calendar.yaml")).unwrap();
    let cal_path = Path::new("rules/calendar.yaml");
    let cal_file = qujat::base::yaml::parse::<CalendarFile>(cal_path, &cal_text).unwrap();
    let calendar = Calendar::new(cal_path, &cal_file).unwrap();
    let scope = Scope {
        env,
        facts: &case,
        on: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        calendar: Some(&calendar),
    };
    measure("evaluate every condition on the case", n, || {
        for c in &conditions {
            c.eval(scope).unwrap();
        }
    });
}
