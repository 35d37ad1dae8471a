//! Test-only corpora shared by the fast paths' differential tests (`load::fastyaml`,
//! `sqlfrag::fastexpr`): every YAML file of the repository and the synthetic bench models.
//!
//! Input: the repository's files and `scripts/bench/gen.py`. Output: `(name, text)` pairs in a
//! fixed order. Invariants: test-only code (compiled under `cfg(test)`); a missing python3 or a
//! failing generator is a test failure, never a smaller corpus.

#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};

/// Every YAML file of the repository (outside `target/` and `.git/`), sorted by path.
pub fn repository_yaml() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(read) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in read.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != ".git" {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(Path::new(env!("CARGO_MANIFEST_DIR")), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect()
}

/// Models from `scripts/bench/gen.py` of these sizes. Panics, naming what is missing, when python3
/// or the script fails: a corpus that silently shrank would let the differential tests pass on
/// less than they claim.
#[allow(clippy::panic)]
pub fn generated_models(sizes: &[usize]) -> Vec<(String, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench/gen.py");
    sizes
        .iter()
        .map(|n| {
            let out = std::process::Command::new("python3")
                .arg(&script)
                .arg(n.to_string())
                .output()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot run python3 {} {n} ({e}): the fast paths' differential tests need \
                         python3 (Debian: apt-get install python3)",
                        script.display()
                    )
                });
            assert!(
                out.status.success(),
                "python3 {} {n} failed ({}): {}",
                script.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            (
                format!("gen.py {n}"),
                String::from_utf8(out.stdout).expect("the generator writes UTF-8"),
            )
        })
        .collect()
}
