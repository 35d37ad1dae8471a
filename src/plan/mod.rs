//! Plan: the resolved model → the ordered statements of a migration and of its down migration.
//!
//! Input: a validated [`Model`] (no errors). Output: [`Migration`] with `up` and `down` as lists
//! of [`Step`]s (a comment and its statements). Invariants: objects come in dependency order —
//! schemas, extensions, roles, default privileges, enums, functions, tables in foreign-key order (cycle-closing FKs
//! after all tables), indexes, views in dependency order, triggers, RLS and policies, grants,
//! publication membership, comments — with ties broken by name; `down` undoes `up` in reverse.

pub mod citus;
pub mod data;
pub mod default_privileges;
pub mod domains;
pub mod incremental;
pub mod jobs;
pub mod publications;
mod schema_privileges;
pub mod split;

pub use incremental::{Incremental, incremental};

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::graph::{kahn, table_order};
use crate::ir::replication::{ReplicaIdentity, TriggerEnabled};
use crate::ir::{Model, Policy, PolicyCommand, Preset, QName, Table, Trigger};
use crate::sql::{
    CommentTarget, GrantObject, Stmt, drop_routine, routine_comment_target, routine_grant_object,
};

/// A group of statements with the comment printed above them.
#[derive(Debug, Clone, PartialEq)]
pub struct Step<'a> {
    /// One line saying what the statements do.
    pub comment: String,
    /// The statements.
    pub stmts: Vec<Stmt<'a>>,
}

/// One migration: what applies it and what rolls it back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Migration<'a> {
    /// `SET LOCAL` lines at the top of both files.
    pub settings: Vec<Stmt<'a>>,
    /// Forward steps.
    pub up: Vec<Step<'a>>,
    /// Steps that undo `up`, in order.
    pub down: Vec<Step<'a>>,
    /// The up file runs outside a transaction (each statement commits on its own), for
    /// `CREATE INDEX CONCURRENTLY` and friends.
    pub non_transactional: bool,
}

/// Extensions Supabase installs itself; a down migration leaves them in place.
pub const SUPABASE_PREINSTALLED: &[&str] = &[
    "pg_graphql",
    "pg_stat_statements",
    "pgcrypto",
    "pgjwt",
    "supabase_vault",
    "uuid-ossp",
];

/// `CREATE TRIGGER`, and the `ALTER TABLE … DISABLE TRIGGER` (or `ENABLE REPLICA | ALWAYS`)
/// of a trigger that does not fire in the default mode.
fn create_trigger(tr: &Trigger) -> Vec<Stmt<'_>> {
    let mut out = vec![Stmt::CreateTrigger(tr.into())];
    if tr.enabled != TriggerEnabled::Origin {
        out.push(Stmt::SetTriggerEnabled(
            tr.table.clone(),
            tr.name.clone(),
            tr.enabled,
        ));
    }
    out
}

fn step(comment: impl Into<String>, stmts: Vec<Stmt<'_>>) -> Option<Step<'_>> {
    if stmts.is_empty() {
        None
    } else {
        Some(Step {
            comment: comment.into(),
            stmts,
        })
    }
}

/// The order of views: each after the views it reads; ties by name.
pub fn view_order(model: &Model) -> Vec<QName> {
    let nodes: BTreeSet<QName> = model.views.keys().cloned().collect();
    let mut edges = BTreeSet::new();
    for v in model.views.values() {
        for dep in &v.depends_on {
            if model.views.contains_key(dep) {
                edges.insert((dep.clone(), v.name.clone()));
            }
        }
    }
    kahn(&nodes, &edges)
}

/// The schemas a migration's `search_path` lists, in order: the default schema, `public`,
/// `extensions` on Supabase, and every extension's schema. Names in them need no qualifier.
pub fn search_path_schemas(model: &Model) -> Vec<String> {
    let mut path: Vec<String> = vec![model.default_schema.clone()];
    let mut push = |s: &str| {
        if !path.iter().any(|p| p == s) {
            path.push(s.to_string());
        }
    };
    push("public");
    if model.preset == Preset::Supabase {
        push("extensions");
    }
    for e in model.extensions.values() {
        push(&model.extension_schema(e));
    }
    path
}

fn search_path(model: &Model) -> String {
    search_path_schemas(model)
        .iter()
        .map(|s| crate::sql::ident::quote_ident(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// COMMENT statements of a table, its columns, indexes, policies and triggers.
pub fn table_comments(t: &Table, out: &mut Vec<Stmt<'_>>) {
    if let Some(d) = &t.description {
        out.push(Stmt::Comment(
            CommentTarget::Table(t.name.clone()),
            d.clone(),
        ));
    }
    for c in t.columns.values() {
        if let Some(d) = &c.description {
            out.push(Stmt::Comment(
                CommentTarget::Column(t.name.clone(), c.name.clone()),
                d.clone(),
            ));
        }
    }
    for ix in &t.indexes {
        if let Some(w) = &ix.why {
            out.push(Stmt::Comment(
                CommentTarget::Index(QName::new(t.name.schema.clone(), ix.name.value.clone())),
                w.clone(),
            ));
        }
    }
    for p in t.policies.values() {
        if let Some(w) = &p.why {
            out.push(Stmt::Comment(
                CommentTarget::Policy(p.name.clone(), t.name.clone()),
                w.clone(),
            ));
        }
    }
    for tr in t.triggers.values() {
        if let Some(d) = &tr.description {
            out.push(Stmt::Comment(
                CommentTarget::Trigger(tr.name.clone(), t.name.clone()),
                d.clone(),
            ));
        }
    }
}

/// The partitions of `t` that the migrations protect like their parent (none when `t` is not
/// partitioned, or its snapshot predates the protection).
pub fn protected_partitions(t: &Table) -> Vec<QName> {
    t.partition
        .iter()
        .filter(|p| p.protected)
        .flat_map(|p| p.partitions.values().map(|part| part.name.clone()))
        .collect()
}

/// Row level security on a partition, as on its parent `t`: PostgreSQL applies only the
/// parent's policies to queries on the parent, and a partition queried directly checks its own
/// flag, so with RLS on and no policy of its own a partition shows clients nothing.
pub fn partition_rls(t: &Table, part: &QName) -> Vec<Stmt<'static>> {
    let mut out = Vec::new();
    if t.rls.enabled {
        out.push(Stmt::EnableRls(part.clone()));
    }
    if t.rls.force {
        out.push(Stmt::ForceRls(part.clone()));
    }
    out
}

/// The parent's revokes and grants, applied to one of its partitions.
pub fn partition_privileges(t: &Table, part: &QName, out: &mut Vec<Stmt<'_>>) {
    privileges(
        &GrantObject::Table(part.clone()),
        &t.grants,
        &t.revokes,
        out,
    );
}

fn privileges(
    obj: &GrantObject,
    grants: &crate::ir::Privileges,
    revokes: &crate::ir::Privileges,
    out: &mut Vec<Stmt<'_>>,
) {
    for (role, privs) in revokes {
        out.push(Stmt::Revoke(
            obj.clone(),
            privs.iter().cloned().collect(),
            role.clone(),
        ));
    }
    for (role, privs) in grants {
        out.push(Stmt::Grant(
            obj.clone(),
            privs.iter().cloned().collect(),
            role.clone(),
        ));
    }
}

/// The migration that creates the whole model on an empty database.
pub fn initial(model: &Model) -> Migration<'_> {
    let order = table_order(model);
    let views = view_order(model);
    let mut up: Vec<Option<Step>> = Vec::new();
    let mut down: Vec<Option<Step>> = Vec::new();

    up.push(step(
        "Schemas",
        model
            .schemas
            .keys()
            .filter(|s| model.creates_schema(s))
            .map(|s| Stmt::CreateSchema(s.clone()))
            .collect(),
    ));
    up.push(step(
        "Extensions",
        citus::extension(model)
            .into_iter()
            .chain(model.extensions.values().map(|e| Stmt::CreateExtension {
                name: e.name.clone(),
                schema: Some(model.extension_schema(e)),
                version: e.version.clone(),
            }))
            .collect(),
    ));
    up.push(step(
        "Roles (cluster-wide: created when missing, never dropped by schemac)",
        model
            .roles
            .keys()
            .map(|r| Stmt::CreateRole(r.clone()))
            .collect(),
    ));
    up.push(step(
        "Default privileges (before the objects they cover)",
        default_privileges::up(model),
    ));
    up.push(step(
        "Enum types",
        model
            .enums
            .values()
            .map(|e| {
                Stmt::CreateEnum(
                    e.name.clone(),
                    e.values.iter().map(|v| v.value.clone()).collect(),
                )
            })
            .collect(),
    ));
    up.push(step(
        "Domains and composite types, each after the types it is built from",
        crate::plan::domains::create_all(model),
    ));
    let (late_fns, early_fns): (Vec<_>, Vec<_>) =
        model.functions.values().partition(|f| f.uses_table_types);
    for f in &early_fns {
        up.push(step(
            routine_title(model, f),
            vec![Stmt::CreateFunction((*f).into())],
        ));
    }

    let parents: BTreeMap<&QName, &Table> = model.tables.iter().collect();
    // On Citus every foreign key waits until the tables are placed (Citus checks each against
    // the placement of both tables).
    let on_citus = citus::is_citus(model);
    let late_fks: Vec<(QName, usize)> = if on_citus {
        order
            .order
            .iter()
            .filter_map(|n| parents.get(n))
            .flat_map(|t| (0..t.foreign_keys.len()).map(|i| (t.name.clone(), i)))
            .collect()
    } else {
        order.deferred.iter().cloned().collect()
    };
    for name in &order.order {
        let Some(t) = parents.get(name) else { continue };
        let inline_fks: Vec<usize> = (0..t.foreign_keys.len())
            .filter(|i| !on_citus && !order.deferred.contains(&(name.clone(), *i)))
            .collect();
        let mut stmts = vec![Stmt::CreateTable {
            table: (*t).into(),
            inline_fks,
        }];
        if let Some(p) = &t.partition {
            for part in p.partitions.values() {
                stmts.push(Stmt::CreatePartition(t.name.clone(), part.into()));
            }
        }
        up.push(step(format!("Table {}", t.name), stmts));
    }
    // Reference data: after every table exists (parents' rows first, in FK order), before the
    // foreign keys that close a cycle (they check the rows when added), the triggers (seed rows
    // do not fire the model's triggers) and Citus placement (which copies the rows).
    for name in &order.order {
        if let Some(t) = parents.get(name) {
            up.push(step(format!("Data of {}", t.name), data::initial_rows(t)));
        }
    }
    up.push(step(
        "Storage buckets",
        model.buckets.values().map(data::bucket_upsert).collect(),
    ));
    up.push(step(
        "Citus: reference tables, then each co-location group from the table that starts it",
        citus::distribute(model),
    ));
    up.push(step(
        if on_citus {
            "Foreign keys, added once Citus has placed both tables"
        } else {
            "Foreign keys that close a cycle, added once every table exists"
        },
        late_fks
            .iter()
            .filter_map(|(t, i)| {
                model
                    .tables
                    .get(t)
                    .and_then(|tt| tt.foreign_keys.get(*i))
                    .map(|fk| Stmt::AddForeignKey(t.clone(), fk.into()))
            })
            .collect(),
    ));
    for f in &late_fns {
        up.push(step(
            format!(
                "{} (its signature uses a table type)",
                routine_title(model, f)
            ),
            vec![Stmt::CreateFunction((*f).into())],
        ));
    }
    for name in &order.order {
        if let Some(t) = parents.get(name) {
            up.push(step(
                format!("Indexes on {}", t.name),
                t.indexes
                    .iter()
                    .map(|ix| Stmt::CreateIndex(t.name.clone(), ix.into()))
                    .collect(),
            ));
        }
    }
    for name in &views {
        if let Some(v) = model.views.get(name) {
            let mut stmts = vec![Stmt::CreateView(v.into())];
            stmts.extend(
                v.indexes
                    .iter()
                    .map(|ix| Stmt::CreateIndex(v.name.clone(), ix.into())),
            );
            up.push(step(
                format!(
                    "{} {}",
                    if v.materialized {
                        "Materialized view"
                    } else {
                        "View"
                    },
                    v.name
                ),
                stmts,
            ));
        }
    }
    up.push(step(
        "Replica identity",
        order
            .order
            .iter()
            .filter_map(|name| parents.get(name))
            .filter(|t| t.replica_identity != ReplicaIdentity::Default)
            .map(|t| Stmt::SetReplicaIdentity(t.name.clone(), t.replica_identity.clone()))
            .collect(),
    ));
    let mut triggers = Vec::new();
    for name in &order.order {
        if let Some(t) = parents.get(name) {
            triggers.extend(t.triggers.values().flat_map(|tr| create_trigger(tr)));
        }
    }
    triggers.extend(model.external_triggers.iter().flat_map(create_trigger));
    up.push(step("Triggers", triggers));
    for name in &order.order {
        let Some(t) = parents.get(name) else { continue };
        let mut stmts = Vec::new();
        if t.rls.enabled {
            stmts.push(Stmt::EnableRls(t.name.clone()));
        }
        if t.rls.force {
            stmts.push(Stmt::ForceRls(t.name.clone()));
        }
        let mut policies: Vec<&Policy> = t.policies.values().map(|p| &**p).collect();
        sort_policies(&mut policies);
        stmts.extend(
            policies
                .into_iter()
                .map(|p| Stmt::CreatePolicy(t.name.clone(), p.into())),
        );
        for part in protected_partitions(t) {
            stmts.extend(partition_rls(t, &part));
        }
        up.push(step(format!("Row level security on {}", t.name), stmts));
    }
    for (table, policies) in &model.external_policies {
        let mut policies: Vec<&Policy> = policies.values().map(|p| &**p).collect();
        sort_policies(&mut policies);
        up.push(step(
            format!("Policies on the platform table {table}"),
            policies
                .into_iter()
                .map(|p| Stmt::CreatePolicy(table.clone(), p.into()))
                .collect(),
        ));
    }
    let mut grants = Vec::new();
    for s in model.schemas.values() {
        privileges(
            &GrantObject::Schema(s.name.clone()),
            &s.grants,
            &s.revokes,
            &mut grants,
        );
    }
    for (table, privs) in &model.external_grants {
        privileges(
            &GrantObject::Table(table.clone()),
            privs,
            &crate::ir::Privileges::new(),
            &mut grants,
        );
    }
    for name in &order.order {
        if let Some(t) = parents.get(name) {
            privileges(
                &GrantObject::Table(t.name.clone()),
                &t.grants,
                &t.revokes,
                &mut grants,
            );
            for part in protected_partitions(t) {
                partition_privileges(t, &part, &mut grants);
            }
        }
    }
    for name in &views {
        if let Some(v) = model.views.get(name) {
            privileges(
                &GrantObject::Table(v.name.clone()),
                &v.grants,
                &v.revokes,
                &mut grants,
            );
        }
    }
    for f in model.functions.values() {
        privileges(&routine_grant_object(f), &f.grants, &f.revokes, &mut grants);
    }
    up.push(step("Privileges", grants));
    up.push(step(
        "Supabase Realtime publication",
        order
            .order
            .iter()
            .filter(|n| parents.get(n).is_some_and(|t| t.realtime))
            .map(|n| Stmt::AddToPublication("supabase_realtime".to_string(), n.clone()))
            .collect(),
    ));
    up.push(step("Publications", publications::create_all(model)));
    let mut comments = Vec::new();
    for s in model.schemas.values() {
        if let Some(d) = &s.description {
            comments.push(Stmt::Comment(
                CommentTarget::Schema(s.name.clone()),
                d.clone(),
            ));
        }
    }
    for e in model.enums.values() {
        if let Some(d) = &e.description {
            comments.push(Stmt::Comment(
                CommentTarget::Type(e.name.clone()),
                d.clone(),
            ));
        }
    }
    comments.extend(crate::plan::domains::comments(model));
    for f in model.functions.values() {
        if let Some(d) = &f.description {
            comments.push(Stmt::Comment(routine_comment_target(f), d.clone()));
        }
    }
    for name in &order.order {
        if let Some(t) = parents.get(name) {
            table_comments(t, &mut comments);
        }
    }
    for name in &views {
        if let Some(v) = model.views.get(name) {
            if let Some(d) = &v.description {
                comments.push(Stmt::Comment(
                    CommentTarget::View(v.name.clone(), v.materialized),
                    d.clone(),
                ));
            }
            for ix in &v.indexes {
                if let Some(w) = &ix.why {
                    comments.push(Stmt::Comment(
                        CommentTarget::Index(QName::new(
                            v.name.schema.clone(),
                            ix.name.value.clone(),
                        )),
                        w.clone(),
                    ));
                }
            }
        }
    }
    for tr in &model.external_triggers {
        if let Some(d) = &tr.description {
            comments.push(Stmt::Comment(
                CommentTarget::Trigger(tr.name.clone(), tr.table.clone()),
                d.clone(),
            ));
        }
    }
    up.push(step("Comments", comments));
    up.push(step(
        "Scheduled jobs (pg_cron), once everything they use exists",
        jobs::schedule(model),
    ));

    // Down: the reverse.
    down.push(step("Scheduled jobs", jobs::unschedule(model)));
    down.push(step("Publications", publications::drop_all(model)));
    down.push(step(
        "Storage buckets",
        model
            .buckets
            .keys()
            .rev()
            .map(|id| data::bucket_delete(id))
            .collect(),
    ));
    down.push(step(
        "Privileges on schemas and platform tables the migration does not create",
        schema_privileges::undo(model),
    ));
    down.push(step(
        "Triggers on tables the model does not own",
        model
            .external_triggers
            .iter()
            .rev()
            .map(|tr| Stmt::DropTrigger(tr.name.clone(), tr.table.clone()))
            .collect(),
    ));
    down.push(step(
        "Views",
        views
            .iter()
            .rev()
            .filter_map(|n| model.views.get(n))
            .map(|v| Stmt::DropView(v.name.clone(), v.materialized))
            .collect(),
    ));
    // Policies may read other tables (membership subqueries), which then cannot be dropped
    // while the policy exists: drop every policy first.
    let mut policies_down = Vec::new();
    for name in order.order.iter().rev() {
        if let Some(t) = parents.get(name) {
            policies_down.extend(
                t.policies
                    .values()
                    .rev()
                    .map(|p| Stmt::DropPolicy(p.name.clone(), t.name.clone())),
            );
        }
    }
    for (table, policies) in model.external_policies.iter().rev() {
        policies_down.extend(
            policies
                .values()
                .rev()
                .map(|p| Stmt::DropPolicy(p.name.clone(), table.clone())),
        );
    }
    down.push(step("Policies (they may read other tables)", policies_down));
    down.push(step(
        "Foreign keys that close a cycle",
        order
            .deferred
            .iter()
            .rev()
            .filter_map(|(t, i)| {
                model
                    .tables
                    .get(t)
                    .and_then(|tt| tt.foreign_keys.get(*i))
                    .map(|fk| Stmt::DropConstraint(t.clone(), fk.name.value.clone()))
            })
            .collect(),
    ));
    down.push(step(
        "Functions whose signature uses a table type",
        late_fns.iter().rev().map(|f| drop_routine(f)).collect(),
    ));
    down.push(step(
        "Tables, dependants first (partitions, indexes, policies and triggers go with them)",
        order
            .order
            .iter()
            .rev()
            .map(|n| Stmt::DropTable(n.clone()))
            .collect(),
    ));
    down.push(step(
        "Functions",
        early_fns.iter().rev().map(|f| drop_routine(f)).collect(),
    ));
    down.push(step(
        "Domains and composite types",
        crate::plan::domains::drop_all(model),
    ));
    down.push(step(
        "Enum types",
        model
            .enums
            .keys()
            .rev()
            .map(|e| Stmt::DropType(e.clone()))
            .collect(),
    ));
    down.push(step(
        "Extensions",
        model
            .extensions
            .keys()
            .rev()
            .filter(|e| {
                model.preset != Preset::Supabase || !SUPABASE_PREINSTALLED.contains(&e.as_str())
            })
            .map(|e| Stmt::DropExtension(e.clone()))
            .collect(),
    ));
    down.push(step("Default privileges", default_privileges::down(model)));
    down.push(step(
        "Schemas",
        model
            .schemas
            .keys()
            .rev()
            .filter(|s| model.creates_schema(s))
            .map(|s| Stmt::DropSchema(s.clone()))
            .collect(),
    ));

    Migration {
        settings: settings(model),
        up: up.into_iter().flatten().collect(),
        down: down.into_iter().flatten().collect(),
        non_transactional: false,
    }
}

/// The `SET LOCAL` lines at the top of every migration file of this model: the
/// [`legacy_settings`], then the settings the file's text relies on being read as written
/// (docs/migrations.md explains each): `standard_conforming_strings` (how `'…'` literals treat
/// a backslash; schemac's literals do not depend on it, user-written fragments may) and
/// `client_encoding` (the files are UTF-8; a client in another encoding would misread them).
pub fn settings(model: &Model) -> Vec<Stmt<'static>> {
    let mut s = legacy_settings(model);
    s.push(Stmt::SetLocal(
        "standard_conforming_strings",
        "on".to_string(),
    ));
    s.push(Stmt::SetLocal("client_encoding", "'UTF8'".to_string()));
    s.extend(citus::settings(model));
    s
}

/// The settings migrations had before the session settings were pinned: what a first migration
/// committed by an earlier schemac starts with (`schemac check` accepts it; migrations are never
/// rewritten).
pub fn legacy_settings(model: &Model) -> Vec<Stmt<'static>> {
    vec![
        Stmt::SetLocal("lock_timeout", "'5s'".to_string()),
        Stmt::SetLocal("statement_timeout", "'5min'".to_string()),
        Stmt::SetLocal("check_function_bodies", "off".to_string()),
        Stmt::SetLocal("search_path", search_path(model)),
    ]
}

/// Put one table's policies in migration order: by command (`ALL`, `SELECT`, `INSERT`, `UPDATE`,
/// `DELETE`), then by name.
pub fn sort_policies(policies: &mut [&Policy]) {
    policies.sort_by(|a, b| {
        (command_rank(a.command), &a.name).cmp(&(command_rank(b.command), &b.name))
    });
}

fn command_rank(c: PolicyCommand) -> u8 {
    match c {
        PolicyCommand::All => 0,
        PolicyCommand::Select => 1,
        PolicyCommand::Insert => 2,
        PolicyCommand::Update => 3,
        PolicyCommand::Delete => 4,
    }
}

/// `Function public.f` for a step title: `Procedure …` for a procedure, the signature for an
/// overloaded name.
pub(crate) fn routine_title(model: &Model, f: &crate::ir::Function) -> String {
    let word = match f.kind {
        crate::ir::RoutineKind::Function => "Function",
        crate::ir::RoutineKind::Procedure => "Procedure",
    };
    format!("{word} {}", routine_shown(model, f))
}

/// How a step title names a routine: its qualified name, or its signature when overloaded.
pub(crate) fn routine_shown(model: &Model, f: &crate::ir::Function) -> String {
    if model.functions_named(&f.name).nth(1).is_some() {
        crate::sql::function_signature(f)
    } else {
        f.name.to_string()
    }
}
