//! Exclusion constraints of the catalog → the `exclude:` key of a table.
//!
//! Input: `pg_get_constraintdef` of a constraint of kind `x`
//! (`EXCLUDE USING gist (room WITH =, tstzrange(a, b) WITH &&) WHERE ((NOT cancelled))`).
//! Output: one item of `exclude:`, or `None` when the definition has a form the model cannot
//! write (an operator class, collation or ordering on an element, an operator that is not a
//! token), which the caller keeps in the ledger.

use std::fmt::Write as _;

use super::{paren_group, reparseable, scalar, split_top, unparen};
use crate::introspect::ConstraintInfo;
use crate::ir::Sp;
use crate::ir::exclude::{ExcludeElement, element_colname, operator_ok};

/// `"Some Column"` → `Some Column` (a whole double-quoted identifier, `""` for `"`).
fn quoted_column(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if inner.is_empty() || inner.replace("\"\"", "").contains('"') {
        return None;
    }
    Some(inner.replace("\"\"", "\""))
}

/// The `exclude:` item (block lines indented for a table) of `c` on table `table`.
pub(super) fn exclusion(table: &str, c: &ConstraintInfo) -> Option<String> {
    let d = c.definition.strip_prefix("EXCLUDE USING ")?;
    let open = d.find('(')?;
    let method = d.get(..open)?.trim().to_string();
    if !["gist", "spgist", "btree", "hash"].contains(&method.as_str()) {
        return None;
    }
    let (list, after) = paren_group(d, open)?;
    let mut elements = Vec::new();
    for item in split_top(list) {
        let (target, op) = item.rsplit_once(" WITH ")?;
        let (target, op) = (target.trim(), op.trim());
        if !operator_ok(op) {
            return None;
        }
        let (target, expression) = if crate::sql::ident::is_bare_ident(target) {
            (target.to_string(), false)
        } else if let Some(name) = quoted_column(target) {
            (name, false)
        } else if target.contains('(') {
            (reparseable(unparen(target)).into_owned(), true)
        } else {
            // A column with an operator class, collation or order: not written.
            return None;
        };
        elements.push(ExcludeElement {
            target: Sp::new(target, Default::default()),
            expression,
            with: Sp::new(op.to_string(), Default::default()),
        });
    }
    let mut tail = d.get(after..).unwrap_or("").trim();
    let mut predicate = None;
    if let Some(t) = tail.strip_prefix("WHERE ") {
        let t = t.trim_start();
        let (p, a) = paren_group(t, 0)?;
        predicate = Some(reparseable(unparen(p)).into_owned());
        tail = t.get(a..).unwrap_or("").trim();
    }
    let deferrable = match tail {
        "" => None,
        "DEFERRABLE" => Some("true"),
        "DEFERRABLE INITIALLY DEFERRED" => Some("initially_deferred"),
        _ => return None,
    };
    let mut s = String::new();
    let generated = format!(
        "{table}_{}_excl",
        elements
            .iter()
            .map(element_colname)
            .collect::<Vec<_>>()
            .join("_")
    );
    s.push_str("      - elements:\n");
    for e in &elements {
        let key = if e.expression { "expression" } else { "column" };
        let _ = writeln!(
            s,
            "          - {{ {key}: {}, with: {} }}",
            scalar(&e.target.value),
            scalar(&e.with.value)
        );
    }
    if method != "gist" {
        let _ = writeln!(s, "        using: {method}");
    }
    if let Some(p) = predicate {
        let _ = writeln!(s, "        where: {}", scalar(&p));
    }
    if let Some(v) = deferrable {
        let _ = writeln!(s, "        deferrable: {v}");
    }
    if c.name != generated {
        let _ = writeln!(s, "        name: {}", scalar(&c.name));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::quoted_column;

    #[test]
    fn quoted_columns() {
        assert_eq!(quoted_column("\"Room\"").as_deref(), Some("Room"));
        assert_eq!(quoted_column("\"a\"\"b\"").as_deref(), Some("a\"b"));
        assert_eq!(quoted_column("\"a\" gist_int8_ops"), None);
        assert_eq!(quoted_column("\"a\" || \"b\""), None);
        assert_eq!(quoted_column("\"\""), None);
    }
}
