//! SC105 `duplicate-foreign-key`.

use std::collections::BTreeMap;

use crate::declare_rule;
use crate::ir::{ForeignKey, QName};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key with the same columns and the same target (table and columns) as an
    /// earlier foreign key of the same table. Column order does not matter as long as each
    /// referencing column pairs with the same referenced column.
    ///
    /// ## Why is this bad?
    /// PostgreSQL creates both constraints and checks both on every insert, update and delete of
    /// either side: twice the work for the same guarantee. Their actions may also disagree
    /// (`on_delete: cascade` on one, `restrict` on the other), which is confusing at best.
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     columns:
    ///       author_id: { type: bigint, references: authors.id }
    ///     foreign_keys:
    ///       - { columns: [author_id], references: { table: authors, columns: [id] } }
    /// ```
    ///
    /// Use instead: keep one of the two foreign keys.
    pub DuplicateForeignKey {
        code: "SC105", name: "duplicate-foreign-key",
        category: Integrity, level: Warn, target: Model,
    }
}

/// (referencing column, referenced column) pairs, sorted, and the target.
type FkKey<'t> = (Vec<(&'t str, &'t str)>, &'t QName);

fn key(fk: &ForeignKey) -> FkKey<'_> {
    let mut pairs: Vec<(&str, &str)> = fk
        .columns
        .iter()
        .zip(&fk.target_columns)
        .map(|(c, t)| (c.value.as_str(), t.value.as_str()))
        .collect();
    pairs.sort_unstable();
    (pairs, &fk.target)
}

impl Rule for DuplicateForeignKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            let mut seen: BTreeMap<FkKey<'_>, &ForeignKey> = BTreeMap::new();
            for fk in &t.foreign_keys {
                let Some(first) = seen.get(&key(fk)).copied() else {
                    seen.insert(key(fk), fk);
                    continue;
                };
                out.push(
                    Self::META
                        .finding(
                            Object::TablePart(t.name.clone(), fk.name.value.clone()),
                            format!(
                                "foreign key `{}` on `{}` duplicates `{}` (same columns, same target `{}`)",
                                fk.name.value,
                                cx.short(&t.name),
                                first.name.value,
                                cx.short(&fk.target)
                            ),
                        )
                        .at(fk.origin, "duplicate foreign key")
                        .also(first.origin, "first declared here")
                        .help(format!("remove `{}` or `{}`", fk.name.value, first.name.value)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  authors:\n    columns:\n      id: { type: bigint, primary_key: true }\n      region: text\n    unique: [[id, region]]\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      author_id: { type: bigint, references: authors.id }\n      region: text\n    foreign_keys:\n      - { name: notes_author_fk, columns: [author_id], references: { table: authors, columns: [id] } }\n      - { columns: [region, author_id], references: { table: authors, columns: [region, id] } }\n    indexes: [ { columns: [author_id, region] } ]\n";

    #[test]
    fn duplicate_foreign_key_violation() {
        insta::assert_snapshot!(violations(MODEL, "SC105"));
    }

    #[test]
    fn duplicate_foreign_key_ok() {
        // (region, author_id) → (region, id) is a different key from author_id → id.
        assert_clean(
            &MODEL.replace(
                "      - { name: notes_author_fk, columns: [author_id], references: { table: authors, columns: [id] } }\n",
                "",
            ),
            "SC105",
        );
    }
}
