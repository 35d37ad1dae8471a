//! SC204 `prefer-identity-over-serial` (an alias of E202).

use crate::declare_rule;
use crate::lint::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// A column of type `serial`, `bigserial`, `smallserial` (or `serial4`, `serial8`).
    ///
    /// **This check has one home: resolution.** schemac does not accept the serial pseudo-types at
    /// all, so `schemac build` and `schemac lint` both report them as the hard error `E202`
    /// (unknown type, with the identity column to use instead) in `docs/diagnostics.md`. The rule
    /// is an alias of `E202`: it stays registered for its code and docs and reports nothing itself.
    /// It cannot be turned off, re-levelled or suppressed; naming it in `lint.rules` or `lint: {
    /// allow: … }` is reported as `SC018` (`alias-rule-configured`).
    ///
    /// ## Why is this bad?
    /// A serial column is an integer with a separately owned sequence: grants, dumps and copies
    /// of the table treat the sequence apart, and nothing stops inserts that bypass it. Identity
    /// columns are the SQL-standard replacement and keep the sequence tied to the column.
    ///
    /// ## Example
    /// ```yaml
    ///       id: { type: bigserial, primary_key: true }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///       id: { type: bigint, identity: always, primary_key: true }
    /// ```
    pub PreferIdentityOverSerial {
        code: "SC204", name: "prefer-identity-over-serial",
        category: Integrity, level: Error, target: Model,
        alias_of: ["E202"],
    }
}

impl Rule for PreferIdentityOverSerial {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{alias_errors, assert_compiles};

    const MODEL: &str =
        "version: 1\ntables:\n  notes:\n    columns:\n      id: { type: ID, primary_key: true }\n";

    #[test]
    fn prefer_identity_over_serial_violation() {
        // The check lives in resolution: the model does not compile.
        let codes = alias_errors(&MODEL.replace("ID", "bigserial"), "SC204");
        assert_eq!(codes, ["E202"]);
    }

    #[test]
    fn prefer_identity_over_serial_ok() {
        assert_compiles(&MODEL.replace("ID", "bigint, identity: always"));
    }
}
