//! SC607 `index-not-concurrent`.

use crate::declare_rule;
use crate::diff::ChangeKind;
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags an index created or dropped on an existing table without `CONCURRENTLY`, which happens
    /// when `migrations.concurrent_indexes` is switched off. Indexes of tables created in the same
    /// migration are exempt.
    ///
    /// ## Why is this bad?
    /// `CREATE INDEX` blocks every write to the table until the index is built — minutes on a
    /// large table. `CREATE INDEX CONCURRENTLY` does not, but cannot run inside a transaction, so
    /// schemac writes it into a separate, non-transactional follow-up file.
    ///
    /// ## Example
    /// ```yaml
    /// migrations: { concurrent_indexes: false }
    /// ```
    ///
    /// Use instead: leave `concurrent_indexes` on (the default).
    pub IndexNotConcurrent {
        code: "SC607", name: "index-not-concurrent",
        category: MigrationSafety, level: Warn, target: Changes,
    }
}

impl Rule for IndexNotConcurrent {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            if matches!(c.kind, ChangeKind::CreateIndex | ChangeKind::DropIndex)
                && c.on_existing_table
                && c.strategy.is_none()
            {
                let verb = if c.kind == ChangeKind::CreateIndex {
                    "created"
                } else {
                    "dropped"
                };
                out.push(
                    cx.finding(&Self::META, c, format!("index `{}` is {verb} without CONCURRENTLY on an existing table, blocking writes meanwhile", c.object))
                        .help("switch `migrations.concurrent_indexes` back on, or acknowledge the change in `migrations.acknowledge`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str = "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: { type: integer }\n";

    #[test]
    fn index_not_concurrent_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\nmigrations: { concurrent_indexes: false }\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: { type: integer }\n    indexes: [{ columns: [n] }]\n",
            "SC607"
        ));
    }

    #[test]
    fn index_not_concurrent_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: { type: integer }\n    indexes: [{ columns: [n] }]\n",
            "SC607",
        );
    }
}
