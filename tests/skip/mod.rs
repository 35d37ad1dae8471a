//! Skips that show: a test whose optional prerequisite is missing (Chromium and Mermaid,
//! plpgsql_check, pgTAP, yaml-language-server, a Citus server) records why, and
//! `scripts/with-postgres.sh` prints every such record after the test run, so a skip never passes
//! for a pass.
//!
//! Use with `mod skip;` and `skip::unless_required(TEST, WHY, VAR)` where the test gives up.
//! Input: the environment: `VAR` (set to anything but empty or `0`: the prerequisite is required,
//! and a missing one fails the test) and `SCHEMAC_SKIP_DIR` (set by the wrapper: the folder the
//! records go to). Output: one file per skipped test in that folder, holding one line,
//! `<test binary>::<test>: <why>`. Invariants: a skip that cannot be recorded fails the test.

use std::path::Path;

/// Where the wrapper collects the records.
pub const DIR_ENV: &str = "SCHEMAC_SKIP_DIR";

/// Whether the environment variable `var` asks for the prerequisite.
pub fn required(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The prerequisite of `test` is missing (`why`): fail when `require_var` asks for it, otherwise
/// record the skip (and say it on stderr) so that the caller can return without checking.
#[allow(clippy::panic, clippy::disallowed_macros)]
pub fn unless_required(test: &str, why: &str, require_var: &str) {
    if required(require_var) {
        panic!("{require_var} is set but {why}");
    }
    let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = format!(
        "{}::{test}: {why} (set {require_var}=1 to fail instead)",
        env!("CARGO_CRATE_NAME")
    );
    eprintln!("SKIPPED {line}");
    let Some(dir) = std::env::var_os(DIR_ENV) else {
        return;
    };
    let file = Path::new(&dir).join(format!("{}.{test}", env!("CARGO_CRATE_NAME")));
    if let Err(e) = std::fs::write(&file, format!("{line}\n")) {
        panic!("cannot record the skip in {}: {e}", file.display());
    }
}
