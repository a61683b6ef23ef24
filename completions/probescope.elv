
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
            cand why 'Explain why a device is deferred, unbound or late: the chain to what really blocks it'
            cand rules 'List every rule: code, name, default severity, summary'
            cand explain 'Print a rule''s explanation: what it detects, why it matters, how to fix it'
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
        &'probescope;why'= {
            cand --dmesg 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)'
            cand --devlink 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)'
            cand --deferred 'A copy of /sys/kernel/debug/devices_deferred'
            cand --dtb 'The flattened device tree (/sys/firmware/fdt or a .dtb)'
            cand --cmdline 'A copy of /proc/cmdline'
            cand --modules 'A copy of /proc/modules'
            cand --kconfig 'The kernel config (.config or /proc/config.gz)'
            cand --sysfs-root 'A sysfs root: the live /sys or a copied tree'
            cand --at 'Analyse the state at this snapshot (e.g. `before-timeout`) instead of the end'
            cand --format 'Output format'
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
            cand why 'Explain why a device is deferred, unbound or late: the chain to what really blocks it'
            cand rules 'List every rule: code, name, default severity, summary'
            cand explain 'Print a rule''s explanation: what it detects, why it matters, how to fix it'
            cand sysmmu 'Decode Exynos SysMMU register and memory dumps'
            cand collect 'Capture one boot''s evidence (locally or over SSH) into a bundle'
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
