//! SC803 `isolated-table`.

use std::collections::BTreeSet;

use crate::declare_rule;
use crate::ir::QName;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a table with no foreign key in or out (references to tables outside the model,
    /// such as `auth.users`, count). Partitions are part of their parent and are not checked.
    /// Suppress on the table when it stands alone on purpose.
    ///
    /// ## Why is this bad?
    /// It is a disconnected node in the ER diagram: often a forgotten `references:` (a
    /// `user_id` column that points nowhere, so nothing keeps it valid), or a leftover table.
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     columns:
    ///       id: { type: bigint, primary_key: true }
    ///       user_id: uuid
    /// ```
    ///
    /// Use instead: `user_id: { type: uuid, references: auth.users.id }`.
    pub IsolatedTable {
        code: "SC803", name: "isolated-table",
        category: Docs, level: Info, target: Model,
    }
}

impl Rule for IsolatedTable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let mut linked: BTreeSet<&QName> = BTreeSet::new();
        for t in cx.model.tables.values() {
            for fk in &t.foreign_keys {
                linked.insert(&t.name);
                linked.insert(&fk.target);
            }
        }
        for t in cx.model.tables.values() {
            if linked.contains(&t.name) {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        Object::Table(t.name.clone()),
                        format!(
                            "table `{}` has no foreign key in or out, so it stands alone in the ER diagram",
                            cx.short(&t.name)
                        ),
                    )
                    .at(t.origin, "no references")
                    .help("add the missing `references:`, or suppress this on the table if it stands alone on purpose"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      USER\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all], authenticated: [all] }\n    rls: true\n    lint: { allow: { rls-enabled-no-policy: \"server-only table\" } }\n";

    #[test]
    fn isolated_table_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("USER", "user_id: uuid"), "SC803"));
    }

    #[test]
    fn isolated_table_ok() {
        assert_clean(
            &MODEL.replace("USER", "user_id: { type: uuid, references: auth.users.id }"),
            "SC803",
        );
    }
}
