//! The Citus keys of the model: `target:` at the top level and `distribution:` on a table.
//!
//! Input: the YAML nodes of those keys. Output: [`Target`] and [`Distribution`] values with
//! spans; `colocate_with` is qualified with the table's schema when written without one.
//! Invariants: every malformed value is reported (E103/E105/E102) and decoding goes on; whether
//! the rest of the model agrees (known columns and tables, `target: citus` set) is validate's job.

use super::decode::{self, Fields};
use super::yaml::{Node, NodeKind};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::citus::{Distribution, Target};
use crate::ir::name::split_qualified;
use crate::ir::{QName, Sp};

pub(crate) const DISTRIBUTION: &[&str] = &["column", "colocate_with", "shard_count"];

/// `target: postgres | citus`.
pub fn target(d: &mut Diagnostics, node: &Node) -> Option<Sp<Target>> {
    let c = decode::choice(d, node, &["postgres", "citus"], "target")?;
    let t = if c.value == "citus" {
        Target::Citus
    } else {
        Target::Postgres
    };
    Some(Sp::new(t, c.span))
}

/// `distribution: reference | local | { column, colocate_with, shard_count }` of the table
/// `table`. `local` is the default written out, so it decodes to `None`.
pub fn distribution(d: &mut Diagnostics, node: &Node, table: &QName) -> Option<Distribution> {
    if !matches!(node.kind, NodeKind::Map(_)) {
        let c = decode::choice(d, node, &["reference", "local"], "distribution")?;
        return (c.value == "reference").then_some(Distribution::Reference);
    }
    let f = Fields::new(d, node, DISTRIBUTION, "`distribution`");
    let column = f
        .require(d, "column", node.span)
        .and_then(|n| decode::name(d, n, "a distribution column"));
    let colocate_with = f
        .get("colocate_with")
        .and_then(|n| decode::name(d, n, "a table to co-locate with"));
    let colocate_target = colocate_with.as_ref().and_then(|w| {
        let parts = split_qualified(&w.value);
        match parts.as_deref() {
            Some([name]) => Some(QName::new(table.schema.clone(), name.clone())),
            Some([schema, name]) => Some(QName::new(schema.clone(), name.clone())),
            _ => {
                d.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        format!("`{}` is not a valid table name", w.value),
                    )
                    .at(w.span, "malformed name")
                    .help("write `table` or `schema.table`"),
                );
                None
            }
        }
    });
    let shard_count = f.get("shard_count").and_then(|n| {
        let v = decode::integer(d, n, "`shard_count`")?;
        if v == 0 || v > 64_000 {
            d.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`shard_count: {v}` is out of range"),
                )
                .at(n.span, "Citus accepts 1 to 64000 shards")
                .help("pick a shard count between 1 and 64000 (Citus's default is 32)"),
            );
            return None;
        }
        Some(Sp::new(v, n.span))
    });
    f.finish(d);
    Some(Distribution::Hash {
        column: column?,
        colocate_with,
        colocate_target,
        shard_count,
    })
}
