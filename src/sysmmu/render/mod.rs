//! The `sysmmu` answers as the user reads them: tables and notes ([`text`]) or the versioned JSON
//! contract ([`json`]). Renderers only format; every decision was made when the answer was built.

pub mod json;
pub mod text;

use super::answers::SysmmuAnswer;
use crate::error::Result;
use std::io::Write;

/// How an answer is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// Writes `answer` to `out` in `format`.
pub fn write(answer: &SysmmuAnswer, format: Format, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Text => text::write(answer, out),
        Format::Json => json::write(answer, out),
    }
}
