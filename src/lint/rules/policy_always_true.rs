//! SC412 `policy-always-true`.

use super::policy_for_clients;
use crate::declare_rule;
use crate::ir::PolicyCommand;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::load::yaml::fragment_span;

declare_rule! {
    /// ## What it does
    /// Flags a permissive INSERT, UPDATE, DELETE or ALL policy for a client role or PUBLIC whose
    /// `using` or `with_check` is constant true (`true`, `1 = 1`, `not false`, `x or true`, …,
    /// folded on the parsed expression). `for: select` with `using: "true"` is exempt: a public
    /// read is often intended.
    ///
    /// ## Why is this bad?
    /// The policy lets every client write every row: RLS is enabled but does nothing for that
    /// command.
    ///
    /// ## Example
    /// ```yaml
    ///         anyone_edits: { for: update, to: [authenticated], using: "true" }
    /// ```
    ///
    /// Use instead: a condition on the row, e.g. `using: "(select auth.uid()) = user_id"`.
    pub PolicyAlwaysTrue {
        code: "SC412", name: "policy-always-true",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for PolicyAlwaysTrue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for (table, p) in cx.policies() {
            if !p.permissive
                || p.command == PolicyCommand::Select
                || !policy_for_clients(p, &cx.settings.client_roles)
            {
                continue;
            }
            for (clause, value) in [("using", &p.using), ("with_check", &p.with_check)] {
                let Some(value) = value else { continue };
                if cx.facts(value).and_then(|f| f.const_bool) != Some(true) {
                    continue;
                }
                out.push(
                    Self::META
                        .finding(
                            Object::Policy(table.clone(), p.name.clone()),
                            format!(
                                "the `{clause}` of {} policy `{}` on `{}` is always true, so clients may {} every row",
                                p.command.sql(),
                                p.name,
                                cx.short(table),
                                if p.command == PolicyCommand::All { "read and write".to_string() } else { p.command.sql().to_lowercase() }
                            ),
                        )
                        .discriminator(clause)
                        .at(fragment_span(cx.sources, value, None), "always true")
                        .help("restrict the policy with a condition on the row, such as `(select auth.uid()) = user_id`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all], authenticated: [insert, delete] }\n    rls:\n      policies:\n        read_all: { for: select, to: [authenticated], using: \"true\" }\n        edit: { for: update, to: [authenticated], using: \"EXPR\" }\n";

    #[test]
    fn policy_always_true_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("EXPR", "1 = 1 or user_id is null"),
            "SC412"
        ));
    }

    #[test]
    fn policy_always_true_ok() {
        assert_clean(
            &MODEL.replace("EXPR", "(select auth.uid()) = user_id"),
            "SC412",
        );
    }

    /// Policies the model attaches to a platform table are linted like a table's.
    #[test]
    fn policy_always_true_on_a_platform_table() {
        insta::assert_snapshot!(violations(
            "version: 1\npreset: supabase\npolicies:\n  storage.objects:\n    upload_any: { for: insert, to: [authenticated], with_check: \"true\" }\n",
            "SC412"
        ));
    }
}
