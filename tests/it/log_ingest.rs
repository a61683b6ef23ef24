//! Kernel log ingest against the real captures in `fixtures/`: every log form of every QEMU
//! scenario checked against the scenario's `truth.json`, the public corpus against what its
//! MANIFEST states, compressed copies, broken input, and random bytes.

use crate::support::corpus::{fixtures, qemu_scenarios as scenarios};
use probescope::ingest::log::{
    collect_events, read_log_events, sniff, LogFormat, LogReader, LogRecord, SNIFF_WINDOW,
};
use probescope::ingest::messages::{classify, DeferReason, Message, SmmuEventKind};
use probescope::ingest::open::decompressing;
use probescope::ingest::LogData;
use probescope::model::BootTime;
use probescope::model::SplatClass;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

/// The log files a QEMU scenario holds, and the format each is in.
const SCENARIO_LOGS: [(&str, LogFormat); 4] = [
    ("dmesg.txt", LogFormat::Text),
    ("dmesg-raw.txt", LogFormat::Text),
    ("kmsg.txt", LogFormat::Kmsg),
    ("console.log", LogFormat::Text),
];

fn truth(scenario: &Path) -> Value {
    serde_json::from_slice(&fs::read(scenario.join("truth.json")).unwrap()).unwrap()
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn read_log(path: &Path) -> LogData {
    let file = BufReader::new(fs::File::open(path).unwrap());
    read_log_events(name(path).into(), decompressing(file).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn head(path: &Path) -> Vec<u8> {
    let mut head = Vec::new();
    fs::File::open(path)
        .unwrap()
        .take(SNIFF_WINDOW as u64)
        .read_to_end(&mut head)
        .unwrap();
    head
}

fn records(path: &Path) -> Vec<LogRecord> {
    let file = BufReader::new(fs::File::open(path).unwrap());
    LogReader::open(name(path).into(), file).unwrap().collect()
}

/// `file:line: text` evidence of a truth.json → the line number in `file`.
fn evidence_line(evidence: &Value, file: &str) -> Option<u32> {
    let evidence = evidence.as_str()?;
    let rest = evidence.strip_prefix(file)?.strip_prefix(':')?;
    rest.split(':').next()?.parse().ok()
}

fn secs(value: &Value) -> Option<BootTime> {
    value.as_f64().map(BootTime::from_secs_f64)
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

fn ignoring_dependency(log: &LogData) -> BTreeSet<String> {
    log.events
        .iter()
        .filter_map(|e| match &e.message {
            Message::IgnoringDependency { device, .. } => Some(device.device.clone()),
            _ => None,
        })
        .collect()
}

fn iommu_groups(log: &LogData) -> BTreeMap<String, u32> {
    log.events
        .iter()
        .filter_map(|e| match &e.message {
            Message::IommuGroupAdded { device, group } => Some((device.device.clone(), *group)),
            _ => None,
        })
        .collect()
}

/// The log's first boot only (a console capture may replay the log after it).
fn first_boot(mut log: LogData) -> LogData {
    if let Some(&end) = log.boot_starts.first() {
        log.events.retain(|e| e.index < end);
    }
    log
}

/// (kind, device) of every event but the plain dev_printk ones, and the time of each first one.
fn event_summary(log: &LogData) -> BTreeMap<(String, Option<String>), Option<BootTime>> {
    let mut summary = BTreeMap::new();
    for event in &log.events {
        if matches!(event.message, Message::DevicePrint(_)) {
            continue;
        }
        let kind = format!("{:?}", event.message)
            .split([' ', '(', '{'])
            .next()
            .unwrap()
            .to_string();
        summary
            .entry((kind, event.message.device().map(String::from)))
            .or_insert(event.time);
    }
    summary
}

#[test]
fn every_scenario_log_is_recognised_and_read() {
    for scenario in scenarios() {
        let truth = truth(&scenario);
        for (file, format) in SCENARIO_LOGS {
            let path = scenario.join(file);
            let what = path.display().to_string();
            assert_eq!(sniff(&head(&path)), Some(format), "{what}");
            let log = read_log(&path);
            assert_eq!(log.format, format, "{what}");
            assert!(log.problems.is_empty(), "{what}: {:?}", log.problems);
            assert!(log.timed_records > 100, "{what}");
            assert_eq!(log.kernel_release.as_deref(), truth["kernel"].as_str(), "{what}");
            assert_eq!(log.command_line.as_deref(), truth["cmdline"].as_str(), "{what}");
            if file == "console.log" {
                // The console also shows the guest printing its own dmesg at the end: a
                // replay of the same boot, which the reader marks as a later "boot".
                for start in &log.boot_starts {
                    let banner = log.events.iter().find(|e| e.index == *start).unwrap();
                    assert_eq!(
                        banner.message,
                        Message::KernelVersion(truth["kernel"].as_str().unwrap().into())
                    );
                }
            } else {
                assert!(log.boot_starts.is_empty(), "{what}");
            }
            // Origins are 1-based lines of this file, in order.
            assert!(log.events.windows(2).all(|w| w[0].index <= w[1].index));
            assert!(log.events.iter().all(|e| e.origin.line > 0));
        }
    }
}

#[test]
fn ignoring_dependency_devices_match_the_truth_in_every_form() {
    for scenario in scenarios() {
        let truth = truth(&scenario);
        let expected = strings(&truth["summary"]["timeout_ignored_dependency"]);
        for (file, _) in SCENARIO_LOGS {
            let log = read_log(&scenario.join(file));
            assert_eq!(
                ignoring_dependency(&log),
                expected,
                "{}",
                scenario.join(file).display()
            );
        }
        // Each line the truth cites is that event, with its prefix and time.
        let dmesg = read_log(&scenario.join("dmesg.txt"));
        for line in truth["deferred_probe_timeout_lines"].as_array().unwrap() {
            let number = evidence_line(&line["evidence"], "dmesg.txt").unwrap();
            let event = dmesg
                .events
                .iter()
                .find(|e| e.origin.line == number && matches!(e.message, Message::IgnoringDependency { .. }))
                .unwrap_or_else(|| panic!("{}: dmesg.txt:{number}", scenario.display()));
            let Message::IgnoringDependency { device, .. } = &event.message else {
                unreachable!()
            };
            assert_eq!(Some(device.device.as_str()), line["device"].as_str());
            assert_eq!(Some(device.driver_or_bus.as_str()), line["prefix"].as_str());
            assert_eq!(event.time, secs(&line["t"]));
        }
    }
}

#[test]
fn iommu_group_joins_match_the_truth_in_every_form() {
    for scenario in scenarios() {
        let truth = truth(&scenario);
        let expected: BTreeMap<String, u32> = truth["consumers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| {
                let group = c["joined_iommu_group"]["group"].as_str()?.parse().ok()?;
                Some((c["device"].as_str()?.to_string(), group))
            })
            .collect();
        for (file, _) in SCENARIO_LOGS {
            let log = read_log(&scenario.join(file));
            assert_eq!(iommu_groups(&log), expected, "{}", scenario.join(file).display());
        }
    }
}

#[test]
fn bind_times_match_the_truth_by_its_own_basis() {
    let mut driver_bound_checked = 0;
    for scenario in scenarios() {
        let truth = truth(&scenario);
        let dmesg = read_log(&scenario.join("dmesg.txt"));
        let verbose = truth["cmdline"].as_str().unwrap().contains("dyndbg");
        let bound_lines = dmesg
            .events
            .iter()
            .filter(|e| matches!(e.message, Message::DriverBound { .. }))
            .count();
        assert_eq!(bound_lines > 0, verbose, "{}", scenario.display());
        let devices = truth["iommus"]
            .as_array()
            .unwrap()
            .iter()
            .chain(truth["consumers"].as_array().unwrap());
        for device in devices {
            let bound = &device["bound"];
            let (Some(t), Some(driver), Some(basis)) = (
                secs(&bound["t"]),
                bound["driver"].as_str(),
                bound["basis"].as_str(),
            ) else {
                continue;
            };
            let name = device["driver_device"]
                .as_str()
                .or(device["device"].as_str())
                .unwrap();
            let first_time = |wanted: &dyn Fn(&Message) -> bool| {
                dmesg
                    .events
                    .iter()
                    .find(|e| wanted(&e.message))
                    .and_then(|e| e.time)
            };
            let found = if basis.contains("driver_bound") {
                driver_bound_checked += 1;
                first_time(
                    &|m| matches!(m, Message::DriverBound { device: d, driver: r } if d == name && r == driver),
                )
            } else if basis.contains("ignoring dependency") {
                first_time(
                    &|m| matches!(m, Message::IgnoringDependency { device: p, .. } if p.device == name),
                )
            } else if basis.contains("first dmesg line printed with the driver") {
                first_time(
                    &|m| matches!(m, Message::DevicePrint(p) if p.device == name && p.driver_or_bus == driver),
                )
            } else {
                continue;
            };
            assert_eq!(found, Some(t), "{}: {name} ({basis})", scenario.display());
        }
    }
    assert!(driver_bound_checked >= 15);
}

#[test]
fn probe_deferrals_logged_in_verbose_scenarios_match_the_truth() {
    let mut checked = 0;
    for scenario in scenarios() {
        let truth = truth(&scenario);
        let dmesg = read_log(&scenario.join("dmesg.txt"));
        for consumer in truth["consumers"].as_array().unwrap() {
            let logged = &consumer["probe_deferrals_logged"];
            let Some(count) = logged["count"].as_u64() else {
                continue;
            };
            let device = consumer["device"].as_str().unwrap();
            let lines: Vec<u32> = dmesg
                .events
                .iter()
                .filter(|e| {
                    matches!(&e.message, Message::ProbeReturned { device: d, value, .. }
                        if d == device && value.abs() == 517)
                })
                .map(|e| e.origin.line)
                .collect();
            assert_eq!(lines.len() as u64, count, "{}: {device}", scenario.display());
            assert_eq!(
                lines.first().copied(),
                evidence_line(&logged["first"]["evidence"], "dmesg.txt")
            );
            assert_eq!(
                lines.last().copied(),
                evidence_line(&logged["last"]["evidence"], "dmesg.txt")
            );
            // The same record also reads as a deferral.
            for line in &lines {
                assert!(dmesg.events.iter().any(|e| e.origin.line == *line
                    && matches!(&e.message, Message::ProbeDeferred { device: d, .. } if d == device)));
            }
            checked += 1;
        }
    }
    assert!(checked >= 5);
}

#[test]
fn devlink_lines_naming_the_iommu_are_typed() {
    let mut checked = 0;
    for scenario in scenarios() {
        let truth = truth(&scenario);
        let dmesg = read_log(&scenario.join("dmesg.txt"));
        let Some(lines) = truth["devlink_log_lines_naming_iommu"].as_array() else {
            continue;
        };
        for line in lines {
            let text = line["evidence"].as_str().unwrap();
            let number = evidence_line(&line["evidence"], "dmesg.txt").unwrap();
            let at: Vec<&Message> = dmesg
                .events
                .iter()
                .filter(|e| e.origin.line == number)
                .map(|e| &e.message)
                .collect();
            let typed = at.iter().any(|m| match m {
                Message::LinkedAsConsumer { supplier, .. } => text.contains("Linked as a consumer") && text.ends_with(supplier.as_str()),
                Message::RelaxingLink { supplier, .. } => text.contains("Relaxing link with") && text.ends_with(supplier.as_str()),
                Message::DroppingLink { supplier, .. } => text.contains("Dropping the link to") && text.ends_with(supplier.as_str()),
                Message::ProbeDeferred { deferral: Some(d), .. } => {
                    matches!(&d.reason, DeferReason::SupplierNotReady { supplier } if text.contains(supplier.as_str()))
                }
                Message::DeviceAdded { device } => text.contains(device.as_str()) && text.ends_with("device_add"),
                Message::DeviceRemoved { device } => text.contains(device.as_str()) && text.ends_with("device_unregister"),
                Message::FwnodeLink { supplier, .. } => text.contains("fwnode") && text.ends_with(supplier.as_str()),
                Message::DevicePrint(_) => text.contains("Not linking"),
                _ => false,
            });
            assert!(typed, "{}: {text}: {at:?}", scenario.display());
            checked += 1;
        }
    }
    assert!(checked >= 9);
}

#[test]
fn smmu_events_give_the_stream_id_of_their_first_dword() {
    let mut checked = 0;
    for scenario in scenarios() {
        let truth = truth(&scenario);
        let expected: Vec<(String, u32, u32, u32)> = truth["iommu_events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let hex = |v: &Value| {
                    u32::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
                };
                (
                    e["iommu"].as_str().unwrap().to_string(),
                    hex(&e["event_id"]),
                    hex(&e["decoded"]["stream_id"]),
                    evidence_line(&e["evidence"], "dmesg.txt").unwrap(),
                )
            })
            .collect();
        for (file, _) in SCENARIO_LOGS {
            let log = first_boot(read_log(&scenario.join(file)));
            let found: Vec<(String, u32, u32, u32)> = log
                .events
                .iter()
                .filter_map(|e| match &e.message {
                    Message::SmmuEvent {
                        iommu,
                        event,
                        stream_id,
                        kind: SmmuEventKind::V3Event,
                        ..
                    } => Some((iommu.clone(), *event, (*stream_id)?, e.origin.line)),
                    _ => None,
                })
                .collect();
            let strip = |v: &[(String, u32, u32, u32)]| {
                v.iter()
                    .map(|(a, b, c, _)| (a.clone(), *b, *c))
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                strip(&found),
                strip(&expected),
                "{}",
                scenario.join(file).display()
            );
            if file == "dmesg.txt" {
                assert_eq!(found, expected);
                checked += found.len();
            }
        }
    }
    assert!(checked >= 4);
}

#[test]
fn dmesg_raw_and_kmsg_of_a_scenario_give_the_same_events() {
    for scenario in scenarios() {
        let dmesg = read_log(&scenario.join("dmesg.txt"));
        let raw = read_log(&scenario.join("dmesg-raw.txt"));
        let kmsg = read_log(&scenario.join("kmsg.txt"));
        assert_eq!(dmesg.records, raw.records, "{}", scenario.display());
        // A kmsg record may hold a newline: printk keeps a multi-line message as one record,
        // /dev/kmsg escapes the newline as `\x0a` (kernel/printk/printk.c
        // `msg_add_ext_text()`), and dmesg prints the record as two lines.
        let embedded_newlines: u64 = std::fs::read_to_string(scenario.join("kmsg.txt"))
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with(' '))
            .map(|line| line.matches("\\x0a").count() as u64)
            .sum();
        assert_eq!(
            dmesg.records,
            kmsg.records + embedded_newlines,
            "{}",
            scenario.display()
        );
        let messages = |log: &LogData| {
            log.events
                .iter()
                .map(|e| (e.time, e.message.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(messages(&dmesg), messages(&raw), "{}", scenario.display());
        // kmsg escapes the SMMU dwords' tab; the events and times are the same.
        assert_eq!(
            event_summary(&dmesg),
            event_summary(&kmsg),
            "{}",
            scenario.display()
        );
        assert_eq!(
            messages(&dmesg).len(),
            messages(&kmsg).len(),
            "{}",
            scenario.display()
        );
    }
}

#[test]
fn kmsg_records_carry_their_device_dictionary() {
    for scenario in scenarios() {
        let mut with_device = 0;
        for record in records(&scenario.join("kmsg.txt")) {
            let about_a_device = classify(&record).into_iter().find_map(|m| match m {
                Message::IgnoringDependency { device, .. } | Message::IommuGroupAdded { device, .. } => {
                    Some(device.device)
                }
                _ => None,
            });
            if let Some(device) = about_a_device {
                let descriptor = record.device.as_deref().unwrap_or_default();
                assert!(
                    descriptor.starts_with('+') && descriptor.ends_with(&format!(":{device}")),
                    "{}: {} has DEVICE={descriptor}",
                    scenario.display(),
                    record.origin
                );
                with_device += 1;
            }
        }
        let truth = truth(&scenario);
        let expected = strings(&truth["summary"]["timeout_ignored_dependency"]).len();
        assert!(with_device >= expected, "{}", scenario.display());
    }
}

#[test]
fn other_scenario_files_are_not_taken_for_logs() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                walk(&path, out);
            } else if meta.is_file() {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for scenario in scenarios() {
        walk(&scenario, &mut files);
    }
    let logs: BTreeSet<&str> = SCENARIO_LOGS.iter().map(|(f, _)| *f).collect();
    let mut checked = 0;
    for file in files {
        if logs.contains(name(&file).as_str()) {
            continue;
        }
        assert_eq!(sniff(&head(&file)), None, "{}", file.display());
        checked += 1;
    }
    assert!(checked > 500, "{checked}");
}

/// What a public file is, per fixtures/public/MANIFEST.md: a log in some format, or other
/// evidence that must not be claimed.
const PUBLIC: &[(&str, Option<LogFormat>)] = &[
    (
        "beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt",
        Some(LogFormat::Text),
    ),
    (
        "beagleplay-am625-rfc-instrumented-probe-timing-crlf.txt",
        Some(LogFormat::Text),
    ),
    (
        "cavium-cn8xx-arm-smmu-unhandled-context-fault.txt",
        Some(LogFormat::Text),
    ),
    (
        "dell-poweredge-t440-5.10-initcall-debug-kexec-iommu-groups.txt",
        Some(LogFormat::Text),
    ),
    (
        "exynos4-fw_devlink-on-devices_deferred-sysmmu-power-domain.txt",
        None,
    ),
    (
        "exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt",
        Some(LogFormat::Text),
    ),
    (
        "exynos5410-odroidxu-hdmi-mixer-sysmmu-devlink-deferral.txt",
        Some(LogFormat::Text),
    ),
    (
        "exynos5422-odroidxu3-6.14-sysmmu-v3.3-mixer-iommu-group-before-driver-bind.txt",
        Some(LogFormat::Text),
    ),
    ("exynos5422-odroidxu3-iommu_groups-type-grep-identity.txt", None),
    (
        "imx8mq-tqma8mq-printk-caller-devlink-dyndbg.txt",
        Some(LogFormat::Text),
    ),
    ("juno-r1-devices_deferred-iommu-itself-deferred.txt", None),
    (
        "kernelci-bot-report-bootrr-deferred-probe-empty-lava-host-timestamps.txt",
        Some(LogFormat::Text),
    ),
    (
        "kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt",
        Some(LogFormat::Text),
    ),
    (
        "kernelci-mt8186-steelix-serial-deferred-timeout.txt",
        Some(LogFormat::Text),
    ),
    (
        "kernelci-sc7180-kingoftown-serial-arm-smmu.txt",
        Some(LogFormat::Text),
    ),
    (
        "kernelci-x86-amd-shuboz-5.15-serial-dmesg-decode-kern-alert-amd-vi-groups.txt",
        Some(LogFormat::Text),
    ),
    (
        "lava-fixture-db410c-next20221020-qcom-iommu-probe-list-corruption.txt",
        Some(LogFormat::Text),
    ),
    (
        "lava-fixture-peach-pi-exynos5800-4.12rc6-serial-boot-no-sysmmu.txt",
        Some(LogFormat::Text),
    ),
    ("pixel6-gs101-sys-class-iommu-devices-listing.txt", None),
    (
        "pm-graph-skynet-3.15-suspend-resume-dmesg-pm-initcall-debug-parent.txt",
        Some(LogFormat::Text),
    ),
    (
        "rcar-gen3-dt-overlay-class-devlink-genpd_provider-supplier-listing.txt",
        None,
    ),
    (
        "rcar-gen3-dt-overlay-fwnode-links-and-class-devlink-listing-diff.txt",
        None,
    ),
    (
        "rcar-h3-salvatorxs-next20200401-deferred-probe-timeout-iommu-warn.txt",
        Some(LogFormat::Text),
    ),
    (
        "rcar-h3-ulcb-kf-fw_devlink-strict-devices_deferred-missing-regulator-driver.txt",
        None,
    ),
    (
        "rcar-h3-v5.2rc-iommu-ignoring-dependency-systemd-console.txt",
        Some(LogFormat::Text),
    ),
    (
        "renesas-multiboard-fw_devlink-devices_deferred-wait-for-supplier.txt",
        Some(LogFormat::Text),
    ),
    (
        "util-linux-fixture-dev-kmsg-raw-records-nul-separated.txt",
        Some(LogFormat::Kmsg),
    ),
    (
        "util-linux-fixture-dev-kmsg-records-caller-id.txt",
        Some(LogFormat::Kmsg),
    ),
    (
        "util-linux-fixture-dmesg-ctime-iso-timestamp-formats-output.txt",
        Some(LogFormat::Text),
    ),
    (
        "util-linux-fixture-dmesg-json-output-with-caller.txt",
        Some(LogFormat::DmesgJson),
    ),
    (
        "x86-amd-renoir-journalctl-full-boot-iommu-groups.txt",
        Some(LogFormat::JournalText),
    ),
    (
        "x86-mlx5-sriov-vf-dmesg-T-ctime-dmar-intr-remap-fault.txt",
        Some(LogFormat::Text),
    ),
    (
        "x86-thinkpad-t470s-pstore-raw-levels-initcall-debug-intel-iommu-oops.txt",
        Some(LogFormat::Text),
    ),
];

fn public(file: &str) -> PathBuf {
    fixtures().join("public").join(file)
}

#[test]
fn every_public_file_is_sniffed_as_the_manifest_says() {
    let on_disk: BTreeSet<String> = fs::read_dir(fixtures().join("public"))
        .unwrap()
        .map(|e| name(&e.unwrap().path()))
        .filter(|n| n.ends_with(".txt"))
        .collect();
    let listed: BTreeSet<String> = PUBLIC.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(on_disk, listed, "every public .txt is listed here");
    for (file, format) in PUBLIC {
        let path = public(file);
        assert_eq!(sniff(&head(&path)), *format, "{file}");
        if let Some(format) = format {
            let log = read_log(&path);
            assert_eq!(log.format, *format, "{file}");
            assert!(log.problems.is_empty(), "{file}: {:?}", log.problems);
            assert!(!log.events.is_empty() || file.contains("ctime-iso"), "{file}");
        }
    }
}

#[test]
fn listings_given_as_a_log_are_an_error_naming_the_file() {
    for (file, format) in PUBLIC {
        // Pastes of sysfs and debugfs listings. (The fwnode-link listing also carries driver
        // core debug lines, which are a log.)
        if format.is_some() || file.contains("fwnode-links") {
            continue;
        }
        let path = public(file);
        let error =
            read_log_events(name(&path).into(), BufReader::new(fs::File::open(&path).unwrap())).unwrap_err();
        assert_eq!(error.file, *file);
        assert!(error.expected.contains("a kernel log"), "{error}");
        assert!(error.found.is_some(), "{error}");
    }
    let devlink = scenarios()[0].join("devlink-final.txt");
    let error = read_log_events(
        "devlink-final.txt".into(),
        BufReader::new(fs::File::open(&devlink).unwrap()),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("devlink-final.txt: expected a kernel log"),
        "{error}"
    );
}

fn events<'a>(
    log: &'a LogData,
    wanted: impl Fn(&Message) -> bool + 'a,
) -> impl Iterator<Item = &'a probescope::ingest::LogEvent> + 'a {
    log.events.iter().filter(move |e| wanted(&e.message))
}

#[test]
fn journalctl_short_format() {
    // MANIFEST: journalctl export, wall-clock only, 39 "Adding to iommu group" lines, group 4 =
    // 00:08.0/00:08.1/00:08.2.
    let log = read_log(&public("x86-amd-renoir-journalctl-full-boot-iommu-groups.txt"));
    assert_eq!(log.format, LogFormat::JournalText);
    assert_eq!(log.timed_records, 0);
    let groups = iommu_groups(&log);
    assert_eq!(groups.len(), 39);
    let group_4: BTreeSet<&str> = groups
        .iter()
        .filter(|(_, g)| **g == 4)
        .map(|(d, _)| d.as_str())
        .collect();
    assert!(group_4.is_superset(&BTreeSet::from(["0000:00:08.0", "0000:00:08.1", "0000:00:08.2"])));
    assert_eq!(
        log.kernel_release.as_deref(),
        Some("5.12.0-rc3-00025-gaf452ec1b1a3")
    );
    // systemd's own lines are no records.
    assert!(log.events.iter().all(|e| !e.text.contains("systemd[1]")));
}

#[test]
fn dmesg_ctime_and_iso_stamps() {
    // MANIFEST: `dmesg -T` lines have wall-clock stamps only.
    let log = read_log(&public(
        "x86-mlx5-sriov-vf-dmesg-T-ctime-dmar-intr-remap-fault.txt",
    ));
    assert_eq!(log.timed_records, 0);
    let dmar = records(&public(
        "x86-mlx5-sriov-vf-dmesg-T-ctime-dmar-intr-remap-fault.txt",
    ))
    .into_iter()
    .filter(|r| r.text.starts_with("DMAR: [INTR-REMAP] Request device [42:00.2]"))
    .count();
    assert!(dmar >= 2);
    // MANIFEST: three stamps per line; monotonic values grow past the 6-digit field.
    let records = records(&public(
        "util-linux-fixture-dmesg-ctime-iso-timestamp-formats-output.txt",
    ));
    assert_eq!(records.len(), 106);
    assert!(records.iter().all(|r| r.text.starts_with("example[")));
    let times: BTreeSet<u64> = records
        .iter()
        .filter_map(|r| r.time)
        .map(|t| t.0 / 1_000_000)
        .collect();
    for secs in [0, 970_299, 1_000_000, 4_557_523] {
        assert!(times.contains(&secs), "{secs}");
    }
    assert_eq!(records[1].time, Some(BootTime(1_000_000)));
}

#[test]
fn dmesg_decode_prefixes() {
    // MANIFEST: `kern  :alert : BUG: kernel NULL pointer dereference, ...` (three alert lines).
    let path = public("kernelci-x86-amd-shuboz-5.15-serial-dmesg-decode-kern-alert-amd-vi-groups.txt");
    let alerts: Vec<LogRecord> = records(&path)
        .into_iter()
        .filter(|r| r.level == Some(1) && r.facility == Some(0))
        .collect();
    assert_eq!(alerts.len(), 3);
    assert!(alerts[0].text.starts_with("BUG: kernel NULL pointer dereference"));
    let log = read_log(&path);
    assert_eq!(iommu_groups(&log).len(), 24);
    assert_eq!(iommu_groups(&log).get("AMDI0040:00"), Some(&11));
    assert!(
        events(
            &log,
            |m| matches!(m, Message::Splat(s) if s.class == SplatClass::Bug)
        )
        .count()
            >= 2
    );
}

#[test]
fn dev_kmsg_records_nul_separated_and_with_callers() {
    // MANIFEST: 45 records, NUL-separated, 10 with dictionary lines, `\x5c` escapes.
    let path = public("util-linux-fixture-dev-kmsg-raw-records-nul-separated.txt");
    let recs = records(&path);
    assert_eq!(recs.len(), 45);
    assert_eq!(recs.iter().filter(|r| r.device.is_some()).count(), 10);
    assert!(recs
        .iter()
        .any(|r| r.device.as_deref() == Some("+pci_bus:0000:00")));
    assert_eq!(recs[1].text, "Command line: initrd=\\ucode.img initrd=\\initramfs-linux.img rw cryptdevice=/dev/nvme0n1p3:system:discard root=/dev/mapper/system");
    assert_eq!(recs[0].seq, Some(0));
    let log = read_log(&path);
    assert_eq!(log.kernel_release.as_deref(), Some("6.6.4-arch1-1"));
    // MANIFEST: 58 records, callers T1..T1234567 (47 task, 11 CPU).
    let callers = records(&public("util-linux-fixture-dev-kmsg-records-caller-id.txt"));
    assert_eq!(callers.len(), 58);
    let task = callers
        .iter()
        .filter(|r| r.caller.as_deref().is_some_and(|c| c.starts_with('T')))
        .count();
    let cpu = callers
        .iter()
        .filter(|r| r.caller.as_deref().is_some_and(|c| c.starts_with('C')))
        .count();
    assert_eq!((task, cpu), (47, 11));
    assert_eq!(callers[57].caller.as_deref(), Some("T1234567"));
    assert_eq!((callers[57].facility, callers[57].level), (Some(1), Some(7)));
}

#[test]
fn dmesg_json_is_the_same_log_as_its_kmsg_input() {
    // MANIFEST: the JSON is util-linux's expected output for the caller-id kmsg input.
    let json = records(&public("util-linux-fixture-dmesg-json-output-with-caller.txt"));
    let kmsg = records(&public("util-linux-fixture-dev-kmsg-records-caller-id.txt"));
    assert_eq!(json.len(), 58);
    let view = |r: &LogRecord| {
        (
            r.time,
            r.level,
            r.facility,
            r.caller.clone(),
            r.text.trim_end().to_string(),
        )
    };
    assert_eq!(
        json.iter().map(view).collect::<Vec<_>>(),
        kmsg.iter().map(view).collect::<Vec<_>>()
    );
    assert_eq!(json[0].origin.line, 3);
}

#[test]
fn raw_levels_and_initcalls_of_a_pstore_dump() {
    // MANIFEST: `<N>` before every stamp; 287 initcalls + 29 PCI fixups call lines, 286 returns;
    // pci_iommu_init never returns; "Kernel command line:" at line 179.
    let log = read_log(&public(
        "x86-thinkpad-t470s-pstore-raw-levels-initcall-debug-intel-iommu-oops.txt",
    ));
    let started: Vec<&str> = log
        .events
        .iter()
        .filter_map(|e| match &e.message {
            Message::InitcallStarted { function, .. } => Some(function.as_str()),
            _ => None,
        })
        .collect();
    let returned: BTreeSet<&str> = log
        .events
        .iter()
        .filter_map(|e| match &e.message {
            Message::InitcallReturned { function, .. } => Some(function.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(started.len(), 287);
    assert_eq!(
        events(&log, |m| matches!(m, Message::InitcallReturned { .. })).count(),
        286
    );
    assert!(started.contains(&"pci_iommu_init") && !returned.contains("pci_iommu_init"));
    let command_line = events(&log, |m| matches!(m, Message::CommandLine(_)))
        .next()
        .unwrap();
    assert_eq!(command_line.origin.line, 179);
    assert_eq!(
        log.command_line.as_deref(),
        Some(command_line.text["Kernel command line: ".len()..].trim())
    );
    let recs = records(&public(
        "x86-thinkpad-t470s-pstore-raw-levels-initcall-debug-intel-iommu-oops.txt",
    ));
    assert!(recs
        .iter()
        .filter(|r| r.time.is_some())
        .all(|r| r.level.is_some()));
}

#[test]
fn initcall_debug_of_a_kexec_boot() {
    // MANIFEST: 671 calling/initcall pairs, 281 group joins, pci_iommu_init 1486847 us.
    let log = read_log(&public(
        "dell-poweredge-t440-5.10-initcall-debug-kexec-iommu-groups.txt",
    ));
    assert_eq!(
        events(&log, |m| matches!(m, Message::InitcallStarted { .. })).count(),
        671
    );
    assert_eq!(
        events(&log, |m| matches!(m, Message::InitcallReturned { .. })).count(),
        671
    );
    assert_eq!(iommu_groups(&log).len(), 281);
    assert!(events(&log, |m| matches!(m, Message::InitcallReturned { function, usecs: Some(1_486_847), .. } if function == "pci_iommu_init")).count() == 1);
    assert!(events(&log, |m| matches!(m, Message::ModuleLoaded { .. })).count() > 0);
}

#[test]
fn pm_callbacks_are_no_initcalls() {
    let log = read_log(&public(
        "pm-graph-skynet-3.15-suspend-resume-dmesg-pm-initcall-debug-parent.txt",
    ));
    assert_eq!(log.timed_records, 706);
    assert_eq!(
        events(&log, |m| matches!(m, Message::InitcallStarted { .. })).count(),
        0
    );
}

#[test]
fn printk_caller_ids_and_device_links() {
    // MANIFEST: every line has a caller; 130 device links, 20 sync-state-only.
    let path = public("imx8mq-tqma8mq-printk-caller-devlink-dyndbg.txt");
    let recs = records(&path);
    assert_eq!(recs.len(), 505);
    assert!(recs.iter().all(|r| r.caller.is_some() && r.time.is_some()));
    let log = read_log(&path);
    let links = |sync: bool| {
        events(&log, move |m| matches!(m, Message::LinkedAsConsumer { sync_state_only, .. } if *sync_state_only == sync)).count()
    };
    assert_eq!((links(false), links(true)), (130, 20));
    assert!(
        events(
            &log,
            |m| matches!(m, Message::LinkedAsConsumer { consumer, supplier, .. }
        if consumer == "38320000.blk-ctrl" && supplier == "30380000.clock-controller")
        )
        .count()
            == 1
    );
}

#[test]
fn serial_capture_with_firmware_noise_and_two_boots() {
    // MANIFEST: kernel banner at line 1574 and again at 4952; per boot one "ignoring
    // dependency" and 41 "deferred probe pending"; the IOMMU itself pending on the
    // power controller; no group join.
    let path = public("kernelci-mt8186-steelix-serial-deferred-timeout.txt");
    let recs = records(&path);
    // The boot loader's lines are no records: the first is the kernel's first line.
    assert!(recs[0].text.starts_with("Booting Linux"), "{}", recs[0].text);
    assert_eq!(recs[0].time, Some(BootTime(0)));
    let log = read_log(&path);
    let banners: Vec<u32> = events(&log, |m| matches!(m, Message::KernelVersion(_)))
        .map(|e| e.origin.line)
        .collect();
    assert_eq!(banners, [1574, 4952]);
    assert_eq!(log.boot_starts.len(), 1);
    let second = log.events.iter().find(|e| e.index == log.boot_starts[0]).unwrap();
    assert_eq!(second.origin.line, 4952);
    assert_eq!(
        ignoring_dependency(&log),
        BTreeSet::from(["16000000.video-decoder".to_string()])
    );
    assert_eq!(
        events(&log, |m| matches!(m, Message::DeferredProbePending { .. })).count(),
        82
    );
    assert!(iommu_groups(&log).is_empty());
    let iommu_pending = events(&log, |m| matches!(m, Message::DeferredProbePending { device, deferral: Some(d) }
        if device.device == "14016000.iommu"
            && d.recorded_by.as_deref() == Some("platform")
            && d.reason == DeferReason::SupplierNotReady { supplier: "10006000.syscon:power-controller".into() }))
        .count();
    assert_eq!(iommu_pending, 2);
}

#[test]
fn lava_host_stamps_and_glued_kernel_lines() {
    // MANIFEST: kernel lines prefixed by the LAVA host time, one glued to a prompt with `<6>`,
    // one to a shell command; the deferred device is AMDI5682:00.
    let path = public("kernelci-bot-report-bootrr-deferred-probe-empty-lava-host-timestamps.txt");
    let log = read_log(&path);
    assert_eq!(log.timed_records, 35);
    let pending: Vec<_> = events(&log, |m| matches!(m, Message::DeferredProbePending { .. })).collect();
    assert!(pending.len() >= 2);
    assert!(pending.iter().all(|e| e.message.device() == Some("AMDI5682:00")));
    let glued = records(&path)
        .into_iter()
        .find(|r| r.time == Some(BootTime(25_577_486)))
        .unwrap();
    assert_eq!(
        (glued.level, glued.text.as_str()),
        (Some(6), "platform AMDI5682:00: deferred probe pending")
    );
    assert!(records(&path)
        .iter()
        .any(|r| r.time == Some(BootTime(23_553_931))));
}

#[test]
fn serial_captures_of_healthy_boots() {
    // MANIFEST sc7180: group joins in this order.
    let log = read_log(&public("kernelci-sc7180-kingoftown-serial-arm-smmu.txt"));
    let order: Vec<(&str, u32)> = log
        .events
        .iter()
        .filter_map(|e| match &e.message {
            Message::IommuGroupAdded { device, group } => Some((device.device.as_str(), *group)),
            _ => None,
        })
        .collect();
    assert_eq!(order.len(), 16);
    assert_eq!(order[0], ("8c0000.geniqup", 0));
    assert_eq!(order[10], ("506a000.gmu", 10));
    assert_eq!(order[15], ("video-firmware.0", 15));
    // MANIFEST peach-pi: 339 kernel lines plus one glued to init output, no IOMMU, no failure.
    let log = read_log(&public(
        "lava-fixture-peach-pi-exynos5800-4.12rc6-serial-boot-no-sysmmu.txt",
    ));
    assert_eq!(log.timed_records, 340);
    assert!(iommu_groups(&log).is_empty());
    assert_eq!(events(&log, |m| matches!(m, Message::Splat(_))).count(), 0);
    // MANIFEST db410c: qcom-iommu consumers join four groups; list corruption warnings, oopses.
    let log = read_log(&public(
        "lava-fixture-db410c-next20221020-qcom-iommu-probe-list-corruption.txt",
    ));
    let groups = iommu_groups(&log);
    assert_eq!(groups.get("1d00000.video-codec"), Some(&0));
    assert_eq!(groups.get("1a01000.mdp"), Some(&3));
    assert!(
        events(
            &log,
            |m| matches!(m, Message::Splat(s) if s.class == SplatClass::Warning)
        )
        .count()
            >= 140
    );
    assert!(
        events(
            &log,
            |m| matches!(m, Message::Splat(s) if s.class == SplatClass::KernelFault)
        )
        .count()
            >= 1
    );
    // CRLF: no carriage return survives.
    let log = read_log(&public("beagleplay-am625-rfc-instrumented-probe-timing-crlf.txt"));
    assert!(log.events.iter().all(|e| !e.text.contains('\r')));
    assert_eq!(events(&log, |m| matches!(m, Message::InitcallReturned { function, usecs: Some(394_128), .. } if function == "deferred_probe_initcall")).count(), 1);
}

#[test]
fn iommu_timeouts_of_renesas_boards() {
    // MANIFEST: ten devices time out waiting for the IPMMU (plus the quoted pre-regression
    // line); the old kernel's "assuming no driver" for 7 + 9 devices.
    let log = read_log(&public(
        "rcar-h3-salvatorxs-next20200401-deferred-probe-timeout-iommu-warn.txt",
    ));
    let timed_out: BTreeSet<&str> = log
        .events
        .iter()
        .filter_map(|e| match &e.message {
            Message::IgnoringDependency {
                device,
                assumed_no_driver: false,
            } => Some(device.device.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        timed_out,
        BTreeSet::from([
            "ee100000.sd",
            "ee140000.sd",
            "ee160000.sd",
            "e6700000.dma-controller",
            "e7300000.dma-controller",
            "e7310000.dma-controller",
            "ec700000.dma-controller",
            "ec720000.dma-controller",
            "ee300000.sata",
            "e6800000.ethernet",
        ])
    );
    assert!(events(&log, |m| matches!(m, Message::Splat(s) if s.class == SplatClass::Panic && s.first_line.contains("VFS: Unable to mount root fs"))).count() == 1);
    let log = read_log(&public(
        "rcar-h3-v5.2rc-iommu-ignoring-dependency-systemd-console.txt",
    ));
    let assumed = events(&log, |m| {
        matches!(
            m,
            Message::IgnoringDependency {
                assumed_no_driver: true,
                ..
            }
        )
    })
    .count();
    assert_eq!(assumed, 16);
}

#[test]
fn probe_timing_and_deferrals_of_a_beagleplay() {
    let log = read_log(&public(
        "beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt",
    ));
    let returned = |dev: &str, v: i64, us: u64| {
        events(&log, move |m| matches!(m, Message::ProbeReturned { device, value, usecs: Some(u) } if device == dev && *value == v && *u == us)).count()
    };
    assert_eq!(returned("4201000.gpio", -517, 0), 1);
    assert_eq!(returned("8000f00.mdio", 517, 36137), 1);
    assert_eq!(returned("fa20000.mmc", 517, 17380), 1);
    assert!(events(&log, |m| matches!(m, Message::ProbeDeferred { device, deferral: Some(d), .. }
        if device == "fa00000.mmc" && d.reason == DeferReason::SupplierNotReady { supplier: "regulator-5".into() })).count() >= 1);
}

#[test]
fn smmu_context_faults_and_exynos_pastes() {
    // MANIFEST cavium: ten context faults, SMMU arm-smmu.1.auto, cbfrsynra 0x9000, fsr 0x80000402.
    let log = read_log(&public("cavium-cn8xx-arm-smmu-unhandled-context-fault.txt"));
    let faults: Vec<_> = events(&log, |m| {
        matches!(
            m,
            Message::SmmuEvent {
                kind: SmmuEventKind::ContextFault,
                ..
            }
        )
    })
    .collect();
    assert_eq!(faults.len(), 10);
    assert!(faults.iter().all(|e| matches!(&e.message, Message::SmmuEvent { iommu, event: 0x8000_0402, stream_id: Some(0x9000), .. } if iommu == "arm-smmu.1.auto")));
    // MANIFEST snow: no time stamps, one-space indentation; a SysMMU page fault, a BUG, a panic.
    let log = read_log(&public(
        "exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt",
    ));
    assert_eq!(log.timed_records, 0);
    assert!(events(&log, |m| matches!(m, Message::DevicePrint(p) if p.device == "14640000.sysmmu" && p.driver_or_bus == "exynos-sysmmu")).count() >= 1);
    // One crash is one report: the BUG, its Oops and the panic.
    let kinds: Vec<(SplatClass, Vec<SplatClass>)> = log
        .events
        .iter()
        .filter_map(|e| match &e.message {
            Message::Splat(s) => Some((s.class, s.chain.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (SplatClass::Warning, vec![]),
            (SplatClass::Warning, vec![]),
            (SplatClass::Bug, vec![SplatClass::Oops, SplatClass::Panic])
        ]
    );
    // MANIFEST odroid-xu3 6.14: the mixer joins group 1 under its bus name.
    let log = read_log(&public(
        "exynos5422-odroidxu3-6.14-sysmmu-v3.3-mixer-iommu-group-before-driver-bind.txt",
    ));
    assert!(events(&log, |m| matches!(m, Message::IommuGroupAdded { device, group: 1 } if device.device == "14450000.mixer" && device.driver_or_bus == "platform")).count() == 1);
    // MANIFEST odroid-xu 5.8: the mixer joins group 3 at 11.157065.
    let log = read_log(&public(
        "exynos5410-odroidxu-hdmi-mixer-sysmmu-devlink-deferral.txt",
    ));
    let joined = events(
        &log,
        |m| matches!(m, Message::IommuGroupAdded { device, group: 3 } if device.device == "14450000.mixer"),
    )
    .next()
    .unwrap();
    assert_eq!(joined.time, Some(BootTime(11_157_065)));
}

/// A scenario with driver core debug output (the most kinds of messages).
fn verbose_scenario() -> PathBuf {
    scenarios()
        .into_iter()
        .find(|s| {
            truth(s)["cmdline"].as_str().unwrap().contains("dyndbg")
                && !truth(s)["iommu_events"].as_array().unwrap().is_empty()
        })
        .unwrap()
}

fn timed_messages(log: &LogData) -> Vec<(Option<BootTime>, Message)> {
    log.events.iter().map(|e| (e.time, e.message.clone())).collect()
}

#[test]
fn journal_json_written_from_kmsg_gives_the_same_events() {
    // What journald stores for each /dev/kmsg record (systemd src/journal/journald-kmsg.c):
    // kernel records keep their text; user writes are split into identifier and message.
    let kmsg_path = verbose_scenario().join("kmsg.txt");
    let mut journal = String::new();
    for record in records(&kmsg_path) {
        let facility = record.facility.unwrap();
        let mut entry = serde_json::Map::new();
        entry.insert("__CURSOR".into(), "s=0".into());
        entry.insert(
            "__MONOTONIC_TIMESTAMP".into(),
            (record.time.unwrap().0 + 900).to_string().into(),
        );
        entry.insert(
            "_SOURCE_MONOTONIC_TIMESTAMP".into(),
            record.time.unwrap().0.to_string().into(),
        );
        entry.insert("_TRANSPORT".into(), "kernel".into());
        entry.insert("PRIORITY".into(), record.level.unwrap().to_string().into());
        entry.insert("SYSLOG_FACILITY".into(), facility.to_string().into());
        let message = match record.text.split_once(": ") {
            Some((ident, message)) if facility != 0 => {
                entry.insert("SYSLOG_IDENTIFIER".into(), ident.into());
                message.to_string()
            }
            _ => {
                entry.insert("SYSLOG_IDENTIFIER".into(), "kernel".into());
                record.text.clone()
            }
        };
        // journald stores text that is not printable UTF-8 as an array of bytes.
        if message.contains('\t') {
            entry.insert("MESSAGE".into(), message.bytes().collect::<Vec<u8>>().into());
        } else {
            entry.insert("MESSAGE".into(), message.into());
        }
        if let Some(device) = &record.device {
            entry.insert("_KERNEL_DEVICE".into(), device.as_str().into());
        }
        journal.push_str(&Value::Object(entry).to_string());
        journal.push('\n');
    }
    assert_eq!(sniff(journal.as_bytes()), Some(LogFormat::JournalJson));
    let from_journal = read_log_events("journal.json".into(), Cursor::new(journal)).unwrap();
    let from_kmsg = read_log(&kmsg_path);
    assert_eq!(from_journal.format, LogFormat::JournalJson);
    assert_eq!(from_journal.records, from_kmsg.records);
    assert_eq!(timed_messages(&from_journal), timed_messages(&from_kmsg));
    assert!(from_journal.events.iter().any(|e| matches!(
        e.message,
        Message::SmmuEvent {
            stream_id: Some(_),
            ..
        }
    )));
}

#[test]
fn dmesg_json_written_from_kmsg_gives_the_same_events() {
    // util-linux `dmesg --json` layout (sys-utils/dmesg.c): pretty-printed, raw `%5ld.%06ld`.
    let kmsg_path = verbose_scenario().join("kmsg.txt");
    let mut json = String::from("{\n   \"dmesg\": [\n");
    let recs = records(&kmsg_path);
    for (i, record) in recs.iter().enumerate() {
        let t = record.time.unwrap().0;
        let prio = u32::from(record.facility.unwrap()) * 8 + u32::from(record.level.unwrap());
        json.push_str(&format!(
            "      {{\n         \"pri\": {prio},\n         \"time\": {:>5}.{:06},\n         \"msg\": {}\n      }}{}\n",
            t / 1_000_000,
            t % 1_000_000,
            Value::from(record.text.as_str()),
            if i + 1 < recs.len() { "," } else { "" }
        ));
    }
    json.push_str("   ]\n}\n");
    assert_eq!(sniff(json.as_bytes()), Some(LogFormat::DmesgJson));
    let from_json = read_log_events("dmesg.json".into(), Cursor::new(json)).unwrap();
    let from_kmsg = read_log(&kmsg_path);
    assert_eq!(from_json.records, from_kmsg.records);
    assert_eq!(timed_messages(&from_json), timed_messages(&from_kmsg));
}

#[test]
fn compressed_logs_give_the_same_events() {
    use std::io::Write;
    let scenario = scenarios()
        .into_iter()
        .find(|s| truth(s)["iommu_events"].as_array().is_some_and(|a| !a.is_empty()))
        .unwrap();
    for file in ["dmesg.txt", "kmsg.txt"] {
        let plain = fs::read(scenario.join(file)).unwrap();
        let expected = read_log_events(file.into(), Cursor::new(plain.clone())).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).unwrap();
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
        xz.write_all(&plain).unwrap();
        let zst = zstd::stream::encode_all(&plain[..], 1).unwrap();
        for packed in [gz.finish().unwrap(), xz.finish().unwrap(), zst] {
            assert_ne!(packed, plain);
            let log = read_log_events(file.into(), decompressing(Cursor::new(packed)).unwrap()).unwrap();
            assert_eq!(log, expected, "{file}");
        }
        assert!(!expected.events.is_empty());
    }
}

#[test]
fn bad_input_is_an_error_or_a_partial_result() {
    // Empty.
    let error = read_log_events("empty.txt".into(), Cursor::new(Vec::new())).unwrap_err();
    assert!(
        error.to_string().starts_with("empty.txt: expected a kernel log"),
        "{error}"
    );
    assert!(error.found.as_deref().unwrap().contains("empty"));
    // Binary: a device tree blob.
    let dtb = fs::read(scenarios()[0].join("fdt.dtb")).unwrap();
    assert!(read_log_events("fdt.dtb".into(), Cursor::new(dtb)).is_err());
    // A /dev/kmsg log whose last record is cut before its text.
    let mut kmsg = fs::read(scenarios()[0].join("kmsg.txt")).unwrap();
    if !kmsg.ends_with(b"\n") {
        kmsg.push(b'\n');
    }
    kmsg.extend_from_slice(b"6,99999,123");
    let log = read_log_events("kmsg.txt".into(), Cursor::new(kmsg)).unwrap();
    assert_eq!(log.problems.len(), 1);
    // dmesg --json cut mid-object: the records before the cut.
    let json = fs::read(public("util-linux-fixture-dmesg-json-output-with-caller.txt")).unwrap();
    let cut = &json[..json.len() / 2];
    let log = read_log_events("dmesg.json".into(), Cursor::new(cut.to_vec())).unwrap();
    assert!(log.records > 10 && log.records < 58);
    assert_eq!(log.problems.len(), 1);
    // A read error halfway: what was read is kept, the error is noted with its offset.
    struct Failing(Cursor<Vec<u8>>, u64);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.position() >= self.1 {
                return Err(std::io::Error::other("device went away"));
            }
            let room = (self.1 - self.0.position()).min(buf.len() as u64) as usize;
            self.0.read(&mut buf[..room])
        }
    }
    let dmesg = fs::read(scenarios()[0].join("dmesg.txt")).unwrap();
    let half = dmesg.len() as u64 / 2;
    let failing = BufReader::new(Failing(Cursor::new(dmesg), half));
    let log = read_log_events("dmesg.txt".into(), failing).unwrap();
    assert!(log.records > 100);
    assert_eq!(log.problems.len(), 1);
    assert!(log.problems[0].message.contains("device went away"));
}

/// xorshift64*: deterministic "random" input without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const FORMATS: [LogFormat; 5] = [
    LogFormat::Text,
    LogFormat::Kmsg,
    LogFormat::DmesgJson,
    LogFormat::JournalJson,
    LogFormat::JournalText,
];

fn read_every_way(bytes: &[u8]) {
    let _ = read_log_events("fuzz".into(), Cursor::new(bytes.to_vec()));
    for format in FORMATS {
        let reader = LogReader::with_format("fuzz".into(), Cursor::new(bytes), format);
        let _ = collect_events(reader);
    }
}

#[test]
fn random_bytes_and_cut_logs_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Random bytes, biased towards the characters log grammars care about.
    let alphabet = b"[]<>{}:;,.-=+\\x \t\n\r\"0123456789abcdefTC@IE\x1b\x00";
    for _ in 0..300 {
        let len = rng.below(600);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(3) == 0 {
                    rng.next() as u8
                } else {
                    alphabet[rng.below(alphabet.len())]
                }
            })
            .collect();
        read_every_way(&bytes);
    }
    // Cuts and flipped bytes of real logs of every format.
    let mut samples = vec![
        public("util-linux-fixture-dmesg-json-output-with-caller.txt"),
        public("util-linux-fixture-dev-kmsg-raw-records-nul-separated.txt"),
        public("x86-amd-renoir-journalctl-full-boot-iommu-groups.txt"),
        public("kernelci-bot-report-bootrr-deferred-probe-empty-lava-host-timestamps.txt"),
    ];
    samples.push(scenarios()[0].join("kmsg.txt"));
    for path in samples {
        let bytes = fs::read(&path).unwrap();
        let bytes = &bytes[..bytes.len().min(40_000)];
        for _ in 0..8 {
            let cut = rng.below(bytes.len());
            read_every_way(&bytes[..cut]);
            let mut flipped = bytes.to_vec();
            for _ in 0..20 {
                let at = rng.below(flipped.len());
                flipped[at] = rng.next() as u8;
            }
            read_every_way(&flipped);
        }
    }
    // A journal line holding a JSON entry of the wrong shape.
    read_every_way(
        br#"{"MESSAGE":{"a":[1,2,{"b":null}]},"_TRANSPORT":"kernel","__MONOTONIC_TIMESTAMP":"x"}"#,
    );
}
