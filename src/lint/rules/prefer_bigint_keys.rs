//! SC205 `prefer-bigint-keys`.

use std::collections::BTreeMap;

use crate::declare_rule;
use crate::lint::{Finding, Level, LintContext, Object, Rule, RuleMeta};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a primary key or foreign key column of type `integer` or `smallint`.
    ///
    /// ## Why is this bad?
    /// An `integer` key runs out at about 2.1 billion values (`smallint` at 32,767), and
    /// sequences never reuse values, so deletes and failed inserts bring the day closer. Widening
    /// a key later rewrites the table, its indexes and every table that references it, under an
    /// ACCESS EXCLUSIVE lock. `bigint` costs 4 bytes more per row. Reported as info: small
    /// lookup tables are a deliberate choice.
    ///
    /// ## Example
    /// ```yaml
    ///       id: { type: integer, identity: always, primary_key: true }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///       id: { type: bigint, identity: always, primary_key: true }
    /// ```
    pub PreferBigintKeys {
        code: "SC205", name: "prefer-bigint-keys",
        category: Integrity, level: Info, target: Model,
    }
}

impl Rule for PreferBigintKeys {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            // Key columns → what makes them keys (primary key first), each column once.
            let mut keys: BTreeMap<&str, (&str, Span)> = BTreeMap::new();
            if let Some(pk) = &t.primary_key {
                for c in &pk.columns {
                    keys.entry(c.value.as_str())
                        .or_insert(("primary key", pk.origin));
                }
            }
            for fk in &t.foreign_keys {
                for c in &fk.columns {
                    keys.entry(c.value.as_str())
                        .or_insert(("foreign key", fk.origin));
                }
            }
            for (name, (what, key_span)) in keys {
                let Some(c) = t.columns.get(name) else {
                    continue;
                };
                if !matches!(c.type_sql.as_str(), "integer" | "smallint") {
                    continue;
                }
                let mut f = Self::META
                    .finding(
                        Object::Column(t.name.clone(), c.name.clone()),
                        format!(
                            "{what} column `{}.{}` is `{}`; keys outgrow it and are costly to widen",
                            cx.short(&t.name),
                            c.name,
                            c.type_sql
                        ),
                    )
                    .level(Level::Info)
                    .at(c.type_written.span, format!("{} key", c.type_sql));
                if key_span != c.origin {
                    f = f.also(key_span, format!("{what} declared here"));
                }
                out.push(f.help(
                    "use `type: bigint` (and the same on the other side of its foreign keys)",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  teams:\n    columns:\n      id: { type: INT, identity: always, primary_key: true }\n  members:\n    columns:\n      id: { type: bigint, identity: always, primary_key: true }\n      team_id: { type: INT, references: teams.id }\n      rank: integer\n    indexes: [ { columns: [team_id] } ]\n";

    #[test]
    fn prefer_bigint_keys_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("INT", "integer"), "SC205"));
    }

    #[test]
    fn prefer_bigint_keys_ok() {
        // A non-key integer column is fine.
        assert_clean(&MODEL.replace("INT", "bigint"), "SC205");
    }
}
