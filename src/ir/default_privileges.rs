//! Default privileges: what PostgreSQL grants on objects when they are created
//! (`ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] GRANT|REVOKE … ON TABLES|SEQUENCES|
//! FUNCTIONS|TYPES …`).
//!
//! Input: built by `load` from `schemas: { s: { default_privileges: … } }` (one schema) and the
//! top-level `default_privileges:` (every schema). Output: [`DefaultPrivileges`] entries in
//! [`crate::ir::Model::default_privileges`], sorted by schema (the every-schema entry first),
//! which `preset::privileges` folds into the effective privileges of the model's objects and
//! `plan`, `verify`, `import` and `render` read. Invariants: one entry per scope (schema, or every
//! schema); privileges are lower case as written (`all` kept, expanded by its readers through
//! [`ObjectClass::privileges`]); spans never reach the snapshot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Preset, Privileges, Sp, is_default};
use crate::source::Span;

/// The kinds of object a default privilege covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectClass {
    /// `ON TABLES`: tables, views, materialized views and foreign tables.
    Tables,
    /// `ON SEQUENCES`.
    Sequences,
    /// `ON FUNCTIONS`: functions and procedures.
    Functions,
    /// `ON TYPES`: enums, domains and other types.
    Types,
}

impl ObjectClass {
    /// Every class, in the order the model and the migrations list them.
    pub const ALL: [ObjectClass; 4] = [
        ObjectClass::Tables,
        ObjectClass::Sequences,
        ObjectClass::Functions,
        ObjectClass::Types,
    ];

    /// The key the model writes (`tables`, …).
    pub fn key(self) -> &'static str {
        match self {
            ObjectClass::Tables => "tables",
            ObjectClass::Sequences => "sequences",
            ObjectClass::Functions => "functions",
            ObjectClass::Types => "types",
        }
    }

    /// The class a model key names.
    pub fn from_key(key: &str) -> Option<ObjectClass> {
        ObjectClass::ALL.into_iter().find(|c| c.key() == key)
    }

    /// The class as `pg_default_acl.defaclobjtype` stores it.
    pub fn from_catalog(objtype: &str) -> Option<ObjectClass> {
        match objtype {
            "r" => Some(ObjectClass::Tables),
            "S" => Some(ObjectClass::Sequences),
            "f" => Some(ObjectClass::Functions),
            "T" => Some(ObjectClass::Types),
            _ => None,
        }
    }

    /// The SQL keyword (`TABLES`, …).
    pub fn sql(self) -> &'static str {
        match self {
            ObjectClass::Tables => "TABLES",
            ObjectClass::Sequences => "SEQUENCES",
            ObjectClass::Functions => "FUNCTIONS",
            ObjectClass::Types => "TYPES",
        }
    }

    /// The privileges of the class (what `all` stands for).
    pub fn privileges(self) -> &'static [&'static str] {
        match self {
            ObjectClass::Tables => &[
                "select",
                "insert",
                "update",
                "delete",
                "truncate",
                "references",
                "trigger",
            ],
            ObjectClass::Sequences => &["usage", "select", "update"],
            ObjectClass::Functions => &["execute"],
            ObjectClass::Types => &["usage"],
        }
    }

    /// What PostgreSQL grants on a new object of the class without any default privilege
    /// (besides its owner): EXECUTE on functions and USAGE on types to PUBLIC.
    pub fn builtin_public(self) -> &'static [&'static str] {
        match self {
            ObjectClass::Functions => &["execute"],
            ObjectClass::Types => &["usage"],
            ObjectClass::Tables | ObjectClass::Sequences => &[],
        }
    }

    /// `privs` with `all` expanded to the class's privileges.
    pub fn expand<'p>(self, privs: impl IntoIterator<Item = &'p String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in privs {
            if p == "all" || p == "all privileges" {
                out.extend(self.privileges().iter().map(|s| s.to_string()));
            } else {
                out.push(p.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The grants and revokes of one class.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ClassPrivileges {
    /// Granted on every new object of the class.
    #[serde(default, skip_serializing_if = "is_default")]
    pub grants: Privileges,
    /// Revoked from what PostgreSQL grants by itself (every-schema form only).
    #[serde(default, skip_serializing_if = "is_default")]
    pub revokes: Privileges,
}

/// The default privileges of one scope: one schema (`IN SCHEMA`), or every schema.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DefaultPrivileges {
    /// `IN SCHEMA`; `None`: every schema (the top-level `default_privileges:`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub schema: Option<String>,
    /// `FOR ROLE`: whose new objects are covered; `None`: the role running the migrations.
    #[serde(default, skip_serializing_if = "is_default")]
    pub for_role: Option<Sp<String>>,
    /// Grants and revokes by class.
    #[serde(default, skip_serializing_if = "is_default")]
    pub classes: BTreeMap<ObjectClass, ClassPrivileges>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
    /// Where each class key was written.
    #[serde(skip)]
    pub class_spans: BTreeMap<ObjectClass, Span>,
    /// Where each grant and revoke was written (`tables:grant:role`,
    /// `tables:grant:role:privilege`, and the same with `revoke`).
    #[serde(skip)]
    pub privilege_spans: BTreeMap<String, Span>,
}

impl DefaultPrivileges {
    /// The scope as users read it: `schema app` or `every schema`.
    pub fn scope(&self) -> String {
        match &self.schema {
            Some(s) => format!("schema `{s}`"),
            None => "every schema".to_string(),
        }
    }

    /// Where the grant (or revoke) of `role` (and `privilege`) on `class` was written.
    pub fn span_of(
        &self,
        class: ObjectClass,
        revoke: bool,
        role: &str,
        privilege: Option<&str>,
    ) -> Span {
        let kind = if revoke { "revoke" } else { "grant" };
        let key = match privilege {
            Some(p) => format!("{}:{kind}:{role}:{p}", class.key()),
            None => format!("{}:{kind}:{role}", class.key()),
        };
        self.privilege_spans
            .get(&key)
            .or_else(|| self.class_spans.get(&class))
            .copied()
            .unwrap_or(self.origin)
    }

    /// Whether the entry covers the objects the model's migrations create: those are created by
    /// the role running the migrations, which is the role of an entry without `for_role:`, and
    /// `postgres` on Supabase (the role its migrations run as).
    pub fn covers_model_objects(&self, preset: Preset) -> bool {
        match &self.for_role {
            None => true,
            Some(r) => preset == Preset::Supabase && r.value == "postgres",
        }
    }
}
