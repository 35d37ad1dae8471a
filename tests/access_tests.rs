//! `schemac test` against the PostgreSQL at `DATABASE_URL`: the root schema's access tests pass,
//! failing tests point at their YAML, derived isolation tests catch a broken policy, JSON output,
//! and the pgTAP files run with `pg_prove` and agree with `schemac test`.
//!
//! The pgTAP agreement test needs `pg_prove` and the pgTAP extension (Debian:
//! postgresql-15-pgtap); without them it is skipped and the skip recorded (see `tests/skip/mod.rs`;
//! `scripts/with-postgres.sh` lists it after the run), unless `SCHEMAC_REQUIRE_PGTAP=1` (as in
//! `.ci/run`), when it fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod skip;
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use insta::{assert_json_snapshot, assert_snapshot};
use support::{TestDb, schemac};

/// The root schema with `from` replaced by `to`, built into a temporary folder.
struct Variant {
    dir: tempfile::TempDir,
}

impl Variant {
    fn new(from: &str, to: &str) -> Variant {
        let root = std::fs::read_to_string("schema.yaml").unwrap();
        assert!(root.contains(from), "{from} not in schema.yaml");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("schema.yaml"), root.replacen(from, to, 1)).unwrap();
        let v = Variant { dir };
        let built = schemac(&[
            "build",
            "--schema",
            &v.schema(),
            "--out",
            &v.out(),
            "--docs",
            &v.path("DATABASE.md"),
        ]);
        assert_eq!(built.code, 0, "{}", built.stderr);
        v
    }
    fn path(&self, p: &str) -> String {
        self.dir.path().join(p).to_str().unwrap().to_string()
    }
    fn schema(&self) -> String {
        self.path("schema.yaml")
    }
    fn out(&self) -> String {
        self.path("generated")
    }
    fn redact(&self, s: &str) -> String {
        s.replace(&self.schema(), "[TMP]/schema.yaml")
    }
}

/// The policy whose break the derived tests must catch.
const PROJECTS_SELECT: &str = "        projects_select_own:
          for: select
          to: [authenticated]
          using: \"(select auth.uid()) = user_id\"";
const PROJECTS_SELECT_BROKEN: &str = "        projects_select_own:
          for: select
          to: [authenticated]
          using: \"(select auth.uid()) = user_id or true\"";

#[test]
fn root_schema_access_tests_pass() {
    let out = schemac(&["test", "--database-url", &support::admin_url()]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_snapshot!(out.stdout);
}

#[test]
fn root_schema_access_tests_as_json() {
    let out = schemac(&[
        "test",
        "--database-url",
        &support::admin_url(),
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_json_snapshot!(v);
}

#[test]
fn failing_declared_tests_point_at_their_step() {
    // Two wrong expectations: Bob's jobs are not Alice's, and Alice cannot see Bob's profile.
    let v = Variant::new(
        "            expect:\n              rows: [{ prompt: Add a login screen }]",
        "            expect:\n              rows: [{ prompt: Add emoji reactions }]",
    );
    let out = schemac(&[
        "test",
        "--schema",
        &v.schema(),
        "--out",
        &v.out(),
        "--no-derived",
        "--database-url",
        &support::admin_url(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_snapshot!(v.redact(&out.stdout));
    // In JSON and GitHub output the failures are diagnostic records (E507), as in every command.
    for format in ["json", "github"] {
        let out = schemac(&[
            "test",
            "--schema",
            &v.schema(),
            "--out",
            &v.out(),
            "--no-derived",
            "--database-url",
            &support::admin_url(),
            "--format",
            format,
        ]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        if format == "json" {
            let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            assert_eq!(doc["version"], 1);
            let failures = doc["diagnostics"].as_array().unwrap();
            assert!(!failures.is_empty(), "{doc:#}");
            assert_eq!(
                Some(failures.len() as u64),
                doc["failed"].as_u64(),
                "{doc:#}"
            );
            for f in failures {
                assert_eq!(f["code"], "E507", "{f:#}");
                assert_eq!(f["category"], "compile", "{f:#}");
                assert!(f["line"].as_u64().is_some(), "{f:#}");
            }
        } else {
            assert!(
                out.stdout.lines().all(|l| l.starts_with("::error "))
                    && out.stdout.contains("title=E507 access-test-failed"),
                "{}",
                out.stdout
            );
            assert!(out.stderr.contains("test result: FAILED"), "{}", out.stderr);
        }
    }
}

#[test]
fn derived_isolation_tests_catch_a_broken_policy() {
    let v = Variant::new(PROJECTS_SELECT, PROJECTS_SELECT_BROKEN);
    let out = schemac(&[
        "test",
        "--schema",
        &v.schema(),
        "--out",
        &v.out(),
        "--database-url",
        &support::admin_url(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_snapshot!(v.redact(&out.stdout));
}

#[test]
fn bad_test_yaml_is_reported_at_load() {
    let c = schemac::compile_sources(&[(
        "schema.yaml".to_string(),
        "version: 1
tables:
  notes:
    columns:
      id: { type: bigint, primary_key: true }
    tests:
      t:
        steps:
          - { sql: select 1, expect: maybe }
          - { sql: select 1, expect: { rows: many } }
          - { sql: select 1, expct: allowed }
"
        .to_string(),
    )]);
    let sorted = c.diagnostics.sorted();
    let text = schemac::diagnostics::report::human(
        &sorted,
        &c.sources,
        schemac::diagnostics::report::Style::Plain,
        100,
    );
    assert_snapshot!(text);
}

#[test]
fn unreachable_server_is_e504() {
    let out = schemac(&[
        "test",
        "--database-url",
        "postgres://postgres@127.0.0.1:1/postgres?connect_timeout=3",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("E504"), "{}", out.stderr);
}

fn emit(schema: &str, dir: &Path) {
    let out = schemac(&[
        "test",
        "--schema",
        schema,
        "--emit",
        "pgtap",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn pgtap_files_of_the_root_schema() {
    let tmp = tempfile::tempdir().unwrap();
    emit("schema.yaml", tmp.path());
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut all = String::new();
    for n in &names {
        all.push_str(&format!("==> {n} <==\n"));
        all.push_str(&std::fs::read_to_string(tmp.path().join(n)).unwrap());
    }
    assert_snapshot!(all);
}

fn pgtap_available(db: &mut TestDb) -> Result<(), String> {
    let has_prove = Command::new("pg_prove").arg("--version").output().is_ok();
    if !has_prove {
        return Err("pg_prove is not installed (Debian: postgresql-15-pgtap / libtap-parser-sourcehandler-pgtap-perl)".into());
    }
    db.apply("create extension if not exists pgtap")
        .map_err(|e| format!("the pgtap extension is not available: {e}"))
}

/// `pg_prove` per file: file name → passed.
fn pg_prove(db: &TestDb, dir: &Path) -> BTreeMap<String, bool> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let out = Command::new("pg_prove")
        .arg("--dbname")
        .arg(db.database_url())
        .args(&files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut res = BTreeMap::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let line = text
            .lines()
            .find(|l| l.contains(&name))
            .unwrap_or_else(|| panic!("pg_prove said nothing about {name}:\n{text}"));
        res.insert(name, line.trim_end().ends_with(" ok"));
    }
    res
}

/// `schemac test --format json` per test, keyed like the pgTAP files.
fn schemac_results(schema: &str, out_dir: &str) -> BTreeMap<String, bool> {
    let out = schemac(&[
        "test",
        "--schema",
        schema,
        "--out",
        out_dir,
        "--database-url",
        &support::admin_url(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let table = t["table"].as_str().unwrap().replace('.', "_");
            let key = format!("{:03}_{table}_{}.sql", i + 1, t["name"].as_str().unwrap());
            (key, t["status"] == "passed")
        })
        .collect()
}

fn deployed(out_dir: &str) -> TestDb {
    let mut db = TestDb::create("pgtap");
    db.apply_supabase_standin();
    db.apply_migrations_in(&Path::new(out_dir).join("migrations"));
    db
}

/// Whether pg_prove and pgTAP are there; without them `test` is skipped and the skip recorded
/// (see `tests/skip/mod.rs`), unless `SCHEMAC_REQUIRE_PGTAP=1` (as in `.ci/run`), when it fails.
fn require_pgtap(test: &str, db: &mut TestDb) -> bool {
    match pgtap_available(db) {
        Ok(()) => true,
        Err(e) => {
            skip::unless_required(test, &e, "SCHEMAC_REQUIRE_PGTAP");
            false
        }
    }
}

#[test]
fn pgtap_files_run_with_pg_prove_and_agree_with_schemac_test() {
    // The root schema: everything passes in both.
    let mut db = deployed("generated");
    if !require_pgtap(
        "pgtap_files_run_with_pg_prove_and_agree_with_schemac_test",
        &mut db,
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    emit("schema.yaml", tmp.path());
    let prove = pg_prove(&db, tmp.path());
    let ours = schemac_results("schema.yaml", "generated");
    assert_eq!(prove, ours);
    assert!(prove.values().all(|ok| *ok), "{prove:?}");

    // A broken policy: the same test fails in both.
    let v = Variant::new(PROJECTS_SELECT, PROJECTS_SELECT_BROKEN);
    let mut db = deployed(&v.out());
    assert!(require_pgtap(
        "pgtap_files_run_with_pg_prove_and_agree_with_schemac_test",
        &mut db
    ));
    let tap = tempfile::tempdir().unwrap();
    emit(&v.schema(), tap.path());
    let prove = pg_prove(&db, tap.path());
    let ours = schemac_results(&v.schema(), &v.out());
    assert_eq!(prove, ours);
    // Both the declared user_isolation test and the derived isolation test catch it.
    let failed: Vec<&str> = prove
        .iter()
        .filter(|(_, ok)| !**ok)
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "003_public_projects_user_isolation.sql",
            "014_public_projects_derived_owner_isolation.sql"
        ],
        "{prove:?}"
    );
}

/// A membership design: documents are read by the members of their team (a SELECT policy through
/// a membership function) and deleted by their owner only (an owner-style DELETE policy).
const MEMBERSHIP: &str = r#"version: 1
preset: supabase
functions:
  my_team_ids:
    returns: setof bigint
    language: plpgsql
    volatility: stable
    security: definer
    search_path: ""
    body: "begin return query select m.team_id from public.team_members m where m.user_id = (select auth.uid()); end"
    revoke: { public: [execute] }
    grants: { authenticated: [execute] }
tables:
  team_members:
    columns:
      team_id: bigint
      user_id: uuid
    primary_key: [team_id, user_id]
    grants: { service_role: [select, insert, update, delete] }
    rls: { enabled: true }
  documents:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      team_id: bigint
      owner_id: uuid
    indexes: [ { columns: [team_id] }, { columns: [owner_id] } ]
    grants: { authenticated: [select, delete], service_role: [select, insert, update, delete] }
    rls:
      policies:
        team_read: { for: select, to: [authenticated], using: "team_id in (select public.my_team_ids())" }
        owner_delete: { for: delete, to: [authenticated], using: "owner_id = (select auth.uid())" }
TESTS"#;

fn run_membership(tests: &str) -> support::Out {
    let dir = tempfile::tempdir().unwrap();
    let path = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    std::fs::write(path("schema.yaml"), MEMBERSHIP.replace("TESTS", tests)).unwrap();
    let built = schemac(&[
        "build",
        "--schema",
        &path("schema.yaml"),
        "--out",
        &path("generated"),
        "--docs",
        &path("DATABASE.md"),
    ]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    schemac(&[
        "test",
        "--schema",
        &path("schema.yaml"),
        "--out",
        &path("generated"),
        "--database-url",
        &support::admin_url(),
    ])
}

#[test]
fn derived_tests_follow_what_membership_policies_imply() {
    // Only DELETE is owner-only: the derived test checks that, and not that a user sees (only)
    // their own documents, which the membership SELECT policy does not say.
    let out = run_membership("");
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("derived_owner_isolation"),
        "{}",
        out.stdout
    );
    assert_snapshot!(out.stdout);
}

#[test]
fn derived_tests_can_be_opted_out_with_a_reason() {
    let out = run_membership(
        "    tests:\n      derived_owner_isolation: { skip: \"membership design, see team_read\" }\n",
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        !out.stdout.contains("derived_owner_isolation ... "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("derived_service_role_bypass"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("opted out: membership design, see team_read"),
        "{}",
        out.stdout
    );
    let all = run_membership("    tests:\n      derived: { skip: \"membership design\" }\n");
    assert_eq!(all.code, 0, "{}\n{}", all.stdout, all.stderr);
    assert!(
        !all.stdout.contains("derived_service_role_bypass"),
        "{}",
        all.stdout
    );
}
