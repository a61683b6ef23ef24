//! What the kernel's module tables say (`modules.dep`, `modules.alias`, `modules.builtin` of
//! `/lib/modules/RELEASE/`, as `depmod` writes them): which modules exist, what each needs
//! first, which device aliases each serves, and which are built in. Read by `ingest::modules`.

use super::Origin;
use std::collections::BTreeMap;

/// A module name as the kernel spells it in `/proc/modules` (`-` in file names becomes `_`,
/// as `KBUILD_MODNAME` does).
pub fn module_name(text: &str) -> String {
    text.replace('-', "_")
}

/// One `alias PATTERN MODULE` line of `modules.alias`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleAlias {
    /// A shell glob over a modalias (`of:N*T*Carm,smmu-v3C*`).
    pub pattern: String,
    pub module: String,
    pub origin: Origin,
}

/// The module tables of one kernel release.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleTables {
    /// `modules.dep`: module → the modules it needs, in the order modprobe loads them
    /// (the last one first), and where the line is.
    pub deps: BTreeMap<String, (Vec<String>, Origin)>,
    pub aliases: Vec<ModuleAlias>,
    /// `modules.builtin`: modules built into the kernel image, and where each is listed.
    pub builtin: BTreeMap<String, Origin>,
    /// Which of the three files were read (for notes).
    pub read: Vec<String>,
}

impl ModuleTables {
    pub fn is_empty(&self) -> bool {
        self.deps.is_empty() && self.aliases.is_empty() && self.builtin.is_empty()
    }

    /// The modules whose alias pattern matches `modalias`, with the alias line.
    pub fn matching(&self, modalias: &str) -> Vec<&ModuleAlias> {
        self.aliases
            .iter()
            .filter(|alias| glob_matches(&alias.pattern, modalias))
            .collect()
    }
}

/// Whether `text` matches the shell glob `pattern` (`*`, `?`, `[...]`, `[!...]`), as
/// modprobe's `fnmatch()` does for `modules.alias`. Iterative, so no pattern can make it
/// recurse deeply; backtracks only to the last `*`.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                '*' => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                '?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_matches(&pattern, p, text[t]) {
                        if matched {
                            p = next;
                            t += 1;
                            continue;
                        }
                    } else if text[t] == '[' {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
                c if c == text[t] => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((star_p, star_t)) => {
                p = star_p + 1;
                t = star_t + 1;
                star = Some((star_p, star_t + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// A `[...]` class at `pattern[start]`: whether `c` is in it and where the pattern goes on;
/// `None` when the bracket is not closed (then it is a plain `[`).
fn class_matches(pattern: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut at = start + 1;
    let negated = matches!(pattern.get(at), Some('!' | '^'));
    if negated {
        at += 1;
    }
    let mut matched = false;
    let mut first = true;
    while at < pattern.len() {
        let here = pattern[at];
        if here == ']' && !first {
            return Some((matched != negated, at + 1));
        }
        first = false;
        if pattern.get(at + 1) == Some(&'-') && pattern.get(at + 2).is_some_and(|end| *end != ']') {
            let end = pattern[at + 2];
            matched |= here <= c && c <= end;
            at += 3;
        } else {
            matched |= here == c;
            at += 1;
        }
    }
    None
}
