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
            GrantObject::Function(_) => role.eq_ignore_ascii_case("public") || supabase_api,
            GrantObject::Table(_) => supabase_api,
            GrantObject::Schema(name) => {
                crate::preset::privileges::schema_defaults(self.new.preset, name).contains_key(role)
            }
        }
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
            if !self.holds_by_default(obj, &object, &role) {
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
