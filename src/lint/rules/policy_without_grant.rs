//! SC405 `policy-without-grant`.

use super::{COMMANDS, privilege};
use crate::declare_rule;
use crate::ir::PolicyCommand;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a policy that names a role (`to: [...]`) which does not hold the privilege for the
    /// policy's command on the table: SELECT for `for: select`, and so on; a `for: all` policy is
    /// flagged when the role holds none of SELECT, INSERT, UPDATE and DELETE. Privileges are the
    /// effective ones: explicit `grants:` minus `revoke:`, plus, only for projects that declare
    /// `supabase: { auto_expose_new_tables: true }`, the platform's automatic grants on exposed
    /// schemas. Only roles whose privileges the model knows are checked: the client roles,
    /// `service_role` and the roles the model declares; PUBLIC policies are never flagged.
    ///
    /// ## Why is this bad?
    /// PostgreSQL checks privileges before row level security, so the request fails with
    /// `permission denied` (42501) and the policy can never apply. Today's Supabase grants new
    /// tables to nobody (the Data API is secure by default), so a migration with RLS and
    /// policies but no GRANT applies cleanly and then fails on the first client call in
    /// production. `service_role` bypasses RLS, not privileges: it needs grants too.
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     rls:
    ///       policies:
    ///         public_read: { for: select, to: [anon], using: "published" }
    /// ```
    ///
    /// Use instead: grant the command (`grants: { anon: [select] }`), or remove the role from the
    /// policy.
    pub PolicyWithoutGrant {
        code: "SC405", name: "policy-without-grant",
        category: Security, level: Error, target: Model,
    }
}

impl Rule for PolicyWithoutGrant {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let known = |role: &str| {
            cx.settings.client_roles.iter().any(|r| r == role)
                || cx.model.roles.contains_key(role)
                || (cx.model.preset == crate::ir::Preset::Supabase && role == "service_role")
        };
        for t in cx.model.tables.values() {
            for p in t.policies.values() {
                let commands: &[PolicyCommand] = match p.command {
                    PolicyCommand::All => &COMMANDS,
                    PolicyCommand::Select => &[PolicyCommand::Select],
                    PolicyCommand::Insert => &[PolicyCommand::Insert],
                    PolicyCommand::Update => &[PolicyCommand::Update],
                    PolicyCommand::Delete => &[PolicyCommand::Delete],
                };
                for role in &p.roles {
                    if role.value == "public" || !known(&role.value) {
                        continue;
                    }
                    if commands.iter().any(|c| {
                        cx.access
                            .relation_allows(&t.name, &role.value, privilege(*c))
                    }) {
                        continue;
                    }
                    let what = match p.command {
                        PolicyCommand::All => "any of SELECT, INSERT, UPDATE, DELETE".to_string(),
                        c => c.sql().to_string(),
                    };
                    out.push(
                        Self::META
                            .finding(
                                Object::Policy(t.name.clone(), p.name.clone()),
                                format!(
                                    "policy `{}` on `{}` is for `{}`, which does not hold {what} on the table, so it never applies",
                                    p.name,
                                    cx.short(&t.name),
                                    role.value
                                ),
                            )
                            .discriminator(role.value.clone())
                            .at(
                                role.span,
                                match p.command {
                                    PolicyCommand::All => format!(
                                        "`{}` holds none of SELECT, INSERT, UPDATE, DELETE",
                                        role.value
                                    ),
                                    _ => format!("`{}` has no {what} privilege", role.value),
                                },
                            )
                            .help(format!(
                                "grant the command to `{}` or remove the role from the policy",
                                role.value
                            )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      published: boolean\nGRANTS    rls:\n      policies:\n        public_read: { for: select, to: [anon], using: \"published\" }\n        admin_all: { for: all, to: [service_role], using: \"true\" }\n";

    /// Today's platform: nothing is granted unless the model grants it.
    #[test]
    fn policy_without_grant_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("GRANTS", "    grants: { anon: [insert] }\n"),
            "SC405"
        ));
    }

    #[test]
    fn policy_without_grant_ok() {
        assert_clean(
            &MODEL.replace(
                "GRANTS",
                "    grants: { anon: [select], service_role: [select, insert, update, delete] }\n",
            ),
            "SC405",
        );
        // A project that still auto-exposes: the platform's grants count.
        assert_clean(
            &format!(
                "{}supabase: {{ auto_expose_new_tables: true }}\n",
                MODEL.replace("GRANTS", "")
            ),
            "SC405",
        );
    }

    #[test]
    fn policy_without_grant_revoked_default_violation() {
        insta::assert_snapshot!(violations(
            &format!(
                "{}supabase: {{ auto_expose_new_tables: true }}\n",
                MODEL.replace("GRANTS", "    revoke: { anon: [all] }\n")
            ),
            "SC405"
        ));
    }
}
