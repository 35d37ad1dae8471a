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
    let read = |file: &str| {
        let path = generated.join(file);
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    };
    assert!(
        read("schema.snapshot.json") == snapshot.as_bytes(),
        "generated/schema.snapshot.json is stale"
    );
    // The committed first migration was written before the session settings were pinned; it is
    // never rewritten, so it must be what this schemac writes or what it wrote then.
    let compiled = schemac::compile(&root().join("schema.yaml"));
    let variants = schemac::render::Renderer::new(None)
        .initial_migrations("0001_init", &compiled.model)
        .unwrap();
    assert_eq!(
        variants[0],
        (up, down),
        "the first rendering is the current one"
    );
    let committed = (
        read("migrations/0001_init.sql"),
        read("migrations/0001_init.down.sql"),
    );
    if !variants
        .iter()
        .any(|(u, d)| committed.0 == u.as_bytes() && committed.1 == d.as_bytes())
    {
        // Show the text diff against the current rendering, which is easier to read.
        assert_eq!(
            String::from_utf8_lossy(&committed.0),
            variants[0].0.as_str(),
            "generated/migrations/0001_init.sql is stale"
        );
        panic!("generated/migrations/0001_init.down.sql is stale");
    }
}

/// The committed first migration of the root schema is the legacy rendering: the one an
/// earlier schemac wrote, which `check` must keep accepting (a test that the legacy variant is
/// still produced byte for byte).
#[test]
fn committed_first_migration_is_the_legacy_rendering() {
    let compiled = schemac::compile(&root().join("schema.yaml"));
    let [current, legacy] = schemac::render::Renderer::new(None)
        .initial_migrations("0001_init", &compiled.model)
        .unwrap();
    let committed =
        std::fs::read_to_string(root().join("generated/migrations/0001_init.sql")).unwrap();
    assert_eq!(committed, legacy.0);
    assert_ne!(current.0, legacy.0);
    assert!(current.0.contains(
        "SET LOCAL standard_conforming_strings = on;\nSET LOCAL client_encoding = 'UTF8';\n"
    ));
    assert!(!legacy.0.contains("standard_conforming_strings"));
}
