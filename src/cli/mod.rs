//! Command line: clap definitions, and the only place that prints or writes files.
//!
//! Input: arguments. Output: text on stdout/stderr, files in the output folder, and an exit code:
//! 0 success, 1 model errors or a failed check, 2 usage or I/O failure.

// The command line is the one place allowed to print.
#![allow(clippy::disallowed_macros)]

/// Write to stdout; a closed pipe (`schemac rules | head`) ends the process quietly instead of
/// panicking as `print!` does.
pub(crate) fn write_stdout(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(i32::from(exit::IO));
    }
}

/// Whether stdout is kept for the one document of `--format json|sarif|github`: what a command
/// says besides (`migrate`'s progress, `verify`'s summary) goes to stderr then.
static STDOUT_IS_THE_DOCUMENT: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Write a command's text: to stdout, or to stderr when stdout carries the machine-readable
/// document (documents themselves are written with [`write_stdout`]).
pub(crate) fn write_text(text: &str) {
    if STDOUT_IS_THE_DOCUMENT.load(std::sync::atomic::Ordering::Relaxed) {
        eprint!("{text}");
    } else {
        write_stdout(text);
    }
}

/// `print!` that survives a closed pipe (stderr when stdout is the machine-readable document).
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_text(&format!($($arg)*)) };
}

/// `println!` that survives a closed pipe (stderr when stdout is the machine-readable document).
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_text(&format!("{}\n", format!($($arg)*))) };
}

mod build;
mod check;
mod docs;
mod import;
mod init;
mod lint;
mod lsp;
mod migrate;
mod plan;
mod test;
mod verify;

use std::io::IsTerminal as _;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use schemac::diagnostics::output::{self, Record};
use schemac::diagnostics::report::{self, Style};
use schemac::diagnostics::{Diagnostics, Severity};
use schemac::source::SourceMap;

/// The help heading of the options every command accepts.
const GLOBAL: &str = "Global options";

/// Schema-as-code compiler and linter for PostgreSQL and Supabase.
#[derive(Debug, Parser)]
#[command(name = "schemac", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The model: a YAML file or a folder of YAML files.
    #[arg(long, global = true, help_heading = GLOBAL, default_value = "schema.yaml")]
    schema: PathBuf,
    /// Where generated migrations, the snapshot and the checksum file go.
    #[arg(long, global = true, help_heading = GLOBAL, default_value = "generated")]
    out: PathBuf,
    /// Where `build` writes DATABASE.md (the ER diagrams go to `<out>/er.mmd` and `<out>/er/`).
    #[arg(long, global = true, help_heading = GLOBAL, default_value = schemac::render::docs::DEFAULT_DOCS_PATH)]
    docs: PathBuf,
    /// A folder of templates overriding the built-in ones (used when it exists).
    #[arg(long, global = true, help_heading = GLOBAL, default_value = "templates")]
    templates: PathBuf,
    /// How to print diagnostics.
    #[arg(long, global = true, help_heading = GLOBAL, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// When to use colours and Unicode in human output.
    #[arg(long, global = true, help_heading = GLOBAL, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a project: a starter schema.yaml, a pre-commit hook, a GitHub Actions workflow (lint
    /// with SARIF upload, check) and .gitattributes; never overwrites a file.
    Init(init::InitArgs),
    /// Validate the model and write the next numbered migration (with its down file), the
    /// snapshot and the checksum file. Writes nothing when the model has errors or error-level
    /// lint findings (unless suppressed with a reason), is unchanged, or has risky changes nobody
    /// acknowledged. All files are one commit (an interrupted build is finished by the next one);
    /// a second build of the project waits for the first.
    Build {
        #[command(flatten)]
        migration: MigrationArgs,
    },
    /// Print the migration `build` would write (SQL, or the change list with --format json) and
    /// its migration-safety findings; writes nothing. Exit 1 when build would refuse (the SQL is
    /// still shown when only unacknowledged risky changes block it).
    Plan {
        #[command(flatten)]
        migration: MigrationArgs,
    },
    /// Fail (exit 1) when generated files are stale, a committed migration was edited, or a build
    /// was interrupted (run `build` to finish it).
    Check,
    /// Lint the model: exit 1 on error-level findings (or warnings with --deny-warnings).
    Lint {
        /// Also fail (exit 1) on warnings; the recommended CI setting.
        #[arg(long)]
        deny_warnings: bool,
        /// Acknowledge every finding of a migration-safety rule (code or name) for this run.
        #[arg(long, value_name = "RULE")]
        allow: Vec<String>,
        /// Print info-level findings in full too (by default the human format counts them per
        /// rule; json, sarif and github always carry every finding).
        #[arg(long)]
        show_info: bool,
    },
    /// Print the documentation of a lint rule, by code (SC301) or name (fk-missing-index).
    Rule {
        /// The rule's code or name.
        rule: String,
    },
    /// List the lint rules (code, name, default level or `alias` of compiler errors, category).
    Rules {
        /// Write one Markdown page per rule into DIR (the repository keeps them in docs/rules).
        #[arg(long, value_name = "DIR")]
        markdown: Option<PathBuf>,
    },
    /// Apply the migrations to a scratch database (or read a live one with --against) and
    /// compare the catalog with the model: exit 1 on any difference.
    Verify(verify::VerifyArgs),
    /// Run the access tests (declared in the model and derived from its policies) on a scratch
    /// database, or write them as pgTAP files with --emit pgtap DIR.
    Test(test::TestArgs),
    /// Apply the pending migrations to a database, recording each in `schemac.migrations`
    /// (`status`: applied / pending / unknown; `down N`: roll back the last N).
    Migrate(migrate::MigrateArgs),
    /// Start the language server on stdin/stdout (for editors): diagnostics as you type,
    /// go to definition, references, hover, completion, rename and quick fixes
    /// (docs/lsp.md).
    Lsp {
        /// A URL under which `diagnostics.md` and `rules/<name>.md` are published, for the
        /// links on diagnostic codes (default: the project's `docs/` folder when it has them).
        #[arg(long, value_name = "URL")]
        docs_url: Option<String>,
    },
    /// Print the JSON Schema of schema.yaml (for editors: docs/editor.md) on stdout; the repository
    /// keeps it as schema/schemac.schema.json.
    JsonSchema {
        /// Print the key reference (docs/model-keys.md) instead.
        #[arg(long)]
        markdown: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write schema.yaml from an existing database (read-only) or from SQL migrations (applied
    /// to a scratch database), list what the model cannot express, and with --check prove that
    /// the model rebuilds the same catalog.
    Import(import::ImportArgs),
}

/// Options of the commands that write (or show) the next migration.
#[derive(Debug, Clone, clap::Args)]
pub struct MigrationArgs {
    /// Name the migration (`0002_<name>.sql`) instead of deriving the name from the changes.
    #[arg(long)]
    name: Option<String>,
    /// Acknowledge every finding of a migration-safety rule (code or name) for this run, like an
    /// entry in `migrations.acknowledge` (which also records the reason; prefer it).
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
}

impl MigrationArgs {
    fn options(&self) -> schemac::BuildOptions {
        schemac::BuildOptions {
            name: self.name.clone(),
            allow: self.allow.clone(),
        }
    }
}

/// Diagnostic output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with labels, on stderr.
    Human,
    /// One JSON document on stdout: `{"version": 1, "diagnostics": [...]}` (the shape is in
    /// docs/diagnostics.md).
    Json,
    /// A SARIF 2.1.0 log (code-scanning UIs), compiler errors and lint findings alike.
    Sarif,
    /// GitHub workflow annotations (`::error file=…::message`).
    Github,
    /// Markdown for a pull-request comment (`plan`: the access diff); other commands print
    /// as `human`.
    Markdown,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colour when stderr is a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Exit codes.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Model errors or a failed check.
    pub const ERRORS: u8 = 1;
    /// Usage or I/O failure.
    pub const IO: u8 = 2;
}

/// Whether `--format` asks for a machine-readable document (json, sarif, github).
pub(crate) fn machine(cli: &Cli) -> bool {
    matches!(cli.format, Format::Json | Format::Sarif | Format::Github)
}

/// The records of a machine-readable run, collected until the command ends: every command
/// prints one document (one JSON object, one SARIF log) however many times it reports.
static RECORDS: std::sync::Mutex<Vec<Record<'static>>> = std::sync::Mutex::new(Vec::new());

/// Whether the command printed its document itself ([`write_document`], `plan` and `test` with
/// their own JSON).
static WRITTEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn take_records() -> Vec<Record<'static>> {
    RECORDS
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .unwrap_or_default()
}

/// Note that the command printed its own document, so [`finish`] prints none.
pub(crate) fn document_written() {
    WRITTEN.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Print the document of `--format json|sarif|github` now: the records reported so far, then
/// `records`.
pub(crate) fn write_document(cli: &Cli, records: Vec<Record<'_>>) {
    let mut all: Vec<Record<'_>> = take_records();
    if all.is_empty() {
        all = records;
    } else {
        all.extend(records);
    }
    let text = match cli.format {
        Format::Sarif => output::sarif(
            &all,
            schemac::lint::output::sarif_rules(),
            env!("CARGO_PKG_VERSION"),
        ),
        Format::Github => output::github(&all),
        _ => output::json(&all),
    };
    // Written as it is: `out!` would format a copy of a text that is 20 MB at 2,000 tables.
    write_stdout(&text);
    document_written();
}

/// At the end of a command that reports diagnostics: in a machine-readable format, print its
/// document unless it printed one itself (an empty one when nothing was reported, so a program
/// always reads one document).
fn finish(cli: &Cli) {
    if machine(cli) && !WRITTEN.load(std::sync::atomic::Ordering::Relaxed) {
        write_document(cli, Vec::new());
    }
}

pub(crate) fn print_diagnostics(cli: &Cli, d: &Diagnostics, sources: &SourceMap) {
    // At most `MAX_PER_CODE` of each code, then a line counting the rest, in every format.
    let printed = d.printed();
    let sorted: Vec<&schemac::diagnostics::Diagnostic> =
        printed.iter().map(AsRef::as_ref).collect();
    if sorted.is_empty() {
        return;
    }
    match cli.format {
        Format::Json | Format::Sarif | Format::Github => {
            let records = sorted.iter().map(|d| Record::of(d, sources).into_owned());
            if let Ok(mut all) = RECORDS.lock() {
                all.extend(records);
            }
        }
        Format::Human | Format::Markdown => {
            let fancy = match cli.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let style = if fancy { Style::Fancy } else { Style::Plain };
            eprint!("{}", report::human(&sorted, sources, style, 100));
            let errors = d.count(Severity::Error);
            let warnings = d.count(Severity::Warning);
            eprintln!(
                "{} error{}, {} warning{}",
                errors,
                if errors == 1 { "" } else { "s" },
                warnings,
                if warnings == 1 { "" } else { "s" }
            );
        }
    }
}

/// The human-output style `--color` and the terminal ask for.
pub(crate) fn human_style(cli: &Cli) -> Style {
    let fancy = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    if fancy { Style::Fancy } else { Style::Plain }
}

/// The exit code when compiling failed: 2 when a file could not be read, else 1.
pub(crate) fn compile_failure_exit(d: &Diagnostics) -> u8 {
    if d.sorted()
        .iter()
        .any(|x| x.code == schemac::diagnostics::Code::Io.as_str())
    {
        exit::IO
    } else {
        exit::ERRORS
    }
}

/// Let `value` live until the process exits instead of dropping it: the compiled model holds
/// hundreds of thousands of small allocations (names, spans, parsed fragments), and freeing them
/// one by one is measurable work (~1.5% of `schemac lint`) that exiting makes unnecessary. Only
/// for values whose destructor does nothing but free memory.
pub(crate) fn keep_until_exit<T>(value: T) {
    std::mem::forget(value);
}

/// What `build`, `plan` and `check` start from: the compiled model, the migrations folder in
/// the model's layout, and the templates.
pub(crate) struct Project {
    /// The model, without errors.
    pub compiled: schemac::Compiled,
    /// The migrations folder.
    pub dir: schemac::migrations::MigrationDir,
    /// Built-in templates with the project's overrides.
    pub renderer: schemac::render::Renderer,
}

/// Compile the model for a command that runs no model lint rule up front (`build`, `plan`,
/// `check`, `verify`, `test`: the fragments' lint facts are not computed; `build` lints only
/// when it is about to write, parsing what its rules need then); when it has errors, print them
/// and return the exit code.
pub(crate) fn compiled_or_exit(cli: &Cli) -> Result<schemac::Compiled, u8> {
    let compiled = schemac::compile_without_lint_facts(&cli.schema);
    if !compiled.ok() {
        print_diagnostics(cli, &compiled.diagnostics, &compiled.sources);
        return Err(compile_failure_exit(&compiled.diagnostics));
    }
    Ok(compiled)
}

/// Print one diagnostic that points at no YAML (an I/O failure, the lock) in the chosen format.
pub(crate) fn print_one(cli: &Cli, diag: schemac::diagnostics::Diagnostic) {
    let mut d = Diagnostics::default();
    d.push(diag);
    print_diagnostics(cli, &d, &SourceMap::default());
}

/// Print an I/O failure as its coded diagnostic; returns the exit code (2).
pub(crate) fn io_failure(cli: &Cli, e: &schemac::migrations::MigrationsError) -> u8 {
    print_one(cli, e.diagnostic());
    exit::IO
}

/// How a command uses the output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// `build`: holds the project lock alone, finishes an interrupted build and removes the
    /// temporary files a crashed run left.
    Write,
    /// `plan`, `check`: share the lock with other readers; an interrupted build is an error.
    Read,
}

/// The folders schemac writes to, where a crashed run may have left temporary files.
pub(crate) fn output_dirs(cli: &Cli, layout: schemac::ir::MigrationLayout) -> Vec<PathBuf> {
    use schemac::migrations::{SUPABASE_DOWN, SUPABASE_MIGRATIONS};
    let mut dirs = vec![
        cli.out.clone(),
        cli.out.join("migrations"),
        cli.out.join(schemac::render::docs::GROUP_DIAGRAM_DIR),
    ];
    match cli.docs.parent() {
        Some(p) if !p.as_os_str().is_empty() => dirs.push(p.to_path_buf()),
        _ => dirs.push(PathBuf::from(".")),
    }
    if layout == schemac::ir::MigrationLayout::Supabase {
        dirs.push(PathBuf::from(SUPABASE_MIGRATIONS));
        dirs.push(PathBuf::from(SUPABASE_MIGRATIONS).join(SUPABASE_DOWN));
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Compile the model and read the migrations folder, holding the project lock (returned with the
/// project; it is released when dropped); on failure the diagnostics are printed and the exit
/// code returned.
pub(crate) fn project(
    cli: &Cli,
    access: Access,
) -> Result<(Project, schemac::commit::ProjectLock), u8> {
    use schemac::commit;
    let lock = commit::lock(&cli.out, access == Access::Write, |dir| {
        eprintln!(
            "schemac: waiting for another schemac command working in {} to finish",
            dir.display()
        );
    })
    .map_err(|diag| {
        print_one(cli, *diag);
        exit::IO
    })?;
    let compiled = compiled_or_exit(cli)?;
    let layout = compiled.model.migrations.layout;
    match access {
        Access::Write => {
            match commit::recover(&cli.out) {
                Ok(Some(done)) => eprintln!(
                    "schemac: finished an interrupted build ({} file{})",
                    done.files.len(),
                    if done.files.len() == 1 { "" } else { "s" }
                ),
                Ok(None) => {}
                Err(e) => return Err(io_failure(cli, &e)),
            }
            let removed = commit::remove_strays(&output_dirs(cli, layout))
                .map_err(|e| io_failure(cli, &e))?;
            for p in removed {
                eprintln!("removed {} (left by an interrupted run)", p.display());
            }
        }
        Access::Read => {
            if let Some(diag) = commit::pending(&cli.out) {
                print_one(cli, diag);
                return Err(exit::ERRORS);
            }
        }
    }
    let dir = schemac::migrations::MigrationDir::read_layout(&cli.out, layout)
        .map_err(|e| io_failure(cli, &e))?;
    let renderer =
        schemac::render::Renderer::new(cli.templates.is_dir().then(|| cli.templates.clone()));
    Ok((
        Project {
            compiled,
            dir,
            renderer,
        },
        lock,
    ))
}

/// The `DATABASE_URL` environment variable, when set and not blank: the server `verify`, `test`
/// and `migrate` use when no `--database-url` is given (as the test scripts do).
pub(crate) fn database_url_from_env() -> Option<String> {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// The commands that read no model and write nothing: their `--help` leaves out the global
/// options.
const STANDALONE: [&str; 5] = ["init", "rule", "rules", "completions", "json-schema"];

/// The command line's definition: [`Cli`]'s, with the global options hidden from the help of the
/// commands that do not use them.
fn command() -> clap::Command {
    use clap::CommandFactory as _;
    let mut cmd = Cli::command();
    // Each of these commands gets hidden copies of the global options before clap propagates
    // them (clap skips an option a subcommand already has), so they still parse, unlisted.
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    for name in STANDALONE {
        cmd = cmd.mut_subcommand(name, |sub| {
            globals
                .iter()
                .fold(sub, |sub, arg| sub.arg(arg.clone().hide(true)))
        });
    }
    cmd
}

/// Parse the process's arguments (clap prints help, version and usage errors and exits).
pub fn parse() -> Cli {
    use clap::FromArgMatches as _;
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `schemac completions SHELL`: the completion script on stdout.
fn completions(shell: clap_complete::Shell) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command(), "schemac", &mut script);
    write_stdout(&String::from_utf8_lossy(&script));
    exit::OK
}

/// Warnings (SC409) for the policies without `to:` that the migration creates or changes — they
/// apply to PUBLIC, every role — so `build` and `plan` do not write them silently. All such
/// policies for the first migration (`changes` is empty then); the model's lint levels and inline
/// suppressions apply.
pub(crate) fn public_policy_warnings(
    compiled: &schemac::Compiled,
    names: &[String],
    changes: &[schemac::diff::Change],
) -> Vec<schemac::diagnostics::Diagnostic> {
    use schemac::diff::ChangeKind;
    if names.is_empty() {
        return Vec::new();
    }
    let report = schemac::lint::run_only(
        &compiled.model,
        &compiled.external,
        &compiled.sources,
        &["SC409"],
    );
    let touched: Vec<schemac::source::Span> = changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::CreatePolicy | ChangeKind::AlterPolicy))
        .map(|c| c.span)
        .collect();
    report
        .findings
        .iter()
        .filter_map(schemac::lint::Finding::diagnostic)
        .filter(|d| {
            changes.is_empty()
                || d.primary
                    .as_ref()
                    .is_some_and(|l| touched.contains(&l.span))
        })
        .map(|d| {
            d.help("name the roles the policy is for, such as `to: [authenticated]`; the migration writes `TO PUBLIC`, and `to: [public]` says so on purpose")
        })
        .collect()
}

/// Run a parsed command line and return the exit code.
pub fn run(cli: Cli) -> u8 {
    let reports = !matches!(
        cli.command,
        Command::Rule { .. }
            | Command::Rules { .. }
            | Command::Init(_)
            | Command::Completions { .. }
    );
    if reports && machine(&cli) {
        STDOUT_IS_THE_DOCUMENT.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let code = match cli.command {
        Command::Build { ref migration } => build::run(&cli, &migration.options()),
        Command::Plan { ref migration } => plan::run(&cli, &migration.options()),
        Command::Check => check::run(&cli),
        Command::Lint {
            deny_warnings,
            ref allow,
            show_info,
        } => lint::run(&cli, deny_warnings, allow, show_info),
        Command::Rule { ref rule } => return lint::rule(rule),
        Command::Rules { ref markdown } => return lint::rules(markdown.as_deref()),
        Command::Verify(ref args) => verify::run(&cli, args),
        Command::Test(ref args) => test::run(&cli, args),
        Command::Init(ref args) => return init::run(args),
        Command::Migrate(ref args) => migrate::run(&cli, args),
        Command::Completions { shell } => return completions(shell),
        Command::Lsp { ref docs_url } => return lsp::run(&cli, docs_url.clone()),
        Command::JsonSchema { markdown } => {
            write_stdout(&if markdown {
                schemac::model_schema::markdown()
            } else {
                schemac::model_schema::json_schema_text()
            });
            return exit::OK;
        }
        Command::Import(ref args) => import::run(&cli, args),
    };
    finish(&cli);
    code
}
