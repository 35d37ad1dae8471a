//! Publications other than `supabase_realtime` between two models: create, drop, set the tables
//! (with their column lists and row filters) in one `ALTER PUBLICATION … SET TABLE`, set
//! `publish`, and the comment.

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
                stmts.push(Stmt::Publication(if p.tables.is_empty() {
                    PublicationStmt::DropTables(
                        name.clone(),
                        before
                            .tables
                            .keys()
                            .filter(|t| new.tables.contains_key(*t))
                            .cloned()
                            .collect(),
                    )
                } else {
                    PublicationStmt::SetTables(name.clone(), tables(p))
                }));
                if let Some(Stmt::Publication(PublicationStmt::DropTables(_, t))) = stmts.last()
                    && t.is_empty()
                {
                    stmts.pop();
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
