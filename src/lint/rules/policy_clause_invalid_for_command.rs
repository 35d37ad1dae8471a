//! SC407 `policy-clause-invalid-for-command` (an alias of E311, E104).

use crate::declare_rule;
use crate::lint::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// An INSERT policy has `using`, a SELECT or DELETE policy has `with_check`, or a policy has
    /// neither clause.
    ///
    /// **This check has one home: validation.** A clause the command does not allow is the hard
    /// error `E311` (`invalid-policy-clause`) and a policy with neither clause is `E104`
    /// (`missing-key`), reported by `schemac build` and `schemac lint` alike. The rule is an alias
    /// of `E311`, `E104`: it stays registered for its code and docs and reports nothing itself. It
    /// cannot be turned off, re-levelled or suppressed; naming it in `lint.rules` or `lint: {
    /// allow: … }` is reported as `SC018` (`alias-rule-configured`).
    ///
    /// ## Why is this bad?
    /// PostgreSQL rejects `CREATE POLICY` with a clause its command does not take, so the
    /// migration would fail; a policy with neither clause would not express any rule.
    ///
    /// ## Example
    /// ```yaml
    ///         own_insert: { for: insert, to: [authenticated], using: "(select auth.uid()) = user_id" }
    /// ```
    ///
    /// Use instead: `with_check: "(select auth.uid()) = user_id"` (INSERT checks new rows only).
    pub PolicyClauseInvalidForCommand {
        code: "SC407", name: "policy-clause-invalid-for-command",
        category: Security, level: Error, target: Model,
        alias_of: ["E311", "E104"],
    }
}

impl Rule for PolicyClauseInvalidForCommand {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{alias_errors, assert_compiles};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all], authenticated: [select, update, delete] }\n    rls:\n      policies:\n        own_insert: { for: insert, to: [authenticated], CLAUSE: \"(select auth.uid()) = user_id\" }\n";

    #[test]
    fn policy_clause_invalid_for_command_violation() {
        let codes = alias_errors(&MODEL.replace("CLAUSE", "using"), "SC407");
        assert_eq!(codes, ["E311"]);
    }

    #[test]
    fn policy_clause_invalid_for_command_ok() {
        assert_compiles(&MODEL.replace("CLAUSE", "with_check"));
    }
}
