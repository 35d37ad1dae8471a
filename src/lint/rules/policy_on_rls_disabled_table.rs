//! SC403 `policy-on-rls-disabled-table`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a table that has policies while row level security is disabled (`rls: { enabled:
    /// false, policies: … }`).
    ///
    /// ## Why is this bad?
    /// PostgreSQL ignores policies while RLS is off: the table looks protected in the model and
    /// in the database's catalog, yet every role with a privilege sees every row.
    ///
    /// ## Example
    /// ```yaml
    ///     rls:
    ///       enabled: false
    ///       policies:
    ///         own: { for: select, to: [authenticated], using: "(select auth.uid()) = user_id" }
    /// ```
    ///
    /// Use instead: remove `enabled: false` (RLS is enabled when `rls:` is a mapping).
    pub PolicyOnRlsDisabledTable {
        code: "SC403", name: "policy-on-rls-disabled-table",
        category: Security, level: Error, target: Model,
    }
}

impl Rule for PolicyOnRlsDisabledTable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            if t.rls.enabled || t.policies.is_empty() {
                continue;
            }
            let mut f = Self::META
                .finding(
                    Object::Table(t.name.clone()),
                    format!(
                        "table `{}` has {} polic{} but row level security is disabled, so they are ignored",
                        cx.short(&t.name),
                        t.policies.len(),
                        if t.policies.len() == 1 { "y" } else { "ies" }
                    ),
                )
                .at(t.origin, "RLS is off")
                .help("enable row level security (remove `enabled: false`), or remove the policies");
            for p in t.policies.values() {
                f = f.also(p.origin, "ignored");
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all] }\n    rls:\n      enabled: ENABLED\n      policies:\n        own: { for: all, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\n";

    #[test]
    fn policy_on_rls_disabled_table_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("ENABLED", "false"), "SC403"));
    }

    #[test]
    fn policy_on_rls_disabled_table_ok() {
        assert_clean(&MODEL.replace("ENABLED", "true"), "SC403");
    }
}
