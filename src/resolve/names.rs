//! Generated constraint and index names.
//!
//! Input: a model whose unnamed constraints and indexes have empty names. Output: every name
//! filled in, following PostgreSQL's conventions (`{table}_pkey`, `{table}_{cols}_key`,
//! `{table}_{cols}_fkey`, `{table}_{col}_check`, `{table}_{cols}_idx`). Invariants: names are
//! deterministic; when two generated names in one table would be equal, later ones get `1`, `2`, …
//! appended (as PostgreSQL does); names are never truncated (validate reports names over 63 bytes).

use std::collections::BTreeSet;

use crate::ir::{Index, Model, Sp};

fn words_of(expr: &str) -> String {
    let words: Vec<String> = expr
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        "expr".to_string()
    } else {
        words.join("_")
    }
}

fn unique_name(base: String, suffix: &str, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = format!("{base}_{suffix}");
    let mut n = 0;
    while taken.contains(&candidate) {
        n += 1;
        candidate = format!("{base}_{suffix}{n}");
    }
    taken.insert(candidate.clone());
    candidate
}

fn index_names(table: &str, indexes: &mut [Index], taken: &mut BTreeSet<String>) {
    for ix in indexes.iter().filter(|i| !i.name.value.is_empty()) {
        taken.insert(ix.name.value.clone());
    }
    for ix in indexes.iter_mut().filter(|i| i.name.value.is_empty()) {
        let cols: Vec<String> = ix
            .keys
            .iter()
            .map(|k| {
                if k.expression {
                    words_of(&k.target.value)
                } else {
                    k.target.value.clone()
                }
            })
            .collect();
        ix.name = Sp::new(
            unique_name(format!("{table}_{}", cols.join("_")), "idx", taken),
            ix.origin,
        );
    }
}

/// Fill in every empty constraint and index name.
pub fn generate_names(model: &mut Model) {
    for t in model.tables.values_mut() {
        let table = t.name.name.clone();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for name in t
            .uniques
            .iter()
            .map(|u| &u.name)
            .chain(t.checks.iter().map(|c| &c.name))
            .chain(t.foreign_keys.iter().map(|f| &f.name))
            .chain(t.excludes.iter().map(|x| &x.name))
            .filter(|n| !n.value.is_empty())
        {
            taken.insert(name.value.clone());
        }
        if let Some(pk) = &mut t.primary_key {
            if pk.name.is_empty() {
                pk.name = format!("{table}_pkey");
            }
            taken.insert(pk.name.clone());
        }
        for u in t.uniques.iter_mut().filter(|u| u.name.value.is_empty()) {
            let cols: Vec<&str> = u.columns.iter().map(|c| c.value.as_str()).collect();
            u.name = Sp::new(
                unique_name(format!("{table}_{}", cols.join("_")), "key", &mut taken),
                u.origin,
            );
        }
        for c in t.checks.iter_mut().filter(|c| c.name.value.is_empty()) {
            // A column-level check is named after its column, like PostgreSQL does.
            let base = match &c.column {
                Some(col) => format!("{table}_{col}"),
                None => table.clone(),
            };
            c.name = Sp::new(unique_name(base, "check", &mut taken), c.origin);
        }
        for fk in t
            .foreign_keys
            .iter_mut()
            .filter(|f| f.name.value.is_empty())
        {
            let cols: Vec<&str> = fk.columns.iter().map(|c| c.value.as_str()).collect();
            fk.name = Sp::new(
                unique_name(format!("{table}_{}", cols.join("_")), "fkey", &mut taken),
                fk.origin,
            );
        }
        for x in t.excludes.iter_mut().filter(|x| x.name.value.is_empty()) {
            let cols: Vec<String> = x
                .elements
                .iter()
                .map(crate::ir::exclude::element_colname)
                .collect();
            x.name = Sp::new(
                unique_name(format!("{table}_{}", cols.join("_")), "excl", &mut taken),
                x.origin,
            );
        }
        index_names(&table, &mut t.indexes, &mut taken);
    }
    for v in model.views.values_mut() {
        let mut taken = BTreeSet::new();
        index_names(&v.name.name.clone(), &mut v.indexes, &mut taken);
    }
}
