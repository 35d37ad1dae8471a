//! The `exclude:` key of a table: exclusion constraints.
//!
//! Input: the YAML list under `exclude:`. Output: [`Exclude`] values with spans, names still
//! empty when not written (resolve generates `{table}_{cols}_excl`). Invariants: each operator is
//! an operator token or it is reported (E216) and the constraint dropped; expressions and the
//! predicate stay text here and are parsed as one expression each by validate.

use super::decode::{self, Fields};
use super::yaml::Node;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::exclude::{Exclude, ExcludeElement, operator_ok, operator_sql};
use crate::ir::{Deferrable, Sp};

pub(crate) const EXCLUDE: &[&str] = &["name", "using", "elements", "where", "deferrable"];
pub(crate) const EXCLUDE_ELEMENT: &[&str] = &["column", "expression", "with"];

/// The list under `exclude:`.
pub fn excludes(
    d: &mut Diagnostics,
    node: &Node,
    deferrable: fn(&mut Diagnostics, Option<&Node>) -> Deferrable,
) -> Vec<Exclude> {
    let mut out = Vec::new();
    for item in decode::list(d, node, "`exclude`") {
        if let Some(x) = exclude(d, item, deferrable) {
            out.push(x);
        }
    }
    out
}

fn exclude(
    d: &mut Diagnostics,
    node: &Node,
    deferrable: fn(&mut Diagnostics, Option<&Node>) -> Deferrable,
) -> Option<Exclude> {
    let f = Fields::new(d, node, EXCLUDE, "an exclusion constraint");
    let name = f
        .get("name")
        .and_then(|n| decode::name(d, n, "a constraint name"));
    // The access methods that can back an exclusion constraint: PostgreSQL refuses gin and brin.
    let method = match f.get("using") {
        Some(n) => decode::choice(
            d,
            n,
            &["gist", "spgist", "btree", "hash"],
            "access method for an exclusion constraint",
        )
        .map(|c| c.value.to_string()),
        None => Some("gist".to_string()),
    };
    let mut ok = method.is_some();
    let mut elements = Vec::new();
    if let Some(list) = f.require(d, "elements", node.span) {
        let items = decode::list(d, list, "`elements`");
        if items.is_empty() {
            d.push(
                Diagnostic::error(Code::MissingKey, "an exclusion constraint has no elements")
                    .at(list.span, "empty")
                    .help("list at least one `{ column: c, with: \"=\" }`"),
            );
            ok = false;
        }
        for item in items {
            match element(d, item) {
                Some(e) => elements.push(e),
                None => ok = false,
            }
        }
    } else {
        ok = false;
    }
    let predicate = f
        .get("where")
        .and_then(|n| decode::text(d, n, "a WHERE predicate"));
    let deferrable = deferrable(d, f.get("deferrable"));
    f.finish(d);
    ok.then(|| Exclude {
        name: name.unwrap_or_default(),
        method: method.unwrap_or_default(),
        elements,
        predicate,
        deferrable,
        origin: node.span,
    })
}

fn element(d: &mut Diagnostics, node: &Node) -> Option<ExcludeElement> {
    let f = Fields::new(d, node, EXCLUDE_ELEMENT, "an exclusion element");
    let column = f
        .get("column")
        .and_then(|n| decode::name(d, n, "a column name"));
    let expression = f
        .get("expression")
        .and_then(|n| decode::text(d, n, "an expression"));
    let with = f
        .require(d, "with", node.span)
        .and_then(|n| decode::text(d, n, "an operator"));
    f.finish(d);
    let with = with?;
    let op = with.value.trim();
    if !operator_ok(op) {
        d.push(
            Diagnostic::error(
                Code::InvalidOperator,
                format!("`{}` is not an operator", with.value),
            )
            .at(with.span, "not an operator token")
            .help("write the operator alone (`=`, `&&`, `-|-`), or `OPERATOR(schema.op)` for one in another schema"),
        );
        return None;
    }
    let with = Sp::new(operator_sql(op), with.span);
    let (target, expression) = match (column, expression) {
        (Some(c), None) => (c, false),
        (None, Some(e)) => (e, true),
        (both, _) => {
            let code = if both.is_some() {
                Code::ConflictingOptions
            } else {
                Code::MissingKey
            };
            d.push(
                Diagnostic::error(
                    code,
                    "an exclusion element needs exactly one of `column` or `expression`",
                )
                .at(node.span, "here")
                .help("write `column: room` or `expression: \"tstzrange(starts_at, ends_at)\"`"),
            );
            return None;
        }
    };
    Some(ExcludeElement {
        target,
        expression,
        with,
    })
}
