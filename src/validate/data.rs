//! Validation of reference data (`data:`) and buckets (`buckets:`).
//!
//! Input: a resolved table with its `data:` (or the model's buckets). Output: diagnostics E215
//! (unknown column), E327 (missing required column, value for a generated column), E328 (a value
//! that does not fit its column's type), E329 (rows without a usable key, duplicate keys).
//! Invariants: linear in the number of values (keys compared through one map per table); a value
//! is only checked to be *plausible* for its type (PostgreSQL's cast in the migration is the final
//! judge), but nothing that reaches the migration is SQL: values are literals with a cast.

use std::collections::BTreeMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::data::{Value, is_json, row_key};
use crate::ir::{Model, Preset, Table};
use crate::load::decode::did_you_mean;

/// Check every table's data and the buckets.
pub fn check(model: &Model, d: &mut Diagnostics) {
    for t in model.tables.values() {
        table(model, t, d);
    }
    if !model.buckets.is_empty()
        && model.preset != Preset::Supabase
        && let Some(b) = model.buckets.values().next()
    {
        d.push(
            Diagnostic::error(
                Code::PresetRequired,
                "`buckets:` are Supabase Storage buckets and need `preset: supabase`",
            )
            .at(b.origin, "a bucket on plain PostgreSQL")
            .help("set `preset: supabase`, or declare the rows as `data:` of a table of your own"),
        );
    }
}

fn table(model: &Model, t: &Table, d: &mut Diagnostics) {
    let Some(data) = &t.data else { return };
    let tname = &t.name.name;
    // The key: declared, else the primary key; it must be a primary key or unique constraint
    // (INSERT … ON CONFLICT needs one).
    for k in &data.key {
        if !t.columns.contains_key(&k.value) {
            unknown(d, t, &k.value, k.span, "`key:`");
        }
    }
    let key = data.key_columns(t);
    if key.is_empty() {
        d.push(
            Diagnostic::error(
                Code::DataKeyInvalid,
                format!("the data of table `{tname}` has no key: the table has no primary key"),
            )
            .at(data.origin, "rows that cannot be told apart")
            .help("declare a primary key, or write `data: { key: [column, …], rows: [...] }` naming a unique constraint's columns"),
        );
    } else if !data.key.is_empty() && !is_unique_key(t, &key) {
        let span = data.key.first().map_or(data.origin, |k| k.span);
        d.push(
            Diagnostic::error(
                Code::DataKeyInvalid,
                format!(
                    "`key: [{}]` of table `{tname}` is not its primary key or one of its unique constraints",
                    key.join(", ")
                ),
            )
            .at(span, "not a declared key")
            .help("name the columns of the primary key or of a `unique:` constraint (in any order), or add that unique constraint"),
        );
    }
    let mut seen: BTreeMap<Vec<Option<String>>, usize> = BTreeMap::new();
    for (i, row) in data.rows.iter().enumerate() {
        let row_span = data.row_span(i);
        for (col, v) in &row.values {
            let Some(c) = t.columns.get(col) else {
                unknown(d, t, col, v.span, "a data row");
                continue;
            };
            if c.generated.is_some() {
                d.push(
                    Diagnostic::error(
                        Code::DataMissingColumn,
                        format!(
                            "a data row of `{tname}` gives a value to the generated column `{col}`"
                        ),
                    )
                    .at(v.span, "PostgreSQL computes this column")
                    .help(format!(
                        "remove `{col}` from the row; its expression fills it"
                    )),
                );
                continue;
            }
            if let Some(problem) = mismatch(model, &v.value, &c.type_sql, c.nullable) {
                d.push(
                    Diagnostic::error(
                        Code::DataValueMismatch,
                        format!(
                            "value of `{tname}.{col}` does not fit its type `{}`: {problem}",
                            c.type_sql
                        ),
                    )
                    .at(v.span, format!("{} here", v.value.describe()))
                    .help(help_for(&v.value, &c.type_sql, c.nullable)),
                );
            }
        }
        for c in t.columns.values() {
            let needed =
                !c.nullable && c.default.is_none() && c.identity.is_none() && c.generated.is_none();
            if needed && !row.values.contains_key(&c.name) {
                d.push(
                    Diagnostic::error(
                        Code::DataMissingColumn,
                        format!(
                            "a data row of `{tname}` has no `{}`, which is NOT NULL without a default",
                            c.name
                        ),
                    )
                    .at(row_span, "row without it")
                    .help(format!("add `{}: …` to the row", c.name)),
                );
            }
        }
        if key.is_empty() {
            continue;
        }
        match row_key(row, &key) {
            Some(k) if !k.contains(&None) => {
                if let Some(first) = seen.get(&k) {
                    d.push(
                        Diagnostic::error(
                            Code::DataKeyInvalid,
                            format!(
                                "two data rows of `{tname}` have the same key ({})",
                                key.join(", ")
                            ),
                        )
                        .at(row_span, "second row")
                        .also(data.row_span(*first), "first row")
                        .help("each row needs its own key: change one of them or remove the repeat"),
                    );
                } else {
                    seen.insert(k, i);
                }
            }
            _ => d.push(
                Diagnostic::error(
                    Code::DataKeyInvalid,
                    format!(
                        "a data row of `{tname}` lacks its key ({}) or has it null",
                        key.join(", ")
                    ),
                )
                .at(row_span, "row without its key")
                .help("give every key column a value in every row: the key is how later migrations find the row to update or delete"),
            ),
        }
    }
}

fn unknown(d: &mut Diagnostics, t: &Table, col: &str, span: crate::source::Span, role: &str) {
    let hint = did_you_mean(col, t.columns.keys().map(String::as_str));
    d.push(
        Diagnostic::error(
            Code::DataUnknownColumn,
            format!(
                "{role} of table `{}` names column `{col}`, which the table does not have{hint}",
                t.name.name
            ),
        )
        .at(span, "no such column")
        .help(format!(
            "use one of the columns declared under `{}`",
            t.name.name
        )),
    );
}

/// Whether `key` (in any order) is the primary key or a unique constraint of `t`.
fn is_unique_key(t: &Table, key: &[String]) -> bool {
    let mut want: Vec<&str> = key.iter().map(String::as_str).collect();
    want.sort_unstable();
    let same = |cols: &[crate::ir::Sp<String>]| {
        let mut have: Vec<&str> = cols.iter().map(|c| c.value.as_str()).collect();
        have.sort_unstable();
        have == want
    };
    t.primary_key.as_ref().is_some_and(|pk| same(&pk.columns))
        || t.uniques.iter().any(|u| same(&u.columns))
}

/// The base of a type: without modifiers, array brackets or schema.
fn base(type_sql: &str) -> &str {
    let b = type_sql.split('(').next().unwrap_or(type_sql).trim();
    b.trim_end_matches("[]")
}

fn is_integer(b: &str) -> bool {
    matches!(b, "smallint" | "integer" | "bigint")
}

fn is_numeric(b: &str) -> bool {
    is_integer(b) || matches!(b, "numeric" | "real" | "double precision" | "money")
}

fn is_text(b: &str) -> bool {
    matches!(b, "text" | "character varying" | "character" | "name")
        || b.rsplit('.').next() == Some("citext")
}

/// Why `v` cannot be a value of a column of type `type_sql` (`None`: plausible).
fn mismatch(model: &Model, v: &Value, type_sql: &str, nullable: bool) -> Option<String> {
    let array = type_sql.ends_with("[]");
    let b = base(type_sql);
    match v {
        Value::Null if !nullable => Some("null in a NOT NULL column".into()),
        Value::Null => None,
        _ if is_json(type_sql) => None,
        Value::List(items) if array => {
            let elem = type_sql.strip_suffix("[]").unwrap_or(type_sql);
            items
                .iter()
                .find_map(|i| mismatch(model, i, elem, true))
                .map(|p| format!("an element: {p}"))
        }
        Value::List(_) => Some("a list for a column that is not an array or JSON".into()),
        Value::Map(_) => Some("a mapping for a column that is not JSON".into()),
        _ if array => Some(format!("{} for an array column", v.describe())),
        Value::Bool(_) if b == "boolean" => None,
        Value::Bool(_) => Some("a boolean for a column that is not boolean".into()),
        Value::Number(n) if is_integer(b) && !is_whole(n) => {
            Some(format!("`{n}` is not a whole number"))
        }
        Value::Number(n) if is_numeric(b) && !is_number(n) => {
            Some(format!("`{n}` is not a number"))
        }
        Value::Number(_) if is_numeric(b) || is_text(b) => None,
        Value::Number(n) => Some(format!("the number `{n}` for a column of another kind")),
        Value::Text(t) if is_integer(b) && !is_whole(t.trim()) => {
            Some(format!("`{t}` is not a whole number"))
        }
        Value::Text(t) if is_numeric(b) && !is_number(t.trim()) => {
            Some(format!("`{t}` is not a number"))
        }
        Value::Text(t) if b == "boolean" => Some(format!("the string `{t}` for a boolean")),
        Value::Text(t) => {
            let e = model.enums.values().find(|e| {
                e.name.to_string() == b || format!("{}.{}", e.name.schema, e.name.name) == b
            })?;
            if e.values.iter().any(|x| &x.value == t) {
                None
            } else {
                Some(format!(
                    "`{t}` is not a value of the enum (one of: {})",
                    e.values
                        .iter()
                        .map(|x| x.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
    }
}

fn help_for(v: &Value, type_sql: &str, nullable: bool) -> String {
    match v {
        Value::Null if !nullable => "give the column a value, or make it `nullable: true`".into(),
        Value::Bool(_) | Value::Number(_) if is_text(base(type_sql)) => {
            "quote the value to store it as text".into()
        }
        _ => format!("write a value PostgreSQL reads as `{type_sql}`"),
    }
}

fn is_whole(n: &str) -> bool {
    let digits = n.strip_prefix(['-', '+']).unwrap_or(n);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

fn is_number(n: &str) -> bool {
    n.parse::<f64>().is_ok() || matches!(n, "NaN" | "Infinity" | "-Infinity")
}
