//! The collection script sent to an SSH target: fixed text (`collect.sh`) after a preamble of
//! single-quoted assignments. Nothing the user typed or the target holds is spliced into the
//! script's code; values arrive only as quoted literals.

use super::target::RegisterRange;

/// The fixed part of the script.
pub const SCRIPT_BODY: &str = include_str!("collect.sh");

/// What the preamble sets.
#[derive(Clone, Debug)]
pub struct ScriptParams<'a> {
    pub boundary: &'a str,
    /// `--remote-root`, absolute, without a trailing `/` (`None` for `/`).
    pub root: Option<&'a str>,
    pub mount_debugfs: bool,
    pub windows: &'a [RegisterRange],
}

/// The whole script.
pub fn render(params: &ScriptParams<'_>) -> String {
    let windows: String = params
        .windows
        .iter()
        .map(|window| format!("{} {} {}\n", window.name, window.base, window.size))
        .collect();
    format!(
        "B={}\nR={}\nMOUNT_DEBUGFS={}\nWINDOWS={}\n{}",
        shell_quote(params.boundary),
        shell_quote(params.root.unwrap_or("")),
        if params.mount_debugfs { "1" } else { "0" },
        shell_quote(&windows),
        SCRIPT_BODY
    )
}

/// `text` as one POSIX shell word: single quotes, each `'` written as `'\''`.
pub fn shell_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn shell_echo(word: &str) -> String {
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s' {}", shell_quote(word)))
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn quoting_survives_the_shell() {
        for word in [
            "",
            "plain",
            "it's",
            "$(reboot)",
            "`id`; rm -rf /",
            "a\nb",
            "'''",
            "\\",
        ] {
            assert_eq!(shell_echo(word), word);
        }
    }

    #[test]
    fn preamble_sets_the_values() {
        let windows = [RegisterRange {
            name: "g2d".into(),
            base: 0x1000,
            size: 8,
        }];
        let script = render(&ScriptParams {
            boundary: "@@b",
            root: Some("/tmp/it's here"),
            mount_debugfs: true,
            windows: &windows,
        });
        assert!(
            script.starts_with("B='@@b'\nR='/tmp/it'\\''s here'\nMOUNT_DEBUGFS=1\nWINDOWS='g2d 4096 8\n'\n")
        );
        assert!(script.ends_with("ps_main </dev/null\n"));
    }
}
