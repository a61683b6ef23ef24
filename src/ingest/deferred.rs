//! `/sys/kernel/debug/devices_deferred`: one-column (`dev`) and two-column (`dev<TAB>reason`)
//! forms, empty reasons, reasons glued onto one line, parsed into structure.
//! See `reference/kernel-formats.md` §2.
//!
//! The kernel writes `<dev_name>\t<reason>` per pending device (`deferred_devs_show()`,
//! drivers/base/dd.c); the reason is `"<driver-or-bus>: <message>"` as stored by
//! `device_set_deferred_probe_reason()` and normally ends in `\n`. When a message lacks its
//! `\n` the next entry is glued onto the same line, and a message may contain a `\n` of its
//! own. Kernels before v5.9 print the name only.
//!
//! Pastes from mail are read best-effort: the TAB may have become one or more spaces or
//! U+00A0 no-break spaces, entries may be indented, and a reason may be hard-wrapped onto
//! the next line (the wrapped line ends with a space, as format=flowed mail does). A file whose
//! first entry line has a TAB is read in the kernel's exact form: lines without a TAB then
//! continue the previous reason.

use super::lines::for_each_line;
use super::messages::{DeferReason, Deferral};
use crate::error::InputError;
use crate::model::{Origin, SourceName};
use std::io::BufRead;

/// One device on the pending deferred-probe list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeferredEntry {
    pub origin: Origin,
    pub device: String,
    /// `None` for the one-column form (kernels before v5.9).
    pub deferral: Option<Deferral>,
}

const NBSP: char = '\u{a0}';

fn is_separator(c: char) -> bool {
    c == '\t' || c == ' ' || c == NBSP
}

/// Whether a token can be a kernel device name (`dev_name()`): no spaces, no shell or mail
/// punctuation (`#`, `>`, `[`), no `/` (the kernel writes `!` for it), starting with a letter
/// or digit.
fn plausible_device_name(token: &str) -> bool {
    let mut chars = token.chars();
    // `easier:` ends a sentence; a device name never ends in `:` (its bus prefix leads).
    !token.ends_with(':')
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:@,+-".contains(c))
}

/// Whether a line (quoting and indentation removed) has the shape of a `devices_deferred`
/// entry: a device name alone, or a device name, a TAB or spaces, and a `<driver-or-bus>: `
/// reason.
pub(crate) fn is_entry_line(content: &str) -> bool {
    let content = content.trim_end_matches(is_separator);
    match content.find(is_separator) {
        None => plausible_device_name(content),
        Some(_) => has_reason_column(content),
    }
}

/// Whether a line is an entry in the kernel's exact form, `<dev>\t<driver-or-bus>: <reason>`,
/// with a device name shaped as the kernel makes them (a unit address, an instance number or
/// a bus prefix: a digit, `.`, `:` or `@` in it). Without a prompt naming the file, only this
/// form tells an entry from a log line (`caam 30900000.crypto: ...`) or a sentence.
pub(crate) fn is_exact_entry(content: &str) -> bool {
    let Some((device, reason)) = content.split_once('\t') else {
        return false;
    };
    let recorded_by = reason
        .trim_start_matches(is_separator)
        .split(is_separator)
        .next()
        .unwrap_or("");
    plausible_device_name(device)
        && device.contains(|c: char| c.is_ascii_digit() || ".:@".contains(c))
        && recorded_by.len() > 1
        && recorded_by.ends_with(':')
}

fn has_reason_column(content: &str) -> bool {
    let Some(at) = content.find(is_separator) else {
        return false;
    };
    let device = &content[..at];
    let reason = content[at..].trim_start_matches(is_separator);
    if content[at..].starts_with('\t') {
        return plausible_device_name(device);
    }
    let recorded_by = reason.split(is_separator).next().unwrap_or("");
    plausible_device_name(device) && recorded_by.len() > 1 && recorded_by.ends_with(':')
}

/// Reads a `devices_deferred` file (or a paste of one). Never fails: every line is either an
/// entry, the continuation of one, or blank.
pub fn parse_devices_deferred(
    source: &SourceName,
    reader: impl BufRead,
) -> (Vec<DeferredEntry>, Vec<InputError>) {
    // Entries with their raw reason text (`None` = no reason column on that line).
    let mut raw: Vec<(Origin, String, Option<String>)> = Vec::new();
    let mut tabbed: Option<bool> = None;
    // Whether the line before was an entry (or its continuation) that ended in a space: only
    // then is a mail wrap continuing it, never after a line of prose.
    let mut previous_ended_in_space = false;

    let read_error = for_each_line(source, reader, |number, line| {
        let content = line.trim_start_matches(is_separator);
        if content.trim_matches(is_separator).is_empty() {
            previous_ended_in_space = false;
            return;
        }
        let entries_before = raw.len();
        let is_tabbed = *tabbed.get_or_insert_with(|| content.contains('\t'));
        let continues = match raw.last() {
            None => false,
            Some(_) if is_tabbed => !content.contains('\t'),
            Some((_, _, reason)) => previous_ended_in_space && reason.is_some(),
        };
        let ends_in_space = line.ends_with(' ') || line.ends_with(NBSP);
        previous_ended_in_space = ends_in_space && continues;
        if continues {
            if let Some((_, _, Some(reason))) = raw.last_mut() {
                // A real embedded newline in the exact form; a mail wrap (whose space is
                // still at the end of the previous part) in a paste.
                if is_tabbed {
                    reason.push('\n');
                }
                reason.push_str(content);
            }
            return;
        }
        let origin = Origin::new(source, number);
        if is_tabbed {
            split_tabbed_line(content, &origin, &mut raw);
        } else {
            // A paste (TABs lost) sits among prose and prompts: keep only lines shaped like an
            // entry, a device name alone or followed by a `<bus-or-driver>: ` reason.
            match content.find(is_separator) {
                Some(at) => {
                    let device = &content[..at];
                    let reason = content[at..].trim_start_matches(is_separator);
                    let recorded_by = reason.split(is_separator).next().unwrap_or("");
                    if plausible_device_name(device) && recorded_by.len() > 1 && recorded_by.ends_with(':') {
                        raw.push((origin, device.to_string(), Some(reason.to_string())));
                    }
                }
                None if plausible_device_name(content) => raw.push((origin, content.to_string(), None)),
                None => {}
            }
        }
        previous_ended_in_space = ends_in_space && raw.len() > entries_before;
    });

    // A paste that lost its TABs shows an empty reason as a bare name; when other entries
    // have reasons the file had the reason column, so a bare name means "empty reason".
    let has_reason_column = tabbed == Some(true) || raw.iter().any(|(_, _, reason)| reason.is_some());
    let entries = raw
        .into_iter()
        .map(|(origin, device, reason)| DeferredEntry {
            origin,
            device: clean_name(&device),
            deferral: match reason {
                Some(text) => Some(parse_reason(&text)),
                None if has_reason_column => Some(Deferral {
                    recorded_by: None,
                    reason: DeferReason::Empty,
                }),
                None => None,
            },
        })
        .collect();
    (entries, read_error.into_iter().collect())
}

fn clean_name(name: &str) -> String {
    name.trim_matches(|c: char| is_separator(c) || c.is_control())
        .to_string()
}

/// Splits a line of the exact two-column form, which may hold several glued entries:
/// `dev1\treason1dev2\treason2`.
fn split_tabbed_line(content: &str, origin: &Origin, raw: &mut Vec<(Origin, String, Option<String>)>) {
    let mut segments = content.split('\t');
    let mut device = segments.next().unwrap_or_default().to_string();
    let mut pending: Vec<&str> = segments.collect();
    if pending.is_empty() {
        // A line with a name and no TAB in a tabbed file is a continuation (handled by the
        // caller); a name alone here is only possible for the first line.
        raw.push((origin.clone(), device, None));
        return;
    }
    let last = pending.pop().unwrap_or_default();
    for middle in pending {
        let (reason, next_device) = split_glued(middle);
        raw.push((origin.clone(), device, Some(reason.to_string())));
        device = next_device.to_string();
    }
    raw.push((origin.clone(), device, Some(last.to_string())));
}

/// Splits `"<reason><next device name>"` (a reason that lacked its `\n`). Best effort: the
/// device name is recognised by the shapes kernel device names have (PCI `DDDD:BB:DD.F`,
/// `<unit-address>.<node-name>`, I2C `<bus>-<addr>`), else taken as the last word.
fn split_glued(segment: &str) -> (&str, &str) {
    let starts = segment
        .char_indices()
        .map(|(i, _)| i)
        .filter(|&i| i > 0 && looks_like_device_name(&segment[i..]))
        .find(|&i| {
            // A name does not start in the middle of a number or of a word.
            let before = segment[..i].chars().next_back().unwrap_or(' ');
            let starts_with_letter = segment[i..].starts_with(|c: char| c.is_ascii_alphabetic());
            let mid_number = before.is_ascii_digit();
            let mid_word = starts_with_letter && before.is_ascii_alphabetic();
            !mid_number && !mid_word
        });
    if let Some(at) = starts {
        return (&segment[..at], &segment[at..]);
    }
    // The separator may be a multi-byte character (a no-break space): split after all of it.
    match segment.char_indices().rfind(|&(_, c)| is_separator(c)) {
        Some((at, separator)) => segment.split_at(at + separator.len_utf8()),
        None => ("", segment),
    }
}

fn looks_like_device_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    // PCI: 0000:00:03.0
    let pci = bytes.len() == 12
        && bytes[4] == b':'
        && bytes[7] == b':'
        && bytes[10] == b'.'
        && text
            .chars()
            .enumerate()
            .all(|(i, c)| matches!(i, 4 | 7 | 10) || c.is_ascii_hexdigit());
    if pci {
        return true;
    }
    // <unit address>.<node name>: 13100000.foo (starts with a digit)
    if let Some((unit, node)) = text.split_once('.') {
        if unit.starts_with(|c: char| c.is_ascii_digit())
            && unit.chars().all(|c| c.is_ascii_hexdigit())
            && node.starts_with(|c: char| c.is_ascii_alphabetic())
            && node
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.,:@".contains(c))
        {
            return true;
        }
    }
    // I2C: 0-0036
    if let Some((bus, addr)) = text.split_once('-') {
        if !bus.is_empty()
            && bus.chars().all(|c| c.is_ascii_digit())
            && addr.len() == 4
            && addr.chars().all(|c| c.is_ascii_hexdigit())
        {
            return true;
        }
    }
    false
}

/// Parses a deferral reason as the kernel stores it: `"<driver-or-bus>: <message>"`, where the
/// message may be the driver core's `supplier X not ready` / `wait for supplier X` (v5.16+) or
/// their `probe deferral - ...` debug forms (v5.10-v5.15, and a debug patch that recorded them).
pub fn parse_reason(text: &str) -> Deferral {
    let text = normalise_spaces(text);
    let text = text.trim();
    if text.is_empty() {
        return Deferral {
            recorded_by: None,
            reason: DeferReason::Empty,
        };
    }
    let (recorded_by, message) = match text.split_once(": ") {
        Some((prefix, rest)) if !prefix.is_empty() && !prefix.contains(char::is_whitespace) => {
            (Some(prefix.to_string()), rest.trim())
        }
        _ => match text.strip_suffix(':') {
            Some(prefix) if !prefix.contains(char::is_whitespace) => (Some(prefix.to_string()), ""),
            _ => (None, text),
        },
    };
    Deferral {
        recorded_by,
        reason: parse_message(message),
    }
}

fn normalise_spaces(text: &str) -> String {
    text.replace(NBSP, " ")
}

/// The message part of a reason, in typed form (the same parser the log's deferral lines use).
pub fn parse_message(message: &str) -> DeferReason {
    DeferReason::parse(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<DeferredEntry> {
        let source: SourceName = "devices_deferred".into();
        let (entries, errors) = parse_devices_deferred(&source, text.as_bytes());
        assert!(errors.is_empty());
        entries
    }

    fn reason(entry: &DeferredEntry) -> &DeferReason {
        &entry.deferral.as_ref().unwrap().reason
    }

    #[test]
    fn reads_the_kernel_example_of_every_reason_kind() {
        let entries = parse(
            "10a00000.mfc\tplatform: supplier 10a60000.sysmmu not ready\n\
             12c80000.decon\tplatform: wait for supplier /soc@0/sysmmu@12c90000\n\
             11120000.mmc\tdwmmc_exynos: could not get regulator vqmmc\n\
             13100000.foo\t\n",
        );
        assert_eq!(entries.len(), 4);
        assert_eq!(
            entries[0].deferral,
            Some(Deferral {
                recorded_by: Some("platform".into()),
                reason: DeferReason::SupplierNotReady {
                    supplier: "10a60000.sysmmu".into()
                }
            })
        );
        assert_eq!(
            reason(&entries[1]),
            &DeferReason::WaitForSupplier {
                fwnode: "/soc@0/sysmmu@12c90000".into()
            }
        );
        let mmc = entries[2].deferral.as_ref().unwrap();
        assert_eq!(mmc.recorded_by.as_deref(), Some("dwmmc_exynos"));
        assert_eq!(
            mmc.reason,
            DeferReason::Text("could not get regulator vqmmc".into())
        );
        assert_eq!(entries[3].device, "13100000.foo");
        assert_eq!(reason(&entries[3]), &DeferReason::Empty);
        assert_eq!(entries[3].origin.line, 4);
    }

    #[test]
    fn one_column_entries_have_no_deferral() {
        let entries = parse("2b600000.iommu\n");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].device, "2b600000.iommu");
        assert_eq!(entries[0].deferral, None);
    }

    #[test]
    fn glued_entries_are_split() {
        let entries = parse(
            "11120000.mmc\tdwmmc_exynos: could not get regulator13100000.foo\tplatform: wait for supplier /soc/x\n\
             0000:00:03.0\tpci: no reason0000:00:04.0\t\n",
        );
        let names: Vec<&str> = entries.iter().map(|e| e.device.as_str()).collect();
        assert_eq!(
            names,
            ["11120000.mmc", "13100000.foo", "0000:00:03.0", "0000:00:04.0"]
        );
        assert_eq!(
            reason(&entries[0]),
            &DeferReason::Text("could not get regulator".into())
        );
        assert_eq!(
            reason(&entries[1]),
            &DeferReason::WaitForSupplier {
                fwnode: "/soc/x".into()
            }
        );
        assert_eq!(reason(&entries[3]), &DeferReason::Empty);
    }

    #[test]
    fn embedded_newline_continues_the_reason() {
        let entries = parse("a.dev\tdrv: first part\nsecond part\nb.dev\t\n");
        assert_eq!(entries.len(), 2);
        assert_eq!(
            reason(&entries[0]),
            &DeferReason::Text("first part\nsecond part".into())
        );
    }

    #[test]
    fn debug_patch_form_is_understood() {
        let d = parse_reason("platform: probe deferral - supplier 10023c40.power-domain not ready");
        assert_eq!(
            d.reason,
            DeferReason::SupplierNotReady {
                supplier: "10023c40.power-domain".into()
            }
        );
        let d = parse_reason("probe deferral - wait for supplier sysmmu@10a60000");
        assert_eq!(d.recorded_by, None);
        assert_eq!(
            d.reason,
            DeferReason::WaitForSupplier {
                fwnode: "sysmmu@10a60000".into()
            }
        );
    }

    #[test]
    fn hard_wrapped_nbsp_paste_is_read() {
        let text = "sound\n\
                    13620000.sysmmu platform: probe deferral - supplier \n\
                    10023c40.power-domain not ready\n\
                    12d00000.hdmi\u{a0} \u{a0}  platform: probe deferral - supplier \n\
                    10023c20.power-domain not ready\n";
        let entries = parse(text);
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].device, "sound");
        assert_eq!(reason(&entries[0]), &DeferReason::Empty);
        assert_eq!(entries[2].device, "12d00000.hdmi");
        assert_eq!(
            reason(&entries[2]),
            &DeferReason::SupplierNotReady {
                supplier: "10023c20.power-domain".into()
            }
        );
    }

    #[test]
    fn reads_every_two_column_fixture_file() {
        let dir = format!(
            "{}/fixtures/qemu/smmuv3-6.1/S3-strict-late",
            env!("CARGO_MANIFEST_DIR")
        );
        let source: SourceName = "devices_deferred-before-timeout.txt".into();
        let file = std::fs::File::open(format!("{dir}/devices_deferred-before-timeout.txt")).unwrap();
        let (entries, _) = parse_devices_deferred(&source, std::io::BufReader::new(file));
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].device, "4010000000.pcie");
        assert_eq!(
            entries[0].deferral,
            Some(Deferral {
                recorded_by: Some("platform".into()),
                reason: DeferReason::SupplierNotReady {
                    supplier: "9050000.smmuv3".into()
                }
            })
        );
    }
}
