//! Verify publications other than `supabase_realtime`: the model's `publications` against
//! `pg_publication` and `pg_publication_rel` (tables in the schemas read, with column lists and
//! row filters).
//!
//! Input: the model and a catalog with `publications` and `publication_tables`. Output: E501 (a
//! publication or member table the database lacks), E502 (a publication, or a table of a
//! modelled publication, the model does not declare), E503 (`publish`, column list, row filter
//! or comment differ). Invariants: `supabase_realtime` is left to `realtime:`; row filters are
//! compared exactly with the reference catalog when there is one, else by fingerprint; linear in
//! the publications' tables.

use super::Cx;
use super::fingerprint::same;
use crate::introspect::Catalog;

/// Compare the model's publications with the catalog's, both directions.
pub fn compare(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    let ds = crate::plan::search_path_schemas(model);
    for (name, p) in &model.publications {
        let Some(info) = catalog.publications.iter().find(|i| i.name == *name) else {
            cx.missing(
                format!("publication `{name}`"),
                p.origin,
                "apply the migrations that create it",
            );
            continue;
        };
        if info.publish != p.publish {
            cx.differs(
                format!("what publication `{name}` publishes"),
                p.origin,
                &format!("`{}`", p.publish.join(", ")),
                &format!("`{}`", info.publish.join(", ")),
            );
        }
        cx.description(
            &format!("publication `{name}`"),
            p.origin,
            p.description.as_deref(),
            info.description.as_deref(),
        );
        let members: Vec<_> = catalog
            .publication_tables
            .iter()
            .filter(|m| m.publication == *name)
            .collect();
        for (table, t) in &p.tables {
            let Some(m) = members
                .iter()
                .find(|m| m.schema == table.schema && m.table == table.name)
            else {
                cx.missing(
                    format!("table `{table}` of publication `{name}`"),
                    t.origin,
                    "apply the migrations that add it",
                );
                continue;
            };
            let want: Vec<String> = t.columns.iter().map(|c| c.value.clone()).collect();
            let have = m.columns.clone().unwrap_or_default();
            if want != have {
                cx.differs(
                    format!("the column list of `{table}` in publication `{name}`"),
                    t.origin,
                    &format!("({})", want.join(", ")),
                    &format!("({})", have.join(", ")),
                );
            }
            let reference = cx.reference.and_then(|r| {
                r.publication_tables.iter().find(|x| {
                    x.publication == *name && x.schema == table.schema && x.table == table.name
                })
            });
            let filter_same = match (&t.row_filter, &m.row_filter, reference) {
                (None, None, _) => true,
                (Some(_), Some(db), Some(r)) => r.row_filter.as_deref() == Some(db.as_str()),
                (Some(f), Some(db), None) => same(&f.value, db, &ds, false),
                _ => false,
            };
            if !filter_same {
                cx.differs(
                    format!("the row filter of `{table}` in publication `{name}`"),
                    t.row_filter.as_ref().map_or(t.origin, |f| f.span),
                    &t.row_filter
                        .as_ref()
                        .map_or_else(|| "none".to_string(), |f| format!("`{}`", f.value)),
                    &m.row_filter
                        .as_ref()
                        .map_or_else(|| "none".to_string(), |f| format!("`{f}`")),
                );
            }
        }
        for m in &members {
            if !p
                .tables
                .keys()
                .any(|t| t.schema == m.schema && t.name == m.table)
            {
                cx.extra(
                    format!("table `{}.{}` of publication `{name}`", m.schema, m.table),
                    Some(p.origin),
                );
            }
        }
    }
}
