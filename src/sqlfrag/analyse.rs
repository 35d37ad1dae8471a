//! Name resolution over parsed SQL fragments.
//!
//! Input: a sqlparser `Expr` or `Query` (as returned by `parse_expr` /
//! `parse_query`), the fragment text it was parsed from (for byte offsets),
//! an optional base table (columns in scope for table-level expressions),
//! extra opaque qualifiers (e.g. `new` / `old` for trigger WHEN), and a
//! [`Catalog`].
//! Output: an [`Analysis`]: unresolved columns / relations / schema-qualified
//! functions, plus the referenced relations and functions.
//! Invariants:
//! - Scoping is explicit: each SELECT pushes a scope holding its FROM items;
//!   subqueries (scalar, EXISTS, IN, ANY/ALL, derived tables, CTE bodies,
//!   `ARRAY(select ..)`) are analysed with the enclosing scopes visible, so
//!   correlated references resolve outward. FROM items see earlier items of
//!   the same FROM list (lateral-style, deliberately lenient).
//! - An unknown relation is reported once and then treated as opaque, so it
//!   never cascades into unknown-column reports.
//! - Expression variants that are not special-cased are descended through the
//!   sqlparser `Visit` machinery one level at a time (see [`ChildVisitor`]), so
//!   every nested expression and subquery is analysed exactly once, with the
//!   right scope.
//! - Never panics; recursion depth is bounded by the depth checks done at parse
//!   time.

use super::span::span_to_frag;
use super::{
    Analysis, Catalog, FragSpan, OuterRef, Problem, ProblemKind, Reference, RelationLookup,
};
use sqlparser::ast::{
    AccessExpr, Distinct, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments,
    GroupByExpr, Ident, JoinConstraint, JoinOperator, ObjectName, OrderBy, Query, Select,
    SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableAlias, TableFactor, TableWithJoins,
    Visit, Visitor, WindowType,
};
use sqlparser::tokenizer::Span;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Identifiers PostgreSQL parses as keyword expressions, never as columns.
const KEYWORD_VALUES: &[&str] = &[
    "current_user",
    "session_user",
    "current_role",
    "user",
    "system_user",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "current_catalog",
    "current_schema",
];

/// Analyse an expression evaluated against `base` (the table it belongs to: a
/// default, check, index expression, or policy). `base` columns are in scope
/// unqualified and qualified by the given qualifier (normally the table
/// name). `extra_scope` adds qualifiers such as `NEW` / `OLD` (trigger WHEN)
/// under which any column is accepted; they do not make unqualified names
/// resolve.
pub fn analyse_expr(
    expr: &Expr,
    text: &str,
    base: Option<(&str, &[String])>,
    extra_scope: &[&str],
    catalog: &dyn Catalog,
) -> Analysis {
    expr_analyzer(expr, text, base, extra_scope, catalog, false).finish()
}

/// Analyse a query (view body); nothing is in scope at the top level.
pub fn analyse_query(query: &Query, text: &str, catalog: &dyn Catalog) -> Analysis {
    let mut an = Analyzer::new(text, catalog);
    an.query(query);
    an.finish()
}

/// Every table and column reference of an expression that resolves, in source order (the
/// arguments are those of [`analyse_expr`]). For the language server's navigation; validation
/// never asks, so it pays nothing for them.
pub fn expr_references(
    expr: &Expr,
    text: &str,
    base: Option<(&str, &[String])>,
    extra_scope: &[&str],
    catalog: &dyn Catalog,
) -> Vec<Reference> {
    expr_analyzer(expr, text, base, extra_scope, catalog, true).refs
}

/// Every table and column reference of a query that resolves, in source order.
pub fn query_references(query: &Query, text: &str, catalog: &dyn Catalog) -> Vec<Reference> {
    let mut an = Analyzer::new(text, catalog);
    an.collect = true;
    an.query(query);
    an.refs
}

fn expr_analyzer<'a>(
    expr: &Expr,
    text: &'a str,
    base: Option<(&'a str, &'a [String])>,
    extra_scope: &[&str],
    catalog: &'a dyn Catalog,
    collect: bool,
) -> Analyzer<'a> {
    let mut an = Analyzer::new(text, catalog);
    an.collect = collect;
    an.extra = extra_scope.iter().map(|s| s.to_lowercase()).collect();
    an.has_base = base.is_some();
    let mut scope = Scope::default();
    if let Some((qualifier, columns)) = base {
        scope.rels.push(Rel {
            name: qualifier.to_string(),
            schema: None,
            cols: Cols::List(Cow::Borrowed(columns)),
            target: Some(Target::Base),
        });
    }
    an.scopes.push(scope);
    an.expr(expr);
    an
}

/// The relation a FROM item stands for, when it is one the catalog knows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// The base table of an expression.
    Base,
    /// A catalog relation (schema as written, normalised name).
    Relation(Option<String>, String),
}

#[derive(Debug, Clone)]
enum Cols<'a> {
    Opaque,
    /// Borrowed from the base table or the catalog; owned when derived from the query.
    List(Cow<'a, [String]>),
}

#[derive(Debug)]
struct Rel<'a> {
    /// Alias, or the relation name when not aliased ("" for unnamed items).
    name: String,
    /// Schema as written, only for unaliased tables.
    schema: Option<String>,
    cols: Cols<'a>,
    /// The relation it stands for (`None` for CTEs, subqueries, functions).
    target: Option<Target>,
}

#[derive(Debug, Default)]
struct Scope<'a> {
    rels: Vec<Rel<'a>>,
    /// Output column aliases (visible in GROUP BY / HAVING / ORDER BY).
    aliases: Vec<String>,
    aliases_active: bool,
    /// Accept any unqualified name (e.g. ORDER BY of a set operation).
    opaque_all: bool,
}

struct Analyzer<'a> {
    text: &'a str,
    catalog: &'a dyn Catalog,
    scopes: Vec<Scope<'a>>,
    ctes: Vec<Vec<(String, Cols<'a>)>>,
    extra: Vec<String>,
    /// Whether scope 0 is the base table of an expression (then references to it from a nested
    /// SELECT are recorded as [`OuterRef`]s).
    has_base: bool,
    problems: Vec<Problem>,
    outer_refs: Vec<OuterRef>,
    relations: BTreeSet<(Option<String>, String)>,
    functions: BTreeSet<(Option<String>, String)>,
    /// Whether resolved references are recorded in `refs`.
    collect: bool,
    refs: Vec<Reference>,
}

/// PostgreSQL identifier normalisation: unquoted names fold to lower case.
fn norm(id: &Ident) -> String {
    norm_ref(id).into_owned()
}

/// [`norm`] without a copy when folding changes nothing (the common case).
fn norm_ref(id: &Ident) -> Cow<'_, str> {
    if id.quote_style.is_some()
        || id
            .value
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(&id.value)
    } else {
        Cow::Owned(id.value.to_lowercase())
    }
}

fn object_idents(name: &ObjectName) -> Vec<&Ident> {
    name.0.iter().filter_map(|p| p.as_ident()).collect()
}

/// (schema, name) of an object name: the last two identifier parts.
fn schema_and_name(name: &ObjectName) -> Option<(Option<String>, String)> {
    let ids = object_idents(name);
    let (last, rest) = ids.split_last()?;
    Some((rest.last().map(|s| norm(s)), norm(last)))
}

fn dotted(ids: &[&Ident]) -> String {
    ids.iter().map(|i| norm(i)).collect::<Vec<_>>().join(".")
}

impl<'a> Analyzer<'a> {
    fn new(text: &'a str, catalog: &'a dyn Catalog) -> Self {
        Analyzer {
            text,
            catalog,
            scopes: Vec::new(),
            ctes: Vec::new(),
            extra: Vec::new(),
            has_base: false,
            problems: Vec::new(),
            outer_refs: Vec::new(),
            relations: BTreeSet::new(),
            functions: BTreeSet::new(),
            collect: false,
            refs: Vec::new(),
        }
    }

    fn finish(self) -> Analysis {
        Analysis {
            problems: self.problems,
            outer_refs: self.outer_refs,
            relations: self.relations.into_iter().collect(),
            functions: self.functions.into_iter().collect(),
        }
    }

    fn ident_span(&self, id: &Ident) -> Option<FragSpan> {
        span_to_frag(self.text, id.span)
    }

    fn idents_span(&self, ids: &[&Ident]) -> Option<FragSpan> {
        let first = ids.first()?;
        let last = ids.last()?;
        span_to_frag(self.text, Span::new(first.span.start, last.span.end))
    }

    fn problem(&mut self, kind: ProblemKind, at: Option<FragSpan>) {
        self.problems.push(Problem { kind, at });
    }

    // ----- name lookup -------------------------------------------------

    fn find_rel(&self, schema: Option<&str>, name: &str) -> Option<&Rel<'a>> {
        self.find_rel_at(schema, name).map(|(_, r)| r)
    }

    /// The relation a qualifier names, with the index of the scope that holds it.
    fn find_rel_at(&self, schema: Option<&str>, name: &str) -> Option<(usize, &Rel<'a>)> {
        self.scopes.iter().enumerate().rev().find_map(|(i, scope)| {
            scope
                .rels
                .iter()
                .find(|r| {
                    r.name == name
                        && match (schema, r.schema.as_deref()) {
                            (Some(want), Some(have)) => want == have,
                            _ => true,
                        }
                })
                .map(|r| (i, r))
        })
    }

    /// Whether a reference that resolved in scope `at` reaches the base table from inside a
    /// nested SELECT (then it is recorded as an [`OuterRef`]).
    fn is_outer(&self, at: usize) -> bool {
        self.has_base && at == 0 && self.scopes.len() > 1
    }

    /// Record an outer reference (see [`Analyzer::is_outer`]).
    fn note_outer(&mut self, name: String, span: Option<FragSpan>) {
        self.outer_refs.push(OuterRef { name, at: span });
    }

    /// Record a resolved reference to `target` (and `column` of it) at `id`.
    fn record(&mut self, target: Option<Target>, column: Option<String>, id: &Ident) {
        if !self.collect {
            return;
        }
        let (Some(target), Some(at)) = (target, self.ident_span(id)) else {
            return;
        };
        let (base, relation) = match target {
            Target::Base => (true, None),
            Target::Relation(schema, name) => (false, Some((schema, name))),
        };
        self.refs.push(Reference {
            base,
            relation,
            column,
            at,
        });
    }

    /// The relation of scope `i` that an unqualified column `name` belongs to.
    fn owner_of(&self, i: usize, name: &str) -> Option<Target> {
        let scope = self.scopes.get(i)?;
        scope
            .rels
            .iter()
            .find(|r| matches!(&r.cols, Cols::List(cols) if cols.iter().any(|c| c == name)))
            .and_then(|r| r.target.clone())
    }

    fn is_extra(&self, name: &str) -> bool {
        let lower = name.to_lowercase();
        self.extra.contains(&lower)
    }

    /// The index of the innermost scope where an unqualified name resolves.
    fn unqualified_scope(&self, name: &str) -> Option<usize> {
        self.scopes.iter().enumerate().rev().find_map(|(i, scope)| {
            let found = scope.opaque_all
                || (scope.aliases_active && scope.aliases.iter().any(|a| a == name))
                || scope.rels.iter().any(|r| {
                    r.name == name
                        || match &r.cols {
                            Cols::Opaque => true,
                            Cols::List(cols) => cols.iter().any(|c| c == name),
                        }
                });
            found.then_some(i)
        })
    }

    /// A column reference `x`, `t.x`, `s.t.x` (further parts are composite
    /// field accesses).
    fn column(&mut self, ids: &[&Ident]) {
        match ids {
            [] => {}
            [id] => {
                let name = norm_ref(id);
                if id.quote_style.is_none() && KEYWORD_VALUES.contains(&name.as_ref()) {
                    return;
                }
                let found = self.unqualified_scope(&name);
                if let Some(i) = found {
                    if self.collect {
                        let owner = self.owner_of(i, &name);
                        self.record(owner, Some(name.to_string()), id);
                    }
                    if self.is_outer(i) {
                        let at = self.ident_span(id);
                        self.note_outer(name.into_owned(), at);
                    }
                } else {
                    let name = name.into_owned();
                    let at = self.ident_span(id);
                    self.problem(
                        ProblemKind::UnknownColumn {
                            name,
                            qualifier: None,
                        },
                        at,
                    );
                }
            }
            [first, second, rest @ ..] => {
                let q0 = norm(first);
                let c1 = norm(second);
                // table.column[.field...]
                if let Some((i, rel)) = self.find_rel_at(None, &q0) {
                    let ok = match &rel.cols {
                        Cols::Opaque => true,
                        Cols::List(cols) => cols.contains(&c1),
                    };
                    if ok && self.collect {
                        let target = rel.target.clone();
                        // An alias names the FROM item, not the table: only the table's own
                        // name is a reference to the table.
                        let names_table = match &target {
                            Some(Target::Base) => true,
                            Some(Target::Relation(_, n)) => *n == rel.name,
                            None => false,
                        };
                        if names_table {
                            self.record(target.clone(), None, first);
                        }
                        self.record(target, Some(c1.clone()), second);
                    }
                    if ok {
                        if self.is_outer(i) {
                            let at = self.idents_span(&[first, second]);
                            self.note_outer(format!("{q0}.{c1}"), at);
                        }
                    } else {
                        let at = self.ident_span(second);
                        self.problem(
                            ProblemKind::UnknownColumn {
                                name: c1,
                                qualifier: Some(q0),
                            },
                            at,
                        );
                    }
                    return;
                }
                // schema.table.column[.field...]
                if let Some(third) = rest.first() {
                    let c2 = norm(third);
                    if let Some((i, rel)) = self.find_rel_at(Some(&q0), &c1) {
                        let ok = match &rel.cols {
                            Cols::Opaque => true,
                            Cols::List(cols) => cols.contains(&c2),
                        };
                        if ok && self.collect {
                            let target = rel.target.clone();
                            self.record(target.clone(), None, second);
                            self.record(target, Some(c2.clone()), third);
                        }
                        if ok {
                            if self.is_outer(i) {
                                let at = self.idents_span(&[first, second, third]);
                                self.note_outer(format!("{q0}.{c1}.{c2}"), at);
                            }
                        } else {
                            let at = self.ident_span(third);
                            self.problem(
                                ProblemKind::UnknownColumn {
                                    name: c2,
                                    qualifier: Some(format!("{q0}.{c1}")),
                                },
                                at,
                            );
                        }
                        return;
                    }
                }
                if self.is_extra(&q0) {
                    return;
                }
                // Unknown qualifier: report the column with everything before
                // it as qualifier, pointing at the whole reference.
                let (col, quals) = match ids.split_last() {
                    Some((c, q)) => (norm(c), q),
                    None => return,
                };
                let at = self.idents_span(ids);
                self.problem(
                    ProblemKind::UnknownColumn {
                        name: col,
                        qualifier: Some(dotted(quals)),
                    },
                    at,
                );
            }
        }
    }

    /// `t.*` / `s.t.*`.
    fn qualified_wildcard(&mut self, name: &ObjectName) {
        let ids = object_idents(name);
        let found = match ids.as_slice() {
            [t] => {
                let t = norm(t);
                self.find_rel(None, &t).is_some() || self.is_extra(&t)
            }
            [.., s, t] => self.find_rel(Some(&norm(s)), &norm(t)).is_some(),
            [] => true,
        };
        if !found {
            let at = self.idents_span(&ids);
            self.problem(
                ProblemKind::UnknownColumn {
                    name: "*".to_string(),
                    qualifier: Some(dotted(&ids)),
                },
                at,
            );
        }
    }

    // ----- expressions -------------------------------------------------

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Identifier(id) => self.column(&[id]),
            Expr::CompoundIdentifier(ids) => {
                let refs: Vec<&Ident> = ids.iter().collect();
                self.column(&refs);
            }
            Expr::QualifiedWildcard(name, _) => self.qualified_wildcard(name),
            Expr::Wildcard(_) => {}
            Expr::Function(f) => self.function(f),
            Expr::CompoundFieldAccess { root, access_chain } => {
                self.expr(root);
                for access in access_chain {
                    match access {
                        // `.field` names a composite field, not a column.
                        AccessExpr::Dot(_) => {}
                        AccessExpr::Subscript(sub) => self.children(sub, 0),
                    }
                }
            }
            _ if self.direct_children(e) => {}
            _ => self.children(e, 1),
        }
    }

    /// Analyses the children of the common expression shapes directly, in the order the generic
    /// traversal of [`Analyzer::children`] visits them, and says whether `e` was one of them.
    /// `children` walks a node's whole subtree to find its direct children, so using it at every
    /// level costs subtree size × depth (a chain of `and`s is quadratic).
    fn direct_children(&mut self, e: &Expr) -> bool {
        #[cfg(test)]
        if super::tests::GENERIC_CHILDREN.with(std::cell::Cell::get) {
            return false;
        }
        match e {
            Expr::BinaryOp { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            Expr::UnaryOp { expr, .. }
            | Expr::Nested(expr)
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::IsTrue(expr)
            | Expr::IsNotTrue(expr)
            | Expr::IsFalse(expr)
            | Expr::IsNotFalse(expr) => self.expr(expr),
            Expr::InList { expr, list, .. } => {
                self.expr(expr);
                for item in list {
                    self.expr(item);
                }
            }
            Expr::InSubquery { expr, subquery, .. } => {
                self.expr(expr);
                self.query(subquery);
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.expr(expr);
                self.expr(low);
                self.expr(high);
            }
            Expr::Exists { subquery, .. } | Expr::Subquery(subquery) => self.query(subquery),
            Expr::Value(_) => {}
            _ => return false,
        }
        true
    }

    /// Analyses the direct child expressions and queries of `node` (which is
    /// at expression depth `base` itself: 1 for an `Expr`, 0 otherwise).
    fn children<T: Visit>(&mut self, node: &T, base: usize) {
        let mut v = ChildVisitor {
            an: self,
            base,
            expr_depth: 0,
            query_depth: 0,
        };
        let _ = node.visit(&mut v);
    }

    fn function(&mut self, f: &Function) {
        let ids = object_idents(&f.name);
        if matches!(f.args, FunctionArguments::None)
            && let [id] = ids.as_slice()
            && id.quote_style.is_none()
            && KEYWORD_VALUES.contains(&norm(id).as_str())
        {
            return;
        }
        self.record_function(&f.name);
        match &f.args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(q) => self.query(q),
            FunctionArguments::List(list) => {
                for arg in &list.args {
                    self.function_arg(arg);
                }
                for clause in &list.clauses {
                    self.children(clause, 0);
                }
            }
        }
        match &f.parameters {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(q) => self.query(q),
            FunctionArguments::List(list) => {
                for arg in &list.args {
                    self.function_arg(arg);
                }
            }
        }
        if let Some(filter) = &f.filter {
            self.expr(filter);
        }
        for ob in &f.within_group {
            self.children(ob, 0);
        }
        if let Some(WindowType::WindowSpec(spec)) = &f.over {
            self.children(spec, 0);
        }
    }

    fn function_arg(&mut self, arg: &FunctionArg) {
        let arg = match arg {
            FunctionArg::Named { arg, .. }
            | FunctionArg::ExprNamed { arg, .. }
            | FunctionArg::Unnamed(arg) => arg,
        };
        match arg {
            FunctionArgExpr::Expr(e) => self.expr(e),
            FunctionArgExpr::QualifiedWildcard(name) => self.qualified_wildcard(name),
            FunctionArgExpr::Wildcard | FunctionArgExpr::WildcardWithOptions(_) => {}
        }
    }

    /// Records a called function; checks schema-qualified ones exist.
    fn record_function(&mut self, name: &ObjectName) {
        let Some((schema, fname)) = schema_and_name(name) else {
            return;
        };
        if let Some(schema) = &schema
            && !self.catalog.function_exists(schema, &fname)
        {
            let ids = object_idents(name);
            let at = self.idents_span(&ids);
            self.problem(ProblemKind::UnknownFunction { name: dotted(&ids) }, at);
        }
        self.functions.insert((schema, fname));
    }

    // ----- queries -----------------------------------------------------

    fn query(&mut self, q: &Query) {
        let has_with = q.with.is_some();
        if let Some(with) = &q.with {
            self.ctes.push(Vec::new());
            for cte in &with.cte_tables {
                let name = norm(&cte.alias.name);
                let cols =
                    alias_columns(Some(&cte.alias), output_names(&cte.query).map(Cow::Owned));
                if with.recursive {
                    self.push_cte(name.clone(), cols.clone());
                }
                self.query(&cte.query);
                if !with.recursive {
                    self.push_cte(name, cols);
                }
            }
        }
        self.set_expr(&q.body, q.order_by.as_ref());
        if let Some(limit) = &q.limit_clause {
            self.children(limit, 0);
        }
        if let Some(fetch) = &q.fetch {
            self.children(fetch, 0);
        }
        if has_with {
            self.ctes.pop();
        }
    }

    fn push_cte(&mut self, name: String, cols: Cols<'a>) {
        if let Some(top) = self.ctes.last_mut() {
            top.push((name, cols));
        }
    }

    fn find_cte(&self, name: &str) -> Option<Cols<'a>> {
        self.ctes
            .iter()
            .rev()
            .find_map(|level| level.iter().rev().find(|(n, _)| n == name))
            .map(|(_, c)| c.clone())
    }

    fn set_expr(&mut self, body: &SetExpr, order_by: Option<&OrderBy>) {
        match body {
            SetExpr::Select(select) => self.select(select, order_by),
            SetExpr::Query(q) => {
                self.query(q);
                self.output_order_by(order_by);
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left, None);
                self.set_expr(right, None);
                self.output_order_by(order_by);
            }
            SetExpr::Values(values) => {
                self.children(values, 0);
                self.output_order_by(order_by);
            }
            SetExpr::Table(table) => {
                if let Some(name) = &table.table_name {
                    let name = name.to_lowercase();
                    let schema = table.schema_name.as_ref().map(|s| s.to_lowercase());
                    if !(schema.is_none() && self.find_cte(&name).is_some()) {
                        let lookup = self.catalog.relation(schema.as_deref(), &name);
                        if lookup == RelationLookup::Unknown {
                            let full = match &schema {
                                Some(s) => format!("{s}.{name}"),
                                None => name.clone(),
                            };
                            self.problem(ProblemKind::UnknownRelation { name: full }, None);
                        }
                        self.relations.insert((schema, name));
                    }
                }
                self.output_order_by(order_by);
            }
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {}
        }
    }

    /// ORDER BY over a result whose FROM scope is gone (set operations,
    /// VALUES): only output columns are visible; accepted leniently.
    fn output_order_by(&mut self, order_by: Option<&OrderBy>) {
        if let Some(ob) = order_by {
            self.scopes.push(Scope {
                opaque_all: true,
                ..Scope::default()
            });
            self.children(ob, 0);
            self.scopes.pop();
        }
    }

    fn select(&mut self, s: &Select, order_by: Option<&OrderBy>) {
        self.scopes.push(Scope::default());
        for twj in &s.from {
            self.table_with_joins(twj);
        }
        let mut aliases = Vec::new();
        for item in &s.projection {
            match item {
                SelectItem::UnnamedExpr(e) => self.expr(e),
                SelectItem::ExprWithAlias { expr, alias } => {
                    self.expr(expr);
                    aliases.push(norm(alias));
                }
                SelectItem::ExprWithAliases {
                    expr,
                    aliases: names,
                } => {
                    self.expr(expr);
                    aliases.extend(names.iter().map(norm));
                }
                SelectItem::QualifiedWildcard(kind, _) => match kind {
                    SelectItemQualifiedWildcardKind::ObjectName(name) => {
                        self.qualified_wildcard(name)
                    }
                    SelectItemQualifiedWildcardKind::Expr(e) => self.expr(e),
                },
                SelectItem::Wildcard(_) => {}
            }
        }
        if let Some(selection) = &s.selection {
            self.expr(selection);
        }
        if let Some(top) = self.scopes.last_mut() {
            top.aliases = aliases;
            top.aliases_active = true;
        }
        if let Some(Distinct::On(exprs)) = &s.distinct {
            for e in exprs {
                self.expr(e);
            }
        }
        match &s.group_by {
            GroupByExpr::Expressions(exprs, _) => {
                for e in exprs {
                    self.expr(e);
                }
            }
            GroupByExpr::All(_) => {}
        }
        if let Some(having) = &s.having {
            self.expr(having);
        }
        for w in &s.named_window {
            self.children(w, 0);
        }
        if let Some(q) = &s.qualify {
            self.expr(q);
        }
        if let Some(ob) = order_by {
            self.children(ob, 0);
        }
        self.scopes.pop();
    }

    fn add_rel(&mut self, name: String, schema: Option<String>, cols: Cols<'a>) {
        self.add_rel_of(name, schema, cols, None);
    }

    fn add_rel_of(
        &mut self,
        name: String,
        schema: Option<String>,
        cols: Cols<'a>,
        target: Option<Target>,
    ) {
        if let Some(top) = self.scopes.last_mut() {
            top.rels.push(Rel {
                name,
                schema,
                cols,
                target,
            });
        }
    }

    fn table_with_joins(&mut self, twj: &TableWithJoins) {
        self.table_factor(&twj.relation);
        for join in &twj.joins {
            self.table_factor(&join.relation);
            if let Some(JoinConstraint::On(e)) = join_constraint(&join.join_operator) {
                self.expr(e);
            }
        }
    }

    /// Adds a function-like FROM item (`f(args) [AS] alias[(cols)]`).
    fn add_function_item(&mut self, fname: &ObjectName, alias: Option<&TableAlias>) {
        let default_name = schema_and_name(fname).map(|(_, n)| n).unwrap_or_default();
        let name = alias.map(|a| norm(&a.name)).unwrap_or(default_name);
        let cols = alias_columns(alias, None);
        self.add_rel(name, None, cols);
    }

    fn table_factor(&mut self, tf: &TableFactor) {
        match tf {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                if let Some(args) = args {
                    self.record_function(name);
                    for arg in &args.args {
                        self.function_arg(arg);
                    }
                    self.add_function_item(name, alias.as_ref());
                    return;
                }
                let Some((schema, tname)) = schema_and_name(name) else {
                    self.add_rel(String::new(), None, Cols::Opaque);
                    return;
                };
                let cte = if schema.is_none() {
                    self.find_cte(&tname)
                } else {
                    None
                };
                let is_cte = cte.is_some();
                let base_cols = match cte {
                    Some(cols) => cols,
                    None => {
                        self.relations.insert((schema.clone(), tname.clone()));
                        match self.catalog.relation(schema.as_deref(), &tname) {
                            RelationLookup::Unknown => {
                                let ids = object_idents(name);
                                let at = self.idents_span(&ids);
                                self.problem(
                                    ProblemKind::UnknownRelation { name: dotted(&ids) },
                                    at,
                                );
                                Cols::Opaque
                            }
                            RelationLookup::Opaque => Cols::Opaque,
                            RelationLookup::Columns(c) => Cols::List(c),
                        }
                    }
                };
                let target = (!is_cte).then(|| Target::Relation(schema.clone(), tname.clone()));
                if self.collect
                    && target.is_some()
                    && let Some(last) = object_idents(name).last()
                {
                    self.record(target.clone(), None, last);
                }
                match alias {
                    Some(a) => {
                        let cols = match base_cols {
                            Cols::List(c) => alias_columns(Some(a), Some(c)),
                            Cols::Opaque => Cols::Opaque,
                        };
                        self.add_rel_of(norm(&a.name), None, cols, target);
                    }
                    None => self.add_rel_of(tname, schema, base_cols, target),
                }
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                self.query(subquery);
                let cols = alias_columns(alias.as_ref(), output_names(subquery).map(Cow::Owned));
                let name = alias.as_ref().map(|a| norm(&a.name)).unwrap_or_default();
                self.add_rel(name, None, cols);
            }
            TableFactor::TableFunction { expr, alias } => {
                self.expr(expr);
                let name = alias.as_ref().map(|a| norm(&a.name)).unwrap_or_default();
                self.add_rel(name, None, alias_columns(alias.as_ref(), None));
            }
            TableFactor::Function {
                name, args, alias, ..
            } => {
                self.record_function(name);
                for arg in args {
                    self.function_arg(arg);
                }
                self.add_function_item(name, alias.as_ref());
            }
            TableFactor::UNNEST {
                alias, array_exprs, ..
            } => {
                for e in array_exprs {
                    self.expr(e);
                }
                let name = alias
                    .as_ref()
                    .map(|a| norm(&a.name))
                    .unwrap_or_else(|| "unnest".to_string());
                self.add_rel(name, None, alias_columns(alias.as_ref(), None));
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                self.table_with_joins(table_with_joins);
                if let Some(a) = alias {
                    self.add_rel(norm(&a.name), None, Cols::Opaque);
                }
            }
            _ => {
                // Other dialects' FROM items: analyse what we can, accept anything.
                self.children(tf, 0);
                self.add_rel(String::new(), None, Cols::Opaque);
            }
        }
    }
}

fn join_constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c)
        | JoinOperator::Semi(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::Anti(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::RightAnti(c)
        | JoinOperator::StraightJoin(c) => Some(c),
        JoinOperator::AsOf { constraint, .. } => Some(constraint),
        _ => None,
    }
}

/// Columns of an item given its alias and (if derivable) its own column
/// names: alias columns rename the leading columns, as in PostgreSQL.
/// Without derivable names, an alias column list is taken as complete.
fn alias_columns<'c>(alias: Option<&TableAlias>, own: Option<Cow<'c, [String]>>) -> Cols<'c> {
    let renamed: Vec<String> = alias
        .map(|a| a.columns.iter().map(|c| norm(&c.name)).collect())
        .unwrap_or_default();
    match own {
        Some(own) if renamed.is_empty() => Cols::List(own),
        Some(own) => {
            let mut cols = renamed.clone();
            cols.extend(own.iter().skip(renamed.len()).cloned());
            Cols::List(Cow::Owned(cols))
        }
        None if !renamed.is_empty() => Cols::List(Cow::Owned(renamed)),
        None => Cols::Opaque,
    }
}

/// Output column names of a query, when they can be derived syntactically
/// with certainty (PostgreSQL's rules for the common cases).
fn output_names(q: &Query) -> Option<Vec<String>> {
    let mut body = q.body.as_ref();
    loop {
        match body {
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(inner) => body = inner.body.as_ref(),
            SetExpr::Select(select) => {
                return select
                    .projection
                    .iter()
                    .map(|item| match item {
                        SelectItem::UnnamedExpr(e) => expr_name(e),
                        SelectItem::ExprWithAlias { alias, .. } => Some(norm(alias)),
                        _ => None,
                    })
                    .collect();
            }
            _ => return None,
        }
    }
}

fn expr_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(id) => Some(norm(id)),
        Expr::CompoundIdentifier(ids) => ids.last().map(norm),
        Expr::Function(f) => object_idents(&f.name).last().map(|i| norm(i)),
        Expr::Nested(inner) => expr_name(inner),
        Expr::Cast { expr, .. } => expr_name(expr),
        Expr::Value(_) | Expr::BinaryOp { .. } => Some("?column?".to_string()),
        Expr::Case { .. } => Some("case".to_string()),
        _ => None,
    }
}

/// Visits a node and hands each *direct* child expression / query to the
/// analyser (which handles their own children with proper scoping); deeper
/// nodes reached by the generic traversal are ignored.
struct ChildVisitor<'v, 'a> {
    an: &'v mut Analyzer<'a>,
    base: usize,
    expr_depth: usize,
    query_depth: usize,
}

impl Visitor for ChildVisitor<'_, '_> {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.query_depth == 0 && self.expr_depth == self.base {
            self.an.expr(e);
        }
        self.expr_depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, _e: &Expr) -> ControlFlow<()> {
        self.expr_depth = self.expr_depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if self.query_depth == 0 && self.expr_depth == self.base {
            self.an.query(q);
        }
        self.query_depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.query_depth = self.query_depth.saturating_sub(1);
        ControlFlow::Continue(())
    }
}
