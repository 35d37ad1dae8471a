//! SC505 `materialized-view-exposed`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a materialized view in an exposed schema that a client role can SELECT from
    /// (explicitly, or through Supabase's default grants unless `revoke:` takes them back).
    ///
    /// ## Why is this bad?
    /// Materialized views have no row level security: every client that can read one sees every
    /// row it stored, whatever the policies of the tables it was built from say.
    ///
    /// ## Example
    /// ```yaml
    /// views:
    ///   project_totals:
    ///     materialized: true
    ///     query: "select user_id, count(*) as n from projects group by user_id"
    /// ```
    ///
    /// Use instead: `revoke: { anon: [all], authenticated: [all] }` and read it through a
    /// security-invoker function or view that filters by user, or move it to an unexposed
    /// schema.
    pub MaterializedViewExposed {
        code: "SC505", name: "materialized-view-exposed",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for MaterializedViewExposed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for v in cx.model.views.values() {
            if !v.materialized || !cx.settings.exposed(&v.name.schema) {
                continue;
            }
            let roles: Vec<String> = cx
                .settings
                .client_roles
                .iter()
                .filter(|r| cx.access.relation_allows(&v.name, r, "select"))
                .map(|r| format!("`{r}`"))
                .collect();
            if roles.is_empty() {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        Object::View(v.name.clone()),
                        format!(
                            "materialized view `{}` has no row level security and {} can read every row of it",
                            cx.short(&v.name),
                            roles.join(" and ")
                        ),
                    )
                    .at(v.origin, "readable by clients")
                    .help("revoke select from the client roles, or move the view to an unexposed schema"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nsupabase: { auto_expose_new_tables: true }\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all], authenticated: [insert, update, delete] }\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\nviews:\n  note_counts:\n    materialized: true\n    query: \"select user_id, count(*) as n from notes group by user_id\"\n    revoke: { anon: [all]REVOKE }\n";

    #[test]
    fn materialized_view_exposed_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("REVOKE", ""), "SC505"));
    }

    #[test]
    fn materialized_view_exposed_ok() {
        assert_clean(&MODEL.replace("REVOKE", ", authenticated: [all]"), "SC505");
    }
}
