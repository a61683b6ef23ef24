//! Validates the JSON the CLI prints against the committed schema (`schema/KIND.json`, written
//! by `probescope generate` from the report types). A test calls [`assert_valid`] wherever it
//! parses JSON output, so every document the tests produce on the corpus is checked against the
//! contract consumers read.
//!
//! Self-contained (a `mod schema_support;` away from any test file) so it moves with the tests.

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// Every schema under `schema/`, compiled once per test binary.
struct Compiled {
    schemas: boon::Schemas,
    by_kind: HashMap<String, boon::SchemaIndex>,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        let mut by_kind = HashMap::new();
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a readable schema/ entry").path();
            let Some(kind) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let schema: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let location = path.display().to_string();
            compiler
                .add_resource(&location, schema)
                .unwrap_or_else(|e| panic!("{location}: {e}"));
            let index = compiler
                .compile(&location, &mut schemas)
                .unwrap_or_else(|e| panic!("{location} is not a valid JSON Schema: {e}"));
            by_kind.insert(kind.to_string(), index);
        }
        Compiled { schemas, by_kind }
    })
}

/// Panics, naming every violation, unless `json` is a valid `kind` document: `check` (the
/// `--format json` run), `check-ndjson` (one NDJSON line), `why`, `graph`, `rules`, `baseline`.
pub fn assert_valid(kind: &str, json: &Value) {
    let compiled = compiled();
    let index = *compiled
        .by_kind
        .get(kind)
        .unwrap_or_else(|| panic!("no schema/{kind}.json (run `cargo run -- generate`)"));
    if let Err(error) = compiled.schemas.validate(json, index) {
        panic!("this {kind} JSON does not follow schema/{kind}.json: {error:#}\n{json:#}");
    }
}

/// A command's standard output read as one `kind` document (panicking with its standard error
/// when it is not JSON, and naming every violation when it breaks the schema), with its exit
/// code (-1 when a signal ended it).
pub fn valid_output(kind: &str, output: &std::process::Output) -> (Value, i32) {
    let value: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_valid(kind, &value);
    (value, output.status.code().unwrap_or(-1))
}
