//! What a kernel log line says about probing, in typed form. Recognises the driver core's,
//! fw_devlink's, of_iommu's and the IOMMU core's messages in every kernel version listed in
//! `reference/kernel-formats.md` §4 (detected by the strings present, never by version number).
//!
//! `classify` looks at one record at a time. Messages the kernel spreads over several records
//! (an SMMUv3 event and its four dwords) are put together by the log reader
//! (`read_log_events`), which keeps the state that needs.

mod boot;
mod deferral;
mod dma_fault;
mod iommu;
mod links;
pub mod prefix;
mod probe;

use super::log::LogRecord;
use super::LogEvent;
pub use crate::model::{DeferReason, Deferral, SmmuEventKind};
use crate::model::{Evidence, Fact, FactKind};
pub use iommu::{smmu_event_dword, smmu_event_summary};

/// The `<driver-or-bus> <device>: ` prefix of a dev_printk line.
///
/// The first word is the bound or probing driver's name, else the bus name, else the class
/// name (kernel `dev_driver_string()`), so the same device prints as `pci 0000:00:03.0:` while
/// unbound and `virtio-pci 0000:00:03.0:` during and after probe.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DevicePrefix {
    pub driver_or_bus: String,
    pub device: String,
}

/// One recognised message. Device names are kernel device names (`0000:00:03.0`,
/// `13620000.sysmmu`); the prefix word is kept where it tells which driver was bound.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// `Kernel command line: ...`
    CommandLine(String),
    /// `Linux version X ...` (X = the release).
    KernelVersion(String),
    /// `ACPI: SIG 0x<address> <length> (...)`: the firmware handed the kernel this ACPI table.
    AcpiTable { signature: String },
    /// A dev_printk line: the prefix tells whether a driver was bound (or probing). Every
    /// dev_printk line gives one, first, also when it is recognised as something more specific
    /// (which then follows it in `classify`'s result).
    DevicePrint(DevicePrefix),
    /// `deferred probe timeout, ignoring dependency` / `ignoring dependency for device, assuming
    /// no driver`: the device went ahead without an opted-in supplier (an IOMMU).
    IgnoringDependency {
        device: DevicePrefix,
        assumed_no_driver: bool,
    },
    /// `deferred probe pending[: reason]` at the deferred-probe timeout.
    DeferredProbePending {
        device: DevicePrefix,
        deferral: Option<Box<Deferral>>,
    },
    /// A probe deferral shown by the driver core or a driver: `Driver X requests probe
    /// deferral`, `Added to deferred list`, `error -EPROBE_DEFER: ...`, `probe deferral - ...`,
    /// `probe of X returned 517/-517`.
    ProbeDeferred {
        device: String,
        driver: Option<String>,
        deferral: Option<Box<Deferral>>,
    },
    /// `probe of X returned N after M usecs` (initcall_debug), raw value kept.
    ProbeReturned {
        device: String,
        value: i64,
        usecs: Option<u64>,
    },
    /// `driver: 'X': driver_bound: bound to device 'Y'` and its newer dev_dbg form, and
    /// `bus: 'B': really_probe: bound device X to driver Y` (both forms).
    DriverBound { device: String, driver: String },
    /// `bus: 'B': really_probe: probing driver X with device Y` (both forms): a probe begins.
    ProbeStarted { device: String, driver: String },
    /// `device: 'X': device_add` (driver core debug): the device was registered.
    DeviceAdded { device: String },
    /// `device: 'X': device_unregister` (driver core debug): the device is going away (for a
    /// devlink class device `<bus>:<supplier>--<bus>:<consumer>`: the link is deleted).
    DeviceRemoved { device: String },
    /// `probe of X failed with error N` / `probe with driver X failed with error N`.
    ProbeFailed {
        device: String,
        driver: String,
        errno: i32,
    },
    /// `Adding to iommu group N`.
    IommuGroupAdded { device: DevicePrefix, group: u32 },
    /// `Failed to add to iommu group N: E` and `Adding to IOMMU failed: E`.
    IommuGroupFailed { device: DevicePrefix, detail: String },
    /// `late IOMMU probe at driver bind, something fishy here!` (v6.15+).
    LateIommuProbe { device: DevicePrefix },
    /// `iommu configuration for device failed with E` (~v6.8).
    IommuConfigFailed { device: DevicePrefix, error: String },
    /// `Linked as a consumer to S` / `Linked as a sync state only consumer to S`.
    LinkedAsConsumer {
        consumer: String,
        supplier: String,
        sync_state_only: bool,
    },
    /// `Dropping the link to S`.
    DroppingLink { consumer: String, supplier: String },
    /// fw_devlink's fwnode links (pr_debug): `<consumer> Linked as a fwnode consumer to
    /// <supplier>` and `<consumer> Dropping the fwnode link to <supplier>`, with firmware node
    /// names (`%pfwP`, `smmuv3@9050000`, before v6.3; full paths `%pfwf` since), not devices.
    FwnodeLink {
        consumer: String,
        supplier: String,
        dropped: bool,
    },
    /// `Relaxing link with S`.
    RelaxingLink { consumer: String, supplier: String },
    /// `Fixed dependency cycle(s) with N` (both formats) / `Fixing up cyclic dependency with N`.
    CycleFixed { device_or_node: String, with: String },
    /// v6.9+ fw_devlink cycle report lines: `<node>: cycle: depends on <other>` and
    /// `<node>: cycle: child of <other>` (between `----- cycle: start -----` and `end`).
    CycleDetail {
        node: String,
        other: String,
        child_of: bool,
    },
    /// `sync_state() pending due to C`.
    SyncStatePending { supplier: String, consumer: String },
    /// `Extended deferred probe timeout by N secs`.
    TimeoutExtended { secs: u32 },
    /// A module was loaded: initcall_debug `calling X [mod]`, Android init `Loaded kernel module
    /// P`, taint notices (`mod: loading out-of-tree module taints kernel.`, `mod: module
    /// verification failed: ...`). Module names as the kernel knows them (`-` read as `_`).
    ModuleLoaded { module: String },
    /// initcall_debug `calling  F @ pid`: an initcall (or a module's init) starts.
    InitcallStarted {
        function: String,
        module: Option<String>,
    },
    /// initcall_debug `initcall F returned N after M usecs`.
    InitcallReturned {
        function: String,
        module: Option<String>,
        value: i64,
        usecs: Option<u64>,
    },
    /// `Trying to probe devices needed for running init ...` (v6.0+ `wait_for_init_devices_probe()`).
    InitDevicesProbe,
    /// `Run /init as init process`: user space starts (kernel_init() in init/main.c).
    InitProcessStarted { path: String },
    /// PCI host bridge: `pci-host-generic D: PCI host bridge to bus DDDD:BB` (maps the bridge's
    /// platform device to its PCI domain).
    PciHostBridge { bridge: String, domain: u32, bus: u32 },
    /// A PCI function enumerated: `pci DDDD:BB:DD.F: [vvvv:dddd] type ..`.
    PciDevice { device: String },
    /// Arm SMMU v3 event (`event 0xNN received:` and its dwords) or SMMUv2 context fault
    /// (`Unhandled context fault: fsr=..., cbfrsynra=...`). For a v3 event `event` is the event
    /// id and `stream_id` comes from dword 0 bits 63:32 (`EVTQ_0_SID` in
    /// drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h), filled in by `read_log_events` from the
    /// following records; for a context fault `event` is the FSR and `stream_id` the CBFRSYNRA
    /// value (drivers/iommu/arm/arm-smmu/arm-smmu.c, `arm_smmu_context_fault()`).
    SmmuEvent {
        iommu: String,
        event: u32,
        stream_id: Option<u32>,
        text: String,
        kind: SmmuEventKind,
    },
    /// A kernel report put together from its records (`log::splat`); the event's record is
    /// the report's first line.
    // Boxed, as are the faults: a report is rare and large, and every event of a log is as
    // large as the largest variant.
    Splat(Box<crate::model::Splat>),
    /// `exynos-sysmmu <device>: hardware version: X.Y` (exynos-iommu.c, dev_dbg).
    SysmmuVersion {
        device: String,
        version: crate::sysmmu::HwVersion,
    },
    /// An Intel VT-d or AMD-Vi fault line.
    DmaFault(Box<crate::model::DmaFault>),
    /// An Exynos/Samsung SysMMU fault line (any era), parsed by the SysMMU decoder.
    SysmmuFault(Box<crate::sysmmu::FaultReport>),
}

impl Message {
    /// The device the message is about, when it names one (for a link: the consumer; for
    /// `SyncStatePending`: the supplier that waits).
    pub fn device(&self) -> Option<&str> {
        match self {
            Message::DevicePrint(prefix)
            | Message::IgnoringDependency { device: prefix, .. }
            | Message::DeferredProbePending { device: prefix, .. }
            | Message::IommuGroupAdded { device: prefix, .. }
            | Message::IommuGroupFailed { device: prefix, .. }
            | Message::LateIommuProbe { device: prefix }
            | Message::IommuConfigFailed { device: prefix, .. } => Some(&prefix.device),
            Message::ProbeDeferred { device, .. }
            | Message::ProbeReturned { device, .. }
            | Message::DriverBound { device, .. }
            | Message::ProbeStarted { device, .. }
            | Message::DeviceAdded { device }
            | Message::DeviceRemoved { device }
            | Message::ProbeFailed { device, .. }
            | Message::PciDevice { device } => Some(device),
            Message::LinkedAsConsumer { consumer, .. }
            | Message::DroppingLink { consumer, .. }
            | Message::RelaxingLink { consumer, .. } => Some(consumer),
            Message::SyncStatePending { supplier, .. } => Some(supplier),
            Message::PciHostBridge { bridge, .. } => Some(bridge),
            Message::SmmuEvent { iommu, .. } => Some(iommu),
            Message::CommandLine(_)
            | Message::KernelVersion(_)
            | Message::AcpiTable { .. }
            | Message::CycleFixed { .. }
            | Message::CycleDetail { .. }
            | Message::FwnodeLink { .. }
            | Message::TimeoutExtended { .. }
            | Message::ModuleLoaded { .. }
            | Message::InitcallStarted { .. }
            | Message::InitcallReturned { .. }
            | Message::InitDevicesProbe
            | Message::InitProcessStarted { .. }
            | Message::Splat(_)
            | Message::DmaFault(_)
            | Message::SysmmuVersion { .. }
            | Message::SysmmuFault(_) => None,
        }
    }
}

/// The syslog facility of kernel messages; records of any other facility were written by user
/// space (into /dev/kmsg, or into the journal).
const KERNEL_FACILITY: u8 = 0;

/// What `classify` makes of one record: zero or more messages (a record can name a device and
/// be a deferral at once, for instance).
///
/// Records that came from user space (a facility other than 0) are only searched for the user
/// space messages that matter to probing (Android init's module loads): their text is not the
/// kernel's, and must not be mistaken for it.
pub fn classify(record: &LogRecord) -> Vec<Message> {
    let mut messages = Vec::new();
    classify_text(&record.text, is_from_user_space(record), &mut messages);
    messages
}

fn is_from_user_space(record: &LogRecord) -> bool {
    record.facility.is_some_and(|f| f != KERNEL_FACILITY)
}

/// `classify` of a record when a reader may skip what certainly says nothing (no anchor and
/// no dev_printk prefix: `None`); `has_anchor`: whether its text holds one of `ANCHORS`;
/// `holds_fault`: whether it holds one of `FAULT_NEEDLES`, if the reader knows (else the
/// classifier searches). The prefix is looked for once, for the decision and the
/// classification alike.
pub fn classify_unless_silent(
    record: &LogRecord,
    has_anchor: bool,
    holds_fault: Option<bool>,
) -> Option<Vec<Message>> {
    let split = prefix::split(&record.text);
    if !has_anchor && split.prefix.is_none() {
        return None;
    }
    let mut messages = Vec::new();
    classify_text_split(
        &record.text,
        split,
        is_from_user_space(record),
        holds_fault,
        &mut messages,
    );
    Some(messages)
}

/// Whether a line from user space says something `classify` reads (a module load), so a
/// reader should keep it.
pub fn user_space_relevant(text: &str) -> bool {
    let mut scratch = Vec::new();
    boot::user_space_message(text.trim(), &mut scratch)
}

/// Literals one of which is in every text `classify_text` recognises without a dev_printk
/// prefix (a line with a prefix always gives a `DevicePrint`). Kept here, beside the
/// classifier: a message taught to `boot`, `probe`, `links`, the SysMMU or the DMA fault
/// readers that starts with none of these must add its own (the corpus test
/// `prefilter_passes_every_message_of_the_corpus` fails otherwise).
pub const ANCHORS: &[&str] = &[
    // boot::plain_message, user_space_message, module_notice.
    "Kernel command line: ",
    "Linux version ",
    "ACPI: ",
    "calling ",
    "initcall ",
    " as init process",
    "loading out-of-tree module taints kernel",
    "module verification failed",
    "module license ",
    "module is from the staging directory",
    "Loaded kernel module ",
    "Inserted module '",
    // probe::plain_message.
    "probe of ",
    "driver: '",
    "bus: '",
    "device: '",
    "Extended deferred probe timeout by ",
    "Trying to probe devices needed for running init",
    // links::plain_message.
    "Linked as a fwnode consumer to ",
    "Dropping the fwnode link to ",
    "Fixed dependency cycle(s) with ",
    "cycle: ",
    // classify_text's own pre-checks: SysMMU faults, VT-d and AMD-Vi faults.
    "FAULT",
    "occurred at",
    "From [",
    "Request device [",
    "Event logged [",
];

/// An automaton that says whether a text holds one of a few short `literals`, for the
/// prefilters that let most lines of a log skip a reader (`None` if it cannot be built, which
/// it always can: then the callers skip nothing).
pub(crate) fn literal_automaton(literals: &[&str]) -> Option<aho_corasick::AhoCorasick> {
    // Leftmost-first: only then is the automaton's prefilter a SIMD substring search.
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        // Built once per run, searched only where the prefilter finds a candidate: a contiguous
        // NFA builds in a fraction of a DFA's time (a capture folder's run is a few
        // milliseconds) and verifies as fast for these few short patterns.
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
        .build(literals)
        .ok()
}

/// The anchors a message only ever starts with: `do_one_initcall()`'s `calling  %pS @ %i` and
/// `initcall %pS returned %d after %lld usecs` (init/main.c), which `boot::plain_message` reads
/// at the start of a message. With `initcall_debug` they are half of a log's lines: a reader
/// that knows where a line's text starts tests them there ([`leads_with_anchor`]) and searches
/// its buffer only for the others ([`scattered_anchors`]), whose matches are sparse.
const LEADING_ANCHORS: &[&str] = &["calling ", "initcall "];

/// `ANCHORS` but the leading ones: with [`leads_with_anchor`], they say what [`has_anchor`]
/// says wherever it matters (see there).
pub fn scattered_anchors() -> impl Iterator<Item = &'static str> {
    ANCHORS
        .iter()
        .copied()
        .filter(|anchor| !LEADING_ANCHORS.contains(anchor))
}

/// Whether a line's text (after its time stamp) starts with one of the leading anchors, or
/// with the `(NULL device *): ` that the classifier strips before the message (then true: the
/// classifier decides). A line with a leading anchor elsewhere and none of the other anchors
/// is not classified: no classifier reads one there, and a line with a dev_printk prefix is
/// classified anyway.
pub fn leads_with_anchor(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with(prefix::NULL_DEVICE) || LEADING_ANCHORS.iter().any(|anchor| text.starts_with(anchor))
}

/// One automaton over `ANCHORS`, built once.
static ANCHOR_SEARCH: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| literal_automaton(ANCHORS));

/// Whether `text` holds one of `ANCHORS` (true when the automaton could not be built, which
/// it always can: then no line is skipped).
pub fn has_anchor(text: &str) -> bool {
    ANCHOR_SEARCH
        .as_ref()
        .is_none_or(|anchors| anchors.is_match(text))
}

/// `classify` on bare text, appending to `out`.
pub fn classify_text(text: &str, from_user_space: bool, out: &mut Vec<Message>) {
    classify_text_split(text, prefix::split(text), from_user_space, None, out);
}

/// `classify_text` of a text already split at its dev_printk prefix (user space's lines are
/// read whole: a module load names no device).
fn classify_text_split(
    text: &str,
    split: prefix::Split<'_>,
    from_user_space: bool,
    holds_fault: Option<bool>,
    out: &mut Vec<Message>,
) {
    if from_user_space {
        boot::user_space_message(text.trim(), out);
    } else {
        classify_split(text, split, holds_fault, out);
    }
}

/// The literals of `classify_text`'s pre-checks for fault lines, searched for at once: nearly
/// no line holds one, and five substring searches per line cost more than the rest of its
/// classification.
pub const FAULT_NEEDLES: &[&str] = &[
    "FAULT",
    "occurred at",
    "From [",
    "Request device [",
    "Event logged [",
];

static FAULT_SEARCH: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| literal_automaton(FAULT_NEEDLES));

/// `classify_text` of kernel text already split at its dev_printk prefix.
fn classify_split(text: &str, split: prefix::Split<'_>, holds_fault: Option<bool>, out: &mut Vec<Message>) {
    let may_be_fault =
        holds_fault.unwrap_or_else(|| FAULT_SEARCH.as_ref().is_none_or(|needles| needles.is_match(text)));
    // Cheap pre-check: every SysMMU fault format says "FAULT" or "occurred at" or "From [".
    if may_be_fault && (text.contains("FAULT") || text.contains("occurred at") || text.contains("From [")) {
        if let Some(report) = crate::sysmmu::parse_fault_line(text) {
            out.push(Message::SysmmuFault(Box::new(report)));
        }
    }
    match split.prefix {
        Some(prefix) => {
            out.push(Message::DevicePrint(prefix.to_owned()));
            device_message(prefix, split.message.trim_end(), out);
        }
        None => plain_message(split.message.trim_end(), out),
    }
    if let Some(prefix) = split.prefix.filter(|p| p.driver_or_bus == "exynos-sysmmu") {
        if let Some(version) = split
            .message
            .trim()
            .strip_prefix("hardware version: ")
            .and_then(crate::sysmmu::HwVersion::parse)
        {
            out.push(Message::SysmmuVersion {
                device: prefix.device.to_string(),
                version,
            });
        }
    }
    // Cheap pre-check: every VT-d and AMD-Vi fault line says one of these.
    if may_be_fault && (text.contains("Request device [") || text.contains("Event logged [")) {
        if let Some(fault) = dma_fault::dma_fault(split.prefix, split.message) {
            out.push(Message::DmaFault(Box::new(fault)));
        }
    }
}

/// A message printed with a device prefix (dev_printk family).
fn device_message(prefix: prefix::PrefixRef<'_>, message: &str, out: &mut Vec<Message>) {
    let found = probe::device_message(prefix, message)
        .or_else(|| links::device_message(prefix, message))
        .or_else(|| iommu::device_message(prefix, message));
    out.extend(found);
}

/// `name: rest` at the first `": "` (the `pr_fmt`-style prefix of a plain message), found with
/// memchr: plain messages are checked against several such forms, so this must be cheap.
fn split_at_colon(message: &str) -> Option<(&str, &str)> {
    let bytes = message.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b':', &bytes[from..]) {
        let colon = from + found;
        if bytes.get(colon + 1) == Some(&b' ') {
            return Some((&message[..colon], &message[colon + 2..]));
        }
        from = colon + 1;
    }
    None
}

/// `str::split_once` for an ASCII needle, with memchr's substring search: the standard
/// library's builds a two-way searcher per call, which costs more than the short lines it
/// searches (initcall lines are searched this way several hundred thousand times in a long
/// log).
fn split_once_at<'a>(text: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let at = memchr::memmem::find(text.as_bytes(), needle.as_bytes())?;
    Some((&text[..at], &text[at + needle.len()..]))
}

/// `str::rsplit_once` the same way.
fn rsplit_once_at<'a>(text: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let at = memchr::memmem::rfind(text.as_bytes(), needle.as_bytes())?;
    Some((&text[..at], &text[at + needle.len()..]))
}

/// A message without a device prefix (printk/pr_* family).
fn plain_message(message: &str, out: &mut Vec<Message>) {
    if message.is_empty() {
        return;
    }
    if boot::plain_message(message, out) {
        return;
    }
    if probe::plain_message(message, out) {
        return;
    }
    if let Some(found) = links::plain_message(message) {
        out.push(found);
    }
}

/// The boot-wide fact a log event states, if any, read once here so that rules never look at
/// the record's text.
pub fn fact_of(event: LogEvent) -> Option<Fact> {
    // Taken by value: the message's strings move into the fact, not copied then freed.
    let kind = match event.message {
        Message::KernelVersion(release) => FactKind::KernelVersion { release },
        Message::AcpiTable { signature } => FactKind::AcpiTable { signature },
        Message::CommandLine(text) => {
            let mut cmdline = crate::ingest::context::parse_cmdline(&event.origin.file, &text);
            cmdline.origin = Some(event.origin.clone());
            FactKind::CommandLine(cmdline)
        }
        Message::ModuleLoaded { module } => FactKind::ModuleLoaded { module },
        Message::InitcallReturned {
            function,
            module,
            value,
            usecs: Some(usecs),
        } => FactKind::InitcallTimed {
            function,
            module,
            value,
            usecs,
        },
        Message::ProbeReturned {
            device,
            value,
            usecs: Some(usecs),
        } => FactKind::ProbeTimed { device, value, usecs },
        Message::CycleFixed { device_or_node, with } => FactKind::CycleFixed { device_or_node, with },
        Message::SyncStatePending { supplier, consumer } => FactKind::SyncStatePending { supplier, consumer },
        Message::Splat(splat) => FactKind::Splat(*splat),
        Message::SysmmuFault(report) => FactKind::SysmmuFault(*report),
        Message::DmaFault(fault) => FactKind::DmaFault(*fault),
        Message::SysmmuVersion { device, version } => FactKind::SysmmuVersion { device, version },
        Message::SmmuEvent {
            iommu,
            event: id,
            stream_id,
            kind,
            ..
        } => FactKind::SmmuEvent {
            iommu,
            event: id,
            stream_id,
            // SMMUv1/v2 context faults print `iova=0x..., ` in their first line.
            iova: event
                .text
                .split("iova=")
                .nth(1)
                .map(|rest| rest.split(',').next().unwrap_or(rest).trim().to_string()),
            kind,
        },
        _ => return None,
    };
    Some(Fact {
        index: event.index,
        time: event.time,
        evidence: Evidence::new(event.origin, event.text),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::log::{corpus_logs, LogReader};

    /// The reader's gate, as `classify_unless_silent` decides it from the text alone.
    fn may_classify(text: &str) -> bool {
        let mut record = LogRecord::blank(&"test".into());
        record.text = text.to_string();
        classify_unless_silent(&record, has_anchor(text), None).is_some()
    }

    #[test]
    fn the_leading_anchors_are_found_where_a_message_starts_and_the_others_anywhere() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt: initcall_debug lines.
        for text in [
            "calling  arm_smmu_driver_init+0x0/0x1000 [arm_smmu_v3] @ 231",
            "initcall arm_smmu_driver_init+0x0/0x1000 [arm_smmu_v3] returned 0 after 32 usecs",
            "  calling  after spaces",
            "(NULL device *): calling the classifier decides",
        ] {
            assert!(leads_with_anchor(text), "{text}");
        }
        for text in [
            "a line that mentions calling  in its middle",
            "virtio_blk virtio1: [vda] 2097152",
        ] {
            assert!(!leads_with_anchor(text), "{text}");
        }
        let scattered: Vec<&str> = scattered_anchors().collect();
        assert!(scattered.contains(&"probe of "));
        // Every anchor is either leading or scattered.
        for anchor in ANCHORS {
            assert!(
                leads_with_anchor(anchor) != scattered.contains(anchor),
                "{anchor}"
            );
        }
    }

    #[test]
    fn prefilter_passes_every_message_of_the_corpus() {
        // Every record of every log in fixtures/ that `classify` makes something of carries
        // an anchor or a dev_printk prefix: skipping the others loses nothing.
        let logs = corpus_logs();
        assert!(logs.len() > 100, "only {} logs found", logs.len());
        let mut classified = 0;
        for path in logs {
            let file = std::fs::File::open(&path).expect("a fixture");
            let name = path.display().to_string();
            let Ok(reader) = LogReader::open(name.as_str().into(), std::io::BufReader::new(file)) else {
                continue;
            };
            for record in reader {
                if classify(&record).is_empty() {
                    continue;
                }
                classified += 1;
                assert!(
                    may_classify(&record.text),
                    "{name}:{}: {:?} is classified but has no anchor",
                    record.origin.line,
                    record.text
                );
            }
        }
        assert!(classified > 10_000, "only {classified} records classified");
    }

    #[test]
    fn prefilter_rejects_what_no_classifier_reads() {
        for text in [
            "CPU features: detected: Spectre-v2",
            "Memory: 1000000K/1032192K available",
            "Freeing unused kernel memory: 1024K",
            "systemd[1]: Started Journal Service.",
        ] {
            assert!(!may_classify(text), "{text}");
        }
        assert!(may_classify(
            "virtio-pci 0000:00:03.0: enabling device (0000 -> 0003)"
        ));
        assert!(may_classify("calling  virtio_pci_driver_init+0x0/0x1000 @ 1"));
    }
}
