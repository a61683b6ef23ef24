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
    files.push((Path::new("man").join(format!("{name}.1")), out));
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        man_pages(sub, &format!("{name}-{}", sub.get_name()), files)?;
    }
    Ok(())
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
