//! Every rule, in code order. Adding a rule is one file plus one line here.

use super::{Rule, RuleMeta};

pub static RULES: &[&dyn Rule] = &[
    &super::iommu_consumer_probed_before_iommu::IommuConsumerProbedBeforeIommu,
    &super::iommu_consumer_without_iommu::IommuConsumerWithoutIommu,
    &super::iommu_dependency_ignored::IommuDependencyIgnored,
    &super::iommu_group_missing::IommuGroupMissing,
    &super::iommu_fault::IommuFault,
    &super::probe_deferred_unresolved::ProbeDeferredUnresolved,
    &super::supplier_cycle::SupplierCycle,
    &super::deferred_probe_timeout_expired::DeferredProbeTimeoutExpired,
    &super::modular_iommu_without_strict_fw_devlink::ModularIommuWithoutStrictFwDevlink,
    &super::sync_state_pending::SyncStatePending,
    &super::probe_failed::ProbeFailed,
    &super::kernel_oops::KernelOops,
    &super::expected_device_not_bound::ExpectedDeviceNotBound,
    &super::deferred_at_end_over_limit::DeferredAtEndOverLimit,
];

/// Finds a rule by code (`PS101`, any case) or name.
pub fn find(code_or_name: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|rule| rule.meta().code.eq_ignore_ascii_case(code_or_name) || rule.meta().name == code_or_name)
}

pub fn metas() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|rule| rule.meta())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Example, ExampleEdit, Finding};
    use std::collections::HashSet;
    use std::path::{Path, PathBuf};

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for meta in metas() {
            assert!(codes.insert(meta.code), "duplicate code {}", meta.code);
            assert!(names.insert(meta.name), "duplicate name {}", meta.name);
            assert!(
                meta.code.starts_with("PS") && meta.code.len() == 5,
                "{}",
                meta.code
            );
            assert!(
                meta.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                meta.name
            );
            assert!(!meta.summary.is_empty() && !meta.summary.contains('\n'));
        }
    }

    #[test]
    fn every_explanation_has_the_required_sections() {
        for meta in metas() {
            for section in [
                "## What it detects",
                "## Why it matters",
                "## Example",
                "## How to fix it",
                "## Kernel references",
            ] {
                assert!(
                    meta.explanation.contains(section),
                    "{} lacks {section}",
                    meta.name
                );
            }
        }
    }

    #[test]
    fn rules_are_found_by_code_and_name() {
        let rule = find("ps101").expect("by code");
        assert_eq!(rule.meta().name, "iommu-consumer-probed-before-iommu");
        assert!(find("iommu-group-missing").is_some());
        assert!(find("no-such-rule").is_none());
    }

    /// Every rule of the registry, on its own examples: it fires on each firing example (on a
    /// generated one, about exactly the device the edit concerns) and stays silent on each
    /// clean one, and `explain` has its page. A rule whose check returns nothing fails here.
    #[test]
    fn every_rule_fires_on_its_examples_and_only_there() {
        let failures: Vec<String> = std::thread::scope(|scope| {
            let runs: Vec<_> = RULES
                .iter()
                .map(|rule| scope.spawn(move || rule_failures(rule.meta())))
                .collect();
            runs.into_iter()
                .flat_map(|run| run.join().expect("a rule's examples ran without panicking"))
                .collect()
        });
        // `explain` prints what `find` gives (tests/it/rules_explain.rs runs the command itself).
        let mut failures = failures;
        for meta in metas() {
            if !find(meta.code).is_some_and(|rule| std::ptr::eq(rule.meta(), meta)) {
                failures.push(format!(
                    "`probescope explain {}` does not find the rule",
                    meta.code
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    fn rule_failures(meta: &'static RuleMeta) -> Vec<String> {
        let mut failures = Vec::new();
        let code = meta.code;
        if meta.examples.fires.is_empty() || meta.examples.clean.is_empty() {
            failures.push(format!("{code}: needs at least one firing and one clean example"));
        }
        for example in meta.examples.fires {
            match findings_of(code, example) {
                Err(error) => failures.push(format!("{code} on {}: {error}", example.capture)),
                Ok(findings) if findings.is_empty() => {
                    failures.push(format!("{code} does not fire on {}", example.capture))
                }
                Ok(findings) if !example.subjects.is_empty() => {
                    let mut found: Vec<&str> = findings.iter().map(|f| f.subject.as_str()).collect();
                    found.sort_unstable();
                    let mut expected = example.subjects.to_vec();
                    expected.sort_unstable();
                    if found != expected {
                        failures.push(format!(
                            "{code} on {}: findings about {found:?}, expected exactly {expected:?}",
                            example.capture
                        ));
                    }
                }
                Ok(_) => {}
            }
        }
        for example in meta.examples.clean {
            match findings_of(code, example) {
                Err(error) => failures.push(format!("{code} on {}: {error}", example.capture)),
                Ok(findings) if !findings.is_empty() => failures.push(format!(
                    "{code} fires on clean {}: {:?}",
                    example.capture,
                    findings.iter().map(|f| &f.message).collect::<Vec<_>>()
                )),
                Ok(_) => {}
            }
        }
        failures
    }

    /// The findings with `code` when the example's capture is read (edited first when it says
    /// so) and judged with its configuration.
    fn findings_of(code: &str, example: &Example) -> Result<Vec<Finding>, String> {
        let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join(example.capture);
        let settings = match example.config {
            Some(text) => crate::config::parse(text, "probescope.toml").map_err(|e| e.to_string())?,
            None => crate::rules::settings::RuleSettings::DEFAULT,
        };
        let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
        let input = match example.edit {
            None => capture,
            Some(ExampleEdit::WithoutIommuGroup(device)) => {
                let copy = scratch.path().join("capture");
                copy_tree(&capture, &copy).map_err(|e| format!("copying {}: {e}", capture.display()))?;
                let removed = remove_iommu_group(&copy, device).map_err(|e| e.to_string())?;
                // The log copies, the group listing, the device table and the sysfs links all
                // named the group: an edit that finds fewer has missed some of them.
                if removed < 4 {
                    return Err(format!("only {removed} traces of {device}'s group found"));
                }
                copy
            }
            Some(ExampleEdit::QuotedLines(prefix)) => {
                let text =
                    std::fs::read_to_string(&capture).map_err(|e| format!("{}: {e}", capture.display()))?;
                let quoted: String = text
                    .lines()
                    .filter_map(|line| {
                        line.strip_prefix(prefix)
                            .or_else(|| (line == prefix.trim_end()).then_some(""))
                    })
                    .flat_map(|line| [line, "\n"])
                    .collect();
                if quoted.is_empty() {
                    return Err(format!("no line of {} starts with {prefix:?}", capture.display()));
                }
                let copy = scratch.path().join("quoted-log.txt");
                std::fs::write(&copy, quoted).map_err(|e| e.to_string())?;
                copy
            }
        };
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![input],
            ..Default::default()
        };
        let (_, report) = crate::pipeline::analyse_with(&spec, &settings).map_err(|e| e.to_string())?;
        Ok(report.findings.into_iter().filter(|f| f.code == code).collect())
    }

    /// Copies a capture, keeping the sysfs mirror's symlinks as symlinks.
    fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let target = to.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
            } else if kind.is_dir() {
                copy_tree(&entry.path(), &target)?;
            } else {
                std::fs::copy(entry.path(), &target)?;
            }
        }
        Ok(())
    }

    /// Removes every trace of `device`'s IOMMU group from a capture and returns how many it
    /// removed: in text files, the lines naming the device with an IOMMU group ("Adding to iommu
    /// group N" in every log copy, `…/<device>/iommu_group -> …` link listings, the group
    /// listing's `device <device>` line) and the group column of its row in the device table;
    /// in the sysfs mirror, `<device>/iommu_group` and `iommu_groups/N/devices/<device>`.
    fn remove_iommu_group(dir: &Path, device: &str) -> std::io::Result<usize> {
        let mut removed = 0;
        let mut files = Vec::new();
        walk(dir, &mut files)?;
        for path in files {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let parent = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str());
            let grandparent = path
                .parent()
                .and_then(Path::parent)
                .and_then(Path::parent)
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str());
            let is_link = path.symlink_metadata()?.file_type().is_symlink();
            if (name == "iommu_group" && parent == Some(device))
                || (name == device && parent == Some("devices") && grandparent == Some("iommu_groups"))
            {
                std::fs::remove_file(&path)?;
                removed += 1;
                continue;
            }
            if is_link {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // not text: a DTB, a memory dump
            };
            let (edited, count) = without_group_lines(&text, device);
            if count > 0 {
                std::fs::write(&path, edited)?;
                removed += count;
            }
        }
        Ok(removed)
    }

    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                walk(&entry.path(), out)?;
            } else {
                out.push(entry.path());
            }
        }
        Ok(())
    }

    /// The text without the lines that give `device` an IOMMU group, and how many lines changed.
    fn without_group_lines(text: &str, device: &str) -> (String, usize) {
        let mut out = String::with_capacity(text.len());
        let mut changed = 0;
        // The device table (`#bus<TAB>device<TAB>driver<TAB>iommu_group…`): its group column.
        let mut columns: Option<(usize, usize)> = None;
        // The group listing (`group N type=…` then `  device NAME path=…`); the IOMMU class
        // listing has the same device lines under `iommu NAME`, and those must stay.
        let mut in_group = false;
        for line in text.split_inclusive('\n') {
            let body = line.trim_end_matches(['\n', '\r']);
            if let Some(header) = body.strip_prefix('#') {
                let names: Vec<&str> = header.split('\t').collect();
                let find = |wanted: &str| names.iter().position(|name| *name == wanted);
                columns = find("device").zip(find("iommu_group"));
                out.push_str(line);
                continue;
            }
            if !body.starts_with(char::is_whitespace) {
                in_group = body.starts_with("group ");
            }
            let names_device = body
                .split(|c: char| c.is_whitespace() || matches!(c, '/' | '='))
                .any(|word| word.trim_end_matches(':') == device);
            let lower = body.to_ascii_lowercase();
            // "Adding to iommu group N", `…/iommu_group -> …`, the iommu tracepoint's
            // `add_device_to_group: IOMMU: groupID=N device=NAME`.
            let group_line = ["iommu group", "iommu_group", "_to_group"]
                .iter()
                .any(|mark| lower.contains(mark));
            let listed_in_group = in_group && body.trim_start().starts_with(&format!("device {device} "));
            if names_device && (group_line || listed_in_group) {
                changed += 1;
                continue;
            }
            if let Some((device_column, group_column)) = columns {
                let mut fields: Vec<&str> = body.split('\t').collect();
                if fields.get(device_column) == Some(&device)
                    && fields.get(group_column).is_some_and(|group| *group != "-")
                {
                    fields[group_column] = "-";
                    out.push_str(&fields.join("\t"));
                    out.push_str(&line[body.len()..]);
                    changed += 1;
                    continue;
                }
            }
            out.push_str(line);
        }
        (out, changed)
    }
}
