//! Test-only corpora shared by the fast paths' differential tests (`load::fastyaml`,
//! `sqlfrag::fastexpr`): every YAML file of the repository and the synthetic bench models.
//!
//! Input: the repository's files and `scripts/bench/gen.py`. Output: `(name, text)` pairs in a
//! fixed order. Invariants: test-only code (compiled under `cfg(test)`); missing python3 gives no
//! generated models rather than an error.

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

/// Models from `scripts/bench/gen.py` of these sizes (empty when python3 is not installed).
pub fn generated_models(sizes: &[usize]) -> Vec<(String, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench/gen.py");
    sizes
        .iter()
        .filter_map(|n| {
            let out = std::process::Command::new("python3")
                .arg(&script)
                .arg(n.to_string())
                .output()
                .ok()?;
            out.status.success().then(|| {
                (
                    format!("gen.py {n}"),
                    String::from_utf8(out.stdout).expect("the generator writes UTF-8"),
                )
            })
        })
        .collect()
}
