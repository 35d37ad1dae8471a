//! Fingerprints of SQL text: what is left of an expression once PostgreSQL's rewriting is ignored.
//!
//! Input: an expression as written in the model, or as PostgreSQL prints it back
//! (`pg_get_expr`, `pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_triggerdef`). Output: the
//! set of its identifiers, literals and operators. Invariants: casts (`::type`), parentheses,
//! qualifiers naming a schema of the migrations' search path, `AS alias` in sub-selects and connective keywords are dropped;
//! `IN (…)` and `= ANY (ARRAY[…])` both read as `=`, `NOT IN` and `<> ALL` as `<>`, `BETWEEN` as
//! `>=` and `<=`. Two texts with different fingerprints certainly differ; equal fingerprints
//! mean the same names, constants and operators (the usual kinds of drift).

use std::collections::BTreeSet;

/// Words that PostgreSQL adds, removes or rewrites when it prints an expression back.
const NOISE: &[&str] = &[
    "select", "any", "all", "array", "and", "or", "from", "where", "is", "then", "else", "end",
    "case", "when", "on", "join", "left", "inner", "outer", "some",
];

/// Type words that may follow the first word of a type name after `::`.
const TYPE_WORDS: &[&str] = &["varying", "precision", "with", "without", "time", "zone"];

/// Types whose constants PostgreSQL prints in its own form (`interval '1 hour'` comes back as
/// `'01:00:00'::interval`): their literal values are not compared.
const NORMALIZED_TYPES: &[&str] = &[
    "interval",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "date",
    "inet",
    "cidr",
    "macaddr",
];

/// The token a constant of a [`NORMALIZED_TYPES`] type becomes.
pub const TYPED_CONSTANT: &str = "'…'::typed";

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Literal(String),
    Number(String),
    Op(String),
    Dot,
    Cast,
    Other,
}

/// The text of a `'…'` or `"…"` run starting at `start` (its opening quote), with doubled quotes
/// read as one, and the index just past the closing quote (or the end of the text).
fn quoted_run(chars: &[char], start: usize) -> (String, usize) {
    let quote = chars.get(start).copied().unwrap_or('\'');
    let mut s = String::new();
    let mut i = start + 1;
    while let Some(&ch) = chars.get(i) {
        if ch == quote {
            if chars.get(i + 1) == Some(&quote) {
                s.push(quote);
                i += 2;
                continue;
            }
            return (s, i + 1);
        }
        s.push(ch);
        i += 1;
    }
    (s, i)
}

/// The value of an `E'…'` string whose opening quote is at `start` (backslash escapes read as
/// PostgreSQL reads them; octal, hex and unicode escapes are kept as written), and the index just
/// past its closing quote.
fn escape_run(chars: &[char], start: usize) -> (String, usize) {
    let mut s = String::new();
    let mut i = start + 1;
    while let Some(&ch) = chars.get(i) {
        match ch {
            '\'' if chars.get(i + 1) == Some(&'\'') => {
                s.push('\'');
                i += 2;
            }
            '\'' => return (s, i + 1),
            '\\' => {
                let next = chars.get(i + 1).copied();
                s.push(match next {
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('r') => '\r',
                    Some('b') => '\u{8}',
                    Some('f') => '\u{c}',
                    Some(c) => c,
                    None => '\\',
                });
                i += 2;
            }
            c => {
                s.push(c);
                i += 1;
            }
        }
    }
    (s, i)
}

/// The body of a dollar-quoted string whose opening `$tag$` starts at `start`, and the index just
/// past its closing delimiter; `None` when no dollar quote starts there.
fn dollar_run(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut end = start + 1;
    while let Some(&c) = chars.get(end) {
        if c == '$' {
            break;
        }
        let tag_char = c.is_alphabetic() || c == '_' || (end > start + 1 && c.is_ascii_digit());
        if !tag_char {
            return None;
        }
        end += 1;
    }
    let delimiter: Vec<char> = chars.get(start..=end)?.to_vec();
    let body_start = end + 1;
    let mut i = body_start;
    while i + delimiter.len() <= chars.len() {
        if chars.get(i..i + delimiter.len()) == Some(delimiter.as_slice()) {
            let body: String = chars.get(body_start..i)?.iter().collect();
            return Some((body, i + delimiter.len()));
        }
        i += 1;
    }
    None
}

fn lex(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        if c.is_whitespace() {
            i += 1;
        } else if matches!(c, 'E' | 'e') && at(i + 1) == Some('\'') {
            // `E'…'` (schemac writes a literal with a backslash this way): the same constant as
            // the `'…'` PostgreSQL prints back.
            let s;
            (s, i) = escape_run(&chars, i + 1);
            out.push(Tok::Literal(s));
        } else if let Some((s, end)) = (c == '$').then(|| dollar_run(&chars, i)).flatten() {
            // `$$…$$` is the same constant as the `'…'` PostgreSQL prints back.
            i = end;
            out.push(Tok::Literal(s));
        } else if c == '\'' {
            let s;
            (s, i) = quoted_run(&chars, i);
            if s.trim().parse::<f64>().is_ok() {
                out.push(Tok::Number(s.trim().to_string()));
            } else {
                out.push(Tok::Literal(s));
            }
        } else if c == '"' {
            let s;
            (s, i) = quoted_run(&chars, i);
            out.push(Tok::Quoted(s));
        } else if c.is_ascii_digit() {
            let mut s = String::new();
            while let Some(ch) = at(i) {
                if ch.is_ascii_alphanumeric() || ch == '.' {
                    s.push(ch);
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Tok::Number(s));
        } else if c.is_alphabetic() || c == '_' {
            let mut s = String::new();
            while let Some(ch) = at(i) {
                if ch.is_alphanumeric() || ch == '_' || ch == '$' {
                    s.push(ch);
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Tok::Word(s.to_lowercase()));
        } else if c == ':' && at(i + 1) == Some(':') {
            out.push(Tok::Cast);
            i += 2;
        } else if c == '.' {
            out.push(Tok::Dot);
            i += 1;
        } else if "+-*/<>=~!@#%^&|?".contains(c) {
            let mut s = String::new();
            while let Some(ch) = at(i) {
                if "+-*/<>=~!@#%^&|?".contains(ch) {
                    s.push(ch);
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Tok::Op(if s == "!=" { "<>".to_string() } else { s }));
        } else {
            out.push(Tok::Other);
            i += 1;
        }
    }
    out
}

/// The fingerprint of `text`; qualifiers naming a schema of `search_path` (the migrations'
/// search path, where unqualified names resolve) or `pg_catalog` are dropped. With `keep_keywords`,
/// every word counts (for whole statements such as index and trigger definitions).
pub fn fingerprint(text: &str, search_path: &[String], keep_keywords: bool) -> BTreeSet<String> {
    let toks = lex(text);
    let mut out = BTreeSet::new();
    let mut i = 0;
    let word = |t: Option<&Tok>, w: &str| matches!(t, Some(Tok::Word(x)) if x == w);
    while let Some(t) = toks.get(i) {
        let next = toks.get(i + 1);
        let prev = i.checked_sub(1).and_then(|p| toks.get(p));
        // `ASC`, `DESC NULLS FIRST` and `[ASC] NULLS LAST` are defaults PostgreSQL does not print.
        if keep_keywords && word(Some(t), "asc") {
            i += 1;
            continue;
        }
        if word(Some(t), "nulls")
            && ((word(prev, "desc") && word(next, "first"))
                || (!word(prev, "desc") && word(next, "last")))
        {
            i += 2;
            continue;
        }
        match t {
            Tok::Word(w)
                if NORMALIZED_TYPES.contains(&w.as_str())
                    && matches!(next, Some(Tok::Literal(_))) =>
            {
                out.insert(TYPED_CONSTANT.to_string());
                i += 2;
                continue;
            }
            Tok::Literal(_)
                if next == Some(&Tok::Cast)
                    && matches!(toks.get(i + 2), Some(Tok::Word(w)) if NORMALIZED_TYPES.contains(&w.as_str())) =>
            {
                out.insert(TYPED_CONSTANT.to_string());
            }
            Tok::Cast => {
                // Skip the type name: words joined by dots, continuation words, `[]`.
                i += 1;
                let mut first = true;
                while let Some(t) = toks.get(i) {
                    match t {
                        Tok::Word(w) if first || TYPE_WORDS.contains(&w.as_str()) => {
                            first = false;
                            i += 1;
                        }
                        Tok::Quoted(_) if first => {
                            first = false;
                            i += 1;
                        }
                        Tok::Dot => {
                            first = true;
                            i += 1;
                        }
                        _ => break,
                    }
                }
                continue;
            }
            Tok::Word(w) | Tok::Quoted(w)
                if next == Some(&Tok::Dot)
                    && (w == "pg_catalog" || search_path.iter().any(|s| s == w)) =>
            {
                i += 2;
                continue;
            }
            Tok::Word(w) if !keep_keywords && w == "as" => {
                // `AS alias`: drop both.
                i += 2;
                continue;
            }
            Tok::Word(w)
                if !keep_keywords && w == "not" && next == Some(&Tok::Word("in".into())) =>
            {
                out.insert("<>".to_string());
                i += 2;
                continue;
            }
            Tok::Word(w) if !keep_keywords && w == "in" => {
                out.insert("=".to_string());
            }
            Tok::Word(w) if !keep_keywords && w == "between" => {
                out.insert(">=".to_string());
                out.insert("<=".to_string());
            }
            Tok::Word(w) if !keep_keywords && NOISE.contains(&w.as_str()) => {}
            Tok::Word(w) => {
                out.insert(w.clone());
            }
            Tok::Quoted(w) => {
                out.insert(w.clone());
            }
            Tok::Literal(s) => {
                out.insert(format!("'{s}'"));
            }
            Tok::Number(n) => {
                out.insert(n.clone());
            }
            Tok::Op(o) if o == "-" && matches!(next, Some(Tok::Number(_))) => {
                if let Some(Tok::Number(n)) = next {
                    out.insert(format!("-{n}"));
                }
                i += 2;
                continue;
            }
            Tok::Op(o) => {
                out.insert(o.clone());
            }
            Tok::Dot | Tok::Other => {}
        }
        i += 1;
    }
    out
}

/// Whether two texts have the same fingerprint.
pub fn same(model: &str, database: &str, search_path: &[String], keep_keywords: bool) -> bool {
    fingerprint(model, search_path, keep_keywords)
        == fingerprint(database, search_path, keep_keywords)
}

#[cfg(test)]
mod tests {
    /// The search path of a model whose default schema is `public`.
    fn public() -> Vec<String> {
        vec!["public".to_string()]
    }

    use super::same;

    #[test]
    fn postgres_rewrites_are_ignored() {
        assert!(same(
            "(select auth.uid()) = user_id",
            "(( SELECT auth.uid() AS uid) = user_id)",
            &public(),
            false
        ));
        assert!(same(
            "status in ('a', 'b')",
            "(status = ANY (ARRAY['a'::text, 'b'::text]))",
            &public(),
            false
        ));
        assert!(same(
            "char_length(name) between 1 and 100",
            "((char_length(name) >= 1) AND (char_length(name) <= 100))",
            &public(),
            false
        ));
        assert!(same("-1", "'-1'::integer", &public(), false));
        assert!(same(
            "'active'",
            "'active'::public.project_status",
            &public(),
            false
        ));
        assert!(same(
            "session_id in (select s.id from public.coding_sessions s where s.user_id = (select auth.uid()))",
            "(session_id IN ( SELECT s.id FROM public.coding_sessions s WHERE (s.user_id = ( SELECT auth.uid() AS uid))))",
            &public(),
            false
        ));
        assert!(same("now()", "now()", &public(), false));
        assert!(same(
            "created_at > now() - interval '1 year'",
            "(created_at > (now() - '1 year'::interval))",
            &public(),
            false
        ));
        assert!(same(
            "CREATE INDEX i ON public.t USING btree (a DESC NULLS FIRST, b ASC NULLS LAST)",
            "CREATE INDEX i ON public.t USING btree (a DESC, b)",
            &public(),
            true
        ));
    }

    #[test]
    fn escape_and_dollar_quoted_strings_are_the_constants_they_spell() {
        let p = public();
        assert!(same(
            "f(E'a\\\\b', E'it''s')",
            "f('a\\b', 'it''s')",
            &p,
            true
        ));
        assert!(same("x = E'a\\nb'", "x = 'a\nb'::text", &p, false));
        assert!(same("x = $$it's$$", "x = 'it''s'::text", &p, false));
        assert!(same("x = $t$a$$b$t$", "x = 'a$$b'::text", &p, false));
        assert!(!same("x = $$a$$", "x = 'b'::text", &p, false));
        assert!(!same("f(E'a\\\\b')", "f('a\\\\b')", &p, true));
    }

    #[test]
    fn real_changes_are_seen() {
        assert!(!same("user_id = 1", "owner_id = 1", &public(), false));
        assert!(!same("x > 0", "x >= 0", &public(), false));
        assert!(!same("'a'", "'b'::text", &public(), false));
        assert!(!same("true", "(1 = 1)", &public(), false));
    }
}
