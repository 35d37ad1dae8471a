//! SC611 `access-weakened`.

use crate::declare_rule;
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a change that weakens access control: RLS disabled or FORCE switched off, a policy
    /// dropped, a policy widened to `public` or `anon`, a permissive policy made constant-true, a
    /// privilege granted to `anon` or `public` (or a revoke removed), a view losing
    /// `security_invoker`, a function becoming SECURITY DEFINER.
    ///
    /// ## Why is this bad?
    /// Each of these can expose rows to users who could not see them before, and none of them shows
    /// up as a failing test: the application keeps working, only more people can read more data.
    ///
    /// ## Example
    /// ```yaml
    /// rls:
    ///   enabled: false     # was: true
    /// ```
    ///
    /// Use instead: if it is intended, acknowledge it with the reason a reviewer needs:
    /// ```yaml
    /// migrations:
    ///   acknowledge:
    ///     - { rule: access-weakened, object: public.docs, reason: "docs are public since RFC-12" }
    /// ```
    pub AccessWeakened {
        code: "SC611", name: "access-weakened",
        category: Security, level: Warn, target: Changes,
    }
}

impl Rule for AccessWeakened {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            if let Some(how) = &c.facts.weakens_access {
                out.push(
                    cx.finding(&Self::META, c, format!("`{}`: {how}", c.object))
                        .help("make sure this is intended, then acknowledge it in `migrations.acknowledge` with the reason"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str = "version: 1\npreset: supabase\ntables:\n  docs:\n    columns:\n      id: { type: bigint, primary_key: true }\n      owner: uuid\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"owner = (select auth.uid())\" }\n";

    #[test]
    fn access_weakened_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\npreset: supabase\ntables:\n  docs:\n    columns:\n      id: { type: bigint, primary_key: true }\n      owner: uuid\n    rls:\n      policies:\n        own: { for: select, to: [anon, authenticated], using: \"true\" }\n",
            "SC611"
        ));
    }

    #[test]
    fn access_weakened_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\npreset: supabase\ntables:\n  docs:\n    columns:\n      id: { type: bigint, primary_key: true }\n      owner: uuid\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"owner = (select auth.uid()) and id > 0\" }\n",
            "SC611",
        );
    }
}
