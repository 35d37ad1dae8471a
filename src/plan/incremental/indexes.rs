//! Indexes of a table in both models: created (concurrently when allowed), dropped, renamed.

use super::*;

impl Differ<'_> {
    pub(super) fn alter_indexes(&mut self, o: &Table, t: &Table) {
        let name = &t.name;
        // PostgreSQL cannot build or drop an index of a partitioned table concurrently.
        let concurrent = self.settings.concurrent_indexes && !self.down && t.partition.is_none();
        let before: BTreeMap<&str, &Index> = o
            .indexes
            .iter()
            .map(|i| (i.name.value.as_str(), i))
            .collect();
        let after: BTreeMap<&str, &Index> = t
            .indexes
            .iter()
            .map(|i| (i.name.value.as_str(), i))
            .collect();
        let mut renamed_from = BTreeSet::new();
        let mut renamed_to = BTreeSet::new();
        for (n, ix) in &after {
            if before.contains_key(n) {
                continue;
            }
            if let Some((on, _)) = before.iter().find(|(on, oi)| {
                !after.contains_key(*on) && !renamed_from.contains(*on) && index_def_eq(oi, ix)
            }) {
                renamed_from.insert(*on);
                renamed_to.insert(*n);
                self.change(
                    ChangeKind::RenameIndex,
                    format!("{}.{n}", dotted(name)),
                    format!("renamed from {on}"),
                    ix.origin,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename index {on} to {n}"),
                    vec![Stmt::RenameIndex(
                        QName::new(name.schema.clone(), on.to_string()),
                        n.to_string(),
                    )],
                );
            }
        }
        for (n, oi) in &before {
            if renamed_from.contains(n) {
                continue;
            }
            let changed = after.get(n).is_none_or(|ix| !index_def_eq(oi, ix));
            if !changed {
                continue;
            }
            let q = index_qname(name, oi);
            let ch = self.change(
                ChangeKind::DropIndex,
                format!("{}.{n}", dotted(name)),
                "",
                t.origin,
            );
            ch.on_existing_table = true;
            if concurrent {
                ch.strategy = Some("concurrently");
            }
            self.emit_in(
                Phase::DropIndex,
                concurrent,
                format!("Drop index {n}"),
                vec![Stmt::DropIndex {
                    index: q,
                    concurrently: concurrent,
                    if_exists: true,
                }],
            );
        }
        for (n, ix) in &after {
            if renamed_to.contains(n) {
                continue;
            }
            let changed = before.get(n).is_none_or(|oi| !index_def_eq(oi, ix));
            if changed {
                let ch = self.change(
                    ChangeKind::CreateIndex,
                    format!("{}.{n}", dotted(name)),
                    ix.method.clone(),
                    ix.origin,
                );
                ch.on_existing_table = true;
                if concurrent {
                    ch.strategy = Some("concurrently");
                }
                let stmt = if concurrent {
                    Stmt::CreateIndexConcurrently(name.clone(), (*ix).clone().into())
                } else {
                    Stmt::CreateIndex(name.clone(), (*ix).clone().into())
                };
                self.emit_in(
                    Phase::CreateIndex,
                    concurrent,
                    format!("Index {n} on {name}"),
                    vec![stmt],
                );
                if let Some(w) = &ix.why {
                    self.emit_in(
                        Phase::Comments,
                        concurrent,
                        format!("Comment on index {n}"),
                        vec![Stmt::Comment(
                            CommentTarget::Index(index_qname(name, ix)),
                            w.clone(),
                        )],
                    );
                }
            } else if let Some(oi) = before.get(n)
                && oi.why != ix.why
            {
                self.comment(
                    CommentTarget::Index(index_qname(name, ix)),
                    ix.why.as_ref(),
                    format!("{}.{n}", dotted(name)),
                    ix.origin,
                );
            }
        }
    }
}
