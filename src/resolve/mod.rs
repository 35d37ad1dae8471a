//! Resolve: names and types → a complete model.
//!
//! Input: the loaded [`Model`] (names qualified, references as written). Output: the same model
//! with column types normalised to what `format_type()` prints, foreign-key targets and trigger
//! functions resolved to qualified names, foreign keys without target columns pointed at the
//! target's primary key, and every constraint and index name filled in (PostgreSQL's own naming
//! conventions, made explicit). Invariants: every unresolved reference is an error at its span;
//! generated names are deterministic (declaration order breaks ties with a numeric suffix).

pub mod extension_functions;
mod names;
pub mod schema_privileges;
mod views;

use std::collections::BTreeSet;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::name::split_qualified;
use crate::ir::types::{self, EXTENSION_TYPES, REJECTED};
use crate::ir::{Model, QName, Sp};
use crate::load::decode::did_you_mean;
use crate::preset::External;
use crate::source::Span;

pub use names::generate_names;
pub use views::{ViewQueries, view_dependencies};

/// Lookups over the model and its preset.
pub struct Scope<'m> {
    /// The model.
    pub model: &'m Model,
    /// The preset's objects.
    pub external: &'m External,
    /// Partition name → parent table (built once, so lookups stay logarithmic).
    partitions: std::collections::BTreeMap<QName, QName>,
    /// Column names of every model and preset table, built on the first SQL name lookup and
    /// then lent out (fragment analysis looks relations up once per FROM item).
    column_names: std::sync::OnceLock<std::collections::BTreeMap<QName, Vec<String>>>,
}

impl<'m> Scope<'m> {
    /// Lookups over `model` and `external`.
    pub fn new(model: &'m Model, external: &'m External) -> Self {
        let partitions = model
            .tables
            .values()
            .flat_map(|t| {
                t.partition
                    .iter()
                    .flat_map(|p| p.partitions.values())
                    .map(|p| (p.name.clone(), t.name.clone()))
            })
            .collect();
        Scope {
            model,
            external,
            partitions,
            column_names: std::sync::OnceLock::new(),
        }
    }

    /// Column names of every model table and preset table.
    fn column_names(&self) -> &std::collections::BTreeMap<QName, Vec<String>> {
        self.column_names.get_or_init(|| {
            let model = self
                .model
                .tables
                .values()
                .map(|t| (t.name.clone(), t.columns.keys().cloned().collect()));
            let preset = self
                .external
                .tables
                .iter()
                .filter(|(q, _)| !self.model.tables.contains_key(q))
                .map(|(q, cols)| (q.clone(), cols.iter().map(|(n, _)| n.clone()).collect()));
            model.chain(preset).collect()
        })
    }

    /// The parent of a partition.
    pub fn partition_parent(&self, q: &QName) -> Option<&QName> {
        self.partitions.get(q)
    }

    /// Whether a schema exists (declared, public, preset, or an extension's).
    pub fn schema_exists(&self, schema: &str) -> bool {
        self.external.schemas.contains(schema)
            || self.model.schemas.contains_key(schema)
            || schema == self.model.default_schema && schema == "public"
    }

    /// Resolve a written relation name (`t` or `s.t`) among model tables, views and preset
    /// tables. A bare name is looked up in the default schema, then `public`, then the preset's.
    pub fn relation(&self, written: &str) -> Option<QName> {
        match split_qualified(written)?.as_slice() {
            [s, n] => self.find_relation(Some(s), n),
            [n] => self.find_relation(None, n),
            _ => None,
        }
    }

    /// [`Scope::relation`] on a name already split into an optional schema and a name.
    pub fn find_relation(&self, schema: Option<&str>, name: &str) -> Option<QName> {
        let found = |s: &str| {
            let q = QName::new(s, name);
            let exists = self.model.tables.contains_key(&q)
                || self.model.views.contains_key(&q)
                || self.external.tables.contains_key(&q)
                || self.partitions.contains_key(&q);
            exists.then_some(q)
        };
        match schema {
            Some(s) => found(s),
            None => [self.model.default_schema.as_str(), "public"]
                .into_iter()
                .chain(self.external.schemas.iter().map(String::as_str))
                .find_map(found),
        }
    }

    /// Resolve a written function name like [`Scope::relation`].
    pub fn function(&self, written: &str) -> Option<QName> {
        let parts = split_qualified(written)?;
        let exists = |q: &QName| self.model.has_function(q) || self.external.functions.contains(q);
        match parts.as_slice() {
            [s, n] => Some(QName::new(s.clone(), n.clone())).filter(exists),
            [n] => [self.model.default_schema.clone(), "public".to_string()]
                .into_iter()
                .map(|s| QName::new(s, n.clone()))
                .find(exists),
            _ => None,
        }
    }

    /// Columns of a table (model or preset), in order.
    pub fn columns(&self, table: &QName) -> Option<Vec<(String, String)>> {
        if let Some(t) = self.model.tables.get(table) {
            return Some(
                t.columns
                    .values()
                    .map(|c| (c.name.clone(), c.type_sql.clone()))
                    .collect(),
            );
        }
        self.external.tables.get(table).cloned()
    }

    /// Whether a role exists.
    pub fn role_exists(&self, role: &str) -> bool {
        self.external.roles.contains(role) || self.model.roles.contains_key(role)
    }

    /// Every relation name, for suggestions.
    pub fn relation_names(&self) -> Vec<String> {
        self.model
            .tables
            .keys()
            .chain(self.model.views.keys())
            .map(|q| q.display_short(&self.model.default_schema))
            .chain(self.external.tables.keys().map(|q| q.to_string()))
            .collect()
    }
}

/// The model's type (in `types`: enums, domains or composites) that a written name means: the
/// schema written, else the default schema, `public`, or the one type of that name anywhere.
fn model_type<V>(
    types: &std::collections::BTreeMap<QName, V>,
    parsed: &types::WrittenType,
    default_schema: &str,
) -> Option<QName> {
    match &parsed.schema {
        Some(s) => {
            let q = QName::new(s.clone(), parsed.base.clone());
            types.contains_key(&q).then_some(q)
        }
        None => [default_schema, "public"]
            .iter()
            .map(|s| QName::new(*s, parsed.base.clone()))
            .find(|q| types.contains_key(q))
            .or_else(|| {
                let mut found = types.keys().filter(|q| q.name == parsed.base);
                match (found.next(), found.next()) {
                    (Some(q), None) => Some(q.clone()),
                    _ => None,
                }
            }),
    }
}

fn resolve_type(
    model: &Model,
    written: &Sp<String>,
    d: &mut Diagnostics,
    what: &str,
) -> Option<String> {
    let parsed =
        types::parse_written(&written.value).filter(|_| types::is_type_name(&written.value));
    let Some(parsed) = parsed else {
        d.push(
            Diagnostic::error(
                Code::UnknownType,
                format!("`{}` is not a type", written.value),
            )
            .at(written.span, "not a type name")
            .help("write a PostgreSQL type such as `text`, `integer`, `varchar(100)` or `text[]`"),
        );
        return None;
    };
    if let Some(b) = types::builtin_sql(&parsed) {
        return Some(types::with_array(b, parsed.array_dims));
    }
    if let Some((_, advice)) = REJECTED.iter().find(|(n, _)| *n == parsed.base) {
        d.push(
            Diagnostic::error(
                Code::UnknownType,
                format!("{what} uses `{}`, a pseudo-type", parsed.base),
            )
            .at(written.span, "serial types are not supported")
            .help(format!(
                "{advice} (identity columns are the SQL-standard replacement)"
            )),
        );
        return None;
    }
    // Enums, domains and composite types of the model.
    let enum_match = model_type(&model.enums, &parsed, &model.default_schema)
        .or_else(|| model_type(&model.domains, &parsed, &model.default_schema))
        .or_else(|| model_type(&model.composites, &parsed, &model.default_schema));
    if let Some(q) = enum_match {
        if parsed.modifiers.is_some() {
            d.push(
                Diagnostic::error(
                    Code::UnknownType,
                    format!("type `{}` of the model takes no modifiers", q.name),
                )
                .at(written.span, "remove the parentheses")
                .help("write the type's name alone (a domain carries its base type's modifiers)"),
            );
            return None;
        }
        return Some(types::with_array(q.to_string(), parsed.array_dims));
    }
    // Types of declared extensions.
    if let Some((ext, _)) = EXTENSION_TYPES
        .iter()
        .find(|(_, names)| names.contains(&parsed.base.as_str()))
    {
        if let Some(e) = model.extensions.get(*ext) {
            let schema = parsed
                .schema
                .clone()
                .unwrap_or_else(|| model.extension_schema(e));
            let base = format!(
                "{}.{}",
                crate::sql::ident::quote_ident(&schema),
                parsed.base
            );
            let base = match &parsed.modifiers {
                Some(m) => format!("{base}({m})"),
                None => base,
            };
            return Some(types::with_array(base, parsed.array_dims));
        }
        d.push(
            Diagnostic::error(
                Code::UnknownType,
                format!(
                    "{what} uses `{}`, which needs the `{ext}` extension",
                    parsed.base
                ),
            )
            .at(written.span, format!("provided by extension `{ext}`"))
            .help(format!("add `{ext}` to `extensions:`")),
        );
        return None;
    }
    let enum_names: Vec<String> = model
        .enums
        .keys()
        .chain(model.domains.keys())
        .chain(model.composites.keys())
        .map(|q| q.name.clone())
        .collect();
    let mut candidates: Vec<&str> = enum_names.iter().map(String::as_str).collect();
    for b in types::builtin_names() {
        candidates.push(b);
    }
    let hint = did_you_mean(&parsed.base, candidates);
    d.push(
        Diagnostic::error(Code::UnknownType, format!("unknown type `{}`{hint}", written.value))
            .at(written.span, "not a built-in type, an enum, domain or composite type of the model, or an extension's type")
            .help("use a PostgreSQL type, declare it under `enums:`, `domains:` or `types:`, or declare the extension that provides it"),
    );
    None
}

/// Types a function signature may name that no column may have: PostgreSQL's pseudo-types and
/// the catalog types functions take and return.
const SIGNATURE_TYPES: &[&str] = &[
    "aclitem",
    "any",
    "anyarray",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblemultirange",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anyelement",
    "anyenum",
    "anymultirange",
    "anynonarray",
    "anyrange",
    "bpchar",
    "cid",
    "cstring",
    "event_trigger",
    "fdw_handler",
    "float",
    "index_am_handler",
    "int2vector",
    "internal",
    "language_handler",
    "oidvector",
    "pg_snapshot",
    "record",
    "refcursor",
    "regcollation",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "table_am_handler",
    "tid",
    "trigger",
    "tsm_handler",
    "txid_snapshot",
    "void",
    "xid",
    "xid8",
];

/// The types a function result names: the type itself, the type of `setof <type>`, or each
/// column's type of `table (name type, …)`.
fn result_types(text: &str) -> Vec<String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("setof")
        && rest.starts_with(char::is_whitespace)
    {
        return vec![t.get(5..).unwrap_or("").trim().to_string()];
    }
    if let Some(rest) = lower.strip_prefix("table")
        && rest.trim_start().starts_with('(')
        && let (Some(open), Some(close)) = (t.find('('), t.rfind(')'))
    {
        let inner = t.get(open + 1..close).unwrap_or("");
        let mut out = Vec::new();
        let (mut depth, mut start, mut quoted) = (0usize, 0usize, false);
        let mut column = |c: &str| {
            let c = c.trim();
            // The column name (quoted or not), then its type.
            let after = match c.strip_prefix('"') {
                Some(q) => q.find('"').and_then(|e| q.get(e + 1..)),
                None => c.find(char::is_whitespace).and_then(|e| c.get(e..)),
            };
            out.push(after.unwrap_or("").trim().to_string());
        };
        for (i, ch) in inner.char_indices() {
            match ch {
                '"' => quoted = !quoted,
                '(' if !quoted => depth += 1,
                ')' if !quoted => depth = depth.saturating_sub(1),
                ',' if !quoted && depth == 0 => {
                    column(inner.get(start..i).unwrap_or(""));
                    start = i + 1;
                }
                _ => {}
            }
        }
        column(inner.get(start..).unwrap_or(""));
        return out;
    }
    vec![t.to_string()]
}

/// E202 for a type named in a function signature (an argument's, or the result's) that is not
/// a built-in type, a pseudo-type, an enum of the model, an extension's type or the row type of
/// a table or view: PostgreSQL would reject the function when the migration is applied. Types
/// that are not exactly one type name are reported by [`resolve`] (`not_a_type`).
fn signature_types(model: &Model, external: &External, d: &mut Diagnostics) {
    let scope = Scope::new(model, external);
    let known = |text: &str, what: &str, span: Span, d: &mut Diagnostics| {
        let Some(parsed) = types::parse_written(text).filter(|_| types::is_type_name(text)) else {
            return;
        };
        let catalog = parsed.schema.as_deref().is_none_or(|s| s == "pg_catalog");
        if catalog && SIGNATURE_TYPES.contains(&parsed.base.as_str()) {
            return;
        }
        if parsed.modifiers.is_none()
            && scope
                .find_relation(parsed.schema.as_deref(), &parsed.base)
                .is_some()
        {
            return;
        }
        let mut found = Diagnostics::default();
        if resolve_type(model, &Sp::new(text.to_string(), span), &mut found, what).is_some() {
            return;
        }
        if EXTENSION_TYPES
            .iter()
            .any(|(_, names)| names.contains(&parsed.base.as_str()))
        {
            // "… needs the `x` extension", as for a column.
            d.extend(found);
            return;
        }
        d.push(
            Diagnostic::error(
                Code::UnknownType,
                format!("{what} has the unknown type `{}`", text.trim()),
            )
            .at(
                span,
                "not a built-in type, an enum, domain, composite type, table or view of the \
                 model, or an extension's type",
            )
            .help(
                "declare the type under `enums:`, `domains:` or `types:` (or use a table's row \
                 type); PostgreSQL would reject the function when the migration is applied",
            ),
        );
    };
    for f in model.functions.values() {
        for (i, a) in f.args.iter().enumerate() {
            let what = if a.name.is_empty() {
                format!("argument {} of function `{}`", i + 1, f.name)
            } else {
                format!("argument `{}` of function `{}`", a.name, f.name)
            };
            known(&a.type_written.value, &what, a.type_written.span, d);
        }
        if types::is_return_type(&f.returns.value) {
            for t in result_types(&f.returns.value) {
                known(
                    &t,
                    &format!("the result of function `{}`", f.name),
                    f.returns.span,
                    d,
                );
            }
        }
    }
}

/// E202 for a type in a function signature that is not exactly one type.
fn not_a_type(d: &mut Diagnostics, written: &Sp<String>, what: &str, examples: &str) {
    d.push(
        Diagnostic::error(
            Code::UnknownType,
            format!(
                "`{}` is not a type",
                crate::diagnostics::escape_control(written.value.trim())
            ),
        )
        .at(
            written.span,
            format!("{what} must be exactly one type name"),
        )
        .help(format!("write one PostgreSQL type, such as {examples}")),
    );
}

fn check_schema(scope: &Scope, q: &QName, span: Span, d: &mut Diagnostics) {
    if !scope.schema_exists(&q.schema) {
        let hint = did_you_mean(&q.schema, scope.model.schemas.keys().map(String::as_str));
        d.push(
            Diagnostic::error(
                Code::UnknownSchema,
                format!("schema `{}` is not declared{hint}", q.schema),
            )
            .at(span, format!("`{}` is in schema `{}`", q.name, q.schema))
            .help(format!("add `{}` under `schemas:`", q.schema)),
        );
    }
}

fn check_role(scope: &Scope, role: &Sp<String>, d: &mut Diagnostics) {
    if !scope.role_exists(&role.value) {
        let known: Vec<&str> = scope
            .external
            .roles
            .iter()
            .map(String::as_str)
            .chain(scope.model.roles.keys().map(String::as_str))
            .collect();
        let hint = did_you_mean(&role.value, known.iter().copied());
        d.push(
            Diagnostic::error(
                Code::UnknownRole,
                format!("unknown role `{}`{hint}", role.value),
            )
            .at(role.span, "not declared")
            .help("declare the role under `roles:` (or use a preset that provides it)"),
        );
    }
}

fn check_privilege_roles(
    scope: &Scope,
    grants: &crate::ir::Privileges,
    revokes: &crate::ir::Privileges,
    spans: &std::collections::BTreeMap<String, Span>,
    origin: Span,
    d: &mut Diagnostics,
) {
    for (revoke, privs) in [(false, grants), (true, revokes)] {
        for role in privs.keys() {
            let span = crate::ir::privilege_span(spans, revoke, role, None, origin);
            check_role(scope, &Sp::new(role.clone(), span), d);
        }
    }
}

/// The function a trigger calls; reports an unknown function.
fn trigger_function(scope: &Scope, tr: &crate::ir::Trigger, d: &mut Diagnostics) -> Option<QName> {
    if let Some(f) = scope.function(&tr.function_written.value) {
        return Some(f);
    }
    if let Some(f) = extension_functions::resolve(scope.model, tr, d) {
        return f;
    }
    let hint = did_you_mean(
        &tr.function_written.value,
        scope.model.functions.keys().map(|k| k.name.name.as_str()),
    );
    d.push(
        Diagnostic::error(
            Code::UnknownFunction,
            format!(
                "trigger `{}` calls unknown function `{}`{hint}",
                tr.name, tr.function_written.value
            ),
        )
        .at(tr.function_written.span, "not declared under `functions:`")
        .help("declare the function under `functions:` with `returns: trigger`"),
    );
    None
}

/// Resolve a loaded model in place.
pub fn resolve(model: &mut Model, external: &External, d: &mut Diagnostics) {
    resolve_user_types(model, d);
    // Types first: later lookups (FK type checks, docs) read `type_sql`. Type resolution reads
    // the enums and extensions, never the tables, so the tables are taken out while written.
    let mut tables = std::mem::take(&mut model.tables);
    for t in tables.values_mut() {
        for c in t.columns.values_mut() {
            if c.type_written.value.is_empty() {
                continue;
            }
            let what = format!("column `{}.{}`", t.name.name, c.name);
            if let Some(sql) = resolve_type(model, &c.type_written, d, &what) {
                c.type_sql = sql;
            }
        }
    }
    model.tables = tables;
    signature_types(model, external, d);
    let table_names: BTreeSet<String> = model.tables.keys().map(|q| q.name.clone()).collect();
    for f in model.functions.values_mut() {
        // Written types are copied into the signature as written: each must be exactly one type
        // (resolving them like column types would also need the model's table types).
        for a in &mut f.args {
            a.type_sql = a.type_written.value.trim().to_string();
            if !types::is_type_name(&a.type_sql) {
                not_a_type(
                    d,
                    &a.type_written,
                    "the argument's type",
                    "`uuid`, `text[]` or `public.status`",
                );
            }
        }
        if f.kind == crate::ir::RoutineKind::Function && !types::is_return_type(&f.returns.value) {
            not_a_type(
                d,
                &f.returns,
                "the result type",
                "`trigger`, `setof public.projects` or `table (id uuid, total numeric)`",
            );
        }
        let mentions_table = |text: &str| {
            text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| table_names.contains(w))
        };
        f.uses_table_types =
            mentions_table(&f.returns.value) || f.args.iter().any(|a| mentions_table(&a.type_sql));
    }

    // References are looked up with the model borrowed, then written into it.
    let (tables, external_triggers) = resolve_references(model, external, d);
    for (q, fks, triggers) in tables {
        let Some(t) = model.tables.get_mut(&q) else {
            continue;
        };
        for (i, target, columns) in fks {
            if let Some(fk) = t.foreign_keys.get_mut(i) {
                fk.target = target;
                if let Some(columns) = columns {
                    fk.target_columns = columns;
                }
            }
        }
        for (name, function) in triggers {
            if let Some(tr) = t.triggers.get_mut(&name) {
                tr.function = function;
            }
        }
    }
    for (i, function) in external_triggers {
        if let Some(tr) = model.external_triggers.get_mut(i) {
            tr.function = function;
        }
    }
    schema_privileges::expand_bulk(model);
    generate_names(model);
}

/// The base type of each domain and the type of each field of each composite type, normalised
/// like a column's (they may name enums, other domains and composites, extension types).
fn resolve_user_types(model: &mut Model, d: &mut Diagnostics) {
    let domains: Vec<(QName, Option<String>)> = model
        .domains
        .values()
        .filter(|t| !t.type_written.value.is_empty())
        .map(|t| {
            let what = format!("domain `{}`", t.name.name);
            (
                t.name.clone(),
                resolve_type(model, &t.type_written, d, &what),
            )
        })
        .collect();
    let mut fields: Vec<(QName, String, Option<String>)> = Vec::new();
    for t in model.composites.values() {
        for f in t
            .fields
            .values()
            .filter(|f| !f.type_written.value.is_empty())
        {
            let what = format!("field `{}` of type `{}`", f.name, t.name.name);
            fields.push((
                t.name.clone(),
                f.name.clone(),
                resolve_type(model, &f.type_written, d, &what),
            ));
        }
    }
    for (q, sql) in domains {
        if let (Some(t), Some(sql)) = (model.domains.get_mut(&q), sql) {
            t.type_sql = sql;
        }
    }
    for (q, name, sql) in fields {
        if let (Some(f), Some(sql)) = (
            model
                .composites
                .get_mut(&q)
                .and_then(|t| t.fields.get_mut(&name)),
            sql,
        ) {
            f.type_sql = sql;
        }
    }
    for cycle in crate::ir::domains::type_cycles(model) {
        let Some(first) = cycle.first() else { continue };
        let span = model
            .domains
            .get(first)
            .map(|t| t.origin)
            .or_else(|| model.composites.get(first).map(|t| t.origin))
            .unwrap_or_default();
        let path: Vec<String> = cycle.iter().map(|q| format!("`{}`", q.name)).collect();
        d.push(
            Diagnostic::error(
                Code::TypeCycle,
                format!("type `{}` is built from itself: {}", first.name, path.join(" → ")),
            )
            .at(span, "part of the cycle")
            .help("a domain or composite type cannot contain itself; break the cycle (an array of it is no way out either)"),
        );
    }
}

/// A table's resolved references: (foreign key index, target, target columns when they were
/// left out) and (trigger name, function).
type TableRefs = (
    QName,
    Vec<(usize, QName, Option<Vec<Sp<String>>>)>,
    Vec<(String, QName)>,
);

/// Check schemas and roles and resolve foreign-key targets and trigger functions, reading the
/// model only; returns what to write into each table and into each external trigger (by index).
fn resolve_references(
    model: &Model,
    external: &External,
    d: &mut Diagnostics,
) -> (Vec<TableRefs>, Vec<(usize, QName)>) {
    let scope = Scope::new(model, external);
    schema_privileges::check(&scope, d);
    schema_privileges::check_external(&scope, d);
    for e in model.enums.values() {
        check_schema(&scope, &e.name, e.origin, d);
    }
    for t in model.domains.values() {
        check_schema(&scope, &t.name, t.origin, d);
    }
    for t in model.composites.values() {
        check_schema(&scope, &t.name, t.origin, d);
    }
    for f in model.functions.values() {
        check_schema(&scope, &f.name, f.origin, d);
        check_privilege_roles(
            &scope,
            &f.grants,
            &f.revokes,
            &f.privilege_spans,
            f.origin,
            d,
        );
    }
    for v in model.views.values() {
        check_schema(&scope, &v.name, v.origin, d);
        check_privilege_roles(
            &scope,
            &v.grants,
            &v.revokes,
            &v.privilege_spans,
            v.origin,
            d,
        );
    }
    let mut tables = Vec::with_capacity(model.tables.len());
    for t in model.tables.values() {
        check_schema(&scope, &t.name, t.origin, d);
        let mut fks = Vec::new();
        for (i, fk) in t.foreign_keys.iter().enumerate() {
            match scope.relation(&fk.target_written.value) {
                Some(target) if !model.views.contains_key(&target) => {
                    let mut columns = None;
                    if fk.target_columns.is_empty() {
                        let pk = model
                            .tables
                            .get(&target)
                            .and_then(|tt| tt.primary_key.as_ref())
                            .map(|pk| pk.columns.iter().map(|c| c.value.clone()).collect())
                            .or_else(|| external.primary_keys.get(&target).cloned());
                        match pk {
                            Some(cols) => {
                                columns = Some(
                                    cols.into_iter()
                                        .map(|c| Sp::new(c, fk.target_written.span))
                                        .collect(),
                                );
                            }
                            None => d.push(
                                Diagnostic::error(
                                    Code::FkTargetNotUnique,
                                    format!("`{}` has no primary key to reference", target.display_short(&model.default_schema)),
                                )
                                .at(fk.target_written.span, "no target columns")
                                .help("name the referenced columns (`table.column`) or give the target a primary key"),
                            ),
                        }
                    }
                    fks.push((i, target, columns));
                }
                Some(view) => d.push(
                    Diagnostic::error(
                        Code::UnknownTable,
                        format!(
                            "foreign key references `{}`, which is a view",
                            view.display_short(&model.default_schema)
                        ),
                    )
                    .at(fk.target_written.span, "views cannot be referenced")
                    .help("reference the table the view reads from"),
                ),
                None => {
                    let names = scope.relation_names();
                    let hint =
                        did_you_mean(&fk.target_written.value, names.iter().map(String::as_str));
                    d.push(
                        Diagnostic::error(
                            Code::UnknownTable,
                            format!("foreign key references unknown table `{}`{hint}", fk.target_written.value),
                        )
                        .at(fk.target_written.span, "no such table")
                        .help("reference a table declared under `tables:` (or one the preset provides, such as `auth.users`)"),
                    );
                }
            }
        }
        let triggers = t
            .triggers
            .iter()
            .filter_map(|(name, tr)| trigger_function(&scope, tr, d).map(|f| (name.clone(), f)))
            .collect();
        for p in t.policies.values() {
            for r in &p.roles {
                check_role(&scope, r, d);
            }
        }
        check_privilege_roles(
            &scope,
            &t.grants,
            &t.revokes,
            &t.privilege_spans,
            t.origin,
            d,
        );
        tables.push((t.name.clone(), fks, triggers));
    }
    for (table, policies) in &model.external_policies {
        let span = model
            .external_policy_spans
            .get(table)
            .copied()
            .unwrap_or_default();
        let written = table.display_short(&model.default_schema);
        if model.tables.contains_key(table) || model.views.contains_key(table) {
            d.push(
                Diagnostic::error(
                    Code::PolicyTargetNotPlatform,
                    format!("top-level policies are on `{written}`, which the model declares"),
                )
                .at(span, "a table of the model")
                .help(format!(
                    "move these policies under `tables: {{ {written}: {{ rls: {{ policies: … }} }} }}`"
                )),
            );
        } else if !external.tables.contains_key(table) {
            let names: Vec<String> = external.tables.keys().map(|q| q.to_string()).collect();
            let hint = did_you_mean(&table.to_string(), names.iter().map(String::as_str));
            d.push(
                Diagnostic::error(
                    Code::UnknownTable,
                    format!("top-level policies are on unknown platform table `{written}`{hint}"),
                )
                .at(span, "not a table the preset provides")
                .help("use a platform table (such as `storage.objects`); policies on model tables go inside the table"),
            );
        }
        for p in policies.values() {
            for r in &p.roles {
                check_role(&scope, r, d);
            }
        }
    }
    let mut external_triggers = Vec::new();
    for (i, tr) in model.external_triggers.iter().enumerate() {
        if scope.relation(&tr.table.to_string()).is_none() {
            let names = scope.relation_names();
            let written = tr.table.display_short(&model.default_schema);
            let hint = did_you_mean(&written, names.iter().map(String::as_str));
            d.push(
                Diagnostic::error(
                    Code::UnknownTable,
                    format!("trigger `{}` is on unknown table `{written}`{hint}", tr.name),
                )
                .at(tr.table_span, "no such table")
                .help("use a table the preset provides (such as `auth.users`); triggers on model tables go inside the table"),
            );
        }
        if let Some(f) = trigger_function(&scope, tr, d) {
            external_triggers.push((i, f));
        }
    }
    (tables, external_triggers)
}

impl crate::sqlfrag::Catalog for Scope<'_> {
    fn relation(&self, schema: Option<&str>, name: &str) -> crate::sqlfrag::RelationLookup<'_> {
        use crate::sqlfrag::RelationLookup;
        use std::borrow::Cow;
        let names = self.column_names();
        let q = self.find_relation(schema, name);
        let Some(q) = q else {
            // System catalogs and information_schema are readable but not modelled.
            return match schema {
                Some("pg_catalog" | "information_schema") => RelationLookup::Opaque,
                None if name.starts_with("pg_") => RelationLookup::Opaque,
                _ => RelationLookup::Unknown,
            };
        };
        // A partition has its parent's columns; a view's are not known.
        let cols = names.get(&q).or_else(|| {
            self.partition_parent(&q)
                .filter(|p| self.model.tables.contains_key(*p))
                .and_then(|p| names.get(p))
        });
        match cols {
            Some(cols) => RelationLookup::Columns(Cow::Borrowed(cols.as_slice())),
            None => RelationLookup::Opaque,
        }
    }

    fn function_exists(&self, schema: &str, name: &str) -> bool {
        let q = QName::new(schema, name);
        self.model.has_function(&q)
            || self.external.functions.contains(&q)
            || matches!(schema, "pg_catalog" | "extensions")
            || self
                .model
                .extensions
                .values()
                .any(|e| e.schema.as_deref() == Some(schema))
    }
}
