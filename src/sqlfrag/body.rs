//! The tables a function body reads or writes, from its tokens.
//!
//! Input: a function body (`language: sql` or `plpgsql`) as the model holds it. Output: the
//! relation names written after `FROM`, `JOIN`, `UPDATE` and `INSERT INTO` (a `FROM` list's
//! further names after commas too), folded as PostgreSQL folds identifiers, in the order written.
//! Invariants: the body is read with sqlparser's PostgreSQL tokenizer, never searched as text, so
//! names inside strings, comments and dollar-quoted dynamic SQL (`EXECUTE $q$ … $q$`) are not
//! seen; PL/pgSQL's `SELECT … INTO variable` is not a relation (only `INSERT INTO` is); the
//! `FROM` of `extract(… from x)`, `substring(… from …)`, `trim(… from …)` and other calls is an
//! argument, not a relation. Dynamic SQL built at run time is invisible here: callers say so.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer, Word};

/// A relation as written: schema (if qualified) and name, folded.
pub type RelationName = (Option<String>, String);

fn fold(w: &Word) -> String {
    if w.quote_style.is_some() {
        w.value.clone()
    } else {
        w.value.to_lowercase()
    }
}

/// Keywords that open a call whose arguments may contain `FROM` (`extract(epoch from t)`).
const CALL_KEYWORDS: &[Keyword] = &[
    Keyword::EXTRACT,
    Keyword::SUBSTRING,
    Keyword::TRIM,
    Keyword::OVERLAY,
    Keyword::POSITION,
];

/// Keywords after which a relation name cannot start (a subquery, `LATERAL`, `ONLY` skipped).
fn starts_no_relation(w: &Word) -> bool {
    matches!(
        w.keyword,
        Keyword::SELECT | Keyword::LATERAL | Keyword::VALUES | Keyword::WITH
    )
}

/// The relations `body` names after `FROM`, `JOIN`, `UPDATE` and `INSERT INTO`. A body the
/// tokenizer cannot read (an unterminated string) yields what was read before the error.
pub fn relations(body: &str) -> Vec<RelationName> {
    let dialect = PostgreSqlDialect {};
    let tokens: Vec<Token> = match Tokenizer::new(&dialect, body).tokenize() {
        Ok(t) => t,
        Err(_) => return Vec::new(),
    }
    .into_iter()
    .filter(|t| !matches!(t, Token::Whitespace(_)))
    .collect();
    let mut out = Vec::new();
    // For each open parenthesis: whether it opened a call (its `FROM` is an argument).
    let mut parens: Vec<bool> = Vec::new();
    let mut i = 0;
    while let Some(tok) = tokens.get(i) {
        match tok {
            Token::LParen => {
                let call = matches!(
                    i.checked_sub(1).and_then(|p| tokens.get(p)),
                    Some(Token::Word(w))
                        if w.keyword == Keyword::NoKeyword || CALL_KEYWORDS.contains(&w.keyword)
                );
                parens.push(call);
            }
            Token::RParen => {
                parens.pop();
            }
            Token::Word(w) => {
                let in_call = parens.last().copied().unwrap_or(false);
                let starts = match w.keyword {
                    Keyword::FROM => !in_call,
                    Keyword::JOIN | Keyword::UPDATE => true,
                    Keyword::INTO => matches!(
                        i.checked_sub(1).and_then(|p| tokens.get(p)),
                        Some(Token::Word(p)) if p.keyword == Keyword::INSERT
                    ),
                    _ => false,
                };
                if starts {
                    let from = w.keyword == Keyword::FROM;
                    let calls = from || w.keyword == Keyword::JOIN;
                    i = read_list(&tokens, i + 1, from, calls, &mut out);
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Read one relation name at `i` (after `ONLY`), and with `list` the further names of a `FROM`
/// list (`from a x, b y`); with `calls`, a name followed by `(` is a set-returning call
/// (`from generate_series(1, 3)`), else the `(` opens a column list (`insert into t (a, b)`).
/// Returns the index after what was read.
fn read_list(
    tokens: &[Token],
    mut i: usize,
    list: bool,
    calls: bool,
    out: &mut Vec<RelationName>,
) -> usize {
    loop {
        if let Some(Token::Word(w)) = tokens.get(i)
            && w.keyword == Keyword::ONLY
        {
            i += 1;
        }
        let Some(Token::Word(first)) = tokens.get(i) else {
            return i;
        };
        if starts_no_relation(first) {
            return i;
        }
        let mut name = (None, fold(first));
        i += 1;
        if let (Some(Token::Period), Some(Token::Word(second))) = (tokens.get(i), tokens.get(i + 1))
        {
            name = (Some(name.1), fold(second));
            i += 2;
        }
        // A call (`from generate_series(1, 3)`), not a relation.
        if calls && matches!(tokens.get(i), Some(Token::LParen)) {
            return i;
        }
        out.push(name);
        if !list {
            return i;
        }
        // An alias (`AS x` or `x`), then a comma continues the list.
        if let Some(Token::Word(w)) = tokens.get(i)
            && w.keyword == Keyword::AS
        {
            i += 1;
        }
        if let Some(Token::Word(w)) = tokens.get(i)
            && w.keyword == Keyword::NoKeyword
        {
            i += 1;
        }
        if matches!(tokens.get(i), Some(Token::Comma)) {
            i += 1;
            continue;
        }
        return i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(body: &str) -> Vec<String> {
        relations(body)
            .into_iter()
            .map(|(s, n)| match s {
                Some(s) => format!("{s}.{n}"),
                None => n,
            })
            .collect()
    }

    #[test]
    fn sql_bodies() {
        assert_eq!(
            names(
                "select exists (select 1 from public.Members m join teams t on t.id = m.team_id where m.org = o)"
            ),
            ["public.members", "teams"]
        );
        assert_eq!(names("select * from a, b as y, \"C\" z"), ["a", "b", "C"]);
        assert_eq!(names("select * from only parents"), ["parents"]);
        assert_eq!(
            names(
                "insert into audit.log (x) select 1; update counters set n = n + 1; delete from q"
            ),
            ["audit.log", "counters", "q"]
        );
    }

    #[test]
    fn what_is_not_a_relation() {
        assert!(
            names("select extract(epoch from created_at) + length(substring(x from 2))").is_empty()
        );
        assert!(names("select * from generate_series(1, 3) g").is_empty());
        assert!(names("select * from (select 1) s").is_empty());
        assert!(names("select 'from members' -- from members\n").is_empty());
        assert!(names("begin execute $q$ select * from members $q$; end").is_empty());
    }

    #[test]
    fn plpgsql_bodies() {
        assert_eq!(
            names(
                "declare v int; begin select count(*) into v from app.members where org = o; \
                 perform 1 from teams; return v > 0; end"
            ),
            ["app.members", "teams"]
        );
    }
}
