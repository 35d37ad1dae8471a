//! SC111 `set-null-clears-shared-column`.

use std::collections::BTreeSet;

use crate::declare_rule;
use crate::ir::FkAction;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key over several columns with `on_delete: set_null` or `set_default` and
    /// no column list, when one of its columns is also a column of another foreign key of the
    /// table (typically a tenant column: `[tenant_id, reviewer_id]` → members, and
    /// `[tenant_id]` → tenants).
    ///
    /// ## Why is this bad?
    /// Without a column list PostgreSQL sets *every* column of the key: deleting the member also
    /// clears `tenant_id`, and the row loses its tenant (or fails on the other key). PostgreSQL 15
    /// added `ON DELETE SET NULL (reviewer_id)` for exactly this.
    ///
    /// ## Example
    /// ```yaml
    ///     foreign_keys:
    ///       - columns: [tenant_id, reviewer_id]
    ///         references: { table: members, columns: [tenant_id, id] }
    ///         on_delete: set_null
    ///       - { columns: [tenant_id], references: { table: tenants, columns: [id] } }
    /// ```
    ///
    /// Use instead: `on_delete: { set_null: [reviewer_id] }`, listing only the columns to clear.
    pub SetNullClearsSharedColumn {
        code: "SC111", name: "set-null-clears-shared-column",
        category: Integrity, level: Warn, target: Model,
    }
}

impl Rule for SetNullClearsSharedColumn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for (i, fk) in t.foreign_keys.iter().enumerate() {
                if fk.columns.len() < 2
                    || !fk.on_delete_columns.is_empty()
                    || !matches!(fk.on_delete, FkAction::SetNull | FkAction::SetDefault)
                {
                    continue;
                }
                let others: BTreeSet<&str> = t
                    .foreign_keys
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .flat_map(|(_, o)| o.columns.iter().map(|c| c.value.as_str()))
                    .collect();
                let shared: Vec<&str> = fk
                    .columns
                    .iter()
                    .map(|c| c.value.as_str())
                    .filter(|c| others.contains(c))
                    .collect();
                if shared.is_empty() {
                    continue;
                }
                let keep: Vec<&str> = fk
                    .columns
                    .iter()
                    .map(|c| c.value.as_str())
                    .filter(|c| !shared.contains(c))
                    .collect();
                let action = if fk.on_delete == FkAction::SetNull {
                    "set_null"
                } else {
                    "set_default"
                };
                out.push(
                    Self::META
                        .finding(
                            Object::TablePart(t.name.clone(), fk.name.value.clone()),
                            format!(
                                "foreign key `{}` on `{}` says `on_delete: {action}`, which also clears `{}`, a column of another foreign key",
                                fk.name.value,
                                cx.short(&t.name),
                                shared.join("`, `")
                            ),
                        )
                        .at(fk.origin, "sets every column of the key")
                        .help(if keep.is_empty() {
                            "list only the columns to clear: `on_delete: { set_null: [column] }`"
                                .to_string()
                        } else {
                            format!(
                                "list only the columns to clear: `on_delete: {{ {action}: [{}] }}`",
                                keep.join(", ")
                            )
                        }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  tenants:\n    columns:\n      id: { type: bigint, primary_key: true }\n  members:\n    columns:\n      tenant_id: { type: bigint, references: tenants.id }\n      id: bigint\n    primary_key: [tenant_id, id]\n  reviews:\n    columns:\n      id: { type: bigint, primary_key: true }\n      tenant_id: { type: bigint, nullable: true }\n      reviewer_id: { type: bigint, nullable: true }\n    foreign_keys:\n      - columns: [tenant_id, reviewer_id]\n        references: { table: members, columns: [tenant_id, id] }\n        on_delete: set_null\n      - { columns: [tenant_id], references: { table: tenants, columns: [id] } }\n    indexes: [ { columns: [tenant_id, reviewer_id] } ]\n";

    #[test]
    fn set_null_clears_shared_column_violation() {
        insta::assert_snapshot!(violations(MODEL, "SC111"));
    }

    #[test]
    fn set_null_clears_shared_column_ok() {
        assert_clean(
            &MODEL.replace(
                "on_delete: set_null",
                "on_delete: { set_null: [reviewer_id] }",
            ),
            "SC111",
        );
        // No other foreign key shares a column: clearing the whole key is what was asked.
        assert_clean(
            &MODEL.replace(
                "      - { columns: [tenant_id], references: { table: tenants, columns: [id] } }\n",
                "",
            ),
            "SC111",
        );
    }
}
