//! SC503 `security-definer-executable-by-client`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a `security: definer` function in an exposed schema that a client role can
    /// EXECUTE. PostgreSQL grants EXECUTE to PUBLIC on every new function, and Supabase's default
    /// privileges grant it to `anon` and `authenticated` in exposed schemas; only `revoke:` takes
    /// those back.
    ///
    /// ## Why is this bad?
    /// Functions in exposed schemas are callable over the Data API (`/rpc/<name>`), so any
    /// client can run the function with its owner's rights, bypassing RLS.
    ///
    /// ## Example
    /// ```yaml
    ///   handle_new_user:
    ///     returns: trigger
    ///     security: definer
    ///     search_path: ""
    /// ```
    ///
    /// Use instead: revoke EXECUTE from the client roles and PUBLIC, move the function to an
    /// unexposed schema, or make it `security: invoker`:
    /// ```yaml
    ///     revoke: { public: [execute], anon: [execute], authenticated: [execute] }
    /// ```
    pub SecurityDefinerExecutableByClient {
        code: "SC503", name: "security-definer-executable-by-client",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for SecurityDefinerExecutableByClient {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for f in cx.model.functions.values() {
            if !f.security_definer || !cx.settings.exposed(&f.name.schema) {
                continue;
            }
            let roles: Vec<&str> = cx
                .settings
                .client_roles
                .iter()
                .filter(|r| cx.access.function_allows(&f.name, r))
                .map(String::as_str)
                .collect();
            if roles.is_empty() {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        Object::Function(f.name.clone()),
                        format!(
                            "security definer function `{}` in exposed schema `{}` can be executed by {}",
                            cx.short(&f.name),
                            f.name.schema,
                            roles.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(" and ")
                        ),
                    )
                    .at(f.origin, "callable over the API with its owner's rights")
                    .help("add `revoke: { public: [execute], anon: [execute], authenticated: [execute] }`, or move it to an unexposed schema"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nsupabase: { auto_expose_new_tables: true }\nfunctions:\n  whoami:\n    returns: text\n    security: definer\n    search_path: \"\"\n    body: \"select current_user::text\"\nREVOKE";

    #[test]
    fn security_definer_executable_by_client_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("REVOKE", "    revoke: { public: [execute] }\n"),
            "SC503"
        ));
    }

    #[test]
    fn security_definer_executable_by_client_ok() {
        assert_clean(
            &MODEL.replace(
                "REVOKE",
                "    revoke: { public: [execute], anon: [execute], authenticated: [execute] }\n",
            ),
            "SC503",
        );
    }
}
