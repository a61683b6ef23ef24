//! Baselines: the findings a project has accepted, per boot name, recorded by a fingerprint that
//! survives reruns (rule, subject and related devices; never timestamps, line numbers, file
//! paths or message text, which change from one capture of the same board to the next).
//! `check --baseline FILE` then fails only on findings not in the file and lists the entries
//! that no longer occur, so the file can be pruned.
//!
//! File format (JSON, a document of the report contract with the same header as every JSON
//! output; schema `schema/baseline.json`, documented in the README):
//!
//! ```json
//! {
//!   "schema": 2,
//!   "tool": "probescope 0.1.0",
//!   "command": "check",
//!   "kind": "probescope-baseline",
//!   "boots": {
//!     "logs/board-a.txt": [
//!       {"rule": "iommu-dependency-ignored", "subject": "0000:00:03.0",
//!        "related": ["9050000.smmuv3"], "fingerprint": "3f1c0a9be2d47710"}
//!     ]
//!   }
//! }
//! ```
//!
//! `fingerprint` is a digest of the other three fields for tools that want one key; matching
//! uses the fields themselves, so a hand-edited entry needs no digest. Files written before the
//! contract (`"version": 1` instead of the header) are still read, so that a project's accepted
//! findings survive the upgrade; they are written back in the current format.

use crate::error::{Error, Result};
use crate::report::contract::{Header, SCHEMA_VERSION};
use crate::rules::Finding;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const BASELINE_KIND: &str = "probescope-baseline";
/// The `version` of the files written before the report contract (still read).
pub const LEGACY_BASELINE_VERSION: u32 = 1;
/// The subcommand that writes baselines (`check --write-baseline`), as the header names it.
const BASELINE_COMMAND: &str = "check";

/// What identifies a finding across runs of the same boot.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Fingerprint {
    /// The rule's name (public API, never reused).
    pub rule: String,
    pub subject: String,
    /// Sorted and without duplicates, so the order a rule lists them in does not matter.
    pub related: Vec<String>,
}

impl Fingerprint {
    pub fn of(finding: &Finding) -> Fingerprint {
        let mut related = finding.related.clone();
        related.sort();
        related.dedup();
        Fingerprint {
            rule: finding.rule.to_string(),
            subject: finding.subject.clone(),
            related,
        }
    }

    /// 16 hex digits of SHA-256 over the fields, separated by bytes no device name contains.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.rule.as_bytes());
        hasher.update([0x1f]);
        hasher.update(self.subject.as_bytes());
        for related in &self.related {
            hasher.update([0x1e]);
            hasher.update(related.as_bytes());
        }
        // SHA-256 gives 32 bytes: the first 8 always exist.
        hasher.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Accepted findings per boot name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    boots: BTreeMap<String, BTreeSet<Fingerprint>>,
}

/// How one boot's findings compare with its baseline entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaselineDiff {
    /// One flag per finding, in the findings' order: the baseline has it.
    pub known: Vec<bool>,
    /// Entries of this boot that no finding matches any more (sorted).
    pub fixed: Vec<Fingerprint>,
}

impl BaselineDiff {
    pub fn is_known(&self, finding_index: usize) -> bool {
        self.known.get(finding_index).copied().unwrap_or(false)
    }

    pub fn new_count(&self) -> usize {
        self.known.iter().filter(|known| !**known).count()
    }

    pub fn known_count(&self) -> usize {
        self.known.iter().filter(|known| **known).count()
    }
}

/// The baseline file as written and read. The header's fields are inline rather than a
/// flattened [`Header`] because serde cannot deny unknown fields next to a flattened struct,
/// and a misspelt field must be an error, not an entry silently ignored.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    /// The report contract's version (the `schema` of every JSON document).
    schema: u32,
    /// `probescope X.Y.Z`: the tool that wrote the file.
    tool: String,
    /// `check`: the subcommand that writes baselines (`--write-baseline`).
    command: String,
    /// Always `probescope-baseline`.
    kind: String,
    /// Accepted findings per boot name; a boot with no entries was clean.
    boots: BTreeMap<String, Vec<EntryFile>>,
}

/// A baseline written before the report contract: `version` 1 instead of the header.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyBaselineFile {
    kind: String,
    version: u32,
    boots: BTreeMap<String, Vec<EntryFile>>,
}

/// One accepted finding.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    /// The rule's name.
    rule: String,
    /// The device the finding is about, as the kernel names it.
    subject: String,
    /// Other devices the finding involves (order and repeats do not matter).
    #[serde(default)]
    related: Vec<String>,
    /// 16 hex digits of SHA-256 over the other fields; informational, not used for matching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
}

impl Baseline {
    /// Records a boot's findings (a boot without findings is recorded too: it was clean).
    pub fn record(&mut self, boot: &str, findings: &[Finding]) {
        self.boots
            .entry(boot.to_string())
            .or_default()
            .extend(findings.iter().map(Fingerprint::of));
    }

    pub fn boots(&self) -> impl Iterator<Item = (&str, &BTreeSet<Fingerprint>)> {
        self.boots.iter().map(|(name, entries)| (name.as_str(), entries))
    }

    /// Compares a boot's findings with its entries; a boot the baseline does not know has
    /// only new findings.
    pub fn compare(&self, boot: &str, findings: &[Finding]) -> BaselineDiff {
        let empty = BTreeSet::new();
        let entries = self.boots.get(boot).unwrap_or(&empty);
        let current: Vec<Fingerprint> = findings.iter().map(Fingerprint::of).collect();
        let still_there: BTreeSet<&Fingerprint> = current.iter().collect();
        BaselineDiff {
            known: current.iter().map(|f| entries.contains(f)).collect(),
            fixed: entries
                .iter()
                .filter(|e| !still_there.contains(e))
                .cloned()
                .collect(),
        }
    }

    /// The file's text: deterministic (boots and entries sorted), ending with a newline.
    pub fn to_json(&self) -> Result<String> {
        let Header {
            schema,
            tool,
            command,
        } = Header::new(BASELINE_COMMAND);
        let file = BaselineFile {
            schema,
            tool,
            command,
            kind: BASELINE_KIND.to_string(),
            boots: self
                .boots
                .iter()
                .map(|(boot, entries)| {
                    let entries = entries
                        .iter()
                        .map(|f| EntryFile {
                            fingerprint: Some(f.digest()),
                            rule: f.rule.clone(),
                            subject: f.subject.clone(),
                            related: f.related.clone(),
                        })
                        .collect();
                    (boot.clone(), entries)
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file)
            .map_err(|e| Error::Other(format!("internal error while writing the baseline: {e}")))?;
        text.push('\n');
        Ok(text)
    }

    /// Reads a baseline; `source` names it in errors (with the line of a JSON mistake).
    pub fn parse(text: &str, source: &str) -> Result<Baseline> {
        let not_a_baseline = |e: serde_json::Error| {
            Error::Usage(format!("{source}:{}: not a probescope baseline: {e}", e.line()))
        };
        // Which format is it? Only the files written before the contract have `version`.
        let probe: serde_json::Value = serde_json::from_str(text).map_err(not_a_baseline)?;
        let legacy = probe.get("version").is_some() && probe.get("schema").is_none();
        let (kind, boots) = if legacy {
            let file: LegacyBaselineFile = serde_json::from_str(text).map_err(not_a_baseline)?;
            if file.version != LEGACY_BASELINE_VERSION {
                return Err(Error::Usage(format!(
                    "{source}: baseline version {} is not one this probescope reads (version \
                     {LEGACY_BASELINE_VERSION}, or schema {SCHEMA_VERSION}); rewrite it with --write-baseline",
                    file.version
                )));
            }
            (file.kind, file.boots)
        } else {
            let file: BaselineFile = serde_json::from_str(text).map_err(not_a_baseline)?;
            if file.schema != SCHEMA_VERSION {
                return Err(Error::Usage(format!(
                    "{source}: baseline schema {} is not one this probescope reads (schema {SCHEMA_VERSION}, \
                     written by {}); rewrite it with --write-baseline",
                    file.schema, file.tool
                )));
            }
            (file.kind, file.boots)
        };
        if kind != BASELINE_KIND {
            return Err(Error::Usage(format!(
                "{source}: `kind` is `{kind}`, expected `{BASELINE_KIND}`"
            )));
        }
        let boots = boots
            .into_iter()
            .map(|(boot, entries)| {
                let entries = entries
                    .into_iter()
                    .map(|e| {
                        let mut related = e.related;
                        related.sort();
                        related.dedup();
                        Fingerprint {
                            rule: e.rule,
                            subject: e.subject,
                            related,
                        }
                    })
                    .collect();
                (boot, entries)
            })
            .collect();
        Ok(Baseline { boots })
    }

    pub fn load(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Baseline::parse(&text, &path.display().to_string())
    }

    /// Writes the baseline under a temporary name beside `path` and renames it into place, so
    /// an interrupted run or a full disk leaves the old baseline whole, never truncated.
    pub fn write(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        let json = self.to_json()?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
        let written = std::fs::File::create(&temp)
            .and_then(|mut file| {
                file.write_all(json.as_bytes())?;
                file.sync_all()
            })
            .and_then(|()| std::fs::rename(&temp, path));
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(Error::io(path, error));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Evidence, Origin, SourceName};
    use crate::rules::Severity;

    fn finding(rule: &'static str, subject: &str, related: &[&str], line: u32, message: &str) -> Finding {
        let file: SourceName = format!("run-{line}/dmesg.txt").into();
        Finding {
            rule,
            code: "PS101",
            severity: Severity::Error,
            subject: subject.into(),
            related: related.iter().map(|s| s.to_string()).collect(),
            message: message.into(),
            evidence: vec![Evidence::new(
                Origin::new(&file, line),
                format!("[ {line}.0] text"),
            )],
            blocks: vec![],
        }
    }

    /// A write that fails (here: its temporary file cannot be made, as on a full disk or a
    /// read-only directory) leaves the old baseline whole and names the file; a write that
    /// succeeds replaces it and leaves no temporary file behind.
    #[test]
    fn a_failed_write_leaves_the_old_baseline_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let old = Baseline::default().to_json().unwrap();
        std::fs::write(&path, &old).unwrap();
        let temp = dir
            .path()
            .join(format!(".baseline.json.{}.tmp", std::process::id()));
        std::fs::create_dir(&temp).unwrap();
        let mut new = Baseline::default();
        new.boots
            .entry("boot".to_string())
            .or_default()
            .insert(Fingerprint::of(&finding("r", "dev", &[], 1, "")));
        let error = new.write(&path).expect_err("the temporary file cannot be made");
        assert!(error.to_string().contains("baseline.json"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), old);
        std::fs::remove_dir(&temp).unwrap();
        new.write(&path).unwrap();
        assert_eq!(Baseline::load(&path).unwrap(), new);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["baseline.json"]);
    }

    #[test]
    fn fingerprints_ignore_lines_paths_messages_and_related_order() {
        let a = finding("r", "dev", &["x", "y"], 10, "bound 5.2 s later");
        let b = finding("r", "dev", &["y", "x", "x"], 99, "bound 6.0 s later");
        assert_eq!(Fingerprint::of(&a), Fingerprint::of(&b));
        assert_eq!(Fingerprint::of(&a).digest(), Fingerprint::of(&b).digest());
        assert_eq!(Fingerprint::of(&a).digest().len(), 16);
        let other_subject = finding("r", "dev2", &["x", "y"], 10, "");
        let other_related = finding("r", "dev", &["x"], 10, "");
        assert_ne!(Fingerprint::of(&a), Fingerprint::of(&other_subject));
        assert_ne!(
            Fingerprint::of(&a).digest(),
            Fingerprint::of(&other_related).digest()
        );
    }

    #[test]
    fn compares_per_boot_and_reports_fixed_entries() {
        let mut baseline = Baseline::default();
        baseline.record(
            "a",
            &[finding("r", "one", &[], 1, ""), finding("r", "two", &[], 2, "")],
        );
        baseline.record("clean", &[]);
        let now = [finding("r", "two", &[], 7, ""), finding("r", "three", &[], 8, "")];
        let diff = baseline.compare("a", &now);
        assert_eq!(diff.known, [true, false]);
        assert_eq!((diff.known_count(), diff.new_count()), (1, 1));
        assert_eq!(diff.fixed.len(), 1);
        assert_eq!(diff.fixed[0].subject, "one");
        // Another boot's entries are not this boot's.
        let diff = baseline.compare("clean", &now);
        assert_eq!(diff.known, [false, false]);
        assert!(diff.fixed.is_empty());
        assert_eq!(baseline.compare("unknown", &now).new_count(), 2);
    }

    #[test]
    fn round_trips_through_its_file_format() {
        let mut baseline = Baseline::default();
        baseline.record("b", &[finding("r", "z", &["q", "p"], 1, "")]);
        baseline.record("a", &[]);
        let text = baseline.to_json().unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["schema"], SCHEMA_VERSION);
        assert_eq!(value["tool"], crate::report::contract::tool_name());
        assert_eq!(value["command"], "check");
        assert_eq!(value["kind"], BASELINE_KIND);
        assert_eq!(value["boots"]["a"], serde_json::json!([]));
        assert_eq!(value["boots"]["b"][0]["related"], serde_json::json!(["p", "q"]));
        assert_eq!(value["boots"]["b"][0]["fingerprint"].as_str().unwrap().len(), 16);
        assert_eq!(Baseline::parse(&text, "b.json").unwrap(), baseline);
        // Deterministic: writing again gives the same bytes.
        assert_eq!(Baseline::parse(&text, "b.json").unwrap().to_json().unwrap(), text);
    }

    #[test]
    fn reads_the_files_written_before_the_contract() {
        let legacy = r#"{"kind": "probescope-baseline", "version": 1,
            "boots": {"a": [{"rule": "r", "subject": "z", "related": ["q", "p"]}]}}"#;
        let mut expected = Baseline::default();
        expected.record("a", &[finding("r", "z", &["p", "q"], 1, "")]);
        assert_eq!(Baseline::parse(legacy, "old.json").unwrap(), expected);
    }

    #[test]
    fn rejects_other_files_with_their_name_and_line() {
        let err = Baseline::parse(
            "{\n  \"kind\": \"probescope-baseline\",\n  \"version\": 1,\n  \"boot\": {}\n}",
            "b.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("b.json:4: not a probescope baseline: unknown field `boot`"),
            "{err}"
        );
        let err = Baseline::parse(
            "{\"schema\": 2, \"tool\": \"t\", \"command\": \"check\",\n \"kind\": \"probescope-baseline\", \"bots\": {}}",
            "b.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("b.json:2: not a probescope baseline: unknown field `bots`"),
            "{err}"
        );
        let err = Baseline::parse(
            r#"{"kind": "probescope-baseline", "version": 2, "boots": {}}"#,
            "b.json",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("baseline version 2"), "{err}");
        let err = Baseline::parse(
            r#"{"schema": 99, "tool": "probescope 9.0.0", "command": "check", "kind": "probescope-baseline", "boots": {}}"#,
            "b.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("baseline schema 99") && err.contains("probescope 9.0.0"),
            "{err}"
        );
        let err = Baseline::parse(r#"{"kind": "sarif", "version": 1, "boots": {}}"#, "b.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected `probescope-baseline`"), "{err}");
        let err = Baseline::parse("{\n  \"kind\": ", "b.json")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("b.json:2: not a probescope baseline"), "{err}");
    }
}
