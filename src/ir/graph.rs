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
    let names: Vec<&QName> = nodes.iter().collect();
    let position = |q: &QName| names.binary_search(&q).ok();
    let index_edges: BTreeSet<(usize, usize)> = edges
        .iter()
        .filter_map(|(from, to)| Some((position(from)?, position(to)?)))
        .collect();
    kahn_indices(names.len(), &index_edges)
        .into_iter()
        .filter_map(|i| names.get(i).map(|q| (*q).clone()))
        .collect()
}

/// [`kahn`] over nodes `0..n` named in sorted order, so ties go to the smaller index: every
/// edge `a → b` puts `a` first; nodes left in a cycle are appended in index order. Self-edges and
/// edges to nodes outside `0..n` are ignored.
fn kahn_indices(n: usize, edges: &BTreeSet<(usize, usize)>) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(from, to) in edges {
        if from == to || from >= n || to >= n {
            continue;
        }
        if let (Some(d), Some(out)) = (indegree.get_mut(to), out_edges.get_mut(from)) {
            *d += 1;
            out.push(to);
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|i| indegree.get(*i) == Some(&0)).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &m in out_edges.get(i).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(d) = indegree.get_mut(m) {
                *d -= 1;
                if *d == 0 {
                    ready.insert(m);
                }
            }
        }
    }
    if order.len() < n {
        let mut placed = vec![false; n];
        for &i in &order {
            if let Some(p) = placed.get_mut(i) {
                *p = true;
            }
        }
        order.extend((0..n).filter(|i| placed.get(*i) == Some(&false)));
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
            let (Some(&from), Some(&to)) = (index.get(&fk.target), index.get(t)) else {
                continue;
            };
            if from == to {
                continue;
            }
            if component.get(&from) == component.get(&to) {
                deferred.insert((t.clone(), i));
            } else {
                edges.insert((from, to));
            }
        }
    }
    // `names` is in the tables' sorted order, so ties in index order are ties by name.
    TableOrder {
        order: kahn_indices(names.len(), &edges)
            .into_iter()
            .filter_map(|i| names.get(i).map(|q| (*q).clone()))
            .collect(),
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

    #[test]
    fn kahn_appends_a_cycle_in_name_order_after_the_rest() {
        let q = |n: &str| QName::new("public", n);
        let nodes: BTreeSet<QName> = ["a", "b", "c", "d", "e"].iter().map(|n| q(n)).collect();
        // a ⇄ c form a cycle; e → b; d depends on a (inside the cycle), so it never gets ready.
        let edges: BTreeSet<(QName, QName)> = [
            (q("a"), q("c")),
            (q("c"), q("a")),
            (q("e"), q("b")),
            (q("a"), q("d")),
            (q("b"), q("b")),
            (q("x"), q("b")),
        ]
        .into_iter()
        .collect();
        let order: Vec<String> = kahn(&nodes, &edges).into_iter().map(|n| n.name).collect();
        assert_eq!(order, ["e", "b", "a", "c", "d"]);
    }
}
