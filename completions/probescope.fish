# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_probescope_global_optspecs
    string join \n h/help V/version
end

function __fish_probescope_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_probescope_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_probescope_using_subcommand
    set -l cmd (__fish_probescope_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c probescope -n "__fish_probescope_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_needs_command" -s V -l version -d 'Print version'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "check" -d 'Analyse one or many boots\' evidence and report findings (exit 1 when any reaches --fail-on)'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "why" -d 'Explain why a device is deferred, unbound or late: the chain to what really blocks it'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "rules" -d 'List every rule: code, name, default severity, summary'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "explain" -d 'Print a rule\'s explanation: what it detects, why it matters, how to fix it'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "graph" -d 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "sysmmu" -d 'Decode Exynos SysMMU register and memory dumps'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "collect" -d 'Capture one boot\'s evidence (locally or over SSH) into a bundle'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "plan" -d 'Plan what prevents each IOMMU race: the modules to load first, in order, and boot settings'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "diff" -d 'Compare a good and a bad boot: lost binds, new deferrals and findings, order and timing'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "watch" -d 'Follow a booting kernel\'s log (/dev/kmsg, locally or over SSH, or a stream) and report each finding the moment it is certain'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "timeline" -d 'Draw the boot on its time line: a self-contained HTML page (zoom, filter) or an SVG'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "blame" -d 'Where probing time went: slowest probes and initcalls, deferral waits, late binds'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "limits" -d 'List the caps every input is read under: default, the flag that raises it, what happens at it'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "generate" -d 'Write shell completions and man pages (for packaging; output is committed)'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c probescope -n "__fish_probescope_using_subcommand check" -l dmesg -d 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l devlink -d 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l deferred -d 'A copy of /sys/kernel/debug/devices_deferred' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l dtb -d 'The flattened device tree (/sys/firmware/fdt or a .dtb)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l cmdline -d 'A copy of /proc/cmdline' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l modules -d 'A copy of /proc/modules' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l kconfig -d 'The kernel config (.config or /proc/config.gz)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l sysfs-root -d 'A sysfs root: the live /sys or a copied tree' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l sysmmu-regs -d 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l mem -d 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l hw-version -d 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l ssh -d 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l ssh-config -d 'An ssh configuration file (passed to ssh as `-F FILE`)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l ssh-option -d 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope\'s own (BatchMode=yes, ConnectTimeout=10)' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l remote-root -d 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board\'s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l boot -d 'Analyse these inputs as one boot named NAME (repeatable; reported after the boots of the positional inputs). Several positional inputs that are each a directory, a bundle or a kernel log are each their own boot already; anything else given positionally or by flag forms one boot. A log that holds several boots gives one boot each (named INPUT#K); a number N picks one of them, as journalctl counts: 1 the first, 0 the last, -1 the one before the last' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l format -d 'Output format' -r -f -a "text\t'Each finding as a diagnostic (`error[PS101]: …`, where, the evidence, help), sized to the terminal, closed by a summary line'
table\t'A compact findings table per boot, and a summary table for several boots'
json\t'The JSON report: `{"schema", "tool", "command", "boots": [...], "status", "exit_code"}`, one input or many (JSON Schema: `schema/check.json` in the source)'
ndjson\t'One boot per line, each with the same header, written as each boot is done (`schema/check-ndjson.json`)'
junit\t'JUnit XML: a test suite per boot, a test case per rule'
github\t'GitHub Actions workflow-command annotations'"
complete -c probescope -n "__fish_probescope_using_subcommand check" -l fail-on -d 'Lowest severity that makes the exit code 1' -r -f -a "info\t''
warning\t''
error\t''
never\t''"
complete -c probescope -n "__fish_probescope_using_subcommand check" -s j -l jobs -d 'Boots analysed at once [default: all cores]' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l baseline -d 'Fail only on findings not in this baseline; list its entries that no longer occur' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l write-baseline -d 'Record the current findings as the accepted baseline (the run then exits 0 unless an input was unusable)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l config -d 'Rule settings, ignores and board expectations [default: ./probescope.toml when present]' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand check" -l color -d 'Colour the text and table output (`auto`: on a terminal, unless NO_COLOR is set or TERM=dumb)' -r -f -a "auto\t'Colour when standard output is a terminal, NO_COLOR is not set and TERM is not `dumb`'
always\t''
never\t''"
complete -c probescope -n "__fish_probescope_using_subcommand check" -l width -d 'Lay text out for N columns [default: the terminal\'s width, then COLUMNS, then 80]' -r
complete -c probescope -n "__fish_probescope_using_subcommand check" -l mount-debugfs -d 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
complete -c probescope -n "__fish_probescope_using_subcommand check" -s v -l verbose -d 'Show every evidence line and every device a root cause blocks (the text output shows the first few)'
complete -c probescope -n "__fish_probescope_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand why" -l dmesg -d 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l devlink -d 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l deferred -d 'A copy of /sys/kernel/debug/devices_deferred' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l dtb -d 'The flattened device tree (/sys/firmware/fdt or a .dtb)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l cmdline -d 'A copy of /proc/cmdline' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l modules -d 'A copy of /proc/modules' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l kconfig -d 'The kernel config (.config or /proc/config.gz)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l sysfs-root -d 'A sysfs root: the live /sys or a copied tree' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l sysmmu-regs -d 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l mem -d 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)' -r
complete -c probescope -n "__fish_probescope_using_subcommand why" -l hw-version -d 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)' -r
complete -c probescope -n "__fish_probescope_using_subcommand why" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand why" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand why" -l ssh -d 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read' -r
complete -c probescope -n "__fish_probescope_using_subcommand why" -l ssh-config -d 'An ssh configuration file (passed to ssh as `-F FILE`)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l ssh-option -d 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope\'s own (BatchMode=yes, ConnectTimeout=10)' -r
complete -c probescope -n "__fish_probescope_using_subcommand why" -l remote-root -d 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board\'s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel' -r
complete -c probescope -n "__fish_probescope_using_subcommand why" -l at -d 'Analyse the state at this snapshot (e.g. `before-timeout`) or instant (`12.5s`: the log up to it, no later snapshot) instead of the end' -r
complete -c probescope -n "__fish_probescope_using_subcommand why" -l format -d 'Output format' -r -f -a "text\t'The state, each root cause step by step, and the evidence'
json\t'The same as a JSON document with the report header (`schema/why.json`)'"
complete -c probescope -n "__fish_probescope_using_subcommand why" -l mount-debugfs -d 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
complete -c probescope -n "__fish_probescope_using_subcommand why" -l chain -d 'The chain of suppliers that gated the device\'s bind, each with the instant it became ready (as `systemd-analyze critical-chain`); for a device that never bound, the chain of waits to what blocks it'
complete -c probescope -n "__fish_probescope_using_subcommand why" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand rules" -l format -d 'Output format' -r -f -a "table\t'One row per rule'
json\t'A JSON document with the report header (`schema/rules.json`)'"
complete -c probescope -n "__fish_probescope_using_subcommand rules" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand explain" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l dmesg -d 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l devlink -d 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l deferred -d 'A copy of /sys/kernel/debug/devices_deferred' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l dtb -d 'The flattened device tree (/sys/firmware/fdt or a .dtb)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l cmdline -d 'A copy of /proc/cmdline' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l modules -d 'A copy of /proc/modules' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l kconfig -d 'The kernel config (.config or /proc/config.gz)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l sysfs-root -d 'A sysfs root: the live /sys or a copied tree' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l sysmmu-regs -d 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l mem -d 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l hw-version -d 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l ssh -d 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l ssh-config -d 'An ssh configuration file (passed to ssh as `-F FILE`)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l ssh-option -d 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope\'s own (BatchMode=yes, ConnectTimeout=10)' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l remote-root -d 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board\'s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l device -d 'Show the graph around this device (kernel name, bus:name, DT path or sysfs path); repeat for several. Without it, the whole graph' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l direction -d 'Which way from the devices [default: suppliers; the whole graph as a tree goes from the roots to their consumers]' -r -f -a "suppliers\t'What the devices wait for'
consumers\t'What waits for the devices'
both\t'Both'"
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l depth -d 'How many hops from the devices (default: no limit)' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l format -d 'Output format' -r -f -a "tree\t'Indented text: each device with its state, each edge with its kind and status'
dot\t'A Graphviz digraph (`dot -Tsvg`)'
mermaid\t'A Mermaid `graph LR`'
json\t'Nodes and edges as a JSON document with the report header (`schema/graph.json`)'
tsort\t'`"SUPPLIER" "CONSUMER"` pairs, as `dev-needs.sh -t` prints them (feed to `tsort`)'"
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l show -d 'How to name devices (dev-needs.sh\'s -c, -d, -m, -f views; paths is its default)' -r -f -a "name\t'Kernel device name'
paths\t'/sys/devices path'
compatible\t'The DT node\'s compatible strings'
driver\t'The bound driver'
module\t'The bound driver\'s module'
fwnode\t'The firmware node (/sys/firmware/devicetree/base/...)'"
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l kinds -d 'Follow only these kinds of edges (comma-separated or repeated; default: all)' -r -f -a "managed\t'Managed device links (they block probing)'
stateless\t'Stateless device links'
sync-state-only\t'Sync-state-only device links'
dt-iommu\t'IOMMU edges known only from the device tree or /sys/class/iommu'
dt-supplier\t'Other device-tree dependencies with no device link'"
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l at -d 'Show the state at this snapshot (e.g. `before-timeout`) or instant (`12.5s`: the log up to it, no later snapshot) instead of the end' -r
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l mount-debugfs -d 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
complete -c probescope -n "__fish_probescope_using_subcommand graph" -l parents -d 'Follow parent devices too: the nearest ancestor in /sys/devices with a driver bound, as dev-needs.sh does'
complete -c probescope -n "__fish_probescope_using_subcommand graph" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and not __fish_seen_subcommand_from regs translate map fault help" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and not __fish_seen_subcommand_from regs translate map fault help" -f -a "regs" -d 'Decode a register dump: version, layout, control bits, page-table base, faults'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and not __fish_seen_subcommand_from regs translate map fault help" -f -a "translate" -d 'Walk IOVAs through the page table step by step, to a physical address or a fault'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and not __fish_seen_subcommand_from regs translate map fault help" -f -a "map" -d 'List every mapping of the page table, with unreadable ranges and anomalies'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and not __fish_seen_subcommand_from regs translate map fault help" -f -a "fault" -d 'Explain a fault (from the registers, or from the kernel\'s fault lines with --log)'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and not __fish_seen_subcommand_from regs translate map fault help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from regs" -l regs -d 'Register dump: U-Boot md, devmem pairs, ADDR VALUE or NAME = VALUE lines, hexdump -C/xxd, the raw window, or a regs.json' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from regs" -l base -d 'Physical address of the register window (when the dump does not show it)' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from regs" -l hw-version -d 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from regs" -l conventions -d 'Whose reading to apply where mainline and Samsung\'s drivers differ' -r -f -a "mainline\t'Current mainline drivers/iommu/exynos-iommu.c'
downstream\t'Samsung vendor kernels (exynos-iommu.c of 9820/9611/850, samsung-iommu.c)'"
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from regs" -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from regs" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from regs" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from regs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l regs -d 'Register dump (gives version and PT base)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l mem -d 'Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l pt-base -d 'The lv1 table\'s physical address, instead of (or overriding) the PT base register' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l base -d 'Physical address of the register window (when the dump does not show it)' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l hw-version -d 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l conventions -d 'Whose reading to apply where mainline and Samsung\'s drivers differ' -r -f -a "mainline\t'Current mainline drivers/iommu/exynos-iommu.c'
downstream\t'Samsung vendor kernels (exynos-iommu.c of 9820/9611/850, samsung-iommu.c)'"
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -l live -d 'Also read the live /dev/mem (bounded to 8 MiB of reads)'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from translate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l regs -d 'Register dump (gives version and PT base)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l mem -d 'Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l pt-base -d 'The lv1 table\'s physical address, instead of (or overriding) the PT base register' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l base -d 'Physical address of the register window (when the dump does not show it)' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l hw-version -d 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l conventions -d 'Whose reading to apply where mainline and Samsung\'s drivers differ' -r -f -a "mainline\t'Current mainline drivers/iommu/exynos-iommu.c'
downstream\t'Samsung vendor kernels (exynos-iommu.c of 9820/9611/850, samsung-iommu.c)'"
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l coalesce -d 'One row per leaf, or runs of one page size, or runs of any size' -r -f -a "entries\t'One row per page-table leaf'
size\t'Runs of contiguous leaves of one page size'
any\t'Runs of contiguous leaves of any size'"
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -l live -d 'Also read the live /dev/mem (bounded to 8 MiB of reads)'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from map" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l regs -d 'Register dump (INT_STATUS and the fault address registers)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l log -d 'A kernel log with SysMMU fault lines, instead of (or besides) the registers' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l mem -d 'Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l pt-base -d 'The lv1 table\'s physical address, instead of (or overriding) the PT base register' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l base -d 'Physical address of the register window (when the dump does not show it)' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l hw-version -d 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l conventions -d 'Whose reading to apply where mainline and Samsung\'s drivers differ' -r -f -a "mainline\t'Current mainline drivers/iommu/exynos-iommu.c'
downstream\t'Samsung vendor kernels (exynos-iommu.c of 9820/9611/850, samsung-iommu.c)'"
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -l live -d 'Also read the live /dev/mem (bounded to 8 MiB of reads)'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from fault" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from help" -f -a "regs" -d 'Decode a register dump: version, layout, control bits, page-table base, faults'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from help" -f -a "translate" -d 'Walk IOVAs through the page table step by step, to a physical address or a fault'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from help" -f -a "map" -d 'List every mapping of the page table, with unreadable ranges and anomalies'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from help" -f -a "fault" -d 'Explain a fault (from the registers, or from the kernel\'s fault lines with --log)'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c probescope -n "__fish_probescope_using_subcommand collect" -l ssh -d 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read' -r
complete -c probescope -n "__fish_probescope_using_subcommand collect" -l ssh-config -d 'An ssh configuration file (passed to ssh as `-F FILE`)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand collect" -l ssh-option -d 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope\'s own (BatchMode=yes, ConnectTimeout=10)' -r
complete -c probescope -n "__fish_probescope_using_subcommand collect" -l remote-root -d 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board\'s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel' -r
complete -c probescope -n "__fish_probescope_using_subcommand collect" -s o -l output -d 'Where to write the bundle: a `.tar.gz`, or a new directory when the name ends with `/` or with --dir [default: probescope-HOST-TIME.tar.gz]' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand collect" -l sysmmu-regs -d 'Also read an Exynos SysMMU register window through /dev/mem with `devmem`, as NAME@BASE:SIZE (e.g. `g2d@0x10A60000:0x1000`); repeatable. Needs root on the target. Read only registers of a SysMMU whose power domain is on: an access to a powered-down block can hang the bus' -r
complete -c probescope -n "__fish_probescope_using_subcommand collect" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand collect" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand collect" -l mount-debugfs -d 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
complete -c probescope -n "__fish_probescope_using_subcommand collect" -l dir -d 'Write the bundle as a plain directory instead of a .tar.gz'
complete -c probescope -n "__fish_probescope_using_subcommand collect" -s q -l quiet -d 'Show no progress (it shows only on a terminal anyway)'
complete -c probescope -n "__fish_probescope_using_subcommand collect" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l dmesg -d 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l devlink -d 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l deferred -d 'A copy of /sys/kernel/debug/devices_deferred' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l dtb -d 'The flattened device tree (/sys/firmware/fdt or a .dtb)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l cmdline -d 'A copy of /proc/cmdline' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l modules -d 'A copy of /proc/modules' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l kconfig -d 'The kernel config (.config or /proc/config.gz)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l sysfs-root -d 'A sysfs root: the live /sys or a copied tree' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l sysmmu-regs -d 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l mem -d 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)' -r
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l hw-version -d 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)' -r
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l ssh -d 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read' -r
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l ssh-config -d 'An ssh configuration file (passed to ssh as `-F FILE`)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l ssh-option -d 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope\'s own (BatchMode=yes, ConnectTimeout=10)' -r
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l remote-root -d 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board\'s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel' -r
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l boot -d 'Of a log that holds several boots, plan for boot N, as journalctl counts: 1 the first, 0 the last (the default), -1 the one before the last' -r
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l for -d 'Plan only for these consumers (kernel name, bus:name, DT path or sysfs path; repeatable)' -r
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l modules-dir -d 'A directory with the kernel\'s modules.dep, modules.alias and modules.builtin (/lib/modules/RELEASE, or a root with lib/modules/RELEASE below it)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l format -d 'Output format' -r -f -a "text\t'Each IOMMU with the modules to load before its consumers, why, and the settings'
initramfs-tools\t'Lines for /etc/initramfs-tools/modules, in load order'
dracut\t'A dracut conf: force_drivers+=" ... "'
modprobe\t'modprobe.d softdep lines: each consumer\'s module after the IOMMU\'s'
cmdline\t'A kernel command-line fragment: the settings that would have prevented the races'
json\t'The plan as a JSON document with the report header (`schema/plan.json`)'"
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l mount-debugfs -d 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
complete -c probescope -n "__fish_probescope_using_subcommand plan" -l check -d 'Analyse the same capture again with the plan applied (each planned IOMMU registered before its first consumer) and report which findings it clears (exit 1 when a race finding remains)'
complete -c probescope -n "__fish_probescope_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand diff" -l boot -d 'Which boot of a log that holds several (twice with one input: good, then bad), as journalctl counts: 1 the first, 0 the last, -1 the one before the last' -r
complete -c probescope -n "__fish_probescope_using_subcommand diff" -l threshold -d 'Seconds a bind may come later before it counts as a timing regression' -r
complete -c probescope -n "__fish_probescope_using_subcommand diff" -l format -d 'Output format' -r -f -a "text\t'What changed, for people'
json\t'A JSON document with the report header (`schema/diff.json`)'"
complete -c probescope -n "__fish_probescope_using_subcommand diff" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand diff" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l input -d 'Follow this stream instead of /dev/kmsg: a FIFO, a serial console or pty, standard input (`-`), or a file (read to its end); a kernel log in any form `check` reads' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l ssh -d 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read' -r
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l ssh-config -d 'An ssh configuration file (passed to ssh as `-F FILE`)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l ssh-option -d 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope\'s own (BatchMode=yes, ConnectTimeout=10)' -r
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l remote-root -d 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board\'s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel' -r
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l margin -d 'Seconds to wait past the settle point before ending' -r
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l quiet -d 'With --until-settled: seconds without probe activity or module load that mean nothing more comes (default: the kernel\'s default deferred-probe timeout, the time it gives user space to load supplier modules; an IOMMU module loaded after the timeout is waited for)' -r
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l fail-on -d 'Lowest severity that makes the exit code 1' -r -f -a "info\t''
warning\t''
error\t''
never\t''"
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l config -d 'Rule settings, ignores and board expectations [default: ./probescope.toml when present]' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l color -d 'Colour the text output (`auto`: on a terminal, unless NO_COLOR is set or TERM=dumb)' -r -f -a "auto\t'Colour when standard output is a terminal, NO_COLOR is not set and TERM is not `dumb`'
always\t''
never\t''"
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l format -d 'Output format' -r -f -a "text\t'Each certain finding as a diagnostic when it becomes certain, then check\'s text report'
json\t'Nothing while watching; at the end check\'s JSON document of the whole stream (`schema/check.json`)'
ndjson\t'One line per finding when it becomes certain (`schema/watch-ndjson.json`), then check\'s JSON document of the whole stream as the last line'"
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l width -d 'Lay text out for N columns [default: the terminal\'s width, then COLUMNS, then 80]' -r
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l until-settled -d 'End once the boot has settled: the deferred-probe timeout (from the command line, else the kernel\'s default) has passed since the last probe activity, or its work was seen, and no probe activity or module load came for --quiet seconds, plus --margin; then print the final report and exit with check\'s exit code'
complete -c probescope -n "__fish_probescope_using_subcommand watch" -s v -l verbose -d 'Show every evidence line and every device a root cause blocks (the text output shows the first few)'
complete -c probescope -n "__fish_probescope_using_subcommand watch" -l mount-debugfs -d 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
complete -c probescope -n "__fish_probescope_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l dmesg -d 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l devlink -d 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l deferred -d 'A copy of /sys/kernel/debug/devices_deferred' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l dtb -d 'The flattened device tree (/sys/firmware/fdt or a .dtb)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l cmdline -d 'A copy of /proc/cmdline' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l modules -d 'A copy of /proc/modules' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l kconfig -d 'The kernel config (.config or /proc/config.gz)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l sysfs-root -d 'A sysfs root: the live /sys or a copied tree' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l sysmmu-regs -d 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l mem -d 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)' -r
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l hw-version -d 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)' -r
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l ssh -d 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read' -r
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l ssh-config -d 'An ssh configuration file (passed to ssh as `-F FILE`)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l ssh-option -d 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope\'s own (BatchMode=yes, ConnectTimeout=10)' -r
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l remote-root -d 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board\'s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel' -r
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l boot -d 'Which boots: `NAME=PATH[,PATH...]` analyses these inputs as one boot named NAME (repeatable, as for `check`); a number N picks one boot of each log that holds several, as journalctl counts: 1 the first, 0 the last, -1 the one before the last' -r
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -s o -l output -d 'Write the page or picture to FILE instead of standard output' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l format -d 'Output format' -r -f -a "html\t'One self-contained HTML page (inline SVG, CSS and script; nothing fetched): zoom and pan on the time axis, filter by name or subsystem, a boot selector'
svg\t'A static SVG picture (every boot, stacked)'"
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -l mount-debugfs -d 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
complete -c probescope -n "__fish_probescope_using_subcommand timeline" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l dmesg -d 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l devlink -d 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l deferred -d 'A copy of /sys/kernel/debug/devices_deferred' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l dtb -d 'The flattened device tree (/sys/firmware/fdt or a .dtb)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l cmdline -d 'A copy of /proc/cmdline' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l modules -d 'A copy of /proc/modules' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l kconfig -d 'The kernel config (.config or /proc/config.gz)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l sysfs-root -d 'A sysfs root: the live /sys or a copied tree' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l sysmmu-regs -d 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l mem -d 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l hw-version -d 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l max-input-bytes -d 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l limit -d 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l ssh -d 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l ssh-config -d 'An ssh configuration file (passed to ssh as `-F FILE`)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l ssh-option -d 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope\'s own (BatchMode=yes, ConnectTimeout=10)' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l remote-root -d 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board\'s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l boot -d 'Which boots: `NAME=PATH[,PATH...]` analyses these inputs as one boot named NAME (repeatable, as for `check`); a number N picks one boot of each log that holds several, as journalctl counts: 1 the first, 0 the last, -1 the one before the last' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l top -d 'How many of the slowest probes and initcalls to list' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l format -d 'Output format' -r -f -a "table\t'Tables for people'
json\t'A JSON document with the report header (`schema/blame.json`)'"
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l width -d 'Lay tables out for N columns (default: the terminal\'s width, else COLUMNS, else 80)' -r
complete -c probescope -n "__fish_probescope_using_subcommand blame" -l mount-debugfs -d 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
complete -c probescope -n "__fish_probescope_using_subcommand blame" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c probescope -n "__fish_probescope_using_subcommand limits" -l markdown -d 'Print the README\'s Markdown table instead of the terminal listing'
complete -c probescope -n "__fish_probescope_using_subcommand limits" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand generate" -l out -d 'Directory that receives `completions/`, `man/` and `schema/`' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand generate" -l check -d 'Only compare with what is there; exit 1 when anything is stale'
complete -c probescope -n "__fish_probescope_using_subcommand generate" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "check" -d 'Analyse one or many boots\' evidence and report findings (exit 1 when any reaches --fail-on)'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "why" -d 'Explain why a device is deferred, unbound or late: the chain to what really blocks it'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "rules" -d 'List every rule: code, name, default severity, summary'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "explain" -d 'Print a rule\'s explanation: what it detects, why it matters, how to fix it'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "graph" -d 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "sysmmu" -d 'Decode Exynos SysMMU register and memory dumps'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "collect" -d 'Capture one boot\'s evidence (locally or over SSH) into a bundle'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "plan" -d 'Plan what prevents each IOMMU race: the modules to load first, in order, and boot settings'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "diff" -d 'Compare a good and a bad boot: lost binds, new deferrals and findings, order and timing'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "watch" -d 'Follow a booting kernel\'s log (/dev/kmsg, locally or over SSH, or a stream) and report each finding the moment it is certain'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "timeline" -d 'Draw the boot on its time line: a self-contained HTML page (zoom, filter) or an SVG'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "blame" -d 'Where probing time went: slowest probes and initcalls, deferral waits, late binds'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "limits" -d 'List the caps every input is read under: default, the flag that raises it, what happens at it'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "generate" -d 'Write shell completions and man pages (for packaging; output is committed)'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain graph sysmmu collect plan diff watch timeline blame limits generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c probescope -n "__fish_probescope_using_subcommand help; and __fish_seen_subcommand_from sysmmu" -f -a "regs" -d 'Decode a register dump: version, layout, control bits, page-table base, faults'
complete -c probescope -n "__fish_probescope_using_subcommand help; and __fish_seen_subcommand_from sysmmu" -f -a "translate" -d 'Walk IOVAs through the page table step by step, to a physical address or a fault'
complete -c probescope -n "__fish_probescope_using_subcommand help; and __fish_seen_subcommand_from sysmmu" -f -a "map" -d 'List every mapping of the page table, with unreadable ranges and anomalies'
complete -c probescope -n "__fish_probescope_using_subcommand help; and __fish_seen_subcommand_from sysmmu" -f -a "fault" -d 'Explain a fault (from the registers, or from the kernel\'s fault lines with --log)'
