//! Hostile and huge inputs, made by generators here (never committed blobs): long device-link
//! cycles and chains, device nodes and sockets named as logs, pipes, compression bombs on
//! every path, empty files. Each case asserts the exit code and the message; sizes are checked
//! in-process (what a report holds per device), not by wall clock, so a loaded machine cannot
//! make them flaky. Sizes are small enough for a debug build and large enough that recursion
//! on the 2 MiB stack of a test thread, or a quadratic report, would show.

use probescope::ingest::discover::InputSpec;
use probescope::limits::REPORT_CHAIN_DEPTH;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn probescope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_probescope"))
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// One `grep -r . /sys/class/devlink/*/` link: status plus the two symlink lines.
fn devlink_lines(out: &mut String, supplier: usize, consumer: usize) {
    let name = format!("platform:d{supplier}--platform:d{consumer}");
    out.push_str(&format!("/sys/class/devlink/{name}/status:consumer probing\n"));
    out.push_str(&format!(
        "/sys/class/devlink/{name}/supplier -> ../../../platform/d{supplier}\n"
    ));
    out.push_str(&format!(
        "/sys/class/devlink/{name}/consumer -> ../../../platform/d{consumer}\n"
    ));
}

/// A devlink dump where d0 supplies d1, ..., d(n-1) supplies d0.
fn cycle_dump(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        devlink_lines(&mut out, i, (i + 1) % n);
    }
    out
}

/// A chain d0 → d1 → ... → dn as a devlink dump, and a devices_deferred where every device
/// but d0 waits for the one before it.
fn chain_inputs(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let mut dump = String::new();
    let mut deferred = String::new();
    for i in 0..n {
        devlink_lines(&mut dump, i, i + 1);
        deferred.push_str(&format!("d{}\tplatform: wait for supplier d{i}\n", i + 1));
    }
    // The device links are a snapshot taken before the final devices_deferred (`-before`):
    // their `consumer probing` status is of that moment, not of the end.
    let devlink = dir.join(format!("chain{n}-devlink-before.txt"));
    let listing = dir.join(format!("chain{n}.def"));
    std::fs::write(&devlink, dump).unwrap();
    std::fs::write(&listing, deferred).unwrap();
    (devlink, listing)
}

#[test]
fn a_long_device_link_cycle_is_found_without_recursion() {
    // Analysed on this test thread's 2 MiB stack: a walk recursing once per device (petgraph's
    // Tarjan did) overflows it long before 20,000 devices.
    let dir = tempfile::tempdir().unwrap();
    let n = 20_000;
    let dump = dir.path().join("cycle.txt");
    std::fs::write(&dump, cycle_dump(n)).unwrap();
    let spec = InputSpec {
        devlink: vec![dump],
        ..InputSpec::default()
    };
    let (boot, report) = probescope::pipeline::analyse(&spec).unwrap();
    assert_eq!(boot.devices.len(), n);
    let cycles: Vec<_> = report.findings.iter().filter(|f| f.code == "PS202").collect();
    assert_eq!(
        cycles.len(),
        1,
        "one cycle of every device: {:?}",
        report.findings.len()
    );
    assert_eq!(
        cycles[0].related.len() + 1,
        n,
        "every device of the cycle is named"
    );
}

/// The devices the PS201 finding of a chain of `n` deferred devices lists, and the evidence,
/// related devices and blocked devices it carries in total.
fn chain_report_size(n: usize) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (devlink, deferred) = chain_inputs(dir.path(), n);
    let spec = InputSpec {
        devlink: vec![devlink],
        deferred: vec![deferred],
        ..InputSpec::default()
    };
    let (_, report) = probescope::pipeline::analyse(&spec).unwrap();
    let deferred: Vec<_> = report.findings.iter().filter(|f| f.code == "PS201").collect();
    // One root cause, the chain's head: one finding listing every device it holds back.
    assert_eq!(deferred.len(), 1, "one root cause");
    let blocked = deferred[0].blocks.len();
    assert_eq!(blocked, n, "every device but the chain's head is deferred");
    let held = deferred[0].evidence.len() + deferred[0].related.len() + blocked;
    (blocked, held)
}

#[test]
fn a_long_chain_of_deferred_devices_reports_in_linear_size() {
    // Each device spelling out its whole chain made the report (and the run) quadratic: 25,000
    // devices took minutes and gigabytes. Doubling the chain must at most double the report.
    let (small_devices, small) = chain_report_size(2_000);
    let (large_devices, large) = chain_report_size(4_000);
    assert_eq!(large_devices, 2 * small_devices);
    assert!(
        // The chain's first devices have shorter chains to cite: a fixed shortfall.
        large <= 2 * small + REPORT_CHAIN_DEPTH * 3 * (REPORT_CHAIN_DEPTH + 2),
        "report size grew from {small} to {large} when the chain doubled"
    );
    let per_device = large / large_devices;
    assert!(
        per_device <= 4,
        "{per_device} evidence items and names per blocked device"
    );
}

#[test]
fn every_device_of_a_long_chain_names_its_root_cause_and_why_follows_the_chain_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (devlink, deferred) = chain_inputs(dir.path(), 3_000);
    let check = probescope()
        .args(["check", "--format", "json", "--devlink"])
        .arg(&devlink)
        .arg("--deferred")
        .arg(&deferred)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1), "{}", stderr_of(&check));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let last = report["boots"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["code"] == "PS201"
                && f["blocks"]
                    .as_array()
                    .is_some_and(|blocks| blocks.iter().any(|b| b["device"] == "d3000"))
        })
        .expect("a PS201 finding listing the chain's last device");
    let message = last["message"].as_str().unwrap();
    // The chain is followed to its head, d0: the listing shows nothing of d0's own bind, so the
    // root cause is d0 (never bound, or not shown bound: the wording is the truth rules' business).
    assert_eq!(last["subject"], "d0");
    assert!(
        message.contains("d0 exists but its driver never bound")
            || message.contains("does not show whether d0 bound"),
        "{message}"
    );
    // Each blocked device once, with the supplier it waits for directly.
    let blocks = last["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 3_000);
    let d3000 = blocks.iter().find(|b| b["device"] == "d3000").unwrap();
    assert_eq!(d3000["waits_for"], "d2999");

    let why = probescope()
        .args(["why", "d3000", "--format", "json", "--devlink"])
        .arg(&devlink)
        .arg("--deferred")
        .arg(&deferred)
        .output()
        .unwrap();
    assert_eq!(why.status.code(), Some(0), "{}", stderr_of(&why));
    let why: serde_json::Value = serde_json::from_slice(&why.stdout).unwrap();
    let chain = why["root_causes"][0]["chain"].as_array().expect("a chain");
    assert_eq!(
        chain.len(),
        3_001,
        "why follows the whole chain, d3000 back to d0"
    );
}

#[test]
fn device_nodes_sockets_and_directories_named_as_logs_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("log.sock");
    let _socket = std::os::unix::net::UnixListener::bind(&socket_path).unwrap();
    let cases: [(&[&str], &Path, &str); 4] = [
        (&["--dmesg"], Path::new("/dev/zero"), "is a character device"),
        (&[], Path::new("/dev/zero"), "is a character device"),
        (&["--devlink"], &socket_path, "is a socket"),
        (&["--dmesg"], dir.path(), "is a directory"),
    ];
    for (flag, path, says) in cases {
        let output = probescope().arg("check").args(flag).arg(path).output().unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{flag:?} {}: {stderr}",
            path.display()
        );
        assert!(stderr.contains(says), "{flag:?} {}: {stderr}", path.display());
    }
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
}

const LOG: &str = "[    0.000000] Booting Linux on physical CPU 0x0\n\
                   [    1.000000] platform 9050000.smmuv3: deferred probe pending\n";

#[test]
fn a_pipe_is_read_as_a_stream_and_skipped_inside_a_capture_folder() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("dmesg.txt");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, LOG).unwrap())
    };
    let output = probescope()
        .arg("check")
        .arg("--dmesg")
        .arg(&fifo)
        .output()
        .unwrap();
    writer.join().unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr_of(&output)
    );
    assert!(
        stdout_of(&output).contains("9050000.smmuv3"),
        "{}",
        stdout_of(&output)
    );

    // In a folder, the same pipe with nobody writing would block a reader forever.
    let capture = dir.path();
    std::fs::write(capture.join("kmsg-copy.txt"), LOG).unwrap();
    let output = probescope()
        .args(["check", "--format", "json"])
        .arg(capture)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr_of(&output)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let inputs = report["boots"][0]["inputs"].as_array().unwrap();
    let pipe = inputs
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("dmesg.txt"))
        .expect("the pipe is listed among the inputs");
    assert_eq!(pipe["note"], "skipped: not a regular file");
    assert!(
        inputs.iter().any(|i| i["kind"] == "kernel-log"),
        "the log beside it is read"
    );
}

/// A kernel log line followed by `newlines` empty lines: what a bomb expands to.
fn bomb_text(newlines: usize) -> Vec<u8> {
    let mut text = LOG.as_bytes().to_vec();
    text.resize(text.len() + newlines, b'\n');
    text
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(bytes).unwrap();
    xz.finish().unwrap()
}

#[test]
fn a_folder_file_past_the_cap_is_cut_and_says_so_though_its_head_was_read_whole() {
    // The head read to recognise a folder's file is kept and read from when it holds the whole
    // file; a head that stopped at the cap does not, and the file's reading says it was cut.
    // fixtures/qemu/smmuv3-6.1/S2-smmu-late/drivers.txt is 7,459 bytes: past a 4 KiB cap,
    // within the 256 KiB head.
    let qemu = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/smmuv3-6.1/S2-smmu-late");
    let dir = tempfile::tempdir().unwrap();
    for name in ["dmesg.txt", "drivers.txt", "devlink-final.txt"] {
        std::fs::copy(qemu.join(name), dir.path().join(name)).unwrap();
    }
    let output = probescope()
        .args(["check", "--width", "300", "--max-input-bytes", "4K"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = stdout_of(&output);
    assert!(
        stdout.contains(
            "drivers.txt: expected a readable file, found `input cut at the 4 KiB decompressed-size \
             cap (raise it with --max-input-bytes)`"
        ),
        "{stdout}"
    );
}

#[test]
fn every_compression_and_standard_input_stop_at_the_same_cap_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = bomb_text(3 << 20);
    let packed: [(&str, Vec<u8>); 4] = [
        ("plain.txt", text.clone()),
        ("bomb.gz", gzip(&text)),
        ("bomb.xz", xz(&text)),
        ("bomb.zst", zstd::stream::encode_all(&text[..], 1).unwrap()),
    ];
    let cap_note = "input cut at the 64 KiB decompressed-size cap (raise it with --max-input-bytes)";
    // Named as a log, or given alone to be recognised: the cap is below the 256 KiB head the
    // recogniser reads, which then ends at the cap too.
    let ways: [&[&str]; 2] = [&["--dmesg"], &[]];
    for ((name, bytes), way) in packed.iter().flat_map(|p| ways.iter().map(move |w| (p, w))) {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = probescope()
            // Wide enough that the cap's note is one line of the text output.
            .args(["check", "--width", "300", "--max-input-bytes", "64K"])
            .args(*way)
            .arg(&path)
            .output()
            .unwrap();
        let stdout = stdout_of(&output);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{name}: {}",
            stderr_of(&output)
        );
        assert!(stdout.contains(cap_note), "{name}: {stdout}");
        assert!(
            stdout.contains("9050000.smmuv3"),
            "{name}: what came before the cap is analysed"
        );
    }

    let mut child = probescope()
        .args([
            "check",
            "--width",
            "300",
            "--max-input-bytes",
            "64K",
            "--dmesg",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        // The reader stops at the cap and closes the pipe: a failed write is expected.
        let _ = stdin.write_all(&gzip(&text));
    });
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(
        stdout_of(&output).contains(cap_note),
        "<stdin>: {}",
        stdout_of(&output)
    );
}

/// A bomb of nothing but newlines: nothing usable before the cap, and the error says the cap
/// stopped the reading (not only that no kernel line was found).
#[test]
fn a_bomb_with_no_kernel_line_before_the_cap_names_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.gz");
    std::fs::write(&path, gzip(&vec![b'\n'; 3 << 20])).unwrap();
    let output = probescope()
        .args(["check", "--max-input-bytes", "1M", "--dmesg"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("(byte offset 0x100000)")
            && stderr.contains("before reading stopped (input cut at the 1 MiB decompressed-size cap (raise it with --max-input-bytes))")
            && stderr.contains("found `no kernel log line`"),
        "{stderr}"
    );
}

#[test]
fn an_empty_file_is_called_empty() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("dmesg.txt");
    std::fs::write(&empty, "").unwrap();
    for flag in [&["--dmesg"][..], &[][..]] {
        let output = probescope().arg("check").args(flag).arg(&empty).output().unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("the file is empty") || stderr.contains("the input is empty"),
            "{stderr}"
        );
    }
}

#[test]
fn symlink_loops_in_a_capture_folder_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path();
    std::fs::write(capture.join("dmesg.txt"), LOG).unwrap();
    std::os::unix::fs::symlink(".", capture.join("loop")).unwrap();
    std::os::unix::fs::symlink("itself", capture.join("itself")).unwrap();
    let output = probescope()
        .args(["check", "--format", "json"])
        .arg(capture)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr_of(&output)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let inputs = report["boots"][0]["inputs"].as_array().unwrap();
    let note_of = |name: &str| {
        inputs
            .iter()
            .find(|i| i["path"].as_str().unwrap().ends_with(name))
            .map(|i| i["note"].clone())
    };
    assert_eq!(
        note_of("/loop"),
        Some(serde_json::json!("directory not searched (not a sysfs tree)"))
    );
    assert_eq!(
        inputs.iter().filter(|i| i["kind"] == "kernel-log").count(),
        1,
        "{inputs:?}"
    );
    let notes = report["boots"][0]["notes"].to_string();
    assert!(
        notes.contains("itself") && notes.contains("a symlink to nothing"),
        "{notes}"
    );
}

/// `probescope … | head -1`: the reader goes away after the first line. Every command that
/// writes much ends quietly then: its usual exit code, no panic message, no error.
#[test]
fn a_closed_standard_output_ends_every_command_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    // Megabytes of output: far more than a pipe's buffer holds.
    let (devlink, deferred) = chain_inputs(dir.path(), 1_000);
    let inputs = |command: &mut Command| {
        command
            .arg("--devlink")
            .arg(&devlink)
            .arg("--deferred")
            .arg(&deferred);
    };
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["graph", "--format", "dot"],
        &["why", "d1000"],
        &["rules"],
    ] {
        let mut command = probescope();
        command.args(args);
        if args[0] != "rules" {
            inputs(&mut command);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The pipe's read end is closed here, with most of the output unread.
        let output = child.wait_with_output().unwrap();
        let stderr = stderr_of(&output);
        assert!(!first.is_empty(), "{args:?}: no first line");
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{args:?}: {:?} {stderr}",
            output.status
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_boot_past_the_device_cap_is_analysed_as_far_as_it_goes_and_says_where_it_stopped() {
    // A 40-link cycle under a 10-device cap: the model takes links until it holds 10 devices,
    // then stops, names the file and line, and the cap's flag; the rest is analysed (a cut
    // cycle is a chain: no PS202).
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("cycle.txt");
    std::fs::write(&dump, cycle_dump(40)).unwrap();
    let output = probescope()
        .args(["check", "--format", "json", "--limit", "devices=10", "--devlink"])
        .arg(&dump)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let boot = &report["boots"][0];
    let notes: Vec<&str> = boot["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let note = notes
        .iter()
        .find(|n| n.contains("-device cap"))
        .unwrap_or_else(|| panic!("no device-cap note in {notes:?}"));
    // Link 10 (d9 → d10) is the first to bring an 11th device: its status line is line 28.
    assert!(
        note.starts_with(&format!(
            "{}:28: the boot reached the 10-device cap",
            dump.display()
        )),
        "{note}"
    );
    assert!(note.contains("--limit devices=…"), "{note}");
    let findings = boot["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["code"] != "PS202"), "{findings:?}");

    // The same dump without the cap: the whole cycle.
    let output = probescope()
        .args(["check", "--format", "json", "--devlink"])
        .arg(&dump)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["boots"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "PS202"));
}

#[test]
fn links_and_records_past_their_caps_are_left_out_with_a_note() {
    use probescope::limits::Limits;
    use probescope::model::Boot;
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("cycle.txt");
    std::fs::write(&dump, cycle_dump(30)).unwrap();
    let spec = InputSpec {
        devlink: vec![dump.clone()],
        ..InputSpec::default()
    };
    let inputs = probescope::ingest::discover::gather(&spec).unwrap();
    let limits = Limits {
        links: 12,
        ..Limits::default()
    };
    let boot = Boot::from_inputs_with(inputs, &limits);
    assert_eq!(boot.links.len(), 12);
    let note = boot
        .notes
        .iter()
        .find(|n| n.contains("-link cap"))
        .expect("a link-cap note");
    // The 13th link's status line.
    assert!(note.starts_with(&format!("{}:37:", dump.display())), "{note}");
    assert!(note.contains("--limit links=…"), "{note}");

    // A log of 50 probe records under a 20-record cap: events past record 20 are not used.
    let log = dir.path().join("dmesg.txt");
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!(
            "[    1.{i:06}] probe of d{i}.dev returned 0 after 10 usecs\n"
        ));
    }
    std::fs::write(&log, text).unwrap();
    let spec = InputSpec {
        dmesg: vec![log.clone()],
        ..InputSpec::default()
    };
    let inputs = probescope::ingest::discover::gather(&spec).unwrap();
    let limits = Limits {
        records: 20,
        ..Limits::default()
    };
    let boot = Boot::from_inputs_with(inputs, &limits);
    assert!(boot.find_by_name("d19.dev").is_some() && boot.find_by_name("d20.dev").is_none());
    let note = boot
        .notes
        .iter()
        .find(|n| n.contains("-record cap"))
        .expect("a record-cap note");
    assert!(
        note.starts_with(&format!("{}: 50 records", log.display())),
        "{note}"
    );
    assert!(
        note.contains("--limit records=…") && note.contains(":21"),
        "{note}"
    );
}

#[test]
fn every_limit_is_listed_and_the_readme_table_is_that_list() {
    let listing = probescope().arg("limits").output().unwrap();
    assert!(listing.status.success());
    let help = probescope().args(["check", "--limit", "help"]).output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert_eq!(stdout_of(&help), stdout_of(&listing));
    for spec in probescope::limits::SPECS {
        assert!(
            stdout_of(&listing).contains(spec.name),
            "{} not listed",
            spec.name
        );
    }
    // Only what a format bounds has no flag: the SysMMU tables' shape, the kernel's PATH_MAX
    // and MAXSYMLINKS.
    let fixed: Vec<&str> = probescope::limits::FIXED.iter().map(|f| f.what).collect();
    assert_eq!(
        fixed,
        [
            "page-table walk",
            "a symlink of a sysfs copy flattened into a file",
            "symlinks followed to resolve one path of a sysfs copy"
        ]
    );
    let markdown = probescope().args(["limits", "--markdown"]).output().unwrap();
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&stdout_of(&markdown)),
        "README.md's Limits table differs from `probescope limits --markdown`; paste its output:\n{}",
        stdout_of(&markdown)
    );
    let bad = probescope()
        .args(["check", "--limit", "nodes=5", "x"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr_of(&bad).contains("no limit named `nodes`"),
        "{}",
        stderr_of(&bad)
    );
}

#[test]
fn every_command_that_reads_an_input_takes_the_same_limit_flags() {
    // `--limit help` lists the caps on every reading command, even where the command's
    // required arguments are missing (as `--help` does).
    let listing = stdout_of(&probescope().arg("limits").output().unwrap());
    for command in [
        &["check"][..],
        &["why"],
        &["graph"],
        &["plan"],
        &["timeline"],
        &["blame"],
        &["diff"],
        &["watch"],
        &["sysmmu", "regs"],
        &["sysmmu", "translate"],
        &["sysmmu", "map"],
        &["sysmmu", "fault"],
    ] {
        let output = probescope()
            .args(command)
            .args(["--limit", "help"])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command:?}: {}",
            stderr_of(&output)
        );
        assert_eq!(stdout_of(&output), listing, "{command:?}");
        let output = probescope().args(command).arg("--limit=help").output().unwrap();
        assert_eq!(stdout_of(&output), listing, "{command:?} --limit=help");
    }

    // `watch` keeps a stream up to the same cap, set by either spelling.
    let dir = tempfile::tempdir().unwrap();
    let stream = dir.path().join("stream.txt");
    std::fs::write(&stream, bomb_text(3 << 20)).unwrap();
    for cap in [&["--limit", "input-bytes=1M"][..], &["--max-input-bytes", "1M"]] {
        let output = probescope()
            .args(["watch", "--format", "json", "--input"])
            .arg(&stream)
            .args(cap)
            .output()
            .unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{}",
            stderr_of(&output)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let notes = report["boots"][0]["notes"].to_string();
        assert!(
            notes.contains("kept up to the 1 MiB input-bytes cap") && notes.contains("--limit input-bytes="),
            "{cap:?}: {notes}"
        );
    }

    // `watch` takes TargetArgs' flags: --remote-root without --ssh follows DIR/dev/kmsg here,
    // as `collect` reads below DIR; --mount-debugfs (hidden there) is refused.
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("dev")).unwrap();
    let qemu = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/smmuv3-6.1");
    std::fs::copy(qemu.join("S2-smmu-late/kmsg.txt"), root.join("dev/kmsg")).unwrap();
    let output = probescope()
        .args(["watch", "--format", "json", "--remote-root"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr_of(&output)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["boots"][0]["boot"], format!("{}/dev/kmsg", root.display()));
    let output = probescope()
        .args(["watch", "--mount-debugfs", "--remote-root"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("--mount-debugfs: watch reads only the kernel log"));

    // `diff` reads both boots under the run's caps: a 3-device cap leaves out the devices
    // whose findings the whole boots show.
    let diff = |limit: &[&str]| {
        let output = probescope()
            .args(["diff", "--format", "json"])
            .args(limit)
            .arg(qemu.join("S0-builtin-stock/dmesg.txt"))
            .arg(qemu.join("S2-smmu-late/dmesg.txt"))
            .output()
            .unwrap();
        let (report, _) = crate::support::schema::valid_output("diff", &output);
        report.to_string()
    };
    let whole = diff(&[]);
    let capped = diff(&["--limit", "devices=3"]);
    assert!(whole.contains("0000:00:03.0"), "{whole}");
    assert!(!capped.contains("0000:00:03.0"), "{capped}");
}

/// `check --format json` of `args`: the first boot's notes and inputs as one text to search.
fn check_notes(args: &[&std::ffi::OsStr]) -> String {
    let output = probescope()
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        stderr_of(&output)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    format!(
        "{}\n{}",
        report["boots"][0]["notes"], report["boots"][0]["inputs"]
    )
}

/// `flag value` and more as the arguments `check_notes` takes.
fn os_args<'a>(args: &'a [&'a str]) -> Vec<&'a std::ffi::OsStr> {
    args.iter().map(std::ffi::OsStr::new).collect()
}

#[test]
fn an_overlong_line_is_cut_at_the_line_cap_and_named() {
    let dir = tempfile::tempdir().unwrap();
    // A log and a /proc/modules (the two line readers) with a 100 KiB line third.
    let long = "x".repeat(100 << 10);
    let log = dir.path().join("dmesg.txt");
    std::fs::write(
        &log,
        format!("{LOG}[    2.000000] {long}\n[    3.000000] after\n"),
    )
    .unwrap();
    // (A listing named with --devlink or --deferred whose head is not one is read as a paste,
    // its junk lines dropped: /proc/modules goes to the line reader as it is.)
    let dump = dir.path().join("modules.txt");
    let module = "arm_smmu_v3 40960 0 - Live 0x0000000000000000\n";
    std::fs::write(&dump, format!("{module}{module}{long}\n{module}")).unwrap();
    let log = log.to_str().unwrap();
    let dump = dump.to_str().unwrap();
    let notes = check_notes(&os_args(&["--dmesg", log, "--modules", dump]));
    for (file, line) in [(log, 3), (dump, 3)] {
        assert!(
            notes.contains(&format!(
                "{file}:{line}: expected lines of at most 64 KiB, the line-bytes cap, found 1 longer \
                 line(s), this the first; the rest of each was skipped (raise it with --limit line-bytes=…)"
            )),
            "{file}: {notes}"
        );
    }
    let notes = check_notes(&os_args(&[
        "--limit",
        "line-bytes=1M",
        "--dmesg",
        log,
        "--devlink",
        dump,
    ]));
    assert!(!notes.contains("line-bytes"), "{notes}");
}

#[test]
fn a_one_line_input_or_acpi_table_past_its_cap_is_read_up_to_it_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let cmdline = dir.path().join("cmdline.txt");
    std::fs::write(&cmdline, format!("console=ttyS0 {}\n", "quiet ".repeat(400))).unwrap();
    let cmdline = cmdline.to_str().unwrap();
    let log = dir.path().join("dmesg.txt");
    std::fs::write(&log, LOG).unwrap();
    let log = log.to_str().unwrap();
    let notes = check_notes(&os_args(&[
        "--limit",
        "small-file-bytes=1K",
        "--cmdline",
        cmdline,
        "--dmesg",
        log,
    ]));
    assert!(
        notes.contains(&format!(
            "{cmdline}: read up to the 1 KiB small-file-bytes cap; the rest was not read \
             (raise it with --limit small-file-bytes=…)"
        )),
        "{notes}"
    );
    assert!(!check_notes(&os_args(&["--cmdline", cmdline, "--dmesg", log])).contains("small-file-bytes"));

    // An ACPI table inside a sysfs copy.
    let root = dir.path().join("sys");
    std::fs::create_dir_all(root.join("firmware/acpi/tables")).unwrap();
    std::fs::write(root.join("firmware/acpi/tables/IORT"), vec![0u8; 4096]).unwrap();
    let root = root.to_str().unwrap();
    let notes = check_notes(&os_args(&[
        "--limit",
        "small-file-bytes=1K",
        "--sysfs-root",
        root,
        "--dmesg",
        log,
    ]));
    assert!(
        notes.contains(&format!(
            "{root}/firmware/acpi/tables/IORT: read up to the 1 KiB small-file-bytes cap"
        )),
        "{notes}"
    );
}

/// A sysfs copy with a 50-line devices_deferred, a device tree in directory form with a
/// 3,000-byte property, and devices 6 levels deep.
fn sysfs_copy(root: &Path) {
    std::fs::create_dir_all(root.join("kernel/debug")).unwrap();
    let mut deferred = String::new();
    for i in 0..50 {
        deferred.push_str(&format!("d{i}.dev\tplatform: wait for supplier x\n"));
    }
    std::fs::write(root.join("kernel/debug/devices_deferred"), deferred).unwrap();
    let base = root.join("firmware/devicetree/base");
    std::fs::create_dir_all(base.join("soc")).unwrap();
    std::fs::write(base.join("compatible"), b"acme,board\0").unwrap();
    std::fs::write(base.join("soc/blob"), vec![b'a'; 3000]).unwrap();
    let deep = root.join("devices/platform/a/b/c/d/e");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("waiting_for_supplier"), "0\n").unwrap();
    let link = root.join("class/devlink/platform:a--platform:b");
    std::fs::create_dir_all(&link).unwrap();
    std::fs::write(link.join("status"), "consumer probing\n").unwrap();
}

#[test]
fn sysfs_copies_past_their_caps_are_read_up_to_them_and_named() {
    let dir = tempfile::tempdir().unwrap();
    sysfs_copy(dir.path());
    let root = dir.path().to_str().unwrap();
    let whole = check_notes(&os_args(&["--sysfs-root", root]));
    for name in [
        "deferred-bytes",
        "dt-property-bytes",
        "sysfs-walk-dirs",
        "sysfs-walk-depth",
        "sysfs-attr-bytes",
    ] {
        assert!(!whole.contains(name), "{name} hit without a cap set: {whole}");
    }
    let cases: [(&str, String); 5] = [
        (
            "deferred-bytes=1K",
            format!(
                "{root}/kernel/debug/devices_deferred: read up to the 1 KiB deferred-bytes cap; \
                 the rest was not read (raise it with --limit deferred-bytes=…)"
            ),
        ),
        (
            "dt-property-bytes=1K",
            format!("{root}/firmware/devicetree/base/soc/blob: read up to the 1 KiB dt-property-bytes cap"),
        ),
        (
            "sysfs-walk-dirs=3",
            format!(
                "stopped after 3 directories below {root}/devices, the sysfs-walk-dirs cap \
                 (raise it with --limit sysfs-walk-dirs=…)"
            ),
        ),
        (
            "sysfs-walk-depth=2",
            format!(
                "did not descend below 2 levels at {root}/devices/platform/a, the sysfs-walk-depth cap \
                 (raise it with --limit sysfs-walk-depth=…)"
            ),
        ),
        (
            "sysfs-attr-bytes=8",
            format!(
                "{root}/class/devlink/platform:a--platform:b/status (byte offset 0x8): expected an \
                 attribute of at most 8 bytes, the sysfs-attr-bytes cap, found `a longer one; the rest \
                 was not read (raise it with --limit sysfs-attr-bytes=…)`"
            ),
        ),
    ];
    for (limit, says) in cases {
        let notes = check_notes(&os_args(&["--limit", limit, "--sysfs-root", root]));
        assert!(notes.contains(&says), "{limit}: {notes}");
    }
}

#[test]
fn a_register_window_past_its_cap_is_refused_naming_cap_and_flag() {
    let regs =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sysmmu/cases/edge-disabled-v3.3/regs.bin");
    let output = probescope()
        .args(["sysmmu", "regs", "--limit", "register-window-bytes=1K", "--regs"])
        .arg(&regs)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("expected a raw register window of at most 1 KiB, the register-window-bytes cap")
            && stderr.contains("raise it with --limit register-window-bytes=…"),
        "{stderr}"
    );
    let output = probescope()
        .args(["sysmmu", "regs", "--regs"])
        .arg(&regs)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
}

#[test]
fn unreadable_parts_past_the_listing_cap_are_summed_up_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.json");
    let mut text = String::new();
    for i in 0..3 {
        text.push_str(&format!(
            "{{\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"_SOURCE_MONOTONIC_TIMESTAMP\":\"1000000\",\
             \"_TRANSPORT\":\"kernel\",\"PRIORITY\":\"6\",\"MESSAGE\":\"probe of d{i}.dev returned 0 after 10 usecs\",\
             \"_BOOT_ID\":\"abc\"}}\n"
        ));
    }
    for _ in 0..20 {
        text.push_str("{\"MESSAGE\": broken\n");
    }
    std::fs::write(&journal, text).unwrap();
    let journal = journal.to_str().unwrap();
    let notes = check_notes(&os_args(&["--limit", "problems-listed=3", "--dmesg", journal]));
    assert_eq!(notes.matches("expected a journal entry").count(), 3, "{notes}");
    assert!(
        notes.contains(&format!(
            "{journal}:7: expected readable input; more unreadable parts from here on are not listed \
             (raise it with --limit problems-listed=…)"
        )),
        "{notes}"
    );
    let notes = check_notes(&os_args(&["--dmesg", journal]));
    assert_eq!(notes.matches("expected a journal entry").count(), 20, "{notes}");
}

#[test]
fn a_file_past_the_collect_cap_is_left_out_of_the_bundle_naming_cap_and_flag() {
    // A target root whose /proc/cmdline is 4,000 bytes, collected under a 1 KiB cap.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("target");
    std::fs::create_dir_all(root.join("proc")).unwrap();
    std::fs::create_dir_all(root.join("sys")).unwrap();
    std::fs::write(root.join("proc/cmdline"), "q".repeat(4000)).unwrap();
    let bundle = dir.path().join("bundle/");
    let output = probescope()
        .args([
            "collect",
            "--quiet",
            "--dir",
            "--limit",
            "collected-file-bytes=1K",
            "--remote-root",
        ])
        .arg(&root)
        .arg("-o")
        .arg(&bundle)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    let says = "cmdline (/proc/cmdline): error — larger than 1 KiB, the collected-file-bytes cap; \
                not copied (raise it with --limit collected-file-bytes=…)";
    assert!(stderr.contains(says), "{stderr}");
    let manifest = std::fs::read_to_string(bundle.join("manifest.json")).unwrap();
    assert!(manifest.contains("the collected-file-bytes cap"), "{manifest}");
    // Under the default cap it is copied.
    let whole = dir.path().join("whole/");
    let output = probescope()
        .args(["collect", "--quiet", "--dir", "--remote-root"])
        .arg(&root)
        .arg("-o")
        .arg(&whole)
        .output()
        .unwrap();
    assert!(
        !stderr_of(&output).contains("cmdline (/proc/cmdline)"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn live_memory_reads_past_their_budget_are_unreadable_naming_cap_and_flag() {
    use probescope::sysmmu::memory::DevMem;
    use probescope::sysmmu::{PhysAddr, PhysMemory};
    // A file stands in for /dev/mem: the budget counts bytes read, whatever the source.
    let dir = tempfile::tempdir().unwrap();
    let mem = dir.path().join("mem");
    std::fs::write(&mem, vec![0u8; 4096]).unwrap();
    let live = DevMem::open(&mem, 1024).unwrap();
    let mut buf = [0u8; 1024];
    live.read(PhysAddr(0), &mut buf).unwrap();
    let refused = live.read(PhysAddr(1024), &mut buf[..4]).unwrap_err();
    assert_eq!(
        refused.reason,
        "the live read budget of 1 KiB, the live-mem-bytes cap, is used up (raise it with --limit live-mem-bytes=…)"
    );
}

/// A `dmesg --json` record object past its cap is skipped, each named by line with the cap
/// and the flag, and the records within the cap are read (util-linux's own JSON fixture).
#[test]
fn a_dmesg_json_object_past_its_cap_is_skipped_and_named() {
    let json = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/public/util-linux-fixture-dmesg-json-output-with-caller.txt"
    );
    let notes = check_notes(&os_args(&["--limit", "json-object-bytes=150", json]));
    assert!(
        notes.contains(&format!(
            "{json}:3: expected a dmesg --json record object of at most 150 bytes, the \
             json-object-bytes cap, found a longer one; it was skipped (raise it with --limit \
             json-object-bytes=…)"
        )),
        "{notes}"
    );
    // The short objects are still records of the log.
    assert!(!notes.contains("\"Text, 0 records\""), "{notes}");
    assert!(!check_notes(&os_args(&[json])).contains("json-object-bytes"));
}

/// A file searched whole for a pasted listing stops at the paste-bytes cap: a note says so
/// when the paste is still found within it, the error says so when nothing was found.
#[test]
fn a_paste_searched_past_its_cap_is_searched_up_to_it_and_named() {
    let mail = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/public/exynos4-fw_devlink-on-devices_deferred-sysmmu-power-domain.txt"
    );
    let cut = "only its first 5 KiB were searched for pasted evidence, the paste-bytes cap \
               (raise it with --limit paste-bytes=…)";
    let notes = check_notes(&os_args(&["--limit", "paste-bytes=5K", mail]));
    assert!(notes.contains(&format!("{mail}: {cut}")), "{notes}");
    assert!(notes.contains("devices_deferred listing"), "{notes}");
    assert!(!check_notes(&os_args(&[mail])).contains("paste-bytes"));
    let output = probescope()
        .args(["check", "--limit", "paste-bytes=3K", mail])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&cut.replace("5 KiB", "3 KiB")), "{stderr}");
}
