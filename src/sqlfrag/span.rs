//! Conversion between sqlparser locations and byte offsets in fragment text.
//!
//! Input: fragment text and sqlparser `Location`s / `Span`s (1-based line and
//! column, columns counted in characters, lines split on `\n`), or the text of
//! a sqlparser error message ending in "at Line: L, Column: C".
//! Output: [`FragSpan`] byte ranges.
//! Invariants: returned offsets are always within `0..=text.len()` and on char
//! boundaries; anything that cannot be mapped yields `None` (never panics).

use super::FragSpan;
use sqlparser::tokenizer::{Location, Span};

/// Byte offset of a 1-based (line, column) location; `None` for the empty
/// location (line 0) or positions outside the text. The position just past
/// the end of a line (or of the text) is accepted.
pub(crate) fn location_to_offset(text: &str, loc: Location) -> Option<usize> {
    if loc.line == 0 || loc.column == 0 {
        return None;
    }
    // The common case: a position on the first line with only ASCII before it.
    if loc.line == 1
        && let Ok(want) = usize::try_from(loc.column - 1)
        && let Some(before) = text.as_bytes().get(..want)
        && before.iter().all(|&b| b.is_ascii() && b != b'\n')
    {
        return Some(want);
    }
    let mut line: u64 = 1;
    let mut line_start: usize = 0;
    if loc.line > 1 {
        let mut found = false;
        for (i, ch) in text.char_indices() {
            if ch == '\n' {
                line += 1;
                if line == loc.line {
                    line_start = i + 1;
                    found = true;
                    break;
                }
            }
        }
        if !found {
            return None;
        }
    }
    let rest = text.get(line_start..)?;
    let want = loc.column - 1;
    let mut count: u64 = 0;
    for (i, ch) in rest.char_indices() {
        if count == want {
            return Some(line_start + i);
        }
        if ch == '\n' {
            return None;
        }
        count += 1;
    }
    if count == want {
        Some(text.len())
    } else {
        None
    }
}

/// Byte range of a sqlparser span (start inclusive, end exclusive as produced
/// by the tokenizer). Falls back to an empty range at the start when the end
/// is unknown or before the start.
pub(crate) fn span_to_frag(text: &str, span: Span) -> Option<FragSpan> {
    let start = location_to_offset(text, span.start)?;
    let len = match location_to_offset(text, span.end) {
        Some(end) if end >= start => end - start,
        _ => 0,
    };
    Some(FragSpan { start, len })
}

/// Extracts the trailing " at Line: L, Column: C" from a sqlparser message.
/// Returns the message without that suffix, and the location if present.
pub(crate) fn split_error_location(message: &str) -> (String, Option<Location>) {
    const MARK: &str = " at Line: ";
    let Some(pos) = message.rfind(MARK) else {
        return (message.to_string(), None);
    };
    let head = message.get(..pos).unwrap_or(message);
    let tail = message.get(pos + MARK.len()..).unwrap_or("");
    let mut parts = tail.splitn(2, ", Column: ");
    let line = parts.next().and_then(|s| s.trim().parse::<u64>().ok());
    let column = parts.next().and_then(|s| {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u64>().ok()
    });
    match (line, column) {
        (Some(line), Some(column)) => (head.to_string(), Some(Location { line, column })),
        _ => (message.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_multibyte() {
        let text = "\"größe\" > 0\n  ä = b";
        assert_eq!(
            location_to_offset(text, Location { line: 1, column: 1 }),
            Some(0)
        );
        // column 9 is '>' : characters: " g r ö ß e " space >
        assert_eq!(
            location_to_offset(text, Location { line: 1, column: 9 }),
            Some(10)
        );
        assert_eq!(
            location_to_offset(text, Location { line: 2, column: 3 }),
            Some(16)
        );
        assert_eq!(
            location_to_offset(text, Location { line: 2, column: 5 }),
            Some(19)
        );
        assert_eq!(
            location_to_offset(text, Location { line: 2, column: 8 }),
            Some(text.len())
        );
        assert_eq!(
            location_to_offset(text, Location { line: 2, column: 9 }),
            None
        );
        assert_eq!(
            location_to_offset(text, Location { line: 3, column: 1 }),
            None
        );
        assert_eq!(
            location_to_offset(text, Location { line: 0, column: 0 }),
            None
        );
    }

    #[test]
    fn split_location() {
        let (m, l) =
            split_error_location("Expected: end of statement, found: b at Line: 1, Column: 7");
        assert_eq!(m, "Expected: end of statement, found: b");
        assert_eq!(l, Some(Location { line: 1, column: 7 }));
        let (m, l) = split_error_location("recursion limit exceeded");
        assert_eq!(m, "recursion limit exceeded");
        assert_eq!(l, None);
    }
}
