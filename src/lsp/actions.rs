//! Code actions: mechanical fixes for lint findings, as edits that keep the user's formatting.
//!
//! Input: a [`Snapshot`] and the range the editor asks about. Output: quick fixes for the
//! findings whose primary span meets the range:
//! - SC301 `fk-missing-index`: add `{ columns: [...] }` to the table's `indexes:` (a new item
//!   after the last one, or a new `indexes:` key at the end of the table);
//! - SC410 `auth-call-not-wrapped`: wrap the call in `(select …)`;
//! - SC409 `policy-without-roles`: add `to: [<role>]`, one action per client role of the preset.
//!
//! Invariants: an edit only inserts text at a line boundary or right after a `{`, with the
//! indentation of its neighbours (or replaces exactly the finding's span), so the rest of the
//! file keeps its bytes; a structure the fix does not recognise (a flow sequence of indexes, a
//! multi-line flow mapping) gets no action rather than a guess.

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Position, Range, TextEdit,
    Uri, WorkspaceEdit,
};

use super::Snapshot;
use crate::lint::{Finding, Object};
use crate::source::Span;

/// The quick fixes for the findings in the requested range.
pub fn code_actions(snap: &Snapshot, p: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    let Some(path) = super::text::uri_to_path(p.text_document.uri.as_str()) else {
        return Vec::new();
    };
    let Some(file) = snap.file_of(&path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in &snap.report.findings {
        let Some((span, _)) = &f.primary else {
            continue;
        };
        if span.file != file || f.level.severity().is_none() {
            continue;
        }
        let Some(range) = snap.range(*span) else {
            continue;
        };
        if !overlaps(range, p.range) {
            continue;
        }
        for (title, uri, edits) in fixes(snap, f, *span) {
            let diagnostic = f.diagnostic().map(|d| {
                let mut d = lsp_types::Diagnostic::new_simple(range, d.message);
                d.code = Some(lsp_types::NumberOrString::String(f.rule.code.to_string()));
                d.source = Some("schemac".to_string());
                d
            });
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: diagnostic.map(|d| vec![d]),
                edit: Some(workspace_edit(vec![(uri, edits)])),
                is_preferred: Some(true),
                ..Default::default()
            }));
        }
    }
    out
}

/// A workspace edit of these files. `WorkspaceEdit::changes` is a `HashMap` in lsp-types: its
/// order is that of a JSON object's keys, which clients do not read as an order.
#[allow(clippy::disallowed_types, clippy::mutable_key_type)]
pub fn workspace_edit(files: Vec<(Uri, Vec<TextEdit>)>) -> WorkspaceEdit {
    let changes: std::collections::HashMap<Uri, Vec<TextEdit>> = files.into_iter().collect();
    WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }
}

/// Whether two ranges meet (touching counts: a cursor at a finding's end asks about it).
fn overlaps(a: Range, b: Range) -> bool {
    !(a.end < b.start || b.end < a.start)
}

/// The fixes of one finding: (title, file, edits).
fn fixes(snap: &Snapshot, f: &Finding, span: Span) -> Vec<(String, Uri, Vec<TextEdit>)> {
    let model = &snap.compiled.model;
    match (f.rule.code, &f.subject) {
        ("SC410", _) => {
            // The finding names the function (`auth.uid`); the call runs to its closing `)`.
            let Some(span) = call_span(snap.text(span.file), span) else {
                return Vec::new();
            };
            let call = snap.compiled.sources.text(span);
            let Some(loc) = snap.location(span) else {
                return Vec::new();
            };
            vec![(
                format!("Wrap `{call}` in `(select …)`"),
                loc.uri,
                vec![TextEdit::new(loc.range, format!("(select {call})"))],
            )]
        }
        ("SC409", Object::Policy(..)) => {
            let mut roles = snap.compiled.external.client_roles.clone();
            if roles.is_empty() {
                roles = model.roles.keys().cloned().collect();
            }
            // Signed-in users first: the usual audience of a policy.
            roles.sort_by_key(|r| r != "authenticated");
            roles
                .iter()
                .filter_map(|r| {
                    let (uri, edit) = add_key(snap, span, &format!("to: [{r}]"))?;
                    Some((format!("Add `to: [{r}]`"), uri, vec![edit]))
                })
                .collect()
        }
        ("SC301", Object::TablePart(table, fk_name)) => {
            let Some(t) = model.tables.get(table) else {
                return Vec::new();
            };
            let Some(fk) = t.foreign_keys.iter().find(|fk| fk.name.value == *fk_name) else {
                return Vec::new();
            };
            let cols: Vec<&str> = fk.columns.iter().map(|c| c.value.as_str()).collect();
            let item = format!("{{ columns: [{}] }}", cols.join(", "));
            add_index(snap, t, &item)
                .map(|(uri, edit)| {
                    vec![(
                        format!("Add an index on `{}` ({})", table.name, cols.join(", ")),
                        uri,
                        vec![edit],
                    )]
                })
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// The span of a call whose name is at `name`: through its balanced `(…)` on the same line.
fn call_span(text: &str, name: Span) -> Option<Span> {
    let after = text.get(name.end()..)?;
    if !after.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in after.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(Span::new(
                        name.file,
                        name.start as usize,
                        name.len as usize + i + 1,
                    ));
                }
            }
            '\n' | '"' | '\'' => return None,
            _ => {}
        }
    }
    None
}

/// The indentation (in bytes of spaces) of the line holding byte `offset`, and that line's start.
fn line_of(text: &str, offset: usize) -> (usize, usize) {
    let start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let indent = text
        .get(start..)
        .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
    (start, indent)
}

/// The start of the line after the block that begins on the line of `offset` and is indented
/// deeper than `indent` (blank lines and comments inside it included), i.e. where a sibling of
/// that block's first line is inserted.
fn end_of_block(text: &str, offset: usize, indent: usize) -> usize {
    let mut pos = text
        .get(offset..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| offset + i + 1);
    let mut last_content = pos;
    while pos < text.len() {
        let line_end = text
            .get(pos..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |i| pos + i + 1);
        let line = text.get(pos..line_end).unwrap_or("");
        let body = line.trim_start_matches(' ');
        let ind = line.len() - body.len();
        if body.trim().is_empty() || body.starts_with('#') {
            pos = line_end;
            continue;
        }
        if ind <= indent {
            break;
        }
        pos = line_end;
        last_content = pos;
    }
    last_content
}

/// An edit inserting `text` as a new line at byte `at` (a line start) of `file`.
fn insert_at(
    snap: &Snapshot,
    file: crate::source::FileId,
    at: usize,
    text: String,
) -> Option<(Uri, TextEdit)> {
    let loc = snap.location(Span::new(file, at, 0))?;
    let p: Position = loc.range.start;
    Some((loc.uri, TextEdit::new(Range::new(p, p), text)))
}

/// Add `key: value` (given as one `line`) to the mapping whose key is at `key` — a flow mapping
/// on the key's line gets it right after its `{`; a block mapping gets a new line at the
/// indentation of its first child; a scalar shorthand (`name: text`) becomes
/// `{ type: text, <line> }`.
pub fn add_key(snap: &Snapshot, key: Span, line: &str) -> Option<(Uri, TextEdit)> {
    let text = snap.text(key.file);
    let (line_start, indent) = line_of(text, key.start as usize);
    let after_key = text.get(key.end()..)?;
    let eol = after_key.find('\n').unwrap_or(after_key.len());
    let rest = after_key.get(..eol)?;
    // After the key: optional closing quote, spaces, `:`.
    let colon = rest.find(':')?;
    let value = rest.get(colon + 1..)?;
    let value_trim = value.trim_start();
    let value_at = key.end() + colon + 1 + (value.len() - value_trim.len());
    let value_code = value_trim.split(" #").next().unwrap_or("").trim_end();
    if let Some(inner) = value_code.strip_prefix('{') {
        if !value_code.ends_with('}') {
            return None;
        }
        let inner_trim = inner.trim_start();
        let at = value_at + 1 + (inner.len() - inner_trim.len());
        let insert = if inner_trim.starts_with('}') {
            line.to_string()
        } else {
            format!("{line}, ")
        };
        let _ = line_start;
        let loc = snap.location(Span::new(key.file, at, 0))?;
        return Some((
            loc.uri,
            TextEdit::new(Range::new(loc.range.start, loc.range.start), insert),
        ));
    }
    if value_code.is_empty() {
        // A block mapping: its children's indentation, from the next line with content.
        let next = key.end() + eol + 1;
        let child = text
            .get(next.min(text.len())..)
            .unwrap_or("")
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .filter(|&i| i > indent)
            .unwrap_or(indent + 2);
        let at = next.min(text.len());
        let prefix = if at == text.len() && !text.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        return insert_at(
            snap,
            key.file,
            at,
            format!("{prefix}{}{line}\n", " ".repeat(child)),
        );
    }
    if value_code.starts_with(['[', '|', '>', '"', '\'', '&', '*', '!']) {
        return None;
    }
    // A scalar shorthand: `name: text` → `name: { type: text, line }`.
    let loc = snap.location(Span::new(key.file, value_at, value_code.len()))?;
    Some((
        loc.uri,
        TextEdit::new(loc.range, format!("{{ type: {value_code}, {line} }}")),
    ))
}

/// Add an index item to a table: after its last index (block sequence), or as a new `indexes:`
/// key after the table's other keys.
fn add_index(snap: &Snapshot, t: &crate::ir::Table, item: &str) -> Option<(Uri, TextEdit)> {
    let file = t.origin.file;
    let text = snap.text(file);
    if let Some(last) = t.indexes.last() {
        let (start, indent) = line_of(text, last.origin.start as usize);
        let line = text.get(start..)?;
        if !line.trim_start().starts_with("- ") {
            return None;
        }
        let end = end_of_block(text, start, indent);
        return insert_at(snap, file, end, format!("{}- {item}\n", " ".repeat(indent)));
    }
    // The table's keys are indented like the line after its key.
    let (key_start, key_indent) = line_of(text, t.origin.start as usize);
    let child = text
        .get(key_start..)?
        .lines()
        .skip(1)
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .filter(|&i| i > key_indent)?;
    let end = end_of_block(text, key_start, key_indent);
    let pad = " ".repeat(child);
    insert_at(snap, file, end, format!("{pad}indexes:\n{pad}  - {item}\n"))
}
