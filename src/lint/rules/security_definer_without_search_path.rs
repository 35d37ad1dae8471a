//! SC501 `security-definer-without-search-path`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a `security: definer` function that does not pin `search_path`, or pins one that
    /// includes a schema untrusted roles can create objects in (`public`, `$user`) or puts
    /// `pg_temp` anywhere but last. An empty `search_path: ""` (every name schema-qualified in
    /// the body) passes, as does a list of trusted schemas.
    ///
    /// ## Why is this bad?
    /// The function runs with its owner's rights but resolves unqualified names through the
    /// caller's `search_path`: a caller who can create a function or operator named like one the
    /// body uses (in `public`, or in `pg_temp`, which is searched first unless listed) runs code
    /// as the owner.
    ///
    /// ## Example
    /// ```yaml
    ///   handle_new_user:
    ///     returns: trigger
    ///     security: definer
    ///     body: "begin insert into profiles (id) values (new.id); return new; end;"
    /// ```
    ///
    /// Use instead: `search_path: ""` and schema-qualified names
    /// (`insert into public.profiles …`).
    pub SecurityDefinerWithoutSearchPath {
        code: "SC501", name: "security-definer-without-search-path",
        category: Security, level: Error, target: Model,
    }
}

fn problem(path: &Option<Vec<String>>) -> Option<String> {
    let Some(path) = path else {
        return Some("does not set `search_path`".to_string());
    };
    for (i, s) in path.iter().enumerate() {
        let s = s.trim().trim_matches('"');
        if s == "public" || s == "$user" {
            return Some(format!(
                "puts `{s}` on its `search_path`, where untrusted roles can create objects"
            ));
        }
        if s == "pg_temp" && i + 1 != path.len() {
            return Some("puts `pg_temp` before other schemas on its `search_path`".to_string());
        }
    }
    None
}

impl Rule for SecurityDefinerWithoutSearchPath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for f in cx.model.functions.values() {
            if !f.security_definer {
                continue;
            }
            let Some(p) = problem(&f.search_path) else {
                continue;
            };
            out.push(
                Self::META
                    .finding(
                        Object::Function(f.name.clone()),
                        format!("security definer function `{}` {p}", cx.short(&f.name)),
                    )
                    .at(f.origin, "runs with its owner's rights")
                    .help("set `search_path: \"\"` and schema-qualify every name in the body"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\nfunctions:\n  whoami:\n    returns: text\n    security: definer\nPATH    body: \"select current_user::text\"\n    revoke: { public: [execute] }\n";

    #[test]
    fn security_definer_without_search_path_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("PATH", ""), "SC501"));
    }

    #[test]
    fn security_definer_public_search_path_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("PATH", "    search_path: [public, pg_temp]\n"),
            "SC501"
        ));
    }

    #[test]
    fn security_definer_without_search_path_ok() {
        assert_clean(&MODEL.replace("PATH", "    search_path: \"\"\n"), "SC501");
        assert_clean(
            &MODEL.replace("PATH", "    search_path: [app, pg_temp]\n"),
            "SC501",
        );
    }
}
