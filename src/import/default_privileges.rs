//! `pg_default_acl` → `default_privileges:` of the imported model.
//!
//! Input: the catalog's default privileges of `current_user` (the role the imported model's
//! migrations run as). Output: per schema the YAML body of `default_privileges:` (grants), and
//! the top-level one (every schema: grants and the revokes of PostgreSQL's built-in grants to
//! PUBLIC). Other roles' default privileges, `ON SCHEMAS` ones and an owner's own entry stay in
//! the ledger (`others`, kind `default privileges`). Invariants: sorted output; privileges that
//! make up a whole class are written `all`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::yaml::{flow_list, scalar};
use crate::introspect::{Catalog, OtherInfo};
use crate::ir::default_privileges::ObjectClass;

type Held = BTreeMap<String, BTreeSet<String>>;

/// Whether the ledger entry `o` (kind `default privileges`) is written into the model instead.
pub fn modelled(catalog: &Catalog, o: &OtherInfo) -> bool {
    o.kind == "default privileges"
        && !catalog.current_user.is_empty()
        && o.name
            .starts_with(&format!("for {} ", catalog.current_user))
        && !o.name.contains(" on schemas to ")
}

fn listed(class: ObjectClass, privs: &BTreeSet<String>) -> Vec<String> {
    crate::plan::default_privileges::listed(class, privs)
}

fn body(classes: &BTreeMap<ObjectClass, (Held, Held)>, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut s = String::new();
    for (class, (grants, revokes)) in classes {
        let part = |m: &Held| {
            m.iter()
                .map(|(r, p)| format!("{}: {}", scalar(r), flow_list(&listed(*class, p))))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut inner = Vec::new();
        if !grants.is_empty() {
            inner.push(format!("grant: {{ {} }}", part(grants)));
        }
        if !revokes.is_empty() {
            inner.push(format!("revoke: {{ {} }}", part(revokes)));
        }
        if !inner.is_empty() {
            let _ = writeln!(s, "{pad}{}: {{ {} }}", class.key(), inner.join(", "));
        }
    }
    s
}

/// The `default_privileges:` bodies: by schema (indented for `schemas: { s: … }`), and the
/// top-level one.
pub fn yaml(catalog: &Catalog) -> (BTreeMap<String, String>, Option<String>) {
    let me = &catalog.current_user;
    let mut schemas: BTreeMap<String, BTreeMap<ObjectClass, (Held, Held)>> = BTreeMap::new();
    let mut global: BTreeMap<ObjectClass, Held> = BTreeMap::new();
    for row in &catalog.global_rows_of(me) {
        global.entry(*row).or_default();
    }
    for a in &catalog.default_acls {
        let Some(class) = ObjectClass::from_catalog(&a.objtype) else {
            continue;
        };
        if &a.owner != me || &a.grantee == me {
            continue;
        }
        let privs: BTreeSet<String> = a.privileges.iter().cloned().collect();
        match &a.schema {
            Some(s) => {
                schemas
                    .entry(s.clone())
                    .or_default()
                    .entry(class)
                    .or_default()
                    .0
                    .insert(a.grantee.clone(), privs);
            }
            None => {
                global
                    .entry(class)
                    .or_default()
                    .insert(a.grantee.clone(), privs);
            }
        }
    }
    let per_schema = schemas
        .into_iter()
        .map(|(s, classes)| (s, body(&classes, 6)))
        .filter(|(_, b)| !b.is_empty())
        .collect();
    let mut classes: BTreeMap<ObjectClass, (Held, Held)> = BTreeMap::new();
    for (class, held) in global {
        let builtin: BTreeSet<String> = class
            .builtin_public()
            .iter()
            .map(|p| p.to_string())
            .collect();
        let mut grants = Held::new();
        let mut revokes = Held::new();
        for (role, privs) in &held {
            let extra: BTreeSet<String> = if role == "public" {
                privs.difference(&builtin).cloned().collect()
            } else {
                privs.clone()
            };
            if !extra.is_empty() {
                grants.insert(role.clone(), extra);
            }
        }
        let public = held.get("public").cloned().unwrap_or_default();
        let lost: BTreeSet<String> = builtin.difference(&public).cloned().collect();
        if !lost.is_empty() {
            revokes.insert("public".to_string(), lost);
        }
        classes.insert(class, (grants, revokes));
    }
    let top = body(&classes, 2);
    (per_schema, (!top.is_empty()).then_some(top))
}

/// The roles the imported default privileges name (declared under `roles:` when not built in).
pub fn grantees(catalog: &Catalog) -> BTreeSet<String> {
    catalog
        .default_acls
        .iter()
        .filter(|a| a.owner == catalog.current_user && a.grantee != a.owner)
        .filter(|a| ObjectClass::from_catalog(&a.objtype).is_some())
        .map(|a| a.grantee.clone())
        .collect()
}
