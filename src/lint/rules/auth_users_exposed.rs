//! SC506 `auth-users-exposed`.

use crate::declare_rule;
use crate::ir::QName;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a view or materialized view in an exposed schema that reads `auth.users`, that a
    /// client role can SELECT from, and that is materialized or declared
    /// `security_invoker: false`.
    ///
    /// ## Why is this bad?
    /// `auth.users` holds every user's e-mail, phone and metadata. A view that runs with its
    /// owner's rights (or a materialized view, which has no row level security) hands all of it
    /// to any client through the API.
    ///
    /// ## Example
    /// ```yaml
    /// views:
    ///   profiles_with_email:
    ///     security_invoker: false
    ///     query: "select p.id, u.email from profiles p join auth.users u on u.id = p.id"
    /// ```
    ///
    /// Use instead: keep `security_invoker` on, revoke SELECT from the client roles, or copy the
    /// fields clients may see into a table of your own.
    pub AuthUsersExposed {
        code: "SC506", name: "auth-users-exposed",
        category: Security, level: Error, target: Model,
    }
}

impl Rule for AuthUsersExposed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let users = QName::new("auth", "users");
        for v in cx.model.views.values() {
            if (!v.materialized && v.security_invoker)
                || !cx.settings.exposed(&v.name.schema)
                || !v.depends_on.contains(&users)
            {
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
            let how = if v.materialized {
                format!(
                    "materialized view `{}` has no row level security",
                    cx.short(&v.name)
                )
            } else {
                format!("view `{}` runs with its owner's rights", cx.short(&v.name))
            };
            out.push(
                Self::META
                    .finding(
                        Object::View(v.name.clone()),
                        format!(
                            "{how}, reads `auth.users`, and {} can read it, exposing every user's account data",
                            roles.join(" and ")
                        ),
                    )
                    .at(v.origin, "exposes auth.users")
                    .help("revoke select from the client roles, or stop reading `auth.users` in an exposed view"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nsupabase: { auto_expose_new_tables: true }\nviews:\n  user_emails:\n    security_invoker: false\n    query: \"select id, email from auth.users\"\n    revoke: { anon: [all]REVOKE }\n";

    #[test]
    fn auth_users_exposed_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("REVOKE", ""), "SC506"));
    }

    #[test]
    fn auth_users_exposed_ok() {
        assert_clean(&MODEL.replace("REVOKE", ", authenticated: [all]"), "SC506");
    }
}
