//! The Citus part of the model: which database the model targets and how each table is
//! distributed.
//!
//! Input: built by `load::citus` (`target: citus` at the top level, `distribution:` per table).
//! Output: read by validate (Citus's rules), lint (fan-out warnings), plan (distribution calls),
//! render and verify. Invariants: a model without `target: citus` has [`Target::Postgres`] and no
//! table has a distribution, so neither field reaches its snapshot (they serialize only when set)
//! and plain-PostgreSQL output is unchanged.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Model, QName, Sp, Table};

/// The database the model is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// One PostgreSQL server.
    #[default]
    Postgres,
    /// A Citus cluster: tables may be distributed or reference tables.
    Citus,
}

impl Target {
    /// Whether this is the default (left out of the snapshot).
    pub fn is_postgres(&self) -> bool {
        *self == Target::Postgres
    }
}

/// How one table is placed on a Citus cluster (`distribution:`). A table without one is a
/// local table: it stays on the coordinator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// A copy on every node (`distribution: reference`): small tables that distributed tables
    /// join with and point at.
    Reference,
    /// Hash-distributed by one column into shards (`distribution: { column: … }`).
    Hash {
        /// The distribution column.
        column: Sp<String>,
        /// The table whose co-location group it joins, as written (`colocate_with:`); `None`:
        /// the table starts its own group.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        colocate_with: Option<Sp<String>>,
        /// The table it joins, resolved (set by `load` from `colocate_with`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        colocate_target: Option<QName>,
        /// The number of shards (`shard_count:`); `None`: the cluster's `citus.shard_count`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shard_count: Option<Sp<u32>>,
    },
}

impl Distribution {
    /// The distribution column of a hash-distributed table.
    pub fn column(&self) -> Option<&Sp<String>> {
        match self {
            Distribution::Hash { column, .. } => Some(column),
            Distribution::Reference => None,
        }
    }
}

/// Whether two placements are the same, spans aside (`None` is a local table).
pub fn same_placement(a: Option<&Distribution>, b: Option<&Distribution>) -> bool {
    fn key(d: Option<&Distribution>) -> Option<(Option<&str>, Option<&QName>, Option<u32>)> {
        d.map(|d| match d {
            Distribution::Reference => (None, None, None),
            Distribution::Hash {
                column,
                colocate_target,
                shard_count,
                ..
            } => (
                Some(column.value.as_str()),
                colocate_target.as_ref(),
                shard_count.as_ref().map(|s| s.value),
            ),
        })
    }
    key(a) == key(b)
}

/// What kind of Citus table a table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Stays on the coordinator.
    Local,
    /// Replicated to every node.
    Reference,
    /// Hash-distributed.
    Distributed,
}

impl Kind {
    /// The word users read in messages and docs.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Local => "local",
            Kind::Reference => "reference",
            Kind::Distributed => "distributed",
        }
    }
}

/// The kind of a table.
pub fn kind(t: &Table) -> Kind {
    match &t.distribution {
        None => Kind::Local,
        Some(Distribution::Reference) => Kind::Reference,
        Some(Distribution::Hash { .. }) => Kind::Distributed,
    }
}

/// The distribution column of a table, if it is hash-distributed.
pub fn distribution_column(t: &Table) -> Option<&str> {
    t.distribution
        .as_ref()
        .and_then(Distribution::column)
        .map(|c| c.value.as_str())
}

/// The co-location group of every hash-distributed table: the root reached by following
/// `colocate_with` (a table without one is its own root). A chain that loops or leaves the
/// distributed tables ends at the last table reached, so the map is total; validate reports
/// such chains.
pub fn colocation_roots(model: &Model) -> BTreeMap<QName, QName> {
    let mut roots = BTreeMap::new();
    for (name, t) in &model.tables {
        if kind(t) != Kind::Distributed {
            continue;
        }
        let mut seen: BTreeSet<&QName> = BTreeSet::new();
        let mut at = name;
        seen.insert(at);
        while let Some(Distribution::Hash {
            colocate_target: Some(next),
            ..
        }) = model.tables.get(at).and_then(|t| t.distribution.as_ref())
        {
            let next_is_distributed = model
                .tables
                .get(next)
                .is_some_and(|n| kind(n) == Kind::Distributed);
            if !next_is_distributed || !seen.insert(next) {
                break;
            }
            at = next;
        }
        roots.insert(name.clone(), at.clone());
    }
    roots
}

/// The co-location groups: root → its members (root included), both ordered by name.
pub fn colocation_groups(model: &Model) -> BTreeMap<QName, Vec<QName>> {
    let mut groups: BTreeMap<QName, Vec<QName>> = BTreeMap::new();
    for (t, root) in colocation_roots(model) {
        groups.entry(root).or_default().push(t);
    }
    groups
}

/// The order in which tables are distributed: reference tables first (by name), then each
/// co-location group's tables, each after the table it co-locates with (by name among equals).
pub fn distribution_order(model: &Model) -> Vec<QName> {
    let mut out: Vec<QName> = model
        .tables
        .iter()
        .filter(|(_, t)| kind(t) == Kind::Reference)
        .map(|(n, _)| n.clone())
        .collect();
    let distributed: BTreeSet<QName> = model
        .tables
        .iter()
        .filter(|(_, t)| kind(t) == Kind::Distributed)
        .map(|(n, _)| n.clone())
        .collect();
    let mut edges = BTreeSet::new();
    for n in &distributed {
        if let Some(Distribution::Hash {
            colocate_target: Some(target),
            ..
        }) = model.tables.get(n).and_then(|t| t.distribution.as_ref())
            && distributed.contains(target)
            && target != n
        {
            edges.insert((target.clone(), n.clone()));
        }
    }
    out.extend(super::graph::kahn(&distributed, &edges));
    out
}
