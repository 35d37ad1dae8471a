//! The only place that quotes identifiers and literals.
//!
//! Input: names and strings from the model. Output: SQL text that PostgreSQL reads back as exactly
//! that name or string. Invariants: an identifier is left bare only when PostgreSQL's own
//! `quote_ident()` would leave it bare (lower-case ASCII letters, digits, `_`, and not a keyword
//! that needs quoting), so generated SQL matches what `pg_get_*def()` prints.

use std::sync::OnceLock;

// PostgreSQL's keyword categories (the lint rule SC703 reports them by category); an
// identifier that is any of them is quoted, as `quote_ident()` does.

/// PostgreSQL's RESERVED_KEYWORD list (never an identifier without quotes).
pub const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lateral",
    "leading",
    "limit",
    "localtime",
    "localtimestamp",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "placing",
    "primary",
    "references",
    "returning",
    "select",
    "session_user",
    "some",
    "symmetric",
    "system_user",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
];

/// TYPE_FUNC_NAME_KEYWORD: allowed as function and type names, not as column or table names.
pub const TYPE_FUNC_NAME: &[&str] = &[
    "authorization",
    "binary",
    "collation",
    "concurrently",
    "cross",
    "current_schema",
    "freeze",
    "full",
    "ilike",
    "inner",
    "is",
    "isnull",
    "join",
    "left",
    "like",
    "natural",
    "notnull",
    "outer",
    "overlaps",
    "right",
    "similar",
    "tablesample",
    "verbose",
];

/// COL_NAME_KEYWORD: allowed as column and table names, not as function or type names.
pub const COL_NAME: &[&str] = &[
    "between",
    "bigint",
    "bit",
    "boolean",
    "char",
    "character",
    "coalesce",
    "dec",
    "decimal",
    "exists",
    "extract",
    "float",
    "greatest",
    "grouping",
    "inout",
    "int",
    "integer",
    "interval",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "least",
    "merge_action",
    "national",
    "nchar",
    "none",
    "normalize",
    "nullif",
    "numeric",
    "out",
    "overlay",
    "position",
    "precision",
    "real",
    "row",
    "setof",
    "smallint",
    "substring",
    "time",
    "timestamp",
    "treat",
    "trim",
    "values",
    "varchar",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Whether a name can be written without quotes. Called for every identifier written (tens of
/// thousands per migration), so it looks at bytes: a non-ASCII byte is never bare.
pub fn is_bare_ident(name: &str) -> bool {
    let Some((&first, rest)) = name.as_bytes().split_first() else {
        return false;
    };
    (first.is_ascii_lowercase() || first == b'_')
        && rest
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'$')
        && !is_keyword(name)
}

/// Whether `name` is in one of the keyword lists: one binary search of all of them, ordered by
/// length and then by text, so that most steps compare two lengths and no text.
fn is_keyword(name: &str) -> bool {
    static BY_LENGTH: OnceLock<Vec<&'static str>> = OnceLock::new();
    BY_LENGTH
        .get_or_init(|| {
            let mut all = [RESERVED, TYPE_FUNC_NAME, COL_NAME].concat();
            all.sort_unstable_by_key(by_length_then_text);
            all
        })
        .binary_search_by_key(&(name.len(), name), by_length_then_text)
        .is_ok()
}

/// The order of [`is_keyword`]'s search.
fn by_length_then_text<'a>(keyword: &&'a str) -> (usize, &'a str) {
    (keyword.len(), keyword)
}

/// Quote an identifier if PostgreSQL needs it quoted.
pub fn quote_ident(name: &str) -> String {
    if is_bare_ident(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A string literal that PostgreSQL reads back as exactly `text` whatever
/// `standard_conforming_strings` is: `'…'` with `''` when the text has no backslash (a backslash
/// is the only character the setting changes), `E'…'` with `\\` and `''` when it has one.
/// Migrations also pin the setting (see [`crate::plan::settings`]); the literal does not rely on it.
pub fn quote_literal(text: &str) -> String {
    if !text.contains('\\') || LEGACY_LITERALS.with(std::cell::Cell::get) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str("E'");
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

thread_local! {
    /// Whether [`quote_literal`] writes backslashes bare, as schemac did before it wrote `E'…'`
    /// (set only by [`with_legacy_literals`]).
    static LEGACY_LITERALS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with [`quote_literal`] writing literals as migrations written before the session
/// settings were pinned did (`'a\b'`), on this thread only: `schemac check` renders a committed
/// first migration the way it was written, since committed migrations are never rewritten.
pub fn with_legacy_literals<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            LEGACY_LITERALS.with(|l| l.set(self.0));
        }
    }
    let _reset = Reset(LEGACY_LITERALS.with(|l| l.replace(true)));
    f()
}

/// Text for a `-- ` comment line: control characters (a newline or carriage return would end
/// the comment and start a statement) are written as escapes, so data can never leave the comment.
pub fn comment_text(text: &str) -> std::borrow::Cow<'_, str> {
    crate::diagnostics::escape_control(text)
}

/// Dollar-quote a body with a tag whose closing delimiter is found exactly at its end: the tag
/// does not occur in the body, and the body's last characters do not form the delimiter with it
/// (a body ending in `$` cannot take `$$`).
pub fn dollar_quote(body: &str) -> String {
    let mut n = 0u32;
    loop {
        let delimiter = match n {
            0 => "$$".to_string(),
            1 => "$body$".to_string(),
            n => format!("$body{n}$"),
        };
        let closed = format!("{body}{delimiter}");
        if closed.find(&delimiter) == Some(body.len()) {
            return format!("{delimiter}{closed}");
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_lists_are_kept_sorted() {
        for list in [RESERVED, TYPE_FUNC_NAME, COL_NAME] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, list);
        }
    }

    #[test]
    fn every_keyword_is_recognised() {
        for list in [RESERVED, TYPE_FUNC_NAME, COL_NAME] {
            for k in list {
                assert!(is_keyword(k), "{k}");
                assert!(!is_bare_ident(k), "{k}");
                assert!(!is_keyword(&format!("{k}_")), "{k}_");
            }
        }
        assert!(!is_keyword(""));
        assert!(is_bare_ident("accounts"));
    }

    #[test]
    fn a_name_is_a_keyword_exactly_when_a_list_holds_it() {
        let lists = [RESERVED, TYPE_FUNC_NAME, COL_NAME];
        let in_a_list = |name: &str| lists.iter().any(|list| list.contains(&name));
        for list in lists {
            for k in list {
                for end in 0..=k.len() {
                    let prefix = &k[..end];
                    assert_eq!(is_keyword(prefix), in_a_list(prefix), "{prefix}");
                    let changed = format!("{prefix}x{}", &k[end..]);
                    assert_eq!(is_keyword(&changed), in_a_list(&changed), "{changed}");
                }
            }
        }
        for name in [
            "tenant_id",
            "created_at",
            "_user",
            "user$",
            "a",
            "x1",
            "",
            "Select",
        ] {
            assert_eq!(is_keyword(name), in_a_list(name), "{name}");
        }
        assert!(!is_bare_ident("Select"));
        assert!(!is_bare_ident("ß"));
        assert!(!is_bare_ident("a\u{e9}"));
        assert!(is_bare_ident("_x$1"));
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("projects"), "projects");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("Order Total"), "\"Order Total\"");
        assert_eq!(quote_ident("größe"), "\"größe\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("1x"), "\"1x\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(dollar_quote("select 1"), "$$select 1$$");
        assert_eq!(dollar_quote("a $$ b"), "$body$a $$ b$body$");
        assert_eq!(dollar_quote("$$ $body$"), "$body2$$$ $body$$body2$");
        assert_eq!(dollar_quote("x$"), "$body$x$$body$");
        assert_eq!(dollar_quote("a $$ b$body"), "$body2$a $$ b$body$body2$");
        assert_eq!(quote_literal("back\\slash"), "E'back\\\\slash'");
        assert_eq!(quote_literal("it's \\"), "E'it''s \\\\'");
        assert_eq!(with_legacy_literals(|| quote_literal("a\\b")), "'a\\b'");
        assert_eq!(quote_literal("a\\b"), "E'a\\\\b'");
        // Data in a `-- ` comment line cannot end the line.
        assert_eq!(
            comment_text("Table public.\"x\ndrop table y;\r\"\u{1b}"),
            "Table public.\"x\\ndrop table y;\\r\"\\u{1b}"
        );
        assert_eq!(
            comment_text("Table public.projects"),
            "Table public.projects"
        );
    }
}
