//! SC515 `job-function-callable-by-clients`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a scheduled job whose `call:` function, in a schema the Data API exposes, a client
    /// role (`anon`, `authenticated`, or the model's `lint.client_roles`) can EXECUTE.
    /// PostgreSQL grants EXECUTE to PUBLIC on every new function, and Supabase's default
    /// privileges grant it to the API roles in exposed schemas; only `revoke:` takes those back.
    ///
    /// ## Why is this bad?
    /// A job's function is maintenance meant to run on a schedule (purging rows, refreshing
    /// aggregates, sending digests). Exposed, any client can run it at will over `/rpc/<name>`,
    /// as often as it likes: the purge runs in the middle of the day, the refresh a thousand
    /// times a minute. pg_cron itself runs the job as the role that scheduled it and needs no
    /// grant to the API roles.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   purge_sessions: { returns: void, language: sql, body: "delete from sessions where expires_at < now()" }
    /// jobs:
    ///   nightly_purge: { schedule: "0 3 * * *", call: purge_sessions }
    /// ```
    ///
    /// Use instead: revoke EXECUTE from the client roles and PUBLIC, or move the function to a
    /// schema the API does not expose:
    /// ```yaml
    ///     revoke: { public: [execute], anon: [execute], authenticated: [execute] }
    /// ```
    pub JobFunctionCallableByClients {
        code: "SC515", name: "job-function-callable-by-clients",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for JobFunctionCallableByClients {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for job in cx.model.jobs.values() {
            let Some(call) = &job.call else { continue };
            if !cx.settings.exposed(&call.value.schema) || !cx.model.has_function(&call.value) {
                continue;
            }
            let roles: Vec<String> = cx
                .settings
                .client_roles
                .iter()
                .filter(|r| cx.access.function_allows(&call.value, r))
                .map(|r| format!("`{r}`"))
                .collect();
            if roles.is_empty() {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        Object::Key(format!("job:{}", job.name)),
                        format!(
                            "job `{}` calls `{}`, which {} can also execute over the API",
                            job.name,
                            cx.short(&call.value),
                            roles.join(" and ")
                        ),
                    )
                    .at(call.span, "exposed to clients")
                    .help(format!(
                        "revoke EXECUTE on `{}` from PUBLIC and the client roles (`revoke: {{ public: [execute], {} }}`), or move it to an unexposed schema",
                        cx.short(&call.value),
                        cx.settings
                            .client_roles
                            .iter()
                            .map(|r| format!("{r}: [execute]"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = r#"version: 1
preset: supabase
extensions: [pg_cron]
functions:
  purge_sessions:
    returns: void
    language: plpgsql
    search_path: ""
    body: "begin perform 1; end;"
REVOKE
jobs:
  nightly_purge: { schedule: "0 3 * * *", call: purge_sessions }
"#;

    #[test]
    fn job_function_callable_by_clients_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("REVOKE\n", ""), "SC515"));
    }

    #[test]
    fn job_function_callable_by_clients_ok() {
        assert_clean(
            &MODEL.replace(
                "REVOKE",
                "    revoke: { public: [execute], anon: [execute], authenticated: [execute] }",
            ),
            "SC515",
        );
        // A `command:` job names no function the rule could check.
        assert_clean(
            "version: 1\npreset: supabase\nextensions: [pg_cron]\njobs:\n  j: { schedule: \"0 3 * * *\", command: \"select 1\" }\n",
            "SC515",
        );
    }
}
