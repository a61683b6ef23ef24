//! The `probescope` binary: parse arguments, run, turn the result into an exit code.
//! 0 = no finding at or above --fail-on, 1 = findings, 2 = usage or input error.

use clap::Parser;
use probescope::cli::Cli;
use probescope::commands::{self, ExitStatus};
use std::io::ErrorKind;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let args: Vec<_> = std::env::args_os().collect();
            if commands::limits::help_despite_missing_arguments(&err, &args) {
                return ExitCode::SUCCESS;
            }
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match commands::run(cli) {
        Ok(ExitStatus::Clean) => ExitCode::SUCCESS,
        Ok(ExitStatus::Findings) => ExitCode::from(1),
        Ok(ExitStatus::InputError) => ExitCode::from(2),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("probescope: {err}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &probescope::error::Error) -> bool {
    matches!(err, probescope::error::Error::Io { source, .. } if source.kind() == ErrorKind::BrokenPipe)
}
