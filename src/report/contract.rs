//! The report contract: every JSON document and every NDJSON line that any command prints starts
//! with the same header, so a consumer can tell which schema and which tool wrote it before it
//! reads anything else. The schema is generated from these types (schemars, see
//! [`super::schema`]) and committed under `schema/`.

use crate::error::{Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The JSON contract's version: bumped on any breaking change to any command's JSON.
pub const SCHEMA_VERSION: u32 = 2;

/// The fields every JSON document starts with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Header {
    /// The contract's version: bumped on any breaking change of any command's JSON.
    pub schema: u32,
    /// `probescope X.Y.Z`: the tool and version that wrote the document.
    pub tool: String,
    /// The subcommand that wrote the document (`check`, `why`, `graph`, `rules`, `sysmmu`, ...).
    pub command: String,
}

impl Header {
    pub fn new(command: &str) -> Self {
        Header {
            schema: SCHEMA_VERSION,
            tool: tool_name().to_string(),
            command: command.to_string(),
        }
    }
}

/// `probescope X.Y.Z`, as the header's `tool` says it.
pub fn tool_name() -> &'static str {
    concat!("probescope ", env!("CARGO_PKG_VERSION"))
}

/// A command's JSON body behind the header: `{"schema", "tool", "command", ...body}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Document<T> {
    #[serde(flatten)]
    pub header: Header,
    #[serde(flatten)]
    pub body: T,
}

impl<T: Serialize> Document<T> {
    pub fn new(command: &str, body: T) -> Self {
        Document {
            header: Header::new(command),
            body,
        }
    }

    /// The document as indented JSON ending with a newline (what `--format json` prints).
    pub fn to_pretty_json(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| self.error(e))?;
        text.push('\n');
        Ok(text)
    }

    /// The document as indented JSON ending with a newline, written to `out` as it is made
    /// (a large graph's JSON never sits in memory whole). `name` is what `out` is called in an
    /// error (`<stdout>`).
    pub fn write_pretty_json(&self, out: &mut dyn std::io::Write, name: &str) -> Result<()> {
        serde_json::to_writer_pretty(&mut *out, self).map_err(|e| match e.io_error_kind() {
            Some(kind) => Error::io(name, std::io::Error::new(kind, e.to_string())),
            None => self.error(e),
        })?;
        out.write_all(b"\n").map_err(|e| Error::io(name, e))
    }

    /// The document as one line ending with a newline (one NDJSON record). JSON strings
    /// escape every control character, so a line never breaks inside a log's text.
    pub fn to_json_line(&self) -> Result<String> {
        let mut text = serde_json::to_string(self).map_err(|e| self.error(e))?;
        text.push('\n');
        Ok(text)
    }

    fn error(&self, error: serde_json::Error) -> Error {
        // Only a bug can get here (a map with non-string keys, a failing custom Serialize):
        // say so rather than print a half document.
        Error::Other(format!(
            "internal error while writing the {} JSON: {error}; please report it",
            self.header.command
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        answer: u32,
    }

    #[test]
    fn the_header_comes_first_and_the_body_follows_flat() {
        let text = Document::new("why", Body { answer: 42 }).to_json_line().unwrap();
        assert_eq!(
            text,
            format!(
                "{{\"schema\":{SCHEMA_VERSION},\"tool\":\"probescope {}\",\"command\":\"why\",\"answer\":42}}\n",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn serialization_errors_are_returned() {
        use std::collections::BTreeMap;
        // serde_json cannot write a map whose keys are not strings.
        #[derive(Serialize)]
        struct Bad {
            map: BTreeMap<(u8, u8), u8>,
        }
        let document = Document::new(
            "graph",
            Bad {
                map: BTreeMap::from([((1, 2), 3)]),
            },
        );
        let error = document.to_pretty_json().unwrap_err().to_string();
        assert!(error.contains("writing the graph JSON"), "{error}");
    }
}
