//! The context that makes the evidence exact: `/proc/cmdline`, `/proc/modules`, the kernel
//! config (`.config`, `/proc/config.gz`), `uname -r`.

use super::lines::for_each_line;
use crate::error::{InputError, Location};
use crate::model::{Origin, SourceName};
use std::collections::BTreeMap;
use std::io::BufRead;

pub use crate::model::context::{Cmdline, KernelConfig, ModuleEntry};

/// One `param[=value]` of a command line, quotes removed as the kernel removes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmdlineParam {
    pub name: String,
    pub value: Option<String>,
}

/// Splits a command line the way the kernel's `next_arg()` (lib/cmdline.c) does: words
/// separated by whitespace, a `"` toggles quoting (so `dyndbg="file a.c +p"` is one word), the
/// quotes around a value (or around the whole word) are dropped. Stops at `--` (the rest is
/// for init).
pub fn split_cmdline(text: &str) -> Vec<CmdlineParam> {
    let mut params = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    while at < chars.len() {
        while at < chars.len() && chars[at].is_whitespace() {
            at += 1;
        }
        if at >= chars.len() {
            break;
        }
        let mut in_quote = false;
        let mut quoted = false;
        if chars[at] == '"' {
            at += 1;
            in_quote = true;
            quoted = true;
        }
        let start = at;
        let mut equals = None;
        while at < chars.len() {
            let c = chars[at];
            if c.is_whitespace() && !in_quote {
                break;
            }
            if equals.is_none() && c == '=' {
                equals = Some(at);
            }
            if c == '"' {
                in_quote = !in_quote;
            }
            at += 1;
        }
        let mut end = at;
        if quoted && end > start && chars[end - 1] == '"' {
            end -= 1;
        }
        let (name, value) = match equals.filter(|&e| e < end) {
            None => (chars[start..end].iter().collect::<String>(), None),
            Some(e) => {
                let mut value_start = e + 1;
                let mut value_end = end;
                if value_start < value_end && chars[value_start] == '"' {
                    value_start += 1;
                    if value_end > value_start && chars[value_end - 1] == '"' {
                        value_end -= 1;
                    }
                }
                (
                    chars[start..e].iter().collect::<String>(),
                    Some(chars[value_start..value_end.max(value_start)].iter().collect()),
                )
            }
        };
        if name == "--" && value.is_none() {
            break;
        }
        params.push(CmdlineParam { name, value });
    }
    params
}

/// The kernel compares parameter names with `-` and `_` equal (`parameq()`, kernel/params.c).
fn normalise_param(name: &str) -> String {
    name.replace('-', "_")
}

/// A kernel bool as `kstrtobool()` (lib/kstrtox.c) reads it, by the first one or two
/// characters: `y`, `t`, `e` (enable), `1`, `on` true; `n`, `f`, `d` (disable), `0`, `off` false.
pub fn kernel_bool(text: &str) -> Option<bool> {
    let mut chars = text.chars();
    match chars.next()? {
        'y' | 'Y' | 't' | 'T' | 'e' | 'E' | '1' => Some(true),
        'n' | 'N' | 'f' | 'F' | 'd' | 'D' | '0' => Some(false),
        'o' | 'O' => match chars.next()? {
            'n' | 'N' => Some(true),
            'f' | 'F' => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Reads `/proc/cmdline` (the first non-empty line). Later occurrences of a parameter
/// override earlier ones, as each `early_param` handler call does; lists accumulate.
pub fn parse_cmdline(source: &SourceName, text: &str) -> Cmdline {
    let (number, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.trim()))
        .unwrap_or((1, ""));
    let mut cmdline = Cmdline {
        origin: Some(Origin::new(source, u32::try_from(number).unwrap_or(u32::MAX))),
        text: line.to_string(),
        ..Cmdline::default()
    };
    let list = |value: &Option<String>| -> Vec<String> {
        value
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    for param in split_cmdline(line) {
        match normalise_param(&param.name).as_str() {
            "fw_devlink" => {
                if let Some(value) = param.value {
                    cmdline.fw_devlink = Some(value);
                }
            }
            // fw_devlink_strict_setup(): kstrtobool(arg), a bare word (NULL arg) is ignored.
            "fw_devlink.strict" => {
                if let Some(value) = param.value.as_deref().and_then(kernel_bool) {
                    cmdline.fw_devlink_strict = Some(value);
                }
            }
            "fw_devlink.sync_state" => {
                if let Some(value) = param.value {
                    cmdline.fw_devlink_sync_state = Some(value);
                }
            }
            // deferred_probe_timeout_setup(): kstrtoint(str, 10, ...), ignored when invalid.
            "deferred_probe_timeout" => {
                if let Some(value) = param.value.as_deref().and_then(|v| v.trim().parse::<i32>().ok()) {
                    cmdline.deferred_probe_timeout = Some(i64::from(value));
                }
            }
            // core_param(initcall_debug, bool): a bare word sets it.
            "initcall_debug" => {
                cmdline.initcall_debug = match param.value.as_deref() {
                    None | Some("") => true,
                    Some(v) => kernel_bool(v).unwrap_or(cmdline.initcall_debug),
                };
            }
            "initcall_blacklist" => cmdline.initcall_blacklist.extend(list(&param.value)),
            "module_blacklist" | "modprobe.blacklist" => cmdline.module_blacklist.extend(list(&param.value)),
            _ => {}
        }
    }
    cmdline
}

/// Reads `/proc/modules`: `name size refcount deps state address [(taints)]`.
pub fn parse_modules(source: &SourceName, reader: impl BufRead) -> (Vec<ModuleEntry>, Vec<InputError>) {
    let mut modules = Vec::new();
    let mut errors = Vec::new();
    let read_error = for_each_line(source, reader, |number, line| {
        if line.trim().is_empty() {
            return;
        }
        match parse_module_line(line) {
            Some((name, size, used_by, state, taints)) => modules.push(ModuleEntry {
                origin: Origin::new(source, number),
                name,
                size,
                used_by,
                state,
                taints,
            }),
            None => errors.push(
                InputError::new(
                    &**source,
                    Location::Line(number),
                    "a /proc/modules line: name size refcount deps state address [(taints)]",
                )
                .found(line),
            ),
        }
    });
    errors.extend(read_error);
    (modules, errors)
}

type ModuleFields = (String, u64, Vec<String>, String, Option<String>);

pub(crate) fn parse_module_line(line: &str) -> Option<ModuleFields> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let [name, size, refcount, deps, state, rest @ ..] = words.as_slice() else {
        return None;
    };
    let size = size.parse::<u64>().ok()?;
    // The reference count is `-` when the module cannot be unloaded (no module_exit).
    if *refcount != "-" && refcount.parse::<i64>().is_err() {
        return None;
    }
    if !matches!(*state, "Live" | "Loading" | "Unloading") {
        return None;
    }
    let used_by = deps
        .split(',')
        .map(str::trim)
        // `-` = none; `[permanent]` / `[unsafe]` are flags, not modules.
        .filter(|d| !d.is_empty() && *d != "-" && !d.starts_with('['))
        .map(str::to_string)
        .collect();
    let taints = rest
        .iter()
        .find_map(|w| w.strip_prefix('(').and_then(|w| w.strip_suffix(')')))
        .map(str::to_string);
    Some((name.to_string(), size, used_by, state.to_string(), taints))
}

/// Reads a kernel config. Values are stored unquoted (`CONFIG_CMDLINE="a b"` -> `a b`);
/// `# CONFIG_X is not set` is stored as `n`.
pub fn parse_kconfig(source: &SourceName, reader: impl BufRead) -> (KernelConfig, Vec<InputError>) {
    let mut config = KernelConfig {
        origin: Some(Origin::file_only(source)),
        options: BTreeMap::new(),
    };
    let mut errors = Vec::new();
    let read_error = for_each_line(source, reader, |number, line| {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(option) = comment
                .trim()
                .strip_suffix(" is not set")
                .filter(|o| o.starts_with("CONFIG_"))
            {
                config.options.insert(option.to_string(), "n".to_string());
            }
            return;
        }
        match line.split_once('=') {
            Some((option, value)) if option.starts_with("CONFIG_") => {
                config.options.insert(option.to_string(), unquote_config(value));
            }
            _ => errors.push(
                InputError::new(
                    &**source,
                    Location::Line(number),
                    "`CONFIG_X=value` or `# CONFIG_X is not set`",
                )
                .found(line),
            ),
        }
    });
    errors.extend(read_error);
    (config, errors)
}

fn unquote_config(value: &str) -> String {
    let value = value.trim();
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(escaped) = chars.next() {
                        out.push(escaped);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => value.to_string(),
    }
}

/// Whether `word` looks like a kernel release (`6.1.0-56-arm64`, `5.10.234-android12-9`,
/// `6.14.0-rc3+`): `major.minor.patch...` or `major.minor` followed by `-`/`+` and more.
pub fn looks_like_release(word: &str) -> bool {
    let mut parts = word.splitn(3, '.');
    let (Some(major), Some(minor_and_more)) = (parts.next(), parts.next()) else {
        return false;
    };
    if major.is_empty() || major.len() > 2 || !major.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let minor: String = minor_and_more
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if minor.is_empty() || minor.len() > 3 {
        return false;
    }
    let after_minor = &minor_and_more[minor.len()..];
    let patch_follows = parts
        .next()
        .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_digit()));
    let suffix_follows = after_minor.starts_with(['-', '+']) && after_minor.len() > 1;
    (patch_follows && after_minor.is_empty() || suffix_follows)
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+~".contains(c))
}

/// The kernel release in `uname -r`, `uname -a` (`Linux host 6.1.0-56-arm64 #1 ...`) or
/// `/proc/version` (`Linux version 6.1.0-56-arm64 (...) ...`) output.
pub fn parse_uname(text: &str) -> Option<String> {
    let line = text.lines().find(|l| !l.trim().is_empty())?.trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    let release = match words.as_slice() {
        [release] => *release,
        ["Linux", "version", release, ..] => *release,
        ["Linux", _host, release, ..] => *release,
        _ => return None,
    };
    looks_like_release(release).then(|| release.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> String {
        std::fs::read_to_string(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn source() -> SourceName {
        "cmdline.txt".into()
    }

    #[test]
    fn reads_the_strict_scenario_command_line() {
        let text = fixture("qemu/smmuv3-6.1/S3-strict-late/cmdline.txt");
        let c = parse_cmdline(&source(), &text);
        assert_eq!(c.fw_devlink_strict, Some(true));
        assert_eq!(c.deferred_probe_timeout, Some(5));
        assert_eq!(c.initcall_blacklist, ["arm_smmu_driver_init"]);
        assert!(!c.initcall_debug);
        assert_eq!(c.fw_devlink, None);
        assert_eq!(c.origin.unwrap().line, 1);
    }

    #[test]
    fn quotes_dashes_and_kernel_bools() {
        let c = parse_cmdline(
            &source(),
            "dyndbg=\"file drivers/base/core.c +p; file drivers/base/dd.c +p\" fw-devlink.strict=on \
             initcall_debug deferred_probe_timeout=-1 fw_devlink=rpm \"module_blacklist=a,b\" \
             modprobe.blacklist=c initcall_blacklist=x,y initcall_blacklist=z -- fw_devlink=off",
        );
        assert_eq!(c.fw_devlink_strict, Some(true));
        assert!(c.initcall_debug);
        assert_eq!(c.deferred_probe_timeout, Some(-1));
        assert_eq!(c.fw_devlink.as_deref(), Some("rpm"));
        assert_eq!(c.module_blacklist, ["a", "b", "c"]);
        assert_eq!(c.initcall_blacklist, ["x", "y", "z"]);

        let params = split_cmdline("dyndbg=\"file a.c +p\" x");
        assert_eq!(params[0].value.as_deref(), Some("file a.c +p"));
        assert_eq!(params[1].name, "x");
    }

    #[test]
    fn kernel_bool_reads_like_kstrtobool() {
        for yes in ["1", "y", "Y", "yes", "on", "true"] {
            assert_eq!(kernel_bool(yes), Some(true), "{yes}");
        }
        for no in ["0", "n", "N", "off", "false"] {
            assert_eq!(kernel_bool(no), Some(false), "{no}");
        }
        assert_eq!(kernel_bool("maybe"), None);
        assert_eq!(kernel_bool("o"), None);
        let c = parse_cmdline(&source(), "fw_devlink.strict fw_devlink.strict=maybe");
        assert_eq!(c.fw_devlink_strict, None);
        let c = parse_cmdline(&source(), "fw_devlink.strict=1 fw_devlink.strict=0");
        assert_eq!(c.fw_devlink_strict, Some(false));
    }

    #[test]
    fn reads_proc_modules_with_taints_and_flags() {
        let text = fixture("qemu/smmuv3-6.1/S3-strict-late/modules.txt");
        let (modules, errors) = parse_modules(&source(), text.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(modules.len(), 9);
        assert_eq!(modules[0].name, "arm_smmu_v3_mod");
        assert_eq!(modules[0].taints.as_deref(), Some("OE"));
        let failover = modules.iter().find(|m| m.name == "net_failover").unwrap();
        assert_eq!(failover.used_by, ["virtio_net"]);
        assert_eq!(failover.state, "Live");
        assert_eq!(failover.size, 20480);

        let text = fixture("qemu/exynos-6.12/E1-exynos-early/modules.txt");
        let (modules, errors) = parse_modules(&source(), text.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        let exynos = modules.iter().find(|m| m.name == "exynos_iommu").unwrap();
        assert!(exynos.used_by.is_empty());

        let (_, errors) = parse_modules(&source(), "not a module line\n".as_bytes());
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn reads_kconfig() {
        let text = "#\n# Automatically generated file; DO NOT EDIT.\n#\nCONFIG_MODULES=y\n\
                    # CONFIG_EXYNOS_IOMMU is not set\nCONFIG_CMDLINE=\"console=ttyS0 \\\"q\\\"\"\n\
                    CONFIG_ARM_SMMU_V3=m\n";
        let (config, errors) = parse_kconfig(&source(), text.as_bytes());
        assert!(errors.is_empty());
        assert_eq!(config.get("CONFIG_MODULES"), Some("y"));
        assert_eq!(config.get("CONFIG_EXYNOS_IOMMU"), Some("n"));
        assert_eq!(config.get("CONFIG_ARM_SMMU_V3"), Some("m"));
        assert_eq!(config.get("CONFIG_CMDLINE"), Some("console=ttyS0 \"q\""));
    }

    #[test]
    fn reads_every_uname_form() {
        let text = fixture("qemu/smmuv3-6.1/S3-strict-late/uname.txt");
        assert_eq!(parse_uname(&text).as_deref(), Some("6.1.0-56-arm64"));
        assert_eq!(parse_uname("6.14.0-rc3+\n").as_deref(), Some("6.14.0-rc3+"));
        assert_eq!(
            parse_uname("Linux version 5.10.234-android12-9 (build@host) #1 SMP\n").as_deref(),
            Some("5.10.234-android12-9")
        );
        assert_eq!(parse_uname("24.4\n"), None);
        assert_eq!(parse_uname("hello world\n"), None);
    }
}
