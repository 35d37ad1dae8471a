//! `schemac lsp`: start the language server on stdin/stdout.
//!
//! Input: the global `--schema` and `--out` options, `--docs-url`. Output: LSP messages on
//! stdout (nothing else may be printed there); a failure of the protocol on stderr with exit
//! code 2. The server itself is [`schemac::lsp`].

use std::path::PathBuf;

use super::{Cli, exit};

/// Run the server until the client says `exit`.
pub fn run(cli: &Cli, docs_url: Option<String>) -> u8 {
    let absolute = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            std::env::current_dir().map_or_else(|_| p.clone(), |d| d.join(p))
        }
    };
    let options = schemac::lsp::Options {
        schema: absolute(&cli.schema),
        out: absolute(&cli.out),
        docs_url,
    };
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = schemac::lsp::serve(&connection, options);
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(()), Ok(())) => exit::OK,
        (Err(e), _) => {
            eprintln!("error: schemac lsp: {e}");
            exit::IO
        }
        (_, Err(e)) => {
            eprintln!("error: schemac lsp: {e}");
            exit::IO
        }
    }
}
