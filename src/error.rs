//! Errors of the tool itself (not findings about a board): unreadable input, bad usage.
//!
//! A board problem is a finding; a tool problem is an error. Every error says where: the file,
//! the line or byte offset, and what was expected.

use std::fmt;
use std::path::PathBuf;

/// Where in an input file a problem was found (not a place on a boot's time line: that is
/// `model::Position`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The whole file (it could not be opened, or is empty).
    File,
    /// A 1-based line number.
    Line(u32),
    /// A byte offset from the start of the (decompressed) file.
    Offset(u64),
}

/// An input that could not be read as what it was taken for.
#[derive(Debug, thiserror::Error)]
pub struct InputError {
    pub file: String,
    pub position: Location,
    /// What the reader expected at that place, e.g. "a devlink status".
    pub expected: String,
    /// What was found instead (already shortened and escaped for a terminal).
    pub found: Option<String>,
}

impl InputError {
    pub fn new(file: impl Into<String>, position: Location, expected: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            position,
            expected: expected.into(),
            found: None,
        }
    }

    pub fn found(mut self, found: impl AsRef<str>) -> Self {
        self.found = Some(crate::sanitize::shorten(
            &crate::sanitize::escape_control(found.as_ref()),
            80,
        ));
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Location::File => write!(f, "{}: expected {}", self.file, self.expected)?,
            Location::Line(line) => write!(f, "{}:{}: expected {}", self.file, line, self.expected)?,
            Location::Offset(offset) => write!(
                f,
                "{} (byte offset {offset:#x}): expected {}",
                self.file, self.expected
            )?,
        }
        if let Some(found) = &self.found {
            write!(f, ", found `{found}`")?;
        }
        Ok(())
    }
}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
