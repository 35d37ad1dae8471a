//! The shape of `schema.yaml` as data: the JSON Schema editors validate and complete with, the key
//! reference page, and the key documentation an editor integration (`schemac lsp`) shows.
//!
//! Input: the key tables of [`keys`] (one [`Object`] per mapping the loader reads, each key with
//! its value [`Shape`], whether it is required and one line of documentation). Output:
//! - [`json_schema`] / [`json_schema_text`]: a JSON Schema (draft-07, the draft yaml-language-server
//!   and the VS Code YAML extension support fully) with `additionalProperties: false` on every
//!   mapping whose keys the loader checks, enums for closed value sets and a description on every
//!   key; the repository keeps it as `schema/schemac.schema.json` (`schemac json-schema` prints it);
//! - [`keys_at`]: the keys allowed at a path of mapping keys, with their documentation
//!   ([`KeyDoc`]), for key completion and hover;
//! - [`markdown`]: docs/model-keys.md (`schemac json-schema --markdown`).
//!
//! Invariants: the output is deterministic (object keys sorted, no timestamps); each [`Object`]'s
//! keys are exactly those of the loader's key list for that mapping and each [`Shape::Choice`]
//! lists exactly the words the loader's `decode::choice` accepts (the tests below compare them
//! with `src/load/`, so a key added to the loader without a line here fails the build's tests);
//! the schema never rejects a model the loader accepts, except for spellings `choice` also reads
//! (upper case, `-` or a space for `_`), which the schema asks to write in canonical form.
//!
//! The API for editors: `keys_at(&["tables", "profiles", "columns", "id"])` returns the keys of a
//! column mapping. A path is the mapping keys from the document root to the mapping the cursor is
//! in; user-chosen names (a table's or column's name) are path segments like any other; list
//! items are transparent (a segment of ASCII digits, a list index, is skipped where a list is), so
//! `["tables", "t", "indexes"]` and `["tables", "t", "indexes", "0"]` both give an index's keys.

pub mod keys;

use serde_json::{Map, Value, json};

/// The value a key holds.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// Text: a string (numbers and booleans are read as their source text).
    Text,
    /// An SQL fragment (text), parsed and checked by validate.
    Sql,
    /// A name: text that is not empty or blank.
    Name,
    /// `true` or `false`.
    Bool,
    /// A non-negative whole number.
    Count,
    /// The format version, `1`.
    Version,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// A string, or a list of strings (a single string is a list of one).
    TextList,
    /// A mapping with the keys of an [`Object`].
    Obj(&'static Object),
    /// A mapping from names the user chooses to values of one shape.
    MapOf(&'static Shape),
    /// A list of values (a single non-mapping value is a list of one).
    ListOf(&'static Shape),
    /// A list written as a YAML sequence, and nothing else.
    Seq(&'static Shape),
    /// One of several shapes.
    Either(&'static [Shape]),
    /// Nothing (`~`, `null` or an empty value).
    Null,
    /// Any value.
    Any,
}

/// A mapping whose keys the loader checks.
#[derive(Debug)]
pub struct Object {
    /// Its name in the JSON Schema's `definitions` and docs/model-keys.md.
    pub id: &'static str,
    /// What it is, in a few words.
    pub title: &'static str,
    /// Its keys, in documentation order.
    pub keys: &'static [Key],
    /// The shape of every other key (names the user chooses), if any are allowed.
    pub rest: Option<&'static Shape>,
}

/// One key of an [`Object`].
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// The key as written in YAML.
    pub name: &'static str,
    /// What it holds.
    pub shape: Shape,
    /// One line of documentation.
    pub doc: &'static str,
    /// Whether the loader reports it missing (E104).
    pub required: bool,
}

/// A key allowed at a position, for completion and hover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDoc {
    /// The key.
    pub name: &'static str,
    /// Its documentation (one line, Markdown).
    pub description: &'static str,
    /// What it holds, in words (`true or false`, `one of: row | statement`, `mapping (A column)`).
    pub kind: String,
    /// The words it accepts, when it is a closed set (for value completion).
    pub values: Vec<&'static str>,
    /// Whether the loader requires it.
    pub required: bool,
}

/// The root shape with a `'static` address.
static ROOT: Shape = keys::ROOT;

const JSON_SCHEMA_DRAFT: &str = "http://json-schema.org/draft-07/schema#";
/// The `$id` of the schema: where the repository publishes it.
pub const SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/schemac/schemac/main/schema/schemac.schema.json";
/// Where the repository keeps the schema.
pub const SCHEMA_PATH: &str = "schema/schemac.schema.json";

/// The JSON Schema of a model file.
pub fn json_schema() -> Value {
    let mut defs = Map::new();
    collect(&ROOT, &mut defs);
    let mut root = match object_schema(&keys::TOP) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    // A file of a folder model may hold any of the sections, or none (`{}`).
    root.insert("type".into(), json!(["object", "null"]));
    root.insert("$schema".into(), json!(JSON_SCHEMA_DRAFT));
    root.insert("$id".into(), json!(SCHEMA_ID));
    root.insert("title".into(), json!(keys::TOP.title));
    root.insert(
        "description".into(),
        json!("A schemac model file (schema.yaml, or one file of a folder model). Generated by `schemac json-schema`; see docs/model-reference.md."),
    );
    defs.remove(keys::TOP.id);
    root.insert("definitions".into(), Value::Object(defs));
    sorted(Value::Object(root))
}

/// [`json_schema`] as the text of `schema/schemac.schema.json` (two-space indent, final newline).
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// The same value with every object's keys in sorted order, whatever map serde_json was built
/// with (its `preserve_order` feature keeps insertion order).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Add the definition of every object reachable from `shape` to `defs`.
fn collect(shape: &Shape, defs: &mut Map<String, Value>) {
    match shape {
        Shape::Obj(obj) => {
            if defs.contains_key(obj.id) {
                return;
            }
            defs.insert(obj.id.to_string(), Value::Null);
            let schema = object_schema(obj);
            defs.insert(obj.id.to_string(), schema);
            for k in obj.keys {
                collect(&k.shape, defs);
            }
            if let Some(rest) = obj.rest {
                collect(rest, defs);
            }
        }
        Shape::MapOf(s) | Shape::ListOf(s) | Shape::Seq(s) => collect(s, defs),
        Shape::Either(alts) => {
            for a in *alts {
                collect(a, defs);
            }
        }
        _ => {}
    }
}

/// The definition of an object: its keys. It names no `type` (the places that use it do, with
/// the scalar forms they also accept), so its keywords apply to mappings only.
fn object_schema(obj: &Object) -> Value {
    let mut props = Map::new();
    for k in obj.keys {
        let mut s = match shape_schema(&k.shape) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        s.insert("description".into(), json!(k.doc));
        props.insert(k.name.to_string(), Value::Object(s));
    }
    let required: Vec<&str> = obj
        .keys
        .iter()
        .filter(|k| k.required)
        .map(|k| k.name)
        .collect();
    let mut m = Map::new();
    m.insert("description".into(), json!(obj.title));
    m.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        m.insert("required".into(), json!(required));
    }
    m.insert(
        "additionalProperties".into(),
        obj.rest.map_or(json!(false), shape_schema),
    );
    Value::Object(m)
}

const TEXT_TYPES: [&str; 3] = ["string", "number", "boolean"];

/// A shape as JSON types plus keywords that each apply to one of those types only, so that
/// alternatives can be merged into one schema (whose errors name the exact key or value, where
/// an `anyOf` only says that no alternative matched). `None` for shapes with keywords that apply
/// to every type (`enum`, `anyOf`).
fn typed(shape: &Shape) -> Option<(Vec<&'static str>, Map<String, Value>)> {
    let mut kw = Map::new();
    let types: Vec<&'static str> = match shape {
        Shape::Text | Shape::Sql => TEXT_TYPES.to_vec(),
        Shape::Name => {
            kw.insert("pattern".into(), json!("\\S"));
            TEXT_TYPES.to_vec()
        }
        Shape::Bool => vec!["boolean"],
        Shape::Count => {
            kw.insert("minimum".into(), json!(0));
            vec!["integer"]
        }
        Shape::TextList => {
            kw.insert("items".into(), json!({ "type": TEXT_TYPES }));
            vec!["string", "number", "array", "null"]
        }
        Shape::Obj(obj) => {
            kw.insert(
                "allOf".into(),
                json!([{ "$ref": format!("#/definitions/{}", obj.id) }]),
            );
            // `null` reads as an empty mapping; a mapping with required keys cannot be empty.
            if obj.keys.iter().any(|k| k.required) {
                vec!["object"]
            } else {
                vec!["object", "null"]
            }
        }
        Shape::MapOf(value) => {
            kw.insert("additionalProperties".into(), shape_schema(value));
            vec!["object", "null"]
        }
        Shape::Seq(item) => {
            kw.insert("items".into(), shape_schema(item));
            vec!["array"]
        }
        Shape::ListOf(item) if !scalar_ok(item) => {
            kw.insert("items".into(), shape_schema(item));
            vec!["array", "null"]
        }
        Shape::Null => vec!["null"],
        Shape::Either(alts) => return merge(alts),
        Shape::ListOf(_) | Shape::Version | Shape::Choice(_) | Shape::Any => return None,
    };
    Some((types, kw))
}

/// One typed schema for all the alternatives, when their keywords do not overlap.
fn merge(alts: &[Shape]) -> Option<(Vec<&'static str>, Map<String, Value>)> {
    let mut types: Vec<&'static str> = Vec::new();
    let mut kw = Map::new();
    for a in alts {
        let (t, k) = typed(a)?;
        for (key, value) in k {
            if kw.contains_key(&key) {
                return None;
            }
            kw.insert(key, value);
        }
        for ty in t {
            if !types.contains(&ty) {
                types.push(ty);
            }
        }
    }
    if types.contains(&"number") {
        types.retain(|t| *t != "integer");
    }
    Some((types, kw))
}

fn shape_schema(shape: &Shape) -> Value {
    if let Some((types, mut kw)) = typed(shape) {
        kw.insert(
            "type".into(),
            match types.as_slice() {
                [one] => json!(one),
                _ => json!(types),
            },
        );
        return Value::Object(kw);
    }
    match shape {
        Shape::Version => json!({ "enum": [1] }),
        Shape::Choice(words) => json!({ "type": "string", "enum": words }),
        Shape::ListOf(item) => json!({
            "anyOf": [
                { "type": ["array", "null"], "items": shape_schema(item) },
                shape_schema(item),
            ]
        }),
        Shape::Either(alts) => {
            json!({ "anyOf": alts.iter().map(shape_schema).collect::<Vec<_>>() })
        }
        _ => json!({}),
    }
}

/// Whether a value of this shape can be a scalar (so a list of it may be written as one item).
fn scalar_ok(shape: &Shape) -> bool {
    match shape {
        Shape::Obj(_) | Shape::MapOf(_) | Shape::Seq(_) | Shape::ListOf(_) | Shape::Null => false,
        Shape::Either(alts) => alts.iter().any(scalar_ok),
        _ => true,
    }
}

/// What a shape holds, in words.
pub fn describe(shape: &Shape) -> String {
    match shape {
        Shape::Text => "text".into(),
        Shape::Sql => "SQL".into(),
        Shape::Name => "name".into(),
        Shape::Bool => "true or false".into(),
        Shape::Count => "whole number".into(),
        Shape::Version => "1".into(),
        Shape::Choice(words) => format!("one of: {}", words.join(" | ")),
        Shape::TextList => "text or list of text".into(),
        Shape::Obj(obj) => format!("mapping ({})", obj.title),
        Shape::MapOf(value) => format!("name → {}", describe(value)),
        Shape::ListOf(item) | Shape::Seq(item) => format!("list of {}", describe(item)),
        Shape::Either(alts) => alts.iter().map(describe).collect::<Vec<_>>().join(" or "),
        Shape::Null => "nothing".into(),
        Shape::Any => "any value".into(),
    }
}

/// The words of the closed sets a shape accepts.
fn choice_words(shape: &Shape, out: &mut Vec<&'static str>) {
    match shape {
        Shape::Choice(words) => out.extend(words.iter().copied()),
        Shape::Bool => out.extend(["true", "false"]),
        Shape::Either(alts) => {
            for a in *alts {
                choice_words(a, out);
            }
        }
        Shape::ListOf(item) | Shape::Seq(item) => choice_words(item, out),
        _ => {}
    }
}

/// The shapes a value of `shape` can be, with alternatives and list items unwrapped.
fn flatten(shape: &'static Shape, out: &mut Vec<&'static Shape>) {
    match shape {
        Shape::Either(alts) => {
            for a in *alts {
                flatten(a, out);
            }
        }
        Shape::ListOf(item) | Shape::Seq(item) => flatten(item, out),
        other => out.push(other),
    }
}

fn is_list(shape: &Shape) -> bool {
    match shape {
        Shape::ListOf(_) | Shape::Seq(_) | Shape::TextList => true,
        Shape::Either(alts) => alts.iter().any(is_list),
        _ => false,
    }
}

/// The shapes at a path of mapping keys from the root (see the module documentation).
fn shapes_at(path: &[&str]) -> Vec<&'static Shape> {
    let mut current: Vec<&'static Shape> = vec![&ROOT];
    for seg in path {
        if !seg.is_empty()
            && seg.bytes().all(|b| b.is_ascii_digit())
            && current.iter().any(|s| is_list(s))
        {
            continue;
        }
        let mut flat = Vec::new();
        for s in &current {
            flatten(s, &mut flat);
        }
        let mut next = Vec::new();
        for s in flat {
            match s {
                Shape::Obj(obj) => {
                    if let Some(k) = obj.keys.iter().find(|k| k.name == *seg) {
                        next.push(&k.shape);
                    } else if let Some(rest) = obj.rest {
                        next.push(rest);
                    }
                }
                Shape::MapOf(value) => next.push(*value),
                _ => {}
            }
        }
        current = next;
    }
    current
}

/// The keys allowed in the mapping at `path` (mapping keys from the document root; see the
/// module documentation), in documentation order; empty where the user chooses the names (the
/// entries of `tables:`) or where no mapping is allowed.
pub fn keys_at(path: &[&str]) -> Vec<KeyDoc> {
    let mut flat = Vec::new();
    for s in shapes_at(path) {
        flatten(s, &mut flat);
    }
    let mut out: Vec<KeyDoc> = Vec::new();
    for s in flat {
        let Shape::Obj(obj) = s else {
            continue;
        };
        for k in obj.keys {
            if out.iter().any(|d| d.name == k.name) {
                continue;
            }
            let mut values = Vec::new();
            choice_words(&k.shape, &mut values);
            out.push(KeyDoc {
                name: k.name,
                description: k.doc,
                kind: describe(&k.shape),
                values,
                required: k.required,
            });
        }
    }
    out
}

/// Every object reachable from the root, each once, in the order the documentation lists them
/// (depth first, keys in order).
pub fn objects() -> Vec<&'static Object> {
    fn walk(shape: &'static Shape, out: &mut Vec<&'static Object>) {
        match shape {
            Shape::Obj(obj) => {
                if out.iter().any(|o| o.id == obj.id) {
                    return;
                }
                out.push(obj);
                for k in obj.keys {
                    walk(&k.shape, out);
                }
                if let Some(rest) = obj.rest {
                    walk(rest, out);
                }
            }
            Shape::MapOf(s) | Shape::ListOf(s) | Shape::Seq(s) => walk(s, out),
            Shape::Either(alts) => {
                for a in *alts {
                    walk(a, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&ROOT, &mut out);
    out
}

/// docs/model-keys.md: every mapping of the model with its keys, from the same table as the JSON
/// Schema.
pub fn markdown() -> String {
    let mut out = String::from(
        "# schema.yaml keys\n\n\
         Generated by `schemac json-schema --markdown` from the table the JSON Schema\n\
         (`schema/schemac.schema.json`, [editor.md](editor.md)) is generated from; the tests fail\n\
         when the loader accepts a key this page does not list. The meaning of each section, with\n\
         examples, is in [model-reference.md](model-reference.md).\n",
    );
    for obj in objects() {
        out.push_str(&format!("\n## {} (`{}`)\n\n", obj.title, obj.id));
        out.push_str("| key | value | |\n|---|---|---|\n");
        for k in obj.keys {
            let req = if k.required { " **required**" } else { "" };
            out.push_str(&format!(
                "| `{}` | {} | {}{} |\n",
                k.name,
                cell(&describe(&k.shape)),
                cell(k.doc),
                req
            ));
        }
        if let Some(rest) = obj.rest {
            out.push_str(&format!(
                "| *other names* | {} | |\n",
                cell(&describe(rest))
            ));
        }
    }
    out
}

/// Text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests;
