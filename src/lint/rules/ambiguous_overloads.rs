//! SC517 `ambiguous-overloads`.

use crate::declare_rule;
use crate::ir::types::family;
use crate::ir::{FnKey, Function};
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags two overloads of one function (or procedure) with the same number of input
    /// arguments whose types differ only within one family PostgreSQL converts between
    /// implicitly: `smallint`/`integer`/`bigint`/`numeric`, `text`/`varchar`/`char`, the
    /// timestamps.
    ///
    /// ## Why is this bad?
    /// A call with a literal or an untyped value (`f(1)`, `f('abc')`, a parameter from a
    /// client) then either fails with "function f(unknown) is not unique" or reaches the
    /// overload PostgreSQL prefers, which is not necessarily the one the caller meant. The Data
    /// API (PostgREST) passes arguments as text and refuses to choose between such overloads.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   find_order:
    ///     - args: [id integer]
    ///       returns: setof public.orders
    ///       body: select * from public.orders where orders.id = find_order.id
    ///     - args: [id bigint]
    ///       returns: setof public.orders
    ///       body: select * from public.orders where orders.id = find_order.id
    /// ```
    ///
    /// Use instead: one function with the widest type (`bigint`), or overloads that differ in
    /// the number of arguments or in unrelated types.
    pub AmbiguousOverloads {
        code: "SC517", name: "ambiguous-overloads",
        category: Integrity, level: Warn, target: Model,
    }
}

/// Whether two identities have the same arity and every argument in one coercion family.
fn ambiguous(a: &FnKey, b: &FnKey) -> bool {
    a.args.len() == b.args.len()
        && a.args != b.args
        && a.args
            .iter()
            .zip(&b.args)
            .all(|(x, y)| x == y || family(x) == family(y))
}

impl Rule for AmbiguousOverloads {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        // The overloads of one name are adjacent in the map: compare within each run.
        let all: Vec<(&FnKey, &Function)> = cx.model.functions.iter().collect();
        for (i, (ka, fa)) in all.iter().enumerate() {
            for (kb, fb) in all
                .iter()
                .skip(i + 1)
                .take_while(|(k, _)| k.name == ka.name)
            {
                if !ambiguous(ka, kb) {
                    continue;
                }
                out.push(
                    Self::META
                        .finding(
                            Object::Function(fb.name.clone()),
                            format!(
                                "overloads `{}({})` and `{}({})` differ only by types PostgreSQL converts implicitly, so a call with a literal is ambiguous",
                                cx.short(&ka.name),
                                ka.args.join(", "),
                                cx.short(&kb.name),
                                kb.args.join(", ")
                            ),
                        )
                        .at(fb.origin, "this overload")
                        .also(fa.origin, "and this one")
                        .help("keep one overload with the widest type, or make the overloads differ in the number of arguments"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\nfunctions:\n  pick:\n    - args: [a integer]\n      returns: integer\n      body: select a\n    - args: [OTHER]\n      returns: integer\n      body: select 1\n";

    #[test]
    fn ambiguous_overloads_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("OTHER", "a bigint"), "SC517"));
    }

    #[test]
    fn ambiguous_overloads_text_family_violation() {
        let model = "version: 1\nfunctions:\n  tag:\n    - args: [t text, n integer]\n      returns: text\n      body: select t\n    - args: [t varchar, n integer]\n      returns: text\n      body: select t\n";
        insta::assert_snapshot!(violations(model, "SC517"));
    }

    #[test]
    fn ambiguous_overloads_ok() {
        // Another arity, or an unrelated type.
        assert_clean(&MODEL.replace("OTHER", "a integer, b integer"), "SC517");
        assert_clean(&MODEL.replace("OTHER", "a boolean"), "SC517");
        assert_clean(&MODEL.replace("OTHER", "a uuid"), "SC517");
    }
}
