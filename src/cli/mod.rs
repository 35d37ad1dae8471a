//! Command line: clap definitions, and the only place that prints or writes files.
//!
//! Input: arguments. Output: text on stdout/stderr, files in the output folder, and an exit code:
//! 0 success, 1 model errors or a failed check, 2 usage or I/O failure.

// The command line is the one place allowed to print.
#![allow(clippy::disallowed_macros)]

mod build;
mod check;

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
    /// snapshot and the checksum file. Writes nothing when the model has errors or is unchanged.
    Build,
    /// Fail (exit 1) when generated files are stale or a committed migration was edited.
    Check,
}

/// Diagnostic output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with labels.
    Human,
    /// One JSON array.
    Json,
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
            println!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
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

/// Run a parsed command line and return the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Build => build::run(&cli),
        Command::Check => check::run(&cli),
    }
}
