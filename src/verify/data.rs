//! Reference data and buckets × the database: every row the model declares must be there, by its
//! key, with the declared values.
//!
//! Input: the model; the caller runs [`queries`] (read-only `SELECT`s by key on the tables that
//! hold data and on `storage.buckets`) and puts the answers into [`Catalog::data_rows`] by the
//! query's text (a lookup that was not run, because its table is missing, is not reported). Output: `E501` for a declared row the table lacks, `E503` for a row
//! whose declared columns hold other values. Rows the model does not declare are the
//! application's and are not reported. Invariants: values are compared by PostgreSQL (`IS NOT
//! DISTINCT FROM` the same casted literal the migration writes), so `1.50` equals `1.5` in a
//! numeric column and JSON compares as `jsonb` does.

use super::Cx;
use crate::introspect::Catalog;
use crate::ir::data::Row;
use crate::ir::{Model, QName, Table};
use crate::plan::data::buckets_table;
use crate::source::Span;
use crate::sql::ident::quote_ident;
use crate::sql::{Literal, SqlValue, write_value};

/// One row to look up: what it is, where it was declared, its SQL and the compared columns.
#[derive(Debug, Clone)]
pub struct RowQuery {
    /// The table it reads.
    pub table: QName,
    /// The row in words (`row (id) = (1) of public.plans`).
    pub what: String,
    /// Where the row was declared.
    pub span: Span,
    /// `SELECT c::text, (c IS NOT DISTINCT FROM 'v'::type), … FROM t WHERE key = …`.
    pub sql: String,
    /// The compared columns, in the order of the SELECT's pairs.
    pub columns: Vec<String>,
    /// The declared value of each, as text (`null` for NULL).
    pub declared: Vec<String>,
}

fn value(column: &str, v: &crate::ir::data::Value, type_sql: &str) -> SqlValue {
    SqlValue {
        column: column.to_string(),
        literal: v.literal(type_sql).map_or(Literal::Null, Literal::Text),
        type_sql: type_sql.to_string(),
    }
}

fn query(table: &QName, values: &[SqlValue], key: &[String], what: String, span: Span) -> RowQuery {
    let mut sql = String::from("SELECT ");
    let mut first = true;
    for v in values {
        if !first {
            sql.push_str(", ");
        }
        first = false;
        let c = quote_ident(&v.column);
        sql.push_str(&format!("{c}::text, ({c} IS NOT DISTINCT FROM "));
        write_value(&mut sql, v);
        sql.push(')');
    }
    if first {
        sql.push_str("true");
    }
    sql.push_str(&format!(" FROM {table} WHERE "));
    let mut first = true;
    for v in values.iter().filter(|v| key.contains(&v.column)) {
        if !first {
            sql.push_str(" AND ");
        }
        first = false;
        sql.push_str(&quote_ident(&v.column));
        sql.push_str(" = ");
        write_value(&mut sql, v);
    }
    RowQuery {
        table: table.clone(),
        what,
        span,
        sql,
        columns: values.iter().map(|v| v.column.clone()).collect(),
        declared: values
            .iter()
            .map(|v| match &v.literal {
                Literal::Text(t) => t.clone(),
                Literal::Null | Literal::Default => "null".to_string(),
            })
            .collect(),
    }
}

fn row_query(t: &Table, row: &Row, key: &[String], span: Span) -> Option<RowQuery> {
    if key.is_empty() || !key.iter().all(|k| row.values.contains_key(k)) {
        return None;
    }
    let values: Vec<SqlValue> = t
        .columns
        .values()
        .filter_map(|c| {
            row.values
                .get(&c.name)
                .map(|v| value(&c.name, &v.value, &c.type_sql))
        })
        .collect();
    let key_text: Vec<String> = key
        .iter()
        .filter_map(|k| row.values.get(k))
        .map(|v| v.value.literal("").unwrap_or_else(|| "null".into()))
        .collect();
    Some(query(
        &t.name,
        &values,
        key,
        format!(
            "data row ({}) = ({}) of {}.{}",
            key.join(", "),
            key_text.join(", "),
            t.name.schema,
            t.name.name
        ),
        span,
    ))
}

/// The lookups of every declared row and bucket, in a fixed order.
pub fn queries(model: &Model) -> Vec<RowQuery> {
    let mut out = Vec::new();
    for t in model.tables.values() {
        let Some(data) = &t.data else { continue };
        let key = data.key_columns(t);
        for (i, row) in data.rows.iter().enumerate() {
            out.extend(row_query(t, row, &key, data.row_span(i)));
        }
    }
    for b in model.buckets.values() {
        let values: Vec<SqlValue> = b
            .columns()
            .into_iter()
            .map(|(c, v, ty)| value(c, &v, ty))
            .collect();
        out.push(query(
            &buckets_table(),
            &values,
            &["id".to_string()],
            format!("Storage bucket `{}`", b.id),
            b.origin,
        ));
    }
    out
}

/// Compare the answers in `catalog.data_rows` with the declared rows.
pub(super) fn compare(cx: &mut Cx<'_>, catalog: &Catalog) {
    let queries = queries(cx.model);
    for q in &queries {
        // Not looked up (its table is missing: reported as such).
        let Some(answer) = catalog.data_rows.get(&q.sql) else {
            continue;
        };
        match answer {
            None => cx.missing(
                q.what.clone(),
                q.span,
                "apply the migrations that insert it, or insert the row",
            ),
            Some(values) => {
                let mut model = Vec::new();
                let mut database = Vec::new();
                for ((c, declared), (db, same)) in q.columns.iter().zip(&q.declared).zip(values) {
                    if !same {
                        model.push(format!("`{c}` = {declared}"));
                        database.push(format!("`{c}` = {}", db.as_deref().unwrap_or("null")));
                    }
                }
                if !model.is_empty() {
                    cx.differs(
                        q.what.clone(),
                        q.span,
                        &model.join(", "),
                        &database.join(", "),
                    );
                }
            }
        }
    }
}
