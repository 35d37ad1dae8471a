//! Publications other than Supabase's `supabase_realtime` (`publications:`): logical
//! replication publications with their tables, column lists and row filters.
//!
//! Input: built by `load::publication`. Output: read by validate (tables, columns, row filters),
//! plan (`CREATE PUBLICATION`, `ALTER PUBLICATION … SET TABLE`, `DROP PUBLICATION`), verify and
//! DATABASE.md. Invariants: tables are keyed by qualified name (sorted); `publish` holds the
//! operations in PostgreSQL's order (insert, update, delete, truncate), all four by default;
//! spans stay out of the snapshot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{QName, Sp};
use crate::source::Span;

/// The operations a publication can publish, in PostgreSQL's order.
pub const OPERATIONS: [&str; 4] = ["insert", "update", "delete", "truncate"];

/// One publication.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Publication {
    /// Name.
    pub name: String,
    /// Member tables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<QName, PublishedTable>,
    /// Operations published (`publish = '…'`), in [`OPERATIONS`] order.
    pub publish: Vec<String>,
    /// `COMMENT ON PUBLICATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// A table of a publication, with its optional column list and row filter.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PublishedTable {
    /// Published columns (all when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Sp<String>>,
    /// Row filter (`WHERE (…)`), one expression over the table's columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_filter: Option<Sp<String>>,
    /// Where the table was written.
    #[serde(skip)]
    pub origin: Span,
}

impl PublishedTable {
    /// The same membership: columns (in order) and row filter (ends trimmed).
    pub fn same(&self, other: &PublishedTable) -> bool {
        let cols = |t: &PublishedTable| {
            t.columns
                .iter()
                .map(|c| c.value.clone())
                .collect::<Vec<_>>()
        };
        cols(self) == cols(other)
            && self.row_filter.as_ref().map(|f| f.value.trim())
                == other.row_filter.as_ref().map(|f| f.value.trim())
    }
}
