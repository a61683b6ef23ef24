//! A kernel log that is still being written (`probescope watch`), analysed as it grows.
//!
//! Lines arrive one by one (from `/dev/kmsg`, an SSH session reading it, a FIFO or a serial
//! console); [`LogStream`] keeps them, drops the /dev/kmsg records it has already seen (a
//! reconnection reads the kernel's buffer from its start again) and notes the records that were
//! lost (a sequence number skipped: the kernel overwrote them before they were read). Each
//! analysis step runs the very pipeline `check` runs ([`super::outcomes_of`]) on the lines so
//! far, so the last step on the whole stream *is* `check` of that stream.
//!
//! Which findings are shown before the end ([`certain_now`]): only those no later record can
//! take back. Whether a device *still* waits, or an IOMMU *never* registered, is known only when
//! the kernel has stopped waiting (the deferred-probe timeout, `drivers/base/dd.c`
//! `deferred_probe_timeout_work_func()`): [`SettleClock`] says when that is.

use super::{outcomes_of, PlannedBoot, RunOptions};
use crate::analysis::graph::SupplierGraph;
use crate::analysis::Analysis;
use crate::error::Result;
use crate::ingest::discover::{gather, InputSpec, ReadLog};
use crate::ingest::log::parse_kmsg_header;
use crate::ingest::BootInputs;
use crate::model::{Boot, BootTime, FactKind};
use crate::report::BootOutcome;
use crate::rules::Finding;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

/// The rules whose findings no later record can take back, by the kernel's own logic:
///
/// - PS103 rests on "deferred probe timeout, ignoring dependency" (`of_iommu_configure()` /
///   `driver_deferred_probe_check_state()`): printed only while the IOMMU is not registered,
///   so the consumer's probe went ahead without it, whatever follows.
/// - PS101 rests on a bind of the consumer and a later bind of its IOMMU: both are in the past.
/// - PS105 rests on a fault report the IOMMU driver printed.
/// - PS207 rests on an oops, BUG, WARN or panic report, once its end marker is read (see
///   [`certain_now`]).
///
/// Everything else may change with later records (a device still deferred may bind, an IOMMU
/// not yet registered may register, a failed probe may be retried), so it waits for the end.
const CERTAIN_BEFORE_THE_END: &[&str] = &["PS101", "PS103", "PS105", "PS207"];

/// A finding's identity across steps: boot (by position), rule, subject and related devices,
/// as a baseline identifies it; its message and evidence may grow as the log does. A kernel
/// report's (PS207) related devices are the devices each repeat of it hit, so a later repeat
/// adds to them: its identity is the rule and the function it happened in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingKey {
    pub boot: usize,
    pub code: &'static str,
    pub subject: String,
    pub related: Vec<String>,
}

impl FindingKey {
    pub fn of(boot: usize, finding: &Finding) -> FindingKey {
        FindingKey {
            boot,
            code: finding.code,
            subject: finding.subject.clone(),
            related: if finding.code == "PS207" {
                Vec::new()
            } else {
                finding.related.clone()
            },
        }
    }
}

/// What became of one line given to [`LogStream::push_line`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineFate {
    /// Kept.
    Kept,
    /// A /dev/kmsg record (or one of its dictionary lines) already kept: skipped.
    Seen,
    /// Kept, after records were lost: the sequence numbers `from..to` (half-open) never arrived.
    KeptAfterGap(Gap),
    /// Not kept: the stream reached the input size cap.
    OverCap,
}

/// Records of /dev/kmsg that never arrived: sequence numbers `from..to` (half-open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    pub from: u64,
    pub to: u64,
}

impl Gap {
    pub fn describe(&self) -> String {
        let count = self.to - self.from;
        let which = if count == 1 {
            format!("record {}", self.from)
        } else {
            format!("records {}-{}", self.from, self.to - 1)
        };
        if self.from == 0 {
            format!(
                "{which} of the kernel log were no longer in the kernel's buffer when watching began ({count} lost): findings that rest on them are missing"
            )
        } else {
            format!(
                "{which} of the kernel log were lost (the kernel overwrote them before they were read; {count} lost): findings that rest on them are missing"
            )
        }
    }
}

/// The lines of a kernel log received so far.
#[derive(Debug)]
pub struct LogStream {
    /// Cited as the evidence's file and used as the boot's name.
    name: String,
    bytes: Vec<u8>,
    /// The last /dev/kmsg sequence number kept.
    last_seq: Option<u64>,
    /// Inside a record already kept: its dictionary lines are skipped too.
    skipping: bool,
    gaps: Vec<Gap>,
    over_cap: bool,
    /// The kernel time of the last record with one (/dev/kmsg records carry it).
    last_time: Option<BootTime>,
    /// A digest of each kept record's header line, by sequence number: a record read again
    /// matches; one that does not is another boot's (the target rebooted, and its new kernel
    /// numbers records from 0 again).
    kept: HashMap<u64, u64>,
}

impl LogStream {
    pub fn new(name: &str) -> LogStream {
        LogStream {
            name: name.to_string(),
            bytes: Vec::new(),
            last_seq: None,
            skipping: false,
            gaps: Vec::new(),
            over_cap: false,
            last_time: None,
            kept: HashMap::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The log as received, without the records seen twice.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// The kernel time of the last /dev/kmsg record kept.
    pub fn last_time(&self) -> Option<BootTime> {
        self.last_time
    }

    /// Whether the stream reached the input size cap (`--max-input-bytes`); later lines are
    /// not kept.
    pub fn over_cap(&self) -> bool {
        self.over_cap
    }

    /// Takes one line (without its newline). A /dev/kmsg record whose sequence number is not
    /// past the last kept one was kept already (a reconnection reads the kernel's buffer from
    /// its start): it is skipped with its dictionary lines. A number past the next one means
    /// records were lost. Lines in other forms (serial consoles, dmesg) are kept as they come.
    pub fn push_line(&mut self, line: &[u8]) -> LineFate {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_start_matches('\0');
        let mut fate = LineFate::Kept;
        if let Some(header) = parse_kmsg_header(text) {
            let digest = digest(text);
            if self.last_seq.is_some_and(|last| header.seq <= last) {
                // Not kept before watching began (the buffer had lost it): taken as read.
                if self.kept.get(&header.seq).is_none_or(|kept| *kept == digest) {
                    self.skipping = true;
                    return LineFate::Seen;
                }
                // Another boot: its records are new, numbered from 0 again.
                self.last_seq = None;
                self.kept.clear();
            }
            self.kept.insert(header.seq, digest);
            self.skipping = false;
            let expected = self.last_seq.map_or(0, |last| last + 1);
            if header.seq > expected {
                let gap = Gap {
                    from: expected,
                    to: header.seq,
                };
                self.gaps.push(gap);
                fate = LineFate::KeptAfterGap(gap);
            }
            self.last_seq = Some(header.seq);
            self.last_time = Some(BootTime(header.usec));
        } else if self.skipping && text.starts_with(' ') {
            return LineFate::Seen;
        } else {
            self.skipping = false;
        }
        if self.over_cap || self.bytes.len() as u64 + line.len() as u64 + 1 > crate::limits::max_input_bytes()
        {
            self.over_cap = true;
            return LineFate::OverCap;
        }
        self.bytes.extend_from_slice(line);
        self.bytes.push(b'\n');
        fate
    }

    /// The stream so far as one boot plan, read as `check` reads a file.
    fn plan(&self) -> StreamPlan<'_> {
        StreamPlan {
            name: &self.name,
            paths: vec![PathBuf::from(&self.name)],
            bytes: &self.bytes,
        }
    }

    /// Every boot of the stream so far, analysed exactly as `check` analyses a file holding it.
    pub fn outcomes(&self, options: &RunOptions) -> Vec<BootOutcome> {
        outcomes_of(&self.plan(), options)
    }

    /// The model of the stream's last boot (the one still running), for the settle clock and the
    /// completeness of its reports; `None` when nothing usable was read yet.
    fn last_boot(&self) -> Option<Boot> {
        let inputs = self.plan().gather().ok()?;
        let mut boots = super::split_boots(inputs);
        let last = boots.pop()?;
        super::boot_of(last, &[]).ok()
    }

    /// One analysis step: every boot's outcome and what the last boot says about settling.
    pub fn step(&self, options: &RunOptions) -> Step {
        let outcomes = self.outcomes(options);
        let (settle, open_splats) = match self.last_boot() {
            Some(boot) => {
                let graph = SupplierGraph::new(&boot);
                let analysis = Analysis::new(&boot, &graph);
                (SettleClock::of(&analysis), open_splats(&boot))
            }
            None => (SettleClock::default(), false),
        };
        Step {
            outcomes,
            settle,
            open_splats,
        }
    }
}

/// A digest of a record's header line (its sequence number, time and text).
fn digest(line: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    line.hash(&mut hasher);
    hasher.finish()
}

/// Whether a report of the boot (oops, BUG, WARN, panic) is still being printed: cut before
/// its call trace or end marker.
fn open_splats(boot: &Boot) -> bool {
    boot.facts
        .iter()
        .any(|fact| matches!(&fact.kind, FactKind::Splat(splat) if splat.incomplete))
}

/// The stream held in memory, as a boot to analyse (the same runner as `check`'s).
struct StreamPlan<'a> {
    name: &'a str,
    paths: Vec<PathBuf>,
    bytes: &'a [u8],
}

impl PlannedBoot for StreamPlan<'_> {
    fn name(&self) -> Option<&str> {
        Some(self.name)
    }

    fn fallback_name(&self) -> String {
        self.name.to_string()
    }

    fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    fn gather(&self) -> Result<BootInputs> {
        gather(&InputSpec {
            read_logs: vec![ReadLog {
                name: self.name.to_string(),
                bytes: Ok(self.bytes.to_vec()),
            }],
            ..InputSpec::default()
        })
    }
}

/// One analysis of the stream so far.
#[derive(Debug)]
pub struct Step {
    pub outcomes: Vec<BootOutcome>,
    pub settle: SettleClock,
    /// The last boot has an oops/WARN report still being printed.
    pub open_splats: bool,
}

/// The findings of `step` that are certain already: every finding of a boot the stream has
/// left (a later boot began: the earlier one is over), and, for the boot still running, those
/// of [`CERTAIN_BEFORE_THE_END`] (PS207 only while no report is still being printed).
pub fn certain_now(step: &Step) -> Vec<(FindingKey, &BootOutcome, &Finding)> {
    let last = step.outcomes.len().saturating_sub(1);
    let mut certain = Vec::new();
    for (index, outcome) in step.outcomes.iter().enumerate() {
        for finding in outcome.findings() {
            let sure = index < last
                || (CERTAIN_BEFORE_THE_END.contains(&finding.code)
                    && !(finding.code == "PS207" && step.open_splats));
            if sure {
                certain.push((FindingKey::of(index, finding), outcome, finding));
            }
        }
    }
    certain
}

/// The keys of every finding of `outcomes` (the final report's, to check the shown ones
/// against).
pub fn keys(outcomes: &[BootOutcome]) -> BTreeSet<FindingKey> {
    outcomes
        .iter()
        .enumerate()
        .flat_map(|(index, outcome)| outcome.findings().iter().map(move |f| FindingKey::of(index, f)))
        .collect()
}

/// When the running boot has settled: the kernel stopped waiting for missing suppliers.
///
/// `drivers/base/dd.c` (v6.x): `deferred_probe_initcall()` (late_initcall) schedules
/// `deferred_probe_timeout_work` `deferred_probe_timeout` seconds later (10 by default with
/// `CONFIG_MODULES`, set by `deferred_probe_timeout=`), every driver registration pushes it
/// back by as much (`deferred_probe_extend_timeout()`), and when it runs it lets consumers go
/// ahead ("ignoring dependency") and prints "deferred probe pending" for each device still
/// waiting. So: settled once that work was seen, or once the timeout has passed since the last
/// probe activity the log shows (a driver registering prints nothing itself; its devices'
/// binds and deferrals do).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettleClock {
    /// The timeout in seconds (`None`: unknown, the kernel's 10 s default is assumed; a
    /// negative value: waits forever).
    pub timeout: Option<f64>,
    /// Where the timeout comes from, for messages.
    pub timeout_source: &'static str,
    /// The timeout's work was seen running at this time.
    pub fired: Option<BootTime>,
    /// The time of the last probe event (bind, deferral, probe failure, ...) or module load.
    pub last_activity: Option<BootTime>,
}

/// How long the kernel must show no probe activity and load no module before `watch
/// --until-settled` calls the boot settled, by default: the kernel's own default
/// deferred-probe timeout (10 s). That default was chosen as the time user space needs to load
/// the modules that provide suppliers, and each driver registration extends the timer by it
/// (`drivers/base/dd.c` `deferred_probe_extend_timeout()`); once the timer has fired the kernel
/// waits for nothing, but an IOMMU module user space loads afterwards (the race's late half:
/// S2's SMMU arrives 5.5 s after the timeout) is still to come, so the end waits as long.
pub const DEFAULT_QUIET_SECONDS: f64 = 10.0;

/// The kernel's default deferred-probe timeout since v6.0 with `CONFIG_MODULES`
/// (`driver_deferred_probe_timeout = 10`).
const DEFAULT_TIMEOUT: f64 = 10.0;

impl SettleClock {
    fn of(analysis: &Analysis) -> SettleClock {
        let budget = analysis.timeout();
        let timeout_source = if budget.configured.is_some() {
            "deferred_probe_timeout= on the command line"
        } else if budget.seconds.is_some() {
            "the default of this kernel version"
        } else {
            "assumed: the kernel's default since v6.0"
        };
        SettleClock {
            timeout: budget.seconds,
            timeout_source,
            fired: budget.fired.as_ref().and_then(|fired| fired.time),
            last_activity: {
                let boot = analysis.boot();
                let probes = boot.events.iter().filter_map(|e| e.position.time());
                let modules = boot
                    .facts
                    .iter()
                    .filter(|f| matches!(f.kind, FactKind::ModuleLoaded { .. }))
                    .filter_map(|f| f.time);
                probes.chain(modules).max()
            },
        }
    }

    /// The kernel time after which nothing more is waited for, plus `margin` seconds; `None`
    /// while nothing tells (no timed record yet), or never (the timeout is disabled). Settled
    /// means both: the deferred-probe timeout is over (its work was seen, or the timeout has
    /// passed since the last activity: every driver registration restarts it), and `quiet`
    /// seconds have passed since the last probe activity or module load.
    pub fn settled_at(&self, margin: f64, quiet: f64) -> Option<BootTime> {
        let quiet_end = self.last_activity.map(|at| at.as_secs_f64() + quiet);
        let timeout_over = match self.fired {
            Some(fired) => fired.as_secs_f64(),
            None => {
                let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
                if timeout < 0.0 {
                    return None;
                }
                self.last_activity?.as_secs_f64() + timeout
            }
        };
        let at = quiet_end.map_or(timeout_over, |quiet_end| quiet_end.max(timeout_over));
        Some(BootTime::from_secs_f64(at + margin))
    }

    /// What [`SettleClock::settled_at`] rests on, for the message at the end.
    pub fn describe(&self, quiet: f64) -> String {
        let quiet_text = self
            .last_activity
            .map(|time| {
                format!("; no probe activity and no module load for {quiet} s since the last at {time} s")
            })
            .unwrap_or_default();
        match (self.fired, self.timeout) {
            (Some(fired), _) => {
                format!("the deferred-probe timeout's work ran at {fired} s{quiet_text}")
            }
            (None, Some(timeout)) if timeout < 0.0 => {
                "deferred_probe_timeout is negative: the kernel waits for suppliers forever".to_string()
            }
            (None, timeout) => format!(
                "a deferred-probe timeout of {} s ({}) has passed since the last probe activity{quiet_text}",
                timeout.unwrap_or(DEFAULT_TIMEOUT),
                self.timeout_source,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_seen_again_are_skipped_with_their_dictionaries_and_lost_ones_are_gaps() {
        let mut stream = LogStream::new("kmsg");
        assert_eq!(stream.push_line(b"6,0,0,-;Booting Linux"), LineFate::Kept);
        assert_eq!(
            stream.push_line(b"6,1,5,-;virtio-pci 0000:00:03.0: enabling device"),
            LineFate::Kept
        );
        assert_eq!(stream.push_line(b" SUBSYSTEM=pci"), LineFate::Kept);
        // A reconnection reads the buffer from its start again.
        assert_eq!(stream.push_line(b"6,0,0,-;Booting Linux"), LineFate::Seen);
        assert_eq!(
            stream.push_line(b"6,1,5,-;virtio-pci 0000:00:03.0: enabling device"),
            LineFate::Seen
        );
        assert_eq!(stream.push_line(b" SUBSYSTEM=pci"), LineFate::Seen);
        assert_eq!(stream.push_line(b"6,2,7,-;next"), LineFate::Kept);
        // Records 3-5 were overwritten before they were read.
        assert_eq!(
            stream.push_line(b"6,6,9,-;after the loss"),
            LineFate::KeptAfterGap(Gap { from: 3, to: 6 })
        );
        assert_eq!(
            stream.bytes(),
            b"6,0,0,-;Booting Linux\n6,1,5,-;virtio-pci 0000:00:03.0: enabling device\n SUBSYSTEM=pci\n6,2,7,-;next\n6,6,9,-;after the loss\n"
        );
        assert_eq!(stream.last_seq(), Some(6));
        assert_eq!(stream.last_time(), Some(BootTime(9)));
        assert!(stream.gaps()[0].describe().contains("records 3-5"));
        // The target rebooted: its new kernel's records start from 0 again and are kept.
        assert_eq!(stream.push_line(b"6,0,0,-;Booting Linux again"), LineFate::Kept);
        assert_eq!(stream.push_line(b"6,1,3,-;second boot"), LineFate::Kept);
        assert_eq!(stream.last_seq(), Some(1));
    }

    #[test]
    fn a_stream_that_starts_late_names_the_records_it_never_had() {
        let mut stream = LogStream::new("kmsg");
        assert_eq!(
            stream.push_line(b"6,40,0,-;first kept"),
            LineFate::KeptAfterGap(Gap { from: 0, to: 40 })
        );
        assert!(stream.gaps()[0]
            .describe()
            .contains("no longer in the kernel's buffer"));
        // Text lines carry no sequence number: kept as they come.
        let mut text = LogStream::new("console");
        assert_eq!(text.push_line(b"[    1.000000] a"), LineFate::Kept);
        assert_eq!(text.push_line(b"[    1.000000] a"), LineFate::Kept);
    }

    #[test]
    fn settling_waits_for_the_timeout_and_for_a_quiet_period_after_the_last_activity() {
        let mut clock = SettleClock {
            timeout: Some(10.0),
            timeout_source: "test",
            fired: None,
            last_activity: Some(BootTime::from_secs_f64(3.0)),
        };
        // The timeout after the last activity, when it is longer than the quiet period.
        assert_eq!(clock.settled_at(1.0, 0.0), Some(BootTime::from_secs_f64(14.0)));
        assert_eq!(clock.settled_at(1.0, 10.0), Some(BootTime::from_secs_f64(14.0)));
        // Its work seen: the quiet period after the last activity decides.
        clock.fired = Some(BootTime::from_secs_f64(7.0));
        assert_eq!(clock.settled_at(1.0, 0.0), Some(BootTime::from_secs_f64(8.0)));
        assert_eq!(clock.settled_at(1.0, 10.0), Some(BootTime::from_secs_f64(14.0)));
        // A module loaded after the timeout (S2: the SMMU at 12.5 s) moves the end.
        clock.last_activity = Some(BootTime::from_secs_f64(12.5));
        assert_eq!(clock.settled_at(0.0, 10.0), Some(BootTime::from_secs_f64(22.5)));
        assert!(clock
            .describe(10.0)
            .contains("no module load for 10 s since the last at 12.5"));
        clock.fired = None;
        clock.timeout = Some(-1.0);
        assert_eq!(clock.settled_at(1.0, 10.0), None);
        clock.timeout = None;
        clock.last_activity = Some(BootTime::from_secs_f64(3.0));
        assert_eq!(clock.settled_at(0.0, 0.0), Some(BootTime::from_secs_f64(13.0)));
    }
}
