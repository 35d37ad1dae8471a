//! SC504 `security-definer-view`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a (non-materialized) view in an exposed schema that a client role can SELECT from
    /// and that is declared `security_invoker: false`. Views are `security_invoker: true` by
    /// default in schemac (PostgreSQL 15+).
    ///
    /// ## Why is this bad?
    /// A view without `security_invoker` runs its query with the view owner's rights, so the RLS
    /// policies of the tables it reads do not apply to the caller: every client sees every row.
    ///
    /// ## Example
    /// ```yaml
    /// views:
    ///   project_stats:
    ///     security_invoker: false
    ///     query: "select user_id, count(*) from projects group by user_id"
    /// ```
    ///
    /// Use instead: remove `security_invoker: false`, or revoke SELECT from the client roles, or
    /// move the view to an unexposed schema.
    pub SecurityDefinerView {
        code: "SC504", name: "security-definer-view",
        category: Security, level: Error, target: Model,
    }
}

impl Rule for SecurityDefinerView {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for v in cx.model.views.values() {
            if v.materialized || v.security_invoker || !cx.settings.exposed(&v.name.schema) {
                continue;
            }
            let roles: Vec<&str> = cx
                .settings
                .client_roles
                .iter()
                .filter(|r| cx.access.relation_allows(&v.name, r, "select"))
                .map(String::as_str)
                .collect();
            if roles.is_empty() {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        Object::View(v.name.clone()),
                        format!(
                            "view `{}` runs with its owner's rights and {} can read it, bypassing row level security",
                            cx.short(&v.name),
                            roles.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(" and ")
                        ),
                    )
                    .at(v.origin, "security_invoker is off")
                    .help("remove `security_invoker: false`, or revoke select from the client roles"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nsupabase: { auto_expose_new_tables: true }\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all], authenticated: [insert, update, delete] }\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\nviews:\n  note_counts:\n    INVOKER\n    query: \"select user_id, count(*) as n from notes group by user_id\"\n    revoke: { anon: [all] }\n";

    #[test]
    fn security_definer_view_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("INVOKER", "security_invoker: false"),
            "SC504"
        ));
    }

    #[test]
    fn security_definer_view_ok() {
        assert_clean(&MODEL.replace("INVOKER", "security_invoker: true"), "SC504");
    }
}
