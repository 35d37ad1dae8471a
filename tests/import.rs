//! `schemac import` on the PostgreSQL at `DATABASE_URL`: every model in the repository
//! round-trips (build → apply → import → build the imported model → apply → catalogs identical,
//! `import --check`), objects the model cannot express are listed (E514), a failing SQL file is
//! E513 and leaves no database behind, and an existing model is never overwritten (E515).
//! Citus models (`target: citus`) are round-tripped on the Citus server by tests/citus.rs
//! (`import_reads_the_placement_and_round_trips`): their migrations need the `citus` extension.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod support;

use support::schemac;

/// Build `model` into `dir/gen`, import its migrations into `dir/imported.yaml` with `--check`;
/// returns the import run.
fn round_trip(model: &str, dir: &std::path::Path) -> support::Out {
    let gen_dir = dir.join("gen");
    let docs = dir.join("D.md");
    let built = schemac(&[
        "build",
        "--schema",
        model,
        "--out",
        gen_dir.to_str().unwrap(),
        "--docs",
        docs.to_str().unwrap(),
    ]);
    assert_eq!(built.code, 0, "{model}: {}", built.stderr);
    let text = std::fs::read_to_string(model).unwrap();
    let mut args = vec![
        "import".to_string(),
        "--sql".to_string(),
        gen_dir.join("migrations").to_str().unwrap().to_string(),
        "--database-url".to_string(),
        support::admin_url(),
        "--out-model".to_string(),
        dir.join("imported.yaml").to_str().unwrap().to_string(),
        "--report".to_string(),
        dir.join("report.md").to_str().unwrap().to_string(),
        "--check".to_string(),
    ];
    if text.contains("preset: supabase") {
        args.extend(["--preset".to_string(), "supabase".to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    schemac(&args)
}

fn models() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("tests/fixtures/models")
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_string())
        .collect();
    v.push("schema.yaml".to_string());
    for e in std::fs::read_dir("examples").unwrap() {
        let p = e.unwrap().path().join("schema.yaml");
        // A Citus example's migration needs the `citus` extension, which this PostgreSQL does
        // not load: tests/citus.rs round-trips it on the Citus server.
        let citus = || schemac::compile(&p).model.target == schemac::ir::citus::Target::Citus;
        if p.exists() && !citus() {
            v.push(p.to_str().unwrap().to_string());
        }
    }
    v.sort();
    v
}

#[test]
fn every_model_in_the_repository_round_trips() {
    for model in models() {
        let tmp = tempfile::tempdir().unwrap();
        let out = round_trip(&model, tmp.path());
        assert_eq!(out.code, 0, "{model}:\n{}", out.stderr);
        assert!(
            out.stdout.contains("import --check: identical"),
            "{model}: {}",
            out.stdout
        );
        let report = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
        assert!(
            report.contains("## Not expressible in the model (0)"),
            "{model}: {report}"
        );
    }
}

#[test]
fn a_live_database_is_imported_read_only_and_idiomatically() {
    let mut db = support::TestDb::create("import_live");
    db.apply_ok(
        "create table public.teams (id bigint primary key, name text not null unique, note text);
         comment on table public.teams is 'Teams.';
         create table public.members (id bigint generated always as identity primary key,
           team_id bigint not null references public.teams(id) on delete cascade,
           role text not null default 'member' check (role in ('member', 'admin')));
         create index members_team_id_idx on public.members (team_id);",
    );
    // Sessions of the source are read-only by default: import only reads.
    let name = db.name.clone();
    db.apply_ok(&format!(
        "alter database \"{name}\" set default_transaction_read_only = on"
    ));
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("schema.yaml");
    let report = tmp.path().join("report.md");
    let out = schemac(&[
        "import",
        "--database-url",
        &db.database_url(),
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(std::fs::read_to_string(&model).unwrap());
    // An existing model is not overwritten.
    let again = schemac(&[
        "import",
        "--database-url",
        &db.database_url(),
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("E515"), "{}", again.stderr);
    // --check creates its scratch database through the source's URL, which needs a session that
    // may run CREATE DATABASE: with the source writable again, the model is proven identical.
    db.apply_ok(&format!(
        "alter database \"{name}\" reset default_transaction_read_only"
    ));
    let checked = schemac(&[
        "import",
        "--database-url",
        &db.database_url(),
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--force",
        "--check",
    ]);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(checked.stdout.contains("import --check: identical"));
}

#[test]
fn objects_the_model_cannot_express_are_listed_and_fail_without_allow_partial() {
    let tmp = tempfile::tempdir().unwrap();
    let sql = tmp.path().join("0001_app.sql");
    std::fs::write(
        &sql,
        "create domain public.email as text check (value like '%@%');
         create sequence public.invoice_numbers;
         create table public.t (id bigint primary key, e public.email);
         create type public.pair as (a int, b int);
         create function public.domain_arg(x public.email) returns int language sql as 'select 1';
         create function public.pairs() returns setof public.pair language sql as 'select 1, 2';
         create function public.plain(x text) returns int language sql as 'select 1';
         grant select (id), update (id) on public.t to public;",
    )
    .unwrap();
    let model = tmp.path().join("schema.yaml");
    let report = tmp.path().join("report.md");
    let out = schemac(&[
        "import",
        "--sql",
        sql.to_str().unwrap(),
        "--database-url",
        &support::admin_url(),
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E514"), "{}", out.stderr);
    // Domains and composite types are modelled (`domains:`, `types:`), not listed.
    assert!(
        !out.stderr.contains("domain public.email"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("sequence public.invoice_numbers"),
        "{}",
        out.stderr
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.contains("CREATE SEQUENCE public.invoice_numbers"),
        "{text}"
    );
    // Functions whose signature names a domain or composite type are written with the types
    // they name; the imported model builds.
    assert!(
        text.contains("GRANT SELECT, UPDATE (id) ON public.t TO PUBLIC"),
        "{text}"
    );
    for f in ["function public.domain_arg", "function public.pairs"] {
        assert!(!out.stderr.contains(f), "{f}: {}", out.stderr);
    }
    let written = std::fs::read_to_string(&model).unwrap();
    assert!(written.contains("plain:"), "{written}");
    assert!(written.contains("domain_arg"), "{written}");
    assert!(written.contains("domains:\n  email:"), "{written}");
    assert!(written.contains("types:\n  pair:"), "{written}");
    let built = schemac(&[
        "build",
        "--schema",
        model.to_str().unwrap(),
        "--out",
        tmp.path().join("gen").to_str().unwrap(),
        "--docs",
        tmp.path().join("D.md").to_str().unwrap(),
    ]);
    assert_eq!(built.code, 0, "{}", built.stderr);
}

/// Properties of tables the model cannot write (a column's collation, statistics target, storage
/// and compression, storage parameters, UNLOGGED, a constraint's comment) are
/// each listed in the ledger with the SQL that sets them; comments on policies, indexes and triggers are imported
/// as their `why:` / `description:`.
#[test]
fn table_properties_the_model_cannot_write_are_listed_and_comments_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let sql = tmp.path().join("0001_app.sql");
    std::fs::write(
        &sql,
        "create table public.t (id bigint primary key, name text collate \"C\" not null,
           n integer not null constraint t_n_check check (n > 0)) with (fillfactor = 70);
         alter table public.t alter column n set statistics 500;
         alter table public.t alter column name set storage external;
         alter table public.t alter column name set compression pglz;
         alter table public.t replica identity full;
         comment on constraint t_n_check on public.t is 'Counts are positive.';
         alter table public.t enable row level security;
         create policy t_read on public.t for select using (n > 1);
         comment on policy t_read on public.t is 'Everyone reads.';
         create index t_n_idx on public.t (n);
         comment on index public.t_n_idx is 'Counts, in order.';
         create function public.touch() returns trigger language plpgsql as 'begin return new; end';
         create trigger t_touch before update on public.t for each row execute function public.touch();
         comment on trigger t_touch on public.t is 'Keeps rows \"touched\".';
         create unlogged table public.scratch (id bigint primary key)
           with (autovacuum_enabled = false);",
    )
    .unwrap();
    let model = tmp.path().join("schema.yaml");
    let report = tmp.path().join("report.md");
    let out = schemac(&[
        "import",
        "--sql",
        sql.to_str().unwrap(),
        "--database-url",
        &support::admin_url(),
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E514"), "{}", out.stderr);
    for entry in [
        "column collation public.t.name",
        "statistics target public.t.n",
        "column storage public.t.name",
        "storage parameters public.t",
        "storage parameters public.scratch",
        "unlogged table public.scratch",
        "constraint comment public.t.t_n_check",
    ] {
        assert!(out.stderr.contains(entry), "{entry}: {}", out.stderr);
    }
    insta::assert_snapshot!(
        "table_properties_report",
        std::fs::read_to_string(&report).unwrap()
    );
    insta::assert_snapshot!(
        "table_properties_model",
        std::fs::read_to_string(&model).unwrap()
    );
}

/// A column's attribute options, a table's access method other than heap, tables and indexes in
/// another tablespace, and an index's or materialized view's storage parameters are each listed
/// with the SQL that sets them (the index itself is imported without its parameters).
#[test]
fn storage_properties_the_model_cannot_write_are_listed() {
    let mut db = support::TestDb::create("import_storage");
    // A tablespace needs an empty folder the server owns: the server makes it (superuser).
    let space = format!("schemac_ts_{}", std::process::id());
    let dir = format!("/tmp/{space}");
    db.apply_ok(&format!(
        "copy (select 1) to program 'rm -rf {dir} && mkdir -p {dir}'"
    ));
    db.apply_ok(&format!("create tablespace {space} location '{dir}'"));
    db.apply_ok(&format!(
        "create access method heap2 type table handler heap_tableam_handler;
         create table public.t (id bigint primary key, n integer not null) using heap2;
         alter table public.t alter column n set (n_distinct = 100);
         create index t_n_idx on public.t (n) with (fillfactor = 70) where n > 0;
         create table public.archived (id bigint primary key using index tablespace {space})
           tablespace {space};
         create index archived_id_idx on public.archived (id) tablespace {space};
         create materialized view public.totals with (fillfactor = 50) as select count(*) as n from public.t;"
    ));
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("schema.yaml");
    let report = tmp.path().join("report.md");
    let out = schemac(&[
        "import",
        "--database-url",
        &db.database_url(),
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    db.apply_ok("drop table public.archived; drop materialized view public.totals");
    db.apply_ok(&format!("drop tablespace {space}"));
    db.apply_ok(&format!("copy (select 1) to program 'rm -rf {dir}'"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E514"), "{}", out.stderr);
    for entry in [
        "column options public.t.n",
        "table access method public.t",
        "index storage parameters public.t.t_n_idx",
        "table tablespace public.archived",
        "index tablespace public.archived.archived_pkey",
        "index tablespace public.archived.archived_id_idx",
        "storage parameters public.totals",
        "access method heap2",
    ] {
        assert!(out.stderr.contains(entry), "{entry}: {}", out.stderr);
    }
    let report = std::fs::read_to_string(&report)
        .unwrap()
        .replace(&space, "<tablespace>");
    insta::assert_snapshot!("storage_properties_report", report);
    insta::assert_snapshot!(
        "storage_properties_model",
        std::fs::read_to_string(&model).unwrap()
    );
}

#[test]
fn a_failing_sql_file_is_e513_and_leaves_no_database() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("0001_ok.sql"),
        "create table public.a (id int);\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("0002_bad.sql"),
        "create table public.b (id int);\ncreate tabel public.c (id int);\n",
    )
    .unwrap();
    let out = schemac(&[
        "import",
        "--sql",
        tmp.path().to_str().unwrap(),
        "--database-url",
        &support::admin_url(),
        "--out-model",
        tmp.path().join("m.yaml").to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E513"), "{}", out.stderr);
    assert!(out.stderr.contains("0002_bad.sql"), "{}", out.stderr);
    assert!(out.stderr.contains("line 2"), "{}", out.stderr);
    assert!(!tmp.path().join("m.yaml").exists());
    let mut admin = postgres::Client::connect(&support::admin_url(), postgres::NoTls).unwrap();
    let left: i64 = admin
        .query_one(
            "select count(*) from pg_database where starts_with(datname, $1)",
            &[&format!("schemac_import_{}_", out.pid)],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}

/// Import a folder of `tests/fixtures/import/` with `--check --allow-partial`; returns the run,
/// the model and the report.
fn import_corpus(name: &str, supabase: bool) -> (support::Out, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("schema.yaml");
    let report = tmp.path().join("report.md");
    let folder = format!("tests/fixtures/import/{name}");
    let url = support::admin_url();
    let mut args = vec![
        "import",
        "--sql",
        &folder,
        "--database-url",
        &url,
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--check",
        "--allow-partial",
    ];
    if supabase {
        args.extend(["--preset", "supabase"]);
    }
    let out = schemac(&args);
    let model = std::fs::read_to_string(&model).unwrap();
    let report = std::fs::read_to_string(&report).unwrap();
    (out, model, report)
}

#[test]
fn a_supabase_app_built_by_migrations_imports_identical() {
    let (out, model, report) = import_corpus("supabase_app", true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("import --check: identical"));
    insta::assert_snapshot!("supabase_app_model", model);
    insta::assert_snapshot!("supabase_app_report", report);
}

/// A schema dump in the form `supabase db dump` writes (SET lines, quoted identifiers, `ALTER …
/// OWNER TO`, comments, SECURITY DEFINER helpers with `SET search_path`, membership RLS, policies
/// on storage.objects, a trigger on auth.users, the Realtime publication, grants to the API roles,
/// default privileges) imports to a model plus an exact ledger, and `--check` finds the model
/// builds the same catalog. The comparison is not vacuous: the dump deployed to a database and
/// then changed there is reported against the imported model.
#[test]
fn a_supabase_db_dump_imports_with_an_exact_ledger() {
    let (out, model, report) = import_corpus("supabase_dump", true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("import --check: identical"),
        "{}",
        out.stdout
    );
    insta::assert_snapshot!("supabase_dump_model", model);
    insta::assert_snapshot!("supabase_dump_report", report);

    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("schema.yaml");
    std::fs::write(&path, &model).unwrap();
    let mut db = support::TestDb::create("import_dump");
    db.apply_supabase_standin();
    db.apply_ok(
        &std::fs::read_to_string("tests/fixtures/import/supabase_dump/schema.sql").unwrap(),
    );
    let url = db.database_url();
    let clean = schemac(&[
        "verify",
        "--schema",
        path.to_str().unwrap(),
        "--against",
        &url,
    ]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    db.apply_ok(
        "drop trigger on_auth_user_created on auth.users;
         alter publication supabase_realtime drop table public.tasks;
         drop policy \"Anyone reads avatars\" on storage.objects;
         comment on table public.tasks is 'Changed.';
         comment on schema public is 'Changed too.';",
    );
    let drift = schemac(&[
        "verify",
        "--schema",
        path.to_str().unwrap(),
        "--against",
        &url,
    ]);
    assert_eq!(drift.code, 1, "{}", drift.stderr);
    for expected in [
        "trigger `on_auth_user_created` on `auth.users` is in the model but not in the database",
        "the membership of table `public.tasks` in the publication supabase_realtime differs",
        "policy `Anyone reads avatars` of table `storage.objects` is in the model but not in the",
        "the comment of table `public.tasks` differs",
        "the comment of schema `public` differs",
    ] {
        assert!(
            drift.stderr.contains(expected),
            "{expected}: {}",
            drift.stderr
        );
    }
}

#[test]
fn a_plain_postgres_app_imports_with_its_ledger() {
    let (out, model, report) = import_corpus("plain_app", false);
    // --check finds no difference: the column whose type is a domain is imported with the
    // domain (`domains:`), which the model declares.
    let diffs: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("x "))
        .collect();
    assert!(diffs.is_empty(), "{}", out.stderr);
    assert!(
        out.stdout.contains("import --check: identical"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    insta::assert_snapshot!("plain_app_model", model);
    insta::assert_snapshot!("plain_app_report", report);
}

#[test]
fn after_a_baseline_the_next_build_writes_only_the_change() {
    let mut db = support::TestDb::create("import_baseline");
    db.apply_ok(
        "create table public.notes (id bigint primary key, body text not null);
         create table public.tags (id bigint primary key, label text not null unique);",
    );
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("schema.yaml");
    let out_dir = tmp.path().join("generated");
    let docs = tmp.path().join("DATABASE.md");
    let (m, o, dd) = (
        model.to_str().unwrap(),
        out_dir.to_str().unwrap(),
        docs.to_str().unwrap(),
    );
    let report = tmp.path().join("report.md");
    let imported = schemac(&[
        "import",
        "--database-url",
        &db.database_url(),
        "--out-model",
        m,
        "--report",
        report.to_str().unwrap(),
        "--out",
        o,
        "--baseline",
    ]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert!(out_dir.join("schema.snapshot.json").is_file());
    assert!(out_dir.join("migrations/schemac.sum").is_file());
    // The imported state is recorded as applied: `build` writes the docs and no migration,
    // then `check` is clean.
    let first = schemac(&["build", "--schema", m, "--out", o, "--docs", dd]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let sql_files = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir.join("migrations"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql") && !n.ends_with(".down.sql"))
            .collect()
    };
    assert_eq!(sql_files(&out_dir), Vec::<String>::new());
    let check = schemac(&["check", "--schema", m, "--out", o, "--docs", dd]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    // A change: only it is written, and it applies to the source database.
    let text = std::fs::read_to_string(&model).unwrap().replace(
        "      body: text\n",
        "      body: text\n      pinned: { type: boolean, default: \"false\" }\n",
    );
    std::fs::write(&model, text).unwrap();
    let built = schemac(&["build", "--schema", m, "--out", o, "--docs", dd]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let names = sql_files(&out_dir);
    assert_eq!(names.len(), 1, "{names:?}");
    let sql = std::fs::read_to_string(out_dir.join("migrations").join(&names[0])).unwrap();
    assert!(!sql.contains("CREATE TABLE"), "{sql}");
    assert!(sql.contains("ADD COLUMN pinned"), "{sql}");
    db.apply_ok(&sql);
    let verify = schemac(&["verify", "--schema", m, "--against", &db.database_url()]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    // A second baseline is refused.
    let again = schemac(&[
        "import",
        "--database-url",
        &db.database_url(),
        "--out-model",
        tmp.path().join("other.yaml").to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--out",
        o,
        "--baseline",
    ]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("E515"), "{}", again.stderr);
}

#[test]
fn split_writes_one_file_per_schema_and_still_proves_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("model");
    let out = schemac(&[
        "import",
        "--sql",
        "tests/fixtures/import/plain_app",
        "--database-url",
        &support::admin_url(),
        "--split",
        "--out-model",
        folder.to_str().unwrap(),
        "--report",
        tmp.path().join("report.md").to_str().unwrap(),
        "--allow-partial",
        "--check",
    ]);
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["audit.yaml", "sales.yaml", "schema.yaml"]);
    // No difference, as for the one-file import (the domain-typed column keeps its domain).
    let diffs = out
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("x "))
        .count();
    assert_eq!(diffs, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("import --check: identical"),
        "{}",
        out.stdout
    );
}

/// `varchar` IN-lists (checks, a policy, an index predicate) and `char(n)` comparisons come back from PostgreSQL
/// with the casts it added; imported, they are applied again to the same stored forms.
#[test]
fn varchar_in_lists_and_char_comparisons_import_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let sql = tmp.path().join("0001_app.sql");
    std::fs::write(
        &sql,
        "create table public.tickets (
           id bigint primary key,
           status varchar(20) not null check (status in ('open', 'closed')),
           kind varchar not null,
           code char(3) not null check (code = 'abc'),
           constraint tickets_kind_check check (kind not in ('spam', 'junk') and code in ('abc', 'xyz')));
         create index tickets_open_idx on public.tickets (id) where status in ('open', 'closed');
         alter table public.tickets enable row level security;
         create policy open_tickets on public.tickets for select to public
           using (status in ('open', 'closed') and code <> 'zzz');",
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
    assert!(
        out.stdout.contains("import --check: identical"),
        "{}",
        out.stdout
    );
    insta::assert_snapshot!(std::fs::read_to_string(&model).unwrap());
}

/// `import --baseline --layout supabase` in a Supabase project: the existing timestamped
/// migrations stay, and the next `build` writes only the change, after them.
#[test]
fn a_supabase_layout_baseline_writes_only_the_change_after_the_existing_migrations() {
    let tmp = tempfile::tempdir().unwrap();
    let migrations = tmp.path().join("supabase/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    let first = "20240101000000_init.sql";
    std::fs::write(
        migrations.join(first),
        "create table public.notes (id bigint primary key, body text not null);\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemac"))
            .args(args)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let url = support::admin_url();
    let (code, _, err) = run(&[
        "import",
        "--sql",
        "supabase/migrations",
        "--preset",
        "supabase",
        "--database-url",
        &url,
        "--out-model",
        "schema.yaml",
        "--report",
        "report.md",
        "--baseline",
        "--layout",
        "supabase",
    ]);
    assert_eq!(code, 0, "{err}");
    let model = std::fs::read_to_string(tmp.path().join("schema.yaml")).unwrap();
    assert!(model.contains("layout: supabase"), "{model}");
    let listing = || -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&migrations)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        v.sort();
        v
    };
    assert_eq!(listing(), [first]);
    // Nothing changed: build writes no migration.
    let (code, _, err) = run(&["build", "--schema", "schema.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(listing(), [first]);
    // A change: only it is written, after the existing migration.
    let text = model.replace(
        "      body: text\n",
        "      body: text\n      pinned: { type: boolean, default: \"false\" }\n",
    );
    assert_ne!(text, model);
    std::fs::write(tmp.path().join("schema.yaml"), text).unwrap();
    let (code, _, err) = run(&["build", "--schema", "schema.yaml"]);
    assert_eq!(code, 0, "{err}");
    let names = listing();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[0], first);
    assert!(names[1].as_str() > first, "{names:?}");
    let sql = std::fs::read_to_string(migrations.join(&names[1])).unwrap();
    assert!(!sql.contains("CREATE TABLE"), "{sql}");
    assert!(sql.contains("ADD COLUMN pinned"), "{sql}");
    assert_eq!(
        std::fs::read_to_string(migrations.join(first)).unwrap(),
        "create table public.notes (id bigint primary key, body text not null);\n"
    );
}
