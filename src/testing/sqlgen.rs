//! The SQL of an access test, shared by the runner and the pgTAP writer so that both do the same.
//!
//! Input: an [`AccessTest`] and the preset. Output: statements as text. Invariants: identifiers
//! and literals are quoted by `sql::ident`; every statement of a step runs inside the test's
//! transaction; identities are set with `SET LOCAL ROLE` and `set_config(…, true)`, so they end
//! with the transaction.

use crate::ir::access_test::{FixtureRows, Row, TestIdentity};
use crate::ir::{Preset, QName};
use crate::sql::ident::{quote_ident, quote_literal};

/// The setting plain PostgreSQL policies read the user id from when a test names a `user`.
pub const USER_SETTING: &str = "app.current_user_id";

fn table_name(written: &str, default_schema: &str) -> String {
    match QName::parse(written) {
        Some(q) if written.contains('.') => q.to_string(),
        _ => QName::new(default_schema, written).to_string(),
    }
}

fn value_sql(v: &Option<String>) -> String {
    match v {
        Some(s) => quote_literal(s),
        None => "NULL".to_string(),
    }
}

/// `INSERT … ON CONFLICT DO NOTHING` for each fixture row (rows a trigger already made are kept).
pub fn inserts(fixtures: &[FixtureRows], default_schema: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in fixtures {
        let table = table_name(&f.table.value, default_schema);
        for row in &f.rows {
            if row.is_empty() {
                out.push(format!("INSERT INTO {table} DEFAULT VALUES"));
                continue;
            }
            let cols: Vec<String> = row.iter().map(|(c, _)| quote_ident(c)).collect();
            let vals: Vec<String> = row.iter().map(|(_, v)| value_sql(v)).collect();
            out.push(format!(
                "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT DO NOTHING",
                cols.join(", "),
                vals.join(", ")
            ));
        }
    }
    out
}

/// The statements that take on an identity (none when the step runs as the connecting user).
pub fn become_(identity: Option<&TestIdentity>, preset: Preset) -> Vec<String> {
    let Some(id) = identity else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let role = id.role.as_ref().map(|r| r.value.clone()).or_else(|| {
        (preset == Preset::Supabase).then(|| {
            if id.user.is_some() {
                "authenticated".to_string()
            } else {
                "anon".to_string()
            }
        })
    });
    if preset == Preset::Supabase {
        let mut claims = serde_json::Map::new();
        if let Some(u) = &id.user {
            claims.insert("sub".into(), serde_json::Value::String(u.value.clone()));
        }
        if let Some(r) = &role {
            claims.insert("role".into(), serde_json::Value::String(r.clone()));
        }
        for (k, v) in &id.claims {
            claims.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        out.push(format!(
            "SELECT set_config('request.jwt.claims', {}, true)",
            quote_literal(&serde_json::Value::Object(claims).to_string())
        ));
    } else if let Some(u) = &id.user
        && !id.settings.iter().any(|(k, _)| k == USER_SETTING)
    {
        out.push(format!(
            "SELECT set_config({}, {}, true)",
            quote_literal(USER_SETTING),
            quote_literal(&u.value)
        ));
    }
    for (k, v) in &id.settings {
        out.push(format!(
            "SELECT set_config({}, {}, true)",
            quote_literal(k),
            quote_literal(v)
        ));
    }
    if let Some(r) = role {
        out.push(format!("SET LOCAL ROLE {}", quote_ident(&r)));
    }
    out
}

/// Back to the connecting user, claims and settings cleared.
pub fn unbecome(identity: Option<&TestIdentity>, preset: Preset) -> Vec<String> {
    let Some(id) = identity else {
        return Vec::new();
    };
    let mut out = vec!["RESET ROLE".to_string()];
    if preset == Preset::Supabase {
        out.push("SELECT set_config('request.jwt.claims', '', true)".to_string());
    } else if id.user.is_some() {
        out.push(format!(
            "SELECT set_config({}, '', true)",
            quote_literal(USER_SETTING)
        ));
    }
    for (k, _) in &id.settings {
        out.push(format!("SELECT set_config({}, '', true)", quote_literal(k)));
    }
    out
}

/// The step's SQL without a trailing `;`.
pub fn statement(sql: &str) -> String {
    sql.trim().trim_end_matches(';').trim_end().to_string()
}

/// The columns named by expected rows, in first-seen order.
pub fn expected_columns(rows: &[Row]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for r in rows {
        for (c, _) in r {
            if !cols.contains(c) {
                cols.push(c.clone());
            }
        }
    }
    cols
}

/// `WITH t AS (<sql>) SELECT c1::text, … FROM t`: the rows of a statement as text.
pub fn rows_query(sql: &str, columns: &[String]) -> String {
    let cols: Vec<String> = columns
        .iter()
        .map(|c| format!("t.{}::text", quote_ident(c)))
        .collect();
    format!(
        "WITH t AS ({}) SELECT {} FROM t",
        statement(sql),
        cols.join(", ")
    )
}

/// Expected rows as a `VALUES` list of text (for pgTAP's `bag_eq`).
pub fn values_sql(rows: &[Row], columns: &[String]) -> String {
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            let vals: Vec<String> = columns
                .iter()
                .map(|c| {
                    let v = r.iter().find(|(k, _)| k == c).and_then(|(_, v)| v.clone());
                    format!("{}::text", value_sql(&v))
                })
                .collect();
            format!("({})", vals.join(", "))
        })
        .collect();
    format!("VALUES {}", lines.join(", "))
}

/// Expected rows as sorted lists of optional text, for comparing with what the runner read.
pub fn expected_bag(rows: &[Row], columns: &[String]) -> Vec<Vec<Option<String>>> {
    let mut v: Vec<Vec<Option<String>>> = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| r.iter().find(|(k, _)| k == c).and_then(|(_, v)| v.clone()))
                .collect()
        })
        .collect();
    v.sort();
    v
}
