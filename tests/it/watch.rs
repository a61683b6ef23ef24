//! `probescope watch` on real /dev/kmsg streams: the `kmsg.txt` of the QEMU captures (record
//! dumps of the real device) replayed at a controlled pace through a FIFO, a pty and a real
//! OpenSSH session whose connection is killed midway. Findings must show while the writer still
//! holds records back, every finding shown must be in the final report, and the final report
//! must be `check`'s on the same records.

use crate::support::collect::*;
use crate::support::corpus::qemu_scenarios;
use probescope::commands::check::{BootPlan, BootSource};
use probescope::ingest::discover::InputSpec;
use probescope::pipeline::watch::{certain_now, keys, FindingKey, LogStream};
use probescope::pipeline::{outcomes_of, path_name, RunOptions};
use probescope::report::diagnostic::{render, TextStyle};
use probescope::rules::settings::RuleSettings;
use probescope::rules::Severity;
use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const S2: &str = "qemu/smmuv3-6.1/S2-smmu-late/kmsg.txt";
/// The text layout both `watch` and `check` are run with, so their reports compare byte for byte.
/// (Wide: a report compared under another name must not wrap differently.)
const LAYOUT: &[&str] = &["--color", "never", "--width", "1000"];

fn options(settings: &RuleSettings) -> RunOptions<'_> {
    RunOptions {
        settings,
        baseline: None,
        threshold: Some(Severity::Error),
        pick: None,
    }
}

/// The records of a /dev/kmsg dump, each with its dictionary lines, as the device serves them.
fn records(text: &str) -> Vec<String> {
    let mut records: Vec<String> = Vec::new();
    for line in text.lines() {
        match records.last_mut() {
            Some(record) if line.starts_with(' ') => {
                record.push_str(line);
                record.push('\n');
            }
            _ => records.push(format!("{line}\n")),
        }
    }
    records
}

/// The position of the first record holding `needle`.
fn record_with(records: &[String], needle: &str) -> usize {
    records
        .iter()
        .position(|r| r.contains(needle))
        .unwrap_or_else(|| panic!("no record holds {needle}"))
}

/// Every capture's records, given to a [`LogStream`] a few at a time, one analysis step after
/// each batch: whatever a step calls certain is in the final report, and the final report is
/// `check`'s of the same file, finding for finding.
#[test]
fn findings_shown_early_are_final_and_the_end_is_check_on_every_capture() {
    let settings = RuleSettings::default();
    let options = options(&settings);
    let style = TextStyle {
        width: 100,
        colour: false,
        verbose: false,
    };
    let mut early_total = 0;
    // The QEMU captures' /dev/kmsg dumps, and public crash logs (oops, WARN, lockdep, KASAN:
    // PS207 is shown once a report's end is read) in the forms people paste them.
    let splats = crate::support::corpus::fixtures().join("public-extra/splats");
    let mut logs: Vec<PathBuf> = qemu_scenarios().iter().map(|dir| dir.join("kmsg.txt")).collect();
    logs.extend(
        fs::read_dir(&splats)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "txt")),
    );
    for path in logs {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let name = path_name(&path);
        let mut stream = LogStream::new(&name);
        let mut shown: BTreeSet<FindingKey> = BTreeSet::new();
        let lines: Vec<&str> = text.lines().collect();
        // About a dozen steps per capture, each a full analysis of the prefix.
        let every = (lines.len() / 12).max(5);
        for (index, line) in lines.iter().enumerate() {
            stream.push_line(line.as_bytes());
            if (index + 1) % every == 0 {
                let step = stream.step(&options);
                shown.extend(certain_now(&step).into_iter().map(|(key, _, _)| key));
            }
        }
        let end = stream.outcomes(&options);
        let end_keys = keys(&end);
        let missing: Vec<_> = shown.difference(&end_keys).collect();
        assert!(
            missing.is_empty(),
            "{name}: shown early, not in the end: {missing:?}"
        );
        early_total += shown.len();
        eprintln!(
            "{name}: shown early: {:?}",
            shown
                .iter()
                .map(|k| format!("{} {}", k.code, k.subject))
                .collect::<Vec<_>>()
        );

        let check = outcomes_of(
            &BootPlan {
                name: Some(name.clone()),
                source: BootSource::Paths(Box::new(InputSpec {
                    paths: vec![path.clone()],
                    ..InputSpec::default()
                })),
            },
            &options,
        );
        assert_eq!(render(&end, &style), render(&check, &style), "{name}");
    }
    assert!(
        early_total >= 10,
        "the late captures show their races early ({early_total})"
    );
}

/// Reads a child's output line by line on a thread.
/// A FIFO named `kmsg.txt` in `dir`, standing for a target's `/dev/kmsg`.
fn make_fifo(dir: &Path) -> PathBuf {
    let fifo = dir.join("kmsg.txt");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    fifo
}

/// Starts `probescope watch ARGS --input INPUT` with its output piped (text laid out as
/// [`LAYOUT`] says; JSON does not depend on it).
fn spawn_watch(args: &[&str], input: &Path) -> Child {
    probescope()
        .arg("watch")
        .args(args)
        .arg("--input")
        .arg(input)
        .args(LAYOUT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn lines_of(output: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Waits for a line holding `needle`, collecting every line read into `seen`.
fn wait_for(lines: &Receiver<String>, needle: &str, seen: &mut Vec<String>, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(needle);
                seen.push(line);
                if found {
                    return true;
                }
            }
            Err(_) => return false,
        }
    }
    false
}

/// The rest of the output once the child ended.
fn drain(lines: &Receiver<String>, seen: &mut Vec<String>) {
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) {
        seen.push(line);
    }
}

/// Writes `records` with a pause between them (the kernel's pace, faster).
fn write_paced(out: &mut impl Write, records: &[String]) {
    for record in records {
        out.write_all(record.as_bytes()).unwrap();
        out.flush().unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// `check` of `path` with the same layout; its stdout and exit code.
fn check_of(path: &Path) -> (String, Option<i32>) {
    let output = probescope().arg("check").args(LAYOUT).arg(path).output().unwrap();
    (String::from_utf8(output.stdout).unwrap(), output.status.code())
}

/// The end of a watch: it ended as `check` would, its output ends with `check`'s report of
/// `replay` (with the watched stream's `name` in place of the file's), and what it showed
/// before is in that report.
fn assert_final_is_check_of(mut child: Child, seen: Vec<String>, replay: &Path, name: &str) {
    let status = child.wait().unwrap();
    let stdout = seen.join("\n") + "\n";
    let (check, code) = check_of(replay);
    let check = check.replace(&path_name(replay), name);
    assert!(
        stdout.ends_with(&check),
        "the final report is not check's:\n--- watch\n{stdout}\n--- check\n{check}"
    );
    assert_eq!(status.code(), code);
    let early = &stdout[..stdout.len() - check.len()];
    let titles: Vec<&str> = early
        .lines()
        .filter(|line| line.starts_with("error[") || line.starts_with("warning["))
        .collect();
    assert!(!titles.is_empty(), "nothing was shown before the end");
    for title in &titles {
        assert!(check.contains(title), "shown early, not in the end: {title}");
    }
    let unique: BTreeSet<&&str> = titles.iter().collect();
    assert_eq!(
        unique.len(),
        titles.len(),
        "a finding was shown twice: {titles:?}"
    );
}

#[test]
fn a_fifo_stream_shows_the_race_before_it_ends_and_ends_with_checks_report() {
    let work = open_temp_dir();
    let fifo = make_fifo(work.path());
    let text = fs::read_to_string(fixture(S2)).unwrap();
    let records = records(&text);
    // Up to the first consumer the timeout let go without its SMMU; the rest is held back.
    let held = record_with(&records, "virtio-pci 0000:00:03.0: deferred probe timeout") + 1;

    let mut child = spawn_watch(&[], &fifo);
    let lines = lines_of(child.stdout.take().unwrap());
    let mut writer = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    write_paced(&mut writer, &records[..held]);
    let mut seen = Vec::new();
    // Other consumers the timeout let go earlier in the stream may be shown first.
    assert!(
        wait_for(
            &lines,
            "error[PS103]: the kernel stopped waiting for 0000:00:03.0",
            &mut seen,
            Duration::from_secs(60)
        ),
        "no finding for 0000:00:03.0 while {} records were held back: {seen:?}",
        records.len() - held
    );
    write_paced(&mut writer, &records[held..]);
    drop(writer);
    drain(&lines, &mut seen);
    // `check` reads the same records from a file at the FIFO's path, so both cite one name.
    fs::remove_file(&fifo).unwrap();
    fs::write(&fifo, &text).unwrap();
    assert_final_is_check_of(child, seen, &fifo, &path_name(&fifo));
}

/// `--until-settled` ends on its own while the stream stays open: the deferred-probe timeout's
/// work is in the records (S2: "ignoring dependency" at 6.97 s), so once the records are past it
/// and past the last probe activity or module load by the quiet period, plus the margin, and
/// the stream is quiet, the boot has settled.
#[test]
fn until_settled_ends_after_the_timeout_with_checks_report_while_the_stream_is_open() {
    let work = open_temp_dir();
    let fifo = make_fifo(work.path());
    let text = fs::read_to_string(fixture(S2)).unwrap();
    let mut child = spawn_watch(&["--until-settled", "--margin", "1"], &fifo);
    let lines = lines_of(child.stdout.take().unwrap());
    let errors = lines_of(child.stderr.take().unwrap());
    let mut writer = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    write_paced(&mut writer, &records(&text));
    let mut notes = Vec::new();
    assert!(
        wait_for(
            &errors,
            "the boot has settled",
            &mut notes,
            Duration::from_secs(60)
        ),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("the deferred-probe timeout's work ran at 6.972297 s")),
        "{notes:?}"
    );
    let mut seen = Vec::new();
    drain(&lines, &mut seen);
    // The writer still holds the stream open: watch ended by itself.
    fs::remove_file(&fifo).unwrap();
    fs::write(&fifo, &text).unwrap();
    assert_final_is_check_of(child, seen, &fifo, &path_name(&fifo));
    drop(writer);
}

/// `--until-settled` with its default waits for an IOMMU module user space loads after the
/// deferred-probe timeout: S2's SMMU module comes 5.5 s after the timeout fired (12.52 s against
/// 6.97 s). The records up to just before its `modprobe` are written, then the writer holds the
/// rest back for 3 s of the target's time past them; the old rule (the timeout's work seen, plus
/// the margin) had ended the watch by then, without the SMMU. The watch must still be running,
/// take the rest, and end by itself (the writer still open) with `check`'s report of the whole
/// capture, which holds the SMMU's late registration.
#[test]
fn until_settled_by_default_waits_for_the_iommu_module_loaded_after_the_timeout() {
    let work = open_temp_dir();
    let fifo = make_fifo(work.path());
    let text = fs::read_to_string(fixture(S2)).unwrap();
    let records = records(&text);
    let modprobe = record_with(&records, "LAB: modprobe arm_smmu_v3_mod begin");
    let mut child = spawn_watch(&["--until-settled", "--margin", "0"], &fifo);
    let lines = lines_of(child.stdout.take().unwrap());
    let errors = lines_of(child.stderr.take().unwrap());
    let mut writer = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    write_paced(&mut writer, &records[..modprobe]);
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        child.try_wait().unwrap().is_none(),
        "watch ended before the SMMU module was loaded: {:?}",
        errors.try_iter().collect::<Vec<_>>()
    );
    write_paced(&mut writer, &records[modprobe..]);
    let mut notes = Vec::new();
    assert!(
        wait_for(
            &errors,
            "the boot has settled",
            &mut notes,
            Duration::from_secs(60)
        ),
        "{notes:?}"
    );
    let settled = notes.last().unwrap().clone();
    assert!(
        settled.contains("the deferred-probe timeout's work ran at 6.972297 s")
            && settled.contains("no probe activity and no module load for 10 s since the last at 1"),
        "{settled}"
    );
    let mut seen = Vec::new();
    drain(&lines, &mut seen);
    fs::remove_file(&fifo).unwrap();
    fs::write(&fifo, &text).unwrap();
    let report = seen.join("\n");
    assert!(report.contains("9050000.smmuv3"), "{report}");
    assert_final_is_check_of(child, seen, &fifo, &path_name(&fifo));
    drop(writer);
}

/// A pty, as a serial console is: the records arrive through a terminal line in raw mode, and
/// the stream ends when the other side closes (EIO).
#[test]
fn a_pty_stream_shows_the_race_before_it_ends() {
    let (master, slave_path) = open_pty();
    let text = fs::read_to_string(fixture(S2)).unwrap();
    let records = records(&text);
    let held = record_with(&records, "virtio-pci 0000:00:03.0: deferred probe timeout") + 1;
    let mut child = spawn_watch(&[], &slave_path);
    let lines = lines_of(child.stdout.take().unwrap());
    // The watcher must have the line open before anything is written, or the first records
    // would sit unread in a line nobody holds; its open shows in /proc.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !holds_open(child.id(), &slave_path) {
        assert!(
            Instant::now() < deadline,
            "watch never opened {}",
            slave_path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut master = master;
    write_paced(&mut master, &records[..held]);
    let mut seen = Vec::new();
    assert!(
        wait_for(&lines, "error[PS103]", &mut seen, Duration::from_secs(60)),
        "no finding while records were held back: {seen:?}"
    );
    write_paced(&mut master, &records[held..]);
    // Let the line drain before hanging up: a hang-up discards what the line still holds.
    std::thread::sleep(Duration::from_millis(500));
    drop(master);
    drain(&lines, &mut seen);
    // `check` of the same records from a file: the same report, cited by another name (the
    // layout is wide enough that no line's wrapping depends on the name's length).
    let work = open_temp_dir();
    let copy = work.path().join("kmsg.txt");
    fs::write(&copy, &text).unwrap();
    assert_final_is_check_of(child, seen, &copy, &path_name(&slave_path));
}

/// A pty pair in raw mode (no echo, no line editing, no CR translation): the master to write
/// and the slave's path to read.
fn open_pty() -> (fs::File, PathBuf) {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: openpty fills the two descriptors and the name buffer (128 bytes is more than a
    // pty name needs); no termios or window size is passed.
    let opened = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            name.as_mut_ptr(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: fcntl on the descriptor openpty just gave. Without close-on-exec the watcher
    // would inherit the master and its line would never hang up.
    unsafe {
        assert_eq!(libc::fcntl(master, libc::F_SETFD, libc::FD_CLOEXEC), 0);
    }
    // SAFETY: `slave` is the open descriptor openpty gave; termios is plain data.
    unsafe {
        let mut termios: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(slave, &mut termios), 0);
        libc::cfmakeraw(&mut termios);
        assert_eq!(libc::tcsetattr(slave, libc::TCSANOW, &termios), 0);
    }
    // SAFETY: `name` was NUL-terminated by openpty.
    let path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: both descriptors are open and owned by nobody else; the slave is closed (the
    // watcher opens it by name) and the master is owned by the returned File.
    unsafe {
        libc::close(slave);
        (fs::File::from_raw_fd(master), PathBuf::from(path))
    }
}

/// Whether process `pid` has `path` open.
fn holds_open(pid: u32, path: &Path) -> bool {
    fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|entries| {
            entries
                .filter_map(|entry| fs::read_link(entry.ok()?.path()).ok())
                .any(|target| target == path)
        })
        .unwrap_or(false)
}

/// The processes whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                // `pid (comm) state ppid ...`: the fields after the last `)`.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

/// `watch --ssh` against a real OpenSSH server: the target's /dev/kmsg is a stand-in file the
/// test grows record by record; the connection is killed midway (the server's process for it
/// ends); watch reconnects, skips the records it has, and ends with `check`'s report.
#[test]
fn ssh_watch_reconnects_after_the_connection_is_killed_and_loses_nothing() {
    if !ssh_tools_available() {
        return;
    }
    let work = open_temp_dir();
    let bin = busybox_path(work.path(), &[]);
    // The kernel's device blocks at its end for new records and serves every reader the buffer
    // from its start; a file does neither, so `cat` of the stand-in is a shim that follows it
    // from its start until the test marks it complete (then it ends, as no device does).
    let shim = work.path().join("shim");
    fs::create_dir_all(&shim).unwrap();
    write_script(
        &shim.join("cat"),
        &format!(
            "#!{BUSYBOX} sh\n\
             sent=0\n\
             while :; do\n\
             \tsize=$(wc -c < \"$1\")\n\
             \tif [ \"$size\" -gt \"$sent\" ]; then tail -c +$((sent + 1)) \"$1\" | head -c $((size - sent)); sent=$size\n\
             \telif [ -e \"$1.done\" ]; then exit 0\n\
             \telse sleep 0.1; fi\n\
             done\n"
        ),
    );
    // The session's shell is the system's POSIX sh (busybox's would run its own `cat`
    // applet, never the shim); every other tool is busybox.
    std::os::unix::fs::symlink("/bin/sh", shim.join("sh")).unwrap();
    let sshd = Sshd::start(SshdSetup {
        force_command: Some(format!(
            "exec env -i PATH={}:{} /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"",
            shim.display(),
            bin.display()
        )),
    });
    let root = work.path().join("root");
    fs::create_dir_all(root.join("dev")).unwrap();
    let kmsg = root.join("dev/kmsg");
    let text = fs::read_to_string(fixture(S2)).unwrap();
    let records = records(&text);
    let held = record_with(&records, "virtio-pci 0000:00:03.0: deferred probe timeout") + 1;
    fs::write(&kmsg, records[..held].concat()).unwrap();

    let mut child = probescope()
        .args(["watch", "--ssh", "target", "--ssh-config"])
        .arg(&sshd.client_config)
        .arg("--remote-root")
        .arg(&root)
        .args(LAYOUT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = lines_of(child.stdout.take().unwrap());
    let errors = lines_of(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    assert!(
        wait_for(&lines, "error[PS103]", &mut seen, Duration::from_secs(60)),
        "no finding while records were held back: {seen:?}"
    );
    assert_eq!(sshd.sessions(), 1);

    // Kill the connection: the server's processes for it (the listener's children).
    let connections = children_of(sshd.pid());
    let early: Vec<String> = errors.try_iter().collect();
    assert!(
        !connections.is_empty(),
        "no connection process under sshd: {early:?}"
    );
    for pid in connections {
        // SAFETY: kill(2) on a process of the sshd this test started.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
    let mut notes = Vec::new();
    assert!(
        wait_for(&errors, "reconnecting", &mut notes, Duration::from_secs(60)),
        "{notes:?}"
    );
    // The rest arrives while (and after) watch reconnects.
    {
        let mut file = fs::OpenOptions::new().append(true).open(&kmsg).unwrap();
        write_paced(&mut file, &records[held..]);
    }
    fs::write(root.join("dev/kmsg.done"), "").unwrap();
    drain(&lines, &mut seen);
    drain(&errors, &mut notes);
    eprintln!("watch said: {notes:#?}");
    assert!(sshd.sessions() >= 2, "{notes:?}");
    assert!(
        notes.iter().all(|n| !n.contains("lost")),
        "no record may be lost: {notes:?}"
    );
    // The records read again after reconnecting were skipped: nothing shown twice, and the
    // report is check's of the target's file (cited as HOST:ROOT/dev/kmsg).
    assert_final_is_check_of(child, seen, &kmsg, &format!("target:{}", kmsg.display()));
}

/// Records the kernel overwrote before they were read (a sequence number skipped) are named,
/// on standard error as they are noticed and among the final report's notes.
#[test]
fn lost_records_are_named_as_they_are_noticed_and_in_the_report() {
    let text = fs::read_to_string(fixture(S2)).unwrap();
    let kept: String = records(&text)
        .into_iter()
        .filter(|record| {
            let seq: u64 = record.split(',').nth(1).unwrap().parse().unwrap();
            !(100..110).contains(&seq)
        })
        .collect();
    let mut child = probescope()
        .args(["watch", "--input", "-"])
        .args(LAYOUT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(kept.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stderr.contains("records 100-109 of the kernel log were lost"),
        "{stderr}"
    );
    assert!(
        stdout.contains("records 100-109 of the kernel log were lost"),
        "{stdout}"
    );
    assert_eq!(output.status.code(), Some(1));
}

/// A target that cannot be reached, or a stream that does not exist, is an error before
/// anything is watched: exit 2 and a message that says why.
#[test]
fn an_unreachable_target_or_a_missing_stream_is_exit_2() {
    let output = probescope()
        .args(["watch", "--input", "/nonexistent/kmsg"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("/nonexistent/kmsg"),
        "{}",
        stderr_of(&output)
    );
    if !ssh_tools_available() {
        return;
    }
    let output = probescope()
        .args(["watch", "--ssh", "127.0.0.1", "--ssh-option"])
        .arg(format!("Port={}", free_port()))
        .args(["--ssh-option", "UserKnownHostsFile=/dev/null"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("cannot connect"),
        "{}",
        stderr_of(&output)
    );
}

/// `watch --format ndjson` on a FIFO: each finding is one line of the contract as it becomes
/// certain (valid against `schema/watch-ndjson.json`, shown while records are held back), and
/// the last line is `check --format json`'s document of the same records, value for value.
/// `--format json` prints that document alone.
#[test]
fn ndjson_streams_findings_as_they_become_certain_and_ends_with_checks_json() {
    use crate::support::schema::assert_valid;
    use serde_json::Value;
    let work = open_temp_dir();
    let fifo = make_fifo(work.path());
    let text = fs::read_to_string(fixture(S2)).unwrap();
    let records = records(&text);
    let held = record_with(&records, "virtio-pci 0000:00:03.0: deferred probe timeout") + 1;
    let mut child = spawn_watch(&["--format", "ndjson"], &fifo);
    let lines = lines_of(child.stdout.take().unwrap());
    let mut writer = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    write_paced(&mut writer, &records[..held]);
    let mut seen = Vec::new();
    assert!(
        wait_for(
            &lines,
            r#""subject":"0000:00:03.0""#,
            &mut seen,
            Duration::from_secs(60)
        ),
        "no finding line for 0000:00:03.0 while records were held back: {seen:?}"
    );
    write_paced(&mut writer, &records[held..]);
    drop(writer);
    drain(&lines, &mut seen);
    assert!(child.wait().unwrap().code() == Some(1));

    let documents: Vec<Value> = seen.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (last, streamed) = documents.split_last().unwrap();
    assert!(streamed.len() >= 2, "{seen:?}");
    fs::remove_file(&fifo).unwrap();
    fs::write(&fifo, &text).unwrap();
    let check = probescope()
        .args(["check", "--format", "json"])
        .arg(&fifo)
        .output()
        .unwrap();
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_valid("check", &check);
    assert_eq!(last, &check, "the last line is check's document");
    let final_findings = check["boots"][0]["findings"].as_array().unwrap();
    for line in streamed {
        assert_valid("watch-ndjson", line);
        assert_eq!(line["command"], "watch");
        assert_eq!(line["event"], "finding");
        assert_eq!(line["boot"], check["boots"][0]["boot"]);
        // The finding as the final report writes it.
        let mut finding = line.clone();
        let object = finding.as_object_mut().unwrap();
        for header in ["schema", "tool", "command", "event", "boot"] {
            object.remove(header);
        }
        assert!(
            final_findings.contains(&finding),
            "streamed, not in the final report: {finding:#}"
        );
    }

    // --format json: the one document, nothing streamed before it.
    let output = probescope()
        .args(["watch", "--format", "json", "--input"])
        .arg(&fifo)
        .output()
        .unwrap();
    let alone: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(alone, check);
    assert_eq!(output.status.code(), Some(1));
}
