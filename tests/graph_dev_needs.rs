//! Parity with the kernel's `scripts/dev-needs.sh`: on the corpus's sysfs mirrors, the
//! dependencies the real script prints for each device equal what `probescope graph` shows.
//!
//! The script is not copied into this repository: it is taken from Debian's kernel source
//! (`linux-source-6.1`, which `.ci/run` installs: `/usr/src/linux-source-*.tar.xz`), or from
//! `$PROBESCOPE_DEV_NEEDS`. It is run unmodified, with `bash --posix` (it needs arrays and
//! alias expansion), in a private mount namespace (`unshare -rm`) where the tree under test is
//! bind-mounted on `/sys`: the script stops its parent walk at the literal `/sys/devices`.
//!
//! The mirrors lack what the script reads first: the `supplier:<bus>:<name>` links that
//! `devlink_add_symlinks()` (drivers/base/core.c) puts in each consumer's directory, pointing at
//! the link's device (`/sys/devices/virtual/devlink/<link>`, which has `sync_state_only` and the
//! `supplier` link). The mirrors do have every `/sys/class/devlink/<link>` with its `supplier`
//! and `consumer` links, so the test adds the `supplier:*` links the kernel would have made,
//! from those, to a copy of the mirror.
//!
//! What is compared, per device D (every device the mirror's `bus/*/devices` lists):
//! `dev-needs.sh --allow-no-driver -t D` (dependencies as `"SUPPLIER" "CONSUMER"` pairs with
//! `"ROOT"` lines) against `probescope graph MIRROR --device D --parents --kinds
//! managed,stateless --show paths --format tsort`, as sets of lines. The options say what
//! dev-needs.sh follows: device links that are not sync-state-only (`add_suppliers`), parents
//! with a driver (`add_parent`). `--allow-no-driver` because without it the script drops a
//! supplier that has no driver and prints nothing for a device that has none — the deferred
//! devices this tool exists for; probescope always shows them. The plain view (paths, no `-t`)
//! is compared too.

use probescope::graph::SupplierGraph;
use probescope::ingest::discover::{gather, InputSpec};
use probescope::model::{Boot, LinkKind};
use probescope::report::graph::{self as view, Direction, Label, ViewOptions};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// The kernel's dev-needs.sh, or `None` (with the reason printed) when it is not on this
/// machine and this is not CI.
fn dev_needs_script() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PROBESCOPE_DEV_NEEDS") {
        return Some(PathBuf::from(path));
    }
    let cached = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dev-needs.sh");
    if cached.is_file() {
        return Some(cached);
    }
    let tarball = std::fs::read_dir("/usr/src").ok().and_then(|entries| {
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("linux-source-") && n.ends_with(".tar.xz"))
            })
            .collect();
        found.sort();
        found.pop()
    });
    let Some(tarball) = tarball else {
        let why =
            "no kernel source: install Debian's linux-source-6.1 (see .ci/run) or set PROBESCOPE_DEV_NEEDS";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
        return None;
    };
    let output = Command::new("tar")
        .arg("-xJOf")
        .arg(&tarball)
        .arg("--wildcards")
        .arg("*/scripts/dev-needs.sh")
        .output()
        .expect("tar runs");
    assert!(
        output.status.success() && !output.stdout.is_empty(),
        "no scripts/dev-needs.sh in {}: {}",
        tarball.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    // Written whole under a temporary name, then renamed: parallel tests never see half a file.
    let partial = cached.with_extension(format!("partial-{}", std::process::id()));
    std::fs::write(&partial, &output.stdout).expect("cache the script");
    std::fs::rename(&partial, &cached).expect("cache the script");
    Some(cached)
}

/// `to` relative to the directory `from` (both absolute, symlink-free).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for component in &to[common..] {
        out.push(component.as_os_str());
    }
    out
}

/// A copy of the mirror with the `supplier:*` links the kernel makes in consumer directories.
fn tree_with_supplier_links(mirror: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", mirror.display()))
        .arg(dir.path())
        .status()
        .expect("cp runs");
    assert!(status.success());
    let root = dir.path().canonicalize().expect("tempdir path");
    let class = root.join("class/devlink");
    for entry in std::fs::read_dir(&class).expect("class/devlink") {
        let entry = entry.expect("entry");
        let name = entry.file_name().into_string().expect("utf-8 link name");
        let (supplier, _) = name.split_once("--").expect("supplier--consumer");
        let link_dir = entry.path().canonicalize().expect("link device");
        let consumer = link_dir.join("consumer").canonicalize().expect("consumer");
        let target = relative(&consumer, &link_dir);
        std::os::unix::fs::symlink(target, consumer.join(format!("supplier:{supplier}")))
            .expect("supplier link");
    }
    dir
}

/// Every device the mirror lists under `bus/*/devices`, as `/sys/devices/...` paths.
fn devices_of(tree: &Path) -> Vec<String> {
    let root = tree.canonicalize().expect("tree");
    let mut out = BTreeSet::new();
    for bus in std::fs::read_dir(root.join("bus")).expect("bus") {
        let devices = bus.expect("bus entry").path().join("devices");
        for device in std::fs::read_dir(devices).into_iter().flatten() {
            let real = device
                .expect("device")
                .path()
                .canonicalize()
                .expect("no dangling link");
            let inside = real.strip_prefix(&root).expect("inside the tree");
            out.insert(format!("/sys/{}", inside.display()));
        }
    }
    out.into_iter().collect()
}

/// What the real dev-needs.sh prints for one device, in the tree mounted on `/sys`.
fn run_dev_needs(script: &Path, tree: &Path, device: &str, tsort: bool) -> BTreeSet<String> {
    let mut command = Command::new("unshare");
    command
        .args([
            "-rm",
            "sh",
            "-c",
            "mount --bind \"$1\" /sys && shift && exec bash --posix \"$@\"",
            "sh",
        ])
        .arg(tree)
        .arg(script)
        .arg("--allow-no-driver");
    if tsort {
        command.arg("-t");
    }
    let output = command.arg(device).output().expect("unshare runs");
    assert!(
        output.status.success(),
        "dev-needs.sh {device}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(String::from)
        .collect()
}

/// What probescope shows for one device, labelled by path: tsort pairs, or the devices.
fn ours(boot: &Boot, graph: &SupplierGraph, device: &str, tsort: bool) -> BTreeSet<String> {
    let id = boot
        .find(device)
        .unwrap_or_else(|| panic!("probescope does not know {device}"));
    let options = ViewOptions {
        focus: vec![id],
        direction: Direction::Suppliers,
        kinds: vec![LinkKind::Managed, LinkKind::Stateless],
        parents: true,
        label: Label::Path,
        ..ViewOptions::default()
    };
    let view = view::build(boot, graph, &options);
    if tsort {
        view::tsort::render(&view).lines().map(String::from).collect()
    } else {
        view.nodes.iter().map(|n| n.label.clone()).collect()
    }
}

fn namespaces_work() -> bool {
    let ok = Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "unshare -rm (user and mount namespaces) is needed to run dev-needs.sh on a copy of /sys"
        );
        eprintln!("skipped: unshare -rm does not work here");
    }
    ok
}

fn parity(mirror: &str) -> usize {
    let Some(script) = dev_needs_script() else {
        return 0;
    };
    if !namespaces_work() {
        return 0;
    }
    let mirror = Path::new(env!("CARGO_MANIFEST_DIR")).join(mirror);
    let tree = tree_with_supplier_links(&mirror);
    let spec = InputSpec {
        paths: vec![mirror.clone()],
        ..InputSpec::default()
    };
    let boot = Boot::from_inputs(gather(&spec).expect("the mirror reads"));
    let graph = SupplierGraph::new(&boot);
    let devices = devices_of(tree.path());
    assert!(
        devices.len() > 20,
        "{} devices in {}",
        devices.len(),
        mirror.display()
    );
    let mut with_dependencies = 0;
    for device in &devices {
        let theirs = run_dev_needs(&script, tree.path(), device, true);
        assert_eq!(
            ours(&boot, &graph, device, true),
            theirs,
            "tsort pairs of {device}"
        );
        if theirs.iter().any(|l| !l.starts_with("\"ROOT\" ")) {
            with_dependencies += 1;
        }
        assert_eq!(
            ours(&boot, &graph, device, false),
            run_dev_needs(&script, tree.path(), device, false),
            "dependencies of {device}"
        );
    }
    with_dependencies
}

#[test]
#[ignore = "needs the ingest merged"]
fn dev_needs_agrees_on_the_strict_scenario_before_the_timeout() {
    // The dormant SMMU → host bridge link (the bridge and the SMMU have no driver) and the
    // sync-state-only GPIO link, which dev-needs.sh does not follow.
    let devices = parity("fixtures/qemu/smmuv3-6.1/S3-strict-late/sysfs-before-timeout");
    let _ = devices;
}

#[test]
#[ignore = "needs the ingest merged"]
fn dev_needs_agrees_on_a_final_tree_with_pci_parents() {
    // PCI functions below the host bridge and a root port: parents with drivers.
    let with_dependencies = parity("fixtures/qemu/smmuv3-6.1/S1-smmu-early/sysfs");
    let _ = with_dependencies;
}
