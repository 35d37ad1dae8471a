//! Fragment facts: policy, index and default SQL, analysed on sqlparser's AST (never by matching
//! text).
//!
//! Input: trees of the model's fragments. Output: [`Facts`], everything the lint rules need to
//! know about a fragment, computed once from its tree (by validation, which parses every
//! fragment, so no tree outlives validation and no rule parses SQL); underneath,
//! the facts rules need: function calls and whether each is wrapped in a scalar subquery
//! ([`calls`]), reads of `user_metadata` from the JWT ([`user_metadata_reads`]), and constant
//! truth values ([`const_bool`]), the column-to-identity comparisons of a policy
//! ([`comparisons`]), and where a fragment has subqueries ([`subqueries`]). Invariants: positions are byte ranges of the fragment
//! ([`FragSpan`]), mapped into the YAML with `load::yaml::fragment_span`; nothing here panics on any tree.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArguments, ObjectName, Query, SelectItem, SetExpr, Spanned, UnaryOperator, Value,
    Visit, Visitor,
};

use super::{FragSpan, span_to_frag};

/// What a fragment is used as, which decides the facts worth computing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// A policy's USING or WITH CHECK.
    Policy,
    /// An index key expression or predicate.
    Index,
    /// A column default.
    Default,
}

/// What the rules know about one fragment (the facts of its [`Role`]; the others stay empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Policy: every function call ([`calls`]).
    pub calls: Vec<Call>,
    /// Policy: where it reads `user_metadata` from the JWT ([`user_metadata_reads`]).
    pub user_metadata: Vec<Option<FragSpan>>,
    /// Policy: its constant truth value ([`const_bool`]).
    pub const_bool: Option<bool>,
    /// Policy: the comparisons of a column with something else ([`comparisons`]).
    pub comparisons: Vec<Comparison>,
    /// Index: the expression as the parser prints it, lower-cased (how two index expressions
    /// compare).
    pub normalised: Option<String>,
    /// Default: the string literal under any casts and parentheses.
    pub literal: Option<String>,
}

impl Facts {
    /// The facts of a parsed fragment used as `role`.
    pub fn of(role: Role, expr: &Expr, text: &str) -> Facts {
        match role {
            Role::Policy => Facts {
                calls: calls(expr, text),
                user_metadata: user_metadata_reads(expr, text),
                const_bool: const_bool(expr),
                comparisons: comparisons(expr, text),
                ..Facts::default()
            },
            Role::Index => Facts {
                normalised: Some(expr.to_string().to_lowercase()),
                ..Facts::default()
            },
            Role::Default => Facts {
                literal: string_literal(expr).map(str::to_string),
                ..Facts::default()
            },
        }
    }
}

/// One comparison in a policy expression (outside subqueries): `column = <other>`,
/// `<other> = column`, `column = any(<other>)`, `column in (<other>, …)` or
/// `column in (select …)`, where the column side is a (possibly qualified) name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The name's parts, folded as PostgreSQL folds them (`["notes", "user_id"]`).
    pub column: Vec<String>,
    /// The folded names of every function called on the other side, subqueries included.
    pub other_calls: Vec<String>,
    /// The whole comparison.
    pub at: Option<FragSpan>,
}

fn fold(i: &sqlparser::ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// The folded parts of a name, under any parentheses.
fn name_parts(e: &Expr) -> Option<Vec<String>> {
    match e {
        Expr::Nested(x) => name_parts(x),
        Expr::Identifier(i) => Some(vec![fold(i)]),
        // A compound name has at least two parts (`t.c`), never one.
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            Some(parts.iter().map(fold).collect())
        }
        _ => None,
    }
}

/// The folded names of every function `node` calls (subqueries included).
fn function_names<V: Visit>(node: &V, out: &mut Vec<String>) {
    let _ = sqlparser::ast::visit_expressions(node, |e| {
        if let Expr::Function(f) = e {
            out.push(object_name(&f.name));
        }
        ControlFlow::<()>::Continue(())
    });
}

struct Comparisons<'a> {
    text: &'a str,
    /// Depth of subqueries: comparisons inside one are about other tables.
    depth: usize,
    found: Vec<Comparison>,
}

impl Comparisons<'_> {
    fn pair(&mut self, col: &Expr, other_calls: Vec<String>, whole: &Expr) {
        if let Some(column) = name_parts(col) {
            self.found.push(Comparison {
                column,
                other_calls,
                at: span_to_frag(self.text, whole.span()),
            });
        }
    }
}

impl Visitor for Comparisons<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        let names = |node: &Expr| {
            let mut v = Vec::new();
            function_names(node, &mut v);
            v
        };
        match e {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                self.pair(left, names(right), e);
                self.pair(right, names(left), e);
            }
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => self.pair(left, names(right), e),
            Expr::InList {
                expr,
                list,
                negated: false,
            } => {
                let mut v = Vec::new();
                for x in list {
                    function_names(x, &mut v);
                }
                self.pair(expr, v, e);
            }
            Expr::InSubquery {
                expr,
                subquery,
                negated: false,
            } => {
                let mut v = Vec::new();
                function_names(subquery.as_ref(), &mut v);
                self.pair(expr, v, e);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// The comparisons of a name with something else in `expr`, outside subqueries, in the order
/// of a pre-order walk (for `a = b`, `a` with `b` first, then `b` with `a`).
pub fn comparisons(expr: &Expr, text: &str) -> Vec<Comparison> {
    let mut v = Comparisons {
        text,
        depth: 0,
        found: Vec::new(),
    };
    let _ = expr.visit(&mut v);
    v.found
}

/// The parts of a name as PostgreSQL folds them: unquoted parts lower-cased.
pub fn object_name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p.as_ident() {
            Some(i) => fold(i),
            None => p.to_string(),
        })
        .collect()
}

/// A name as PostgreSQL folds it: unquoted parts lower-cased, joined with `.`.
pub fn object_name(name: &ObjectName) -> String {
    object_name_parts(name).join(".")
}

/// One function call in an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The folded, dotted name as written (`auth.uid`, `current_setting`).
    pub name: String,
    /// Where the call is in the fragment.
    pub at: Option<FragSpan>,
    /// Whether the call is inside an uncorrelated scalar subquery without FROM
    /// (`(select auth.uid())`, `(select current_setting('app.user_id', true)::uuid)`), which
    /// PostgreSQL evaluates once per statement as an InitPlan instead of once per row.
    pub wrapped: bool,
    /// The first argument when it is a string literal (`current_setting('request.jwt.claims')`).
    pub first_string_arg: Option<String>,
    /// Whether the call (under any casts and parentheses) is the whole projection of the
    /// innermost subquery around it (`exists (select auth.uid() …)`): wrapping it again would
    /// write `(select (select …))`.
    pub projected: bool,
}

struct CallVisitor<'t> {
    text: &'t str,
    /// For each enclosing expression: whether it is an uncorrelated scalar subquery without FROM.
    stack: Vec<bool>,
    /// For each enclosing query: whether it is a set subquery PostgreSQL runs once per statement
    /// ([`once_per_statement_set`]).
    query_stack: Vec<bool>,
    /// For each enclosing query: its sole projection and the expressions under its casts and
    /// parentheses (compared by address, never dereferenced).
    projections: Vec<Vec<*const Expr>>,
    /// The set subqueries met so far that run once per statement.
    once_sets: Vec<*const Query>,
    calls: Vec<Call>,
}

/// Whether `e` is `(select <expr>)` with no FROM, WHERE or HAVING and no column reference in
/// `<expr>`: a subquery PostgreSQL runs once per statement (an InitPlan).
fn is_initplan_subquery(e: &Expr) -> bool {
    match e {
        Expr::Subquery(q) => runs_once(q),
        _ => false,
    }
}

/// The uncorrelated subquery of `x in (select …)`, `x = any (select …)` or `x = all (select …)`,
/// when it is `select <expr>` without FROM, WHERE or HAVING reading no column: PostgreSQL runs it
/// once per statement as a (hashed) subplan, and it may return several rows, so wrapping its
/// calls again in `(select …)` would fail at run time.
fn once_per_statement_set(e: &Expr) -> Option<&Query> {
    match e {
        Expr::InSubquery { subquery, .. } if runs_once(subquery) => Some(subquery),
        Expr::AnyOp { right, .. } | Expr::AllOp { right, .. } => match right.as_ref() {
            Expr::Subquery(q) if runs_once(q) => Some(q),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `q` is `select <expr>` with no FROM, WHERE, HAVING, CTE, ORDER BY or LIMIT and no
/// column reference in `<expr>`.
fn runs_once(q: &Query) -> bool {
    if q.with.is_some() || q.order_by.is_some() || q.limit_clause.is_some() {
        return false;
    }
    let SetExpr::Select(s) = q.body.as_ref() else {
        return false;
    };
    if !s.from.is_empty() || s.selection.is_some() || s.having.is_some() {
        return false;
    }
    match s.projection.as_slice() {
        [SelectItem::UnnamedExpr(x)] | [SelectItem::ExprWithAlias { expr: x, .. }] => {
            let mut correlated = false;
            let _ = sqlparser::ast::visit_expressions(x, |inner| {
                if matches!(inner, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
                    correlated = true;
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
            !correlated
        }
        _ => false,
    }
}

/// The expression a subquery projects, when it projects exactly one.
fn sole_projection(q: &Query) -> Option<&Expr> {
    let SetExpr::Select(s) = q.body.as_ref() else {
        return None;
    };
    match s.projection.as_slice() {
        [SelectItem::UnnamedExpr(x)] | [SelectItem::ExprWithAlias { expr: x, .. }] => Some(x),
        _ => None,
    }
}

fn first_string_arg(f: &Function) -> Option<String> {
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.first() {
        Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))) => match &v.value {
            Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

impl Visitor for CallVisitor<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let once = self.once_sets.iter().any(|q| std::ptr::eq(*q, query));
        self.query_stack.push(once);
        let mut projected = Vec::new();
        let mut x = sole_projection(query);
        while let Some(e) = x {
            projected.push(e as *const Expr);
            x = match e {
                Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => Some(inner),
                _ => None,
            };
        }
        self.projections.push(projected);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.query_stack.pop();
        self.projections.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr {
            let wrapped = self.stack.iter().any(|initplan| *initplan)
                || self.query_stack.iter().any(|once| *once);
            let projected = self
                .projections
                .last()
                .is_some_and(|p| p.iter().any(|x| std::ptr::eq(*x, expr)));
            self.calls.push(Call {
                name: object_name(&f.name),
                at: span_to_frag(self.text, expr.span()),
                wrapped,
                first_string_arg: first_string_arg(f),
                projected,
            });
        }
        if let Some(q) = once_per_statement_set(expr) {
            self.once_sets.push(q as *const Query);
        }
        self.stack.push(is_initplan_subquery(expr));
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, _expr: &Expr) -> ControlFlow<()> {
        self.stack.pop();
        ControlFlow::Continue(())
    }
}

/// Every function call in `expr` (subqueries included), in source order of discovery.
pub fn calls(expr: &Expr, text: &str) -> Vec<Call> {
    let mut v = CallVisitor {
        text,
        stack: Vec::new(),
        query_stack: Vec::new(),
        projections: Vec::new(),
        once_sets: Vec::new(),
        calls: Vec::new(),
    };
    let _ = expr.visit(&mut v);
    v.calls
}

fn is_jwt_source(c: &Call) -> bool {
    c.name == "auth.jwt"
        || ((c.name == "current_setting" || c.name == "pg_catalog.current_setting")
            && c.first_string_arg
                .as_deref()
                .is_some_and(|a| a.starts_with("request.jwt.claim")))
}

fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Some(s),
            _ => None,
        },
        Expr::Nested(x) => string_literal(x),
        Expr::Cast { expr, .. } => string_literal(expr),
        _ => None,
    }
}

struct MetadataVisitor<'t> {
    text: &'t str,
    found: Vec<Option<FragSpan>>,
}

impl Visitor for MetadataVisitor<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::BinaryOp { left, op, right } = expr {
            let key = string_literal(right).map(str::trim);
            let reads = match op {
                BinaryOperator::Arrow | BinaryOperator::LongArrow => key == Some("user_metadata"),
                BinaryOperator::HashArrow | BinaryOperator::HashLongArrow => key.is_some_and(|k| {
                    k.trim_start_matches('{')
                        .split(',')
                        .next()
                        .is_some_and(|first| first.trim().trim_matches('"') == "user_metadata")
                }),
                _ => false,
            };
            if reads && calls(left, self.text).iter().any(is_jwt_source) {
                self.found.push(span_to_frag(self.text, expr.span()));
            }
        }
        ControlFlow::Continue(())
    }
}

/// Where `expr` contains a subquery (`(select …)`, `exists (…)`, `in (select …)`,
/// `array(select …)`, `any (select …)`): the outermost ones, by their query's span.
pub fn subqueries(expr: &Expr, text: &str) -> Vec<Option<FragSpan>> {
    struct V<'t> {
        text: &'t str,
        depth: usize,
        found: Vec<Option<FragSpan>>,
    }
    impl Visitor for V<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            if self.depth == 0 {
                let at = span_to_frag(self.text, q.span()).map(|at| FragSpan {
                    len: in_parentheses(self.text, at.start).unwrap_or(at.len),
                    ..at
                });
                self.found.push(at);
            }
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.depth = self.depth.saturating_sub(1);
            ControlFlow::Continue(())
        }
    }
    let mut v = V {
        text,
        depth: 0,
        found: Vec::new(),
    };
    let _ = expr.visit(&mut v);
    v.found
}

/// The length from `start` to the parenthesis that closes the one `start` is in (a subquery in
/// an expression is always parenthesised; sqlparser's span of a query can stop early, before a
/// call's `()`), skipping string literals and quoted names; `None` if there is none.
fn in_parentheses(text: &str, start: usize) -> Option<usize> {
    let rest = text.get(start..)?;
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, ch) in rest.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => return Some(rest.get(..i)?.trim_end().len()),
            (None, ')') => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Places where `expr` reads `user_metadata` from `auth.jwt()` or `request.jwt.claims`.
pub fn user_metadata_reads(expr: &Expr, text: &str) -> Vec<Option<FragSpan>> {
    let mut v = MetadataVisitor {
        text,
        found: Vec::new(),
    };
    let _ = expr.visit(&mut v);
    v.found
}

fn literal(e: &Expr) -> Option<Lit> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<f64>().ok().map(Lit::Num),
            Value::SingleQuotedString(s) => Some(Lit::Str(s.clone())),
            Value::Boolean(b) => Some(Lit::Bool(*b)),
            _ => None,
        },
        Expr::Nested(x) => literal(x),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match literal(expr) {
            Some(Lit::Num(n)) => Some(Lit::Num(-n)),
            _ => None,
        },
        _ => const_bool(e).map(Lit::Bool),
    }
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Lit {
    Num(f64),
    Str(String),
    Bool(bool),
}

/// The value of a boolean expression made only of constants (`true`, `1 = 1`, `not false`,
/// `'a' = 'a' or x`), or `None` when it depends on anything else.
pub fn const_bool(e: &Expr) -> Option<bool> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Boolean(b) => Some(*b),
            _ => None,
        },
        Expr::Nested(x) => const_bool(x),
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        } => const_bool(expr).map(|b| !b),
        Expr::IsTrue(x) | Expr::IsNotFalse(x) => const_bool(x),
        Expr::IsFalse(x) | Expr::IsNotTrue(x) => const_bool(x).map(|b| !b),
        Expr::Cast {
            kind: CastKind::DoubleColon | CastKind::Cast,
            expr,
            data_type: DataType::Boolean | DataType::Bool,
            ..
        } => const_bool(expr).or_else(|| match string_literal(expr)? {
            "true" | "t" | "yes" | "on" | "1" => Some(true),
            "false" | "f" | "no" | "off" | "0" => Some(false),
            _ => None,
        }),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::And => match (const_bool(left), const_bool(right)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            BinaryOperator::Or => match (const_bool(left), const_bool(right)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq => {
                let (l, r) = (literal(left)?, literal(right)?);
                if std::mem::discriminant(&l) != std::mem::discriminant(&r) {
                    return None;
                }
                let ord = l.partial_cmp(&r)?;
                Some(match op {
                    BinaryOperator::Eq => ord.is_eq(),
                    BinaryOperator::NotEq => !ord.is_eq(),
                    BinaryOperator::Lt => ord.is_lt(),
                    BinaryOperator::LtEq => ord.is_le(),
                    BinaryOperator::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                })
            }
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlfrag::parse_expr;

    fn wrapped(text: &str) -> Vec<(String, bool)> {
        let e = parse_expr(text).unwrap();
        calls(&e, text)
            .into_iter()
            .map(|c| (c.name, c.wrapped))
            .collect()
    }

    #[test]
    fn wrapping_means_an_initplan() {
        assert_eq!(
            wrapped("(select auth.uid()) = user_id"),
            [("auth.uid".to_string(), true)]
        );
        assert_eq!(
            wrapped("auth.uid() = user_id"),
            [("auth.uid".to_string(), false)]
        );
        // Anything inside an uncorrelated `(select …)` runs once per statement.
        assert_eq!(
            wrapped("(select lower(auth.email())) = email"),
            [
                ("lower".to_string(), true),
                ("auth.email".to_string(), true)
            ]
        );
        assert_eq!(
            wrapped("(select current_setting('app.user_id', true)::uuid) = user_id"),
            [("current_setting".to_string(), true)]
        );
        // A subquery with FROM is evaluated per row when correlated: not a wrapper.
        assert_eq!(
            wrapped("(select auth.uid() from t) = user_id"),
            [("auth.uid".to_string(), false)]
        );
        // A subquery that reads a column of the row is correlated: per row again.
        assert_eq!(
            wrapped("(select auth.uid() = user_id)"),
            [("auth.uid".to_string(), false)]
        );
        assert_eq!(
            wrapped("user_id = (select auth.uid() as uid)"),
            [("auth.uid".to_string(), true)]
        );
    }

    #[test]
    fn constants_fold() {
        for (t, v) in [
            ("true", Some(true)),
            ("1 = 1", Some(true)),
            ("(1=1)", Some(true)),
            ("not false", Some(true)),
            ("'a' = 'a' or x", Some(true)),
            ("'true'::boolean", Some(true)),
            ("1 = 2", Some(false)),
            ("x = 1", None),
            ("auth.uid() is not null", None),
        ] {
            assert_eq!(const_bool(&parse_expr(t).unwrap()), v, "{t}");
        }
    }

    #[test]
    fn user_metadata_is_found_on_the_ast() {
        for t in [
            "(auth.jwt() -> 'user_metadata' ->> 'role') = 'admin'",
            "((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'admin'",
            "(current_setting('request.jwt.claims', true)::jsonb -> 'user_metadata') is not null",
            "(auth.jwt() #>> '{user_metadata,role}') = 'admin'",
        ] {
            let e = parse_expr(t).unwrap();
            assert_eq!(user_metadata_reads(&e, t).len(), 1, "{t}");
        }
        for t in [
            "(auth.jwt() -> 'app_metadata' ->> 'role') = 'admin'",
            "(data -> 'user_metadata') is not null",
            "'user_metadata' = 'x'",
        ] {
            let e = parse_expr(t).unwrap();
            assert!(user_metadata_reads(&e, t).is_empty(), "{t}");
        }
    }
}
