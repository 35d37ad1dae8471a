//! Domains and composite types: the model's own types besides enums.
//!
//! Input: built by `load` (`domains:` and `types:`), completed by `resolve` (the base type of a
//! domain and the type of each field normalised to `format_type()` names). Output: read by
//! validate, plan (first and incremental migrations), verify, import and render, and serialized
//! in the snapshot (left out when empty, so a model without them keeps a byte-identical one).
//! Invariants: checks are kept by name (a `BTreeMap`), fields in declaration order (an
//! `IndexMap`, the order of `CREATE TYPE … AS (…)`); [`type_order`] is deterministic.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{Model, QName, Sp, is_default};
use crate::source::Span;

/// A domain: a base type with a default, NOT NULL and named checks (`domains:`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Domain {
    /// Qualified name.
    pub name: QName,
    /// The base type as written; not part of the snapshot.
    #[serde(skip)]
    pub type_written: Sp<String>,
    /// The base type as `format_type()` prints it.
    pub type_sql: String,
    /// NOT NULL (`nullable: false`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub not_null: bool,
    /// DEFAULT expression.
    #[serde(default, skip_serializing_if = "is_default")]
    pub default: Option<Sp<String>>,
    /// COLLATE (a collation name).
    #[serde(default, skip_serializing_if = "is_default")]
    pub collation: Option<Sp<String>>,
    /// CHECK constraints by name; the expression reads the value as `value`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub checks: BTreeMap<String, Sp<String>>,
    /// The name it had before (`renamed_from:`), as written; not part of the snapshot.
    #[serde(skip)]
    pub renamed_from: Option<Sp<String>>,
    /// Checks renamed (`checks: { new: { check: …, renamed_from: old } }`): new → old; not part
    /// of the snapshot.
    #[serde(skip)]
    pub renamed_checks: BTreeMap<String, String>,
    /// Description.
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// A composite type (`types:`): named fields, as `CREATE TYPE … AS (…)`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CompositeType {
    /// Qualified name.
    pub name: QName,
    /// Fields in declaration order.
    #[serde(default, skip_serializing_if = "is_default")]
    pub fields: IndexMap<String, Field>,
    /// The name it had before (`renamed_from:`), as written; not part of the snapshot.
    #[serde(skip)]
    pub renamed_from: Option<Sp<String>>,
    /// Description.
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// One field (attribute) of a composite type.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Field {
    /// Name.
    pub name: String,
    /// The type as written; not part of the snapshot.
    #[serde(skip)]
    pub type_written: Sp<String>,
    /// The type as `format_type()` prints it.
    pub type_sql: String,
    /// The name it had before (`renamed_from:`); not part of the snapshot.
    #[serde(skip)]
    pub renamed_from: Option<Sp<String>>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// A domain or a composite type, by reference.
#[derive(Debug, Clone, Copy)]
pub enum UserType<'a> {
    /// A domain.
    Domain(&'a Domain),
    /// A composite type.
    Composite(&'a CompositeType),
}

impl<'a> UserType<'a> {
    /// Its name.
    pub fn name(&self) -> &'a QName {
        match self {
            UserType::Domain(d) => &d.name,
            UserType::Composite(c) => &c.name,
        }
    }

    /// The `format_type()` names it is built from (the base type, or each field's type).
    pub fn uses(&self) -> Vec<&'a str> {
        match self {
            UserType::Domain(d) => vec![d.type_sql.as_str()],
            UserType::Composite(c) => c.fields.values().map(|f| f.type_sql.as_str()).collect(),
        }
    }
}

/// The element type of an array type name (`x[]`, `x[][]` → `x`), or the name itself.
pub fn element_type(type_sql: &str) -> &str {
    let mut t = type_sql.trim();
    while let Some(inner) = t.strip_suffix("[]") {
        t = inner.trim_end();
    }
    t
}

/// Every domain and composite type of the model, by its `format_type()` name (`QName`'s display).
pub fn user_types(model: &Model) -> BTreeMap<String, UserType<'_>> {
    let mut out = BTreeMap::new();
    for d in model.domains.values() {
        out.insert(d.name.to_string(), UserType::Domain(d));
    }
    for c in model.composites.values() {
        out.insert(c.name.to_string(), UserType::Composite(c));
    }
    out
}

/// The domains and composite types of `model` in dependency order (a type after the domains and
/// composites it is built from; ties by name). Types in a cycle (refused by validate, E218) come
/// last, by name.
pub fn type_order(model: &Model) -> Vec<UserType<'_>> {
    let all = user_types(model);
    let deps: BTreeMap<&str, BTreeSet<&str>> = all
        .iter()
        .map(|(k, t)| {
            let ds = t
                .uses()
                .into_iter()
                .map(element_type)
                .filter_map(|u| all.get_key_value(u).map(|(k2, _)| k2.as_str()))
                .filter(|u| *u != k.as_str())
                .collect();
            (k.as_str(), ds)
        })
        .collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    // Repeated passes: each takes, by name, every type whose dependencies are done. Types are
    // few (tens), so the passes cost nothing next to the tables.
    loop {
        let ready: Vec<&str> = deps
            .iter()
            .filter(|(k, ds)| !done.contains(*k) && ds.iter().all(|d| done.contains(d)))
            .map(|(k, _)| *k)
            .collect();
        if ready.is_empty() {
            break;
        }
        for k in ready {
            done.insert(k);
            if let Some(t) = all.get(k) {
                out.push(*t);
            }
        }
    }
    for (k, t) in &all {
        if !done.contains(k.as_str()) {
            out.push(*t);
        }
    }
    out
}

/// The cycles among domains and composite types: for each type on a cycle (by name), the path
/// from it back to itself.
pub fn type_cycles(model: &Model) -> Vec<Vec<QName>> {
    let all = user_types(model);
    let mut out = Vec::new();
    for (start, t) in &all {
        // Depth-first from `start`, looking for a way back to it.
        let mut stack: Vec<(Vec<&str>, &str)> = Vec::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for u in t.uses() {
            stack.push((vec![start.as_str()], element_type(u)));
        }
        while let Some((path, next)) = stack.pop() {
            if next == start.as_str() {
                out.push(
                    path.iter()
                        .chain(std::iter::once(&next))
                        .filter_map(|k| all.get(*k).map(|t| t.name().clone()))
                        .collect(),
                );
                break;
            }
            if !seen.insert(next) {
                continue;
            }
            if let Some((k, nt)) = all.get_key_value(next) {
                for u in nt.uses() {
                    let mut p = path.clone();
                    p.push(k.as_str());
                    stack.push((p, element_type(u)));
                }
            }
        }
    }
    out
}

/// Columns (table, column) whose type is `ty` or an array of it.
pub fn columns_of_type<'a>(model: &'a Model, ty: &QName) -> Vec<(&'a QName, &'a str)> {
    let name = ty.to_string();
    let mut out = Vec::new();
    for t in model.tables.values() {
        for c in t.columns.values() {
            if element_type(&c.type_sql) == name {
                out.push((&t.name, c.name.as_str()));
            }
        }
    }
    out
}
