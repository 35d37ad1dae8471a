//! SC605 `set-not-null-on-existing-column`.

use crate::declare_rule;
use crate::diff::ChangeKind;
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags an existing nullable column that becomes NOT NULL.
    ///
    /// ## Why is this bad?
    /// PostgreSQL scans the whole table to check it, under an ACCESS EXCLUSIVE lock, and the
    /// migration fails if any row holds NULL. schemac's default strategy
    /// (`migrations.not_null_via_check`) adds a `CHECK (col IS NOT NULL) NOT VALID` in the migration
    /// and validates it, sets NOT NULL (no scan then) and drops the check in the non-transactional
    /// follow-up file, so the lock is short — but rows with NULL still make it fail, so the change
    /// needs acknowledgement either way.
    ///
    /// ## Example
    /// ```yaml
    /// columns:
    ///   email: { type: text }     # was: { type: text, nullable: true }
    /// ```
    ///
    /// Use instead: backfill the NULLs first (in an earlier migration or a data job), then
    /// acknowledge:
    /// ```yaml
    /// migrations:
    ///   acknowledge:
    ///     - { rule: set-not-null-on-existing-column, object: public.users.email, reason: "backfilled in 0007" }
    /// ```
    pub SetNotNullOnExistingColumn {
        code: "SC605", name: "set-not-null-on-existing-column",
        category: MigrationSafety, level: Warn, target: Changes,
    }
}

impl Rule for SetNotNullOnExistingColumn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            if c.kind != ChangeKind::SetNotNull || !c.on_existing_table {
                continue;
            }
            let how = if c.strategy.is_some() {
                "the check is validated without a long lock, but any NULL row makes the follow-up file fail"
            } else {
                "PostgreSQL scans the table under an exclusive lock, and any NULL row makes the migration fail"
            };
            out.push(
                cx.finding(
                    &Self::META,
                    c,
                    format!("column `{}` becomes NOT NULL: {how}", c.object),
                )
                .help(
                    "backfill NULLs first, then acknowledge the change in `migrations.acknowledge`",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str = "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      e: { type: text, nullable: true }\n";

    #[test]
    fn set_not_null_on_existing_column_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      e: { type: text }\n",
            "SC605"
        ));
    }

    #[test]
    fn set_not_null_on_existing_column_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      e: { type: text, nullable: true, description: now documented }\n",
            "SC605",
        );
    }
}
