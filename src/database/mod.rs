//! Database: connections, scratch databases and applying migrations (the I/O of `verify` and
//! `test`).
//!
//! Input: a connection string (URL or `key=value`), migration files. Output: connected clients,
//! a [`Scratch`] database that is dropped when it goes out of scope, and diagnostics (`E504`
//! server unreachable / login refused / missing privilege, `E505` a migration failed).
//! Invariants: a scratch database is dropped on every path once created (its `Drop` runs
//! `DROP DATABASE … WITH (FORCE)` over a fresh admin connection, ignoring errors); failures are
//! diagnostics, never panics; nothing here prints.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::{Client, Config, NoTls};

use crate::diagnostics::{Code, Diagnostic};
use crate::sql::ident::quote_ident;

pub mod citus;
pub mod explain;
pub mod migrate;
pub mod plpgsql_check;

/// Parse a connection string, with a 10 s connect timeout unless one is given.
pub fn config(url: &str) -> Result<Config, Box<Diagnostic>> {
    let mut cfg: Config = url.parse().map_err(|e: postgres::Error| {
        Box::new(
            Diagnostic::error(
                Code::DatabaseUnavailable,
                format!("the connection string cannot be read: {e}"),
            )
            .help("write it as postgres://user@host:port/dbname or as key=value pairs"),
        )
    })?;
    if cfg.get_connect_timeout().is_none() {
        cfg.connect_timeout(Duration::from_secs(10));
    }
    if cfg.get_application_name().is_none() {
        cfg.application_name("schemac");
    }
    Ok(cfg)
}

fn where_(cfg: &Config) -> String {
    let host = cfg
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(s) => s.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_string());
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    let user = cfg.get_user().unwrap_or("(default user)");
    let db = cfg.get_dbname().unwrap_or("(default database)");
    format!("database `{db}` as `{user}` at {host}:{port}")
}

/// A server error as one line: message and SQLSTATE; the source chain for client errors.
pub fn error_text(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(d) = db.detail() {
            s.push_str(&format!("; {d}"));
        }
        return s;
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(&format!(": {inner}"));
        src = inner.source();
    }
    s
}

/// The SQLSTATE of a server error.
pub fn sqlstate(e: &postgres::Error) -> Option<&str> {
    e.as_db_error().map(|d| d.code().code())
}

/// A connection failure as an `E504` diagnostic that says what to check.
pub fn connect_failure(cfg: &Config, e: &postgres::Error) -> Diagnostic {
    let target = where_(cfg);
    let (what, help) = match sqlstate(e) {
        Some("28P01") | Some("28000") => (
            "the server refused the login",
            "check the user name and password in the connection string",
        ),
        Some("3D000") => (
            "the database does not exist",
            "create it first, or point the connection string at an existing database",
        ),
        Some("42501") => (
            "the user may not connect",
            "grant CONNECT on the database to the user",
        ),
        Some(_) => (
            "the server rejected the connection",
            "check the connection string and the server log",
        ),
        None => (
            "cannot reach the server",
            "check that PostgreSQL is running and that host and port are right",
        ),
    };
    Diagnostic::error(
        Code::DatabaseUnavailable,
        format!("{what}: {target}: {}", error_text(e)),
    )
    .help(help)
}

/// Connect to `url`.
pub fn connect(url: &str) -> Result<Client, Box<Diagnostic>> {
    let cfg = config(url)?;
    cfg.connect(NoTls)
        .map_err(|e| Box::new(connect_failure(&cfg, &e)))
}

/// A database created for one run and dropped when this value is dropped (after or before the
/// client [`Scratch::create`] returned with it: the drop ends remaining sessions).
pub struct Scratch {
    /// Its name (`schemac_verify_<pid>_<nanos>`).
    pub name: String,
    admin: Config,
}

impl Scratch {
    /// Create a scratch database on the server of `url` and connect to it.
    pub fn create(url: &str, purpose: &str) -> Result<(Scratch, Client), Box<Diagnostic>> {
        let admin = config(url)?;
        let mut client = admin
            .connect(NoTls)
            .map_err(|e| Box::new(connect_failure(&admin, &e)))?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() % 1_000_000_000_000)
            .unwrap_or(0);
        let name = format!("schemac_{purpose}_{}_{nanos}", std::process::id());
        if let Err(e) = client.batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE template0",
            quote_ident(&name)
        )) {
            let help = if sqlstate(&e) == Some("42501") {
                "grant CREATEDB to the user (ALTER ROLE … CREATEDB), or use a user that has it"
            } else {
                "check the server log; the user must be allowed to create databases"
            };
            return Err(Box::new(
                Diagnostic::error(
                    Code::DatabaseUnavailable,
                    format!(
                        "cannot create the scratch database on {}: {}",
                        where_(&admin),
                        error_text(&e)
                    ),
                )
                .help(help),
            ));
        }
        drop(client);
        let mut cfg = admin.clone();
        cfg.dbname(&name);
        match cfg.connect(NoTls) {
            Ok(client) => Ok((Scratch { name, admin }, client)),
            Err(e) => {
                let diag = connect_failure(&cfg, &e);
                drop_database(&admin, &name);
                Err(Box::new(diag))
            }
        }
    }

    /// A connection string for the scratch database (same server and user).
    pub fn config(&self) -> Config {
        let mut cfg = self.admin.clone();
        cfg.dbname(&self.name);
        cfg
    }
}

fn drop_database(admin: &Config, name: &str) {
    if let Ok(mut c) = admin.connect(NoTls) {
        let _ = c.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)
        ));
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // FORCE ends the sessions still connected, including the caller's.
        drop_database(&self.admin, &self.name);
    }
}

/// Migration files to apply, in order: `NNNN_*.sql` without the `.down.sql` files.
pub fn up_migrations(files: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = files
        .iter()
        .filter(|(n, _)| n.ends_with(".sql") && !n.ends_with(".down.sql"))
        .map(|(n, b)| (n.clone(), String::from_utf8_lossy(b).into_owned()))
        .collect();
    v.sort();
    v
}

/// The statements of a migration file that runs outside a transaction (the `_concurrently`
/// follow-up files of incremental migrations): one per statement, since PostgreSQL refuses
/// `CREATE INDEX CONCURRENTLY` in a multi-statement query string. schemac writes every statement
/// of such a file ending with `;` at the end of a line, and no comment inside one.
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        if current.is_empty() && (line.trim().is_empty() || line.trim_start().starts_with("--")) {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// Whether a migration file runs in one transaction (it has a `BEGIN;` line).
pub fn is_transactional(sql: &str) -> bool {
    sql.lines().any(|l| l.trim() == "BEGIN;")
}

/// Apply migrations in order; the first failure becomes an `E505` diagnostic naming the file.
pub fn apply(
    client: &mut Client,
    dir: &std::path::Path,
    migrations: &[(String, String)],
) -> Result<(), Box<Diagnostic>> {
    for (name, sql) in migrations {
        let result = if citus::is_citus_file(sql) {
            citus::statements(sql)
                .iter()
                .try_for_each(|stmt| client.batch_execute(stmt))
        } else if is_transactional(sql) {
            client.batch_execute(sql)
        } else {
            split_statements(sql)
                .iter()
                .try_for_each(|stmt| client.batch_execute(stmt))
        };
        if let Err(e) = result {
            let _ = client.batch_execute("ROLLBACK");
            let mut msg = format!("migration {name} failed: {}", error_text(&e));
            if let Some(db) = e.as_db_error()
                && let Some(postgres::error::ErrorPosition::Original(pos)) = db.position()
            {
                let upto: String = sql.chars().take(*pos as usize).collect();
                let line = upto.matches('\n').count() + 1;
                msg.push_str(&format!(" (line {line})"));
            }
            return Err(Box::new(
                Diagnostic::error(Code::MigrationFailed, msg)
                    .in_path(dir.join(name).display().to_string())
                    .help("fix the model (or the hand-edited migration) and build again"),
            ));
        }
    }
    Ok(())
}

/// On a plain PostgreSQL server, create what the Supabase platform provides (roles, `auth`
/// schema, `auth.users`, `auth.uid()`, `storage.objects`, …) unless an `auth` schema already
/// exists; with `auto_expose`, also the automatic grants of projects that still auto-expose.
pub fn install_supabase_standin(
    client: &mut Client,
    auto_expose: bool,
) -> Result<(), Box<Diagnostic>> {
    let has_auth = client
        .query_one(
            "select exists (select 1 from pg_namespace where nspname = 'auth')",
            &[],
        )
        .and_then(|r| r.try_get::<_, bool>(0));
    match has_auth {
        Ok(true) => Ok(()),
        Ok(false) => client
            .batch_execute(crate::preset::SUPABASE_STANDIN_SQL)
            .and_then(|()| {
                if auto_expose {
                    client.batch_execute(crate::preset::SUPABASE_AUTO_EXPOSE_SQL)
                } else {
                    Ok(())
                }
            })
            .map_err(|e| {
                Box::new(
                    Diagnostic::error(
                        Code::DatabaseUnavailable,
                        format!(
                            "cannot create the Supabase stand-in (roles, auth schema): {}",
                            error_text(&e)
                        ),
                    )
                    .help("use a user that may create roles (CREATEROLE), or create the roles anon, authenticated and service_role first"),
                )
            }),
        Err(e) => Err(Box::new(
            Diagnostic::error(
                Code::DatabaseUnavailable,
                format!("cannot read the catalog: {}", error_text(&e)),
            )
            .help("check the server log"),
        )),
    }
}
