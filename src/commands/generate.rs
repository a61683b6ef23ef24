//! `probescope generate`: shell completions and man pages from the clap definition, and the JSON
//! Schema of every JSON document from the report types. Their output is committed under
//! `completions/`, `man/` and `schema/`; `--check` reports stale files (a test runs it).

use crate::cli::{Cli, GenerateArgs};
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::{Path, PathBuf};

/// Every generated file: relative path and content.
pub fn generated_files() -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    let mut command = Cli::command();
    command.build();
    for (shell, file) in [
        (Shell::Bash, "probescope.bash"),
        (Shell::Zsh, "_probescope"),
        (Shell::Fish, "probescope.fish"),
        (Shell::Elvish, "probescope.elv"),
        (Shell::PowerShell, "_probescope.ps1"),
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut command.clone(), "probescope", &mut out);
        files.push((Path::new("completions").join(file), out));
    }
    man_pages(&command, "probescope", &mut files)?;
    for document in crate::report::schema::documents() {
        let text = crate::report::schema::to_text(&document.schema)?;
        files.push((
            Path::new("schema").join(format!("{}.json", document.name)),
            text.into_bytes(),
        ));
    }
    Ok(files)
}

fn man_pages(command: &clap::Command, name: &str, files: &mut Vec<(PathBuf, Vec<u8>)>) -> Result<()> {
    let page = command
        .clone()
        .name(name.to_string())
        .bin_name(name.replace('-', " "));
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| Error::Other(format!("rendering the man page of {name}: {e}")))?;
    out.extend_from_slice(man_sections(name).as_bytes());
    files.push((Path::new("man").join(format!("{name}.1")), out));
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        man_pages(sub, &format!("{name}-{}", sub.get_name()), files)?;
    }
    Ok(())
}

/// Commands that show a page's subcommand at work, from the README's walk-throughs.
fn examples(name: &str) -> &'static [(&'static str, &'static str)] {
    match name {
        "probescope" | "probescope-check" => &[
            (
                "probescope check",
                "Analyse the running system (what it can read; run as root for debugfs).",
            ),
            ("probescope check dmesg.txt", "Analyse one kernel log."),
            (
                "probescope check capture/ --format json",
                "A capture folder, as a JSON report.",
            ),
            (
                "probescope check --format ndjson lab/*/dmesg.txt",
                "Many boots, one JSON line each.",
            ),
            (
                "probescope check --baseline ci/baseline.json boot-logs/*.log",
                "Fail only on new findings.",
            ),
        ],
        "probescope-why" => &[(
            "probescope why 0000:00:03.0 capture/",
            "Why that device is waiting, step by step, with the evidence.",
        )],
        "probescope-graph" => &[(
            "probescope graph capture/ --format dot | dot -Tsvg > graph.svg",
            "The supplier graph as a picture.",
        )],
        "probescope-explain" => &[(
            "probescope explain PS201",
            "What rule PS201 detects and how to fix it.",
        )],
        "probescope-rules" => &[("probescope rules", "Every rule with its code, name and severity.")],
        "probescope-collect" => &[(
            "probescope collect --ssh board -o board.tar.gz",
            "Keep one boot's evidence from a board as a bundle; `probescope check board.tar.gz` reads it.",
        )],
        _ if name.starts_with("probescope-sysmmu") => &[(
            "probescope sysmmu regs --regs regs.txt",
            "Decode a SysMMU register dump.",
        )],
        _ => &[],
    }
}

/// The sections clap does not know: EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES (roff).
fn man_sections(name: &str) -> String {
    let mut roff = String::from(
        ".SH \"EXIT STATUS\"\n\
         .TP\n0\nNo finding at or above \\fB--fail-on\\fR (default error); with \\fB--baseline\\fR, no new one.\n\
         .TP\n1\nAt least one (new) finding at or above \\fB--fail-on\\fR.\n\
         .TP\n2\nA usage error, an input that could not be used (the message names the file and line), or a boot read with no record of probing: no kernel log, devices_deferred, device links or sysfs listings (status \\fBunchecked\\fR: probe order unknown, e.g. the live system as a normal user, as /dev/kmsg needs CAP_SYSLOG or kernel.dmesg_restrict=0).\n\
         .SH ENVIRONMENT\n\
         .TP\nNO_COLOR\nWhen set and not empty, no colour (unless \\fB--color always\\fR).\n\
         .TP\nTERM\nWhen \\fBdumb\\fR, no colour (unless \\fB--color always\\fR).\n\
         .TP\nCOLUMNS\nThe width of the text output when standard output is not a terminal and \\fB--width\\fR is not given (else 80).\n\
         .SH FILES\n\
         .TP\n\\&./probescope.toml\nRule settings, ignores and board expectations, read when present (\\fB--config\\fR names another).\n\
         .TP\n/sys/kernel/debug/devices_deferred\nThe devices still deferred; read on the live system when debugfs is mounted and readable (root).\n\
         .TP\n/sys/class/devlink, /sys/bus/*/devices\nDevice links and devices, read on the live system.\n",
    );
    let examples = examples(name);
    if !examples.is_empty() {
        roff.push_str(".SH EXAMPLES\n");
        for (command, what) in examples {
            roff.push_str(&format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                roff_escape(command),
                roff_escape(what)
            ));
        }
    }
    roff
}

/// Escapes what roff would read as requests or escapes.
fn roff_escape(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

pub fn run(args: GenerateArgs) -> Result<ExitStatus> {
    let files = generated_files()?;
    if args.check {
        let stale: Vec<String> = files
            .iter()
            .filter(|(path, content)| {
                std::fs::read(args.out.join(path)).ok().as_deref() != Some(&content[..])
            })
            .map(|(path, _)| path.display().to_string())
            .collect();
        if stale.is_empty() {
            return Ok(ExitStatus::Clean);
        }
        eprintln!(
            "stale generated files (run `cargo run -- generate`): {}",
            stale.join(", ")
        );
        return Ok(ExitStatus::Findings);
    }
    for (path, content) in files {
        let path = args.out.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::write(&path, content).map_err(|e| Error::io(&path, e))?;
    }
    Ok(ExitStatus::Clean)
}
