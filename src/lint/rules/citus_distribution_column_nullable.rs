//! SC902 `citus-distribution-column-nullable`.

use crate::declare_rule;
use crate::ir::citus::distribution_column;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// On a Citus model, flags a hash-distributed table whose distribution column is nullable
    /// (`nullable: true`).
    ///
    /// ## Why is this bad?
    /// Citus accepts the table, but every row must name its shard: an INSERT with NULL in the
    /// distribution column fails at run time (`cannot perform an INSERT with NULL in the
    /// partition column`). Declaring the column NOT NULL says so in the schema, so the error is
    /// the familiar NOT NULL one and clients and generated types know the column is required.
    ///
    /// ## Example
    /// ```yaml
    ///   tasks:
    ///     distribution: { column: org_id }
    ///     columns:
    ///       org_id: { type: uuid, nullable: true }
    /// ```
    ///
    /// Use instead: drop `nullable: true` (columns are NOT NULL by default).
    pub CitusDistributionColumnNullable {
        code: "SC902", name: "citus-distribution-column-nullable",
        category: Integrity, level: Warn, target: Model,
    }
}

impl Rule for CitusDistributionColumnNullable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            let Some(col) = distribution_column(t) else {
                continue;
            };
            let Some(c) = t.columns.get(col).filter(|c| c.nullable) else {
                continue;
            };
            out.push(
                Self::META
                    .finding(
                        Object::Column(t.name.clone(), col.to_string()),
                        format!(
                            "the distribution column `{col}` of `{}` is nullable",
                            cx.short(&t.name)
                        ),
                    )
                    .at(c.origin, "Citus rejects every row with NULL here")
                    .help("remove `nullable: true` from the column"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = r#"version: 1
target: citus
tables:
  tasks:
    distribution: { column: org_id }
    columns:
      org_id: { type: uuid NULLABLE }
      id: bigint
"#;

    #[test]
    fn citus_distribution_column_nullable_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace(" NULLABLE", ", nullable: true"),
            "SC902"
        ));
    }

    #[test]
    fn citus_distribution_column_nullable_ok() {
        assert_clean(&MODEL.replace(" NULLABLE", ""), "SC902");
    }
}
