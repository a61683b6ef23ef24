//! The `<driver-or-bus> <device>: ` prefix that `dev_printk()` puts before a message
//! (`drivers/base/core.c`, `__dev_printk()` → `dev_driver_string()` + `dev_name()`).
//!
//! Device names contain colons (`0000:00:03.0`, `0000:00:05.0:pcie001`, `1-1:1.0`), so the
//! device token is everything up to the first `": "` after the driver word, and must hold no
//! white space. Text lines of a log are not only dev_printk lines, so the split is strict enough
//! to leave `pr_fmt` prefixes (`iommu: `), English text (`Machine model: ...`) and user space
//! (`systemd[1]: ...`) alone.

use super::DevicePrefix;

/// A dev_printk prefix borrowed from the line it was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrefixRef<'a> {
    pub driver_or_bus: &'a str,
    pub device: &'a str,
}

impl PrefixRef<'_> {
    pub fn to_owned(self) -> DevicePrefix {
        DevicePrefix {
            driver_or_bus: self.driver_or_bus.to_string(),
            device: self.device.to_string(),
        }
    }
}

/// A line split into its dev_printk prefix (if it has one) and the message after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub prefix: Option<PrefixRef<'a>>,
    pub message: &'a str,
}

/// What `dev_printk()` prints for a NULL device (`__dev_printk()` in drivers/base/core.c).
pub(crate) const NULL_DEVICE: &str = "(NULL device *): ";

impl DevicePrefix {
    /// Splits a message text into its dev_printk prefix and the message after it; `None` when
    /// the text does not start with a `<driver-or-bus> <device>: ` prefix.
    pub fn split(text: &str) -> Option<(DevicePrefix, &str)> {
        let split = split(text);
        split.prefix.map(|prefix| (prefix.to_owned(), split.message))
    }
}

/// Splits `text` at its dev_printk prefix. Without a prefix, the message is the text with its
/// leading white space removed (and without `(NULL device *): `, which names no device).
pub fn split(text: &str) -> Split<'_> {
    // A device with neither driver, bus nor class prints an empty driver string, so the line
    // starts with one space: " <device>: <msg>".
    if let Some(rest) = text.strip_prefix(' ') {
        if !rest.starts_with(char::is_whitespace) {
            if let Some((device, message)) = device_token(rest) {
                if !looks_like_word(device) {
                    return Split {
                        prefix: Some(PrefixRef {
                            driver_or_bus: "",
                            device,
                        }),
                        message,
                    };
                }
            }
        }
    }
    let trimmed = text.trim_start();
    if let Some(message) = trimmed.strip_prefix(NULL_DEVICE) {
        return Split {
            prefix: None,
            message,
        };
    }
    match split_driver_device(trimmed) {
        Some((prefix, message)) => Split {
            prefix: Some(prefix),
            message,
        },
        None => Split {
            prefix: None,
            message: trimmed,
        },
    }
}

fn split_driver_device(text: &str) -> Option<(PrefixRef<'_>, &str)> {
    let (driver_or_bus, rest) = driver_word(text)?;
    let (device, message) = device_token(rest)?;
    // English text such as "Machine model: ..." or "CPU features: ..." has the shape of a
    // prefix; driver, bus and class names are lower case, capitalised words are not.
    // A hand-pasted devices_deferred list (`16-0044 i2c: supplier ... not ready`) has a device
    // name first: an I2C (`16-0044`) or USB (`1-1`) address is no driver name.
    if looks_like_bus_address(driver_or_bus) {
        return None;
    }
    let capitalised = driver_or_bus.starts_with(|c: char| c.is_ascii_uppercase());
    let numbered = driver_or_bus.bytes().any(|b| b.is_ascii_digit());
    if looks_like_word(device) && (capitalised || numbered || message.trim().is_empty()) {
        return None;
    }
    Some((
        PrefixRef {
            driver_or_bus,
            device,
        },
        message,
    ))
}

/// The word before the first space when it is a driver name (`is_driver_name`), and the text
/// after that space. Read in the same pass that finds the space: a line whose first word is
/// none stops there.
fn driver_word(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let space = bytes.iter().position(|&b| !is_driver_byte(b))?;
    if space == 0 || bytes[space] != b' ' {
        return None;
    }
    Some((&text[..space], &text[space + 1..]))
}

/// The device token (up to the first `": "`, or a `:` that ends the text) when it is a device
/// name (`is_device_name`), and the message after it. One pass that stops at the first white
/// space or control byte: a token that reaches one is no device name, wherever its colon is.
/// Most lines are no dev_printk line, and searching the whole line for the colon, then the
/// token for white space, cost more than the rest of the split.
fn device_token(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    if matches!(bytes.first(), None | Some(b'[' | b'(' | b'<' | b'\'' | b'"')) {
        return None;
    }
    for (at, &byte) in bytes.iter().enumerate() {
        match byte {
            b':' => {
                let message = match bytes.get(at + 1) {
                    Some(b' ') => &text[at + 2..],
                    None => "",
                    Some(_) => continue,
                };
                // An empty token is no name.
                return (at > 0).then(|| (&text[..at], message));
            }
            // White space (`u8::is_ascii_whitespace`) and control bytes.
            0..=b' ' | 0x7f => return None,
            _ => {}
        }
    }
    None
}

/// The device token (up to the first `": "`, or a `:` that ends the text) and the message.
#[cfg(test)]
fn device_and_message(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b':', &bytes[from..]) {
        let colon = from + found;
        match bytes.get(colon + 1) {
            Some(b' ') => return Some((&text[..colon], &text[colon + 2..])),
            None => return Some((&text[..colon], "")),
            Some(_) => from = colon + 1,
        }
    }
    None
}

/// A driver, bus or class name: `virtio-pci`, `pci`, `arm-smmu-v3`, `snd_hda_intel`,
/// `qcom,smd-rpm`. Never holds `:` (that would be a `pr_fmt` prefix such as `iommu:`), `.`
/// (a device name, as in a hand-pasted `13620000.sysmmu platform: ...` deferral list), `@`
/// (an fwnode name) or brackets (`systemd[1]`).
#[cfg(test)]
fn is_driver_name(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(is_driver_byte)
}

fn is_driver_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b',')
}

/// A device name: no white space, and not starting with a bracket (`kvm [1]:`, `EXT4-fs (sda1):`).
#[cfg(test)]
fn is_device_name(word: &str) -> bool {
    !word.is_empty()
        && !word.starts_with(['[', '(', '<', '\'', '"'])
        && !word
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
}

/// `16-0044`, `1-1`: digits, a dash, hex digits; driver names such as `8139too` have letters.
fn looks_like_bus_address(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
        && word.contains('-')
        && word.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// A plain word (letters only): device names such as `soc` or `sound` exist, but so does
/// English.
fn looks_like_word(word: &str) -> bool {
    word.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token readers as written before they were one pass each: memchr for the space,
    /// then for the colon over the rest of the line, then each token checked on its own.
    fn driver_word_by_search(text: &str) -> Option<(&str, &str)> {
        let space = memchr::memchr(b' ', text.as_bytes())?;
        is_driver_name(&text[..space]).then(|| (&text[..space], &text[space + 1..]))
    }

    fn device_token_by_search(text: &str) -> Option<(&str, &str)> {
        device_and_message(text).filter(|(device, _)| is_device_name(device))
    }

    /// Both readers read `text` as their searches did.
    fn assert_reads_as_searches(text: &str, context: &dyn std::fmt::Display) {
        assert_eq!(
            driver_word(text),
            driver_word_by_search(text),
            "{context}: {text:?}"
        );
        assert_eq!(
            device_token(text),
            device_token_by_search(text),
            "{context}: {text:?}"
        );
    }

    #[test]
    fn the_one_pass_token_readers_read_as_the_searches_did() {
        // Every line of the corpus's logs...
        let mut lines = 0;
        for path in crate::ingest::log::corpus_logs() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            for line in String::from_utf8_lossy(&bytes).lines() {
                // The text after a console time stamp too, as the classifier sees it.
                let text = line.split_once("] ").map_or(line, |(_, text)| text);
                // And what follows a first space, where a device token is read.
                let after_space = text.split_once(' ').map_or("", |(_, rest)| rest);
                for text in [line, text, after_space] {
                    assert_reads_as_searches(text, &path.display());
                    lines += 1;
                }
            }
        }
        assert!(lines > 10_000, "the corpus's logs were read: {lines} lines");
        // ...and texts made of the bytes the grammar turns on, at every length up to 12.
        let alphabet = [
            "a",
            "Z",
            "0",
            "7",
            "_",
            "-",
            "+",
            ",",
            ".",
            ":",
            " ",
            "\t",
            "\r",
            "\u{7f}",
            "\u{1}",
            "[",
            "(",
            "<",
            "'",
            "\"",
            "@",
            "é",
            "(NULL device *): ",
        ];
        let mut next = crate::ingest::xorshift::xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..200_000 {
            let word = next();
            let length = (word % 13) as usize;
            let mut text = String::new();
            let mut pick = word;
            for _ in 0..length {
                pick = pick.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                text.push_str(alphabet[(pick >> 33) as usize % alphabet.len()]);
            }
            assert_reads_as_searches(&text, &"a generated text");
        }
    }

    fn prefix(text: &str) -> Option<(&str, &str, &str)> {
        let split = split(text);
        split.prefix.map(|p| (p.driver_or_bus, p.device, split.message))
    }

    #[test]
    fn splits_pci_names_with_colons_at_the_first_colon_space() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt
        assert_eq!(
            prefix("virtio-pci 0000:00:03.0: deferred probe timeout, ignoring dependency"),
            Some((
                "virtio-pci",
                "0000:00:03.0",
                "deferred probe timeout, ignoring dependency"
            ))
        );
        assert_eq!(
            prefix("pcieport 0000:00:05.0:pcie001: probe of 0000:00:05.0:pcie001 failed"),
            Some((
                "pcieport",
                "0000:00:05.0:pcie001",
                "probe of 0000:00:05.0:pcie001 failed"
            ))
        );
        assert_eq!(
            prefix("usb 1-1:1.0: USB hub found"),
            Some(("usb", "1-1:1.0", "USB hub found"))
        );
        // The message itself may hold further `name: ` parts.
        assert_eq!(
            prefix("exynos-sysmmu 14640000.sysmmu: 14400000.fimd: PAGE FAULT occurred at 0x20000000"),
            Some((
                "exynos-sysmmu",
                "14640000.sysmmu",
                "14400000.fimd: PAGE FAULT occurred at 0x20000000"
            ))
        );
        assert_eq!(
            prefix("arm-smmu-v3 9050000.smmuv3: \t0x0000010000000002"),
            Some(("arm-smmu-v3", "9050000.smmuv3", "\t0x0000010000000002"))
        );
    }

    #[test]
    fn leaves_pr_fmt_english_and_user_space_alone() {
        for text in [
            "iommu: Default domain type: Translated ",
            "Machine model: linux,dummy-virt",
            "CPU features: detected: Spectre-v2",
            "Hardware name: Samsung Exynos (Flattened Device Tree)",
            "Kernel command line: console=ttyAMA0",
            "smmuv3@9050000 Linked as a fwnode consumer to intc@8000000",
            "systemd[1]: Started Journal Service.",
            "kvm [1]: HYP mode not available",
            "EXT4-fs (vda): mounted filesystem",
            "  with arguments:",
            "Freeing unused kernel memory: 1024K",
            "13620000.sysmmu platform: probe deferral - supplier ",
            "16-0044 i2c: supplier regulator-snd_vcc5v not ready",
            "driver: 'virtio-pci': driver_bound: bound to device '0000:00:03.0'",
            "probe of 0000:00:03.0 returned -517 after 5 usecs",
        ] {
            assert_eq!(prefix(text), None, "{text}");
        }
    }

    #[test]
    fn accepts_short_device_names_with_a_message() {
        assert_eq!(
            prefix("asoc-simple-card sound: parse error"),
            Some(("asoc-simple-card", "sound", "parse error"))
        );
    }

    #[test]
    fn empty_driver_string_gives_a_leading_space() {
        assert_eq!(
            prefix(" 0000:00:00.0: hello"),
            Some(("", "0000:00:00.0", "hello"))
        );
        // Indentation of a pasted log is not an empty driver string.
        assert_eq!(
            prefix(" exynos-drm exynos-drm: bound 14400000.fimd (ops fimd_component_ops)"),
            Some((
                "exynos-drm",
                "exynos-drm",
                "bound 14400000.fimd (ops fimd_component_ops)"
            ))
        );
    }

    #[test]
    fn null_device_has_no_prefix_but_loses_its_marker() {
        let split = split("(NULL device *): Adding to iommu group 3");
        assert_eq!(split.prefix, None);
        assert_eq!(split.message, "Adding to iommu group 3");
    }
}
