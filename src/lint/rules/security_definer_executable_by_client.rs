//! SC503 `security-definer-executable-by-client`.

use std::collections::BTreeSet;

use crate::declare_rule;
use crate::ir::QName;
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
    ///   delete_account:
    ///     returns: void
    ///     security: definer
    ///     search_path: ""
    /// ```
    ///
    /// Functions that return `trigger` are not flagged: PostgreSQL refuses to call them directly.
    ///
    /// Use instead: revoke EXECUTE from the client roles and PUBLIC, move the function to an
    /// unexposed schema, or make it `security: invoker`. When a policy calls the function, the
    /// roles the policy applies to need EXECUTE (without it the policy fails with `permission
    /// denied for function`, 42501); the help then keeps EXECUTE for them and suggests an
    /// unexposed schema instead, which policies can still call:
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
            if !f.security_definer || !cx.settings.exposed(&f.name.schema) || is_trigger(f) {
                continue;
            }
            let roles: Vec<&str> = cx
                .settings
                .client_roles
                .iter()
                .filter(|r| cx.access.routine_allows(&crate::ir::FnKey::of(f), r))
                .map(String::as_str)
                .collect();
            if roles.is_empty() {
                continue;
            }
            let callers = policy_callers(cx, &f.name);
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
                    .help(help(cx, &callers)),
            );
        }
    }
}

/// Whether PostgreSQL refuses to call the function directly (it returns `trigger` or
/// `event_trigger`), so no client can run it over the API.
fn is_trigger(f: &crate::ir::Function) -> bool {
    let r = f.returns.value.trim();
    r.eq_ignore_ascii_case("trigger") || r.eq_ignore_ascii_case("event_trigger")
}

/// The policies whose clauses call `function`, with the client roles each applies to (every
/// client role for a policy `to: [public]`). These roles need EXECUTE, or the policy fails with
/// `permission denied for function` (42501).
fn policy_callers(cx: &LintContext<'_>, function: &QName) -> Vec<(String, BTreeSet<String>)> {
    let mut callers = Vec::new();
    for t in cx.model.tables.values() {
        for p in t.policies.values() {
            let calls_it = [&p.using, &p.with_check]
                .into_iter()
                .flatten()
                .filter_map(|v| cx.facts(v))
                .flat_map(|facts| &facts.calls)
                .any(|c| {
                    let q = match c.name.split_once('.') {
                        Some((s, n)) => QName::new(s, n),
                        None => QName::new(cx.model.default_schema.clone(), c.name.as_str()),
                    };
                    q == *function
                });
            if !calls_it {
                continue;
            }
            let roles: BTreeSet<String> = cx
                .settings
                .client_roles
                .iter()
                .filter(|r| {
                    p.roles.is_empty()
                        || p.roles
                            .iter()
                            .any(|x| x.value == "public" || x.value == **r)
                })
                .cloned()
                .collect();
            callers.push((format!("{}.{}", cx.short(&t.name), p.name), roles));
        }
    }
    callers
}

/// A fix that keeps every calling policy working: revoke from the roles no policy calls it as;
/// when a policy needs it, keep EXECUTE for those roles and take it off the API instead.
fn help(cx: &LintContext<'_>, callers: &[(String, BTreeSet<String>)]) -> String {
    let needed: BTreeSet<&str> = callers
        .iter()
        .flat_map(|(_, r)| r.iter().map(String::as_str))
        .collect();
    if needed.is_empty() {
        let mut revoke = vec!["public: [execute]".to_string()];
        revoke.extend(
            cx.settings
                .client_roles
                .iter()
                .map(|r| format!("{r}: [execute]")),
        );
        return format!(
            "add `revoke: {{ {} }}`, or move it to an unexposed schema",
            revoke.join(", ")
        );
    }
    let mut revoke = vec!["public: [execute]".to_string()];
    revoke.extend(
        cx.settings
            .client_roles
            .iter()
            .filter(|r| !needed.contains(r.as_str()))
            .map(|r| format!("{r}: [execute]")),
    );
    let grant: Vec<String> = needed.iter().map(|r| format!("{r}: [execute]")).collect();
    let policies: Vec<String> = callers.iter().map(|(p, _)| format!("`{p}`")).collect();
    format!(
        "{} {} call{} it as {}, which must keep EXECUTE: move it to an unexposed schema (such as `private`) with `grant: {{ {} }}` and `revoke: {{ {} }}`",
        if policies.len() == 1 {
            "policy"
        } else {
            "policies"
        },
        policies.join(", "),
        if policies.len() == 1 { "s" } else { "" },
        needed
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(" and "),
        grant.join(", "),
        revoke.join(", ")
    )
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

#[cfg(test)]
mod callers {
    use crate::lint::test_utils::{assert_clean, violations};

    #[test]
    fn security_definer_trigger_function_ok() {
        assert_clean(
            "version: 1\npreset: supabase\nfunctions:\n  stamp:\n    returns: trigger\n    language: plpgsql\n    security: definer\n    search_path: \"\"\n    body: \"begin return new; end\"\n",
            "SC503",
        );
    }

    #[test]
    fn security_definer_called_by_policy_keeps_execute() {
        let help = violations(
            "version: 1\npreset: supabase\nfunctions:\n  my_team_ids:\n    returns: setof bigint\n    security: definer\n    volatility: stable\n    search_path: \"\"\n    body: \"select 1::bigint\"\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      team_id: bigint\n    rls:\n      policies:\n        team: { for: select, to: [authenticated], using: \"team_id in (select my_team_ids())\" }\n",
            "SC503",
        );
        assert!(!help.contains("authenticated: [execute] }`, or"), "{help}");
        insta::assert_snapshot!(help);
    }
}
