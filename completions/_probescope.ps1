
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
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Analyse one boot''s evidence and report findings (exit 1 when any reaches --fail-on)')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List every rule: code, name, default severity, summary')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print a rule''s explanation: what it detects, why it matters, how to fix it')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)')
            [CompletionResult]::new('sysmmu', 'sysmmu', [CompletionResultType]::ParameterValue, 'Decode Exynos SysMMU register and memory dumps')
            [CompletionResult]::new('collect', 'collect', [CompletionResultType]::ParameterValue, 'Capture one boot''s evidence (locally or over SSH) into a bundle')
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
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest severity that makes the exit code 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'probescope;rules' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
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
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Show the graph around this device (kernel name, bus:name, DT path or sysfs path); repeat for several. Without it, the whole graph')
            [CompletionResult]::new('--direction', '--direction', [CompletionResultType]::ParameterName, 'Which way from the devices [default: suppliers; the whole graph as a tree goes from the roots to their consumers]')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many hops from the devices (default: no limit)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--show', '--show', [CompletionResultType]::ParameterName, 'How to name devices (dev-needs.sh''s -c, -d, -m, -f views; paths is its default)')
            [CompletionResult]::new('--kinds', '--kinds', [CompletionResultType]::ParameterName, 'Follow only these kinds of edges (comma-separated or repeated; default: all)')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'Show the state at this snapshot (e.g. `before-timeout`) instead of the end')
            [CompletionResult]::new('--parents', '--parents', [CompletionResultType]::ParameterName, 'Follow parent devices too: the nearest ancestor in /sys/devices with a driver bound, as dev-needs.sh does')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'probescope;sysmmu' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'probescope;collect' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'probescope;generate' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory that receives `completions/` and `man/`')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Only compare with what is there; exit 1 when anything is stale')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'probescope;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Analyse one boot''s evidence and report findings (exit 1 when any reaches --fail-on)')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List every rule: code, name, default severity, summary')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print a rule''s explanation: what it detects, why it matters, how to fix it')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Show the supplier graph, whole or around devices (tree, DOT, Mermaid, JSON, tsort pairs)')
            [CompletionResult]::new('sysmmu', 'sysmmu', [CompletionResultType]::ParameterValue, 'Decode Exynos SysMMU register and memory dumps')
            [CompletionResult]::new('collect', 'collect', [CompletionResultType]::ParameterValue, 'Capture one boot''s evidence (locally or over SSH) into a bundle')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packaging; output is committed)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'probescope;help;check' {
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
            break
        }
        'probescope;help;collect' {
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
