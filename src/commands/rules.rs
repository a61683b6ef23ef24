//! `probescope rules` lists every rule; `probescope explain RULE` prints one's explanation.

use crate::cli::{ExplainArgs, ListFormat, RulesArgs};
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::rules::registry;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use std::io::Write;

pub fn run_list(args: RulesArgs) -> Result<ExitStatus> {
    let out = match args.format {
        ListFormat::Json => crate::report::rules::render(registry::metas())?,
        ListFormat::Table => {
            let mut table = Table::new();
            table
                .load_preset(UTF8_FULL_CONDENSED)
                .set_header(vec!["code", "name", "severity", "summary"]);
            for meta in registry::metas() {
                table.add_row(vec![meta.code, meta.name, meta.severity.as_str(), meta.summary]);
            }
            format!("{table}\n")
        }
    };
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitStatus::Clean)
}

pub fn run_explain(args: ExplainArgs) -> Result<ExitStatus> {
    let rule = registry::find(&args.rule).ok_or_else(|| {
        let known: Vec<&str> = registry::metas().map(|m| m.name).collect();
        Error::Usage(format!(
            "no rule `{}`; rules are: {}",
            args.rule,
            known.join(", ")
        ))
    })?;
    let meta = rule.meta();
    let out = format!(
        "# {} {} ({})\n\n{}\n\n{}",
        meta.code, meta.name, meta.severity, meta.summary, meta.explanation
    );
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitStatus::Clean)
}
