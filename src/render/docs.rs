//! The documentation outputs of a model: `DATABASE.md` and the Mermaid ER diagrams.
//!
//! Input: a resolved, validated model, its preset's objects, where `DATABASE.md` and the output
//! folder go (paths as the user gave them, relative to the project root), and the migration names.
//! Output: [`DocFile`]s (path and text) in a fixed order: `er.mmd`, then `er/<group>.mmd` by group
//! name, then `DATABASE.md`. Invariants: the texts depend only on these inputs (no clock, no
//! absolute paths unless the user gave absolute paths); every diagram written to a file is also
//! embedded in `DATABASE.md`; nothing is read or written here (the CLI compares and writes).

use std::path::{Component, Path, PathBuf};

use minijinja::context;
use minijinja::value::Serde;

use super::markdown::{self, DatabaseView, DiagramInput};
use super::mermaid::{self, ErView};
use super::{RenderError, Renderer, builtin};
use crate::ir::Model;
use crate::preset::External;

/// The folder, under the output folder, of the per-group diagrams.
pub const GROUP_DIAGRAM_DIR: &str = "er";
/// The whole-schema diagram, in the output folder.
pub const WHOLE_DIAGRAM_FILE: &str = "er.mmd";
/// The default path of DATABASE.md, relative to the project root.
pub const DEFAULT_DOCS_PATH: &str = "docs/DATABASE.md";

/// What a documentation file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocKind {
    /// The whole-schema diagram.
    WholeDiagram,
    /// The diagram of one group.
    GroupDiagram(String),
    /// DATABASE.md.
    Database,
}

/// One generated documentation file.
#[derive(Debug, Clone)]
pub struct DocFile {
    /// What it is.
    pub kind: DocKind,
    /// Where it goes.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// `path` with `/` separators, for links and text inside the documents.
fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
        .replace("//", "/")
}

/// A link from the folder of `from` (a file) to `to`, when both are relative paths without `..`;
/// otherwise `to` as given.
pub fn relative_link(from: &Path, to: &Path) -> String {
    let plain = |p: &Path| {
        p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    };
    if !plain(from) || !plain(to) {
        return slashed(to);
    }
    let normal = |p: &Path| -> Vec<String> {
        p.components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    };
    let mut from_dir = normal(from);
    from_dir.pop();
    let to = normal(to);
    let common = from_dir
        .iter()
        .zip(to.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".to_string(); from_dir.len() - common];
    parts.extend(to.iter().skip(common).cloned());
    parts.join("/")
}

/// Markdown layout: runs of blank lines outside fenced code blocks become one blank line, and
/// trailing spaces go (so templates may be generous with whitespace). Code blocks are untouched.
pub fn collapse_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut fence: Option<usize> = None;
    let mut blank_run = 0;
    // Lines that stay as they are (most of them) are copied in runs: `kept` is where the current
    // run starts, `start` where the current line starts.
    let mut kept = 0;
    let mut start = 0;
    for line in text.split('\n') {
        let next = start + line.len() + 1;
        // The line as written out, or none when it goes.
        let written = if let Some(rest) = plain_start(line) {
            // Most lines (table rows, prose, diagram lines) have, after ASCII indentation, an
            // ASCII character that is neither whitespace nor a backtick: they open or close no
            // code block and are not blank. Inside one they are kept as they are, outside it
            // lose their trailing whitespace.
            blank_run = 0;
            if fence.is_some() || plain_end(rest) {
                Some(line)
            } else {
                Some(line.trim_end())
            }
        } else {
            let trimmed = line.trim_start();
            let ticks = trimmed.chars().take_while(|c| *c == '`').count();
            let written = match fence {
                Some(open) => {
                    if ticks >= open && trimmed.get(ticks..).is_some_and(|r| r.trim().is_empty()) {
                        fence = None;
                    }
                    Some(line)
                }
                None => {
                    if ticks >= 3 {
                        fence = Some(ticks);
                    }
                    if line.trim().is_empty() {
                        blank_run += 1;
                        (blank_run == 1).then_some("")
                    } else {
                        Some(line.trim_end())
                    }
                }
            };
            if written.is_some_and(|w| !w.trim().is_empty()) {
                blank_run = 0;
            }
            written
        };
        // `written` is `line` or a prefix of it: the same length means unchanged.
        if written.map(str::len) != Some(line.len()) {
            out.push_str(text.get(kept..start).unwrap_or_default());
            if let Some(w) = written {
                out.push_str(w);
                out.push('\n');
            }
            kept = next.min(text.len());
        }
        start = next;
    }
    out.push_str(text.get(kept..).unwrap_or_default());
    // Every line is followed by a line break (the last one too); `normalise_owned` keeps one.
    out.push('\n');
    super::normalise_owned(out)
}

/// ASCII whitespace as `char::is_whitespace` sees it (U+000B included, unlike
/// `u8::is_ascii_whitespace`).
fn ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// `line` from its first character that is not ASCII whitespace, when that character is ASCII
/// and not `` ` `` (a non-ASCII one could be Unicode whitespace or start nothing known).
fn plain_start(line: &str) -> Option<&str> {
    let at = line.bytes().position(|b| !ascii_space(b))?;
    let rest = line.get(at..)?;
    let first = *rest.as_bytes().first()?;
    (first.is_ascii() && first != b'`').then_some(rest)
}

/// Whether `text` ends with an ASCII character other than whitespace (so `trim_end` keeps it).
fn plain_end(text: &str) -> bool {
    text.as_bytes()
        .last()
        .is_some_and(|&b| b.is_ascii() && !ascii_space(b))
}

impl Renderer {
    /// The text of one ER diagram (`er.mmd.j2`: [`builtin::er_mmd`] unless overridden).
    pub fn er_diagram(&self, view: &ErView) -> Result<String, RenderError> {
        const NAME: &str = "er.mmd.j2";
        if self.uses_builtin(NAME) {
            return Ok(super::normalise_owned(builtin::er_mmd(view)));
        }
        self.render(NAME, context! { er => Serde(view) })
    }

    /// The text of DATABASE.md (`database.md.j2`: [`builtin::database_md`] unless overridden).
    pub fn database_md(&self, view: &DatabaseView) -> Result<String, RenderError> {
        const NAME: &str = "database.md.j2";
        if self.uses_builtin(NAME) {
            return Ok(super::normalise_owned(builtin::database_md(view)));
        }
        self.render(NAME, context! { db => Serde(view) })
    }

    /// Every documentation file of `model`: diagrams under `out_dir`, DATABASE.md at `docs_path`.
    pub fn docs(
        &self,
        model: &Model,
        external: &External,
        docs_path: &Path,
        out_dir: &Path,
        migration_names: &[String],
    ) -> Result<Vec<DocFile>, RenderError> {
        let draft = self.draft_docs(model, external, docs_path, out_dir)?;
        self.finish_docs(draft, docs_path, migration_names)
    }

    /// The first part of [`Self::docs`]: everything that does not depend on the migration names
    /// (the ER diagrams and DATABASE.md's view), so a caller can do it before it knows them.
    pub fn draft_docs(
        &self,
        model: &Model,
        external: &External,
        docs_path: &Path,
        out_dir: &Path,
    ) -> Result<DocsDraft, RenderError> {
        let mut files = Vec::new();
        let mut inputs = Vec::new();
        let order = crate::ir::graph::table_order(model).order;
        for d in mermaid::diagrams_in(model, &order) {
            let text = self.er_diagram(&d.view)?;
            let (path, kind) = match (&d.group, &d.file_stem) {
                (Some(g), Some(stem)) => (
                    out_dir.join(GROUP_DIAGRAM_DIR).join(format!("{stem}.mmd")),
                    DocKind::GroupDiagram(g.clone()),
                ),
                _ => (out_dir.join(WHOLE_DIAGRAM_FILE), DocKind::WholeDiagram),
            };
            inputs.push(DiagramInput {
                group: d.group,
                link: relative_link(docs_path, &path),
                compact: d.view.compact,
                mermaid: text.clone(),
            });
            files.push(DocFile { kind, path, text });
        }
        // The migration names are the view's only input not known yet: set in `finish_docs`.
        let mut view = markdown::database_view_in(
            model,
            &order,
            external,
            &inputs,
            &slashed(&out_dir.join("migrations")),
            &[],
        );
        if view.migrations.supabase_layout {
            view.migrations.dir = crate::migrations::SUPABASE_MIGRATIONS.to_string();
            view.migrations.sum = slashed(&out_dir.join(crate::migrations::SUM_FILE));
        }
        Ok(DocsDraft { files, view })
    }

    /// [`Self::docs`] from a [`DocsDraft`]: the diagram files, then DATABASE.md listing
    /// `migration_names`.
    pub fn finish_docs(
        &self,
        draft: DocsDraft,
        docs_path: &Path,
        migration_names: &[String],
    ) -> Result<Vec<DocFile>, RenderError> {
        let DocsDraft {
            mut files,
            mut view,
        } = draft;
        view.migrations.names = migration_names.to_vec();
        let text = self.database_md(&view)?;
        drop(view);
        files.push(DocFile {
            kind: DocKind::Database,
            path: docs_path.to_path_buf(),
            text: collapse_blank_lines(&text),
        });
        Ok(files)
    }
}

/// The documentation before the migration names are known ([`Renderer::draft_docs`]).
#[derive(Debug)]
pub struct DocsDraft {
    /// The diagram files, in [`Renderer::docs`] order.
    files: Vec<DocFile>,
    /// DATABASE.md's view, without the migration names.
    view: DatabaseView,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_collapse_outside_code_blocks() {
        let text = "a\n\n\n\nb  \n```sql\nx\n\n\ny  \n```\n\n\nc\n";
        assert_eq!(
            collapse_blank_lines(text),
            "a\n\nb\n```sql\nx\n\n\ny  \n```\n\nc\n"
        );
    }

    /// `collapse_blank_lines` before its fast path for plain lines.
    fn collapse_reference(text: &str) -> String {
        let mut out = String::new();
        let mut fence: Option<usize> = None;
        let mut blank_run = 0;
        for line in text.split('\n') {
            let trimmed = line.trim_start();
            let ticks = trimmed.chars().take_while(|c| *c == '`').count();
            let line = match fence {
                Some(open) => {
                    if ticks >= open && trimmed.get(ticks..).is_some_and(|r| r.trim().is_empty()) {
                        fence = None;
                    }
                    line
                }
                None => {
                    if ticks >= 3 {
                        fence = Some(ticks);
                    }
                    if line.trim().is_empty() {
                        blank_run += 1;
                        if blank_run > 1 {
                            continue;
                        }
                        ""
                    } else {
                        line.trim_end()
                    }
                }
            };
            if !line.trim().is_empty() {
                blank_run = 0;
            }
            out.push_str(line);
            out.push('\n');
        }
        crate::render::normalise_owned(out)
    }

    #[test]
    fn the_fast_path_collapses_as_before() {
        let lines = [
            "    a {",
            "  ``` ",
            "\t````",
            " \u{a0}a",
            "  a  ",
            "\u{b}\u{b}",
            " ß ",
            "",
            " ",
            "a",
            "a ",
            " a",
            "a\u{b}",
            "\u{b}a",
            "a\u{a0}",
            "\u{a0}a",
            "a\t",
            "a\r",
            "```",
            "```sql",
            "````",
            " ```",
            "``` x",
            "`a`",
            "a`",
            "| x |",
            "ß",
            "x ß",
            "ß x",
            "\u{3000}",
            "a\u{3000}",
            "\u{85}",
            "a\u{85}",
        ];
        // Every sequence of three lines, with the text ending in a newline or not.
        for a in lines {
            for b in lines {
                for c in lines {
                    for end in ["", "\n"] {
                        let text = format!("{a}\n{b}\n\n{c}\n{a}{end}");
                        assert_eq!(
                            collapse_blank_lines(&text),
                            collapse_reference(&text),
                            "{text:?}"
                        );
                        let text = format!("{end}{c}\n\n\n{a}{end}{b}\n{c}\n\n");
                        assert_eq!(
                            collapse_blank_lines(&text),
                            collapse_reference(&text),
                            "{text:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn links_are_relative_to_the_docs_folder() {
        let l = |a: &str, b: &str| relative_link(Path::new(a), Path::new(b));
        assert_eq!(
            l("docs/DATABASE.md", "generated/er.mmd"),
            "../generated/er.mmd"
        );
        assert_eq!(l("DATABASE.md", "generated/er/a.mmd"), "generated/er/a.mmd");
        assert_eq!(l("db/docs/D.md", "db/gen/er.mmd"), "../gen/er.mmd");
        assert_eq!(l("./docs/D.md", "./gen/er.mmd"), "../gen/er.mmd");
        assert_eq!(l("/abs/D.md", "gen/er.mmd"), "gen/er.mmd");
    }
}
