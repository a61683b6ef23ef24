//! The JSON Schema of every document the tool writes, generated from the report types
//! (schemars) and committed under `schema/` by `probescope generate` (which also checks it
//! for drift, like the completions and man pages).
//!
//! One file per document kind rather than one file with a `oneOf` over commands: a consumer
//! (or a test) that reads one command's output loads the one schema that describes it; the
//! NDJSON line and the `check` document share their `command` value, so a `oneOf` would need a
//! second discriminant; and validators report a failed `oneOf` as "matched none of N", hiding
//! the field that is wrong.
//!
//! Adding a command's JSON is one line in [`documents`]: its root type and its `command`.

use super::contract::{Document, SCHEMA_VERSION};
use crate::report::baseline::BaselineFile;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::{json, Value};

/// One kind of JSON document: its schema file's stem (`schema/NAME.json`), the `command` its
/// header carries, what it is, and its schema.
pub struct DocumentKind {
    pub name: &'static str,
    pub command: &'static str,
    pub title: &'static str,
    pub schema: Schema,
}

/// Every JSON document the tool writes or reads.
pub fn documents() -> Vec<DocumentKind> {
    use super::graph::json::Graph;
    use super::json::{BootReport, CheckRun};
    use super::{rules::RuleList, why::WhyReport};
    let written = || SchemaSettings::draft2020_12().for_serialize();
    vec![
        kind::<Document<CheckRun>>(
            written(),
            "check",
            "check",
            "probescope check --format json: the run",
        ),
        kind::<Document<BootReport>>(
            written(),
            "check-ndjson",
            "check",
            "probescope check --format ndjson: one line per boot",
        ),
        kind::<Document<WhyReport>>(written(), "why", "why", "probescope why --format json"),
        kind::<Document<super::why::ChainReport>>(
            written(),
            "why-chain",
            "why",
            "probescope why DEVICE --chain --format json",
        ),
        kind::<Document<super::blame::BlameRun>>(
            written(),
            "blame",
            "blame",
            "probescope blame --format json",
        ),
        kind::<Document<Graph>>(written(), "graph", "graph", "probescope graph --format json"),
        kind::<Document<RuleList>>(written(), "rules", "rules", "probescope rules --format json"),
        kind::<Document<super::plan::PlanReport>>(written(), "plan", "plan", "probescope plan --format json"),
        kind::<Document<super::diff::DiffReport>>(written(), "diff", "diff", "probescope diff --format json"),
        kind::<Document<super::watch::WatchFinding>>(
            written(),
            "watch-ndjson",
            "watch",
            "probescope watch --format ndjson: one line per finding as it becomes certain (the last line is check's document)",
        ),
        kind::<crate::sysmmu::render::json::SysmmuDocument>(
            written(),
            "sysmmu",
            "sysmmu",
            "probescope sysmmu regs|translate|map|fault --format json",
        ),
        // Read back as well as written: described as the reader accepts it.
        kind::<BaselineFile>(
            SchemaSettings::draft2020_12().for_deserialize(),
            "baseline",
            "check",
            "probescope check --write-baseline FILE / --baseline FILE: the accepted findings",
        ),
    ]
}

/// `T`'s schema with what the types cannot say pinned: the header's `schema` and `command`
/// values, and a title.
fn kind<T: JsonSchema>(
    settings: SchemaSettings,
    name: &'static str,
    command: &'static str,
    title: &'static str,
) -> DocumentKind {
    let mut schema = settings.into_generator().into_root_schema_for::<T>();
    schema.insert("title".into(), json!(title));
    schema.insert(
        "description".into(),
        json!(format!(
            "{title}. Starts with the report contract's header (`schema`, `tool`, `command`); \
             generated from the types by `probescope generate`."
        )),
    );
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (field, value) in [("schema", json!(SCHEMA_VERSION)), ("command", json!(command))] {
            if let Some(field) = properties.get_mut(field).and_then(Value::as_object_mut) {
                field.insert("const".into(), value);
            }
        }
    }
    DocumentKind {
        name,
        command,
        title,
        schema,
    }
}

/// A schema file's text: indented, ending with a newline.
pub fn to_text(schema: &Schema) -> crate::error::Result<String> {
    let mut text = serde_json::to_string_pretty(schema).map_err(|e| {
        crate::error::Error::Other(format!("internal error while writing a JSON Schema: {e}"))
    })?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_pins_the_header() {
        let documents = documents();
        let mut names: Vec<&str> = documents.iter().map(|d| d.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), documents.len(), "one schema file per kind");
        for document in &documents {
            let properties = document
                .schema
                .get("properties")
                .unwrap_or_else(|| panic!("{}", document.name));
            assert_eq!(properties["schema"]["const"], SCHEMA_VERSION, "{}", document.name);
            assert_eq!(
                properties["command"]["const"], document.command,
                "{}",
                document.name
            );
            let required = document.schema.get("required").and_then(Value::as_array).unwrap();
            for field in ["schema", "tool", "command"] {
                assert!(required.contains(&json!(field)), "{}: {field}", document.name);
            }
        }
    }
}
