
use builtin;
use str;

set edit:completion:arg-completer[probescope] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'probescope'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'probescope'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Analyse one or many boots'' evidence and report findings (exit 1 when any reaches --fail-on)'
            cand why 'Explain why a device is deferred, unbound or late: the chain to what really blocks it'
            cand rules 'List every rule: code, name, default severity, summary'
            cand explain 'Print a rule''s explanation: what it detects, why it matters, how to fix it'
            cand graph 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)'
            cand sysmmu 'Decode Exynos SysMMU register and memory dumps'
            cand collect 'Capture one boot''s evidence (locally or over SSH) into a bundle'
            cand plan 'Plan what prevents each IOMMU race: the modules to load first, in order, and boot settings'
            cand diff 'Compare a good and a bad boot: lost binds, new deferrals and findings, order and timing'
            cand watch 'Follow a booting kernel''s log (/dev/kmsg, locally or over SSH, or a stream) and report each finding the moment it is certain'
            cand timeline 'Draw the boot on its time line: a self-contained HTML page (zoom, filter) or an SVG'
            cand blame 'Where probing time went: slowest probes and initcalls, deferral waits, late binds'
            cand limits 'List the caps every input is read under: default, the flag that raises it, what happens at it'
            cand generate 'Write shell completions and man pages (for packaging; output is committed)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'probescope;check'= {
            cand --dmesg 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)'
            cand --devlink 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)'
            cand --deferred 'A copy of /sys/kernel/debug/devices_deferred'
            cand --dtb 'The flattened device tree (/sys/firmware/fdt or a .dtb)'
            cand --cmdline 'A copy of /proc/cmdline'
            cand --modules 'A copy of /proc/modules'
            cand --kconfig 'The kernel config (.config or /proc/config.gz)'
            cand --sysfs-root 'A sysfs root: the live /sys or a copied tree'
            cand --sysmmu-regs 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem'
            cand --mem 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)'
            cand --hw-version 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --ssh 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read'
            cand --ssh-config 'An ssh configuration file (passed to ssh as `-F FILE`)'
            cand --ssh-option 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)'
            cand --remote-root 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel'
            cand --boot 'Analyse these inputs as one boot named NAME (repeatable; reported after the boots of the positional inputs). Several positional inputs that are each a directory, a bundle or a kernel log are each their own boot already; anything else given positionally or by flag forms one boot. A log that holds several boots gives one boot each (named INPUT#K); a number N picks one of them, as journalctl counts: 1 the first, 0 the last, -1 the one before the last'
            cand --format 'Output format'
            cand --fail-on 'Lowest severity that makes the exit code 1'
            cand -j 'Boots analysed at once [default: all cores]'
            cand --jobs 'Boots analysed at once [default: all cores]'
            cand --baseline 'Fail only on findings not in this baseline; list its entries that no longer occur'
            cand --write-baseline 'Record the current findings as the accepted baseline (the run then exits 0 unless an input was unusable)'
            cand --config 'Rule settings, ignores and board expectations [default: ./probescope.toml when present]'
            cand --color 'Colour the text and table output (`auto`: on a terminal, unless NO_COLOR is set or TERM=dumb)'
            cand --width 'Lay text out for N columns [default: the terminal''s width, then COLUMNS, then 80]'
            cand --mount-debugfs 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
            cand -v 'Show every evidence line and every device a root cause blocks (the text output shows the first few)'
            cand --verbose 'Show every evidence line and every device a root cause blocks (the text output shows the first few)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;why'= {
            cand --dmesg 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)'
            cand --devlink 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)'
            cand --deferred 'A copy of /sys/kernel/debug/devices_deferred'
            cand --dtb 'The flattened device tree (/sys/firmware/fdt or a .dtb)'
            cand --cmdline 'A copy of /proc/cmdline'
            cand --modules 'A copy of /proc/modules'
            cand --kconfig 'The kernel config (.config or /proc/config.gz)'
            cand --sysfs-root 'A sysfs root: the live /sys or a copied tree'
            cand --sysmmu-regs 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem'
            cand --mem 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)'
            cand --hw-version 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --ssh 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read'
            cand --ssh-config 'An ssh configuration file (passed to ssh as `-F FILE`)'
            cand --ssh-option 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)'
            cand --remote-root 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel'
            cand --at 'Analyse the state at this snapshot (e.g. `before-timeout`) or instant (`12.5s`: the log up to it, no later snapshot) instead of the end'
            cand --format 'Output format'
            cand --mount-debugfs 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
            cand --chain 'The chain of suppliers that gated the device''s bind, each with the instant it became ready (as `systemd-analyze critical-chain`); for a device that never bound, the chain of waits to what blocks it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;rules'= {
            cand --format 'Output format'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;explain'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'probescope;graph'= {
            cand --dmesg 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)'
            cand --devlink 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)'
            cand --deferred 'A copy of /sys/kernel/debug/devices_deferred'
            cand --dtb 'The flattened device tree (/sys/firmware/fdt or a .dtb)'
            cand --cmdline 'A copy of /proc/cmdline'
            cand --modules 'A copy of /proc/modules'
            cand --kconfig 'The kernel config (.config or /proc/config.gz)'
            cand --sysfs-root 'A sysfs root: the live /sys or a copied tree'
            cand --sysmmu-regs 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem'
            cand --mem 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)'
            cand --hw-version 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --ssh 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read'
            cand --ssh-config 'An ssh configuration file (passed to ssh as `-F FILE`)'
            cand --ssh-option 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)'
            cand --remote-root 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel'
            cand --device 'Show the graph around this device (kernel name, bus:name, DT path or sysfs path); repeat for several. Without it, the whole graph'
            cand --direction 'Which way from the devices [default: suppliers; the whole graph as a tree goes from the roots to their consumers]'
            cand --depth 'How many hops from the devices (default: no limit)'
            cand --format 'Output format'
            cand --show 'How to name devices (dev-needs.sh''s -c, -d, -m, -f views; paths is its default)'
            cand --kinds 'Follow only these kinds of edges (comma-separated or repeated; default: all)'
            cand --at 'Show the state at this snapshot (e.g. `before-timeout`) or instant (`12.5s`: the log up to it, no later snapshot) instead of the end'
            cand --mount-debugfs 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
            cand --parents 'Follow parent devices too: the nearest ancestor in /sys/devices with a driver bound, as dev-needs.sh does'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;sysmmu'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand regs 'Decode a register dump: version, layout, control bits, page-table base, faults'
            cand translate 'Walk IOVAs through the page table step by step, to a physical address or a fault'
            cand map 'List every mapping of the page table, with unreadable ranges and anomalies'
            cand fault 'Explain a fault (from the registers, or from the kernel''s fault lines with --log)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'probescope;sysmmu;regs'= {
            cand --regs 'Register dump: U-Boot md, devmem pairs, ADDR VALUE or NAME = VALUE lines, hexdump -C/xxd, the raw window, or a regs.json'
            cand --base 'Physical address of the register window (when the dump does not show it)'
            cand --hw-version 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it'
            cand --conventions 'Whose reading to apply where mainline and Samsung''s drivers differ'
            cand --format 'Output format'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;sysmmu;translate'= {
            cand --regs 'Register dump (gives version and PT base)'
            cand --mem 'Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable'
            cand --pt-base 'The lv1 table''s physical address, instead of (or overriding) the PT base register'
            cand --base 'Physical address of the register window (when the dump does not show it)'
            cand --hw-version 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it'
            cand --conventions 'Whose reading to apply where mainline and Samsung''s drivers differ'
            cand --format 'Output format'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --live 'Also read the live /dev/mem (bounded to 8 MiB of reads)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;sysmmu;map'= {
            cand --regs 'Register dump (gives version and PT base)'
            cand --mem 'Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable'
            cand --pt-base 'The lv1 table''s physical address, instead of (or overriding) the PT base register'
            cand --base 'Physical address of the register window (when the dump does not show it)'
            cand --hw-version 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it'
            cand --conventions 'Whose reading to apply where mainline and Samsung''s drivers differ'
            cand --format 'Output format'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --coalesce 'One row per leaf, or runs of one page size, or runs of any size'
            cand --live 'Also read the live /dev/mem (bounded to 8 MiB of reads)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;sysmmu;fault'= {
            cand --regs 'Register dump (INT_STATUS and the fault address registers)'
            cand --log 'A kernel log with SysMMU fault lines, instead of (or besides) the registers'
            cand --mem 'Page-table memory: FILE@0xBASE (raw dump), an ELF core (vmcore), or a memory.json; repeatable'
            cand --pt-base 'The lv1 table''s physical address, instead of (or overriding) the PT base register'
            cand --base 'Physical address of the register window (when the dump does not show it)'
            cand --hw-version 'Hardware version (e.g. 5.0, 7.4) when the dump has no MMU_VERSION, or to override it'
            cand --conventions 'Whose reading to apply where mainline and Samsung''s drivers differ'
            cand --format 'Output format'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --live 'Also read the live /dev/mem (bounded to 8 MiB of reads)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;sysmmu;help'= {
            cand regs 'Decode a register dump: version, layout, control bits, page-table base, faults'
            cand translate 'Walk IOVAs through the page table step by step, to a physical address or a fault'
            cand map 'List every mapping of the page table, with unreadable ranges and anomalies'
            cand fault 'Explain a fault (from the registers, or from the kernel''s fault lines with --log)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'probescope;sysmmu;help;regs'= {
        }
        &'probescope;sysmmu;help;translate'= {
        }
        &'probescope;sysmmu;help;map'= {
        }
        &'probescope;sysmmu;help;fault'= {
        }
        &'probescope;sysmmu;help;help'= {
        }
        &'probescope;collect'= {
            cand --ssh 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read'
            cand --ssh-config 'An ssh configuration file (passed to ssh as `-F FILE`)'
            cand --ssh-option 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)'
            cand --remote-root 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel'
            cand -o 'Where to write the bundle: a `.tar.gz`, or a new directory when the name ends with `/` or with --dir [default: probescope-HOST-TIME.tar.gz]'
            cand --output 'Where to write the bundle: a `.tar.gz`, or a new directory when the name ends with `/` or with --dir [default: probescope-HOST-TIME.tar.gz]'
            cand --sysmmu-regs 'Also read an Exynos SysMMU register window through /dev/mem with `devmem`, as NAME@BASE:SIZE (e.g. `g2d@0x10A60000:0x1000`); repeatable. Needs root on the target. Read only registers of a SysMMU whose power domain is on: an access to a powered-down block can hang the bus'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --mount-debugfs 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
            cand --dir 'Write the bundle as a plain directory instead of a .tar.gz'
            cand -q 'Show no progress (it shows only on a terminal anyway)'
            cand --quiet 'Show no progress (it shows only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'probescope;plan'= {
            cand --dmesg 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)'
            cand --devlink 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)'
            cand --deferred 'A copy of /sys/kernel/debug/devices_deferred'
            cand --dtb 'The flattened device tree (/sys/firmware/fdt or a .dtb)'
            cand --cmdline 'A copy of /proc/cmdline'
            cand --modules 'A copy of /proc/modules'
            cand --kconfig 'The kernel config (.config or /proc/config.gz)'
            cand --sysfs-root 'A sysfs root: the live /sys or a copied tree'
            cand --sysmmu-regs 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem'
            cand --mem 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)'
            cand --hw-version 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --ssh 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read'
            cand --ssh-config 'An ssh configuration file (passed to ssh as `-F FILE`)'
            cand --ssh-option 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)'
            cand --remote-root 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel'
            cand --boot 'Of a log that holds several boots, plan for boot N, as journalctl counts: 1 the first, 0 the last (the default), -1 the one before the last'
            cand --for 'Plan only for these consumers (kernel name, bus:name, DT path or sysfs path; repeatable)'
            cand --modules-dir 'A directory with the kernel''s modules.dep, modules.alias and modules.builtin (/lib/modules/RELEASE, or a root with lib/modules/RELEASE below it)'
            cand --format 'Output format'
            cand --mount-debugfs 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
            cand --check 'Analyse the same capture again with the plan applied (each planned IOMMU registered before its first consumer) and report which findings it clears (exit 1 when a race finding remains)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;diff'= {
            cand --boot 'Which boot of a log that holds several (twice with one input: good, then bad), as journalctl counts: 1 the first, 0 the last, -1 the one before the last'
            cand --threshold 'Seconds a bind may come later before it counts as a timing regression'
            cand --format 'Output format'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;watch'= {
            cand --input 'Follow this stream instead of /dev/kmsg: a FIFO, a serial console or pty, standard input (`-`), or a file (read to its end); a kernel log in any form `check` reads'
            cand --ssh 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read'
            cand --ssh-config 'An ssh configuration file (passed to ssh as `-F FILE`)'
            cand --ssh-option 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)'
            cand --remote-root 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel'
            cand --margin 'Seconds to wait past the settle point before ending'
            cand --quiet 'With --until-settled: seconds without probe activity or module load that mean nothing more comes (default: the kernel''s default deferred-probe timeout, the time it gives user space to load supplier modules; an IOMMU module loaded after the timeout is waited for)'
            cand --fail-on 'Lowest severity that makes the exit code 1'
            cand --config 'Rule settings, ignores and board expectations [default: ./probescope.toml when present]'
            cand --color 'Colour the text output (`auto`: on a terminal, unless NO_COLOR is set or TERM=dumb)'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --format 'Output format'
            cand --width 'Lay text out for N columns [default: the terminal''s width, then COLUMNS, then 80]'
            cand --until-settled 'End once the boot has settled: the deferred-probe timeout (from the command line, else the kernel''s default) has passed since the last probe activity, or its work was seen, and no probe activity or module load came for --quiet seconds, plus --margin; then print the final report and exit with check''s exit code'
            cand -v 'Show every evidence line and every device a root cause blocks (the text output shows the first few)'
            cand --verbose 'Show every evidence line and every device a root cause blocks (the text output shows the first few)'
            cand --mount-debugfs 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;timeline'= {
            cand --dmesg 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)'
            cand --devlink 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)'
            cand --deferred 'A copy of /sys/kernel/debug/devices_deferred'
            cand --dtb 'The flattened device tree (/sys/firmware/fdt or a .dtb)'
            cand --cmdline 'A copy of /proc/cmdline'
            cand --modules 'A copy of /proc/modules'
            cand --kconfig 'The kernel config (.config or /proc/config.gz)'
            cand --sysfs-root 'A sysfs root: the live /sys or a copied tree'
            cand --sysmmu-regs 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem'
            cand --mem 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)'
            cand --hw-version 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --ssh 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read'
            cand --ssh-config 'An ssh configuration file (passed to ssh as `-F FILE`)'
            cand --ssh-option 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)'
            cand --remote-root 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel'
            cand --boot 'Which boots: `NAME=PATH[,PATH...]` analyses these inputs as one boot named NAME (repeatable, as for `check`); a number N picks one boot of each log that holds several, as journalctl counts: 1 the first, 0 the last, -1 the one before the last'
            cand -o 'Write the page or picture to FILE instead of standard output'
            cand --output 'Write the page or picture to FILE instead of standard output'
            cand --format 'Output format'
            cand --mount-debugfs 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;blame'= {
            cand --dmesg 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)'
            cand --devlink 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)'
            cand --deferred 'A copy of /sys/kernel/debug/devices_deferred'
            cand --dtb 'The flattened device tree (/sys/firmware/fdt or a .dtb)'
            cand --cmdline 'A copy of /proc/cmdline'
            cand --modules 'A copy of /proc/modules'
            cand --kconfig 'The kernel config (.config or /proc/config.gz)'
            cand --sysfs-root 'A sysfs root: the live /sys or a copied tree'
            cand --sysmmu-regs 'A SysMMU register dump (any form `sysmmu regs` reads); SysMMU faults in the log are then walked through the page tables of --mem'
            cand --mem 'Physical memory holding the SysMMU page tables: `FILE@0xBASE`, an ELF core, or a memory.json (repeatable)'
            cand --hw-version 'SysMMU hardware version (e.g. 5.0, 7.4) for --sysmmu-regs dumps that have no MMU_VERSION, or to override it (as `sysmmu --hw-version`)'
            cand --max-input-bytes 'Most bytes read from one input after decompression (K, M, G suffixes; default 256M); an input cut there is analysed as far as it goes and says so. Same as --limit input-bytes=SIZE'
            cand --limit 'Set a cap of the input policy (repeatable), e.g. `--limit records=8M`; `--limit help` lists every cap with its default (as `probescope limits` does)'
            cand --ssh 'Collect from HOST over SSH (`host`, `user@host` or an ssh_config alias), with the system `ssh`, so ~/.ssh/config, agents, jump hosts and ControlMaster apply. Without it, this machine is read'
            cand --ssh-config 'An ssh configuration file (passed to ssh as `-F FILE`)'
            cand --ssh-option 'An ssh option (passed to ssh as `-o KEY=VALUE`); repeatable; wins over probescope''s own (BatchMode=yes, ConnectTimeout=10)'
            cand --remote-root 'Read every path below DIR on the target instead of below `/` (DIR/sys/..., DIR/dev/kmsg, DIR/proc/cmdline): for testing, and for a chroot or a board''s root filesystem mounted elsewhere. `dmesg` and `uname` are then not used, since they describe the running kernel'
            cand --boot 'Which boots: `NAME=PATH[,PATH...]` analyses these inputs as one boot named NAME (repeatable, as for `check`); a number N picks one boot of each log that holds several, as journalctl counts: 1 the first, 0 the last, -1 the one before the last'
            cand --top 'How many of the slowest probes and initcalls to list'
            cand --format 'Output format'
            cand --width 'Lay tables out for N columns (default: the terminal''s width, else COLUMNS, else 80)'
            cand --mount-debugfs 'Mount debugfs when it is not mounted (and unmount it after) to read devices_deferred; needs root on the target. Otherwise nothing is ever written or mounted there'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;limits'= {
            cand --markdown 'Print the README''s Markdown table instead of the terminal listing'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'probescope;generate'= {
            cand --out 'Directory that receives `completions/`, `man/` and `schema/`'
            cand --check 'Only compare with what is there; exit 1 when anything is stale'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'probescope;help'= {
            cand check 'Analyse one or many boots'' evidence and report findings (exit 1 when any reaches --fail-on)'
            cand why 'Explain why a device is deferred, unbound or late: the chain to what really blocks it'
            cand rules 'List every rule: code, name, default severity, summary'
            cand explain 'Print a rule''s explanation: what it detects, why it matters, how to fix it'
            cand graph 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)'
            cand sysmmu 'Decode Exynos SysMMU register and memory dumps'
            cand collect 'Capture one boot''s evidence (locally or over SSH) into a bundle'
            cand plan 'Plan what prevents each IOMMU race: the modules to load first, in order, and boot settings'
            cand diff 'Compare a good and a bad boot: lost binds, new deferrals and findings, order and timing'
            cand watch 'Follow a booting kernel''s log (/dev/kmsg, locally or over SSH, or a stream) and report each finding the moment it is certain'
            cand timeline 'Draw the boot on its time line: a self-contained HTML page (zoom, filter) or an SVG'
            cand blame 'Where probing time went: slowest probes and initcalls, deferral waits, late binds'
            cand limits 'List the caps every input is read under: default, the flag that raises it, what happens at it'
            cand generate 'Write shell completions and man pages (for packaging; output is committed)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'probescope;help;check'= {
        }
        &'probescope;help;why'= {
        }
        &'probescope;help;rules'= {
        }
        &'probescope;help;explain'= {
        }
        &'probescope;help;graph'= {
        }
        &'probescope;help;sysmmu'= {
            cand regs 'Decode a register dump: version, layout, control bits, page-table base, faults'
            cand translate 'Walk IOVAs through the page table step by step, to a physical address or a fault'
            cand map 'List every mapping of the page table, with unreadable ranges and anomalies'
            cand fault 'Explain a fault (from the registers, or from the kernel''s fault lines with --log)'
        }
        &'probescope;help;sysmmu;regs'= {
        }
        &'probescope;help;sysmmu;translate'= {
        }
        &'probescope;help;sysmmu;map'= {
        }
        &'probescope;help;sysmmu;fault'= {
        }
        &'probescope;help;collect'= {
        }
        &'probescope;help;plan'= {
        }
        &'probescope;help;diff'= {
        }
        &'probescope;help;watch'= {
        }
        &'probescope;help;timeline'= {
        }
        &'probescope;help;blame'= {
        }
        &'probescope;help;limits'= {
        }
        &'probescope;help;generate'= {
        }
        &'probescope;help;help'= {
        }
    ]
    $completions[$command]
}
