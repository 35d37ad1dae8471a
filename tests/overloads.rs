//! Function overloads and procedures on a real PostgreSQL (issue #20, item 9).
//!
//! * `history_up_down_up`: a history of models (no routines → overloads, a procedure and a
//!   trigger function beside an overload of its name → bodies replaced, an argument list
//!   changed, an overload added, privileges and comments changed → overloads and the procedure
//!   dropped). At every step the up files give the catalog of a fresh build of the model, the
//!   down files give back the catalog before the step, and the up files apply again. The SQL
//!   of every step is snapshotted.
//! * `verify_compares_each_overload`: `verify` on a scratch database agrees; `verify --against`
//!   a database with drift in one overload, an extra overload and a procedure whose argument
//!   list changed reports each (snapshot).
//! * `snapshot_keys_are_bare_names_unless_overloaded`: no database; the snapshot format.
//! * `import_writes_overloads_and_procedures`: `import` of a database holding overloads and a
//!   procedure writes them into the model (snapshot) and `import --check` finds the catalog
//!   identical.
//!
//! Catalog comparison: `TestDb::catalog_dump` (functions by name, identity arguments, result and
//! kind), the EXECUTE privileges of the roles used and every comment.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod support;

use std::fmt::Write as _;
use std::path::Path;

use schemac::diagnostics::Diagnostics;
use schemac::diagnostics::report::{Style, human};
use schemac::migrations::MigrationDir;
use schemac::render::Renderer;
use schemac::{BuildOptions, BuildPlan};
use support::{TestDb, schemac};

/// Every migration-safety rule: the history drops routines on purpose.
const ALLOW_ALL: &[&str] = &[
    "SC601", "SC602", "SC603", "SC604", "SC605", "SC606", "SC607", "SC608", "SC609", "SC610",
    "SC611", "SC612",
];

const ROLES: &[&str] = &["ov_reader", "PUBLIC"];

/// The role the models grant to (cluster-wide: created once, never dropped).
const ROLES_YAML: &str = "roles:\n  ov_reader: {}\n";

fn model(body: &str) -> String {
    format!(
        "version: 1\n{ROLES_YAML}tables:\n  notes:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n      body: text\n{body}"
    )
}

/// No routines.
fn m0() -> String {
    model("")
}

/// Two overloads of `search`, a procedure, a trigger function `touch()` beside an overload
/// `touch(text)`, and a function `one(integer)` alone under its name.
fn m1() -> String {
    model(
        r#"    triggers:
      touch_notes: { before: [update], function: touch }
functions:
  search:
    - args: [q text]
      returns: setof text
      volatility: stable
      body: select q
      description: Search by text.
      grants: { ov_reader: [execute] }
    - args: [q text, lim integer]
      returns: setof text
      volatility: stable
      body: select q limit lim
  touch:
    - returns: trigger
      language: plpgsql
      body: "begin return new; end"
    - args: [note text]
      returns: text
      body: select note
  archive:
    kind: procedure
    args: [days integer]
    language: plpgsql
    body: "begin perform days; end"
    description: Archive old rows.
    revoke: { public: [execute] }
    grants: { ov_reader: [execute] }
  one:
    args: [a integer]
    returns: integer
    body: select a
"#,
    )
}

/// Bodies replaced (function and procedure), `search(text, integer)` becomes
/// `search(text, bigint)` (a new identity: drop and create), a third overload `search(integer)`,
/// `one(integer)` becomes `one(integer, text)` (one routine under the name on both sides: a
/// changed signature), privileges and comments changed.
fn m2() -> String {
    model(
        r#"    triggers:
      touch_notes: { before: [update], function: touch }
functions:
  search:
    - args: [q text]
      returns: setof text
      volatility: stable
      body: select upper(q)
      description: Search by text, upper-cased.
    - args: [q text, lim bigint]
      returns: setof text
      volatility: stable
      body: select q limit lim
      grants: { ov_reader: [execute] }
    - args: [id integer]
      returns: setof text
      volatility: stable
      body: select id::text
  touch:
    - returns: trigger
      language: plpgsql
      body: "begin new.body := coalesce(new.body, ''); return new; end"
    - args: [note text]
      returns: text
      body: select note
  archive:
    kind: procedure
    args: [days integer]
    language: plpgsql
    body: "begin perform days + 1; end"
    revoke: { public: [execute] }
  one:
    args: [a integer, b text]
    returns: integer
    body: select a
"#,
    )
}

/// The overloads and the procedure gone; `search(text)` is alone again.
fn m3() -> String {
    model(
        r#"functions:
  search:
    args: [q text]
    returns: setof text
    volatility: stable
    body: select q
"#,
    )
}

struct File {
    name: String,
    text: String,
}

fn compile(yaml: &str) -> schemac::Compiled {
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), yaml.to_string())]);
    if !compiled.ok() {
        let diags = compiled.diagnostics.sorted();
        panic!(
            "the model does not compile:\n{}\n---\n{yaml}",
            human(&diags, &compiled.sources, Style::Plain, 100)
        );
    }
    compiled
}

/// Build `yaml` into `out` as `schemac build --allow …` does: the (up, down) files written.
fn build(yaml: &str, out: &Path) -> Vec<(File, File)> {
    let compiled = compile(yaml);
    let dir = MigrationDir::read(out).unwrap();
    let mut d = Diagnostics::default();
    let options = BuildOptions {
        name: None,
        allow: ALLOW_ALL.iter().map(|s| s.to_string()).collect(),
    };
    let plan = schemac::build(&compiled, &dir, &Renderer::new(None), &options, &mut d);
    if d.has_errors() {
        panic!(
            "build failed:\n{}",
            human(&d.sorted(), &compiled.sources, Style::Plain, 100)
        );
    }
    let Some(BuildPlan::Write { names, files, .. }) = plan else {
        return Vec::new();
    };
    schemac::commit::commit(out, &files, &[]).unwrap();
    let text = |file: String| -> File {
        let (_, text) = files
            .iter()
            .find(|(p, _)| p.file_name().is_some_and(|n| n.to_str() == Some(&file)))
            .unwrap();
        File {
            name: file,
            text: text.clone(),
        }
    };
    names
        .iter()
        .map(|n| (text(format!("{n}.sql")), text(format!("{n}.down.sql"))))
        .collect()
}

fn apply(db: &mut TestDb, f: &File) -> Result<(), String> {
    db.apply(&f.text)
        .map_err(|e| format!("{} failed:\n{e}\n--- file:\n{}", f.name, f.text))
}

const COMMENTS_SQL: &str = "
select pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
from pg_description d
where d.objoid >= 16384
order by 1, 2";

fn dump(db: &mut TestDb) -> String {
    let mut out = db.catalog_dump(&["public"]);
    let _ = writeln!(out, "## function privileges");
    for p in db.function_privileges(&["public"], ROLES) {
        let _ = writeln!(out, "{p:?}");
    }
    let _ = writeln!(out, "## comments");
    for row in db.query_strings(COMMENTS_SQL) {
        let _ = writeln!(out, "{row:?}");
    }
    out
}

fn fresh(yaml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let files = build(yaml, dir.path());
    let mut db = TestDb::create("ovfresh");
    for (up, _) in &files {
        apply(&mut db, up).unwrap();
    }
    dump(&mut db)
}

fn assert_same(what: &str, expected: &str, actual: &str) {
    if expected != actual {
        let mut diff = String::new();
        for l in expected
            .lines()
            .filter(|l| !actual.lines().any(|a| a == *l))
        {
            let _ = writeln!(diff, "- {l}");
        }
        for l in actual
            .lines()
            .filter(|l| !expected.lines().any(|e| e == *l))
        {
            let _ = writeln!(diff, "+ {l}");
        }
        panic!("{what}: catalogs differ (- expected, + actual):\n{diff}");
    }
}

#[test]
fn history_up_down_up() {
    let models = [m0(), m1(), m2(), m3(), m1()];
    let out = tempfile::tempdir().unwrap();
    let mut db = TestDb::create("overloads");
    let mut sql = String::new();
    for (i, m) in models.iter().enumerate() {
        let files = build(m, out.path());
        assert!(!files.is_empty(), "step {i}: nothing was written");
        let before = dump(&mut db);
        for (up, down) in &files {
            let _ = writeln!(sql, "==== step {i}: {}\n{}", up.name, up.text);
            let _ = writeln!(sql, "==== step {i}: {}\n{}", down.name, down.text);
            apply(&mut db, up).unwrap();
        }
        let after = dump(&mut db);
        assert_same(&format!("step {i}: migrated vs fresh"), &fresh(m), &after);
        for (_, down) in files.iter().rev() {
            apply(&mut db, down).unwrap();
        }
        assert_same(
            &format!("step {i}: after the down files"),
            &before,
            &dump(&mut db),
        );
        for (up, _) in &files {
            apply(&mut db, up).unwrap();
        }
        assert_same(&format!("step {i}: up again"), &after, &dump(&mut db));
        // The snapshot carries every overload: the same model again writes nothing.
        assert!(build(m, out.path()).is_empty(), "step {i}: not settled");
    }
    // The procedure runs with CALL, each overload is reached by its arguments.
    db.apply_ok("call public.archive(3)");
    let rows = db.query_strings(
        "select (select count(*) from public.search('x'))::text, (select count(*) from public.search('x', 1))::text",
    );
    assert_eq!(rows, vec![vec!["1".to_string(), "1".to_string()]]);
    insta::assert_snapshot!(sql);
}

/// Write `yaml` as a project in `dir` and build it with the CLI.
fn project(dir: &Path, yaml: &str) -> [String; 6] {
    std::fs::write(dir.join("schema.yaml"), yaml).unwrap();
    let args = [
        "--schema".to_string(),
        dir.join("schema.yaml").to_string_lossy().to_string(),
        "--out".to_string(),
        dir.join("generated").to_string_lossy().to_string(),
        "--docs".to_string(),
        dir.join("DATABASE.md").to_string_lossy().to_string(),
    ];
    let mut build = vec!["build"];
    build.extend(args.iter().map(String::as_str));
    let out = schemac(&build);
    assert_eq!(out.code, 0, "{}", out.stderr);
    args
}

/// The human diagnostics without the temporary folder's path.
fn tidy(text: &str, dir: &Path) -> String {
    text.replace(&dir.to_string_lossy().to_string(), "<project>")
}

#[test]
fn verify_compares_each_overload() {
    let dir = tempfile::tempdir().unwrap();
    let args = project(dir.path(), &m1());
    let docs = std::fs::read_to_string(dir.path().join("DATABASE.md")).unwrap();
    let start = docs.find("## Functions").unwrap();
    let end = docs.find("## Views").unwrap();
    insta::assert_snapshot!("database_md_functions", &docs[start..end]);

    let mut verify = vec!["verify", "--database-url"];
    let admin = support::admin_url();
    verify.push(&admin);
    verify.extend(args.iter().map(String::as_str));
    let out = schemac(&verify);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);

    let mut db = TestDb::create("ovverify");
    for f in std::fs::read_dir(dir.path().join("generated/migrations")).unwrap() {
        let path = f.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".sql") && !name.ends_with(".down.sql") {
            db.apply_ok(&std::fs::read_to_string(&path).unwrap());
        }
    }
    let url = db.database_url();
    let mut against = vec!["verify", "--against", &url];
    against.extend(args.iter().map(String::as_str));
    let clean = schemac(&against);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    db.apply_ok(
        "create function public.search(boolean) returns setof text language sql as 'select null::text';
         create or replace function public.search(q text, lim integer) returns setof text
             language sql volatile as 'select q limit lim';
         drop procedure public.archive(integer);
         create procedure public.archive(days bigint) language plpgsql as 'begin perform days; end';",
    );
    let drift = schemac(&against);
    assert_eq!(drift.code, 1, "{}", drift.stderr);
    insta::assert_snapshot!("verify_drift", tidy(&drift.stderr, dir.path()));
}

#[test]
fn import_writes_overloads_and_procedures() {
    let mut db = TestDb::create("ovimport");
    db.apply_ok(
        "create table public.notes (id bigint primary key, body text);
         create function public.search(q text) returns setof text language sql stable as 'select q';
         create function public.search(q text, lim integer) returns setof text language sql stable
             as 'select q limit lim';
         comment on function public.search(text, integer) is 'Search, at most lim rows.';
         create procedure public.archive(days integer) language plpgsql as 'begin perform days; end';
         revoke execute on procedure public.archive(integer) from public;",
    );
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("schema.yaml");
    let report = tmp.path().join("report.md");
    let url = db.database_url();
    let out = schemac(&[
        "import",
        "--database-url",
        &url,
        "--out-model",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("import --check: identical"),
        "{}",
        out.stdout
    );
    insta::assert_snapshot!(std::fs::read_to_string(&model).unwrap());
}

/// The snapshot keys `functions` by bare name unless a name has overloads (so models without
/// overloads keep their snapshot byte for byte), and reads every overload and procedure back.
fn snapshot_of(yaml: &str) -> (String, schemac::ir::Model) {
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), yaml.to_string())]);
    assert!(compiled.ok(), "{:?}", compiled.diagnostics);
    let mut out = Vec::new();
    assert!(schemac::snapshot::write(&compiled.model, &mut out));
    let text = String::from_utf8(out).unwrap_or_default();
    let (model, _) = schemac::snapshot::read(&text).unwrap();
    (text, model)
}

#[test]
fn snapshot_keys_are_bare_names_unless_overloaded() {
    let (one, back) = snapshot_of(
        "version: 1\nfunctions:\n  f:\n    args: [a int]\n    returns: integer\n    body: select a\n",
    );
    assert!(one.contains("\"public.f\": {"), "{one}");
    assert!(
        back.function(&schemac::ir::QName::new("public", "f"), &["integer"])
            .is_some()
    );
    let (two, back) = snapshot_of(
        "version: 1\nfunctions:\n  f:\n    - args: [a int]\n      returns: integer\n      body: select a\n    - args: [a text]\n      returns: integer\n      body: select 1\n      kind: function\n  p:\n    kind: procedure\n    body: select\n",
    );
    assert!(two.contains("\"public.f(integer)\": {"), "{two}");
    assert!(two.contains("\"public.f(text)\": {"), "{two}");
    assert!(two.contains("\"kind\": \"procedure\""), "{two}");
    assert_eq!(
        back.functions_named(&schemac::ir::QName::new("public", "f"))
            .count(),
        2
    );
    assert_eq!(
        back.function(&schemac::ir::QName::new("public", "p"), &[])
            .map(|p| p.kind),
        Some(schemac::ir::RoutineKind::Procedure)
    );
}
