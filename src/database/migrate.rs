//! `schemac migrate`: apply the pending migrations of the folder to a live database, with a
//! history table, and roll back the last ones with their down files.
//!
//! Input: the migrations folder ([`MigrationDir`], already checked against `schemac.sum`) and a
//! connected client. Output: the state of each migration ([`Entry`]), diagnostics (`E509` a
//! recorded checksum differs from the file, `E510` the history and the folder disagree, `E505` a
//! migration failed), and rows in `schemac.migrations`.
//! Invariants: a transactional migration and its history row commit together (the file's own
//! `BEGIN;`/`COMMIT;` lines are replaced by one client transaction that also writes the row), so
//! a failure leaves neither; a non-transactional follow-up runs statement by statement outside a
//! transaction and gets its row after its last statement; every change happens under the
//! session-level advisory lock [`LOCK_KEY`], so two runs cannot interleave. Names and checksums
//! reach SQL only as bind parameters.

use std::time::Instant;

use postgres::Client;
use sha2::{Digest, Sha256};

use super::{error_text, is_transactional, split_statements};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::migrations::MigrationDir;

/// The schema of the history table.
pub const HISTORY_SCHEMA: &str = "schemac";
/// The history table, schema-qualified.
pub const HISTORY_TABLE: &str = "schemac.migrations";
/// The key of the advisory lock every `schemac migrate` takes (the bytes of `schemac!`).
pub const LOCK_KEY: i64 = 0x7363_6865_6d61_6321;

/// Creates the history table when it is missing.
const CREATE_HISTORY: &str = "\
CREATE SCHEMA IF NOT EXISTS schemac;
CREATE TABLE IF NOT EXISTS schemac.migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL DEFAULT current_user,
    duration_ms bigint NOT NULL
);
COMMENT ON TABLE schemac.migrations IS 'Migrations applied by schemac migrate: one row per file of the migrations folder.';";

/// A migration of the folder: its up file and, when there is one, its down file.
#[derive(Debug, Clone)]
pub struct Local {
    /// The migration's name, the up file without `.sql` (`0002_add_x`).
    pub name: String,
    /// The up file, relative to the migrations folder.
    pub file: String,
    /// The up file's text.
    pub sql: String,
    /// `sha256:<hex>` of the up file's bytes.
    pub checksum: String,
    /// The down file (relative to the migrations folder) and its text.
    pub down: Option<(String, String)>,
}

/// A row of the history table.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Migration name.
    pub name: String,
    /// Checksum recorded when it was applied.
    pub checksum: String,
    /// When (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub applied_at: String,
    /// The database user that applied it.
    pub applied_by: String,
    /// How long it took.
    pub duration_ms: i64,
}

/// The state of one migration.
#[derive(Debug, Clone)]
pub enum Entry {
    /// In the folder and in the history.
    Applied(Applied),
    /// In the folder, not in the history.
    Pending(Local),
    /// In the history, not in the folder.
    Unknown(Applied),
}

/// The checksum `schemac migrate` records for a file: `sha256:<hex>` of its bytes. (The folder
/// itself is checked against `schemac.sum` before anything is applied.)
pub fn checksum(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The migrations of the folder in name order, each with its down file.
pub fn local_migrations(dir: &MigrationDir) -> Vec<Local> {
    let mut out: Vec<Local> = dir
        .files
        .iter()
        .filter(|(n, _)| n.ends_with(".sql") && !n.ends_with(".down.sql"))
        .filter_map(|(file, bytes)| {
            let name = file.strip_suffix(".sql")?.to_string();
            let down_name = dir.down_file(&name);
            let down = dir
                .files
                .iter()
                .find(|(n, _)| *n == down_name)
                .map(|(n, b)| (n.clone(), String::from_utf8_lossy(b).into_owned()));
            Some(Local {
                checksum: checksum(bytes),
                sql: String::from_utf8_lossy(bytes).into_owned(),
                file: file.clone(),
                name,
                down,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// An `E504` for a failed query on the target database.
fn query_failed(what: &str, e: &postgres::Error) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(
            Code::DatabaseUnavailable,
            format!("cannot {what}: {}", error_text(e)),
        )
        .help("check the user's privileges on the database and the server log"),
    )
}

/// The history, oldest name first; empty when the table does not exist yet.
pub fn read_history(client: &mut Client) -> Result<Vec<Applied>, Box<Diagnostic>> {
    let exists = client
        .query_one("select to_regclass('schemac.migrations') is not null", &[])
        .and_then(|r| r.try_get::<_, bool>(0))
        .map_err(|e| query_failed("read the migration history", &e))?;
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            "select name, checksum, \
             to_char(applied_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), \
             applied_by, duration_ms \
             from schemac.migrations order by name collate \"C\"",
            &[],
        )
        .map_err(|e| query_failed("read the migration history", &e))?;
    rows.iter()
        .map(|r| {
            Ok(Applied {
                name: r.try_get(0)?,
                checksum: r.try_get(1)?,
                applied_at: r.try_get(2)?,
                applied_by: r.try_get(3)?,
                duration_ms: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>, postgres::Error>>()
        .map_err(|e| query_failed("read the migration history", &e))
}

/// Take the advisory lock, waiting for another `schemac migrate` to finish; `on_wait` runs once
/// when the lock is held elsewhere.
pub fn lock(client: &mut Client, on_wait: impl FnOnce()) -> Result<(), Box<Diagnostic>> {
    let got = client
        .query_one("select pg_try_advisory_lock($1)", &[&LOCK_KEY])
        .and_then(|r| r.try_get::<_, bool>(0))
        .map_err(|e| query_failed("take the migration lock", &e))?;
    if !got {
        on_wait();
        client
            .execute("select pg_advisory_lock($1)", &[&LOCK_KEY])
            .map_err(|e| query_failed("take the migration lock", &e))?;
    }
    Ok(())
}

/// Release the advisory lock (the server also releases it when the session ends).
pub fn unlock(client: &mut Client) {
    let _ = client.execute("select pg_advisory_unlock($1)", &[&LOCK_KEY]);
}

/// Create the history table when it is missing.
pub fn ensure_history(client: &mut Client) -> Result<(), Box<Diagnostic>> {
    client
        .batch_execute(CREATE_HISTORY)
        .map_err(|e| query_failed("create the history table schemac.migrations", &e))
}

/// Pair the folder with the history, in name order; disagreements are diagnostics: a recorded
/// checksum that differs from the file (`E509`), a recorded migration the folder lacks, and a
/// pending migration that sorts before an applied one (`E510`).
pub fn reconcile(
    dir: &MigrationDir,
    local: &[Local],
    history: &[Applied],
    d: &mut Diagnostics,
) -> Vec<Entry> {
    let mig = dir.migrations_dir();
    let mut entries: Vec<Entry> = Vec::new();
    for l in local {
        match history.iter().find(|a| a.name == l.name) {
            Some(a) => {
                if a.checksum != l.checksum {
                    d.push(
                        Diagnostic::error(
                            Code::MigrateChecksumMismatch,
                            format!(
                                "`{}` was applied with checksum {} but the file now has {}",
                                l.file, a.checksum, l.checksum
                            ),
                        )
                        .in_path(mig.join(&l.file).display().to_string())
                        .help("an applied migration must not change: restore the file from version control and change the model instead"),
                    );
                }
                entries.push(Entry::Applied(a.clone()));
            }
            None => entries.push(Entry::Pending(l.clone())),
        }
    }
    for a in history {
        if !local.iter().any(|l| l.name == a.name) {
            d.push(
                Diagnostic::error(
                    Code::MigrateHistoryMismatch,
                    format!(
                        "`{}` is recorded in {HISTORY_TABLE} but is not in the migrations folder",
                        a.name
                    ),
                )
                .in_path(mig.display().to_string())
                .help("deploy from the commit that has the file (this database is ahead of the folder), or restore the file"),
            );
            entries.push(Entry::Unknown(a.clone()));
        }
    }
    let last_applied = history.iter().map(|a| a.name.as_str()).max();
    for e in &entries {
        if let (Entry::Pending(l), Some(last)) = (e, last_applied)
            && l.name.as_str() < last
        {
            d.push(
                Diagnostic::error(
                    Code::MigrateHistoryMismatch,
                    format!(
                        "`{}` is pending but sorts before `{last}`, which is already applied",
                        l.file
                    ),
                )
                .in_path(mig.join(&l.file).display().to_string())
                .help("migrations apply in name order: rebuild the branch's migration on top of the applied ones (remove it, pull, `schemac build`)"),
            );
        }
    }
    entries.sort_by(|a, b| entry_name(a).cmp(entry_name(b)));
    entries
}

/// The migration name of an entry.
pub fn entry_name(e: &Entry) -> &str {
    match e {
        Entry::Applied(a) | Entry::Unknown(a) => &a.name,
        Entry::Pending(l) => &l.name,
    }
}

/// The text of a transactional file without its own `BEGIN;` (the first such line) and
/// `COMMIT;` (the last such line): the caller's transaction takes their place.
fn transaction_body(sql: &str) -> String {
    let lines: Vec<&str> = sql.lines().collect();
    let begin = lines.iter().position(|l| l.trim() == "BEGIN;");
    let commit = lines.iter().rposition(|l| l.trim() == "COMMIT;");
    lines
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != begin && Some(*i) != commit)
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run one file, then the history statement `record` with `params`: both in one client
/// transaction when the file has a `BEGIN;` line, otherwise statement by statement and `record`
/// after the last one.
fn run_file(
    client: &mut Client,
    sql: &str,
    record: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<(), postgres::Error> {
    if is_transactional(sql) {
        let mut tx = client.transaction()?;
        if super::citus::is_citus_file(sql) {
            for stmt in super::citus::statements(&transaction_body(sql)) {
                tx.batch_execute(&stmt)?;
            }
        } else {
            tx.batch_execute(&transaction_body(sql))?;
        }
        tx.execute(record, params)?;
        tx.commit()
    } else {
        for stmt in split_statements(sql) {
            client.batch_execute(&stmt)?;
        }
        // The file's plain `SET`s last for the session: undo them before the next file.
        client.batch_execute("RESET ALL")?;
        client.execute(record, params).map(|_| ())
    }
}

/// The `E505` for a failed file.
fn file_failed(dir: &MigrationDir, file: &str, sql: &str, e: &postgres::Error) -> Box<Diagnostic> {
    let mut msg = format!("migration {file} failed: {}", error_text(e));
    if let Some(db) = e.as_db_error()
        && let Some(postgres::error::ErrorPosition::Original(pos)) = db.position()
    {
        // Positions count in the statement sent, which for a transactional file lacks the
        // `BEGIN;` line: point at the file's line.
        let body = if is_transactional(sql) {
            transaction_body(sql)
        } else {
            sql.to_string()
        };
        let upto: String = body.chars().take(*pos as usize).collect();
        let mut line = upto.matches('\n').count() + 1;
        if is_transactional(sql) {
            line += 1;
        }
        msg.push_str(&format!(" (near line {line})"));
    }
    Box::new(
        Diagnostic::error(Code::MigrationFailed, msg)
            .in_path(dir.migrations_dir().join(file).display().to_string())
            .help("nothing of a transactional file stays applied: fix the cause (or the model) and run `schemac migrate` again"),
    )
}

/// Apply one pending migration and record it; returns its duration in milliseconds.
pub fn apply(client: &mut Client, dir: &MigrationDir, m: &Local) -> Result<i64, Box<Diagnostic>> {
    let start = Instant::now();
    let result = if is_transactional(&m.sql) {
        // The duration is known only at the end: the row is written inside the transaction and
        // its duration set by the same statement from the transaction's start.
        run_file(
            client,
            &m.sql,
            "insert into schemac.migrations (name, checksum, duration_ms) \
             values ($1, $2, (extract(epoch from clock_timestamp() - now()) * 1000)::bigint)",
            &[&m.name, &m.checksum],
        )
    } else {
        let started = client
            .query_one("select clock_timestamp()::text", &[])
            .and_then(|r| r.try_get::<_, String>(0));
        match started {
            Ok(t0) => run_file(
                client,
                &m.sql,
                "insert into schemac.migrations (name, checksum, duration_ms) \
                 values ($1, $2, (extract(epoch from clock_timestamp() - $3::text::timestamptz) * 1000)::bigint)",
                &[&m.name, &m.checksum, &t0],
            ),
            Err(e) => Err(e),
        }
    };
    result.map_err(|e| file_failed(dir, &m.file, &m.sql, &e))?;
    Ok(i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX))
}

/// Roll back one applied migration with its down file and delete its history row.
pub fn revert(
    client: &mut Client,
    dir: &MigrationDir,
    name: &str,
    down_file: &str,
    down_sql: &str,
) -> Result<(), Box<Diagnostic>> {
    run_file(
        client,
        down_sql,
        "delete from schemac.migrations where name = $1",
        &[&name],
    )
    .map_err(|e| file_failed(dir, down_file, down_sql, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_body_drops_the_outer_begin_and_commit_only() {
        let sql = "-- head\n\nBEGIN;\n\nSET LOCAL x = 1;\nCREATE TABLE t ();\n\nCOMMIT;\n";
        assert_eq!(
            transaction_body(sql),
            "-- head\n\n\nSET LOCAL x = 1;\nCREATE TABLE t ();\n"
        );
    }

    #[test]
    fn checksum_is_sha256_of_the_bytes() {
        assert_eq!(
            checksum(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
