//! Publications: tables, column lists and row filters checked against the model.
//!
//! Input: the model's `publications` and the resolve scope. Output: diagnostics — E335 for a
//! table the model does not declare, a column the table lacks, a row filter that is not one
//! expression (E301), names a column the table lacks (E302), reads another table or calls a
//! function of the model (PostgreSQL allows only simple expressions with built-in immutable
//! functions), and a column list or row filter that leaves out primary-key (replica identity)
//! columns while the publication publishes updates or deletes. Invariants: each row filter is
//! parsed once; linear in the publications' tables.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Model;
use crate::load::yaml::fragment_span;
use crate::resolve::Scope;
use crate::source::SourceMap;

/// Check every publication.
pub(super) fn check(model: &Model, scope: &Scope<'_>, sources: &SourceMap, d: &mut Diagnostics) {
    for p in model.publications.values() {
        let changes_rows = p.publish.iter().any(|o| o == "update" || o == "delete");
        for (name, pt) in &p.tables {
            let Some(table) = model.tables.get(name) else {
                d.push(
                    Diagnostic::error(
                        Code::InvalidPublication,
                        format!(
                            "publication `{}` lists `{name}`, which is not a table of the model",
                            p.name
                        ),
                    )
                    .at(pt.origin, "no such table")
                    .help("declare the table under `tables:`, or remove it from the publication"),
                );
                continue;
            };
            let key: Vec<&str> = table
                .primary_key
                .iter()
                .flat_map(|pk| pk.columns.iter().map(|c| c.value.as_str()))
                .collect();
            for c in &pt.columns {
                if !table.columns.contains_key(&c.value) {
                    d.push(
                        Diagnostic::error(
                            Code::InvalidPublication,
                            format!("publication `{}` publishes column `{}`, which table `{name}` does not have", p.name, c.value),
                        )
                        .at(c.span, "no such column")
                        .help(format!("use a column of `{name}`")),
                    );
                }
            }
            if changes_rows && !pt.columns.is_empty() {
                let missing: Vec<&str> = key
                    .iter()
                    .copied()
                    .filter(|k| !pt.columns.iter().any(|c| c.value == *k))
                    .collect();
                if !missing.is_empty() {
                    d.push(
                        Diagnostic::error(
                            Code::InvalidPublication,
                            format!(
                                "publication `{}` publishes updates or deletes of `{name}` without its primary key column(s) {}",
                                p.name,
                                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                            ),
                        )
                        .at(pt.origin, "column list without the replica identity")
                        .help("add the primary key columns to `columns:` (PostgreSQL refuses UPDATE and DELETE on the table otherwise), or publish only inserts"),
                    );
                }
            }
            let Some(filter) = &pt.row_filter else {
                continue;
            };
            let expr = match crate::sqlfrag::parse_expr(&filter.value) {
                Ok(e) => e,
                Err(e) => {
                    d.push(
                        Diagnostic::error(
                            Code::SqlSyntax,
                            format!("the row filter of `{name}` in publication `{}` is not valid SQL: {}", p.name, e.message),
                        )
                        .at(fragment_span(sources, filter, e.at), "here")
                        .help("write one boolean expression over the table's columns"),
                    );
                    continue;
                }
            };
            let cols: Vec<String> = table.columns.keys().cloned().collect();
            let qualifier = name.name.clone();
            let analysis = crate::sqlfrag::analyse_expr(
                &expr,
                &filter.value,
                Some((&qualifier, &cols)),
                &[],
                scope,
            );
            for problem in &analysis.problems {
                if let crate::sqlfrag::ProblemKind::UnknownColumn { name: col, .. } = &problem.kind
                {
                    d.push(
                        Diagnostic::error(
                            Code::SqlUnknownColumn,
                            format!("the row filter of `{name}` in publication `{}` uses unknown column `{col}`", p.name),
                        )
                        .at(fragment_span(sources, filter, problem.at), "not a column of the table")
                        .help(format!("use a column of `{name}`")),
                    );
                }
            }
            let own_function = analysis.functions.iter().find(|(s, f)| {
                model
                    .functions
                    .keys()
                    .any(|k| k.name.name == *f && s.as_ref().is_none_or(|s| *s == k.name.schema))
            });
            if !analysis.relations.is_empty() || own_function.is_some() {
                d.push(
                    Diagnostic::error(
                        Code::InvalidPublication,
                        format!("the row filter of `{name}` in publication `{}` {}", p.name, if analysis.relations.is_empty() { "calls a function of the model" } else { "reads another table" }),
                    )
                    .at(filter.span, "not a simple expression")
                    .help("PostgreSQL allows only the table's own columns, constants, operators and built-in immutable functions in a row filter"),
                );
            }
            if changes_rows {
                let refs = crate::sqlfrag::expr_references(
                    &expr,
                    &filter.value,
                    Some((&qualifier, &cols)),
                    &[],
                    scope,
                );
                let mut outside: Vec<&str> = refs
                    .iter()
                    .filter(|r| r.base)
                    .filter_map(|r| r.column.as_deref())
                    .filter(|c| !key.contains(c))
                    .collect();
                outside.sort_unstable();
                outside.dedup();
                if !outside.is_empty() {
                    d.push(
                        Diagnostic::error(
                            Code::InvalidPublication,
                            format!(
                                "the row filter of `{name}` in publication `{}` reads {}, outside the primary key, while it publishes updates or deletes",
                                p.name,
                                outside.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                            ),
                        )
                        .at(filter.span, "not in the replica identity")
                        .help("filter on primary key columns only, or publish only inserts (`publish: [insert]`); PostgreSQL refuses UPDATE and DELETE on the table otherwise"),
                    );
                }
            }
        }
    }
}
