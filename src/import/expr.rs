//! Expressions read back from PostgreSQL, made to re-parse to the same stored form.
//!
//! Input: the text of one expression as `pg_get_expr` / `pg_get_constraintdef` print it (a CHECK,
//! a policy's USING / WITH CHECK, an index predicate, a generation expression). Output: text that
//! PostgreSQL, given it again, stores exactly as it stored the source; unchanged unless it holds a
//! form PostgreSQL prints but stores differently when it reads it back.
//! Invariants: pure, never panics; every rewrite is proven on parsed trees (sqlparser, PostgreSQL
//! dialect): the rewritten text must parse to the source's tree with exactly the rewritten nodes
//! replaced, or the source text is returned unchanged; bytes outside a rewrite are kept as they
//! are.
//!
//! The one form today: an `ARRAY[...]` constructor under `= ANY (...)` / `<> ALL (...)` whose
//! element type PostgreSQL coerced implicitly to the operator's input type. `s in ('a', 'b')` on
//! a `varchar` column is stored as `(s)::text = ANY ((ARRAY['a'::character varying, 'b'::character
//! varying])::text[])`; read back, the cast on the constructor is pushed into its elements
//! (`ARRAY[('a'::character varying)::text, …]`), a different stored form. Without the cast
//! (`(s)::text = ANY (ARRAY['a'::character varying, 'b'::character varying])`) PostgreSQL resolves
//! the same operator, adds the same implicit cast and stores the source's text. An explicit cast
//! on an `ARRAY[...]` constructor is always pushed into its elements when PostgreSQL parses it, so
//! `(ARRAY[...])::type[]` in its output is always such an implicit coercion. Casts PostgreSQL adds
//! on `varchar` / `char(n)` comparisons outside arrays (`(s)::text = 'a'::text`,
//! `c = ('a'::character varying)::bpchar`) read back to the same stored form and are kept.

use std::borrow::Cow;

use sqlparser::ast::{CastKind, DataType, Expr, visit_expressions_mut};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::sqlfrag::{parse_expr, span_to_frag};

/// `expr` in a form PostgreSQL stores as it stored `expr` (see the module documentation).
pub fn reparseable(expr: &str) -> Cow<'_, str> {
    let Some(cuts) = array_cast_cuts(expr) else {
        return Cow::Borrowed(expr);
    };
    if cuts.is_empty() {
        return Cow::Borrowed(expr);
    }
    let mut out = String::with_capacity(expr.len());
    let mut at = 0;
    for (start, end) in cuts {
        let Some(keep) = expr.get(at..start) else {
            return Cow::Borrowed(expr);
        };
        out.push_str(keep);
        at = end;
    }
    out.push_str(expr.get(at..).unwrap_or(""));
    // The proof: the rewritten text parses to the source's tree with the casts removed.
    let (Ok(mut want), Ok(got)) = (parse_expr(expr), parse_expr(&out)) else {
        return Cow::Borrowed(expr);
    };
    let _ = visit_expressions_mut(&mut want, |e| {
        if let Expr::AnyOp { right, .. } | Expr::AllOp { right, .. } = e
            && let Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: inner,
                data_type: DataType::Array(_),
                format: None,
            } = right.as_mut()
            && let Expr::Nested(array) = inner.as_mut()
            && let Expr::Array(a) = array.as_ref()
            && a.named
        {
            let array = std::mem::replace(
                array.as_mut(),
                Expr::Value(sqlparser::ast::Value::Null.into()),
            );
            **right = array;
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    if want == got {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(expr)
    }
}

/// Byte ranges to delete, in order: for each `ANY|ALL|SOME ( (ARRAY[...])::type[] )`, the `(`
/// before `ARRAY` and the `)::type[]` after its `]`. `None` when the text does not tokenize.
fn array_cast_cuts(expr: &str) -> Option<Vec<(usize, usize)>> {
    let dialect = PostgreSqlDialect {};
    let tokens: Vec<TokenWithSpan> = Tokenizer::new(&dialect, expr)
        .with_unescape(false)
        .tokenize_with_location()
        .ok()?
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let kw = |i: usize, k: Keyword| {
        tokens.get(i).is_some_and(|t| match &t.token {
            Token::Word(w) => w.keyword == k && w.quote_style.is_none(),
            _ => false,
        })
    };
    let is = |i: usize, t: &Token| tokens.get(i).is_some_and(|x| &x.token == t);
    let start = |i: usize| -> Option<usize> {
        let s = tokens.get(i)?.span;
        span_to_frag(expr, s).map(|f| f.start)
    };
    let mut cuts = Vec::new();
    for i in 0..tokens.len() {
        if !(kw(i, Keyword::ANY) || kw(i, Keyword::ALL) || kw(i, Keyword::SOME))
            || !is(i + 1, &Token::LParen)
            || !is(i + 2, &Token::LParen)
            || !kw(i + 3, Keyword::ARRAY)
            || !is(i + 4, &Token::LBracket)
        {
            continue;
        }
        let Some(close_bracket) = matching(&tokens, i + 4) else {
            continue;
        };
        let Some(close_any) = matching(&tokens, i + 1) else {
            continue;
        };
        if matching(&tokens, i + 2) != Some(close_bracket + 1)
            || !is(close_bracket + 2, &Token::DoubleColon)
            || !is(close_any.wrapping_sub(1), &Token::RBracket)
            || !is(close_any.wrapping_sub(2), &Token::LBracket)
        {
            continue;
        }
        cuts.push((start(i + 2)?, start(i + 3)?));
        cuts.push((start(close_bracket + 1)?, start(close_any)?));
    }
    cuts.sort_unstable();
    Some(cuts)
}

/// The index of the bracket closing the one at `open`, counting `()` and `[]` alike.
fn matching(tokens: &[TokenWithSpan], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::reparseable;

    #[test]
    fn the_implicit_cast_on_an_array_constructor_is_dropped() {
        let cases = [
            (
                "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
                "((status)::text = ANY (ARRAY['a'::character varying, 'b'::character varying]))",
            ),
            (
                "((s)::text <> ALL ((ARRAY['a'::character varying])::text[]))",
                "((s)::text <> ALL (ARRAY['a'::character varying]))",
            ),
            (
                "(((a)::text = ANY ((ARRAY['x'::character varying])::text[])) AND ((b)::text = ANY ((ARRAY['y'::character varying, 'z'::character varying])::text[])))",
                "(((a)::text = ANY (ARRAY['x'::character varying])) AND ((b)::text = ANY (ARRAY['y'::character varying, 'z'::character varying])))",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(reparseable(input), want, "{input}");
        }
    }

    #[test]
    fn everything_else_is_kept_byte_for_byte() {
        for input in [
            "(c = 'abc'::bpchar)",
            "((s)::text = 'q'::text)",
            "((c = ('a'::character varying)::bpchar) OR (c = (s5)::bpchar))",
            "(c2 = ANY (ARRAY['x'::bpchar, 'y'::bpchar]))",
            "((s)::text = ANY (ARRAY['a'::text, 'b'::text]))",
            "(x = ANY (('{1,2}'::integer[])::bigint[]))",
            "('ANY ((ARRAY[''a''])::text[])'::text = s)",
            "not sql (",
        ] {
            assert_eq!(reparseable(input), input);
        }
    }
}
