//! Derived access tests: the isolation tests an owner-style policy implies.
//!
//! Input: the model, the preset's objects and the effective privileges. Output: for every table
//! with RLS enabled and an owner-style policy (`owner = (select auth.uid())`, `auth.uid() = owner`,
//! or `owner = current_setting('app.…')::type`), a test `derived_owner_isolation` — user A sees
//! their own row and cannot see, update or delete user B's — and, on Supabase, a test
//! `derived_service_role_bypass` — `service_role` sees both rows. Rows are synthesized: columns
//! with a default, identity, generation or NULL allowed are left out; required foreign keys get a
//! synthesized parent row; other required columns get a value of their type (the first literal of
//! an `IN (…)` check on text columns). Invariants: pure; deterministic values (fixed user ids,
//! counters); a table whose required columns cannot be synthesized gets no derived test, and
//! [`Derived::skipped`] says why.
//!
//! Every table with RLS enabled and permissive policies also gets `derived_grants`: for each
//! role a policy names and each command it covers, `EXPLAIN <command>` as that role must pass
//! PostgreSQL's privilege checks (tables, columns and the functions the policy calls), so each
//! access the policies declare is proven to work through the grants — on Supabase against the
//! stand-in in the project's mode (secure by default unless `auto_expose_new_tables`).

use std::collections::BTreeMap;

use crate::ir::access_test::{
    AccessTest, DerivedOptOut, Expectation, FixtureRows, Row, TestIdentity, TestKind, TestStep,
};
use crate::ir::{Model, Policy, PolicyCommand, Preset, QName, Sp, Table};
use crate::preset::External;
use crate::preset::privileges::{Access, Api};
use crate::source::Span;
use crate::sql::ident::quote_literal;

/// User A's id in derived tests.
pub const USER_A: &str = "00000000-0000-4000-8000-00000000000a";
/// User B's id in derived tests.
pub const USER_B: &str = "00000000-0000-4000-8000-00000000000b";

/// What [`derive`] returns.
#[derive(Debug, Default)]
pub struct Derived<'a> {
    /// The tests.
    pub tests: Vec<AccessTest>,
    /// Tables with an owner-style policy that got no test, and why.
    pub skipped: Vec<(QName, String)>,
    /// The opt-outs that turned a derived test off.
    pub opted_out: Vec<&'a DerivedOptOut>,
}

/// How a policy identifies the owner.
#[derive(Debug, Clone, PartialEq)]
struct Owner {
    column: String,
    /// `None`: Supabase `auth.uid()`; `Some(name)`: a `current_setting(name)` setting.
    setting: Option<String>,
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect::<String>()
        .to_ascii_lowercase()
}

fn is_column(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// The user-id side of an owner comparison, squashed: `selectauth.uid`, `auth.uid`, or
/// `[select]current_setting'name'[,true][::type]`.
fn user_side(s: &str) -> Option<Option<String>> {
    let s = s.strip_prefix("select").unwrap_or(s);
    if s == "auth.uid" {
        return Some(None);
    }
    let rest = s.strip_prefix("current_setting'")?;
    let end = rest.find('\'')?;
    let name = rest.get(..end)?.to_string();
    let tail = rest.get(end + 1..)?;
    let tail = tail.strip_prefix(",true").unwrap_or(tail);
    if tail.is_empty() || tail.starts_with("::") {
        Some(Some(name))
    } else {
        None
    }
}

/// Whether `expr` is `column = <current user>` (either way round), and which column.
fn owner_of(expr: &str) -> Option<Owner> {
    let s = squash(expr);
    let (l, r) = s.split_once('=')?;
    if r.contains('=') || l.ends_with(['<', '>', '!']) {
        return None;
    }
    for (col, user) in [(l, r), (r, l)] {
        if is_column(col)
            && let Some(setting) = user_side(user)
        {
            return Some(Owner {
                column: col.to_string(),
                setting,
            });
        }
    }
    None
}

/// The owner-style policy of a table: a permissive policy whose USING (or WITH CHECK) compares a
/// column with the current user; SELECT and ALL policies first. Every command is then tested,
/// so a sibling policy that lets more through (`using: true`) is caught too.
fn owner_policy(t: &Table) -> Option<(&Policy, Owner)> {
    let rank = |p: &Policy| match p.command {
        PolicyCommand::Select | PolicyCommand::All => 0,
        _ => 1,
    };
    let mut policies: Vec<&Policy> = t
        .policies
        .values()
        .map(|p| &**p)
        .filter(|p| p.permissive)
        .collect();
    policies.sort_by_key(|p| rank(p));
    policies.into_iter().find_map(|p| {
        let o = [&p.using, &p.with_check]
            .into_iter()
            .flatten()
            .find_map(|e| owner_of(&e.value))?;
        t.columns.contains_key(&o.column).then_some((p, o))
    })
}

/// Whether `expr` compares the owner column with the current user anywhere (an owner-style
/// policy, or one that widens it, as `user_id = (select auth.uid()) or true` does: the derived
/// test then catches the widening).
fn mentions_owner(expr: &str, owner: &Owner) -> bool {
    // Lower-cased, without parentheses, with a space kept only between two word characters.
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut s = String::with_capacity(expr.len());
    let mut pending = false;
    for c in expr
        .to_ascii_lowercase()
        .chars()
        .filter(|c| *c != '(' && *c != ')')
    {
        if c.is_whitespace() {
            pending = true;
            continue;
        }
        if pending && word(c) && s.chars().last().is_some_and(word) {
            s.push(' ');
        }
        pending = false;
        s.push(c);
    }
    let col = owner.column.to_ascii_lowercase();
    let users: Vec<String> = match &owner.setting {
        None => vec!["auth.uid".to_string(), "select auth.uid".to_string()],
        Some(name) => {
            let name = name.to_ascii_lowercase();
            vec![
                format!("current_setting'{name}'"),
                format!("select current_setting'{name}'"),
            ]
        }
    };
    let column_at = |i: usize| {
        !s.get(..i)
            .and_then(|b| b.chars().last())
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let column_ends = |end: usize| {
        !s.get(end..)
            .and_then(|r| r.chars().next())
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    users.iter().any(|u| {
        s.match_indices(&format!("{col}={u}"))
            .any(|(i, _)| column_at(i))
            || s.match_indices(u.as_str()).any(|(i, m)| {
                let rest = s.get(i + m.len()..).unwrap_or("");
                // `auth.uid = col`, `current_setting'x',true::uuid = col`
                let rest = rest.split_once('=');
                rest.is_some_and(|(before, after)| {
                    !before.contains(['&', '|', '<', '>', '!', ' '])
                        && after.starts_with(col.as_str())
                        && column_ends(s.len() - after.len() + col.len())
                })
            })
    })
}

/// The commands whose every permissive policy for `role` is owner-style on `owner`, or that no
/// permissive policy grants (RLS then denies them): only for those do the policies imply that
/// user A cannot reach user B's row. A membership SELECT policy
/// next to an owner-style DELETE policy implies isolation for DELETE only.
fn implied(t: &Table, role: &str, owner: &Owner) -> Implied {
    let applies = |p: &Policy| {
        p.roles.is_empty()
            || p.roles
                .iter()
                .any(|r| r.value == "public" || r.value == role)
    };
    let owner_only = |cmd: PolicyCommand| {
        let mut any = false;
        for p in t.policies.values() {
            if !p.permissive
                || !applies(p)
                || !(p.command == cmd || p.command == PolicyCommand::All)
            {
                continue;
            }
            any = true;
            // USING decides which rows are seen, updated and deleted.
            let Some(using) = &p.using else {
                return Some(false);
            };
            if !mentions_owner(&using.value, owner) {
                return Some(false);
            }
        }
        // No policy: RLS denies the command to everyone, so isolation holds too.
        any.then_some(true)
    };
    let restricted = |cmd: PolicyCommand| {
        t.policies.values().any(|p| {
            !p.permissive && applies(p) && (p.command == cmd || p.command == PolicyCommand::All)
        })
    };
    let select = owner_only(PolicyCommand::Select);
    Implied {
        select: select != Some(false),
        own_visible: select == Some(true) && !restricted(PolicyCommand::Select),
        update: owner_only(PolicyCommand::Update) != Some(false),
        delete: owner_only(PolicyCommand::Delete) != Some(false),
    }
}

/// Which isolation steps the policies imply (see [`implied`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Implied {
    select: bool,
    /// Also no restrictive SELECT policy, so user A's own row must be visible.
    own_visible: bool,
    update: bool,
    delete: bool,
}

struct Synth<'a> {
    model: &'a Model,
    external: &'a External,
    counter: u64,
    out: Vec<FixtureRows>,
}

fn first_in_literal(expr: &str) -> Option<String> {
    let lower = expr.to_ascii_lowercase();
    let at = lower.find(" in ")?;
    let rest = expr.get(at..)?;
    let start = rest.find('\'')? + 1;
    let len = rest.get(start..)?.find('\'')?;
    rest.get(start..start + len).map(str::to_string)
}

impl Synth<'_> {
    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn value_of(&mut self, t: &Table, col: &str, ty: &str) -> Option<String> {
        let n = self.next();
        if let Some(v) = t
            .checks
            .iter()
            .filter(|c| c.column.as_deref() == Some(col))
            .find_map(|c| first_in_literal(&c.expr.value))
        {
            return Some(v);
        }
        if let Some(e) = self
            .model
            .enums
            .iter()
            .find(|(q, _)| ty == q.to_string() || ty == q.name)
        {
            return e.1.values.first().map(|v| v.value.clone());
        }
        let base = ty.split('(').next().unwrap_or(ty).trim();
        if ty.ends_with("[]") {
            return Some("{}".to_string());
        }
        // A value a declared data row already holds in this column (a seeded key) would make the
        // synthesized row collide with it: take the next one.
        let seeded = |v: &str| {
            t.data.as_ref().is_some_and(|d| {
                d.rows.iter().any(|r| {
                    r.values
                        .get(col)
                        .is_some_and(|x| x.value.literal(ty).as_deref() == Some(v))
                })
            })
        };
        let mut n = n;
        for _ in 0..1000 {
            let v = synthesized(base, ty, col, n)?;
            if !seeded(&v) {
                return Some(v);
            }
            n = self.next();
        }
        None
    }

    /// Push rows (parents first) for a row of `table` with `fixed` values; `Err` names a column
    /// that cannot be synthesized.
    fn row(
        &mut self,
        table: &QName,
        fixed: &BTreeMap<String, String>,
        depth: u32,
    ) -> Result<(), String> {
        if depth > 8 {
            return Err(format!("foreign keys of `{table}` nest too deep"));
        }
        let Some(t) = self.model.tables.get(table) else {
            // A platform table (auth.users): its key, and an email when it has one.
            let mut row: Row = fixed
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect();
            if let Some(cols) = self.external.tables.get(table)
                && cols.iter().any(|(c, _)| c == "email")
                && !fixed.contains_key("email")
            {
                let id = fixed.values().next().cloned().unwrap_or_default();
                let local: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
                row.push(("email".into(), Some(format!("{local}@example.test"))));
            }
            self.push(table, row);
            return Ok(());
        };
        let mut row: Row = Vec::new();
        for (name, col) in &t.columns {
            if let Some(v) = fixed.get(name) {
                row.push((name.clone(), Some(v.clone())));
                continue;
            }
            let fk = t.foreign_keys.iter().find(|fk| {
                fk.columns.len() == 1 && fk.columns.first().is_some_and(|c| c.value == *name)
            });
            let optional = col.nullable
                || col.default.is_some()
                || col.identity.is_some()
                || col.generated.is_some();
            if optional {
                continue;
            }
            if let Some(fk) = fk {
                let target_col = fk
                    .target_columns
                    .first()
                    .map(|c| c.value.clone())
                    .unwrap_or_else(|| "id".to_string());
                let v = self
                    .value_of(t, name, &col.type_sql)
                    .ok_or_else(|| format!("no value for column `{}.{name}`", table.name))?;
                let parent: BTreeMap<String, String> = [(target_col, v.clone())].into();
                self.row(&fk.target, &parent, depth + 1)?;
                row.push((name.clone(), Some(v)));
                continue;
            }
            let v = self.value_of(t, name, &col.type_sql).ok_or_else(|| {
                format!(
                    "no value for column `{}.{name}` of type `{}`",
                    table.name, col.type_sql
                )
            })?;
            row.push((name.clone(), Some(v)));
        }
        // Required parents of the fixed columns too (the owner column's user, …).
        for fk in &t.foreign_keys {
            if let ([c], [tc]) = (fk.columns.as_slice(), fk.target_columns.as_slice())
                && let Some(v) = fixed.get(&c.value)
            {
                let parent: BTreeMap<String, String> = [(tc.value.clone(), v.clone())].into();
                self.row(&fk.target, &parent, depth + 1)?;
            }
        }
        self.push(table, row);
        Ok(())
    }

    fn push(&mut self, table: &QName, row: Row) {
        let name = table.to_string();
        self.out.push(FixtureRows {
            table: Sp::new(name, crate::source::Span::default()),
            rows: vec![row],
        });
    }
}

fn select_where(table: &QName, col: &str, values: &[&str]) -> String {
    let list: Vec<String> = values.iter().map(|v| quote_literal(v)).collect();
    format!(
        "select * from {table} where {} in ({})",
        crate::sql::ident::quote_ident(col),
        list.join(", ")
    )
}

/// Derive the isolation tests of the model.
pub fn derive<'a>(model: &'a Model, external: &External) -> Derived<'a> {
    let mut out = Derived::default();
    let api = Api::with_service_role(model, external);
    let access = Access::of(model, &api);
    grant_tests(model, &api, &mut out);
    let opted_out = |table: &QName, test: &str| {
        model
            .derived_opt_outs
            .iter()
            .find(|o| o.table == *table && o.test.as_deref().is_none_or(|t| t == test))
    };
    for (name, t) in &model.tables {
        if !t.rls.enabled || t.partition.is_some() {
            continue;
        }
        let Some((policy, owner)) = owner_policy(t) else {
            continue;
        };
        let skip_isolation = opted_out(name, "derived_owner_isolation");
        let skip_bypass = opted_out(name, "derived_service_role_bypass");
        for o in [skip_isolation, skip_bypass].into_iter().flatten() {
            if !out.opted_out.iter().any(|x| std::ptr::eq(*x, o)) {
                out.opted_out.push(o);
            }
        }
        if skip_isolation.is_some() && skip_bypass.is_some() {
            continue;
        }
        if model.preset != Preset::Supabase && owner.setting.is_none() {
            continue;
        }
        let Some(role) = policy
            .roles
            .iter()
            .map(|r| r.value.clone())
            .find(|r| r != "public")
            .or_else(|| (model.preset == Preset::Supabase).then(|| "authenticated".to_string()))
        else {
            out.skipped.push((
                name.clone(),
                format!(
                    "policy `{}` applies to PUBLIC; name a role to derive tests",
                    policy.name
                ),
            ));
            continue;
        };
        let mut synth = Synth {
            model,
            external,
            counter: 0,
            out: Vec::new(),
        };
        let mut failed = None;
        for user in [USER_A, USER_B] {
            let fixed: BTreeMap<String, String> = [(owner.column.clone(), user.to_string())].into();
            if let Err(e) = synth.row(name, &fixed, 0) {
                failed = Some(e);
            }
        }
        if let Some(e) = failed {
            out.skipped.push((name.clone(), e));
            continue;
        }
        let identity = |user: &str| TestIdentity {
            role: Some(Sp::new(role.clone(), policy.origin)),
            user: Some(Sp::new(user.to_string(), policy.origin)),
            claims: Vec::new(),
            settings: owner
                .setting
                .iter()
                .map(|s| (s.clone(), user.to_string()))
                .collect(),
            span: policy.origin,
        };
        let sp = |s: String| Sp::new(s, policy.origin);
        let step = |sql: String, expect: Expectation| TestStep {
            sql: sp(sql),
            identity: None,
            expect,
            origin: policy.origin,
        };
        let col = crate::sql::ident::quote_ident(&owner.column);
        let implied = implied(t, &role, &owner);
        let mut steps = Vec::new();
        if implied.own_visible && access.relation_allows(name, &role, "select") {
            steps.push(step(
                select_where(name, &owner.column, &[USER_A]),
                Expectation::RowCount(1),
            ));
        }
        if implied.select {
            steps.push(step(
                select_where(name, &owner.column, &[USER_B]),
                Expectation::Denied,
            ));
        }
        if implied.update {
            steps.push(step(
                format!(
                    "update {name} set {col} = {col} where {col} = {}",
                    quote_literal(USER_B)
                ),
                Expectation::Denied,
            ));
        }
        if implied.delete {
            steps.push(step(
                format!("delete from {name} where {col} = {}", quote_literal(USER_B)),
                Expectation::Denied,
            ));
        }
        if skip_isolation.is_none() && steps.is_empty() {
            out.skipped.push((
                name.clone(),
                format!(
                    "policy `{}` is owner-style, but no command's policies for `{role}` are all owner-style, so they imply no isolation",
                    policy.name
                ),
            ));
        }
        if skip_isolation.is_none() && !steps.is_empty() {
            out.tests.push(AccessTest {
            name: "derived_owner_isolation".to_string(),
            table: name.clone(),
            kind: TestKind::Derived,
            description: Some(format!(
                "policy `{}`: a user sees their own row of `{}` and cannot see, update or delete another user's",
                policy.name, name
            )),
            fixtures: synth.out.clone(),
            setup: Vec::new(),
            identity: Some(identity(USER_A)),
            steps,
            origin: policy.origin,
            });
        }
        if model.preset == Preset::Supabase
            && skip_bypass.is_none()
            && access.relation_allows(name, "service_role", "select")
        {
            out.tests.push(AccessTest {
                name: "derived_service_role_bypass".to_string(),
                table: name.clone(),
                kind: TestKind::Derived,
                description: Some(format!(
                    "`service_role` bypasses RLS on `{name}` and sees every user's rows"
                )),
                fixtures: synth.out,
                setup: Vec::new(),
                identity: Some(TestIdentity {
                    role: Some(sp("service_role".to_string())),
                    span: policy.origin,
                    ..TestIdentity::default()
                }),
                steps: vec![step(
                    select_where(name, &owner.column, &[USER_A, USER_B]),
                    Expectation::RowCount(2),
                )],
                origin: policy.origin,
            });
        }
    }
    out
}

/// The statement that exercises `cmd` on `t` without touching a row: `EXPLAIN` runs the
/// executor's privilege checks (and those of the functions the policies call) but not the plan.
/// Citus plans an INSERT into a hash-distributed table by its distribution column value and
/// refuses `default values` before the privilege checks run, so there the INSERT names that
/// column and selects no row (`select null where false`: planned, never routed).
fn explain(t: &Table, cmd: PolicyCommand) -> Option<String> {
    let name = &t.name;
    Some(match cmd {
        PolicyCommand::Select => format!("explain select from {name}"),
        PolicyCommand::Insert => match crate::ir::citus::distribution_column(t) {
            Some(col) => format!(
                "explain insert into {name} ({}) select null where false",
                crate::sql::ident::quote_ident(col)
            ),
            None => format!("explain insert into {name} default values"),
        },
        PolicyCommand::Update => {
            // Citus refuses to update the distribution column and, in an UPDATE of a
            // distributed table, volatile defaults (`gen_random_uuid()`): there a column that is
            // neither and has no default is set, when the table has one.
            let dist = crate::ir::citus::distribution_column(t);
            let settable = |c: &&crate::ir::Column| c.generated.is_none();
            let col = match dist {
                Some(d) => t
                    .columns
                    .values()
                    .filter(settable)
                    .find(|c| c.name != d && c.default.is_none())
                    .or_else(|| t.columns.values().find(settable)),
                None => t.columns.values().find(settable),
            }?;
            let col = crate::sql::ident::quote_ident(&col.name);
            format!("explain update {name} set {col} = default")
        }
        PolicyCommand::Delete => format!("explain delete from {name}"),
        PolicyCommand::All => return None,
    })
}

/// `derived_grants` of every table with RLS and permissive policies (see the module docs).
fn grant_tests(model: &Model, api: &Api, out: &mut Derived) {
    let known = |role: &str| {
        api.client_roles.iter().any(|r| r == role)
            || model.roles.contains_key(role)
            || (model.preset == Preset::Supabase && role == "service_role")
    };
    for t in model.tables.values() {
        if !t.rls.enabled {
            continue;
        }
        let mut pairs: Vec<(String, PolicyCommand, Span)> = Vec::new();
        for p in t.policies.values().filter(|p| p.permissive) {
            let roles: Vec<String> =
                if p.roles.is_empty() || p.roles.iter().any(|r| r.value == "public") {
                    api.client_roles.clone()
                } else {
                    p.roles
                        .iter()
                        .map(|r| r.value.clone())
                        .filter(|r| known(r))
                        .collect()
                };
            let commands: &[PolicyCommand] = match p.command {
                PolicyCommand::All => &[
                    PolicyCommand::Select,
                    PolicyCommand::Insert,
                    PolicyCommand::Update,
                    PolicyCommand::Delete,
                ],
                PolicyCommand::Select => &[PolicyCommand::Select],
                PolicyCommand::Insert => &[PolicyCommand::Insert],
                PolicyCommand::Update => &[PolicyCommand::Update],
                PolicyCommand::Delete => &[PolicyCommand::Delete],
            };
            for role in roles {
                for cmd in commands {
                    if !pairs.iter().any(|(r, c, _)| *r == role && c == cmd) {
                        pairs.push((role.clone(), *cmd, p.origin));
                    }
                }
            }
        }
        if pairs.is_empty() {
            continue;
        }
        let steps: Vec<TestStep> = pairs
            .iter()
            .filter_map(|(role, cmd, span)| {
                Some(TestStep {
                    sql: Sp::new(explain(t, *cmd)?, *span),
                    identity: Some(TestIdentity {
                        role: Some(Sp::new(role.clone(), *span)),
                        span: *span,
                        ..TestIdentity::default()
                    }),
                    expect: Expectation::Allowed,
                    origin: *span,
                })
            })
            .collect();
        let origin = pairs.first().map_or(t.origin, |(_, _, s)| *s);
        out.tests.push(AccessTest {
            name: "derived_grants".to_string(),
            table: t.name.clone(),
            kind: TestKind::Derived,
            description: Some(format!(
                "every role and command the policies of `{}` declare passes the privilege checks (EXPLAIN as the role)",
                t.name
            )),
            fixtures: Vec::new(),
            setup: Vec::new(),
            identity: None,
            steps,
            origin,
        });
    }
}

/// The synthesized value number `n` of column `col` of type `ty` (`base`: the type without
/// modifiers); `None` for a type schemac does not synthesize.
fn synthesized(base: &str, ty: &str, col: &str, n: u64) -> Option<String> {
    Some(match base {
        "uuid" => format!("00000000-0000-4000-9000-{n:012x}"),
        "text" | "character varying" | "character" | "citext" | "name" => {
            // Eight characters fit the usual length checks (`between 4 and 16`, `> 0`);
            // shorter only when the type's length says so.
            let limit: Option<usize> = ty
                .split_once('(')
                .and_then(|(_, r)| r.trim_end_matches(')').trim().parse().ok());
            if col.contains("email") {
                format!("user{n}@example.test")
            } else if limit.is_some_and(|l| l < 8) {
                format!("x{n}")
            } else {
                format!("test{n:04}")
            }
        }
        "smallint" | "integer" | "bigint" | "numeric" | "real" | "double precision" => {
            n.to_string()
        }
        "boolean" => "false".to_string(),
        "timestamp with time zone" | "timestamp without time zone" | "date" => {
            "2024-01-01".to_string()
        }
        "time without time zone" | "time with time zone" => "00:00".to_string(),
        "interval" => "1 hour".to_string(),
        "json" | "jsonb" => "{}".to_string(),
        "bytea" => "\\x00".to_string(),
        "inet" | "cidr" => "127.0.0.1".to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::owner_of;

    #[test]
    fn owner_comparison_is_found_inside_wider_policies() {
        let o = owner_of("(select auth.uid()) = user_id").unwrap();
        assert!(super::mentions_owner(
            "user_id = (select auth.uid()) or true",
            &o
        ));
        assert!(super::mentions_owner("auth.uid() = user_id", &o));
        assert!(super::mentions_owner(
            "(select auth.uid()) = user_id and x > 1",
            &o
        ));
        assert!(!super::mentions_owner(
            "team_id in (select private.my_team_ids())",
            &o
        ));
        assert!(!super::mentions_owner("true", &o));
        assert!(!super::mentions_owner("other_user_id = auth.uid()", &o));
    }

    #[test]
    fn owner_style_policies_are_recognised() {
        let o = owner_of("(select auth.uid()) = user_id").unwrap();
        assert_eq!((o.column.as_str(), o.setting), ("user_id", None));
        assert_eq!(owner_of("user_id = auth.uid()").unwrap().column, "user_id");
        let o =
            owner_of("owner_id = current_setting('app.current_user_id', true)::bigint").unwrap();
        assert_eq!(o.setting.as_deref(), Some("app.current_user_id"));
        assert!(owner_of("user_id <> (select auth.uid())").is_none());
        assert!(
            owner_of("session_id in (select s.id from s where s.user_id = auth.uid())").is_none()
        );
        assert!(owner_of("true").is_none());
    }

    /// On a Citus distributed table the statements name the distribution column (INSERT) and
    /// set a column that is neither it nor has a default (UPDATE): Citus refuses `default
    /// values` and volatile defaults at planning, before the privilege checks.
    #[test]
    fn grant_statements_on_a_distributed_table_plan_on_citus() {
        use crate::ir::PolicyCommand;
        let yaml = "version: 1\ntarget: citus\ntables:\n  t:\n    distribution: { column: org }\n    columns:\n      org: uuid\n      id: { type: uuid, default: gen_random_uuid() }\n      note: { type: text, nullable: true }\n    primary_key: [org, id]\n  plain:\n    columns:\n      id: { type: uuid, primary_key: true, default: gen_random_uuid() }\n";
        let compiled = crate::compile_sources(&[("m.yaml".to_string(), yaml.to_string())]);
        assert!(compiled.ok());
        let table = |n: &str| compiled.model.tables.values().find(|t| t.name.name == n);
        let t = table("t");
        let plain = table("plain");
        assert_eq!(
            t.and_then(|t| super::explain(t, PolicyCommand::Insert)),
            Some("explain insert into public.t (org) select null where false".to_string())
        );
        assert_eq!(
            t.and_then(|t| super::explain(t, PolicyCommand::Update)),
            Some("explain update public.t set note = default".to_string())
        );
        assert_eq!(
            plain.and_then(|t| super::explain(t, PolicyCommand::Insert)),
            Some("explain insert into public.plain default values".to_string())
        );
        assert_eq!(
            plain.and_then(|t| super::explain(t, PolicyCommand::Update)),
            Some("explain update public.plain set id = default".to_string())
        );
    }
}
