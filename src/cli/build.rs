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
            let names = super::docs::migration_names(&dir, None);
            let docs = match super::docs::prepare(cli, &compiled, &renderer, &names)
                .and_then(|d| super::docs::apply(&d))
            {
                Ok(lines) => lines,
                Err(code) => return code,
            };
            for line in &docs {
                eprintln!("{line}");
            }
            eprintln!(
                "schemac: {} is up to date with the model; {}",
                cli.out.display(),
                if docs.is_empty() {
                    "nothing written"
                } else {
                    "no migration written"
                }
            );
            exit::OK
        }
        Some(BuildPlan::Write { name, files }) => {
            // Render the documentation first, so a broken template writes nothing.
            let names = super::docs::migration_names(&dir, Some(&name));
            let docs = match super::docs::prepare(cli, &compiled, &renderer, &names) {
                Ok(docs) => docs,
                Err(code) => return code,
            };
            match write_atomic(&files) {
                Ok(()) => {
                    for (path, _) in &files {
                        eprintln!("wrote {}", path.display());
                    }
                    match super::docs::apply(&docs) {
                        Ok(lines) => lines.iter().for_each(|l| eprintln!("{l}")),
                        Err(code) => return code,
                    }
                    eprintln!("schemac: migration {name} written");
                    exit::OK
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    exit::IO
                }
            }
        }
        None => {
            print_diagnostics(cli, &d, &compiled.sources);
            exit::ERRORS
        }
    }
}
