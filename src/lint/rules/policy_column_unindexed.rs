//! SC304 `policy-column-unindexed`.

use std::collections::{BTreeMap, BTreeSet};

use crate::declare_rule;
use crate::ir::{PolicyCommand, Table};
use crate::lint::{Finding, Level, LintContext, Object, Rule, RuleMeta, Settings};
use crate::load::yaml::fragment_span;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a column of a table that a SELECT, ALL, UPDATE or DELETE policy's `using` compares
    /// for equality (`=`, `IN`, `= ANY`) with an auth function or a JWT claim (`auth.uid()`,
    /// `auth.jwt() ->> 'sub'`, `current_setting(…)`, wrapped or not), when the column is not the
    /// **leading** column of any btree index of the table (primary key and UNIQUE constraints
    /// included; partial indexes count). Comparisons inside subqueries are about other tables and
    /// are not checked; the expression is analysed on its parsed AST.
    ///
    /// ## Why is this bad?
    /// PostgreSQL adds the policy's `using` to every query on the table, so a filter such as
    /// `user_id = (select auth.uid())` runs on each read, update and delete. Without an index
    /// that starts with the column it is a sequential scan of the whole table, which Supabase's
    /// RLS performance guide names as the first fix. Reported as info: tiny tables do not need
    /// one.
    ///
    /// ## Example
    /// ```yaml
    ///   notes:
    ///     columns:
    ///       user_id: uuid
    ///     rls:
    ///       policies:
    ///         owner_select:
    ///           for: select
    ///           to: [authenticated]
    ///           using: "(select auth.uid()) = user_id"
    /// ```
    ///
    /// Use instead: add `indexes: [ { columns: [user_id] } ]` to `notes`.
    pub PolicyColumnUnindexed {
        code: "SC304", name: "policy-column-unindexed",
        category: Performance, level: Info, target: Model,
    }
}

/// Whether a function name (folded, dotted) is an auth function or a per-statement setting.
fn is_auth_function(settings: &Settings, name: &str) -> bool {
    let bare = name.rsplit('.').next().unwrap_or(name);
    settings
        .per_statement_functions
        .iter()
        .any(|f| f == name || (!f.contains('.') && f == bare))
}

/// The column of `table` a name is, when it is a bare or table-qualified column.
fn column_of<'c>(parts: &'c [String], table: &Table) -> Option<&'c str> {
    let name = match parts {
        [c] => c,
        [t, c] if *t == table.name.name => c,
        [s, t, c] if *s == table.name.schema && *t == table.name.name => c,
        _ => return None,
    };
    table.columns.contains_key(name).then_some(name.as_str())
}

impl Rule for PolicyColumnUnindexed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            if t.policies.is_empty() {
                continue;
            }
            let leading: BTreeSet<&str> = cx
                .table_indexes(&t.name)
                .iter()
                .filter(|ix| ix.method == "btree")
                .filter_map(|ix| ix.keys.first().filter(|k| !k.1).map(|k| k.0.clone()))
                .filter_map(|c| t.columns.get_key_value(&c).map(|(k, _)| k.as_str()))
                .collect();
            // Column → (policy, where it is compared), in policy order.
            let mut uses: BTreeMap<String, Vec<(&str, Span)>> = BTreeMap::new();
            for p in t.policies.values() {
                if p.command == PolicyCommand::Insert {
                    continue;
                }
                let Some(using) = &p.using else { continue };
                let Some(facts) = cx.facts(using) else {
                    continue;
                };
                for cmp in &facts.comparisons {
                    // Compared with the caller's identity: an auth function on the other side.
                    if !cmp
                        .other_calls
                        .iter()
                        .any(|f| is_auth_function(&cx.settings, f))
                    {
                        continue;
                    }
                    let Some(col) = column_of(&cmp.column, t) else {
                        continue;
                    };
                    if leading.contains(col) {
                        continue;
                    }
                    let span = fragment_span(cx.sources, using, cmp.at);
                    uses.entry(col.to_string())
                        .or_default()
                        .push((p.name.as_str(), span));
                }
            }
            for (col, places) in uses {
                let Some(((first_policy, first_span), rest)) = places.split_first() else {
                    continue;
                };
                let mut f = Self::META
                    .finding(
                        Object::Column(t.name.clone(), col.clone()),
                        format!(
                            "policy `{first_policy}` filters `{}` on `{col}`, which no index starts with",
                            cx.short(&t.name)
                        ),
                    )
                    .level(Level::Info)
                    .at(*first_span, "compared with the caller's identity on every query");
                for (p, span) in rest {
                    f = f.also(*span, format!("also in policy `{p}`"));
                }
                out.push(f.help(format!(
                    "add `indexes: [ {{ columns: [{col}] }} ]` to `{}`",
                    cx.short(&t.name)
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = r#"version: 1
preset: supabase
tables:
  notes:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      user_id: uuid
      org_id: bigint
    INDEXES
    rls:
      policies:
        owner_select:
          for: select
          to: [authenticated]
          using: "(select auth.uid()) = user_id and org_id in (select org_id from members where members.user_id = (select auth.uid()))"
        owner_delete:
          for: delete
          to: [authenticated]
          using: "notes.user_id = (select auth.uid())"
        owner_insert:
          for: insert
          to: [authenticated]
          with_check: "user_id = (select auth.uid())"
  members:
    columns:
      user_id: { type: uuid, primary_key: true }
      org_id: bigint
"#;

    #[test]
    fn policy_column_unindexed_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("INDEXES", ""), "SC304"));
    }

    #[test]
    fn policy_column_unindexed_ok() {
        // A composite index counts for its leading column only; `members.user_id` inside the
        // subquery is the primary key of `members`.
        assert_clean(
            &MODEL.replace(
                "INDEXES",
                "indexes: [ { columns: [user_id, org_id] }, { columns: [org_id] } ]",
            ),
            "SC304",
        );
    }
}
