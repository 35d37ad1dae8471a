//! Domains and composite types: created (with the enums, before functions and tables), dropped
//! (after the tables), renamed, altered in place (a domain's default, NOT NULL and checks; a
//! composite's fields), or — when a domain's base type or collation changes — rebuilt with its
//! columns converted.
//!
//! A check added to a domain that existing columns use is added `NOT VALID` and validated in the
//! follow-up file when `migrations.not_valid_constraints` is on (the default), as for tables.

use super::*;
use crate::ir::domains::{UserType, columns_of_type, element_type, type_order};
use crate::ir::{CompositeType, Domain};
use crate::sql::domains::TypeStmt;

fn ty(s: TypeStmt) -> Stmt<'static> {
    Stmt::Type(s)
}

fn set_domain_schema(q: QName, s: String) -> Stmt<'static> {
    ty(TypeStmt::SetDomainSchema(q, s))
}

fn rename_domain(q: QName, n: String) -> Stmt<'static> {
    ty(TypeStmt::RenameDomain(q, n))
}

fn origin(t: UserType<'_>) -> Span {
    match t {
        UserType::Domain(d) => d.origin,
        UserType::Composite(c) => c.origin,
    }
}

impl Differ<'_> {
    pub(super) fn user_types(&mut self, r: &Renames) {
        let (old, new) = (self.old, self.new);
        for (from, to) in &r.types {
            let stmts = if new.domains.contains_key(to) {
                move_and_rename(from, to, set_domain_schema, rename_domain)
            } else {
                move_and_rename(from, to, Stmt::SetTypeSchema, Stmt::RenameType)
            };
            let span = new
                .domains
                .get(to)
                .map(|t| t.origin)
                .or_else(|| new.composites.get(to).map(|t| t.origin))
                .unwrap_or_default();
            self.change(
                ChangeKind::RenameType,
                dotted(to),
                format!("renamed from {}", dotted(from)),
                span,
            );
            self.emit(Phase::Rename, format!("Rename type {from} to {to}"), stmts);
        }
        for (t, parts) in &r.type_parts {
            let domain = new.domains.contains_key(t);
            for (from, to) in parts {
                let (what, stmt) = if domain {
                    (
                        "check",
                        ty(TypeStmt::RenameCheck(t.clone(), from.clone(), to.clone())),
                    )
                } else {
                    (
                        "field",
                        ty(TypeStmt::RenameAttribute(
                            t.clone(),
                            from.clone(),
                            to.clone(),
                        )),
                    )
                };
                self.change(
                    ChangeKind::AlterType,
                    format!("{}.{to}", dotted(t)),
                    format!("{what} renamed from {from}"),
                    Span::default(),
                );
                self.emit(
                    Phase::Rename,
                    format!("Rename {what} {from} of {t} to {to}"),
                    vec![stmt],
                );
            }
        }
        for t in type_order(new) {
            let name = t.name();
            match (t, old.domains.get(name), old.composites.get(name)) {
                (UserType::Domain(d), Some(o), _) => self.alter_domain(o, d),
                (UserType::Composite(c), _, Some(o)) => self.alter_composite(o, c),
                (_, o_dom, o_comp) => {
                    if o_dom.is_some() || o_comp.is_some() {
                        // A domain became a composite type or the reverse.
                        let dropped = match (o_dom, o_comp) {
                            (Some(d), _) => UserType::Domain(d),
                            (_, Some(c)) => UserType::Composite(c),
                            _ => continue,
                        };
                        self.change(
                            ChangeKind::DropType,
                            dotted(name),
                            "kind changed",
                            origin(t),
                        );
                        self.emit(
                            Phase::DropFunction,
                            format!("Drop type {name} (its kind changes)"),
                            vec![crate::plan::domains::drop(dropped)],
                        );
                    }
                    self.change(ChangeKind::CreateType, dotted(name), "", origin(t));
                    self.emit(
                        Phase::Enum,
                        format!("Type {name}"),
                        vec![crate::plan::domains::create(t)],
                    );
                    let desc = match t {
                        UserType::Domain(d) => d.description.as_ref(),
                        UserType::Composite(c) => c.description.as_ref(),
                    };
                    if let Some(desc) = desc {
                        self.emit(
                            Phase::Comments,
                            format!("Comment on type {name}"),
                            vec![Stmt::Comment(
                                CommentTarget::Type(name.clone()),
                                desc.clone(),
                            )],
                        );
                    }
                }
            }
        }
        for t in type_order(old).into_iter().rev() {
            let name = t.name();
            if new.domains.contains_key(name) || new.composites.contains_key(name) {
                continue;
            }
            self.change(ChangeKind::DropType, dotted(name), "", Span::default());
            self.emit(
                Phase::DropType,
                format!("Drop type {name}"),
                vec![crate::plan::domains::drop(t)],
            );
        }
    }

    fn alter_domain(&mut self, o: &Domain, d: &Domain) {
        let name = &d.name;
        let collation = |x: &Domain| x.collation.as_ref().map(|c| c.value.clone());
        if o.type_sql != d.type_sql || collation(o) != collation(d) {
            self.rebuild_domain(o, d);
        } else {
            if trimmed(&o.default) != trimmed(&d.default) {
                let stmt = match &d.default {
                    Some(e) => TypeStmt::SetDefault(name.clone(), e.value.clone()),
                    None => TypeStmt::DropDefault(name.clone()),
                };
                self.change(ChangeKind::AlterType, dotted(name), "default", d.origin);
                self.emit(
                    Phase::Enum,
                    format!("Default of domain {name}"),
                    vec![ty(stmt)],
                );
            }
            if o.not_null != d.not_null {
                let (detail, phase, stmt) = if d.not_null {
                    // After the columns' data changes of this migration.
                    (
                        "set not null",
                        Phase::AlterColumn,
                        TypeStmt::SetNotNull(name.clone()),
                    )
                } else {
                    (
                        "drop not null",
                        Phase::Enum,
                        TypeStmt::DropNotNull(name.clone()),
                    )
                };
                let used = d.not_null && !columns_of_type(self.old, name).is_empty();
                let c = self.change(ChangeKind::AlterType, dotted(name), detail, d.origin);
                c.on_existing_table = used;
                self.emit(phase, format!("NOT NULL of domain {name}"), vec![ty(stmt)]);
            }
            let used = !columns_of_type(self.old, name).is_empty();
            for (cname, e) in &o.checks {
                let same = d
                    .checks
                    .get(cname)
                    .is_some_and(|n| n.value.trim() == e.value.trim());
                if !same {
                    self.change(
                        ChangeKind::AlterType,
                        format!("{}.{cname}", dotted(name)),
                        "drop check",
                        d.origin,
                    );
                    self.emit(
                        Phase::DropConstraint,
                        format!("Drop check {cname} of domain {name}"),
                        vec![ty(TypeStmt::DropCheck(
                            name.clone(),
                            cname.clone(),
                            self.down,
                        ))],
                    );
                }
            }
            for (cname, e) in &d.checks {
                let same = o
                    .checks
                    .get(cname)
                    .is_some_and(|n| n.value.trim() == e.value.trim());
                if same {
                    continue;
                }
                let two_step = used && self.settings.not_valid_constraints;
                let c = self.change(
                    ChangeKind::AlterType,
                    format!("{}.{cname}", dotted(name)),
                    "add check",
                    e.span,
                );
                c.on_existing_table = used;
                if two_step {
                    c.strategy = Some("not valid, then validate");
                }
                self.emit(
                    Phase::AddConstraint,
                    format!("Check {cname} of domain {name}"),
                    vec![ty(TypeStmt::AddCheck(
                        name.clone(),
                        cname.clone(),
                        e.value.clone(),
                        two_step,
                    ))],
                );
                if two_step {
                    self.emit_in(
                        Phase::AddConstraint,
                        true,
                        format!("Validate check {cname} of domain {name}"),
                        vec![ty(TypeStmt::ValidateCheck(name.clone(), cname.clone()))],
                    );
                }
            }
        }
        if o.description != d.description {
            self.comment(
                CommentTarget::Type(name.clone()),
                d.description.as_ref(),
                dotted(name),
                d.origin,
            );
        }
    }

    /// The base type or collation changed: rename the old domain away, create the new one,
    /// convert every existing column through the new base type, drop the old domain. Rows the
    /// new checks refuse make it fail, which is the point.
    fn rebuild_domain(&mut self, o: &Domain, d: &Domain) {
        let name = &d.name;
        let old_name = QName::new(name.schema.clone(), format!("{}__old", name.name));
        let used = !columns_of_type(self.old, name).is_empty();
        let c = self.change(
            ChangeKind::RebuildDomain,
            dotted(name),
            format!("{} → {}", o.type_sql, d.type_sql),
            d.origin,
        );
        c.on_existing_table = used;
        self.emit(
            Phase::Enum,
            format!("Rebuild domain {name}: the new domain"),
            vec![
                ty(TypeStmt::RenameDomain(name.clone(), old_name.name.clone())),
                ty(TypeStmt::CreateDomain(Box::new(d.clone()))),
            ],
        );
        let mut stmts = Vec::new();
        for (table, column) in columns_of_type(self.new, name) {
            // Columns this migration adds or whose table it creates already have the new type.
            let Some(ot) = self.old.tables.get(table) else {
                continue;
            };
            if !ot.columns.contains_key(column) {
                continue;
            }
            self.retyped_tables.insert(table.clone());
            let Some(col) = self
                .new
                .tables
                .get(table)
                .and_then(|t| t.columns.get(column))
            else {
                continue;
            };
            let dims = col
                .type_sql
                .trim()
                .strip_prefix(element_type(&col.type_sql))
                .unwrap_or("");
            if col.default.is_some() {
                stmts.push(Stmt::DropDefault(table.clone(), column.to_string()));
            }
            let using = format!(
                "{}::{}{dims}::{}",
                crate::sql::ident::quote_ident(column),
                d.type_sql,
                col.type_sql
            );
            stmts.push(Stmt::AlterColumnType(
                table.clone(),
                column.to_string(),
                col.type_sql.clone(),
                Some(using),
            ));
            if let Some(def) = &col.default {
                stmts.push(Stmt::SetDefault(
                    table.clone(),
                    column.to_string(),
                    def.value.clone(),
                ));
            }
        }
        // Fields of existing composite types follow the new domain (ALTER ATTRIBUTE … TYPE).
        let target = name.to_string();
        for c in self.new.composites.values() {
            let Some(oc) = self.old.composites.get(&c.name) else {
                continue;
            };
            for f in c.fields.values() {
                if element_type(&f.type_sql) == target && oc.fields.contains_key(&f.name) {
                    stmts.push(ty(TypeStmt::AlterAttributeType(
                        c.name.clone(),
                        f.name.clone(),
                        f.type_sql.clone(),
                    )));
                }
            }
        }
        stmts.push(ty(TypeStmt::DropDomain(old_name)));
        self.emit(
            Phase::AlterColumn,
            format!("Rebuild domain {name}: convert its columns, drop the old domain"),
            stmts,
        );
    }

    fn alter_composite(&mut self, o: &CompositeType, c: &CompositeType) {
        let name = &c.name;
        let retyped = c.fields.values().any(|f| {
            o.fields
                .get(&f.name)
                .is_some_and(|of| of.type_sql != f.type_sql)
        });
        if retyped && !columns_of_type(self.old, name).is_empty() {
            // PostgreSQL refuses `ALTER ATTRIBUTE … TYPE` while a column uses the type.
            self.rebuild_composite(o, c);
        } else {
            self.alter_fields(o, c);
        }
        if o.description != c.description {
            self.comment(
                CommentTarget::Type(name.clone()),
                c.description.as_ref(),
                dotted(name),
                c.origin,
            );
        }
    }

    /// A field retyped while columns use the type: rename the old type away, create the new
    /// one, convert each column field by field (`ROW((col).a, (col).b::new_type, NULL)`, a field
    /// the old type lacks is NULL; an array column goes through its text form, field by
    /// position), drop the old type.
    fn rebuild_composite(&mut self, o: &CompositeType, c: &CompositeType) {
        let name = &c.name;
        let old_name = QName::new(name.schema.clone(), format!("{}__old", name.name));
        let ch = self.change(
            ChangeKind::AlterType,
            dotted(name),
            "field retyped while columns use the type: rebuilt, its columns converted",
            c.origin,
        );
        ch.on_existing_table = true;
        self.emit(
            Phase::Enum,
            format!("Rebuild type {name}: the new type"),
            vec![
                Stmt::RenameType(name.clone(), old_name.name.clone()),
                ty(TypeStmt::CreateComposite(Box::new(c.clone()))),
            ],
        );
        let mut stmts = Vec::new();
        for (table, column) in columns_of_type(self.new, name) {
            let Some(ot) = self.old.tables.get(table) else {
                continue;
            };
            if !ot.columns.contains_key(column) {
                continue;
            }
            self.retyped_tables.insert(table.clone());
            let Some(col) = self
                .new
                .tables
                .get(table)
                .and_then(|t| t.columns.get(column))
            else {
                continue;
            };
            let q = crate::sql::ident::quote_ident(column);
            let using = if col.type_sql.trim_end().ends_with("[]") {
                format!("{q}::text::{}", col.type_sql)
            } else {
                let fields: Vec<String> = c
                    .fields
                    .values()
                    .map(|f| match o.fields.get(&f.name) {
                        Some(_) => format!(
                            "({q}).{}::{}",
                            crate::sql::ident::quote_ident(&f.name),
                            f.type_sql
                        ),
                        None => format!("NULL::{}", f.type_sql),
                    })
                    .collect();
                format!(
                    "CASE WHEN num_nulls({q}) = 1 THEN NULL ELSE ROW({})::{} END",
                    fields.join(", "),
                    col.type_sql
                )
            };
            if col.default.is_some() {
                stmts.push(Stmt::DropDefault(table.clone(), column.to_string()));
            }
            stmts.push(Stmt::AlterColumnType(
                table.clone(),
                column.to_string(),
                col.type_sql.clone(),
                Some(using),
            ));
            if let Some(def) = &col.default {
                stmts.push(Stmt::SetDefault(
                    table.clone(),
                    column.to_string(),
                    def.value.clone(),
                ));
            }
        }
        stmts.push(Stmt::DropType(old_name));
        self.emit(
            Phase::AlterColumn,
            format!("Rebuild type {name}: convert its columns, drop the old type"),
            stmts,
        );
    }

    fn alter_fields(&mut self, o: &CompositeType, c: &CompositeType) {
        let name = &c.name;
        let mut stmts = Vec::new();
        let mut details = Vec::new();
        for f in o.fields.values() {
            if !c.fields.contains_key(&f.name) {
                details.push(format!("drop field {}", f.name));
                stmts.push(ty(TypeStmt::DropAttribute(name.clone(), f.name.clone())));
            }
        }
        for f in c.fields.values() {
            match o.fields.get(&f.name) {
                None => {
                    details.push(format!("add field {}", f.name));
                    stmts.push(ty(TypeStmt::AddAttribute(
                        name.clone(),
                        f.name.clone(),
                        f.type_sql.clone(),
                    )));
                }
                Some(of) if of.type_sql != f.type_sql => {
                    details.push(format!(
                        "field {}: {} → {}",
                        f.name, of.type_sql, f.type_sql
                    ));
                    stmts.push(ty(TypeStmt::AlterAttributeType(
                        name.clone(),
                        f.name.clone(),
                        f.type_sql.clone(),
                    )));
                }
                Some(_) => {}
            }
        }
        if !stmts.is_empty() {
            self.change(
                ChangeKind::AlterType,
                dotted(name),
                details.join(", "),
                c.origin,
            );
            // With the enums and domains: after a type a new field uses, before tables and
            // functions that read the new fields.
            self.emit(Phase::Enum, format!("Fields of type {name}"), stmts);
        }
    }
}
