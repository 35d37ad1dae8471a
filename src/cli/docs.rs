//! DATABASE.md and the ER diagrams for `schemac build` (write what changed) and `schemac check`
//! (report what is stale).
//!
//! Input: the compiled model, the `--docs` and `--out` paths, the migration names. Output: the
//! files whose bytes differ from what the model produces, and group diagrams under `<out>/er/`
//! that no group produces any more. Invariants: files with unchanged bytes are never rewritten;
//! the writes are one commit with the build's migrations (`schemac::commit`); only `*.mmd` files directly under `<out>/er/` are removed.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use schemac::Compiled;
use schemac::diagnostics::{Code, Diagnostic};
use schemac::migrations::{MigrationDir, MigrationsError};
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
    Ok(compare(cli, files))
}

/// Compare rendered documentation files with the disk.
fn compare(cli: &Cli, files: Vec<DocFile>) -> DocsDiff {
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
        .filter(|f| !same_bytes(&f.path, f.text.as_bytes()))
        .collect();
    DocsDiff { changed, orphans }
}

/// Whether the file at `path` holds exactly `text` (false when it cannot be read). Compared in
/// pieces, so a large DATABASE.md is not read into memory again beside its new text.
fn same_bytes(path: &Path, text: &[u8]) -> bool {
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    if file.metadata().map(|m| m.len()).ok() != u64::try_from(text.len()).ok() {
        return false;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut rest = text;
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        };
        if n == 0 {
            return rest.is_empty();
        }
        match (rest.get(..n), buf.get(..n)) {
            (Some(want), Some(got)) if want == got => rest = rest.get(n..).unwrap_or_default(),
            _ => return false,
        }
    }
}

/// Hands the names of the migrations about to be written to [`alongside`]'s documentation thread.
pub struct NamesSender(mpsc::Sender<Vec<String>>);

impl NamesSender {
    /// The new migrations' names (none when the folder is up to date).
    pub fn send(&self, extra: &[String]) {
        // The receiver lives until the thread is joined; a failed send cannot happen.
        let _ = self.0.send(extra.to_vec());
    }
}

/// The documentation's [`diff`], rendered on a second thread while `main` runs on this one
/// (after `compile` the outputs are independent, and the machine has cores to spare). The ER
/// diagrams and DATABASE.md's view start at once; DATABASE.md, which lists the migrations, waits
/// for `main` to send the new migration names through the [`NamesSender`] (when `main` returns
/// without sending, the folder's names alone are used). Returns `main`'s result, the documentation and the extra
/// names it was rendered with. Nothing is printed or written here, so output order is the
/// caller's.
pub fn alongside<T>(
    cli: &Cli,
    compiled: &Compiled,
    renderer: &Renderer,
    dir: &MigrationDir,
    main: impl FnOnce(&NamesSender) -> T,
) -> (T, Result<DocsDiff, RenderError>, Vec<String>) {
    let (tx, rx) = mpsc::channel::<Vec<String>>();
    let (model, external) = (&compiled.model, &compiled.external);
    std::thread::scope(|scope| {
        let docs = scope.spawn(move || {
            let draft = renderer.draft_docs(model, external, &cli.docs, &cli.out);
            let extra = rx.recv().unwrap_or_default();
            let names = migration_names(dir, &extra);
            let files = draft.and_then(|draft| renderer.finish_docs(draft, &cli.docs, &names));
            (files.map(|files| compare(cli, files)), extra)
        });
        let sender = NamesSender(tx);
        let out = main(&sender);
        drop(sender);
        let (docs, extra) = docs
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (out, docs, extra)
    })
}

/// Write `files` (a build's migrations, snapshot and checksum file, the checksum file last; empty
/// when only the documentation changed) and the documentation's changes, removing the orphaned
/// diagrams, as one commit (`schemac::commit`): killed at any point, the project keeps its old
/// files or the next `build` puts all the new ones in place. Returns the lines to print.
pub fn commit(
    cli: &Cli,
    files: &[(PathBuf, String)],
    d: &DocsDiff,
) -> Result<Vec<String>, MigrationsError> {
    let (sum, migrations) = match files.split_last() {
        Some((sum, rest)) => (Some(sum), rest),
        None => (None, files),
    };
    let all: Vec<(&Path, &str)> = migrations
        .iter()
        .map(|(p, t)| (p.as_path(), t.as_str()))
        .chain(
            d.changed
                .iter()
                .map(|f| (f.path.as_path(), f.text.as_str())),
        )
        .chain(sum.map(|(p, t)| (p.as_path(), t.as_str())))
        .collect();
    if all.is_empty() && d.orphans.is_empty() {
        return Ok(Vec::new());
    }
    schemac::commit::commit(&cli.out, &all, &d.orphans)?;
    Ok(files
        .iter()
        .map(|(p, _)| p.as_path())
        .chain(d.changed.iter().map(|f| f.path.as_path()))
        .map(|p| format!("wrote {}", p.display()))
        .chain(d.orphans.iter().map(|p| format!("removed {}", p.display())))
        .collect())
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

/// `build`'s documentation step, before anything is written: the rendered documentation, or the
/// failure printed and the exit code returned.
pub fn prepare(
    cli: &Cli,
    compiled: &Compiled,
    docs: Result<DocsDiff, RenderError>,
) -> Result<DocsDiff, u8> {
    docs.map_err(|e| {
        let mut diags = schemac::diagnostics::Diagnostics::default();
        diags.push(render_failure(&e));
        super::print_diagnostics(cli, &diags, &compiled.sources);
        super::exit::IO
    })
}

/// [`commit`], printing the failure: returns the lines to print, or the exit code.
pub fn apply(cli: &Cli, files: &[(PathBuf, String)], d: &DocsDiff) -> Result<Vec<String>, u8> {
    commit(cli, files, d).map_err(|e| super::io_failure(cli, &e))
}
