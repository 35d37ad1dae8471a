//! Shared PostgreSQL test harness for integration tests.
//!
//! Use from an integration test with `mod support;` and then:
//!
//! ```ignore
//! let mut db = support::TestDb::create("rls");      // fresh, uniquely named database
//! db.apply_supabase_standin();                         // optional: anon/authenticated/auth.uid()...
//! db.apply(&generated_sql).unwrap();                   // Err(String) carries the server error
//! let policies = db.policies(&["public"]);             // sorted catalog readback
//! let n = db.as_role("authenticated", Some(r#"{"sub":"…","role":"authenticated"}"#), |tx| {
//!     tx.query_one("select count(*) from public.notes", &[]).unwrap().get::<_, i64>(0)
//! });
//! // dropping `db` drops the database (WITH (FORCE)), ignoring errors
//! ```
//!
//! # Server / `DATABASE_URL`
//!
//! The admin connection string comes from `DATABASE_URL`, defaulting to
//! `postgres://postgres@127.0.0.1:5432/postgres`. Its role must be allowed to
//! `CREATE DATABASE` and, for the Supabase stand-in, `CREATE ROLE` (a superuser
//! is simplest). PostgreSQL 15+ is assumed (`DROP DATABASE ... WITH (FORCE)`
//! needs 13, `pg_publication_tables.rowfilter` needs 15). No TLS (`NoTls`).
//!
//! Supported connection string forms (anything `postgres::Config` parses):
//! * URLs: `postgres://` or `postgresql://`, with or without a `/dbname` path and
//!   with or without a `?query` (e.g. `?sslmode=disable&connect_timeout=5`);
//! * libpq-style `key=value` strings (`host=127.0.0.1 user=postgres dbname=x`,
//!   single-quoted values allowed).
//!
//! The test database is reached by parsing the admin string into a
//! `postgres::Config` and overriding its `dbname`, so no string surgery is
//! involved for the connection itself. [`TestDb::database_url`] additionally
//! renders a connection string for the test database (for handing to a CLI):
//! URL path replaced (query kept), or ` dbname=...` appended for key=value form.
//!
//! # Cleanup
//!
//! `Drop` terminates other sessions and runs `DROP DATABASE ... WITH (FORCE)`,
//! ignoring every error and never panicking. Set `SCHEMAC_KEEP_TEST_DB=1` to keep
//! the databases for inspection. Databases of a process killed before `Drop`
//! (SIGKILL, `panic = "abort"`) are leaked; they are all named `schemac_*`.

// Not every test uses every helper. Test support panics (with readable
// messages) instead of returning errors, which the crate's clippy lints would
// otherwise reject outside #[test] fns; printing is only used for
// SCHEMAC_KEEP_TEST_DB.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::error::ErrorPosition;
use postgres::{Client, Config, NoTls, Transaction};

/// Default admin connection when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The Supabase platform stand-in (roles, `auth` schema, grants). Test-only.
pub const SUPABASE_STANDIN_SQL: &str = include_str!("../../src/preset/supabase_standin.sql");
/// The automatic grants of Supabase projects that still auto-expose (applied after the stand-in).
pub const SUPABASE_AUTO_EXPOSE_SQL: &str =
    include_str!("../../src/preset/supabase_auto_expose.sql");

/// Schemas never reported by the catalog readbacks.
const SYSTEM_SCHEMA_FILTER: &str = "n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') \
     and n.nspname not like 'pg\\_temp\\_%' and n.nspname not like 'pg\\_toast\\_temp\\_%'";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A freshly created, uniquely named database, dropped on `Drop`.
pub struct TestDb {
    /// Database name, `schemac_<prefix>_<pid>_<counter>_<nanos>` (≤ 63 bytes).
    pub name: String,
    /// A client connected to the test database (as the `DATABASE_URL` user).
    pub client: Client,
    admin_url: String,
}

// ---------------------------------------------------------------------------
// Readback row types. Every list is sorted (derived `Ord`, i.e. byte order of
// the fields) except `columns()` (attnum order within each table) and enum
// labels (enumsortorder).
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableInfo {
    pub schema: String,
    pub name: String,
    /// `r` ordinary, `p` partitioned, `f` foreign.
    pub relkind: String,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// `schema.table` of the partition parent, if this is a partition.
    pub partition_of: Option<String>,
    /// `pg_get_expr(relpartbound, oid)`, e.g. `FOR VALUES FROM ('2024-01-01') TO (...)`.
    pub partition_bound: Option<String>,
    /// `pg_get_partkeydef(oid)` for partitioned tables, e.g. `RANGE (created_at)`.
    pub partition_key: Option<String>,
    pub comment: Option<String>,
    /// `relreplident`, with the replica identity index's name after `:` (`i:t_key`).
    pub replica_identity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnInfo {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `format_type(atttypid, atttypmod)`, e.g. `character varying(20)`, `uuid`.
    pub data_type: String,
    pub not_null: bool,
    /// `pg_get_expr(adbin, adrelid)`; for generated columns this is the generation expression.
    pub default: Option<String>,
    /// `attidentity`: "" (none), "a" (ALWAYS), "d" (BY DEFAULT).
    pub identity: String,
    /// `attgenerated`: "" (none), "s" (STORED).
    pub generated: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConstraintInfo {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `contype`: c check, f foreign key, p primary key, u unique, t trigger, x exclusion.
    pub kind: String,
    /// `pg_get_constraintdef(oid)`.
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexInfo {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `pg_get_indexdef(oid)`.
    pub definition: String,
    pub is_unique: bool,
    pub is_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyInfo {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `PERMISSIVE` or `RESTRICTIVE`.
    pub permissive: String,
    /// Sorted role names (`public` when the policy applies to all roles).
    pub roles: Vec<String>,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE`, `DELETE`.
    pub command: String,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TriggerInfo {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `pg_get_triggerdef(oid)`.
    pub definition: String,
    /// `tgenabled`: `O`, `D`, `R` or `A`.
    pub enabled: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FunctionInfo {
    pub schema: String,
    pub name: String,
    /// `pg_get_function_identity_arguments(oid)`, e.g. `a integer, b text`.
    pub identity_args: String,
    /// `pg_get_function_result(oid)`; `None` for procedures.
    pub result: Option<String>,
    /// `prokind`: f function, p procedure, a aggregate, w window.
    pub kind: String,
    pub security_definer: bool,
    /// `provolatile`: i immutable, s stable, v volatile.
    pub volatility: String,
    /// `proconfig`, e.g. `["search_path=\"\""]`; empty if none.
    pub config: Vec<String>,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ViewInfo {
    pub schema: String,
    pub name: String,
    /// `v` view, `m` materialized view.
    pub relkind: String,
    /// `pg_get_viewdef(oid)` (PostgreSQL's own pretty-printed form).
    pub definition: String,
    /// `reloptions`, e.g. `["security_invoker=true"]`; empty if none.
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnumInfo {
    pub schema: String,
    pub name: String,
    /// Labels in `enumsortorder`.
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PrivilegeInfo {
    pub schema: String,
    /// Table/view/sequence name, or for functions `name(identity args)`.
    pub object: String,
    /// Role name, or `PUBLIC`.
    pub grantee: String,
    /// `SELECT`, `INSERT`, ... / `EXECUTE`.
    pub privilege: String,
    pub grantable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PublicationTableInfo {
    pub publication: String,
    pub schema: String,
    pub table: String,
    /// Published column list (PG15 `attnames`); all columns when no list was given.
    pub columns: Vec<String>,
    /// Row filter (PG15 `rowfilter`).
    pub row_filter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExtensionInfo {
    pub name: String,
    pub schema: String,
}

// ---------------------------------------------------------------------------
// Catalog queries. `$1` is always a text[] of schemas to include; an empty
// array means "every non-system schema". Objects that belong to an extension
// (pg_depend deptype 'e') are excluded, so `create extension pgcrypto` does not
// flood the function list.
// ---------------------------------------------------------------------------

pub const SCHEMAS_SQL: &str = "
select n.nspname::text
from pg_namespace n
where {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_namespace'::regclass and d.objid = n.oid and d.deptype = 'e')
";

pub const TABLES_SQL: &str = "
select n.nspname::text, c.relname::text, c.relkind::text,
       c.relrowsecurity, c.relforcerowsecurity,
       (select pn.nspname::text || '.' || pc.relname::text
          from pg_inherits i
          join pg_class pc on pc.oid = i.inhparent
          join pg_namespace pn on pn.oid = pc.relnamespace
         where i.inhrelid = c.oid and c.relispartition) as partition_of,
       case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end,
       case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end,
       obj_description(c.oid, 'pg_class'),
       c.relreplident::text || coalesce(':' || (select ic.relname::text from pg_index x
         join pg_class ic on ic.oid = x.indexrelid where x.indrelid = c.oid and x.indisreplident), '')
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'f')
  and {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
";

pub const COLUMNS_SQL: &str = "
select n.nspname::text, c.relname::text, a.attname::text,
       format_type(a.atttypid, a.atttypmod),
       a.attnotnull,
       pg_get_expr(ad.adbin, ad.adrelid),
       a.attidentity::text,
       a.attgenerated::text,
       col_description(c.oid, a.attnum)
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
where c.relkind in ('r', 'p', 'f')
  and a.attnum > 0 and not a.attisdropped
  and {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
order by n.nspname::text collate \"C\", c.relname::text collate \"C\", a.attnum
";

pub const CONSTRAINTS_SQL: &str = "
select n.nspname::text, c.relname::text, co.conname::text, co.contype::text,
       pg_get_constraintdef(co.oid)
from pg_constraint co
join pg_class c on c.oid = co.conrelid
join pg_namespace n on n.oid = c.relnamespace
where {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
";

pub const INDEXES_SQL: &str = "
select n.nspname::text, t.relname::text, ic.relname::text,
       pg_get_indexdef(i.indexrelid), i.indisunique, i.indisprimary
from pg_index i
join pg_class ic on ic.oid = i.indexrelid
join pg_class t on t.oid = i.indrelid
join pg_namespace n on n.oid = t.relnamespace
where {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_class'::regclass and d.objid = t.oid and d.deptype = 'e')
";

pub const POLICIES_SQL: &str = "
select p.schemaname::text, p.tablename::text, p.policyname::text, p.permissive,
       array(select r::text from unnest(p.roles) as r),
       p.cmd, p.qual, p.with_check
from pg_policies p
join pg_namespace n on n.nspname = p.schemaname
where {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
";

pub const TRIGGERS_SQL: &str = "
select n.nspname::text, c.relname::text, t.tgname::text, pg_get_triggerdef(t.oid),
       t.tgenabled::text
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
join pg_namespace n on n.oid = c.relnamespace
where not t.tgisinternal
  and {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
";

pub const FUNCTIONS_SQL: &str = "
select n.nspname::text, p.proname::text,
       pg_get_function_identity_arguments(p.oid),
       pg_get_function_result(p.oid),
       p.prokind::text, p.prosecdef, p.provolatile::text,
       coalesce(p.proconfig, '{}'::text[]),
       l.lanname::text
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
where {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
";

pub const VIEWS_SQL: &str = "
select n.nspname::text, c.relname::text, c.relkind::text,
       pg_get_viewdef(c.oid),
       coalesce(c.reloptions, '{}'::text[])
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('v', 'm')
  and {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
";

pub const ENUMS_SQL: &str = "
select n.nspname::text, t.typname::text,
       array(select e.enumlabel::text from pg_enum e
              where e.enumtypid = t.oid order by e.enumsortorder)
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
where t.typtype = 'e'
  and {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
";

/// Privileges on tables, partitioned tables, views, materialized views, foreign
/// tables and sequences. A NULL `relacl` means the built-in default (owner only).
/// `$2` is a text[] of grantee names (`PUBLIC` for grants to public).
pub const TABLE_PRIVILEGES_SQL: &str = "
select n.nspname::text, c.relname::text,
       case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end as grantee,
       x.privilege_type, x.is_grantable
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
cross join lateral aclexplode(coalesce(
       c.relacl,
       acldefault(case when c.relkind = 'S' then 's' else 'r' end::\"char\", c.relowner))) x
where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
  and {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and (case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end) = any($2::text[])
";

/// EXECUTE privileges on functions/procedures. A NULL `proacl` means the
/// built-in default: owner and PUBLIC may execute.
pub const FUNCTION_PRIVILEGES_SQL: &str = "
select n.nspname::text,
       p.proname::text || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end as grantee,
       x.privilege_type, x.is_grantable
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
cross join lateral aclexplode(coalesce(p.proacl, acldefault('f'::\"char\", p.proowner))) x
where {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
  and (case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end) = any($2::text[])
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
";

pub const PUBLICATION_TABLES_SQL: &str = "
select pt.pubname::text, pt.schemaname::text, pt.tablename::text,
       coalesce(array(select a::text from unnest(pt.attnames) as a), '{}'::text[]),
       pt.rowfilter
from pg_publication_tables pt
join pg_namespace n on n.nspname = pt.schemaname
where {SYS}
  and (cardinality($1::text[]) = 0 or n.nspname::text = any($1::text[]))
";

pub const EXTENSIONS_SQL: &str = "
select e.extname::text, n.nspname::text
from pg_extension e
join pg_namespace n on n.oid = e.extnamespace
where {SYS}
";

fn sys(sql: &str) -> String {
    sql.replace("{SYS}", SYSTEM_SCHEMA_FILTER)
}

fn schema_param(schemas: &[&str]) -> Vec<String> {
    schemas.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// What a `schemac` run printed, and its exit code.
pub struct Out {
    /// The process id of the run (scratch databases carry it in their names).
    pub pid: u32,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run the `schemac` binary from the repository root (colours off).
pub fn schemac(args: &[&str]) -> Out {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_schemac"))
        .args(args)
        .args(["--color", "never"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    Out {
        pid,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Default Citus server when `CITUS_URL` is not set (`shared/citus/start-citus.sh`).
pub const DEFAULT_CITUS_URL: &str = "postgres://postgres@127.0.0.1:5433/postgres";

/// The Citus server: `CITUS_URL` or [`DEFAULT_CITUS_URL`].
pub fn citus_url() -> String {
    std::env::var("CITUS_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_CITUS_URL.to_string())
}

/// Admin connection string: `DATABASE_URL` or [`DEFAULT_DATABASE_URL`].
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string())
}

/// Quote an SQL identifier (always quoted).
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Quote an SQL string literal (standard_conforming_strings = on).
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn is_url(conn: &str) -> bool {
    let l = conn.trim_start().to_ascii_lowercase();
    l.starts_with("postgres://") || l.starts_with("postgresql://")
}

/// Render `conn` (URL or key=value) pointing at database `dbname`.
/// URL: the path is replaced, query/fragment kept (`postgres://h` -> `postgres://h/db`).
/// key=value: ` dbname='db'` is appended (the last occurrence wins).
pub fn with_dbname(conn: &str, dbname: &str) -> String {
    let conn = conn.trim();
    if is_url(conn) {
        let scheme_end = conn.find("://").map_or(0, |i| i + 3);
        let rest = &conn[scheme_end..];
        let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..auth_end];
        let after = &rest[auth_end..];
        let tail = match after.find(['?', '#']) {
            Some(i) => &after[i..],
            None => "",
        };
        format!(
            "{}{}/{}{}",
            &conn[..scheme_end],
            authority,
            percent_encode(dbname),
            tail
        )
    } else {
        let v = dbname.replace('\\', "\\\\").replace('\'', "\\'");
        format!("{conn} dbname='{v}'")
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Format a `postgres::Error`; for server errors include SQLSTATE, detail,
/// hint, where/context and — if `sql` is given — the error position as
/// line:column with the offending line.
pub fn format_pg_error(e: &postgres::Error, sql: Option<&str>) -> String {
    let Some(db) = e.as_db_error() else {
        // Client-side/connection error: Display plus source chain.
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            let _ = write!(s, ": {inner}");
            src = inner.source();
        }
        return s;
    };
    let mut s = format!(
        "{}: {} (SQLSTATE {})",
        db.severity(),
        db.message(),
        db.code().code()
    );
    if let Some(d) = db.detail() {
        let _ = write!(s, "\nDETAIL: {d}");
    }
    if let Some(h) = db.hint() {
        let _ = write!(s, "\nHINT: {h}");
    }
    match (db.position(), sql) {
        (Some(ErrorPosition::Original(pos)), Some(sql)) => {
            let _ = write!(s, "\n{}", describe_position(sql, *pos as usize));
        }
        (Some(ErrorPosition::Original(pos)), None) => {
            let _ = write!(s, "\nPOSITION: {pos}");
        }
        (Some(ErrorPosition::Internal { position, query }), _) => {
            let _ = write!(
                s,
                "\nINTERNAL QUERY: {query}\nINTERNAL POSITION: {position}"
            );
        }
        (None, _) => {}
    }
    if let Some(w) = db.where_() {
        let _ = write!(s, "\nCONTEXT: {w}");
    }
    for (label, v) in [
        ("SCHEMA", db.schema()),
        ("TABLE", db.table()),
        ("COLUMN", db.column()),
        ("CONSTRAINT", db.constraint()),
    ] {
        if let Some(v) = v {
            let _ = write!(s, "\n{label}: {v}");
        }
    }
    s
}

/// PostgreSQL positions are 1-based *character* offsets into the query string.
fn describe_position(sql: &str, pos: usize) -> String {
    let mut line = 1;
    let mut col: usize = 1;
    let mut line_start = 0;
    for (i, (byte_idx, ch)) in sql.char_indices().enumerate() {
        if i + 1 == pos {
            break;
        }
        if ch == '\n' {
            line += 1;
            col = 1;
            line_start = byte_idx + 1;
        } else {
            col += 1;
        }
    }
    let text = sql[line_start..].lines().next().unwrap_or("");
    format!(
        "POSITION: {pos} (line {line}, column {col})\n{line:>5} | {text}\n      | {}^",
        " ".repeat(col.saturating_sub(1))
    )
}

fn unique_db_name(prefix: &str) -> String {
    let pid = std::process::id();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let suffix = format!("_{pid}_{n}_{nanos}");
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let room = 63usize.saturating_sub("schemac_".len() + suffix.len());
    let clean: String = clean.chars().take(room).collect();
    format!("schemac_{clean}{suffix}")
}

fn admin_config(admin_url: &str) -> Result<Config, String> {
    let mut cfg: Config = admin_url
        .parse()
        .map_err(|e: postgres::Error| format!("cannot parse DATABASE_URL {admin_url:?}: {e}"))?;
    if cfg.get_connect_timeout().is_none() {
        cfg.connect_timeout(Duration::from_secs(10));
    }
    if cfg.get_application_name().is_none() {
        cfg.application_name("schemac-tests");
    }
    Ok(cfg)
}

// ---------------------------------------------------------------------------
// TestDb
// ---------------------------------------------------------------------------

impl TestDb {
    /// Create a fresh database `schemac_<prefix>_<pid>_<counter>_<nanos>` (from
    /// `template0`) and connect to it. Panics with a readable message if the
    /// server is unreachable or the database cannot be created.
    pub fn create(prefix: &str) -> TestDb {
        Self::create_on(admin_url(), prefix)
    }

    /// A fresh database on the Citus server at `CITUS_URL` (default [`DEFAULT_CITUS_URL`]) with
    /// `create extension citus` and the coordinator registered as a node that holds shards (the
    /// two calls `shared/citus/start-citus.sh` names). `Err(why)` when no Citus answers there, so
    /// the caller can skip visibly (tests/skip/mod.rs).
    pub fn create_citus(prefix: &str) -> Result<TestDb, String> {
        let url = citus_url();
        let cfg = admin_config(&url)?;
        let mut admin = cfg
            .connect(NoTls)
            .map_err(|e| format!("no server answers at CITUS_URL {url}: {e}"))?;
        let available = admin
            .query_opt(
                "select 1 from pg_available_extensions where name = 'citus'",
                &[],
            )
            .map_err(|e| format_pg_error(&e, None))?
            .is_some();
        if !available {
            return Err(format!("the server at {url} has no citus extension"));
        }
        drop(admin);
        let host = cfg
            .get_hosts()
            .first()
            .and_then(|h| match h {
                postgres::config::Host::Tcp(h) => Some(h.clone()),
                #[allow(unreachable_patterns)]
                _ => None,
            })
            .unwrap_or_else(|| "127.0.0.1".to_string());
        let port = cfg.get_ports().first().copied().unwrap_or(5432);
        let mut db = Self::create_on(url, prefix);
        let setup = format!(
            "create extension if not exists citus; \
             select citus_set_coordinator_host({h}, {port}); \
             select citus_set_node_property({h}, {port}, 'shouldhaveshards', true);",
            h = quote_literal(&host)
        );
        db.apply(&setup)
            .map_err(|e| format!("citus setup failed in {}: {e}", db.name))?;
        Ok(db)
    }

    fn create_on(admin_url: String, prefix: &str) -> TestDb {
        let name = unique_db_name(prefix);
        let cfg = admin_config(&admin_url).unwrap_or_else(|e| panic!("{e}"));
        let mut admin = cfg.connect(NoTls).unwrap_or_else(|e| {
            panic!(
                "cannot connect to PostgreSQL admin database ({admin_url}); set DATABASE_URL: {}",
                format_pg_error(&e, None)
            )
        });
        let sql = format!("create database {} template template0", quote_ident(&name));
        admin
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {}", format_pg_error(&e, Some(&sql))));
        drop(admin);

        let mut cfg = cfg;
        cfg.dbname(&name);
        let client = match cfg.connect(NoTls) {
            Ok(c) => c,
            Err(e) => {
                let msg = format_pg_error(&e, None);
                drop_database(&admin_url, &name);
                panic!("cannot connect to test database {name}: {msg}");
            }
        };
        TestDb {
            name,
            client,
            admin_url,
        }
    }

    /// Connection string for this database, derived from `DATABASE_URL`
    /// (see [`with_dbname`]), e.g. for passing to the schemac CLI.
    pub fn database_url(&self) -> String {
        with_dbname(&self.admin_url, &self.name)
    }

    /// Open an additional connection to this database.
    pub fn connect(&self) -> Client {
        let mut cfg = admin_config(&self.admin_url).unwrap_or_else(|e| panic!("{e}"));
        cfg.dbname(&self.name);
        cfg.connect(NoTls)
            .unwrap_or_else(|e| panic!("connect {}: {}", self.name, format_pg_error(&e, None)))
    }

    /// Run a whole script via the simple query protocol (`batch_execute`).
    /// Scripts may contain their own BEGIN/COMMIT. Without them, the whole
    /// multi-statement string runs as ONE implicit transaction (so e.g.
    /// `CREATE INDEX CONCURRENTLY` fails unless it is the only statement).
    /// On error a `ROLLBACK` is issued so the session is usable again, and the
    /// formatted server error (message, SQLSTATE, detail, hint, line:column) is returned.
    pub fn apply(&mut self, sql: &str) -> Result<(), String> {
        match self.client.batch_execute(sql) {
            Ok(()) => Ok(()),
            Err(e) => {
                let msg = format_pg_error(&e, Some(sql));
                // Leave the session clean if the script died inside BEGIN ... COMMIT.
                let _ = self.client.batch_execute("rollback");
                Err(msg)
            }
        }
    }

    /// Like [`apply`](Self::apply) but panics with the error (handy in setup code).
    pub fn apply_ok(&mut self, sql: &str) {
        if let Err(e) = self.apply(sql) {
            panic!("SQL failed in {}:\n{e}", self.name);
        }
    }

    /// Apply the Supabase stand-in (`src/preset/supabase_standin.sql`). Panics on error.
    pub fn apply_supabase_standin(&mut self) {
        if let Err(e) = self.apply(SUPABASE_STANDIN_SQL) {
            panic!("supabase stand-in failed in {}:\n{e}", self.name);
        }
    }

    /// Apply every up migration in `dir` (`NNNN_*.sql`, not `*.down.sql`) in order. Panics on
    /// error.
    pub fn apply_migrations_in(&mut self, dir: &std::path::Path) {
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "sql")
                    && !p.to_string_lossy().ends_with(".down.sql")
            })
            .collect();
        files.sort();
        for f in files {
            let sql =
                std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            if let Err(e) = self.apply(&sql) {
                panic!("{} failed in {}:\n{e}", f.display(), self.name);
            }
        }
    }

    /// Apply the Supabase stand-in in the mode of projects that still auto-expose (the automatic
    /// grants in `public` after it). Panics on error.
    pub fn apply_supabase_standin_auto_expose(&mut self) {
        self.apply_supabase_standin();
        if let Err(e) = self.apply(SUPABASE_AUTO_EXPOSE_SQL) {
            panic!(
                "supabase auto-expose stand-in failed in {}:\n{e}",
                self.name
            );
        }
    }

    /// Run an ad hoc query and return every value as text. The caller casts
    /// columns to text in the SQL (`select x::text, ...`). NULL becomes `"NULL"`.
    /// Panics on error.
    pub fn query_strings(&mut self, sql: &str) -> Vec<Vec<String>> {
        self.try_query_strings(sql)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Fallible [`query_strings`](Self::query_strings).
    pub fn try_query_strings(&mut self, sql: &str) -> Result<Vec<Vec<String>>, String> {
        let rows = self
            .client
            .query(sql, &[])
            .map_err(|e| format_pg_error(&e, Some(sql)))?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        row.try_get::<_, Option<String>>(i)
                            .map(|v| v.unwrap_or_else(|| "NULL".to_string()))
                            .map_err(|e| {
                                format!(
                                    "column {} ({}) is not text; cast it with ::text: {e}",
                                    row.columns()[i].name(),
                                    row.columns()[i].type_()
                                )
                            })
                    })
                    .collect()
            })
            .collect()
    }

    /// Run `f` inside a transaction as `role` with the given JWT claims
    /// (`request.jwt.claims`, plus `request.jwt.claim.sub` / `.role` taken from
    /// the claims), like PostgREST does; the transaction is always rolled back.
    /// If `f` hits an SQL error the transaction is aborted — later statements in
    /// `f` fail; use a savepoint (`tx.transaction()`) to continue after errors.
    pub fn as_role<R>(
        &mut self,
        role: &str,
        claims_json: Option<&str>,
        f: impl FnOnce(&mut Transaction<'_>) -> R,
    ) -> R {
        let mut tx = self
            .client
            .transaction()
            .unwrap_or_else(|e| panic!("begin: {}", format_pg_error(&e, None)));
        if let Some(claims) = claims_json {
            let sql = "select set_config('request.jwt.claims', $1, true), \
                              set_config('request.jwt.claim.sub', coalesce($1::jsonb ->> 'sub', ''), true), \
                              set_config('request.jwt.claim.role', coalesce($1::jsonb ->> 'role', ''), true)";
            tx.execute(sql, &[&claims]).unwrap_or_else(|e| {
                panic!(
                    "setting JWT claims {claims}: {}",
                    format_pg_error(&e, Some(sql))
                )
            });
        }
        let sql = format!("set local role {}", quote_ident(role));
        tx.batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {}", format_pg_error(&e, Some(&sql))));
        let out = f(&mut tx);
        let _ = tx.rollback();
        out
    }

    // ----- catalog readback -------------------------------------------------

    /// Runs a catalog query with `search_path = ''` (like pg_dump), so every
    /// deparsed expression, type name and view body is schema-qualified
    /// (`public.mood`, `public.touch()`, `FROM public.notes`) independent of the
    /// session's search_path. Built-ins (pg_catalog) stay unqualified.
    fn rows(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Vec<postgres::Row> {
        let sql = sys(sql);
        let fail = |e: postgres::Error| -> ! {
            panic!(
                "catalog query failed: {}\n{sql}",
                format_pg_error(&e, Some(&sql))
            )
        };
        let mut tx = self.client.transaction().unwrap_or_else(|e| fail(e));
        tx.batch_execute("set local search_path = ''")
            .unwrap_or_else(|e| fail(e));
        let rows = tx.query(sql.as_str(), params).unwrap_or_else(|e| fail(e));
        let _ = tx.rollback();
        rows
    }

    /// Non-system schemas (filtered by `schemas`; empty = all).
    pub fn schemas(&mut self, schemas: &[&str]) -> Vec<String> {
        let s = schema_param(schemas);
        let mut v: Vec<String> = self
            .rows(SCHEMAS_SQL, &[&s])
            .iter()
            .map(|r| r.get(0))
            .collect();
        v.sort();
        v
    }

    pub fn tables(&mut self, schemas: &[&str]) -> Vec<TableInfo> {
        let s = schema_param(schemas);
        let mut v: Vec<TableInfo> = self
            .rows(TABLES_SQL, &[&s])
            .iter()
            .map(|r| TableInfo {
                schema: r.get(0),
                name: r.get(1),
                relkind: r.get(2),
                rls_enabled: r.get(3),
                rls_forced: r.get(4),
                partition_of: r.get(5),
                partition_bound: r.get(6),
                partition_key: r.get(7),
                comment: r.get(8),
                replica_identity: r.get(9),
            })
            .collect();
        v.sort();
        v
    }

    /// Columns of tables, grouped by (schema, table) in byte order, in attnum order.
    pub fn columns(&mut self, schemas: &[&str]) -> Vec<ColumnInfo> {
        let s = schema_param(schemas);
        self.rows(COLUMNS_SQL, &[&s])
            .iter()
            .map(|r| ColumnInfo {
                schema: r.get(0),
                table: r.get(1),
                name: r.get(2),
                data_type: r.get(3),
                not_null: r.get(4),
                default: r.get(5),
                identity: r.get(6),
                generated: r.get(7),
                comment: r.get(8),
            })
            .collect()
    }

    pub fn constraints(&mut self, schemas: &[&str]) -> Vec<ConstraintInfo> {
        let s = schema_param(schemas);
        let mut v: Vec<ConstraintInfo> = self
            .rows(CONSTRAINTS_SQL, &[&s])
            .iter()
            .map(|r| ConstraintInfo {
                schema: r.get(0),
                table: r.get(1),
                name: r.get(2),
                kind: r.get(3),
                definition: r.get(4),
            })
            .collect();
        v.sort();
        v
    }

    pub fn indexes(&mut self, schemas: &[&str]) -> Vec<IndexInfo> {
        let s = schema_param(schemas);
        let mut v: Vec<IndexInfo> = self
            .rows(INDEXES_SQL, &[&s])
            .iter()
            .map(|r| IndexInfo {
                schema: r.get(0),
                table: r.get(1),
                name: r.get(2),
                definition: r.get(3),
                is_unique: r.get(4),
                is_primary: r.get(5),
            })
            .collect();
        v.sort();
        v
    }

    pub fn policies(&mut self, schemas: &[&str]) -> Vec<PolicyInfo> {
        let s = schema_param(schemas);
        let mut v: Vec<PolicyInfo> = self
            .rows(POLICIES_SQL, &[&s])
            .iter()
            .map(|r| {
                let mut roles: Vec<String> = r.get(4);
                roles.sort();
                PolicyInfo {
                    schema: r.get(0),
                    table: r.get(1),
                    name: r.get(2),
                    permissive: r.get(3),
                    roles,
                    command: r.get(5),
                    using: r.get(6),
                    with_check: r.get(7),
                }
            })
            .collect();
        v.sort();
        v
    }

    pub fn triggers(&mut self, schemas: &[&str]) -> Vec<TriggerInfo> {
        let s = schema_param(schemas);
        let mut v: Vec<TriggerInfo> = self
            .rows(TRIGGERS_SQL, &[&s])
            .iter()
            .map(|r| TriggerInfo {
                schema: r.get(0),
                table: r.get(1),
                name: r.get(2),
                definition: r.get(3),
                enabled: r.get(4),
            })
            .collect();
        v.sort();
        v
    }

    pub fn functions(&mut self, schemas: &[&str]) -> Vec<FunctionInfo> {
        let s = schema_param(schemas);
        let mut v: Vec<FunctionInfo> = self
            .rows(FUNCTIONS_SQL, &[&s])
            .iter()
            .map(|r| FunctionInfo {
                schema: r.get(0),
                name: r.get(1),
                identity_args: r.get(2),
                result: r.get(3),
                kind: r.get(4),
                security_definer: r.get(5),
                volatility: r.get(6),
                config: r.get(7),
                language: r.get(8),
            })
            .collect();
        v.sort();
        v
    }

    /// Views and materialized views.
    pub fn views(&mut self, schemas: &[&str]) -> Vec<ViewInfo> {
        let s = schema_param(schemas);
        let mut v: Vec<ViewInfo> = self
            .rows(VIEWS_SQL, &[&s])
            .iter()
            .map(|r| ViewInfo {
                schema: r.get(0),
                name: r.get(1),
                relkind: r.get(2),
                definition: r.get(3),
                options: r.get(4),
            })
            .collect();
        v.sort();
        v
    }

    pub fn enums(&mut self, schemas: &[&str]) -> Vec<EnumInfo> {
        let s = schema_param(schemas);
        let mut v: Vec<EnumInfo> = self
            .rows(ENUMS_SQL, &[&s])
            .iter()
            .map(|r| EnumInfo {
                schema: r.get(0),
                name: r.get(1),
                labels: r.get(2),
            })
            .collect();
        v.sort();
        v
    }

    /// Privileges held by `roles` (use `"PUBLIC"` for public) on tables, views,
    /// materialized views, foreign tables and sequences.
    pub fn table_privileges(&mut self, schemas: &[&str], roles: &[&str]) -> Vec<PrivilegeInfo> {
        self.privileges(TABLE_PRIVILEGES_SQL, schemas, roles)
    }

    /// EXECUTE privileges held by `roles` (use `"PUBLIC"` for public) on functions.
    pub fn function_privileges(&mut self, schemas: &[&str], roles: &[&str]) -> Vec<PrivilegeInfo> {
        self.privileges(FUNCTION_PRIVILEGES_SQL, schemas, roles)
    }

    fn privileges(&mut self, sql: &str, schemas: &[&str], roles: &[&str]) -> Vec<PrivilegeInfo> {
        let s = schema_param(schemas);
        let r = schema_param(roles);
        let mut v: Vec<PrivilegeInfo> = self
            .rows(sql, &[&s, &r])
            .iter()
            .map(|r| PrivilegeInfo {
                schema: r.get(0),
                object: r.get(1),
                grantee: r.get(2),
                privilege: r.get(3),
                grantable: r.get(4),
            })
            .collect();
        v.sort();
        v
    }

    pub fn publication_tables(&mut self, schemas: &[&str]) -> Vec<PublicationTableInfo> {
        let s = schema_param(schemas);
        let mut v: Vec<PublicationTableInfo> = self
            .rows(PUBLICATION_TABLES_SQL, &[&s])
            .iter()
            .map(|r| PublicationTableInfo {
                publication: r.get(0),
                schema: r.get(1),
                table: r.get(2),
                columns: r.get(3),
                row_filter: r.get(4),
            })
            .collect();
        v.sort();
        v
    }

    /// Installed extensions outside pg_catalog (so `plpgsql` is not listed).
    pub fn extensions(&mut self) -> Vec<ExtensionInfo> {
        let mut v: Vec<ExtensionInfo> = self
            .rows(EXTENSIONS_SQL, &[])
            .iter()
            .map(|r| ExtensionInfo {
                name: r.get(0),
                schema: r.get(1),
            })
            .collect();
        v.sort();
        v
    }

    /// All readbacks rendered as one sorted, line-per-object text (Debug form),
    /// handy for snapshot assertions.
    pub fn catalog_dump(&mut self, schemas: &[&str]) -> String {
        let mut out = String::new();
        macro_rules! section {
            ($title:expr, $items:expr) => {{
                let _ = writeln!(out, "## {}", $title);
                for item in $items {
                    let _ = writeln!(out, "{item:?}");
                }
            }};
        }
        section!("tables", self.tables(schemas));
        section!("columns", self.columns(schemas));
        section!("constraints", self.constraints(schemas));
        section!("indexes", self.indexes(schemas));
        section!("policies", self.policies(schemas));
        section!("triggers", self.triggers(schemas));
        section!("functions", self.functions(schemas));
        section!("views", self.views(schemas));
        section!("enums", self.enums(schemas));
        section!("publication tables", self.publication_tables(schemas));
        section!("extensions", self.extensions());
        section!("domains and composite types", self.user_types(schemas));
        out
    }

    /// Domains (base type, NOT NULL, default, collation, checks by name) and composite types
    /// (fields by name: `ALTER TYPE … ADD ATTRIBUTE` appends, a fresh build keeps the model's
    /// order), one line each, sorted.
    pub fn user_types(&mut self, schemas: &[&str]) -> Vec<String> {
        let s = schema_param(schemas);
        let mut v: Vec<String> = self
            .rows(USER_TYPES_SQL, &[&s])
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        v.sort();
        v
    }
}

const USER_TYPES_SQL: &str = "
select format('domain %I.%I %s not_null=%s default=%s collation=%s checks=[%s]',
         n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
         coalesce(t.typdefault, '-'), coalesce(c.collname, '-'),
         coalesce((select string_agg(k.conname || ': ' || pg_get_constraintdef(k.oid) ||
                                     case when k.convalidated then '' else ' (not validated)' end,
                                     ', ' order by k.conname)
                   from pg_constraint k where k.contypid = t.oid), ''))
  from pg_type t join pg_namespace n on n.oid = t.typnamespace
  left join pg_collation c on c.oid = t.typcollation and t.typcollation <> 100
 where t.typtype = 'd' and n.nspname = any($1)
union all
select format('type %I.%I (%s)', n.nspname, t.typname,
         (select string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod),
                            ', ' order by a.attname)
            from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped))
  from pg_type t join pg_namespace n on n.oid = t.typnamespace
  join pg_class r on r.oid = t.typrelid and r.relkind = 'c'
 where t.typtype = 'c' and n.nspname = any($1)
";

/// Terminate sessions on `name` and drop it; every error is ignored.
fn drop_database(admin_url: &str, name: &str) {
    let Ok(cfg) = admin_config(admin_url) else {
        return;
    };
    let Ok(mut admin) = cfg.connect(NoTls) else {
        return;
    };
    let _ = admin.execute(
        "select pg_terminate_backend(pid) from pg_stat_activity \
         where datname = $1 and pid <> pg_backend_pid()",
        &[&name],
    );
    let _ = admin.batch_execute(&format!(
        "drop database if exists {} with (force)",
        quote_ident(name)
    ));
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::env::var_os("SCHEMAC_KEEP_TEST_DB").is_some_and(|v| !v.is_empty() && v != "0") {
            eprintln!("SCHEMAC_KEEP_TEST_DB set: keeping database {}", self.name);
            return;
        }
        // Our own `client` is still open here (fields drop after this fn);
        // pg_terminate_backend / WITH (FORCE) disconnect it, and the client's
        // own Drop ignores the resulting error.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            drop_database(&self.admin_url, &self.name);
        }));
        let _ = result;
    }
}
