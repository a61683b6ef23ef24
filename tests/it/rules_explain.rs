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
