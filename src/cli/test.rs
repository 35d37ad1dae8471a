//! `schemac test`: run the access tests on a scratch database, or write them as pgTAP files.

use schemac::database::{self, Scratch};
use schemac::diagnostics::{Code, Diagnostic, Diagnostics};
use schemac::ir::Preset;
use schemac::migrations::MigrationDir;
use schemac::testing;

use super::{Cli, Format, exit, human_style, print_diagnostics};

/// Output kinds of `--emit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// pgTAP files for pg_prove / `supabase test db`.
    Pgtap,
}

/// Arguments of `schemac test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// A server to create the scratch database on (any database of it; it is not changed).
    /// Default: the `DATABASE_URL` environment variable.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Write the tests as files instead of running them (`--emit pgtap DIR`).
    #[arg(long, value_enum, requires = "dir")]
    pub emit: Option<Emit>,
    /// The folder `--emit` writes into.
    #[arg(value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
    /// Do not run the tests derived from the policies (owner isolation, service role, grants).
    #[arg(long)]
    pub no_derived: bool,
}

/// Run `schemac test`.
pub fn run(cli: &Cli, args: &TestArgs) -> u8 {
    let compiled = match super::compiled_or_exit(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let model = &compiled.model;
    let (tests, skipped) = testing::collect(model, &compiled.external, !args.no_derived);
    if let (Some(Emit::Pgtap), Some(dir)) = (args.emit, &args.dir) {
        let files = testing::pgtap::emit(&tests, model.preset, &model.default_schema);
        let paths: Vec<(std::path::PathBuf, &str)> = files
            .iter()
            .map(|(name, text)| (dir.join(name), text.as_str()))
            .collect();
        if let Err(e) = schemac::commit::commit(dir, &paths, &[]) {
            return super::io_failure(cli, &e);
        }
        outln!(
            "wrote {} pgTAP file{} to {}",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            dir.display()
        );
        return exit::OK;
    }
    let Some(url) = &args
        .database_url
        .clone()
        .or_else(super::database_url_from_env)
    else {
        eprintln!("error: give --database-url URL or set DATABASE_URL, or --emit pgtap DIR");
        return exit::IO;
    };
    let mut d = Diagnostics::default();
    let dir = match MigrationDir::read_layout(&cli.out, compiled.model.migrations.layout) {
        Ok(dir) => dir,
        Err(e) => return super::io_failure(cli, &e),
    };
    dir.verify(&mut d);
    let migrations = database::up_migrations(&dir.files);
    if migrations.is_empty() {
        d.push(
            Diagnostic::error(Code::MigrationFailed, "there are no migrations to apply")
                .in_path(dir.migrations_dir().display().to_string())
                .help("run `schemac build` first"),
        );
    }
    if d.has_errors() {
        print_diagnostics(cli, &d, &compiled.sources);
        return exit::ERRORS;
    }
    let (scratch, mut client) = match Scratch::create(url, "test") {
        Ok(x) => x,
        Err(diag) => {
            d.push(*diag);
            print_diagnostics(cli, &d, &compiled.sources);
            return exit::IO;
        }
    };
    let prepared = (|| -> Result<(), Box<Diagnostic>> {
        if model.preset == Preset::Supabase {
            database::install_supabase_standin(&mut client, model.auto_exposes())?;
        }
        database::apply(&mut client, &dir.migrations_dir(), &migrations)
    })();
    if let Err(diag) = prepared {
        let code = if diag.code == Code::MigrationFailed.as_str() {
            exit::ERRORS
        } else {
            exit::IO
        };
        d.push(*diag);
        drop(client);
        drop(scratch);
        print_diagnostics(cli, &d, &compiled.sources);
        return code;
    }
    let mut results = Vec::new();
    for test in tests {
        match testing::run::run_test(&mut client, &test, model.preset, &model.default_schema) {
            Ok(outcome) => results.push(testing::TestResult { test, outcome }),
            Err(e) => {
                d.push(
                    Diagnostic::error(
                        Code::DatabaseUnavailable,
                        format!(
                            "the connection failed while testing: {}",
                            database::error_text(&e)
                        ),
                    )
                    .help("check the server log"),
                );
                drop(client);
                drop(scratch);
                print_diagnostics(cli, &d, &compiled.sources);
                return exit::IO;
            }
        }
    }
    drop(client);
    drop(scratch);
    match cli.format {
        Format::Json => {
            super::write_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&testing::json(&results, &compiled.sources))
                    .unwrap_or_default()
            ));
            super::document_written();
        }
        Format::Sarif | Format::Github => {
            // The report goes to stderr; the failures are the document's records.
            out!(
                "{}",
                testing::human(&results, &skipped, &compiled.sources, human_style(cli))
            );
            let mut failures = schemac::diagnostics::Diagnostics::default();
            for diag in results.iter().filter_map(testing::failure_diagnostic) {
                failures.push(diag);
            }
            print_diagnostics(cli, &failures, &compiled.sources);
        }
        _ => out!(
            "{}",
            testing::human(&results, &skipped, &compiled.sources, human_style(cli))
        ),
    }
    if results
        .iter()
        .all(|r| r.outcome == testing::run::Outcome::Passed)
    {
        exit::OK
    } else {
        exit::ERRORS
    }
}
