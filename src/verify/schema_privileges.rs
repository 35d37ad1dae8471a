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

/// The model's grants on platform tables (top-level `grants:`): each granted privilege must be
/// held (E501 when not). What else the platform grants on its tables is its business.
pub(super) fn platform_tables(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    let mut have: BTreeSet<(&str, &str, String, String)> = BTreeSet::new();
    for p in &catalog.platform_relation_privileges {
        let grantee = if p.grantee == "PUBLIC" {
            "public".to_string()
        } else {
            p.grantee.clone()
        };
        have.insert((
            p.schema.as_str(),
            p.object.as_str(),
            grantee,
            p.privilege.to_ascii_lowercase(),
        ));
    }
    for (table, privs) in &model.external_grants {
        let (span, spans) = match model.external_grant_spans.get(table) {
            Some((span, spans)) => (*span, Some(spans)),
            None => (crate::source::Span::default(), None),
        };
        for (role, set) in privs {
            for p in set {
                let wanted: Vec<String> = if p == "all" || p == "all privileges" {
                    crate::preset::privileges::TABLE_ALL
                        .iter()
                        .map(|x| x.to_string())
                        .collect()
                } else {
                    vec![p.clone()]
                };
                for w in wanted {
                    let key = (
                        table.schema.as_str(),
                        table.name.as_str(),
                        role.clone(),
                        w.clone(),
                    );
                    if !have.contains(&key) {
                        let at = spans.map_or(span, |s| {
                            crate::ir::privilege_span(s, false, role, Some(p), span)
                        });
                        cx.missing(
                            format!(
                                "{} on platform table `{table}` for `{role}`",
                                w.to_ascii_uppercase()
                            ),
                            at,
                            "apply the migrations that grant it",
                        );
                    }
                }
            }
        }
    }
}
