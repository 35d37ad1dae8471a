//! Render: statements and data → file texts, through minijinja templates.
//!
//! Input: a planned [`Migration`] (statements already rendered to SQL by `sql`), or the view
//! structs of the documentation ([`markdown`], [`mermaid`]). Output: the text of the up and down
//! files, of `DATABASE.md` and of the ER diagrams ([`docs`]). Invariants: templates only lay out
//! files, they make no SQL decisions (nor Mermaid or Markdown quoting decisions); undefined variables are errors (strict mode); there is no auto-escaping; templates are embedded
//! in the binary, and a project's `templates/` folder may override any of them by file name;
//! the built-in `database.md.j2` and `er.mmd.j2` are rendered by their Rust equivalents in
//! [`builtin`], and `migration.sql.j2` by [`migration`], unless overridden (same values, same
//! bytes; an override runs in minijinja);
//! output uses `\n` line endings and ends with exactly one newline.

pub mod builtin;
pub mod docs;
pub mod markdown;
pub mod mermaid;
pub mod migration;

use std::collections::BTreeSet;
use std::path::PathBuf;

use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

use crate::plan::Migration;
use crate::sql::Stmt;
use migration::MigrationFile;

/// Templates compiled into the binary, by name.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "migration.sql.j2",
        include_str!("../../templates/migration.sql.j2"),
    ),
    (
        "database.md.j2",
        include_str!("../../templates/database.md.j2"),
    ),
    ("er.mmd.j2", include_str!("../../templates/er.mmd.j2")),
];

/// A failure to render a template.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The template is broken or used a missing variable.
    #[error("template `{name}`: {source}")]
    Template {
        /// Template name.
        name: String,
        /// What minijinja said.
        #[source]
        source: minijinja::Error,
    },
}

/// The template environment.
pub struct Renderer {
    env: Environment<'static>,
    /// The embedded templates that the project's template folder overrides: it has a file of
    /// that name whose text differs from the embedded one (an unchanged copy is no override).
    overridden: BTreeSet<&'static str>,
    /// Whether built-in documentation templates may be rendered by [`builtin`] (false: always
    /// through minijinja, see [`Renderer::minijinja_only`]).
    builtin: bool,
}

#[derive(Serialize)]
struct StepView {
    comment: String,
    stmts: Vec<String>,
}

impl Renderer {
    /// Embedded templates, overridden by files in `override_dir` when it is given and has them.
    pub fn new(override_dir: Option<PathBuf>) -> Self {
        let overridden = EMBEDDED
            .iter()
            .filter(|(name, text)| {
                override_dir.as_ref().is_some_and(|dir| {
                    let path = dir.join(name);
                    // Unreadable counts as overridden: minijinja's loader then reports it.
                    path.is_file() && std::fs::read_to_string(&path).map_or(true, |t| t != *text)
                })
            })
            .map(|(name, _)| *name)
            .collect();
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        // Markdown escaping for DATABASE.md (see `markdown`): the template decides where text
        // goes, these decide how it is written there.
        env.add_filter("cell", markdown::cell);
        env.add_filter("code", markdown::code_span);
        env.add_filter("code_cell", markdown::code_cell);
        env.add_filter("fence", markdown::fence);
        // Layout helpers of the built-in template, as filters rather than template macros
        // (a macro call costs several times a filter call, and DATABASE.md makes tens of
        // thousands of them on a large schema).
        env.add_filter("link", |l: minijinja::Value| {
            link_filter(&l, markdown::code_span)
        });
        env.add_filter("link_cell", |l: minijinja::Value| {
            link_filter(&l, markdown::code_cell)
        });
        env.add_filter("block", |text: &str, lang: &str| {
            markdown::block(text, lang)
        });
        env.set_loader(move |name| {
            if let Some(dir) = &override_dir {
                let path = dir.join(name);
                if path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            "cannot read template override",
                        )
                        .with_source(e)
                    });
                }
            }
            Ok(EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_string()))
        });
        Renderer {
            env,
            overridden,
            builtin: true,
        }
    }

    /// The same renderer, but the built-in documentation templates are always rendered by
    /// minijinja instead of their Rust equivalents in [`builtin`] (the tests compare the two).
    pub fn minijinja_only(mut self) -> Self {
        self.builtin = false;
        self
    }

    /// Whether template `name` is rendered by its Rust equivalent in [`builtin`]: the project
    /// does not override it (no file of that name in its template folder, or one identical to
    /// the embedded template, as in this repository's own `templates/`), and
    /// [`Self::minijinja_only`] was not asked for.
    pub fn uses_builtin(&self, name: &str) -> bool {
        self.builtin && !self.overridden.contains(name)
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, RenderError> {
        let wrap = |source| RenderError::Template {
            name: name.to_string(),
            source,
        };
        let tmpl = self.env.get_template(name).map_err(wrap)?;
        let text = tmpl.render(ctx).map_err(wrap)?;
        Ok(normalise_owned(text))
    }

    /// The up and down files of a migration called `name` (such as `0001_init`).
    pub fn migration(&self, name: &str, m: &Migration) -> Result<(String, String), RenderError> {
        let (up_file, down_file) = (format!("{name}.sql"), format!("{name}.down.sql"));
        let up = self.migration_file(&MigrationFile {
            name,
            down: false,
            transactional: !m.non_transactional,
            undone_elsewhere: false,
            down_file: &down_file,
            up_file: &up_file,
            settings: &m.settings,
            steps: &m.up,
        })?;
        // A non-transactional file's down file is transactional: it has no concurrent work.
        let down_settings: Vec<Stmt> = if m.non_transactional {
            m.settings
                .iter()
                .map(|s| match s {
                    Stmt::Set(n, v) => Stmt::SetLocal(n, v.clone()),
                    other => other.clone(),
                })
                .collect()
        } else {
            m.settings.clone()
        };
        let down = self.migration_file(&MigrationFile {
            name,
            down: true,
            transactional: true,
            undone_elsewhere: m.non_transactional,
            down_file: &down_file,
            up_file: &up_file,
            settings: &down_settings,
            steps: &m.down,
        })?;
        Ok((up, down))
    }

    /// The texts (up, down) a first migration `name` of `model` may have in a project: what this
    /// schemac writes, then what schemac wrote before the session settings were pinned and
    /// literals with a backslash were written `E'…'` (the same statements; committed migrations
    /// are never rewritten, so `schemac check` accepts both).
    pub fn initial_migrations(
        &self,
        name: &str,
        model: &crate::ir::Model,
    ) -> Result<[(String, String); 2], RenderError> {
        self.migration_variants(name, crate::plan::initial(model), model)
    }

    /// The texts (up, down) migration `m` named `name` of `model` may have in a project: what
    /// this schemac writes, then what it wrote before the session settings were pinned (see
    /// [`Renderer::initial_migrations`]).
    pub fn migration_variants(
        &self,
        name: &str,
        mut m: crate::plan::Migration<'_>,
        model: &crate::ir::Model,
    ) -> Result<[(String, String); 2], RenderError> {
        let current = self.migration(name, &m)?;
        m.settings = crate::plan::legacy_settings(model);
        let legacy = crate::sql::ident::with_legacy_literals(|| self.migration(name, &m))?;
        Ok([current, legacy])
    }

    /// One file of a migration: by [`migration::migration`] unless the template is overridden.
    fn migration_file(&self, file: &MigrationFile) -> Result<String, RenderError> {
        const NAME: &str = "migration.sql.j2";
        if self.uses_builtin(NAME) {
            return Ok(normalise_owned(migration::migration(file)));
        }
        let steps: Vec<StepView> = file
            .steps
            .iter()
            .map(|st| StepView {
                comment: crate::sql::ident::comment_text(&st.comment).into_owned(),
                stmts: st.stmts.iter().map(ToString::to_string).collect(),
            })
            .collect();
        let settings: Vec<String> = file.settings.iter().map(ToString::to_string).collect();
        self.render(
            NAME,
            context! {
                name => file.name,
                down => file.down,
                transactional => file.transactional,
                undone_elsewhere => file.undone_elsewhere,
                file => file.file(),
                down_file => file.down_file,
                up_file => file.up_file,
                settings => settings,
                steps => minijinja::value::Serde(steps),
            },
        )
    }
}

/// A `Link` (`name`, `anchor`) as Markdown: the name as a code span (`code` writes it), linked to
/// `#anchor` when the anchor is set.
fn link_filter(l: &minijinja::Value, code: fn(&str) -> String) -> Result<String, minijinja::Error> {
    let field = |key: &str| -> Result<minijinja::Value, minijinja::Error> {
        let v = l.get_attr(key)?;
        if v.is_undefined() {
            return Err(minijinja::Error::new(
                minijinja::ErrorKind::UndefinedError,
                format!("a link needs `{key}`"),
            ));
        }
        Ok(v)
    };
    let name = field("name")?;
    let name = code(&name.to_string());
    let anchor = field("anchor")?;
    Ok(if anchor.is_true() {
        format!("[{name}](#{anchor})")
    } else {
        name
    })
}

/// Exactly one final newline. Nothing else is touched: user text (bodies, comments) must reach
/// the database exactly as written, carriage returns included; the templates use `\n`.
pub fn normalise(text: &str) -> String {
    normalise_owned(text.to_string())
}

/// [`normalise`] in place (a rendered file can be megabytes; no copy).
pub fn normalise_owned(mut text: String) -> String {
    while text.ends_with('\n') {
        text.pop();
    }
    text.push('\n');
    text
}
