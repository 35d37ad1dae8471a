//! Diff: the previous model (from the committed snapshot) and the new one → the change list and
//! the statements of the next migration, its optional non-transactional follow-up and its down
//! migration.
//!
//! Input: two resolved models — `old` deserialized from `schema.snapshot.json`, `new` freshly
//! compiled — and the new model's [`MigrationSettings`]. Output: [`Incremental`]: every
//! [`Change`] (what `schemac plan --format json` prints and the SC6xx rules read), the
//! transactional migration, and, when a safe strategy needs statements that cannot run inside a
//! transaction (`CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT` after `NOT VALID`), a second,
//! non-transactional migration. Invariants: renames come only from `renamed_from:`
//! ([`renames`]); statements are ordered by phase (new schemas, renames, drops of dependants,
//! drops, creates in dependency order, alterations, dependants again, privileges, comments, late
//! drops) and within a phase by table order and name, so output is deterministic; objects that
//! depend on a function dropped and created again (triggers, policies, views, defaults, checks
//! calling it by name) go before the drop and come back after the create, and so do generated
//! columns (with their indexes) around a type change of a column they read; an enum value is added
//! with `ADD VALUE` only when the migration does not use it at once (otherwise the type is
//! rebuilt); the down migration is the diff from `new` back to `old` with the renames inverted,
//! every strategy off and every drop of an index or constraint written `IF EXISTS` (so it works
//! whether or not the follow-up file ran).

pub mod renames;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::ir::graph::table_order;
use crate::ir::{
    Column, Function, Index, MigrationSettings, Model, Policy, Preset, Privileges, QName, Table,
    View,
};
use crate::plan::{Migration, Step, sort_policies, view_order};
use crate::source::Span;
use crate::sql::{CommentTarget, Constraint, GrantObject, Stmt, function_signature};

pub use renames::Renames;

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A schema is created.
    CreateSchema,
    /// A schema is dropped.
    DropSchema,
    /// An extension is created.
    CreateExtension,
    /// An extension is dropped.
    DropExtension,
    /// An extension's pinned version changes.
    UpdateExtension,
    /// A role is created (never dropped).
    CreateRole,
    /// An enum type is created.
    CreateEnum,
    /// An enum type is dropped.
    DropEnum,
    /// An enum type is renamed.
    RenameEnum,
    /// Values are added to an enum type.
    AddEnumValue,
    /// Enum values are removed or reordered: the type is rebuilt and its columns converted.
    RebuildEnum,
    /// A function is created.
    CreateFunction,
    /// A function is dropped.
    DropFunction,
    /// A function is replaced in place (CREATE OR REPLACE).
    ReplaceFunction,
    /// A function is dropped and created again (its signature changed).
    RecreateFunction,
    /// A table is created.
    CreateTable,
    /// A table is dropped.
    DropTable,
    /// A table is renamed (or moved to another schema).
    RenameTable,
    /// A table's partitioning changed: it is dropped and created again.
    RecreateTable,
    /// A partition is created.
    CreatePartition,
    /// A partition is dropped.
    DropPartition,
    /// A column is added.
    AddColumn,
    /// A column is dropped.
    DropColumn,
    /// A column is renamed.
    RenameColumn,
    /// A column's type changes.
    AlterColumnType,
    /// A column's default changes.
    AlterColumnDefault,
    /// A column becomes NOT NULL.
    SetNotNull,
    /// A column becomes nullable.
    DropNotNull,
    /// A column's identity changes.
    AlterColumnIdentity,
    /// A generated column's expression changes (the column is dropped and added again).
    RecreateGeneratedColumn,
    /// A primary key, unique, check or foreign key constraint is added.
    AddConstraint,
    /// A constraint is dropped.
    DropConstraint,
    /// A constraint is renamed (same definition, new name).
    RenameConstraint,
    /// An index is created.
    CreateIndex,
    /// An index is dropped.
    DropIndex,
    /// An index is renamed.
    RenameIndex,
    /// Row level security is enabled.
    EnableRls,
    /// Row level security is disabled.
    DisableRls,
    /// FORCE ROW LEVEL SECURITY is switched on.
    ForceRls,
    /// FORCE ROW LEVEL SECURITY is switched off.
    NoForceRls,
    /// A policy is created.
    CreatePolicy,
    /// A policy is dropped.
    DropPolicy,
    /// A policy's definition changes (dropped and created again).
    AlterPolicy,
    /// A policy is renamed.
    RenamePolicy,
    /// A trigger is created.
    CreateTrigger,
    /// A trigger is dropped.
    DropTrigger,
    /// A trigger's definition changes (dropped and created again).
    ReplaceTrigger,
    /// A view is created.
    CreateView,
    /// A view is dropped.
    DropView,
    /// A view is dropped and created again (its definition, or something it reads, changed).
    RecreateView,
    /// Privileges are granted.
    Grant,
    /// Privileges are revoked.
    Revoke,
    /// A table joins the Realtime publication.
    AddToPublication,
    /// A table leaves the Realtime publication.
    DropFromPublication,
    /// A description (COMMENT ON) changes.
    Comment,
}

/// One change between the models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What kind.
    pub kind: ChangeKind,
    /// The object's dotted path (`public.orders.status`).
    pub object: String,
    /// What changes, for people (`text → bigint`).
    pub detail: String,
    /// The change is to a table that existed before (rules about locking and rewriting apply).
    pub on_existing_table: bool,
    /// The safe strategy used, if any (`concurrently`, `not valid, then validate`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<&'static str>,
    /// Where the object is declared in the new model (default for dropped objects).
    #[serde(skip)]
    pub span: Span,
    /// Facts the SC6xx rules read.
    #[serde(skip)]
    pub facts: Facts,
}

/// Facts about a change that the migration-safety rules need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// An added column is NOT NULL without a default (or identity/generated).
    pub required_without_default: bool,
    /// An added column's default calls a volatile function.
    pub volatile_default: bool,
    /// A type change: (old type, new type).
    pub types: Option<(String, String)>,
    /// The constraint kind added (`primary key`, `unique`, `check`, `foreign key`).
    pub constraint: Option<&'static str>,
    /// Enum values removed (rebuild) or inserted before the end (add value).
    pub enum_values: Vec<String>,
    /// Enum values were reordered (rebuild).
    pub enum_reordered: bool,
    /// How access is weakened, if it is.
    pub weakens_access: Option<String>,
}

/// The next migration: changes, statements, and the optional non-transactional follow-up.
#[derive(Debug, Clone, Default)]
pub struct Incremental {
    /// Every change, in statement order.
    pub changes: Vec<Change>,
    /// The transactional migration (up and down).
    pub main: Migration<'static>,
    /// Statements that must run outside a transaction, after `main`, with their down file.
    pub online: Option<Migration<'static>>,
}

impl Incremental {
    /// Whether the models are the same (nothing to migrate).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Order of statements within a migration. Within a phase, statements keep emission order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// Order matters: a table or enum renamed into a new schema needs the schema first.
    CreateSchema,
    Rename,
    DropView,
    DropTrigger,
    DropPolicy,
    DropPublication,
    DropForeignKey,
    DropConstraint,
    DropIndex,
    DropColumn,
    DropLateFunction,
    DropTable,
    DropFunction,
    CreateExtension,
    CreateRole,
    Enum,
    CreateFunction,
    CreateTable,
    AlterColumn,
    AddConstraint,
    AddForeignKey,
    CreateLateFunction,
    CreateIndex,
    CreateView,
    CreateTrigger,
    Rls,
    Privileges,
    Publication,
    Comments,
    DropEnum,
    DropExtension,
    DropSchema,
}

struct Entry {
    phase: Phase,
    online: bool,
    comment: String,
    stmts: Vec<Stmt<'static>>,
}

/// Builds the change list and the statements.
struct Differ<'a> {
    old: &'a Model,
    new: &'a Model,
    settings: Strategies,
    down: bool,
    changes: Vec<Change>,
    entries: Vec<Entry>,
    /// Tables (new names) whose column types change: their views and policies are recreated.
    retyped_tables: BTreeSet<QName>,
    /// Functions dropped and created again: triggers calling them are recreated.
    recreated_functions: BTreeSet<QName>,
    /// Statements the down migration runs first (temporary checks of the follow-up file).
    cleanup: Vec<Stmt<'static>>,
}

/// Which safe strategies apply.
#[derive(Debug, Clone, Copy)]
struct Strategies {
    concurrent_indexes: bool,
    not_valid_constraints: bool,
    not_null_via_check: bool,
}

impl Strategies {
    fn of(s: &MigrationSettings) -> Self {
        Strategies {
            concurrent_indexes: s.concurrent_indexes,
            not_valid_constraints: s.not_valid_constraints,
            not_null_via_check: s.not_null_via_check,
        }
    }

    const OFF: Strategies = Strategies {
        concurrent_indexes: false,
        not_valid_constraints: false,
        not_null_via_check: false,
    };
}

fn dotted(q: &QName) -> String {
    format!("{}.{}", q.schema, q.name)
}

fn trimmed(s: &Option<crate::ir::Sp<String>>) -> Option<&str> {
    s.as_ref().map(|x| x.value.trim())
}

/// Functions whose result changes between calls: a default calling one rewrites the table.
const VOLATILE: &[&str] = &[
    "gen_random_uuid",
    "uuid_generate_v4",
    "uuid_generate_v1",
    "random",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
];

fn is_volatile(expr: &str) -> bool {
    let lower = expr.to_ascii_lowercase();
    VOLATILE.iter().any(|f| {
        lower.match_indices(f).any(|(i, _)| {
            lower
                .get(i + f.len()..)
                .is_some_and(|r| r.trim_start().starts_with('('))
        })
    })
}

/// Type changes PostgreSQL does without rewriting the table.
/// Whether changing a column from `from` to `to` keeps the table's bytes (no rewrite).
pub fn binary_coercible(from: &str, to: &str) -> bool {
    let base = |t: &str| t.split('(').next().unwrap_or(t).trim().to_string();
    let len = |t: &str| -> Option<u32> {
        t.split_once('(')
            .and_then(|(_, r)| r.trim_end_matches(')').split(',').next())
            .and_then(|n| n.trim().parse().ok())
    };
    let (bf, bt) = (base(from), base(to));
    match (bf.as_str(), bt.as_str()) {
        ("character varying", "text") | ("character varying", "character varying") => {
            bt == "text" || len(to).is_none() || len(from).zip(len(to)).is_some_and(|(a, b)| b >= a)
        }
        ("numeric", "numeric") => len(to).is_none() || from == to,
        ("timestamp without time zone", "timestamp with time zone") => false,
        ("character", "text") => false,
        _ => from == to,
    }
}

fn column_def_eq(a: &Column, b: &Column) -> bool {
    a.type_sql == b.type_sql
        && a.nullable == b.nullable
        && trimmed(&a.default) == trimmed(&b.default)
        && a.identity == b.identity
        && trimmed(&a.generated) == trimmed(&b.generated)
}

fn index_def_eq(a: &Index, b: &Index) -> bool {
    a.method == b.method
        && a.unique == b.unique
        && a.nulls_not_distinct == b.nulls_not_distinct
        && trimmed(&a.predicate) == trimmed(&b.predicate)
        && a.include
            .iter()
            .map(|c| &c.value)
            .eq(b.include.iter().map(|c| &c.value))
        && a.keys.len() == b.keys.len()
        && a.keys.iter().zip(&b.keys).all(|(x, y)| {
            x.target.value.trim() == y.target.value.trim()
                && x.expression == y.expression
                && x.opclass == y.opclass
                && x.collate == y.collate
                && x.order == y.order
                && x.nulls == y.nulls
        })
}

fn policy_def_eq(a: &Policy, b: &Policy) -> bool {
    a.command == b.command
        && a.permissive == b.permissive
        && a.roles
            .iter()
            .map(|r| &r.value)
            .eq(b.roles.iter().map(|r| &r.value))
        && trimmed(&a.using) == trimmed(&b.using)
        && trimmed(&a.with_check) == trimmed(&b.with_check)
}

fn trigger_def_eq(a: &crate::ir::Trigger, b: &crate::ir::Trigger) -> bool {
    a.timing == b.timing
        && a.events == b.events
        && a.of_columns
            .iter()
            .map(|c| &c.value)
            .eq(b.of_columns.iter().map(|c| &c.value))
        && a.for_each_row == b.for_each_row
        && trimmed(&a.when) == trimmed(&b.when)
        && a.function == b.function
        && a.args == b.args
}

fn fk_def_eq(a: &crate::ir::ForeignKey, b: &crate::ir::ForeignKey) -> bool {
    a.columns
        .iter()
        .map(|c| &c.value)
        .eq(b.columns.iter().map(|c| &c.value))
        && a.target == b.target
        && a.target_columns
            .iter()
            .map(|c| &c.value)
            .eq(b.target_columns.iter().map(|c| &c.value))
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
        && a.deferrable == b.deferrable
}

/// Whether `CREATE OR REPLACE` can turn `a` into `b` (same arguments, defaults and result).
fn function_replaceable(a: &Function, b: &Function) -> bool {
    a.returns.value.trim() == b.returns.value.trim()
        && a.args.len() == b.args.len()
        && a.args.iter().zip(&b.args).all(|(x, y)| {
            x.name == y.name
                && x.type_sql == y.type_sql
                && x.mode == y.mode
                && x.default == y.default
        })
}

fn function_def_eq(a: &Function, b: &Function) -> bool {
    function_replaceable(a, b)
        && a.language == b.language
        && a.volatility == b.volatility
        && a.security_definer == b.security_definer
        && a.search_path == b.search_path
        && a.strict == b.strict
        && a.leakproof == b.leakproof
        && a.parallel == b.parallel
        && a.body.value == b.body.value
}

fn view_def_eq(a: &View, b: &View) -> bool {
    a.materialized == b.materialized
        && a.security_invoker == b.security_invoker
        && crate::sql::query_text(&a.query.value) == crate::sql::query_text(&b.query.value)
}

fn index_qname(table: &QName, ix: &Index) -> QName {
    QName::new(table.schema.clone(), ix.name.value.clone())
}

/// Named constraints of a table: name → (kind, definition).
fn constraints(t: &Table) -> BTreeMap<String, Constraint> {
    let mut m = BTreeMap::new();
    if let Some(pk) = &t.primary_key {
        m.insert(pk.name.clone(), Constraint::PrimaryKey(pk.clone()));
    }
    for u in &t.uniques {
        m.insert(u.name.value.clone(), Constraint::Unique(u.clone()));
    }
    for c in &t.checks {
        m.insert(c.name.value.clone(), Constraint::Check(c.clone()));
    }
    for fk in &t.foreign_keys {
        m.insert(fk.name.value.clone(), Constraint::ForeignKey(fk.clone()));
    }
    m
}

fn constraint_eq(a: &Constraint, b: &Constraint) -> bool {
    let cols = |v: &[crate::ir::Sp<String>]| v.iter().map(|c| c.value.clone()).collect::<Vec<_>>();
    match (a, b) {
        (Constraint::PrimaryKey(x), Constraint::PrimaryKey(y)) => {
            cols(&x.columns) == cols(&y.columns)
        }
        (Constraint::Unique(x), Constraint::Unique(y)) => {
            cols(&x.columns) == cols(&y.columns) && x.nulls_distinct == y.nulls_distinct
        }
        (Constraint::Check(x), Constraint::Check(y)) => x.expr.value.trim() == y.expr.value.trim(),
        (Constraint::ForeignKey(x), Constraint::ForeignKey(y)) => fk_def_eq(x, y),
        _ => false,
    }
}

fn constraint_kind(c: &Constraint) -> &'static str {
    match c {
        Constraint::PrimaryKey(_) => "primary key",
        Constraint::Unique(_) => "unique",
        Constraint::Check(_) => "check",
        Constraint::ForeignKey(_) => "foreign key",
    }
}

fn constraint_span(c: &Constraint) -> Span {
    match c {
        Constraint::PrimaryKey(x) => x.origin,
        Constraint::Unique(x) => x.origin,
        Constraint::Check(x) => x.origin,
        Constraint::ForeignKey(x) => x.origin,
    }
}

/// The name of the temporary check that carries NOT NULL while it is validated.
fn not_null_check_name(table: &QName, column: &str) -> String {
    let name = format!("{}_{}_not_null", table.name, column);
    if name.len() <= 63 {
        return name;
    }
    let mut cut = 63 - "_not_null".len();
    let base = format!("{}_{}", table.name, column);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_not_null", &base[..cut])
}

impl<'a> Differ<'a> {
    fn change(
        &mut self,
        kind: ChangeKind,
        object: String,
        detail: impl Into<String>,
        span: Span,
    ) -> &mut Change {
        self.changes.push_mut(Change {
            kind,
            object,
            detail: detail.into(),
            on_existing_table: false,
            strategy: None,
            span,
            facts: Facts::default(),
        })
    }

    fn emit(&mut self, phase: Phase, comment: impl Into<String>, stmts: Vec<Stmt<'static>>) {
        self.emit_in(phase, false, comment, stmts);
    }

    fn emit_in(
        &mut self,
        phase: Phase,
        online: bool,
        comment: impl Into<String>,
        stmts: Vec<Stmt<'static>>,
    ) {
        if stmts.is_empty() {
            return;
        }
        self.entries.push(Entry {
            phase,
            online: online && !self.down,
            comment: comment.into(),
            stmts,
        });
    }

    fn run(&mut self, renames: &Renames) {
        self.renames(renames);
        self.schemas_and_extensions();
        self.enums();
        self.functions();
        self.tables();
        self.views();
        self.external_triggers();
        self.external_policies();
        self.function_privileges_and_comments();
    }

    fn renames(&mut self, r: &Renames) {
        for (from, to) in &r.tables {
            let stmts = move_and_rename(from, to, Stmt::SetTableSchema, Stmt::RenameTable);
            let span = self
                .new
                .tables
                .get(to)
                .map_or_else(Span::default, |t| t.origin);
            self.change(
                ChangeKind::RenameTable,
                dotted(to),
                format!("renamed from {}", dotted(from)),
                span,
            )
            .on_existing_table = true;
            self.emit(Phase::Rename, format!("Rename table {from} to {to}"), stmts);
        }
        for (table, cols) in &r.columns {
            for (from, to) in cols {
                let span = self
                    .new
                    .tables
                    .get(table)
                    .and_then(|t| t.columns.get(to))
                    .map_or_else(Span::default, |c| c.origin);
                self.change(
                    ChangeKind::RenameColumn,
                    format!("{}.{to}", dotted(table)),
                    format!("renamed from {from}"),
                    span,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename column {table}.{from} to {to}"),
                    vec![Stmt::RenameColumn(table.clone(), from.clone(), to.clone())],
                );
            }
        }
        for (from, to) in &r.enums {
            let stmts = move_and_rename(from, to, Stmt::SetTypeSchema, Stmt::RenameType);
            let span = self
                .new
                .enums
                .get(to)
                .map_or_else(Span::default, |e| e.origin);
            self.change(
                ChangeKind::RenameEnum,
                dotted(to),
                format!("renamed from {}", dotted(from)),
                span,
            );
            self.emit(Phase::Rename, format!("Rename type {from} to {to}"), stmts);
        }
        for (table, ixs) in &r.indexes {
            for (from, to) in ixs {
                self.change(
                    ChangeKind::RenameIndex,
                    format!("{}.{to}", dotted(table)),
                    format!("renamed from {from}"),
                    Span::default(),
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename index {from} to {to}"),
                    vec![Stmt::RenameIndex(
                        QName::new(table.schema.clone(), from.clone()),
                        to.clone(),
                    )],
                );
            }
        }
        for (table, pols) in &r.policies {
            for (from, to) in pols {
                let span = self
                    .new
                    .tables
                    .get(table)
                    .and_then(|t| t.policies.get(to))
                    .map_or_else(Span::default, |p| p.origin);
                self.change(
                    ChangeKind::RenamePolicy,
                    format!("{}.{to}", dotted(table)),
                    format!("renamed from {from}"),
                    span,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename policy {from} on {table} to {to}"),
                    vec![Stmt::RenamePolicy(table.clone(), from.clone(), to.clone())],
                );
            }
        }
    }

    fn schemas_and_extensions(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, s) in &new.schemas {
            if name != "public" && !old.schemas.contains_key(name) {
                self.change(ChangeKind::CreateSchema, name.clone(), "", s.origin);
                self.emit(
                    Phase::CreateSchema,
                    format!("Schema {name}"),
                    vec![Stmt::CreateSchema(name.clone())],
                );
                if let Some(d) = &s.description {
                    self.emit(
                        Phase::Comments,
                        format!("Comment on schema {name}"),
                        vec![Stmt::Comment(
                            CommentTarget::Schema(name.clone()),
                            d.clone(),
                        )],
                    );
                }
            }
        }
        for name in old.schemas.keys() {
            if name != "public" && !new.schemas.contains_key(name) {
                self.change(ChangeKind::DropSchema, name.clone(), "", Span::default());
                self.emit(
                    Phase::DropSchema,
                    format!("Drop schema {name}"),
                    vec![Stmt::DropSchema(name.clone())],
                );
            }
        }
        for (name, e) in &new.extensions {
            match old.extensions.get(name) {
                None => {
                    self.change(ChangeKind::CreateExtension, name.clone(), "", e.origin);
                    self.emit(
                        Phase::CreateExtension,
                        format!("Extension {name}"),
                        vec![Stmt::CreateExtension {
                            name: name.clone(),
                            schema: Some(new.extension_schema(e)),
                            version: e.version.clone(),
                        }],
                    );
                }
                Some(o) if o.version != e.version && e.version.is_some() => {
                    self.change(
                        ChangeKind::UpdateExtension,
                        name.clone(),
                        format!(
                            "version {} → {}",
                            o.version.as_deref().unwrap_or("default"),
                            e.version.as_deref().unwrap_or("default")
                        ),
                        e.origin,
                    );
                    self.emit(
                        Phase::CreateExtension,
                        format!("Update extension {name}"),
                        vec![Stmt::UpdateExtension(name.clone(), e.version.clone())],
                    );
                }
                Some(_) => {}
            }
        }
        for name in old.extensions.keys() {
            if !new.extensions.contains_key(name) {
                self.change(ChangeKind::DropExtension, name.clone(), "", Span::default());
                let preinstalled = new.preset == Preset::Supabase
                    && crate::plan::SUPABASE_PREINSTALLED.contains(&name.as_str());
                if !preinstalled {
                    self.emit(
                        Phase::DropExtension,
                        format!("Drop extension {name}"),
                        vec![Stmt::DropExtension(name.clone())],
                    );
                }
            }
        }
        for (name, r) in &new.roles {
            if !old.roles.contains_key(name) {
                self.change(ChangeKind::CreateRole, name.clone(), "", r.origin);
                self.emit(
                    Phase::CreateRole,
                    format!("Role {name}"),
                    vec![Stmt::CreateRole(name.clone())],
                );
            }
        }
        for (name, s) in &new.schemas {
            let before = old.schemas.get(name).and_then(|o| o.description.as_ref());
            if old.schemas.contains_key(name) && before != s.description.as_ref() {
                self.comment(
                    CommentTarget::Schema(name.clone()),
                    s.description.as_ref(),
                    name.clone(),
                    s.origin,
                );
            }
        }
    }

    fn comment(
        &mut self,
        target: CommentTarget,
        text: Option<&String>,
        object: String,
        span: Span,
    ) {
        self.change(ChangeKind::Comment, object, "description", span);
        let stmt = match text {
            Some(t) => Stmt::Comment(target.clone(), t.clone()),
            None => Stmt::CommentNull(target.clone()),
        };
        self.emit(Phase::Comments, format!("Comment on {target}"), vec![stmt]);
    }

    /// Columns (table, column) typed with the enum `e` in `model`.
    fn enum_columns(model: &Model, e: &QName) -> Vec<(QName, String, bool)> {
        let name = e.to_string();
        let mut out = Vec::new();
        for t in model.tables.values() {
            for c in t.columns.values() {
                if c.type_sql == name {
                    out.push((t.name.clone(), c.name.clone(), false));
                } else if c.type_sql.strip_suffix("[]") == Some(name.as_str()) {
                    out.push((t.name.clone(), c.name.clone(), true));
                }
            }
        }
        out
    }

    fn enums(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, e) in &new.enums {
            let values: Vec<String> = e.values.iter().map(|v| v.value.clone()).collect();
            let Some(o) = old.enums.get(name) else {
                self.change(ChangeKind::CreateEnum, dotted(name), "", e.origin);
                self.emit(
                    Phase::Enum,
                    format!("Enum type {name}"),
                    vec![Stmt::CreateEnum(name.clone(), values)],
                );
                if let Some(d) = &e.description {
                    self.emit(
                        Phase::Comments,
                        format!("Comment on type {name}"),
                        vec![Stmt::Comment(CommentTarget::Type(name.clone()), d.clone())],
                    );
                }
                continue;
            };
            let before: Vec<String> = o.values.iter().map(|v| v.value.clone()).collect();
            if before != values {
                // Appending and inserting keep the old values in their order: ADD VALUE works.
                let kept: Vec<&String> = values.iter().filter(|v| before.contains(v)).collect();
                let only_added =
                    kept.len() == before.len() && kept.iter().zip(&before).all(|(a, b)| *a == b);
                let added: Vec<&String> = values.iter().filter(|v| !before.contains(v)).collect();
                // A value added with ADD VALUE cannot be used before the transaction commits;
                // when the new model uses one (a default, a check, a policy, a view), the type
                // is rebuilt instead: values of a type created in the transaction can be used.
                let used_now = added.iter().any(|v| uses_literal(new, v));
                if only_added && !self.down && !used_now {
                    let mut stmts = Vec::new();
                    let mut middle = Vec::new();
                    for (i, v) in values.iter().enumerate() {
                        if before.contains(v) {
                            continue;
                        }
                        // Place it after the previous value, or before the next one if it is first.
                        let position = if i == 0 {
                            values.get(1).map(|n| (true, n.clone()))
                        } else {
                            values.get(i - 1).map(|p| (false, p.clone()))
                        };
                        if i + 1 < values.len() {
                            middle.push(v.clone());
                        }
                        let position = if i + 1 == values.len() {
                            None
                        } else {
                            position
                        };
                        stmts.push(Stmt::AddEnumValue(name.clone(), v.clone(), position));
                    }
                    let c = self.change(
                        ChangeKind::AddEnumValue,
                        dotted(name),
                        format!(
                            "add {}",
                            added
                                .iter()
                                .map(|v| format!("'{v}'"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        e.origin,
                    );
                    c.facts.enum_values = middle;
                    self.emit(
                        Phase::Enum,
                        format!("Add values to enum type {name}"),
                        stmts,
                    );
                } else {
                    self.rebuild_enum(name, &before, &values, e.origin);
                }
            }
            if o.description != e.description {
                self.comment(
                    CommentTarget::Type(name.clone()),
                    e.description.as_ref(),
                    dotted(name),
                    e.origin,
                );
            }
        }
        for name in old.enums.keys() {
            if !new.enums.contains_key(name) {
                self.change(ChangeKind::DropEnum, dotted(name), "", Span::default());
                self.emit(
                    Phase::DropEnum,
                    format!("Drop enum type {name}"),
                    vec![Stmt::DropType(name.clone())],
                );
            }
        }
    }

    /// Values removed or reordered: rename the old type away, create the new one, convert every
    /// column through text, drop the old type. Rows holding a removed value make it fail, which
    /// is the point: they must be migrated first.
    fn rebuild_enum(&mut self, name: &QName, before: &[String], values: &[String], span: Span) {
        let removed: Vec<String> = before
            .iter()
            .filter(|v| !values.contains(v))
            .cloned()
            .collect();
        let old_name = QName::new(name.schema.clone(), format!("{}__old", name.name));
        let mut stmts = vec![
            Stmt::RenameType(name.clone(), old_name.name.clone()),
            Stmt::CreateEnum(name.clone(), values.to_vec()),
        ];
        for (table, column, array) in Self::enum_columns(self.new, name) {
            // A column this migration adds to an existing table is added after the rebuild,
            // with the new type: there is nothing to convert yet.
            if let Some(t) = self.old.tables.get(&table)
                && !t.columns.contains_key(&column)
            {
                continue;
            }
            self.retyped_tables.insert(table.clone());
            let col = self
                .new
                .tables
                .get(&table)
                .and_then(|t| t.columns.get(&column));
            let default = col
                .and_then(|c| c.default.as_ref())
                .map(|d| d.value.clone());
            if default.is_some() {
                stmts.push(Stmt::DropDefault(table.clone(), column.clone()));
            }
            let ty = if array {
                format!("{name}[]")
            } else {
                name.to_string()
            };
            let using = format!(
                "{}::text{}::{ty}",
                crate::sql::ident::quote_ident(&column),
                if array { "[]" } else { "" }
            );
            stmts.push(Stmt::AlterColumnType(
                table.clone(),
                column.clone(),
                ty,
                Some(using),
            ));
            if let Some(d) = default {
                stmts.push(Stmt::SetDefault(table.clone(), column.clone(), d));
            }
        }
        stmts.push(Stmt::DropType(old_name));
        let kept: Vec<&String> = values.iter().filter(|v| before.contains(v)).collect();
        let reordered = !kept
            .iter()
            .copied()
            .eq(before.iter().filter(|v| values.contains(v)));
        let quoted = |vs: Vec<&String>| {
            vs.iter()
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let detail = if !removed.is_empty() {
            format!("remove {}", quoted(removed.iter().collect()))
        } else if reordered {
            "values reordered".to_string()
        } else {
            // Only additions: rebuilt because the migration uses a new value at once.
            format!(
                "add {}, used in this migration",
                quoted(values.iter().filter(|v| !before.contains(v)).collect())
            )
        };
        let c = self.change(ChangeKind::RebuildEnum, dotted(name), detail, span);
        c.facts.enum_values = removed;
        c.facts.enum_reordered = reordered;
        c.on_existing_table = true;
        // After the columns' other changes are planned (they run in AlterColumn, later), but the
        // rebuild needs the tables to exist: it runs with the column alterations.
        self.emit(
            Phase::AlterColumn,
            format!("Rebuild enum type {name}"),
            stmts,
        );
    }

    fn functions(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, f) in &new.functions {
            let create_phase = if f.uses_table_types {
                Phase::CreateLateFunction
            } else {
                Phase::CreateFunction
            };
            match old.functions.get(name) {
                None => {
                    self.change(ChangeKind::CreateFunction, dotted(name), "", f.origin);
                    self.emit(
                        create_phase,
                        format!("Function {name}"),
                        vec![Stmt::CreateFunction(f.clone().into())],
                    );
                    self.function_privileges(None, f, true);
                    if let Some(d) = &f.description {
                        self.emit(
                            Phase::Comments,
                            format!("Comment on function {name}"),
                            vec![Stmt::Comment(
                                CommentTarget::Function(function_signature(f)),
                                d.clone(),
                            )],
                        );
                    }
                }
                Some(o) if function_def_eq(o, f) => {}
                Some(o) => {
                    let weakens = (!o.security_definer && f.security_definer)
                        .then(|| "the function becomes SECURITY DEFINER".to_string());
                    if function_replaceable(o, f) {
                        let c = self.change(
                            ChangeKind::ReplaceFunction,
                            dotted(name),
                            "definition",
                            f.origin,
                        );
                        c.facts.weakens_access = weakens;
                        self.emit(
                            create_phase,
                            format!("Replace function {name}"),
                            vec![Stmt::ReplaceFunction(f.clone().into())],
                        );
                    } else {
                        let c = self.change(
                            ChangeKind::RecreateFunction,
                            dotted(name),
                            format!("{} → {}", function_signature(o), function_signature(f)),
                            f.origin,
                        );
                        c.facts.weakens_access = weakens;
                        self.recreated_functions.insert(name.clone());
                        let old_drop = if o.uses_table_types {
                            Phase::DropLateFunction
                        } else {
                            Phase::DropFunction
                        };
                        self.emit(
                            old_drop,
                            format!("Drop function {name} (its signature changes)"),
                            vec![Stmt::DropFunction(function_signature(o))],
                        );
                        self.emit(
                            create_phase,
                            format!("Function {name}"),
                            vec![Stmt::CreateFunction(f.clone().into())],
                        );
                        self.function_privileges(None, f, true);
                        if let Some(d) = &f.description {
                            self.emit(
                                Phase::Comments,
                                format!("Comment on function {name}"),
                                vec![Stmt::Comment(
                                    CommentTarget::Function(function_signature(f)),
                                    d.clone(),
                                )],
                            );
                        }
                    }
                }
            }
        }
        for (name, o) in &old.functions {
            if !new.functions.contains_key(name) {
                self.change(ChangeKind::DropFunction, dotted(name), "", Span::default());
                let phase = if o.uses_table_types {
                    Phase::DropLateFunction
                } else {
                    Phase::DropFunction
                };
                self.emit(
                    phase,
                    format!("Drop function {name}"),
                    vec![Stmt::DropFunction(function_signature(o))],
                );
            }
        }
    }

    fn function_privileges_and_comments(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, f) in &new.functions {
            let Some(o) = old.functions.get(name) else {
                continue;
            };
            if self.recreated_functions.contains(name) {
                continue;
            }
            self.function_privileges(Some(o), f, false);
            if o.description != f.description {
                self.comment(
                    CommentTarget::Function(function_signature(f)),
                    f.description.as_ref(),
                    dotted(name),
                    f.origin,
                );
            }
        }
    }

    fn function_privileges(&mut self, old: Option<&Function>, f: &Function, fresh: bool) {
        let obj = GrantObject::Function(function_signature(f));
        let empty = Privileges::new();
        let (og, or) = match (old, fresh) {
            (Some(o), false) => (&o.grants, &o.revokes),
            _ => (&empty, &empty),
        };
        self.privileges(
            &obj,
            dotted(&f.name),
            og,
            or,
            &f.grants,
            &f.revokes,
            f.origin,
            &[],
        );
    }

    /// Whether `role` holds privileges on `obj` (whose dotted name is `object`) before any
    /// GRANT or REVOKE of the model: PostgreSQL gives PUBLIC EXECUTE on functions and nothing on
    /// tables and views; a Supabase project that still auto-exposes (`supabase: {
    /// auto_expose_new_tables: true }`) grants everything on tables, views and functions created
    /// in `public` to its API roles.
    fn holds_by_default(&self, obj: &GrantObject, object: &str, role: &str) -> bool {
        let supabase_api = self.new.auto_exposes()
            && object.split('.').next() == Some("public")
            && ["anon", "authenticated", "service_role"].contains(&role);
        match obj {
            GrantObject::Function(_) => role.eq_ignore_ascii_case("public") || supabase_api,
            GrantObject::Table(_) => supabase_api,
        }
    }

    /// Grants and revokes of one object: what the new model grants that the old did not is
    /// granted; what it no longer grants is revoked; a revoke the new model adds is applied, and
    /// one it removes is undone by granting the privilege back when the role holds it by
    /// default ([`Self::holds_by_default`]).
    #[allow(clippy::too_many_arguments)]
    fn privileges(
        &mut self,
        obj: &GrantObject,
        object: String,
        old_grants: &Privileges,
        old_revokes: &Privileges,
        grants: &Privileges,
        revokes: &Privileges,
        span: Span,
        partitions: &[QName],
    ) {
        let diff = |a: &Privileges, b: &Privileges| -> Vec<(String, Vec<String>)> {
            let mut out = Vec::new();
            for (role, privs) in a {
                let missing: Vec<String> = privs
                    .iter()
                    .filter(|p| !b.get(role).is_some_and(|s| s.contains(*p)))
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    out.push((role.clone(), missing));
                }
            }
            out
        };
        let mut stmts = Vec::new();
        // Revokes first, then grants (as the initial migration does).
        for (role, privs) in diff(revokes, old_revokes) {
            stmts.push(Stmt::Revoke(obj.clone(), privs.clone(), role.clone()));
            self.change(
                ChangeKind::Revoke,
                object.clone(),
                format!("{} from {role}", privs.join(", ")),
                span,
            );
        }
        for (role, privs) in diff(old_grants, grants) {
            stmts.push(Stmt::Revoke(obj.clone(), privs.clone(), role.clone()));
            self.change(
                ChangeKind::Revoke,
                object.clone(),
                format!("{} from {role}", privs.join(", ")),
                span,
            );
        }
        for (role, privs) in diff(old_revokes, revokes) {
            // Only what the role holds by default comes back: the model's state without the
            // revoke is the default, as a fresh build shows.
            if !self.holds_by_default(obj, &object, &role) {
                continue;
            }
            stmts.push(Stmt::Grant(obj.clone(), privs.clone(), role.clone()));
            let c = self.change(
                ChangeKind::Grant,
                object.clone(),
                format!("{} to {role} (revoke removed)", privs.join(", ")),
                span,
            );
            if role == "anon" || role == "public" {
                c.facts.weakens_access = Some(format!("{} is granted to {role}", privs.join(", ")));
            }
        }
        for (role, privs) in diff(grants, old_grants) {
            stmts.push(Stmt::Grant(obj.clone(), privs.clone(), role.clone()));
            let c = self.change(
                ChangeKind::Grant,
                object.clone(),
                format!("{} to {role}", privs.join(", ")),
                span,
            );
            if role == "anon" || role == "public" {
                c.facts.weakens_access = Some(format!("{} is granted to {role}", privs.join(", ")));
            }
        }
        // A protected partition follows its parent's privileges, statement for statement.
        let mut copies = Vec::new();
        for part in partitions {
            for st in &stmts {
                match st {
                    Stmt::Grant(_, privs, role) => copies.push(Stmt::Grant(
                        GrantObject::Table(part.clone()),
                        privs.clone(),
                        role.clone(),
                    )),
                    Stmt::Revoke(_, privs, role) => copies.push(Stmt::Revoke(
                        GrantObject::Table(part.clone()),
                        privs.clone(),
                        role.clone(),
                    )),
                    _ => {}
                }
            }
        }
        stmts.extend(copies);
        self.emit(Phase::Privileges, format!("Privileges on {object}"), stmts);
    }

    fn tables(&mut self) {
        let (old, new) = (self.old, self.new);
        let new_order = table_order(new);
        let old_order = table_order(old);
        // Tables whose partitioning changed are dropped and created again.
        let recreated: BTreeSet<QName> = new
            .tables
            .iter()
            .filter(|(n, t)| {
                old.tables.get(*n).is_some_and(|o| {
                    o.partition.as_ref().map(|p| {
                        (
                            &p.by,
                            p.columns.iter().map(|c| &c.value).collect::<Vec<_>>(),
                        )
                    }) != t.partition.as_ref().map(|p| {
                        (
                            &p.by,
                            p.columns.iter().map(|c| &c.value).collect::<Vec<_>>(),
                        )
                    })
                })
            })
            .map(|(n, _)| n.clone())
            .collect();
        // Drops, in reverse creation order of the old model.
        for name in old_order.order.iter().rev() {
            let Some(o) = old.tables.get(name) else {
                continue;
            };
            if new.tables.contains_key(name) && !recreated.contains(name) {
                continue;
            }
            let kind = if recreated.contains(name) {
                ChangeKind::RecreateTable
            } else {
                ChangeKind::DropTable
            };
            let span = new
                .tables
                .get(name)
                .map_or_else(Span::default, |t| t.origin);
            let detail = if recreated.contains(name) {
                "partitioning changed"
            } else {
                ""
            };
            self.change(kind, dotted(name), detail, span)
                .on_existing_table = true;
            // Policies may read other tables; FKs into this table from surviving tables are
            // dropped as part of their own table's diff.
            let policies: Vec<Stmt<'static>> = o
                .policies
                .keys()
                .map(|p| Stmt::DropPolicy(p.clone(), name.clone()))
                .collect();
            self.emit(Phase::DropPolicy, format!("Policies of {name}"), policies);
            if o.realtime {
                self.emit(
                    Phase::DropPublication,
                    format!("Remove {name} from Realtime"),
                    vec![Stmt::DropFromPublication(
                        "supabase_realtime".into(),
                        name.clone(),
                    )],
                );
            }
            // FKs between dropped tables may form cycles: drop them first.
            let fks: Vec<Stmt<'static>> = o
                .foreign_keys
                .iter()
                .filter(|fk| fk.target != *name && old.tables.contains_key(&fk.target))
                .map(|fk| Stmt::DropConstraint(name.clone(), fk.name.value.clone()))
                .collect();
            self.emit(
                Phase::DropForeignKey,
                format!("Foreign keys of {name}"),
                fks,
            );
            self.emit(
                Phase::DropTable,
                format!("Drop table {name}"),
                vec![Stmt::DropTable(name.clone())],
            );
        }
        // Creates, in the new model's FK order.
        let mut created: BTreeSet<QName> = BTreeSet::new();
        for name in &new_order.order {
            let Some(t) = new.tables.get(name) else {
                continue;
            };
            if old.tables.contains_key(name) && !recreated.contains(name) {
                continue;
            }
            created.insert(name.clone());
            if !recreated.contains(name) {
                self.change(ChangeKind::CreateTable, dotted(name), "", t.origin);
            }
            self.create_table(t, &new_order.deferred);
        }
        // Alterations of tables in both models.
        for name in &new_order.order {
            let (Some(t), Some(o)) = (new.tables.get(name), old.tables.get(name)) else {
                continue;
            };
            if created.contains(name) {
                continue;
            }
            self.alter_table(o, t);
        }
        // Dependants that go with a table's columns: policies of retyped tables.
        let retyped: Vec<QName> = self.retyped_tables.iter().cloned().collect();
        for name in retyped {
            let (Some(t), Some(o)) = (new.tables.get(&name), old.tables.get(&name)) else {
                continue;
            };
            for (pname, p) in &t.policies {
                if o.policies.get(pname).is_some_and(|op| policy_def_eq(op, p)) {
                    self.emit(
                        Phase::DropPolicy,
                        format!("Policy {pname} on {name} (a column it may read changes type)"),
                        vec![Stmt::DropPolicy(pname.clone(), name.clone())],
                    );
                    self.emit(
                        Phase::Rls,
                        format!("Policy {pname} on {name}"),
                        vec![Stmt::CreatePolicy(name.clone(), p.clone().into())],
                    );
                }
            }
        }
    }

    fn create_table(&mut self, t: &Table, deferred: &BTreeSet<(QName, usize)>) {
        let name = &t.name;
        // Targets exist by then: existing and external tables, and new tables, which are created
        // in the new model's FK order; only FKs that close a cycle wait.
        let inline_fks: Vec<usize> = (0..t.foreign_keys.len())
            .filter(|i| !deferred.contains(&(name.clone(), *i)))
            .collect();
        let late: Vec<Stmt<'static>> = (0..t.foreign_keys.len())
            .filter(|i| !inline_fks.contains(i))
            .filter_map(|i| t.foreign_keys.get(i))
            .map(|fk| Stmt::AddForeignKey(name.clone(), fk.clone().into()))
            .collect();
        let mut stmts = vec![Stmt::CreateTable {
            table: t.clone().into(),
            inline_fks,
        }];
        if let Some(p) = &t.partition {
            for part in p.partitions.values() {
                stmts.push(Stmt::CreatePartition(name.clone(), part.clone().into()));
            }
        }
        self.emit(Phase::CreateTable, format!("Table {name}"), stmts);
        self.emit(
            Phase::AddForeignKey,
            format!("Foreign keys of {name} that close a cycle"),
            late,
        );
        let ixs: Vec<Stmt<'static>> = t
            .indexes
            .iter()
            .map(|ix| Stmt::CreateIndex(name.clone(), ix.clone().into()))
            .collect();
        self.emit(Phase::CreateIndex, format!("Indexes on {name}"), ixs);
        let triggers: Vec<Stmt<'static>> = t
            .triggers
            .values()
            .map(|tr| Stmt::CreateTrigger(tr.clone().into()))
            .collect();
        self.emit(
            Phase::CreateTrigger,
            format!("Triggers on {name}"),
            triggers,
        );
        let mut rls = Vec::new();
        if t.rls.enabled {
            rls.push(Stmt::EnableRls(name.clone()));
        }
        if t.rls.force {
            rls.push(Stmt::ForceRls(name.clone()));
        }
        let mut policies: Vec<&Policy> = t.policies.values().map(|p| &**p).collect();
        sort_policies(&mut policies);
        rls.extend(
            policies
                .into_iter()
                .map(|p| Stmt::CreatePolicy(name.clone(), p.clone().into())),
        );
        for part in crate::plan::protected_partitions(t) {
            rls.extend(crate::plan::partition_rls(t, &part));
        }
        self.emit(Phase::Rls, format!("Row level security on {name}"), rls);
        let empty = Privileges::new();
        self.privileges(
            &GrantObject::Table(name.clone()),
            dotted(name),
            &empty,
            &empty,
            &t.grants,
            &t.revokes,
            t.origin,
            &crate::plan::protected_partitions(t),
        );
        if t.realtime {
            self.emit(
                Phase::Publication,
                format!("Add {name} to Realtime"),
                vec![Stmt::AddToPublication(
                    "supabase_realtime".into(),
                    name.clone(),
                )],
            );
        }
        let mut comments = Vec::new();
        crate::plan::table_comments(t, &mut comments);
        self.emit(Phase::Comments, format!("Comments on {name}"), comments);
    }

    /// Whether `p`'s expressions call a function that is dropped and created again.
    fn reads_recreated_function(&self, p: &Policy) -> bool {
        [&p.using, &p.with_check]
            .into_iter()
            .flatten()
            .any(|e| self.calls_recreated_function(&e.value))
    }

    /// Whether `sql` calls (by name, followed by `(`) a function dropped and created again.
    fn calls_recreated_function(&self, sql: &str) -> bool {
        let lower = sql.to_ascii_lowercase();
        self.recreated_functions.iter().any(|f| {
            let name = f.name.to_ascii_lowercase();
            lower.match_indices(&name).any(|(i, _)| {
                let before = lower[..i].chars().next_back();
                let starts_word =
                    before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'));
                starts_word && lower[i + name.len()..].trim_start().starts_with('(')
            })
        })
    }

    fn alter_table(&mut self, o: &Table, t: &Table) {
        let name = t.name.clone();
        let obj = |c: &str| format!("{}.{c}", dotted(&name));
        // Generated columns reading a column whose type changes: PostgreSQL refuses the type
        // change while they exist, so they are dropped first and added again after it.
        let retyped: Vec<&str> = t
            .columns
            .iter()
            .filter(|(n, c)| {
                o.columns
                    .get(*n)
                    .is_some_and(|oc| oc.type_sql != c.type_sql)
            })
            .map(|(n, _)| n.as_str())
            .collect();
        let regenerated: BTreeSet<&str> = t
            .columns
            .iter()
            .filter(|(n, c)| {
                o.columns.get(*n).is_some_and(|oc| {
                    column_def_eq(oc, c)
                        && c.generated
                            .as_ref()
                            .is_some_and(|g| retyped.iter().any(|r| mentions(&g.value, r)))
                })
            })
            .map(|(n, _)| n.as_str())
            .collect();
        // Columns.
        for (cname, c) in &t.columns {
            let Some(oc) = o.columns.get(cname) else {
                self.add_column(&name, c);
                continue;
            };
            if regenerated.contains(cname.as_str()) {
                self.change(
                    ChangeKind::RecreateGeneratedColumn,
                    obj(cname),
                    "a column it reads changes type",
                    c.origin,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::DropColumn,
                    format!("Drop column {name}.{cname} (a column it reads changes type)"),
                    vec![Stmt::DropColumn(name.clone(), cname.clone())],
                );
                // After every type change of the table (AlterColumn), with its indexes.
                self.emit(
                    Phase::AddConstraint,
                    format!("Column {name}.{cname}"),
                    vec![Stmt::AddColumn(name.clone(), c.clone().into())],
                );
                let ixs: Vec<Stmt<'static>> = t
                    .indexes
                    .iter()
                    .filter(|ix| ix.keys.iter().any(|k| mentions(&k.target.value, cname)))
                    .map(|ix| Stmt::CreateIndex(name.clone(), ix.clone().into()))
                    .collect();
                self.emit(
                    Phase::CreateIndex,
                    format!("Indexes on {name}.{cname}"),
                    ixs,
                );
                continue;
            }
            if column_def_eq(oc, c) {
                if oc.description != c.description {
                    self.comment(
                        CommentTarget::Column(name.clone(), cname.clone()),
                        c.description.as_ref(),
                        obj(cname),
                        c.origin,
                    );
                }
                continue;
            }
            if trimmed(&oc.generated) != trimmed(&c.generated)
                && (oc.generated.is_some() || c.generated.is_some())
            {
                self.change(
                    ChangeKind::RecreateGeneratedColumn,
                    obj(cname),
                    "generation expression",
                    c.origin,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::DropColumn,
                    format!("Drop column {name}.{cname} (its generation changes)"),
                    vec![Stmt::DropColumn(name.clone(), cname.clone())],
                );
                self.emit(
                    Phase::AlterColumn,
                    format!("Column {name}.{cname}"),
                    vec![Stmt::AddColumn(name.clone(), c.clone().into())],
                );
                continue;
            }
            self.alter_column(&name, oc, c);
            if oc.description != c.description {
                self.comment(
                    CommentTarget::Column(name.clone(), cname.clone()),
                    c.description.as_ref(),
                    obj(cname),
                    c.origin,
                );
            }
        }
        // Defaults calling a function that is dropped and created again depend on the old
        // function: they go before the drop and come back after the create.
        for (cname, c) in &t.columns {
            let Some(oc) = o.columns.get(cname) else {
                continue;
            };
            let Some(od) = &oc.default else {
                continue;
            };
            if !self.calls_recreated_function(&od.value) {
                continue;
            }
            self.emit(
                Phase::DropConstraint,
                format!("Default of {name}.{cname} (a function it calls is recreated)"),
                vec![Stmt::DropDefault(name.clone(), cname.clone())],
            );
            if let Some(d) = &c.default
                && trimmed(&oc.default) == trimmed(&c.default)
            {
                self.emit(
                    Phase::AlterColumn,
                    format!("Default of {name}.{cname}"),
                    vec![Stmt::SetDefault(
                        name.clone(),
                        cname.clone(),
                        d.value.clone(),
                    )],
                );
            }
        }
        for cname in o.columns.keys() {
            if !t.columns.contains_key(cname) {
                self.change(ChangeKind::DropColumn, obj(cname), "", t.origin)
                    .on_existing_table = true;
                self.emit(
                    Phase::DropColumn,
                    format!("Drop column {name}.{cname}"),
                    vec![Stmt::DropColumn(name.clone(), cname.clone())],
                );
            }
        }
        // Constraints: same name and definition → nothing; same definition, new name → rename.
        let before = constraints(o);
        let after = constraints(t);
        let mut renamed_from: BTreeSet<String> = BTreeSet::new();
        let mut renamed_to: BTreeSet<String> = BTreeSet::new();
        for (n, c) in &after {
            if before.contains_key(n) {
                continue;
            }
            if let Some((on, _)) = before.iter().find(|(on, oc)| {
                !after.contains_key(*on) && !renamed_from.contains(*on) && constraint_eq(oc, c)
            }) {
                renamed_from.insert(on.clone());
                renamed_to.insert(n.clone());
                self.change(
                    ChangeKind::RenameConstraint,
                    obj(n),
                    format!("renamed from {on}"),
                    constraint_span(c),
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename constraint {on} on {name} to {n}"),
                    vec![Stmt::RenameConstraint(name.clone(), on.clone(), n.clone())],
                );
            }
        }
        for (n, oc) in &before {
            if renamed_from.contains(n) {
                continue;
            }
            let changed = match after.get(n) {
                None => true,
                Some(c) => !constraint_eq(oc, c),
            };
            if !changed {
                // A check calling a function that is dropped and created again depends on the
                // old function: it goes before the drop and comes back after the create.
                if let Constraint::Check(ck) = oc
                    && self.calls_recreated_function(&ck.expr.value)
                {
                    self.emit(
                        Phase::DropConstraint,
                        format!("Drop constraint {n} on {name} (a function it calls is recreated)"),
                        vec![Stmt::DropConstraint(name.clone(), n.clone())],
                    );
                    self.emit(
                        Phase::AddConstraint,
                        format!("Constraint {n} on {name}"),
                        vec![Stmt::AddConstraint(
                            name.clone(),
                            Box::new(oc.clone()),
                            false,
                        )],
                    );
                }
                continue;
            }
            // A constraint on a column that is dropped goes with the column.
            self.change(
                ChangeKind::DropConstraint,
                obj(n),
                constraint_kind(oc),
                t.origin,
            )
            .on_existing_table = true;
            let phase = if matches!(oc, Constraint::ForeignKey(_)) {
                Phase::DropForeignKey
            } else {
                Phase::DropConstraint
            };
            let stmt = if self.down {
                Stmt::DropConstraintIfExists(name.clone(), n.clone())
            } else {
                Stmt::DropConstraint(name.clone(), n.clone())
            };
            self.emit(phase, format!("Drop constraint {n} on {name}"), vec![stmt]);
        }
        for (n, c) in &after {
            if renamed_to.contains(n) {
                continue;
            }
            let changed = match before.get(n) {
                None => true,
                Some(oc) => !constraint_eq(oc, c),
            };
            if changed {
                self.add_constraint(&name, n, c);
            }
        }
        // Indexes.
        self.alter_indexes(o, t);
        // Triggers.
        for (n, tr) in &t.triggers {
            match o.triggers.get(n) {
                None => {
                    self.change(ChangeKind::CreateTrigger, obj(n), "", tr.origin)
                        .on_existing_table = true;
                    self.emit(
                        Phase::CreateTrigger,
                        format!("Trigger {n} on {name}"),
                        vec![Stmt::CreateTrigger(tr.clone().into())],
                    );
                    if let Some(d) = &tr.description {
                        self.emit(
                            Phase::Comments,
                            format!("Comment on trigger {n}"),
                            vec![Stmt::Comment(
                                CommentTarget::Trigger(n.clone(), name.clone()),
                                d.clone(),
                            )],
                        );
                    }
                }
                Some(ot)
                    if trigger_def_eq(ot, tr)
                        && !self.recreated_functions.contains(&tr.function) =>
                {
                    if ot.description != tr.description {
                        self.comment(
                            CommentTarget::Trigger(n.clone(), name.clone()),
                            tr.description.as_ref(),
                            obj(n),
                            tr.origin,
                        );
                    }
                }
                Some(_) => {
                    self.change(ChangeKind::ReplaceTrigger, obj(n), "definition", tr.origin)
                        .on_existing_table = true;
                    self.emit(
                        Phase::DropTrigger,
                        format!("Drop trigger {n} on {name}"),
                        vec![Stmt::DropTrigger(n.clone(), name.clone())],
                    );
                    self.emit(
                        Phase::CreateTrigger,
                        format!("Trigger {n} on {name}"),
                        vec![Stmt::CreateTrigger(tr.clone().into())],
                    );
                    if let Some(d) = &tr.description {
                        self.emit(
                            Phase::Comments,
                            format!("Comment on trigger {n}"),
                            vec![Stmt::Comment(
                                CommentTarget::Trigger(n.clone(), name.clone()),
                                d.clone(),
                            )],
                        );
                    }
                }
            }
        }
        for n in o.triggers.keys() {
            if !t.triggers.contains_key(n) {
                self.change(ChangeKind::DropTrigger, obj(n), "", t.origin)
                    .on_existing_table = true;
                self.emit(
                    Phase::DropTrigger,
                    format!("Drop trigger {n} on {name}"),
                    vec![Stmt::DropTrigger(n.clone(), name.clone())],
                );
            }
        }
        // Partitions that exist before and after, unchanged: protected like the parent on both
        // sides (`kept_partitions`), or on one side only (the snapshot predates the protection).
        let mut kept_partitions: Vec<QName> = Vec::new();
        let mut kept_unprotected: Vec<(QName, bool)> = Vec::new();
        if let (Some(op), Some(np)) = (&o.partition, &t.partition) {
            for (pn, part) in &np.partitions {
                if op.partitions.get(pn).is_some_and(|x| x.bound == part.bound) {
                    if op.protected && np.protected {
                        kept_partitions.push(part.name.clone());
                    } else if op.protected != np.protected {
                        kept_unprotected.push((part.name.clone(), np.protected));
                    }
                }
            }
        }
        for (part, protect) in &kept_unprotected {
            // A change record, so the statements make a migration (the snapshot alone would not).
            let kind = match (*protect, t.rls.enabled || o.rls.enabled) {
                (true, true) => Some(ChangeKind::EnableRls),
                (false, true) => Some(ChangeKind::DisableRls),
                (true, false) if !t.grants.is_empty() || !t.revokes.is_empty() => {
                    Some(ChangeKind::Grant)
                }
                (false, false) if !o.grants.is_empty() => Some(ChangeKind::Revoke),
                _ => None,
            };
            if let Some(kind) = kind {
                let what = if *protect {
                    format!("protected like {name}")
                } else {
                    "as before".to_string()
                };
                self.change(kind, dotted(part), what, t.origin)
                    .on_existing_table = true;
            }
            if *protect {
                self.emit(
                    Phase::Rls,
                    format!("Row level security on partition {part}, as on {name}"),
                    crate::plan::partition_rls(t, part),
                );
                let mut privs: Vec<Stmt<'static>> = Vec::new();
                crate::plan::partition_privileges(t, part, &mut privs);
                self.emit(
                    Phase::Privileges,
                    format!("Privileges on partition {part}, as on {name}"),
                    privs,
                );
            } else {
                let mut undo = Vec::new();
                if o.rls.enabled {
                    undo.push(Stmt::DisableRls(part.clone()));
                }
                if o.rls.force {
                    undo.push(Stmt::NoForceRls(part.clone()));
                }
                self.emit(
                    Phase::Rls,
                    format!("Row level security on partition {part} as before"),
                    undo,
                );
                self.emit(
                    Phase::Privileges,
                    format!("Privileges on partition {part} as before"),
                    o.grants
                        .iter()
                        .map(|(role, privs)| {
                            Stmt::Revoke(
                                GrantObject::Table(part.clone()),
                                privs.iter().cloned().collect(),
                                role.clone(),
                            )
                        })
                        .collect(),
                );
            }
        }
        // Row level security (a protected partition follows its parent).
        if o.rls.enabled != t.rls.enabled {
            if t.rls.enabled {
                self.change(ChangeKind::EnableRls, dotted(&name), "", t.origin)
                    .on_existing_table = true;
                let mut stmts = vec![Stmt::EnableRls(name.clone())];
                stmts.extend(kept_partitions.iter().cloned().map(Stmt::EnableRls));
                self.emit(
                    Phase::Rls,
                    format!("Enable row level security on {name}"),
                    stmts,
                );
            } else {
                let c = self.change(ChangeKind::DisableRls, dotted(&name), "", t.origin);
                c.on_existing_table = true;
                c.facts.weakens_access = Some("row level security is disabled".into());
                let mut stmts = vec![Stmt::DisableRls(name.clone())];
                stmts.extend(kept_partitions.iter().cloned().map(Stmt::DisableRls));
                self.emit(
                    Phase::Rls,
                    format!("Disable row level security on {name}"),
                    stmts,
                );
            }
        }
        if o.rls.force != t.rls.force {
            if t.rls.force {
                self.change(ChangeKind::ForceRls, dotted(&name), "", t.origin)
                    .on_existing_table = true;
                let mut stmts = vec![Stmt::ForceRls(name.clone())];
                stmts.extend(kept_partitions.iter().cloned().map(Stmt::ForceRls));
                self.emit(
                    Phase::Rls,
                    format!("Force row level security on {name}"),
                    stmts,
                );
            } else {
                let c = self.change(ChangeKind::NoForceRls, dotted(&name), "", t.origin);
                c.on_existing_table = true;
                c.facts.weakens_access = Some(
                    "FORCE ROW LEVEL SECURITY is switched off: the owner bypasses policies".into(),
                );
                let mut stmts = vec![Stmt::NoForceRls(name.clone())];
                stmts.extend(kept_partitions.iter().cloned().map(Stmt::NoForceRls));
                self.emit(
                    Phase::Rls,
                    format!("No force row level security on {name}"),
                    stmts,
                );
            }
        }
        // Policies.
        let mut created: Vec<&Policy> = Vec::new();
        for (n, p) in &t.policies {
            match o.policies.get(n) {
                None => {
                    let c = self.change(
                        ChangeKind::CreatePolicy,
                        obj(n),
                        format!("for {}", p.command.sql().to_lowercase()),
                        p.origin,
                    );
                    c.on_existing_table = true;
                    c.facts.weakens_access = policy_weakening(None, p);
                    created.push(p);
                }
                Some(op) if policy_def_eq(op, p) && !self.reads_recreated_function(p) => {}
                Some(op) if policy_def_eq(op, p) => {
                    // Same definition, but a function it calls is dropped and created again:
                    // the policy depends on the old function, so it goes and comes back.
                    self.emit(
                        Phase::DropPolicy,
                        format!("Drop policy {n} on {name} (a function it calls is recreated)"),
                        vec![Stmt::DropPolicy(n.clone(), name.clone())],
                    );
                    created.push(p);
                }
                Some(op) => {
                    let c = self.change(ChangeKind::AlterPolicy, obj(n), "definition", p.origin);
                    c.on_existing_table = true;
                    c.facts.weakens_access = policy_weakening(Some(op), p);
                    self.emit(
                        Phase::DropPolicy,
                        format!("Drop policy {n} on {name} (its definition changes)"),
                        vec![Stmt::DropPolicy(n.clone(), name.clone())],
                    );
                    created.push(p);
                }
            }
        }
        sort_policies(&mut created);
        for p in created {
            self.emit(
                Phase::Rls,
                format!("Policy {} on {name}", p.name),
                vec![Stmt::CreatePolicy(name.clone(), p.clone().into())],
            );
        }
        for n in o.policies.keys() {
            if !t.policies.contains_key(n) {
                let c = self.change(ChangeKind::DropPolicy, obj(n), "", t.origin);
                c.on_existing_table = true;
                c.facts.weakens_access = Some(format!("policy {n} is dropped"));
                self.emit(
                    Phase::DropPolicy,
                    format!("Drop policy {n} on {name}"),
                    vec![Stmt::DropPolicy(n.clone(), name.clone())],
                );
            }
        }
        for (n, p) in &t.policies {
            if let Some(op) = o.policies.get(n)
                && op.why != p.why
            {
                self.comment(
                    CommentTarget::Policy(n.clone(), name.clone()),
                    p.why.as_ref(),
                    obj(n),
                    p.origin,
                );
            }
        }
        // Partitions.
        if let (Some(op), Some(np)) = (&o.partition, &t.partition) {
            for (pn, part) in &np.partitions {
                match op.partitions.get(pn) {
                    Some(x) if x.bound == part.bound => {}
                    Some(_) => {
                        self.change(
                            ChangeKind::DropPartition,
                            dotted(&part.name),
                            "bound changed",
                            part.origin,
                        )
                        .on_existing_table = true;
                        self.emit(
                            Phase::DropTable,
                            format!("Drop partition {}", part.name),
                            vec![Stmt::DropTable(part.name.clone())],
                        );
                        self.change(
                            ChangeKind::CreatePartition,
                            dotted(&part.name),
                            "",
                            part.origin,
                        )
                        .on_existing_table = true;
                        self.emit(
                            Phase::CreateTable,
                            format!("Partition {}", part.name),
                            vec![Stmt::CreatePartition(name.clone(), part.clone().into())],
                        );
                        self.protect_partition(t, &part.name);
                    }
                    None => {
                        self.change(
                            ChangeKind::CreatePartition,
                            dotted(&part.name),
                            "",
                            part.origin,
                        )
                        .on_existing_table = true;
                        self.emit(
                            Phase::CreateTable,
                            format!("Partition {}", part.name),
                            vec![Stmt::CreatePartition(name.clone(), part.clone().into())],
                        );
                        self.protect_partition(t, &part.name);
                    }
                }
            }
            for (pn, part) in &op.partitions {
                if !np.partitions.contains_key(pn) {
                    self.change(ChangeKind::DropPartition, dotted(&part.name), "", t.origin)
                        .on_existing_table = true;
                    self.emit(
                        Phase::DropTable,
                        format!("Drop partition {}", part.name),
                        vec![Stmt::DropTable(part.name.clone())],
                    );
                }
            }
        }
        // Privileges, publication, comment.
        self.privileges(
            &GrantObject::Table(name.clone()),
            dotted(&name),
            &o.grants,
            &o.revokes,
            &t.grants,
            &t.revokes,
            t.origin,
            &kept_partitions,
        );
        if o.realtime != t.realtime {
            if t.realtime {
                self.change(
                    ChangeKind::AddToPublication,
                    dotted(&name),
                    "supabase_realtime",
                    t.origin,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Publication,
                    format!("Add {name} to Realtime"),
                    vec![Stmt::AddToPublication(
                        "supabase_realtime".into(),
                        name.clone(),
                    )],
                );
            } else {
                self.change(
                    ChangeKind::DropFromPublication,
                    dotted(&name),
                    "supabase_realtime",
                    t.origin,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::DropPublication,
                    format!("Remove {name} from Realtime"),
                    vec![Stmt::DropFromPublication(
                        "supabase_realtime".into(),
                        name.clone(),
                    )],
                );
            }
        }
        if o.description != t.description {
            self.comment(
                CommentTarget::Table(name.clone()),
                t.description.as_ref(),
                dotted(&name),
                t.origin,
            );
        }
    }

    fn add_column(&mut self, table: &QName, c: &Column) {
        let required =
            !c.nullable && c.default.is_none() && c.identity.is_none() && c.generated.is_none();
        let volatile = c.default.as_ref().is_some_and(|d| is_volatile(&d.value));
        let ch = self.change(
            ChangeKind::AddColumn,
            format!("{}.{}", dotted(table), c.name),
            c.type_sql.clone(),
            c.origin,
        );
        ch.on_existing_table = true;
        ch.facts.required_without_default = required;
        ch.facts.volatile_default = volatile;
        self.emit(
            Phase::AlterColumn,
            format!("Column {table}.{}", c.name),
            vec![Stmt::AddColumn(table.clone(), c.clone().into())],
        );
        if let Some(d) = &c.description {
            self.emit(
                Phase::Comments,
                format!("Comment on column {table}.{}", c.name),
                vec![Stmt::Comment(
                    CommentTarget::Column(table.clone(), c.name.clone()),
                    d.clone(),
                )],
            );
        }
    }

    fn alter_column(&mut self, table: &QName, oc: &Column, c: &Column) {
        let object = format!("{}.{}", dotted(table), c.name);
        let col = c.name.clone();
        let mut stmts = Vec::new();
        let default_changes = trimmed(&oc.default) != trimmed(&c.default);
        if oc.type_sql != c.type_sql {
            self.retyped_tables.insert(table.clone());
            let ch = self.change(
                ChangeKind::AlterColumnType,
                object.clone(),
                format!("{} → {}", oc.type_sql, c.type_sql),
                c.origin,
            );
            ch.on_existing_table = true;
            ch.facts.types = Some((oc.type_sql.clone(), c.type_sql.clone()));
            // A default of the old type may not cast: drop it first, set the new one after.
            if oc.default.is_some() {
                stmts.push(Stmt::DropDefault(table.clone(), col.clone()));
            }
            let using = if self.down {
                None
            } else {
                c.using.as_ref().map(|u| u.value.clone())
            };
            stmts.push(Stmt::AlterColumnType(
                table.clone(),
                col.clone(),
                c.type_sql.clone(),
                using,
            ));
            if let Some(d) = &c.default {
                stmts.push(Stmt::SetDefault(
                    table.clone(),
                    col.clone(),
                    d.value.clone(),
                ));
            }
        } else if default_changes {
            self.change(
                ChangeKind::AlterColumnDefault,
                object.clone(),
                match &c.default {
                    Some(d) => format!("default {}", d.value.trim()),
                    None => "no default".to_string(),
                },
                c.origin,
            )
            .on_existing_table = true;
            stmts.push(match &c.default {
                Some(d) => Stmt::SetDefault(table.clone(), col.clone(), d.value.clone()),
                None => Stmt::DropDefault(table.clone(), col.clone()),
            });
        }
        if oc.identity != c.identity {
            self.change(
                ChangeKind::AlterColumnIdentity,
                object.clone(),
                "identity",
                c.origin,
            )
            .on_existing_table = true;
            match (oc.identity, c.identity) {
                (None, Some(id)) => stmts.push(Stmt::AddIdentity(table.clone(), col.clone(), id)),
                (Some(_), None) => stmts.push(Stmt::DropIdentity(table.clone(), col.clone())),
                (Some(_), Some(id)) => {
                    stmts.push(Stmt::SetIdentity(table.clone(), col.clone(), id))
                }
                (None, None) => {}
            }
        }
        let mut online = Vec::new();
        let mut cleanup = None;
        if oc.nullable != c.nullable {
            if c.nullable {
                self.change(
                    ChangeKind::DropNotNull,
                    object.clone(),
                    "nullable",
                    c.origin,
                )
                .on_existing_table = true;
                stmts.push(Stmt::DropNotNull(table.clone(), col.clone()));
            } else if self.settings.not_null_via_check {
                let check = not_null_check_name(table, &col);
                let ch = self.change(ChangeKind::SetNotNull, object.clone(), "not null", c.origin);
                ch.on_existing_table = true;
                ch.strategy = Some("check not valid, validate, then set not null");
                stmts.push(Stmt::AddConstraint(
                    table.clone(),
                    Box::new(Constraint::Check(crate::ir::Check {
                        name: crate::ir::Sp::new(check.clone(), Span::default()),
                        expr: crate::ir::Sp::new(
                            format!("{} IS NOT NULL", crate::sql::ident::quote_ident(&col)),
                            Span::default(),
                        ),
                        column: None,
                        origin: Span::default(),
                    })),
                    true,
                ));
                online.push(Stmt::ValidateConstraint(table.clone(), check.clone()));
                online.push(Stmt::SetNotNull(table.clone(), col.clone()));
                online.push(Stmt::DropConstraintIfExists(table.clone(), check.clone()));
                cleanup = Some(check);
            } else {
                self.change(ChangeKind::SetNotNull, object.clone(), "not null", c.origin)
                    .on_existing_table = true;
                stmts.push(Stmt::SetNotNull(table.clone(), col.clone()));
            }
        }
        self.emit(Phase::AlterColumn, format!("Column {table}.{col}"), stmts);
        self.emit_in(
            Phase::AlterColumn,
            true,
            format!("Column {table}.{col}: validate, then set NOT NULL"),
            online,
        );
        if let Some(check) = cleanup {
            self.cleanup
                .push(Stmt::DropConstraintIfExists(table.clone(), check));
        }
    }

    fn add_constraint(&mut self, table: &QName, name: &str, c: &Constraint) {
        let kind = constraint_kind(c);
        // PostgreSQL 15 refuses NOT VALID foreign keys on partitioned tables.
        let partitioned = self
            .new
            .tables
            .get(table)
            .is_some_and(|t| t.partition.is_some());
        let two_step = self.settings.not_valid_constraints
            && (matches!(c, Constraint::Check(_))
                || (matches!(c, Constraint::ForeignKey(_)) && !partitioned));
        let ch = self.change(
            ChangeKind::AddConstraint,
            format!("{}.{name}", dotted(table)),
            kind,
            constraint_span(c),
        );
        ch.on_existing_table = true;
        ch.facts.constraint = Some(kind);
        if two_step {
            ch.strategy = Some("not valid, then validate");
        }
        let phase = if matches!(c, Constraint::ForeignKey(_)) {
            Phase::AddForeignKey
        } else {
            Phase::AddConstraint
        };
        self.emit(
            phase,
            format!("Constraint {name} on {table}"),
            vec![Stmt::AddConstraint(
                table.clone(),
                Box::new(c.clone()),
                two_step,
            )],
        );
        if two_step {
            self.emit_in(
                phase,
                true,
                format!("Validate constraint {name} on {table}"),
                vec![Stmt::ValidateConstraint(table.clone(), name.to_string())],
            );
        }
    }

    fn alter_indexes(&mut self, o: &Table, t: &Table) {
        let name = &t.name;
        // PostgreSQL cannot build or drop an index of a partitioned table concurrently.
        let concurrent = self.settings.concurrent_indexes && !self.down && t.partition.is_none();
        let before: BTreeMap<&str, &Index> = o
            .indexes
            .iter()
            .map(|i| (i.name.value.as_str(), i))
            .collect();
        let after: BTreeMap<&str, &Index> = t
            .indexes
            .iter()
            .map(|i| (i.name.value.as_str(), i))
            .collect();
        let mut renamed_from = BTreeSet::new();
        let mut renamed_to = BTreeSet::new();
        for (n, ix) in &after {
            if before.contains_key(n) {
                continue;
            }
            if let Some((on, _)) = before.iter().find(|(on, oi)| {
                !after.contains_key(*on) && !renamed_from.contains(*on) && index_def_eq(oi, ix)
            }) {
                renamed_from.insert(*on);
                renamed_to.insert(*n);
                self.change(
                    ChangeKind::RenameIndex,
                    format!("{}.{n}", dotted(name)),
                    format!("renamed from {on}"),
                    ix.origin,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename index {on} to {n}"),
                    vec![Stmt::RenameIndex(
                        QName::new(name.schema.clone(), on.to_string()),
                        n.to_string(),
                    )],
                );
            }
        }
        for (n, oi) in &before {
            if renamed_from.contains(n) {
                continue;
            }
            let changed = after.get(n).is_none_or(|ix| !index_def_eq(oi, ix));
            if !changed {
                continue;
            }
            let q = index_qname(name, oi);
            let ch = self.change(
                ChangeKind::DropIndex,
                format!("{}.{n}", dotted(name)),
                "",
                t.origin,
            );
            ch.on_existing_table = true;
            if concurrent {
                ch.strategy = Some("concurrently");
            }
            self.emit_in(
                Phase::DropIndex,
                concurrent,
                format!("Drop index {n}"),
                vec![Stmt::DropIndex {
                    index: q,
                    concurrently: concurrent,
                    if_exists: true,
                }],
            );
        }
        for (n, ix) in &after {
            if renamed_to.contains(n) {
                continue;
            }
            let changed = before.get(n).is_none_or(|oi| !index_def_eq(oi, ix));
            if changed {
                let ch = self.change(
                    ChangeKind::CreateIndex,
                    format!("{}.{n}", dotted(name)),
                    ix.method.clone(),
                    ix.origin,
                );
                ch.on_existing_table = true;
                if concurrent {
                    ch.strategy = Some("concurrently");
                }
                let stmt = if concurrent {
                    Stmt::CreateIndexConcurrently(name.clone(), (*ix).clone().into())
                } else {
                    Stmt::CreateIndex(name.clone(), (*ix).clone().into())
                };
                self.emit_in(
                    Phase::CreateIndex,
                    concurrent,
                    format!("Index {n} on {name}"),
                    vec![stmt],
                );
                if let Some(w) = &ix.why {
                    self.emit_in(
                        Phase::Comments,
                        concurrent,
                        format!("Comment on index {n}"),
                        vec![Stmt::Comment(
                            CommentTarget::Index(index_qname(name, ix)),
                            w.clone(),
                        )],
                    );
                }
            } else if let Some(oi) = before.get(n)
                && oi.why != ix.why
            {
                self.comment(
                    CommentTarget::Index(index_qname(name, ix)),
                    ix.why.as_ref(),
                    format!("{}.{n}", dotted(name)),
                    ix.origin,
                );
            }
        }
    }

    fn views(&mut self) {
        let (old, new) = (self.old, self.new);
        // A view is recreated when its definition changes or anything it reads is recreated,
        // dropped, or has columns retyped.
        let mut recreate: BTreeSet<QName> = BTreeSet::new();
        let order = view_order(new);
        for name in &order {
            let Some(v) = new.views.get(name) else {
                continue;
            };
            let Some(o) = old.views.get(name) else {
                continue;
            };
            let reads_changed = v.depends_on.iter().any(|d| {
                recreate.contains(d)
                    || self.retyped_tables.contains(d)
                    || (old.tables.contains_key(d) != new.tables.contains_key(d))
            }) || self.calls_recreated_function(&v.query.value);
            let index_changed = o.indexes.len() != v.indexes.len()
                || o.indexes
                    .iter()
                    .zip(&v.indexes)
                    .any(|(a, b)| a.name.value != b.name.value || !index_def_eq(a, b));
            if !view_def_eq(o, v) || reads_changed || index_changed {
                recreate.insert(name.clone());
            }
        }
        let old_order = view_order(old);
        for name in old_order.iter().rev() {
            let Some(o) = old.views.get(name) else {
                continue;
            };
            if new.views.contains_key(name) && !recreate.contains(name) {
                continue;
            }
            if !new.views.contains_key(name) {
                self.change(ChangeKind::DropView, dotted(name), "", Span::default());
            }
            self.emit(
                Phase::DropView,
                format!("Drop view {name}"),
                vec![Stmt::DropView(name.clone(), o.materialized)],
            );
        }
        for name in &order {
            let Some(v) = new.views.get(name) else {
                continue;
            };
            let o = old.views.get(name);
            if o.is_some() && !recreate.contains(name) {
                self.privileges(
                    &GrantObject::Table(name.clone()),
                    dotted(name),
                    &o.map(|x| x.grants.clone()).unwrap_or_default(),
                    &o.map(|x| x.revokes.clone()).unwrap_or_default(),
                    &v.grants,
                    &v.revokes,
                    v.origin,
                    &[],
                );
                if o.is_some_and(|x| x.description != v.description) {
                    self.comment(
                        CommentTarget::View(name.clone(), v.materialized),
                        v.description.as_ref(),
                        dotted(name),
                        v.origin,
                    );
                }
                // The view keeps its indexes (same names and definitions): their `why:` is
                // all that can have changed.
                for ix in &v.indexes {
                    let before =
                        o.and_then(|x| x.indexes.iter().find(|i| i.name.value == ix.name.value));
                    if before.is_some_and(|b| b.why != ix.why) {
                        self.comment(
                            CommentTarget::Index(index_qname(name, ix)),
                            ix.why.as_ref(),
                            format!("{}.{}", dotted(name), ix.name.value),
                            ix.origin,
                        );
                    }
                }
                continue;
            }
            let kind = if o.is_some() {
                ChangeKind::RecreateView
            } else {
                ChangeKind::CreateView
            };
            let c = self.change(
                kind,
                dotted(name),
                if v.materialized { "materialized" } else { "" },
                v.origin,
            );
            if o.is_some_and(|x| x.security_invoker && !v.security_invoker) {
                c.facts.weakens_access = Some("the view no longer has security_invoker".into());
            }
            let mut stmts = vec![Stmt::CreateView(v.clone().into())];
            stmts.extend(
                v.indexes
                    .iter()
                    .map(|ix| Stmt::CreateIndex(name.clone(), ix.clone().into())),
            );
            self.emit(
                Phase::CreateView,
                format!(
                    "{} {name}",
                    if v.materialized {
                        "Materialized view"
                    } else {
                        "View"
                    }
                ),
                stmts,
            );
            let empty = Privileges::new();
            self.privileges(
                &GrantObject::Table(name.clone()),
                dotted(name),
                &empty,
                &empty,
                &v.grants,
                &v.revokes,
                v.origin,
                &[],
            );
            let mut comments = Vec::new();
            if let Some(d) = &v.description {
                comments.push(Stmt::Comment(
                    CommentTarget::View(name.clone(), v.materialized),
                    d.clone(),
                ));
            }
            for ix in &v.indexes {
                if let Some(w) = &ix.why {
                    comments.push(Stmt::Comment(
                        CommentTarget::Index(index_qname(name, ix)),
                        w.clone(),
                    ));
                }
            }
            self.emit(Phase::Comments, format!("Comments on {name}"), comments);
        }
    }

    fn external_triggers(&mut self) {
        let (old, new) = (self.old, self.new);
        let key = |t: &crate::ir::Trigger| (t.table.clone(), t.name.clone());
        let before: BTreeMap<_, _> = old.external_triggers.iter().map(|t| (key(t), t)).collect();
        let after: BTreeMap<_, _> = new.external_triggers.iter().map(|t| (key(t), t)).collect();
        for (k, tr) in &after {
            let object = format!("{}.{}", dotted(&k.0), k.1);
            let target = || CommentTarget::Trigger(k.1.clone(), k.0.clone());
            match before.get(k) {
                Some(ot)
                    if trigger_def_eq(ot, tr)
                        && !self.recreated_functions.contains(&tr.function) =>
                {
                    if ot.description != tr.description {
                        self.comment(target(), tr.description.as_ref(), object, tr.origin);
                    }
                    continue;
                }
                Some(_) => {
                    self.change(ChangeKind::ReplaceTrigger, object, "definition", tr.origin);
                    self.emit(
                        Phase::DropTrigger,
                        format!("Drop trigger {} on {}", k.1, k.0),
                        vec![Stmt::DropTrigger(k.1.clone(), k.0.clone())],
                    );
                    self.emit(
                        Phase::CreateTrigger,
                        format!("Trigger {} on {}", k.1, k.0),
                        vec![Stmt::CreateTrigger((*tr).clone().into())],
                    );
                }
                None => {
                    self.change(ChangeKind::CreateTrigger, object, "", tr.origin);
                    self.emit(
                        Phase::CreateTrigger,
                        format!("Trigger {} on {}", k.1, k.0),
                        vec![Stmt::CreateTrigger((*tr).clone().into())],
                    );
                }
            }
            // A trigger created (or created again) has no comment yet.
            if let Some(d) = &tr.description {
                self.emit(
                    Phase::Comments,
                    format!("Comment on trigger {} on {}", k.1, k.0),
                    vec![Stmt::Comment(target(), d.clone())],
                );
            }
        }
        for k in before.keys() {
            if !after.contains_key(k) {
                self.change(
                    ChangeKind::DropTrigger,
                    format!("{}.{}", dotted(&k.0), k.1),
                    "",
                    Span::default(),
                );
                self.emit(
                    Phase::DropTrigger,
                    format!("Drop trigger {} on {}", k.1, k.0),
                    vec![Stmt::DropTrigger(k.1.clone(), k.0.clone())],
                );
            }
        }
    }
}

impl Differ<'_> {
    /// A partition created on an existing table gets the parent's row level security and
    /// privileges (when the parent's partitions are protected).
    fn protect_partition(&mut self, t: &Table, part: &QName) {
        if !t.partition.as_ref().is_some_and(|p| p.protected) {
            return;
        }
        self.emit(
            Phase::Rls,
            format!("Row level security on partition {part}, as on {}", t.name),
            crate::plan::partition_rls(t, part),
        );
        let mut privs: Vec<Stmt<'static>> = Vec::new();
        crate::plan::partition_privileges(t, part, &mut privs);
        self.emit(
            Phase::Privileges,
            format!("Privileges on partition {part}, as on {}", t.name),
            privs,
        );
    }

    /// Policies on platform tables (top-level `policies:`): created, dropped, or dropped and
    /// created again when their definition changes.
    fn external_policies(&mut self) {
        let (old, new) = (self.old, self.new);
        let empty = BTreeMap::new();
        let tables: BTreeSet<&QName> = old
            .external_policies
            .keys()
            .chain(new.external_policies.keys())
            .collect();
        for table in tables {
            let before = old.external_policies.get(table).unwrap_or(&empty);
            let after = new.external_policies.get(table).unwrap_or(&empty);
            let mut created: Vec<&Policy> = Vec::new();
            for (n, p) in after {
                let object = format!("{}.{n}", dotted(table));
                match before.get(n) {
                    Some(op) if policy_def_eq(op, p) && !self.reads_recreated_function(p) => {}
                    Some(op) => {
                        let c =
                            self.change(ChangeKind::AlterPolicy, object, "definition", p.origin);
                        c.facts.weakens_access = policy_weakening(Some(op), p);
                        self.emit(
                            Phase::DropPolicy,
                            format!("Drop policy {n} on {table} (its definition changes)"),
                            vec![Stmt::DropPolicy(n.clone(), table.clone())],
                        );
                        created.push(p);
                    }
                    None => {
                        let c = self.change(
                            ChangeKind::CreatePolicy,
                            object,
                            format!("for {}", p.command.sql().to_lowercase()),
                            p.origin,
                        );
                        c.facts.weakens_access = policy_weakening(None, p);
                        created.push(p);
                    }
                }
            }
            sort_policies(&mut created);
            for p in created {
                self.emit(
                    Phase::Rls,
                    format!("Policy {} on {table}", p.name),
                    vec![Stmt::CreatePolicy(table.clone(), (*p).clone().into())],
                );
            }
            for n in before.keys() {
                if !after.contains_key(n) {
                    let c = self.change(
                        ChangeKind::DropPolicy,
                        format!("{}.{n}", dotted(table)),
                        "",
                        Span::default(),
                    );
                    c.facts.weakens_access = Some(format!("policy {n} is dropped"));
                    self.emit(
                        Phase::DropPolicy,
                        format!("Drop policy {n} on {table}"),
                        vec![Stmt::DropPolicy(n.clone(), table.clone())],
                    );
                }
            }
        }
    }
}

/// Whether the SQL text `sql` names the identifier `ident` (a whole word, case-insensitive).
fn mentions(sql: &str, ident: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let ident = ident.to_ascii_lowercase();
    let word =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    lower.match_indices(&ident).any(|(i, _)| {
        !word(lower[..i].chars().next_back()) && !word(lower[i + ident.len()..].chars().next())
    })
}

/// Whether `model` writes the string literal `'value'` in a default, a check, a policy or a view.
fn uses_literal(model: &Model, value: &str) -> bool {
    let lit = format!("'{}'", value.replace('\'', "''"));
    let tables = model.tables.values().any(|t| {
        t.columns
            .values()
            .filter_map(|c| c.default.as_ref())
            .chain(t.checks.iter().map(|c| &c.expr))
            .chain(
                t.policies
                    .values()
                    .flat_map(|p| [&p.using, &p.with_check].into_iter().flatten()),
            )
            .any(|e| e.value.contains(&lit))
    });
    tables || model.views.values().any(|v| v.query.value.contains(&lit))
}

/// `SET SCHEMA` (when the schema changes), then `RENAME TO` (when the name does).
fn move_and_rename(
    from: &QName,
    to: &QName,
    set_schema: fn(QName, String) -> Stmt<'static>,
    rename: fn(QName, String) -> Stmt<'static>,
) -> Vec<Stmt<'static>> {
    let mut stmts = Vec::new();
    let mut current = from.clone();
    if from.schema != to.schema {
        stmts.push(set_schema(current.clone(), to.schema.clone()));
        current = QName::new(to.schema.clone(), from.name.clone());
    }
    if current.name != to.name {
        stmts.push(rename(current, to.name.clone()));
    }
    stmts
}

/// How a new or changed policy weakens access, if it does: roles widened to `public`/`anon`, or
/// an expression that became constant true.
fn policy_weakening(old: Option<&Policy>, p: &Policy) -> Option<String> {
    let wide = |q: &Policy| {
        q.roles.is_empty()
            || q.roles
                .iter()
                .any(|r| r.value == "public" || r.value == "anon")
    };
    let constant_true = |e: Option<&str>| {
        e.is_some_and(|e| {
            matches!(
                e.trim().to_ascii_lowercase().as_str(),
                "true" | "(true)" | "1 = 1" | "1=1"
            )
        })
    };
    if wide(p) && old.is_some_and(|o| !wide(o)) {
        return Some(format!(
            "policy {} now applies to {}",
            p.name,
            if p.roles.is_empty() {
                "public".to_string()
            } else {
                p.roles
                    .iter()
                    .map(|r| r.value.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
    }
    let now_true = constant_true(p.using.as_ref().map(|u| u.value.as_str()))
        || constant_true(p.with_check.as_ref().map(|u| u.value.as_str()));
    let was_true = old.is_some_and(|o| {
        constant_true(o.using.as_ref().map(|u| u.value.as_str()))
            || constant_true(o.with_check.as_ref().map(|u| u.value.as_str()))
    });
    if p.permissive && now_true && !was_true {
        return Some(format!("policy {} allows every row", p.name));
    }
    None
}

impl Differ<'_> {
    fn finish(
        self,
    ) -> (
        Vec<Change>,
        Vec<Step<'static>>,
        Vec<Step<'static>>,
        Vec<Stmt<'static>>,
    ) {
        let mut entries = self.entries;
        entries.sort_by_key(|e| (e.online, e.phase));
        let mut main = Vec::new();
        let mut online = Vec::new();
        for e in entries {
            let step = Step {
                comment: e.comment,
                stmts: e.stmts,
            };
            if e.online {
                online.push(step)
            } else {
                main.push(step)
            }
        }
        (self.changes, main, online, self.cleanup)
    }
}

/// The next migration from `old` to `new`.
pub fn incremental(old: &Model, new: &Model) -> Incremental {
    let renames = Renames::declared(old, new);
    let renamed_old = renames.apply(old);
    let (changes, up, online_up, cleanup) = run(
        &renamed_old,
        new,
        &renames,
        Strategies::of(&new.migrations),
        false,
    );
    if changes.is_empty() {
        return Incremental::default();
    }
    // Down: from `new` back to `old`, renames inverted, in one transaction.
    let back = renames.inverted();
    let renamed_new = back.apply(new);
    let (_, mut down, _, _) = run(&renamed_new, old, &back, Strategies::OFF, true);
    if !cleanup.is_empty() {
        down.insert(
            0,
            Step {
                comment: "Temporary NOT NULL checks of the follow-up file".into(),
                stmts: cleanup,
            },
        );
    }
    let settings = crate::plan::settings(new);
    let online = (!online_up.is_empty()).then(|| Migration {
        settings: online_settings(new),
        up: online_up,
        // The main file's down migration undoes this file's work too (its drops say IF EXISTS),
        // so rolling back this file alone changes nothing.
        down: Vec::new(),
        non_transactional: true,
    });
    Incremental {
        changes,
        main: Migration {
            settings,
            up,
            down,
            non_transactional: false,
        },
        online,
    }
}

fn run(
    old: &Model,
    new: &Model,
    renames: &Renames,
    settings: Strategies,
    down: bool,
) -> (
    Vec<Change>,
    Vec<Step<'static>>,
    Vec<Step<'static>>,
    Vec<Stmt<'static>>,
) {
    let mut d = Differ {
        old,
        new,
        settings,
        down,
        changes: Vec::new(),
        entries: Vec::new(),
        retyped_tables: BTreeSet::new(),
        recreated_functions: BTreeSet::new(),
        cleanup: Vec::new(),
    };
    d.run(renames);
    d.finish()
}

/// Session-level settings of a file that runs outside a transaction: no statement timeout (an
/// index build on a large table takes long), the same lock timeout and search path.
fn online_settings(model: &Model) -> Vec<Stmt<'static>> {
    crate::plan::settings(model)
        .into_iter()
        .map(|s| match s {
            Stmt::SetLocal("statement_timeout", _) => {
                Stmt::Set("statement_timeout", "0".to_string())
            }
            Stmt::SetLocal(name, value) => Stmt::Set(name, value),
            other => other,
        })
        .collect()
}

/// `text` as part of a file name: lower-case ASCII letters and digits, every run of other
/// characters one `_`, none at the ends (`Add title!` → `add_title`).
pub fn file_name_part(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// A short file-name slug for the changes: the first change, and how many more.
pub fn slug(changes: &[Change]) -> String {
    let Some(first) = changes.first() else {
        return "no_changes".to_string();
    };
    let kind = serde_json::to_value(first.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let object = first
        .object
        .strip_prefix("public.")
        .unwrap_or(&first.object);
    let mut s = file_name_part(&format!("{kind}_{object}"));
    if s.len() > 48 {
        s.truncate(48);
        s = s.trim_end_matches('_').to_string();
    }
    let others = changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Comment || first.kind == ChangeKind::Comment)
        .count()
        .saturating_sub(1);
    if others > 0 {
        s.push_str(&format!("_and_{others}_more"));
    }
    s
}

/// `new` with what already exists in `old` kept in `old`'s order: the columns of a table (a
/// renamed column keeps its place), its indexes, unique constraints, checks and foreign keys, and
/// the indexes of a materialized view; what is new follows, in `new`'s order. `None` when
/// nothing moves.
///
/// The diff treats these lists as sets (PostgreSQL cannot reorder a table's columns, and keeps
/// no order for the rest), so a model that only reorders them needs no statement. Its snapshot
/// must keep the order the database was built with: `schemac check` renders the first migration
/// again from it (E404), and a snapshot taking the new order would make `check` fail after a
/// `build` that had nothing to do.
pub fn in_existing_order(old: &Model, new: &Model) -> Option<Model> {
    let mut out: Option<Model> = None;
    for (name, t) in &new.tables {
        let Some(o) = old.tables.get(name) else {
            continue;
        };
        let col_rank = |c: &Column| {
            let was = c
                .renamed_from
                .as_ref()
                .map_or(c.name.as_str(), |r| r.value.as_str());
            o.columns.get_index_of(was)
        };
        let ix_rank = |n: &str| o.indexes.iter().position(|x| x.name.value == n);
        let un_rank = |n: &str| o.uniques.iter().position(|x| x.name.value == n);
        let ck_rank = |n: &str| o.checks.iter().position(|x| x.name.value == n);
        let fk_rank = |n: &str| o.foreign_keys.iter().position(|x| x.name.value == n);
        let moves = !in_order(t.columns.values().map(col_rank))
            || !in_order(t.indexes.iter().map(|x| ix_rank(&x.name.value)))
            || !in_order(t.uniques.iter().map(|x| un_rank(&x.name.value)))
            || !in_order(t.checks.iter().map(|x| ck_rank(&x.name.value)))
            || !in_order(t.foreign_keys.iter().map(|x| fk_rank(&x.name.value)));
        if !moves {
            continue;
        }
        let model = out.get_or_insert_with(|| new.clone());
        if let Some(t) = model.tables.get_mut(name) {
            t.columns
                .sort_by(|_, a, _, b| rank_key(col_rank(a)).cmp(&rank_key(col_rank(b))));
            t.indexes.sort_by_key(|x| rank_key(ix_rank(&x.name.value)));
            t.uniques.sort_by_key(|x| rank_key(un_rank(&x.name.value)));
            t.checks.sort_by_key(|x| rank_key(ck_rank(&x.name.value)));
            t.foreign_keys
                .sort_by_key(|x| rank_key(fk_rank(&x.name.value)));
        }
    }
    for (name, v) in &new.views {
        let Some(o) = old.views.get(name) else {
            continue;
        };
        let rank = |n: &str| o.indexes.iter().position(|x| x.name.value == n);
        if in_order(v.indexes.iter().map(|x| rank(&x.name.value))) {
            continue;
        }
        let model = out.get_or_insert_with(|| new.clone());
        if let Some(v) = model.views.get_mut(name) {
            v.indexes.sort_by_key(|x| rank_key(rank(&x.name.value)));
        }
    }
    out
}

/// The sort key of an item with its place in the old list, if it had one: old items first, in
/// their old order; new ones after them (the sorts are stable, so they keep their order).
fn rank_key(rank: Option<usize>) -> (bool, usize) {
    (rank.is_none(), rank.unwrap_or(0))
}

/// Whether items with these old places are already in the order [`in_existing_order`] gives.
fn in_order(ranks: impl Iterator<Item = Option<usize>>) -> bool {
    let keys: Vec<(bool, usize)> = ranks.map(rank_key).collect();
    keys.is_sorted()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn model(yaml: &str) -> Model {
        let compiled = crate::compile_sources(&[("schema.yaml".to_string(), yaml.to_string())]);
        assert!(compiled.ok(), "{:?}", compiled.diagnostics.sorted());
        compiled.model
    }

    fn columns(m: &Model) -> Vec<&str> {
        m.tables
            .values()
            .next()
            .unwrap()
            .columns
            .keys()
            .map(String::as_str)
            .collect()
    }

    const OLD: &str = "version: 1
tables:
  t:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      a: { type: text, nullable: true }
      b: { type: text, nullable: true }
      c: { type: text, nullable: true }
    indexes:
      - { name: t_a_idx, columns: [a] }
      - { name: t_b_idx, columns: [b] }
";

    #[test]
    fn existing_columns_and_indexes_keep_their_order_new_ones_follow() {
        let old = model(OLD);
        // c moved first, a renamed to a2 and moved last, d new in the middle, indexes swapped
        // and a third one added first.
        let new = model(
            "version: 1
tables:
  t:
    columns:
      c: { type: text, nullable: true }
      id: { type: bigint, identity: always, primary_key: true }
      d: { type: text, nullable: true }
      b: { type: text, nullable: true }
      a2: { type: text, nullable: true, renamed_from: a }
    indexes:
      - { name: t_c_idx, columns: [c] }
      - { name: t_b_idx, columns: [b] }
      - { name: t_a_idx, columns: [a2] }
",
        );
        let settled = in_existing_order(&old, &new).expect("the order moves");
        assert_eq!(columns(&settled), ["id", "a2", "b", "c", "d"]);
        let t = settled.tables.values().next().unwrap();
        let indexes: Vec<&str> = t.indexes.iter().map(|i| i.name.value.as_str()).collect();
        assert_eq!(indexes, ["t_a_idx", "t_b_idx", "t_c_idx"]);
        // Everything but the order is the new model's.
        let mut back = settled.clone();
        back.tables.values_mut().next().unwrap().columns.sort_keys();
        let mut sorted = new.clone();
        sorted
            .tables
            .values_mut()
            .next()
            .unwrap()
            .columns
            .sort_keys();
        assert_eq!(
            back.tables.values().next().unwrap().columns,
            sorted.tables.values().next().unwrap().columns
        );
    }

    #[test]
    fn nothing_moves_when_the_order_is_kept() {
        let old = model(OLD);
        let mut appended = OLD.replace(
            "      c: { type: text, nullable: true }\n",
            "      c: { type: text, nullable: true }\n      d: { type: integer, nullable: true }\n",
        );
        assert!(in_existing_order(&old, &model(&appended)).is_none());
        appended.push_str("views:\n  v: { query: \"select id from public.t\" }\n");
        assert!(in_existing_order(&old, &model(&appended)).is_none());
        assert!(in_existing_order(&old, &old).is_none());
    }
}
