//! SC513 `client-default-execute-on-functions`.

use super::client_default_grant_on_tables::{client_grants, exposed_scope};
use crate::declare_rule;
use crate::ir::default_privileges::ObjectClass;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `default_privileges:` that grant EXECUTE on the functions of an exposed schema to a
    /// client role (the API's `client_roles`, or PUBLIC), naming the model's `security: definer`
    /// functions there that clients can then call.
    ///
    /// ## Why is this bad?
    /// Functions in exposed schemas are callable over the Data API (`/rpc/<name>`). With this
    /// default, every function created later is callable by clients at once; a `security:
    /// definer` one runs with its owner's rights and bypasses RLS.
    ///
    /// ## Example
    /// ```yaml
    /// schemas:
    ///   public:
    ///     default_privileges:
    ///       functions: { grant: { anon: [execute] } }
    /// ```
    ///
    /// Use instead: grant EXECUTE per function with `grants:`, and take PostgreSQL's own
    /// default away for every schema:
    /// ```yaml
    /// default_privileges:
    ///   functions: { revoke: { public: [execute] } }
    /// ```
    pub ClientDefaultExecuteOnFunctions {
        code: "SC513", name: "client-default-execute-on-functions",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for ClientDefaultExecuteOnFunctions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for dp in &cx.model.default_privileges {
            let schemas = exposed_scope(cx, dp);
            if schemas.is_empty() {
                continue;
            }
            for (role, _) in client_grants(cx, dp, ObjectClass::Functions) {
                let definers: Vec<String> = cx
                    .model
                    .functions
                    .values()
                    .filter(|f| f.security_definer && schemas.contains(&f.name.schema))
                    .filter(|f| cx.access.function_allows(&f.name, &role))
                    .map(|f| format!("`{}`", cx.short(&f.name)))
                    .collect();
                let tail = if definers.is_empty() {
                    "every function created later is callable over the API".to_string()
                } else {
                    format!(
                        "security definer {} callable over the API",
                        definers.join(", ")
                    )
                };
                let span = dp.span_of(ObjectClass::Functions, false, &role, None);
                out.push(
                    Self::META
                        .finding(
                            Object::Key(format!("default_privileges:{}", dp.scope())),
                            format!(
                                "the default privileges of {} grant EXECUTE on new functions to `{role}`: {tail}",
                                dp.scope()
                            ),
                        )
                        .at(span, "granted on every new function")
                        .help("grant EXECUTE per function with `grants:`, and revoke PUBLIC's EXECUTE in the top-level `default_privileges:`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nschemas:\n  public:\n    default_privileges:\n      functions: { grant: { GRANT } }\nfunctions:\n  whoami:\n    returns: text\n    security: definer\n    search_path: \"\"\n    body: \"select current_user::text\"\n";

    #[test]
    fn client_default_execute_on_functions_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("GRANT", "authenticated: [execute]"),
            "SC513"
        ));
    }

    #[test]
    fn client_default_execute_on_functions_ok() {
        assert_clean(&MODEL.replace("GRANT", "service_role: [execute]"), "SC513");
    }
}
