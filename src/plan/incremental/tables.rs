//! Tables: dropped (reverse FK order), created (FK order, cycle-closing FKs after), recreated when
//! partitioning changes, and their dependants around type changes.

use super::*;

impl Differ<'_> {
    pub(super) fn tables(&mut self) {
        let (old, new) = (self.old, self.new);
        let new_order = table_order(new);
        let old_order = table_order(old);
        // Tables whose partitioning changed are dropped and created again.
        let recreated: BTreeSet<QName> = new
            .tables
            .iter()
            .filter(|(n, t)| {
                old.tables.get(*n).is_some_and(|o| {
                    o.partition.as_ref().map(|p| {
                        (
                            &p.by,
                            p.columns.iter().map(|c| &c.value).collect::<Vec<_>>(),
                        )
                    }) != t.partition.as_ref().map(|p| {
                        (
                            &p.by,
                            p.columns.iter().map(|c| &c.value).collect::<Vec<_>>(),
                        )
                    })
                })
            })
            .map(|(n, _)| n.clone())
            .collect();
        // Drops, in reverse creation order of the old model.
        for name in old_order.order.iter().rev() {
            let Some(o) = old.tables.get(name) else {
                continue;
            };
            if new.tables.contains_key(name) && !recreated.contains(name) {
                continue;
            }
            let kind = if recreated.contains(name) {
                ChangeKind::RecreateTable
            } else {
                ChangeKind::DropTable
            };
            let span = new
                .tables
                .get(name)
                .map_or_else(Span::default, |t| t.origin);
            let detail = if recreated.contains(name) {
                "partitioning changed"
            } else {
                ""
            };
            self.change(kind, dotted(name), detail, span)
                .on_existing_table = true;
            // Policies may read other tables; FKs into this table from surviving tables are
            // dropped as part of their own table's diff.
            let policies: Vec<Stmt<'static>> = o
                .policies
                .keys()
                .map(|p| Stmt::DropPolicy(p.clone(), name.clone()))
                .collect();
            self.emit(Phase::DropPolicy, format!("Policies of {name}"), policies);
            if o.realtime {
                self.emit(
                    Phase::DropPublication,
                    format!("Remove {name} from Realtime"),
                    vec![Stmt::DropFromPublication(
                        "supabase_realtime".into(),
                        name.clone(),
                    )],
                );
            }
            // FKs between dropped tables may form cycles: drop them first.
            let fks: Vec<Stmt<'static>> = o
                .foreign_keys
                .iter()
                .filter(|fk| fk.target != *name && old.tables.contains_key(&fk.target))
                .map(|fk| Stmt::DropConstraint(name.clone(), fk.name.value.clone()))
                .collect();
            self.emit(
                Phase::DropForeignKey,
                format!("Foreign keys of {name}"),
                fks,
            );
            self.emit(
                Phase::DropTable,
                format!("Drop table {name}"),
                vec![Stmt::DropTable(name.clone())],
            );
        }
        // Creates, in the new model's FK order.
        let mut created: BTreeSet<QName> = BTreeSet::new();
        for name in &new_order.order {
            let Some(t) = new.tables.get(name) else {
                continue;
            };
            if old.tables.contains_key(name) && !recreated.contains(name) {
                continue;
            }
            created.insert(name.clone());
            if !recreated.contains(name) {
                self.change(ChangeKind::CreateTable, dotted(name), "", t.origin);
            }
            self.create_table(t, &new_order.deferred);
        }
        // Alterations of tables in both models.
        for name in &new_order.order {
            let (Some(t), Some(o)) = (new.tables.get(name), old.tables.get(name)) else {
                continue;
            };
            if created.contains(name) {
                continue;
            }
            self.alter_table(o, t);
        }
        // Dependants that go with a table's columns: policies of retyped tables.
        let retyped: Vec<QName> = self.retyped_tables.iter().cloned().collect();
        for name in retyped {
            let (Some(t), Some(o)) = (new.tables.get(&name), old.tables.get(&name)) else {
                continue;
            };
            for (pname, p) in &t.policies {
                if o.policies.get(pname).is_some_and(|op| policy_def_eq(op, p)) {
                    self.emit(
                        Phase::DropPolicy,
                        format!("Policy {pname} on {name} (a column it may read changes type)"),
                        vec![Stmt::DropPolicy(pname.clone(), name.clone())],
                    );
                    self.emit(
                        Phase::Rls,
                        format!("Policy {pname} on {name}"),
                        vec![Stmt::CreatePolicy(name.clone(), p.clone().into())],
                    );
                }
            }
        }
    }

    pub(super) fn create_table(&mut self, t: &Table, deferred: &BTreeSet<(QName, usize)>) {
        let name = &t.name;
        // Targets exist by then: existing and external tables, and new tables, which are created
        // in the new model's FK order; only FKs that close a cycle wait.
        let inline_fks: Vec<usize> = (0..t.foreign_keys.len())
            .filter(|i| !deferred.contains(&(name.clone(), *i)))
            .collect();
        let late: Vec<Stmt<'static>> = (0..t.foreign_keys.len())
            .filter(|i| !inline_fks.contains(i))
            .filter_map(|i| t.foreign_keys.get(i))
            .map(|fk| Stmt::AddForeignKey(name.clone(), fk.clone().into()))
            .collect();
        let mut stmts = vec![Stmt::CreateTable {
            table: t.clone().into(),
            inline_fks,
        }];
        if let Some(p) = &t.partition {
            for part in p.partitions.values() {
                stmts.push(Stmt::CreatePartition(name.clone(), part.clone().into()));
            }
        }
        self.emit(Phase::CreateTable, format!("Table {name}"), stmts);
        self.emit(
            Phase::AddForeignKey,
            format!("Foreign keys of {name} that close a cycle"),
            late,
        );
        let ixs: Vec<Stmt<'static>> = t
            .indexes
            .iter()
            .map(|ix| Stmt::CreateIndex(name.clone(), ix.clone().into()))
            .collect();
        self.emit(Phase::CreateIndex, format!("Indexes on {name}"), ixs);
        self.create_replica_identity(t);
        let triggers: Vec<Stmt<'static>> = t
            .triggers
            .values()
            .flat_map(|tr| replication::create_trigger(tr))
            .collect();
        self.emit(
            Phase::CreateTrigger,
            format!("Triggers on {name}"),
            triggers,
        );
        let mut rls = Vec::new();
        if t.rls.enabled {
            rls.push(Stmt::EnableRls(name.clone()));
        }
        if t.rls.force {
            rls.push(Stmt::ForceRls(name.clone()));
        }
        let mut policies: Vec<&Policy> = t.policies.values().map(|p| &**p).collect();
        sort_policies(&mut policies);
        rls.extend(
            policies
                .into_iter()
                .map(|p| Stmt::CreatePolicy(name.clone(), p.clone().into())),
        );
        for part in crate::plan::protected_partitions(t) {
            rls.extend(crate::plan::partition_rls(t, &part));
        }
        self.emit(Phase::Rls, format!("Row level security on {name}"), rls);
        let empty = Privileges::new();
        self.privileges(
            &GrantObject::Table(name.clone()),
            dotted(name),
            &empty,
            &empty,
            &t.grants,
            &t.revokes,
            t.origin,
            &crate::plan::protected_partitions(t),
        );
        if t.realtime {
            self.emit(
                Phase::Publication,
                format!("Add {name} to Realtime"),
                vec![Stmt::AddToPublication(
                    "supabase_realtime".into(),
                    name.clone(),
                )],
            );
        }
        let mut comments = Vec::new();
        crate::plan::table_comments(t, &mut comments);
        self.emit(Phase::Comments, format!("Comments on {name}"), comments);
    }

    /// Whether `p`'s expressions call a function that is dropped and created again.
    pub(super) fn reads_recreated_function(&self, p: &Policy) -> bool {
        [&p.using, &p.with_check]
            .into_iter()
            .flatten()
            .any(|e| self.calls_recreated_function(&e.value))
    }

    /// Whether `sql` calls (by name, followed by `(`) a function dropped and created again.
    pub(super) fn calls_recreated_function(&self, sql: &str) -> bool {
        let lower = sql.to_ascii_lowercase();
        self.recreated_functions.iter().any(|f| {
            let name = f.name.to_ascii_lowercase();
            lower.match_indices(&name).any(|(i, _)| {
                let before = lower[..i].chars().next_back();
                let starts_word =
                    before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'));
                starts_word && lower[i + name.len()..].trim_start().starts_with('(')
            })
        })
    }
}
