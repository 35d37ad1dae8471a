//! `build` and `check` never disagree (issue 17).
//!
//! `check` renders the first migration again and compares it with the committed file (E404),
//! while `build` writes a migration only for what the diff finds. So any model change that
//! alters the text of the first migration must either be a change the diff turns into a
//! statement, or must not reach the snapshot the first migration is rendered from (the order of
//! existing columns, indexes and constraints: the database keeps the order it was built with).
//!
//! `edits_the_diff_misses_leave_the_first_migration_alone`: for every fixture and example model,
//! every edit of an ordering or a description that the diff maps to no statement must leave the
//! first migration rendered from the settled model byte-identical. The end-to-end form (the
//! binary's `build` then `check`, and the chain applied to PostgreSQL) is `random_edits` in
//! tests/migrations.rs and the cases below that run the binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_macros
)]

mod support;

use std::path::PathBuf;

use schemac::ir::Model;
use schemac::render::Renderer;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every model of the repository that compiles.
fn models() -> Vec<(String, Model)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    for e in std::fs::read_dir(root().join("examples")).unwrap() {
        let p = e.unwrap().path().join("schema.yaml");
        if p.is_file() {
            paths.push(p);
        }
    }
    paths.push(root().join("schema.yaml"));
    paths.sort();
    let out: Vec<(String, Model)> = paths
        .iter()
        .map(|p| {
            let compiled = schemac::compile(p);
            assert!(compiled.ok(), "{} does not compile", p.display());
            (p.display().to_string(), compiled.model)
        })
        .collect();
    assert!(out.len() >= 15, "{} models", out.len());
    out
}

fn initial(model: &Model) -> String {
    let (up, down) = Renderer::new(None)
        .migration("0001_init", &schemac::plan::initial(model))
        .unwrap();
    format!("{up}\n---- down\n{down}")
}

fn changed(s: &Option<String>) -> Option<String> {
    Some(match s {
        Some(x) => format!("{x} (changed)"),
        None => "added".to_string(),
    })
}

/// One edit of a model: what it does and the edit itself.
type Edit = (&'static str, fn(&mut Model));

fn reverse<T>(v: &mut [T]) -> bool {
    v.reverse();
    v.len() > 1
}

/// Edits a user makes that PostgreSQL stores no trace of (orders) or that only a comment shows.
const EDITS: &[Edit] = &[
    ("reorder columns", |m| {
        for t in m.tables.values_mut() {
            t.columns.reverse();
        }
    }),
    ("reorder indexes", |m| {
        for t in m.tables.values_mut() {
            reverse(&mut t.indexes);
        }
    }),
    ("reorder unique constraints", |m| {
        for t in m.tables.values_mut() {
            reverse(&mut t.uniques);
        }
    }),
    ("reorder checks", |m| {
        for t in m.tables.values_mut() {
            reverse(&mut t.checks);
        }
    }),
    ("reorder foreign keys", |m| {
        for t in m.tables.values_mut() {
            reverse(&mut t.foreign_keys);
        }
    }),
    ("reorder view indexes", |m| {
        for v in m.views.values_mut() {
            reverse(&mut v.indexes);
        }
    }),
    ("reorder policy roles", |m| {
        for t in m.tables.values_mut() {
            for p in t.policies.values_mut() {
                reverse(&mut p.roles);
            }
        }
    }),
    ("reorder trigger events", |m| {
        for t in m.tables.values_mut() {
            for tr in t.triggers.values_mut() {
                reverse(&mut tr.events);
                reverse(&mut tr.of_columns);
            }
        }
    }),
    ("reorder triggers on other schemas' tables", |m| {
        reverse(&mut m.external_triggers);
    }),
    ("reorder enum values", |m| {
        for e in m.enums.values_mut() {
            reverse(&mut e.values);
        }
    }),
    ("change schema descriptions", |m| {
        for s in m.schemas.values_mut() {
            s.description = changed(&s.description);
        }
    }),
    ("change role descriptions", |m| {
        for r in m.roles.values_mut() {
            r.description = changed(&r.description);
        }
    }),
    ("change enum descriptions", |m| {
        for e in m.enums.values_mut() {
            e.description = changed(&e.description);
        }
    }),
    ("change function descriptions", |m| {
        for f in m.functions.values_mut() {
            f.description = changed(&f.description);
        }
    }),
    ("change table descriptions", |m| {
        for t in m.tables.values_mut() {
            t.description = changed(&t.description);
        }
    }),
    ("change column descriptions", |m| {
        for t in m.tables.values_mut() {
            for c in t.columns.values_mut() {
                c.description = changed(&c.description);
            }
        }
    }),
    ("change index why", |m| {
        for t in m.tables.values_mut() {
            for ix in &mut t.indexes {
                ix.why = changed(&ix.why);
            }
        }
    }),
    ("change policy why", |m| {
        for t in m.tables.values_mut() {
            for p in t.policies.values_mut() {
                p.why = changed(&p.why);
            }
        }
    }),
    ("change trigger descriptions", |m| {
        for t in m.tables.values_mut() {
            for tr in t.triggers.values_mut() {
                tr.description = changed(&tr.description);
            }
        }
        for tr in &mut m.external_triggers {
            tr.description = changed(&tr.description);
        }
    }),
    ("change view descriptions", |m| {
        for v in m.views.values_mut() {
            v.description = changed(&v.description);
        }
    }),
    ("change view index why", |m| {
        for v in m.views.values_mut() {
            for ix in &mut v.indexes {
                ix.why = changed(&ix.why);
            }
        }
    }),
    ("remove every description and why", |m| {
        for s in m.schemas.values_mut() {
            s.description = None;
        }
        for r in m.roles.values_mut() {
            r.description = None;
        }
        for e in m.enums.values_mut() {
            e.description = None;
        }
        for f in m.functions.values_mut() {
            f.description = None;
        }
        for t in m.tables.values_mut() {
            t.description = None;
            t.columns.values_mut().for_each(|c| c.description = None);
            t.indexes.iter_mut().for_each(|ix| ix.why = None);
            t.policies.values_mut().for_each(|p| p.why = None);
            t.triggers.values_mut().for_each(|tr| tr.description = None);
        }
        for v in m.views.values_mut() {
            v.description = None;
            v.indexes.iter_mut().for_each(|ix| ix.why = None);
        }
        m.external_triggers
            .iter_mut()
            .for_each(|tr| tr.description = None);
    }),
];

/// The property `check` relies on: after `build` saw `edited` and wrote no statement, the first
/// migration rendered from the snapshot it wrote is still the committed one.
#[test]
fn edits_the_diff_misses_leave_the_first_migration_alone() {
    let mut failures = Vec::new();
    let mut exercised = 0;
    for (path, compiled) in models() {
        let first = initial(&compiled);
        // The old model is read back from its snapshot, as `build` does (no spans, no hints).
        let old = schemac::read_snapshot(&schemac::snapshot_text(&compiled)).unwrap();
        assert_eq!(
            initial(&old),
            first,
            "{path}: the snapshot renders another 0001"
        );
        for (what, edit) in EDITS {
            let mut edited = compiled.clone();
            edit(&mut edited);
            let settled = schemac::diff::in_existing_order(&old, &edited);
            let settled = settled.as_ref().unwrap_or(&edited);
            let inc = schemac::plan::incremental(&old, settled);
            if !inc.is_empty() {
                continue;
            }
            if edited != compiled {
                exercised += 1;
            }
            let again = initial(settled);
            if again != first {
                failures.push(format!(
                    "{path}: `{what}` makes no statement but changes 0001"
                ));
            }
        }
    }
    // The edits must reach the property: most of them change something without a statement.
    assert!(exercised > 20, "only {exercised} edits without a statement");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
