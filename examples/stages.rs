//! Per-stage timing of the pipeline on one model:
//! `cargo run --release --example stages -- FILE [RUNS]`.
//!
//! Runs the whole pipeline RUNS times (default 5) in one process and prints, per stage, the
//! median and the minimum wall time: yaml parse (alone), load (parse + decode), resolve,
//! validate, lint, plan, render (the migration's SQL), snapshot (JSON) and docs (ER diagrams and
//! DATABASE.md), so a slow whole-process run can be traced to its stage. `scripts/bench/run.sh`
//! runs it on the 2,000-table model.

#![allow(clippy::disallowed_macros)]

use std::path::Path;
use std::time::{Duration, Instant};

/// The allocator of the `schemac` binary, so stage times match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const STAGES: [&str; 9] = [
    "yaml parse",
    "load",
    "resolve",
    "validate",
    "lint",
    "plan",
    "render",
    "snapshot",
    "docs",
];

/// One pass over the pipeline; the time of each stage, in `STAGES` order.
fn pass(path: &str, text: &str, last: bool) -> [Duration; 9] {
    let mut times = [Duration::ZERO; 9];
    let mut lap = |i: usize, t: Instant| {
        if let Some(x) = times.get_mut(i) {
            *x = t.elapsed();
        }
    };
    let files = vec![(path.to_string(), text.to_string())];
    let t = Instant::now();
    let mut sources = schemac::source::SourceMap::default();
    let id = sources.add(path.to_string(), text);
    if let Some(f) = sources.file(id) {
        let _ = schemac::load::yaml::parse(f, id);
    }
    lap(0, t);
    let t = Instant::now();
    let mut d = schemac::diagnostics::Diagnostics::default();
    let loaded = schemac::load::load_sources(&files, &mut d);
    lap(1, t);
    let mut model = loaded.model;
    let external = schemac::preset::external(model.preset);
    let t = Instant::now();
    schemac::resolve::resolve(&mut model, &external, &mut d);
    let views = schemac::resolve::view_dependencies(&mut model, &external);
    lap(2, t);
    let t = Instant::now();
    let fragments =
        schemac::validate::validate_with(&model, &external, &loaded.sources, &mut d, true, &views);
    lap(3, t);
    let t = Instant::now();
    let report = schemac::lint::run_with(&model, &external, &loaded.sources, &fragments);
    lap(4, t);
    let t = Instant::now();
    let migration = schemac::plan::initial(&model);
    lap(5, t);
    let renderer = schemac::render::Renderer::new(None);
    let t = Instant::now();
    let rendered = renderer.migration("0001_init", &migration);
    lap(6, t);
    let t = Instant::now();
    let snapshot = schemac::snapshot_text(&model);
    lap(7, t);
    let t = Instant::now();
    let docs = renderer.docs(
        &model,
        &external,
        Path::new("docs/DATABASE.md"),
        Path::new("generated"),
        &["0001_init".to_string()],
    );
    lap(8, t);
    if last {
        let docs_bytes: usize = docs
            .as_ref()
            .map(|f| f.iter().map(|x| x.text.len()).sum())
            .unwrap_or(0);
        println!(
            "{path}: {} tables, {} errors, {} lint findings; sql {} bytes, snapshot {} bytes, docs {} files / {} bytes",
            model.tables.len(),
            d.count(schemac::diagnostics::Severity::Error),
            report.findings.len(),
            rendered.map(|(u, _)| u.len()).unwrap_or(0),
            snapshot.len(),
            docs.as_ref().map(Vec::len).unwrap_or(0),
            docs_bytes,
        );
    }
    times
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "schema.yaml".to_string());
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut all: Vec<[Duration; 9]> = Vec::new();
    for r in 0..runs {
        all.push(pass(&path, &text, r + 1 == runs));
    }
    println!("\n| stage | median ms | min ms |\n|---|---:|---:|");
    let mut total_med = Duration::ZERO;
    for (i, name) in STAGES.iter().enumerate() {
        let mut col: Vec<Duration> = all.iter().filter_map(|a| a.get(i).copied()).collect();
        col.sort();
        let med = col.get(col.len() / 2).copied().unwrap_or_default();
        let min = col.first().copied().unwrap_or_default();
        if i > 0 {
            total_med += med;
        }
        println!("| {name} | {} | {} |", ms(med), ms(min));
    }
    println!(
        "| total (load..docs, sum of medians; yaml parse is part of load) | {} | |\n({runs} runs)",
        ms(total_med)
    );
}
