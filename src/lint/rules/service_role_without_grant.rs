//! SC417 `service-role-without-grant`.

use crate::declare_rule;
use crate::ir::Preset;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::preset::privileges::TABLE_ALL;

declare_rule! {
    /// ## What it does
    /// On `preset: supabase`, flags a table or view in an exposed schema on which a client role
    /// (`anon`, `authenticated`) holds a privilege while `service_role` holds none. Privileges
    /// are the effective ones: `grants:` minus `revoke:`, plus the platform's automatic grants in
    /// a project with `supabase: { auto_expose_new_tables: true }`.
    ///
    /// ## Why is this bad?
    /// `service_role` bypasses row level security, not privileges. On today's Supabase nothing
    /// is granted automatically, so server code using the service key (Edge Functions, admin
    /// jobs) fails with `42501 permission denied` on a table every client can reach.
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     grants: { authenticated: [select, insert] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///     grants: { authenticated: [select, insert], service_role: [select, insert, update, delete] }
    /// ```
    pub ServiceRoleWithoutGrant {
        code: "SC417", name: "service-role-without-grant",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for ServiceRoleWithoutGrant {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let m = cx.model;
        if m.preset != Preset::Supabase {
            return;
        }
        let relations = m
            .tables
            .values()
            .map(|t| (&t.name, t.origin, Object::Table(t.name.clone())))
            .chain(
                m.views
                    .values()
                    .map(|v| (&v.name, v.origin, Object::View(v.name.clone()))),
            );
        for (name, origin, object) in relations {
            if !cx.settings.exposed(&name.schema) {
                continue;
            }
            let holds_any = |role: &str| {
                TABLE_ALL
                    .iter()
                    .any(|p| cx.access.relation_allows(name, role, p))
            };
            let Some(client) = cx
                .settings
                .client_roles
                .iter()
                .filter(|r| *r != "service_role")
                .find(|r| holds_any(r))
            else {
                continue;
            };
            if holds_any("service_role") {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        object,
                        format!(
                            "`{client}` holds privileges on `{}`, but `service_role` holds none, so server code with the service key gets `permission denied`",
                            cx.short(name)
                        ),
                    )
                    .at(origin, "no privilege for `service_role`")
                    .help("grant what the server side needs: `grants: { service_role: [select, insert, update, delete] }`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    grants: { authenticated: [select]SERVICE }\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\n";

    #[test]
    fn service_role_without_grant_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("SERVICE", ""), "SC417"));
    }

    #[test]
    fn service_role_without_grant_ok() {
        assert_clean(
            &MODEL.replace("SERVICE", ", service_role: [select, delete]"),
            "SC417",
        );
        // A project that auto-exposes grants service_role too.
        assert_clean(
            &format!(
                "{}supabase: {{ auto_expose_new_tables: true }}\n",
                MODEL.replace("SERVICE", "")
            ),
            "SC417",
        );
    }
}
