//! Writing a bundle: a `.tar.gz` (one top directory named after the file) or a plain directory.
//! Either is written under a temporary name beside the destination and renamed into place once
//! whole, so an interrupted write never leaves something that looks like a bundle.

use crate::error::{Error, Result};
use crate::ingest::bundle::{Bundle, MANIFEST_NAME};
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where a bundle goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    TarGz(PathBuf),
    Dir(PathBuf),
}

impl Output {
    pub fn path(&self) -> &Path {
        match self {
            Output::TarGz(path) | Output::Dir(path) => path,
        }
    }

    /// Fails early (before collecting) when the destination cannot take the bundle.
    pub fn check(&self) -> Result<()> {
        let path = self.path();
        let parent = parent_dir(path);
        if !parent.is_dir() {
            return Err(Error::Usage(format!(
                "{}: the directory {} does not exist",
                path.display(),
                parent.display()
            )));
        }
        match self {
            Output::TarGz(_) if path.is_dir() => Err(Error::Usage(format!(
                "{} is a directory; end it with `/` or add --dir to write the bundle into it",
                path.display()
            ))),
            Output::Dir(_) if path.exists() && !is_empty_dir(path) => Err(Error::Usage(format!(
                "{} exists and is not an empty directory; name a new one",
                path.display()
            ))),
            _ => Ok(()),
        }
    }
}

/// Writes `bundle` to `output`.
pub fn write_bundle(bundle: &Bundle, output: &Output, mtime: u64) -> Result<()> {
    output.check()?;
    let path = output.path();
    let temp = temp_name(path);
    let written = match output {
        Output::TarGz(_) => write_tar_gz(bundle, &temp, &top_directory(path), mtime),
        Output::Dir(_) => write_dir(bundle, &temp),
    };
    let renamed = written.and_then(|()| fs::rename(&temp, path).map_err(|e| Error::io(path, e)));
    if renamed.is_err() {
        let _ = match output {
            Output::TarGz(_) => fs::remove_file(&temp),
            Output::Dir(_) => fs::remove_dir_all(&temp),
        };
    }
    renamed
}

fn manifest_bytes(bundle: &Bundle) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(&bundle.manifest)
        .map_err(|e| Error::Other(format!("cannot serialise the manifest: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_tar_gz(bundle: &Bundle, temp: &Path, top: &str, mtime: u64) -> Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .map_err(|e| Error::io(temp, e))?;
    let gzip = flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::default());
    let mut tar = tar::Builder::new(gzip);
    let manifest = manifest_bytes(bundle)?;
    let members = std::iter::once((MANIFEST_NAME, manifest.as_slice())).chain(
        bundle
            .members
            .iter()
            .map(|member| (member.name.as_str(), member.bytes.as_slice())),
    );
    for (name, bytes) in members {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, format!("{top}/{name}"), bytes)
            .map_err(|e| Error::io(temp, e))?;
    }
    let gzip = tar.into_inner().map_err(|e| Error::io(temp, e))?;
    let writer = gzip.finish().map_err(|e| Error::io(temp, e))?;
    let file = writer.into_inner().map_err(|e| Error::io(temp, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(temp, e))
}

fn write_dir(bundle: &Bundle, temp: &Path) -> Result<()> {
    fs::create_dir(temp).map_err(|e| Error::io(temp, e))?;
    let manifest = manifest_bytes(bundle)?;
    let members = std::iter::once((MANIFEST_NAME, manifest.as_slice())).chain(
        bundle
            .members
            .iter()
            .map(|member| (member.name.as_str(), member.bytes.as_slice())),
    );
    for (name, bytes) in members {
        let path = temp.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        file.write_all(bytes).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// `.NAME.partial-PID` beside `path`.
fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_dir(path).join(format!(".{name}.partial-{}", std::process::id()))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `board.tar.gz` unpacks into `board/`.
fn top_directory(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".to_string());
    let stem = [".tar.gz", ".tgz", ".tar"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(&name);
    if stem.is_empty() || stem.starts_with('.') {
        "bundle".to_string()
    } else {
        stem.to_string()
    }
}

fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_directory_follows_the_file_name() {
        assert_eq!(top_directory(Path::new("/x/board-1.tar.gz")), "board-1");
        assert_eq!(top_directory(Path::new("b.tgz")), "b");
        assert_eq!(top_directory(Path::new("capture")), "capture");
        assert_eq!(top_directory(Path::new(".tar.gz")), "bundle");
    }
}
