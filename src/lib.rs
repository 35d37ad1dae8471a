//! schemac: a schema-as-code compiler for PostgreSQL and Supabase.
//!
//! The pipeline, one module per stage: [`load`] (YAML → model with spans) → [`resolve`] (names,
//! types, generated names) → [`validate`] (hard errors) → [`plan`] (ordered statements) →
//! [`sql`] (statements → SQL text) → [`render`] (templates → files) → [`migrations`] (the numbered
//! folder, snapshot and checksums). [`compile`] runs the stages up to validation and stops between
//! stages when a stage reported errors; [`build`] decides what `schemac build` writes.

pub mod diagnostics;
pub mod ir;
pub mod lint;
pub mod load;
pub mod migrations;
pub mod plan;
pub mod preset;
pub mod render;
pub mod resolve;
pub mod source;
pub mod sql;
pub mod sqlfrag;
pub mod validate;

use std::path::{Path, PathBuf};

use diagnostics::{Code, Diagnostic, Diagnostics};
use ir::Model;
use migrations::{MigrationDir, SNAPSHOT_FILE, SUM_FILE};
use preset::External;
use source::SourceMap;

/// The result of loading, resolving and validating a model.
pub struct Compiled {
    /// Every file read.
    pub sources: SourceMap,
    /// The model (complete only when there are no errors).
    pub model: Model,
    /// The preset's objects.
    pub external: External,
    /// Everything reported.
    pub diagnostics: Diagnostics,
    /// The SQL expression fragments validation parsed (for the lint rules).
    pub fragments: validate::Fragments,
}

impl Compiled {
    /// Whether the model can go on to planning.
    pub fn ok(&self) -> bool {
        !self.diagnostics.has_errors()
    }
}

fn finish(loaded: load::Loaded, mut d: Diagnostics) -> Compiled {
    let load::Loaded { sources, mut model } = loaded;
    let external = preset::external(model.preset);
    let mut fragments = validate::Fragments::default();
    if !d.has_errors() {
        resolve::resolve(&mut model, &external, &mut d);
    }
    if !d.has_errors() {
        plan::compute_view_dependencies(&mut model, &external);
        fragments = validate::validate(&model, &external, &sources, &mut d);
    }
    Compiled {
        sources,
        model,
        external,
        diagnostics: d,
        fragments,
    }
}

/// Load, resolve and validate the model at `path` (a file or a folder of YAML files).
pub fn compile(path: &Path) -> Compiled {
    let mut d = Diagnostics::default();
    let loaded = load::load_path(path, &mut d);
    finish(loaded, d)
}

/// Load, resolve and validate in-memory files `(name, text)`.
pub fn compile_sources(files: &[(String, String)]) -> Compiled {
    let mut d = Diagnostics::default();
    let loaded = load::load_sources(files, &mut d);
    finish(loaded, d)
}

/// The snapshot text of a model: versioned, sorted JSON without spans.
pub fn snapshot_text(model: &Model) -> String {
    #[derive(serde::Serialize)]
    struct Snapshot<'a> {
        schemac_snapshot: u32,
        model: &'a Model,
    }
    let mut s = serde_json::to_string_pretty(&Snapshot {
        schemac_snapshot: 1,
        model,
    })
    .unwrap_or_default();
    s.push('\n');
    s
}

/// What `schemac build` would do.
pub enum BuildPlan {
    /// The committed migrations already describe the model.
    UpToDate,
    /// Files to write, in order (the checksum file last).
    Write {
        /// The new migration's name (`0001_init`).
        name: String,
        /// Paths and contents.
        files: Vec<(PathBuf, String)>,
    },
}

/// Decide what `schemac build` writes for a compiled, error-free model and the output folder.
pub fn build(
    compiled: &Compiled,
    dir: &MigrationDir,
    renderer: &render::Renderer,
    d: &mut Diagnostics,
) -> Option<BuildPlan> {
    dir.verify(d);
    if d.has_errors() {
        return None;
    }
    let snapshot = snapshot_text(&compiled.model);
    if let Some(committed) = &dir.snapshot {
        if serde_json::from_str::<serde_json::Value>(committed).is_err() {
            d.push(
                Diagnostic::error(Code::SnapshotUnreadable, "the snapshot is not valid JSON")
                    .in_path(dir.root.join(SNAPSHOT_FILE).display().to_string())
                    .help("restore the snapshot from version control; schemac writes it with every migration"),
            );
            return None;
        }
        if committed == &snapshot {
            return Some(BuildPlan::UpToDate);
        }
        d.push(
            Diagnostic::error(Code::PendingChanges, format!("the model changed since migration {:04}, and this version of schemac cannot write incremental migrations yet", dir.last_number()))
                .in_path(dir.root.join(SNAPSHOT_FILE).display().to_string())
                .help("revert the model change, or (before the first deploy) delete generated/ and build again to regenerate 0001_init"),
        );
        return None;
    }
    let migration = plan::initial(&compiled.model);
    let name = format!("{:04}_init", dir.last_number() + 1);
    let (up, down) = match renderer.migration(&name, &migration) {
        Ok(x) => x,
        Err(e) => {
            d.push(
                Diagnostic::error(Code::Io, format!("cannot render the migration: {e}")).help(
                    "fix the template override in templates/, or remove it to use the built-in one",
                ),
            );
            return None;
        }
    };
    let mig = dir.migrations_dir();
    let mut all: Vec<(String, Vec<u8>)> = dir.files.clone();
    all.push((format!("{name}.sql"), up.clone().into_bytes()));
    all.push((format!("{name}.down.sql"), down.clone().into_bytes()));
    let sum = migrations::sum_text(&all, &snapshot);
    Some(BuildPlan::Write {
        name: name.clone(),
        files: vec![
            (mig.join(format!("{name}.sql")), up),
            (mig.join(format!("{name}.down.sql")), down),
            (dir.root.join(SNAPSHOT_FILE), snapshot),
            (mig.join(SUM_FILE), sum),
        ],
    })
}
