//! SC406 `policy-unknown-column` (an alias of E302, E303).

use crate::declare_rule;
use crate::lint::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// A policy's `using` or `with_check` refers to a column that does not exist. Unqualified
    /// names resolve to the policy's table; qualified names and subqueries resolve against the
    /// model's tables and the preset's. The expression is parsed (sqlparser, PostgreSQL
    /// dialect) and walked scope by scope, never matched as text.
    ///
    /// **This check has one home: validation.** It is the hard error `E302` (`sql-unknown-column`;
    /// unknown tables and schema-qualified functions are `E303`), reported by `schemac build` and
    /// `schemac lint` alike. The rule is an alias of `E302`, `E303`: it stays registered for its
    /// code and docs and reports nothing itself. It cannot be turned off, re-levelled or
    /// suppressed; naming it in `lint.rules` or `lint: { allow: … }` is reported as `SC018`
    /// (`alias-rule-configured`).
    ///
    /// ## Why is this bad?
    /// PostgreSQL rejects `CREATE POLICY`, so the migration would fail.
    ///
    /// ## Example
    /// ```yaml
    ///       owner_select:
    ///         for: select
    ///         to: [authenticated]
    ///         using: "(select auth.uid()) = usr_id"
    /// ```
    ///
    /// Use instead: `using: "(select auth.uid()) = user_id"`.
    pub PolicyUnknownColumn {
        code: "SC406", name: "policy-unknown-column",
        category: Security, level: Error, target: Model,
        alias_of: ["E302", "E303"],
    }
}

impl Rule for PolicyUnknownColumn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{alias_errors, assert_compiles};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all] }\n    rls:\n      policies:\n        own:\n          to: [authenticated]\n          using: \"(select auth.uid()) = COL\"\n";

    #[test]
    fn policy_unknown_column_violation() {
        let codes = alias_errors(&MODEL.replace("COL", "usr_id"), "SC406");
        assert_eq!(codes, ["E302"]);
    }

    #[test]
    fn policy_unknown_column_ok() {
        assert_compiles(&MODEL.replace("COL", "user_id"));
    }

    /// A policy on a platform table is checked against the platform table's columns.
    #[test]
    fn policy_unknown_column_on_a_platform_table() {
        let model = "version: 1\npreset: supabase\npolicies:\n  storage.objects:\n    own: { for: select, to: [authenticated], using: \"(select auth.uid()) = COL\" }\n";
        let codes = alias_errors(&model.replace("COL", "owner_uuid"), "SC406");
        assert_eq!(codes, ["E302"]);
        assert_compiles(&model.replace("COL", "owner"));
    }
}
