//! Triggers and policies on platform tables (top-level `triggers:` / `policies:`), and partitions
//! created on an existing protected table.

use super::*;

impl Differ<'_> {
    pub(super) fn external_triggers(&mut self) {
        let (old, new) = (self.old, self.new);
        let key = |t: &crate::ir::Trigger| (t.table.clone(), t.name.clone());
        let before: BTreeMap<_, _> = old.external_triggers.iter().map(|t| (key(t), t)).collect();
        let after: BTreeMap<_, _> = new.external_triggers.iter().map(|t| (key(t), t)).collect();
        for (k, tr) in &after {
            let object = format!("{}.{}", dotted(&k.0), k.1);
            let target = || CommentTarget::Trigger(k.1.clone(), k.0.clone());
            match before.get(k) {
                Some(ot)
                    if trigger_def_eq(ot, tr)
                        && !self.recreated_functions.contains(&tr.function) =>
                {
                    self.trigger_enabled(ot, tr, object.clone());
                    if ot.description != tr.description {
                        self.comment(target(), tr.description.as_ref(), object, tr.origin);
                    }
                    continue;
                }
                Some(_) => {
                    self.change(ChangeKind::ReplaceTrigger, object, "definition", tr.origin);
                    self.emit(
                        Phase::DropTrigger,
                        format!("Drop trigger {} on {}", k.1, k.0),
                        vec![Stmt::DropTrigger(k.1.clone(), k.0.clone())],
                    );
                    self.emit(
                        Phase::CreateTrigger,
                        format!("Trigger {} on {}", k.1, k.0),
                        replication::create_trigger(tr),
                    );
                }
                None => {
                    self.change(ChangeKind::CreateTrigger, object, "", tr.origin);
                    self.emit(
                        Phase::CreateTrigger,
                        format!("Trigger {} on {}", k.1, k.0),
                        replication::create_trigger(tr),
                    );
                }
            }
            // A trigger created (or created again) has no comment yet.
            if let Some(d) = &tr.description {
                self.emit(
                    Phase::Comments,
                    format!("Comment on trigger {} on {}", k.1, k.0),
                    vec![Stmt::Comment(target(), d.clone())],
                );
            }
        }
        for k in before.keys() {
            if !after.contains_key(k) {
                self.change(
                    ChangeKind::DropTrigger,
                    format!("{}.{}", dotted(&k.0), k.1),
                    "",
                    Span::default(),
                );
                self.emit(
                    Phase::DropTrigger,
                    format!("Drop trigger {} on {}", k.1, k.0),
                    vec![Stmt::DropTrigger(k.1.clone(), k.0.clone())],
                );
            }
        }
    }
}

impl Differ<'_> {
    /// A partition created on an existing table gets the parent's row level security and
    /// privileges (when the parent's partitions are protected).
    pub(super) fn protect_partition(&mut self, t: &Table, part: &QName) {
        if !t.partition.as_ref().is_some_and(|p| p.protected) {
            return;
        }
        self.emit(
            Phase::Rls,
            format!("Row level security on partition {part}, as on {}", t.name),
            crate::plan::partition_rls(t, part),
        );
        let mut privs: Vec<Stmt<'static>> = Vec::new();
        crate::plan::partition_privileges(t, part, &mut privs);
        self.emit(
            Phase::Privileges,
            format!("Privileges on partition {part}, as on {}", t.name),
            privs,
        );
    }

    /// Policies on platform tables (top-level `policies:`): created, dropped, or dropped and
    /// created again when their definition changes.
    pub(super) fn external_policies(&mut self) {
        let (old, new) = (self.old, self.new);
        let empty = BTreeMap::new();
        let tables: BTreeSet<&QName> = old
            .external_policies
            .keys()
            .chain(new.external_policies.keys())
            .collect();
        for table in tables {
            let before = old.external_policies.get(table).unwrap_or(&empty);
            let after = new.external_policies.get(table).unwrap_or(&empty);
            let mut created: Vec<&Policy> = Vec::new();
            for (n, p) in after {
                let object = format!("{}.{n}", dotted(table));
                match before.get(n) {
                    Some(op) if policy_def_eq(op, p) && !self.reads_recreated_function(p) => {}
                    Some(op) => {
                        let c =
                            self.change(ChangeKind::AlterPolicy, object, "definition", p.origin);
                        c.facts.weakens_access = policy_weakening(Some(op), p);
                        self.emit(
                            Phase::DropPolicy,
                            format!("Drop policy {n} on {table} (its definition changes)"),
                            vec![Stmt::DropPolicy(n.clone(), table.clone())],
                        );
                        created.push(p);
                    }
                    None => {
                        let c = self.change(
                            ChangeKind::CreatePolicy,
                            object,
                            format!("for {}", p.command.sql().to_lowercase()),
                            p.origin,
                        );
                        c.facts.weakens_access = policy_weakening(None, p);
                        created.push(p);
                    }
                }
            }
            sort_policies(&mut created);
            for p in created {
                self.emit(
                    Phase::Rls,
                    format!("Policy {} on {table}", p.name),
                    vec![Stmt::CreatePolicy(table.clone(), (*p).clone().into())],
                );
            }
            for n in before.keys() {
                if !after.contains_key(n) {
                    let c = self.change(
                        ChangeKind::DropPolicy,
                        format!("{}.{n}", dotted(table)),
                        "",
                        Span::default(),
                    );
                    c.facts.weakens_access = Some(format!("policy {n} is dropped"));
                    self.emit(
                        Phase::DropPolicy,
                        format!("Drop policy {n} on {table}"),
                        vec![Stmt::DropPolicy(n.clone(), table.clone())],
                    );
                }
            }
        }
    }
}
