//! `schemac migrate` on a real PostgreSQL: each test builds a small project in a temporary
//! folder, creates its own database (dropped at the end) and runs the binary with
//! `DATABASE_URL` pointing at it. Covered: apply, a re-run that does nothing, `status`,
//! `--dry-run`, `down N`, refusal of a changed applied migration (E509) and of a history the
//! folder does not explain (E510), the Supabase layout's refusal (E511), and two concurrent runs
//! serialized by the advisory lock.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::TestDb;

const V1: &str = "\
version: 1
tables:
  notes:
    description: A note.
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      body: text
";

/// V1 plus a nullable column with an index: one transactional migration and a
/// non-transactional `_concurrently` follow-up.
const V2: &str = "\
version: 1
tables:
  notes:
    description: A note.
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      body: text
      title: { type: text, nullable: true }
    indexes:
      - { columns: [title], why: Find notes by title. }
";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn out(o: Output) -> Out {
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

fn cmd(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_schemac"));
    c.args(args)
        .args(["--color", "never"])
        .current_dir(dir)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn run(dir: &Path, url: &str, args: &[&str]) -> Out {
    out(cmd(dir, url, args).output().unwrap())
}

/// A project folder with `model` built into `generated/`.
fn project(model: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    rebuild(dir.path(), model);
    dir
}

fn rebuild(dir: &Path, model: &str) {
    std::fs::write(dir.join("schema.yaml"), model).unwrap();
    let b = run(dir, "", &["build"]);
    assert_eq!(b.code, 0, "build failed: {}", b.stderr);
}

/// Output with what changes from run to run (times, user, durations) replaced.
fn stable(text: &str) -> String {
    text.lines()
        .map(|l| {
            if let Some(at) = l.find(" UTC by ") {
                // `applied  NAME  2026-01-01 00:00:00 UTC by USER in N ms`
                let head = l.get(..at.saturating_sub(19)).unwrap_or(l);
                let tail = if l.ends_with("(not in the migrations folder)") {
                    " (not in the migrations folder)"
                } else {
                    ""
                };
                format!("{}<applied at, by, duration>{tail}", head)
            } else if let (Some(open), true) = (l.rfind(", "), l.ends_with(" ms)")) {
                format!("{}, <duration>)", l.get(..open).unwrap())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn table_exists(db: &mut TestDb, name: &str) -> bool {
    db.client
        .query_one("select to_regclass($1) is not null", &[&name])
        .unwrap()
        .get(0)
}

fn history(db: &mut TestDb) -> Vec<String> {
    if !table_exists(db, "schemac.migrations") {
        return Vec::new();
    }
    db.client
        .query("select name from schemac.migrations order by name", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn apply_rerun_status_and_down() {
    let p = project(V1);
    let mut db = TestDb::create("migrate");
    let url = db.database_url();
    let dir = p.path();

    let status = run(dir, &url, &["migrate", "status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    insta::assert_snapshot!("status_before", stable(&status.stdout));
    let json = run(dir, &url, &["migrate", "status", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_eq!(
        json.stdout,
        "{\n  \"version\": 1,\n  \"diagnostics\": []\n}\n"
    );
    assert_eq!(stable(&json.stderr), stable(&status.stdout));

    let dry = run(dir, &url, &["migrate", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    insta::assert_snapshot!("dry_run", stable(&dry.stdout));
    assert!(
        !table_exists(&mut db, "schemac.migrations"),
        "dry run changed the database"
    );
    assert!(!table_exists(&mut db, "public.notes"));

    let first = run(dir, &url, &["migrate"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    insta::assert_snapshot!("apply_first", stable(&first.stdout));
    assert!(table_exists(&mut db, "public.notes"));
    assert_eq!(history(&mut db), ["0001_init"]);

    let again = run(dir, &url, &["migrate"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    insta::assert_snapshot!("apply_again", stable(&again.stdout));
    assert_eq!(history(&mut db), ["0001_init"]);

    rebuild(dir, V2);
    let second = run(dir, &url, &["migrate"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    insta::assert_snapshot!("apply_second", stable(&second.stdout));
    let title_index: i64 = db
        .client
        .query_one(
            "select count(*) from pg_indexes where indexname = 'notes_title_idx'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(title_index, 1);
    // The non-transactional file's session-level SETs do not leak into the history row's
    // session defaults: the row is there.
    assert_eq!(history(&mut db).len(), 3);

    let status = run(dir, &url, &["migrate", "status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    insta::assert_snapshot!("status_applied", stable(&status.stdout));

    let dry_down = run(dir, &url, &["migrate", "down", "2", "--dry-run"]);
    assert_eq!(dry_down.code, 0, "{}", dry_down.stderr);
    insta::assert_snapshot!("down_dry_run", stable(&dry_down.stdout));
    assert_eq!(history(&mut db).len(), 3);

    let down = run(dir, &url, &["migrate", "down", "2"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    insta::assert_snapshot!("down_two", stable(&down.stdout));
    assert_eq!(history(&mut db), ["0001_init"]);
    let title: i64 = db
        .client
        .query_one(
            "select count(*) from information_schema.columns where table_name = 'notes' and column_name = 'title'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(title, 0, "down 2 left the column");

    let too_many = run(dir, &url, &["migrate", "down", "2"]);
    assert_eq!(too_many.code, 1);
    insta::assert_snapshot!("down_too_many", too_many.stderr);
    assert_eq!(history(&mut db), ["0001_init"]);

    let status = run(dir, &url, &["migrate", "status"]);
    insta::assert_snapshot!("status_after_down", stable(&status.stdout));
}

#[test]
fn a_changed_applied_migration_is_refused() {
    let p = project(V1);
    let db = TestDb::create("migrate_tamper");
    let url = db.database_url();
    let dir = p.path();
    assert_eq!(run(dir, &url, &["migrate"]).code, 0);

    // Edited by hand: the folder no longer matches schemac.sum.
    let file = dir.join("generated/migrations/0001_init.sql");
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, original.replace("body text", "body varchar")).unwrap();
    let edited = run(dir, &url, &["migrate"]);
    assert_eq!(edited.code, 1, "{}", edited.stdout);
    assert!(edited.stderr.contains("E401"), "{}", edited.stderr);
    std::fs::write(&file, &original).unwrap();

    // Regenerated with a consistent schemac.sum (the folder was rebuilt from another model):
    // the file differs from the one the database recorded.
    std::fs::remove_dir_all(dir.join("generated")).unwrap();
    rebuild(dir, &V1.replace("body: text", "body: varchar(200)"));
    let rebuilt = run(dir, &url, &["migrate"]);
    assert_eq!(rebuilt.code, 1, "{}", rebuilt.stdout);
    // The files are deterministic, so are their checksums.
    insta::assert_snapshot!("tamper", rebuilt.stderr);
    let status = run(dir, &url, &["migrate", "status"]);
    assert_eq!(status.code, 1);
    assert!(status.stderr.contains("E509"));
    // In JSON, stdout is the one document (the error as a record); the status lines go to stderr.
    let json = run(dir, &url, &["migrate", "status", "--format", "json"]);
    assert_eq!(json.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("one JSON document");
    assert_eq!(doc["version"], 1, "{doc:#}");
    assert_eq!(doc["diagnostics"][0]["code"], "E509", "{doc:#}");
}

#[test]
fn a_history_the_folder_does_not_explain_is_refused() {
    let p = project(V1);
    let mut db = TestDb::create("migrate_unknown");
    let url = db.database_url();
    let dir = p.path();
    assert_eq!(run(dir, &url, &["migrate"]).code, 0);
    // Applied from another branch's folder.
    db.apply_ok(
        "insert into schemac.migrations (name, checksum, duration_ms) values ('0002_elsewhere', 'sha256:00', 1)",
    );
    rebuild(dir, V2);
    let refused = run(dir, &url, &["migrate"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    insta::assert_snapshot!("unknown_and_out_of_order", refused.stderr);
    assert_eq!(history(&mut db), ["0001_init", "0002_elsewhere"]);
    let status = run(dir, &url, &["migrate", "status"]);
    assert_eq!(status.code, 1);
    insta::assert_snapshot!("status_unknown", stable(&status.stdout));
}

#[test]
fn the_supabase_layout_is_left_to_the_supabase_cli() {
    let p = project(&format!(
        "{}migrations:\n  layout: supabase\n",
        V1.replace("version: 1\n", "version: 1\npreset: supabase\n")
    ));
    let mut db = TestDb::create("migrate_supabase");
    let url = db.database_url();
    let refused = run(p.path(), &url, &["migrate"]);
    assert_eq!(refused.code, 1);
    insta::assert_snapshot!("supabase_layout", refused.stderr);
    assert!(history(&mut db).is_empty());
}

#[test]
fn concurrent_runs_are_serialized_by_the_lock() {
    let p = project(V1);
    let mut db = TestDb::create("migrate_lock");
    let url = db.database_url();
    // Hold the lock `schemac migrate` takes; a run must wait for it before touching anything.
    let mut holder = db.connect();
    holder
        .execute(
            "select pg_advisory_lock($1)",
            &[&schemac::database::migrate::LOCK_KEY],
        )
        .unwrap();
    let first = cmd(p.path(), &url, &["migrate"]).spawn().unwrap();
    let second = cmd(p.path(), &url, &["migrate"]).spawn().unwrap();
    // Wait until both runs are blocked on the advisory lock (a bounded wait, not a timing
    // assertion: a run that does not wait never shows up here and the test fails).
    let mut waiting = 0;
    for _ in 0..600 {
        waiting = db
            .client
            .query_one(
                "select count(*) from pg_locks where locktype = 'advisory' and not granted",
                &[],
            )
            .unwrap()
            .get::<_, i64>(0);
        if waiting == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(waiting, 2, "both runs should wait for the lock");
    assert!(
        history(&mut db).is_empty(),
        "a run went ahead without the lock"
    );
    assert!(!table_exists(&mut db, "public.notes"));
    holder
        .execute(
            "select pg_advisory_unlock($1)",
            &[&schemac::database::migrate::LOCK_KEY],
        )
        .unwrap();
    let a = out(first.wait_with_output().unwrap());
    let b = out(second.wait_with_output().unwrap());
    assert_eq!((a.code, b.code), (0, 0), "{}\n{}", a.stderr, b.stderr);
    assert!(a.stderr.contains("waiting for another `schemac migrate`"));
    let mut said = [stable(&a.stdout), stable(&b.stdout)];
    said.sort();
    insta::assert_snapshot!("concurrent", said.join("\n---\n"));
    assert_eq!(history(&mut db), ["0001_init"]);
}
