//! SC507 `extension-in-public`.

use crate::declare_rule;
use crate::ir::Preset;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a declared extension that installs into the `public` schema (`schema: public`; on
    /// Supabase an extension without `schema` goes into `extensions`), on a model whose API can
    /// expose it: the Supabase preset, or any model whose `lint.exposed_schemas` lists `public`.
    /// On plain PostgreSQL with no exposed schemas, `public` is where extensions go by default
    /// and nothing exposes it, so the rule is silent there.
    ///
    /// ## Why is this bad?
    /// The extension's functions, types and tables land next to the application's objects. In a
    /// schema the Data API exposes, clients can call and read them; and any role that can create
    /// objects in `public` can shadow them.
    ///
    /// ## Example
    /// ```yaml
    /// extensions:
    ///   pg_trgm: { schema: public }
    /// ```
    ///
    /// Use instead: `pg_trgm: { schema: extensions }`.
    pub ExtensionInPublic {
        code: "SC507", name: "extension-in-public",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for ExtensionInPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        if cx.model.preset != Preset::Supabase && !cx.settings.exposed("public") {
            return;
        }
        for ext in cx.model.extensions.values() {
            if cx.model.extension_schema(ext) != "public" {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        Object::Key(format!("extension:{}", ext.name)),
                        format!("extension `{}` is installed into `public`", ext.name),
                    )
                    .at(ext.origin, "installs into public")
                    .help("install it into the `extensions` schema: `schema: extensions`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str =
        "version: 1\npreset: supabase\nextensions:\n  pg_trgm: { schema: SCHEMA }\n";

    #[test]
    fn extension_in_public_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("SCHEMA", "public"), "SC507"));
    }

    #[test]
    fn extension_in_public_ok() {
        assert_clean(&MODEL.replace("SCHEMA", "extensions"), "SC507");
        // Plain PostgreSQL without an API: `public` is the usual home and nothing exposes it.
        assert_clean(
            "version: 1\nextensions:\n  pg_trgm: { schema: public }\n",
            "SC507",
        );
    }
}
