//! Small, strict readers over the YAML node tree.
//!
//! Input: [`Node`]s. Output: typed values with spans, plus diagnostics for every problem (wrong
//! kind, unknown key with a "did you mean", duplicate key with both spans, value outside an allowed
//! set). Invariants: a reader never stops at the first problem; it reports, returns `None` for the
//! bad value and lets the caller continue with the rest of the file.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Sp;
use crate::load::yaml::{Key, Node, NodeKind, ScalarStyle};
use crate::source::Span;

/// The closest candidate within a small edit distance, for "did you mean".
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Edit distance is quadratic in length; nothing worth suggesting is this long.
    if word.len() > 64 {
        return None;
    }
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(word, c);
        let close = strsim::damerau_levenshtein(word, c) <= 2 || score > 0.85;
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// " (did you mean `x`?)" or "".
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(word, candidates).map_or(String::new(), |s| format!("; did you mean `{s}`?"))
}

pub(crate) fn wrong_type(d: &mut Diagnostics, node: &Node, expected: &str, what: &str) {
    d.push(
        Diagnostic::error(
            Code::WrongType,
            format!("{what} must be {expected}, found {}", node.kind.describe()),
        )
        .at(node.span, format!("expected {expected}"))
        .help(format!("write {what} as {expected}")),
    );
}

/// Report duplicate keys of a mapping (both spans) and return its entries, or report that the
/// node is not a mapping. `null` counts as an empty mapping.
pub fn entries<'n>(d: &mut Diagnostics, node: &'n Node, what: &str) -> &'n [(Key, Node)] {
    match &node.kind {
        NodeKind::Map(entries) => {
            let mut seen: std::collections::BTreeMap<&str, Span> =
                std::collections::BTreeMap::new();
            for (k, _) in entries {
                if let Some(first) = seen.get(k.name.as_str()) {
                    d.push(
                        Diagnostic::error(
                            Code::DuplicateKey,
                            format!("`{}` appears twice in {what}", k.name),
                        )
                        .at(k.span, "second occurrence")
                        .also(*first, "first occurrence")
                        .help("remove one of the two entries or merge them"),
                    );
                } else {
                    seen.insert(&k.name, k.span);
                }
            }
            entries
        }
        NodeKind::Null => &[],
        _ => {
            wrong_type(d, node, "a mapping", what);
            &[]
        }
    }
}

/// A mapping being read field by field; [`Fields::finish`] reports unknown keys.
pub struct Fields<'n> {
    entries: &'n [(Key, Node)],
    allowed: &'static [&'static str],
    what: String,
    /// Where the mapping is (its first key, or the parent's key when empty).
    pub span: Span,
}

impl<'n> Fields<'n> {
    /// Start reading a mapping whose keys must come from `allowed`.
    pub fn new(
        d: &mut Diagnostics,
        node: &'n Node,
        allowed: &'static [&'static str],
        what: impl Into<String>,
    ) -> Fields<'n> {
        let what = what.into();
        let entries = entries(d, node, &what);
        Fields {
            entries,
            allowed,
            what,
            span: node.span,
        }
    }

    /// The value of a key, if present (the first one when duplicated).
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        debug_assert!(self.allowed.contains(&key), "{key} not in allowed list");
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// The key itself (for spans), if present.
    pub fn key(&self, key: &str) -> Option<&'n Key> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(k, _)| k)
    }

    /// A required key: reports `E104` when missing.
    pub fn require(&self, d: &mut Diagnostics, key: &str, anchor: Span) -> Option<&'n Node> {
        let v = self.get(key);
        if v.is_none() {
            d.push(
                Diagnostic::error(Code::MissingKey, format!("{} has no `{key}`", self.what))
                    .at(anchor, format!("`{key}` is required here"))
                    .help(format!("add `{key}:` to {}", self.what)),
            );
        }
        v
    }

    /// Report keys that are not allowed.
    pub fn finish(self, d: &mut Diagnostics) {
        for (k, v) in self.entries {
            if !self.allowed.contains(&k.name.as_str()) {
                // Past the sink's limit the diagnostic would only be counted: skip the
                // "did you mean" work of building it (two million unknown keys).
                if !d.keeps(Code::UnknownKey) {
                    d.count_error(Code::UnknownKey);
                    continue;
                }
                if matches!(v.kind, NodeKind::Null)
                    && suggest(&k.name, self.allowed.iter().copied()).is_none()
                    && k.name.chars().any(|c| !(c.is_alphanumeric() || c == '_'))
                {
                    d.push(
                        Diagnostic::error(
                            Code::UnknownKey,
                            format!("unknown key `{}` in {}: a comma inside `{{ … }}` ended the previous value", k.name, self.what),
                        )
                        .at(k.span, "read as a key because of the comma before it")
                        .help("quote the value that contains the comma, or write the mapping in block style"),
                    );
                    continue;
                }
                let hint = did_you_mean(&k.name, self.allowed.iter().copied());
                d.push(
                    Diagnostic::error(
                        Code::UnknownKey,
                        format!("unknown key `{}` in {}{hint}", k.name, self.what),
                    )
                    .at(k.span, "not a known key")
                    .help(format!("use one of: {}", self.allowed.join(", "))),
                );
            }
        }
    }
}

/// A string (numbers and booleans are accepted as their source text, since `default: 0` is SQL).
pub fn text(d: &mut Diagnostics, node: &Node, what: &str) -> Option<Sp<String>> {
    match &node.kind {
        NodeKind::Str(s, _) => Some(Sp::new(s.clone(), node.span)),
        NodeKind::Number(n) => Some(Sp::new(n.clone(), node.span)),
        NodeKind::Bool(b) => Some(Sp::new(b.to_string(), node.span)),
        _ => {
            wrong_type(d, node, "a string", what);
            None
        }
    }
}

/// A name: a non-empty string.
pub fn name(d: &mut Diagnostics, node: &Node, what: &str) -> Option<Sp<String>> {
    let t = text(d, node, what)?;
    if t.value.trim().is_empty() {
        d.push(
            Diagnostic::error(Code::InvalidName, format!("{what} is empty"))
                .at(node.span, "empty name")
                .help("write a name"),
        );
        return None;
    }
    Some(t)
}

/// How a string node maps its character positions back to the file.
pub fn style(node: &Node) -> ScalarStyle {
    match &node.kind {
        NodeKind::Str(_, s) => *s,
        NodeKind::Number(_) | NodeKind::Bool(_) => ScalarStyle::Plain,
        _ => ScalarStyle::Other,
    }
}

/// A boolean.
pub fn boolean(d: &mut Diagnostics, node: &Node, what: &str) -> Option<bool> {
    match &node.kind {
        NodeKind::Bool(b) => Some(*b),
        _ => {
            wrong_type(d, node, "true or false", what);
            None
        }
    }
}

/// A non-negative integer.
pub fn integer(d: &mut Diagnostics, node: &Node, what: &str) -> Option<u32> {
    if let NodeKind::Number(n) = &node.kind
        && let Ok(v) = n.parse::<u32>()
    {
        return Some(v);
    }
    wrong_type(d, node, "a whole number", what);
    None
}

/// A list of strings; a single string is a list of one.
pub fn text_list(d: &mut Diagnostics, node: &Node, what: &str) -> Vec<Sp<String>> {
    match &node.kind {
        NodeKind::Seq(items) => items.iter().filter_map(|n| text(d, n, what)).collect(),
        NodeKind::Str(..) | NodeKind::Number(_) => text(d, node, what).into_iter().collect(),
        NodeKind::Null => Vec::new(),
        _ => {
            wrong_type(d, node, "a list of strings", what);
            Vec::new()
        }
    }
}

/// The items of a list (a single non-list value is a list of one).
pub fn list<'n>(d: &mut Diagnostics, node: &'n Node, what: &str) -> Vec<&'n Node> {
    match &node.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        NodeKind::Null => Vec::new(),
        NodeKind::Map(_) => {
            wrong_type(d, node, "a list", what);
            Vec::new()
        }
        _ => vec![node],
    }
}

/// One of a fixed set of words (case-insensitive; `-` and ` ` read as `_`).
pub fn choice(
    d: &mut Diagnostics,
    node: &Node,
    allowed: &'static [&'static str],
    what: &str,
) -> Option<Sp<&'static str>> {
    let t = text(d, node, what)?;
    let norm = t.value.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    if let Some(found) = allowed.iter().find(|a| **a == norm) {
        return Some(Sp::new(*found, t.span));
    }
    let hint = did_you_mean(&norm, allowed.iter().copied());
    d.push(
        Diagnostic::error(
            Code::InvalidValue,
            format!("`{}` is not a valid {what}{hint}", t.value),
        )
        .at(t.span, "not allowed here")
        .help(format!("use one of: {}", allowed.join(", "))),
    );
    None
}
