//! Constraint names, `ON DELETE SET NULL (columns)` (issue #20, item 5) and exclusion constraints
//! (item 11) on a real PostgreSQL.
//!
//! * `first_migration_up_down_up`: a model with named primary keys (table and column form), a
//!   named column-level unique constraint and
//!   foreign keys that set only some of their columns; its first migration is snapshotted, applied,
//!   undone and applied again (the catalog the same both times), and the partial SET NULL is
//!   exercised on rows (the tenant column keeps its value).
//! * `renames_and_action_changes_migrate_up_down_up`: a later model renames a primary key and a
//!   foreign key and changes a column list: the migration renames (`RENAME CONSTRAINT`, the index
//!   with it) and drops and adds the foreign key; migrated equals a fresh build, down gives the
//!   first catalog back, up again the second.
//! * `verify_reports_a_name_drift_once`: a database whose primary key has another name than the
//!   model's is one E503, not E501 + E502.
//! * `import_keeps_names_and_column_lists`: `import --check` of the migrations writes the named
//!   primary key and the column list, and proves the catalog identical.
//!
//! Exclusion constraints (issue #20, item 11):
//!
//! * `exclusion_first_migration_up_down_up`: `exclude:` with a column, an expression and a
//!   predicate (btree_gist), and a deferred one on a range; overlapping rows are refused (the
//!   deferred one at commit), cancelled or other-room rows are not; down, up again.
//! * `exclusion_added_renamed_changed_and_dropped_up_down_up`: added to a table with rows, named
//!   (RENAME CONSTRAINT), its predicate changed (drop + add), a column renamed (no constraint
//!   statement), dropped; each step migrated == fresh build, down, up again.
//! * `exclusion_verify_and_import`: verify finds a missing, an extra and a different exclusion
//!   constraint; `import --check` writes `exclude:` back and proves the catalog identical.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod support;

use std::path::PathBuf;

use support::{TestDb, schemac};

/// Members of a tenant; the key is named `member_pk`, not `members_pkey`.
const V1: &str = r#"version: 1
tables:
  tenants:
    columns:
      id: { type: bigint, primary_key: { name: tenant_pk } }
      code: { type: text, unique: { name: tenant_code_key } }
  members:
    columns:
      tenant_id: { type: bigint, references: tenants.id, on_delete: cascade }
      id: bigint
    primary_key: { columns: [tenant_id, id], name: member_pk }
  reviews:
    columns:
      id: { type: bigint, primary_key: true }
      tenant_id: bigint
      reviewer_id: { type: bigint, nullable: true }
      editor_id: { type: bigint, nullable: true, default: "0" }
    foreign_keys:
      - columns: [tenant_id, reviewer_id]
        references: { table: members, columns: [tenant_id, id] }
        on_delete: { set_null: [reviewer_id] }
      - columns: [tenant_id]
        references: { table: tenants, columns: [id] }
        on_delete: cascade
    indexes:
      - { columns: [tenant_id, reviewer_id] }
"#;

/// V1 with `reviews`' key named `review_pk` and its member key named `reviews_reviewer_fk`, and
/// `member_pk` back to the generated `members_pkey`; the tenant FK's action is unchanged.
fn v2() -> String {
    let v = V1
        .replace(
            "      id: { type: bigint, primary_key: true }\n      tenant_id: bigint",
            "      id: { type: bigint, primary_key: { name: review_pk } }\n      tenant_id: bigint",
        )
        .replace(
            "    primary_key: { columns: [tenant_id, id], name: member_pk }",
            "    primary_key: [tenant_id, id]",
        )
        .replace(
            "        on_delete: { set_null: [reviewer_id] }\n",
            "        on_delete: { set_null: [reviewer_id] }\n        name: reviews_reviewer_fk\n",
        );
    assert_ne!(v, V1);
    v
}

/// V2 whose member key sets both columns (`ON DELETE SET NULL` without a list would too, but the
/// list is what changes): the foreign key is dropped and added.
fn v3() -> String {
    let v = v2().replace(
        "      tenant_id: bigint\n      reviewer_id",
        "      tenant_id: { type: bigint, nullable: true }\n      reviewer_id",
    );
    let v = v.replace(
        "on_delete: { set_null: [reviewer_id] }",
        "on_delete: { set_null: [reviewer_id, tenant_id] }",
    );
    assert_ne!(v, v2());
    v
}

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        Project {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Write `model` and build it; returns the names of the migration files written by this
    /// build (up files, in order).
    fn build(&self, model: &str) -> Vec<String> {
        let before = self.ups();
        std::fs::write(self.path("schema.yaml"), model).unwrap();
        let out = schemac(&[
            "build",
            "--schema",
            self.path("schema.yaml").to_str().unwrap(),
            "--out",
            self.path("gen").to_str().unwrap(),
            "--docs",
            self.path("DATABASE.md").to_str().unwrap(),
            "--allow",
            "SC601",
            "--allow",
            "SC607",
            "--allow",
            "SC608",
            "--allow",
            "SC602",
        ]);
        assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
        self.ups()
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect()
    }

    /// Every up file in `gen/migrations`, in order.
    fn ups(&self) -> Vec<String> {
        let dir = self.path("gen/migrations");
        let Ok(rd) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut v: Vec<String> = rd
            .flatten()
            .map(|e| e.file_name().to_str().unwrap().to_string())
            .filter(|n| n.ends_with(".sql") && !n.ends_with(".down.sql"))
            .collect();
        v.sort();
        v
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.path("gen/migrations").join(file)).unwrap()
    }

    fn down(&self, up: &str) -> String {
        self.read(&up.replace(".sql", ".down.sql"))
    }
}

fn dump(db: &mut TestDb) -> String {
    db.catalog_dump(&["public"])
}

/// Constraint name, kind and definition, with the index of each index-backed one.
fn constraints(db: &mut TestDb) -> String {
    db.query_strings(
        "select c.relname::text, co.conname::text, co.contype::text, pg_get_constraintdef(co.oid),
                coalesce(i.relname::text, '')
         from pg_constraint co join pg_class c on c.oid = co.conrelid
         left join pg_class i on i.oid = co.conindid
         where c.relnamespace = 'public'::regnamespace
         order by 1, 2",
    )
    .iter()
    .map(|r| r.join(" | "))
    .collect::<Vec<_>>()
    .join("\n")
}

/// Apply one file; a file without `BEGIN;` (the `_concurrently` follow-up) one statement at a
/// time, as `psql -f` does.
fn apply(db: &mut TestDb, sql: &str, what: &str) {
    if sql.lines().any(|l| l.trim() == "BEGIN;") {
        db.apply(sql).unwrap_or_else(|e| panic!("{what}: {e}"));
        return;
    }
    let mut stmt = String::new();
    for line in sql.lines() {
        if stmt.is_empty() && (line.trim().is_empty() || line.trim_start().starts_with("--")) {
            continue;
        }
        stmt.push_str(line);
        stmt.push('\n');
        if line.trim_end().ends_with(';') {
            db.apply(&stmt).unwrap_or_else(|e| panic!("{what}: {e}"));
            stmt.clear();
        }
    }
}

#[test]
fn first_migration_up_down_up() {
    let p = Project::new();
    let files = p.build(V1);
    assert_eq!(files.len(), 1, "{files:?}");
    let up = p.read(&files[0]);
    insta::assert_snapshot!("first_up", up);
    insta::assert_snapshot!("first_down", p.down(&files[0]));
    let docs = std::fs::read_to_string(p.path("DATABASE.md")).unwrap();
    let lines: Vec<&str> = docs
        .lines()
        .filter(|l| l.contains("Primary key") || l.contains("SET NULL") || l.contains("CASCADE"))
        .collect();
    insta::assert_snapshot!("first_docs", lines.join("\n"));

    let mut db = TestDb::create("cons_first");
    let empty = dump(&mut db);
    apply(&mut db, &up, "up");
    let after = dump(&mut db);
    insta::assert_snapshot!("first_constraints", constraints(&mut db));
    // The partial SET NULL on rows: the reviewer goes, the tenant stays.
    apply(
        &mut db,
        "insert into tenants (id, code) values (1, 'a');
         insert into members values (1, 10), (1, 11);
         insert into reviews (id, tenant_id, reviewer_id) values (100, 1, 10), (101, 1, 11);
         delete from members where id = 10;",
        "rows",
    );
    let rows = db.query_strings(
        "select id::text, tenant_id::text, coalesce(reviewer_id::text, 'NULL') from reviews order by id",
    );
    assert_eq!(
        rows,
        vec![
            vec!["100".to_string(), "1".to_string(), "NULL".to_string()],
            vec!["101".to_string(), "1".to_string(), "11".to_string()],
        ]
    );
    apply(
        &mut db,
        "delete from reviews; delete from members; delete from tenants;",
        "clean",
    );
    apply(&mut db, &p.down(&files[0]), "down");
    assert_eq!(
        dump(&mut db),
        empty,
        "the down file leaves something behind"
    );
    apply(&mut db, &up, "up again");
    assert_eq!(dump(&mut db), after, "up again differs from the first up");
}

/// Applies `first` (the files of the first build) then checks the step `files` the way
/// tests/migrations.rs does: migrated == fresh build of `model`, down == before, up again == after.
fn check_step(p: &Project, db: &mut TestDb, files: &[String], model: &str, label: &str) {
    let before = dump(db);
    for f in files {
        apply(db, &p.read(f), &format!("{label}: {f}"));
    }
    let after = dump(db);
    let fresh = Project::new();
    let fresh_files = fresh.build(model);
    let mut fresh_db = TestDb::create("cons_fresh");
    for f in &fresh_files {
        apply(
            &mut fresh_db,
            &fresh.read(f),
            &format!("{label} fresh: {f}"),
        );
    }
    assert_eq!(
        dump(&mut fresh_db),
        after,
        "{label}: migrated vs fresh build"
    );
    for f in files.iter().rev() {
        apply(db, &p.down(f), &format!("{label}: down {f}"));
    }
    assert_eq!(dump(db), before, "{label}: after the down files");
    for f in files {
        apply(db, &p.read(f), &format!("{label}: up again {f}"));
    }
    assert_eq!(dump(db), after, "{label}: up again after down");
}

#[test]
fn renames_and_action_changes_migrate_up_down_up() {
    let p = Project::new();
    let first = p.build(V1);
    let mut db = TestDb::create("cons_steps");
    for f in &first {
        apply(&mut db, &p.read(f), f);
    }
    let v2 = v2();
    let step2 = p.build(&v2);
    assert_eq!(step2.len(), 1, "{step2:?}");
    insta::assert_snapshot!(
        "rename_up_down",
        format!("{}==== down\n{}", p.read(&step2[0]), p.down(&step2[0]))
    );
    check_step(&p, &mut db, &step2, &v2, "renames");
    insta::assert_snapshot!("rename_constraints", constraints(&mut db));
    let v3 = v3();
    let step3 = p.build(&v3);
    assert!(!step3.is_empty());
    let text: Vec<String> = step3
        .iter()
        .map(|f| format!("==== {f}\n{}==== down\n{}", p.read(f), p.down(f)))
        .collect();
    insta::assert_snapshot!("set_columns_up_down", text.concat());
    check_step(&p, &mut db, &step3, &v3, "column list");
    // Nothing left to build.
    assert!(p.build(&v3).is_empty());
    // A column the list names is renamed: PostgreSQL keeps the list (by column number), so the
    // foreign key is left alone.
    let v4 = v3
        .replace(
            "      reviewer_id: { type: bigint, nullable: true }",
            "      checker_id: { type: bigint, nullable: true, renamed_from: reviewer_id }",
        )
        .replace("[tenant_id, reviewer_id]", "[tenant_id, checker_id]")
        .replace("[reviewer_id, tenant_id]", "[checker_id, tenant_id]");
    assert!(!v4.contains("reviewer_id]"), "{v4}");
    let step4 = p.build(&v4);
    assert_eq!(step4.len(), 1, "{step4:?}");
    let up = p.read(&step4[0]);
    assert!(
        up.contains("RENAME COLUMN reviewer_id TO checker_id"),
        "{up}"
    );
    assert!(!up.contains("CONSTRAINT"), "{up}");
    check_step(&p, &mut db, &step4, &v4, "column renamed");
}

#[test]
fn verify_reports_a_name_drift_once() {
    let p = Project::new();
    let files = p.build(V1);
    let mut db = TestDb::create("cons_verify");
    for f in &files {
        apply(&mut db, &p.read(f), f);
    }
    let clean = schemac(&[
        "verify",
        "--schema",
        p.path("schema.yaml").to_str().unwrap(),
        "--out",
        p.path("gen").to_str().unwrap(),
        "--against",
        &db.database_url(),
    ]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    apply(
        &mut db,
        "alter table members rename constraint member_pk to members_pkey;
         alter table reviews rename constraint reviews_tenant_id_reviewer_id_fkey to reviews_reviewer_fk;",
        "drift",
    );
    let out = schemac(&[
        "verify",
        "--schema",
        p.path("schema.yaml").to_str().unwrap(),
        "--out",
        p.path("gen").to_str().unwrap(),
        "--against",
        &db.database_url(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("E501"), "{}", out.stderr);
    assert!(!out.stderr.contains("E502"), "{}", out.stderr);
    insta::assert_snapshot!(
        out.stderr
            .replace(p.dir.path().to_str().unwrap(), "<tmp>")
            .replace(&db.database_url(), "<url>")
    );
}

#[test]
fn import_keeps_names_and_column_lists() {
    let p = Project::new();
    p.build(&v2());
    let imported = p.path("imported.yaml");
    let out = schemac(&[
        "import",
        "--sql",
        p.path("gen/migrations").to_str().unwrap(),
        "--database-url",
        &support::admin_url(),
        "--out-model",
        imported.to_str().unwrap(),
        "--report",
        p.path("report.md").to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let text = std::fs::read_to_string(&imported).unwrap();
    insta::assert_snapshot!(text);
    let report = std::fs::read_to_string(p.path("report.md")).unwrap();
    assert!(!report.contains("primary key named"), "{report}");
}

// ---- Exclusion constraints (issue #20, item 11) ----

/// Bookings that may not overlap in one room (unless cancelled), and a deferrable exclusion on a
/// range column that needs no extension.
const EX1: &str = r#"version: 1
extensions: [btree_gist]
tables:
  bookings:
    columns:
      id: { type: bigint, primary_key: true }
      room: bigint
      starts_at: timestamptz
      ends_at: timestamptz
      cancelled: { type: boolean, default: "false" }
    exclude:
      - elements:
          - { column: room, with: "=" }
          - { expression: "tstzrange(starts_at, ends_at)", with: "&&" }
        where: "not cancelled"
  holds:
    columns:
      id: { type: bigint, primary_key: true }
      span: int4range
    exclude:
      - name: holds_no_overlap
        elements:
          - { column: span, with: "&&" }
        deferrable: initially_deferred
"#;

fn booking(id: i64, room: i64, from: &str, to: &str, cancelled: bool) -> String {
    format!(
        "insert into bookings (id, room, starts_at, ends_at, cancelled) values ({id}, {room}, '2026-01-01 {from}+00', '2026-01-01 {to}+00', {cancelled});"
    )
}

/// The rows the constraint exists for: an overlap in one room is refused (SQLSTATE 23P01), the
/// same hours in another room or a cancelled booking are not.
fn exercise_bookings(db: &mut TestDb) {
    apply(db, &booking(1, 1, "10:00", "12:00", false), "first booking");
    apply(db, &booking(2, 2, "10:00", "12:00", false), "other room");
    apply(db, &booking(3, 1, "12:00", "13:00", false), "adjacent");
    apply(
        db,
        &booking(4, 1, "11:00", "12:30", true),
        "cancelled overlap",
    );
    let err = db
        .apply(&booking(5, 1, "11:00", "11:30", false))
        .expect_err("an overlapping booking in room 1 must be refused");
    assert!(
        err.to_string()
            .contains("conflicting key value violates exclusion constraint"),
        "{err}"
    );
    apply(db, "delete from bookings", "clean");
}

#[test]
fn exclusion_first_migration_up_down_up() {
    let p = Project::new();
    let files = p.build(EX1);
    assert_eq!(files.len(), 1, "{files:?}");
    let up = p.read(&files[0]);
    insta::assert_snapshot!("exclude_first_up", up);
    insta::assert_snapshot!("exclude_first_down", p.down(&files[0]));
    let docs = std::fs::read_to_string(p.path("DATABASE.md")).unwrap();
    let lines: Vec<&str> = docs
        .lines()
        .filter(|l| l.contains("_excl") || l.contains("no_overlap") || l.contains("Exclusion"))
        .collect();
    insta::assert_snapshot!("exclude_first_docs", lines.join("\n"));

    let mut db = TestDb::create("excl_first");
    let empty = dump(&mut db);
    apply(&mut db, &up, "up");
    let after = dump(&mut db);
    insta::assert_snapshot!("exclude_first_constraints", constraints(&mut db));
    exercise_bookings(&mut db);
    // Deferred: the conflict is only reported at commit.
    let err = db
        .apply("begin; insert into holds values (1, '[1,10)'), (2, '[5,20)'); commit;")
        .expect_err("overlapping holds must be refused at commit");
    assert!(err.to_string().contains("holds_no_overlap"), "{err}");
    apply(&mut db, &p.down(&files[0]), "down");
    assert_eq!(
        dump(&mut db),
        empty,
        "the down file leaves something behind"
    );
    apply(&mut db, &up, "up again");
    assert_eq!(dump(&mut db), after, "up again differs from the first up");
    exercise_bookings(&mut db);
}

#[test]
fn exclusion_added_renamed_changed_and_dropped_up_down_up() {
    let v1 = EX1.replace(
        "    exclude:\n      - elements:\n          - { column: room, with: \"=\" }\n          - { expression: \"tstzrange(starts_at, ends_at)\", with: \"&&\" }\n        where: \"not cancelled\"\n",
        "",
    );
    assert_ne!(v1, EX1);
    let p = Project::new();
    let first = p.build(&v1);
    let mut db = TestDb::create("excl_steps");
    for f in &first {
        apply(&mut db, &p.read(f), f);
    }
    // Rows that do not conflict stay through every step.
    apply(&mut db, &booking(1, 1, "10:00", "12:00", false), "row");
    apply(&mut db, &booking(2, 1, "11:00", "12:00", true), "row");

    // Added to an existing table: ADD CONSTRAINT, and SC608 says it may fail on data.
    let step = p.build(EX1);
    assert_eq!(step.len(), 1, "{step:?}");
    insta::assert_snapshot!(
        "exclude_add_up_down",
        format!("{}==== down\n{}", p.read(&step[0]), p.down(&step[0]))
    );
    check_step(&p, &mut db, &step, EX1, "add");
    let err = db
        .apply(&booking(3, 1, "11:30", "13:00", false))
        .expect_err("the added constraint refuses an overlap");
    assert!(
        err.to_string().contains("bookings_room_tstzrange_excl"),
        "{err}"
    );

    // Named: the same definition under a new name is a rename.
    let v3 = EX1.replace(
        "    exclude:\n      - elements:\n          - { column: room",
        "    exclude:\n      - name: bookings_no_overlap\n        elements:\n          - { column: room",
    );
    assert_ne!(v3, EX1);
    let step = p.build(&v3);
    assert_eq!(step.len(), 1, "{step:?}");
    let up = p.read(&step[0]);
    assert!(
        up.contains("RENAME CONSTRAINT bookings_room_tstzrange_excl TO bookings_no_overlap"),
        "{up}"
    );
    assert!(!up.contains("EXCLUDE"), "{up}");
    check_step(&p, &mut db, &step, &v3, "rename");

    // The predicate changes: dropped and added.
    let v4 = v3.replace(
        "where: \"not cancelled\"",
        "where: \"not cancelled and room > 0\"",
    );
    let step = p.build(&v4);
    assert_eq!(step.len(), 1, "{step:?}");
    insta::assert_snapshot!(
        "exclude_change_up_down",
        format!("{}==== down\n{}", p.read(&step[0]), p.down(&step[0]))
    );
    check_step(&p, &mut db, &step, &v4, "predicate");
    assert!(p.build(&v4).is_empty(), "nothing left to build");

    // A column of the constraint is renamed: PostgreSQL keeps the constraint.
    let v5 = v4
        .replace(
            "      room: bigint",
            "      room_id: { type: bigint, renamed_from: room }",
        )
        .replace("{ column: room, with", "{ column: room_id, with")
        .replace("and room > 0", "and room_id > 0");
    let step = p.build(&v5);
    assert_eq!(step.len(), 1, "{step:?}");
    let up = p.read(&step[0]);
    assert!(up.contains("RENAME COLUMN room TO room_id"), "{up}");
    assert!(!up.contains("CONSTRAINT"), "{up}");
    check_step(&p, &mut db, &step, &v5, "column renamed");

    // Dropped.
    let v6 = v5.replace(
        "      - name: bookings_no_overlap\n        elements:\n          - { column: room_id, with: \"=\" }\n          - { expression: \"tstzrange(starts_at, ends_at)\", with: \"&&\" }\n        where: \"not cancelled and room_id > 0\"\n",
        "",
    ).replace("    exclude:\n  holds:", "  holds:");
    assert!(!v6.contains("bookings_no_overlap"), "{v6}");
    let step = p.build(&v6);
    assert_eq!(step.len(), 1, "{step:?}");
    insta::assert_snapshot!(
        "exclude_drop_up_down",
        format!("{}==== down\n{}", p.read(&step[0]), p.down(&step[0]))
    );
    check_step(&p, &mut db, &step, &v6, "drop");
}

#[test]
fn exclusion_verify_and_import() {
    let p = Project::new();
    let files = p.build(EX1);
    let mut db = TestDb::create("excl_verify");
    for f in &files {
        apply(&mut db, &p.read(f), f);
    }
    let verify = |db: &TestDb| {
        schemac(&[
            "verify",
            "--schema",
            p.path("schema.yaml").to_str().unwrap(),
            "--out",
            p.path("gen").to_str().unwrap(),
            "--against",
            &db.database_url(),
        ])
    };
    let clean = verify(&db);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    // Missing, extra and different: the bookings constraint gone, one on holds changed, a new one.
    apply(
        &mut db,
        "alter table bookings drop constraint bookings_room_tstzrange_excl;
         alter table holds drop constraint holds_no_overlap;
         alter table holds add constraint holds_no_overlap exclude using gist (span with &&) where (id > 0);
         alter table bookings add constraint bookings_extra exclude using gist (room with =);",
        "drift",
    );
    let out = verify(&db);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(
        "exclude_verify_drift",
        out.stderr
            .replace(p.dir.path().to_str().unwrap(), "<tmp>")
            .replace(&db.database_url(), "<url>")
    );

    let imported = p.path("imported.yaml");
    let out = schemac(&[
        "import",
        "--sql",
        p.path("gen/migrations").to_str().unwrap(),
        "--database-url",
        &support::admin_url(),
        "--out-model",
        imported.to_str().unwrap(),
        "--report",
        p.path("report.md").to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    insta::assert_snapshot!(
        "exclude_imported",
        std::fs::read_to_string(&imported).unwrap()
    );
    let report = std::fs::read_to_string(p.path("report.md")).unwrap();
    assert!(!report.contains("exclusion constraint"), "{report}");
}
