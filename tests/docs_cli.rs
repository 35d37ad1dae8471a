//! `schemac build` writes DATABASE.md and the ER diagrams (only the files whose bytes changed, even
//! when the migrations are up to date; `--docs` moves DATABASE.md), and `schemac check` fails with
//! E404 naming the file when committed documentation differs from what the model produces.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::Command;
use std::time::SystemTime;

const MODEL: &str = "\
version: 1
tables:
  authors:
    description: People who write notes.
    group: people
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      name: text
  notes:
    description: A note.
    group: writing
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      author_id: { type: bigint, references: authors.id, on_delete: cascade }
      body: text
    indexes:
      - { columns: [author_id], why: List an author's notes. }
";

struct Project {
    dir: tempfile::TempDir,
}

struct Out {
    code: i32,
    stderr: String,
}

impl Project {
    fn new() -> Self {
        let p = Project {
            dir: tempfile::tempdir().unwrap(),
        };
        p.write("schema.yaml", MODEL);
        p
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn mtime(&self, rel: &str) -> SystemTime {
        std::fs::metadata(self.path(rel))
            .unwrap()
            .modified()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_schemac"))
            .args(args)
            .args(["--color", "never"])
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

const DOCS: [&str; 4] = [
    "docs/DATABASE.md",
    "generated/er.mmd",
    "generated/er/people.mmd",
    "generated/er/writing.mmd",
];

#[test]
fn build_writes_docs_and_check_passes() {
    let p = Project::new();
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for f in DOCS {
        assert!(
            out.stderr.contains(&format!("wrote {f}\n")),
            "{}",
            out.stderr
        );
        assert!(p.path(f).is_file(), "{f}");
    }
    let md = p.read("docs/DATABASE.md");
    assert!(md.contains("### Table `notes`"), "{md}");
    assert!(md.contains("[`authors`](#table-authors)"), "{md}");
    assert!(md.contains("```mermaid\n"), "{md}");
    assert!(
        p.read("generated/er.mmd")
            .contains("\"authors\" ||--o{ \"notes\" : \"author_id\"")
    );
    let out = p.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn second_build_rewrites_nothing() {
    let p = Project::new();
    assert_eq!(p.run(&["build"]).code, 0);
    let before: Vec<SystemTime> = DOCS.iter().map(|f| p.mtime(f)).collect();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "schemac: generated is up to date with the model; nothing written\n"
    );
    let after: Vec<SystemTime> = DOCS.iter().map(|f| p.mtime(f)).collect();
    assert_eq!(before, after);
}

#[test]
fn check_fails_on_hand_edited_docs_and_build_repairs_them() {
    let p = Project::new();
    assert_eq!(p.run(&["build"]).code, 0);
    let md = p.read("docs/DATABASE.md");
    p.write(
        "docs/DATABASE.md",
        &md.replace("A note.", "A note, edited."),
    );
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("E404"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`docs/DATABASE.md` differs from what the model produces"),
        "{}",
        out.stderr
    );
    // Only the changed file is rewritten, although the migrations are up to date.
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "wrote docs/DATABASE.md\nschemac: generated is up to date with the model; no migration written\n"
    );
    assert_eq!(p.read("docs/DATABASE.md"), md);
    assert_eq!(p.run(&["check"]).code, 0);
}

#[test]
fn check_fails_on_a_missing_diagram() {
    let p = Project::new();
    assert_eq!(p.run(&["build"]).code, 0);
    std::fs::remove_file(p.path("generated/er/writing.mmd")).unwrap();
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("`generated/er/writing.mmd` is missing"),
        "{}",
        out.stderr
    );
}

#[test]
fn check_fails_on_a_diagram_of_a_removed_group_and_build_removes_it() {
    let p = Project::new();
    assert_eq!(p.run(&["build"]).code, 0);
    p.write("generated/er/old-group.mmd", "erDiagram\n");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("generated/er/old-group.mmd: `generated/er/old-group.mmd` is the diagram"),
        "{}",
        out.stderr
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("removed generated/er/old-group.mmd"),
        "{}",
        out.stderr
    );
    assert!(!p.path("generated/er/old-group.mmd").exists());
    assert_eq!(p.run(&["check"]).code, 0);
}

#[test]
fn description_change_makes_docs_stale() {
    // A description changes the snapshot too, so check reports the model change and the docs.
    let p = Project::new();
    assert_eq!(p.run(&["build"]).code, 0);
    p.write("schema.yaml", &MODEL.replace("A note.", "A short note."));
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("docs/DATABASE.md"), "{}", out.stderr);
}

#[test]
fn docs_flag_moves_database_md() {
    let p = Project::new();
    let out = p.run(&["build", "--docs", "doc/db/SCHEMA.md", "--out", "db"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!p.path("docs/DATABASE.md").exists());
    let md = p.read("doc/db/SCHEMA.md");
    assert!(
        md.contains("Source: [`../../db/er.mmd`](../../db/er.mmd)"),
        "{md}"
    );
    assert!(md.contains("`db/migrations`"), "{md}");
    assert!(p.path("db/er/people.mmd").is_file());
    assert_eq!(
        p.run(&["check", "--docs", "doc/db/SCHEMA.md", "--out", "db"])
            .code,
        0
    );
    // The default path is then missing.
    let out = p.run(&["check", "--out", "db"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("`docs/DATABASE.md` is missing"),
        "{}",
        out.stderr
    );
}

#[test]
fn broken_docs_template_override_writes_nothing() {
    let p = Project::new();
    p.write("templates/er.mmd.j2", "{{ er.no_such_field }}\n");
    let out = p.run(&["build"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("er.mmd.j2"), "{}", out.stderr);
    assert!(!p.path("docs/DATABASE.md").exists());
    assert!(!p.path("generated/er.mmd").exists());
}

#[test]
fn docs_template_override_is_used() {
    let p = Project::new();
    p.write(
        "templates/database.md.j2",
        "# {{ db.tables | length }} tables\n{% for t in db.tables %}- {{ t.name }}\n{% endfor %}",
    );
    let out = p.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        p.read("docs/DATABASE.md"),
        "# 2 tables\n- authors\n- notes\n"
    );
}
