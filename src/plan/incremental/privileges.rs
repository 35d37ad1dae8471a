//! Grants and revokes of one object (table, view, function), protected partitions following
//! their parent.

use super::*;

impl Differ<'_> {
    /// Whether `role` holds privileges on `obj` (whose dotted name is `object`) before any
    /// GRANT or REVOKE of the model: PostgreSQL gives PUBLIC EXECUTE on functions and nothing on
    /// tables and views; a Supabase project that still auto-exposes (`supabase: {
    /// auto_expose_new_tables: true }`) grants everything on tables, views and functions created
    /// in `public` to its API roles.
    pub(super) fn holds_by_default(&self, obj: &GrantObject, object: &str, role: &str) -> bool {
        let supabase_api = self.new.auto_exposes()
            && object.split('.').next() == Some("public")
            && ["anon", "authenticated", "service_role"].contains(&role);
        match obj {
            GrantObject::Function(_) | GrantObject::Procedure(_) => {
                // PUBLIC's EXECUTE unless the model's default privileges take it away.
                let public = role.eq_ignore_ascii_case("public")
                    && !self
                        .model_default_holds(obj, object, "public", vec!["execute".to_string()])
                        .is_empty();
                public || supabase_api
            }
            GrantObject::Table(_) => supabase_api,
            GrantObject::Schema(name) => {
                crate::preset::privileges::schema_defaults(self.new.preset, name).contains_key(role)
            }
        }
    }

    /// The privileges of `privs` the new model's default privileges give `role` on `obj`
    /// (`preset::privileges::model_defaults`).
    fn model_default_holds(
        &self,
        obj: &GrantObject,
        object: &str,
        role: &str,
        privs: Vec<String>,
    ) -> Vec<String> {
        use crate::ir::default_privileges::ObjectClass;
        let class = match obj {
            GrantObject::Function(_) | GrantObject::Procedure(_) => ObjectClass::Functions,
            GrantObject::Table(_) => ObjectClass::Tables,
            // No default privileges apply to schemas (`ON SCHEMAS` is not modelled).
            GrantObject::Schema(_) => return Vec::new(),
        };
        let schema = object.split('.').next().unwrap_or_default();
        let held = crate::preset::privileges::model_defaults(self.new, class, schema);
        let Some(set) = held.get(role) else {
            return Vec::new();
        };
        class
            .expand(&privs)
            .into_iter()
            .filter(|p| set.contains(p))
            .collect()
    }

    /// Grants and revokes of one object: what the new model grants that the old did not is
    /// granted; what it no longer grants is revoked; a revoke the new model adds is applied, and
    /// one it removes is undone by granting the privilege back when the role holds it by
    /// default ([`Self::holds_by_default`]).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn privileges(
        &mut self,
        obj: &GrantObject,
        object: String,
        old_grants: &Privileges,
        old_revokes: &Privileges,
        grants: &Privileges,
        revokes: &Privileges,
        span: Span,
        partitions: &[QName],
    ) {
        let diff = |a: &Privileges, b: &Privileges| -> Vec<(String, Vec<String>)> {
            let mut out = Vec::new();
            for (role, privs) in a {
                let missing: Vec<String> = privs
                    .iter()
                    .filter(|p| !b.get(role).is_some_and(|s| s.contains(*p)))
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    out.push((role.clone(), missing));
                }
            }
            out
        };
        let mut stmts = Vec::new();
        // Revokes first, then grants (as the initial migration does).
        for (role, privs) in diff(revokes, old_revokes) {
            stmts.push(Stmt::Revoke(obj.clone(), privs.clone(), role.clone()));
            self.change(
                ChangeKind::Revoke,
                object.clone(),
                format!("{} from {role}", privs.join(", ")),
                span,
            );
        }
        for (role, privs) in diff(old_grants, grants) {
            // A schema privilege the role holds by default stays when the model stops granting
            // it (a fresh build would not revoke it either).
            let privs = match obj {
                GrantObject::Schema(name) => {
                    let held = crate::preset::privileges::schema_defaults(self.new.preset, name)
                        .remove(&role)
                        .unwrap_or_default();
                    // Revoked above already when the new model revokes it.
                    let newly_revoked = |p: &String| {
                        revokes.get(&role).is_some_and(|s| s.contains(p))
                            && !old_revokes.get(&role).is_some_and(|s| s.contains(p))
                    };
                    let mut gone: Vec<String> = Vec::new();
                    for p in privs.into_iter().filter(|p| !newly_revoked(p)) {
                        let expanded: Vec<String> = if p == "all" && !held.is_empty() {
                            let all = crate::preset::privileges::SCHEMA_ALL;
                            all.iter().map(|s| s.to_string()).collect()
                        } else {
                            vec![p]
                        };
                        for p in expanded {
                            if !held.contains(&p) && !gone.contains(&p) {
                                gone.push(p);
                            }
                        }
                    }
                    if gone.is_empty() {
                        continue;
                    }
                    gone
                }
                _ => privs,
            };
            stmts.push(Stmt::Revoke(obj.clone(), privs.clone(), role.clone()));
            self.change(
                ChangeKind::Revoke,
                object.clone(),
                format!("{} from {role}", privs.join(", ")),
                span,
            );
        }
        for (role, privs) in diff(old_revokes, revokes) {
            // Only what the role holds by default comes back: the model's state without the
            // revoke is the default, as a fresh build shows.
            let privs: Vec<String> = if self.holds_by_default(obj, &object, &role) {
                privs
            } else {
                // The model's default privileges may give the role some of them.
                self.model_default_holds(obj, &object, &role, privs)
            };
            if privs.is_empty() {
                continue;
            }
            // On a schema only the default privileges come back (PostgreSQL 15 gives PUBLIC
            // USAGE on `public`, never CREATE).
            let privs = match obj {
                GrantObject::Schema(name) => {
                    let held = crate::preset::privileges::schema_defaults(self.new.preset, name)
                        .remove(&role)
                        .unwrap_or_default();
                    let back: Vec<String> = held
                        .into_iter()
                        .filter(|p| privs.iter().any(|x| x == p || x == "all"))
                        .collect();
                    if back.is_empty() {
                        continue;
                    }
                    back
                }
                _ => privs,
            };
            stmts.push(Stmt::Grant(obj.clone(), privs.clone(), role.clone()));
            let c = self.change(
                ChangeKind::Grant,
                object.clone(),
                format!("{} to {role} (revoke removed)", privs.join(", ")),
                span,
            );
            if role == "anon" || role == "public" {
                c.facts.weakens_access = Some(format!("{} is granted to {role}", privs.join(", ")));
            }
        }
        for (role, privs) in diff(grants, old_grants) {
            stmts.push(Stmt::Grant(obj.clone(), privs.clone(), role.clone()));
            let c = self.change(
                ChangeKind::Grant,
                object.clone(),
                format!("{} to {role}", privs.join(", ")),
                span,
            );
            if role == "anon" || role == "public" {
                c.facts.weakens_access = Some(format!("{} is granted to {role}", privs.join(", ")));
            }
        }
        // A protected partition follows its parent's privileges, statement for statement.
        let mut copies = Vec::new();
        for part in partitions {
            for st in &stmts {
                match st {
                    Stmt::Grant(_, privs, role) => copies.push(Stmt::Grant(
                        GrantObject::Table(part.clone()),
                        privs.clone(),
                        role.clone(),
                    )),
                    Stmt::Revoke(_, privs, role) => copies.push(Stmt::Revoke(
                        GrantObject::Table(part.clone()),
                        privs.clone(),
                        role.clone(),
                    )),
                    _ => {}
                }
            }
        }
        stmts.extend(copies);
        self.emit(Phase::Privileges, format!("Privileges on {object}"), stmts);
    }
}
