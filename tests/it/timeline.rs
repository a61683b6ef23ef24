//! `probescope timeline`, `blame` and `why --chain` end to end: the page of a QEMU late-load
//! capture and of a real public log, opened in headless Chromium (the DOM after its script ran:
//! the race consumer's bar in the error class, the timeout line at the instant `check` gives),
//! with a screenshot kept under `target/test-artefacts/`; and `blame` and `--chain` agreeing
//! with `why` on every shared capture.

use assert_cmd::Command;
use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn probescope() -> Command {
    Command::cargo_bin("probescope").expect("binary built")
}

/// Where the tests leave what a person looks at (pages, screenshots).
fn artefacts() -> PathBuf {
    let dir = root().join("target/test-artefacts");
    std::fs::create_dir_all(&dir).expect("artefact directory");
    dir
}

fn json_of(args: &[&str]) -> Value {
    let output = probescope().args(args).output().expect("runs");
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// Renders the timeline of `input` to `target/test-artefacts/NAME.html`.
fn render(input: &Path, name: &str) -> PathBuf {
    let page = artefacts().join(format!("{name}.html"));
    let output = probescope()
        .arg("timeline")
        .arg(input)
        .arg("-o")
        .arg(&page)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    page
}

/// Headless Chromium on `page`: the DOM after its script ran, and a screenshot beside it.
fn open_in_chromium(page: &Path) -> Option<String> {
    open_view_in_chromium(page, "")
}

/// [`open_in_chromium`] with a view in the address (`#filter=...&zoom=...`).
fn open_view_in_chromium(page: &Path, view: &str) -> Option<String> {
    if !crate::support::require_programs(&["chromium"], "Debian's chromium package") {
        return None;
    }
    let profile = tempfile::tempdir().expect("temporary profile");
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ];
    let url = format!("file://{}{view}", page.display());
    let dom = std::process::Command::new("chromium")
        .args(base)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        dom.status.success(),
        "chromium --dump-dom: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let screenshot = match view {
        "" => page.with_extension("png"),
        _ => page.with_extension("view.png"),
    };
    let shot = std::process::Command::new("chromium")
        .args(base)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--window-size=1600,1000")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        shot.status.success() && screenshot.metadata().is_ok_and(|m| m.len() > 10_000),
        "chromium --screenshot: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    Some(String::from_utf8(dom.stdout).expect("UTF-8 DOM"))
}

/// The value of attribute `name` in an element's start tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let pattern = format!(" {name}=\"");
    let start = tag.find(&pattern)? + pattern.len();
    tag[start..].split('"').next()
}

/// The start tags of every element of class `class` (the class list starting with it).
fn tags<'a>(dom: &'a str, element: &str, class: &str) -> Vec<&'a str> {
    let pattern =
        Regex::new(&format!(r#"<{element} class="{}"[^>]*>"#, regex::escape(class))).expect("regex");
    pattern.find_iter(dom).map(|m| m.as_str()).collect()
}

/// Each row's device and the class of its span bar (the first `rect` after the label).
fn row_bars(dom: &str) -> Vec<(String, String, String)> {
    let row = Regex::new(r#"<g class="(row[^"]*)" data-kind="device" data-device="([^"]*)"[^>]*>.*?<g class="z"><rect class="([^"]*)""#)
        .expect("regex");
    row.captures_iter(dom)
        .map(|c| (c[2].to_string(), c[1].to_string(), c[3].to_string()))
        .collect()
}

/// The x the page's axis gives instant `t` (from the root's layout hooks).
fn x_of(svg: &str, t: f64) -> f64 {
    let number = |name: &str| -> f64 {
        attribute(svg, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} on {svg}"))
    };
    number("data-label-width")
        + (t - number("data-t0")) * number("data-plot-width") / (number("data-t1") - number("data-t0"))
}

/// The timeout instant `check --format json` gives for one boot: PS203
/// (deferred-probe-timeout-expired) says when the timeout fired.
fn timeout_instant(boot: &Value) -> Option<f64> {
    let finding = boot["findings"]
        .as_array()?
        .iter()
        .find(|f| f["code"] == "PS203")?;
    let fired = Regex::new(r"fired at (\d+\.\d+) s").expect("regex");
    fired.captures(finding["message"].as_str()?)?[1].parse().ok()
}

fn race_subjects(boot: &Value) -> Vec<String> {
    boot["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == "PS101" || f["code"] == "PS102")
        .map(|f| f["subject"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Checks a rendered page against `check`, boot by boot (a page section per boot, in the same
/// order): every race consumer's bar in the error class and no other bar in it, and the
/// timeout line where `check` says the timeout fired.
fn assert_page_agrees_with_check(dom: &str, check: &Value) {
    assert!(dom.contains("data-ready=\"1\""), "the page's script did not run");
    let boots = check["boots"].as_array().expect("boots");
    let sections: Vec<&str> = dom.split("<section class=\"boot\"").skip(1).collect();
    assert_eq!(sections.len(), boots.len(), "one section per boot");
    for (section, boot) in sections.iter().zip(boots) {
        let name = boot["boot"].as_str().expect("boot name");
        assert!(section.starts_with(" id=\"boot-"), "{name}");
        assert!(section.contains(&format!("data-boot=\"{name}\"")), "{name}");
        let svg = tags(section, "svg", "timeline")
            .into_iter()
            .next()
            .expect("the timeline's svg");
        let races = race_subjects(boot);
        let bars = row_bars(section);
        assert!(!bars.is_empty(), "{name}: no device rows");
        for (device, row_class, bar_class) in &bars {
            let is_race = races.contains(device);
            assert_eq!(
                bar_class == "bar race",
                is_race,
                "{name} {device}: bar {bar_class}"
            );
            assert_eq!(
                row_class == "row race",
                is_race,
                "{name} {device}: row {row_class}"
            );
        }
        for race in &races {
            assert!(
                bars.iter().any(|(device, _, _)| device == race),
                "{name}: race consumer {race} has no row"
            );
        }
        let lines = tags(section, "line", "timeout-line");
        match timeout_instant(boot) {
            Some(fired) => {
                assert_eq!(lines.len(), 1, "{name}: {lines:?}");
                let at: f64 = attribute(lines[0], "data-t")
                    .and_then(|t| t.parse().ok())
                    .expect("data-t");
                assert!(
                    (at - fired).abs() < 1e-6,
                    "{name}: timeout line at {at}, check says {fired}"
                );
                let x: f64 = attribute(lines[0], "x1")
                    .and_then(|x| x.parse().ok())
                    .expect("x1");
                assert!(
                    (x - x_of(svg, fired)).abs() < 0.01,
                    "{name}: x1 {x} for {fired} s"
                );
            }
            None => assert!(lines.is_empty(), "{name}: {lines:?}"),
        }
    }
}

#[test]
fn the_late_smmu_capture_draws_its_race_consumers_in_the_error_colour_and_the_timeout_where_it_fired() {
    let capture = root().join("fixtures/qemu/smmuv3-6.1/S2-smmu-late");
    let page = render(&capture, "timeline-S2-smmu-late");
    let check = json_of(&["check", capture.to_str().expect("path"), "--format=json"]);
    let races = race_subjects(&check["boots"][0]);
    assert_eq!(races.len(), 4, "S2 has four race consumers: {races:?}");
    assert_eq!(timeout_instant(&check["boots"][0]), Some(6.972297));
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "fetches nothing"
    );
    assert!(
        html.contains("class=\"iommu-line\" data-device=\"9050000.smmuv3\" data-t=\"12.527461\""),
        "the SMMU's registration line"
    );
    let Some(dom) = open_in_chromium(&page) else {
        return;
    };
    assert_page_agrees_with_check(&dom, &check);
}

#[test]
fn a_public_log_with_a_deferred_probe_timeout_draws_it_at_the_kernels_instant() {
    let log = root().join("fixtures/public/kernelci-mt8186-steelix-serial-deferred-timeout.txt");
    let page = render(&log, "timeline-mt8186-steelix");
    let check = json_of(&["check", log.to_str().expect("path"), "--format=json"]);
    // Two boots in one serial capture, each with its timeout.
    let boots = check["boots"].as_array().expect("boots");
    assert_eq!(boots.len(), 2);
    assert!(boots.iter().all(|boot| timeout_instant(boot).is_some()));
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.contains("<select id=\"boot-select\">"), "a boot selector");
    let Some(dom) = open_in_chromium(&page) else {
        return;
    };
    assert_page_agrees_with_check(&dom, &check);
}

#[test]
fn initcall_debug_durations_become_probe_and_initcall_bars() {
    let log = root()
        .join("fixtures/public/beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt");
    let output = probescope()
        .args(["timeline", "--format=svg"])
        .arg(&log)
        .output()
        .expect("runs");
    assert!(output.status.success());
    let svg = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(svg.starts_with("<svg class=\"timeline\""), "{}", &svg[..80]);
    assert!(svg.contains("class=\"bar probe\""), "probe durations drawn");
    assert!(svg.contains("returned 517 after"), "a deferral's measured probe");
}

#[test]
fn a_log_without_timestamps_is_drawn_in_record_order_and_says_so() {
    let log = root().join("fixtures/public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt");
    let page = render(&log, "timeline-no-timestamps");
    let html = std::fs::read_to_string(page).expect("page");
    assert!(html.contains("data-unit=\"record\""));
    assert!(html.contains("the log has no timestamps: the axis is the log&#39;s record order, not time"));
}

fn scenarios() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/qemu"))
        .expect("fixtures/qemu")
        .flatten()
        .flat_map(|family| std::fs::read_dir(family.path()).into_iter().flatten().flatten())
        .map(|entry| entry.path())
        .filter(|path| path.join("kmsg.txt").is_file() || path.join("dmesg.txt").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// On every shared capture: for each device `why` explains (a chain to a root cause), `--chain`
/// follows the same chain; each bound device's chain only goes through suppliers ready before
/// it, and names the IOMMU a race consumer went ahead without; `blame` lists as probed after
/// the timeout exactly the devices whose `--chain` instant comes after it.
#[test]
fn blame_and_the_critical_chain_agree_with_why_on_the_shared_captures() {
    let scenarios = scenarios();
    assert!(scenarios.len() >= 10, "{scenarios:?}");
    let mut chains_checked = 0;
    let mut races_checked = 0;
    for capture in &scenarios {
        let path = capture.to_str().expect("path");
        let check = json_of(&["check", path, "--format=json"]);
        let races: Vec<(String, Vec<String>)> = check["boots"][0]["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["code"] == "PS101")
            .map(|f| {
                (
                    f["subject"].as_str().unwrap_or_default().to_string(),
                    f["related"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r.as_str().map(String::from))
                        .collect(),
                )
            })
            .collect();
        let deferred: Vec<String> = check["boots"][0]["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["code"] == "PS201")
            .map(|f| f["subject"].as_str().unwrap_or_default().to_string())
            .collect();
        for device in &deferred {
            let why = json_of(&["why", device, path, "--format=json"]);
            crate::support::schema::assert_valid("why", &why);
            let chain = json_of(&["why", device, path, "--chain", "--format=json"]);
            crate::support::schema::assert_valid("why-chain", &chain);
            assert_eq!(chain["blocked"], true, "{path} {device}");
            let names = |v: &Value| -> Vec<String> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| {
                        d.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| d["device"].as_str().unwrap_or_default().to_string())
                    })
                    .collect()
            };
            // Without a root cause (the device itself is what blocks), the chain is the device.
            let expected = match why["root_causes"].as_array().and_then(|c| c.first()) {
                Some(first) => names(&first["chain"]),
                None => vec![device.clone()],
            };
            assert_eq!(names(&chain["chain"]), expected, "{path} {device}");
            chains_checked += 1;
        }
        for (consumer, iommus) in &races {
            let chain = json_of(&["why", consumer, path, "--chain", "--format=json"]);
            crate::support::schema::assert_valid("why-chain", &chain);
            assert_eq!(chain["blocked"], false, "{path} {consumer}");
            let skipped: Vec<&str> = chain["not_waited"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|n| n["consumer"] == consumer.as_str())
                .flat_map(|n| [n["supplier"].as_str(), n["iommu"].as_str()])
                .flatten()
                .collect();
            // The IOMMU the finding names is among what it did not wait for (as the supplier,
            // or as the IOMMU its supplier registers).
            assert!(
                iommus.iter().any(|iommu| skipped.contains(&iommu.as_str())),
                "{path} {consumer}: went ahead without {iommus:?}, --chain says {skipped:?}"
            );
            // Every supplier on the chain was ready no later than the device after it.
            let links = chain["chain"].as_array().expect("chain");
            for pair in links.windows(2) {
                if let (Some(consumer_at), Some(supplier_at)) = (
                    pair[0]["ready"]["seconds"].as_f64(),
                    pair[1]["ready"]["seconds"].as_f64(),
                ) {
                    assert!(supplier_at <= consumer_at, "{path}: {pair:?}");
                }
            }
            races_checked += 1;
        }
        let blame = json_of(&["blame", path, "--format=json"]);
        crate::support::schema::assert_valid("blame", &blame);
        let boot = &blame["boots"][0];
        if let Some(fired) = boot["timeout"]["seconds"].as_f64() {
            for late in boot["bound_after_timeout"].as_array().into_iter().flatten() {
                let device = late["device"].as_str().expect("device");
                let chain = json_of(&["why", device, path, "--chain", "--format=json"]);
                let ready = chain["chain"][0]["ready"]["seconds"].as_f64();
                assert!(
                    ready.is_some_and(|at| at >= fired),
                    "{path} {device}: {ready:?} vs {fired}"
                );
            }
            // Each race consumer of the timeout ("ignoring dependency") probed after it fired.
            for (consumer, _) in &races {
                assert!(
                    boot["bound_after_timeout"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|l| l["device"] == consumer.as_str()),
                    "{path}: blame misses {consumer}"
                );
            }
        }
    }
    assert!(
        chains_checked > 0 && races_checked > 0,
        "{chains_checked} {races_checked}"
    );
}

/// `blame` on a real initcall_debug log: the slowest probe is the largest `after N usecs` of
/// the log's `probe of X returned R` lines, and the table shows it.
#[test]
fn blame_ranks_the_logs_own_probe_durations() {
    let log = root()
        .join("fixtures/public/beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt");
    let text = std::fs::read_to_string(&log).expect("log");
    let timed = Regex::new(r"probe of (\S+) returned (-?\d+) after (\d+) usecs").expect("regex");
    let slowest = timed
        .captures_iter(&text)
        .map(|c| (c[3].parse::<u64>().expect("usecs"), c[1].to_string()))
        .max_by_key(|(usecs, _)| *usecs)
        .expect("the log times its probes");
    let blame = json_of(&["blame", log.to_str().expect("path"), "--format=json"]);
    crate::support::schema::assert_valid("blame", &blame);
    let first = &blame["boots"][0]["slowest_probes"][0];
    assert_eq!(first["usecs"].as_u64(), Some(slowest.0), "{first}");
    let table = probescope()
        .args(["blame", "--width=160"])
        .arg(&log)
        .output()
        .expect("runs");
    let table = String::from_utf8(table.stdout).expect("UTF-8");
    assert!(table.contains("Slowest probes"), "{table}");
    assert!(
        table.contains(&format!("{:.3} ms", slowest.0 as f64 / 1000.0)),
        "{table}"
    );
}

/// `why --chain` as text: the race consumer's own instant, and the IOMMU it did not wait for
/// with the instant it registered.
#[test]
fn the_chain_of_a_race_consumer_names_the_iommu_it_went_ahead_without() {
    let capture = root().join("fixtures/qemu/smmuv3-6.1/S2-smmu-late");
    let output = probescope()
        .args(["why", "0000:00:03.0", "--chain"])
        .arg(&capture)
        .env("COLUMNS", "300")
        .output()
        .expect("runs");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        text.contains("0000:00:03.0 @7.027453 s (its \"ignoring dependency\" line"),
        "{text}"
    );
    assert!(
        text.contains(
            "! 0000:00:03.0 did not wait for 9050000.smmuv3 [dt-iommu]: @12.527461 s, after it bound"
        ),
        "{text}"
    );
}

/// The page's script on a view: the filter hides the rows whose name and subsystem do not
/// match and stacks the rest; the zoom is one rule scaling every row's time axis.
#[test]
fn the_filter_and_zoom_of_the_page_work_in_the_browser() {
    let capture = root().join("fixtures/qemu/smmuv3-6.1/S2-smmu-late");
    let page = render(&capture, "timeline-S2-view");
    let Some(dom) = open_view_in_chromium(&page, "#filter=0000:00:0&zoom=4") else {
        return;
    };
    let rows = Regex::new(r#"<g class="row[^"]*" data-kind="[a-z]+" data-device="([^"]*)"[^>]*?(style="display: none;")?[^>]*>"#)
        .expect("regex");
    let mut shown = Vec::new();
    for row in rows.captures_iter(&dom) {
        let name = row[1].to_string();
        let hidden = row[0].contains("display: none");
        assert_eq!(hidden, !name.contains("0000:00:0"), "{name}: {}", &row[0]);
        if !hidden {
            shown.push(name);
        }
    }
    assert_eq!(shown, ["0000:00:05.0", "0000:00:03.0", "0000:00:04.0"]);
    assert!(dom.contains("scale(4,1)"), "the zoom rule");
}

const TWO_BOOTS: &str = "fixtures/qemu/virtio-iommu-arm64-6.12/V5-two-boots/console.log";

/// The boots' names `blame --format json` reports for `extra` arguments.
fn blamed_boots(input: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["blame", "--format", "json"];
    args.extend_from_slice(extra);
    let input = input.to_str().expect("UTF-8 path");
    args.push(input);
    let value = json_of(&args);
    crate::support::schema::assert_valid("blame", &value);
    value["boots"].as_array().expect("boots").clone()
}

/// `--boot N` picks one boot of a log that holds several, counted as journalctl counts, for
/// `blame` and `timeline` alike: boot N's report is the one it has among all boots.
#[test]
fn boot_n_picks_one_boot_of_a_log_for_blame_and_timeline() {
    let console = root().join(TWO_BOOTS);
    let all = blamed_boots(&console, &[]);
    assert_eq!(all.len(), 2);
    for (pick, index) in [("1", 0), ("2", 1), ("0", 1), ("-1", 0)] {
        let picked = blamed_boots(&console, &["--boot", pick]);
        assert_eq!(picked, vec![all[index].clone()], "--boot {pick}");
    }
    // A `--boot NAME=PATH` group names the boot, as for `check`.
    let group = format!("v5={}", console.display());
    let named = json_of(&["blame", "--format", "json", "--boot", &group, "--boot", "2"]);
    let named = named["boots"].as_array().expect("boots");
    assert_eq!(named.len(), 1);
    assert_eq!(named[0]["boot"], "v5#2");

    let svg = |pick: &str| {
        let output = probescope()
            .args(["timeline", "--format", "svg", "--boot", pick])
            .arg(&console)
            .output()
            .expect("runs");
        assert!(output.status.success());
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let first = svg("1");
    assert!(first.contains("console.log#1") && !first.contains("console.log#2"));
    let last = svg("0");
    assert!(last.contains("console.log#2") && !last.contains("console.log#1"));

    for command in ["blame", "timeline"] {
        let output = probescope()
            .args([command, "--boot", "3"])
            .arg(&console)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("no boot 3: the input holds 2 boots"));
    }
}

/// A serial console across two boots of different fate (made from two real captures: the
/// late-load boot, then the early-load one): `--boot` decides which one `blame` judges.
#[test]
fn boot_n_of_a_late_then_early_console_blames_only_the_picked_boot() {
    let work = tempfile::tempdir().expect("temp dir");
    let console = work.path().join("console.txt");
    let late =
        std::fs::read_to_string(root().join("fixtures/qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt")).expect("S2");
    let early =
        std::fs::read_to_string(root().join("fixtures/qemu/smmuv3-6.1/S1-smmu-early/dmesg.txt")).expect("S1");
    std::fs::write(&console, late + &early).expect("write");
    let late_after = |boot: &Value| -> Vec<String> {
        boot["bound_after_timeout"]
            .as_array()
            .expect("bound_after_timeout")
            .iter()
            .map(|b| b["device"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let first = blamed_boots(&console, &["--boot", "1"]);
    assert!(
        late_after(&first[0]).contains(&"0000:00:03.0".to_string()),
        "{first:?}"
    );
    let second = blamed_boots(&console, &["--boot", "2"]);
    assert!(late_after(&second[0]).is_empty(), "{second:?}");
}
