//! Presets: the platform objects a model may reference without declaring them.
//!
//! Input: the model's `preset`. Output: [`External`], the schemas, tables (with columns),
//! functions, roles and publications that exist on that platform before any migration runs.
//! Invariants: presets only declare; migrations never create or drop these objects. Tests apply
//! `supabase_standin.sql`, a minimal stand-in for the Supabase objects, to plain PostgreSQL (and
//! `supabase_auto_expose.sql` after it for projects that still auto-expose).
//! [`privileges`] decides what the platform grants by itself and who the API's audience is.

pub mod privileges;

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Preset, QName};

/// The stand-in for Supabase's platform objects, for applying Supabase output to plain PostgreSQL.
/// It models today's secure-by-default platform: nothing in `public` is granted to the API roles.
pub const SUPABASE_STANDIN_SQL: &str = include_str!("supabase_standin.sql");

/// Applied after [`SUPABASE_STANDIN_SQL`] for projects that still auto-expose
/// (`supabase: { auto_expose_new_tables: true }`): the automatic grants in `public`.
pub const SUPABASE_AUTO_EXPOSE_SQL: &str = include_str!("supabase_auto_expose.sql");

/// Schemas the Supabase platform owns: a model may reference their objects, attach policies and
/// triggers to their tables, but never declare tables in them.
pub const SUPABASE_PLATFORM_SCHEMAS: &[&str] = &["auth", "storage", "realtime"];

/// Objects that exist outside the model.
#[derive(Debug, Clone, Default)]
pub struct External {
    /// Schemas.
    pub schemas: BTreeSet<String>,
    /// Tables with their columns (name, type as `format_type` prints it, nullable).
    pub tables: BTreeMap<QName, Vec<(String, String)>>,
    /// Primary key columns of external tables.
    pub primary_keys: BTreeMap<QName, Vec<String>>,
    /// Unique columns of external tables.
    pub unique_columns: BTreeMap<QName, Vec<String>>,
    /// Functions (no overload information; calls are checked by name).
    pub functions: BTreeSet<QName>,
    /// Roles.
    pub roles: BTreeSet<String>,
    /// Roles that clients use (the API's roles): lint and docs treat these as the audience.
    pub client_roles: Vec<String>,
    /// Publications.
    pub publications: BTreeSet<String>,
}

/// The external objects of a preset.
pub fn external(preset: Preset) -> External {
    let mut e = External {
        schemas: ["public", "pg_catalog"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        roles: ["public"].iter().map(|s| s.to_string()).collect(),
        ..External::default()
    };
    if preset == Preset::Supabase {
        for s in ["auth", "storage", "extensions", "realtime"] {
            e.schemas.insert(s.to_string());
        }
        let users = QName::new("auth", "users");
        e.tables.insert(
            users.clone(),
            [
                ("id", "uuid"),
                ("email", "text"),
                ("phone", "text"),
                ("role", "text"),
                ("encrypted_password", "text"),
                ("raw_user_meta_data", "jsonb"),
                ("raw_app_meta_data", "jsonb"),
                ("created_at", "timestamp with time zone"),
                ("updated_at", "timestamp with time zone"),
            ]
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect(),
        );
        e.primary_keys.insert(users.clone(), vec!["id".to_string()]);
        e.unique_columns
            .insert(users, vec!["email".to_string(), "phone".to_string()]);
        for f in ["uid", "jwt", "role", "email"] {
            e.functions.insert(QName::new("auth", f));
        }
        let buckets = QName::new("storage", "buckets");
        e.tables.insert(
            buckets.clone(),
            columns(&[
                ("id", "text"),
                ("name", "text"),
                ("owner", "uuid"),
                ("owner_id", "text"),
                ("public", "boolean"),
                ("file_size_limit", "bigint"),
                ("allowed_mime_types", "text[]"),
                ("created_at", "timestamp with time zone"),
                ("updated_at", "timestamp with time zone"),
            ]),
        );
        e.primary_keys
            .insert(buckets.clone(), vec!["id".to_string()]);
        e.unique_columns.insert(buckets, vec!["name".to_string()]);
        let objects = QName::new("storage", "objects");
        e.tables.insert(
            objects.clone(),
            columns(&[
                ("id", "uuid"),
                ("bucket_id", "text"),
                ("name", "text"),
                ("owner", "uuid"),
                ("owner_id", "text"),
                ("metadata", "jsonb"),
                ("user_metadata", "jsonb"),
                ("path_tokens", "text[]"),
                ("version", "text"),
                ("created_at", "timestamp with time zone"),
                ("updated_at", "timestamp with time zone"),
                ("last_accessed_at", "timestamp with time zone"),
            ]),
        );
        e.primary_keys.insert(objects, vec!["id".to_string()]);
        for f in ["foldername", "filename", "extension"] {
            e.functions.insert(QName::new("storage", f));
        }
        for r in ["anon", "authenticated", "service_role", "authenticator"] {
            e.roles.insert(r.to_string());
        }
        e.client_roles = vec!["anon".to_string(), "authenticated".to_string()];
        e.publications.insert("supabase_realtime".to_string());
    }
    e
}

fn columns(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}
