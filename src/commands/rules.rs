//! `probescope rules` and `probescope explain`.

use crate::cli::{ExplainArgs, RulesArgs};
use crate::commands::ExitStatus;
use crate::error::Result;

pub fn run_list(_args: RulesArgs) -> Result<ExitStatus> {
    Ok(ExitStatus::Clean)
}

pub fn run_explain(_args: ExplainArgs) -> Result<ExitStatus> {
    Ok(ExitStatus::Clean)
}
