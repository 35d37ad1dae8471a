//! Node trees → the model, section by section.
//!
//! Input: the parsed YAML of every file. Output: a [`Model`] whose names are qualified with the
//! schema written or the default schema, whose column-level shorthands (`primary_key: true`,
//! `unique`, `check`, `references`) are turned into table constraints, and whose generated names
//! are still empty (resolve fills them). Invariants: every problem is reported with its span and
//! decoding continues; an object declared twice (even across files) is reported with both spans.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use super::decode::{self, Fields};
use super::yaml::{Key, Node, NodeKind};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::name::split_qualified;
use crate::ir::*;
use crate::source::Span;

mod domains;
#[cfg(test)]
pub(crate) use domains::{COMPOSITE, DOMAIN, DOMAIN_CHECK, FIELD};

pub(crate) const TOP: &[&str] = &[
    "version",
    "preset",
    "default_schema",
    "schemas",
    "grants",
    "extensions",
    "roles",
    "enums",
    "functions",
    "tables",
    "views",
    "triggers",
    "policies",
    "supabase",
    "lint",
    "migrations",
    "target",
    "default_privileges",
    "domains",
    "types",
    "jobs",
    "publications",
    "buckets",
];
pub(crate) const TABLE: &[&str] = &[
    "schema",
    "description",
    "group",
    "columns",
    "primary_key",
    "unique",
    "checks",
    "foreign_keys",
    "indexes",
    "rls",
    "triggers",
    "grants",
    "revoke",
    "realtime",
    "partition",
    "lint",
    "renamed_from",
    "tests",
    "queries",
    "distribution",
    "replica_identity",
    "data",
    "exclude",
];
/// Whether a column entry is a table key written one level too deep: a name of [`TABLE`] whose
/// value is a list, or a mapping without `type` (a column's value is a type or a mapping with
/// one), so that columns named like a table key (`description: text`) stay columns.
fn misplaced_table_key(name: &str, node: &Node) -> bool {
    if name == "columns" || !TABLE.contains(&name) {
        return false;
    }
    match &node.kind {
        NodeKind::Seq(_) => true,
        NodeKind::Map(entries) => !entries.iter().any(|(k, _)| k.name == "type"),
        _ => false,
    }
}

pub(crate) const COLUMN: &[&str] = &[
    "type",
    "nullable",
    "default",
    "identity",
    "generated",
    "primary_key",
    "unique",
    "check",
    "references",
    "on_delete",
    "on_update",
    "deferrable",
    "description",
    "lint",
    "renamed_from",
    "using",
];
pub(crate) const FK: &[&str] = &[
    "columns",
    "references",
    "on_delete",
    "on_update",
    "deferrable",
    "name",
];
pub(crate) const FK_TARGET: &[&str] = &["table", "columns", "column"];
pub(crate) const INDEX: &[&str] = &[
    "name",
    "columns",
    "expression",
    "using",
    "unique",
    "where",
    "include",
    "nulls",
    "why",
    "description",
    "renamed_from",
];
pub(crate) const INDEX_KEY: &[&str] = &[
    "column",
    "expression",
    "order",
    "nulls",
    "opclass",
    "collate",
];
pub(crate) const RLS: &[&str] = &["enabled", "force", "policies"];
pub(crate) const POLICY: &[&str] = &[
    "for",
    "to",
    "as",
    "using",
    "with_check",
    "why",
    "description",
    "lint",
    "renamed_from",
];
pub(crate) const TRIGGER: &[&str] = &[
    "on",
    "before",
    "after",
    "instead_of",
    "of",
    "for_each",
    "when",
    "function",
    "args",
    "description",
    "enabled",
];
pub(crate) const FUNCTION: &[&str] = &[
    "schema",
    "args",
    "returns",
    "language",
    "volatility",
    "security",
    "search_path",
    "strict",
    "leakproof",
    "parallel",
    "body",
    "description",
    "grants",
    "revoke",
    "lint",
    "kind",
    "renamed_from",
];
pub(crate) const ARG: &[&str] = &["name", "type", "default", "mode"];
pub(crate) const VIEW: &[&str] = &[
    "schema",
    "materialized",
    "security_invoker",
    "query",
    "description",
    "grants",
    "revoke",
    "indexes",
    "group",
    "lint",
];
pub(crate) const ENUM: &[&str] = &["schema", "values", "description", "renamed_from"];
pub(crate) const UNIQUE: &[&str] = &["columns", "name", "nulls_distinct"];
pub(crate) const PARTITION: &[&str] = &["by", "columns", "partitions"];
pub(crate) const PARTITION_BOUND: &[&str] =
    &["from", "to", "in", "modulus", "remainder", "default"];
pub(crate) const DESCRIBED: &[&str] = &["description"];
pub(crate) const SCHEMA: &[&str] = &[
    "description",
    "grants",
    "revoke",
    "all_tables",
    "all_functions",
    "default_privileges",
];
pub(crate) const EXTENSION: &[&str] = &["schema", "version"];
pub(crate) const SUPABASE: &[&str] = &["auto_expose_new_tables"];
pub(crate) const LINT: &[&str] = &[
    "exposed_schemas",
    "client_roles",
    "supabase_default_grants",
    "rules",
    "required_columns",
];
pub(crate) const REQUIRED_COLUMN: &[&str] = &["type", "nullable", "default"];
pub(crate) const LINT_ALLOW: &[&str] = &["allow"];
pub(crate) const LINT_LEVELS: &[&str] = &["off", "info", "warn", "error"];

/// `on_delete: { set_null: [cols] }` / `{ set_default: [cols] }`.
pub(crate) const DELETE_SET: &[&str] = &["set_null", "set_default"];
/// The table-level `primary_key:` written as a map.
pub(crate) const PRIMARY_KEY: &[&str] = &["columns", "name"];
/// The column-level `primary_key:` and `unique:` written as a map.
pub(crate) const COLUMN_NAMED: &[&str] = &["name"];

pub(crate) const ACTIONS: &[&str] = &[
    "no_action",
    "restrict",
    "cascade",
    "set_null",
    "set_default",
];

/// The entries of a section written either as a list of names or as a map of name → body.
fn named_items<'n>(
    d: &mut Diagnostics,
    node: &'n Node,
    item: &str,
    section: &str,
) -> Vec<(String, Span, Option<&'n Node>)> {
    match &node.kind {
        NodeKind::Seq(_) => decode::text_list(d, node, item)
            .into_iter()
            .map(|t| (t.value, t.span, None))
            .collect(),
        _ => decode::entries(d, node, section)
            .iter()
            .map(|(k, v)| (k.name.clone(), k.span, Some(v)))
            .collect(),
    }
}

/// Top-level settings that every file's sections depend on.
pub struct Settings {
    /// `default_schema`.
    pub default_schema: String,
}

/// Decoder state shared by all files of one model.
pub struct Decoder<'d> {
    d: &'d mut Diagnostics,
    settings: Settings,
    declared: BTreeMap<(&'static str, String), Span>,
    /// The model being built.
    pub model: Model,
}

fn action(d: &mut Diagnostics, node: Option<&Node>) -> FkAction {
    let Some(node) = node else {
        return FkAction::NoAction;
    };
    match decode::choice(d, node, ACTIONS, "referential action").map(|c| c.value) {
        Some("restrict") => FkAction::Restrict,
        Some("cascade") => FkAction::Cascade,
        Some("set_null") => FkAction::SetNull,
        Some("set_default") => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// `on_delete:` as an action (`set_null`) or, for the two actions that take one, as a map of the
/// action to the columns it sets (`{ set_null: [author_id] }`, PostgreSQL 15+).
fn delete_action(d: &mut Diagnostics, node: Option<&Node>) -> (FkAction, Vec<Sp<String>>) {
    let Some(node) = node else {
        return (FkAction::NoAction, Vec::new());
    };
    if !matches!(node.kind, NodeKind::Map(_)) {
        return (action(d, Some(node)), Vec::new());
    }
    let f = Fields::new(d, node, DELETE_SET, "an `on_delete` action with columns");
    let set_null = f.get("set_null");
    let set_default = f.get("set_default");
    let (a, cols) = match (set_null, set_default) {
        (Some(n), None) => (FkAction::SetNull, decode::text_list(d, n, "a column name")),
        (None, Some(n)) => (
            FkAction::SetDefault,
            decode::text_list(d, n, "a column name"),
        ),
        (Some(_), Some(n)) => {
            d.push(
                Diagnostic::error(
                    Code::ConflictingOptions,
                    "`on_delete` has both `set_null` and `set_default`",
                )
                .at(n.span, "the second action")
                .help("a foreign key has one ON DELETE action: keep one of the two"),
            );
            (FkAction::NoAction, Vec::new())
        }
        (None, None) => {
            d.push(
                Diagnostic::error(Code::MissingKey, "`on_delete` has no action")
                    .at(node.span, "expected `set_null` or `set_default`")
                    .help("write `on_delete: { set_null: [column] }` or a plain action such as `on_delete: cascade`"),
            );
            (FkAction::NoAction, Vec::new())
        }
    };
    f.finish(d);
    if cols.is_empty() && a != FkAction::NoAction {
        d.push(
            Diagnostic::error(Code::MissingKey, "`on_delete` lists no columns")
                .at(node.span, "an empty column list")
                .help("list the columns to set, or write the plain action (`on_delete: set_null`) to set all of them"),
        );
    }
    (a, cols)
}

fn deferrable(d: &mut Diagnostics, node: Option<&Node>) -> Deferrable {
    match node.map(|n| &n.kind) {
        None | Some(NodeKind::Bool(false)) => Deferrable::No,
        Some(NodeKind::Bool(true)) => Deferrable::InitiallyImmediate,
        Some(_) => match node.and_then(|n| {
            decode::choice(
                d,
                n,
                &["initially_deferred", "initially_immediate"],
                "deferrable setting",
            )
        }) {
            Some(c) if c.value == "initially_deferred" => Deferrable::InitiallyDeferred,
            Some(_) => Deferrable::InitiallyImmediate,
            None => Deferrable::No,
        },
    }
}

/// `renamed_from: old_name` (a name, or `schema.name` for tables and enums).
fn renamed_from(d: &mut Diagnostics, node: Option<&Node>) -> Option<Sp<String>> {
    node.and_then(|n| decode::text(d, n, "the previous name"))
        .filter(|s| !s.value.trim().is_empty())
}

fn description(d: &mut Diagnostics, node: Option<&Node>) -> Option<String> {
    node.and_then(|n| decode::text(d, n, "a description"))
        .map(|t| t.value.trim_end().to_string())
}

/// Read `{ role: [privilege, …] }`, recording where each role and privilege was written in
/// `spans` (keys `grant:role`, `grant:role:privilege`, and the same with `revoke:`).
fn privileges(
    d: &mut Diagnostics,
    node: Option<&Node>,
    what: &str,
    spans: &mut BTreeMap<String, Span>,
) -> Privileges {
    let mut out = Privileges::new();
    let Some(node) = node else {
        return out;
    };
    let kind = if what.contains("revoke") {
        "revoke"
    } else {
        "grant"
    };
    for (k, v) in decode::entries(d, node, what) {
        spans.insert(format!("{kind}:{}", k.name), k.span);
        let mut set = BTreeSet::new();
        for p in decode::text_list(d, v, "a privilege") {
            let name = p.value.trim().to_ascii_lowercase();
            spans.insert(format!("{kind}:{}:{name}", k.name), p.span);
            set.insert(name);
        }
        out.entry(k.name.clone()).or_default().extend(set);
    }
    out
}

impl<'d> Decoder<'d> {
    /// A decoder with settings read from every file first.
    pub fn new(d: &'d mut Diagnostics, settings: Settings, model: Model) -> Self {
        Decoder {
            d,
            settings,
            declared: BTreeMap::new(),
            model,
        }
    }

    fn qualify(&mut self, key_span: Span, key: &str, schema: Option<Sp<String>>) -> Option<QName> {
        let parts = match split_qualified(key) {
            Some(p) => p,
            None => {
                self.d.push(
                    Diagnostic::error(Code::InvalidName, format!("`{key}` is not a valid name"))
                        .at(key_span, "malformed name")
                        .help("write `name` or `schema.name`; quote parts with double quotes"),
                );
                return None;
            }
        };
        match parts.as_slice() {
            [name] => Some(QName::new(
                schema.map_or_else(|| self.settings.default_schema.clone(), |s| s.value),
                name.clone(),
            )),
            [s, name] => {
                if let Some(schema) = schema.filter(|x| x.value != *s) {
                    self.d.push(
                        Diagnostic::error(
                            Code::ConflictingOptions,
                            format!(
                                "`{key}` names schema `{s}` but `schema:` says `{}`",
                                schema.value
                            ),
                        )
                        .at(schema.span, "conflicts with the qualified name")
                        .also(key_span, "qualified here")
                        .help("keep one of the two schema names"),
                    );
                }
                Some(QName::new(s.clone(), name.clone()))
            }
            _ => {
                self.d.push(
                    Diagnostic::error(Code::InvalidName, format!("`{key}` has too many parts"))
                        .at(key_span, "expected `name` or `schema.name`")
                        .help("write `name` or `schema.name`"),
                );
                None
            }
        }
    }

    fn declare(&mut self, kind: &'static str, name: &str, span: Span) -> bool {
        if let Some(first) = self.declared.get(&(kind, name.to_string())) {
            self.d.push(
                Diagnostic::error(
                    Code::DuplicateObject,
                    format!("{kind} `{name}` is declared twice"),
                )
                .at(span, "declared again here")
                .also(*first, "first declared here")
                .help(format!("rename or remove one of the two {kind}s")),
            );
            return false;
        }
        self.declared.insert((kind, name.to_string()), span);
        true
    }

    /// Decode one file's top-level mapping.
    pub fn file(&mut self, root: &Node) {
        let f = Fields::new(self.d, root, TOP, "the model");
        if let Some(n) = f.get("schemas") {
            self.schemas(n);
        }
        if let Some(n) = f.get("extensions") {
            self.extensions(n);
        }
        if let Some(n) = f.get("roles") {
            self.roles(n);
        }
        if let Some(n) = f.get("enums") {
            self.enums(n);
        }
        if let Some(n) = f.get("domains") {
            self.domains(n);
        }
        if let Some(n) = f.get("types") {
            self.composites(n);
        }
        if let Some(n) = f.get("functions") {
            self.functions(n);
        }
        if let Some(n) = f.get("tables") {
            for (k, v) in decode::entries(self.d, n, "`tables`") {
                self.table(k.span, &k.name, v);
            }
        }
        if let Some(n) = f.get("views") {
            for (k, v) in decode::entries(self.d, n, "`views`") {
                self.view(k.span, &k.name, v);
            }
        }
        if let Some(n) = f.get("target")
            && let Some(t) = super::citus::target(self.d, n)
        {
            self.model.target = t.value;
            self.model.target_span = Some(t.span);
        }
        if let Some(n) = f.get("supabase") {
            self.supabase_settings(n, f.key("supabase").map_or(n.span, |k| k.span));
        }
        if let Some(n) = f.get("lint") {
            self.lint_settings(n);
        }
        if let Some(n) = f.get("migrations") {
            super::migrations::decode(self.d, n, &mut self.model.migrations);
        }
        if let Some(n) = f.get("policies") {
            for (k, v) in decode::entries(self.d, n, "`policies`") {
                let Some(table) = self.qualify(k.span, &k.name, None) else {
                    continue;
                };
                let policies = self.policies(&table, v);
                for (name, p) in policies {
                    if self.declare("policy", &format!("{table}.{name}"), p.origin) {
                        self.model
                            .external_policies
                            .entry(table.clone())
                            .or_default()
                            .insert(name, p);
                    }
                }
                self.model.external_policy_spans.insert(table, k.span);
            }
        }
        if let Some(n) = f.get("default_privileges") {
            let at = f.key("default_privileges").map_or(n.span, |k| k.span);
            let dp = super::default_privileges::decode(self.d, n, None, at);
            if self.declare("default privileges", "every schema", at) {
                super::default_privileges::insert_sorted(&mut self.model.default_privileges, dp);
            }
        }
        if let Some(n) = f.get("publications") {
            super::publication::decode(
                self.d,
                n,
                &self.settings.default_schema,
                &mut self.model.publications,
            );
        }
        if let Some(n) = f.get("jobs") {
            super::job::decode(
                self.d,
                n,
                &self.settings.default_schema,
                &mut self.model.jobs,
            );
        }
        if let Some(n) = f.get("buckets") {
            self.model.buckets = super::data::buckets(self.d, n);
        }
        if let Some(n) = f.get("grants") {
            for (k, v) in decode::entries(self.d, n, "`grants`") {
                let Some(table) = self.qualify(k.span, &k.name, None) else {
                    continue;
                };
                if !self.declare("grants on", &table.to_string(), k.span) {
                    continue;
                }
                let mut spans = BTreeMap::new();
                let privs = privileges(self.d, Some(v), "`grants`", &mut spans);
                self.model.external_grants.insert(table.clone(), privs);
                self.model
                    .external_grant_spans
                    .insert(table, (k.span, spans));
            }
        }
        if let Some(n) = f.get("triggers") {
            for (k, v) in decode::entries(self.d, n, "`triggers`") {
                if let Some(t) = self.trigger(k.span, &k.name, v, None)
                    && self.declare("trigger", &format!("{}.{}", t.table, t.name), k.span)
                {
                    self.model.external_triggers.push(t);
                }
            }
        }
        f.finish(self.d);
    }

    fn schemas(&mut self, node: &Node) {
        let items = named_items(self.d, node, "a schema name", "`schemas`");
        for (name, span, body) in items {
            let mut def = SchemaDef {
                name: name.clone(),
                origin: span,
                ..SchemaDef::default()
            };
            let mut defaults = None;
            if let Some(b) = body {
                let f = Fields::new(self.d, b, SCHEMA, format!("schema `{name}`"));
                def.description = description(self.d, f.get("description"));
                let spans = &mut def.privilege_spans;
                def.grants = privileges(self.d, f.get("grants"), "`grants`", spans);
                def.revokes = privileges(self.d, f.get("revoke"), "`revoke`", spans);
                let mut bulk = BTreeMap::new();
                def.all_tables = privileges(self.d, f.get("all_tables"), "`all_tables`", &mut bulk);
                for (k, v) in std::mem::take(&mut bulk) {
                    spans.insert(format!("all_tables:{}", k.trim_start_matches("grant:")), v);
                }
                def.all_functions =
                    privileges(self.d, f.get("all_functions"), "`all_functions`", &mut bulk);
                for (k, v) in bulk {
                    spans.insert(
                        format!("all_functions:{}", k.trim_start_matches("grant:")),
                        v,
                    );
                }
                if let Some(n) = f.get("default_privileges") {
                    let at = f.key("default_privileges").map_or(span, |k| k.span);
                    defaults = Some(super::default_privileges::decode(
                        self.d,
                        n,
                        Some(name.clone()),
                        at,
                    ));
                }
                f.finish(self.d);
            }
            if let Some(dp) = defaults
                && self.declare("default privileges of schema", &name, dp.origin)
            {
                super::default_privileges::insert_sorted(&mut self.model.default_privileges, dp);
            }
            if self.declare("schema", &name, span) {
                self.model.schemas.insert(name, def);
            }
        }
    }

    fn extensions(&mut self, node: &Node) {
        let items = named_items(self.d, node, "an extension name", "`extensions`");
        for (name, span, body) in items {
            let mut ext = Extension {
                name: name.clone(),
                schema: None,
                version: None,
                origin: span,
            };
            if let Some(b) = body {
                let f = Fields::new(self.d, b, EXTENSION, format!("extension `{name}`"));
                ext.schema = f
                    .get("schema")
                    .and_then(|n| decode::name(self.d, n, "a schema"))
                    .map(|s| s.value);
                ext.version = f
                    .get("version")
                    .and_then(|n| decode::text(self.d, n, "a version"))
                    .map(|s| s.value);
                f.finish(self.d);
            }
            if self.declare("extension", &name, span) {
                self.model.extensions.insert(name, ext);
            }
        }
    }

    fn roles(&mut self, node: &Node) {
        let items = named_items(self.d, node, "a role name", "`roles`");
        for (name, span, body) in items {
            let description = body.and_then(|b| {
                let f = Fields::new(self.d, b, DESCRIBED, format!("role `{name}`"));
                let d = description(self.d, f.get("description"));
                f.finish(self.d);
                d
            });
            if self.declare("role", &name, span) {
                self.model.roles.insert(
                    name.clone(),
                    Role {
                        name,
                        description,
                        origin: span,
                    },
                );
            }
        }
    }

    fn enums(&mut self, node: &Node) {
        for (k, v) in decode::entries(self.d, node, "`enums`") {
            let what = format!("enum `{}`", k.name);
            let (values_node, schema, desc, renamed_from) = match &v.kind {
                NodeKind::Seq(_) => (Some(v), None, None, None),
                _ => {
                    let f = Fields::new(self.d, v, ENUM, what.clone());
                    let schema = f
                        .get("schema")
                        .and_then(|n| decode::name(self.d, n, "a schema"));
                    let desc = description(self.d, f.get("description"));
                    let values = f.require(self.d, "values", k.span);
                    let renamed_from = renamed_from(self.d, f.get("renamed_from"));
                    f.finish(self.d);
                    (values, schema, desc, renamed_from)
                }
            };
            let Some(name) = self.qualify(k.span, &k.name, schema) else {
                continue;
            };
            let values = values_node
                .map(|n| decode::text_list(self.d, n, "an enum value"))
                .unwrap_or_default();
            let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
            for val in &values {
                if let Some(first) = seen.insert(&val.value, val.span) {
                    self.d.push(
                        Diagnostic::error(
                            Code::DuplicateObject,
                            format!("{what} lists `{}` twice", val.value),
                        )
                        .at(val.span, "second occurrence")
                        .also(first, "first occurrence")
                        .help("remove the repeated value"),
                    );
                }
            }
            if values.is_empty() && values_node.is_some() {
                self.d.push(
                    Diagnostic::error(Code::InvalidValue, format!("{what} has no values"))
                        .at(k.span, "empty enum")
                        .help("list at least one value"),
                );
            }
            if self.declare("type", &name.to_string(), k.span) {
                self.model.enums.insert(
                    name.clone(),
                    EnumType {
                        name,
                        values,
                        renamed_from,
                        description: desc,
                        origin: k.span,
                    },
                );
            }
        }
    }

    fn functions(&mut self, node: &Node) {
        for (k, v) in decode::entries(self.d, node, "`functions`") {
            // A list under one name declares its overloads (docs/model-reference.md#overloads).
            if let NodeKind::Seq(items) = &v.kind {
                for item in items {
                    self.function(k, item, item.span);
                }
            } else {
                self.function(k, v, k.span);
            }
        }
    }

    fn function(&mut self, k: &Key, v: &Node, at: Span) {
        {
            let what = format!("function `{}`", k.name);
            let f = Fields::new(self.d, v, FUNCTION, what.clone());
            let kind = f
                .get("kind")
                .and_then(|n| decode::choice(self.d, n, &["function", "procedure"], "routine kind"))
                .map_or(RoutineKind::Function, |c| {
                    if c.value == "procedure" {
                        RoutineKind::Procedure
                    } else {
                        RoutineKind::Function
                    }
                });
            if kind == RoutineKind::Procedure {
                for key in ["returns", "volatility", "strict", "leakproof", "parallel"] {
                    if let Some(written) = f.key(key) {
                        self.d.push(
                            Diagnostic::error(
                                Code::ProcedureOption,
                                format!("procedure `{}` cannot have `{key}`", k.name),
                            )
                            .at(written.span, "not an option of a procedure")
                            .help(format!(
                                "remove `{key}:` (a procedure returns nothing and is run with CALL), or drop `kind: procedure`"
                            )),
                        );
                    }
                }
            }
            let schema = f
                .get("schema")
                .and_then(|n| decode::name(self.d, n, "a schema"));
            let returns = if kind == RoutineKind::Procedure {
                Some(Sp::new(String::new(), at))
            } else {
                f.require(self.d, "returns", at)
                    .and_then(|n| decode::text(self.d, n, "a return type"))
            };
            let body = f
                .require(self.d, "body", at)
                .and_then(|n| decode::text(self.d, n, "a function body"));
            let language = f
                .get("language")
                .and_then(|n| decode::name(self.d, n, "a language"))
                .map_or_else(|| "sql".to_string(), |l| l.value.to_ascii_lowercase());
            let volatility = f
                .get("volatility")
                .and_then(|n| {
                    decode::choice(
                        self.d,
                        n,
                        &["volatile", "stable", "immutable"],
                        "volatility",
                    )
                })
                .map_or("volatile", |c| c.value)
                .to_string();
            let security_definer = f
                .get("security")
                .and_then(|n| decode::choice(self.d, n, &["invoker", "definer"], "security"))
                .is_some_and(|c| c.value == "definer");
            let search_path = f.get("search_path").map(|n| {
                decode::text_list(self.d, n, "a schema")
                    .into_iter()
                    .map(|s| s.value)
                    .filter(|s| !s.trim().is_empty())
                    .collect()
            });
            let strict = f
                .get("strict")
                .and_then(|n| decode::boolean(self.d, n, "`strict`"))
                .unwrap_or(false);
            let leakproof = f
                .get("leakproof")
                .and_then(|n| decode::boolean(self.d, n, "`leakproof`"))
                .unwrap_or(false);
            let parallel = f
                .get("parallel")
                .and_then(|n| {
                    decode::choice(
                        self.d,
                        n,
                        &["unsafe", "restricted", "safe"],
                        "parallel setting",
                    )
                })
                .map(|c| c.value.to_string());
            let mut args = Vec::new();
            if let Some(list) = f.get("args") {
                for a in decode::list(self.d, list, "`args`") {
                    if let Some(arg) = self.function_arg(a) {
                        args.push(arg);
                    }
                }
            }
            let description = description(self.d, f.get("description"));
            let mut privilege_spans = BTreeMap::new();
            let grants = privileges(self.d, f.get("grants"), "`grants`", &mut privilege_spans);
            let revokes = privileges(self.d, f.get("revoke"), "`revoke`", &mut privilege_spans);
            let lint = f.get("lint");
            let renamed = renamed_from(self.d, f.get("renamed_from"));
            f.finish(self.d);
            let Some(name) = self.qualify(k.span, &k.name, schema) else {
                return;
            };
            if let Some(n) = lint {
                self.lint_allow(n, format!("function:{}.{}", name.schema, name.name));
            }
            let (Some(returns), Some(body)) = (returns, body) else {
                return;
            };
            let function = Function {
                name,
                args,
                returns,
                language,
                volatility,
                security_definer,
                search_path,
                strict,
                leakproof,
                parallel,
                body,
                description,
                grants,
                revokes,
                privilege_spans,
                uses_table_types: false,
                origin: at,
                kind,
                renamed_from: renamed,
            };
            let key = FnKey::of(&function);
            if let Some(first) = self.model.functions.get(&key) {
                self.d.push(
                    Diagnostic::error(
                        Code::DuplicateFunctionSignature,
                        format!("{} `{key}` is declared twice", kind.word()),
                    )
                    .at(at, "declared again here")
                    .also(first.origin, "first declared here")
                    .help("functions and procedures share one namespace: two overloads of one name need different input argument types (OUT arguments do not count; `int` is `integer`)"),
                );
                return;
            }
            self.model.functions.insert(key, function);
        }
    }

    fn function_arg(&mut self, node: &Node) -> Option<FunctionArg> {
        if let NodeKind::Map(_) = node.kind {
            let f = Fields::new(self.d, node, ARG, "a function argument");
            let name = f
                .get("name")
                .and_then(|n| decode::text(self.d, n, "an argument name"));
            let ty = f
                .require(self.d, "type", node.span)
                .and_then(|n| decode::text(self.d, n, "a type"));
            let default = f
                .get("default")
                .and_then(|n| decode::text(self.d, n, "a default"))
                .map(|t| t.value);
            let mode = match f
                .get("mode")
                .and_then(|n| {
                    decode::choice(
                        self.d,
                        n,
                        &["in", "out", "inout", "variadic"],
                        "argument mode",
                    )
                })
                .map(|c| c.value)
            {
                Some("out") => ArgMode::Out,
                Some("inout") => ArgMode::Inout,
                Some("variadic") => ArgMode::Variadic,
                _ => ArgMode::In,
            };
            f.finish(self.d);
            return Some(FunctionArg {
                name: name.map(|n| n.value).unwrap_or_default(),
                type_written: ty?,
                type_sql: String::new(),
                default,
                mode,
            });
        }
        // "name type [default expr]"
        let t = decode::text(self.d, node, "a function argument")?;
        let trimmed = t.value.trim();
        let (decl, default) = match trimmed.to_ascii_lowercase().find(" default ") {
            Some(i) => (
                trimmed.get(..i).unwrap_or(trimmed),
                trimmed.get(i + 9..).map(|s| s.trim().to_string()),
            ),
            None => (trimmed, None),
        };
        let mut words = decl.splitn(2, char::is_whitespace);
        let first = words.next().unwrap_or("");
        let rest = words.next().map(str::trim);
        let (name, ty) = match rest {
            Some(r) if !r.is_empty() => (first.to_string(), r.to_string()),
            _ => (String::new(), first.to_string()),
        };
        Some(FunctionArg {
            name,
            type_written: Sp::new(ty, t.span),
            type_sql: String::new(),
            default,
            mode: ArgMode::In,
        })
    }

    fn table(&mut self, key_span: Span, key: &str, node: &Node) {
        let what = format!("table `{key}`");
        let f = Fields::new(self.d, node, TABLE, what.clone());
        let schema = f
            .get("schema")
            .and_then(|n| decode::name(self.d, n, "a schema"));
        let Some(name) = self.qualify(key_span, key, schema) else {
            f.finish(self.d);
            return;
        };
        let mut t = Table {
            name: name.clone(),
            origin: key_span,
            ..Table::default()
        };
        t.description = description(self.d, f.get("description"));
        t.renamed_from = renamed_from(self.d, f.get("renamed_from"));
        t.group = f
            .get("group")
            .and_then(|n| decode::name(self.d, n, "a group"))
            .map(|g| g.value);
        match f.get("columns") {
            Some(cols) => {
                for (ck, cv) in decode::entries(self.d, cols, &format!("the columns of {what}")) {
                    self.column(&mut t, ck.span, &ck.name, cv);
                }
            }
            None if f.get("partition").is_none() || f.get("columns").is_none() => {
                self.d.push(
                    Diagnostic::error(Code::MissingKey, format!("{what} has no `columns`"))
                        .at(key_span, "`columns` is required here")
                        .help("add `columns:` with at least one column"),
                );
            }
            None => {}
        }
        if let Some(pk) = f.get("primary_key") {
            // `[cols]`, or `{ columns: [cols], name: … }` for a name other than `<table>_pkey`.
            let (columns, pk_name) = if let NodeKind::Map(_) = pk.kind {
                let pf = Fields::new(self.d, pk, PRIMARY_KEY, "a primary key");
                let columns = pf
                    .require(self.d, "columns", pk.span)
                    .map(|n| decode::text_list(self.d, n, "a column name"))
                    .unwrap_or_default();
                let pk_name = pf
                    .get("name")
                    .and_then(|n| decode::name(self.d, n, "a constraint name"));
                pf.finish(self.d);
                (columns, pk_name)
            } else {
                (decode::text_list(self.d, pk, "a column name"), None)
            };
            if let Some(existing) = &t.primary_key {
                self.d.push(
                    Diagnostic::error(Code::MultiplePrimaryKeys, format!("{what} declares two primary keys"))
                        .at(pk.span, "table-level primary key")
                        .also(existing.origin, "column-level primary key")
                        .help("declare the primary key once: either `primary_key: [cols]` on the table or `primary_key: true` on one column"),
                );
            } else {
                t.primary_key = Some(PrimaryKey {
                    name: pk_name.map(|n| n.value).unwrap_or_default(),
                    columns,
                    origin: pk.span,
                });
            }
        }
        if let Some(u) = f.get("unique") {
            for item in decode::list(self.d, u, "`unique`") {
                match &item.kind {
                    NodeKind::Map(_) => {
                        let uf = Fields::new(self.d, item, UNIQUE, "a unique constraint");
                        let columns = uf
                            .require(self.d, "columns", item.span)
                            .map(|n| decode::text_list(self.d, n, "a column name"))
                            .unwrap_or_default();
                        let cname = uf
                            .get("name")
                            .and_then(|n| decode::name(self.d, n, "a constraint name"));
                        let nulls_distinct = uf
                            .get("nulls_distinct")
                            .and_then(|n| decode::boolean(self.d, n, "`nulls_distinct`"))
                            .unwrap_or(true);
                        uf.finish(self.d);
                        t.uniques.push(Unique {
                            name: cname.unwrap_or_default(),
                            columns,
                            nulls_distinct,
                            origin: item.span,
                        });
                    }
                    _ => t.uniques.push(Unique {
                        name: Sp::default(),
                        columns: decode::text_list(self.d, item, "a column name"),
                        nulls_distinct: true,
                        origin: item.span,
                    }),
                }
            }
        }
        if let Some(c) = f.get("checks") {
            for (ck, cv) in decode::entries(self.d, c, "`checks`") {
                if let Some(expr) = decode::text(self.d, cv, "a check expression") {
                    t.checks.push(Check {
                        name: Sp::new(ck.name.clone(), ck.span),
                        expr,
                        column: None,
                        origin: ck.span,
                    });
                }
            }
        }
        if let Some(fks) = f.get("foreign_keys") {
            for item in decode::list(self.d, fks, "`foreign_keys`") {
                self.foreign_key(&mut t, item);
            }
        }
        if let Some(x) = f.get("exclude") {
            t.excludes = super::exclude::excludes(self.d, x, deferrable);
        }
        if let Some(ix) = f.get("indexes") {
            t.indexes = self.indexes(ix);
        }
        if let Some(r) = f.get("rls") {
            self.rls(&mut t, r);
        }
        if let Some(tr) = f.get("triggers") {
            for (tk, tv) in decode::entries(self.d, tr, "`triggers`") {
                if let Some(trig) = self.trigger(tk.span, &tk.name, tv, Some(&name)) {
                    t.triggers.insert(trig.name.clone(), Box::new(trig));
                }
            }
        }
        t.grants = privileges(self.d, f.get("grants"), "`grants`", &mut t.privilege_spans);
        t.revokes = privileges(self.d, f.get("revoke"), "`revoke`", &mut t.privilege_spans);
        t.realtime = f
            .get("realtime")
            .and_then(|n| decode::boolean(self.d, n, "`realtime`"))
            .unwrap_or(false);
        if let Some(p) = f.get("partition") {
            t.partition = self.partition(&name, p);
        }
        if let Some(n) = f.get("distribution") {
            t.distribution = super::citus::distribution(self.d, n, &name);
            self.model.distribution_spans.insert(name.clone(), n.span);
        }
        if let Some(n) = f.get("replica_identity") {
            t.replica_identity = super::replication::replica_identity(self.d, n);
        }
        if let Some(n) = f.get("lint") {
            self.lint_allow(n, format!("table:{}.{}", name.schema, name.name));
        }
        if let Some(n) = f.get("tests") {
            let (tests, opt_outs) = super::access_tests::decode(self.d, &name, n);
            self.model.access_tests.extend(tests);
            self.model.derived_opt_outs.extend(opt_outs);
        }
        if let Some(n) = f.get("queries") {
            let queries = super::access_tests::queries(self.d, &name, n);
            self.model.query_checks.extend(queries);
        }
        if let Some(n) = f.get("data") {
            t.data = Some(super::data::table_data(self.d, n));
        }
        f.finish(self.d);
        if self.declare("relation", &name.to_string(), key_span) {
            self.model.tables.insert(name, t);
        }
    }

    fn column(&mut self, t: &mut Table, span: Span, name: &str, node: &Node) {
        let what = format!("column `{}.{name}`", t.name.name);
        let mut col = Column {
            name: name.to_string(),
            origin: span,
            ..Column::default()
        };
        if misplaced_table_key(name, node) {
            // `indexes:` (or `rls:`, `checks:` …) indented under `columns:` reads as a column.
            self.d.push(
                Diagnostic::error(
                    Code::UnknownKey,
                    format!(
                        "`{name}` is a key of table `{}`, but it is indented under `columns:`, so it reads as a column",
                        t.name.name
                    ),
                )
                .at(span, "belongs one level up")
                .help(format!(
                    "move `{name}:` (and what it holds) one level up, in line with `columns:`"
                )),
            );
            return;
        }
        if !matches!(node.kind, NodeKind::Map(_)) {
            if let Some(ty) = decode::text(self.d, node, &format!("the type of {what}")) {
                col.type_written = ty;
            }
            t.columns.insert(name.to_string(), col);
            return;
        }
        let f = Fields::new(self.d, node, COLUMN, what.clone());
        if let Some(ty) = f
            .require(self.d, "type", span)
            .and_then(|n| decode::text(self.d, n, "a type"))
        {
            col.type_written = ty;
        }
        col.nullable = f
            .get("nullable")
            .and_then(|n| decode::boolean(self.d, n, "`nullable`"))
            .unwrap_or(false);
        col.default = f
            .get("default")
            .and_then(|n| decode::text(self.d, n, "a default"));
        col.generated = f
            .get("generated")
            .and_then(|n| decode::text(self.d, n, "a generation expression"));
        col.identity = f
            .get("identity")
            .and_then(|n| decode::choice(self.d, n, &["always", "by_default"], "identity kind"))
            .map(|c| {
                if c.value == "always" {
                    Identity::Always
                } else {
                    Identity::ByDefault
                }
            });
        col.description = description(self.d, f.get("description"));
        col.renamed_from = renamed_from(self.d, f.get("renamed_from"));
        col.using = f
            .get("using")
            .and_then(|n| decode::text(self.d, n, "a USING expression"));
        let col_sp = Sp::new(name.to_string(), span);
        // `primary_key: true`, or `primary_key: { name: … }` for a name other than `<table>_pkey`.
        let column_pk = f.get("primary_key").and_then(|pk| {
            if let NodeKind::Map(_) = pk.kind {
                let pf = Fields::new(self.d, pk, COLUMN_NAMED, "a primary key");
                let pk_name = pf
                    .require(self.d, "name", pk.span)
                    .and_then(|n| decode::name(self.d, n, "a constraint name"));
                pf.finish(self.d);
                Some((pk, pk_name.map(|n| n.value).unwrap_or_default()))
            } else {
                (decode::boolean(self.d, pk, "`primary_key`") == Some(true))
                    .then(|| (pk, String::new()))
            }
        });
        if let Some((pk, pk_name)) = column_pk {
            match &mut t.primary_key {
                Some(existing) => {
                    self.d.push(
                        Diagnostic::error(
                            Code::MultiplePrimaryKeys,
                            format!(
                                "table `{}` marks more than one column `primary_key: true`",
                                t.name.name
                            ),
                        )
                        .at(pk.span, "second primary key column")
                        .also(existing.origin, "first one")
                        .help("for a composite key write `primary_key: [a, b]` on the table"),
                    );
                }
                None => {
                    t.primary_key = Some(PrimaryKey {
                        name: pk_name,
                        columns: vec![col_sp.clone()],
                        origin: pk.span,
                    });
                }
            }
        }
        // `unique: true`, or `unique: { name: … }` for a name other than `<table>_<col>_key`.
        let column_unique = f.get("unique").and_then(|u| {
            if let NodeKind::Map(_) = u.kind {
                let uf = Fields::new(self.d, u, COLUMN_NAMED, "a unique constraint");
                let u_name = uf
                    .require(self.d, "name", u.span)
                    .and_then(|n| decode::name(self.d, n, "a constraint name"));
                uf.finish(self.d);
                Some((u, u_name.unwrap_or_default()))
            } else {
                (decode::boolean(self.d, u, "`unique`") == Some(true)).then(|| (u, Sp::default()))
            }
        });
        if let Some((u, u_name)) = column_unique {
            t.uniques.push(Unique {
                name: u_name,
                columns: vec![col_sp.clone()],
                nulls_distinct: true,
                origin: u.span,
            });
        }
        if let Some(c) = f.get("check")
            && let Some(expr) = decode::text(self.d, c, "a check expression")
        {
            t.checks.push(Check {
                name: Sp::new(String::new(), c.span),
                expr,
                column: Some(name.to_string()),
                origin: c.span,
            });
        }
        if let Some(r) = f.get("references") {
            let (target, target_columns) = self.reference_target(r);
            if let Some(target) = target {
                let (on_delete, on_delete_columns) = delete_action(self.d, f.get("on_delete"));
                t.foreign_keys.push(ForeignKey {
                    name: Sp::default(),
                    columns: vec![col_sp],
                    target_written: target,
                    target: QName::default(),
                    target_columns,
                    on_delete,
                    on_update: action(self.d, f.get("on_update")),
                    deferrable: deferrable(self.d, f.get("deferrable")),
                    origin: r.span,
                    on_delete_columns,
                });
            }
        } else {
            for key in ["on_delete", "on_update", "deferrable"] {
                if let Some(k) = f.key(key) {
                    self.d.push(
                        Diagnostic::error(
                            Code::ConflictingOptions,
                            format!("{what} has `{key}` but no `references`"),
                        )
                        .at(k.span, "only meaningful with `references`")
                        .help("add `references: table.column` or remove this key"),
                    );
                }
            }
        }
        if let Some(n) = f.get("lint") {
            self.lint_allow(
                n,
                format!("column:{}.{}.{name}", t.name.schema, t.name.name),
            );
        }
        f.finish(self.d);
        t.columns.insert(name.to_string(), col);
    }

    /// `references:` as `table`, `table.column`, `schema.table.column` or `{ table, column(s) }`.
    fn reference_target(&mut self, node: &Node) -> (Option<Sp<String>>, Vec<Sp<String>>) {
        if let NodeKind::Map(_) = node.kind {
            let f = Fields::new(self.d, node, FK_TARGET, "a foreign key target");
            let table = f
                .require(self.d, "table", node.span)
                .and_then(|n| decode::name(self.d, n, "a table"));
            let mut cols = f
                .get("columns")
                .map(|n| decode::text_list(self.d, n, "a column"))
                .unwrap_or_default();
            if let Some(c) = f
                .get("column")
                .and_then(|n| decode::name(self.d, n, "a column"))
            {
                cols.push(c);
            }
            f.finish(self.d);
            return (table, cols);
        }
        let Some(t) = decode::name(self.d, node, "a reference") else {
            return (None, Vec::new());
        };
        let Some(parts) = split_qualified(&t.value) else {
            self.d.push(
                Diagnostic::error(
                    Code::InvalidName,
                    format!("`{}` is not a valid reference", t.value),
                )
                .at(t.span, "malformed reference")
                .help("write `table.column` or `schema.table.column`"),
            );
            return (None, Vec::new());
        };
        let q = |s: &str| crate::sql::ident::quote_ident(s);
        match parts.as_slice() {
            [table] => (Some(Sp::new(q(table), t.span)), Vec::new()),
            [table, col] => (
                Some(Sp::new(q(table), t.span)),
                vec![Sp::new(col.clone(), t.span)],
            ),
            [schema, table, col] => (
                Some(Sp::new(format!("{}.{}", q(schema), q(table)), t.span)),
                vec![Sp::new(col.clone(), t.span)],
            ),
            _ => {
                self.d.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        format!("`{}` has too many parts", t.value),
                    )
                    .at(t.span, "expected `table.column` or `schema.table.column`")
                    .help("write `table.column` or `schema.table.column`"),
                );
                (None, Vec::new())
            }
        }
    }

    fn foreign_key(&mut self, t: &mut Table, node: &Node) {
        let f = Fields::new(self.d, node, FK, "a foreign key");
        let columns = f
            .require(self.d, "columns", node.span)
            .map(|n| decode::text_list(self.d, n, "a column name"))
            .unwrap_or_default();
        let (target, target_columns) = f
            .require(self.d, "references", node.span)
            .map(|n| self.reference_target(n))
            .unwrap_or((None, Vec::new()));
        let name = f
            .get("name")
            .and_then(|n| decode::name(self.d, n, "a constraint name"));
        let (on_delete, on_delete_columns) = delete_action(self.d, f.get("on_delete"));
        let on_update = action(self.d, f.get("on_update"));
        let deferrable = deferrable(self.d, f.get("deferrable"));
        f.finish(self.d);
        if let Some(target) = target {
            t.foreign_keys.push(ForeignKey {
                name: name.unwrap_or_default(),
                columns,
                target_written: target,
                target: QName::default(),
                target_columns,
                on_delete,
                on_update,
                deferrable,
                origin: node.span,
                on_delete_columns,
            });
        }
    }

    fn indexes(&mut self, node: &Node) -> Vec<Index> {
        let mut out = Vec::new();
        for item in decode::list(self.d, node, "`indexes`") {
            let f = Fields::new(self.d, item, INDEX, "an index");
            let mut ix = Index {
                origin: item.span,
                method: "btree".to_string(),
                ..Index::default()
            };
            if let Some(n) = f
                .get("name")
                .and_then(|n| decode::name(self.d, n, "an index name"))
            {
                ix.name = n;
            }
            if let Some(cols) = f.get("columns") {
                for k in decode::list(self.d, cols, "index columns") {
                    if let Some(key) = self.index_key(k) {
                        ix.keys.push(key);
                    }
                }
            }
            if let Some(e) = f
                .get("expression")
                .and_then(|n| decode::text(self.d, n, "an index expression"))
            {
                ix.keys.push(IndexKey {
                    target: e,
                    expression: true,
                    opclass: None,
                    collate: None,
                    order: None,
                    nulls: None,
                });
            }
            if ix.keys.is_empty() && f.get("columns").is_none() && f.get("expression").is_none() {
                self.d.push(
                    Diagnostic::error(Code::MissingKey, "index has no `columns` or `expression`")
                        .at(item.span, "index without keys")
                        .help("add `columns: [col]` or `expression: \"lower(col)\"`"),
                );
            }
            if let Some(m) = f.get("using").and_then(|n| {
                decode::choice(
                    self.d,
                    n,
                    &[
                        "btree", "gin", "gist", "brin", "hash", "spgist", "hnsw", "ivfflat",
                    ],
                    "index method",
                )
            }) {
                ix.method = m.value.to_string();
            }
            ix.unique = f
                .get("unique")
                .and_then(|n| decode::boolean(self.d, n, "`unique`"))
                .unwrap_or(false);
            ix.predicate = f
                .get("where")
                .and_then(|n| decode::text(self.d, n, "an index predicate"));
            ix.include = f
                .get("include")
                .map(|n| decode::text_list(self.d, n, "a column name"))
                .unwrap_or_default();
            ix.nulls_not_distinct = f
                .get("nulls")
                .and_then(|n| {
                    decode::choice(self.d, n, &["distinct", "not_distinct"], "nulls setting")
                })
                .is_some_and(|c| c.value == "not_distinct");
            ix.why = description(self.d, f.get("why"))
                .or_else(|| description(self.d, f.get("description")));
            ix.renamed_from = renamed_from(self.d, f.get("renamed_from"));
            f.finish(self.d);
            out.push(ix);
        }
        out
    }

    /// `col`, `col desc`, `col desc nulls last`, `col gin_trgm_ops`, or a mapping.
    fn index_key(&mut self, node: &Node) -> Option<IndexKey> {
        if let NodeKind::Map(_) = node.kind {
            let f = Fields::new(self.d, node, INDEX_KEY, "an index key");
            let column = f
                .get("column")
                .and_then(|n| decode::name(self.d, n, "a column"));
            let expression = f
                .get("expression")
                .and_then(|n| decode::text(self.d, n, "an expression"));
            let order = f
                .get("order")
                .and_then(|n| decode::choice(self.d, n, &["asc", "desc"], "sort order"))
                .map(|c| {
                    if c.value == "desc" {
                        SortOrder::Desc
                    } else {
                        SortOrder::Asc
                    }
                });
            let nulls = f
                .get("nulls")
                .and_then(|n| decode::choice(self.d, n, &["first", "last"], "nulls order"))
                .map(|c| {
                    if c.value == "first" {
                        NullsOrder::First
                    } else {
                        NullsOrder::Last
                    }
                });
            let opclass = f
                .get("opclass")
                .and_then(|n| decode::name(self.d, n, "an operator class"))
                .map(|o| o.value);
            let collate = f
                .get("collate")
                .and_then(|n| decode::name(self.d, n, "a collation"))
                .map(|o| o.value);
            f.finish(self.d);
            let (target, is_expr) = match (column, expression) {
                (Some(c), None) => (c, false),
                (None, Some(e)) => (e, true),
                (both, _) => {
                    let code = if both.is_some() {
                        Code::ConflictingOptions
                    } else {
                        Code::MissingKey
                    };
                    self.d.push(
                        Diagnostic::error(
                            code,
                            "an index key needs exactly one of `column` or `expression`",
                        )
                        .at(node.span, "here")
                        .help("write `column: name` or `expression: \"lower(name)\"`"),
                    );
                    return None;
                }
            };
            return Some(IndexKey {
                target,
                expression: is_expr,
                opclass,
                collate,
                order,
                nulls,
            });
        }
        let t = decode::name(self.d, node, "an index column")?;
        let text = t.value.trim();
        // The column: a bare word, or a double-quoted identifier that may contain spaces.
        let (column, rest_text) = match text.strip_prefix('"') {
            Some(after) => {
                let mut name = String::new();
                let mut chars = after.char_indices().peekable();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    if c == '"' {
                        if chars.peek().is_some_and(|(_, n)| *n == '"') {
                            chars.next();
                            name.push('"');
                        } else {
                            end = Some(i + 1);
                            break;
                        }
                    } else {
                        name.push(c);
                    }
                }
                match end {
                    Some(e) => (name, after.get(e..).unwrap_or("")),
                    None => {
                        self.d.push(
                            Diagnostic::error(
                                Code::InvalidName,
                                format!("unterminated quote in index column `{}`", t.value),
                            )
                            .at(t.span, "missing closing `\"`")
                            .help("close the double-quoted column name"),
                        );
                        return None;
                    }
                }
            }
            None => {
                let first = text.split_whitespace().next().unwrap_or("");
                (first.to_string(), text.get(first.len()..).unwrap_or(""))
            }
        };
        let words: Vec<&str> = std::iter::once("")
            .chain(rest_text.split_whitespace())
            .collect();
        let column_len = t.value.len() - rest_text.len();
        let mut key = IndexKey {
            target: Sp::new(column, t.span.subspan(0, column_len)),
            expression: false,
            opclass: None,
            collate: None,
            order: None,
            nulls: None,
        };
        let mut rest = words
            .get(1..)
            .unwrap_or(&[])
            .iter()
            .map(|w| w.to_ascii_lowercase());
        while let Some(w) = rest.next() {
            match w.as_str() {
                "asc" => key.order = Some(SortOrder::Asc),
                "desc" => key.order = Some(SortOrder::Desc),
                "nulls" => match rest.next().as_deref() {
                    Some("first") => key.nulls = Some(NullsOrder::First),
                    Some("last") => key.nulls = Some(NullsOrder::Last),
                    _ => {
                        self.d.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                format!(
                                    "`{}`: `nulls` must be followed by `first` or `last`",
                                    t.value
                                ),
                            )
                            .at(t.span, "incomplete NULLS clause")
                            .help("write `col desc nulls last`"),
                        );
                        return None;
                    }
                },
                other if key.opclass.is_none() && key.order.is_none() => {
                    key.opclass = Some(other.to_string())
                }
                other => {
                    self.d.push(
                        Diagnostic::error(Code::InvalidValue, format!("unexpected `{other}` in index column `{}`", t.value))
                            .at(t.span, "not understood")
                            .help("write `col [opclass] [asc|desc] [nulls first|last]`, or use `expression:` for expressions"),
                    );
                    return None;
                }
            }
        }
        Some(key)
    }

    fn rls(&mut self, t: &mut Table, node: &Node) {
        if let NodeKind::Bool(b) = node.kind {
            t.rls.enabled = b;
            return;
        }
        let f = Fields::new(self.d, node, RLS, "`rls`");
        t.rls.enabled = f
            .get("enabled")
            .and_then(|n| decode::boolean(self.d, n, "`enabled`"))
            .unwrap_or(true);
        t.rls.force = f
            .get("force")
            .and_then(|n| decode::boolean(self.d, n, "`force`"))
            .unwrap_or(false);
        if let Some(p) = f.get("policies") {
            let name = t.name.clone();
            t.policies = self.policies(&name, p);
        }
        f.finish(self.d);
    }

    /// The policies of one table (`rls: { policies: … }`, or a table of the top-level
    /// `policies:`), by name.
    fn policies(&mut self, table: &QName, node: &Node) -> BTreeMap<String, Box<Policy>> {
        let mut out = BTreeMap::new();
        for (pk, pv) in decode::entries(self.d, node, "`policies`") {
            let what = format!("policy `{}`", pk.name);
            let pf = Fields::new(self.d, pv, POLICY, what.clone());
            let command = match pf
                .get("for")
                .and_then(|n| {
                    decode::choice(
                        self.d,
                        n,
                        &["all", "select", "insert", "update", "delete"],
                        "policy command",
                    )
                })
                .map(|c| c.value)
            {
                Some("select") => PolicyCommand::Select,
                Some("insert") => PolicyCommand::Insert,
                Some("update") => PolicyCommand::Update,
                Some("delete") => PolicyCommand::Delete,
                _ => PolicyCommand::All,
            };
            let roles = pf
                .get("to")
                .map(|n| decode::text_list(self.d, n, "a role"))
                .unwrap_or_default();
            let permissive = pf
                .get("as")
                .and_then(|n| {
                    decode::choice(self.d, n, &["permissive", "restrictive"], "policy kind")
                })
                .is_none_or(|c| c.value == "permissive");
            let using = pf
                .get("using")
                .and_then(|n| decode::text(self.d, n, "a USING expression"));
            let with_check = pf
                .get("with_check")
                .and_then(|n| decode::text(self.d, n, "a WITH CHECK expression"));
            let why = description(self.d, pf.get("why"))
                .or_else(|| description(self.d, pf.get("description")));
            let renamed_from = renamed_from(self.d, pf.get("renamed_from"));
            if let Some(n) = pf.get("lint") {
                self.lint_allow(
                    n,
                    format!("policy:{}.{}.{}", table.schema, table.name, pk.name),
                );
            }
            pf.finish(self.d);
            if using.is_none() && with_check.is_none() {
                self.d.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("{what} has neither `using` nor `with_check`"),
                    )
                    .at(pk.span, "policy without an expression")
                    .help("add `using:` (rows visible) and/or `with_check:` (rows writable)"),
                );
            }
            out.insert(
                pk.name.clone(),
                Box::new(Policy {
                    name: pk.name.clone(),
                    command,
                    roles,
                    permissive,
                    using,
                    with_check,
                    why,
                    renamed_from,
                    origin: pk.span,
                }),
            );
        }
        out
    }

    fn trigger(
        &mut self,
        span: Span,
        name: &str,
        node: &Node,
        table: Option<&QName>,
    ) -> Option<Trigger> {
        let what = format!("trigger `{name}`");
        let f = Fields::new(self.d, node, TRIGGER, what.clone());
        let mut table_span = span;
        let on = match (table, f.get("on")) {
            (Some(t), None) => Some(t.clone()),
            (Some(_), Some(n)) => {
                self.d.push(
                    Diagnostic::error(
                        Code::UnknownKey,
                        format!("{what} is declared inside a table and must not have `on`"),
                    )
                    .at(n.span, "the table is the one this trigger is declared in")
                    .help("remove `on:` or move the trigger to the top-level `triggers:` section"),
                );
                None
            }
            (None, Some(n)) => decode::name(self.d, n, "a table").and_then(|t| {
                table_span = t.span;
                self.qualify(t.span, &t.value, None)
            }),
            (None, None) => {
                f.require(self.d, "on", span);
                None
            }
        };
        let mut timing = None;
        let mut events = Vec::new();
        for (key, tm) in [
            ("before", TriggerTiming::Before),
            ("after", TriggerTiming::After),
            ("instead_of", TriggerTiming::InsteadOf),
        ] {
            if let Some(n) = f.get(key) {
                if timing.is_some() {
                    self.d.push(
                        Diagnostic::error(Code::ConflictingOptions, format!("{what} has more than one of before/after/instead_of"))
                            .at(n.span, "second timing")
                            .help("a trigger fires either before, after or instead of its events; declare two triggers"),
                    );
                    continue;
                }
                timing = Some(tm);
                let mut evs: BTreeSet<&'static str> = BTreeSet::new();
                for e in decode::list(self.d, n, "trigger events") {
                    if let Some(c) = decode::choice(
                        self.d,
                        e,
                        &["insert", "update", "delete", "truncate"],
                        "trigger event",
                    ) {
                        evs.insert(c.value);
                    }
                }
                let order = ["insert", "update", "delete", "truncate"];
                events = order
                    .iter()
                    .filter(|e| evs.contains(*e))
                    .map(|e| (*e).to_string())
                    .collect();
            }
        }
        if timing.is_none() {
            self.d.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("{what} has no `before`, `after` or `instead_of`"),
                )
                .at(span, "when does it fire?")
                .help("add `before: [update]` (or after / instead_of) with the events"),
            );
        }
        let of_columns = f
            .get("of")
            .map(|n| decode::text_list(self.d, n, "a column"))
            .unwrap_or_default();
        let for_each_row = f
            .get("for_each")
            .and_then(|n| decode::choice(self.d, n, &["row", "statement"], "trigger level"))
            .is_none_or(|c| c.value == "row");
        let when = f
            .get("when")
            .and_then(|n| decode::text(self.d, n, "a WHEN condition"));
        let function = f
            .require(self.d, "function", span)
            .and_then(|n| decode::name(self.d, n, "a function"));
        let args = f
            .get("args")
            .map(|n| {
                decode::text_list(self.d, n, "a trigger argument")
                    .into_iter()
                    .map(|a| a.value)
                    .collect()
            })
            .unwrap_or_default();
        let description = description(self.d, f.get("description"));
        let enabled = f
            .get("enabled")
            .map(|n| super::replication::trigger_enabled(self.d, n))
            .unwrap_or_default();
        f.finish(self.d);
        Some(Trigger {
            name: name.to_string(),
            table: on?,
            table_span,
            timing: timing?,
            events,
            of_columns,
            for_each_row,
            when,
            function_written: function?,
            function: QName::default(),
            args,
            description,
            origin: span,
            enabled,
        })
    }

    fn partition(&mut self, parent: &QName, node: &Node) -> Option<Partitioning> {
        let f = Fields::new(self.d, node, PARTITION, "`partition`");
        let by = f.require(self.d, "by", node.span).and_then(|n| {
            decode::choice(self.d, n, &["range", "list", "hash"], "partitioning method")
        });
        let columns = f
            .require(self.d, "columns", node.span)
            .map(|n| decode::text_list(self.d, n, "a column"))
            .unwrap_or_default();
        let mut partitions = BTreeMap::new();
        if let Some(p) = f.get("partitions") {
            for (pk, pv) in decode::entries(self.d, p, "`partitions`") {
                let bf = Fields::new(
                    self.d,
                    pv,
                    PARTITION_BOUND,
                    format!("partition `{}`", pk.name),
                );
                let exprs = |d: &mut Diagnostics, n: Option<&Node>| -> Vec<String> {
                    n.map(|n| {
                        decode::text_list(d, n, "a bound")
                            .into_iter()
                            .map(|t| t.value)
                            .collect()
                    })
                    .unwrap_or_default()
                };
                let bound = if bf
                    .get("default")
                    .and_then(|n| decode::boolean(self.d, n, "`default`"))
                    == Some(true)
                {
                    Some(PartitionBound::Default)
                } else if bf.get("from").is_some() || bf.get("to").is_some() {
                    Some(PartitionBound::Range {
                        from: exprs(self.d, bf.get("from")),
                        to: exprs(self.d, bf.get("to")),
                    })
                } else if let Some(n) = bf.get("in") {
                    Some(PartitionBound::List {
                        values: exprs(self.d, Some(n)),
                    })
                } else if let (Some(m), Some(r)) = (bf.get("modulus"), bf.get("remainder")) {
                    match (
                        decode::integer(self.d, m, "`modulus`"),
                        decode::integer(self.d, r, "`remainder`"),
                    ) {
                        (Some(modulus), Some(remainder)) => {
                            Some(PartitionBound::Hash { modulus, remainder })
                        }
                        _ => None,
                    }
                } else {
                    self.d.push(
                        Diagnostic::error(Code::MissingKey, format!("partition `{}` has no bound", pk.name))
                            .at(pk.span, "which rows go here?")
                            .help("add `from:`/`to:` (range), `in:` (list), `modulus:`/`remainder:` (hash) or `default: true`"),
                    );
                    None
                };
                bf.finish(self.d);
                if let Some(bound) = bound {
                    let qname = QName::new(parent.schema.clone(), pk.name.clone());
                    if self.declare("relation", &qname.to_string(), pk.span) {
                        partitions.insert(
                            pk.name.clone(),
                            Partition {
                                name: qname,
                                bound,
                                origin: pk.span,
                            },
                        );
                    }
                }
            }
        }
        f.finish(self.d);
        Some(Partitioning {
            by: by?.value.to_string(),
            columns,
            partitions,
            protected: true,
        })
    }

    /// The top-level `supabase:` settings.
    fn supabase_settings(&mut self, node: &Node, key_span: Span) {
        let f = Fields::new(self.d, node, SUPABASE, "`supabase`");
        if let Some(n) = f.get("auto_expose_new_tables")
            && let Some(b) = decode::boolean(self.d, n, "`auto_expose_new_tables`")
        {
            self.model.supabase.auto_expose_new_tables = Some(Sp::new(b, n.span));
        }
        self.model.supabase.span = Some(key_span);
        f.finish(self.d);
    }

    /// The top-level `lint:` settings (several files may each set some of them).
    fn lint_settings(&mut self, node: &Node) {
        let f = Fields::new(self.d, node, LINT, "`lint`");
        if let Some(n) = f.get("exposed_schemas") {
            self.model.api.exposed_schemas = Some(decode::text_list(self.d, n, "a schema"));
        }
        if let Some(n) = f.get("client_roles") {
            self.model.api.client_roles = Some(decode::text_list(self.d, n, "a role"));
        }
        if let (Some(k), Some(n)) = (
            f.key("supabase_default_grants"),
            f.get("supabase_default_grants"),
        ) {
            let value = match &n.kind {
                NodeKind::Bool(b) => b.to_string(),
                _ => "true".to_string(),
            };
            self.d.push(
                Diagnostic::error(
                    Code::SettingReplaced,
                    "`lint.supabase_default_grants` was replaced by `supabase.auto_expose_new_tables`",
                )
                .at(k.span, "no longer read")
                .help(format!(
                    "remove it and write `supabase: {{ auto_expose_new_tables: {value} }}` at the top level (true only if your project still grants new tables to the API roles automatically)"
                )),
            );
        }
        if let Some(n) = f.get("required_columns") {
            let items = named_items(self.d, n, "a column name", "`lint.required_columns`");
            for (name, span, body) in items {
                let mut required = crate::ir::RequiredColumn {
                    name: Sp::new(name.clone(), span),
                    ..Default::default()
                };
                if let Some(b) = body.filter(|b| !matches!(b.kind, NodeKind::Null)) {
                    let rf = Fields::new(
                        self.d,
                        b,
                        REQUIRED_COLUMN,
                        format!("required column `{name}`"),
                    );
                    required.type_written = rf
                        .get("type")
                        .and_then(|t| decode::text(self.d, t, "a type"));
                    required.nullable = rf
                        .get("nullable")
                        .and_then(|t| decode::boolean(self.d, t, "`nullable`"));
                    required.default = rf
                        .get("default")
                        .and_then(|t| decode::text(self.d, t, "a default"));
                    rf.finish(self.d);
                }
                self.model.lint.required_columns.push(required);
            }
        }
        if let Some(n) = f.get("rules") {
            for (k, v) in decode::entries(self.d, n, "`lint.rules`") {
                if let Some(level) = decode::choice(self.d, v, LINT_LEVELS, "rule level") {
                    self.model.lint.rules.push((
                        Sp::new(k.name.clone(), k.span),
                        Sp::new(level.value.to_string(), level.span),
                    ));
                }
            }
        }
        f.finish(self.d);
    }

    /// `lint: { allow: { RULE: reason } }` on the object `object`; a reason is required.
    fn lint_allow(&mut self, node: &Node, object: String) {
        let f = Fields::new(self.d, node, LINT_ALLOW, "`lint`");
        if let Some(n) = f.get("allow") {
            for (k, v) in decode::entries(self.d, n, "`lint.allow`") {
                let reason = match &v.kind {
                    NodeKind::Null => None,
                    _ => decode::text(self.d, v, "a suppression reason"),
                };
                match reason.filter(|r| !r.value.trim().is_empty()) {
                    Some(reason) => self.model.lint.allows.push(Suppression {
                        object: object.clone(),
                        rule: Sp::new(k.name.clone(), k.span),
                        reason,
                    }),
                    None => self.d.push(
                        Diagnostic::error(
                            Code::MissingKey,
                            format!("the suppression of `{}` has no reason", k.name),
                        )
                        .at(k.span, "a suppression needs a reason")
                        .help(format!(
                            "write why the finding is accepted: `{}: \"…\"`",
                            k.name
                        )),
                    ),
                }
            }
        }
        f.finish(self.d);
    }

    fn view(&mut self, span: Span, key: &str, node: &Node) {
        let what = format!("view `{key}`");
        let f = Fields::new(self.d, node, VIEW, what.clone());
        let schema = f
            .get("schema")
            .and_then(|n| decode::name(self.d, n, "a schema"));
        let materialized = f
            .get("materialized")
            .and_then(|n| decode::boolean(self.d, n, "`materialized`"))
            .unwrap_or(false);
        let security_invoker_node = f.get("security_invoker");
        let security_invoker = security_invoker_node
            .and_then(|n| decode::boolean(self.d, n, "`security_invoker`"))
            .unwrap_or(!materialized);
        if materialized && let Some(n) = security_invoker_node {
            self.d.push(
                Diagnostic::error(
                    Code::ConflictingOptions,
                    format!("{what} is materialized and cannot have `security_invoker`"),
                )
                .at(n.span, "materialized views have no security_invoker")
                .help(
                    "remove `security_invoker`; restrict access to a materialized view with grants",
                ),
            );
        }
        let query = f
            .require(self.d, "query", span)
            .and_then(|n| decode::text(self.d, n, "a query"));
        let description = description(self.d, f.get("description"));
        let mut privilege_spans = BTreeMap::new();
        let grants = privileges(self.d, f.get("grants"), "`grants`", &mut privilege_spans);
        let revokes = privileges(self.d, f.get("revoke"), "`revoke`", &mut privilege_spans);
        let indexes = f
            .get("indexes")
            .map(|n| self.indexes(n))
            .unwrap_or_default();
        let group = f
            .get("group")
            .and_then(|n| decode::name(self.d, n, "a group"))
            .map(|g| g.value);
        if !materialized && let Some(k) = f.key("indexes") {
            self.d.push(
                Diagnostic::error(
                    Code::ConflictingOptions,
                    format!("{what} is not materialized and cannot have indexes"),
                )
                .at(k.span, "indexes need `materialized: true`")
                .help("index the underlying tables, or make the view materialized"),
            );
        }
        let lint = f.get("lint");
        f.finish(self.d);
        let Some(name) = self.qualify(span, key, schema) else {
            return;
        };
        if let Some(n) = lint {
            self.lint_allow(n, format!("view:{}.{}", name.schema, name.name));
        }
        let Some(query) = query else {
            return;
        };
        if self.declare("relation", &name.to_string(), span) {
            self.model.views.insert(
                name.clone(),
                View {
                    name,
                    materialized,
                    security_invoker,
                    query,
                    description,
                    grants,
                    revokes,
                    privilege_spans,
                    indexes,
                    group,
                    depends_on: Vec::new(),
                    origin: span,
                },
            );
        }
    }
}

/// Read `version`, `preset` and `default_schema` from every file (they may be in any one file).
/// `all_parsed` is false when a file had a syntax error: a missing `version` is then not reported
/// (it may be in the file that did not parse). A file that is not a mapping is reported by the
/// decoder, and a key repeated within one file is a duplicate key reported there too.
pub fn settings(
    d: &mut Diagnostics,
    roots: &[(&Node, Span)],
    all_parsed: bool,
    first_file: &str,
) -> (u32, Preset, Settings) {
    let mut version: Option<Span> = None;
    let mut preset = (Preset::Postgres, None::<Span>);
    let mut default_schema = "public".to_string();
    for (root, _) in roots {
        let NodeKind::Map(entries) = &root.kind else {
            continue;
        };
        for (k, v) in entries {
            match k.name.as_str() {
                "version" => {
                    version = Some(v.span);
                    if !matches!(&v.kind, NodeKind::Number(n) if n == "1") {
                        let found = match &v.kind {
                            NodeKind::Number(n) | NodeKind::Str(n, _) => format!("`{n}`"),
                            other => other.describe().to_string(),
                        };
                        d.push(
                            Diagnostic::error(
                                Code::UnsupportedVersion,
                                format!("unsupported model version {found}"),
                            )
                            .at(v.span, "this schemac reads `version: 1`")
                            .help("set `version: 1`"),
                        );
                    }
                }
                "preset" => {
                    if let Some(c) = decode::choice(d, v, &["postgres", "supabase"], "preset") {
                        if let Some(first) = preset.1.filter(|f| f.file != v.span.file) {
                            d.push(
                                Diagnostic::error(
                                    Code::DuplicateKey,
                                    "`preset` is set in more than one file",
                                )
                                .at(v.span, "set again here")
                                .also(first, "first set here")
                                .help("set `preset` once"),
                            );
                        }
                        let value = if c.value == "supabase" {
                            Preset::Supabase
                        } else {
                            Preset::Postgres
                        };
                        preset = (value, Some(v.span));
                    }
                }
                "default_schema" => {
                    if let Some(s) = decode::name(d, v, "`default_schema`") {
                        default_schema = s.value;
                    }
                }
                _ => {}
            }
        }
    }
    if version.is_none() && all_parsed && !roots.is_empty() {
        let span = roots.first().map(|(_, s)| *s).unwrap_or_default();
        d.push(
            Diagnostic::error(Code::UnsupportedVersion, "the model has no `version`")
                .at(span, "expected `version: 1` in this file")
                .help(format!("add `version: 1` at the top of {first_file}")),
        );
    }
    (1, preset.0, Settings { default_schema })
}

/// Keep `IndexMap` in scope for column maps built by callers.
pub type Columns = IndexMap<String, Column>;
