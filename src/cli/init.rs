//! `schemac init`: start a project in the current folder — a starter model, the JSON Schema its
//! modeline names (editors validate and complete with it: docs/editor.md), a pre-commit hook, a
//! GitHub Actions workflow and `.gitattributes` — refusing to overwrite any file that exists.
//!
//! The files are fixed texts (one set per preset); the starter model builds, lints clean with
//! `--deny-warnings` and passes `check` (tests/init.rs).

use std::path::{Path, PathBuf};

use super::exit;

/// The preset of the starter model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitPreset {
    /// Plain PostgreSQL: a table, migrations in `generated/migrations/`.
    Postgres,
    /// Supabase: `preset: supabase`, an owner-only table with RLS, `layout: supabase`
    /// (migrations in `supabase/migrations/`, applied by the Supabase CLI).
    Supabase,
}

/// Arguments of `schemac init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Which starter model to write.
    #[arg(long, value_enum, default_value_t = InitPreset::Postgres)]
    pub preset: InitPreset,
    /// The project folder (created when missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

/// The first lines of the starter model: the JSON Schema for yaml-language-server (the VS Code
/// YAML extension, Neovim's yamlls, Helix, Zed) and Vim's settings.
const MODELINE: &str = "\
# yaml-language-server: $schema=schemac.schema.json
# vim: set filetype=yaml shiftwidth=2 expandtab:
";

/// The file the modeline names, next to schema.yaml (`schemac json-schema` prints it again after
/// an upgrade).
const SCHEMA_FILE: &str = "schemac.schema.json";

const POSTGRES_MODEL: &str = "\
# The database model. Change it, then `schemac plan` shows and `schemac build` writes the next
# migration (generated/migrations/); `schemac lint` reviews it; `schemac migrate` applies it.
# Format: docs/model-reference.md of schemac.
version: 1
preset: postgres

tables:
  authors:
    description: People who write notes.
    columns:
      id:   { type: bigint, identity: always, primary_key: true }
      name: { type: text, description: The name shown with their notes., check: \"char_length(name) between 1 and 200\" }

  notes:
    description: A note someone wrote.
    columns:
      id:         { type: bigint, identity: always, primary_key: true }
      author_id:  { type: bigint, references: authors.id, on_delete: cascade, description: Who wrote it. }
      body:       { type: text, description: The text of the note., check: \"char_length(body) <= 10000\" }
      created_at: { type: timestamptz, default: now() }
    indexes:
      - { columns: [author_id, created_at desc], why: \"List an author's notes, newest first.\" }
";

const SUPABASE_MODEL: &str = "\
# The database model. Change it, then `schemac plan` shows and `schemac build` writes the next
# migration into supabase/migrations/ (apply it with `supabase db push`); `schemac lint`
# reviews it. Format: docs/model-reference.md of schemac.
version: 1
preset: supabase

migrations:
  # Migrations go to supabase/migrations/ (down files to supabase/migrations/down/); the
  # Supabase CLI applies them and owns the migration history.
  layout: supabase

tables:
  notes:
    description: A note; each signed-in user sees and changes only their own.
    columns:
      id:         { type: uuid, primary_key: true, default: gen_random_uuid() }
      user_id:    { type: uuid, references: auth.users.id, on_delete: cascade, description: The user who owns the note. }
      body:       { type: text, description: The text of the note., check: \"char_length(body) <= 10000\" }
      created_at: { type: timestamptz, default: now() }
    indexes:
      - { columns: [user_id, created_at desc], why: \"List a user's notes, newest first.\" }
    # Today's Supabase grants nothing by itself: what clients may do is granted here, and the
    # policies decide which rows.
    grants:
      authenticated: [select, insert, update, delete]
      service_role: [select, insert, update, delete]
    rls:
      policies:
        notes_select_own:
          for: select
          to: [authenticated]
          using: \"(select auth.uid()) = user_id\"
          why: Users read their own notes.
        notes_insert_own:
          for: insert
          to: [authenticated]
          with_check: \"(select auth.uid()) = user_id\"
          why: Users add notes only as themselves.
        notes_update_own:
          for: update
          to: [authenticated]
          using: \"(select auth.uid()) = user_id\"
          with_check: \"(select auth.uid()) = user_id\"
          why: Users edit their own notes and cannot give them away.
        notes_delete_own:
          for: delete
          to: [authenticated]
          using: \"(select auth.uid()) = user_id\"
          why: Users delete their own notes.
";

const PRE_COMMIT: &str = "\
# pre-commit (https://pre-commit.com): `pre-commit install`, then every commit that touches a
# YAML file is linted, and one whose migrations are stale or edited is stopped. Runs the
# installed `schemac` (`cargo install --locked --path <schemac checkout>`).
repos:
  - repo: local
    hooks:
      - id: schemac-lint
        name: schemac lint
        entry: schemac lint --deny-warnings
        language: system
        files: \\.ya?ml$
        pass_filenames: false
      - id: schemac-check
        name: schemac check
        entry: schemac check
        language: system
        pass_filenames: false
        always_run: true
";

const WORKFLOW: &str = "\
# schemac in CI: lint findings in code scanning (SARIF) and on the pull request, and `schemac
# check` (a model change without its migration, an edited migration, stale docs fail the build).
name: schema
on:
  push:
  pull_request:
permissions:
  contents: read
  security-events: write
jobs:
  schemac:
    runs-on: ubuntu-latest
    env:
      # Where schemac is installed from: set this to its repository.
      SCHEMAC_GIT: https://example.invalid/schemac.git
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@stable
      - run: cargo install --locked --git \"$SCHEMAC_GIT\" schemac
      - name: lint (SARIF)
        run: schemac lint --format sarif > schemac.sarif || true
      - uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: schemac.sarif
          category: schemac
      - name: lint
        run: schemac lint --deny-warnings --format github
      - name: check
        run: schemac check
";

const GITATTRIBUTES_COMMON: &str = "\
# Written by `schemac build` (and `schemac json-schema`): collapsed in diffs and left out of
# language statistics.
generated/** linguist-generated=true
docs/DATABASE.md linguist-generated=true
schemac.schema.json linguist-generated=true
";

const GITATTRIBUTES_SUPABASE: &str = "\
supabase/migrations/*.sql linguist-generated=true
supabase/migrations/down/*.sql linguist-generated=true
";

/// The files `init` writes for `preset`, relative to the project folder.
pub fn files(preset: InitPreset) -> Vec<(&'static str, String)> {
    let (model, attributes) = match preset {
        InitPreset::Postgres => (POSTGRES_MODEL, GITATTRIBUTES_COMMON.to_string()),
        InitPreset::Supabase => (
            SUPABASE_MODEL,
            format!("{GITATTRIBUTES_COMMON}{GITATTRIBUTES_SUPABASE}"),
        ),
    };
    vec![
        ("schema.yaml", format!("{MODELINE}{model}")),
        (SCHEMA_FILE, schemac::model_schema::json_schema_text()),
        (".pre-commit-config.yaml", PRE_COMMIT.to_string()),
        (".github/workflows/schema.yml", WORKFLOW.to_string()),
        (".gitattributes", attributes),
    ]
}

/// Run `schemac init`.
pub fn run(args: &InitArgs) -> u8 {
    let files = files(args.preset);
    let existing: Vec<String> = files
        .iter()
        .map(|(rel, _)| args.dir.join(rel))
        .filter(|p| p.exists())
        .map(|p| {
            display(
                &args.dir,
                &p.strip_prefix(&args.dir)
                    .unwrap_or(&p)
                    .display()
                    .to_string(),
            )
        })
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "error: schemac init wrote nothing because {} already exist{}: {}",
            if existing.len() == 1 {
                "this file"
            } else {
                "these files"
            },
            if existing.len() == 1 { "s" } else { "" },
            existing.join(", ")
        );
        eprintln!(
            "help: run it in a new folder (`--dir DIR`), or move the files away first; init never overwrites"
        );
        return exit::ERRORS;
    }
    let paths: Vec<(PathBuf, &str)> = files
        .iter()
        .map(|(rel, text)| (args.dir.join(rel), text.as_str()))
        .collect();
    // One commit: a failure half-way leaves none of the files (the journal goes in the folder).
    if let Err(e) = schemac::commit::commit(&args.dir, &paths, &[]) {
        let d = e.diagnostic();
        eprintln!("error[{}]: {}", d.code, d.message);
        eprintln!("help: {}", d.help);
        return exit::IO;
    }
    for (rel, _) in &files {
        outln!("wrote {}", display(&args.dir, rel));
    }
    let next = match args.preset {
        InitPreset::Postgres => {
            "next: `schemac build` writes generated/migrations/0001_init.sql; `schemac migrate` applies it (DATABASE_URL)"
        }
        InitPreset::Supabase => {
            "next: `schemac build` writes supabase/migrations/; `supabase db push` applies them"
        }
    };
    outln!("{next}");
    exit::OK
}

fn display(dir: &Path, rel: &str) -> String {
    if dir == Path::new(".") {
        rel.to_string()
    } else {
        dir.join(rel).display().to_string()
    }
}
