//! `schemac build`: compile the model and write the next migration.

use schemac::diagnostics::{Code, Diagnostic, Diagnostics};
use schemac::{BuildOptions, BuildPlan, build_with};

use super::{Cli, exit, print_diagnostics};

/// Run `schemac build`.
pub fn run(cli: &Cli, options: &BuildOptions) -> u8 {
    let (project, lock) = match super::project(cli, super::Access::Write) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let code = build_project(cli, options, &project);
    drop(lock);
    super::keep_until_exit(project);
    code
}

fn build_project(cli: &Cli, options: &BuildOptions, project: &super::Project) -> u8 {
    let super::Project {
        compiled,
        dir,
        renderer,
    } = project;
    print_diagnostics(cli, &compiled.diagnostics, &compiled.sources);
    let mut d = Diagnostics::default();
    // The documentation renders on a second thread while build plans and renders the migration;
    // everything is printed and written below, after both are done, in the order it always was.
    let (plan, docs, _) = super::docs::alongside(cli, compiled, renderer, dir, |names| {
        build_with(compiled, dir, renderer, options, &mut d, |new| {
            names.send(new);
        })
    });
    match plan {
        Some(BuildPlan::UpToDate) => {
            let docs = match super::docs::prepare(cli, compiled, docs)
                .and_then(|d| super::docs::apply(cli, &[], &d))
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
        Some(BuildPlan::Write {
            names,
            files,
            findings,
            changes,
        }) => {
            // Secure by default: an error-level lint finding stops the write, as a risky change
            // does, unless the model suppresses it with a reason.
            let blocking = schemac::blocking_findings(compiled);
            if !blocking.is_empty() {
                let mut d = Diagnostics::default();
                for f in &blocking {
                    if let Some(diag) = f.diagnostic() {
                        d.push(diag);
                    }
                }
                let n = blocking.len();
                d.push(
                    Diagnostic::error(
                        Code::UnacknowledgedChanges,
                        format!("the model has {n} error-level lint finding{}; nothing was written", if n == 1 { "" } else { "s" }),
                    )
                    .in_path(cli.schema.display().to_string())
                    .help("fix the findings above, or accept one on its object with `lint: { allow: { RULE: \"reason\" } }`"),
                );
                print_diagnostics(cli, &d, &compiled.sources);
                return exit::ERRORS;
            }
            let mut notes = Diagnostics::default();
            for f in &findings.findings {
                if let Some(diag) = f.diagnostic() {
                    notes.push(diag);
                }
            }
            for diag in super::public_policy_warnings(compiled, &names, &changes) {
                notes.push(diag);
            }
            print_diagnostics(cli, &notes, &compiled.sources);
            // The documentation was rendered before anything is written, so a broken template
            // writes nothing.
            let docs = match super::docs::prepare(cli, compiled, docs) {
                Ok(docs) => docs,
                Err(code) => return code,
            };
            match super::docs::apply(cli, &files, &docs) {
                Ok(lines) => {
                    for line in &lines {
                        eprintln!("{line}");
                    }
                    if names.is_empty() {
                        eprintln!(
                            "schemac: the snapshot was updated; no statement to migrate (only attributes that live in the snapshot changed)"
                        );
                    } else {
                        eprintln!("schemac: migration {} written", names.join(" and "));
                    }
                    exit::OK
                }
                Err(code) => code,
            }
        }
        None => {
            print_diagnostics(cli, &d, &compiled.sources);
            exit::ERRORS
        }
    }
}
