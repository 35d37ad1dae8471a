//! SC702 `identifier-case`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags an identifier that does not match `^[a-z_][a-z0-9_]*$`: schemas, tables, views,
    /// columns, enum types, functions, and the index and constraint names the model writes
    /// (names schemac generates are built from these, so they are not reported twice). Policy
    /// and trigger names are exempt: policy names often contain spaces.
    ///
    /// ## Why is this bad?
    /// PostgreSQL folds unquoted names to lower case, so `UserId` or `order items` must be
    /// double-quoted in every query, policy, view and function that uses them, by every tool and
    /// every person, forever. Forgetting the quotes gives "column does not exist".
    ///
    /// ## Example
    /// ```yaml
    ///   orderItems:
    ///     columns:
    ///       UnitPrice: numeric
    /// ```
    ///
    /// Use instead: `order_items` with a column `unit_price`.
    pub IdentifierCase {
        code: "SC702", name: "identifier-case",
        category: Naming, level: Warn, target: Model,
    }
}

/// One name the model declares, for the naming rules.
#[derive(Debug, Clone)]
pub struct Name<'m> {
    /// What it names: `table`, `column`, `index`, …
    pub kind: &'static str,
    /// The name.
    pub name: &'m str,
    /// Where it was written.
    pub span: Span,
    /// The object findings are about.
    pub object: Object,
    /// Whether it names a function or a type (PostgreSQL allows other keywords there).
    pub function_or_type: bool,
}

/// Every name the model declares itself, in a stable order: schemas, enum types, functions,
/// tables (then their columns, constraints and indexes), views (then their indexes). Generated
/// constraint and index names are left out (their span is the object's origin).
pub fn declared_names<'m>(cx: &LintContext<'m>) -> Vec<Name<'m>> {
    let m = cx.model;
    let mut out = Vec::new();
    for s in m.schemas.values() {
        out.push(Name {
            kind: "schema",
            name: &s.name,
            span: s.origin,
            object: Object::Key(format!("schema:{}", s.name)),
            function_or_type: false,
        });
    }
    for e in m.enums.values() {
        out.push(Name {
            kind: "enum type",
            name: &e.name.name,
            span: e.origin,
            object: Object::Key(format!("enum:{}.{}", e.name.schema, e.name.name)),
            function_or_type: true,
        });
    }
    for f in m.functions.values() {
        out.push(Name {
            kind: "function",
            name: &f.name.name,
            span: f.origin,
            object: Object::Function(f.name.clone()),
            function_or_type: true,
        });
    }
    for t in m.tables.values() {
        out.push(Name {
            kind: "table",
            name: &t.name.name,
            span: t.origin,
            object: Object::Table(t.name.clone()),
            function_or_type: false,
        });
        for c in t.columns.values() {
            out.push(Name {
                kind: "column",
                name: &c.name,
                span: c.origin,
                object: Object::Column(t.name.clone(), c.name.clone()),
                function_or_type: false,
            });
        }
        let explicit = t
            .uniques
            .iter()
            .map(|u| (&u.name, u.origin))
            .chain(t.checks.iter().map(|c| (&c.name, c.origin)))
            .chain(t.foreign_keys.iter().map(|f| (&f.name, f.origin)))
            .filter(|(n, origin)| n.span != *origin);
        for (n, _) in explicit {
            out.push(Name {
                kind: "constraint",
                name: &n.value,
                span: n.span,
                object: Object::TablePart(t.name.clone(), n.value.clone()),
                function_or_type: false,
            });
        }
        for ix in t.indexes.iter().filter(|i| i.name.span != i.origin) {
            out.push(Name {
                kind: "index",
                name: &ix.name.value,
                span: ix.name.span,
                object: Object::TablePart(t.name.clone(), ix.name.value.clone()),
                function_or_type: false,
            });
        }
    }
    for v in m.views.values() {
        out.push(Name {
            kind: if v.materialized {
                "materialized view"
            } else {
                "view"
            },
            name: &v.name.name,
            span: v.origin,
            object: Object::View(v.name.clone()),
            function_or_type: false,
        });
        for ix in v.indexes.iter().filter(|i| i.name.span != i.origin) {
            out.push(Name {
                kind: "index",
                name: &ix.name.value,
                span: ix.name.span,
                object: Object::View(v.name.clone()),
                function_or_type: false,
            });
        }
    }
    out
}

fn is_snake(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `OrderItems` → `order_items`, `unit price` → `unit_price`.
fn suggest(name: &str) -> String {
    let mut s = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                s.push('_');
            }
            s.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            s.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !s.ends_with('_') {
                s.push('_');
            }
            prev_lower = false;
        }
    }
    let s = s.trim_matches('_').to_string();
    match s.chars().next() {
        None => "_".to_string(),
        Some(c) if c.is_ascii_digit() => format!("_{s}"),
        Some(_) => s,
    }
}

impl Rule for IdentifierCase {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for n in declared_names(cx) {
            if is_snake(n.name) {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        n.object,
                        format!(
                            "{} name `{}` is not lower-case snake_case, so SQL must double-quote it everywhere",
                            n.kind, n.name
                        ),
                    )
                    .discriminator(format!("{}:{}", n.kind, n.name))
                    .at(n.span, "needs quoting")
                    .help(format!("rename it to `{}`", suggest(n.name))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  TABLE:\n    columns:\n      id: { type: bigint, primary_key: true }\n      COLUMN: numeric\n    indexes: [ { name: INDEX, columns: [COLUMN] } ]\n";

    #[test]
    fn identifier_case_violation() {
        insta::assert_snapshot!(violations(
            &MODEL
                .replace("TABLE", "orderItems")
                .replace("COLUMN", "UnitPrice")
                .replace("INDEX", "ByPrice"),
            "SC702"
        ));
    }

    #[test]
    fn identifier_case_ok() {
        assert_clean(
            &MODEL
                .replace("TABLE", "order_items")
                .replace("COLUMN", "unit_price")
                .replace("INDEX", "order_items_unit_price_idx"),
            "SC702",
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(super::suggest("OrderItems"), "order_items");
        assert_eq!(super::suggest("Unit Price"), "unit_price");
        assert_eq!(super::suggest("2fa"), "_2fa");
    }
}
