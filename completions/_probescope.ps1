
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'probescope' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'probescope'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'probescope' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Analyse one or many boots'' evidence and report findings (exit 1 when any reaches --fail-on)')
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'Explain why a device is deferred, unbound or late: the chain to what really blocks it')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List every rule: code, name, default severity, summary')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print a rule''s explanation: what it detects, why it matters, how to fix it')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)')
            [CompletionResult]::new('sysmmu', 'sysmmu', [CompletionResultType]::ParameterValue, 'Decode Exynos SysMMU register and memory dumps')
            [CompletionResult]::new('collect', 'collect', [CompletionResultType]::ParameterValue, 'Capture one boot''s evidence (locally or over SSH) into a bundle')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Plan what prevents each IOMMU race: the modules to load first, in order, and boot settings')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare a good and a bad boot: lost binds, new deferrals and findings, order and timing')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Follow a booting kernel''s log (/dev/kmsg, locally or over SSH, or a stream) and report each finding the moment it is certain')
            [CompletionResult]::new('timeline', 'timeline', [CompletionResultType]::ParameterValue, 'Draw the boot on its time line: a self-contained HTML page (zoom, filter) or an SVG')
            [CompletionResult]::new('blame', 'blame', [CompletionResultType]::ParameterValue, 'Where probing time went: slowest probes and initcalls, deferral waits, late binds')
            [CompletionResult]::new('limits', 'limits', [CompletionResultType]::ParameterValue, 'List the caps every input is read under: default, the flag that raises it, what happens at it')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packaging; output is committed)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'probescope;check' {
            [CompletionResult]::new('--dmesg', '--dmesg', [CompletionResultType]::ParameterName, 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)')
            [CompletionResult]::new('--devlink', '--devlink', [CompletionResultType]::ParameterName, 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)')
            [CompletionResult]::new('--deferred', '--deferred', [CompletionResultType]::ParameterName, 'A copy of /sys/kernel/debug/devices_deferred')
            [CompletionResult]::new('--dtb', '--dtb', [CompletionResultType]::ParameterName, 'The flattened device tree (/sys/firmware/fdt or a .dtb)')
            [CompletionResult]::new('--cmdline', '--cmdline', [CompletionResultType]::ParameterName, 'A copy of /proc/cmdline')
            [CompletionResult]::new('--modules', '--modules', [CompletionResultType]::ParameterName, 'A copy of /proc/modules')
            [CompletionResult]::new('--kconfig', '--kconfig', [CompletionResultType]::ParameterName, 'The kernel config (.config or /proc/config.gz)')
            [CompletionResult]::new('--sysfs-root', '--sysfs-root', [CompletionResultType]::ParameterName, 'A sysfs root: the live /sys or a copied tree')
            [CompletionResult]::new('--sysmmu-regs', '--sysmmu-regs', [CompletionResultType]::ParameterName, 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem')
            [CompletionResult]::new('--mem', '--mem', [CompletionResultType]::ParameterName, 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'An ssh configuration file (passed to ssh as `-F FILE`)')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)')
            [CompletionResult]::new('--remote-root', '--remote-root', [CompletionResultType]::ParameterName, 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel')
            [CompletionResult]::new('--boot', '--boot', [CompletionResultType]::ParameterName, 'Analyse these inputs as one boot named NAME (repeatable; reported after the boots of the positional inputs). Several positional inputs that are each a directory, a bundle or a kernel log are each their own boot already; anything else given positionally or by flag forms one boot. A log that holds several boots gives one boot each (named INPUT#K); a number N picks one of them, as journalctl counts: 1 the first, 0 the last, -1 the one before the last')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest severity that makes the exit code 1')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Boots analysed at once [default: all cores]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Boots analysed at once [default: all cores]')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'Fail only on findings not in this baseline; list its entries that no longer occur')
            [CompletionResult]::new('--write-baseline', '--write-baseline', [CompletionResultType]::ParameterName, 'Record the current findings as the accepted baseline (the run then exits 0 unless an input was unusable)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Rule settings, ignores and board expectations [default: ./probescope.toml when present]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the text and table output (`auto`: on a terminal, unless NO_COLOR is set or TERM=dumb)')
            [CompletionResult]::new('--width', '--width', [CompletionResultType]::ParameterName, 'Lay text out for N columns [default: the terminal''s width, then COLUMNS, then 80]')
            [CompletionResult]::new('--mount-debugfs', '--mount-debugfs', [CompletionResultType]::ParameterName, 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every evidence line and every device a root cause blocks (the text output shows the first few)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every evidence line and every device a root cause blocks (the text output shows the first few)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;why' {
            [CompletionResult]::new('--dmesg', '--dmesg', [CompletionResultType]::ParameterName, 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)')
            [CompletionResult]::new('--devlink', '--devlink', [CompletionResultType]::ParameterName, 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)')
            [CompletionResult]::new('--deferred', '--deferred', [CompletionResultType]::ParameterName, 'A copy of /sys/kernel/debug/devices_deferred')
            [CompletionResult]::new('--dtb', '--dtb', [CompletionResultType]::ParameterName, 'The flattened device tree (/sys/firmware/fdt or a .dtb)')
            [CompletionResult]::new('--cmdline', '--cmdline', [CompletionResultType]::ParameterName, 'A copy of /proc/cmdline')
            [CompletionResult]::new('--modules', '--modules', [CompletionResultType]::ParameterName, 'A copy of /proc/modules')
            [CompletionResult]::new('--kconfig', '--kconfig', [CompletionResultType]::ParameterName, 'The kernel config (.config or /proc/config.gz)')
            [CompletionResult]::new('--sysfs-root', '--sysfs-root', [CompletionResultType]::ParameterName, 'A sysfs root: the live /sys or a copied tree')
            [CompletionResult]::new('--sysmmu-regs', '--sysmmu-regs', [CompletionResultType]::ParameterName, 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem')
            [CompletionResult]::new('--mem', '--mem', [CompletionResultType]::ParameterName, 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'An ssh configuration file (passed to ssh as `-F FILE`)')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)')
            [CompletionResult]::new('--remote-root', '--remote-root', [CompletionResultType]::ParameterName, 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'Analyse the state at this snapshot (e.g. `before-timeout`) or instant (`12.5s`: the log up to it, no later snapshot) instead of the end')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--mount-debugfs', '--mount-debugfs', [CompletionResultType]::ParameterName, 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there')
            [CompletionResult]::new('--chain', '--chain', [CompletionResultType]::ParameterName, 'The chain of suppliers that gated the device''s bind, each with the instant it became ready (as `systemd-analyze critical-chain`); for a device that never bound, the chain of waits to what blocks it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;rules' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;explain' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'probescope;graph' {
            [CompletionResult]::new('--dmesg', '--dmesg', [CompletionResultType]::ParameterName, 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)')
            [CompletionResult]::new('--devlink', '--devlink', [CompletionResultType]::ParameterName, 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)')
            [CompletionResult]::new('--deferred', '--deferred', [CompletionResultType]::ParameterName, 'A copy of /sys/kernel/debug/devices_deferred')
            [CompletionResult]::new('--dtb', '--dtb', [CompletionResultType]::ParameterName, 'The flattened device tree (/sys/firmware/fdt or a .dtb)')
            [CompletionResult]::new('--cmdline', '--cmdline', [CompletionResultType]::ParameterName, 'A copy of /proc/cmdline')
            [CompletionResult]::new('--modules', '--modules', [CompletionResultType]::ParameterName, 'A copy of /proc/modules')
            [CompletionResult]::new('--kconfig', '--kconfig', [CompletionResultType]::ParameterName, 'The kernel config (.config or /proc/config.gz)')
            [CompletionResult]::new('--sysfs-root', '--sysfs-root', [CompletionResultType]::ParameterName, 'A sysfs root: the live /sys or a copied tree')
            [CompletionResult]::new('--sysmmu-regs', '--sysmmu-regs', [CompletionResultType]::ParameterName, 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem')
            [CompletionResult]::new('--mem', '--mem', [CompletionResultType]::ParameterName, 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'An ssh configuration file (passed to ssh as `-F FILE`)')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)')
            [CompletionResult]::new('--remote-root', '--remote-root', [CompletionResultType]::ParameterName, 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel')
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Show the graph around this device (kernel name, bus:name, DT path or sysfs path); repeat for several. Without it, the whole graph')
            [CompletionResult]::new('--direction', '--direction', [CompletionResultType]::ParameterName, 'Which way from the devices [default: suppliers; the whole graph as a tree goes from the roots to their consumers]')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many hops from the devices (default: no limit)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--show', '--show', [CompletionResultType]::ParameterName, 'How to name devices (dev-needs.sh''s -c, -d, -m, -f views; paths is its default)')
            [CompletionResult]::new('--kinds', '--kinds', [CompletionResultType]::ParameterName, 'Follow only these kinds of edges (comma-separated or repeated; default: all)')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'Show the state at this snapshot (e.g. `before-timeout`) or instant (`12.5s`: the log up to it, no later snapshot) instead of the end')
            [CompletionResult]::new('--mount-debugfs', '--mount-debugfs', [CompletionResultType]::ParameterName, 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there')
            [CompletionResult]::new('--parents', '--parents', [CompletionResultType]::ParameterName, 'Follow parent devices too: the nearest ancestor in /sys/devices with a driver bound, as dev-needs.sh does')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;sysmmu' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('regs', 'regs', [CompletionResultType]::ParameterValue, 'Decode a register dump: version, layout, control bits, page-table base, faults')
            [CompletionResult]::new('translate', 'translate', [CompletionResultType]::ParameterValue, 'Walk IOVAs through the page table step by step, to a physical address or a fault')
            [CompletionResult]::new('map', 'map', [CompletionResultType]::ParameterValue, 'List every mapping of the page table, with unreadable ranges and anomalies')
            [CompletionResult]::new('fault', 'fault', [CompletionResultType]::ParameterValue, 'Explain a fault (from the registers, or from the kernel''s fault lines with --log)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'probescope;sysmmu;regs' {
            [CompletionResult]::new('--regs', '--regs', [CompletionResultType]::ParameterName, 'Register dump: U-Boot md, devmem pairs, ADDR VALUE or NAME = VALUE lines, hexdump -C/xxd, the raw window, or a regs.json')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'Physical address of the register window (when the dump does not show it)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it')
            [CompletionResult]::new('--conventions', '--conventions', [CompletionResultType]::ParameterName, 'Whose reading to apply where mainline and Samsung''s drivers differ')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;sysmmu;translate' {
            [CompletionResult]::new('--regs', '--regs', [CompletionResultType]::ParameterName, 'Register dump (gives version and PT base)')
            [CompletionResult]::new('--mem', '--mem', [CompletionResultType]::ParameterName, 'Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable')
            [CompletionResult]::new('--pt-base', '--pt-base', [CompletionResultType]::ParameterName, 'The lv1 table''s physical address, instead of (or overriding) the PT base register')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'Physical address of the register window (when the dump does not show it)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it')
            [CompletionResult]::new('--conventions', '--conventions', [CompletionResultType]::ParameterName, 'Whose reading to apply where mainline and Samsung''s drivers differ')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Also read the live /dev/mem (bounded to 8 MiB of reads)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;sysmmu;map' {
            [CompletionResult]::new('--regs', '--regs', [CompletionResultType]::ParameterName, 'Register dump (gives version and PT base)')
            [CompletionResult]::new('--mem', '--mem', [CompletionResultType]::ParameterName, 'Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable')
            [CompletionResult]::new('--pt-base', '--pt-base', [CompletionResultType]::ParameterName, 'The lv1 table''s physical address, instead of (or overriding) the PT base register')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'Physical address of the register window (when the dump does not show it)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it')
            [CompletionResult]::new('--conventions', '--conventions', [CompletionResultType]::ParameterName, 'Whose reading to apply where mainline and Samsung''s drivers differ')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--coalesce', '--coalesce', [CompletionResultType]::ParameterName, 'One row per leaf, or runs of one page size, or runs of any size')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Also read the live /dev/mem (bounded to 8 MiB of reads)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;sysmmu;fault' {
            [CompletionResult]::new('--regs', '--regs', [CompletionResultType]::ParameterName, 'Register dump (INT_STATUS and the fault address registers)')
            [CompletionResult]::new('--log', '--log', [CompletionResultType]::ParameterName, 'A kernel log with SysMMU fault lines, instead of (or besides) the registers')
            [CompletionResult]::new('--mem', '--mem', [CompletionResultType]::ParameterName, 'Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable')
            [CompletionResult]::new('--pt-base', '--pt-base', [CompletionResultType]::ParameterName, 'The lv1 table''s physical address, instead of (or overriding) the PT base register')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'Physical address of the register window (when the dump does not show it)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it')
            [CompletionResult]::new('--conventions', '--conventions', [CompletionResultType]::ParameterName, 'Whose reading to apply where mainline and Samsung''s drivers differ')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Also read the live /dev/mem (bounded to 8 MiB of reads)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;sysmmu;help' {
            [CompletionResult]::new('regs', 'regs', [CompletionResultType]::ParameterValue, 'Decode a register dump: version, layout, control bits, page-table base, faults')
            [CompletionResult]::new('translate', 'translate', [CompletionResultType]::ParameterValue, 'Walk IOVAs through the page table step by step, to a physical address or a fault')
            [CompletionResult]::new('map', 'map', [CompletionResultType]::ParameterValue, 'List every mapping of the page table, with unreadable ranges and anomalies')
            [CompletionResult]::new('fault', 'fault', [CompletionResultType]::ParameterValue, 'Explain a fault (from the registers, or from the kernel''s fault lines with --log)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'probescope;sysmmu;help;regs' {
            break
        }
        'probescope;sysmmu;help;translate' {
            break
        }
        'probescope;sysmmu;help;map' {
            break
        }
        'probescope;sysmmu;help;fault' {
            break
        }
        'probescope;sysmmu;help;help' {
            break
        }
        'probescope;collect' {
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'An ssh configuration file (passed to ssh as `-F FILE`)')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)')
            [CompletionResult]::new('--remote-root', '--remote-root', [CompletionResultType]::ParameterName, 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the bundle: a `.tar.gz`, or a new directory when the name ends with `/` or with --dir [default: probescope-HOST-TIME.tar.gz]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the bundle: a `.tar.gz`, or a new directory when the name ends with `/` or with --dir [default: probescope-HOST-TIME.tar.gz]')
            [CompletionResult]::new('--sysmmu-regs', '--sysmmu-regs', [CompletionResultType]::ParameterName, 'Also read an Exynos SysMMU register window through /dev/mem with `devmem`, as NAME@BASE:SIZE (e.g. `g2d@0x10A60000:0x1000`); repeatable. Needs root on the target. Read only registers of a SysMMU whose power domain is on: an access to a powered-down block can hang the bus')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--mount-debugfs', '--mount-debugfs', [CompletionResultType]::ParameterName, 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write the bundle as a plain directory instead of a .tar.gz')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show no progress (it shows only on a terminal anyway)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show no progress (it shows only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'probescope;plan' {
            [CompletionResult]::new('--dmesg', '--dmesg', [CompletionResultType]::ParameterName, 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)')
            [CompletionResult]::new('--devlink', '--devlink', [CompletionResultType]::ParameterName, 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)')
            [CompletionResult]::new('--deferred', '--deferred', [CompletionResultType]::ParameterName, 'A copy of /sys/kernel/debug/devices_deferred')
            [CompletionResult]::new('--dtb', '--dtb', [CompletionResultType]::ParameterName, 'The flattened device tree (/sys/firmware/fdt or a .dtb)')
            [CompletionResult]::new('--cmdline', '--cmdline', [CompletionResultType]::ParameterName, 'A copy of /proc/cmdline')
            [CompletionResult]::new('--modules', '--modules', [CompletionResultType]::ParameterName, 'A copy of /proc/modules')
            [CompletionResult]::new('--kconfig', '--kconfig', [CompletionResultType]::ParameterName, 'The kernel config (.config or /proc/config.gz)')
            [CompletionResult]::new('--sysfs-root', '--sysfs-root', [CompletionResultType]::ParameterName, 'A sysfs root: the live /sys or a copied tree')
            [CompletionResult]::new('--sysmmu-regs', '--sysmmu-regs', [CompletionResultType]::ParameterName, 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem')
            [CompletionResult]::new('--mem', '--mem', [CompletionResultType]::ParameterName, 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'An ssh configuration file (passed to ssh as `-F FILE`)')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)')
            [CompletionResult]::new('--remote-root', '--remote-root', [CompletionResultType]::ParameterName, 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel')
            [CompletionResult]::new('--boot', '--boot', [CompletionResultType]::ParameterName, 'Of a log that holds several boots, plan for boot N, as journalctl counts: 1 the first, 0 the last (the default), -1 the one before the last')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Plan only for these consumers (kernel name, bus:name, DT path or sysfs path; repeatable)')
            [CompletionResult]::new('--modules-dir', '--modules-dir', [CompletionResultType]::ParameterName, 'A directory with the kernel''s modules.dep, modules.alias and modules.builtin (/lib/modules/RELEASE, or a root with lib/modules/RELEASE below it)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--mount-debugfs', '--mount-debugfs', [CompletionResultType]::ParameterName, 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Analyse the same capture again with the plan applied (each planned IOMMU registered before its first consumer) and report which findings it clears (exit 1 when a race finding remains)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;diff' {
            [CompletionResult]::new('--boot', '--boot', [CompletionResultType]::ParameterName, 'Which boot of a log that holds several (twice with one input: good, then bad), as journalctl counts: 1 the first, 0 the last, -1 the one before the last')
            [CompletionResult]::new('--threshold', '--threshold', [CompletionResultType]::ParameterName, 'Seconds a bind may come later before it counts as a timing regression')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;watch' {
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Follow this stream instead of /dev/kmsg: a FIFO, a serial console or pty, standard input (`-`), or a file (read to its end); a kernel log in any form `check` reads')
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'An ssh configuration file (passed to ssh as `-F FILE`)')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)')
            [CompletionResult]::new('--remote-root', '--remote-root', [CompletionResultType]::ParameterName, 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel')
            [CompletionResult]::new('--margin', '--margin', [CompletionResultType]::ParameterName, 'Seconds to wait past the settle point before ending')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'With --until-settled: seconds without probe activity or module load that mean nothing more comes (default: the kernel''s default deferred-probe timeout, the time it gives user space to load supplier modules; an IOMMU module loaded after the timeout is waited for)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest severity that makes the exit code 1')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Rule settings, ignores and board expectations [default: ./probescope.toml when present]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the text output (`auto`: on a terminal, unless NO_COLOR is set or TERM=dumb)')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--width', '--width', [CompletionResultType]::ParameterName, 'Lay text out for N columns [default: the terminal''s width, then COLUMNS, then 80]')
            [CompletionResult]::new('--until-settled', '--until-settled', [CompletionResultType]::ParameterName, 'End once the boot has settled: the deferred-probe timeout (from the command line, else the kernel''s default) has passed since the last probe activity, or its work was seen, and no probe activity or module load came for --quiet seconds, plus --margin; then print the final report and exit with check''s exit code')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show every evidence line and every device a root cause blocks (the text output shows the first few)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show every evidence line and every device a root cause blocks (the text output shows the first few)')
            [CompletionResult]::new('--mount-debugfs', '--mount-debugfs', [CompletionResultType]::ParameterName, 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;timeline' {
            [CompletionResult]::new('--dmesg', '--dmesg', [CompletionResultType]::ParameterName, 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)')
            [CompletionResult]::new('--devlink', '--devlink', [CompletionResultType]::ParameterName, 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)')
            [CompletionResult]::new('--deferred', '--deferred', [CompletionResultType]::ParameterName, 'A copy of /sys/kernel/debug/devices_deferred')
            [CompletionResult]::new('--dtb', '--dtb', [CompletionResultType]::ParameterName, 'The flattened device tree (/sys/firmware/fdt or a .dtb)')
            [CompletionResult]::new('--cmdline', '--cmdline', [CompletionResultType]::ParameterName, 'A copy of /proc/cmdline')
            [CompletionResult]::new('--modules', '--modules', [CompletionResultType]::ParameterName, 'A copy of /proc/modules')
            [CompletionResult]::new('--kconfig', '--kconfig', [CompletionResultType]::ParameterName, 'The kernel config (.config or /proc/config.gz)')
            [CompletionResult]::new('--sysfs-root', '--sysfs-root', [CompletionResultType]::ParameterName, 'A sysfs root: the live /sys or a copied tree')
            [CompletionResult]::new('--sysmmu-regs', '--sysmmu-regs', [CompletionResultType]::ParameterName, 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem')
            [CompletionResult]::new('--mem', '--mem', [CompletionResultType]::ParameterName, 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'An ssh configuration file (passed to ssh as `-F FILE`)')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)')
            [CompletionResult]::new('--remote-root', '--remote-root', [CompletionResultType]::ParameterName, 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel')
            [CompletionResult]::new('--boot', '--boot', [CompletionResultType]::ParameterName, 'Which boots: `NAME=PATH[,PATH...]` analyses these inputs as one boot named NAME (repeatable, as for `check`); a number N picks one boot of each log that holds several, as journalctl counts: 1 the first, 0 the last, -1 the one before the last')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the page or picture to FILE instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the page or picture to FILE instead of standard output')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--mount-debugfs', '--mount-debugfs', [CompletionResultType]::ParameterName, 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;blame' {
            [CompletionResult]::new('--dmesg', '--dmesg', [CompletionResultType]::ParameterName, 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)')
            [CompletionResult]::new('--devlink', '--devlink', [CompletionResultType]::ParameterName, 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)')
            [CompletionResult]::new('--deferred', '--deferred', [CompletionResultType]::ParameterName, 'A copy of /sys/kernel/debug/devices_deferred')
            [CompletionResult]::new('--dtb', '--dtb', [CompletionResultType]::ParameterName, 'The flattened device tree (/sys/firmware/fdt or a .dtb)')
            [CompletionResult]::new('--cmdline', '--cmdline', [CompletionResultType]::ParameterName, 'A copy of /proc/cmdline')
            [CompletionResult]::new('--modules', '--modules', [CompletionResultType]::ParameterName, 'A copy of /proc/modules')
            [CompletionResult]::new('--kconfig', '--kconfig', [CompletionResultType]::ParameterName, 'The kernel config (.config or /proc/config.gz)')
            [CompletionResult]::new('--sysfs-root', '--sysfs-root', [CompletionResultType]::ParameterName, 'A sysfs root: the live /sys or a copied tree')
            [CompletionResult]::new('--sysmmu-regs', '--sysmmu-regs', [CompletionResultType]::ParameterName, 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem')
            [CompletionResult]::new('--mem', '--mem', [CompletionResultType]::ParameterName, 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)')
            [CompletionResult]::new('--hw-version', '--hw-version', [CompletionResultType]::ParameterName, 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)')
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'An ssh configuration file (passed to ssh as `-F FILE`)')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)')
            [CompletionResult]::new('--remote-root', '--remote-root', [CompletionResultType]::ParameterName, 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel')
            [CompletionResult]::new('--boot', '--boot', [CompletionResultType]::ParameterName, 'Which boots: `NAME=PATH[,PATH...]` analyses these inputs as one boot named NAME (repeatable, as for `check`); a number N picks one boot of each log that holds several, as journalctl counts: 1 the first, 0 the last, -1 the one before the last')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'How many of the slowest probes and initcalls to list')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--width', '--width', [CompletionResultType]::ParameterName, 'Lay tables out for N columns (default: the terminal''s width, else COLUMNS, else 80)')
            [CompletionResult]::new('--mount-debugfs', '--mount-debugfs', [CompletionResultType]::ParameterName, 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;limits' {
            [CompletionResult]::new('--markdown', '--markdown', [CompletionResultType]::ParameterName, 'Print the README''s Markdown table instead of the terminal listing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'probescope;generate' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory that receives `completions/`, `man/` and `schema/`')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Only compare with what is there; exit 1 when anything is stale')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'probescope;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Analyse one or many boots'' evidence and report findings (exit 1 when any reaches --fail-on)')
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'Explain why a device is deferred, unbound or late: the chain to what really blocks it')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List every rule: code, name, default severity, summary')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print a rule''s explanation: what it detects, why it matters, how to fix it')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)')
            [CompletionResult]::new('sysmmu', 'sysmmu', [CompletionResultType]::ParameterValue, 'Decode Exynos SysMMU register and memory dumps')
            [CompletionResult]::new('collect', 'collect', [CompletionResultType]::ParameterValue, 'Capture one boot''s evidence (locally or over SSH) into a bundle')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Plan what prevents each IOMMU race: the modules to load first, in order, and boot settings')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare a good and a bad boot: lost binds, new deferrals and findings, order and timing')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Follow a booting kernel''s log (/dev/kmsg, locally or over SSH, or a stream) and report each finding the moment it is certain')
            [CompletionResult]::new('timeline', 'timeline', [CompletionResultType]::ParameterValue, 'Draw the boot on its time line: a self-contained HTML page (zoom, filter) or an SVG')
            [CompletionResult]::new('blame', 'blame', [CompletionResultType]::ParameterValue, 'Where probing time went: slowest probes and initcalls, deferral waits, late binds')
            [CompletionResult]::new('limits', 'limits', [CompletionResultType]::ParameterValue, 'List the caps every input is read under: default, the flag that raises it, what happens at it')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packaging; output is committed)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'probescope;help;check' {
            break
        }
        'probescope;help;why' {
            break
        }
        'probescope;help;rules' {
            break
        }
        'probescope;help;explain' {
            break
        }
        'probescope;help;graph' {
            break
        }
        'probescope;help;sysmmu' {
            [CompletionResult]::new('regs', 'regs', [CompletionResultType]::ParameterValue, 'Decode a register dump: version, layout, control bits, page-table base, faults')
            [CompletionResult]::new('translate', 'translate', [CompletionResultType]::ParameterValue, 'Walk IOVAs through the page table step by step, to a physical address or a fault')
            [CompletionResult]::new('map', 'map', [CompletionResultType]::ParameterValue, 'List every mapping of the page table, with unreadable ranges and anomalies')
            [CompletionResult]::new('fault', 'fault', [CompletionResultType]::ParameterValue, 'Explain a fault (from the registers, or from the kernel''s fault lines with --log)')
            break
        }
        'probescope;help;sysmmu;regs' {
            break
        }
        'probescope;help;sysmmu;translate' {
            break
        }
        'probescope;help;sysmmu;map' {
            break
        }
        'probescope;help;sysmmu;fault' {
            break
        }
        'probescope;help;collect' {
            break
        }
        'probescope;help;plan' {
            break
        }
        'probescope;help;diff' {
            break
        }
        'probescope;help;watch' {
            break
        }
        'probescope;help;timeline' {
            break
        }
        'probescope;help;blame' {
            break
        }
        'probescope;help;limits' {
            break
        }
        'probescope;help;generate' {
            break
        }
        'probescope;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
