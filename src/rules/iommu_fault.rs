//! `iommu-fault`: an IOMMU reported a translation fault or event: Exynos/Samsung SysMMU fault
//! lines (decoded by the SysMMU decoder), Arm SMMU events and context faults, Intel VT-d and
//! AMD-Vi faults, tied to the master device (by the line itself, or the stream ID mapped back
//! through the device tree), and told apart by when the master bound: before its IOMMU (the
//! probe-order race), or not yet at all (DMA left running by the bootloader).

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::iommu_order::Verdict;
use crate::model::{BindBasis, Boot, Evidence, FactKind, IommuVia, SmmuEventKind};

pub static META: RuleMeta = RuleMeta {
    code: "PS105",
    name: "iommu-fault",
    severity: Severity::Error,
    summary: "An IOMMU reported a fault for one of its masters",
    explanation: r#"## What it detects
Fault reports of IOMMUs in the kernel log:
- Exynos SysMMU (mainline `exynos-iommu`, every era: `<sysmmu>: <master>: [READ] PAGE FAULT
  occurred at 0x...`, the 3.x `... occurred at ... by <sysmmu>(Page table base: ...)`) and the
  Samsung downstream driver (`From [<port>], SysMMU WRITE PAGE FAULT at 0x...`);
- Arm SMMUv3 event records (`event 0xNN received:` with its four dwords; the StreamID is mapped
  back to the device through `iommu-map` or `iommus`) and SMMUv1/v2 context faults
  (`Unhandled context fault: fsr=..., iova=..., cbfrsynra=...`);
- Intel VT-d (`DMAR: [DMA Read] Request device [bb:dd.f] fault addr ... [fault reason ...]`, the
  `NO_PASID`/`PASID` forms of v5.13+, and interrupt-remapping faults `[INTR-REMAP]`);
- AMD-Vi (`AMD-Vi: Event logged [IO_PAGE_FAULT device=bb:dd.f domain=... address=...
  flags=...]`, and the newer form printed by the device itself, `<driver> <device>: AMD-Vi:
  Event logged [IO_PAGE_FAULT domain=... address=... flags=...]`).

Where the log shows when the master bound, the finding says which of two different problems
it is: the master probed before its IOMMU (its DMA was never set up through the IOMMU), or the
master had not bound at all when it faulted — then Linux never started that DMA: the bootloader
or firmware left the device running (a display controller scanning out its splash screen), and
the IOMMU blocked it the moment it was enabled. Without a bind line from the driver core (or
initcall_debug) the finding says neither.

## Why it matters
A fault means a DMA transfer hit an address the IOMMU could not translate: the master read or
wrote the wrong memory, or — the case this tool is built for — it probed before its IOMMU and
issues physical addresses that the IOMMU, enabled later, rejects (`C_BAD_STREAMID`: no stream
table entry for a device never attached).

## Example
```
exynos-sysmmu 14640000.sysmmu: 14400000.fimd: PAGE FAULT occurred at 0x20000000
arm-smmu-v3 9050000.smmuv3: event 0x02 received:   (C_BAD_STREAMID, StreamID 0x100)
```

## How to fix it
If the master probed before its IOMMU (see `iommu-consumer-probed-before-iommu` for the same
device), fix the probe order first. If it had not bound yet, describe the memory the device
keeps using so that the IOMMU maps it from the start: a `reserved-memory` region with
`iommu-addresses` for the device (Documentation/devicetree/bindings/reserved-memory), an
identity mapping (ACPI RMRR/IVMD, or the IOMMU driver's identity domain for the device), or
stop the DMA in the bootloader before the kernel starts. Otherwise decode the fault: `probescope sysmmu fault --log
FILE` (with `--regs` and `--mem` dumps for the page-table walk) tells whether the address was
never mapped, unmapped too early, or mapped without the needed permission.

## Kernel references
`drivers/iommu/exynos-iommu.c` `exynos_sysmmu_irq()`, `show_fault_information()`;
`drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c` `arm_smmu_evtq_thread()`;
`drivers/iommu/arm/arm-smmu/arm-smmu.c` `arm_smmu_context_fault()`;
`drivers/iommu/intel/dmar.c` `dmar_fault_do_one()`; `drivers/iommu/amd/iommu.c`
`amd_iommu_report_page_fault()`, `iommu_print_event()`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[
        Example::capture(
            "fixtures/public/cavium-cn8xx-arm-smmu-unhandled-context-fault.txt",
            "Arm SMMU context faults on a Cavium board.",
        ),
        Example::capture(
            "fixtures/public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt",
            "An Exynos SysMMU page fault of the display controller.",
        ).about(&["14400000.fimd"]),
        Example::capture(
            "fixtures/public-extra/iommu-faults/amd-vi-io-page-fault-device-prefix-ath10k.txt",
            "AMD-Vi IO_PAGE_FAULT events printed by the faulting Wi-Fi card itself.",
        ).about(&["0000:01:00.0"]),
    ],
    clean: &[
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S7-notimeout-late",
            "The same late SMMU, but every function waited, joined a group and made no fault.",
        ),
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S2-smmu-late",
            "An SMMU event (C_BAD_STREAMID) from a function that probed before the SMMU: the race's own finding (PS101) cites it, so no PS105 repeats it.",
        ),
    ],
};

pub struct IommuFault;

/// Faults of one (IOMMU, master, kind), gathered.
struct Gathered {
    /// The IOMMU device, when the report names one.
    iommu: Option<String>,
    /// The IOMMU as the finding names it when no device is named (`Intel VT-d`, `AMD-Vi`).
    reporter: Option<&'static str>,
    master: Option<String>,
    kind: String,
    /// What the first report says about the cause (VT-d's fault reason, AMD-Vi's flags).
    detail: Option<String>,
    /// Position in the log of the first report.
    first_index: u64,
    addresses: Vec<String>,
    evidence: Vec<Evidence>,
}

/// One fault report, as the rule gathers it.
struct Report {
    iommu: Option<String>,
    reporter: Option<&'static str>,
    master: Option<String>,
    kind: String,
    detail: Option<String>,
    address: Option<String>,
    index: u64,
    evidence: Evidence,
}

/// Whether the log proves the master had not bound when it first faulted: the driver core's
/// (or initcall_debug's) line for its bind comes after the fault. A line merely printed by its
/// driver proves nothing about when the bind happened, and no bind line at all is unknown.
fn bound_only_after(boot: &Boot, master: &str, fault_index: u64) -> Option<Evidence> {
    // The earliest sign of its probe: a line printed by its driver proves nothing of when
    // the probe began, so only the driver core's and initcall_debug's lines count.
    let bind = boot.probe_evidence(boot.find(master)?)?;
    let strong = matches!(
        bind.basis,
        BindBasis::DriverBoundLine | BindBasis::ProbeReturnedSuccess | BindBasis::WentAheadIgnoringDependency
    );
    (strong && bind.position.log_index().is_some_and(|index| index > fault_index)).then_some(bind.evidence)
}

/// The device behind an SMMU stream ID: through an `iommu-map` edge, or an `iommus` specifier
/// whose first cell is the stream ID.
fn master_of_stream(boot: &Boot, iommu: &str, stream_id: u32) -> Option<String> {
    let iommu_id = boot.find(iommu)?;
    for edge in boot.iommu_edges.iter().filter(|e| e.iommu == iommu_id) {
        for via in &edge.via {
            if matches!(via, IommuVia::DtIommuMap { stream_id: sid, .. } if *sid == stream_id) {
                return Some(boot.device(edge.consumer).name.clone());
            }
        }
    }
    let tree = boot.device_tree.as_ref()?;
    let iommu_path = boot.device(iommu_id).dt_path.as_deref()?;
    tree.nodes.iter().find_map(|node| {
        node.iommus
            .iter()
            .any(|spec| tree.node(spec.iommu).path == iommu_path && spec.args.first() == Some(&stream_id))
            .then(|| node.device_name.clone())
            .flatten()
    })
}

/// SMMUv3 event names: the architecture's names (Arm IHI 0070, "Event records") for the ids
/// `drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h` defines as `EVT_ID_*` and those it prints raw.
fn smmu_v3_event_name(event: u32) -> &'static str {
    match event {
        0x01 => "F_UUT",
        0x02 => "C_BAD_STREAMID",
        0x03 => "F_STE_FETCH",
        0x04 => "C_BAD_STE",
        0x05 => "F_BAD_ATS_TREQ",
        0x06 => "F_STREAM_DISABLED",
        0x07 => "F_TRANSL_FORBIDDEN",
        0x08 => "C_BAD_SUBSTREAMID",
        0x09 => "F_CD_FETCH",
        0x0a => "C_BAD_CD",
        0x0b => "F_WALK_EABT",
        0x10 => "F_TRANSLATION",
        0x11 => "F_ADDR_SIZE",
        0x12 => "F_ACCESS",
        0x13 => "F_PERMISSION",
        0x20 => "F_TLB_CONFLICT",
        0x21 => "F_CFG_CONFLICT",
        0x24 => "E_PAGE_REQUEST",
        0x25 => "F_VMS_FETCH",
        _ => "event",
    }
}

impl Rule for IommuFault {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        // A race consumer's faults belong to its PS101/PS102 finding (one cause, one finding).
        fault_findings(boot, analysis)
            .into_iter()
            .filter(|(_, raced)| !raced)
            .map(|(finding, _)| finding)
            .collect()
    }
}

/// The faults of masters that probed before their IOMMU (or without it), as PS105 would
/// word them: the race's own finding cites them.
pub(crate) fn race_faults(boot: &Boot, analysis: &Analysis) -> Vec<Finding> {
    fault_findings(boot, analysis)
        .into_iter()
        .filter(|(_, raced)| *raced)
        .map(|(finding, _)| finding)
        .collect()
}

/// Adds to a race consumer's finding the faults its master caused: what happened next, in its
/// own timeline.
pub(crate) fn cite_faults(finding: &mut Finding, faults: &[Finding]) {
    for fault in faults.iter().filter(|f| f.subject == finding.subject) {
        let what = fault
            .message
            .split(": this master probed before")
            .next()
            .unwrap_or(&fault.message);
        // Where it faulted is in the evidence, cited by file and line.
        finding.message.push_str(&format!("; then it faulted: {what}"));
        finding.evidence.extend(fault.evidence.iter().cloned());
    }
}

/// Every IOMMU fault, one finding per IOMMU, master and kind, and whether its master is a race
/// consumer.
fn fault_findings(boot: &Boot, analysis: &Analysis) -> Vec<(Finding, bool)> {
    {
        let mut gathered: Vec<Gathered> = Vec::new();
        let mut add = |report: Report| {
            let Report {
                iommu,
                reporter,
                master,
                kind,
                detail,
                address,
                index,
                evidence,
            } = report;
            let entry = match gathered
                .iter_mut()
                .find(|g| g.iommu == iommu && g.reporter == reporter && g.master == master && g.kind == kind)
            {
                Some(entry) => entry,
                None => {
                    gathered.push(Gathered {
                        iommu,
                        reporter,
                        master,
                        kind,
                        detail,
                        first_index: index,
                        addresses: Vec::new(),
                        evidence: Vec::new(),
                    });
                    let last = gathered.len() - 1;
                    &mut gathered[last]
                }
            };
            if let Some(address) = address {
                if !entry.addresses.contains(&address) {
                    entry.addresses.push(address);
                }
            }
            entry.evidence.push(evidence);
        };
        for fact in &boot.facts {
            let evidence = fact.evidence.clone();
            match &fact.kind {
                FactKind::SysmmuFault(report) => {
                    if report.format == crate::sysmmu::FaultLineFormat::DownstreamPanic {
                        continue; // repeats a fault already reported by its `From [...]` line
                    }
                    let mut evidence = evidence;
                    if let Some(walked) = analysis.fault_walk(fact.index) {
                        evidence.text = format!("{}{walked}", evidence.text).into();
                    }
                    let access = match report.access {
                        crate::sysmmu::Access::Unknown => String::new(),
                        access => format!(" {access}"),
                    };
                    let kind = format!("{} fault{access}", report.kind_text.trim_end_matches(" FAULT"));
                    add(Report {
                        iommu: report.sysmmu.clone(),
                        reporter: None,
                        master: report.master.clone(),
                        kind,
                        detail: None,
                        address: Some(report.address.to_string()),
                        index: fact.index,
                        evidence,
                    });
                }
                FactKind::SmmuEvent {
                    iommu,
                    event: id,
                    stream_id,
                    iova,
                    kind,
                } => {
                    let master = stream_id.and_then(|sid| master_of_stream(boot, iommu, sid));
                    let sid = stream_id
                        .map(|s| format!(" for StreamID {s:#x}"))
                        .unwrap_or_default();
                    let kind = match kind {
                        SmmuEventKind::V3Event => format!("event {id:#04x} {}{sid}", smmu_v3_event_name(*id)),
                        SmmuEventKind::ContextFault => format!("context fault{sid}"),
                    };
                    add(Report {
                        iommu: Some(iommu.clone()),
                        reporter: None,
                        master,
                        kind,
                        detail: None,
                        address: iova.clone(),
                        index: fact.index,
                        evidence,
                    });
                }
                FactKind::DmaFault(fault) => {
                    let kind = if fault.kind.starts_with("DMA ") || fault.kind.starts_with("interrupt") {
                        format!("{} fault", fault.kind)
                    } else {
                        fault.kind.clone()
                    };
                    add(Report {
                        iommu: None,
                        reporter: Some(fault.remapper.label()),
                        master: fault.device.clone(),
                        kind,
                        detail: fault.detail.clone(),
                        address: fault.address.clone(),
                        index: fact.index,
                        evidence,
                    });
                }
                _ => {}
            }
        }
        let verdicts = analysis.iommu_order();
        gathered
            .into_iter()
            .map(|g| {
                let iommu = g
                    .iommu
                    .clone()
                    .or_else(|| g.reporter.map(str::to_string))
                    .unwrap_or_else(|| "an IOMMU".to_string());
                let subject = g.master.clone().unwrap_or_else(|| iommu.clone());
                let count = g.evidence.len();
                let mut message = match &g.master {
                    Some(master) => format!("{iommu}: {} by {master}", g.kind),
                    None => format!("{iommu}: {}", g.kind),
                };
                if !g.addresses.is_empty() {
                    let shown: Vec<&str> = g.addresses.iter().take(4).map(String::as_str).collect();
                    let more = g.addresses.len().saturating_sub(shown.len());
                    message.push_str(&format!(" at {}", shown.join(", ")));
                    if more > 0 {
                        message.push_str(&format!(" and {more} more"));
                    }
                }
                if let Some(detail) = &g.detail {
                    message.push_str(&format!(" [{detail}]"));
                }
                if count > 1 {
                    message.push_str(&format!(" ({count} reports)"));
                }
                let mut evidence: Vec<Evidence> = g.evidence.iter().take(8).cloned().collect();
                let raced = g
                    .master
                    .as_deref()
                    .and_then(|m| boot.find(m))
                    .is_some_and(|master| {
                        verdicts.iter().any(|v| {
                            v.consumer == master
                                && matches!(
                                    v.verdict,
                                    Verdict::ProbedBefore { .. } | Verdict::WithoutIommu { .. }
                                )
                        })
                    });
                let before_bind = g
                    .master
                    .as_deref()
                    .filter(|_| !raced && !g.kind.starts_with("interrupt"))
                    .and_then(|master| bound_only_after(boot, master, g.first_index));
                if raced {
                    message.push_str(
                        ": this master probed before its IOMMU, so its DMA was never set up for it",
                    );
                } else if let Some(bind) = before_bind {
                    // A master that has not bound cannot have started this DMA under Linux:
                    // the firmware or bootloader left it running (a display controller
                    // scanning out its splash screen), and the IOMMU, once enabled, blocks it.
                    message.push_str(&format!(
                        ": this master had not bound yet (its driver bound later, at {}), so the \
                         DMA was left running from before the kernel took over (by the bootloader, \
                         e.g. a display controller scanning out a splash screen) and the IOMMU \
                         blocked it once enabled; give that memory to the device from the start \
                         (a reserved-memory region with `iommu-addresses` for the device, or an \
                         identity/RMRR mapping), or stop the DMA before the kernel starts",
                        bind.origin
                    ));
                    evidence.push(bind);
                }
                let related: Vec<String> = g.iommu.iter().filter(|i| **i != subject).cloned().collect();
                let finding = Finding::new(&META, subject, message)
                    .related(related)
                    .evidence(evidence);
                (finding, raced)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn smmu_v3_event_ids_have_the_architecture_names() {
        // The ids the kernel names (EVT_ID_* in arm-smmu-v3.h, e.g. EVT_ID_VMS_FETCH_FAULT 0x25)
        // and the rest of the architecture's event records, id for id.
        let expected = [
            (0x01, "F_UUT"),
            (0x02, "C_BAD_STREAMID"),
            (0x03, "F_STE_FETCH"),
            (0x04, "C_BAD_STE"),
            (0x05, "F_BAD_ATS_TREQ"),
            (0x06, "F_STREAM_DISABLED"),
            (0x07, "F_TRANSL_FORBIDDEN"),
            (0x08, "C_BAD_SUBSTREAMID"),
            (0x09, "F_CD_FETCH"),
            (0x0a, "C_BAD_CD"),
            (0x0b, "F_WALK_EABT"),
            (0x10, "F_TRANSLATION"),
            (0x11, "F_ADDR_SIZE"),
            (0x12, "F_ACCESS"),
            (0x13, "F_PERMISSION"),
            (0x20, "F_TLB_CONFLICT"),
            (0x21, "F_CFG_CONFLICT"),
            (0x24, "E_PAGE_REQUEST"),
            (0x25, "F_VMS_FETCH"),
        ];
        for (id, name) in expected {
            assert_eq!(super::smmu_v3_event_name(id), name, "event {id:#04x}");
        }
        for unnamed in [0x00, 0x0c, 0x14, 0x22, 0x26, 0xff] {
            assert_eq!(
                super::smmu_v3_event_name(unnamed),
                "event",
                "event {unnamed:#04x}"
            );
        }
    }

    use super::*;
    use crate::analysis::graph::SupplierGraph;
    use crate::analysis::FaultWalks;

    #[test]
    fn an_smmu_event_is_the_fault_of_the_master_its_stream_id_maps_to() {
        // S2: the SMMU came after the timeout and reported `C_BAD_STREAMID for StreamID 0x100`;
        // the device tree's iommu-map (RID = StreamID) makes 0x100 the function 0000:01:00.0,
        // a race consumer, so the fault is its finding, not the SMMU's.
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/qemu/smmuv3-6.1/S2-smmu-late")],
            ..Default::default()
        };
        let (boot, _) = crate::pipeline::analyse(&spec).expect("the capture reads");
        let graph = SupplierGraph::new(&boot);
        let analysis = Analysis::new(&boot, &graph);
        let raced: Vec<(String, String)> = race_faults(&boot, &analysis)
            .into_iter()
            .map(|f| (f.subject, f.message))
            .collect();
        assert_eq!(raced.len(), 1, "{raced:#?}");
        assert_eq!(raced[0].0, "0000:01:00.0");
        assert!(
            raced[0].1.contains("C_BAD_STREAMID for StreamID 0x100"),
            "{raced:#?}"
        );
    }

    #[test]
    fn a_walked_fault_carries_its_walk_in_the_evidence() {
        // A real Exynos SysMMU page fault; the walk text stands for what `live` decodes from
        // register and memory dumps (pipeline::fault_walks), keyed by the fault's log record.
        let boot = crate::pipeline::boot_of_paths(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt")]);
        let graph = SupplierGraph::new(&boot);
        let walks: FaultWalks = boot
            .facts
            .iter()
            .filter(|fact| matches!(fact.kind, FactKind::SysmmuFault(_)))
            .map(|fact| (fact.index, format!(" => walk of record {}", fact.index)))
            .collect();
        assert!(!walks.is_empty(), "the capture has a SysMMU fault");
        let analysis = Analysis::new(&boot, &graph).with_fault_walks(walks.clone());
        let findings = IommuFault.check(&boot, &analysis, &RuleSettings::DEFAULT);
        let texts: Vec<&str> = findings
            .iter()
            .flat_map(|f| f.evidence.iter().map(|e| &*e.text))
            .collect();
        assert!(
            walks
                .values()
                .any(|walk| texts.iter().any(|text| text.ends_with(walk.as_str()))),
            "{texts:?}"
        );
    }

    /// The rule's findings on a fixture.
    fn faults_on(fixture: &str) -> Vec<Finding> {
        crate::rules::findings_on_fixture(fixture)
            .into_iter()
            .filter(|f| f.code == META.code)
            .collect()
    }

    #[test]
    fn a_bad_stream_id_names_the_master_the_iommu_map_gives_it() {
        // S2: the SMMU reports C_BAD_STREAMID for StreamID 0x100 (kmsg.txt:436); the PCIe
        // host's `iommu-map` sends RID 0x100 (bus 1, 0000:01:00.0) to that stream, and that
        // function probed before the SMMU bound (truth.json). So the fault is the race's: PS101
        // cites it and PS105 does not repeat it.
        assert_eq!(
            faults_on("fixtures/qemu/smmuv3-6.1/S2-smmu-late"),
            Vec::<Finding>::new()
        );
        let race: Vec<Finding> = crate::rules::findings_on_fixture("fixtures/qemu/smmuv3-6.1/S2-smmu-late")
            .into_iter()
            .filter(|f| f.code == "PS101" && f.subject == "0000:01:00.0")
            .collect();
        assert_eq!(race.len(), 1, "{race:?}");
        assert!(
            race[0].message.ends_with(
                "; then it faulted: 9050000.smmuv3: event 0x02 C_BAD_STREAMID for StreamID 0x100 by \
                 0000:01:00.0"
            ) && race[0]
                .evidence
                .iter()
                .any(|e| e.origin.to_string().ends_with("S2-smmu-late/kmsg.txt:436")),
            "{}",
            race[0].message
        );
        let (boot, graph) = {
            let spec = crate::ingest::discover::InputSpec {
                paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures/qemu/smmuv3-6.1/S2-smmu-late")],
                ..Default::default()
            };
            let (boot, _) = crate::pipeline::analyse(&spec).expect("the capture reads");
            let graph = crate::analysis::graph::SupplierGraph::new(&boot);
            (boot, graph)
        };
        let analysis = Analysis::new(&boot, &graph);
        let found = race_faults(&boot, &analysis);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].subject, "0000:01:00.0");
        assert_eq!(found[0].related, ["9050000.smmuv3"]);
        assert!(
            found[0].message.starts_with(
                "9050000.smmuv3: event 0x02 C_BAD_STREAMID for StreamID 0x100 by 0000:01:00.0: \
                 this master probed before its IOMMU"
            ),
            "{}",
            found[0].message
        );
        let origins: Vec<String> = found[0].evidence.iter().map(|e| e.origin.to_string()).collect();
        assert!(
            origins.len() == 1 && origins[0].ends_with("S2-smmu-late/kmsg.txt:436"),
            "{origins:?}"
        );
    }

    #[test]
    fn repeated_faults_of_one_stream_are_one_finding_with_their_count() {
        // Ten "Unhandled context fault" reports for StreamID 0x9000 at ten addresses (lines
        // 7-16): the first four addresses are named, the rest counted, the first eight lines cited.
        let found = faults_on("fixtures/public/cavium-cn8xx-arm-smmu-unhandled-context-fault.txt");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].subject, "arm-smmu.1.auto");
        assert!(found[0].related.is_empty());
        assert_eq!(
            found[0].message,
            "arm-smmu.1.auto: context fault for StreamID 0x9000 at 0x8010003f6000, 0x801000036000, \
             0x8010002ee000, 0x8010003c7000 and 6 more (10 reports)"
        );
        let lines: Vec<u32> = found[0].evidence.iter().map(|e| e.origin.line).collect();
        assert_eq!(lines, [7, 8, 9, 10, 11, 12, 13, 14]);
    }

    #[test]
    fn faults_differing_in_iommu_or_stream_are_told_apart_and_one_address_is_not_counted() {
        // The Cavium report's first lines, generated into three streams of faults: as printed
        // (arm-smmu.1.auto, 0x9000), one with another StreamID, one from a second SMMU.
        let original = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/public/cavium-cn8xx-arm-smmu-unhandled-context-fault.txt"),
        )
        .expect("the fixture reads");
        let faults: Vec<&str> = original
            .lines()
            .filter(|line| line.contains("Unhandled context fault"))
            .take(3)
            .collect();
        assert_eq!(faults.len(), 3);
        let log = [
            faults[0].to_string(),
            faults[1].replace("cbfrsynra=0x9000", "cbfrsynra=0x9100"),
            faults[2].replace("arm-smmu.1.auto", "arm-smmu.2.auto"),
        ]
        .join("\n");
        let dir = tempfile::tempdir().expect("a scratch folder");
        let path = dir.path().join("dmesg.txt");
        std::fs::write(&path, log + "\n").expect("the scratch log writes");
        let found = faults_on(path.to_str().expect("a UTF-8 path"));
        let mut messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        messages.sort();
        assert_eq!(
            messages,
            [
                "arm-smmu.1.auto: context fault for StreamID 0x9000 at 0x8010003f6000",
                "arm-smmu.1.auto: context fault for StreamID 0x9100 at 0x801000036000",
                "arm-smmu.2.auto: context fault for StreamID 0x9000 at 0x8010002ee000",
            ]
        );
    }

    #[test]
    fn a_single_page_fault_names_its_master_with_no_count() {
        // Snow's one SysMMU page fault: the master is in the fault line itself.
        let found = faults_on("fixtures/public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].subject, "14400000.fimd");
        assert_eq!(found[0].related, ["14640000.sysmmu"]);
        assert_eq!(
            found[0].message,
            "14640000.sysmmu: PAGE fault by 14400000.fimd at 0x20000000"
        );
    }

    /// A generated case with known truth, for what no capture holds: a platform device behind
    /// an SMMU through an `iommus` specifier whose first cell is its stream ID (`#iommu-cells =
    /// <1>`, as Qualcomm's `apps_smmu` consumers have), the second master on another SMMU.
    #[test]
    fn a_stream_id_is_the_master_whose_iommus_specifier_names_it_on_that_smmu() {
        use crate::model::dt::{DeviceTree, DtNode, DtNodeId, IommuSpecifier};
        use crate::model::{Boot, Device};
        let node = |path: &str, device: &str, iommus: Vec<IommuSpecifier>| DtNode {
            path: path.to_string(),
            parent: None,
            name: path.trim_start_matches('/').to_string(),
            unit_address: None,
            compatible: Vec::new(),
            phandle: None,
            enabled: true,
            reg_address: None,
            device_name: Some(device.to_string()),
            iommu_cells: None,
            iommus,
            iommu_map: Vec::new(),
            iommu_map_mask: None,
            pci_domain: None,
            suppliers: Vec::new(),
        };
        let spec = |iommu: usize, sid: u32| IommuSpecifier {
            iommu: DtNodeId(iommu),
            args: vec![sid, 0],
        };
        let tree = DeviceTree {
            source: "generated.dtb".into(),
            nodes: vec![
                node("/smmu@15000000", "15000000.iommu", Vec::new()),
                node("/smmu@16000000", "16000000.iommu", Vec::new()),
                node("/gpu@5000000", "5000000.gpu", vec![spec(0, 0x880)]),
                node("/venus@aa00000", "aa00000.video-codec", vec![spec(1, 0xc00)]),
            ],
        };
        let mut boot = Boot::default();
        for (name, path) in [
            ("15000000.iommu", "/smmu@15000000"),
            ("16000000.iommu", "/smmu@16000000"),
        ] {
            boot.add_device(Device {
                name: name.to_string(),
                dt_path: Some(path.to_string()),
                ..Device::default()
            });
        }
        boot.device_tree = Some(tree);
        let master = |iommu: &str, sid: u32| super::master_of_stream(&boot, iommu, sid);
        assert_eq!(master("15000000.iommu", 0x880).as_deref(), Some("5000000.gpu"));
        assert_eq!(
            master("16000000.iommu", 0xc00).as_deref(),
            Some("aa00000.video-codec")
        );
        // The same stream ID on the other SMMU, or another ID on this one, is no master.
        assert_eq!(master("16000000.iommu", 0x880), None);
        assert_eq!(master("15000000.iommu", 0xc00), None);
        assert_eq!(master("15000000.iommu", 0x881), None);
    }
}
