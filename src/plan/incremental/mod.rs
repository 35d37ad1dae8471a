//! Incremental migrations: the previous model (from the committed snapshot) and the new one → the
//! change list and the statements of the next migration, its optional non-transactional follow-up
//! and its down migration.
//!
//! Input: two resolved models — `old` deserialized from `schema.snapshot.json`, `new` freshly
//! compiled — and the new model's [`MigrationSettings`]. Output: [`Incremental`]: every
//! [`Change`] (what `schemac plan --format json` prints and the SC6xx rules read), the
//! transactional migration, and, when a safe strategy needs statements that cannot run inside a
//! transaction (`CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT` after `NOT VALID`), a second,
//! non-transactional migration. The walk is split by object kind (one file each); the comparisons
//! and the change vocabulary live in [`crate::diff`]. Invariants: renames come only from
//! `renamed_from:` ([`Renames`]); statements are ordered by phase (new schemas, renames, drops of
//! dependants, drops, creates in dependency order, alterations, dependants again, privileges,
//! comments, late drops) and within a phase by table order and name, so output is deterministic;
//! objects that depend on a function dropped and created again (triggers, policies, views,
//! defaults, checks calling it by name) go before the drop and come back after the create, and so
//! do generated columns (with their indexes) around a type change of a column they read; an enum
//! value is added with `ADD VALUE` only when the migration does not use it at once (otherwise the
//! type is rebuilt); the down migration is the diff from `new` back to `old` with the renames
//! inverted, every strategy off and every drop of an index or constraint written `IF EXISTS` (so
//! it works whether or not the follow-up file ran).

mod alter_table;
mod columns;
mod data;
mod default_privileges;
mod domains;
mod enums;
mod external;
mod functions;
mod indexes;
mod jobs;
mod privileges;
mod publications;
mod renames;
mod replication;
mod schema;
mod schema_privileges;
mod tables;
mod views;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::compare::{
    column_def_eq, enum_values_removed, enum_values_reordered, fk_def_eq, function_def_eq,
    function_replaceable, index_def_eq, policy_def_eq, policy_weakening, trigger_def_eq, trimmed,
};
use crate::diff::{Change, ChangeKind, ConstraintKind, Facts, Renames, Subject};
use crate::ir::graph::table_order;
use crate::ir::{
    Column, FnKey, Function, Index, MigrationSettings, Model, Policy, Preset, Privileges, QName,
    Table, View,
};
use crate::plan::{Migration, Step, sort_policies, view_order};
use crate::source::Span;
use crate::sql::{
    CommentTarget, Constraint, GrantObject, Stmt, drop_routine, function_signature,
    routine_comment_target, routine_grant_object,
};

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
    /// Jobs go before anything they may call is dropped or renamed.
    UnscheduleJob,
    Rename,
    DropView,
    DropTrigger,
    DropPolicy,
    /// Rows removed from reference data (children's before parents').
    DeleteData,
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
    /// Order matters: default privileges come before the objects they should cover.
    DefaultPrivileges,
    Enum,
    CreateFunction,
    CreateTable,
    AlterColumn,
    /// Reference rows inserted or updated (parents' first), before constraints that check them.
    Data,
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
    DropType,
    /// Jobs come after everything they call and read.
    ScheduleJob,
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
    for (i, u) in t.uniques.iter().enumerate() {
        // A unique constraint PostgreSQL folded into an earlier key was never created (E321
        // refuses it now; an older snapshot may still have one): nothing to drop or add back.
        if t.folded_unique(i).is_none() {
            m.insert(u.name.value.clone(), Constraint::Unique(u.clone()));
        }
    }
    for c in &t.checks {
        m.insert(c.name.value.clone(), Constraint::Check(c.clone()));
    }
    for fk in &t.foreign_keys {
        m.insert(fk.name.value.clone(), Constraint::ForeignKey(fk.clone()));
    }
    for x in &t.excludes {
        m.insert(x.name.value.clone(), Constraint::Exclude(x.clone()));
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
        (Constraint::Exclude(x), Constraint::Exclude(y)) => exclude_def_eq(x, y),
        _ => false,
    }
}

fn constraint_kind(c: &Constraint) -> ConstraintKind {
    match c {
        Constraint::PrimaryKey(_) => ConstraintKind::PrimaryKey,
        Constraint::Unique(_) => ConstraintKind::Unique,
        Constraint::Check(_) => ConstraintKind::Check,
        Constraint::ForeignKey(_) => ConstraintKind::ForeignKey,
        Constraint::Exclude(_) => ConstraintKind::Exclusion,
    }
}

fn constraint_span(c: &Constraint) -> Span {
    match c {
        Constraint::PrimaryKey(x) => x.origin,
        Constraint::Unique(x) => x.origin,
        Constraint::Check(x) => x.origin,
        Constraint::ForeignKey(x) => x.origin,
        Constraint::Exclude(x) => x.origin,
    }
}

/// Two exclusion constraints with the same definition (names aside): method, elements in order
/// (expressions compared trimmed), predicate and deferrability.
fn exclude_def_eq(a: &crate::ir::exclude::Exclude, b: &crate::ir::exclude::Exclude) -> bool {
    let trimmed =
        |p: &Option<crate::ir::Sp<String>>| p.as_ref().map(|p| p.value.trim().to_string());
    a.method == b.method
        && a.deferrable == b.deferrable
        && trimmed(&a.predicate) == trimmed(&b.predicate)
        && a.elements.len() == b.elements.len()
        && a.elements.iter().zip(&b.elements).all(|(x, y)| {
            x.expression == y.expression
                && x.target.value.trim() == y.target.value.trim()
                && x.with.value == y.with.value
        })
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
            subject: Subject::Other,
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
        self.default_privileges();
        self.enums();
        self.user_types(renames);
        self.functions();
        self.tables();
        self.data();
        self.views();
        self.external_triggers();
        self.external_policies();
        self.function_privileges_and_comments();
        self.jobs();
        self.publications();
        self.schema_privileges();
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
