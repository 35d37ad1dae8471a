//! Effective privileges: what each role may do on each table, view and function, and who the
//! API's audience is.
//!
//! Input: the model and its [`Api`] (the schemas the Data API exposes, the roles clients use,
//! whether the platform grants new objects by itself). Output: [`Access`], per object a map
//! role → privileges. This is the one place that decides the preset's implicit grants; `lint`,
//! `access` (the effective-access matrix), `verify`, `testing` and `import` read them from here.
//! Invariants: the migration revokes first and grants second (see `plan`), so the effective set
//! is (platform defaults − revokes) ∪ grants. Platform defaults: on Supabase with
//! `supabase: { auto_expose_new_tables: true }`, ALL on tables and views in exposed schemas to
//! the client roles and `service_role`, and EXECUTE on functions in exposed schemas to them
//! (today's Supabase grants nothing); on every platform EXECUTE on functions to PUBLIC. `all`
//! expands to the object's privileges. Privileges of `public` apply to every role. The model's
//! default privileges (`default_privileges:`) come before the object's own grants and revokes
//! ([`model_defaults`]): what a new object holds at creation.

use std::collections::{BTreeMap, BTreeSet};

use super::External;
use crate::ir::default_privileges::ObjectClass;
use crate::ir::{Model, Preset, Privileges, QName};

/// Who uses the Data API, and what the platform grants them by itself.
///
/// `exposed_schemas` and `client_roles` are written in the model's `lint:` section
/// (`lint: { exposed_schemas: …, client_roles: … }`, kept there so existing models read the same);
/// they describe the API, not a lint preference, so they also decide what `verify` expects, the
/// tests `test` derives and the access matrix of the docs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Api {
    /// Schemas the API exposes.
    pub exposed_schemas: BTreeSet<String>,
    /// Roles clients use.
    pub client_roles: Vec<String>,
    /// Whether the platform grants new objects in exposed schemas to the API roles by itself
    /// (`supabase: { auto_expose_new_tables: true }`; off on today's Supabase).
    pub auto_expose: bool,
}

impl Api {
    /// The API of a model: its `exposed_schemas` (default `[public]` on Supabase, none
    /// otherwise) and `client_roles` (default: the preset's).
    pub fn of(model: &Model, external: &External) -> Api {
        let cfg = &model.api;
        let exposed_schemas = match &cfg.exposed_schemas {
            Some(list) => list.iter().map(|s| s.value.clone()).collect(),
            None if model.preset == Preset::Supabase => ["public".to_string()].into(),
            None => BTreeSet::new(),
        };
        let client_roles = match &cfg.client_roles {
            Some(list) => list.iter().map(|s| s.value.clone()).collect(),
            None => external.client_roles.clone(),
        };
        Api {
            exposed_schemas,
            client_roles,
            auto_expose: model.auto_exposes(),
        }
    }

    /// [`Api::of`] with every API role as a client role: on Supabase `service_role` too, which
    /// gets the platform's implicit grants like the others (see [`Access::of`]). Derived tests
    /// and the access matrix use these.
    pub fn with_service_role(model: &Model, external: &External) -> Api {
        let mut api = Api::of(model, external);
        if model.preset == Preset::Supabase && !api.client_roles.iter().any(|r| r == "service_role")
        {
            api.client_roles.push("service_role".to_string());
        }
        api
    }

    /// Whether `schema` is exposed through the API.
    pub fn exposed(&self, schema: &str) -> bool {
        self.exposed_schemas.contains(schema)
    }
}

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
    /// Functions and procedures, by identity.
    pub functions: BTreeMap<crate::ir::FnKey, Held>,
    /// Schemas: every schema the model declares or puts an object in, and the preset's.
    pub schemas: BTreeMap<String, Held>,
}

/// The privileges `all` stands for on schemas.
pub const SCHEMA_ALL: &[&str] = &["usage", "create"];

/// The privileges a schema holds before the model grants or revokes anything: PostgreSQL 15
/// gives PUBLIC USAGE on `public` (and nothing on a schema the model creates); Supabase also
/// grants USAGE on `public`, `auth`, `storage` and `extensions` to `anon`, `authenticated` and
/// `service_role` (as `src/preset/supabase_standin.sql` does).
pub fn schema_defaults(preset: Preset, schema: &str) -> Held {
    let mut h = Held::new();
    if schema == "public" {
        h.insert("public".to_string(), ["usage".to_string()].into());
    }
    if preset == Preset::Supabase && ["public", "auth", "storage", "extensions"].contains(&schema) {
        for r in ["anon", "authenticated", "service_role"] {
            h.insert(r.to_string(), ["usage".to_string()].into());
        }
    }
    h
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

/// What a new object of `class` in `schema`, created by the migrations, holds before the
/// platform's automatic grants and the object's own grants and revokes: PostgreSQL's built-in
/// grants to PUBLIC (EXECUTE on functions, USAGE on types), then the model's every-schema default
/// privileges (revokes, then grants), then its default privileges in `schema` (grants; PostgreSQL
/// adds per-schema default privileges to the others). Only default privileges that cover the
/// migrations' objects count ([`crate::ir::default_privileges::DefaultPrivileges::covers_model_objects`]); the first migration
/// creates them before every object, and an incremental one applies a change to the objects
/// that already exist (`plan::incremental::default_privileges`), so this holds for every
/// object of the model whatever its history.
pub fn model_defaults(model: &Model, class: ObjectClass, schema: &str) -> Held {
    let mut held = Held::new();
    let public = class.builtin_public();
    if !public.is_empty() {
        held.insert(
            "public".to_string(),
            public.iter().map(|p| p.to_string()).collect(),
        );
    }
    let applies = model
        .default_privileges
        .iter()
        .filter(|dp| dp.covers_model_objects(model.preset));
    for dp in applies {
        if dp.schema.as_deref().is_some_and(|s| s != schema) {
            continue;
        }
        if let Some(cp) = dp.classes.get(&class) {
            apply(&mut held, &cp.revokes, &cp.grants, class.privileges());
        }
    }
    held
}

fn merge(into: &mut Held, from: Held) {
    for (role, privs) in from {
        into.entry(role).or_default().extend(privs);
    }
}

impl Access {
    /// Compute the effective privileges of a model.
    pub fn of(model: &Model, api: &Api) -> Access {
        let mut access = Access::default();
        // The platform's automatic grants go to the client roles and to `service_role`.
        let mut api_roles = api.client_roles.clone();
        if api.auto_expose && !api_roles.iter().any(|r| r == "service_role") {
            api_roles.push("service_role".to_string());
        }
        let table_defaults = |schema: &str| -> Held {
            let mut h = model_defaults(model, ObjectClass::Tables, schema);
            if api.auto_expose && api.exposed(schema) {
                let mut platform = Held::new();
                for r in &api_roles {
                    platform.insert(r.clone(), TABLE_ALL.iter().map(|s| s.to_string()).collect());
                }
                merge(&mut h, platform);
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
            let mut h = model_defaults(model, ObjectClass::Functions, &name.name.schema);
            if api.auto_expose && api.exposed(&name.name.schema) {
                for r in &api_roles {
                    h.entry(r.clone())
                        .or_default()
                        .insert("execute".to_string());
                }
            }
            apply(&mut h, &f.revokes, &f.grants, &["execute"]);
            access.functions.insert(name.clone(), h);
        }
        let mut schemas: BTreeSet<&str> = ["public"].into();
        if model.preset == Preset::Supabase {
            schemas.extend(["auth", "storage", "extensions"]);
        }
        schemas.extend(model.schemas.keys().map(String::as_str));
        schemas.extend(model.tables.keys().map(|q| q.schema.as_str()));
        schemas.extend(model.views.keys().map(|q| q.schema.as_str()));
        schemas.extend(model.functions.keys().map(|k| k.name.schema.as_str()));
        for schema in schemas {
            let mut h = schema_defaults(model.preset, schema);
            if let Some(s) = model.schemas.get(schema) {
                apply(&mut h, &s.revokes, &s.grants, SCHEMA_ALL);
            }
            access.schemas.insert(schema.to_string(), h);
        }
        access
    }

    /// Whether `role` (directly or through PUBLIC) holds USAGE on `schema`. A schema the
    /// access does not know (none of the model's, not the preset's) is taken as usable.
    pub fn schema_usable(&self, schema: &str, role: &str) -> bool {
        self.schemas
            .get(schema)
            .is_none_or(|h| holds(h, role, "usage"))
    }

    /// Whether `role` holds `privilege` on the relation and USAGE on its schema: what it needs
    /// to name the relation at all.
    pub fn relation_usable(&self, rel: &QName, role: &str, privilege: &str) -> bool {
        self.relation_allows(rel, role, privilege) && self.schema_usable(&rel.schema, role)
    }

    /// Whether `role` holds `privilege` (directly or through PUBLIC) on the relation.
    pub fn relation_allows(&self, rel: &QName, role: &str, privilege: &str) -> bool {
        self.relations
            .get(rel)
            .is_some_and(|h| holds(h, role, privilege))
    }

    /// Whether `role` (directly or through PUBLIC) may execute the function.
    pub fn function_allows(&self, f: &QName, role: &str) -> bool {
        let start = crate::ir::FnKey {
            name: f.clone(),
            args: Vec::new(),
        };
        self.functions
            .range(start..)
            .take_while(|(k, _)| &k.name == f)
            .any(|(_, h)| holds(h, role, "execute"))
    }

    /// Whether `role` (directly or through PUBLIC) may execute the routine `key` (one overload).
    pub fn routine_allows(&self, key: &crate::ir::FnKey, role: &str) -> bool {
        self.functions
            .get(key)
            .is_some_and(|h| holds(h, role, "execute"))
    }
}

fn holds(h: &Held, role: &str, privilege: &str) -> bool {
    [role, "public"]
        .iter()
        .any(|r| h.get(*r).is_some_and(|p| p.contains(privilege)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn compiled(extra: &str) -> crate::Compiled {
        let yaml = format!(
            "version: 1\npreset: supabase\n{extra}tables:\n  notes:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n"
        );
        let c = crate::compile_sources(&[("schema.yaml".into(), yaml)]);
        assert!(c.ok(), "{:?}", c.diagnostics.sorted());
        c
    }

    fn q(name: &str) -> QName {
        QName::new("public", name)
    }

    #[test]
    fn the_api_defaults_to_the_preset_and_reads_the_lint_section_keys() {
        let c = compiled("");
        let api = Api::of(&c.model, &c.external);
        assert_eq!(api.exposed_schemas, ["public".to_string()].into());
        assert_eq!(api.client_roles, ["anon", "authenticated"]);
        assert!(!api.auto_expose);
        let with = Api::with_service_role(&c.model, &c.external);
        assert_eq!(with.client_roles, ["anon", "authenticated", "service_role"]);

        let c = compiled("lint:\n  exposed_schemas: [api]\n  client_roles: [web]\n");
        let api = Api::of(&c.model, &c.external);
        assert_eq!(api.exposed_schemas, ["api".to_string()].into());
        assert_eq!(api.client_roles, ["web"]);
    }

    #[test]
    fn only_an_auto_exposing_project_grants_tables_in_exposed_schemas() {
        let c = compiled("");
        let access = Access::of(&c.model, &Api::with_service_role(&c.model, &c.external));
        assert!(!access.relation_allows(&q("notes"), "anon", "select"));

        let c = compiled("supabase: { auto_expose_new_tables: true }\n");
        let api = Api::with_service_role(&c.model, &c.external);
        let access = Access::of(&c.model, &api);
        for role in ["anon", "authenticated", "service_role"] {
            assert!(
                access.relation_allows(&q("notes"), role, "truncate"),
                "{role}"
            );
        }
        // Not exposed: no implicit grant.
        let c = compiled(
            "supabase: { auto_expose_new_tables: true }\nlint:\n  exposed_schemas: [api]\n",
        );
        let access = Access::of(&c.model, &Api::of(&c.model, &c.external));
        assert!(!access.relation_allows(&q("notes"), "anon", "select"));
    }

    #[test]
    fn default_privileges_come_before_the_objects_grants_and_revokes() {
        let c = compiled(
            "schemas:\n  public:\n    default_privileges:\n      tables: { grant: { authenticated: [select, delete] } }\ndefault_privileges:\n  functions: { revoke: { public: [execute] } }\nfunctions:\n  f: { returns: integer, language: sql, body: select 1, grants: { anon: [execute] } }\n",
        );
        let api = Api::with_service_role(&c.model, &c.external);
        let access = Access::of(&c.model, &api);
        assert!(access.relation_allows(&q("notes"), "authenticated", "delete"));
        assert!(!access.relation_allows(&q("notes"), "anon", "select"));
        assert!(access.function_allows(&q("f"), "anon"));
        assert!(!access.function_allows(&q("f"), "authenticated"));
        // A table's revoke takes one back; another role's defaults do not cover the model.
        let c = compiled(
            "schemas:\n  public:\n    default_privileges:\n      tables: { grant: { authenticated: [select] } }\n  app:\n    default_privileges:\n      for_role: reporter\n      tables: { grant: { anon: [select] } }\nroles:\n  reporter: {}\n",
        );
        let held = model_defaults(&c.model, ObjectClass::Tables, "app");
        assert!(held.is_empty(), "{held:?}");
        let held = model_defaults(&c.model, ObjectClass::Functions, "public");
        assert_eq!(held.get("public"), Some(&["execute".to_string()].into()));
    }
}
