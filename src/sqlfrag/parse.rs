//! Parsing of SQL fragments with PostgreSQL's dialect.
//!
//! Input: fragment text (an expression, or a query for view bodies).
//! Output: a sqlparser `Expr` / `Query`, or a [`SyntaxError`] carrying the
//! message and, when known, the byte range of the offending token.
//! Invariants:
//! - The whole text must be consumed (only one trailing `;` allowed for
//!   queries); anything left over is a syntax error pointing at it.
//! - Fragments over 4 KiB are parsed on a helper thread with a large stack
//!   (long operator chains build very deep trees); shorter ones on the
//!   caller's thread, since sqlparser's parser caps its own recursion (50 levels of
//!   nested sub-expressions; its `recursive-protection` feature, which grows the stack on
//!   every parse and visit call, is off because it cost ~5% of a whole lint run). The
//!   returned trees are checked to be at most
//!   [`MAX_EXPR_DEPTH`] expressions / [`MAX_NEST_DEPTH`] queries deep, so callers
//!   can analyse, clone and drop them on an ordinary stack. Over-deep trees are
//!   dropped on the helper thread and reported as syntax errors.
//! - Texts longer than [`MAX_FRAGMENT_BYTES`] are rejected up front.
//! - Expressions are first offered to [`super::fastexpr`], a hand-written parser for the common
//!   subset that builds the very tree sqlparser would (spans included) or declines; everything it
//!   declines, and every error, comes from sqlparser (and everything, when [`crate::fast_paths`]
//!   turns the fast path off).

use super::span::{span_to_frag, split_error_location};
use super::{FragSpan, SyntaxError};
use sqlparser::ast::{Expr, Query, SetExpr, TableFactor, Visit, Visitor};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Token, Tokenizer, Whitespace};
use std::ops::ControlFlow;

/// Largest fragment accepted, in bytes.
pub const MAX_FRAGMENT_BYTES: usize = 256 * 1024;
/// Deepest expression nesting accepted in a parsed fragment.
pub const MAX_EXPR_DEPTH: usize = 200;
/// Deepest query / set-operation / FROM-item nesting accepted.
pub const MAX_NEST_DEPTH: usize = 64;
/// Fragments up to this size are parsed on the caller's thread.
const INLINE_FRAGMENT_BYTES: usize = 4 * 1024;
/// Stack for the parser thread (address space only; pages are touched lazily).
const PARSER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Parse one expression; the whole text must be consumed.
pub fn parse_expr(text: &str) -> Result<Expr, SyntaxError> {
    run_big_stack(text, |t| {
        if crate::fast_paths::enabled()
            && let Some(expr) = super::fastexpr::parse(t)
        {
            check_depth(&expr, t.len())?;
            check_comment_end(t)?;
            return Ok(expr);
        }
        let dialect = PostgreSqlDialect {};
        let mut parser = new_parser(&dialect, t)?;
        let expr = parser.parse_expr().map_err(|e| convert_error(t, &e))?;
        expect_end(&mut parser, t, false)?;
        check_depth(&expr, t.len())?;
        check_comment_end(t)?;
        Ok(expr)
    })
}

/// Parse one query (SELECT / WITH / VALUES / TABLE); the whole text must be
/// consumed (a single trailing semicolon is allowed).
pub fn parse_query(text: &str) -> Result<Box<Query>, SyntaxError> {
    run_big_stack(text, |t| {
        let dialect = PostgreSqlDialect {};
        let mut parser = new_parser(&dialect, t)?;
        let start = parser.peek_token().span;
        let query = parser.parse_query().map_err(|e| convert_error(t, &e))?;
        expect_end(&mut parser, t, true)?;
        if !is_read_only_body(&query.body) {
            return Err(SyntaxError {
                message: "expected a SELECT query".to_string(),
                at: span_to_frag(t, start),
            });
        }
        check_depth(&*query, t.len())?;
        check_comment_end(t)?;
        Ok(query)
    })
}

/// Parse one or more SQL statements separated by `;` (a job's command, which is kept as a
/// literal and run by pg_cron); returns how many there are. Empty text, or only `;`, is an
/// error.
pub fn parse_statements(text: &str) -> Result<usize, SyntaxError> {
    run_big_stack(text, |t| {
        let dialect = PostgreSqlDialect {};
        let mut parser = new_parser(&dialect, t)?;
        let statements = parser
            .parse_statements()
            .map_err(|e| convert_error(t, &e))?;
        if statements.is_empty() {
            return Err(SyntaxError {
                message: "expected at least one SQL statement".to_string(),
                at: None,
            });
        }
        for s in &statements {
            check_depth(s, t.len())?;
        }
        Ok(statements.len())
    })
}

fn is_read_only_body(body: &SetExpr) -> bool {
    match body {
        SetExpr::Select(_) | SetExpr::Values(_) | SetExpr::Table(_) => true,
        SetExpr::Query(q) => is_read_only_body(&q.body),
        SetExpr::SetOperation { left, right, .. } => {
            is_read_only_body(left) && is_read_only_body(right)
        }
        SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => false,
    }
}

/// Runs `f` after the size check.
fn run_big_stack<T: Send>(
    text: &str,
    f: impl Fn(&str) -> Result<T, SyntaxError> + Sync,
) -> Result<T, SyntaxError> {
    if text.len() > MAX_FRAGMENT_BYTES {
        return Err(SyntaxError {
            message: format!(
                "SQL fragment is too long ({} bytes, limit {MAX_FRAGMENT_BYTES})",
                text.len()
            ),
            at: None,
        });
    }
    // Short fragments (all real ones) parse on the caller's thread: sqlparser's parser caps
    // its recursion (`RecursionLimitExceeded` past 50 levels), and a tree built from a few KiB
    // is shallow enough to analyse and drop on any stack. Only long texts, which can build
    // very deep left-leaning operator chains, go to a helper thread with a large stack.
    if text.len() <= INLINE_FRAGMENT_BYTES {
        return f(text);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("sqlfrag-parse".to_string())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, move || f(text));
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(SyntaxError {
                    message: "internal error while parsing SQL fragment".to_string(),
                    at: None,
                })
            }),
            Err(_) => f(text),
        }
    })
}

fn new_parser<'a>(dialect: &'a PostgreSqlDialect, text: &str) -> Result<Parser<'a>, SyntaxError> {
    Parser::new(dialect)
        .try_with_sql(text)
        .map_err(|e| convert_error(text, &e))
}

/// A fragment is copied into a statement with SQL after it on the same line (`)`, `NOT NULL`,
/// the closing `;`): a `--` comment at its end (before a trailing `;` of a query) would comment
/// that out, so it is an error. Only texts holding `--` are tokenized again.
fn check_comment_end(text: &str) -> Result<(), SyntaxError> {
    if !text.contains("--") {
        return Ok(());
    }
    let dialect = PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, text).tokenize_with_location() else {
        return Ok(());
    };
    let mut semicolon = false;
    for t in tokens.iter().rev() {
        match &t.token {
            Token::EOF
            | Token::Whitespace(Whitespace::Space | Whitespace::Newline | Whitespace::Tab) => {}
            Token::SemiColon if !semicolon => semicolon = true,
            Token::Whitespace(Whitespace::SingleLineComment { .. }) => {
                return Err(SyntaxError {
                    message: "the text ends with a `--` comment, which would comment out the SQL written after it".to_string(),
                    at: span_to_frag(text, t.span),
                });
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// Requires end of input, optionally after one `;`.
fn expect_end(
    parser: &mut Parser<'_>,
    text: &str,
    allow_semicolon: bool,
) -> Result<(), SyntaxError> {
    if allow_semicolon {
        let _ = parser.consume_token(&Token::SemiColon);
    }
    let next = parser.peek_token();
    if next.token == Token::EOF {
        return Ok(());
    }
    Err(SyntaxError {
        message: format!("unexpected trailing input starting at `{}`", next.token),
        at: span_to_frag(text, next.span),
    })
}

/// Converts a sqlparser error, recovering the position from the message.
fn convert_error(text: &str, err: &ParserError) -> SyntaxError {
    let raw = match err {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.clone(),
        ParserError::RecursionLimitExceeded => {
            return SyntaxError {
                message: "SQL fragment is nested too deeply".to_string(),
                at: None,
            };
        }
    };
    let (message, loc) = split_error_location(&raw);
    let at = match loc {
        Some(l) => token_at(text, l),
        // sqlparser gives no location when it hits the end of input
        None if message.ends_with("found: EOF") => Some(FragSpan {
            start: text.len(),
            len: 0,
        }),
        None => None,
    };
    SyntaxError { message, at }
}

/// The byte range of the token starting at `loc` (or an empty range there).
fn token_at(text: &str, loc: Location) -> Option<FragSpan> {
    let start = super::span::location_to_offset(text, loc)?;
    let dialect = PostgreSqlDialect {};
    if let Ok(tokens) = Tokenizer::new(&dialect, text).tokenize_with_location() {
        for tok in tokens {
            if tok.span.start == loc
                && let Some(fs) = span_to_frag(text, tok.span)
            {
                return Some(fs);
            }
        }
    }
    Some(FragSpan { start, len: 0 })
}

struct DepthCheck {
    expr_depth: usize,
    nest_depth: usize,
}

impl Visitor for DepthCheck {
    type Break = ();

    fn pre_visit_expr(&mut self, _expr: &Expr) -> ControlFlow<()> {
        self.expr_depth += 1;
        if self.expr_depth > MAX_EXPR_DEPTH {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, _expr: &Expr) -> ControlFlow<()> {
        self.expr_depth = self.expr_depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        self.nest_depth += 1;
        if self.nest_depth > MAX_NEST_DEPTH || set_expr_too_deep(&query.body, self.nest_depth) {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.nest_depth = self.nest_depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, _tf: &TableFactor) -> ControlFlow<()> {
        self.nest_depth += 1;
        if self.nest_depth > MAX_NEST_DEPTH {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, _tf: &TableFactor) -> ControlFlow<()> {
        self.nest_depth = self.nest_depth.saturating_sub(1);
        ControlFlow::Continue(())
    }
}

/// Bounded-recursion check of a set-operation tree's depth.
fn set_expr_too_deep(body: &SetExpr, depth: usize) -> bool {
    if depth > MAX_NEST_DEPTH {
        return true;
    }
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            set_expr_too_deep(left, depth + 1) || set_expr_too_deep(right, depth + 1)
        }
        _ => false,
    }
}

fn check_depth<T: Visit + std::fmt::Debug>(node: &T, text_len: usize) -> Result<(), SyntaxError> {
    let too_deep = || SyntaxError {
        message: "SQL fragment is nested too deeply".to_string(),
        at: None,
    };
    let mut check = DepthCheck {
        expr_depth: 0,
        nest_depth: 0,
    };
    if node.visit(&mut check).is_break() {
        return Err(too_deep());
    }
    // Generic structural bound covering nesting the visitor cannot see
    // (e.g. `int[][][]...` data types): the bracket nesting of the Debug
    // rendering, measured without building the string. Short texts cannot
    // nest deeply enough to matter, and formatting every fragment is costly.
    if text_len <= INLINE_FRAGMENT_BYTES {
        return Ok(());
    }
    let mut meter = NestingMeter::default();
    if std::fmt::write(&mut meter, format_args!("{node:?}")).is_err() {
        return Err(too_deep());
    }
    Ok(())
}

/// `fmt::Write` sink tracking bracket nesting of Rust `Debug` output (outside
/// string and char literals); fails as soon as [`MAX_DEBUG_NESTING`] is exceeded.
#[derive(Default)]
struct NestingMeter {
    depth: usize,
    state: MeterState,
}

#[derive(Default, Clone, Copy)]
enum MeterState {
    #[default]
    Normal,
    Str,
    StrEscape,
    Char,
    CharEscape,
}

/// Deepest bracket nesting of an AST's Debug rendering accepted.
const MAX_DEBUG_NESTING: usize = 1500;

impl std::fmt::Write for NestingMeter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for ch in s.chars() {
            self.state = match (self.state, ch) {
                (MeterState::Normal, '"') => MeterState::Str,
                (MeterState::Normal, '\'') => MeterState::Char,
                (MeterState::Normal, '(' | '[' | '{') => {
                    self.depth += 1;
                    if self.depth > MAX_DEBUG_NESTING {
                        return Err(std::fmt::Error);
                    }
                    MeterState::Normal
                }
                (MeterState::Normal, ')' | ']' | '}') => {
                    self.depth = self.depth.saturating_sub(1);
                    MeterState::Normal
                }
                (MeterState::Normal, _) => MeterState::Normal,
                (MeterState::Str, '\\') => MeterState::StrEscape,
                (MeterState::Str, '"') => MeterState::Normal,
                (MeterState::Str, _) | (MeterState::StrEscape, _) => MeterState::Str,
                (MeterState::Char, '\\') => MeterState::CharEscape,
                (MeterState::Char, '\'') => MeterState::Normal,
                (MeterState::Char, _) | (MeterState::CharEscape, _) => MeterState::Char,
            };
        }
        Ok(())
    }
}
