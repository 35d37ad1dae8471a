//! `schemac build`: compile the model and write the next migration.

use schemac::diagnostics::Diagnostics;
use schemac::migrations::{MigrationDir, write_atomic};
use schemac::render::Renderer;
use schemac::{BuildPlan, build, compile};

use super::{Cli, exit, print_diagnostics};

/// Run `schemac build`.
pub fn run(cli: &Cli) -> u8 {
    let compiled = compile(&cli.schema);
    if !compiled.ok() {
        print_diagnostics(cli, &compiled.diagnostics, &compiled.sources);
        return if compiled
            .diagnostics
            .sorted()
            .iter()
            .any(|d| d.code == "E100")
        {
            exit::IO
        } else {
            exit::ERRORS
        };
    }
    print_diagnostics(cli, &compiled.diagnostics, &compiled.sources);
    let dir = match MigrationDir::read(&cli.out) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::IO;
        }
    };
    let renderer = Renderer::new(cli.templates.is_dir().then(|| cli.templates.clone()));
    let mut d = Diagnostics::default();
    match build(&compiled, &dir, &renderer, &mut d) {
        Some(BuildPlan::UpToDate) => {
            eprintln!(
                "schemac: {} is up to date with the model; nothing written",
                cli.out.display()
            );
            exit::OK
        }
        Some(BuildPlan::Write { name, files }) => match write_atomic(&files) {
            Ok(()) => {
                for (path, _) in &files {
                    eprintln!("wrote {}", path.display());
                }
                eprintln!("schemac: migration {name} written");
                exit::OK
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::IO
            }
        },
        None => {
            print_diagnostics(cli, &d, &compiled.sources);
            exit::ERRORS
        }
    }
}
