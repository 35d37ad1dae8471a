//! SC108 `invalid-type-reference`.

use std::collections::BTreeMap;

use crate::declare_rule;
use crate::ir::EnumType;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags an enum column whose `default` is a string literal (possibly cast, as in
    /// `'draft'::status`) that is not one of the enum's values.
    ///
    /// The other type problems this rule is about have one home in the compiler, which rejects
    /// the model: a type that is not built in, not an enum of the model and not provided by a
    /// declared extension is `E202`, and an enum without values is `E105` (see
    /// `docs/diagnostics.md`).
    ///
    /// ## Why is this bad?
    /// PostgreSQL only checks a default when it is used, so the table is created and every
    /// INSERT that omits the column fails with "invalid input value for enum".
    ///
    /// ## Example
    /// ```yaml
    /// enums:
    ///   status: [draft, published]
    /// tables:
    ///   posts:
    ///     columns:
    ///       status: { type: status, default: "'drafted'" }
    /// ```
    ///
    /// Use instead: `default: "'draft'"`, one of the enum's values.
    pub InvalidTypeReference {
        code: "SC108", name: "invalid-type-reference",
        category: Integrity, level: Error, target: Model,
    }
}

impl Rule for InvalidTypeReference {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        if cx.model.enums.is_empty() {
            return;
        }
        // Enum columns carry the enum's qualified name as their type.
        let enums: BTreeMap<String, &EnumType> = cx
            .model
            .enums
            .values()
            .map(|e| (e.name.to_string(), e))
            .collect();
        for t in cx.model.tables.values() {
            for c in t.columns.values() {
                let (Some(e), Some(default)) = (enums.get(&c.type_sql), &c.default) else {
                    continue;
                };
                let Some(value) = cx.facts(default).and_then(|f| f.literal.as_deref()) else {
                    continue;
                };
                if e.values.iter().any(|v| v.value == value) {
                    continue;
                }
                let hint = crate::load::decode::did_you_mean(
                    value,
                    e.values.iter().map(|v| v.value.as_str()),
                );
                out.push(
                    Self::META
                        .finding(
                            Object::Column(t.name.clone(), c.name.clone()),
                            format!(
                                "the default of `{}.{}` is `{value}`, which is not a value of enum `{}`{hint}",
                                cx.short(&t.name),
                                c.name,
                                cx.short(&e.name)
                            ),
                        )
                        .at(default.span, "not a value of the enum")
                        .also(e.origin, "enum declared here")
                        .help("use one of the enum's values, or add the value to the enum"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\nenums:\n  status: [draft, published]\ntables:\n  posts:\n    columns:\n      id: { type: bigint, primary_key: true }\n      status: { type: status, default: \"'DEFAULT'::status\" }\n";

    #[test]
    fn invalid_type_reference_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("DEFAULT", "drafted"), "SC108"));
    }

    #[test]
    fn invalid_type_reference_ok() {
        assert_clean(&MODEL.replace("DEFAULT", "draft"), "SC108");
    }
}
