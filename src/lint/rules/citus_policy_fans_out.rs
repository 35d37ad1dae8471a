//! SC901 `citus-policy-fans-out`.

use crate::declare_rule;
use crate::ir::PolicyCommand;
use crate::ir::citus::distribution_column;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// On a Citus model (`target: citus`), flags a policy of a hash-distributed table whose
    /// `using` (or, for INSERT, `with_check`) does not compare the table's distribution column
    /// with anything (`org_id = …`, `org_id in (…)`, `org_id = any(…)`), outside subqueries.
    ///
    /// ## Why is this bad?
    /// PostgreSQL adds the policy to every query on the table. Citus routes a query to one shard
    /// only when the query names the distribution column's value as a literal or a bound
    /// parameter (`where org_id = $1`); a query that relies on the policy alone scans every
    /// shard, on every node. It works, and it gets slower with each node added. Comparing the
    /// distribution column in the policy does not route by itself either: on Citus 13.2,
    /// `EXPLAIN` of a query on a table whose policy is `org_id = current_setting(…)::uuid` (or
    /// calls a `stable` function) still ran one task per shard, and one task once the query
    /// added `where org_id = '…'` or a parameter. A policy on the tenant column at least keeps
    /// each tenant's rows apart by the column the application's queries route by.
    ///
    /// ## Example
    /// ```yaml
    ///   tasks:
    ///     distribution: { column: org_id }
    ///     rls:
    ///       policies:
    ///         own:
    ///           for: select
    ///           using: "owner_id = current_setting('app.user_id')::uuid"
    /// ```
    ///
    /// Use instead: filter by the tenant too, for example
    /// `using: "org_id = current_setting('app.org_id')::uuid and owner_id = …"`, and have the
    /// application name the tenant in its queries (`select … from tasks where org_id = $1`).
    pub CitusPolicyFansOut {
        code: "SC901", name: "citus-policy-fans-out",
        category: Performance, level: Warn, target: Model,
    }
}

impl Rule for CitusPolicyFansOut {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            let Some(col) = distribution_column(t) else {
                continue;
            };
            for p in t.policies.values() {
                let clause = if p.command == PolicyCommand::Insert {
                    p.with_check.as_ref()
                } else {
                    p.using.as_ref()
                };
                let Some(expr) = clause else { continue };
                let Some(facts) = cx.facts(expr) else {
                    continue;
                };
                let filters = facts.comparisons.iter().any(|c| match c.column.as_slice() {
                    [c] => c == col,
                    [tb, c] => *tb == t.name.name && c == col,
                    [s, tb, c] => *s == t.name.schema && *tb == t.name.name && c == col,
                    _ => false,
                });
                if filters {
                    continue;
                }
                out.push(
                    Self::META
                        .finding(
                            Object::Policy(t.name.clone(), p.name.clone()),
                            format!(
                                "policy `{}` on distributed table `{}` does not filter by its distribution column `{col}`",
                                p.name,
                                cx.short(&t.name)
                            ),
                        )
                        .at(expr.span, "queries that rely on it fan out to every shard")
                        .help(format!(
                            "Citus routes a query to one shard only when the query itself names `{col}` as a literal or parameter (`where {col} = $1`), not through a setting or function in a policy; compare `{col}` in the policy too, to keep tenants apart, and name the tenant in each query"
                        )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = r#"version: 1
target: citus
roles:
  app: {}
tables:
  tasks:
    distribution: { column: org_id }
    columns:
      org_id: uuid
      id: bigint
      owner_id: uuid
    primary_key: [org_id, id]
    rls:
      enabled: true
      policies:
        own:
          for: select
          to: [app]
          using: "USING"
"#;

    #[test]
    fn citus_policy_fans_out_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("USING", "owner_id = current_setting('app.user_id')::uuid"),
            "SC901"
        ));
    }

    #[test]
    fn citus_policy_fans_out_ok() {
        assert_clean(
            &MODEL.replace(
                "USING",
                "tasks.org_id = current_setting('app.org_id')::uuid and owner_id = current_setting('app.user_id')::uuid",
            ),
            "SC901",
        );
        // Not on Citus: no distribution, nothing to fan out.
        assert_clean(
            &MODEL
                .replace("target: citus\n", "")
                .replace("    distribution: { column: org_id }\n", "")
                .replace("USING", "owner_id = current_setting('app.user_id')::uuid"),
            "SC901",
        );
    }
}
