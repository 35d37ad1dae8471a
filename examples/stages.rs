//! Per-stage timing of the pipeline on one model: `cargo run --release --example stages -- FILE`.
//!
//! Prints the wall time of load, resolve, validate, plan and render, so a slow whole-process run
//! can be traced to its stage.

#![allow(clippy::disallowed_macros)]

use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "schema.yaml".to_string());
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let files = vec![(path.clone(), text.clone())];
    let t = Instant::now();
    let mut sources = schemac::source::SourceMap::default();
    let id = sources.add(path.clone(), &text);
    if let Some(f) = sources.file(id) {
        let _ = schemac::load::yaml::parse(f, id);
    }
    let yaml = t.elapsed();
    let t = Instant::now();
    let mut d = schemac::diagnostics::Diagnostics::default();
    let loaded = schemac::load::load_sources(&files, &mut d);
    let load = t.elapsed();
    let mut model = loaded.model;
    let external = schemac::preset::external(model.preset);
    let t = Instant::now();
    schemac::resolve::resolve(&mut model, &external, &mut d);
    let resolve = t.elapsed();
    let t = Instant::now();
    schemac::plan::compute_view_dependencies(&mut model, &external);
    schemac::validate::validate(&model, &external, &loaded.sources, &mut d);
    let validate = t.elapsed();
    let t = Instant::now();
    let migration = schemac::plan::initial(&model);
    let plan = t.elapsed();
    let t = Instant::now();
    let rendered = schemac::render::Renderer::new(None).migration("0001_init", &migration);
    let render = t.elapsed();
    let t = Instant::now();
    let snapshot = schemac::snapshot_text(&model);
    let snap = t.elapsed();
    println!(
        "{path}: {} tables, {} errors\nyaml parse {yaml:?}\nload (parse + decode) {load:?}\nresolve {resolve:?}\nvalidate {validate:?}\nplan {plan:?}\nrender {render:?}\nsnapshot {snap:?} ({} bytes, sql {} bytes)",
        model.tables.len(),
        d.count(schemac::diagnostics::Severity::Error),
        snapshot.len(),
        rendered.map(|(u, _)| u.len()).unwrap_or(0)
    );
}
