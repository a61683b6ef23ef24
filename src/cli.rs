//! The command line as the user types it (clap derive types only). `commands/` turns these into
//! typed options and runs them.
//!
//! Long because: every command's arguments with their help text, which is what `--help`, the
//! completions and the man pages are generated from; one file keeps the options' wording alike.

use crate::collect::RegisterRange;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "probescope",
    version,
    about = "Explain device probe order, deferrals and IOMMU races from the kernel's own evidence",
    long_about = "probescope reads what the kernel left behind (kernel logs in every form, \
/sys/class/devlink, devices_deferred, the flattened device tree, /proc/cmdline, /proc/modules, \
the kernel config) and explains why devices probed in the order they did, what is still waiting \
for what, and whether a device behind an IOMMU started working before its IOMMU did."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse one or many boots' evidence and report findings (exit 1 when any reaches --fail-on)
    Check(CheckArgs),
    /// Explain why a device is deferred, unbound or late: the chain to what really blocks it
    Why(WhyArgs),
    /// List every rule: code, name, default severity, summary
    Rules(RulesArgs),
    /// Print a rule's explanation: what it detects, why it matters, how to fix it
    Explain(ExplainArgs),
    /// Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)
    Graph(GraphArgs),
    /// Decode Exynos SysMMU register and memory dumps
    Sysmmu(SysmmuArgs),
    /// Capture one boot's evidence (locally or over SSH) into a bundle
    Collect(CollectArgs),
    /// Plan what prevents each IOMMU race: the modules to load first, in order, and boot settings
    Plan(PlanArgs),
    /// Compare a good and a bad boot: lost binds, new deferrals and findings, order and timing
    Diff(DiffArgs),
    /// Follow a booting kernel's log (/dev/kmsg, locally or over SSH, or a stream) and report
    /// each finding the moment it is certain
    Watch(WatchArgs),
    /// Draw the boot on its time line: a self-contained HTML page (zoom, filter) or an SVG
    Timeline(TimelineArgs),
    /// Where probing time went: slowest probes and initcalls, deferral waits, late binds
    Blame(BlameArgs),
    /// List the caps every input is read under: default, the flag that raises it, what happens at it
    Limits(LimitsArgs),
    /// Write shell completions and man pages (for packaging; output is committed)
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Where the evidence comes from. Positional inputs are recognised by content; the flags name
/// an input's kind when recognition is not wanted.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Files or directories (capture folders, sysfs copies, bundles); `-` reads standard input.
    /// With none, the live system is examined.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)
    #[arg(long, value_name = "FILE")]
    pub dmesg: Vec<PathBuf>,
    /// A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)
    #[arg(long, value_name = "FILE")]
    pub devlink: Vec<PathBuf>,
    /// A copy of /sys/kernel/debug/devices_deferred
    #[arg(long, value_name = "FILE")]
    pub deferred: Vec<PathBuf>,
    /// The flattened device tree (/sys/firmware/fdt or a .dtb)
    #[arg(long, value_name = "FILE")]
    pub dtb: Option<PathBuf>,
    /// A copy of /proc/cmdline
    #[arg(long, value_name = "FILE")]
    pub cmdline: Option<PathBuf>,
    /// A copy of /proc/modules
    #[arg(long, value_name = "FILE")]
    pub modules: Option<PathBuf>,
    /// The kernel config (.config or /proc/config.gz)
    #[arg(long, value_name = "FILE")]
    pub kconfig: Option<PathBuf>,
    /// A sysfs root: the live /sys or a copied tree
    #[arg(long, value_name = "DIR")]
    pub sysfs_root: Option<PathBuf>,
    /// A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then
    /// walked through the page tables of --mem
    #[arg(long, value_name = "FILE")]
    pub sysmmu_regs: Vec<PathBuf>,
    /// Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a
    /// memory.json (repeatable)
    #[arg(long, value_name = "FILE@0xBASE")]
    pub mem: Vec<String>,
    /// SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no
    /// MMU_VERSION, or to override it (as `sysmmu --hw-version`)
    #[arg(long, value_name = "X.Y")]
    pub hw_version: Option<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Collect the evidence from a target first (over SSH with --ssh), then analyse it
    #[command(flatten)]
    pub target: TargetArgs,
}

/// The caps every input is read under (`probescope limits`): flattened into every command that
/// reads an input, so `--limit` and `--max-input-bytes` mean the same everywhere.
#[derive(Debug, Args, Clone, Default)]
pub struct LimitArgs {
    /// Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an
    /// input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE
    #[arg(long, value_name = "SIZE", value_parser = crate::limits::parse_size)]
    pub max_input_bytes: Option<u64>,
    /// Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help`
    /// lists every cap with its default (as `probescope limits` does)
    #[arg(long = "limit", value_name = "NAME=VALUE", value_parser = crate::limits::parse_setting)]
    pub settings: Vec<crate::limits::LimitSetting>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Error,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Each finding as a diagnostic (`error[PS101]: …`, where, the evidence, help), sized to
    /// the terminal, closed by a summary line
    Text,
    /// A compact findings table per boot, and a summary table for several boots
    Table,
    /// The JSON report: `{"schema", "tool", "command", "boots": [...], "status", "exit_code"}`,
    /// one input or many (JSON Schema: `schema/check.json` in the source)
    Json,
    /// One boot per line, each with the same header, written as each boot is done
    /// (`schema/check-ndjson.json`)
    Ndjson,
    /// JUnit XML: a test suite per boot, a test case per rule
    Junit,
    /// GitHub Actions workflow-command annotations
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal, NO_COLOR is not set and TERM is not `dumb`
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct LimitsArgs {
    /// Print the README's Markdown table instead of the terminal listing
    #[arg(long)]
    pub markdown: bool,
}

/// A boot named on the command line: `NAME=PATH[,PATH...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootGroup {
    pub name: String,
    pub paths: Vec<PathBuf>,
}

/// Parses `NAME=PATH[,PATH...]` (for `--boot`).
pub fn parse_boot_group(text: &str) -> Result<BootGroup, String> {
    let (name, paths) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: expected NAME=PATH[,PATH...]"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("`{text}`: the boot's NAME before `=` is empty"));
    }
    let paths: Vec<PathBuf> = paths
        .split(',')
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect();
    if paths.is_empty() {
        return Err(format!("`{text}`: no PATH after `=`"));
    }
    Ok(BootGroup {
        name: name.to_string(),
        paths,
    })
}

/// What one `--boot` names: a boot made of some inputs, or which boot of a log that holds
/// several to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootChoice {
    Group(BootGroup),
    /// As journalctl counts: 1 the first boot of each log, 2 the second, ...; 0 the last,
    /// -1 the one before it, ...
    Index(i64),
}

/// Parses `--boot`: a number picks a boot, `NAME=PATH[,PATH...]` names one.
pub fn parse_boot_choice(text: &str) -> Result<BootChoice, String> {
    if let Ok(index) = text.trim().parse::<i64>() {
        return Ok(BootChoice::Index(index));
    }
    parse_boot_group(text).map(BootChoice::Group)
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Analyse these inputs as one boot named NAME (repeatable; reported after the boots of the
    /// positional inputs). Several positional inputs that are each a directory, a bundle or a
    /// kernel log are each their own boot already; anything else given positionally or by flag
    /// forms one boot. A log that holds several boots gives one boot each (named INPUT#K); a
    /// number N picks one of them, as journalctl counts: 1 the first, 0 the last, -1 the one
    /// before the last.
    #[arg(long = "boot", value_name = "NAME=PATH[,PATH...] | N", value_parser = parse_boot_choice, allow_negative_numbers = true)]
    pub boots: Vec<BootChoice>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Boots analysed at once [default: all cores]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Fail only on findings not in this baseline; list its entries that no longer occur
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings as the accepted baseline (the run then exits 0 unless an
    /// input was unusable)
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Rule settings, ignores and board expectations [default: ./probescope.toml when present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Colour the text and table output (`auto`: on a terminal, unless NO_COLOR is set or
    /// TERM=dumb)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub layout: LayoutArgs,
}

/// How much text output shows and how wide it is.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct LayoutArgs {
    /// Lay text out for N columns [default: the terminal's width, then COLUMNS, then 80]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
    pub width: Option<u16>,
    /// Show every evidence line and every device a root cause blocks (the text output shows
    /// the first few)
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WhyFormat {
    /// The state, each root cause step by step, and the evidence
    Text,
    /// The same as a JSON document with the report header (`schema/why.json`)
    Json,
}

#[derive(Debug, Args)]
pub struct WhyArgs {
    /// The device, by any of its names: kernel name, `bus:name`, DT path, sysfs path
    #[arg(value_name = "DEVICE")]
    pub device: String,
    #[command(flatten)]
    pub input: InputArgs,
    /// Analyse the state at this snapshot (e.g. `before-timeout`) or instant (`12.5s`: the log
    /// up to it, no later snapshot) instead of the end
    #[arg(long, value_name = "MOMENT")]
    pub at: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = WhyFormat::Text)]
    pub format: WhyFormat,
    /// The chain of suppliers that gated the device's bind, each with the instant it became
    /// ready (as `systemd-analyze critical-chain`); for a device that never bound, the chain
    /// of waits to what blocks it
    #[arg(long, conflicts_with = "at")]
    pub chain: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    /// One self-contained HTML page (inline SVG, CSS and script; nothing fetched): zoom and
    /// pan on the time axis, filter by name or subsystem, a boot selector
    Html,
    /// A static SVG picture (every boot, stacked)
    Svg,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Which boots: `NAME=PATH[,PATH...]` analyses these inputs as one boot named NAME
    /// (repeatable, as for `check`); a number N picks one boot of each log that holds several,
    /// as journalctl counts: 1 the first, 0 the last, -1 the one before the last
    #[arg(long = "boot", value_name = "NAME=PATH[,PATH...] | N", value_parser = parse_boot_choice, allow_negative_numbers = true)]
    pub boots: Vec<BootChoice>,
    /// Write the page or picture to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = TimelineFormat::Html)]
    pub format: TimelineFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BlameFormat {
    /// Tables for people
    Table,
    /// A JSON document with the report header (`schema/blame.json`)
    Json,
}

#[derive(Debug, Args)]
pub struct BlameArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Which boots: `NAME=PATH[,PATH...]` analyses these inputs as one boot named NAME
    /// (repeatable, as for `check`); a number N picks one boot of each log that holds several,
    /// as journalctl counts: 1 the first, 0 the last, -1 the one before the last
    #[arg(long = "boot", value_name = "NAME=PATH[,PATH...] | N", value_parser = parse_boot_choice, allow_negative_numbers = true)]
    pub boots: Vec<BootChoice>,
    /// How many of the slowest probes and initcalls to list
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Output format
    #[arg(long, value_enum, default_value_t = BlameFormat::Table)]
    pub format: BlameFormat,
    /// Lay tables out for N columns (default: the terminal's width, else COLUMNS, else 80)
    #[arg(long, value_name = "N")]
    pub width: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One row per rule
    Table,
    /// A JSON document with the report header (`schema/rules.json`)
    Json,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule's code (`PS101`) or name (`iommu-consumer-probed-before-iommu`)
    pub rule: String,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory that receives `completions/`, `man/` and `schema/`
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Only compare with what is there; exit 1 when anything is stale
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Indented text: each device with its state, each edge with its kind and status
    Tree,
    /// A Graphviz digraph (`dot -Tsvg`)
    Dot,
    /// A Mermaid `graph LR`
    Mermaid,
    /// Nodes and edges as a JSON document with the report header (`schema/graph.json`)
    Json,
    /// `"SUPPLIER" "CONSUMER"` pairs, as `dev-needs.sh -t` prints them (feed to `tsort`)
    Tsort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphDirection {
    /// What the devices wait for
    Suppliers,
    /// What waits for the devices
    Consumers,
    /// Both
    Both,
}

/// How devices are named in the output (dev-needs.sh's views); the kernel name when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphLabel {
    /// Kernel device name
    Name,
    /// /sys/devices path
    Paths,
    /// The DT node's compatible strings
    Compatible,
    /// The bound driver
    Driver,
    /// The bound driver's module
    Module,
    /// The firmware node (/sys/firmware/devicetree/base/...)
    Fwnode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphEdgeKind {
    /// Managed device links (they block probing)
    Managed,
    /// Stateless device links
    Stateless,
    /// Sync-state-only device links
    SyncStateOnly,
    /// IOMMU edges known only from the device tree or /sys/class/iommu
    DtIommu,
    /// Other device-tree dependencies with no device link
    DtSupplier,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Show the graph around this device (kernel name, bus:name, DT path or sysfs path);
    /// repeat for several. Without it, the whole graph
    #[arg(long, value_name = "DEVICE")]
    pub device: Vec<String>,
    /// Which way from the devices [default: suppliers; the whole graph as a tree goes from
    /// the roots to their consumers]
    #[arg(long, value_enum)]
    pub direction: Option<GraphDirection>,
    /// How many hops from the devices (default: no limit)
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Tree)]
    pub format: GraphFormat,
    /// How to name devices (dev-needs.sh's -c, -d, -m, -f views; paths is its default)
    #[arg(long, value_enum, default_value_t = GraphLabel::Name)]
    pub show: GraphLabel,
    /// Follow only these kinds of edges (comma-separated or repeated; default: all)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KIND")]
    pub kinds: Vec<GraphEdgeKind>,
    /// Follow parent devices too: the nearest ancestor in /sys/devices with a driver bound, as
    /// dev-needs.sh does
    #[arg(long)]
    pub parents: bool,
    /// Show the state at this snapshot (e.g. `before-timeout`) or instant (`12.5s`: the log up
    /// to it, no later snapshot) instead of the end
    #[arg(long, value_name = "MOMENT")]
    pub at: Option<String>,
}

// ------------------------------------------------------------------------------------ sysmmu

#[derive(Debug, Args)]
pub struct SysmmuArgs {
    #[command(subcommand)]
    pub command: SysmmuCommand,
}

#[derive(Debug, Subcommand)]
pub enum SysmmuCommand {
    /// Decode a register dump: version, layout, control bits, page-table base, faults
    Regs(SysmmuRegsArgs),
    /// Walk IOVAs through the page table step by step, to a physical address or a fault
    Translate(SysmmuTranslateArgs),
    /// List every mapping of the page table, with unreadable ranges and anomalies
    Map(SysmmuMapArgs),
    /// Explain a fault (from the registers, or from the kernel's fault lines with --log)
    Fault(SysmmuFaultArgs),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SysmmuConventions {
    /// Current mainline drivers/iommu/exynos-iommu.c
    #[default]
    Mainline,
    /// Samsung vendor kernels (exynos-iommu.c of 9820/9611/850, samsung-iommu.c)
    Downstream,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SysmmuFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SysmmuCoalesce {
    /// One row per page-table leaf
    Entries,
    /// Runs of contiguous leaves of one page size
    #[default]
    Size,
    /// Runs of contiguous leaves of any size
    Any,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct SysmmuDecodeArgs {
    /// Physical address of the register window (when the dump does not show it)
    #[arg(long, value_name = "ADDR")]
    pub base: Option<String>,
    /// Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it
    #[arg(long, value_name = "X.Y")]
    pub hw_version: Option<String>,
    /// Whose reading to apply where mainline and Samsung's drivers differ
    #[arg(long, value_enum, default_value_t)]
    pub conventions: SysmmuConventions,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: SysmmuFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Where the page tables are.
#[derive(Debug, Args)]
pub struct SysmmuMemoryArgs {
    /// Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable
    #[arg(long, value_name = "SOURCE")]
    pub mem: Vec<String>,
    /// Also read the live /dev/mem (bounded to 8 MiB of reads)
    #[arg(long)]
    pub live: bool,
    /// The lv1 table's physical address, instead of (or overriding) the PT base register
    #[arg(long, value_name = "PA")]
    pub pt_base: Option<String>,
}

#[derive(Debug, Args)]
pub struct SysmmuRegsArgs {
    /// Register dump: U-Boot md, devmem pairs, ADDR VALUE or NAME = VALUE lines, hexdump -C/xxd,
    /// the raw window, or a regs.json
    #[arg(long, value_name = "FILE")]
    pub regs: PathBuf,
    #[command(flatten)]
    pub decode: SysmmuDecodeArgs,
}

#[derive(Debug, Args)]
pub struct SysmmuTranslateArgs {
    /// Register dump (gives version and PT base)
    #[arg(long, value_name = "FILE")]
    pub regs: Option<PathBuf>,
    #[command(flatten)]
    pub memory: SysmmuMemoryArgs,
    #[command(flatten)]
    pub decode: SysmmuDecodeArgs,
    /// IOVAs to walk (hex, e.g. 0x20000000)
    #[arg(value_name = "IOVA", required = true)]
    pub iovas: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SysmmuMapArgs {
    /// Register dump (gives version and PT base)
    #[arg(long, value_name = "FILE")]
    pub regs: Option<PathBuf>,
    #[command(flatten)]
    pub memory: SysmmuMemoryArgs,
    #[command(flatten)]
    pub decode: SysmmuDecodeArgs,
    /// One row per leaf, or runs of one page size, or runs of any size
    #[arg(long, value_enum, default_value_t)]
    pub coalesce: SysmmuCoalesce,
}

#[derive(Debug, Args)]
pub struct SysmmuFaultArgs {
    /// Register dump (INT_STATUS and the fault address registers)
    #[arg(long, value_name = "FILE")]
    pub regs: Option<PathBuf>,
    /// A kernel log with SysMMU fault lines, instead of (or besides) the registers
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    #[command(flatten)]
    pub memory: SysmmuMemoryArgs,
    #[command(flatten)]
    pub decode: SysmmuDecodeArgs,
}

/// Which target to read and how: shared by `collect` and (flattened) by the commands that
/// analyse a target directly (`check --ssh`).
#[derive(Clone, Debug, Default, Args)]
pub struct TargetArgs {
    /// Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system
    /// `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this
    /// machine is read.
    #[arg(long, value_name = "HOST")]
    pub ssh: Option<String>,
    /// An ssh configuration file (passed to ssh as `-F FILE`)
    #[arg(long, value_name = "FILE", requires = "ssh")]
    pub ssh_config: Option<PathBuf>,
    /// An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope's own
    /// (BatchMode=yes, ConnectTimeout=10)
    #[arg(long, value_name = "KEY=VALUE", requires = "ssh")]
    pub ssh_option: Vec<String>,
    /// Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg,
    /// DIR/proc/cmdline): for testing, and for a chroot or a board's root filesystem mounted
    /// elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel.
    #[arg(long, value_name = "DIR")]
    pub remote_root: Option<String>,
    /// Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred;
    /// needs root on the target. Otherwise nothing is ever written or mounted there.
    #[arg(long)]
    pub mount_debugfs: bool,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Where to write the bundle: a `.tar.gz`, or a new directory when the name ends with `/`
    /// or with --dir [default: probescope-HOST-TIME.tar.gz]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the bundle as a plain directory instead of a .tar.gz
    #[arg(long)]
    pub dir: bool,
    /// Also read an Exynos SysMMU register window through /dev/mem with `devmem`, as
    /// NAME@BASE:SIZE (e.g. `g2d@0x10A60000:0x1000`); repeatable. Needs root on the target.
    /// Read only registers of a SysMMU whose power domain is on: an access to a powered-down
    /// block can hang the bus.
    #[arg(long, value_name = "NAME@BASE:SIZE", value_parser = parse_window)]
    pub sysmmu_regs: Vec<RegisterRange>,
    /// Show no progress (it shows only on a terminal anyway)
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

// Watch reads only the kernel log: --mount-debugfs (for devices_deferred) has no use there.
#[derive(Debug, Args)]
#[command(mut_arg("mount_debugfs", |arg| arg.hide(true)))]
pub struct WatchArgs {
    /// Follow this stream instead of /dev/kmsg: a FIFO, a serial console or pty, standard input
    /// (`-`), or a file (read to its end); a kernel log in any form `check` reads
    #[arg(long, value_name = "FILE", conflicts_with_all = ["ssh", "remote_root"])]
    pub input: Option<PathBuf>,
    /// Follow /dev/kmsg on a target over SSH (--ssh HOST, `host`, `user@host` or an ssh_config
    /// alias), reconnecting when the connection drops and continuing after the last record; with
    /// --remote-root DIR, follow DIR/dev/kmsg (on the target, or here without --ssh)
    #[command(flatten)]
    pub target: TargetArgs,
    /// End once the boot has settled: the deferred-probe timeout (from the command line, else
    /// the kernel's default) has passed since the last probe activity, or its work was seen,
    /// and no probe activity or module load came for --quiet seconds, plus --margin; then print
    /// the final report and exit with check's exit code
    #[arg(long)]
    pub until_settled: bool,
    /// Seconds to wait past the settle point before ending
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub margin: f64,
    /// With --until-settled: seconds without probe activity or module load that mean nothing
    /// more comes (default: the kernel's default deferred-probe timeout, the time it gives user
    /// space to load supplier modules; an IOMMU module loaded after the timeout is waited for)
    #[arg(long, value_name = "SECONDS", default_value_t = crate::pipeline::watch::DEFAULT_QUIET_SECONDS)]
    pub quiet: f64,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Rule settings, ignores and board expectations [default: ./probescope.toml when present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Colour the text output (`auto`: on a terminal, unless NO_COLOR is set or TERM=dumb)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = WatchFormat::Text)]
    pub format: WatchFormat,
    #[command(flatten)]
    pub layout: LayoutArgs,
}

/// What `watch` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// Each certain finding as a diagnostic when it becomes certain, then check's text report
    Text,
    /// Nothing while watching; at the end check's JSON document of the whole stream
    /// (`schema/check.json`)
    Json,
    /// One line per finding when it becomes certain (`schema/watch-ndjson.json`), then check's
    /// JSON document of the whole stream as the last line
    Ndjson,
}

/// `NAME@BASE:SIZE`, numbers in hex (`0x`) or decimal.
fn parse_window(text: &str) -> std::result::Result<RegisterRange, String> {
    let (name, place) = text
        .split_once('@')
        .ok_or_else(|| format!("`{text}`: expected NAME@BASE:SIZE, e.g. g2d@0x10A60000:0x1000"))?;
    let (base, size) = place
        .split_once(':')
        .ok_or_else(|| format!("`{text}`: expected NAME@BASE:SIZE, e.g. g2d@0x10A60000:0x1000"))?;
    let name_ok = !name.is_empty()
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !name_ok {
        return Err(format!(
            "`{name}`: a window name is letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
        ));
    }
    let base =
        parse_number(base).ok_or_else(|| format!("`{base}`: expected an address (0x... or decimal)"))?;
    let size = parse_number(size).ok_or_else(|| format!("`{size}`: expected a size (0x... or decimal)"))?;
    if base % 4 != 0 || size == 0 || size % 4 != 0 {
        return Err(format!(
            "`{text}`: registers are read 32 bits at a time, so BASE and SIZE must be multiples of 4 (SIZE not 0)"
        ));
    }
    if size > 1 << 20 || base.checked_add(size).is_none() {
        return Err(format!("`{text}`: a register window is at most 1 MiB"));
    }
    Ok(RegisterRange {
        name: name.to_string(),
        base,
        size,
    })
}

fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_windows_parse_and_refuse_misalignment() {
        assert_eq!(
            parse_window("g2d@0x10A60000:0x1000"),
            Ok(RegisterRange {
                name: "g2d".into(),
                base: 0x10A6_0000,
                size: 0x1000
            })
        );
        assert!(parse_window("g2d@0x10A60002:0x1000").is_err());
        assert!(parse_window("g2d@0x10A60000:0").is_err());
        assert!(parse_window("../x@0x0:4").is_err());
        assert!(parse_window("x@0x0").is_err());
        assert!(parse_window("$(id)@0:4").is_err());
    }
}

// ------------------------------------------------------------------------------ plan, diff

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Each IOMMU with the modules to load before its consumers, why, and the settings
    Text,
    /// Lines for /etc/initramfs-tools/modules, in load order
    InitramfsTools,
    /// A dracut conf: force_drivers+=" ... "
    Dracut,
    /// modprobe.d softdep lines: each consumer's module after the IOMMU's
    Modprobe,
    /// A kernel command-line fragment: the settings that would have prevented the races
    Cmdline,
    /// The plan as a JSON document with the report header (`schema/plan.json`)
    Json,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Of a log that holds several boots, plan for boot N, as journalctl counts: 1 the first,
    /// 0 the last (the default), -1 the one before the last
    #[arg(long = "boot", value_name = "N", allow_negative_numbers = true)]
    pub boot: Option<i64>,
    /// Plan only for these consumers (kernel name, bus:name, DT path or sysfs path; repeatable)
    #[arg(long = "for", value_name = "DEVICE")]
    pub for_devices: Vec<String>,
    /// A directory with the kernel's modules.dep, modules.alias and modules.builtin
    /// (/lib/modules/RELEASE, or a root with lib/modules/RELEASE below it)
    #[arg(long, value_name = "DIR")]
    pub modules_dir: Option<PathBuf>,
    /// Analyse the same capture again with the plan applied (each planned IOMMU registered
    /// before its first consumer) and report which findings it clears (exit 1 when a race
    /// finding remains)
    #[arg(long)]
    pub check: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// What changed, for people
    Text,
    /// A JSON document with the report header (`schema/diff.json`)
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// GOOD and BAD: two boots (a capture folder, bundle or kernel log each), or one log that
    /// holds several boots with --boot N --boot M
    #[arg(value_name = "INPUT", required = true, num_args = 1..=2)]
    pub inputs: Vec<PathBuf>,
    /// Which boot of a log that holds several (twice with one input: good, then bad), as
    /// journalctl counts: 1 the first, 0 the last, -1 the one before the last
    #[arg(long = "boot", value_name = "N", allow_negative_numbers = true)]
    pub boots: Vec<i64>,
    /// Seconds a bind may come later before it counts as a timing regression
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub threshold: f64,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
}
