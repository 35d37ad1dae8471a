//! Hostile text in every field of the model (issue 17): no text can run SQL the model did not
//! declare.
//!
//! The base model (`tests/fixtures/hostile/model.yaml`) has every kind of text field. The test
//! walks its YAML tree and derives the cases systematically: every string scalar, and every key
//! that names an object (a table, a column, a policy…), is replaced in turn by each hostile
//! payload (quotes, `;`, `$$`, `*/`, `--`, newlines, backslashes, NUL, escapes, unicode, psql
//! meta-commands). Each case must give either
//! - located error diagnostics (a code and a primary span each; no panic), or
//! - a migration that, applied with `psql -v ON_ERROR_STOP=1` to a real PostgreSQL, creates
//!   exactly the model's objects (`schemac verify`'s comparison finds no difference) and nothing
//!   else: no `pwned` table (the payloads try to create one after a `COMMIT`, so a rolled-back
//!   migration cannot hide it), the `outside.canary` table still there, no file written by a `\!`
//!   meta-command; and whose down migration returns the database to the catalog it had before.
//!   A migration PostgreSQL rejects (a payload in a default of the wrong type, an unknown
//!   extension) must leave the catalog exactly as it was.
//!
//! Every case is compiled (in-process). Of those that compile, every case whose SQL looks
//! attacked to sqlparser's tokenizer ([`suspicious`]) is applied, and a seeded selection of the
//! others, [`APPLIED_PER_POSITION`] per position, all in one database: each down migration
//! empties it for the next case. `HOSTILE_ALL=1` applies every case that compiles;
//! `HOSTILE_APPLIED_PER_POSITION=n` changes how many are applied per position.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde_json::Value;
use support::TestDb;

/// Applied cases per position (of those that compile), chosen with a fixed seed.
const APPLIED_PER_POSITION: usize = 1;
const SEED: u64 = 17;

/// Keys whose entries are named objects: their keys are names, replaced like values.
const NAME_MAPS: &[&str] = &[
    "schemas",
    "roles",
    "extensions",
    "enums",
    "functions",
    "tables",
    "columns",
    "checks",
    "policies",
    "triggers",
    "partitions",
    "views",
    "grants",
    "revoke",
];

fn payloads(marker: &Path) -> Vec<String> {
    let pwned = "commit; create table public.pwned (); drop table if exists outside.canary;";
    vec![
        format!("'); {pwned} --"),
        format!("'; {pwned} --"),
        format!("\"; {pwned} --"),
        format!("$$; {pwned} $$"),
        format!("$body$; {pwned} --"),
        format!("x$"),
        format!("*/ {pwned} /*"),
        format!("/* /* */ {pwned}"),
        format!("x\n; {pwned} --"),
        // Short enough for a name (63 bytes).
        "t\ndrop table outside.canary;--".to_string(),
        format!("x\r\n{pwned}"),
        "back\\".to_string(),
        format!("\\'; {pwned} --"),
        format!("E'\\''; {pwned} --"),
        format!("1); {pwned} select (1"),
        format!("int; {pwned}"),
        format!("text -- "),
        format!("x' || '; {pwned} --"),
        "nul\0byte".to_string(),
        "esc\u{1b}[31mred\u{7}".to_string(),
        "ünï ✓ 𝔘 \u{202e}rtl".to_string(),
        format!("a\n\\! touch {}\n", marker.display()),
        String::new(),
    ]
}

/// One step of a path into the YAML tree.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// A place the payload goes: a string value, or the key of a named object.
#[derive(Debug, Clone)]
struct Position {
    path: Vec<Step>,
    key: bool,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for s in &self.path {
            match s {
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
            }
        }
        if self.key {
            write!(f, " (key)")?;
        }
        Ok(())
    }
}

fn positions(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Position>) {
    match v {
        Value::String(_) => out.push(Position {
            path: path.clone(),
            key: false,
        }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                positions(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            let named =
                matches!(path.last(), Some(Step::Key(k)) if NAME_MAPS.contains(&k.as_str()));
            for (k, item) in map {
                path.push(Step::Key(k.clone()));
                if named {
                    out.push(Position {
                        path: path.clone(),
                        key: true,
                    });
                }
                positions(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The base tree with `payload` at `pos`.
fn mutate(base: &Value, pos: &Position, payload: &str) -> Value {
    let mut v = base.clone();
    let (last, parents) = pos.path.split_last().unwrap();
    let mut node = &mut v;
    for s in parents {
        node = match s {
            Step::Key(k) => node.get_mut(k.as_str()).unwrap(),
            Step::Index(i) => node.get_mut(*i).unwrap(),
        };
    }
    match (last, pos.key) {
        (Step::Key(k), true) => {
            let map = node.as_object_mut().unwrap();
            let item = map.remove(k.as_str()).unwrap();
            map.insert(payload.to_string(), item);
        }
        (Step::Key(k), false) => *node.get_mut(k.as_str()).unwrap() = Value::String(payload.into()),
        (Step::Index(i), _) => *node.get_mut(*i).unwrap() = Value::String(payload.into()),
    }
    v
}

/// YAML text of a tree: JSON-like flow style with every string double-quoted and every
/// character YAML does not allow raw written as an escape.
fn yaml(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => quoted(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                yaml(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n ");
                }
                quoted(k, out);
                out.push_str(": ");
                yaml(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn quoted(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || ('\u{7f}'..='\u{9f}').contains(&c) || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The table the payloads try to drop, in a schema the model does not own.
const CANARY_SQL: &str = "create schema outside; create table outside.canary (id int)";

/// Every user object of the database (relations, functions, types, schemas, extensions,
/// comments, policies, triggers), as sorted lines: the catalog before and after must match.
const CATALOG_SQL: &str = r"
with ns as (
  select oid, nspname from pg_namespace
  where nspname not in ('pg_catalog', 'information_schema') and nspname not like 'pg\_toast%'
    and nspname not like 'pg\_temp%'
)
select format('relation %s %I.%I', c.relkind, ns.nspname, c.relname)
  from pg_class c join ns on ns.oid = c.relnamespace
union all
select format('function %I.%I(%s)', ns.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
  from pg_proc p join ns on ns.oid = p.pronamespace
union all
select format('type %I.%I', ns.nspname, t.typname) from pg_type t join ns on ns.oid = t.typnamespace
union all
select format('schema %I', nspname) from ns
union all
select format('extension %I', extname) from pg_extension
union all
select format('comment %s %s %s %L', classoid::regclass, objoid, objsubid, description)
  from pg_description where objoid >= 16384
union all
select format('policy %I', polname) from pg_policy
union all
select format('trigger %I', tgname) from pg_trigger where not tgisinternal
union all
select format('event trigger %I', evtname) from pg_event_trigger
order by 1";

fn catalog(db: &mut TestDb) -> Vec<String> {
    db.client
        .query(CATALOG_SQL, &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn roles(db: &mut TestDb) -> BTreeSet<String> {
    db.client
        .query("select rolname::text from pg_roles", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Apply one file with psql, as docs/migrations.md says to.
fn psql(db: &TestDb, file: &Path) -> Result<(), String> {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(db.database_url())
        .arg("-f")
        .arg(file)
        .output()
        .expect("psql runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// What the database must show after any case: the canary, no `pwned` table, no marker file.
fn not_attacked(db: &mut TestDb, marker: &Path) -> Result<(), String> {
    let row = db
        .client
        .query_one(
            "select to_regclass('outside.canary') is not null, \
             (select count(*) from pg_class where relname = 'pwned')",
            &[],
        )
        .unwrap();
    let (canary, pwned): (bool, i64) = (row.get(0), row.get(1));
    if !canary {
        return Err("the canary table was dropped".into());
    }
    if pwned != 0 {
        return Err("a `pwned` table was created".into());
    }
    if marker.exists() {
        return Err(format!("a psql meta-command wrote {}", marker.display()));
    }
    Ok(())
}

/// Whether a migration looks as if a payload escaped its quoting to sqlparser's PostgreSQL
/// tokenizer: a bare `pwned`, `canary` or `\` token, more than one `COMMIT`, or text it cannot
/// tokenize. Such cases are always applied (the database decides); the others are sampled.
fn suspicious(sql: &str) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize() else {
        return true;
    };
    let mut commits = 0;
    for t in &tokens {
        match t {
            Token::Word(w) if w.quote_style.is_none() => {
                let v = w.value.to_ascii_lowercase();
                if v == "pwned" || v == "canary" {
                    return true;
                }
                if v == "commit" {
                    commits += 1;
                }
            }
            Token::Backslash => return true,
            _ => {}
        }
    }
    commits > 1
}

#[derive(Default)]
struct Counts {
    cases: usize,
    diagnosed: usize,
    applied: usize,
    rejected_by_postgres: usize,
    /// Cases [`suspicious`] flagged (all applied).
    suspicious: usize,
}

/// Compile a case: `Ok(Some((model, up, down)))` when it compiles, `Ok(None)` when it gives
/// located error diagnostics, `Err` when a diagnostic is not located.
fn compile(text: &str) -> Result<Option<(schemac::ir::Model, String, String)>, String> {
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), text.to_string())]);
    if compiled.diagnostics.has_errors() {
        for d in compiled.diagnostics.sorted() {
            if d.severity == schemac::diagnostics::Severity::Error
                && (d.primary.is_none() || !d.code.starts_with('E'))
            {
                return Err(format!("unlocated diagnostic {}: {}", d.code, d.message));
            }
        }
        return Ok(None);
    }
    let migration = schemac::plan::initial(&compiled.model);
    let (up, down) = schemac::render::Renderer::new(None)
        .migration("0001_init", &migration)
        .map_err(|e| format!("render failed: {e}"))?;
    Ok(Some((compiled.model, up, down)))
}

/// The database the cases are applied to, and what every case must leave it as.
struct Run<'a> {
    db: TestDb,
    /// Where the migration files are written.
    dir: &'a Path,
    /// The catalog of the database before any case ([`catalog`]).
    before: Vec<String>,
    /// The file a `\!` meta-command payload would create.
    marker: &'a Path,
    counts: Counts,
}

/// Apply one compiled case (see the module documentation for what must hold).
fn apply_case(
    run: &mut Run<'_>,
    model: &schemac::ir::Model,
    up: &str,
    down: &str,
) -> Result<(), String> {
    let Run {
        db,
        dir,
        before,
        marker,
        counts,
    } = run;
    let (dir, marker) = (*dir, *marker);
    let (up_file, down_file) = (dir.join("up.sql"), dir.join("down.sql"));
    std::fs::write(&up_file, up).unwrap();
    std::fs::write(&down_file, down).unwrap();
    let applied = psql(db, &up_file);
    not_attacked(db, marker)?;
    match applied {
        Err(_) => {
            counts.rejected_by_postgres += 1;
            if catalog(db) != *before {
                return Err("a migration PostgreSQL rejected changed the catalog".into());
            }
        }
        Ok(()) => {
            counts.applied += 1;
            let external = schemac::preset::external(model.preset);
            let schemas = schemac::verify::owned_schemas(model);
            let compared = schemac::verify::compared_roles(model, &external);
            // Names are read schema-qualified, as `verify` expects.
            db.client.batch_execute("set search_path = ''").unwrap();
            let cat = schemac::introspect::read(&mut db.client, &schemas, &compared)
                .map_err(|e| format!("introspection failed: {e}"))?;
            let mut d = schemac::diagnostics::Diagnostics::default();
            schemac::verify::compare(model, &external, &cat, None, &mut d);
            if d.has_errors() {
                let found: Vec<String> = d
                    .sorted()
                    .iter()
                    .map(|x| format!("{}: {}", x.code, x.message))
                    .collect();
                return Err(format!(
                    "the catalog differs from the model:\n{}",
                    found.join("\n")
                ));
            }
            psql(db, &down_file).map_err(|e| format!("the down migration failed: {e}"))?;
            not_attacked(db, marker)?;
            let after = catalog(db);
            if after != *before {
                let extra: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
                let missing: Vec<&String> = before.iter().filter(|l| !after.contains(l)).collect();
                return Err(format!(
                    "down did not return to the catalog before: extra {extra:?}, missing {missing:?}"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn hostile_text_in_every_field_runs_no_undeclared_sql() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let base_text =
        std::fs::read_to_string(root.join("tests/fixtures/hostile/model.yaml")).unwrap();
    let base: Value = serde_norway::from_str(&base_text).unwrap();
    let mut all = Vec::new();
    positions(&base, &mut Vec::new(), &mut all);
    assert!(all.len() > 100, "only {} positions", all.len());

    let work = tempfile::tempdir().unwrap();
    let marker = work.path().join("meta-command-ran");
    let payloads = payloads(&marker);

    // The base model itself compiles and applies.
    let mut base_yaml = String::new();
    yaml(&base, &mut base_yaml);
    let Ok(Some((base_model, base_up, base_down))) = compile(&base_yaml) else {
        let c = schemac::compile_sources(&[("schema.yaml".to_string(), base_yaml.clone())]);
        let d = c.diagnostics.sorted();
        panic!(
            "the base model does not compile:\n{}\n{}",
            schemac::diagnostics::report::human(
                &d,
                &c.sources,
                schemac::diagnostics::report::Style::Plain,
                100
            ),
            base_yaml
        );
    };

    let mut db = TestDb::create("hostile");
    db.apply_ok(CANARY_SQL);
    let roles_before = roles(&mut db);
    let before = catalog(&mut db);
    let mut run = Run {
        db,
        dir: work.path(),
        before,
        marker: &marker,
        counts: Counts::default(),
    };
    let mut failures: Vec<String> = Vec::new();
    if let Err(e) = apply_case(&mut run, &base_model, &base_up, &base_down) {
        panic!("the base model: {e}");
    }
    assert_eq!(run.counts.applied, 1, "the base model must apply");

    let apply_all = std::env::var_os("HOSTILE_ALL").is_some();
    let per_position = std::env::var("HOSTILE_APPLIED_PER_POSITION")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(APPLIED_PER_POSITION);
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(SEED);
    for pos in &all {
        let mut compiled_ok = Vec::new();
        for payload in &payloads {
            run.counts.cases += 1;
            let mut text = String::new();
            yaml(&mutate(&base, pos, payload), &mut text);
            match compile(&text) {
                Err(e) => failures.push(format!("{pos} = {payload:?}: {e}")),
                Ok(None) => run.counts.diagnosed += 1,
                Ok(Some(c)) => compiled_ok.push((payload, c)),
            }
        }
        compiled_ok.shuffle(&mut rng);
        // The suspicious cases first, all of them; then a seeded sample of the others.
        compiled_ok.sort_by_key(|(_, (_, up, down))| !(suspicious(up) || suspicious(down)));
        let flagged = compiled_ok
            .iter()
            .filter(|(_, (_, up, down))| suspicious(up) || suspicious(down))
            .count();
        run.counts.suspicious += flagged;
        let take = if apply_all {
            compiled_ok.len()
        } else {
            flagged + per_position.min(compiled_ok.len() - flagged)
        };
        for (payload, (model, up, down)) in compiled_ok.iter().take(take) {
            let result = apply_case(&mut run, model, up, down);
            // Roles are cluster-wide and never dropped by a down migration: drop the ones this
            // case created so that the next case starts from the same cluster.
            for r in model.roles.keys() {
                if !roles_before.contains(r) {
                    let _ = run
                        .db
                        .client
                        .batch_execute(&format!("drop role if exists {}", support::quote_ident(r)));
                }
            }
            if let Err(e) = result {
                failures.push(format!("{pos} = {payload:?}: {e}"));
                // Start the next case from an empty database again.
                run.db = TestDb::create("hostile");
                run.db.apply_ok(CANARY_SQL);
                run.before = catalog(&mut run.db);
                let _ = std::fs::remove_file(&marker);
            }
        }
    }
    // The base model's roles too (the last case may not have declared them).
    for r in base_model.roles.keys() {
        if !roles_before.contains(r) {
            let _ = run
                .db
                .client
                .batch_execute(&format!("drop role if exists {}", support::quote_ident(r)));
        }
    }
    eprintln!(
        "hostile: {} positions × {} payloads = {} cases: {} diagnosed, {} flagged by the tokenizer, {} applied (up, verify, down), {} rejected by PostgreSQL with the catalog unchanged",
        all.len(),
        payloads.len(),
        run.counts.cases,
        run.counts.diagnosed,
        run.counts.suspicious,
        run.counts.applied - 1,
        run.counts.rejected_by_postgres
    );
    assert!(
        failures.is_empty(),
        "{} hostile case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
