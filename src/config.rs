//! `probescope.toml`: what a project says about its rules and its board, as written (TOML)
//! and resolved into [`RuleSettings`] at the edge. Every mistake (an unknown key or rule, a
//! wrong type, a bad glob, an ignore without a reason) is an error naming the file and line.
//!
//! ```toml
//! [rules.iommu-group-missing]      # a rule by name or code (PS104)
//! enabled = true
//! severity = "error"               # info | warning | error
//!
//! [[ignore]]                       # findings the project accepts
//! rule = "iommu-consumer-without-iommu"   # optional: every rule when left out
//! subject = "0000:00:0?.0"         # glob on the finding's subject
//! reason = "no SMMU on rev A boards"      # required
//!
//! [board]
//! expect_bound = ["13620000.sysmmu", "*.mfc"]
//! max_deferred_at_end = 0
//! ```

use crate::error::{Error, Result};
use crate::rules::registry;
use crate::rules::settings::{DevicePattern, Ignore, RuleOverride, RuleSettings};
use crate::rules::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE_NAME: &str = "probescope.toml";

/// A loaded configuration: where it came from and what it resolves to.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub path: PathBuf,
    pub settings: RuleSettings,
}

/// Loads `explicit` (an error when missing), else `probescope.toml` in `dir` when it exists.
pub fn discover(explicit: Option<&Path>, dir: &Path) -> Result<Option<Config>> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let candidate = dir.join(DEFAULT_FILE_NAME);
            if !candidate.is_file() {
                return Ok(None);
            }
            candidate
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let source = display_name(explicit, &path);
    let settings = parse(&text, &source)?;
    Ok(Some(Config { path, settings }))
}

/// The name errors use: the path as given, or the bare file name when found by discovery.
fn display_name(explicit: Option<&Path>, path: &Path) -> String {
    match explicit {
        Some(given) => given.display().to_string(),
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RawRule>,
    #[serde(default)]
    ignore: Vec<RawIgnore>,
    #[serde(default)]
    board: RawBoard,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    enabled: Option<bool>,
    severity: Option<RawSeverity>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawSeverity {
    Info,
    Warning,
    Error,
}

impl From<RawSeverity> for Severity {
    fn from(raw: RawSeverity) -> Severity {
        match raw {
            RawSeverity::Info => Severity::Info,
            RawSeverity::Warning => Severity::Warning,
            RawSeverity::Error => Severity::Error,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    rule: Option<Spanned<String>>,
    subject: Spanned<String>,
    reason: Spanned<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBoard {
    #[serde(default)]
    expect_bound: Vec<Spanned<String>>,
    max_deferred_at_end: Option<u32>,
}

/// Parses a configuration's text; `source` names it in errors.
pub fn parse(text: &str, source: &str) -> Result<RuleSettings> {
    let at = |offset: usize, message: String| -> Error {
        Error::Usage(format!("{source}:{}: {message}", line_of(text, offset)))
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|span| span.start).unwrap_or(0);
        let message = e.message().trim().replace('\n', "; ");
        if message.is_empty() {
            at(
                offset,
                "not valid TOML here: a value is missing or malformed".into(),
            )
        } else {
            at(offset, message)
        }
    })?;

    let mut settings = RuleSettings::default();
    for (name, rule) in raw.rules {
        let meta =
            find_rule(name.get_ref()).ok_or_else(|| at(name.span().start, unknown_rule(name.get_ref())))?;
        settings.overrides.insert(
            meta.code,
            RuleOverride {
                enabled: rule.enabled,
                severity: rule.severity.map(Severity::from),
            },
        );
    }
    for ignore in raw.ignore {
        let rule = match &ignore.rule {
            Some(name) => Some(
                find_rule(name.get_ref())
                    .ok_or_else(|| at(name.span().start, unknown_rule(name.get_ref())))?
                    .code,
            ),
            None => None,
        };
        if ignore.reason.get_ref().trim().is_empty() {
            return Err(at(
                ignore.reason.span().start,
                "an ignore needs a reason: say why the finding is accepted".into(),
            ));
        }
        settings.ignores.push(Ignore {
            rule,
            subject: pattern(&ignore.subject, &at)?,
            reason: ignore.reason.get_ref().trim().to_string(),
            origin: format!("{source}:{}", line_of(text, ignore.subject.span().start)),
        });
    }
    settings.expectations.expect_bound = raw
        .board
        .expect_bound
        .iter()
        .map(|text| pattern(text, &at))
        .collect::<Result<_>>()?;
    settings.expectations.max_deferred_at_end = raw.board.max_deferred_at_end;
    Ok(settings)
}

fn find_rule(name: &str) -> Option<&'static crate::rules::RuleMeta> {
    registry::find(name).map(|rule| rule.meta())
}

fn unknown_rule(name: &str) -> String {
    let known: Vec<&str> = registry::metas().map(|m| m.name).collect();
    format!(
        "unknown rule `{name}`; rules are (by name or code): {}",
        known.join(", ")
    )
}

fn pattern(text: &Spanned<String>, at: &impl Fn(usize, String) -> Error) -> Result<DevicePattern> {
    DevicePattern::new(text.get_ref()).map_err(|e| {
        at(
            text.span().start,
            format!("bad glob `{}`: {}", text.get_ref(), e.kind()),
        )
    })
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse(text, "probescope.toml").unwrap_err().to_string()
    }

    #[test]
    fn reads_rules_ignores_and_board_expectations() {
        let settings = parse(
            r#"
[rules.iommu-group-missing]
severity = "error"

[rules.PS101]
enabled = false

[[ignore]]
rule = "PS102"
subject = "0000:00:0?.0"
reason = "no SMMU on rev A boards"

[board]
expect_bound = ["13620000.sysmmu", "*.mfc"]
max_deferred_at_end = 0
"#,
            "probescope.toml",
        )
        .unwrap();
        assert_eq!(settings.overrides["PS104"].severity, Some(Severity::Error));
        assert_eq!(settings.overrides["PS101"].enabled, Some(false));
        assert_eq!(settings.ignores.len(), 1);
        assert_eq!(settings.ignores[0].rule, Some("PS102"));
        assert_eq!(settings.ignores[0].origin, "probescope.toml:10");
        assert!(settings.ignores[0].subject.matches("0000:00:05.0"));
        let patterns: Vec<&str> = settings
            .expectations
            .expect_bound
            .iter()
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(patterns, ["13620000.sysmmu", "*.mfc"]);
        assert_eq!(settings.expectations.max_deferred_at_end, Some(0));
    }

    #[test]
    fn an_empty_file_is_the_registry_as_it_stands() {
        assert_eq!(parse("", "p.toml").unwrap(), RuleSettings::default());
    }

    #[test]
    fn unknown_rules_and_keys_name_their_line() {
        let message = error("\n[rules.no-such-rule]\nenabled = false\n");
        assert!(
            message.starts_with("probescope.toml:2: unknown rule `no-such-rule`"),
            "{message}"
        );
        let message = error("[board]\nexpect_bound = []\nmax_deferred = 1\n");
        assert!(
            message.starts_with("probescope.toml:3: unknown field `max_deferred`"),
            "{message}"
        );
        let message = error("[[ignore]]\nrule = \"nope\"\nsubject = \"x\"\nreason = \"r\"\n");
        assert!(
            message.starts_with("probescope.toml:2: unknown rule `nope`"),
            "{message}"
        );
    }

    #[test]
    fn wrong_types_and_values_name_their_line() {
        let message = error("[board]\n\nmax_deferred_at_end = \"none\"\n");
        assert!(message.starts_with("probescope.toml:3: "), "{message}");
        assert!(
            message.contains("u32") || message.contains("integer"),
            "{message}"
        );
        let message = error("[board]\nmax_deferred_at_end = -1\n");
        assert!(message.starts_with("probescope.toml:2: "), "{message}");
        let message = error("[rules.PS104]\nseverity = \"fatal\"\n");
        assert!(
            message.starts_with("probescope.toml:2: unknown variant `fatal`"),
            "{message}"
        );
        let message = error("[rules.PS104]\nenabled = \"no\"\n");
        assert!(message.starts_with("probescope.toml:2: "), "{message}");
    }

    #[test]
    fn syntax_errors_name_their_line() {
        let message = error("[board]\nexpect_bound = ");
        assert!(
            message.starts_with("probescope.toml:2: not valid TOML"),
            "{message}"
        );
        let message = error("\n[board\n");
        assert!(
            message.starts_with("probescope.toml:2: invalid table header; expected"),
            "{message}"
        );
    }

    #[test]
    fn bad_globs_and_missing_reasons_name_their_line() {
        let message = error("[board]\nexpect_bound = [\n  \"ok\",\n  \"[a-\",\n]\n");
        assert!(
            message.starts_with("probescope.toml:4: bad glob `[a-`"),
            "{message}"
        );
        let message = error("[[ignore]]\nsubject = \"{a,b\"\nreason = \"r\"\n");
        assert!(message.starts_with("probescope.toml:2: bad glob"), "{message}");
        let message = error("[[ignore]]\nsubject = \"x\"\nreason = \"  \"\n");
        assert!(
            message.starts_with("probescope.toml:3: an ignore needs a reason"),
            "{message}"
        );
        let message = error("\n[[ignore]]\nsubject = \"x\"\n");
        assert!(
            message.starts_with("probescope.toml:2: missing field `reason`"),
            "{message}"
        );
    }

    #[test]
    fn discovery_finds_the_working_directorys_file_and_requires_an_explicit_one() {
        let dir = tempfile::tempdir().unwrap();
        assert!(discover(None, dir.path()).unwrap().is_none());
        std::fs::write(
            dir.path().join(DEFAULT_FILE_NAME),
            "[board]\nmax_deferred_at_end = 2\n",
        )
        .unwrap();
        let found = discover(None, dir.path()).unwrap().unwrap();
        assert_eq!(found.settings.expectations.max_deferred_at_end, Some(2));
        let missing = dir.path().join("other.toml");
        assert!(discover(Some(&missing), dir.path()).is_err());
    }
}
