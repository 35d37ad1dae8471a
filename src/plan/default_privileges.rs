//! The statements of default privileges: `ALTER DEFAULT PRIVILEGES` for the first migration
//! (before every object it should cover) and its down migration, and the deltas
//! `plan::incremental` writes when they change.
//!
//! Input: the model's [`DefaultPrivileges`]. Output: [`Stmt::AlterDefaultPrivileges`]
//! statements. Invariants: per entry, classes in [`ObjectClass::ALL`] order, revokes before
//! grants, roles and privileges sorted; the down statements undo the up ones in reverse order.

use std::collections::BTreeSet;

use crate::ir::Model;
use crate::ir::default_privileges::{DefaultPrivileges, ObjectClass};
use crate::sql::{DefaultPrivilege, Stmt};

/// Privileges as a statement lists them: `all` when the set is every privilege of a class that
/// has more than one.
pub fn listed(class: ObjectClass, privs: &BTreeSet<String>) -> Vec<String> {
    let expanded = class.expand(privs);
    let every: BTreeSet<&str> = class.privileges().iter().copied().collect();
    if every.len() > 1
        && expanded.len() == every.len()
        && expanded.iter().all(|p| every.contains(p.as_str()))
    {
        vec!["all".to_string()]
    } else {
        expanded
    }
}

/// The statements that set one entry up on a database that has none of it.
pub fn entry(dp: &DefaultPrivileges) -> Vec<DefaultPrivilege> {
    let mut out = Vec::new();
    for (class, cp) in &dp.classes {
        for (grant, privs) in [(false, &cp.revokes), (true, &cp.grants)] {
            for (role, set) in privs {
                if set.is_empty() {
                    continue;
                }
                out.push(DefaultPrivilege {
                    for_role: dp.for_role.as_ref().map(|r| r.value.clone()),
                    schema: dp.schema.clone(),
                    grant,
                    privileges: listed(*class, set),
                    class: *class,
                    role: role.clone(),
                });
            }
        }
    }
    out
}

/// The first migration's statements: every entry, the every-schema one first.
pub fn up(model: &Model) -> Vec<Stmt<'static>> {
    model
        .default_privileges
        .iter()
        .flat_map(entry)
        .map(|s| Stmt::AlterDefaultPrivileges(Box::new(s)))
        .collect()
}

/// The first migration's down statements: [`up`] undone, in reverse order.
pub fn down(model: &Model) -> Vec<Stmt<'static>> {
    let mut stmts: Vec<Stmt<'static>> = model
        .default_privileges
        .iter()
        .flat_map(entry)
        .map(|s| Stmt::AlterDefaultPrivileges(Box::new(s.inverse())))
        .collect();
    stmts.reverse();
    stmts
}
