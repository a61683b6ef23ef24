//! `probescope collect` arguments that must be refused before anything runs, and local
//! collection from corpus captures laid out like `/`.

use crate::support::collect::*;
use probescope::ingest::bundle::{read_bundle, ItemStatus};
use std::fs;

#[test]
fn a_host_that_reads_as_an_ssh_option_is_refused() {
    let work = open_temp_dir();
    let canary = work.path().join("pwned");
    for host in [
        format!("-oProxyCommand=touch {}", canary.display()),
        format!("board;touch {}", canary.display()),
        "board $(reboot)".to_string(),
        "".to_string(),
    ] {
        let output = probescope()
            .current_dir(work.path())
            .args(["collect", &format!("--ssh={host}"), "-o", "b.tar.gz"])
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{host}: {stderr}");
        assert!(stderr.contains("SSH host"), "{host}: {stderr}");
    }
    assert_eq!(entries(work.path()), Vec::<String>::new());
}

#[test]
fn bad_arguments_are_refused_before_collecting() {
    let work = open_temp_dir();
    let occupied = work.path().join("occupied");
    fs::create_dir(&occupied).unwrap();
    fs::write(occupied.join("x"), "").unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--ssh", "board", "--ssh-option", "NoEquals"], "KEY=VALUE"),
        (
            &["--ssh", "board", "--ssh-option", "Port=1\nProxyCommand=x"],
            "control character",
        ),
        (&["--sysmmu-regs", "g2d@0x10A60002:0x1000"], "multiples of 4"),
        (&["--sysmmu-regs", "../g2d@0x10A60000:0x1000"], "window name"),
        (&["--remote-root", "relative/dir"], "absolute path"),
        (
            &["--dir", "-o", occupied.to_str().unwrap()],
            "not an empty directory",
        ),
    ];
    for (args, message) in cases {
        let output = probescope()
            .current_dir(work.path())
            .arg("collect")
            .args(args)
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(message),
            "{args:?}: expected `{message}` in {stderr}"
        );
    }
    assert_eq!(entries(work.path()), ["occupied"]);
}

#[test]
fn local_collection_gives_each_capture_back() {
    for capture in [
        "qemu/smmuv3-6.1/S1-smmu-early",
        "qemu/smmuv3-6.1/S5-verbose-late",
        "qemu/exynos-6.12/E2-exynos-late",
    ] {
        let source = fixture(capture);
        let work = open_temp_dir();
        let root = root_from_capture(&source, work.path());
        let out = work.path().join("dir/");
        let output = probescope()
            .args(["collect", "--quiet", "--remote-root"])
            .arg(&root)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{capture}: {}", stderr_of(&output));
        assert!(output.stderr.is_empty(), "--quiet");
        let read = |name: &str| fs::read(source.join(name)).unwrap();
        let got = |name: &str| fs::read(out.join(name)).unwrap();
        assert_eq!(got("kmsg.txt"), read("kmsg.txt"), "{capture}");
        assert_eq!(got("fdt.dtb"), read("sysfs/firmware/fdt"), "{capture}");
        assert_eq!(got("drivers.txt"), read("drivers.txt"), "{capture}");
        assert_eq!(got("iommu_class.txt"), read("iommu_class.txt"), "{capture}");
        assert_eq!(
            got("devices_deferred.txt"),
            read("sysfs/kernel/debug/devices_deferred"),
            "{capture}"
        );
        assert_eq!(
            sorted_lines(&got("devlink.txt")),
            sorted_lines(&read("devlink-final.txt")),
            "{capture}"
        );
        assert_eq!(
            sorted_lines(&got("waiting_for_supplier.txt")),
            sorted_lines(&read("waiting_for_supplier-final.txt")),
            "{capture}"
        );
        if source.join("sysfs/kernel/iommu_groups").exists() {
            assert_eq!(got("iommu_groups.txt"), read("iommu_groups.txt"), "{capture}");
        }
        // The directory form is the same bundle as the archive form.
        let manifest = fs::read(out.join("manifest.json")).unwrap();
        let manifest = probescope::ingest::bundle::parse_manifest(&manifest, "manifest.json").unwrap();
        assert!(manifest.complete, "{capture}");
        assert_eq!(manifest.transport, "local");
        for item in &manifest.items {
            if let Some(file) = &item.file {
                let bytes = got(file);
                assert_eq!(item.size, Some(bytes.len() as u64));
                assert_eq!(
                    item.sha256.as_deref(),
                    Some(probescope::ingest::bundle::sha256_hex(&bytes).as_str())
                );
            } else {
                assert_eq!(item.status, ItemStatus::Missing, "{capture}: {}", item.item);
            }
        }
    }
}

/// Collects S2 (its sysfs made a target root in `work`) into `work/b.tar.gz` and into the
/// folder `work/b`.
fn collect_packed_and_unpacked(work: &tempfile::TempDir) {
    let root = root_from_capture(&fixture("qemu/smmuv3-6.1/S2-smmu-late"), work.path());
    for args in [&["-o", "b.tar.gz"][..], &["--dir", "-o", "b"][..]] {
        let output = probescope()
            .current_dir(work.path())
            .args(["collect", "--quiet", "--remote-root"])
            .arg(&root)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
    }
}

#[test]
fn archive_and_directory_hold_the_same_bundle() {
    let work = open_temp_dir();
    collect_packed_and_unpacked(&work);
    let archive = read_bundle(&work.path().join("b.tar.gz")).unwrap();
    for member in &archive.members {
        assert_eq!(
            fs::read(work.path().join("b").join(&member.name)).unwrap(),
            member.bytes
        );
    }
    assert_eq!(entries(&work.path().join("b")).len(), archive.members.len() + 1);
    // `tar xzf b.tar.gz` unpacks into one directory named after the file.
    let listing = std::process::Command::new("tar")
        .args(["tzf", "b.tar.gz"])
        .current_dir(work.path())
        .output()
        .unwrap();
    let names = String::from_utf8(listing.stdout).unwrap();
    assert!(names.lines().all(|name| name.starts_with("b/")), "{names}");
    assert!(names.lines().any(|name| name == "b/manifest.json"));
}

/// `check` of a bundle gives exactly the findings `check` gives on the capture it came from.
/// Evidence cites different files (bundle members, capture files), so findings are compared
/// by everything else.
#[test]
fn check_of_a_bundle_equals_check_of_the_capture() {
    let capture = fixture("qemu/smmuv3-6.1/S2-smmu-late");
    let work = open_temp_dir();
    let root = root_from_capture(&capture, work.path());
    let bundle = work.path().join("b.tar.gz");
    let collected = probescope()
        .args(["collect", "--quiet", "--remote-root"])
        .arg(&root)
        .arg("-o")
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(collected.status.success(), "{}", stderr_of(&collected));
    let check = |input: &std::path::Path| {
        let output = probescope()
            .args(["check", "--format", "json", "--fail-on", "never"])
            .arg(input)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
        let run: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        crate::support::schema::assert_valid("check", &run);
        let mut findings: Vec<serde_json::Value> = run["boots"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let mut f = f.clone();
                f.as_object_mut().unwrap().remove("evidence");
                f
            })
            .collect();
        findings.sort_by_key(|f| f.to_string());
        findings
    };
    assert!(!check(&capture).is_empty());
    assert_eq!(check(&bundle), check(&capture));
}

/// A bundle gives the same report packed and unpacked: the same findings with the same evidence
/// (cited as `b.tar.gz:kmsg.txt:N` or `b/kmsg.txt:N`), the same notes, every member used alike.
/// An empty `devices_deferred.txt` (nothing pending) was once "no devices_deferred" when packed:
/// a member was recognised by its cited name, `b.tar.gz:devices_deferred.txt`.
#[test]
fn a_bundle_reads_the_same_packed_and_unpacked() {
    let work = open_temp_dir();
    collect_packed_and_unpacked(&work);
    let report = |input: &str, prefix: &str| {
        let output = probescope()
            .current_dir(work.path())
            .args(["check", "--format", "json", "--fail-on", "never", input])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
        // Where each file is cited from is the one difference allowed.
        let text = String::from_utf8(output.stdout)
            .unwrap()
            .replace(prefix, "BUNDLE/");
        let run: serde_json::Value = serde_json::from_str(&text).unwrap();
        let boot = &run["boots"][0];
        let kinds: Vec<String> = boot["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i, i["path"].as_str().unwrap()))
            .filter(|(_, path)| path.starts_with("BUNDLE/") && *path != "BUNDLE/manifest.json")
            .map(|(i, _)| i)
            .map(|i| format!("{} {}", i["path"], i["kind"]))
            .collect();
        (boot["findings"].clone(), boot["notes"].clone(), sorted(kinds))
    };
    let packed = report("b.tar.gz", "b.tar.gz:");
    let unpacked = report("b", "b/");
    assert_eq!(packed.0, unpacked.0, "findings");
    assert_eq!(packed.1, unpacked.1, "notes");
    assert_eq!(packed.2, unpacked.2, "how each member was used");
    assert!(packed
        .2
        .iter()
        .any(|k| k.contains("devices_deferred.txt") && k.contains("devices-deferred")));
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}
