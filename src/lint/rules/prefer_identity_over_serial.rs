//! SC204 `prefer-identity-over-serial` (enforced by resolution).

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// A column of type `serial`, `bigserial`, `smallserial` (or `serial4`, `serial8`).
    ///
    /// **This check has one home: resolution.** schemac does not accept the serial pseudo-types
    /// at all, so `schemac build` and `schemac lint` both report them as the hard error `E202`
    /// (unknown type, with the identity column to use instead) in `docs/diagnostics.md`. The rule
    /// stays registered for its code and docs; it reports nothing itself and cannot be turned
    /// off or suppressed.
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
        category: Integrity, level: Warn, target: Model,
    }
}

impl Rule for PreferIdentityOverSerial {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Nothing: resolution reports E202 before lint runs.
    fn check(&self, _cx: &LintContext<'_>, _out: &mut Vec<Finding>) {}
}

#[cfg(test)]
mod tests {
    use crate::compile_sources;
    use crate::lint::test_utils::assert_clean;

    const MODEL: &str =
        "version: 1\ntables:\n  notes:\n    columns:\n      id: { type: ID, primary_key: true }\n";

    #[test]
    fn prefer_identity_over_serial_violation() {
        // The check lives in resolution: the model does not compile.
        let c = compile_sources(&[("schema.yaml".into(), MODEL.replace("ID", "bigserial"))]);
        let codes: Vec<&str> = c.diagnostics.sorted().iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E202"]);
    }

    #[test]
    fn prefer_identity_over_serial_ok() {
        assert_clean(&MODEL.replace("ID", "bigint, identity: always"), "SC204");
    }
}
