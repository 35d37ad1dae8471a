//! `domains:` and `types:` (composite types) → [`Domain`] and [`CompositeType`].
//!
//! Input: the two top-level sections of one file. Output: entries of `Model::domains` and
//! `Model::composites`, names qualified like enums, types as written (resolve normalises them).
//! Invariants: domains, composites and enums share one namespace (`declare("type", …)`, as
//! PostgreSQL's `pg_type`); a domain allows NULL unless `nullable: false`.

use super::{Decoder, description, renamed_from};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{CompositeType, Domain, Field};
use crate::load::decode::{self, Fields};
use crate::load::yaml::{Node, NodeKind};

/// Keys of a domain.
pub(crate) const DOMAIN: &[&str] = &[
    "schema",
    "type",
    "nullable",
    "default",
    "collation",
    "checks",
    "description",
    "renamed_from",
];
/// Keys of a domain check written as a mapping.
pub(crate) const DOMAIN_CHECK: &[&str] = &["check", "renamed_from"];
/// Keys of a composite type.
pub(crate) const COMPOSITE: &[&str] = &["schema", "fields", "description", "renamed_from"];
/// Keys of a field of a composite type written as a mapping.
pub(crate) const FIELD: &[&str] = &["type", "renamed_from"];

impl Decoder<'_> {
    /// `domains: { name: { type, nullable, default, collation, checks, description } }`, or
    /// `name: base_type` for a bare alias.
    pub(super) fn domains(&mut self, node: &Node) {
        for (k, v) in decode::entries(self.d, node, "`domains`") {
            let what = format!("domain `{}`", k.name);
            let mut dom = Domain {
                origin: k.span,
                not_null: false,
                ..Domain::default()
            };
            let mut schema = None;
            if matches!(v.kind, NodeKind::Map(_)) {
                let f = Fields::new(self.d, v, DOMAIN, what.clone());
                schema = f
                    .get("schema")
                    .and_then(|n| decode::name(self.d, n, "a schema"));
                if let Some(t) = f
                    .require(self.d, "type", k.span)
                    .and_then(|n| decode::text(self.d, n, "a base type"))
                {
                    dom.type_written = t;
                }
                dom.not_null = f
                    .get("nullable")
                    .and_then(|n| decode::boolean(self.d, n, "`nullable`"))
                    == Some(false);
                dom.default = f
                    .get("default")
                    .and_then(|n| decode::text(self.d, n, "a default"));
                dom.collation = f
                    .get("collation")
                    .and_then(|n| decode::name(self.d, n, "a collation"));
                if let Some(c) = f.get("checks") {
                    for (ck, cv) in decode::entries(self.d, c, "`checks`") {
                        let expr = if matches!(cv.kind, NodeKind::Map(_)) {
                            let cf = Fields::new(
                                self.d,
                                cv,
                                DOMAIN_CHECK,
                                format!("check `{}` of {what}", ck.name),
                            );
                            let e = cf
                                .require(self.d, "check", ck.span)
                                .and_then(|n| decode::text(self.d, n, "a check expression"));
                            if let Some(r) = renamed_from(self.d, cf.get("renamed_from")) {
                                dom.renamed_checks.insert(ck.name.clone(), r.value);
                            }
                            cf.finish(self.d);
                            e
                        } else {
                            decode::text(self.d, cv, "a check expression")
                        };
                        if let Some(e) = expr {
                            dom.checks.insert(ck.name.clone(), e);
                        }
                    }
                }
                dom.description = description(self.d, f.get("description"));
                dom.renamed_from = renamed_from(self.d, f.get("renamed_from"));
                f.finish(self.d);
            } else if let Some(t) = decode::text(self.d, v, &format!("the base type of {what}")) {
                dom.type_written = t;
            }
            let Some(name) = self.qualify(k.span, &k.name, schema) else {
                continue;
            };
            dom.name = name.clone();
            if self.declare("type", &name.to_string(), k.span) {
                self.model.domains.insert(name, dom);
            }
        }
    }

    /// `types: { name: { fields: { field: type | { type, renamed_from } }, description } }`.
    pub(super) fn composites(&mut self, node: &Node) {
        for (k, v) in decode::entries(self.d, node, "`types`") {
            let what = format!("type `{}`", k.name);
            let f = Fields::new(self.d, v, COMPOSITE, what.clone());
            let schema = f
                .get("schema")
                .and_then(|n| decode::name(self.d, n, "a schema"));
            let mut ty = CompositeType {
                origin: k.span,
                ..CompositeType::default()
            };
            if let Some(fields) = f.require(self.d, "fields", k.span) {
                for (fk, fv) in decode::entries(self.d, fields, "`fields`") {
                    let mut field = Field {
                        name: fk.name.clone(),
                        origin: fk.span,
                        ..Field::default()
                    };
                    if matches!(fv.kind, NodeKind::Map(_)) {
                        let ff = Fields::new(
                            self.d,
                            fv,
                            FIELD,
                            format!("field `{}` of {what}", fk.name),
                        );
                        if let Some(t) = ff
                            .require(self.d, "type", fk.span)
                            .and_then(|n| decode::text(self.d, n, "a type"))
                        {
                            field.type_written = t;
                        }
                        field.renamed_from = renamed_from(self.d, ff.get("renamed_from"));
                        ff.finish(self.d);
                    } else if let Some(t) = decode::text(self.d, fv, "a type") {
                        field.type_written = t;
                    }
                    ty.fields.insert(fk.name.clone(), field);
                }
                if ty.fields.is_empty() {
                    self.d.push(
                        Diagnostic::error(Code::InvalidValue, format!("{what} has no fields"))
                            .at(k.span, "empty composite type")
                            .help("list at least one field: `fields: { street: text }`"),
                    );
                }
            }
            ty.description = description(self.d, f.get("description"));
            ty.renamed_from = renamed_from(self.d, f.get("renamed_from"));
            f.finish(self.d);
            let Some(name) = self.qualify(k.span, &k.name, schema) else {
                continue;
            };
            ty.name = name.clone();
            if self.declare("type", &name.to_string(), k.span) {
                self.model.composites.insert(name, ty);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use crate::compile_sources;

    fn model(yaml: &str) -> crate::Compiled {
        compile_sources(&[("schema.yaml".to_string(), yaml.to_string())])
    }

    #[test]
    fn domains_and_types_load_with_their_keys() {
        let c = model(
            "version: 1\ndomains:\n  positive_int: { type: integer, nullable: false, default: '1', checks: { positive: value > 0 } }\n  label: text\ntypes:\n  address:\n    fields: { street: text, city: { type: text } }\n    description: A postal address\ntables:\n  t:\n    columns:\n      id: { type: bigint, primary_key: true }\n      n: positive_int\n      a: address\n",
        );
        assert!(!c.diagnostics.has_errors(), "{:?}", c.diagnostics.sorted());
        let m = &c.model;
        let d = m.domains.values().next().unwrap();
        assert_eq!(d.name.name, "label");
        assert!(!d.not_null);
        let p = m.domains.values().nth(1).unwrap();
        assert!(p.not_null);
        assert_eq!(p.type_sql, "integer");
        assert_eq!(p.checks.len(), 1);
        let a = m.composites.values().next().unwrap();
        assert_eq!(a.fields.keys().collect::<Vec<_>>(), vec!["street", "city"]);
        let t = m.tables.values().next().unwrap();
        assert_eq!(t.columns["n"].type_sql, "public.positive_int");
        assert_eq!(t.columns["a"].type_sql, "public.address");
    }
}
