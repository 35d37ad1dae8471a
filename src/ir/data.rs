//! Seed and reference data: rows a table's `data:` declares, and Supabase Storage buckets.
//!
//! Input: built by `load` (values as YAML wrote them: null, boolean, number, text, list or
//! mapping). Output: read by validate (columns, keys, plausible values), plan (idempotent
//! `INSERT … ON CONFLICT` per row, `DELETE` by key), verify and render; carried by the snapshot so
//! the next migration diffs rows by key. Invariants: a row's values are keyed by column name
//! (`BTreeMap`), rows keep declaration order; values are never SQL text — plan turns each into a
//! quoted literal with a cast to its column's type ([`Value::literal`]).

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{Sp, is_default};
use crate::source::Span;

/// One value of a seeded row, as the YAML wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    Text(String),
    /// A list (an array column, or JSON).
    List(Vec<Value>),
    /// A mapping (JSON), keys in written order.
    Map(IndexMap<String, Value>),
}

impl Value {
    /// The value in words, for diagnostics.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::Text(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The text of the literal that holds this value for a column of type `type_sql`
    /// (`None`: SQL NULL). Text is taken as written (a JSON column's text is JSON); lists become
    /// array literals (`{…}`) unless the column is JSON; mappings, and lists of a JSON column,
    /// become JSON text. The caller quotes it as a string
    /// literal and casts it to the column's type, so no value is ever read as SQL.
    pub fn literal(&self, type_sql: &str) -> Option<String> {
        let json = is_json(type_sql);
        match self {
            Value::Null => None,
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.clone()),
            Value::Text(t) => Some(t.clone()),
            Value::List(_) | Value::Map(_) if json => Some(self.to_json().to_string()),
            Value::List(items) => Some(array_literal(items)),
            Value::Map(_) => Some(self.to_json().to_string()),
        }
    }

    /// The value as JSON (numbers that JSON cannot hold stay text).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|_| serde_json::Value::String(n.clone())),
            Value::Text(t) => serde_json::Value::String(t.clone()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Map(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }
}

/// Whether a column type holds JSON.
pub fn is_json(type_sql: &str) -> bool {
    matches!(type_sql, "json" | "jsonb")
}

/// A PostgreSQL array literal (`{"a","b",NULL}`): every element double-quoted with `"` and `\`
/// escaped, nested lists as nested braces.
fn array_literal(items: &[Value]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            Value::Null => out.push_str("NULL"),
            Value::List(inner) => out.push_str(&array_literal(inner)),
            other => {
                let text = other.literal("").unwrap_or_default();
                out.push('"');
                for c in text.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
    }
    out.push('}');
    out
}

/// One declared row: column → value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Row {
    /// The values by column name.
    pub values: BTreeMap<String, Sp<Value>>,
}

/// A table's reference data (`data:`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableData {
    /// The columns that identify a row (`key:`); empty: the primary key.
    #[serde(default, skip_serializing_if = "is_default")]
    pub key: Vec<Sp<String>>,
    /// The rows, in declaration order.
    #[serde(default, skip_serializing_if = "is_default")]
    pub rows: Vec<Row>,
    /// Where each row was written (parallel to `rows`); not part of the snapshot.
    #[serde(skip)]
    pub row_spans: Vec<Span>,
    /// Where `data:` was written; not part of the snapshot.
    #[serde(skip)]
    pub origin: Span,
}

impl TableData {
    /// The key columns: the declared `key:`, else the primary key's columns of `table`.
    pub fn key_columns(&self, table: &super::Table) -> Vec<String> {
        if self.key.is_empty() {
            table
                .primary_key
                .as_ref()
                .map(|pk| pk.columns.iter().map(|c| c.value.clone()).collect())
                .unwrap_or_default()
        } else {
            self.key.iter().map(|c| c.value.clone()).collect()
        }
    }

    /// The span of row `i` (the `data:` key when unknown).
    pub fn row_span(&self, i: usize) -> Span {
        self.row_spans.get(i).copied().unwrap_or(self.origin)
    }
}

/// The key of `row` under `key` columns: each value's literal text in key order (`None` for a
/// null; the whole key `None` when a key column is missing). Two values PostgreSQL reads the same
/// (`1` and `"1"`) are the same key.
pub fn row_key(row: &Row, key: &[String]) -> Option<Vec<Option<String>>> {
    key.iter()
        .map(|k| row.values.get(k).map(|v| v.value.literal("")))
        .collect()
}

/// A Supabase Storage bucket (`buckets:`), a row of `storage.buckets`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bucket {
    /// The bucket's id and name.
    pub id: String,
    /// Whether objects are readable without a policy (`public:`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub public: bool,
    /// The largest object in bytes (`file_size_limit:`); `None`: the platform's limit.
    #[serde(default, skip_serializing_if = "is_default")]
    pub file_size_limit: Option<u64>,
    /// The MIME types objects may have (`allowed_mime_types:`); empty: any.
    #[serde(default, skip_serializing_if = "is_default")]
    pub allowed_mime_types: Vec<String>,
    /// Where it was declared; not part of the snapshot.
    #[serde(skip)]
    pub origin: Span,
}

impl Bucket {
    /// The bucket as a row of `storage.buckets`: (column, value, type) in column order.
    pub fn columns(&self) -> Vec<(&'static str, Value, &'static str)> {
        vec![
            ("id", Value::Text(self.id.clone()), "text"),
            ("name", Value::Text(self.id.clone()), "text"),
            ("public", Value::Bool(self.public), "boolean"),
            (
                "file_size_limit",
                self.file_size_limit
                    .map_or(Value::Null, |n| Value::Number(n.to_string())),
                "bigint",
            ),
            (
                "allowed_mime_types",
                if self.allowed_mime_types.is_empty() {
                    Value::Null
                } else {
                    Value::List(
                        self.allowed_mime_types
                            .iter()
                            .map(|m| Value::Text(m.clone()))
                            .collect(),
                    )
                },
                "text[]",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_text_never_sql() {
        let list = Value::List(vec![
            Value::Text("a\"b".into()),
            Value::Null,
            Value::Text("c\\d".into()),
        ]);
        assert_eq!(
            list.literal("text[]").as_deref(),
            Some(r#"{"a\"b",NULL,"c\\d"}"#)
        );
        assert_eq!(
            list.literal("jsonb").as_deref(),
            Some(r#"["a\"b",null,"c\\d"]"#)
        );
        assert_eq!(Value::Null.literal("integer"), None);
        assert_eq!(
            Value::Number("007".into()).literal("text").as_deref(),
            Some("007")
        );
    }
}
