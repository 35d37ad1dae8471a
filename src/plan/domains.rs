//! Domains and composite types in the first migration: created after the enums and before the
//! functions and tables (which may use them), each after the types it is built from; dropped in
//! the reverse order.
//!
//! Input: the resolved model. Output: statements for [`super::initial`]. Invariants: the order is
//! [`crate::ir::domains::type_order`] (dependencies first, ties by name), so output is
//! deterministic.

use crate::ir::Model;
use crate::ir::domains::{UserType, type_order};
use crate::sql::domains::TypeStmt;
use crate::sql::{CommentTarget, Stmt};

/// The statement that creates one type.
pub fn create(t: UserType<'_>) -> Stmt<'static> {
    match t {
        UserType::Domain(d) => Stmt::Type(TypeStmt::CreateDomain(Box::new(d.clone()))),
        UserType::Composite(c) => Stmt::Type(TypeStmt::CreateComposite(Box::new(c.clone()))),
    }
}

/// The statement that drops one type.
pub fn drop(t: UserType<'_>) -> Stmt<'static> {
    match t {
        UserType::Domain(d) => Stmt::Type(TypeStmt::DropDomain(d.name.clone())),
        UserType::Composite(c) => Stmt::DropType(c.name.clone()),
    }
}

/// Every domain and composite type, in dependency order.
pub fn create_all(model: &Model) -> Vec<Stmt<'static>> {
    type_order(model).into_iter().map(create).collect()
}

/// Every domain and composite type dropped, dependants first.
pub fn drop_all(model: &Model) -> Vec<Stmt<'static>> {
    type_order(model).into_iter().rev().map(drop).collect()
}

/// `COMMENT ON TYPE` for every described domain and composite type, in dependency order.
pub fn comments(model: &Model) -> Vec<Stmt<'static>> {
    type_order(model)
        .into_iter()
        .filter_map(|t| {
            let d = match t {
                UserType::Domain(d) => d.description.as_ref(),
                UserType::Composite(c) => c.description.as_ref(),
            }?;
            Some(Stmt::Comment(
                CommentTarget::Type(t.name().clone()),
                d.clone(),
            ))
        })
        .collect()
}
