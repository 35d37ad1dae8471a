//! Publications other than `supabase_realtime` (`publications:`) on a real PostgreSQL 15: column
//! lists, row filters, `publish`, comments.
//!
//! * `first_migration_up_down_up`: the first migration creates the publications (the catalog
//!   shows the tables, column lists, row filters and operations the model says), `verify` finds
//!   nothing, down removes them, up again gives the same. The SQL is snapshotted.
//! * `incremental_set_tables_publish_drop`: a second model changes tables, column lists, row
//!   filters and `publish`, drops one publication and adds one, and drops a column the first
//!   model's column list and row filter use; up gives the catalog of a fresh build, down the
//!   first model's.
//! * `import_reads_publications`: `import` writes them as `publications:` (and what it cannot
//!   say to the ledger), which compiles back to the same publications.
//! * `verify_reports_publication_drift`: publications changed behind the model's back.

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
use schemac::migrations::MigrationDir;
use schemac::render::Renderer;
use schemac::{BuildOptions, BuildPlan};
use support::TestDb;

fn compile(yaml: &str) -> schemac::Compiled {
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), yaml.to_string())]);
    if !compiled.ok() {
        panic!(
            "the model does not compile:\n{}\n---\n{yaml}",
            human(
                &compiled.diagnostics.sorted(),
                &compiled.sources,
                Style::Plain,
                100
            )
        );
    }
    compiled
}

/// Build `yaml` into `out` as `schemac build` does; the new (up, down) files.
fn build(yaml: &str, out: &Path) -> Vec<(String, String)> {
    let compiled = compile(yaml);
    let dir = MigrationDir::read(out).unwrap();
    let mut d = Diagnostics::default();
    let options = BuildOptions {
        name: None,
        allow: vec!["SC601".to_string()],
    };
    let plan = schemac::build(&compiled, &dir, &Renderer::new(None), &options, &mut d);
    assert!(
        !d.has_errors(),
        "build failed:\n{}",
        human(&d.sorted(), &compiled.sources, Style::Plain, 100)
    );
    let Some(BuildPlan::Write { names, files, .. }) = plan else {
        return Vec::new();
    };
    schemac::commit::commit(out, &files, &[]).unwrap();
    let text = |f: String| {
        files
            .iter()
            .find(|(p, _)| p.file_name().is_some_and(|n| n.to_str() == Some(&f)))
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("{f} was not written"))
    };
    names
        .iter()
        .map(|n| (text(format!("{n}.sql")), text(format!("{n}.down.sql"))))
        .collect()
}

/// Every publication of the database with its operations, comment and tables (columns, filter).
/// A table's published columns are sorted by name: a column a down file adds back comes last
/// (the one legitimate difference from a fresh build, as in tests/migrations.rs), and PostgreSQL
/// keeps column lists in column order anyway.
const PUBLICATIONS_SQL: &str = "
select p.pubname::text, p.pubinsert::text, p.pubupdate::text, p.pubdelete::text, p.pubtruncate::text,
       coalesce(obj_description(p.oid, 'pg_publication'), '')::text,
       coalesce((select string_agg(t.schemaname || '.' || t.tablename || ' (' || array_to_string(array(select unnest(t.attnames) order by 1), ',')
                                   || ') where ' || coalesce(t.rowfilter, '-'), '; ' order by t.schemaname, t.tablename)
                 from pg_publication_tables t where t.pubname = p.pubname), '')::text
from pg_publication p order by 1";

fn publications(db: &mut TestDb) -> String {
    db.query_strings(PUBLICATIONS_SQL)
        .iter()
        .map(|r| r.join(" | "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn apply(db: &mut TestDb, what: &str, sql: &str) {
    if let Err(e) = db.apply(sql) {
        panic!("{what} failed: {e}\n---\n{sql}");
    }
}

fn verify(yaml: &str, db: &mut TestDb) -> String {
    let compiled = compile(yaml);
    let mut client = db.connect();
    let mut tx = client.transaction().unwrap();
    tx.batch_execute("set transaction read only; set local search_path = ''")
        .unwrap();
    let catalog =
        schemac::introspect::read(&mut tx, &["public".to_string()], &["PUBLIC".to_string()])
            .unwrap();
    tx.rollback().unwrap();
    let mut d = Diagnostics::default();
    schemac::verify::compare(&compiled.model, &compiled.external, &catalog, None, &mut d);
    d.sorted()
        .iter()
        .map(|x| format!("{} {}", x.code, x.message))
        .collect::<Vec<_>>()
        .join("\n")
}

fn model(publications: &str) -> String {
    format!(
        r#"version: 1
tables:
  orders:
    columns:
      id: {{ type: bigint, primary_key: true }}
      status: {{ type: text, nullable: false }}
      total: {{ type: numeric, nullable: false }}
      note: {{ type: text, nullable: true }}
  customers:
    columns:
      id: {{ type: bigint, primary_key: true }}
      email: {{ type: text, nullable: false }}
publications:
{publications}"#
    )
}

const V1: &str = r#"  analytics:
    description: Orders and customers for the warehouse (no notes).
    tables:
      orders: { columns: [id, status, total] }
      customers: {}
  shipped_orders:
    publish: [insert]
    tables:
      orders: { where: "status = 'shipped' and total > 0" }
  empty_one:
    publish: [insert, delete]
"#;

const V2: &str = r#"  analytics:
    tables:
      orders: { columns: [id, status, note], where: "id > 100" }
  shipped_orders:
    publish: [insert, truncate]
    tables:
      orders: { where: "status = 'shipped'" }
      customers: { columns: [id, email] }
  audit:
    publish: [delete]
    tables: [customers]
"#;

fn fresh(yaml: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = TestDb::create("pubfresh");
    for (up, _) in build(yaml, tmp.path()) {
        apply(&mut db, "fresh up", &up);
    }
    publications(&mut db)
}

#[test]
fn first_migration_up_down_up() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = model(V1);
    let files = build(&yaml, tmp.path());
    let (up, down) = &files[0];
    insta::assert_snapshot!("first_migration_up", up);
    insta::assert_snapshot!("first_migration_down", down);
    let mut db = TestDb::create("pub");
    apply(&mut db, "up", up);
    let after_up = publications(&mut db);
    insta::assert_snapshot!("first_migration_catalog", after_up);
    assert_eq!(verify(&yaml, &mut db), "");
    apply(&mut db, "down", down);
    assert_eq!(publications(&mut db), "");
    apply(&mut db, "up again", up);
    assert_eq!(publications(&mut db), after_up);
}

#[test]
fn incremental_set_tables_publish_drop() {
    // The second model also drops `orders.total`, which the first one's column list and row
    // filter use: the memberships must leave before the column goes.
    let (v1, v2) = (
        model(V1),
        model(V2).replace("      total: { type: numeric, nullable: false }\n", ""),
    );
    let (expected_v1, expected_v2) = (fresh(&v1), fresh(&v2));
    let tmp = tempfile::tempdir().unwrap();
    let first = build(&v1, tmp.path());
    let second = build(&v2, tmp.path());
    assert_eq!(second.len(), 1);
    let (up2, down2) = &second[0];
    insta::assert_snapshot!("incremental_up", up2);
    insta::assert_snapshot!("incremental_down", down2);
    let mut db = TestDb::create("pubinc");
    apply(&mut db, "0001", &first[0].0);
    assert_eq!(publications(&mut db), expected_v1);
    apply(&mut db, "0002", up2);
    assert_eq!(
        publications(&mut db),
        expected_v2,
        "0002 gives a fresh build's catalog"
    );
    assert_eq!(verify(&v2, &mut db), "");
    apply(&mut db, "0002 down", down2);
    assert_eq!(
        publications(&mut db),
        expected_v1,
        "0002's down gives the first model's"
    );
    apply(&mut db, "0002 again", up2);
    assert_eq!(publications(&mut db), expected_v2);
}

#[test]
fn verify_reports_publication_drift() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = model(V1);
    let files = build(&yaml, tmp.path());
    let mut db = TestDb::create("pubdrift");
    apply(&mut db, "up", &files[0].0);
    apply(
        &mut db,
        "drift",
        "drop publication empty_one;
         alter publication analytics set table public.orders (id, status), public.customers where (id > 5);
         alter publication shipped_orders set (publish = 'insert, update');
         comment on publication analytics is null;",
    );
    insta::assert_snapshot!("verify_drift", verify(&yaml, &mut db));
}

#[test]
fn import_reads_publications() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = model(V1);
    let files = build(&yaml, tmp.path());
    let mut db = TestDb::create("pubimport");
    apply(&mut db, "up", &files[0].0);
    apply(
        &mut db,
        "publications the model cannot say",
        "create publication everything for all tables;
         create publication filtered_updates for table public.orders where (status = 'x');",
    );
    let mut client = db.connect();
    let mut tx = client.transaction().unwrap();
    tx.batch_execute("set transaction read only; set local search_path = ''")
        .unwrap();
    let catalog =
        schemac::introspect::read(&mut tx, &["public".to_string()], &["PUBLIC".to_string()])
            .unwrap();
    let others = schemac::introspect::others(&mut tx, &["public".to_string()]).unwrap();
    tx.rollback().unwrap();
    let imported = schemac::import::import(&catalog, &others, &schemac::import::Options::default());
    let text = &imported.files[0].1;
    let section: String = text
        .lines()
        .skip_while(|l| *l != "publications:")
        .take_while(|l| *l == "publications:" || l.starts_with(' '))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("import_publications", section);
    let ledger: Vec<String> = imported
        .ledger
        .iter()
        .filter(|e| e.kind.starts_with("publication"))
        .map(|e| format!("{} {}: {}", e.kind, e.name, e.definition))
        .collect();
    insta::assert_snapshot!("import_publications_ledger", ledger.join("\n"));
    // What was imported compiles to the model's publications.
    let back = compile(text);
    let model = compile(&yaml);
    let key = |m: &schemac::ir::Model| {
        m.publications
            .values()
            .map(|p| {
                let tables: Vec<(String, Vec<String>, bool)> = p
                    .tables
                    .iter()
                    .map(|(t, pt)| {
                        (
                            t.to_string(),
                            pt.columns.iter().map(|c| c.value.clone()).collect(),
                            pt.row_filter.is_some(),
                        )
                    })
                    .collect();
                (
                    p.name.clone(),
                    p.publish.clone(),
                    p.description.clone(),
                    tables,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&back.model), key(&model.model));
}
