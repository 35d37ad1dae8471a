//! Exclusion constraints (`exclude:` on a table): `EXCLUDE USING gist (room WITH =, …) WHERE (…)`.
//!
//! Each element is a column or one SQL expression, compared with an operator that the loader
//! checked is an operator token (see [`operator_ok`]); the access method is a name.

use serde::{Deserialize, Serialize};

use super::{Deferrable, Sp, is_default};
use crate::source::Span;

/// One element of an exclusion constraint: `<column | (expression)> WITH <operator>`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ExcludeElement {
    /// Column name, or expression text.
    pub target: Sp<String>,
    /// Whether `target` is an expression.
    #[serde(default, skip_serializing_if = "is_default")]
    pub expression: bool,
    /// The operator: operator characters (`=`, `&&`) or `OPERATOR(schema.op)`.
    pub with: Sp<String>,
}

/// An exclusion constraint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Exclude {
    /// Constraint name.
    pub name: Sp<String>,
    /// Access method (`gist` by default, `spgist`, `btree`, `hash`).
    pub method: String,
    /// The elements, in order.
    pub elements: Vec<ExcludeElement>,
    /// The `WHERE` predicate (a partial exclusion constraint).
    #[serde(default, skip_serializing_if = "is_default")]
    pub predicate: Option<Sp<String>>,
    /// DEFERRABLE.
    #[serde(default, skip_serializing_if = "is_default")]
    pub deferrable: Deferrable,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

/// The name PostgreSQL gives an element when it names the constraint (`{table}_{cols}_excl`): the
/// column, or for an expression the function of a call (`tstzrange(a, b)` → `tstzrange`), else
/// `expr`.
pub fn element_colname(e: &ExcludeElement) -> String {
    if !e.expression {
        return e.target.value.clone();
    }
    let t = e.target.value.trim();
    let head: String = t
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let after = t.get(head.len()..).unwrap_or("").trim_start();
    match head.rsplit('.').next() {
        Some(f) if !f.is_empty() && after.starts_with('(') => f.to_lowercase(),
        _ => "expr".to_string(),
    }
}

/// Whether `op` is an operator token: only the characters PostgreSQL allows in an operator name
/// (`+-*/<>=~!@#%^&|` and the backquote and question mark), at most 63 of them, without `--` or
/// `/*`; or `OPERATOR(schema.op)` with a plain lower-case schema name. Nothing else reaches SQL.
pub fn operator_ok(op: &str) -> bool {
    if let Some(inner) = op
        .strip_prefix("OPERATOR(")
        .or_else(|| op.strip_prefix("operator("))
        .and_then(|r| r.strip_suffix(')'))
    {
        let Some((schema, name)) = inner.split_once('.') else {
            return false;
        };
        let schema_ok = schema
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
        return schema_ok && bare_operator_ok(name);
    }
    bare_operator_ok(op)
}

fn bare_operator_ok(op: &str) -> bool {
    !op.is_empty()
        && op.len() <= 63
        && op.chars().all(|c| "+-*/<>=~!@#%^&|`?".contains(c))
        && !op.contains("--")
        && !op.contains("/*")
}

/// The operator as the SQL and the comparison read it: `OPERATOR(` upper-cased.
pub fn operator_sql(op: &str) -> String {
    match op.strip_prefix("operator(") {
        Some(rest) => format!("OPERATOR({rest}"),
        None => op.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators() {
        for ok in [
            "=",
            "&&",
            "<>",
            "-|-",
            "OPERATOR(public.&&)",
            "operator(pg_catalog.=)",
        ] {
            assert!(operator_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "= 1); drop table x; --",
            "--",
            "/*",
            "a",
            "OPERATOR(&&)",
            "OPERATOR(Public.&&)",
            "OPERATOR(public.and)",
            "OPERATOR(public.&&) x",
            "= ",
        ] {
            assert!(!operator_ok(bad), "{bad}");
        }
        assert_eq!(operator_sql("operator(public.&&)"), "OPERATOR(public.&&)");
    }
}
