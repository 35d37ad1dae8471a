//! A table's `replica_identity: { index: … }` names an index PostgreSQL accepts (E342).
//!
//! Input: a resolved table. Output: diagnostics. Invariants: the rule is PostgreSQL's for
//! `REPLICA IDENTITY USING INDEX`: a unique, non-partial, immediate index on plain columns that
//! are all NOT NULL — the primary key, a unique constraint, or a unique index of the model.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::replication::ReplicaIdentity;
use crate::ir::{Sp, Table};
use crate::load::decode::did_you_mean;

/// Check the index a table's replica identity names.
pub(super) fn replica_identity(t: &Table, d: &mut Diagnostics) {
    let ReplicaIdentity::Index(name) = &t.replica_identity else {
        return;
    };
    let not_null = |c: &str| {
        t.primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.iter().any(|x| x.value == c))
            || t.columns.get(c).is_some_and(|col| !col.nullable)
    };
    let problem = if t
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.name == name.value)
    {
        None
    } else if let Some(u) = t.uniques.iter().find(|u| u.name.value == name.value) {
        nullable_column(&u.columns, &not_null)
    } else if let Some(ix) = t.indexes.iter().find(|i| i.name.value == name.value) {
        if !ix.unique {
            Some("it is not unique".to_string())
        } else if ix.predicate.is_some() {
            Some("it is partial (`where:`)".to_string())
        } else if ix.keys.iter().any(|k| k.expression) {
            Some("it indexes an expression".to_string())
        } else {
            let cols: Vec<Sp<String>> = ix.keys.iter().map(|k| k.target.clone()).collect();
            nullable_column(&cols, &not_null)
        }
    } else {
        let names = t
            .primary_key
            .iter()
            .map(|pk| pk.name.as_str())
            .chain(t.uniques.iter().map(|u| u.name.value.as_str()))
            .chain(t.indexes.iter().map(|i| i.name.value.as_str()));
        Some(format!(
            "the table has no index of that name{}",
            did_you_mean(&name.value, names)
        ))
    };
    if let Some(why) = problem {
        d.push(
            Diagnostic::error(
                Code::ReplicaIdentityIndexInvalid,
                format!(
                    "the replica identity of `{}` cannot use index `{}`: {why}",
                    t.name, name.value
                ),
            )
            .at(name.span, "the replica identity index")
            .help(
                "name the primary key, a unique constraint or a unique index without `where:` \
                 on NOT NULL columns, or write `replica_identity: full`",
            ),
        );
    }
}

/// The first of `columns` that may be NULL, as the reason an index cannot be the identity.
fn nullable_column(columns: &[Sp<String>], not_null: &dyn Fn(&str) -> bool) -> Option<String> {
    columns
        .iter()
        .find(|c| !not_null(&c.value))
        .map(|c| format!("column `{}` may be NULL", c.value))
}
