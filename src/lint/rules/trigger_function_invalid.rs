//! SC110 `trigger-function-invalid` (an alias of E205, E307).

use crate::declare_rule;
use crate::lint::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// A trigger calls a function that is neither in the model nor provided by the preset, calls
    /// a function that does not return `trigger`, or combines timing and level in a way
    /// PostgreSQL rejects (an INSTEAD OF trigger on a table, a FOR EACH ROW trigger on TRUNCATE,
    /// an `of` column list without an UPDATE event).
    ///
    /// **This check has one home: the compiler.** The model does not compile, so `schemac build`
    /// and `schemac lint` both report it as a hard error — `E205` (unknown function) or `E307`
    /// (conflicting options) in `docs/diagnostics.md`. The rule is an alias of `E205`, `E307`: it
    /// stays registered for its code and docs and reports nothing itself. It cannot be turned off,
    /// re-levelled or suppressed; naming it in `lint.rules` or `lint: { allow: … }` is reported as
    /// `SC018` (`alias-rule-configured`).
    ///
    /// ## Why is this bad?
    /// PostgreSQL rejects the `CREATE TRIGGER`, so the migration would fail.
    ///
    /// ## Example
    /// ```yaml
    ///     triggers:
    ///       touch:
    ///         before: [update]
    ///         function: set_updated_at     # declared with `returns: void`
    /// ```
    ///
    /// Use instead: declare the function under `functions:` with `returns: trigger`.
    pub TriggerFunctionInvalid {
        code: "SC110", name: "trigger-function-invalid",
        category: Integrity, level: Error, target: Model,
        alias_of: ["E205", "E307"],
    }
}

impl Rule for TriggerFunctionInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{alias_errors, assert_compiles};

    const MODEL: &str = "version: 1\nfunctions:\n  touch:\n    returns: RETURNS\n    language: plpgsql\n    body: \"begin new.n := 1; return new; end\"\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: integer\n    triggers:\n      touch:\n        before: [update]\n        function: touch\n";

    #[test]
    fn trigger_function_invalid_violation() {
        // The check lives in validation: the model does not compile.
        let codes = alias_errors(&MODEL.replace("RETURNS", "void"), "SC110");
        assert_eq!(codes, ["E307"]);
    }

    #[test]
    fn trigger_function_invalid_ok() {
        assert_compiles(&MODEL.replace("RETURNS", "trigger"));
    }
}
