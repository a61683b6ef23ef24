//! The `probescope` binary: parse arguments, run, turn the result into an exit code.
//! 0 = no finding at or above --fail-on, 1 = findings, 2 = usage or input error.

use clap::Parser;
use probescope::cli::Cli;
use probescope::commands::{self, ExitStatus};
use std::io::ErrorKind;
use std::process::ExitCode;

fn main() -> ExitCode {
    keep_large_blocks_returnable();
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

/// Keeps glibc's threshold for serving an allocation with its own mapping at its 128 KiB default.
/// glibc otherwise raises it to the size of each large block freed (up to 32 MiB): once a big
/// input's parsed records are freed, the model's vectors built from them come from the heap
/// instead, where what is freed stays resident behind live blocks (a 100,000-link device-link
/// cycle's `check` peaked at 219 MB resident for 141 MB allocated; 159 MB with the fixed
/// threshold).
fn keep_large_blocks_returnable() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it runs before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
