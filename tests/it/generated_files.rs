//! completions/ and man/ come from the clap definition, schema/ from the report types; this
//! fails when any of them is stale.

use std::path::Path;

#[test]
fn completions_and_man_pages_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = probescope::commands::generate::generated_files().expect("generation works");
    assert!(files.iter().any(|(p, _)| p.ends_with("probescope.1")));
    assert!(files.iter().any(|(p, _)| p.ends_with("probescope-check.1")));
    for kind in ["check", "check-ndjson", "why", "graph", "rules", "baseline"] {
        assert!(
            files
                .iter()
                .any(|(p, _)| p.ends_with(format!("schema/{kind}.json"))),
            "{kind}"
        );
    }
    let stale: Vec<String> = files
        .iter()
        .filter(|(path, content)| std::fs::read(root.join(path)).ok().as_deref() != Some(&content[..]))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        stale.is_empty(),
        "stale generated files, run `cargo run -- generate`: {stale:?}"
    );
}
