//! SC104 `fk-target-not-unique` (an alias of E304).

use crate::declare_rule;
use crate::lint::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// A foreign key references a column set that is not exactly covered by the target's primary
    /// key, a UNIQUE constraint, or a unique index without a predicate or expression keys.
    ///
    /// **This check has one home: validation.** The model does not compile, so `schemac build` and
    /// `schemac lint` both report it as the hard error `E304` in `docs/diagnostics.md`. The rule is
    /// an alias of `E304`: it stays registered for its code and docs and reports nothing itself. It
    /// cannot be turned off, re-levelled or suppressed; naming it in `lint.rules` or `lint: {
    /// allow: … }` is reported as `SC018` (`alias-rule-configured`).
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
        alias_of: ["E304"],
    }
}

impl Rule for FkTargetNotUnique {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{alias_errors, assert_compiles};

    const MODEL: &str = "version: 1\ntables:\n  authors:\n    columns:\n      id: { type: bigint, primary_key: true }\n      email: { type: text UNIQUE }\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      author_email: { type: text, references: authors.email }\n    indexes: [ { columns: [author_email] } ]\n";

    #[test]
    fn fk_target_not_unique_violation() {
        // The check lives in validation: the model does not compile.
        let codes = alias_errors(&MODEL.replace(" UNIQUE", ""), "SC104");
        assert_eq!(codes, ["E304"]);
    }

    #[test]
    fn fk_target_not_unique_ok() {
        assert_compiles(&MODEL.replace(" UNIQUE", ", unique: true"));
    }
}
