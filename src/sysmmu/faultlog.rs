//! The kernel's SysMMU fault lines, in every era and driver family, and the lines that follow
//! them (page-table base, the lv1/lv2 entries, the hardware version).
//!
//! Formats (see the reference notes and the driver sources):
//! - mainline ≤ 6.2: `<sysmmu>: <master>: <NAME> FAULT occurred at %#x`
//!   (`show_fault_information()`, drivers/iommu/exynos-iommu.c), names such as `PAGE`,
//!   `AR MULTI-HIT`, `AW ACCESS PROTECTION`, `BUS ERROR`;
//! - mainline 6.3+: `<sysmmu>: <master>: [READ|WRITE] <NAME> FAULT occurred at %#x`;
//! - mainline 3.x: `<NAME> occurred at %#x by <sysmmu>(Page table base: %pa)`;
//! - then (dev_dbg) `Page table base: %pa`, `\tLv1 entry: %#x`, `\t Lv2 entry: %#x`;
//! - Samsung downstream: `From [<port>], SysMMU READ|WRITE <NAME> at %#010lx (pgtable @ %pa, …)`
//!   or `(page table @ %pa)`, the panic summary `(<sysmmu>) From [<port>], SysMMU …`, preceded by
//!   `<sysmmu>: [Non-secure] interrupt (N) happened` or `…: irq(N) happened`, followed by
//!   `Lv1 entry: %#010x`, `Lv2 entry: %#010x`, `VERSION %d.%d.%d, MMU_CFG: …`.
//!
//! Lines may carry any log prefix (timestamps, syslog levels, journal fields, indentation): the
//! patterns are searched, not anchored.

use super::addr::{Iova, PhysAddr};
use super::layout::HwVersion;
use super::regs::{Access, FaultKind};
use regex::Regex;
use schemars::JsonSchema;
use serde::Serialize;
use std::io::BufRead;
use std::sync::LazyLock;

/// Which kernel printed the fault line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaultLineFormat {
    /// Mainline before 4.x: `… occurred at … by <sysmmu>(Page table base: …)`.
    MainlineOld,
    /// Mainline up to 6.2: no access direction printed (v1–v6 names may carry AR/AW).
    Mainline,
    /// Mainline 6.3+: `[READ]`/`[WRITE]` printed.
    MainlineAccess,
    /// Samsung downstream `From [<port>], SysMMU …` line.
    Downstream,
    /// Samsung downstream panic summary `(<sysmmu>) From [<port>], SysMMU …` (repeats a fault
    /// already reported by a `From` line).
    DownstreamPanic,
}

/// One SysMMU fault as a kernel line reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct FaultReport {
    /// The SysMMU device (`14640000.sysmmu`), when the line names it.
    pub sysmmu: Option<String>,
    /// The master device (mainline) or the port name (downstream `From [<port>]`).
    pub master: Option<String>,
    pub kind: FaultKind,
    /// The fault name exactly as printed (`AR PAGE`, `L1TLB MULTI-HIT FAULT`).
    pub kind_text: String,
    pub access: Access,
    pub address: Iova,
    /// The lv1 table the line names (3.x mainline, downstream `pgtable @`).
    pub page_table_base: Option<PhysAddr>,
    pub format: FaultLineFormat,
}

static MAINLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(\S+): (\S+): (?:\[(READ|WRITE)\] )?([A-Z][A-Z0-9 -]*?) FAULT occurred at (0[xX][0-9a-fA-F]+|[0-9]+)\b",
    )
    .expect("static regex")
});
static MAINLINE_OLD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([A-Z][A-Z0-9 -]*?) occurred at (0[xX][0-9a-fA-F]+|[0-9]+) by (\S+?)\(Page table base: (0[xX][0-9a-fA-F]+)\)",
    )
    .expect("static regex")
});
static DOWNSTREAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:\((\S+)\) |(\S+): )?From \[([^\]]*)\], SysMMU (READ|WRITE) ([A-Z][A-Z0-9 -]*?) at (0[xX][0-9a-fA-F]+)(?: \((?:pgtable|page table) @ (0[xX][0-9a-fA-F]+))?",
    )
    .expect("static regex")
});

fn parse_number(text: &str) -> Option<u64> {
    if text.starts_with("0x") || text.starts_with("0X") {
        super::addr::parse_hex_u64(text)
    } else {
        // `%#x` prints 0 as "0"; other bare numbers are not printed by these formats.
        text.parse::<u64>().ok()
    }
}

/// A token before `: From [` counts as a device only when it looks like one (`1a510000.sysmmu`),
/// not a `pr_fmt` prefix such as `sysmmu`.
fn device_like(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_digit() || c == '.' || c == '@')
}

/// Recognises one SysMMU fault line (any era, any driver family, any log prefix).
pub fn parse_fault_line(text: &str) -> Option<FaultReport> {
    if let Some(captures) = MAINLINE.captures(text) {
        let kind_text = captures.get(4)?.as_str().to_string();
        let (kind, named_access) =
            FaultKind::from_kernel_name(&kind_text).unwrap_or((FaultKind::Unknown, None));
        let address = u32::try_from(parse_number(captures.get(5)?.as_str())?).ok()?;
        let (access, format) = match captures.get(3).map(|m| m.as_str()) {
            Some("WRITE") => (Access::Write, FaultLineFormat::MainlineAccess),
            Some(_) => (Access::Read, FaultLineFormat::MainlineAccess),
            None => (named_access.unwrap_or(Access::Unknown), FaultLineFormat::Mainline),
        };
        return Some(FaultReport {
            sysmmu: Some(captures.get(1)?.as_str().to_string()),
            master: Some(captures.get(2)?.as_str().to_string()),
            kind,
            kind_text,
            access,
            address: Iova(address),
            page_table_base: None,
            format,
        });
    }
    if let Some(captures) = DOWNSTREAM.captures(text) {
        let kind_text = captures.get(5)?.as_str().to_string();
        let (kind, _) = FaultKind::from_kernel_name(&kind_text).unwrap_or((FaultKind::Unknown, None));
        let address = u32::try_from(parse_number(captures.get(6)?.as_str())?).ok()?;
        let (sysmmu, format) = match (captures.get(1), captures.get(2)) {
            (Some(panic_device), _) => (
                Some(panic_device.as_str().to_string()),
                FaultLineFormat::DownstreamPanic,
            ),
            (None, Some(device)) if device_like(device.as_str()) => {
                (Some(device.as_str().to_string()), FaultLineFormat::Downstream)
            }
            _ => (None, FaultLineFormat::Downstream),
        };
        return Some(FaultReport {
            sysmmu,
            master: Some(captures.get(3)?.as_str().to_string()).filter(|m| !m.is_empty()),
            kind,
            kind_text,
            access: if &captures[4] == "WRITE" {
                Access::Write
            } else {
                Access::Read
            },
            address: Iova(address),
            page_table_base: captures.get(7).and_then(|m| PhysAddr::parse(m.as_str())),
            format,
        });
    }
    if let Some(captures) = MAINLINE_OLD.captures(text) {
        let kind_text = captures.get(1)?.as_str().to_string();
        let (kind, named_access) = FaultKind::from_kernel_name(&kind_text)?;
        let address = u32::try_from(parse_number(captures.get(2)?.as_str())?).ok()?;
        return Some(FaultReport {
            sysmmu: Some(captures.get(3)?.as_str().to_string()),
            master: None,
            kind,
            kind_text,
            access: named_access.unwrap_or(Access::Unknown),
            address: Iova(address),
            page_table_base: captures.get(4).and_then(|m| PhysAddr::parse(m.as_str())),
            format: FaultLineFormat::MainlineOld,
        });
    }
    None
}

/// A fault from a log with what followed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct LoggedFault {
    pub report: FaultReport,
    /// 1-based line of the fault line in the log.
    pub line: u32,
    pub page_table_base: Option<PhysAddr>,
    #[schemars(with = "Option<String>")]
    #[serde(with = "super::addr::hex32::option")]
    pub lv1_entry: Option<u32>,
    #[schemars(with = "Option<String>")]
    #[serde(with = "super::addr::hex32::option")]
    pub lv2_entry: Option<u32>,
    /// The SysMMU's hardware version when the log printed it (mainline `hardware version: %d.%d`
    /// with dyndbg, Samsung `initialized IOMMU. Ver` or the `VERSION` line of its fault dump).
    pub version: Option<HwVersion>,
    /// The log lines read for this fault (fault line first), escaped.
    pub evidence: Vec<String>,
}

static PT_BASE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Page table base(?: of driver)?: (0[xX][0-9a-fA-F]+)").expect("static regex")
});
static LV1_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Lv1 entry: (0[xX][0-9a-fA-F]+|[0-9]+)\b").expect("static regex"));
static LV2_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Lv2 entry: (0[xX][0-9a-fA-F]+|[0-9]+)\b").expect("static regex"));
static VERSION_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(\S+): hardware version: (\d+)\.(\d+))|(?:(\S+): initialized IOMMU\. Ver (\d+)\.(\d+)\.(\d+))|(?:VERSION (\d+)\.(\d+)\.(\d+), MMU_CFG)")
        .expect("static regex")
});
static IRQ_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(\S+): (?:\[(?:Non-secure|Secure)\] interrupt \(\d+\) happened|(?:\S+: )?irq\(\d+\) happened)",
    )
    .expect("static regex")
});

/// How far (in lines) the follow-up lines of a fault are looked for.
const FOLLOW_UP_LINES: u32 = 40;

/// Reads every SysMMU fault of a log, with the page-table base, lv1/lv2 entries and version
/// lines that belong to it. Unknown lines are skipped.
pub fn parse_fault_log(mut reader: impl BufRead) -> std::io::Result<Vec<LoggedFault>> {
    let mut faults: Vec<LoggedFault> = Vec::new();
    let mut versions: Vec<(Option<String>, HwVersion)> = Vec::new();
    let mut irq_device: Option<String> = None;
    let mut buffer = Vec::new();
    let mut number = 0u32;
    loop {
        buffer.clear();
        if reader.read_until(b'\n', &mut buffer)? == 0 {
            break;
        }
        number += 1;
        let line = String::from_utf8_lossy(&buffer);
        let line = line.trim_end_matches(['\n', '\r']);
        if let Some(captures) = VERSION_LINE.captures(line) {
            let numbers = |a: usize, b: usize| -> Option<HwVersion> {
                Some(HwVersion::from_numbers(
                    captures.get(a)?.as_str().parse().ok()?,
                    captures.get(b)?.as_str().parse().ok()?,
                ))
            };
            if let Some(version) = numbers(2, 3) {
                versions.push((captures.get(1).map(|m| m.as_str().to_string()), version));
            } else if let Some(version) = numbers(5, 6) {
                versions.push((captures.get(4).map(|m| m.as_str().to_string()), version));
            } else if let Some(version) = numbers(8, 9) {
                if let Some(fault) = faults.last_mut().filter(|f| number - f.line <= FOLLOW_UP_LINES) {
                    fault.version.get_or_insert(version);
                    fault.evidence.push(crate::sanitize::escape_control(line.trim()));
                }
            }
            continue;
        }
        if let Some(captures) = IRQ_LINE.captures(line) {
            irq_device = captures.get(1).map(|m| m.as_str().to_string());
            continue;
        }
        if let Some(mut report) = parse_fault_line(line) {
            if report.format == FaultLineFormat::DownstreamPanic {
                // The panic summary repeats the last `From` line; it only adds the SysMMU name.
                if let Some(previous) = faults
                    .iter_mut()
                    .rev()
                    .find(|f| f.report.address == report.address && f.report.master == report.master)
                {
                    if previous.report.sysmmu.is_none() {
                        previous.report.sysmmu = report.sysmmu.clone();
                    }
                    previous
                        .evidence
                        .push(crate::sanitize::escape_control(line.trim()));
                    continue;
                }
            }
            if report.sysmmu.is_none() {
                report.sysmmu = irq_device.clone();
            }
            let version = versions
                .iter()
                .rev()
                .find(|(device, _)| device.is_some() && *device == report.sysmmu)
                .map(|(_, version)| *version);
            faults.push(LoggedFault {
                page_table_base: report.page_table_base,
                report,
                line: number,
                lv1_entry: None,
                lv2_entry: None,
                version,
                evidence: vec![crate::sanitize::escape_control(line.trim())],
            });
            continue;
        }
        let Some(fault) = faults.last_mut().filter(|f| number - f.line <= FOLLOW_UP_LINES) else {
            continue;
        };
        let mut used = false;
        if let Some(captures) = PT_BASE_LINE.captures(line) {
            if fault.page_table_base.is_none() {
                fault.page_table_base = captures.get(1).and_then(|m| PhysAddr::parse(m.as_str()));
            }
            used = true;
        } else if let Some(captures) = LV1_LINE.captures(line) {
            if fault.lv1_entry.is_none() {
                fault.lv1_entry = captures
                    .get(1)
                    .and_then(|m| parse_number(m.as_str()))
                    .and_then(|v| u32::try_from(v).ok());
            }
            used = true;
        } else if let Some(captures) = LV2_LINE.captures(line) {
            if fault.lv2_entry.is_none() {
                fault.lv2_entry = captures
                    .get(1)
                    .and_then(|m| parse_number(m.as_str()))
                    .and_then(|v| u32::try_from(v).ok());
            }
            used = true;
        }
        if used {
            fault.evidence.push(crate::sanitize::escape_control(line.trim()));
        }
    }
    Ok(faults)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainline_lines_of_both_eras() {
        let old = parse_fault_line(
            "[   12.5] exynos-sysmmu 13a80000.sysmmu: 13a00000.jpeg: AW PAGE FAULT occurred at 0x1000a000",
        )
        .unwrap();
        assert_eq!(old.sysmmu.as_deref(), Some("13a80000.sysmmu"));
        assert_eq!(old.master.as_deref(), Some("13a00000.jpeg"));
        assert_eq!((old.kind, old.access), (FaultKind::Page, Access::Write));
        assert_eq!(old.address, Iova(0x1000_a000));
        let new = parse_fault_line(
            "exynos-sysmmu 130c0000.sysmmu: 13000000.decon: [READ] PAGE FAULT occurred at 0xf0001000",
        )
        .unwrap();
        assert_eq!((new.kind, new.access), (FaultKind::Page, Access::Read));
        assert_eq!(new.format, FaultLineFormat::MainlineAccess);
        let bus = parse_fault_line("exynos-sysmmu a.sysmmu: b.dev: BUS ERROR FAULT occurred at 0").unwrap();
        assert_eq!((bus.kind, bus.address), (FaultKind::BusError, Iova(0)));
    }

    #[test]
    fn mainline_3x_line() {
        let report = parse_fault_line(
            "PAGE FAULT occurred at 0x20000000 by 14640000.sysmmu(Page table base: 0x6e000000)",
        )
        .unwrap();
        assert_eq!(report.sysmmu.as_deref(), Some("14640000.sysmmu"));
        assert_eq!(report.page_table_base, Some(PhysAddr(0x6e00_0000)));
        assert_eq!(report.master, None);
    }

    #[test]
    fn downstream_lines() {
        let report = parse_fault_line(
            "sysmmu: From [DPU0], SysMMU READ PAGE FAULT at 0x12345000 (pgtable @ 0x00000008f4000000, AxID: 0x10)",
        )
        .unwrap();
        assert_eq!(report.sysmmu, None);
        assert_eq!(report.master.as_deref(), Some("DPU0"));
        assert_eq!(report.page_table_base, Some(PhysAddr(0x8_f400_0000)));
        let panic = parse_fault_line(
            "Kernel panic - not syncing: (1a510000.sysmmu) From [DPU0], SysMMU WRITE L1TLB MULTI-HIT FAULT at 0x12345000",
        )
        .unwrap();
        assert_eq!(panic.format, FaultLineFormat::DownstreamPanic);
        assert_eq!(panic.kind, FaultKind::MultiHit);
        assert_eq!(panic.access, Access::Write);
        assert!(parse_fault_line("random line about a PAGE FAULT").is_none());
    }

    #[test]
    fn log_follow_ups_attach_to_their_fault() {
        let log = "\
[    1.0] exynos-sysmmu 7f000000.sysmmu: hardware version: 5.0
[    9.0] exynos-sysmmu 7f000000.sysmmu: 7f040000.dma: [WRITE] PAGE FAULT occurred at 0xfff00000
[    9.0] exynos-sysmmu 7f000000.sysmmu: Page table base: 0x0000000045550000
[    9.0] exynos-sysmmu 7f000000.sysmmu: \tLv1 entry: 0x4433481
[    9.0] exynos-sysmmu 7f000000.sysmmu: \t Lv2 entry: 0x0
";
        let faults = parse_fault_log(log.as_bytes()).unwrap();
        assert_eq!(faults.len(), 1);
        let fault = &faults[0];
        assert_eq!(fault.line, 2);
        assert_eq!(fault.page_table_base, Some(PhysAddr(0x4555_0000)));
        assert_eq!(fault.lv1_entry, Some(0x0443_3481));
        assert_eq!(fault.lv2_entry, Some(0));
        assert_eq!(fault.version.map(|v| v.major), Some(5));
        assert_eq!(fault.evidence.len(), 4);
    }

    #[test]
    fn downstream_log_takes_the_device_from_the_irq_line() {
        let log = "\
samsung-sysmmu 1a510000.sysmmu: [Non-secure] interrupt (347) happened
sysmmu: From [DPU0], SysMMU READ PAGE FAULT at 0x12345000 (pgtable @ 0x00000008f4000000, AxID: 0x10)
sysmmu: Lv1 entry: 0x08f40c01
sysmmu: Lv2 entry: 0x00000000
sysmmu: VERSION 7.2.0, MMU_CFG: 0x00000780, MMU_STATUS: 0x00000000
Kernel panic - not syncing: (1a510000.sysmmu) From [DPU0], SysMMU READ PAGE FAULT at 0x12345000
";
        let faults = parse_fault_log(log.as_bytes()).unwrap();
        assert_eq!(faults.len(), 1);
        assert_eq!(faults[0].report.sysmmu.as_deref(), Some("1a510000.sysmmu"));
        assert_eq!(faults[0].version.map(|v| (v.major, v.minor)), Some((7, 2)));
        assert_eq!(faults[0].lv1_entry, Some(0x08f4_0c01));
    }
}
