//! Today's Supabase platform on real PostgreSQL (issue 19): partitions of a table with row level
//! security do not leak to the client roles in either stand-in mode, and policies and triggers
//! on platform tables (`storage.objects`) work end to end on the stand-in.
//!
//! Each test builds a small model with the `schemac` binary into a temporary folder, applies the
//! Supabase stand-in (secure by default, or with the automatic grants of projects that still
//! auto-expose) and the migrations to a throwaway database, and queries as the client roles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::{TestDb, schemac};

const USER_A: &str = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const USER_B: &str = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

/// `model` built into a temporary folder; returns the folder and the up and down migrations.
fn build(model: &str) -> (tempfile::TempDir, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let path = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    std::fs::write(path("schema.yaml"), model).unwrap();
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
    let mut files: Vec<(String, String)> = std::fs::read_dir(path("generated/migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .map(|n| {
            let text = std::fs::read_to_string(dir.path().join("generated/migrations").join(&n));
            (n, text.unwrap())
        })
        .collect();
    files.sort();
    (dir, files)
}

fn up(files: &[(String, String)]) -> Vec<&str> {
    files
        .iter()
        .filter(|(n, _)| !n.ends_with(".down.sql"))
        .map(|(_, t)| t.as_str())
        .collect()
}

fn claims(user: &str) -> String {
    format!(r#"{{"sub": "{user}", "role": "authenticated"}}"#)
}

/// What `sql` returns as `role` (with `user`'s JWT, if any): the first column of each row, or
/// the error's SQLSTATE as `denied:<code>`.
fn as_role(db: &mut TestDb, role: &str, user: Option<&str>, sql: &str) -> Vec<String> {
    let claims = user.map(claims);
    db.as_role(role, claims.as_deref(), |tx| match tx.query(sql, &[]) {
        Ok(rows) => rows
            .iter()
            .map(|r| r.get::<_, Option<String>>(0).unwrap_or_default())
            .collect(),
        Err(e) => vec![format!("denied:{}", e.code().map_or("?", |c| c.code()))],
    })
}

const PARTITIONED: &str = r#"version: 1
preset: supabase
MODE
tables:
  events:
    columns:
      id: { type: bigint, identity: always }
      user_id: uuid
      at: timestamptz
      body: text
    primary_key: [id, at]
    indexes: [ { columns: [user_id] } ]
    grants: { authenticated: [select, insert], service_role: [select, insert, update, delete] }
    rls:
      policies:
        own_select: { for: select, to: [authenticated], using: "(select auth.uid()) = user_id" }
        own_insert: { for: insert, to: [authenticated], with_check: "(select auth.uid()) = user_id" }
    partition:
      by: range
      columns: [at]
      partitions:
        events_2026: { from: "'2026-01-01'", to: "'2027-01-01'" }
        events_rest: { default: true }
"#;

const PARTITIONS: &[&str] = &["events_2026", "events_rest"];

/// The leak of issue 19: as `anon`, the parent was closed while `select * from <partition>`
/// returned every row (RLS and the revokes were applied to the parent only). Every partition
/// must show the client roles nothing, in both stand-in modes, while the parent keeps working
/// through its policies.
#[test]
fn partitions_do_not_leak_to_client_roles() {
    for (mode, auto_expose) in [
        ("supabase: { auto_expose_new_tables: true }", true),
        ("", false),
    ] {
        let (_dir, files) = build(&PARTITIONED.replace("MODE", mode));
        let mut db = TestDb::create("partitions");
        if auto_expose {
            db.apply_supabase_standin_auto_expose();
        } else {
            db.apply_supabase_standin();
        }
        for sql in up(&files) {
            db.apply_ok(sql);
        }
        db.apply_ok(&format!(
            "insert into public.events (user_id, at, body) values
               ('{USER_A}', '2026-03-01', 'a 2026'), ('{USER_A}', '2030-01-01', 'a later'),
               ('{USER_B}', '2026-04-01', 'b 2026'), ('{USER_B}', '2031-01-01', 'b later')"
        ));
        // Every partition has RLS, like its parent.
        let flags = db.query_strings(
            "select c.relname::text, c.relrowsecurity::text from pg_class c
              where c.relnamespace = 'public'::regnamespace and c.relname like 'events%'
                and c.relkind in ('r', 'p') order by 1",
        );
        for row in &flags {
            assert_eq!(row[1], "true", "{mode}: RLS off on {}", row[0]);
        }
        for part in PARTITIONS {
            let sql = format!("select body from public.{part}");
            for (role, user) in [("anon", None), ("authenticated", Some(USER_A))] {
                let got = as_role(&mut db, role, user, &sql);
                assert!(
                    got.is_empty() || got == ["denied:42501"],
                    "{mode}: as {role}, `{sql}` returned {got:?}"
                );
            }
        }
        // The parent still works through its policies; anon gets nothing.
        let mine = as_role(
            &mut db,
            "authenticated",
            Some(USER_A),
            "select body from public.events order by body",
        );
        assert_eq!(mine, ["a 2026", "a later"], "{mode}");
        let anon = as_role(&mut db, "anon", None, "select body from public.events");
        assert!(
            anon.is_empty() || anon == ["denied:42501"],
            "{mode}: {anon:?}"
        );
        // service_role reads the partitions it was granted, like the parent.
        let all = as_role(
            &mut db,
            "service_role",
            None,
            "select count(*)::text from public.events_2026",
        );
        assert_eq!(all, ["2"], "{mode}");
    }
}

const STORAGE: &str = r#"version: 1
preset: supabase
functions:
  log_upload:
    returns: trigger
    language: plpgsql
    security: definer
    search_path: ""
    body: |
      begin
        insert into public.uploads (object_id, owner) values (new.id, new.owner);
        return new;
      end;
    revoke: { public: [execute], anon: [execute], authenticated: [execute] }
tables:
  uploads:
    description: Every object uploaded, written by a trigger on storage.objects.
    columns:
      object_id: { type: uuid, primary_key: true }
      owner: { type: uuid, nullable: true }
    grants: { service_role: [select] }
    rls: { policies: { server_reads: { for: select, to: [service_role], using: "true" } } }
policies:
  storage.objects:
    avatars_select_own:
      for: select
      to: [authenticated]
      using: "bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text"
      why: A user reads the files in their own folder of the avatars bucket.
    avatars_insert_own:
      for: insert
      to: [authenticated]
      with_check: "bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text"
triggers:
  on_object_uploaded:
    on: storage.objects
    after: [insert]
    function: log_upload
"#;

/// A realistic Supabase Storage policy on `storage.objects` (owner folders in a bucket), and a
/// trigger on it, applied with the migrations to the stand-in and exercised as users; the down
/// migration removes them again.
#[test]
fn storage_policies_and_triggers_work_end_to_end() {
    let (_dir, files) = build(STORAGE);
    let up_sql = up(&files).concat();
    assert!(
        up_sql.contains("CREATE POLICY avatars_select_own ON storage.objects"),
        "{up_sql}"
    );
    assert!(!up_sql.contains("CREATE TABLE storage"), "{up_sql}");
    let mut db = TestDb::create("storage");
    db.apply_supabase_standin();
    for sql in up(&files) {
        db.apply_ok(sql);
    }
    db.apply_ok("insert into storage.buckets (id, name) values ('avatars', 'avatars')");
    db.apply_ok(&format!(
        "insert into storage.objects (bucket_id, name, owner) values ('avatars', '{USER_B}/b.png', '{USER_B}')"
    ));
    let claims_a = claims(USER_A);
    db.as_role("authenticated", Some(&claims_a), |tx| {
        let own = format!(
            "insert into storage.objects (bucket_id, name, owner) values ('avatars', '{USER_A}/me.png', '{USER_A}')"
        );
        tx.execute(own.as_str(), &[]).unwrap();
        let names: Vec<String> = tx
            .query("select name from storage.objects order by name", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(names, [format!("{USER_A}/me.png")]);
        // The trigger on the platform table ran (as its definer) for the upload.
        tx.batch_execute("reset role").unwrap();
        let logged: i64 = tx
            .query_one("select count(*) from public.uploads", &[])
            .unwrap()
            .get(0);
        assert_eq!(logged, 2, "B's upload (as the owner) and A's");
        tx.batch_execute("set local role authenticated").unwrap();
        let mut sp = tx.transaction().unwrap();
        let other = format!(
            "insert into storage.objects (bucket_id, name, owner) values ('avatars', '{USER_B}/x.png', '{USER_A}')"
        );
        let err = sp.execute(other.as_str(), &[]).unwrap_err();
        assert_eq!(err.code().map(|c| c.code()), Some("42501"), "{err}");
    });
    let none = as_role(&mut db, "anon", None, "select name from storage.objects");
    assert!(none.is_empty(), "{none:?}");
    // Down: the policies and the trigger on the platform table go; the table stays.
    for (name, sql) in files.iter().rev().filter(|(n, _)| n.ends_with(".down.sql")) {
        db.apply(sql).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let left = db.query_strings(
        "select count(*)::text from pg_policies where schemaname = 'storage'
         union all select count(*)::text from pg_trigger t join pg_class c on c.oid = t.tgrelid
          where c.relname = 'objects' and not t.tgisinternal",
    );
    assert_eq!(left, [["0"], ["0"]]);
}

/// A project whose snapshot predates the protection of partitions (no `protected` flag) gets a
/// next migration that protects its existing partitions like their parent.
#[test]
fn existing_partitions_are_protected_by_the_next_migration() {
    let compiled =
        schemac::compile_sources(&[("schema.yaml".into(), PARTITIONED.replace("MODE", ""))]);
    assert!(compiled.ok());
    let mut json: serde_json::Value =
        serde_json::from_str(&schemac::snapshot_text(&compiled.model)).unwrap();
    let partition = json
        .pointer_mut("/model/tables/public.events/partition")
        .and_then(|p| p.as_object_mut())
        .expect("the snapshot has the partitioning");
    assert_eq!(
        partition.remove("protected"),
        Some(serde_json::Value::Bool(true))
    );
    let old = schemac::read_snapshot(&json.to_string()).unwrap();
    let inc = schemac::plan::incremental(&old, &compiled.model);
    assert!(!inc.is_empty(), "the protection must make a migration");
    let up: Vec<String> = inc
        .main
        .up
        .iter()
        .flat_map(|s| s.stmts.iter().map(|st| st.to_string()))
        .collect();
    for part in PARTITIONS {
        for want in [
            format!("ALTER TABLE public.{part} ENABLE ROW LEVEL SECURITY;"),
            format!("GRANT INSERT, SELECT ON TABLE public.{part} TO authenticated;"),
        ] {
            assert!(up.contains(&want), "missing `{want}` in {up:#?}");
        }
    }
    // And the same model diffed with itself has nothing to do.
    assert!(schemac::plan::incremental(&compiled.model, &compiled.model).is_empty());
}

/// Policies on a platform table change like a table's: a changed one is dropped and created
/// again, a removed one dropped, and the down migration restores them.
#[test]
fn platform_table_policies_are_diffed() {
    let compile = |text: &str| {
        let c = schemac::compile_sources(&[("schema.yaml".into(), text.to_string())]);
        assert!(c.ok());
        c.model
    };
    let old = compile(STORAGE);
    let new = compile(
        &STORAGE
            .replace(
                "    avatars_insert_own:\n      for: insert\n      to: [authenticated]\n      with_check: \"bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text\"\n",
                "",
            )
            .replace("bucket_id = 'avatars' and (storage", "bucket_id in ('avatars', 'docs') and (storage"),
    );
    let inc = schemac::plan::incremental(&old, &new);
    let text = |steps: &[schemac::plan::Step<'_>]| -> Vec<String> {
        steps
            .iter()
            .flat_map(|s| s.stmts.iter().map(|st| st.to_string()))
            .collect()
    };
    let up = text(&inc.main.up);
    let down = text(&inc.main.down);
    assert!(
        up.contains(&"DROP POLICY avatars_insert_own ON storage.objects;".to_string()),
        "{up:#?}"
    );
    assert!(
        up.contains(&"DROP POLICY avatars_select_own ON storage.objects;".to_string()),
        "{up:#?}"
    );
    assert!(
        up.iter().any(
            |s| s.starts_with("CREATE POLICY avatars_select_own ON storage.objects")
                && s.contains("'docs'")
        ),
        "{up:#?}"
    );
    assert!(
        down.iter()
            .any(|s| s.starts_with("CREATE POLICY avatars_insert_own ON storage.objects")),
        "{down:#?}"
    );
    let kinds: Vec<String> = inc
        .changes
        .iter()
        .map(|c| format!("{:?} {}", c.kind, c.object))
        .collect();
    assert_eq!(
        kinds,
        [
            "AlterPolicy storage.objects.avatars_select_own",
            "DropPolicy storage.objects.avatars_insert_own"
        ],
        "{kinds:#?}"
    );
}

/// `verify` checks that each partition has its parent's row level security, so a partition
/// whose RLS was switched off on a live database (the leak) is reported.
#[test]
fn verify_reports_a_partition_without_rls() {
    let (dir, files) = build(&PARTITIONED.replace("MODE", ""));
    let mut db = TestDb::create("partition_verify");
    db.apply_supabase_standin();
    for sql in up(&files) {
        db.apply_ok(sql);
    }
    let path = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    let verify = |db: &TestDb| {
        schemac(&[
            "verify",
            "--schema",
            &path("schema.yaml"),
            "--out",
            &path("generated"),
            "--against",
            &db.database_url(),
        ])
    };
    let clean = verify(&db);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    db.apply_ok("alter table public.events_2026 disable row level security");
    let drift = verify(&db);
    assert_eq!(drift.code, 1, "{}", drift.stderr);
    for want in [
        "row level security of partition `public.events_2026`",
        "the model says enabled, the database has disabled",
    ] {
        assert!(drift.stderr.contains(want), "{}", drift.stderr);
    }
}

/// `verify` compares the policies the model attaches to a platform table with the database's,
/// in both directions: a dropped one is missing (E501), one added by hand is extra (E502), a
/// changed one differs (E503). Policies on platform tables the model attaches none to
/// (`storage.buckets`) are the platform's business and not reported.
#[test]
fn verify_compares_policies_on_platform_tables() {
    let (dir, files) = build(STORAGE);
    let mut db = TestDb::create("platform_verify");
    db.apply_supabase_standin();
    for sql in up(&files) {
        db.apply_ok(sql);
    }
    let path = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    let verify = |db: &TestDb| {
        schemac(&[
            "verify",
            "--schema",
            &path("schema.yaml"),
            "--out",
            &path("generated"),
            "--against",
            &db.database_url(),
        ])
    };
    let clean = verify(&db);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    db.apply_ok("create policy buckets_read on storage.buckets for select using (true)");
    let unrelated = verify(&db);
    assert_eq!(unrelated.code, 0, "{}", unrelated.stderr);
    db.apply_ok(
        "drop policy avatars_insert_own on storage.objects; \
         alter policy avatars_select_own on storage.objects using (bucket_id = 'public'); \
         create policy anyone_reads on storage.objects for select to anon using (true)",
    );
    let drift = verify(&db);
    assert_eq!(drift.code, 1, "{}", drift.stderr);
    for want in [
        "E501(missing-in-database)",
        "policy `avatars_insert_own` of table `storage.objects` is in the model but not in the database",
        "E502(not-in-model)",
        "policy `anyone_reads` of table `storage.objects` is in the database but not in the model",
        "E503(definition-differs)",
        "the USING expression of policy `avatars_select_own` of table `storage.objects` differs",
        "3 errors",
    ] {
        assert!(drift.stderr.contains(want), "{want}\n{}", drift.stderr);
    }
    assert!(!drift.stderr.contains("buckets_read"), "{}", drift.stderr);
}

/// DATABASE.md lists the policies the model attaches to platform tables in a section of their
/// own, as a table's policies are listed.
#[test]
fn database_md_lists_policies_on_platform_tables() {
    let (dir, _) = build(STORAGE);
    let md = std::fs::read_to_string(dir.path().join("DATABASE.md")).unwrap();
    let start = md
        .find("\n## Policies on platform tables")
        .unwrap_or_else(|| panic!("{md}"));
    let rest = &md[start + 1..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    insta::assert_snapshot!(&rest[..end]);
}
