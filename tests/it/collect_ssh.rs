//! `probescope collect --ssh` against a real OpenSSH server on 127.0.0.1, whose "board" is a
//! corpus capture laid out like `/` and reached with `--remote-root`.

use crate::support::collect::*;
use probescope::ingest::bundle::{read_bundle, Bundle, ItemStatus};
use std::fs;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

const CAPTURE: &str = "qemu/smmuv3-6.1/S1-smmu-early";

macro_rules! require_ssh {
    () => {
        if !ssh_tools_available() {
            return;
        }
    };
}

fn member<'a>(bundle: &'a Bundle, name: &str) -> &'a [u8] {
    &bundle
        .member(name)
        .unwrap_or_else(|| panic!("bundle has no {name}"))
        .bytes
}

fn collect_locally(root: &Path, out: &Path) -> Bundle {
    let output = probescope()
        .args(["collect", "--quiet", "--remote-root"])
        .arg(root)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    read_bundle(out).unwrap()
}

/// Same members, same bytes.
fn assert_same_members(a: &Bundle, b: &Bundle) {
    let names = |bundle: &Bundle| bundle.members.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b));
    for (x, y) in a.members.iter().zip(&b.members) {
        assert!(x.bytes == y.bytes, "{} differs", x.name);
    }
}

#[test]
fn ssh_collection_gives_the_capture_back_in_one_session() {
    require_ssh!();
    let sshd = Sshd::start(SshdSetup::default());
    let capture = fixture(CAPTURE);
    let work = open_temp_dir();
    let root = root_from_capture(&capture, work.path());
    let out = work.path().join("board.tar.gz");

    let output = sshd.collect(&[
        "--remote-root",
        root.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(sshd.sessions(), 1, "one SSH session per collection");

    let bundle = read_bundle(&out).unwrap();
    let read = |name: &str| fs::read(capture.join(name)).unwrap();
    assert_eq!(member(&bundle, "kmsg.txt"), read("kmsg.txt"));
    assert_eq!(member(&bundle, "cmdline.txt"), read("cmdline.txt"));
    assert_eq!(member(&bundle, "modules.txt"), read("modules.txt"));
    assert_eq!(member(&bundle, "fdt.dtb"), read("sysfs/firmware/fdt"));
    assert_eq!(
        member(&bundle, "devices_deferred.txt"),
        read("devices_deferred-final.txt")
    );
    assert_eq!(
        sorted_lines(member(&bundle, "devlink.txt")),
        sorted_lines(&read("devlink-final.txt"))
    );
    assert_eq!(
        sorted_lines(member(&bundle, "waiting_for_supplier.txt")),
        sorted_lines(&read("waiting_for_supplier-final.txt"))
    );
    assert_eq!(member(&bundle, "drivers.txt"), read("drivers.txt"));
    assert_eq!(member(&bundle, "iommu_groups.txt"), read("iommu_groups.txt"));
    assert_eq!(member(&bundle, "iommu_class.txt"), read("iommu_class.txt"));
    assert_eq!(member(&bundle, "uname.txt"), b"6.1.0-56-arm64\n");

    let manifest = &bundle.manifest;
    assert!(manifest.complete);
    assert_eq!(manifest.host, "target");
    assert_eq!(manifest.transport, "ssh");
    assert_eq!(manifest.kernel_release.as_deref(), Some("6.1.0-56-arm64"));
    assert_eq!(manifest.remote_root.as_deref(), root.to_str());
    assert_eq!(
        manifest.item("kernel-config").unwrap().status,
        ItemStatus::Missing
    );
    assert!(manifest.notes.is_empty());

    let local = collect_locally(&root, &work.path().join("local.tar.gz"));
    assert_same_members(&bundle, &local);
    assert_eq!(entries(work.path()), ["board.tar.gz", "local.tar.gz", "root"]);
}

/// `check --ssh` collects to memory and analyses in one command: the findings equal those of
/// `check` on the capture the target serves (evidence aside: it cites other files).
#[test]
fn check_over_ssh_equals_check_of_the_capture() {
    require_ssh!();
    let sshd = Sshd::start(SshdSetup::default());
    let capture = fixture(CAPTURE);
    let work = open_temp_dir();
    let root = root_from_capture(&capture, work.path());
    let strip = |stdout: &[u8]| {
        let run: serde_json::Value = serde_json::from_slice(stdout).unwrap();
        crate::support::schema::assert_valid("check", &run);
        let mut findings: Vec<String> = run["boots"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {} {} {}", f["rule"], f["subject"], f["related"], f["message"]))
            .collect();
        findings.sort();
        findings
    };
    let remote = sshd.run(
        "check",
        &[
            "--remote-root",
            root.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert!(remote.status.success(), "{}", stderr_of(&remote));
    let local = probescope()
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(&capture)
        .output()
        .unwrap();
    let remote_findings = strip(&remote.stdout);
    assert!(!remote_findings.is_empty());
    assert_eq!(remote_findings, strip(&local.stdout));
    assert_eq!(sshd.sessions(), 1, "one SSH connection");
    let why = sshd.run("why", &["0000:01:00.0", "--remote-root", root.to_str().unwrap()]);
    assert!(why.status.success(), "{}", stderr_of(&why));
    assert!(String::from_utf8_lossy(&why.stdout).contains("0000:01:00.0 is bound"));
}

#[test]
fn busybox_shell_and_tools_collect_the_same() {
    require_ssh!();
    let work = open_temp_dir();
    let bin = busybox_path(work.path(), &[]);
    // The session's shell and every tool are busybox: PATH holds nothing else.
    let sshd = Sshd::start(SshdSetup {
        force_command: Some(format!(
            "exec env -i PATH={} {BUSYBOX} sh -c \"$SSH_ORIGINAL_COMMAND\"",
            bin.display()
        )),
    });
    let root = root_from_capture(&fixture("qemu/exynos-6.12/E1-exynos-early"), work.path());
    let out = work.path().join("bb.tar.gz");
    let output = sshd.collect(&[
        "--remote-root",
        root.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(sshd.sessions(), 1);
    let bundle = read_bundle(&out).unwrap();
    assert!(bundle.manifest.complete);
    let local = collect_locally(&root, &work.path().join("local.tar.gz"));
    assert_same_members(&bundle, &local);
    assert_eq!(
        sorted_lines(member(&bundle, "devlink.txt")),
        sorted_lines(&fs::read(fixture("qemu/exynos-6.12/E1-exynos-early/devlink-final.txt")).unwrap())
    );
}

/// A failed collection: exit 2, the message, and nothing left in `dir` but `keep`.
fn assert_failed_cleanly(output: &std::process::Output, message: &str, dir: &Path, keep: &[&str]) {
    let stderr = stderr_of(output);
    eprintln!("{stderr}");
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(message), "expected `{message}` in: {stderr}");
    assert_eq!(entries(dir), keep, "nothing partial may stay behind");
}

#[test]
fn unreachable_host_is_an_error_and_writes_nothing() {
    require_ssh!();
    let work = open_temp_dir();
    let out = work.path().join("b.tar.gz");
    let port = free_port();
    let output = probescope()
        .args(["collect", "--ssh", "127.0.0.1", "--ssh-option"])
        .arg(format!("Port={port}"))
        .args(["--ssh-option", "UserKnownHostsFile=/dev/null", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_failed_cleanly(&output, "cannot connect", work.path(), &[]);
    assert!(stderr_of(&output).contains("Connection refused"));
}

#[test]
fn refused_key_is_an_error_and_writes_nothing() {
    require_ssh!();
    let sshd = Sshd::start(SshdSetup::default());
    let work = open_temp_dir();
    let out = work.path().join("b.tar.gz");
    let config = sshd.client_config_with("other_key", "known_hosts");
    let output = probescope()
        .args(["collect", "--ssh", "target", "--ssh-config"])
        .arg(&config)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_failed_cleanly(&output, "authentication was refused", work.path(), &[]);
    assert_eq!(sshd.sessions(), 0);
}

#[test]
fn changed_or_unknown_host_key_is_an_error_and_writes_nothing() {
    require_ssh!();
    let sshd = Sshd::start(SshdSetup::default());
    let work = open_temp_dir();
    let out = work.path().join("b.tar.gz");
    let dir = sshd.dir.path();
    let other = fs::read_to_string(dir.join("other_key.pub")).unwrap();
    fs::write(
        dir.join("changed_hosts"),
        format!("[127.0.0.1]:{} {other}", sshd.port),
    )
    .unwrap();
    fs::write(dir.join("empty_hosts"), "").unwrap();
    for (known_hosts, message) in [
        ("changed_hosts", "host key differs"),
        ("empty_hosts", "host key is not known"),
    ] {
        let config = sshd.client_config_with("user_key", known_hosts);
        let output = probescope()
            .args(["collect", "--ssh", "target", "--ssh-config"])
            .arg(&config)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert_failed_cleanly(&output, message, work.path(), &[]);
    }
    assert_eq!(sshd.sessions(), 0);
}

#[test]
fn connection_cut_mid_transfer_is_an_error_and_writes_nothing() {
    require_ssh!();
    // The session delivers the first 3000 bytes of the script's output, then ends cleanly
    // (exit status 0): only the missing end frame shows the capture is not whole.
    let sshd = Sshd::start(SshdSetup {
        force_command: Some("sh -c \"$SSH_ORIGINAL_COMMAND\" | head -c 3000".into()),
    });
    let work = open_temp_dir();
    let root = root_from_capture(&fixture(CAPTURE), work.path());
    let out = work.path().join("b.tar.gz");
    let output = sshd.collect(&[
        "--remote-root",
        root.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_failed_cleanly(
        &output,
        "the connection ended before the collection finished",
        work.path(),
        &["root"],
    );
}

#[test]
fn missing_remote_tool_is_named() {
    require_ssh!();
    // dash with a PATH holding sh, cat and readlink but no find (busybox sh would fall back on
    // its own applets, so a plain shell stands for a stripped-down target).
    let work = open_temp_dir();
    let bin = work.path().join("bin");
    fs::create_dir(&bin).unwrap();
    for (name, tool) in [
        ("sh", "/bin/dash"),
        ("cat", "/bin/cat"),
        ("readlink", "/usr/bin/readlink"),
    ] {
        std::os::unix::fs::symlink(tool, bin.join(name)).unwrap();
    }
    let sshd = Sshd::start(SshdSetup {
        force_command: Some(format!(
            "exec env -i PATH={} /bin/dash -c \"$SSH_ORIGINAL_COMMAND\"",
            bin.display()
        )),
    });
    let out = work.path().join("b.tar.gz");
    let output = sshd.collect(&["-o", out.to_str().unwrap()]);
    assert_failed_cleanly(&output, "the target has no find", work.path(), &["bin"]);
}

#[test]
fn target_without_debugfs_gives_a_bundle_marked_incomplete() {
    require_ssh!();
    let sshd = Sshd::start(SshdSetup::default());
    let work = open_temp_dir();
    let root = root_from_capture(&fixture(CAPTURE), work.path());
    // An unmounted debugfs is an empty /sys/kernel/debug.
    fs::remove_file(root.join("sys/kernel/debug/devices_deferred")).unwrap();
    let out = work.path().join("b.tar.gz");
    let output = sshd.collect(&[
        "--remote-root",
        root.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("incomplete") && stderr.contains("--mount-debugfs"),
        "{stderr}"
    );
    let bundle = read_bundle(&out).unwrap();
    assert!(!bundle.manifest.complete);
    let deferred = bundle.manifest.item("devices-deferred").unwrap();
    assert_eq!(deferred.status, ItemStatus::NotMounted);
    assert!(bundle.member("devices_deferred.txt").is_none());
    // Everything else is still there.
    assert_eq!(bundle.manifest.gaps().count(), 1);
    assert!(bundle.member("kmsg.txt").is_some());
}

#[test]
fn target_without_root_records_what_it_could_not_read() {
    require_ssh!();
    // The session runs as `nobody`; the tree has the modes of a real system: debugfs is
    // root-only (0700), and so is /sys/firmware/fdt (0400).
    let sshd = Sshd::start(SshdSetup {
        force_command: Some(
            "exec setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \"$SSH_ORIGINAL_COMMAND\"".into(),
        ),
    });
    let work = open_temp_dir();
    let root = root_from_capture(&fixture(CAPTURE), work.path());
    fs::set_permissions(root.join("sys/kernel/debug"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(root.join("sys/firmware/fdt"), fs::Permissions::from_mode(0o400)).unwrap();
    let out = work.path().join("b.tar.gz");
    let output = sshd.collect(&[
        "--remote-root",
        root.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("collect as root"), "{stderr}");
    let bundle = read_bundle(&out).unwrap();
    assert!(!bundle.manifest.complete);
    let status = |item: &str| bundle.manifest.item(item).unwrap().status;
    assert_eq!(status("devices-deferred"), ItemStatus::PermissionDenied);
    assert_eq!(status("device-tree"), ItemStatus::PermissionDenied);
    assert_eq!(status("kernel-log"), ItemStatus::Ok);
    assert_eq!(status("devlink"), ItemStatus::Ok);
    assert_eq!(status("device-table"), ItemStatus::Ok);
    assert_eq!(bundle.manifest.gaps().count(), 2);
}

/// Device and link names a hostile or broken target could hold.
const HOSTILE_NAMES: [&str; 7] = [
    "evil$(touch pwned-dollar)",
    "evil`touch pwned-backtick`",
    "evil;touch pwned-semicolon;'\"x",
    "evil *[a]? spaced  twice",
    "-evil",
    "evil\\n%s%n",
    "evil\nnewline",
];

/// Adds a devlink and a platform device named `name` to the tree at `root`.
fn add_hostile_device(root: &Path, name: &std::ffi::OsStr) {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::symlink;
    let named = |prefix: &str| {
        let mut bytes = prefix.as_bytes().to_vec();
        bytes.extend_from_slice(name.as_bytes());
        std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&bytes))
    };
    let link_dir = root.join("sys").join(named("devices/virtual/devlink/"));
    fs::create_dir_all(&link_dir).unwrap();
    fs::write(link_dir.join("status"), "available\n").unwrap();
    symlink("../../../platform/9030000.pl061", link_dir.join("supplier")).unwrap();
    symlink(named("../../../platform/"), link_dir.join("consumer")).unwrap();
    symlink(
        named("../../devices/virtual/devlink/"),
        root.join("sys").join(named("class/devlink/")),
    )
    .unwrap();
    let device_dir = root.join("sys").join(named("devices/platform/"));
    fs::create_dir_all(&device_dir).unwrap();
    fs::write(device_dir.join("waiting_for_supplier"), "0\n").unwrap();
    symlink(
        "../../../bus/platform/drivers/evil-driver",
        device_dir.join("driver"),
    )
    .unwrap();
    symlink(
        named("../../../devices/platform/"),
        root.join("sys").join(named("bus/platform/devices/")),
    )
    .unwrap();
}

#[test]
fn hostile_device_names_arrive_as_data() {
    require_ssh!();
    use std::os::unix::ffi::OsStrExt;
    let work = open_temp_dir();
    let cwd = work.path().join("cwd");
    fs::create_dir(&cwd).unwrap();
    // Anything evaluated by a shell would leave a file in the session's working directory.
    let sshd = Sshd::start(SshdSetup {
        force_command: Some(format!(
            "cd {} && exec sh -c \"$SSH_ORIGINAL_COMMAND\"",
            cwd.display()
        )),
    });
    let root = root_from_capture(&fixture("qemu/smmuv3-6.1/S2-smmu-late"), work.path());
    for name in HOSTILE_NAMES {
        add_hostile_device(&root, std::ffi::OsStr::new(name));
    }
    add_hostile_device(&root, std::ffi::OsStr::from_bytes(b"evil\xff"));

    let out = work.path().join("b.tar.gz");
    let output = sshd.collect(&[
        "--remote-root",
        root.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let bundle = read_bundle(&out).unwrap();
    let text = |name: &str| String::from_utf8(member(&bundle, name).to_vec()).unwrap();
    let (devlink, drivers, waiting) = (
        text("devlink.txt"),
        text("drivers.txt"),
        text("waiting_for_supplier.txt"),
    );
    for name in HOSTILE_NAMES.iter().filter(|name| !name.contains('\n')) {
        assert!(
            devlink.contains(&format!("/sys/class/devlink/{name}/status:available\n")),
            "{name}"
        );
        assert!(
            devlink.contains(&format!(
                "/sys/class/devlink/{name}/consumer -> ../../../platform/{name}\n"
            )),
            "{name}"
        );
        assert!(
            drivers.contains(&format!(
                "platform\t{name}\tevil-driver\t-\t-\t-\t/sys/devices/platform/{name}\n"
            )),
            "{name}"
        );
        assert!(
            waiting.contains(&format!("/sys/devices/platform/{name}/waiting_for_supplier:0\n")),
            "{name}"
        );
    }
    // Names that cannot travel in a line-based file are left out, and the manifest says so.
    assert!(!devlink.contains("newline") && !drivers.contains("newline") && !waiting.contains("newline"));
    assert!(!devlink.contains('\u{fffd}'));
    assert_eq!(
        bundle.manifest.notes,
        ["4 sysfs entries were left out because their names hold a newline or are not UTF-8"]
    );
    assert_eq!(
        entries(&cwd),
        Vec::<String>::new(),
        "a name was evaluated by a shell"
    );

    let local = collect_locally(&root, &work.path().join("local.tar.gz"));
    assert_same_members(&bundle, &local);
    assert_eq!(bundle.manifest.notes, local.manifest.notes);
}

#[test]
fn register_windows_are_read_with_devmem() {
    require_ssh!();
    let work = open_temp_dir();
    // busybox sh runs its own applets before anything on PATH, so the shell is dash here.
    let bin = busybox_path(work.path(), &["devmem", "sh"]);
    std::os::unix::fs::symlink("/bin/dash", bin.join("sh")).unwrap();
    // A stand-in devmem whose "registers" hold their own address XOR 0x5a5a5a5a, and which
    // refuses one window the way a non-root devmem does.
    write_script(
        &bin.join("devmem"),
        "#!/bin/sh\n[ \"$2\" = 32 ] || exit 2\n\
         if [ \"$1\" -ge 536870912 ]; then echo \"devmem: can't open '/dev/mem': Permission denied\" >&2; exit 1; fi\n\
         printf '0x%08X\\n' $(( $1 ^ 0x5a5a5a5a ))\n",
    );
    let sshd = Sshd::start(SshdSetup {
        force_command: Some(format!(
            "exec env -i PATH={} /bin/dash -c \"$SSH_ORIGINAL_COMMAND\"",
            bin.display()
        )),
    });
    let root = root_from_capture(&fixture(CAPTURE), work.path());
    let out = work.path().join("b.tar.gz");
    let output = sshd.collect(&[
        "--remote-root",
        root.to_str().unwrap(),
        "--sysmmu-regs",
        "g2d@0x10A60000:0x40",
        "--sysmmu-regs",
        "mfc@0x20000000:0x10",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    let bundle = read_bundle(&out).unwrap();
    let expected: Vec<u8> = (0..16u32)
        .flat_map(|word| ((0x10A6_0000 + word * 4) ^ 0x5a5a_5a5a).to_le_bytes())
        .collect();
    assert_eq!(member(&bundle, "sysmmu/g2d.regs.bin"), expected);
    let info: serde_json::Value = serde_json::from_slice(member(&bundle, "sysmmu/g2d.regs.json")).unwrap();
    assert_eq!(
        info,
        serde_json::json!({"sfr_base": "0x10a60000", "size": 64, "file": "g2d.regs.bin"})
    );
    let refused = bundle.manifest.item("sysmmu-regs:mfc").unwrap();
    assert_eq!(refused.status, ItemStatus::PermissionDenied);
    assert!(bundle.member("sysmmu/mfc.regs.bin").is_none());
}

/// Whether `/dev/kmsg` records are well formed: `prio,seq,usec,flags;text` lines, each possibly
/// followed by ` KEY=value` lines, with rising sequence numbers.
fn assert_kmsg_records(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(text.ends_with('\n'), "a record was cut");
    let mut last_seq = None;
    for line in text.lines().filter(|line| !line.starts_with(' ')) {
        let (fields, _) = line
            .split_once(';')
            .unwrap_or_else(|| panic!("not a record: {line}"));
        let seq: u64 = fields.split(',').nth(1).unwrap().parse().unwrap();
        assert!(last_seq.is_none_or(|last| seq > last), "{line}");
        last_seq = Some(seq);
    }
    assert!(last_seq.is_some(), "no record");
}

#[test]
fn the_live_kernel_log_is_read_without_blocking() {
    require_ssh!();
    let kmsg_readable = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(0o4000)
        .open("/dev/kmsg")
        .is_ok();
    if !kmsg_readable {
        eprintln!("!!!!!!!! SKIPPING: /dev/kmsg is not readable here !!!!!!!!");
        return;
    }
    let work = open_temp_dir();
    let bin = busybox_path(work.path(), &[]);
    // GNU tools read /dev/kmsg with `dd iflag=nonblock`; busybox has no such flag and reads it
    // for at most a second into memory.
    for force_command in [
        None,
        Some(format!(
            "exec env -i PATH={} {BUSYBOX} sh -c \"$SSH_ORIGINAL_COMMAND\"",
            bin.display()
        )),
    ] {
        let sshd = Sshd::start(SshdSetup { force_command });
        let out = work.path().join("live.tar.gz");
        let started = std::time::Instant::now();
        let output = sshd.collect(&["-o", out.to_str().unwrap()]);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        // Exit 2 is fine here: this machine's debugfs may not be mounted.
        assert!(
            matches!(output.status.code(), Some(0 | 2)),
            "{}",
            stderr_of(&output)
        );
        let bundle = read_bundle(&out).unwrap();
        let log = bundle.manifest.item("kernel-log").unwrap();
        assert_eq!((log.status, log.source.as_str()), (ItemStatus::Ok, "/dev/kmsg"));
        assert_kmsg_records(member(&bundle, "kmsg.txt"));
        fs::remove_file(&out).unwrap();
    }
}
