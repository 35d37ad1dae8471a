//! SC103 `fk-type-mismatch`.

use crate::declare_rule;
use crate::ir::types::family;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key column whose type differs from the referenced column's type after
    /// aliases are normalised (`int` = `integer` = `int4`, `timestamptz` = `timestamp with time
    /// zone`). Type modifiers such as a `varchar` length are ignored.
    ///
    /// Pairs PostgreSQL rejects outright (`uuid` → `text`) are the hard error `E305`
    /// (`fk-type-mismatch`) of validation and never reach lint; this rule reports the pairs
    /// PostgreSQL accepts through implicit casts (`integer` → `bigint`, `text` → `varchar`,
    /// `timestamp` → `timestamptz`).
    ///
    /// ## Why is this bad?
    /// Every join and cascade casts, indexes may not be used, and a narrower referencing column
    /// overflows when the referenced key grows past its range.
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   authors: { columns: { id: { type: bigint, primary_key: true } } }
    ///   notes:
    ///     columns:
    ///       author_id: { type: integer, references: authors.id }
    /// ```
    ///
    /// Use instead: `author_id: { type: bigint, references: authors.id }`.
    pub FkTypeMismatch {
        code: "SC103", name: "fk-type-mismatch",
        category: Integrity, level: Error, target: Model,
    }
}

fn base(t: &str) -> &str {
    t.split('(').next().unwrap_or(t).trim()
}

impl Rule for FkTypeMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for fk in &t.foreign_keys {
                let target_cols = |c: &str| -> Option<String> {
                    match cx.model.tables.get(&fk.target) {
                        Some(tt) => tt.columns.get(c).map(|col| col.type_sql.clone()),
                        None => cx
                            .external
                            .tables
                            .get(&fk.target)?
                            .iter()
                            .find(|(n, _)| n == c)
                            .map(|(_, ty)| ty.clone()),
                    }
                };
                for (c, tc) in fk.columns.iter().zip(&fk.target_columns) {
                    let (Some(col), Some(tt)) = (t.columns.get(&c.value), target_cols(&tc.value))
                    else {
                        continue;
                    };
                    let (a, b) = (base(&col.type_sql), base(&tt));
                    if a.is_empty() || b.is_empty() || a == b || family(a) != family(b) {
                        continue;
                    }
                    out.push(
                        Self::META
                            .finding(
                                Object::Column(t.name.clone(), c.value.clone()),
                                format!(
                                    "`{}.{}` is `{}` but references `{}.{}` of type `{}`; PostgreSQL accepts the pair with implicit casts",
                                    cx.short(&t.name),
                                    c.value,
                                    col.type_sql,
                                    cx.short(&fk.target),
                                    tc.value,
                                    tt
                                ),
                            )
                            .discriminator(fk.name.value.clone())
                            .at(col.type_written.span, format!("differs from `{tt}`"))
                            .also(fk.origin, "foreign key declared here")
                            .help(format!("make the column `{tt}`")),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  authors:\n    columns:\n      id: { type: bigint, primary_key: true }\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      author_id: { type: TYPE, references: authors.id }\n    indexes: [ { columns: [author_id] } ]\n";

    #[test]
    fn fk_type_mismatch_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("TYPE", "integer"), "SC103"));
    }

    #[test]
    fn fk_type_mismatch_ok() {
        assert_clean(&MODEL.replace("TYPE", "int8"), "SC103");
    }
}
