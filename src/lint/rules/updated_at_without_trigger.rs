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
    /// function whose body assigns `new.updated_at`, or the column of a record variable assigned
    /// from `new` or returned (`_new."updated_at" := now(); return _new;`).
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

/// The body lower-cased, without double quotes, with whitespace kept only between two identifier
/// characters (so `new . x :=` reads `new.x:=`).
fn squash(body: &str) -> String {
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
    squashed
}

fn ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The names the trigger's new row goes by in a squashed body: `new`, every variable assigned
/// from it (`_new := new`, `declare _new record := new`) and every variable the body returns
/// (`return _new`: a BEFORE trigger stores the row it returns).
fn row_names(squashed: &str) -> Vec<String> {
    let mut names = vec!["new".to_string()];
    let leading = |segment: &str| -> Option<String> {
        let mut words = segment.split(' ').filter(|w| !w.is_empty());
        let mut w = words.next()?;
        while matches!(w, "declare" | "begin" | "then" | "else" | "loop") {
            w = words.next()?;
        }
        (w.chars().all(ident) && w != "new").then(|| w.to_string())
    };
    for (i, m) in squashed.match_indices("new") {
        let after = squashed.get(i + m.len()..).and_then(|r| r.chars().next());
        if after.is_some_and(ident) || after == Some('.') {
            continue;
        }
        let before = squashed.get(..i).unwrap_or("");
        let Some(lhs) = before
            .strip_suffix(":=")
            .or_else(|| before.strip_suffix('='))
        else {
            continue;
        };
        let segment = lhs.rsplit(';').next().unwrap_or(lhs);
        names.extend(leading(segment));
    }
    for (i, m) in squashed.match_indices("return ") {
        if squashed
            .get(..i)
            .and_then(|b| b.chars().last())
            .is_some_and(ident)
        {
            continue;
        }
        let rest = squashed.get(i + m.len()..).unwrap_or("");
        let word: String = rest.chars().take_while(|c| ident(*c)).collect();
        if !word.is_empty() && word != "new" && word != "null" && word != "old" {
            names.push(word);
        }
    }
    names
}

fn assigns(body: &str, col: &str) -> bool {
    let squashed = squash(body);
    row_names(&squashed).iter().any(|row| {
        let target = format!("{row}.{}", col.to_lowercase());
        squashed.match_indices(&target).any(|(i, _)| {
            let rest = squashed.get(i + target.len()..).unwrap_or("");
            (rest.starts_with(":=") || (rest.starts_with('=') && !rest.starts_with("==")))
                && !squashed
                    .get(..i)
                    .and_then(|b| b.chars().last())
                    .is_some_and(|c| ident(c) || c == '.')
        })
    })
}

fn maintains(cx: &LintContext<'_>, tr: &Trigger, col: &str) -> bool {
    if tr.function.name == "moddatetime" {
        return tr.args.iter().any(|a| a.trim_matches('\'') == col);
    }
    cx.model
        .function(&tr.function, &[])
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
    fn updated_at_through_record_variable_ok() {
        assert_clean(
            &MODEL
                .replace(
                    "begin new.updated_at := now(); return new; end;",
                    "declare _new record := new; begin _new.\\\"updated_at\\\" := now(); return _new; end;",
                )
                .replace(
                    "TRIGGERS",
                    "    triggers:\n      set_updated_at: { before: [update], function: touch }\n",
                ),
            "SC206",
        );
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
        assert!(assigns(
            "declare _new record := new; begin _new.\"updated_at\" := now(); return _new; end",
            "updated_at"
        ));
        assert!(assigns(
            "begin _row := NEW; _row.updated_at := now(); return _row; end",
            "updated_at"
        ));
        assert!(assigns(
            "begin r.updated_at := now(); return r; end",
            "updated_at"
        ));
        assert!(!assigns(
            "begin other.updated_at := now(); return new; end",
            "updated_at"
        ));
    }
}
