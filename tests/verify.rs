//! `schemac verify` against the PostgreSQL at `DATABASE_URL`: a clean model verifies (scratch
//! database and `--against`), each kind of hand-made drift is reported, and bad input (unreachable
//! server, refused login, missing privilege) is a clear `E504` that leaves no database behind.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod skip;
mod support;

use insta::assert_snapshot;
use support::{TestDb, schemac};

/// The scratch databases the `schemac` run with this process id left on the server. Counting by
/// pid, not all `schemac_verify_*` databases, keeps the check true while other test runs share
/// the server.
fn scratch_databases_of(pid: u32) -> Vec<String> {
    let mut admin = postgres::Client::connect(&support::admin_url(), postgres::NoTls).unwrap();
    admin
        .query(
            "select datname::text from pg_database where starts_with(datname, $1)",
            &[&format!("schemac_verify_{pid}_")],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The root model, applied to a fresh database the way a deploy would.
fn deployed_root() -> TestDb {
    let mut db = TestDb::create("verify_root");
    db.apply_supabase_standin();
    db.apply_migrations_in(std::path::Path::new("generated/migrations"));
    db
}

/// Whether the server has plpgsql_check; without it `test` skips its plpgsql_check checks and
/// records the skip (see `tests/skip/mod.rs`), unless `SCHEMAC_REQUIRE_PLPGSQL_CHECK=1` (as in
/// `.ci/run`), when it fails.
fn plpgsql_check_available(test: &str) -> bool {
    let mut admin = postgres::Client::connect(&support::admin_url(), postgres::NoTls).unwrap();
    let available: bool = admin
        .query_one(
            "select exists (select 1 from pg_available_extensions where name = 'plpgsql_check')",
            &[],
        )
        .unwrap()
        .get(0);
    if !available {
        skip::unless_required(
            test,
            "the server has no plpgsql_check (Debian: postgresql-15-plpgsql-check): its checks were not run",
            "SCHEMAC_REQUIRE_PLPGSQL_CHECK",
        );
    }
    available
}

#[test]
fn root_model_verifies_on_a_scratch_database() {
    let url = support::admin_url();
    let out = schemac(&["verify", "--database-url", &url]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    if plpgsql_check_available("root_model_verifies_on_a_scratch_database") {
        assert_snapshot!(out.stdout, @"verify: 1 migration applied to a scratch database; 5 tables, 11 policies, 3 functions, 0 views, 0 enums compared; plpgsql_check: 3 functions checked; no differences");
    }
}

#[test]
fn plpgsql_check_finds_a_broken_function_body() {
    if !plpgsql_check_available("plpgsql_check_finds_a_broken_function_body") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let schema = tmp.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "version: 1
functions:
  note_count:
    returns: bigint
    language: plpgsql
    body: |
      begin
        return (select count(*) from public.notes where titel is not null);
      end;
tables:
  notes:
    columns:
      id: { type: bigint, primary_key: true }
      title: text
",
    )
    .unwrap();
    let out_dir = tmp.path().join("generated");
    let docs = tmp.path().join("DATABASE.md");
    let (s, o, d) = (
        schema.to_str().unwrap(),
        out_dir.to_str().unwrap(),
        docs.to_str().unwrap(),
    );
    assert_eq!(
        schemac(&["build", "--schema", s, "--out", o, "--docs", d]).code,
        0
    );
    let out = schemac(&[
        "verify",
        "--schema",
        s,
        "--out",
        o,
        "--database-url",
        &support::admin_url(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_snapshot!(out.stderr.replace(s, "[TMP]/schema.yaml"));
}

#[test]
fn every_fixture_model_verifies() {
    let url = support::admin_url();
    let mut paths: Vec<_> = std::fs::read_dir("tests/fixtures/models")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let tmp = tempfile::tempdir().unwrap();
        let out_dir = tmp.path().join("generated");
        let docs = tmp.path().join("DATABASE.md");
        let (schema, out_dir, docs) = (
            path.to_str().unwrap(),
            out_dir.to_str().unwrap(),
            docs.to_str().unwrap(),
        );
        let built = schemac(&[
            "build", "--schema", schema, "--out", out_dir, "--docs", docs,
        ]);
        assert_eq!(built.code, 0, "{schema}: {}", built.stderr);
        let out = schemac(&[
            "verify",
            "--schema",
            schema,
            "--out",
            out_dir,
            "--database-url",
            &url,
        ]);
        assert_eq!(out.code, 0, "{schema}:\n{}", out.stderr);
    }
}

#[test]
fn a_deployed_database_without_drift_verifies_read_only() {
    let db = deployed_root();
    let out = schemac(&["verify", "--against", &db.database_url()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_snapshot!(out.stdout, @"verify: the database matches the model (read-only); 5 tables, 11 policies, 3 functions, 0 views, 0 enums compared; plpgsql_check not installed, function bodies not checked; no differences");
}

#[test]
fn against_never_writes() {
    // A database whose sessions are read-only by default still verifies: nothing is written.
    let mut db = deployed_root();
    let name = db.name.clone();
    db.apply_ok(&format!(
        "alter database \"{name}\" set default_transaction_read_only = on"
    ));
    let out = schemac(&["verify", "--against", &db.database_url()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    db.apply_ok(&format!(
        "alter database \"{name}\" reset default_transaction_read_only"
    ));
}

#[test]
fn each_kind_of_drift_is_reported() {
    let mut db = deployed_root();
    db.apply_ok(
        "
        create table public.stray_table (id int);                                    -- E502 table
        alter table public.projects add column extra text;                          -- E502 column
        alter table public.coding_jobs alter column priority set default 5;         -- E503 default
        alter table public.profiles alter column display_name drop not null;        -- E503 nullability
        alter table public.session_events alter column event_type type varchar(40); -- E503 type
        alter table public.coding_jobs drop constraint coding_jobs_retry_count_check;  -- E501 check
        alter table public.coding_jobs add constraint coding_jobs_retry_count_check check (retry_count > 0);
        drop index public.projects_user_id_idx;                                     -- E501 index
        create index stray_idx on public.projects (name);                           -- E502 index
        alter table public.session_events disable row level security;               -- E503 RLS
        drop policy coding_jobs_select_own on public.coding_jobs;                   -- E503 policy
        create policy coding_jobs_select_own on public.coding_jobs for select to authenticated using (true);
        create policy stray_policy on public.projects for select to anon using (false); -- E502 policy
        grant insert on public.coding_jobs to authenticated;                        -- E503 grant
        alter function public.update_updated_at() security definer;                 -- E503 function
        drop trigger set_updated_at on public.coding_sessions;                      -- E501 trigger
        create view public.stray_view as select 1 as x;                             -- E502 view
        ",
    );
    let out = schemac(&["verify", "--against", &db.database_url()]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_snapshot!(out.stderr);
    let json = schemac(&[
        "verify",
        "--against",
        &db.database_url(),
        "--format",
        "json",
    ]);
    assert_eq!(json.code, 1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for code in ["E501", "E502", "E503"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}

/// Comments are part of the model (`description:`, `why:`): one changed, removed or added on
/// the server is an E503 naming the object, in both directions.
#[test]
fn comments_changed_on_the_server_are_reported() {
    let mut db = deployed_root();
    db.apply_ok(
        "
        comment on table public.profiles is 'Changed on the server.';                 -- changed
        comment on column public.profiles.avatar_url is null;                        -- removed
        comment on column public.profiles.created_at is 'Added on the server.';      -- added
        comment on policy profiles_select_own on public.profiles is 'Users read only their own profile!';
        comment on index public.profiles_tier_idx is null;
        comment on trigger set_updated_at on public.profiles is 'Different.';
        comment on function public.update_updated_at() is 'Different.';
        ",
    );
    let out = schemac(&["verify", "--against", &db.database_url()]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(out.stderr.matches("E503").count(), 7, "{}", out.stderr);
    assert_snapshot!(out.stderr);
}

#[test]
fn a_migration_that_fails_is_e505_and_the_scratch_database_is_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("generated");
    let docs = tmp.path().join("DATABASE.md");
    let schema = tmp.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "version: 1\ntables:\n  t:\n    columns:\n      id: { type: bigint, primary_key: true }\n",
    )
    .unwrap();
    let (s, o, dd) = (
        schema.to_str().unwrap(),
        out_dir.to_str().unwrap(),
        docs.to_str().unwrap(),
    );
    assert_eq!(
        schemac(&["build", "--schema", s, "--out", o, "--docs", dd]).code,
        0
    );
    // Break the migration behind schemac's back: the checksum check (E401) or, if it passed, the
    // server (E505) rejects it, and either way no scratch database is left.
    let mig = out_dir.join("migrations/0001_init.sql");
    let text = std::fs::read_to_string(&mig)
        .unwrap()
        .replace("CREATE TABLE", "CREATE TABLEE");
    std::fs::write(&mig, text).unwrap();
    let out = schemac(&[
        "verify",
        "--schema",
        s,
        "--out",
        o,
        "--database-url",
        &support::admin_url(),
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("E401") || out.stderr.contains("E505"),
        "{}",
        out.stderr
    );
    assert_eq!(scratch_databases_of(out.pid), Vec::<String>::new());
}

#[test]
fn unreachable_server_is_e504() {
    let out = schemac(&[
        "verify",
        "--database-url",
        "postgres://postgres@127.0.0.1:1/postgres?connect_timeout=3",
    ]);
    assert_eq!(out.code, 2);
    assert_snapshot!(out.stderr);
    assert_eq!(scratch_databases_of(out.pid), Vec::<String>::new());
}

#[test]
fn refused_login_is_e504() {
    let out = schemac(&[
        "verify",
        "--against",
        &support::with_dbname(
            &support::admin_url().replace("postgres@", "schemac_no_such_user@"),
            "postgres",
        ),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("E504"), "{}", out.stderr);
    assert!(
        out.stderr.contains("the server refused the login"),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_createdb_privilege_is_e504_and_leaves_nothing() {
    let db = TestDb::create("verify_priv");
    let mut admin = db.connect();
    admin
        .batch_execute(
            "do $$ begin
               if not exists (select 1 from pg_roles where rolname = 'schemac_verify_nocreatedb') then
                 create role schemac_verify_nocreatedb login nocreatedb;
               end if;
             end $$",
        )
        .unwrap();
    let url = db
        .database_url()
        .replacen("postgres@", "schemac_verify_nocreatedb@", 1);
    let out = schemac(&["verify", "--database-url", &url]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("E504"), "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot create the scratch database")
            && out.stderr.contains("CREATEDB"),
        "{}",
        out.stderr
    );
    assert_eq!(scratch_databases_of(out.pid), Vec::<String>::new());
}

#[test]
fn verify_without_a_database_is_a_usage_error() {
    // Neither flag nor DATABASE_URL (which verify falls back to, as the test scripts do).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemac"))
        .args(["verify", "--color", "never"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_snapshot!(String::from_utf8(out.stderr).unwrap(), @"error: give --database-url URL or set DATABASE_URL (scratch database), or --against URL (live database)");
}

#[test]
fn verify_and_test_use_database_url_when_no_url_is_given() {
    let url = support::admin_url();
    for args in [&["verify"][..], &["test"][..]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemac"))
            .args(args)
            .args(["--color", "never"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn explain_passes_the_root_queries_and_fails_on_a_seq_scan() {
    let url = support::admin_url();
    let out = schemac(&[
        "verify",
        "--database-url",
        &url,
        "--explain",
        "--rows",
        "2000",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("--explain: 2 queries checked with 2000 synthetic rows per table"),
        "{}",
        out.stdout
    );

    // A query no index serves.
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::read_to_string("schema.yaml").unwrap();
    let marker = "must use coding_jobs_status_priority_idx.\"\n";
    assert!(root.contains(marker));
    let schema = tmp.path().join("schema.yaml");
    std::fs::write(
        &schema,
        root.replacen(
            marker,
            &format!("{marker}      - select * from public.coding_jobs where prompt = 'x5'\n"),
            1,
        ),
    )
    .unwrap();
    let s = schema.to_str().unwrap();
    let out = schemac(&[
        "verify",
        "--schema",
        s,
        "--database-url",
        &url,
        "--explain",
        "--rows",
        "2000",
    ]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_snapshot!(out.stderr.replace(s, "[TMP]/schema.yaml"));
}

/// A model with a membership policy whose subqueries use unqualified columns, a function with
/// named arguments and a default, a view, and a default whose words say nothing of its order.
const EXACT_MODEL: &str = r#"version: 1
lint:
  rules: { missing-description: off }
tables:
  teams:
    columns:
      id: { type: bigint, primary_key: true }
      owner: text
      label: { type: text, default: "'a' || 'b'" }
    rls:
      policies:
        teams_owner:
          for: select
          using: "(select public.is_owner(id))"
          why: Owners see their teams.
  members:
    columns:
      id: { type: bigint, primary_key: true }
      team_id: { type: bigint, references: teams.id }
    indexes:
      - { columns: [team_id], why: The foreign key. }
    rls:
      policies:
        members_owner:
          for: select
          using: "(select owner from teams where id = team_id) = current_user"
          why: The team owner sees its members.
functions:
  is_owner:
    args: [{ name: team, type: bigint }, { name: strict_mode, type: boolean, default: "true" }]
    returns: boolean
    language: sql
    volatility: stable
    body: select exists (select 1 from public.teams t where t.id = team and t.owner = current_user)
views:
  team_labels:
    query: select id, label, owner from teams
"#;

/// Build [`EXACT_MODEL`] into a temporary directory; returns it and the paths of the model and
/// the output directory.
fn built_exact_model() -> (tempfile::TempDir, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let schema = tmp.path().join("schema.yaml");
    std::fs::write(&schema, EXACT_MODEL).unwrap();
    let out_dir = tmp.path().join("generated");
    let docs = tmp.path().join("DATABASE.md");
    let (s, o, dd) = (
        schema.to_str().unwrap().to_string(),
        out_dir.to_str().unwrap().to_string(),
        docs.to_str().unwrap().to_string(),
    );
    let built = schemac(&["build", "--schema", &s, "--out", &o, "--docs", &dd]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    (tmp, s, o)
}

#[test]
fn unqualified_columns_in_policy_subqueries_verify_right_after_build() {
    let (_tmp, s, o) = built_exact_model();
    let out = schemac(&[
        "verify",
        "--schema",
        &s,
        "--out",
        &o,
        "--database-url",
        &support::admin_url(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// The database of [`EXACT_MODEL`], applied from its migration.
fn deployed_exact_model(o: &str) -> TestDb {
    let mut db = TestDb::create("verify_exact");
    let sql = std::fs::read_to_string(format!("{o}/migrations/0001_init.sql")).unwrap();
    db.apply_ok(&sql);
    db
}

#[test]
fn function_signatures_and_overloads_are_compared() {
    let (_tmp, s, o) = built_exact_model();
    let body = "select true";
    for (drift, expected) in [
        // An extra overload.
        (
            format!("create function public.is_owner(team text) returns boolean language sql as $$ {body} $$"),
            "function `public.is_owner(team text)` (an overload) is in the database but not in the model",
        ),
        // A different argument type.
        (
            format!("drop policy teams_owner on public.teams; drop function public.is_owner(bigint, boolean);
             create function public.is_owner(team integer, strict_mode boolean default true) returns boolean language sql stable as $$ {body} $$;
             create policy teams_owner on public.teams for select using ((select public.is_owner(id::int)))"),
            "the signature of function `public.is_owner` differs",
        ),
        // A renamed argument.
        (
            format!("drop policy teams_owner on public.teams; drop function public.is_owner(bigint, boolean);
             create function public.is_owner(t bigint, strict_mode boolean default true) returns boolean language sql stable as $$ {body} $$;
             create policy teams_owner on public.teams for select using ((select public.is_owner(id)))"),
            "the signature of function `public.is_owner` differs",
        ),
        // The same body but for a leading and a trailing line break (compared byte for byte).
        (
            "create or replace function public.is_owner(team bigint, strict_mode boolean default true) returns boolean language sql stable as $$
select exists (select 1 from public.teams t where t.id = team and t.owner = current_user)
$$".to_string(),
            "the body of function `public.is_owner` differs",
        ),
        // A different default.
        (
            format!("create or replace function public.is_owner(team bigint, strict_mode boolean default false) returns boolean language sql stable as $$ {body} $$"),
            "the signature of function `public.is_owner` differs",
        ),
    ] {
        let mut db = deployed_exact_model(&o);
        db.apply_ok(&drift);
        let out = schemac(&["verify", "--schema", &s, "--against", &db.database_url()]);
        assert_eq!(out.code, 1, "{drift}\n{}", out.stdout);
        assert!(out.stderr.contains(expected), "{drift}\n{}", out.stderr);
    }
}

#[test]
fn defaults_and_view_queries_are_compared_by_meaning() {
    let (_tmp, s, o) = built_exact_model();
    for (drift, expected) in [
        (
            "alter table public.teams alter column label set default 'b' || 'a'",
            "the default of column `teams.label` differs",
        ),
        (
            "create or replace view public.team_labels as select id, owner as label, label as owner from public.teams",
            "the query of view `public.team_labels` differs",
        ),
        (
            "drop policy members_owner on public.members;
             create policy members_owner on public.members for select using (current_user = (select owner from public.teams where id = team_id) or false)",
            "the USING expression of policy `members_owner` of table `public.members` differs",
        ),
    ] {
        let mut db = deployed_exact_model(&o);
        db.apply_ok(drift);
        let out = schemac(&["verify", "--schema", &s, "--against", &db.database_url()]);
        assert_eq!(out.code, 1, "{drift}\n{}", out.stdout);
        assert!(out.stderr.contains(expected), "{drift}\n{}", out.stderr);
    }
    // And the deployed model itself verifies, read-only, with no differences.
    let db = deployed_exact_model(&o);
    let out = schemac(&["verify", "--schema", &s, "--against", &db.database_url()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}
