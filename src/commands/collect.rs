//! `probescope collect`: capture one boot's evidence into a bundle.

use crate::commands::ExitStatus;
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct CollectArgs {}

pub fn run(_args: CollectArgs) -> Result<ExitStatus> {
    Err(Error::Usage("collection is not built yet".into()))
}
