//! SC002 `unknown-rule`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a rule code or name in `lint.rules` or in an inline `lint: { allow: … }` that no
    /// rule has.
    ///
    /// ## Why is this bad?
    /// A misspelt rule in a suppression suppresses nothing, and a misspelt severity override
    /// changes nothing, silently.
    ///
    /// ## Example
    /// ```yaml
    /// lint:
    ///   rules: { fk-missing-indexes: off }
    /// ```
    ///
    /// Use instead: a code or name that `schemac rules` lists, such as `fk-missing-index` or
    /// `SC301`.
    pub UnknownRule {
        code: "SC002", name: "unknown-rule",
        category: Meta, level: Error, target: Model,
    }
}

impl Rule for UnknownRule {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Reported by the engine while it reads the configuration (see `lint::run`).
    fn check(&self, _cx: &LintContext<'_>, _out: &mut Vec<Finding>) {}
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    #[test]
    fn unknown_rule_violation() {
        insta::assert_snapshot!(violations(
            r#"
version: 1
lint:
  rules: { fk-missing-indexes: off }
tables:
  events:
    columns:
      id: { type: bigint, primary_key: true }
    lint: { allow: { SC999: "no such rule" } }
"#,
            "SC002"
        ));
    }

    #[test]
    fn unknown_rule_ok() {
        assert_clean(
            r#"
version: 1
lint:
  rules: { fk-missing-index: off, SC101: error }
tables:
  events:
    columns:
      id: { type: bigint, primary_key: true }
"#,
            "SC002",
        );
    }
}
