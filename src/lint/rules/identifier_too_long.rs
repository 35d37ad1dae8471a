//! SC701 `identifier-too-long` (an alias of E306).

use crate::declare_rule;
use crate::lint::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// An identifier is longer than 63 bytes of UTF-8: a schema, table, column, enum or value,
    /// function, trigger, policy, or a constraint or index name — including the names schemac
    /// generates, such as `<table>_<cols>_fkey`.
    ///
    /// **This check has one home: validation.** It is the hard error `E306`
    /// (`identifier-too-long`), reported after name generation by `schemac build` and `schemac
    /// lint` alike. The rule is an alias of `E306`: it stays registered for its code and docs and
    /// reports nothing itself. It cannot be turned off, re-levelled or suppressed; naming it in
    /// `lint.rules` or `lint: { allow: … }` is reported as `SC018` (`alias-rule-configured`).
    ///
    /// ## Why is this bad?
    /// PostgreSQL silently truncates identifiers to 63 bytes, so two long names can collide and
    /// the database's names differ from the model's.
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   subscription_renewal_notifications:
    ///     columns:
    ///       subscription_renewal_notification_recipient_id: { type: bigint, references: users.id }
    /// ```
    ///
    /// Use instead: shorter names, or `name:` on the constraint or index to shorten a generated
    /// one.
    pub IdentifierTooLong {
        code: "SC701", name: "identifier-too-long",
        category: Naming, level: Error, target: Model,
        alias_of: ["E306"],
    }
}

impl Rule for IdentifierTooLong {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{alias_errors, assert_compiles};

    #[test]
    fn identifier_too_long_violation() {
        let long = "a".repeat(64);
        let codes = alias_errors(
            &format!(
                "version: 1\ntables:\n  {long}:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n"
            ),
            "SC701",
        );
        assert!(codes.contains(&"E306"), "{codes:?}");
    }

    #[test]
    fn identifier_too_long_ok() {
        let name = "a".repeat(40);
        assert_compiles(&format!(
            "version: 1\ntables:\n  {name}:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n"
        ));
    }
}
