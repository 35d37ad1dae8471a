//! `schemac check`: fail when generated files are stale or a committed migration was edited.

use schemac::diagnostics::{Code, Diagnostic, Diagnostics};
use schemac::migrations::MigrationDir;
use schemac::render::Renderer;
use schemac::{BuildOptions, BuildPlan, build_with};

use super::{Cli, exit, print_diagnostics};

/// Run `schemac check`.
pub fn run(cli: &Cli) -> u8 {
    let project = match super::project(cli) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let code = check_project(cli, &project);
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
    let mut pending: Vec<String> = Vec::new();
    // The documentation renders on a second thread while the migrations are checked.
    let ((plan, stale), docs, docs_names) =
        super::docs::alongside(cli, compiled, renderer, dir, |names| {
            std::thread::scope(|s| {
                // When the snapshot matches, the first migration must also be what this schemac
                // writes. Rendering it again is a large part of the run, so it starts on another
                // thread while the plan is made, and counts only if the plan is up to date.
                let stale = (dir.last_number() == 1)
                    .then(|| s.spawn(|| stale_initial(compiled, dir, renderer)));
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
    if d.has_errors() {
        print_diagnostics(cli, &d, &compiled.sources);
        return exit::ERRORS;
    }
    eprintln!("schemac: {} is up to date", cli.out.display());
    exit::OK
}

fn stale_initial(
    compiled: &schemac::Compiled,
    dir: &MigrationDir,
    renderer: &Renderer,
) -> Option<Diagnostic> {
    if dir.last_number() != 1 {
        return None;
    }
    let up_name = dir
        .files
        .iter()
        .map(|(n, _)| n.as_str())
        .find(|n| !n.ends_with(".down.sql"))?;
    let name = up_name.strip_suffix(".sql")?;
    let variants = renderer.initial_migrations(name, &compiled.model).ok()?;
    let on_disk = |file: &str| {
        dir.files
            .iter()
            .find(|(n, _)| n == file)
            .map(|(_, b)| b.as_slice())
    };
    let (up_file, down_file) = (dir.up_file(name), dir.down_file(name));
    // For each way the files may have been written, the first file that differs from it.
    let differs: Vec<Option<String>> = variants
        .iter()
        .map(|(up, down)| {
            [(&up_file, up), (&down_file, down)]
                .into_iter()
                .find(|(file, text)| on_disk(file) != Some(text.as_bytes()))
                .map(|(file, _)| file.clone())
        })
        .collect();
    // Written by this or an earlier schemac (see `Renderer::initial_migrations`): not stale.
    if differs.iter().any(Option::is_none) {
        return None;
    }
    // Otherwise name the file that differs from what this schemac writes.
    let file = differs.into_iter().next().flatten()?;
    Some(
        Diagnostic::error(Code::StaleOutput, format!("`{file}` differs from what this version of schemac generates for the model"))
            .in_path(dir.migrations_dir().join(&file).display().to_string())
            .help("if the migration was never applied anywhere, delete the migrations and run `schemac build`; otherwise keep it"),
    )
}
