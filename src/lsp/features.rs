//! The editor's questions about the model: definition, references, hover, completion, rename.
//!
//! Input: a [`Snapshot`] (the last run of the pipeline and its [`Index`]) and the request's
//! parameters. Output: LSP results with UTF-16 ranges. Rename also writes `renamed_from:` at
//! the declaration (see [`crate::lsp::actions::add_key`]), so the next migration renames the
//! table or column instead of dropping it and adding a new one.
//! Invariants: read-only over the snapshot; a position that names nothing answers `null` (no
//! error); edits replace exactly the occurrences' text and never overlap.

use std::collections::{BTreeMap, BTreeSet};

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind,
    OneOf, PrepareRenameResponse, ReferenceParams, RenameParams, ServerCapabilities,
    TextDocumentPositionParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit,
    WorkspaceEdit,
};

use super::index::{Occurrence, Symbol};
use super::{Options, Snapshot};
use crate::ir::{PolicyCommand, QName, Table};
use crate::source::FileId;

/// What the server offers.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some(vec![".".to_string(), " ".to_string(), "[".to_string()]),
            ..Default::default()
        }),
        rename_provider: Some(OneOf::Right(lsp_types::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// The file and byte offset a request points at.
pub fn locate(snap: &Snapshot, at: &TextDocumentPositionParams) -> Option<(FileId, usize)> {
    let path = super::text::uri_to_path(at.text_document.uri.as_str())?;
    let file = snap.file_of(&path)?;
    Some((file, snap.offset(file, at.position)))
}

fn occurrence_at<'s>(
    snap: &'s Snapshot,
    at: &TextDocumentPositionParams,
) -> Option<&'s Occurrence> {
    let (file, offset) = locate(snap, at)?;
    snap.index().at(file, offset)
}

/// Go to the declaration of what is under the cursor.
pub fn definition(snap: &Snapshot, p: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let occ = occurrence_at(snap, &p.text_document_position_params)?;
    let decl = snap.index().declaration(&occ.symbol)?;
    Some(GotoDefinitionResponse::Scalar(snap.location(decl.span)?))
}

/// Every place the symbol under the cursor is written.
pub fn references(snap: &Snapshot, p: &ReferenceParams) -> Option<Vec<Location>> {
    let occ = occurrence_at(snap, &p.text_document_position)?;
    let with_decl = p.context.include_declaration;
    Some(
        snap.index()
            .occurrences_of(&occ.symbol)
            .filter(|o| with_decl || !o.decl)
            .filter_map(|o| snap.location(o.span))
            .collect(),
    )
}

/// What the symbol (or lint code) under the cursor is.
pub fn hover(snap: &Snapshot, p: &HoverParams, options: &Options) -> Option<Hover> {
    let at = &p.text_document_position_params;
    let (file, offset) = locate(snap, at)?;
    let mut parts: Vec<String> = Vec::new();
    let mut range = None;
    if let Some(occ) = snap.index().at(file, offset) {
        range = snap.range(occ.span);
        parts.push(describe(snap, &occ.symbol));
    } else if let Some((word, span)) = word_at(snap.text(file), offset)
        && let Some(text) = code_summary(word, options)
    {
        range = snap.range(crate::source::Span::new(file, span.0, span.1 - span.0));
        parts.push(text);
    } else if let Some((path, key)) = super::keys::key_on_line(snap.text(file), offset) {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        if let Some(k) = crate::model_schema::keys_at(&path)
            .into_iter()
            .find(|k| k.name == key)
        {
            parts.push(format!(
                "`{}`{}: {}\n\n{}",
                k.name,
                if k.required { " (required)" } else { "" },
                k.kind,
                k.description
            ));
        }
    }
    // The findings at the cursor: their rule's summary.
    let mut seen = BTreeSet::new();
    for f in &snap.report.findings {
        let Some((span, _)) = &f.primary else {
            continue;
        };
        if span.file == file
            && span.start as usize <= offset
            && offset <= span.end()
            && f.level.severity().is_some()
            && seen.insert(f.rule.code)
            && let Some(text) = code_summary(f.rule.code, options)
        {
            parts.push(text);
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range,
    })
}

/// The identifier-like word (letters, digits, `_`, `-`) around `offset`, with its byte range.
fn word_at(text: &str, offset: usize) -> Option<(&str, (usize, usize))> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let before = text.get(..offset)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let after = text.get(offset..)?;
    let end = offset + after.find(|c: char| !is_word(c)).unwrap_or(after.len());
    let word = text.get(start..end)?;
    (!word.is_empty()).then_some((word, (start, end)))
}

/// A lint rule's (or compiler code's) summary and docs link, for a code or rule name.
fn code_summary(word: &str, options: &Options) -> Option<String> {
    if let Some(rule) = crate::lint::find_rule(word) {
        let m = rule.meta();
        let link = super::docs_href(m.code, m.name, options)
            .map(|u| format!("\n\n[{}]({})", m.docs_url(), u.as_str()))
            .unwrap_or_default();
        return Some(format!(
            "**{}** `{}` ({}, default level {})\n\n{}{link}",
            m.code,
            m.name,
            m.category.as_str(),
            m.default_level.as_str(),
            m.summary()
        ));
    }
    let code = crate::diagnostics::Code::ALL
        .iter()
        .find(|c| c.as_str().eq_ignore_ascii_case(word))?;
    Some(format!("**{}** `{}`", code.as_str(), code.name()))
}

/// A Markdown description of a symbol.
fn describe(snap: &Snapshot, symbol: &Symbol) -> String {
    let model = &snap.compiled.model;
    let short = |q: &QName| q.display_short(&model.default_schema);
    match symbol {
        Symbol::Column(t, c) => match model
            .tables
            .get(t)
            .and_then(|tb| tb.columns.get(c).map(|col| (tb, col)))
        {
            Some((table, col)) => {
                let mut s = format!(
                    "```sql\n{}.{} {}{}\n```",
                    short(t),
                    c,
                    col.type_sql,
                    if col.nullable { "" } else { " not null" }
                );
                if let Some(d) = &col.default {
                    s.push_str(&format!("\n\ndefault `{}`", d.value));
                }
                if let Some(id) = &col.identity {
                    s.push_str(&format!("\n\nidentity: {id:?}"));
                }
                if let Some(g) = &col.generated {
                    s.push_str(&format!("\n\ngenerated as `{}`", g.value));
                }
                for fk in table
                    .foreign_keys
                    .iter()
                    .filter(|fk| fk.columns.iter().any(|k| k.value == *c))
                {
                    let targets: Vec<&str> =
                        fk.target_columns.iter().map(|k| k.value.as_str()).collect();
                    s.push_str(&format!(
                        "\n\nreferences `{}({})` on delete {}, on update {} (`{}`)",
                        short(&fk.target),
                        targets.join(", "),
                        fk.on_delete.sql().to_lowercase(),
                        fk.on_update.sql().to_lowercase(),
                        fk.name.value
                    ));
                }
                if let Some(d) = &col.description {
                    s.push_str(&format!("\n\n{d}"));
                }
                s
            }
            None => {
                let ty = snap
                    .compiled
                    .external
                    .tables
                    .get(t)
                    .and_then(|cols| cols.iter().find(|(n, _)| n == c))
                    .map(|(_, ty)| ty.clone())
                    .unwrap_or_default();
                format!("```sql\n{}.{c} {ty}\n```", short(t))
            }
        },
        Symbol::Relation(q) => {
            if let Some(t) = model.tables.get(q) {
                let mut s = format!("**table** `{}` ({} columns)", short(q), t.columns.len());
                if let Some(d) = &t.description {
                    s.push_str(&format!("\n\n{d}"));
                }
                s.push_str("\n\n");
                s.push_str(&coverage(t));
                s
            } else if let Some(v) = model.views.get(q) {
                let kind = if v.materialized {
                    "materialized view"
                } else {
                    "view"
                };
                let mut s = format!("**{kind}** `{}`", short(q));
                if let Some(d) = &v.description {
                    s.push_str(&format!("\n\n{d}"));
                }
                s
            } else {
                format!("**table** `{q}` (provided by the preset)")
            }
        }
        Symbol::Policy(t, name) => {
            let p = model
                .tables
                .get(t)
                .and_then(|tb| tb.policies.get(name))
                .or_else(|| model.external_policies.get(t).and_then(|ps| ps.get(name)));
            let Some(p) = p else {
                return format!("**policy** `{name}`");
            };
            let roles: Vec<&str> = p.roles.iter().map(|r| r.value.as_str()).collect();
            let mut s = format!(
                "**policy** `{name}` on `{}`: {} for {} to {}",
                short(t),
                if p.permissive {
                    "permissive"
                } else {
                    "restrictive"
                },
                p.command.sql(),
                if roles.is_empty() {
                    "PUBLIC".to_string()
                } else {
                    roles.join(", ")
                }
            );
            if let Some(u) = &p.using {
                s.push_str(&format!("\n\nusing `{}`", u.value.trim()));
            }
            if let Some(w) = &p.with_check {
                s.push_str(&format!("\n\nwith check `{}`", w.value.trim()));
            }
            if let Some(why) = &p.why {
                s.push_str(&format!("\n\n{why}"));
            }
            if let Some(tb) = model.tables.get(t) {
                s.push_str("\n\n");
                s.push_str(&coverage(tb));
            }
            s
        }
        Symbol::Enum(q) => {
            let values: Vec<&str> = model
                .enums
                .get(q)
                .map(|e| e.values.iter().map(|v| v.value.as_str()).collect())
                .unwrap_or_default();
            let mut s = format!("**enum** `{}`: {}", short(q), values.join(" | "));
            if let Some(d) = model.enums.get(q).and_then(|e| e.description.as_ref()) {
                s.push_str(&format!("\n\n{d}"));
            }
            s
        }
        Symbol::Function(q) => match model.functions_named(q).next() {
            Some(f) => {
                let args: Vec<String> = f
                    .args
                    .iter()
                    .map(|a| format!("{} {}", a.name, a.type_sql).trim().to_string())
                    .collect();
                let mut s = format!(
                    "```sql\nfunction {}({}) returns {}\n```\n{} {}{}",
                    short(q),
                    args.join(", "),
                    f.returns.value,
                    f.language,
                    f.volatility,
                    if f.security_definer {
                        ", security definer"
                    } else {
                        ""
                    }
                );
                if let Some(d) = &f.description {
                    s.push_str(&format!("\n\n{d}"));
                }
                s
            }
            None => format!("**function** `{q}` (provided by the preset)"),
        },
        Symbol::Role(r) => match model.roles.get(r) {
            Some(role) => format!(
                "**role** `{r}`{}",
                role.description
                    .as_ref()
                    .map(|d| format!("\n\n{d}"))
                    .unwrap_or_default()
            ),
            None => format!("**role** `{r}` (provided by the preset)"),
        },
    }
}

/// The RLS coverage of a table: for each command, the roles a permissive policy admits.
fn coverage(t: &Table) -> String {
    if !t.rls.enabled {
        return "RLS **disabled**: privileges alone decide who reads and writes every row"
            .to_string();
    }
    let mut s = format!(
        "RLS enabled{}, {} polic{}\n\n| command | roles (permissive policies) |\n|---|---|",
        if t.rls.force { " and forced" } else { "" },
        t.policies.len(),
        if t.policies.len() == 1 { "y" } else { "ies" }
    );
    for cmd in [
        PolicyCommand::Select,
        PolicyCommand::Insert,
        PolicyCommand::Update,
        PolicyCommand::Delete,
    ] {
        let mut roles: BTreeSet<&str> = BTreeSet::new();
        for p in t.policies.values() {
            if p.permissive && (p.command == cmd || p.command == PolicyCommand::All) {
                if p.roles.is_empty() {
                    roles.insert("PUBLIC");
                }
                roles.extend(p.roles.iter().map(|r| r.value.as_str()));
            }
        }
        let who = if roles.is_empty() {
            "none (no row is visible or writable)".to_string()
        } else {
            roles.into_iter().collect::<Vec<_>>().join(", ")
        };
        s.push_str(&format!("\n| {} | {who} |", cmd.sql()));
    }
    s
}

/// Completion of names: relations and their columns after `references:` and in SQL fragments,
/// functions after `function:`, roles after `to:`, enum types after `type:`.
pub fn completion(snap: &Snapshot, p: &CompletionParams) -> Option<CompletionResponse> {
    let at = &p.text_document_position;
    let (file, offset) = locate(snap, at)?;
    let text = snap.text(file);
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(line_start..offset)?;
    let model = &snap.compiled.model;
    let short = |q: &QName| q.display_short(&model.default_schema);
    // The word being typed and, if it follows `x.`, its qualifier.
    let typed = line
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .next()
        .unwrap_or("");
    let qualifier = typed.rsplit_once('.').map(|(q, _)| q);
    // The key whose value the cursor is in (the word before the line's last `:`).
    let last_key = line.rsplit_once(':').map_or("", |(left, _)| {
        left.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("")
    });
    let place = super::keys::place(text, offset);
    let mut items: Vec<CompletionItem> = Vec::new();
    let item = |label: String, kind: CompletionItemKind, detail: String| CompletionItem {
        label,
        kind: Some(kind),
        detail: Some(detail),
        ..Default::default()
    };
    let columns_of = |q: &QName, items: &mut Vec<CompletionItem>| {
        if let Some(t) = model.tables.get(q) {
            for c in t.columns.values() {
                items.push(item(
                    c.name.clone(),
                    CompletionItemKind::FIELD,
                    c.type_sql.clone(),
                ));
            }
        } else if let Some(cols) = snap.compiled.external.tables.get(q) {
            for (c, ty) in cols {
                items.push(item(c.clone(), CompletionItemKind::FIELD, ty.clone()));
            }
        }
    };
    let scope = crate::resolve::Scope::new(model, &snap.compiled.external);
    let relations = |items: &mut Vec<CompletionItem>| {
        for q in model.tables.keys() {
            items.push(item(
                short(q),
                CompletionItemKind::CLASS,
                "table".to_string(),
            ));
        }
        for q in model.views.keys() {
            items.push(item(
                short(q),
                CompletionItemKind::CLASS,
                "view".to_string(),
            ));
        }
        for q in snap.compiled.external.tables.keys() {
            items.push(item(
                format!("{}.{}", q.schema, q.name),
                CompletionItemKind::CLASS,
                "table (preset)".to_string(),
            ));
        }
    };
    let in_fragment = fragment_at(snap, file, offset);
    if in_fragment {
        match qualifier.and_then(|q| scope.relation(q)) {
            Some(q) => columns_of(&q, &mut items),
            None => {
                if let Some(t) = snap.index().table_at(file, offset) {
                    columns_of(t, &mut items);
                }
                relations(&mut items);
                for (k, f) in &model.functions {
                    let q = &k.name;
                    items.push(item(
                        format!("{}.{}", q.schema, q.name),
                        CompletionItemKind::FUNCTION,
                        format!("returns {}", f.returns.value),
                    ));
                }
                for q in &snap.compiled.external.functions {
                    items.push(item(
                        format!("{}.{}", q.schema, q.name),
                        CompletionItemKind::FUNCTION,
                        "function (preset)".to_string(),
                    ));
                }
            }
        }
    } else if let Some(super::keys::Place::Key { path }) = &place {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        for k in crate::model_schema::keys_at(&path) {
            items.push(CompletionItem {
                label: k.name.to_string(),
                kind: Some(CompletionItemKind::PROPERTY),
                detail: Some(k.kind.clone()),
                documentation: Some(lsp_types::Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: k.description.to_string(),
                })),
                insert_text: Some(format!("{}: ", k.name)),
                ..Default::default()
            });
        }
    } else if matches!(last_key, "references" | "table") {
        match qualifier.and_then(|q| scope.relation(q)) {
            Some(q) => columns_of(&q, &mut items),
            None => relations(&mut items),
        }
    } else if last_key == "function" {
        for (k, f) in &model.functions {
            items.push(item(
                short(&k.name),
                CompletionItemKind::FUNCTION,
                format!("returns {}", f.returns.value),
            ));
        }
    } else if matches!(last_key, "to" | "roles") {
        let roles: BTreeSet<&str> = model
            .roles
            .keys()
            .map(String::as_str)
            .chain(snap.compiled.external.roles.iter().map(String::as_str))
            .collect();
        for r in roles {
            items.push(item(
                r.to_string(),
                CompletionItemKind::CONSTANT,
                "role".to_string(),
            ));
        }
    } else if last_key == "type" {
        for q in model.enums.keys() {
            items.push(item(short(q), CompletionItemKind::ENUM, "enum".to_string()));
        }
        for ty in COMMON_TYPES {
            items.push(item(
                (*ty).to_string(),
                CompletionItemKind::TYPE_PARAMETER,
                "type".to_string(),
            ));
        }
    } else if let Some(super::keys::Place::Value { path, key }) = &place {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let doc = crate::model_schema::keys_at(&path)
            .into_iter()
            .find(|k| k.name == *key)?;
        for v in doc.values {
            items.push(item(
                v.to_string(),
                CompletionItemKind::ENUM_MEMBER,
                doc.kind.clone(),
            ));
        }
    } else {
        return None;
    }
    // One item per label (a preset table may share a name with a model one).
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    items.retain(|i| seen.insert(i.label.clone(), ()).is_none());
    Some(CompletionResponse::Array(items))
}

/// Types offered after `type:` besides the model's enums.
const COMMON_TYPES: &[&str] = &[
    "uuid",
    "text",
    "bigint",
    "integer",
    "smallint",
    "boolean",
    "numeric",
    "jsonb",
    "timestamptz",
    "date",
    "bytea",
    "inet",
    "tsvector",
    "text[]",
    "uuid[]",
];

/// Whether byte `offset` of `file` is inside (or at the end of) an SQL fragment of the model,
/// or on a line whose key takes one.
fn fragment_at(snap: &Snapshot, file: FileId, offset: usize) -> bool {
    let text = snap.text(file);
    let line_start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text.get(line_start..offset).unwrap_or("");
    const KEYS: &[&str] = &[
        "using",
        "with_check",
        "check",
        "default",
        "where",
        "query",
        "when",
        "generated",
        "expression",
    ];
    if KEYS.iter().any(|k| line.contains(&format!("{k}:"))) {
        return true;
    }
    let inside = |v: &crate::ir::Sp<String>| {
        v.span.file == file && v.span.start as usize <= offset && offset <= v.span.end()
    };
    let model = &snap.compiled.model;
    model.tables.values().any(|t| {
        t.policies.values().any(|p| {
            p.using.as_ref().is_some_and(inside) || p.with_check.as_ref().is_some_and(inside)
        }) || t.checks.iter().any(|c| inside(&c.expr))
            || t.indexes
                .iter()
                .any(|i| i.predicate.as_ref().is_some_and(inside))
    }) || model.views.values().any(|v| inside(&v.query))
}

/// The range a rename at the cursor would change (tables and columns only).
pub fn prepare_rename(
    snap: &Snapshot,
    p: &TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let occ = occurrence_at(snap, p)?;
    renameable(snap, &occ.symbol).then_some(())?;
    Some(PrepareRenameResponse::Range(snap.range(occ.span)?))
}

fn renameable(snap: &Snapshot, symbol: &Symbol) -> bool {
    let model = &snap.compiled.model;
    match symbol {
        Symbol::Relation(q) => model.tables.contains_key(q),
        Symbol::Column(q, c) => model
            .tables
            .get(q)
            .is_some_and(|t| t.columns.contains_key(c)),
        _ => false,
    }
}

/// Rename a table or column everywhere the model names it (SQL fragments included) and record
/// the old name in `renamed_from:` at the declaration.
pub fn rename(snap: &Snapshot, p: &RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let Some(occ) = occurrence_at(snap, &p.text_document_position) else {
        return Ok(None);
    };
    if !renameable(snap, &occ.symbol) {
        return Err("only tables and columns of the model can be renamed".to_string());
    }
    let new = p.new_name.as_str();
    if !is_plain_identifier(new) {
        return Err(format!(
            "`{new}` is not a plain identifier: use lower-case letters, digits and `_`, starting with a letter or `_`"
        ));
    }
    let model = &snap.compiled.model;
    let (old, already) = match &occ.symbol {
        Symbol::Relation(q) => {
            let t = model.tables.get(q);
            if model
                .tables
                .contains_key(&QName::new(q.schema.clone(), new))
                || model.views.contains_key(&QName::new(q.schema.clone(), new))
            {
                return Err(format!(
                    "a relation `{new}` already exists in schema `{}`",
                    q.schema
                ));
            }
            (q.name.clone(), t.is_some_and(|t| t.renamed_from.is_some()))
        }
        Symbol::Column(q, c) => {
            let t = model.tables.get(q);
            if t.is_some_and(|t| t.columns.contains_key(new)) {
                return Err(format!("`{}` already has a column `{new}`", q.name));
            }
            let col = t.and_then(|t| t.columns.get(c));
            (c.clone(), col.is_some_and(|c| c.renamed_from.is_some()))
        }
        _ => return Ok(None),
    };
    let mut changes: BTreeMap<String, (lsp_types::Uri, Vec<TextEdit>)> = BTreeMap::new();
    let symbol = occ.symbol.clone();
    for o in snap.index().occurrences_of(&symbol) {
        let (Some(loc), true) = (
            snap.location(o.span),
            snap.compiled.sources.text(o.span) == old,
        ) else {
            continue;
        };
        changes
            .entry(loc.uri.as_str().to_string())
            .or_insert_with(|| (loc.uri.clone(), Vec::new()))
            .1
            .push(TextEdit::new(loc.range, new.to_string()));
        if o.decl
            && !already
            && let Some((uri, edit)) =
                super::actions::add_key(snap, o.span, &format!("renamed_from: {old}"))
        {
            changes
                .entry(uri.as_str().to_string())
                .or_insert_with(|| (uri.clone(), Vec::new()))
                .1
                .push(edit);
        }
    }
    Ok(Some(super::actions::workspace_edit(
        changes.into_values().collect(),
    )))
}

/// A name that needs no quoting in YAML or SQL.
fn is_plain_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 63
}
