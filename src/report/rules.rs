//! `rules --format json`: the rule registry as a document of the contract (schema
//! `schema/rules.json`): `{"schema", "tool", "command": "rules", "rules": [{"code", "name",
//! "severity", "summary"}]}`. Codes and names are public API: never reused.

use super::contract::Document;
use crate::error::Result;
use crate::rules::{RuleMeta, Severity};
use schemars::JsonSchema;
use serde::Serialize;

/// Every rule, in registry order.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
// `&'static str` fields (fixed words) read back from a `'static` text only.
#[serde(bound(deserialize = "'de: 'static"))]
pub struct RuleList {
    pub rules: Vec<RuleSummary>,
}

/// One rule: what identifies it and what it detects.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct RuleSummary {
    /// Stable code, e.g. `PS101`.
    pub code: &'static str,
    /// kebab-case name of the problem (what `explain` and configuration files take).
    pub name: &'static str,
    /// The severity of its findings unless the configuration changes it.
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
}

impl RuleSummary {
    pub fn new(meta: &RuleMeta) -> Self {
        RuleSummary {
            code: meta.code,
            name: meta.name,
            severity: meta.severity,
            summary: meta.summary,
        }
    }
}

/// The rules as their document, indented, ending with a newline.
pub fn render<'a>(metas: impl IntoIterator<Item = &'a RuleMeta>) -> Result<String> {
    let rules = metas.into_iter().map(RuleSummary::new).collect();
    Document::new("rules", RuleList { rules }).to_pretty_json()
}
