//! `probescope collect`: capture one boot's evidence (this machine, or `--ssh HOST`) into a
//! bundle, a `.tar.gz` or a plain directory.
//!
//! Exit status: 0 for a complete bundle; 2 when nothing could be collected (no connection,
//! refused key, a connection cut short: nothing is written), and 2 as well when the bundle has
//! gaps (debugfs not mounted, files readable by root only): the bundle is then written, with
//! `"complete": false` in its manifest, and the gaps are listed with what to do about them.

use crate::collect::{self, CollectOptions, Output, Plan, Progress, RegisterWindow, SshSpec, Transport};
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use std::path::PathBuf;

/// Which target to read and how: shared by `collect` and (flattened) by the commands that
/// analyse a target directly (`check --ssh`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct TargetArgs {
    /// Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system
    /// `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this
    /// machine is read.
    #[arg(long, value_name = "HOST")]
    pub ssh: Option<String>,
    /// An ssh configuration file (passed to ssh as `-F FILE`)
    #[arg(long, value_name = "FILE", requires = "ssh")]
    pub ssh_config: Option<PathBuf>,
    /// An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope's own
    /// (BatchMode=yes, ConnectTimeout=10)
    #[arg(long, value_name = "KEY=VALUE", requires = "ssh")]
    pub ssh_option: Vec<String>,
    /// Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg,
    /// DIR/proc/cmdline): for testing, and for a chroot or a board's root filesystem mounted
    /// elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel.
    #[arg(long, value_name = "DIR")]
    pub remote_root: Option<String>,
    /// Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred;
    /// needs root on the target. Otherwise nothing is ever written or mounted there.
    #[arg(long)]
    pub mount_debugfs: bool,
}

impl TargetArgs {
    /// The collection these arguments ask for, checked (host, ssh options, root), with
    /// `register_windows` to read as well.
    pub fn options(&self, register_windows: Vec<RegisterWindow>) -> Result<CollectOptions> {
        let transport = match &self.ssh {
            Some(host) => Transport::Ssh(
                SshSpec::new(host, self.ssh_config.clone(), &self.ssh_option).map_err(Error::Usage)?,
            ),
            None => Transport::Local,
        };
        let remote_root = match &self.remote_root {
            Some(dir) => collect::remote_root(dir)?,
            None => None,
        };
        let mut names: Vec<&str> = register_windows
            .iter()
            .map(|window| window.name.as_str())
            .collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(Error::Usage(format!(
                "--sysmmu-regs: the name `{}` is given twice",
                pair[0]
            )));
        }
        Ok(CollectOptions {
            transport,
            remote_root,
            plan: Plan {
                mount_debugfs: self.mount_debugfs,
                register_windows,
            },
        })
    }
}

#[derive(Debug, clap::Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Where to write the bundle: a `.tar.gz`, or a new directory when the name ends with `/`
    /// or with --dir [default: probescope-HOST-TIME.tar.gz]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the bundle as a plain directory instead of a .tar.gz
    #[arg(long)]
    pub dir: bool,
    /// Also read an Exynos SysMMU register window through /dev/mem with `devmem`, as
    /// NAME@BASE:SIZE (e.g. `g2d@0x10A60000:0x1000`); repeatable. Needs root on the target.
    /// Read only registers of a SysMMU whose power domain is on: an access to a powered-down
    /// block can hang the bus.
    #[arg(long, value_name = "NAME@BASE:SIZE", value_parser = parse_window)]
    pub sysmmu_regs: Vec<RegisterWindow>,
    /// Show no progress (it shows only on a terminal anyway)
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: CollectArgs) -> Result<ExitStatus> {
    let options = args.target.options(args.sysmmu_regs.clone())?;
    let host_label = match &options.transport {
        Transport::Local => "local".to_string(),
        Transport::Ssh(spec) => spec.host().to_string(),
    };
    let output = output(&args, &host_label);
    output.check()?;
    let mut progress = Progress::on_stderr(args.quiet);
    let bundle = collect::collect_to_memory(&options, &mut progress)?;
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    collect::write_bundle(&bundle, &output, mtime)?;
    let size: u64 = bundle
        .members
        .iter()
        .map(|member| member.bytes.len() as u64)
        .sum();
    let gaps: Vec<_> = bundle.manifest.gaps().collect();
    if gaps.is_empty() {
        if !args.quiet {
            eprintln!(
                "probescope: wrote {} ({} files, {})",
                output.path().display(),
                bundle.members.len() + 1,
                collect::progress::human_bytes(size)
            );
        }
        return Ok(ExitStatus::Clean);
    }
    eprintln!(
        "probescope: the capture from {} is incomplete; {} is written and its manifest says so \
         (\"complete\": false). Not collected:",
        crate::sanitize::escape_control(&host_label),
        output.path().display()
    );
    for gap in gaps {
        eprintln!(
            "  {} ({}): {}{}",
            gap.item,
            gap.source,
            gap.status.as_str(),
            gap.note
                .as_deref()
                .map(|note| format!(" — {}", crate::sanitize::escape_control(note)))
                .unwrap_or_default()
        );
    }
    Ok(ExitStatus::InputError)
}

fn output(args: &CollectArgs, host: &str) -> Output {
    let as_dir = args.dir
        || args
            .output
            .as_ref()
            .is_some_and(|path| path.as_os_str().to_string_lossy().ends_with('/'));
    let path = args.output.clone().unwrap_or_else(|| {
        let safe_host: String = host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or(0);
        let stamp: String = collect::rfc3339_utc(seconds)
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == 'T')
            .collect();
        let stem = format!("probescope-{safe_host}-{stamp}");
        PathBuf::from(if as_dir { stem } else { format!("{stem}.tar.gz") })
    });
    if as_dir {
        Output::Dir(path)
    } else {
        Output::TarGz(path)
    }
}

/// `NAME@BASE:SIZE`, numbers in hex (`0x`) or decimal.
fn parse_window(text: &str) -> std::result::Result<RegisterWindow, String> {
    let (name, place) = text
        .split_once('@')
        .ok_or_else(|| format!("`{text}`: expected NAME@BASE:SIZE, e.g. g2d@0x10A60000:0x1000"))?;
    let (base, size) = place
        .split_once(':')
        .ok_or_else(|| format!("`{text}`: expected NAME@BASE:SIZE, e.g. g2d@0x10A60000:0x1000"))?;
    let name_ok = !name.is_empty()
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !name_ok {
        return Err(format!(
            "`{name}`: a window name is letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
        ));
    }
    let base =
        parse_number(base).ok_or_else(|| format!("`{base}`: expected an address (0x... or decimal)"))?;
    let size = parse_number(size).ok_or_else(|| format!("`{size}`: expected a size (0x... or decimal)"))?;
    if base % 4 != 0 || size == 0 || size % 4 != 0 {
        return Err(format!(
            "`{text}`: registers are read 32 bits at a time, so BASE and SIZE must be multiples of 4 (SIZE not 0)"
        ));
    }
    if size > 1 << 20 || base.checked_add(size).is_none() {
        return Err(format!("`{text}`: a register window is at most 1 MiB"));
    }
    Ok(RegisterWindow {
        name: name.to_string(),
        base,
        size,
    })
}

fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_and_refuse_misalignment() {
        assert_eq!(
            parse_window("g2d@0x10A60000:0x1000"),
            Ok(RegisterWindow {
                name: "g2d".into(),
                base: 0x10A6_0000,
                size: 0x1000
            })
        );
        assert!(parse_window("g2d@0x10A60002:0x1000").is_err());
        assert!(parse_window("g2d@0x10A60000:0").is_err());
        assert!(parse_window("../x@0x0:4").is_err());
        assert!(parse_window("x@0x0").is_err());
        assert!(parse_window("$(id)@0:4").is_err());
    }
}
