//! Default privileges on a real PostgreSQL: objects created after `ALTER DEFAULT PRIVILEGES`
//! get them (checked with `has_table_privilege`/`has_function_privilege`), the first migration
//! goes up, down and up again, an incremental migration adds and removes them and carries the
//! change to existing objects, `verify --against` reports drift in `pg_default_acl` both ways,
//! and `import` reads them back into the model (`--check` identical).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod support;

use std::path::Path;

use support::{TestDb, schemac};

const FIRST: &str = "version: 1
preset: supabase
schemas:
  public:
    default_privileges:
      tables: { grant: { authenticated: [select, insert] } }
      functions: { grant: { authenticated: [execute] } }
  app:
    default_privileges:
      tables: { grant: { service_role: [all] } }
      sequences: { grant: { authenticated: [usage] } }
default_privileges:
  functions: { revoke: { public: [execute] } }
functions:
  add_one:
    args: [{ name: x, type: integer }]
    returns: integer
    language: sql
    body: select x + 1
tables:
  notes:
    columns:
      id: { type: bigint, primary_key: true }
    rls: { enabled: true }
    revoke: { authenticated: [insert] }
  app.jobs:
    columns:
      id: { type: bigint, primary_key: true }
    rls: { enabled: true }
";

/// FIRST without `insert` in public and with SELECT for anon on app's tables.
const SECOND: &str = "version: 1
preset: supabase
schemas:
  public:
    default_privileges:
      tables: { grant: { authenticated: [select] } }
      functions: { grant: { authenticated: [execute] } }
  app:
    default_privileges:
      tables: { grant: { service_role: [all], anon: [select] } }
      sequences: { grant: { authenticated: [usage] } }
default_privileges:
  functions: { revoke: { public: [execute] } }
functions:
  add_one:
    args: [{ name: x, type: integer }]
    returns: integer
    language: sql
    body: select x + 1
tables:
  notes:
    columns:
      id: { type: bigint, primary_key: true }
    rls: { enabled: true }
    revoke: { authenticated: [insert] }
  app.jobs:
    columns:
      id: { type: bigint, primary_key: true }
    rls: { enabled: true }
";

fn build(dir: &Path, model: &str) -> Vec<(String, String)> {
    let schema = dir.join("schema.yaml");
    std::fs::write(&schema, model).unwrap();
    let out = schemac(&[
        "build",
        "--schema",
        schema.to_str().unwrap(),
        "--out",
        dir.join("gen").to_str().unwrap(),
        "--docs",
        dir.join("DATABASE.md").to_str().unwrap(),
        "--allow",
        "SC611",
        "--allow",
        "SC612",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir.join("gen/migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    &files.iter().find(|(n, _)| n == name).unwrap().1
}

fn yes(db: &mut TestDb, sql: &str) -> bool {
    db.query_strings(&format!("select ({sql})::text"))[0][0] == "true"
}

/// Every default privilege, as text.
fn default_acls(db: &mut TestDb) -> Vec<Vec<String>> {
    db.query_strings(
        "select coalesce(n.nspname::text, '*'), d.defaclobjtype::text, d.defaclacl::text
         from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
         order by 1, 2",
    )
}

fn verify_against(dir: &Path, db: &TestDb) -> support::Out {
    schemac(&[
        "verify",
        "--schema",
        dir.join("schema.yaml").to_str().unwrap(),
        "--against",
        &db.database_url(),
    ])
}

#[test]
fn objects_created_later_get_them_and_the_first_migration_goes_up_down_up() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build(tmp.path(), FIRST);
    let docs = std::fs::read_to_string(tmp.path().join("DATABASE.md")).unwrap();
    let section: String = docs
        .lines()
        .skip_while(|l| !l.starts_with("**Default privileges**"))
        .take_while(|l| !l.starts_with("| objects |"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("database_md", section);
    insta::assert_snapshot!("first_up", file(&files, "0001_init.sql"));
    insta::assert_snapshot!("first_down", file(&files, "0001_init.down.sql"));
    let mut db = TestDb::create("defpriv");
    db.apply_supabase_standin();
    let empty = default_acls(&mut db);
    db.apply_ok(file(&files, "0001_init.sql"));
    let after = default_acls(&mut db);

    // The model's own objects, created after the default privileges.
    assert!(yes(
        &mut db,
        "has_table_privilege('authenticated', 'public.notes', 'select')"
    ));
    assert!(!yes(
        &mut db,
        "has_table_privilege('authenticated', 'public.notes', 'insert')"
    ));
    assert!(!yes(
        &mut db,
        "has_table_privilege('anon', 'public.notes', 'select')"
    ));
    assert!(yes(
        &mut db,
        "has_table_privilege('service_role', 'app.jobs', 'truncate')"
    ));
    assert!(!yes(
        &mut db,
        "has_table_privilege('authenticated', 'app.jobs', 'select')"
    ));
    assert!(yes(
        &mut db,
        "has_function_privilege('authenticated', 'public.add_one(integer)', 'execute')"
    ));
    assert!(!yes(
        &mut db,
        "has_function_privilege('anon', 'public.add_one(integer)', 'execute')"
    ));
    // Objects created later, outside the model, get them too.
    db.apply_ok(
        "create table public.later (id int);
         create function public.later_fn() returns int language sql as 'select 1';
         create sequence app.later_seq;
         create table app.later (id int);",
    );
    assert!(yes(
        &mut db,
        "has_table_privilege('authenticated', 'public.later', 'insert')"
    ));
    assert!(yes(
        &mut db,
        "has_function_privilege('authenticated', 'public.later_fn()', 'execute')"
    ));
    assert!(!yes(
        &mut db,
        "has_function_privilege('anon', 'public.later_fn()', 'execute')"
    ));
    assert!(yes(
        &mut db,
        "has_sequence_privilege('authenticated', 'app.later_seq', 'usage')"
    ));
    assert!(yes(
        &mut db,
        "has_table_privilege('service_role', 'app.later', 'delete')"
    ));
    db.apply_ok("drop table public.later; drop function public.later_fn(); drop sequence app.later_seq; drop table app.later;");

    // verify: the model's default privileges and objects are what the database has.
    let v = verify_against(tmp.path(), &db);
    assert_eq!(v.code, 0, "{}\n{}", v.stdout, v.stderr);

    // Down, then up again.
    db.apply_ok(file(&files, "0001_init.down.sql"));
    assert_eq!(default_acls(&mut db), empty);
    db.apply_ok(file(&files, "0001_init.sql"));
    assert_eq!(default_acls(&mut db), after);
}

#[test]
fn an_incremental_migration_changes_them_and_existing_objects_follow() {
    let tmp = tempfile::tempdir().unwrap();
    let first = build(tmp.path(), FIRST);
    let files = build(tmp.path(), SECOND);
    let name = |down: bool| {
        files
            .iter()
            .find(|(n, _)| n.starts_with("0002_") && n.ends_with(".down.sql") == down)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| panic!("no 0002 migration: {files:?}"))
    };
    let (up_name, down_name) = (name(false), name(true));
    let up = file(&files, &up_name);
    let down = file(&files, &down_name);
    insta::assert_snapshot!("second_up", up);
    insta::assert_snapshot!("second_down", down);
    let mut db = TestDb::create("defpriv_inc");
    db.apply_supabase_standin();
    db.apply_ok(file(&first, "0001_init.sql"));
    let before = default_acls(&mut db);
    db.apply_ok(up);
    // The existing table follows the model: anon may read app.jobs, as a new table would.
    assert!(yes(
        &mut db,
        "has_table_privilege('anon', 'app.jobs', 'select')"
    ));
    db.apply_ok("create table app.later (id int); create table public.later (id int);");
    assert!(yes(
        &mut db,
        "has_table_privilege('anon', 'app.later', 'select')"
    ));
    assert!(!yes(
        &mut db,
        "has_table_privilege('authenticated', 'public.later', 'insert')"
    ));
    db.apply_ok("drop table app.later; drop table public.later;");
    let v = verify_against(tmp.path(), &db);
    assert_eq!(v.code, 0, "{}\n{}", v.stdout, v.stderr);
    let after = default_acls(&mut db);
    db.apply_ok(down);
    assert_eq!(default_acls(&mut db), before);
    assert!(!yes(
        &mut db,
        "has_table_privilege('anon', 'app.jobs', 'select')"
    ));
    db.apply_ok(up);
    assert_eq!(default_acls(&mut db), after);
}

#[test]
fn verify_against_reports_drift_in_both_directions() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build(tmp.path(), FIRST);
    let mut db = TestDb::create("defpriv_drift");
    db.apply_supabase_standin();
    db.apply_ok(file(&files, "0001_init.sql"));
    db.apply_ok(
        "alter default privileges in schema public revoke all on functions from authenticated; -- E501
         alter default privileges in schema public grant delete on tables to anon;              -- E502
         alter default privileges in schema app grant select on tables to authenticated;        -- E502
         alter default privileges in schema public grant update on tables to authenticated;     -- E503
         alter default privileges grant execute on functions to public;                         -- E503",
    );
    let v = schemac(&[
        "verify",
        "--schema",
        tmp.path().join("schema.yaml").to_str().unwrap(),
        "--against",
        &db.database_url(),
        "--format",
        "json",
    ]);
    assert_eq!(v.code, 1, "{}\n{}", v.stdout, v.stderr);
    let json: serde_json::Value = serde_json::from_str(&v.stdout).unwrap();
    let lines: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}:{} {}",
                d["code"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn import_writes_them_into_the_model_and_checks_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build(tmp.path(), FIRST);
    let mut db = TestDb::create("defpriv_import");
    db.apply_supabase_standin();
    db.apply_ok(file(&files, "0001_init.sql"));
    // Another role's default privileges stay in the ledger.
    db.apply_ok("alter default privileges for role authenticator in schema public grant select on tables to anon;");
    let model = tmp.path().join("imported.yaml");
    let report = tmp.path().join("report.md");
    let out = schemac(&[
        "import",
        "--database-url",
        &db.database_url(),
        "--preset",
        "supabase",
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--allow-partial",
        "--check",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("import --check: identical"),
        "{}",
        out.stdout
    );
    let text = std::fs::read_to_string(&model).unwrap();
    let head: String = text
        .lines()
        .take_while(|l| !l.starts_with("functions:") && !l.starts_with("tables:"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(head);
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(
        report.contains("for authenticator in public on tables to anon"),
        "{report}"
    );
    assert!(!report.contains("for postgres"), "{report}");
}
