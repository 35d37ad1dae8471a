//! SC201 `timestamp-without-time-zone`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a column (or array of) `timestamp`, that is `timestamp without time zone`.
    ///
    /// ## Why is this bad?
    /// `timestamp` stores a wall-clock reading without its UTC offset: the same value means
    /// different instants for clients in different zones, and comparisons with `now()` depend on
    /// the session's `TimeZone`. `timestamptz` stores an instant and costs the same 8 bytes.
    ///
    /// ## Example
    /// ```yaml
    ///       created_at: { type: timestamp, default: now() }
    /// ```
    ///
    /// Use instead: `created_at: { type: timestamptz, default: now() }`.
    pub TimestampWithoutTimeZone {
        code: "SC201", name: "timestamp-without-time-zone",
        category: Integrity, level: Error, target: Model,
    }
}

impl Rule for TimestampWithoutTimeZone {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for col in t.columns.values() {
                if !col.type_sql.starts_with("timestamp without time zone") {
                    continue;
                }
                let fixed = col
                    .type_sql
                    .replacen("timestamp without time zone", "timestamptz", 1);
                out.push(
                    Self::META
                        .finding(
                            Object::Column(t.name.clone(), col.name.clone()),
                            format!(
                                "column `{}.{}` is `{}`, which drops the time zone",
                                cx.short(&t.name),
                                col.name,
                                col.type_sql
                            ),
                        )
                        .at(col.type_written.span, "timestamp without time zone")
                        .help(format!("use `{fixed}`")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  events:\n    columns:\n      id: { type: bigint, primary_key: true }\n      at: { type: TYPE, default: now() }\n";

    #[test]
    fn timestamp_without_time_zone_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("TYPE", "timestamp"), "SC201"));
    }

    #[test]
    fn timestamp_without_time_zone_ok() {
        assert_clean(&MODEL.replace("TYPE", "timestamptz"), "SC201");
    }
}
