//! Reference data (`data:`) and Storage buckets (`buckets:`) on a real PostgreSQL.
//!
//! Each history of models is built the way `schemac build` does (one migration per model, into
//! one output folder) and applied step by step: after each up file the rows of every table (and
//! of `storage.buckets`) must equal those of a fresh build of the same model; its down file must
//! bring back the rows of the step before; the up file applied again must give the same rows as
//! the first time. The SQL of the first and of one incremental migration is snapshotted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod support;

use std::path::Path;

use schemac::diagnostics::Diagnostics;
use schemac::diagnostics::report::{Style, human};
use schemac::ir::Preset;
use schemac::migrations::MigrationDir;
use schemac::render::Renderer;
use schemac::{BuildOptions, BuildPlan};
use support::TestDb;

/// The migration files one build wrote: (up, down) texts, in order.
type Files = Vec<(String, String)>;

fn build(yaml: &str, out: &Path) -> (Preset, Files) {
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), yaml.to_string())]);
    if !compiled.ok() {
        panic!(
            "the model does not compile:\n{}",
            human(
                &compiled.diagnostics.sorted(),
                &compiled.sources,
                Style::Plain,
                100
            )
        );
    }
    let dir = MigrationDir::read(out).unwrap();
    let mut d = Diagnostics::default();
    let options = BuildOptions {
        name: None,
        allow: vec!["SC601".into(), "SC602".into()],
    };
    let plan = schemac::build(&compiled, &dir, &Renderer::new(None), &options, &mut d);
    assert!(
        !d.has_errors(),
        "{}",
        human(&d.sorted(), &compiled.sources, Style::Plain, 100)
    );
    let Some(BuildPlan::Write { names, files, .. }) = plan else {
        return (compiled.model.preset, Vec::new());
    };
    schemac::commit::commit(out, &files, &[]).unwrap();
    let text = |name: String| {
        files
            .iter()
            .find(|(p, _)| p.file_name().is_some_and(|n| n.to_str() == Some(&name)))
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("{name} was not written"))
    };
    let migrations = names
        .iter()
        .map(|n| (text(format!("{n}.sql")), text(format!("{n}.down.sql"))))
        .collect();
    (compiled.model.preset, migrations)
}

fn fresh(preset: Preset) -> TestDb {
    let mut db = TestDb::create("data");
    if preset == Preset::Supabase {
        db.apply_supabase_standin();
    }
    db
}

/// Every row of every table in `public` and of `storage.buckets` (when it exists), as JSON text,
/// sorted, without the columns no data row declares.
fn rows(db: &mut TestDb) -> Vec<String> {
    let tables = db.query_strings(
        "select format('%I.%I', table_schema, table_name) from information_schema.tables
         where (table_schema = 'public' or (table_schema, table_name) = ('storage', 'buckets'))
           and table_type = 'BASE TABLE' order by 1",
    );
    let mut out = Vec::new();
    for t in tables {
        let t = &t[0];
        // Columns the data does not declare are whatever the database gives them: a row a down
        // file inserts again gets a new identity value, so `settings` (keyed by `name`) is
        // compared without its `id`.
        let cols = match t.as_str() {
            "storage.buckets" => "id, name, public, file_size_limit, allowed_mime_types",
            "public.settings" => "name, value",
            _ => "*",
        };
        for r in db.query_strings(&format!(
            "select row_to_json(x)::text from (select {cols} from {t}) x order by 1"
        )) {
            out.push(format!("{t} {}", r[0]));
        }
    }
    out
}

/// Build the models one after the other and check every step on a real database.
fn check_history(models: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    let (preset, first) = build(models[0], out.path());
    let mut db = fresh(preset);
    for (up, _) in &first {
        db.apply(up)
            .unwrap_or_else(|e| panic!("first migration: {e}\n{up}"));
    }
    // The first migration's down file and up again.
    let after_first = rows(&mut db);
    for (up, down) in &first {
        db.apply(down)
            .unwrap_or_else(|e| panic!("first down: {e}\n{down}"));
        db.apply(up)
            .unwrap_or_else(|e| panic!("first up again: {e}\n{up}"));
    }
    assert_eq!(rows(&mut db), after_first, "first migration up, down, up");
    for (i, m) in models.iter().enumerate().skip(1) {
        let before = rows(&mut db);
        let (_, step) = build(m, out.path());
        assert!(!step.is_empty(), "step {i} wrote no migration");
        for (up, _) in &step {
            db.apply(up)
                .unwrap_or_else(|e| panic!("step {i}: {e}\n{up}"));
        }
        let after = rows(&mut db);
        let fresh_out = tempfile::tempdir().unwrap();
        let (_, files) = build(m, fresh_out.path());
        let mut other = fresh(preset);
        for (up, _) in &files {
            other.apply(up).unwrap();
        }
        assert_eq!(after, rows(&mut other), "step {i}: migrated vs fresh build");
        for (_, down) in step.iter().rev() {
            db.apply(down)
                .unwrap_or_else(|e| panic!("step {i} down: {e}\n{down}"));
        }
        assert_eq!(rows(&mut db), before, "step {i}: after the down file");
        for (up, _) in &step {
            db.apply(up)
                .unwrap_or_else(|e| panic!("step {i} up again: {e}\n{up}"));
        }
        assert_eq!(rows(&mut db), after, "step {i}: up again after down");
    }
}

const PLANS_V1: &str = r#"
version: 1
enums:
  tier: [free, pro]
tables:
  plans:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      code: text
      tier: tier
      price: { type: "numeric(10,2)", default: "0" }
      features: { type: "text[]", nullable: true }
      meta: { type: jsonb, nullable: true }
      active: { type: boolean, default: "true" }
    unique: [[code]]
    data:
      - { id: 1, code: free, tier: free, features: [a, "b\"c", "it's"], meta: { x: 1, y: [true, null] } }
      - { id: 2, code: "pro's", tier: pro, price: 9.99, active: false }
  settings:
    columns:
      id: { type: integer, identity: by_default, primary_key: true }
      name: text
      value: { type: text, nullable: true }
    unique: [[name]]
    data:
      key: [name]
      rows:
        - { name: theme, value: dark }
        - { name: "'; drop table plans; --", value: "\\x" }
  subscriptions:
    columns:
      id: { type: integer, primary_key: true }
      plan_id: { type: bigint, references: plans }
    data:
      - { id: 1, plan_id: 2 }
      - { id: 2, plan_id: 1 }
"#;

/// Rows changed, added and removed (children's rows before their parents'), a column back to
/// its default, a row keyed by a unique column changed.
const PLANS_V2: &str = r#"
version: 1
enums:
  tier: [free, pro]
tables:
  plans:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      code: text
      tier: tier
      price: { type: "numeric(10,2)", default: "0" }
      features: { type: "text[]", nullable: true }
      meta: { type: jsonb, nullable: true }
      active: { type: boolean, default: "true" }
    unique: [[code]]
    data:
      - { id: 2, code: "pro's", tier: pro, price: 19.99 }
      - { id: 3, code: team, tier: pro, meta: [1, "two"] }
  settings:
    columns:
      id: { type: integer, identity: by_default, primary_key: true }
      name: text
      value: { type: text, nullable: true }
    unique: [[name]]
    data:
      key: [name]
      rows:
        - { name: theme, value: light }
  subscriptions:
    columns:
      id: { type: integer, primary_key: true }
      plan_id: { type: bigint, references: plans }
    data:
      - { id: 1, plan_id: 2 }
      - { id: 3, plan_id: 3 }
"#;

/// Data removed from one table, a table with data dropped, a new table with data.
const PLANS_V3: &str = r#"
version: 1
enums:
  tier: [free, pro]
tables:
  plans:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      code: text
      tier: tier
      price: { type: "numeric(10,2)", default: "0" }
      features: { type: "text[]", nullable: true }
      meta: { type: jsonb, nullable: true }
      active: { type: boolean, default: "true" }
    unique: [[code]]
    data:
      - { id: 2, code: "pro's", tier: pro, price: 19.99 }
      - { id: 3, code: team, tier: pro, meta: [1, "two"] }
  settings:
    columns:
      id: { type: integer, identity: by_default, primary_key: true }
      name: text
      value: { type: text, nullable: true }
    unique: [[name]]
  countries:
    columns:
      code: { type: "character(2)", primary_key: true }
      name: text
    data:
      - { code: FR, name: France }
      - { code: DE, name: Germany }
"#;

#[test]
fn data_up_down_up_and_incremental_rows() {
    check_history(&[PLANS_V1, PLANS_V2, PLANS_V3]);
}

#[test]
fn identity_sequences_continue_after_seeded_rows() {
    let out = tempfile::tempdir().unwrap();
    let (preset, files) = build(PLANS_V1, out.path());
    let mut db = fresh(preset);
    for (up, _) in &files {
        db.apply(up).unwrap();
    }
    let id =
        db.query_strings("insert into plans (code, tier) values ('x', 'pro') returning id::text");
    assert_eq!(id, vec![vec!["3".to_string()]]);
    let id = db.query_strings("insert into settings (name) values ('y') returning id::text");
    assert_eq!(id, vec![vec!["3".to_string()]]);
}

/// A foreign-key cycle between seeded tables: the rows go in before the FK that closes the cycle
/// is added (and checks them).
#[test]
fn data_in_a_foreign_key_cycle() {
    let v1 = r#"
version: 1
tables:
  teams:
    columns:
      id: { type: integer, primary_key: true }
      lead_id: { type: integer, nullable: true, references: people }
    data:
      - { id: 1, lead_id: 10 }
  people:
    columns:
      id: { type: integer, primary_key: true }
      team_id: { type: integer, references: teams }
    data:
      - { id: 10, team_id: 1 }
"#;
    check_history(&[v1]);
}

const BUCKETS_V1: &str = r#"
version: 1
preset: supabase
buckets:
  avatars: { public: true, file_size_limit: 1048576, allowed_mime_types: [image/png, image/jpeg] }
  reports: ~
policies:
  storage.objects:
    avatar_read:
      for: select
      to: [anon, authenticated]
      using: "bucket_id = 'avatars'"
"#;

const BUCKETS_V2: &str = r#"
version: 1
preset: supabase
buckets:
  avatars: { public: false }
  exports: { file_size_limit: 10 }
policies:
  storage.objects:
    avatar_read:
      for: select
      to: [anon, authenticated]
      using: "bucket_id = 'avatars'"
"#;

#[test]
fn buckets_up_down_up_and_incremental() {
    check_history(&[BUCKETS_V1, BUCKETS_V2]);
}

#[test]
fn migration_sql_snapshots() {
    let out = tempfile::tempdir().unwrap();
    let (_, first) = build(PLANS_V1, out.path());
    insta::assert_snapshot!("data_first_migration", first[0].0);
    let (_, second) = build(PLANS_V2, out.path());
    insta::assert_snapshot!("data_incremental_up", second[0].0);
    insta::assert_snapshot!("data_incremental_down", second[0].1);
    let out = tempfile::tempdir().unwrap();
    let (_, first) = build(BUCKETS_V1, out.path());
    insta::assert_snapshot!("buckets_first_migration", first[0].0);
}

/// A run's output with miette's line wrapping undone.
fn flat(out: &support::Out) -> String {
    format!("{}{}", out.stdout, out.stderr)
        .split_whitespace()
        .filter(|w| *w != "|")
        .collect::<Vec<_>>()
        .join(" ")
}

/// `verify --against`: a declared row changed in the database is E503 (naming the column and both
/// values), a declared row deleted is E501, a row the model does not declare is not reported;
/// a declared bucket made private is E503.
#[test]
fn verify_against_reports_row_drift() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.yaml");
    let out = dir.path().join("generated");
    std::fs::write(&schema, PLANS_V1).unwrap();
    let (preset, files) = build(PLANS_V1, &out);
    let mut db = fresh(preset);
    for (up, _) in &files {
        db.apply(up).unwrap();
    }
    let args = |url: &str| {
        vec![
            "verify".to_string(),
            "--schema".into(),
            schema.display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--against".into(),
            url.to_string(),
        ]
    };
    let url = db.database_url();
    let run = |args: Vec<String>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        support::schemac(&a)
    };
    let clean = run(args(&url));
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    db.apply_ok(
        "update plans set price = 5 where id = 2;
         delete from subscriptions where id = 2;
         insert into settings (name, value) values ('app_row', 'x');",
    );
    let drift = run(args(&url));
    assert_eq!(drift.code, 1, "{}{}", drift.stdout, drift.stderr);
    let text = flat(&drift);
    assert!(
        text.contains("data row (id) = (2) of public.plans differs: the model says `price` = 9.99"),
        "{text}"
    );
    assert!(text.contains("database has `price` = 5.00"), "{text}");
    assert!(
        text.contains(
            "data row (id) = (2) of public.subscriptions is in the model but not in the database"
        ),
        "{text}"
    );
    assert!(!text.contains("app_row"), "{text}");
    assert_eq!(text.matches("data row").count(), 2, "{text}");

    let bdir = tempfile::tempdir().unwrap();
    let bschema = bdir.path().join("schema.yaml");
    let bout = bdir.path().join("generated");
    std::fs::write(&bschema, BUCKETS_V1).unwrap();
    let (preset, files) = build(BUCKETS_V1, &bout);
    let mut bdb = fresh(preset);
    for (up, _) in &files {
        bdb.apply(up).unwrap();
    }
    bdb.apply_ok("update storage.buckets set public = false where id = 'avatars'");
    let a = [
        "verify",
        "--schema",
        bschema.to_str().unwrap(),
        "--out",
        bout.to_str().unwrap(),
        "--against",
        &bdb.database_url(),
    ];
    let drift = support::schemac(&a);
    let text = flat(&drift);
    assert!(
        text.contains("Storage bucket `avatars` differs: the model says `public` = true, the database has `public` = false"),
        "{text}"
    );
}

/// `import` on Supabase writes the rows of `storage.buckets` as `buckets:`, and `--check` finds
/// the model rebuilds the same database.
#[test]
fn import_reads_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let (preset, files) = build(BUCKETS_V1, &dir.path().join("generated"));
    let mut db = fresh(preset);
    for (up, _) in &files {
        db.apply(up).unwrap();
    }
    let model = dir.path().join("imported.yaml");
    let out = support::schemac(&[
        "import",
        "--database-url",
        &db.database_url(),
        "--preset",
        "supabase",
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        dir.path().join("report.md").to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(said.contains("import --check: identical"), "{said}");
    let text = std::fs::read_to_string(&model).unwrap();
    assert!(
        text.contains(
            "buckets:\n  avatars: { public: true, file_size_limit: 1048576, allowed_mime_types: [\"image/png\", \"image/jpeg\"] }\n  reports: {}\n"
        ),
        "{text}"
    );
}

/// DATABASE.md shows each table's row count and key and the buckets, the same from the built-in
/// writer and from the template (minijinja).
#[test]
fn database_md_shows_rows_and_buckets() {
    let yaml = format!(
        "{}buckets:\n  avatars: {{ public: true, allowed_mime_types: [image/png] }}\n  reports: ~\n",
        PLANS_V1.replace("version: 1\n", "version: 1\npreset: supabase\n")
    );
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), yaml)]);
    assert!(compiled.ok());
    let render = |r: &Renderer| {
        r.docs(
            &compiled.model,
            &compiled.external,
            Path::new("docs/DATABASE.md"),
            Path::new("generated"),
            &[],
        )
        .unwrap()
        .last()
        .unwrap()
        .text
        .clone()
    };
    let fast = render(&Renderer::new(None));
    let slow = render(&Renderer::new(None).minijinja_only());
    assert!(fast == slow, "built-in and template differ");
    assert!(
        fast.contains("- **Reference data:** 2 rows (key `id`), inserted and kept as declared by the migrations"),
        "{fast}"
    );
    assert!(
        fast.contains("- **Reference data:** 2 rows (key `name`)"),
        "{fast}"
    );
    assert!(
        fast.contains("## Storage buckets\n\nRows of `storage.buckets` the migrations insert and keep as declared (`buckets:`).\n\n| bucket | public | file size limit | allowed MIME types |\n|---|---|---|---|\n| `avatars` | yes | platform default | `image/png` |\n| `reports` | no | platform default | any |\n"),
        "{fast}"
    );
}

/// The access tests `schemac test` derives from an owner policy synthesize rows whose keys avoid
/// the seeded rows' keys (they collided before, and the derived test failed).
#[test]
fn derived_access_tests_avoid_seeded_keys() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.yaml");
    let out = dir.path().join("generated");
    std::fs::write(
        &schema,
        r#"version: 1
preset: supabase
tables:
  notes:
    columns:
      id: { type: bigint, primary_key: true }
      user_id: { type: uuid, nullable: true, references: auth.users.id }
      body: text
    indexes: [ { columns: [user_id] } ]
    grants: { authenticated: [select, insert, update, delete] }
    rls:
      policies:
        own: { for: all, to: [authenticated], using: "(select auth.uid()) = user_id" }
    data:
      - { id: 1, body: welcome }
      - { id: 2, body: hello }
"#,
    )
    .unwrap();
    let text = std::fs::read_to_string(&schema).unwrap();
    build(&text, &out);
    let url = support::admin_url();
    let run = support::schemac(&[
        "test",
        "--schema",
        schema.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--database-url",
        &url,
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}
