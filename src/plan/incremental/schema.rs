//! Schemas, extensions, roles and comments on schemas; the one writer of `COMMENT ON` changes.

use super::*;

impl Differ<'_> {
    pub(super) fn schemas_and_extensions(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, s) in &new.schemas {
            if new.creates_schema(name) && !old.schemas.contains_key(name) {
                self.change(ChangeKind::CreateSchema, name.clone(), "", s.origin);
                self.emit(
                    Phase::CreateSchema,
                    format!("Schema {name}"),
                    vec![Stmt::CreateSchema(name.clone())],
                );
                if let Some(d) = &s.description {
                    self.emit(
                        Phase::Comments,
                        format!("Comment on schema {name}"),
                        vec![Stmt::Comment(
                            CommentTarget::Schema(name.clone()),
                            d.clone(),
                        )],
                    );
                }
            }
        }
        for name in old.schemas.keys() {
            if old.creates_schema(name) && !new.schemas.contains_key(name) {
                self.change(ChangeKind::DropSchema, name.clone(), "", Span::default());
                self.emit(
                    Phase::DropSchema,
                    format!("Drop schema {name}"),
                    vec![Stmt::DropSchema(name.clone())],
                );
            }
        }
        for (name, e) in &new.extensions {
            match old.extensions.get(name) {
                None => {
                    self.change(ChangeKind::CreateExtension, name.clone(), "", e.origin);
                    self.emit(
                        Phase::CreateExtension,
                        format!("Extension {name}"),
                        vec![Stmt::CreateExtension {
                            name: name.clone(),
                            schema: Some(new.extension_schema(e)),
                            version: e.version.clone(),
                        }],
                    );
                }
                Some(o) if o.version != e.version && e.version.is_some() => {
                    self.change(
                        ChangeKind::UpdateExtension,
                        name.clone(),
                        format!(
                            "version {} → {}",
                            o.version.as_deref().unwrap_or("default"),
                            e.version.as_deref().unwrap_or("default")
                        ),
                        e.origin,
                    );
                    self.emit(
                        Phase::CreateExtension,
                        format!("Update extension {name}"),
                        vec![Stmt::UpdateExtension(name.clone(), e.version.clone())],
                    );
                }
                Some(_) => {}
            }
        }
        for name in old.extensions.keys() {
            if !new.extensions.contains_key(name) {
                self.change(ChangeKind::DropExtension, name.clone(), "", Span::default());
                let preinstalled = new.preset == Preset::Supabase
                    && crate::plan::SUPABASE_PREINSTALLED.contains(&name.as_str());
                if !preinstalled {
                    self.emit(
                        Phase::DropExtension,
                        format!("Drop extension {name}"),
                        vec![Stmt::DropExtension(name.clone())],
                    );
                }
            }
        }
        for (name, r) in &new.roles {
            if !old.roles.contains_key(name) {
                self.change(ChangeKind::CreateRole, name.clone(), "", r.origin);
                self.emit(
                    Phase::CreateRole,
                    format!("Role {name}"),
                    vec![Stmt::CreateRole(name.clone())],
                );
            }
        }
        for (name, s) in &new.schemas {
            let before = old.schemas.get(name).and_then(|o| o.description.as_ref());
            if old.schemas.contains_key(name) && before != s.description.as_ref() {
                self.comment(
                    CommentTarget::Schema(name.clone()),
                    s.description.as_ref(),
                    name.clone(),
                    s.origin,
                );
            }
        }
    }

    pub(super) fn comment(
        &mut self,
        target: CommentTarget,
        text: Option<&String>,
        object: String,
        span: Span,
    ) {
        self.change(ChangeKind::Comment, object, "description", span);
        let stmt = match text {
            Some(t) => Stmt::Comment(target.clone(), t.clone()),
            None => Stmt::CommentNull(target.clone()),
        };
        self.emit(Phase::Comments, format!("Comment on {target}"), vec![stmt]);
    }
}
