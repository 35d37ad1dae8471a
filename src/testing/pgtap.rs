//! pgTAP: access tests → one `.sql` file per test for `pg_prove` (or `supabase test db`).
//!
//! Input: the tests and the preset. Output: (file name, text) pairs. Invariants: each file is one
//! transaction that is rolled back; it runs the same statements as the runner (see [`sqlgen`]):
//! the fixtures, then per step the identity, one pgTAP assertion and the reset; `denied` and row
//! counts go through small `pg_temp` functions that do what the runner does (42501 or zero rows;
//! `ROW_COUNT`). File names are `NNN_<schema>_<table>_<test>.sql`, numbered in run order.

use std::fmt::Write as _;

use super::sqlgen;
use crate::ir::Preset;
use crate::ir::access_test::{AccessTest, Expectation};
use crate::sql::ident::{dollar_quote, quote_literal};

/// The helper functions every file defines (temporary: they vanish with the session).
const HELPERS: &str = "\
CREATE FUNCTION pg_temp.schemac_row_count(q text) RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE n bigint;
BEGIN
  EXECUTE q;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $f$;
CREATE FUNCTION pg_temp.schemac_denied(q text) RETURNS boolean LANGUAGE plpgsql AS $f$
DECLARE n bigint;
BEGIN
  EXECUTE q;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n = 0;
EXCEPTION WHEN insufficient_privilege THEN
  RETURN true;
END $f$;
GRANT EXECUTE ON FUNCTION pg_temp.schemac_row_count(text), pg_temp.schemac_denied(text) TO PUBLIC;
";

fn file_name(n: usize, t: &AccessTest) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{n:03}_{}_{}_{}.sql",
        clean(&t.table.schema),
        clean(&t.table.name),
        clean(&t.name)
    )
}

/// One pgTAP file per test.
pub fn emit(tests: &[AccessTest], preset: Preset, default_schema: &str) -> Vec<(String, String)> {
    tests
        .iter()
        .enumerate()
        .map(|(i, t)| (file_name(i + 1, t), file(t, preset, default_schema)))
        .collect()
}

fn file(t: &AccessTest, preset: Preset, default_schema: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "-- {}: test `{}` of `{}`, written by `schemac test --emit pgtap`. Do not edit.",
        match t.kind {
            crate::ir::access_test::TestKind::Declared => "declared",
            crate::ir::access_test::TestKind::Derived => "derived",
        },
        t.name,
        t.table
    );
    if let Some(d) = &t.description {
        let _ = writeln!(s, "-- {}", d.replace('\n', " "));
    }
    s.push_str("BEGIN;\n");
    let _ = writeln!(s, "SELECT plan({});", t.steps.len());
    s.push_str(HELPERS);
    s.push_str("\n-- Fixtures, as the connecting user.\n");
    for stmt in sqlgen::inserts(&t.fixtures, default_schema) {
        let _ = writeln!(s, "{stmt};");
    }
    for stmt in &t.setup {
        let _ = writeln!(s, "{};", sqlgen::statement(&stmt.value));
    }
    for (i, step) in t.steps.iter().enumerate() {
        let identity = step.identity.as_ref().or(t.identity.as_ref());
        let _ = writeln!(s, "\n-- Step {}.", i + 1);
        for b in sqlgen::become_(identity, preset) {
            let _ = writeln!(s, "{b};");
        }
        let sql = sqlgen::statement(&step.sql.value);
        let q = dollar_quote(&sql);
        let desc = quote_literal(&format!("{}: step {}", t.name, i + 1));
        let line = match &step.expect {
            Expectation::Allowed => format!("SELECT lives_ok({q}, {desc});"),
            Expectation::Denied => {
                format!("SELECT ok(pg_temp.schemac_denied({q}), {desc});")
            }
            Expectation::RowCount(n) => {
                format!("SELECT is(pg_temp.schemac_row_count({q}), {n}::bigint, {desc});")
            }
            Expectation::Rows(rows) => {
                let cols = sqlgen::expected_columns(rows);
                format!(
                    "SELECT bag_eq({}, {}, {desc});",
                    dollar_quote(&sqlgen::rows_query(&sql, &cols)),
                    dollar_quote(&sqlgen::values_sql(rows, &cols))
                )
            }
        };
        let _ = writeln!(s, "{line}");
        for b in sqlgen::unbecome(identity, preset) {
            let _ = writeln!(s, "{b};");
        }
    }
    s.push_str("\nSELECT * FROM finish();\nROLLBACK;\n");
    s
}
