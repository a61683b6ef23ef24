//! Where one boot ends and the next begins in a file that holds several: a kern.log over days,
//! `journalctl -k` without `-b`, a serial console across a reboot, journal JSON of several
//! boots. Decided record by record, as the records stream by, on the kernel's own boundaries:
//!
//! - the container says so: a journal `-- Boot <id> --` separator, a change of `_BOOT_ID`;
//! - kernel time goes back to about zero (printk time is `local_clock()`, which starts at 0
//!   on every boot: kernel/printk/printk.c, `vprintk_store()`);
//! - the banners a kernel prints first come again at about time zero: `Booting Linux on
//!   physical CPU` (arch/arm64/kernel/setup.c, `smp_setup_processor_id()`) and `Linux
//!   version` (init/main.c, `start_kernel()` → `linux_banner`). Firmware output between the
//!   two kernels of a serial capture is not kernel text and is skipped by the text reader.
//!
//! A boot's first records may carry the same banners (arm64 prints both): only a banner that
//! the current boot has already shown starts another one.
//!
//! A console capture may also show the guest printing its own log (`dmesg`, `cat /dev/kmsg`)
//! during the boot: the kernel's boundaries come again, but the records are this boot's,
//! with the same times. `ReplayCheck` tells the two apart after the fact: a "boot" whose
//! records repeat the current boot's first timed records, time for time, is a replay.

use super::LogRecord;
use crate::model::BootTime;

/// Kernel time up to which a record counts as the start of a boot: the banners are printed
/// at 0.000000, before the clock source is even running.
const NEAR_ZERO: BootTime = BootTime(1_000_000);

/// How far kernel time must go back to end a boot: interleaved console output from several
/// CPUs goes back a little within one boot.
const BACK_MARGIN: u64 = 1_000_000;

/// Kernel time a record must go back to for time alone to start a boot: a kernel's first
/// records are stamped 0.000000 (`local_clock()` before the scheduler clock runs). Pastes
/// of several `dmesg | grep` outputs of one boot go back too, but to where the first match
/// was, rarely that early.
const BOOT_START: BootTime = BootTime(10_000);

/// A line a kernel prints once per boot, at its very start.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Banner {
    BootingCpu,
    Version,
}

fn banner(text: &str) -> Option<Banner> {
    // Every record is asked: its first byte rules out nearly all without a string comparison.
    match text.as_bytes().first() {
        Some(b'B') if text.starts_with("Booting Linux on physical CPU") => Some(Banner::BootingCpu),
        Some(b'L') if text.starts_with("Linux version ") => Some(Banner::Version),
        _ => None,
    }
}

/// The streaming decision: fed every record in order, says which ones start a boot.
#[derive(Debug, Default)]
pub struct BootSplitter {
    records: u64,
    last_kernel_time: Option<BootTime>,
    seen_booting_cpu: bool,
    seen_version: bool,
}

impl BootSplitter {
    /// Whether `record` starts a boot after the first; `container_boundary` when the format
    /// itself marked a new boot before it (journal separator, `_BOOT_ID` change). `record.time`
    /// must be the kernel's time only (not one derived from a wall clock).
    pub fn starts_boot(&mut self, record: &LogRecord, container_boundary: bool) -> Option<BootMark> {
        let time = record.time;
        let near_zero = time.is_none_or(|t| t <= NEAR_ZERO);
        let went_back = match (self.last_kernel_time, time) {
            (Some(last), Some(now)) => now <= BOOT_START && now.0 + BACK_MARGIN < last.0,
            _ => false,
        };
        let kind = banner(&record.text);
        let repeated_banner = near_zero
            && match kind {
                Some(Banner::BootingCpu) => self.seen_booting_cpu,
                Some(Banner::Version) => self.seen_version,
                None => false,
            };
        let starts = self.records > 0 && (container_boundary || went_back || repeated_banner);
        if starts {
            *self = BootSplitter::default();
        }
        self.records += 1;
        match kind {
            Some(Banner::BootingCpu) => self.seen_booting_cpu = true,
            Some(Banner::Version) => self.seen_version = true,
            None => {}
        }
        if time.is_some() {
            self.last_kernel_time = time;
        }
        match (starts, container_boundary) {
            (false, _) => None,
            (true, true) => Some(BootMark::Container),
            (true, false) => Some(BootMark::Kernel),
        }
    }
}

/// Where a boot boundary came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootMark {
    /// The container said so (journal separator, `_BOOT_ID`): certain.
    Container,
    /// Kernel time or banners: a replay of the boot looks the same at first.
    Kernel,
}

/// Timed records of a boot kept to recognise a replay of it: the first ones after time zero
/// (the records at 0.000000 are the same in every boot of one kernel on one machine).
const REPLAY_WINDOW: usize = 48;

/// A timed record's fingerprint: its time and a hash of its text.
type Print = (BootTime, u64);

fn print_of(record: &LogRecord) -> Option<Print> {
    let time = record.time.filter(|t| t.0 > 0)?;
    Some((time, super::events::text_hash(&record.text)))
}

/// What `ReplayCheck::see` concluded about the boot that started last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replay {
    /// Nothing to decide, or not yet decided.
    Undecided,
    /// Its records repeat the boot before it: it is a replay of that boot.
    OfPreviousBoot,
}

/// Follows the records after a kernel-marked boundary and says when they turn out to be a
/// replay of the boot before (see the module documentation). Memory: two windows of prints.
#[derive(Debug, Default)]
pub struct ReplayCheck {
    /// The current boot's first prints.
    current: Vec<Print>,
    /// While a kernel-marked boot is unconfirmed: its first prints, and how many of `current`
    /// its records have repeated, in order.
    candidate: Option<(Vec<Print>, usize)>,
}

impl ReplayCheck {
    /// A boot starts with the next record.
    pub fn start(&mut self, mark: BootMark) {
        match mark {
            BootMark::Container => {
                self.current.clear();
                self.candidate = None;
            }
            BootMark::Kernel => {
                if let Some((prints, _)) = self.candidate.take() {
                    // The boot before was not a replay: it is the one a replay would repeat.
                    self.current = prints;
                }
                self.candidate = Some((Vec::new(), 0));
            }
        }
    }

    /// Whether `see` reads the next record's text: most records of a boot are past its window
    /// and no replay is pending (no hashing).
    pub fn reads_next(&self) -> bool {
        self.candidate.is_some() || self.current.len() < REPLAY_WINDOW
    }

    pub fn see(&mut self, record: &LogRecord) -> Replay {
        if !self.reads_next() {
            return Replay::Undecided;
        }
        let Some(print) = print_of(record) else {
            return Replay::Undecided;
        };
        let Some((prints, matched)) = &mut self.candidate else {
            if self.current.len() < REPLAY_WINDOW {
                self.current.push(print);
            }
            return Replay::Undecided;
        };
        if prints.len() < REPLAY_WINDOW {
            prints.push(print);
        }
        let Some(expected) = self.current.get(*matched) else {
            return Replay::Undecided;
        };
        if print == *expected {
            *matched += 1;
            if *matched == self.current.len() {
                self.candidate = None;
                return Replay::OfPreviousBoot;
            }
        } else if print.0 > expected.0 {
            // A replay shows every record of the boot at its time: this one went past a record
            // it did not repeat, so it is a boot of its own.
            if let Some((prints, _)) = self.candidate.take() {
                self.current = prints;
            }
        }
        Replay::Undecided
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    fn record(time: Option<u64>, text: &str) -> LogRecord {
        LogRecord {
            origin: Origin::new(&"log".into(), 1),
            time: time.map(BootTime),
            wall: None,
            seq: None,
            level: None,
            facility: None,
            caller: None,
            device: None,
            text: text.to_string(),
        }
    }

    fn starts(records: &[(Option<u64>, &str, bool)]) -> Vec<bool> {
        let mut splitter = BootSplitter::default();
        records
            .iter()
            .map(|(time, text, marked)| splitter.starts_boot(&record(*time, text), *marked).is_some())
            .collect()
    }

    #[test]
    fn banners_start_a_boot_once_per_boot() {
        // fixtures/qemu/virtio-iommu-arm64-6.12/V5-two-boots/console.log: arm64 prints both
        // banners at 0.000000; the second kernel prints them again.
        assert_eq!(
            starts(&[
                (
                    Some(0),
                    "Booting Linux on physical CPU 0x0000000000 [0x411fd070]",
                    false
                ),
                (Some(0), "Linux version 6.12.0 (builder@lab) #1 SMP", false),
                (Some(5_000_000), "reboot: Restarting system", false),
                (
                    Some(0),
                    "Booting Linux on physical CPU 0x0000000000 [0x411fd070]",
                    false
                ),
                (Some(0), "Linux version 6.12.0 (builder@lab) #1 SMP", false),
            ]),
            vec![false, false, false, true, false]
        );
        // Without time stamps (dmesg -t, journalctl -o cat): the banner alone.
        assert_eq!(
            starts(&[
                (None, "Linux version 6.1.0", false),
                (None, "Kernel command line: console=ttyAMA0", false),
                (None, "Linux version 6.1.0", false),
            ]),
            vec![false, false, true]
        );
        // The same console as `dmesg -t` prints it: the second boot starts at arm64's first
        // banner, not at the version line after it.
        assert_eq!(
            starts(&[
                (
                    None,
                    "Booting Linux on physical CPU 0x0000000000 [0x411fd070]",
                    false
                ),
                (None, "Linux version 6.12.0 (builder@lab) #1 SMP", false),
                (None, "reboot: Restarting system", false),
                (
                    None,
                    "Booting Linux on physical CPU 0x0000000000 [0x411fd070]",
                    false
                ),
                (None, "Linux version 6.12.0 (builder@lab) #1 SMP", false),
            ]),
            vec![false, false, false, true, false]
        );
    }

    #[test]
    fn time_going_back_to_zero_or_the_container_starts_a_boot() {
        assert_eq!(
            starts(&[
                (Some(0), "Linux version 6.1.0", false),
                (
                    Some(12_000_000),
                    "virtio-pci 0000:00:03.0: enabling device",
                    false
                ),
                (Some(11_900_000), "interleaved from another CPU", false),
                (Some(300), "Machine model: linux,dummy-virt", false),
                (Some(400), "next boot, same banner-less start", true),
                (
                    Some(11_000_000),
                    "exynos-mixer 14450000.mixer: Adding to iommu group 3",
                    false
                ),
                // fixtures/public/exynos5410-odroidxu-hdmi-mixer-sysmmu-devlink-deferral.txt:
                // a second `dmesg | grep` of the same boot.
                (
                    Some(207_251),
                    "platform 14450000.mixer: Linked as a sync state only consumer",
                    false
                ),
            ]),
            vec![false, false, false, true, true, false, false]
        );
    }

    #[test]
    fn a_replay_of_the_boot_is_no_boot_and_a_reboot_is() {
        // A console (fewer records: the console loglevel), the guest's `dmesg` of the same boot
        // (every record, same times), then a reboot of the same kernel (same first records at
        // time zero, other times after).
        let console = [(0, "Booting Linux"), (100, "a"), (300, "c"), (400, "d")];
        let replay = [
            (0, "Booting Linux"),
            (100, "a"),
            (200, "debug b"),
            (300, "c"),
            (400, "d"),
        ];
        let reboot = [(0, "Booting Linux"), (100, "a"), (250, "b")];
        let mut check = ReplayCheck::default();
        let mut verdicts = Vec::new();
        for (part, records) in [&console[..], &replay[..], &reboot[..]].into_iter().enumerate() {
            if part > 0 {
                check.start(BootMark::Kernel);
            }
            for (time, text) in records {
                verdicts.push(check.see(&record(Some(*time), text)));
            }
        }
        let replays: Vec<usize> = verdicts
            .iter()
            .enumerate()
            .filter(|(_, v)| **v == Replay::OfPreviousBoot)
            .map(|(at, _)| at)
            .collect();
        // The replay is recognised at its record "d"; the reboot never.
        assert_eq!(replays, vec![console.len() + 4]);
    }
}
