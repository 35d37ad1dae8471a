//! Citus on a real Citus 13 server: the first migration of a Citus model places its tables as the
//! model says (read back from `pg_dist_partition`), rolls back and applies again; and every model
//! schemac rejects with a Citus error (E315–E317, E320, E322 fixtures in `tests/fixtures/errors/`) is
//! rejected by the server too when its SQL is applied anyway, so the offline rules are Citus's.
//!
//! The server comes from `CITUS_URL` (default postgres://postgres@127.0.0.1:5433/postgres, the
//! cluster `shared/citus/start-citus.sh` starts); each test creates its own database with
//! `create extension citus` and the coordinator registered as a node that holds shards. Without
//! a Citus server the tests skip visibly (tests/skip/mod.rs), and fail under
//! `SCHEMAC_REQUIRE_CITUS=1` (set by `.ci/run`).
//!
//! The Citus example (`examples/sdlc-platform-citus`) is tested here too: its committed
//! migration places every table as the model says, rolls back and applies again, and
//! `schemac verify` and `schemac test` pass against the Citus server (tests/examples.rs checks
//! its generated files and lint like every example's).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod skip;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemac::diagnostics::report::{Style, human};
use schemac::ir::QName;
use schemac::ir::citus::{Kind, colocation_roots, distribution_column, kind};
use support::TestDb;

const REQUIRE: &str = "SCHEMAC_REQUIRE_CITUS";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh Citus database, or `None` after recording the skip.
fn citus_db(test: &str) -> Option<TestDb> {
    match TestDb::create_citus(test) {
        Ok(db) => Some(db),
        Err(why) => {
            skip::unless_required(test, &format!("no Citus server: {why}"), REQUIRE);
            None
        }
    }
}

/// The up and down SQL of a model's first migration (errors or not: the rejection test applies
/// what schemac refused to write).
fn migration(compiled: &schemac::Compiled) -> (String, String) {
    let m = schemac::plan::initial(&compiled.model);
    schemac::render::Renderer::new(None)
        .migration("0001_init", &m)
        .unwrap()
}

/// Apply a Citus migration file the way `schemac migrate` and `psql -f` do: statement by
/// statement (Citus refuses some DDL sequences in one multi-statement query string); on an
/// error the transaction is rolled back and the server's message returned.
fn apply(db: &mut TestDb, sql: &str) -> Result<(), String> {
    for stmt in schemac::database::citus::statements(sql) {
        if let Err(e) = db.apply(&stmt) {
            return Err(format!("{e}\nin: {stmt}"));
        }
    }
    Ok(())
}

fn compile(path: &Path) -> schemac::Compiled {
    let rel = path.strip_prefix(root()).unwrap_or(path);
    let text = std::fs::read_to_string(path).unwrap();
    schemac::compile_sources(&[(rel.display().to_string(), text)])
}

/// `(table, partmethod, distribution column, colocation group)` as Citus records them; the
/// group is the name of the group's first table by name, so the rows are stable across runs.
fn placements(db: &mut TestDb) -> Vec<(String, String, String, String)> {
    let rows = db.query_strings(
        "select logicalrelid::regclass::text, partmethod::text, \
                coalesce(column_to_column_name(logicalrelid, partkey), ''), colocationid::text \
         from pg_dist_partition order by 1",
    );
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for r in &rows {
        first.entry(r[3].clone()).or_insert_with(|| r[0].clone());
    }
    rows.into_iter()
        .map(|r| {
            let group = if r[1] == "h" {
                first[&r[3]].clone()
            } else {
                String::new()
            };
            (r[0].clone(), r[1].clone(), r[2].clone(), group)
        })
        .collect()
}

/// What the model says, in the shape [`placements`] reads from Citus.
fn expected_placements(model: &schemac::ir::Model) -> Vec<(String, String, String, String)> {
    let roots = colocation_roots(model);
    let mut group_name: BTreeMap<&QName, String> = BTreeMap::new();
    for (t, r) in &roots {
        let entry = group_name.entry(r).or_insert_with(|| t.name.clone());
        if t.name < *entry {
            *entry = t.name.clone();
        }
    }
    let mut expected: Vec<(String, String, String, String)> = Vec::new();
    for (n, t) in &model.tables {
        let (method, col, group) = match kind(t) {
            // A local table joined to a reference table by a foreign key becomes a Citus local
            // table (`n`, no group); one without stays a plain table, unknown to Citus.
            Kind::Local => {
                let linked = t.foreign_keys.iter().any(|fk| {
                    model
                        .tables
                        .get(&fk.target)
                        .is_some_and(|x| kind(x) == Kind::Reference)
                });
                if !linked {
                    continue;
                }
                ("n", String::new(), String::new())
            }
            Kind::Reference => ("n", String::new(), String::new()),
            Kind::Distributed => (
                "h",
                distribution_column(t).unwrap().to_string(),
                group_name[&roots[n]].clone(),
            ),
        };
        // As `regclass::text` spells it: tables outside `public` are qualified.
        let name = if n.schema == "public" {
            n.name.clone()
        } else {
            format!("{}.{}", n.schema, n.name)
        };
        expected.push((name, method.to_string(), col, group));
    }
    expected.sort();
    expected
}

#[test]
fn first_migration_places_tables_rolls_back_and_applies_again() {
    let path = root().join("tests/fixtures/citus/tenants.yaml");
    let compiled = compile(&path);
    assert!(
        compiled.ok(),
        "{}",
        human(
            &compiled.diagnostics.sorted(),
            &compiled.sources,
            Style::Plain,
            100
        )
    );
    let (up, down) = migration(&compiled);
    insta::assert_snapshot!("tenants_up", up);
    insta::assert_snapshot!("tenants_down", down);
    let Some(mut db) = citus_db("first_migration_places_tables") else {
        return;
    };
    apply(&mut db, &up).unwrap();

    let expected = expected_placements(&compiled.model);
    assert_eq!(placements(&mut db), expected);

    // The group's shard count.
    let shards = db.query_strings(
        "select count(*)::text from pg_dist_shard where logicalrelid = 'public.organizations'::regclass",
    );
    assert_eq!(shards, vec![vec!["4".to_string()]]);

    // RLS holds on a distributed table, for a client role.
    db.apply_ok(
        "insert into plans values (1, 'free'); \
         insert into organizations values ('00000000-0000-0000-0000-00000000000a', 1, 'a'), \
                                          ('00000000-0000-0000-0000-00000000000b', 1, 'b'); \
         insert into projects (org_id, name) values ('00000000-0000-0000-0000-00000000000a', 'pa'), \
                                                    ('00000000-0000-0000-0000-00000000000b', 'pb');",
    );
    db.apply_ok(
        "begin; set local role app_user; \
         set local app.org_id = '00000000-0000-0000-0000-00000000000a'",
    );
    let seen = db.query_strings("select string_agg(name, ',' order by name) from projects");
    db.apply_ok("rollback");
    assert_eq!(seen, vec![vec!["pa".to_string()]]);
    // The trigger runs on the shards.
    db.apply_ok(
        "update projects set name = 'pa2' where org_id = '00000000-0000-0000-0000-00000000000a'",
    );

    apply(&mut db, &down).unwrap();
    assert!(placements(&mut db).is_empty());
    assert!(db.tables(&["public"]).is_empty());
    apply(&mut db, &up).unwrap();
    assert_eq!(placements(&mut db).len(), expected.len());
}

#[test]
fn citus_rejects_what_validate_rejects() {
    let dir = root().join("tests/fixtures/errors");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            ["E315_", "E316_", "E317_", "E320_", "E322_"]
                .iter()
                .any(|c| name.starts_with(c))
        })
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 12, "{fixtures:?}");
    let mut db_checked = 0;
    let mut server_says = Vec::new();
    for path in &fixtures {
        let compiled = compile(path);
        let code = path.file_name().unwrap().to_str().unwrap()[..4].to_string();
        let codes: Vec<&str> = compiled
            .diagnostics
            .sorted()
            .iter()
            .map(|d| d.code)
            .collect();
        assert!(
            codes.contains(&code.as_str()),
            "{}: {codes:?}",
            path.display()
        );
        assert!(
            codes.iter().all(|c| *c == code),
            "{} should fail only with {code}: {codes:?}",
            path.display()
        );
        let (up, _) = migration(&compiled);
        let Some(mut db) = citus_db("citus_rejects_what_validate_rejects") else {
            return;
        };
        let result = apply(&mut db, &up);
        let Err(e) = result else {
            panic!(
                "{}: Citus accepted what schemac rejects with {code}:\n{up}",
                path.display()
            );
        };
        // Rejected for the rule, not for how the file was sent.
        assert!(
            !e.contains("multiple utility events"),
            "{}: {e}",
            path.display()
        );
        let name = path.file_name().unwrap().to_str().unwrap();
        server_says.push(format!("{name}: {}", e.lines().next().unwrap_or("")));
        db_checked += 1;
    }
    assert_eq!(db_checked, fixtures.len());
    // What Citus says about each (its own words for the rule schemac applied).
    insta::assert_snapshot!(server_says.join("\n"));
}

#[test]
fn docs_show_each_tables_placement() {
    let path = root().join("tests/fixtures/citus/tenants.yaml");
    let compiled = compile(&path);
    assert!(compiled.ok());
    let files = schemac::render::Renderer::new(None)
        .docs(
            &compiled.model,
            &compiled.external,
            Path::new("docs/DATABASE.md"),
            Path::new("generated"),
            &["0001_init".to_string()],
        )
        .unwrap();
    let md = files
        .iter()
        .find(|f| f.path.ends_with("DATABASE.md"))
        .unwrap();
    let lines: Vec<&str> = md
        .text
        .lines()
        .filter(|l| l.starts_with("### ") || l.starts_with("- **Citus:**"))
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
    let er = files.iter().find(|f| f.path.ends_with("er.mmd")).unwrap();
    insta::assert_snapshot!("tenants_er", er.text);
}

const BEFORE: &str = r#"version: 1
target: citus
tables:
  plans:
    columns:
      id: { type: bigint, primary_key: true }
  organizations:
    distribution: { column: id, shard_count: 4 }
    columns:
      id: { type: uuid, primary_key: true }
  projects:
    distribution: { column: org_id, colocate_with: organizations }
    columns:
      org_id: { type: uuid, references: organizations.id }
      id: bigint
    primary_key: [org_id, id]
"#;

#[test]
fn incremental_migration_moves_tables_and_back() {
    // After: `plans` becomes a reference table that organizations point at, a new table joins
    // the tenants' group with a key to `projects`, and `projects` stays where it is.
    let after = BEFORE
        .replace(
            "  plans:\n    columns:",
            "  plans:\n    distribution: reference\n    columns:",
        )
        .replace(
            "      id: { type: uuid, primary_key: true }\n  projects:",
            "      id: { type: uuid, primary_key: true }\n      plan_id: { type: bigint, nullable: true, references: plans.id }\n  projects:",
        )
        + r#"  comments:
    distribution: { column: org_id, colocate_with: projects }
    columns:
      org_id: uuid
      project_id: bigint
      id: bigint
      body: text
    primary_key: [org_id, id]
    foreign_keys:
      - { columns: [org_id, project_id], references: { table: projects, columns: [org_id, id] }, on_delete: cascade }
    indexes:
      - { columns: [org_id, project_id] }
"#;
    let old = schemac::compile_sources(&[("before.yaml".to_string(), BEFORE.to_string())]);
    let new = schemac::compile_sources(&[("after.yaml".to_string(), after)]);
    assert!(old.ok() && new.ok());
    let inc = schemac::citus::amend(
        schemac::plan::incremental(&old.model, &new.model),
        &old.model,
        &new.model,
    );
    let renderer = schemac::render::Renderer::new(None);
    let (first_up, _) = renderer
        .migration("0001_init", &schemac::plan::initial(&old.model))
        .unwrap();
    let (up, down) = renderer.migration("0002_next", &inc.main).unwrap();
    // Validations of the foreign key added to an existing table run outside a transaction.
    let online = inc
        .online
        .as_ref()
        .map(|m| renderer.migration("0003_next_concurrently", m).unwrap().0)
        .unwrap_or_default();
    insta::assert_snapshot!("incremental_up", up);
    insta::assert_snapshot!("incremental_online", online);
    insta::assert_snapshot!("incremental_down", down);
    let changes: Vec<String> = inc
        .changes
        .iter()
        .map(|c| format!("{:?} {} {}", c.kind, c.object, c.detail))
        .collect();
    insta::assert_snapshot!("incremental_changes", changes.join("\n"));

    let Some(mut db) = citus_db("incremental_migration_moves_tables") else {
        return;
    };
    apply(&mut db, &first_up).unwrap();
    assert_eq!(placements(&mut db), expected_placements(&old.model));
    apply(&mut db, &up).unwrap();
    apply(&mut db, &online).unwrap();
    assert_eq!(placements(&mut db), expected_placements(&new.model));
    apply(&mut db, &down).unwrap();
    assert_eq!(placements(&mut db), expected_placements(&old.model));
    apply(&mut db, &up).unwrap();
    assert_eq!(placements(&mut db), expected_placements(&new.model));
}

/// Verify's findings for the database, as plain text.
fn verify(compiled: &schemac::Compiled, db: &mut TestDb) -> String {
    let schemas = schemac::verify::owned_schemas(&compiled.model);
    let mut client = db.connect();
    client.batch_execute("set search_path = ''").unwrap();
    let roles = schemac::verify::compared_roles(&compiled.model, &compiled.external);
    let catalog = schemac::introspect::read(&mut client, &schemas, &roles).unwrap();
    let mut d = schemac::diagnostics::Diagnostics::default();
    schemac::verify::compare(&compiled.model, &compiled.external, &catalog, None, &mut d);
    d.sorted()
        .iter()
        .map(|x| format!("{} {}", x.code, x.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn verify_reports_placement_drift() {
    let path = root().join("tests/fixtures/citus/tenants.yaml");
    let compiled = compile(&path);
    assert!(compiled.ok());
    let (up, _) = migration(&compiled);
    let Some(mut db) = citus_db("verify_reports_placement_drift") else {
        return;
    };
    apply(&mut db, &up).unwrap();
    assert_eq!(verify(&compiled, &mut db), "");
    // Drift made by hand: a reference table turned local (the keys to it go first), the group's
    // first table given another shard count, out of its group (Citus refuses to move tables
    // with identity columns, as `projects` and `tasks` have).
    db.apply_ok("alter table organizations drop constraint organizations_plan_id_fkey");
    db.apply_ok("alter table settings drop constraint settings_plan_id_fkey");
    db.apply_ok("select undistribute_table('public.plans')");
    db.apply_ok(
        "select alter_distributed_table('public.organizations', shard_count => 8, cascade_to_colocated => false)",
    );
    let found = verify(&compiled, &mut db);
    insta::assert_snapshot!(found);
}

/// The seed 002 example on Citus: the committed first migration (statement by statement, as
/// `schemac migrate` applies it) places all 25 tables, the down migration removes them and the
/// up migration applies again; then `schemac verify` and `schemac test` (declared and derived
/// access tests) pass, run from the example's folder as a user runs them.
#[test]
fn sdlc_citus_example_applies_verifies_and_passes_its_access_tests() {
    let dir = root().join("examples/sdlc-platform-citus");
    let compiled = compile(&dir.join("schema.yaml"));
    assert!(
        compiled.ok(),
        "{}",
        human(
            &compiled.diagnostics.sorted(),
            &compiled.sources,
            Style::Plain,
            100
        )
    );
    let read = |f: &str| std::fs::read_to_string(dir.join("generated/migrations").join(f)).unwrap();
    let (up, down) = (read("0001_init.sql"), read("0001_init.down.sql"));
    let Some(mut db) = citus_db("sdlc_citus_example") else {
        return;
    };
    apply(&mut db, &up).unwrap();
    let expected = expected_placements(&compiled.model);
    // Citus distributes the partitions of `agent_outputs` with it, in its group.
    let (partitions, tables): (Vec<_>, Vec<_>) = placements(&mut db)
        .into_iter()
        .partition(|p| p.0.starts_with("agent_outputs_"));
    assert_eq!(tables, expected);
    let parent = expected.iter().find(|p| p.0 == "agent_outputs").unwrap();
    assert_eq!(partitions.len(), 4);
    assert!(
        partitions
            .iter()
            .all(|p| (&p.1, &p.2, &p.3) == (&parent.1, &parent.2, &parent.3))
    );
    // Every tenant table is in the one group of `projects`; users, organizations and the
    // retention policies are reference tables.
    let hashed: Vec<_> = expected.iter().filter(|p| p.1 == "h").collect();
    assert_eq!(hashed.len(), 20);
    assert!(
        hashed
            .iter()
            .all(|p| p.2 == "organization_id" && p.3 == hashed[0].3)
    );
    apply(&mut db, &down).unwrap();
    assert!(placements(&mut db).is_empty());
    assert!(db.tables(&["public", "archive"]).is_empty());
    apply(&mut db, &up).unwrap();
    assert_eq!(placements(&mut db).len(), expected.len() + 4);
    drop(db);

    let url = support::citus_url();
    for cmd in ["verify", "test"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemac"))
            .args([cmd, "--database-url", url.as_str(), "--color", "never"])
            .current_dir(&dir)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "`schemac {cmd}` failed on Citus:\n{text}"
        );
        if cmd == "test" {
            assert!(
                text.contains("test result: ok. 10 passed; 0 failed"),
                "{text}"
            );
        }
    }
}

/// `verify --explain` on Citus: each listed query's shard count is read from Citus's plan
/// (`Task Count`); a query that names the tenant as a literal runs on one shard, one that does
/// not runs on every shard (here 4) and is a warning (E517) unless it says `fans_out: true`; a
/// sequential scan on a table's shards is still E508's business (the shards' names are the
/// table's with `_<shard id>`).
#[test]
fn verify_explain_says_which_queries_fan_out() {
    let url = support::citus_url();
    if citus_db("verify_explain_probe").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let model = std::fs::read_to_string(root().join("tests/fixtures/citus/tenants.yaml"))
        .unwrap()
        .replacen(
            "    indexes:\n      - { columns: [org_id, project_id] }\n",
            "    indexes:\n      - { columns: [org_id, project_id] }\n      - { columns: [project_id] }\n    \
             queries:\n      \
             - select * from public.tasks where org_id = 'aaaaaaaa-0000-4000-8000-000000000001' and project_id = 1\n      \
             - select * from public.tasks where project_id = 1\n      \
             - { sql: select * from public.tasks where project_id = 2, fans_out: true, why: Support looks a project up by id. }\n",
            1,
        );
    assert!(model.contains("fans_out: true"));
    let schema = tmp.path().join("schema.yaml");
    std::fs::write(&schema, model).unwrap();
    let s = schema.to_str().unwrap();
    let out_dir = tmp.path().join("generated");
    let docs = tmp.path().join("DATABASE.md");
    let common = [
        "--schema",
        s,
        "--out",
        out_dir.to_str().unwrap(),
        "--docs",
        docs.to_str().unwrap(),
    ];
    let built = support::schemac(&[&["build"][..], &common[..]].concat());
    assert_eq!(built.code, 0, "{}", built.stderr);
    let out = support::schemac(
        &[
            &["verify"][..],
            &common[..],
            &["--database-url", &url, "--explain", "--rows", "4000"][..],
        ]
        .concat(),
    );
    let text = format!("{}{}", out.stdout, out.stderr).replace(s, "[TMP]/schema.yaml");
    assert_eq!(out.code, 0, "{text}");
    assert!(
        text.contains(
            "--explain: 3 queries checked with 4000 synthetic rows per table (Citus: 1 routed to one shard, 2 on several shards, 1 of them declared `fans_out: true`)"
        ),
        "{text}"
    );
    assert_eq!(text.matches("E517").count(), 1, "{text}");
    insta::assert_snapshot!(out.stderr.replace(s, "[TMP]/schema.yaml"));
}

/// E345 is Citus's rule: the fixture's migration applies (Citus accepts the policy and the
/// function), and then every query on the table fails on its shards, because the policy's
/// function queries a distributed table from a shard. The same policy through a setting works.
#[test]
fn policy_function_reading_a_distributed_table_fails_as_e345_says() {
    let path =
        root().join("tests/fixtures/errors/E345_policy_function_reads_distributed_table.yaml");
    let compiled = compile(&path);
    let codes: Vec<&str> = compiled
        .diagnostics
        .sorted()
        .iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["E345"]);
    let (up, _) = migration(&compiled);
    let Some(mut db) = citus_db("policy_function_e345") else {
        return;
    };
    apply(&mut db, &up).unwrap();
    db.apply_ok(
        "insert into organizations values ('aaaaaaaa-0000-4000-8000-000000000001');
         insert into members values ('aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001');
         insert into projects values ('aaaaaaaa-0000-4000-8000-000000000001', gen_random_uuid(), 'p')",
    );
    let query = "select set_config('app.user_id', 'bbbbbbbb-0000-4000-8000-000000000001', true); \
                 select name from projects where org_id = 'aaaaaaaa-0000-4000-8000-000000000001'";
    let err = db
        .as_role("app_user", None, |tx| tx.batch_execute(query))
        .unwrap_err();
    let text = support::format_pg_error(&err, None);
    assert!(
        text.contains("cannot execute a distributed query from a query on a shard"),
        "{text}"
    );
    // What the help suggests: compare the row's column with a setting.
    db.apply_ok(
        "alter policy members_read on projects using (org_id = current_setting('app.org_id', true)::uuid)",
    );
    let rows = db.as_role("app_user", None, |tx| {
        tx.batch_execute(
            "select set_config('app.org_id', 'aaaaaaaa-0000-4000-8000-000000000001', true)",
        )
        .unwrap();
        tx.query("select name from projects", &[]).unwrap().len()
    });
    assert_eq!(rows, 1);
}

/// `schemac import` on Citus: the migrations of the tenants fixture and of the Citus example are
/// applied to a scratch database on the Citus server (statement by statement, as `migrate`
/// does), the placement is read back from `pg_dist_partition` into `target: citus` and each
/// table's `distribution:` (reference tables, each co-location group from its first table by
/// name, its shard count there), Citus's own schemas are left out, nothing lands in the ledger,
/// and `--check` proves the imported model builds the same catalog, placement included.
#[test]
fn import_reads_the_placement_and_round_trips() {
    let url = support::citus_url();
    if citus_db("import_probe").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let gen_dir = tmp.path().join("gen");
    let built = support::schemac(&[
        "build",
        "--schema",
        "tests/fixtures/citus/tenants.yaml",
        "--out",
        gen_dir.to_str().unwrap(),
        "--docs",
        tmp.path().join("D.md").to_str().unwrap(),
    ]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let migrations = gen_dir.join("migrations");
    for (name, dir) in [
        ("tenants", migrations.as_path()),
        (
            "example",
            &root().join("examples/sdlc-platform-citus/generated/migrations"),
        ),
    ] {
        let model = tmp.path().join(format!("{name}.yaml"));
        let report = tmp.path().join(format!("{name}.md"));
        let out = support::schemac(&[
            "import",
            "--sql",
            dir.to_str().unwrap(),
            "--database-url",
            &url,
            "--out-model",
            model.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--check",
        ]);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        assert!(
            out.stdout.contains("import --check: identical"),
            "{name}: {}",
            out.stdout
        );
        let report = std::fs::read_to_string(&report).unwrap();
        assert!(
            report.contains("## Not expressible in the model (0)"),
            "{name}: {report}"
        );
        let text = std::fs::read_to_string(&model).unwrap();
        assert!(text.contains("\ntarget: citus\n"), "{name}: {text}");
        assert!(!text.contains("citus_internal"), "{name}: {text}");
        if name == "tenants" {
            // Each table (two spaces in, under `tables:`) with its `distribution:`, if any.
            let mut placement = Vec::new();
            let mut in_tables = false;
            for line in text.lines() {
                if !line.starts_with(' ') {
                    in_tables = line == "tables:";
                } else if in_tables && !line.starts_with("   ") {
                    placement.push(line.trim_end_matches(':').trim().to_string());
                } else if in_tables
                    && let Some(d) = line.trim().strip_prefix("distribution: ")
                    && let Some(last) = placement.last_mut()
                {
                    last.push_str(&format!(" → {d}"));
                }
            }
            insta::assert_snapshot!(placement.join("\n"));
        }
    }
}

/// An exclusion constraint that compares the distribution column with `=` (what E315 asks for):
/// Citus distributes the table, each shard refuses overlaps of its tenant, other tenants are free;
/// down and up again.
#[test]
fn exclusion_with_the_distribution_column_applies_and_holds() {
    let yaml = r#"version: 1
target: citus
extensions: [btree_gist]
tables:
  bookings:
    distribution: { column: org_id }
    columns:
      org_id: bigint
      id: bigint
      during: tstzrange
    primary_key: [org_id, id]
    exclude:
      - elements:
          - { column: org_id, with: "=" }
          - { column: during, with: "&&" }
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.yaml");
    std::fs::write(&path, yaml).unwrap();
    let compiled = compile(&path);
    assert!(
        compiled.ok(),
        "{}",
        human(
            &compiled.diagnostics.sorted(),
            &compiled.sources,
            Style::Plain,
            100
        )
    );
    let (up, down) = migration(&compiled);
    assert!(
        up.contains("EXCLUDE USING gist (org_id WITH =, during WITH &&)"),
        "{up}"
    );
    let Some(mut db) = citus_db("exclusion_with_distribution_column") else {
        return;
    };
    apply(&mut db, &up).unwrap();
    assert_eq!(placements(&mut db), expected_placements(&compiled.model));
    db.apply_ok(
        "insert into bookings values (1, 1, '[2026-01-01 10:00+00, 2026-01-01 12:00+00)'), \
                                     (2, 1, '[2026-01-01 10:00+00, 2026-01-01 12:00+00)')",
    );
    let err = db
        .apply("insert into bookings values (1, 2, '[2026-01-01 11:00+00, 2026-01-01 13:00+00)')")
        .expect_err("an overlap within one tenant is refused on its shard");
    assert!(err.contains("bookings_org_id_during_excl"), "{err}");
    db.apply_ok("delete from bookings");
    apply(&mut db, &down).unwrap();
    assert!(db.tables(&["public"]).is_empty());
    apply(&mut db, &up).unwrap();
    assert_eq!(placements(&mut db), expected_placements(&compiled.model));
}

/// Citus runs DDL on every shard: an index added to an existing distributed table goes into the
/// non-transactional follow-up file as `CREATE INDEX CONCURRENTLY` (the default
/// `migrations.concurrent_indexes`), which Citus builds on each shard; the down migration drops
/// it (concurrently, outside a transaction, too); up again.
#[test]
fn an_index_on_an_existing_distributed_table_is_built_concurrently() {
    let after = BEFORE.replace(
        "    primary_key: [org_id, id]\n",
        "      title: { type: text, nullable: true }\n    primary_key: [org_id, id]\n    indexes:\n      - { columns: [org_id, title], name: projects_title_idx }\n",
    );
    assert!(after.contains("projects_title_idx"));
    let old = schemac::compile_sources(&[("before.yaml".to_string(), BEFORE.to_string())]);
    let new = schemac::compile_sources(&[("after.yaml".to_string(), after)]);
    assert!(old.ok() && new.ok());
    let inc = schemac::citus::amend(
        schemac::plan::incremental(&old.model, &new.model),
        &old.model,
        &new.model,
    );
    let renderer = schemac::render::Renderer::new(None);
    let (first_up, _) = renderer
        .migration("0001_init", &schemac::plan::initial(&old.model))
        .unwrap();
    let (up, down) = renderer.migration("0002_next", &inc.main).unwrap();
    let online = inc.online.as_ref().expect("a follow-up file for the index");
    let (online_up, online_down) = renderer
        .migration("0003_next_concurrently", online)
        .unwrap();
    assert!(
        online_up.contains("CREATE INDEX CONCURRENTLY"),
        "{online_up}"
    );
    let Some(mut db) = citus_db("index_concurrently") else {
        return;
    };
    let indexes = |db: &mut TestDb| {
        db.query_strings(
            "select indexname::text from pg_indexes where tablename = 'projects' order by 1",
        )
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
    };
    apply(&mut db, &first_up).unwrap();
    db.apply_ok(
        "insert into organizations values ('aaaaaaaa-0000-4000-8000-000000000001');
         insert into projects select 'aaaaaaaa-0000-4000-8000-000000000001', g from generate_series(1, 100) g",
    );
    apply(&mut db, &up).unwrap();
    apply(&mut db, &online_up).unwrap();
    assert_eq!(indexes(&mut db), ["projects_pkey", "projects_title_idx"]);
    // Each of the 4 shards has the index too (Citus names a shard's index after the shard, and
    // shows shards to sessions that ask for them).
    db.apply_ok("set citus.show_shards_for_app_name_prefixes = '*'");
    let shard_indexes = db.query_strings(
        "select count(*)::text from pg_indexes where indexname like 'projects_title_idx_%'",
    );
    assert_eq!(shard_indexes, [["4"]]);
    db.apply_ok("reset citus.show_shards_for_app_name_prefixes");
    apply(&mut db, &online_down).unwrap();
    apply(&mut db, &down).unwrap();
    assert_eq!(indexes(&mut db), ["projects_pkey"]);
    apply(&mut db, &up).unwrap();
    apply(&mut db, &online_up).unwrap();
    assert_eq!(indexes(&mut db), ["projects_pkey", "projects_title_idx"]);
}
