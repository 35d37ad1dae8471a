//! SC401 `rls-disabled`.

use crate::declare_rule;
use crate::lint::{Finding, Level, LintContext, Object, Rule, RuleMeta};
use crate::preset::privileges::TABLE_ALL;

declare_rule! {
    /// ## What it does
    /// Flags a table in an exposed schema (`lint.exposed_schemas`, default `[public]` on
    /// Supabase) without row level security. When its columns look sensitive (password, token,
    /// secret, ssn, iban, …) the message names them; when it is partitioned, the message names
    /// the partitions, which clients can query directly. When no client role holds any
    /// privilege on the table (nothing granted on today's Supabase, or everything revoked in a
    /// project that auto-exposes), the finding drops to info: RLS is still recommended as
    /// defence in depth.
    ///
    /// ## Why is this bad?
    /// A client role that holds a privilege on the table (granted in the model, or
    /// automatically in a project with `supabase: { auto_expose_new_tables: true }`) can read and
    /// change every row through the Data API with nothing but the public API key; each
    /// partition of a partitioned table is a table of its own and can be queried by name.
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     columns: { id: { type: bigint, primary_key: true }, body: text }
    /// ```
    ///
    /// Use instead: enable RLS and add policies (or revoke the client roles' privileges):
    /// ```yaml
    ///     rls:
    ///       policies:
    ///         own: { for: select, to: [authenticated], using: "(select auth.uid()) = user_id" }
    /// ```
    pub RlsDisabled {
        code: "SC401", name: "rls-disabled",
        category: Security, level: Error, target: Model,
    }
}

const SENSITIVE: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "ssn",
    "social_security",
    "iban",
    "credit_card",
    "card_number",
    "cvv",
    "pin",
    "otp",
    "salt",
    "session_key",
    "access_key",
];

impl Rule for RlsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            if t.rls.enabled || !cx.settings.exposed(&t.name.schema) {
                continue;
            }
            let granted = cx.settings.client_roles.iter().any(|r| {
                TABLE_ALL
                    .iter()
                    .any(|p| cx.access.relation_allows(&t.name, r, p))
            });
            let sensitive: Vec<&str> = t
                .columns
                .keys()
                .filter(|c| {
                    let c = c.to_lowercase();
                    SENSITIVE
                        .iter()
                        .any(|s| c == *s || c.contains(s) && s.len() > 3)
                })
                .map(String::as_str)
                .collect();
            let extra = if sensitive.is_empty() {
                String::new()
            } else {
                format!(
                    "; it has sensitive-looking columns ({})",
                    sensitive.join(", ")
                )
            };
            let parts: Vec<String> = t
                .partition
                .iter()
                .flat_map(|p| p.partitions.values().map(|part| cx.short(&part.name)))
                .collect();
            let extra = if parts.is_empty() {
                extra
            } else {
                format!(
                    "{extra}; its partitions ({}) can be queried directly too",
                    parts.join(", ")
                )
            };
            let who = if granted {
                "client roles can read and write every row"
            } else {
                "no client role holds a privilege, but RLS is the defence in depth"
            };
            let mut f = Self::META
                .finding(
                    Object::Table(t.name.clone()),
                    format!(
                        "table `{}` in exposed schema `{}` has row level security disabled: {who}{extra}",
                        cx.short(&t.name),
                        t.name.schema
                    ),
                )
                .at(t.origin, "RLS is off")
                .help("add `rls: { policies: { … } }` (RLS is enabled with it), or `rls: true` and policies");
            if !granted {
                f = f.level(Level::Info);
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  secrets:\n    columns:\n      id: { type: bigint, primary_key: true }\n      api_token: text\nRLS";

    #[test]
    fn rls_disabled_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace(
                "RLS",
                "    grants: { anon: [select], authenticated: [select] }\n"
            ),
            "SC401"
        ));
    }

    #[test]
    fn rls_disabled_auto_expose_violation() {
        insta::assert_snapshot!(violations(
            &format!(
                "{}supabase: {{ auto_expose_new_tables: true }}\n",
                MODEL.replace("RLS", "")
            ),
            "SC401"
        ));
    }

    #[test]
    fn rls_disabled_partitions_violation() {
        insta::assert_snapshot!(violations(
            "version: 1\npreset: supabase\ntables:\n  events:\n    columns:\n      id: bigint\n      at: timestamptz\n    primary_key: [id, at]\n    grants: { authenticated: [select] }\n    partition:\n      by: range\n      columns: [at]\n      partitions:\n        events_2026: { from: \"'2026-01-01'\", to: \"'2027-01-01'\" }\n        events_rest: { default: true }\n",
            "SC401"
        ));
    }

    #[test]
    fn rls_disabled_revoked_is_info() {
        // Today's platform grants nothing; a project that auto-exposes revokes everything.
        insta::assert_snapshot!(violations(&MODEL.replace("RLS", ""), "SC401"));
        insta::assert_snapshot!(violations(
            &format!(
                "{}supabase: {{ auto_expose_new_tables: true }}\n",
                MODEL.replace("RLS", "    revoke: { anon: [all], authenticated: [all] }\n")
            ),
            "SC401"
        ));
    }

    #[test]
    fn rls_disabled_ok() {
        assert_clean(
            &MODEL.replace(
                "RLS",
                "    revoke: { anon: [all], authenticated: [all] }\n    rls: true\n",
            ),
            "SC401",
        );
        // Not exposed: a private schema.
        assert_clean(
            "version: 1\npreset: supabase\nschemas: [private]\ntables:\n  private.keys:\n    columns:\n      id: { type: bigint, primary_key: true }\n",
            "SC401",
        );
    }
}
