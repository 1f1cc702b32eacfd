//! `portcullis`: the command-line shell over the Portcullis crates.
//!
//! Exit codes (stable, documented in `docs/exit-codes.md`): 0 the gate passed, 1 the gate
//! failed, 2 bad input or usage (a refused archive included), 3 internal error. A panic is
//! caught and reported as 3, never left to unwind out of `main`.

mod audit_cmd;
mod cli;
mod fix_cmd;
mod registry_cmd;
mod rules_cmd;
mod run_cmd;
mod scan_cmd;
mod tools_cmd;
mod worker_cmd;

use std::process::ExitCode;

pub const EXIT_PASS: u8 = 0;
pub const EXIT_GATE_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_INTERNAL: u8 = 3;

fn main() -> ExitCode {
    // Keep a panic's own message (useful in a bug report) but make the exit code ours.
    let result = std::panic::catch_unwind(cli::run);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(_) => {
            eprintln!(
                "portcullis: internal error (a bug): please report it with the message above"
            );
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}
