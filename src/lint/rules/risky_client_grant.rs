//! SC509 `risky-client-grant`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::preset::privileges::TABLE_ALL;

declare_rule! {
    /// ## What it does
    /// Flags a table's `grants:` that give `anon` (or PUBLIC) INSERT, UPDATE or DELETE, or give
    /// a client role (or PUBLIC) TRUNCATE, REFERENCES or TRIGGER. Only grants the model writes
    /// are checked: Supabase's default grants are the platform's baseline, and the commands
    /// they open are checked against policies by `granted-command-without-policy` (SC404).
    ///
    /// ## Why is this bad?
    /// Row level security does not apply to TRUNCATE or REFERENCES, so a client holding them
    /// can empty the table, or probe and lock its rows through a foreign key of its own. TRIGGER
    /// lets a role attach code to the table. Writes by anonymous users are rarely intended, and
    /// one permissive policy away from vandalism.
    ///
    /// ## Example
    /// ```yaml
    ///     grants: { anon: [select, insert], authenticated: [all] }
    /// ```
    ///
    /// Use instead: grant only what clients need,
    /// `grants: { anon: [select], authenticated: [select, insert, update, delete] }`.
    pub RiskyClientGrant {
        code: "SC509", name: "risky-client-grant",
        category: Security, level: Warn, target: Model,
    }
}

const ANON_RISKY: &[&str] = &["insert", "update", "delete"];
const CLIENT_RISKY: &[&str] = &["truncate", "references", "trigger"];

impl Rule for RiskyClientGrant {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let client = |r: &str| r == "public" || cx.settings.client_roles.iter().any(|c| c == r);
        for t in cx.model.tables.values() {
            for (role, privs) in &t.grants {
                if !client(role) {
                    continue;
                }
                let all = privs.iter().any(|p| p == "all" || p == "all privileges");
                let anon_like = role == "anon" || role == "public";
                let risky: Vec<&str> = TABLE_ALL
                    .iter()
                    .copied()
                    .filter(|p| all || privs.contains(*p))
                    .filter(|p| CLIENT_RISKY.contains(p) || (anon_like && ANON_RISKY.contains(p)))
                    .collect();
                if risky.is_empty() {
                    continue;
                }
                let shown = risky.join(", ").to_uppercase();
                let span =
                    crate::ir::privilege_span(&t.privilege_spans, false, role, None, t.origin);
                out.push(
                    Self::META
                        .finding(
                            Object::Table(t.name.clone()),
                            format!("`{role}` is granted {shown} on `{}`", cx.short(&t.name)),
                        )
                        .discriminator(role.clone())
                        .at(span, format!("`{role}` may {shown} here"))
                        .help(format!(
                            "grant `{role}` only the commands clients need, without {}",
                            risky.join(", ")
                        )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      body: text\n    grants: GRANTS\n    rls:\n      policies:\n        read: { for: select, to: [anon, authenticated], using: \"true\" }\n        write: { for: all, to: [authenticated], using: \"(select auth.uid()) is not null\" }\n";

    #[test]
    fn risky_client_grant_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("GRANTS", "{ anon: [select, insert], authenticated: [all] }"),
            "SC509"
        ));
    }

    #[test]
    fn risky_client_grant_ok() {
        assert_clean(
            &MODEL.replace(
                "GRANTS",
                "{ anon: [select], authenticated: [select, insert, update, delete] }",
            ),
            "SC509",
        );
    }
}
