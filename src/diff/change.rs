//! The change record: what kind of change, the object's path, a detail for people, and the facts
//! the migration-safety rules read.
//!
//! Input: built by `plan::incremental` while it walks the two models. Output: [`Change`] values
//! (serialized for `schemac plan --format json`). Invariants: the serialized form holds only
//! `kind`, `object`, `detail`, `on_existing_table` and `strategy`; spans and typed facts are not
//! serialized, so adding facts never changes the JSON.

use serde::Serialize;

use crate::diff::compare::trimmed;
use crate::ir::{Column, QName};
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
    /// A function or procedure is renamed (`renamed_from:`).
    RenameFunction,
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
    /// A table's Citus placement changes: distributed, reference or local (`undistribute_table`,
    /// `create_distributed_table`, `alter_distributed_table`, …; `target: citus` models only).
    ChangePlacement,
    /// Default privileges are granted or revoked (`ALTER DEFAULT PRIVILEGES`).
    DefaultPrivileges,
    /// A trigger is enabled, disabled, or set to fire in replica or in every mode (its
    /// definition unchanged).
    AlterTrigger,
    /// A table's replica identity is set.
    AlterReplicaIdentity,
    /// A domain or composite type is created.
    CreateType,
    /// A domain or composite type is dropped.
    DropType,
    /// A domain or composite type is renamed (or moved to another schema).
    RenameType,
    /// A domain or composite type is altered in place (default, NOT NULL, checks, fields).
    AlterType,
    /// A domain's base type or collation changes: a new domain is created, its columns are
    /// converted, the old one is dropped.
    RebuildDomain,
    /// A scheduled job (pg_cron) is created.
    ScheduleJob,
    /// A scheduled job is removed.
    UnscheduleJob,
    /// A scheduled job's schedule or command changes (`cron.schedule` of the same name).
    RescheduleJob,
    /// A scheduled job is paused or resumed (`cron.alter_job(…, active => …)`).
    SetJobActive,
    /// A publication (other than `supabase_realtime`) is created.
    CreatePublication,
    /// A publication is dropped.
    DropPublication,
    /// A publication's tables (column lists, row filters) or `publish` change.
    AlterPublication,
    /// A table's reference data (`data:`) or the Storage buckets change: rows inserted, updated
    /// or deleted by key.
    ChangeData,
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
    /// The object, before and after (what the SC6xx rules read).
    #[serde(skip)]
    pub subject: Subject,
    /// Facts the SC6xx rules read that are not in the subject.
    #[serde(skip)]
    pub facts: Facts,
}

/// Facts about a change that the migration-safety rules need and that are not in its
/// [`Subject`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// How access is weakened, if it is.
    pub weakens_access: Option<String>,
}

/// The object a change concerns, with its definitions before and after.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Subject {
    /// The kind, object path and detail say everything the rules need.
    #[default]
    Other,
    /// A column added, dropped or altered.
    Column {
        /// The table (its new name).
        table: QName,
        /// The column before (`None` when added).
        old: Option<Box<Column>>,
        /// The column after (`None` when dropped).
        new: Option<Box<Column>>,
        /// What differs between `old` and `new` (empty when one is missing).
        delta: ColumnDelta,
    },
    /// A constraint added to an existing table.
    Constraint {
        /// The table.
        table: QName,
        /// The constraint's name.
        name: String,
        /// Its kind.
        kind: ConstraintKind,
    },
    /// An enum type whose values change.
    Enum {
        /// The type.
        name: QName,
        /// The values before, in order.
        old: Vec<String>,
        /// The values after, in order.
        new: Vec<String>,
    },
}

/// The kind of a table constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConstraintKind {
    /// PRIMARY KEY.
    PrimaryKey,
    /// UNIQUE.
    Unique,
    /// CHECK.
    Check,
    /// FOREIGN KEY.
    ForeignKey,
    /// EXCLUDE.
    Exclusion,
}

impl ConstraintKind {
    /// The kind for people (`primary key`, `unique`, `check`, `foreign key`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey => "primary key",
            ConstraintKind::Unique => "unique",
            ConstraintKind::Check => "check",
            ConstraintKind::ForeignKey => "foreign key",
            ConstraintKind::Exclusion => "exclusion",
        }
    }

    /// Whether PostgreSQL can add it `NOT VALID` and validate it later (checks and foreign keys).
    pub fn can_be_not_valid(self) -> bool {
        matches!(self, ConstraintKind::Check | ConstraintKind::ForeignKey)
    }
}

/// What differs between two definitions of a column (Atlas's `ChangeKind` flags as fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnDelta {
    /// The type (`type_sql`).
    pub ty: bool,
    /// The default expression (compared trimmed).
    pub default: bool,
    /// Nullability.
    pub nullable: bool,
    /// Identity (`GENERATED … AS IDENTITY`).
    pub identity: bool,
    /// The generation expression (compared trimmed).
    pub generated: bool,
    /// The description (`COMMENT ON COLUMN`).
    pub description: bool,
}

impl ColumnDelta {
    /// What differs between `old` and `new`.
    pub fn between(old: &Column, new: &Column) -> ColumnDelta {
        ColumnDelta {
            ty: old.type_sql != new.type_sql,
            default: trimmed(&old.default) != trimmed(&new.default),
            nullable: old.nullable != new.nullable,
            identity: old.identity != new.identity,
            generated: trimmed(&old.generated) != trimmed(&new.generated),
            description: old.description != new.description,
        }
    }

    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        *self == ColumnDelta::default()
    }

    /// Whether only the description differs (a `COMMENT ON`, no `ALTER TABLE`).
    pub fn only_description(&self) -> bool {
        self.description
            && ColumnDelta {
                description: false,
                ..*self
            }
            .is_empty()
    }
}

impl Subject {
    /// A column change of `table` from `old` to `new`.
    pub fn column(table: &QName, old: Option<&Column>, new: Option<&Column>) -> Subject {
        let delta = match (old, new) {
            (Some(o), Some(n)) => ColumnDelta::between(o, n),
            _ => ColumnDelta::default(),
        };
        Subject::Column {
            table: table.clone(),
            old: old.map(|c| Box::new(c.clone())),
            new: new.map(|c| Box::new(c.clone())),
            delta,
        }
    }

    /// The column after the change, if this is a column change that keeps or adds one.
    pub fn new_column(&self) -> Option<&Column> {
        match self {
            Subject::Column { new, .. } => new.as_deref(),
            _ => None,
        }
    }

    /// The column before the change, if this is a column change of an existing column.
    pub fn old_column(&self) -> Option<&Column> {
        match self {
            Subject::Column { old, .. } => old.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Sp;

    fn column(ty: &str, default: Option<&str>) -> Column {
        Column {
            name: "c".into(),
            type_sql: ty.into(),
            nullable: true,
            default: default.map(|d| Sp::new(d.to_string(), Span::default())),
            ..Column::default()
        }
    }

    #[test]
    fn column_delta_names_what_differs() {
        let a = column("integer", Some("1"));
        assert!(ColumnDelta::between(&a, &a).is_empty());
        // Defaults are compared trimmed.
        assert!(ColumnDelta::between(&a, &column("integer", Some(" 1 "))).is_empty());
        let d = ColumnDelta::between(&a, &column("bigint", None));
        assert_eq!(
            d,
            ColumnDelta {
                ty: true,
                default: true,
                ..ColumnDelta::default()
            }
        );
        let mut b = a.clone();
        b.description = Some("why".into());
        let d = ColumnDelta::between(&a, &b);
        assert!(d.only_description());
        assert!(!ColumnDelta::between(&a, &column("text", None)).only_description());
    }

    #[test]
    fn subject_keeps_old_and_new() {
        let a = column("integer", None);
        let s = Subject::column(&QName::new("public", "t"), Some(&a), None);
        assert_eq!(s.old_column(), Some(&a));
        assert_eq!(s.new_column(), None);
        assert!(matches!(s, Subject::Column { delta, .. } if delta.is_empty()));
    }
}
