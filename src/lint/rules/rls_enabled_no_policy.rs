//! SC402 `rls-enabled-no-policy`.

use super::COMMANDS;
use super::privilege;
use crate::declare_rule;
use crate::lint::{Finding, Level, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a table with row level security enabled and no policy at all. When client roles hold
    /// privileges on it (explicitly, or through Supabase's default grants), the table is
    /// unusable through the API: a warning. When they hold none it is probably a deliberately
    /// private table: info. `granted-command-without-policy` (SC404) is not also reported.
    ///
    /// ## Why is this bad?
    /// RLS denies everything that no permissive policy allows, so every client query returns no
    /// rows and every write fails — usually a forgotten policy, not a decision.
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     columns: { id: { type: bigint, primary_key: true }, user_id: uuid }
    ///     rls: true
    /// ```
    ///
    /// Use instead: add the policies clients need, or revoke their privileges when the table is
    /// server-only:
    /// ```yaml
    ///     revoke: { anon: [all], authenticated: [all] }
    /// ```
    pub RlsEnabledNoPolicy {
        code: "SC402", name: "rls-enabled-no-policy",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for RlsEnabledNoPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            if !t.rls.enabled || !t.policies.is_empty() {
                continue;
            }
            let granted: Vec<String> = cx
                .settings
                .client_roles
                .iter()
                .filter(|r| {
                    COMMANDS
                        .iter()
                        .any(|c| cx.access.relation_allows(&t.name, r, privilege(*c)))
                })
                .cloned()
                .collect();
            let (msg, level) = if granted.is_empty() {
                (
                    "no client role holds a privilege, so only roles that bypass RLS use it"
                        .to_string(),
                    Level::Info,
                )
            } else {
                (
                    format!(
                        "{} hold privileges on it, but RLS denies them every row",
                        granted.join(" and ")
                    ),
                    Level::Warn,
                )
            };
            out.push(
                Self::META
                    .finding(
                        Object::Table(t.name.clone()),
                        format!(
                            "table `{}` has row level security enabled and no policy: {msg}",
                            cx.short(&t.name)
                        ),
                    )
                    .level(level)
                    .at(t.origin, "RLS without policies")
                    .help("add the policies clients need, or revoke the client roles' privileges if the table is server-only"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nsupabase: { auto_expose_new_tables: true }\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\nREST";

    #[test]
    fn rls_enabled_no_policy_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("REST", "    rls: true\n"),
            "SC402"
        ));
    }

    #[test]
    fn rls_enabled_no_policy_ok() {
        assert_clean(
            &MODEL.replace(
                "REST",
                "    revoke: { anon: [all] }\n    rls:\n      policies:\n        own: { for: all, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\n",
            ),
            "SC402",
        );
    }
}
