//! A table in both models: columns, constraints, indexes, triggers, row level security, policies,
//! partitions, privileges, publication and comment.

use super::*;

impl Differ<'_> {
    pub(super) fn alter_table(&mut self, o: &Table, t: &Table) {
        let name = t.name.clone();
        let obj = |c: &str| format!("{}.{c}", dotted(&name));
        // Generated columns reading a column whose type changes: PostgreSQL refuses the type
        // change while they exist, so they are dropped first and added again after it.
        let retyped: Vec<&str> = t
            .columns
            .iter()
            .filter(|(n, c)| {
                o.columns
                    .get(*n)
                    .is_some_and(|oc| oc.type_sql != c.type_sql)
            })
            .map(|(n, _)| n.as_str())
            .collect();
        let regenerated: BTreeSet<&str> = t
            .columns
            .iter()
            .filter(|(n, c)| {
                o.columns.get(*n).is_some_and(|oc| {
                    column_def_eq(oc, c)
                        && c.generated
                            .as_ref()
                            .is_some_and(|g| retyped.iter().any(|r| mentions(&g.value, r)))
                })
            })
            .map(|(n, _)| n.as_str())
            .collect();
        // Columns.
        for (cname, c) in &t.columns {
            let Some(oc) = o.columns.get(cname) else {
                self.add_column(&name, c);
                continue;
            };
            if regenerated.contains(cname.as_str()) {
                // Added after every type change of the table (AlterColumn), with its indexes.
                self.recreate_generated(
                    &name,
                    (oc, c),
                    (
                        "a column it reads changes type",
                        "a column it reads changes type",
                    ),
                    Phase::AddConstraint,
                );
                let ixs: Vec<Stmt<'static>> = t
                    .indexes
                    .iter()
                    .filter(|ix| ix.keys.iter().any(|k| mentions(&k.target.value, cname)))
                    .map(|ix| Stmt::CreateIndex(name.clone(), ix.clone().into()))
                    .collect();
                self.emit(
                    Phase::CreateIndex,
                    format!("Indexes on {name}.{cname}"),
                    ixs,
                );
                continue;
            }
            if column_def_eq(oc, c) {
                if oc.description != c.description {
                    self.comment(
                        CommentTarget::Column(name.clone(), cname.clone()),
                        c.description.as_ref(),
                        obj(cname),
                        c.origin,
                    );
                }
                continue;
            }
            if trimmed(&oc.generated) != trimmed(&c.generated)
                && (oc.generated.is_some() || c.generated.is_some())
            {
                self.recreate_generated(
                    &name,
                    (oc, c),
                    ("generation expression", "its generation changes"),
                    Phase::AlterColumn,
                );
                continue;
            }
            self.alter_column(&name, oc, c);
            if oc.description != c.description {
                self.comment(
                    CommentTarget::Column(name.clone(), cname.clone()),
                    c.description.as_ref(),
                    obj(cname),
                    c.origin,
                );
            }
        }
        // Defaults calling a function that is dropped and created again depend on the old
        // function: they go before the drop and come back after the create.
        for (cname, c) in &t.columns {
            let Some(oc) = o.columns.get(cname) else {
                continue;
            };
            let Some(od) = &oc.default else {
                continue;
            };
            if !self.calls_recreated_function(&od.value) {
                continue;
            }
            self.emit(
                Phase::DropConstraint,
                format!("Default of {name}.{cname} (a function it calls is recreated)"),
                vec![Stmt::DropDefault(name.clone(), cname.clone())],
            );
            if let Some(d) = &c.default
                && trimmed(&oc.default) == trimmed(&c.default)
            {
                self.emit(
                    Phase::AlterColumn,
                    format!("Default of {name}.{cname}"),
                    vec![Stmt::SetDefault(
                        name.clone(),
                        cname.clone(),
                        d.value.clone(),
                    )],
                );
            }
        }
        for cname in o.columns.keys() {
            if !t.columns.contains_key(cname) {
                let ch = self.change(ChangeKind::DropColumn, obj(cname), "", t.origin);
                ch.on_existing_table = true;
                ch.subject = Subject::column(&name, o.columns.get(cname), None);
                self.emit(
                    Phase::DropColumn,
                    format!("Drop column {name}.{cname}"),
                    vec![Stmt::DropColumn(name.clone(), cname.clone())],
                );
            }
        }
        // Constraints: same name and definition → nothing; same definition, new name → rename.
        let before = constraints(o);
        let after = constraints(t);
        let mut renamed_from: BTreeSet<String> = BTreeSet::new();
        let mut renamed_to: BTreeSet<String> = BTreeSet::new();
        for (n, c) in &after {
            if before.contains_key(n) {
                continue;
            }
            if let Some((on, _)) = before.iter().find(|(on, oc)| {
                !after.contains_key(*on) && !renamed_from.contains(*on) && constraint_eq(oc, c)
            }) {
                renamed_from.insert(on.clone());
                renamed_to.insert(n.clone());
                self.change(
                    ChangeKind::RenameConstraint,
                    obj(n),
                    format!("renamed from {on}"),
                    constraint_span(c),
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename constraint {on} on {name} to {n}"),
                    vec![Stmt::RenameConstraint(name.clone(), on.clone(), n.clone())],
                );
            }
        }
        for (n, oc) in &before {
            if renamed_from.contains(n) {
                continue;
            }
            let changed = match after.get(n) {
                None => true,
                Some(c) => !constraint_eq(oc, c),
            };
            if !changed {
                // A check calling a function that is dropped and created again depends on the
                // old function: it goes before the drop and comes back after the create.
                if let Constraint::Check(ck) = oc
                    && self.calls_recreated_function(&ck.expr.value)
                {
                    self.emit(
                        Phase::DropConstraint,
                        format!("Drop constraint {n} on {name} (a function it calls is recreated)"),
                        vec![Stmt::DropConstraint(name.clone(), n.clone())],
                    );
                    self.emit(
                        Phase::AddConstraint,
                        format!("Constraint {n} on {name}"),
                        vec![Stmt::AddConstraint(
                            name.clone(),
                            Box::new(oc.clone()),
                            false,
                        )],
                    );
                }
                continue;
            }
            // A constraint on a column that is dropped goes with the column.
            self.change(
                ChangeKind::DropConstraint,
                obj(n),
                constraint_kind(oc).as_str(),
                t.origin,
            )
            .on_existing_table = true;
            let phase = if matches!(oc, Constraint::ForeignKey(_)) {
                Phase::DropForeignKey
            } else {
                Phase::DropConstraint
            };
            let stmt = if self.down {
                Stmt::DropConstraintIfExists(name.clone(), n.clone())
            } else {
                Stmt::DropConstraint(name.clone(), n.clone())
            };
            self.emit(phase, format!("Drop constraint {n} on {name}"), vec![stmt]);
        }
        for (n, c) in &after {
            if renamed_to.contains(n) {
                continue;
            }
            let changed = match before.get(n) {
                None => true,
                Some(oc) => !constraint_eq(oc, c),
            };
            if changed {
                self.add_constraint(&name, n, c);
            }
        }
        // Indexes.
        self.alter_indexes(o, t);
        self.alter_replica_identity(o, t);
        // Triggers.
        for (n, tr) in &t.triggers {
            match o.triggers.get(n) {
                None => {
                    self.change(ChangeKind::CreateTrigger, obj(n), "", tr.origin)
                        .on_existing_table = true;
                    self.emit(
                        Phase::CreateTrigger,
                        format!("Trigger {n} on {name}"),
                        replication::create_trigger(tr),
                    );
                    if let Some(d) = &tr.description {
                        self.emit(
                            Phase::Comments,
                            format!("Comment on trigger {n}"),
                            vec![Stmt::Comment(
                                CommentTarget::Trigger(n.clone(), name.clone()),
                                d.clone(),
                            )],
                        );
                    }
                }
                Some(ot)
                    if trigger_def_eq(ot, tr)
                        && !self.recreated_functions.contains(&tr.function) =>
                {
                    self.trigger_enabled(ot, tr, obj(n));
                    if ot.description != tr.description {
                        self.comment(
                            CommentTarget::Trigger(n.clone(), name.clone()),
                            tr.description.as_ref(),
                            obj(n),
                            tr.origin,
                        );
                    }
                }
                Some(_) => {
                    self.change(ChangeKind::ReplaceTrigger, obj(n), "definition", tr.origin)
                        .on_existing_table = true;
                    self.emit(
                        Phase::DropTrigger,
                        format!("Drop trigger {n} on {name}"),
                        vec![Stmt::DropTrigger(n.clone(), name.clone())],
                    );
                    self.emit(
                        Phase::CreateTrigger,
                        format!("Trigger {n} on {name}"),
                        replication::create_trigger(tr),
                    );
                    if let Some(d) = &tr.description {
                        self.emit(
                            Phase::Comments,
                            format!("Comment on trigger {n}"),
                            vec![Stmt::Comment(
                                CommentTarget::Trigger(n.clone(), name.clone()),
                                d.clone(),
                            )],
                        );
                    }
                }
            }
        }
        for n in o.triggers.keys() {
            if !t.triggers.contains_key(n) {
                self.change(ChangeKind::DropTrigger, obj(n), "", t.origin)
                    .on_existing_table = true;
                self.emit(
                    Phase::DropTrigger,
                    format!("Drop trigger {n} on {name}"),
                    vec![Stmt::DropTrigger(n.clone(), name.clone())],
                );
            }
        }
        // Partitions that exist before and after, unchanged: protected like the parent on both
        // sides (`kept_partitions`), or on one side only (the snapshot predates the protection).
        let mut kept_partitions: Vec<QName> = Vec::new();
        let mut kept_unprotected: Vec<(QName, bool)> = Vec::new();
        if let (Some(op), Some(np)) = (&o.partition, &t.partition) {
            for (pn, part) in &np.partitions {
                if op.partitions.get(pn).is_some_and(|x| x.bound == part.bound) {
                    if op.protected && np.protected {
                        kept_partitions.push(part.name.clone());
                    } else if op.protected != np.protected {
                        kept_unprotected.push((part.name.clone(), np.protected));
                    }
                }
            }
        }
        for (part, protect) in &kept_unprotected {
            // A change record, so the statements make a migration (the snapshot alone would not).
            let kind = match (*protect, t.rls.enabled || o.rls.enabled) {
                (true, true) => Some(ChangeKind::EnableRls),
                (false, true) => Some(ChangeKind::DisableRls),
                (true, false) if !t.grants.is_empty() || !t.revokes.is_empty() => {
                    Some(ChangeKind::Grant)
                }
                (false, false) if !o.grants.is_empty() => Some(ChangeKind::Revoke),
                _ => None,
            };
            if let Some(kind) = kind {
                let what = if *protect {
                    format!("protected like {name}")
                } else {
                    "as before".to_string()
                };
                self.change(kind, dotted(part), what, t.origin)
                    .on_existing_table = true;
            }
            if *protect {
                self.emit(
                    Phase::Rls,
                    format!("Row level security on partition {part}, as on {name}"),
                    crate::plan::partition_rls(t, part),
                );
                let mut privs: Vec<Stmt<'static>> = Vec::new();
                crate::plan::partition_privileges(t, part, &mut privs);
                self.emit(
                    Phase::Privileges,
                    format!("Privileges on partition {part}, as on {name}"),
                    privs,
                );
            } else {
                let mut undo = Vec::new();
                if o.rls.enabled {
                    undo.push(Stmt::DisableRls(part.clone()));
                }
                if o.rls.force {
                    undo.push(Stmt::NoForceRls(part.clone()));
                }
                self.emit(
                    Phase::Rls,
                    format!("Row level security on partition {part} as before"),
                    undo,
                );
                self.emit(
                    Phase::Privileges,
                    format!("Privileges on partition {part} as before"),
                    o.grants
                        .iter()
                        .map(|(role, privs)| {
                            Stmt::Revoke(
                                GrantObject::Table(part.clone()),
                                privs.iter().cloned().collect(),
                                role.clone(),
                            )
                        })
                        .collect(),
                );
            }
        }
        // Row level security (a protected partition follows its parent).
        if o.rls.enabled != t.rls.enabled {
            if t.rls.enabled {
                self.change(ChangeKind::EnableRls, dotted(&name), "", t.origin)
                    .on_existing_table = true;
                let mut stmts = vec![Stmt::EnableRls(name.clone())];
                stmts.extend(kept_partitions.iter().cloned().map(Stmt::EnableRls));
                self.emit(
                    Phase::Rls,
                    format!("Enable row level security on {name}"),
                    stmts,
                );
            } else {
                let c = self.change(ChangeKind::DisableRls, dotted(&name), "", t.origin);
                c.on_existing_table = true;
                c.facts.weakens_access = Some("row level security is disabled".into());
                let mut stmts = vec![Stmt::DisableRls(name.clone())];
                stmts.extend(kept_partitions.iter().cloned().map(Stmt::DisableRls));
                self.emit(
                    Phase::Rls,
                    format!("Disable row level security on {name}"),
                    stmts,
                );
            }
        }
        if o.rls.force != t.rls.force {
            if t.rls.force {
                self.change(ChangeKind::ForceRls, dotted(&name), "", t.origin)
                    .on_existing_table = true;
                let mut stmts = vec![Stmt::ForceRls(name.clone())];
                stmts.extend(kept_partitions.iter().cloned().map(Stmt::ForceRls));
                self.emit(
                    Phase::Rls,
                    format!("Force row level security on {name}"),
                    stmts,
                );
            } else {
                let c = self.change(ChangeKind::NoForceRls, dotted(&name), "", t.origin);
                c.on_existing_table = true;
                c.facts.weakens_access = Some(
                    "FORCE ROW LEVEL SECURITY is switched off: the owner bypasses policies".into(),
                );
                let mut stmts = vec![Stmt::NoForceRls(name.clone())];
                stmts.extend(kept_partitions.iter().cloned().map(Stmt::NoForceRls));
                self.emit(
                    Phase::Rls,
                    format!("No force row level security on {name}"),
                    stmts,
                );
            }
        }
        // Policies.
        let mut created: Vec<&Policy> = Vec::new();
        for (n, p) in &t.policies {
            match o.policies.get(n) {
                None => {
                    let c = self.change(
                        ChangeKind::CreatePolicy,
                        obj(n),
                        format!("for {}", p.command.sql().to_lowercase()),
                        p.origin,
                    );
                    c.on_existing_table = true;
                    c.facts.weakens_access = policy_weakening(None, p);
                    created.push(p);
                }
                Some(op) if policy_def_eq(op, p) && !self.reads_recreated_function(p) => {}
                Some(op) if policy_def_eq(op, p) => {
                    // Same definition, but a function it calls is dropped and created again:
                    // the policy depends on the old function, so it goes and comes back.
                    self.emit(
                        Phase::DropPolicy,
                        format!("Drop policy {n} on {name} (a function it calls is recreated)"),
                        vec![Stmt::DropPolicy(n.clone(), name.clone())],
                    );
                    created.push(p);
                }
                Some(op) => {
                    let c = self.change(ChangeKind::AlterPolicy, obj(n), "definition", p.origin);
                    c.on_existing_table = true;
                    c.facts.weakens_access = policy_weakening(Some(op), p);
                    self.emit(
                        Phase::DropPolicy,
                        format!("Drop policy {n} on {name} (its definition changes)"),
                        vec![Stmt::DropPolicy(n.clone(), name.clone())],
                    );
                    created.push(p);
                }
            }
        }
        sort_policies(&mut created);
        for p in created {
            self.emit(
                Phase::Rls,
                format!("Policy {} on {name}", p.name),
                vec![Stmt::CreatePolicy(name.clone(), p.clone().into())],
            );
        }
        for n in o.policies.keys() {
            if !t.policies.contains_key(n) {
                let c = self.change(ChangeKind::DropPolicy, obj(n), "", t.origin);
                c.on_existing_table = true;
                c.facts.weakens_access = Some(format!("policy {n} is dropped"));
                self.emit(
                    Phase::DropPolicy,
                    format!("Drop policy {n} on {name}"),
                    vec![Stmt::DropPolicy(n.clone(), name.clone())],
                );
            }
        }
        for (n, p) in &t.policies {
            if let Some(op) = o.policies.get(n)
                && op.why != p.why
            {
                self.comment(
                    CommentTarget::Policy(n.clone(), name.clone()),
                    p.why.as_ref(),
                    obj(n),
                    p.origin,
                );
            }
        }
        // Partitions.
        if let (Some(op), Some(np)) = (&o.partition, &t.partition) {
            for (pn, part) in &np.partitions {
                match op.partitions.get(pn) {
                    Some(x) if x.bound == part.bound => {}
                    Some(_) => {
                        self.change(
                            ChangeKind::DropPartition,
                            dotted(&part.name),
                            "bound changed",
                            part.origin,
                        )
                        .on_existing_table = true;
                        self.emit(
                            Phase::DropTable,
                            format!("Drop partition {}", part.name),
                            vec![Stmt::DropTable(part.name.clone())],
                        );
                        self.change(
                            ChangeKind::CreatePartition,
                            dotted(&part.name),
                            "",
                            part.origin,
                        )
                        .on_existing_table = true;
                        self.emit(
                            Phase::CreateTable,
                            format!("Partition {}", part.name),
                            vec![Stmt::CreatePartition(name.clone(), part.clone().into())],
                        );
                        self.protect_partition(t, &part.name);
                    }
                    None => {
                        self.change(
                            ChangeKind::CreatePartition,
                            dotted(&part.name),
                            "",
                            part.origin,
                        )
                        .on_existing_table = true;
                        self.emit(
                            Phase::CreateTable,
                            format!("Partition {}", part.name),
                            vec![Stmt::CreatePartition(name.clone(), part.clone().into())],
                        );
                        self.protect_partition(t, &part.name);
                    }
                }
            }
            for (pn, part) in &op.partitions {
                if !np.partitions.contains_key(pn) {
                    self.change(ChangeKind::DropPartition, dotted(&part.name), "", t.origin)
                        .on_existing_table = true;
                    self.emit(
                        Phase::DropTable,
                        format!("Drop partition {}", part.name),
                        vec![Stmt::DropTable(part.name.clone())],
                    );
                }
            }
        }
        // Privileges, publication, comment.
        self.privileges(
            &GrantObject::Table(name.clone()),
            dotted(&name),
            &o.grants,
            &o.revokes,
            &t.grants,
            &t.revokes,
            t.origin,
            &kept_partitions,
        );
        if o.realtime != t.realtime {
            if t.realtime {
                self.change(
                    ChangeKind::AddToPublication,
                    dotted(&name),
                    "supabase_realtime",
                    t.origin,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Publication,
                    format!("Add {name} to Realtime"),
                    vec![Stmt::AddToPublication(
                        "supabase_realtime".into(),
                        name.clone(),
                    )],
                );
            } else {
                self.change(
                    ChangeKind::DropFromPublication,
                    dotted(&name),
                    "supabase_realtime",
                    t.origin,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::DropPublication,
                    format!("Remove {name} from Realtime"),
                    vec![Stmt::DropFromPublication(
                        "supabase_realtime".into(),
                        name.clone(),
                    )],
                );
            }
        }
        if o.description != t.description {
            self.comment(
                CommentTarget::Table(name.clone()),
                t.description.as_ref(),
                dotted(&name),
                t.origin,
            );
        }
    }

    /// A generated column PostgreSQL cannot alter in place: dropped, then added again in
    /// `add_phase` (`detail` for the change list, `why` for the drop's comment).
    fn recreate_generated(
        &mut self,
        table: &QName,
        (oc, c): (&Column, &Column),
        (detail, why): (&str, &str),
        add_phase: Phase,
    ) {
        let ch = self.change(
            ChangeKind::RecreateGeneratedColumn,
            format!("{}.{}", dotted(table), c.name),
            detail,
            c.origin,
        );
        ch.on_existing_table = true;
        ch.subject = Subject::column(table, Some(oc), Some(c));
        self.emit(
            Phase::DropColumn,
            format!("Drop column {table}.{} ({why})", c.name),
            vec![Stmt::DropColumn(table.clone(), c.name.clone())],
        );
        self.emit(
            add_phase,
            format!("Column {table}.{}", c.name),
            vec![Stmt::AddColumn(table.clone(), c.clone().into())],
        );
    }
}
