//! Where the cursor is in the YAML's key structure, for key completion and key hover.
//!
//! Input: a document's text and a byte offset. Output: the path of mapping keys from the root
//! to the mapping the cursor is in (the form [`crate::model_schema::keys_at`] reads), and whether
//! the cursor is where a key or a key's value is written. Works on text the loader may reject
//! (a half-typed key), so it reads indentation and flow brackets on the lines above, not a tree.
//! Invariants: read-only; `None` when the position is not at a key or a value of a block or
//! one-line flow mapping (inside a block scalar, for instance).

/// What the cursor is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A key being written in the mapping at `path`.
    Key {
        /// Mapping keys from the root.
        path: Vec<String>,
    },
    /// The value of `key` in the mapping at `path`.
    Value {
        /// Mapping keys from the root.
        path: Vec<String>,
        /// The key whose value it is.
        key: String,
    },
}

/// The indentation and the content of a line.
fn split_indent(line: &str) -> (usize, &str) {
    let body = line.trim_start_matches(' ');
    (line.len() - body.len(), body)
}

/// The key a line starts with (`key:` or `- key:`), if any.
fn line_key(body: &str) -> Option<&str> {
    let body = body.strip_prefix("- ").unwrap_or(body);
    let (key, _) = body.split_once(':')?;
    let key = key.trim().trim_matches(['"', '\'']);
    (!key.is_empty() && !key.contains(['{', '[', ' ', ','])).then_some(key)
}

/// The block path of the mapping whose keys are at indentation `target`, from the lines before
/// `line_start`.
fn block_path(text: &str, line_start: usize, target: usize) -> Vec<String> {
    let mut path = Vec::new();
    let mut limit = target;
    // A list item's mapping sits under the key that holds the list, which may be indented like
    // the `- ` itself.
    let mut equal_ok = false;
    let before = text.get(..line_start).unwrap_or("");
    for line in before.lines().rev() {
        if limit == 0 && !equal_ok {
            break;
        }
        let (ind, body) = split_indent(line);
        if body.trim().is_empty() || body.starts_with('#') {
            continue;
        }
        let item = body.starts_with("- ");
        let key_ind = if item { ind + 2 } else { ind };
        let parent = key_ind < limit || (equal_ok && !item && ind == limit);
        if parent {
            let Some(key) = line_key(body) else {
                // A line that is not a key (a scalar list item): the structure is not one we read.
                if !item {
                    break;
                }
                continue;
            };
            path.push(key.to_string());
            if item {
                limit = ind;
                equal_ok = true;
            } else {
                limit = ind;
                equal_ok = false;
            }
        } else if item && key_ind == limit {
            // A sibling key that starts this list item: the item's parent comes next.
            limit = ind;
            equal_ok = true;
        }
    }
    path.reverse();
    path
}

/// Where `offset` is in the key structure of `text`.
pub fn place(text: &str, offset: usize) -> Option<Place> {
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let prefix = text.get(line_start..offset)?;
    let (indent, mut body) = split_indent(prefix);
    let mut target = indent;
    if let Some(rest) = body.strip_prefix("- ") {
        target += 2;
        body = rest;
    }
    let mut path = block_path(text, line_start, target);
    // A one-line flow mapping: `id: { type: uuid, pri|`.
    let mut depth_key: Option<String> = None;
    let mut last_open = None;
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{') => {
                depth += 1;
                last_open = Some(i);
            }
            (None, '}') => {
                depth -= 1;
                last_open = None;
            }
            _ => {}
        }
    }
    if quote.is_some() {
        return None;
    }
    if depth == 1
        && let Some(open) = last_open
    {
        let head = body.get(..open)?;
        let key = line_key(head)?;
        depth_key = Some(key.to_string());
        body = body.get(open + 1..)?;
        body = body.rsplit(',').next().unwrap_or(body).trim_start();
    } else if depth != 0 {
        return None;
    }
    if let Some(k) = depth_key {
        path.push(k);
    }
    match body.split_once(':') {
        None => {
            let typed_ok = body.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            typed_ok.then_some(Place::Key { path })
        }
        Some((key, value)) => {
            let key = key.trim().trim_matches(['"', '\'']);
            let simple = !value.contains([':', '{', '[', '#']) && !key.is_empty();
            simple.then(|| Place::Value {
                path,
                key: key.to_string(),
            })
        }
    }
}

/// The key under `offset` (a word followed by `:`, in a block or a one-line flow mapping), with
/// the path of the mapping that holds it (for hover on a key).
pub fn key_on_line(text: &str, offset: usize) -> Option<(Vec<String>, String)> {
    let is_key = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text
        .get(..offset)?
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_key(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let rest = text.get(start..)?;
    let len = rest.find(|c: char| !is_key(c)).unwrap_or(rest.len());
    let key = rest.get(..len)?;
    if key.is_empty() || !rest.get(len..)?.starts_with(':') {
        return None;
    }
    match place(text, start)? {
        Place::Key { path } => Some((path, key.to_string())),
        Place::Value { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<Place> {
        let offset = text.find('|').unwrap();
        let text = text.replace('|', "");
        place(&text, offset)
    }

    fn key(path: &[&str]) -> Option<Place> {
        Some(Place::Key {
            path: path.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn paths_follow_indentation_lists_and_flow_mappings() {
        assert_eq!(at("ver|"), key(&[]));
        assert_eq!(at("tables:\n  t:\n    col|"), key(&["tables", "t"]));
        assert_eq!(
            at("tables:\n  t:\n    columns:\n      id: { type: uuid, pri|"),
            key(&["tables", "t", "columns", "id"])
        );
        assert_eq!(
            at("tables:\n  t:\n    indexes:\n      - columns: [a]\n        wh|"),
            key(&["tables", "t", "indexes"])
        );
        assert_eq!(
            at("tables:\n  t:\n    indexes:\n    - columns: [a]\n      wh|"),
            key(&["tables", "t", "indexes"])
        );
        assert_eq!(
            at("tables:\n  t:\n    rls:\n      policies:\n        p:\n          for: se|"),
            Some(Place::Value {
                path: vec![
                    "tables".into(),
                    "t".into(),
                    "rls".into(),
                    "policies".into(),
                    "p".into()
                ],
                key: "for".into()
            })
        );
        assert_eq!(at("tables:\n  t:\n    description: \"a: |"), None);
    }

    #[test]
    fn the_key_on_a_line() {
        let text = "tables:\n  t:\n    rls:\n      enabled: true\n";
        let at = text.find("enabled").unwrap() + 2;
        assert_eq!(
            key_on_line(text, at),
            Some((
                vec!["tables".into(), "t".into(), "rls".into()],
                "enabled".into()
            ))
        );
    }
}
