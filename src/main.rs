//! The `schemac` binary: parse the command line, run it, map the outcome to an exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    ExitCode::from(cli::run(cli::Cli::parse()))
}
