//! SC512 `client-default-grant-on-tables`.

use crate::declare_rule;
use crate::ir::default_privileges::{DefaultPrivileges, ObjectClass};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `default_privileges:` that grant a client role (the API's `client_roles`, or
    /// PUBLIC) privileges on the tables of an exposed schema (a schema's own default privileges,
    /// or the top-level ones, which cover every schema). The tables of the model in that schema
    /// without row level security are named.
    ///
    /// ## Why is this bad?
    /// Every table created later in the schema — by a migration, a dashboard or a script — is
    /// readable (or writable) over the Data API from the moment it exists, before anyone enables
    /// RLS on it. A table the model declares without RLS is exposed already.
    ///
    /// ## Example
    /// ```yaml
    /// schemas:
    ///   public:
    ///     default_privileges:
    ///       tables: { grant: { anon: [select], authenticated: [all] } }
    /// ```
    ///
    /// Use instead: grant on each table next to its policies (`grants:` on the table), or keep
    /// the default privilege and make sure every table enables RLS (`rls: { enabled: true }`).
    pub ClientDefaultGrantOnTables {
        code: "SC512", name: "client-default-grant-on-tables",
        category: Security, level: Warn, target: Model,
    }
}

/// Where an entry's defaults apply that the API exposes: its schema, or (every-schema entry)
/// every exposed schema.
pub(crate) fn exposed_scope(cx: &LintContext<'_>, dp: &DefaultPrivileges) -> Vec<String> {
    match &dp.schema {
        Some(s) if cx.settings.exposed(s) => vec![s.clone()],
        Some(_) => Vec::new(),
        None => cx.settings.exposed_schemas.iter().cloned().collect(),
    }
}

/// The client roles (and PUBLIC) `class` grants go to, with their privileges.
pub(crate) fn client_grants(
    cx: &LintContext<'_>,
    dp: &DefaultPrivileges,
    class: ObjectClass,
) -> Vec<(String, Vec<String>)> {
    let client = |r: &str| r == "public" || cx.settings.client_roles.iter().any(|c| c == r);
    dp.classes
        .get(&class)
        .into_iter()
        .flat_map(|cp| cp.grants.iter())
        .filter(|(r, p)| client(r) && !p.is_empty())
        .map(|(r, p)| (r.clone(), class.expand(p)))
        .collect()
}

impl Rule for ClientDefaultGrantOnTables {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for dp in &cx.model.default_privileges {
            let schemas = exposed_scope(cx, dp);
            if schemas.is_empty() {
                continue;
            }
            for (role, privs) in client_grants(cx, dp, ObjectClass::Tables) {
                let unprotected: Vec<String> = cx
                    .model
                    .tables
                    .values()
                    .filter(|t| schemas.contains(&t.name.schema) && !t.rls.enabled)
                    .map(|t| format!("`{}`", cx.short(&t.name)))
                    .collect();
                let tail = if unprotected.is_empty() {
                    "every table created later is exposed over the API until it enables RLS"
                        .to_string()
                } else {
                    format!("{} without RLS already exposed", unprotected.join(", "))
                };
                let span = dp.span_of(ObjectClass::Tables, false, &role, None);
                out.push(
                    Self::META
                        .finding(
                            Object::Key(format!("default_privileges:{}", dp.scope())),
                            format!(
                                "the default privileges of {} grant {} on new tables to `{role}`: {tail}",
                                dp.scope(),
                                privs.join(", ").to_uppercase()
                            ),
                        )
                        .at(span, "granted on every new table")
                        .help("grant on each table with `grants:` next to its policies, or enable RLS on every table of the schema"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nschemas:\n  public:\n    default_privileges:\n      tables: { grant: { GRANT } }\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n    rls: { enabled: false }\n";

    #[test]
    fn client_default_grant_on_tables_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("GRANT", "authenticated: [select, insert]"),
            "SC512"
        ));
    }

    #[test]
    fn client_default_grant_on_tables_ok() {
        assert_clean(&MODEL.replace("GRANT", "service_role: [all]"), "SC512");
    }
}
