//! Verify on Citus: the placement Citus records (`pg_dist_partition`, `pg_dist_shard`) against
//! the model's `distribution:` of each table.
//!
//! Input: a model with `target: citus` and a catalog read with its Citus rows
//! (`introspect::Catalog::citus`). Output: E501 (the `citus` extension is missing), E503 (a
//! table placed otherwise: kind, distribution column, co-location group, shard count). Invariants:
//! co-location is compared as a partition of the tables (the group ids Citus picks are not
//! stable across databases); a Citus local table (a local table Citus added to its metadata
//! because of a key to a reference table) counts as local; linear in the tables.

use std::collections::BTreeMap;

use super::Cx;
use crate::introspect::{Catalog, CitusPlacement};
use crate::ir::citus::{Distribution, Kind, Target, colocation_roots, distribution_column, kind};

fn db_kind(p: Option<&CitusPlacement>) -> Kind {
    match p {
        Some(p) if p.method == "h" => Kind::Distributed,
        Some(p) if p.replication == "t" => Kind::Reference,
        _ => Kind::Local,
    }
}

/// Compare the Citus placement of every table of the model with the catalog.
pub fn compare(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    if model.target != Target::Citus {
        return;
    }
    if !catalog.extensions.contains_key("citus") {
        cx.missing(
            "extension `citus`".to_string(),
            model.target_span.unwrap_or_default(),
            "install Citus on the server and apply the migrations (docs/citus.md)",
        );
        return;
    }
    let placed: BTreeMap<(&str, &str), &CitusPlacement> = catalog
        .citus
        .iter()
        .map(|p| ((p.schema.as_str(), p.table.as_str()), p))
        .collect();
    let roots = colocation_roots(model);
    for (n, t) in &model.tables {
        let span = model.distribution_spans.get(n).copied().unwrap_or(t.origin);
        let p = placed.get(&(n.schema.as_str(), n.name.as_str())).copied();
        let (want, have) = (kind(t), db_kind(p));
        if want != have {
            cx.differs(
                format!("the Citus placement of table `{n}`"),
                span,
                &format!("a {} table", want.word()),
                &format!("a {} table", have.word()),
            );
            continue;
        }
        let (Some(p), Some(col)) = (p, distribution_column(t)) else {
            continue;
        };
        if p.column.as_deref() != Some(col) {
            cx.differs(
                format!("the distribution column of table `{n}`"),
                span,
                &format!("`{col}`"),
                &format!("`{}`", p.column.as_deref().unwrap_or("")),
            );
        }
        // Co-location: the same group as the table that starts the model's group.
        let Some(root) = roots.get(n).filter(|r| *r != n) else {
            if let Some(Distribution::Hash {
                shard_count: Some(sc),
                ..
            }) = &t.distribution
                && i64::from(sc.value) != p.shards
            {
                cx.differs(
                    format!("the shard count of table `{n}`"),
                    sc.span,
                    &sc.value.to_string(),
                    &p.shards.to_string(),
                );
            }
            continue;
        };
        let root_group = placed
            .get(&(root.schema.as_str(), root.name.as_str()))
            .map(|r| r.colocation);
        if root_group != Some(p.colocation) {
            cx.differs(
                format!("the co-location of table `{n}`"),
                span,
                &format!("the group of `{root}`"),
                "another group",
            );
        }
    }
}
