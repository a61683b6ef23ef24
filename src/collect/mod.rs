//! The only code that touches a live system: capture one boot's evidence, locally or over SSH,
//! into a bundle.
//!
//! ```text
//! LocalTarget (reads files itself) ─┐
//!                                   ├─▶ evidence::collect ─▶ Bundle ─▶ write (.tar.gz | dir)
//! ssh HOST sh -s < collect.sh ─▶ wire::RemoteTree ─┘                 └─▶ check --ssh (in memory)
//! ```
//!
//! Both targets answer the same few read-only questions (`target::Target`, whose sysfs part is
//! `ingest::sysfs::SysfsSource`); the bundle builder (`evidence`) reads the sysfs parts with the
//! same typed readers `check` uses on a sysfs folder and writes them (`listings`) in the corpus
//! capture formats. On the target
//! nothing is written: debugfs is mounted only with `--mount-debugfs` (and unmounted after), and
//! `/dev/mem` is read only for `--sysmmu-regs`. Over SSH, one session runs one POSIX-sh script
//! that needs only `cat`, `readlink` and `find` (busybox has them) and frames every file back
//! binary-safe (`wire`).
//!
//! # Bundle layout (format version 1)
//!
//! A `.tar.gz` whose members sit in one top directory named after the file (`board.tar.gz`
//! unpacks into `board/`), or the same files in a plain directory:
//!
//! | member | item | content |
//! |---|---|---|
//! | `manifest.json` | | format, version, tool version, host, transport, `--remote-root`, kernel release, capture time, `complete`, and per item: source, status (`ok`, `missing`, `permission denied`, `not mounted`, `error`), member, size, SHA-256, note |
//! | `kmsg.txt` | `kernel-log` | `/dev/kmsg` records exactly as read (`prio,seq,usec,flags;text` plus ` SUBSYSTEM=`/` DEVICE=` dictionary lines) |
//! | `dmesg-raw.txt` / `dmesg.txt` | `kernel-log` | instead of `kmsg.txt` when `/dev/kmsg` is not readable: `dmesg -r`, else `dmesg` |
//! | `devlink.txt` | `devlink` | `grep -r . /sys/class/devlink/*/` lines (`/sys/class/devlink/<link>/<attr>:<value>`), then `/sys/class/devlink/<link>/{supplier,consumer} -> <readlink>` lines |
//! | `devices_deferred.txt` | `devices-deferred` | `/sys/kernel/debug/devices_deferred`, byte for byte |
//! | `waiting_for_supplier.txt` | `waiting-for-supplier` | `<path>:<value>` for every `/sys/devices/**/waiting_for_supplier` |
//! | `drivers.txt` | `device-table` | `#bus\tdevice\tdriver\tiommu_group\tiommu\tof_node\tsysfs_path`, one row per `/sys/bus/*/devices/*`, `-` for none; `of_node` as a DT path |
//! | `iommu_groups.txt` | `iommu-groups` | `group N type=T` (`type=-` when unknown), then `  device D path=P` lines |
//! | `iommu_class.txt` | `iommu-class` | `iommu NAME path=P parent=P`, then `  device D path=P` lines |
//! | `fdt.dtb` | `device-tree` | `/sys/firmware/fdt` |
//! | `acpi/SIG` | `acpi-table:SIG` | `/sys/firmware/acpi/tables/SIG` for SIG = VIOT, IORT, DMAR, IVRS (the ACPI tables that route devices to IOMMUs; root-only readable) |
//! | `cmdline.txt` | `cmdline` | `/proc/cmdline` |
//! | `modules.txt` | `modules` | `/proc/modules` |
//! | `config.gz` | `kernel-config` | `/proc/config.gz`, when the kernel has it |
//! | `uname.txt` | `kernel-release` | the release (`uname -r`, read from `/proc/sys/kernel/osrelease`) |
//! | `sysmmu/NAME.regs.bin` | `sysmmu-regs:NAME` | `--sysmmu-regs` window, little-endian 32-bit words read with `devmem` |
//! | `sysmmu/NAME.regs.json` | `sysmmu-window:NAME` | `{"sfr_base": "0x…", "size": N, "file": "NAME.regs.bin"}` |
//!
//! Sysfs paths in the listings are the target's own (`/sys/...`), whatever `--remote-root` was.
//! An item that is not there on the target (`missing`) has no member; one that was there but
//! could not be read (`permission denied`, `not mounted`, `error`) is a gap, and a bundle with
//! a gap has `"complete": false`. Listings keep what was readable, sorted by path.

pub mod evidence;
mod listings;
pub mod local;
pub mod progress;
pub mod script;
pub mod ssh;
pub mod target;
pub mod wire;
pub mod write;

use crate::error::{Error, Result};
use crate::ingest::bundle::{Bundle, Manifest, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION};
pub use evidence::Plan;
pub use progress::Progress;
pub use ssh::SshSpec;
pub use target::RegisterRange;
pub use write::{write_bundle, Output};

use std::time::{SystemTime, UNIX_EPOCH};

/// Where the evidence is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// This machine.
    Local,
    Ssh(SshSpec),
}

/// A collection as the user asked for it.
#[derive(Clone, Debug)]
pub struct CollectOptions {
    pub transport: Transport,
    /// `--remote-root`: read every path below this directory of the target instead of `/` (for
    /// testing, and for a chroot or a board's filesystem mounted elsewhere). Absolute, no
    /// trailing `/`; check it with [`remote_root`].
    pub remote_root: Option<String>,
    pub plan: Plan,
}

/// Checks a `--remote-root` value: absolute, no newline; `/` means none.
pub fn remote_root(dir: &str) -> Result<Option<String>> {
    if !dir.starts_with('/') {
        return Err(Error::Usage(format!(
            "--remote-root `{}`: give an absolute path (it is a path on the target)",
            crate::sanitize::escape_control(dir)
        )));
    }
    if dir.chars().any(|c| c == '\n' || c == '\0') {
        return Err(Error::Usage(
            "--remote-root: the path holds a newline or NUL".into(),
        ));
    }
    let trimmed = dir.trim_end_matches('/');
    Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
}

/// Collects one boot's evidence into memory. This is what `check --ssh` analyses, and what
/// `collect` writes. Transport failures (no connection, refused key, a connection cut short)
/// are errors; items the target could not give are recorded in the manifest instead.
pub fn collect_to_memory(options: &CollectOptions, progress: &mut Progress) -> Result<Bundle> {
    let (collected, host) = match &options.transport {
        Transport::Local => {
            let mut target = local::LocalTarget::new(options.remote_root.as_ref().map(Into::into));
            let collected = evidence::collect(&mut target, &options.plan, &mut |step: &str| {
                progress.set(format!("reading {step}"))
            });
            (collected, local_host_name())
        }
        Transport::Ssh(spec) => {
            let mut target = remote_tree(spec, options, progress)?;
            let collected = evidence::collect(&mut target, &options.plan, &mut |_: &str| {});
            (collected, spec.host().to_string())
        }
    };
    progress.finish();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let complete = !collected.items.iter().any(|item| item.status.is_gap());
    let manifest = Manifest {
        format: BUNDLE_FORMAT.to_string(),
        format_version: BUNDLE_FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        host,
        transport: match options.transport {
            Transport::Local => "local",
            Transport::Ssh(_) => "ssh",
        }
        .to_string(),
        remote_root: options.remote_root.clone(),
        kernel_release: collected.kernel_release,
        captured_at: rfc3339_utc(now),
        complete,
        items: collected.items,
        notes: collected.notes,
    };
    Ok(Bundle {
        manifest,
        members: collected.members,
    })
}

/// Runs the script over SSH and reads its frames back.
fn remote_tree(
    spec: &SshSpec,
    options: &CollectOptions,
    progress: &mut Progress,
) -> Result<wire::RemoteTree> {
    let boundary = wire::new_boundary();
    let script = script::render(&script::ScriptParams {
        boundary: &boundary,
        root: options.remote_root.as_deref(),
        mount_debugfs: options.plan.mount_debugfs,
        windows: &options.plan.register_windows,
    });
    progress.set(format!("{}: connecting", spec.host()));
    let fail = |failure: ssh::SshFailure| Error::Other(failure.message(spec.host()));
    let run = ssh::run_script(spec, &script, progress).map_err(fail)?;
    let frames = wire::split_frames(&run.stdout, &boundary);
    let (tree, outcome) = wire::RemoteTree::from_frames(&frames);
    if let Some(tools) = &outcome.missing_tools {
        return Err(Error::Other(format!(
            "{}: the target has no {} (probescope needs cat, readlink and find there; busybox has them)",
            spec.host(),
            crate::sanitize::escape_control(tools)
        )));
    }
    if outcome.no_root {
        return Err(Error::Usage(format!(
            "{}: --remote-root {} is not a directory on the target",
            spec.host(),
            crate::sanitize::escape_control(options.remote_root.as_deref().unwrap_or(""))
        )));
    }
    if !outcome.ended {
        return Err(fail(ssh::diagnose(&run, outcome.protocol.is_some())));
    }
    if outcome.protocol != Some(wire::PROTOCOL_VERSION) {
        return Err(Error::Other(format!(
            "{}: the collection script answered in protocol {:?}, expected {}",
            spec.host(),
            outcome.protocol,
            wire::PROTOCOL_VERSION
        )));
    }
    Ok(tree)
}

fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// `2024-05-01T12:34:56Z` for seconds since the epoch (proleptic Gregorian, UTC).
pub fn rfc3339_utc(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn remote_roots_are_absolute() {
        assert_eq!(remote_root("/").unwrap(), None);
        assert_eq!(remote_root("/tmp/x/").unwrap().as_deref(), Some("/tmp/x"));
        assert!(remote_root("tmp").is_err());
        assert!(remote_root("/a\nb").is_err());
    }
}
