//! Citus placement in migrations: the calls that make tables reference or distributed tables,
//! in an order Citus accepts, for the first migration and between two models.
//!
//! Input: a validated [`Model`] with `target: citus` (and, for [`changes`], the previous
//! model). Output: statements ([`Stmt::Citus`] calls and the session settings Citus needs).
//! Invariants: reference tables come first, then each co-location group from the table that
//! starts it (Citus can only co-locate with a table already distributed); foreign keys are added
//! by the caller after these calls (Citus checks them against the placement); a model without
//! `target: citus` gets no statement from here.

use crate::ir::citus::{Distribution, Target, distribution_order, same_placement};
use crate::ir::{Model, QName, Table};
use crate::sql::{CitusCall, Stmt};

/// Whether the model compiles for Citus.
pub fn is_citus(model: &Model) -> bool {
    model.target == Target::Citus
}

/// `SET LOCAL` lines a Citus migration needs: DDL on distributed tables over one connection per
/// node (Citus refuses to add a foreign key after a parallel operation in the same transaction),
/// and triggers on distributed and reference tables (Citus runs them on each shard; off by
/// default).
pub fn settings(model: &Model) -> Vec<Stmt<'static>> {
    if !is_citus(model) {
        return Vec::new();
    }
    vec![
        Stmt::SetLocal("citus.multi_shard_modify_mode", "'sequential'".to_string()),
        Stmt::SetLocal("citus.enable_unsafe_triggers", "on".to_string()),
    ]
}

/// `CREATE EXTENSION IF NOT EXISTS citus` when the model targets Citus and does not list the
/// extension itself (Citus lives in `pg_catalog`, so no schema is named).
pub fn extension(model: &Model) -> Option<Stmt<'static>> {
    (is_citus(model) && !model.extensions.contains_key("citus")).then(|| Stmt::CreateExtension {
        name: "citus".to_string(),
        schema: None,
        version: None,
    })
}

/// The call that places `t` as the model says (`None` for a local table).
pub fn place(t: &Table) -> Option<Stmt<'static>> {
    match t.distribution.as_ref()? {
        Distribution::Reference => {
            Some(Stmt::Citus(CitusCall::CreateReferenceTable(t.name.clone())))
        }
        Distribution::Hash {
            column,
            colocate_target,
            shard_count,
            ..
        } => Some(Stmt::Citus(CitusCall::CreateDistributedTable {
            table: t.name.clone(),
            column: column.value.clone(),
            colocate_with: colocate_target.clone(),
            shard_count: shard_count.as_ref().map(|s| s.value),
        })),
    }
}

/// The placement calls of the first migration, in [`distribution_order`].
pub fn distribute(model: &Model) -> Vec<Stmt<'_>> {
    if !is_citus(model) {
        return Vec::new();
    }
    distribution_order(model)
        .iter()
        .filter_map(|n| model.tables.get(n))
        .filter_map(place)
        .collect()
}

/// What an incremental migration runs for placement changes between `old` and `new`, as
/// (calls before the new foreign keys are added, calls of the down migration). A new table is
/// placed after it is created; a table whose placement changed is first brought back to a local
/// table (`undistribute_table`) unless it stays hash-distributed (then
/// `alter_distributed_table` moves it), and placed anew. Tables in the order Citus needs
/// (reference tables, then co-location roots before their members).
pub fn changes(old: &Model, new: &Model) -> (Vec<Stmt<'static>>, Vec<Stmt<'static>>) {
    let mut up = Vec::new();
    let mut down = Vec::new();
    if !is_citus(new) && !is_citus(old) {
        return (up, down);
    }
    let placement = |m: &Model, n: &QName| -> Option<Distribution> {
        m.tables
            .get(n)
            .and_then(|t| t.distribution.clone())
            .filter(|_| is_citus(m))
    };
    // Up: tables whose placement went away first (so that keys to them can go), then the new
    // placements in distribution order.
    for (n, t) in &old.tables {
        let before = placement(old, n);
        let after = placement(new, n);
        if before.is_some() && after.is_none() && new.tables.contains_key(n) {
            up.push(Stmt::Citus(CitusCall::UndistributeTable(t.name.clone())));
        }
    }
    for n in distribution_order(new) {
        let Some(t) = new.tables.get(&n) else {
            continue;
        };
        let before = placement(old, &n);
        let after = placement(new, &n);
        if same_placement(before.as_ref(), after.as_ref()) && old.tables.contains_key(&n) {
            continue;
        }
        up.extend(move_stmts(t, before.as_ref()));
    }
    // Down: the same, from new back to old.
    for (n, t) in &new.tables {
        let before = placement(new, n);
        let after = placement(old, n);
        if before.is_some() && after.is_none() && old.tables.contains_key(n) {
            down.push(Stmt::Citus(CitusCall::UndistributeTable(t.name.clone())));
        }
    }
    for n in distribution_order(old) {
        let Some(t) = old.tables.get(&n) else {
            continue;
        };
        if !new.tables.contains_key(&n) {
            continue; // the down migration re-creates it; see `crate::diff`
        }
        let before = placement(new, &n);
        let after = placement(old, &n);
        if same_placement(before.as_ref(), after.as_ref()) {
            continue;
        }
        down.extend(move_stmts(t, before.as_ref()));
    }
    (up, down)
}

/// The calls that take `t` from placement `before` to its own.
fn move_stmts(t: &Table, before: Option<&Distribution>) -> Vec<Stmt<'static>> {
    let Some(target) = t.distribution.as_ref() else {
        return Vec::new(); // to local: `undistribute_table`, emitted first
    };
    match (before, target) {
        (
            Some(Distribution::Hash { .. }),
            Distribution::Hash {
                column,
                colocate_target,
                shard_count,
                ..
            },
        ) => vec![Stmt::Citus(CitusCall::AlterDistributedTable {
            table: t.name.clone(),
            column: column.value.clone(),
            colocate_with: colocate_target.clone(),
            shard_count: shard_count.as_ref().map(|s| s.value),
        })],
        (Some(_), _) => {
            let mut v = vec![Stmt::Citus(CitusCall::UndistributeTable(t.name.clone()))];
            v.extend(place(t));
            v
        }
        (None, _) => place(t).into_iter().collect(),
    }
}
