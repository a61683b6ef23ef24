//! Planning what to read: the inputs named by flag, positional files recognised by content,
//! and capture folders walked for their recognised files and sysfs trees. A plan lists each
//! input with its kind and moment; nothing is parsed here.

use super::assemble::{record, unreadable};
use super::moments::moment_of_name;
use super::recognise::{
    head_is_whole, recognise, recognise_named_with_log_head, EXPECTED_INPUTS, HEAD_BYTES,
};
use super::InputSpec;
use crate::error::{Error, InputError, Location, Result};
use crate::ingest::log::HeadReport;
use crate::ingest::open::{ensure_file_or_pipe, open_input, read_head, read_head_from, read_limited};
use crate::ingest::{paste, sysfs, BootInputs, InputKind};
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

/// Where a planned input's bytes come from.
pub(super) enum Source {
    Path(PathBuf),
    /// An open stream: standard input, or one kind's lines of a paste.
    Reader(Box<dyn BufRead + Send>),
    /// A sysfs tree at this path, already read (see `plan_directory`).
    Tree(PathBuf, Box<sysfs::SysfsRead>),
}

pub(super) struct Planned {
    pub(super) display: String,
    pub(super) source: Source,
    pub(super) kind: InputKind,
    pub(super) moment: Option<String>,
    /// What the log sniffer saw in the head of a file recognised as a kernel log (the reader
    /// then does not sniff it again); `None` when the head was not sniffed here.
    pub(super) log_head: Option<HeadReport>,
    /// The decoded head of a file recognised as a kernel log (the whole log when shorter than
    /// `HEAD_BYTES`), kept to tell copies of the log apart without reading them again; and of
    /// any file it holds whole ([`head_is_whole`]), which is then read from it.
    pub(super) head: Option<Vec<u8>>,
}

/// The order inputs are read in: boot-wide inputs (so a named DTB wins over a tree's), then
/// sysfs trees (so they win over dumps of the same moment), then dumps, then logs.
pub(super) fn phase(kind: InputKind) -> u8 {
    match kind {
        InputKind::DeviceTree
        | InputKind::AcpiTable
        | InputKind::Cmdline
        | InputKind::Modules
        | InputKind::KernelConfig
        | InputKind::KernelRelease => 0,
        InputKind::SysfsRoot => 1,
        InputKind::KernelLog => 3,
        _ => 2,
    }
}

pub(super) fn display_of(path: &Path) -> String {
    path.display().to_string()
}

pub(super) fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| display_of(path))
}

fn no_such_path(path: &Path) -> Error {
    Error::Usage(format!("{}: no such file or directory", path.display()))
}

/// Plans the inputs named by flag: their kind is given, their moment is in their name.
pub(super) fn plan_flagged(spec: &InputSpec, plan: &mut Vec<Planned>) -> Result<()> {
    let flagged = spec
        .dmesg
        .iter()
        .map(|p| (p, InputKind::KernelLog))
        .chain(spec.devlink.iter().map(|p| (p, InputKind::Devlink)))
        .chain(spec.deferred.iter().map(|p| (p, InputKind::DevicesDeferred)))
        .chain(spec.dtb.iter().map(|p| (p, InputKind::DeviceTree)))
        .chain(spec.cmdline.iter().map(|p| (p, InputKind::Cmdline)))
        .chain(spec.modules.iter().map(|p| (p, InputKind::Modules)))
        .chain(spec.kconfig.iter().map(|p| (p, InputKind::KernelConfig)))
        .chain(spec.sysfs_root.iter().map(|p| (p, InputKind::SysfsRoot)));
    for (path, kind) in flagged {
        if path.as_os_str() == "-" {
            plan.push(Planned {
                display: "<stdin>".to_string(),
                source: Source::Reader(open_input(path)?),
                kind,
                moment: None,
                log_head: None,
                head: None,
            });
            continue;
        }
        if !path.exists() {
            return Err(no_such_path(path));
        }
        let wants_dir = matches!(kind, InputKind::SysfsRoot | InputKind::DeviceTree);
        if path.is_dir() && !wants_dir {
            return Err(Error::Usage(format!(
                "{}: is a directory (name it as a positional input, or --sysfs-root)",
                path.display()
            )));
        }
        if kind == InputKind::SysfsRoot && !path.is_dir() {
            return Err(Error::Usage(format!(
                "{}: --sysfs-root needs a directory laid out like /sys",
                path.display()
            )));
        }
        if !path.is_dir() {
            // A device node or socket named as a file is refused before anything reads it.
            ensure_file_or_pipe(path)?;
        }
        let source = match pasted_listing(path, kind) {
            Some(text) => Source::Reader(Box::new(Cursor::new(text.into_bytes()))),
            None => Source::Path(path.clone()),
        };
        plan.push(Planned {
            display: display_of(path),
            source,
            kind,
            moment: moment_of_name(&file_name_of(path)),
            log_head: None,
            head: None,
        });
    }
    Ok(())
}

/// For a file forced to be a listing (`--deferred`, `--devlink`) that is not one by content
/// but a mail or report holding one: that listing's lines alone (`paste::read_paste`), so that
/// the prose around it gives no devices. `None` reads the file as it is.
fn pasted_listing(path: &Path, kind: InputKind) -> Option<String> {
    if !matches!(kind, InputKind::DevicesDeferred | InputKind::Devlink) {
        return None;
    }
    let head = read_head(path, HEAD_BYTES as u64).ok()?;
    if recognise(&head).is_some() {
        return None;
    }
    let bytes = read_limited(path, paste_bytes()).ok()?;
    paste::read_paste(&String::from_utf8_lossy(&bytes))
        .texts
        .into_iter()
        .find(|(found, _)| *found == kind)
        .map(|(_, text)| text)
}

/// Plans a positional input: standard input or a file recognised by content, or a directory.
pub(super) fn plan_positional(path: &Path, boot: &mut BootInputs, plan: &mut Vec<Planned>) -> Result<()> {
    if path.as_os_str() == "-" {
        let mut reader = open_input(path)?;
        let mut head = Vec::new();
        read_head_from(&mut reader, HEAD_BYTES as u64, &mut head).map_err(|e| Error::io("<stdin>", e))?;
        let kind = recognise(&head);
        let mut joined: Box<dyn BufRead + Send> = Box::new(BufReader::new(Cursor::new(head).chain(reader)));
        match kind {
            Some(kind) => plan.push(Planned {
                display: "<stdin>".to_string(),
                source: Source::Reader(joined),
                kind,
                moment: None,
                log_head: None,
                head: None,
            }),
            None => {
                let mut bytes = Vec::new();
                let cap = paste_bytes();
                (&mut joined)
                    .take(cap.saturating_add(1))
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io("<stdin>", e))?;
                note_paste_cut("<stdin>", cap, &mut bytes, boot);
                if !plan_paste("<stdin>", &bytes, boot, plan) {
                    boot.errors
                        .push(InputError::new("<stdin>", Location::File, EXPECTED_INPUTS));
                    let note = Some("not recognised".to_string());
                    record(boot, "<stdin>", InputKind::Unused, None, note);
                }
            }
        }
        return Ok(());
    }
    if !path.exists() {
        return Err(no_such_path(path));
    }
    if path.is_dir() {
        return plan_directory(path, boot, plan);
    }
    ensure_file_or_pipe(path)?;
    let display = display_of(path);
    match recognise_path(path) {
        // Files printed under `==> path <==` headers past the head: read by region. A head
        // that holds the whole file has nothing past it.
        Ok((Some(InputKind::KernelLog), _, ref head))
            if !head.as_deref().is_some_and(head_is_whole)
                && has_late_file_headers(path, boot, plan, &display) => {}
        Ok((Some(kind), log_head, head)) => plan.push(Planned {
            display,
            source: Source::Path(path.to_path_buf()),
            kind,
            moment: moment_of_name(&file_name_of(path)),
            log_head,
            head,
        }),
        Ok((None, _, _)) => {
            let searched_part = match read_paste_file(path, &display, boot) {
                Ok((bytes, _)) if plan_paste(&display, &bytes, boot, plan) => return Ok(()),
                Ok((_, cut)) => cut,
                Err(error) => {
                    unreadable(boot, &display, &error.to_string());
                    return Ok(());
                }
            };
            let empty = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0);
            // When the search for a paste stopped at its cap, the cap may be why nothing was found.
            let expected = match searched_part {
                true => format!("{EXPECTED_INPUTS} ({})", paste_cut_words(paste_bytes())),
                false => EXPECTED_INPUTS.to_string(),
            };
            let mut error = InputError::new(display.clone(), Location::File, expected);
            error = match first_line(path) {
                _ if empty => error.found("nothing (the file is empty)"),
                Some(line) => error.found(line),
                None => error,
            };
            boot.errors.push(error);
            let note = Some(if empty { "empty" } else { "not recognised" }.to_string());
            record(boot, &display, InputKind::Unused, None, note);
        }
        Err(error) => unreadable(boot, &display, &error.to_string()),
    }
    Ok(())
}

/// Whether a file whose head reads as a kernel log has `==> path <==` headers further on
/// (`tail -n +1 dmesg.txt devices_deferred`): then it is planned as a paste, each file's
/// lines read as what they are, and `true` is returned.
fn has_late_file_headers(path: &Path, boot: &mut BootInputs, plan: &mut Vec<Planned>, display: &str) -> bool {
    // A header line ends in ` <==`: a log without it anywhere (nearly every log) is not read
    // into memory a second time, nor decoded.
    if !mentions_file_header(path) {
        return false;
    }
    let Ok((bytes, _)) = read_paste_file(path, display, boot) else {
        return false;
    };
    // From the start of the line the head ends in: a header cut by the head's end is whole.
    let Some(rest) = bytes.get(HEAD_BYTES..).map(|_| {
        let line_start = bytes[..HEAD_BYTES]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |at| at + 1);
        &bytes[line_start..]
    }) else {
        return false;
    };
    paste::holds_file_headers(&String::from_utf8_lossy(rest)) && plan_paste(display, &bytes, boot, plan)
}

/// Whether the first paste-bytes (the cap) of `path` (decompressed) hold ` <==`, the end of a
/// `tail`/`head` file header (`==> path <==`), streamed through a small buffer. Not its start:
/// every x86 log has `==> ` in its e820 lines (`e820: update [mem ...] usable ==> reserved`,
/// arch/x86/kernel/e820.c), and a whole 100 MB log was read a second time for it. An
/// unreadable file says yes: the full check then decides (and finds it unreadable too).
fn mentions_file_header(path: &Path) -> bool {
    const HEADER: &[u8] = b" <==";
    let Ok(reader) = open_input(path) else {
        return true;
    };
    let finder = memchr::memmem::Finder::new(HEADER);
    let mut reader = reader.take(paste_bytes());
    // Larger than the input's 64 KiB buffers, so that reads bypass them (no copy through them).
    let mut buf = vec![0u8; 1 << 18];
    // Bytes kept from the previous chunk, so a header cut by a chunk's end is still found.
    let mut kept = 0;
    loop {
        let read = match reader.read(&mut buf[kept..]) {
            Ok(0) => return false,
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return true,
        };
        let filled = kept + read;
        if finder.find(&buf[..filled]).is_some() {
            return true;
        }
        kept = (HEADER.len() - 1).min(filled);
        buf.copy_within(filled - kept..filled, 0);
    }
}

/// The first non-blank line of a file, cut to a readable length, to show what it held
/// (`<!DOCTYPE html>`, binary bytes); `None` when it has none or cannot be read.
fn first_line(path: &Path) -> Option<String> {
    const SHOWN: usize = 80;
    let head = read_head(path, 4096).ok()?;
    if head.contains(&0) || std::str::from_utf8(&head).is_err() && head.len() < 4096 {
        return Some("binary data".to_string());
    }
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut shown: String = line.chars().take(SHOWN).collect();
    if line.chars().count() > SHOWN {
        shown.push('…');
    }
    Some(shown)
}

/// Most bytes of an unrecognised input searched for pasted evidence (`--limit paste-bytes=`;
/// mails and bug reports are far smaller).
fn paste_bytes() -> u64 {
    crate::limits::current().paste_bytes
}

/// A file read to be searched whole for pasted evidence, up to the paste-bytes cap; past it a
/// note says that only the head was searched (and `true` comes with the bytes).
fn read_paste_file(path: &Path, display: &str, boot: &mut BootInputs) -> Result<(Vec<u8>, bool)> {
    let cap = paste_bytes();
    let mut bytes = read_limited(path, cap.saturating_add(1))?;
    let cut = note_paste_cut(display, cap, &mut bytes, boot);
    Ok((bytes, cut))
}

/// Cuts `bytes` read with one byte past the paste-bytes cap back to it, with a note; whether
/// it did.
fn note_paste_cut(display: &str, cap: u64, bytes: &mut Vec<u8>, boot: &mut BootInputs) -> bool {
    if bytes.len() as u64 <= cap {
        return false;
    }
    bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
    boot.notes.push(format!("{display}: {}", paste_cut_words(cap)));
    true
}

fn paste_cut_words(cap: u64) -> String {
    format!(
        "only its first {} were searched for pasted evidence, the paste-bytes cap ({})",
        crate::limits::human_bytes(cap),
        crate::limits::raise_hint("paste-bytes")
    )
}

/// Plans the evidence pasted into prose (`paste::read_paste`): one input per kind found, read
/// from that kind's lines at their own line numbers, as the final state (a mail's file name
/// says nothing of when its listings were taken). Says what was found in a note; `false` when
/// the text holds no evidence.
fn plan_paste(display: &str, bytes: &[u8], boot: &mut BootInputs, plan: &mut Vec<Planned>) -> bool {
    let found = paste::read_paste(&String::from_utf8_lossy(bytes));
    if found.regions.is_empty() {
        return false;
    }
    boot.notes.push(found.describe(display));
    for (kind, text) in found.texts {
        plan.push(Planned {
            display: display.to_string(),
            source: Source::Reader(Box::new(Cursor::new(text.into_bytes()))),
            kind,
            moment: None,
            log_head: None,
            head: None,
        });
    }
    true
}

/// What a file was recognised as, what the log sniffer saw of its head, and (for a kernel
/// log, or any file the head holds whole) that head.
type Recognised = (Option<InputKind>, Option<HeadReport>, Option<Vec<u8>>);

/// Recognises a file on disk by its (decompressed) head, or, when empty, by its name; the head
/// is given back for a kernel log, and for any file it holds whole (most files of a capture
/// folder: then the file is read once, not opened again to be read).
fn recognise_path(path: &Path) -> Result<Recognised> {
    let head = read_head(path, HEAD_BYTES as u64)?;
    let (kind, log_head) = recognise_named_with_log_head(&head, &file_name_of(path));
    let keep = kind == Some(InputKind::KernelLog) || (kind.is_some() && head_is_whole(&head));
    Ok((kind, log_head, keep.then_some(head)))
}

/// What reading one entry of a capture folder gave (see `plan_directory`).
enum EntryRead {
    File(Result<Recognised>),
    Tree(Box<sysfs::SysfsRead>),
    /// Not a file nor a sysfs tree: nothing was read.
    Nothing,
}

/// Plans a directory: a sysfs root as one input, a capture folder as its recognised files
/// and sysfs-looking subdirectories.
fn plan_directory(dir: &Path, boot: &mut BootInputs, plan: &mut Vec<Planned>) -> Result<()> {
    let moment = moment_of_name(&file_name_of(dir));
    if sysfs::looks_like_sysfs_root(dir) {
        plan.push(Planned {
            display: display_of(dir),
            source: Source::Path(dir.to_path_buf()),
            kind: InputKind::SysfsRoot,
            moment,
            log_head: None,
            head: None,
        });
        return Ok(());
    }
    record(boot, &display_of(dir), InputKind::Directory, None, None);
    // The listing says what each entry is (no `stat` of each); a symlink is followed.
    let mut entries: Vec<(PathBuf, Option<std::fs::FileType>)> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| {
            e.ok()
                .map(|e| (e.path(), e.file_type().ok().filter(|t| !t.is_symlink())))
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let kinds: Vec<(bool, bool)> = entries
        .iter()
        .map(|(entry, listed_type)| match listed_type {
            Some(kind) => (kind.is_dir(), kind.is_file()),
            None => (entry.is_dir(), entry.is_file()),
        })
        .collect();
    // What each entry is, side by side: every file's head read and recognised, every sysfs
    // tree read (a capture folder holds a few dozen files and a tree per moment: reading them
    // is most of its time). Only reads; put in order below.
    let mut found: Vec<EntryRead> = {
        use rayon::prelude::*;
        entries
            .par_iter()
            .zip(&kinds)
            .map(|((entry, _), &(is_dir, is_file))| match (is_dir, is_file) {
                (true, _) if sysfs::looks_like_sysfs_root(entry) => {
                    EntryRead::Tree(Box::new(sysfs::read_sysfs_root(entry, &display_of(entry))))
                }
                (false, true) => EntryRead::File(recognise_path(entry)),
                _ => EntryRead::Nothing,
            })
            .collect()
    };
    let planned_before = plan.len();
    let errors_before = boot.errors.len();
    for (index, (entry, _)) in entries.into_iter().enumerate() {
        let display = display_of(&entry);
        let name = file_name_of(&entry);
        let (is_dir, is_file) = kinds[index];
        let read = std::mem::replace(&mut found[index], EntryRead::Nothing);
        // Symlinks are followed for files (a capture may link its pieces) but a directory
        // is searched only when it is one.
        if is_dir {
            if let EntryRead::Tree(tree) = read {
                plan.push(Planned {
                    display,
                    source: Source::Tree(entry.clone(), tree),
                    kind: InputKind::SysfsRoot,
                    moment: moment_of_name(&name),
                    log_head: None,
                    head: None,
                });
            } else {
                record(
                    boot,
                    &display,
                    InputKind::Unused,
                    None,
                    Some("directory not searched (not a sysfs tree)".to_string()),
                );
            }
            continue;
        }
        if !is_file {
            let dangling = std::fs::symlink_metadata(&entry).is_ok_and(|m| m.file_type().is_symlink());
            if dangling {
                unreadable(boot, &display, "a symlink to nothing");
            } else {
                // A pipe, socket or device node in a capture folder: reading it could block or
                // never end, and a capture holds only plain files.
                let note = Some("skipped: not a regular file".to_string());
                record(boot, &display, InputKind::Unused, None, note);
            }
            continue;
        }
        let recognised = match read {
            EntryRead::File(recognised) => recognised,
            _ => recognise_path(&entry),
        };
        let (recognised, log_head, head) = match recognised {
            Ok(found) => found,
            Err(error) => {
                unreadable(boot, &display, &error.to_string());
                continue;
            }
        };
        match recognised {
            Some(kind) => plan.push(Planned {
                display,
                source: Source::Path(entry.clone()),
                kind,
                moment: moment_of_name(&name),
                log_head,
                head,
            }),
            None => {
                let empty = std::fs::metadata(&entry).map(|m| m.len() == 0).unwrap_or(false);
                let note = if empty {
                    "empty file whose name does not say what it lists"
                } else {
                    "not recognised as kernel evidence"
                };
                record(boot, &display, InputKind::Unused, None, Some(note.to_string()));
            }
        }
    }
    // Nothing usable and nothing that failed to read: the user named the wrong directory.
    // (When files failed to read, those errors are in the boot for the caller to report.)
    if plan.len() == planned_before && boot.errors.len() == errors_before {
        return Err(InputError::new(display_of(dir), Location::File, EXPECTED_INPUTS).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_header_s_end_makes_a_log_searched_again_for_file_headers() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        // A real x86 log: its e820 lines say `usable ==> reserved`, and it has no header.
        let x86 = fixtures.join("qemu/virtio-iommu-q35-6.12/Q1-viommu-early/dmesg.txt");
        let log = std::fs::read_to_string(&x86).expect("fixture");
        assert!(log.contains("usable ==> reserved"));
        assert!(!mentions_file_header(&x86));
        // The same log with a `tail -n +1` header after it.
        let dir = tempfile::tempdir().expect("a temporary folder");
        let pasted = dir.path().join("pasted.txt");
        std::fs::write(&pasted, format!("{log}\n==> devices_deferred <==\n")).expect("written");
        assert!(mentions_file_header(&pasted));
    }
}
