//! SC001 `unused-suppression`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an inline suppression (`lint: { allow: { RULE: reason } }`) that suppressed no
    /// finding of its rule on its object.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding of the same rule on that object, and its
    /// reason no longer describes the model. (A suppression without a reason is a model error,
    /// `E104`, reported when the model is loaded.)
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   events:
    ///     columns:
    ///       id: { type: bigint, identity: always, primary_key: true }
    ///     lint: { allow: { no-primary-key: "append-only log" } }   # it has a primary key
    /// ```
    ///
    /// Use instead: remove the suppression.
    pub UnusedSuppression {
        code: "SC001", name: "unused-suppression",
        category: Meta, level: Warn, target: Model,
    }
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Reported by the engine after every other rule ran (see `lint::run`).
    fn check(&self, _cx: &LintContext<'_>, _out: &mut Vec<Finding>) {}
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    #[test]
    fn unused_suppression_violation() {
        insta::assert_snapshot!(violations(
            r#"
version: 1
tables:
  events:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
    lint: { allow: { no-primary-key: "append-only log" } }
"#,
            "SC001"
        ));
    }

    #[test]
    fn unused_suppression_ok() {
        assert_clean(
            r#"
version: 1
tables:
  events:
    columns:
      id: bigint
    lint: { allow: { no-primary-key: "append-only log, never updated" } }
"#,
            "SC001",
        );
    }
}
