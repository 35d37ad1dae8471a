//! SC302 `duplicate-index`.

use std::collections::BTreeMap;

use super::KeyPart;
use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags two indexes on one table with the same definition: method, keys (column or
    /// expression, operator class, collation, order and NULLS position), INCLUDE list, predicate
    /// (compared after parsing), uniqueness and NULLS NOT DISTINCT. The indexes that PRIMARY KEY
    /// and UNIQUE constraints create take part, so a unique index on the primary key's columns
    /// is a duplicate. A unique and a non-unique index on the same columns are not duplicates.
    ///
    /// ## Why is this bad?
    /// Every write maintains both indexes and the planner uses only one: the second costs disk,
    /// memory and write time for nothing.
    ///
    /// ## Example
    /// ```yaml
    ///       email: { type: text, unique: true }
    ///     indexes:
    ///       - { columns: [email], unique: true }
    /// ```
    ///
    /// Use instead: keep one of them (here the `unique: true` on the column).
    pub DuplicateIndex {
        code: "SC302", name: "duplicate-index",
        category: Performance, level: Warn, target: Model,
    }
}

type Shape<'a> = (
    &'a str,
    Vec<KeyPart>,
    Vec<&'a str>,
    Option<String>,
    bool,
    bool,
);

impl Rule for DuplicateIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            let indexes = cx.table_indexes(&t.name);
            let mut seen: BTreeMap<Shape<'_>, usize> = BTreeMap::new();
            for (i, ix) in indexes.iter().enumerate() {
                let shape: Shape<'_> = (
                    ix.method,
                    ix.keys.clone(),
                    ix.include.clone(),
                    ix.predicate.clone(),
                    ix.unique,
                    ix.nulls_not_distinct,
                );
                let Some(&first) = seen.get(&shape) else {
                    seen.insert(shape, i);
                    continue;
                };
                let Some(orig) = indexes.get(first) else {
                    continue;
                };
                let what = |c: bool| if c { "constraint" } else { "index" };
                out.push(
                    Self::META
                        .finding(
                            Object::TablePart(t.name.clone(), ix.name.to_string()),
                            format!(
                                "{} `{}` on `{}` duplicates {} `{}`",
                                what(ix.constraint),
                                ix.name,
                                cx.short(&t.name),
                                what(orig.constraint),
                                orig.name
                            ),
                        )
                        .at(ix.span, "same definition")
                        .also(orig.span, "first defined here")
                        .help(format!("remove one of `{}` and `{}`", orig.name, ix.name)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    #[test]
    fn duplicate_index_violation() {
        insta::assert_snapshot!(violations(
            "version: 1\ntables:\n  users:\n    columns:\n      id: { type: bigint, primary_key: true }\n      email: { type: text, unique: true }\n      name: text\n    indexes:\n      - { columns: [email], unique: true }\n      - { expression: \"lower(name)\" }\n      - { expression: \"LOWER( name )\" }\n",
            "SC302"
        ));
    }

    #[test]
    fn duplicate_index_ok() {
        // Unique vs non-unique, different order, different predicate: all distinct.
        assert_clean(
            "version: 1\ntables:\n  users:\n    columns:\n      id: { type: bigint, primary_key: true }\n      email: { type: text, unique: true }\n    indexes:\n      - { columns: [email] }\n      - { columns: [email desc] }\n      - { columns: [email], where: \"id > 0\" }\n",
            "SC302",
        );
    }
}
