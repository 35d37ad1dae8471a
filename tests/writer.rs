//! The output writer under crashes, failures, concurrency and hostile folders, through the real
//! binary.
//!
//! Input: small projects in temporary folders. Output: assertions on the files on disk, the exit
//! codes and the diagnostics. The crash and failure tests use the debug-only fault points of
//! `schemac::commit` (`SCHEMAC_TEST_FAULT=abort@N` kills the process with `abort()` at the Nth file
//! operation, `fail@N` makes it fail with "no space left"), trying every N until the build gets
//! through; the concurrency test runs two processes at once. No timing is asserted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const V1: &str = "version: 1
tables:
  users:
    columns:
      id: { type: bigint, primary_key: true }
      email: text
";

const V2: &str = "version: 1
tables:
  users:
    columns:
      id: { type: bigint, primary_key: true }
      email: text
  posts:
    columns:
      id: { type: bigint, primary_key: true }
      title: text
";

fn schemac(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schemac"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("SCHEMAC_TEST_FAULT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The distinct codes of a `--format json` run.
fn json_codes(out: &Output) -> Vec<String> {
    let text = String::from_utf8_lossy(&out.stdout);
    if text.trim().is_empty() {
        return Vec::new();
    }
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let mut codes: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Every file under `generated/` and `docs/`, by relative path.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, &root.join("generated"), &mut out);
    walk(root, &root.join("docs"), &mut out);
    out
}

fn is_temp(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap();
    name.ends_with(".schemac-tmp") || name == ".schemac-commit"
}

/// `tree` without the journal and staged files.
fn without_temp(t: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    t.iter()
        .filter(|(p, _)| !is_temp(p))
        .map(|(p, b)| (p.clone(), b.clone()))
        .collect()
}

fn names(t: &BTreeMap<String, Vec<u8>>) -> Vec<&str> {
    t.keys().map(String::as_str).collect()
}

/// A project in the old state: `V1` built (or nothing built when `initial`), `V2` as the model.
fn old_project(initial: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    if !initial {
        std::fs::write(tmp.path().join("schema.yaml"), V1).unwrap();
        let out = schemac(tmp.path(), &["build"], &[]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    std::fs::write(tmp.path().join("schema.yaml"), V2).unwrap();
    tmp
}

fn assert_check_green(dir: &Path) {
    let out = schemac(dir, &["--format", "json", "check"], &[]);
    assert!(
        out.status.success(),
        "check: {}{}",
        stderr(&out),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Kill the build at every file operation in turn: the project is left in the old state or the
/// new one (temporary files aside), or with a journal; `check` then reports `E408`; the next build
/// ends in exactly the new state and `check` is green.
fn killed_at_every_step(initial: bool) {
    let reference = old_project(initial);
    let old = tree(reference.path());
    let out = schemac(reference.path(), &["build"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let new = tree(reference.path());
    assert_ne!(old, new);
    let (mut with_journal, mut with_strays) = (0, 0);
    for n in 1..500 {
        let tmp = old_project(initial);
        let dir = tmp.path();
        let fault = format!("abort@{n}");
        let out = schemac(dir, &["build"], &[("SCHEMAC_TEST_FAULT", &fault)]);
        if out.status.success() {
            assert_eq!(names(&tree(dir)), names(&new), "{fault}");
            assert_eq!(tree(dir), new, "{fault}");
            assert!(n > 5, "the build has more than 5 file operations: {n}");
            assert!(with_journal > 0, "no kill came after the journal");
            assert!(with_strays > 0, "no kill left staged files");
            return;
        }
        assert_eq!(
            out.status.code(),
            None,
            "{fault} should kill: {}",
            stderr(&out)
        );
        let after = tree(dir);
        let journal = after.contains_key("generated/.schemac-commit");
        let strays = after.keys().any(|p| is_temp(p));
        if journal {
            with_journal += 1;
        } else {
            let clean = without_temp(&after);
            assert!(
                clean == old || clean == new,
                "{fault}: neither the old nor the new state: {:?}",
                names(&clean)
            );
        }
        if strays {
            with_strays += 1;
            let check = schemac(dir, &["--format", "json", "check"], &[]);
            assert_eq!(check.status.code(), Some(1), "{fault}");
            assert!(
                json_codes(&check).contains(&"E408".to_string()),
                "{fault}: {:?}",
                json_codes(&check)
            );
        }
        let out = schemac(dir, &["build"], &[]);
        assert!(out.status.success(), "{fault}: {}", stderr(&out));
        assert_eq!(names(&tree(dir)), names(&new), "{fault}");
        assert_eq!(tree(dir), new, "{fault}");
        assert_check_green(dir);
    }
    panic!("the build never got through");
}

#[test]
fn a_first_build_killed_at_any_step_is_finished_by_the_next_build() {
    killed_at_every_step(true);
}

#[test]
fn a_second_build_killed_at_any_step_is_finished_by_the_next_build() {
    killed_at_every_step(false);
}

/// Make every file operation fail in turn ("no space left"): `E407` with exit code 2, and the
/// project is exactly the old one (no new migration with stale docs, no temporary file), or,
/// when the failure came after the journal, the next build finishes it.
#[test]
fn a_build_failing_at_any_step_leaves_the_old_state_or_one_build_finishes() {
    let reference = old_project(false);
    let old = tree(reference.path());
    assert!(schemac(reference.path(), &["build"], &[]).status.success());
    let new = tree(reference.path());
    let mut rolled_back = 0;
    for n in 1..500 {
        let tmp = old_project(false);
        let dir = tmp.path();
        let fault = format!("fail@{n}");
        let out = schemac(
            dir,
            &["--format", "json", "build"],
            &[("SCHEMAC_TEST_FAULT", &fault)],
        );
        if out.status.success() {
            assert_eq!(tree(dir), new, "{fault}");
            assert!(rolled_back > 3, "{rolled_back}");
            return;
        }
        assert_eq!(out.status.code(), Some(2), "{fault}: {}", stderr(&out));
        assert_eq!(json_codes(&out), ["E407"], "{fault}");
        let after = tree(dir);
        if after.contains_key("generated/.schemac-commit") {
            let out = schemac(dir, &["build"], &[]);
            assert!(out.status.success(), "{fault}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("finished an interrupted build"),
                "{fault}"
            );
            assert_eq!(tree(dir), new, "{fault}");
        } else {
            rolled_back += 1;
            assert_eq!(names(&after), names(&old), "{fault}");
            assert_eq!(after, old, "{fault}");
        }
    }
    panic!("the build never got through");
}

/// The documentation cannot be written (a folder where DATABASE.md goes): nothing is written,
/// not even the migration, and the error is coded with the path and a help line.
#[test]
fn a_docs_failure_writes_no_migration() {
    let tmp = old_project(false);
    let dir = tmp.path();
    let old = tree(dir);
    std::fs::remove_file(dir.join("docs/DATABASE.md")).unwrap();
    std::fs::create_dir(dir.join("docs/DATABASE.md")).unwrap();
    let out = schemac(dir, &["--color", "never", "build"], &[]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @r"
    E407(write-failed)

      x docs/DATABASE.md: cannot write `docs/DATABASE.md`: is a directory; nothing was changed
      help: a folder is in the way of the file: remove or rename the folder

    1 error, 0 warnings
    ");
    let mut expected = old.clone();
    expected.remove("docs/DATABASE.md");
    assert_eq!(tree(dir), expected);
}

#[test]
fn a_path_too_long_is_a_coded_error() {
    let tmp = old_project(true);
    let long = format!("generated/{}", "x".repeat(300));
    let out = schemac(
        tmp.path(),
        &["--format", "json", "--out", &long, "build"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E407");
    assert!(
        d["file"].as_str().unwrap().starts_with("generated/xxx"),
        "{v}"
    );
    assert!(d["help"].as_str().unwrap().contains("too long"), "{v}");
    assert!(!tmp.path().join("generated").exists());
}

#[test]
fn an_unreadable_migration_is_a_coded_error() {
    let tmp = old_project(false);
    let dir = tmp.path();
    std::fs::create_dir(dir.join("generated/migrations/0002_x.sql")).unwrap();
    let before = tree(dir);
    let out = schemac(dir, &["--color", "never", "build"], &[]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @r"
    E100(io-error)

      x generated/migrations/0002_x.sql: cannot read `generated/migrations/0002_x.sql`: Is a directory
      help: a folder is in the way of the file: remove or rename the folder

    1 error, 0 warnings
    ");
    assert_eq!(tree(dir), before);
}

/// A migration file name that is not UTF-8 was ignored, and a second `0002` written beside it.
#[cfg(unix)]
#[test]
fn a_migration_name_that_is_not_utf8_is_e401() {
    use std::os::unix::ffi::OsStrExt as _;
    let tmp = old_project(false);
    let dir = tmp.path();
    let name = std::ffi::OsStr::from_bytes(b"0002_\xff.sql");
    std::fs::write(dir.join("generated/migrations").join(name), "select 1;\n").unwrap();
    let before = tree(dir);
    let out = schemac(dir, &["--format", "json", "build"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(json_codes(&out), ["E401"]);
    assert_eq!(tree(dir), before, "nothing written");
}

/// Temporary files of an old crashed run are reported by `check` and removed by `build`; files
/// are written with the permissions of any new file.
#[test]
fn stray_temporary_files_are_reported_and_removed() {
    let tmp = old_project(false);
    let dir = tmp.path();
    assert!(schemac(dir, &["build"], &[]).status.success());
    std::fs::write(dir.join("generated/.tmpAb12Cd"), "half").unwrap();
    std::fs::write(dir.join("docs/.tmpZz99Yy"), "half").unwrap();
    let out = schemac(dir, &["--color", "never", "check"], &[]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&out), @r"
    E408(unfinished-build)

      x docs/.tmpZz99Yy: `docs/.tmpZz99Yy` is a temporary file left by an interrupted run
      help: run `schemac build`, which removes it, and do not commit it

    E408(unfinished-build)

      x generated/.tmpAb12Cd: `generated/.tmpAb12Cd` is a temporary file left by an interrupted run
      help: run `schemac build`, which removes it, and do not commit it

    2 errors, 0 warnings
    ");
    let out = schemac(dir, &["build"], &[]);
    assert!(out.status.success());
    assert!(!dir.join("generated/.tmpAb12Cd").exists());
    assert!(!dir.join("docs/.tmpZz99Yy").exists());
    assert_check_green(dir);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let plain = dir.join("plain");
        std::fs::write(&plain, "x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for p in [
            "generated/migrations/0002_create_table_posts.sql",
            "docs/DATABASE.md",
        ] {
            assert_eq!(mode(&dir.join(p)), mode(&plain), "{p}");
        }
    }
}

#[test]
fn check_reports_an_interrupted_build() {
    let tmp = old_project(false);
    let dir = tmp.path();
    // Killed after the journal: the first rename.
    let mut killed = false;
    for n in 1..100 {
        let out = schemac(
            dir,
            &["build"],
            &[("SCHEMAC_TEST_FAULT", &format!("abort@{n}"))],
        );
        if dir.join("generated/.schemac-commit").exists() {
            killed = out.status.code().is_none();
            break;
        }
    }
    assert!(killed);
    let out = schemac(dir, &["--color", "never", "check"], &[]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&out), @r"
    E408(unfinished-build)

      x generated/.schemac-commit: a `schemac build` was interrupted before all its files were in
      | place
      help: run `schemac build`, which finishes it, and commit the generated files

    1 error, 0 warnings
    ");
    let out = schemac(dir, &["build"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_check_green(dir);
}

/// Two builds of different models at once: one waits for the other, so the second plans against
/// the first's migration. Before the lock both wrote a `0002`, one of them missing from
/// `schemac.sum`.
#[test]
fn two_builds_at_once_run_one_after_the_other() {
    let tmp = old_project(false);
    let dir = tmp.path();
    assert!(schemac(dir, &["build"], &[]).status.success());
    let a =
        format!("{V2}  a_only:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n");
    let b =
        format!("{a}  b_only:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n");
    std::fs::write(dir.join("a.yaml"), &a).unwrap();
    std::fs::write(dir.join("b.yaml"), &b).unwrap();
    let spawn = |schema: &str| {
        Command::new(env!("CARGO_BIN_EXE_schemac"))
            .current_dir(dir)
            .args(["--schema", schema, "build"])
            .env("SCHEMAC_TEST_PAUSE_MS", "1500")
            .env_remove("SCHEMAC_TEST_FAULT")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn("a.yaml"), spawn("b.yaml"));
    let (first, second) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    let texts = [stderr(&first), stderr(&second)];
    // Whichever ran second saw the first's migration: b after a adds `b_only` as 0004; a after b
    // would drop `b_only`, which build refuses (E405) without writing.
    let migrations: Vec<String> = std::fs::read_dir(dir.join("generated/migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql") && !n.ends_with(".down.sql"))
        .collect();
    let mut numbers: Vec<&str> = migrations.iter().map(|n| &n[..4]).collect();
    numbers.sort_unstable();
    let len = numbers.len();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        len,
        "two migrations with one number: {migrations:?}"
    );
    assert!(
        first.status.success() || second.status.success(),
        "{texts:?}"
    );
    let d = {
        let dir = schemac::migrations::MigrationDir::read(&dir.join("generated")).unwrap();
        let mut d = schemac::diagnostics::Diagnostics::default();
        dir.verify(&mut d);
        d
    };
    assert!(d.is_empty(), "{:?}", d.sorted());
    assert!(
        texts
            .iter()
            .any(|t| t.contains("waiting for another schemac command")),
        "{texts:?}"
    );
}

/// Another command holds the lock for longer than the timeout: `E409`, nothing written.
#[test]
fn a_held_lock_times_out_with_e409() {
    let tmp = old_project(true);
    let dir = tmp.path();
    let held = std::fs::File::open(dir).unwrap();
    held.lock().unwrap();
    let out = schemac(
        dir,
        &["--color", "never", "build"],
        &[("SCHEMAC_TEST_LOCK_TIMEOUT_MS", "200")],
    );
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out).replace(&dir.display().to_string(), "<project>");
    insta::assert_snapshot!(text, @r"
    schemac: waiting for another schemac command working in . to finish
    E409(project-locked)

      x .: another schemac command kept this project locked; gave up waiting
      help: wait for the other `schemac build` to finish (or end it), then run the command again

    1 error, 0 warnings
    ");
    assert!(!dir.join("generated").exists());
    held.unlock().unwrap();
    assert!(schemac(dir, &["build"], &[]).status.success());
}

/// A dangling symbolic link and a link loop in a schema folder were skipped silently.
#[cfg(unix)]
#[test]
fn broken_symlinks_in_a_schema_folder_are_e100() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("schema")).unwrap();
    std::fs::write(dir.join("schema/tables.yaml"), V1).unwrap();
    std::os::unix::fs::symlink("missing.yaml", dir.join("schema/dangling.yaml")).unwrap();
    std::os::unix::fs::symlink("loop.yaml", dir.join("schema/loop.yaml")).unwrap();
    let out = schemac(
        dir,
        &["--color", "never", "--schema", "schema", "build"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @r"
    E100(io-error)

      x schema/loop.yaml: cannot read the file: it is a symbolic link that cannot be followed (Too
      | many levels of symbolic links)
      help: a symbolic link on the path leads back to itself: replace it with the file or folder it
            should name

    E100(io-error)

      x schema/dangling.yaml: cannot read the file: it is a symbolic link to nothing
      help: point the link at an existing file, or remove it

    2 errors, 0 warnings
    ");
    assert!(!dir.join("generated").exists());
}

/// 300 unknown keys and 60 unknown types: 50 of each printed, then one line per code counting
/// the rest, in every format.
#[test]
fn diagnostics_are_capped_per_code_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut yaml = String::from(
        "version: 1\ntables:\n  users:\n    columns:\n      id: { type: bigint, primary_key: true }\n",
    );
    for i in 0..300 {
        yaml.push_str(&format!("    unknown_{i:03}: 1\n"));
    }
    std::fs::write(dir.join("schema.yaml"), &yaml).unwrap();
    for command in ["build", "lint"] {
        let json = schemac(dir, &["--format", "json", command], &[]);
        assert_eq!(json.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let all = v["diagnostics"].as_array().unwrap();
        assert_eq!(all.len(), 51, "{command}");
        let last = &all[50];
        assert_eq!(last["code"], "E102");
        assert_eq!(
            last["message"],
            "… and 250 more `E102` errors (only the first 50 of each code are shown)"
        );
        let github = schemac(dir, &["--format", "github", command], &[]);
        let text = String::from_utf8_lossy(&github.stdout);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("::error")).count(),
            51,
            "{command}"
        );
        assert!(text.contains("… and 250 more `E102` errors"), "{command}");
        let sarif = schemac(dir, &["--format", "sarif", command], &[]);
        let v: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
        let results = v["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 51, "{command}");
        let human = schemac(dir, &["--color", "never", command], &[]);
        let text = stderr(&human);
        assert_eq!(text.matches("E102(unknown-key)").count(), 51, "{command}");
        assert!(text.contains("… and 250 more `E102` errors"), "{command}");
        assert!(
            text.contains("300 errors"),
            "{command}: the total counts every error"
        );
    }
}
