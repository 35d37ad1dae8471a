//! `schemac plan`: show the migration `build` would write, and write nothing.
//!
//! Input: the model and the output folder. Output: with `--format human`, the SQL of each file
//! `build` would write (up, then down) on stdout and the migration-safety findings on stderr; with
//! `--format json`, one JSON object `{ "migrations": [...], "changes": [...], "findings": [...] }`
//! on stdout. Exit codes: 0 when build would write (or nothing changed), 1 when the model has
//! errors or build would refuse (unacknowledged risky changes, edited migrations), 2 on I/O.

use schemac::diagnostics::Diagnostics;
use schemac::{BuildOptions, BuildPlan, build};

use super::{Cli, Format, exit, print_diagnostics};

/// Run `schemac plan`.
pub fn run(cli: &Cli, options: &BuildOptions) -> u8 {
    let (
        super::Project {
            compiled,
            dir,
            renderer,
        },
        _lock,
    ) = match super::project(cli, super::Access::Read) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut d = Diagnostics::default();
    let plan = build(&compiled, &dir, &renderer, options, &mut d);
    let migrations_dir = dir.migrations_dir();
    match (&plan, cli.format) {
        (Some(BuildPlan::UpToDate), Format::Json) => {
            outln!("{{\n  \"migrations\": [],\n  \"changes\": [],\n  \"findings\": []\n}}");
        }
        (Some(BuildPlan::UpToDate), _) => {
            eprintln!(
                "schemac: {} is up to date with the model; build would write no migration",
                cli.out.display()
            );
        }
        (
            Some(BuildPlan::Write {
                names,
                files,
                changes,
                findings,
            }),
            Format::Json,
        ) => {
            let migrations: Vec<serde_json::Value> = names
                .iter()
                .map(|n| {
                    let text = |suffix: String| {
                        files
                            .iter()
                            .find(|(p, _)| *p == migrations_dir.join(&suffix))
                            .map(|(_, t)| t.clone())
                            .unwrap_or_default()
                    };
                    serde_json::json!({ "name": n, "up": text(dir.up_file(n)), "down": text(dir.down_file(n)) })
                })
                .collect();
            let recs = schemac::lint::output::records(&[], findings, &compiled.sources);
            let findings: serde_json::Value =
                serde_json::from_str(&schemac::lint::output::json(&recs)).unwrap_or_default();
            let doc = serde_json::json!({
                "migrations": migrations,
                "changes": changes,
                "findings": findings,
            });
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        (
            Some(BuildPlan::Write {
                names,
                files,
                findings,
                ..
            }),
            _,
        ) => {
            let mut notes = Diagnostics::default();
            for f in &findings.findings {
                if let Some(diag) = f.diagnostic() {
                    notes.push(diag);
                }
            }
            print_diagnostics(cli, &notes, &compiled.sources);
            for (path, text) in files {
                let is_migration = names.iter().any(|n| {
                    *path == migrations_dir.join(dir.up_file(n))
                        || *path == migrations_dir.join(dir.down_file(n))
                });
                if is_migration {
                    outln!("-- ==> {} <==", path.display());
                    super::write_stdout(text);
                    outln!("");
                }
            }
            if names.is_empty() {
                eprintln!("schemac: build would only update the snapshot");
            } else {
                eprintln!(
                    "schemac: build would write {} (nothing written)",
                    names.join(" and ")
                );
            }
        }
        (None, _) => {}
    }
    if plan.is_none() {
        print_diagnostics(cli, &d, &compiled.sources);
        return exit::ERRORS;
    }
    exit::OK
}
