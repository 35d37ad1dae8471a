//! YAML text → a spanned node tree.
//!
//! Input: one file's text. Output: a [`Node`] tree where every node and every mapping key carries
//! its byte [`Span`], or a syntax diagnostic (`E101`).
//! Invariants: mapping entries keep document order and duplicates (the decoder reports them with
//! both spans); numbers keep their source spelling (`1.10` stays `1.10`); a scalar records how it
//! was written, so SQL error positions can be mapped back into the file exactly where that is
//! possible (plain one-line and `|` literal scalars).

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, SourceFile, Span};

/// How a string scalar was written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted on one line: the value is the source text.
    Plain,
    /// A `|` block: each value line is a source line after `indent` bytes.
    Literal {
        /// Bytes of indentation removed from each line.
        indent: usize,
    },
    /// Quoted, folded or multi-line plain: positions inside are not exact.
    Other,
}

/// A YAML node.
#[derive(Debug, Clone)]
pub struct Node {
    /// Where the node is. Mappings and sequences point at their first entry.
    pub span: Span,
    /// What it is.
    pub kind: NodeKind,
}

/// A mapping key.
#[derive(Debug, Clone)]
pub struct Key {
    /// The key as text.
    pub name: String,
    /// Where the key is.
    pub span: Span,
}

/// The kinds of YAML node.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    Str(String, ScalarStyle),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order, duplicates kept.
    Map(Vec<(Key, Node)>),
}

impl NodeKind {
    /// The kind in words, for "expected …, found …" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            NodeKind::Null => "nothing",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Number(_) => "a number",
            NodeKind::Str(..) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

enum Raw {
    Null,
    Bool(bool),
    Number,
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                Raw::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(v))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Raw, E> {
                Ok(Raw::Number)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Raw, E> {
                Ok(Raw::Number)
            }
            fn visit_i128<E>(self, _: i128) -> Result<Raw, E> {
                Ok(Raw::Number)
            }
            fn visit_u128<E>(self, _: u128) -> Result<Raw, E> {
                Ok(Raw::Number)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Raw, E> {
                Ok(Raw::Number)
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Raw, E> {
                Ok(Raw::Str(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Raw, E> {
                Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Raw::Seq(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut v = Vec::new();
                while let Some(entry) = a.next_entry()? {
                    v.push(entry);
                }
                Ok(Raw::Map(v))
            }
        }
        d.deserialize_any(V)
    }
}

fn span_of(file: FileId, loc: &serde_saphyr::Location, text_len: usize) -> Span {
    let s = loc.span();
    let start = s.byte_offset().unwrap_or(0) as usize;
    let len = s.byte_len().unwrap_or(0) as usize;
    let start = start.min(text_len);
    Span::new(file, start, len.min(text_len - start))
}

pub fn style_of(src: &SourceFile, span: Span, value: &str) -> ScalarStyle {
    let text = &src.text;
    let start = span.start as usize;
    let slice = text.get(start..span.end()).unwrap_or("");
    if slice == value && !value.contains('\n') {
        return ScalarStyle::Plain;
    }
    let before = text.get(..start).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let indent = start - line_start;
    let indicator_line = before
        .get(..line_start.saturating_sub(1))
        .map(|b| b.rsplit('\n').next().unwrap_or(b).trim_end())
        .unwrap_or("");
    let indicator = indicator_line.rsplit([' ', ':', '-']).next().unwrap_or("");
    if indicator.starts_with('|')
        && before
            .get(line_start..)
            .is_some_and(|p| p.trim().is_empty())
    {
        return ScalarStyle::Literal { indent };
    }
    ScalarStyle::Other
}

fn convert(src: &SourceFile, file: FileId, raw: Spanned<Raw>) -> Node {
    let span = span_of(file, &raw.referenced, src.text.len());
    let kind = match raw.value {
        Raw::Null => NodeKind::Null,
        Raw::Bool(b) => NodeKind::Bool(b),
        Raw::Number => {
            let t = src.text.get(span.start as usize..span.end()).unwrap_or("");
            NodeKind::Number(t.trim().to_string())
        }
        Raw::Str(s) => {
            let style = style_of(src, span, &s);
            NodeKind::Str(s, style)
        }
        Raw::Seq(items) => {
            NodeKind::Seq(items.into_iter().map(|n| convert(src, file, n)).collect())
        }
        Raw::Map(entries) => NodeKind::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key_node = convert(src, file, k);
                    // YAML 1.1 reads `on:`/`yes:` keys as booleans: keep the key as written.
                    let written = src
                        .text
                        .get(key_node.span.start as usize..key_node.span.end())
                        .unwrap_or("")
                        .to_string();
                    let name = match &key_node.kind {
                        NodeKind::Str(s, _) => s.clone(),
                        NodeKind::Number(n) => n.clone(),
                        NodeKind::Bool(b) if written.is_empty() => b.to_string(),
                        NodeKind::Bool(_) => written,
                        NodeKind::Null if written.is_empty() => "null".to_string(),
                        NodeKind::Null => written,
                        NodeKind::Seq(_) | NodeKind::Map(_) => "<complex key>".to_string(),
                    };
                    (
                        Key {
                            name,
                            span: key_node.span,
                        },
                        convert(src, file, v),
                    )
                })
                .collect(),
        ),
    };
    Node { span, kind }
}

/// Parse one file. An empty file (or one holding only comments) is an empty mapping.
pub fn parse(src: &SourceFile, file: FileId) -> Result<Node, Box<Diagnostic>> {
    if src.text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    }) {
        return Ok(Node {
            span: Span::new(file, 0, 0),
            kind: NodeKind::Map(Vec::new()),
        });
    }
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    match serde_saphyr::from_str_with_options::<Spanned<Raw>>(&src.text, options) {
        Ok(raw) => Ok(convert(src, file, raw)),
        Err(e) => {
            let (span, label) = match e.location() {
                Some(loc) => {
                    let offset = loc.span().byte_offset().map_or_else(
                        || src.offset_of(loc.line() as usize, loc.column() as usize),
                        |o| o as usize,
                    );
                    (Span::new(file, offset.min(src.text.len()), 1), "here")
                }
                None => (Span::new(file, 0, 0), "in this file"),
            };
            let message = first_line(&e.to_string());
            Err(Box::new(Diagnostic::error(Code::YamlSyntax, format!("malformed YAML: {message}"))
                .at(span, label)
                .help("fix the YAML syntax; indent with spaces, not tabs, and quote values that contain `: ` or start with a special character")))
        }
    }
}

fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    // serde-saphyr prefixes "line L column C: "; the span already says where.
    match line.find(": ") {
        Some(i) if line.starts_with("line ") => line.get(i + 2..).unwrap_or(line).to_string(),
        _ => line.to_string(),
    }
}
