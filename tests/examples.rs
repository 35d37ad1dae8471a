//! The example systems under `examples/*/` (every folder with a `schema.yaml`): each compiles
//! through the library; its committed `generated/` folder and `docs/DATABASE.md` are what this
//! schemac produces (the checks of `schemac check`, run from the example's folder); `schemac lint`
//! has no unsuppressed finding at warning or error level; and on a fresh PostgreSQL database (with
//! the Supabase stand-in for Supabase-preset examples) the committed up migrations apply, the down
//! migrations return the catalog to what it was before, and the up migrations apply again to the
//! same catalog. A Citus example (`target: citus`) is compiled, checked and linted here like the
//! others; its database tests (apply, roll back, verify, access tests) run on a Citus server in
//! `tests/citus.rs`, because its migration needs the `citus` extension.

// Helpers outside #[test] fns panic with readable messages, like the tests themselves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use schemac::diagnostics::report::{Style, human};
use schemac::diagnostics::{Diagnostics, Severity};
use schemac::ir::{Model, Preset};
use schemac::migrations::MigrationDir;
use schemac::render::Renderer;
use schemac::render::docs::GROUP_DIAGRAM_DIR;
use schemac::{BuildPlan, Compiled};
use support::TestDb;

/// The paths `schemac build` uses by default, relative to the example's folder (the generated
/// DATABASE.md mentions the output folder as spelt, so it is rendered with these relative paths).
const SCHEMA: &str = "schema.yaml";
const OUT: &str = "generated";
const DOCS: &str = "docs/DATABASE.md";
const TEMPLATES: &str = "templates";

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Every `examples/*/` folder that holds a `schema.yaml`, by name.
fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("cannot read examples/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(SCHEMA).is_file())
        .collect();
    v.sort();
    v
}

fn name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

fn compile(dir: &Path) -> Compiled {
    let compiled = schemac::compile(&dir.join(SCHEMA));
    if !compiled.ok() {
        let diags = compiled.diagnostics.sorted();
        panic!(
            "examples/{} does not compile:\n{}",
            name(dir),
            human(&diags, &compiled.sources, Style::Plain, 100)
        );
    }
    compiled
}

fn renderer(dir: &Path) -> Renderer {
    let t = dir.join(TEMPLATES);
    Renderer::new(t.is_dir().then_some(t))
}

/// Collects the problems of every example, so one run reports them all.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, dir: &Path, what: impl AsRef<str>) {
        self.0
            .push(format!("examples/{}: {}", name(dir), what.as_ref()));
    }

    fn finish(self) {
        assert!(
            self.0.is_empty(),
            "{} problem(s):\n\n{}",
            self.0.len(),
            self.0.join("\n\n")
        );
    }
}

#[test]
fn the_seed_examples_are_present() {
    let names: BTreeSet<String> = examples().iter().map(|d| name(d)).collect();
    for expected in [
        "cto-dashboard",
        "knowledge-platform",
        "observatory",
        "sdlc-platform",
        "sdlc-platform-citus",
    ] {
        assert!(
            names.contains(expected),
            "examples/{expected}/schema.yaml is missing (found {names:?})"
        );
    }
}

/// What `schemac check` checks: the checksum file, the snapshot, the first migration's bytes,
/// DATABASE.md and the diagrams (and no diagram of a group the model no longer has).
#[test]
fn committed_output_is_up_to_date() {
    let mut problems = Problems::default();
    for dir in examples() {
        let compiled = compile(&dir);
        let renderer = renderer(&dir);
        let mdir = match MigrationDir::read(&dir.join(OUT)) {
            Ok(m) => m,
            Err(e) => {
                problems.push(&dir, format!("cannot read {OUT}/: {e}"));
                continue;
            }
        };
        let mut d = Diagnostics::default();
        match schemac::build(
            &compiled,
            &mdir,
            &renderer,
            &schemac::BuildOptions::default(),
            &mut d,
        ) {
            Some(BuildPlan::UpToDate) => {}
            Some(BuildPlan::Write { names, .. }) => {
                problems.push(
                    &dir,
                    format!("`schemac build` would write {}", names.join(", ")),
                );
            }
            None => {
                let diags = d.sorted();
                problems.push(
                    &dir,
                    format!(
                        "the migration folder is not consistent with the model:\n{}",
                        human(&diags, &compiled.sources, Style::Plain, 100)
                    ),
                );
            }
        }
        // Every migration is the initial one here: its bytes must be what this schemac writes.
        // (or what it wrote before the session settings were pinned: committed migrations are
        // never rewritten, and `schemac check` accepts both).
        let variants = renderer
            .initial_migrations("0001_init", &compiled.model)
            .unwrap_or_else(|e| panic!("examples/{}: render failed: {e}", name(&dir)));
        let on_disk = |file: &str| mdir.files.iter().find(|(n, _)| n == file).map(|(_, b)| b);
        let same = |(up, down): &(String, String)| {
            on_disk("0001_init.sql").map(Vec::as_slice) == Some(up.as_bytes())
                && on_disk("0001_init.down.sql").map(Vec::as_slice) == Some(down.as_bytes())
        };
        if !variants.iter().any(same) {
            problems.push(
                &dir,
                format!("{OUT}/migrations/0001_init.sql or its down file differs from what the model produces"),
            );
        }
        let names: Vec<String> = mdir
            .files
            .iter()
            .filter(|(n, _)| !n.ends_with(".down.sql"))
            .filter_map(|(n, _)| n.strip_suffix(".sql").map(str::to_string))
            .collect();
        let docs = renderer
            .docs(
                &compiled.model,
                &compiled.external,
                Path::new(DOCS),
                Path::new(OUT),
                &names,
            )
            .unwrap_or_else(|e| panic!("examples/{}: docs render failed: {e}", name(&dir)));
        for f in &docs {
            let path = dir.join(&f.path);
            if std::fs::read(&path).ok().as_deref() != Some(f.text.as_bytes()) {
                problems.push(
                    &dir,
                    format!(
                        "{} is missing or differs from what the model produces",
                        f.path.display()
                    ),
                );
            }
        }
        let produced: BTreeSet<PathBuf> = docs.iter().map(|f| dir.join(&f.path)).collect();
        if let Ok(rd) = std::fs::read_dir(dir.join(OUT).join(GROUP_DIAGRAM_DIR)) {
            for p in rd.flatten().map(|e| e.path()) {
                if p.extension().is_some_and(|x| x == "mmd") && !produced.contains(&p) {
                    problems.push(&dir, format!("{} is the diagram of no group", p.display()));
                }
            }
        }
    }
    problems.finish();
}

#[test]
fn lint_has_no_warnings_or_errors() {
    let mut problems = Problems::default();
    for dir in examples() {
        let compiled = compile(&dir);
        let report = schemac::lint::run(&compiled.model, &compiled.external, &compiled.sources);
        let bad: Vec<_> = report
            .findings
            .iter()
            .filter_map(|f| f.diagnostic())
            .filter(|d| matches!(d.severity, Severity::Error | Severity::Warning))
            .collect();
        if !bad.is_empty() {
            let refs: Vec<_> = bad.iter().collect();
            problems.push(
                &dir,
                format!(
                    "{} lint finding(s) at warning or error level:\n{}",
                    bad.len(),
                    human(&refs, &compiled.sources, Style::Plain, 100)
                ),
            );
        }
    }
    problems.finish();
}

/// The schemas the model owns objects in, plus `public`.
fn model_schemas(m: &Model) -> Vec<String> {
    let mut s: BTreeSet<String> = schemac::verify::owned_schemas(m).into_iter().collect();
    s.insert("public".to_string());
    s.into_iter().collect()
}

/// Everything a down migration must restore: the catalog of the model's schemas, the schema list
/// itself, and the triggers the model puts on tables it does not own (`auth.users`).
fn catalog_state(db: &mut TestDb, m: &Model) -> String {
    let owned = model_schemas(m);
    let owned: Vec<&str> = owned.iter().map(String::as_str).collect();
    let mut s = format!("## schemas\n{:?}\n", db.schemas(&[]));
    s.push_str(&db.catalog_dump(&owned));
    let external: BTreeSet<String> = m
        .external_triggers
        .iter()
        .map(|t| t.table.schema.clone())
        .collect();
    if !external.is_empty() {
        let ext: Vec<&str> = external.iter().map(String::as_str).collect();
        s.push_str("## external triggers\n");
        for t in db.triggers(&ext) {
            s.push_str(&format!("{t:?}\n"));
        }
    }
    s
}

/// Whether the example targets Citus: its database tests run in `tests/citus.rs`.
fn is_citus(dir: &Path) -> bool {
    compile(dir).model.target == schemac::ir::citus::Target::Citus
}

/// Migration files as (file name, SQL).
type Files = Vec<(String, String)>;

/// The committed migration files, up files in order and down files in reverse order.
fn committed_migrations(dir: &Path) -> (Files, Files) {
    let mdir = MigrationDir::read(&dir.join(OUT)).unwrap();
    let text = |b: &Vec<u8>| String::from_utf8(b.clone()).unwrap();
    let mut up: Files = mdir
        .files
        .iter()
        .filter(|(n, _)| !n.ends_with(".down.sql"))
        .map(|(n, b)| (n.clone(), text(b)))
        .collect();
    let mut down: Files = mdir
        .files
        .iter()
        .filter(|(n, _)| n.ends_with(".down.sql"))
        .map(|(n, b)| (n.clone(), text(b)))
        .collect();
    up.sort();
    down.sort();
    down.reverse();
    (up, down)
}

fn apply_all(db: &mut TestDb, dir: &Path, files: &[(String, String)]) -> Result<(), String> {
    for (file, sql) in files {
        db.apply(sql)
            .map_err(|e| format!("examples/{}: {file} failed:\n{e}", name(dir)))?;
    }
    Ok(())
}

fn apply_and_roll_back(dir: &Path) -> Result<(), String> {
    let compiled = compile(dir);
    let m = &compiled.model;
    let (up, down) = committed_migrations(dir);
    if up.is_empty() || up.len() != down.len() {
        return Err(format!(
            "examples/{}: expected matching up and down migrations, found {} up and {} down",
            name(dir),
            up.len(),
            down.len()
        ));
    }
    let mut db = TestDb::create(&format!("ex_{}", name(dir).replace('-', "_")));
    if m.preset == Preset::Supabase {
        db.apply_supabase_standin();
    }
    let empty = catalog_state(&mut db, m);
    apply_all(&mut db, dir, &up)?;
    let after_up = catalog_state(&mut db, m);
    let owned = model_schemas(m);
    let owned: Vec<&str> = owned.iter().map(String::as_str).collect();
    if db.tables(&owned).len() < m.tables.len() {
        return Err(format!(
            "examples/{}: the up migration created {} tables, the model has {}",
            name(dir),
            db.tables(&owned).len(),
            m.tables.len()
        ));
    }
    apply_all(&mut db, dir, &down)?;
    let after_down = catalog_state(&mut db, m);
    if after_down != empty {
        return Err(format!(
            "examples/{}: the down migration does not return to the empty database (plus the stand-in):\n\
             --- before the up migration\n{empty}\n--- after the down migration\n{after_down}",
            name(dir)
        ));
    }
    apply_all(&mut db, dir, &up)?;
    let again = catalog_state(&mut db, m);
    if again != after_up {
        return Err(format!(
            "examples/{}: up → down → up does not reach the same catalog",
            name(dir)
        ));
    }
    Ok(())
}

#[test]
fn migrations_apply_and_roll_back() {
    let mut failures = Vec::new();
    for dir in examples().into_iter().filter(|d| !is_citus(d)) {
        if let Err(e) = apply_and_roll_back(&dir) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `schemac verify` (scratch database: migrations applied, catalog compared with the model) and
/// `schemac test` (declared and derived access tests) pass on every example, run as a user runs
/// them: from inside the example's folder.
#[test]
fn verify_and_access_tests_pass() {
    let url = support::admin_url();
    let mut problems = Problems::default();
    for dir in examples().into_iter().filter(|d| !is_citus(d)) {
        for args in [
            vec!["verify", "--database-url", url.as_str()],
            vec!["test", "--database-url", url.as_str()],
        ] {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemac"))
                .args(&args)
                .arg("--color")
                .arg("never")
                .current_dir(&dir)
                .output()
                .unwrap_or_else(|e| panic!("cannot run schemac: {e}"));
            if !out.status.success() {
                problems.push(
                    &dir,
                    format!(
                        "`schemac {}` exited with {:?}:\n{}{}",
                        args.first().copied().unwrap_or_default(),
                        out.status.code(),
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    ),
                );
            }
        }
    }
    problems.finish();
}
