//! Schema privileges on real PostgreSQL: `schemas: { app: { grants, revoke, all_tables,
//! all_functions } }`, `public` and the platform's schemas (`auth`) included.
//!
//! Each test builds a model with the `schemac` binary into a temporary folder, applies the
//! Supabase stand-in and the migrations to a throwaway database, checks what the roles can do
//! (up, down and up again), and runs `verify --against` on the result.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::{TestDb, schemac};

/// The model of these tests: a schema `app` clients may use, every table of it readable by
/// `authenticated`, `anon` kept out of `public` (revoked from `anon` and from PUBLIC, through
/// which every role holds USAGE on `public`), and a worker role that may use `auth`.
const MODEL: &str = r#"version: 1
preset: supabase
roles:
  priv_worker: { description: Background jobs }
schemas:
  app:
    description: Application tables
    grants: { authenticated: [usage], priv_worker: [usage, create] }
    all_tables: { authenticated: [select] }
    all_functions: { authenticated: [execute] }
  public:
    revoke: { anon: [usage], public: [usage] }
  auth:
    grants: { priv_worker: [usage] }
grants:
  auth.users: { priv_worker: [select] }
functions:
  app.answer:
    returns: integer
    language: sql
    volatility: immutable
    body: select 42
    revoke: { public: [execute] }
tables:
  app.notes:
    columns:
      id: { type: bigint, primary_key: true }
      body: text
  app.tags:
    columns:
      id: { type: bigint, primary_key: true }
    grants: { priv_worker: [select, insert] }
  public.open:
    columns:
      id: { type: bigint, primary_key: true }
    grants: { anon: [select], authenticated: [select] }
lint:
  rules:
    SC401: off
    SC404: off
    SC510: off
"#;

struct Built {
    dir: tempfile::TempDir,
}

impl Built {
    fn path(&self, p: &str) -> String {
        self.dir.path().join(p).to_str().unwrap().to_string()
    }

    /// Write `model` and build it (the next migration when one was built before).
    fn build(&self, model: &str) {
        std::fs::write(self.path("schema.yaml"), model).unwrap();
        let built = schemac(&[
            "build",
            "--schema",
            &self.path("schema.yaml"),
            "--out",
            &self.path("generated"),
            "--docs",
            &self.path("DATABASE.md"),
        ]);
        assert_eq!(built.code, 0, "{}", built.stderr);
    }

    /// The migration files, sorted by name: (name, text).
    fn files(&self) -> Vec<(String, String)> {
        let dir = self.dir.path().join("generated/migrations");
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| {
                let text = std::fs::read_to_string(dir.join(&n)).unwrap();
                (n, text)
            })
            .collect();
        files.sort();
        files
    }

    fn file(&self, prefix: &str, down: bool) -> String {
        self.files()
            .into_iter()
            .find(|(n, _)| n.starts_with(prefix) && n.ends_with(".down.sql") == down)
            .map(|(_, t)| t)
            .unwrap_or_else(|| panic!("no migration {prefix} (down: {down})"))
    }

    fn verify(&self, db: &TestDb) -> support::Out {
        schemac(&[
            "verify",
            "--schema",
            &self.path("schema.yaml"),
            "--out",
            &self.path("generated"),
            "--against",
            &db.database_url(),
        ])
    }
}

fn new_project() -> Built {
    Built {
        dir: tempfile::tempdir().unwrap(),
    }
}

/// `has_schema_privilege` of each (role, schema, privilege), as `role schema privilege=t|f`.
fn schema_rights(db: &mut TestDb, cases: &[(&str, &str, &str)]) -> Vec<String> {
    cases
        .iter()
        .map(|(role, schema, privilege)| {
            let rows = db.query_strings(&format!(
                "select case when exists (select 1 from pg_namespace where nspname = '{schema}') \
                 then has_schema_privilege('{role}', '{schema}', '{privilege}')::text else 'absent' end"
            ));
            format!("{role} {schema} {privilege}={}", rows[0][0])
        })
        .collect()
}

/// What `sql` gives as `role`: `ok` or the SQLSTATE.
fn as_role(db: &mut TestDb, role: &str, sql: &str) -> String {
    db.as_role(role, None, |tx| match tx.query(sql, &[]) {
        Ok(_) => "ok".to_string(),
        Err(e) => e.code().map_or("?", |c| c.code()).to_string(),
    })
}

const CASES: &[(&str, &str, &str)] = &[
    ("authenticated", "app", "usage"),
    ("anon", "app", "usage"),
    ("priv_worker", "app", "create"),
    ("anon", "public", "usage"),
    ("authenticated", "public", "usage"),
    ("priv_worker", "public", "usage"),
    ("priv_worker", "public", "create"),
    ("priv_worker", "auth", "usage"),
];

/// The first migration grants and revokes on `app`, `public` and `auth`; clients can then use
/// exactly what the model says (a table grant without USAGE on the schema is refused with
/// 42501); the down migration puts `public` and `auth` back as they were; up again works.
#[test]
fn schema_privileges_up_down_up() {
    let p = new_project();
    p.build(MODEL);
    let up = p.file("0001", false);
    let down = p.file("0001", true);
    let privileges = |sql: &str| -> String {
        sql.lines()
            .filter(|l| {
                l.contains(" ON SCHEMA ")
                    || l.contains(" ON TABLE app.")
                    || l.contains(" ON TABLE auth.")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    insta::assert_snapshot!("first_up", privileges(&up));
    insta::assert_snapshot!("first_down", privileges(&down));

    let mut db = TestDb::create("schema_privs");
    db.apply_supabase_standin();
    db.apply_ok("do $$ begin if not exists (select from pg_roles where rolname = 'priv_worker') then create role priv_worker; end if; end $$");
    let before = schema_rights(&mut db, CASES);
    db.apply_ok(&up);
    let after = schema_rights(&mut db, CASES);
    assert_eq!(
        after,
        [
            "authenticated app usage=true",
            "anon app usage=false",
            "priv_worker app create=true",
            "anon public usage=false",
            "authenticated public usage=true",
            "priv_worker public usage=false",
            "priv_worker public create=false",
            "priv_worker auth usage=true",
        ]
    );
    assert_eq!(
        as_role(&mut db, "authenticated", "select * from app.notes"),
        "ok"
    );
    assert_eq!(
        as_role(&mut db, "authenticated", "select app.answer()"),
        "ok"
    );
    // A table grant is dead without USAGE on its schema.
    assert_eq!(
        as_role(&mut db, "anon", "select * from public.open"),
        "42501"
    );
    assert_eq!(
        as_role(&mut db, "priv_worker", "select * from app.tags"),
        "ok"
    );
    assert_eq!(
        as_role(&mut db, "priv_worker", "select id from auth.users"),
        "ok"
    );

    let clean = p.verify(&db);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    db.apply_ok("revoke usage on schema app from authenticated; grant usage on schema public to anon; revoke usage on schema auth from priv_worker; revoke usage on schema auth from anon; revoke select on auth.users from priv_worker");
    let drift = p.verify(&db);
    assert_eq!(drift.code, 1, "{}", drift.stderr);
    for want in [
        "the privileges of `authenticated` on schema `app` differs",
        "the privileges of `anon` on schema `public` differs",
        "the privileges of `priv_worker` on schema `auth` differs",
        "SELECT on platform table `auth.users` for `priv_worker` is in the model but not in the",
        "4 errors",
    ] {
        assert!(drift.stderr.contains(want), "{want}\n{}", drift.stderr);
    }
    // On a platform schema only the roles the model names are compared.
    assert!(
        !drift.stderr.contains("`anon` on schema `auth`"),
        "{}",
        drift.stderr
    );
    db.apply_ok("grant usage on schema app to authenticated; revoke usage on schema public from anon; grant usage on schema auth to priv_worker, anon; grant select on auth.users to priv_worker");

    db.apply_ok(&down);
    assert_eq!(schema_rights(&mut db, CASES), before);
    assert_eq!(
        as_role(&mut db, "priv_worker", "select id from auth.users"),
        "42501"
    );
    db.apply_ok(&up);
    assert_eq!(schema_rights(&mut db, CASES), after);
    assert_eq!(
        as_role(&mut db, "priv_worker", "select id from auth.users"),
        "ok"
    );
}

/// The next migration grants what the model adds and revokes what it takes away; giving back a
/// revoke of `public` grants back only the default (USAGE); its down migration undoes it.
#[test]
fn schema_privileges_change_incrementally() {
    let p = new_project();
    p.build(MODEL);
    let next = MODEL
        .replace(
            "  auth.users: { priv_worker: [select] }\n",
            "  storage.objects: { priv_worker: [select] }\n",
        )
        .replace(
            "    revoke: { anon: [usage], public: [usage] }\n",
            "    revoke: { public: [usage] }\n    grants: { priv_worker: [create] }\n",
        )
        .replace(
            "grants: { authenticated: [usage], priv_worker: [usage, create] }",
            "grants: { authenticated: [usage], anon: [usage], priv_worker: [usage] }",
        )
        .replace(
            "    grants: { priv_worker: [usage] }\n",
            "    revoke: { priv_worker: [usage] }\n",
        )
        + "migrations:\n  acknowledge:\n    - { rule: access-weakened, object: app, reason: anon may use app }\n    - { rule: access-weakened, object: public, reason: anon may use public again }\n    - { rule: access-widened, object: public.open, reason: open to anon again }\n";
    p.build(&next);
    let up = p.file("0002", false);
    let down = p.file("0002", true);
    let privileges = |sql: &str| -> String {
        sql.lines()
            .filter(|l| {
                l.contains(" ON SCHEMA ")
                    || l.contains(" ON TABLE storage.")
                    || l.contains(" ON TABLE auth.")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    insta::assert_snapshot!("next_up", privileges(&up));
    insta::assert_snapshot!("next_down", privileges(&down));

    let mut db = TestDb::create("schema_privs_next");
    db.apply_supabase_standin();
    db.apply_ok("do $$ begin if not exists (select from pg_roles where rolname = 'priv_worker') then create role priv_worker; end if; end $$");
    db.apply_ok(&p.file("0001", false));
    let first = schema_rights(&mut db, CASES);
    db.apply_ok(&up);
    assert_eq!(
        schema_rights(&mut db, CASES),
        [
            "authenticated app usage=true",
            "anon app usage=true",
            "priv_worker app create=false",
            "anon public usage=true",
            "authenticated public usage=true",
            "priv_worker public usage=false",
            "priv_worker public create=true",
            "priv_worker auth usage=false",
        ]
    );
    let table_rights = |db: &mut TestDb| {
        db.query_strings(
            "select has_table_privilege('priv_worker', 'auth.users', 'select')::text, \
                    has_table_privilege('priv_worker', 'storage.objects', 'select')::text",
        )
    };
    assert_eq!(table_rights(&mut db), [["false", "true"]]);
    let clean = p.verify(&db);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    db.apply_ok(&down);
    assert_eq!(schema_rights(&mut db, CASES), first);
    assert_eq!(table_rights(&mut db), [["true", "false"]]);
    db.apply_ok(&up);
    let clean = p.verify(&db);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
}

/// DATABASE.md lists the effective privileges of every schema whose privileges the model
/// declares.
#[test]
fn database_md_lists_schema_privileges() {
    let p = new_project();
    p.build(MODEL);
    let md = std::fs::read_to_string(p.path("DATABASE.md")).unwrap();
    let start = md
        .find("**Schema privileges**")
        .expect("a schema privileges section");
    let end = start + md[start..].find("\n\n**Client roles**").unwrap();
    insta::assert_snapshot!(&md[start..end]);
}

/// Bulk grants reach every table, view and function of the schema the model declares, and only
/// those: `public.open` keeps its own grants.
#[test]
fn bulk_grants_expand_to_the_schema_objects() {
    let c = schemac::compile_sources(&[("schema.yaml".into(), MODEL.to_string())]);
    assert!(c.ok(), "{:?}", c.diagnostics.sorted());
    let grants = |schema: &str, name: &str| {
        let t = &c.model.tables[&schemac::ir::QName::new(schema, name)];
        format!("{:?}", t.grants)
    };
    assert_eq!(grants("app", "notes"), r#"{"authenticated": {"select"}}"#);
    assert_eq!(
        grants("app", "tags"),
        r#"{"authenticated": {"select"}, "priv_worker": {"insert", "select"}}"#
    );
    assert_eq!(
        grants("public", "open"),
        r#"{"anon": {"select"}, "authenticated": {"select"}}"#
    );
    let f = c
        .model
        .function(&schemac::ir::QName::new("app", "answer"), &[])
        .unwrap();
    assert_eq!(
        format!("{:?}", f.grants),
        r#"{"authenticated": {"execute"}}"#
    );
}
