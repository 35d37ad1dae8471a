//! Default privileges: the model's `default_privileges:` × `pg_default_acl`, both directions.
//!
//! Input: the model and a [`Catalog`] (its `default_acls`, every-schema rows and
//! `current_user`). Output: `E501` (a default privilege the database lacks), `E502` (one only the
//! database has) and `E503` (both, with other privileges) per (owner, schema, class, grantee).
//! Invariants: only the roles the model speaks for are compared — `current_user` (entries
//! without `for_role:`) and every `for_role:` — so the platform's own roles' defaults
//! (`supabase_admin`, …) are never reported; the default privileges of an auto-exposing
//! Supabase project in `public` are expected; `ON SCHEMAS` defaults are not modelled (import
//! keeps them in its ledger).

use std::collections::{BTreeMap, BTreeSet};

use super::Cx;
use crate::introspect::Catalog;
use crate::ir::default_privileges::{DefaultPrivileges, ObjectClass};
use crate::source::Span;

type Key = (String, Option<String>, ObjectClass);
type Held = BTreeMap<String, BTreeSet<String>>;

fn objtype(class: ObjectClass) -> &'static str {
    match class {
        ObjectClass::Tables => "r",
        ObjectClass::Sequences => "S",
        ObjectClass::Functions => "f",
        ObjectClass::Types => "T",
    }
}

fn builtin(class: ObjectClass) -> Held {
    let mut h = Held::new();
    let p = class.builtin_public();
    if !p.is_empty() {
        h.insert(
            "public".to_string(),
            p.iter().map(|s| s.to_string()).collect(),
        );
    }
    h
}

/// What the model expects, with the entry that declared each key.
fn expected<'m>(
    cx: &Cx<'m>,
    catalog: &Catalog,
) -> BTreeMap<Key, (Held, Option<&'m DefaultPrivileges>)> {
    let model = cx.model;
    let mut out: BTreeMap<Key, (Held, Option<&'m DefaultPrivileges>)> = BTreeMap::new();
    for dp in &model.default_privileges {
        let owner = dp
            .for_role
            .as_ref()
            .map_or_else(|| catalog.current_user.clone(), |r| r.value.clone());
        for (class, cp) in &dp.classes {
            let mut held = if dp.schema.is_some() {
                Held::new()
            } else {
                builtin(*class)
            };
            for (role, privs) in &cp.revokes {
                let privs = class.expand(privs);
                if let Some(h) = held.get_mut(role) {
                    h.retain(|p| !privs.contains(p));
                }
            }
            for (role, privs) in &cp.grants {
                held.entry(role.clone())
                    .or_default()
                    .extend(class.expand(privs));
            }
            held.retain(|_, p| !p.is_empty());
            out.insert((owner.clone(), dp.schema.clone(), *class), (held, Some(dp)));
        }
    }
    if model.auto_exposes() {
        // The platform's own default privileges in `public` (supabase_auto_expose.sql).
        for class in [
            ObjectClass::Tables,
            ObjectClass::Sequences,
            ObjectClass::Functions,
        ] {
            let e = out
                .entry((
                    catalog.current_user.clone(),
                    Some("public".to_string()),
                    class,
                ))
                .or_default();
            for r in ["anon", "authenticated", "service_role"] {
                e.0.entry(r.to_string())
                    .or_default()
                    .extend(class.privileges().iter().map(|p| p.to_string()));
            }
        }
    }
    out
}

/// Compare the model's default privileges with the catalog's.
pub(super) fn compare(cx: &mut Cx<'_>, catalog: &Catalog) {
    let expected = expected(cx, catalog);
    let mut owners: BTreeSet<String> = expected.keys().map(|k| k.0.clone()).collect();
    owners.insert(catalog.current_user.clone());
    let class_of = |t: &str| ObjectClass::ALL.into_iter().find(|c| objtype(*c) == t);
    let mut actual: BTreeMap<Key, Held> = BTreeMap::new();
    for row in &catalog.default_acl_global {
        if let Some(class) = class_of(&row.objtype)
            && owners.contains(&row.owner)
        {
            actual.insert((row.owner.clone(), None, class), Held::new());
        }
    }
    for row in &catalog.default_acls {
        let Some(class) = class_of(&row.objtype) else {
            continue;
        };
        if !owners.contains(&row.owner) {
            continue;
        }
        actual
            .entry((row.owner.clone(), row.schema.clone(), class))
            .or_default()
            .entry(row.grantee.clone())
            .or_default()
            .extend(row.privileges.iter().cloned());
    }
    let keys: BTreeSet<&Key> = expected.keys().chain(actual.keys()).collect();
    for key in keys {
        let (owner, schema, class) = key;
        let base = || {
            if schema.is_none() {
                builtin(*class)
            } else {
                Held::new()
            }
        };
        let (want, dp) = expected
            .get(key)
            .map_or_else(|| (base(), None), |(h, dp)| (h.clone(), *dp));
        let have = actual.get(key).cloned().unwrap_or_else(base);
        let roles: BTreeSet<&String> = want.keys().chain(have.keys()).collect();
        for role in roles {
            let empty = BTreeSet::new();
            let w = want.get(role).unwrap_or(&empty);
            let h = have.get(role).unwrap_or(&empty);
            if w == h {
                continue;
            }
            let scope = match schema {
                Some(s) => format!("in schema `{s}`"),
                None => "in every schema".to_string(),
            };
            let what = format!(
                "the default privileges of `{owner}` {scope} on {} for `{role}`",
                class.key()
            );
            let span = dp.map(|d| {
                let revoke = w.len() < h.len();
                d.span_of(*class, revoke, role, None)
            });
            let show = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
            match (w.is_empty(), h.is_empty(), span) {
                (false, true, Some(span)) => cx.missing(
                    format!("{what} ({})", show(w)),
                    span,
                    "apply the model's migrations, or remove the default privilege from the model",
                ),
                (true, false, _) => cx.extra(format!("{what} ({})", show(h)), span),
                _ => cx.differs(
                    what,
                    span.unwrap_or(Span::default()),
                    &show_or_none(w),
                    &show_or_none(h),
                ),
            }
        }
    }
}

fn show_or_none(s: &BTreeSet<String>) -> String {
    if s.is_empty() {
        "no privileges".to_string()
    } else {
        s.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}
