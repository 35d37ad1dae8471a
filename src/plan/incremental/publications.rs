//! Publications other than `supabase_realtime` between two models: create, drop, set the tables
//! (with their column lists and row filters) — the old members leave early (`DROP TABLE`, before
//! columns they depend on are dropped or retyped), the new list comes back late with `SET TABLE`
//! (after columns are added) — set `publish`, and the comment.

use super::*;
use crate::plan::publications::{create, tables};
use crate::sql::PublicationStmt;

impl Differ<'_> {
    pub(super) fn publications(&mut self) {
        let (old, new) = (self.old, self.new);
        for name in old.publications.keys() {
            if !new.publications.contains_key(name) {
                self.change(
                    ChangeKind::DropPublication,
                    name.clone(),
                    "",
                    Span::default(),
                );
                self.emit(
                    Phase::DropPublication,
                    format!("Drop publication {name}"),
                    vec![Stmt::Publication(PublicationStmt::Drop(name.clone()))],
                );
            }
        }
        for (name, p) in &new.publications {
            let Some(before) = old.publications.get(name) else {
                self.change(ChangeKind::CreatePublication, name.clone(), "", p.origin);
                self.emit(Phase::Publication, format!("Publication {name}"), create(p));
                continue;
            };
            let same_tables = before.tables.len() == p.tables.len()
                && before
                    .tables
                    .iter()
                    .zip(&p.tables)
                    .all(|((a, x), (b, y))| a == b && x.same(y));
            let mut stmts = Vec::new();
            if !same_tables {
                self.change(
                    ChangeKind::AlterPublication,
                    name.clone(),
                    "tables",
                    p.origin,
                );
                // The old memberships go first: a column list or row filter depends on its
                // columns, which this migration may drop or retype before the new list is set.
                // (Tables the migration drops leave the publication with them.)
                let kept: Vec<QName> = before
                    .tables
                    .keys()
                    .filter(|t| new.tables.contains_key(*t))
                    .cloned()
                    .collect();
                if !kept.is_empty() {
                    self.emit(
                        Phase::DropPublication,
                        format!("Publication {name}: its tables leave it until it is set again"),
                        vec![Stmt::Publication(PublicationStmt::DropTables(
                            name.clone(),
                            kept,
                        ))],
                    );
                }
                if !p.tables.is_empty() {
                    stmts.push(Stmt::Publication(PublicationStmt::SetTables(
                        name.clone(),
                        tables(p),
                    )));
                }
            }
            if before.publish != p.publish {
                self.change(
                    ChangeKind::AlterPublication,
                    name.clone(),
                    format!(
                        "publish {} → {}",
                        before.publish.join(", "),
                        p.publish.join(", ")
                    ),
                    p.origin,
                );
                stmts.push(Stmt::Publication(PublicationStmt::SetPublish(
                    name.clone(),
                    p.publish.clone(),
                )));
            }
            self.emit(Phase::Publication, format!("Publication {name}"), stmts);
            if before.description != p.description {
                self.change(ChangeKind::Comment, name.clone(), "publication", p.origin);
                self.emit(
                    Phase::Comments,
                    format!("Comment on publication {name}"),
                    vec![Stmt::Publication(PublicationStmt::Comment(
                        name.clone(),
                        p.description.clone(),
                    ))],
                );
            }
        }
    }
}
