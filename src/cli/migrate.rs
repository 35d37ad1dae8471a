//! `schemac migrate`: apply the pending migrations to a database with a history table
//! (`schemac.migrations`), show their state (`status`), or roll back the last ones (`down N`).
//!
//! Every run first checks the folder against `schemac.sum` (`E401`) and the history against the
//! folder (`E509`, `E510`); it changes nothing when either fails. In the Supabase layout the
//! Supabase CLI owns the history (`supabase_migrations.schema_migrations`) and this command
//! refuses (`E511`).

use schemac::database::migrate::{self, Entry, Local};
use schemac::database::{self, is_transactional};
use schemac::diagnostics::{Code, Diagnostic, Diagnostics};
use schemac::ir::MigrationLayout;
use schemac::migrations::MigrationDir;

use super::{Cli, exit, print_diagnostics};

/// Arguments of `schemac migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// `status` or `down N`; without one, apply the pending migrations.
    #[command(subcommand)]
    pub action: Option<Action>,
    /// The database to migrate. Default: the `DATABASE_URL` environment variable.
    #[arg(long, value_name = "URL", global = true)]
    pub database_url: Option<String>,
    /// Print what would run and change nothing (no lock, no history table).
    #[arg(long, global = true)]
    pub dry_run: bool,
}

/// What `schemac migrate` does besides applying.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Action {
    /// List every migration as applied, pending or unknown (recorded but not in the folder).
    Status,
    /// Roll back the last N applied migrations with their down files, newest first.
    Down {
        /// How many.
        #[arg(value_name = "N")]
        n: u32,
    },
}

/// Run `schemac migrate`.
pub fn run(cli: &Cli, args: &MigrateArgs) -> u8 {
    // A shared lock: no build rewrites the folder while its files are applied.
    let (project, _lock) = match super::project(cli, super::Access::Read) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let sources = &project.compiled.sources;
    let dir = &project.dir;
    let mut d = Diagnostics::default();
    if dir.layout == MigrationLayout::Supabase {
        d.push(
            Diagnostic::error(
                Code::MigrateNotOwned,
                format!(
                    "`layout: supabase`: the Supabase CLI applies {} and records them in supabase_migrations.schema_migrations; schemac migrate does not write a second history",
                    dir.migrations_dir().display()
                ),
            )
            .in_path(dir.migrations_dir().display().to_string())
            .help("apply with `supabase db push` (or `supabase migration up` locally) and see the state with `supabase migration list`"),
        );
        print_diagnostics(cli, &d, sources);
        return exit::ERRORS;
    }
    dir.verify(&mut d);
    if d.has_errors() {
        print_diagnostics(cli, &d, sources);
        return exit::ERRORS;
    }
    let Some(url) = args
        .database_url
        .clone()
        .or_else(super::database_url_from_env)
    else {
        eprintln!("error: give --database-url URL or set DATABASE_URL");
        return exit::IO;
    };
    let mut client = match database::connect(&url) {
        Ok(c) => c,
        Err(diag) => {
            d.push(*diag);
            print_diagnostics(cli, &d, sources);
            return exit::IO;
        }
    };
    let local = migrate::local_migrations(dir);
    let code = match &args.action {
        Some(Action::Status) => status(&mut client, dir, &local, &mut d),
        None if args.dry_run => up_dry_run(&mut client, dir, &local, &mut d),
        None => locked(&mut client, &mut d, |c, d| up(c, dir, &local, d)),
        Some(Action::Down { n }) if args.dry_run => {
            down(&mut client, dir, &local, *n, true, &mut d)
        }
        Some(Action::Down { n }) => locked(&mut client, &mut d, |c, d| {
            down(c, dir, &local, *n, false, d)
        }),
    };
    print_diagnostics(cli, &d, sources);
    code
}

/// Run `f` holding the migration lock, with the history table in place.
fn locked(
    client: &mut postgres::Client,
    d: &mut Diagnostics,
    f: impl FnOnce(&mut postgres::Client, &mut Diagnostics) -> u8,
) -> u8 {
    let waiting = || eprintln!("waiting for another `schemac migrate` to finish (advisory lock)");
    if let Err(diag) = migrate::lock(client, waiting) {
        d.push(*diag);
        return exit::IO;
    }
    let code = match migrate::ensure_history(client) {
        Ok(()) => f(client, d),
        Err(diag) => {
            d.push(*diag);
            exit::IO
        }
    };
    migrate::unlock(client);
    code
}

/// The history paired with the folder, or the exit code when the history cannot be read.
/// [`entries`] for the commands that apply or roll back: `Err(exit::ERRORS)` as well when the
/// history and the folder disagree (the diagnostics are in `d`).
fn consistent_entries(
    client: &mut postgres::Client,
    dir: &MigrationDir,
    local: &[Local],
    d: &mut Diagnostics,
) -> Result<Vec<Entry>, u8> {
    let entries = entries(client, dir, local, d)?;
    if d.has_errors() {
        return Err(exit::ERRORS);
    }
    Ok(entries)
}

fn entries(
    client: &mut postgres::Client,
    dir: &MigrationDir,
    local: &[Local],
    d: &mut Diagnostics,
) -> Result<Vec<Entry>, u8> {
    match migrate::read_history(client) {
        Ok(history) => Ok(migrate::reconcile(dir, local, &history, d)),
        Err(diag) => {
            d.push(*diag);
            Err(exit::IO)
        }
    }
}

/// How a file runs, for the messages.
fn how(sql: &str) -> &'static str {
    if is_transactional(sql) {
        "in one transaction"
    } else {
        "outside a transaction, statement by statement"
    }
}

/// The last applied migration, for the summary line.
fn at(entries: &[Entry]) -> String {
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Applied(a) => Some(a.name.as_str()),
            _ => None,
        })
        .next_back()
        .map_or_else(|| "no migration applied".to_string(), |n| format!("at {n}"))
}

fn status(
    client: &mut postgres::Client,
    dir: &MigrationDir,
    local: &[Local],
    d: &mut Diagnostics,
) -> u8 {
    let entries = match entries(client, dir, local, d) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let width = entries
        .iter()
        .map(|e| migrate::entry_name(e).len())
        .max()
        .unwrap_or(0);
    let (mut applied, mut pending, mut unknown) = (0, 0, 0);
    for e in &entries {
        let name = migrate::entry_name(e);
        match e {
            Entry::Applied(a) => {
                applied += 1;
                outln!(
                    "applied  {name:width$}  {} UTC by {} in {} ms",
                    a.applied_at,
                    a.applied_by,
                    a.duration_ms
                );
            }
            Entry::Pending(_) => {
                pending += 1;
                outln!("pending  {name}");
            }
            Entry::Unknown(a) => {
                unknown += 1;
                outln!(
                    "unknown  {name:width$}  {} UTC by {} (not in the migrations folder)",
                    a.applied_at,
                    a.applied_by
                );
            }
        }
    }
    outln!("{applied} applied, {pending} pending, {unknown} unknown");
    if d.has_errors() {
        exit::ERRORS
    } else {
        exit::OK
    }
}

fn pending(entries: &[Entry]) -> Vec<&Local> {
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Pending(l) => Some(l),
            _ => None,
        })
        .collect()
}

fn up_dry_run(
    client: &mut postgres::Client,
    dir: &MigrationDir,
    local: &[Local],
    d: &mut Diagnostics,
) -> u8 {
    let entries = match consistent_entries(client, dir, local, d) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let todo = pending(&entries);
    for l in &todo {
        outln!("would apply {} ({})", l.file, how(&l.sql));
    }
    outln!(
        "dry run: {} migration{} pending ({}); nothing was changed",
        todo.len(),
        if todo.len() == 1 { "" } else { "s" },
        at(&entries)
    );
    exit::OK
}

fn up(
    client: &mut postgres::Client,
    dir: &MigrationDir,
    local: &[Local],
    d: &mut Diagnostics,
) -> u8 {
    let entries = match consistent_entries(client, dir, local, d) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let todo = pending(&entries);
    if todo.is_empty() {
        outln!(
            "nothing to apply: the database is up to date ({})",
            at(&entries)
        );
        return exit::OK;
    }
    for l in &todo {
        match migrate::apply(client, dir, l) {
            Ok(ms) => outln!("applied {} ({}, {ms} ms)", l.file, how(&l.sql)),
            Err(diag) => {
                d.push(*diag);
                return exit::ERRORS;
            }
        }
    }
    let last = todo.last().map_or("", |l| l.name.as_str());
    outln!(
        "{} migration{} applied; the database is at {last}",
        todo.len(),
        if todo.len() == 1 { "" } else { "s" }
    );
    exit::OK
}

fn down(
    client: &mut postgres::Client,
    dir: &MigrationDir,
    local: &[Local],
    n: u32,
    dry_run: bool,
    d: &mut Diagnostics,
) -> u8 {
    let entries = match consistent_entries(client, dir, local, d) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let applied: Vec<&str> = entries
        .iter()
        .rev()
        .filter_map(|e| match e {
            Entry::Applied(a) => Some(a.name.as_str()),
            _ => None,
        })
        .collect();
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n > applied.len() {
        d.push(
            Diagnostic::error(
                Code::MigrateHistoryMismatch,
                format!(
                    "cannot roll back {n} migration{}: {} {} applied",
                    if n == 1 { "" } else { "s" },
                    applied.len(),
                    if applied.len() == 1 { "is" } else { "are" }
                ),
            )
            .in_path(dir.migrations_dir().display().to_string())
            .help("see `schemac migrate status` and give at most that many"),
        );
        return exit::ERRORS;
    }
    let mut steps = Vec::new();
    for name in applied.iter().take(n) {
        match local
            .iter()
            .find(|l| l.name == *name)
            .and_then(|l| l.down.as_ref())
        {
            Some((file, sql)) => steps.push((*name, file.as_str(), sql.as_str())),
            None => {
                d.push(
                    Diagnostic::error(
                        Code::MigrateHistoryMismatch,
                        format!("`{name}` has no down file"),
                    )
                    .in_path(
                        dir.migrations_dir()
                            .join(dir.down_file(name))
                            .display()
                            .to_string(),
                    )
                    .help("restore the down file from version control; nothing was rolled back"),
                );
                return exit::ERRORS;
            }
        }
    }
    for (name, file, sql) in &steps {
        if dry_run {
            outln!("would roll back {name} with {file} ({})", how(sql));
            continue;
        }
        if let Err(diag) = migrate::revert(client, dir, name, file, sql) {
            d.push(*diag);
            return exit::ERRORS;
        }
        outln!("rolled back {name} with {file} ({})", how(sql));
    }
    let remaining = applied.get(n).map_or_else(
        || "has no migration applied".to_string(),
        |name| format!("is at {name}"),
    );
    if dry_run {
        outln!(
            "dry run: {} migration{} would be rolled back (the database then {remaining}); nothing was changed",
            steps.len(),
            if steps.len() == 1 { "" } else { "s" }
        );
    } else {
        outln!(
            "{} migration{} rolled back; the database {remaining}",
            steps.len(),
            if steps.len() == 1 { "" } else { "s" }
        );
    }
    exit::OK
}
