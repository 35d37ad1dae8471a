//! SQL fragment parsing and name resolution for schema-as-code YAML.
//!
//! Input: the text of one SQL fragment written by a user (a column default,
//! CHECK / generated / index expression, partial-index predicate, RLS policy
//! expression, trigger WHEN condition, or a view body query), plus a
//! [`Catalog`] describing the relations and schema-qualified functions that
//! exist.
//!
//! Output: a parsed sqlparser AST ([`parse_expr`], [`parse_query`]) or a
//! [`SyntaxError`] with a byte range into the fragment; and an [`Analysis`]
//! ([`analyse_expr`], [`analyse_query`]) listing unresolved column, relation
//! and function references (each with a byte range where known) plus the
//! relations and functions referenced (for dependency ordering).
//!
//! Invariants:
//! - Never panics on any input; all positions are byte offsets into the
//!   fragment text, always on UTF-8 character boundaries and within bounds.
//! - Parsing always uses PostgreSQL's dialect and rejects trailing tokens.
//! - Identifiers are normalised the PostgreSQL way: unquoted identifiers are
//!   lower-cased, quoted ones are kept verbatim. Names handed to the
//!   [`Catalog`] and reported in [`Analysis`] are normalised; the catalog's
//!   column lists are compared verbatim against normalised names.
//! - Parsed trees are bounded in depth (sqlparser's recursion limit plus an
//!   extra check for left-deep operator chains that sqlparser builds
//!   iteratively), so analysing or dropping them cannot overflow the stack.
//!
//! Public API:
//! ```text
//! pub struct FragSpan { pub start: usize, pub len: usize }
//! pub struct SyntaxError { pub message: String, pub at: Option<FragSpan> }
//! pub enum RelationLookup<'c> { Unknown, Opaque, Columns(Cow<'c, [String]>) }
//! pub trait Catalog {
//!     fn relation(&self, schema: Option<&str>, name: &str) -> RelationLookup<'_>;
//!     fn function_exists(&self, schema: &str, name: &str) -> bool;
//! }
//! pub enum ProblemKind { UnknownColumn { name, qualifier }, UnknownRelation { name }, UnknownFunction { name } }
//! pub struct Problem { pub kind: ProblemKind, pub at: Option<FragSpan> }
//! pub struct OuterRef { pub name: String, pub at: Option<FragSpan> }
//! pub struct Analysis { pub problems, pub outer_refs, pub relations, pub functions }
//! pub fn parse_expr(text: &str) -> Result<Expr, SyntaxError>;
//! pub fn parse_query(text: &str) -> Result<Box<Query>, SyntaxError>;
//! pub fn analyse_expr(expr: &Expr, text: &str, base: Option<(&str, &[String])>,
//!                     extra_scope: &[&str], catalog: &dyn Catalog) -> Analysis;
//! pub fn analyse_query(query: &Query, text: &str, catalog: &dyn Catalog) -> Analysis;
//! pub fn volatility::called_functions(expr: &Expr) -> Vec<(Option<String>, String)>;
//! pub fn volatility::volatile_calls(expr: &Expr, declared: &dyn Fn(Option<&str>, &str)
//!                                   -> Option<Volatility>) -> Vec<String>;
//! ```
//! `UnknownRelation.name` and `UnknownFunction.name` are the dotted,
//! normalised name as written (e.g. `auth.nope`).
//!
//! Notes for callers:
//! - `base` is `(qualifier, columns)`: both are used verbatim (pass the
//!   table's normalised name and column names). `extra_scope` qualifiers are
//!   matched case-insensitively and accept any column (`NEW.x`, `OLD.y`).
//! - Fragments longer than 256 KiB, or nested deeper than a fixed bound
//!   (about 200 expression levels / 64 query levels), are syntax errors.
//! - Each parse runs on a short-lived helper thread with a large stack (see
//!   `parse.rs`); analysis runs on the caller's thread.
//! - Deliberately lenient (never reports): `JOIN ... USING (cols)`, FROM items
//!   seeing earlier FROM items without LATERAL, output aliases in HAVING,
//!   ORDER BY after UNION / VALUES, unaliased columns of `VALUES` in FROM.

mod analyse;
pub mod body;
pub mod facts;
mod fastexpr;
mod parse;
mod span;
pub mod volatility;

#[cfg(test)]
mod tests;

pub use analyse::{analyse_expr, analyse_query, expr_references, query_references};
pub use parse::{parse_expr, parse_query, parse_statements};
pub(crate) use span::span_to_frag;

/// A byte range inside the fragment text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragSpan {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Length in bytes (may be 0, e.g. for an error at end of input).
    pub len: usize,
}

/// A parse failure of a fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Human-readable message, without sqlparser's "sql parser error:" prefix
    /// and without the "at Line: .., Column: .." suffix.
    pub message: String,
    /// Where in the fragment the error was detected, if known.
    pub at: Option<FragSpan>,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// What a [`Catalog`] knows about a relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelationLookup<'c> {
    /// No such relation.
    Unknown,
    /// Known relation, columns not known: any column is accepted.
    Opaque,
    /// Known relation with exactly these columns (borrowed from the catalog when it keeps
    /// them, so a lookup does not copy them).
    Columns(std::borrow::Cow<'c, [String]>),
}

/// Name lookups needed to analyse fragments.
pub trait Catalog {
    /// Look up a relation by optional schema and name (unqualified names: the
    /// implementor searches its own search path, e.g. public then others).
    fn relation(&self, schema: Option<&str>, name: &str) -> RelationLookup<'_>;
    /// Whether a schema-qualified function exists (only called for qualified
    /// calls like `auth.uid()`; unqualified calls are assumed built-ins and
    /// never checked).
    fn function_exists(&self, schema: &str, name: &str) -> bool;
}

/// What is wrong with a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A column (optionally qualified) that does not resolve in scope.
    UnknownColumn {
        /// Normalised column name.
        name: String,
        /// Normalised qualifier as written (`s` in `s.usr`, `public.t` in `public.t.c`).
        qualifier: Option<String>,
    },
    /// A relation in FROM/JOIN that the catalog does not know.
    UnknownRelation {
        /// Normalised dotted name as written.
        name: String,
    },
    /// A schema-qualified function the catalog does not know.
    UnknownFunction {
        /// Normalised dotted name as written.
        name: String,
    },
}

/// One unresolved reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// Where in the fragment, if known.
    pub at: Option<FragSpan>,
}

/// A column of the base table referenced from inside a nested SELECT (a correlated subquery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OuterRef {
    /// The reference as written, normalised (`team_id`, `notes.team_id`).
    pub name: String,
    /// Where in the fragment, if known.
    pub at: Option<FragSpan>,
}

/// A table or column reference that resolved (see [`expr_references`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Whether it names the base table of an expression (or one of its columns).
    pub base: bool,
    /// The relation named, as (schema as written, name), normalised; `None` for the base.
    pub relation: Option<(Option<String>, String)>,
    /// The column, for a column reference; `None` when the identifier names the table.
    pub column: Option<String>,
    /// The identifier's range in the fragment.
    pub at: FragSpan,
}

/// Result of analysing a fragment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Unresolved references, in source order of discovery.
    pub problems: Vec<Problem>,
    /// References from a nested SELECT to the base table given to [`analyse_expr`], in source
    /// order of discovery (empty for queries and expressions without a base).
    pub outer_refs: Vec<OuterRef>,
    /// Every relation named in FROM/JOIN (not CTE names), as (schema, name),
    /// normalised, deduplicated, sorted.
    pub relations: Vec<(Option<String>, String)>,
    /// Every function called (including table functions in FROM), as
    /// (schema, name), normalised, deduplicated, sorted. Keyword pseudo
    /// functions such as `current_user` / `current_timestamp` are excluded.
    pub functions: Vec<(Option<String>, String)>,
}
