//! SC415 `auto-expose-setting-missing`.

use crate::declare_rule;
use crate::ir::Preset;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// On `preset: supabase`, when the model does not say whether the project still grants new
    /// tables to the API roles by itself (`supabase: { auto_expose_new_tables: … }` is absent),
    /// flags the model if tables or views in exposed schemas grant nothing to `anon`,
    /// `authenticated` or `service_role` although policies name a client role or `revoke:` takes
    /// privileges from one: signs of a model written for the platform's old automatic grants.
    /// The finding names up to five such objects.
    ///
    /// ## Why is this bad?
    /// Supabase made the Data API secure by default: tables created in `public` are no longer
    /// granted to the API roles (new projects from 2026-05-30, all projects from 2026-10-30).
    /// A model that relied on the automatic grants applies fine and then fails with `42501
    /// permission denied` on the first client call. schemac models today's platform unless the
    /// model says otherwise.
    ///
    /// ## Example
    /// ```yaml
    /// preset: supabase
    /// tables:
    ///   notes:
    ///     revoke: { anon: [all] }
    ///     rls:
    ///       policies:
    ///         own: { for: select, to: [authenticated], using: "(select auth.uid()) = user_id" }
    /// ```
    ///
    /// Use instead: grant what clients use (`grants: { authenticated: [select], service_role:
    /// [select, insert, update, delete] }`), or, for a project that still auto-exposes, say so:
    /// ```yaml
    /// supabase: { auto_expose_new_tables: true }
    /// ```
    pub AutoExposeSettingMissing {
        code: "SC415", name: "auto-expose-setting-missing",
        category: Security, level: Warn, target: Model,
    }
}

/// The roles the Supabase platform grants to automatically in a project that auto-exposes.
const API_ROLES: &[&str] = &["anon", "authenticated", "service_role"];

impl Rule for AutoExposeSettingMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let m = cx.model;
        if m.preset != Preset::Supabase || m.supabase.auto_expose_new_tables.is_some() {
            return;
        }
        let api = |role: &str| {
            API_ROLES.contains(&role) || cx.settings.client_roles.iter().any(|r| r == role)
        };
        let mut relying = Vec::new();
        for t in m.tables.values() {
            if !cx.settings.exposed(&t.name.schema) || t.grants.keys().any(|r| api(r)) {
                continue;
            }
            let policy_for_clients = t.policies.values().any(|p| {
                p.roles.is_empty() || p.roles.iter().any(|r| r.value == "public" || api(&r.value))
            });
            if policy_for_clients || t.revokes.keys().any(|r| api(r)) {
                relying.push((cx.short(&t.name), t.origin));
            }
        }
        for v in m.views.values() {
            if cx.settings.exposed(&v.name.schema)
                && !v.grants.keys().any(|r| api(r))
                && v.revokes.keys().any(|r| api(r))
            {
                relying.push((cx.short(&v.name), v.origin));
            }
        }
        let Some((_, first)) = relying.first() else {
            return;
        };
        let names: Vec<String> = relying
            .iter()
            .take(5)
            .map(|(n, _)| format!("`{n}`"))
            .collect();
        let more = if relying.len() > 5 {
            format!(" and {} more", relying.len() - 5)
        } else {
            String::new()
        };
        out.push(
            Self::META
                .finding(
                    Object::Model,
                    format!(
                        "the model does not say whether the project auto-exposes new tables, and {} {} in exposed schemas grant nothing to the API roles ({}{more})",
                        relying.len(),
                        if relying.len() == 1 { "table or view" } else { "tables or views" },
                        names.join(", ")
                    ),
                )
                .at(*first, "no `grants:` for anon, authenticated or service_role")
                .help("grant what clients use in `grants:` (today's Supabase grants nothing by itself), or declare `supabase: { auto_expose_new_tables: true }` if this project still auto-exposes"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n    indexes: [ { columns: [user_id] } ]\nGRANTS    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\n";

    #[test]
    fn auto_expose_setting_missing_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("GRANTS", "    revoke: { anon: [all] }\n"),
            "SC415"
        ));
    }

    #[test]
    fn auto_expose_setting_missing_ok() {
        // Explicit grants: the model does not rely on the platform.
        assert_clean(
            &MODEL.replace("GRANTS", "    grants: { authenticated: [select] }\n"),
            "SC415",
        );
        // The project says it still auto-exposes.
        assert_clean(
            &format!(
                "{}supabase: {{ auto_expose_new_tables: true }}\n",
                MODEL.replace("GRANTS", "")
            ),
            "SC415",
        );
        // Plain PostgreSQL has no automatic grants to rely on.
        assert_clean(
            "version: 1\nroles: [app]\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n    rls:\n      policies:\n        all: { for: select, to: [app], using: \"true\" }\n",
            "SC415",
        );
    }
}
