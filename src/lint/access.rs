//! Effective privileges: what each role may do on each table, view and function.
//!
//! Input: the model and the lint [`Settings`]. Output: [`Access`], per object a map role →
//! privileges. Invariants: the migration revokes first and grants second (see `plan`), so the
//! effective set is (platform defaults − revokes) ∪ grants. Platform defaults: on Supabase with
//! `supabase: { auto_expose_new_tables: true }`, ALL on tables and views in exposed schemas to the
//! client roles and `service_role`, and EXECUTE on functions in exposed schemas to them (today's
//! Supabase grants nothing); on every platform EXECUTE on functions to PUBLIC. `all` expands to
//! the object's privileges. Privileges of `public` apply to every role.

use std::collections::{BTreeMap, BTreeSet};

use super::Settings;
use crate::ir::{Model, Privileges, QName};

/// The privileges `all` stands for on tables and views.
pub const TABLE_ALL: &[&str] = &[
    "select",
    "insert",
    "update",
    "delete",
    "truncate",
    "references",
    "trigger",
];

/// Role → privileges.
pub type Held = BTreeMap<String, BTreeSet<String>>;

/// Effective privileges of the model's objects.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Tables and views.
    pub relations: BTreeMap<QName, Held>,
    /// Functions.
    pub functions: BTreeMap<QName, Held>,
}

fn apply(held: &mut Held, revokes: &Privileges, grants: &Privileges, all: &[&str]) {
    let expand = |privs: &BTreeSet<String>| -> BTreeSet<String> {
        privs
            .iter()
            .flat_map(|p| {
                if p == "all" || p == "all privileges" {
                    all.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                } else {
                    vec![p.clone()]
                }
            })
            .collect()
    };
    for (role, privs) in revokes {
        let privs = expand(privs);
        if let Some(h) = held.get_mut(role) {
            h.retain(|p| !privs.contains(p));
        }
    }
    for (role, privs) in grants {
        held.entry(role.clone()).or_default().extend(expand(privs));
    }
    held.retain(|_, p| !p.is_empty());
}

impl Access {
    /// Compute the effective privileges of a model.
    pub fn of(model: &Model, settings: &Settings) -> Access {
        let mut access = Access::default();
        // The platform's automatic grants go to the client roles and to `service_role`.
        let mut api_roles = settings.client_roles.clone();
        if settings.auto_expose && !api_roles.iter().any(|r| r == "service_role") {
            api_roles.push("service_role".to_string());
        }
        let table_defaults = |schema: &str| -> Held {
            let mut h = Held::new();
            if settings.auto_expose && settings.exposed(schema) {
                for r in &api_roles {
                    h.insert(r.clone(), TABLE_ALL.iter().map(|s| s.to_string()).collect());
                }
            }
            h
        };
        for (name, t) in &model.tables {
            let mut h = table_defaults(&name.schema);
            apply(&mut h, &t.revokes, &t.grants, TABLE_ALL);
            // A partition is a table clients can name directly. The migrations give a
            // protected partition its parent's grants and revokes (`plan::partition_privileges`);
            // one from a snapshot older than that protection holds the platform defaults.
            if let Some(p) = &t.partition {
                for part in p.partitions.values() {
                    let held = if p.protected {
                        h.clone()
                    } else {
                        table_defaults(&part.name.schema)
                    };
                    access.relations.entry(part.name.clone()).or_insert(held);
                }
            }
            access.relations.insert(name.clone(), h);
        }
        for (name, v) in &model.views {
            let mut h = table_defaults(&name.schema);
            apply(&mut h, &v.revokes, &v.grants, TABLE_ALL);
            access.relations.insert(name.clone(), h);
        }
        for (name, f) in &model.functions {
            let mut h = Held::new();
            h.insert("public".to_string(), ["execute".to_string()].into());
            if settings.auto_expose && settings.exposed(&name.schema) {
                for r in &api_roles {
                    h.insert(r.clone(), ["execute".to_string()].into());
                }
            }
            apply(&mut h, &f.revokes, &f.grants, &["execute"]);
            access.functions.insert(name.clone(), h);
        }
        access
    }

    /// Whether `role` (directly or through PUBLIC) holds `privilege` on the relation.
    pub fn relation_allows(&self, rel: &QName, role: &str, privilege: &str) -> bool {
        self.relations
            .get(rel)
            .is_some_and(|h| holds(h, role, privilege))
    }

    /// Whether `role` (directly or through PUBLIC) may execute the function.
    pub fn function_allows(&self, f: &QName, role: &str) -> bool {
        self.functions
            .get(f)
            .is_some_and(|h| holds(h, role, "execute"))
    }
}

impl crate::access::Privileges for Access {
    fn relation_allows(&self, rel: &QName, role: &str, privilege: &str) -> bool {
        Access::relation_allows(self, rel, role, privilege)
    }

    fn function_allows(&self, f: &QName, role: &str) -> bool {
        Access::function_allows(self, f, role)
    }
}

/// The settings with every API role as a client role: on Supabase `service_role` too, which gets
/// the platform's implicit grants like the others (see [`Access::of`]). Derived tests and the
/// access matrix use these.
pub fn api_settings(model: &Model, external: &crate::preset::External) -> Settings {
    let mut settings = Settings::of(model, external);
    if model.preset == crate::ir::Preset::Supabase
        && !settings.client_roles.iter().any(|r| r == "service_role")
    {
        settings.client_roles.push("service_role".to_string());
    }
    settings
}

/// The effective access of the client roles (the API roles and the model's declared roles) to
/// every table, view and function of `model` (see [`crate::access`]).
pub fn matrix(model: &Model, external: &crate::preset::External) -> crate::access::Matrix {
    let settings = api_settings(model, external);
    let access = Access::of(model, &settings);
    let mut roles = settings.client_roles.clone();
    for r in model.roles.keys() {
        if !roles.contains(r) {
            roles.push(r.clone());
        }
    }
    if roles.is_empty() {
        // No client role is known: everyone, through PUBLIC.
        roles.push("public".to_string());
    }
    let audience = crate::access::Audience {
        roles,
        bypass_rls: if model.preset == crate::ir::Preset::Supabase {
            ["service_role".to_string()].into()
        } else {
            BTreeSet::new()
        },
        exposed: settings.exposed_schemas.clone(),
    };
    crate::access::Matrix::of(model, &access, &audience)
}

fn holds(h: &Held, role: &str, privilege: &str) -> bool {
    [role, "public"]
        .iter()
        .any(|r| h.get(*r).is_some_and(|p| p.contains(privilege)))
}
