//! Domains and composite types: the model against the catalog, both ways.
//!
//! Input: the model, the catalog (read with `search_path = ''`, so type names are qualified as
//! `type_sql` is) and the optional reference catalog (the model alone on a scratch database).
//! Output: E501 (a type, check or field missing), E502 (one the model does not have), E503
//! (a base type, NOT NULL, default, collation, check, field type or description that differs).
//! Invariants: the order of a composite's fields is not compared (`ALTER TYPE … ADD ATTRIBUTE`
//! appends); expressions are compared exactly against the reference when there is one, else by
//! fingerprint.

use std::collections::BTreeMap;

use super::Cx;
use super::fingerprint::same;
use crate::introspect::{Catalog, CompositeInfo, DomainInfo};
use crate::ir::QName;

pub(super) fn compare(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    let ds = crate::plan::search_path_schemas(model);
    let db: BTreeMap<QName, &DomainInfo> = catalog
        .domains
        .iter()
        .map(|d| (QName::new(&d.schema, &d.name), d))
        .collect();
    let reference: BTreeMap<QName, &DomainInfo> = cx
        .reference
        .iter()
        .flat_map(|r| r.domains.iter())
        .map(|d| (QName::new(&d.schema, &d.name), d))
        .collect();
    for (name, d) in &model.domains {
        let what = format!("domain `{name}`");
        let Some(info) = db.get(name) else {
            cx.missing(what, d.origin, "apply the migrations");
            continue;
        };
        cx.description(
            &what,
            d.origin,
            d.description.as_deref(),
            info.description.as_deref(),
        );
        if info.base != d.type_sql {
            cx.differs(
                format!("the base type of {what}"),
                d.type_written.span,
                &format!("`{}`", d.type_sql),
                &format!("`{}`", info.base),
            );
        }
        if info.not_null != d.not_null {
            let word = |b: bool| if b { "NOT NULL" } else { "NULL" };
            cx.differs(
                format!("the nullability of {what}"),
                d.origin,
                word(d.not_null),
                word(info.not_null),
            );
        }
        let r = reference.get(name);
        let default_equal = match (&d.default, info.default.as_deref()) {
            (None, None) => true,
            (Some(m), Some(x)) => match r {
                Some(r) => r.default.as_deref() == Some(x),
                None => same(&m.value, x, &ds, false),
            },
            _ => false,
        };
        if !default_equal {
            cx.differs(
                format!("the default of {what}"),
                d.default.as_ref().map_or(d.origin, |e| e.span),
                d.default.as_ref().map_or("none", |e| e.value.as_str()),
                info.default.as_deref().unwrap_or("none"),
            );
        }
        let collation = d.collation.as_ref().map(|c| c.value.as_str());
        if collation != info.collation.as_deref() {
            cx.differs(
                format!("the collation of {what}"),
                d.collation.as_ref().map_or(d.origin, |c| c.span),
                collation.unwrap_or("the base type's"),
                info.collation.as_deref().unwrap_or("the base type's"),
            );
        }
        let db_checks: BTreeMap<&str, &str> = info
            .checks
            .iter()
            .map(|(n, def, _)| (n.as_str(), def.as_str()))
            .collect();
        let ref_checks: BTreeMap<&str, &str> = r
            .iter()
            .flat_map(|r| r.checks.iter())
            .map(|(n, def, _)| (n.as_str(), def.as_str()))
            .collect();
        for (cname, e) in &d.checks {
            let what = format!("check `{cname}` of domain `{name}`");
            let Some(def) = db_checks.get(cname.as_str()) else {
                cx.missing(what, e.span, "apply the migrations");
                continue;
            };
            let want = format!("CHECK ({})", e.value.trim());
            let equal = match ref_checks.get(cname.as_str()) {
                Some(r) => r == def,
                None => same(&want, def, &ds, false),
            };
            if !equal {
                cx.differs(what, e.span, &want, def);
            }
        }
        for cname in db_checks.keys() {
            if !d.checks.contains_key(*cname) {
                cx.extra(
                    format!("check `{cname}` of domain `{name}`"),
                    Some(d.origin),
                );
            }
        }
    }
    for name in db.keys() {
        if !model.domains.contains_key(name) {
            cx.extra(format!("domain `{name}`"), None);
        }
    }
    let db: BTreeMap<QName, &CompositeInfo> = catalog
        .composites
        .iter()
        .map(|c| (QName::new(&c.schema, &c.name), c))
        .collect();
    for (name, t) in &model.composites {
        let what = format!("composite type `{name}`");
        let Some(info) = db.get(name) else {
            cx.missing(what, t.origin, "apply the migrations");
            continue;
        };
        cx.description(
            &what,
            t.origin,
            t.description.as_deref(),
            info.description.as_deref(),
        );
        let fields: BTreeMap<&str, &str> = info
            .fields
            .iter()
            .map(|(n, ty)| (n.as_str(), ty.as_str()))
            .collect();
        for f in t.fields.values() {
            let what = format!("field `{}` of composite type `{name}`", f.name);
            match fields.get(f.name.as_str()) {
                None => cx.missing(what, f.origin, "apply the migrations"),
                Some(ty) if *ty != f.type_sql => cx.differs(
                    format!("the type of {what}"),
                    f.type_written.span,
                    &format!("`{}`", f.type_sql),
                    &format!("`{ty}`"),
                ),
                Some(_) => {}
            }
        }
        for f in fields.keys() {
            if !t.fields.contains_key(*f) {
                cx.extra(
                    format!("field `{f}` of composite type `{name}`"),
                    Some(t.origin),
                );
            }
        }
    }
    for name in db.keys() {
        if !model.composites.contains_key(name) {
            cx.extra(format!("composite type `{name}`"), None);
        }
    }
}
