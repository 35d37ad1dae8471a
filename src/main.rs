//! The `schemac` binary: parse the command line, run it, map the outcome to an exit code.

mod cli;

use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: a build allocates millions of small strings and nodes,
/// and glibc's `_int_malloc`/`_int_free`/`malloc_consolidate` were a quarter of its time; its
/// version 2 rather than 3 for the smaller resident memory (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(cli::run(cli::parse()))
}
