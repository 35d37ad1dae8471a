//! The built-in templates have Rust equivalents (`render::builtin` for the documentation,
//! `render::migration` for migrations) that render them when a project does not override them.
//! These tests render every documentation file and the first migration both ways, with the Rust
//! code and with minijinja running the embedded template, and require the same bytes: for the
//! root `schema.yaml`, every example, every fixture model, every migration fixture's models, a
//! 50-table bench model (`scripts/bench/gen.py 50`) and the edge models below; and likewise every
//! migration fixture's incremental migration (its transactional file and, where there is one, the
//! file that runs outside a transaction). They also check that an overridden template still goes
//! through minijinja.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use schemac::render::Renderer;
use schemac::render::docs::relative_link;
use schemac::render::markdown::{DiagramInput, database_view};
use schemac::render::mermaid;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The first line where `a` and `b` differ, with a little context, for the failure message.
fn first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let n = la.iter().zip(lb.iter()).take_while(|(x, y)| x == y).count();
    let from = n.saturating_sub(3);
    format!(
        "first difference at line {}:\n--- rust\n{}\n--- minijinja\n{}",
        n + 1,
        la.get(from..(n + 3).min(la.len()))
            .unwrap_or(&[])
            .join("\n"),
        lb.get(from..(n + 3).min(lb.len()))
            .unwrap_or(&[])
            .join("\n"),
    )
}

/// Compares both renderings of every documentation text of the model at `path`; returns how
/// many texts were compared.
fn compare_model(label: &str, path: &Path) -> usize {
    let compiled = schemac::compile(path);
    assert!(compiled.ok(), "{label} does not compile");
    let (model, external) = (&compiled.model, &compiled.external);
    let fast = Renderer::new(None);
    let slow = Renderer::new(None).minijinja_only();
    assert!(fast.uses_builtin("database.md.j2") && fast.uses_builtin("er.mmd.j2"));
    assert!(!slow.uses_builtin("database.md.j2") && !slow.uses_builtin("er.mmd.j2"));
    let mut compared = compare_migration(label, &schemac::plan::initial(model));

    // Each text as the renderer returns it (before DATABASE.md's blank-line collapsing).
    let docs_path = Path::new("docs/DATABASE.md");
    let mut inputs = Vec::new();
    for d in mermaid::diagrams(model) {
        let a = fast.er_diagram(&d.view).unwrap();
        let b = slow.er_diagram(&d.view).unwrap();
        assert!(
            a == b,
            "{label}: ER diagram {:?} differs; {}",
            d.group,
            first_difference(&a, &b)
        );
        compared += 1;
        let file = match &d.file_stem {
            Some(stem) => format!("generated/er/{stem}.mmd"),
            None => "generated/er.mmd".to_string(),
        };
        inputs.push(DiagramInput {
            group: d.group.clone(),
            link: relative_link(docs_path, Path::new(&file)),
            compact: d.view.compact,
            mermaid: a,
        });
    }
    for names in [
        Vec::new(),
        vec!["0001_init".to_string(), "0002_x|`y`".to_string()],
    ] {
        for supabase_layout in [false, true] {
            let mut view = database_view(model, external, &inputs, "generated/migrations", &names);
            if supabase_layout {
                view.migrations.supabase_layout = true;
                view.migrations.dir = "supabase/migrations".to_string();
                view.migrations.sum = "generated/schemac.sum".to_string();
            }
            let a = fast.database_md(&view).unwrap();
            let b = slow.database_md(&view).unwrap();
            assert!(
                a == b,
                "{label} (supabase layout: {supabase_layout}): DATABASE.md differs; {}",
                first_difference(&a, &b)
            );
            compared += 1;
        }
    }

    // And the files as `build` writes them.
    let args = |r: &Renderer| {
        r.docs(
            model,
            external,
            docs_path,
            Path::new("generated"),
            &["0001_init".to_string()],
        )
        .unwrap()
    };
    let (a, b) = (args(&fast), args(&slow));
    assert_eq!(a.len(), b.len(), "{label}: file counts differ");
    for (x, y) in a.iter().zip(b.iter()) {
        assert_eq!(x.path, y.path);
        assert!(
            x.text == y.text,
            "{label}: {} differs; {}",
            x.path.display(),
            first_difference(&x.text, &y.text)
        );
        compared += 1;
    }
    compared
}

/// Compares both renderings of the up and down files of migration `m`; returns how many texts
/// were compared.
fn compare_migration(label: &str, m: &schemac::plan::Migration) -> usize {
    let fast = Renderer::new(None);
    let slow = Renderer::new(None).minijinja_only();
    assert!(fast.uses_builtin("migration.sql.j2") && !slow.uses_builtin("migration.sql.j2"));
    let (up_a, down_a) = fast.migration("0001_init", m).unwrap();
    let (up_b, down_b) = slow.migration("0001_init", m).unwrap();
    for (file, a, b) in [("up", up_a, up_b), ("down", down_a, down_b)] {
        assert!(
            a == b,
            "{label}: the {file} file of the migration differs; {}",
            first_difference(&a, &b)
        );
    }
    2
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    out.sort();
    out
}

#[test]
fn repository_models_render_the_same() {
    let mut paths = vec![root().join("schema.yaml")];
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path().join("schema.yaml"))
        .filter(|p| p.is_file())
        .collect();
    examples.sort();
    assert!(examples.len() >= 4, "examples not found: {examples:?}");
    paths.extend(examples);
    let fixtures = yaml_files(&root().join("tests/fixtures/models"));
    assert!(fixtures.len() >= 14, "fixtures not found: {fixtures:?}");
    paths.extend(fixtures);
    paths.extend(yaml_files(&root().join("tests/fixtures/citus")));
    paths.extend(yaml_files(&root().join("tests/fixtures/domains")));
    let mut compared = 0;
    for p in &paths {
        compared += compare_model(&p.display().to_string(), p);
    }
    assert!(compared > 100, "only {compared} texts compared");
}

#[test]
fn migration_fixture_models_render_the_same() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let (mut models, mut migrations, mut online) = (0, 0, 0);
    for dir in dirs {
        for p in yaml_files(&dir) {
            // Some fixtures are meant to fail; only models that compile have documentation.
            if schemac::compile(&p).ok() {
                compare_model(&p.display().to_string(), &p);
                models += 1;
            }
        }
        let (before, after) = (dir.join("before.yaml"), dir.join("after.yaml"));
        if !(before.is_file() && after.is_file()) {
            continue;
        }
        let (old, new) = (schemac::compile(&before), schemac::compile(&after));
        if !(old.ok() && new.ok()) {
            continue;
        }
        let inc = schemac::plan::incremental(&old.model, &new.model);
        let label = dir.display().to_string();
        compare_migration(&label, &inc.main);
        migrations += 1;
        if let Some(m) = &inc.online {
            compare_migration(&format!("{label} (outside a transaction)"), m);
            online += 1;
        }
    }
    assert!(
        models > 40,
        "only {models} migration fixture models compiled"
    );
    assert!(
        migrations > 40 && online > 3,
        "only {migrations} incremental migrations, {online} with a non-transactional file"
    );
}

#[test]
fn bench_model_renders_the_same() {
    let out = std::process::Command::new("python3")
        .arg(root().join("scripts/bench/gen.py"))
        .arg("50")
        .output()
        .expect("python3 runs scripts/bench/gen.py (needed for this test)");
    assert!(out.status.success(), "gen.py failed");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.yaml");
    std::fs::write(&path, out.stdout).unwrap();
    compare_model("gen.py 50", &path);
}

/// Small models for what the repository's models do not show: text that needs escaping
/// everywhere the template writes text, no groups, many groups, platform objects, sections
/// left empty, optional fields present but empty.
const EDGE_MODELS: &[(&str, &str)] = &[
    (
        "escaping, no groups, no enums/functions/views",
        r#"
version: 1
tables:
  notes:
    description: "Pipes | and `code` and ``double`` ticks,\nnew lines\r\nand CRLF; unicode ✓ größe — trailing   "
    columns:
      id: { type: bigint, identity: always, primary_key: true, description: "a | b `c` ```d```" }
      body: { type: text, default: "'`|`'", description: "line one\n\nline three after a blank" }
      "we|ird`name": { type: text, nullable: true, description: "   " }
      blank: { type: text, nullable: true, description: "" }
      amount: { type: "numeric(10,2)", default: "0", check: "amount >= 0 or amount | 1 = 1" }
    checks:
      ticks: "body <> '``'"
    indexes:
      - { columns: [body], why: "why | with pipe\nand a new line" }
      - { expression: "lower(body || '`')", name: notes_lower_idx, why: "" }
"#,
    ),
    (
        "code blocks with backtick runs, policies with every field",
        r#"
version: 1
roles:
  member: { description: "members | `ticks`" }
  "odd role": { description: "" }
tables:
  docs:
    description: |
      A description with a code block:

      ```sql
      select 1;


      select 2;
      ```
      and `inline` after it.
    columns:
      id: { type: uuid, primary_key: true }
      owner: { type: uuid }
    rls:
      enabled: true
      force: true
      policies:
        docs_read:
          for: select
          to: [member, "odd role"]
          using: "owner = current_setting('app.user', true)::uuid -- ```` four ticks\n  and true"
          why: "Read | own\nrows."
        docs_write:
          for: all
          as: restrictive
          using: "true"
          with_check: |
            -- `` two ticks ``
            owner is not null
          why: ""
    grants: { member: [select, insert] }
    revoke: { "odd role": [all] }
  empty_rls:
    columns:
      id: { type: bigint, primary_key: true }
    rls: { enabled: true }
"#,
    ),
    (
        "groups with odd names, foreign keys of every kind",
        r#"
version: 1
schemas:
  "b|c": { description: "a schema | with a pipe" }
tables:
  parent:
    group: "Billing & Payments"
    columns:
      id: { type: bigint, primary_key: true }
      code: { type: text, unique: true }
  child:
    group: "billing & payments!"
    columns:
      id: { type: bigint, primary_key: true }
      parent_id: { type: bigint, references: parent.id, on_delete: cascade }
      maybe_parent: { type: bigint, nullable: true, unique: true, references: parent.id }
      self_id: { type: bigint, nullable: true, references: child.id }
    indexes:
      - { columns: [parent_id] }
      - { columns: [maybe_parent] }
      - { columns: [self_id] }
  "b|c.other":
    group: "ünïcode ✓"
    description: "in the odd schema"
    columns:
      id: { type: bigint, primary_key: true }
      child_id: { type: bigint, references: child.id }
    indexes:
      - { columns: [child_id] }
  loner:
    columns:
      id: { type: bigint, primary_key: true }
"#,
    ),
    (
        "supabase platform objects",
        r#"
version: 1
preset: supabase
extensions: [pg_trgm]
functions:
  on_signup:
    returns: trigger
    language: plpgsql
    security: definer
    search_path: ""
    body: |
      begin insert into public.profiles (id) values (new.id); return new; end;
    revoke: { public: [execute], anon: [execute], authenticated: [execute] }
  touch:
    returns: trigger
    language: plpgsql
    search_path: [public, extensions]
    body: begin new.at = now(); return new; end;
triggers:
  on_signup_trigger: { on: auth.users, after: [insert], function: on_signup }
tables:
  profiles:
    realtime: true
    columns:
      id: { type: uuid, primary_key: true, references: auth.users.id, on_delete: cascade }
      at: { type: timestamptz, default: now() }
    triggers:
      touch_at: { before: [update], function: touch }
    rls:
      enabled: true
      policies:
        profiles_own:
          for: select
          to: [authenticated]
          using: "(select auth.uid()) = id"
"#,
    ),
    (
        "scheduled jobs: pipes, ticks and new lines in commands, a paused job",
        r#"
version: 1
extensions: [pg_cron]
functions:
  purge:
    returns: void
    language: sql
    body: "select 1"
jobs:
  "nightly | purge":
    schedule: "0 3 * * *"
    call: purge
    description: "Purges | old rows\nat night"
  refresh:
    schedule: "*/5 * * * *"
    command: |
      select '`|`';
      select 2
    active: false
"#,
    ),
    (
        "publications: column lists, row filters with pipes, an empty publication",
        r#"
version: 1
tables:
  orders:
    columns:
      id: { type: bigint, primary_key: true }
      status: text
publications:
  analytics:
    description: "Orders | for the warehouse"
    tables:
      orders: { columns: [id, status] }
  shipped:
    publish: [insert]
    tables:
      orders: { where: "status = 'a|b'" }
  empty: {}
"#,
    ),
    (
        "policies on platform tables: Storage policies with pipes, a reason, both clauses",
        r#"
version: 1
preset: supabase
policies:
  storage.objects:
    avatars_read:
      for: select
      to: [authenticated]
      using: "bucket_id = 'a|b' and (storage.foldername(name))[1] = auth.uid()::text"
      why: "Users read | their own folder"
    avatars_write:
      for: update
      to: [authenticated]
      using: "bucket_id = 'avatars'"
      with_check: "bucket_id = 'avatars'"
"#,
    ),
    (
        "exclusion constraints: pipes in operators and expressions, with and without a predicate",
        r#"
version: 1
extensions: [btree_gist]
tables:
  slots:
    columns:
      id: { type: bigint, primary_key: true }
      room: text
      during: tstzrange
    exclude:
      - elements:
          - { expression: "(room || '|')", with: "=" }
          - { column: during, with: "-|-" }
        where: "room <> '`'"
      - name: slots_no_overlap
        using: gist
        elements: [{ column: during, with: "&&" }]
        deferrable: true
"#,
    ),
];

#[test]
fn edge_models_render_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let mut compiled = 0;
    let mut problems = Vec::new();
    for (i, (label, yaml)) in EDGE_MODELS.iter().enumerate() {
        let path = dir.path().join(format!("edge{i}.yaml"));
        std::fs::write(&path, yaml).unwrap();
        let c = schemac::compile(&path);
        if !c.ok() {
            let diags = c.diagnostics.sorted();
            problems.push(format!(
                "{label}: {}",
                schemac::diagnostics::report::human(
                    &diags,
                    &c.sources,
                    schemac::diagnostics::report::Style::Plain,
                    100
                )
            ));
            continue;
        }
        compare_model(label, &path);
        compiled += 1;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(compiled, EDGE_MODELS.len());
}

#[test]
fn an_override_goes_through_minijinja() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("database.md.j2"),
        "tables: {{ db.tables | length }}\n",
    )
    .unwrap();
    let r = Renderer::new(Some(templates.clone()));
    assert!(!r.uses_builtin("database.md.j2"));
    assert!(r.uses_builtin("er.mmd.j2"));
    let compiled = schemac::compile(&root().join("tests/fixtures/models/13_docs.yaml"));
    let files = r
        .docs(
            &compiled.model,
            &compiled.external,
            Path::new("docs/DATABASE.md"),
            Path::new("generated"),
            &[],
        )
        .unwrap();
    let md = files.last().unwrap();
    assert_eq!(md.text, "tables: 5\n");
    std::fs::write(templates.join("er.mmd.j2"), "{{ er.title }}").unwrap();
    let r = Renderer::new(Some(templates));
    assert!(!r.uses_builtin("er.mmd.j2"));
    let files = r
        .docs(
            &compiled.model,
            &compiled.external,
            Path::new("docs/DATABASE.md"),
            Path::new("generated"),
            &[],
        )
        .unwrap();
    assert_eq!(files[0].text, "the whole schema\n");
}

#[test]
fn an_unchanged_copy_of_a_builtin_template_is_no_override() {
    // This repository's own `templates/` folder holds the built-in templates.
    let r = Renderer::new(Some(root().join("templates")));
    assert!(r.uses_builtin("database.md.j2") && r.uses_builtin("er.mmd.j2"));
    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str, extra: &str| {
        let text = std::fs::read_to_string(root().join("templates").join(name)).unwrap();
        std::fs::write(dir.path().join(name), text + extra).unwrap();
    };
    copy("database.md.j2", "");
    copy("er.mmd.j2", "\n");
    let r = Renderer::new(Some(dir.path().to_path_buf()));
    assert!(r.uses_builtin("database.md.j2"));
    assert!(!r.uses_builtin("er.mmd.j2"), "one more byte is an override");
}
