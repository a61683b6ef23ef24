//! Test support for the collection tests: stand-in targets built from corpus captures, and a
//! throwaway OpenSSH server on 127.0.0.1 (its own host key, a throwaway client key, a temporary
//! known_hosts), so `collect --ssh` runs against a real sshd.

use std::fs;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const SSHD: &str = "/usr/sbin/sshd";
pub const BUSYBOX: &str = "/bin/busybox";

pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(path)
}

pub fn probescope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_probescope"))
}

/// A temporary directory every user can enter (sshd sessions may run as `nobody`).
pub fn open_temp_dir() -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix("probescope-test-")
        .tempdir()
        .unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A directory laid out like `/` from a corpus capture: its `sysfs/` mirror as `sys`, its
/// `kmsg.txt` as `dev/kmsg`, `cmdline.txt` and `modules.txt` as `proc/cmdline` and
/// `proc/modules`, and the release from `uname.txt` as `proc/sys/kernel/osrelease`.
pub fn root_from_capture(capture: &Path, into: &Path) -> PathBuf {
    let root = into.join("root");
    fs::create_dir_all(root.join("dev")).unwrap();
    fs::create_dir_all(root.join("proc/sys/kernel")).unwrap();
    let copied = Command::new("cp")
        .arg("-a")
        .arg(capture.join("sysfs"))
        .arg(root.join("sys"))
        .status()
        .unwrap();
    assert!(copied.success());
    fs::copy(capture.join("kmsg.txt"), root.join("dev/kmsg")).unwrap();
    fs::copy(capture.join("cmdline.txt"), root.join("proc/cmdline")).unwrap();
    fs::copy(capture.join("modules.txt"), root.join("proc/modules")).unwrap();
    let uname = fs::read_to_string(capture.join("uname.txt")).unwrap();
    let release = uname.split_whitespace().nth(2).unwrap();
    fs::write(root.join("proc/sys/kernel/osrelease"), format!("{release}\n")).unwrap();
    root
}

/// Sorted lines, for comparisons up to order.
pub fn sorted_lines(bytes: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(bytes)
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Files left in `dir` (to show nothing partial stayed behind).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether OpenSSH (server, client, ssh-keygen) and busybox are here; see
/// [`super::require`] for what a test does when they are not.
#[track_caller]
pub fn ssh_tools_available() -> bool {
    super::require_programs(
        &[SSHD, BUSYBOX, "ssh", "ssh-keygen"],
        "apt-get install openssh-server busybox-static",
    )
}

/// How the test sshd runs sessions.
#[derive(Default)]
pub struct SshdSetup {
    /// `ForceCommand` (run by the login shell; `$SSH_ORIGINAL_COMMAND` holds what the client asked).
    pub force_command: Option<String>,
}

/// A throwaway sshd on 127.0.0.1, stopped on drop.
pub struct Sshd {
    pub dir: TempDir,
    pub port: u16,
    child: Child,
    /// Client configuration naming the host `target`.
    pub client_config: PathBuf,
    pub log: PathBuf,
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", ""])
        .arg("-f")
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

/// A TCP port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sshd {
    pub fn start(setup: SshdSetup) -> Sshd {
        let dir = open_temp_dir();
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("user_key"));
        keygen(&d.join("other_key"));
        fs::copy(d.join("user_key.pub"), d.join("authorized_keys")).unwrap();
        // sshd insists on its privilege-separation directory.
        fs::create_dir_all("/run/sshd").unwrap();
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string();
        let log = d.join("sshd.log");
        for _attempt in 0..5 {
            let port = free_port();
            let mut config = format!(
                "ListenAddress 127.0.0.1:{port}\nHostKey {dir}/host_key\nAuthorizedKeysFile {dir}/authorized_keys\n\
                 StrictModes no\nUsePAM no\nPidFile none\nPermitRootLogin prohibit-password\nLogLevel VERBOSE\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n",
                dir = d.display()
            );
            if let Some(command) = &setup.force_command {
                config.push_str(&format!("ForceCommand {command}\n"));
            }
            fs::write(d.join("sshd_config"), config).unwrap();
            let _ = fs::remove_file(&log);
            let mut child = Command::new(SSHD)
                .arg("-D")
                .arg("-f")
                .arg(d.join("sshd_config"))
                .arg("-E")
                .arg(&log)
                .stdin(Stdio::null())
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut up = false;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    up = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if !up {
                let _ = child.kill();
                let _ = child.wait();
                continue;
            }
            let host_key = fs::read_to_string(d.join("host_key.pub")).unwrap();
            fs::write(d.join("known_hosts"), format!("[127.0.0.1]:{port} {host_key}")).unwrap();
            let client_config = d.join("ssh_config");
            fs::write(
                &client_config,
                client_config_text(d, port, &user, "user_key", "known_hosts"),
            )
            .unwrap();
            return Sshd {
                dir,
                port,
                child,
                client_config,
                log,
            };
        }
        panic!("the test sshd did not start; see {}", log.display());
    }

    /// A client configuration for `target` with another key or known_hosts file.
    pub fn client_config_with(&self, key: &str, known_hosts: &str) -> PathBuf {
        let path = self.dir.path().join(format!("ssh_config-{key}-{known_hosts}"));
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
        fs::write(
            &path,
            client_config_text(self.dir.path(), self.port, user.trim(), key, known_hosts),
        )
        .unwrap();
        path
    }

    /// The listening server's process id (its children are its connections).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SSH sessions the server accepted so far.
    pub fn sessions(&self) -> usize {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains("Accepted publickey"))
            .count()
    }

    /// `probescope collect --ssh target --ssh-config ...` with `args` after.
    pub fn collect(&self, args: &[&str]) -> Output {
        self.run("collect", args)
    }

    /// `probescope COMMAND --ssh target --ssh-config ...` with `args` after.
    pub fn run(&self, subcommand: &str, args: &[&str]) -> Output {
        let mut command = probescope();
        command
            .arg(subcommand)
            .arg("--ssh")
            .arg("target")
            .arg("--ssh-config")
            .arg(&self.client_config)
            .args(args)
            .stdin(Stdio::null());
        command.output().unwrap()
    }
}

fn client_config_text(dir: &Path, port: u16, user: &str, key: &str, known_hosts: &str) -> String {
    format!(
        "Host target\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile {dir}/{key}\n  \
         IdentitiesOnly yes\n  IdentityAgent none\n  UserKnownHostsFile {dir}/{known_hosts}\n  \
         GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  PasswordAuthentication no\n  \
         KbdInteractiveAuthentication no\n",
        dir = dir.display()
    )
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory of busybox applet links: a PATH with nothing but busybox, minus `without`.
pub fn busybox_path(into: &Path, without: &[&str]) -> PathBuf {
    let bin = into.join("busybox-bin");
    fs::create_dir_all(&bin).unwrap();
    let status = Command::new(BUSYBOX)
        .arg("--install")
        .arg("-s")
        .arg(&bin)
        .status()
        .unwrap();
    assert!(status.success());
    for tool in without {
        fs::remove_file(bin.join(tool)).unwrap();
    }
    bin
}

/// Writes an executable shell script.
pub fn write_script(path: &Path, text: &str) {
    let mut file = fs::File::create(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}
