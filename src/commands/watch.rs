//! `probescope watch`: follow a booting kernel's log and print each finding the moment the
//! evidence makes it certain; at the end (the stream ends, the boot settles with
//! `--until-settled`, or Ctrl-C) print the final report, which is `check`'s report of the whole
//! stream, and exit with `check`'s exit code.
//!
//! ```text
//! /dev/kmsg | ssh HOST sh -s (cat /dev/kmsg) | --input FIFO/tty/file
//!     ──reader thread──▶ lines ──▶ pipeline::watch::LogStream (dedup by seq, gaps)
//!     ──each step──▶ check's pipeline on the stream so far ──▶ certain findings, printed once
//! ```
//!
//! The readers here touch the system (`/dev/kmsg`, a serial line, `ssh`); the analysis is the
//! pipeline's. Over SSH a dropped connection is reopened and reading continues after the last
//! record kept (the kernel serves a new reader its buffer from the start; records seen are
//! skipped by sequence number, lost ones reported).

use crate::cli::{WatchArgs, WatchFormat};
use crate::collect::ssh::{diagnose, follow_failure, follow_kmsg_script, SshFailure, SshSpec, SshStream};
use crate::commands::check::threshold;
use crate::commands::{terminal, ExitStatus};
use crate::config;
use crate::error::{Error, Result};
use crate::pipeline::watch::{certain_now, keys, FindingKey, LineFate, LogStream, SettleClock, Step};
use crate::pipeline::{path_name, RunOptions};
use crate::report::diagnostic::{self, TextStyle};
use crate::report::{self, BootStatus};
use crate::sanitize::escape_control;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the stream is analysed while lines keep coming (each step re-reads the stream
/// so far: this bounds the work on a fast stream while a finding still shows within it).
const STEP_INTERVAL: Duration = Duration::from_millis(200);
/// How long the main loop waits for a line before looking at the clock again.
const TICK: Duration = Duration::from_millis(100);
/// How long the stream must be silent before `--until-settled` ends it.
const QUIET: Duration = Duration::from_millis(500);
/// How long past the settle point `--until-settled` waits for [`QUIET`] at most.
const MAX_WAIT_FOR_QUIET: Duration = Duration::from_secs(10);
/// Reconnection attempts in a row that fail before `watch --ssh` gives up.
const RECONNECT_ATTEMPTS: u32 = 30;

/// What a reader thread sends.
enum Message {
    Line(Vec<u8>),
    /// Something for the user (reconnecting, records overwritten), on standard error.
    Status(String),
    /// The stream ended (why), or failed (the error).
    Ended(std::result::Result<String, String>),
}

/// Set by SIGINT: end with the final report instead of dying without one.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_signal: libc::c_int) {
    INTERRUPTED.store(true, Ordering::Relaxed);
}

pub fn run(args: WatchArgs) -> Result<ExitStatus> {
    let working_dir = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let config = config::discover(args.config.as_deref(), &working_dir)?;
    let settings = config.map(|c| c.settings).unwrap_or_default();
    for (flag, value) in [("--margin", args.margin), ("--quiet", args.quiet)] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(Error::Usage(format!(
                "{flag} {value}: expected a number of seconds, 0 or more"
            )));
        }
    }
    let options = RunOptions {
        settings: &settings,
        baseline: None,
        threshold: threshold(args.fail_on),
        pick: None,
    };
    let style = TextStyle {
        width: terminal::width(args.layout.width),
        colour: terminal::use_colour(args.color),
        verbose: args.layout.verbose,
    };

    let (sender, receiver) = mpsc::channel();
    // The ssh process of the current connection, ended when watching ends.
    let ssh_pid = Arc::new(AtomicU32::new(0));
    if args.target.mount_debugfs {
        return Err(Error::Usage(
            "--mount-debugfs: watch reads only the kernel log, not devices_deferred".to_string(),
        ));
    }
    let root = remote_root(args.target.remote_root.as_deref())?;
    let name = match (&args.input, &args.target.ssh) {
        (Some(path), _) => {
            let reader = open_stream(path)?;
            std::thread::spawn(move || follow_reader(reader, &sender));
            path_name(path)
        }
        (None, Some(host)) => {
            let spec = SshSpec::new(host, args.target.ssh_config.clone(), &args.target.ssh_option)
                .map_err(Error::Usage)?;
            let script = follow_kmsg_script(root.as_deref());
            let pid = Arc::clone(&ssh_pid);
            let name = format!("{host}:{}/dev/kmsg", root.as_deref().unwrap_or(""));
            std::thread::spawn(move || follow_ssh(&spec, &script, &sender, &pid));
            name
        }
        (None, None) => {
            // --remote-root without --ssh: this machine's DIR/dev/kmsg, as `collect` reads it.
            let kmsg_path = format!("{}/dev/kmsg", root.as_deref().unwrap_or(""));
            let kmsg = std::fs::File::open(&kmsg_path).map_err(|e| {
                Error::Usage(format!(
                    "{kmsg_path}: {e} (reading it needs root, or kernel.dmesg_restrict=0; or follow another stream with --input, or a target with --ssh)"
                ))
            })?;
            std::thread::spawn(move || follow_kmsg(kmsg, &sender));
            kmsg_path
        }
    };
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_interrupt as *const () as libc::sighandler_t);
    }

    let mut stdout = std::io::stdout().lock();
    let watched = watch(
        &receiver,
        LogStream::new(&name),
        &args,
        &options,
        &style,
        &mut stdout,
    );
    let pid = ssh_pid.load(Ordering::Relaxed);
    if pid != 0 {
        // The ssh this command started for the current connection; it would wait for records
        // forever.
        // SAFETY: plain kill(2) on the id of our own child process.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
    }
    let (stream, ending, shown) = watched?;
    eprintln!("probescope: watch: {ending}; the final report follows");

    let mut outcomes = stream.outcomes(&options);
    // A finding shown as certain must be in the end's report: one that is not is a bug in what
    // counts as certain, said so that it can be reported.
    let final_keys = keys(&outcomes);
    let retracted: Vec<String> = shown
        .difference(&final_keys)
        .map(|key| format!("{} {}", key.code, key.subject))
        .collect();
    if let Some(Ok(report)) = outcomes.last_mut().map(|outcome| &mut outcome.result) {
        report
            .notes
            .extend(stream.gaps().iter().map(|gap| gap.describe()));
        if stream.over_cap() {
            report.notes.push(format!(
                "the stream was kept up to the {} input-bytes cap; later records were not read (raise it with --limit input-bytes=… or --max-input-bytes)",
                crate::limits::human_bytes(crate::limits::max_input_bytes())
            ));
        }
        if !retracted.is_empty() {
            report.notes.push(format!(
                "internal: shown while watching but not in the final report (please report): {}",
                retracted.join(", ")
            ));
        }
    }
    let rendered = match args.format {
        WatchFormat::Text => diagnostic::render(&outcomes, &style),
        WatchFormat::Json => report::json::render_outcomes(&outcomes)?,
        WatchFormat::Ndjson => report::json::check_run(&outcomes).to_json_line()?,
    };
    write_out(&mut stdout, &rendered)?;
    Ok(match report::overall_status(&outcomes) {
        BootStatus::Clean => ExitStatus::Clean,
        BootStatus::Findings => ExitStatus::Findings,
        BootStatus::Unchecked | BootStatus::InputError => ExitStatus::InputError,
    })
}

/// `--remote-root` as the script takes it: absolute, without a trailing `/` (`None` for `/`).
fn remote_root(root: Option<&str>) -> Result<Option<String>> {
    match root {
        None => Ok(None),
        Some(root) if !root.starts_with('/') => Err(Error::Usage(format!(
            "--remote-root `{}`: expected an absolute path on the target",
            escape_control(root)
        ))),
        Some(root) => {
            let trimmed = root.trim_end_matches('/');
            Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
        }
    }
}

/// The main loop: lines in, a step now and then, certain findings out; returns the stream and
/// why watching ended.
fn watch(
    receiver: &Receiver<Message>,
    mut stream: LogStream,
    args: &WatchArgs,
    options: &RunOptions,
    style: &TextStyle,
    stdout: &mut impl Write,
) -> Result<(LogStream, String, BTreeSet<FindingKey>)> {
    let mut shown: BTreeSet<FindingKey> = BTreeSet::new();
    let mut dirty = false;
    let mut last_step: Option<Instant> = None;
    let mut last_line_at = Instant::now();
    let mut settle = SettleClock::default();
    let mut lines: u64 = 0;
    loop {
        if INTERRUPTED.load(Ordering::Relaxed) {
            return Ok((stream, "interrupted".to_string(), shown));
        }
        match receiver.recv_timeout(TICK) {
            Ok(Message::Line(line)) => {
                lines += 1;
                last_line_at = Instant::now();
                dirty |= take_line(&mut stream, &line);
            }
            Ok(Message::Status(text)) => eprintln!("probescope: watch: {text}"),
            Ok(Message::Ended(Ok(why))) => return Ok((stream, why, shown)),
            Ok(Message::Ended(Err(error))) if lines == 0 => return Err(Error::Usage(error)),
            Ok(Message::Ended(Err(error))) => {
                eprintln!("probescope: watch: {error}");
                return Ok((stream, "the stream failed".to_string(), shown));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Ok((stream, "the stream ended".to_string(), shown))
            }
        }
        if dirty && last_step.is_none_or(|at| at.elapsed() >= STEP_INTERVAL) {
            let step = stream.step(options);
            show_new(&step, &mut shown, args.format, style, stdout)?;
            settle = step.settle;
            dirty = false;
            last_step = Some(Instant::now());
        }
        if args.until_settled && !dirty {
            if let Some(at) = settle.settled_at(args.margin, args.quiet) {
                // The target's clock now: its last record's time plus the time since it came.
                let seen = stream.last_time().max(settle.last_activity).unwrap_or_default();
                let quiet = last_line_at.elapsed();
                let now = seen.as_secs_f64() + quiet.as_secs_f64();
                // Records already printed may still be on their way (a pipe, the network):
                // the end waits for a quiet moment, unless the kernel never pauses.
                let overdue = now - at.as_secs_f64();
                if overdue >= 0.0 && (quiet >= QUIET || overdue >= MAX_WAIT_FOR_QUIET.as_secs_f64()) {
                    return Ok((
                        stream,
                        format!("the boot has settled: {}", settle.describe(args.quiet)),
                        shown,
                    ));
                }
            }
        }
    }
}

/// Gives `line` to the stream; whether it was kept.
fn take_line(stream: &mut LogStream, line: &[u8]) -> bool {
    match stream.push_line(line) {
        LineFate::Kept => true,
        LineFate::Seen => false,
        LineFate::KeptAfterGap(gap) => {
            eprintln!("probescope: watch: {}", gap.describe());
            true
        }
        LineFate::OverCap => false,
    }
}

/// Prints each certain finding of `step` not shown yet.
fn show_new(
    step: &Step,
    shown: &mut BTreeSet<FindingKey>,
    format: WatchFormat,
    style: &TextStyle,
    stdout: &mut impl Write,
) -> Result<()> {
    let several = step.outcomes.len() > 1;
    let mut text = String::new();
    for (key, outcome, finding) in certain_now(step) {
        if !shown.insert(key) {
            continue;
        }
        match format {
            WatchFormat::Text => {}
            // One document only, at the end; what was certain is still remembered so that
            // the end can tell a retracted finding.
            WatchFormat::Json => continue,
            WatchFormat::Ndjson => {
                text.push_str(&report::watch::finding_line(outcome, finding)?);
                continue;
            }
        }
        if several {
            text.push_str(&format!("{}:\n", escape_control(&outcome.name)));
        }
        text.push_str(&diagnostic::finding_text(finding, style));
        text.push('\n');
    }
    if text.is_empty() {
        return Ok(());
    }
    write_out(stdout, &text)
}

fn write_out(stdout: &mut impl Write, text: &str) -> Result<()> {
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::io("<stdout>", e))
}

/// Opens what `--input` names: standard input, a FIFO, a terminal or serial line, a file.
fn open_stream(path: &Path) -> Result<Box<dyn Read + Send>> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::stdin()));
    }
    if path.is_dir() {
        return Err(Error::Usage(format!(
            "{}: a directory; --input follows one stream (a FIFO, a serial line, a file)",
            path.display()
        )));
    }
    // A FIFO's open waits for its writer: that is the stream starting.
    let file = std::fs::File::open(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    Ok(Box::new(file))
}

/// Sends every line of `reader` until it ends. A terminal whose other side closed reads EIO:
/// the end of that stream too.
fn follow_reader(reader: Box<dyn Read + Send>, sender: &Sender<Message>) {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {
                let text = line.strip_suffix(b"\n").unwrap_or(&line);
                let text = text.strip_suffix(b"\r").unwrap_or(text);
                if sender.send(Message::Line(text.to_vec())).is_err() {
                    return;
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) if error.raw_os_error() == Some(libc::EIO) => break,
            Err(error) => {
                let _ = sender.send(Message::Ended(Err(format!("reading the stream: {error}"))));
                return;
            }
        }
    }
    let _ = sender.send(Message::Ended(Ok("the stream ended".to_string())));
}

/// Follows this machine's /dev/kmsg: one record per read; EPIPE when the kernel overwrote
/// records before they were read (the next read gives the oldest one left: the sequence
/// numbers show what was lost).
fn follow_kmsg(mut kmsg: std::fs::File, sender: &Sender<Message>) {
    // The kernel refuses a read into a buffer smaller than the record (EINVAL); records are at
    // most a few KiB (PRINTKRB_RECORD_MAX plus the dictionary).
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        match kmsg.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                for line in buffer[..n].split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    if sender.send(Message::Line(line.to_vec())).is_err() {
                        return;
                    }
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) if error.raw_os_error() == Some(libc::EPIPE) => {
                let _ = sender.send(Message::Status(
                    "the kernel overwrote records before they were read; continuing with the oldest one left"
                        .to_string(),
                ));
            }
            Err(error) => {
                let _ = sender.send(Message::Ended(Err(format!("/dev/kmsg: {error}"))));
                return;
            }
        }
    }
    let _ = sender.send(Message::Ended(Ok("/dev/kmsg ended".to_string())));
}

/// Follows the target's /dev/kmsg over SSH, reconnecting when the connection drops.
fn follow_ssh(spec: &SshSpec, script: &str, sender: &Sender<Message>, pid: &AtomicU32) {
    let mut failures_in_a_row = 0u32;
    let mut ever_connected = false;
    loop {
        let mut session = match SshStream::start(spec, script) {
            Ok(session) => session,
            Err(failure) => {
                let _ = sender.send(Message::Ended(Err(failure.message(spec.host()))));
                return;
            }
        };
        pid.store(session.id(), Ordering::Relaxed);
        let mut received = 0u64;
        if let Some(stdout) = session.take_stdout() {
            let mut reader = BufReader::with_capacity(1 << 16, stdout);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        received += n as u64;
                        let text = line.strip_suffix(b"\n").unwrap_or(&line);
                        if sender.send(Message::Line(text.to_vec())).is_err() {
                            return;
                        }
                    }
                }
            }
        }
        let run = session.finish(received);
        pid.store(0, Ordering::Relaxed);
        if run.status == Some(0) {
            // The remote reader reached an end: a file, not the kernel's device.
            let _ = sender.send(Message::Ended(Ok(format!("{}: the stream ended", spec.host()))));
            return;
        }
        if let Some(why) = follow_failure(run.status, &run.stderr) {
            let _ = sender.send(Message::Ended(Err(format!("{}: {why}", spec.host()))));
            return;
        }
        let failure = diagnose(&run, received > 0);
        let fatal = matches!(
            failure,
            SshFailure::NoClient(_)
                | SshFailure::HostKeyChanged
                | SshFailure::HostKeyUnknown
                | SshFailure::AuthRefused
                | SshFailure::NoShell
        ) || (!ever_connected && received == 0);
        if fatal {
            let _ = sender.send(Message::Ended(Err(failure.message(spec.host()))));
            return;
        }
        if received > 0 {
            ever_connected = true;
            failures_in_a_row = 0;
        } else {
            failures_in_a_row += 1;
            if failures_in_a_row >= RECONNECT_ATTEMPTS {
                let _ = sender.send(Message::Ended(Err(format!(
                    "{}: gave up after {RECONNECT_ATTEMPTS} reconnection attempts: {}",
                    spec.host(),
                    failure.message(spec.host())
                ))));
                return;
            }
        }
        let wait = Duration::from_millis(500 * u64::from(failures_in_a_row.clamp(1, 10)));
        if sender
            .send(Message::Status(format!(
                "{}: the connection ended ({}); reconnecting in {:.1} s and continuing after the last record",
                spec.host(),
                reason(&run.stderr, run.status),
                wait.as_secs_f64()
            )))
            .is_err()
        {
            return;
        }
        std::thread::sleep(wait);
    }
}

/// A short reason for a dropped session.
fn reason(stderr: &str, status: Option<i32>) -> String {
    let last = stderr.lines().map(str::trim).rfind(|line| !line.is_empty());
    match (last, status) {
        (Some(line), _) => escape_control(line),
        (None, Some(code)) => format!("exit status {code}"),
        (None, None) => "ended by a signal".to_string(),
    }
}
