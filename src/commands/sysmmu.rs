//! `probescope sysmmu`: the Exynos SysMMU decoder's command line.

use crate::commands::ExitStatus;
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct SysmmuArgs {}

pub fn run(_args: SysmmuArgs) -> Result<ExitStatus> {
    Err(Error::Usage("the SysMMU decoder is not built yet".into()))
}
