#!/usr/bin/env python3
"""An independent reader of probescope's JUnit output (standard library only).

Usage: ci_gate_junit.py JUNIT.xml RUN.ndjson

Checks the document's structure against the JUnit conventions GitLab and Jenkins read
(testsuites > testsuite > testcase > failure|error|skipped, counts in attributes) and against
the same run's ndjson output: one suite per boot in order, one failed case per rule with failing
findings, an errored `input` case for an unusable input. Prints every problem; exits 1 if any.
"""

import json
import sys
import xml.etree.ElementTree as ET

problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


def integer(element, attribute):
    value = element.get(attribute)
    check(value is not None and value.isdigit(), f"<{element.tag} name={element.get('name')!r}> {attribute}={value!r} is not a count")
    return int(value) if value is not None and value.isdigit() else -1


def words(text):
    """XML attribute values have their line breaks normalised to spaces."""
    return " ".join((text or "").split())


def main(junit_path, ndjson_path):
    with open(ndjson_path, encoding="utf-8") as lines:
        boots = [json.loads(line) for line in lines if line.strip()]
    root = ET.parse(junit_path).getroot()

    check(root.tag == "testsuites", f"root is <{root.tag}>, expected <testsuites>")
    check(root.get("name") == "probescope", f"testsuites name={root.get('name')!r}")
    suites = root.findall("testsuite")
    check(len(suites) == len(boots), f"{len(suites)} test suites for {len(boots)} boots")
    check(len(list(root)) == len(suites), "testsuites has children other than testsuite")

    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite, boot in zip(suites, boots):
        name = suite.get("name")
        check(name == boot["boot"], f"suite {name!r} where boot {boot['boot']!r} was expected")
        cases = suite.findall("testcase")
        outcome = {"failure": [], "error": [], "skipped": []}
        for case in cases:
            check(case.get("name"), f"{name}: a testcase without a name")
            check(case.get("classname") == name, f"{name}: testcase {case.get('name')!r} classname={case.get('classname')!r}")
            kinds = [child.tag for child in case if child.tag in outcome]
            check(len(kinds) <= 1, f"{name}: testcase {case.get('name')!r} has {kinds}")
            for kind in kinds:
                outcome[kind].append(case)
        counts = {
            "tests": len(cases),
            "failures": len(outcome["failure"]),
            "errors": len(outcome["error"]),
            "disabled": len(outcome["skipped"]),
        }
        for attribute, count in counts.items():
            check(integer(suite, attribute) == count, f"{name}: {attribute}={suite.get(attribute)} but {count} such testcases")
        for attribute in totals:
            totals[attribute] += counts[attribute]

        properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        check(properties.get("status") == boot["status"], f"{name}: status property {properties.get('status')!r}, ndjson {boot['status']!r}")
        check(properties.get("exit_code") == str(boot["exit_code"]), f"{name}: exit_code property {properties.get('exit_code')!r}")

        if "error" in boot:
            check([c.get("name") for c in cases] == ["input"], f"{name}: an unusable input is one testcase `input`")
            for case in outcome["error"]:
                error = case.find("error")
                check(words(error.get("message")) == words(boot["error"]), f"{name}: error message {error.get('message')!r}")
                check(error.get("type") == "input-error", f"{name}: error type {error.get('type')!r}")
            continue

        failing = {}
        for finding in boot["findings"]:
            if finding["fails"]:
                failing.setdefault(f"{finding['code']} {finding['rule']}", []).append(finding)
        failed = {case.get("name"): case.find("failure") for case in outcome["failure"]}
        check(set(failed) == set(failing), f"{name}: failed cases {sorted(failed)}, failing rules {sorted(failing)}")
        for case_name, failure in failed.items():
            findings = failing.get(case_name, [])
            message = failure.get("message") or ""
            check(message.startswith(f"{len(findings)} finding"), f"{name}: {case_name}: message {message!r}")
            check(failure.get("type") in ("error", "warning", "info"), f"{name}: {case_name}: type {failure.get('type')!r}")
            text = failure.text or ""
            for finding in findings:
                check(finding["subject"] in text, f"{name}: {case_name}: {finding['subject']} not in the failure text")
                for evidence in finding["evidence"]:
                    place = evidence["file"] if evidence["line"] == 0 else f"{evidence['file']}:{evidence['line']}"
                    check(place in text, f"{name}: {case_name}: evidence {place} not in the failure text")
        rule_cases = [c.get("name") for c in cases]
        check(len(rule_cases) == len(set(rule_cases)), f"{name}: a rule appears twice")

    for attribute, total in totals.items():
        check(integer(root, attribute) == total, f"testsuites {attribute}={root.get(attribute)} but the suites sum to {total}")

    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
