//! `probescope blame`: where each boot's probing time went (`report::blame`).

use crate::analysis::graph::SupplierGraph;
use crate::analysis::Analysis;
use crate::cli::{BlameArgs, BlameFormat};
use crate::commands::timeline::analysed_boots;
use crate::commands::{terminal, ExitStatus};
use crate::error::{Error, Result};
use crate::report::blame::{self, BlameRun};
use std::io::Write;

pub fn run(args: BlameArgs) -> Result<ExitStatus> {
    let boots = analysed_boots(&args.input, &args.boots)?;
    let run = BlameRun {
        boots: boots
            .iter()
            .map(|(boot, _)| {
                let graph = SupplierGraph::new(boot);
                blame::build(&Analysis::new(boot, &graph), args.top)
            })
            .collect(),
    };
    let out = match args.format {
        BlameFormat::Json => blame::render_json(run)?,
        BlameFormat::Table => {
            let width = u16::try_from(terminal::width(args.width)).ok();
            blame::render_table(&run, width)
        }
    };
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitStatus::Clean)
}
