//! Every generated case in fixtures/sysmmu/cases checked against its truth.json by the rules of
//! fixtures/sysmmu/README.md ("How a checker should compare").

use crate::support::sysmmu::*;
use probescope::sysmmu::walk::PageTable;
use probescope::sysmmu::{coalesce, explain, map_table, Conventions, Iova, PteFormat, TableAnswer, Walk};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The decode fields that must match the truth exactly.
fn check_decode(
    case: &str,
    form: &str,
    decode: &probescope::sysmmu::RegisterDecode,
    truth: &Value,
    out: &mut Vec<String>,
) {
    let expected = &truth["decode"];
    let mut check = |what: &str, ok: bool| {
        if !ok {
            out.push(format!("{case} [{form}]: {what}"));
        }
    };
    check(
        "major",
        Some(u64::from(decode.version.major)) == expected["version"]["major"].as_u64(),
    );
    check(
        "minor",
        Some(u64::from(decode.version.minor)) == expected["version"]["minor"].as_u64(),
    );
    check(
        "revision",
        Some(u64::from(decode.version.revision)) == expected["version"]["revision"].as_u64(),
    );
    check(
        "quirk",
        Some(decode.version.quirk) == expected["version"]["quirk_0x80000001"].as_bool(),
    );
    check(
        "layout",
        Some(decode.layout.name()) == expected["layout"].as_str(),
    );
    check(
        "pte_shift",
        Some(u64::from(decode.pte_shift)) == expected["pte_shift"].as_u64(),
    );
    check(
        "lv1_table_pa",
        decode.lv1_table_pa().map(|pa| pa.0) == hex(&expected["pt_base"]["lv1_table_pa"]),
    );
    check(
        "pt_base encoding",
        decode
            .pt_base
            .as_ref()
            .map(|pt| serde_json::to_value(pt.encoding).unwrap())
            == Some(expected["pt_base"]["encoding"].clone()),
    );
    check(
        "mmu_enabled",
        decode.mmu_enabled == expected["mmu_enabled"].as_bool(),
    );
    let ctrl = serde_json::to_value(&decode.ctrl).unwrap();
    check("ctrl", ctrl == expected["ctrl"]);
    let cfg = serde_json::to_value(&decode.cfg).unwrap();
    check("cfg", cfg == expected["cfg"]);
    let bits: Vec<u64> = decode
        .int_status
        .as_ref()
        .map(|s| s.bits.iter().map(|b| u64::from(*b)).collect())
        .unwrap_or_default();
    let expected_bits: Vec<u64> = expected["int_status"]["bits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    check("int_status bits", bits == expected_bits);
    if expected.get("capa").is_some() {
        let capa = serde_json::to_value(&decode.capa).unwrap();
        check("capa", capa == expected["capa"]);
    }
    if expected.get("ctrl_vm").is_some() {
        let ctrl_vm = serde_json::to_value(&decode.ctrl_vm).unwrap();
        check("ctrl_vm", ctrl_vm == expected["ctrl_vm"]);
    }
    match (&decode.fault, truth["fault"].is_null()) {
        (None, true) => {}
        (Some(fault), false) => {
            let expected = &truth["fault"];
            check(
                "primary_bit",
                Some(u64::from(fault.primary_bit)) == expected["primary_bit"].as_u64(),
            );
            let faults = expected["faults"].as_array().unwrap();
            check("fault count", faults.len() == fault.faults.len());
            for (ours, theirs) in fault.faults.iter().zip(faults) {
                check("fault bit", Some(u64::from(ours.bit)) == theirs["bit"].as_u64());
                check("fault kind", Some(ours.kind.token()) == theirs["kind"].as_str());
                check(
                    "fault access",
                    Some(ours.access.to_string().as_str()) == theirs["access"].as_str(),
                );
                check(
                    "fault address",
                    ours.address.map(|a| u64::from(a.0)) == hex(&theirs["address"]),
                );
                check(
                    "fault addr_reg",
                    ours.addr_reg.map(u64::from) == hex(&theirs["addr_reg"]),
                );
                if let Some(info) = theirs.get("trans_info") {
                    check("trans_info", ours.trans_info.map(u64::from) == hex(info));
                    check("axid", ours.axid.map(u64::from) == theirs["axid"].as_u64());
                    check("axlen", ours.axlen.map(u64::from) == theirs["axlen"].as_u64());
                }
            }
        }
        _ => out.push(format!("{case} [{form}]: fault presence differs")),
    }
}

#[test]
fn register_decode_is_exact_from_every_form() {
    let mut failures = Vec::new();
    for dir in case_dirs() {
        let case = name(&dir);
        let truth = truth(&dir);
        let reference = {
            let window = read_regs(&dir.join("regs.bin"), Some(sfr_base(&dir)));
            probescope::sysmmu::decode(&window, Conventions::Mainline, None).unwrap()
        };
        check_decode(&case, "regs.bin", &reference, &truth, &mut failures);
        let comparable = |decode: &probescope::sysmmu::RegisterDecode| {
            let mut value = serde_json::to_value(decode).unwrap();
            let object = value.as_object_mut().unwrap();
            object.remove("notes");
            object.remove("sfr_base");
            value
        };
        let reference_value = comparable(&reference);
        for form in [
            "regs.json",
            "regs.mdl.txt",
            "regs.devmem.txt",
            "regs.addrval.txt",
            "regs.named.txt",
        ] {
            let decode = decode_file(&dir.join(form), Conventions::Mainline);
            check_decode(&case, form, &decode, &truth, &mut failures);
            if comparable(&decode) != reference_value {
                failures.push(format!("{case} [{form}]: decode differs from regs.bin's"));
            }
            if form != "regs.named.txt" && decode.sfr_base != Some(sfr_base(&dir)) {
                failures.push(format!(
                    "{case} [{form}]: window base {:?} not inferred",
                    decode.sfr_base
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn md_dumps_read_the_same_without_prompt_lines() {
    for dir in case_dirs() {
        let text = std::fs::read_to_string(dir.join("regs.mdl.txt")).unwrap();
        let stripped: String = text
            .lines()
            .filter(|l| !l.starts_with("=>"))
            .map(|l| format!("{l}\n"))
            .collect();
        let window = probescope::sysmmu::dump::read_register_text(
            "stripped",
            stripped.as_bytes(),
            &Default::default(),
        )
        .unwrap();
        let original = read_regs(&dir.join("regs.mdl.txt"), None);
        let a: Vec<_> = window.iter().collect();
        let b: Vec<_> = original.iter().collect();
        assert_eq!(a, b, "{}", name(&dir));
    }
}

fn in_ranges(ranges: &[(u64, u64)], iova: u64) -> bool {
    ranges.iter().any(|(lo, hi)| iova >= *lo && iova <= *hi)
}

fn ambiguous_ranges(truth: &Value) -> Vec<(u64, u64)> {
    truth["ambiguous_iova_ranges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (hex(&pair[0]).unwrap(), hex(&pair[1]).unwrap()))
        .collect()
}

fn truth_pages(truth: &Value, skip: &[(u64, u64)]) -> PageMap {
    let mut pages = PageMap::new();
    for leaf in truth["mappings"].as_array().unwrap() {
        let iova = hex(&leaf["iova"]).unwrap();
        let pa = hex(&leaf["pa"]).unwrap();
        let size = leaf["size"].as_u64().unwrap();
        let kind = leaf["kind"].as_str().unwrap().to_string();
        for page in 0..size / 4096 {
            let at = iova + page * 4096;
            if !in_ranges(skip, at) {
                pages.insert(at, (pa + page * 4096, kind.clone()));
            }
        }
    }
    pages
}

fn open_case(
    dir: &Path,
    conventions: Conventions,
) -> (probescope::sysmmu::RegisterDecode, probescope::sysmmu::MemorySet) {
    let decode = decode_file(&dir.join("regs.bin"), conventions);
    (decode, memory(&dir.join("memory.json")))
}

#[test]
fn mappings_expand_to_the_truths_pages_and_runs() {
    let mut failures = Vec::new();
    for dir in case_dirs() {
        let case = name(&dir);
        let truth = truth(&dir);
        let (decode, memory) = open_case(&dir, Conventions::Mainline);
        let format = PteFormat::new(decode.layout, Conventions::Mainline);
        let table = PageTable::load(&memory, format, decode.lv1_table_pa().unwrap());
        let map = map_table(&table);
        let skip = ambiguous_ranges(&truth);
        let mut ours = PageMap::new();
        for leaf in &map.mappings {
            for (iova, pa) in leaf.pages() {
                if !in_ranges(&skip, iova) {
                    ours.insert(iova, (pa, leaf.kind.name().to_string()));
                }
            }
        }
        let theirs = truth_pages(&truth, &skip);
        if ours != theirs {
            let only_ours = ours.iter().filter(|(k, v)| theirs.get(k) != Some(v)).count();
            let only_theirs = theirs.iter().filter(|(k, v)| ours.get(k) != Some(v)).count();
            failures.push(format!(
                "{case}: pages differ ({only_ours} only ours, {only_theirs} only truth)"
            ));
        }
        if skip.is_empty() {
            for (same_size, field) in [(true, "runs"), (false, "runs_any_size")] {
                let runs = serde_json::to_value(coalesce(&map.mappings, same_size)).unwrap();
                if runs != truth[field] {
                    failures.push(format!("{case}: {field} differ"));
                }
            }
        }
        if map.lv1_in_dump != truth["lv1_in_dump"].as_bool().unwrap() {
            failures.push(format!("{case}: lv1_in_dump"));
        }
        if map.zero_lv2_table_pa.map(|pa| pa.0) != hex(&truth["zero_lv2_table_pa"]) {
            failures.push(format!("{case}: zero table {:?}", map.zero_lv2_table_pa));
        }
        let unreadable: BTreeSet<(u64, Option<u64>)> = map
            .unreadable
            .iter()
            .map(|u| (u64::from(u.lv1_index), u.lv2_table_pa.map(|pa| pa.0)))
            .collect();
        let expected: BTreeSet<(u64, Option<u64>)> = truth["unreadable"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["lv1_index"].as_u64().unwrap(), hex(&u["lv2_table_pa"])))
            .collect();
        if unreadable != expected {
            failures.push(format!("{case}: unreadable {unreadable:?} != {expected:?}"));
        }
        let anomalies: BTreeSet<(String, Option<u64>, Option<u64>)> = map
            .anomalies
            .iter()
            .map(|a| {
                (
                    a.kind.to_string(),
                    a.lv1_index.map(u64::from),
                    a.lv2_index.map(u64::from),
                )
            })
            .collect();
        let expected: BTreeSet<(String, Option<u64>, Option<u64>)> = truth["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["type"].as_str().unwrap().to_string(),
                    a["lv1_index"].as_u64(),
                    a["lv2_index"].as_u64(),
                )
            })
            .collect();
        if anomalies != expected {
            failures.push(format!("{case}: anomalies {anomalies:?} != {expected:?}"));
        }
        let tables: BTreeMap<u64, (u64, bool, bool)> = map
            .lv2_tables
            .iter()
            .map(|t| (t.pa.0, (t.lv1_count as u64, t.in_dump, t.zero_table)))
            .collect();
        let expected: BTreeMap<u64, (u64, bool, bool)> = truth["lv2_tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    hex(&t["pa"]).unwrap(),
                    (
                        t["lv1_count"].as_u64().unwrap(),
                        t["in_dump"].as_bool().unwrap(),
                        t["zero_table"].as_bool().unwrap(),
                    ),
                )
            })
            .collect();
        if tables != expected {
            failures.push(format!("{case}: lv2_tables differ"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Compares a walk with a truth sample (or one of its interpretations).
fn compare_walk(walk: &Walk, expected: &Value, detail: bool) -> Result<(), String> {
    let ours = serde_json::to_value(walk).unwrap();
    let mut fields = vec!["result", "level"];
    if expected["result"] == "mapped" {
        fields.extend(["pa", "page_size", "kind"]);
    }
    if detail {
        fields.extend([
            "lv1_entry_pa",
            "lv1_entry",
            "lv2_table_pa",
            "lv2_index",
            "lv2_entry_pa",
            "lv2_entry",
        ]);
        if expected["result"] == "mapped" {
            fields.extend(["prot", "shareable"]);
        }
    }
    for field in fields {
        if ours.get(field) != expected.get(field) {
            return Err(format!(
                "{field}: ours {:?}, truth {:?}",
                ours.get(field),
                expected.get(field)
            ));
        }
    }
    if detail && expected.get("via_zero_lv2_table").is_some() != walk.via_zero_lv2_table {
        return Err("via_zero_lv2_table".into());
    }
    Ok(())
}

#[test]
fn every_sample_translates_as_the_truth_says() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for dir in case_dirs() {
        let case = name(&dir);
        let truth = truth(&dir);
        for conventions in [Conventions::Mainline, Conventions::Downstream] {
            let (decode, memory) = open_case(&dir, conventions);
            let format = PteFormat::new(decode.layout, conventions);
            let table = PageTable::load(&memory, format, decode.lv1_table_pa().unwrap());
            for sample in truth["samples"].as_array().unwrap() {
                let iova = Iova(hex(&sample["iova"]).unwrap() as u32);
                let walk = table.translate(iova);
                let ambiguous = sample["ambiguous"].as_bool().unwrap();
                let (expected, detail) = match (ambiguous, conventions) {
                    (false, Conventions::Mainline) => (sample, true),
                    (false, Conventions::Downstream) => (sample, false),
                    (true, Conventions::Mainline) => (&sample["interpretations"]["mainline"], false),
                    (true, Conventions::Downstream) => (&sample["interpretations"]["downstream"], false),
                };
                compared += 1;
                if let Err(err) = compare_walk(&walk, expected, detail) {
                    failures.push(format!("{case} [{conventions}] {iova}: {err}"));
                }
            }
        }
    }
    assert!(compared > 20_000, "only {compared} samples compared");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn fault_explanations_match_result_level_and_cause() {
    let mut failures = Vec::new();
    let mut explained = 0;
    for dir in case_dirs() {
        let case = name(&dir);
        let truth = truth(&dir);
        if truth["fault"].is_null() {
            continue;
        }
        let (decode, memory) = open_case(&dir, Conventions::Mainline);
        let table = PageTable::load(
            &memory,
            PteFormat::new(decode.layout, Conventions::Mainline),
            decode.lv1_table_pa().unwrap(),
        );
        let fault = decode.fault.as_ref().unwrap();
        let primary = &fault.faults[0];
        let walk = table.translate(primary.address.unwrap());
        let expected = &truth["fault"]["explain"];
        if let Err(err) = compare_walk(&walk, expected, true) {
            failures.push(format!("{case}: walk {err}"));
        }
        let (cause, _) = explain(
            primary.kind,
            primary.access,
            TableAnswer::from_walk(&walk),
            decode.cfg.as_ref().map(|c| c.eap),
        );
        if Some(cause.token()) != expected["cause"].as_str() {
            failures.push(format!("{case}: cause {cause} != {}", expected["cause"]));
        }
        explained += 1;
    }
    assert!(explained >= 15, "only {explained} faults");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hexdump_and_xxd_of_the_raw_window_read_back_exactly() {
    for dir in case_dirs() {
        let bytes = std::fs::read(dir.join("regs.bin")).unwrap();
        let raw = read_regs(&dir.join("regs.bin"), None);
        let raw_words: Vec<_> = raw.iter().collect();
        for (form, text) in [("hexdump -C", hexdump_c(&bytes)), ("xxd", xxd(&bytes))] {
            let window =
                probescope::sysmmu::dump::read_register_text(form, text.as_bytes(), &Default::default())
                    .unwrap_or_else(|err| panic!("{} {form}: {err}", name(&dir)));
            let words: Vec<_> = window.iter().collect();
            assert_eq!(words, raw_words, "{} {form}", name(&dir));
            // With the base given, the offsets stay offsets.
            let based = probescope::sysmmu::dump::read_register_text(
                form,
                text.as_bytes(),
                &probescope::sysmmu::dump::ReadOptions {
                    base: Some(sfr_base(&dir)),
                    version: None,
                },
            )
            .unwrap();
            assert_eq!(based.base, Some(sfr_base(&dir)));
            assert_eq!(
                based.iter().collect::<Vec<_>>(),
                raw_words,
                "{} {form} with --base",
                name(&dir)
            );
        }
    }
}

#[test]
fn generated_dump_texts_match_the_real_tools_format() {
    // Pinned output of `hexdump -C` and `xxd` (util-linux 2.38, xxd 2022) on the first 0x50 bytes
    // of random-v3.3-s1/regs.bin followed by zeros, so the generators above are the real formats.
    let mut bytes = std::fs::read(fixtures().join("sysmmu/cases/random-v3.3-s1/regs.bin")).unwrap();
    bytes.truncate(0x60);
    bytes[0x50..].fill(0);
    let expected_hexdump = "\
00000000  05 00 00 00 84 07 10 01  01 00 00 00 00 00 00 00  |................|
00000010  00 00 00 00 00 40 44 82  08 00 00 00 00 00 00 00  |.....@D.........|
00000020  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
00000030  30 a4 87 24 00 00 62 30  00 00 00 00 00 00 00 00  |0..$..b0........|
00000040  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
*
00000060
";
    assert_eq!(hexdump_c(&bytes), expected_hexdump);
    let expected_xxd_head = "\
00000000: 0500 0000 8407 1001 0100 0000 0000 0000  ................
00000010: 0000 0000 0040 4482 0800 0000 0000 0000  .....@D.........
";
    assert!(xxd(&bytes).starts_with(expected_xxd_head), "{}", xxd(&bytes));
}

/// Readers and the fault-log parser take any bytes without panicking: every public log as a
/// register dump, and lines made of dump-like fragments in random orders.
#[test]
fn readers_never_panic_on_odd_input() {
    for entry in std::fs::read_dir(fixtures().join("public")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let _ = probescope::sysmmu::dump::read_register_text("public", bytes.as_slice(), &Default::default());
        let _ = probescope::sysmmu::parse_fault_log(bytes.as_slice()).unwrap();
    }
    let fragments = [
        "0x",
        "ffffffffffffffffff",
        "|",
        "*",
        ":",
        " ",
        "  ",
        "=",
        "md.l",
        "devmem",
        "MMU_CTRL",
        "0x13620000",
        "00000005",
        "12",
        "1234",
        "\t",
        "\u{1b}[31m",
        "Lv1 entry: 0x",
        "FAULT occurred at",
        "From [",
        "], SysMMU",
        "READ",
        "PAGE",
        " at 0x",
        "0xffffffffff",
        "(",
        ")",
        "é",
        "REG_",
        "0",
        "\r",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..40 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let pick = (state % (fragments.len() as u64 + 3)) as usize;
            match fragments.get(pick) {
                Some(fragment) => text.push_str(fragment),
                None => text.push('\n'),
            }
        }
        let _ = probescope::sysmmu::dump::read_register_text("random", text.as_bytes(), &Default::default());
        let _ = probescope::sysmmu::parse_fault_log(text.as_bytes()).unwrap();
        for line in text.lines() {
            let _ = probescope::sysmmu::parse_fault_line(line);
        }
        let _ =
            probescope::sysmmu::dump::read_register_binary("random", text.as_bytes(), &Default::default());
    }
}

/// Walks and maps over tables of random words never panic and never invent a mapping outside the
/// entries they read.
#[test]
fn random_tables_walk_and_map_without_panicking() {
    use probescope::sysmmu::{InMemory, Layout, PhysAddr};
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for layout in [Layout::V1, Layout::V5] {
        for conventions in [Conventions::Mainline, Conventions::Downstream] {
            let mut bytes = vec![0u8; 64 * 1024];
            for chunk in bytes.chunks_exact_mut(8) {
                chunk.copy_from_slice(&next().to_le_bytes());
            }
            let memory = InMemory::new(PhysAddr(0x4000_0000), bytes);
            let table = PageTable::load(
                &memory,
                PteFormat::new(layout, conventions),
                PhysAddr(0x4000_0000),
            );
            let map = map_table(&table);
            for _ in 0..2000 {
                let walk = table.translate(Iova(next() as u32));
                assert!(!walk.steps.is_empty());
            }
            let _ = coalesce(&map.mappings, false);
        }
    }
}
