//! SQL fragments: parse every one and check the names it uses.
//!
//! Input: the model's fragments (defaults, checks, generated columns, index expressions and
//! predicates, policy USING / WITH CHECK, trigger WHEN, view queries). Output: `E301` for text that
//! does not parse, `E302` for columns that do not resolve where the fragment is evaluated, `E303`
//! for unknown tables and schema-qualified functions. Invariants: positions inside a fragment are
//! mapped back into the YAML exactly for plain one-line and `|` literal scalars; for any other
//! style the whole value is labelled.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Model, Sp, Table};
use crate::load::yaml::{ScalarStyle, style_of};
use crate::resolve::Scope;
use crate::source::{SourceMap, Span};
use crate::sqlfrag::{self, Analysis, FragSpan, ProblemKind};

/// Map a range inside a fragment's value to a span in the file.
pub fn fragment_span(sources: &SourceMap, value: &Sp<String>, at: Option<FragSpan>) -> Span {
    let whole = value.span;
    let (Some(at), Some(file)) = (at, sources.file(whole.file)) else {
        return whole;
    };
    match style_of(file, whole, &value.value) {
        ScalarStyle::Plain => whole.subspan(at.start, at.len.max(1)),
        ScalarStyle::Quoted => whole.subspan(at.start + 1, at.len.max(1)),
        ScalarStyle::Literal { indent } => {
            let before = value.value.get(..at.start).unwrap_or("");
            let line = before.matches('\n').count();
            let col = before.rfind('\n').map_or(at.start, |i| at.start - i - 1);
            let (first_line, _) = file.line_col(whole.start as usize);
            let line_start = file.offset_of(first_line + line, 1);
            let start = line_start + indent + col;
            if start + at.len > file.text.len() {
                return whole;
            }
            Span::new(whole.file, start, at.len.max(1))
        }
        ScalarStyle::Other => whole,
    }
}

struct Ctx<'a> {
    scope: &'a Scope<'a>,
    sources: &'a SourceMap,
}

impl Ctx<'_> {
    fn syntax(
        &self,
        d: &mut Diagnostics,
        value: &Sp<String>,
        what: &str,
        err: &sqlfrag::SyntaxError,
    ) {
        d.push(
            Diagnostic::error(Code::SqlSyntax, format!("{what} is not valid SQL: {}", err.message))
                .at(fragment_span(self.sources, value, err.at), "here")
                .help("write the expression as PostgreSQL would accept it; quote identifiers that need it with double quotes"),
        );
    }

    fn problems(
        &self,
        d: &mut Diagnostics,
        value: &Sp<String>,
        what: &str,
        analysis: &Analysis,
        table: Option<&Table>,
    ) {
        for p in &analysis.problems {
            let span = fragment_span(self.sources, value, p.at);
            let diag = match &p.kind {
                ProblemKind::UnknownColumn { name, qualifier } => {
                    let shown = qualifier
                        .as_ref()
                        .map_or(name.clone(), |q| format!("{q}.{name}"));
                    let hint = table
                        .filter(|_| qualifier.is_none())
                        .map(|t| {
                            crate::load::decode::did_you_mean(
                                name,
                                t.columns.keys().map(String::as_str),
                            )
                        })
                        .unwrap_or_default();
                    let place =
                        table.map_or(String::new(), |t| format!(" of table `{}`", t.name.name));
                    Diagnostic::error(Code::SqlUnknownColumn, format!("{what}{place} uses unknown column `{shown}`{hint}"))
                        .at(span, "not a column here")
                        .help("use a column of the table (or of a table in the query's FROM), or fix the qualifier")
                }
                ProblemKind::UnknownRelation { name } => {
                    let names = self.scope.relation_names();
                    let hint =
                        crate::load::decode::did_you_mean(name, names.iter().map(String::as_str));
                    Diagnostic::error(
                        Code::SqlUnknownObject,
                        format!("{what} reads unknown table or view `{name}`{hint}"),
                    )
                    .at(span, "not in the model")
                    .help("declare the table or view in the model, or fix the name")
                }
                ProblemKind::UnknownFunction { name } => Diagnostic::error(
                    Code::SqlUnknownObject,
                    format!("{what} calls unknown function `{name}`"),
                )
                .at(span, "not in the model or the preset")
                .help("declare the function under `functions:` or fix its schema"),
            };
            d.push(diag);
        }
    }

    fn expr(
        &self,
        d: &mut Diagnostics,
        value: &Sp<String>,
        what: &str,
        table: Option<&Table>,
        extra: &[&str],
    ) {
        match sqlfrag::parse_expr(&value.value) {
            Err(e) => self.syntax(d, value, what, &e),
            Ok(expr) => {
                let cols: Vec<String> = table
                    .map(|t| t.columns.keys().cloned().collect())
                    .unwrap_or_default();
                let base = table.map(|t| (t.name.name.as_str(), cols.as_slice()));
                let analysis = sqlfrag::analyse_expr(&expr, &value.value, base, extra, self.scope);
                self.problems(d, value, what, &analysis, table);
            }
        }
    }
}

/// Check every SQL fragment of the model.
pub fn fragments(model: &Model, scope: &Scope, sources: &SourceMap, d: &mut Diagnostics) {
    let cx = Ctx { scope, sources };
    for t in model.tables.values() {
        for c in t.columns.values() {
            if let Some(def) = &c.default {
                // A DEFAULT cannot read other columns: no table in scope.
                cx.expr(
                    d,
                    def,
                    &format!("the default of `{}.{}`", t.name.name, c.name),
                    None,
                    &[],
                );
            }
            if let Some(g) = &c.generated {
                cx.expr(
                    d,
                    g,
                    &format!("the generated expression of column `{}`", c.name),
                    Some(t),
                    &[],
                );
            }
        }
        for c in &t.checks {
            cx.expr(
                d,
                &c.expr,
                &format!("check `{}`", c.name.value),
                Some(t),
                &[],
            );
        }
        for ix in &t.indexes {
            for k in ix.keys.iter().filter(|k| k.expression) {
                cx.expr(
                    d,
                    &k.target,
                    &format!("index `{}`", ix.name.value),
                    Some(t),
                    &[],
                );
            }
            if let Some(p) = &ix.predicate {
                cx.expr(
                    d,
                    p,
                    &format!("the predicate of index `{}`", ix.name.value),
                    Some(t),
                    &[],
                );
            }
        }
        for p in t.policies.values() {
            if let Some(u) = &p.using {
                cx.expr(d, u, &format!("policy `{}`", p.name), Some(t), &[]);
            }
            if let Some(w) = &p.with_check {
                cx.expr(d, w, &format!("policy `{}`", p.name), Some(t), &[]);
            }
        }
        for tr in t.triggers.values() {
            if let Some(w) = &tr.when {
                cx.expr(
                    d,
                    w,
                    &format!("the WHEN of trigger `{}`", tr.name),
                    Some(t),
                    &["new", "old"],
                );
            }
        }
    }
    for tr in &model.external_triggers {
        if let Some(w) = &tr.when {
            cx.expr(
                d,
                w,
                &format!("the WHEN of trigger `{}`", tr.name),
                None,
                &["new", "old"],
            );
        }
    }
    for v in model.views.values() {
        match sqlfrag::parse_query(&v.query.value) {
            Err(e) => cx.syntax(
                d,
                &v.query,
                &format!("the query of view `{}`", v.name.name),
                &e,
            ),
            Ok(q) => {
                let analysis = sqlfrag::analyse_query(&q, &v.query.value, scope);
                cx.problems(
                    d,
                    &v.query,
                    &format!("the query of view `{}`", v.name.name),
                    &analysis,
                    None,
                );
            }
        }
        for ix in &v.indexes {
            for k in ix.keys.iter().filter(|k| k.expression) {
                cx.expr(
                    d,
                    &k.target,
                    &format!("index `{}`", ix.name.value),
                    None,
                    &[],
                );
            }
        }
    }
}
