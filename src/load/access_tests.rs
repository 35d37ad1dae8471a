//! `tests:` under a table → access tests; `queries:` under a table → query-plan checks.
//!
//! Input: the node under a table's `tests:` key. Output: [`AccessTest`]s in declaration order.
//! Invariants: unknown keys, wrong kinds and bad expectations are diagnostics with spans (the
//! load codes `E102`–`E105`); decoding continues with the next test.
//!
//! ```yaml
//! tests:
//!   owner_sees_own_projects:
//!     description: A user sees their projects and nobody else's.
//!     fixtures:
//!       auth.users: [{ id: "00000000-0000-4000-8000-00000000000a", email: a@example.test }]
//!       projects: [{ user_id: "00000000-0000-4000-8000-00000000000a", name: A }]
//!     as: { user: "00000000-0000-4000-8000-00000000000a" }
//!     steps:
//!       - { sql: "select * from public.projects", expect: { rows: 1 } }
//!       - { sql: "delete from public.projects", as: anon, expect: denied }
//! ```

use super::decode::{self, Fields};
use super::yaml::{Node, NodeKind};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::access_test::{
    AccessTest, DERIVED_TESTS, DerivedOptOut, Expectation, FixtureRows, QueryCheck, Row,
    TestIdentity, TestKind, TestStep, Value,
};
use crate::ir::{QName, Sp};

pub(crate) const TEST: &[&str] = &["description", "fixtures", "setup", "as", "steps"];
pub(crate) const STEP: &[&str] = &["sql", "as", "expect"];
pub(crate) const IDENTITY: &[&str] = &["role", "user", "claims", "settings"];
pub(crate) const EXPECT: &[&str] = &["rows"];
pub(crate) const QUERY: &[&str] = &["sql", "why", "fans_out"];
/// The keys of a derived-test opt-out (`derived: { skip: reason }`).
pub(crate) const OPT_OUT: &[&str] = &["skip"];

/// Decode the `queries:` of table `table`: a list of SQL strings or `{ sql, why, fans_out }` mappings.
pub fn queries(d: &mut Diagnostics, table: &QName, node: &Node) -> Vec<QueryCheck> {
    let mut out = Vec::new();
    for item in decode::list(d, node, "`queries`") {
        if let NodeKind::Map(_) = item.kind {
            let f = Fields::new(d, item, QUERY, "a query");
            let sql = f
                .require(d, "sql", item.span)
                .and_then(|n| decode::text(d, n, "a query"));
            let why = f
                .get("why")
                .and_then(|n| decode::text(d, n, "a reason"))
                .map(|s| s.value);
            let fans_out = f
                .get("fans_out")
                .and_then(|n| decode::boolean(d, n, "`fans_out`"))
                .unwrap_or(false);
            f.finish(d);
            if let Some(sql) = sql {
                out.push(QueryCheck {
                    table: table.clone(),
                    sql,
                    why,
                    fans_out,
                });
            }
        } else if let Some(sql) = decode::text(d, item, "a query") {
            out.push(QueryCheck {
                table: table.clone(),
                sql,
                why: None,
                fans_out: false,
            });
        }
    }
    out
}

/// Decode the `tests:` of table `table`: the declared tests, and the derived tests the table opts
/// out of (an entry named `derived` or after a derived test, holding only `skip: <reason>`).
pub fn decode(
    d: &mut Diagnostics,
    table: &QName,
    node: &Node,
) -> (Vec<AccessTest>, Vec<DerivedOptOut>) {
    let mut out = Vec::new();
    let mut opt_outs = Vec::new();
    for (key, value) in decode::entries(d, node, "`tests`") {
        let derived = key.name == "derived" || DERIVED_TESTS.contains(&key.name.as_str());
        if derived {
            if let Some(o) = opt_out(d, table, key, value) {
                opt_outs.push(o);
            }
            continue;
        }
        let what = format!("test `{}`", key.name);
        let f = Fields::new(d, value, TEST, what.clone());
        let description = f
            .get("description")
            .and_then(|n| decode::text(d, n, "a description"))
            .map(|s| s.value);
        let mut fixtures = Vec::new();
        if let Some(n) = f.get("fixtures") {
            for (tk, tv) in decode::entries(d, n, "`fixtures`") {
                let rows = decode::list(d, tv, "fixture rows")
                    .into_iter()
                    .filter_map(|r| row(d, r, "a fixture row"))
                    .collect();
                fixtures.push(FixtureRows {
                    table: Sp::new(tk.name.clone(), tk.span),
                    rows,
                });
            }
        }
        let setup = f
            .get("setup")
            .map(|n| decode::text_list(d, n, "a SQL statement"))
            .unwrap_or_default();
        let identity = f.get("as").and_then(|n| self::identity(d, n));
        let mut steps = Vec::new();
        if let Some(n) = f.require(d, "steps", key.span) {
            for s in decode::list(d, n, "`steps`") {
                if let Some(step) = step(d, s) {
                    steps.push(step);
                }
            }
        }
        f.finish(d);
        out.push(AccessTest {
            name: key.name.clone(),
            table: table.clone(),
            kind: TestKind::Declared,
            description,
            fixtures,
            setup,
            identity,
            steps,
            origin: key.span,
        });
    }
    (out, opt_outs)
}

/// `derived: { skip: reason }` or `derived_owner_isolation: { skip: reason }`.
fn opt_out(
    d: &mut Diagnostics,
    table: &QName,
    key: &crate::load::yaml::Key,
    value: &Node,
) -> Option<DerivedOptOut> {
    let skip = match &value.kind {
        NodeKind::Map(entries) => entries.iter().find(|(k, _)| k.name == "skip"),
        _ => None,
    };
    let Some((_, skip)) = skip else {
        d.push(
            Diagnostic::error(
                Code::DerivedTestOptOut,
                format!("`{}` names the derived tests of `{table}`", key.name),
            )
            .at(key.span, "reserved for the tests `schemac test` derives")
            .help("write `{ skip: \"<why these tests do not apply>\" }` to opt out, or give a declared test another name"),
        );
        return None;
    };
    let f = Fields::new(d, value, OPT_OUT, format!("opt-out `{}`", key.name));
    f.finish(d);
    let reason = decode::text(d, skip, "a reason")?;
    if reason.value.trim().is_empty() {
        d.push(
            Diagnostic::error(
                Code::DerivedTestOptOut,
                format!("the opt-out `{}` of `{table}` gives no reason", key.name),
            )
            .at(reason.span, "empty reason")
            .help("say why the derived tests do not apply, such as `membership-based access: see team_members`"),
        );
        return None;
    }
    Some(DerivedOptOut {
        table: table.clone(),
        test: (key.name != "derived").then(|| key.name.clone()),
        reason,
    })
}

fn value(node: &Node) -> Option<Value> {
    match &node.kind {
        NodeKind::Null => Some(None),
        NodeKind::Bool(b) => Some(Some(b.to_string())),
        NodeKind::Number(n) => Some(Some(n.clone())),
        NodeKind::Str(s, _) => Some(Some(s.clone())),
        NodeKind::Seq(_) | NodeKind::Map(_) => Some(Some(json(node).to_string())),
    }
}

fn json(node: &Node) -> serde_json::Value {
    match &node.kind {
        NodeKind::Null => serde_json::Value::Null,
        NodeKind::Bool(b) => serde_json::Value::Bool(*b),
        NodeKind::Number(n) => {
            serde_json::from_str(n).unwrap_or(serde_json::Value::String(n.clone()))
        }
        NodeKind::Str(s, _) => serde_json::Value::String(s.clone()),
        NodeKind::Seq(items) => serde_json::Value::Array(items.iter().map(json).collect()),
        NodeKind::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), json(v)))
                .collect(),
        ),
    }
}

fn row(d: &mut Diagnostics, node: &Node, what: &str) -> Option<Row> {
    if !matches!(node.kind, NodeKind::Map(_)) {
        d.push(
            Diagnostic::error(
                Code::WrongType,
                format!("{what} is {}, not a mapping", node.kind.describe()),
            )
            .at(node.span, "expected a mapping of column: value")
            .help("write the row as { column: value, … }"),
        );
        return None;
    }
    Some(
        decode::entries(d, node, what)
            .iter()
            .filter_map(|(k, v)| value(v).map(|x| (k.name.clone(), x)))
            .collect(),
    )
}

fn pairs(d: &mut Diagnostics, node: &Node, what: &str) -> Vec<(String, String)> {
    decode::entries(d, node, what)
        .iter()
        .filter_map(|(k, v)| match value(v) {
            Some(Some(x)) => Some((k.name.clone(), x)),
            _ => None,
        })
        .collect()
}

fn identity(d: &mut Diagnostics, node: &Node) -> Option<TestIdentity> {
    if let NodeKind::Str(..) = node.kind {
        let role = decode::name(d, node, "a role")?;
        return Some(TestIdentity {
            span: role.span,
            role: Some(role),
            ..TestIdentity::default()
        });
    }
    let f = Fields::new(d, node, IDENTITY, "`as`");
    let id = TestIdentity {
        role: f.get("role").and_then(|n| decode::name(d, n, "a role")),
        user: f.get("user").and_then(|n| decode::text(d, n, "a user id")),
        claims: f
            .get("claims")
            .map(|n| pairs(d, n, "`claims`"))
            .unwrap_or_default(),
        settings: f
            .get("settings")
            .map(|n| pairs(d, n, "`settings`"))
            .unwrap_or_default(),
        span: node.span,
    };
    f.finish(d);
    Some(id)
}

fn step(d: &mut Diagnostics, node: &Node) -> Option<TestStep> {
    let f = Fields::new(d, node, STEP, "a test step");
    let sql = f
        .require(d, "sql", node.span)
        .and_then(|n| decode::text(d, n, "a SQL statement"));
    let identity = f.get("as").and_then(|n| self::identity(d, n));
    let expect = f.require(d, "expect", node.span).and_then(|n| expect(d, n));
    f.finish(d);
    Some(TestStep {
        sql: sql?,
        identity,
        expect: expect?,
        origin: node.span,
    })
}

fn expect(d: &mut Diagnostics, node: &Node) -> Option<Expectation> {
    match &node.kind {
        NodeKind::Map(_) => {
            let f = Fields::new(d, node, EXPECT, "`expect`");
            let rows = f.require(d, "rows", node.span);
            let out = match rows.map(|n| &n.kind) {
                Some(NodeKind::Number(_)) => rows
                    .and_then(|n| decode::integer(d, n, "a row count"))
                    .map(|n| Expectation::RowCount(u64::from(n))),
                Some(NodeKind::Seq(items)) => Some(Expectation::Rows(
                    items
                        .iter()
                        .filter_map(|r| row(d, r, "an expected row"))
                        .collect(),
                )),
                Some(_) => {
                    if let Some(n) = rows {
                        d.push(
                            Diagnostic::error(
                                Code::WrongType,
                                format!("`rows` is {}", n.kind.describe()),
                            )
                            .at(n.span, "expected a number or a list of rows")
                            .help("write `rows: 2` or `rows: [{ column: value }]`"),
                        );
                    }
                    None
                }
                None => None,
            };
            f.finish(d);
            out
        }
        _ => {
            let c = decode::choice(d, node, &["allowed", "denied"], "expectation")?;
            Some(if c.value == "allowed" {
                Expectation::Allowed
            } else {
                Expectation::Denied
            })
        }
    }
}
