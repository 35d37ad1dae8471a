//! The typed model of one database: what `schema.yaml` declares, after resolution.
//!
//! Input: built by `load` (structure, spans) and completed by `resolve` (qualified names,
//! canonical types, generated constraint and index names). Output: read by validate, plan, render,
//! and serialized as the snapshot (`generated/schema.snapshot.json`).
//! Invariants: collections that reach output are ordered (`BTreeMap`, or `IndexMap` where the
//! declaration order is the meaning, as for columns); spans never reach the snapshot
//! ([`Sp`] serializes as its value), so moving YAML around does not change it.

pub mod access_test;
pub mod citus;
pub mod data;
pub mod default_privileges;
pub mod domains;
pub mod exclude;
pub mod function;
pub mod graph;
pub mod job;
pub mod name;
pub mod publication;
pub mod replication;
pub mod types;

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

pub use domains::{CompositeType, Domain, Field};
pub use function::{FnKey, RoutineKind};
pub use name::QName;

use crate::source::Span;

/// A value with the span it came from. Serializes as the bare value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written (default span for values schemac made up).
    pub span: Span,
}

impl<T> Sp<T> {
    /// A value at a span.
    pub fn new(value: T, span: Span) -> Self {
        Sp { value, span }
    }
}

impl<T: Serialize> Serialize for Sp<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|value| Sp {
            value,
            span: Span::default(),
        })
    }
}

/// Whether a value is its type's default (`None`, `false`, empty, the default variant): such a
/// field is left out of the snapshot and reads back as the default (`#[serde(default,
/// skip_serializing_if = "is_default")]`, the attribute every optional, boolean, collection or
/// defaulted enum field of a snapshot type carries; docs/migrations.md#the-snapshot).
pub fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default() && !EVERY_FIELD.with(std::cell::Cell::get)
}

thread_local! {
    /// Set while [`with_every_field`] runs: [`is_default`] then leaves no field out.
    static EVERY_FIELD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with every field serialized, defaults included (snapshot format 1, which
/// `snapshot::write_format_1` writes for tests of reading old projects).
pub fn with_every_field<R>(f: impl FnOnce() -> R) -> R {
    let before = EVERY_FIELD.with(|c| c.replace(true));
    let out = f();
    EVERY_FIELD.with(|c| c.set(before));
    out
}

/// The platform the model targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Plain PostgreSQL: the model declares its own roles.
    #[default]
    Postgres,
    /// Supabase: auth schema, auth functions, client roles and the realtime publication exist.
    Supabase,
}

/// The whole model.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Model {
    /// Format version (1).
    pub version: u32,
    /// Target platform.
    pub preset: Preset,
    /// The database it compiles for (`target: citus`); left out of the snapshot when plain
    /// PostgreSQL, so snapshots of other models read and write the same.
    #[serde(default, skip_serializing_if = "citus::Target::is_postgres")]
    pub target: citus::Target,
    /// Where `target:` was written; not part of the snapshot.
    #[serde(skip)]
    pub target_span: Option<Span>,
    /// Where each table's `distribution:` was written; not part of the snapshot.
    #[serde(skip)]
    pub distribution_spans: BTreeMap<QName, Span>,
    /// Schema of unqualified names.
    pub default_schema: String,
    /// Declared schemas other than `public`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub schemas: BTreeMap<String, SchemaDef>,
    /// Extensions to create.
    #[serde(default, skip_serializing_if = "is_default")]
    pub extensions: BTreeMap<String, Extension>,
    /// Roles the model declares (plain PostgreSQL).
    #[serde(default, skip_serializing_if = "is_default")]
    pub roles: BTreeMap<String, Role>,
    /// Enum types.
    #[serde(default, skip_serializing_if = "is_default")]
    pub enums: BTreeMap<QName, EnumType>,
    /// Functions and procedures, by identity (name and input argument types: overloads).
    #[serde(
        default,
        skip_serializing_if = "is_default",
        with = "function::snapshot_map"
    )]
    pub functions: BTreeMap<FnKey, Function>,
    /// Tables.
    #[serde(default, skip_serializing_if = "is_default")]
    pub tables: BTreeMap<QName, Table>,
    /// Views and materialized views.
    #[serde(default, skip_serializing_if = "is_default")]
    pub views: BTreeMap<QName, View>,
    /// Triggers on tables the model does not own (for example `auth.users`), sorted by (table, name).
    #[serde(default, skip_serializing_if = "is_default")]
    pub external_triggers: Vec<Trigger>,
    /// Policies on platform tables the model does not own (`policies:` at the top level, for
    /// example on `storage.objects`), by table and name. Left out of the snapshot when empty, so
    /// snapshots written before they existed read the same.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub external_policies: BTreeMap<QName, BTreeMap<String, Box<Policy>>>,
    /// Where each table of the top-level `policies:` was written; not part of the snapshot.
    #[serde(skip)]
    pub external_policy_spans: BTreeMap<QName, Span>,
    /// Platform settings (`supabase:`); not part of the snapshot.
    #[serde(skip)]
    pub supabase: SupabaseSettings,
    /// Who uses the Data API (written as `lint: { exposed_schemas, client_roles }`); not part
    /// of the snapshot.
    #[serde(skip)]
    pub api: ApiConfig,
    /// Lint settings and inline suppressions (`lint:`); not part of the snapshot.
    #[serde(skip)]
    pub lint: LintConfig,
    /// How incremental migrations are written (`migrations:`); not part of the snapshot.
    #[serde(skip)]
    pub migrations: MigrationSettings,
    /// Access tests declared under tables (`tests:`); not part of the snapshot.
    #[serde(skip)]
    pub access_tests: Vec<access_test::AccessTest>,
    /// Derived tests the tables opt out of (`tests: { derived: { skip: … } }`); not part of the
    /// snapshot.
    #[serde(skip)]
    pub derived_opt_outs: Vec<access_test::DerivedOptOut>,
    /// Queries whose plans `verify --explain` checks (`queries:`); not part of the snapshot.
    #[serde(skip)]
    pub query_checks: Vec<access_test::QueryCheck>,
    /// Default privileges (`schemas: { s: { default_privileges } }` and the top-level
    /// `default_privileges:`), sorted by schema, the every-schema entry first. Left out of the
    /// snapshot when empty, so snapshots of models without them read and write the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_privileges: Vec<default_privileges::DefaultPrivileges>,
    /// Domains (`domains:`); left out of the snapshot when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub domains: BTreeMap<QName, Domain>,
    /// Composite types (`types:`); left out of the snapshot when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub composites: BTreeMap<QName, CompositeType>,
    /// Scheduled jobs (`jobs:`, pg_cron), by job name. Left out of the snapshot when empty, so
    /// snapshots of models without jobs read and write the same.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub jobs: BTreeMap<String, job::Job>,
    /// Publications other than Supabase's `supabase_realtime` (`publications:`), by name. Left
    /// out of the snapshot when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub publications: BTreeMap<String, publication::Publication>,
    /// Supabase Storage buckets (`buckets:`), rows of `storage.buckets`, by id. Left out of the
    /// snapshot when empty (in format 1 too).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub buckets: BTreeMap<String, data::Bucket>,
    /// Grants on platform tables the model does not own (`grants:` at the top level, for
    /// example on `auth.users`), by table. Left out of the snapshot when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub external_grants: BTreeMap<QName, Privileges>,
    /// Where each table of the top-level `grants:` and each of its grants was written (see
    /// [`privilege_span`]); not part of the snapshot.
    #[serde(skip)]
    pub external_grant_spans: BTreeMap<QName, (Span, BTreeMap<String, Span>)>,
}

/// The `migrations:` settings: safe strategies for changes to existing tables, the file layout,
/// and acknowledgements of risky changes.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationSettings {
    /// Indexes on existing tables are created (and dropped) CONCURRENTLY in a non-transactional
    /// follow-up file.
    pub concurrent_indexes: bool,
    /// FKs and CHECKs on existing tables are added NOT VALID and validated in the follow-up file.
    pub not_valid_constraints: bool,
    /// NOT NULL on an existing column goes through a validated CHECK first.
    pub not_null_via_check: bool,
    /// File layout.
    pub layout: MigrationLayout,
    /// Acknowledged risky changes: (rule code or name, object path, reason).
    pub acknowledge: Vec<Acknowledgement>,
}

impl Default for MigrationSettings {
    fn default() -> Self {
        MigrationSettings {
            concurrent_indexes: true,
            not_valid_constraints: true,
            not_null_via_check: true,
            layout: MigrationLayout::Numbered,
            acknowledge: Vec::new(),
        }
    }
}

/// Where migration files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MigrationLayout {
    /// `generated/migrations/NNNN_slug.sql` and `NNNN_slug.down.sql`.
    #[default]
    Numbered,
    /// The Supabase CLI layout: `supabase/migrations/<14-digit version>_slug.sql`, down files in
    /// `supabase/migrations/down/`.
    Supabase,
}

/// One `migrations: { acknowledge: [...] }` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Acknowledgement {
    /// The rule code or name as written (`SC601`, `destructive-drop`).
    pub rule: Sp<String>,
    /// The object path the finding names (`public.legacy`, `public.orders.note`).
    pub object: Sp<String>,
    /// Why the change is accepted.
    pub reason: Sp<String>,
}

/// The `supabase:` settings: how the project's platform behaves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupabaseSettings {
    /// Whether the platform still grants new tables, views, sequences and functions in exposed
    /// schemas to `anon`, `authenticated` and `service_role` automatically (projects created
    /// before Supabase made the Data API secure by default). `None`: not set, so the current
    /// platform's behaviour, no automatic grants.
    pub auto_expose_new_tables: Option<Sp<bool>>,
    /// Where the `supabase:` section was written (for findings about it).
    pub span: Option<Span>,
}

impl Model {
    /// Whether the platform grants new objects in exposed schemas to the API roles by itself:
    /// only on Supabase with `supabase: { auto_expose_new_tables: true }`.
    pub fn auto_exposes(&self) -> bool {
        self.preset == Preset::Supabase
            && self
                .supabase
                .auto_expose_new_tables
                .as_ref()
                .is_some_and(|v| v.value)
    }
}

/// Who uses the Data API, as written. The two keys are read from the `lint:` section, where
/// models have always written them, but they describe the API: `verify`, `test` and the docs'
/// access matrix read them too (through `preset::privileges::Api`), not only the lint rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiConfig {
    /// Schemas the API exposes (`lint: { exposed_schemas }`; `None`: the preset's default).
    pub exposed_schemas: Option<Vec<Sp<String>>>,
    /// Roles clients use (`lint: { client_roles }`; `None`: the preset's client roles).
    pub client_roles: Option<Vec<Sp<String>>>,
}

/// The lint preferences of a model (`lint:` except the API keys of [`ApiConfig`]) and every
/// `lint: { allow: … }` on its objects, as written (rule names and levels are checked by
/// `schemac lint`, which knows the rules).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LintConfig {
    /// Severity overrides: (rule code or name, `off` | `info` | `warn` | `error`).
    pub rules: Vec<(Sp<String>, Sp<String>)>,
    /// Inline suppressions, in declaration order.
    pub allows: Vec<Suppression>,
    /// Columns every table must have (rule SC207 `required-columns`, off unless enabled).
    pub required_columns: Vec<RequiredColumn>,
}

/// One `lint: { required_columns: … }` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequiredColumn {
    /// Column name.
    pub name: Sp<String>,
    /// Required type as written (compared after normalisation), if any.
    pub type_written: Option<Sp<String>>,
    /// Required nullability, if any.
    pub nullable: Option<bool>,
    /// Required default expression (compared ignoring case and spaces), if any.
    pub default: Option<Sp<String>>,
}

/// One `lint: { allow: { RULE: reason } }` entry on an object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Suppression {
    /// The object it is on: `table:public.t`, `column:public.t.c`, `policy:public.t.p`,
    /// `function:public.f` or `view:public.v`.
    pub object: String,
    /// The rule code or name as written.
    pub rule: Sp<String>,
    /// Why the finding is accepted.
    pub reason: Sp<String>,
}

impl Model {
    /// The schema an extension is installed into: the one given, else `extensions` on Supabase
    /// (the platform's convention), else the default schema. Migrations always say `WITH SCHEMA`,
    /// so the model knows where its types and functions live.
    pub fn extension_schema(&self, ext: &Extension) -> String {
        match (&ext.schema, self.preset) {
            (Some(s), _) => s.clone(),
            (None, Preset::Supabase) => "extensions".to_string(),
            (None, Preset::Postgres) => self.default_schema.clone(),
        }
    }
}

/// A schema declaration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SchemaDef {
    /// Name.
    pub name: String,
    /// Description (COMMENT ON SCHEMA).
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
    /// GRANTs on the schema (`usage`, `create`). Left out of the snapshot when empty (in every
    /// format, so snapshots written before schema privileges read and write the same).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub grants: Privileges,
    /// REVOKEs on the schema (left out like the grants).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub revokes: Privileges,
    /// Where each grant and revoke was written (see [`privilege_span`]); the bulk grants use the
    /// keys `all_tables:…` and `all_functions:…`.
    #[serde(skip)]
    pub privilege_spans: BTreeMap<String, Span>,
    /// `all_tables:` grants, given at resolve to every table and view of the schema the model
    /// declares (so the snapshot keeps them per object); not part of the snapshot.
    #[serde(skip)]
    pub all_tables: Privileges,
    /// `all_functions:` grants, given at resolve to every function of the schema the model
    /// declares; not part of the snapshot.
    #[serde(skip)]
    pub all_functions: Privileges,
}

/// The schemas the Supabase platform owns: the model may grant and revoke on them
/// (`schemas: { auth: { grants: … } }`) but never creates, comments on or drops them.
pub const SUPABASE_PLATFORM_SCHEMAS: [&str; 4] = ["auth", "storage", "extensions", "realtime"];

impl Model {
    /// Whether the migrations create (and the down migration drops) the declared schema
    /// `name`: every declared schema except `public`, which exists in every database, and the
    /// platform's schemas on Supabase.
    pub fn creates_schema(&self, name: &str) -> bool {
        name != "public" && !self.platform_schema(name)
    }

    /// Whether `name` is a schema the preset's platform owns (`auth`, `storage`, … on Supabase).
    pub fn platform_schema(&self, name: &str) -> bool {
        self.preset == Preset::Supabase && SUPABASE_PLATFORM_SCHEMAS.contains(&name)
    }
}

/// An extension to create.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Extension {
    /// Name.
    pub name: String,
    /// Schema to install into.
    #[serde(default, skip_serializing_if = "is_default")]
    pub schema: Option<String>,
    /// Version to pin.
    #[serde(default, skip_serializing_if = "is_default")]
    pub version: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// A role the model uses.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Role {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// An enum type.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EnumType {
    /// Qualified name.
    pub name: QName,
    /// Labels in order.
    #[serde(default, skip_serializing_if = "is_default")]
    pub values: Vec<Sp<String>>,
    /// The name it had before (`renamed_from:`), as written; not part of the snapshot.
    #[serde(skip)]
    pub renamed_from: Option<Sp<String>>,
    /// Description.
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// Privileges by role, for GRANT or REVOKE.
pub type Privileges = BTreeMap<String, BTreeSet<String>>;

/// Where a grant (`revoke` false) or revoke of `role` (and `privilege`, if given) was written,
/// falling back to `default`.
pub fn privilege_span(
    spans: &BTreeMap<String, Span>,
    revoke: bool,
    role: &str,
    privilege: Option<&str>,
    default: Span,
) -> Span {
    let kind = if revoke { "revoke" } else { "grant" };
    let key = match privilege {
        Some(p) => format!("{kind}:{role}:{p}"),
        None => format!("{kind}:{role}"),
    };
    spans.get(&key).copied().unwrap_or(default)
}

/// A column.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Column {
    /// Name.
    pub name: String,
    /// The type as written.
    pub type_written: Sp<String>,
    /// The type as PostgreSQL's `format_type()` prints it (enums schema-qualified).
    pub type_sql: String,
    /// Whether NULL is allowed.
    #[serde(default, skip_serializing_if = "is_default")]
    pub nullable: bool,
    /// DEFAULT expression.
    #[serde(default, skip_serializing_if = "is_default")]
    pub default: Option<Sp<String>>,
    /// GENERATED … AS IDENTITY.
    #[serde(default, skip_serializing_if = "is_default")]
    pub identity: Option<Identity>,
    /// GENERATED ALWAYS AS (expr) STORED.
    #[serde(default, skip_serializing_if = "is_default")]
    pub generated: Option<Sp<String>>,
    /// Description (COMMENT ON COLUMN).
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// The name it had before (`renamed_from:`); not part of the snapshot.
    #[serde(skip)]
    pub renamed_from: Option<Sp<String>>,
    /// The USING expression for a type change (`using:`); not part of the snapshot.
    #[serde(skip)]
    pub using: Option<Sp<String>>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// Identity column kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// GENERATED ALWAYS AS IDENTITY.
    Always,
    /// GENERATED BY DEFAULT AS IDENTITY.
    ByDefault,
}

/// A primary key.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PrimaryKey {
    /// Constraint name.
    pub name: String,
    /// Columns.
    #[serde(default, skip_serializing_if = "is_default")]
    pub columns: Vec<Sp<String>>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// A unique constraint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Unique {
    /// Constraint name.
    pub name: Sp<String>,
    /// Columns.
    #[serde(default, skip_serializing_if = "is_default")]
    pub columns: Vec<Sp<String>>,
    /// NULLS NOT DISTINCT when false.
    #[serde(default, skip_serializing_if = "is_default")]
    pub nulls_distinct: bool,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// A check constraint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Check {
    /// Constraint name.
    pub name: Sp<String>,
    /// Boolean expression.
    pub expr: Sp<String>,
    /// The column it was declared on (column-level `check:`), which names it.
    #[serde(default, skip_serializing_if = "is_default")]
    pub column: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// Referential action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// NO ACTION (the default).
    #[default]
    NoAction,
    /// RESTRICT.
    Restrict,
    /// CASCADE.
    Cascade,
    /// SET NULL.
    SetNull,
    /// SET DEFAULT.
    SetDefault,
}

impl FkAction {
    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// Deferrability of a constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    /// NOT DEFERRABLE.
    #[default]
    No,
    /// DEFERRABLE INITIALLY IMMEDIATE.
    InitiallyImmediate,
    /// DEFERRABLE INITIALLY DEFERRED.
    InitiallyDeferred,
}

/// A foreign key.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: Sp<String>,
    /// Referencing columns.
    #[serde(default, skip_serializing_if = "is_default")]
    pub columns: Vec<Sp<String>>,
    /// The target as written.
    pub target_written: Sp<String>,
    /// The target table, resolved.
    pub target: QName,
    /// Target columns (resolved to the target's primary key when not written).
    #[serde(default, skip_serializing_if = "is_default")]
    pub target_columns: Vec<Sp<String>>,
    /// ON DELETE.
    #[serde(default, skip_serializing_if = "is_default")]
    pub on_delete: FkAction,
    /// ON UPDATE.
    #[serde(default, skip_serializing_if = "is_default")]
    pub on_update: FkAction,
    /// Deferrability.
    #[serde(default, skip_serializing_if = "is_default")]
    pub deferrable: Deferrable,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
    /// The columns `ON DELETE SET NULL (…)` / `SET DEFAULT (…)` sets (PostgreSQL 15+), a subset
    /// of `columns`; empty means all of them.
    /// Left out when empty, in snapshot format 1 too (written before this field existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_delete_columns: Vec<Sp<String>>,
}

/// Sort order of an index key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// ASC.
    Asc,
    /// DESC.
    Desc,
}

/// NULLS FIRST/LAST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NullsOrder {
    /// NULLS FIRST.
    First,
    /// NULLS LAST.
    Last,
}

/// One key of an index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndexKey {
    /// Column name, or expression text.
    pub target: Sp<String>,
    /// Whether `target` is an expression.
    #[serde(default, skip_serializing_if = "is_default")]
    pub expression: bool,
    /// Operator class.
    #[serde(default, skip_serializing_if = "is_default")]
    pub opclass: Option<String>,
    /// Collation.
    #[serde(default, skip_serializing_if = "is_default")]
    pub collate: Option<String>,
    /// ASC/DESC.
    #[serde(default, skip_serializing_if = "is_default")]
    pub order: Option<SortOrder>,
    /// NULLS FIRST/LAST.
    #[serde(default, skip_serializing_if = "is_default")]
    pub nulls: Option<NullsOrder>,
}

/// An index.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Index {
    /// Index name.
    pub name: Sp<String>,
    /// Keys.
    #[serde(default, skip_serializing_if = "is_default")]
    pub keys: Vec<IndexKey>,
    /// Access method (btree, gin, gist, brin, hash, …).
    pub method: String,
    /// UNIQUE.
    #[serde(default, skip_serializing_if = "is_default")]
    pub unique: bool,
    /// NULLS NOT DISTINCT (unique indexes).
    #[serde(default, skip_serializing_if = "is_default")]
    pub nulls_not_distinct: bool,
    /// INCLUDE columns.
    #[serde(default, skip_serializing_if = "is_default")]
    pub include: Vec<Sp<String>>,
    /// Partial index predicate.
    #[serde(default, skip_serializing_if = "is_default")]
    pub predicate: Option<Sp<String>>,
    /// Why the index exists (docs).
    #[serde(default, skip_serializing_if = "is_default")]
    pub why: Option<String>,
    /// The name it had before (`renamed_from:`); not part of the snapshot.
    #[serde(skip)]
    pub renamed_from: Option<Sp<String>>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// Policy command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyCommand {
    /// FOR ALL.
    All,
    /// FOR SELECT.
    Select,
    /// FOR INSERT.
    Insert,
    /// FOR UPDATE.
    Update,
    /// FOR DELETE.
    Delete,
}

impl PolicyCommand {
    /// The SQL word.
    pub fn sql(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }
}

/// A row-level security policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    /// Name.
    pub name: String,
    /// Command.
    pub command: PolicyCommand,
    /// Roles (`public` for everyone).
    #[serde(default, skip_serializing_if = "is_default")]
    pub roles: Vec<Sp<String>>,
    /// PERMISSIVE (true) or RESTRICTIVE.
    #[serde(default, skip_serializing_if = "is_default")]
    pub permissive: bool,
    /// USING expression.
    #[serde(default, skip_serializing_if = "is_default")]
    pub using: Option<Sp<String>>,
    /// WITH CHECK expression.
    #[serde(default, skip_serializing_if = "is_default")]
    pub with_check: Option<Sp<String>>,
    /// Rationale (docs and COMMENT ON POLICY).
    #[serde(default, skip_serializing_if = "is_default")]
    pub why: Option<String>,
    /// The name it had before (`renamed_from:`); not part of the snapshot.
    #[serde(skip)]
    pub renamed_from: Option<Sp<String>>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// RLS switches.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Rls {
    /// ENABLE ROW LEVEL SECURITY.
    #[serde(default, skip_serializing_if = "is_default")]
    pub enabled: bool,
    /// FORCE ROW LEVEL SECURITY.
    #[serde(default, skip_serializing_if = "is_default")]
    pub force: bool,
}

/// When a trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    /// BEFORE.
    Before,
    /// AFTER.
    After,
    /// INSTEAD OF.
    InsteadOf,
}

/// A trigger.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Trigger {
    /// Name.
    pub name: String,
    /// The table it is on.
    pub table: QName,
    /// Where the table was named (`on:`), or the trigger's key for triggers inside a table.
    #[serde(skip)]
    pub table_span: Span,
    /// Timing.
    pub timing: TriggerTiming,
    /// Events (insert, update, delete, truncate), in a fixed order.
    #[serde(default, skip_serializing_if = "is_default")]
    pub events: Vec<String>,
    /// UPDATE OF columns.
    #[serde(default, skip_serializing_if = "is_default")]
    pub of_columns: Vec<Sp<String>>,
    /// FOR EACH ROW (true) or STATEMENT.
    #[serde(default, skip_serializing_if = "is_default")]
    pub for_each_row: bool,
    /// WHEN condition.
    #[serde(default, skip_serializing_if = "is_default")]
    pub when: Option<Sp<String>>,
    /// The function as written.
    pub function_written: Sp<String>,
    /// The function, resolved.
    pub function: QName,
    /// Arguments (string literals).
    #[serde(default, skip_serializing_if = "is_default")]
    pub args: Vec<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
    /// When it fires (`enabled:`); left out of the snapshot when enabled (the default), in
    /// format 1 too, so snapshots written before it existed read and write the same.
    #[serde(
        default,
        skip_serializing_if = "replication::TriggerEnabled::is_origin"
    )]
    pub enabled: replication::TriggerEnabled,
}

/// How a table is partitioned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Partitioning {
    /// range, list or hash.
    pub by: String,
    /// Partition key columns.
    #[serde(default, skip_serializing_if = "is_default")]
    pub columns: Vec<Sp<String>>,
    /// Named partitions.
    #[serde(default, skip_serializing_if = "is_default")]
    pub partitions: BTreeMap<String, Partition>,
    /// Whether the migrations give every partition the parent's row level security and
    /// privileges, so that a client querying a partition directly meets the same wall as on the
    /// parent. Always true in a model; false in snapshots written before schemac did this, so the
    /// next migration protects the partitions that already exist.
    #[serde(default, skip_serializing_if = "is_default")]
    pub protected: bool,
}

/// One partition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Partition {
    /// Qualified name (same schema as the parent).
    pub name: QName,
    /// Bound.
    pub bound: PartitionBound,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// FOR VALUES …
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum PartitionBound {
    /// FROM (…) TO (…).
    Range {
        /// Lower bound expressions.
        from: Vec<String>,
        /// Upper bound expressions.
        to: Vec<String>,
    },
    /// IN (…).
    List {
        /// Values.
        values: Vec<String>,
    },
    /// WITH (MODULUS m, REMAINDER r).
    Hash {
        /// Modulus.
        modulus: u32,
        /// Remainder.
        remainder: u32,
    },
    /// DEFAULT.
    Default,
}

/// A table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Table {
    /// Qualified name.
    pub name: QName,
    /// Description.
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// Domain for per-group diagrams.
    #[serde(default, skip_serializing_if = "is_default")]
    pub group: Option<String>,
    /// Columns in declaration order.
    pub columns: IndexMap<String, Column>,
    /// Primary key.
    #[serde(default, skip_serializing_if = "is_default")]
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints.
    #[serde(default, skip_serializing_if = "is_default")]
    pub uniques: Vec<Unique>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "is_default")]
    pub checks: Vec<Check>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "is_default")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Indexes.
    #[serde(default, skip_serializing_if = "is_default")]
    pub indexes: Vec<Index>,
    /// RLS switches.
    #[serde(default, skip_serializing_if = "is_default")]
    pub rls: Rls,
    /// Policies by name. Boxed, like the triggers: a `BTreeMap` node has room for eleven
    /// entries, so unboxed a table with one trigger held a 3.9 KB node (2.5 KB for policies).
    #[serde(default, skip_serializing_if = "is_default")]
    pub policies: BTreeMap<String, Box<Policy>>,
    /// Triggers by name.
    #[serde(default, skip_serializing_if = "is_default")]
    pub triggers: BTreeMap<String, Box<Trigger>>,
    /// GRANTs.
    #[serde(default, skip_serializing_if = "is_default")]
    pub grants: Privileges,
    /// REVOKEs.
    #[serde(default, skip_serializing_if = "is_default")]
    pub revokes: Privileges,
    /// Where each grant and revoke was written (see [`privilege_span`]).
    #[serde(skip)]
    pub privilege_spans: BTreeMap<String, Span>,
    /// Member of the `supabase_realtime` publication.
    #[serde(default, skip_serializing_if = "is_default")]
    pub realtime: bool,
    /// Partitioning.
    #[serde(default, skip_serializing_if = "is_default")]
    pub partition: Option<Partitioning>,
    /// How Citus places it (`distribution:`); `None`: a local table. Left out of the snapshot
    /// when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<citus::Distribution>,
    /// The name it had before (`renamed_from:`, as written); not part of the snapshot.
    #[serde(skip)]
    pub renamed_from: Option<Sp<String>>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
    /// `REPLICA IDENTITY` (`replica_identity:`); left out of the snapshot when the default, in
    /// format 1 too, so snapshots written before it existed read and write the same.
    #[serde(
        default,
        skip_serializing_if = "replication::ReplicaIdentity::is_default"
    )]
    pub replica_identity: replication::ReplicaIdentity,
    /// Reference data (`data:`): rows the migrations insert and keep as declared. Left out of
    /// the snapshot when `None` (in format 1 too, so older snapshots read and write the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<data::TableData>,
    /// Exclusion constraints (`exclude:`). Left out of the snapshot when empty, in format 1 too
    /// (snapshots written before them have no such field).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<exclude::Exclude>,
}

/// What an earlier key of the table already enforces for a unique constraint that repeats it.
#[derive(Debug, Clone, Copy)]
pub enum Folded<'a> {
    /// The primary key has the same columns in the same order.
    IntoPrimaryKey(&'a PrimaryKey),
    /// An earlier unique constraint has the same columns and NULLS treatment.
    IntoUnique(&'a Unique),
}

impl Table {
    /// Whether `CREATE TABLE` folds the table's `i`-th unique constraint into a key before it (the
    /// primary key, or an earlier unique constraint on the same columns with the same NULLS
    /// treatment), so that no constraint of its name exists on the server: refused at build
    /// (E321), and left out of the diff when an older snapshot still has one.
    pub fn folded_unique(&self, i: usize) -> Option<Folded<'_>> {
        let u = self.uniques.get(i)?;
        let same = |a: &[Sp<String>], b: &[Sp<String>]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.value == y.value)
        };
        if let Some(pk) = &self.primary_key
            && u.nulls_distinct
            && same(&pk.columns, &u.columns)
        {
            return Some(Folded::IntoPrimaryKey(pk));
        }
        self.uniques
            .get(..i)
            .unwrap_or(&[])
            .iter()
            .find(|e| e.nulls_distinct == u.nulls_distinct && same(&e.columns, &u.columns))
            .map(Folded::IntoUnique)
    }
}

/// Function argument mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ArgMode {
    /// IN.
    #[default]
    In,
    /// OUT.
    Out,
    /// INOUT.
    Inout,
    /// VARIADIC.
    Variadic,
}

/// A function argument.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FunctionArg {
    /// Name (may be empty).
    pub name: String,
    /// Type as written.
    pub type_written: Sp<String>,
    /// Type as rendered.
    pub type_sql: String,
    /// DEFAULT expression.
    #[serde(default, skip_serializing_if = "is_default")]
    pub default: Option<String>,
    /// Mode.
    #[serde(default, skip_serializing_if = "is_default")]
    pub mode: ArgMode,
}

/// A function.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Function {
    /// Qualified name.
    pub name: QName,
    /// Arguments.
    #[serde(default, skip_serializing_if = "is_default")]
    pub args: Vec<FunctionArg>,
    /// Return type as written (`trigger`, `setof x`, `table (…)`).
    pub returns: Sp<String>,
    /// Language.
    pub language: String,
    /// volatile, stable or immutable.
    pub volatility: String,
    /// SECURITY DEFINER.
    #[serde(default, skip_serializing_if = "is_default")]
    pub security_definer: bool,
    /// SET search_path (`Some(empty)` means `''`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub search_path: Option<Vec<String>>,
    /// STRICT.
    #[serde(default, skip_serializing_if = "is_default")]
    pub strict: bool,
    /// LEAKPROOF.
    #[serde(default, skip_serializing_if = "is_default")]
    pub leakproof: bool,
    /// PARALLEL unsafe/restricted/safe.
    #[serde(default, skip_serializing_if = "is_default")]
    pub parallel: Option<String>,
    /// Body, verbatim.
    pub body: Sp<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// GRANTs (EXECUTE).
    #[serde(default, skip_serializing_if = "is_default")]
    pub grants: Privileges,
    /// REVOKEs.
    #[serde(default, skip_serializing_if = "is_default")]
    pub revokes: Privileges,
    /// Where each grant and revoke was written (see [`privilege_span`]).
    #[serde(skip)]
    pub privilege_spans: BTreeMap<String, Span>,
    /// Whether the signature names a model table (then it is created after the tables).
    #[serde(default, skip_serializing_if = "is_default")]
    pub uses_table_types: bool,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
    /// Function or procedure (`kind: procedure`). Written only for a procedure, even in
    /// format 1 (which writes every other field), so snapshots without procedures read and
    /// write as before.
    #[serde(default, skip_serializing_if = "RoutineKind::is_function")]
    pub kind: RoutineKind,
    /// The name it had before (`renamed_from:`, as written); not part of the snapshot.
    #[serde(skip)]
    pub renamed_from: Option<Sp<String>>,
}

/// A view or materialized view.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct View {
    /// Qualified name.
    pub name: QName,
    /// MATERIALIZED.
    #[serde(default, skip_serializing_if = "is_default")]
    pub materialized: bool,
    /// security_invoker = true.
    #[serde(default, skip_serializing_if = "is_default")]
    pub security_invoker: bool,
    /// The SELECT.
    pub query: Sp<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "is_default")]
    pub description: Option<String>,
    /// GRANTs.
    #[serde(default, skip_serializing_if = "is_default")]
    pub grants: Privileges,
    /// REVOKEs.
    #[serde(default, skip_serializing_if = "is_default")]
    pub revokes: Privileges,
    /// Where each grant and revoke was written (see [`privilege_span`]).
    #[serde(skip)]
    pub privilege_spans: BTreeMap<String, Span>,
    /// Indexes (materialized views).
    #[serde(default, skip_serializing_if = "is_default")]
    pub indexes: Vec<Index>,
    /// Group for diagrams.
    #[serde(default, skip_serializing_if = "is_default")]
    pub group: Option<String>,
    /// Relations the query reads, resolved.
    #[serde(default, skip_serializing_if = "is_default")]
    pub depends_on: Vec<QName>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}
