//! SC610 `enum-value-change`.

use crate::declare_rule;
use crate::diff::compare::enum_values_inserted_before_end;
use crate::diff::{Change, ChangeKind, Subject};
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Level, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags enum values that are removed or reordered (error), and values inserted before the end
    /// (info: schemac writes `ADD VALUE … BEFORE/AFTER`, which PostgreSQL supports).
    ///
    /// ## Why is this bad?
    /// `ALTER TYPE` cannot remove or reorder values. schemac then rebuilds the type: it renames the
    /// old one away, creates the new one, converts every column through `text` and drops the old
    /// type. Rows holding a removed value make that fail, and the conversion rewrites each table
    /// using the type.
    ///
    /// ## Example
    /// ```yaml
    /// enums:
    ///   status: [draft, published]   # was: [draft, review, published]
    /// ```
    ///
    /// Use instead: move rows off the removed value first (an UPDATE in an earlier migration or a
    /// data job), then acknowledge the rebuild:
    /// ```yaml
    /// migrations:
    ///   acknowledge:
    ///     - { rule: enum-value-change, object: public.status, reason: "no row uses 'review' since 0009" }
    /// ```
    pub EnumValueChange {
        code: "SC610", name: "enum-value-change",
        category: MigrationSafety, level: Error, target: Changes,
    }
}

/// The values of an enum change added anywhere but at the end.
fn inserted(c: &Change) -> Vec<String> {
    match &c.subject {
        Subject::Enum { old, new, .. } => enum_values_inserted_before_end(old, new),
        _ => Vec::new(),
    }
}

impl Rule for EnumValueChange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            match c.kind {
                ChangeKind::RebuildEnum => out.push(
                    cx.finding(&Self::META, c, format!("enum type `{}`: {}; the type is rebuilt and every column using it is converted, which fails on rows holding a removed value", c.object, c.detail))
                        .help("migrate rows off removed values first, then acknowledge the change in `migrations.acknowledge`"),
                ),
                ChangeKind::AddEnumValue if !inserted(c).is_empty() => out.push(
                    cx.finding(&Self::META, c, format!("enum type `{}`: {} inserted before the last value (written as ADD VALUE … BEFORE/AFTER)", c.object, inserted(c).iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")))
                        .help("nothing to do unless code relies on the order of the values")
                        .level(Level::Info),
                ),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str = "version: 1\nenums:\n  status: [draft, review, published]\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      s: status\n";

    #[test]
    fn enum_value_change_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\nenums:\n  status: [draft, published]\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      s: status\n",
            "SC610"
        ));
    }

    #[test]
    fn enum_value_change_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\nenums:\n  status: [draft, review, published, archived]\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      s: status\n",
            "SC610",
        );
    }
}
