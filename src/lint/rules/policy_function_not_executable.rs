//! SC416 `policy-function-not-executable`.

use crate::declare_rule;
use crate::ir::{Preset, QName};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::load::yaml::fragment_span;

declare_rule! {
    /// ## What it does
    /// Flags a call, in a policy's `using` or `with_check`, of a function of the model that a
    /// role the policy applies to may not execute: the function's `revoke:` takes EXECUTE from
    /// PUBLIC (or the role) and no `grants:` gives it back to that role. A policy without `to`
    /// (PUBLIC) is checked for the client roles. Only roles whose privileges the model knows are
    /// checked: the client roles, `service_role` on Supabase and the roles the model declares.
    ///
    /// ## Why is this bad?
    /// PostgreSQL evaluates the policy as the querying role, so the call fails with `permission
    /// denied for function …` (42501) and the whole statement fails, even for rows the policy
    /// would allow. A SECURITY DEFINER helper that policies call must stay executable by the
    /// roles those policies are for; hide it in a schema the API does not expose instead.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   private.my_team_ids:
    ///     returns: setof bigint
    ///     security: definer
    ///     revoke: { public: [execute] }
    /// tables:
    ///   tasks:
    ///     rls:
    ///       policies:
    ///         team: { for: select, to: [authenticated], using: "team_id in (select private.my_team_ids())" }
    /// ```
    ///
    /// Use instead: `grants: { authenticated: [execute] }` on the function.
    pub PolicyFunctionNotExecutable {
        code: "SC416", name: "policy-function-not-executable",
        category: Security, level: Error, target: Model,
    }
}

impl Rule for PolicyFunctionNotExecutable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let m = cx.model;
        let known = |role: &str| {
            cx.settings.client_roles.iter().any(|r| r == role)
                || m.roles.contains_key(role)
                || (m.preset == Preset::Supabase && role == "service_role")
        };
        for t in m.tables.values() {
            for p in t.policies.values() {
                let roles: Vec<&str> =
                    if p.roles.is_empty() || p.roles.iter().any(|r| r.value == "public") {
                        cx.settings
                            .client_roles
                            .iter()
                            .map(String::as_str)
                            .collect()
                    } else {
                        p.roles
                            .iter()
                            .map(|r| r.value.as_str())
                            .filter(|r| known(r))
                            .collect()
                    };
                for (clause, value) in [("using", &p.using), ("with_check", &p.with_check)] {
                    let Some(value) = value else { continue };
                    let Some(facts) = cx.facts(value) else {
                        continue;
                    };
                    for call in &facts.calls {
                        let f = match call.name.split_once('.') {
                            Some((s, n)) => QName::new(s, n),
                            None => QName::new(m.default_schema.clone(), call.name.clone()),
                        };
                        if !m.has_function(&f) {
                            continue;
                        }
                        for role in roles.iter().filter(|r| !cx.access.function_allows(&f, r)) {
                            out.push(
                                Self::META
                                    .finding(
                                        Object::Policy(t.name.clone(), p.name.clone()),
                                        format!(
                                            "policy `{}` on `{}` calls `{}()`, which `{role}` may not execute, so its queries fail with `permission denied`",
                                            p.name,
                                            cx.short(&t.name),
                                            cx.short(&f)
                                        ),
                                    )
                                    .discriminator(format!("{clause}:{}:{role}", call.name))
                                    .at(fragment_span(cx.sources, value, call.at), format!("`{role}` has no EXECUTE here"))
                                    .help(format!(
                                        "grant it on the function: `grants: {{ {role}: [execute] }}`"
                                    )),
                            );
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nschemas: [private]\nfunctions:\n  private.my_team_ids:\n    returns: setof bigint\n    language: sql\n    volatility: stable\n    security: definer\n    search_path: \"\"\n    body: \"select 1::bigint\"\n    revoke: { public: [execute] }\nGRANT\ntables:\n  tasks:\n    columns:\n      id: { type: bigint, primary_key: true }\n      team_id: bigint\n    indexes: [ { columns: [team_id] } ]\n    grants: { authenticated: [select] }\n    rls:\n      policies:\n        team: { for: select, to: [authenticated], using: \"team_id in (select private.my_team_ids())\" }\n";

    #[test]
    fn policy_function_not_executable_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("GRANT\n", ""), "SC416"));
    }

    #[test]
    fn policy_function_not_executable_ok() {
        assert_clean(
            &MODEL.replace("GRANT", "    grants: { authenticated: [execute] }"),
            "SC416",
        );
    }
}
