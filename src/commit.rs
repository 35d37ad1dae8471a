//! The output writer: a build's files committed as one unit, the project lock, stray temporary
//! files.
//!
//! Input: the files a command writes (path and bytes) and the files it removes. Output: the files
//! on disk, or a [`MigrationsError`] naming the path that failed. Invariants:
//! - [`commit`] first writes every new text to a staged file beside its target
//!   (`.<name>.schemac-tmp`, created with the umask's permissions like any file) and flushes it;
//!   then it writes the journal `<out>/.schemac-commit` (itself written to a temporary file and
//!   renamed, so it is whole or absent) listing every target, its staged file and the SHA-256 of
//!   its new bytes; only then are the staged files renamed into place (`schemac.sum` last) and the
//!   removals done; the journal goes last. A failure before the journal removes the staged files
//!   and leaves the old state; a kill before it leaves the old state plus staged files that
//!   [`remove_strays`] deletes; after it, [`recover`] (run by the next `build`) rolls the commit
//!   forward. `check` reports a journal ([`pending`]) and staged files ([`strays`]).
//! - [`ProjectLock`] serializes the commands that read and write one output folder: a `flock` on
//!   the folder that holds it (the project root), so nothing is written to take it and a killed
//!   process releases it.
//! - In debug builds only, `SCHEMAC_TEST_FAULT=abort@N` or `fail@N` makes the Nth file operation
//!   abort the process or fail with "no space left" (the tests' fault points), and
//!   `SCHEMAC_TEST_PAUSE_MS` pauses before a commit; release builds compile neither.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diagnostics::{Code, Diagnostic};
use crate::migrations::MigrationsError;

/// The journal's file name, inside the output folder.
pub const JOURNAL_FILE: &str = ".schemac-commit";
/// The suffix of staged files (`.<name>.schemac-tmp`).
pub const STAGED_SUFFIX: &str = ".schemac-tmp";

/// One file of a commit, as the journal records it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct JournalWrite {
    /// The target.
    path: String,
    /// The staged file holding the new bytes.
    staged: String,
    /// SHA-256 of the new bytes, hex.
    sha256: String,
}

/// The journal: what a commit under way replaces and removes.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Journal {
    /// Format version.
    version: u32,
    /// Files renamed into place, in order.
    write: Vec<JournalWrite>,
    /// Files removed.
    remove: Vec<String>,
}

/// What [`recover`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The files it put in place or removed.
    pub files: Vec<String>,
}

fn write_error(path: &Path, source: std::io::Error) -> MigrationsError {
    MigrationsError::Write {
        path: path.display().to_string(),
        source,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The staged file of `target`: `.<name>.schemac-tmp` in the same folder.
pub fn staged_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}{STAGED_SUFFIX}"))
}

/// The folder of `path` (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `create_dir_all`, recording in `created` the folders that did not exist before.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut d = dir.to_path_buf();
    while !d.as_os_str().is_empty() && !d.exists() {
        created.push(d.clone());
        match d.parent() {
            Some(p) => d = p.to_path_buf(),
            None => break,
        }
    }
    std::fs::create_dir_all(dir)
}

/// Write `bytes` to a new file at `path` (replacing a stale one) and flush it to disk. The file
/// gets the permissions of any new file (0666 less the umask).
fn write_flushed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    let half = bytes.len() / 2;
    file.write_all(bytes.get(..half).unwrap_or_default())?;
    fault::point()?;
    file.write_all(bytes.get(half..).unwrap_or_default())?;
    file.sync_all()
}

/// Flush a folder's entries (the renames in it) to disk; not every platform can, so failures are
/// ignored.
fn sync_folder(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Write `files` and remove `removes` as one unit (see the module header). `journal_dir` is the
/// output folder, where the journal goes. An error before the journal is complete leaves the old
/// files (and no staged file); an error after it leaves the journal for [`recover`].
pub fn commit<P: AsRef<Path>, T: AsRef<[u8]>>(
    journal_dir: &Path,
    files: &[(P, T)],
    removes: &[PathBuf],
) -> Result<(), MigrationsError> {
    fault::pause();
    let mut journal = Journal {
        version: 1,
        ..Journal::default()
    };
    let mut staged_files: Vec<PathBuf> = Vec::new();
    let mut created: Vec<PathBuf> = Vec::new();
    let staged = (|| {
        let mut jobs: Vec<(&Path, PathBuf, &[u8])> = Vec::new();
        for (path, text) in files {
            let (path, text) = (path.as_ref(), text.as_ref());
            let dir = folder_of(path);
            fault::point().map_err(|e| write_error(&dir, e))?;
            create_dirs(&dir, &mut created).map_err(|e| write_error(&dir, e))?;
            // A folder in the way would fail the rename after the journal; refuse it now.
            if path.is_dir() {
                return Err(write_error(path, std::io::ErrorKind::IsADirectory.into()));
            }
            let staged = staged_path(path);
            staged_files.push(staged.clone());
            journal.write.push(JournalWrite {
                path: path.display().to_string(),
                staged: staged.display().to_string(),
                sha256: sha256_hex(text),
            });
            jobs.push((path, staged, text));
        }
        // The staged files are written and flushed on a few threads (one `fsync` per file is the
        // slow part of writing ~50 files); the journal is written only when all are on disk.
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .clamp(1, 8);
        let chunk = jobs.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter().try_for_each(|(path, staged, text)| {
                            write_flushed(staged, text).map_err(|e| write_error(path, e))
                        })
                    })
                })
                .collect();
            handles.into_iter().try_for_each(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(write_error(
                        journal_dir,
                        std::io::Error::other("a writing thread panicked"),
                    ))
                })
            })
        })?;
        journal.remove = removes.iter().map(|p| p.display().to_string()).collect();
        let journal_path = journal_dir.join(JOURNAL_FILE);
        let text = serde_json::to_string_pretty(&journal).unwrap_or_default();
        let tmp = staged_path(&journal_path);
        staged_files.push(tmp.clone());
        fault::point().map_err(|e| write_error(&journal_path, e))?;
        create_dirs(journal_dir, &mut created).map_err(|e| write_error(journal_dir, e))?;
        write_flushed(&tmp, text.as_bytes()).map_err(|e| write_error(&journal_path, e))?;
        fault::point().map_err(|e| write_error(&journal_path, e))?;
        std::fs::rename(&tmp, &journal_path).map_err(|e| write_error(&journal_path, e))?;
        sync_folder(journal_dir);
        Ok(())
    })();
    if let Err(e) = staged {
        for p in &staged_files {
            let _ = std::fs::remove_file(p);
        }
        // The folders this commit created, deepest first (only empty ones can be removed).
        created.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        for d in &created {
            let _ = std::fs::remove_dir(d);
        }
        return Err(e);
    }
    finish(journal_dir, &journal, true).map_err(|e| match e {
        MigrationsError::Write { path, source } => MigrationsError::Unfinished { path, source },
        other => other,
    })
}

/// Put the journal's files in place, do its removals and delete it. Each step can be repeated.
/// `just_written`: the staged files were flushed by this process, so their bytes are not read back
/// and hashed again (they are after a crash).
fn finish(
    journal_dir: &Path,
    journal: &Journal,
    just_written: bool,
) -> Result<(), MigrationsError> {
    let mut folders: Vec<PathBuf> = Vec::new();
    for w in &journal.write {
        let (path, staged) = (Path::new(&w.path), Path::new(&w.staged));
        fault::point().map_err(|e| write_error(path, e))?;
        if just_written {
            std::fs::rename(staged, path).map_err(|e| write_error(path, e))?;
            folders.push(folder_of(path));
            continue;
        }
        match std::fs::read(staged) {
            Ok(bytes) if sha256_hex(&bytes) == w.sha256 => {
                std::fs::rename(staged, path).map_err(|e| write_error(path, e))?;
            }
            // Already renamed by the run that was interrupted.
            _ if std::fs::read(path).is_ok_and(|b| sha256_hex(&b) == w.sha256) => {}
            _ => {
                return Err(MigrationsError::Unrecoverable {
                    path: w.path.clone(),
                });
            }
        }
        folders.push(folder_of(path));
    }
    for r in &journal.remove {
        let path = Path::new(r);
        fault::point().map_err(|e| write_error(path, e))?;
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(write_error(path, e)),
        }
        folders.push(folder_of(path));
    }
    folders.sort();
    folders.dedup();
    for f in &folders {
        sync_folder(f);
    }
    let journal_path = journal_dir.join(JOURNAL_FILE);
    fault::point().map_err(|e| write_error(&journal_path, e))?;
    std::fs::remove_file(&journal_path).map_err(|e| write_error(&journal_path, e))?;
    sync_folder(journal_dir);
    Ok(())
}

fn read_journal(journal_dir: &Path) -> Result<Option<Journal>, MigrationsError> {
    let path = journal_dir.join(JOURNAL_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(MigrationsError::Read {
                path: path.display().to_string(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|_| MigrationsError::Unrecoverable {
            path: path.display().to_string(),
        })
}

/// Finish a commit that was interrupted (the journal in `journal_dir`), if there is one.
pub fn recover(journal_dir: &Path) -> Result<Option<Recovered>, MigrationsError> {
    let Some(journal) = read_journal(journal_dir)? else {
        return Ok(None);
    };
    finish(journal_dir, &journal, false)?;
    let mut files: Vec<String> = journal.write.into_iter().map(|w| w.path).collect();
    files.extend(journal.remove);
    Ok(Some(Recovered { files }))
}

/// `E408` when a commit in `journal_dir` was interrupted (what `check` reports).
pub fn pending(journal_dir: &Path) -> Option<Diagnostic> {
    let path = journal_dir.join(JOURNAL_FILE);
    path.exists().then(|| {
        Diagnostic::error(
            Code::UnfinishedBuild,
            "a `schemac build` was interrupted before all its files were in place",
        )
        .in_path(path.display().to_string())
        .help("run `schemac build`, which finishes it, and commit the generated files")
    })
}

/// Whether a file name is one of our temporary files: a staged file, or `.tmpXXXXXX` (what
/// schemac's writer left in a crash before it had a journal).
fn is_stray(name: &str) -> bool {
    if name.starts_with('.') && name.ends_with(STAGED_SUFFIX) {
        return true;
    }
    name.strip_prefix(".tmp")
        .is_some_and(|rest| rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Temporary files left in `dirs` by a run that crashed, sorted. In the working folder itself
/// (`--docs DATABASE.md`) only staged files count: other tools' `.tmpXXXXXX` files may live there.
pub fn strays(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| Some((d, std::fs::read_dir(d).ok()?)))
        .flat_map(|(d, rd)| rd.flatten().map(move |e| (d, e)))
        .filter(|(_, e)| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|(d, e)| {
            e.file_name().to_str().is_some_and(|n| {
                is_stray(n) && (n.ends_with(STAGED_SUFFIX) || d.as_path() != Path::new("."))
            })
        })
        .map(|(_, e)| e.path())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Remove the temporary files [`strays`] finds; returns them.
pub fn remove_strays(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, MigrationsError> {
    let found = strays(dirs);
    for p in &found {
        std::fs::remove_file(p).map_err(|e| write_error(p, e))?;
    }
    Ok(found)
}

/// `E408` for each stray temporary file (what `check` reports).
pub fn stray_diagnostics(found: &[PathBuf]) -> Vec<Diagnostic> {
    found
        .iter()
        .map(|p| {
            Diagnostic::error(
                Code::UnfinishedBuild,
                format!(
                    "`{}` is a temporary file left by an interrupted run",
                    p.display()
                ),
            )
            .in_path(p.display().to_string())
            .help("run `schemac build`, which removes it, and do not commit it")
        })
        .collect()
}

/// How long a command waits for another one holding the project lock.
const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// A held lock on a project: released when dropped (or when the process ends).
#[derive(Debug)]
pub struct ProjectLock {
    _file: Option<std::fs::File>,
}

/// The folder locked for the output folder `out`: the nearest existing folder that holds it
/// (the project root for `generated`).
pub fn lock_folder(out: &Path) -> PathBuf {
    let mut dir = folder_of(out);
    while !dir.is_dir() {
        match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => dir = p.to_path_buf(),
            _ => return PathBuf::from("."),
        }
    }
    dir
}

/// Lock the project of the output folder `out`: `exclusive` for a command that writes, shared
/// for one that only reads. When another command holds it, `waiting` is called once and the
/// lock is waited for, up to a timeout (then `E409`).
pub fn lock(
    out: &Path,
    exclusive: bool,
    waiting: impl FnOnce(&Path),
) -> Result<ProjectLock, Box<Diagnostic>> {
    let dir = lock_folder(out);
    // A platform or file system that cannot open or lock a folder: go on unlocked rather than
    // refuse to work.
    let Ok(file) = std::fs::File::open(&dir) else {
        return Ok(ProjectLock { _file: None });
    };
    let attempt = |f: &std::fs::File| {
        if exclusive {
            f.try_lock()
        } else {
            f.try_lock_shared()
        }
    };
    let start = std::time::Instant::now();
    let timeout = fault::lock_timeout().unwrap_or(LOCK_TIMEOUT);
    let mut waiting = Some(waiting);
    loop {
        match attempt(&file) {
            Ok(()) => return Ok(ProjectLock { _file: Some(file) }),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(_)) => return Ok(ProjectLock { _file: None }),
        }
        if let Some(w) = waiting.take() {
            w(&dir);
        }
        if start.elapsed() >= timeout {
            return Err(Box::new(
                Diagnostic::error(
                    Code::ProjectLocked,
                    "another schemac command kept this project locked; gave up waiting",
                )
                .in_path(dir.display().to_string())
                .help("wait for the other `schemac build` to finish (or end it), then run the command again"),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The tests' fault points (debug builds only; see the module header).
#[cfg(debug_assertions)]
mod fault {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// `(abort, n)` from `SCHEMAC_TEST_FAULT`.
    fn spec() -> Option<(bool, usize)> {
        static SPEC: OnceLock<Option<(bool, usize)>> = OnceLock::new();
        *SPEC.get_or_init(|| {
            let v = std::env::var("SCHEMAC_TEST_FAULT").ok()?;
            let (what, n) = v.split_once('@')?;
            Some((what == "abort", n.parse().ok()?))
        })
    }

    /// Count a file operation; the Nth aborts or fails when asked to.
    pub(super) fn point() -> std::io::Result<()> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
        match spec() {
            Some((true, at)) if at == n => std::process::abort(),
            Some((false, at)) if at == n => Err(std::io::ErrorKind::StorageFull.into()),
            _ => Ok(()),
        }
    }

    /// Pause before a commit (concurrency tests).
    pub(super) fn pause() {
        if let Some(ms) = std::env::var("SCHEMAC_TEST_PAUSE_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
        {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }

    /// A shorter lock timeout (tests).
    pub(super) fn lock_timeout() -> Option<std::time::Duration> {
        std::env::var("SCHEMAC_TEST_LOCK_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(std::time::Duration::from_millis)
    }
}

/// Release builds: no fault points.
#[cfg(not(debug_assertions))]
mod fault {
    pub(super) fn point() -> std::io::Result<()> {
        Ok(())
    }
    pub(super) fn pause() {}
    pub(super) fn lock_timeout() -> Option<std::time::Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_names() {
        assert!(is_stray(".tmpAb12Cd"));
        assert!(is_stray(".0002_x.sql.schemac-tmp"));
        assert!(!is_stray(".tmp"));
        assert!(!is_stray("tmpAb12Cd"));
        assert!(!is_stray("0002_x.sql"));
    }

    #[test]
    fn commit_writes_and_removes_and_leaves_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("generated");
        let old = out.join("er/old.mmd");
        std::fs::create_dir_all(old.parent().unwrap()).unwrap();
        std::fs::write(&old, "x").unwrap();
        let files = [
            (out.join("migrations/0001_init.sql"), "up\n"),
            (out.join("er.mmd"), "er\n"),
        ];
        commit(&out, &files, std::slice::from_ref(&old)).unwrap();
        assert_eq!(std::fs::read_to_string(&files[0].0).unwrap(), "up\n");
        assert!(!old.exists());
        assert!(!out.join(JOURNAL_FILE).exists());
        let dirs = [out.clone(), out.join("migrations"), out.join("er")];
        assert!(strays(&dirs).is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            // The permissions of any new file (the umask's), not a private temporary file's 0600.
            let plain = tmp.path().join("plain");
            std::fs::write(&plain, "x").unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&files[0].0), mode(&plain));
        }
    }
}
