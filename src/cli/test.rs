//! `schemac test`: run the access tests, or write them as pgTAP files.

use super::{Cli, exit};

/// Arguments of `schemac test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// A server to create the scratch database on.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// Run `schemac test`.
pub fn run(_cli: &Cli, _args: &TestArgs) -> u8 {
    exit::IO
}
