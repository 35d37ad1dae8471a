//! Golden files: every fixture model and the root `schema.yaml` compile, plan and render to the
//! snapshotted up and down SQL; rendering is deterministic; the committed `generated/` of the root
//! schema is what this schemac produces.

// Helpers outside #[test] fns panic with readable messages, like the tests themselves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use schemac::diagnostics::report::{Style, human};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compile `path` (panicking with the rendered diagnostics on errors) and return the model's
/// snapshot text with the rendered `0001_init` up and down SQL.
fn generate(path: &Path) -> (String, String, String) {
    let compiled = schemac::compile(path);
    if !compiled.ok() {
        let diags = compiled.diagnostics.sorted();
        panic!(
            "{} does not compile:\n{}",
            path.display(),
            human(&diags, &compiled.sources, Style::Plain, 100)
        );
    }
    let migration = schemac::plan::initial(&compiled.model);
    let (up, down) = schemac::render::Renderer::new(None)
        .migration("0001_init", &migration)
        .unwrap_or_else(|e| panic!("{}: render failed: {e}", path.display()));
    (schemac::snapshot_text(&compiled.model), up, down)
}

#[test]
fn fixture_migrations() {
    insta::glob!("fixtures/models/*.yaml", |path| {
        let (_, up, down) = generate(path);
        insta::assert_snapshot!("up", up);
        insta::assert_snapshot!("down", down);
    });
}

#[test]
fn root_schema_migration() {
    let (_, up, down) = generate(&root().join("schema.yaml"));
    insta::assert_snapshot!("root_up", up);
    insta::assert_snapshot!("root_down", down);
}

#[test]
fn rendering_is_deterministic() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths.push(root().join("schema.yaml"));
    assert!(paths.len() >= 12, "fixtures not found: {paths:?}");
    for path in &paths {
        let first = generate(path);
        let second = generate(path);
        assert!(
            first.0 == second.0,
            "{}: snapshot differs between two runs",
            path.display()
        );
        assert!(
            first.1 == second.1,
            "{}: up SQL differs between two runs",
            path.display()
        );
        assert!(
            first.2 == second.2,
            "{}: down SQL differs between two runs",
            path.display()
        );
    }
}

#[test]
fn committed_generated_matches_the_code() {
    let (snapshot, up, down) = generate(&root().join("schema.yaml"));
    let generated = root().join("generated");
    for (file, produced) in [
        ("migrations/0001_init.sql", &up),
        ("migrations/0001_init.down.sql", &down),
        ("schema.snapshot.json", &snapshot),
    ] {
        let path = generated.join(file);
        let committed =
            std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        // Byte for byte; on a mismatch show the text diff, which is easier to read.
        if committed != produced.as_bytes() {
            assert_eq!(
                String::from_utf8_lossy(&committed),
                produced.as_str(),
                "generated/{file} is stale: run `schemac build` after deleting generated/"
            );
            panic!("generated/{file} differs from the produced bytes");
        }
    }
}
