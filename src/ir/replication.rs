//! Table and trigger settings that concern replication: when a trigger fires
//! (`ALTER TABLE … ENABLE [REPLICA | ALWAYS] TRIGGER`, `DISABLE TRIGGER`) and what a table writes
//! to the WAL to identify an updated or deleted row (`REPLICA IDENTITY`).
//!
//! Input: set by `load` (`enabled:` of a trigger, `replica_identity:` of a table). Output: read by
//! plan, verify, import and render. Invariants: the defaults (`Origin`, `Default`) are left out
//! of the snapshot, so models that do not use these keys keep a byte-identical snapshot.

use serde::{Deserialize, Serialize};

use super::Sp;

/// When a trigger fires, as `pg_trigger.tgenabled` records it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEnabled {
    /// `O`: fires when `session_replication_role` is `origin` or `local` (`enabled: true`, the
    /// default of `CREATE TRIGGER`).
    #[default]
    Origin,
    /// `D`: never fires (`enabled: false`).
    Disabled,
    /// `R`: fires only when `session_replication_role` is `replica` (`enabled: replica`).
    Replica,
    /// `A`: fires whatever `session_replication_role` is (`enabled: always`).
    Always,
}

impl TriggerEnabled {
    /// Whether it is the default (`enabled: true`).
    pub fn is_origin(&self) -> bool {
        *self == TriggerEnabled::Origin
    }

    /// The `pg_trigger.tgenabled` letter.
    pub fn catalog_letter(self) -> &'static str {
        match self {
            TriggerEnabled::Origin => "O",
            TriggerEnabled::Disabled => "D",
            TriggerEnabled::Replica => "R",
            TriggerEnabled::Always => "A",
        }
    }

    /// From a `pg_trigger.tgenabled` letter.
    pub fn from_catalog_letter(letter: &str) -> Option<Self> {
        match letter {
            "O" => Some(TriggerEnabled::Origin),
            "D" => Some(TriggerEnabled::Disabled),
            "R" => Some(TriggerEnabled::Replica),
            "A" => Some(TriggerEnabled::Always),
            _ => None,
        }
    }

    /// How the model writes it (`enabled: false`), for messages, docs and import.
    pub fn as_yaml(self) -> &'static str {
        match self {
            TriggerEnabled::Origin => "true",
            TriggerEnabled::Disabled => "false",
            TriggerEnabled::Replica => "replica",
            TriggerEnabled::Always => "always",
        }
    }
}

/// What a table writes to the WAL to identify the old row of an UPDATE or DELETE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicaIdentity {
    /// `d`: the primary key's columns (the default of `CREATE TABLE`).
    #[default]
    Default,
    /// `f`: every column.
    Full,
    /// `n`: nothing.
    Nothing,
    /// `i`: the columns of a unique, non-partial, non-deferrable index on NOT NULL columns.
    Index(Sp<String>),
}

impl ReplicaIdentity {
    /// Whether it is the default (the primary key).
    pub fn is_default(&self) -> bool {
        *self == ReplicaIdentity::Default
    }

    /// How the model writes it, for messages and docs.
    pub fn describe(&self) -> String {
        match self {
            ReplicaIdentity::Default => "default".to_string(),
            ReplicaIdentity::Full => "full".to_string(),
            ReplicaIdentity::Nothing => "nothing".to_string(),
            ReplicaIdentity::Index(i) => format!("index {}", i.value),
        }
    }
}
