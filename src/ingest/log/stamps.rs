//! The prefixes `info_print_prefix()` (kernel/printk/printk.c) and util-linux `dmesg` put
//! before a kernel message in text (`reference/kernel-formats.md` §3.8), each optional:
//!
//! ```text
//! [host stamp]  <prio>  fac :lev :  [ secs.usec [<delta>]]  [ctime] iso  [caller]  (Samsung [cpu:comm:pid])  text
//! ```
//!
//! A kernel line may be glued to the end of other output, so a stamp is also searched for
//! inside a line. This is the grammar of one line; `text` streams lines through it.
//!
//! Over ~600 lines only with its tests, one per prefix form of the grammar.

use crate::model::BootTime;

/// A text line read into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextLine<'a> {
    pub time: Option<BootTime>,
    /// The wall clock of a `dmesg -T` / `--time-format iso` stamp (when there was no monotonic
    /// one).
    pub wall: Option<WallTime>,
    pub level: Option<u8>,
    pub facility: Option<u8>,
    pub caller: Option<&'a str>,
    pub text: &'a str,
    /// A kernel prefix (time stamp, `<prio>`, `fac:lev`, caller id) was found: the line is
    /// kernel output, not boot loader or user space text.
    pub kernel_prefix: bool,
}

/// Reads one cleaned line into its parts.
pub fn parse_line(line: &str) -> TextLine<'_> {
    if let Some(parsed) = plain_stamped(line) {
        return parsed;
    }
    // The console with `printk.syslog`-style levels and `dmesg -r`: `<N>[%5lu.%06lu] text`.
    if let Some((priority, after)) = syslog_priority(line) {
        if let Some(parsed) = plain_stamped(after) {
            return TextLine {
                level: Some((priority & 7) as u8),
                facility: u8::try_from(priority >> 3).ok(),
                ..parsed
            };
        }
    }
    let body = strip_host_stamp(line.trim_start()).unwrap_or(line);
    let start = body.trim_start();
    if let Some(parsed) = parse_prefixes(start) {
        return parsed;
    }
    if let Some(at) = find_embedded_stamp(body) {
        if let Some(parsed) = parse_prefixes(&body[at..]) {
            return parsed;
        }
    }
    TextLine {
        time: None,
        wall: None,
        level: None,
        facility: None,
        caller: None,
        text: start.trim_end(),
        kernel_prefix: false,
    }
}

/// The console's and plain `dmesg`'s `[%5lu.%06lu] text`, nearly every line of most logs, read
/// without trying the other prefixes: `None` whenever `parse_prefixes` might read more than
/// the stamp (a wall clock or caller id after it, a delta inside it), which then decides.
fn plain_stamped(line: &str) -> Option<TextLine<'_>> {
    // Read byte by byte: every line of most logs comes here, and the stamp's grammar is one
    // pass (`parse_seconds` behind a search for `]` and one for `.` cost five times as much).
    // The same lines as `parse_prefixes` reads with the same stamp (a test compares them):
    // spaces, 1 to 12 digits, `.`, 1 to 9 digits, `]` within the first 48 bytes after `[`.
    let bytes = line.as_bytes();
    if bytes.first() != Some(&b'[') {
        return None;
    }
    let mut at = 1;
    while bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    let mut secs: u64 = 0;
    let secs_start = at;
    while let Some(digit) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
        secs = secs * 10 + u64::from(digit - b'0');
        at += 1;
        if at - secs_start > 12 {
            return None;
        }
    }
    if at == secs_start || bytes.get(at) != Some(&b'.') {
        return None;
    }
    at += 1;
    let frac_start = at;
    let mut micros: u64 = 0;
    while let Some(digit) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
        if at - frac_start < 6 {
            micros = micros * 10 + u64::from(digit - b'0');
        }
        at += 1;
        if at - frac_start > 9 {
            return None;
        }
    }
    let frac_digits = at - frac_start;
    // `]` must be among the 48 bytes after `[` (the inner part at most 47 long).
    if frac_digits == 0 || bytes.get(at) != Some(&b']') || at > 48 {
        return None;
    }
    for _ in frac_digits..6 {
        micros *= 10;
    }
    // At most 12 digits of seconds: no overflow.
    let time = BootTime(secs * 1_000_000 + micros);
    let text = line[at + 1..].strip_prefix(' ')?;
    // A wall clock (`[...]`, an ISO date) or a caller id may follow: the full grammar reads it.
    if text.starts_with(|c: char| c == '[' || c.is_ascii_digit()) {
        return None;
    }
    Some(TextLine {
        time: Some(time),
        wall: None,
        level: None,
        facility: None,
        caller: None,
        text,
        kernel_prefix: true,
    })
}

/// The prefixes of §3.8 at the start of `s`; `None` when there are none.
fn parse_prefixes(s: &str) -> Option<TextLine<'_>> {
    let mut rest = s;
    let mut found = false;
    let mut level = None;
    let mut facility = None;
    let mut time = None;
    let mut wall = None;
    let mut caller = None;
    if let Some((prio, after)) = syslog_priority(rest) {
        level = Some((prio & 7) as u8);
        facility = u8::try_from(prio >> 3).ok();
        rest = after;
        found = true;
    }
    if let Some((fac, lev, after)) = decoded_priority(rest) {
        facility = Some(fac);
        level = Some(lev);
        rest = after;
        found = true;
    }
    // A monotonic stamp, then any number of wall-clock ones (util-linux prints the monotonic,
    // ctime and ISO stamps together when asked for several formats).
    if let Some((t, after)) = monotonic_stamp(rest) {
        time = Some(t);
        rest = after;
        found = true;
    }
    loop {
        let candidate = if found {
            rest.strip_prefix(' ').unwrap_or(rest)
        } else {
            rest
        };
        match wall_clock_stamp(candidate) {
            Some((stamp, after)) => {
                wall = wall.or(stamp);
                rest = after;
                found = true;
            }
            None => break,
        }
    }
    // The caller id follows the time directly on the console, after a space in util-linux.
    let candidate = rest.strip_prefix(' ').unwrap_or(rest);
    if let Some((id, after)) = caller_id(candidate).or_else(|| caller_id(rest)) {
        caller = Some(id);
        rest = after;
        found = true;
        if let Some(after) = samsung_process(rest) {
            rest = after;
        }
    }
    if !found {
        return None;
    }
    Some(TextLine {
        time,
        wall,
        level,
        facility,
        caller,
        text: rest.strip_prefix(' ').unwrap_or(rest),
        kernel_prefix: true,
    })
}

/// `<N>` (syslog priority, facility·8 + level).
pub fn syslog_priority(s: &str) -> Option<(u32, &str)> {
    let rest = s.strip_prefix('<')?;
    let close = rest.as_bytes().iter().take(4).position(|&b| b == b'>')?;
    let digits = &rest[..close];
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, &rest[close + 1..]))
}

const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
    "res0", "res1", "res2", "res3", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
    "local7",
];
const LEVELS: [&str; 8] = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];

/// util-linux `dmesg -x`: `%-6s:%-6s: ` = `kern  :info  : `.
fn decoded_priority(s: &str) -> Option<(u8, u8, &str)> {
    // The facility field is 6 wide ("kern  :"), "authpriv" 8: look no further.
    let colon = s.as_bytes().iter().take(9).position(|&b| b == b':')?;
    let (fac, rest) = (&s[..colon], &s[colon + 1..]);
    if !fac.starts_with(|c: char| c.is_ascii_lowercase()) {
        return None;
    }
    let facility = FACILITIES.iter().position(|f| *f == fac.trim_end())?;
    let (lev, rest) = rest.split_once(':')?;
    let level = LEVELS.iter().position(|l| *l == lev.trim_end())?;
    if fac.starts_with(' ') || lev.starts_with(' ') {
        return None;
    }
    Some((
        u8::try_from(facility).ok()?,
        u8::try_from(level).ok()?,
        rest.strip_prefix(' ').unwrap_or(rest),
    ))
}

/// `[%5lu.%06lu]`, also with util-linux's `-d` delta (`[    1.234567 <    0.000123>]`) and
/// seconds wider than the field (`[1000000.000000]`).
pub fn monotonic_stamp(s: &str) -> Option<(BootTime, &str)> {
    let inner_start = s.strip_prefix('[')?;
    let close = inner_start.as_bytes().iter().take(48).position(|&b| b == b']')?;
    let inner = inner_start[..close].trim_start_matches(' ');
    let value = match memchr::memchr(b'<', inner.as_bytes()) {
        Some(open) => {
            let (value, delta) = (&inner[..open], &inner[open + 1..]);
            let delta = delta.strip_suffix('>')?.trim_start();
            parse_seconds(delta)?;
            value.trim_end()
        }
        None => inner,
    };
    Some((parse_seconds(value)?, &inner_start[close + 1..]))
}

/// `secs.frac` → microseconds (the fraction is µs in every kernel format; other widths are
/// scaled).
pub fn parse_seconds(text: &str) -> Option<BootTime> {
    let (secs, frac) = text.split_once('.')?;
    if secs.is_empty()
        || secs.len() > 12
        || frac.is_empty()
        || frac.len() > 9
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let secs: u64 = secs.parse().ok()?;
    let micros = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(6)
        .fold(0u64, |acc, digit| acc * 10 + u64::from(digit - b'0'));
    Some(BootTime(secs.checked_mul(1_000_000)?.checked_add(micros)?))
}

/// Stamps without monotonic time: `dmesg -T` `[Mon Nov 24 10:00:03 2025]`, `dmesg -e/-H`
/// `[Nov24 10:00]` and `[  +0.000123]`, `--time-format iso` `2025-11-24T10:00:03,123456+01:00`.
/// Returns the wall clock when the stamp names one in full (ctime, ISO) and the text after it.
fn wall_clock_stamp(s: &str) -> Option<(Option<WallTime>, &str)> {
    if let Some(inner_start) = s.strip_prefix('[') {
        let close = inner_start.as_bytes().iter().take(40).position(|&b| b == b']')?;
        let inner = inner_start[..close].trim();
        let after = &inner_start[close + 1..];
        if let Some(relative) = inner.strip_prefix('+') {
            return parse_seconds(relative).map(|_| (None, after));
        }
        let mut tokens = [""; 6];
        let mut count = 0;
        for token in inner.split_whitespace() {
            if count == tokens.len() {
                return None;
            }
            tokens[count] = token;
            count += 1;
        }
        let is_name = |t: &str| t.len() == 3 && t.bytes().all(|b| b.is_ascii_alphabetic());
        let is_number = |t: &str| !t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit());
        if count == 5 && is_name(tokens[0]) {
            let month = month_number(tokens[1])?;
            let (hour, minute, second) = clock_fields(tokens[3])?;
            if !is_number(tokens[2]) || !is_number(tokens[4]) {
                return None;
            }
            let wall = WallTime::civil(
                tokens[4].parse().ok()?,
                month,
                tokens[2].parse().ok()?,
                (hour, minute, second),
                0,
            );
            return Some((Some(wall), after));
        }
        let minute_marker = count == 2
            && tokens[0].len() >= 4
            && tokens[0].is_char_boundary(3)
            && is_name(&tokens[0][..3])
            && is_number(&tokens[0][3..])
            && is_clock(tokens[1]);
        return minute_marker.then_some((None, after));
    }
    let (stamp, after) = s.split_once(' ')?;
    if !is_iso_with_zone(stamp) {
        return None;
    }
    let (wall, _, _) = iso_wall_clock(stamp)?;
    Some((Some(wall), after))
}

/// `hh:mm` or `hh:mm:ss`.
fn is_clock(t: &str) -> bool {
    let mut parts = 0;
    for part in t.split(':') {
        parts += 1;
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    (2..=3).contains(&parts)
}

/// `hh:mm:ss` → its fields.
pub fn clock_fields(t: &str) -> Option<(u32, u32, u32)> {
    let b = t.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let field = |at: usize| -> Option<u32> { t.get(at..at + 2)?.parse().ok() };
    Some((field(0)?, field(3)?, field(6)?))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Nov` → 11.
pub fn month_number(name: &str) -> Option<u32> {
    let at = MONTHS.iter().position(|m| *m == name)?;
    u32::try_from(at + 1).ok()
}

/// A wall-clock time as written in a log: microseconds since 1970-01-01 00:00 UTC, the zone
/// applied when the stamp names one. Only differences within one boot are used (how long after
/// the boot's first line), so a log without a year or zone still gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WallTime(pub i64);

impl WallTime {
    /// The civil date and time (proleptic Gregorian; Howard Hinnant's `days_from_civil`).
    pub fn civil(
        year: i64,
        month: u32,
        day: u32,
        (hour, minute, second): (u32, u32, u32),
        micros: u32,
    ) -> Self {
        let year = if month <= 2 { year - 1 } else { year };
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(month);
        let day_of_year =
            (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        let days = era * 146_097 + day_of_era - 719_468;
        let seconds = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        WallTime(seconds * 1_000_000 + i64::from(micros))
    }

    /// Microseconds from `earlier` to this time; none when the clock went back.
    pub fn since(self, earlier: WallTime) -> Option<u64> {
        u64::try_from(self.0.checked_sub(earlier.0)?).ok()
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.,frac][zone]` (zone `Z`, `+01:00`, `+0100`) at the start of `s`: the
/// time, whether a zone was given, and the rest.
pub fn iso_wall_clock(s: &str) -> Option<(WallTime, bool, &str)> {
    let rest = iso_date_time(s)?;
    let number = |from: usize, to: usize| -> Option<u32> { s.get(from..to)?.parse().ok() };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let clock = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    let (micros, rest) = match rest.strip_prefix(['.', ',']) {
        Some(frac) => {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            let micros = frac.as_bytes()[..digits]
                .iter()
                .copied()
                .chain(std::iter::repeat(b'0'))
                .take(6)
                .fold(0u32, |acc, digit| acc * 10 + u32::from(digit - b'0'));
            (micros, &frac[digits..])
        }
        None => (0, rest),
    };
    let mut wall = WallTime::civil(i64::from(year), month, day, clock, micros);
    let zone_given = rest.starts_with(['Z', '+', '-']);
    let rest = if let Some(rest) = rest.strip_prefix('Z') {
        rest
    } else if let Some(sign) = rest.chars().next().filter(|c| matches!(c, '+' | '-')) {
        let zone = &rest[1..];
        let digits: usize = zone
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b':')
            .count();
        let mut value = [0i64; 4];
        let mut count = 0;
        for digit in zone[..digits].bytes().filter(u8::is_ascii_digit) {
            *value.get_mut(count)? = i64::from(digit - b'0');
            count += 1;
        }
        if count != 4 {
            return None;
        }
        let hours = value[0] * 10 + value[1];
        let minutes = value[2] * 10 + value[3];
        let offset = (hours * 3600 + minutes * 60) * 1_000_000;
        wall.0 += if sign == '+' { -offset } else { offset };
        &zone[digits..]
    } else {
        rest
    };
    Some((wall, zone_given, rest))
}

/// `YYYY-MM-DDTHH:MM:SS` at the start of `s`; returns the rest.
pub fn iso_date_time(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if b.len() < shape.len() {
        return None;
    }
    for (have, want) in b.iter().zip(shape) {
        let ok = match want {
            b'd' => have.is_ascii_digit(),
            other => have == other,
        };
        if !ok {
            return None;
        }
    }
    Some(&s[shape.len()..])
}

/// util-linux `--time-format iso`: a fraction and a zone (`,123456+01:00`).
fn is_iso_with_zone(stamp: &str) -> bool {
    let Some(rest) = iso_date_time(stamp) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix([',', '.']) else {
        return false;
    };
    let zone = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    zone.len() < rest.len()
        && (zone == "Z"
            || (zone.starts_with(['+', '-'])
                && zone[1..].bytes().all(|b| b.is_ascii_digit() || b == b':')
                && zone.len() >= 3))
}

/// A LAVA/KernelCI host time stamp before the console text: `2023-06-12T11:28:20.467043  `
/// (a fraction, no zone), then white space.
fn strip_host_stamp(s: &str) -> Option<&str> {
    let rest = iso_date_time(s)?;
    let rest = rest.strip_prefix('.')?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    rest.starts_with([' ', '\t']).then(|| rest.trim_start())
}

/// The caller id `[    T1]`, `[  C3]`, and the vendor forms `[T1@C2]`, `[T1:C2]`.
pub fn caller_id(s: &str) -> Option<(&str, &str)> {
    let inner_start = s.strip_prefix('[')?;
    let close = inner_start.as_bytes().iter().take(24).position(|&b| b == b']')?;
    let id = inner_start[..close].trim_start_matches(' ');
    let mut bytes = id.bytes();
    if !matches!(bytes.next(), Some(b'T' | b'C')) {
        return None;
    }
    let digits_then = |text: &str| -> Option<usize> {
        let n = text.bytes().take_while(u8::is_ascii_digit).count();
        (n > 0).then_some(n)
    };
    let first = digits_then(&id[1..])?;
    let tail = &id[1 + first..];
    if !tail.is_empty() {
        let tail = tail.strip_prefix(['@', ':'])?;
        let tail = tail.strip_prefix('C').unwrap_or(tail);
        if digits_then(tail)? != tail.len() {
            return None;
        }
    }
    Some((id, &inner_start[close + 1..]))
}

/// Samsung `CONFIG_PRINTK_PROCESS`: `%c[%1d:%15s:%5d] ` after the caller id.
fn samsung_process(s: &str) -> Option<&str> {
    let rest = s.strip_prefix([' ', 'I'])?;
    let inner_start = rest.strip_prefix('[')?;
    let close = inner_start.as_bytes().iter().take(40).position(|&b| b == b']')?;
    let inner = &inner_start[..close];
    let (cpu, rest_inner) = inner.split_once(':')?;
    let (_comm, pid) = rest_inner.rsplit_once(':')?;
    let pid = pid.trim_start();
    let numeric = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    (numeric(cpu) && numeric(pid)).then_some(&inner_start[close + 1..])
}

/// Where a kernel stamp (with its `<N>` if any) starts inside a line, after other text.
fn find_embedded_stamp(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'[', &bytes[from..]) {
        let at = from + found;
        if monotonic_stamp(&line[at..]).is_some() {
            // Include a syslog priority glued before it (`#<6>[   25.577486] ...`).
            if let Some(open) = line[..at].rfind('<') {
                if syslog_priority(&line[open..]).is_some_and(|(_, after)| after.len() == line.len() - at) {
                    return Some(open);
                }
            }
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// time (µs), level, facility, caller, text, kernel prefix.
    type Parts<'a> = (
        Option<u64>,
        Option<u8>,
        Option<u8>,
        Option<&'a str>,
        &'a str,
        bool,
    );

    fn parsed(line: &str) -> Parts<'_> {
        let p = parse_line(line);
        (
            p.time.map(|t| t.0),
            p.level,
            p.facility,
            p.caller,
            p.text,
            p.kernel_prefix,
        )
    }

    #[test]
    fn the_plain_stamp_fast_path_reads_as_the_full_grammar() {
        let crafted = [
            "[    0.000000] Booting Linux on physical CPU 0x0",
            "[    0.000000]   DMA      [mem 0x0000000040000000-0x000000007effffff]",
            "[   12.345678] ",
            "[1000000.000001] virtio-pci 0000:00:03.0: enabling device",
            "[    1.000000] [T1] caller after a space",
            "[    1.000000] 2025-11-24T10:00:03,123456+01:00 iso after the stamp",
            "[    1.000000 <    0.000123>] with a delta",
            "[    1.000000][    T1] console caller",
            "[ 1.5 ] not a stamp",
            "[123456789012.123456789] twelve and nine digits",
            "[1234567890123.5] thirteen digits",
            "[1.1234567890] ten digits",
            "[1.] no fraction",
            "[.5] no seconds",
            "[1.5]no space",
            "[1.5] ",
            "[1.5 ] space before the bracket",
            "[                                        1.000001] the bracket at 48",
            "[                                         1.000001] the bracket past 48",
            "[    0.123456] ] a second bracket",
        ];
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt");
        let corpus = std::fs::read_to_string(path).expect("fixture");
        let mut fast = 0;
        for line in crafted.into_iter().chain(corpus.lines()) {
            if let Some(parsed) = plain_stamped(line) {
                fast += 1;
                assert_eq!(Some(parsed), parse_prefixes(line), "{line}");
            }
        }
        assert!(fast > 300, "{fast}");
    }

    #[test]
    fn plain_raw_and_decoded_dmesg() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt:1 and dmesg-raw.txt:2
        assert_eq!(
            parsed("[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]"),
            (
                Some(0),
                None,
                None,
                None,
                "Booting Linux on physical CPU 0x0000000000 [0x411fd070]",
                true
            )
        );
        assert_eq!(
            parsed("<5>[    0.000000] Linux version 6.1.0-56-arm64"),
            (
                Some(0),
                Some(5),
                Some(0),
                None,
                "Linux version 6.1.0-56-arm64",
                true
            )
        );
        // fixtures/public/kernelci-x86-amd-shuboz-5.15-serial-dmesg-decode-kern-alert-amd-vi-groups.txt
        assert_eq!(
            parsed("kern  :alert : BUG: kernel NULL pointer dereference, address: 00000000000002fc"),
            (
                None,
                Some(1),
                Some(0),
                None,
                "BUG: kernel NULL pointer dereference, address: 00000000000002fc",
                true
            )
        );
        // The user facility of a /dev/kmsg write (fixtures/qemu/.../dmesg-raw.txt LAB lines)
        assert_eq!(
            parsed("<12>[    0.962996] LAB: init started, scenario late"),
            (
                Some(962_996),
                Some(4),
                Some(1),
                None,
                "LAB: init started, scenario late",
                true
            )
        );
    }

    #[test]
    fn caller_ids_with_and_without_space_and_samsung_blocks() {
        // fixtures/public/imx8mq-tqma8mq-printk-caller-devlink-dyndbg.txt
        assert_eq!(
            parsed("[    0.355584][    T1] platform 303a0000.gpc: Linked as a sync state only consumer to 30380000.clock-controller").3,
            Some("T1")
        );
        // util-linux form (reference/kernel-formats.md §3.5)
        assert_eq!(
            parsed("[    1.234567] [    T1] msg"),
            (Some(1_234_567), None, None, Some("T1"), "msg", true)
        );
        // Samsung CONFIG_PRINTK_PROCESS (reference/kernel-formats.md §3.4)
        assert_eq!(
            parsed("[    1.234567][  T123] [4:  kworker/u16:2:  123] exynos-sysmmu 10a60000.sysmmu: x"),
            (
                Some(1_234_567),
                None,
                None,
                Some("T123"),
                "exynos-sysmmu 10a60000.sysmmu: x",
                true
            )
        );
        assert_eq!(
            parsed("[    1.234567][    C0]I[0:      swapper/0:    0] msg"),
            (Some(1_234_567), None, None, Some("C0"), "msg", true)
        );
        assert_eq!(parsed("[   12.345678][T12@C3] msg").3, Some("T12@C3"));
    }

    #[test]
    fn wall_clock_and_delta_stamps() {
        // fixtures/public/x86-mlx5-sriov-vf-dmesg-T-ctime-dmar-intr-remap-fault.txt
        assert_eq!(
            parsed("[Thu Oct 22 08:54:51 2020] DMAR: DRHD: handling fault status reg 2"),
            (
                None,
                None,
                None,
                None,
                "DMAR: DRHD: handling fault status reg 2",
                true
            )
        );
        // fixtures/public/util-linux-fixture-dmesg-ctime-iso-timestamp-formats-output.txt
        assert_eq!(
            parsed(
                "[1000000.000000] [Mon Feb 25 13:18:10 2009] 2009-02-25T13:18:10,123456+00:00 example[13]"
            ),
            (Some(1_000_000_000_000), None, None, None, "example[13]", true)
        );
        assert_eq!(
            parsed("2025-11-24T10:00:03,123456+01:00 msg"),
            (None, None, None, None, "msg", true)
        );
        assert_eq!(
            parsed("[    1.234567 <    0.000123>] msg"),
            (Some(1_234_567), None, None, None, "msg", true)
        );
        assert_eq!(parsed("[  +0.000123] msg").4, "msg");
        assert!(parsed("[Nov24 10:00] msg").5);
    }

    #[test]
    fn host_stamps_and_kernel_lines_glued_to_other_output() {
        // fixtures/public/kernelci-bot-report-bootrr-deferred-probe-empty-lava-host-timestamps.txt
        assert_eq!(
            parsed("    2023-06-12T11:28:20.467043  #<6>[   25.577486] platform AMDI5682:00: deferred probe pending"),
            (Some(25_577_486), Some(6), Some(0), None, "platform AMDI5682:00: deferred probe pending", true)
        );
        assert_eq!(
            parsed("    2023-06-12T11:28:53.368878  / # export SHELL=/bin/sh[   23.553931] platform AMDI5682:00: deferred probe pending").0,
            Some(23_553_931)
        );
        assert_eq!(
            parsed("    2023-06-12T11:28:20.466228  export SHELL=/bin/sh"),
            (None, None, None, None, "export SHELL=/bin/sh", false)
        );
    }

    #[test]
    fn lines_without_prefix_are_kept_as_text() {
        // fixtures/public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt
        assert_eq!(
            parsed(" exynos-sysmmu 14640000.sysmmu: 14400000.fimd: PAGE FAULT occurred at 0x20000000"),
            (
                None,
                None,
                None,
                None,
                "exynos-sysmmu 14640000.sysmmu: 14400000.fimd: PAGE FAULT occurred at 0x20000000",
                false
            )
        );
        // systemd status and boot loader millisecond prefixes are not kernel stamps
        assert!(!parsed("[  OK  ] Started Journal Service.").5);
        assert!(!parsed("[30580] [30580] fastboot: processing commands").5);
    }

    #[test]
    fn seconds_scale_to_microseconds() {
        assert_eq!(parse_seconds("12.527461"), Some(BootTime(12_527_461)));
        assert_eq!(parse_seconds("1.5"), Some(BootTime(1_500_000)));
        assert_eq!(parse_seconds("1.123456789"), Some(BootTime(1_123_456)));
        assert_eq!(parse_seconds("x.1"), None);
    }
}
