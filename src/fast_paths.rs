//! The runtime switch that turns both fast paths off: `load::fastyaml` (YAML) and
//! `sqlfrag::fastexpr` (SQL expressions).
//!
//! Input: the environment variable [`ENV`], read once per process. Output: whether the fast paths
//! may run. Invariants: the fast paths build exactly what the full parsers build (their tests
//! check it), so the switch changes speed, never output; `.ci/run` runs the whole test suite a
//! second time with it set, so every test also passes on the full parsers alone.

use std::ffi::OsStr;
use std::sync::OnceLock;

/// Set to anything but empty or `0` (e.g. `SCHEMAC_NO_FAST_PATHS=1`) to use only the full YAML
/// parser and sqlparser.
pub const ENV: &str = "SCHEMAC_NO_FAST_PATHS";

/// Whether the fast paths may run (the environment is read on the first call only).
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| enabled_by(std::env::var_os(ENV).as_deref()))
}

/// The switch's reading of a value of [`ENV`].
fn enabled_by(value: Option<&OsStr>) -> bool {
    value.is_none_or(|v| v.is_empty() || v == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_to_anything_but_empty_or_zero_turns_the_fast_paths_off() {
        assert!(enabled_by(None));
        assert!(enabled_by(Some(OsStr::new(""))));
        assert!(enabled_by(Some(OsStr::new("0"))));
        assert!(!enabled_by(Some(OsStr::new("1"))));
        assert!(!enabled_by(Some(OsStr::new("yes"))));
    }

    /// [`enabled`] reads the real environment: run with the variable set (as `.ci/run`'s second
    /// run does) this test checks the switch directly, otherwise it runs itself again in a child
    /// process with the variable set.
    #[test]
    fn the_switch_is_read_from_the_environment() {
        if std::env::var_os(ENV).is_some_and(|v| v == "1") {
            assert!(!enabled(), "{ENV}=1 but the fast paths are on");
            return;
        }
        let me = std::env::current_exe().expect("the test binary's path");
        let out = std::process::Command::new(me)
            .args([
                "--exact",
                "fast_paths::tests::the_switch_is_read_from_the_environment",
            ])
            .env(ENV, "1")
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "with {ENV}=1:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
