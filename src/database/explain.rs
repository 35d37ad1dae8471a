//! `verify --explain`: synthetic rows, then the plans of the queries the model declares.
//!
//! Input: a client on the scratch database (migrations applied), the model, a row count. Output:
//! `E508` diagnostics for a declared query whose plan has a sequential scan on its table (or that
//! fails), at the query's YAML; on Citus, each query's shard count (Citus's `Task Count`) and an
//! `E517` warning for a query that runs on more than one shard unless it says `fans_out: true`. Invariants: runs only on the scratch database (it inserts rows);
//! tables are filled in foreign-key order with `INSERT … SELECT … FROM generate_series(1, N)`,
//! `ON CONFLICT DO NOTHING`: required foreign keys (composite ones too) take parent rows round-robin, `IN (…)` checks
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
    // Required foreign keys take their columns from one parent row each (round-robin), widest
    // key first, so a composite key (`(org_id, project_id)` on Citus) gets a pair that exists;
    // a narrower key over a column already taken is then left to the wider key's parent.
    let mut keys: Vec<_> = t
        .foreign_keys
        .iter()
        .filter(|fk| {
            fk.columns.len() == fk.target_columns.len()
                && fk
                    .columns
                    .iter()
                    .all(|c| t.columns.get(&c.value).is_some_and(|col| !col.nullable))
        })
        .collect();
    keys.sort_by_key(|fk| std::cmp::Reverse(fk.columns.len()));
    let mut from_parent: Vec<&str> = Vec::new();
    for fk in keys {
        if fk
            .columns
            .iter()
            .any(|c| from_parent.contains(&c.value.as_str()))
        {
            continue;
        }
        let alias = format!("p{}", joins.len());
        let parent = &fk.target;
        let picked: Vec<String> = fk
            .target_columns
            .iter()
            .enumerate()
            .map(|(i, tc)| format!("{} AS v{i}", quote_ident(&tc.value)))
            .collect();
        joins.push(format!(
            "JOIN (SELECT {}, row_number() OVER () - 1 AS rn FROM {parent}) {alias} \
             ON {alias}.rn = g % GREATEST((SELECT count(*) FROM {parent}), 1)",
            picked.join(", ")
        ));
        for (i, c) in fk.columns.iter().enumerate() {
            from_parent.push(c.value.as_str());
            cols.push(quote_ident(&c.value));
            exprs.push(format!("{alias}.v{i}"));
        }
    }
    for (name, col) in &t.columns {
        if col.identity.is_some() || col.generated.is_some() || from_parent.contains(&name.as_str())
        {
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

/// Whether `relation` is `table` or, on Citus, one of its shards (`table_102008`: the table's
/// name, an underscore and the shard id).
fn is_table_or_shard(relation: &str, table: &str) -> bool {
    relation == table
        || relation.strip_prefix(table).is_some_and(|rest| {
            rest.strip_prefix('_')
                .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        })
}

fn seq_scans(plan: &serde_json::Value, table: &str, out: &mut Vec<String>) {
    match plan {
        serde_json::Value::Object(m) => {
            if m.get("Node Type").and_then(|v| v.as_str()) == Some("Seq Scan")
                && m.get("Relation Name")
                    .and_then(|v| v.as_str())
                    .is_some_and(|r| is_table_or_shard(r, table))
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

/// The most shards one Citus scan of the plan runs on (`Task Count` of its `Custom Scan` nodes
/// whose provider is Citus); `None` when no Citus scan is in the plan (a local table, or not
/// Citus at all).
fn citus_tasks(plan: &serde_json::Value) -> Option<u64> {
    match plan {
        serde_json::Value::Object(m) => {
            let own = m
                .get("Custom Plan Provider")
                .and_then(|v| v.as_str())
                .filter(|p| p.starts_with("Citus"))
                .and_then(|_| m.get("Distributed Query"))
                .and_then(|q| q.get("Job"))
                .and_then(|j| j.get("Task Count"))
                .and_then(serde_json::Value::as_u64);
            m.values().filter_map(citus_tasks).chain(own).max()
        }
        serde_json::Value::Array(a) => a.iter().filter_map(citus_tasks).max(),
        _ => None,
    }
}

/// What `--explain` found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Explained {
    /// Queries checked.
    pub checked: usize,
    /// On Citus: queries that ran on one shard (or one placement of a reference table).
    pub routed: usize,
    /// On Citus: queries that ran on more than one shard, of them those declared `fans_out: true`.
    pub fanned_out: usize,
    /// Of `fanned_out`, those the model declares `fans_out: true`.
    pub fanned_out_declared: usize,
}

/// Fill the tables, then check every declared query.
pub fn check(
    client: &mut Client,
    model: &Model,
    external: &External,
    rows: u32,
    d: &mut Diagnostics,
) -> Result<Explained, Box<Diagnostic>> {
    let mut explained = Explained::default();
    if model.query_checks.is_empty() {
        return Ok(explained);
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
    for q in &model.query_checks {
        explained.checked += 1;
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
                match citus_tasks(&plan) {
                    Some(1) => explained.routed += 1,
                    Some(n) => {
                        explained.fanned_out += 1;
                        if q.fans_out {
                            explained.fanned_out_declared += 1;
                        } else {
                            let column = model
                                .tables
                                .get(&q.table)
                                .and_then(crate::ir::citus::distribution_column)
                                .unwrap_or("the distribution column");
                            let mut w = Diagnostic::error(
                                Code::QueryFansOut,
                                format!(
                                    "on Citus this query runs on {n} shards of `{}`, not one",
                                    q.table
                                ),
                            )
                            .at(q.sql.span, format!("{n} shards"))
                            .help(format!(
                                "filter by `{column}` with a literal or a parameter \
                                 (`where {column} = $1`), or say `fans_out: true` if it is meant \
                                 to read every tenant"
                            ));
                            w.severity = crate::diagnostics::Severity::Warning;
                            d.push(w);
                        }
                    }
                    None => {}
                }
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
    Ok(explained)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_names_count_as_their_table() {
        assert!(is_table_or_shard("tasks", "tasks"));
        assert!(is_table_or_shard("tasks_102008", "tasks"));
        assert!(!is_table_or_shard("tasks_archive", "tasks"));
        assert!(!is_table_or_shard("tasks_", "tasks"));
        assert!(!is_table_or_shard("task", "tasks"));
    }

    #[test]
    fn citus_task_count_is_read_from_every_citus_scan() {
        let scan = |n: u64| {
            serde_json::json!({
                "Node Type": "Custom Scan",
                "Custom Plan Provider": "Citus Adaptive",
                "Distributed Query": { "Job": { "Task Count": n, "Tasks": [] } }
            })
        };
        let plan = serde_json::json!([{ "Plan": scan(1) }]);
        assert_eq!(citus_tasks(&plan), Some(1));
        let join = serde_json::json!([{ "Plan": { "Node Type": "Hash Join", "Plans": [scan(1), scan(32)] } }]);
        assert_eq!(citus_tasks(&join), Some(32));
        let local =
            serde_json::json!([{ "Plan": { "Node Type": "Seq Scan", "Relation Name": "t" } }]);
        assert_eq!(citus_tasks(&local), None);
    }
}
