//! SC209 `realtime-without-replica-identity`.

use crate::declare_rule;
use crate::ir::replication::ReplicaIdentity;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a table published to Realtime (`realtime: true`) that has no replica identity:
    /// `replica_identity: nothing`, or the default identity on a table without a primary key.
    ///
    /// ## Why is this bad?
    /// `supabase_realtime` publishes updates and deletes. PostgreSQL refuses every UPDATE and
    /// DELETE of a published table that has no replica identity ("cannot update table … because
    /// it does not have a replica identity and publishes updates"), so the table becomes
    /// insert-only the moment it joins the publication.
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   events:
    ///     columns: { at: timestamptz, what: text }
    ///     realtime: true
    /// ```
    ///
    /// Use instead: give the table a primary key, or `replica_identity: full` (every column of
    /// the old row is written to the WAL):
    /// ```yaml
    ///     replica_identity: full
    /// ```
    ///
    /// ## References
    /// - PostgreSQL: `ALTER TABLE … REPLICA IDENTITY`, and "Publication" in the logical
    ///   replication chapter.
    pub RealtimeWithoutReplicaIdentity {
        code: "SC209", name: "realtime-without-replica-identity",
        category: Integrity, level: Error, target: Model,
    }
}

impl Rule for RealtimeWithoutReplicaIdentity {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values().filter(|t| t.realtime) {
            let why = match &t.replica_identity {
                ReplicaIdentity::Nothing => "its replica identity is `nothing`",
                ReplicaIdentity::Default if t.primary_key.is_none() => {
                    "it has no primary key and the default replica identity"
                }
                _ => continue,
            };
            out.push(
                Self::META
                    .finding(
                        Object::Table(t.name.clone()),
                        format!(
                            "table `{}` is published to Realtime but {why}: PostgreSQL refuses its UPDATEs and DELETEs",
                            cx.short(&t.name)
                        ),
                    )
                    .at(t.origin, "published with `realtime: true`")
                    .help("add a primary key, or set `replica_identity: full` (or `{ index: … }`)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    #[test]
    fn realtime_without_replica_identity_violation() {
        insta::assert_snapshot!(violations(
            r#"
version: 1
preset: supabase
tables:
  events:
    columns: { at: timestamptz, what: text }
    realtime: true
  notes:
    columns: { id: { type: bigint, primary_key: true } }
    realtime: true
    replica_identity: nothing
"#,
            "SC209"
        ));
    }

    #[test]
    fn realtime_without_replica_identity_ok() {
        assert_clean(
            r#"
version: 1
preset: supabase
tables:
  events:
    columns: { at: timestamptz, what: text }
    realtime: true
    replica_identity: full
  notes:
    columns: { id: { type: bigint, primary_key: true } }
    realtime: true
  drafts:
    columns: { body: text }
    replica_identity: nothing
"#,
            "SC209",
        );
    }
}
