//! SC801 `table-missing-description`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a table, view or materialized view without a `description`.
    ///
    /// ## Why is this bad?
    /// The description becomes the `COMMENT ON` the object, the text under its heading in
    /// DATABASE.md and the first thing a reader of the ER diagram looks for. Without it, the
    /// generated documentation only repeats column names.
    ///
    /// ## Example
    /// ```yaml
    ///   coding_jobs:
    ///     columns:
    ///       id: { type: uuid, primary_key: true }
    /// ```
    ///
    /// Use instead: `description: One run of the coding agent on a session.` under the table.
    pub TableMissingDescription {
        code: "SC801", name: "table-missing-description",
        category: Docs, level: Warn, target: Model,
    }
}

fn blank(d: &Option<String>) -> bool {
    d.as_deref().is_none_or(|s| s.trim().is_empty())
}

impl Rule for TableMissingDescription {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values().filter(|t| blank(&t.description)) {
            out.push(
                Self::META
                    .finding(
                        Object::Table(t.name.clone()),
                        format!("table `{}` has no description", cx.short(&t.name)),
                    )
                    .at(t.origin, "undocumented")
                    .help("add a `description:` saying what one row is"),
            );
        }
        for v in cx.model.views.values().filter(|v| blank(&v.description)) {
            let kind = if v.materialized {
                "materialized view"
            } else {
                "view"
            };
            out.push(
                Self::META
                    .finding(
                        Object::View(v.name.clone()),
                        format!("{kind} `{}` has no description", cx.short(&v.name)),
                    )
                    .at(v.origin, "undocumented")
                    .help("add a `description:` saying what one row is"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  notes:\nDESC    columns:\n      id: { type: bigint, primary_key: true }\n";

    #[test]
    fn table_missing_description_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("DESC", ""), "SC801"));
    }

    #[test]
    fn table_missing_description_ok() {
        assert_clean(
            &MODEL.replace("DESC", "    description: A note a user wrote.\n"),
            "SC801",
        );
    }
}
