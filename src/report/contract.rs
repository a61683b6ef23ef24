//! The report contract: every JSON document and every NDJSON line that any command prints starts
//! with the same header, so a consumer can tell which schema and which tool wrote it before it
//! reads anything else. The schema is generated from these types (schemars) and committed.

use schemars::JsonSchema;
use serde::Serialize;

/// The JSON contract's version: bumped on any breaking change to any command's JSON.
pub const SCHEMA_VERSION: u32 = 2;

/// The fields every JSON document starts with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Header {
    /// [`SCHEMA_VERSION`] of the document.
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
            tool: concat!("probescope ", env!("CARGO_PKG_VERSION")).to_string(),
            command: command.to_string(),
        }
    }
}

/// A command's JSON body behind the header: `{"schema", "tool", "command", ...body}`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Document<T> {
    #[serde(flatten)]
    pub header: Header,
    #[serde(flatten)]
    pub body: T,
}

impl<T> Document<T> {
    pub fn new(command: &str, body: T) -> Self {
        Document {
            header: Header::new(command),
            body,
        }
    }
}
