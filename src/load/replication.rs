//! Decoding of a trigger's `enabled:` and a table's `replica_identity:`.
//!
//! Input: the value nodes of those keys. Output: [`TriggerEnabled`] and [`ReplicaIdentity`];
//! a malformed value is reported (E103/E105, with its span) and read as the default.
//! Invariants: the words accepted are exactly those `model_schema::keys` lists.

use super::decode::{self, Fields};
use super::yaml::{Node, NodeKind};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Sp;
use crate::ir::replication::{ReplicaIdentity, TriggerEnabled};

/// The keys of `replica_identity: { index: … }`.
pub(crate) const REPLICA_IDENTITY_INDEX: &[&str] = &["index"];

/// `enabled: true | false | replica | always`.
pub fn trigger_enabled(d: &mut Diagnostics, node: &Node) -> TriggerEnabled {
    match &node.kind {
        NodeKind::Bool(true) => TriggerEnabled::Origin,
        NodeKind::Bool(false) => TriggerEnabled::Disabled,
        _ => {
            let words: &[&str] = &["replica", "always"];
            let Some(t) = decode::text(d, node, "a trigger's `enabled`") else {
                return TriggerEnabled::Origin;
            };
            match t.value.trim().to_ascii_lowercase().as_str() {
                "replica" => TriggerEnabled::Replica,
                "always" => TriggerEnabled::Always,
                other => {
                    d.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!(
                                "`{}` is not a valid trigger `enabled` setting{}",
                                t.value,
                                decode::did_you_mean(other, words.iter().copied())
                            ),
                        )
                        .at(t.span, "not allowed here")
                        .help("use one of: true, false, replica, always"),
                    );
                    TriggerEnabled::Origin
                }
            }
        }
    }
}

/// `replica_identity: default | full | nothing | { index: name }`.
pub fn replica_identity(d: &mut Diagnostics, node: &Node) -> ReplicaIdentity {
    if let NodeKind::Map(_) = &node.kind {
        let f = Fields::new(
            d,
            node,
            REPLICA_IDENTITY_INDEX,
            "`replica_identity`".to_string(),
        );
        let index = f
            .require(d, "index", node.span)
            .and_then(|n| decode::name(d, n, "an index"));
        f.finish(d);
        return index.map_or(ReplicaIdentity::Default, |i| {
            ReplicaIdentity::Index(Sp::new(i.value.trim().to_string(), i.span))
        });
    }
    match decode::choice(d, node, &["default", "full", "nothing"], "replica identity")
        .map(|c| c.value)
    {
        Some("full") => ReplicaIdentity::Full,
        Some("nothing") => ReplicaIdentity::Nothing,
        _ => ReplicaIdentity::Default,
    }
}
