//! Default privileges between two models: `ALTER DEFAULT PRIVILEGES` for what changed, and the
//! same change applied to the model's objects that already exist.
//!
//! PostgreSQL applies default privileges when an object is created, so a default privilege added
//! later leaves existing objects as they were. The model states what every object of a class
//! holds (`preset::privileges::model_defaults`), so this migration also grants (or revokes) the
//! change on the model's existing tables, views and functions it covers, except where the
//! object's own `grants:`/`revoke:` decide the privilege. Objects the model does not declare are
//! left alone.

use super::*;
use crate::ir::default_privileges::{DefaultPrivileges, ObjectClass};
use crate::plan::default_privileges::{entry, listed};
use crate::preset::privileges::{Held, model_defaults};
use crate::sql::DefaultPrivilege;

/// `(class, role)` → privileges (expanded) of one kind (grants or revokes).
fn expanded(
    dp: Option<&DefaultPrivileges>,
    revokes: bool,
) -> BTreeMap<(ObjectClass, String), BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (class, cp) in dp.iter().flat_map(|d| d.classes.iter()) {
        let privs = if revokes { &cp.revokes } else { &cp.grants };
        for (role, set) in privs {
            let set: BTreeSet<String> = class.expand(set).into_iter().collect();
            if !set.is_empty() {
                out.insert((*class, role.clone()), set);
            }
        }
    }
    out
}

/// What `a` has that `b` lacks, per key.
fn minus(
    a: &BTreeMap<(ObjectClass, String), BTreeSet<String>>,
    b: &BTreeMap<(ObjectClass, String), BTreeSet<String>>,
) -> Vec<((ObjectClass, String), BTreeSet<String>)> {
    a.iter()
        .filter_map(|(k, set)| {
            let missing: BTreeSet<String> = set
                .iter()
                .filter(|p| !b.get(k).is_some_and(|s| s.contains(*p)))
                .cloned()
                .collect();
            (!missing.is_empty()).then(|| (k.clone(), missing))
        })
        .collect()
}

fn describe(s: &DefaultPrivilege) -> String {
    format!(
        "{} {} on {} {} {}",
        if s.grant { "grant" } else { "revoke" },
        s.privileges.join(", "),
        s.class.key(),
        if s.grant { "to" } else { "from" },
        s.role
    )
}

impl Differ<'_> {
    /// Default privileges that changed, then the change on existing objects.
    pub(super) fn default_privileges(&mut self) {
        let (old, new) = (self.old, self.new);
        let scopes: BTreeSet<Option<&String>> = old
            .default_privileges
            .iter()
            .chain(&new.default_privileges)
            .map(|d| d.schema.as_ref())
            .collect();
        for scope in scopes {
            let o = old
                .default_privileges
                .iter()
                .find(|d| d.schema.as_ref() == scope);
            let n = new
                .default_privileges
                .iter()
                .find(|d| d.schema.as_ref() == scope);
            let role_of = |d: Option<&DefaultPrivileges>| {
                d.and_then(|d| d.for_role.as_ref().map(|r| r.value.clone()))
            };
            let mut stmts: Vec<DefaultPrivilege> = Vec::new();
            if o.is_some() && n.is_some() && role_of(o) != role_of(n) {
                // Another role's defaults: undo the old entry, set the new one up.
                if let Some(o) = o {
                    stmts.extend(entry(o).iter().rev().map(DefaultPrivilege::inverse));
                }
                if let Some(n) = n {
                    stmts.extend(entry(n));
                }
            } else {
                let for_role = role_of(n).or_else(|| role_of(o));
                let stmt =
                    |grant: bool, (class, role): (ObjectClass, String), privs: BTreeSet<String>| {
                        DefaultPrivilege {
                            for_role: for_role.clone(),
                            schema: scope.cloned(),
                            grant,
                            privileges: listed(class, &privs),
                            class,
                            role,
                        }
                    };
                let (og, or) = (expanded(o, false), expanded(o, true));
                let (ng, nr) = (expanded(n, false), expanded(n, true));
                // Revokes added, grants removed; then revokes removed, grants added.
                for (k, privs) in minus(&nr, &or).into_iter().chain(minus(&og, &ng)) {
                    stmts.push(stmt(false, k, privs));
                }
                for (k, privs) in minus(&or, &nr).into_iter().chain(minus(&ng, &og)) {
                    stmts.push(stmt(true, k, privs));
                }
            }
            if stmts.is_empty() {
                continue;
            }
            let span = n.or(o).map_or_else(Span::default, |d| d.origin);
            // The scope: a schema, or every schema (the change kind says what it is).
            let object = scope.map_or_else(|| "every schema".to_string(), String::clone);
            for s in &stmts {
                let c = self.change(
                    ChangeKind::DefaultPrivileges,
                    object.clone(),
                    describe(s),
                    span,
                );
                if s.grant && (s.role == "anon" || s.role == "public") {
                    c.facts.weakens_access = Some(format!(
                        "new {} get {} for {}",
                        s.class.key(),
                        s.privileges.join(", "),
                        s.role
                    ));
                }
            }
            self.emit(
                Phase::DefaultPrivileges,
                format!(
                    "Default privileges of {}",
                    n.or(o).map_or_else(String::new, DefaultPrivileges::scope)
                ),
                stmts
                    .into_iter()
                    .map(|s| Stmt::AlterDefaultPrivileges(Box::new(s)))
                    .collect(),
            );
        }
        if old.default_privileges != new.default_privileges {
            self.existing_objects();
        }
    }

    /// The change of [`model_defaults`] on every table, view and function both models declare.
    fn existing_objects(&mut self) {
        let (old, new) = (self.old, self.new);
        let relations = new.tables.iter().filter_map(|(name, t)| {
            old.tables
                .contains_key(name)
                .then_some((name, &t.grants, &t.revokes, t.origin))
        });
        let views = new.views.iter().filter_map(|(name, v)| {
            old.views
                .contains_key(name)
                .then_some((name, &v.grants, &v.revokes, v.origin))
        });
        for (name, grants, revokes, origin) in relations.chain(views).collect::<Vec<_>>() {
            let obj = GrantObject::Table(name.clone());
            self.sync_object(ObjectClass::Tables, name, obj, grants, revokes, origin);
        }
        for (name, f) in &new.functions {
            if !old.functions.contains_key(name) || self.recreated_functions.contains(&name.name) {
                continue;
            }
            let obj = crate::sql::routine_grant_object(f);
            self.sync_object(
                ObjectClass::Functions,
                &name.name,
                obj,
                &f.grants,
                &f.revokes,
                f.origin,
            );
        }
    }

    fn sync_object(
        &mut self,
        class: ObjectClass,
        name: &QName,
        obj: GrantObject,
        grants: &Privileges,
        revokes: &Privileges,
        span: Span,
    ) {
        let before = model_defaults(self.old, class, &name.schema);
        let after = model_defaults(self.new, class, &name.schema);
        if before == after {
            return;
        }
        // The object's own grants and revokes decide these (the privileges planner keeps them).
        let own = |role: &str, p: &str| {
            [grants, revokes].iter().any(|m| {
                m.get(role)
                    .is_some_and(|s| class.expand(s).iter().any(|x| x == p))
            })
        };
        let platform = |role: &str| {
            self.new.auto_exposes()
                && name.schema == "public"
                && ["anon", "authenticated", "service_role"].contains(&role)
        };
        let delta = |a: &Held, b: &Held| -> Vec<(String, Vec<String>)> {
            a.iter()
                .filter_map(|(role, privs)| {
                    let lost: Vec<String> = privs
                        .iter()
                        .filter(|p| !b.get(role).is_some_and(|s| s.contains(*p)))
                        .filter(|p| !own(role, p) && !platform(role))
                        .cloned()
                        .collect();
                    (!lost.is_empty()).then(|| (role.clone(), lost))
                })
                .collect()
        };
        let mut stmts = Vec::new();
        let object = dotted(name);
        for (role, privs) in delta(&before, &after) {
            self.change(
                ChangeKind::Revoke,
                object.clone(),
                format!(
                    "{} from {role} (default privileges changed)",
                    privs.join(", ")
                ),
                span,
            );
            stmts.push(Stmt::Revoke(obj.clone(), privs, role));
        }
        for (role, privs) in delta(&after, &before) {
            let c = self.change(
                ChangeKind::Grant,
                object.clone(),
                format!(
                    "{} to {role} (default privileges changed)",
                    privs.join(", ")
                ),
                span,
            );
            if role == "anon" || role == "public" {
                c.facts.weakens_access = Some(format!("{} is granted to {role}", privs.join(", ")));
            }
            stmts.push(Stmt::Grant(obj.clone(), privs, role));
        }
        self.emit(
            Phase::Privileges,
            format!("Privileges on {object} (default privileges changed)"),
            stmts,
        );
    }
}
