//! SC404 `granted-command-without-policy`.

use super::{COMMANDS, policy_applies_to, policy_covers, privilege};
use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// On a table with row level security and at least one policy, flags a client role that
    /// holds SELECT, INSERT, UPDATE or DELETE — explicitly (`grants:`), or, in a project that
    /// declares `supabase: { auto_expose_new_tables: true }`, through the platform's automatic
    /// grants on exposed schemas unless `revoke:` takes them back — while no
    /// **permissive** policy for that role (or PUBLIC) covers the command (or ALL). Restrictive
    /// policies never allow anything on their own.
    ///
    /// ## Why is this bad?
    /// RLS denies by default, so the grant is dead: the command fails or sees no rows. Either a
    /// policy is missing, or the grant is broader than needed and should be revoked (least
    /// privilege; the next policy someone adds would silently open it).
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     grants: { authenticated: [select, insert, update, delete] }
    ///     rls:
    ///       policies:
    ///         own_select: { for: select, to: [authenticated], using: "(select auth.uid()) = user_id" }
    /// ```
    ///
    /// Use instead: grant only what a policy allows (`grants: { authenticated: [select] }`), or
    /// add the policies. In a project that auto-exposes, revoke the rest:
    /// ```yaml
    ///     revoke: { anon: [all], authenticated: [insert, update, delete] }
    /// ```
    ///
    /// A table without row level security that grants a client role anything is SC401's
    /// finding (`rls-disabled`, an error).
    pub GrantedCommandWithoutPolicy {
        code: "SC404", name: "granted-command-without-policy",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for GrantedCommandWithoutPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            if !t.rls.enabled || t.policies.is_empty() {
                continue;
            }
            for role in &cx.settings.client_roles {
                let missing: Vec<&str> = COMMANDS
                    .iter()
                    .filter(|c| cx.access.relation_allows(&t.name, role, privilege(**c)))
                    .filter(|c| {
                        !t.policies.values().any(|p| {
                            p.permissive && policy_covers(p, **c) && policy_applies_to(p, role)
                        })
                    })
                    .map(|c| c.sql())
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let how = if t.grants.contains_key(role) {
                    "granted"
                } else {
                    "granted by the platform"
                };
                let span =
                    crate::ir::privilege_span(&t.privilege_spans, false, role, None, t.origin);
                out.push(
                    Self::META
                        .finding(
                            Object::Table(t.name.clone()),
                            format!(
                                "`{role}` is {how} {} on `{}`, but no permissive policy allows it, so RLS denies it",
                                missing.join(", "),
                                cx.short(&t.name)
                            ),
                        )
                        .discriminator(role.clone())
                        .at(span, format!("`{role}` may {} here", missing.join(", ")))
                        .help(if t.grants.contains_key(role) {
                            format!(
                                "add a policy for `{role}` or take {} out of its `grants:`",
                                missing.join(", ").to_lowercase()
                            )
                        } else {
                            format!(
                                "add a policy for `{role}` or revoke it: `revoke: {{ {role}: [{}] }}`",
                                missing.join(", ").to_lowercase()
                            )
                        }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    rls:\n      policies:\n        own_select: { for: select, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\n        only_mine: { for: all, as: restrictive, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\nREVOKE";

    #[test]
    fn granted_command_without_policy_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace(
                "REVOKE",
                "    grants: { authenticated: [select, insert, update, delete] }\n"
            ),
            "SC404"
        ));
    }

    /// A project that still auto-exposes: the platform's grants are grants too.
    #[test]
    fn granted_command_without_policy_auto_expose_violation() {
        insta::assert_snapshot!(violations(
            &format!(
                "{}supabase: {{ auto_expose_new_tables: true }}\n",
                MODEL.replace("REVOKE", "")
            ),
            "SC404"
        ));
    }

    #[test]
    fn granted_command_without_policy_ok() {
        assert_clean(
            &MODEL.replace(
                "REVOKE",
                "    revoke: { anon: [all], authenticated: [insert, update, delete] }\n",
            ),
            "SC404",
        );
    }
}
