//! `--format junit`: JUnit XML (quick-junit) for the test-report views of GitLab, Jenkins and
//! the GitHub test-report actions. A test suite per boot, a test case per rule (named
//! `CODE rule-name`, class name = the boot), the boot's failing findings of that rule as the
//! case's failure with their evidence. Findings that do not fail (below `--fail-on`, or in the
//! baseline) leave the case passing and are listed in its output; rules disabled by the
//! configuration are skipped cases; an unusable input is the suite's one errored case `input`.
//! No timestamps or durations: the output is deterministic.

use super::{BootOutcome, BootStatus, Report};
use crate::rules::registry;
use crate::rules::settings::RuleSettings;
use crate::rules::{Finding, RuleMeta};
use crate::sanitize::escape_control;
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use std::fmt::Write;

/// Control characters are shown escaped, line by line (XML 1.0 cannot carry most of them, and
/// quick-junit would silently drop them).
fn clean(text: &str) -> String {
    text.split('\n')
        .map(escape_control)
        .collect::<Vec<_>>()
        .join("\n")
}

fn describe(finding: &Finding) -> String {
    let mut text = format!(
        "{} {}: {}",
        finding.severity,
        clean(&finding.subject),
        clean(&finding.message)
    );
    if !finding.related.is_empty() {
        let _ = write!(text, "\n  related: {}", clean(&finding.related.join(", ")));
    }
    for evidence in &finding.evidence {
        let _ = write!(
            text,
            "\n  {}: {}",
            clean(&evidence.origin.to_string()),
            clean(&evidence.text)
        );
    }
    text
}

fn rule_case(outcome: &BootOutcome, report: &Report, meta: &RuleMeta, settings: &RuleSettings) -> TestCase {
    let name = format!("{} {}", meta.code, meta.name);
    if !settings.is_enabled(meta) {
        let mut status = TestCaseStatus::skipped();
        status.set_message("disabled in the configuration");
        let mut case = TestCase::new(name, status);
        case.set_classname(outcome.name.as_str());
        return case;
    }
    let of_rule: Vec<(usize, &Finding)> = report
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.code == meta.code)
        .collect();
    let (failing, passing): (Vec<_>, Vec<_>) = of_rule.iter().partition(|(index, _)| outcome.fails(*index));
    let status = if failing.is_empty() {
        TestCaseStatus::success()
    } else {
        let subjects: Vec<String> = failing.iter().map(|(_, f)| clean(&f.subject)).collect();
        let worst = failing
            .iter()
            .map(|(_, f)| f.severity)
            .max()
            .unwrap_or(meta.severity);
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_message(format!(
                "{} finding{}: {}",
                failing.len(),
                if failing.len() == 1 { "" } else { "s" },
                subjects.join(", ")
            ))
            .set_type(worst.as_str())
            .set_description(
                failing
                    .iter()
                    .map(|(_, f)| describe(f))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        status
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(outcome.name.as_str());
    if !passing.is_empty() {
        let listed: Vec<String> = passing
            .iter()
            .map(|(index, f)| {
                let why = if outcome.is_known(*index) {
                    "in the baseline"
                } else {
                    "below --fail-on"
                };
                format!("({why}) {}", describe(f))
            })
            .collect();
        case.set_system_out(listed.join("\n"));
    }
    case
}

/// One boot's test suite.
pub fn suite(outcome: &BootOutcome, settings: &RuleSettings) -> TestSuite {
    let mut suite = TestSuite::new(outcome.name.as_str());
    let status = outcome.status();
    suite.add_property(Property::new("status", status.as_str()));
    suite.add_property(Property::new("exit_code", status.exit_code().to_string()));
    let report = match &outcome.result {
        Ok(report) => report,
        Err(error) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(clean(error)).set_type("input-error");
            let mut case = TestCase::new("input", status);
            case.set_classname(outcome.name.as_str());
            suite.add_test_case(case);
            return suite;
        }
    };
    if status == BootStatus::Unchecked {
        // Passing every rule's case would read as a clean boot; nothing was checked.
        let mut unchecked = TestCaseStatus::non_success(NonSuccessKind::Error);
        unchecked
            .set_message("no kernel log was read, so probe order and deferrals are unchecked")
            .set_type("unchecked");
        let mut case = TestCase::new("input", unchecked);
        case.set_classname(outcome.name.as_str());
        suite.add_test_case(case);
    }
    for meta in registry::metas() {
        suite.add_test_case(rule_case(outcome, report, meta, settings));
    }
    let mut out = Vec::new();
    for fixed in outcome.baseline.iter().flat_map(|diff| &diff.fixed) {
        out.push(format!(
            "fixed since the baseline (remove the entry): {} {} [{}]",
            fixed.rule,
            clean(&fixed.subject),
            clean(&fixed.related.join(", "))
        ));
    }
    out.extend(report.notes.iter().map(|note| format!("note: {}", clean(note))));
    if !out.is_empty() {
        suite.set_system_out(out.join("\n"));
    }
    suite
}

/// The whole run as one JUnit document.
pub fn render(outcomes: &[BootOutcome], settings: &RuleSettings) -> String {
    render_suites(outcomes.iter().map(|outcome| suite(outcome, settings)).collect())
}

/// The run as one JUnit document, from each boot's suite ([`suite`]). A run printed boot by
/// boot keeps the suites to the end, not the boots' reports: the document's first element
/// carries the run's totals (`<testsuites tests= failures= errors=>`), so no suite can be
/// written before every boot was analysed.
pub fn render_suites(suites: Vec<TestSuite>) -> String {
    let mut report = quick_junit::Report::new("probescope");
    report.add_test_suites(suites);
    // Serialising to memory fails only on a writer error, which a Vec does not have.
    report.to_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::rules::settings::RuleOverride;

    fn document() -> String {
        let mut settings = RuleSettings::default();
        settings.overrides.insert(
            "PS101",
            RuleOverride {
                enabled: Some(false),
                severity: None,
            },
        );
        render(&fixtures::outcomes(), &settings)
    }

    #[test]
    fn renders_a_suite_per_boot_and_a_case_per_rule() {
        let text = document();
        let rules = registry::metas().count();
        assert!(
            text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "<testsuites name=\"probescope\" tests=\"{}\" failures=\"1\" errors=\"1\">",
                rules + 1
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "<testsuite name=\"logs/board-a.txt\" tests=\"{rules}\" disabled=\"1\" errors=\"0\" failures=\"1\">"
            )),
            "{text}"
        );
        let failure = concat!(
            "<testcase name=\"PS103 iommu-dependency-ignored\" classname=\"logs/board-a.txt\">\n",
            "            <failure message=\"1 finding: 0000:00:03.0\" type=\"error\">",
            "error 0000:00:03.0: 0000:00:03.0 bound before its IOMMU\n",
            "  related: 9050000.smmuv3\n",
            "  logs/board-a.txt:286: [    7.027453] virtio-pci 0000:00:03.0: deferred probe timeout, ignoring dependency",
            "</failure>\n",
            "        </testcase>"
        );
        assert!(text.contains(failure), "{text}");
        assert!(
            text.contains(concat!(
                "<testcase name=\"PS104 iommu-group-missing\" classname=\"logs/board-a.txt\">\n",
                "            <system-out>(below --fail-on) warning 0000:00:04.0:"
            )),
            "{text}"
        );
        assert!(
            text.contains(concat!(
                "<testcase name=\"PS101 iommu-consumer-probed-before-iommu\" classname=\"logs/board-a.txt\">\n",
                "            <skipped message=\"disabled in the configuration\"/>"
            )),
            "{text}"
        );
        assert!(
            text.contains("<system-out>note: no devices_deferred snapshot</system-out>"),
            "{text}"
        );
        let unusable = concat!(
            "<testsuite name=\"logs/board-b.txt\" tests=\"1\" disabled=\"0\" errors=\"1\" failures=\"0\">\n",
            "        <properties>\n",
            "            <property name=\"status\" value=\"error\"/>\n",
            "            <property name=\"exit_code\" value=\"2\"/>\n",
            "        </properties>\n",
            "        <testcase name=\"input\" classname=\"logs/board-b.txt\">\n",
            "            <error message=\"logs/board-b.txt: expected a kernel log\" type=\"input-error\"/>\n",
            "        </testcase>\n",
            "    </testsuite>"
        );
        assert!(text.contains(unusable), "{text}");
    }

    #[test]
    fn parses_back_with_quick_junit() {
        let parsed = quick_junit::Report::deserialize_from_str(&document()).unwrap();
        assert_eq!(parsed.test_suites.len(), 2);
        assert_eq!((parsed.failures, parsed.errors), (1, 1));
        let board_a = &parsed.test_suites[0];
        assert_eq!(board_a.name.as_str(), "logs/board-a.txt");
        let failed: Vec<&str> = board_a
            .test_cases
            .iter()
            .filter(|case| matches!(case.status, TestCaseStatus::NonSuccess { .. }))
            .map(|case| case.name.as_str())
            .collect();
        assert_eq!(failed, ["PS103 iommu-dependency-ignored"]);
    }

    #[test]
    fn baselined_findings_pass_and_fixed_entries_are_listed() {
        let text = render(&[fixtures::baselined()], &RuleSettings::default());
        assert!(
            text.contains("<failure message=\"1 finding: 0000:00:04.0\" type=\"warning\">"),
            "{text}"
        );
        assert!(
            text.contains("<system-out>(in the baseline) error 0000:00:03.0:"),
            "{text}"
        );
        assert!(text.contains(
            "fixed since the baseline (remove the entry): iommu-consumer-probed-before-iommu 0000:00:05.0 [9050000.smmuv3]"
        ));
    }
}
