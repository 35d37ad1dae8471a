//! `default_privileges:` → [`DefaultPrivileges`]: the same body under a schema
//! (`schemas: { app: { default_privileges: … } }`, `IN SCHEMA app`) and at the top level (every
//! schema).
//!
//! Input: the node of one `default_privileges:` and the schema it is under, if any. Output: a
//! [`DefaultPrivileges`] with privileges lower-cased and every role, privilege and class key's
//! span recorded. Invariants: unknown keys are reported (with "did you mean") and decoding
//! continues; privileges are checked against their class by validate, roles by resolve.

use std::collections::BTreeMap;

use super::decode::{self, Fields};
use super::yaml::Node;
use crate::diagnostics::Diagnostics;
use crate::ir::default_privileges::{ClassPrivileges, DefaultPrivileges, ObjectClass};
use crate::ir::{Privileges, Sp};
use crate::source::Span;

/// The keys of a `default_privileges:` body.
pub(crate) const DEFAULT_PRIVILEGES: &[&str] =
    &["for_role", "tables", "sequences", "functions", "types"];
/// The keys of one class of a `default_privileges:` body.
pub(crate) const DEFAULT_PRIVILEGES_CLASS: &[&str] = &["grant", "revoke"];

/// Read `{ role: [privilege, …] }` of `class`, recording spans under
/// `class:kind:role[:privilege]`.
fn privileges(
    d: &mut Diagnostics,
    node: Option<&Node>,
    class: ObjectClass,
    kind: &str,
    spans: &mut BTreeMap<String, Span>,
) -> Privileges {
    let mut out = Privileges::new();
    let Some(node) = node else {
        return out;
    };
    let what = format!("`default_privileges: {{ {}: {{ {kind} }} }}`", class.key());
    for (k, v) in decode::entries(d, node, &what) {
        spans.insert(format!("{}:{kind}:{}", class.key(), k.name), k.span);
        let set = out.entry(k.name.clone()).or_default();
        for p in decode::text_list(d, v, "a privilege") {
            let name = p.value.trim().to_ascii_lowercase();
            spans.insert(format!("{}:{kind}:{}:{name}", class.key(), k.name), p.span);
            set.insert(name);
        }
    }
    out
}

/// Decode one `default_privileges:` body declared at `span`, in `schema` (`None`: every schema).
pub fn decode(
    d: &mut Diagnostics,
    node: &Node,
    schema: Option<String>,
    span: Span,
) -> DefaultPrivileges {
    let what = match &schema {
        Some(s) => format!("the default privileges of schema `{s}`"),
        None => "`default_privileges`".to_string(),
    };
    let f = Fields::new(d, node, DEFAULT_PRIVILEGES, what);
    let mut out = DefaultPrivileges {
        schema,
        origin: span,
        ..DefaultPrivileges::default()
    };
    out.for_role = f
        .get("for_role")
        .and_then(|n| decode::text(d, n, "a role name"))
        .map(|r| Sp::new(r.value.trim().to_string(), r.span));
    for class in ObjectClass::ALL {
        let Some(n) = f.get(class.key()) else {
            continue;
        };
        if let Some(k) = f.key(class.key()) {
            out.class_spans.insert(class, k.span);
        }
        let cf = Fields::new(
            d,
            n,
            DEFAULT_PRIVILEGES_CLASS,
            format!("`default_privileges: {{ {} }}`", class.key()),
        );
        let grants = privileges(d, cf.get("grant"), class, "grant", &mut out.privilege_spans);
        let revokes = privileges(
            d,
            cf.get("revoke"),
            class,
            "revoke",
            &mut out.privilege_spans,
        );
        cf.finish(d);
        out.classes
            .insert(class, ClassPrivileges { grants, revokes });
    }
    f.finish(d);
    out
}

/// Keep `list` sorted by scope, the every-schema entry first.
pub fn insert_sorted(list: &mut Vec<DefaultPrivileges>, dp: DefaultPrivileges) {
    let at = list.partition_point(|e| e.schema < dp.schema);
    list.insert(at, dp);
}
