//! Migration-safety rules (SC6xx): rules over the change list between the committed snapshot and
//! the model, one file each.
//!
//! Input: the previous model, the new model and [`Change`]s from [`crate::diff`]. Output: a
//! [`Report`] of findings after levels (`lint.rules`), acknowledgements (`migrations.acknowledge`
//! with a reason, or `--allow RULE` on the command line) and the meta findings for
//! acknowledgements that match nothing. Invariants: each rule is one pass over the changes;
//! findings are sorted like model findings; a finding at warn or error level that is not
//! acknowledged stops `schemac build` (risky changes need an explicit acknowledgement).

pub mod access_weakened;
pub mod access_widened;
pub mod add_required_column;
pub mod column_type_change;
pub mod constraint_without_not_valid;
pub mod destructive_drop;
pub mod enum_value_change;
pub mod index_not_concurrent;
pub mod rename_breaks_clients;
pub mod set_not_null_on_existing_column;
pub mod unique_or_pk_on_existing_table;
pub mod volatile_default_on_existing_table;

use std::collections::BTreeMap;

use crate::diff::Change;
use crate::ir::Model;
use crate::lint::{
    Finding, Level, Object, Report, RuleMeta, Target, find_rule, registry::ALL_RULES,
};

/// What a change rule reads.
pub struct ChangeContext<'a> {
    /// The model before (from the snapshot).
    pub old: &'a Model,
    /// The model now.
    pub new: &'a Model,
    /// The changes, in statement order.
    pub changes: &'a [Change],
}

impl ChangeContext<'_> {
    /// Start a finding of `meta` about `change`, pointing at it when it has a span.
    pub fn finding(
        &self,
        meta: &'static RuleMeta,
        change: &Change,
        message: impl Into<String>,
    ) -> Finding {
        let f = meta
            .finding(Object::Key(format!("change:{}", change.object)), message)
            .discriminator(format!("{:?}", change.kind));
        if change.span == crate::source::Span::default() {
            f
        } else {
            f.at(change.span, "changed here")
        }
    }
}

/// Run the change rules. `allowed` are rule codes or names acknowledged on the command line.
pub fn run(old: &Model, new: &Model, changes: &[Change], allowed: &[String]) -> Report {
    let cx = ChangeContext { old, new, changes };
    let mut levels: BTreeMap<&'static str, Level> = BTreeMap::new();
    for (rule, level) in &new.lint.rules {
        if let (Some(r), Some(l)) = (find_rule(&rule.value), Level::parse(&level.value)) {
            levels.insert(r.meta().code, l);
        }
    }
    for word in allowed {
        if let Some(r) = find_rule(word) {
            levels.insert(r.meta().code, Level::Off);
        }
    }
    let mut findings = Vec::new();
    for rule in ALL_RULES
        .iter()
        .filter(|r| r.meta().target == Target::Changes)
    {
        let m = rule.meta();
        let level = levels.get(m.code).copied().unwrap_or(m.default_level);
        if level == Level::Off {
            continue;
        }
        let mut out = Vec::new();
        rule.check_changes(&cx, &mut out);
        for mut f in out {
            if levels.contains_key(m.code) {
                f.level = level;
            }
            findings.push(f);
        }
    }
    // Acknowledgements: the rule and the object path must both match.
    let acks = &new.migrations.acknowledge;
    let mut used = vec![false; acks.len()];
    findings.retain(|f| {
        let mut acknowledged = false;
        for (i, a) in acks.iter().enumerate() {
            if find_rule(&a.rule.value).is_some_and(|r| r.meta().code == f.rule.code)
                && a.object.value.trim() == f.object
            {
                acknowledged = true;
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
        }
        !acknowledged
    });
    for (a, used) in acks.iter().zip(&used) {
        if *used {
            continue;
        }
        let meta = &crate::lint::rules::unused_suppression::UnusedSuppression::META;
        let f = match find_rule(&a.rule.value) {
            None => crate::lint::rules::unknown_rule::UnknownRule::META
                .finding(Object::Model, format!("`migrations.acknowledge` names an unknown rule `{}`", a.rule.value))
                .discriminator(a.rule.value.clone())
                .at(a.rule.span, "no such rule")
                .help("use a migration-safety rule code (`SC601`) or name (`destructive-drop`) from `schemac rules`"),
            Some(r) => {
                let pending = !changes.is_empty();
                meta.finding(
                    Object::Key(format!("change:{}", a.object.value.trim())),
                    format!(
                        "the acknowledgement of `{}` ({}) on `{}` matches no {}change",
                        r.meta().code,
                        r.meta().name,
                        a.object.value.trim(),
                        if pending { "" } else { "pending " }
                    ),
                )
                .discriminator(format!("ack:{}", r.meta().code))
                .at(a.object.span, "nothing to acknowledge here")
                .help(if pending {
                    "check the object path against the finding's (`schemac plan` lists them), or remove the acknowledgement"
                } else {
                    "its migration is written: remove the acknowledgement, so it cannot approve a later change by accident"
                })
                .level(if pending { Level::Warn } else { Level::Info })
            }
        };
        findings.push(f);
    }
    findings.retain(|f| f.level != Level::Off);
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            (
                f.primary
                    .as_ref()
                    .map_or((u32::MAX, 0), |(s, _)| (s.file.0, s.start)),
                f.rule.code,
                f.object.clone(),
                f.discriminator.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    Report { findings }
}

/// Whether `report` has findings that stop `schemac build` (warn or error level).
pub fn blocks_build(report: &Report) -> bool {
    report
        .findings
        .iter()
        .any(|f| f.rule.target == Target::Changes && f.level >= Level::Warn)
}

#[cfg(test)]
pub mod test_utils {
    //! Compile two models, diff them and render one change rule's findings.

    use crate::diagnostics::report::{Style, human};
    use crate::{Compiled, compile_sources};

    fn compile(yaml: &str) -> Compiled {
        let c = compile_sources(&[("schema.yaml".into(), yaml.into())]);
        assert!(
            c.ok(),
            "fixture does not compile: {:?}",
            c.diagnostics.sorted()
        );
        c
    }

    fn findings(
        before: &str,
        after: &str,
        rule: &str,
    ) -> (Compiled, Vec<crate::diagnostics::Diagnostic>) {
        let old = compile(before);
        let new = compile(after);
        let inc = crate::plan::incremental(&old.model, &new.model);
        let report = super::run(&old.model, &new.model, &inc.changes, &[]);
        let diags = report
            .findings
            .iter()
            .filter(|f| f.rule.code == rule || f.rule.name == rule)
            .filter_map(|f| f.diagnostic())
            .collect();
        (new, diags)
    }

    /// The rule's findings on the change from `before` to `after`, rendered; fails when none.
    pub fn change_violations(before: &str, after: &str, rule: &str) -> String {
        let (new, diags) = findings(before, after, rule);
        assert!(!diags.is_empty(), "{rule} did not fire");
        let refs: Vec<_> = diags.iter().collect();
        human(&refs, &new.sources, Style::Plain, 100)
    }

    /// Fails when the rule fires on the change.
    pub fn assert_changes_clean(before: &str, after: &str, rule: &str) {
        let (new, diags) = findings(before, after, rule);
        let refs: Vec<_> = diags.iter().collect();
        assert!(
            diags.is_empty(),
            "{rule} fired:\n{}",
            human(&refs, &new.sources, Style::Plain, 100)
        );
    }
}
