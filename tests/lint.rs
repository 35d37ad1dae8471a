//! `schemac lint`, `schemac rule` and `schemac rules` end to end: exit codes, the four output
//! formats (snapshotted), SARIF validated against the SARIF 2.1.0 JSON schema (vendored from the
//! npm package `@microsoft/jest-sarif`, MIT, in tests/fixtures/sarif/), and the invariant that the
//! root schema.yaml and the model fixtures lint clean.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use insta::assert_snapshot;

/// A Supabase model with one finding of each level: an unindexed foreign key (warn), an
/// unwrapped `auth.uid()` (warn), a used and an unused suppression, and a redundant index (info).
const MODEL: &str = r#"version: 1
preset: supabase
tables:
  projects:
    columns:
      id: { type: uuid, primary_key: true, default: gen_random_uuid() }
      user_id: { type: uuid, references: auth.users.id, on_delete: cascade }
      name: text
    indexes:
      - { columns: [name] }
      - { columns: [name, id] }
    grants: { authenticated: [select], service_role: [select, insert, update, delete] }
    rls:
      policies:
        owner_select:
          for: select
          to: [authenticated]
          using: "auth.uid() = user_id"
    lint:
      allow:
        no-primary-key: "it has one: this suppression is stale"
  audit:
    columns:
      at: timestamptz
    grants: { service_role: [select, insert] }
    rls: true
    lint:
      allow:
        SC101: "append-only log read by the service role"
        rls-enabled-no-policy: "server-only table"
"#;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn schemac(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_schemac"))
        .args(args)
        .args(["--color", "never"])
        .current_dir(dir)
        .output()
        .expect("run schemac");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn project(model: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.yaml"), model).unwrap();
    dir
}

#[test]
fn human_output_and_exit_codes() {
    let dir = project(MODEL);
    let out = schemac(dir.path(), &["lint"]);
    assert_eq!(out.code, 0, "warnings do not fail without --deny-warnings");
    assert_eq!(out.stdout, "");
    assert_snapshot!("lint_human", out.stderr);
    // Info findings are counted per rule by default and printed in full with --show-info.
    assert!(out.stderr.contains("info findings not shown"));
    let full = schemac(dir.path(), &["lint", "--show-info"]);
    assert_eq!(full.code, 0);
    assert!(!full.stderr.contains("not shown"));
    assert_snapshot!("lint_human_show_info", full.stderr);
    let denied = schemac(dir.path(), &["lint", "--deny-warnings"]);
    assert_eq!(denied.code, 1);
}

#[test]
fn json_output() {
    let dir = project(MODEL);
    let out = schemac(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(out.code, 0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    for rec in v["diagnostics"].as_array().unwrap() {
        for key in [
            "code",
            "name",
            "severity",
            "category",
            "object",
            "message",
            "help",
            "label",
            "url",
            "file",
            "line",
            "column",
            "fingerprint",
        ] {
            assert!(!rec[key].is_null(), "{key} missing in {rec}");
        }
    }
    assert_snapshot!("lint_json", out.stdout);
}

#[test]
fn github_output() {
    let dir = project(MODEL);
    let out = schemac(dir.path(), &["lint", "--format", "github"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.lines().all(|l| l.starts_with("::")));
    assert_snapshot!("lint_github", out.stdout);
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/fixtures/sarif/sarif-schema-2.1.0.json"))
        .unwrap();
    // The upstream schema's `run.language` pattern has a stray `]` that ECMA-262 reads as a
    // literal but Rust's regex rejects; escape it in memory (the vendored file stays verbatim).
    let stray = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(text.contains(stray), "the vendored schema changed");
    let text = text.replace(stray, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(text: &str) -> serde_json::Value {
    let log: serde_json::Value = serde_json::from_str(text).unwrap();
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
    log
}

#[test]
fn sarif_output_validates_against_the_schema() {
    let dir = project(MODEL);
    let out = schemac(dir.path(), &["lint", "--format", "sarif"]);
    assert_eq!(out.code, 0);
    let log = assert_valid_sarif(&out.stdout);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let region = &r["locations"][0]["physicalLocation"]["region"];
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[k].is_u64(), "{k} in {r}");
        }
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], r["ruleId"]);
        assert!(r["partialFingerprints"]["schemacFingerprint/v1"].is_string());
    }
    // The rules list is the whole registry: snapshot only the results.
    assert_snapshot!(
        "lint_sarif_results",
        serde_json::to_string_pretty(&run["results"]).unwrap()
    );
    // A schema-invalid document is rejected (the validator is really checking).
    let mut broken = log.clone();
    broken["version"] = serde_json::json!("2.0");
    assert!(!sarif_validator().is_valid(&broken));
}

#[test]
fn compile_errors_are_reported_in_every_format() {
    let dir = project(
        "version: 1\ntables:\n  t:\n    columns:\n      id: { type: bigint, primary_key: true, nulable: true }\n",
    );
    for format in ["human", "json", "sarif", "github"] {
        let out = schemac(dir.path(), &["lint", "--format", format]);
        assert_eq!(out.code, 1, "{format}");
        assert!(
            format!("{}{}", out.stdout, out.stderr).contains("E102"),
            "{format}"
        );
        if format == "sarif" {
            assert_valid_sarif(&out.stdout);
        }
    }
    let missing = schemac(dir.path(), &["lint", "--schema", "nope.yaml"]);
    assert_eq!(missing.code, 2);
}

/// SARIF from every command that reports, for compiler errors (with and without a place in a
/// file) and for lint findings that stop `build`, validates against the SARIF 2.1.0 schema.
#[test]
fn every_command_writes_valid_sarif_for_compiler_errors_too() {
    let broken = project(
        "version: 1\ntables:\n  t:\n    columns:\n      id: { type: bigint, primary_key: true, nulable: true }\n",
    );
    for command in ["build", "plan", "check", "lint"] {
        let out = schemac(broken.path(), &[command, "--format", "sarif"]);
        assert_eq!(out.code, 1, "{command}: {}", out.stderr);
        let log = assert_valid_sarif(&out.stdout);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(
            results.iter().any(|r| r["ruleId"] == "E102"
                && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 5),
            "{command}: {log:#}"
        );
    }
    // No file at all: a result without a location.
    let out = schemac(
        broken.path(),
        &["build", "--schema", "nope.yaml", "--format", "sarif"],
    );
    assert_eq!(out.code, 2);
    let log = assert_valid_sarif(&out.stdout);
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "E100");
    // An error-level finding stops build: the finding and E405 in one log.
    let finding = project(
        "version: 1\ntables:\n  t:\n    description: T.\n    columns:\n      id: { type: bigint, primary_key: true }\n      at: timestamp\n",
    );
    let out = schemac(finding.path(), &["build", "--format", "sarif"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log = assert_valid_sarif(&out.stdout);
    let ids: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"SC201") && ids.contains(&"E405"), "{ids:?}");
}

/// An alias of compiler errors in `lint.rules` is reported, not accepted silently.
#[test]
fn configuring_an_alias_rule_is_a_warning() {
    let dir = project(
        "version: 1\nlint:\n  rules: { SC204: off }\ntables:\n  t:\n    description: T.\n    columns:\n      id: { type: bigint, primary_key: true }\n",
    );
    let out = schemac(dir.path(), &["lint"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("SC018(alias-rule-configured)")
            && out.stderr.contains("an alias of the compiler error")
            && out.stderr.contains("`E202`: its level cannot be changed"),
        "{}",
        out.stderr
    );
    assert_eq!(schemac(dir.path(), &["lint", "--deny-warnings"]).code, 1);
}

#[test]
fn error_level_findings_fail_and_levels_are_configurable() {
    let model = "version: 1\npreset: supabase\ntables:\n  t:\n    columns:\n      id: { type: bigint, primary_key: true }\n    grants: { anon: [select], service_role: [select] }\n";
    let dir = project(model);
    let out = schemac(dir.path(), &["lint", "--format", "github"]);
    assert_eq!(out.code, 1, "SC401 is an error");
    assert!(out.stdout.contains("title=SC401 rls-disabled"));
    let off = project(&format!("{model}lint:\n  rules: {{ rls-disabled: off }}\n"));
    let out = schemac(off.path(), &["lint"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let warn = project(&format!("{model}lint:\n  rules: {{ SC401: warn }}\n"));
    assert_eq!(schemac(warn.path(), &["lint"]).code, 0);
    assert_eq!(schemac(warn.path(), &["lint", "--deny-warnings"]).code, 1);
    let unexposed = project(&format!("{model}lint:\n  exposed_schemas: [api]\n"));
    assert_eq!(schemac(unexposed.path(), &["lint"]).code, 0);
}

#[test]
fn suppression_without_reason_is_an_error() {
    let dir = project(
        "version: 1\ntables:\n  t:\n    columns: { at: timestamptz }\n    lint: { allow: { SC101: } }\n",
    );
    let out = schemac(dir.path(), &["lint"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("E104"), "{}", out.stderr);
    assert!(out.stderr.contains("has no reason"), "{}", out.stderr);
}

#[test]
fn unknown_lint_key_suggests_the_right_one() {
    let dir = project("version: 1\nlint:\n  exposed_schema: [public]\n");
    let out = schemac(dir.path(), &["lint"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("did you mean `exposed_schemas`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn rule_prints_the_docs_by_code_or_name() {
    let dir = tempfile::tempdir().unwrap();
    let by_code = schemac(dir.path(), &["rule", "SC301"]);
    let by_name = schemac(dir.path(), &["rule", "fk-missing-index"]);
    assert_eq!(by_code.code, 0);
    assert_eq!(by_code.stdout, by_name.stdout);
    let committed = std::fs::read_to_string(root().join("docs/rules/fk-missing-index.md")).unwrap();
    assert_eq!(by_code.stdout, committed);
    let unknown = schemac(dir.path(), &["rule", "fk-missing-indexes"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("did you mean `fk-missing-index`?"));
    let list = schemac(dir.path(), &["rules"]);
    assert_eq!(list.code, 0);
    assert_snapshot!("rules_list", list.stdout);
}

#[test]
fn rules_markdown_writes_what_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    let out = schemac(dir.path(), &["rules", "--markdown", "out"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for entry in std::fs::read_dir(dir.path().join("out")).unwrap() {
        let entry = entry.unwrap();
        let committed = std::fs::read_to_string(root().join("docs/rules").join(entry.file_name()))
            .unwrap_or_default();
        assert_eq!(
            std::fs::read_to_string(entry.path()).unwrap(),
            committed,
            "docs/rules/{} is stale: run `cargo run -- rules --markdown docs/rules`",
            entry.file_name().to_string_lossy()
        );
    }
}

/// Fixtures that belong to work still in progress in the same tree (the DATABASE.md generator);
/// they are linted by the lead once that work lands.
const NOT_YET_CLEAN: &[&str] = &[];

#[test]
fn root_schema_and_model_fixtures_lint_clean() {
    let mut paths = vec![root().join("schema.yaml")];
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| {
            !NOT_YET_CLEAN
                .iter()
                .any(|n| p.file_name().is_some_and(|f| f == *n))
        })
        .collect();
    fixtures.sort();
    paths.extend(fixtures);
    for path in paths {
        let compiled = schemac::compile(&path);
        assert!(compiled.ok(), "{} does not compile", path.display());
        let report = schemac::lint::run(&compiled.model, &compiled.external, &compiled.sources);
        let found: Vec<String> = report
            .findings
            .iter()
            .map(|f| format!("{} {} {}", f.rule.code, f.object, f.message))
            .collect();
        assert!(
            found.is_empty(),
            "{} has findings:\n{}",
            path.display(),
            found.join("\n")
        );
    }
}

/// `build`'s gate runs only the rules at error level: it finds exactly the error-level findings
/// of a full run (suppressions and `lint.rules` levels included), and no others.
#[test]
fn error_only_run_finds_the_errors_of_a_full_run() {
    let models = [
        MODEL.to_string(),
        format!(
            "{MODEL}  open:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n    grants: {{ anon: [select] }}\nlint:\n  rules: {{ SC410: error, SC503: off }}\n"
        ),
    ];
    for (i, text) in models.into_iter().enumerate() {
        let compiled = schemac::compile_sources(&[("schema.yaml".into(), text)]);
        assert!(compiled.ok());
        let args = (
            &compiled.model,
            &compiled.external,
            &compiled.sources,
            &compiled.fragments,
        );
        let key =
            |f: &schemac::lint::Finding| format!("{} {} {}", f.rule.code, f.object, f.message);
        let full: Vec<String> = schemac::lint::run_with(args.0, args.1, args.2, args.3)
            .findings
            .iter()
            .filter(|f| f.level == schemac::lint::Level::Error)
            .map(key)
            .collect();
        let only: Vec<String> = schemac::lint::run_errors(args.0, args.1, args.2, args.3)
            .findings
            .iter()
            .map(key)
            .collect();
        // The second model has errors: SC401 on `open`, SC410 raised to error.
        assert_eq!(full.is_empty(), i == 0, "{full:#?}");
        assert_eq!(only, full);
    }
}
