//! Schema privileges: the model's declared schemas × `pg_namespace.nspacl`.
//!
//! Input: the model, its preset and a catalog (`introspect` reads USAGE and CREATE of the
//! compared roles on the schemas read and on the platform's schemas). Output: E503 for every
//! role whose privileges on a declared schema differ from what the model gives it (PostgreSQL's
//! and the preset's defaults, minus its revokes, plus its grants). Invariants: a schema the model
//! creates (and `public` when declared) is compared for every compared role; a platform schema
//! (`auth`, `storage`, …) only for the roles the model's grants and revokes name, the platform's
//! own grants being none of its business; an undeclared `public` is not compared.

use std::collections::{BTreeMap, BTreeSet};

use super::{Cx, compared_roles, expected_privileges};
use crate::introspect::Catalog;
use crate::preset::External;

pub(super) fn compare(cx: &mut Cx<'_>, external: &External, catalog: &Catalog) {
    let model = cx.model;
    if model.schemas.is_empty() {
        return;
    }
    let access = expected_privileges(model, external);
    let roles = compared_roles(model, external);
    let key = |r: &str| {
        if r == "PUBLIC" {
            "public".to_string()
        } else {
            r.to_string()
        }
    };
    let mut have: BTreeMap<(&str, String), BTreeSet<String>> = BTreeMap::new();
    for p in &catalog.schema_privileges {
        have.entry((p.schema.as_str(), key(&p.grantee)))
            .or_default()
            .insert(p.privilege.to_ascii_lowercase());
    }
    let exists: BTreeSet<&str> = catalog
        .schemas
        .iter()
        .map(String::as_str)
        .chain(catalog.schema_privileges.iter().map(|p| p.schema.as_str()))
        .collect();
    for (name, s) in &model.schemas {
        if !exists.contains(name.as_str()) {
            // Reported as missing (owned schemas), or not read.
            continue;
        }
        let platform = model.platform_schema(name);
        let held = access.schemas.get(name).cloned().unwrap_or_default();
        for role in &roles {
            let k = key(role);
            if platform && !s.grants.contains_key(&k) && !s.revokes.contains_key(&k) {
                continue;
            }
            let want = held.get(&k).cloned().unwrap_or_default();
            let got = have
                .get(&(name.as_str(), k.clone()))
                .cloned()
                .unwrap_or_default();
            if want != got {
                let show = |s: &BTreeSet<String>| {
                    if s.is_empty() {
                        "no privileges".to_string()
                    } else {
                        s.iter()
                            .map(|p| p.to_ascii_uppercase())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                };
                let revoked = s.revokes.contains_key(&k) && !s.grants.contains_key(&k);
                let at = crate::ir::privilege_span(&s.privilege_spans, revoked, &k, None, s.origin);
                cx.differs(
                    format!("the privileges of `{k}` on schema `{name}`"),
                    at,
                    &show(&want),
                    &show(&got),
                );
            }
        }
    }
}
