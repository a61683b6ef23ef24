//! `probescope why DEVICE`: the chain from a deferred, unbound or late device to what really
//! blocks it, step by step with evidence.

use crate::analysis::blockers::{DeviceStatus, Moment};
use crate::analysis::graph::SupplierGraph;
use crate::analysis::iommu_order::{self, Verdict};
use crate::analysis::Analysis;
use crate::cli::{WhyArgs, WhyFormat};
use crate::commands::live::gather_inputs;
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::model::{Boot, EventKind};
use crate::pipeline;
use crate::report::{
    self,
    why::{RootCauseReport, WhyReport},
};
use crate::sanitize::escape_control;
use std::fmt::Write as _;
use std::io::Write;

pub fn run(args: WhyArgs) -> Result<ExitStatus> {
    let boot = pipeline::boot_of(gather_inputs(&args.input)?, &args.input.inputs)?;
    let graph = SupplierGraph::new(&boot);
    let analysis = Analysis::new(&boot, &graph);
    let mut out = if args.chain {
        chain_in(&analysis, &args.device, args.format)?
    } else {
        explain_in(&analysis, &args.device, args.at.as_deref(), args.format)?
    };
    if args.format == WhyFormat::Text {
        out = crate::report::diagnostic::fit_lines(&out, crate::commands::terminal::width(None));
    }
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitStatus::Clean)
}

/// The explanation of one device, rendered.
pub fn explain(
    boot: &Boot,
    graph: &SupplierGraph,
    device: &str,
    at: Option<&str>,
    format: WhyFormat,
) -> Result<String> {
    explain_in(&Analysis::new(boot, graph), device, at, format)
}

/// Steps deeper than this are indented no further.
const MAX_INDENT: usize = 24;

/// The explanation of one device from the boot's analysis, rendered.
pub fn explain_in(analysis: &Analysis, device: &str, at: Option<&str>, format: WhyFormat) -> Result<String> {
    let boot = analysis.boot();
    // A DT path finds its device even in a log without the device tree (`Boot::find_node`).
    let id = match boot.find_node(device) {
        Some(id) => id,
        None => pipeline::device(boot, device)?,
    };
    let moment = pipeline::moment(boot, at)?;
    let at_moment;
    let blockers = match moment {
        Moment::End => analysis.blockers(),
        Moment::Snapshot(_) | Moment::Time(_) => {
            at_moment = analysis.blockers_at(moment);
            &at_moment
        }
    };
    let status = blockers.status(id);
    let causes = blockers.root_causes(id);
    let name = &boot.device(id).name;
    // The node path once, beside the one name the rest of the output uses.
    let firmware_node = boot
        .device(id)
        .dt_path
        .as_deref()
        .or_else(|| (device.starts_with('/') && !device.starts_with("/sys/")).then_some(device));
    // A bound device can still be "late": bound before its IOMMU, or without it.
    let iommu_notes: Vec<String> = if status == DeviceStatus::Bound && moment == Moment::End {
        analysis
            .iommu_order()
            .iter()
            .filter(|v| v.consumer == id)
            .filter_map(|v| match v.verdict {
                Verdict::ProbedBefore { .. } => Some(format!(
                    "bound before its IOMMU {} bound: its DMA bypasses the IOMMU",
                    iommu_order::iommu_name(boot, v)
                )),
                Verdict::WithoutIommu { .. } => Some(format!(
                    "bound although its IOMMU {} never got a driver",
                    iommu_order::iommu_name(boot, v)
                )),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut iommu_notes = iommu_notes;
    if let Moment::Time(at) = moment {
        if !boot.snapshots.is_empty() {
            // One instant: the log up to it; the sysfs listings came later.
            iommu_notes.push(format!(
                "the log up to {at} s only: the capture's sysfs state (driver links, device links, devices_deferred) was taken at its end, after that instant, and is not used"
            ));
        }
    }
    let mut evidence: Vec<crate::model::Evidence> = boot
        .events_of(id)
        .filter(|e| !matches!(e.kind, EventKind::Bound { .. }) || status == DeviceStatus::Bound)
        .filter(|e| match moment {
            Moment::Time(at) => e.position.time().is_some_and(|time| time <= at),
            _ => true,
        })
        .map(|e| e.evidence.clone())
        .collect();
    evidence.extend(causes.iter().flat_map(|c| c.evidence.iter().cloned()));
    evidence.dedup();
    let state = match status {
        DeviceStatus::Bound => "bound",
        DeviceStatus::Deferred => "deferred",
        DeviceStatus::Unbound => "unbound",
        DeviceStatus::Unknown => "unknown",
    };
    if format == WhyFormat::Json {
        return report::why::render(WhyReport {
            device: name,
            firmware_node,
            state: status,
            moment: at.unwrap_or("end"),
            root_causes: causes.iter().map(RootCauseReport::new).collect(),
            notes: std::borrow::Cow::Borrowed(&iommu_notes),
            evidence: std::borrow::Cow::Borrowed(&evidence),
        });
    }
    let mut out = String::new();
    let node = firmware_node
        .map(|path| format!(" ({})", escape_control(path)))
        .unwrap_or_default();
    let when = match moment {
        Moment::Time(at) => format!(" at {at} s"),
        _ => at
            .map(|a| format!(" at snapshot {a}"))
            .unwrap_or_else(|| " at the end of the capture".into()),
    };
    if status == DeviceStatus::Unknown {
        let _ = writeln!(
            out,
            "Whether {}{node} is bound{when} is unknown: no bind line, failure or snapshot shows it.",
            escape_control(name)
        );
    } else {
        let _ = writeln!(out, "{}{node} is {state}{when}.", escape_control(name));
    }
    for note in &iommu_notes {
        let _ = writeln!(out, "  ! {}", escape_control(note));
    }
    if causes.is_empty() && status != DeviceStatus::Bound {
        let _ = writeln!(out, "  Nothing in the capture names a supplier it waits for.");
    }
    for (n, cause) in causes.iter().enumerate() {
        let _ = writeln!(
            out,
            "\nRoot cause {}: {}",
            n + 1,
            escape_control(&cause.blocker.describe())
        );
        for (depth, step) in cause.steps.iter().enumerate() {
            // Indentation stops growing (deeper steps print their depth), so a chain of
            // 100,000 waits prints in linear size.
            let indent = "  ".repeat(depth.min(MAX_INDENT));
            let level = if depth > MAX_INDENT {
                format!("[{depth}] ")
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {indent}-> {level}{}", escape_control(step));
        }
    }
    if !evidence.is_empty() {
        let _ = writeln!(out, "\nEvidence:");
        for item in &evidence {
            let _ = writeln!(
                out,
                "  {}: {}",
                escape_control(&item.origin.to_string()),
                escape_control(&item.text)
            );
        }
    }
    Ok(out)
}

/// `why DEVICE --chain`: the suppliers that gated the device's bind, each with the instant it
/// became ready (`analysis::critical_chain`), rendered.
pub fn chain_in(analysis: &Analysis, device: &str, format: WhyFormat) -> Result<String> {
    use crate::analysis::critical_chain::{critical_chain, Readiness};
    use crate::report::why::{ChainLinkReport, ChainReport, NotWaitedReport, ReadyReport};
    let boot = analysis.boot();
    let id = match boot.find_node(device) {
        Some(id) => id,
        None => pipeline::device(boot, device)?,
    };
    let chain = critical_chain(analysis, id);
    let name = |id: crate::model::DeviceId| boot.device(id).name.clone();
    let ready = |ready: &Readiness| match ready {
        Readiness::At(bind) => ReadyReport {
            state: "at",
            seconds: bind.position.time().map(|t| t.as_secs_f64()),
            basis: Some(bind.basis.describe().into()),
            evidence: Some(bind.evidence.clone()),
        },
        Readiness::Never => ReadyReport {
            state: "never",
            seconds: None,
            basis: None,
            evidence: None,
        },
        Readiness::Unknown => ReadyReport {
            state: "unknown",
            seconds: None,
            basis: None,
            evidence: None,
        },
    };
    let report = ChainReport {
        device: name(id),
        state: analysis.blockers().status(id),
        blocked: chain.blocked,
        chain: chain
            .links
            .iter()
            .map(|link| ChainLinkReport {
                device: name(link.device),
                via: link.kind.map(|k| k.as_str().to_string()),
                ready: ready(&link.ready),
            })
            .collect(),
        not_waited: chain
            .not_waited
            .iter()
            .map(|n| NotWaitedReport {
                consumer: name(n.consumer),
                supplier: name(n.supplier),
                via: n.kind.as_str().to_string(),
                iommu: n.iommu.filter(|iommu| *iommu != n.supplier).map(name),
                ready: ready(&n.ready),
                order: match n.order {
                    Some(std::cmp::Ordering::Greater) => "after",
                    _ => "unknown",
                },
            })
            .collect(),
    };
    if format == WhyFormat::Json {
        return report::why::render_chain(report);
    }
    let when = |ready: &ReadyReport| match (ready.state, ready.seconds) {
        ("at", Some(seconds)) => format!("@{seconds:.6} s"),
        ("at", None) => "@(no timestamp)".to_string(),
        ("never", _) => "never ready".to_string(),
        _ => "ready: unknown".to_string(),
    };
    let whence = |ready: &ReadyReport| match (&ready.basis, &ready.evidence) {
        (Some(basis), Some(evidence)) => {
            format!(" ({basis}, {})", escape_control(&evidence.origin.to_string()))
        }
        _ => String::new(),
    };
    let mut out = String::new();
    if report.blocked {
        let _ = writeln!(
            out,
            "{} is not bound: the chain of waits to what blocks it (as `probescope why` follows it).",
            escape_control(&report.device)
        );
    } else {
        let _ = writeln!(
            out,
            "The instant each device became ready follows \"@\"; the time from a supplier's readiness \
             to its consumer's bind follows \"+\"."
        );
    }
    let _ = writeln!(out);
    for (depth, link) in report.chain.iter().enumerate() {
        let indent = "  ".repeat(depth.saturating_sub(1).min(MAX_INDENT));
        let branch = if depth == 0 { "" } else { "└─" };
        let gap = match (
            depth.checked_sub(1).and_then(|d| report.chain.get(d)),
            link.ready.seconds,
        ) {
            (Some(consumer), Some(supplier)) if !report.blocked => consumer
                .ready
                .seconds
                .map(|c| format!(" +{:.6} s", c - supplier))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let via = link.via.as_ref().map(|v| format!(" [{v}]")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{indent}{branch}{} {}{gap}{via}{}",
            escape_control(&link.device),
            when(&link.ready),
            whence(&link.ready)
        );
    }
    for skipped in &report.not_waited {
        let _ = writeln!(
            out,
            "  ! {} did not wait for {}{} [{}]: {}{}{}",
            escape_control(&skipped.consumer),
            escape_control(&skipped.supplier),
            skipped
                .iommu
                .as_ref()
                .map(|iommu| format!(" (registers IOMMU {})", escape_control(iommu)))
                .unwrap_or_default(),
            skipped.via,
            when(&skipped.ready),
            if skipped.order == "after" {
                ", after it bound"
            } else {
                ", not ordered against its bind by the evidence"
            },
            whence(&skipped.ready)
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_an_instant_the_log_up_to_it_speaks_and_the_later_snapshots_do_not() {
        // S2: the SMMU's driver printed at 12.527461 s; the sysfs listings were taken at the end.
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/qemu/smmuv3-6.1/S2-smmu-late")],
            ..Default::default()
        };
        let (boot, _) = crate::pipeline::analyse(&spec).expect("the capture reads");
        let graph = SupplierGraph::new(&boot);
        let text =
            explain(&boot, &graph, "9050000.smmuv3", Some("10s"), WhyFormat::Text).expect("why at 10 s");
        assert!(
            text.starts_with("Whether 9050000.smmuv3 (/smmuv3@9050000) is bound at 10.000000 s is unknown"),
            "{text}"
        );
        assert!(
            text.contains("was taken at its end, after that instant, and is not used"),
            "{text}"
        );
        let at_end = explain(&boot, &graph, "9050000.smmuv3", None, WhyFormat::Text).expect("why at the end");
        assert!(
            at_end.starts_with("9050000.smmuv3 (/smmuv3@9050000) is bound at the end of the capture."),
            "{at_end}"
        );
    }
}
