//! Domains and composite types end to end on the PostgreSQL at `DATABASE_URL`: the fixture
//! model (`tests/fixtures/domains/schema.yaml`: domains over an extension type and an integer, a
//! collated one, composite types with fields of enums, domains and other composites, columns,
//! arrays and a function argument of them) is built with the binary, applied up, down and up
//! again; the database then verifies read-only; the domains enforce their checks and NOT NULL;
//! and hand-made drift of every kind is reported by `verify --against`.
//!
//! The incremental migrations of these kinds are in tests/migrations.rs (the fixtures
//! `create_type`, `drop_type`, `rename_type`, `alter_type`, `alter_type_composite`,
//! `rebuild_domain`, and the domain and composite edits of `random_edits`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use insta::assert_snapshot;
use support::{TestDb, schemac};

const MODEL: &str = "tests/fixtures/domains/schema.yaml";

/// Build the fixture into a temporary folder; returns it and the first migration (up, down).
fn build() -> (tempfile::TempDir, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("generated");
    let docs = tmp.path().join("DATABASE.md");
    let built = schemac(&[
        "build",
        "--schema",
        MODEL,
        "--out",
        out.to_str().unwrap(),
        "--docs",
        docs.to_str().unwrap(),
    ]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let read = |f: &str| std::fs::read_to_string(out.join("migrations").join(f)).unwrap();
    let (up, down) = (read("0001_init.sql"), read("0001_init.down.sql"));
    (tmp, up, down)
}

fn verify_against(tmp: &tempfile::TempDir, db: &TestDb) -> support::Out {
    let out = tmp.path().join("generated");
    schemac(&[
        "verify",
        "--schema",
        MODEL,
        "--out",
        out.to_str().unwrap(),
        "--against",
        &db.database_url(),
    ])
}

fn user_types(db: &mut TestDb) -> Vec<String> {
    db.user_types(&["public", "billing"])
}

#[test]
fn first_migration_applies_up_down_up_and_verifies() {
    let (tmp, up, down) = build();
    assert_snapshot!("first_migration_up", up);
    let mut db = TestDb::create("domains");
    db.apply_ok(&up);
    let created = user_types(&mut db);
    assert_eq!(created.len(), 5, "{created:#?}");
    db.apply_ok(&down);
    assert_eq!(user_types(&mut db), Vec::<String>::new());
    db.apply_ok(&up);
    assert_eq!(user_types(&mut db), created);
    let out = verify_against(&tmp, &db);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn domains_enforce_their_checks_and_not_null() {
    let (_tmp, up, _) = build();
    let mut db = TestDb::create("domains");
    db.apply_ok(&up);
    db.apply_ok(
        "insert into public.customers (mail, home) values ('a@example.org', row('1 main st', 'Paris', 'fr', '75001'));
         insert into billing.orders (customer_id, quantity, lines)
           values (1, 2, array[row('sku-1', 3, row('x', 'Lyon', 'fr', '69001'))::billing.line]);",
    );
    assert_eq!(
        db.query_strings("select public.city_of(home) from public.customers"),
        vec![vec!["Paris".to_string()]]
    );
    let bad_mail = db
        .apply("insert into public.customers (mail) values ('not an address')")
        .unwrap_err();
    assert!(bad_mail.contains("email_format"), "{bad_mail}");
    let zero = db
        .apply("insert into billing.orders (customer_id, quantity) values (1, 0)")
        .unwrap_err();
    assert!(zero.contains("positive"), "{zero}");
    // The domain's NOT NULL holds for a field of a composite built by a cast, too.
    let null_qty = db
        .apply("select row('sku', null, null)::billing.line")
        .unwrap_err();
    assert!(null_qty.contains("null"), "{null_qty}");
}

#[test]
fn verify_against_reports_drift_of_domains_and_composite_types() {
    let (tmp, up, _) = build();
    let mut db = TestDb::create("domains");
    db.apply_ok(&up);
    db.apply_ok(
        "alter domain billing.positive_int drop constraint positive;
         alter domain billing.positive_int drop not null;
         alter domain public.email set default 'x@example.org';
         alter domain public.email drop constraint email_format;
         alter domain public.email add constraint email_format check (value like '%@%');
         alter domain public.email add constraint extra check (length(value) < 100);
         alter type public.address add attribute note text;
         alter type public.address drop attribute zip;
         comment on type public.address is null;
         create domain public.stray as integer;
         create type public.stray_type as (a integer);",
    );
    let out = verify_against(&tmp, &db);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_snapshot!(out.stderr);
}
