//! `probescope explain` for every rule `probescope rules` lists: each page exists, exits 0 and
//! has the sections every explanation must have. The list comes from the binary itself, so a
//! rule added to the registry is covered without editing this file.

use crate::support::ci_gate::probescope;

#[test]
fn every_listed_rule_has_an_explain_page() {
    let listing = probescope().args(["rules", "--format", "json"]).output().unwrap();
    assert!(listing.status.success());
    let listing: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    let rules = listing["rules"].as_array().expect("a `rules` array");
    assert!(!rules.is_empty());
    for rule in rules {
        let code = rule["code"].as_str().expect("a rule code");
        let page = probescope().args(["explain", code]).output().unwrap();
        assert_eq!(page.status.code(), Some(0), "explain {code}");
        let text = String::from_utf8(page.stdout).unwrap();
        assert!(text.starts_with(&format!("# {code} ")), "explain {code}: {text}");
        for section in [
            "## What it detects",
            "## Why it matters",
            "## Example",
            "## How to fix it",
            "## Kernel references",
        ] {
            assert!(text.contains(section), "explain {code} lacks {section}");
        }
    }
}

/// Help and man pages cite rules by code: every code they cite is one the registry has.
#[test]
fn help_and_man_pages_cite_only_rules_that_exist() {
    let known: Vec<&str> = probescope::rules::registry::RULES
        .iter()
        .map(|rule| rule.meta().code)
        .collect();
    let code = regex::Regex::new(r"\bPS\d{3}\b").unwrap();
    let mut texts = Vec::new();
    for command in ["check", "explain", "rules", "why"] {
        let help = probescope().args([command, "--help"]).output().unwrap();
        texts.push((
            format!("{command} --help"),
            String::from_utf8(help.stdout).unwrap(),
        ));
    }
    let man = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    for entry in std::fs::read_dir(&man).unwrap() {
        let path = entry.unwrap().path();
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    for (name, text) in &texts {
        for cited in code.find_iter(text) {
            assert!(known.contains(&cited.as_str()), "{name} cites {}", cited.as_str());
        }
    }
    assert!(
        texts.iter().any(|(_, text)| text.contains("PS101")),
        "explain --help cites a rule"
    );
}
