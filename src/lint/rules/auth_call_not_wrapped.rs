//! SC410 `auth-call-not-wrapped`.

use crate::declare_rule;
use crate::ir::QName;
use crate::ir::citus::{Kind, Target, kind};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::load::yaml::fragment_span;

declare_rule! {
    /// ## What it does
    /// Flags a call to `auth.uid()`, `auth.jwt()`, `auth.role()`, `auth.email()`,
    /// `current_setting(…)`, or a model function that is `stable` or `immutable` and takes no
    /// arguments, in a policy's `using` or `with_check` when it is not wrapped as
    /// `(select auth.uid())`. The expression is parsed and walked: a call counts as wrapped when
    /// it sits inside a scalar subquery without FROM, WHERE or HAVING whose projection reads no
    /// column — exactly the subqueries PostgreSQL evaluates once per statement — so
    /// `(select current_setting('app.user_id', true)::uuid)` is wrapped, while
    /// `(select auth.uid() = user_id)` (it reads a column) is not. A call in the uncorrelated
    /// subquery of `x in (select …)` or `x = any (select …)` also runs once per statement (a
    /// hashed subplan) and is not flagged; such a subquery may return several rows, so it must
    /// not be wrapped again.
    ///
    /// On a Citus model (`target: citus`) the rule skips policies of distributed and reference
    /// tables: Citus refuses any subquery there, the wrapper included (E322), so the per-row
    /// call is the only form that works.
    ///
    /// ## Why is this bad?
    /// Unwrapped, the function runs once per row the policy checks. Wrapped, the planner runs
    /// it once per statement (an initPlan) — Supabase measured up to 99.99% faster policies.
    ///
    /// ## Example
    /// ```yaml
    ///           using: "auth.uid() = user_id"
    /// ```
    ///
    /// Use instead: `using: "(select auth.uid()) = user_id"`.
    pub AuthCallNotWrapped {
        code: "SC410", name: "auth-call-not-wrapped",
        category: Performance, level: Warn, target: Model,
    }
}

impl Rule for AuthCallNotWrapped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let per_statement = |name: &str| -> bool {
            if cx
                .settings
                .per_statement_functions
                .iter()
                .any(|f| f == name)
                || name == "pg_catalog.current_setting"
            {
                return true;
            }
            let q = match name.split_once('.') {
                Some((s, n)) => QName::new(s, n),
                None => QName::new(cx.model.default_schema.clone(), name),
            };
            cx.model.function(&q, &[]).is_some_and(|f| {
                f.kind == crate::ir::RoutineKind::Function
                    && (f.volatility == "stable" || f.volatility == "immutable")
            })
        };
        // Citus refuses `(select …)` in policies of its tables (E322): never ask for it there.
        let citus_table = |table: &QName| {
            cx.model.target == Target::Citus
                && cx
                    .model
                    .tables
                    .get(table)
                    .is_some_and(|t| kind(t) != Kind::Local)
        };
        for (table, p) in cx.policies() {
            if citus_table(table) {
                continue;
            }
            for (clause, value) in [("using", &p.using), ("with_check", &p.with_check)] {
                let Some(value) = value else { continue };
                let Some(facts) = cx.facts(value) else {
                    continue;
                };
                for call in &facts.calls {
                    if call.wrapped || !per_statement(&call.name) {
                        continue;
                    }
                    out.push(
                        Self::META
                            .finding(
                                Object::Policy(table.clone(), p.name.clone()),
                                format!(
                                    "`{}()` in the `{clause}` of policy `{}` on `{}` runs once per row",
                                    call.name,
                                    p.name,
                                    cx.short(table)
                                ),
                            )
                            .discriminator(format!("{clause}:{}", call.name))
                            .at(fragment_span(cx.sources, value, call.at), "not wrapped in `(select …)`")
                            .help(if call.projected {
                                format!(
                                    "the `(select …)` around it reads a column or a table, so it runs per row: compare `(select {}(…))` with the column outside that subquery",
                                    call.name
                                )
                            } else {
                                format!("write `(select {}(…))` so it runs once per statement", call.name)
                            }),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n      email: text\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all], authenticated: [insert, update, delete] }\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"EXPR\" }\n";

    #[test]
    fn auth_call_not_wrapped_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace(
                "EXPR",
                "auth.uid() = user_id or email = (select lower(auth.email()) = email)"
            ),
            "SC410"
        ));
    }

    #[test]
    fn auth_call_in_set_subquery_ok() {
        let model = MODEL.replace("user_id: uuid\n", "user_id: uuid\n      team_id: bigint\n");
        let with = |expr: &str| {
            format!(
                "{}functions:\n  my_team_ids:\n    returns: setof bigint\n    volatility: stable\n    body: \"select 1::bigint\"\n",
                model.replace("EXPR", expr)
            )
        };
        assert_clean(&with("team_id in (select my_team_ids())"), "SC410");
        assert_clean(&with("team_id = any (select my_team_ids())"), "SC410");
    }

    #[test]
    fn auth_call_projected_help_never_nests() {
        let out = violations(
            &MODEL.replace(
                "EXPR",
                "exists (select auth.uid() from public.notes n where n.id = id)",
            ),
            "SC410",
        );
        assert!(!out.contains("(select (select"), "{out}");
        assert!(out.contains("outside that subquery"), "{out}");
    }

    #[test]
    fn auth_call_not_wrapped_ok() {
        assert_clean(
            &MODEL.replace(
                "EXPR",
                "(select auth.uid()) = user_id or email = (select lower(auth.email())) \
                 or user_id = (select current_setting('app.user_id', true)::uuid)",
            ),
            "SC410",
        );
    }

    /// On Citus, the wrapper is refused in policies of distributed and reference tables
    /// (E322): SC410 stays silent there and still speaks for the model's local tables.
    #[test]
    fn auth_call_not_wrapped_skips_citus_tables() {
        let model = "version: 1\npreset: supabase\ntarget: citus\ntables:\n  TABLE:\n    DIST\n    columns:\n      org_id: { type: uuid, primary_key: true }\n      user_id: uuid\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"user_id = auth.uid()\" }\n";
        for dist in [
            "distribution: { column: org_id }",
            "distribution: reference",
        ] {
            assert_clean(
                &model.replace("TABLE", "notes").replace("DIST", dist),
                "SC410",
            );
        }
        let local = violations(
            &model.replace("TABLE", "notes").replace("    DIST\n", ""),
            "SC410",
        );
        assert!(local.contains("SC410"), "{local}");
    }

    /// Policies the model attaches to a platform table are linted like a table's.
    #[test]
    fn auth_call_not_wrapped_on_a_platform_table() {
        insta::assert_snapshot!(violations(
            "version: 1\npreset: supabase\npolicies:\n  storage.objects:\n    own: { for: select, to: [authenticated], using: \"owner = auth.uid()\" }\n",
            "SC410"
        ));
    }
}
