//! Effective access: what each client role can reach, per object and command, and how two models
//! differ in it.
//!
//! Input: a [`Model`], the effective privileges of its objects ([`Privileges`], computed by
//! `preset::privileges` from the model's grants and revokes plus the grants the preset implies: the one
//! place that decides implicit grants) and the [`Audience`] (client roles, exposed schemas, roles
//! that bypass RLS). Output: a [`Matrix`] of [`Reach`] per object × role × command, and
//! [`diff`]'s [`Delta`]s between two matrices, each naming the path a client would use
//! (`GET /rest/v1/notes`). Invariants: pure and offline (no database); ordered (`BTreeMap`);
//! the rules are PostgreSQL's:
//! - without the privilege a command fails (42501): [`Reach::Denied`];
//! - with it, a table without RLS, or a role with BYPASSRLS, reaches every row ([`Reach::All`]);
//!   a table with RLS (enabled; the table owner is not a client role, so FORCE changes nothing for
//!   clients) reaches the rows its permissive policies for the role and command let through,
//!   narrowed by its restrictive ones: none when no permissive policy applies
//!   ([`Reach::NoRows`]), every row when one is `true` and no restrictive one applies;
//! - a view without `security_invoker` reads its tables as its owner, so RLS on them does not
//!   apply ([`Reach::All`], through the view); with `security_invoker` the caller's access to the
//!   tables it reads decides (the narrowest of them);
//! - every object needs USAGE on its schema first (`preset::privileges::schema_defaults`, then
//!   the model's `schemas: { … grants/revoke }`), else the command fails (42501);
//! - a function needs EXECUTE; a SECURITY DEFINER function runs as its owner ([`Reach::All`]);
//!   an invoker function runs with the caller's rights ([`Reach::Filtered`] by them); functions
//!   returning `trigger` cannot be called and are left out;
//! - partitions are tables of their own: a client can name them directly, with the privileges
//!   `preset::privileges` gives them; the migrations give them the parent's RLS flags and no policy, so
//!   with RLS on a partition shows clients no rows (snapshots older than that: RLS off).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::ir::{Model, Policy, PolicyCommand, Preset, QName};
use crate::preset::External;
use crate::preset::privileges::{Access, Api};

/// The privilege questions the matrix asks (answered by [`Access`]).
pub trait Privileges {
    /// Whether `role` (directly or through PUBLIC) holds `privilege` on the table or view.
    fn relation_allows(&self, rel: &QName, role: &str, privilege: &str) -> bool;
    /// Whether `role` (directly or through PUBLIC) may execute the function.
    fn function_allows(&self, f: &QName, role: &str) -> bool;
    /// Whether `role` (directly or through PUBLIC) may execute one overload.
    fn routine_allows(&self, f: &crate::ir::FnKey, role: &str) -> bool;
}

/// A privilege counts only with USAGE on the object's schema: without it PostgreSQL refuses to
/// look the object up (42501 `permission denied for schema`), whatever the object's grants.
impl Privileges for Access {
    fn relation_allows(&self, rel: &QName, role: &str, privilege: &str) -> bool {
        Access::relation_usable(self, rel, role, privilege)
    }

    fn function_allows(&self, f: &QName, role: &str) -> bool {
        Access::function_allows(self, f, role) && self.schema_usable(&f.schema, role)
    }

    fn routine_allows(&self, f: &crate::ir::FnKey, role: &str) -> bool {
        Access::routine_allows(self, f, role) && self.schema_usable(&f.name.schema, role)
    }
}

/// The effective access of the client roles (the API roles and the model's declared roles) to
/// every table, view and function of `model` (the preset's implicit grants from [`crate::preset::privileges`]).
pub fn matrix(model: &Model, external: &External) -> Matrix {
    matrix_with(model, &Api::with_service_role(model, external))
}

/// The effective access of the committed snapshot's model `old` on the platform the current
/// model `now` describes: the snapshot does not keep the `supabase:` settings or the API
/// audience (`lint: { exposed_schemas, client_roles }`), which describe the platform rather than
/// the schema, so a model read back from it is judged with the current ones. Without this every
/// table of an auto-exposing project looked closed before and open after (SC612 on each).
pub fn matrix_of_snapshot(old: &Model, now: &Model, external: &External) -> Matrix {
    matrix_with(old, &Api::with_service_role(now, external))
}

fn matrix_with(model: &Model, api: &Api) -> Matrix {
    let access = Access::of(model, api);
    let mut roles = api.client_roles.clone();
    for r in model.roles.keys() {
        if !roles.contains(r) {
            roles.push(r.clone());
        }
    }
    if roles.is_empty() {
        // No client role is known: everyone, through PUBLIC.
        roles.push("public".to_string());
    }
    let audience = Audience {
        roles,
        bypass_rls: if model.preset == Preset::Supabase {
            ["service_role".to_string()].into()
        } else {
            BTreeSet::new()
        },
        exposed: api.exposed_schemas.clone(),
    };
    Matrix::of(model, &access, &audience)
}

/// Who the matrix is about.
#[derive(Debug, Clone, Default)]
pub struct Audience {
    /// The client roles, in report order (`anon`, `authenticated`, `service_role`, declared
    /// roles).
    pub roles: Vec<String>,
    /// Roles with BYPASSRLS (`service_role` on Supabase).
    pub bypass_rls: BTreeSet<String>,
    /// Schemas the Data API exposes.
    pub exposed: BTreeSet<String>,
}

/// A command a client can run on an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Command {
    /// SELECT (`GET`).
    Select,
    /// INSERT (`POST`).
    Insert,
    /// UPDATE (`PATCH`).
    Update,
    /// DELETE (`DELETE`).
    Delete,
    /// EXECUTE (`POST /rpc/…`).
    Execute,
}

impl Command {
    /// The table commands, in report order.
    pub const TABLE: [Command; 4] = [
        Command::Select,
        Command::Insert,
        Command::Update,
        Command::Delete,
    ];

    /// The privilege the command needs.
    pub fn privilege(self) -> &'static str {
        match self {
            Command::Select => "select",
            Command::Insert => "insert",
            Command::Update => "update",
            Command::Delete => "delete",
            Command::Execute => "execute",
        }
    }

    fn http(self) -> &'static str {
        match self {
            Command::Select => "GET",
            Command::Insert | Command::Execute => "POST",
            Command::Update => "PATCH",
            Command::Delete => "DELETE",
        }
    }

    fn policy(self) -> PolicyCommand {
        match self {
            Command::Select | Command::Execute => PolicyCommand::Select,
            Command::Insert => PolicyCommand::Insert,
            Command::Update => PolicyCommand::Update,
            Command::Delete => PolicyCommand::Delete,
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.privilege().to_uppercase())
    }
}

/// How far a role gets with a command. Ordered from closed to open.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "reach", content = "by")]
pub enum Reach {
    /// No privilege: the command fails with `permission denied` (42501).
    Denied,
    /// Privilege, but RLS lets no row through (no permissive policy for the role and command).
    NoRows,
    /// The rows the conditions let through (`permissive: p1 | p2`, `restrictive: r1`, or the
    /// object it goes through).
    Filtered(Vec<String>),
    /// Every row (no RLS, BYPASSRLS, an always-true policy, a definer view or function).
    All(String),
}

impl Reach {
    /// Whether the command can succeed at all.
    pub fn open(&self) -> bool {
        !matches!(self, Reach::Denied | Reach::NoRows)
    }

    fn rank(&self) -> u8 {
        match self {
            Reach::Denied => 0,
            Reach::NoRows => 1,
            Reach::Filtered(_) => 2,
            Reach::All(_) => 3,
        }
    }
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reach::Denied => f.write_str("denied"),
            Reach::NoRows => f.write_str("no rows"),
            Reach::Filtered(by) => write!(f, "rows where {}", by.join("; ")),
            Reach::All(why) => write!(f, "all rows ({why})"),
        }
    }
}

/// What kind of object a row of the matrix is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A table (or partition).
    Table,
    /// A view or materialized view.
    View,
    /// A function.
    Function,
}

/// One object's access: role → command → reach.
pub type Cells = BTreeMap<String, BTreeMap<Command, Reach>>;

/// The effective access of every client role to every table, view and function of a model.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Matrix {
    /// The roles, in report order.
    pub roles: Vec<String>,
    /// Per object: its kind, the schema is exposed, and its cells.
    pub objects: BTreeMap<QName, (Kind, bool, Cells)>,
}

/// The conditions of the policies for `role` and `cmd`: `Err(reason)` when they let every row
/// through, `Ok(None)` when no permissive policy applies, `Ok(Some(conditions))` otherwise.
fn policy_reach<'a>(
    policies: impl Iterator<Item = &'a Policy>,
    role: &str,
    cmd: PolicyCommand,
) -> Result<Option<Vec<String>>, String> {
    let applies = |p: &Policy| {
        (p.command == cmd || p.command == PolicyCommand::All)
            && (p.roles.is_empty()
                || p.roles
                    .iter()
                    .any(|r| r.value == "public" || r.value == role))
    };
    let clause = |p: &Policy| -> Option<String> {
        // USING decides which rows are seen, updated and deleted; WITH CHECK which are inserted.
        let c = if cmd == PolicyCommand::Insert {
            p.with_check.as_ref().or(p.using.as_ref())
        } else {
            p.using.as_ref().or(p.with_check.as_ref())
        };
        c.map(|c| c.value.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let always = |c: &Option<String>| c.as_deref().is_none_or(|c| c.eq_ignore_ascii_case("true"));
    let mut permissive = Vec::new();
    let mut restrictive = Vec::new();
    let mut open_by = None;
    for p in policies.filter(|p| applies(p)) {
        let c = clause(p);
        if p.permissive {
            if always(&c) && open_by.is_none() {
                open_by = Some(format!("policy `{}` is always true", p.name));
            }
            permissive.push(format!(
                "{} `{}`",
                p.name,
                c.unwrap_or_else(|| "true".into())
            ));
        } else if !always(&c) {
            restrictive.push(format!("{} `{}`", p.name, c.unwrap_or_default()));
        }
    }
    if permissive.is_empty() {
        return Ok(None);
    }
    if let Some(why) = open_by
        && restrictive.is_empty()
    {
        return Err(why);
    }
    let mut out = vec![format!("permissive: {}", permissive.join(" | "))];
    if !restrictive.is_empty() {
        out.push(format!("restrictive: {}", restrictive.join(" & ")));
    }
    Ok(Some(out))
}

impl Matrix {
    /// The matrix of `model`.
    pub fn of(model: &Model, privileges: &dyn Privileges, audience: &Audience) -> Matrix {
        let mut m = Matrix {
            roles: audience.roles.clone(),
            objects: BTreeMap::new(),
        };
        for (name, t) in &model.tables {
            let mut cells = Cells::new();
            for role in &audience.roles {
                let mut row = BTreeMap::new();
                for cmd in Command::TABLE {
                    let reach = if !privileges.relation_allows(name, role, cmd.privilege()) {
                        Reach::Denied
                    } else if audience.bypass_rls.contains(role) {
                        Reach::All(format!("`{role}` bypasses RLS"))
                    } else if !t.rls.enabled {
                        Reach::All("RLS is off".into())
                    } else {
                        match policy_reach(t.policies.values().map(|p| &**p), role, cmd.policy()) {
                            Err(why) => Reach::All(why),
                            Ok(None) => Reach::NoRows,
                            Ok(Some(by)) => Reach::Filtered(by),
                        }
                    };
                    row.insert(cmd, reach);
                }
                cells.insert(role.clone(), row);
            }
            m.objects.insert(
                name.clone(),
                (Kind::Table, audience.exposed.contains(&name.schema), cells),
            );
            // Partitions: their own privileges, and a query that names a partition does not
            // apply the parent's policies. The migrations give a protected partition its
            // parent's RLS flags and no policy of its own, so with RLS on it shows clients no
            // rows; a partition from a snapshot older than that protection has RLS off.
            let partition_rls = t.rls.enabled && t.partition.as_ref().is_some_and(|p| p.protected);
            for part in t.partition.iter().flat_map(|p| p.partitions.values()) {
                let mut cells = Cells::new();
                for role in &audience.roles {
                    let mut row = BTreeMap::new();
                    for cmd in Command::TABLE {
                        let reach =
                            if !privileges.relation_allows(&part.name, role, cmd.privilege()) {
                                Reach::Denied
                            } else if audience.bypass_rls.contains(role) {
                                Reach::All(format!("`{role}` bypasses RLS"))
                            } else if partition_rls {
                                Reach::NoRows
                            } else {
                                Reach::All(format!("partition of `{name}` without RLS"))
                            };
                        row.insert(cmd, reach);
                    }
                    cells.insert(role.clone(), row);
                }
                m.objects.insert(
                    part.name.clone(),
                    (
                        Kind::Table,
                        audience.exposed.contains(&part.name.schema),
                        cells,
                    ),
                );
            }
        }
        // Views read the cells of the tables and views they read: in dependency order (a view
        // whose views are all done, by name; a cycle, which validation rejects, by name).
        let mut pending: Vec<&QName> = model.views.keys().collect();
        let mut ordered: Vec<&QName> = Vec::with_capacity(pending.len());
        while !pending.is_empty() {
            let ready = pending.iter().position(|q| {
                model.views.get(*q).is_some_and(|v| {
                    v.depends_on
                        .iter()
                        .all(|d| !model.views.contains_key(d) || ordered.contains(&d))
                })
            });
            ordered.push(pending.remove(ready.unwrap_or(0)));
        }
        for (name, v) in ordered
            .into_iter()
            .filter_map(|q| model.views.get(q).map(|v| (q, v)))
        {
            let mut cells = Cells::new();
            for role in &audience.roles {
                let mut row = BTreeMap::new();
                for cmd in Command::TABLE {
                    let reach = if !privileges.relation_allows(name, role, cmd.privilege()) {
                        Reach::Denied
                    } else if v.materialized {
                        if cmd == Command::Select {
                            Reach::All("a materialized view has no RLS".into())
                        } else {
                            Reach::Denied
                        }
                    } else if !v.security_invoker {
                        Reach::All("the view reads its tables as its owner".into())
                    } else {
                        let mut narrowest: Option<Reach> = None;
                        for dep in &v.depends_on {
                            let Some((_, _, dc)) = m.objects.get(dep) else {
                                continue;
                            };
                            let Some(r) = dc.get(role).and_then(|r| r.get(&cmd)) else {
                                continue;
                            };
                            let r = match r {
                                Reach::Filtered(_) => {
                                    Reach::Filtered(vec![format!("through `{dep}`'s policies")])
                                }
                                other => other.clone(),
                            };
                            if narrowest.as_ref().is_none_or(|n| r.rank() < n.rank()) {
                                narrowest = Some(r);
                            }
                        }
                        narrowest.unwrap_or_else(|| {
                            Reach::All("the view reads no table of the model".into())
                        })
                    };
                    row.insert(cmd, reach);
                }
                cells.insert(role.clone(), row);
            }
            m.objects.insert(
                name.clone(),
                (Kind::View, audience.exposed.contains(&name.schema), cells),
            );
        }
        for (key, f) in &model.functions {
            // An overloaded name has one row per overload, named by its signature.
            let name = &if model.functions_named(&key.name).nth(1).is_some() {
                QName::new(
                    &key.name.schema,
                    format!("{}({})", key.name.name, key.args.join(", ")),
                )
            } else {
                key.name.clone()
            };
            let returns = f.returns.value.trim();
            if returns.eq_ignore_ascii_case("trigger")
                || returns.eq_ignore_ascii_case("event_trigger")
            {
                continue;
            }
            let mut cells = Cells::new();
            for role in &audience.roles {
                let reach = if !privileges.routine_allows(key, role) {
                    Reach::Denied
                } else if f.security_definer {
                    Reach::All("SECURITY DEFINER: runs as its owner".into())
                } else {
                    Reach::Filtered(vec!["the caller's own access".into()])
                };
                cells.insert(role.clone(), [(Command::Execute, reach)].into());
            }
            m.objects.insert(
                name.clone(),
                (
                    Kind::Function,
                    audience.exposed.contains(&name.schema),
                    cells,
                ),
            );
        }
        m
    }
}

/// How one cell changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    /// Closed before, open now.
    Opened,
    /// Open before, more rows now (or different conditions that may let more through).
    Widened,
    /// Open before and now, fewer rows now.
    Narrowed,
    /// Open before, closed now.
    Closed,
}

impl Movement {
    /// Whether the change gives a client more than before (needs an acknowledgement).
    pub fn widens(self) -> bool {
        matches!(self, Movement::Opened | Movement::Widened)
    }
}

impl fmt::Display for Movement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Movement::Opened => "opened",
            Movement::Widened => "widened",
            Movement::Narrowed => "narrowed",
            Movement::Closed => "closed",
        })
    }
}

/// One changed cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delta {
    /// The object.
    pub object: QName,
    /// Its kind.
    pub kind: Kind,
    /// The role.
    pub role: String,
    /// The command.
    pub command: Command,
    /// How it moved.
    pub movement: Movement,
    /// Before.
    pub before: Reach,
    /// Now.
    pub after: Reach,
    /// How a client would use it (`GET /rest/v1/notes`, or `SQL` outside the exposed schemas).
    pub path: String,
}

/// The path a client uses for `cmd` on `object`.
pub fn path(object: &QName, kind: Kind, exposed: bool, cmd: Command) -> String {
    if !exposed {
        return format!("SQL {cmd} on {object} (schema not exposed)");
    }
    let profile = if object.schema == "public" {
        String::new()
    } else {
        format!(" (profile `{}`)", object.schema)
    };
    match kind {
        Kind::Function => format!("POST /rest/v1/rpc/{}{profile}", object.name),
        _ => format!("{} /rest/v1/{}{profile}", cmd.http(), object.name),
    }
}

fn movement(before: &Reach, after: &Reach) -> Option<Movement> {
    if before == after {
        return None;
    }
    Some(match (before.open(), after.open()) {
        (false, true) => Movement::Opened,
        (true, false) => Movement::Closed,
        (false, false) => {
            // Denied ↔ no rows: neither reaches a row.
            return None;
        }
        (true, true) => match (before, after) {
            (Reach::Filtered(_), Reach::All(_)) => Movement::Widened,
            (Reach::All(_), Reach::Filtered(_)) => Movement::Narrowed,
            (Reach::All(_), Reach::All(_)) => return None,
            (Reach::Filtered(b), Reach::Filtered(a)) => {
                let set = |v: &Vec<String>, kind: &str, sep: &str| -> BTreeSet<String> {
                    v.iter()
                        .filter_map(|s| s.strip_prefix(kind))
                        .flat_map(|s| s.split(sep))
                        .map(str::to_string)
                        .collect()
                };
                let (bp, ap) = (set(b, "permissive: ", " | "), set(a, "permissive: ", " | "));
                let (br, ar) = (
                    set(b, "restrictive: ", " & "),
                    set(a, "restrictive: ", " & "),
                );
                if ap.is_subset(&bp) && br.is_subset(&ar) {
                    Movement::Narrowed
                } else {
                    // More permissive conditions, fewer restrictive ones, or rewritten ones.
                    Movement::Widened
                }
            }
            _ => return None,
        },
    })
}

/// The cells that changed from `before` to `after`, by object, role and command. An object
/// that is new counts as closed before; one that is gone as closed now.
pub fn diff(before: &Matrix, after: &Matrix) -> Vec<Delta> {
    let mut out = Vec::new();
    let names: BTreeSet<&QName> = before.objects.keys().chain(after.objects.keys()).collect();
    let closed = Reach::Denied;
    for name in names {
        let b = before.objects.get(name);
        let a = after.objects.get(name);
        let Some((kind, exposed, _)) = a.or(b) else {
            continue;
        };
        let roles: BTreeSet<&String> = after.roles.iter().chain(before.roles.iter()).collect();
        for role in roles {
            let cell = |m: Option<&(Kind, bool, Cells)>, cmd: Command| -> Reach {
                m.and_then(|(_, _, c)| c.get(role.as_str()))
                    .and_then(|r| r.get(&cmd))
                    .cloned()
                    .unwrap_or_else(|| closed.clone())
            };
            let cmds: &[Command] = if *kind == Kind::Function {
                &[Command::Execute]
            } else {
                &Command::TABLE
            };
            for cmd in cmds {
                let (from, to) = (cell(b, *cmd), cell(a, *cmd));
                if let Some(movement) = movement(&from, &to) {
                    out.push(Delta {
                        object: name.clone(),
                        kind: *kind,
                        role: role.clone(),
                        command: *cmd,
                        movement,
                        path: path(name, *kind, *exposed, *cmd),
                        before: from,
                        after: to,
                    });
                }
            }
        }
    }
    out
}

/// The access diff as text for `schemac plan` (one line per change; empty when nothing moved).
pub fn human(deltas: &[Delta]) -> String {
    let mut s = String::new();
    if deltas.is_empty() {
        return s;
    }
    s.push_str("access changes (effective access of the client roles, from the model):\n");
    for d in deltas {
        s.push_str(&format!(
            "  {:<9} {} {} on {}: {} -> {}\n      {}\n",
            d.movement, d.role, d.command, d.object, d.before, d.after, d.path
        ));
    }
    s
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The access diff as Markdown for a pull-request comment.
pub fn markdown(deltas: &[Delta]) -> String {
    let mut s = String::from("### Access changes\n\n");
    if deltas.is_empty() {
        s.push_str("No client role gains or loses access.\n");
        return s;
    }
    let widen = deltas.iter().filter(|d| d.movement.widens()).count();
    s.push_str(&format!(
        "{} change{}, {} widening access (each needs an acknowledgement).\n\n",
        deltas.len(),
        if deltas.len() == 1 { "" } else { "s" },
        widen
    ));
    s.push_str(
        "| | role | command | object | path | before | after |\n|---|---|---|---|---|---|---|\n",
    );
    for d in deltas {
        let mark = if d.movement.widens() { "⚠️ " } else { "" };
        s.push_str(&format!(
            "| {mark}{} | `{}` | {} | `{}` | `{}` | {} | {} |\n",
            d.movement,
            d.role,
            d.command,
            d.object,
            d.path,
            md_cell(&d.before.to_string()),
            md_cell(&d.after.to_string())
        ));
    }
    s
}
