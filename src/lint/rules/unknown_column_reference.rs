//! SC106 `unknown-column-reference`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a `moddatetime(<column>)` trigger whose argument is not a column of the trigger's
    /// table.
    ///
    /// The other references this rule is about have one home in the compiler, which rejects the
    /// model: a primary key, unique constraint, index, foreign key, partition key or trigger `of`
    /// list naming an unknown column is `E204`, and a CHECK, default, generated column, index
    /// expression or predicate that does is `E302` (see `docs/diagnostics.md`). Policies are
    /// checked by `E302` too (rule SC406). Only trigger arguments, which PostgreSQL stores as
    /// plain strings, reach lint.
    ///
    /// ## Why is this bad?
    /// PostgreSQL accepts the trigger, but `moddatetime` looks the column up when it fires, so
    /// every UPDATE of the table fails with "attribute … not found".
    ///
    /// ## Example
    /// ```yaml
    ///     triggers:
    ///       touch:
    ///         before: [update]
    ///         function: moddatetime
    ///         args: [updatedat]
    /// ```
    ///
    /// Use instead: `args: [updated_at]`, a column of the table.
    pub UnknownColumnReference {
        code: "SC106", name: "unknown-column-reference",
        category: Integrity, level: Error, target: Model,
    }
}

impl Rule for UnknownColumnReference {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for tr in t.triggers.values() {
                if tr.function.name != "moddatetime" {
                    continue;
                }
                for arg in &tr.args {
                    if t.columns.contains_key(arg) {
                        continue;
                    }
                    let hint = crate::load::decode::did_you_mean(
                        arg,
                        t.columns.keys().map(String::as_str),
                    );
                    out.push(
                        Self::META
                            .finding(
                                Object::TablePart(t.name.clone(), tr.name.clone()),
                                format!(
                                    "trigger `{}` on `{}` passes `{arg}` to `moddatetime`, which is not a column of the table{hint}",
                                    tr.name,
                                    cx.short(&t.name)
                                ),
                            )
                            .discriminator(arg.as_str())
                            .at(tr.origin, "no such column")
                            .help("pass the name of the timestamp column the trigger maintains"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\nfunctions:\n  moddatetime:\n    returns: trigger\n    language: c\n    body: moddatetime\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      updated_at: { type: timestamptz, default: now() }\n    triggers:\n      touch:\n        before: [update]\n        function: moddatetime\n        args: [ARG]\n";

    #[test]
    fn unknown_column_reference_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("ARG", "updatedat"), "SC106"));
    }

    #[test]
    fn unknown_column_reference_ok() {
        assert_clean(&MODEL.replace("ARG", "updated_at"), "SC106");
    }
}
