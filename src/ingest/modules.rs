//! The module tables `depmod` writes in `/lib/modules/RELEASE/`: `modules.dep` (what each
//! module needs loaded first), `modules.alias` (which device aliases each module serves) and
//! `modules.builtin` (what is built into the image). Found in a capture folder (at its top, or
//! under `lib/modules/RELEASE/`) or in the directory `--modules-dir` names.

use super::open::read_limited;
use crate::error::Result;
use crate::model::modules::{module_name, ModuleAlias, ModuleTables};
use crate::model::{Origin, SourceName};
use std::path::{Path, PathBuf};

const FILES: [&str; 3] = ["modules.dep", "modules.alias", "modules.builtin"];

/// The module name of a `modules.dep`/`modules.builtin` path (`kernel/drivers/iommu/exynos-iommu.ko.xz`
/// → `exynos_iommu`).
fn name_of_path(path: &str) -> Option<String> {
    let file = path.trim().rsplit('/').next()?;
    let stem = file.split(".ko").next()?;
    (!stem.is_empty() && file.contains(".ko")).then(|| module_name(stem))
}

/// `modules.dep`: `path.ko: dep.ko dep2.ko` per line.
pub fn parse_dep(source: &SourceName, text: &str, tables: &mut ModuleTables) {
    for (number, line) in text.lines().enumerate() {
        let Some((module, deps)) = line.split_once(':') else {
            continue;
        };
        let Some(module) = name_of_path(module) else {
            continue;
        };
        let deps = deps.split_whitespace().filter_map(name_of_path).collect();
        let origin = Origin::new(source, u32::try_from(number + 1).unwrap_or(u32::MAX));
        tables.deps.insert(module, (deps, origin));
    }
}

/// `modules.alias`: `alias PATTERN MODULE` per line (`#` comments).
pub fn parse_alias(source: &SourceName, text: &str, tables: &mut ModuleTables) {
    for (number, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        if words.next() != Some("alias") {
            continue;
        }
        let (Some(pattern), Some(module)) = (words.next(), words.next()) else {
            continue;
        };
        tables.aliases.push(ModuleAlias {
            pattern: pattern.to_string(),
            module: module_name(module),
            origin: Origin::new(source, u32::try_from(number + 1).unwrap_or(u32::MAX)),
        });
    }
}

/// `modules.builtin`: one `path.ko` per line.
pub fn parse_builtin(source: &SourceName, text: &str, tables: &mut ModuleTables) {
    for (number, line) in text.lines().enumerate() {
        if let Some(module) = name_of_path(line) {
            let origin = Origin::new(source, u32::try_from(number + 1).unwrap_or(u32::MAX));
            tables.builtin.entry(module).or_insert(origin);
        }
    }
}

/// The directories that may hold the tables below `dir`: itself, `dir/RELEASE`,
/// `dir/lib/modules/RELEASE`, and the only release under `dir/lib/modules` when no release is
/// known.
fn candidates(dir: &Path, release: Option<&str>) -> Vec<PathBuf> {
    let mut list = vec![dir.to_path_buf()];
    if let Some(release) = release {
        list.push(dir.join(release));
        list.push(dir.join("lib/modules").join(release));
    }
    if let Ok(entries) = std::fs::read_dir(dir.join("lib/modules")) {
        let releases: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        if let [only] = releases.as_slice() {
            list.push(only.clone());
        }
    }
    list
}

/// The module tables found in `dir` (see [`candidates`]), or `None` when it has none.
pub fn read_dir(dir: &Path, release: Option<&str>) -> Result<Option<ModuleTables>> {
    for candidate in candidates(dir, release) {
        if !FILES.iter().any(|file| candidate.join(file).is_file()) {
            continue;
        }
        let mut tables = ModuleTables::default();
        for file in FILES {
            let path = candidate.join(file);
            if !path.is_file() {
                continue;
            }
            let bytes = read_limited(&path, crate::limits::max_input_bytes())?;
            let text = String::from_utf8_lossy(&bytes);
            let source: SourceName = path.display().to_string().into();
            match file {
                "modules.dep" => parse_dep(&source, &text, &mut tables),
                "modules.alias" => parse_alias(&source, &text, &mut tables),
                _ => parse_builtin(&source, &text, &mut tables),
            }
            tables.read.push(path.display().to_string());
        }
        return Ok(Some(tables));
    }
    Ok(None)
}
