//! SC203 `discouraged-type`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a column (or array element) of a type the PostgreSQL community advises against:
    /// `char(n)` / `character(n)`, `money`, `timetz` / `time with time zone`, `json`, and the
    /// OID-alias types that block `pg_upgrade` (`regconfig` and the other `reg*` types of
    /// Supabase's splinter lint 0018; `regclass`, `regtype` and `regrole` are fine).
    ///
    /// ## Why is this bad?
    /// - `char(n)` pads with spaces, which then matter or not depending on the operator; it is
    ///   never faster than `text`.
    /// - `money` depends on the `lc_monetary` setting and rounds fractions of a cent.
    /// - `timetz` has a zone without a date, so daylight saving time cannot be applied.
    /// - `json` keeps the text as written, is re-parsed on every access, and has no equality
    ///   operator or GIN indexing; `jsonb` has all three.
    /// - `reg*` columns store OIDs that `pg_upgrade` cannot carry over, so the upgrade refuses
    ///   to run.
    ///
    /// ## Example
    /// ```yaml
    ///       price: money
    ///       payload: json
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///       price: "numeric(12,2)"
    ///       payload: jsonb
    /// ```
    pub DiscouragedType {
        code: "SC203", name: "discouraged-type",
        category: Integrity, level: Warn, target: Model,
    }
}

/// Why a type (as `format_type()` prints it, without array brackets) is discouraged, and what
/// to use instead.
fn advice(base: &str) -> Option<(&'static str, &'static str)> {
    let plain = base.split('(').next().unwrap_or(base);
    Some(match plain {
        "character" => (
            "pads values with spaces",
            "`text` (with a CHECK on the length)",
        ),
        "money" => (
            "depends on `lc_monetary` and rounds fractions of a cent",
            "`numeric(p,s)` with a currency column",
        ),
        "time" | "time with time zone" if base.ends_with("with time zone") => (
            "has a time zone but no date",
            "`timestamptz`, or `time` with a separate zone",
        ),
        "json" => (
            "is re-parsed on every access and cannot be compared or GIN-indexed",
            "`jsonb`",
        ),
        "regcollation" | "regconfig" | "regdictionary" | "regnamespace" | "regoper"
        | "regoperator" | "regproc" | "regprocedure" => (
            "stores OIDs that block `pg_upgrade`",
            "`text` holding the object's name",
        ),
        _ => return None,
    })
}

impl Rule for DiscouragedType {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for c in t.columns.values() {
                let base = c.type_sql.trim_end_matches("[]");
                let Some((why, instead)) = advice(base) else {
                    continue;
                };
                out.push(
                    Self::META
                        .finding(
                            Object::Column(t.name.clone(), c.name.clone()),
                            format!(
                                "`{}.{}` is `{}`, which {why}",
                                cx.short(&t.name),
                                c.name,
                                c.type_sql
                            ),
                        )
                        .at(c.type_written.span, "discouraged type")
                        .help(format!("use {instead}")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  orders:\n    columns:\n      id: { type: bigint, primary_key: true }\n      price: PRICE\n      payload: { type: PAYLOAD, nullable: true }\n      country: \"COUNTRY\"\n";

    #[test]
    fn discouraged_type_violation() {
        insta::assert_snapshot!(violations(
            &MODEL
                .replace("PRICE", "money")
                .replace("PAYLOAD", "json")
                .replace("COUNTRY", "char(2)"),
            "SC203"
        ));
    }

    #[test]
    fn every_discouraged_spelling_is_known() {
        for t in [
            "character(1)",
            "character(2)",
            "money",
            "time with time zone",
            "time(3) with time zone",
            "json",
            "regconfig",
        ] {
            assert!(super::advice(t).is_some(), "{t}");
        }
        for t in [
            "text",
            "character varying(2)",
            "time without time zone",
            "timestamp with time zone",
            "jsonb",
            "regclass",
        ] {
            assert!(super::advice(t).is_none(), "{t}");
        }
    }

    #[test]
    fn discouraged_type_ok() {
        assert_clean(
            &MODEL
                .replace("PRICE", "\"numeric(12,2)\"")
                .replace("PAYLOAD", "jsonb")
                .replace("COUNTRY", "text"),
            "SC203",
        );
    }
}
