//! Pastes: a mail, bug report or forum post is prose with regions of kernel evidence in it —
//! quoted log lines (`> `, `>> `, `> > `, indents, `[ts]` after any prefix, lines hard-wrapped
//! by the mail client), shell prompts with their output (`# cat /sys/kernel/debug/devices_deferred`,
//! `$ ls -l /sys/class/devlink`, `root@host:~# …`), `/sys/class/devlink` listings (`ls -l`, or
//! bare `ls` names, several to a line), `grep -r` output of `/sys/kernel/iommu_groups`,
//! `ls */devices` of `/sys/class/iommu`, and several files printed under `==> path <==` headers
//! (`tail -n +1 a b`, `head a b`) or after `# cat` of one link attribute file, each read as
//! what its path or its first line says.
//!
//! This module finds those regions by their content (never by the file's name) and gives,
//! per kind of evidence, a text that holds only that kind's lines — unquoted, wrapped lines
//! rejoined — at their original line numbers (every other line blank), so the ordinary reader
//! of that kind reads it and every record keeps its `file:line`. Prose is never given to a
//! reader: a word in a sentence does not become a device.
//!
//! Rejoining wrapped lines is done only where it is unambiguous: in a region whose lines carry
//! kernel time stamps, a line without one (and not an elision such as `...`) continues the
//! line before; elsewhere a line continues the one before only when that one ended in a space
//! (a format=flowed soft break), or, in a log without time stamps, when a long line is followed
//! by one word that no kernel message is (a device name or DT path cut off by the wrap).
//!
//! Long because: the region finder (prompts, file headers, content), the
//! line shapes of each kind and the rejoining of wraps depend on each other and read best
//! together.

use crate::ingest::{deferred, devlink, log, InputKind};

/// One region of a paste: what it holds and where (1-based, inclusive line numbers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub kind: InputKind,
    pub first_line: usize,
    pub last_line: usize,
}

/// The evidence found in a paste.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Paste {
    pub regions: Vec<Region>,
    /// Per kind (in the order first found), the text its reader is given: the kind's lines
    /// unquoted at their own line numbers, every other line blank.
    pub texts: Vec<(InputKind, String)>,
}

impl Paste {
    /// The one-line account of what was found, for the boot's notes.
    pub fn describe(&self, display: &str) -> String {
        let parts: Vec<String> = self
            .regions
            .iter()
            .map(|r| {
                let lines = if r.first_line == r.last_line {
                    format!("line {}", r.first_line)
                } else {
                    format!("lines {}-{}", r.first_line, r.last_line)
                };
                format!("{} ({lines})", kind_label(r.kind))
            })
            .collect();
        format!(
            "{display}: read as a paste (prose with evidence in it); regions: {}",
            parts.join(", ")
        )
    }
}

fn kind_label(kind: InputKind) -> &'static str {
    match kind {
        InputKind::KernelLog => "kernel log lines",
        InputKind::DevicesDeferred => "devices_deferred listing",
        InputKind::Devlink => "/sys/class/devlink listing",
        InputKind::IommuGroups => "iommu_groups listing",
        InputKind::IommuClass => "/sys/class/iommu listing",
        InputKind::WaitingForSupplier => "waiting_for_supplier listing",
        _ => "evidence",
    }
}

/// One line of the paste with its mail quoting taken off.
#[derive(Clone, Debug)]
struct Line<'a> {
    /// How many `>` quote marks precede the text.
    depth: usize,
    /// The text after the quote marks, indentation (spaces, TABs, no-break spaces) removed.
    content: &'a str,
    /// Whether the line (before its quoting was removed) ended in a space: a soft line break.
    soft_break: bool,
}

const NBSP: char = '\u{a0}';

fn is_indent(c: char) -> bool {
    c == ' ' || c == '\t' || c == NBSP
}

fn split_quote(raw: &str) -> Line<'_> {
    let raw = raw.trim_end_matches('\r');
    let mut rest = raw;
    let mut depth = 0;
    loop {
        let trimmed = rest.trim_start_matches(is_indent);
        match trimmed.strip_prefix('>') {
            Some(after) => {
                depth += 1;
                rest = after;
            }
            None => break,
        }
    }
    Line {
        depth,
        content: rest.trim_start_matches(is_indent),
        soft_break: raw.ends_with(' ') || raw.ends_with(NBSP),
    }
}

/// The kind of evidence a shell command prints, from the paths or tools it names.
fn command_kind(command: &str) -> Option<InputKind> {
    let first = command.trim_start_matches('(').split_whitespace().next()?;
    const TOOLS: &[&str] = &[
        "cat",
        "ls",
        "grep",
        "find",
        "head",
        "tail",
        "cd",
        "sudo",
        "dmesg",
        "journalctl",
        "for",
        "tree",
    ];
    if !TOOLS.contains(&first) {
        return None;
    }
    path_kind(command)
}

/// The kind of evidence a command or file header names by the kernel's paths and tools.
fn path_kind(command: &str) -> Option<InputKind> {
    let kind = if command.contains("devices_deferred") {
        InputKind::DevicesDeferred
    } else if command.contains("waiting_for_supplier") {
        InputKind::WaitingForSupplier
    } else if command.contains("/class/devlink") {
        InputKind::Devlink
    } else if command.contains("iommu_groups") {
        InputKind::IommuGroups
    } else if command.contains("/class/iommu") {
        InputKind::IommuClass
    } else if command.contains("dmesg") || command.contains("journalctl") {
        InputKind::KernelLog
    } else {
        return None;
    };
    Some(kind)
}

/// The command of a shell prompt line (`# cmd`, `$ cmd`, `root@host:~# cmd`, `[root@h ~]# cmd`).
fn prompt_command(content: &str) -> Option<&str> {
    for mark in ["# ", "$ "] {
        if let Some(at) = content.find(mark) {
            let before = &content[..at];
            let is_prompt = before.is_empty()
                || (before.len() < 64
                    && (before.contains('@') || before.ends_with(']') || before.ends_with('~')));
            if is_prompt {
                return Some(content[at + mark.len()..].trim());
            }
        }
    }
    None
}

/// The path of a file header as `tail -n +1 a b` and `head a b` print it: `==> a <==`.
fn file_header(content: &str) -> Option<&str> {
    content
        .trim_end()
        .strip_prefix("==> ")?
        .strip_suffix(" <==")
        .map(str::trim)
        .filter(|path| !path.is_empty())
}

/// Whether `text` is the output of several files (`tail -n +1 a b`, `head a b`): it has a
/// `==> path <==` header, so it is read by region whatever most of its lines are.
pub fn holds_file_headers(text: &str) -> bool {
    text.lines()
        .any(|line| file_header(split_quote(line).content).is_some())
}

/// Whether a line starts the output of another command or file: a prompt or a file header.
fn starts_other_output(content: &str) -> bool {
    prompt_command(content).is_some() || file_header(content).is_some()
}

/// The link and attribute a header's path names when it is one attribute file of a link
/// directory (`/sys/class/devlink/<link>/status`, or `<link>/status` after a `cd`).
fn link_attribute_file(path: &str) -> Option<(&str, &str)> {
    let (link_path, attr) = path.trim_end_matches('/').rsplit_once('/')?;
    let link = link_path.rsplit('/').next().unwrap_or(link_path);
    let is_link = link.contains("--") && devlink::split_link_name(link).is_some();
    (is_link && devlink::LinkAttr::from_file_name(attr).is_some()).then_some((link, attr))
}

/// Whether `content` starts with a kernel time stamp `[  123.456789]`.
fn has_timestamp(content: &str) -> bool {
    let Some(rest) = content.strip_prefix('[') else {
        return false;
    };
    let Some((stamp, _)) = rest.split_once(']') else {
        return false;
    };
    let stamp = stamp.trim();
    stamp
        .split_once('.')
        .is_some_and(|(s, f)| !s.is_empty() && !f.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        && stamp.bytes().filter(|b| *b == b'.').count() == 1
        && stamp.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

fn is_elision(content: &str) -> bool {
    let c = content.trim();
    c == "..." || c == "[...]" || c.starts_with("[... cut:") || c == "…"
}

/// A device name as `dev_name()` makes them: no spaces, no prose punctuation.
fn device_shaped(token: &str) -> bool {
    let mut chars = token.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:@,+-!".contains(c))
        && (token.contains(['.', ':', '-', '@']) || token.chars().any(|c| c.is_ascii_digit()))
}

fn is_devlink_line(content: &str) -> bool {
    let body = content.trim_start_matches(['+', '-']).trim_start();
    if devlink::is_dump_line(body) && body.contains("devices/virtual/devlink/") {
        return true;
    }
    // `/sys/class/devlink/<name>/<attr>:<value>` (grep) or a bare `<name>` / `<name> -> target`.
    let name = body.split_whitespace().next().unwrap_or("");
    let name = name
        .strip_prefix("/sys/class/devlink/")
        .map(|rest| rest.split('/').next().unwrap_or(""))
        .unwrap_or(name);
    devlink::is_link_name(name)
}

fn is_iommu_groups_line(content: &str) -> bool {
    content.contains("iommu_groups/") && (content.contains("/type:") || content.contains("/devices/"))
}

fn is_iommu_class_header(content: &str) -> bool {
    content.trim_end().ends_with("/devices:")
}

/// A line of consumers under a `<iommu>/devices:` header: device names separated by spaces.
fn is_iommu_consumers_line(content: &str) -> bool {
    content.split_whitespace().all(|t| {
        t.starts_with(|c: char| c.is_ascii_alphanumeric())
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._:@,+-!".contains(c))
    })
}

/// Whether a line fits a region of `kind` (blank lines are handled by the caller).
fn fits(kind: InputKind, content: &str) -> bool {
    match kind {
        InputKind::DevicesDeferred => deferred::is_entry_line(content),
        InputKind::Devlink => is_devlink_line(content),
        InputKind::IommuGroups => is_iommu_groups_line(content),
        InputKind::IommuClass => is_iommu_class_header(content),
        InputKind::WaitingForSupplier => content.contains("/waiting_for_supplier:"),
        _ => false,
    }
}

/// Finds the regions of evidence in `text`. A text without any gives an empty [`Paste`].
pub fn read_paste(text: &str) -> Paste {
    let raw: Vec<&str> = text.lines().collect();
    let lines: Vec<Line> = raw.iter().map(|l| split_quote(l)).collect();
    // What each line becomes in its kind's text (`None` = blank there).
    let mut out: Vec<Option<(InputKind, String)>> = vec![None; lines.len()];
    let mut regions: Vec<Region> = Vec::new();
    let mut taken = vec![false; lines.len()];

    read_file_headers(&lines, &mut out, &mut taken, &mut regions);

    let mut i = 0;
    while i < lines.len() {
        if taken[i] {
            i += 1;
            continue;
        }
        let line = &lines[i];
        if let Some(kind) = prompt_command(line.content).and_then(command_kind) {
            taken[i] = true;
            let end = if kind == InputKind::KernelLog {
                log_region_after_prompt(&lines, i + 1)
            } else {
                listing_region(&lines, i + 1, line.depth, kind, true)
            };
            if end > i + 1 {
                emit(kind, &lines, i + 1, end, &mut out, &mut taken, &mut regions);
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }

    // Regions without a prompt, by their content.
    let mut i = 0;
    while i < lines.len() {
        if taken[i] || lines[i].content.is_empty() {
            i += 1;
            continue;
        }
        let line = &lines[i];
        let listing = [
            InputKind::Devlink,
            InputKind::IommuGroups,
            InputKind::WaitingForSupplier,
        ]
        .into_iter()
        .chain(is_iommu_class_header(line.content).then_some(InputKind::IommuClass))
        .chain(deferred::is_exact_entry(line.content).then_some(InputKind::DevicesDeferred))
        .find(|kind| fits(*kind, line.content));
        if let Some(kind) = listing {
            let end = listing_region(&lines, i, line.depth, kind, false);
            emit(kind, &lines, i, end, &mut out, &mut taken, &mut regions);
            i = end;
            continue;
        }
        if has_timestamp(line.content) {
            let end = timed_run(&lines, i, &taken);
            emit(
                InputKind::KernelLog,
                &lines,
                i,
                end,
                &mut out,
                &mut taken,
                &mut regions,
            );
            i = end;
            continue;
        }
        i += 1;
    }

    // Quoted blocks that read as a kernel log without time stamps.
    let mut i = 0;
    while i < lines.len() {
        let depth = lines[i].depth;
        if taken[i] || depth == 0 {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < lines.len() && lines[end].depth == depth && !taken[end] {
            end += 1;
        }
        let block: String = lines[i..end].iter().map(|l| format!("{}\n", l.content)).collect();
        if log::sniff(block.as_bytes()).is_some() && untimed_log_lines(&lines[i..end]) {
            emit(
                InputKind::KernelLog,
                &lines,
                i,
                end,
                &mut out,
                &mut taken,
                &mut regions,
            );
        }
        i = end;
    }

    regions.sort_by_key(|r| r.first_line);
    let mut texts: Vec<(InputKind, String)> = Vec::new();
    for region in &regions {
        if texts.iter().any(|(k, _)| *k == region.kind) {
            continue;
        }
        let text = out
            .iter()
            .map(|slot| match slot {
                Some((kind, line)) if *kind == region.kind => format!("{line}\n"),
                _ => "\n".to_string(),
            })
            .collect();
        texts.push((region.kind, text));
    }
    Paste { regions, texts }
}

/// Reads the files of `tail -n +1 a b` / `head a b` output: each `==> path <==` header starts
/// the output of its file, read as what the path names (a `devices_deferred` file, a link's
/// `status`, a `dmesg`) or else as what its first line is. A file the kernel lists into
/// (`devices_deferred`, …) that printed nothing is a region too: an empty list is evidence.
fn read_file_headers(
    lines: &[Line],
    out: &mut [Option<(InputKind, String)>],
    taken: &mut [bool],
    regions: &mut Vec<Region>,
) {
    for at in 0..lines.len() {
        let Some(path) = file_header(lines[at].content).or_else(|| cat_of_link_attribute(lines[at].content))
        else {
            continue;
        };
        taken[at] = true;
        let body = at + 1;
        let first = (body..lines.len())
            .take_while(|&j| !starts_other_output(lines[j].content))
            .find(|&j| !lines[j].content.is_empty());
        if let Some((link, attr)) = link_attribute_file(path) {
            // The file holds the value alone; the reader is given it as `grep` prints it.
            if let Some(value_at) = first {
                let value = lines[value_at].content.trim();
                out[value_at] = Some((
                    InputKind::Devlink,
                    format!("/sys/class/devlink/{link}/{attr}:{value}"),
                ));
                taken[value_at] = true;
                regions.push(Region {
                    kind: InputKind::Devlink,
                    first_line: value_at + 1,
                    last_line: value_at + 1,
                });
            }
            continue;
        }
        let named = path_kind(path);
        let Some(kind) = named.or_else(|| first.and_then(|j| content_kind(lines[j].content))) else {
            continue;
        };
        let depth = lines[at].depth;
        let end = if kind == InputKind::KernelLog {
            log_region_after_prompt(lines, body)
        } else {
            listing_region(lines, body, depth, kind, true)
        };
        if end > body {
            emit(kind, lines, body, end, out, taken, regions);
        } else if named.is_some() && kind != InputKind::KernelLog {
            regions.push(Region {
                kind,
                first_line: at + 1,
                last_line: at + 1,
            });
        }
    }
}

/// The path of `# cat /sys/class/devlink/<link>/<attr>` (one file): its output is that value
/// alone, read as a header's file is.
fn cat_of_link_attribute(content: &str) -> Option<&str> {
    let mut words = prompt_command(content)?.split_whitespace();
    let (Some("cat"), Some(path), None) = (words.next(), words.next(), words.next()) else {
        return None;
    };
    link_attribute_file(path).map(|_| path)
}

/// What a file's first line shows it to be, when its header's path does not say.
fn content_kind(content: &str) -> Option<InputKind> {
    if has_timestamp(content) {
        return Some(InputKind::KernelLog);
    }
    [
        InputKind::Devlink,
        InputKind::IommuGroups,
        InputKind::WaitingForSupplier,
        InputKind::IommuClass,
    ]
    .into_iter()
    .chain(deferred::is_exact_entry(content).then_some(InputKind::DevicesDeferred))
    .find(|kind| fits(*kind, content))
}

/// Whether a quoted block that a kernel-log sniff accepted has kernel lines in it (not only a
/// stray word): at least a handful of `<driver> <device>: ` lines or boot banners.
fn untimed_log_lines(lines: &[Line]) -> bool {
    let kernel_shaped = lines
        .iter()
        .filter(|l| {
            let mut words = l.content.split_whitespace();
            let first = words.next().unwrap_or("");
            let second = words.next().unwrap_or("");
            (second.ends_with(':') && device_shaped(second.trim_end_matches(':')) && !first.ends_with(':'))
                || l.content.starts_with("Booting Linux on physical CPU")
                || l.content.starts_with("Linux version ")
        })
        .count();
    kernel_shaped >= 5
}

/// The end (exclusive) of a run of time-stamped lines starting at `start`: the run holds
/// stamped lines, their wrapped continuations and elisions, at one quote depth, and ends at a
/// blank line.
fn timed_run(lines: &[Line], start: usize, taken: &[bool]) -> usize {
    let depth = lines[start].depth;
    let mut end = start + 1;
    while end < lines.len()
        && !taken[end]
        && lines[end].depth == depth
        && !lines[end].content.is_empty()
        && !starts_other_output(lines[end].content)
    {
        end += 1;
    }
    end
}

/// The end (exclusive) of a kernel log printed after a `dmesg` prompt: up to the next prompt,
/// the quote depth changing, or two blank lines.
fn log_region_after_prompt(lines: &[Line], start: usize) -> usize {
    let Some(depth) = lines.get(start).map(|l| l.depth) else {
        return start;
    };
    let mut end = start;
    let mut blanks = 0;
    while end < lines.len() && lines[end].depth == depth && !starts_other_output(lines[end].content) {
        if lines[end].content.is_empty() {
            blanks += 1;
            if blanks == 2 {
                break;
            }
        } else {
            blanks = 0;
        }
        end += 1;
    }
    while end > start && lines[end - 1].content.is_empty() {
        end -= 1;
    }
    end
}

/// The end (exclusive) of a listing of `kind` starting at `start` at quote depth `depth`:
/// lines that fit it, blank lines between them, and a reason wrapped onto the next line.
/// After a prompt (`after_prompt`), a listing of bare device names is accepted.
fn listing_region(lines: &[Line], start: usize, depth: usize, kind: InputKind, after_prompt: bool) -> usize {
    let mut end = start;
    let mut last_fit = start;
    let mut previous_wrapped = false;
    let mut seen_blank = false;
    let mut previous_blank = false;
    while end < lines.len() && lines[end].depth == depth {
        let line = &lines[end];
        if line.content.is_empty() {
            previous_wrapped = false;
            seen_blank = true;
            previous_blank = true;
            end += 1;
            continue;
        }
        if starts_other_output(line.content) {
            break;
        }
        // A name alone is an entry only in the output right after the prompt (kernels
        // before v5.9 print names only); after a blank line it is prose again.
        let bare_name = after_prompt
            && !seen_blank
            && kind == InputKind::DevicesDeferred
            && line.content.split_whitespace().count() == 1
            && deferred::is_entry_line(line.content);
        let consumers = kind == InputKind::IommuClass
            && !previous_blank
            && end > start
            && is_iommu_consumers_line(line.content);
        previous_blank = false;
        let continuation = previous_wrapped
            || (kind == InputKind::Devlink && line.content.starts_with("../") && end > start);
        let fitting = if kind == InputKind::DevicesDeferred && !after_prompt {
            deferred::is_exact_entry(line.content)
        } else {
            fits(kind, line.content)
        };
        if fitting || bare_name || consumers || continuation {
            previous_wrapped = line.soft_break && kind == InputKind::DevicesDeferred && !continuation;
            end += 1;
            last_fit = end;
            continue;
        }
        break;
    }
    last_fit
}

/// Records lines `start..end` as a region of `kind`, rejoining wrapped lines.
fn emit(
    kind: InputKind,
    lines: &[Line],
    start: usize,
    end: usize,
    out: &mut [Option<(InputKind, String)>],
    taken: &mut [bool],
    regions: &mut Vec<Region>,
) {
    let timed = kind == InputKind::KernelLog && lines[start..end].iter().any(|l| has_timestamp(l.content));
    let mut head: Option<usize> = None;
    for at in start..end {
        taken[at] = true;
        let line = &lines[at];
        if line.content.is_empty() || is_elision(line.content) {
            head = None;
            continue;
        }
        if kind == InputKind::Devlink && is_removed_link(line.content) {
            // A `-` line of a before/after diff names a link that is gone: not evidence of
            // the state shown; its wrapped target goes with it.
            head = None;
            if lines.get(at + 1).is_some_and(|l| l.content.starts_with("../")) {
                taken[at + 1] = true;
            }
            continue;
        }
        if taken_removed_target(lines, at, start, kind) {
            continue;
        }
        let joins = match head {
            Some(_) if kind == InputKind::KernelLog => {
                let previous = &lines[at - 1];
                // A line with its own time stamp is a record of its own, even after a line
                // that ends in a space (the kernel prints some so).
                if timed {
                    !has_timestamp(line.content)
                } else {
                    previous.soft_break || is_wrapped_tail(previous, line)
                }
            }
            _ => false,
        };
        match (joins, head) {
            (true, Some(h)) => {
                if let Some((_, text)) = out[h].as_mut() {
                    // A path cut after its `/` (`... with /` + `soc@0/...`) joins as it was.
                    if !text.ends_with(' ') && !text.ends_with('/') {
                        text.push(' ');
                    }
                    text.push_str(&line.content.replace(NBSP, " "));
                }
            }
            _ => {
                let content = if kind == InputKind::Devlink {
                    line.content.trim_start_matches('+').trim_start()
                } else {
                    line.content
                };
                // Mail clients turn spaces (even inside `[    1.0]`) into no-break spaces.
                out[at] = Some((kind, content.replace(NBSP, " ")));
                head = Some(at);
            }
        }
    }
    regions.push(Region {
        kind,
        first_line: start + 1,
        last_line: end,
    });
}

/// Whether, in a log without time stamps, `line` is the tail of `previous` cut by a mail
/// client's wrap: `previous` is long enough to have been wrapped (format=flowed wraps at 72
/// to 78 columns, the quote marks included) and `line` is one word without a `prefix: ` — a
/// device name, a DT path or a number, which the kernel never prints as a message of its own.
fn is_wrapped_tail(previous: &Line, line: &Line) -> bool {
    const WRAP_COLUMN: usize = 60;
    let previous_width = previous.depth * 2 + previous.content.chars().count();
    previous_width >= WRAP_COLUMN
        && !line.content.contains(char::is_whitespace)
        && !line.content.ends_with(':')
        && !line.content.contains(": ")
}

fn is_removed_link(content: &str) -> bool {
    content
        .strip_prefix('-')
        .is_some_and(|rest| is_devlink_line(rest.trim_start()) && !rest.starts_with('-'))
}

/// Whether line `at` is the wrapped target of a removed (`-`) devlink line.
fn taken_removed_target(lines: &[Line], at: usize, start: usize, kind: InputKind) -> bool {
    kind == InputKind::Devlink
        && at > start
        && lines[at].content.starts_with("../")
        && is_removed_link(lines[at - 1].content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_marks_and_indents_come_off() {
        let line = split_quote(">> > \t[    1.000000] foo: bar ");
        assert_eq!(line.depth, 3);
        assert_eq!(line.content, "[    1.000000] foo: bar ");
        assert!(line.soft_break);
    }

    #[test]
    fn prompts_name_what_their_output_is() {
        let kind = |l: &str| prompt_command(l).and_then(command_kind);
        assert_eq!(
            kind("# cat /sys/kernel/debug/devices_deferred"),
            Some(InputKind::DevicesDeferred)
        );
        assert_eq!(kind("$ ls -l /sys/class/devlink"), Some(InputKind::Devlink));
        assert_eq!(
            kind("[root@alarm ~]# grep -Hr . /sys/kernel/iommu_groups/*/type"),
            Some(InputKind::IommuGroups)
        );
        assert_eq!(
            kind("# (cd /sys/class/iommu && ls */devices)"),
            Some(InputKind::IommuClass)
        );
        assert_eq!(kind("root@host:~# dmesg"), Some(InputKind::KernelLog));
        assert_eq!(kind("# Heading about devices_deferred"), None);
        assert_eq!(kind("the price is 5$ cat"), None);
    }

    #[test]
    fn prose_alone_is_no_region() {
        let text = "Hi,\n\nthe sound card stays deferred, see devices_deferred.\n\
                    easier:\nfoo bar: baz\n> quoted words\n";
        assert_eq!(read_paste(text), Paste::default());
    }

    #[test]
    fn wrapped_time_stamped_lines_are_rejoined_at_their_first_line() {
        let text = "text\n>> [    2.680920] exynos-mixer 14450000.mixer:\n\
                    >> exynos_iommu_attach_device: Attached IOMMU\n>> ...\n>> [    5.0] a b: c\n";
        let paste = read_paste(text);
        assert_eq!(paste.regions.len(), 1);
        let log = &paste.texts[0].1;
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(
            lines[1],
            "[    2.680920] exynos-mixer 14450000.mixer: exynos_iommu_attach_device: Attached IOMMU"
        );
        assert_eq!(lines[2], "");
        assert_eq!(lines[4], "[    5.0] a b: c");
    }

    #[test]
    fn an_empty_listing_under_its_header_is_an_empty_list_and_prose_under_a_header_is_nothing() {
        let text = "==> /sys/kernel/debug/devices_deferred <==\n\n==> notes.txt <==\nsee you\n";
        let paste = read_paste(text);
        assert_eq!(
            paste.regions,
            [Region {
                kind: InputKind::DevicesDeferred,
                first_line: 1,
                last_line: 1
            }]
        );
        assert_eq!(
            paste.texts,
            [(InputKind::DevicesDeferred, "\n\n\n\n".to_string())]
        );
    }

    #[test]
    fn a_link_attribute_file_is_given_as_grep_prints_it() {
        let text = "==> platform:a.b--platform:c.d/sync_state_only <==\n1\n";
        let paste = read_paste(text);
        assert_eq!(
            paste.texts,
            [(
                InputKind::Devlink,
                "\n/sys/class/devlink/platform:a.b--platform:c.d/sync_state_only:1\n".to_string()
            )]
        );
    }

    #[test]
    fn cat_of_one_link_attribute_after_a_prompt_is_that_links_attribute() {
        let text = "Status:\n# cat /sys/class/devlink/platform:a.b--platform:c.d/status\nconsumer probing\n";
        let paste = read_paste(text);
        assert_eq!(
            paste.texts,
            [(
                InputKind::Devlink,
                "\n\n/sys/class/devlink/platform:a.b--platform:c.d/status:consumer probing\n".to_string()
            )]
        );
    }
}
