//! SC608 `unique-or-pk-on-existing-table`.

use crate::declare_rule;
use crate::diff::{ChangeKind, ConstraintKind, Subject};
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a UNIQUE, PRIMARY KEY or EXCLUDE constraint added to a table that already exists.
    ///
    /// ## Why is this bad?
    /// Adding the constraint builds its index while blocking writes, and the migration fails if the
    /// existing rows hold duplicates (or NULLs, for a primary key): whether it works depends on
    /// production data.
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   users:
    ///     unique: [[email]]        # new
    /// ```
    ///
    /// Use instead: check production for duplicates first; for a large table, build a unique index
    /// `CONCURRENTLY` by hand and attach it with `ADD CONSTRAINT … USING INDEX`; then acknowledge:
    /// ```yaml
    /// migrations:
    ///   acknowledge:
    ///     - { rule: unique-or-pk-on-existing-table, object: public.users.users_email_key, reason: "no duplicates, table is small" }
    /// ```
    pub UniqueOrPkOnExistingTable {
        code: "SC608", name: "unique-or-pk-on-existing-table",
        category: MigrationSafety, level: Warn, target: Changes,
    }
}

impl Rule for UniqueOrPkOnExistingTable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            let Subject::Constraint { kind, .. } = &c.subject else {
                continue;
            };
            if c.kind == ChangeKind::AddConstraint
                && c.on_existing_table
                && matches!(
                    kind,
                    ConstraintKind::Unique | ConstraintKind::PrimaryKey | ConstraintKind::Exclusion
                )
            {
                let (bad, check) = if *kind == ConstraintKind::Exclusion {
                    ("rows that conflict under it", "conflicting rows")
                } else {
                    ("duplicates in the data", "duplicates")
                };
                out.push(
                    cx.finding(&Self::META, c, format!("{} constraint `{}` is added to an existing table: its index is built while writes wait, and {bad} make it fail", kind.as_str(), c.object))
                        .help(format!("check the data for {check} first, then acknowledge the change in `migrations.acknowledge`")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str = "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      e: { type: text }\n";

    #[test]
    fn unique_or_pk_on_existing_table_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      e: { type: text, unique: true }\n",
            "SC608"
        ));
    }

    #[test]
    fn exclusion_on_existing_table_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      e: { type: text }\n    exclude:\n      - elements: [{ expression: \"int8range(id, id, '[]')\", with: \"&&\" }]\n",
            "SC608"
        ));
    }

    #[test]
    fn unique_or_pk_on_existing_table_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      e: { type: text }\n  b:\n    columns:\n      id: { type: bigint, primary_key: true }\n      e: { type: text, unique: true }\n    exclude:\n      - elements: [{ expression: \"int8range(id, id, '[]')\", with: \"&&\" }]\n",
            "SC608",
        );
    }
}
