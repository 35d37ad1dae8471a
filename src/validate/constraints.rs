//! Checks of constraint options beyond their columns: the column list of `ON DELETE SET NULL (…)`
//! / `SET DEFAULT (…)` (E330, and E307 for a listed NOT NULL column) and a primary key's written
//! name (E306).

use std::collections::BTreeSet;

use super::ident_len;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{FkAction, ForeignKey, Table};

/// The constraint checks of one table.
pub(super) fn check(t: &Table, d: &mut Diagnostics) {
    primary_key_name(t, d);
    for fk in &t.foreign_keys {
        delete_columns(t, fk, d);
    }
}

/// E306 for a primary key name written in the model (the generated `<table>_pkey` is checked
/// with the table).
fn primary_key_name(t: &Table, d: &mut Diagnostics) {
    if let Some(pk) = &t.primary_key
        && pk.name != format!("{}_pkey", t.name.name)
    {
        ident_len(d, "primary key name", &pk.name, pk.origin, false);
    }
}

/// E330: every column of `on_delete: { set_null: […] }` is one of the key's columns, once; E307:
/// `set_null` on a listed NOT NULL column.
fn delete_columns(t: &Table, fk: &ForeignKey, d: &mut Diagnostics) {
    let keyed: BTreeSet<&str> = fk.columns.iter().map(|c| c.value.as_str()).collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for c in &fk.on_delete_columns {
        if !keyed.contains(c.value.as_str()) {
            d.push(
                Diagnostic::error(
                    Code::OnDeleteColumnNotInKey,
                    format!(
                        "`on_delete` of foreign key `{}` sets `{}`, which is not one of its columns",
                        fk.name.value, c.value
                    ),
                )
                .at(c.span, "not a column of this foreign key")
                .also(fk.origin, "the foreign key")
                .help(format!(
                    "list only columns of the key ({})",
                    fk.columns
                        .iter()
                        .map(|c| c.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        } else if !seen.insert(c.value.as_str()) {
            d.push(
                Diagnostic::error(
                    Code::OnDeleteColumnNotInKey,
                    format!(
                        "`on_delete` of foreign key `{}` lists `{}` twice",
                        fk.name.value, c.value
                    ),
                )
                .at(c.span, "listed again")
                .help("list each column once"),
            );
        } else if fk.on_delete == FkAction::SetNull
            && t.columns.get(&c.value).is_some_and(|col| !col.nullable)
        {
            d.push(
                Diagnostic::error(
                    Code::ConflictingOptions,
                    format!(
                        "`{}.{}` is NOT NULL but its foreign key sets it to NULL on delete",
                        t.name.name, c.value
                    ),
                )
                .at(c.span, "deleting the target would violate NOT NULL")
                .help("add `nullable: true` to the column, or leave it out of the list"),
            );
        }
    }
}
