//! SC202 `prefer-text-over-varchar`.

use crate::declare_rule;
use crate::lint::{Finding, Level, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a column of type `varchar(n)` / `character varying(n)` (or an array of it). A
    /// `varchar` without a length is the same as `text` and is not flagged.
    ///
    /// ## Why is this bad?
    /// In PostgreSQL `text` and `varchar` are stored and compared the same way; the length is
    /// only a check. Changing it later rewrites or rechecks the table under an ACCESS EXCLUSIVE
    /// lock, while a CHECK constraint can be replaced with `NOT VALID` and validated online.
    /// Reported as info: the length limit itself is fine.
    ///
    /// ## Example
    /// ```yaml
    ///       code: { type: "varchar(40)" }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///       code: { type: text, check: "char_length(code) <= 40" }
    /// ```
    pub PreferTextOverVarchar {
        code: "SC202", name: "prefer-text-over-varchar",
        category: Integrity, level: Info, target: Model,
    }
}

impl Rule for PreferTextOverVarchar {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for c in t.columns.values() {
                let Some(rest) = c.type_sql.strip_prefix("character varying(") else {
                    continue;
                };
                let n = rest.split(')').next().unwrap_or(rest);
                out.push(
                    Self::META
                        .finding(
                            Object::Column(t.name.clone(), c.name.clone()),
                            format!(
                                "`{}.{}` is `{}`; `text` with a CHECK is easier to change",
                                cx.short(&t.name),
                                c.name,
                                c.type_sql
                            ),
                        )
                        .level(Level::Info)
                        .at(c.type_written.span, "varchar(n)")
                        .help(format!(
                            "use `type: text` with `check: \"char_length({}) <= {n}\"`",
                            c.name
                        )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  products:\n    columns:\n      id: { type: bigint, primary_key: true }\n      code: { type: TYPE }\n";

    #[test]
    fn prefer_text_over_varchar_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("TYPE", "\"varchar(40)\""),
            "SC202"
        ));
    }

    #[test]
    fn prefer_text_over_varchar_ok() {
        // A varchar without a length is text by another name.
        assert_clean(&MODEL.replace("TYPE", "varchar"), "SC202");
        assert_clean(
            &MODEL.replace("TYPE", "text, check: \"char_length(code) <= 40\""),
            "SC202",
        );
    }
}
