//! Scheduled jobs (pg_cron) on a real PostgreSQL with pg_cron loaded.
//!
//! pg_cron runs only in the database `cron.database_name` names, and `CREATE EXTENSION pg_cron`
//! works only there, so these tests use that database (created when missing), one test at a
//! time (a session advisory lock), each starting from no `jobs_test` schema and no pg_cron
//! extension, and leaving none behind. Without pg_cron loaded (`shared_preload_libraries`) the
//! tests record a skip (tests/skip), or fail with `SCHEMAC_REQUIRE_PG_CRON=1` (as in .ci/run).
//!
//! * `first_migration_up_down_up`: the first migration schedules the jobs (`cron.job` rows as the
//!   model says, the paused one inactive), `verify` finds nothing, the down migration removes
//!   them, and up again gives the same rows. The SQL is snapshotted.
//! * `incremental_add_change_pause_remove`: a second model adds, reschedules, pauses and removes
//!   jobs; up gives the rows of a fresh build of it, down those of the first.
//! * `verify_reports_job_drift`: jobs changed behind the model's back → E501/E502/E503.
//! * `import_reads_jobs`: `import` writes the jobs back as `jobs:`, which compiles to the same.
//! * `random_job_edits`: seeded sequences of job edits, each built incrementally and checked
//!   against a fresh build, then every down file in reverse.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod skip;
mod support;

use std::fmt::Write as _;
use std::path::Path;

use postgres::{Client, NoTls};
use schemac::diagnostics::Diagnostics;
use schemac::diagnostics::report::{Style, human};
use schemac::migrations::MigrationDir;
use schemac::render::Renderer;
use schemac::{BuildOptions, BuildPlan};

const REQUIRE: &str = "SCHEMAC_REQUIRE_PG_CRON";
/// The key of the advisory lock that serializes the tests using the pg_cron database.
const LOCK: i64 = 0x5c0e_c407;
const SCHEMA: &str = "jobs_test";

/// The pg_cron database, locked for one test, from a clean state. Every file is applied on a
/// connection of its own, as `psql -f` would: pg_cron keeps the OID of `cron.job` in its
/// session, so a session that saw the extension dropped and created again fails ("could not
/// open relation with OID …").
struct CronDb {
    /// Holds the advisory lock.
    lock: Client,
    url: String,
}

impl CronDb {
    fn open(test: &str) -> Option<CronDb> {
        let admin_url = support::admin_url();
        let mut admin = Client::connect(&admin_url, NoTls).expect("connect to DATABASE_URL");
        let name: Option<String> = admin
            .query_one("select current_setting('cron.database_name', true)", &[])
            .unwrap()
            .get(0);
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            skip::unless_required(
                test,
                "the server does not load pg_cron (shared_preload_libraries = 'pg_cron', \
                 cron.database_name; see .ci/run)",
                REQUIRE,
            );
            return None;
        };
        let exists = admin
            .query_opt("select 1 from pg_database where datname = $1", &[&name])
            .unwrap()
            .is_some();
        if !exists {
            // Another test binary may create it at the same time: a failure is fine if it exists.
            let _ =
                admin.batch_execute(&format!("create database {}", support::quote_ident(&name)));
        }
        let url = support::with_dbname(&admin_url, &name);
        let mut lock = Client::connect(&url, NoTls).expect("connect to the pg_cron database");
        lock.execute("select pg_advisory_lock($1)", &[&LOCK])
            .unwrap();
        let mut db = CronDb { lock, url };
        db.reset();
        Some(db)
    }

    fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connect to the pg_cron database")
    }

    fn reset(&mut self) {
        self.client()
            .batch_execute(&format!(
                "drop schema if exists {SCHEMA} cascade; drop extension if exists pg_cron cascade;"
            ))
            .unwrap();
    }

    fn apply(&mut self, what: &str, sql: &str) {
        if let Err(e) = self.client().batch_execute(sql) {
            panic!(
                "{what} failed: {}\n---\n{sql}",
                support::format_pg_error(&e, Some(sql))
            );
        }
    }

    /// `cron.job` rows of this database, one line each (empty without pg_cron).
    fn jobs(&mut self) -> Vec<String> {
        let mut client = self.client();
        let installed = client
            .query_opt("select 1 from pg_extension where extname = 'pg_cron'", &[])
            .unwrap()
            .is_some();
        if !installed {
            return Vec::new();
        }
        client
            .query(
                "select jobname, schedule, command, active from cron.job \
                 where database = current_database() order by jobname",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} | {} | {:?} | active={}",
                    r.get::<_, String>(0),
                    r.get::<_, String>(1),
                    r.get::<_, String>(2),
                    r.get::<_, bool>(3)
                )
            })
            .collect()
    }

    fn catalog(&mut self) -> schemac::introspect::Catalog {
        let mut client = self.client();
        let mut tx = client.transaction().unwrap();
        tx.batch_execute("set transaction read only; set local search_path = ''")
            .unwrap();
        let c = schemac::introspect::read(&mut tx, &[SCHEMA.to_string()], &["PUBLIC".to_string()])
            .unwrap();
        tx.rollback().unwrap();
        c
    }
}

impl Drop for CronDb {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.reset();
        }
        let _ = self.lock.execute("select pg_advisory_unlock($1)", &[&LOCK]);
    }
}

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
    let options = BuildOptions::default();
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

fn model(jobs: &str) -> String {
    format!(
        r#"version: 1
default_schema: {SCHEMA}
schemas: [{SCHEMA}]
extensions: [pg_cron]
functions:
  cleanup:
    returns: void
    language: plpgsql
    search_path: ""
    body: |
      begin
        delete from {SCHEMA}.sessions where expires_at < now();
      end;
tables:
  sessions:
    columns:
      id: {{ type: bigint, primary_key: true }}
      expires_at: {{ type: timestamptz, nullable: false }}
jobs:
{jobs}"#
    )
}

const V1: &str = r#"  nightly_cleanup:
    schedule: "0 3 * * *"
    call: cleanup
    description: Removes expired sessions every night.
  "owner's stats":
    schedule: "*/15 * * * *"
    command: |
      analyze jobs_test.sessions;
      select count(*) from jobs_test.sessions
  paused:
    schedule: "@daily"
    command: "select 1"
    active: false
"#;

const V2: &str = r#"  nightly_cleanup:
    schedule: "30 4 * * mon-fri"
    call: cleanup
  paused:
    schedule: "@daily"
    command: "select 1"
  weekly_vacuum:
    schedule: "0 5 * * sun"
    command: "delete from jobs_test.sessions where expires_at < now() - interval '7 days'"
    active: false
"#;

/// The `cron.job` rows a fresh build of `yaml` gives.
fn fresh_jobs(db: &mut CronDb, yaml: &str) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let files = build(yaml, tmp.path());
    db.reset();
    for (up, _) in &files {
        db.apply("fresh up", up);
    }
    let jobs = db.jobs();
    db.reset();
    jobs
}

fn verify(yaml: &str, db: &mut CronDb) -> String {
    let compiled = compile(yaml);
    let catalog = db.catalog();
    let mut d = Diagnostics::default();
    schemac::verify::compare(&compiled.model, &compiled.external, &catalog, None, &mut d);
    d.sorted()
        .iter()
        .map(|x| format!("{} {}", x.code, x.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn first_migration_up_down_up() {
    let Some(mut db) = CronDb::open("first_migration_up_down_up") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let yaml = model(V1);
    let files = build(&yaml, tmp.path());
    assert_eq!(files.len(), 1);
    let (up, down) = &files[0];
    insta::assert_snapshot!("first_migration_up", up);
    insta::assert_snapshot!("first_migration_down", down);

    db.apply("up", up);
    let after_up = db.jobs();
    insta::assert_snapshot!("first_migration_jobs", after_up.join("\n"));
    assert_eq!(verify(&yaml, &mut db), "", "verify after up");

    db.apply("down", down);
    assert_eq!(db.jobs(), Vec::<String>::new(), "down leaves no job");
    let schema_left = db
        .client()
        .query_opt("select 1 from pg_namespace where nspname = $1", &[&SCHEMA])
        .unwrap();
    assert!(schema_left.is_none(), "down drops the schema");

    db.apply("up again", up);
    assert_eq!(db.jobs(), after_up, "up again gives the same jobs");
    assert_eq!(verify(&yaml, &mut db), "", "verify after up again");
}

#[test]
fn incremental_add_change_pause_remove() {
    let Some(mut db) = CronDb::open("incremental_add_change_pause_remove") else {
        return;
    };
    let expected_v1 = fresh_jobs(&mut db, &model(V1));
    let expected_v2 = fresh_jobs(&mut db, &model(V2));
    let tmp = tempfile::tempdir().unwrap();
    let first = build(&model(V1), tmp.path());
    let second = build(&model(V2), tmp.path());
    assert_eq!(second.len(), 1, "one incremental migration");
    let (up2, down2) = &second[0];
    insta::assert_snapshot!("incremental_up", up2);
    insta::assert_snapshot!("incremental_down", down2);

    db.apply("0001", &first[0].0);
    assert_eq!(db.jobs(), expected_v1);
    db.apply("0002", up2);
    assert_eq!(db.jobs(), expected_v2, "0002 gives a fresh build's jobs");
    assert_eq!(verify(&model(V2), &mut db), "");
    db.apply("0002 down", down2);
    assert_eq!(
        db.jobs(),
        expected_v1,
        "0002's down gives the first model's jobs"
    );
    db.apply("0002 again", up2);
    assert_eq!(db.jobs(), expected_v2);
}

#[test]
fn verify_reports_job_drift() {
    let Some(mut db) = CronDb::open("verify_reports_job_drift") else {
        return;
    };
    let yaml = model(V1);
    let tmp = tempfile::tempdir().unwrap();
    let files = build(&yaml, tmp.path());
    db.apply("up", &files[0].0);
    db.apply(
        "drift",
        "select cron.unschedule('paused');
         select cron.schedule('nightly_cleanup', '0 4 * * *', 'select 2');
         select cron.schedule('added_by_hand', '0 * * * *', 'select 3');
         select cron.alter_job(jobid, active => false) from cron.job where jobname = 'owner''s stats';",
    );
    insta::assert_snapshot!("verify_drift", verify(&yaml, &mut db));
}

#[test]
fn import_reads_jobs() {
    let Some(mut db) = CronDb::open("import_reads_jobs") else {
        return;
    };
    let yaml = model(V1);
    let tmp = tempfile::tempdir().unwrap();
    let files = build(&yaml, tmp.path());
    db.apply("up", &files[0].0);
    db.apply(
        "unnamed job",
        "select cron.schedule('0 1 * * *', 'select 42');",
    );
    let catalog = db.catalog();
    let imported = schemac::import::import(&catalog, &[], &schemac::import::Options::default());
    let text = &imported.files[0].1;
    let jobs_yaml: String = text
        .lines()
        .skip_while(|l| *l != "jobs:")
        .take_while(|l| *l == "jobs:" || l.starts_with(' '))
        .fold(String::new(), |mut s, l| {
            let _ = writeln!(s, "{l}");
            s
        });
    insta::assert_snapshot!("import_jobs", jobs_yaml);
    let ledger: Vec<String> = imported
        .ledger
        .iter()
        .filter(|e| e.kind == "scheduled job")
        .map(|e| format!("{}: {}", e.reason, e.definition))
        .collect();
    assert_eq!(
        ledger.len(),
        1,
        "the unnamed job is in the ledger: {ledger:?}"
    );
    // The imported jobs compile to the model's (names, schedules, commands, active).
    let back = compile(text);
    let model = compile(&yaml);
    let key = |m: &schemac::ir::Model| {
        m.jobs
            .values()
            .map(|j| {
                (
                    j.name.clone(),
                    j.schedule.value.clone(),
                    j.command.value.clone(),
                    j.active,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&back.model), key(&model.model));
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[derive(Clone, Debug)]
struct JobDef {
    schedule: &'static str,
    command: &'static str,
    active: bool,
}

fn jobs_yaml(jobs: &std::collections::BTreeMap<String, JobDef>) -> String {
    let mut s = String::new();
    for (name, j) in jobs {
        let _ = writeln!(
            s,
            "  {name}: {{ schedule: \"{}\", command: \"{}\", active: {} }}",
            j.schedule, j.command, j.active
        );
    }
    if jobs.is_empty() {
        // Keep the section (a job-less model with pg_cron): an empty mapping.
        return "  {}\n".to_string();
    }
    s
}

#[test]
fn random_job_edits() {
    let Some(mut db) = CronDb::open("random_job_edits") else {
        return;
    };
    const SCHEDULES: &[&str] = &["0 3 * * *", "*/10 * * * *", "@hourly", "15 2 1 * *"];
    const COMMANDS: &[&str] = &[
        "select 1",
        "select jobs_test.cleanup()",
        "delete from jobs_test.sessions where expires_at < now(); select 2",
    ];
    let seeds: Vec<u64> = std::env::var("SCHEMAC_JOB_SEEDS")
        .ok()
        .map(|s| s.split(',').map(|x| x.trim().parse().unwrap()).collect())
        .unwrap_or_else(|| vec![1, 2, 3]);
    for seed in seeds {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut jobs = std::collections::BTreeMap::new();
        let tmp = tempfile::tempdir().unwrap();
        let mut steps: Vec<(String, Vec<String>)> = Vec::new();
        let mut log = Vec::new();
        for _ in 0..5 {
            // One to three edits per step.
            for _ in 0..=rng.next(3) {
                let name = format!("job_{}", rng.next(4));
                let edit = rng.next(4);
                match (jobs.get_mut(&name), edit) {
                    (None, _) => {
                        jobs.insert(
                            name.clone(),
                            JobDef {
                                schedule: SCHEDULES[rng.next(SCHEDULES.len())],
                                command: COMMANDS[rng.next(COMMANDS.len())],
                                active: rng.next(2) == 0,
                            },
                        );
                        log.push(format!("add {name}"));
                    }
                    (Some(j), 0) => {
                        j.schedule = SCHEDULES[rng.next(SCHEDULES.len())];
                        log.push(format!("reschedule {name}"));
                    }
                    (Some(j), 1) => {
                        j.command = COMMANDS[rng.next(COMMANDS.len())];
                        log.push(format!("change command of {name}"));
                    }
                    (Some(j), 2) => {
                        j.active = !j.active;
                        log.push(format!("toggle {name}"));
                    }
                    (Some(_), _) => {
                        jobs.remove(&name);
                        log.push(format!("remove {name}"));
                    }
                }
            }
            let yaml = model(&jobs_yaml(&jobs));
            let expected = fresh_jobs(&mut db, &yaml);
            steps.push((yaml, expected));
        }
        let context = || format!("seed {seed} (SCHEMAC_JOB_SEEDS={seed}), edits: {log:?}");
        let mut applied: Vec<(String, Vec<String>)> = Vec::new();
        for (yaml, expected) in &steps {
            for (up, down) in build(yaml, tmp.path()) {
                db.apply(&context(), &up);
                applied.push((down, expected.clone()));
            }
            assert_eq!(&db.jobs(), expected, "up: {}", context());
        }
        // Down, one file at a time: each gives the jobs of the step before.
        let mut befores: Vec<Vec<String>> = vec![Vec::new()];
        befores.extend(applied.iter().map(|(_, e)| e.clone()));
        for (i, (down, _)) in applied.iter().enumerate().rev() {
            db.apply(&context(), down);
            assert_eq!(db.jobs(), befores[i], "down {i}: {}", context());
        }
        db.reset();
    }
}
