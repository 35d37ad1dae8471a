//! Decoding `data:` (a table's reference rows) and `buckets:` (Supabase Storage buckets).
//!
//! Input: the YAML nodes under a table's `data:` key and the top-level `buckets:` key. Output:
//! [`TableData`] (rows keyed by column, values as written) and [`Bucket`]s. Invariants: shape
//! errors only (wrong kinds, unknown keys, duplicate columns in a row); whether the columns exist
//! and the values fit is validate's work (E215, E327–E329), since the table's columns are only
//! known once the whole model is read.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::decode::{self, Fields};
use super::yaml::{Node, NodeKind};
use crate::diagnostics::Diagnostics;
use crate::ir::Sp;
use crate::ir::data::{Bucket, Row, TableData, Value};

/// The keys of `data:` written as a mapping.
pub(crate) const DATA: &[&str] = &["key", "rows"];
/// The keys of a bucket.
pub(crate) const BUCKET: &[&str] = &["public", "file_size_limit", "allowed_mime_types"];

/// A table's `data:`: a list of rows, or `{ key: [columns], rows: [...] }`.
pub fn table_data(d: &mut Diagnostics, node: &Node) -> TableData {
    let mut data = TableData {
        origin: node.span,
        ..TableData::default()
    };
    let rows = match &node.kind {
        NodeKind::Map(_) => {
            let f = Fields::new(d, node, DATA, "`data`");
            if let Some(k) = f.get("key") {
                data.key = decode::text_list(d, k, "a column name");
            }
            let rows = f
                .require(d, "rows", node.span)
                .map(|r| decode::list(d, r, "`rows`"))
                .unwrap_or_default();
            f.finish(d);
            rows
        }
        _ => decode::list(d, node, "`data`"),
    };
    for r in rows {
        let mut row = Row::default();
        for (k, v) in decode::entries(d, r, "a data row") {
            row.values
                .entry(k.name.clone())
                .or_insert_with(|| Sp::new(value(v), v.span));
        }
        if matches!(r.kind, NodeKind::Map(_)) {
            data.rows.push(row);
            data.row_spans.push(r.span);
        }
    }
    data
}

/// A YAML value as a data value.
fn value(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Number(n) => Value::Number(n.clone()),
        NodeKind::Str(s, _) => Value::Text(s.clone()),
        NodeKind::Seq(items) => Value::List(items.iter().map(value).collect()),
        NodeKind::Map(entries) => {
            let mut m = IndexMap::new();
            for (k, v) in entries {
                m.entry(k.name.clone()).or_insert_with(|| value(v));
            }
            Value::Map(m)
        }
    }
}

/// The top-level `buckets:`: bucket id → settings (`null` for the defaults); a list of ids is
/// the short form.
pub fn buckets(d: &mut Diagnostics, node: &Node) -> BTreeMap<String, Bucket> {
    let mut out = BTreeMap::new();
    if let NodeKind::Seq(items) = &node.kind {
        for item in items {
            if let Some(id) = decode::name(d, item, "a bucket id") {
                out.entry(id.value.clone()).or_insert(Bucket {
                    id: id.value,
                    origin: id.span,
                    ..Bucket::default()
                });
            }
        }
        return out;
    }
    for (k, v) in decode::entries(d, node, "`buckets`") {
        let f = Fields::new(d, v, BUCKET, format!("bucket `{}`", k.name));
        let public = f
            .get("public")
            .and_then(|n| decode::boolean(d, n, "`public`"))
            .unwrap_or(false);
        let file_size_limit = f.get("file_size_limit").and_then(|n| {
            if let NodeKind::Number(t) = &n.kind
                && let Ok(v) = t.parse::<u64>()
            {
                return Some(v);
            }
            decode::wrong_type(d, n, "a whole number of bytes", "`file_size_limit`");
            None
        });
        let allowed_mime_types = f
            .get("allowed_mime_types")
            .map(|n| decode::text_list(d, n, "a MIME type"))
            .unwrap_or_default()
            .into_iter()
            .map(|m| m.value)
            .collect();
        f.finish(d);
        out.insert(
            k.name.clone(),
            Bucket {
                id: k.name.clone(),
                public,
                file_size_limit,
                allowed_mime_types,
                origin: k.span,
            },
        );
    }
    out
}
