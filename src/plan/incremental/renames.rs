//! Declared renames (`renamed_from:`): tables, enums, functions and procedures moved and
//! renamed, columns, indexes and policies renamed, first in the migration.

use super::*;

impl Differ<'_> {
    pub(super) fn renames(&mut self, r: &Renames) {
        for (from, to) in &r.tables {
            let stmts = move_and_rename(from, to, Stmt::SetTableSchema, Stmt::RenameTable);
            let span = self
                .new
                .tables
                .get(to)
                .map_or_else(Span::default, |t| t.origin);
            self.change(
                ChangeKind::RenameTable,
                dotted(to),
                format!("renamed from {}", dotted(from)),
                span,
            )
            .on_existing_table = true;
            self.emit(Phase::Rename, format!("Rename table {from} to {to}"), stmts);
        }
        for (table, cols) in &r.columns {
            for (from, to) in cols {
                let span = self
                    .new
                    .tables
                    .get(table)
                    .and_then(|t| t.columns.get(to))
                    .map_or_else(Span::default, |c| c.origin);
                self.change(
                    ChangeKind::RenameColumn,
                    format!("{}.{to}", dotted(table)),
                    format!("renamed from {from}"),
                    span,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename column {table}.{from} to {to}"),
                    vec![Stmt::RenameColumn(table.clone(), from.clone(), to.clone())],
                );
            }
        }
        for (from, to) in &r.enums {
            let stmts = move_and_rename(from, to, Stmt::SetTypeSchema, Stmt::RenameType);
            let span = self
                .new
                .enums
                .get(to)
                .map_or_else(Span::default, |e| e.origin);
            self.change(
                ChangeKind::RenameEnum,
                dotted(to),
                format!("renamed from {}", dotted(from)),
                span,
            );
            self.emit(Phase::Rename, format!("Rename type {from} to {to}"), stmts);
        }
        for (from, to) in &r.functions {
            let Some(f) = self.new.functions.get(to) else {
                continue;
            };
            // The signature under its old name (same input types), then moved and renamed.
            let mut current = f.clone();
            current.name = from.name.clone();
            let mut stmts = Vec::new();
            if from.name.schema != to.name.schema {
                stmts.push(Stmt::SetRoutineSchema(
                    f.kind,
                    function_signature(&current),
                    to.name.schema.clone(),
                ));
                current.name.schema = to.name.schema.clone();
            }
            if current.name.name != to.name.name {
                stmts.push(Stmt::RenameRoutine(
                    f.kind,
                    function_signature(&current),
                    to.name.name.clone(),
                ));
            }
            self.change(
                ChangeKind::RenameFunction,
                self.new.function_label(to),
                format!("renamed from {}", dotted(&from.name)),
                f.origin,
            );
            self.emit(
                Phase::Rename,
                format!("Rename {} {} to {}", f.kind.word(), from.name, to.name),
                stmts,
            );
        }
        for (table, ixs) in &r.indexes {
            for (from, to) in ixs {
                self.change(
                    ChangeKind::RenameIndex,
                    format!("{}.{to}", dotted(table)),
                    format!("renamed from {from}"),
                    Span::default(),
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename index {from} to {to}"),
                    vec![Stmt::RenameIndex(
                        QName::new(table.schema.clone(), from.clone()),
                        to.clone(),
                    )],
                );
            }
        }
        for (table, pols) in &r.policies {
            for (from, to) in pols {
                let span = self
                    .new
                    .tables
                    .get(table)
                    .and_then(|t| t.policies.get(to))
                    .map_or_else(Span::default, |p| p.origin);
                self.change(
                    ChangeKind::RenamePolicy,
                    format!("{}.{to}", dotted(table)),
                    format!("renamed from {from}"),
                    span,
                )
                .on_existing_table = true;
                self.emit(
                    Phase::Rename,
                    format!("Rename policy {from} on {table} to {to}"),
                    vec![Stmt::RenamePolicy(table.clone(), from.clone(), to.clone())],
                );
            }
        }
    }
}
