//! SC018 `alias-rule-configured`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `lint.rules` or an inline `lint: { allow: … }` naming a rule that is an alias of
    /// compiler errors (`SC102`, `SC104`, `SC110`, `SC204`, `SC406`, `SC407`, `SC701`; `schemac
    /// rules` marks them `alias of E…`). Those problems stop the model from compiling, so the
    /// setting changes nothing: the rule cannot be turned off, re-levelled or suppressed.
    ///
    /// ## Why is this bad?
    /// `SC204: off` or `allow: { SC701: "…" }` reads as if the check were disabled, while the
    /// compiler still reports the `E…` error and `schemac build` still refuses the model.
    ///
    /// ## Example
    /// ```yaml
    /// lint:
    ///   rules: { prefer-identity-over-serial: off }
    /// ```
    ///
    /// Use instead: remove the entry, and fix what the `E…` error (here `E202`) reports.
    pub AliasRuleConfigured {
        code: "SC018", name: "alias-rule-configured",
        category: Meta, level: Warn, target: Model,
    }
}

impl Rule for AliasRuleConfigured {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Reported by the engine while it reads the configuration (see `lint::run`).
    fn check(&self, _cx: &LintContext<'_>, _out: &mut Vec<Finding>) {}
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, lint, violations};

    const MODEL: &str = r#"
version: 1
lint:
  rules: { prefer-identity-over-serial: off, SC701: warn }
tables:
  events:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
    lint: { allow: { SC406: "no policy here" } }
"#;

    #[test]
    fn alias_rule_configured_violation() {
        insta::assert_snapshot!(violations(MODEL, "SC018"));
    }

    /// The finding replaces the generic ones: an alias named in `allow` is not also an unused
    /// suppression.
    #[test]
    fn alias_rule_configured_is_the_only_finding_about_the_entry() {
        let (_, report) = lint(MODEL);
        let codes: Vec<&str> = report
            .findings
            .iter()
            .map(|f| f.rule.code)
            .filter(|c| c.starts_with("SC0"))
            .collect();
        assert_eq!(codes, ["SC018", "SC018", "SC018"]);
    }

    #[test]
    fn alias_rule_configured_ok() {
        assert_clean(
            r#"
version: 1
lint:
  rules: { fk-missing-index: off, SC101: error }
tables:
  events:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
"#,
            "SC018",
        );
    }

    /// Turning the meta rule itself off silences it.
    #[test]
    fn alias_rule_configured_can_be_turned_off() {
        assert_clean(
            &MODEL.replace("SC701: warn", "SC701: warn, SC018: off"),
            "SC018",
        );
    }
}
