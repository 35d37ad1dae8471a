//! Test helpers: compile a YAML model, lint it, and render one rule's findings.
//!
//! Input: a model as YAML text and a rule code or name. Output: the rule's findings rendered as
//! users see them (plain miette, 100 columns), or a failed assertion.

use crate::diagnostics::report::{Style, human};
use crate::lint::{Report, run_with};
use crate::{Compiled, compile_sources};

/// Compile a model (asserting it has no errors) and lint it.
pub fn lint(yaml: &str) -> (Compiled, Report) {
    let compiled = compile_sources(&[("schema.yaml".into(), yaml.into())]);
    if !compiled.ok() {
        let d = compiled.diagnostics.sorted();
        panic!(
            "the fixture does not compile:\n{}",
            human(&d, &compiled.sources, Style::Plain, 100)
        );
    }
    let report = run_with(
        &compiled.model,
        &compiled.external,
        &compiled.sources,
        &compiled.fragments,
    );
    (compiled, report)
}

/// The findings of `rule` (code or name), rendered; fails when there are none.
pub fn violations(yaml: &str, rule: &str) -> String {
    let (compiled, report) = lint(yaml);
    let diags: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule.code == rule || f.rule.name == rule)
        .filter_map(|f| f.diagnostic())
        .collect();
    assert!(!diags.is_empty(), "{rule} did not fire");
    let refs: Vec<_> = diags.iter().collect();
    human(&refs, &compiled.sources, Style::Plain, 100)
}

/// Fails when `rule` fires on the model.
pub fn assert_clean(yaml: &str, rule: &str) {
    let (compiled, report) = lint(yaml);
    let diags: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule.code == rule || f.rule.name == rule)
        .filter_map(|f| f.diagnostic())
        .collect();
    let refs: Vec<_> = diags.iter().collect();
    assert!(
        diags.is_empty(),
        "{rule} fired:\n{}",
        human(&refs, &compiled.sources, Style::Plain, 100)
    );
}

/// For `rule`, an alias of compiler errors: the codes of `bad`'s errors, asserting that it does
/// not compile and that every error is one of the rule's `alias_of` codes.
pub fn alias_errors(bad: &str, rule: &str) -> Vec<&'static str> {
    let meta = crate::lint::find_rule(rule)
        .unwrap_or_else(|| panic!("no rule {rule}"))
        .meta();
    assert!(meta.is_alias(), "{rule} is not an alias");
    let compiled = compile_sources(&[("schema.yaml".into(), bad.into())]);
    let codes: Vec<&'static str> = compiled
        .diagnostics
        .sorted()
        .iter()
        .filter(|d| d.severity == crate::diagnostics::Severity::Error)
        .map(|d| d.code)
        .collect();
    assert!(!codes.is_empty(), "the {rule} fixture compiles");
    for c in &codes {
        assert!(
            meta.alias_of.contains(c),
            "{rule} is an alias of {:?}, the fixture reports {c}",
            meta.alias_of
        );
    }
    codes
}

/// Fails when the model does not compile (the clean case of an alias rule).
pub fn assert_compiles(yaml: &str) {
    let _ = lint(yaml);
}
