//! SC411 `multiple-permissive-policies`.

use std::collections::BTreeMap;

use super::{COMMANDS, policy_applies_to, policy_covers};
use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a table with more than one permissive policy for the same client role and command.
    /// `for: all` counts for all four commands, and a policy for PUBLIC (no `to`) counts for
    /// every client role (`anon`, `authenticated` on Supabase). One finding lists every role and
    /// command a set of overlapping policies shares.
    ///
    /// ## Why is this bad?
    /// PostgreSQL evaluates every permissive policy that applies and ORs the results, so each
    /// extra policy adds its cost to every row of every query.
    ///
    /// ## Example
    /// ```yaml
    ///         own_select: { for: select, to: [authenticated], using: "(select auth.uid()) = user_id" }
    ///         team_select: { for: select, to: [authenticated], using: "team_id = any (…)" }
    /// ```
    ///
    /// Use instead: one policy whose expression ORs both conditions, or a restrictive policy
    /// (`as: restrictive`) for a condition that must always hold.
    pub MultiplePermissivePolicies {
        code: "SC411", name: "multiple-permissive-policies",
        category: Performance, level: Warn, target: Model,
    }
}

impl Rule for MultiplePermissivePolicies {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            // policy set → (role, command) pairs it overlaps on.
            let mut groups: BTreeMap<Vec<&str>, Vec<String>> = BTreeMap::new();
            for role in &cx.settings.client_roles {
                for cmd in COMMANDS {
                    let names: Vec<&str> = t
                        .policies
                        .values()
                        .filter(|p| {
                            p.permissive && policy_covers(p, cmd) && policy_applies_to(p, role)
                        })
                        .map(|p| p.name.as_str())
                        .collect();
                    if names.len() > 1 {
                        groups
                            .entry(names)
                            .or_default()
                            .push(format!("{role} {}", cmd.sql()));
                    }
                }
            }
            for (names, pairs) in groups {
                let (Some(first), Some(last)) = (
                    names.first().and_then(|n| t.policies.get(*n)),
                    names.last().and_then(|n| t.policies.get(*n)),
                ) else {
                    continue;
                };
                let mut f = Self::META
                    .finding(
                        Object::Policy(t.name.clone(), last.name.clone()),
                        format!(
                            "policies {} on `{}` are all permissive for {}",
                            names
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            cx.short(&t.name),
                            pairs.join(", ")
                        ),
                    )
                    .discriminator(names.join(","))
                    .at(
                        last.origin,
                        "another permissive policy for the same role and command",
                    );
                for n in names.iter().take(names.len().saturating_sub(1)) {
                    if let Some(p) = t.policies.get(*n) {
                        f = f.also(p.origin, "overlaps with this one");
                    }
                }
                f = f
                    .key(format!("policy:{}.{}.{}", t.name.schema, t.name.name, first.name))
                    .help("merge them into one policy with OR, or make the cross-cutting one `as: restrictive`");
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      user_id: uuid\n      public: boolean\n    indexes: [ { columns: [user_id] } ]\n    revoke: { anon: [all], authenticated: [insert, update, delete] }\n    rls:\n      policies:\n        own: { for: select, to: [authenticated], using: \"(select auth.uid()) = user_id\" }\n        published: { for: select, AS to: [authenticated], using: \"public\" }\n";

    #[test]
    fn multiple_permissive_policies_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("AS ", ""), "SC411"));
    }

    #[test]
    fn multiple_permissive_policies_ok() {
        assert_clean(&MODEL.replace("AS ", "as: restrictive, "), "SC411");
    }
}
