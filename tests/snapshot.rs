//! The model snapshot (`generated/schema.snapshot.json`, `src/snapshot.rs`): format 2 reads back
//! to the model it was written from; format 1, which schemac wrote before issue 18, reads back to
//! the same model, and a project that commits it is up to date until its next migration; the
//! layout of format 2 on a small model; a snapshot that cannot be read is E403, never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use schemac::diagnostics::{Diagnostic, Diagnostics};
use schemac::migrations::{MigrationDir, SNAPSHOT_FILE, SUM_FILE};
use schemac::render::Renderer;
use schemac::{BuildPlan, snapshot};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every model of the repository: the root schema, the examples, the fixture models and the
/// 50-table bench model (`scripts/bench/gen.py 50`, written into `tmp`).
fn models(tmp: &Path) -> Vec<(String, schemac::Compiled)> {
    let mut paths = vec![root().join("schema.yaml")];
    for dir in ["examples", "tests/fixtures/models"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| if p.is_dir() { p.join("schema.yaml") } else { p })
            .filter(|p| p.extension().is_some_and(|x| x == "yaml") && p.is_file())
            .collect();
        found.sort();
        paths.extend(found);
    }
    let out = std::process::Command::new("python3")
        .arg(root().join("scripts/bench/gen.py"))
        .arg("50")
        .output()
        .expect("python3 runs scripts/bench/gen.py (needed for this test)");
    assert!(out.status.success(), "gen.py failed");
    let bench = tmp.join("bench50.yaml");
    std::fs::write(&bench, out.stdout).unwrap();
    paths.push(bench);
    assert!(paths.len() >= 20, "models not found: {paths:?}");
    paths
        .into_iter()
        .map(|p| {
            let compiled = schemac::compile(&p);
            assert!(compiled.ok(), "{} does not compile", p.display());
            (p.display().to_string(), compiled)
        })
        .collect()
}

#[test]
fn both_formats_read_back_to_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, compiled) in models(tmp.path()) {
        let model = &compiled.model;
        let new = schemac::snapshot_text(model);
        let old = snapshot::write_format_1(model);
        assert!(snapshot::is_format_1(&old) && !snapshot::is_format_1(&new));
        let (from_new, v2) = snapshot::read(&new).unwrap();
        let (from_old, v1) = snapshot::read(&old).unwrap();
        assert_eq!((v1, v2), (1, 2), "{name}");
        // The same model from both (spans are not in a snapshot: both have none) ...
        assert!(from_new == from_old, "{name}: the formats read differently");
        // ... and it is the compiled model: written again, it is the same text.
        assert!(
            schemac::snapshot_text(&from_new) == new,
            "{name}: format 2 does not read back to its model"
        );
        assert!(
            snapshot::write_format_1(&from_old) == old,
            "{name}: format 1 does not read back to its model"
        );
        assert!(
            new.len() * 3 < old.len() * 2,
            "{name}: format 2 is {} bytes, format 1 {}",
            new.len(),
            old.len()
        );
    }
}

/// The examples commit snapshots that schemac wrote before issue 18: `write_format_1` is that
/// format byte for byte, so the round trip above is a round trip of real old snapshots.
#[test]
fn format_1_is_what_earlier_versions_wrote() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let dir = entry.unwrap().path();
        let committed = dir.join("generated").join(SNAPSHOT_FILE);
        let Ok(text) = std::fs::read_to_string(&committed) else {
            continue;
        };
        if !snapshot::is_format_1(&text) {
            continue;
        }
        let compiled = schemac::compile(&dir.join("schema.yaml"));
        let (old, _) = snapshot::read(&text).unwrap();
        assert!(
            snapshot::write_format_1(&old) == text,
            "{}: format 1 is not written as it was",
            committed.display()
        );
        assert!(
            schemac::snapshot_text(&old) == schemac::snapshot_text(&compiled.model),
            "{}: the old snapshot does not describe the model",
            committed.display()
        );
        seen += 1;
    }
    assert!(seen >= 1, "no example commits a format-1 snapshot");
}

/// Every optional, boolean, collection or defaulted enum field of a snapshot type is left out
/// at its default (`#[serde(default, skip_serializing_if = "schemac::ir::is_default")]`): a
/// new field without the attribute makes this fail on the models that leave it unset.
#[test]
fn no_field_is_written_at_its_default() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, compiled) in models(tmp.path()) {
        let text = schemac::snapshot_text(&compiled.model);
        for default in [
            ":null",
            ": null",
            ":false",
            ": false",
            ":[]",
            ": []",
            ":{}",
            ": {}",
            ":\"no_action\"",
            ":\"no\"",
            ":\"in\"",
        ] {
            // `search_path: []` is a value (`SET search_path = ''`), not the default (none).
            let found = text
                .lines()
                .find(|l| l.contains(default) && !l.contains("\"search_path\": []"));
            assert!(
                found.is_none(),
                "{name}: `{default}` in the snapshot: {found:?}"
            );
        }
    }
}

#[test]
fn format_2_layout_on_a_small_model() {
    let path = root().join("tests/fixtures/models/11_triggers.yaml");
    let compiled = schemac::compile(&path);
    assert!(compiled.ok());
    insta::assert_snapshot!(schemac::snapshot_text(&compiled.model));
}

const MODEL: &str = "version: 1
tables:
  notes:
    indexes:
      - { columns: [body], why: Search by text. }
    columns:
      id: { type: bigint, primary_key: true, identity: always }
      body: { type: text, nullable: true, description: The note. }
";

fn plan(model: &str, out: &Path) -> (Option<BuildPlan>, Diagnostics) {
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), model.to_string())]);
    assert!(compiled.ok(), "the model itself should be clean");
    let dir = MigrationDir::read(out).unwrap();
    let mut d = Diagnostics::default();
    let plan = schemac::build(
        &compiled,
        &dir,
        &Renderer::new(None),
        &schemac::BuildOptions::default(),
        &mut d,
    );
    (plan, d)
}

fn build_into(model: &str, out: &Path) {
    match plan(model, out) {
        (Some(BuildPlan::Write { files, .. }), d) => {
            assert!(!d.has_errors());
            schemac::commit::commit(out, &files, &[]).unwrap();
        }
        _ => panic!("the build should write files"),
    }
}

/// Replace the committed snapshot with `text` and record it in `schemac.sum`, as a project of an
/// earlier version (or a hand edit that also updated the checksums) would have it.
fn commit_snapshot(out: &Path, text: &str) {
    let dir = MigrationDir::read(out).unwrap();
    let sum = schemac::migrations::sum_text(&dir.files, text);
    std::fs::write(out.join(SNAPSHOT_FILE), text).unwrap();
    std::fs::write(out.join("migrations").join(SUM_FILE), sum).unwrap();
}

/// A project built by an earlier schemac (format-1 snapshot, its checksum in `schemac.sum`):
/// nothing to build and nothing tampered while the model is unchanged; the next migration
/// rewrites the snapshot in format 2.
#[test]
fn a_format_1_project_is_up_to_date_until_its_next_migration() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(MODEL, tmp.path());
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), MODEL.to_string())]);
    commit_snapshot(tmp.path(), &snapshot::write_format_1(&compiled.model));
    let (built, d) = plan(MODEL, tmp.path());
    assert!(d.is_empty(), "{:?}", codes(&d));
    assert!(matches!(built, Some(BuildPlan::UpToDate)));
    // `schemac lint`'s path: the file does not match the new text, the pending check finds nothing.
    let dir = MigrationDir::read(tmp.path()).unwrap();
    let mut d = Diagnostics::default();
    assert!(schemac::pending(&compiled, &dir, &[], &mut d).is_none());
    assert!(d.is_empty());

    let changed = format!("{MODEL}      title: {{ type: text, nullable: true }}\n");
    let (built, d) = plan(&changed, tmp.path());
    assert!(!d.has_errors(), "{:?}", codes(&d));
    let Some(BuildPlan::Write { names, files, .. }) = built else {
        panic!("a new column makes a migration");
    };
    assert_eq!(names, ["0002_add_column_notes_title"]);
    let (_, text) = files
        .iter()
        .find(|(p, _)| p.ends_with(SNAPSHOT_FILE))
        .unwrap();
    assert!(!snapshot::is_format_1(text));
    assert!(text.starts_with("{\n  \"schemac_snapshot\": 2,\n"));
}

fn codes(d: &Diagnostics) -> Vec<&'static str> {
    d.sorted().iter().map(|x: &&Diagnostic| x.code).collect()
}

/// Snapshots that parse as JSON but are not a snapshot this schemac reads: E403 with what is
/// wrong, never a panic.
#[test]
fn an_unreadable_snapshot_is_e403() {
    let cases = [
        (
            "{\"schemac_snapshot\": 3, \"model\": {}}\n",
            "snapshot format 3 is not supported by this schemac (it reads formats 1 and 2)",
        ),
        (
            "{\"schemac_snapshot\": 2}\n",
            "missing field `model` at line 1 column 23",
        ),
        (
            "{\n  \"schemac_snapshot\": 2,\n  \"model\": {\n    \"version\": 1,\n",
            "EOF while parsing a value at line 5 column 0",
        ),
        (
            "{\"schemac_snapshot\": 2, \"model\": {\"version\": 1, \"preset\": \"supabase\", \"default_schema\": \"public\", \"tables\": {\"public.t\": {\"name\": \"public.t\", \"columns\": {\"id\": {\"name\": \"id\", \"type_written\": 7}}}}}}\n",
            "invalid type: integer `7`, expected a string at line 1 column 192",
        ),
        ("", "EOF while parsing a value at line 1 column 0"),
    ];
    for (text, why) in cases {
        let tmp = tempfile::tempdir().unwrap();
        build_into(MODEL, tmp.path());
        commit_snapshot(tmp.path(), text);
        let (built, d) = plan(MODEL, tmp.path());
        assert!(built.is_none(), "{text}");
        let all = d.sorted();
        assert_eq!(codes(&d), ["E403"], "{text}");
        assert_eq!(
            all[0].message,
            format!("the snapshot cannot be read: {why}"),
            "{text}"
        );
    }
}
