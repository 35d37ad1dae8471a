//! SC704 `constraint-index-naming`.

use crate::declare_rule;
use crate::ir::Index;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags an index or constraint name written in the model that does not follow
    /// PostgreSQL's own naming convention, which schemac uses for the names it generates:
    /// `{table}_{cols}_key` for UNIQUE, `{table}_{cols}_fkey` for foreign keys,
    /// `{table}_{cols}_check` for CHECK constraints and `{table}_{cols}_idx` for indexes (`_key`
    /// is also accepted for unique indexes). The name must start with the table's name and end
    /// with the suffix of its kind; the `{cols}` part may be any words (PostgreSQL's own is the
    /// key columns joined with `_`, which the help suggests), so a descriptive
    /// `documents_title_trgm_idx` passes. A digit suffix, as PostgreSQL adds to tell equal names
    /// apart, is accepted. Names schemac generates always match. The templates are not
    /// configurable yet.
    ///
    /// ## Why is this bad?
    /// A name that says its table, columns and kind makes error messages (`violates foreign key
    /// constraint "…"`), query plans and migrations readable without looking it up, and keeps
    /// names unique across the schema.
    ///
    /// ## Example
    /// ```yaml
    ///     indexes:
    ///       - { name: by_user, columns: [user_id] }
    /// ```
    ///
    /// Use instead: `name: notes_user_id_idx`, or leave `name` out and let schemac generate it.
    pub ConstraintIndexNaming {
        code: "SC704", name: "constraint-index-naming",
        category: Naming, level: Info, target: Model,
    }
}

/// Whether `name` is `{table}_<words>_{suffix}`, optionally followed by digits.
fn follows(name: &str, table: &str, suffix: &str) -> bool {
    let Some(rest) = name.strip_prefix(table).and_then(|r| r.strip_prefix('_')) else {
        return false;
    };
    let rest = rest.trim_end_matches(|c: char| c.is_ascii_digit());
    rest.strip_suffix(suffix)
        .and_then(|r| r.strip_suffix('_'))
        .is_some_and(|middle| !middle.is_empty())
}

/// PostgreSQL's name for a key over `cols`: `{table}_{cols}_{suffix}`.
fn postgres_name<'c>(table: &str, cols: impl Iterator<Item = &'c str>, suffix: &str) -> String {
    format!("{table}_{}_{suffix}", cols.collect::<Vec<_>>().join("_"))
}

fn index_expected(table: &str, ix: &Index) -> (bool, String) {
    let ok = follows(&ix.name.value, table, "idx")
        || (ix.unique && follows(&ix.name.value, table, "key"));
    let want = if ix.keys.iter().any(|k| k.expression) {
        format!("{table}_…_idx")
    } else {
        postgres_name(
            table,
            ix.keys.iter().map(|k| k.target.value.as_str()),
            "idx",
        )
    };
    (ok, want)
}

impl Rule for ConstraintIndexNaming {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let mut push = |object: Object, kind: &str, name: &str, span: Span, want: String| {
            out.push(
                Self::META
                    .finding(
                        object,
                        format!("{kind} name `{name}` does not follow the convention `{want}`"),
                    )
                    .discriminator(name.to_string())
                    .at(span, "named here")
                    .help(format!(
                        "rename it to `{want}`, or leave `name` out to let schemac generate it"
                    )),
            );
        };
        for t in cx.model.tables.values() {
            let table = t.name.name.as_str();
            let part = |n: &str| Object::TablePart(t.name.clone(), n.to_string());
            for u in t.uniques.iter().filter(|u| u.name.span != u.origin) {
                if !follows(&u.name.value, table, "key") {
                    let want =
                        postgres_name(table, u.columns.iter().map(|c| c.value.as_str()), "key");
                    push(
                        part(&u.name.value),
                        "unique constraint",
                        &u.name.value,
                        u.name.span,
                        want,
                    );
                }
            }
            for fk in t.foreign_keys.iter().filter(|f| f.name.span != f.origin) {
                if !follows(&fk.name.value, table, "fkey") {
                    let want =
                        postgres_name(table, fk.columns.iter().map(|c| c.value.as_str()), "fkey");
                    push(
                        part(&fk.name.value),
                        "foreign key",
                        &fk.name.value,
                        fk.name.span,
                        want,
                    );
                }
            }
            for c in t.checks.iter().filter(|c| c.name.span != c.origin) {
                if !follows(&c.name.value, table, "check") {
                    let want = match &c.column {
                        Some(col) => format!("{table}_{col}_check"),
                        None => format!("{table}_…_check"),
                    };
                    push(
                        part(&c.name.value),
                        "check constraint",
                        &c.name.value,
                        c.name.span,
                        want,
                    );
                }
            }
            for ix in t.indexes.iter().filter(|i| i.name.span != i.origin) {
                let (ok, want) = index_expected(table, ix);
                if !ok {
                    push(
                        part(&ix.name.value),
                        "index",
                        &ix.name.value,
                        ix.name.span,
                        want,
                    );
                }
            }
        }
        for v in cx.model.views.values() {
            for ix in v.indexes.iter().filter(|i| i.name.span != i.origin) {
                let (ok, want) = index_expected(&v.name.name, ix);
                if !ok {
                    push(
                        Object::View(v.name.clone()),
                        "index",
                        &ix.name.value,
                        ix.name.span,
                        want,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: bigint\n      title: text\n    indexes:\n      - { name: INDEX, columns: [user_id] }\n      - { name: EXPR, expression: \"lower(title)\" }\n      - { columns: [title] }\n";

    #[test]
    fn constraint_index_naming_violation() {
        insta::assert_snapshot!(violations(
            &MODEL
                .replace("INDEX", "by_user")
                .replace("EXPR", "lower_title_idx"),
            "SC704"
        ));
    }

    #[test]
    fn constraint_index_naming_ok() {
        assert_clean(
            &MODEL
                .replace("INDEX", "notes_user_id_idx")
                .replace("EXPR", "notes_lower_title_idx"),
            "SC704",
        );
    }
}
