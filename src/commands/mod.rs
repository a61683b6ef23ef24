//! One file per subcommand, each a `run(args) -> Result<ExitStatus>`.

pub mod blame;
pub mod check;
pub mod collect;
pub mod diff;
pub mod generate;
pub mod graph;
pub mod limits;
pub mod live;
pub mod plan;
pub mod rules;
pub mod sysmmu;
pub mod terminal;
pub mod timeline;
pub mod watch;
pub mod why;

use crate::cli::{Cli, Command, LimitArgs, SysmmuCommand};
use crate::error::Result;

/// How a command ended, before it becomes an exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the failure threshold.
    Clean,
    /// Findings at or above the failure threshold.
    Findings,
    /// Input could not be used (reported already); exit 2.
    InputError,
}

pub fn run(cli: Cli) -> Result<ExitStatus> {
    // Every reader applies the same caps, however deep in ingest it sits, on every command.
    if let Some(limits) = limit_args(&cli.command) {
        if limits::apply(limits) == limits::Applied::HelpShown {
            return Ok(ExitStatus::Clean);
        }
    }
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Why(args) => why::run(args),
        Command::Rules(args) => rules::run_list(args),
        Command::Explain(args) => rules::run_explain(args),
        Command::Graph(args) => graph::run(args),
        Command::Sysmmu(args) => sysmmu::run(args),
        Command::Collect(args) => collect::run(args),
        Command::Limits(args) => limits::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Timeline(args) => timeline::run(args),
        Command::Blame(args) => blame::run(args),
    }
}

/// The input caps a command was given: every command that reads an input (or copies one from
/// a target) takes them.
fn limit_args(command: &Command) -> Option<&LimitArgs> {
    match command {
        Command::Check(args) => Some(&args.input.limits),
        Command::Why(args) => Some(&args.input.limits),
        Command::Graph(args) => Some(&args.input.limits),
        Command::Plan(args) => Some(&args.input.limits),
        Command::Timeline(args) => Some(&args.input.limits),
        Command::Blame(args) => Some(&args.input.limits),
        Command::Diff(args) => Some(&args.limits),
        Command::Watch(args) => Some(&args.limits),
        Command::Sysmmu(args) => Some(match &args.command {
            SysmmuCommand::Regs(args) => &args.decode.limits,
            SysmmuCommand::Translate(args) => &args.decode.limits,
            SysmmuCommand::Map(args) => &args.decode.limits,
            SysmmuCommand::Fault(args) => &args.decode.limits,
        }),
        // What `collect` copies from a target is capped too (collected-file-bytes).
        Command::Collect(args) => Some(&args.limits),
        Command::Rules(_) | Command::Explain(_) | Command::Limits(_) | Command::Generate(_) => None,
    }
}
