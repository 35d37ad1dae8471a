//! Qualified names.
//!
//! Input: a schema and a name. Output: [`QName`], ordered by (schema, name), displayed and
//! serialized as SQL (`public.projects`, `"My Schema"."Odd.Name"`) through the one quoting
//! function in `sql::ident`. Invariants: `parse(display(q)) == q`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::sql::ident::quote_ident;

/// One identifier as SQL (`orders`, `"Odd Name"`), through the one quoting function in
/// `sql::ident`: for stages below `sql` that rewrite a name inside a fragment (declared renames).
pub fn ident_sql(name: &str) -> String {
    quote_ident(name)
}

/// A schema-qualified object name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct QName {
    /// Schema.
    pub schema: String,
    /// Object name.
    pub name: String,
}

impl QName {
    /// A name in a schema.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// Parse `schema.name` (either part may be double-quoted). Returns `None` without a schema.
    pub fn parse(text: &str) -> Option<QName> {
        let parts = split_qualified(text)?;
        match parts.as_slice() {
            [schema, name] => Some(QName::new(schema.clone(), name.clone())),
            _ => None,
        }
    }

    /// The name for people: `projects` in the default schema, `auth.users` elsewhere.
    pub fn display_short(&self, default_schema: &str) -> String {
        if self.schema == default_schema {
            self.name.clone()
        } else {
            format!("{}.{}", self.schema, self.name)
        }
    }
}

impl fmt::Display for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.name)
        )
    }
}

impl Serialize for QName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for QName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        QName::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not a qualified name: {s}")))
    }
}

/// Split a dotted name into parts; `"a.b".c` keeps the quoted dot. Unquoted parts are kept as
/// written (case is the user's). Returns `None` for an unterminated quote or an empty part.
pub fn split_qualified(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted_part = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted_part = true;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            current.push('"');
                        }
                        Some('"') => break,
                        Some(ch) => current.push(ch),
                        None => return None,
                    }
                }
            }
            '.' => {
                if current.is_empty() && !quoted_part {
                    return None;
                }
                parts.push(std::mem::take(&mut current));
                quoted_part = false;
            }
            _ => current.push(c),
        }
    }
    if current.is_empty() && !quoted_part {
        return None;
    }
    parts.push(current);
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for q in [
            QName::new("public", "projects"),
            QName::new("My Schema", "odd.name"),
            QName::new("app", "größe"),
            QName::new("a", "say \"hi\""),
        ] {
            assert_eq!(QName::parse(&q.to_string()), Some(q));
        }
        assert_eq!(split_qualified("a..b"), None);
        assert_eq!(split_qualified("\"x"), None);
    }
}
