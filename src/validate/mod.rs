//! Validate: hard errors in a resolved model.
//!
//! Input: the resolved [`Model`], its preset's objects and the sources (to map SQL positions back
//! into the YAML). Output: diagnostics (`E2xx`/`E3xx`), and the parsed SQL expression fragments
//! ([`Fragments`]) for the lint rules; the model is not changed.
//! Invariants: every check runs (no early return), so one run reports every problem; each pass is
//! linear in the size of the model (lookups go through maps built once per table).

mod citus;
mod constraints;
mod data;
mod default_privileges;
mod domains;
mod exclude;
mod job;
mod publication;
mod replication;
pub mod sql;

pub use sql::{Fragment, Fragments};

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::types::family;
use crate::ir::{
    Model, PartitionBound, Policy, PolicyCommand, Preset, QName, Sp, Table, TriggerTiming,
};
use crate::load::decode::did_you_mean;
use crate::preset::External;
use crate::resolve::{Scope, ViewQueries};
use crate::source::{SourceMap, Span};

const MAX_IDENT: usize = 63;
const TABLE_PRIVILEGES: &[&str] = &[
    "all",
    "select",
    "insert",
    "update",
    "delete",
    "truncate",
    "references",
    "trigger",
];
const FUNCTION_PRIVILEGES: &[&str] = &["all", "execute"];
const INTEGER_TYPES: &[&str] = &["smallint", "integer", "bigint"];

/// E208 for a name that is empty or holds a control character (NUL, a newline, ESC…) or a
/// bidirectional override:
/// PostgreSQL would take or reject it, but it would reach comment lines of the migration and the
/// terminal, where a newline starts a statement and an escape sequence drives the screen.
pub(crate) fn name_chars(d: &mut Diagnostics, what: &str, name: &str, span: Span) -> bool {
    let problem = if name.is_empty() {
        "is empty"
    } else if name.chars().any(char::is_control) {
        "contains a control character"
    } else if name.chars().any(crate::diagnostics::is_unsafe_char) {
        "contains a bidirectional override, which reorders how text is shown"
    } else {
        return true;
    };
    d.push(
        Diagnostic::error(
            Code::InvalidName,
            format!(
                "{what} `{}` {problem}",
                crate::diagnostics::escape_control(name)
            ),
        )
        .at(span, "not a valid name")
        .help("use a name without control characters (newlines, tabs, NUL, escapes)"),
    );
    false
}

fn ident_len(d: &mut Diagnostics, what: &str, name: &str, span: Span, generated: bool) {
    if !name_chars(d, what, name, span) {
        return;
    }
    if name.len() > MAX_IDENT {
        let help = if generated {
            "give it a shorter explicit `name:` (PostgreSQL would silently truncate it)".to_string()
        } else {
            "shorten the name to at most 63 bytes (PostgreSQL would silently truncate it)"
                .to_string()
        };
        d.push(
            Diagnostic::error(
                Code::IdentifierTooLong,
                format!(
                    "{what} `{name}` is {} bytes long; PostgreSQL allows 63",
                    name.len()
                ),
            )
            .at(
                span,
                if generated {
                    "this generates the name"
                } else {
                    "too long"
                },
            )
            .help(help),
        );
    }
}

fn unknown_column(d: &mut Diagnostics, table: &Table, col: &Sp<String>, role: &str) {
    let hint = did_you_mean(&col.value, table.columns.keys().map(String::as_str));
    d.push(
        Diagnostic::error(
            Code::UnknownColumn,
            format!(
                "{role} names column `{}`, which table `{}` does not have{hint}",
                col.value, table.name.name
            ),
        )
        .at(col.span, "no such column")
        .help(format!(
            "use one of the columns declared under `{}`",
            table.name.name
        )),
    );
}

fn check_columns(d: &mut Diagnostics, table: &Table, cols: &[Sp<String>], role: &str) {
    for c in cols {
        if !table.columns.contains_key(&c.value) {
            unknown_column(d, table, c, role);
        }
    }
}

/// Check the privileges of an object's grants and revokes against those that apply to it.
fn check_privileges(
    d: &mut Diagnostics,
    grants: &crate::ir::Privileges,
    revokes: &crate::ir::Privileges,
    spans: &BTreeMap<String, Span>,
    allowed: &[&str],
    origin: Span,
    what: &str,
) {
    for (revoke, privs) in [(false, grants), (true, revokes)] {
        for (role, set) in privs {
            for p in set {
                if allowed.contains(&p.as_str()) {
                    continue;
                }
                let hint = did_you_mean(p, allowed.iter().copied());
                let verb = if revoke { "revoked from" } else { "granted to" };
                let span = crate::ir::privilege_span(spans, revoke, role, Some(p), origin);
                d.push(
                    Diagnostic::error(
                        Code::InvalidPrivilege,
                        format!("`{p}` ({verb} `{role}`) is not a privilege of {what}{hint}"),
                    )
                    .at(span, format!("not a privilege of {what}"))
                    .help(format!("use one of: {}", allowed.join(", "))),
                );
            }
        }
    }
}

/// The privileges of a schema's `grants`/`revoke`, `all_tables` and `all_functions`.
fn schema_privileges(s: &crate::ir::SchemaDef, d: &mut Diagnostics) {
    use crate::resolve::schema_privileges::{
        FUNCTION_PRIVILEGES, SCHEMA_PRIVILEGES, TABLE_PRIVILEGES, bulk_spans,
    };
    let none = crate::ir::Privileges::new();
    check_privileges(
        d,
        &s.grants,
        &s.revokes,
        &s.privilege_spans,
        SCHEMA_PRIVILEGES,
        s.origin,
        "a schema",
    );
    check_privileges(
        d,
        &s.all_tables,
        &none,
        &bulk_spans(&s.privilege_spans, "all_tables"),
        TABLE_PRIVILEGES,
        s.origin,
        "a table (`all_tables`)",
    );
    check_privileges(
        d,
        &s.all_functions,
        &none,
        &bulk_spans(&s.privilege_spans, "all_functions"),
        FUNCTION_PRIVILEGES,
        s.origin,
        "a function (`all_functions`)",
    );
}

fn table_checks(model: &Model, scope: &Scope, t: &Table, d: &mut Diagnostics) {
    ident_len(d, "table name", &t.name.name, t.origin, false);
    for c in t.columns.values() {
        ident_len(d, "column name", &c.name, c.origin, false);
        let conflict = |d: &mut Diagnostics, msg: String, span: Span, help: &str| {
            d.push(
                Diagnostic::error(Code::ConflictingOptions, msg)
                    .at(span, "conflicting option")
                    .help(help),
            );
        };
        if c.identity.is_some() && c.default.is_some() {
            conflict(
                d,
                format!(
                    "column `{}.{}` has both `identity` and `default`",
                    t.name.name, c.name
                ),
                c.origin,
                "an identity column gets its values from its sequence: remove `default`",
            );
        }
        if c.generated.is_some() && (c.default.is_some() || c.identity.is_some()) {
            conflict(
                d,
                format!(
                    "column `{}.{}` is generated and also has a default or identity",
                    t.name.name, c.name
                ),
                c.origin,
                "a generated column computes its value: remove `default`/`identity`",
            );
        }
        if c.identity.is_some()
            && !c.type_sql.is_empty()
            && !INTEGER_TYPES.contains(&c.type_sql.as_str())
        {
            conflict(
                d,
                format!(
                    "identity column `{}.{}` has type `{}`",
                    t.name.name, c.name, c.type_sql
                ),
                c.type_written.span,
                "identity columns must be smallint, integer or bigint",
            );
        }
    }
    if let Some(pk) = &t.primary_key {
        check_columns(d, t, &pk.columns, "the primary key");
        if pk.name.len() > MAX_IDENT && pk.name == format!("{}_pkey", t.name.name) {
            d.push(
                Diagnostic::error(
                    Code::IdentifierTooLong,
                    format!(
                        "primary key name `{}` is {} bytes long; PostgreSQL allows 63",
                        pk.name,
                        pk.name.len()
                    ),
                )
                .at(pk.origin, "this generates the name `<table>_pkey`")
                .help("shorten the table name to at most 58 bytes"),
            );
        }
        for col in &pk.columns {
            if let Some(c) = t.columns.get(&col.value)
                && c.nullable
            {
                d.push(
                    Diagnostic::error(
                        Code::ConflictingOptions,
                        format!(
                            "primary key column `{}.{}` is marked `nullable: true`",
                            t.name.name, c.name
                        ),
                    )
                    .at(c.origin, "primary key columns are always NOT NULL")
                    .also(pk.origin, "primary key declared here")
                    .help("remove `nullable: true`"),
                );
            }
        }
    }
    for u in &t.uniques {
        check_columns(d, t, &u.columns, "a unique constraint");
        ident_len(d, "unique constraint name", &u.name.value, u.origin, true);
    }
    redundant_uniques(t, d);
    constraints::check(t, d);
    exclude::check(model, t, d);
    for c in &t.checks {
        ident_len(
            d,
            "check constraint name",
            &c.name.value,
            c.origin,
            c.column.is_some(),
        );
    }
    for ix in &t.indexes {
        ident_len(d, "index name", &ix.name.value, ix.origin, true);
        index_key_names(d, ix);
        let cols: Vec<Sp<String>> = ix
            .keys
            .iter()
            .filter(|k| !k.expression)
            .map(|k| k.target.clone())
            .collect();
        check_columns(d, t, &cols, "an index");
        check_columns(d, t, &ix.include, "an index INCLUDE list");
    }
    for fk in &t.foreign_keys {
        ident_len(d, "foreign key name", &fk.name.value, fk.origin, true);
        check_columns(d, t, &fk.columns, "a foreign key");
        foreign_key_target(model, scope, t, fk, d);
    }
    for p in t.policies.values() {
        policy_checks(p, d);
    }
    for tr in t.triggers.values() {
        trigger_checks(model, tr, Some(t), d);
    }
    replication::replica_identity(t, d);
    check_privileges(
        d,
        &t.grants,
        &t.revokes,
        &t.privilege_spans,
        TABLE_PRIVILEGES,
        t.origin,
        "a table",
    );
    if t.realtime && model.preset != Preset::Supabase {
        d.push(
            Diagnostic::error(
                Code::PresetRequired,
                format!(
                    "table `{}` sets `realtime: true` without the supabase preset",
                    t.name.name
                ),
            )
            .at(t.origin, "realtime is Supabase's publication")
            .help("set `preset: supabase`, or remove `realtime`"),
        );
    }
    if let Some(p) = &t.partition {
        check_columns(d, t, &p.columns, "the partition key");
        let key: BTreeSet<&str> = p.columns.iter().map(|c| c.value.as_str()).collect();
        let mut constraints: Vec<(&str, Vec<&str>, Span)> = Vec::new();
        if let Some(pk) = &t.primary_key {
            constraints.push((
                "primary key",
                pk.columns.iter().map(|c| c.value.as_str()).collect(),
                pk.origin,
            ));
        }
        for u in &t.uniques {
            constraints.push((
                "unique constraint",
                u.columns.iter().map(|c| c.value.as_str()).collect(),
                u.origin,
            ));
        }
        for (what, cols, span) in constraints {
            let missing: Vec<&str> = key.iter().filter(|k| !cols.contains(k)).copied().collect();
            if !missing.is_empty() {
                d.push(
                    Diagnostic::error(Code::InvalidPartitioning, format!("the {what} of partitioned table `{}` does not include the partition key `{}`", t.name.name, missing.join(", ")))
                        .at(span, "PostgreSQL requires the partition key in every primary key and unique constraint")
                        .help(format!("add `{}` to the {what}", missing.join(", "))),
                );
            }
        }
        for part in p.partitions.values() {
            ident_len(d, "partition name", &part.name.name, part.origin, false);
            let ok = matches!(
                (p.by.as_str(), &part.bound),
                (
                    "range",
                    PartitionBound::Range { .. } | PartitionBound::Default
                ) | (
                    "list",
                    PartitionBound::List { .. } | PartitionBound::Default
                ) | ("hash", PartitionBound::Hash { .. })
            );
            if !ok {
                d.push(
                    Diagnostic::error(Code::InvalidPartitioning, format!("partition `{}` has a bound that does not fit `by: {}`", part.name.name, p.by))
                        .at(part.origin, "wrong kind of bound")
                        .help("range partitions take from/to, list partitions take in, hash partitions take modulus/remainder; only range and list have a default"),
                );
            }
            if let PartitionBound::Range { from, to } = &part.bound
                && (from.len() != p.columns.len() || to.len() != p.columns.len())
            {
                d.push(
                    Diagnostic::error(
                        Code::InvalidPartitioning,
                        format!(
                            "partition `{}` needs {} value(s) in `from` and `to`",
                            part.name.name,
                            p.columns.len()
                        ),
                    )
                    .at(part.origin, "one value per partition key column")
                    .help("give `from:` and `to:` one value per partition key column"),
                );
            }
            if let PartitionBound::Hash { modulus, remainder } = &part.bound
                && (*modulus == 0 || remainder >= modulus)
            {
                d.push(
                    Diagnostic::error(
                        Code::InvalidPartitioning,
                        format!(
                            "partition `{}`: remainder must be less than modulus",
                            part.name.name
                        ),
                    )
                    .at(part.origin, "invalid hash bound")
                    .help("use a modulus above zero and a remainder below it"),
                );
            }
        }
    } else if let Some(pk) = &t.primary_key {
        let _ = pk;
    }
}

/// E321: a unique constraint on exactly the primary key's columns (in the same order), or on
/// exactly the columns of an earlier unique constraint of the table with the same NULLS
/// treatment. `CREATE TABLE` folds such a constraint into the one before it and creates no
/// constraint of that name: verify would report it missing and a later migration that drops it
/// would fail.
fn redundant_uniques(t: &Table, d: &mut Diagnostics) {
    for (i, u) in t.uniques.iter().enumerate() {
        let (other, at, help) = match t.folded_unique(i) {
            Some(crate::ir::Folded::IntoPrimaryKey(p)) => (
                format!("the primary key `{}`", p.name),
                p.origin,
                "remove `unique: true` (or this `unique:` entry): the primary key is already unique",
            ),
            Some(crate::ir::Folded::IntoUnique(first)) => (
                format!("unique constraint `{}`", first.name.value),
                first.origin,
                "declare each unique constraint once",
            ),
            None => continue,
        };
        d.push(
            Diagnostic::error(
                Code::RedundantUnique,
                format!(
                    "unique constraint `{}` of table `{}` repeats {other}",
                    u.name.value, t.name.name
                ),
            )
            .at(
                u.origin,
                "PostgreSQL folds this into the earlier constraint and never creates it",
            )
            .also(at, "already unique here")
            .help(help),
        );
    }
}

fn foreign_key_target(
    model: &Model,
    scope: &Scope,
    t: &Table,
    fk: &crate::ir::ForeignKey,
    d: &mut Diagnostics,
) {
    if fk.target.name.is_empty() {
        return; // unresolved: already reported
    }
    if fk.columns.len() != fk.target_columns.len() && !fk.target_columns.is_empty() {
        d.push(
            Diagnostic::error(
                Code::FkTypeMismatch,
                format!(
                    "foreign key `{}` has {} column(s) but references {}",
                    fk.name.value,
                    fk.columns.len(),
                    fk.target_columns.len()
                ),
            )
            .at(fk.origin, "column counts differ")
            .help("list as many referenced columns as referencing columns"),
        );
        return;
    }
    let Some(target_cols) = scope.columns(&fk.target) else {
        return;
    };
    let target_types: BTreeMap<&str, &str> = target_cols
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let mut all_known = true;
    for tc in &fk.target_columns {
        if !target_types.contains_key(tc.value.as_str()) {
            all_known = false;
            let hint = did_you_mean(&tc.value, target_types.keys().copied());
            d.push(
                Diagnostic::error(
                    Code::UnknownColumn,
                    format!(
                        "foreign key references `{}.{}`, which does not exist{hint}",
                        fk.target.display_short(&model.default_schema),
                        tc.value
                    ),
                )
                .at(tc.span, "no such column")
                .help("reference a column of the target table"),
            );
        }
    }
    if !all_known {
        return;
    }
    // The target columns must be exactly a primary key or a unique constraint (or unique index).
    let wanted: BTreeSet<&str> = fk.target_columns.iter().map(|c| c.value.as_str()).collect();
    let is_key = match model.tables.get(&fk.target) {
        Some(tt) => {
            tt.primary_key.as_ref().is_some_and(|pk| {
                pk.columns
                    .iter()
                    .map(|c| c.value.as_str())
                    .collect::<BTreeSet<_>>()
                    == wanted
            }) || tt.uniques.iter().any(|u| {
                u.columns
                    .iter()
                    .map(|c| c.value.as_str())
                    .collect::<BTreeSet<_>>()
                    == wanted
            }) || tt.indexes.iter().any(|ix| {
                ix.unique
                    && ix.predicate.is_none()
                    && ix.keys.iter().all(|k| !k.expression)
                    && ix
                        .keys
                        .iter()
                        .map(|k| k.target.value.as_str())
                        .collect::<BTreeSet<_>>()
                        == wanted
            })
        }
        None => {
            let pk: BTreeSet<&str> = scope
                .external
                .primary_keys
                .get(&fk.target)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            pk == wanted
                || (wanted.len() == 1
                    && scope
                        .external
                        .unique_columns
                        .get(&fk.target)
                        .is_some_and(|u| u.iter().any(|c| wanted.contains(c.as_str()))))
        }
    };
    if !is_key {
        d.push(
            Diagnostic::error(
                Code::FkTargetNotUnique,
                format!("foreign key `{}` references `{}` ({}), which is not its primary key or a unique constraint", fk.name.value, fk.target.display_short(&model.default_schema), wanted.iter().copied().collect::<Vec<_>>().join(", ")),
            )
            .at(fk.target_written.span, "not a key of the target")
            .help("reference the target's primary key, or declare `unique` on the referenced columns"),
        );
    }
    for (c, tc) in fk.columns.iter().zip(&fk.target_columns) {
        let (Some(col), Some(tt)) = (t.columns.get(&c.value), target_types.get(tc.value.as_str()))
        else {
            continue;
        };
        if col.type_sql.is_empty() || tt.is_empty() {
            continue;
        }
        if family(&col.type_sql) != family(tt) {
            d.push(
                Diagnostic::error(
                    Code::FkTypeMismatch,
                    format!(
                        "`{}.{}` is `{}` but references `{}` of type `{}`",
                        t.name.name, c.value, col.type_sql, tc.value, tt
                    ),
                )
                .at(
                    col.type_written.span,
                    "incompatible with the referenced column",
                )
                .also(c.span, "foreign key declared here")
                .help(format!("make the column `{tt}`")),
            );
        }
        // With a column list, only the listed columns are set (validate::constraints).
        if fk.on_delete == crate::ir::FkAction::SetNull
            && !col.nullable
            && fk.on_delete_columns.is_empty()
        {
            d.push(
                Diagnostic::error(
                    Code::ConflictingOptions,
                    format!(
                        "`{}.{}` is NOT NULL but its foreign key says `on_delete: set_null`",
                        t.name.name, c.value
                    ),
                )
                .at(fk.origin, "deleting the target would violate NOT NULL")
                .help("add `nullable: true` to the column, or choose another `on_delete`"),
            );
        }
    }
}

fn trigger_checks(
    model: &Model,
    tr: &crate::ir::Trigger,
    table: Option<&Table>,
    d: &mut Diagnostics,
) {
    ident_len(d, "trigger name", &tr.name, tr.origin, false);
    let called = model.function(&tr.function, &[]);
    if called.is_none()
        && let Some(other) = model.functions_named(&tr.function).next()
    {
        d.push(
            Diagnostic::error(
                Code::TriggerFunctionSignature,
                format!(
                    "trigger `{}` calls `{}`, which has no overload without arguments",
                    tr.name, tr.function.name
                ),
            )
            .at(tr.function_written.span, "PostgreSQL looks up a trigger function with no arguments")
            .also(other.origin, "declared with arguments here")
            .help("declare the trigger function without `args:`; pass values to it with the trigger's `args:` (TG_ARGV)"),
        );
    }
    if let Some(f) = called
        && f.kind == crate::ir::RoutineKind::Procedure
    {
        d.push(
            Diagnostic::error(
                Code::ProcedureCalledAsFunction,
                format!(
                    "trigger `{}` calls `{}`, which is a procedure",
                    tr.name, f.name.name
                ),
            )
            .at(tr.function_written.span, "a trigger runs a function")
            .also(f.origin, "declared with `kind: procedure` here")
            .help("declare it as a function with `returns: trigger`"),
        );
    } else if let Some(f) = called
        && !f.returns.value.trim().eq_ignore_ascii_case("trigger")
    {
        d.push(
            Diagnostic::error(
                Code::ConflictingOptions,
                format!(
                    "trigger `{}` calls `{}`, which returns `{}`",
                    tr.name,
                    f.name.name,
                    f.returns.value.trim()
                ),
            )
            .at(tr.function_written.span, "not a trigger function")
            .also(f.returns.span, "declared here")
            .help("trigger functions must have `returns: trigger`"),
        );
    }
    if tr.timing == TriggerTiming::InsteadOf {
        d.push(
            Diagnostic::error(
                Code::ConflictingOptions,
                format!("trigger `{}` is INSTEAD OF on a table", tr.name),
            )
            .at(tr.origin, "INSTEAD OF triggers are for views")
            .help("use `before:` or `after:` on tables"),
        );
    }
    if tr.events.iter().any(|e| e == "truncate") && tr.for_each_row {
        d.push(
            Diagnostic::error(
                Code::ConflictingOptions,
                format!("trigger `{}` fires on truncate for each row", tr.name),
            )
            .at(tr.origin, "TRUNCATE triggers are statement-level")
            .help("add `for_each: statement`"),
        );
    }
    if !tr.of_columns.is_empty() && !tr.events.iter().any(|e| e == "update") {
        d.push(
            Diagnostic::error(
                Code::ConflictingOptions,
                format!(
                    "trigger `{}` lists `of` columns without an update event",
                    tr.name
                ),
            )
            .at(tr.origin, "`of` narrows UPDATE events")
            .help("add `update` to the events or remove `of`"),
        );
    }
    if let Some(t) = table {
        check_columns(d, t, &tr.of_columns, "a trigger's `of` list");
    }
}

/// E208 for an index key's operator class that is not one (qualified) name, or a collation
/// (written quoted) with a control character: both are copied into `CREATE INDEX`.
fn index_key_names(d: &mut Diagnostics, ix: &crate::ir::Index) {
    for k in &ix.keys {
        if let Some(o) = &k.opclass
            && !crate::ir::types::is_qualified_name(o)
        {
            d.push(
                Diagnostic::error(
                    Code::InvalidName,
                    format!(
                        "operator class `{}` of index `{}` is not a name",
                        crate::diagnostics::escape_control(o),
                        ix.name.value
                    ),
                )
                .at(k.target.span, "the key with this operator class")
                .help("write the operator class's name, such as `text_pattern_ops` or `extensions.gin_trgm_ops`"),
            );
        }
        if let Some(c) = &k.collate {
            name_chars(d, "collation", c, k.target.span);
        }
    }
}

/// E301 for a function argument's default or a partition bound that is not exactly one SQL
/// expression: they are copied into the statement as written (they read no columns, so only the
/// syntax is checked).
fn constant_expressions(model: &Model, d: &mut Diagnostics) {
    let mut check = |text: &str, what: String, span: Span| {
        if let Err(e) = crate::sqlfrag::parse_expr(text) {
            d.push(
                Diagnostic::error(
                    Code::SqlSyntax,
                    format!("{what} is not one SQL expression: {}", e.message),
                )
                .at(span, "not one expression")
                .help("write a single expression, such as `0`, `'2024-01-01'` or `now()`"),
            );
        }
    };
    for f in model.functions.values() {
        for a in &f.args {
            if let Some(def) = &a.default {
                check(
                    def,
                    format!("the default of an argument of function `{}`", f.name.name),
                    a.type_written.span,
                );
            }
        }
    }
    for t in model.tables.values() {
        let Some(p) = &t.partition else { continue };
        for part in p.partitions.values() {
            let values: Vec<&String> = match &part.bound {
                PartitionBound::Range { from, to } => from.iter().chain(to).collect(),
                PartitionBound::List { values } => values.iter().collect(),
                PartitionBound::Hash { .. } | PartitionBound::Default => Vec::new(),
            };
            for v in values {
                check(
                    v,
                    format!("a bound of partition `{}`", part.name.name),
                    part.origin,
                );
            }
        }
    }
}

fn name_collisions(model: &Model, d: &mut Diagnostics) {
    // Relations, indexes and index-backed constraints share one namespace per schema.
    let mut seen: BTreeMap<QName, Span> = BTreeMap::new();
    let mut claim = |d: &mut Diagnostics, q: QName, span: Span, what: &str| {
        if let Some(first) = seen.get(&q) {
            d.push(
                Diagnostic::error(
                    Code::NameCollision,
                    format!(
                        "{what} `{}` has the same name as another relation or index in schema `{}`",
                        q.name, q.schema
                    ),
                )
                .at(span, "this name is taken")
                .also(*first, "first used here")
                .help("give one of them a different `name:`"),
            );
        } else {
            seen.insert(q, span);
        }
    };
    for t in model.tables.values() {
        claim(d, t.name.clone(), t.origin, "table");
        if let Some(p) = &t.partition {
            for part in p.partitions.values() {
                claim(d, part.name.clone(), part.origin, "partition");
            }
        }
    }
    for v in model.views.values() {
        claim(d, v.name.clone(), v.origin, "view");
    }
    for t in model.tables.values() {
        let s = &t.name.schema;
        if let Some(pk) = &t.primary_key {
            claim(
                d,
                QName::new(s.clone(), pk.name.clone()),
                pk.origin,
                "primary key",
            );
        }
        for u in &t.uniques {
            claim(
                d,
                QName::new(s.clone(), u.name.value.clone()),
                u.origin,
                "unique constraint",
            );
        }
        for ix in &t.indexes {
            claim(
                d,
                QName::new(s.clone(), ix.name.value.clone()),
                ix.origin,
                "index",
            );
        }
        for x in &t.excludes {
            claim(
                d,
                QName::new(s.clone(), x.name.value.clone()),
                x.origin,
                "exclusion constraint",
            );
        }
        // Other constraints only need to be unique within their table.
        let mut local: BTreeMap<&str, Span> = BTreeMap::new();
        let pk_name = t.primary_key.as_ref().map(|p| (p.name.as_str(), p.origin));
        for (name, span) in pk_name
            .into_iter()
            .chain(t.uniques.iter().map(|u| (u.name.value.as_str(), u.origin)))
            .chain(t.checks.iter().map(|c| (c.name.value.as_str(), c.origin)))
            .chain(t.excludes.iter().map(|x| (x.name.value.as_str(), x.origin)))
            .chain(
                t.foreign_keys
                    .iter()
                    .map(|f| (f.name.value.as_str(), f.origin)),
            )
        {
            if let Some(first) = local.insert(name, span) {
                d.push(
                    Diagnostic::error(
                        Code::NameCollision,
                        format!(
                            "two constraints of table `{}` are named `{name}`",
                            t.name.name
                        ),
                    )
                    .at(span, "this name is taken")
                    .also(first, "first used here")
                    .help("give one of them a different name"),
                );
            }
        }
    }
    for v in model.views.values() {
        for ix in &v.indexes {
            claim(
                d,
                QName::new(v.name.schema.clone(), ix.name.value.clone()),
                ix.origin,
                "index",
            );
        }
    }
}

fn view_cycles(model: &Model, d: &mut Diagnostics) {
    use petgraph::graphmap::DiGraphMap;
    let names: Vec<&QName> = model.views.keys().collect();
    let index: BTreeMap<&QName, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut g: DiGraphMap<usize, ()> = DiGraphMap::new();
    for (i, v) in model.views.values().enumerate() {
        g.add_node(i);
        for dep in &v.depends_on {
            if let Some(j) = index.get(dep) {
                g.add_edge(*j, i, ());
            }
        }
    }
    for scc in petgraph::algo::tarjan_scc(&g) {
        let self_loop = scc.len() == 1 && scc.first().is_some_and(|i| g.contains_edge(*i, *i));
        if scc.len() > 1 || self_loop {
            let mut members: Vec<&QName> =
                scc.iter().filter_map(|i| names.get(*i).copied()).collect();
            members.sort();
            if let Some(first) = members.first().and_then(|q| model.views.get(*q)) {
                d.push(
                    Diagnostic::error(Code::DependencyCycle, format!("views depend on each other in a cycle: {}", members.iter().map(|q| q.name.as_str()).collect::<Vec<_>>().join(" → ")))
                        .at(first.query.span, "part of the cycle")
                        .help("break the cycle: a view cannot read itself, directly or through other views"),
                );
            }
        }
    }
}

/// A policy's name length and clauses for its command (`E306`, `E311`).
fn policy_checks(p: &Policy, d: &mut Diagnostics) {
    ident_len(d, "policy name", &p.name, p.origin, false);
    if p.command == PolicyCommand::Insert && p.using.is_some() {
        d.push(
            Diagnostic::error(
                Code::InvalidPolicyClause,
                format!("INSERT policy `{}` has `using`", p.name),
            )
            .at(
                p.using.as_ref().map_or(p.origin, |u| u.span),
                "INSERT policies only check new rows",
            )
            .help("use `with_check:` for INSERT policies"),
        );
    }
    if matches!(p.command, PolicyCommand::Select | PolicyCommand::Delete) && p.with_check.is_some()
    {
        d.push(
            Diagnostic::error(
                Code::InvalidPolicyClause,
                format!("{} policy `{}` has `with_check`", p.command.sql(), p.name),
            )
            .at(
                p.with_check.as_ref().map_or(p.origin, |u| u.span),
                "only INSERT, UPDATE and ALL policies check new rows",
            )
            .help("use `using:` for SELECT and DELETE policies"),
        );
    }
}

/// Tables and views declared in a schema the platform owns (`auth.users`, `storage.objects`):
/// the migration would try to create them (`E318`).
fn platform_schemas(model: &Model, d: &mut Diagnostics) {
    if model.preset != Preset::Supabase {
        if let Some(span) = model.supabase.span {
            d.push(
                Diagnostic::error(
                    Code::PresetRequired,
                    "the model sets `supabase:` without the supabase preset",
                )
                .at(span, "settings of the Supabase platform")
                .help("set `preset: supabase`, or remove the `supabase:` section"),
            );
        }
        return;
    }
    let relations = model
        .tables
        .values()
        .map(|t| (&t.name, t.origin, "table"))
        .chain(model.views.values().map(|v| (&v.name, v.origin, "view")));
    for (name, origin, kind) in relations {
        if !crate::preset::SUPABASE_PLATFORM_SCHEMAS.contains(&name.schema.as_str()) {
            continue;
        }
        d.push(
            Diagnostic::error(
                Code::PlatformTableDeclared,
                format!("{kind} `{name}` is declared in `{}`, a schema the Supabase platform owns", name.schema),
            )
            .at(origin, "the platform creates and migrates this schema")
            .help(if model.tables.contains_key(name) && ["auth.users", "storage.objects", "storage.buckets"].contains(&name.to_string().as_str()) {
                format!("remove the declaration: `{name}` is provided by the preset; attach policies under the top-level `policies: {{ {name}: … }}` and triggers under `triggers:`")
            } else {
                format!("declare the {kind} in a schema of the project (such as `public` or `private`)")
            }),
        );
    }
}

/// Run every validation over a resolved model; return its parsed SQL expression fragments.
pub fn validate(
    model: &Model,
    external: &External,
    sources: &SourceMap,
    d: &mut Diagnostics,
) -> Fragments {
    validate_with(model, external, sources, d, true, &ViewQueries::new())
}

/// [`validate`]; with `lint_facts` false the SQL fragments are checked the same way, but the
/// facts the lint rules read are not computed and nothing is kept (the result is empty).
/// `views` holds view queries already parsed and analysed ([`crate::resolve::view_dependencies`]);
/// a view it lacks is parsed here.
pub fn validate_with(
    model: &Model,
    external: &External,
    sources: &SourceMap,
    d: &mut Diagnostics,
    lint_facts: bool,
    views: &ViewQueries,
) -> Fragments {
    let scope = Scope::new(model, external);
    for s in model.schemas.values() {
        ident_len(d, "schema name", &s.name, s.origin, false);
    }
    for r in model.roles.values() {
        ident_len(d, "role name", &r.name, r.origin, false);
    }
    for e in model.enums.values() {
        ident_len(d, "enum name", &e.name.name, e.origin, false);
        for v in &e.values {
            ident_len(d, "enum value", &v.value, v.span, false);
        }
    }
    for e in model.extensions.values() {
        name_chars(d, "extension name", &e.name, e.origin);
        if let Some(s) = &e.schema {
            name_chars(d, "extension schema", s, e.origin);
        }
        if let Some(v) = &e.version {
            name_chars(d, "extension version", v, e.origin);
        }
    }
    for f in model.functions.values() {
        ident_len(d, "function name", &f.name.name, f.origin, false);
        name_chars(d, "function language", &f.language, f.origin);
        for a in f.args.iter().filter(|a| !a.name.is_empty()) {
            ident_len(d, "argument name", &a.name, a.type_written.span, false);
        }
        for s in f.search_path.iter().flatten() {
            ident_len(d, "search_path schema", s, f.origin, false);
        }
        check_privileges(
            d,
            &f.grants,
            &f.revokes,
            &f.privilege_spans,
            FUNCTION_PRIVILEGES,
            f.origin,
            "a function",
        );
    }
    for s in model.schemas.values() {
        schema_privileges(s, d);
    }
    for (table, privs) in &model.external_grants {
        if let Some((span, spans)) = model.external_grant_spans.get(table) {
            check_privileges(
                d,
                privs,
                &crate::ir::Privileges::new(),
                spans,
                TABLE_PRIVILEGES,
                *span,
                "a table",
            );
        }
    }
    for t in model.tables.values() {
        table_checks(model, &scope, t, d);
    }
    data::check(model, d);
    platform_schemas(model, d);
    for p in model.external_policies.values().flat_map(|ps| ps.values()) {
        policy_checks(p, d);
    }
    for v in model.views.values() {
        ident_len(d, "view name", &v.name.name, v.origin, false);
        let allowed: &[&str] = TABLE_PRIVILEGES;
        check_privileges(
            d,
            &v.grants,
            &v.revokes,
            &v.privilege_spans,
            allowed,
            v.origin,
            "a view",
        );
        for ix in &v.indexes {
            ident_len(d, "index name", &ix.name.value, ix.origin, true);
            index_key_names(d, ix);
        }
    }
    for tr in &model.external_triggers {
        trigger_checks(model, tr, None, d);
    }
    default_privileges::check(model, &scope, d);
    constant_expressions(model, d);
    name_collisions(model, d);
    view_cycles(model, d);
    citus::check(model, sources, d);
    domains::check(model, d);
    job::check(model, sources, d);
    publication::check(model, &scope, sources, d);
    sql::fragments(model, &scope, sources, d, lint_facts, views)
}
