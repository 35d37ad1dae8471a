//! A fast path for the SQL expressions that schema files are made of.
//!
//! Input: one expression fragment's text (a default, a CHECK, an RLS policy's USING / WITH CHECK,
//! an index predicate). Output: `Some(expr)` equal in every node, identifier, span and attached
//! token to what sqlparser's `Parser::parse_expr` with [`PostgreSqlDialect`] builds for the whole
//! text, or `None` ("not mine"), after which sqlparser parses it.
//! Invariants: this module never reports an error: anything malformed, unusual or not obviously
//! parsed the same way returns `None`, so every message still comes from sqlparser; it reads at
//! most [`MAX_FAST_BYTES`] and nests at most [`MAX_FAST_DEPTH`] levels (fewer than sqlparser's
//! own recursion limit), so it never hits a limit sqlparser would report; the caller still runs
//! its depth check on the result.
//!
//! The subset, read in one pass (tokens first, then recursive descent mirroring sqlparser's
//! `parse_subexpr` / `parse_prefix` / `parse_infix` with its PostgreSQL precedences):
//! - identifiers: unquoted ASCII words other than the keywords in [`NOT_PLAIN`], `"quoted"`
//!   identifiers without `""`, and dotted compounds of them (any word after a `.`);
//! - literals: unsigned decimal numbers (`12`, `1.5`), `'strings'` with `''` but no backslash,
//!   `true`, `false`, `null`;
//! - function calls `f(a, b)` / `schema.f()` with plain positional arguments;
//! - `( expr )`, scalar subqueries `(select …)`, `[not] exists (select …)`;
//! - binary `or and = <> != < <= > >= + - * / % ||`, prefix `not + -`, `is [not] null|true|false`,
//!   `[not] in (list)`, `[not] in (select …)`, `[not] between … and …`, `::type` for a dozen
//!   built-in type names (`FastParser::cast_type`) and non-keyword or quoted type names;
//! - `select item, … [from schema.table [[as] alias], …] [where expr]` inside subqueries (table
//!   names and aliases: non-keywords, quoted, or `public`).
//!
//! Everything else returns `None`: comments, non-ASCII text outside quotes, operators directly
//! followed by another operator character (sqlparser reads those as other tokens), `*`,
//! `case`, `cast(…)`, `like`, `any`, arrays, joins, aliases in a select list, `order by`, set
//! operations, and the keywords of [`NOT_PLAIN`] wherever an identifier is expected. Line and
//! column numbers count lines on `\n` and columns in characters, as sqlparser's tokenizer does, so
//! multi-line texts and non-ASCII inside quotes keep their exact spans.

use std::borrow::Cow;

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, GroupByExpr, Ident, ObjectName, ObjectNamePart, Query,
    Select, SelectFlavor, SelectItem, SetExpr, TableAlias, TableFactor, TableWithJoins,
    TimezoneInfo, UnaryOperator, Value, ValueWithSpan,
};
use sqlparser::keywords::{ALL_KEYWORDS, ALL_KEYWORDS_INDEX, Keyword};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Word};

#[cfg(doc)]
use sqlparser::dialect::PostgreSqlDialect;

/// `None`: the input is outside the fast path's subset; sqlparser takes over.
type Fast<T> = Option<T>;

/// Longest text the fast path reads, in bytes.
pub(super) const MAX_FAST_BYTES: usize = 4 * 1024;

/// Deepest nesting of sub-expressions and queries the fast path follows. sqlparser counts one
/// level per sub-expression and query too (plus a transient one or two for its speculative
/// data-type and table-factor parses) and stops at 50.
const MAX_FAST_DEPTH: usize = 32;

/// sqlparser keywords that the fast path does *not* read as plain identifiers or function names:
/// the words sqlparser's prefix parser gives a meaning of their own (`parse_prefix`,
/// `parse_expr_prefix_by_reserved_word`, `CURRENT_USER` and friends, special function syntax),
/// words that start or end clauses, infix keywords, and words with special argument syntax. Every
/// other keyword is an identifier to sqlparser's expression parser (data-type keywords only read
/// as typed strings when a literal follows, which the subset never accepts), and the random
/// differential tests below use all of them.
const NOT_PLAIN: &[Keyword] = &[
    // literals and prefix operators handled by the fast path itself
    Keyword::TRUE,
    Keyword::FALSE,
    Keyword::NULL,
    Keyword::NOT,
    Keyword::EXISTS,
    // special prefixes in sqlparser
    Keyword::CURRENT_CATALOG,
    Keyword::CURRENT_USER,
    Keyword::SESSION_USER,
    Keyword::USER,
    Keyword::CURRENT_TIMESTAMP,
    Keyword::CURRENT_TIME,
    Keyword::CURRENT_DATE,
    Keyword::LOCALTIME,
    Keyword::LOCALTIMESTAMP,
    Keyword::CASE,
    Keyword::CONVERT,
    Keyword::TRY_CONVERT,
    Keyword::CAST,
    Keyword::TRY_CAST,
    Keyword::SAFE_CAST,
    Keyword::EXTRACT,
    Keyword::CEIL,
    Keyword::FLOOR,
    Keyword::POSITION,
    Keyword::SUBSTR,
    Keyword::SUBSTRING,
    Keyword::OVERLAY,
    Keyword::TRIM,
    Keyword::INTERVAL,
    Keyword::ARRAY,
    Keyword::MATCH,
    Keyword::STRUCT,
    Keyword::PRIOR,
    Keyword::MAP,
    Keyword::LAMBDA,
    Keyword::CIRCLE,
    Keyword::BOX,
    Keyword::PATH,
    Keyword::LINE,
    Keyword::LSEG,
    Keyword::POINT,
    Keyword::POLYGON,
    Keyword::ROW,
    // quantifiers, select modifiers, argument clauses
    Keyword::ANY,
    Keyword::ALL,
    Keyword::SOME,
    Keyword::DISTINCT,
    Keyword::TOP,
    Keyword::UNIQUE,
    Keyword::VALUE,
    Keyword::RETURNING,
    Keyword::ABSENT,
    Keyword::OVER,
    Keyword::FILTER,
    Keyword::WITHIN,
    Keyword::RESPECT,
    Keyword::IGNORE,
    Keyword::ESCAPE,
    Keyword::DEFAULT,
    // clause words
    Keyword::SELECT,
    Keyword::FROM,
    Keyword::WHERE,
    Keyword::AS,
    Keyword::ON,
    Keyword::JOIN,
    Keyword::WITH,
    Keyword::VALUES,
    Keyword::TABLE,
    Keyword::LATERAL,
    Keyword::UNION,
    Keyword::EXCEPT,
    Keyword::INTERSECT,
    Keyword::MINUS,
    Keyword::ORDER,
    Keyword::GROUP,
    Keyword::HAVING,
    Keyword::LIMIT,
    Keyword::OFFSET,
    Keyword::FETCH,
    Keyword::FOR,
    Keyword::WINDOW,
    Keyword::QUALIFY,
    Keyword::INTO,
    Keyword::PREWHERE,
    Keyword::CONNECT,
    Keyword::START,
    Keyword::CLUSTER,
    Keyword::DISTRIBUTE,
    Keyword::SORT,
    Keyword::SETTINGS,
    Keyword::FORMAT,
    // infix words
    Keyword::AND,
    Keyword::OR,
    Keyword::XOR,
    Keyword::IS,
    Keyword::IN,
    Keyword::BETWEEN,
    Keyword::LIKE,
    Keyword::ILIKE,
    Keyword::SIMILAR,
    Keyword::REGEXP,
    Keyword::RLIKE,
    Keyword::GLOB,
    Keyword::MEMBER,
    Keyword::OPERATOR,
    Keyword::DIV,
    Keyword::NOTNULL,
    Keyword::OVERLAPS,
    Keyword::COLLATE,
    Keyword::AT,
    Keyword::UNKNOWN,
];

/// Parse `text` if it lies inside the fast path's subset.
pub(super) fn parse(text: &str) -> Fast<Expr> {
    if text.len() > MAX_FAST_BYTES {
        return None;
    }
    let tokens = tokenize(text)?;
    let mut parser = FastParser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.expr()?;
    match parser.peek() {
        Tk::Eof => Some(expr),
        _ => None,
    }
}

/// A token of the subset.
#[derive(Debug, Clone, PartialEq)]
enum Tk<'a> {
    /// An unquoted word (keyword looked up as sqlparser's tokenizer does) or a quoted identifier.
    Word {
        value: &'a str,
        quoted: bool,
        keyword: Keyword,
    },
    Number(&'a str),
    /// A string literal's value (owned only when it had `''` escapes).
    Str(Cow<'a, str>),
    LParen,
    RParen,
    Comma,
    Period,
    DoubleColon,
    Op(Op),
    Eof,
}

/// Binary / prefix operator tokens of the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Neq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    Concat,
}

struct Tok<'a> {
    kind: Tk<'a>,
    span: Span,
}

/// Characters that may continue an operator in sqlparser's PostgreSQL tokenizer; an operator of
/// the subset followed by one of them is left to sqlparser.
fn is_operator_char(b: u8) -> bool {
    matches!(
        b,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
            | b':'
    )
}

/// Longer than every sqlparser keyword.
const MAX_KEYWORD_LEN: usize = 48;

/// Keywords of at most this many bytes are looked up as packed integers.
const PACKED_LEN: usize = 16;

/// Up to [`PACKED_LEN`] bytes, big-endian and zero-padded, so that integer order is the byte
/// order of the (NUL-free) strings.
fn pack(bytes: &[u8]) -> u128 {
    let mut key = 0u128;
    for i in 0..PACKED_LEN {
        key = (key << 8) | u128::from(bytes.get(i).copied().unwrap_or(0));
    }
    key
}

/// `(packed upper-case keyword, keyword)` for every sqlparser keyword of at most [`PACKED_LEN`]
/// bytes, sorted by the packed key.
fn packed_keywords() -> &'static [(u128, Keyword)] {
    static TABLE: std::sync::OnceLock<Vec<(u128, Keyword)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: Vec<(u128, Keyword)> = ALL_KEYWORDS
            .iter()
            .zip(ALL_KEYWORDS_INDEX)
            .filter(|(kw, _)| kw.len() <= PACKED_LEN)
            .map(|(kw, k)| (pack(kw.as_bytes()), *k))
            .collect();
        table.sort_by_key(|(key, _)| *key);
        table
    })
}

/// The sqlparser keyword of an unquoted ASCII word (what its tokenizer finds by a binary search
/// on the upper case).
fn keyword_of(word: &str) -> Keyword {
    let mut buf = [0u8; MAX_KEYWORD_LEN];
    let Some(upper) = buf.get_mut(..word.len()) else {
        return Keyword::NoKeyword;
    };
    for (u, c) in upper.iter_mut().zip(word.bytes()) {
        *u = c.to_ascii_uppercase();
    }
    let upper: &[u8] = upper;
    if upper.len() <= PACKED_LEN {
        let table = packed_keywords();
        return match table.binary_search_by_key(&pack(upper), |(key, _)| *key) {
            Ok(i) => table.get(i).map_or(Keyword::NoKeyword, |(_, k)| *k),
            Err(_) => Keyword::NoKeyword,
        };
    }
    match ALL_KEYWORDS.binary_search_by(|kw| kw.as_bytes().cmp(upper)) {
        Ok(i) => ALL_KEYWORDS_INDEX
            .get(i)
            .copied()
            .unwrap_or(Keyword::NoKeyword),
        Err(_) => Keyword::NoKeyword,
    }
}

/// Tokenizer state: byte position plus sqlparser's 1-based line and character column.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
    col: u64,
}

impl Cursor<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    fn loc(&self) -> Location {
        Location {
            line: self.line,
            column: self.col,
        }
    }

    /// Moves to byte `to` over ASCII text without line breaks (one column per byte).
    fn advance_ascii_to(&mut self, to: usize) {
        self.col += (to - self.pos) as u64;
        self.pos = to;
    }

    /// Moves to byte `to`, counting lines and characters (UTF-8 continuation bytes count nothing).
    fn advance_to(&mut self, to: usize) {
        while self.pos < to {
            match self.at(self.pos) {
                Some(b'\n') => {
                    self.line += 1;
                    self.col = 1;
                }
                Some(b) if (b & 0xC0) != 0x80 => self.col += 1,
                _ => {}
            }
            self.pos += 1;
        }
    }
}

fn tokenize(text: &str) -> Fast<Vec<Tok<'_>>> {
    let bytes = text.as_bytes();
    let mut cur = Cursor {
        bytes,
        pos: 0,
        line: 1,
        col: 1,
    };
    let mut out = Vec::with_capacity(text.len() / 3 + 2);
    loop {
        // whitespace
        loop {
            match cur.at(cur.pos) {
                Some(b'\n') => cur.advance_to(cur.pos + 1),
                Some(b' ' | b'\t' | b'\r') => cur.advance_ascii_to(cur.pos + 1),
                _ => break,
            }
        }
        let start = cur.loc();
        let i = cur.pos;
        let Some(b) = cur.at(i) else {
            out.push(Tok {
                kind: Tk::Eof,
                span: Span::new(start, start),
            });
            return Some(out);
        };
        let (kind, end) = match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let mut j = i + 1;
                while let Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'$') = cur.at(j) {
                    j += 1;
                }
                // non-ASCII word characters, prefixed strings (E'', N'', U&'', X'') and quoted
                // continuations are sqlparser's
                if matches!(cur.at(j), Some(c) if c >= 0x80 || c == b'\'' || c == b'"' || c == b'&')
                {
                    return None;
                }
                let value = text.get(i..j)?;
                let keyword = keyword_of(value);
                (
                    Tk::Word {
                        value,
                        quoted: false,
                        keyword,
                    },
                    j,
                )
            }
            b'"' => {
                let close = i + 1 + bytes.get(i + 1..)?.iter().position(|&c| c == b'"')?;
                if close == i + 1 || cur.at(close + 1) == Some(b'"') {
                    return None;
                }
                let value = text.get(i + 1..close)?;
                if value.contains('\0') {
                    return None;
                }
                (
                    Tk::Word {
                        value,
                        quoted: true,
                        keyword: Keyword::NoKeyword,
                    },
                    close + 1,
                )
            }
            b'\'' => {
                let mut j = i + 1;
                let mut value: Cow<'_, str> = Cow::Borrowed("");
                loop {
                    let rel = bytes.get(j..)?.iter().position(|&c| c == b'\'')?;
                    let seg = text.get(j..j + rel)?;
                    if seg.contains('\\') || seg.contains('\0') {
                        return None;
                    }
                    j += rel + 1;
                    let escaped = cur.at(j) == Some(b'\'');
                    if !escaped && matches!(value, Cow::Borrowed(_)) {
                        value = Cow::Borrowed(seg);
                        break;
                    }
                    let owned = value.to_mut();
                    owned.push_str(seg);
                    if escaped {
                        owned.push('\'');
                        j += 1;
                    } else {
                        break;
                    }
                }
                (Tk::Str(value), j)
            }
            b'0'..=b'9' => {
                let mut j = i + 1;
                while let Some(b'0'..=b'9') = cur.at(j) {
                    j += 1;
                }
                if cur.at(j) == Some(b'.') {
                    if !matches!(cur.at(j + 1), Some(b'0'..=b'9')) {
                        return None;
                    }
                    j += 1;
                    while let Some(b'0'..=b'9') = cur.at(j) {
                        j += 1;
                    }
                }
                if matches!(cur.at(j), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'$' || c >= 0x80)
                {
                    return None;
                }
                (Tk::Number(text.get(i..j)?), j)
            }
            b'(' => (Tk::LParen, i + 1),
            b')' => (Tk::RParen, i + 1),
            b',' => (Tk::Comma, i + 1),
            b'.' => {
                if matches!(cur.at(i + 1), Some(b'0'..=b'9')) {
                    return None;
                }
                (Tk::Period, i + 1)
            }
            _ => {
                let (kind, len) = match (b, cur.at(i + 1)) {
                    (b':', Some(b':')) => (Tk::DoubleColon, 2),
                    (b'<', Some(b'>')) => (Tk::Op(Op::Neq), 2),
                    (b'!', Some(b'=')) => (Tk::Op(Op::Neq), 2),
                    (b'<', Some(b'=')) => (Tk::Op(Op::LtEq), 2),
                    (b'>', Some(b'=')) => (Tk::Op(Op::GtEq), 2),
                    (b'|', Some(b'|')) => (Tk::Op(Op::Concat), 2),
                    (b'=', _) => (Tk::Op(Op::Eq), 1),
                    (b'<', _) => (Tk::Op(Op::Lt), 1),
                    (b'>', _) => (Tk::Op(Op::Gt), 1),
                    (b'+', _) => (Tk::Op(Op::Plus), 1),
                    (b'-', _) => (Tk::Op(Op::Minus), 1),
                    (b'*', _) => (Tk::Op(Op::Mul), 1),
                    (b'/', _) => (Tk::Op(Op::Div), 1),
                    (b'%', _) => (Tk::Op(Op::Mod), 1),
                    _ => return None,
                };
                if matches!(cur.at(i + len), Some(c) if is_operator_char(c)) {
                    return None;
                }
                (kind, i + len)
            }
        };
        match kind {
            // only these can hold a line break or non-ASCII text
            Tk::Str(_) | Tk::Word { quoted: true, .. } => cur.advance_to(end),
            _ => cur.advance_ascii_to(end),
        }
        out.push(Tok {
            kind,
            span: Span::new(start, cur.loc()),
        });
    }
}

/// sqlparser's PostgreSQL precedences (`PostgreSqlDialect::prec_value`).
const OR_PREC: u8 = 10;
const AND_PREC: u8 = 20;
const NOT_PREC: u8 = 30;
const IS_PREC: u8 = 40;
const EQ_PREC: u8 = 50;
const BETWEEN_PREC: u8 = 60;
const PG_OTHER_PREC: u8 = 70;
const PLUS_MINUS_PREC: u8 = 80;
const MUL_DIV_MOD_PREC: u8 = 90;
const DOUBLE_COLON_PREC: u8 = 140;

struct FastParser<'a> {
    tokens: Vec<Tok<'a>>,
    pos: usize,
    depth: usize,
}

/// Eof stands in past the end (never reached: the token list ends with an Eof).
const EOF: Tk<'static> = Tk::Eof;

impl<'a> FastParser<'a> {
    fn peek(&self) -> &Tk<'a> {
        self.peek_nth(0)
    }

    fn peek_nth(&self, n: usize) -> &Tk<'a> {
        self.tokens.get(self.pos + n).map_or(&EOF, |t| &t.kind)
    }

    fn span(&self) -> Span {
        self.tokens
            .get(self.pos)
            .map_or_else(Span::empty, |t| t.span)
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    fn peek_keyword(&self, kw: Keyword) -> bool {
        matches!(self.peek(), Tk::Word { quoted: false, keyword, .. } if *keyword == kw)
    }

    fn eat_keyword(&mut self, kw: Keyword) -> bool {
        let found = self.peek_keyword(kw);
        if found {
            self.bump();
        }
        found
    }

    fn expect(&mut self, tk: &Tk<'_>) -> Fast<()> {
        (self.peek() == tk).then(|| self.bump())
    }

    fn enter(&mut self) -> Fast<()> {
        self.depth += 1;
        (self.depth <= MAX_FAST_DEPTH).then_some(())
    }

    fn expr(&mut self) -> Fast<Expr> {
        self.subexpr(0)
    }

    /// sqlparser's `parse_subexpr`: a prefix, then infix operators binding tighter than `prec`.
    fn subexpr(&mut self, prec: u8) -> Fast<Expr> {
        self.enter()?;
        let mut expr = self.prefix()?;
        loop {
            let next = self.next_precedence()?;
            if prec >= next {
                break;
            }
            expr = self.infix(expr, next)?;
        }
        self.depth -= 1;
        Some(expr)
    }

    /// The precedence of the next token as an infix operator (0: none); `None` for tokens that
    /// sqlparser would read as an infix operator the subset leaves to it.
    fn next_precedence(&self) -> Fast<u8> {
        Some(match self.peek() {
            Tk::Word {
                quoted: false,
                keyword,
                ..
            } => match keyword {
                Keyword::OR => OR_PREC,
                Keyword::AND => AND_PREC,
                Keyword::IS => IS_PREC,
                Keyword::IN | Keyword::BETWEEN => BETWEEN_PREC,
                Keyword::NOT => match self.peek_nth(1) {
                    Tk::Word {
                        quoted: false,
                        keyword: Keyword::IN | Keyword::BETWEEN,
                        ..
                    } => BETWEEN_PREC,
                    Tk::Word {
                        quoted: false,
                        keyword:
                            Keyword::LIKE
                            | Keyword::ILIKE
                            | Keyword::RLIKE
                            | Keyword::REGEXP
                            | Keyword::MATCH
                            | Keyword::GLOB
                            | Keyword::SIMILAR
                            | Keyword::MEMBER
                            | Keyword::NULL,
                        ..
                    } => return None,
                    _ => 0,
                },
                Keyword::XOR
                | Keyword::AT
                | Keyword::COLLATE
                | Keyword::NOTNULL
                | Keyword::OVERLAPS
                | Keyword::LIKE
                | Keyword::ILIKE
                | Keyword::RLIKE
                | Keyword::REGEXP
                | Keyword::MATCH
                | Keyword::GLOB
                | Keyword::SIMILAR
                | Keyword::MEMBER
                | Keyword::OPERATOR
                | Keyword::DIV => return None,
                _ => 0,
            },
            Tk::Op(op) => match op {
                Op::Eq | Op::Neq | Op::Lt | Op::LtEq | Op::Gt | Op::GtEq => EQ_PREC,
                Op::Plus | Op::Minus => PLUS_MINUS_PREC,
                Op::Mul | Op::Div | Op::Mod => MUL_DIV_MOD_PREC,
                Op::Concat => PG_OTHER_PREC,
            },
            Tk::DoubleColon => DOUBLE_COLON_PREC,
            // `a.b` after a non-identifier prefix is sqlparser's compound access
            Tk::Period => return None,
            _ => 0,
        })
    }

    fn prefix(&mut self) -> Fast<Expr> {
        let span = self.span();
        let tk = self.peek().clone();
        let expr = match tk {
            Tk::Word {
                value,
                quoted,
                keyword,
            } => {
                if !quoted {
                    match keyword {
                        Keyword::TRUE | Keyword::FALSE => {
                            self.bump();
                            return self.no_compound(Expr::Value(ValueWithSpan {
                                value: Value::Boolean(keyword == Keyword::TRUE),
                                span,
                            }));
                        }
                        Keyword::NULL => {
                            self.bump();
                            return self.no_compound(Expr::Value(ValueWithSpan {
                                value: Value::Null,
                                span,
                            }));
                        }
                        Keyword::NOT => {
                            self.bump();
                            if self.eat_keyword(Keyword::EXISTS) {
                                return self.exists(true);
                            }
                            let inner = self.subexpr(NOT_PREC)?;
                            return Some(Expr::UnaryOp {
                                op: UnaryOperator::Not,
                                expr: Box::new(inner),
                            });
                        }
                        Keyword::EXISTS => {
                            self.bump();
                            return self.exists(false);
                        }
                        _ => {}
                    }
                }
                let first = self.ident_token(value, quoted, keyword, span)?;
                self.bump();
                return self.identifier_or_call(first);
            }
            Tk::Number(n) => {
                self.bump();
                Expr::Value(ValueWithSpan {
                    value: Value::Number(n.to_string(), false),
                    span,
                })
            }
            Tk::Str(s) => {
                self.bump();
                Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(s.into_owned()),
                    span,
                })
            }
            Tk::Op(op @ (Op::Minus | Op::Plus)) => {
                self.bump();
                let inner = self.subexpr(MUL_DIV_MOD_PREC)?;
                return Some(Expr::UnaryOp {
                    op: if op == Op::Plus {
                        UnaryOperator::Plus
                    } else {
                        UnaryOperator::Minus
                    },
                    expr: Box::new(inner),
                });
            }
            Tk::LParen => {
                self.bump();
                let inner = if self.peek_keyword(Keyword::SELECT) {
                    Expr::Subquery(self.query()?)
                } else if self.peek_keyword(Keyword::WITH) {
                    return None;
                } else {
                    let e = self.expr()?;
                    if self.peek() != &Tk::RParen {
                        return None;
                    }
                    Expr::Nested(Box::new(e))
                };
                self.expect(&Tk::RParen)?;
                inner
            }
            _ => return None,
        };
        self.no_compound(expr)
    }

    /// A prefix that is not an identifier: sqlparser would read a following `.` as a compound
    /// field access.
    fn no_compound(&self, expr: Expr) -> Fast<Expr> {
        (self.peek() != &Tk::Period).then_some(expr)
    }

    /// An identifier the subset reads as one (see [`NOT_PLAIN`]).
    fn ident_token(&self, value: &str, quoted: bool, keyword: Keyword, span: Span) -> Fast<Ident> {
        if !quoted && keyword != Keyword::NoKeyword && NOT_PLAIN.contains(&keyword) {
            return None;
        }
        Some(Ident {
            value: value.to_string(),
            quote_style: quoted.then_some('"'),
            span,
        })
    }

    /// The next token as an identifier of the subset (not consumed).
    fn peek_ident(&self) -> Fast<Ident> {
        match self.peek() {
            Tk::Word {
                value,
                quoted,
                keyword,
            } => self.ident_token(value, *quoted, *keyword, self.span()),
            _ => None,
        }
    }

    /// After a word: `a`, `a.b.c`, `f(…)`, `a.b.f(…)`.
    fn identifier_or_call(&mut self, first: Ident) -> Fast<Expr> {
        let mut parts = vec![first];
        while self.peek() == &Tk::Period {
            self.bump();
            // sqlparser reads any word after a `.` as a field name unless a `(` follows
            let next = match self.peek() {
                Tk::Word {
                    value,
                    quoted: false,
                    ..
                } if self.peek_nth(1) != &Tk::LParen => Ident {
                    value: value.to_string(),
                    quote_style: None,
                    span: self.span(),
                },
                _ => self.peek_ident()?,
            };
            self.bump();
            parts.push(next);
        }
        if self.peek() == &Tk::LParen {
            return self.call(parts);
        }
        if parts.len() == 1 {
            parts.pop().map(Expr::Identifier)
        } else {
            Some(Expr::CompoundIdentifier(parts))
        }
    }

    fn call(&mut self, name: Vec<Ident>) -> Fast<Expr> {
        self.expect(&Tk::LParen)?;
        let mut args = Vec::new();
        if self.peek() == &Tk::RParen {
            self.bump();
        } else {
            loop {
                let e = self.expr()?;
                args.push(FunctionArg::Unnamed(FunctionArgExpr::Expr(e)));
                match self.peek() {
                    Tk::Comma => self.bump(),
                    Tk::RParen => {
                        self.bump();
                        break;
                    }
                    _ => return None,
                }
            }
        }
        // Every list is kept at its length: a Vec grows to room for four, and sqlparser's
        // nodes are large (a `SelectItem` is 776 bytes, a `TableWithJoins` 1,360), which on a
        // large model's policies was a third of what their trees took.
        args.shrink_to_fit();
        // `f(x).y`, `f(x) over …`, `f(x) filter …`, `within group` are sqlparser's
        match self.peek() {
            Tk::Period => return None,
            Tk::Word {
                quoted: false,
                keyword:
                    Keyword::OVER
                    | Keyword::FILTER
                    | Keyword::WITHIN
                    | Keyword::RESPECT
                    | Keyword::IGNORE,
                ..
            } => return None,
            _ => {}
        }
        Some(Expr::Function(Function {
            name: ObjectName(name.into_iter().map(ObjectNamePart::Identifier).collect()),
            uses_odbc_syntax: false,
            parameters: FunctionArguments::None,
            args: FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment: None,
                args,
                clauses: vec![],
            }),
            filter: None,
            null_treatment: None,
            over: None,
            within_group: vec![],
        }))
    }

    /// `exists (select …)` after `[not] exists`.
    fn exists(&mut self, negated: bool) -> Fast<Expr> {
        self.expect(&Tk::LParen)?;
        if !self.peek_keyword(Keyword::SELECT) {
            return None;
        }
        let subquery = self.query()?;
        self.expect(&Tk::RParen)?;
        self.no_compound(Expr::Exists { subquery, negated })
    }

    fn infix(&mut self, left: Expr, prec: u8) -> Fast<Expr> {
        let tk = self.peek().clone();
        match tk {
            Tk::Op(op) => {
                self.bump();
                let op = match op {
                    Op::Eq => BinaryOperator::Eq,
                    Op::Neq => BinaryOperator::NotEq,
                    Op::Lt => BinaryOperator::Lt,
                    Op::LtEq => BinaryOperator::LtEq,
                    Op::Gt => BinaryOperator::Gt,
                    Op::GtEq => BinaryOperator::GtEq,
                    Op::Plus => BinaryOperator::Plus,
                    Op::Minus => BinaryOperator::Minus,
                    Op::Mul => BinaryOperator::Multiply,
                    Op::Div => BinaryOperator::Divide,
                    Op::Mod => BinaryOperator::Modulo,
                    Op::Concat => BinaryOperator::StringConcat,
                };
                // `= any (…)`, `= all (…)`, `= some (…)` are sqlparser's (they are keywords the
                // prefix parser rejects anyway)
                let right = self.subexpr(prec)?;
                Some(Expr::BinaryOp {
                    left: Box::new(left),
                    op,
                    right: Box::new(right),
                })
            }
            Tk::DoubleColon => {
                self.bump();
                let data_type = self.cast_type()?;
                Some(Expr::Cast {
                    kind: CastKind::DoubleColon,
                    expr: Box::new(left),
                    data_type,
                    format: None,
                })
            }
            Tk::Word {
                quoted: false,
                keyword,
                ..
            } => {
                self.bump();
                match keyword {
                    Keyword::AND | Keyword::OR => {
                        let right = self.subexpr(prec)?;
                        Some(Expr::BinaryOp {
                            left: Box::new(left),
                            op: if keyword == Keyword::AND {
                                BinaryOperator::And
                            } else {
                                BinaryOperator::Or
                            },
                            right: Box::new(right),
                        })
                    }
                    Keyword::IS => {
                        let not = self.eat_keyword(Keyword::NOT);
                        let e = Box::new(left);
                        let out = if self.eat_keyword(Keyword::NULL) {
                            if not {
                                Expr::IsNotNull(e)
                            } else {
                                Expr::IsNull(e)
                            }
                        } else if self.eat_keyword(Keyword::TRUE) {
                            if not {
                                Expr::IsNotTrue(e)
                            } else {
                                Expr::IsTrue(e)
                            }
                        } else if self.eat_keyword(Keyword::FALSE) {
                            if not {
                                Expr::IsNotFalse(e)
                            } else {
                                Expr::IsFalse(e)
                            }
                        } else {
                            return None;
                        };
                        Some(out)
                    }
                    Keyword::NOT | Keyword::IN | Keyword::BETWEEN => {
                        let negated = keyword == Keyword::NOT;
                        let kw = if negated {
                            let Tk::Word { keyword, .. } = self.peek().clone() else {
                                return None;
                            };
                            self.bump();
                            keyword
                        } else {
                            keyword
                        };
                        match kw {
                            Keyword::IN => self.in_list(left, negated),
                            Keyword::BETWEEN => self.between(left, negated),
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `( e, … )` or `(select …)` after `[not] in`; a list that could start another query is
    /// sqlparser's.
    fn in_list(&mut self, left: Expr, negated: bool) -> Fast<Expr> {
        self.expect(&Tk::LParen)?;
        if matches!(self.peek(), Tk::LParen | Tk::RParen) {
            return None;
        }
        if self.peek_keyword(Keyword::SELECT) {
            let subquery = self.query()?;
            self.expect(&Tk::RParen)?;
            return Some(Expr::InSubquery {
                expr: Box::new(left),
                subquery,
                negated,
            });
        }
        let mut list = Vec::new();
        loop {
            list.push(self.expr()?);
            match self.peek() {
                Tk::Comma => self.bump(),
                Tk::RParen => {
                    self.bump();
                    break;
                }
                _ => return None,
            }
        }
        list.shrink_to_fit();
        Some(Expr::InList {
            expr: Box::new(left),
            list,
            negated,
        })
    }

    fn between(&mut self, left: Expr, negated: bool) -> Fast<Expr> {
        let low = self.subexpr(BETWEEN_PREC)?;
        if !self.eat_keyword(Keyword::AND) {
            return None;
        }
        let high = self.subexpr(BETWEEN_PREC)?;
        Some(Expr::Between {
            expr: Box::new(left),
            negated,
            low: Box::new(low),
            high: Box::new(high),
        })
    }

    /// The data type after `::`: a few built-in names, or a non-keyword (or quoted) name.
    fn cast_type(&mut self) -> Fast<DataType> {
        let Tk::Word {
            value,
            quoted,
            keyword,
        } = self.peek().clone()
        else {
            return None;
        };
        let span = self.span();
        let data_type = if quoted || keyword == Keyword::NoKeyword {
            DataType::Custom(
                ObjectName(vec![ObjectNamePart::Identifier(Ident {
                    value: value.to_string(),
                    quote_style: quoted.then_some('"'),
                    span,
                })]),
                vec![],
            )
        } else {
            match keyword {
                Keyword::JSONB => DataType::JSONB,
                Keyword::JSON => DataType::JSON,
                Keyword::TEXT => DataType::Text,
                Keyword::UUID => DataType::Uuid,
                Keyword::INT => DataType::Int(None),
                Keyword::INTEGER => DataType::Integer(None),
                Keyword::BIGINT => DataType::BigInt(None),
                Keyword::SMALLINT => DataType::SmallInt(None),
                Keyword::BOOLEAN => DataType::Boolean,
                Keyword::BOOL => DataType::Bool,
                Keyword::DATE => DataType::Date,
                Keyword::TIMESTAMPTZ => DataType::Timestamp(None, TimezoneInfo::Tz),
                _ => return None,
            }
        };
        self.bump();
        // modifiers, arrays, qualified names and multi-word types are sqlparser's
        match self.peek() {
            Tk::LParen | Tk::Period | Tk::Str(_) | Tk::Number(_) => None,
            Tk::Word { keyword, .. }
                if !matches!(
                    keyword,
                    Keyword::AND
                        | Keyword::OR
                        | Keyword::IS
                        | Keyword::IN
                        | Keyword::BETWEEN
                        | Keyword::NOT
                        | Keyword::FROM
                        | Keyword::WHERE
                ) =>
            {
                None
            }
            _ => Some(data_type),
        }
    }

    /// `select item, … [from t [[as] a], …] [where e]`, up to (not including) the closing `)`.
    fn query(&mut self) -> Fast<Box<Query>> {
        self.enter()?;
        let Tk::Word { value, .. } = self.peek().clone() else {
            return None;
        };
        let select_token = AttachedToken(TokenWithSpan {
            token: Token::Word(Word {
                value: value.to_string(),
                quote_style: None,
                keyword: Keyword::SELECT,
            }),
            span: self.span(),
        });
        self.bump();
        let mut projection = Vec::new();
        loop {
            // `select from t`, `select *`, `select distinct …` are sqlparser's
            projection.push(SelectItem::UnnamedExpr(self.expr()?));
            if self.peek() == &Tk::Comma {
                self.bump();
            } else {
                break;
            }
        }
        projection.shrink_to_fit();
        let mut from = Vec::new();
        if self.eat_keyword(Keyword::FROM) {
            loop {
                from.push(self.table()?);
                if self.peek() == &Tk::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        from.shrink_to_fit();
        let selection = if self.eat_keyword(Keyword::WHERE) {
            Some(self.expr()?)
        } else {
            None
        };
        if self.peek() != &Tk::RParen {
            return None;
        }
        self.depth -= 1;
        let select = Select {
            select_token,
            optimizer_hints: vec![],
            distinct: None,
            select_modifiers: None,
            top: None,
            top_before_distinct: false,
            projection,
            exclude: None,
            into: None,
            from,
            lateral_views: vec![],
            prewhere: None,
            selection,
            group_by: GroupByExpr::Expressions(vec![], vec![]),
            cluster_by: vec![],
            distribute_by: vec![],
            sort_by: vec![],
            having: None,
            named_window: vec![],
            window_before_qualify: false,
            qualify: None,
            value_table_mode: None,
            connect_by: vec![],
            flavor: SelectFlavor::Standard,
        };
        Some(Box::new(Query {
            with: None,
            body: Box::new(SetExpr::Select(Box::new(select))),
            order_by: None,
            limit_clause: None,
            fetch: None,
            locks: vec![],
            for_clause: None,
            settings: None,
            format_clause: None,
            pipe_operators: vec![],
        }))
    }

    /// `name[.name…] [[as] alias]` in FROM, names and aliases being non-keywords (or `public`
    /// in a name: sqlparser's table factor gives only words like `lateral`, `table`, `unnest`
    /// a meaning of their own).
    fn table(&mut self) -> Fast<TableWithJoins> {
        let mut name = Vec::new();
        loop {
            let part = match self.peek() {
                Tk::Word {
                    value,
                    quoted: false,
                    keyword: Keyword::PUBLIC,
                } => Ident {
                    value: value.to_string(),
                    quote_style: None,
                    span: self.span(),
                },
                _ => self.table_ident()?,
            };
            name.push(ObjectNamePart::Identifier(part));
            self.bump();
            if self.peek() == &Tk::Period {
                self.bump();
            } else {
                break;
            }
        }
        name.shrink_to_fit();
        let explicit = self.eat_keyword(Keyword::AS);
        let alias = match self.peek() {
            Tk::Word { .. } if explicit || self.table_ident().is_some() => {
                let name = self.table_ident()?;
                self.bump();
                Some(TableAlias {
                    explicit,
                    name,
                    columns: vec![],
                    at: None,
                })
            }
            _ if explicit => return None,
            _ => None,
        };
        // table functions, column aliases, joins, hints and samples are sqlparser's
        if !matches!(self.peek(), Tk::Comma | Tk::RParen) && !self.peek_keyword(Keyword::WHERE) {
            return None;
        }
        Some(TableWithJoins {
            relation: TableFactor::Table {
                name: ObjectName(name),
                alias,
                args: None,
                with_hints: vec![],
                version: None,
                with_ordinality: false,
                partitions: vec![],
                json_path: None,
                sample: None,
                index_hints: vec![],
            },
            joins: vec![],
        })
    }

    /// The next token as a table name part or alias: a non-keyword or quoted word.
    fn table_ident(&self) -> Fast<Ident> {
        match self.peek() {
            Tk::Word {
                value,
                quoted,
                keyword,
            } if *quoted || *keyword == Keyword::NoKeyword => Some(Ident {
                value: value.to_string(),
                quote_style: quoted.then_some('"'),
                span: self.span(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
