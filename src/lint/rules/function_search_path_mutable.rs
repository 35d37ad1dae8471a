//! SC502 `function-search-path-mutable`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a function that is not `security: definer` and does not pin its `search_path`
    /// (invoker functions, trigger functions). SECURITY DEFINER functions are checked by
    /// `security-definer-without-search-path` (SC501), so each code keeps one severity.
    ///
    /// ## Why is this bad?
    /// Without a pinned `search_path`, the names in the body resolve against the caller's
    /// search path: a role that can create objects in a schema earlier on that path can make the
    /// function call its own `lower()` or read its own table, and the function behaves
    /// differently depending on who calls it.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   set_updated_at:
    ///     returns: trigger
    ///     language: plpgsql
    ///     body: "begin new.updated_at := now(); return new; end"
    /// ```
    ///
    /// Use instead: add `search_path: ""` and schema-qualify the names in the body
    /// (`pg_catalog.now()`).
    pub FunctionSearchPathMutable {
        code: "SC502", name: "function-search-path-mutable",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for FunctionSearchPathMutable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for f in cx.model.functions.values() {
            if f.security_definer || f.search_path.is_some() {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        Object::Function(f.name.clone()),
                        format!(
                            "function `{}` does not set `search_path`, so its names resolve against the caller's",
                            cx.short(&f.name)
                        ),
                    )
                    .at(f.origin, "no `search_path`")
                    .help("set `search_path: \"\"` and schema-qualify every name in the body"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\nfunctions:\n  add_one:\n    args: [ { name: n, type: integer } ]\n    returns: integer\n    volatility: immutable\nPATH    body: \"select n + 1\"\n";

    #[test]
    fn function_search_path_mutable_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("PATH", ""), "SC502"));
    }

    #[test]
    fn function_search_path_mutable_ok() {
        assert_clean(&MODEL.replace("PATH", "    search_path: \"\"\n"), "SC502");
    }
}
