//! Testing: access tests (declared in the model and derived from its policies) → results, a
//! test-runner report, and pgTAP files.
//!
//! Input: a compiled model, and for running a client on a database with the migrations applied.
//! Output: [`TestResult`]s, their human and JSON reports, and pgTAP files ([`pgtap`]).
//! Invariants: declared tests come first in declaration order (by table), then derived tests by
//! table; every test runs in its own rolled-back transaction; the runner and the pgTAP files run
//! the same statements ([`sqlgen`]). Only [`run`] does I/O.

pub mod derive;
pub mod pgtap;
pub mod run;
pub mod sqlgen;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Model;
use crate::ir::access_test::{AccessTest, TestKind};
use crate::preset::External;
use crate::source::SourceMap;

/// The tests to run: the declared ones (ordered by table, then as written) and, unless
/// `derived` is false, the derived ones. Also returns the tables that got no derived test.
pub fn collect(
    model: &Model,
    external: &External,
    derived: bool,
) -> (Vec<AccessTest>, Vec<(crate::ir::QName, String)>) {
    let mut tests: Vec<AccessTest> = model.access_tests.clone();
    tests.sort_by(|a, b| a.table.cmp(&b.table));
    let mut skipped = Vec::new();
    if derived {
        let d = derive::derive(model, external);
        tests.extend(d.tests);
        skipped = d.skipped;
        for o in d.opted_out {
            skipped.push((
                o.table.clone(),
                format!(
                    "`{}` opted out: {}",
                    o.test.as_deref().unwrap_or("derived"),
                    o.reason.value.trim()
                ),
            ));
        }
        skipped.sort();
    }
    (tests, skipped)
}

/// A test and how it ended.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// The test.
    pub test: AccessTest,
    /// How it ended.
    pub outcome: run::Outcome,
}

fn kind(k: TestKind) -> &'static str {
    match k {
        TestKind::Declared => "declared",
        TestKind::Derived => "derived",
    }
}

/// The diagnostic of a failed test (`E507`), pointing at the step (or fixture) in the YAML.
pub fn failure_diagnostic(r: &TestResult) -> Option<Diagnostic> {
    let run::Outcome::Failed {
        step,
        message,
        span,
    } = &r.outcome
    else {
        return None;
    };
    let at = match step {
        Some(n) => format!("step {n}"),
        None => "fixtures".to_string(),
    };
    let sql = step
        .and_then(|n| r.test.steps.get(n.wrapping_sub(1)))
        .map(|s| {
            let one_line: Vec<&str> = s.sql.value.split_whitespace().collect();
            format!(" (`{}`)", one_line.join(" "))
        })
        .unwrap_or_default();
    let what = match r.test.kind {
        TestKind::Declared => format!("test `{}` of `{}`", r.test.name, r.test.table),
        TestKind::Derived => format!("derived test `{}` of `{}`", r.test.name, r.test.table),
    };
    Some(
        Diagnostic::error(Code::AccessTestFailed, format!("{what} failed at {at}{sql}: {message}"))
            .at(
                *span,
                match r.test.kind {
                    TestKind::Declared => at.clone(),
                    TestKind::Derived => format!("{at} of the test derived from this policy"),
                },
            )
            .help(match r.test.kind {
                TestKind::Declared => "fix the policy or grant, or the test's expectation",
                TestKind::Derived => {
                    "make the policy restrict rows to their owner, or switch derived tests off with --no-derived"
                }
            }),
    )
}

/// The report as a test runner prints it: one line per test, the failures, a summary.
pub fn human(
    results: &[TestResult],
    skipped: &[(crate::ir::QName, String)],
    sources: &SourceMap,
    style: crate::diagnostics::report::Style,
) -> String {
    let mut s = format!(
        "running {} access test{}\n",
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    );
    for r in results {
        let status = match r.outcome {
            run::Outcome::Passed => "ok",
            run::Outcome::Failed { .. } => "FAILED",
        };
        s.push_str(&format!(
            "test {} :: {} ({}) ... {status}\n",
            r.test.table,
            r.test.name,
            kind(r.test.kind)
        ));
    }
    for (t, why) in skipped {
        s.push_str(&format!("note: no derived tests for `{t}`: {why}\n"));
    }
    let failures: Vec<Diagnostic> = results.iter().filter_map(failure_diagnostic).collect();
    if !failures.is_empty() {
        s.push_str("\nfailures:\n\n");
        let refs: Vec<&Diagnostic> = failures.iter().collect();
        s.push_str(&crate::diagnostics::report::human(
            &refs, sources, style, 100,
        ));
    }
    let passed = results
        .iter()
        .filter(|r| r.outcome == run::Outcome::Passed)
        .count();
    s.push_str(&format!(
        "\ntest result: {}. {passed} passed; {} failed\n",
        if failures.is_empty() { "ok" } else { "FAILED" },
        failures.len()
    ));
    s
}

/// The report as JSON: `version` (the diagnostics document's, see
/// [`crate::diagnostics::output::JSON_VERSION`]), one entry per test, the counts, and the
/// failures as `diagnostics` records (the shape every command's `--format json` uses).
pub fn json(results: &[TestResult], sources: &SourceMap) -> serde_json::Value {
    use crate::diagnostics::output::{JSON_VERSION, Record};
    let mut failures = Vec::new();
    let tests: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let diag = failure_diagnostic(r);
            let rec = diag.as_ref().map(|d| Record::of(d, sources).into_owned());
            let (file, line, column) = match &rec {
                Some(j) => (j.file.as_deref().map(str::to_string), j.line, j.column),
                None => {
                    let f = sources.file(r.test.origin.file);
                    let (l, c) = f.map_or((0, 0), |f| f.line_col(r.test.origin.start as usize));
                    (f.map(|f| f.name.clone()), Some(l), Some(c))
                }
            };
            let entry = serde_json::json!({
                "table": r.test.table.to_string(),
                "name": r.test.name,
                "kind": kind(r.test.kind),
                "status": if r.outcome == run::Outcome::Passed { "passed" } else { "failed" },
                "message": diag.as_ref().map(|d| d.message.clone()),
                "file": file,
                "line": line,
                "column": column,
            });
            failures.extend(rec);
            entry
        })
        .collect();
    let passed = results
        .iter()
        .filter(|r| r.outcome == run::Outcome::Passed)
        .count();
    serde_json::json!({
        "version": JSON_VERSION,
        "tests": tests,
        "passed": passed,
        "failed": results.len() - passed,
        "diagnostics": failures,
    })
}
