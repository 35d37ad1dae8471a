//! SC206 `updated-at-without-trigger`.

use crate::declare_rule;
use crate::ir::{Trigger, TriggerTiming};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a table with a last-modified column (`updated_at`) that no **BEFORE UPDATE … FOR
    /// EACH ROW** trigger maintains, and a trigger that would maintain it but fires AFTER, FOR
    /// EACH STATEMENT or not on UPDATE (where it has no effect). A trigger maintains the column
    /// when it calls `moddatetime(updated_at)` (contrib `moddatetime`, any schema) or a model
    /// function whose body assigns `new.updated_at`.
    ///
    /// ## Why is this bad?
    /// The column keeps its insert-time default forever, so anything that syncs or caches by
    /// "changed since" silently misses updates.
    ///
    /// ## Example
    /// ```yaml
    ///   projects:
    ///     columns:
    ///       updated_at: { type: timestamptz, default: now() }
    /// ```
    ///
    /// Use instead: a BEFORE UPDATE row trigger with a function that sets the column:
    /// ```yaml
    ///     triggers:
    ///       set_updated_at: { before: [update], function: update_updated_at }
    /// ```
    pub UpdatedAtWithoutTrigger {
        code: "SC206", name: "updated-at-without-trigger",
        category: Integrity, level: Warn, target: Model,
    }
}

fn assigns(body: &str, col: &str) -> bool {
    // Whitespace is kept only between two identifier characters, so `new . x :=` reads `new.x:=`.
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut squashed = String::with_capacity(body.len());
    let mut pending = false;
    for c in body.to_lowercase().chars().filter(|c| *c != '"') {
        if c.is_whitespace() {
            pending = true;
            continue;
        }
        if pending && ident(c) && squashed.chars().last().is_some_and(ident) {
            squashed.push(' ');
        }
        pending = false;
        squashed.push(c);
    }
    let target = format!("new.{}", col.to_lowercase());
    squashed.match_indices(&target).any(|(i, _)| {
        let rest = squashed.get(i + target.len()..).unwrap_or("");
        (rest.starts_with(":=") || (rest.starts_with('=') && !rest.starts_with("==")))
            && !squashed
                .get(..i)
                .and_then(|b| b.chars().last())
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

fn maintains(cx: &LintContext<'_>, tr: &Trigger, col: &str) -> bool {
    if tr.function.name == "moddatetime" {
        return tr.args.iter().any(|a| a.trim_matches('\'') == col);
    }
    cx.model
        .functions
        .get(&tr.function)
        .is_some_and(|f| assigns(&f.body.value, col))
}

impl Rule for UpdatedAtWithoutTrigger {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for name in &cx.settings.updated_at_columns {
                let Some(col) = t.columns.get(name) else {
                    continue;
                };
                if col.generated.is_some() {
                    continue;
                }
                let maintaining: Vec<&Trigger> = t
                    .triggers
                    .values()
                    .map(|tr| &**tr)
                    .filter(|tr| maintains(cx, tr, name))
                    .collect();
                let effective = |tr: &&Trigger| {
                    tr.timing == TriggerTiming::Before
                        && tr.for_each_row
                        && tr.events.iter().any(|e| e == "update")
                };
                if maintaining.iter().any(effective) {
                    continue;
                }
                let object = Object::Column(t.name.clone(), name.clone());
                match maintaining.first() {
                    Some(tr) => out.push(
                        Self::META
                            .finding(
                                object,
                                format!(
                                    "trigger `{}` sets `{}.{name}` but does not fire BEFORE UPDATE FOR EACH ROW, so the new value is never stored",
                                    tr.name,
                                    cx.short(&t.name)
                                ),
                            )
                            .at(tr.origin, "has no effect on the updated row")
                            .also(col.origin, "the column")
                            .help("declare the trigger with `before: [update]` and `for_each: row`"),
                    ),
                    None => out.push(
                        Self::META
                            .finding(
                                object,
                                format!(
                                    "`{}.{name}` is not maintained by a BEFORE UPDATE trigger, so it keeps its insert-time value",
                                    cx.short(&t.name)
                                ),
                            )
                            .at(col.origin, "never updated")
                            .help("add a trigger `{ before: [update], function: <a function that sets new.updated_at = now()> }`"),
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::assigns;
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\nfunctions:\n  touch:\n    returns: trigger\n    language: plpgsql\n    search_path: \"\"\n    body: \"begin new.updated_at := now(); return new; end;\"\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      updated_at: { type: timestamptz, default: now() }\nTRIGGERS";

    #[test]
    fn updated_at_without_trigger_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("TRIGGERS", ""), "SC206"));
    }

    #[test]
    fn updated_at_after_trigger_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace(
                "TRIGGERS",
                "    triggers:\n      touch_after: { after: [update], function: touch }\n"
            ),
            "SC206"
        ));
    }

    #[test]
    fn updated_at_without_trigger_ok() {
        assert_clean(
            &MODEL.replace(
                "TRIGGERS",
                "    triggers:\n      set_updated_at: { before: [update], function: touch }\n",
            ),
            "SC206",
        );
    }

    #[test]
    fn assignment_scan() {
        assert!(assigns("begin NEW.updated_at = now(); end", "updated_at"));
        assert!(assigns("new . updated_at := now()", "updated_at"));
        assert!(!assigns("if new.updated_at == x", "updated_at"));
        assert!(!assigns("renew.updated_at = 1", "updated_at"));
        assert!(!assigns("new.updated_at_old = 1", "updated_at"));
    }
}
