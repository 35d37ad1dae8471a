//! The down side of the first migration's schema privileges and grants on platform tables.
//!
//! Input: a model. Output: the statements that put `public` and the platform's schemas back to
//! their default privileges (`preset::privileges::schema_defaults`): the model's grants revoked
//! (except what the role holds by default) and its revokes granted back (only what the role
//! held by default). Schemas the migration creates are dropped, privileges and all, so they
//! need nothing. Invariants: schemas in name order, roles in name order.

use crate::ir::Model;
use crate::preset::privileges::{SCHEMA_ALL, schema_defaults};
use crate::sql::{GrantObject, Stmt};

/// Undo the schema grants and revokes of the first migration on the schemas it does not create,
/// and its grants on platform tables.
pub(super) fn undo(model: &Model) -> Vec<Stmt<'static>> {
    let mut out = Vec::new();
    for (table, privs) in &model.external_grants {
        for (role, set) in privs {
            let obj = GrantObject::Table(table.clone());
            out.push(Stmt::Revoke(
                obj,
                set.iter().cloned().collect(),
                role.clone(),
            ));
        }
    }
    for s in model
        .schemas
        .values()
        .filter(|s| !model.creates_schema(&s.name))
    {
        let defaults = schema_defaults(model.preset, &s.name);
        let obj = GrantObject::Schema(s.name.clone());
        let expand = |privs: &std::collections::BTreeSet<String>| -> Vec<String> {
            let mut v: Vec<String> = Vec::new();
            for p in privs {
                if p == "all" {
                    v.extend(SCHEMA_ALL.iter().map(|x| x.to_string()));
                } else {
                    v.push(p.clone());
                }
            }
            v.sort();
            v.dedup();
            v
        };
        for (role, privs) in &s.grants {
            let held = defaults.get(role);
            let gone: Vec<String> = expand(privs)
                .into_iter()
                .filter(|p| !held.is_some_and(|h| h.contains(p)))
                .collect();
            if !gone.is_empty() {
                out.push(Stmt::Revoke(obj.clone(), gone, role.clone()));
            }
        }
        for (role, privs) in &s.revokes {
            let Some(held) = defaults.get(role) else {
                continue;
            };
            let back: Vec<String> = expand(privs)
                .into_iter()
                .filter(|p| held.contains(p))
                .collect();
            if !back.is_empty() {
                out.push(Stmt::Grant(obj.clone(), back, role.clone()));
            }
        }
    }
    out
}
