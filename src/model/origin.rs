//! Where a fact came from: every record carries its origin so every finding can cite it.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// The name of an input as the user gave it (or as found inside a directory/bundle).
pub type SourceName = Arc<str>;

/// A place in an input: file and 1-based line (0 when the fact is not tied to a line, e.g. a
/// property of a binary device tree or a symlink in a sysfs tree).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, schemars::JsonSchema)]
pub struct Origin {
    pub file: SourceName,
    pub line: u32,
}

impl Origin {
    pub fn new(file: &SourceName, line: u32) -> Self {
        Origin {
            file: Arc::clone(file),
            line,
        }
    }

    pub fn file_only(file: &SourceName) -> Self {
        Origin {
            file: Arc::clone(file),
            line: 0,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// A fact's origin and the text that shows it (a log line, a sysfs value, a DT property).
/// Serialized flat, as `{"file", "line", "text"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, schemars::JsonSchema)]
pub struct Evidence {
    #[schemars(flatten)]
    pub origin: Origin,
    // An Arc: one log line is the evidence of every fact it states (not a doc comment, which
    // would show in the JSON schema).
    pub text: Arc<str>,
}

impl Evidence {
    pub fn new(origin: Origin, text: impl Into<Arc<str>>) -> Self {
        Evidence {
            origin,
            text: text.into(),
        }
    }
}

/// Read back as it is written (`{"file", "line", "text"}`), so a JSON report round-trips.
impl<'de> serde::Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Flat {
            file: String,
            line: u32,
            text: String,
        }
        let flat = Flat::deserialize(deserializer)?;
        Ok(Evidence {
            origin: Origin {
                file: SourceName::from(flat.file),
                line: flat.line,
            },
            text: flat.text.into(),
        })
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut state = serializer.serialize_struct("Evidence", 3)?;
        state.serialize_field("file", &*self.origin.file)?;
        state.serialize_field("line", &self.origin.line)?;
        state.serialize_field("text", &*self.text)?;
        state.end()
    }
}

/// Kernel monotonic time since boot, in microseconds (the resolution of every log format).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BootTime(pub u64);

impl BootTime {
    pub fn from_secs_f64(secs: f64) -> Self {
        BootTime((secs * 1_000_000.0).round().max(0.0) as u64)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }
}

impl fmt::Display for BootTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_time_round_trips_microseconds() {
        let t = BootTime::from_secs_f64(12.527461);
        assert_eq!(t.0, 12_527_461);
        assert_eq!(t.to_string(), "12.527461");
    }

    #[test]
    fn origin_displays_file_and_line() {
        let file: SourceName = "dmesg.txt".into();
        assert_eq!(Origin::new(&file, 301).to_string(), "dmesg.txt:301");
        assert_eq!(Origin::file_only(&file).to_string(), "dmesg.txt");
    }
}
