//! Every compiler diagnostic, shown to users the way they see it.
//!
//! Input: `tests/fixtures/errors/<CODE>_<case>.yaml`, each a small model that triggers `<CODE>`.
//! Output: one snapshot per fixture of the plain human rendering, a JSON snapshot with exact line
//! and column numbers, and checks that every code has a fixture and a section in
//! `docs/diagnostics.md`. The codes about files and folders (`E100`, `E4xx`) are exercised on
//! temporary folders instead of fixtures.

// Test helpers (not only `#[test]` fns) unwrap and panic with readable messages.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use schemac::diagnostics::report::{self, Style};
use schemac::diagnostics::{Code, Diagnostic, Diagnostics};
use schemac::migrations::{MigrationDir, SNAPSHOT_FILE, SUM_FILE};
use schemac::render::Renderer;
use schemac::{BuildPlan, Compiled};

const FIXTURES: &str = "tests/fixtures/errors";

/// Compile one fixture under its stable relative name (no absolute paths in snapshots).
fn compile_fixture(path: &Path) -> Compiled {
    let file = path.file_name().unwrap().to_str().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    schemac::compile_sources(&[(format!("{FIXTURES}/{file}"), text)])
}

/// The code a fixture is about: the file name up to the first `_`.
fn fixture_code(path: &Path) -> String {
    let stem = path.file_stem().unwrap().to_str().unwrap();
    stem.split('_').next().unwrap().to_string()
}

/// Remove ANSI escape sequences (`ESC [ … m`).
///
/// `Style::Plain` is meant to be colourless, but `report::human` builds it on miette's
/// `GraphicalTheme::ascii()`, which keeps ANSI colours (see `plain_style_has_no_colour`). Stripping
/// here keeps the snapshots readable and unchanged once the renderer is fixed.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for n in chars.by_ref() {
                if n.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn plain(compiled: &Compiled) -> String {
    report::human(
        &compiled.diagnostics.sorted(),
        &compiled.sources,
        Style::Plain,
        100,
    )
}

fn codes(d: &Diagnostics) -> Vec<&'static str> {
    d.sorted().iter().map(|x| x.code).collect()
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/errors/*.yaml", |path| {
        let compiled = compile_fixture(path);
        let code = fixture_code(path);
        let found = codes(&compiled.diagnostics);
        assert!(
            found.contains(&code.as_str()),
            "{} should report {code}, reported {found:?}",
            path.display()
        );
        insta::assert_snapshot!(strip_ansi(&plain(&compiled)));
    });
}

#[test]
fn plain_style_has_no_colour() {
    let compiled = compile_fixture(Path::new("tests/fixtures/errors/E102_column_key_typo.yaml"));
    let text = plain(&compiled);
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

#[test]
fn fixtures_start_with_a_comment() {
    for path in fixture_paths() {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# "),
            "{} should start with a `# what it shows` line",
            path.display()
        );
    }
}

fn fixture_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
}

/// Codes about files and folders rather than models: covered by the tests below.
fn is_file_level(code: Code) -> bool {
    // E5xx need a database: tests/verify.rs covers them.
    code == Code::Io || code.as_str().starts_with("E4") || code.as_str().starts_with("E5")
}

#[test]
fn every_model_code_has_a_fixture() {
    let paths = fixture_paths();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !is_file_level(**c))
        .map(|c| c.as_str())
        .filter(|code| !paths.iter().any(|p| fixture_code(p) == *code))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
    for p in &paths {
        let code = fixture_code(p);
        assert!(
            Code::ALL.iter().any(|c| c.as_str() == code),
            "{} is named after an unknown code",
            p.display()
        );
    }
}

#[test]
fn every_code_is_documented() {
    let docs = std::fs::read_to_string("docs/diagnostics.md").unwrap();
    let headings: Vec<&str> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .collect();
    for code in Code::ALL {
        assert!(
            headings.contains(&code.as_str()),
            "docs/diagnostics.md has no `### {}` heading",
            code.as_str()
        );
        // The name follows on the next non-empty line, in backticks.
        let after = docs
            .split(&format!("### {}\n", code.as_str()))
            .nth(1)
            .unwrap();
        let name_line = after.lines().find(|l| !l.trim().is_empty()).unwrap();
        assert_eq!(
            name_line.trim(),
            format!("`{}`", code.name()),
            "the line after `### {}`",
            code.as_str()
        );
    }
}

#[test]
fn json_has_one_based_line_and_column() {
    let compiled = compile_fixture(Path::new(
        "tests/fixtures/errors/E302_block_scalar_policy.yaml",
    ));
    let json =
        schemac::diagnostics::output::records(&compiled.diagnostics.sorted(), &compiled.sources);
    assert_eq!(json.len(), 1);
    let d = &json[0];
    assert_eq!(d.code, "E302");
    assert_eq!(
        d.file.as_deref(),
        Some("tests/fixtures/errors/E302_block_scalar_policy.yaml")
    );
    // `is_archived` on line 17 of the `|` block: `            and not is_archived`.
    assert_eq!(d.line, Some(17));
    assert_eq!(d.column, Some(21));
    assert_eq!(d.end_line, Some(17));
    assert_eq!(d.end_column, Some(32));
    assert_eq!(d.url, "docs/diagnostics.md#e302");
    insta::assert_json_snapshot!(json);
}

#[test]
fn json_points_inside_a_quoted_value() {
    let compiled = compile_fixture(Path::new("tests/fixtures/errors/E302_quoted_check.yaml"));
    let json =
        schemac::diagnostics::output::records(&compiled.diagnostics.sorted(), &compiled.sources);
    let d = &json[0];
    // In `"prices >= 0"` (opening quote at column 38 of line 7), `prices` is columns 39–44.
    assert_eq!((d.line, d.column), (Some(7), Some(39)));
    assert_eq!((d.end_line, d.end_column), (Some(7), Some(45)));
}

/// The same fragment text in many tables (enough to be checked on several threads) is parsed
/// once per thread but checked against each table's own columns, and a repeated syntax error is
/// reported at every copy.
#[test]
fn a_repeated_fragment_is_checked_where_each_copy_is() {
    let mut model = String::from("version: 1\ntables:\n");
    for i in 0..300 {
        let column = if i % 2 == 0 { "x" } else { "y" };
        model.push_str(&format!(
            "  t{i:03}:\n    columns:\n      id: {{ type: bigint, primary_key: true, default: \"0\" }}\n      {column}: {{ type: integer, check: \"x > 0\" }}\n    indexes:\n      - {{ columns: [id], where: \"x >\" }}\n"
        ));
    }
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), model)]);
    let json =
        schemac::diagnostics::output::records(&compiled.diagnostics.sorted(), &compiled.sources);
    let at = |code: &str| -> Vec<(usize, usize)> {
        json.iter()
            .filter(|d| d.code == code)
            .map(|d| (d.line.unwrap(), d.column.unwrap()))
            .collect()
    };
    // Table i starts on line 3 + 6 i; its column on the line after `id`, its index two later.
    let odd_columns: Vec<(usize, usize)> = (0..300)
        .filter(|i| i % 2 == 1)
        .map(|i| (3 + 6 * i + 3, 35))
        .collect();
    assert_eq!(
        at("E302"),
        odd_columns,
        "x is unknown exactly in the tables with y"
    );
    let predicates: Vec<usize> = (0..300).map(|i| 3 + 6 * i + 5).collect();
    let e301: Vec<usize> = at("E301").into_iter().map(|(line, _)| line).collect();
    assert_eq!(
        e301, predicates,
        "the broken predicate is reported in every table"
    );
}

// ----- files and folders: E100, E401–E404 ---------------------------------------------------

const MODEL: &str = "version: 1
tables:
  projects:
    columns:
      id: { type: bigint, identity: always, primary_key: true }
      name: text
";

/// Replace the temporary folder in messages so assertions read the same on every machine.
fn rendered(d: &Diagnostics, root: &Path) -> Vec<String> {
    d.sorted()
        .iter()
        .map(|x: &&Diagnostic| {
            let path = x
                .path
                .as_deref()
                .unwrap_or("")
                .replace(&root.display().to_string(), "<out>");
            format!("{} {}: {} (help: {})", x.code, path, x.message, x.help)
        })
        .collect()
}

/// Compile `model` and run the library's build decision against `out`.
fn plan(model: &str, out: &Path) -> (Option<BuildPlan>, Diagnostics) {
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), model.to_string())]);
    assert!(compiled.ok(), "the model itself should be clean");
    let dir = MigrationDir::read(out).unwrap();
    let mut d = Diagnostics::default();
    let plan = schemac::build(
        &compiled,
        &dir,
        &Renderer::new(None),
        &schemac::BuildOptions::default(),
        &mut d,
    );
    (plan, d)
}

/// Build `model` into `out` the way `schemac build` does.
fn build_into(model: &str, out: &Path) {
    match plan(model, out) {
        (Some(BuildPlan::Write { files, .. }), d) => {
            assert!(!d.has_errors());
            schemac::commit::commit(out, &files, &[]).unwrap();
        }
        _ => panic!("the first build should write files"),
    }
}

#[test]
fn e100_missing_schema_path() {
    let missing = Path::new("tests/fixtures/errors/no-such-schema.yaml");
    let compiled = schemac::compile(missing);
    let all = compiled.diagnostics.sorted();
    assert_eq!(codes(&compiled.diagnostics), ["E100"]);
    assert_eq!(all[0].path.as_deref(), Some(missing.to_str().unwrap()));
    assert!(all[0].message.starts_with("cannot read the file"));
}

#[test]
fn e100_folder_without_yaml() {
    let tmp = tempfile::tempdir().unwrap();
    let compiled = schemac::compile(tmp.path());
    assert_eq!(codes(&compiled.diagnostics), ["E100"]);
    assert_eq!(
        rendered(&compiled.diagnostics, tmp.path()),
        [
            "E100 <out>: the folder has no .yaml or .yml files (help: point --schema at schema.yaml or at a folder of YAML files)"
        ]
    );
}

#[test]
fn a_second_build_without_changes_is_up_to_date() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(MODEL, tmp.path());
    let (plan, d) = plan(MODEL, tmp.path());
    assert!(d.is_empty());
    assert!(matches!(plan, Some(BuildPlan::UpToDate)));
}

#[test]
fn e401_edited_migration() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(MODEL, tmp.path());
    let sql = tmp.path().join("migrations/0001_init.sql");
    let mut text = std::fs::read_to_string(&sql).unwrap();
    text.push_str("-- edited by hand\n");
    std::fs::write(&sql, text).unwrap();
    let (plan, d) = plan(MODEL, tmp.path());
    assert!(plan.is_none());
    assert_eq!(codes(&d), ["E401"]);
    insta::assert_snapshot!(rendered(&d, tmp.path()).join("\n"), @"E401 <out>/migrations/0001_init.sql: `0001_init.sql` differs from the version recorded in schemac.sum (help: committed migrations must not be edited: restore the file from version control and change the model instead)");
}

#[test]
fn e401_deleted_checksum_file() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(MODEL, tmp.path());
    std::fs::remove_file(tmp.path().join("migrations").join(SUM_FILE)).unwrap();
    let (plan, d) = plan(MODEL, tmp.path());
    assert!(plan.is_none());
    assert_eq!(codes(&d), ["E401"]);
    insta::assert_snapshot!(rendered(&d, tmp.path()).join("\n"), @"E401 <out>/migrations/schemac.sum: migrations exist but the checksum file is missing (help: restore schemac.sum from version control; schemac writes it with every migration)");
}

#[test]
fn e401_deleted_migration() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(MODEL, tmp.path());
    std::fs::remove_file(tmp.path().join("migrations/0001_init.down.sql")).unwrap();
    let (plan, d) = plan(MODEL, tmp.path());
    assert!(plan.is_none());
    assert!(codes(&d).iter().all(|c| *c == "E401"), "{:?}", codes(&d));
    // Removing `0001_init.down.sql` also reports `0001_init.sql` as "out of order", which it is not.
    insta::assert_snapshot!(rendered(&d, tmp.path()).join("\n"), @"E401 <out>/migrations/0001_init.down.sql: `0001_init.down.sql` is recorded in schemac.sum but missing (help: restore the removed file from version control)");
}

/// `E402` (pending changes) is reported by `schemac check` (see tests/cli.rs); the library plans
/// the next migration.
#[test]
fn e402_precondition_changed_model_plans_the_next_migration() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(MODEL, tmp.path());
    let changed = format!("{MODEL}      summary: {{ type: text, nullable: true }}\n");
    let (plan, d) = plan(&changed, tmp.path());
    assert!(!d.has_errors(), "{:?}", codes(&d));
    match plan {
        Some(BuildPlan::Write { names, changes, .. }) => {
            assert_eq!(names.len(), 1);
            assert!(names[0].starts_with("0002_add_column_"), "{names:?}");
            assert_eq!(changes.len(), 1);
        }
        _ => panic!("a changed model should plan the next migration"),
    }
}

#[test]
fn e405_unacknowledged_drop() {
    let tmp = tempfile::tempdir().unwrap();
    let with_column = format!("{MODEL}      summary: {{ type: text, nullable: true }}\n");
    build_into(&with_column, tmp.path());
    let (plan, d) = plan(MODEL, tmp.path());
    assert!(plan.is_none());
    assert_eq!(codes(&d), ["SC601", "E405"]);
    insta::assert_snapshot!(rendered(&d, tmp.path()).join("\n"));
}

#[test]
fn e406_invalid_migration_name() {
    let tmp = tempfile::tempdir().unwrap();
    let compiled = schemac::compile_sources(&[("schema.yaml".to_string(), MODEL.to_string())]);
    let dir = MigrationDir::read(tmp.path()).unwrap();
    let mut d = Diagnostics::default();
    let options = schemac::BuildOptions {
        name: Some("!!!".to_string()),
        allow: Vec::new(),
    };
    let plan = schemac::build(&compiled, &dir, &Renderer::new(None), &options, &mut d);
    assert!(plan.is_none());
    assert_eq!(codes(&d), ["E406"]);
    insta::assert_snapshot!(rendered(&d, tmp.path()).join("\n"));
}

#[test]
fn e403_snapshot_is_not_json() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(MODEL, tmp.path());
    // Replace the snapshot and record it in schemac.sum, so the checksum check (E401) passes and
    // the snapshot itself is what fails.
    let snapshot = "{ not json\n";
    let dir = MigrationDir::read(tmp.path()).unwrap();
    let sum = schemac::migrations::sum_text(&dir.files, snapshot);
    std::fs::write(tmp.path().join(SNAPSHOT_FILE), snapshot).unwrap();
    std::fs::write(tmp.path().join("migrations").join(SUM_FILE), sum).unwrap();
    let (plan, d) = plan(MODEL, tmp.path());
    assert!(plan.is_none());
    assert_eq!(codes(&d), ["E403"]);
    insta::assert_snapshot!(rendered(&d, tmp.path()).join("\n"), @"E403 <out>/schema.snapshot.json: the snapshot cannot be read: key must be a string at line 1 column 3 (help: restore the snapshot from version control; schemac writes it with every migration)");
}

#[test]
fn e403_snapshot_replaced_without_updating_the_checksum_is_e401() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(MODEL, tmp.path());
    std::fs::write(tmp.path().join(SNAPSHOT_FILE), "{ not json\n").unwrap();
    let (plan, d) = plan(MODEL, tmp.path());
    assert!(plan.is_none());
    assert_eq!(codes(&d), ["E401"]);
}

/// `E404` (stale output) is decided by the CLI's `schemac check` (`src/cli/check.rs`), not by the
/// library: the library only says what `build` would write. Here: an empty output folder means
/// `build` would write `0001_init`, which `check` reports as `E404`.
#[test]
fn e404_precondition_empty_out_dir_plans_a_write() {
    let tmp = tempfile::tempdir().unwrap();
    let (plan, d) = plan(MODEL, tmp.path());
    assert!(d.is_empty());
    match plan {
        Some(BuildPlan::Write { names, files, .. }) => {
            assert_eq!(names, ["0001_init"]);
            let names: Vec<String> = files
                .iter()
                .map(|(p, _)| p.strip_prefix(tmp.path()).unwrap().display().to_string())
                .collect();
            assert_eq!(
                names,
                [
                    "migrations/0001_init.sql",
                    "migrations/0001_init.down.sql",
                    "schema.snapshot.json",
                    "migrations/schemac.sum"
                ]
            );
        }
        _ => panic!("an empty folder should plan a write"),
    }
}

/// `build`, `plan`, `check`, `verify` and `test` compile without the fragments' lint facts
/// (`compile_without_lint_facts`): the model and every diagnostic must be what `compile` gives,
/// on every error fixture, every model fixture and every example; only the facts are missing.
#[test]
fn compiling_without_lint_facts_changes_nothing_but_the_facts() {
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in [FIXTURES, "tests/fixtures/models"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "yaml") {
                paths.push(p);
            }
        }
    }
    paths.push(PathBuf::from("schema.yaml"));
    for entry in std::fs::read_dir("examples").unwrap() {
        let p = entry.unwrap().path().join("schema.yaml");
        if p.is_file() {
            paths.push(p);
        }
    }
    paths.sort();
    let mut with_facts = 0;
    for path in &paths {
        let full = schemac::compile(path);
        let lean = schemac::compile_without_lint_facts(path);
        assert_eq!(
            format!("{:?}", full.diagnostics.sorted()),
            format!("{:?}", lean.diagnostics.sorted()),
            "{}: the diagnostics differ",
            path.display()
        );
        assert!(
            format!("{:?}", full.model) == format!("{:?}", lean.model),
            "{}: the model differs",
            path.display()
        );
        assert!(
            lean.fragments.is_empty(),
            "{}: facts were kept",
            path.display()
        );
        with_facts += usize::from(!full.fragments.is_empty());
    }
    assert!(paths.len() > 60, "only {} models found", paths.len());
    assert!(with_facts > 10, "only {with_facts} models have lint facts");
}
