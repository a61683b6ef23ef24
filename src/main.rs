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

/// The allocator: jemalloc, as ruff and rustc use on Unix. Reading a long log hands each
/// record's messages from the reading thread to the builder's, and each boot's events on to the
/// analyser's: glibc's allocator then spends its time on the lock of the arena a block came
/// from (three quarters of the context switches of a 100 MB log's `check`), where jemalloc's
/// thread caches free across threads without it. On Windows the system allocator stays.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read when it starts. One arena: a run has at most a few busy threads,
/// and one arena holds less memory in reserve than one per core. Freed memory is given back
/// after 100 ms (jemalloc's default is 10 s, `muzzy` pages kept as long again): a 100,000-link
/// chain's `check --format json` then peaks at 161 MiB instead of 195 MiB, and a 100 MB log's
/// `check` at 51 MiB. (`scripts/measure-long-graphs.sh`, `benches/log_throughput.sh`.)
#[cfg(not(target_env = "msvc"))]
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8; 46] = b"narenas:1,dirty_decay_ms:100,muzzy_decay_ms:0\0";
