//! SC603 `column-type-change`.

use crate::declare_rule;
use crate::diff::ChangeKind;
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a column type change that PostgreSQL cannot do without rewriting the table (and its
    /// indexes) under an ACCESS EXCLUSIVE lock, or that may fail or lose data (narrowing).
    /// `varchar(n)` → `varchar(m ≥ n)`, `varchar` → `text` and `numeric(p,s)` → `numeric` are
    /// exempt.
    ///
    /// ## Why is this bad?
    /// The table is locked for reads and writes while every row is rewritten; a narrowing change
    /// (`text` → `varchar(20)`, `bigint` → `integer`) fails on existing rows or truncates them.
    ///
    /// ## Example
    /// ```yaml
    /// columns:
    ///   amount: { type: numeric(12,2) }   # was: integer
    /// ```
    ///
    /// Use instead: for large tables, add a new column, backfill it in batches and switch over; for
    /// small ones acknowledge the rewrite (and give `using:` when the cast needs an expression):
    /// ```yaml
    ///   amount: { type: numeric(12,2), using: "amount::numeric / 100" }
    /// ```
    pub ColumnTypeChange {
        code: "SC603", name: "column-type-change",
        category: MigrationSafety, level: Warn, target: Changes,
    }
}

impl Rule for ColumnTypeChange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            if c.kind != ChangeKind::AlterColumnType {
                continue;
            }
            let (Some(old), Some(new)) = (c.subject.old_column(), c.subject.new_column()) else {
                continue;
            };
            let (from, to) = (&old.type_sql, &new.type_sql);
            if crate::diff::binary_coercible(from, to) {
                continue;
            }
            out.push(
                cx.finding(&Self::META, c, format!("column `{}` changes type {from} → {to}: the table is rewritten under an exclusive lock, and existing values may not convert", c.object))
                    .help("for a large table add a new column and backfill it; otherwise acknowledge the change in `migrations.acknowledge` (add `using:` if the cast needs an expression)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str = "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: { type: text }\n";

    #[test]
    fn column_type_change_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: { type: integer, using: n::integer }\n",
            "SC603"
        ));
    }

    #[test]
    fn column_type_change_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: { type: text }\n      v: { type: varchar(10), nullable: true }\n",
            "SC603",
        );
    }
}
