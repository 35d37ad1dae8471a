//! The change record: what kind of change, the object's path, a detail for people, and the facts
//! the migration-safety rules read.
//!
//! Input: built by `plan::incremental` while it walks the two models. Output: [`Change`] values
//! (serialized for `schemac plan --format json`). Invariants: the serialized form holds only
//! `kind`, `object`, `detail`, `on_existing_table` and `strategy`; spans and typed facts are not
//! serialized, so adding facts never changes the JSON.

use serde::Serialize;

use crate::source::Span;

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A schema is created.
    CreateSchema,
    /// A schema is dropped.
    DropSchema,
    /// An extension is created.
    CreateExtension,
    /// An extension is dropped.
    DropExtension,
    /// An extension's pinned version changes.
    UpdateExtension,
    /// A role is created (never dropped).
    CreateRole,
    /// An enum type is created.
    CreateEnum,
    /// An enum type is dropped.
    DropEnum,
    /// An enum type is renamed.
    RenameEnum,
    /// Values are added to an enum type.
    AddEnumValue,
    /// Enum values are removed or reordered: the type is rebuilt and its columns converted.
    RebuildEnum,
    /// A function is created.
    CreateFunction,
    /// A function is dropped.
    DropFunction,
    /// A function is replaced in place (CREATE OR REPLACE).
    ReplaceFunction,
    /// A function is dropped and created again (its signature changed).
    RecreateFunction,
    /// A table is created.
    CreateTable,
    /// A table is dropped.
    DropTable,
    /// A table is renamed (or moved to another schema).
    RenameTable,
    /// A table's partitioning changed: it is dropped and created again.
    RecreateTable,
    /// A partition is created.
    CreatePartition,
    /// A partition is dropped.
    DropPartition,
    /// A column is added.
    AddColumn,
    /// A column is dropped.
    DropColumn,
    /// A column is renamed.
    RenameColumn,
    /// A column's type changes.
    AlterColumnType,
    /// A column's default changes.
    AlterColumnDefault,
    /// A column becomes NOT NULL.
    SetNotNull,
    /// A column becomes nullable.
    DropNotNull,
    /// A column's identity changes.
    AlterColumnIdentity,
    /// A generated column's expression changes (the column is dropped and added again).
    RecreateGeneratedColumn,
    /// A primary key, unique, check or foreign key constraint is added.
    AddConstraint,
    /// A constraint is dropped.
    DropConstraint,
    /// A constraint is renamed (same definition, new name).
    RenameConstraint,
    /// An index is created.
    CreateIndex,
    /// An index is dropped.
    DropIndex,
    /// An index is renamed.
    RenameIndex,
    /// Row level security is enabled.
    EnableRls,
    /// Row level security is disabled.
    DisableRls,
    /// FORCE ROW LEVEL SECURITY is switched on.
    ForceRls,
    /// FORCE ROW LEVEL SECURITY is switched off.
    NoForceRls,
    /// A policy is created.
    CreatePolicy,
    /// A policy is dropped.
    DropPolicy,
    /// A policy's definition changes (dropped and created again).
    AlterPolicy,
    /// A policy is renamed.
    RenamePolicy,
    /// A trigger is created.
    CreateTrigger,
    /// A trigger is dropped.
    DropTrigger,
    /// A trigger's definition changes (dropped and created again).
    ReplaceTrigger,
    /// A view is created.
    CreateView,
    /// A view is dropped.
    DropView,
    /// A view is dropped and created again (its definition, or something it reads, changed).
    RecreateView,
    /// Privileges are granted.
    Grant,
    /// Privileges are revoked.
    Revoke,
    /// A table joins the Realtime publication.
    AddToPublication,
    /// A table leaves the Realtime publication.
    DropFromPublication,
    /// A description (COMMENT ON) changes.
    Comment,
}

/// One change between the models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What kind.
    pub kind: ChangeKind,
    /// The object's dotted path (`public.orders.status`).
    pub object: String,
    /// What changes, for people (`text → bigint`).
    pub detail: String,
    /// The change is to a table that existed before (rules about locking and rewriting apply).
    pub on_existing_table: bool,
    /// The safe strategy used, if any (`concurrently`, `not valid, then validate`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<&'static str>,
    /// Where the object is declared in the new model (default for dropped objects).
    #[serde(skip)]
    pub span: Span,
    /// Facts the SC6xx rules read.
    #[serde(skip)]
    pub facts: Facts,
}

/// Facts about a change that the migration-safety rules need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// An added column is NOT NULL without a default (or identity/generated).
    pub required_without_default: bool,
    /// An added column's default calls a volatile function.
    pub volatile_default: bool,
    /// A type change: (old type, new type).
    pub types: Option<(String, String)>,
    /// The constraint kind added (`primary key`, `unique`, `check`, `foreign key`).
    pub constraint: Option<&'static str>,
    /// Enum values removed (rebuild) or inserted before the end (add value).
    pub enum_values: Vec<String>,
    /// Enum values were reordered (rebuild).
    pub enum_reordered: bool,
    /// How access is weakened, if it is.
    pub weakens_access: Option<String>,
}
