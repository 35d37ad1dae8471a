//! A new user's first steps: `schemac init` (both presets: the starter project builds, lints
//! clean with `--deny-warnings`, passes `check`, and applies — with `schemac migrate`, or `verify`
//! on a scratch database found through `DATABASE_URL` alone), init's refusal to overwrite,
//! `schemac completions`, and `--help` that lists the global options only where they apply.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::Path;
use std::process::Command;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run schemac in `dir` with `DATABASE_URL` set to `url` (unset when `None`).
fn run_env(dir: &Path, url: Option<&str>, args: &[&str]) -> Out {
    let mut c = Command::new(env!("CARGO_BIN_EXE_schemac"));
    c.args(args).current_dir(dir).env("NO_COLOR", "1");
    match url {
        Some(u) => c.env("DATABASE_URL", u),
        None => c.env_remove("DATABASE_URL"),
    };
    let o = c.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

fn run(dir: &Path, args: &[&str]) -> Out {
    run_env(dir, None, args)
}

fn ok(out: &Out, what: &str) {
    assert_eq!(
        out.code, 0,
        "{what} failed:\n{}\n{}",
        out.stdout, out.stderr
    );
}

fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

#[test]
fn init_postgres_builds_lints_checks_and_migrates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let init = run(dir, &["init"]);
    ok(&init, "init");
    insta::assert_snapshot!("init_postgres_stdout", init.stdout);
    insta::assert_snapshot!(
        "init_postgres_schema",
        std::fs::read_to_string(dir.join("schema.yaml")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("schemac.schema.json")).unwrap(),
        run(dir, &["json-schema"]).stdout,
        "init writes the JSON Schema its modeline names"
    );
    insta::assert_snapshot!(
        "init_postgres_gitattributes",
        std::fs::read_to_string(dir.join(".gitattributes")).unwrap()
    );
    insta::assert_snapshot!(
        "init_workflow",
        std::fs::read_to_string(dir.join(".github/workflows/schema.yml")).unwrap()
    );
    insta::assert_snapshot!(
        "init_pre_commit",
        std::fs::read_to_string(dir.join(".pre-commit-config.yaml")).unwrap()
    );
    ok(
        &run(dir, &["lint", "--deny-warnings", "--show-info"]),
        "lint",
    );
    ok(&run(dir, &["build"]), "build");
    ok(&run(dir, &["check"]), "check");
    let db = support::TestDb::create("init_pg");
    let migrate = run_env(dir, Some(&db.database_url()), &["migrate"]);
    ok(&migrate, "migrate");
    // verify and test find the server through DATABASE_URL alone.
    ok(
        &run_env(dir, Some(&support::admin_url()), &["verify"]),
        "verify with DATABASE_URL",
    );
}

#[test]
fn init_supabase_sets_up_the_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    let init = run(
        tmp.path(),
        &["init", "--preset", "supabase", "--dir", "app"],
    );
    ok(&init, "init");
    insta::assert_snapshot!("init_supabase_stdout", init.stdout);
    insta::assert_snapshot!(
        "init_supabase_schema",
        std::fs::read_to_string(dir.join("schema.yaml")).unwrap()
    );
    insta::assert_snapshot!(
        "init_supabase_gitattributes",
        std::fs::read_to_string(dir.join(".gitattributes")).unwrap()
    );
    ok(
        &run(&dir, &["lint", "--deny-warnings", "--show-info"]),
        "lint",
    );
    ok(&run(&dir, &["build"]), "build");
    ok(&run(&dir, &["check"]), "check");
    assert!(
        listing(&dir)
            .iter()
            .any(|f| f.starts_with("supabase/migrations/") && f.ends_with("_init.sql")),
        "{:?}",
        listing(&dir)
    );
    let url = support::admin_url();
    ok(
        &run_env(&dir, Some(&url), &["verify"]),
        "verify with DATABASE_URL",
    );
    let test = run_env(&dir, Some(&url), &["test"]);
    ok(&test, "test with DATABASE_URL");
}

#[test]
fn init_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("schema.yaml"), "version: 1\n").unwrap();
    let refused = run(dir, &["init", "--preset", "supabase"]);
    assert_eq!(refused.code, 1);
    insta::assert_snapshot!("init_refuses", refused.stderr);
    assert_eq!(listing(dir), ["schema.yaml"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("schema.yaml")).unwrap(),
        "version: 1\n"
    );
}

#[test]
fn verify_and_test_without_a_url_say_how_to_give_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(&run(dir, &["init"]), "init");
    ok(&run(dir, &["build"]), "build");
    let verify = run(dir, &["verify"]);
    assert_eq!(verify.code, 2);
    let test = run(dir, &["test"]);
    assert_eq!(test.code, 2);
    let migrate = run(dir, &["migrate"]);
    assert_eq!(migrate.code, 2);
    insta::assert_snapshot!(
        "no_database_url",
        format!("{}{}{}", verify.stderr, test.stderr, migrate.stderr)
    );
}

#[test]
fn completions_for_each_shell() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(dir, &["completions", shell]);
        ok(&out, shell);
        for word in ["migrate", "init", "completions", "schema", "dry-run"] {
            assert!(out.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let bad = run(dir, &["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn help_lists_global_options_only_where_they_apply() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    for cmd in ["rule", "rules", "completions", "init", "json-schema"] {
        let help = run(dir, &[cmd, "--help"]);
        ok(&help, cmd);
        assert!(
            !help.stdout.contains("--schema") && !help.stdout.contains("--templates"),
            "`schemac {cmd} --help` lists the global options:\n{}",
            help.stdout
        );
    }
    insta::assert_snapshot!("rule_help", run(dir, &["rule", "--help"]).stdout);
    insta::assert_snapshot!("build_help", run(dir, &["build", "-h"]).stdout);
    // Hidden, not removed: the options still parse after these commands.
    ok(
        &run(dir, &["rule", "SC301", "--color", "never"]),
        "rule with --color",
    );
}
