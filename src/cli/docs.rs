//! DATABASE.md and the ER diagrams for `schemac build` (write what changed) and `schemac check`
//! (report what is stale).
//!
//! Input: the compiled model, the `--docs` and `--out` paths, the migration names. Output: the
//! files whose bytes differ from what the model produces, and group diagrams under `<out>/er/`
//! that no group produces any more. Invariants: files with unchanged bytes are never rewritten;
//! writes are atomic (`write_atomic`); only `*.mmd` files directly under `<out>/er/` are removed.

use std::path::{Path, PathBuf};

use schemac::Compiled;
use schemac::diagnostics::{Code, Diagnostic};
use schemac::migrations::{MigrationDir, MigrationsError, write_atomic};
use schemac::render::docs::{DocFile, GROUP_DIAGRAM_DIR};
use schemac::render::{RenderError, Renderer};

use super::Cli;

/// What differs between the generated documentation and the disk.
pub struct DocsDiff {
    /// Files that are missing or have other bytes, with the generated text.
    pub changed: Vec<DocFile>,
    /// Diagrams under `<out>/er/` that no group produces.
    pub orphans: Vec<PathBuf>,
}

/// The up-migration names (`0001_init`) in the folder, plus `extra` (a migration about to be
/// written).
pub fn migration_names(dir: &MigrationDir, extra: &[String]) -> Vec<String> {
    let mut names: Vec<String> = dir
        .files
        .iter()
        .filter(|(n, _)| !n.ends_with(".down.sql"))
        .filter_map(|(n, _)| n.strip_suffix(".sql").map(str::to_string))
        .chain(extra.iter().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Render the documentation and compare it with the disk.
pub fn diff(
    cli: &Cli,
    compiled: &Compiled,
    renderer: &Renderer,
    names: &[String],
) -> Result<DocsDiff, RenderError> {
    let files = renderer.docs(
        &compiled.model,
        &compiled.external,
        &cli.docs,
        &cli.out,
        names,
    )?;
    let er_dir = cli.out.join(GROUP_DIAGRAM_DIR);
    let mut orphans: Vec<PathBuf> = std::fs::read_dir(&er_dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "mmd"))
                .filter(|p| !files.iter().any(|f| &f.path == p))
                .collect()
        })
        .unwrap_or_default();
    orphans.sort();
    let changed = files
        .into_iter()
        .filter(|f| std::fs::read(&f.path).ok().as_deref() != Some(f.text.as_bytes()))
        .collect();
    Ok(DocsDiff { changed, orphans })
}

/// Write the changed files and remove the orphaned diagrams; returns the paths touched.
pub fn write(d: &DocsDiff) -> Result<Vec<String>, MigrationsError> {
    let files: Vec<(PathBuf, String)> = d
        .changed
        .iter()
        .map(|f| (f.path.clone(), f.text.clone()))
        .collect();
    write_atomic(&files)?;
    let mut touched: Vec<String> = files
        .iter()
        .map(|(p, _)| format!("wrote {}", p.display()))
        .collect();
    for p in &d.orphans {
        std::fs::remove_file(p).map_err(|source| MigrationsError::Write {
            path: p.display().to_string(),
            source,
        })?;
        touched.push(format!("removed {}", p.display()));
    }
    Ok(touched)
}

/// E404 for every stale documentation file.
pub fn stale_diagnostics(d: &DocsDiff) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = d
        .changed
        .iter()
        .map(|f| {
            let what = if Path::new(&f.path).exists() {
                "differs from what the model produces"
            } else {
                "is missing"
            };
            Diagnostic::error(Code::StaleOutput, format!("`{}` {what}", f.path.display()))
                .in_path(f.path.display().to_string())
                .help("run `schemac build` and commit the generated documentation")
        })
        .collect();
    out.extend(d.orphans.iter().map(|p| {
        Diagnostic::error(
            Code::StaleOutput,
            format!(
                "`{}` is the diagram of a group the model no longer has",
                p.display()
            ),
        )
        .in_path(p.display().to_string())
        .help("run `schemac build`, which removes it, and commit the change")
    }));
    out
}

/// The diagnostic for a documentation template that failed.
pub fn render_failure(e: &RenderError) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot render the documentation: {e}"))
        .help("fix the template override in templates/, or remove it to use the built-in one")
}

/// `build`'s documentation step, before anything is written: render and compare, or print the
/// failure and return the exit code.
pub fn prepare(
    cli: &Cli,
    compiled: &Compiled,
    renderer: &Renderer,
    names: &[String],
) -> Result<DocsDiff, u8> {
    diff(cli, compiled, renderer, names).map_err(|e| {
        let mut diags = schemac::diagnostics::Diagnostics::default();
        diags.push(render_failure(&e));
        super::print_diagnostics(cli, &diags, &compiled.sources);
        super::exit::IO
    })
}

/// [`write`], printing the failure: returns the lines to print, or the exit code.
pub fn apply(d: &DocsDiff) -> Result<Vec<String>, u8> {
    write(d).map_err(|e| {
        eprintln!("error: {e}");
        super::exit::IO
    })
}
