//! `probescope check`: analyse one boot or many (in parallel), apply the project's
//! configuration and baseline, and report each boot and the run's exit code.
//!
//! Which inputs make a boot: every `--boot NAME=PATH,...` is one; several positional inputs
//! that are each a directory, a bundle or a kernel log are one boot each; otherwise all
//! positional inputs and the named input options (`--dmesg`, ..., a target to collect from,
//! SysMMU dumps) together are one boot (the live system when nothing is named). A boot made of one path is named by that path as given; that name is what
//! a baseline matches, so it is the same whether the boot runs alone or in a batch.

use crate::cli::{BootChoice, BootGroup, CheckArgs, CheckFormat, FailOn, InputArgs};
use crate::commands::{live, terminal, ExitStatus};
use crate::config;
use crate::error::{Error, Result};
use crate::ingest::discover::InputSpec;
use crate::pipeline::{path_name, run_boots, thread_pool, PlannedBoot, RunOptions};
use crate::report::baseline::Baseline;
use crate::report::diagnostic::TextStyle;
use crate::report::{self, summary, BootOutcome, BootStatus};
use crate::rules::{Finding, Severity};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::Write;

// The pipeline's entry points at their old paths, for users of the library.
pub use crate::pipeline::{analyse, analyse_inputs, analyse_inputs_with, analyse_with, is_boot_input};

/// Whether any finding reaches the failure threshold.
pub fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    threshold(fail_on).is_some_and(|threshold| findings.iter().any(|f| f.severity >= threshold))
}

/// The lowest severity that fails; `None` for `--fail-on never`.
pub fn threshold(fail_on: FailOn) -> Option<Severity> {
    match fail_on {
        FailOn::Info => Some(Severity::Info),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Error => Some(Severity::Error),
        FailOn::Never => None,
    }
}

/// One boot to analyse: where its inputs come from, and its name when the command line gives
/// it (a `--boot` name, or the one path the boot is made of); otherwise the name ingest gives it.
#[derive(Clone, Debug)]
pub struct BootPlan {
    pub name: Option<String>,
    pub source: BootSource,
}

/// Where a boot's inputs come from.
#[derive(Clone, Debug)]
pub enum BootSource {
    /// Files and directories (one positional input of a batch, or a `--boot` group).
    Paths(Box<InputSpec>),
    /// Everything the command line's input options name, read by [`live::gather_inputs`]: files and
    /// flags, a target to collect from, SysMMU dumps, or the live system when nothing is named.
    CommandLine(Box<InputArgs>),
}

impl PlannedBoot for BootPlan {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn paths(&self) -> &[std::path::PathBuf] {
        match &self.source {
            BootSource::Paths(spec) => &spec.paths,
            BootSource::CommandLine(args) => &args.inputs,
        }
    }

    fn fallback_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        // Positional inputs and logs name the boot; without them, the first other file named
        // by flag does (`--deferred x` reads x, not the live system).
        let (paths, others, target) = match &self.source {
            BootSource::Paths(spec) => (
                spec.paths.iter().chain(&spec.dmesg).collect::<Vec<_>>(),
                (spec.sysfs_root.iter().chain(&spec.devlink).chain(&spec.deferred))
                    .chain(spec.dtb.iter().chain(&spec.cmdline))
                    .chain(spec.modules.iter().chain(&spec.kconfig))
                    .next(),
                None,
            ),
            BootSource::CommandLine(args) => (
                args.inputs.iter().chain(&args.dmesg).collect(),
                (args.sysfs_root.iter().chain(&args.devlink).chain(&args.deferred))
                    .chain(args.dtb.iter().chain(&args.cmdline))
                    .chain(args.modules.iter().chain(&args.kconfig))
                    .chain(&args.sysmmu_regs)
                    .next(),
                args.target
                    .ssh
                    .clone()
                    .or_else(|| args.target.remote_root.clone()),
            ),
        };
        if let Some(target) = target {
            return target;
        }
        let names: Vec<String> = paths.iter().map(|p| path_name(p)).collect();
        match (names.is_empty(), others) {
            (false, _) => names.join(","),
            (true, Some(other)) => path_name(other),
            (true, None) => "the live system".to_string(),
        }
    }

    fn gather(&self) -> Result<crate::ingest::BootInputs> {
        match &self.source {
            BootSource::Paths(spec) => live::gather_spec(spec),
            BootSource::CommandLine(args) => live::gather_inputs(args),
        }
    }

    fn gather_deferring_log(
        &self,
    ) -> Result<(
        crate::ingest::BootInputs,
        Option<crate::ingest::discover::DeferredLog>,
    )> {
        match &self.source {
            BootSource::Paths(spec) => live::gather_spec_with(spec, true),
            BootSource::CommandLine(args) => live::gather_inputs_deferring_log(args),
        }
    }
}

/// The boots of a run, and a hint when several inputs were taken as one boot.
#[derive(Clone, Debug)]
pub struct Grouping {
    pub plans: Vec<BootPlan>,
    pub hint: Option<String>,
}

/// Groups the command line's inputs into boots (see the module documentation).
pub fn plan_boots(input: &InputArgs, groups: &[BootGroup]) -> Result<Grouping> {
    let named = live::named_spec(input);
    // Options that name more than files (a target, SysMMU dumps) belong to a single boot.
    let single_boot = live::has_named_inputs(&named) || live::has_single_boot_options(input);
    let positional = &input.inputs;
    let mut plans = Vec::new();
    let mut hint = None;
    if positional.len() >= 2 && !single_boot {
        // Recognition reads each input's head: done on the pool the caller installed.
        let whole: Vec<bool> = positional.par_iter().map(|p| is_boot_input(p)).collect();
        let not_whole = positional.iter().zip(&whole).find(|(_, whole)| !**whole);
        match not_whole {
            None => plans.extend(positional.iter().map(|path| BootPlan {
                name: Some(path_name(path)),
                source: BootSource::Paths(Box::new(InputSpec {
                    paths: vec![path.clone()],
                    ..InputSpec::default()
                })),
            })),
            Some((other, _)) if whole.contains(&true) => {
                hint = Some(format!(
                    "reading {} inputs as one boot because {} is not a kernel log, a directory or a \
                     bundle; use --boot NAME=PATH[,PATH...] to say which inputs belong together",
                    positional.len(),
                    path_name(other)
                ));
            }
            Some(_) => {}
        }
    }
    // The command line's own boot: what it names, or the live system when it names nothing
    // (and no --boot either).
    if plans.is_empty() && (!positional.is_empty() || single_boot || groups.is_empty()) {
        let name = match positional.as_slice() {
            [single] if !single_boot => Some(path_name(single)),
            _ => None,
        };
        plans.push(BootPlan {
            name,
            source: BootSource::CommandLine(Box::new(input.clone())),
        });
    }
    plans.extend(groups.iter().map(|group| BootPlan {
        name: Some(group.name.clone()),
        source: BootSource::Paths(Box::new(InputSpec {
            paths: group.paths.clone(),
            ..InputSpec::default()
        })),
    }));
    let mut seen = BTreeSet::new();
    for name in plans.iter().filter_map(|plan| plan.name.as_deref()) {
        if !seen.insert(name) {
            return Err(Error::Usage(format!(
                "two boots are named `{name}`: boot names must be unique (baselines match by name); \
                 give one of them another name with --boot NAME=PATH"
            )));
        }
    }
    Ok(Grouping { plans, hint })
}

fn write_stdout(stdout: &mut impl Write, text: &str) -> Result<()> {
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::io("<stdout>", e))
}

pub fn run(args: CheckArgs) -> Result<ExitStatus> {
    let working_dir = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let config = config::discover(args.config.as_deref(), &working_dir)?;
    let settings = config.map(|c| c.settings).unwrap_or_default();
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let pool = thread_pool(args.jobs.map(usize::from))?;
    let groups: Vec<BootGroup> = args
        .boots
        .iter()
        .filter_map(|choice| match choice {
            BootChoice::Group(group) => Some(group.clone()),
            BootChoice::Index(_) => None,
        })
        .collect();
    let pick = args.boots.iter().rev().find_map(|choice| match choice {
        BootChoice::Index(index) => Some(*index),
        BootChoice::Group(_) => None,
    });
    let grouping = pool.install(|| plan_boots(&args.input, &groups))?;
    if let Some(hint) = &grouping.hint {
        eprintln!("probescope: {hint}");
    }
    let options = RunOptions {
        settings: &settings,
        baseline: baseline.as_ref(),
        // Writing a baseline accepts every current finding.
        threshold: if args.write_baseline.is_some() {
            None
        } else {
            threshold(args.fail_on)
        },
        pick,
    };
    let colour = terminal::use_colour(args.color);
    let width = terminal::width(args.layout.width);
    let style = summary::Style {
        colour,
        width: u16::try_from(width).ok(),
    };
    let text_style = TextStyle {
        width,
        colour,
        verbose: args.layout.verbose,
    };

    let stdout = std::io::stdout().lock();
    let mut printer = Printer::new(args.format, stdout, text_style, style, &settings)?;
    // What the end needs of every boot, kept instead of the boots: their status, their count
    // and, to write a baseline, their findings' entries.
    let mut status = BootStatus::Clean;
    let mut boots = 0usize;
    let mut written = args.write_baseline.as_ref().map(|_| Baseline::default());
    run_boots(&pool, &grouping.plans, &options, |outcome| {
        if let Err(error) = &outcome.result {
            eprintln!("probescope: {}: {error}", outcome.name);
        }
        status = status.max(outcome.status());
        boots += 1;
        if let Some(written) = &mut written {
            written.record(&outcome.name, outcome.findings());
        }
        printer.boot(outcome)
    })?;
    printer.finish()?;

    if let (Some(path), Some(written)) = (&args.write_baseline, written) {
        if status == BootStatus::InputError {
            eprintln!(
                "probescope: baseline {} not written: an input was not usable, and its boot's entries would be lost",
                path.display()
            );
        } else {
            written.write(path)?;
            let entries: usize = written.boots().map(|(_, entries)| entries.len()).sum();
            eprintln!(
                "probescope: wrote baseline {} ({entries} findings of {boots} boots)",
                path.display(),
            );
        }
    }
    Ok(match status {
        BootStatus::Clean => ExitStatus::Clean,
        BootStatus::Findings => ExitStatus::Findings,
        BootStatus::Unchecked | BootStatus::InputError => ExitStatus::InputError,
    })
}

/// Prints the run in its format boot by boot, as each boot is analysed, keeping only what the
/// end of the output needs (see each format's state), never the boots' reports.
struct Printer<'a, W: Write> {
    format: Format<W>,
    text_style: TextStyle,
    style: summary::Style,
    settings: &'a crate::rules::settings::RuleSettings,
    /// Text and table print a single boot without its name: the first boot waits for a second
    /// (or the end of the run) to say whether there are several.
    first: Option<BootOutcome>,
    several: bool,
}

/// Each format's output and state between boots.
enum Format<W: Write> {
    Ndjson(W),
    /// The closing summary's counts and root causes.
    Text(W, report::diagnostic::Tally),
    /// The summary table's rows.
    Table(W, Vec<summary::SummaryRow>),
    /// The document written so far, through a buffer (a report of 100,000 findings never sits
    /// in memory as text, nor is written a line at a time).
    Json(report::json::CheckRunWriter<std::io::BufWriter<W>>),
    /// Each boot's suite: the document starts with the run's totals
    /// (see `report::junit::render_suites`), so it is written at the end.
    Junit(W, Vec<quick_junit::TestSuite>),
    Github(W),
}

impl<'a, W: Write> Printer<'a, W> {
    fn new(
        format: CheckFormat,
        out: W,
        text_style: TextStyle,
        style: summary::Style,
        settings: &'a crate::rules::settings::RuleSettings,
    ) -> Result<Self> {
        let format = match format {
            CheckFormat::Json => {
                let buffered = std::io::BufWriter::with_capacity(64 * 1024, out);
                Format::Json(report::json::CheckRunWriter::start(buffered, "<stdout>")?)
            }
            CheckFormat::Ndjson => Format::Ndjson(out),
            CheckFormat::Text => Format::Text(out, Default::default()),
            CheckFormat::Table => Format::Table(out, Vec::new()),
            CheckFormat::Junit => Format::Junit(out, Vec::new()),
            CheckFormat::Github => Format::Github(out),
        };
        Ok(Printer {
            format,
            text_style,
            style,
            settings,
            first: None,
            several: false,
        })
    }

    fn boot(&mut self, outcome: BootOutcome) -> Result<()> {
        let holds_first = matches!(self.format, Format::Text(..) | Format::Table(..));
        if holds_first && !self.several {
            match self.first.take() {
                None => {
                    self.first = Some(outcome);
                    return Ok(());
                }
                Some(first) => {
                    self.several = true;
                    self.print(&first)?;
                }
            }
        }
        self.print(&outcome)
    }

    fn print(&mut self, outcome: &BootOutcome) -> Result<()> {
        match &mut self.format {
            Format::Ndjson(out) => write_stdout(out, &report::ndjson::render_line(outcome)?),
            Format::Text(out, tally) => {
                tally.add(outcome);
                write_stdout(
                    out,
                    &report::diagnostic::boot_text(outcome, self.several, &self.text_style),
                )
            }
            Format::Table(out, rows) => {
                rows.push(summary::SummaryRow::of(outcome));
                let text = match self.several {
                    true => summary::boot_of_several(outcome, self.style),
                    false => summary::single_boot(outcome, self.style),
                };
                write_stdout(out, &text)
            }
            Format::Json(writer) => writer.boot(outcome),
            Format::Junit(_, suites) => {
                suites.push(report::junit::suite(outcome, self.settings));
                Ok(())
            }
            Format::Github(out) => write_stdout(out, &report::github::render(std::slice::from_ref(outcome))),
        }
    }

    fn finish(mut self) -> Result<()> {
        if let Some(first) = self.first.take() {
            self.print(&first)?;
        }
        match self.format {
            Format::Ndjson(_) | Format::Github(_) => Ok(()),
            Format::Text(mut out, tally) => write_stdout(&mut out, &tally.render(&self.text_style)),
            // A run of one boot is that boot's section alone.
            Format::Table(mut out, rows) => match rows.len() {
                1 => Ok(()),
                _ => write_stdout(&mut out, &summary::summary_of_rows(&rows, self.style)),
            },
            Format::Json(writer) => {
                let mut out = writer.finish()?;
                out.flush().map_err(|e| Error::io("<stdout>", e))
            }
            Format::Junit(mut out, suites) => write_stdout(&mut out, &report::junit::render_suites(suites)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn args(inputs: &[&Path]) -> InputArgs {
        InputArgs {
            inputs: inputs.iter().map(|p| p.to_path_buf()).collect(),
            ..InputArgs::default()
        }
    }

    /// The files of a boot made of paths, or of the command line's boot.
    fn paths(plan: &BootPlan) -> &[PathBuf] {
        plan.paths()
    }

    fn command_line(plan: &BootPlan) -> &InputArgs {
        match &plan.source {
            BootSource::CommandLine(args) => args,
            BootSource::Paths(spec) => panic!("a boot of paths: {spec:?}"),
        }
    }

    fn names(grouping: &Grouping) -> Vec<Option<String>> {
        grouping.plans.iter().map(|p| p.name.clone()).collect()
    }

    #[test]
    fn several_directories_are_several_boots_named_by_their_paths() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        let grouping = plan_boots(&args(&[&a, &b]), &[]).unwrap();
        assert_eq!(names(&grouping), [Some(path_name(&a)), Some(path_name(&b))]);
        assert_eq!(paths(&grouping.plans[1]), std::slice::from_ref(&b));
        assert!(matches!(grouping.plans[1].source, BootSource::Paths(_)));
        assert!(grouping.hint.is_none());
    }

    #[test]
    fn inputs_that_are_not_whole_boots_form_one_boot_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::create_dir(&a).unwrap();
        let dump = dir.path().join("devlink.txt");
        // A piece of a boot (a devlink dump); unrecognised text would be a boot of its own.
        std::fs::write(&dump, "/sys/class/devlink/platform:a--platform:b/status:active\n").unwrap();
        let grouping = plan_boots(&args(&[&a, &dump]), &[]).unwrap();
        assert_eq!(names(&grouping), [None]);
        assert_eq!(paths(&grouping.plans[0]), [a.clone(), dump.clone()]);
        assert!(grouping
            .hint
            .as_deref()
            .unwrap()
            .contains("devlink.txt is not a kernel log"));

        // Named flags also make one boot of everything.
        let mut with_flag = args(&[&a, &a.join("x")]);
        with_flag.dtb = Some(PathBuf::from("board.dtb"));
        let grouping = plan_boots(&with_flag, &[]).unwrap();
        assert_eq!(names(&grouping), [None]);
        assert_eq!(
            command_line(&grouping.plans[0]).dtb,
            Some(PathBuf::from("board.dtb"))
        );
    }

    #[test]
    fn one_path_is_one_boot_named_by_it_and_nothing_is_the_live_system() {
        let grouping = plan_boots(&args(&[Path::new("./logs/run1/")]), &[]).unwrap();
        assert_eq!(names(&grouping), [Some("logs/run1".to_string())]);
        let grouping = plan_boots(&InputArgs::default(), &[]).unwrap();
        assert_eq!(names(&grouping), [None]);
        assert_eq!(grouping.plans[0].fallback_name(), "the live system");
    }

    #[test]
    fn a_target_or_sysmmu_dumps_make_one_boot_of_everything() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        let mut with_dumps = args(&[&a, &b]);
        with_dumps.sysmmu_regs = vec![PathBuf::from("regs.txt")];
        let grouping = plan_boots(&with_dumps, &[]).unwrap();
        assert_eq!(names(&grouping), [None]);
        assert_eq!(
            command_line(&grouping.plans[0]).sysmmu_regs,
            [PathBuf::from("regs.txt")]
        );

        let mut remote = InputArgs::default();
        remote.target.ssh = Some("root@board".into());
        let grouping = plan_boots(&remote, &[]).unwrap();
        assert_eq!(grouping.plans[0].fallback_name(), "root@board");
    }

    #[test]
    fn boot_flags_group_explicitly_and_names_must_be_unique() {
        let group = |name: &str, paths: &[&str]| BootGroup {
            name: name.into(),
            paths: paths.iter().map(PathBuf::from).collect(),
        };
        let grouping = plan_boots(
            &InputArgs::default(),
            &[
                group("board-a", &["a/dmesg.txt", "a/devlink.txt"]),
                group("board-b", &["b"]),
            ],
        )
        .unwrap();
        assert_eq!(names(&grouping), [Some("board-a".into()), Some("board-b".into())]);
        assert_eq!(paths(&grouping.plans[0]).len(), 2);
        let err = plan_boots(&InputArgs::default(), &[group("x", &["a"]), group("x", &["b"])]).unwrap_err();
        assert!(err.to_string().contains("two boots are named `x`"), "{err}");
    }

    #[test]
    fn thresholds_follow_fail_on() {
        assert_eq!(threshold(FailOn::Warning), Some(Severity::Warning));
        assert_eq!(threshold(FailOn::Never), None);
    }
}
