//! The Citus hook of incremental migrations: placement changes added to the migration the
//! structural diff wrote.
//!
//! Input: the [`Incremental`] from `plan::incremental(old, new)` and both models. Output: the
//! same migration with, before the first foreign key its up file adds (else at its end), the Citus calls that place new tables and
//! move tables whose placement changed (`plan::citus::changes`), their reverse in
//! its down file (after the keys it drops, before any it adds), and one change per moved table. Invariants: a model pair that never targeted
//! Citus comes back unchanged; this is the one place the diff's output is amended for Citus, so
//! a rewrite of `plan::incremental` ports it by moving [`amend`]; each moved table is one
//! `ChangeKind::ChangePlacement` change.

use crate::diff::{Change, ChangeKind};
use crate::ir::Model;
use crate::ir::citus::{Distribution, kind, same_placement};
use crate::plan::citus::{changes, is_citus};
use crate::plan::{Incremental, Step};
use crate::sql::{Constraint, Stmt};

fn describe(d: Option<&Distribution>) -> String {
    match d {
        None => "local".to_string(),
        Some(Distribution::Reference) => "reference".to_string(),
        Some(Distribution::Hash {
            column,
            colocate_with,
            ..
        }) => match colocate_with {
            Some(w) => format!("distributed by {} with {}", column.value, w.value),
            None => format!("distributed by {}", column.value),
        },
    }
}

fn adds_foreign_key(s: &Stmt<'_>) -> bool {
    matches!(s, Stmt::AddForeignKey(..) | Stmt::AddConstraint(_, _, _))
        && match s {
            Stmt::AddConstraint(_, c, _) => matches!(**c, Constraint::ForeignKey(_)),
            _ => true,
        }
}

/// `inc` with the Citus placement calls between `old` and `new` added.
pub fn amend(mut inc: Incremental, old: &Model, new: &Model) -> Incremental {
    if !is_citus(old) && !is_citus(new) {
        return inc;
    }
    let (up, down) = changes(old, new);
    if up.is_empty() && down.is_empty() {
        return inc;
    }
    for (n, t) in &new.tables {
        let Some(before) = old.tables.get(n) else {
            continue; // a new table: its CreateTable change says it
        };
        let placed = |m: &Model, t: &crate::ir::Table| {
            if is_citus(m) {
                t.distribution.clone()
            } else {
                None
            }
        };
        let (a, b) = (placed(old, before), placed(new, t));
        if same_placement(a.as_ref(), b.as_ref()) {
            continue;
        }
        inc.changes.push(Change {
            kind: ChangeKind::ChangePlacement,
            object: format!("{}.{}", n.schema, n.name),
            detail: format!(
                "Citus placement: {} → {} ({} table)",
                describe(a.as_ref()),
                describe(b.as_ref()),
                kind(t).word()
            ),
            on_existing_table: true,
            strategy: None,
            span: new.distribution_spans.get(n).copied().unwrap_or(t.origin),
            subject: Default::default(),
            facts: Default::default(),
        });
    }
    if inc.main.settings.is_empty() {
        inc.main.settings = crate::plan::settings(new);
    }
    if !up.is_empty() {
        // Before the first foreign key the migration adds: Citus checks each key against the
        // placement of both tables.
        let at = inc
            .main
            .up
            .iter()
            .position(|s| s.stmts.iter().any(adds_foreign_key))
            .unwrap_or(inc.main.up.len());
        inc.main.up.insert(
            at,
            Step {
                comment: "Citus: place new tables and move those whose placement changed".into(),
                stmts: up,
            },
        );
    }
    if !down.is_empty() {
        // The same rule back: after the keys the down file drops, before any it adds again.
        let at = inc
            .main
            .down
            .iter()
            .position(|s| s.stmts.iter().any(adds_foreign_key))
            .unwrap_or(inc.main.down.len());
        inc.main.down.insert(
            at,
            Step {
                comment: "Citus: placement as before".into(),
                stmts: down,
            },
        );
    }
    inc
}
