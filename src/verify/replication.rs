//! A trigger's mode (`pg_trigger.tgenabled`) and a table's replica identity
//! (`pg_class.relreplident`, `pg_index.indisreplident`) against the model.
//!
//! Input: the model's trigger or table and its catalog record. Output: `E503` when they differ.
//! Invariants: reads nothing but the records handed in.

use super::Cx;
use crate::introspect::{TableInfo, TriggerInfo};
use crate::ir::Table;
use crate::ir::replication::{ReplicaIdentity, TriggerEnabled};

/// The trigger's mode in the model × `tgenabled`.
pub(super) fn trigger_enabled(
    cx: &mut Cx<'_>,
    what: &str,
    tr: &crate::ir::Trigger,
    info: &TriggerInfo,
) {
    let db = TriggerEnabled::from_catalog_letter(&info.enabled);
    if db != Some(tr.enabled) {
        cx.differs(
            format!("whether {what} fires"),
            tr.origin,
            &format!("`enabled: {}`", tr.enabled.as_yaml()),
            &db.map_or_else(
                || format!("`tgenabled` `{}`", info.enabled),
                |e| format!("`enabled: {}`", e.as_yaml()),
            ),
        );
    }
}

/// The table's replica identity in the model × the catalog's.
pub(super) fn replica_identity(cx: &mut Cx<'_>, t: &Table, info: &TableInfo) {
    let db = match (info.replica_identity.as_str(), &info.replica_index) {
        ("f", _) => "full".to_string(),
        ("n", _) => "nothing".to_string(),
        ("i", Some(i)) => format!("index {i}"),
        // An index identity whose index was dropped: PostgreSQL then writes nothing.
        ("i", None) => "nothing".to_string(),
        _ => "default".to_string(),
    };
    let model = t.replica_identity.describe();
    if db != model {
        let span = match &t.replica_identity {
            ReplicaIdentity::Index(i) => i.span,
            _ => t.origin,
        };
        cx.differs(
            format!("replica identity of table `{}`", t.name),
            span,
            &format!("`{model}`"),
            &format!("`{db}`"),
        );
    }
}
