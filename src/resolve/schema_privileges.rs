//! Schema privileges: the roles they name, the platform's schemas, and the bulk grants.
//!
//! Input: the loaded model (its `schemas:` with `grants`, `revoke`, `all_tables`,
//! `all_functions`). Output: E206 for an unknown role, E212 for a platform schema declared with
//! more than privileges, and the bulk grants written into every table, view and function of the
//! schema the model declares (`all_tables` → `grants` of each table and view, `all_functions` →
//! `grants` of each function), so the snapshot, the planner and verify see them per object.
//! Invariants: one pass over the schemas and one over the objects (a map lookup each); an
//! object's own grants are kept, the bulk ones added; objects the model does not declare (the
//! platform's, future ones) are not covered (future ones are default privileges).

use super::{Scope, check_privilege_roles};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Model, Privileges};
use crate::source::Span;
use std::collections::BTreeMap;

/// The privileges of tables and views (`all` stands for every one of them).
pub const TABLE_PRIVILEGES: &[&str] = &[
    "all",
    "select",
    "insert",
    "update",
    "delete",
    "truncate",
    "references",
    "trigger",
];
/// The privileges of functions.
pub const FUNCTION_PRIVILEGES: &[&str] = &["all", "execute"];
/// The privileges of schemas.
pub const SCHEMA_PRIVILEGES: &[&str] = &["all", "usage", "create"];

/// Check the roles of every schema's privileges and what a platform schema may say.
pub(super) fn check(scope: &Scope, d: &mut Diagnostics) {
    for s in scope.model.schemas.values() {
        check_privilege_roles(
            scope,
            &s.grants,
            &s.revokes,
            &s.privilege_spans,
            s.origin,
            d,
        );
        for (bulk, privs) in [
            ("all_tables", &s.all_tables),
            ("all_functions", &s.all_functions),
        ] {
            let spans = bulk_spans(&s.privilege_spans, bulk);
            check_privilege_roles(scope, privs, &Privileges::new(), &spans, s.origin, d);
        }
        if !scope.model.platform_schema(&s.name) {
            continue;
        }
        let extra = [
            ("description", s.description.is_some()),
            ("all_tables", !s.all_tables.is_empty()),
            ("all_functions", !s.all_functions.is_empty()),
        ];
        for (key, set) in extra {
            if set {
                d.push(
                    Diagnostic::error(
                        Code::PlatformSchemaDeclared,
                        format!(
                            "schema `{}` belongs to the platform: the model may grant and revoke on it, not set `{key}`",
                            s.name
                        ),
                    )
                    .at(s.origin, "a platform schema")
                    .help(format!(
                        "remove `{key}` from `schemas: {{ {} }}`; keep only `grants:` and `revoke:`",
                        s.name
                    )),
                );
            }
        }
    }
}

/// The top-level `grants:`: each names a platform table (E213) and known roles (E206).
pub(super) fn check_external(scope: &Scope, d: &mut Diagnostics) {
    let none = Privileges::new();
    for (table, privs) in &scope.model.external_grants {
        let Some((span, spans)) = scope.model.external_grant_spans.get(table) else {
            continue;
        };
        check_privilege_roles(scope, privs, &none, spans, *span, d);
        if !scope.external.tables.contains_key(table) {
            let known: Vec<String> = scope
                .external
                .tables
                .keys()
                .map(|q| q.to_string())
                .collect();
            let hint = crate::load::decode::did_you_mean(
                &table.to_string(),
                known.iter().map(String::as_str),
            );
            d.push(
                Diagnostic::error(
                    Code::GrantTargetNotPlatform,
                    format!("`{table}` is not a table of the platform{hint}"),
                )
                .at(*span, "top-level grants are for the platform's tables")
                .help("grant on a table the model declares with its own `grants:`; the top level takes the preset's tables (`auth.users`, `storage.objects`, `storage.buckets`)"),
            );
        }
    }
}

/// The spans of a bulk entry (`all_tables:role:privilege`) under the keys [`check_privilege_roles`]
/// and `validate` read (`grant:role:privilege`).
pub fn bulk_spans(spans: &BTreeMap<String, Span>, bulk: &str) -> BTreeMap<String, Span> {
    let prefix = format!("{bulk}:");
    spans
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(&prefix)
                .map(|rest| (format!("grant:{rest}"), *v))
        })
        .collect()
}

/// Write every schema's `all_tables` and `all_functions` into the grants of the tables, views
/// and functions of that schema; each added grant keeps the span it was written at.
///
/// Only privileges of the kind of object are written (`validate` reports the others once, at
/// the schema, rather than once per object).
pub(super) fn expand_bulk(model: &mut Model) {
    type Bulk = (Privileges, BTreeMap<String, Span>);
    let mut tables: BTreeMap<String, Bulk> = BTreeMap::new();
    let mut functions: BTreeMap<String, Bulk> = BTreeMap::new();
    for s in model.schemas.values() {
        let valid = |p: &Privileges, allowed: &[&str]| -> Privileges {
            p.iter()
                .map(|(r, set)| {
                    let set = set.iter().filter(|x| allowed.contains(&x.as_str()));
                    (
                        r.clone(),
                        set.cloned().collect::<std::collections::BTreeSet<_>>(),
                    )
                })
                .filter(|(_, set)| !set.is_empty())
                .collect()
        };
        let t = valid(&s.all_tables, TABLE_PRIVILEGES);
        if !t.is_empty() {
            let spans = bulk_spans(&s.privilege_spans, "all_tables");
            tables.insert(s.name.clone(), (t, spans));
        }
        let f = valid(&s.all_functions, FUNCTION_PRIVILEGES);
        if !f.is_empty() {
            let spans = bulk_spans(&s.privilege_spans, "all_functions");
            functions.insert(s.name.clone(), (f, spans));
        }
    }
    if tables.is_empty() && functions.is_empty() {
        return;
    }
    let add = |grants: &mut Privileges, own: &mut BTreeMap<String, Span>, bulk: &Bulk| {
        for (role, privs) in &bulk.0 {
            grants
                .entry(role.clone())
                .or_default()
                .extend(privs.iter().cloned());
        }
        for (k, v) in &bulk.1 {
            own.entry(k.clone()).or_insert(*v);
        }
    };
    for t in model.tables.values_mut() {
        if let Some(b) = tables.get(&t.name.schema) {
            add(&mut t.grants, &mut t.privilege_spans, b);
        }
    }
    for v in model.views.values_mut() {
        if let Some(b) = tables.get(&v.name.schema) {
            add(&mut v.grants, &mut v.privilege_spans, b);
        }
    }
    for f in model.functions.values_mut() {
        if let Some(b) = functions.get(&f.name.schema) {
            add(&mut f.grants, &mut f.privilege_spans, b);
        }
    }
}
