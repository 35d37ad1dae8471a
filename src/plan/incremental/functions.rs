//! Functions and procedures: created, dropped, replaced in place, or dropped and created again
//! when the signature changes; their privileges and comments. Overloads are matched by identity
//! (name and input argument types); a name with one routine on both sides is matched by name, so
//! a changed argument list is one change (drop and create, with its dependants recreated).

use super::*;

/// The routine of `old` that `key` of `new` continues: the same identity, or the only routine
/// of that name when both sides have exactly one.
fn counterpart<'m>(old: &'m Model, new: &Model, key: &FnKey) -> Option<(&'m FnKey, &'m Function)> {
    if let Some(found) = old.functions.get_key_value(key) {
        return Some(found);
    }
    let sole = |m: &'m Model| {
        let mut it = m
            .functions
            .range(
                FnKey {
                    name: key.name.clone(),
                    args: Vec::new(),
                }..,
            )
            .take_while(|(k, _)| k.name == key.name);
        match (it.next(), it.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    };
    if new.functions_named(&key.name).nth(1).is_some() {
        return None;
    }
    sole(old).filter(|(k, _)| !new.functions.contains_key(*k))
}

impl Differ<'_> {
    pub(super) fn functions(&mut self) {
        let (old, new) = (self.old, self.new);
        let mut continued: BTreeSet<&FnKey> = BTreeSet::new();
        for (key, f) in &new.functions {
            let name = &new.function_label(key);
            let title = crate::plan::routine_title(new, f);
            let lower = crate::plan::routine_shown(new, f);
            let word = f.kind.word();
            let found = counterpart(old, new, key);
            if let Some((k, _)) = found {
                continued.insert(k);
            }
            let create_phase = if f.uses_table_types {
                Phase::CreateLateFunction
            } else {
                Phase::CreateFunction
            };
            match found.map(|(_, o)| o) {
                None => {
                    self.change(ChangeKind::CreateFunction, name.clone(), "", f.origin);
                    self.emit(
                        create_phase,
                        title.clone(),
                        vec![Stmt::CreateFunction(f.clone().into())],
                    );
                    self.function_privileges(None, f, true);
                    if let Some(d) = &f.description {
                        self.emit(
                            Phase::Comments,
                            format!("Comment on {word} {lower}"),
                            vec![Stmt::Comment(routine_comment_target(f), d.clone())],
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
                            name.clone(),
                            "definition",
                            f.origin,
                        );
                        c.facts.weakens_access = weakens;
                        self.emit(
                            create_phase,
                            format!("Replace {word} {lower}"),
                            vec![Stmt::ReplaceFunction(f.clone().into())],
                        );
                    } else {
                        let c = self.change(
                            ChangeKind::RecreateFunction,
                            name.clone(),
                            format!("{} → {}", function_signature(o), function_signature(f)),
                            f.origin,
                        );
                        c.facts.weakens_access = weakens;
                        self.recreated_functions.insert(key.name.clone());
                        let old_drop = if o.uses_table_types {
                            Phase::DropLateFunction
                        } else {
                            Phase::DropFunction
                        };
                        self.emit(
                            old_drop,
                            format!("Drop {word} {lower} (its signature changes)"),
                            vec![drop_routine(o)],
                        );
                        self.emit(
                            create_phase,
                            title.clone(),
                            vec![Stmt::CreateFunction(f.clone().into())],
                        );
                        self.function_privileges(None, f, true);
                        if let Some(d) = &f.description {
                            self.emit(
                                Phase::Comments,
                                format!("Comment on {word} {lower}"),
                                vec![Stmt::Comment(routine_comment_target(f), d.clone())],
                            );
                        }
                    }
                }
            }
        }
        for (key, o) in &old.functions {
            if !continued.contains(key) {
                let name = &old.function_label(key);
                let shown = crate::plan::routine_shown(old, o);
                let word = o.kind.word();
                self.change(ChangeKind::DropFunction, name.clone(), "", Span::default());
                let phase = if o.uses_table_types {
                    Phase::DropLateFunction
                } else {
                    Phase::DropFunction
                };
                self.emit(phase, format!("Drop {word} {shown}"), vec![drop_routine(o)]);
            }
        }
    }

    pub(super) fn function_privileges_and_comments(&mut self) {
        let (old, new) = (self.old, self.new);
        for (key, f) in &new.functions {
            let Some((_, o)) = counterpart(old, new, key) else {
                continue;
            };
            if !function_replaceable(o, f) {
                continue;
            }
            self.function_privileges(Some(o), f, false);
            if o.description != f.description {
                self.comment(
                    routine_comment_target(f),
                    f.description.as_ref(),
                    new.function_label(key),
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
        let obj = routine_grant_object(f);
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
