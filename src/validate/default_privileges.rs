//! Checks of `default_privileges:`: roles known (E206), `for_role` one the migrations can act
//! for (E214), privileges that exist for their class (E314), no revoke in one schema's default
//! privileges (E325), no privilege both granted and revoked (E326).
//!
//! Input: the resolved model and its scope. Output: diagnostics only. Invariants: every finding
//! points at the role, privilege or class key as written.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::default_privileges::DefaultPrivileges;
use crate::ir::{Model, Preset};
use crate::load::decode::did_you_mean;
use crate::resolve::Scope;

/// Check every default privilege of the model.
pub(super) fn check(model: &Model, scope: &Scope<'_>, d: &mut Diagnostics) {
    for dp in &model.default_privileges {
        for_role(model, scope, dp, d);
        for (class, cp) in &dp.classes {
            let allowed = class.privileges();
            for (revoke, privs) in [(false, &cp.grants), (true, &cp.revokes)] {
                for (role, set) in privs {
                    let role_span = dp.span_of(*class, revoke, role, None);
                    if role != "public" && !scope.role_exists(role) {
                        let hint = did_you_mean(
                            role,
                            scope
                                .external
                                .roles
                                .iter()
                                .map(String::as_str)
                                .chain(model.roles.keys().map(String::as_str)),
                        );
                        d.push(
                            Diagnostic::error(Code::UnknownRole, format!("unknown role `{role}`{hint}"))
                                .at(role_span, "not declared")
                                .help("declare the role under `roles:` (or use a preset that provides it)"),
                        );
                    }
                    for p in set {
                        if p == "all" || allowed.contains(&p.as_str()) {
                            continue;
                        }
                        let hint = did_you_mean(p, allowed.iter().copied());
                        d.push(
                            Diagnostic::error(
                                Code::InvalidPrivilege,
                                format!("`{p}` is not a privilege of {}{hint}", class.key()),
                            )
                            .at(
                                dp.span_of(*class, revoke, role, Some(p)),
                                format!("not a privilege of {}", class.key()),
                            )
                            .help(format!("use one of: all, {}", allowed.join(", "))),
                        );
                    }
                    if revoke && dp.schema.is_some() {
                        d.push(
                            Diagnostic::error(
                                Code::DefaultPrivilegeRevokeInSchema,
                                format!("the default privileges of {} revoke from `{role}` on {}", dp.scope(), class.key()),
                            )
                            .at(role_span, "PostgreSQL only adds privileges per schema")
                            .help("write the revoke under the top-level `default_privileges:` (every schema), or remove it"),
                        );
                    }
                }
            }
            for (role, granted) in &cp.grants {
                let Some(revoked) = cp.revokes.get(role) else {
                    continue;
                };
                let granted = class.expand(granted);
                let both: Vec<String> = class
                    .expand(revoked)
                    .into_iter()
                    .filter(|p| granted.contains(p))
                    .collect();
                if both.is_empty() {
                    continue;
                }
                d.push(
                    Diagnostic::error(
                        Code::ConflictingDefaultPrivilege,
                        format!(
                            "the default privileges of {} both grant and revoke {} on {} for `{role}`",
                            dp.scope(),
                            both.join(", "),
                            class.key()
                        ),
                    )
                    .at(dp.span_of(*class, true, role, None), "revoked here")
                    .also(dp.span_of(*class, false, role, None), "granted here")
                    .help("keep either the grant or the revoke"),
                );
            }
        }
    }
}

/// `for_role` must be a role the migrations may act for: not PUBLIC, known, and on Supabase
/// `postgres` or a role the model declares (the platform's other roles are not granted to
/// `postgres`, so `ALTER DEFAULT PRIVILEGES FOR ROLE` fails).
fn for_role(model: &Model, scope: &Scope<'_>, dp: &DefaultPrivileges, d: &mut Diagnostics) {
    let Some(r) = &dp.for_role else {
        return;
    };
    let platform_role = model.preset == Preset::Supabase
        && r.value != "postgres"
        && !model.roles.contains_key(&r.value)
        && scope.external.roles.contains(&r.value);
    if r.value.eq_ignore_ascii_case("public") || platform_role {
        d.push(
            Diagnostic::error(
                Code::DefaultPrivilegesForRole,
                format!("the default privileges of {} are for role `{}`, which the migrations cannot act for", dp.scope(), r.value),
            )
            .at(r.span, "not a role whose objects the migrations create")
            .help("remove `for_role:` (the role running the migrations), or name `postgres` or a role under `roles:`"),
        );
    } else if !(scope.role_exists(&r.value)
        || model.preset == Preset::Supabase && r.value == "postgres")
    {
        let hint = did_you_mean(&r.value, model.roles.keys().map(String::as_str));
        d.push(
            Diagnostic::error(
                Code::UnknownRole,
                format!("unknown role `{}`{hint}", r.value),
            )
            .at(r.span, "not declared")
            .help("declare the role under `roles:` (or use a preset that provides it)"),
        );
    }
}
