//! SC612 `access-widened`.

use std::collections::BTreeMap;

use crate::access::{self, Delta, Kind};
use crate::declare_rule;
use crate::ir::QName;
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Computes the effective access of every client role (`anon`, `authenticated`,
    /// `service_role` and declared roles) to every table, view and function — privileges × RLS ×
    /// policies, per command, through SECURITY DEFINER views and functions — for the committed
    /// snapshot and for the model, and flags each object a client can now reach where it could
    /// not (opened), or reach more of (widened: a policy made permissive or always true, a
    /// restrictive policy dropped, a condition rewritten, RLS turned off, a view losing
    /// `security_invoker`, a function becoming executable or SECURITY DEFINER). One finding per
    /// object lists the role, command and Data API path of each widening. Objects the change
    /// creates are left to the model rules (RLS, grants, definer functions). `schemac plan`
    /// prints the whole access diff, new objects, narrowings and closings included.
    ///
    /// ## Why is this bad?
    /// A widening is the change that leaks data, and nothing fails: the application keeps
    /// working, only more clients can read or write more rows. It should be a decision someone
    /// made and wrote down, not a side effect of a refactoring.
    ///
    /// ## Example
    /// ```yaml
    ///       policies:
    ///         team_read: { for: select, to: [authenticated], as: permissive, using: "…" }   # was: restrictive
    /// ```
    ///
    /// Use instead: if it is intended, acknowledge it with the reason a reviewer needs:
    /// ```yaml
    /// migrations:
    ///   acknowledge:
    ///     - { rule: access-widened, object: public.docs, reason: "team members read docs (RFC-12)" }
    /// ```
    pub AccessWidened {
        code: "SC612", name: "access-widened",
        category: Security, level: Warn, target: Changes,
    }
}

impl Rule for AccessWidened {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        let before = crate::access::matrix_of_snapshot(
            cx.old,
            cx.new,
            &crate::preset::external(cx.new.preset),
        );
        let after = crate::access::matrix(cx.new, &crate::preset::external(cx.new.preset));
        let mut by_object: BTreeMap<&QName, Vec<&Delta>> = BTreeMap::new();
        let deltas = access::diff(&before, &after);
        // New objects are left to the model rules (RLS, grants, definer functions): what a new
        // object opens is in the access diff, but only a change to existing access is a finding.
        for d in deltas
            .iter()
            .filter(|d| d.movement.widens() && before.objects.contains_key(&d.object))
        {
            by_object.entry(&d.object).or_default().push(d);
        }
        for (object, ds) in by_object {
            let Some(first) = ds.first() else { continue };
            let (subject, origin) = match first.kind {
                Kind::Table => (
                    Object::Table(object.clone()),
                    cx.new.tables.get(object).map(|t| t.origin),
                ),
                Kind::View => (
                    Object::View(object.clone()),
                    cx.new.views.get(object).map(|v| v.origin),
                ),
                Kind::Function => (
                    Object::Function(object.clone()),
                    cx.new.functions_named(object).next().map(|f| f.origin),
                ),
            };
            let what: Vec<String> = ds
                .iter()
                .map(|d| {
                    format!(
                        "`{}` {} {} ({}: {} -> {})",
                        d.role, d.command, d.movement, d.path, d.before, d.after
                    )
                })
                .collect();
            let mut f = Self::META
                .finding(
                    subject,
                    format!("access to `{object}` widens: {}", what.join("; ")),
                )
                .help("make sure this is intended, then acknowledge it in `migrations.acknowledge` with the reason");
            if let Some(origin) = origin {
                f = f.at(origin, "clients reach more here");
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str = "version: 1\npreset: supabase\nsupabase: { auto_expose_new_tables: true }\ntables:\n  docs:\n    columns:\n      id: { type: bigint, primary_key: true }\n      owner: uuid\n    revoke: { anon: [all] }\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"owner = (select auth.uid())\" }\n        not_archived: { for: select, to: [authenticated], as: restrictive, using: \"id > 0\" }\n";

    #[test]
    fn access_widened_violation() {
        // The restrictive policy made permissive: `authenticated` now reads every row with a
        // positive id, not only their own.
        insta::assert_snapshot!(change_violations(
            BEFORE,
            &BEFORE.replace("as: restrictive", "as: permissive"),
            "SC612"
        ));
    }

    #[test]
    fn access_widened_grant_violation() {
        // SELECT granted back to `anon` on a table every role may read: opened. (A grant on a
        // table whose policies let `anon` see nothing is no widening.)
        let news = "version: 1\npreset: supabase\nsupabase: { auto_expose_new_tables: true }\ntables:\n  news:\n    columns:\n      id: { type: bigint, primary_key: true }\n    revoke: { anon: [all] }\n    rls:\n      policies:\n        read: { for: select, using: \"true\" }\n";
        insta::assert_snapshot!(change_violations(
            news,
            &news.replace(
                "    revoke: { anon: [all] }\n",
                "    revoke: { anon: [insert, update, delete, truncate, references, trigger] }\n"
            ),
            "SC612"
        ));
    }

    #[test]
    fn access_widened_new_object_ok() {
        assert_changes_clean(
            BEFORE,
            &format!(
                "{BEFORE}  news:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n"
            ),
            "SC612",
        );
    }

    #[test]
    fn access_widened_ok() {
        // Narrowing (a restrictive policy added to the own-rows read) is not flagged.
        assert_changes_clean(
            &BEFORE.replace("        not_archived: { for: select, to: [authenticated], as: restrictive, using: \"id > 0\" }\n", ""),
            BEFORE,
            "SC612",
        );
    }
}
