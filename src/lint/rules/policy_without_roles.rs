//! SC409 `policy-without-roles`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a policy without a `to:` list. Such a policy applies to PUBLIC: every role,
    /// including `anon`. A policy that says `to: [public]` is an explicit choice and is not
    /// flagged.
    ///
    /// ## Why is this bad?
    /// The policy is evaluated for roles it was probably not written for (an anonymous request
    /// runs it too), which is a security risk and costs time on every query. Naming the roles
    /// lets PostgreSQL skip the policy for everyone else. Note that Supabase's anonymous
    /// sign-ins also use the `authenticated` role, so `to: [authenticated]` does not exclude
    /// them.
    ///
    /// ## Example
    /// ```yaml
    ///         own_select: { for: select, using: "(select auth.uid()) = user_id" }
    /// ```
    ///
    /// Use instead: `own_select: { for: select, to: [authenticated], using: "(select auth.uid()) = user_id" }`.
    pub PolicyWithoutRoles {
        code: "SC409", name: "policy-without-roles",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for PolicyWithoutRoles {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for (table, p) in cx.policies().filter(|(_, p)| p.roles.is_empty()) {
            out.push(
                Self::META
                    .finding(
                        Object::Policy(table.clone(), p.name.clone()),
                        format!(
                            "policy `{}` on `{}` has no `to`, so it applies to every role (PUBLIC)",
                            p.name,
                            cx.short(table)
                        ),
                    )
                    .at(p.origin, "no `to:` here")
                    .help("name the roles the policy is for, such as `to: [authenticated]`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all], authenticated: [insert, update, delete] }\n    rls:\n      policies:\n        own_select: { for: select, TOusing: \"(select auth.uid()) = user_id\" }\n";

    #[test]
    fn policy_without_roles_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("TO", ""), "SC409"));
    }

    #[test]
    fn policy_without_roles_ok() {
        assert_clean(&MODEL.replace("TO", "to: [authenticated], "), "SC409");
    }

    /// Policies the model attaches to a platform table are linted like a table's.
    #[test]
    fn policy_without_roles_on_a_platform_table() {
        insta::assert_snapshot!(violations(
            "version: 1\npreset: supabase\npolicies:\n  storage.objects:\n    read_public: { for: select, using: \"bucket_id = 'public'\" }\n",
            "SC409"
        ));
    }
}
