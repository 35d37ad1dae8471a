//! SC802 `missing-description`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a column, enum type, function, policy, trigger or index without a description
    /// (`description:`, or `why:` on policies and indexes). Columns named `id`, `created_at` and
    /// `updated_at` are exempt: their meaning is the convention, and so are triggers on tables the
    /// model does not own (such as `auth.users`: `COMMENT ON TRIGGER` needs the table's owner).
    /// Tables and views are checked by `table-missing-description` (SC801). The exclude list
    /// and the catalog's `all_or_nothing` mode are not configurable yet; suppress on the table
    /// (which covers its columns, policies and indexes) or turn the rule off in `lint.rules`.
    ///
    /// ## Why is this bad?
    /// Descriptions become `COMMENT ON` in the database and the text of DATABASE.md. A column
    /// such as `status` or `kind` says nothing about its values, and a policy or index without
    /// its reason is hard to change safely.
    ///
    /// ## Example
    /// ```yaml
    ///     columns:
    ///       status: job_status
    /// ```
    ///
    /// Use instead: `status: { type: job_status, description: Where the job is in its lifecycle. }`.
    pub MissingDescription {
        code: "SC802", name: "missing-description",
        category: Docs, level: Info, target: Model,
    }
}

/// Columns whose meaning is the convention.
const EXEMPT_COLUMNS: &[&str] = &["id", "created_at", "updated_at"];

fn blank(d: &Option<String>) -> bool {
    d.as_deref().is_none_or(|s| s.trim().is_empty())
}

impl Rule for MissingDescription {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let mut push =
            |object: Object, kind: &str, name: String, span: Span, help: &'static str| {
                out.push(
                    Self::META
                        .finding(object, format!("{kind} `{name}` has no description"))
                        .discriminator(format!("{kind}:{name}"))
                        .at(span, "undocumented")
                        .help(help),
                );
            };
        for e in cx.model.enums.values().filter(|e| blank(&e.description)) {
            push(
                Object::Key(format!("enum:{}.{}", e.name.schema, e.name.name)),
                "enum type",
                cx.short(&e.name),
                e.origin,
                "add a `description:` saying what the values classify",
            );
        }
        for f in cx
            .model
            .functions
            .values()
            .filter(|f| blank(&f.description))
        {
            push(
                Object::Function(f.name.clone()),
                "function",
                cx.short(&f.name),
                f.origin,
                "add a `description:` saying what the function returns or does",
            );
        }
        for t in cx.model.tables.values() {
            let short = cx.short(&t.name);
            for c in t.columns.values() {
                if EXEMPT_COLUMNS.contains(&c.name.as_str()) || !blank(&c.description) {
                    continue;
                }
                push(
                    Object::Column(t.name.clone(), c.name.clone()),
                    "column",
                    format!("{short}.{}", c.name),
                    c.origin,
                    "add a `description:` saying what the value means",
                );
            }
            for p in t.policies.values().filter(|p| blank(&p.why)) {
                push(
                    Object::Policy(t.name.clone(), p.name.clone()),
                    "policy",
                    format!("{short}.{}", p.name),
                    p.origin,
                    "add a `why:` saying whom the policy lets do what",
                );
            }
            for ix in t.indexes.iter().filter(|i| blank(&i.why)) {
                push(
                    Object::TablePart(t.name.clone(), ix.name.value.clone()),
                    "index",
                    ix.name.value.clone(),
                    ix.origin,
                    "add a `why:` naming the query the index serves",
                );
            }
            for tr in t.triggers.values().filter(|tr| blank(&tr.description)) {
                push(
                    Object::TablePart(t.name.clone(), tr.name.clone()),
                    "trigger",
                    format!("{short}.{}", tr.name),
                    tr.origin,
                    "add a `description:` saying what the trigger maintains",
                );
            }
        }
        for v in cx.model.views.values() {
            for ix in v.indexes.iter().filter(|i| blank(&i.why)) {
                push(
                    Object::View(v.name.clone()),
                    "index",
                    ix.name.value.clone(),
                    ix.origin,
                    "add a `why:` naming the query the index serves",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  notes:\n    description: A note.\n    columns:\n      id: { type: bigint, primary_key: true }\n      created_at: { type: timestamptz, default: now() }\n      STATUS\n";

    #[test]
    fn missing_description_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("STATUS", "status: text"),
            "SC802"
        ));
    }

    #[test]
    fn missing_description_ok() {
        assert_clean(
            &MODEL.replace(
                "STATUS",
                "status: { type: text, description: Draft or published. }",
            ),
            "SC802",
        );
    }
}
