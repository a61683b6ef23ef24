//! Pastes: the public mails and bug reports that hold kernel evidence between sentences, each
//! read by content into its regions (one test per region kind) and checked against what its
//! MANIFEST entry says a correct analysis concludes; prose alone yields no devices.

use crate::support::corpus::{set, subjects};
use crate::support::deferred::{deferral_of, still_deferred};
use probescope::commands::check::analyse;
use probescope::ingest::discover::{gather, InputSpec};
use probescope::ingest::BootInputs;
use probescope::rules::Finding;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

fn spec(path: &str) -> InputSpec {
    InputSpec {
        paths: vec![fixture(path)],
        ..InputSpec::default()
    }
}

fn inputs(path: &str) -> BootInputs {
    gather(&spec(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn findings(path: &str) -> Vec<Finding> {
    analyse(&spec(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .1
        .findings
}

/// The note saying which regions the paste held.
fn region_note(boot: &BootInputs) -> &str {
    boot.notes
        .iter()
        .find(|n| n.contains("read as a paste"))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no paste note in {:?}", boot.notes))
}

#[test]
fn devices_deferred_after_a_prompt_gives_the_entries_and_no_prose() {
    let exynos4 = "public/exynos4-fw_devlink-on-devices_deferred-sysmmu-power-domain.txt";
    let found = findings(exynos4);
    let deferred = still_deferred(&found);
    assert_eq!(deferred.len(), 20, "{deferred:?}");
    assert!(deferred.contains("sound"));
    assert!(deferred.contains("10048000.clock-controller"));
    // Words of the mail's sentences (`easier:` ends a line of prose) are not devices.
    assert!(
        deferred.iter().all(|d| d.contains('.') || d == "sound"),
        "{deferred:?}"
    );
    let gpu = deferral_of(&found, "13000000.gpu").expect("the GPU is still deferred");
    assert!(
        gpu.message
            .contains("supplier 10023c60.power-domain never became a device"),
        "{}",
        gpu.message
    );
    let boot = inputs(exynos4);
    assert!(region_note(&boot).contains("devices_deferred listing (lines 77-115)"));

    // A name alone after the prompt (kernels before v5.9): the IOMMU itself is deferred.
    let juno = findings("public/juno-r1-devices_deferred-iommu-itself-deferred.txt");
    assert_eq!(still_deferred(&juno), set(&["2b600000.iommu"]));

    // TAB-indented output: the codec and the card, not the DT path or `i2c2` of the prose.
    let ulcb =
        findings("public/rcar-h3-ulcb-kf-fw_devlink-strict-devices_deferred-missing-regulator-driver.txt");
    assert_eq!(still_deferred(&ulcb), set(&["16-0044", "sound"]));
}

#[test]
fn a_devlink_diff_listing_gives_the_links_present_after_the_change() {
    let genpd = inputs("public/rcar-gen3-dt-overlay-class-devlink-genpd_provider-supplier-listing.txt");
    let links: BTreeSet<String> = genpd.snapshots[0]
        .devlinks
        .as_ref()
        .unwrap()
        .iter()
        .map(|l| l.name.clone())
        .collect();
    // Added on load (`+`); the removed `platform:e6060000.pinctrl--platform:keys` (`-`) and the
    // whole `-` listing of the unload are not links of the state shown.
    assert_eq!(
        links,
        set(&[
            "genpd_provider:ca53-cpu0--platform:e6e90000.spi",
            "platform:e6055000.gpio--platform:e6e90000.spi",
            "platform:e6060000.pinctrl--platform:e6e90000.spi",
            "platform:e6150000.clock-controller--platform:e6e90000.spi",
            "platform:soc--platform:e6e90000.spi",
        ])
    );
    let genpd_link = genpd.snapshots[0]
        .devlinks
        .as_ref()
        .unwrap()
        .iter()
        .find(|l| l.name.starts_with("genpd"))
        .unwrap();
    assert_eq!(genpd_link.supplier.bus.as_deref(), Some("genpd_provider"));
    assert_eq!(
        genpd_link.origin.to_string(),
        format!(
            "{}:55",
            fixture("public/rcar-gen3-dt-overlay-class-devlink-genpd_provider-supplier-listing.txt")
                .display()
        )
    );

    // The older thread: a quoted devices_deferred paste and `+`/`-` listings in one mail.
    let diff = "public/rcar-gen3-dt-overlay-fwnode-links-and-class-devlink-listing-diff.txt";
    let found = findings(diff);
    assert_eq!(still_deferred(&found), set(&["e6e90000.spi"]));
    let boot = inputs(diff);
    let links = boot.snapshots[0].devlinks.as_ref().unwrap();
    assert!(links
        .iter()
        .any(|l| l.name == "platform:soc--platform:e6e90000.spi"));
    assert!(links
        .iter()
        .all(|l| l.name != "platform:e6060000.pinctrl--platform:keys"));
}

#[test]
fn an_iommu_class_listing_gives_every_instance_and_consumer() {
    let boot = inputs("public/pixel6-gs101-sys-class-iommu-devices-listing.txt");
    let instances = boot.snapshots[0].iommu_instances.as_ref().unwrap();
    assert_eq!(instances.len(), 27);
    // 21 consumer names under 17 instances, counted in the listing (as its MANIFEST entry says).
    assert_eq!(instances.iter().map(|i| i.devices.len()).sum::<usize>(), 21);
    assert_eq!(instances.iter().filter(|i| i.devices.is_empty()).count(), 10);
    let mfc = instances.iter().find(|i| i.name == "1c870000.sysmmu").unwrap();
    assert_eq!(mfc.devices, ["1c8d0000.MFC-0", "mfc"]);
    // The signature under the listing is not a consumer.
    assert!(instances.iter().all(|i| i.devices.iter().all(|d| d != "Bart.")));
}

#[test]
fn iommu_groups_grep_and_quoted_wrapped_log_lines() {
    let path = "public/exynos5422-odroidxu3-iommu_groups-type-grep-identity.txt";
    let boot = inputs(path);
    let groups = boot.snapshots[0].iommu_groups.as_ref().unwrap();
    assert_eq!(groups.len(), 11);
    assert!(groups
        .iter()
        .all(|g| g.domain_type.as_deref() == Some("identity")));
    // The five quoted `>> [ts]` lines, two of them wrapped by the mail client, rejoined.
    let log = boot.log.as_ref().unwrap();
    assert_eq!(log.timed_records, 5);
    assert!(log.events.iter().any(|e| e.text.contains(
        "14450000.mixer: exynos_iommu_identity_attach: Restored IOMMU to IDENTITY from pgtable 0x42924000"
    )));
    let note = region_note(&boot);
    assert!(note.contains("kernel log lines (lines 90-100)"), "{note}");
    assert!(note.contains("iommu_groups listing (lines 125-135)"), "{note}");
    assert!(findings(path).is_empty());
}

#[test]
fn a_mail_quoted_untimed_log_is_read_with_its_wrapped_lines_joined() {
    let path = "public-extra/imx8mm-gw7200-6.19rc-mail-quoted-dmesg-sync-state-pending.txt";
    let found = findings(path);
    assert_eq!(
        subjects(&found, "sync-state-pending"),
        set(&["38330000.blk-ctrl", "imx-pgc-domain.5"])
    );
    let blk = found.iter().find(|f| f.subject == "38330000.blk-ctrl").unwrap();
    assert!(
        blk.message.contains("38310000.video-codec, 38300000.video-codec"),
        "{}",
        blk.message
    );
    // Wrapped DT paths are whole again: no cycle member ends in `/` or holds a space.
    for cycle in found.iter().filter(|f| f.rule == "supplier-cycle") {
        assert!(!cycle.message.contains("/ "), "{}", cycle.message);
    }
    // The `lspci` tree in the prose (`-[0000:00]---00.0-[01-ff]--`) is not a device link.
    let boot = inputs(path);
    assert!(boot.snapshots.iter().all(|s| s.devlinks.is_none()));
    assert!(region_note(&boot).contains("kernel log lines (lines 899-"));
}

#[test]
fn prose_alone_yields_no_devices() {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail.txt");
    std::fs::write(
        &mail,
        "Hi Saravana,\n\nthe sound card stays deferred; devices_deferred says so.\n\
         Frankly speaking I doubt that anyone will find those. Even such a change makes it\n\
         easier:\n\n> There's already a waiting_for_supplier file\n> sound\n\nThanks,\nMarek\n",
    )
    .unwrap();
    let error = analyse(&InputSpec {
        paths: vec![mail.clone()],
        ..InputSpec::default()
    })
    .unwrap_err()
    .to_string();
    assert!(error.contains("nothing usable was read"), "{error}");
    let boot = gather(&InputSpec {
        paths: vec![mail],
        ..InputSpec::default()
    })
    .unwrap();
    assert!(boot.is_empty());
    assert!(boot.notes.iter().all(|n| !n.contains("read as a paste")));
}

#[test]
fn a_paste_forced_as_devices_deferred_gives_only_its_listing() {
    for (path, expected) in [
        (
            "public/rcar-h3-ulcb-kf-fw_devlink-strict-devices_deferred-missing-regulator-driver.txt",
            2,
        ),
        (
            "public/exynos4-fw_devlink-on-devices_deferred-sysmmu-power-domain.txt",
            20,
        ),
    ] {
        let (_, report) = analyse(&InputSpec {
            deferred: vec![fixture(path)],
            ..InputSpec::default()
        })
        .unwrap();
        let deferred = still_deferred(&report.findings);
        assert_eq!(deferred.len(), expected, "{path}: {deferred:?}");
        // No DT path, figure label or sentence-ending word of the prose.
        assert!(
            deferred
                .iter()
                .all(|d| !d.contains('/') && !d.ends_with(':') && d != "i2c2"),
            "{deferred:?}"
        );
    }
}

#[test]
fn prose_between_time_stamped_kernel_lines_names_no_device() {
    // The Beagleplay mail's prose "The\nanswer is: a lot of deferrals ..." (line 159) reads like a
    // `<driver> <device>:` prefix; among time-stamped kernel lines, a line with neither time
    // stamp nor kernel prefix is not the kernel's.
    let (boot, _) = analyse(&spec(
        "public/beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt",
    ))
    .unwrap();
    assert!(boot.find_by_name("is").is_none());
    assert!(boot.devices.iter().all(|d| d.name != "is"));
}

/// The findings as a user reads them: rule, subject and message (not where each came from).
fn conclusions(findings: &[Finding]) -> BTreeSet<(String, String, String)> {
    findings
        .iter()
        .map(|f| (f.rule.to_string(), f.subject.clone(), f.message.clone()))
        .collect()
}

#[test]
fn several_files_under_tail_headers_are_each_read_as_what_their_file_is() {
    // `tail -n +1 devices_deferred dmesg.txt` output of a real capture, after a sentence of prose.
    let capture = fixture("qemu/smmuv3-6.1/S8-notimeout-never");
    let deferred = std::fs::read_to_string(capture.join("devices_deferred-final.txt")).unwrap();
    let dmesg = std::fs::read_to_string(capture.join("dmesg.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("report.txt");
    std::fs::write(
        &mail,
        format!(
            "Hi, the NVMe never shows up; here is what the board printed:\n\n\
             ==> /sys/kernel/debug/devices_deferred <==\n{deferred}\n==> dmesg.txt <==\n{dmesg}"
        ),
    )
    .unwrap();
    let alone = analyse(&InputSpec {
        paths: vec![capture.join("dmesg.txt")],
        deferred: vec![capture.join("devices_deferred-final.txt")],
        ..InputSpec::default()
    })
    .unwrap()
    .1
    .findings;
    let pasted = analyse(&InputSpec {
        paths: vec![mail.clone()],
        ..InputSpec::default()
    })
    .unwrap()
    .1
    .findings;
    assert_eq!(still_deferred(&pasted).len(), 4, "{pasted:?}");
    assert_eq!(conclusions(&pasted), conclusions(&alone));
    let boot = gather(&InputSpec {
        paths: vec![mail],
        ..InputSpec::default()
    })
    .unwrap();
    let note = region_note(&boot);
    assert!(note.contains("devices_deferred listing (lines 4-7)"), "{note}");
    assert!(note.contains("kernel log lines (lines 10-"), "{note}");
}

#[test]
fn a_link_status_file_under_its_header_is_that_links_status() {
    // `head /sys/class/devlink/*/status` of a real capture's links: each value is its link's.
    let dump =
        std::fs::read_to_string(fixture("qemu/exynos-6.12/E1-exynos-early/devlink-final.txt")).unwrap();
    let statuses: Vec<(&str, &str)> = dump
        .lines()
        .filter_map(|l| l.strip_prefix("/sys/class/devlink/")?.split_once("/status:"))
        .collect();
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    let mut text = String::from("Statuses after boot:\n\n");
    for (link, status) in &statuses {
        text.push_str(&format!("==> /sys/class/devlink/{link}/status <==\n{status}\n\n"));
    }
    text.push_str("Thanks\n");
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("statuses.txt");
    std::fs::write(&mail, text).unwrap();
    let boot = gather(&InputSpec {
        paths: vec![mail],
        ..InputSpec::default()
    })
    .unwrap();
    let links = boot.snapshots[0].devlinks.as_ref().unwrap();
    let read: BTreeSet<(String, String)> = links
        .iter()
        .map(|l| {
            (
                l.name.clone(),
                l.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = statuses
        .iter()
        .map(|(l, s)| (l.to_string(), s.to_string()))
        .collect();
    assert_eq!(read, expected);
}

#[test]
fn a_bare_ls_of_class_devlink_gives_each_link_with_its_status_unknown() {
    // The names of a real capture's links, as `ls -1`, as `ls` lays them out in columns, and in
    // a mail after its prompt.
    let dump =
        std::fs::read_to_string(fixture("qemu/exynos-6.12/E1-exynos-early/devlink-final.txt")).unwrap();
    let names: Vec<&str> = dump
        .lines()
        .filter_map(|l| {
            l.strip_prefix("/sys/class/devlink/")?
                .strip_suffix("/status:available")
        })
        .chain(dump.lines().filter_map(|l| {
            l.strip_prefix("/sys/class/devlink/")?
                .strip_suffix("/status:not tracked")
        }))
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
    let one_per_line = names.join("\n") + "\n";
    let columns = names
        .chunks(3)
        .map(|row| row.join("  "))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    let mail =
        format!("The links on this board:\n\nroot@board:~# ls /sys/class/devlink\n{columns}\nThanks\n");
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in [
        ("one.txt", &one_per_line),
        ("columns.txt", &columns),
        ("mail.txt", &mail),
    ] {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let boot = gather(&InputSpec {
            paths: vec![path],
            ..InputSpec::default()
        })
        .unwrap();
        assert!(
            boot.snapshots[0].deferred.is_none(),
            "{file}: read as devices_deferred"
        );
        let links = boot.snapshots[0].devlinks.as_ref().unwrap();
        let read: BTreeSet<&str> = links.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(read, names.iter().copied().collect(), "{file}");
        assert!(links.iter().all(|l| l.status.is_none()), "{file}");
        let pci = links
            .iter()
            .find(|l| l.consumer.bus.as_deref() == Some("pci"))
            .unwrap();
        assert_eq!(pci.supplier.name, "7f050000.sysmmu");
        assert_eq!(pci.consumer.name, "0000:00:03.0");
    }
}

#[test]
fn a_file_header_after_a_long_log_still_starts_its_own_file() {
    // `tail -n +1 dmesg.txt devices_deferred` of a real log longer than the head a file is
    // recognised by, and a real capture's listing: the listing after the log is still one.
    let log = fixture("public/dell-poweredge-t440-5.10-initcall-debug-kexec-iommu-groups.txt");
    let dmesg = std::fs::read_to_string(&log).unwrap();
    let capture = fixture("qemu/virtio-iommu-arm64-6.12/V4-verbose-late");
    assert!(dmesg.len() > probescope::ingest::discover::HEAD_BYTES);
    let deferred = std::fs::read_to_string(capture.join("devices_deferred-before-timeout.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let both = dir.path().join("both.txt");
    std::fs::write(
        &both,
        format!("==> dmesg.txt <==\n{dmesg}\n==> /sys/kernel/debug/devices_deferred <==\n{deferred}"),
    )
    .unwrap();
    let boot = gather(&InputSpec {
        paths: vec![both],
        ..InputSpec::default()
    })
    .unwrap();
    let listed: BTreeSet<String> = boot.snapshots[0]
        .deferred
        .as_ref()
        .expect("the listing is read")
        .iter()
        .map(|e| e.device.clone())
        .collect();
    let expected: BTreeSet<String> = deferred
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed, expected);
    let alone = gather(&InputSpec {
        paths: vec![log],
        ..InputSpec::default()
    })
    .unwrap();
    assert_eq!(
        boot.log.as_ref().unwrap().timed_records,
        alone.log.as_ref().unwrap().timed_records
    );
}
