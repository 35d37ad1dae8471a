//! SC304 `policy-column-unindexed`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, Expr, Query, Spanned, Visit, Visitor};

use super::table_indexes;
use crate::declare_rule;
use crate::ir::{PolicyCommand, Table};
use crate::lint::sql::{file_span, object_name};
use crate::lint::{Finding, Level, LintContext, Object, Rule, RuleMeta, Settings};
use crate::source::Span;
use crate::sqlfrag::{FragSpan, span_to_frag};

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

/// Whether an expression or query calls an auth function anywhere (subqueries included).
fn has_auth_call<V: Visit>(node: &V, settings: &Settings) -> bool {
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(node, |e| {
        if let Expr::Function(f) = e
            && is_auth_function(settings, &object_name(&f.name))
        {
            found = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    found
}

/// The column of `table` an expression is, when it is a bare or table-qualified column.
fn column_of<'e>(e: &'e Expr, table: &Table) -> Option<String> {
    let fold = |i: &'e sqlparser::ast::Ident| {
        if i.quote_style.is_some() {
            i.value.clone()
        } else {
            i.value.to_lowercase()
        }
    };
    let name = match e {
        Expr::Nested(x) => return column_of(x, table),
        Expr::Identifier(i) => fold(i),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [t, c] if fold(t) == table.name.name => fold(c),
            [s, t, c] if fold(s) == table.name.schema && fold(t) == table.name.name => fold(c),
            _ => return None,
        },
        _ => return None,
    };
    table.columns.contains_key(&name).then_some(name)
}

struct Comparisons<'a> {
    table: &'a Table,
    settings: &'a Settings,
    text: &'a str,
    /// Depth of subqueries: comparisons inside one are about other tables.
    depth: usize,
    found: Vec<(String, Option<FragSpan>)>,
}

impl Comparisons<'_> {
    fn pair(&mut self, col: &Expr, other_has_auth: bool, whole: &Expr) {
        if other_has_auth && let Some(c) = column_of(col, self.table) {
            self.found.push((c, span_to_frag(self.text, whole.span())));
        }
    }
}

impl Visitor for Comparisons<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        let s = self.settings;
        match e {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                self.pair(left, has_auth_call(right.as_ref(), s), e);
                self.pair(right, has_auth_call(left.as_ref(), s), e);
            }
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => self.pair(left, has_auth_call(right.as_ref(), s), e),
            Expr::InList {
                expr,
                list,
                negated: false,
            } => self.pair(expr, list.iter().any(|x| has_auth_call(x, s)), e),
            Expr::InSubquery {
                expr,
                subquery,
                negated: false,
            } => self.pair(expr, has_auth_call(subquery.as_ref(), s), e),
            _ => {}
        }
        ControlFlow::Continue(())
    }
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
            let leading: BTreeSet<&str> = table_indexes(t)
                .into_iter()
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
                let Some(expr) = cx.policy_expr(using) else {
                    continue;
                };
                let mut v = Comparisons {
                    table: t,
                    settings: &cx.settings,
                    text: &using.value,
                    depth: 0,
                    found: Vec::new(),
                };
                let _ = expr.visit(&mut v);
                for (col, at) in v.found {
                    if leading.contains(col.as_str()) {
                        continue;
                    }
                    let span = file_span(cx.sources, using, at);
                    uses.entry(col).or_default().push((p.name.as_str(), span));
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
