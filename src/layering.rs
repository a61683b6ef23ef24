//! The layer rule of `lib.rs`, checked: every `crate::X` path in library code names a module
//! of the file's own layer or of a lower one (the model and the analyses: only what [`ONLY`]
//! lists), and only the binary's edge (`cli.rs`, `commands/`) names `commands`. Read from the sources, so a new upward import fails here
//! before review.

use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first; a folder inside one may sit higher than the rest
/// of it (`sysmmu/render/` renders answers as reports do). A file may name modules of its own
/// layer or below.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("sanitize", 0),
    ("limits", 0),
    ("sysmmu", 1),
    ("model", 2),
    ("ingest", 3),
    ("collect", 4),
    ("analysis", 4),
    ("rules", 5),
    ("config", 6),
    ("report", 7),
    ("sysmmu/render", 7),
    ("pipeline", 8),
    ("cli", 9),
    ("commands", 10),
];

/// Layers held to a narrower rule than "this layer or lower": the only modules they may name.
/// The model is plain data; the analyses read nothing but the model.
const ONLY: &[(&str, &[&str])] = &[
    ("model", &["error", "sanitize", "sysmmu"]),
    ("analysis", &["error", "sanitize", "limits", "model"]),
];

/// Upward imports that are known and being removed: (file prefix, module named). Each entry is
/// a TODO; the test fails when one is no longer needed, so the list only shrinks.
const KNOWN_UPWARD: &[(&str, &str)] = &[];

fn layer_of(module: &str) -> Option<u8> {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, layer)| *layer)
}

/// The layer of a file (a path under `src/`): that of the longest entry of [`LAYERS`] that is
/// its top-level module or a folder holding it.
fn layer_of_file(relative: &str) -> Option<u8> {
    let stem = relative.trim_end_matches(".rs");
    LAYERS
        .iter()
        .filter(|(name, _)| stem == *name || stem.starts_with(&format!("{name}/")))
        .max_by_key(|(name, _)| name.len())
        .map(|(_, layer)| *layer)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry of src/").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `file` is a `tests.rs` that its parent module declares only under `#[cfg(test)]`:
/// such a file is a test module kept beside its code (may drive the pipeline like an inline
/// test module), so it is not layered.
fn is_test_module_file(file: &Path) -> bool {
    if file.file_stem().is_none_or(|stem| stem != "tests") {
        return false;
    }
    let Some(folder) = file.parent() else {
        return false;
    };
    let parent = match folder.file_name() {
        Some(name) => folder.with_file_name(format!("{}.rs", name.to_string_lossy())),
        None => return false,
    };
    let parent = if parent.is_file() {
        parent
    } else {
        folder.join("mod.rs")
    };
    std::fs::read_to_string(parent).is_ok_and(|source| source.contains("#[cfg(test)]\nmod tests;"))
}

/// The top-level modules a source names as `crate::X` (also `crate::{X, Y::..}`), outside
/// comments and before the file's test module.
fn named_modules(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        let code = code.split(" //").next().unwrap_or(code);
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = group.split('}').next().unwrap_or(group);
                names.extend(group.split(',').map(|item| ident(item.trim())));
            } else {
                names.push(ident(rest));
            }
        }
    }
    names.retain(|name| !name.is_empty());
    names
}

fn ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn modules_import_only_their_own_layer_or_lower() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut known_used = vec![false; KNOWN_UPWARD.len()];
    for file in &files {
        let relative = file.strip_prefix(&src).expect("a file under src/");
        let relative = relative.to_string_lossy().replace('\\', "/");
        // The crate root declares every module; the binary and this test are not layered.
        if matches!(relative.as_str(), "lib.rs" | "main.rs" | "layering.rs") {
            continue;
        }
        let own = relative
            .split('/')
            .next()
            .map(|first| first.trim_end_matches(".rs"))
            .unwrap_or_default();
        let own_layer = layer_of_file(&relative)
            .unwrap_or_else(|| panic!("src/{relative}: module `{own}` is not in LAYERS"));
        if is_test_module_file(file) {
            continue;
        }
        let source = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
        for named in named_modules(&source) {
            if named == own {
                continue;
            }
            let Some(layer) = layer_of(&named) else {
                continue; // a crate-root item, not a layer
            };
            let into_commands = named == "commands" && own != "commands";
            let outside_only = ONLY
                .iter()
                .any(|(module, allowed)| *module == own && !allowed.contains(&named.as_str()));
            if layer <= own_layer && !into_commands && !outside_only {
                continue;
            }
            match KNOWN_UPWARD
                .iter()
                .position(|(prefix, module)| relative.starts_with(prefix) && *module == named)
            {
                Some(index) => known_used[index] = true,
                None => upward.push(format!("src/{relative} names crate::{named}")),
            }
        }
    }
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "imports the layers do not allow (see lib.rs):\n  {}",
        upward.join("\n  ")
    );
    let stale: Vec<_> = KNOWN_UPWARD
        .iter()
        .zip(&known_used)
        .filter(|(_, used)| !**used)
        .map(|(entry, _)| entry)
        .collect();
    assert!(
        stale.is_empty(),
        "KNOWN_UPWARD entries no longer needed: {stale:?}"
    );
}

#[test]
fn the_scanner_reads_paths_groups_and_skips_comments_and_tests() {
    let source = "use crate::model::Boot;\n// crate::commands in a comment\nuse crate::{ingest::x, rules};\nlet a = crate::report::json::render(); // crate::cli\n#[cfg(test)]\nuse crate::commands;\n";
    assert_eq!(named_modules(source), ["model", "ingest", "rules", "report"]);
}

#[test]
fn a_folder_can_sit_above_the_rest_of_its_module() {
    assert_eq!(layer_of_file("sysmmu/render/json.rs"), Some(7));
    assert_eq!(layer_of_file("sysmmu/renderer.rs"), Some(1));
    assert_eq!(layer_of_file("sysmmu.rs"), Some(1));
    assert_eq!(layer_of_file("model/fact.rs"), Some(2));
    assert_eq!(layer_of_file("unknown.rs"), None);
}

/// Lines of a module above which its top comment must say why it is that long.
const LONG_MODULE_LINES: usize = 620;

#[test]
fn a_long_module_says_at_its_top_why_it_is_long() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut unexplained = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        // The code, without the test module at its end.
        let code_lines = text
            .lines()
            .position(|line| line.starts_with("#[cfg(test)]") || line.starts_with("mod tests"))
            .unwrap_or_else(|| text.lines().count());
        let top: String = text
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        if code_lines > LONG_MODULE_LINES && !top.contains("Long because:") {
            unexplained.push(format!("{} ({code_lines} lines)", file.display()));
        }
    }
    assert!(
        unexplained.is_empty(),
        "over {LONG_MODULE_LINES} lines without `Long because:` in the top comment: {unexplained:#?}"
    );
}
