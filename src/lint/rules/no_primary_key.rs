//! SC101 `no-primary-key`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a table that declares no primary key. Composite keys are fine.
    ///
    /// ## Why is this bad?
    /// Rows cannot be addressed reliably, most tools and ORMs need a key, and logical replication
    /// (which Supabase Realtime uses) needs a replica identity — by default the primary key — to
    /// publish UPDATE and DELETE.
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   audit_log:
    ///     columns: { at: timestamptz, what: text }
    /// ```
    ///
    /// Use instead: add an identity column as the primary key:
    /// ```yaml
    ///       id: { type: bigint, identity: always, primary_key: true }
    /// ```
    pub NoPrimaryKey {
        code: "SC101", name: "no-primary-key",
        category: Integrity, level: Warn, target: Model,
    }
}

impl Rule for NoPrimaryKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            if t.primary_key.is_some() {
                continue;
            }
            let realtime = if t.realtime
                && t.replica_identity == crate::ir::replication::ReplicaIdentity::Default
            {
                "; it is published to Realtime, which needs a replica identity for UPDATE and DELETE"
            } else {
                ""
            };
            out.push(
                Self::META
                    .finding(
                        Object::Table(t.name.clone()),
                        format!("table `{}` has no primary key{realtime}", cx.short(&t.name)),
                    )
                    .at(t.origin, "no primary key")
                    .help("add a primary key, e.g. `id: { type: bigint, identity: always, primary_key: true }`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    #[test]
    fn no_primary_key_violation() {
        insta::assert_snapshot!(violations(
            r#"
version: 1
tables:
  audit_log:
    columns: { at: timestamptz, what: text }
"#,
            "SC101"
        ));
    }

    #[test]
    fn no_primary_key_ok() {
        assert_clean(
            r#"
version: 1
tables:
  audit_log:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      at: timestamptz
"#,
            "SC101",
        );
    }
}
