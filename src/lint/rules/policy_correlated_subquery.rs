//! SC414 `policy-correlated-subquery`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::load::yaml::fragment_span;

declare_rule! {
    /// ## What it does
    /// Flags a policy whose `using` or `with_check` contains a subquery that refers back to a
    /// column of the row being checked (a correlated subquery), such as
    /// `exists (select 1 from members m where m.team_id = notes.team_id and m.user_id = (select auth.uid()))`.
    /// The expression is parsed and names are resolved scope by scope, as PostgreSQL does: a
    /// name inside the subquery that a table of the subquery has is not a reference to the row.
    ///
    /// ## Why is this bad?
    /// A correlated subquery runs once per row the query touches, so a policy that joins back
    /// to the row makes every read scale with the table. A subquery that computes the set of
    /// allowed keys for the current user runs once per statement and can use an index.
    ///
    /// ## Example
    /// ```yaml
    ///         team_read:
    ///           for: select
    ///           to: [authenticated]
    ///           using: "exists (select 1 from members m where m.team_id = notes.team_id and m.user_id = (select auth.uid()))"
    /// ```
    ///
    /// Use instead: `using: "team_id in (select team_id from members where user_id = (select auth.uid()))"`.
    pub PolicyCorrelatedSubquery {
        code: "SC414", name: "policy-correlated-subquery",
        category: Performance, level: Info, target: Model,
    }
}

impl Rule for PolicyCorrelatedSubquery {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for p in t.policies.values() {
                for (clause, value) in [("using", &p.using), ("with_check", &p.with_check)] {
                    let Some(value) = value else { continue };
                    // Validation resolved the names already (the same analysis, kept).
                    let Some(first) = cx.outer_refs(value, &t.name).first() else {
                        continue;
                    };
                    out.push(
                        Self::META
                            .finding(
                                Object::Policy(t.name.clone(), p.name.clone()),
                                format!(
                                    "the `{clause}` of policy `{}` on `{}` has a subquery that reads `{}` of the row, so it runs once per row",
                                    p.name,
                                    cx.short(&t.name),
                                    first.name
                                ),
                            )
                            .discriminator(clause)
                            .at(fragment_span(cx.sources, value, first.at), "refers to the row")
                            .help("compare a column with a set computed once, such as `team_id in (select team_id from members where user_id = (select auth.uid()))`"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  members:\n    columns:\n      team_id: bigint\n      user_id: uuid\n    primary_key: [team_id, user_id]\n    revoke: { anon: [all], authenticated: [all] }\n    rls: true\n    lint: { allow: { rls-enabled-no-policy: \"read through policies only\" } }\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      team_id: bigint\n    indexes: [ { columns: [team_id] } ]\n    revoke: { anon: [all], authenticated: [insert, update, delete] }\n    rls:\n      policies:\n        team_read:\n          for: select\n          to: [authenticated]\n          using: \"EXPR\"\n";

    #[test]
    fn policy_correlated_subquery_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace(
                "EXPR",
                "exists (select 1 from members m where m.team_id = notes.team_id and m.user_id = (select auth.uid()))"
            ),
            "SC414"
        ));
    }

    #[test]
    fn policy_correlated_subquery_unqualified_violation() {
        // `id` is not a column of `members`, so it is the row's.
        insta::assert_snapshot!(violations(
            &MODEL.replace(
                "EXPR",
                "exists (select 1 from members where members.team_id = id and user_id = (select auth.uid()))"
            ),
            "SC414"
        ));
    }

    #[test]
    fn policy_correlated_subquery_ok() {
        // `team_id` and `user_id` inside the subquery are the columns of `members`.
        assert_clean(
            &MODEL.replace(
                "EXPR",
                "team_id in (select team_id from members where user_id = (select auth.uid()))",
            ),
            "SC414",
        );
    }
}
