//! schemac: a schema-as-code compiler for PostgreSQL and Supabase.
//!
//! The pipeline, one module per stage: [`load`] (YAML → model with spans) → [`resolve`] (names,
//! types, generated names) → [`validate`] (hard errors) → [`plan`] (ordered statements) →
//! [`sql`] (statements → SQL text) → [`render`] (templates → files) → [`migrations`] (the numbered
//! folder, snapshot and checksums). [`compile`] runs the stages up to validation and stops between
//! stages when a stage reported errors; [`build`] decides what `schemac build` writes.

pub mod access;
pub mod citus;
pub mod commit;
pub mod database;
pub mod diagnostics;
pub mod diff;
pub mod fast_paths;
pub mod import;
pub mod introspect;
pub mod ir;
pub mod lint;
pub mod load;
pub mod lsp;
pub mod migrations;
pub mod model_schema;
pub mod plan;
pub mod preset;
pub mod render;
pub mod resolve;
pub mod snapshot;
pub mod source;
pub mod sql;
pub mod sqlfrag;
#[cfg(test)]
mod test_corpus;
pub mod testing;
pub mod validate;
pub mod verify;

use std::path::{Path, PathBuf};

use diagnostics::{Code, Diagnostic, Diagnostics};
use ir::Model;
use migrations::{MigrationDir, SNAPSHOT_FILE};
use preset::External;
use source::SourceMap;

/// The result of loading, resolving and validating a model.
pub struct Compiled {
    /// Every file read.
    pub sources: SourceMap,
    /// The model (complete only when there are no errors).
    pub model: Model,
    /// The preset's objects.
    pub external: External,
    /// Everything reported.
    pub diagnostics: Diagnostics,
    /// The SQL expression fragments validation parsed (for the lint rules).
    pub fragments: validate::Fragments,
}

impl Compiled {
    /// Whether the model can go on to planning.
    pub fn ok(&self) -> bool {
        !self.diagnostics.has_errors()
    }
}

fn finish(loaded: load::Loaded, mut d: Diagnostics, lint_facts: bool) -> Compiled {
    let load::Loaded { sources, mut model } = loaded;
    let external = preset::external(model.preset);
    let mut fragments = validate::Fragments::default();
    if !d.has_errors() {
        resolve::resolve(&mut model, &external, &mut d);
    }
    if !d.has_errors() {
        let views = resolve::view_dependencies(&mut model, &external);
        fragments =
            validate::validate_with(&model, &external, &sources, &mut d, lint_facts, &views);
    }
    Compiled {
        sources,
        model,
        external,
        diagnostics: d,
        fragments,
    }
}

/// Load, resolve and validate the model at `path` (a file or a folder of YAML files).
pub fn compile(path: &Path) -> Compiled {
    let mut d = Diagnostics::default();
    let loaded = load::load_path(path, &mut d);
    finish(loaded, d, true)
}

/// [`compile`] without what only the model's lint rules read: every SQL fragment is parsed and
/// checked as always (same model, same diagnostics), but the facts the rules read are not
/// computed and [`Compiled::fragments`] stays empty. For `build`, `plan`, `check`, `verify` and
/// `test`, which run none of those rules.
pub fn compile_without_lint_facts(path: &Path) -> Compiled {
    let mut d = Diagnostics::default();
    let loaded = load::load_path(path, &mut d);
    finish(loaded, d, false)
}

/// Load, resolve and validate in-memory files `(name, text)`.
pub fn compile_sources(files: &[(String, String)]) -> Compiled {
    let mut d = Diagnostics::default();
    let loaded = load::load_sources(files, &mut d);
    finish(loaded, d, true)
}

/// The snapshot text of a model: versioned, sorted JSON without spans.
pub fn snapshot_text(model: &Model) -> String {
    // About 5 KB per table (format 2) on the synthetic models; reserved, not touched, so a generous guess
    // saves copying the text while it grows without adding to the resident memory.
    let guess = model.tables.len().saturating_mul(8 * 1024) + 64 * 1024;
    let mut out = Vec::with_capacity(guess);
    if !write_snapshot(model, &mut out) {
        return FAILED_SNAPSHOT.to_string();
    }
    SnapshotOut::Text(out).into_text()
}

/// What [`snapshot_text`] is when serialization fails (`to_string_pretty(..)
/// .unwrap_or_default()` and the newline); not expected to happen.
const FAILED_SNAPSHOT: &str = "\n";

/// The snapshot text of `model`, or `None` when it is exactly `committed`. The text is compared
/// while it is written, so a matching snapshot (`schemac check`, a build with nothing to do) is
/// never held in memory a second time.
fn snapshot_unless(model: &Model, committed: &str) -> Option<String> {
    use std::io::Write as _;
    let mut out = SnapshotOut::Against {
        expected: committed.as_bytes(),
        matched: 0,
    };
    // serde_json writes a few bytes at a time: compare in 64 KiB pieces instead.
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, &mut out);
    let ok = write_snapshot(model, &mut buffered) && buffered.flush().is_ok();
    drop(buffered);
    if !ok {
        return (committed != FAILED_SNAPSHOT).then(|| FAILED_SNAPSHOT.to_string());
    }
    match out {
        SnapshotOut::Against { expected, matched } if matched == expected.len() => None,
        out => Some(out.into_text()),
    }
}

/// Whether the file at `path` holds exactly the snapshot of `model`: the text is compared with
/// the file while it is written, a piece at a time, and neither is held in memory (on a
/// 2,000-table model the snapshot is 21 MB). False when the file differs, is missing or cannot
/// be read, or serialization failed.
pub fn snapshot_file_matches(model: &Model, path: &Path) -> bool {
    use std::io::Write as _;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut against = FileAgainst {
        file,
        on_disk: Vec::new(),
    };
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, &mut against);
    // A difference stops the writing early: `FileAgainst` answers it with an error.
    let same = write_snapshot(model, &mut buffered) && buffered.flush().is_ok();
    drop(buffered);
    same && against.at_end()
}

/// A writer that compares what it is given with the rest of a file and fails at the first
/// difference.
struct FileAgainst {
    file: std::fs::File,
    /// The file's next bytes, as many as were written (reused between writes).
    on_disk: Vec<u8>,
}

impl FileAgainst {
    /// Whether the file has nothing left.
    fn at_end(&mut self) -> bool {
        use std::io::Read as _;
        let mut byte = [0u8; 1];
        matches!(self.file.read(&mut byte), Ok(0))
    }
}

impl std::io::Write for FileAgainst {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use std::io::Read as _;
        self.on_disk.resize(buf.len(), 0);
        self.file.read_exact(&mut self.on_disk)?;
        if self.on_disk != buf {
            return Err(std::io::Error::other("the snapshot differs"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Write the snapshot and its final newline into `out`; false when serialization failed.
fn write_snapshot(model: &Model, out: &mut impl std::io::Write) -> bool {
    snapshot::write(model, out)
}

/// Where the snapshot text goes: into a buffer, or compared with a committed text for as long as
/// it matches (then into a buffer that starts with the matched part).
enum SnapshotOut<'a> {
    Text(Vec<u8>),
    Against { expected: &'a [u8], matched: usize },
}

impl SnapshotOut<'_> {
    fn into_text(self) -> String {
        let bytes = match self {
            SnapshotOut::Text(bytes) => bytes,
            SnapshotOut::Against { expected, matched } => {
                expected.get(..matched).unwrap_or_default().to_vec()
            }
        };
        // serde_json writes UTF-8, and a matched prefix ends where one of its writes ended.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

impl std::io::Write for SnapshotOut<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            SnapshotOut::Text(bytes) => bytes.extend_from_slice(buf),
            SnapshotOut::Against { expected, matched } => {
                let end = *matched + buf.len();
                if expected.get(*matched..end) == Some(buf) {
                    *matched = end;
                } else {
                    let prefix = expected.get(..*matched).unwrap_or_default();
                    let mut bytes = Vec::with_capacity(expected.len() + expected.len() / 8 + 4096);
                    bytes.extend_from_slice(prefix);
                    bytes.extend_from_slice(buf);
                    *self = SnapshotOut::Text(bytes);
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What `schemac build` would do.
pub enum BuildPlan {
    /// The committed migrations already describe the model.
    UpToDate,
    /// Files to write, in order (the checksum file last).
    Write {
        /// The new migrations' names (`0001_init`; `0002_add_column_x` and, when a safe strategy
        /// needs one, `0003_add_column_x_concurrently`). Empty when only the snapshot changes.
        names: Vec<String>,
        /// Paths and contents.
        files: Vec<(PathBuf, String)>,
        /// The changes since the snapshot (empty for the first migration).
        changes: Vec<diff::Change>,
        /// Migration-safety findings (acknowledged ones removed); none at warn or error level.
        findings: lint::Report,
    },
}

/// Choices of `schemac build` and `schemac plan` beyond the model.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The migration's name instead of one made from the changes (`--name`).
    pub name: Option<String>,
    /// Migration-safety rules acknowledged on the command line (`--allow`).
    pub allow: Vec<String>,
}

/// The model a snapshot describes (either format, see [`snapshot`]).
pub fn read_snapshot(text: &str) -> Result<Model, String> {
    snapshot::read(text).map(|(model, _)| model)
}

/// The changes between the committed snapshot and the model, with the migration-safety
/// findings; `None` when there is no snapshot or it matches the model.
pub fn pending(
    compiled: &Compiled,
    dir: &MigrationDir,
    allow: &[String],
    d: &mut Diagnostics,
) -> Option<(plan::Incremental, lint::Report)> {
    let committed = dir.snapshot.as_deref()?;
    let snapshot = snapshot_unless(&compiled.model, committed)?;
    pending_against(compiled, dir, snapshot, allow, d).map(|(_, inc, report)| (inc, report))
}

/// What `schemac lint` reports on a compiled model without errors: the model's rules, and the
/// migration-safety rules on the changes since the snapshot in `out` (when there is one), run
/// side by side; the second value holds the problems reading that snapshot. The CLI and the
/// language server both call this, so the editor shows exactly what the command prints.
pub fn lint_compiled(
    compiled: &Compiled,
    out: &Path,
    allow: &[String],
) -> (lint::Report, Diagnostics) {
    // Only the snapshot: the migration files are not needed to find pending changes. A snapshot
    // that matches the model (the usual case) is compared with the file as the model's snapshot
    // is written, and never read into memory.
    let snapshot = out.join(SNAPSHOT_FILE);
    let (mut report, changes) = std::thread::scope(|s| {
        let changes = snapshot.is_file().then(|| {
            s.spawn(|| {
                let mut d = Diagnostics::default();
                if snapshot_file_matches(&compiled.model, &snapshot) {
                    return (Some(stale_acknowledgements(compiled, allow)), d);
                }
                let found = MigrationDir::read_snapshot_only(out, compiled.model.migrations.layout)
                    .ok()
                    .and_then(|dir| pending(compiled, &dir, allow, &mut d));
                (found.map(|(_, report)| report), d)
            })
        });
        let report = lint::run_with(
            &compiled.model,
            &compiled.external,
            &compiled.sources,
            &compiled.fragments,
        );
        let changes = changes.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        (report, changes)
    });
    let mut extra = Diagnostics::default();
    if let Some((found, d)) = changes {
        extra = d;
        if let Some(found) = found {
            report.findings.extend(found.findings);
        }
    }
    (report, extra)
}

/// How the effective access of the client roles changes from the committed snapshot to the model
/// ([`access::diff`]); `None` without a readable snapshot. Offline: computed from the two models.
pub fn access_changes(compiled: &Compiled, dir: &MigrationDir) -> Option<Vec<access::Delta>> {
    let old = read_snapshot(dir.snapshot.as_deref()?).ok()?;
    let before = access::matrix_of_snapshot(&old, &compiled.model, &compiled.external);
    let after = access::matrix(&compiled.model, &compiled.external);
    Some(access::diff(&before, &after))
}

/// The findings when the committed snapshot matches the model (no pending change): every
/// `migrations.acknowledge` entry is then stale, reported as SC001 at info level (its migration is
/// written; removing it keeps it from approving a later change by accident).
pub fn stale_acknowledgements(compiled: &Compiled, allow: &[String]) -> lint::Report {
    lint::changes::run(&compiled.model, &compiled.model, &[], allow)
}

/// [`pending`] with the model's snapshot text already made (build writes it too); returns the
/// snapshot text to write, which keeps the order of what exists (`diff::in_existing_order`).
fn pending_against(
    compiled: &Compiled,
    dir: &MigrationDir,
    snapshot: String,
    allow: &[String],
    d: &mut Diagnostics,
) -> Option<(String, plan::Incremental, lint::Report)> {
    let committed = dir.snapshot.as_ref()?;
    if *committed == snapshot {
        return None;
    }
    let old = match read_snapshot(committed) {
        Ok(m) => m,
        Err(e) => {
            d.push(
                Diagnostic::error(Code::SnapshotUnreadable, format!("the snapshot cannot be read: {e}"))
                    .in_path(dir.root.join(SNAPSHOT_FILE).display().to_string())
                    .help("restore the snapshot from version control; schemac writes it with every migration"),
            );
            return None;
        }
    };
    // Columns, indexes and constraints that exist keep the order they were created in (see
    // `diff::in_existing_order`): a model that only reorders them is up to date.
    let settled = diff::in_existing_order(&old, &compiled.model);
    let (new, snapshot) = match &settled {
        Some(m) => (m, snapshot_text(m)),
        None => (&compiled.model, snapshot),
    };
    if *committed == snapshot {
        return None;
    }
    // A snapshot in the format written before issue 18 is up to date when it describes the
    // same model: it is rewritten in the current format with the next migration, not before
    // (docs/migrations.md#the-snapshot).
    if snapshot::is_format_1(committed) && snapshot_text(&old) == snapshot {
        return None;
    }
    let inc = citus::amend(plan::incremental(&old, new), &old, new);
    let report = lint::changes::run(&old, new, &inc.changes, allow);
    Some((snapshot, inc, report))
}

/// The first migration of `model` with its names, numbered from `first`: one migration named
/// `slug`, or, when it would take more locks than one transaction may
/// ([`plan::split::LOCK_BUDGET`]), several: `slug`, `slug_part2`, `slug_part3`, …
pub fn initial_migrations<'m>(
    model: &'m Model,
    dir: &MigrationDir,
    first: u64,
    slug: &str,
) -> Vec<(String, plan::Migration<'m>)> {
    let parts = plan::split::split_initial(model, plan::initial(model));
    let mut number = first;
    let mut out = Vec::with_capacity(parts.len());
    for (i, m) in parts.into_iter().enumerate() {
        let name = if i == 0 {
            dir.migration_name(number, slug)
        } else {
            dir.migration_name(number, &format!("{slug}_part{}", i + 1))
        };
        out.push((name, m));
        number = number.saturating_add(1);
    }
    out
}

/// `schemac check`'s test of the first migration (E404): while the first migration is all the
/// folder holds, it must be what this schemac writes for the model, in the order the snapshot
/// keeps (see [`diff::in_existing_order`]). `None` when it is, or when later migrations exist.
pub fn stale_initial(
    compiled: &Compiled,
    dir: &MigrationDir,
    renderer: &render::Renderer,
) -> Option<Diagnostic> {
    // Only while the first migration is all there is: `0001_<slug>`, and when it was too large
    // for one transaction, `0002_<slug>_part2` and so on.
    let ups: Vec<&str> = dir
        .files
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| n.ends_with(".sql") && !n.ends_with(".down.sql"))
        .collect();
    let first = ups.first()?.strip_suffix(".sql")?;
    let (_, slug) = first.split_once('_')?;
    let parts_only = ups
        .iter()
        .enumerate()
        .skip(1)
        .all(|(i, n)| n.ends_with(&format!("_{slug}_part{}.sql", i + 1)));
    if !parts_only || u64::try_from(ups.len()).ok() != Some(dir.last_number()) {
        return None;
    }
    let differs = |model: &Model| -> Option<Option<String>> {
        let parts = initial_migrations(model, dir, 1, slug);
        if parts.len() != ups.len() {
            return Some(Some(dir.up_file(first)));
        }
        for (name, m) in parts {
            // What this schemac writes, or what it wrote before the session settings were
            // pinned (committed migrations are never rewritten).
            let [current, legacy] = renderer.migration_variants(&name, m, model).ok()?;
            let (up_file, down_file) = (dir.up_file(&name), dir.down_file(&name));
            let on_disk = |file: &str| {
                dir.files
                    .iter()
                    .find(|(n, _)| n == file)
                    .map(|(_, b)| b.as_slice())
            };
            let same = |(up, down): &(String, String)| {
                on_disk(&up_file) == Some(up.as_bytes())
                    && on_disk(&down_file) == Some(down.as_bytes())
            };
            if !same(&current) && !same(&legacy) {
                let differs = on_disk(&up_file) != Some(current.0.as_bytes());
                return Some(Some(if differs { up_file } else { down_file }));
            }
        }
        Some(None)
    };
    let file = differs(&compiled.model)??;
    // The snapshot keeps the order the database was built with (a model that only reorders
    // columns, indexes or constraints needs no migration): render it in that order.
    let settled = dir
        .snapshot
        .as_deref()
        .and_then(|text| read_snapshot(text).ok())
        .and_then(|old| diff::in_existing_order(&old, &compiled.model));
    if let Some(settled) = settled
        && differs(&settled)?.is_none()
    {
        return None;
    }
    Some(
        Diagnostic::error(Code::StaleOutput, format!("`{file}` differs from what this version of schemac generates for the model"))
            .in_path(dir.migrations_dir().join(&file).display().to_string())
            .help("if the migration was never applied anywhere, delete the migrations and run `schemac build`; otherwise keep it"),
    )
}

/// The model's lint findings at error level (after `lint.rules` levels and `lint: { allow: … }`
/// suppressions), which stop `schemac build` from writing, as a risky change does: an exposed
/// table without row level security, a policy for a role without the grant it needs, …
/// Empty for a model with compile errors (build stops on those first).
pub fn blocking_findings(compiled: &Compiled) -> Vec<lint::Finding> {
    if !compiled.ok() {
        return Vec::new();
    }
    lint::run_errors(
        &compiled.model,
        &compiled.external,
        &compiled.sources,
        &compiled.fragments,
    )
    .findings
}

/// A migration name part from `--name`: lower-case letters, digits and `_`.
fn name_slug(name: &str, d: &mut Diagnostics) -> Option<String> {
    let slug = diff::file_name_part(name);
    if slug.is_empty() || slug.len() > 60 {
        d.push(
            Diagnostic::error(Code::InvalidMigrationName, format!("`{name}` cannot name a migration"))
                .help("give `--name` 1 to 60 letters, digits or underscores, such as `add_invoice_status`"),
        );
        return None;
    }
    Some(slug)
}

/// Decide what `schemac build` writes for a compiled, error-free model and the output folder.
pub fn build(
    compiled: &Compiled,
    dir: &MigrationDir,
    renderer: &render::Renderer,
    options: &BuildOptions,
    d: &mut Diagnostics,
) -> Option<BuildPlan> {
    build_with(compiled, dir, renderer, options, d, |_| {})
}

/// Models with at least this many tables write a new snapshot on a second thread.
const PARALLEL_SNAPSHOT_TABLES: usize = 100;

/// [`build`], calling `names_known` with the new migrations' names as soon as they are decided
/// (no names when the folder is up to date), before the migrations are rendered and the snapshot
/// is written out, so a caller can render other output for them on another thread meanwhile.
/// It is not called when build fails before the names are decided.
pub fn build_with(
    compiled: &Compiled,
    dir: &MigrationDir,
    renderer: &render::Renderer,
    options: &BuildOptions,
    d: &mut Diagnostics,
    names_known: impl FnOnce(&[String]),
) -> Option<BuildPlan> {
    dir.verify(d);
    if d.has_errors() {
        return None;
    }
    let custom = match &options.name {
        Some(n) => Some(name_slug(n, d)?),
        None => None,
    };
    let render_failure = |d: &mut Diagnostics, e: render::RenderError| {
        d.push(
            Diagnostic::error(Code::Io, format!("cannot render the migration: {e}")).help(
                "fix the template override in templates/, or remove it to use the built-in one",
            ),
        );
    };
    let mut migrations: Vec<(String, plan::Migration)> = Vec::new();
    let mut changes = Vec::new();
    let mut findings = lint::Report::default();
    let mut snapshot = None;
    let next = dir.last_number().saturating_add(1);
    if let Some(committed) = &dir.snapshot {
        let pending = match snapshot_unless(&compiled.model, committed) {
            Some(text) => pending_against(compiled, dir, text, &options.allow, d),
            None => None,
        };
        let pending = pending.map(|(text, inc, report)| {
            snapshot = Some(text);
            (inc, report)
        });
        let Some((inc, report)) = pending else {
            if d.has_errors() {
                return None;
            }
            names_known(&[]);
            return Some(BuildPlan::UpToDate);
        };
        if lint::changes::blocks_build(&report) {
            let n = report
                .findings
                .iter()
                .filter(|f| f.level >= lint::Level::Warn)
                .count();
            d.push(
                Diagnostic::error(
                    Code::UnacknowledgedChanges,
                    format!("the next migration has {n} risky change{} that no one acknowledged; nothing was written", if n == 1 { "" } else { "s" }),
                )
                .in_path(dir.root.join(SNAPSHOT_FILE).display().to_string())
                .help("read the findings above; acknowledge each intended one in `migrations.acknowledge` with a reason (or pass `--allow RULE`), or change the model"),
            );
            for f in &report.findings {
                if let Some(diag) = f.diagnostic() {
                    d.push(diag);
                }
            }
            return None;
        }
        findings = report;
        if !inc.is_empty() {
            let slug = custom.clone().unwrap_or_else(|| diff::slug(&inc.changes));
            migrations.push((dir.migration_name(next, &slug), inc.main));
            if let Some(online) = inc.online {
                migrations.push((
                    dir.migration_name(next + 1, &format!("{slug}_concurrently")),
                    online,
                ));
            }
        }
        changes = inc.changes;
    } else {
        let slug = custom.unwrap_or_else(|| "init".to_string());
        migrations = initial_migrations(&compiled.model, dir, next, &slug);
    }
    let names: Vec<String> = migrations.iter().map(|(n, _)| n.clone()).collect();
    names_known(&names);
    let mig = dir.migrations_dir();
    let render_all = || {
        let mut files = Vec::new();
        for (name, m) in migrations {
            let (up, down) = renderer.migration(&name, &m)?;
            files.push((mig.join(dir.up_file(&name)), up));
            files.push((mig.join(dir.down_file(&name)), down));
        }
        Ok(files)
    };
    // A new snapshot text is written on another thread while a large model's migrations render.
    let (rendered, snapshot) = match snapshot {
        Some(text) => (render_all(), text),
        None if compiled.model.tables.len() >= PARALLEL_SNAPSHOT_TABLES => {
            std::thread::scope(|s| {
                let text = s.spawn(|| snapshot_text(&compiled.model));
                let rendered = render_all();
                let text = text.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                (rendered, text)
            })
        }
        None => (render_all(), snapshot_text(&compiled.model)),
    };
    let mut files = match rendered {
        Ok(files) => files,
        Err(e) => {
            render_failure(d, e);
            return None;
        }
    };
    // The checksum over the files on disk and the new ones, hashed where they are (the new
    // migrations are `files` in up, down order, as `names` lists them).
    let mut all: Vec<(String, &[u8])> = dir
        .files
        .iter()
        .map(|(n, b)| (n.clone(), b.as_slice()))
        .collect();
    for (name, pair) in names.iter().zip(files.chunks(2)) {
        if let [(_, up), (_, down)] = pair {
            all.push((dir.up_file(name), up.as_bytes()));
            all.push((dir.down_file(name), down.as_bytes()));
        }
    }
    let sum = migrations::sum_entries_named(
        all.iter().map(|(n, b)| (n.as_str(), *b)),
        &snapshot,
        dir.snapshot_sum_name(),
    );
    files.push((dir.root.join(SNAPSHOT_FILE), snapshot));
    files.push((dir.sum_path(), sum));
    Some(BuildPlan::Write {
        names,
        files,
        changes,
        findings,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn a_snapshot_file_matches_only_its_exact_text() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let compiled = compile(&root.join("examples/sdlc-platform/schema.yaml"));
        assert!(compiled.ok());
        let model = &compiled.model;
        let text = snapshot_text(model);
        // Longer than the 64 KiB pieces it is compared in, so the comparison crosses pieces.
        assert!(text.len() > 64 * 1024, "{}", text.len());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SNAPSHOT_FILE);
        assert!(!snapshot_file_matches(model, &path), "missing file");
        let write = |bytes: &[u8]| std::fs::write(&path, bytes).unwrap();
        write(text.as_bytes());
        assert!(snapshot_file_matches(model, &path));
        let mut changed = text.clone().into_bytes();
        changed[text.len() - 100] ^= 1;
        write(&changed);
        assert!(!snapshot_file_matches(model, &path), "one byte changed");
        write(&text.as_bytes()[..text.len() - 1]);
        assert!(!snapshot_file_matches(model, &path), "truncated");
        write(format!("{text}\n").as_bytes());
        assert!(!snapshot_file_matches(model, &path), "one byte more");
        write(b"");
        assert!(!snapshot_file_matches(model, &path), "empty");
    }
}
