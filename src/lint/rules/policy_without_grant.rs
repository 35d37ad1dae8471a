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
    /// effective ones (explicit `grants:`, Supabase's default grants on exposed schemas, minus
    /// `revoke:`). Only roles whose privileges the model knows are checked: the client roles and
    /// the roles the model declares; PUBLIC policies are never flagged.
    ///
    /// ## Why is this bad?
    /// PostgreSQL checks privileges before row level security, so the request fails with
    /// `permission denied` (42501) and the policy can never apply. Either the policy is dead
    /// code, or a grant is missing.
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     revoke: { anon: [all] }
    ///     rls:
    ///       policies:
    ///         public_read: { for: select, to: [anon], using: "published" }
    /// ```
    ///
    /// Use instead: grant the command (`grants: { anon: [select] }`), or remove the role from the
    /// policy.
    pub PolicyWithoutGrant {
        code: "SC405", name: "policy-without-grant",
        category: Security, level: Info, target: Model,
    }
}

impl Rule for PolicyWithoutGrant {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let known = |role: &str| {
            cx.settings.client_roles.iter().any(|r| r == role) || cx.model.roles.contains_key(role)
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
                            .at(role.span, format!("`{}` has no {what} privilege", role.value))
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

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      published: boolean\n    revoke: { anon: [REVOKED], authenticated: [all] }\n    rls:\n      policies:\n        public_read: { for: select, to: [anon], using: \"published\" }\n";

    #[test]
    fn policy_without_grant_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("REVOKED", "all"), "SC405"));
    }

    #[test]
    fn policy_without_grant_ok() {
        assert_clean(&MODEL.replace("REVOKED", "insert, update, delete"), "SC405");
    }
}
