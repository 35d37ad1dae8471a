//! Functions: created, dropped, replaced in place, or dropped and created again when the
//! signature changes; their privileges and comments.

use super::*;

impl Differ<'_> {
    pub(super) fn functions(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, f) in &new.functions {
            let create_phase = if f.uses_table_types {
                Phase::CreateLateFunction
            } else {
                Phase::CreateFunction
            };
            match old.functions.get(name) {
                None => {
                    self.change(ChangeKind::CreateFunction, dotted(name), "", f.origin);
                    self.emit(
                        create_phase,
                        format!("Function {name}"),
                        vec![Stmt::CreateFunction(f.clone().into())],
                    );
                    self.function_privileges(None, f, true);
                    if let Some(d) = &f.description {
                        self.emit(
                            Phase::Comments,
                            format!("Comment on function {name}"),
                            vec![Stmt::Comment(
                                CommentTarget::Function(function_signature(f)),
                                d.clone(),
                            )],
                        );
                    }
                }
                Some(o) if function_def_eq(o, f) => {}
                Some(o) => {
                    let weakens = (!o.security_definer && f.security_definer)
                        .then(|| "the function becomes SECURITY DEFINER".to_string());
                    if function_replaceable(o, f) {
                        let c = self.change(
                            ChangeKind::ReplaceFunction,
                            dotted(name),
                            "definition",
                            f.origin,
                        );
                        c.facts.weakens_access = weakens;
                        self.emit(
                            create_phase,
                            format!("Replace function {name}"),
                            vec![Stmt::ReplaceFunction(f.clone().into())],
                        );
                    } else {
                        let c = self.change(
                            ChangeKind::RecreateFunction,
                            dotted(name),
                            format!("{} → {}", function_signature(o), function_signature(f)),
                            f.origin,
                        );
                        c.facts.weakens_access = weakens;
                        self.recreated_functions.insert(name.clone());
                        let old_drop = if o.uses_table_types {
                            Phase::DropLateFunction
                        } else {
                            Phase::DropFunction
                        };
                        self.emit(
                            old_drop,
                            format!("Drop function {name} (its signature changes)"),
                            vec![Stmt::DropFunction(function_signature(o))],
                        );
                        self.emit(
                            create_phase,
                            format!("Function {name}"),
                            vec![Stmt::CreateFunction(f.clone().into())],
                        );
                        self.function_privileges(None, f, true);
                        if let Some(d) = &f.description {
                            self.emit(
                                Phase::Comments,
                                format!("Comment on function {name}"),
                                vec![Stmt::Comment(
                                    CommentTarget::Function(function_signature(f)),
                                    d.clone(),
                                )],
                            );
                        }
                    }
                }
            }
        }
        for (name, o) in &old.functions {
            if !new.functions.contains_key(name) {
                self.change(ChangeKind::DropFunction, dotted(name), "", Span::default());
                let phase = if o.uses_table_types {
                    Phase::DropLateFunction
                } else {
                    Phase::DropFunction
                };
                self.emit(
                    phase,
                    format!("Drop function {name}"),
                    vec![Stmt::DropFunction(function_signature(o))],
                );
            }
        }
    }

    pub(super) fn function_privileges_and_comments(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, f) in &new.functions {
            let Some(o) = old.functions.get(name) else {
                continue;
            };
            if self.recreated_functions.contains(name) {
                continue;
            }
            self.function_privileges(Some(o), f, false);
            if o.description != f.description {
                self.comment(
                    CommentTarget::Function(function_signature(f)),
                    f.description.as_ref(),
                    dotted(name),
                    f.origin,
                );
            }
        }
    }

    pub(super) fn function_privileges(
        &mut self,
        old: Option<&Function>,
        f: &Function,
        fresh: bool,
    ) {
        let obj = GrantObject::Function(function_signature(f));
        let empty = Privileges::new();
        let (og, or) = match (old, fresh) {
            (Some(o), false) => (&o.grants, &o.revokes),
            _ => (&empty, &empty),
        };
        self.privileges(
            &obj,
            dotted(&f.name),
            og,
            or,
            &f.grants,
            &f.revokes,
            f.origin,
            &[],
        );
    }
}
