//! End-to-end tests of the `schemac` binary: exit codes, what is written (and what is not), and
//! the messages, snapshotted with insta. Every test runs in its own temporary folder; the folder's
//! path is replaced by `[TMP]` before snapshotting.

// Test helpers fail with readable panics rather than returning errors; the crate's clippy lints
// only exempt `#[test]` functions themselves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unreachable
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use insta::assert_snapshot;

/// A valid model: two tables with a foreign key, an enum, an index, a check.
const MODEL: &str = "\
version: 1
enums:
  note_state:
    values: [draft, published]
tables:
  authors:
    description: People who write notes.
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      name: { type: text, check: \"char_length(name) > 0\" }
  notes:
    description: A note.
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      author_id: { type: bigint, references: authors.id, on_delete: cascade }
      state: { type: note_state, default: \"'draft'\" }
      body: text
    indexes:
      - { columns: [author_id], why: List an author's notes. }
";

/// The four files `build` writes, relative to the output folder.
const OUTPUTS: [&str; 4] = [
    "migrations/0001_init.sql",
    "migrations/0001_init.down.sql",
    "migrations/schemac.sum",
    "schema.snapshot.json",
];

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Self {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A project with `schema.yaml` holding [`MODEL`].
    fn with_model() -> Self {
        let p = Project::new();
        p.write("schema.yaml", MODEL);
        p
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(path, text).expect("write file");
    }

    fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Run schemac in the project folder with `--color never` appended.
    fn run(&self, args: &[&str]) -> Out {
        self.run_raw(&[args, &["--color", "never"]].concat())
    }

    /// Run schemac in the project folder with exactly these arguments.
    fn run_raw(&self, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_schemac"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .output()
            .expect("run schemac");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: self.clean(&String::from_utf8_lossy(&out.stdout)),
            stderr: self.clean(&String::from_utf8_lossy(&out.stderr)),
        }
    }

    /// Replace the temporary folder's path with `[TMP]` and drop ANSI escapes (checked separately
    /// by `color_never_writes_no_ansi_escapes`, so a colour bug does not churn every snapshot).
    fn clean(&self, text: &str) -> String {
        let mut t = strip_ansi(text);
        for p in [
            self.dir.path().to_path_buf(),
            self.dir
                .path()
                .canonicalize()
                .unwrap_or_else(|_| self.dir.path().to_path_buf()),
        ] {
            t = t.replace(&p.display().to_string(), "[TMP]");
        }
        t
    }

    /// Bytes and modification time of every output file.
    fn outputs(&self, out: &str) -> Vec<(String, Vec<u8>, SystemTime)> {
        OUTPUTS
            .iter()
            .map(|f| {
                let rel = format!("{out}/{f}");
                let meta = std::fs::metadata(self.path(&rel))
                    .unwrap_or_else(|e| panic!("{rel} missing: {e}"));
                (
                    rel.clone(),
                    self.read(&rel),
                    meta.modified().expect("mtime"),
                )
            })
            .collect()
    }

    /// Every file under `rel`, relative to it, sorted.
    fn tree(&self, rel: &str) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else if let Ok(r) = p.strip_prefix(root) {
                    out.push(r.display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.path(rel), &self.path(rel), &mut out);
        out.sort();
        out
    }
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in @..~.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// build

#[test]
fn build_writes_four_files_then_nothing_then_check_passes() {
    let p = Project::with_model();
    let first = p.run(&["build"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.stdout, "");
    assert_snapshot!("build_first", first.stderr);
    assert_eq!(
        p.tree("generated"),
        [
            "er.mmd",
            "migrations/0001_init.down.sql",
            "migrations/0001_init.sql",
            "migrations/schemac.sum",
            "schema.snapshot.json",
        ]
    );
    let up = String::from_utf8(p.read("generated/migrations/0001_init.sql")).expect("utf-8");
    assert!(up.contains("BEGIN;") && up.contains("COMMIT;"), "{up}");
    assert!(up.contains("CREATE TABLE public.notes"), "{up}");
    let before = p.outputs("generated");

    // Long enough for any file system's timestamp granularity to show a rewrite.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = p.run(&["build"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_snapshot!("build_second", second.stderr);
    assert_eq!(
        p.outputs("generated"),
        before,
        "the second build rewrote files"
    );
    assert_eq!(p.tree("generated").len(), 5, "{:?}", p.tree("generated"));

    let check = p.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert_snapshot!("check_ok", check.stderr);
}

#[test]
fn build_honours_schema_and_out() {
    let p = Project::new();
    p.write("models/main.yml", MODEL);
    let out = p.run(&["build", "--schema", "models", "--out", "db/gen"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(p.tree("db/gen").len(), 5, "{:?}", p.tree("db/gen"));
    assert!(!p.path("generated").exists());
    let check = p.run(&["check", "--schema", "models", "--out", "db/gen"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
}

/// Mistakes of the load stage spread over two files, all reported by one run.
const BAD_A: &str = "\
version: 1
tables:
  authors:
    colums:
      id: { type: bigint, primary_key: true }
  notes:
    columns:
      id: { type: bigint, primary_key: yes }
      body: { type: text, nulable: true }
";

const BAD_B: &str = "\
tabels:
  extra: {}
tables:
  tags:
    columns:
      id: { type: bigint, primary_key: true }
      name: [text]
    indexes:
      - { columns: name }
";

fn bad_project() -> Project {
    let p = Project::new();
    p.write("model/a.yaml", BAD_A);
    p.write("model/b.yaml", BAD_B);
    p
}

#[test]
fn errors_in_two_files_are_all_reported_and_nothing_is_written() {
    let p = bad_project();
    let out = p.run(&["build", "--schema", "model"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert_snapshot!(out.stderr);
    assert!(out.stderr.contains("model/a.yaml:") && out.stderr.contains("model/b.yaml:"));
    assert!(!p.path("generated").exists(), "{:?}", p.tree("generated"));
}

#[test]
fn errors_as_json() {
    let p = bad_project();
    let out = p.run(&["build", "--schema", "model", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!p.path("generated").exists());
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["version"], 1, "{json:#}");
    let items = json["diagnostics"].as_array().expect("a JSON array");
    assert!(items.len() >= 6, "{json:#}");
    let mut found = Vec::new();
    for item in items {
        let code = item["code"].as_str().expect("code");
        let file = item["file"].as_str().expect("file");
        let line = item["line"].as_u64().expect("line");
        let column = item["column"].as_u64().expect("column");
        assert!(code.starts_with('E') && code.len() == 4, "{item}");
        assert!(!item["message"].as_str().unwrap_or("").is_empty(), "{item}");
        assert!(!item["help"].as_str().unwrap_or("").is_empty(), "{item}");
        found.push(format!("{file}:{line}:{column} {code}"));
    }
    assert_snapshot!(found.join("\n"));
}

/// The records of a `--format json` run (`{"version": 1, "diagnostics": [...]}`).
fn records(out: &Out) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(doc["version"], 1, "{doc:#}");
    doc["diagnostics"].as_array().expect("diagnostics").clone()
}

/// The record of `code` in a `--format json` run.
fn record_of(out: &Out, code: &str) -> serde_json::Value {
    records(out)
        .into_iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {}", out.stdout))
}

/// One record shape for every command: a compiler error and a lint finding, each from `build`
/// and from `lint`, have the same fields (one Rust type, so one order too), and the same values whichever
/// command reported them.
#[test]
fn compiler_errors_and_lint_findings_are_one_json_shape_in_every_command() {
    let p = Project::new();
    p.write(
        "schema.yaml",
        "version: 1\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      author_id: { type: bigint, references: autors.id }\n",
    );
    let build = p.run(&["build", "--format", "json"]);
    assert_eq!(build.code, 1, "{}", build.stderr);
    let lint = p.run(&["lint", "--format", "json"]);
    assert_eq!(lint.code, 1, "{}", lint.stderr);
    let error = record_of(&build, "E203");
    assert_eq!(error, record_of(&lint, "E203"));
    assert_snapshot!("json_record_compiler_error", format!("{error:#}"));

    // An error-level finding stops `build`, which reports it with the record `lint` gives.
    p.write(
        "schema.yaml",
        "version: 1\ntables:\n  notes:\n    description: Notes.\n    columns:\n      id: { type: bigint, primary_key: true }\n      at: timestamp\n",
    );
    let build = p.run(&["build", "--format", "json"]);
    assert_eq!(build.code, 1, "{}", build.stderr);
    assert!(!p.path("generated").exists());
    let lint = p.run(&["lint", "--format", "json"]);
    assert_eq!(lint.code, 1, "{}", lint.stderr);
    let finding = record_of(&build, "SC201");
    assert_eq!(finding, record_of(&lint, "SC201"));
    assert_snapshot!("json_record_lint_finding", format!("{finding:#}"));

    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().expect("a record").keys().cloned().collect()
    };
    assert_eq!(keys(&error), keys(&finding));
    for r in records(&build).iter().chain(&records(&lint)) {
        assert_eq!(keys(r), keys(&error), "{r:#}");
    }
    assert_eq!(error["category"], "compile");
    assert!(error["object"].is_null());
    assert_eq!(finding["category"], "integrity");
    assert_eq!(finding["object"], "public.notes.at");
}

/// SARIF and GitHub output of a command other than `lint` carry compiler errors as results.
#[test]
fn build_reports_compiler_errors_as_sarif_and_github() {
    let p = bad_project();
    let sarif = p.run(&["build", "--schema", "model", "--format", "sarif"]);
    assert_eq!(sarif.code, 1, "{}", sarif.stderr);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("one SARIF log");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    for r in results {
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert_eq!(r["properties"]["category"], "compile");
    }
    let github = p.run(&["build", "--schema", "model", "--format", "github"]);
    assert_eq!(
        github
            .stdout
            .lines()
            .filter(|l| l.starts_with("::error file=model/"))
            .count(),
        results.len(),
        "{}",
        github.stdout
    );
}

/// A command with nothing to report prints an empty document in `--format json`, and nothing
/// but the document on stdout.
#[test]
fn a_clean_run_prints_an_empty_document() {
    let p = Project::with_model();
    let build = p.run(&["build", "--format", "json"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert!(build.stderr.contains("written"), "{}", build.stderr);
    let check = p.run(&["check", "--format", "json"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert_eq!(
        check.stdout,
        "{\n  \"version\": 1,\n  \"diagnostics\": []\n}\n"
    );
    let plan = p.run(&["plan", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.ends_with("}\n"), "{:?}", plan.stdout);
    let doc: serde_json::Value = serde_json::from_str(&plan.stdout).expect("plan json");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["migrations"], serde_json::json!([]));
}

#[test]
fn missing_schema_is_a_usage_error() {
    let p = Project::new();
    let out = p.run(&["build"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_snapshot!(out.stderr);
    assert!(!p.path("generated").exists());

    let out = p.run(&["build", "--schema", "nope.yaml", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    let items = json["diagnostics"].as_array().expect("a JSON array");
    assert_eq!(items.len(), 1, "{json:#}");
    let item = &items[0];
    assert_eq!(item["code"], "E100");
    assert_eq!(item["file"], "nope.yaml");
    assert!(
        item.get("line").is_some_and(serde_json::Value::is_null),
        "{item}"
    );
    assert!(
        item.get("column").is_some_and(serde_json::Value::is_null),
        "{item}"
    );
}

#[test]
fn empty_schema_folder_is_a_usage_error() {
    let p = Project::new();
    std::fs::create_dir_all(p.path("model")).expect("mkdir");
    let out = p.run(&["build", "--schema", "model"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_snapshot!(out.stderr);
}

#[test]
fn check_with_missing_schema_is_a_usage_error() {
    // src/cli/mod.rs: "2 usage or I/O failure" — `build` does this, `check` should too.
    let p = Project::new();
    let out = p.run(&["check"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn build_refuses_an_unacknowledged_risky_change_and_writes_nothing() {
    let p = Project::with_model();
    assert_eq!(p.run(&["build"]).code, 0);
    let before = p.outputs("generated");
    // A NOT NULL column without a default on an existing table: SC604, an error.
    p.write(
        "schema.yaml",
        &MODEL.replace(
            "      body: text\n",
            "      body: text\n      title: text\n",
        ),
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("SC604"), "{}", out.stderr);
    assert!(out.stderr.contains("E405"), "{}", out.stderr);
    assert_snapshot!(out.stderr);
    assert_eq!(p.outputs("generated"), before);
    assert_eq!(p.tree("generated").len(), 5, "{:?}", p.tree("generated"));
    // Acknowledged on the command line, it is written (and the first migration is untouched).
    let out = p.run(&[
        "build",
        "--allow",
        "add-required-column",
        "--name",
        "Add title",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        p.tree("generated")
            .contains(&"migrations/0002_add_title.sql".to_string()),
        "{:?}",
        p.tree("generated")
    );
    assert_eq!(
        p.read("generated/migrations/0001_init.sql"),
        before
            .iter()
            .find(|(n, _, _)| n == "generated/migrations/0001_init.sql")
            .map(|(_, b, _)| b.clone())
            .unwrap_or_default()
    );
    assert_eq!(p.run(&["check"]).code, 0);
}

/// `build` is secure by default: an exposed table that clients may read without row level
/// security (SC401, an error) stops it before anything is written, like a risky change; a
/// suppression with a reason in the model lets it through.
#[test]
fn build_refuses_an_error_level_lint_finding_unless_suppressed() {
    let p = Project::new();
    let model = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n    grants: { anon: [select], service_role: [select] }\nALLOW";
    p.write("schema.yaml", &model.replace("ALLOW", ""));
    let out = p.run(&["build"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("SC401"), "{}", out.stderr);
    assert_snapshot!(out.stderr);
    assert!(p.tree("generated").is_empty(), "{:?}", p.tree("generated"));
    p.write(
        "schema.yaml",
        &model.replace(
            "ALLOW",
            "    lint: { allow: { rls-disabled: \"public reference data, read-only\" } }\n",
        ),
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        p.tree("generated")
            .contains(&"migrations/0001_init.sql".to_string())
    );
}

#[test]
fn plan_shows_the_next_migration_and_writes_nothing_then_build_writes_it() {
    let p = Project::with_model();
    assert_eq!(p.run(&["build"]).code, 0);
    p.write(
        "schema.yaml",
        &MODEL.replace(
            "      body: text\n",
            "      body: text\n      title: { type: text, nullable: true }\n",
        ),
    );
    let before = p.tree("generated");
    let plan = p.run(&["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert_eq!(p.tree("generated"), before);
    assert_snapshot!("plan_human_stdout", plan.stdout);
    let json = p.run(&["plan", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan json");
    assert_eq!(v["changes"][0]["kind"], "add_column");
    assert_eq!(v["migrations"][0]["name"], "0002_add_column_notes_title");
    assert_snapshot!("plan_json", json.stdout);
    // The model now differs from the snapshot: check names the pending change (E402).
    let check = p.run(&["check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(check.stderr.contains("E402"), "{}", check.stderr);
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let up = String::from_utf8(p.read("generated/migrations/0002_add_column_notes_title.sql"))
        .expect("utf-8");
    assert_eq!(up, v["migrations"][0]["up"].as_str().unwrap_or_default());
    assert_eq!(p.run(&["check"]).code, 0);
    assert!(p.run(&["build"]).stderr.contains("up to date"));
}

#[test]
fn lint_reports_migration_safety_findings_of_the_pending_change() {
    let p = Project::with_model();
    assert_eq!(p.run(&["build"]).code, 0);
    p.write("schema.yaml", &MODEL.replace("      body: text\n", ""));
    let out = p.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("\"SC601\""), "{}", out.stdout);
    assert!(out.stdout.contains("public.notes.body"), "{}", out.stdout);
    // Acknowledged in the model, with a reason: clean.
    p.write(
        "schema.yaml",
        &format!(
            "{}migrations:\n  acknowledge:\n    - {{ rule: destructive-drop, object: public.notes.body, reason: moved to bodies }}\n",
            MODEL.replace("      body: text\n", "")
        ),
    );
    let out = p.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(!out.stdout.contains("SC601"), "{}", out.stdout);
    // Once the migration is written, the acknowledgement approves nothing: SC001, info.
    assert_eq!(p.run(&["build"]).code, 0);
    let out = p.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("lint json");
    let stale: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter(|f| f["code"] == "SC001")
        .collect();
    assert_eq!(stale.len(), 1, "{json:#}");
    assert_eq!(stale[0]["severity"], "info", "{json:#}");
    assert!(
        stale[0]["help"]
            .as_str()
            .unwrap_or("")
            .contains("remove the acknowledgement"),
        "{json:#}"
    );
    let human = p.run(&["lint", "--show-info"]);
    assert!(human.stderr.contains("SC001"), "{}", human.stderr);
}

#[test]
fn supabase_layout_writes_fourteen_digit_versions_and_downs_apart() {
    let p = Project::with_model();
    p.write(
        "schema.yaml",
        &format!("{MODEL}migrations: {{ layout: supabase }}\n"),
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Only migrations in the folder the Supabase CLI reads: schemac.sum is in generated/.
    assert_eq!(
        p.tree("supabase"),
        [
            "migrations/00000000000001_init.sql",
            "migrations/down/00000000000001_init.down.sql",
        ]
    );
    let sum = String::from_utf8(p.read("generated/schemac.sum")).unwrap();
    let names: Vec<&str> = sum
        .lines()
        .skip(1)
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert_eq!(
        names,
        [
            "00000000000001_init.sql",
            "down/00000000000001_init.down.sql",
            "schema.snapshot.json"
        ]
    );
    let md = String::from_utf8(p.read("docs/DATABASE.md")).unwrap();
    let section = md
        .split("## Migrations")
        .nth(1)
        .unwrap()
        .split("**Zero-downtime notes**")
        .next()
        .unwrap();
    assert!(!section.contains("generated/migrations"), "{section}");
    assert!(!section.contains("copy each up file"), "{section}");
    assert_snapshot!("supabase_layout_database_md_migrations", section);
    assert_eq!(p.run(&["check"]).code, 0);
}

#[test]
fn supabase_layout_versions_follow_the_projects_own_migrations() {
    let p = Project::with_model();
    p.write(
        "schema.yaml",
        &format!("{MODEL}migrations: {{ layout: supabase }}\n"),
    );
    // Migrations the project had before schemac, applied by the Supabase CLI.
    p.write(
        "supabase/migrations/20240101120000_legacy.sql",
        "create table legacy (id int);\n",
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        p.tree("supabase")
            .contains(&"migrations/20240101120001_init.sql".to_string()),
        "{:?}",
        p.tree("supabase")
    );
    // The project's own file is recorded too: editing it is caught like any migration.
    assert_eq!(p.run(&["check"]).code, 0);
    p.write(
        "supabase/migrations/20240101120000_legacy.sql",
        "create table legacy (id bigint);\n",
    );
    let edited = p.run(&["check"]);
    assert_eq!(edited.code, 1, "{}", edited.stderr);
    assert!(
        edited.stderr.contains("20240101120000_legacy.sql"),
        "{}",
        edited.stderr
    );
    p.write(
        "supabase/migrations/20240101120000_legacy.sql",
        "create table legacy (id int);\n",
    );
    // A second migration: an index on an existing table is built in the transaction (the
    // Supabase CLI runs each file in one), so SC607 asks for an acknowledgement and no
    // `_concurrently` file is written.
    p.write(
        "schema.yaml",
        &format!(
            "{}migrations: {{ layout: supabase }}\n",
            MODEL.replace(
                "      - { columns: [author_id], why: List an author's notes. }\n",
                "      - { columns: [author_id], why: List an author's notes. }\n      - { columns: [body], why: Search notes. }\n"
            )
        ),
    );
    let refused = p.run(&["build"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("SC607"), "{}", refused.stderr);
    let out = p.run(&["build", "--allow", "SC607"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let tree = p.tree("supabase");
    assert!(
        tree.contains(
            &"migrations/20240101120002_create_index_notes_notes_body_idx.sql".to_string()
        ) && !tree.iter().any(|f| f.contains("concurrently")),
        "{tree:?}"
    );
}

#[test]
fn switching_to_the_supabase_layout_names_the_real_cause() {
    let p = Project::with_model();
    assert_eq!(p.run(&["build"]).code, 0);
    p.write(
        "schema.yaml",
        &format!("{MODEL}migrations: {{ layout: supabase }}\n"),
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains("checksum file is missing"),
        "{}",
        out.stderr
    );
    assert_snapshot!(out.stderr);
}

// ---------------------------------------------------------------------------------------------
// check

fn built() -> Project {
    let p = Project::with_model();
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    p
}

#[test]
fn check_fails_after_hand_editing_the_migration() {
    let p = built();
    let path = "generated/migrations/0001_init.sql";
    let mut text = p.read(path);
    text.extend_from_slice(b"-- a hand edit\n");
    std::fs::write(p.path(path), text).expect("edit");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("0001_init.sql"), "{}", out.stderr);
    assert_snapshot!(out.stderr);
}

#[test]
fn check_fails_when_the_checksum_file_is_deleted() {
    let p = built();
    std::fs::remove_file(p.path("generated/migrations/schemac.sum")).expect("rm");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_snapshot!(out.stderr);
}

#[test]
fn check_fails_when_the_down_migration_is_deleted() {
    let p = built();
    std::fs::remove_file(p.path("generated/migrations/0001_init.down.sql")).expect("rm");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("0001_init.down.sql"), "{}", out.stderr);
}

#[test]
fn check_fails_on_a_changed_model() {
    let p = built();
    p.write(
        "schema.yaml",
        &MODEL.replace("People who write notes.", "People who write."),
    );
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_snapshot!(out.stderr);
}

#[test]
fn check_fails_on_an_empty_out_dir() {
    let p = Project::with_model();
    std::fs::create_dir_all(p.path("generated")).expect("mkdir");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E404"), "{}", out.stderr);
    assert_snapshot!(out.stderr);
}

#[test]
fn check_fails_on_model_errors() {
    let p = bad_project();
    let out = p.run(&["check", "--schema", "model"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E102"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Command line

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let p = Project::with_model();
    let out = p.run_raw(&["frobnicate"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_snapshot!(out.stderr);
}

#[test]
fn bad_flag_is_a_usage_error() {
    let p = Project::with_model();
    let out = p.run_raw(&["build", "--no-such-flag"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_snapshot!(out.stderr);
    let out = p.run_raw(&["build", "--format", "xml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = p.run_raw(&[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!p.path("generated").exists());
}

#[test]
fn color_never_writes_no_ansi_escapes() {
    let p = bad_project();
    let out = Command::new(env!("CARGO_BIN_EXE_schemac"))
        .args(["build", "--schema", "model", "--color", "never"])
        .current_dir(p.dir.path())
        .output()
        .expect("run schemac");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.is_empty());
    assert!(
        !stderr.contains('\u{1b}'),
        "--color never printed ANSI escapes:\n{stderr:?}"
    );
}

/// The repository's own first migration was written before the session settings were pinned: it
/// is never rewritten and `check` keeps accepting it; a new build writes the pinned settings.
#[test]
fn check_accepts_a_first_migration_written_before_the_settings_were_pinned() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = Project::new();
    p.write(
        "schema.yaml",
        &std::fs::read_to_string(root.join("schema.yaml")).unwrap(),
    );
    for file in [
        "generated/migrations/0001_init.sql",
        "generated/migrations/0001_init.down.sql",
        "generated/migrations/schemac.sum",
        "generated/schema.snapshot.json",
        "docs/DATABASE.md",
    ] {
        p.write(file, &std::fs::read_to_string(root.join(file)).unwrap());
    }
    for entry in std::fs::read_dir(root.join("generated/er")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        p.write(
            &format!("generated/er/{name}"),
            &std::fs::read_to_string(&path).unwrap(),
        );
    }
    p.write(
        "generated/er.mmd",
        &std::fs::read_to_string(root.join("generated/er.mmd")).unwrap(),
    );
    let committed = p.read("generated/migrations/0001_init.sql");
    assert!(!String::from_utf8_lossy(&committed).contains("standard_conforming_strings"));
    let check = p.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    // `build` leaves it alone.
    assert_eq!(p.run(&["build"]).code, 0);
    assert_eq!(p.read("generated/migrations/0001_init.sql"), committed);
    // A first migration built now has the settings pinned, and passes check too.
    let fresh = Project::new();
    fresh.write(
        "schema.yaml",
        &std::fs::read_to_string(root.join("schema.yaml")).unwrap(),
    );
    assert_eq!(fresh.run(&["build"]).code, 0);
    let up = String::from_utf8(fresh.read("generated/migrations/0001_init.sql")).unwrap();
    assert!(up.contains(
        "SET LOCAL standard_conforming_strings = on;\nSET LOCAL client_encoding = 'UTF8';\n"
    ));
    assert_eq!(fresh.run(&["check"]).code, 0);
}

/// A name holding an escape sequence reaches the terminal escaped, even in a snippet.
#[test]
fn control_characters_in_names_never_reach_the_terminal() {
    let p = Project::new();
    p.write(
        "schema.yaml",
        "version: 1\ntables:\n  \"t\\e]0;title\\a\\e[2J\":\n    columns:\n      \"c\\e[31m\": text\n      \"d\\u202e\": text\n",
    );
    for color in ["never", "always"] {
        let out = Command::new(env!("CARGO_BIN_EXE_schemac"))
            .args(["build", "--color", color])
            .current_dir(p.dir.path())
            .output()
            .expect("run schemac");
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("E208"), "{stderr}");
        assert!(
            stderr.contains("t\\u{1b}]0;title\\u{7}\\u{1b}[2J"),
            "{stderr}"
        );
        assert!(stderr.contains("d\\u{202e}"), "{stderr}");
        assert!(
            !stderr.contains('\u{7}') && !stderr.contains('\u{202e}'),
            "{stderr:?}"
        );
        if color == "never" {
            assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
        }
    }
    assert!(!p.path("generated").exists());
}

// ---------------------------------------------------------------------------------------------
// Templates

const CUSTOM_TEMPLATE: &str = "\
-- custom layout for {{ name }}{% if down %} (down){% endif %}
BEGIN;
{% for step in steps %}{% for stmt in step.stmts %}{{ stmt }}
{% endfor %}{% endfor %}COMMIT;
";

#[test]
fn template_override_is_used() {
    let p = Project::with_model();
    p.write("my-templates/migration.sql.j2", CUSTOM_TEMPLATE);
    let out = p.run(&["build", "--templates", "my-templates"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let up = String::from_utf8(p.read("generated/migrations/0001_init.sql")).expect("utf-8");
    let down = String::from_utf8(p.read("generated/migrations/0001_init.down.sql")).expect("utf-8");
    assert!(up.starts_with("-- custom layout for 0001_init\n"), "{up}");
    assert!(
        down.starts_with("-- custom layout for 0001_init (down)\n"),
        "{down}"
    );
    assert!(up.contains("CREATE TABLE public.notes"), "{up}");
    // `check` with the same override agrees; without it, the files differ from the built-in
    // layout.
    let ok = p.run(&["check", "--templates", "my-templates"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let stale = p.run(&["check", "--templates", "none-here"]);
    assert_eq!(stale.code, 1, "{}", stale.stderr);
}

#[test]
fn default_templates_folder_is_used_when_present() {
    let p = Project::with_model();
    p.write("templates/migration.sql.j2", CUSTOM_TEMPLATE);
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let up = String::from_utf8(p.read("generated/migrations/0001_init.sql")).expect("utf-8");
    assert!(up.starts_with("-- custom layout"), "{up}");
}

#[test]
fn template_with_a_syntax_error_writes_nothing() {
    let p = Project::with_model();
    p.write(
        "my-templates/migration.sql.j2",
        "-- {{ name }}\n{% for step in steps %}\n{{ step.comment }\n",
    );
    let out = p.run(&["build", "--templates", "my-templates"]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("migration.sql.j2"), "{}", out.stderr);
    assert_snapshot!(out.stderr);
    assert!(!p.path("generated").exists(), "{:?}", p.tree("generated"));
}

#[test]
fn template_using_an_undefined_variable_writes_nothing() {
    let p = Project::with_model();
    p.write(
        "my-templates/migration.sql.j2",
        "-- {{ no_such_variable }}\n",
    );
    let out = p.run(&["build", "--templates", "my-templates"]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("no_such_variable") || out.stderr.contains("undefined"));
    assert!(!p.path("generated").exists(), "{:?}", p.tree("generated"));
}

// ---------------------------------------------------------------------------------------------
// check: tampering with a history of several migrations (issue #5)

/// A project built twice: `0001_init` and a second migration for an added column.
fn built_twice() -> (Project, String) {
    let p = built();
    p.write(
        "schema.yaml",
        &MODEL.replace(
            "      body: text\n",
            "      body: text\n      title: { type: text, nullable: true }\n",
        ),
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let second = p
        .tree("generated")
        .into_iter()
        .map(|f| f.to_string())
        .find(|f| f.starts_with("migrations/0002_") && !f.ends_with(".down.sql"))
        .expect("a second migration");
    let second = second.trim_start_matches("migrations/").to_string();
    assert_eq!(p.run(&["check"]).code, 0, "a fresh build checks clean");
    (p, second)
}

#[test]
fn check_reports_e402_for_a_model_change_not_built() {
    let (p, _) = built_twice();
    p.write(
        "schema.yaml",
        &MODEL.replace(
            "      body: text\n",
            "      body: text\n      title: { type: text, nullable: true }\n      subtitle: { type: text, nullable: true }\n",
        ),
    );
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E402"), "{}", out.stderr);
    assert!(!out.stderr.contains("E401"), "{}", out.stderr);
}

#[test]
fn check_names_an_edited_later_migration() {
    let (p, second) = built_twice();
    let path = format!("generated/migrations/{second}");
    let text = String::from_utf8(p.read(&path)).expect("utf-8");
    std::fs::write(
        p.path(&path),
        text.replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS"),
    )
    .expect("edit");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E401"), "{}", out.stderr);
    assert!(out.stderr.contains(&second), "{}", out.stderr);
}

#[test]
fn check_names_a_deleted_migration() {
    let (p, second) = built_twice();
    std::fs::remove_file(p.path(&format!("generated/migrations/{second}"))).expect("rm");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E401"), "{}", out.stderr);
    assert!(out.stderr.contains(&second), "{}", out.stderr);
}

#[test]
fn check_names_reordered_migrations() {
    // Swap the numbers of the two migrations (up and down files): same contents, new order.
    let (p, second) = built_twice();
    let dir = p.path("generated/migrations");
    let second_down = second.replace(".sql", ".down.sql");
    let swapped_first = second.replacen("0002_", "0001_", 1);
    let swapped_second = "0002_init.sql".to_string();
    let moves = [
        ("0001_init.sql", "tmp_a.sql"),
        ("0001_init.down.sql", "tmp_a.down.sql"),
        (second.as_str(), swapped_first.as_str()),
        (
            second_down.as_str(),
            &swapped_first.replace(".sql", ".down.sql"),
        ),
        ("tmp_a.sql", swapped_second.as_str()),
        ("tmp_a.down.sql", "0002_init.down.sql"),
    ];
    for (from, to) in moves {
        std::fs::rename(dir.join(from), dir.join(to)).expect("rename");
    }
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E401"), "{}", out.stderr);
    assert!(
        out.stderr.contains("0001_init.sql") || out.stderr.contains(&swapped_first),
        "the diagnostic names a moved file: {}",
        out.stderr
    );
}

#[test]
fn check_reports_a_first_migration_this_version_would_write_differently() {
    let p = Project::with_model();
    assert_eq!(p.run(&["build"]).code, 0);
    // What an older schemac might have written: different text, with a checksum file that
    // matches it, so only comparing with a fresh rendering finds it.
    let up = "generated/migrations/0001_init.sql";
    let text = String::from_utf8(p.read(up)).expect("utf-8");
    p.write(up, &text.replace("BEGIN;", "BEGIN; -- older layout"));
    let files: Vec<(String, Vec<u8>)> = ["0001_init.down.sql", "0001_init.sql"]
        .iter()
        .map(|n| (n.to_string(), p.read(&format!("generated/migrations/{n}"))))
        .collect();
    let snapshot = String::from_utf8(p.read("generated/schema.snapshot.json")).expect("utf-8");
    p.write(
        "generated/migrations/schemac.sum",
        &schemac::migrations::sum_text(&files, &snapshot),
    );
    let check = p.run(&["check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    // Only the edited up migration is reported, not the untouched down migration.
    assert_snapshot!("check_first_migration_differs", check.stderr);
}

#[test]
fn plan_shows_the_sql_build_would_refuse_with_the_blocking_findings() {
    let p = Project::with_model();
    assert_eq!(p.run(&["build"]).code, 0);
    let before = p.outputs("generated");
    p.write(
        "schema.yaml",
        &MODEL.replace(
            "      body: text\n",
            "      body: text\n      title: text\n",
        ),
    );
    let out = p.run(&["plan"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("ADD COLUMN title text NOT NULL"),
        "{}",
        out.stdout
    );
    assert_snapshot!("plan_refused_stdout", out.stdout);
    assert_snapshot!("plan_refused_stderr", out.stderr);
    let json = p.run(&["plan", "--format", "json"]);
    assert_eq!(json.code, 1, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["refused"], serde_json::Value::Bool(true));
    assert_eq!(doc["migrations"].as_array().unwrap().len(), 1);
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"SC604") && codes.contains(&"E405"),
        "{codes:?}"
    );
    assert_eq!(p.outputs("generated"), before);
}

#[test]
fn build_warns_about_a_policy_without_to() {
    let p = Project::with_model();
    p.write(
        "schema.yaml",
        &format!(
            "{MODEL}    rls:\n      policies:\n        anyone_reads: {{ for: select, using: \"true\" }}\n"
        ),
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("SC409"), "{}", out.stderr);
    assert!(
        String::from_utf8(p.read("generated/migrations/0001_init.sql"))
            .unwrap()
            .contains("TO PUBLIC")
    );
    // A later migration that does not touch the policy does not repeat the warning.
    p.write(
        "schema.yaml",
        &format!(
            "{}    rls:\n      policies:\n        anyone_reads: {{ for: select, using: \"true\" }}\n",
            MODEL.replace(
                "      body: text\n",
                "      body: text\n      title: { type: text, nullable: true }\n"
            )
        ),
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("SC409"), "{}", out.stderr);
    // Saying `to: [public]` is a choice: no warning.
    let q = Project::with_model();
    q.write(
        "schema.yaml",
        &format!(
            "{MODEL}    rls:\n      policies:\n        anyone_reads: {{ for: select, to: [public], using: \"true\" }}\n"
        ),
    );
    let out = q.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("SC409"), "{}", out.stderr);
}

#[test]
fn a_table_declared_in_two_files_has_no_stray_error_line() {
    let p = Project::new();
    p.write(
        "model/a.yaml",
        "version: 1\ntables:\n  todos:\n    description: Things to do.\n    columns:\n      id: { type: bigint, identity: always, primary_key: true }\n",
    );
    p.write(
        "model/b.yaml",
        "tables:\n  todos:\n    description: Things to do again.\n    columns:\n      id: { type: bigint, identity: always, primary_key: true }\n",
    );
    let out = p.run(&["build", "--schema", "model"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("Error:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("note: first declared here"),
        "{}",
        out.stderr
    );
    assert_snapshot!(out.stderr);
}

#[test]
fn a_schemac_sum_left_in_supabase_migrations_is_still_checked() {
    let p = Project::with_model();
    p.write(
        "schema.yaml",
        &format!("{MODEL}migrations: {{ layout: supabase }}\n"),
    );
    assert_eq!(p.run(&["build"]).code, 0);
    // What an earlier schemac wrote: the checksum file inside supabase/migrations/, naming the
    // snapshot `../schema.snapshot.json`.
    let up = "00000000000001_init.sql";
    let down = "down/00000000000001_init.down.sql";
    let files = [
        (up, p.read(&format!("supabase/migrations/{up}"))),
        (down, p.read(&format!("supabase/migrations/{down}"))),
    ];
    let snapshot = String::from_utf8(p.read("generated/schema.snapshot.json")).unwrap();
    let legacy =
        schemac::migrations::sum_entries(files.iter().map(|(n, b)| (*n, b.as_slice())), &snapshot);
    std::fs::remove_file(p.path("generated/schemac.sum")).unwrap();
    p.write("supabase/migrations/schemac.sum", &legacy);
    let check = p.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    p.write(&format!("supabase/migrations/{up}"), "-- edited\n");
    let edited = p.run(&["check"]);
    assert_eq!(edited.code, 1, "{}", edited.stderr);
    assert!(
        edited.stderr.contains("supabase/migrations/schemac.sum"),
        "{}",
        edited.stderr
    );
}

#[test]
fn plan_shows_the_access_diff_and_a_widening_needs_an_acknowledgement() {
    let news = "version: 1\npreset: supabase\ntables:\n  news:\n    columns:\n      id: { type: bigint, primary_key: true }\n    grants: { authenticated: [select] }\n    rls:\n      policies:\n        read: { for: select, to: [authenticated], using: \"true\" }\n";
    let p = Project::new();
    p.write("schema.yaml", news);
    assert_eq!(p.run(&["build"]).code, 0);
    // SELECT granted to anon: every row of `news` opens to the Data API.
    let opened = news
        .replace(
            "    grants: { authenticated: [select] }\n",
            "    grants: { anon: [select], authenticated: [select] }\n",
        )
        .replace("to: [authenticated]", "to: [anon, authenticated]");
    p.write("schema.yaml", &opened);
    let md = p.run(&["plan", "--format", "markdown"]);
    assert_eq!(md.code, 1, "{}", md.stderr);
    assert!(md.stderr.contains("SC612"), "{}", md.stderr);
    assert_snapshot!("plan_access_markdown", md.stdout);
    let human = p.run(&["plan"]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(
        human
            .stdout
            .contains("opened    anon SELECT on public.news"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("GET /rest/v1/news"),
        "{}",
        human.stdout
    );
    let before = p.tree("generated");
    assert_eq!(p.run(&["build"]).code, 1);
    assert_eq!(p.tree("generated"), before);
    // Acknowledged (SC612, and SC611, which sees the grant and the policy's new role), it is
    // written.
    p.write(
        "schema.yaml",
        &format!(
            "{opened}migrations:\n  acknowledge:\n    - {{ rule: access-widened, object: public.news, reason: news are public }}\n    - {{ rule: access-weakened, object: public.news, reason: news are public }}\n    - {{ rule: access-weakened, object: public.news.read, reason: anon reads news }}\n"
        ),
    );
    let json = p.run(&["plan", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan json");
    assert_eq!(v["access"][0]["movement"], "opened", "{v:#}");
    assert_eq!(v["access"][0]["path"], "GET /rest/v1/news", "{v:#}");
    let built = p.run(&["build"]);
    assert_eq!(built.code, 0, "{}", built.stderr);
}

/// The snapshot does not keep the `supabase:` settings (they describe the platform, not the
/// schema): on an auto-exposing project, the access before a change is judged with them too, so
/// adding a column widens nothing. It used to read the snapshot's tables as closed to every
/// client and report SC612 on each, and `build` refused the change.
#[test]
fn an_auto_exposing_project_adds_a_column_without_access_findings() {
    let model = "version: 1\npreset: supabase\nsupabase: { auto_expose_new_tables: true }\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      owner: { type: uuid, references: auth.users.id }\n    indexes:\n      - { columns: [owner] }\n    revoke: { anon: [all] }\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"(select auth.uid()) = owner\" }\n";
    let p = Project::new();
    p.write("schema.yaml", model);
    let first = p.run(&["build"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    p.write(
        "schema.yaml",
        &model.replace(
            "      owner: { type: uuid",
            "      body: { type: text, nullable: true }\n      owner: { type: uuid",
        ),
    );
    let plan = p.run(&["plan"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(!plan.stderr.contains("SC612"), "{}", plan.stderr);
    assert!(!plan.stdout.contains("opened"), "{}", plan.stdout);
    let second = p.run(&["build"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(!second.stderr.contains("SC612"), "{}", second.stderr);
}
