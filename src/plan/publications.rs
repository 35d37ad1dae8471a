//! Publications other than `supabase_realtime` in a migration.
//!
//! Input: the model's `publications` (validated: tables of the model, row filters parsed).
//! Output: `Stmt::Publication` statements. Invariants: a publication is created after every
//! table (its tables must exist) and dropped before them in a down migration; its tables are
//! listed in name order; `publish` in PostgreSQL's order.

use crate::ir::Model;
use crate::ir::publication::Publication;
use crate::sql::{PublicationStmt, PublishedTableSql, Stmt};

/// The tables of a publication as the statements list them.
pub fn tables(p: &Publication) -> Vec<PublishedTableSql> {
    p.tables
        .iter()
        .map(|(name, t)| {
            (
                name.clone(),
                t.columns.iter().map(|c| c.value.clone()).collect(),
                t.row_filter.as_ref().map(|f| f.value.clone()),
            )
        })
        .collect()
}

/// `CREATE PUBLICATION`, and its comment.
pub fn create(p: &Publication) -> Vec<Stmt<'static>> {
    let mut out = vec![Stmt::Publication(PublicationStmt::Create(
        p.name.clone(),
        tables(p),
        p.publish.clone(),
    ))];
    if let Some(d) = &p.description {
        out.push(Stmt::Publication(PublicationStmt::Comment(
            p.name.clone(),
            Some(d.clone()),
        )));
    }
    out
}

/// Every publication of the model, by name.
pub fn create_all(model: &Model) -> Vec<Stmt<'static>> {
    model.publications.values().flat_map(create).collect()
}

/// Drop every publication of the model, in reverse name order.
pub fn drop_all(model: &Model) -> Vec<Stmt<'static>> {
    model
        .publications
        .keys()
        .rev()
        .map(|n| Stmt::Publication(PublicationStmt::Drop(n.clone())))
        .collect()
}
