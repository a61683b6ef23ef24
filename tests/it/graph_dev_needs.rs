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
//! from those, to a copy of the mirror. Nor do the mirrors hold `bus/*/drivers/*`, so their
//! `driver` links dangle and `test -e DEVICE/driver` (how the script asks whether a device is
//! bound) would say no for every device; the copy gets those directories too.
//!
//! What is compared, per device D (every device the mirror's `bus/*/devices` lists):
//! `dev-needs.sh --allow-no-driver -t D` (dependencies as `"SUPPLIER" "CONSUMER"` pairs with
//! `"ROOT"` lines) against `probescope graph MIRROR --device D --parents --kinds
//! managed,stateless --show paths --format tsort`, as sets of lines. The options say what
//! dev-needs.sh follows: device links that are not sync-state-only (`add_suppliers`), parents
//! with a driver (`add_parent`). `--allow-no-driver` because without it the script drops a
//! supplier that has no driver and prints nothing for a device that has none — the deferred
//! devices this tool exists for; probescope always shows them. The plain view (paths, no `-t`)
//! is compared too, and so are the driver (`-d`) and firmware-node (`-f`) views, where a device
//! without one is printed by path (dev-needs.sh) or by kernel name (probescope).

use probescope::analysis::Analysis;
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
        crate::support::require(
            false,
            "the kernel source (/usr/src/linux-source-*.tar.xz)",
            "apt-get install linux-source-6.1, or set PROBESCOPE_DEV_NEEDS to a dev-needs.sh",
        );
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

/// A copy of the mirror with what a real /sys has and the mirror lacks: the `supplier:*` links
/// the kernel makes in consumer directories, and the `bus/*/drivers/*` directories that the
/// mirrored `driver` links point to.
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
    add_driver_directories(&root, &root.join("devices"));
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

/// Creates the driver directory each `driver` link under `dir` points to, when missing
/// (`test -e DEVICE/driver` is how dev-needs.sh asks whether a device is bound).
fn add_driver_directories(root: &Path, dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("directory").flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            add_driver_directories(root, &path);
        } else if kind.is_symlink() && entry.file_name() == "driver" {
            let target = dir.join(std::fs::read_link(&path).expect("driver link"));
            // Only below the tree: the link is relative (`../../../bus/platform/drivers/X`).
            let normalised: PathBuf = target.components().fold(PathBuf::new(), |mut p, c| {
                match c {
                    Component::ParentDir => {
                        p.pop();
                    }
                    Component::CurDir => {}
                    c => p.push(c.as_os_str()),
                }
                p
            });
            assert!(normalised.starts_with(root), "{} leaves the tree", path.display());
            std::fs::create_dir_all(&normalised).expect("driver directory");
        }
    }
}

/// Every device the mirror lists under `bus/*/devices` and holds the directory of, as
/// `/sys/devices/...` paths.
fn devices_of(tree: &Path) -> Vec<String> {
    let root = tree.canonicalize().expect("tree");
    let mut out = BTreeSet::new();
    for bus in std::fs::read_dir(root.join("bus")).expect("bus") {
        let devices = bus.expect("bus entry").path().join("devices");
        for device in std::fs::read_dir(devices).into_iter().flatten() {
            // Some bus links point at directories the mirror did not copy (nothing in them was
            // needed): there is no device directory to run dev-needs.sh on.
            let Ok(real) = device.expect("device").path().canonicalize() else {
                continue;
            };
            let inside = real.strip_prefix(&root).expect("inside the tree");
            out.insert(format!("/sys/{}", inside.display()));
        }
    }
    out.into_iter().collect()
}

/// dev-needs.sh's views and probescope's equivalents.
#[derive(Clone, Copy, Debug)]
enum View {
    /// The default: device paths (`--show paths`).
    Paths,
    /// `-t`: supplier–consumer pairs (`--format tsort --show paths`).
    Tsort,
    /// `-d`: driver names (`--show driver`).
    Driver,
    /// `-f`: firmware node paths (`--show fwnode`).
    Fwnode,
}

/// What the real dev-needs.sh prints for one device, in the tree mounted on `/sys`.
fn run_dev_needs(script: &Path, tree: &Path, device: &str, view: View) -> BTreeSet<String> {
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
    match view {
        View::Paths => {}
        View::Tsort => {
            command.arg("-t");
        }
        View::Driver => {
            command.arg("-d");
        }
        View::Fwnode => {
            command.arg("-f");
        }
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

/// What probescope shows for one device in the given view.
fn ours(boot: &Boot, graph: &SupplierGraph, device: &str, view: View) -> BTreeSet<String> {
    let id = boot
        .find(device)
        .unwrap_or_else(|| panic!("probescope does not know {device}"));
    let options = ViewOptions {
        focus: vec![id],
        direction: Direction::Suppliers,
        kinds: vec![LinkKind::Managed, LinkKind::Stateless],
        parents: true,
        label: match view {
            View::Paths | View::Tsort => Label::Path,
            View::Driver => Label::Driver,
            View::Fwnode => Label::Fwnode,
        },
        ..ViewOptions::default()
    };
    let built = view::build(&Analysis::new(boot, graph), &options);
    match view {
        View::Tsort => view::tsort::render(&built).lines().map(String::from).collect(),
        _ => built.nodes.iter().map(|n| n.label.clone()).collect(),
    }
}

/// Where a view has nothing to show, dev-needs.sh prints the device's path and probescope its
/// kernel name: the path becomes the name.
fn path_to_name(boot: &Boot, lines: BTreeSet<String>) -> BTreeSet<String> {
    lines
        .into_iter()
        .map(|line| match boot.find(&line) {
            Some(id) if line.starts_with("/sys/devices/") => boot.device(id).name.clone(),
            _ => line,
        })
        .collect()
}

/// Whether `unshare -rm` works: the program (util-linux) and user and mount namespaces, which
/// a container may withhold.
fn namespaces_work() -> bool {
    let ok = Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    crate::support::require(
        ok,
        "a working `unshare -rm` (user and mount namespaces), to run dev-needs.sh on a copy of /sys",
        "util-linux, and a kernel or container that allows unprivileged user namespaces",
    )
}

/// What the comparison covered.
#[derive(Debug)]
struct Outcome {
    devices: usize,
    /// Devices for which dev-needs.sh printed at least one dependency.
    devices_with_dependencies: usize,
    /// Every pair dev-needs.sh printed (and probescope too).
    pairs: BTreeSet<String>,
}

/// Compares dev-needs.sh and probescope on every device of a mirror; `None` when the script
/// cannot run here (outside CI).
fn parity(mirror: &str) -> Option<Outcome> {
    let script = dev_needs_script()?;
    if !namespaces_work() {
        return None;
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
    let mut outcome = Outcome {
        devices: devices.len(),
        devices_with_dependencies: 0,
        pairs: BTreeSet::new(),
    };
    for device in &devices {
        let theirs = run_dev_needs(&script, tree.path(), device, View::Tsort);
        assert_eq!(
            ours(&boot, &graph, device, View::Tsort),
            theirs,
            "tsort pairs of {device}"
        );
        if theirs.iter().any(|l| !l.starts_with("\"ROOT\" ")) {
            outcome.devices_with_dependencies += 1;
        }
        outcome.pairs.extend(theirs);
        assert_eq!(
            ours(&boot, &graph, device, View::Paths),
            run_dev_needs(&script, tree.path(), device, View::Paths),
            "dependencies of {device}"
        );
        for view in [View::Driver, View::Fwnode] {
            assert_eq!(
                ours(&boot, &graph, device, view),
                path_to_name(&boot, run_dev_needs(&script, tree.path(), device, view)),
                "{view:?} view of {device}"
            );
        }
    }
    eprintln!(
        "{}: {} devices, {} with dependencies, {} lines",
        mirror.display(),
        outcome.devices,
        outcome.devices_with_dependencies,
        outcome.pairs.len()
    );
    Some(outcome)
}

#[test]
fn dev_needs_agrees_on_the_strict_scenario_before_the_timeout() {
    // The dormant SMMU → host bridge link (neither has a driver yet), the sync-state-only GPIO
    // link (which dev-needs.sh does not follow), RTC and GPIO class devices below their parents.
    let Some(outcome) = parity("fixtures/qemu/smmuv3-6.1/S3-strict-late/sysfs-before-timeout") else {
        return;
    };
    assert!(outcome
        .pairs
        .contains("\"/sys/devices/platform/9050000.smmuv3\" \"/sys/devices/platform/4010000000.pcie\""));
    assert!(outcome.devices_with_dependencies >= 3, "{outcome:?}");
}

#[test]
fn dev_needs_agrees_on_a_final_tree_with_pci_parents() {
    // PCI functions below the host bridge and a root port, virtio devices below them: parents
    // with drivers, through `pci0000:00`, which has none.
    let Some(outcome) = parity("fixtures/qemu/smmuv3-6.1/S1-smmu-early/sysfs") else {
        return;
    };
    assert!(outcome.pairs.contains(
        "\"/sys/devices/platform/4010000000.pcie/pci0000:00/0000:00:05.0\" \"/sys/devices/platform/4010000000.pcie/pci0000:00/0000:00:05.0/0000:01:00.0\""
    ));
    assert!(outcome.pairs.contains(
        "\"/sys/devices/platform/4010000000.pcie\" \"/sys/devices/platform/4010000000.pcie/pci0000:00/0000:00:03.0\""
    ));
    assert!(outcome.devices_with_dependencies >= 8, "{outcome:?}");
}
