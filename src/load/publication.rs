//! `publications:` → [`Publication`]s.
//!
//! Input: the `publications:` mapping of one file (name → `{ tables, publish, description }`;
//! `tables` a list of table names or a map of table → `{ columns, where }`). Output:
//! publications added to the model's map. Invariants: table names are qualified with the default
//! schema; `publish` values come from the four operations and are kept in PostgreSQL's order; a
//! publication declared twice (even across files) is reported with both spans.

use std::collections::BTreeMap;

use super::decode::{self, Fields};
use super::yaml::{Node, NodeKind};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::name::split_qualified;
use crate::ir::publication::{OPERATIONS, Publication, PublishedTable};
use crate::ir::{QName, Sp};
use crate::source::Span;

/// The keys of a publication.
pub(crate) const PUBLICATION: &[&str] = &["tables", "publish", "description"];
/// The keys of a publication's table.
pub(crate) const PUBLICATION_TABLE: &[&str] = &["columns", "where"];

/// Decode one file's `publications:` into `pubs`.
pub fn decode(
    d: &mut Diagnostics,
    node: &Node,
    default_schema: &str,
    pubs: &mut BTreeMap<String, Publication>,
) {
    for (k, v) in decode::entries(d, node, "`publications`") {
        let p = publication(d, k.span, &k.name, v, default_schema);
        if k.name == "supabase_realtime" {
            d.push(
                Diagnostic::error(
                    Code::InvalidPublication,
                    "`supabase_realtime` is declared with `realtime: true` on its tables",
                )
                .at(k.span, "Supabase's publication")
                .help("write `realtime: true` on each table instead"),
            );
            continue;
        }
        if let Some(first) = pubs.get(&k.name) {
            d.push(
                Diagnostic::error(
                    Code::DuplicateObject,
                    format!("publication `{}` is declared twice", k.name),
                )
                .at(k.span, "declared again here")
                .also(first.origin, "first declared here")
                .help("rename or remove one of the two publications"),
            );
            continue;
        }
        pubs.insert(k.name.clone(), p);
    }
}

fn qualify(d: &mut Diagnostics, text: &str, span: Span, default_schema: &str) -> Option<QName> {
    match split_qualified(text).as_deref() {
        Some([t]) => Some(QName::new(default_schema.to_string(), t.clone())),
        Some([s, t]) => Some(QName::new(s.clone(), t.clone())),
        _ => {
            d.push(
                Diagnostic::error(Code::InvalidName, format!("`{text}` is not a table name"))
                    .at(span, "expected `name` or `schema.name`")
                    .help("write the table as `name` or `schema.name`"),
            );
            None
        }
    }
}

fn publication(
    d: &mut Diagnostics,
    span: Span,
    name: &str,
    node: &Node,
    default_schema: &str,
) -> Publication {
    let what = format!("publication `{name}`");
    let f = Fields::new(d, node, PUBLICATION, what.clone());
    let mut tables = BTreeMap::new();
    if let Some(n) = f.get("tables") {
        let items: Vec<(String, Span, Option<&Node>)> = match &n.kind {
            NodeKind::Seq(_) => decode::text_list(d, n, "a table name")
                .into_iter()
                .map(|t| (t.value, t.span, None))
                .collect(),
            _ => decode::entries(d, n, "`tables`")
                .iter()
                .map(|(k, v)| (k.name.clone(), k.span, Some(v)))
                .collect(),
        };
        for (t, tspan, body) in items {
            let Some(q) = qualify(d, &t, tspan, default_schema) else {
                continue;
            };
            let mut pt = PublishedTable {
                origin: tspan,
                ..PublishedTable::default()
            };
            if let Some(b) = body.filter(|b| !matches!(b.kind, NodeKind::Null)) {
                let tf = Fields::new(d, b, PUBLICATION_TABLE, format!("table `{t}` of {what}"));
                if let Some(c) = tf.get("columns") {
                    pt.columns = decode::text_list(d, c, "a column name");
                }
                pt.row_filter = tf
                    .get("where")
                    .and_then(|w| decode::text(d, w, "a row filter"))
                    .map(|w| Sp::new(w.value.trim().to_string(), w.span));
                tf.finish(d);
            }
            if tables.contains_key(&q) {
                d.push(
                    Diagnostic::error(
                        Code::DuplicateObject,
                        format!("table `{q}` is listed twice in {what}"),
                    )
                    .at(tspan, "listed again here")
                    .help("list each table once"),
                );
                continue;
            }
            tables.insert(q, pt);
        }
    }
    let mut publish: Vec<String> = OPERATIONS.iter().map(|s| (*s).to_string()).collect();
    if let Some(n) = f.get("publish") {
        let given: Vec<String> = decode::list(d, n, "`publish`")
            .into_iter()
            .filter_map(|item| {
                decode::choice(
                    d,
                    item,
                    &["insert", "update", "delete", "truncate"],
                    "operation",
                )
            })
            .map(|c| c.value.to_string())
            .collect();
        publish = OPERATIONS
            .iter()
            .filter(|o| given.iter().any(|g| g == *o))
            .map(|s| (*s).to_string())
            .collect();
        if publish.is_empty() {
            d.push(
                Diagnostic::error(Code::InvalidPublication, format!("{what} publishes no operation"))
                    .at(n.span, "empty")
                    .help("list at least one of insert, update, delete, truncate, or leave `publish` out for all four"),
            );
        }
    }
    let description = f
        .get("description")
        .and_then(|n| decode::text(d, n, "a description"))
        .map(|t| t.value.trim_end().to_string());
    f.finish(d);
    Publication {
        name: name.to_string(),
        tables,
        publish,
        description,
        origin: span,
    }
}
