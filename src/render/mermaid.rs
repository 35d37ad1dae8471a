//! ER diagrams: the model → view structs for `er.mmd.j2` (a Mermaid `erDiagram`).
//!
//! Input: a resolved, validated [`Model`]. Output: one [`ErView`] for the whole schema and one
//! per `group:` of tables ([`diagrams`]), each a list of entities and relationships whose tokens
//! are already valid Mermaid (the template only lays them out). Invariants:
//! - entity names are always double-quoted (Mermaid's quoted entity names accept dots, spaces and
//!   Unicode, and quoting keeps table names such as `one` or `end` from reading as keywords);
//!   characters Mermaid refuses inside quotes (`"`, `%`, `\`, control characters) become `_`, and
//!   names that then collide get `_2`, `_3`, … in the order of the whole-schema diagram;
//! - attribute types and names match Mermaid's attribute token (`[A-Za-z_À-￿][A-Za-z0-9_À-￿]*`
//!   here, a subset of what Mermaid accepts): types are shortened (`timestamp with time zone` →
//!   `timestamptz`, `character varying(100)` → `varchar`, `text[]` → `text_array`), and a
//!   column whose name had to change keeps its real name as the attribute comment (on Citus,
//!   the distribution column's comment says so, and so does a reference table's first column's);
//! - a relationship is drawn from the referenced table (left) to the referencing one (right):
//!   `||--o{` for a NOT NULL foreign key, `|o--o{` for a nullable one, `||--o|` / `|o--o|` when the
//!   foreign key's columns are unique (one-to-one); the label lists the foreign key's columns;
//! - tables appear in foreign-key order (`ir::graph::table_order`), platform tables (such as
//!   `auth.users`) first, as stubs without columns;
//! - a group diagram holds the group's tables with columns and, as stubs, the tables of other
//!   groups (or of no group) and platform tables they are linked to; tables without a group are in
//!   the whole-schema diagram only;
//! - above [`COMPACT_ABOVE`] tables the whole-schema diagram leaves columns out.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::ir::graph::table_order;
use crate::ir::{ForeignKey, Model, QName, Table};
use crate::render::markdown::{fk_is_optional, fk_is_unique};

/// Above this many tables the whole-schema diagram shows tables and relationships only.
pub const COMPACT_ABOVE: usize = 40;

/// Everything `er.mmd.j2` receives (the template's only variable is `er`).
#[derive(Debug, Clone, Serialize)]
pub struct ErView {
    /// What the diagram shows: `the whole schema` or ``group `accounts` ``.
    pub title: String,
    /// The group, or none for the whole schema.
    pub group: Option<String>,
    /// Whether columns were left out.
    pub compact: bool,
    /// Entities in order.
    pub entities: Vec<EntityView>,
    /// Relationships in order.
    pub relationships: Vec<RelationshipView>,
}

/// An entity (a table).
#[derive(Debug, Clone, Serialize)]
pub struct EntityView {
    /// The entity token, quoted (`"profiles"`, `"auth.users"`).
    pub name: String,
    /// Whether it is drawn without columns (a neighbour from elsewhere, or a compact diagram).
    pub stub: bool,
    /// Columns (empty for stubs).
    pub attributes: Vec<AttributeView>,
}

/// An attribute (a column).
#[derive(Debug, Clone, Serialize)]
pub struct AttributeView {
    /// Type token.
    pub r#type: String,
    /// Name token.
    pub name: String,
    /// `PK`, `FK`, `UK` joined by `, ` (may be empty).
    pub keys: String,
    /// Quoted comment (the real column name when the token differs), or empty.
    pub comment: String,
}

/// A relationship (a foreign key).
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipView {
    /// The referenced table's token.
    pub left: String,
    /// Cardinality token (`||--o{`).
    pub cardinality: String,
    /// The referencing table's token.
    pub right: String,
    /// The quoted label (the foreign key's columns).
    pub label: String,
}

/// A diagram to write: the file stem under `er/` (none for the whole schema `er.mmd`) and its view.
#[derive(Debug, Clone)]
pub struct Diagram {
    /// The group, or none for the whole schema.
    pub group: Option<String>,
    /// File name stem for a group diagram (`accounts` → `er/accounts.mmd`).
    pub file_stem: Option<String>,
    /// The view.
    pub view: ErView,
}

/// What one group's diagram draws: its tables (positions in FK order), the tables of other groups
/// or of the platform they are linked to, and the foreign keys touching the group, in FK order.
#[derive(Default)]
struct GroupBucket<'a> {
    members: Vec<usize>,
    neighbours: BTreeSet<&'a QName>,
    fks: Vec<(&'a Table, &'a ForeignKey)>,
}

/// The whole-schema diagram followed by one diagram per group (groups by name).
pub fn diagrams(model: &Model) -> Vec<Diagram> {
    diagrams_in(model, &table_order(model).order)
}

/// [`diagrams`] with the model's `ir::graph::table_order` already computed (the documentation
/// computes it once for the diagrams and DATABASE.md).
pub fn diagrams_in(model: &Model, order: &[QName]) -> Vec<Diagram> {
    let tables: Vec<&Table> = order.iter().filter_map(|q| model.tables.get(q)).collect();
    let external: BTreeSet<QName> = tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter())
        .map(|fk| fk.target.clone())
        .filter(|q| !model.tables.contains_key(q))
        .collect();
    // Tokens: platform tables first, then model tables in FK order, so collisions resolve stably.
    let mut tokens: BTreeMap<QName, String> = BTreeMap::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for q in external.iter().chain(order.iter()) {
        let base = entity_text(&q.display_short(&model.default_schema));
        let mut candidate = base.clone();
        let mut n = 1;
        while used.contains(&candidate) {
            n += 1;
            candidate = format!("{base}_{n}");
        }
        used.insert(candidate.clone());
        tokens.insert(q.clone(), format!("\"{candidate}\""));
    }
    let token = |q: &QName| tokens.get(q).cloned().unwrap_or_default();

    let compact = tables.len() > COMPACT_ABOVE;
    let mut out = Vec::new();
    let mut entities: Vec<EntityView> = external
        .iter()
        .map(|q| EntityView {
            name: token(q),
            stub: true,
            attributes: Vec::new(),
        })
        .collect();
    entities.extend(tables.iter().map(|t| EntityView {
        name: token(&t.name),
        stub: compact,
        attributes: if compact { Vec::new() } else { attributes(t) },
    }));
    let relationships = tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(|fk| relationship(t, fk, &token)))
        .collect();
    out.push(Diagram {
        group: None,
        file_stem: None,
        view: ErView {
            title: "the whole schema".to_string(),
            group: None,
            compact,
            entities,
            relationships,
        },
    });

    // One pass over the foreign keys: each lands in the bucket of its table's group and, when
    // different, of its target's group (in FK order, as the whole-schema diagram lists them).
    let group_of = |q: &QName| model.tables.get(q).and_then(|t| t.group.as_deref());
    let mut buckets: BTreeMap<&str, GroupBucket<'_>> = BTreeMap::new();
    for (i, t) in tables.iter().enumerate() {
        if let Some(g) = t.group.as_deref() {
            buckets.entry(g).or_default().members.push(i);
        }
    }
    for t in &tables {
        let source = t.group.as_deref();
        for fk in &t.foreign_keys {
            let target = group_of(&fk.target);
            if let Some(g) = source {
                let b = buckets.entry(g).or_default();
                b.fks.push((t, fk));
                if target != Some(g) {
                    b.neighbours.insert(&fk.target);
                }
            }
            if let Some(g) = target.filter(|g| Some(*g) != source) {
                let b = buckets.entry(g).or_default();
                b.fks.push((t, fk));
                b.neighbours.insert(&t.name);
            }
        }
    }
    let position: BTreeMap<&QName, usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (&t.name, i))
        .collect();
    let mut stems: BTreeSet<String> = BTreeSet::new();
    for (g, bucket) in buckets {
        let GroupBucket {
            members,
            neighbours,
            fks,
        } = bucket;
        let mut entities: Vec<EntityView> = neighbours
            .iter()
            .filter(|q| external.contains(**q))
            .map(|q| EntityView {
                name: token(q),
                stub: true,
                attributes: Vec::new(),
            })
            .collect();
        // The group's tables with columns and its model neighbours as stubs, in FK order.
        let mut shown: Vec<(usize, bool)> = members.iter().map(|i| (*i, false)).collect();
        shown.extend(
            neighbours
                .iter()
                .filter_map(|q| position.get(q))
                .map(|i| (*i, true)),
        );
        shown.sort_unstable();
        for (i, stub) in shown {
            let Some(t) = tables.get(i) else { continue };
            entities.push(EntityView {
                name: token(&t.name),
                stub,
                attributes: if stub { Vec::new() } else { attributes(t) },
            });
        }
        let mut stem = file_stem(g);
        let base = stem.clone();
        let mut n = 1;
        while stems.contains(&stem) {
            n += 1;
            stem = format!("{base}-{n}");
        }
        stems.insert(stem.clone());
        out.push(Diagram {
            group: Some(g.to_string()),
            file_stem: Some(stem),
            view: ErView {
                title: format!("group `{g}`"),
                group: Some(g.to_string()),
                compact: false,
                entities,
                relationships: fks
                    .iter()
                    .map(|(t, fk)| relationship(t, fk, &token))
                    .collect(),
            },
        });
    }
    out
}

fn relationship(t: &Table, fk: &ForeignKey, token: &impl Fn(&QName) -> String) -> RelationshipView {
    let parent = if fk_is_optional(t, fk) { "|o" } else { "||" };
    let child = if fk_is_unique(t, fk) { "o|" } else { "o{" };
    let cols: Vec<&str> = fk.columns.iter().map(|c| c.value.as_str()).collect();
    RelationshipView {
        left: token(&fk.target),
        cardinality: format!("{parent}--{child}"),
        right: token(&t.name),
        label: format!("\"{}\"", quoted_text(&cols.join(", "))),
    }
}

fn attributes(t: &Table) -> Vec<AttributeView> {
    let pk: BTreeSet<&str> = t
        .primary_key
        .iter()
        .flat_map(|pk| pk.columns.iter().map(|c| c.value.as_str()))
        .collect();
    let fk: BTreeSet<&str> = t
        .foreign_keys
        .iter()
        .flat_map(|fk| fk.columns.iter().map(|c| c.value.as_str()))
        .collect();
    let mut uk: BTreeSet<&str> = t
        .uniques
        .iter()
        .filter_map(|u| match u.columns.as_slice() {
            [one] => Some(one.value.as_str()),
            _ => None,
        })
        .collect();
    uk.extend(t.indexes.iter().filter_map(|ix| match ix.keys.as_slice() {
        [one] if ix.unique && !one.expression && ix.predicate.is_none() => {
            Some(one.target.value.as_str())
        }
        _ => None,
    }));
    // Citus: the distribution column, and a reference table's first column, say so (nothing for
    // local tables and models that do not target Citus).
    let citus_note = |i: usize, c: &crate::ir::Column| -> Option<&'static str> {
        match &t.distribution {
            Some(crate::ir::citus::Distribution::Hash { column, .. }) if column.value == c.name => {
                Some("Citus distribution column")
            }
            Some(crate::ir::citus::Distribution::Reference) if i == 0 => {
                Some("Citus reference table")
            }
            _ => None,
        }
    };
    t.columns
        .values()
        .enumerate()
        .map(|(i, c)| {
            let mut keys = Vec::new();
            if pk.contains(c.name.as_str()) {
                keys.push("PK");
            }
            if fk.contains(c.name.as_str()) {
                keys.push("FK");
            }
            if uk.contains(c.name.as_str()) && !pk.contains(c.name.as_str()) {
                keys.push("UK");
            }
            let name = attribute_token(&c.name);
            let comment = match (name == c.name, citus_note(i, c)) {
                (true, None) => String::new(),
                (false, None) => format!("\"{}\"", quoted_text(&c.name)),
                (true, Some(note)) => format!("\"{note}\""),
                (false, Some(note)) => format!("\"{}, {note}\"", quoted_text(&c.name)),
            };
            AttributeView {
                r#type: type_token(&c.type_sql),
                name,
                keys: keys.join(", "),
                comment,
            }
        })
        .collect()
}

/// Text for inside Mermaid double quotes: `"`, `%`, `\` and control characters become `_`
/// (Mermaid's quoted-name token refuses them).
fn quoted_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '"' || c == '%' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn entity_text(s: &str) -> String {
    let t = quoted_text(s);
    if t.trim().is_empty() {
        "_".to_string()
    } else {
        t
    }
}

fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || ('\u{C0}'..='\u{FFFF}').contains(&c)
}

/// A Mermaid attribute token: word characters (ASCII letters, digits, `_`, and Unicode from
/// U+00C0 to U+FFFF), not starting with a digit, and not read as a key (`PK`, `FK`, `UK`).
pub fn attribute_token(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        out.push('_');
    }
    out.extend(s.chars().map(|c| if token_char(c) { c } else { '_' }));
    // Mermaid reads `\b(PK|FK|UK)\b` (case-insensitive) as a key before it reads a word. (Bytes:
    // a key is ASCII, and the first byte of a non-ASCII character is neither a letter, a digit
    // nor `_`.)
    let b = out.as_bytes();
    let lower = |i: usize| b.get(i).map(u8::to_ascii_lowercase);
    let key_like = matches!(lower(0), Some(b'p' | b'f' | b'u'))
        && lower(1) == Some(b'k')
        && !b
            .get(2)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    if key_like {
        out.insert(0, '_');
    }
    out
}

/// The Mermaid type token of a column type as PostgreSQL prints it.
pub fn type_token(type_sql: &str) -> String {
    // Most types (`uuid`, `text`, `jsonb`, an unqualified enum) are one word of token
    // characters: the steps below keep them as they are, except `character`.
    if type_sql != "character" && type_sql.chars().all(token_char) {
        return attribute_token(type_sql);
    }
    let mut t = type_sql.trim();
    let mut array = false;
    while let Some(rest) = t.strip_suffix("[]") {
        array = true;
        t = rest.trim_end();
    }
    // Drop modifiers: `character varying(100)`, `numeric(10,2)`, `timestamp(3) with time zone`.
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in t.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = plain.split_whitespace().collect();
    let joined = words.join(" ");
    let short = match joined.as_str() {
        "timestamp with time zone" => "timestamptz".to_string(),
        "timestamp without time zone" => "timestamp".to_string(),
        "time with time zone" => "timetz".to_string(),
        "time without time zone" => "time".to_string(),
        "character varying" => "varchar".to_string(),
        "character" => "char".to_string(),
        "double precision" => "float8".to_string(),
        "bit varying" => "varbit".to_string(),
        other => {
            // Enums and extension types: the last part of a qualified name, quotes removed.
            let unquoted = other.replace('"', "");
            let last = match crate::ir::name::split_qualified(other) {
                Some(parts) if parts.len() == 2 => parts.last().cloned().unwrap_or(unquoted),
                _ => unquoted,
            };
            last.replace(' ', "_")
        }
    };
    let mut out = attribute_token(&short);
    if array {
        out.push_str("_array");
    }
    out
}

fn file_stem(group: &str) -> String {
    let s: String = group
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "group".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_become_tokens() {
        assert_eq!(type_token("timestamp with time zone"), "timestamptz");
        assert_eq!(type_token("character varying(100)"), "varchar");
        assert_eq!(type_token("text[]"), "text_array");
        assert_eq!(type_token("numeric(10,2)"), "numeric");
        assert_eq!(type_token("timestamp(3) with time zone"), "timestamptz");
        assert_eq!(type_token("double precision[]"), "float8_array");
        assert_eq!(type_token("public.order_state"), "order_state");
        assert_eq!(type_token("app.\"My Enum\""), "My_Enum");
        assert_eq!(type_token("\"char\""), "char");
        assert_eq!(type_token("vector(1536)"), "vector");
        assert_eq!(type_token("character"), "char");
        assert_eq!(type_token("character(3)"), "char");
        assert_eq!(type_token("uuid"), "uuid");
        assert_eq!(type_token("pk"), "_pk");
        assert_eq!(type_token("größe"), "größe");
    }

    #[test]
    fn attribute_names_become_tokens() {
        assert_eq!(attribute_token("Order Total"), "Order_Total");
        assert_eq!(attribute_token("größe_id"), "größe_id");
        assert_eq!(attribute_token("2fa"), "_2fa");
        assert_eq!(attribute_token("pk"), "_pk");
        assert_eq!(attribute_token("FK"), "_FK");
        assert_eq!(attribute_token("pk_id"), "pk_id");
        assert_eq!(attribute_token("uk-x"), "uk_x");
        assert_eq!(attribute_token("pkß"), "_pkß");
        assert_eq!(attribute_token("m²"), "m_");
        assert_eq!(attribute_token(""), "_");
        assert_eq!(attribute_token("Uk"), "_Uk");
        assert_eq!(attribute_token("fK x"), "fK_x");
        assert_eq!(attribute_token("ukx"), "ukx");
        assert_eq!(attribute_token("pk9"), "pk9");
        assert_eq!(attribute_token("p"), "p");
        assert_eq!(attribute_token("9pk"), "_9pk");
    }

    #[test]
    fn group_file_stems() {
        assert_eq!(file_stem("Billing & Payments"), "billing---payments");
        assert_eq!(file_stem("accounts"), "accounts");
        assert_eq!(file_stem("??"), "group");
    }
}
