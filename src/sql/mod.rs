//! Typed SQL statements; `Display` writes PostgreSQL.
//!
//! Input: pieces of the resolved model. Output: one statement's text, ending with `;`.
//! Invariants: identifiers and literals are quoted only through [`ident`]; SQL fragments the user
//! wrote (defaults, checks, policies, bodies, queries) are copied verbatim (trimmed, with a trailing
//! `;` removed from queries) — never re-printed from a parse tree; every name is schema-qualified.

pub mod domains;
pub mod ident;

use std::fmt::{self, Display, Write as _};
use std::ops::Deref;

use ident::{dollar_quote, quote_ident, quote_literal};

use crate::ir::{
    Column, Deferrable, ForeignKey, Function, Identity, Index, NullsOrder, Partition,
    PartitionBound, Policy, QName, RoutineKind, SortOrder, Table, Trigger, TriggerTiming, View,
};

/// What a COMMENT ON is about.
#[derive(Debug, Clone, PartialEq)]
pub enum CommentTarget {
    /// COMMENT ON SCHEMA.
    Schema(String),
    /// COMMENT ON TYPE.
    Type(QName),
    /// COMMENT ON TABLE.
    Table(QName),
    /// COMMENT ON COLUMN.
    Column(QName, String),
    /// COMMENT ON VIEW / MATERIALIZED VIEW.
    View(QName, bool),
    /// COMMENT ON INDEX (index name, schema of its table).
    Index(QName),
    /// COMMENT ON POLICY … ON table.
    Policy(String, QName),
    /// COMMENT ON TRIGGER … ON table.
    Trigger(String, QName),
    /// COMMENT ON FUNCTION (with its identity signature).
    Function(String),
    /// COMMENT ON PROCEDURE (with its identity signature).
    Procedure(String),
    /// COMMENT ON ROLE.
    Role(String),
}

/// One `ALTER DEFAULT PRIVILEGES` statement: privileges (valid for `class`, checked by validate)
/// granted to or revoked from one role.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultPrivilege {
    /// `FOR ROLE`.
    pub for_role: Option<String>,
    /// `IN SCHEMA`.
    pub schema: Option<String>,
    /// GRANT (true) or REVOKE.
    pub grant: bool,
    /// Privileges, lower case (`all` as written).
    pub privileges: Vec<String>,
    /// The class of objects.
    pub class: crate::ir::default_privileges::ObjectClass,
    /// The grantee (`public` is PUBLIC).
    pub role: String,
}

impl DefaultPrivilege {
    /// The statement that undoes this one.
    pub fn inverse(&self) -> DefaultPrivilege {
        DefaultPrivilege {
            grant: !self.grant,
            ..self.clone()
        }
    }
}

/// Objects GRANT/REVOKE can name.
#[derive(Debug, Clone, PartialEq)]
pub enum GrantObject {
    /// ON TABLE (tables and views).
    Table(QName),
    /// ON FUNCTION signature.
    Function(String),
    /// ON PROCEDURE signature.
    Procedure(String),
    /// ON SCHEMA name.
    Schema(String),
}

/// A model object a statement writes (a table, an index, a policy, …): borrowed from the model
/// when the statement is planned straight from it, as every statement of a first migration is,
/// or owned when the planner made a changed copy (incremental migrations). Borrowing keeps the
/// first migration of a large model from copying the whole model; boxing keeps [`Stmt`] small.
#[derive(Debug)]
pub enum ModelObject<'a, T> {
    /// The model's own object.
    Model(&'a T),
    /// A copy the planner made.
    Owned(Box<T>),
}

impl<T> Deref for ModelObject<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            ModelObject::Model(t) => t,
            ModelObject::Owned(t) => t,
        }
    }
}

impl<T: Clone> Clone for ModelObject<'_, T> {
    fn clone(&self) -> Self {
        match self {
            ModelObject::Model(t) => ModelObject::Model(t),
            ModelObject::Owned(t) => ModelObject::Owned(t.clone()),
        }
    }
}

impl<T: PartialEq> PartialEq for ModelObject<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<'a, T> From<&'a T> for ModelObject<'a, T> {
    fn from(t: &'a T) -> Self {
        ModelObject::Model(t)
    }
}

impl<T> From<T> for ModelObject<'_, T> {
    fn from(t: T) -> Self {
        ModelObject::Owned(Box::new(t))
    }
}

impl<T> From<Box<T>> for ModelObject<'_, T> {
    fn from(t: Box<T>) -> Self {
        ModelObject::Owned(t)
    }
}

/// One SQL statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt<'a> {
    /// `SET LOCAL name = value`
    SetLocal(&'static str, String),
    /// `CREATE SCHEMA IF NOT EXISTS name`
    CreateSchema(String),
    /// `CREATE EXTENSION IF NOT EXISTS name [WITH SCHEMA s] [VERSION v]`
    CreateExtension {
        /// Extension.
        name: String,
        /// Schema.
        schema: Option<String>,
        /// Version.
        version: Option<String>,
    },
    /// `DO $$ … CREATE ROLE name NOLOGIN … $$` (roles are cluster-wide: created only if missing)
    CreateRole(String),
    /// `CREATE TYPE name AS ENUM (…)`
    CreateEnum(QName, Vec<String>),
    /// `CREATE FUNCTION …`
    CreateFunction(ModelObject<'a, Function>),
    /// `CREATE TABLE name (columns, constraints) [PARTITION BY …]`; FKs listed in `inline_fks`
    /// are written inside, the others are added later with [`Stmt::AddForeignKey`].
    CreateTable {
        /// The table.
        table: ModelObject<'a, Table>,
        /// Indexes into `table.foreign_keys` of the FKs written inline.
        inline_fks: Vec<usize>,
    },
    /// `CREATE TABLE name PARTITION OF parent FOR VALUES …`
    CreatePartition(QName, ModelObject<'a, Partition>),
    /// `ALTER TABLE t ADD CONSTRAINT … FOREIGN KEY …`
    AddForeignKey(QName, ModelObject<'a, ForeignKey>),
    /// `CREATE [UNIQUE] INDEX name ON t USING m (…) …`
    CreateIndex(QName, ModelObject<'a, Index>),
    /// `CREATE [MATERIALIZED] VIEW name … AS query`
    CreateView(ModelObject<'a, View>),
    /// `ALTER TABLE t ENABLE ROW LEVEL SECURITY`
    EnableRls(QName),
    /// `ALTER TABLE t FORCE ROW LEVEL SECURITY`
    ForceRls(QName),
    /// `CREATE POLICY name ON t AS … FOR … TO … USING (…) WITH CHECK (…)`
    CreatePolicy(QName, ModelObject<'a, Policy>),
    /// `CREATE TRIGGER name … ON t … EXECUTE FUNCTION f(args)`
    CreateTrigger(ModelObject<'a, Trigger>),
    /// `GRANT privileges ON object TO role`
    Grant(GrantObject, Vec<String>, String),
    /// `REVOKE privileges ON object FROM role`
    Revoke(GrantObject, Vec<String>, String),
    /// `ALTER PUBLICATION p ADD TABLE t`
    AddToPublication(String, QName),
    /// `ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] GRANT privileges ON class TO role`,
    /// or `REVOKE … FROM role` when `grant` is false
    AlterDefaultPrivileges(Box<DefaultPrivilege>),
    /// `COMMENT ON … IS '…'`
    Comment(CommentTarget, String),
    /// `ALTER TABLE t DROP CONSTRAINT name`
    DropConstraint(QName, String),
    /// `DROP TRIGGER name ON t`
    DropTrigger(String, QName),
    /// `DROP POLICY name ON t`
    DropPolicy(String, QName),
    /// `DROP [MATERIALIZED] VIEW name`
    DropView(QName, bool),
    /// `DROP TABLE name`
    DropTable(QName),
    /// `DROP FUNCTION signature`
    DropFunction(String),
    /// `DROP PROCEDURE signature`
    DropProcedure(String),
    /// `ALTER FUNCTION|PROCEDURE signature SET SCHEMA schema`
    SetRoutineSchema(RoutineKind, String, String),
    /// `ALTER FUNCTION|PROCEDURE signature RENAME TO name`
    RenameRoutine(RoutineKind, String, String),
    /// `DROP TYPE name`
    DropType(QName),
    /// `DROP EXTENSION name`
    DropExtension(String),
    /// `DROP SCHEMA name`
    DropSchema(String),
    /// `SET name = value` (session level, for files that run outside a transaction)
    Set(&'static str, String),
    /// `ALTER TABLE t SET SCHEMA s`
    SetTableSchema(QName, String),
    /// `ALTER TABLE t RENAME TO name`
    RenameTable(QName, String),
    /// `ALTER TABLE t RENAME COLUMN old TO new`
    RenameColumn(QName, String, String),
    /// `ALTER TYPE t SET SCHEMA s`
    SetTypeSchema(QName, String),
    /// `ALTER TYPE t RENAME TO name`
    RenameType(QName, String),
    /// `ALTER INDEX schema.old RENAME TO new`
    RenameIndex(QName, String),
    /// `ALTER TABLE t RENAME CONSTRAINT old TO new`
    RenameConstraint(QName, String, String),
    /// `ALTER POLICY old ON t RENAME TO new`
    RenamePolicy(QName, String, String),
    /// `ALTER TABLE t ADD COLUMN …`
    AddColumn(QName, ModelObject<'a, Column>),
    /// `ALTER TABLE t DROP COLUMN c`
    DropColumn(QName, String),
    /// `ALTER TABLE t ALTER COLUMN c TYPE type [USING expr]`
    AlterColumnType(QName, String, String, Option<String>),
    /// `ALTER TABLE t ALTER COLUMN c SET DEFAULT expr`
    SetDefault(QName, String, String),
    /// `ALTER TABLE t ALTER COLUMN c DROP DEFAULT`
    DropDefault(QName, String),
    /// `ALTER TABLE t ALTER COLUMN c SET NOT NULL`
    SetNotNull(QName, String),
    /// `ALTER TABLE t ALTER COLUMN c DROP NOT NULL`
    DropNotNull(QName, String),
    /// `ALTER TABLE t ALTER COLUMN c ADD GENERATED … AS IDENTITY`
    AddIdentity(QName, String, Identity),
    /// `ALTER TABLE t ALTER COLUMN c SET GENERATED …`
    SetIdentity(QName, String, Identity),
    /// `ALTER TABLE t ALTER COLUMN c DROP IDENTITY`
    DropIdentity(QName, String),
    /// `ALTER TABLE t ADD CONSTRAINT … [NOT VALID]` (primary key, unique, check or foreign key)
    AddConstraint(QName, Box<Constraint>, bool),
    /// `ALTER TABLE t VALIDATE CONSTRAINT name`
    ValidateConstraint(QName, String),
    /// `ALTER TABLE t DROP CONSTRAINT IF EXISTS name`
    DropConstraintIfExists(QName, String),
    /// `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS …`
    CreateIndexConcurrently(QName, ModelObject<'a, Index>),
    /// `DROP INDEX [CONCURRENTLY] [IF EXISTS] schema.name`
    DropIndex {
        /// The index (schema of its table).
        index: QName,
        /// CONCURRENTLY.
        concurrently: bool,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// `ALTER TABLE t DISABLE ROW LEVEL SECURITY`
    DisableRls(QName),
    /// `ALTER TABLE t NO FORCE ROW LEVEL SECURITY`
    NoForceRls(QName),
    /// `ALTER PUBLICATION p DROP TABLE t`
    DropFromPublication(String, QName),
    /// `COMMENT ON … IS NULL`
    CommentNull(CommentTarget),
    /// `CREATE OR REPLACE FUNCTION …`
    ReplaceFunction(ModelObject<'a, Function>),
    /// `ALTER TYPE t ADD VALUE 'v' [BEFORE|AFTER 'w']` (`Some((true, w))` is BEFORE w)
    AddEnumValue(QName, String, Option<(bool, String)>),
    /// `ALTER EXTENSION e UPDATE [TO 'v']`
    UpdateExtension(String, Option<String>),
    /// A Citus placement call (`SELECT create_distributed_table(…)` and friends).
    Citus(CitusCall),
    /// `ALTER TABLE t {ENABLE [REPLICA | ALWAYS] | DISABLE} TRIGGER name`
    SetTriggerEnabled(QName, String, crate::ir::replication::TriggerEnabled),
    /// `ALTER TABLE t REPLICA IDENTITY {DEFAULT | FULL | NOTHING | USING INDEX name}`
    SetReplicaIdentity(QName, crate::ir::replication::ReplicaIdentity),
    /// A statement on a domain or composite type.
    Type(domains::TypeStmt),
    /// A pg_cron call (`SELECT cron.schedule(…)` and friends).
    Cron(CronCall),
    /// A publication other than `supabase_realtime` (`CREATE`, `ALTER`, `DROP`, `COMMENT ON`).
    Publication(PublicationStmt),
    /// `INSERT INTO t (cols) [OVERRIDING SYSTEM VALUE] VALUES ('v'::type, …) ON CONFLICT (key)
    /// DO UPDATE SET col = EXCLUDED.col, … | DO NOTHING`: one declared row, idempotent.
    UpsertRow(Box<RowValues>),
    /// `DELETE FROM t WHERE k = 'v'::type AND …`: one declared row, by its key.
    DeleteRow(QName, Vec<SqlValue>),
    /// `SELECT setval(pg_get_serial_sequence('t', 'col'), …)`: an identity column's sequence
    /// moved past the largest value rows were inserted with.
    SyncIdentity(QName, String),
}

/// A table of a publication: name, column list (all when empty), row filter (validated as one
/// expression).
pub type PublishedTableSql = (QName, Vec<String>, Option<String>);

/// Statements on a publication.
#[derive(Debug, Clone, PartialEq)]
pub enum PublicationStmt {
    /// `CREATE PUBLICATION p [FOR TABLE t (cols) WHERE (…), …] WITH (publish = '…')`
    Create(String, Vec<PublishedTableSql>, Vec<String>),
    /// `ALTER PUBLICATION p SET TABLE t (cols) WHERE (…), …`
    SetTables(String, Vec<PublishedTableSql>),
    /// `ALTER PUBLICATION p DROP TABLE t, …`
    DropTables(String, Vec<QName>),
    /// `ALTER PUBLICATION p SET (publish = '…')`
    SetPublish(String, Vec<String>),
    /// `DROP PUBLICATION p`
    Drop(String),
    /// `COMMENT ON PUBLICATION p IS '…' | NULL`
    Comment(String, Option<String>),
}

fn write_published_tables(out: &mut String, tables: &[PublishedTableSql]) {
    for (i, (t, cols, filter)) in tables.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{t}");
        if !cols.is_empty() {
            let cols: Vec<String> = cols.iter().map(|c| quote_ident(c)).collect();
            let _ = write!(out, " ({})", cols.join(", "));
        }
        if let Some(f) = filter {
            let _ = write!(out, " WHERE ({})", f.trim());
        }
    }
}

fn write_publication(out: &mut String, stmt: &PublicationStmt) {
    match stmt {
        PublicationStmt::Create(name, tables, publish) => {
            let _ = write!(out, "CREATE PUBLICATION {}", quote_ident(name));
            if !tables.is_empty() {
                out.push_str(" FOR TABLE ");
                write_published_tables(out, tables);
            }
            let _ = write!(
                out,
                " WITH (publish = {})",
                quote_literal(&publish.join(", "))
            );
        }
        PublicationStmt::SetTables(name, tables) => {
            let _ = write!(out, "ALTER PUBLICATION {} SET TABLE ", quote_ident(name));
            write_published_tables(out, tables);
        }
        PublicationStmt::DropTables(name, tables) => {
            let names: Vec<String> = tables.iter().map(ToString::to_string).collect();
            let _ = write!(
                out,
                "ALTER PUBLICATION {} DROP TABLE {}",
                quote_ident(name),
                names.join(", ")
            );
        }
        PublicationStmt::SetPublish(name, publish) => {
            let _ = write!(
                out,
                "ALTER PUBLICATION {} SET (publish = {})",
                quote_ident(name),
                quote_literal(&publish.join(", "))
            );
        }
        PublicationStmt::Drop(name) => {
            let _ = write!(out, "DROP PUBLICATION {}", quote_ident(name));
        }
        PublicationStmt::Comment(name, text) => {
            let _ = write!(
                out,
                "COMMENT ON PUBLICATION {} IS {}",
                quote_ident(name),
                text.as_deref()
                    .map_or_else(|| "NULL".to_string(), quote_literal)
            );
        }
    }
}

/// A call to pg_cron's functions; every argument is a literal (job name, schedule, command).
#[derive(Debug, Clone, PartialEq)]
pub enum CronCall {
    /// `SELECT cron.schedule('name', 'schedule', 'command')`: creates the job, or changes the
    /// schedule and command of the job of that name and user.
    Schedule {
        /// Job name.
        name: String,
        /// Schedule.
        schedule: String,
        /// SQL to run.
        command: String,
    },
    /// `SELECT cron.unschedule('name')`
    Unschedule(String),
    /// `SELECT cron.alter_job(jobid, active => b) FROM cron.job WHERE jobname = 'name' AND
    /// username = current_user`: pauses or resumes the job.
    SetActive(String, bool),
}

fn write_cron(out: &mut String, call: &CronCall) {
    match call {
        CronCall::Schedule {
            name,
            schedule,
            command,
        } => {
            let _ = write!(
                out,
                "SELECT cron.schedule({}, {}, {})",
                quote_literal(name),
                quote_literal(schedule),
                quote_literal(command)
            );
        }
        CronCall::Unschedule(name) => {
            let _ = write!(out, "SELECT cron.unschedule({})", quote_literal(name));
        }
        CronCall::SetActive(name, active) => {
            let _ = write!(
                out,
                "SELECT cron.alter_job(jobid, active => {active}) FROM cron.job WHERE jobname = {} AND username = current_user",
                quote_literal(name)
            );
        }
    }
}

/// A value of a data row as SQL: its column, the literal's text (`None`: NULL) and the type it is
/// cast to. Written as a quoted literal with an explicit cast, never as SQL text.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlValue {
    /// Column name.
    pub column: String,
    /// The literal.
    pub literal: Literal,
    /// The column's type (`format_type()` text, validated as a type name).
    pub type_sql: String,
}

/// The value part of a [`SqlValue`].
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'::type`
    Text(String),
    /// `NULL::type`
    Null,
    /// `DEFAULT` (a column a changed row no longer gives: back to its default).
    Default,
}

/// One row to insert or update ([`Stmt::UpsertRow`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RowValues {
    /// The table.
    pub table: QName,
    /// The values, in column order.
    pub values: Vec<SqlValue>,
    /// The conflict target (the key's columns).
    pub key: Vec<String>,
    /// The row gives a value to a `GENERATED ALWAYS` identity column.
    pub overriding: bool,
}

/// Append `v` as SQL: `'text'::type`, `NULL::type` or `DEFAULT`.
pub fn write_value(out: &mut String, v: &SqlValue) {
    match &v.literal {
        Literal::Text(l) => {
            let _ = write!(out, "{}::{}", quote_literal(l), v.type_sql);
        }
        Literal::Null => {
            let _ = write!(out, "NULL::{}", v.type_sql);
        }
        Literal::Default => out.push_str("DEFAULT"),
    }
}

fn write_upsert(out: &mut String, r: &RowValues) {
    let cols: Vec<String> = r.values.iter().map(|v| quote_ident(&v.column)).collect();
    let _ = write!(out, "INSERT INTO {} ({})", r.table, cols.join(", "));
    if r.overriding {
        out.push_str(" OVERRIDING SYSTEM VALUE");
    }
    out.push_str(" VALUES (");
    for (i, v) in r.values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_value(out, v);
    }
    let key: Vec<String> = r.key.iter().map(|k| quote_ident(k)).collect();
    let _ = write!(out, ") ON CONFLICT ({})", key.join(", "));
    let set: Vec<String> = r
        .values
        .iter()
        .filter(|v| !r.key.contains(&v.column))
        .map(|v| {
            let c = quote_ident(&v.column);
            format!("{c} = EXCLUDED.{c}")
        })
        .collect();
    if set.is_empty() {
        out.push_str(" DO NOTHING");
    } else {
        let _ = write!(out, " DO UPDATE SET {}", set.join(", "));
    }
}

/// A call to one of Citus's table functions; the table is passed as a `regclass` literal of its
/// quoted, qualified name, the column as a literal of its name.
#[derive(Debug, Clone, PartialEq)]
pub enum CitusCall {
    /// `create_reference_table('t')`
    CreateReferenceTable(QName),
    /// `create_distributed_table('t', 'col', colocate_with => 'other' | 'none'
    /// [, shard_count => n])`; `colocate_with: None` starts a new co-location group.
    CreateDistributedTable {
        /// The table.
        table: QName,
        /// Distribution column.
        column: String,
        /// The table whose group it joins.
        colocate_with: Option<QName>,
        /// Shard count (only for a table that starts a group).
        shard_count: Option<u32>,
    },
    /// `undistribute_table('t')`: back to a local table.
    UndistributeTable(QName),
    /// `alter_distributed_table('t', distribution_column => 'col', colocate_with => …)`.
    AlterDistributedTable {
        /// The table.
        table: QName,
        /// New distribution column.
        column: String,
        /// The table whose group it joins (`None`: its own group).
        colocate_with: Option<QName>,
        /// New shard count.
        shard_count: Option<u32>,
    },
}

fn write_citus(out: &mut String, call: &CitusCall) {
    let rel = |q: &QName| quote_literal(&q.to_string());
    let group = |c: &Option<QName>| c.as_ref().map_or_else(|| "'none'".to_string(), rel);
    match call {
        CitusCall::CreateReferenceTable(t) => {
            let _ = write!(out, "SELECT create_reference_table({})", rel(t));
        }
        CitusCall::CreateDistributedTable {
            table,
            column,
            colocate_with,
            shard_count,
        } => {
            let _ = write!(
                out,
                "SELECT create_distributed_table({}, {}, colocate_with => {}",
                rel(table),
                quote_literal(column),
                group(colocate_with)
            );
            if let Some(n) = shard_count {
                let _ = write!(out, ", shard_count => {n}");
            }
            out.push(')');
        }
        CitusCall::UndistributeTable(t) => {
            let _ = write!(out, "SELECT undistribute_table({})", rel(t));
        }
        CitusCall::AlterDistributedTable {
            table,
            column,
            colocate_with,
            shard_count,
        } => {
            let _ = write!(
                out,
                "SELECT alter_distributed_table({}, distribution_column => {}, colocate_with => {}",
                rel(table),
                quote_literal(column),
                group(colocate_with)
            );
            if let Some(n) = shard_count {
                let _ = write!(out, ", shard_count => {n}");
            }
            out.push(')');
        }
    }
}

/// A table constraint added by `ALTER TABLE … ADD CONSTRAINT`.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    /// PRIMARY KEY.
    PrimaryKey(crate::ir::PrimaryKey),
    /// UNIQUE.
    Unique(crate::ir::Unique),
    /// CHECK.
    Check(crate::ir::Check),
    /// FOREIGN KEY.
    ForeignKey(ForeignKey),
    /// EXCLUDE.
    Exclude(crate::ir::exclude::Exclude),
}

fn write_constraint(out: &mut String, c: &Constraint) {
    match c {
        Constraint::PrimaryKey(pk) => {
            let cols: Vec<&str> = pk.columns.iter().map(|c| c.value.as_str()).collect();
            let _ = write!(
                out,
                "CONSTRAINT {} PRIMARY KEY ({})",
                quote_ident(&pk.name),
                columns_list(&cols)
            );
        }
        Constraint::Unique(u) => {
            let cols: Vec<&str> = u.columns.iter().map(|c| c.value.as_str()).collect();
            let _ = write!(
                out,
                "CONSTRAINT {} UNIQUE{} ({})",
                quote_ident(&u.name.value),
                if u.nulls_distinct {
                    ""
                } else {
                    " NULLS NOT DISTINCT"
                },
                columns_list(&cols)
            );
        }
        Constraint::Check(c) => {
            let _ = write!(
                out,
                "CONSTRAINT {} CHECK ({})",
                quote_ident(&c.name.value),
                fragment(&c.expr.value)
            );
        }
        Constraint::ForeignKey(fk) => write_fk(out, fk),
        Constraint::Exclude(x) => write_exclude(out, x),
    }
}

/// `CONSTRAINT name EXCLUDE USING method (col WITH op, (expr) WITH op) [WHERE (pred)]`: columns
/// quoted, expressions and the predicate as parsed fragments, operators checked as tokens at load.
fn write_exclude(out: &mut String, x: &crate::ir::exclude::Exclude) {
    let elements: Vec<String> = x
        .elements
        .iter()
        .map(|e| {
            let target = if e.expression {
                format!("({})", fragment(&e.target.value))
            } else {
                quote_ident(&e.target.value)
            };
            format!("{target} WITH {}", e.with.value)
        })
        .collect();
    let _ = write!(
        out,
        "CONSTRAINT {} EXCLUDE USING {} ({})",
        quote_ident(&x.name.value),
        quote_ident(&x.method),
        elements.join(", ")
    );
    if let Some(p) = &x.predicate {
        let _ = write!(out, " WHERE ({})", fragment(&p.value));
    }
    match x.deferrable {
        Deferrable::No => {}
        Deferrable::InitiallyImmediate => out.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        Deferrable::InitiallyDeferred => out.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
}

fn identity_sql(id: Identity) -> &'static str {
    match id {
        Identity::Always => "ALWAYS",
        Identity::ByDefault => "BY DEFAULT",
    }
}

fn columns_list(cols: &[impl AsRef<str>]) -> String {
    cols.iter()
        .map(|c| quote_ident(c.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn fragment(text: &str) -> &str {
    text.trim()
}

/// A query without trailing whitespace or `;`.
pub fn query_text(text: &str) -> &str {
    text.trim().trim_end_matches(';').trim_end()
}

/// `schema.name(argtype, …)` — the identity signature used by COMMENT, GRANT and DROP.
pub fn function_signature(f: &Function) -> String {
    let types: Vec<&str> = f
        .args
        .iter()
        .filter(|a| a.mode != crate::ir::ArgMode::Out)
        .map(|a| a.type_sql.as_str())
        .collect();
    format!("{}({})", f.name, types.join(", "))
}

/// `GRANT … ON FUNCTION|PROCEDURE signature` for a routine.
pub fn routine_grant_object(f: &Function) -> GrantObject {
    match f.kind {
        RoutineKind::Function => GrantObject::Function(function_signature(f)),
        RoutineKind::Procedure => GrantObject::Procedure(function_signature(f)),
    }
}

/// `COMMENT ON FUNCTION|PROCEDURE signature` for a routine.
pub fn routine_comment_target(f: &Function) -> CommentTarget {
    match f.kind {
        RoutineKind::Function => CommentTarget::Function(function_signature(f)),
        RoutineKind::Procedure => CommentTarget::Procedure(function_signature(f)),
    }
}

/// `DROP FUNCTION|PROCEDURE signature` for a routine.
pub fn drop_routine(f: &Function) -> Stmt<'static> {
    match f.kind {
        RoutineKind::Function => Stmt::DropFunction(function_signature(f)),
        RoutineKind::Procedure => Stmt::DropProcedure(function_signature(f)),
    }
}

fn write_column(out: &mut String, c: &Column) {
    let _ = write!(out, "{} {}", quote_ident(&c.name), c.type_sql);
    if let Some(id) = c.identity {
        out.push_str(match id {
            Identity::Always => " GENERATED ALWAYS AS IDENTITY",
            Identity::ByDefault => " GENERATED BY DEFAULT AS IDENTITY",
        });
    }
    if let Some(g) = &c.generated {
        let _ = write!(out, " GENERATED ALWAYS AS ({}) STORED", fragment(&g.value));
    }
    if let Some(d) = &c.default {
        let _ = write!(out, " DEFAULT {}", fragment(&d.value));
    }
    if !c.nullable {
        out.push_str(" NOT NULL");
    }
}

fn write_fk(out: &mut String, fk: &ForeignKey) {
    let cols: Vec<&str> = fk.columns.iter().map(|c| c.value.as_str()).collect();
    let target: Vec<&str> = fk.target_columns.iter().map(|c| c.value.as_str()).collect();
    let _ = write!(
        out,
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_ident(&fk.name.value),
        columns_list(&cols),
        fk.target,
        columns_list(&target)
    );
    if fk.on_update != crate::ir::FkAction::NoAction {
        let _ = write!(out, " ON UPDATE {}", fk.on_update.sql());
    }
    if fk.on_delete != crate::ir::FkAction::NoAction {
        let _ = write!(out, " ON DELETE {}", fk.on_delete.sql());
        if !fk.on_delete_columns.is_empty() {
            let set: Vec<&str> = fk
                .on_delete_columns
                .iter()
                .map(|c| c.value.as_str())
                .collect();
            let _ = write!(out, " ({})", columns_list(&set));
        }
    }
    match fk.deferrable {
        Deferrable::No => {}
        Deferrable::InitiallyImmediate => out.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        Deferrable::InitiallyDeferred => out.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
}

fn write_table(out: &mut String, t: &Table, inline_fks: &[usize]) {
    let _ = writeln!(out, "CREATE TABLE {} (", t.name);
    let mut items: Vec<String> = Vec::new();
    for c in t.columns.values() {
        let mut s = String::new();
        write_column(&mut s, c);
        items.push(s);
    }
    let mut constraint = |c: Constraint| {
        let mut s = String::new();
        write_constraint(&mut s, &c);
        items.push(s);
    };
    if let Some(pk) = &t.primary_key {
        constraint(Constraint::PrimaryKey(pk.clone()));
    }
    for u in &t.uniques {
        constraint(Constraint::Unique(u.clone()));
    }
    for c in &t.checks {
        constraint(Constraint::Check(c.clone()));
    }
    for x in &t.excludes {
        constraint(Constraint::Exclude(x.clone()));
    }
    for i in inline_fks {
        if let Some(fk) = t.foreign_keys.get(*i) {
            let mut s = String::new();
            write_fk(&mut s, fk);
            items.push(s);
        }
    }
    let _ = write!(out, "    {}\n)", items.join(",\n    "));
    if let Some(p) = &t.partition {
        let cols: Vec<&str> = p.columns.iter().map(|c| c.value.as_str()).collect();
        let _ = write!(
            out,
            " PARTITION BY {} ({})",
            p.by.to_ascii_uppercase(),
            columns_list(&cols)
        );
    }
}

/// The `CREATE INDEX` statement of `ix` on `table` as [`Stmt::CreateIndex`] displays it, without
/// the final `;` (for the documentation: no statement to build, no clone of the index).
pub fn create_index_text(table: &QName, ix: &Index) -> String {
    let mut out = String::new();
    write_index(&mut out, table, ix, false);
    out
}

fn write_index(out: &mut String, table: &QName, ix: &Index, concurrently: bool) {
    let keys: Vec<String> = ix
        .keys
        .iter()
        .map(|k| {
            let mut s = if k.expression {
                format!("({})", fragment(&k.target.value))
            } else {
                quote_ident(&k.target.value)
            };
            if let Some(c) = &k.collate {
                let _ = write!(s, " COLLATE {}", quote_ident(c));
            }
            if let Some(o) = &k.opclass {
                let _ = write!(s, " {o}");
            }
            match k.order {
                Some(SortOrder::Desc) => s.push_str(" DESC"),
                Some(SortOrder::Asc) => s.push_str(" ASC"),
                None => {}
            }
            match k.nulls {
                Some(NullsOrder::First) => s.push_str(" NULLS FIRST"),
                Some(NullsOrder::Last) => s.push_str(" NULLS LAST"),
                None => {}
            }
            s
        })
        .collect();
    let _ = write!(
        out,
        "CREATE {}INDEX {}{} ON {} USING {} ({})",
        if ix.unique { "UNIQUE " } else { "" },
        if concurrently {
            "CONCURRENTLY IF NOT EXISTS "
        } else {
            ""
        },
        quote_ident(&ix.name.value),
        table,
        ix.method,
        keys.join(", ")
    );
    if !ix.include.is_empty() {
        let cols: Vec<&str> = ix.include.iter().map(|c| c.value.as_str()).collect();
        let _ = write!(out, " INCLUDE ({})", columns_list(&cols));
    }
    if ix.nulls_not_distinct {
        out.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(p) = &ix.predicate {
        let _ = write!(out, " WHERE {}", fragment(&p.value));
    }
}

/// `schema.name(arg type DEFAULT …, OUT x type)` — the declaration used in CREATE FUNCTION (and
/// shown in the docs).
pub fn function_declaration(f: &Function) -> String {
    let args: Vec<String> = f
        .args
        .iter()
        .map(|a| {
            let mut s = String::new();
            match a.mode {
                crate::ir::ArgMode::In => {}
                crate::ir::ArgMode::Out => s.push_str("OUT "),
                crate::ir::ArgMode::Inout => s.push_str("INOUT "),
                crate::ir::ArgMode::Variadic => s.push_str("VARIADIC "),
            }
            if !a.name.is_empty() {
                let _ = write!(s, "{} ", quote_ident(&a.name));
            }
            s.push_str(&a.type_sql);
            if let Some(d) = &a.default {
                let _ = write!(s, " DEFAULT {}", d.trim());
            }
            s
        })
        .collect();
    format!("{}({})", f.name, args.join(", "))
}

fn write_function(out: &mut String, f: &Function, or_replace: bool) {
    let _ = writeln!(
        out,
        "CREATE {}{} {}",
        if or_replace { "OR REPLACE " } else { "" },
        f.kind.sql(),
        function_declaration(f)
    );
    if f.kind == RoutineKind::Procedure {
        // A procedure has no result, volatility, STRICT, LEAKPROOF or PARALLEL (load refuses
        // them, E339).
        let _ = write!(out, "    LANGUAGE {}", quote_ident(&f.language));
        if f.security_definer {
            out.push_str("\n    SECURITY DEFINER");
        }
        write_search_path(out, f);
        let _ = write!(out, "\nAS {}", dollar_quote(&f.body.value));
        return;
    }
    let _ = writeln!(out, "    RETURNS {}", f.returns.value.trim());
    let _ = write!(out, "    LANGUAGE {}", quote_ident(&f.language));
    let _ = write!(out, "\n    {}", f.volatility.to_ascii_uppercase());
    if f.strict {
        out.push_str("\n    STRICT");
    }
    if f.leakproof {
        out.push_str("\n    LEAKPROOF");
    }
    if f.security_definer {
        out.push_str("\n    SECURITY DEFINER");
    }
    if let Some(p) = &f.parallel {
        let _ = write!(out, "\n    PARALLEL {}", p.to_ascii_uppercase());
    }
    write_search_path(out, f);
    let _ = write!(out, "\nAS {}", dollar_quote(&f.body.value));
}

fn write_search_path(out: &mut String, f: &Function) {
    if let Some(path) = &f.search_path {
        if path.is_empty() {
            out.push_str("\n    SET search_path = ''");
        } else {
            let _ = write!(out, "\n    SET search_path = {}", columns_list(path));
        }
    }
}

fn write_policy(out: &mut String, table: &QName, p: &Policy) {
    let roles: Vec<String> = if p.roles.is_empty() {
        vec!["PUBLIC".to_string()]
    } else {
        p.roles
            .iter()
            .map(|r| {
                if r.value == "public" {
                    "PUBLIC".to_string()
                } else {
                    quote_ident(&r.value)
                }
            })
            .collect()
    };
    let _ = write!(
        out,
        "CREATE POLICY {} ON {}\n    AS {}\n    FOR {}\n    TO {}",
        quote_ident(&p.name),
        table,
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command.sql(),
        roles.join(", ")
    );
    if let Some(u) = &p.using {
        let _ = write!(out, "\n    USING ({})", fragment(&u.value));
    }
    if let Some(w) = &p.with_check {
        let _ = write!(out, "\n    WITH CHECK ({})", fragment(&w.value));
    }
}

fn write_trigger(out: &mut String, t: &Trigger) {
    let timing = match t.timing {
        TriggerTiming::Before => "BEFORE",
        TriggerTiming::After => "AFTER",
        TriggerTiming::InsteadOf => "INSTEAD OF",
    };
    let events: Vec<String> = t
        .events
        .iter()
        .map(|e| {
            if e == "update" && !t.of_columns.is_empty() {
                let cols: Vec<&str> = t.of_columns.iter().map(|c| c.value.as_str()).collect();
                format!("UPDATE OF {}", columns_list(&cols))
            } else {
                e.to_ascii_uppercase()
            }
        })
        .collect();
    let _ = write!(
        out,
        "CREATE TRIGGER {} {} {} ON {}\n    FOR EACH {}",
        quote_ident(&t.name),
        timing,
        events.join(" OR "),
        t.table,
        if t.for_each_row { "ROW" } else { "STATEMENT" }
    );
    if let Some(w) = &t.when {
        let _ = write!(out, "\n    WHEN ({})", fragment(&w.value));
    }
    let args: Vec<String> = t.args.iter().map(|a| quote_literal(a)).collect();
    let _ = write!(
        out,
        "\n    EXECUTE FUNCTION {}({})",
        t.function,
        args.join(", ")
    );
}

fn role_sql(role: &str) -> String {
    if role == "public" {
        "PUBLIC".to_string()
    } else {
        quote_ident(role)
    }
}

impl Display for GrantObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantObject::Table(q) => write!(f, "TABLE {q}"),
            GrantObject::Function(sig) => write!(f, "FUNCTION {sig}"),
            GrantObject::Procedure(sig) => write!(f, "PROCEDURE {sig}"),
            GrantObject::Schema(name) => write!(f, "SCHEMA {}", quote_ident(name)),
        }
    }
}

impl Display for CommentTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommentTarget::Schema(s) => write!(f, "SCHEMA {}", quote_ident(s)),
            CommentTarget::Type(q) => write!(f, "TYPE {q}"),
            CommentTarget::Table(q) => write!(f, "TABLE {q}"),
            CommentTarget::Column(q, c) => write!(f, "COLUMN {q}.{}", quote_ident(c)),
            CommentTarget::View(q, true) => write!(f, "MATERIALIZED VIEW {q}"),
            CommentTarget::View(q, false) => write!(f, "VIEW {q}"),
            CommentTarget::Index(q) => write!(f, "INDEX {q}"),
            CommentTarget::Policy(p, t) => write!(f, "POLICY {} ON {t}", quote_ident(p)),
            CommentTarget::Trigger(p, t) => write!(f, "TRIGGER {} ON {t}", quote_ident(p)),
            CommentTarget::Function(sig) => write!(f, "FUNCTION {sig}"),
            CommentTarget::Procedure(sig) => write!(f, "PROCEDURE {sig}"),
            CommentTarget::Role(r) => write!(f, "ROLE {}", quote_ident(r)),
        }
    }
}

impl Display for Stmt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_sql(&mut out);
        f.write_str(&out)
    }
}

impl Stmt<'_> {
    /// Append the statement's SQL, with its closing `;`, to `out` (what `Display` writes; a
    /// migration file is rendered this way into one `String`, without a `String` per statement).
    pub fn write_sql(&self, out: &mut String) {
        match self {
            Stmt::SetLocal(name, value) => {
                let _ = write!(out, "SET LOCAL {name} = {value}");
            }
            Stmt::CreateSchema(s) => {
                let _ = write!(out, "CREATE SCHEMA IF NOT EXISTS {}", quote_ident(s));
            }
            Stmt::CreateExtension {
                name,
                schema,
                version,
            } => {
                let _ = write!(out, "CREATE EXTENSION IF NOT EXISTS {}", quote_ident(name));
                if let Some(s) = schema {
                    let _ = write!(out, " WITH SCHEMA {}", quote_ident(s));
                }
                if let Some(v) = version {
                    let _ = write!(out, " VERSION {}", quote_literal(v));
                }
            }
            Stmt::CreateRole(r) => {
                // The block is dollar-quoted like a body: a role name may hold `$$`.
                let block = format!(
                    "\nBEGIN\n    CREATE ROLE {} NOLOGIN;\nEXCEPTION WHEN duplicate_object OR unique_violation THEN\n    NULL; -- roles are cluster-wide: keep an existing one\nEND\n",
                    quote_ident(r)
                );
                let _ = write!(out, "DO {}", dollar_quote(&block));
            }
            Stmt::CreateEnum(q, values) => {
                let vals: Vec<String> = values.iter().map(|v| quote_literal(v)).collect();
                let _ = write!(out, "CREATE TYPE {q} AS ENUM ({})", vals.join(", "));
            }
            Stmt::CreateFunction(func) => write_function(out, func, false),
            Stmt::ReplaceFunction(func) => write_function(out, func, true),
            Stmt::CreateTable { table, inline_fks } => write_table(out, table, inline_fks),
            Stmt::CreatePartition(parent, p) => {
                let bound = match &p.bound {
                    PartitionBound::Range { from, to } => {
                        format!(
                            "FOR VALUES FROM ({}) TO ({})",
                            from.join(", "),
                            to.join(", ")
                        )
                    }
                    PartitionBound::List { values } => {
                        format!("FOR VALUES IN ({})", values.join(", "))
                    }
                    PartitionBound::Hash { modulus, remainder } => {
                        format!("FOR VALUES WITH (MODULUS {modulus}, REMAINDER {remainder})")
                    }
                    PartitionBound::Default => "DEFAULT".to_string(),
                };
                let _ = write!(
                    out,
                    "CREATE TABLE {} PARTITION OF {parent}\n    {bound}",
                    p.name
                );
            }
            Stmt::AddForeignKey(t, fk) => {
                let _ = write!(out, "ALTER TABLE {t}\n    ADD ");
                write_fk(out, fk);
            }
            Stmt::CreateIndex(t, ix) => write_index(out, t, ix, false),
            Stmt::CreateIndexConcurrently(t, ix) => write_index(out, t, ix, true),
            Stmt::CreateView(v) => {
                if v.materialized {
                    let _ = write!(
                        out,
                        "CREATE MATERIALIZED VIEW {} AS\n{}\nWITH DATA",
                        v.name,
                        query_text(&v.query.value)
                    );
                } else {
                    let opts = if v.security_invoker {
                        " WITH (security_invoker = true)"
                    } else {
                        ""
                    };
                    let _ = write!(
                        out,
                        "CREATE VIEW {}{opts} AS\n{}",
                        v.name,
                        query_text(&v.query.value)
                    );
                }
            }
            Stmt::EnableRls(t) => {
                let _ = write!(out, "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY");
            }
            Stmt::ForceRls(t) => {
                let _ = write!(out, "ALTER TABLE {t} FORCE ROW LEVEL SECURITY");
            }
            Stmt::CreatePolicy(t, p) => write_policy(out, t, p),
            Stmt::CreateTrigger(t) => write_trigger(out, t),
            Stmt::Grant(obj, privs, role) => {
                let _ = write!(
                    out,
                    "GRANT {} ON {obj} TO {}",
                    privs.join(", ").to_ascii_uppercase(),
                    role_sql(role)
                );
            }
            Stmt::Revoke(obj, privs, role) => {
                let _ = write!(
                    out,
                    "REVOKE {} ON {obj} FROM {}",
                    privs.join(", ").to_ascii_uppercase(),
                    role_sql(role)
                );
            }
            Stmt::AddToPublication(p, t) => {
                let _ = write!(out, "ALTER PUBLICATION {} ADD TABLE {t}", quote_ident(p));
            }
            Stmt::AlterDefaultPrivileges(dp) => {
                out.push_str("ALTER DEFAULT PRIVILEGES");
                if let Some(r) = &dp.for_role {
                    let _ = write!(out, " FOR ROLE {}", quote_ident(r));
                }
                if let Some(s) = &dp.schema {
                    let _ = write!(out, " IN SCHEMA {}", quote_ident(s));
                }
                let (verb, to) = if dp.grant {
                    ("GRANT", "TO")
                } else {
                    ("REVOKE", "FROM")
                };
                let _ = write!(
                    out,
                    " {verb} {} ON {} {to} {}",
                    dp.privileges.join(", ").to_ascii_uppercase(),
                    dp.class.sql(),
                    role_sql(&dp.role)
                );
            }
            Stmt::Comment(target, text) => {
                let _ = write!(out, "COMMENT ON {target} IS {}", quote_literal(text));
            }
            Stmt::DropConstraint(t, c) => {
                let _ = write!(out, "ALTER TABLE {t} DROP CONSTRAINT {}", quote_ident(c));
            }
            Stmt::DropPolicy(n, t) => {
                let _ = write!(out, "DROP POLICY {} ON {t}", quote_ident(n));
            }
            Stmt::DropTrigger(n, t) => {
                let _ = write!(out, "DROP TRIGGER {} ON {t}", quote_ident(n));
            }
            Stmt::DropView(q, m) => {
                let _ = write!(
                    out,
                    "DROP {}VIEW {q}",
                    if *m { "MATERIALIZED " } else { "" }
                );
            }
            Stmt::DropTable(q) => {
                let _ = write!(out, "DROP TABLE {q}");
            }
            Stmt::DropFunction(sig) => {
                let _ = write!(out, "DROP FUNCTION {sig}");
            }
            Stmt::DropProcedure(sig) => {
                let _ = write!(out, "DROP PROCEDURE {sig}");
            }
            Stmt::SetRoutineSchema(kind, sig, schema) => {
                let _ = write!(
                    out,
                    "ALTER {} {sig} SET SCHEMA {}",
                    kind.sql(),
                    quote_ident(schema)
                );
            }
            Stmt::RenameRoutine(kind, sig, name) => {
                let _ = write!(
                    out,
                    "ALTER {} {sig} RENAME TO {}",
                    kind.sql(),
                    quote_ident(name)
                );
            }
            Stmt::DropType(q) => {
                let _ = write!(out, "DROP TYPE {q}");
            }
            Stmt::DropExtension(e) => {
                let _ = write!(out, "DROP EXTENSION IF EXISTS {}", quote_ident(e));
            }
            Stmt::DropSchema(s) => {
                let _ = write!(out, "DROP SCHEMA {}", quote_ident(s));
            }
            Stmt::Set(name, value) => {
                let _ = write!(out, "SET {name} = {value}");
            }
            Stmt::SetTableSchema(t, s) => {
                let _ = write!(out, "ALTER TABLE {t} SET SCHEMA {}", quote_ident(s));
            }
            Stmt::RenameTable(t, n) => {
                let _ = write!(out, "ALTER TABLE {t} RENAME TO {}", quote_ident(n));
            }
            Stmt::RenameColumn(t, a, b) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} RENAME COLUMN {} TO {}",
                    quote_ident(a),
                    quote_ident(b)
                );
            }
            Stmt::SetTypeSchema(t, s) => {
                let _ = write!(out, "ALTER TYPE {t} SET SCHEMA {}", quote_ident(s));
            }
            Stmt::RenameType(t, n) => {
                let _ = write!(out, "ALTER TYPE {t} RENAME TO {}", quote_ident(n));
            }
            Stmt::RenameIndex(ix, n) => {
                let _ = write!(out, "ALTER INDEX {ix} RENAME TO {}", quote_ident(n));
            }
            Stmt::RenameConstraint(t, a, b) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} RENAME CONSTRAINT {} TO {}",
                    quote_ident(a),
                    quote_ident(b)
                );
            }
            Stmt::RenamePolicy(t, a, b) => {
                let _ = write!(
                    out,
                    "ALTER POLICY {} ON {t} RENAME TO {}",
                    quote_ident(a),
                    quote_ident(b)
                );
            }
            Stmt::AddColumn(t, c) => {
                let _ = write!(out, "ALTER TABLE {t}\n    ADD COLUMN ");
                write_column(out, c);
            }
            Stmt::DropColumn(t, c) => {
                let _ = write!(out, "ALTER TABLE {t} DROP COLUMN {}", quote_ident(c));
            }
            Stmt::AlterColumnType(t, c, ty, using) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t}\n    ALTER COLUMN {} TYPE {ty}",
                    quote_ident(c)
                );
                if let Some(u) = using {
                    let _ = write!(out, " USING {}", fragment(u));
                }
            }
            Stmt::SetDefault(t, c, d) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} ALTER COLUMN {} SET DEFAULT {}",
                    quote_ident(c),
                    fragment(d)
                );
            }
            Stmt::DropDefault(t, c) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} ALTER COLUMN {} DROP DEFAULT",
                    quote_ident(c)
                );
            }
            Stmt::SetNotNull(t, c) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} ALTER COLUMN {} SET NOT NULL",
                    quote_ident(c)
                );
            }
            Stmt::DropNotNull(t, c) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} ALTER COLUMN {} DROP NOT NULL",
                    quote_ident(c)
                );
            }
            Stmt::AddIdentity(t, c, id) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} ALTER COLUMN {} ADD GENERATED {} AS IDENTITY",
                    quote_ident(c),
                    identity_sql(*id)
                );
            }
            Stmt::SetIdentity(t, c, id) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} ALTER COLUMN {} SET GENERATED {}",
                    quote_ident(c),
                    identity_sql(*id)
                );
            }
            Stmt::DropIdentity(t, c) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} ALTER COLUMN {} DROP IDENTITY IF EXISTS",
                    quote_ident(c)
                );
            }
            Stmt::AddConstraint(t, c, not_valid) => {
                let _ = write!(out, "ALTER TABLE {t}\n    ADD ");
                write_constraint(out, c);
                if *not_valid {
                    out.push_str(" NOT VALID");
                }
            }
            Stmt::ValidateConstraint(t, c) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} VALIDATE CONSTRAINT {}",
                    quote_ident(c)
                );
            }
            Stmt::DropConstraintIfExists(t, c) => {
                let _ = write!(
                    out,
                    "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {}",
                    quote_ident(c)
                );
            }
            Stmt::DropIndex {
                index,
                concurrently,
                if_exists,
            } => {
                let _ = write!(
                    out,
                    "DROP INDEX {}{}{index}",
                    if *concurrently { "CONCURRENTLY " } else { "" },
                    if *if_exists { "IF EXISTS " } else { "" }
                );
            }
            Stmt::DisableRls(t) => {
                let _ = write!(out, "ALTER TABLE {t} DISABLE ROW LEVEL SECURITY");
            }
            Stmt::NoForceRls(t) => {
                let _ = write!(out, "ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY");
            }
            Stmt::DropFromPublication(p, t) => {
                let _ = write!(out, "ALTER PUBLICATION {} DROP TABLE {t}", quote_ident(p));
            }
            Stmt::CommentNull(target) => {
                let _ = write!(out, "COMMENT ON {target} IS NULL");
            }
            Stmt::AddEnumValue(t, v, position) => {
                let _ = write!(
                    out,
                    "ALTER TYPE {t} ADD VALUE IF NOT EXISTS {}",
                    quote_literal(v)
                );
                if let Some((before, other)) = position {
                    let _ = write!(
                        out,
                        " {} {}",
                        if *before { "BEFORE" } else { "AFTER" },
                        quote_literal(other)
                    );
                }
            }
            Stmt::UpdateExtension(e, v) => {
                let _ = write!(out, "ALTER EXTENSION {} UPDATE", quote_ident(e));
                if let Some(v) = v {
                    let _ = write!(out, " TO {}", quote_literal(v));
                }
            }
            Stmt::Citus(call) => write_citus(out, call),
            Stmt::SetTriggerEnabled(t, n, e) => {
                use crate::ir::replication::TriggerEnabled as E;
                let how = match e {
                    E::Origin => "ENABLE",
                    E::Disabled => "DISABLE",
                    E::Replica => "ENABLE REPLICA",
                    E::Always => "ENABLE ALWAYS",
                };
                let _ = write!(out, "ALTER TABLE {t} {how} TRIGGER {}", quote_ident(n));
            }
            Stmt::SetReplicaIdentity(t, r) => {
                use crate::ir::replication::ReplicaIdentity as R;
                let _ = write!(out, "ALTER TABLE {t} REPLICA IDENTITY ");
                match r {
                    R::Default => out.push_str("DEFAULT"),
                    R::Full => out.push_str("FULL"),
                    R::Nothing => out.push_str("NOTHING"),
                    R::Index(i) => {
                        let _ = write!(out, "USING INDEX {}", quote_ident(&i.value));
                    }
                }
            }
            Stmt::Type(t) => t.write_sql(out),
            Stmt::Cron(call) => write_cron(out, call),
            Stmt::Publication(p) => write_publication(out, p),
            Stmt::UpsertRow(r) => write_upsert(out, r),
            Stmt::DeleteRow(t, key) => {
                let _ = write!(out, "DELETE FROM {t} WHERE ");
                for (i, v) in key.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" AND ");
                    }
                    let _ = write!(out, "{} = ", quote_ident(&v.column));
                    write_value(out, v);
                }
            }
            Stmt::SyncIdentity(t, col) => {
                let _ = write!(
                    out,
                    "SELECT setval(pg_get_serial_sequence({}, {}), coalesce((SELECT max({}) FROM {t}), 0) + 1, false)",
                    quote_literal(&t.to_string()),
                    quote_literal(col),
                    quote_ident(col)
                );
            }
        }
        out.push(';');
    }
}
