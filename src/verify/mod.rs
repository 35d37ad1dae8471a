//! Verify: the model × a database catalog → drift diagnostics.
//!
//! Input: a validated [`Model`], the preset's [`External`] objects and a [`Catalog`] read from the
//! database (see [`crate::introspect`]). Output: one diagnostic per difference — `E501` (in the
//! model, missing from the database), `E502` (in the database, not in the model) and `E503`
//! (both, but defined differently) — each naming the object and pointing at its YAML (for objects
//! only the database has, at the table they are on, when the model has it). Besides definitions,
//! it compares every comment the model writes (`description:`, `why:`), membership of Supabase's
//! `supabase_realtime` publication, the policies and triggers the model puts on platform
//! tables, and pg_cron's jobs (`verify::job`).
//! Invariants: pure (no I/O); the catalog must have been read with `search_path = ''`, so names
//! are schema-qualified as `type_sql` is; SQL expressions are compared by [`fingerprint`], which
//! ignores PostgreSQL's rewriting (casts, parentheses, `IN` lists); objects are visited in name
//! order, so the output is deterministic.

mod citus;
pub mod data;
mod default_privileges;
mod domains;
pub mod fingerprint;
mod job;
mod publication;
mod replication;
mod schema_privileges;

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::introspect::Catalog;
use crate::ir::{Deferrable, FkAction, FnKey, Identity, Model, QName, Table};
use crate::preset::External;
use crate::preset::privileges::{Access, Api};
use crate::source::Span;
use crate::sql::Stmt;
use crate::sql::ident::quote_ident;

use fingerprint::same;

/// The comment PostgreSQL gives the `public` schema when it creates a database.
pub const PUBLIC_SCHEMA_COMMENT: &str = "standard public schema";

/// The schemas a model owns: its default schema, its declared schemas and every schema one of
/// its objects is in. Objects in other schemas (`auth`, `extensions`, …) are never compared.
pub fn owned_schemas(model: &Model) -> Vec<String> {
    let mut s: BTreeSet<String> = BTreeSet::new();
    s.insert(model.default_schema.clone());
    s.extend(
        model
            .schemas
            .keys()
            .filter(|s| !model.platform_schema(s))
            .cloned(),
    );
    s.extend(model.tables.keys().map(|q| q.schema.clone()));
    s.extend(model.views.keys().map(|q| q.schema.clone()));
    s.extend(model.functions.keys().map(|k| k.name.schema.clone()));
    s.extend(model.enums.keys().map(|q| q.schema.clone()));
    s.extend(model.domains.keys().map(|q| q.schema.clone()));
    s.extend(model.composites.keys().map(|q| q.schema.clone()));
    s.into_iter().collect()
}

/// The roles whose privileges are compared: the client roles of the preset or `lint:`, the
/// model's roles, every role a grant or revoke names, and `PUBLIC`.
pub fn compared_roles(model: &Model, external: &External) -> Vec<String> {
    let api = Api::of(model, external);
    let mut r: BTreeSet<String> = api.client_roles.iter().cloned().collect();
    r.extend(model.roles.keys().cloned());
    let mut add = |p: &crate::ir::Privileges| r.extend(p.keys().cloned());
    for t in model.tables.values() {
        add(&t.grants);
        add(&t.revokes);
    }
    for v in model.views.values() {
        add(&v.grants);
        add(&v.revokes);
    }
    for f in model.functions.values() {
        add(&f.grants);
        add(&f.revokes);
    }
    for dp in &model.default_privileges {
        for cp in dp.classes.values() {
            add(&cp.grants);
            add(&cp.revokes);
        }
    }
    for s in model.schemas.values() {
        add(&s.grants);
        add(&s.revokes);
    }
    for g in model.external_grants.values() {
        add(g);
    }
    r.remove("public");
    r.insert("PUBLIC".to_string());
    r.into_iter().collect()
}

struct Cx<'a> {
    model: &'a Model,
    /// The catalog of the model applied on its own to a scratch database: PostgreSQL's
    /// normalised form of every expression the model writes, compared exactly. Without it,
    /// expressions are compared by [`fingerprint`].
    reference: Option<&'a Catalog>,
    d: &'a mut Diagnostics,
}

impl Cx<'_> {
    fn missing(&mut self, what: String, span: Span, help: &str) {
        self.d.push(
            Diagnostic::error(
                Code::VerifyMissingInDatabase,
                format!("{what} is in the model but not in the database"),
            )
            .at(span, "declared here")
            .help(help),
        );
    }

    fn extra(&mut self, what: String, span: Option<Span>) {
        let mut diag = Diagnostic::error(
            Code::VerifyNotInModel,
            format!("{what} is in the database but not in the model"),
        )
        .help("add it to the model, or drop it from the database");
        if let Some(s) = span {
            diag = diag.at(s, "the database has more here");
        }
        self.d.push(diag);
    }

    fn differs(&mut self, what: String, span: Span, model: &str, database: &str) {
        self.d.push(
            Diagnostic::error(
                Code::VerifyDefinitionDiffers,
                format!("{what} differs: the model says {model}, the database has {database}"),
            )
            .at(span, "declared here")
            .help("change the model or the database so that they agree, then verify again"),
        );
    }
}

/// A comment as the model writes it: an empty `description:`/`why:` is no comment
/// (`COMMENT ON … IS ''` removes it).
fn comment(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// How a comment is shown in a difference: quoted and escaped, cut after 60 characters; when
/// two cut texts look the same, where they first differ.
fn show_comment(s: Option<&str>, other: Option<&str>) -> String {
    let Some(s) = s else {
        return "no comment".to_string();
    };
    let cut = |t: &str| {
        let head: String = t.chars().take(60).collect();
        if head.len() < t.len() {
            format!("{head}…")
        } else {
            head
        }
    };
    let mut out = format!("{:?}", cut(s));
    if let Some(o) = other
        && cut(o) == cut(s)
    {
        let at = s
            .chars()
            .zip(o.chars())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| s.chars().count().min(o.chars().count()));
        out.push_str(&format!(" (differing from character {})", at + 1));
    }
    out
}

impl Cx<'_> {
    /// Compare the comment (`COMMENT ON`) of `what`: the model's `description:` or `why:`
    /// with the database's, in both directions.
    fn description(&mut self, what: &str, span: Span, model: Option<&str>, db: Option<&str>) {
        let (m, d) = (comment(model), comment(db));
        if m != d {
            self.d.push(
                Diagnostic::error(
                    Code::VerifyDefinitionDiffers,
                    format!(
                        "the comment of {what} differs: the model says {}, the database has {}",
                        show_comment(m, d),
                        show_comment(d, m)
                    ),
                )
                .at(span, "declared here")
                .help(
                    "the comment is the object's `description:` (`why:` for policies and \
                     indexes); change the model, or COMMENT ON the object in the database",
                ),
            );
        }
    }
}

fn opt(s: Option<&str>) -> String {
    s.map_or_else(|| "none".to_string(), |s| format!("`{s}`"))
}

fn same_opt(model: Option<&str>, db: Option<&str>, ds: &[String]) -> bool {
    match (model, db) {
        (None, None) => true,
        (Some(m), Some(d)) => same(m, d, ds, false),
        _ => false,
    }
}

/// A column default: as [`same_opt`], and a bare constant in the model (`'09:00'`) matches the
/// typed constant PostgreSQL prints for it (`'09:00:00'::time without time zone`).
fn same_default(model: Option<&str>, db: Option<&str>, ds: &[String]) -> bool {
    if same_opt(model, db, ds) {
        return true;
    }
    let (Some(m), Some(d)) = (model, db) else {
        return false;
    };
    let fm = fingerprint::fingerprint(m, ds, false);
    let fd = fingerprint::fingerprint(d, ds, false);
    fm.len() == 1
        && fm.iter().all(|t| t.starts_with('\''))
        && fd.len() == 1
        && fd.contains(fingerprint::TYPED_CONSTANT)
}

/// An exclusion constraint as `pg_get_constraintdef` prints it, near enough for the fingerprint
/// comparison (the reference catalog's text is compared when there is one).
fn exclude_definition(x: &crate::ir::exclude::Exclude) -> String {
    let elements: Vec<String> = x
        .elements
        .iter()
        .map(|e| {
            let target = if e.expression {
                e.target.value.clone()
            } else {
                quote_ident(&e.target.value)
            };
            format!("{target} WITH {}", e.with.value)
        })
        .collect();
    let mut s = format!("EXCLUDE USING {} ({})", x.method, elements.join(", "));
    if let Some(p) = &x.predicate {
        s.push_str(&format!(" WHERE ({})", p.value));
    }
    match x.deferrable {
        Deferrable::No => {}
        Deferrable::InitiallyImmediate => s.push_str(" DEFERRABLE"),
        Deferrable::InitiallyDeferred => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
    s
}

fn fk_definition(fk: &crate::ir::ForeignKey) -> String {
    let cols: Vec<String> = fk.columns.iter().map(|c| quote_ident(&c.value)).collect();
    let tcols: Vec<String> = fk
        .target_columns
        .iter()
        .map(|c| quote_ident(&c.value))
        .collect();
    let mut s = format!(
        "FOREIGN KEY ({}) REFERENCES {}({})",
        cols.join(", "),
        fk.target,
        tcols.join(", ")
    );
    if fk.on_update != FkAction::NoAction {
        s.push_str(" ON UPDATE ");
        s.push_str(fk.on_update.sql());
    }
    if fk.on_delete != FkAction::NoAction {
        s.push_str(" ON DELETE ");
        s.push_str(fk.on_delete.sql());
        if !fk.on_delete_columns.is_empty() {
            s.push_str(&format!(" ({})", key_list(&fk.on_delete_columns)));
        }
    }
    match fk.deferrable {
        Deferrable::No => {}
        Deferrable::InitiallyImmediate => s.push_str(" DEFERRABLE"),
        Deferrable::InitiallyDeferred => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
    s
}

fn key_list(cols: &[crate::ir::Sp<String>]) -> String {
    let v: Vec<String> = cols.iter().map(|c| quote_ident(&c.value)).collect();
    v.join(", ")
}

/// The SQL that creates the whole model on an empty database (its first migration), for the
/// reference catalog of [`compare`].
pub fn reference_sql(model: &Model) -> Result<String, crate::render::RenderError> {
    let renderer = crate::render::Renderer::new(None);
    renderer
        .migration("0001_reference", &crate::plan::initial(model))
        .map(|(up, _)| up)
}

/// Compare the model with the catalog; push every difference into `d`. `reference` is the
/// catalog of [`reference_sql`] applied to an empty database and read as `catalog` was: with it,
/// defaults, checks, indexes, policies, triggers, view queries and function signatures are
/// compared by PostgreSQL's normalised form, exactly, in both directions.
pub fn compare(
    model: &Model,
    external: &External,
    catalog: &Catalog,
    reference: Option<&Catalog>,
    d: &mut Diagnostics,
) {
    let mut cx = Cx {
        model,
        reference,
        d,
    };
    schemas_and_extensions(&mut cx, catalog);
    enums(&mut cx, catalog);
    tables(&mut cx, catalog);
    platform_policies(&mut cx, catalog);
    platform_triggers(&mut cx, catalog);
    functions(&mut cx, catalog);
    views(&mut cx, catalog);
    privileges(&mut cx, external, catalog);
    schema_privileges::compare(&mut cx, external, catalog);
    schema_privileges::platform_tables(&mut cx, catalog);
    citus::compare(&mut cx, catalog);
    default_privileges::compare(&mut cx, catalog);
    domains::compare(&mut cx, catalog);
    job::compare(&mut cx, catalog);
    publication::compare(&mut cx, catalog);
    data::compare(&mut cx, catalog);
}

fn schemas_and_extensions(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    for (name, s) in &model.schemas {
        if model.platform_schema(name) {
            // The platform's: compared for the privileges the model declares only.
            continue;
        }
        if !catalog.schemas.contains(name) {
            cx.missing(
                format!("schema `{name}`"),
                s.origin,
                "apply the migrations that create it",
            );
            continue;
        }
        // PostgreSQL creates `public` with this comment; a model that says nothing about it
        // means the database's default.
        let db = catalog
            .schema_descriptions
            .get(name)
            .map(String::as_str)
            .filter(|d| !(name == "public" && *d == PUBLIC_SCHEMA_COMMENT));
        cx.description(
            &format!("schema `{name}`"),
            s.origin,
            s.description.as_deref(),
            db,
        );
    }
    // `public` exists in every database: a model that does not declare it says it keeps
    // PostgreSQL's comment.
    if !model.schemas.contains_key("public")
        && let Some(d) = catalog
            .schema_descriptions
            .get("public")
            .filter(|d| !d.is_empty() && *d != PUBLIC_SCHEMA_COMMENT)
    {
        cx.d.push(
            Diagnostic::error(
                Code::VerifyDefinitionDiffers,
                format!(
                    "the comment of schema `public` differs: the model says nothing (PostgreSQL's \
                     {PUBLIC_SCHEMA_COMMENT:?}), the database has {}",
                    show_comment(Some(d), None)
                ),
            )
            .help(
                "declare it (`schemas: { public: { description: … } }`), or COMMENT ON SCHEMA \
                 public in the database",
            ),
        );
    }
    for (name, e) in &model.extensions {
        match catalog.extensions.get(name) {
            None => cx.missing(
                format!("extension `{name}`"),
                e.origin,
                "apply the migrations, or install the extension's package on the server",
            ),
            Some(schema) => {
                let want = model.extension_schema(e);
                if *schema != want {
                    cx.differs(
                        format!("the schema of extension `{name}`"),
                        e.origin,
                        &format!("`{want}`"),
                        &format!("`{schema}`"),
                    );
                }
            }
        }
    }
}

fn enums(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    let db: BTreeMap<QName, &crate::introspect::EnumInfo> = catalog
        .enums
        .iter()
        .map(|e| (QName::new(&e.schema, &e.name), e))
        .collect();
    for (name, e) in &model.enums {
        match db.get(name) {
            None => cx.missing(format!("enum `{name}`"), e.origin, "apply the migrations"),
            Some(info) => {
                cx.description(
                    &format!("enum `{name}`"),
                    e.origin,
                    e.description.as_deref(),
                    info.description.as_deref(),
                );
                let want: Vec<&str> = e.values.iter().map(|v| v.value.as_str()).collect();
                if want != info.labels.iter().map(String::as_str).collect::<Vec<_>>() {
                    cx.differs(
                        format!("the labels of enum `{name}`"),
                        e.origin,
                        &format!("[{}]", want.join(", ")),
                        &format!("[{}]", info.labels.join(", ")),
                    );
                }
            }
        }
    }
    for name in db.keys() {
        if !model.enums.contains_key(name) {
            cx.extra(format!("enum `{name}`"), None);
        }
    }
}

fn tables(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    let partitions: BTreeMap<QName, (Span, Span)> = model
        .tables
        .values()
        .flat_map(|t| {
            t.partition.iter().flat_map(move |p| {
                p.partitions
                    .values()
                    .map(move |x| (x.name.clone(), (x.origin, t.origin)))
            })
        })
        .collect();
    let db: BTreeMap<QName, &crate::introspect::TableInfo> = catalog
        .tables
        .iter()
        .map(|t| (QName::new(&t.schema, &t.name), t))
        .collect();
    for (name, t) in &model.tables {
        match db.get(name) {
            None => cx.missing(format!("table `{name}`"), t.origin, "apply the migrations"),
            Some(info) => table(cx, t, info, catalog),
        }
    }
    for (name, (span, _)) in &partitions {
        if !db.contains_key(name) {
            cx.missing(format!("partition `{name}`"), *span, "apply the migrations");
        }
    }
    // A protected partition has its parent's row level security: one without it can be read
    // directly by whoever holds a privilege on it.
    for t in model.tables.values() {
        let Some(p) = t.partition.as_ref().filter(|p| p.protected) else {
            continue;
        };
        for part in p.partitions.values() {
            let Some(info) = db.get(&part.name) else {
                continue;
            };
            let word = |b: bool| if b { "enabled" } else { "disabled" };
            if info.rls_enabled != t.rls.enabled {
                cx.differs(
                    format!(
                        "row level security of partition `{}` (as on its parent `{}`)",
                        part.name, t.name
                    ),
                    part.origin,
                    word(t.rls.enabled),
                    word(info.rls_enabled),
                );
            }
        }
    }
    for (name, info) in &db {
        if !model.tables.contains_key(name) && !partitions.contains_key(name) && !info.is_partition
        {
            cx.extra(format!("table `{name}`"), None);
        }
    }
}

fn table(cx: &mut Cx<'_>, t: &Table, info: &crate::introspect::TableInfo, catalog: &Catalog) {
    let ds = crate::plan::search_path_schemas(cx.model);
    let name = &t.name;
    let on = |s: &str, tb: &str| s == name.schema && tb == name.name;
    cx.description(
        &format!("table `{name}`"),
        t.origin,
        t.description.as_deref(),
        info.description.as_deref(),
    );
    if info.rls_enabled != t.rls.enabled {
        cx.differs(
            format!("row level security of table `{name}`"),
            t.origin,
            if t.rls.enabled { "enabled" } else { "disabled" },
            if info.rls_enabled {
                "enabled"
            } else {
                "disabled"
            },
        );
    }
    replication::replica_identity(cx, t, info);
    if info.rls_forced != t.rls.force {
        cx.differs(
            format!("FORCE ROW LEVEL SECURITY of table `{name}`"),
            t.origin,
            if t.rls.force { "on" } else { "off" },
            if info.rls_forced { "on" } else { "off" },
        );
    }
    if cx.model.preset == crate::ir::Preset::Supabase {
        realtime(cx, t, catalog);
    }
    // Columns.
    let db_cols: BTreeMap<&str, &crate::introspect::ColumnInfo> = catalog
        .columns
        .iter()
        .filter(|c| on(&c.schema, &c.table))
        .map(|c| (c.name.as_str(), c))
        .collect();
    let reference = cx.reference;
    let ref_cols: BTreeMap<&str, &crate::introspect::ColumnInfo> = reference
        .iter()
        .flat_map(|r| r.columns.iter())
        .filter(|c| on(&c.schema, &c.table))
        .map(|c| (c.name.as_str(), c))
        .collect();
    for (cname, col) in &t.columns {
        let what = format!("column `{}.{cname}`", name.name);
        let Some(c) = db_cols.get(cname.as_str()) else {
            cx.missing(what, col.origin, "apply the migrations");
            continue;
        };
        cx.description(
            &what,
            col.origin,
            col.description.as_deref(),
            c.description.as_deref(),
        );
        if c.data_type != col.type_sql {
            cx.differs(
                format!("the type of {what}"),
                col.type_written.span,
                &format!("`{}`", col.type_sql),
                &format!("`{}`", c.data_type),
            );
        }
        if c.not_null == col.nullable {
            cx.differs(
                format!("the nullability of {what}"),
                col.origin,
                if col.nullable { "NULL" } else { "NOT NULL" },
                if c.not_null { "NOT NULL" } else { "NULL" },
            );
        }
        let want_identity = match col.identity {
            None => "",
            Some(Identity::Always) => "a",
            Some(Identity::ByDefault) => "d",
        };
        if c.identity != want_identity {
            let word = |x: &str| match x {
                "a" => "GENERATED ALWAYS AS IDENTITY",
                "d" => "GENERATED BY DEFAULT AS IDENTITY",
                _ => "no identity",
            };
            cx.differs(
                format!("the identity of {what}"),
                col.origin,
                word(want_identity),
                word(&c.identity),
            );
        }
        let generated = c.generated == "s";
        let default_of = |c: &crate::introspect::ColumnInfo| {
            if c.generated == "s" || c.identity.is_empty() {
                c.default.clone()
            } else {
                None
            }
        };
        let db_default = if generated || c.identity.is_empty() {
            c.default.as_deref()
        } else {
            None
        };
        // PostgreSQL's form of the model's default, when the reference has the column.
        let ref_default = ref_cols.get(cname.as_str()).map(|rc| default_of(rc));
        match (&col.generated, generated) {
            (Some(g), true) => {
                let equal = match &ref_default {
                    Some(r) => r.as_deref() == db_default,
                    None => same(&g.value, db_default.unwrap_or(""), &ds, false),
                };
                if !equal {
                    cx.differs(
                        format!("the generation expression of {what}"),
                        g.span,
                        &format!("`{}`", g.value),
                        &opt(db_default),
                    );
                }
            }
            (None, false) => {
                let want = col.default.as_ref().map(|x| x.value.as_str());
                let equal = match &ref_default {
                    Some(r) => r.as_deref() == db_default,
                    None => same_default(want, db_default, &ds),
                };
                if !equal {
                    cx.differs(
                        format!("the default of {what}"),
                        col.default.as_ref().map_or(col.origin, |x| x.span),
                        &opt(want),
                        &opt(db_default),
                    );
                }
            }
            (g, _) => cx.differs(
                format!("the generation of {what}"),
                col.origin,
                if g.is_some() {
                    "a generated column"
                } else {
                    "a plain column"
                },
                if generated {
                    "a generated column"
                } else {
                    "a plain column"
                },
            ),
        }
    }
    for c in db_cols.keys() {
        if !t.columns.contains_key(*c) {
            cx.extra(format!("column `{}.{c}`", name.name), Some(t.origin));
        }
    }
    // Constraints.
    let db_cons: BTreeMap<&str, &crate::introspect::ConstraintInfo> = catalog
        .constraints
        .iter()
        .filter(|c| on(&c.schema, &c.table))
        .map(|c| (c.name.as_str(), c))
        .collect();
    let mut expected: Vec<(String, &str, String, Span)> = Vec::new();
    if let Some(pk) = &t.primary_key {
        expected.push((
            pk.name.clone(),
            "p",
            format!("PRIMARY KEY ({})", key_list(&pk.columns)),
            pk.origin,
        ));
    }
    for u in &t.uniques {
        expected.push((
            u.name.value.clone(),
            "u",
            format!(
                "UNIQUE {}({})",
                if u.nulls_distinct {
                    ""
                } else {
                    "NULLS NOT DISTINCT "
                },
                key_list(&u.columns)
            ),
            u.origin,
        ));
    }
    for c in &t.checks {
        expected.push((
            c.name.value.clone(),
            "c",
            format!("CHECK ({})", c.expr.value),
            c.expr.span,
        ));
    }
    for fk in &t.foreign_keys {
        expected.push((fk.name.value.clone(), "f", fk_definition(fk), fk.origin));
    }
    for x in &t.excludes {
        expected.push((x.name.value.clone(), "x", exclude_definition(x), x.origin));
    }
    let ref_cons: BTreeMap<&str, &crate::introspect::ConstraintInfo> = reference
        .iter()
        .flat_map(|r| r.constraints.iter())
        .filter(|c| on(&c.schema, &c.table))
        .map(|c| (c.name.as_str(), c))
        .collect();
    let names: BTreeSet<&str> = expected.iter().map(|e| e.0.as_str()).collect();
    // Database constraints that are a model constraint under another name (a rename not applied,
    // or made in the database): one "differs" each, not a missing and an extra one.
    let mut renamed: BTreeSet<&str> = BTreeSet::new();
    for (cname, kind, def, span) in &expected {
        let what = format!("constraint `{cname}` of table `{name}`");
        match db_cons.get(cname.as_str()) {
            None => {
                let keep = *kind != "c";
                let same_def =
                    |info: &crate::introspect::ConstraintInfo| match ref_cons.get(cname.as_str()) {
                        Some(r) => r.definition == info.definition,
                        None => same(def, &info.definition, &ds, keep),
                    };
                let other = db_cons.iter().find(|(n, info)| {
                    !names.contains(*n)
                        && !renamed.contains(*n)
                        && info.kind == *kind
                        && same_def(info)
                });
                match other {
                    Some((n, _)) => {
                        renamed.insert(*n);
                        cx.differs(
                            what,
                            *span,
                            &format!("the name `{cname}`"),
                            &format!("it named `{n}`"),
                        );
                    }
                    None => cx.missing(what, *span, "apply the migrations"),
                }
            }
            Some(info) => {
                let keep = *kind != "c";
                let equal = match ref_cons.get(cname.as_str()) {
                    Some(r) => r.definition == info.definition,
                    None => same(def, &info.definition, &ds, keep),
                };
                if info.kind != *kind || !equal {
                    cx.differs(
                        what,
                        *span,
                        &format!("`{def}`"),
                        &format!("`{}`", info.definition),
                    );
                }
            }
        }
    }
    for c in db_cons.keys() {
        if !names.contains(c) && !renamed.contains(c) {
            cx.extra(
                format!("constraint `{c}` of table `{name}`"),
                Some(t.origin),
            );
        }
    }
    // Indexes (those backing constraints were compared above).
    let db_ix: BTreeMap<&str, &crate::introspect::IndexInfo> = catalog
        .indexes
        .iter()
        .filter(|i| on(&i.schema, &i.table) && !i.constraint)
        .map(|i| (i.name.as_str(), i))
        .collect();
    let ref_ix: BTreeMap<&str, &crate::introspect::IndexInfo> = reference
        .iter()
        .flat_map(|r| r.indexes.iter())
        .filter(|i| on(&i.schema, &i.table) && !i.constraint)
        .map(|i| (i.name.as_str(), i))
        .collect();
    for ix in &t.indexes {
        let what = format!("index `{}` of table `{name}`", ix.name.value);
        if let Some(info) = db_ix.get(ix.name.value.as_str()) {
            cx.description(
                &what,
                ix.origin,
                ix.why.as_deref(),
                info.description.as_deref(),
            );
        }
        match db_ix.get(ix.name.value.as_str()) {
            None => cx.missing(what, ix.origin, "apply the migrations"),
            Some(info) if ref_ix.contains_key(ix.name.value.as_str()) => {
                if let Some(r) = ref_ix.get(ix.name.value.as_str())
                    && r.definition != info.definition
                {
                    cx.differs(
                        what,
                        ix.origin,
                        &format!("`{}`", r.definition),
                        &format!("`{}`", info.definition),
                    );
                }
            }
            Some(info) => {
                let want = Stmt::CreateIndex(name.clone(), ix.into()).to_string();
                let strip = |s: &str| {
                    let mut f = fingerprint::fingerprint(s, &ds, true);
                    for w in ["asc", "concurrently", "if", "not", "exists", "only", ";"] {
                        f.remove(w);
                    }
                    // A predicate's `x IN (…)` comes back as `x = ANY (ARRAY[…])`.
                    for w in ["in", "any", "array", "="] {
                        f.remove(w);
                    }
                    f
                };
                if strip(&want) != strip(&info.definition) {
                    cx.differs(
                        what,
                        ix.origin,
                        &format!("`{}`", want.trim_end_matches(';')),
                        &format!("`{}`", info.definition),
                    );
                }
            }
        }
    }
    for i in db_ix.keys() {
        if !t.indexes.iter().any(|x| x.name.value == *i) {
            cx.extra(format!("index `{i}` of table `{name}`"), Some(t.origin));
        }
    }
    policy_set(
        cx,
        name,
        Some(t.origin),
        &t.policies,
        catalog,
        true,
        &|_| false,
    );
    // Triggers, including those declared at the top level on this table.
    let mut triggers: BTreeMap<&str, &crate::ir::Trigger> =
        t.triggers.iter().map(|(k, v)| (k.as_str(), &**v)).collect();
    for tr in &cx.model.external_triggers {
        if tr.table == *name {
            triggers.insert(tr.name.as_str(), tr);
        }
    }
    trigger_set(cx, name, Some(t.origin), &triggers, catalog);
}

/// Membership of Supabase's `supabase_realtime` publication: `realtime: true` is a plain member
/// (no column list, no row filter); without it the table is in no form of it.
fn realtime(cx: &mut Cx<'_>, t: &Table, catalog: &Catalog) {
    let member = catalog.publication_tables.iter().find(|p| {
        p.publication == "supabase_realtime" && p.schema == t.name.schema && p.table == t.name.name
    });
    let have = match member {
        None => "not a member",
        Some(p) if p.columns.is_none() && p.row_filter.is_none() => "a member",
        Some(_) => "a member with a column list or row filter",
    };
    let want = if t.realtime {
        "a member"
    } else {
        "not a member"
    };
    if want != have {
        cx.differs(
            format!(
                "the membership of table `{}` in the publication supabase_realtime",
                t.name
            ),
            t.origin,
            want,
            have,
        );
    }
}

/// Compare the policies the model declares on table `name` with the database's, in both
/// directions; `not_ours` names the database's policies that are not the model's to account for
/// (the platform's own, on a platform table).
fn policy_set(
    cx: &mut Cx<'_>,
    name: &QName,
    table_span: Option<Span>,
    policies: &BTreeMap<String, Box<crate::ir::Policy>>,
    catalog: &Catalog,
    comments: bool,
    not_ours: &dyn Fn(&str) -> bool,
) {
    let ds = crate::plan::search_path_schemas(cx.model);
    let on = |s: &str, tb: &str| s == name.schema && tb == name.name;
    let reference = cx.reference;
    let db_pol: BTreeMap<&str, &crate::introspect::PolicyInfo> = catalog
        .policies
        .iter()
        .filter(|p| on(&p.schema, &p.table))
        .map(|p| (p.name.as_str(), p))
        .collect();
    let ref_pol: BTreeMap<&str, &crate::introspect::PolicyInfo> = reference
        .iter()
        .flat_map(|r| r.policies.iter())
        .filter(|p| on(&p.schema, &p.table))
        .map(|p| (p.name.as_str(), p))
        .collect();
    for (pname, p) in policies {
        let what = format!("policy `{pname}` of table `{name}`");
        let rp = ref_pol.get(pname.as_str());
        let Some(info) = db_pol.get(pname.as_str()) else {
            cx.missing(what, p.origin, "apply the migrations");
            continue;
        };
        if comments {
            cx.description(
                &what,
                p.origin,
                p.why.as_deref(),
                info.description.as_deref(),
            );
        }
        if info.command != p.command.sql() {
            cx.differs(
                format!("the command of {what}"),
                p.origin,
                p.command.sql(),
                &info.command,
            );
        }
        if info.permissive != p.permissive {
            let w = |b: bool| if b { "PERMISSIVE" } else { "RESTRICTIVE" };
            cx.differs(
                format!("the kind of {what}"),
                p.origin,
                w(p.permissive),
                w(info.permissive),
            );
        }
        let mut roles: Vec<String> = p.roles.iter().map(|r| r.value.clone()).collect();
        if roles.is_empty() {
            roles.push("public".to_string());
        }
        roles.sort();
        roles.dedup();
        if roles != info.roles {
            cx.differs(
                format!("the roles of {what}"),
                p.roles.first().map_or(p.origin, |r| r.span),
                &format!("[{}]", roles.join(", ")),
                &format!("[{}]", info.roles.join(", ")),
            );
        }
        let using = p.using.as_ref().map(|x| x.value.as_str());
        let equal = match rp {
            Some(r) => r.using == info.using,
            None => same_opt(using, info.using.as_deref(), &ds),
        };
        if !equal {
            cx.differs(
                format!("the USING expression of {what}"),
                p.using.as_ref().map_or(p.origin, |x| x.span),
                &opt(using),
                &opt(info.using.as_deref()),
            );
        }
        let check = p.with_check.as_ref().map(|x| x.value.as_str());
        let equal = match rp {
            Some(r) => r.with_check == info.with_check,
            None => same_opt(check, info.with_check.as_deref(), &ds),
        };
        if !equal {
            cx.differs(
                format!("the WITH CHECK expression of {what}"),
                p.with_check.as_ref().map_or(p.origin, |x| x.span),
                &opt(check),
                &opt(info.with_check.as_deref()),
            );
        }
    }
    for p in db_pol.keys() {
        if !policies.contains_key(*p) && !not_ours(p) {
            cx.extra(format!("policy `{p}` of table `{name}`"), table_span);
        }
    }
}

/// The policies the model attaches to the platform's tables (`policies: { storage.objects: … }`).
/// The model owns the policies it declares there. The platform's own policies on those tables are
/// the ones the reference database (the Supabase stand-in plus the model) has and the model does
/// not declare: they are never reported. Without a reference, a policy the model does not declare
/// cannot be told from the platform's and is not reported either. Platform tables the model
/// attaches no policy to are not compared.
fn platform_policies(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    for (name, policies) in &model.external_policies {
        let span = policies.values().next().map(|p| p.origin);
        let platform_own: BTreeSet<String> = match cx.reference {
            Some(r) => r
                .policies
                .iter()
                .filter(|p| p.schema == name.schema && p.table == name.name)
                .filter(|p| !policies.contains_key(&p.name))
                .map(|p| p.name.clone())
                .collect(),
            None => BTreeSet::new(),
        };
        let known = cx.reference.is_some();
        // The migrations write no COMMENT ON for the policies on platform tables, so their
        // `why:` is not compared.
        policy_set(cx, name, span, policies, catalog, false, &|p| {
            !known || platform_own.contains(p)
        });
    }
}

/// The triggers the model puts on the platform's tables (`triggers: { on_signup: { on:
/// auth.users, … } }`), compared like [`platform_policies`]: the platform's own triggers on such a
/// table (the reference has them and the model does not declare them) are never reported, and
/// without a reference no undeclared trigger is.
fn platform_triggers(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    let mut by_table: BTreeMap<&QName, BTreeMap<&str, &crate::ir::Trigger>> = BTreeMap::new();
    for tr in &model.external_triggers {
        if !model.tables.contains_key(&tr.table) {
            by_table
                .entry(&tr.table)
                .or_default()
                .insert(tr.name.as_str(), tr);
        }
    }
    for (table, triggers) in by_table {
        let on = |s: &str, t: &str| s == table.schema && t == table.name;
        let platform_own: BTreeSet<&str> = cx
            .reference
            .iter()
            .flat_map(|r| r.triggers.iter())
            .filter(|t| on(&t.schema, &t.table) && !triggers.contains_key(t.name.as_str()))
            .map(|t| t.name.as_str())
            .collect();
        let known = cx.reference.is_some();
        let compared = Catalog {
            triggers: catalog
                .triggers
                .iter()
                .filter(|t| on(&t.schema, &t.table))
                .filter(|t| {
                    triggers.contains_key(t.name.as_str())
                        || (known && !platform_own.contains(t.name.as_str()))
                })
                .cloned()
                .collect(),
            ..Catalog::default()
        };
        let span = triggers.values().next().map(|t| t.origin);
        trigger_set(cx, table, span, &triggers, &compared);
    }
}

fn trigger_set(
    cx: &mut Cx<'_>,
    name: &QName,
    table_span: Option<Span>,
    triggers: &BTreeMap<&str, &crate::ir::Trigger>,
    catalog: &Catalog,
) {
    let ds = crate::plan::search_path_schemas(cx.model);
    let db: BTreeMap<&str, &crate::introspect::TriggerInfo> = catalog
        .triggers
        .iter()
        .filter(|x| x.schema == name.schema && x.table == name.name)
        .map(|x| (x.name.as_str(), x))
        .collect();
    let reference: BTreeMap<&str, &crate::introspect::TriggerInfo> = cx
        .reference
        .iter()
        .flat_map(|r| r.triggers.iter())
        .filter(|x| x.schema == name.schema && x.table == name.name)
        .map(|x| (x.name.as_str(), x))
        .collect();
    for (tname, tr) in triggers {
        let what = format!("trigger `{tname}` on `{name}`");
        match db.get(tname) {
            None => cx.missing(what, tr.origin, "apply the migrations"),
            Some(info) => {
                cx.description(
                    &what,
                    tr.origin,
                    tr.description.as_deref(),
                    info.description.as_deref(),
                );
                replication::trigger_enabled(cx, &what, tr, info);
                let want = Stmt::CreateTrigger((*tr).into()).to_string();
                let equal = match reference.get(tname) {
                    Some(r) => r.definition == info.definition,
                    None => same(&want, &info.definition, &ds, true),
                };
                if !equal {
                    cx.differs(
                        what,
                        tr.origin,
                        &format!(
                            "`{}`",
                            want.split_whitespace().collect::<Vec<_>>().join(" ")
                        ),
                        &format!("`{}`", info.definition),
                    );
                }
            }
        }
    }
    for tname in db.keys() {
        if !triggers.contains_key(tname) {
            cx.extra(format!("trigger `{tname}` on `{name}`"), table_span);
        }
    }
}

fn functions(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    let mut db: BTreeMap<QName, Vec<&crate::introspect::FunctionInfo>> = BTreeMap::new();
    for f in &catalog.functions {
        db.entry(QName::new(&f.schema, &f.name))
            .or_default()
            .push(f);
    }
    let mut reference: BTreeMap<QName, Vec<&crate::introspect::FunctionInfo>> = BTreeMap::new();
    for f in cx.reference.iter().flat_map(|r| r.functions.iter()) {
        reference
            .entry(QName::new(&f.schema, &f.name))
            .or_default()
            .push(f);
    }
    let signature = |f: &crate::introspect::FunctionInfo| {
        format!(
            "`{}({})` returning {}",
            QName::new(&f.schema, &f.name),
            f.arguments,
            f.result.as_deref().unwrap_or("nothing (a procedure)")
        )
    };
    let mut matched: BTreeSet<(QName, String)> = BTreeSet::new();
    for (key, f) in &model.functions {
        let name = &key.name;
        let what = format!("{} `{}`", f.kind.word(), model.function_label(key));
        let Some(infos) = db.get(name) else {
            cx.missing(what, f.origin, "apply the migrations");
            continue;
        };
        let sole = model.functions_named(name).nth(1).is_none();
        // With the reference, the overload's signature (argument names, modes, types and
        // defaults, and the result) must be in the database; every overload there that the
        // model does not declare is reported below.
        let want = reference
            .get(name)
            .and_then(|r| overload_info(r, key, sole));
        let info = match want {
            Some(w) => {
                let found = infos
                    .iter()
                    .copied()
                    .find(|i| i.identity_args == w.identity_args);
                match found {
                    None => {
                        let have = infos
                            .iter()
                            .map(|i| signature(i))
                            .collect::<Vec<_>>()
                            .join(", ");
                        cx.differs(
                            format!("the signature of {what}"),
                            f.origin,
                            &signature(w),
                            &have,
                        );
                        // The one routine of its name, with another signature: reported
                        // once, as a different signature.
                        if sole {
                            for i in infos {
                                matched.insert((name.clone(), i.identity_args.clone()));
                            }
                        }
                        continue;
                    }
                    Some(i) => {
                        if i.arguments != w.arguments || i.result != w.result {
                            cx.differs(
                                format!("the signature of {what}"),
                                f.origin,
                                &signature(w),
                                &signature(i),
                            );
                        }
                        i
                    }
                }
            }
            None => {
                let Some(info) = overload_info(infos, key, sole) else {
                    cx.missing(what, f.origin, "apply the migrations");
                    continue;
                };
                if sole && infos.len() > 1 {
                    cx.extra(
                        format!("{} overloads of function `{name}`", infos.len() - 1),
                        Some(f.origin),
                    );
                    for i in infos {
                        matched.insert((name.clone(), i.identity_args.clone()));
                    }
                }
                info
            }
        };
        matched.insert((name.clone(), info.identity_args.clone()));
        let db_kind = if info.kind == "p" {
            crate::ir::RoutineKind::Procedure
        } else {
            crate::ir::RoutineKind::Function
        };
        if db_kind != f.kind {
            cx.differs(
                format!("the kind of {what}"),
                f.origin,
                f.kind.word(),
                db_kind.word(),
            );
        }
        cx.description(
            &what,
            f.origin,
            f.description.as_deref(),
            info.description.as_deref(),
        );
        if info.language != f.language.to_ascii_lowercase() {
            cx.differs(
                format!("the language of {what}"),
                f.origin,
                &f.language,
                &info.language,
            );
        }
        if info.security_definer != f.security_definer {
            let w = |b: bool| {
                if b {
                    "SECURITY DEFINER"
                } else {
                    "SECURITY INVOKER"
                }
            };
            cx.differs(
                format!("the security of {what}"),
                f.origin,
                w(f.security_definer),
                w(info.security_definer),
            );
        }
        let vol = f.volatility.chars().next().unwrap_or('v').to_string();
        if f.kind == crate::ir::RoutineKind::Function && info.volatility != vol {
            cx.differs(
                format!("the volatility of {what}"),
                f.origin,
                &f.volatility,
                match info.volatility.as_str() {
                    "i" => "immutable",
                    "s" => "stable",
                    _ => "volatile",
                },
            );
        }
        let db_path = info
            .config
            .iter()
            .find_map(|c| c.strip_prefix("search_path="))
            .map(|p| {
                p.split(',')
                    .map(|x| x.trim().trim_matches('"').to_string())
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
            });
        if db_path != f.search_path {
            let show = |p: &Option<Vec<String>>| match p {
                None => "no search_path".to_string(),
                Some(v) if v.is_empty() => "search_path ''".to_string(),
                Some(v) => format!("search_path {}", v.join(", ")),
            };
            cx.differs(
                format!("the search_path of {what}"),
                f.origin,
                &show(&f.search_path),
                &show(&db_path),
            );
        }
        // With the reference, bodies are compared byte for byte (as PostgreSQL stores them).
        let body_differs = match want {
            Some(w) => w.body != info.body,
            None => info.body.trim() != f.body.value.trim(),
        };
        if info.language != "internal" && info.language != "c" && body_differs {
            cx.differs(
                format!("the body of {what}"),
                f.body.span,
                "the body written in the model",
                "a different body",
            );
        }
    }
    for (name, infos) in &db {
        let Some(first) = model.functions_named(name).next() else {
            cx.extra(format!("function `{name}`"), None);
            continue;
        };
        for i in infos {
            if !matched.contains(&(name.clone(), i.identity_args.clone())) {
                cx.extra(
                    format!("function `{name}({})` (an overload)", i.identity_args),
                    Some(first.origin),
                );
            }
        }
    }
}

/// The routine of `infos` (one name's routines in a catalog) that is the model's `key`: the same
/// input types (user types compared without their schema, which `format_type` leaves out on the
/// search path), or the only one when the model has one routine of that name.
fn overload_info<'c>(
    infos: &[&'c crate::introspect::FunctionInfo],
    key: &FnKey,
    sole: bool,
) -> Option<&'c crate::introspect::FunctionInfo> {
    let loose = |args: &[String]| -> Vec<String> {
        args.iter()
            .map(|a| a.rsplit('.').next().unwrap_or(a).to_string())
            .collect()
    };
    let want = loose(&key.args);
    infos
        .iter()
        .copied()
        .find(|i| loose(&i.key().args) == want)
        .or(match infos {
            [only] if sole => Some(*only),
            _ => None,
        })
}

fn views(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    let db: BTreeMap<QName, &crate::introspect::ViewInfo> = catalog
        .views
        .iter()
        .map(|v| (QName::new(&v.schema, &v.name), v))
        .collect();
    for (name, v) in &model.views {
        let kind = if v.materialized {
            "materialized view"
        } else {
            "view"
        };
        let what = format!("{kind} `{name}`");
        let Some(info) = db.get(name) else {
            cx.missing(what, v.origin, "apply the migrations");
            continue;
        };
        cx.description(
            &what,
            v.origin,
            v.description.as_deref(),
            info.description.as_deref(),
        );
        if info.materialized != v.materialized {
            cx.differs(
                what.clone(),
                v.origin,
                kind,
                if info.materialized {
                    "a materialized view"
                } else {
                    "a view"
                },
            );
        }
        if let Some(r) = cx.reference.and_then(|r| {
            r.views
                .iter()
                .find(|x| x.schema == name.schema && x.name == name.name)
        }) && r.definition != info.definition
        {
            cx.differs(
                format!("the query of {what}"),
                v.query.span,
                &format!("`{}`", r.definition.trim()),
                &format!("`{}`", info.definition.trim()),
            );
        }
        let invoker = info
            .options
            .iter()
            .any(|o| o == "security_invoker=true" || o == "security_invoker=on");
        if invoker != v.security_invoker && !v.materialized {
            let w = |b: bool| {
                if b {
                    "security_invoker = true"
                } else {
                    "security_invoker = false"
                }
            };
            cx.differs(
                format!("the security of {what}"),
                v.origin,
                w(v.security_invoker),
                w(invoker),
            );
        }
        let mut ix: BTreeMap<&str, &crate::ir::Index> = BTreeMap::new();
        for i in &v.indexes {
            ix.insert(i.name.value.as_str(), i);
        }
        for i in catalog
            .indexes
            .iter()
            .filter(|i| i.schema == name.schema && i.table == name.name)
        {
            match ix.remove(i.name.as_str()) {
                None => cx.extra(format!("index `{}` of `{name}`", i.name), Some(v.origin)),
                Some(mi) => cx.description(
                    &format!("index `{}` of `{name}`", i.name),
                    mi.origin,
                    mi.why.as_deref(),
                    i.description.as_deref(),
                ),
            }
        }
        for (iname, i) in ix {
            cx.missing(
                format!("index `{iname}` of `{name}`"),
                i.origin,
                "apply the migrations",
            );
        }
    }
    for (name, info) in &db {
        if !model.views.contains_key(name) {
            let kind = if info.materialized {
                "materialized view"
            } else {
                "view"
            };
            cx.extra(format!("{kind} `{name}`"), None);
        }
    }
}

/// The privileges the model gives each role on each relation and function (its grants and
/// revokes over the preset's defaults), as the database should hold them.
pub fn expected_privileges(model: &Model, external: &External) -> Access {
    let mut api = Api::of(model, external);
    // Supabase's default privileges in exposed schemas also go to service_role.
    if model.preset == crate::ir::Preset::Supabase
        && api.auto_expose
        && !api.client_roles.iter().any(|r| r == "service_role")
    {
        api.client_roles.push("service_role".to_string());
    }
    Access::of(model, &api)
}

fn privileges(cx: &mut Cx<'_>, external: &External, catalog: &Catalog) {
    let model = cx.model;
    let access = expected_privileges(model, external);
    let roles = compared_roles(model, external);
    let role_key = |r: &str| {
        if r == "PUBLIC" {
            "public".to_string()
        } else {
            r.to_string()
        }
    };
    let mut db_rel: BTreeMap<(QName, String), BTreeSet<String>> = BTreeMap::new();
    for p in &catalog.relation_privileges {
        db_rel
            .entry((QName::new(&p.schema, &p.object), role_key(&p.grantee)))
            .or_default()
            .insert(p.privilege.to_ascii_lowercase());
    }
    for (name, held) in &access.relations {
        let (span, spans) = if let Some(t) = model.tables.get(name) {
            (t.origin, &t.privilege_spans)
        } else if let Some(v) = model.views.get(name) {
            (v.origin, &v.privilege_spans)
        } else {
            continue;
        };
        for role in &roles {
            let key = role_key(role);
            let want = held.get(&key).cloned().unwrap_or_default();
            let have = db_rel
                .get(&(name.clone(), key.clone()))
                .cloned()
                .unwrap_or_default();
            if want != have {
                let show = |s: &BTreeSet<String>| {
                    if s.is_empty() {
                        "no privileges".to_string()
                    } else {
                        s.iter().cloned().collect::<Vec<_>>().join(", ")
                    }
                };
                let at = crate::ir::privilege_span(spans, false, &key, None, span);
                cx.differs(
                    format!("the privileges of `{key}` on `{name}`"),
                    at,
                    &show(&want),
                    &show(&have),
                );
            }
        }
    }
    let mut db_fn: BTreeMap<(String, String, String), bool> = BTreeMap::new();
    for p in &catalog.function_privileges {
        db_fn.insert(
            (p.schema.clone(), p.object.clone(), role_key(&p.grantee)),
            true,
        );
    }
    let mut catalog_fns: BTreeMap<QName, Vec<&crate::introspect::FunctionInfo>> = BTreeMap::new();
    for x in &catalog.functions {
        catalog_fns
            .entry(QName::new(&x.schema, &x.name))
            .or_default()
            .push(x);
    }
    for (fkey, held) in &access.functions {
        let Some(f) = model.functions.get(fkey) else {
            continue;
        };
        let name = &fkey.name;
        let sole = model.functions_named(name).nth(1).is_none();
        let Some(info) = catalog_fns
            .get(name)
            .and_then(|infos| overload_info(infos, fkey, sole))
        else {
            continue;
        };
        let object = format!("{}({})", info.name, info.identity_args);
        let label = if sole {
            name.to_string()
        } else {
            format!("{name}({})", fkey.args.join(", "))
        };
        for role in &roles {
            let key = role_key(role);
            let want = held.get(&key).is_some_and(|p| p.contains("execute"));
            let have = db_fn.contains_key(&(name.schema.clone(), object.clone(), key.clone()));
            if want != have {
                let w = |b: bool| if b { "EXECUTE" } else { "no EXECUTE" };
                let at = crate::ir::privilege_span(&f.privilege_spans, !want, &key, None, f.origin);
                cx.differs(
                    format!("the privileges of `{key}` on {} `{label}`", f.kind.word()),
                    at,
                    w(want),
                    w(have),
                );
            }
        }
    }
}
