//! Split: a first migration too large for one transaction → several migrations, each within a
//! lock budget.
//!
//! Input: the model and its first migration ([`super::initial`]). Output: the migrations to
//! write, in order: the first migration itself when it fits ([`LOCK_BUDGET`]; small models keep
//! their bytes), otherwise consecutive pieces of its statements, each a transaction of its own.
//!
//! Why: PostgreSQL holds every lock a transaction takes until it ends, in a shared table of
//! `max_locks_per_transaction × (max_connections + max_prepared_transactions)` slots (about 6,400
//! on a stock server). One transaction creating 1,000 tables with their indexes, sequences and
//! TOAST tables runs out of them ("out of shared memory"). So a first migration is cut into
//! files that each lock at most [`LOCK_BUDGET`] objects, counted conservatively
//! ([`locks_of`]).
//!
//! Invariants: the pieces keep the statement order of the whole migration (each statement still
//! follows everything it needs, which earlier files committed); a table's step (its `CREATE
//! TABLE` and partitions) is never cut; each piece's down file undoes exactly that piece, given
//! that the later pieces were rolled back first: the objects the piece created are dropped in the
//! order of the whole down migration, and what it changed on objects of earlier pieces (indexes,
//! triggers, row level security, policies, privileges, publication membership, comments) is
//! undone first.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Model, QName};
use crate::sql::{CommentTarget, GrantObject, Stmt, function_signature};

use super::{Migration, Step};

/// The most locks one file of a first migration may take: about a third of a stock server's
/// lock table (64 × 100 connections), so a smaller server or other sessions still leave room.
pub const LOCK_BUDGET: usize = 2_000;

/// The first migration as the files to write: itself when it fits in [`LOCK_BUDGET`] locks,
/// otherwise in pieces that each do (see the module docs).
pub fn split_initial<'a>(model: &Model, whole: Migration<'a>) -> Vec<Migration<'a>> {
    split_with(model, whole, LOCK_BUDGET)
}

/// [`split_initial`] with another budget (tests use small ones).
pub fn split_with<'a>(model: &Model, whole: Migration<'a>, budget: usize) -> Vec<Migration<'a>> {
    let units = units(&whole.up);
    let mut pieces: Vec<Vec<usize>> = vec![Vec::new()];
    let mut held = Locks::default();
    for (i, unit) in units.iter().enumerate() {
        let mut more = Locks::of(model, unit.stmts, &held.created);
        let current_empty = pieces.last().is_none_or(Vec::is_empty);
        if held.count() + held.added_by(&more) > budget && !current_empty {
            pieces.push(Vec::new());
            held = Locks::default();
            more = Locks::of(model, unit.stmts, &held.created);
        }
        held.merge(more);
        if let Some(p) = pieces.last_mut() {
            p.push(i);
        }
    }
    if pieces.len() < 2 {
        return vec![whole];
    }
    let total = pieces.len();
    // Which piece made each object, to give its drop to that piece's down file.
    let mut made: BTreeMap<Key, usize> = BTreeMap::new();
    for (p, piece) in pieces.iter().enumerate() {
        for &u in piece {
            for stmt in units.get(u).map_or(&[][..], |x| x.stmts) {
                for key in creates(stmt) {
                    made.entry(key).or_insert(p);
                }
            }
        }
    }
    let dropped: BTreeSet<Key> = whole
        .down
        .iter()
        .flat_map(|s| &s.stmts)
        .filter_map(drops)
        .collect();
    let mut out = Vec::with_capacity(total);
    for (p, piece) in pieces.iter().enumerate() {
        let mut up: Vec<Step<'a>> = vec![Step {
            comment: format!(
                "Part {} of {total} of the first migration: one transaction each, so that none holds more than {budget} locks (apply them in order)",
                p + 1
            ),
            stmts: Vec::new(),
        }];
        let mut undo: Vec<Step<'a>> = Vec::new();
        for &u in piece {
            let Some(unit) = units.get(u) else { continue };
            let stmts: Vec<Stmt<'a>> = unit.stmts.to_vec();
            let mut inverse = Vec::new();
            for stmt in unit.stmts.iter().rev() {
                let own = owner(stmt).is_some_and(|o| made.get(&o) == Some(&p));
                let has_drop = creates(stmt).iter().any(|k| dropped.contains(k));
                if !own && !has_drop {
                    inverse.extend(undo_of(stmt));
                }
            }
            if !inverse.is_empty() {
                undo.push(Step {
                    comment: format!("Undo: {}", unit.comment),
                    stmts: inverse,
                });
            }
            match up.last_mut() {
                Some(last) if last.comment == unit.comment => last.stmts.extend(stmts),
                _ => up.push(Step {
                    comment: unit.comment.to_string(),
                    stmts,
                }),
            }
        }
        undo.reverse();
        let mut down = undo;
        for step in &whole.down {
            let stmts: Vec<Stmt<'a>> = step
                .stmts
                .iter()
                .filter(|s| drops(s).map_or(p == 0, |k| made.get(&k).copied().unwrap_or(0) == p))
                .cloned()
                .collect();
            if !stmts.is_empty() {
                down.push(Step {
                    comment: step.comment.clone(),
                    stmts,
                });
            }
        }
        out.push(Migration {
            settings: whole.settings.clone(),
            up,
            down,
            non_transactional: false,
        });
    }
    out
}

/// The pieces a first migration may be cut between: a table's step whole, any other statement
/// on its own.
struct Unit<'s, 'a> {
    comment: &'s str,
    stmts: &'s [Stmt<'a>],
}

fn units<'s, 'a>(steps: &'s [Step<'a>]) -> Vec<Unit<'s, 'a>> {
    let mut out = Vec::new();
    for step in steps {
        if matches!(step.stmts.first(), Some(Stmt::CreateTable { .. })) {
            out.push(Unit {
                comment: &step.comment,
                stmts: &step.stmts,
            });
        } else {
            out.extend(step.stmts.chunks(1).map(|stmts| Unit {
                comment: &step.comment,
                stmts,
            }));
        }
    }
    out
}

/// The locks a transaction holds, counted conservatively: every relation it creates or touches
/// once (with the TOAST table and its index of a new table, its sequences and the indexes of its
/// constraints), and one for every other object it creates or comments on.
#[derive(Debug, Clone, Default)]
struct Locks<'s> {
    relations: BTreeSet<&'s QName>,
    /// Tables this transaction creates: their indexes are counted with them (see [`locks_of`]).
    created: BTreeSet<&'s QName>,
    other: usize,
}

impl<'s> Locks<'s> {
    /// The locks of `stmts` alone, in a transaction that already created the tables `created`.
    fn of(model: &Model, stmts: &'s [Stmt], created: &BTreeSet<&'s QName>) -> Locks<'s> {
        let mut out = Locks::default();
        for stmt in stmts {
            locks_of(model, stmt, &mut out, created);
        }
        out
    }

    fn count(&self) -> usize {
        self.relations.len() + self.other
    }

    /// How many locks `more` adds to these.
    fn added_by(&self, more: &Locks<'s>) -> usize {
        let new = more
            .relations
            .iter()
            .filter(|r| !self.relations.contains(*r))
            .count();
        new + more.other
    }

    fn merge(&mut self, more: Locks<'s>) {
        self.relations.extend(more.relations);
        self.created.extend(more.created);
        self.other += more.other;
    }

    fn touch(&mut self, q: &'s QName) {
        self.relations.insert(q);
    }
}

/// Partitions of table `q` in `model` (an index or constraint on it is made on each).
fn partitions(model: &Model, q: &QName) -> usize {
    model
        .tables
        .get(q)
        .and_then(|t| t.partition.as_ref())
        .map_or(0, |p| p.partitions.len())
}

/// Add the locks `stmt` takes to `held` (see [`Locks`]); `created` are the tables the
/// transaction created before.
fn locks_of<'s>(
    model: &Model,
    stmt: &'s Stmt,
    held: &mut Locks<'s>,
    created: &BTreeSet<&'s QName>,
) {
    match stmt {
        Stmt::CreateTable { table, .. } => {
            held.touch(&table.name);
            held.created.insert(&table.name);
            // TOAST table and its index; an identity sequence per identity column; the index
            // of the primary key and of each unique constraint; and its indexes now, wherever
            // they are created, so that the down file (whose DROP TABLE locks them too) fits.
            let identities = table
                .columns
                .values()
                .filter(|c| c.identity.is_some())
                .count();
            let indexes = usize::from(table.primary_key.is_some())
                + table.uniques.len()
                + table.indexes.len();
            held.other += 2 + identities + indexes;
            for fk in &table.foreign_keys {
                held.touch(&fk.target);
            }
        }
        Stmt::CreatePartition(parent, _) => {
            held.touch(parent);
            let t = model.tables.get(parent);
            let indexes = t.map_or(0, |t| {
                usize::from(t.primary_key.is_some()) + t.uniques.len() + t.indexes.len()
            });
            held.other += 3 + indexes;
        }
        Stmt::AddForeignKey(t, fk) => {
            held.touch(t);
            held.touch(&fk.target);
            held.other += 1 + partitions(model, t);
        }
        Stmt::CreateIndex(t, _) => {
            held.touch(t);
            if !held.created.contains(t) && !created.contains(t) {
                held.other += 1 + partitions(model, t);
            }
        }
        Stmt::CreateView(v) => {
            held.touch(&v.name);
            held.other += if v.materialized { 2 } else { 0 };
            for d in &v.depends_on {
                held.touch(d);
            }
        }
        Stmt::CreatePolicy(t, _) => {
            // A policy's expressions may read another table (a membership subquery).
            held.touch(t);
            held.other += 1;
        }
        Stmt::CreateTrigger(tr) => {
            held.touch(&tr.table);
            held.other += 1;
        }
        Stmt::EnableRls(t) | Stmt::ForceRls(t) | Stmt::AddToPublication(_, t) => held.touch(t),
        Stmt::Grant(GrantObject::Table(t), ..) | Stmt::Revoke(GrantObject::Table(t), ..) => {
            held.touch(t);
        }
        Stmt::Comment(
            CommentTarget::Table(t)
            | CommentTarget::Column(t, _)
            | CommentTarget::View(t, _)
            | CommentTarget::Index(t)
            | CommentTarget::Policy(_, t)
            | CommentTarget::Trigger(_, t),
            _,
        ) => held.touch(t),
        // Extensions create many objects of their own (some create tables).
        Stmt::CreateExtension { .. } => held.other += 10,
        _ => held.other += 1,
    }
}

/// An object a first migration creates, as its down migration names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Schema(String),
    Extension(String),
    Type(String),
    Function(String),
    Relation(String),
    Index(String),
    Policy(String, String),
    Trigger(String, String),
    Constraint(String, String),
}

/// What `stmt` creates.
fn creates(stmt: &Stmt) -> Vec<Key> {
    match stmt {
        Stmt::CreateSchema(s) => vec![Key::Schema(s.clone())],
        Stmt::CreateExtension { name, .. } => vec![Key::Extension(name.clone())],
        Stmt::CreateEnum(q, _) => vec![Key::Type(q.to_string())],
        Stmt::CreateFunction(f) => vec![Key::Function(function_signature(f))],
        Stmt::CreateTable { table, .. } => vec![Key::Relation(table.name.to_string())],
        Stmt::CreatePartition(_, p) => vec![Key::Relation(p.name.to_string())],
        Stmt::CreateView(v) => vec![Key::Relation(v.name.to_string())],
        Stmt::CreateIndex(t, ix) => vec![Key::Index(
            QName::new(t.schema.clone(), ix.name.value.clone()).to_string(),
        )],
        Stmt::CreatePolicy(t, p) => vec![Key::Policy(t.to_string(), p.name.clone())],
        Stmt::CreateTrigger(tr) => vec![Key::Trigger(tr.table.to_string(), tr.name.clone())],
        Stmt::AddForeignKey(t, fk) => vec![Key::Constraint(t.to_string(), fk.name.value.clone())],
        _ => Vec::new(),
    }
}

/// What a statement of the down migration drops.
fn drops(stmt: &Stmt) -> Option<Key> {
    Some(match stmt {
        Stmt::DropSchema(s) => Key::Schema(s.clone()),
        Stmt::DropExtension(e) => Key::Extension(e.clone()),
        Stmt::DropType(q) => Key::Type(q.to_string()),
        Stmt::DropFunction(sig) | Stmt::DropProcedure(sig) => Key::Function(sig.clone()),
        Stmt::DropTable(q) | Stmt::DropView(q, _) => Key::Relation(q.to_string()),
        Stmt::DropPolicy(p, t) => Key::Policy(t.to_string(), p.clone()),
        Stmt::DropTrigger(name, t) => Key::Trigger(t.to_string(), name.clone()),
        Stmt::DropConstraint(t, name) => Key::Constraint(t.to_string(), name.clone()),
        _ => return None,
    })
}

/// The object whose drop takes `stmt`'s work with it: the relation an index, trigger, policy,
/// row level security switch, privilege, publication membership or comment is on; the index a
/// comment on an index is about.
fn owner(stmt: &Stmt) -> Option<Key> {
    let rel = |q: &QName| Some(Key::Relation(q.to_string()));
    match stmt {
        Stmt::CreatePartition(parent, _) => rel(parent),
        Stmt::CreateIndex(t, _)
        | Stmt::CreatePolicy(t, _)
        | Stmt::EnableRls(t)
        | Stmt::ForceRls(t)
        | Stmt::AddToPublication(_, t)
        | Stmt::AddForeignKey(t, _) => rel(t),
        Stmt::CreateTrigger(tr) => rel(&tr.table),
        Stmt::Grant(GrantObject::Table(t), ..) | Stmt::Revoke(GrantObject::Table(t), ..) => rel(t),
        Stmt::Grant(GrantObject::Function(sig) | GrantObject::Procedure(sig), ..)
        | Stmt::Revoke(GrantObject::Function(sig) | GrantObject::Procedure(sig), ..) => {
            Some(Key::Function(sig.clone()))
        }
        Stmt::Comment(target, _) => match target {
            CommentTarget::Schema(s) => Some(Key::Schema(s.clone())),
            CommentTarget::Type(q) => Some(Key::Type(q.to_string())),
            CommentTarget::Function(sig) | CommentTarget::Procedure(sig) => {
                Some(Key::Function(sig.clone()))
            }
            CommentTarget::Index(q) => Some(Key::Index(q.to_string())),
            CommentTarget::Table(t)
            | CommentTarget::Column(t, _)
            | CommentTarget::View(t, _)
            | CommentTarget::Policy(_, t)
            | CommentTarget::Trigger(_, t) => rel(t),
            CommentTarget::Role(_) => None,
        },
        _ => None,
    }
}

/// The statement that undoes `stmt` on an object an earlier piece made (nothing for what has no
/// undo: roles are never dropped).
fn undo_of<'a>(stmt: &Stmt<'a>) -> Option<Stmt<'a>> {
    Some(match stmt {
        Stmt::CreateIndex(t, ix) => Stmt::DropIndex {
            index: QName::new(t.schema.clone(), ix.name.value.clone()),
            concurrently: false,
            if_exists: true,
        },
        Stmt::CreateTrigger(tr) => Stmt::DropTrigger(tr.name.clone(), tr.table.clone()),
        Stmt::CreatePolicy(t, p) => Stmt::DropPolicy(p.name.clone(), t.clone()),
        Stmt::AddForeignKey(t, fk) => {
            Stmt::DropConstraintIfExists(t.clone(), fk.name.value.clone())
        }
        Stmt::EnableRls(t) => Stmt::DisableRls(t.clone()),
        Stmt::ForceRls(t) => Stmt::NoForceRls(t.clone()),
        Stmt::Grant(object, privileges, role) => {
            Stmt::Revoke(object.clone(), privileges.clone(), role.clone())
        }
        Stmt::Revoke(object, privileges, role) => {
            Stmt::Grant(object.clone(), privileges.clone(), role.clone())
        }
        Stmt::AddToPublication(p, t) => Stmt::DropFromPublication(p.clone(), t.clone()),
        Stmt::Comment(target, _) => Stmt::CommentNull(target.clone()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::fmt::Write as _;

    use super::*;
    use crate::plan::initial;

    /// `n` tables, each with a foreign key to the one before, an index, a policy, a grant and
    /// comments; a materialized view over the first and the last; a function and an enum.
    fn model(n: usize) -> Model {
        let mut y = String::from(
            "version: 1\nroles: { reader: {} }\nenums:\n  mood: { values: [ok, bad] }\nfunctions:\n  one:\n    returns: integer\n    language: sql\n    body: select 1\n    description: one\ntables:\n",
        );
        for i in 0..n {
            let _ = writeln!(y, "  t{i}:\n    description: table {i}\n    columns:");
            y.push_str("      id: { type: bigint, identity: always, primary_key: true }\n");
            y.push_str("      m: { type: mood, nullable: true, description: a mood }\n");
            if i > 0 {
                let _ = writeln!(
                    y,
                    "      up: {{ type: bigint, nullable: true, references: t{}.id }}",
                    i - 1
                );
                let _ = writeln!(y, "    indexes:\n      - {{ columns: [up], why: lookups }}");
            }
            y.push_str("    grants: { reader: [select] }\n");
            y.push_str("    rls:\n      enabled: true\n      policies:\n");
            y.push_str("        everyone: { for: select, to: [reader], using: \"true\" }\n");
        }
        let _ = writeln!(
            y,
            "views:\n  v:\n    materialized: true\n    query: \"select a.id from public.t0 a join public.t{} b on b.id = a.id\"\n    indexes:\n      - {{ columns: [id], unique: true, why: key }}",
            n - 1
        );
        let compiled = crate::compile_sources(&[("schema.yaml".to_string(), y)]);
        assert!(compiled.ok(), "{:?}", compiled.diagnostics.sorted());
        compiled.model
    }

    fn statements<'a>(steps: &'a [Step<'a>]) -> Vec<String> {
        steps
            .iter()
            .flat_map(|s| &s.stmts)
            .map(|s| {
                let mut out = String::new();
                s.write_sql(&mut out);
                out
            })
            .collect()
    }

    #[test]
    fn a_migration_within_the_budget_is_left_whole() {
        let m = model(20);
        let whole = initial(&m);
        assert_eq!(split_initial(&m, whole.clone()), vec![whole]);
    }

    #[test]
    fn a_large_migration_is_cut_in_order_within_the_budget() {
        let m = model(40);
        let whole = initial(&m);
        let budget = 60;
        let parts = split_with(&m, whole.clone(), budget);
        assert!(parts.len() >= 4, "{} parts", parts.len());
        // The pieces are the whole migration's statements, in order, each piece within budget.
        let mut up = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            assert!(
                p.up[0].stmts.is_empty(),
                "the first step only says which part it is"
            );
            assert!(
                p.up[0]
                    .comment
                    .starts_with(&format!("Part {} of {}", i + 1, parts.len())),
                "{}",
                p.up[0].comment
            );
            let mut held = Locks::default();
            for stmt in p.up.iter().flat_map(|s| &s.stmts) {
                let more = Locks::of(&m, std::slice::from_ref(stmt), &held.created);
                held.merge(more);
            }
            assert!(held.count() <= budget, "part {i}: {} locks", held.count());
            assert_eq!(p.settings, whole.settings);
            assert!(!p.non_transactional);
            up.extend(statements(&p.up));
        }
        assert_eq!(up, statements(&whole.up));
        // A table's step is never cut: each CREATE TABLE starts its piece's step for it.
        for p in &parts {
            for s in &p.up {
                if s.comment.starts_with("Table ") {
                    assert!(
                        matches!(s.stmts[0], Stmt::CreateTable { .. }),
                        "{}",
                        s.comment
                    );
                }
            }
        }
        // Every drop of the whole down migration is in exactly one piece's down file: the piece
        // that created the object.
        let mut drops_seen: Vec<String> = Vec::new();
        for p in &parts {
            for s in p.down.iter().flat_map(|s| &s.stmts) {
                if drops(s).is_some() {
                    let mut out = String::new();
                    s.write_sql(&mut out);
                    drops_seen.push(out);
                }
            }
        }
        let mut all: Vec<String> = whole
            .down
            .iter()
            .flat_map(|s| &s.stmts)
            .filter(|s| drops(s).is_some())
            .map(|s| {
                let mut out = String::new();
                s.write_sql(&mut out);
                out
            })
            .collect();
        drops_seen.sort();
        all.sort();
        assert_eq!(drops_seen, all);
        for (i, p) in parts.iter().enumerate() {
            let made: Vec<Key> =
                p.up.iter()
                    .flat_map(|s| &s.stmts)
                    .flat_map(creates)
                    .collect();
            for s in p.down.iter().flat_map(|s| &s.stmts) {
                if let Some(k) = drops(s) {
                    assert!(made.contains(&k), "part {i} drops {k:?}, made elsewhere");
                }
            }
        }
    }

    #[test]
    fn work_on_objects_of_earlier_pieces_is_undone_by_its_own_piece() {
        let m = model(40);
        let parts = split_with(&m, initial(&m), 60);
        // Find a piece that comments on, indexes or grants on tables an earlier piece created.
        let mut undone = 0;
        for (i, p) in parts.iter().enumerate().skip(1) {
            let created_here: BTreeSet<Key> =
                p.up.iter()
                    .flat_map(|s| &s.stmts)
                    .flat_map(creates)
                    .collect();
            for s in p.up.iter().flat_map(|s| &s.stmts) {
                let Some(o) = owner(s) else { continue };
                if created_here.contains(&o)
                    || creates(s).iter().any(|k| matches!(k, Key::Policy(..)))
                {
                    continue;
                }
                let Some(inverse) = undo_of(s) else { continue };
                let mut text = String::new();
                inverse.write_sql(&mut text);
                let down = statements(&p.down);
                assert!(down.contains(&text), "part {i} does not undo `{text}`");
                undone += 1;
            }
        }
        assert!(
            undone > 10,
            "only {undone} statements on earlier pieces' objects"
        );
    }

    #[test]
    fn a_thousand_tables_do_not_fit_one_transaction() {
        // About 1,000 tables with their indexes exhaust a stock server's lock table.
        let m = model(1_000);
        let parts = split_initial(&m, initial(&m));
        assert!(parts.len() >= 5, "{} parts", parts.len());
    }
}
