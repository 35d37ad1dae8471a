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

/// `print!` that survives a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_stdout(&format!($($arg)*)) };
}

/// `println!` that survives a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_stdout(&format!("{}\n", format!($($arg)*))) };
}

mod build;
mod check;
mod docs;
mod import;
mod lint;
mod plan;
mod test;
mod verify;

use std::io::IsTerminal as _;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use schemac::diagnostics::report::{self, Style};
use schemac::diagnostics::{Diagnostics, Severity};
use schemac::source::SourceMap;

/// Schema-as-code compiler and linter for PostgreSQL and Supabase.
#[derive(Debug, Parser)]
#[command(name = "schemac", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The model: a YAML file or a folder of YAML files.
    #[arg(long, global = true, default_value = "schema.yaml")]
    schema: PathBuf,
    /// Where generated migrations, the snapshot and the checksum file go.
    #[arg(long, global = true, default_value = "generated")]
    out: PathBuf,
    /// Where `build` writes DATABASE.md (the ER diagrams go to `<out>/er.mmd` and `<out>/er/`).
    #[arg(long, global = true, default_value = schemac::render::docs::DEFAULT_DOCS_PATH)]
    docs: PathBuf,
    /// A folder of templates overriding the built-in ones (used when it exists).
    #[arg(long, global = true, default_value = "templates")]
    templates: PathBuf,
    /// How to print diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// When to use colours and Unicode in human output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate the model and write the next numbered migration (with its down file), the
    /// snapshot and the checksum file. Writes nothing when the model has errors, is unchanged, or
    /// has risky changes nobody acknowledged.
    Build {
        #[command(flatten)]
        migration: MigrationArgs,
    },
    /// Print the migration `build` would write (SQL, or the change list with --format json) and
    /// its migration-safety findings; writes nothing. Exit 1 when build would refuse.
    Plan {
        #[command(flatten)]
        migration: MigrationArgs,
    },
    /// Fail (exit 1) when generated files are stale or a committed migration was edited.
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
    /// List the lint rules (code, name, default level, category).
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
    /// Source snippets with labels.
    Human,
    /// One JSON array.
    Json,
    /// A SARIF 2.1.0 log (code-scanning UIs).
    Sarif,
    /// GitHub workflow annotations (`::error file=…::message`).
    Github,
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

pub(crate) fn print_diagnostics(cli: &Cli, d: &Diagnostics, sources: &SourceMap) {
    let sorted = d.sorted();
    if sorted.is_empty() {
        return;
    }
    match cli.format {
        Format::Json => {
            let json = report::to_json(&sorted, sources);
            outln!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        }
        Format::Sarif | Format::Github => {
            let empty = schemac::lint::Report::default();
            let recs = schemac::lint::output::records(&sorted, &empty, sources);
            if cli.format == Format::Sarif {
                out!(
                    "{}",
                    schemac::lint::output::sarif(&recs, env!("CARGO_PKG_VERSION"))
                );
            } else {
                out!("{}", schemac::lint::output::github(&recs));
            }
        }
        Format::Human => {
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

/// Compile the model for a command that runs no model lint rule (`build`, `plan`, `check`,
/// `verify`, `test`: the fragments' lint facts are not computed); when it has errors, print them
/// and return the exit code.
pub(crate) fn compiled_or_exit(cli: &Cli) -> Result<schemac::Compiled, u8> {
    let compiled = schemac::compile_without_lint_facts(&cli.schema);
    if !compiled.ok() {
        print_diagnostics(cli, &compiled.diagnostics, &compiled.sources);
        return Err(compile_failure_exit(&compiled.diagnostics));
    }
    Ok(compiled)
}

/// Compile the model and read the migrations folder; on failure the diagnostics are printed and
/// the exit code returned.
pub(crate) fn project(cli: &Cli) -> Result<Project, u8> {
    let compiled = compiled_or_exit(cli)?;
    let dir =
        schemac::migrations::MigrationDir::read_layout(&cli.out, compiled.model.migrations.layout)
            .map_err(|e| {
                eprintln!("error: {e}");
                exit::IO
            })?;
    let renderer =
        schemac::render::Renderer::new(cli.templates.is_dir().then(|| cli.templates.clone()));
    Ok(Project {
        compiled,
        dir,
        renderer,
    })
}

/// Run a parsed command line and return the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Build { ref migration } => build::run(&cli, &migration.options()),
        Command::Plan { ref migration } => plan::run(&cli, &migration.options()),
        Command::Check => check::run(&cli),
        Command::Lint {
            deny_warnings,
            ref allow,
            show_info,
        } => lint::run(&cli, deny_warnings, allow, show_info),
        Command::Rule { ref rule } => lint::rule(rule),
        Command::Rules { ref markdown } => lint::rules(markdown.as_deref()),
        Command::Verify(ref args) => verify::run(&cli, args),
        Command::Test(ref args) => test::run(&cli, args),
        Command::Import(ref args) => import::run(&cli, args),
    }
}
