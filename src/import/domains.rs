//! Domains and composite types of the catalog → the `domains:` and `types:` sections.
//!
//! Input: [`Catalog::domains`] and [`Catalog::composites`]. Output: (schema, section, YAML) per
//! type, in catalog order (sorted by schema and name). Invariants: types are written as the
//! model writes them (`public.` left out); a check is its `pg_get_constraintdef` text without
//! `CHECK (…)`, in the form PostgreSQL stores again ([`super::reparseable`]); a default without
//! the cast to the domain's own base type.

use std::fmt::Write as _;

use super::yaml::{scalar, text_field};
use super::{Cx, default_text, local, local_type, reparseable, unparen};
use crate::introspect::Catalog;

/// The YAML entries of every domain and composite type.
pub(super) fn sections(cx: &mut Cx<'_>, catalog: &Catalog) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    for d in &catalog.domains {
        let mut s = String::new();
        let _ = writeln!(s, "  {}:", scalar(&local(&d.schema, &d.name)));
        let _ = writeln!(s, "    type: {}", scalar(&local_type(&d.base)));
        if d.not_null {
            s.push_str("    nullable: false\n");
        }
        if let Some(def) = &d.default {
            let _ = writeln!(s, "    default: {}", scalar(&default_text(def, &d.base)));
        }
        if let Some(c) = &d.collation {
            let _ = writeln!(s, "    collation: {}", scalar(c));
        }
        if !d.checks.is_empty() {
            s.push_str("    checks:\n");
            for (name, def, _) in &d.checks {
                let body = def
                    .strip_prefix("CHECK ")
                    .map_or(def.as_str(), |b| b.trim_end_matches(" NOT VALID"));
                let expr = reparseable(unparen(unparen(body))).into_owned();
                let _ = writeln!(s, "      {}: {}", scalar(name), scalar(&expr));
            }
        }
        if let Some(desc) = &d.description {
            text_field(&mut s, 4, "description", desc);
        }
        cx.count("domains");
        out.push((d.schema.clone(), "domains", s));
    }
    for t in &catalog.composites {
        let mut s = String::new();
        let _ = writeln!(s, "  {}:", scalar(&local(&t.schema, &t.name)));
        s.push_str("    fields:\n");
        for (name, ty) in &t.fields {
            let _ = writeln!(s, "      {}: {}", scalar(name), scalar(&local_type(ty)));
        }
        if let Some(desc) = &t.description {
            text_field(&mut s, 4, "description", desc);
        }
        cx.count("composite types");
        out.push((t.schema.clone(), "types", s));
    }
    out
}
