//! SC606 `constraint-without-not-valid`.

use crate::declare_rule;
use crate::diff::{ChangeKind, Subject};
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key or CHECK added to an existing table in one step, which happens when
    /// `migrations.not_valid_constraints` is switched off.
    ///
    /// ## Why is this bad?
    /// Adding the constraint validates every row while holding a lock that blocks writes (and, for
    /// a foreign key, also locks the referenced table). `NOT VALID` followed by a separate
    /// `VALIDATE CONSTRAINT` takes only a brief lock and scans without blocking writes.
    ///
    /// ## Example
    /// ```yaml
    /// migrations: { not_valid_constraints: false }
    /// ```
    ///
    /// Use instead: leave `not_valid_constraints` on (the default): the constraint is added
    /// `NOT VALID` in the migration and validated in the non-transactional follow-up file.
    pub ConstraintWithoutNotValid {
        code: "SC606", name: "constraint-without-not-valid",
        category: MigrationSafety, level: Warn, target: Changes,
    }
}

impl Rule for ConstraintWithoutNotValid {
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
                && c.strategy.is_none()
                && kind.can_be_not_valid()
            {
                out.push(
                    cx.finding(&Self::META, c, format!("{} constraint `{}` is added and validated in one step, blocking writes while every row is checked", kind.as_str(), c.object))
                        .help("switch `migrations.not_valid_constraints` back on, or acknowledge the change in `migrations.acknowledge`"),
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
    fn constraint_without_not_valid_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\nmigrations: { not_valid_constraints: false }\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: { type: integer, check: n > 0 }\n",
            "SC606"
        ));
    }

    #[test]
    fn constraint_without_not_valid_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: { type: integer, check: n > 0 }\n",
            "SC606",
        );
    }
}
