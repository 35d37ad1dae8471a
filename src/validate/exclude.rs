//! Checks of exclusion constraints (`exclude:`): their columns exist (E204), their name fits
//! (E306), a gist constraint comparing a scalar column with `=` has `btree_gist` (E331), and the
//! table is not partitioned (E332, PostgreSQL 15). Their expressions and predicates are parsed
//! with the other SQL fragments (`validate::sql`); Citus's rule is in `validate::citus`.

use super::{check_columns, ident_len};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::exclude::Exclude;
use crate::ir::{Model, Sp, Table};

/// The operators of btree's strategies: on a scalar column gist has them only from `btree_gist`.
const BTREE_OPERATORS: &[&str] = &["=", "<>", "<", "<=", ">", ">="];

/// Scalar types without a gist operator class of their own (`btree_gist` provides one), as
/// `format_type()` prints them without a type modifier.
const BTREE_GIST_TYPES: &[&str] = &[
    "bigint",
    "bit",
    "bit varying",
    "boolean",
    "bytea",
    "character",
    "character varying",
    "date",
    "double precision",
    "integer",
    "interval",
    "macaddr",
    "macaddr8",
    "money",
    "numeric",
    "oid",
    "real",
    "smallint",
    "text",
    "time with time zone",
    "time without time zone",
    "timestamp with time zone",
    "timestamp without time zone",
    "uuid",
];

/// The exclusion constraint checks of one table.
pub(super) fn check(model: &Model, t: &Table, d: &mut Diagnostics) {
    for x in &t.excludes {
        ident_len(
            d,
            "exclusion constraint name",
            &x.name.value,
            x.origin,
            true,
        );
        let cols: Vec<Sp<String>> = x
            .elements
            .iter()
            .filter(|e| !e.expression)
            .map(|e| e.target.clone())
            .collect();
        check_columns(d, t, &cols, "an exclusion constraint");
        btree_gist(model, t, x, d);
        if let Some(p) = &t.partition {
            d.push(
                Diagnostic::error(
                    Code::ExclusionOnPartitionedTable,
                    format!(
                        "table `{}` is partitioned by {}; PostgreSQL 15 refuses exclusion constraints on partitioned tables",
                        t.name.name, p.by
                    ),
                )
                .at(x.origin, "exclusion constraint on a partitioned table")
                .help("declare the exclusion constraint on each partition's own table, or drop `partition:`"),
            );
        }
    }
}

/// The type of a column without its modifier (`numeric(10,2)` → `numeric`,
/// `timestamp(3) with time zone` → `timestamp with time zone`).
fn base_type(type_sql: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in type_sql.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// E331: `=` (or another btree operator) on a scalar column under gist needs `btree_gist`.
fn btree_gist(model: &Model, t: &Table, x: &Exclude, d: &mut Diagnostics) {
    if x.method != "gist" || model.extensions.contains_key("btree_gist") {
        return;
    }
    for e in x.elements.iter().filter(|e| !e.expression) {
        let Some(col) = t.columns.get(&e.target.value) else {
            continue;
        };
        let ty = base_type(&col.type_sql);
        if BTREE_OPERATORS.contains(&e.with.value.as_str())
            && BTREE_GIST_TYPES.contains(&ty.as_str())
        {
            d.push(
                Diagnostic::error(
                    Code::ExclusionNeedsBtreeGist,
                    format!(
                        "exclusion constraint `{}` compares `{}.{}` ({ty}) with `{}` under gist, which needs the btree_gist extension",
                        x.name.value, t.name.name, e.target.value, e.with.value
                    ),
                )
                .at(e.with.span, format!("gist has no `{}` for {ty} without btree_gist", e.with.value))
                .also(x.origin, "the exclusion constraint")
                .help("declare the extension: `extensions: [btree_gist]`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::base_type;

    #[test]
    fn base_types() {
        assert_eq!(base_type("numeric(10,2)"), "numeric");
        assert_eq!(
            base_type("timestamp(3) with time zone"),
            "timestamp with time zone"
        );
        assert_eq!(base_type("text[]"), "text[]");
    }
}
