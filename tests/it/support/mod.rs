//! What the test modules share: corpus paths, the binary, stand-in targets, and one rule for
//! tests that need a program this machine may lack.
//!
//! The tests never install anything. `.ci/run` installs every program they need; in CI (the
//! `CI` variable set, as CI services and `.ci/run` set it) a missing one fails the test that
//! needs it, so a broken CI image cannot pass by skipping. Elsewhere such a test says loudly
//! that it checked nothing and returns.

pub mod alloc_count;
pub mod ci_gate;
pub mod collect;
pub mod corpus;
pub mod deferred;
pub mod forms;
pub mod schema;
pub mod synth;
pub mod sysmmu;

use std::path::Path;

/// Whether this run is CI: `CI` set to anything but empty, `0` or `false`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false"))
}

/// Whether `program` is an executable file: a path as given, or a bare name found on `PATH`.
pub fn program_exists(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |path: &Path| {
        path.metadata()
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(program))))
}

/// The one decision for a test that needs something this machine may lack: `true` when it is
/// `present`. When it is not, CI fails here (naming `needed` and how to get it); elsewhere the
/// test is told to return, after a message nobody can mistake for a pass.
#[track_caller]
pub fn require(present: bool, needed: &str, how_to_get_it: &str) -> bool {
    if present {
        return true;
    }
    assert!(
        !in_ci(),
        "CI: {needed} is required ({how_to_get_it}; .ci/run installs it)"
    );
    let location = std::panic::Location::caller();
    eprintln!(
        "\n!!!!!!!! SKIPPED, NOTHING CHECKED ({}:{}): {needed} is missing ({how_to_get_it}) !!!!!!!!\n",
        location.file(),
        location.line()
    );
    false
}

/// [`require`] for programs: every one of `programs` must exist.
#[track_caller]
pub fn require_programs(programs: &[&str], how_to_get_it: &str) -> bool {
    let missing: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|program| !program_exists(program))
        .collect();
    require(missing.is_empty(), &missing.join(", "), how_to_get_it)
}
