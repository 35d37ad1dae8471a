//! The bad-input corpus: every folder `tests/corpus/<case>/` is a project root (a `schema.yaml` or
//! a `schema/` folder, plus whatever else the case needs, such as a tampered `generated/`) and a
//! file `expect`:
//!
//! ```text
//! command: build        # build | lint | check | plan
//! args: --name foo      # optional extra arguments
//! exit: 1               # the expected exit code
//! codes: E208 E301      # the exact set of distinct diagnostic codes the run reports
//! ```
//!
//! Each case runs `schemac --format json <command> <args>` in a temporary copy of its folder
//! (without `expect`) and must end with that exit code, report exactly those codes, never panic,
//! and, when the exit code (expected or actual) is not 0, leave every file and folder of the copy
//! as it was. The codes are the `code` fields of the JSON on stdout plus any code (`E…`, `SC…`) in
//! the text on stderr (or on stdout when it is not JSON). All cases run; a failure names each
//! failing case and shows its output. `# …` starts a comment in `expect`; blank lines are ignored;
//! an unknown key is an error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `expect` asks of one case.
#[derive(Debug)]
struct Expect {
    command: String,
    args: Vec<String>,
    exit: i32,
    codes: BTreeSet<String>,
}

fn parse_expect(text: &str) -> Result<Expect, String> {
    let mut fields = BTreeMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = match raw.find('#') {
            Some(at) => &raw[..at],
            None => raw,
        }
        .trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!(
                "line {}: expected `key: value`, found {raw:?}",
                n + 1
            ));
        };
        let key = key.trim();
        if !["command", "args", "exit", "codes"].contains(&key) {
            return Err(format!(
                "line {}: unknown key `{key}` (command, args, exit, codes)",
                n + 1
            ));
        }
        if fields.insert(key, value.trim()).is_some() {
            return Err(format!("line {}: `{key}` given twice", n + 1));
        }
    }
    let command = fields.get("command").ok_or("no `command:`")?.to_string();
    if !["build", "lint", "check", "plan"].contains(&command.as_str()) {
        return Err(format!(
            "command `{command}` is not one of build, lint, check, plan"
        ));
    }
    let exit = fields.get("exit").ok_or("no `exit:`")?;
    let exit = exit
        .parse()
        .map_err(|_| format!("exit `{exit}` is not a number"))?;
    let codes = fields
        .get("codes")
        .ok_or("no `codes:` (write `codes:` with nothing after it for none)")?;
    Ok(Expect {
        command,
        args: fields
            .get("args")
            .map(|a| a.split_whitespace().map(String::from).collect())
            .unwrap_or_default(),
        exit,
        codes: codes.split_whitespace().map(String::from).collect(),
    })
}

/// Every file and folder under `root` (relative paths; `None` for a folder) with its bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                out.insert(rel, None);
                walk(root, &path, out);
            } else {
                out.insert(rel, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Copy the case folder, less `expect`, into `to`.
fn copy_case(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        if rel == Path::new("expect") {
            continue;
        }
        let dest = to.join(&rel);
        match bytes {
            None => std::fs::create_dir_all(&dest).unwrap(),
            Some(bytes) => std::fs::write(&dest, bytes).unwrap(),
        }
    }
}

/// The diagnostic codes in `text`: words `E` or `SC` followed by three digits (`E106`, `SC801`),
/// as the human format prints them (`E106(duplicate-key)`).
fn codes_in_text(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let digits = word
            .strip_prefix("SC")
            .or_else(|| word.strip_prefix('E'))
            .unwrap_or("");
        if digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()) {
            out.insert(word.to_string());
        }
    }
    out
}

/// Every `code` string of the JSON value, at any depth.
fn codes_in_json(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("code", serde_json::Value::String(code)) => {
                        out.insert(code.clone());
                    }
                    _ => codes_in_json(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| codes_in_json(v, out)),
        _ => {}
    }
}

/// Run one case; `Err` says everything that went wrong, with the output.
fn run_case(dir: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(dir.join("expect"))
        .map_err(|e| format!("cannot read its `expect` file: {e}"))?;
    let expect = parse_expect(&text).map_err(|e| format!("bad `expect` file: {e}"))?;
    let work = tempfile::tempdir().unwrap();
    copy_case(dir, work.path());
    let before = tree(work.path());
    let out = Command::new(env!("CARGO_BIN_EXE_schemac"))
        .current_dir(work.path())
        .env("NO_COLOR", "1")
        .args(["--format", "json", &expect.command])
        .args(&expect.args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);

    let mut codes = codes_in_text(&stderr);
    match serde_json::from_str::<serde_json::Value>(&stdout) {
        Ok(json) => codes_in_json(&json, &mut codes),
        Err(_) => codes.extend(codes_in_text(&stdout)),
    }

    let mut problems = Vec::new();
    if code == 101 || stderr.contains("panicked") {
        problems.push("schemac panicked".to_string());
    }
    if code != expect.exit {
        problems.push(format!("exit code {code}, expected {}", expect.exit));
    }
    if codes != expect.codes {
        let show = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(" ");
        problems.push(format!(
            "codes [{}], expected [{}]",
            show(&codes),
            show(&expect.codes)
        ));
    }
    // A run that failed, or should have, must leave the project as it was.
    if code != 0 || expect.exit != 0 {
        let after = tree(work.path());
        let changed: Vec<String> = before
            .keys()
            .chain(after.keys())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|p| before.get(*p) != after.get(*p))
            .map(|p| p.display().to_string())
            .collect();
        if !changed.is_empty() {
            problems.push(format!(
                "a failed run changed files: {}",
                changed.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let clip = |s: &str| -> String {
        const MAX: usize = 4000;
        if s.len() <= MAX {
            s.to_string()
        } else {
            let mut cut = MAX;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}… ({} bytes in all)", &s[..cut], s.len())
        }
    };
    Err(format!(
        "{}\n  ran: schemac --format json {} {}\n  --- stdout ---\n{}\n  --- stderr ---\n{}",
        problems.join("; "),
        expect.command,
        expect.args.join(" "),
        clip(&stdout),
        clip(&stderr)
    ))
}

#[test]
fn every_case_reports_its_codes_and_a_failed_run_writes_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 40,
        "only {} cases in tests/corpus/",
        cases.len()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            run_case(dir).err().map(|why| format!("[{name}] {why}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn expect_files_are_read_strictly() {
    let ok = parse_expect(
        "# a case\ncommand: build  # why\nargs: --name x\nexit: 1\ncodes: E106 E201\n",
    )
    .unwrap();
    assert_eq!(ok.command, "build");
    assert_eq!(ok.args, ["--name", "x"]);
    assert_eq!(ok.exit, 1);
    assert_eq!(ok.codes.iter().collect::<Vec<_>>(), ["E106", "E201"]);
    let none = parse_expect("command: check\nexit: 0\ncodes:\n").unwrap();
    assert!(none.codes.is_empty() && none.args.is_empty());
    for bad in [
        "exit: 1\ncodes: E101\n",
        "command: verify\nexit: 1\ncodes: E101\n",
        "command: build\nexit: one\ncodes: E101\n",
        "command: build\nexit: 1\n",
        "command: build\nexit: 1\ncodes: E101\ncode: E102\n",
        "command: build\ncommand: lint\nexit: 1\ncodes: E101\n",
        "command build\n",
    ] {
        assert!(parse_expect(bad).is_err(), "accepted:\n{bad}");
    }
}

#[test]
fn codes_are_found_in_human_output() {
    let text = "E106(duplicate-key)\n  x `id` appears twice\nSC801(table-missing-description)\n\
                wrote generated/migrations/0001_init.sql E1000 e101 XE101";
    let found: Vec<String> = codes_in_text(text).into_iter().collect();
    assert_eq!(found, ["E106", "SC801"]);
}
