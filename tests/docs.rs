//! Generated documentation: DATABASE.md and every ER diagram of each fixture model and of the root
//! `schema.yaml` are snapshotted; every object of the model appears in DATABASE.md (a walk over
//! the IR); the committed root documentation is what this schemac produces; output is stable.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use schemac::diagnostics::report::{Style, human};
use schemac::render::Renderer;
use schemac::render::docs::{DocFile, DocKind};
use schemac::render::markdown::{code_cell, code_span};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn compile(path: &Path) -> schemac::Compiled {
    let compiled = schemac::compile(path);
    if !compiled.ok() {
        panic!(
            "{} does not compile:\n{}",
            path.display(),
            human(
                &compiled.diagnostics.sorted(),
                &compiled.sources,
                Style::Plain,
                100
            )
        );
    }
    compiled
}

/// The documentation files, as `schemac build` writes them with the default paths.
fn docs(compiled: &schemac::Compiled) -> Vec<DocFile> {
    Renderer::new(None)
        .docs(
            &compiled.model,
            &compiled.external,
            Path::new("docs/DATABASE.md"),
            Path::new("generated"),
            &["0001_init".to_string()],
        )
        .unwrap()
}

fn snapshot_all(prefix: &str, files: &[DocFile]) {
    for f in files {
        let name = match &f.kind {
            DocKind::Database => "database_md".to_string(),
            DocKind::WholeDiagram => "er".to_string(),
            DocKind::GroupDiagram(_) => {
                let stem = f.path.file_stem().unwrap().to_string_lossy().into_owned();
                format!("er_{stem}")
            }
        };
        insta::assert_snapshot!(format!("{prefix}{name}"), f.text);
    }
}

fn model_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths.push(root().join("schema.yaml"));
    assert!(paths.len() >= 13, "fixtures not found: {paths:?}");
    paths
}

#[test]
fn fixture_docs() {
    insta::glob!("fixtures/models/*.yaml", |path| {
        snapshot_all("", &docs(&compile(path)));
    });
}

#[test]
fn root_schema_docs() {
    let files = docs(&compile(&root().join("schema.yaml")));
    snapshot_all("root_", &files);
}

/// The text of the section that starts at `heading` (up to the next heading of level 2 or 3).
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let marker = format!("\n### {heading}\n");
    let start = md
        .find(&marker)
        .unwrap_or_else(|| panic!("no section `{heading}` in DATABASE.md"));
    let rest = &md[start + marker.len()..];
    let mut end = rest.len();
    for pat in ["\n### ", "\n## "] {
        // Skip headings inside fenced code blocks: count fences before the candidate.
        let mut from = 0;
        while let Some(i) = rest[from..].find(pat) {
            let at = from + i;
            let fences = rest[..at]
                .lines()
                .filter(|l| l.trim_start().starts_with("```"))
                .count();
            if fences % 2 == 0 {
                end = end.min(at);
                break;
            }
            from = at + 1;
        }
    }
    &rest[..end]
}

#[test]
fn every_object_of_the_model_is_documented() {
    for path in model_paths() {
        let compiled = compile(&path);
        let files = docs(&compiled);
        let md = &files.last().unwrap().text;
        let m = &compiled.model;
        let short = |q: &schemac::ir::QName| q.display_short(&m.default_schema);
        let ctx = path.display();
        for t in m.tables.values() {
            let s = section(md, &format!("Table {}", code_span(&short(&t.name))));
            if let Some(d) = &t.description {
                let first = d.lines().next().unwrap_or_default();
                assert!(s.contains(first), "{ctx}: purpose of {}", t.name);
            }
            for c in t.columns.values() {
                let row = format!("| {}", code_cell(&c.name));
                assert!(s.contains(&row), "{ctx}: column {}.{}", t.name, c.name);
                assert!(
                    s.contains(&code_cell(&c.type_sql)),
                    "{ctx}: type of {}.{}",
                    t.name,
                    c.name
                );
            }
            if let Some(pk) = &t.primary_key {
                assert!(s.contains(&code_span(&pk.name)), "{ctx}: pk of {}", t.name);
            }
            for u in &t.uniques {
                assert!(
                    s.contains(&code_span(&u.name.value)),
                    "{ctx}: {}",
                    u.name.value
                );
            }
            for c in &t.checks {
                assert!(
                    s.contains(&code_cell(&c.name.value)),
                    "{ctx}: {}",
                    c.name.value
                );
            }
            for fk in &t.foreign_keys {
                assert!(
                    s.contains(&code_cell(&fk.name.value)),
                    "{ctx}: {}",
                    fk.name.value
                );
                // And the other direction, in the target's section.
                if let Some(target) = m.tables.get(&fk.target) {
                    let ts = section(md, &format!("Table {}", code_span(&short(&target.name))));
                    assert!(
                        ts.contains("**Referenced by**") && ts.contains(&code_cell(&fk.name.value)),
                        "{ctx}: {} not listed under {}",
                        fk.name.value,
                        target.name
                    );
                }
            }
            for ix in &t.indexes {
                assert!(
                    s.contains(&code_cell(&ix.name.value)),
                    "{ctx}: index {}",
                    ix.name.value
                );
                if let Some(why) = &ix.why {
                    assert!(
                        s.contains(&schemac::render::markdown::cell(why)),
                        "{ctx}: why of {}",
                        ix.name.value
                    );
                }
            }
            for p in t.policies.values() {
                assert!(s.contains(&code_span(&p.name)), "{ctx}: policy {}", p.name);
                for expr in [&p.using, &p.with_check].into_iter().flatten() {
                    assert!(
                        s.contains(expr.value.trim()),
                        "{ctx}: expression of policy {}",
                        p.name
                    );
                }
                if let Some(why) = &p.why {
                    assert!(s.contains(why.as_str()), "{ctx}: why of policy {}", p.name);
                }
            }
            for tr in t.triggers.values() {
                assert!(
                    s.contains(&code_cell(&tr.name)),
                    "{ctx}: trigger {}",
                    tr.name
                );
                assert!(
                    s.contains(&code_cell(&short(&tr.function))),
                    "{ctx}: function of trigger {}",
                    tr.name
                );
            }
            let enabled = if t.rls.enabled {
                "enabled"
            } else {
                "**disabled**"
            };
            assert!(
                s.contains(&format!("**Row Level Security:** {enabled}")),
                "{ctx}: RLS of {}",
                t.name
            );
            // A row in the coverage matrix.
            let cov = &md[md.find("## RLS coverage").unwrap()..];
            assert!(
                cov.contains(&format!("| [{}](#", code_cell(&short(&t.name)))),
                "{ctx}: coverage row of {}",
                t.name
            );
        }
        for e in m.enums.values() {
            let s = section(md, &format!("Enum {}", code_span(&short(&e.name))));
            for v in &e.values {
                assert!(
                    s.contains(&code_span(&v.value)),
                    "{ctx}: enum value {}",
                    v.value
                );
            }
        }
        for f in m.functions.values() {
            let s = section(md, &format!("Function {}", code_span(&short(&f.name))));
            assert!(
                s.contains("| signature |"),
                "{ctx}: signature of {}",
                f.name
            );
        }
        for v in m.views.values() {
            let kind = if v.materialized {
                "Materialized view"
            } else {
                "View"
            };
            let s = section(md, &format!("{kind} {}", code_span(&short(&v.name))));
            assert!(
                s.contains(schemac::sql::query_text(&v.query.value)),
                "{ctx}: query of {}",
                v.name
            );
            for ix in &v.indexes {
                assert!(
                    s.contains(&code_cell(&ix.name.value)),
                    "{ctx}: {}",
                    ix.name.value
                );
            }
        }
        for tr in &m.external_triggers {
            assert!(
                md.contains(&code_cell(&tr.name)),
                "{ctx}: trigger {}",
                tr.name
            );
        }
        // Every diagram written to a file is embedded.
        for f in &files[..files.len() - 1] {
            assert!(
                md.contains(f.text.trim_end()),
                "{ctx}: {} not embedded",
                f.path.display()
            );
        }
    }
}

#[test]
fn docs_are_deterministic_and_end_with_one_newline() {
    for path in model_paths() {
        let compiled = compile(&path);
        let a = docs(&compiled);
        let b = docs(&compile(&path));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.path, y.path);
            assert!(
                x.text == y.text,
                "{}: differs between runs",
                x.path.display()
            );
            assert!(x.text.ends_with('\n') && !x.text.ends_with("\n\n"));
            assert!(!x.text.contains('\r'));
        }
    }
}

#[test]
fn committed_root_docs_are_current() {
    for f in docs(&compile(&root().join("schema.yaml"))) {
        let on_disk = std::fs::read_to_string(root().join(&f.path))
            .unwrap_or_else(|e| panic!("{}: {e}; run `cargo run -- build`", f.path.display()));
        assert!(
            on_disk == f.text,
            "{} is stale; run `cargo run -- build`",
            f.path.display()
        );
    }
}

#[test]
fn large_schemas_get_a_compact_whole_diagram() {
    let mut y = String::from("version: 1\ntables:\n");
    for i in 0..41 {
        y.push_str(&format!(
            "  t{i:02}:\n    group: g{}\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n",
            i % 3
        ));
    }
    let compiled = schemac::compile_sources(&[("m.yaml".to_string(), y)]);
    assert!(compiled.ok());
    let files = docs(&compiled);
    let whole = &files[0];
    assert_eq!(whole.kind, DocKind::WholeDiagram);
    assert!(!whole.text.contains('{'), "{}", whole.text);
    assert!(whole.text.contains("    \"t40\"\n"));
    // Group diagrams keep their columns.
    assert!(files[1].text.contains("bigint id PK"));
    assert!(files.last().unwrap().text.contains("leaves columns out"));
}
