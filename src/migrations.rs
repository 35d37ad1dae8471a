//! The migrations folder: numbered files, the model snapshot and the checksum file.
//!
//! Input: the output folder (`generated/` by default). Output: what is on disk
//! ([`MigrationDir`]), integrity problems (`E401`), and the I/O failures of reading and writing it
//! as coded diagnostics ([`MigrationsError::diagnostic`]: `E100`, `E407`, `E408`).
//! Invariants: an existing migration is never rewritten; writing is [`crate::commit`]'s (one
//! journaled commit per build).
//!
//! `schemac.sum` follows `atlas.sum`: the first line is `h1:<total>`, then one line per file
//! (`<name> h1:<running hash>`), where each running hash is SHA-256 over the previous hash, the file
//! name and the file's bytes, in file-name order, ending with the snapshot.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::MigrationLayout;

/// Name of the checksum file inside the migrations folder.
pub const SUM_FILE: &str = "schemac.sum";
/// Name of the snapshot file inside the output folder.
pub const SNAPSHOT_FILE: &str = "schema.snapshot.json";
/// How `schemac.sum` in `generated/migrations/` names the snapshot.
const NUMBERED_SNAPSHOT_NAME: &str = "../schema.snapshot.json";

/// I/O failures while reading or writing the output folder.
#[derive(Debug, thiserror::Error)]
pub enum MigrationsError {
    /// Reading failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// Path.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// Path.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing failed after the commit's journal was complete: the next `build` finishes it.
    #[error("cannot write {path}: {source}")]
    Unfinished {
        /// Path.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// An interrupted commit cannot be finished: a staged file or the journal is missing or
    /// damaged.
    #[error("cannot finish the interrupted build: `{path}` is missing or damaged")]
    Unrecoverable {
        /// Path.
        path: String,
    },
}

impl MigrationsError {
    /// The diagnostic users see: `E100` (reading), `E407` (writing) or `E408` (an interrupted
    /// build), with the path and a help line for the kind of failure.
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            MigrationsError::Read { path, source } => {
                Diagnostic::error(Code::Io, format!("cannot read `{path}`: {}", describe(source)))
                    .in_path(path.clone())
                    .help(io_help(source, false))
            }
            MigrationsError::Write { path, source } => Diagnostic::error(
                Code::WriteFailed,
                format!("cannot write `{path}`: {}; nothing was changed", describe(source)),
            )
            .in_path(path.clone())
            .help(io_help(source, true)),
            MigrationsError::Unfinished { path, source } => Diagnostic::error(
                Code::WriteFailed,
                format!(
                    "cannot write `{path}`: {}; the build is half done and the next `schemac build` finishes it",
                    describe(source)
                ),
            )
            .in_path(path.clone())
            .help(io_help(source, true)),
            MigrationsError::Unrecoverable { path } => Diagnostic::error(
                Code::UnfinishedBuild,
                format!("cannot finish the interrupted build: `{path}` is missing or damaged"),
            )
            .in_path(path.clone())
            .help("restore the output folder and the documentation from version control, delete the `.schemac-commit` file and run `schemac build`"),
        }
    }
}

/// An I/O error's text without Rust's ` (os error N)` suffix.
pub fn describe(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text.get(..i).unwrap_or(&text).to_string(),
        _ => text,
    }
}

/// `ELOOP` (too many levels of symbolic links) on Linux; `ErrorKind::FilesystemLoop` is not stable.
const ELOOP: i32 = 40;

/// The help line for an I/O failure, while writing or reading.
pub fn io_help(error: &std::io::Error, writing: bool) -> &'static str {
    use std::io::ErrorKind as K;
    if cfg!(target_os = "linux") && error.raw_os_error() == Some(ELOOP) {
        return "a symbolic link on the path leads back to itself: replace it with the file or folder it should name";
    }
    match error.kind() {
        K::PermissionDenied if writing => {
            "give the user running schemac write permission on the file and its folder"
        }
        K::PermissionDenied => {
            "give the user running schemac read permission on the file and its folder"
        }
        K::ReadOnlyFilesystem => {
            "the file system is mounted read-only: run schemac in a writable copy of the project, or point --out and --docs at a writable folder"
        }
        K::StorageFull | K::QuotaExceeded => {
            "free some disk space (or raise the quota), then run the command again"
        }
        K::IsADirectory => "a folder is in the way of the file: remove or rename the folder",
        K::NotADirectory => {
            "a file is in the way of a folder on the path: remove or rename the file"
        }
        K::InvalidFilename => {
            "the path is too long (or not allowed) on this file system: choose a shorter --name, --out or --docs"
        }
        K::NotFound if writing => "create the folder, or point --out and --docs at an existing one",
        K::NotFound => {
            "check that the path exists, or pass the right one with --schema, --out or --docs"
        }
        K::InvalidData => "save the file as UTF-8",
        _ if writing => "check the path and the file system, then run the command again",
        _ => "check the path and its permissions, then run the command again",
    }
}

/// Where the Supabase layout keeps migrations (relative to the working directory).
pub const SUPABASE_MIGRATIONS: &str = "supabase/migrations";
/// Where the Supabase layout keeps down files, inside [`SUPABASE_MIGRATIONS`] (the Supabase CLI
/// reads only the folder's own `*.sql` files, so down files must not sit beside them).
pub const SUPABASE_DOWN: &str = "down";

/// What the output folder holds.
#[derive(Debug, Clone, Default)]
pub struct MigrationDir {
    /// The output folder (`generated/`): the snapshot, and the migrations in the default layout.
    pub root: PathBuf,
    /// The file layout.
    pub layout: MigrationLayout,
    /// Migration files (`NNNN_slug.sql` and `NNNN_slug.down.sql`) with their bytes, by name.
    pub files: Vec<(String, Vec<u8>)>,
    /// The snapshot's text, if present.
    pub snapshot: Option<String>,
    /// The checksum file's text, if present.
    pub sum: Option<String>,
    /// In the Supabase layout, a `supabase/migrations/schemac.sum` left by an earlier schemac
    /// when there is none where it now goes.
    pub legacy_sum: Option<String>,
    /// Names in the migrations folder that are not valid UTF-8 (as printed, lossily): no file
    /// schemac writes, so they are reported as `E401`.
    pub unreadable_names: Vec<String>,
}

impl MigrationDir {
    /// The migrations folder: `<root>/migrations`, or `supabase/migrations`.
    pub fn migrations_dir(&self) -> PathBuf {
        match self.layout {
            MigrationLayout::Numbered => self.root.join("migrations"),
            MigrationLayout::Supabase => PathBuf::from(SUPABASE_MIGRATIONS),
        }
    }

    /// The highest migration number on disk (the leading digits of each file name). In the
    /// Supabase layout this includes migrations schemac did not write (`20240101120000_x.sql`),
    /// so the next version sorts after them.
    pub fn last_number(&self) -> u64 {
        self.files
            .iter()
            .filter_map(|(n, _)| {
                let name = n.rsplit('/').next().unwrap_or(n);
                let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
                digits.parse::<u64>().ok()
            })
            .max()
            .unwrap_or(0)
    }

    /// The name of migration `number` with `slug`: `0002_slug`, or in the Supabase layout the
    /// 14-digit version `00000000000002_slug`. The number is the highest on disk plus one, never
    /// the clock, so the same folder gives the same name on every machine; in a Supabase project
    /// that already has timestamped migrations the version is the latest timestamp plus one
    /// (`20240101120001_slug`), so it sorts after them.
    pub fn migration_name(&self, number: u64, slug: &str) -> String {
        match self.layout {
            MigrationLayout::Numbered => format!("{number:04}_{slug}"),
            MigrationLayout::Supabase => format!("{number:014}_{slug}"),
        }
    }

    /// Where `schemac.sum` is: in the migrations folder, or in the Supabase layout in the output
    /// folder (`generated/schemac.sum`), since the Supabase CLI reads every file of
    /// `supabase/migrations/` and warns about any that is not a migration.
    pub fn sum_path(&self) -> PathBuf {
        match self.layout {
            MigrationLayout::Numbered => self.migrations_dir().join(SUM_FILE),
            MigrationLayout::Supabase => self.root.join(SUM_FILE),
        }
    }

    /// How `schemac.sum` names the snapshot: its path relative to the folder `schemac.sum` is in
    /// (`../schema.snapshot.json` beside `generated/migrations/`; `schema.snapshot.json` in the
    /// Supabase layout, where both are in `generated/`).
    pub fn snapshot_sum_name(&self) -> &'static str {
        match self.layout {
            MigrationLayout::Numbered => NUMBERED_SNAPSHOT_NAME,
            MigrationLayout::Supabase => SNAPSHOT_FILE,
        }
    }

    /// Where the up file of migration `name` goes, relative to [`Self::migrations_dir`]
    /// (also its key in `schemac.sum`).
    pub fn up_file(&self, name: &str) -> String {
        format!("{name}.sql")
    }

    /// Where the down file of migration `name` goes, relative to [`Self::migrations_dir`].
    pub fn down_file(&self, name: &str) -> String {
        match self.layout {
            MigrationLayout::Numbered => format!("{name}.down.sql"),
            MigrationLayout::Supabase => format!("{SUPABASE_DOWN}/{name}.down.sql"),
        }
    }

    /// Read the folder in the default layout (a missing folder is an empty one).
    pub fn read(root: &Path) -> Result<MigrationDir, MigrationsError> {
        Self::read_layout(root, MigrationLayout::Numbered)
    }

    /// Only the snapshot of the folder (what `schemac lint` compares the model with): the
    /// migration files and `schemac.sum` are not read, and those fields are left empty.
    pub fn read_snapshot_only(
        root: &Path,
        layout: MigrationLayout,
    ) -> Result<MigrationDir, MigrationsError> {
        Ok(MigrationDir {
            root: root.to_path_buf(),
            layout,
            snapshot: read_snapshot_file(root)?,
            ..MigrationDir::default()
        })
    }

    /// Read the folder in `layout` (a missing folder is an empty one).
    pub fn read_layout(
        root: &Path,
        layout: MigrationLayout,
    ) -> Result<MigrationDir, MigrationsError> {
        let mut dir = MigrationDir {
            root: root.to_path_buf(),
            layout,
            ..MigrationDir::default()
        };
        let mig = dir.migrations_dir();
        if mig.is_dir() {
            let entries = std::fs::read_dir(&mig).map_err(|source| MigrationsError::Read {
                path: mig.display().to_string(),
                source,
            })?;
            let migration_file = |n: &String| {
                n.ends_with(".sql")
                    && n.len() > 5
                    && n.get(..4)
                        .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
            };
            let mut names: Vec<String> = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|source| MigrationsError::Read {
                    path: mig.display().to_string(),
                    source,
                })?;
                match entry.file_name().into_string() {
                    Ok(n) if migration_file(&n) => names.push(n),
                    Ok(_) => {}
                    Err(raw) => dir
                        .unreadable_names
                        .push(mig.join(raw).display().to_string()),
                }
            }
            let down = mig.join(SUPABASE_DOWN);
            if layout == MigrationLayout::Supabase && down.is_dir() {
                let entries = std::fs::read_dir(&down).map_err(|source| MigrationsError::Read {
                    path: down.display().to_string(),
                    source,
                })?;
                for entry in entries {
                    let entry = entry.map_err(|source| MigrationsError::Read {
                        path: down.display().to_string(),
                        source,
                    })?;
                    match entry.file_name().into_string() {
                        Ok(n) if migration_file(&n) => names.push(format!("{SUPABASE_DOWN}/{n}")),
                        Ok(_) => {}
                        Err(raw) => dir
                            .unreadable_names
                            .push(down.join(raw).display().to_string()),
                    }
                }
            }
            names.sort();
            for n in names {
                let bytes = read_file(&mig.join(&n))?;
                dir.files.push((n, bytes));
            }
        }
        let sum = dir.sum_path();
        let legacy = PathBuf::from(SUPABASE_MIGRATIONS).join(SUM_FILE);
        if sum.is_file() {
            dir.sum = Some(String::from_utf8_lossy(&read_file(&sum)?).into_owned());
        } else if layout == MigrationLayout::Supabase && legacy.is_file() {
            dir.legacy_sum = Some(String::from_utf8_lossy(&read_file(&legacy)?).into_owned());
        }
        dir.snapshot = read_snapshot_file(root)?;
        Ok(dir)
    }

    /// Check the files against `schemac.sum`, naming each edited, added or removed file. Each
    /// file is checked against its own recorded running hash (continuing the chain from the
    /// recorded hash before it), so one edited file does not make every later file look changed.
    pub fn verify(&self, d: &mut Diagnostics) {
        for name in &self.unreadable_names {
            d.push(
                Diagnostic::error(
                    Code::MigrationTampered,
                    format!("`{name}` has a file name that is not valid UTF-8"),
                )
                .in_path(name.clone())
                .help("schemac never writes such a file: rename it or remove it from the migrations folder"),
            );
        }
        let sum_path = self.sum_path().display().to_string();
        let Some(sum) = &self.sum else {
            if let Some(diag) = self.layout_mismatch() {
                d.push(diag);
                return;
            }
            // Migrations of a Supabase project that schemac has not built yet (no snapshot):
            // they are the project's own, and the first build records them in schemac.sum.
            let adopting = self.layout == MigrationLayout::Supabase && self.snapshot.is_none();
            if self.layout == MigrationLayout::Supabase
                && let Some(legacy) = &self.legacy_sum
            {
                // Written by an earlier schemac inside supabase/migrations/, naming the snapshot
                // from there: the folder must match it; the next build writes the new file.
                let snapshot = self.snapshot.as_deref().unwrap_or("");
                let expected = sum_entries_named(
                    self.files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
                    snapshot,
                    NUMBERED_SNAPSHOT_NAME,
                );
                if expected != *legacy {
                    let path = PathBuf::from(SUPABASE_MIGRATIONS).join(SUM_FILE);
                    d.push(
                        Diagnostic::error(
                            Code::MigrationTampered,
                            format!("the migrations do not match {} (kept there by earlier versions of schemac)", path.display()),
                        )
                        .in_path(path.display().to_string())
                        .help("restore the folder from version control; schemac now keeps schemac.sum in the output folder, and writes it there with the next migration"),
                    );
                }
                return;
            }
            if !adopting && (!self.files.is_empty() || self.snapshot.is_some()) {
                d.push(
                    Diagnostic::error(Code::MigrationTampered, "migrations exist but the checksum file is missing")
                        .in_path(sum_path)
                        .help("restore schemac.sum from version control; schemac writes it with every migration"),
                );
            }
            return;
        };
        let snapshot = self.snapshot.as_deref().unwrap_or("");
        let snap_name = self.snapshot_sum_name();
        if sum_entries_named(
            self.files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
            snapshot,
            snap_name,
        ) == *sum
        {
            return;
        }
        let recorded: Vec<(&str, &str)> = sum
            .lines()
            .skip(1)
            .filter_map(|l| l.rsplit_once(' '))
            .collect();
        let mut reported = false;
        let mut previous: Vec<u8> = Vec::new();
        for (name, hash) in &recorded {
            let bytes: Option<&[u8]> = if *name == snap_name {
                self.snapshot.as_deref().map(str::as_bytes)
            } else {
                self.files
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, b)| b.as_slice())
            };
            let path = if *name == snap_name {
                self.root.join(SNAPSHOT_FILE)
            } else {
                self.migrations_dir().join(name)
            };
            match bytes {
                None => {
                    reported = true;
                    d.push(
                        Diagnostic::error(
                            Code::MigrationTampered,
                            format!("`{name}` is recorded in {SUM_FILE} but missing"),
                        )
                        .in_path(path.display().to_string())
                        .help("restore the removed file from version control"),
                    );
                }
                Some(bytes) if format!("h1:{}", hex(&chain(&previous, name, bytes))) != *hash => {
                    reported = true;
                    d.push(
                        Diagnostic::error(Code::MigrationTampered, format!("`{name}` differs from the version recorded in {SUM_FILE}"))
                            .in_path(path.display().to_string())
                            .help("committed migrations must not be edited: restore the file from version control and change the model instead"),
                    );
                }
                Some(_) => {}
            }
            previous = unhex(hash.strip_prefix("h1:").unwrap_or(hash));
        }
        for (name, _) in &self.files {
            if !recorded.iter().any(|(n, _)| n == name) {
                reported = true;
                d.push(
                    Diagnostic::error(Code::MigrationTampered, format!("`{name}` is not recorded in {SUM_FILE}"))
                        .in_path(self.migrations_dir().join(name).display().to_string())
                        .help("migrations are written by `schemac build` only; remove hand-made files or restore the folder from version control"),
                );
            }
        }
        if !reported {
            d.push(
                Diagnostic::error(Code::MigrationTampered, format!("{SUM_FILE} does not match the migrations (its files are recorded in another order, or it was edited)"))
                    .in_path(sum_path)
                    .help("restore the folder from version control; schemac writes schemac.sum itself"),
            );
        }
    }
}

impl MigrationDir {
    /// When `schemac.sum` is missing where this layout keeps it but the other layout's folder
    /// has one, the model's `layout:` changed while the migrations stayed where they were: an
    /// `E401` that says so (rather than "the checksum file is missing").
    fn layout_mismatch(&self) -> Option<Diagnostic> {
        let numbered = self.root.join("migrations").join(SUM_FILE);
        let supabase_old = PathBuf::from(SUPABASE_MIGRATIONS).join(SUM_FILE);
        let (found, was, now) = match self.layout {
            MigrationLayout::Supabase if numbered.is_file() => {
                (numbered, "numbered (`generated/migrations/`)", "supabase")
            }
            MigrationLayout::Numbered if supabase_old.is_file() => (
                supabase_old,
                "supabase (`supabase/migrations/`)",
                "numbered",
            ),
            MigrationLayout::Numbered
                if self.root.join(SUM_FILE).is_file() && self.files.is_empty() =>
            {
                (
                    self.root.join(SUM_FILE),
                    "supabase (`supabase/migrations/`)",
                    "numbered",
                )
            }
            _ => return None,
        };
        Some(
            Diagnostic::error(
                Code::MigrationTampered,
                format!(
                    "the model asks for the {now} layout, but the migrations were written in the {was} layout ({} exists)",
                    found.display()
                ),
            )
            .in_path(self.sum_path().display().to_string())
            .help("switching `migrations.layout` does not move migrations: set the layout back, or start the new folder from a fresh baseline (see docs/migrations.md, \"Supabase layout\")"),
        )
    }
}

fn chain(previous: &[u8], name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(previous);
    h.update(name.as_bytes());
    h.update([0u8]);
    h.update(bytes);
    h.finalize().to_vec()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .filter_map(|i| {
            text.get(2 * i..2 * i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The text of `schemac.sum` for these migration files and snapshot.
pub fn sum_text(files: &[(String, Vec<u8>)], snapshot: &str) -> String {
    sum_entries(
        files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        snapshot,
    )
}

/// [`sum_text`] over borrowed `(name, bytes)` entries, in any order.
pub fn sum_entries<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    snapshot: &'a str,
) -> String {
    sum_entries_named(files, snapshot, NUMBERED_SNAPSHOT_NAME)
}

/// [`sum_entries`] with the snapshot recorded as `snap_name`
/// ([`MigrationDir::snapshot_sum_name`]).
pub fn sum_entries_named<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    snapshot: &'a str,
    snap_name: &'a str,
) -> String {
    let mut lines = Vec::new();
    let mut running: Vec<u8> = Vec::new();
    let mut entries: Vec<(&str, &[u8])> = files.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries.push((snap_name, snapshot.as_bytes()));
    for (name, bytes) in entries {
        running = chain(&running, name, bytes);
        lines.push(format!("{name} h1:{}", hex(&running)));
    }
    format!("h1:{}\n{}\n", hex(&running), lines.join("\n"))
}

/// The bytes of a file of the folder, or the error naming it.
fn read_file(path: &Path) -> Result<Vec<u8>, MigrationsError> {
    std::fs::read(path).map_err(|source| MigrationsError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// The snapshot's text, `None` when the folder has none. Invalid UTF-8 is replaced by U+FFFD; valid
/// text is taken over without a copy.
fn read_snapshot_file(root: &Path) -> Result<Option<String>, MigrationsError> {
    let snap = root.join(SNAPSHOT_FILE);
    if !snap.is_file() {
        return Ok(None);
    }
    let bytes = read_file(&snap)?;
    Ok(Some(String::from_utf8(bytes).unwrap_or_else(|e| {
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind of I/O failure gets its own help line (the tests cannot make most of them happen
    /// for real: they run as root, on a writable disk).
    #[test]
    fn io_failures_are_coded_with_a_help_line_for_their_kind() {
        use std::io::ErrorKind as K;
        let lines: Vec<String> = [
            K::PermissionDenied,
            K::ReadOnlyFilesystem,
            K::StorageFull,
            K::IsADirectory,
            K::InvalidFilename,
        ]
        .into_iter()
        .map(|kind| {
            let d = MigrationsError::Write {
                path: "generated/migrations".to_string(),
                source: kind.into(),
            }
            .diagnostic();
            format!(
                "{} {}: {} (help: {})",
                d.code,
                d.path.unwrap_or_default(),
                d.message,
                d.help
            )
        })
        .collect();
        insta::assert_snapshot!(lines.join("\n"), @r"
        E407 generated/migrations: cannot write `generated/migrations`: permission denied; nothing was changed (help: give the user running schemac write permission on the file and its folder)
        E407 generated/migrations: cannot write `generated/migrations`: read-only filesystem or storage medium; nothing was changed (help: the file system is mounted read-only: run schemac in a writable copy of the project, or point --out and --docs at a writable folder)
        E407 generated/migrations: cannot write `generated/migrations`: no storage space; nothing was changed (help: free some disk space (or raise the quota), then run the command again)
        E407 generated/migrations: cannot write `generated/migrations`: is a directory; nothing was changed (help: a folder is in the way of the file: remove or rename the folder)
        E407 generated/migrations: cannot write `generated/migrations`: invalid filename; nothing was changed (help: the path is too long (or not allowed) on this file system: choose a shorter --name, --out or --docs)
        ");
        let read = MigrationsError::Read {
            path: "generated/schema.snapshot.json".to_string(),
            source: std::io::Error::from_raw_os_error(13),
        }
        .diagnostic();
        assert_eq!(read.code, "E100");
        assert_eq!(
            read.message,
            "cannot read `generated/schema.snapshot.json`: Permission denied"
        );
    }
}
