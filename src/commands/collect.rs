//! `probescope collect`: capture one boot's evidence (this machine, or `--ssh HOST`) into a
//! bundle, a `.tar.gz` or a plain directory.
//!
//! Exit status: 0 for a complete bundle; 2 when nothing could be collected (no connection,
//! refused key, a connection cut short: nothing is written), and 2 as well when the bundle has
//! gaps (debugfs not mounted, files readable by root only): the bundle is then written, with
//! `"complete": false` in its manifest, and the gaps are listed with what to do about them.

use crate::cli::{CollectArgs, TargetArgs};
use crate::collect::{self, CollectOptions, Output, Plan, Progress, RegisterRange, SshSpec, Transport};
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use std::path::PathBuf;

impl TargetArgs {
    /// The collection these arguments ask for, checked (host, ssh options, root), with
    /// `register_windows` to read as well.
    pub fn options(&self, register_windows: Vec<RegisterRange>) -> Result<CollectOptions> {
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
