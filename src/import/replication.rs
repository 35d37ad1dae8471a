//! A trigger's mode and a table's replica identity, from the catalog into model keys.
//!
//! Input: `pg_trigger.tgenabled`, `pg_class.relreplident` and the replica identity index.
//! Output: `enabled:` and `replica_identity:` lines (nothing for the defaults). Invariants: what
//! is written reads back as the same catalog state (`import --check`).

use std::fmt::Write as _;

use super::yaml::scalar;
use crate::introspect::TableInfo;
use crate::ir::replication::TriggerEnabled;

/// `enabled: …` of a trigger whose `tgenabled` is not the default, at `indent`.
pub(super) fn trigger_enabled(letter: &str, indent: usize, s: &mut String) {
    match TriggerEnabled::from_catalog_letter(letter) {
        Some(TriggerEnabled::Origin) | None => {}
        Some(e) => {
            let _ = writeln!(s, "{}enabled: {}", " ".repeat(indent), e.as_yaml());
        }
    }
}

/// `replica_identity: …` of a table whose replica identity is not the default.
pub(super) fn replica_identity(t: &TableInfo, s: &mut String) {
    match (t.replica_identity.as_str(), &t.replica_index) {
        ("f", _) => s.push_str("    replica_identity: full\n"),
        // An index identity whose index is gone writes nothing, as NOTHING does.
        ("n", _) | ("i", None) => s.push_str("    replica_identity: nothing\n"),
        ("i", Some(i)) => {
            let _ = writeln!(s, "    replica_identity: {{ index: {} }}", scalar(i));
        }
        _ => {}
    }
}
