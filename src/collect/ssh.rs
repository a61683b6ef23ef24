//! Running the collection script on an SSH target through the system OpenSSH client, so the
//! user's `~/.ssh/config`, agent, jump hosts and ControlMaster apply. One `ssh` process, one
//! session: `ssh [options] -- HOST sh -s` with the script on standard input.
//!
//! The host is checked before it gets near `ssh` (it must not read as an option); the remote
//! command is the fixed text `sh -s`, so the remote login shell never parses anything from the
//! user or the target. ssh's own failures (host key, authentication, network) are told apart
//! from its messages and reported in plain words.

use super::progress::{human_bytes, Progress};
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The most bytes accepted from a target in one collection.
pub const MAX_STREAM: u64 = 512 << 20;
/// Seconds ssh waits for the TCP connection (overridable with `--ssh-option ConnectTimeout=N`).
const CONNECT_TIMEOUT: u32 = 10;
/// Keep-alives: a target that stops answering for 3 × 10 s counts as gone.
const ALIVE_INTERVAL: u32 = 10;
const ALIVE_COUNT: u32 = 3;

/// How to reach the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshSpec {
    /// Checked by [`SshSpec::new`]: never empty, never an option.
    host: String,
    /// `-F FILE`.
    pub config: Option<PathBuf>,
    /// `-o KEY=VALUE`, in the order given; they come before probescope's own `-o`, so they win
    /// (ssh keeps the first value of each option).
    options: Vec<String>,
}

impl SshSpec {
    /// Checks `host` and `options` (`KEY=VALUE`).
    pub fn new(host: &str, config: Option<PathBuf>, options: &[String]) -> Result<SshSpec, String> {
        check_host(host)?;
        for option in options {
            check_option(option)?;
        }
        Ok(SshSpec {
            host: host.to_string(),
            config,
            options: options.to_vec(),
        })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// The `ssh` command line, without the program name.
    pub fn arguments(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(config) = &self.config {
            args.push("-F".to_string());
            args.push(config.display().to_string());
        }
        for option in &self.options {
            args.push("-o".to_string());
            args.push(option.clone());
        }
        // No terminal, no agent or X11 forwarding: a collection needs none and should not
        // hand either to the target.
        args.extend(["-T", "-a", "-x"].map(String::from));
        for option in [
            "BatchMode=yes".to_string(),
            format!("ConnectTimeout={CONNECT_TIMEOUT}"),
            format!("ServerAliveInterval={ALIVE_INTERVAL}"),
            format!("ServerAliveCountMax={ALIVE_COUNT}"),
            "ClearAllForwardings=yes".to_string(),
        ] {
            args.push("-o".to_string());
            args.push(option);
        }
        args.push("--".to_string());
        args.push(self.host.clone());
        args.push("sh -s".to_string());
        args
    }
}

/// A host as ssh takes it: `host`, `user@host`, an alias from ssh_config, `[::1]`. Refused:
/// anything ssh could read as an option and anything that is not part of a host name.
fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the SSH host is empty".into());
    }
    if host.starts_with('-') {
        return Err(format!(
            "refusing SSH host `{}`: it starts with `-`, which ssh would read as an option",
            crate::sanitize::escape_control(host)
        ));
    }
    if let Some(bad) = host
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "._-@:[]%+".contains(c)))
    {
        return Err(format!(
            "refusing SSH host `{}`: `{}` is not part of a host name (use --ssh-config for anything unusual)",
            crate::sanitize::escape_control(host),
            crate::sanitize::escape_control(&bad.to_string())
        ));
    }
    Ok(())
}

fn check_option(option: &str) -> Result<(), String> {
    let (key, value) = option.split_once('=').ok_or_else(|| {
        format!(
            "--ssh-option `{}`: expected KEY=VALUE",
            crate::sanitize::escape_control(option)
        )
    })?;
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "--ssh-option `{}`: the key must be an ssh_config keyword (letters and digits)",
            crate::sanitize::escape_control(option)
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "--ssh-option `{}`: the value holds a control character",
            crate::sanitize::escape_control(option)
        ));
    }
    Ok(())
}

/// Why an SSH collection failed, told apart from ssh's messages.
#[derive(Debug, PartialEq, Eq)]
pub enum SshFailure {
    /// `ssh` could not be started.
    NoClient(String),
    /// The target's host key is not in known_hosts (batch mode cannot ask).
    HostKeyUnknown,
    /// The target's host key differs from the one in known_hosts.
    HostKeyChanged,
    /// The target refused every authentication method offered.
    AuthRefused,
    /// No connection (refused, timed out, no route, unknown name).
    Unreachable(String),
    /// The connection or the remote shell ended before the script finished.
    Dropped { received: u64, detail: String },
    /// The remote side has no `sh`.
    NoShell,
    /// The target sent more than [`MAX_STREAM`] bytes.
    TooLarge,
    /// ssh failed in a way not recognised; its message.
    Other { status: Option<i32>, detail: String },
}

impl SshFailure {
    /// A message for the user: what happened and what to try.
    pub fn message(&self, host: &str) -> String {
        let host = crate::sanitize::escape_control(host);
        match self {
            SshFailure::NoClient(why) => {
                format!("cannot run ssh (the OpenSSH client is needed for --ssh): {why}")
            }
            SshFailure::HostKeyUnknown => format!(
                "{host}: the host key is not known, and probescope runs ssh in batch mode, so it \
                 cannot ask; connect once with `ssh {host}` to check and accept the key"
            ),
            SshFailure::HostKeyChanged => format!(
                "{host}: the host key differs from the one in known_hosts (a reflashed board, or \
                 someone in the middle); check it, then remove the old key with `ssh-keygen -R {host}`"
            ),
            SshFailure::AuthRefused => format!(
                "{host}: authentication was refused; probescope runs ssh in batch mode (no password \
                 prompts), so a key or agent has to work: try `ssh {host} true`"
            ),
            SshFailure::Unreachable(detail) => format!("{host}: cannot connect: {detail}"),
            SshFailure::Dropped { received, detail } => format!(
                "{host}: the connection ended before the collection finished ({} received{}); \
                 nothing was written",
                human_bytes(*received),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!("; {detail}")
                }
            ),
            SshFailure::NoShell => format!("{host}: the target has no `sh` to run the collection script"),
            SshFailure::TooLarge => format!(
                "{host}: the target sent more than {} (refused; nothing was written)",
                human_bytes(MAX_STREAM)
            ),
            SshFailure::Other { status, detail } => format!(
                "{host}: ssh failed{}: {detail}",
                status
                    .map(|code| format!(" (exit status {code})"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// What one ssh run gave back.
#[derive(Debug)]
pub struct SshRun {
    pub stdout: Vec<u8>,
    pub status: Option<i32>,
    pub stderr: String,
}

/// One ssh session with `script` on its standard input. The script is written, and standard
/// error (its first MiB) gathered, each on a thread of its own, so that neither pipe can stall
/// ssh while the caller reads standard output.
struct Session {
    child: std::process::Child,
    stdout: std::process::ChildStdout,
    stderr: mpsc::Receiver<Vec<u8>>,
    writer: std::thread::JoinHandle<()>,
}

impl Session {
    fn start(spec: &SshSpec, script: &str) -> Result<Session, SshFailure> {
        let mut child = Command::new("ssh")
            .args(spec.arguments())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| SshFailure::NoClient(e.to_string()))?;
        let (Some(mut stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(SshFailure::NoClient("no pipes to ssh".into()));
        };
        let script = script.as_bytes().to_vec();
        // ssh may exit before reading the script (no connection); the write error is then moot.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&script);
        });
        let (stderr_tx, stderr_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = (&mut stderr).take(1 << 20).read_to_end(&mut text);
            let _ = stderr_tx.send(text);
        });
        Ok(Session {
            child,
            stdout,
            stderr: stderr_rx,
            writer,
        })
    }
}

/// Runs `script` on the target through one ssh session and returns everything it printed.
pub fn run_script(spec: &SshSpec, script: &str, progress: &mut Progress) -> Result<SshRun, SshFailure> {
    let Session {
        mut child,
        mut stdout,
        stderr: stderr_rx,
        writer,
    } = Session::start(spec, script)?;

    let mut received = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut too_large = false;
    loop {
        match stdout.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                if received.len() as u64 + n as u64 > MAX_STREAM {
                    too_large = true;
                    let _ = child.kill();
                    break;
                }
                received.extend_from_slice(&chunk[..n]);
                progress.set(format!(
                    "{}: received {}",
                    spec.host,
                    human_bytes(received.len() as u64)
                ));
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let status = child.wait().ok().and_then(|status| status.code());
    let _ = writer.join();
    // A ControlPersist master left behind could hold ssh's stderr open; do not wait on it.
    let stderr = stderr_rx
        .recv_timeout(Duration::from_secs(2))
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    if too_large {
        return Err(SshFailure::TooLarge);
    }
    Ok(SshRun {
        stdout: received,
        status,
        stderr,
    })
}

/// The remote side of `watch --ssh`: follows the target's `/dev/kmsg` (below `R`, the
/// `--remote-root`) with `cat`, which the kernel serves one record per read from the oldest
/// record still in its buffer and then blocks for new ones. Exit 3: no such file; 4: not
/// readable (a normal user under `kernel.dmesg_restrict=1`). `cat` itself ends with an error
/// when the kernel overwrote records before they were read (EPIPE): the client reconnects and
/// skips what it has by sequence number.
const FOLLOW_KMSG_BODY: &str = r#"K="$R/dev/kmsg"
if [ ! -e "$K" ]; then echo "probescope: $K: no such file" >&2; exit 3; fi
if [ ! -r "$K" ]; then echo "probescope: $K: not readable (run as root, or set kernel.dmesg_restrict=0)" >&2; exit 4; fi
exec cat "$K"
"#;

/// The whole follow script: the root as a quoted literal, then the fixed body.
pub fn follow_kmsg_script(root: Option<&str>) -> String {
    format!(
        "R={}\n{FOLLOW_KMSG_BODY}",
        super::script::shell_quote(root.unwrap_or(""))
    )
}

/// What a follow script's exit status says, when it is its own (see [`follow_kmsg_script`]).
pub fn follow_failure(status: Option<i32>, stderr: &str) -> Option<String> {
    match status {
        Some(3) | Some(4) => Some(last_lines(stderr)),
        _ => None,
    }
}

/// An ssh session running a script whose output is read as it comes (`watch --ssh`).
pub struct SshStream {
    child: std::process::Child,
    stdout: Option<std::process::ChildStdout>,
    stderr: mpsc::Receiver<Vec<u8>>,
}

impl SshStream {
    /// Starts `ssh [options] -- HOST sh -s` with `script` on its standard input.
    pub fn start(spec: &SshSpec, script: &str) -> Result<SshStream, SshFailure> {
        // Closing standard input after the script ends `sh -s`'s reading; the script `exec`s
        // its reader, which never reads it, so the writer is not waited for.
        let Session {
            child,
            stdout,
            stderr: stderr_rx,
            writer: _,
        } = Session::start(spec, script)?;
        Ok(SshStream {
            child,
            stdout: Some(stdout),
            stderr: stderr_rx,
        })
    }

    /// The session's output, to read until it ends (once).
    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.stdout.take()
    }

    /// The ssh process's id (to end it from another thread).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for ssh to end; its exit status and message, with `received` bytes read.
    pub fn finish(mut self, received: u64) -> SshRun {
        drop(self.stdout.take());
        let status = self.child.wait().ok().and_then(|status| status.code());
        let stderr = self
            .stderr
            .recv_timeout(Duration::from_secs(2))
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        SshRun {
            // Only the length matters to `diagnose`.
            stdout: vec![0; usize::try_from(received.min(1)).unwrap_or(0)],
            status,
            stderr,
        }
    }
}

/// Why a run that did not deliver the whole stream failed, from ssh's exit status and message.
pub fn diagnose(run: &SshRun, script_started: bool) -> SshFailure {
    let stderr = run.stderr.as_str();
    let detail = last_lines(stderr);
    if stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || stderr.contains("Host key for") && stderr.contains("has changed")
    {
        return SshFailure::HostKeyChanged;
    }
    if stderr.contains("Host key verification failed") || stderr.contains("host key is known for") {
        return SshFailure::HostKeyUnknown;
    }
    if stderr.contains("Permission denied (") || stderr.contains("Too many authentication failures") {
        return SshFailure::AuthRefused;
    }
    for network in [
        "Connection refused",
        "Connection timed out",
        "No route to host",
        "Network is unreachable",
        "Could not resolve hostname",
        "Name or service not known",
        "Operation timed out",
    ] {
        if stderr.contains(network) && !script_started {
            return SshFailure::Unreachable(detail);
        }
    }
    if !script_started && run.status == Some(127) {
        return SshFailure::NoShell;
    }
    if script_started {
        return SshFailure::Dropped {
            received: run.stdout.len() as u64,
            detail,
        };
    }
    if run.status == Some(255) {
        return SshFailure::Other {
            status: run.status,
            detail,
        };
    }
    SshFailure::Dropped {
        received: run.stdout.len() as u64,
        detail: if detail.is_empty() {
            format!(
                "the remote shell exited{} without running the collection script",
                run.status
                    .map(|code| format!(" with status {code}"))
                    .unwrap_or_default()
            )
        } else {
            detail
        },
    }
}

/// The last few non-empty lines of ssh's message, escaped for a terminal.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let start = lines.len().saturating_sub(3);
    crate::sanitize::escape_control(&lines[start..].join(" / "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_that_could_be_options_or_words_are_refused() {
        assert!(check_host("board").is_ok());
        assert!(check_host("root@192.168.1.20").is_ok());
        assert!(check_host("[fe80::1%eth0]").is_ok());
        assert!(check_host("-oProxyCommand=touch /tmp/x").is_err());
        assert!(check_host("board; reboot").is_err());
        assert!(check_host("a b").is_err());
        assert!(check_host("$(id)").is_err());
        assert!(check_host("").is_err());
    }

    #[test]
    fn options_are_key_value() {
        assert!(check_option("Port=2222").is_ok());
        assert!(check_option("UserKnownHostsFile=/tmp/k h").is_ok());
        assert!(check_option("Port").is_err());
        assert!(check_option("-F=x").is_err());
        assert!(check_option("Port=1\nProxyCommand=x").is_err());
    }

    #[test]
    fn user_options_come_first_and_the_host_after_double_dash() {
        let spec = SshSpec::new("board", None, &["BatchMode=no".to_string()]).unwrap();
        let args = spec.arguments();
        let user = args.iter().position(|arg| arg == "BatchMode=no").unwrap();
        let ours = args.iter().position(|arg| arg == "BatchMode=yes").unwrap();
        assert!(user < ours);
        assert_eq!(&args[args.len() - 3..], ["--", "board", "sh -s"]);
    }

    #[test]
    fn the_follow_script_quotes_the_root_and_reads_the_device_only() {
        let script = follow_kmsg_script(Some("/tmp/it's"));
        assert!(script.starts_with("R='/tmp/it'\\''s'\n"));
        assert!(script.ends_with("exec cat \"$K\"\n"));
        assert_eq!(
            follow_failure(Some(4), "probescope: /dev/kmsg: not readable\n").as_deref(),
            Some("probescope: /dev/kmsg: not readable")
        );
        assert_eq!(follow_failure(Some(255), "x"), None);
    }

    #[test]
    fn ssh_messages_are_told_apart() {
        let run = |stderr: &str, status| SshRun {
            stdout: Vec::new(),
            status: Some(status),
            stderr: stderr.to_string(),
        };
        assert_eq!(
            diagnose(&run("@@@@\n@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @\nHost key verification failed.\n", 255), false),
            SshFailure::HostKeyChanged
        );
        assert_eq!(
            diagnose(&run("No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.\n", 255), false),
            SshFailure::HostKeyUnknown
        );
        assert_eq!(
            diagnose(
                &run("root@127.0.0.1: Permission denied (publickey).\n", 255),
                false
            ),
            SshFailure::AuthRefused
        );
        assert!(matches!(
            diagnose(
                &run("ssh: connect to host 127.0.0.1 port 1: Connection refused\n", 255),
                false
            ),
            SshFailure::Unreachable(_)
        ));
        assert!(matches!(
            diagnose(
                &run("Connection to 127.0.0.1 closed by remote host.\n", 255),
                true
            ),
            SshFailure::Dropped { .. }
        ));
    }
}
