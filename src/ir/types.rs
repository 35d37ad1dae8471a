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
}
