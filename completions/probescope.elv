
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
            cand check 'Analyse one boot''s evidence and report findings (exit 1 when any reaches --fail-on)'
            cand rules 'List every rule: code, name, default severity, summary'
            cand explain 'Print a rule''s explanation: what it detects, why it matters, how to fix it'
            cand graph 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)'
            cand sysmmu 'Decode Exynos SysMMU register and memory dumps'
            cand collect 'Capture one boot''s evidence (locally or over SSH) into a bundle'
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
            cand --format 'Output format'
            cand --fail-on 'Lowest severity that makes the exit code 1'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'probescope;rules'= {
            cand --format 'Output format'
            cand -h 'Print help'
            cand --help 'Print help'
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
            cand --device 'Show the graph around this device (kernel name, bus:name, DT path or sysfs path); repeat for several. Without it, the whole graph'
            cand --direction 'Which way from the devices [default: suppliers; the whole graph as a tree goes from the roots to their consumers]'
            cand --depth 'How many hops from the devices (default: no limit)'
            cand --format 'Output format'
            cand --show 'How to name devices (dev-needs.sh''s -c, -d, -m, -f views; paths is its default)'
            cand --kinds 'Follow only these kinds of edges (comma-separated or repeated; default: all)'
            cand --at 'Show the state at this snapshot (e.g. `before-timeout`) instead of the end'
            cand --parents 'Follow parent devices too: the nearest ancestor in /sys/devices with a driver bound, as dev-needs.sh does'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'probescope;sysmmu'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'probescope;collect'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'probescope;generate'= {
            cand --out 'Directory that receives `completions/` and `man/`'
            cand --check 'Only compare with what is there; exit 1 when anything is stale'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'probescope;help'= {
            cand check 'Analyse one boot''s evidence and report findings (exit 1 when any reaches --fail-on)'
            cand rules 'List every rule: code, name, default severity, summary'
            cand explain 'Print a rule''s explanation: what it detects, why it matters, how to fix it'
            cand graph 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)'
            cand sysmmu 'Decode Exynos SysMMU register and memory dumps'
            cand collect 'Capture one boot''s evidence (locally or over SSH) into a bundle'
            cand generate 'Write shell completions and man pages (for packaging; output is committed)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'probescope;help;check'= {
        }
        &'probescope;help;rules'= {
        }
        &'probescope;help;explain'= {
        }
        &'probescope;help;graph'= {
        }
        &'probescope;help;sysmmu'= {
        }
        &'probescope;help;collect'= {
        }
        &'probescope;help;generate'= {
        }
        &'probescope;help;help'= {
        }
    ]
    $completions[$command]
}
