//! The snapshot's order of what already exists: a model that only reorders columns, indexes or
//! constraints needs no statement, and its snapshot keeps the order the database was built with.
//!
//! Input: the old and the new model. Output: the new model with existing items in the old order,
//! or `None` when nothing moves. Invariants: new items follow in the new model's order.

use crate::ir::{Column, Model};

/// `new` with what already exists in `old` kept in `old`'s order: the columns of a table (a
/// renamed column keeps its place), its indexes, unique constraints, checks and foreign keys, and
/// the indexes of a materialized view; what is new follows, in `new`'s order. `None` when
/// nothing moves.
///
/// The diff treats these lists as sets (PostgreSQL cannot reorder a table's columns, and keeps
/// no order for the rest), so a model that only reorders them needs no statement. Its snapshot
/// must keep the order the database was built with: `schemac check` renders the first migration
/// again from it (E404), and a snapshot taking the new order would make `check` fail after a
/// `build` that had nothing to do.
pub fn in_existing_order(old: &Model, new: &Model) -> Option<Model> {
    let mut out: Option<Model> = None;
    for (name, t) in &new.tables {
        let Some(o) = old.tables.get(name) else {
            continue;
        };
        // A column keeps its place under its own name; under the name it is renamed from only
        // while the old model does not have it yet (`renamed_from:` stays in the model after
        // the rename's migration, when the snapshot already has the new name).
        let col_rank = |c: &Column| {
            o.columns.get_index_of(c.name.as_str()).or_else(|| {
                c.renamed_from
                    .as_ref()
                    .and_then(|r| o.columns.get_index_of(r.value.as_str()))
            })
        };
        let ix_rank = |n: &str| o.indexes.iter().position(|x| x.name.value == n);
        let un_rank = |n: &str| o.uniques.iter().position(|x| x.name.value == n);
        let ck_rank = |n: &str| o.checks.iter().position(|x| x.name.value == n);
        let fk_rank = |n: &str| o.foreign_keys.iter().position(|x| x.name.value == n);
        let ex_rank = |n: &str| o.excludes.iter().position(|x| x.name.value == n);
        let moves = !in_order(t.columns.values().map(col_rank))
            || !in_order(t.indexes.iter().map(|x| ix_rank(&x.name.value)))
            || !in_order(t.uniques.iter().map(|x| un_rank(&x.name.value)))
            || !in_order(t.checks.iter().map(|x| ck_rank(&x.name.value)))
            || !in_order(t.foreign_keys.iter().map(|x| fk_rank(&x.name.value)))
            || !in_order(t.excludes.iter().map(|x| ex_rank(&x.name.value)));
        if !moves {
            continue;
        }
        let model = out.get_or_insert_with(|| new.clone());
        if let Some(t) = model.tables.get_mut(name) {
            t.columns
                .sort_by(|_, a, _, b| rank_key(col_rank(a)).cmp(&rank_key(col_rank(b))));
            t.indexes.sort_by_key(|x| rank_key(ix_rank(&x.name.value)));
            t.uniques.sort_by_key(|x| rank_key(un_rank(&x.name.value)));
            t.checks.sort_by_key(|x| rank_key(ck_rank(&x.name.value)));
            t.foreign_keys
                .sort_by_key(|x| rank_key(fk_rank(&x.name.value)));
            t.excludes.sort_by_key(|x| rank_key(ex_rank(&x.name.value)));
        }
    }
    for (name, v) in &new.views {
        let Some(o) = old.views.get(name) else {
            continue;
        };
        let rank = |n: &str| o.indexes.iter().position(|x| x.name.value == n);
        if in_order(v.indexes.iter().map(|x| rank(&x.name.value))) {
            continue;
        }
        let model = out.get_or_insert_with(|| new.clone());
        if let Some(v) = model.views.get_mut(name) {
            v.indexes.sort_by_key(|x| rank_key(rank(&x.name.value)));
        }
    }
    out
}

/// The sort key of an item with its place in the old list, if it had one: old items first, in
/// their old order; new ones after them (the sorts are stable, so they keep their order).
fn rank_key(rank: Option<usize>) -> (bool, usize) {
    (rank.is_none(), rank.unwrap_or(0))
}

/// Whether items with these old places are already in the order [`in_existing_order`] gives.
fn in_order(ranks: impl Iterator<Item = Option<usize>>) -> bool {
    let keys: Vec<(bool, usize)> = ranks.map(rank_key).collect();
    keys.is_sorted()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn model(yaml: &str) -> Model {
        let compiled = crate::compile_sources(&[("schema.yaml".to_string(), yaml.to_string())]);
        assert!(compiled.ok(), "{:?}", compiled.diagnostics.sorted());
        compiled.model
    }

    fn columns(m: &Model) -> Vec<&str> {
        m.tables
            .values()
            .next()
            .unwrap()
            .columns
            .keys()
            .map(String::as_str)
            .collect()
    }

    const OLD: &str = "version: 1
tables:
  t:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      a: { type: text, nullable: true }
      b: { type: text, nullable: true }
      c: { type: text, nullable: true }
    indexes:
      - { name: t_a_idx, columns: [a] }
      - { name: t_b_idx, columns: [b] }
";

    #[test]
    fn existing_columns_and_indexes_keep_their_order_new_ones_follow() {
        let old = model(OLD);
        // c moved first, a renamed to a2 and moved last, d new in the middle, indexes swapped
        // and a third one added first.
        let new = model(
            "version: 1
tables:
  t:
    columns:
      c: { type: text, nullable: true }
      id: { type: bigint, identity: always, primary_key: true }
      d: { type: text, nullable: true }
      b: { type: text, nullable: true }
      a2: { type: text, nullable: true, renamed_from: a }
    indexes:
      - { name: t_c_idx, columns: [c] }
      - { name: t_b_idx, columns: [b] }
      - { name: t_a_idx, columns: [a2] }
",
        );
        let settled = in_existing_order(&old, &new).expect("the order moves");
        assert_eq!(columns(&settled), ["id", "a2", "b", "c", "d"]);
        let t = settled.tables.values().next().unwrap();
        let indexes: Vec<&str> = t.indexes.iter().map(|i| i.name.value.as_str()).collect();
        assert_eq!(indexes, ["t_a_idx", "t_b_idx", "t_c_idx"]);
        // Everything but the order is the new model's.
        let mut back = settled.clone();
        back.tables.values_mut().next().unwrap().columns.sort_keys();
        let mut sorted = new.clone();
        sorted
            .tables
            .values_mut()
            .next()
            .unwrap()
            .columns
            .sort_keys();
        assert_eq!(
            back.tables.values().next().unwrap().columns,
            sorted.tables.values().next().unwrap().columns
        );
    }

    #[test]
    fn nothing_moves_when_the_order_is_kept() {
        let old = model(OLD);
        let mut appended = OLD.replace(
            "      c: { type: text, nullable: true }\n",
            "      c: { type: text, nullable: true }\n      d: { type: integer, nullable: true }\n",
        );
        assert!(in_existing_order(&old, &model(&appended)).is_none());
        appended.push_str("views:\n  v: { query: \"select id from public.t\" }\n");
        assert!(in_existing_order(&old, &model(&appended)).is_none());
        assert!(in_existing_order(&old, &old).is_none());
    }

    /// After a rename's migration the model still says `renamed_from:`, and the snapshot has the
    /// new name: the column keeps its place under that name (it was ranked as new, and so moved
    /// last on every build after one that reordered the table: `check` then saw a stale
    /// snapshot).
    #[test]
    fn a_renamed_column_keeps_its_place_after_the_rename_is_built() {
        let built = model(
            "version: 1
tables:
  t:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      a2: { type: text, nullable: true }
      b: { type: text, nullable: true }
",
        );
        let again = model(
            "version: 1
tables:
  t:
    columns:
      b: { type: text, nullable: true }
      a2: { type: text, nullable: true, renamed_from: a }
      id: { type: bigint, identity: always, primary_key: true }
      c: { type: text, nullable: true }
",
        );
        let settled = in_existing_order(&built, &again).expect("the order moves");
        assert_eq!(columns(&settled), ["id", "a2", "b", "c"]);
        assert!(in_existing_order(&built, &settled).is_none());
    }
}
