//! SC601 `destructive-drop`.

use crate::declare_rule;
use crate::diff::ChangeKind;
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a change that destroys data: a table, a partition, a column (a generated column,
    /// recomputed from the others, is exempt), an enum type or a schema is dropped, or a table is
    /// dropped and created again because its partitioning changed.
    ///
    /// ## Why is this bad?
    /// The data is gone once the migration runs, and rolling back recreates empty objects. Without
    /// `renamed_from:`, a rename looks exactly like this (a drop plus an add), which is one more
    /// reason the drop must be a decision, not an accident.
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   legacy_events:          # removed from the model
    ///     columns: { id: { type: bigint, primary_key: true } }
    /// ```
    ///
    /// Use instead: if it is a rename, say so with `renamed_from:`; if the data may go, acknowledge
    /// the drop with a reason:
    /// ```yaml
    /// migrations:
    ///   acknowledge:
    ///     - { rule: destructive-drop, object: public.legacy_events, reason: "archived to S3 in TICKET-42" }
    /// ```
    pub DestructiveDrop {
        code: "SC601", name: "destructive-drop",
        category: MigrationSafety, level: Error, target: Changes,
    }
}

impl Rule for DestructiveDrop {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            let what = match c.kind {
                ChangeKind::DropTable => "table",
                ChangeKind::DropColumn => "column",
                ChangeKind::DropEnum => "enum type",
                ChangeKind::DropSchema => "schema",
                ChangeKind::DropPartition if c.detail.is_empty() => "partition",
                ChangeKind::RecreateTable => {
                    "table (dropped and created again: its partitioning changed)"
                }
                _ => continue,
            };
            out.push(
                cx.finding(&Self::META, c, format!("the migration drops {what} `{}` and its data", c.object))
                    .help("if this is a rename, add `renamed_from:`; otherwise acknowledge it in `migrations.acknowledge` with a reason"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str = "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      note: { type: text, nullable: true }\n  b:\n    columns:\n      id: { type: bigint, primary_key: true }\n";

    #[test]
    fn destructive_drop_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n",
            "SC601"
        ));
    }

    #[test]
    fn destructive_drop_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      note: { type: text, nullable: true }\n  c:\n    renamed_from: b\n    columns:\n      id: { type: bigint, primary_key: true }\n",
            "SC601",
        );
    }
}
