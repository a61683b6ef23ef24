//! Our own converter from `/dev/kmsg` records (what a capture's `kmsg.txt` holds) into every form
//! in which people hand kernel logs over: util-linux `dmesg` options, `journalctl -k` output modes,
//! and syslog files. The log front end must give the same analysis whatever the form; tests render
//! real captures through this module and compare. Formats follow util-linux `sys-utils/dmesg.c`,
//! systemd `src/shared/logs-show.c` and rsyslog's traditional and high-precision templates.

/// One record of `/dev/kmsg`: `<prio>,<seq>,<usec>,<flag>[,caller=<id>];<text>`.
#[derive(Clone, Debug)]
pub struct Record {
    pub prio: u32,
    pub seq: u64,
    pub usec: u64,
    pub caller: Option<String>,
    /// The message as the kernel printed it (kmsg `\xNN` escapes decoded).
    pub text: String,
}

/// Parses the records of a `kmsg.txt` (continuation lines starting with a space are dropped:
/// they are the device descriptor, not text).
pub fn parse_kmsg(text: &str) -> Vec<Record> {
    text.lines()
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| {
            let (head, message) = line.split_once(';')?;
            let mut fields = head.split(',');
            let prio = fields.next()?.parse().ok()?;
            let seq = fields.next()?.parse().ok()?;
            let usec = fields.next()?.parse().ok()?;
            let _flag = fields.next()?;
            let caller = fields.find_map(|f| f.strip_prefix("caller=").map(str::to_string));
            Some(Record {
                prio,
                seq,
                usec,
                caller,
                text: unescape(message),
            })
        })
        .collect()
}

fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') && i + 4 <= bytes.len() {
            if let Ok(value) = u8::from_str_radix(&text[i + 2..i + 4], 16) {
                out.push(value);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every form this converter writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `dmesg`: `[    1.234567] msg`
    Dmesg,
    /// `dmesg -t`: no timestamp
    DmesgNoTime,
    /// `dmesg -r`: `<6>[    1.234567] msg`
    DmesgRaw,
    /// `dmesg -x`: `kern  :info  : [    1.234567] msg`
    DmesgDecode,
    /// `dmesg -T`: `[Tue Nov 24 10:00:01 2026] msg`
    DmesgCtime,
    /// `dmesg --time-format iso`: `2026-11-24T10:00:01,123456+00:00 msg`
    DmesgIso,
    /// `dmesg --json`
    DmesgJson,
    /// `/dev/kmsg` records
    Kmsg,
    /// `journalctl -k` (short)
    JournalShort,
    /// `journalctl -k -o short-precise`
    JournalShortPrecise,
    /// `journalctl -k -o short-iso`
    JournalShortIso,
    /// `journalctl -k -o short-monotonic`
    JournalShortMonotonic,
    /// `journalctl -k -o cat`
    JournalCat,
    /// `journalctl -k -o json`
    JournalJson,
    /// `journalctl -k -o json-pretty`
    JournalJsonPretty,
    /// `journalctl -k -o export`
    JournalExport,
    /// `/var/log/kern.log` (RFC 3164) with the kernel's `[ts]` in the message
    SyslogTraditional,
    /// RFC 3164 without a kernel timestamp in the message
    SyslogTraditionalNoKernelTime,
    /// rsyslog high precision (RFC 3339) with `[ts][  T1]` glued in the message
    SyslogRfc3339Caller,
}

impl Form {
    pub const ALL: &'static [Form] = &[
        Form::Dmesg,
        Form::DmesgNoTime,
        Form::DmesgRaw,
        Form::DmesgDecode,
        Form::DmesgCtime,
        Form::DmesgIso,
        Form::DmesgJson,
        Form::Kmsg,
        Form::JournalShort,
        Form::JournalShortPrecise,
        Form::JournalShortIso,
        Form::JournalShortMonotonic,
        Form::JournalCat,
        Form::JournalJson,
        Form::JournalJsonPretty,
        Form::JournalExport,
        Form::SyslogTraditional,
        Form::SyslogTraditionalNoKernelTime,
        Form::SyslogRfc3339Caller,
    ];

    /// Whether the form carries any time at all (monotonic or wall clock).
    pub fn has_time(self) -> bool {
        !matches!(self, Form::DmesgNoTime | Form::JournalCat)
    }
}

/// What a boot looked like from outside: when it started (wall clock), the host, the boot id.
#[derive(Clone, Debug)]
pub struct BootStamp {
    /// Seconds since the epoch (UTC) at kernel time 0.
    pub epoch: u64,
    pub host: String,
    /// 32 hex digits.
    pub boot_id: String,
}

impl BootStamp {
    pub fn new(index: u64) -> Self {
        BootStamp {
            // 2026-11-24 10:00:00 UTC, one day apart per boot.
            epoch: 1_795_514_400 + index * 86_400,
            host: "board".to_string(),
            boot_id: format!("{:032x}", 0x5eed_0000_u64 + index),
        }
    }
}

const LEVELS: [&str; 8] = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];
const FACILITIES: [&str; 12] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

struct Wall {
    year: i64,
    month: u32,
    day: u32,
    hour: u64,
    minute: u64,
    second: u64,
    micros: u64,
    weekday: usize,
}

impl Wall {
    fn month_name(&self) -> &'static str {
        MONTHS[self.month as usize - 1]
    }

    /// `HH:MM:SS`
    fn clock(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }

    /// `YYYY-MM-DD`
    fn date(&self) -> String {
        format!("{}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn wall(stamp: &BootStamp, usec: u64) -> Wall {
    let total_micros = stamp.epoch * 1_000_000 + usec;
    let secs = total_micros / 1_000_000;
    let days = (secs / 86_400) as i64;
    let (year, month, day) = civil(days);
    let in_day = secs % 86_400;
    Wall {
        year,
        month,
        day,
        hour: in_day / 3600,
        minute: in_day / 60 % 60,
        second: in_day % 60,
        micros: total_micros % 1_000_000,
        weekday: (days % 7) as usize,
    }
}

fn mono(usec: u64) -> String {
    format!("[{:5}.{:06}]", usec / 1_000_000, usec % 1_000_000)
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The kernel's escaping of record text in /dev/kmsg: bytes below 0x20, from 0x7f and `\` as
/// `\xNN` (kernel/printk/printk.c, `msg_add_ext_text()`).
fn kmsg_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if !(0x20..0x7f).contains(&byte) || byte == b'\\' {
            out.push_str(&format!("\\x{byte:02x}"));
        } else {
            out.push(char::from(byte));
        }
    }
    out
}

/// Renders the records of one boot in a form. `first` is false for the second and later boots
/// of a multi-boot file (journal separators are written between boots).
pub fn render_boot(records: &[Record], form: Form, stamp: &BootStamp, first: bool) -> String {
    let mut out = String::new();
    if !first
        && matches!(
            form,
            Form::JournalShort
                | Form::JournalShortPrecise
                | Form::JournalShortIso
                | Form::JournalShortMonotonic
        )
    {
        out.push_str(&format!("-- Boot {} --\n", stamp.boot_id));
    }
    if form == Form::DmesgJson {
        out.push_str("{\n   \"dmesg\": [\n");
    }
    for (index, record) in records.iter().enumerate() {
        let level = (record.prio & 7) as usize;
        let facility = (record.prio >> 3) as usize;
        let w = wall(stamp, record.usec);
        let host = &stamp.host;
        let caller = record.caller.as_deref();
        let line = match form {
            Form::Dmesg => match caller {
                Some(id) => format!("{} [{id:>6}] {}", mono(record.usec), record.text),
                None => format!("{} {}", mono(record.usec), record.text),
            },
            Form::DmesgNoTime => record.text.clone(),
            Form::DmesgRaw => format!("<{}>{} {}", record.prio, mono(record.usec), record.text),
            Form::DmesgDecode => format!(
                "{:<6}:{:<6}: {} {}",
                FACILITIES.get(facility).copied().unwrap_or("local0"),
                LEVELS[level],
                mono(record.usec),
                record.text
            ),
            Form::DmesgCtime => format!(
                "[{} {} {:>2} {} {}] {}",
                WEEKDAYS[w.weekday],
                w.month_name(),
                w.day,
                w.clock(),
                w.year,
                record.text
            ),
            Form::DmesgIso => format!("{}T{},{:06}+00:00 {}", w.date(), w.clock(), w.micros, record.text),
            Form::DmesgJson => {
                let separator = if index + 1 == records.len() { "" } else { "," };
                let caller = caller
                    .map(|id| format!("         \"caller\": {},\n", json_string(id)))
                    .unwrap_or_default();
                format!(
                    "      {{\n         \"pri\": {},\n         \"time\": {:5}.{:06},\n{caller}         \"msg\": {}\n      }}{separator}",
                    record.prio,
                    record.usec / 1_000_000,
                    record.usec % 1_000_000,
                    json_string(&record.text)
                )
            }
            Form::Kmsg => {
                let caller = caller.map(|id| format!(",caller={id}")).unwrap_or_default();
                format!(
                    "{},{},{},-{caller};{}",
                    record.prio,
                    record.seq,
                    record.usec,
                    kmsg_escape(&record.text)
                )
            }
            Form::JournalShort => format!(
                "{} {:02} {} {host} kernel: {}",
                w.month_name(),
                w.day,
                w.clock(),
                record.text
            ),
            Form::JournalShortPrecise => format!(
                "{} {:02} {}.{:06} {host} kernel: {}",
                w.month_name(),
                w.day,
                w.clock(),
                w.micros,
                record.text
            ),
            Form::JournalShortIso => {
                format!("{}T{}+00:00 {host} kernel: {}", w.date(), w.clock(), record.text)
            }
            Form::JournalShortMonotonic => format!("{} {host} kernel: {}", mono(record.usec), record.text),
            Form::JournalCat => record.text.clone(),
            Form::JournalJson | Form::JournalJsonPretty => {
                let fields = journal_fields(record, stamp);
                if form == Form::JournalJson {
                    let body: Vec<String> = fields
                        .iter()
                        .map(|(k, v)| format!("\"{k}\":{}", json_string(v)))
                        .collect();
                    format!("{{{}}}", body.join(","))
                } else {
                    let body: Vec<String> = fields
                        .iter()
                        .map(|(k, v)| format!("\t\"{k}\" : {}", json_string(v)))
                        .collect();
                    format!("{{\n{}\n}}", body.join(",\n"))
                }
            }
            Form::JournalExport => {
                let fields = journal_fields(record, stamp);
                let mut entry: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                entry.push(String::new());
                entry.join("\n")
            }
            Form::SyslogTraditional => format!(
                "{} {:>2} {} {host} kernel: {} {}",
                w.month_name(),
                w.day,
                w.clock(),
                mono(record.usec),
                record.text
            ),
            Form::SyslogTraditionalNoKernelTime => format!(
                "{} {:>2} {} {host} kernel: {}",
                w.month_name(),
                w.day,
                w.clock(),
                record.text
            ),
            Form::SyslogRfc3339Caller => format!(
                "{}T{}.{:06}+00:00 {host} kernel: {}[{:>6}] {}",
                w.date(),
                w.clock(),
                w.micros,
                mono(record.usec),
                caller.unwrap_or("T1"),
                record.text
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if form == Form::DmesgJson {
        out.push_str("   ]\n}\n");
    }
    out
}

fn journal_fields(record: &Record, stamp: &BootStamp) -> Vec<(&'static str, String)> {
    vec![
        (
            "__REALTIME_TIMESTAMP",
            (stamp.epoch * 1_000_000 + record.usec).to_string(),
        ),
        ("__MONOTONIC_TIMESTAMP", record.usec.to_string()),
        ("_BOOT_ID", stamp.boot_id.clone()),
        ("_TRANSPORT", "kernel".to_string()),
        ("PRIORITY", (record.prio & 7).to_string()),
        ("SYSLOG_FACILITY", (record.prio >> 3).to_string()),
        ("SYSLOG_IDENTIFIER", "kernel".to_string()),
        ("_HOSTNAME", stamp.host.clone()),
        ("_SOURCE_MONOTONIC_TIMESTAMP", record.usec.to_string()),
        ("MESSAGE", record.text.clone()),
    ]
}

/// Several boots in one file, as a kern.log over days, `journalctl -k` without `-b`, or a serial
/// console across reboots would hold them.
pub fn render_boots(boots: &[&[Record]], form: Form) -> String {
    if form == Form::DmesgJson || form == Form::Kmsg {
        // Neither form spans boots: dmesg and /dev/kmsg show the running kernel only.
        return boots
            .iter()
            .enumerate()
            .map(|(index, records)| render_boot(records, form, &BootStamp::new(index as u64), true))
            .collect();
    }
    boots
        .iter()
        .enumerate()
        .map(|(index, records)| render_boot(records, form, &BootStamp::new(index as u64), index == 0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(20_781), (2026, 11, 24));
        assert_eq!(WEEKDAYS[(20_781 % 7) as usize], "Tue");
    }
}
