//! SC510 `schema-usage-missing`.

use std::collections::BTreeMap;

use crate::declare_rule;
use crate::ir::{Privileges, QName};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a grant on a table, view or function, or a policy, for a role that does not hold
    /// USAGE on the object's schema. Schema privileges are the effective ones: PostgreSQL gives
    /// PUBLIC USAGE on `public` only, Supabase gives its API roles USAGE on `public`, `auth`,
    /// `storage` and `extensions`, and a schema the model creates is usable by its owner alone
    /// until `schemas: { app: { grants: { authenticated: [usage] } } }` says otherwise. Only roles
    /// whose privileges the model knows are checked: the client roles, `service_role` and the
    /// roles the model declares.
    ///
    /// ## Why is this bad?
    /// PostgreSQL checks USAGE on the schema before it looks at the object: the call fails with
    /// `permission denied for schema app` (42501) whatever the table's grants and policies say,
    /// so the grant and the policy are dead and the API route they were written for is broken.
    ///
    /// ## Example
    /// ```yaml
    /// schemas: { app: {} }
    /// tables:
    ///   app.notes:
    ///     grants: { authenticated: [select] }
    /// ```
    ///
    /// Use instead: grant USAGE on the schema (`schemas: { app: { grants: { authenticated:
    /// [usage] } } }`), or remove the grant.
    pub SchemaUsageMissing {
        code: "SC510", name: "schema-usage-missing",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for SchemaUsageMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let known = |role: &str| {
            cx.settings.client_roles.iter().any(|r| r == role)
                || cx.model.roles.contains_key(role)
                || (cx.model.preset == crate::ir::Preset::Supabase && role == "service_role")
        };
        let m = cx.model;
        let report = |object: Object,
                      name: &QName,
                      what: &str,
                      roles: BTreeMap<String, Span>,
                      out: &mut Vec<Finding>| {
            for (role, span) in roles {
                if role == "public" || !known(&role) || cx.access.schema_usable(&name.schema, &role)
                {
                    continue;
                }
                out.push(
                    Self::META
                        .finding(
                            object.clone(),
                            format!(
                                "`{role}` is given {what} `{}` but holds no USAGE on schema `{}`, so PostgreSQL refuses it before looking at the object",
                                cx.short(name),
                                name.schema
                            ),
                        )
                        .discriminator(role.clone())
                        .at(span, format!("`{role}` cannot use schema `{}`", name.schema))
                        .help(format!(
                            "grant it: `schemas: {{ {}: {{ grants: {{ {role}: [usage] }} }} }}`, or remove the role here",
                            name.schema
                        )),
                );
            }
        };
        let granted = |p: &Privileges, spans: &BTreeMap<String, Span>, origin: Span| {
            p.keys()
                .map(|r| {
                    let at = crate::ir::privilege_span(spans, false, r, None, origin);
                    (r.clone(), at)
                })
                .collect::<BTreeMap<String, Span>>()
        };
        for t in m.tables.values() {
            let mut roles = granted(&t.grants, &t.privilege_spans, t.origin);
            for p in t.policies.values() {
                for r in &p.roles {
                    roles.entry(r.value.clone()).or_insert(r.span);
                }
            }
            report(
                Object::Table(t.name.clone()),
                &t.name,
                "privileges or policies on table",
                roles,
                out,
            );
        }
        for v in m.views.values() {
            let roles = granted(&v.grants, &v.privilege_spans, v.origin);
            report(
                Object::View(v.name.clone()),
                &v.name,
                "privileges on view",
                roles,
                out,
            );
        }
        for f in m.functions.values() {
            let roles = granted(&f.grants, &f.privilege_spans, f.origin);
            report(
                Object::Function(f.name.clone()),
                &f.name,
                "EXECUTE on function",
                roles,
                out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nschemas:\n  app: SCHEMA\ntables:\n  app.notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      published: boolean\n    grants: { authenticated: [select] }\n    rls:\n      policies:\n        read: { for: select, to: [authenticated, anon], using: \"published\" }\n";

    #[test]
    fn schema_usage_missing_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("SCHEMA", "{}"), "SC510"));
    }

    #[test]
    fn schema_usage_missing_ok() {
        assert_clean(
            &MODEL.replace(
                "SCHEMA",
                "{ grants: { authenticated: [usage], anon: [usage] } }",
            ),
            "SC510",
        );
        // `public` is usable by the API roles on Supabase.
        assert_clean(
            "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n    grants: { authenticated: [select] }\n",
            "SC510",
        );
    }

    #[test]
    fn schema_usage_revoked_violation() {
        insta::assert_snapshot!(violations(
            "version: 1\npreset: supabase\nschemas:\n  public: { revoke: { anon: [usage], public: [usage] } }\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n    grants: { anon: [select] }\n",
            "SC510"
        ));
    }
}
