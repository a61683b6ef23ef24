//! Reading bundles: a bundle comes from elsewhere (a bug report, a CI artefact), so the archive
//! is untrusted. These archives are built byte by byte to hold what `collect` never writes.

use crate::support::collect::*;
use probescope::ingest::bundle::{read_bundle, read_bundle_from, Bundle, BundleLimits};
use std::io::Write;
use tar::EntryType;

/// A valid bundle to start from, as `collect` writes it (collected once per run).
fn collected_bundle() -> Bundle {
    static BUNDLE: std::sync::OnceLock<Bundle> = std::sync::OnceLock::new();
    BUNDLE.get_or_init(collect_one).clone()
}

fn collect_one() -> Bundle {
    let work = open_temp_dir();
    let root = root_from_capture(&fixture("qemu/smmuv3-6.1/S2-smmu-late"), work.path());
    let out = work.path().join("b.tar.gz");
    let output = probescope()
        .args(["collect", "--quiet", "--remote-root"])
        .arg(&root)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    read_bundle(&out).unwrap()
}

/// One raw tar member: a header with exactly `name` (no checks) and `data`, padded to 512.
fn entry(name: &[u8], kind: EntryType, data: &[u8], declared_size: Option<u64>) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_size(declared_size.unwrap_or(data.len() as u64));
    header.set_entry_type(kind);
    header.set_mode(0o644);
    if kind == EntryType::Symlink {
        header.set_link_name("/etc/shadow").unwrap();
    }
    header.set_cksum();
    let mut out = header.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(512), 0);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `bundle`'s members (manifest first) as raw tar members, plus `extra` at the end.
fn archive(bundle: &Bundle, extra: &[Vec<u8>]) -> Vec<u8> {
    let manifest = serde_json::to_vec(&bundle.manifest).unwrap();
    let mut tar = entry(b"manifest.json", EntryType::Regular, &manifest, None);
    for member in &bundle.members {
        tar.extend(entry(
            member.name.as_bytes(),
            EntryType::Regular,
            &member.bytes,
            None,
        ));
    }
    for raw in extra {
        tar.extend_from_slice(raw);
    }
    tar.extend_from_slice(&[0u8; 1024]);
    gzip(&tar)
}

fn read(bytes: &[u8]) -> Result<Bundle, String> {
    read_bundle_from(bytes, "test.tar.gz", &BundleLimits::default()).map_err(|e| e.to_string())
}

#[test]
fn a_well_formed_archive_reads_back() {
    let bundle = collected_bundle();
    assert_eq!(read(&archive(&bundle, &[])).unwrap(), bundle);
}

#[test]
fn escaping_and_special_members_are_refused() {
    let bundle = collected_bundle();
    let cases: [(Vec<u8>, &str); 5] = [
        (
            entry(b"../evil.txt", EntryType::Regular, b"x", None),
            "without `..`",
        ),
        (
            entry(b"b/../../evil.txt", EntryType::Regular, b"x", None),
            "without `..`",
        ),
        (
            entry(b"/etc/evil.txt", EntryType::Regular, b"x", None),
            "absolute names",
        ),
        (
            entry(b"kmsg-link.txt", EntryType::Symlink, b"", None),
            "a regular file",
        ),
        (entry(b"mem", EntryType::Char, b"", None), "a regular file"),
    ];
    for (raw, message) in cases {
        let error = read(&archive(&bundle, &[raw])).unwrap_err();
        eprintln!("{error}");
        assert!(error.contains(message), "expected `{message}` in: {error}");
        assert!(error.starts_with("test.tar.gz (byte offset"), "{error}");
    }
}

#[test]
fn oversized_members_are_refused_before_reading_them() {
    let bundle = collected_bundle();
    // The header claims 1 GiB; the data is not there and is never asked for.
    let huge = entry(b"kmsg-huge.txt", EntryType::Regular, b"", Some(1 << 30));
    let error = read(&archive(&bundle, &[huge])).unwrap_err();
    assert!(error.contains("a member of at most 67108864 bytes"), "{error}");
}

#[test]
fn a_gzip_bomb_is_refused() {
    // 300 MiB of zeros behind one header, as concatenated gzip members of 1 MiB each: a file
    // of a few hundred KiB that expands past the 256 MiB cap.
    let zeros = gzip(&vec![0u8; 1 << 20]);
    let mut bomb = gzip(&entry(b"padding/", EntryType::Directory, b"", Some(300 << 20)));
    for _ in 0..300 {
        bomb.extend_from_slice(&zeros);
    }
    assert!(bomb.len() < 1 << 20);
    let error = read(&bomb).unwrap_err();
    assert!(error.contains("refused as a likely gzip bomb"), "{error}");

    // Many members under the member cap add up the same way.
    let limits = BundleLimits {
        max_total: 1 << 20,
        ..BundleLimits::default()
    };
    let mut tar = Vec::new();
    for index in 0..8 {
        tar.extend(entry(
            format!("part{index}").as_bytes(),
            EntryType::Regular,
            &[0u8; 200_000],
            None,
        ));
    }
    let error = read_bundle_from(gzip(&tar).as_slice(), "t", &limits)
        .unwrap_err()
        .to_string();
    assert!(error.contains("refused as a likely gzip bomb"), "{error}");
}

#[test]
fn damaged_or_padded_bundles_are_refused() {
    let bundle = collected_bundle();
    let mut damaged = bundle.clone();
    damaged.members[0].bytes[0] ^= 1;
    let error = read(&archive(&damaged, &[])).unwrap_err();
    assert!(error.contains("the bundle is damaged"), "{error}");

    let stray = entry(b"extra.txt", EntryType::Regular, b"not listed", None);
    let error = read(&archive(&bundle, &[stray])).unwrap_err();
    assert!(error.contains("only the members the manifest lists"), "{error}");

    let mut tar = entry(b"kmsg.txt", EntryType::Regular, b"6,0,0,-;x\n", None);
    tar.extend_from_slice(&[0u8; 1024]);
    let error = read(&gzip(&tar)).unwrap_err();
    assert!(error.contains("with a manifest.json"), "{error}");

    let error = read(b"not a gzip file at all").unwrap_err();
    assert!(error.contains("test.tar.gz"), "{error}");
}
