//! SC609 `volatile-default-on-existing-table`.

use crate::declare_rule;
use crate::diff::ChangeKind;
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a column added to an existing table with a volatile default (`gen_random_uuid()`,
    /// `clock_timestamp()`, `random()`, `nextval(…)`, …).
    ///
    /// ## Why is this bad?
    /// Since PostgreSQL 11 a constant default is stored once in the catalog, but a volatile one must
    /// be computed per row: the whole table is rewritten under an ACCESS EXCLUSIVE lock.
    ///
    /// ## Example
    /// ```yaml
    /// columns:
    ///   public_id: { type: uuid, default: gen_random_uuid() }   # new on a big table
    /// ```
    ///
    /// Use instead: add the column nullable without a default, backfill it in batches, then set the
    /// default and NOT NULL in a later migration — or acknowledge the rewrite for a small table.
    pub VolatileDefaultOnExistingTable {
        code: "SC609", name: "volatile-default-on-existing-table",
        category: MigrationSafety, level: Warn, target: Changes,
    }
}

impl Rule for VolatileDefaultOnExistingTable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            if c.kind == ChangeKind::AddColumn && c.on_existing_table && c.facts.volatile_default {
                out.push(
                    cx.finding(&Self::META, c, format!("column `{}` is added with a volatile default: every row is rewritten under an exclusive lock", c.object))
                        .help("add it without the default, backfill in batches, then set the default; or acknowledge the change in `migrations.acknowledge`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str =
        "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n";

    #[test]
    fn volatile_default_on_existing_table_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      public_id: { type: uuid, default: gen_random_uuid() }\n",
            "SC609"
        ));
    }

    #[test]
    fn volatile_default_on_existing_table_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      created_at: { type: timestamptz, default: now() }\n",
            "SC609",
        );
    }
}
