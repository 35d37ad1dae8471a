//! Declared renames of domains and composite types, of their fields and of domain checks, and the
//! old model with them applied (the part of [`super::renames`] for these kinds).
//!
//! Input: the previous and the new model. Output: entries of [`Renames::types`] and
//! [`Renames::type_parts`]; the previous model with the renames applied, references (column
//! types, field types, domain base types, arrays of them) following. Invariants: only
//! `renamed_from:` counts; a rename whose old name is gone (already shipped) is ignored.

use std::collections::BTreeMap;

use super::renames::Renames;
use crate::ir::domains::element_type;
use crate::ir::{Model, QName};

fn qualify(written: &str, schema: &str) -> QName {
    match crate::ir::name::split_qualified(written.trim()).as_deref() {
        Some([s, n]) => QName::new(s.clone(), n.clone()),
        Some([n]) => QName::new(schema.to_string(), n.clone()),
        _ => QName::new(schema.to_string(), written.trim().to_string()),
    }
}

/// Whether `old` has a domain or composite type named `q`.
fn has_type(m: &Model, q: &QName) -> bool {
    m.domains.contains_key(q) || m.composites.contains_key(q)
}

/// Add the renames `new` declares that apply to `old`.
pub fn declared(old: &Model, new: &Model, r: &mut Renames) {
    let declared = new
        .domains
        .values()
        .map(|t| (&t.name, t.renamed_from.as_ref()))
        .chain(
            new.composites
                .values()
                .map(|t| (&t.name, t.renamed_from.as_ref())),
        );
    for (name, w) in declared {
        let Some(w) = w else { continue };
        let from = qualify(&w.value, &name.schema);
        if &from != name && has_type(old, &from) && !has_type(old, name) {
            r.types.insert(from, name.clone());
        }
    }
    let old_name = |q: &QName| {
        r.types
            .iter()
            .find(|(_, n)| *n == q)
            .map_or_else(|| q.clone(), |(o, _)| o.clone())
    };
    let mut parts = BTreeMap::new();
    for t in new.composites.values() {
        let Some(ot) = old.composites.get(&old_name(&t.name)) else {
            continue;
        };
        let mut m = BTreeMap::new();
        for f in t.fields.values() {
            let Some(w) = &f.renamed_from else { continue };
            let from = w.value.trim();
            if from != f.name && ot.fields.contains_key(from) && !ot.fields.contains_key(&f.name) {
                m.insert(from.to_string(), f.name.clone());
            }
        }
        if !m.is_empty() {
            parts.insert(t.name.clone(), m);
        }
    }
    for t in new.domains.values() {
        let Some(ot) = old.domains.get(&old_name(&t.name)) else {
            continue;
        };
        let m: BTreeMap<String, String> = t
            .renamed_checks
            .iter()
            .filter(|(n, from)| {
                n != from && ot.checks.contains_key(*from) && !ot.checks.contains_key(*n)
            })
            .map(|(n, from)| (from.clone(), n.clone()))
            .collect();
        if !m.is_empty() {
            parts.insert(t.name.clone(), m);
        }
    }
    r.type_parts = parts;
}

/// A `format_type()` name with the renamed type replaced (arrays kept).
fn renamed(type_sql: &str, names: &BTreeMap<String, String>) -> Option<String> {
    let elem = element_type(type_sql);
    let to = names.get(elem)?;
    let dims = type_sql.trim().strip_prefix(elem).unwrap_or("");
    Some(format!("{to}{dims}"))
}

/// Apply the type renames of `r` to `m` (a copy of the previous model).
pub fn apply(r: &Renames, m: &mut Model) {
    if !r.types.is_empty() {
        let names: BTreeMap<String, String> = r
            .types
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let mut domains = BTreeMap::new();
        for (q, mut t) in std::mem::take(&mut m.domains) {
            let q = r.types.get(&q).cloned().unwrap_or(q);
            t.name = q.clone();
            domains.insert(q, t);
        }
        m.domains = domains;
        let mut composites = BTreeMap::new();
        for (q, mut t) in std::mem::take(&mut m.composites) {
            let q = r.types.get(&q).cloned().unwrap_or(q);
            t.name = q.clone();
            composites.insert(q, t);
        }
        m.composites = composites;
        for t in m.domains.values_mut() {
            if let Some(n) = renamed(&t.type_sql, &names) {
                t.type_sql = n;
            }
        }
        for f in m
            .composites
            .values_mut()
            .flat_map(|t| t.fields.values_mut())
        {
            if let Some(n) = renamed(&f.type_sql, &names) {
                f.type_sql = n;
            }
        }
        for c in m.tables.values_mut().flat_map(|t| t.columns.values_mut()) {
            if let Some(n) = renamed(&c.type_sql, &names) {
                c.type_sql = n;
            }
        }
    }
    for (q, parts) in &r.type_parts {
        if let Some(t) = m.composites.get_mut(q) {
            let fields = std::mem::take(&mut t.fields);
            t.fields = fields
                .into_iter()
                .map(|(n, mut f)| {
                    let n = parts.get(&n).cloned().unwrap_or(n);
                    f.name = n.clone();
                    (n, f)
                })
                .collect();
        }
        if let Some(t) = m.domains.get_mut(q) {
            let checks = std::mem::take(&mut t.checks);
            t.checks = checks
                .into_iter()
                .map(|(n, e)| (parts.get(&n).cloned().unwrap_or(n), e))
                .collect();
        }
    }
}
