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
complete -c probescope -n "__fish_probescope_needs_command" -f -a "check" -d 'Analyse one boot\'s evidence and report findings (exit 1 when any reaches --fail-on)'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "why" -d 'Explain why a device is deferred, unbound or late: the chain to what really blocks it'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "rules" -d 'List every rule: code, name, default severity, summary'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "explain" -d 'Print a rule\'s explanation: what it detects, why it matters, how to fix it'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "sysmmu" -d 'Decode Exynos SysMMU register and memory dumps'
complete -c probescope -n "__fish_probescope_needs_command" -f -a "collect" -d 'Capture one boot\'s evidence (locally or over SSH) into a bundle'
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
complete -c probescope -n "__fish_probescope_using_subcommand check" -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c probescope -n "__fish_probescope_using_subcommand check" -l fail-on -d 'Lowest severity that makes the exit code 1' -r -f -a "info\t''
warning\t''
error\t''
never\t''"
complete -c probescope -n "__fish_probescope_using_subcommand check" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand why" -l dmesg -d 'A kernel log (any format: dmesg, dmesg -r/-x/-T, /dev/kmsg, journalctl, serial capture)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l devlink -d 'A /sys/class/devlink text dump (`grep -r . /sys/class/devlink/*/` plus symlink lines)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l deferred -d 'A copy of /sys/kernel/debug/devices_deferred' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l dtb -d 'The flattened device tree (/sys/firmware/fdt or a .dtb)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l cmdline -d 'A copy of /proc/cmdline' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l modules -d 'A copy of /proc/modules' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l kconfig -d 'The kernel config (.config or /proc/config.gz)' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l sysfs-root -d 'A sysfs root: the live /sys or a copied tree' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand why" -l at -d 'Analyse the state at this snapshot (e.g. `before-timeout`) instead of the end' -r
complete -c probescope -n "__fish_probescope_using_subcommand why" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c probescope -n "__fish_probescope_using_subcommand why" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand rules" -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c probescope -n "__fish_probescope_using_subcommand rules" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand explain" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand sysmmu" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand collect" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand generate" -l out -d 'Directory that receives `completions/` and `man/`' -r -F
complete -c probescope -n "__fish_probescope_using_subcommand generate" -l check -d 'Only compare with what is there; exit 1 when anything is stale'
complete -c probescope -n "__fish_probescope_using_subcommand generate" -s h -l help -d 'Print help'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain sysmmu collect generate help" -f -a "check" -d 'Analyse one boot\'s evidence and report findings (exit 1 when any reaches --fail-on)'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain sysmmu collect generate help" -f -a "why" -d 'Explain why a device is deferred, unbound or late: the chain to what really blocks it'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain sysmmu collect generate help" -f -a "rules" -d 'List every rule: code, name, default severity, summary'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain sysmmu collect generate help" -f -a "explain" -d 'Print a rule\'s explanation: what it detects, why it matters, how to fix it'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain sysmmu collect generate help" -f -a "sysmmu" -d 'Decode Exynos SysMMU register and memory dumps'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain sysmmu collect generate help" -f -a "collect" -d 'Capture one boot\'s evidence (locally or over SSH) into a bundle'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain sysmmu collect generate help" -f -a "generate" -d 'Write shell completions and man pages (for packaging; output is committed)'
complete -c probescope -n "__fish_probescope_using_subcommand help; and not __fish_seen_subcommand_from check why rules explain sysmmu collect generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
