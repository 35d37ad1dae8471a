//! Reference data and buckets as statements: one idempotent upsert per declared row, deletes by
//! key, and the identity sequences moved past inserted values.
//!
//! Input: a validated table with `data:` (or the model's buckets). Output: [`Stmt::UpsertRow`],
//! [`Stmt::DeleteRow`] and [`Stmt::SyncIdentity`] statements. Invariants: every value is a quoted
//! literal cast to its column's type ([`crate::ir::data::Value::literal`]); columns in the
//! table's declaration order; rows in declaration order; a row equal to its old self (values
//! compared without spans) yields nothing.

use std::collections::BTreeMap;

use crate::ir::data::{Bucket, Row, Value, row_key};
use crate::ir::{Identity, QName, Table};
use crate::sql::{Literal, RowValues, SqlValue, Stmt};

/// The platform table buckets are rows of.
pub fn buckets_table() -> QName {
    QName::new("storage", "buckets")
}

fn sql_value(column: &str, v: &Value, type_sql: &str) -> SqlValue {
    SqlValue {
        column: column.to_string(),
        literal: v.literal(type_sql).map_or(Literal::Null, Literal::Text),
        type_sql: type_sql.to_string(),
    }
}

/// The upsert of `row` into `t`; columns `reset` (given by the row's old version, not by this
/// one) go back to their defaults.
pub fn upsert(t: &Table, row: &Row, key: &[String], reset: &[String]) -> Stmt<'static> {
    let mut values = Vec::new();
    let mut overriding = false;
    for c in t.columns.values() {
        if let Some(v) = row.values.get(&c.name) {
            overriding |= c.identity == Some(Identity::Always);
            values.push(sql_value(&c.name, &v.value, &c.type_sql));
        } else if reset.contains(&c.name) && c.generated.is_none() {
            values.push(SqlValue {
                column: c.name.clone(),
                literal: Literal::Default,
                type_sql: c.type_sql.clone(),
            });
        }
    }
    Stmt::UpsertRow(Box::new(RowValues {
        table: t.name.clone(),
        values,
        key: key.to_vec(),
        overriding,
    }))
}

/// The delete of `row` from `t` by its key (`None` when there is no key or the row lacks a key
/// column).
pub fn delete(t: &Table, row: &Row, key: &[String]) -> Option<Stmt<'static>> {
    if key.is_empty() {
        return None;
    }
    let values = key
        .iter()
        .map(|k| {
            let v = row.values.get(k)?;
            let c = t.columns.get(k)?;
            Some(sql_value(k, &v.value, &c.type_sql))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Stmt::DeleteRow(t.name.clone(), values))
}

/// Moves the sequences of the identity columns `rows` gave values to past those values.
pub fn sync_identities<'r>(
    t: &Table,
    rows: impl IntoIterator<Item = &'r Row>,
) -> Vec<Stmt<'static>> {
    let mut given: Vec<&str> = Vec::new();
    for r in rows {
        for c in r.values.keys() {
            if t.columns.get(c).is_some_and(|col| col.identity.is_some())
                && !given.contains(&c.as_str())
            {
                given.push(c);
            }
        }
    }
    t.columns
        .values()
        .filter(|c| given.contains(&c.name.as_str()))
        .map(|c| Stmt::SyncIdentity(t.name.clone(), c.name.clone()))
        .collect()
}

/// Every row of `t`'s data, for the first migration.
pub fn initial_rows(t: &Table) -> Vec<Stmt<'static>> {
    let Some(data) = &t.data else {
        return Vec::new();
    };
    let key = data.key_columns(t);
    let mut out: Vec<Stmt> = data.rows.iter().map(|r| upsert(t, r, &key, &[])).collect();
    out.extend(sync_identities(t, &data.rows));
    out
}

/// Whether two rows hold the same values (spans aside).
pub fn rows_eq(a: &Row, b: &Row) -> bool {
    a.values.len() == b.values.len()
        && a.values
            .iter()
            .zip(&b.values)
            .all(|((ka, va), (kb, vb))| ka == kb && va.value == vb.value)
}

/// How `new`'s data differs from `old`'s, by key: (upserts, deletes, counts added/changed/removed).
/// `old` is the table as it was (renames applied), or `None` for a new table.
pub struct RowDiff {
    /// Upserts of added and changed rows, then identity syncs.
    pub upserts: Vec<Stmt<'static>>,
    /// Deletes of removed rows.
    pub deletes: Vec<Stmt<'static>>,
    /// Rows added.
    pub added: usize,
    /// Rows changed.
    pub changed: usize,
    /// Rows removed.
    pub removed: usize,
}

/// The row changes of one table from `old` to `new`.
pub fn diff_rows(old: Option<&Table>, new: &Table) -> RowDiff {
    let mut d = RowDiff {
        upserts: Vec::new(),
        deletes: Vec::new(),
        added: 0,
        changed: 0,
        removed: 0,
    };
    let old_key = old
        .and_then(|t| t.data.as_ref().map(|x| x.key_columns(t)))
        .unwrap_or_default();
    // Without data in the new model, the old rows are found by the key they had.
    let key = new
        .data
        .as_ref()
        .map_or_else(|| old_key.clone(), |x| x.key_columns(new));
    let old_rows: &[Row] = old
        .and_then(|t| t.data.as_ref())
        .map_or(&[], |x| x.rows.as_slice());
    let new_rows: &[Row] = new.data.as_ref().map_or(&[], |x| x.rows.as_slice());
    // Old rows by the new key (a changed key reads the old rows under the new key columns).
    let mut by_key: BTreeMap<Vec<Option<String>>, &Row> = BTreeMap::new();
    for r in old_rows {
        if let Some(k) = row_key(r, &key) {
            by_key.insert(k, r);
        }
    }
    let mut touched = Vec::new();
    for r in new_rows {
        let k = row_key(r, &key);
        match k.as_ref().and_then(|k| by_key.remove(k)) {
            Some(o) if rows_eq(o, r) => {}
            Some(o) => {
                let reset: Vec<String> = o
                    .values
                    .keys()
                    .filter(|c| !r.values.contains_key(*c) && new.columns.contains_key(*c))
                    .cloned()
                    .collect();
                d.upserts.push(upsert(new, r, &key, &reset));
                d.changed += 1;
                touched.push(r);
            }
            None => {
                d.upserts.push(upsert(new, r, &key, &[]));
                d.added += 1;
                touched.push(r);
            }
        }
    }
    d.upserts.extend(sync_identities(new, touched));
    // What is left of the old rows was removed; deleted last row first. A row whose key columns
    // are no longer the table's (a key column dropped or renamed) cannot be found: left alone.
    let del_key = if key.iter().all(|k| new.columns.contains_key(k)) {
        key.clone()
    } else {
        old_key
    };
    for r in old_rows.iter().rev() {
        let Some(k) = row_key(r, &key) else { continue };
        if by_key.contains_key(&k)
            && let Some(stmt) = delete(new, r, &del_key)
        {
            d.deletes.push(stmt);
            d.removed += 1;
        }
    }
    d
}

fn bucket_row(b: &Bucket) -> Vec<SqlValue> {
    b.columns()
        .into_iter()
        .map(|(c, v, ty)| sql_value(c, &v, ty))
        .collect()
}

/// The upsert of a bucket into `storage.buckets` (every column given, so a changed bucket is
/// set whole).
pub fn bucket_upsert(b: &Bucket) -> Stmt<'static> {
    Stmt::UpsertRow(Box::new(RowValues {
        table: buckets_table(),
        values: bucket_row(b),
        key: vec!["id".to_string()],
        overriding: false,
    }))
}

/// The delete of a bucket by id.
pub fn bucket_delete(id: &str) -> Stmt<'static> {
    Stmt::DeleteRow(
        buckets_table(),
        vec![sql_value("id", &Value::Text(id.to_string()), "text")],
    )
}
