//! Domains and composite types: what PostgreSQL would reject when they are created or used.
//!
//! Input: the resolved model. Output: E336 (a type named like a table or view of its schema),
//! E337 (a `nullable: true` column of a NOT NULL domain), E338 (`collation:` on a domain whose
//! base type has no collation), and the length of every name. Their SQL fragments (checks,
//! defaults) are checked with the others in [`super::sql`]. Invariants: linear in the number of
//! columns (one lookup per column into a map of the domains).

use std::collections::BTreeMap;

use super::ident_len;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::domains::element_type;
use crate::ir::{Domain, Model};

/// Base types that take a collation (and domains over them).
const COLLATABLE: &[&str] = &["text", "character varying", "character", "name", "citext"];

/// Whether a domain's base type (following domains) takes a collation.
fn collatable(model: &Model, by_name: &BTreeMap<String, &Domain>, d: &Domain) -> bool {
    let mut ty = element_type(&d.type_sql).to_string();
    // A chain of domains is at most as long as the number of domains (cycles are E218).
    for _ in 0..=model.domains.len() {
        if let Some(inner) = by_name.get(&ty) {
            ty = element_type(&inner.type_sql).to_string();
            continue;
        }
        let base = ty.split('(').next().unwrap_or("").trim();
        let base = base.rsplit('.').next().unwrap_or(base).trim_matches('"');
        return COLLATABLE.contains(&base);
    }
    true
}

/// Every check of this module.
pub(super) fn check(model: &Model, d: &mut Diagnostics) {
    let by_name: BTreeMap<String, &Domain> = model
        .domains
        .values()
        .map(|t| (t.name.to_string(), t))
        .collect();
    for t in model.domains.values() {
        ident_len(d, "domain name", &t.name.name, t.origin, false);
        for (name, e) in &t.checks {
            ident_len(d, "check name", name, e.span, false);
        }
        if let Some(c) = &t.collation
            && !t.type_sql.is_empty()
            && !collatable(model, &by_name, t)
        {
            d.push(
                Diagnostic::error(
                    Code::InvalidDomainBase,
                    format!(
                        "domain `{}` has a collation, but its base type `{}` has none",
                        t.name.name, t.type_sql
                    ),
                )
                .at(c.span, "collations apply to text types only")
                .help("remove `collation:`, or base the domain on `text`, `varchar` or `citext`"),
            );
        }
    }
    for t in model.composites.values() {
        ident_len(d, "type name", &t.name.name, t.origin, false);
        for f in t.fields.values() {
            ident_len(d, "field name", &f.name, f.origin, false);
        }
    }
    // A table's or view's row type takes its name in `pg_type`.
    let types = model
        .domains
        .values()
        .map(|t| (&t.name, t.origin, "domain"))
        .chain(
            model
                .composites
                .values()
                .map(|t| (&t.name, t.origin, "composite type")),
        );
    for (q, span, what) in types {
        let relation = model
            .tables
            .get(q)
            .map(|t| (t.origin, "table"))
            .or_else(|| model.views.get(q).map(|v| (v.origin, "view")));
        if let Some((at, kind)) = relation {
            d.push(
                Diagnostic::error(
                    Code::TypeNameCollision,
                    format!(
                        "{what} `{}` has the name of a {kind} of schema `{}`",
                        q.name, q.schema
                    ),
                )
                .at(span, "this type name is taken")
                .also(at, format!("the {kind}'s row type has this name"))
                .help("rename the type or the relation: PostgreSQL gives every table and view a row type of its name"),
            );
        }
    }
    for tb in model.tables.values() {
        for c in tb.columns.values().filter(|c| c.nullable) {
            if let Some(dom) = by_name.get(c.type_sql.as_str()).filter(|x| x.not_null) {
                d.push(
                    Diagnostic::error(
                        Code::NullableColumnOfNotNullDomain,
                        format!(
                            "column `{}.{}` is `nullable: true`, but its domain `{}` is NOT NULL",
                            tb.name.name, c.name, dom.name.name
                        ),
                    )
                    .at(c.origin, "this column can never hold NULL")
                    .also(dom.origin, "declared `nullable: false` here")
                    .help("remove `nullable: true` from the column, or make the domain nullable and keep NOT NULL on the columns that need it"),
                );
            }
        }
    }
}
