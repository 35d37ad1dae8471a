//! Function calls of a parsed fragment and their volatility.
//!
//! Input: a parsed expression ([`crate::sqlfrag::parse_expr`]) and a lookup for the functions a
//! model declares. Output: the called functions as PostgreSQL folds their names
//! ([`called_functions`]), and those of them that are `VOLATILE` ([`volatile_calls`]).
//! Invariants: calls are found by walking the tree (subqueries included), never by searching the
//! text, so a name inside a string literal, a comment or a longer identifier is no call; an
//! unqualified name is looked up in `pg_catalog` first (as PostgreSQL does when `pg_catalog` is
//! not named in the search path), then in the model; a function neither knows is not volatile.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, ObjectName};

/// How a function's result may change between calls with the same arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Volatility {
    /// Same arguments, same result, for ever.
    Immutable,
    /// Same result within one statement (`now()`).
    Stable,
    /// May change at every call (`random()`, `gen_random_uuid()`).
    Volatile,
}

impl Volatility {
    /// The volatility written in a model (`volatile`, `stable`, `immutable`, any case).
    pub fn parse(text: &str) -> Option<Volatility> {
        match text.trim().to_ascii_lowercase().as_str() {
            "immutable" => Some(Volatility::Immutable),
            "stable" => Some(Volatility::Stable),
            "volatile" => Some(Volatility::Volatile),
            _ => None,
        }
    }
}

/// Volatile functions of `pg_catalog` (and of the usual extensions' `uuid_generate_*`) that
/// defaults call; every other built-in a default calls is stable or immutable.
const VOLATILE_BUILTINS: &[&str] = &[
    "clock_timestamp",
    "gen_random_bytes",
    "gen_random_uuid",
    "nextval",
    "random",
    "random_normal",
    "setseed",
    "timeofday",
    "txid_current",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
];

/// Stable functions of `pg_catalog` a default commonly calls (listed so that a model function
/// with the same unqualified name does not hide them).
const STABLE_BUILTINS: &[&str] = &[
    "current_date",
    "current_setting",
    "current_timestamp",
    "localtimestamp",
    "now",
    "statement_timestamp",
    "transaction_timestamp",
];

/// The volatility of a built-in function of `pg_catalog` this module knows, by name.
pub fn builtin_volatility(name: &str) -> Option<Volatility> {
    if VOLATILE_BUILTINS.contains(&name) {
        Some(Volatility::Volatile)
    } else if STABLE_BUILTINS.contains(&name) {
        Some(Volatility::Stable)
    } else {
        None
    }
}

/// A name as PostgreSQL folds it: unquoted parts lower-cased. `(schema, name)`; `None` for a
/// name with more than two parts.
fn folded(name: &ObjectName) -> Option<(Option<String>, String)> {
    match super::facts::object_name_parts(name).as_slice() {
        [n] => Some((None, n.clone())),
        [s, n] => Some((Some(s.clone()), n.clone())),
        _ => None,
    }
}

/// Every function `expr` calls (subqueries included), in the order written, as `(schema, name)`
/// folded the way PostgreSQL folds identifiers.
pub fn called_functions(expr: &Expr) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    let _ = sqlparser::ast::visit_expressions(expr, |e| {
        if let Expr::Function(f) = e
            && let Some(name) = folded(&f.name)
        {
            out.push(name);
        }
        ControlFlow::<()>::Continue(())
    });
    out
}

/// The calls of `expr` to volatile functions, as written (`random`, `app.next_code`).
/// `declared` gives the volatility of a function the model declares, by schema (`None` when
/// unqualified) and name.
pub fn volatile_calls(
    expr: &Expr,
    declared: &dyn Fn(Option<&str>, &str) -> Option<Volatility>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (schema, name) in called_functions(expr) {
        let volatility = match schema.as_deref() {
            None => builtin_volatility(&name).or_else(|| declared(None, &name)),
            Some("pg_catalog") => builtin_volatility(&name),
            Some(s) => declared(Some(s), &name),
        };
        if volatility == Some(Volatility::Volatile) {
            out.push(match schema {
                Some(s) => format!("{s}.{name}"),
                None => name,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::sqlfrag::parse_expr;

    fn volatile(text: &str) -> Vec<String> {
        let expr = parse_expr(text).unwrap();
        volatile_calls(&expr, &|schema, name| match (schema, name) {
            (None | Some("public"), "random_code") => Some(Volatility::Immutable),
            (None | Some("app"), "next_code") => Some(Volatility::Volatile),
            _ => None,
        })
    }

    #[test]
    fn builtins_by_volatility() {
        assert_eq!(volatile("random()"), ["random"]);
        assert_eq!(volatile("gen_random_uuid()"), ["gen_random_uuid"]);
        assert_eq!(
            volatile("pg_catalog.clock_timestamp()"),
            ["pg_catalog.clock_timestamp"]
        );
        assert!(volatile("now()").is_empty());
        assert!(volatile("lower('random()')").is_empty());
    }

    #[test]
    fn declared_functions_by_their_volatility() {
        assert!(volatile("random_code()").is_empty());
        assert!(volatile("public.random_code()").is_empty());
        assert_eq!(volatile("app.next_code()"), ["app.next_code"]);
        assert_eq!(volatile("'x' || NEXT_CODE()"), ["next_code"]);
    }

    #[test]
    fn calls_inside_subqueries_and_casts() {
        assert_eq!(volatile("(select (random() * 10)::int)"), ["random"]);
        assert_eq!(
            called_functions(&parse_expr("\"Odd\".\"F\"(x) + g()").unwrap()),
            [
                (Some("Odd".to_string()), "F".to_string()),
                (None, "g".to_string())
            ]
        );
    }
}
