//! A fast path for the YAML that schema files are made of.
//!
//! Input: one file's text. Output: `Some(tree)` equal in every node, key, span and style to what
//! [`super::yaml::parse_full`] builds, or `None` ("not mine"), after which the full parser runs.
//! Invariants: this module never reports an error: anything malformed, unusual or not obviously
//! valid returns `None`, so every message still comes from the full parser; scalars are built by
//! the same functions as on the full path ([`super::yaml::scalar_node`], [`super::yaml::mapping_key`],
//! [`super::yaml::plain_line_node`]).
//!
//! The subset, read byte by byte in one pass without backtracking over lines:
//! - block mappings and block sequences indented with spaces, `- key: value` compact mappings and
//!   `- - item` compact sequences inside sequences, sequences at their key's indentation;
//! - one-line flow mappings `{ a: b }` and flow sequences `[a, b]`, nested;
//! - one-line plain scalars (`#` after a space starts a comment, `: ` ends a key, `,[]{}` end a
//!   scalar inside flow collections), one-line single-quoted (`''`) and double-quoted scalars
//!   without backslash escapes;
//! - `|` literal and `>` folded blocks with any chomping (`-`, `+`) but no indentation indicator;
//! - empty values (null), comments, blank lines and one leading `---`.
//!
//! Everything else returns `None`: tabs and carriage returns outside scalar text, anchors, aliases,
//! tags, multi-line plain or quoted scalars, `?` keys, directives, `...`, a
//! second document, a byte-order mark, control characters, a root that is not a block collection,
//! multi-line flow collections, keys longer than 1,000 bytes and nesting deeper than 100 levels.
//! Where the full parser puts a span (the marker of a collection, of an empty value) was found by
//! experiment and is pinned by the tests below.

use std::borrow::Cow;

use granit_parser::ScalarStyle as ParsedStyle;

use super::yaml::{Key, Node, NodeKind, mapping_key, plain_line_node, scalar_node};
use crate::source::{FileId, Span};

/// `None`: the input is outside the fast path's subset; the full parser takes over.
type Fast<T> = Option<T>;

/// Deepest nesting of collections the fast path follows (deeper input goes to the full parser).
const MAX_DEPTH: usize = 100;

/// Longest implicit key, in bytes (YAML limits implicit keys to 1,024 characters).
const MAX_KEY_LEN: usize = 1000;

/// Parse `text` if it lies inside the fast path's subset.
pub(super) fn parse(text: &str, file: FileId) -> Option<Node> {
    let bytes = text.as_bytes();
    // A NUL would read as the end of the text below; a carriage return changes line endings.
    if bytes.contains(&0) || bytes.contains(&b'\r') || bytes.starts_with(b"\xEF\xBB\xBF") {
        return None;
    }
    let mut parser = FastParser {
        text,
        bytes,
        pos: 0,
        indent: None,
        file,
        depth: 0,
    };
    parser.document()
}

/// Why a plain scalar ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlainEnd {
    /// The end of the line or of the text.
    LineEnd,
    /// A comment (` #`).
    Comment,
    /// A `: ` (or `:` at the end of the line): the scalar is a mapping key.
    Colon,
    /// A flow indicator (`,[]{}`), inside a flow collection only.
    FlowIndicator,
}

/// The state of one fast parse: the text and a cursor that only moves forward, line by line.
struct FastParser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// The cursor. Between block nodes: the first character of the next content line (or the end).
    pos: usize,
    /// Indentation of the content line at `pos`; `None` at the end of the text.
    indent: Option<usize>,
    file: FileId,
    depth: usize,
}

impl FastParser<'_> {
    /// The byte at `i`, or 0 past the end (the text holds no NUL).
    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    /// The text from `start` to `end` (`None` off a character boundary).
    fn slice(&self, start: usize, end: usize) -> Fast<&str> {
        self.text.get(start..end)
    }

    /// The span from `start` to `end` in this file.
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end.saturating_sub(start))
    }

    /// The first position from `i` that is not a space (tabs are not skipped).
    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.at(i) == b' ' {
            i += 1;
        }
        i
    }

    /// Length of the character at `i` if it is printable YAML text other than a line break, a
    /// byte-order mark or a Unicode line or paragraph separator (all of which the fast path avoids).
    #[inline]
    fn text_char_len(&self, i: usize) -> Fast<usize> {
        match self.at(i) {
            b'\t' | 0x20..=0x7E => Some(1),
            _ => self.unusual_char_len(i),
        }
    }

    /// [`Self::text_char_len`] for what is not printable ASCII (rare in schema files).
    #[cold]
    #[inline(never)]
    fn unusual_char_len(&self, i: usize) -> Fast<usize> {
        if self.at(i) < 0x80 {
            return None;
        }
        let c = self.text.get(i..)?.chars().next()?;
        let allowed = matches!(c as u32, 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..)
            && !matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}');
        allowed.then(|| c.len_utf8())
    }

    /// The start of the line after the line break at `i` (the end of the text stays put).
    fn line_after(&self, i: usize) -> usize {
        if self.at(i) == b'\n' { i + 1 } else { i }
    }

    /// From a `#`, the position of the line break ending the comment (or the end of the text).
    fn skip_comment(&self, mut i: usize) -> Fast<usize> {
        loop {
            match self.at(i) {
                b'\n' => return Some(i),
                0 if i >= self.bytes.len() => return Some(i),
                _ => i += self.text_char_len(i)?,
            }
        }
    }

    /// After a value that ends at `i`: spaces, an optional comment, then the line break. Returns
    /// the start of the next line (or the end of the text).
    fn end_of_line(&self, i: usize) -> Fast<usize> {
        let after = self.skip_spaces(i);
        let end = if self.at(after) == b'#' && after > i {
            self.skip_comment(after)?
        } else {
            after
        };
        match self.at(end) {
            b'\n' => Some(end + 1),
            0 if end >= self.bytes.len() => Some(end),
            _ => None,
        }
    }

    /// From the start of a line, skip blank and comment lines; leave `pos` at the first character
    /// of the next content line and `indent` at its indentation (`None` at the end of the text).
    fn next_content_line(&mut self, mut line: usize) -> Fast<()> {
        loop {
            let first = self.skip_spaces(line);
            match self.at(first) {
                b'\n' => line = first + 1,
                0 if first >= self.bytes.len() => {
                    self.pos = first;
                    self.indent = None;
                    return Some(());
                }
                b'#' => line = self.line_after(self.skip_comment(first)?),
                b'\t' => return None,
                _ => {
                    let indent = first - line;
                    if indent == 0 && self.is_document_marker(first) {
                        return None;
                    }
                    self.pos = first;
                    self.indent = Some(indent);
                    return Some(());
                }
            }
        }
    }

    /// `---` or `...` at `i`, followed by a space, a line break or the end of the text.
    fn is_document_marker(&self, i: usize) -> bool {
        let three = self.bytes.get(i..i + 3);
        (three == Some(b"---") || three == Some(b"..."))
            && matches!(self.at(i + 3), b' ' | b'\n' | 0)
    }

    /// A block sequence entry at `i`: `-` followed by a space, a line break or the end.
    fn is_entry(&self, i: usize) -> bool {
        self.at(i) == b'-' && matches!(self.at(i + 1), b' ' | b'\n' | 0)
    }

    /// Where the full parser marks an empty node or the start of a sequence at its key's
    /// indentation: after `- ` and its spaces, or at the line break after a comment.
    fn after_entry_marker(&self, dash: usize) -> Fast<usize> {
        let i = self.skip_spaces(dash + 1);
        if self.at(i) == b'#' {
            self.skip_comment(i)
        } else {
            Some(i)
        }
    }

    /// The column of `i` (bytes since the start of its line; lines are indented with spaces).
    fn column(&self, i: usize) -> usize {
        let line_start = self
            .bytes
            .get(..i)
            .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
            .map_or(0, |nl| nl + 1);
        i - line_start
    }

    /// One level deeper into nested collections, or `None` past [`MAX_DEPTH`].
    fn enter(&mut self) -> Fast<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// The whole text: leading comments and `---`, one block collection, trailing comments.
    fn document(&mut self) -> Fast<Node> {
        let mut line = 0;
        let mut document_start = false;
        loop {
            let first = self.skip_spaces(line);
            match self.at(first) {
                b'\n' => line = first + 1,
                b'#' => line = self.line_after(self.skip_comment(first)?),
                b'-' if first == line && !document_start && self.is_document_marker(first) => {
                    document_start = true;
                    line = self.end_of_line(first + 3)?;
                }
                _ => break,
            }
        }
        self.next_content_line(line)?;
        let Some(indent) = self.indent else {
            // Only comments: an empty mapping, as on the full path. After `---`, a null document.
            return (!document_start).then(|| Node {
                span: Span::new(self.file, 0, 0),
                kind: NodeKind::Map(Vec::new()),
            });
        };
        let root = self.block_collection(indent)?;
        self.indent.is_none().then_some(root)
    }

    /// A block mapping or sequence whose first entry starts at `pos`, in column `column`.
    fn block_collection(&mut self, column: usize) -> Fast<Node> {
        if self.is_entry(self.pos) {
            let marker = self.pos;
            self.block_sequence(column, marker)
        } else {
            self.block_mapping(column)
        }
    }

    /// A block sequence whose entries start in column `column`; the first `-` is at `pos`.
    fn block_sequence(&mut self, column: usize, marker: usize) -> Fast<Node> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            let dash = self.pos;
            let after = self.skip_spaces(dash + 1);
            let item = match self.at(after) {
                b'\n' | b'#' | 0 => {
                    let empty = self.after_entry_marker(dash)?;
                    self.nested_or_empty(column, empty, empty, false)?
                }
                b'\t' => return None,
                _ => {
                    self.pos = after;
                    self.inline_node(column, true)?
                }
            };
            items.push(item);
            match self.indent {
                Some(indent) if indent == column && self.is_entry(self.pos) => {}
                Some(indent) if indent <= column => break,
                None => break,
                Some(_) => return None,
            }
        }
        self.depth -= 1;
        Some(Node {
            span: Span::new(self.file, marker, 1),
            kind: NodeKind::Seq(items),
        })
    }

    /// A block mapping whose keys start in column `column`; the first key is at `pos`.
    fn block_mapping(&mut self, column: usize) -> Fast<Node> {
        self.enter()?;
        let marker = self.pos;
        let mut entries = Vec::new();
        loop {
            let (key, colon) = self.block_key()?;
            let after = self.skip_spaces(colon + 1);
            let value = match self.at(after) {
                b'\n' | b'#' | 0 => {
                    let line_end = if self.at(after) == b'#' {
                        self.skip_comment(after)?
                    } else {
                        after
                    };
                    self.nested_or_empty(column, line_end, colon, true)?
                }
                b'\t' => return None,
                _ => {
                    self.pos = after;
                    self.inline_node(column, false)?
                }
            };
            entries.push((key, value));
            match self.indent {
                Some(indent) if indent == column && !self.is_entry(self.pos) => {}
                Some(indent) if indent < column => break,
                None => break,
                Some(_) => return None,
            }
        }
        self.depth -= 1;
        Some(Node {
            span: Span::new(self.file, marker, 1),
            kind: NodeKind::Map(entries),
        })
    }

    /// The value of an entry whose line ends (at `line_end`) right after its `-` or `:`: a block
    /// collection on the following lines, or nothing (null, marked at `empty`). A mapping value may
    /// be a sequence at the key's own indentation (`sequence_at_key`).
    fn nested_or_empty(
        &mut self,
        column: usize,
        line_end: usize,
        empty: usize,
        sequence_at_key: bool,
    ) -> Fast<Node> {
        self.next_content_line(self.line_after(line_end))?;
        match self.indent {
            Some(indent) if indent > column => self.block_collection(indent),
            Some(indent) if indent == column && sequence_at_key && self.is_entry(self.pos) => {
                let marker = self.after_entry_marker(self.pos)?;
                self.block_sequence(column, marker)
            }
            _ => Some(Node {
                span: Span::new(self.file, empty, 0),
                kind: NodeKind::Null,
            }),
        }
    }

    /// A node starting at `pos` on the line of its `-` or `:`, inside a block collection whose
    /// entries are in column `parent`. `compact`: a sequence item, which may itself be a block
    /// sequence or mapping starting on this line.
    fn inline_node(&mut self, parent: usize, compact: bool) -> Fast<Node> {
        let start = self.pos;
        let node = match self.at(start) {
            b'-' if self.is_entry(start) => {
                if !compact {
                    return None;
                }
                let column = self.column(start);
                return self.block_sequence(column, start);
            }
            b'|' | b'>' => return self.block_scalar(parent),
            b'[' | b'{' => {
                let (node, end) = self.flow_node(start)?;
                self.finish_line(end)?;
                node
            }
            b'\'' | b'"' => {
                let (node, end) = self.quoted(start)?;
                if self.at(end) == b':' {
                    return self.compact_mapping(compact, start);
                }
                self.finish_line(end)?;
                node
            }
            _ => {
                let (end, how) = self.plain(start, false)?;
                if how == PlainEnd::Colon {
                    return self.compact_mapping(compact, start);
                }
                let node = self.plain_node(start, end)?;
                self.finish_line(end)?;
                node
            }
        };
        Some(node)
    }

    /// A block mapping that starts on the line of a sequence item's `-`.
    fn compact_mapping(&mut self, compact: bool, start: usize) -> Fast<Node> {
        if !compact {
            return None;
        }
        self.pos = start;
        let column = self.column(start);
        self.block_mapping(column)
    }

    /// After a scalar or flow collection that ends at `end`: the rest of the line, then the next
    /// content line.
    fn finish_line(&mut self, end: usize) -> Fast<()> {
        let next = self.end_of_line(end)?;
        self.next_content_line(next)
    }

    /// A block mapping key at `pos` and its `:`. Returns the key and the position of the `:`.
    fn block_key(&mut self) -> Fast<(Key, usize)> {
        let start = self.pos;
        let (node, end) = match self.at(start) {
            b'\'' | b'"' => self.quoted(start)?,
            _ => {
                let (end, how) = self.plain(start, false)?;
                if how != PlainEnd::Colon {
                    return None;
                }
                (self.plain_node(start, end)?, end)
            }
        };
        if self.at(end) != b':' || !matches!(self.at(end + 1), b' ' | b'\n' | 0) {
            return None;
        }
        if end - start > MAX_KEY_LEN {
            return None;
        }
        Some((mapping_key(self.text, node), end))
    }

    /// A plain scalar from `start`: where it ends (trailing spaces excluded) and why.
    fn plain(&self, start: usize, flow: bool) -> Fast<(usize, PlainEnd)> {
        let first = self.at(start);
        let indicator = matches!(
            first,
            b'-' | b'?'
                | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
                | b' '
                | b'\t'
                | b'\n'
                | 0
        );
        if indicator {
            // `-` starts a plain scalar when what follows cannot be read as an entry or indicator.
            let next = self.at(start + 1);
            let safe_dash = first == b'-'
                && (next.is_ascii_alphanumeric() || matches!(next, b'.' | b'_' | b'-'));
            if !safe_dash {
                return None;
            }
        }
        let mut i = start;
        let how = loop {
            match self.at(i) {
                b'\n' => break PlainEnd::LineEnd,
                0 if i >= self.bytes.len() => break PlainEnd::LineEnd,
                b' ' => {
                    let next = self.skip_spaces(i);
                    match self.at(next) {
                        b'#' => break PlainEnd::Comment,
                        b'\t' => return None,
                        _ => i = next,
                    }
                }
                b':' => match self.at(i + 1) {
                    b' ' | b'\n' | 0 => break PlainEnd::Colon,
                    b'\t' => return None,
                    // `a:b` is one scalar in YAML 1.2, but flow context is left to the full parser.
                    _ if flow => return None,
                    _ => i += 1,
                },
                b',' | b'[' | b']' | b'{' | b'}' if flow => break PlainEnd::FlowIndicator,
                0x21..=0x7E => i += 1,
                b'\t' => return None,
                _ => i += self.unusual_char_len(i)?,
            }
        };
        let mut end = i;
        while end > start && self.at(end - 1) == b' ' {
            end -= 1;
        }
        (end > start).then_some((end, how))
    }

    /// The node of the plain scalar from `start` to `end`.
    fn plain_node(&self, start: usize, end: usize) -> Fast<Node> {
        let value = self.slice(start, end)?;
        Some(plain_line_node(self.span(start, end), value))
    }

    /// A one-line quoted scalar at `start`: the node and the position after its closing quote.
    fn quoted(&self, start: usize) -> Fast<(Node, usize)> {
        let quote = self.at(start);
        let mut i = start + 1;
        let mut escaped_quotes = false;
        loop {
            match self.at(i) {
                b'\'' if quote == b'\'' => {
                    if self.at(i + 1) == b'\'' {
                        escaped_quotes = true;
                        i += 2;
                    } else {
                        break;
                    }
                }
                b'"' if quote == b'"' => break,
                b'\\' if quote == b'"' => return None,
                _ => i += self.text_char_len(i)?,
            }
        }
        let inner = self.slice(start + 1, i)?;
        let value = if escaped_quotes {
            Cow::Owned(inner.replace("''", "'"))
        } else {
            Cow::Borrowed(inner)
        };
        let style = if quote == b'\'' {
            ParsedStyle::SingleQuoted
        } else {
            ParsedStyle::DoubleQuoted
        };
        let end = i + 1;
        Some((
            scalar_node(self.text, self.span(start, end), value, style, false),
            end,
        ))
    }

    /// A one-line flow collection at `start`: the node and the position after it.
    fn flow_node(&mut self, start: usize) -> Fast<(Node, usize)> {
        self.enter()?;
        let mapping = self.at(start) == b'{';
        let close = if mapping { b'}' } else { b']' };
        let mut items = Vec::new();
        let mut entries = Vec::new();
        let mut i = self.skip_spaces(start + 1);
        if self.at(i) != close {
            loop {
                if mapping {
                    let (key, end) = match self.at(i) {
                        b'\'' | b'"' => self.quoted(i)?,
                        _ => {
                            let (end, how) = self.plain(i, true)?;
                            if how != PlainEnd::Colon {
                                return None;
                            }
                            (self.plain_node(i, end)?, end)
                        }
                    };
                    if self.at(end) != b':' || self.at(end + 1) != b' ' || end - i > MAX_KEY_LEN {
                        return None;
                    }
                    let (value, after) = self.flow_item(self.skip_spaces(end + 1))?;
                    entries.push((mapping_key(self.text, key), value));
                    i = after;
                } else {
                    let (item, after) = self.flow_item(i)?;
                    items.push(item);
                    i = after;
                }
                i = self.skip_spaces(i);
                match self.at(i) {
                    b',' => {
                        i = self.skip_spaces(i + 1);
                        if self.at(i) == close {
                            return None;
                        }
                    }
                    c if c == close => break,
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        let kind = if mapping {
            NodeKind::Map(entries)
        } else {
            NodeKind::Seq(items)
        };
        Some((
            Node {
                span: Span::new(self.file, start, 1),
                kind,
            },
            i + 1,
        ))
    }

    /// A value inside a flow collection at `start`: the node and the position after it.
    fn flow_item(&mut self, start: usize) -> Fast<(Node, usize)> {
        match self.at(start) {
            b'[' | b'{' => self.flow_node(start),
            b'\'' | b'"' => {
                let (node, end) = self.quoted(start)?;
                (self.at(end) != b':').then_some((node, end))
            }
            _ => {
                let (end, how) = self.plain(start, true)?;
                if how != PlainEnd::FlowIndicator {
                    return None;
                }
                Some((self.plain_node(start, end)?, end))
            }
        }
    }

    /// A `|` literal or `>` folded block at `pos`, the value of an entry in column `parent`.
    fn block_scalar(&mut self, parent: usize) -> Fast<Node> {
        let folded = self.at(self.pos) == b'>';
        let mut i = self.pos + 1;
        let chomping = self.at(i);
        if matches!(chomping, b'-' | b'+') {
            i += 1;
        }
        let mut line = self.end_of_line(i)?;
        // Leading blank lines, then the first content line sets the indentation.
        let mut leading_breaks = 0;
        let mut widest_blank = 0;
        let indent = loop {
            let first = self.skip_spaces(line);
            match self.at(first) {
                b'\n' => {
                    leading_breaks += 1;
                    widest_blank = widest_blank.max(first - line);
                    line = first + 1;
                }
                b'\t' | 0 => return None,
                _ => break first - line,
            }
        };
        if indent <= parent || widest_blank > indent {
            return None;
        }
        let raw_start = line + indent;
        let mut value = String::new();
        let mut breaks = leading_breaks;
        // Folding: whether a content line was written yet, and whether the last one was more
        // indented (a "spaced" line, whose line breaks are kept).
        let mut first_line = true;
        let mut last_spaced = false;
        let raw_end = loop {
            let first = self.skip_spaces(line);
            let spaces = first - line;
            let at_end = first >= self.bytes.len();
            match self.at(first) {
                b'\n' if spaces <= indent => {
                    breaks += 1;
                    line = first + 1;
                    continue;
                }
                _ if at_end && spaces <= indent => break first,
                _ if at_end => return None,
                b'\t' if spaces < indent => return None,
                _ if spaces < indent => break first,
                _ => {}
            }
            // A content line: everything after the indentation, up to the line break.
            let text_start = line + indent;
            let mut end = text_start;
            while !matches!(self.at(end), b'\n' | 0) {
                end += self.text_char_len(end)?;
            }
            let spaced = matches!(self.at(text_start), b' ' | b'\t');
            if folded && !first_line && !spaced && !last_spaced {
                // Between two ordinary lines, one break folds into a space, or disappears
                // before empty lines.
                match breaks {
                    1 => value.push(' '),
                    _ => value.extend(std::iter::repeat_n('\n', breaks - 1)),
                }
            } else {
                value.extend(std::iter::repeat_n('\n', breaks));
            }
            first_line = false;
            last_spaced = spaced;
            value.push_str(self.slice(text_start, end)?);
            // The full parser ends the last line with a break even at the end of the text.
            breaks = 1;
            line = self.line_after(end);
        };
        match chomping {
            b'-' => {}
            b'+' => value.extend(std::iter::repeat_n('\n', breaks)),
            _ => {
                if !value.is_empty() {
                    value.push('\n');
                }
            }
        }
        let style = if folded {
            ParsedStyle::Folded
        } else {
            ParsedStyle::Literal
        };
        let node = scalar_node(
            self.text,
            self.span(raw_start, raw_end),
            Cow::Owned(value),
            style,
            false,
        );
        // `line` is the start of the first line after the block (or the end of the text).
        self.next_content_line(line)?;
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    //! The fast path against the full parser: unit cases, every YAML file of the repository, the
    //! benchmark generator's models, and seeded random mutants of all of them.

    use std::path::Path;

    use crate::test_corpus::{generated_models, repository_yaml};

    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};

    use super::super::yaml::{ScalarStyle, parse_full};
    use super::*;
    use crate::source::SourceMap;

    /// The full parser's result for `text`.
    fn full(text: &str) -> Result<Node, String> {
        let mut sources = SourceMap::default();
        let id = sources.add("test.yaml".to_string(), text);
        let file = sources.file(id).expect("just added");
        parse_full(file, id).map_err(|d| format!("{d:?}"))
    }

    /// The fast path's result for `text`, asserted equal to the full parser's when it accepts.
    fn compare(text: &str) -> Option<Node> {
        let fast = parse(text, FileId(0))?;
        match full(text) {
            Ok(reference) => assert_eq!(
                fast, reference,
                "the fast path differs from the full parser on:\n{text}"
            ),
            Err(e) => panic!("the fast path accepted what the full parser rejects ({e}):\n{text}"),
        }
        Some(fast)
    }

    /// Accepted by the fast path, equal to the full parser, and returned.
    fn accepted(text: &str) -> Node {
        compare(text).unwrap_or_else(|| panic!("the fast path bailed on:\n{text}"))
    }

    fn bails(text: &str) {
        assert!(
            parse(text, FileId(0)).is_none(),
            "the fast path should leave this to the full parser:\n{text}"
        );
    }

    fn entries(node: &Node) -> &[(Key, Node)] {
        match &node.kind {
            NodeKind::Map(entries) => entries,
            other => panic!("expected a mapping, found {other:?}"),
        }
    }

    fn value<'n>(node: &'n Node, key: &str) -> &'n Node {
        &entries(node)
            .iter()
            .find(|(k, _)| k.name == key)
            .unwrap_or_else(|| panic!("no key `{key}`"))
            .1
    }

    #[test]
    fn comments_after_values_and_keys_with_spaces() {
        let root = accepted("# head\na: b # note\nkey with spaces: x y  # trailing\nc: d#e\n");
        assert_eq!(
            value(&root, "a").kind,
            NodeKind::Str("b".into(), ScalarStyle::Plain)
        );
        assert_eq!(
            value(&root, "key with spaces").kind,
            NodeKind::Str("x y".into(), ScalarStyle::Plain)
        );
        assert_eq!(
            value(&root, "c").kind,
            NodeKind::Str("d#e".into(), ScalarStyle::Plain)
        );
    }

    #[test]
    fn empty_values_are_null_where_the_full_parser_marks_them() {
        let root = accepted("a:\nb:   # c\nc:\n  d:\ne:\n- \n-   # c\n- x\nf:");
        assert_eq!(value(&root, "a").kind, NodeKind::Null);
        assert_eq!(value(&root, "a").span, Span::new(FileId(0), 1, 0));
        assert_eq!(value(value(&root, "c"), "d").kind, NodeKind::Null);
        assert_eq!(value(&root, "f").kind, NodeKind::Null);
        accepted("a:\n  -\n  - b\n  -\n");
        accepted("a:\n-\n  b: 1\n-\n  - c\n");
    }

    #[test]
    fn nested_and_compact_sequences() {
        accepted("- - a\n  - b\n-   - c\n- - - d\n");
        accepted("a:\n- - x\n- k: v\n  j: w\n- [a, b]\n-   p\nb: 1\n");
        accepted("a:\n  - k: v\n    j:\n      - 1\n  - 'q': \"r\"\n");
        accepted("  a: 1\n  b:\n  - x\n");
    }

    #[test]
    fn block_scalars_keep_yaml_chomping_and_folding() {
        let root = accepted(
            "a: |\n  l1\n\n    l2\n\n\n# c\nb: |-\n    k\nc: |+\n  z\n\nd: |\n\n  x\n  # not a comment\ne: x\n",
        );
        assert_eq!(
            value(&root, "a").kind,
            NodeKind::Str("l1\n\n  l2\n".into(), ScalarStyle::Literal { indent: 2 })
        );
        assert_eq!(
            value(&root, "b").kind,
            NodeKind::Str("k".into(), ScalarStyle::Literal { indent: 4 })
        );
        assert_eq!(
            value(&root, "c").kind,
            NodeKind::Str("z\n\n".into(), ScalarStyle::Literal { indent: 2 })
        );
        accepted("- |\n  x\n- |-\n   y\n\n-  |+\n   z\n\n");
        accepted("a:\n  b: |\n    x\n\n  c: |-\n     t\n      u\n    \n      \n  m: 2\n");
        accepted("a: |\n  x");
        accepted("a: |+\n  x");
        accepted("a: |-\n  x");
        accepted("a: |+\n  x\n\n  \n");
        accepted("a: | # why\n  x\n");
        let root = accepted(
            "k: >-\n  a b\n  c\n\n  d\n   e\n  f\n\n\nj: >\n\n  a\n   \n  b\nl: >+\n  x\n\n",
        );
        assert_eq!(
            value(&root, "k").kind,
            NodeKind::Str("a b c\nd\n e\nf".into(), ScalarStyle::Other)
        );
        assert_eq!(
            value(&root, "j").kind,
            NodeKind::Str("\na\n \nb\n".into(), ScalarStyle::Other)
        );
        bails("a: |2\n   x\n");
        bails("a: |\n    \n  x\n");
        bails("a: |\n");
    }

    #[test]
    fn quoted_scalars_and_keys() {
        let root =
            accepted("'it''s': 'it''s'\n\"k y\": \"v: #1\"\nq: ''\nr: \"\"\ns: 'a # b' # c\n");
        assert_eq!(
            value(&root, "it's").kind,
            NodeKind::Str("it's".into(), ScalarStyle::Other)
        );
        assert_eq!(
            value(&root, "k y").kind,
            NodeKind::Str("v: #1".into(), ScalarStyle::Quoted)
        );
        bails("a: \"x\\ty\"\n");
        bails("a: 'x\n  y'\n");
        bails("a: 'x'y\n");
    }

    #[test]
    fn plain_scalars_resolve_as_on_the_full_path() {
        let root = accepted(
            "a: 1.10\nb: 0x1F\nc: .inf\nd: ~\ne: yes\nf: true\ng: null\nh: -1\ni: 1e3\nj: now()::text\nk: ---\n1: x\n",
        );
        assert_eq!(value(&root, "a").kind, NodeKind::Number("1.10".into()));
        assert_eq!(value(&root, "b").kind, NodeKind::Number("0x1F".into()));
        assert_eq!(value(&root, "c").kind, NodeKind::Number(".inf".into()));
        assert_eq!(value(&root, "d").kind, NodeKind::Null);
        assert_eq!(
            value(&root, "e").kind,
            NodeKind::Str("yes".into(), ScalarStyle::Plain)
        );
        assert_eq!(value(&root, "f").kind, NodeKind::Bool(true));
        assert_eq!(
            value(&root, "1").kind,
            NodeKind::Str("x".into(), ScalarStyle::Plain)
        );
    }

    #[test]
    fn flow_collections_on_one_line() {
        accepted("a: { b: c, d: [e, 'f', \"g\", {h: i}], j: [] , k: {} }\nl: [ x , y ]\n");
        accepted("- {a: 1}\n- [1, 2]\n");
        bails("a: [b,\n  c]\n");
        bails("a: [b, ]\n");
        bails("a: {b}\n");
        bails("a: [b: c]\n");
        bails("a: {b: c}x\n");
    }

    #[test]
    fn documents_comments_and_line_endings() {
        let empty = accepted("");
        assert_eq!(empty.kind, NodeKind::Map(Vec::new()));
        accepted("# only\n\n   # comments\n");
        accepted("---\na: 1\n");
        accepted("--- # start\na: 1\n");
        accepted("a: 1");
        accepted("a: 1   \nb: 2  \n");
        accepted("a: é ünïcode ✓\nb: '日本'\n");
        bails("---\n");
        bails("a: 1\n---\nb: 2\n");
        bails("a: 1\n...\n");
        bails("%YAML 1.2\n---\na: 1\n");
        bails("a: 1\r\nb: 2\r\n");
        bails("a:\n\tb: 1\n");
        bails("\u{feff}a: 1\n");
    }

    #[test]
    fn unusual_yaml_is_left_to_the_full_parser() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "? a\n: b\n",
            "a: b\n  c\n",
            "a: b: c\n",
            "a: - b\n",
            "a\n",
            "[a]\n",
            "a : b\n",
            "a:\n  b\n",
            "a: 1\n b: 2\n",
            "- a\nb: 1\n",
        ] {
            bails(text);
        }
    }

    #[test]
    #[allow(clippy::disallowed_macros)]
    fn every_repository_yaml_file_parses_as_on_the_full_path() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = repository_yaml();
        assert!(files.len() > 100, "only {} YAML files found", files.len());
        let mut took = 0;
        // The take rate counts the files outside the bad-input corpus (tests/corpus/, unusual YAML
        // on purpose); every file is compared.
        let mut usual = 0;
        let mut usual_took = 0;
        let mut generated = 0;
        for (path, text) in &files {
            let shown = path
                .strip_prefix(root)
                .unwrap_or(path)
                .display()
                .to_string();
            let must_accept = shown == "schema.yaml"
                || (shown.starts_with("examples/") && shown.ends_with("/schema.yaml"));
            let counted = !shown.starts_with("tests/corpus/");
            usual += usize::from(counted);
            match compare(text) {
                Some(_) => {
                    took += 1;
                    usual_took += usize::from(counted);
                }
                None => assert!(!must_accept, "the fast path bailed on {shown}"),
            }
        }
        for (name, text) in generated_models(&[3, 60]) {
            assert!(compare(&text).is_some(), "the fast path bailed on {name}");
            generated += 1;
        }
        eprintln!(
            "fast path: {took} of {} repository files ({usual_took} of {usual} outside tests/corpus/) \
             and {generated} generated models taken, all equal to the full parser",
            files.len()
        );
        // 315 of 322 when this was written: the fixtures that bail test tabs, CRLF, anchors, etc.
        assert!(
            usual_took * 100 >= usual * 95,
            "the fast path took only {usual_took} of {usual} repository files (at least 95% expected)"
        );
    }

    /// One small random edit of `text`.
    fn mutate(text: &str, rng: &mut ChaCha8Rng) -> String {
        const SIGNIFICANT: &[u8] = b":#-'\"|>{}[],&*!?% \n\tab1.~+";
        let mut bytes = text.as_bytes().to_vec();
        let pick = |rng: &mut ChaCha8Rng, len: usize| rng.random_range(0..len.max(1));
        const TOKENS: &[&str] = &[
            ": ", " #", "- ", "-", "|", "|-", "|+", ">", ">-", "'", "''", "\"", "{", "}", "[", "]",
            ", ", "\n", "\n  ", "\n- ", "  ", "---", "...", "\\", "é", "\u{2028}", "\t", "~",
            "null", "1.5", "-1", "0x1F", ".inf", "yes", "? ", "&a ", "*a", "!!str ", "%",
        ];
        match rng.random_range(0..10) {
            7 | 8 => {
                // Insert a YAML token at a character boundary.
                let mut i = pick(rng, text.len() + 1).min(text.len());
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                let mut out = text.to_string();
                out.insert_str(i, TOKENS[pick(rng, TOKENS.len())]);
                return out;
            }
            9 => {
                // Cut the text short.
                let mut i = pick(rng, text.len() + 1).min(text.len());
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                return text[..i].to_string();
            }
            0 if !bytes.is_empty() => {
                let i = pick(rng, bytes.len());
                bytes.remove(i);
            }
            1 => {
                let i = pick(rng, bytes.len() + 1).min(bytes.len());
                let c = SIGNIFICANT[pick(rng, SIGNIFICANT.len())];
                bytes.insert(i, c);
            }
            2 if !bytes.is_empty() => {
                let i = pick(rng, bytes.len());
                bytes[i] = SIGNIFICANT[pick(rng, SIGNIFICANT.len())];
            }
            3 | 4 => {
                // Indent or dedent one line.
                let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
                let i = pick(rng, lines.len());
                if rng.random_bool(0.5) {
                    lines[i].insert_str(0, if rng.random_bool(0.5) { " " } else { "  " });
                } else if lines[i].starts_with(' ') {
                    lines[i].remove(0);
                }
                return lines.join("\n");
            }
            5 => {
                // Swap two neighbouring lines.
                let mut lines: Vec<&str> = text.split('\n').collect();
                if lines.len() > 1 {
                    let i = pick(rng, lines.len() - 1);
                    lines.swap(i, i + 1);
                }
                return lines.join("\n");
            }
            _ => {
                // Insert a non-ASCII character.
                let i = pick(rng, bytes.len() + 1).min(bytes.len());
                bytes.splice(i..i, "é".bytes());
            }
        }
        // Edits may split a UTF-8 sequence; such texts cannot reach the parser.
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// A window of up to 40 lines of `text` (small enough that the full parser runs fast in debug
    /// builds; windows often start indented, which is valid YAML too).
    fn window(text: &str, rng: &mut ChaCha8Rng) -> String {
        let lines: Vec<&str> = text.split('\n').collect();
        let start = rng.random_range(0..lines.len());
        let len = rng.random_range(1..=40);
        let end = (start + len).min(lines.len());
        let mut out = lines[start..end].join("\n");
        if rng.random_bool(0.8) {
            out.push('\n');
        }
        out
    }

    /// Random YAML in (and around) the fast path's subset: block collections at random
    /// indentation, compact forms, flow collections, quoted and block scalars of every chomping,
    /// empty values, comments and blank lines.
    struct Generator {
        rng: ChaCha8Rng,
        out: String,
    }

    impl Generator {
        fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
            items[self.rng.random_range(0..items.len())]
        }

        fn line_break(&mut self) {
            self.out.push('\n');
            while self.rng.random_bool(0.15) {
                let filler = self.pick(&["\n", "# note\n", "   \n", "  # indented note\n"]);
                self.out.push_str(filler);
            }
        }

        fn scalar(&mut self) -> &'static str {
            self.pick(&[
                "plain",
                "two words",
                "1.10",
                "0x1F",
                "-1",
                ".inf",
                "~",
                "null",
                "yes",
                "true",
                "'single'",
                "'it''s'",
                "\"double\"",
                "''",
                "now()::text",
                "a#b",
                "é ✓",
                "x: y",
                "[a, 'b', {c: d}]",
                "{ k: v, l: [] }",
                "[]",
                "{}",
                "- x",
                "@x",
                "\"a\\tb\"",
            ])
        }

        /// A block node whose first line starts at column `column`; the cursor is already there
        /// when `inline` (after `- `), else at the start of a line.
        fn block(&mut self, column: usize, depth: usize, inline: bool) {
            let sequence = self.rng.random_bool(0.4);
            let entries = self.rng.random_range(1..=3);
            for n in 0..entries {
                if n > 0 || !inline {
                    self.out.push_str(&" ".repeat(column));
                }
                if sequence {
                    self.out.push('-');
                    self.value(column, depth, true);
                } else {
                    let key = self.pick(&["a", "key with space", "'q'", "\"dq\"", "1", "k#x", "é"]);
                    self.out.push_str(key);
                    self.out.push(':');
                    self.value(column, depth, false);
                }
            }
        }

        /// What follows a `-` or a key's `:` in column `column`, through the end of its lines.
        fn value(&mut self, column: usize, depth: usize, item: bool) {
            let choice = if depth > 3 {
                0
            } else {
                self.rng.random_range(0..10)
            };
            match choice {
                0..=3 => {
                    self.out.push(' ');
                    let scalar = self.scalar();
                    self.out.push_str(scalar);
                    if self.rng.random_bool(0.2) {
                        self.out.push_str("  # trailing");
                    }
                    self.line_break();
                }
                4 => {
                    // Empty: null, perhaps with a comment.
                    if self.rng.random_bool(0.3) {
                        self.out.push_str(" # empty");
                    }
                    self.line_break();
                }
                5 | 6 => {
                    let header = self.pick(&["|", "|-", "|+", ">", ">-", ">+"]);
                    self.out.push(' ');
                    self.out.push_str(header);
                    self.out.push('\n');
                    let indent = column + self.rng.random_range(1..=3);
                    for _ in 0..self.rng.random_range(1..=4) {
                        let line = self.pick(&[
                            "text",
                            "more text",
                            " spaced",
                            "",
                            "   ",
                            "# kept",
                            "a: b",
                        ]);
                        if line.is_empty() {
                            self.out.push('\n');
                        } else {
                            self.out.push_str(&" ".repeat(indent));
                            self.out.push_str(line);
                            self.out.push('\n');
                        }
                    }
                    if self.rng.random_bool(0.3) {
                        self.out.push('\n');
                    }
                }
                7 if item => {
                    // A compact collection on the item's line.
                    let gap = self.rng.random_range(1..=2);
                    self.out.push_str(&" ".repeat(gap));
                    self.block(column + 1 + gap, depth + 1, true);
                }
                _ => {
                    // A block collection on the next lines (at the key's column: a sequence).
                    self.line_break();
                    let same_column = !item && self.rng.random_bool(0.3);
                    if same_column {
                        self.out.push_str(&" ".repeat(column));
                        self.out.push('-');
                        self.value(column, depth + 1, true);
                    } else {
                        let nested = column + self.rng.random_range(1..=3);
                        self.block(nested, depth + 1, false);
                    }
                }
            }
        }
    }

    #[test]
    #[allow(clippy::disallowed_macros)]
    fn random_documents_bail_or_parse_as_on_the_full_path() {
        let mut generator = Generator {
            rng: ChaCha8Rng::seed_from_u64(0x9e4e_7a7e),
            out: String::new(),
        };
        let (mut accepted_count, mut bailed) = (0usize, 0usize);
        for _ in 0..20_000 {
            generator.out.clear();
            if generator.rng.random_bool(0.1) {
                generator.out.push_str("---\n");
            }
            let column = generator.rng.random_range(0..=1);
            generator.block(column, 0, false);
            let mut text = std::mem::take(&mut generator.out);
            if generator.rng.random_bool(0.5) {
                text = mutate(&text, &mut generator.rng);
            }
            match compare(&text) {
                Some(_) => accepted_count += 1,
                None => bailed += 1,
            }
        }
        eprintln!(
            "generated documents: {accepted_count} taken by the fast path (all equal), {bailed} left to the full parser"
        );
        assert!(
            accepted_count > 1000,
            "the fast path took only {accepted_count} documents"
        );
    }

    #[test]
    #[allow(clippy::disallowed_macros)]
    fn random_mutants_bail_or_parse_as_on_the_full_path() {
        let mut corpus: Vec<String> = repository_yaml().into_iter().map(|(_, t)| t).collect();
        corpus.extend(generated_models(&[3]).into_iter().map(|(_, t)| t));
        corpus.retain(|t| !t.is_empty());
        let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_f457);
        let (mut accepted_count, mut bailed) = (0usize, 0usize);
        for _ in 0..20_000 {
            let source = &corpus[rng.random_range(0..corpus.len())];
            let mut text = window(source, &mut rng);
            for _ in 0..rng.random_range(1..=3) {
                text = mutate(&text, &mut rng);
            }
            match compare(&text) {
                Some(_) => accepted_count += 1,
                None => bailed += 1,
            }
        }
        eprintln!(
            "mutants: {accepted_count} taken by the fast path (all equal), {bailed} left to the full parser"
        );
        assert!(
            accepted_count > 1000,
            "the fast path took only {accepted_count} mutants"
        );
        assert!(
            bailed > 500,
            "only {bailed} mutants bailed: the edits are too mild"
        );
    }
}
