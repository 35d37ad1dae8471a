//! SC303 `redundant-index`.

use std::collections::BTreeMap;

use super::KeyPart;
use crate::declare_rule;
use crate::lint::{Finding, Level, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a non-unique btree index whose keys are a strict leading prefix of another btree
    /// index of the same table with the same predicate (constraint-backed indexes included).
    /// Covering indexes (`include:`) are left alone: they serve index-only scans.
    ///
    /// ## Why is this bad?
    /// The longer index serves every query the shorter one serves, so the shorter one only costs
    /// writes and space. Reported as info: a narrower index can still be faster to scan.
    ///
    /// ## Example
    /// ```yaml
    ///     indexes:
    ///       - { columns: [user_id] }
    ///       - { columns: [user_id, created_at desc] }
    /// ```
    ///
    /// Use instead: keep only `{ columns: [user_id, created_at desc] }`.
    pub RedundantIndex {
        code: "SC303", name: "redundant-index",
        category: Performance, level: Info, target: Model,
    }
}

impl Rule for RedundantIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            let indexes = cx.table_indexes(&t.name);
            // Every strict prefix of every btree index → the first index that has it.
            let mut prefixes: BTreeMap<(&[KeyPart], Option<&str>), usize> = BTreeMap::new();
            for (i, ix) in indexes.iter().enumerate() {
                if ix.method != "btree" {
                    continue;
                }
                for n in 1..ix.keys.len() {
                    if let Some(p) = ix.keys.get(..n) {
                        prefixes.entry((p, ix.predicate.as_deref())).or_insert(i);
                    }
                }
            }
            for ix in indexes {
                // A covering index (INCLUDE) serves index-only scans the longer one may not.
                if ix.method != "btree" || ix.unique || ix.constraint || !ix.include.is_empty() {
                    continue;
                }
                let Some(longer) = prefixes
                    .get(&(ix.keys.as_slice(), ix.predicate.as_deref()))
                    .and_then(|i| indexes.get(*i))
                else {
                    continue;
                };
                out.push(
                    Self::META
                        .finding(
                            Object::TablePart(t.name.clone(), ix.name.to_string()),
                            format!(
                                "index `{}` on `{}` is a leading prefix of `{}`",
                                ix.name,
                                cx.short(&t.name),
                                longer.name
                            ),
                        )
                        .level(Level::Info)
                        .at(ix.span, "covered by a longer index")
                        .also(longer.span, "this index starts with the same keys")
                        .help(format!(
                            "remove `{}` unless scans of it are measurably faster",
                            ix.name
                        )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: bigint\n      created_at: timestamptz\n    indexes:\n      - { columns: [user_id] FIRST }\n      - { columns: [user_id, created_at desc] }\n";

    #[test]
    fn redundant_index_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace(" FIRST", ""), "SC303"));
    }

    #[test]
    fn redundant_index_ok() {
        // A different predicate is a different index.
        assert_clean(
            &MODEL.replace(" FIRST", ", where: \"user_id > 0\""),
            "SC303",
        );
    }
}
