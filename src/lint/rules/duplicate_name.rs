//! SC107 `duplicate-name`.

use std::collections::BTreeMap;

use crate::declare_rule;
use crate::ir::QName;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags an enum with the same name, in the same schema, as a table, partition, view or
    /// materialized view.
    ///
    /// The other duplicates this rule is about have one home in the compiler, which rejects the
    /// model: duplicate columns, policies and triggers are duplicate YAML keys (`E106`);
    /// duplicate tables, views, enums or enum values are `E201`; and relations, indexes and
    /// index-backed constraints sharing a schema's namespace, or two constraints of a table with
    /// one name, are `E313` (see `docs/diagnostics.md`). Only the type namespace reaches lint.
    ///
    /// ## Why is this bad?
    /// Every table and view also defines a composite type of the same name, so PostgreSQL
    /// rejects the second `CREATE` with "type … already exists" and the migration fails.
    ///
    /// ## Example
    /// ```yaml
    /// enums:
    ///   status: [open, closed]
    /// tables:
    ///   status:
    ///     columns: { id: { type: bigint, primary_key: true } }
    /// ```
    ///
    /// Use instead: rename one of them, e.g. the enum to `status_kind`.
    pub DuplicateName {
        code: "SC107", name: "duplicate-name",
        category: Integrity, level: Error, target: Model,
    }
}

impl Rule for DuplicateName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        if cx.model.enums.is_empty() {
            return;
        }
        let mut relations: BTreeMap<&QName, (&str, Span)> = BTreeMap::new();
        for t in cx.model.tables.values() {
            relations.insert(&t.name, ("table", t.origin));
            for p in t.partition.iter().flat_map(|p| p.partitions.values()) {
                relations.insert(&p.name, ("partition", p.origin));
            }
        }
        for v in cx.model.views.values() {
            let kind = if v.materialized {
                "materialized view"
            } else {
                "view"
            };
            relations.insert(&v.name, (kind, v.origin));
        }
        for e in cx.model.enums.values() {
            let Some((kind, span)) = relations.get(&e.name) else {
                continue;
            };
            out.push(
                Self::META
                    .finding(
                        Object::Key(format!("enum:{}.{}", e.name.schema, e.name.name)),
                        format!(
                            "enum `{}` has the same name as a {kind}, whose row type already uses it",
                            cx.short(&e.name)
                        ),
                    )
                    .at(e.origin, "type name taken")
                    .also(*span, format!("this {kind} defines a type `{}`", e.name.name))
                    .help("rename the enum or the relation"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\nenums:\n  ENUM: [open, closed]\ntables:\n  status:\n    columns:\n      id: { type: bigint, primary_key: true }\n      state: ENUM\n";

    #[test]
    fn duplicate_name_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("ENUM", "status"), "SC107"));
    }

    #[test]
    fn duplicate_name_ok() {
        assert_clean(&MODEL.replace("ENUM", "status_kind"), "SC107");
    }
}
