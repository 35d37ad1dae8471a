//! Lint findings as the records of machine-readable output, and the SARIF rule descriptors.
//!
//! Input: compiler diagnostics (E-codes, when the model does not compile) and lint findings,
//! with the [`SourceMap`]. Output: [`Record`]s, the one shape of `crate::diagnostics::output`
//! (which writes JSON, SARIF and GitHub for every command), and [`sarif_rules`]. Invariants: a
//! finding's record has the same fields as its [`Finding::diagnostic`] through
//! [`Record::of`] (a test checks it), built without copying the finding's texts; records keep
//! the input order, which is sorted by the caller.

use std::borrow::Cow;

use serde_json::json;

use super::{Finding, Report};
use crate::diagnostics::Diagnostic;
use crate::diagnostics::output::{Record, compile_rules};
use crate::source::SourceMap;

pub use crate::diagnostics::output::{github, json, sarif};

/// Records of compiler diagnostics followed by lint findings.
pub fn records<'a>(
    compile: &[&'a Diagnostic],
    report: &'a Report,
    sources: &'a SourceMap,
) -> Vec<Record<'a>> {
    let mut out = Vec::with_capacity(compile.len() + report.findings.len());
    out.extend(compile.iter().map(|d| Record::of(d, sources)));
    out.extend(report.findings.iter().filter_map(|f| record(f, sources)));
    out
}

/// The record of one finding (`None` when its level is `off`); the same fields as the
/// finding's [`Finding::diagnostic`] through [`Record::of`], without building either.
pub fn record<'a>(f: &'a Finding, sources: &'a SourceMap) -> Option<Record<'a>> {
    let severity = f.level.severity()?;
    let mut r = Record {
        code: Cow::Borrowed(f.rule.code),
        name: Cow::Borrowed(f.rule.name),
        severity,
        category: Cow::Borrowed(f.rule.category.as_str()),
        object: Some(Cow::Borrowed(&f.object)),
        message: Cow::Borrowed(&f.message),
        help: Cow::Borrowed(&f.help),
        label: None,
        url: Cow::Owned(f.rule.docs_url()),
        file: None,
        line: None,
        column: None,
        end_line: None,
        end_column: None,
        fingerprint: Cow::Owned(f.fingerprint()),
    };
    if let Some((span, label)) = &f.primary {
        r.label = Some(Cow::Borrowed(label));
        r.locate(sources, *span);
    }
    Some(r)
}

/// The SARIF rule descriptors: every lint rule, then every compiler code. An alias of compiler
/// errors says so in `properties.aliasOf`.
pub fn sarif_rules() -> Vec<serde_json::Value> {
    let mut rules = Vec::new();
    for r in super::ALL_RULES {
        let m = r.meta();
        let mut properties = json!({
            "category": m.category.as_str(),
            "tags": [m.category.as_str()],
            // `helpUri` must be an absolute URI; the docs path is relative to the repository.
            "docs": m.docs_url(),
        });
        if m.is_alias()
            && let Some(p) = properties.as_object_mut()
        {
            p.insert("aliasOf".to_string(), json!(m.alias_of));
        }
        rules.push(json!({
            "id": m.code,
            "name": m.name,
            "shortDescription": { "text": m.summary() },
            "fullDescription": { "text": m.summary() },
            "help": { "text": m.docs(), "markdown": m.docs() },
            "defaultConfiguration": {
                "enabled": m.default_level != super::Level::Off,
                "level": match m.default_level {
                    super::Level::Error => "error",
                    super::Level::Warn => "warning",
                    super::Level::Info | super::Level::Off => "note",
                },
            },
            "properties": properties,
        }));
    }
    rules.extend(compile_rules());
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::test_utils::lint;

    /// The fast path and the diagnostic give one record, field for field.
    #[test]
    fn a_findings_record_equals_its_diagnostics_record() {
        let (compiled, report) = lint(
            "version: 1\ntables:\n  notes:\n    columns:\n      body: text\n    lint: { allow: { SC999: \"x\" } }\n",
        );
        assert!(report.findings.len() >= 2);
        for f in &report.findings {
            let d = f.diagnostic().unwrap();
            let direct = record(f, &compiled.sources).unwrap();
            assert_eq!(direct, Record::of(&d, &compiled.sources), "{}", f.rule.code);
        }
    }
}
