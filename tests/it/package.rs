//! The package as Cargo sees it: the `rust-version` it promises is one its locked dependencies
//! keep, and `cargo package` can list what a published crate would carry (it refuses names a
//! package cannot hold, such as the `:` of sysfs entries in fixture mirrors, unless they are
//! excluded).

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Cargo as the test run's own (`CARGO`, set by `cargo test`), else the one on `PATH`.
fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

fn ran(mut command: Command) -> Output {
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `1.89`, `1.89.0` as comparable numbers (a missing patch level is 0).
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|part| {
        part.parse::<u64>()
            .unwrap_or_else(|_| panic!("rust-version {text:?} is not numeric"))
    });
    let mut next = || parts.next().unwrap_or(0);
    (next(), next(), next())
}

/// `cargo metadata` of every locked package. All platforms when their manifests are here
/// (`.ci/run` fetches them); else, outside CI, the host's only (a fresh clone that has built
/// for this machine has downloaded no others), said loudly.
fn locked_metadata() -> Value {
    let all_platforms = cargo()
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .output()
        .expect("cargo runs");
    let output = if all_platforms.status.success() {
        all_platforms
    } else {
        crate::support::require(
            false,
            "every locked package's manifest, for `cargo metadata --offline`",
            "cargo fetch --locked",
        );
        let rustc = ran({
            let mut rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
            rustc.arg("-vV");
            rustc
        });
        let host = String::from_utf8_lossy(&rustc.stdout)
            .lines()
            .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
            .expect("`rustc -vV` names the host");
        ran({
            let mut metadata = cargo();
            metadata.args(["metadata", "--format-version", "1", "--locked", "--offline"]);
            metadata.args(["--filter-platform", &host]);
            metadata
        })
    };
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

#[test]
fn rust_version_is_one_every_locked_dependency_supports() {
    let metadata = locked_metadata();
    let packages = metadata["packages"].as_array().expect("packages");
    let ours = packages
        .iter()
        .find(|package| package["name"] == env!("CARGO_PKG_NAME"))
        .and_then(|package| package["rust_version"].as_str())
        .expect("Cargo.toml states a rust-version");
    let too_new: Vec<String> = packages
        .iter()
        .filter_map(|package| {
            let needed = package["rust_version"].as_str()?;
            (version(needed) > version(ours))
                .then(|| format!("{} {} needs Rust {needed}", package["name"], package["version"]))
        })
        .collect();
    assert!(
        packages.len() > 20,
        "{} packages: not the locked graph",
        packages.len()
    );
    assert!(
        too_new.is_empty(),
        "rust-version = {ours:?} in Cargo.toml, but:\n{}",
        too_new.join("\n")
    );
}

#[test]
fn rust_versions_compare_by_number() {
    assert!(version("1.89.0") > version("1.88"));
    assert!(version("1.100") > version("1.89.1"));
    assert_eq!(version("1.89"), version("1.89.0"));
}

#[test]
fn the_package_lists_and_carries_what_it_builds_from() {
    let output = ran({
        let mut package = cargo();
        package.args(["package", "--list", "--allow-dirty", "--locked", "--offline"]);
        package
    });
    let listing = String::from_utf8_lossy(&output.stdout);
    let files: Vec<&str> = listing.lines().collect();
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "src/main.rs",
        "src/lib.rs",
    ] {
        assert!(files.contains(&needed), "the package lacks {needed}:\n{listing}");
    }
    // Every source file of the library and binary (a module left out fails only at publish).
    let mut missing = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src reads") {
            let path = entry.expect("src entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .expect("under the manifest directory")
                .to_string_lossy()
                .into_owned();
            if !files.contains(&relative.as_str()) {
                missing.push(relative);
            }
        }
    }
    assert!(missing.is_empty(), "not in the package: {missing:?}");
    // What a user of the crate needs none of.
    let carried: Vec<&&str> = files
        .iter()
        .filter(|file| file.starts_with("fixtures/") || file.starts_with("tests/"))
        .collect();
    assert!(carried.is_empty(), "the package carries test data: {carried:?}");
}
