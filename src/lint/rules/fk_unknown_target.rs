//! SC102 `fk-unknown-target` (an alias of E203, E204, E305).

use crate::declare_rule;
use crate::lint::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// A foreign key points at a table that is neither in the model nor provided by the preset,
    /// at a column the target does not have, or lists a different number of columns than it
    /// references.
    ///
    /// **This check has one home: validation.** The model does not compile, so `schemac build` and
    /// `schemac lint` both report it as a hard error — `E203` (unknown table), `E204` (unknown
    /// column) or `E305` (column counts differ) in `docs/diagnostics.md`. The rule is an alias of
    /// `E203`, `E204`, `E305`: it stays registered for its code and docs and reports nothing
    /// itself. It cannot be turned off, re-levelled or suppressed; naming it in `lint.rules` or
    /// `lint: { allow: … }` is reported as `SC018` (`alias-rule-configured`).
    ///
    /// ## Why is this bad?
    /// PostgreSQL rejects the `CREATE TABLE`, so the migration would fail.
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   notes:
    ///     columns:
    ///       id: { type: bigint, primary_key: true }
    ///       author_id: { type: bigint, references: autors.id }
    /// ```
    ///
    /// Use instead: `references: authors.id`, a table of the model or of the preset.
    pub FkUnknownTarget {
        code: "SC102", name: "fk-unknown-target",
        category: Integrity, level: Error, target: Model,
        alias_of: ["E203", "E204", "E305"],
    }
}

impl Rule for FkUnknownTarget {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{alias_errors, assert_compiles};

    #[test]
    fn fk_unknown_target_violation() {
        // The check lives in validation: the model does not compile.
        let codes = alias_errors(
            "version: 1\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      author_id: { type: bigint, references: autors.id }\n",
            "SC102",
        );
        assert_eq!(codes, ["E203"]);
    }

    #[test]
    fn fk_unknown_target_ok() {
        assert_compiles(
            "version: 1\ntables:\n  authors:\n    columns:\n      id: { type: bigint, primary_key: true }\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      author_id: { type: bigint, references: authors.id }\n    indexes: [ { columns: [author_id] } ]\n",
        );
    }
}
