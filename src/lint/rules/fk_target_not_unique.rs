//! SC104 `fk-target-not-unique` (enforced by validation).

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// A foreign key references a column set that is not exactly covered by the target's primary
    /// key, a UNIQUE constraint, or a unique index without a predicate or expression keys.
    ///
    /// **This check has one home: validation.** The model does not compile, so `schemac build`
    /// and `schemac lint` both report it as the hard error `E304` in `docs/diagnostics.md`. The
    /// rule stays registered for its code and docs; it reports nothing itself and cannot be
    /// turned off or suppressed.
    ///
    /// ## Why is this bad?
    /// PostgreSQL rejects the `CREATE TABLE` ("there is no unique constraint matching given keys
    /// for referenced table"): each referencing row must match at most one referenced row.
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   authors:
    ///     columns:
    ///       id: { type: bigint, primary_key: true }
    ///       email: text
    ///   notes:
    ///     columns:
    ///       id: { type: bigint, primary_key: true }
    ///       author_email: { type: text, references: authors.email }
    /// ```
    ///
    /// Use instead: reference the primary key (`references: authors.id`), or declare
    /// `email: { type: text, unique: true }` on the target.
    pub FkTargetNotUnique {
        code: "SC104", name: "fk-target-not-unique",
        category: Integrity, level: Error, target: Model,
    }
}

impl Rule for FkTargetNotUnique {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Nothing: validation reports E304 before lint runs.
    fn check(&self, _cx: &LintContext<'_>, _out: &mut Vec<Finding>) {}
}

#[cfg(test)]
mod tests {
    use crate::compile_sources;
    use crate::lint::test_utils::assert_clean;

    const MODEL: &str = "version: 1\ntables:\n  authors:\n    columns:\n      id: { type: bigint, primary_key: true }\n      email: { type: text UNIQUE }\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      author_email: { type: text, references: authors.email }\n    indexes: [ { columns: [author_email] } ]\n";

    #[test]
    fn fk_target_not_unique_violation() {
        // The check lives in validation: the model does not compile.
        let c = compile_sources(&[("schema.yaml".into(), MODEL.replace(" UNIQUE", ""))]);
        let codes: Vec<&str> = c.diagnostics.sorted().iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E304"]);
    }

    #[test]
    fn fk_target_not_unique_ok() {
        assert_clean(&MODEL.replace(" UNIQUE", ", unique: true"), "SC104");
    }
}
