//! `schemac check`: fail when generated files are stale or a committed migration was edited.
//! Generated files include `schemac.schema.json` beside the model, when the project keeps one
//! (`schemac init` writes it): it must be the JSON Schema of this schemac.

use schemac::diagnostics::{Code, Diagnostic, Diagnostics};
use schemac::{BuildOptions, BuildPlan, build_with};

use super::{Cli, exit, print_diagnostics};

/// Run `schemac check`.
pub fn run(cli: &Cli) -> u8 {
    let (project, lock) = match super::project(cli, super::Access::Read) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let code = check_project(cli, &project);
    drop(lock);
    super::keep_until_exit(project);
    code
}

fn check_project(cli: &Cli, project: &super::Project) -> u8 {
    let super::Project {
        compiled,
        dir,
        renderer,
    } = project;
    let mut d = Diagnostics::default();
    let strays =
        schemac::commit::strays(&super::output_dirs(cli, compiled.model.migrations.layout));
    for diag in schemac::commit::stray_diagnostics(&strays) {
        d.push(diag);
    }
    let mut pending: Vec<String> = Vec::new();
    // The documentation renders on a second thread while the migrations are checked.
    let ((plan, stale), docs, docs_names) =
        super::docs::alongside(cli, compiled, renderer, dir, |names| {
            std::thread::scope(|s| {
                // When the snapshot matches, the first migration must also be what this schemac
                // writes. Rendering it again is a large part of the run, so it starts on another
                // thread while the plan is made, and counts only if the plan is up to date.
                let stale = (dir.last_number() >= 1)
                    .then(|| s.spawn(|| schemac::stale_initial(compiled, dir, renderer)));
                let options = BuildOptions::default();
                let plan = build_with(compiled, dir, renderer, &options, &mut d, |new| {
                    names.send(new);
                });
                let stale =
                    stale.and_then(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                let stale = match plan {
                    Some(BuildPlan::UpToDate) => stale,
                    _ => None,
                };
                (plan, stale)
            })
        });
    match plan {
        Some(BuildPlan::UpToDate) => {
            if let Some(stale) = stale {
                d.push(stale);
            }
        }
        Some(BuildPlan::Write { names, changes, .. }) => {
            let message = if dir.snapshot.is_none() {
                format!(
                    "the model has no migration yet; `schemac build` would write {}",
                    names.join(" and ")
                )
            } else if names.is_empty() {
                "the snapshot is out of date; `schemac build` would update it".to_string()
            } else {
                format!(
                    "the model has {} change{} that no migration describes yet; `schemac build` would write {}",
                    changes.len(),
                    if changes.len() == 1 { "" } else { "s" },
                    names.join(" and ")
                )
            };
            let code = if dir.snapshot.is_none() {
                Code::StaleOutput
            } else {
                Code::PendingChanges
            };
            d.push(
                Diagnostic::error(code, message)
                    .in_path(cli.out.display().to_string())
                    .help("run `schemac build` (or `schemac plan` to see the migration) and commit the generated files"),
            );
            pending = names;
        }
        None => {}
    }
    // The documentation lists the pending migrations; when build failed after naming them, it
    // is rendered again with the folder's names only.
    let docs = if docs_names == pending {
        docs
    } else {
        let names = super::docs::migration_names(dir, &pending);
        super::docs::diff(cli, compiled, renderer, &names)
    };
    match docs {
        Ok(docs) => super::docs::stale_diagnostics(&docs)
            .into_iter()
            .for_each(|x| d.push(x)),
        Err(e) => d.push(super::docs::render_failure(&e)),
    }
    if let Some(stale) = stale_json_schema(cli) {
        d.push(stale);
    }
    if d.has_errors() {
        print_diagnostics(cli, &d, &compiled.sources);
        return exit::ERRORS;
    }
    eprintln!("schemac: {} is up to date", cli.out.display());
    exit::OK
}

/// `schemac.schema.json` in the folder that holds `--schema` (where `schemac init` writes it),
/// when it exists and is not this schemac's JSON Schema (after an upgrade, or edited by hand).
fn stale_json_schema(cli: &Cli) -> Option<Diagnostic> {
    let path = cli
        .schema
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join(schemac::model_schema::PROJECT_FILE);
    let on_disk = std::fs::read(&path).ok()?;
    if on_disk == schemac::model_schema::json_schema_text().as_bytes() {
        return None;
    }
    let shown = path.display().to_string();
    Some(
        Diagnostic::error(
            Code::StaleOutput,
            format!("`{shown}` is not the JSON Schema of this schemac"),
        )
        .in_path(shown.clone())
        .help(format!(
            "run `schemac json-schema > {shown}` and commit it (editors read it: docs/editor.md)"
        )),
    )
}
