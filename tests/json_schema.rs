//! The JSON Schema of schema.yaml (`schemac json-schema`, `schema/schemac.schema.json`) against the
//! loader, with the `jsonschema` crate as the validator and `serde_norway` (a reader independent of
//! the loader's) turning YAML into JSON:
//! - the checked-in schema and docs/model-keys.md are what the code generates now;
//! - the schema is a valid draft-07 schema;
//! - every YAML file in the repository that the loader reads without a load error validates;
//! - every error fixture whose only load errors are an unknown key, a wrong type or a value outside
//!   a closed set is rejected, and a set of wrong models is rejected with the errors in the snapshot.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use schemac::diagnostics::{Diagnostics, Severity};
use schemac::model_schema;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join(model_schema::SCHEMA_PATH)).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("the schema compiles")
}

/// The JSON the YAML text reads as, through a reader that is not the loader's.
fn to_json(text: &str) -> Result<serde_json::Value, String> {
    serde_norway::from_str::<serde_json::Value>(text).map_err(|e| e.to_string())
}

fn errors(validator: &jsonschema::Validator, value: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{}: {}", e.instance_path(), e))
        .collect();
    out.sort();
    out
}

/// The load diagnostics of one file on its own (a file of a folder model may leave `version` to
/// another file: that one diagnostic is not counted).
fn load_errors(name: &str, text: &str) -> Vec<(String, String)> {
    let mut d = Diagnostics::default();
    schemac::load::load_sources(&[(name.to_string(), text.to_string())], &mut d);
    d.sorted()
        .into_iter()
        .filter(|x| x.severity == Severity::Error)
        .filter(|x| x.message != "the model has no `version`")
        .map(|x| (x.code.to_string(), x.message.clone()))
        .collect()
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.flatten() {
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if !matches!(
                name.as_str(),
                "target" | "node_modules" | ".git" | "snapshots"
            ) {
                yaml_files(&p, out);
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(p);
        }
    }
}

/// The YAML files of the repository that are models: the root model, the examples and every
/// fixture (workflow files and the like are not models: the loader rejects them).
fn repository_yaml() -> Vec<PathBuf> {
    let mut files = vec![root().join("schema.yaml")];
    yaml_files(&root().join("examples"), &mut files);
    yaml_files(&root().join("tests"), &mut files);
    files.sort();
    files
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

#[test]
fn the_checked_in_schema_and_key_reference_are_current() {
    let on_disk = std::fs::read_to_string(root().join(model_schema::SCHEMA_PATH)).unwrap();
    assert!(
        on_disk == model_schema::json_schema_text(),
        "{} is stale: run `cargo run -- json-schema > {}`",
        model_schema::SCHEMA_PATH,
        model_schema::SCHEMA_PATH
    );
    let keys = std::fs::read_to_string(root().join("docs/model-keys.md")).unwrap();
    assert!(
        keys == model_schema::markdown(),
        "docs/model-keys.md is stale: run `cargo run -- json-schema --markdown > docs/model-keys.md`"
    );
}

#[test]
fn the_schema_is_a_valid_draft_07_schema() {
    let schema = model_schema::json_schema();
    let meta = jsonschema::draft7::meta::validate(&schema);
    assert!(meta.is_ok(), "{meta:?}");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
}

#[test]
fn every_model_the_loader_reads_validates() {
    let validator = validator();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in repository_yaml() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not UTF-8: the loader refuses it (corpus)
        };
        if !load_errors(&rel(&path), &text).is_empty() {
            continue;
        }
        let json = match to_json(&text) {
            Ok(j) => j,
            Err(e) => {
                failures.push(format!(
                    "{}: the YAML does not read as JSON: {e}",
                    rel(&path)
                ));
                continue;
            }
        };
        checked += 1;
        let errs = errors(&validator, &json);
        if !errs.is_empty() {
            failures.push(format!("{}:\n  {}", rel(&path), errs.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The root model, 4 examples, 14 fixture models, the migration fixtures and the corpus.
    assert!(checked > 100, "only {checked} models checked");
}

#[test]
fn error_fixtures_of_unknown_keys_wrong_types_and_bad_values_are_rejected() {
    let validator = validator();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in repository_yaml() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let errs = load_errors(&rel(&path), &text);
        let structural = |(code, message): &(String, String)| {
            code == "E102"
                || code == "E103"
                || (code == "E105" && message.contains("is not a valid"))
        };
        if errs.is_empty() || !errs.iter().all(structural) {
            continue;
        }
        let Ok(json) = to_json(&text) else {
            continue;
        };
        checked += 1;
        if validator.is_valid(&json) {
            failures.push(format!(
                "{} loads with {errs:?} but the schema accepts it",
                rel(&path)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 10, "only {checked} error fixtures checked");
}

#[test]
fn the_starter_models_of_init_validate_with_the_schema_init_writes() {
    for preset in ["postgres", "supabase"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemac"))
            .args(["init", "--preset", preset, "--dir"])
            .arg(tmp.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let model = std::fs::read_to_string(tmp.path().join("schema.yaml")).unwrap();
        assert!(
            model.starts_with("# yaml-language-server: $schema=schemac.schema.json\n"),
            "{model}"
        );
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(tmp.path().join("schemac.schema.json")).unwrap(),
        )
        .unwrap();
        let validator = jsonschema::draft7::new(&schema).unwrap();
        let errs = errors(&validator, &to_json(&model).unwrap());
        assert!(errs.is_empty(), "{preset}: {errs:?}");
    }
}

/// Wrong models, each with one mistake, and what the schema says about it.
const WRONG: &[(&str, &str)] = &[
    (
        "unknown top-level key",
        "version: 1\ntabels:\n  t: { columns: { id: uuid } }\n",
    ),
    (
        "unknown column key",
        "version: 1\ntables:\n  t:\n    columns:\n      id: { type: uuid, primary: true }\n",
    ),
    (
        "unknown policy key",
        "version: 1\ntables:\n  t:\n    columns: { id: uuid }\n    rls:\n      policies:\n        p: { for: select, using: 'true', role: anon }\n",
    ),
    (
        "column without type",
        "version: 1\ntables:\n  t:\n    columns:\n      id: { nullable: true }\n",
    ),
    (
        "wrong type: nullable as text",
        "version: 1\ntables:\n  t:\n    columns:\n      id: { type: uuid, nullable: sometimes }\n",
    ),
    (
        "wrong type: indexes as a mapping",
        "version: 1\ntables:\n  t:\n    columns: { id: uuid }\n    indexes: { columns: [id] }\n",
    ),
    (
        "wrong type: columns as a list",
        "version: 1\ntables:\n  t:\n    columns: [id, name]\n",
    ),
    (
        "bad enum value: on_delete",
        "version: 1\ntables:\n  t:\n    columns:\n      p: { type: uuid, references: p.id, on_delete: explode }\n",
    ),
    (
        "bad enum value: policy command",
        "version: 1\ntables:\n  t:\n    columns: { id: uuid }\n    rls:\n      policies:\n        p: { for: read, to: [anon], using: 'true' }\n",
    ),
    ("bad enum value: preset", "version: 1\npreset: firebase\n"),
    ("bad version", "version: 2\n"),
];

#[test]
fn wrong_models_are_rejected_by_the_schema_and_the_loader() {
    let validator = validator();
    let mut report = String::new();
    for (what, text) in WRONG {
        assert!(
            !load_errors("schema.yaml", text).is_empty(),
            "the loader accepts the wrong model `{what}`"
        );
        let json = to_json(text).unwrap();
        let errs = errors(&validator, &json);
        assert!(
            !errs.is_empty(),
            "the schema accepts the wrong model `{what}`"
        );
        report.push_str(&format!("{what}:\n"));
        for e in errs {
            report.push_str(&format!("  {e}\n"));
        }
    }
    insta::assert_snapshot!("wrong_models", report);
}
