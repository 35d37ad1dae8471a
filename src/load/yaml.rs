//! YAML text → a spanned node tree.
//!
//! Input: one file's text. Output: a [`Node`] tree where every node and every mapping key carries
//! its byte [`Span`], or a syntax diagnostic (`E101`; `E103` for a list or mapping used as a key).
//! Invariants: mapping entries keep document order and duplicates (the decoder reports them with
//! both spans); numbers keep their source spelling (`1.10` stays `1.10`); a scalar records how it
//! was written, so SQL error positions can be mapped back into the file exactly where that is
//! possible (plain one-line and `|` literal scalars).

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Sp;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::sqlfrag::FragSpan;

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
    /// Quoted without escapes: the value starts one byte into the span.
    Quoted,
    /// Folded, escaped or multi-line: positions inside are not exact.
    Other,
}

/// A YAML node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node is. Mappings and sequences point at their first entry.
    pub span: Span,
    /// What it is.
    pub kind: NodeKind,
}

/// A mapping key.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key as text.
    pub name: String,
    /// Where the key is.
    pub span: Span,
}

/// The kinds of YAML node.
#[derive(Debug, Clone, PartialEq)]
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

/// Mapping and sequence nodes under construction.
enum Frame {
    Seq {
        span: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        span: Span,
        anchor: usize,
        entries: Vec<(Key, Node)>,
        key: Option<Node>,
    },
}

/// Most nodes that aliases may expand to in one file (a "billion laughs" guard).
const MAX_ALIAS_NODES: usize = 1_000_000;

fn count_nodes(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        NodeKind::Map(entries) => {
            1 + entries
                .iter()
                .map(|(_, v)| 1 + count_nodes(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// Byte offsets of the parser's markers (which count characters when no byte offset is known).
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
}

impl Offsets<'_> {
    fn byte(&self, m: &granit_parser::Marker) -> usize {
        match m.byte_offset() {
            Some(b) => b.min(self.text.len()),
            None if self.ascii => m.index().min(self.text.len()),
            None => self
                .text
                .char_indices()
                .nth(m.index())
                .map_or(self.text.len(), |(i, _)| i),
        }
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn plain_kind(value: std::borrow::Cow<'_, str>) -> NodeKind {
    match &*value {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        _ => {}
    }
    if is_number(&value) {
        NodeKind::Number(value.into_owned())
    } else {
        NodeKind::Str(value.into_owned(), ScalarStyle::Plain)
    }
}

fn is_number(v: &str) -> bool {
    // Every number below starts with a digit, a sign or a dot.
    if !matches!(v.as_bytes().first(), Some(b'0'..=b'9' | b'+' | b'-' | b'.')) {
        return false;
    }
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(h) = v.strip_prefix("0x") {
        return digits(h, 16);
    }
    if let Some(o) = v.strip_prefix("0o") {
        return digits(o, 8);
    }
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(v, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (
            unsigned.get(..i).unwrap_or(""),
            Some(unsigned.get(i + 1..).unwrap_or("")),
        ),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (digits(a, 10) || a.is_empty())
                && (digits(b, 10) || b.is_empty())
                && !(a.is_empty() && b.is_empty())
        }
        None => digits(mantissa, 10),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    mantissa_ok && exponent_ok
}

/// How a quoted or block scalar maps back to the file.
fn scalar_style(
    src: &str,
    span: Span,
    value: &str,
    style: granit_parser::ScalarStyle,
) -> (Span, ScalarStyle) {
    let slice = src.get(span.start as usize..span.end()).unwrap_or("");
    match style {
        granit_parser::ScalarStyle::Plain if !value.contains('\n') && slice == value => {
            (span, ScalarStyle::Plain)
        }
        granit_parser::ScalarStyle::SingleQuoted | granit_parser::ScalarStyle::DoubleQuoted
            if slice.len() == value.len() + 2 && slice.get(1..slice.len() - 1) == Some(value) =>
        {
            (span, ScalarStyle::Quoted)
        }
        granit_parser::ScalarStyle::Literal => {
            // Point the span at the start of the content's first line (its indentation included),
            // whether the parser's span starts at the `|` indicator or at the first content character.
            let start = span.start as usize;
            let content_start = if slice.starts_with('|') {
                match slice.find('\n') {
                    Some(nl) => start + nl + 1,
                    None => return (span, ScalarStyle::Other),
                }
            } else {
                let line_start = src
                    .get(..start)
                    .and_then(|b| b.rfind('\n'))
                    .map_or(0, |i| i + 1);
                if src
                    .get(line_start..start)
                    .is_some_and(|p| p.chars().all(|c| c == ' '))
                {
                    line_start
                } else {
                    return (span, ScalarStyle::Other);
                }
            };
            let end = span.end().max(content_start);
            let body = src.get(content_start..end).unwrap_or("");
            let indent = body
                .lines()
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
            (
                Span::new(span.file, content_start, end - content_start),
                ScalarStyle::Literal { indent },
            )
        }
        _ => (span, ScalarStyle::Other),
    }
}

/// The node of a scalar the parser read at `span` (the parser's span: quotes included, a literal
/// block from its first content character); shared with the fast path so both build equal trees.
pub(super) fn scalar_node(
    text: &str,
    span: Span,
    value: std::borrow::Cow<'_, str>,
    style: granit_parser::ScalarStyle,
    is_str_tag: bool,
) -> Node {
    let (span, node_style) = scalar_style(text, span, &value, style);
    let kind = if style == granit_parser::ScalarStyle::Plain && !is_str_tag {
        match plain_kind(value) {
            NodeKind::Str(s, _) => NodeKind::Str(s, node_style),
            k => k,
        }
    } else {
        NodeKind::Str(value.into_owned(), node_style)
    };
    Node { span, kind }
}

/// The node of a plain scalar on one line, whose value is its source text at `span` (what
/// [`scalar_node`] builds for it, without comparing the value with the text).
pub(super) fn plain_line_node(span: Span, value: &str) -> Node {
    let kind = plain_kind(std::borrow::Cow::Borrowed(value));
    Node { span, kind }
}

/// The mapping key a key node stands for: a string's value, else the key's source text.
pub(super) fn mapping_key(text: &str, key: Node) -> Key {
    let name = match key.kind {
        NodeKind::Str(s, _) => s,
        // `parse` rejects these keys (`E103`); the fast path never builds them.
        NodeKind::Seq(_) | NodeKind::Map(_) => String::new(),
        _ => text
            .get(key.span.start as usize..key.span.end())
            .unwrap_or("")
            .to_string(),
    };
    Key {
        name,
        span: key.span,
    }
}

fn syntax_error(text: &str, file: FileId, offset: usize, message: String) -> Box<Diagnostic> {
    // Point at the whole character there (or at nothing at the end of the text).
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let len = text
        .get(offset..)
        .and_then(|t| t.chars().next())
        .map_or(0, char::len_utf8);
    Box::new(
        Diagnostic::error(Code::YamlSyntax, format!("malformed YAML: {message}"))
            .at(Span::new(file, offset, len), "here")
            .help("fix the YAML syntax; indent with spaces, not tabs, and quote values that contain `: ` or start with a special character"),
    )
}

/// Parse one file. An empty file (or one holding only comments) is an empty mapping.
///
/// The common subset of YAML that schema files use goes through [`super::fastyaml`] (unless
/// [`crate::fast_paths`] turns it off); anything else (and every error) through the full parser,
/// which builds the same tree.
pub fn parse(src: &SourceFile, file: FileId) -> Result<Node, Box<Diagnostic>> {
    if crate::fast_paths::enabled()
        && let Some(root) = super::fastyaml::parse(&src.text, file)
    {
        return Ok(root);
    }
    parse_full(src, file)
}

/// Parse one file with the full YAML parser (the fast path's fallback and its reference).
pub(super) fn parse_full(src: &SourceFile, file: FileId) -> Result<Node, Box<Diagnostic>> {
    use granit_parser::Event;
    let text: &str = &src.text;
    let offsets = Offsets {
        text,
        ascii: text.is_ascii(),
    };
    let mut parser = granit_parser::Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::BTreeMap<usize, Node> = std::collections::BTreeMap::new();
    let mut alias_nodes = 0usize;
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    loop {
        let (event, ev_span) = match parser.next_event() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) => {
                let offset = offsets.byte(e.marker());
                let message = e.to_string();
                let message = message
                    .split(" at char ")
                    .next()
                    .unwrap_or(&message)
                    .to_string();
                return Err(syntax_error(text, file, offset, message));
            }
        };
        let start = offsets.byte(&ev_span.start);
        let end = offsets.byte(&ev_span.end).max(start);
        let span = Span::new(file, start, end - start);
        let (node, anchor) = match event {
            Event::StreamStart | Event::DocumentEnd => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(Box::new(
                        Diagnostic::error(Code::YamlSyntax, "more than one YAML document in one file")
                            .at(Span::new(file, start, 3), "second document starts here")
                            .help("keep one document per file; split the model over several files in a folder instead"),
                    ));
                }
                continue;
            }
            Event::SequenceStart(_, anchor, _) => {
                stack.push(Frame::Seq {
                    span: Span::new(file, start, 1),
                    anchor,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(_, anchor, _) => {
                stack.push(Frame::Map {
                    span: Span::new(file, start, 1),
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq {
                    span,
                    anchor,
                    items,
                }) => (
                    Node {
                        span,
                        kind: NodeKind::Seq(items),
                    },
                    anchor,
                ),
                Some(Frame::Map {
                    span,
                    anchor,
                    entries,
                    ..
                }) => (
                    Node {
                        span,
                        kind: NodeKind::Map(entries),
                    },
                    anchor,
                ),
                None => continue,
            },
            Event::Scalar(value, style, anchor, tag) => {
                let is_str_tag = tag.as_ref().is_some_and(|t| t.to_string().ends_with("str"));
                (scalar_node(text, span, value, style, is_str_tag), anchor)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    alias_nodes += count_nodes(n);
                    if alias_nodes > MAX_ALIAS_NODES {
                        return Err(Box::new(
                            Diagnostic::error(Code::YamlSyntax, "aliases expand to too many nodes")
                                .at(span, "this alias")
                                .help("use fewer nested aliases; schemac expands at most 1,000,000 nodes from aliases"),
                        ));
                    }
                    let mut copy = n.clone();
                    copy.span = span;
                    (copy, 0)
                }
                None => return Err(syntax_error(text, file, start, "unknown alias".to_string())),
            },
            _ => continue,
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) if matches!(k.kind, NodeKind::Seq(_) | NodeKind::Map(_)) => {
                    let what = if matches!(k.kind, NodeKind::Seq(_)) {
                        "a list"
                    } else {
                        "a mapping"
                    };
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::WrongType,
                            format!("{what} is used as a mapping key"),
                        )
                        .at(k.span, "this key")
                        .help("write the key as a plain name, such as `email:`"),
                    ));
                }
                Some(k) => entries.push((mapping_key(text, k), node)),
            },
            None => root = Some(node),
        }
    }
    Ok(root.unwrap_or(Node {
        span: Span::new(file, 0, 0),
        kind: NodeKind::Map(Vec::new()),
    }))
}

/// Map a range inside an SQL fragment's value (a string scalar) to a span in the file: exact for
/// plain, quoted and `|` literal scalars, the whole value for any other style.
pub fn fragment_span(sources: &SourceMap, value: &Sp<String>, at: Option<FragSpan>) -> Span {
    let whole = value.span;
    let (Some(at), Some(file)) = (at, sources.file(whole.file)) else {
        return whole;
    };
    match style_of(file, whole, &value.value) {
        ScalarStyle::Plain => whole.subspan(at.start, at.len.max(1)),
        ScalarStyle::Quoted => whole.subspan(at.start + 1, at.len.max(1)),
        ScalarStyle::Literal { indent } => {
            let before = value.value.get(..at.start).unwrap_or("");
            let line = before.matches('\n').count();
            let col = before.rfind('\n').map_or(at.start, |i| at.start - i - 1);
            let (first_line, _) = file.line_col(whole.start as usize);
            let line_start = file.offset_of(first_line + line, 1);
            let start = line_start + indent + col;
            if start + at.len > file.text.len() {
                return whole;
            }
            Span::new(whole.file, start, at.len.max(1))
        }
        ScalarStyle::Other => whole,
    }
}

/// How a string scalar at `span` was written, recovered from the source text (the decoded model
/// keeps values and spans, not styles).
pub fn style_of(src: &SourceFile, span: Span, value: &str) -> ScalarStyle {
    let text: &str = &src.text;
    let start = span.start as usize;
    let slice = text.get(start..span.end()).unwrap_or("");
    if slice == value && !value.contains('\n') {
        return ScalarStyle::Plain;
    }
    if slice.len() == value.len() + 2
        && (slice.starts_with('"') || slice.starts_with('\''))
        && slice.get(1..slice.len() - 1) == Some(value)
    {
        return ScalarStyle::Quoted;
    }
    let before = text.get(..start).unwrap_or("");
    if before.ends_with('\n') {
        let indicator_line = before
            .get(..before.len() - 1)
            .map(|b| b.rsplit('\n').next().unwrap_or(b).trim_end())
            .unwrap_or("");
        let indicator = indicator_line.rsplit([' ', ':', '-']).next().unwrap_or("");
        if indicator.starts_with('|') {
            let indent = slice
                .lines()
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
            return ScalarStyle::Literal { indent };
        }
    }
    ScalarStyle::Other
}
