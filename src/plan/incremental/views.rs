//! Views and materialized views: created, dropped, recreated with what reads them, their
//! indexes, privileges and comments.

use super::*;

impl Differ<'_> {
    pub(super) fn views(&mut self) {
        let (old, new) = (self.old, self.new);
        // A view is recreated when its definition changes or anything it reads is recreated,
        // dropped, or has columns retyped.
        let mut recreate: BTreeSet<QName> = BTreeSet::new();
        let order = view_order(new);
        for name in &order {
            let Some(v) = new.views.get(name) else {
                continue;
            };
            let Some(o) = old.views.get(name) else {
                continue;
            };
            let reads_changed = v.depends_on.iter().any(|d| {
                recreate.contains(d)
                    || self.retyped_tables.contains(d)
                    || (old.tables.contains_key(d) != new.tables.contains_key(d))
            }) || self.calls_recreated_function(&v.query.value);
            let index_changed = o.indexes.len() != v.indexes.len()
                || o.indexes
                    .iter()
                    .zip(&v.indexes)
                    .any(|(a, b)| a.name.value != b.name.value || !index_def_eq(a, b));
            if !view_def_eq(o, v) || reads_changed || index_changed {
                recreate.insert(name.clone());
            }
        }
        let old_order = view_order(old);
        for name in old_order.iter().rev() {
            let Some(o) = old.views.get(name) else {
                continue;
            };
            if new.views.contains_key(name) && !recreate.contains(name) {
                continue;
            }
            if !new.views.contains_key(name) {
                self.change(ChangeKind::DropView, dotted(name), "", Span::default());
            }
            self.emit(
                Phase::DropView,
                format!("Drop view {name}"),
                vec![Stmt::DropView(name.clone(), o.materialized)],
            );
        }
        for name in &order {
            let Some(v) = new.views.get(name) else {
                continue;
            };
            let o = old.views.get(name);
            if o.is_some() && !recreate.contains(name) {
                self.privileges(
                    &GrantObject::Table(name.clone()),
                    dotted(name),
                    &o.map(|x| x.grants.clone()).unwrap_or_default(),
                    &o.map(|x| x.revokes.clone()).unwrap_or_default(),
                    &v.grants,
                    &v.revokes,
                    v.origin,
                    &[],
                );
                if o.is_some_and(|x| x.description != v.description) {
                    self.comment(
                        CommentTarget::View(name.clone(), v.materialized),
                        v.description.as_ref(),
                        dotted(name),
                        v.origin,
                    );
                }
                // The view keeps its indexes (same names and definitions): their `why:` is
                // all that can have changed.
                for ix in &v.indexes {
                    let before =
                        o.and_then(|x| x.indexes.iter().find(|i| i.name.value == ix.name.value));
                    if before.is_some_and(|b| b.why != ix.why) {
                        self.comment(
                            CommentTarget::Index(index_qname(name, ix)),
                            ix.why.as_ref(),
                            format!("{}.{}", dotted(name), ix.name.value),
                            ix.origin,
                        );
                    }
                }
                continue;
            }
            let kind = if o.is_some() {
                ChangeKind::RecreateView
            } else {
                ChangeKind::CreateView
            };
            let c = self.change(
                kind,
                dotted(name),
                if v.materialized { "materialized" } else { "" },
                v.origin,
            );
            if o.is_some_and(|x| x.security_invoker && !v.security_invoker) {
                c.facts.weakens_access = Some("the view no longer has security_invoker".into());
            }
            let mut stmts = vec![Stmt::CreateView(v.clone().into())];
            stmts.extend(
                v.indexes
                    .iter()
                    .map(|ix| Stmt::CreateIndex(name.clone(), ix.clone().into())),
            );
            self.emit(
                Phase::CreateView,
                format!(
                    "{} {name}",
                    if v.materialized {
                        "Materialized view"
                    } else {
                        "View"
                    }
                ),
                stmts,
            );
            let empty = Privileges::new();
            self.privileges(
                &GrantObject::Table(name.clone()),
                dotted(name),
                &empty,
                &empty,
                &v.grants,
                &v.revokes,
                v.origin,
                &[],
            );
            let mut comments = Vec::new();
            if let Some(d) = &v.description {
                comments.push(Stmt::Comment(
                    CommentTarget::View(name.clone(), v.materialized),
                    d.clone(),
                ));
            }
            for ix in &v.indexes {
                if let Some(w) = &ix.why {
                    comments.push(Stmt::Comment(
                        CommentTarget::Index(index_qname(name, ix)),
                        w.clone(),
                    ));
                }
            }
            self.emit(Phase::Comments, format!("Comments on {name}"), comments);
        }
    }
}
