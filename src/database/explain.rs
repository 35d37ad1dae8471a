//! `verify --explain`: synthetic rows, then the plans of the queries the model declares.
//!
//! Input: a client on the scratch database (migrations applied), the model, a row count. Output:
//! `E508` diagnostics for a declared query whose plan has a sequential scan on its table (or that
//! fails), at the query's YAML. Invariants: runs only on the scratch database (it inserts rows);
//! tables are filled in foreign-key order with `INSERT … SELECT … FROM generate_series(1, N)`,
//! `ON CONFLICT DO NOTHING`: required foreign keys take parent rows round-robin, `IN (…)` checks
//! cycle through their values, enums through their labels, other columns get a value of their
//! type (columns with a default, identity or generation keep them); `ANALYZE` runs before the
//! plans are read.

use postgres::Client;

use super::error_text;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::graph::table_order;
use crate::ir::{Model, QName, Table};
use crate::preset::External;
use crate::sql::ident::{quote_ident, quote_literal};

fn in_literals(expr: &str) -> Vec<String> {
    let lower = expr.to_ascii_lowercase();
    let Some(at) = lower.find(" in (") else {
        return Vec::new();
    };
    let rest = expr.get(at + 5..).unwrap_or("");
    let end = rest.find(')').unwrap_or(rest.len());
    rest.get(..end)
        .unwrap_or("")
        .split(',')
        .filter_map(|p| {
            let p = p.trim();
            p.strip_prefix('\'')
                .and_then(|x| x.strip_suffix('\''))
                .map(|x| x.replace("''", "'"))
        })
        .collect()
}

fn value_expr(model: &Model, t: &Table, col: &str, ty: &str) -> Option<String> {
    let lits: Vec<String> = t
        .checks
        .iter()
        .filter(|c| c.column.as_deref() == Some(col))
        .flat_map(|c| in_literals(&c.expr.value))
        .collect();
    if !lits.is_empty() {
        let arr: Vec<String> = lits.iter().map(|l| quote_literal(l)).collect();
        return Some(format!(
            "(ARRAY[{}])[1 + g % {}]::{ty}",
            arr.join(", "),
            lits.len()
        ));
    }
    if model.enums.keys().any(|q| q.to_string() == ty) {
        return Some(format!(
            "(enum_range(NULL::{ty}))[1 + g % cardinality(enum_range(NULL::{ty}))]"
        ));
    }
    if ty.ends_with("[]") {
        return Some(format!("'{{}}'::{ty}"));
    }
    let base = ty.split('(').next().unwrap_or(ty).trim();
    Some(match base {
        "uuid" => "gen_random_uuid()".to_string(),
        "text" | "character varying" | "character" | "citext" => {
            if col.contains("email") {
                format!("('u' || g || '@example.test')::{ty}")
            } else {
                format!("('x' || g)::{ty}")
            }
        }
        "smallint" => "(g % 32000)::smallint".to_string(),
        "integer" | "bigint" | "numeric" | "real" | "double precision" => format!("g::{ty}"),
        "boolean" => "(g % 2 = 0)".to_string(),
        "timestamp with time zone" | "timestamp without time zone" | "date" => {
            format!("(now() - g * interval '1 minute')::{ty}")
        }
        "json" | "jsonb" => format!("'{{}}'::{ty}"),
        _ => return None,
    })
}

/// The `INSERT … SELECT` that fills `t` with `rows` rows.
fn fill(model: &Model, t: &Table, rows: u32) -> Result<String, String> {
    let mut cols = Vec::new();
    let mut exprs = Vec::new();
    let mut joins = Vec::new();
    for (name, col) in &t.columns {
        if col.identity.is_some() || col.generated.is_some() {
            continue;
        }
        let fk = t.foreign_keys.iter().find(|fk| {
            fk.columns.len() == 1 && fk.columns.first().is_some_and(|c| c.value == *name)
        });
        if let Some(fk) = fk {
            if col.nullable {
                continue;
            }
            let Some(tc) = fk.target_columns.first() else {
                continue;
            };
            let alias = format!("p{}", joins.len());
            let parent = &fk.target;
            let tc = quote_ident(&tc.value);
            joins.push(format!(
                "JOIN (SELECT {tc} AS v, row_number() OVER () - 1 AS rn FROM {parent}) {alias} \
                 ON {alias}.rn = g % GREATEST((SELECT count(*) FROM {parent}), 1)"
            ));
            cols.push(quote_ident(name));
            exprs.push(format!("{alias}.v"));
            continue;
        }
        let has_in = t
            .checks
            .iter()
            .any(|c| c.column.as_deref() == Some(name) && !in_literals(&c.expr.value).is_empty());
        if (col.default.is_some() || col.nullable) && !has_in {
            continue;
        }
        match value_expr(model, t, name, &col.type_sql) {
            Some(e) => {
                cols.push(quote_ident(name));
                exprs.push(e);
            }
            None if col.nullable || col.default.is_some() => {}
            None => {
                return Err(format!(
                    "no synthetic value for column `{}.{name}` of type `{}`",
                    t.name.name, col.type_sql
                ));
            }
        }
    }
    if cols.is_empty() {
        return Ok(format!(
            "INSERT INTO {} SELECT FROM generate_series(1, {rows}) g ON CONFLICT DO NOTHING",
            t.name
        ));
    }
    Ok(format!(
        "INSERT INTO {} ({}) SELECT {} FROM generate_series(1, {rows}) g {} ON CONFLICT DO NOTHING",
        t.name,
        cols.join(", "),
        exprs.join(", "),
        joins.join(" ")
    ))
}

fn seq_scans(plan: &serde_json::Value, table: &str, out: &mut Vec<String>) {
    match plan {
        serde_json::Value::Object(m) => {
            if m.get("Node Type").and_then(|v| v.as_str()) == Some("Seq Scan")
                && m.get("Relation Name").and_then(|v| v.as_str()) == Some(table)
            {
                out.push(table.to_string());
            }
            for v in m.values() {
                seq_scans(v, table, out);
            }
        }
        serde_json::Value::Array(a) => {
            for v in a {
                seq_scans(v, table, out);
            }
        }
        _ => {}
    }
}

/// Fill the tables, then check every declared query; returns how many queries were checked.
pub fn check(
    client: &mut Client,
    model: &Model,
    external: &External,
    rows: u32,
    d: &mut Diagnostics,
) -> Result<usize, Box<Diagnostic>> {
    if model.query_checks.is_empty() {
        return Ok(0);
    }
    let fail = |what: String, e: &postgres::Error| {
        Box::new(
            Diagnostic::error(Code::QuerySeqScan, format!("{what}: {}", error_text(e)))
                .help("check the synthetic data the message names, or lower --rows"),
        )
    };
    // Platform tables the model's foreign keys point at (auth.users) get rows first.
    let mut external_parents: Vec<QName> = model
        .tables
        .values()
        .flat_map(|t| t.foreign_keys.iter().map(|fk| fk.target.clone()))
        .filter(|q| external.tables.contains_key(q) && !model.tables.contains_key(q))
        .collect();
    external_parents.sort();
    external_parents.dedup();
    for q in &external_parents {
        let cols = external.tables.get(q).cloned().unwrap_or_default();
        let has = |c: &str| cols.iter().any(|(n, _)| n == c);
        if has("id") {
            let sql = if has("email") {
                format!(
                    "INSERT INTO {q} (id, email) SELECT gen_random_uuid(), 'p' || g || '@example.test' FROM generate_series(1, {rows}) g"
                )
            } else {
                format!(
                    "INSERT INTO {q} (id) SELECT gen_random_uuid() FROM generate_series(1, {rows}) g"
                )
            };
            client
                .batch_execute(&sql)
                .map_err(|e| fail(format!("cannot fill `{q}`"), &e))?;
        }
    }
    for name in table_order(model).order {
        let Some(t) = model.tables.get(&name) else {
            continue;
        };
        if t.partition.is_some()
            && t.partition
                .as_ref()
                .is_some_and(|p| p.partitions.is_empty())
        {
            continue;
        }
        let sql = fill(model, t, rows).map_err(|m| {
            Box::new(
                Diagnostic::error(Code::QuerySeqScan, format!("cannot fill `{name}`: {m}"))
                    .at(t.origin, "this table")
                    .help("give the column a default, or make it nullable"),
            )
        })?;
        client
            .batch_execute(&sql)
            .map_err(|e| fail(format!("cannot fill `{name}` with synthetic rows"), &e))?;
    }
    client
        .batch_execute("ANALYZE")
        .map_err(|e| fail("ANALYZE failed".to_string(), &e))?;
    let mut checked = 0;
    for q in &model.query_checks {
        checked += 1;
        let sql = format!(
            "EXPLAIN (FORMAT JSON) {}",
            q.sql.value.trim().trim_end_matches(';')
        );
        let plan = client.simple_query(&sql).map(|msgs| {
            msgs.iter()
                .find_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                    _ => None,
                })
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .unwrap_or(serde_json::Value::Null)
        });
        match plan {
            Ok(plan) => {
                let mut found = Vec::new();
                seq_scans(&plan, &q.table.name, &mut found);
                if !found.is_empty() {
                    d.push(
                        Diagnostic::error(
                            Code::QuerySeqScan,
                            format!(
                                "the plan of this query scans `{}` sequentially ({rows} synthetic rows)",
                                q.table
                            ),
                        )
                        .at(q.sql.span, "Seq Scan")
                        .help("add an index on the columns the query filters and sorts by"),
                    );
                }
            }
            Err(e) => d.push(
                Diagnostic::error(
                    Code::QuerySeqScan,
                    format!("the query cannot be explained: {}", error_text(&e)),
                )
                .at(q.sql.span, "this query")
                .help("fix the query's SQL"),
            ),
        }
    }
    Ok(checked)
}
