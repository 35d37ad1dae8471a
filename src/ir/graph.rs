//! Dependency order of tables (foreign keys) and views (what their queries read).
//!
//! Input: the resolved model. Output: [`TableOrder`] — tables in an order where every table comes
//! after the tables its foreign keys point at, ties broken by name — and the foreign keys that must
//! be added after all tables because they close a cycle. Invariants: deterministic (a Kahn loop
//! over a `BTreeSet`, not insertion order); self-references stay inline (PostgreSQL accepts
//! them in CREATE TABLE); only foreign keys inside a strongly connected component are deferred.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;

use crate::ir::{Model, QName};

/// Table creation order.
#[derive(Debug, Clone, Default)]
pub struct TableOrder {
    /// Tables in creation order.
    pub order: Vec<QName>,
    /// (table, index into its `foreign_keys`) of foreign keys added after all tables.
    pub deferred: BTreeSet<(QName, usize)>,
    /// Groups of tables whose foreign keys form a cycle (each sorted, for diagnostics and docs).
    pub cycles: Vec<Vec<QName>>,
}

/// Order `nodes` so every edge `a → b` (b depends on a) puts `a` first; ties by name.
/// Nodes left in a cycle are appended in name order.
pub fn kahn(nodes: &BTreeSet<QName>, edges: &BTreeSet<(QName, QName)>) -> Vec<QName> {
    let mut indegree: BTreeMap<&QName, usize> = nodes.iter().map(|n| (n, 0)).collect();
    let mut out_edges: BTreeMap<&QName, Vec<&QName>> = BTreeMap::new();
    for (from, to) in edges {
        if from == to || !nodes.contains(from) || !nodes.contains(to) {
            continue;
        }
        if let Some(d) = indegree.get_mut(to) {
            *d += 1;
        }
        out_edges.entry(from).or_default().push(to);
    }
    let mut ready: BTreeSet<&QName> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(n, _)| *n)
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(n) = ready.pop_first() {
        order.push(n.clone());
        for m in out_edges.get(n).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(d) = indegree.get_mut(*m) {
                *d -= 1;
                if *d == 0 {
                    ready.insert(*m);
                }
            }
        }
    }
    if order.len() < nodes.len() {
        let placed: BTreeSet<&QName> = order.iter().collect();
        let rest: Vec<QName> = nodes
            .iter()
            .filter(|n| !placed.contains(n))
            .cloned()
            .collect();
        order.extend(rest);
    }
    order
}

/// The creation order of the model's tables.
pub fn table_order(model: &Model) -> TableOrder {
    let names: Vec<&QName> = model.tables.keys().collect();
    let index: BTreeMap<&QName, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut graph: DiGraphMap<usize, ()> = DiGraphMap::new();
    for i in 0..names.len() {
        graph.add_node(i);
    }
    for (t, table) in &model.tables {
        for fk in &table.foreign_keys {
            if let (Some(&from), Some(&to)) = (index.get(&fk.target), index.get(t))
                && from != to
            {
                graph.add_edge(from, to, ());
            }
        }
    }
    let mut component: BTreeMap<usize, usize> = BTreeMap::new();
    let mut cycles = Vec::new();
    for (ci, scc) in tarjan_scc(&graph).into_iter().enumerate() {
        if scc.len() > 1 {
            let mut members: Vec<QName> = scc
                .iter()
                .filter_map(|i| names.get(*i).map(|q| (*q).clone()))
                .collect();
            members.sort();
            cycles.push(members);
        }
        for i in scc {
            component.insert(i, ci);
        }
    }
    cycles.sort();
    let mut deferred = BTreeSet::new();
    let mut edges = BTreeSet::new();
    for (t, table) in &model.tables {
        for (i, fk) in table.foreign_keys.iter().enumerate() {
            let (Some(from), Some(to)) = (index.get(&fk.target), index.get(t)) else {
                continue;
            };
            if from == to {
                continue;
            }
            if component.get(from) == component.get(to) {
                deferred.insert((t.clone(), i));
            } else {
                edges.insert((fk.target.clone(), t.clone()));
            }
        }
    }
    let nodes: BTreeSet<QName> = model.tables.keys().cloned().collect();
    TableOrder {
        order: kahn(&nodes, &edges),
        deferred,
        cycles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kahn_breaks_ties_by_name() {
        let q = |n: &str| QName::new("public", n);
        let nodes: BTreeSet<QName> = ["c", "b", "a", "z"].iter().map(|n| q(n)).collect();
        let edges: BTreeSet<(QName, QName)> = [(q("z"), q("a"))].into_iter().collect();
        let order: Vec<String> = kahn(&nodes, &edges).into_iter().map(|n| n.name).collect();
        assert_eq!(order, ["b", "c", "z", "a"]);
    }
}
