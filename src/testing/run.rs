//! The access-test runner: each test in its own transaction, rolled back at the end.
//!
//! Input: a client on a database where the migrations are applied, the tests, the preset.
//! Output: an [`Outcome`] per test. Invariants: every test starts from the migrated database
//! (its transaction is always rolled back); a step that fails is rolled back to a savepoint, so
//! later steps see the effects of earlier successful ones only; identities end with each step.

use postgres::{Client, Transaction};

use super::sqlgen;
use crate::database::{error_text, sqlstate};
use crate::ir::Preset;
use crate::ir::access_test::{AccessTest, Expectation, TestStep};
use crate::source::Span;

/// How a test ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every step met its expectation.
    Passed,
    /// A fixture, setup statement or step did not.
    Failed {
        /// 1-based step number (`None`: fixtures or setup).
        step: Option<usize>,
        /// What went wrong.
        message: String,
        /// Where to point.
        span: Span,
    },
}

fn fail(step: Option<usize>, span: Span, message: impl Into<String>) -> Outcome {
    Outcome::Failed {
        step,
        message: message.into(),
        span,
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Run one test; `Err` only when the connection itself fails.
pub fn run_test(
    client: &mut Client,
    test: &AccessTest,
    preset: Preset,
    default_schema: &str,
) -> Result<Outcome, postgres::Error> {
    let mut tx = client.transaction()?;
    let outcome = steps(&mut tx, test, preset, default_schema)?;
    tx.rollback()?;
    Ok(outcome)
}

fn steps(
    tx: &mut Transaction<'_>,
    test: &AccessTest,
    preset: Preset,
    default_schema: &str,
) -> Result<Outcome, postgres::Error> {
    for (stmt, span) in sqlgen::inserts(&test.fixtures, default_schema)
        .into_iter()
        .zip(
            test.fixtures
                .iter()
                .flat_map(|f| std::iter::repeat_n(f.table.span, f.rows.len())),
        )
    {
        if let Err(e) = tx.batch_execute(&stmt) {
            let span = if span == Span::default() {
                test.origin
            } else {
                span
            };
            return Ok(fail(
                None,
                span,
                format!("fixture row failed: {}: {stmt}", error_text(&e)),
            ));
        }
    }
    for s in &test.setup {
        if let Err(e) = tx.batch_execute(&s.value) {
            return Ok(fail(
                None,
                s.span,
                format!("setup failed: {}", error_text(&e)),
            ));
        }
    }
    for (i, step) in test.steps.iter().enumerate() {
        let identity = step.identity.as_ref().or(test.identity.as_ref());
        tx.batch_execute("SAVEPOINT schemac_step")?;
        for s in sqlgen::become_(identity, preset) {
            if let Err(e) = tx.batch_execute(&s) {
                tx.batch_execute("ROLLBACK TO SAVEPOINT schemac_step")?;
                let span = identity.map_or(step.origin, |id| id.span);
                return Ok(fail(
                    Some(i + 1),
                    span,
                    format!("cannot take on the identity: {}", error_text(&e)),
                ));
            }
        }
        let (ok, result) = evaluate(tx, step);
        if ok {
            tx.batch_execute("RELEASE SAVEPOINT schemac_step")?;
        } else {
            tx.batch_execute("ROLLBACK TO SAVEPOINT schemac_step")?;
        }
        for s in sqlgen::unbecome(identity, preset) {
            tx.batch_execute(&s)?;
        }
        if let Err(message) = result {
            return Ok(fail(Some(i + 1), step.sql.span, message));
        }
    }
    Ok(Outcome::Passed)
}

/// Run a step: (whether the statement succeeded, whether the expectation was met).
fn evaluate(tx: &mut Transaction<'_>, step: &TestStep) -> (bool, Result<(), String>) {
    let sql = sqlgen::statement(&step.sql.value);
    match &step.expect {
        Expectation::Allowed => match tx.execute(sql.as_str(), &[]) {
            Ok(_) => (true, Ok(())),
            Err(e) => (
                false,
                Err(format!(
                    "expected the statement to be allowed, but it failed: {}",
                    error_text(&e)
                )),
            ),
        },
        Expectation::Denied => match tx.execute(sql.as_str(), &[]) {
            Ok(0) => (true, Ok(())),
            Ok(n) => (
                true,
                Err(format!(
                    "expected the statement to be denied, but it returned or affected {n} row{}",
                    plural(n)
                )),
            ),
            Err(e) if sqlstate(&e) == Some("42501") => (false, Ok(())),
            Err(e) => (
                false,
                Err(format!(
                    "expected the statement to be denied (SQLSTATE 42501 or no rows), but it failed: {}",
                    error_text(&e)
                )),
            ),
        },
        Expectation::RowCount(want) => match tx.execute(sql.as_str(), &[]) {
            Ok(n) if n == *want => (true, Ok(())),
            Ok(n) => (
                true,
                Err(format!("expected {want} row{}, got {n}", plural(*want))),
            ),
            Err(e) => (
                false,
                Err(format!(
                    "expected {want} row{}, but the statement failed: {}",
                    plural(*want),
                    error_text(&e)
                )),
            ),
        },
        Expectation::Rows(rows) => {
            let cols = sqlgen::expected_columns(rows);
            let query = sqlgen::rows_query(&sql, &cols);
            match tx.query(query.as_str(), &[]) {
                Ok(got) => {
                    let mut have: Vec<Vec<Option<String>>> = got
                        .iter()
                        .map(|r| {
                            (0..cols.len())
                                .map(|i| r.try_get::<_, Option<String>>(i).ok().flatten())
                                .collect()
                        })
                        .collect();
                    have.sort();
                    let want = sqlgen::expected_bag(rows, &cols);
                    if have == want {
                        (true, Ok(()))
                    } else {
                        let show = |v: &[Vec<Option<String>>]| {
                            let rows: Vec<String> = v
                                .iter()
                                .map(|r| {
                                    let cells: Vec<String> = r
                                        .iter()
                                        .map(|c| c.clone().unwrap_or_else(|| "NULL".into()))
                                        .collect();
                                    format!("({})", cells.join(", "))
                                })
                                .collect();
                            if rows.is_empty() {
                                "no rows".to_string()
                            } else {
                                rows.join(" ")
                            }
                        };
                        (
                            true,
                            Err(format!(
                                "expected rows {} of ({}), got {}",
                                show(&want),
                                cols.join(", "),
                                show(&have)
                            )),
                        )
                    }
                }
                Err(e) => (
                    false,
                    Err(format!(
                        "expected rows, but the statement failed: {}",
                        error_text(&e)
                    )),
                ),
            }
        }
    }
}
