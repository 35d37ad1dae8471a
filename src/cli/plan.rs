//! `schemac plan`: show the migration `build` would write, and write nothing.
//!
//! Input: the model and the output folder. Output: with `--format human`, the SQL of each file
//! `build` would write (up, then down) on stdout and the migration-safety findings on stderr; with
//! `--format json`, one JSON object `{ "migrations": [...], "changes": [...], "findings": [...] }`
//! on stdout, `"access"` holding the access diff. Both show the access diff: how the effective
//! access of the client roles changes from the committed snapshot to the model (`schemac::access`).
//! With `--format markdown`, only the access diff, as Markdown for a pull-request comment. When
//! build would refuse only because risky changes are unacknowledged (E405), the SQL it would write
//! once they are acknowledged is shown all the same, with the blocking findings (and
//! `"refused": true` in JSON), and the exit code is 1. Exit codes: 0 when build would write (or
//! nothing changed), 1 when the model has errors or build would refuse (unacknowledged risky
//! changes, edited migrations), 2 on I/O.

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
    let mut plan = build(&compiled, &dir, &renderer, options, &mut d);
    // When build would refuse only because risky changes are unacknowledged (E405), show the
    // migration it would write once they are acknowledged, then the findings that block it.
    let refused = plan.is_none() && refused_only_for_acknowledgements(&d);
    if refused {
        let mut all = options.clone();
        all.allow.extend(
            schemac::lint::ALL_RULES
                .iter()
                .filter(|r| r.meta().target == schemac::lint::Target::Changes)
                .map(|r| r.meta().code.to_string()),
        );
        plan = build(
            &compiled,
            &dir,
            &renderer,
            &all,
            &mut Diagnostics::default(),
        );
    }
    let migrations_dir = dir.migrations_dir();
    // The access diff is shown whether or not build would write (a refused widening included).
    let access = schemac::access_changes(&compiled, &dir).unwrap_or_default();
    if cli.format == Format::Markdown {
        super::write_stdout(&schemac::access::markdown(&access));
        // Refused (a widening nobody acknowledged): the findings that block build, and exit 1.
        if plan.is_none() || refused {
            print_diagnostics(cli, &d, &compiled.sources);
            return exit::ERRORS;
        }
        return exit::OK;
    }
    match (&plan, cli.format) {
        (Some(BuildPlan::UpToDate), Format::Json) => {
            super::write_stdout(&format!(
                "{{\n  \"version\": {},\n  \"migrations\": [],\n  \"changes\": [],\n  \"findings\": [],\n  \"access\": []\n}}\n",
                schemac::diagnostics::output::JSON_VERSION
            ));
            super::document_written();
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
            let public = super::public_policy_warnings(&compiled, names, changes);
            let mut shown: Vec<&schemac::diagnostics::Diagnostic> =
                if refused { d.sorted() } else { Vec::new() };
            shown.extend(public.iter());
            let recs = schemac::lint::output::records(&shown, findings, &compiled.sources);
            let findings = serde_json::to_value(&recs).unwrap_or_default();
            let mut doc = serde_json::json!({
                "version": schemac::diagnostics::output::JSON_VERSION,
                "migrations": migrations,
                "changes": changes,
                "findings": findings,
                "access": access,
            });
            if refused && let Some(obj) = doc.as_object_mut() {
                obj.insert("refused".to_string(), serde_json::Value::Bool(true));
            }
            super::write_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            ));
            super::document_written();
        }
        (
            Some(BuildPlan::Write {
                names,
                files,
                findings,
                changes,
            }),
            _,
        ) => {
            let mut notes = Diagnostics::default();
            if refused {
                // The findings that block the build (with E405), rather than the acknowledged run's.
                for diag in d.sorted() {
                    notes.push(diag.clone());
                }
            } else {
                for f in &findings.findings {
                    if let Some(diag) = f.diagnostic() {
                        notes.push(diag);
                    }
                }
            }
            for diag in super::public_policy_warnings(&compiled, names, changes) {
                notes.push(diag);
            }
            print_diagnostics(cli, &notes, &compiled.sources);
            for (path, text) in files {
                let is_migration = names.iter().any(|n| {
                    *path == migrations_dir.join(dir.up_file(n))
                        || *path == migrations_dir.join(dir.down_file(n))
                });
                if is_migration {
                    outln!("-- ==> {} <==", path.display());
                    super::write_text(text);
                    outln!("");
                }
            }
            super::write_text(&schemac::access::human(&access));
            if refused {
                eprintln!(
                    "schemac: build would refuse to write {} until the findings above are acknowledged (nothing written)",
                    names.join(" and ")
                );
            } else if names.is_empty() {
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
    if refused && plan.is_some() {
        return exit::ERRORS;
    }
    if plan.is_none() {
        if cli.format == Format::Human {
            super::write_text(&schemac::access::human(&access));
        }
        print_diagnostics(cli, &d, &compiled.sources);
        return exit::ERRORS;
    }
    exit::OK
}

/// Whether every error is the refusal for unacknowledged risky changes (E405) or one of the
/// findings it lists, so that acknowledging them would let build write.
fn refused_only_for_acknowledgements(d: &Diagnostics) -> bool {
    let errors: Vec<_> = d
        .sorted()
        .into_iter()
        .filter(|x| x.severity == schemac::diagnostics::Severity::Error)
        .collect();
    errors
        .iter()
        .any(|x| x.code == schemac::diagnostics::Code::UnacknowledgedChanges.as_str())
        && errors.iter().all(|x| {
            x.code == schemac::diagnostics::Code::UnacknowledgedChanges.as_str()
                || x.code.starts_with("SC")
        })
}
