//! SC408 `write-policy-without-select-policy`.

use super::{policy_applies_to, policy_covers};
use crate::declare_rule;
use crate::ir::PolicyCommand;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags an UPDATE or DELETE policy for a role that has no permissive SELECT (or ALL) policy
    /// on the same table.
    ///
    /// ## Why is this bad?
    /// PostgreSQL applies the SELECT policies to the rows an UPDATE or DELETE reads through its
    /// WHERE clause or RETURNING. Without one, `update … where id = $1` silently matches zero
    /// rows, which looks like success to the client.
    ///
    /// ## Example
    /// ```yaml
    ///       own_update: { for: update, to: [authenticated], using: "(select auth.uid()) = user_id" }
    /// ```
    ///
    /// Use instead: add the matching SELECT policy:
    /// ```yaml
    ///       own_select: { for: select, to: [authenticated], using: "(select auth.uid()) = user_id" }
    /// ```
    pub WritePolicyWithoutSelectPolicy {
        code: "SC408", name: "write-policy-without-select-policy",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for WritePolicyWithoutSelectPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for p in t.policies.values() {
                if !matches!(p.command, PolicyCommand::Update | PolicyCommand::Delete) {
                    continue;
                }
                let roles: Vec<&str> = if p.roles.is_empty() {
                    vec!["public"]
                } else {
                    p.roles.iter().map(|r| r.value.as_str()).collect()
                };
                let blind: Vec<&str> = roles
                    .into_iter()
                    .filter(|role| {
                        !t.policies.values().any(|s| {
                            s.permissive
                                && policy_covers(s, PolicyCommand::Select)
                                && policy_applies_to(s, role)
                        })
                    })
                    .collect();
                if blind.is_empty() {
                    continue;
                }
                out.push(
                    Self::META
                        .finding(
                            Object::Policy(t.name.clone(), p.name.clone()),
                            format!(
                                "{} policy `{}` on `{}` has no SELECT policy for {}, so its WHERE matches no rows",
                                p.command.sql(),
                                p.name,
                                cx.short(&t.name),
                                blind.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                            ),
                        )
                        .at(p.origin, "rows it should change are invisible")
                        .help("add a permissive `for: select` policy for the same roles"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all], authenticated: [insert, delete] }\n    rls:\n      policies:\n        own_update: { for: update, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\nSELECT";

    #[test]
    fn write_policy_without_select_policy_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("SELECT", ""), "SC408"));
    }

    #[test]
    fn write_policy_without_select_policy_ok() {
        assert_clean(
            &MODEL.replace(
                "SELECT",
                "        own_select: { for: select, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\n",
            ),
            "SC408",
        );
    }
}
