//! Columns added or altered (type, default, identity, nullability with the NOT VALID check
//! strategy), and constraints added (NOT VALID + VALIDATE when allowed).

use super::*;

impl Differ<'_> {
    pub(super) fn add_column(&mut self, table: &QName, c: &Column) {
        let ch = self.change(
            ChangeKind::AddColumn,
            format!("{}.{}", dotted(table), c.name),
            c.type_sql.clone(),
            c.origin,
        );
        ch.on_existing_table = true;
        ch.subject = Subject::column(table, None, Some(c));
        self.emit(
            Phase::AlterColumn,
            format!("Column {table}.{}", c.name),
            vec![Stmt::AddColumn(table.clone(), c.clone().into())],
        );
        if let Some(d) = &c.description {
            self.emit(
                Phase::Comments,
                format!("Comment on column {table}.{}", c.name),
                vec![Stmt::Comment(
                    CommentTarget::Column(table.clone(), c.name.clone()),
                    d.clone(),
                )],
            );
        }
    }

    pub(super) fn alter_column(&mut self, table: &QName, oc: &Column, c: &Column) {
        let object = format!("{}.{}", dotted(table), c.name);
        let col = c.name.clone();
        let mut stmts = Vec::new();
        let first = self.changes.len();
        let default_changes = trimmed(&oc.default) != trimmed(&c.default);
        if oc.type_sql != c.type_sql {
            self.retyped_tables.insert(table.clone());
            let ch = self.change(
                ChangeKind::AlterColumnType,
                object.clone(),
                format!("{} → {}", oc.type_sql, c.type_sql),
                c.origin,
            );
            ch.on_existing_table = true;
            // A default of the old type may not cast: drop it first, set the new one after.
            if oc.default.is_some() {
                stmts.push(Stmt::DropDefault(table.clone(), col.clone()));
            }
            let using = if self.down {
                None
            } else {
                c.using.as_ref().map(|u| u.value.clone())
            };
            stmts.push(Stmt::AlterColumnType(
                table.clone(),
                col.clone(),
                c.type_sql.clone(),
                using,
            ));
            if let Some(d) = &c.default {
                stmts.push(Stmt::SetDefault(
                    table.clone(),
                    col.clone(),
                    d.value.clone(),
                ));
            }
        } else if default_changes {
            self.change(
                ChangeKind::AlterColumnDefault,
                object.clone(),
                match &c.default {
                    Some(d) => format!("default {}", d.value.trim()),
                    None => "no default".to_string(),
                },
                c.origin,
            )
            .on_existing_table = true;
            stmts.push(match &c.default {
                Some(d) => Stmt::SetDefault(table.clone(), col.clone(), d.value.clone()),
                None => Stmt::DropDefault(table.clone(), col.clone()),
            });
        }
        if oc.identity != c.identity {
            self.change(
                ChangeKind::AlterColumnIdentity,
                object.clone(),
                "identity",
                c.origin,
            )
            .on_existing_table = true;
            match (oc.identity, c.identity) {
                (None, Some(id)) => stmts.push(Stmt::AddIdentity(table.clone(), col.clone(), id)),
                (Some(_), None) => stmts.push(Stmt::DropIdentity(table.clone(), col.clone())),
                (Some(_), Some(id)) => {
                    stmts.push(Stmt::SetIdentity(table.clone(), col.clone(), id))
                }
                (None, None) => {}
            }
        }
        let mut online = Vec::new();
        let mut cleanup = None;
        if oc.nullable != c.nullable {
            if c.nullable {
                self.change(
                    ChangeKind::DropNotNull,
                    object.clone(),
                    "nullable",
                    c.origin,
                )
                .on_existing_table = true;
                stmts.push(Stmt::DropNotNull(table.clone(), col.clone()));
            } else if self.settings.not_null_via_check {
                let check = not_null_check_name(table, &col);
                let ch = self.change(ChangeKind::SetNotNull, object.clone(), "not null", c.origin);
                ch.on_existing_table = true;
                ch.strategy = Some("check not valid, validate, then set not null");
                stmts.push(Stmt::AddConstraint(
                    table.clone(),
                    Box::new(Constraint::Check(crate::ir::Check {
                        name: crate::ir::Sp::new(check.clone(), Span::default()),
                        expr: crate::ir::Sp::new(
                            format!("{} IS NOT NULL", crate::sql::ident::quote_ident(&col)),
                            Span::default(),
                        ),
                        column: None,
                        origin: Span::default(),
                    })),
                    true,
                ));
                online.push(Stmt::ValidateConstraint(table.clone(), check.clone()));
                online.push(Stmt::SetNotNull(table.clone(), col.clone()));
                online.push(Stmt::DropConstraintIfExists(table.clone(), check.clone()));
                cleanup = Some(check);
            } else {
                self.change(ChangeKind::SetNotNull, object.clone(), "not null", c.origin)
                    .on_existing_table = true;
                stmts.push(Stmt::SetNotNull(table.clone(), col.clone()));
            }
        }
        self.emit(Phase::AlterColumn, format!("Column {table}.{col}"), stmts);
        self.emit_in(
            Phase::AlterColumn,
            true,
            format!("Column {table}.{col}: validate, then set NOT NULL"),
            online,
        );
        if let Some(check) = cleanup {
            self.cleanup
                .push(Stmt::DropConstraintIfExists(table.clone(), check));
        }
        let subject = Subject::column(table, Some(oc), Some(c));
        for ch in self.changes.iter_mut().skip(first) {
            ch.subject = subject.clone();
        }
    }

    pub(super) fn add_constraint(&mut self, table: &QName, name: &str, c: &Constraint) {
        let kind = constraint_kind(c);
        // PostgreSQL 15 refuses NOT VALID foreign keys on partitioned tables.
        let partitioned = self
            .new
            .tables
            .get(table)
            .is_some_and(|t| t.partition.is_some());
        let two_step = self.settings.not_valid_constraints
            && (matches!(c, Constraint::Check(_))
                || (matches!(c, Constraint::ForeignKey(_)) && !partitioned));
        let ch = self.change(
            ChangeKind::AddConstraint,
            format!("{}.{name}", dotted(table)),
            kind.as_str(),
            constraint_span(c),
        );
        ch.on_existing_table = true;
        ch.subject = Subject::Constraint {
            table: table.clone(),
            name: name.to_string(),
            kind,
        };
        if two_step {
            ch.strategy = Some("not valid, then validate");
        }
        let phase = if matches!(c, Constraint::ForeignKey(_)) {
            Phase::AddForeignKey
        } else {
            Phase::AddConstraint
        };
        self.emit(
            phase,
            format!("Constraint {name} on {table}"),
            vec![Stmt::AddConstraint(
                table.clone(),
                Box::new(c.clone()),
                two_step,
            )],
        );
        if two_step {
            self.emit_in(
                phase,
                true,
                format!("Validate constraint {name} on {table}"),
                vec![Stmt::ValidateConstraint(table.clone(), name.to_string())],
            );
        }
    }
}
