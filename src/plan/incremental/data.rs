//! Reference data (`data:`) and Storage buckets between two models: rows added, changed or
//! removed by key become upserts and deletes.
//!
//! Deletes run early (children's rows before their parents'), upserts after the tables and
//! columns exist and before constraints are added (parents' rows first), so a new foreign key or
//! check sees the new rows. A dropped table takes its rows with it; a table created again (its
//! partitioning changed) gets all its rows again.

use super::*;
use crate::plan::data::{bucket_delete, bucket_upsert, diff_rows};

impl Differ<'_> {
    pub(super) fn data(&mut self) {
        let (old, new) = (self.old, self.new);
        let order = table_order(new);
        let mut deletes = Vec::new();
        for name in &order.order {
            let Some(t) = new.tables.get(name) else {
                continue;
            };
            let before = old.tables.get(name).filter(|o| same_partitioning(o, t));
            if t.data.is_none() && before.is_none_or(|o| o.data.is_none()) {
                continue;
            }
            let d = diff_rows(before, t);
            if d.added + d.changed + d.removed == 0 {
                continue;
            }
            let span = t.data.as_ref().map_or(t.origin, |x| x.origin);
            let detail = format!(
                "{} added, {} changed, {} removed",
                d.added, d.changed, d.removed
            );
            self.change(ChangeKind::ChangeData, dotted(name), detail, span)
                .on_existing_table = before.is_some();
            deletes.push((name.clone(), d.deletes));
            self.emit(Phase::Data, format!("Data of {name}"), d.upserts);
        }
        // Children's rows go before their parents'.
        for (name, stmts) in deletes.into_iter().rev() {
            self.emit(
                Phase::DeleteData,
                format!("Rows removed from the data of {name}"),
                stmts,
            );
        }
        self.buckets();
    }

    fn buckets(&mut self) {
        let (old, new) = (self.old, self.new);
        let mut up = Vec::new();
        for (id, b) in &new.buckets {
            if old.buckets.get(id).is_some_and(|o| {
                o.public == b.public
                    && o.file_size_limit == b.file_size_limit
                    && o.allowed_mime_types == b.allowed_mime_types
            }) {
                continue;
            }
            let what = if old.buckets.contains_key(id) {
                "changed"
            } else {
                "added"
            };
            self.change(
                ChangeKind::ChangeData,
                format!("storage.buckets.{id}"),
                format!("bucket {what}"),
                b.origin,
            );
            up.push(bucket_upsert(b));
        }
        let mut gone = Vec::new();
        for id in old.buckets.keys().rev() {
            if !new.buckets.contains_key(id) {
                self.change(
                    ChangeKind::ChangeData,
                    format!("storage.buckets.{id}"),
                    "bucket removed",
                    Span::default(),
                );
                gone.push(bucket_delete(id));
            }
        }
        self.emit(Phase::DeleteData, "Storage buckets removed", gone);
        self.emit(Phase::Data, "Storage buckets", up);
    }
}

fn same_partitioning(a: &Table, b: &Table) -> bool {
    let key = |t: &Table| {
        t.partition.as_ref().map(|p| {
            (
                p.by.clone(),
                p.columns
                    .iter()
                    .map(|c| c.value.clone())
                    .collect::<Vec<_>>(),
            )
        })
    };
    key(a) == key(b)
}
