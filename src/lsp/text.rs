//! Positions and file names between the editor and the pipeline.
//!
//! Input: document texts, byte offsets from [`crate::source::Span`]s, LSP positions and `file:`
//! URIs. Output: LSP positions (zero-based line, UTF-16 code units, as the protocol requires
//! unless a client negotiates otherwise), byte offsets, paths and URIs.
//! Invariants: every conversion clamps to the text (a position past the end of a line is the end
//! of that line, past the last line the end of the text) and lands on a character boundary, so a
//! stale position from the editor never panics or splits a character.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range};

/// The start of every line of one text, for offset ↔ position conversions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Index the lines of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The LSP position of byte `offset` in `text` (the text this index was made from).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts.get(line).copied().unwrap_or(0);
        let units: usize = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(units).unwrap_or(u32::MAX),
        )
    }

    /// The LSP range of the bytes `start..end` of `text`.
    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of an LSP position in `text`.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let line = text.get(start..).unwrap_or("");
        let line = line.split_once('\n').map_or(line, |(l, _)| l);
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= pos.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }
}

/// The largest character boundary at or before `offset`.
fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The path a `file:` URI names (`None` for other schemes).
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///path` (empty host) or `file://localhost/path`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(hex) = rest.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// The `file:` URI of an absolute path (every byte outside the unreserved set and `/`
/// percent-encoded).
pub fn path_to_uri(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str("file://");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "a: x\nžé😀: y\n";
        let ix = LineIndex::new(text);
        // `😀` is two UTF-16 units and four bytes.
        let colon = text.find(": y").unwrap();
        assert_eq!(ix.position(text, colon), Position::new(1, 4));
        assert_eq!(ix.offset(text, Position::new(1, 4)), colon);
        assert_eq!(ix.position(text, 0), Position::new(0, 0));
        // Past the end of a line: its end; past the last line: the end of the text.
        assert_eq!(ix.offset(text, Position::new(0, 99)), 4);
        assert_eq!(ix.offset(text, Position::new(9, 0)), text.len());
        // Inside a character: its start.
        assert_eq!(ix.position(text, 6), Position::new(1, 0));
    }

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/a b/ü.yaml");
        let uri = path_to_uri(p);
        assert_eq!(uri, "file:///tmp/a%20b/%C3%BC.yaml");
        assert_eq!(uri_to_path(&uri).unwrap(), p);
        assert_eq!(uri_to_path("untitled:1"), None);
    }
}
