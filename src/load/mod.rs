//! Load: YAML files → the model with spans (no semantics beyond structure).
//!
//! Input: a path to `schema.yaml` or to a folder of `*.yaml`/`*.yml` files. Output: the
//! [`SourceMap`] of every file read and a [`Model`] whose names are qualified but not yet resolved.
//! Invariants: files of a folder are read in sorted order (deterministic); every problem becomes a
//! diagnostic and loading continues with the next section or file; nothing here panics on input.

pub mod access_tests;
pub mod citus;
pub mod data;
pub mod decode;
pub mod default_privileges;
pub mod exclude;
mod fastyaml;
pub mod job;
pub mod migrations;
pub mod model;
pub mod publication;
pub mod replication;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Model;
use crate::source::{SourceMap, Span};

/// The result of loading.
pub struct Loaded {
    /// Every file read.
    pub sources: SourceMap,
    /// The model (names qualified, references unresolved).
    pub model: Model,
}

/// The YAML files of a model at `path`: the file itself, or a folder's `*.yaml` and `*.yml` files
/// in name order (problems reading the folder are reported in `d`).
pub fn yaml_files(path: &Path, d: &mut Diagnostics) -> Vec<PathBuf> {
    if path.is_dir() {
        let unreadable = |d: &mut Diagnostics, p: &Path, e: &std::io::Error, what: &str| {
            d.push(
                Diagnostic::error(
                    Code::Io,
                    format!("cannot read {what}: {}", crate::migrations::describe(e)),
                )
                .in_path(p.display().to_string())
                .help(crate::migrations::io_help(e, false)),
            );
        };
        let rd = match std::fs::read_dir(path) {
            Ok(rd) => rd,
            Err(e) => {
                unreadable(d, path, &e, "the folder");
                return Vec::new();
            }
        };
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in rd {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    unreadable(d, path, &e, "the folder");
                    continue;
                }
            };
            let p = entry.path();
            if !p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                continue;
            }
            // Follows symbolic links: a dangling link or a loop is an error, not a skipped file.
            match std::fs::metadata(&p) {
                Ok(meta) if meta.is_file() => files.push(p),
                Ok(_) => {}
                Err(e) => {
                    let what = if entry.file_type().is_ok_and(|t| t.is_symlink()) {
                        if e.kind() == std::io::ErrorKind::NotFound {
                            "the file: it is a symbolic link to nothing".to_string()
                        } else {
                            format!(
                                "the file: it is a symbolic link that cannot be followed ({})",
                                crate::migrations::describe(&e)
                            )
                        }
                    } else {
                        format!("the file: {}", crate::migrations::describe(&e))
                    };
                    d.push(
                        Diagnostic::error(Code::Io, format!("cannot read {what}"))
                            .in_path(p.display().to_string())
                            .help(if e.kind() == std::io::ErrorKind::NotFound {
                                "point the link at an existing file, or remove it"
                            } else {
                                crate::migrations::io_help(&e, false)
                            }),
                    );
                }
            }
        }
        files.sort();
        if files.is_empty() && !d.has_errors() {
            d.push(
                Diagnostic::error(Code::Io, "the folder has no .yaml or .yml files")
                    .in_path(path.display().to_string())
                    .help("point --schema at schema.yaml or at a folder of YAML files"),
            );
        }
        files
    } else {
        vec![path.to_path_buf()]
    }
}

/// Load texts that are already in memory (tests, and [`load_path`] after reading).
pub fn load_sources(files: &[(String, String)], d: &mut Diagnostics) -> Loaded {
    let mut sources = SourceMap::default();
    let ids: Vec<_> = files
        .iter()
        .map(|(name, text)| sources.add(name.clone(), text))
        .collect();
    let mut roots = Vec::new();
    let mut all_parsed = true;
    for id in &ids {
        let Some(file) = sources.file(*id) else {
            continue;
        };
        match yaml::parse(file, *id) {
            Ok(root) => roots.push((root, Span::new(*id, 0, 0))),
            Err(diag) => {
                all_parsed = false;
                d.push(*diag);
            }
        }
    }
    let refs: Vec<(&yaml::Node, Span)> = roots.iter().map(|(n, s)| (n, *s)).collect();
    let first_file = files.first().map_or("schema.yaml", |(n, _)| n.as_str());
    let (version, preset, settings) = model::settings(d, &refs, all_parsed, first_file);
    let base = Model {
        version,
        preset,
        default_schema: settings.default_schema.clone(),
        ..Model::default()
    };
    let mut decoder = model::Decoder::new(d, settings, base);
    for (root, _) in &roots {
        decoder.file(root);
    }
    let mut model = decoder.model;
    model
        .external_triggers
        .sort_by(|a, b| (&a.table, &a.name).cmp(&(&b.table, &b.name)));
    Loaded { sources, model }
}

/// Read and load a file or folder. The display name of each file is the path as given.
pub fn load_path(path: &Path, d: &mut Diagnostics) -> Loaded {
    let mut texts = Vec::new();
    for file in yaml_files(path, d) {
        match std::fs::read(&file) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => texts.push((file.display().to_string(), text)),
                Err(_) => d.push(
                    Diagnostic::error(Code::Io, "the file is not valid UTF-8")
                        .in_path(file.display().to_string())
                        .help("save the file as UTF-8"),
                ),
            },
            Err(e) => d.push(
                Diagnostic::error(Code::Io, format!("cannot read the file: {e}"))
                    .in_path(file.display().to_string())
                    .help(if e.kind() == std::io::ErrorKind::NotFound {
                        "check that the file exists, or pass its path with --schema"
                    } else {
                        crate::migrations::io_help(&e, false)
                    }),
            ),
        }
    }
    if texts.is_empty() {
        return Loaded {
            sources: SourceMap::default(),
            model: Model::default(),
        };
    }
    load_sources(&texts, d)
}
