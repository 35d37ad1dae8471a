//! A trigger's `enabled:` and a table's `replica_identity:` between two models: `ALTER TABLE …
//! {ENABLE [REPLICA | ALWAYS] | DISABLE} TRIGGER` and `ALTER TABLE … REPLICA IDENTITY …`.
//!
//! A trigger created (or created again) gets its mode right after `CREATE TRIGGER`; a trigger
//! whose definition is unchanged gets an `ALTER TABLE` when only its mode changes. A table's
//! replica identity is set after its indexes (`USING INDEX` needs the index), and set again when
//! the index it names is created again (dropping an index leaves the table without one); when
//! that index is built concurrently, the statement goes to the follow-up file after it.

use super::*;
use crate::ir::Sp;
use crate::ir::Trigger;
use crate::ir::replication::{ReplicaIdentity, TriggerEnabled};

/// `CREATE TRIGGER`, then the statement that sets its mode when it is not the default.
pub(super) fn create_trigger(tr: &Trigger) -> Vec<Stmt<'static>> {
    let mut out = vec![Stmt::CreateTrigger(tr.clone().into())];
    if tr.enabled != TriggerEnabled::Origin {
        out.push(Stmt::SetTriggerEnabled(
            tr.table.clone(),
            tr.name.clone(),
            tr.enabled,
        ));
    }
    out
}

impl Differ<'_> {
    /// A trigger whose definition is unchanged and whose mode changes.
    pub(super) fn trigger_enabled(&mut self, old: &Trigger, new: &Trigger, object: String) {
        if old.enabled == new.enabled {
            return;
        }
        self.change(
            ChangeKind::AlterTrigger,
            object,
            format!(
                "enabled: {} → {}",
                old.enabled.as_yaml(),
                new.enabled.as_yaml()
            ),
            new.origin,
        )
        .on_existing_table = true;
        self.emit(
            Phase::CreateTrigger,
            format!(
                "Trigger {} on {}: enabled {}",
                new.name,
                new.table,
                new.enabled.as_yaml()
            ),
            vec![Stmt::SetTriggerEnabled(
                new.table.clone(),
                new.name.clone(),
                new.enabled,
            )],
        );
    }

    /// The replica identity of a table created by this migration.
    pub(super) fn create_replica_identity(&mut self, t: &Table) {
        if t.replica_identity == ReplicaIdentity::Default {
            return;
        }
        self.emit(
            Phase::CreateIndex,
            format!("Replica identity of {}", t.name),
            vec![Stmt::SetReplicaIdentity(
                t.name.clone(),
                t.replica_identity.clone(),
            )],
        );
    }

    /// The replica identity of a table that exists in both models.
    pub(super) fn alter_replica_identity(&mut self, o: &Table, t: &Table) {
        let index_rebuilt = match &t.replica_identity {
            ReplicaIdentity::Index(i) => key_rebuilt(o, t, &i.value),
            _ => None,
        };
        if o.replica_identity == t.replica_identity && index_rebuilt.is_none() {
            return;
        }
        let concurrent = index_rebuilt == Some(true)
            && self.settings.concurrent_indexes
            && !self.down
            && t.partition.is_none();
        self.change(
            ChangeKind::AlterReplicaIdentity,
            dotted(&t.name),
            format!(
                "{} → {}",
                o.replica_identity.describe(),
                t.replica_identity.describe()
            ),
            t.origin,
        )
        .on_existing_table = true;
        self.emit_in(
            Phase::CreateIndex,
            concurrent,
            format!("Replica identity of {}", t.name),
            vec![Stmt::SetReplicaIdentity(
                t.name.clone(),
                t.replica_identity.clone(),
            )],
        );
    }
}

/// Whether the index, unique constraint or primary key `name` of `t` is created (again) by the
/// migration from `o`: `Some(true)` for an index (built concurrently when allowed),
/// `Some(false)` for a constraint, `None` when it is kept.
fn key_rebuilt(o: &Table, t: &Table, name: &str) -> Option<bool> {
    if let Some(ix) = t.indexes.iter().find(|i| i.name.value == name) {
        let kept = o
            .indexes
            .iter()
            .any(|oi| oi.name.value == name && index_def_eq(oi, ix));
        return (!kept).then_some(true);
    }
    let cols = |c: &[Sp<String>]| c.iter().map(|x| x.value.clone()).collect::<Vec<_>>();
    if let Some(u) = t.uniques.iter().find(|u| u.name.value == name) {
        let kept = o.uniques.iter().any(|ou| {
            ou.name.value == name
                && cols(&ou.columns) == cols(&u.columns)
                && ou.nulls_distinct == u.nulls_distinct
        });
        return (!kept).then_some(false);
    }
    if let Some(pk) = t.primary_key.as_ref().filter(|pk| pk.name == name) {
        let kept = o
            .primary_key
            .as_ref()
            .is_some_and(|op| op.name == name && cols(&op.columns) == cols(&pk.columns));
        return (!kept).then_some(false);
    }
    None
}
