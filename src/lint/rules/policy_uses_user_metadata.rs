//! SC413 `policy-uses-user-metadata`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::load::yaml::fragment_span;

declare_rule! {
    /// ## What it does
    /// Flags a policy that reads `user_metadata` from `auth.jwt()` or from the
    /// `request.jwt.claims` setting (`->`, `->>`, `#>`, `#>>`), found on the parsed expression.
    ///
    /// ## Why is this bad?
    /// Users can change their own `user_metadata` (`supabase.auth.updateUser({ data })`), so a
    /// policy that trusts it lets anyone grant themselves access.
    ///
    /// ## Example
    /// ```yaml
    ///           using: "(select auth.jwt() -> 'user_metadata' ->> 'role') = 'admin'"
    /// ```
    ///
    /// Use instead: `app_metadata`, which only the server can write:
    /// `using: "(select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin'"`.
    pub PolicyUsesUserMetadata {
        code: "SC413", name: "policy-uses-user-metadata",
        category: Security, level: Error, target: Model,
    }
}

impl Rule for PolicyUsesUserMetadata {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for (table, p) in cx.policies() {
            for (clause, value) in [("using", &p.using), ("with_check", &p.with_check)] {
                let Some(value) = value else { continue };
                let Some(facts) = cx.facts(value) else {
                    continue;
                };
                if let Some(&at) = facts.user_metadata.first() {
                    out.push(
                        Self::META
                            .finding(
                                Object::Policy(table.clone(), p.name.clone()),
                                format!(
                                    "the `{clause}` of policy `{}` on `{}` trusts `user_metadata`, which users can edit",
                                    p.name,
                                    cx.short(table)
                                ),
                            )
                            .discriminator(clause)
                            .at(fragment_span(cx.sources, value, at), "user-editable claim")
                            .help("authorise on `app_metadata` (server-written) or on a table the user cannot change"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n    revoke: { anon: [all], authenticated: [insert, update, delete] }\n    rls:\n      policies:\n        admins: { for: select, to: [authenticated], using: \"(select auth.jwt() -> 'KEY' ->> 'role') = 'admin'\" }\n";

    #[test]
    fn policy_uses_user_metadata_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("KEY", "user_metadata"), "SC413"));
    }

    #[test]
    fn policy_uses_user_metadata_ok() {
        assert_clean(&MODEL.replace("KEY", "app_metadata"), "SC413");
    }

    /// Policies the model attaches to a platform table are linted like a table's.
    #[test]
    fn policy_uses_user_metadata_on_a_platform_table() {
        insta::assert_snapshot!(violations(
            "version: 1\npreset: supabase\npolicies:\n  storage.objects:\n    admins: { for: select, to: [authenticated], using: \"(select auth.jwt() -> 'user_metadata' ->> 'role') = 'admin'\" }\n",
            "SC413"
        ));
    }
}
