//! SC109 `set-null-on-not-null-column`.

use crate::declare_rule;
use crate::ir::{Column, FkAction};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key whose referential action cannot work on its columns:
    /// `on_update: set_null` when a referencing column is NOT NULL, or `on_delete: set_default`
    /// / `on_update: set_default` when a referencing column has no default.
    ///
    /// `on_delete: set_null` on a NOT NULL column has one home in the compiler: it is the hard
    /// error `E307` (see `docs/diagnostics.md`).
    ///
    /// With a column list (`on_delete: { set_default: [editor_id] }`, PostgreSQL 15+) only the
    /// listed columns are set, so only they need a default.
    ///
    /// ## Why is this bad?
    /// PostgreSQL accepts the constraint and only fails when the action runs: updating the
    /// referenced key then violates NOT NULL. SET DEFAULT on a column without a default sets
    /// NULL, which fails on a NOT NULL column and silently behaves like SET NULL otherwise.
    ///
    /// ## Example
    /// ```yaml
    ///       author_id: { type: bigint, references: authors.id, on_update: set_null }
    /// ```
    ///
    /// Use instead: `on_update: cascade`, or `nullable: true` on the column.
    pub SetNullOnNotNullColumn {
        code: "SC109", name: "set-null-on-not-null-column",
        category: Integrity, level: Error, target: Model,
    }
}

impl Rule for SetNullOnNotNullColumn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for fk in &t.foreign_keys {
                let all: Vec<&Column> = fk
                    .columns
                    .iter()
                    .filter_map(|c| t.columns.get(&c.value))
                    .collect();
                // `on_delete: { set_default: [cols] }` sets the listed columns only.
                let listed: Vec<&Column> = fk
                    .on_delete_columns
                    .iter()
                    .filter_map(|c| t.columns.get(&c.value))
                    .collect();
                for (clause, action) in [("on_delete", fk.on_delete), ("on_update", fk.on_update)] {
                    let cols = if clause == "on_delete" && !fk.on_delete_columns.is_empty() {
                        &listed
                    } else {
                        &all
                    };
                    let (bad, (one, many), help): (Vec<&str>, (&str, &str), &str) = match action {
                        // on_delete: set_null on NOT NULL is E307.
                        FkAction::SetNull if clause == "on_update" => (
                            cols.iter()
                                .filter(|c| !c.nullable)
                                .map(|c| c.name.as_str())
                                .collect(),
                            ("is NOT NULL", "are NOT NULL"),
                            "add `nullable: true` to the column, or choose another `on_update`",
                        ),
                        FkAction::SetDefault => (
                            cols.iter()
                                .filter(|c| c.default.is_none())
                                .map(|c| c.name.as_str())
                                .collect(),
                            ("has no default", "have no default"),
                            "give the column a `default:`, or choose another action",
                        ),
                        _ => continue,
                    };
                    if bad.is_empty() {
                        continue;
                    }
                    let why = if bad.len() == 1 { one } else { many };
                    out.push(
                        Self::META
                            .finding(
                                Object::TablePart(t.name.clone(), fk.name.value.clone()),
                                format!(
                                    "foreign key `{}` on `{}` says `{clause}: {}` but `{}` {why}",
                                    fk.name.value,
                                    cx.short(&t.name),
                                    action.sql().to_lowercase().replace(' ', "_"),
                                    bad.join("`, `")
                                ),
                            )
                            .discriminator(clause)
                            .at(fk.origin, "the action fails when it runs")
                            .help(help),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  authors:\n    columns:\n      id: { type: bigint, primary_key: true }\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      author_id: { type: bigint, references: authors.id, on_update: set_null }\n      editor_id: { type: bigint, nullable: true, references: authors.id, on_delete: set_default }\n    indexes: [ { columns: [author_id] }, { columns: [editor_id] } ]\n";

    #[test]
    fn set_null_on_not_null_column_violation() {
        insta::assert_snapshot!(violations(MODEL, "SC109"));
    }

    #[test]
    fn set_null_on_not_null_column_ok() {
        assert_clean(
            &MODEL
                .replace(
                    "author_id: { type: bigint,",
                    "author_id: { type: bigint, nullable: true,",
                )
                .replace(
                    "nullable: true, references: authors.id, on_delete",
                    "nullable: true, default: \"0\", references: authors.id, on_delete",
                ),
            "SC109",
        );
    }

    /// A composite key whose `on_delete` sets one column: only that column needs a default.
    const LISTED: &str = "version: 1\ntables:\n  tenants:\n    columns:\n      id: { type: bigint, primary_key: true }\n  authors:\n    columns:\n      tenant_id: { type: bigint, references: tenants.id }\n      id: bigint\n    primary_key: [tenant_id, id]\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      tenant_id: { type: bigint, references: tenants.id }\n      editor_id: { type: bigint, nullable: true, default: \"0\" }\n    foreign_keys:\n      - columns: [tenant_id, editor_id]\n        references: { table: authors, columns: [tenant_id, id] }\n        on_delete: { set_default: [editor_id] }\n    indexes: [ { columns: [tenant_id, editor_id] } ]\n";

    #[test]
    fn set_default_listed_columns_ok() {
        assert_clean(LISTED, "SC109");
    }

    #[test]
    fn set_default_listed_column_without_default_violation() {
        insta::assert_snapshot!(violations(&LISTED.replace(", default: \"0\"", ""), "SC109"));
    }
}
