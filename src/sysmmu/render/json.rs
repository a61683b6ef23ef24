//! `sysmmu ... --format json`: the answer behind the report contract's header
//! (`{"schema", "tool", "command": "sysmmu", "subcommand", ...}`).

use crate::error::{Error, Result};
use crate::report::contract::Document;
use crate::sysmmu::answers::SysmmuAnswer;
use std::io::Write;

/// Every `sysmmu` JSON document: the contract header, `"subcommand"`, and that subcommand's
/// answer. The root type of the sysmmu part of the JSON schema.
pub type SysmmuDocument = Document<SysmmuAnswer>;

/// The header's `command`.
pub const COMMAND: &str = "sysmmu";

/// Wraps an answer in the contract's header.
pub fn document(answer: &SysmmuAnswer) -> Document<&SysmmuAnswer> {
    Document::new(COMMAND, answer)
}

pub fn write(answer: &SysmmuAnswer, out: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(answer)).map_err(|err| Error::Io {
        path: "standard output".into(),
        source: err.into(),
    })?;
    out.write_all(b"\n")
        .map_err(|err| Error::io("standard output", err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysmmu::answers::{FaultLogAnswer, SysmmuAnswer};

    #[test]
    fn the_document_starts_with_the_contract_header_and_names_its_subcommand() {
        let answer = SysmmuAnswer::FaultLog(FaultLogAnswer {
            source: "dmesg.txt".into(),
            faults: Vec::new(),
            notes: vec!["no SysMMU fault lines in dmesg.txt".into()],
        });
        let mut out = Vec::new();
        write(&answer, &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["schema"], crate::report::contract::SCHEMA_VERSION);
        assert_eq!(value["command"], "sysmmu");
        assert_eq!(value["subcommand"], "fault-log");
        assert_eq!(value["source"], "dmesg.txt");
        assert_eq!(value["faults"], serde_json::json!([]));
    }

    #[test]
    fn the_schema_of_the_root_type_names_every_subcommand() {
        let schema = serde_json::to_value(schemars::schema_for!(SysmmuDocument)).unwrap();
        let text = schema.to_string();
        for subcommand in ["regs", "translate", "map", "fault", "fault-log"] {
            assert!(
                text.contains(&format!("\"{subcommand}\"")),
                "{subcommand} missing from the schema"
            );
        }
    }
}
