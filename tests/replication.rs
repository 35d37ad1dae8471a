//! Trigger modes (`enabled:`), extension trigger functions (`moddatetime`) and replica
//! identities (`replica_identity:`) on a real PostgreSQL: the fixture model's first migration
//! applies, up, down and up again, with the catalog state it says (`tgenabled`, `relreplident`,
//! `indisreplident`); `verify --against` reports each kind of drift in them; import writes them
//! back; bad input is a located diagnostic (E342, E343).

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

const MODEL: &str = "tests/fixtures/models/15_replication.yaml";

/// Build `schema` into a temporary folder; the folder and its migrations folder.
fn build(schema: &str) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("generated");
    let docs = tmp.path().join("DATABASE.md");
    let built = schemac(&[
        "build",
        "--schema",
        schema,
        "--out",
        out.to_str().unwrap(),
        "--docs",
        docs.to_str().unwrap(),
    ]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let o = out.to_str().unwrap().to_string();
    (tmp, o)
}

fn file(dir: &str, name: &str) -> String {
    std::fs::read_to_string(Path::new(dir).join("migrations").join(name)).unwrap()
}

/// `table trigger tgenabled` and `table relreplident index` rows of the public schema.
fn state(db: &mut TestDb) -> Vec<String> {
    let mut rows: Vec<String> = db
        .query_strings(
            "select c.relname::text, t.tgname::text, t.tgenabled::text from pg_trigger t
             join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'public' and not t.tgisinternal order by 1, 2",
        )
        .into_iter()
        .map(|r| r.join(" "))
        .collect();
    rows.extend(
        db.query_strings(
            "select c.relname::text, c.relreplident::text, coalesce((select ic.relname::text
               from pg_index x join pg_class ic on ic.oid = x.indexrelid
              where x.indrelid = c.oid and x.indisreplident), '-')
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'public' and c.relkind = 'r' order by 1",
        )
        .into_iter()
        .map(|r| r.join(" ")),
    );
    rows
}

#[test]
fn first_migration_applies_up_down_up_with_the_modes_and_identities() {
    let (_tmp, o) = build(MODEL);
    let mut db = TestDb::create("replication_updown");
    db.apply_ok(&file(&o, "0001_init.sql"));
    let up = state(&mut db);
    insta::assert_snapshot!(up.join("\n"), @r"
    notes audit_always A
    notes audit_paused D
    notes audit_replica R
    notes touch O
    keyed i keyed_pkey
    labels i labels_code_idx
    notes f -
    scratch n -
    tags i tags_slug_key
    ");
    // moddatetime is the extension's, and it works.
    db.apply_ok(
        "insert into public.notes (body, updated_at) values ('a', '2000-01-01');
         update public.notes set body = 'b';",
    );
    let touched = db.query_strings("select (updated_at > '2001-01-01')::text from public.notes");
    assert_eq!(touched, vec![vec!["true".to_string()]]);
    db.apply_ok(&file(&o, "0001_init.down.sql"));
    assert!(state(&mut db).is_empty());
    db.apply_ok(&file(&o, "0001_init.sql"));
    assert_eq!(state(&mut db), up);
    let out = schemac(&[
        "verify",
        "--schema",
        MODEL,
        "--out",
        &o,
        "--against",
        &db.database_url(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn verify_reports_drift_in_modes_and_identities() {
    let (_tmp, o) = build(MODEL);
    let mut db = TestDb::create("replication_drift");
    db.apply_ok(&file(&o, "0001_init.sql"));
    db.apply_ok(
        "alter table public.notes enable trigger audit_paused;
         alter table public.notes disable trigger touch;
         alter table public.notes enable trigger audit_always;
         alter table public.notes replica identity default;
         alter table public.scratch replica identity full;
         alter table public.tags replica identity using index tags_pkey;
         drop index public.labels_code_idx;",
    );
    let out = schemac(&[
        "verify",
        "--schema",
        MODEL,
        "--out",
        &o,
        "--against",
        &db.database_url(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn import_writes_modes_and_identities() {
    let tmp = tempfile::tempdir().unwrap();
    let sql = tmp.path().join("0001_app.sql");
    std::fs::write(
        &sql,
        "create extension moddatetime;
         create table public.t (id bigint primary key, code text not null,
           updated_at timestamptz not null default now());
         create unique index t_code_idx on public.t (code);
         alter table public.t replica identity using index t_code_idx;
         create table public.u (id bigint primary key);
         alter table public.u replica identity full;
         create trigger touch before update on public.t for each row
           execute function moddatetime(updated_at);
         alter table public.t disable trigger touch;",
    )
    .unwrap();
    let model = tmp.path().join("schema.yaml");
    let out = schemac(&[
        "import",
        "--sql",
        sql.to_str().unwrap(),
        "--database-url",
        &support::admin_url(),
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        tmp.path().join("report.md").to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(std::fs::read_to_string(&model).unwrap());
}

#[test]
fn bad_identity_index_and_missing_extension_are_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let schema = tmp.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "version: 1
tables:
  notes:
    columns:
      id: { type: bigint, primary_key: true }
      slug: { type: text, nullable: true }
      code: text
      updated_at: { type: timestamptz, default: now() }
    unique:
      - { columns: [slug], name: notes_slug_key }
    indexes:
      - { columns: [code], name: notes_code_idx }
      - { columns: [code], unique: true, where: \"code <> ''\", name: notes_code_partial }
    replica_identity: { index: notes_slug_key }
  other:
    columns: { id: { type: bigint, primary_key: true }, code: text }
    indexes:
      - { columns: [code], name: other_code_idx }
    replica_identity: { index: other_code_idx }
  third:
    columns: { id: { type: bigint, primary_key: true } }
    replica_identity: { index: third_pkee }
",
    )
    .unwrap();
    let out = schemac(&["check", "--schema", schema.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let text = out.stderr.replace(schema.to_str().unwrap(), "schema.yaml");
    insta::assert_snapshot!(text);
    // A trigger calling moddatetime without the extension (resolve, before validation).
    std::fs::write(
        &schema,
        "version: 1
tables:
  notes:
    columns:
      id: { type: bigint, primary_key: true }
      updated_at: { type: timestamptz, default: now() }
    triggers:
      touch: { before: [update], function: moddatetime, args: [updated_at] }
      stamp: { before: [insert], function: other.insert_username, args: [id] }
",
    )
    .unwrap();
    let out = schemac(&["check", "--schema", schema.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    insta::assert_snapshot!(
        "missing_extension",
        out.stderr.replace(schema.to_str().unwrap(), "schema.yaml")
    );
    // A word that is not a replica identity is a load error (before validation).
    std::fs::write(
        &schema,
        "version: 1
tables:
  notes:
    columns: { id: { type: bigint, primary_key: true } }
    replica_identity: sometimes
    triggers:
      touch: { before: [update], function: moddatetime, enabled: never }
",
    )
    .unwrap();
    let out = schemac(&["check", "--schema", schema.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    insta::assert_snapshot!(
        "bad_words",
        out.stderr.replace(schema.to_str().unwrap(), "schema.yaml")
    );
}
