//! SC301 `fk-missing-index`.

use std::collections::BTreeSet;

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key whose columns, in order, are not the leading columns of any index on
    /// the referencing table. Indexes backing the primary key and UNIQUE constraints count, and
    /// so do partial indexes (as in Supabase's splinter lint 0001); expression keys never match.
    /// An index on `(b, a)` does not cover a foreign key on `(a, b)`.
    ///
    /// ## Why is this bad?
    /// PostgreSQL does not index the referencing side automatically. Every DELETE or key UPDATE
    /// on the referenced table scans the referencing table to check or cascade, and joins along
    /// the relationship cannot use an index.
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     columns:
    ///       author_id: { type: bigint, references: authors.id, on_delete: cascade }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///     indexes:
    ///       - { columns: [author_id], why: Cascading deletes and an author's notes. }
    /// ```
    pub FkMissingIndex {
        code: "SC301", name: "fk-missing-index",
        category: Performance, level: Warn, target: Model,
    }
}

impl Rule for FkMissingIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            if t.foreign_keys.is_empty() {
                continue;
            }
            // Every leading column list of every index, built once per table.
            let mut prefixes: BTreeSet<Vec<&str>> = BTreeSet::new();
            let indexes = cx.table_indexes(&t.name);
            for ix in indexes {
                let mut p = Vec::new();
                for k in &ix.keys {
                    if k.1 {
                        break;
                    }
                    p.push(k.0.as_str());
                    prefixes.insert(p.clone());
                }
            }
            for fk in &t.foreign_keys {
                let cols: Vec<&str> = fk.columns.iter().map(|c| c.value.as_str()).collect();
                if cols.is_empty() || prefixes.contains(&cols) {
                    continue;
                }
                let suggested = format!("{}_{}_idx", t.name.name, cols.join("_"));
                let name_hint = if suggested.len() > 63 {
                    " with a `name:` of at most 63 bytes".to_string()
                } else {
                    format!(" (it will be named `{suggested}`)")
                };
                let mut f = Self::META
                    .finding(
                        Object::TablePart(t.name.clone(), fk.name.value.clone()),
                        format!(
                            "foreign key `{}` on `{}` ({}) has no index that starts with its columns",
                            fk.name.value,
                            cx.short(&t.name),
                            cols.join(", ")
                        ),
                    )
                    .at(fk.origin, "not the leading columns of any index")
                    .help(format!(
                        "add `indexes: [ {{ columns: [{}] }} ]` to `{}`{name_hint}",
                        cols.join(", "),
                        cx.short(&t.name)
                    ));
                if let [c] = cols.as_slice() {
                    f = f.key(format!("column:{}.{}.{c}", t.name.schema, t.name.name));
                }
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  orgs:\n    columns:\n      id: { type: bigint, primary_key: true }\n      region: text\n    unique: [[id, region]]\n  members:\n    columns:\n      id: { type: bigint, primary_key: true }\n      org_id: bigint\n      region: text\n      user_id: { type: bigint, references: orgs.id }\n    foreign_keys:\n      - { columns: [org_id, region], references: { table: orgs, columns: [id, region] } }\nINDEXES";

    #[test]
    fn fk_missing_index_violation() {
        // (region, org_id) does not cover (org_id, region); nothing covers user_id.
        insta::assert_snapshot!(violations(
            &MODEL.replace(
                "INDEXES",
                "    indexes: [ { columns: [region, org_id] } ]\n"
            ),
            "SC301"
        ));
    }

    #[test]
    fn fk_missing_index_ok() {
        // A partial index counts (as in splinter); a longer index counts when it leads with the
        // foreign key's columns in order.
        assert_clean(
            &MODEL.replace(
                "INDEXES",
                "    indexes:\n      - { columns: [org_id, region, id] }\n      - { columns: [user_id], where: \"user_id > 0\" }\n",
            ),
            "SC301",
        );
    }

    #[test]
    fn fk_covered_by_primary_key_prefix() {
        assert_clean(
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n  b:\n    columns:\n      a_id: { type: bigint, references: a.id }\n      n: integer\n    primary_key: [a_id, n]\n",
            "SC301",
        );
    }
}
