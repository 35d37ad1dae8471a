//! Comparisons of two definitions of one object: whether they are the same (nothing to migrate),
//! whether a function can be replaced in place, whether a type change rewrites the table, and how
//! a policy change weakens access.
//!
//! Input: IR objects from the old and the new model. Output: booleans and short descriptions.
//! Invariants: pure; SQL text is compared trimmed, never parsed or rewritten here.

use crate::ir::{Column, Function, Index, Policy};

pub(crate) fn trimmed(s: &Option<crate::ir::Sp<String>>) -> Option<&str> {
    s.as_ref().map(|x| x.value.trim())
}

/// Type changes PostgreSQL does without rewriting the table.
/// Whether changing a column from `from` to `to` keeps the table's bytes (no rewrite).
pub fn binary_coercible(from: &str, to: &str) -> bool {
    let base = |t: &str| t.split('(').next().unwrap_or(t).trim().to_string();
    let len = |t: &str| -> Option<u32> {
        t.split_once('(')
            .and_then(|(_, r)| r.trim_end_matches(')').split(',').next())
            .and_then(|n| n.trim().parse().ok())
    };
    let (bf, bt) = (base(from), base(to));
    match (bf.as_str(), bt.as_str()) {
        ("character varying", "text") | ("character varying", "character varying") => {
            bt == "text" || len(to).is_none() || len(from).zip(len(to)).is_some_and(|(a, b)| b >= a)
        }
        ("numeric", "numeric") => len(to).is_none() || from == to,
        ("timestamp without time zone", "timestamp with time zone") => false,
        ("character", "text") => false,
        _ => from == to,
    }
}

/// Whether two columns have the same definition (type, nullability, default, identity,
/// generation).
pub(crate) fn column_def_eq(a: &Column, b: &Column) -> bool {
    a.type_sql == b.type_sql
        && a.nullable == b.nullable
        && trimmed(&a.default) == trimmed(&b.default)
        && a.identity == b.identity
        && trimmed(&a.generated) == trimmed(&b.generated)
}

/// Whether two indexes have the same definition (name aside).
pub(crate) fn index_def_eq(a: &Index, b: &Index) -> bool {
    a.method == b.method
        && a.unique == b.unique
        && a.nulls_not_distinct == b.nulls_not_distinct
        && trimmed(&a.predicate) == trimmed(&b.predicate)
        && a.include
            .iter()
            .map(|c| &c.value)
            .eq(b.include.iter().map(|c| &c.value))
        && a.keys.len() == b.keys.len()
        && a.keys.iter().zip(&b.keys).all(|(x, y)| {
            x.target.value.trim() == y.target.value.trim()
                && x.expression == y.expression
                && x.opclass == y.opclass
                && x.collate == y.collate
                && x.order == y.order
                && x.nulls == y.nulls
        })
}

/// Whether two policies have the same definition (name and comment aside).
pub(crate) fn policy_def_eq(a: &Policy, b: &Policy) -> bool {
    a.command == b.command
        && a.permissive == b.permissive
        && a.roles
            .iter()
            .map(|r| &r.value)
            .eq(b.roles.iter().map(|r| &r.value))
        && trimmed(&a.using) == trimmed(&b.using)
        && trimmed(&a.with_check) == trimmed(&b.with_check)
}

/// Whether two triggers have the same definition (name and comment aside).
pub(crate) fn trigger_def_eq(a: &crate::ir::Trigger, b: &crate::ir::Trigger) -> bool {
    a.timing == b.timing
        && a.events == b.events
        && a.of_columns
            .iter()
            .map(|c| &c.value)
            .eq(b.of_columns.iter().map(|c| &c.value))
        && a.for_each_row == b.for_each_row
        && trimmed(&a.when) == trimmed(&b.when)
        && a.function == b.function
        && a.args == b.args
}

/// Whether two foreign keys have the same definition (name aside).
pub(crate) fn fk_def_eq(a: &crate::ir::ForeignKey, b: &crate::ir::ForeignKey) -> bool {
    a.columns
        .iter()
        .map(|c| &c.value)
        .eq(b.columns.iter().map(|c| &c.value))
        && a.target == b.target
        && a.target_columns
            .iter()
            .map(|c| &c.value)
            .eq(b.target_columns.iter().map(|c| &c.value))
        && a.on_delete == b.on_delete
        && a.on_delete_columns
            .iter()
            .map(|c| &c.value)
            .eq(b.on_delete_columns.iter().map(|c| &c.value))
        && a.on_update == b.on_update
        && a.deferrable == b.deferrable
}

/// Whether `CREATE OR REPLACE` can turn `a` into `b` (same arguments, defaults and result).
pub(crate) fn function_replaceable(a: &Function, b: &Function) -> bool {
    a.kind == b.kind
        && a.returns.value.trim() == b.returns.value.trim()
        && a.args.len() == b.args.len()
        && a.args.iter().zip(&b.args).all(|(x, y)| {
            x.name == y.name
                && x.type_sql == y.type_sql
                && x.mode == y.mode
                && x.default == y.default
        })
}

/// Whether two functions have the same definition (privileges and comment aside).
pub(crate) fn function_def_eq(a: &Function, b: &Function) -> bool {
    function_replaceable(a, b)
        && a.language == b.language
        && a.volatility == b.volatility
        && a.security_definer == b.security_definer
        && a.search_path == b.search_path
        && a.strict == b.strict
        && a.leakproof == b.leakproof
        && a.parallel == b.parallel
        && a.body.value == b.body.value
}

/// How a new or changed policy weakens access, if it does: roles widened to `public`/`anon`, or
/// an expression that became constant true.
pub(crate) fn policy_weakening(old: Option<&Policy>, p: &Policy) -> Option<String> {
    let wide = |q: &Policy| {
        q.roles.is_empty()
            || q.roles
                .iter()
                .any(|r| r.value == "public" || r.value == "anon")
    };
    let constant_true = |e: Option<&str>| {
        e.is_some_and(|e| {
            matches!(
                e.trim().to_ascii_lowercase().as_str(),
                "true" | "(true)" | "1 = 1" | "1=1"
            )
        })
    };
    if wide(p) && old.is_some_and(|o| !wide(o)) {
        return Some(format!(
            "policy {} now applies to {}",
            p.name,
            if p.roles.is_empty() {
                "public".to_string()
            } else {
                p.roles
                    .iter()
                    .map(|r| r.value.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
    }
    let now_true = constant_true(p.using.as_ref().map(|u| u.value.as_str()))
        || constant_true(p.with_check.as_ref().map(|u| u.value.as_str()));
    let was_true = old.is_some_and(|o| {
        constant_true(o.using.as_ref().map(|u| u.value.as_str()))
            || constant_true(o.with_check.as_ref().map(|u| u.value.as_str()))
    });
    if p.permissive && now_true && !was_true {
        return Some(format!("policy {} allows every row", p.name));
    }
    None
}

/// Values of an enum added anywhere but at the end (written `ADD VALUE … BEFORE/AFTER`).
pub fn enum_values_inserted_before_end(old: &[String], new: &[String]) -> Vec<String> {
    new.iter()
        .enumerate()
        .filter(|(i, v)| !old.contains(v) && i + 1 < new.len())
        .map(|(_, v)| v.clone())
        .collect()
}

/// Values of an enum that the new definition no longer has.
pub fn enum_values_removed(old: &[String], new: &[String]) -> Vec<String> {
    old.iter().filter(|v| !new.contains(v)).cloned().collect()
}

/// Whether the values kept by the new definition of an enum are in another order.
pub fn enum_values_reordered(old: &[String], new: &[String]) -> bool {
    !new.iter()
        .filter(|v| old.contains(v))
        .eq(old.iter().filter(|v| new.contains(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn enum_value_changes() {
        let old = v(&["a", "b", "c"]);
        assert_eq!(
            enum_values_inserted_before_end(&old, &v(&["x", "a", "b", "y", "c", "z"])),
            ["x", "y"]
        );
        assert!(enum_values_inserted_before_end(&old, &v(&["a", "b", "c", "z"])).is_empty());
        assert_eq!(enum_values_removed(&old, &v(&["a", "c"])), ["b"]);
        assert!(!enum_values_reordered(&old, &v(&["a", "c"])));
        assert!(enum_values_reordered(&old, &v(&["b", "a", "c"])));
    }

    #[test]
    fn binary_coercible_type_changes() {
        assert!(binary_coercible(
            "character varying(10)",
            "character varying(20)"
        ));
        assert!(binary_coercible("character varying(10)", "text"));
        assert!(!binary_coercible(
            "character varying(20)",
            "character varying(10)"
        ));
        assert!(!binary_coercible("integer", "bigint"));
    }
}
