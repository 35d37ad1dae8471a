//! Enum types: created, dropped, values added with `ADD VALUE`, or the type rebuilt (values
//! removed or reordered, or a new value used at once) with its columns converted.

use super::*;

impl Differ<'_> {
    /// Columns (table, column) typed with the enum `e` in `model`.
    pub(super) fn enum_columns(model: &Model, e: &QName) -> Vec<(QName, String, bool)> {
        let name = e.to_string();
        let mut out = Vec::new();
        for t in model.tables.values() {
            for c in t.columns.values() {
                if c.type_sql == name {
                    out.push((t.name.clone(), c.name.clone(), false));
                } else if c.type_sql.strip_suffix("[]") == Some(name.as_str()) {
                    out.push((t.name.clone(), c.name.clone(), true));
                }
            }
        }
        out
    }

    pub(super) fn enums(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, e) in &new.enums {
            let values: Vec<String> = e.values.iter().map(|v| v.value.clone()).collect();
            let Some(o) = old.enums.get(name) else {
                self.change(ChangeKind::CreateEnum, dotted(name), "", e.origin);
                self.emit(
                    Phase::Enum,
                    format!("Enum type {name}"),
                    vec![Stmt::CreateEnum(name.clone(), values)],
                );
                if let Some(d) = &e.description {
                    self.emit(
                        Phase::Comments,
                        format!("Comment on type {name}"),
                        vec![Stmt::Comment(CommentTarget::Type(name.clone()), d.clone())],
                    );
                }
                continue;
            };
            let before: Vec<String> = o.values.iter().map(|v| v.value.clone()).collect();
            if before != values {
                // Appending and inserting keep the old values in their order: ADD VALUE works.
                let kept: Vec<&String> = values.iter().filter(|v| before.contains(v)).collect();
                let only_added =
                    kept.len() == before.len() && kept.iter().zip(&before).all(|(a, b)| *a == b);
                let added: Vec<&String> = values.iter().filter(|v| !before.contains(v)).collect();
                // A value added with ADD VALUE cannot be used before the transaction commits;
                // when the new model uses one (a default, a check, a policy, a view), the type
                // is rebuilt instead: values of a type created in the transaction can be used.
                let used_now = added.iter().any(|v| uses_literal(new, v));
                if only_added && !self.down && !used_now {
                    let mut stmts = Vec::new();
                    for (i, v) in values.iter().enumerate() {
                        if before.contains(v) {
                            continue;
                        }
                        // Place it after the previous value, or before the next one if it is first.
                        let position = if i == 0 {
                            values.get(1).map(|n| (true, n.clone()))
                        } else {
                            values.get(i - 1).map(|p| (false, p.clone()))
                        };
                        let position = if i + 1 == values.len() {
                            None
                        } else {
                            position
                        };
                        stmts.push(Stmt::AddEnumValue(name.clone(), v.clone(), position));
                    }
                    let c = self.change(
                        ChangeKind::AddEnumValue,
                        dotted(name),
                        format!(
                            "add {}",
                            added
                                .iter()
                                .map(|v| format!("'{v}'"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        e.origin,
                    );
                    c.subject = Subject::Enum {
                        name: name.clone(),
                        old: before.clone(),
                        new: values.clone(),
                    };
                    self.emit(
                        Phase::Enum,
                        format!("Add values to enum type {name}"),
                        stmts,
                    );
                } else {
                    self.rebuild_enum(name, &before, &values, e.origin);
                }
            }
            if o.description != e.description {
                self.comment(
                    CommentTarget::Type(name.clone()),
                    e.description.as_ref(),
                    dotted(name),
                    e.origin,
                );
            }
        }
        for name in old.enums.keys() {
            if !new.enums.contains_key(name) {
                self.change(ChangeKind::DropEnum, dotted(name), "", Span::default());
                self.emit(
                    Phase::DropEnum,
                    format!("Drop enum type {name}"),
                    vec![Stmt::DropType(name.clone())],
                );
            }
        }
    }

    /// Values removed or reordered: rename the old type away, create the new one, convert every
    /// column through text, drop the old type. Rows holding a removed value make it fail, which
    /// is the point: they must be migrated first.
    pub(super) fn rebuild_enum(
        &mut self,
        name: &QName,
        before: &[String],
        values: &[String],
        span: Span,
    ) {
        let removed = enum_values_removed(before, values);
        let old_name = QName::new(name.schema.clone(), format!("{}__old", name.name));
        let mut stmts = vec![
            Stmt::RenameType(name.clone(), old_name.name.clone()),
            Stmt::CreateEnum(name.clone(), values.to_vec()),
        ];
        for (table, column, array) in Self::enum_columns(self.new, name) {
            // A column this migration adds to an existing table is added after the rebuild,
            // with the new type: there is nothing to convert yet.
            if let Some(t) = self.old.tables.get(&table)
                && !t.columns.contains_key(&column)
            {
                continue;
            }
            self.retyped_tables.insert(table.clone());
            let col = self
                .new
                .tables
                .get(&table)
                .and_then(|t| t.columns.get(&column));
            let default = col
                .and_then(|c| c.default.as_ref())
                .map(|d| d.value.clone());
            if default.is_some() {
                stmts.push(Stmt::DropDefault(table.clone(), column.clone()));
            }
            let ty = if array {
                format!("{name}[]")
            } else {
                name.to_string()
            };
            let using = format!(
                "{}::text{}::{ty}",
                crate::sql::ident::quote_ident(&column),
                if array { "[]" } else { "" }
            );
            stmts.push(Stmt::AlterColumnType(
                table.clone(),
                column.clone(),
                ty,
                Some(using),
            ));
            if let Some(d) = default {
                stmts.push(Stmt::SetDefault(table.clone(), column.clone(), d));
            }
        }
        stmts.push(Stmt::DropType(old_name));
        let reordered = enum_values_reordered(before, values);
        let quoted = |vs: Vec<&String>| {
            vs.iter()
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let detail = if !removed.is_empty() {
            format!("remove {}", quoted(removed.iter().collect()))
        } else if reordered {
            "values reordered".to_string()
        } else {
            // Only additions: rebuilt because the migration uses a new value at once.
            format!(
                "add {}, used in this migration",
                quoted(values.iter().filter(|v| !before.contains(v)).collect())
            )
        };
        let c = self.change(ChangeKind::RebuildEnum, dotted(name), detail, span);
        c.subject = Subject::Enum {
            name: name.clone(),
            old: before.to_vec(),
            new: values.to_vec(),
        };
        c.on_existing_table = true;
        // After the columns' other changes are planned (they run in AlterColumn, later), but the
        // rebuild needs the tables to exist: it runs with the column alterations.
        self.emit(
            Phase::AlterColumn,
            format!("Rebuild enum type {name}"),
            stmts,
        );
    }
}
