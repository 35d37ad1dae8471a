//! SC604 `add-required-column`.

use crate::declare_rule;
use crate::diff::ChangeKind;
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a NOT NULL column without a default (nor identity, nor generation) added to a table that
    /// already exists.
    ///
    /// ## Why is this bad?
    /// `ALTER TABLE … ADD COLUMN … NOT NULL` fails as soon as the table has a row: the migration
    /// works on an empty development database and breaks in production.
    ///
    /// ## Example
    /// ```yaml
    /// columns:
    ///   region: text            # new, NOT NULL by default, no default
    /// ```
    ///
    /// Use instead: give it a default, or add it `nullable: true`, backfill, then make it NOT NULL in
    /// a later migration:
    /// ```yaml
    ///   region: { type: text, default: "'eu'" }
    /// ```
    pub AddRequiredColumn {
        code: "SC604", name: "add-required-column",
        category: MigrationSafety, level: Error, target: Changes,
    }
}

impl Rule for AddRequiredColumn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            let required = c.subject.new_column().is_some_and(|col| {
                !col.nullable
                    && col.default.is_none()
                    && col.identity.is_none()
                    && col.generated.is_none()
            });
            if c.kind == ChangeKind::AddColumn && c.on_existing_table && required {
                out.push(
                    cx.finding(&Self::META, c, format!("column `{}` is added NOT NULL without a default to an existing table: the migration fails if the table has rows", c.object))
                        .help("add a `default:`, or add it with `nullable: true`, backfill it, and make it NOT NULL in a later migration"),
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
    fn add_required_column_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      region: text\n",
            "SC604"
        ));
    }

    #[test]
    fn add_required_column_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      region: { type: text, default: \"'eu'\" }\n",
            "SC604",
        );
    }
}
