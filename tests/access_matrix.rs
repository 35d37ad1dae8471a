//! The access matrix (`schemac::access`) against PostgreSQL: for real changes (a restrictive policy
//! made permissive, a grant added, RLS turned off, a view's `security_invoker` flipped, a definer
//! function exposed), both the model before and the model after are applied to a scratch database
//! with the Supabase stand-in and every cell of their matrices is checked by running the command
//! as the role: the matrix and the database must never agree to disagree. The diff between the
//! two matrices is snapshotted, and each scenario's change must show as the expected movement.
//!
//! Checked per cell, each command in a savepoint that is rolled back: SELECT (`select count(*)`),
//! UPDATE (`update … set id = id`), DELETE (`delete`) and EXECUTE (`select f()`): `denied` ⇔
//! `permission denied` (42501); `no rows` ⇒ 0 rows; `all rows` ⇒ every seeded row; `rows where …`
//! ⇒ the command runs on fewer rows. INSERT, of one row inside user A's policies and one outside:
//! `denied` ⇒ both `permission denied`; `no rows` ⇒ the WITH CHECK refuses both (42501 `new row
//! violates row-level security policy`); `rows where …` ⇒ the inside row goes in, the outside
//! one is refused; `all rows` ⇒ both go in.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use insta::assert_snapshot;
use postgres::error::SqlState;
use schemac::access::{self, Command, Kind, Matrix, Movement, Reach};
use support::TestDb;

const USER_A: &str = "00000000-0000-4000-8000-00000000000a";

/// Documents of two users, live (id > 0) and archived (id < 0): four rows, so that no policy
/// combination of the scenarios reaches all of them unless the matrix says every row.
const BASE: &str = r#"version: 1
preset: supabase
supabase: { auto_expose_new_tables: true }
tables:
  docs:
    columns:
      id: { type: bigint, primary_key: true }
      owner: uuid
    indexes: [ { columns: [owner] } ]
    revoke: { anon: [all] }
    rls:
      enabled: true
      policies:
        own: { for: all, to: [authenticated], using: "owner = (select auth.uid())" }
        live: { for: select, to: [authenticated], as: restrictive, using: "id > 0" }
  news:
    columns:
      id: { type: bigint, primary_key: true }
    revoke: { anon: [all] }
    rls:
      policies:
        read: { for: select, using: "true" }
views:
  live_docs:
    query: "select id, owner from public.docs"
    security_invoker: true
functions:
  count_docs:
    returns: bigint
    volatility: stable
    security: definer
    search_path: ""
    language: plpgsql
    body: "begin return (select count(*) from public.docs); end"
    revoke: { public: [execute], anon: [execute], authenticated: [execute] }
"#;

const SEED: &str = "insert into public.docs values (1, '00000000-0000-4000-8000-00000000000a'), \
                    (2, '00000000-0000-4000-8000-00000000000b'), \
                    (-3, '00000000-0000-4000-8000-00000000000a'), \
                    (-4, '00000000-0000-4000-8000-00000000000b'); \
                    insert into public.news values (1), (2);";

fn compile(yaml: &str) -> (schemac::Compiled, Matrix, String) {
    let c = schemac::compile_sources(&[("schema.yaml".to_string(), yaml.to_string())]);
    assert!(
        c.ok(),
        "{}",
        schemac::diagnostics::report::human(
            &c.diagnostics.sorted(),
            &c.sources,
            schemac::diagnostics::report::Style::Plain,
            100
        )
    );
    let m = schemac::access::matrix(&c.model, &c.external);
    let migration = schemac::plan::initial(&c.model);
    let (up, _) = schemac::render::Renderer::new(None)
        .migration("0001_init", &migration)
        .unwrap();
    (c, m, up)
}

/// What the database did with a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// It ran: the rows it counted (SELECT), changed (INSERT, UPDATE, DELETE) or 0.
    Rows(u64),
    /// `permission denied` (42501, no privilege).
    Denied,
    /// `new row violates row-level security policy` (42501, the WITH CHECK refused the row).
    Refused,
}

/// What the database does when `role` runs `sql` (as user A when authenticated), in a
/// savepoint that is rolled back.
fn run(db: &mut TestDb, role: &str, sql: &str) -> Outcome {
    let claims = if role == "anon" {
        r#"{"role":"anon"}"#.to_string()
    } else {
        format!(r#"{{"role":"{role}","sub":"{USER_A}"}}"#)
    };
    db.as_role(role, Some(&claims), |tx| {
        let mut sp = tx.transaction().unwrap();
        let result = if sql.starts_with("select") {
            sp.query(sql, &[]).map(|rows| {
                let n: Option<i64> = rows.first().and_then(|r| r.try_get(0).ok());
                n.unwrap_or(0).max(0) as u64
            })
        } else {
            sp.execute(sql, &[])
        };
        let out = match result {
            Ok(n) => Outcome::Rows(n),
            Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
                let message = e.as_db_error().map(|d| d.message()).unwrap_or_default();
                if message.starts_with("new row violates row-level security policy") {
                    Outcome::Refused
                } else {
                    assert!(message.starts_with("permission denied"), "{sql}: {message}");
                    Outcome::Denied
                }
            }
            Err(e) => panic!("{role}: {sql}: {e:?}"),
        };
        let _ = sp.rollback();
        out
    })
}

/// Rows to INSERT into an object of the scenarios: one inside user A's policies (A's, live),
/// one outside them (user B's). A table without an owner column has one row for both.
fn insert_rows(object: &str) -> (String, String) {
    const USER_B: &str = "00000000-0000-4000-8000-00000000000b";
    match object {
        "news" => ("(100)".into(), "(100)".into()),
        "docs" | "live_docs" => (format!("(100, '{USER_A}')"), format!("(101, '{USER_B}')")),
        "logs" | "logs_eu" | "logs_us" => {
            let region = if object == "logs_us" { "us" } else { "eu" };
            (
                format!("(100, '{USER_A}', '{region}')"),
                format!("(101, '{USER_B}', '{region}')"),
            )
        }
        other => panic!("no rows to insert into {other}"),
    }
}

/// Apply the model and check every SELECT, DELETE and EXECUTE cell of its matrix as the role.
fn check_against_database(name: &str, yaml: &str) -> Matrix {
    check_seeded(name, yaml, SEED, &|object| match object {
        "news" => 2,
        _ => 4,
    })
}

/// [`check_against_database`] with its own seed and the number of rows each object holds.
fn check_seeded(name: &str, yaml: &str, seed: &str, rows: &dyn Fn(&str) -> u64) -> Matrix {
    let (_, matrix, up) = compile(yaml);
    let mut db = TestDb::create("access_matrix");
    db.apply_supabase_standin_auto_expose();
    db.apply(&up).unwrap_or_else(|e| panic!("{name}: {e}"));
    db.apply(seed).unwrap();
    let mut checked = 0;
    for (object, (kind, _, cells)) in &matrix.objects {
        let total = rows(&object.name);
        for (role, row) in cells {
            for (cmd, reach) in row {
                let what = |got: &dyn std::fmt::Debug| {
                    format!(
                        "{name}: {role} {cmd} on {object}: matrix says {reach}, database {got:?}"
                    )
                };
                if *cmd == Command::Insert {
                    // Denied: no privilege. No rows: no permissive policy, so the WITH CHECK
                    // refuses every row. Filtered: the row inside the policies goes in, the one
                    // outside is refused. All: both go in.
                    let (inside, outside) = insert_rows(&object.name);
                    let got = (
                        run(
                            &mut db,
                            role,
                            &format!("insert into {object} values {inside}"),
                        ),
                        run(
                            &mut db,
                            role,
                            &format!("insert into {object} values {outside}"),
                        ),
                    );
                    let want = match reach {
                        Reach::Denied => (Outcome::Denied, Outcome::Denied),
                        Reach::NoRows => (Outcome::Refused, Outcome::Refused),
                        Reach::Filtered(_) => (Outcome::Rows(1), Outcome::Refused),
                        Reach::All(_) => (Outcome::Rows(1), Outcome::Rows(1)),
                    };
                    assert_eq!(got, want, "{}", what(&got));
                    checked += 1;
                    continue;
                }
                let sql = match (kind, cmd) {
                    (Kind::Function, Command::Execute) => format!("select {object}()"),
                    (_, Command::Select) => format!("select count(*) from {object}"),
                    (_, Command::Update) => format!("update {object} set id = id"),
                    (Kind::Table, Command::Delete) => format!("delete from {object}"),
                    _ => continue,
                };
                let got = run(&mut db, role, &sql);
                let what = what(&got);
                match reach {
                    Reach::Denied => assert_eq!(got, Outcome::Denied, "{what}"),
                    Reach::NoRows => assert_eq!(got, Outcome::Rows(0), "{what}"),
                    Reach::All(_) if *kind == Kind::Function => {
                        assert!(matches!(got, Outcome::Rows(_)), "{what}")
                    }
                    Reach::All(_) => assert_eq!(got, Outcome::Rows(total), "{what}"),
                    Reach::Filtered(_) => {
                        let reached = match got {
                            Outcome::Rows(n) => n,
                            _ => panic!("{what}"),
                        };
                        if *kind != Kind::Function {
                            assert!(reached < total, "{what}");
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "{name}: only {checked} cells checked");
    matrix
}

/// Check both sides, then show the diff; `expect` is the movement the change must produce.
fn scenario(name: &str, from: &str, to: &str, expect: (&str, Command, &str, Movement)) -> String {
    assert!(BASE.contains(from), "{from}");
    let after_yaml = BASE.replacen(from, to, 1);
    let before = check_against_database(&format!("{name} (before)"), BASE);
    let after = check_against_database(&format!("{name} (after)"), &after_yaml);
    let deltas = access::diff(&before, &after);
    let (object, cmd, role, movement) = expect;
    assert!(
        deltas.iter().any(|d| d.object.to_string() == object
            && d.command == cmd
            && d.role == role
            && d.movement == movement),
        "{name}: expected {role} {cmd} on {object} {movement}:\n{}",
        access::human(&deltas)
    );
    access::human(&deltas)
}

#[test]
fn restrictive_policy_made_permissive_widens_select() {
    assert_snapshot!(scenario(
        "permissive",
        "as: restrictive",
        "as: permissive",
        (
            "public.docs",
            Command::Select,
            "authenticated",
            Movement::Widened
        )
    ));
}

#[test]
fn grant_added_opens_select_for_anon() {
    assert_snapshot!(scenario(
        "grant",
        "    revoke: { anon: [all] }\n    rls:\n      policies:\n        read:",
        "    revoke: { anon: [insert, update, delete, truncate, references, trigger] }\n    rls:\n      policies:\n        read:",
        ("public.news", Command::Select, "anon", Movement::Opened)
    ));
}

#[test]
fn rls_turned_off_widens_every_command() {
    assert_snapshot!(scenario(
        "rls off",
        "      enabled: true\n",
        "      enabled: false\n",
        (
            "public.docs",
            Command::Delete,
            "authenticated",
            Movement::Widened
        )
    ));
}

#[test]
fn view_losing_security_invoker_widens_select() {
    assert_snapshot!(scenario(
        "invoker",
        "security_invoker: true",
        "security_invoker: false",
        (
            "public.live_docs",
            Command::Select,
            "authenticated",
            Movement::Widened
        )
    ));
}

#[test]
fn definer_function_exposed_opens_execute() {
    assert_snapshot!(scenario(
        "definer",
        "    revoke: { public: [execute], anon: [execute], authenticated: [execute] }\n",
        "    revoke: { public: [execute], anon: [execute] }\n",
        (
            "public.count_docs",
            Command::Execute,
            "authenticated",
            Movement::Opened
        )
    ));
}

#[test]
fn partitions_reached_directly_show_clients_no_rows() {
    // The migration gives each partition its parent's grants and RLS with no policy of its own
    // (the partition leak of issue 19, closed): a client naming a partition sees no rows, and
    // the matrix must say so, as the database does.
    let yaml = r#"version: 1
preset: supabase
supabase: { auto_expose_new_tables: true }
tables:
  logs:
    columns:
      id: bigint
      owner: uuid
      region: text
    primary_key: [id, region]
    revoke: { anon: [all] }
    partition:
      by: list
      columns: [region]
      partitions:
        logs_eu: { in: ["'eu'"] }
        logs_us: { in: ["'us'"] }
    rls:
      policies:
        own: { for: all, to: [authenticated], using: "owner = (select auth.uid())" }
"#;
    let seed = "insert into public.logs values \
                (1, '00000000-0000-4000-8000-00000000000a', 'eu'), \
                (2, '00000000-0000-4000-8000-00000000000b', 'eu'), \
                (3, '00000000-0000-4000-8000-00000000000a', 'us'), \
                (4, '00000000-0000-4000-8000-00000000000b', 'us');";
    let m = check_seeded("partitions", yaml, seed, &|object| {
        if object == "logs" { 4 } else { 2 }
    });
    let cell = |object: &str, role: &str| {
        let (_, _, cells) = &m.objects[&schemac::ir::QName::new("public", object)];
        cells[role][&Command::Select].clone()
    };
    assert_eq!(cell("logs", "anon"), Reach::Denied);
    assert_eq!(cell("logs_eu", "authenticated"), Reach::NoRows);
}
