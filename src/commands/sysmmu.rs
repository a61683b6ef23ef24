//! `probescope sysmmu`: the Exynos SysMMU decoder's command line.
//!
//! `regs` decodes a register dump, `translate` walks IOVAs, `map` lists every mapping, `fault`
//! explains a fault from the registers or from the kernel's fault lines. This file only resolves
//! the arguments into typed [`Options`], opens the inputs, asks `crate::sysmmu::answers` for the
//! answer and hands it to the renderer the user picked.

use crate::cli::{
    SysmmuArgs, SysmmuCoalesce, SysmmuCommand, SysmmuConventions, SysmmuDecodeArgs, SysmmuFaultArgs,
    SysmmuFormat, SysmmuMapArgs, SysmmuMemoryArgs, SysmmuRegsArgs, SysmmuTranslateArgs,
};
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::sanitize::escape_control;
use crate::sysmmu::answers::{self, SysmmuAnswer};
use crate::sysmmu::inputs::{read_fault_log, read_registers, Inputs, Needs, Options};
use crate::sysmmu::render::{self, Format};
use crate::sysmmu::{Coalesce, Conventions, HwVersion, Iova, PhysAddr};
use std::io::Write;
use std::path::Path;

pub fn run(args: SysmmuArgs) -> Result<ExitStatus> {
    let (answer, format) = match args.command {
        SysmmuCommand::Regs(args) => regs(args)?,
        SysmmuCommand::Translate(args) => translate(args)?,
        SysmmuCommand::Map(args) => map(args)?,
        SysmmuCommand::Fault(args) => fault(args)?,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    render::write(&answer, format, &mut out)?;
    out.flush().map_err(|err| Error::io("standard output", err))?;
    Ok(ExitStatus::Clean)
}

fn regs(args: SysmmuRegsArgs) -> Result<(SysmmuAnswer, Format)> {
    let options = options(Some(&args.regs), None, &args.decode)?;
    let input = read_registers(&args.regs, &options)?;
    Ok((
        SysmmuAnswer::Regs(answers::regs(input)),
        format(args.decode.format),
    ))
}

fn translate(args: SysmmuTranslateArgs) -> Result<(SysmmuAnswer, Format)> {
    let iovas = args
        .iovas
        .iter()
        .map(|text| {
            Iova::parse(text).ok_or_else(|| {
                Error::Usage(format!(
                    "IOVA `{}`: expected a 32-bit hex address such as 0x20000000",
                    escape_control(text)
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let options = options(args.regs.as_deref(), Some(&args.memory), &args.decode)?;
    let inputs = Inputs::open(&options, Needs::PageTable, "translate")?;
    let answer = answers::translate(&inputs, &iovas)?;
    Ok((SysmmuAnswer::Translate(answer), format(args.decode.format)))
}

fn map(args: SysmmuMapArgs) -> Result<(SysmmuAnswer, Format)> {
    let options = options(args.regs.as_deref(), Some(&args.memory), &args.decode)?;
    let inputs = Inputs::open(&options, Needs::PageTable, "map")?;
    let policy = match args.coalesce {
        SysmmuCoalesce::Entries => Coalesce::Entries,
        SysmmuCoalesce::Size => Coalesce::SamePageSize,
        SysmmuCoalesce::Any => Coalesce::AnySize,
    };
    let answer = answers::map(&inputs, policy)?;
    Ok((SysmmuAnswer::Map(answer), format(args.decode.format)))
}

fn fault(args: SysmmuFaultArgs) -> Result<(SysmmuAnswer, Format)> {
    if args.regs.is_none() && args.log.is_none() {
        return Err(Error::Usage(
            "fault needs --regs FILE (INT_STATUS and fault registers) or --log FILE (kernel fault lines)"
                .into(),
        ));
    }
    let options = options(args.regs.as_deref(), Some(&args.memory), &args.decode)?;
    // From a log, the lines themselves may carry the page-table base and the entries.
    let needs = match args.log {
        Some(_) => Needs::Registers,
        None => Needs::PageTable,
    };
    let inputs = Inputs::open(&options, needs, "fault")?;
    let answer = match &args.log {
        Some(log) => {
            let faults = read_fault_log(log)?;
            SysmmuAnswer::FaultLog(answers::fault_from_log(log, &faults, &inputs))
        }
        None => SysmmuAnswer::Fault(answers::fault_from_registers(&inputs)?),
    };
    Ok((answer, format(args.decode.format)))
}

/// What the user typed, resolved into what the decoder uses.
fn options(
    regs: Option<&Path>,
    memory: Option<&SysmmuMemoryArgs>,
    decode: &SysmmuDecodeArgs,
) -> Result<Options> {
    Ok(Options {
        regs: regs.map(Path::to_path_buf),
        base: decode
            .base
            .as_deref()
            .map(|text| parse_address("--base", text))
            .transpose()?,
        hw_version: decode.hw_version.as_deref().map(parse_version).transpose()?,
        conventions: match decode.conventions {
            SysmmuConventions::Mainline => Conventions::Mainline,
            SysmmuConventions::Downstream => Conventions::Downstream,
        },
        memory: memory.map(|m| m.mem.clone()).unwrap_or_default(),
        live: memory.is_some_and(|m| m.live),
        pt_base: memory
            .and_then(|m| m.pt_base.as_deref())
            .map(|text| parse_address("--pt-base", text))
            .transpose()?,
    })
}

fn format(format: SysmmuFormat) -> Format {
    match format {
        SysmmuFormat::Table => Format::Text,
        SysmmuFormat::Json => Format::Json,
    }
}

fn parse_address(flag: &str, text: &str) -> Result<PhysAddr> {
    PhysAddr::parse(text).ok_or_else(|| {
        Error::Usage(format!(
            "{flag} {}: expected a hex physical address such as 0x13620000",
            escape_control(text)
        ))
    })
}

fn parse_version(text: &str) -> Result<HwVersion> {
    HwVersion::parse(text).ok_or_else(|| {
        Error::Usage(format!(
            "--hw-version {}: expected MAJOR.MINOR such as 5.0 or 7.4",
            escape_control(text)
        ))
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_sysmmu_arguments_are_a_valid_clap_definition() {
        crate::cli::Cli::command().debug_assert();
    }
}
