//! SC511 `revoke-shadowed-by-public`.

use std::collections::BTreeMap;

use crate::declare_rule;
use crate::ir::{Privileges, privilege_span};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::preset::privileges::Held;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a `revoke:` that takes a privilege from a role while PUBLIC still holds it on the
    /// same object: USAGE on schema `public` (PostgreSQL gives it to PUBLIC), EXECUTE on a
    /// function (PostgreSQL gives it to PUBLIC), or anything the model grants to `public`.
    /// Schemas, tables, views and functions are checked, with their effective privileges.
    ///
    /// ## Why is this bad?
    /// Every role is a member of PUBLIC, so the role keeps the privilege: the revoke changes
    /// nothing and the object stays open to the role it was meant to close it to.
    ///
    /// ## Example
    /// ```yaml
    /// schemas:
    ///   public: { revoke: { anon: [usage] } }
    /// ```
    ///
    /// Use instead: revoke it from `public` too (`revoke: { anon: [usage], public: [usage] }`)
    /// and grant it back to the roles that need it.
    pub RevokeShadowedByPublic {
        code: "SC511", name: "revoke-shadowed-by-public",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for RevokeShadowedByPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let m = cx.model;
        let empty = Held::new();
        let mut report = |object: Object,
                          what: String,
                          revokes: &Privileges,
                          spans: &BTreeMap<String, Span>,
                          origin: Span,
                          held: &Held| {
            let Some(public) = held.get("public") else {
                return;
            };
            for (role, privs) in revokes {
                if role == "public" {
                    continue;
                }
                let kept: Vec<&String> = if privs.contains("all") {
                    public.iter().collect()
                } else {
                    privs.iter().filter(|p| public.contains(*p)).collect()
                };
                for p in kept {
                    let at = privilege_span(spans, true, role, Some(p), origin);
                    out.push(
                        Self::META
                            .finding(
                                object.clone(),
                                format!(
                                    "`{role}` keeps {} on {what} through PUBLIC, so revoking it from `{role}` changes nothing",
                                    p.to_ascii_uppercase()
                                ),
                            )
                            .discriminator(format!("{role}:{p}"))
                            .at(at, "PUBLIC still holds it")
                            .help(format!(
                                "revoke it from `public` too (`revoke: {{ {role}: [{p}], public: [{p}] }}`) and grant it to the roles that need it"
                            )),
                    );
                }
            }
        };
        for s in m.schemas.values() {
            report(
                Object::Key(format!("schema:{}", s.name)),
                format!("schema `{}`", s.name),
                &s.revokes,
                &s.privilege_spans,
                s.origin,
                cx.access.schemas.get(&s.name).unwrap_or(&empty),
            );
        }
        for t in m.tables.values() {
            report(
                Object::Table(t.name.clone()),
                format!("table `{}`", cx.short(&t.name)),
                &t.revokes,
                &t.privilege_spans,
                t.origin,
                cx.access.relations.get(&t.name).unwrap_or(&empty),
            );
        }
        for v in m.views.values() {
            report(
                Object::View(v.name.clone()),
                format!("view `{}`", cx.short(&v.name)),
                &v.revokes,
                &v.privilege_spans,
                v.origin,
                cx.access.relations.get(&v.name).unwrap_or(&empty),
            );
        }
        for (key, f) in &m.functions {
            report(
                Object::Function(f.name.clone()),
                format!("function `{}`", cx.short(&f.name)),
                &f.revokes,
                &f.privilege_spans,
                f.origin,
                cx.access.functions.get(key).unwrap_or(&empty),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    #[test]
    fn revoke_shadowed_by_public_violation() {
        insta::assert_snapshot!(violations(
            "version: 1\npreset: supabase\nschemas:\n  public: { revoke: { anon: [usage] } }\nfunctions:\n  answer:\n    returns: integer\n    language: sql\n    body: select 42\n    revoke: { anon: [execute] }\n",
            "SC511"
        ));
    }

    #[test]
    fn revoke_shadowed_by_public_ok() {
        assert_clean(
            "version: 1\npreset: supabase\nschemas:\n  public: { revoke: { anon: [usage], public: [usage] } }\nfunctions:\n  answer:\n    returns: integer\n    language: sql\n    body: select 42\n    revoke: { anon: [execute], public: [execute] }\n",
            "SC511",
        );
    }
}
