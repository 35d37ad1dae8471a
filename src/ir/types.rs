//! Column types: parsing what users write and normalising it to what PostgreSQL prints.
//!
//! Input: a type as written (`varchar(100)`, `timestamptz`, `text[]`, `app.status`).
//! Output: [`WrittenType`] (base, modifiers, array dimensions) and, for built-in types, the name
//! `format_type()` prints. Enum and extension types are resolved by `resolve`, which knows the
//! model. Invariants: no allocation-heavy parsing; unknown types are not guessed.

/// A type as written, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenType {
    /// Schema, when written qualified.
    pub schema: Option<String>,
    /// Base name, lower-cased (unless quoted), inner spaces collapsed.
    pub base: String,
    /// Modifiers without parentheses, spaces removed (`10,2`).
    pub modifiers: Option<String>,
    /// Number of `[]` suffixes.
    pub array_dims: usize,
}

/// Split a written type. `None` when it is not a well-formed type name.
pub fn parse_written(text: &str) -> Option<WrittenType> {
    let mut t = text.trim();
    let mut array_dims = 0;
    loop {
        let trimmed = t.trim_end();
        if let Some(rest) = trimmed.strip_suffix("[]") {
            array_dims += 1;
            t = rest;
        } else if let Some(rest) = trimmed.strip_suffix(']') {
            // `int[3]`: PostgreSQL ignores the size.
            let open = rest.rfind('[')?;
            if !rest.get(open + 1..)?.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            array_dims += 1;
            t = rest.get(..open)?;
        } else {
            t = trimmed;
            break;
        }
    }
    let lower_t = t.to_ascii_lowercase();
    if let Some(rest) = lower_t.strip_suffix(" array") {
        array_dims += 1;
        t = t.get(..rest.len())?;
    }
    // Modifiers: the first parenthesised group (`timestamp(3) with time zone` keeps its suffix).
    let (mut name, modifiers) = match t.find('(') {
        Some(open) => {
            let close = t.get(open..)?.find(')')? + open;
            let mods: String = t
                .get(open + 1..close)?
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if mods.is_empty() {
                return None;
            }
            let before = t.get(..open)?.trim_end();
            let after = t.get(close + 1..)?.trim();
            let name = if after.is_empty() {
                before.to_string()
            } else {
                format!("{before} {after}")
            };
            (name, Some(mods))
        }
        None => (t.to_string(), None),
    };
    if name.is_empty() {
        return None;
    }
    let mut schema = None;
    if !name.contains(' ') || name.starts_with('"') {
        let parts = crate::ir::name::split_qualified(&name)?;
        match parts.as_slice() {
            [n] => name = fold_case(&name, n),
            [s, n] => {
                schema = Some(s.clone());
                name = n.clone();
            }
            _ => return None,
        }
    } else {
        name = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase();
    }
    if name.chars().any(|c| c.is_control()) {
        return None;
    }
    Some(WrittenType {
        schema,
        base: name,
        modifiers,
        array_dims,
    })
}

/// One token of a type as written in a signature (see [`is_type_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    /// A bare word (`varchar`, `with`, `public`).
    Word(&'a str),
    /// A double-quoted identifier.
    Quoted,
    /// Digits.
    Num,
    Dot,
    Open,
    Close,
    Comma,
    OpenBracket,
    CloseBracket,
}

/// Split a written type into [`Tok`]s; `None` at any character a type name cannot hold (a
/// quote, `;`, `$`, `-`, `/`, a control character…).
fn type_tokens(text: &str) -> Option<Vec<Tok<'_>>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let (tok, len) = match c {
            ' ' | '\t' | '\n' | '\r' => {
                rest = rest.get(1..)?;
                continue;
            }
            '.' => (Tok::Dot, 1),
            '(' => (Tok::Open, 1),
            ')' => (Tok::Close, 1),
            ',' => (Tok::Comma, 1),
            '[' => (Tok::OpenBracket, 1),
            ']' => (Tok::CloseBracket, 1),
            '0'..='9' => {
                let len = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                (Tok::Num, len)
            }
            '"' => {
                // `"…"` with `""` for a quote; never empty, never a control character.
                let mut end = None;
                let mut chars = rest.char_indices().skip(1).peekable();
                while let Some((i, c)) = chars.next() {
                    if c.is_control() {
                        return None;
                    }
                    if c == '"' {
                        if chars.peek().is_some_and(|(_, n)| *n == '"') {
                            chars.next();
                            continue;
                        }
                        end = Some(i + 1);
                        break;
                    }
                }
                let end = end?;
                if end <= 2 {
                    return None;
                }
                (Tok::Quoted, end)
            }
            c if c.is_alphabetic() || c == '_' => {
                let len = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                (Tok::Word(rest.get(..len)?), len)
            }
            _ => return None,
        };
        out.push(tok);
        rest = rest.get(len..)?;
    }
    Some(out)
}

/// Whether `toks` are exactly one type: a name (`text`, `app.status`, `"My Type"`, or a
/// built-in name of several words such as `double precision`), at most one modifier list of
/// numbers and words (`(10,2)`, `(Point,4326)`), and array suffixes (`[]`, `[3]`, `array`).
fn is_type_tokens(toks: &[Tok<'_>]) -> bool {
    let mut i = 0;
    let at = |i: usize| toks.get(i).copied();
    // The name: one part, or two joined by a dot.
    let mut words: Vec<String> = Vec::new();
    match at(i) {
        Some(Tok::Word(w)) => words.push(w.to_ascii_lowercase()),
        Some(Tok::Quoted) => {}
        _ => return false,
    }
    i += 1;
    let mut qualified = false;
    if at(i) == Some(Tok::Dot) {
        if !matches!(at(i + 1), Some(Tok::Word(_) | Tok::Quoted)) {
            return false;
        }
        qualified = true;
        words.clear();
        i += 2;
    }
    let mut modifiers = false;
    loop {
        match at(i) {
            Some(Tok::Word(w)) if !w.eq_ignore_ascii_case("array") => {
                if qualified || words.is_empty() {
                    return false;
                }
                words.push(w.to_ascii_lowercase());
                i += 1;
            }
            Some(Tok::Open) if !modifiers => {
                modifiers = true;
                i += 1;
                loop {
                    if !matches!(at(i), Some(Tok::Num | Tok::Word(_))) {
                        return false;
                    }
                    i += 1;
                    match at(i) {
                        Some(Tok::Comma) => i += 1,
                        Some(Tok::Close) => {
                            i += 1;
                            break;
                        }
                        _ => return false,
                    }
                }
            }
            _ => break,
        }
    }
    if words.len() > 1 && !BUILTIN.iter().any(|(k, _)| *k == words.join(" ")) {
        return false;
    }
    // Array suffixes.
    loop {
        match at(i) {
            None => return true,
            Some(Tok::OpenBracket) => {
                i += 1;
                if at(i) == Some(Tok::Num) {
                    i += 1;
                }
                if at(i) != Some(Tok::CloseBracket) {
                    return false;
                }
                i += 1;
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("array") => {
                i += 1;
                if at(i) == Some(Tok::OpenBracket) {
                    if at(i + 1) != Some(Tok::Num) || at(i + 2) != Some(Tok::CloseBracket) {
                        return false;
                    }
                    i += 3;
                }
            }
            _ => return false,
        }
    }
}

/// Whether `text` is exactly one type name (see [`is_type_tokens`]): what a column, an
/// argument or a function result may say. Nothing else (a clause, a second item, a literal)
/// can be written there, so the text is safe to copy into a statement.
pub fn is_type_name(text: &str) -> bool {
    type_tokens(text).is_some_and(|t| is_type_tokens(&t))
}

/// Whether `text` is exactly one function result: a type, `setof <type>`, or
/// `table (<name> <type>, …)`.
pub fn is_return_type(text: &str) -> bool {
    let Some(toks) = type_tokens(text) else {
        return false;
    };
    match toks.as_slice() {
        [Tok::Word(w), rest @ ..] if w.eq_ignore_ascii_case("setof") => is_type_tokens(rest),
        [Tok::Word(w), Tok::Open, inner @ .., Tok::Close] if w.eq_ignore_ascii_case("table") => {
            // Columns split at the commas outside a modifier list.
            let mut depth = 0usize;
            let mut columns: Vec<&[Tok<'_>]> = Vec::new();
            let mut start = 0;
            for (i, t) in inner.iter().enumerate() {
                match t {
                    Tok::Open => depth += 1,
                    Tok::Close => match depth.checked_sub(1) {
                        Some(d) => depth = d,
                        None => return false,
                    },
                    Tok::Comma if depth == 0 => {
                        columns.push(inner.get(start..i).unwrap_or(&[]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            columns.push(inner.get(start..).unwrap_or(&[]));
            depth == 0
                && columns.iter().all(|c| match c {
                    [Tok::Word(_) | Tok::Quoted, ty @ ..] => is_type_tokens(ty),
                    _ => false,
                })
        }
        all => is_type_tokens(all),
    }
}

/// Whether `text` is exactly one name, qualified or not (`text_pattern_ops`,
/// `public.gin_trgm_ops`, `"C"`): what an operator class may say.
pub fn is_qualified_name(text: &str) -> bool {
    matches!(
        type_tokens(text).as_deref(),
        Some(
            [Tok::Word(_) | Tok::Quoted]
                | [
                    Tok::Word(_) | Tok::Quoted,
                    Tok::Dot,
                    Tok::Word(_) | Tok::Quoted
                ]
        )
    )
}

fn fold_case(written: &str, unquoted: &str) -> String {
    if written.starts_with('"') {
        unquoted.to_string()
    } else {
        unquoted.to_lowercase()
    }
}

/// Names PostgreSQL accepts for a built-in type, mapped to the name `format_type()` prints.
const BUILTIN: &[(&str, &str)] = &[
    ("bigint", "bigint"),
    ("bit", "bit"),
    ("bit varying", "bit varying"),
    ("bool", "boolean"),
    ("boolean", "boolean"),
    ("box", "box"),
    ("bytea", "bytea"),
    ("char", "character"),
    ("character", "character"),
    ("character varying", "character varying"),
    ("cidr", "cidr"),
    ("circle", "circle"),
    ("date", "date"),
    ("datemultirange", "datemultirange"),
    ("daterange", "daterange"),
    ("decimal", "numeric"),
    ("double precision", "double precision"),
    ("float4", "real"),
    ("float8", "double precision"),
    ("inet", "inet"),
    ("int", "integer"),
    ("int2", "smallint"),
    ("int4", "integer"),
    ("int4multirange", "int4multirange"),
    ("int4range", "int4range"),
    ("int8", "bigint"),
    ("int8multirange", "int8multirange"),
    ("int8range", "int8range"),
    ("integer", "integer"),
    ("interval", "interval"),
    ("json", "json"),
    ("jsonb", "jsonb"),
    ("jsonpath", "jsonpath"),
    ("line", "line"),
    ("lseg", "lseg"),
    ("macaddr", "macaddr"),
    ("macaddr8", "macaddr8"),
    ("money", "money"),
    ("name", "name"),
    ("numeric", "numeric"),
    ("nummultirange", "nummultirange"),
    ("numrange", "numrange"),
    ("oid", "oid"),
    ("path", "path"),
    ("pg_lsn", "pg_lsn"),
    ("point", "point"),
    ("polygon", "polygon"),
    ("real", "real"),
    ("regclass", "regclass"),
    ("regconfig", "regconfig"),
    ("regtype", "regtype"),
    ("smallint", "smallint"),
    ("text", "text"),
    ("time", "time without time zone"),
    ("time with time zone", "time with time zone"),
    ("time without time zone", "time without time zone"),
    ("timestamp", "timestamp without time zone"),
    ("timestamp with time zone", "timestamp with time zone"),
    ("timestamp without time zone", "timestamp without time zone"),
    ("timestamptz", "timestamp with time zone"),
    ("timetz", "time with time zone"),
    ("tsmultirange", "tsmultirange"),
    ("tsquery", "tsquery"),
    ("tsrange", "tsrange"),
    ("tstzmultirange", "tstzmultirange"),
    ("tstzrange", "tstzrange"),
    ("tsvector", "tsvector"),
    ("uuid", "uuid"),
    ("varbit", "bit varying"),
    ("varchar", "character varying"),
    ("xml", "xml"),
];

/// Types an extension provides, by extension name.
pub const EXTENSION_TYPES: &[(&str, &[&str])] = &[
    ("citext", &["citext"]),
    ("cube", &["cube"]),
    ("hstore", &["hstore"]),
    ("isn", &["isbn", "isbn13", "ean13", "issn", "upc"]),
    ("ltree", &["ltree", "lquery", "ltxtquery"]),
    ("postgis", &["geometry", "geography", "box2d", "box3d"]),
    ("vector", &["vector", "halfvec", "sparsevec"]),
];

/// Pseudo-types that are not column types, with the advice to give.
pub const REJECTED: &[(&str, &str)] = &[
    ("bigserial", "use `type: bigint` with `identity: always`"),
    ("serial", "use `type: integer` with `identity: always`"),
    ("serial4", "use `type: integer` with `identity: always`"),
    ("serial8", "use `type: bigint` with `identity: always`"),
    (
        "smallserial",
        "use `type: smallint` with `identity: always`",
    ),
];

/// Every built-in spelling, for "did you mean" suggestions.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(k, _)| *k)
}

/// The `format_type()` text of a built-in type (without array brackets), or `None`.
pub fn builtin_sql(t: &WrittenType) -> Option<String> {
    if t.schema.as_deref().is_some_and(|s| s != "pg_catalog") {
        return None;
    }
    let canonical = BUILTIN
        .binary_search_by(|(k, _)| (*k).cmp(t.base.as_str()))
        .ok()
        .and_then(|i| BUILTIN.get(i))
        .map(|(_, v)| *v)?;
    let mods = t.modifiers.as_deref();
    Some(match (canonical, mods) {
        ("real", _) | ("double precision", _) if mods.is_some() => return None,
        ("timestamp without time zone", Some(m)) => format!("timestamp({m}) without time zone"),
        ("timestamp with time zone", Some(m)) => format!("timestamp({m}) with time zone"),
        ("time without time zone", Some(m)) => format!("time({m}) without time zone"),
        ("time with time zone", Some(m)) => format!("time({m}) with time zone"),
        ("character", None) => "character(1)".to_string(),
        ("bit", None) => "bit(1)".to_string(),
        (c, Some(m)) => format!("{c}({m})"),
        (c, None) => c.to_string(),
    })
}

/// Append `[]` per array dimension.
pub fn with_array(base: String, dims: usize) -> String {
    let mut s = base;
    for _ in 0..dims {
        s.push_str("[]");
    }
    s
}

/// A family of types that compare with each other (for foreign keys).
pub fn family(type_sql: &str) -> &str {
    let base = type_sql.split('(').next().unwrap_or(type_sql);
    // Extension types are schema-qualified (`public.citext`); compare by the type's own name.
    let base = if base.contains(' ') {
        base
    } else {
        base.rsplit('.').next().unwrap_or(base)
    };
    match base {
        "smallint" | "integer" | "bigint" | "numeric" => "integer",
        "text" | "character varying" | "character" | "citext" => "string",
        b if b.starts_with("timestamp") => "timestamp",
        b => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(t: &str) -> Option<String> {
        let w = parse_written(t)?;
        builtin_sql(&w).map(|b| with_array(b, w.array_dims))
    }

    #[test]
    fn builtin_table_is_sorted() {
        let mut v: Vec<&str> = builtin_names().collect();
        v.sort_unstable();
        assert_eq!(v, builtin_names().collect::<Vec<_>>());
    }

    #[test]
    fn normalises_aliases() {
        assert_eq!(sql("int").as_deref(), Some("integer"));
        assert_eq!(sql("INT8").as_deref(), Some("bigint"));
        assert_eq!(
            sql("varchar(100)").as_deref(),
            Some("character varying(100)")
        );
        assert_eq!(sql("numeric(10, 2)").as_deref(), Some("numeric(10,2)"));
        assert_eq!(
            sql("timestamptz").as_deref(),
            Some("timestamp with time zone")
        );
        assert_eq!(
            sql("timestamp(3) with time zone").as_deref(),
            Some("timestamp(3) with time zone")
        );
        assert_eq!(sql("text[]").as_deref(), Some("text[]"));
        assert_eq!(sql("integer[][]").as_deref(), Some("integer[][]"));
        assert_eq!(sql("int[3]").as_deref(), Some("integer[]"));
        assert_eq!(
            sql("double   precision").as_deref(),
            Some("double precision")
        );
        assert_eq!(sql("char").as_deref(), Some("character(1)"));
        assert_eq!(sql("strng"), None);
        assert_eq!(parse_written("varchar("), None);
        assert_eq!(parse_written(""), None);
    }

    #[test]
    fn type_names_are_exactly_one_type() {
        for ok in [
            "text",
            "varchar(100)",
            "numeric(10, 2)",
            "timestamp(3) with time zone",
            "double   precision",
            "character varying(20)[]",
            "int[3]",
            "text ARRAY",
            "app.status",
            "\"My \"\"Type\"\"\"",
            "public.geometry(Point,4326)",
            "trigger",
        ] {
            assert!(is_type_name(ok), "{ok}");
        }
        for bad in [
            "",
            "int)",
            "int, b int",
            "void security definer",
            "int default 1",
            "int; drop table x",
            "text -- x",
            "varchar(1;drop)",
            "varchar(1)(2)",
            "\"\"",
            "\"a\nb\"",
            "a.b.c",
            "int[x]",
            "text $$",
            "int4 /* */",
            "'text'",
        ] {
            assert!(!is_type_name(bad), "{bad}");
        }
        for ok in [
            "setof text",
            "SETOF public.projects",
            "table (id uuid, total numeric(10,2), \"Name\" text[])",
            "void",
        ] {
            assert!(is_return_type(ok), "{ok}");
        }
        for bad in [
            "setof",
            "table ()",
            "table (id)",
            "table (id uuid,)",
            "table (id uuid) as $$",
            "void language sql",
            "int) returns int as 'select 1'",
        ] {
            assert!(!is_return_type(bad), "{bad}");
        }
    }
}
