//! SC208 `domain-check-allows-null`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a nullable column whose type is a domain with checks that does not refuse NULL
    /// (not `nullable: false`, and no check mentions `not null`).
    ///
    /// ## Why is this bad?
    /// A CHECK passes when its expression is NULL, so `value ~* '^[^@]+@[^@]+$'` lets NULL
    /// through: the column holds values the domain was written to refuse. Often intended (an
    /// optional e-mail address), but worth saying so.
    ///
    /// ## Example
    /// ```yaml
    /// domains:
    ///   email: { type: text, checks: { format: "value like '%@%'" } }
    /// tables:
    ///   users:
    ///     columns:
    ///       mail: { type: email, nullable: true }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///       mail: email
    /// ```
    pub DomainCheckAllowsNull {
        code: "SC208", name: "domain-check-allows-null",
        category: Integrity, level: Info, target: Model,
    }
}

impl Rule for DomainCheckAllowsNull {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        if cx.model.domains.is_empty() {
            return;
        }
        let open: std::collections::BTreeMap<String, &crate::ir::Domain> = cx
            .model
            .domains
            .values()
            .filter(|d| {
                !d.not_null
                    && !d.checks.is_empty()
                    && !d
                        .checks
                        .values()
                        .any(|e| e.value.to_ascii_lowercase().contains("not null"))
            })
            .map(|d| (d.name.to_string(), d))
            .collect();
        for t in cx.model.tables.values() {
            for c in t.columns.values().filter(|c| c.nullable) {
                let Some(d) = open.get(c.type_sql.as_str()) else {
                    continue;
                };
                out.push(
                    Self::META
                        .finding(
                            Object::Column(t.name.clone(), c.name.clone()),
                            format!(
                                "column `{}.{}` may be NULL, and NULL passes every check of domain `{}`",
                                cx.short(&t.name),
                                c.name,
                                d.name.name
                            ),
                        )
                        .at(c.origin, "nullable column of the domain")
                        .also(d.origin, "checks that NULL passes")
                        .help("drop `nullable: true` from the column, or give the domain `nullable: false`, if NULL is not a valid value"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ndomains:\n  email: { type: text, checks: { format: \"value like '%@%'\" } }\ntables:\n  users:\n    columns:\n      id: { type: bigint, primary_key: true }\n      mail: { type: email, nullable: NULLABLE }\n";

    #[test]
    fn domain_check_allows_null_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("NULLABLE", "true"), "SC208"));
    }

    #[test]
    fn domain_check_allows_null_ok() {
        // A NOT NULL column, or a check that refuses NULL itself.
        assert_clean(&MODEL.replace("NULLABLE", "false"), "SC208");
        assert_clean(
            &MODEL
                .replace("NULLABLE", "true")
                .replace("value like '%@%'", "value is not null and value like '%@%'"),
            "SC208",
        );
    }
}
