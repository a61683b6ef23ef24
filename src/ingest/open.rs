//! Opening an input: plain, gzip, xz or zstd, recognised by magic bytes (never by file name),
//! or standard input for `-`. Decompression streams; nothing is read whole, and every path
//! (plain, each compression, standard input) stops at the same decompressed-size cap
//! ([`crate::limits`]). Only regular files and pipes are read: a device node such as
//! `/dev/zero` would never end, and the kernel's record device (`/dev/kmsg`) is the live
//! system, which `collect` reads and hands over as bytes.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// How an input's bytes were packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Xz,
    Zstd,
}

impl Compression {
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(XZ_MAGIC) {
            Compression::Xz
        } else if head.starts_with(ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Wraps `reader` in the decompressor its first bytes call for.
pub fn decompressing<'a, R: BufRead + Send + 'a>(mut reader: R) -> io::Result<Box<dyn BufRead + Send + 'a>> {
    let head = reader.fill_buf()?;
    Ok(match Compression::sniff(head) {
        Compression::None => Box::new(reader),
        Compression::Gzip => Box::new(BufReader::new(flate2::bufread::MultiGzDecoder::new(reader))),
        Compression::Xz => Box::new(BufReader::new(liblzma::bufread::XzDecoder::new_multi_decoder(
            reader,
        ))),
        Compression::Zstd => Box::new(BufReader::new(zstd::stream::read::Decoder::with_buffer(reader)?)),
    })
}

/// Opens `path` (or standard input for `-`) for streaming, decompressed, capped at
/// [`crate::limits::max_input_bytes`].
pub fn open_input(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let cap = crate::limits::max_input_bytes();
    if path.as_os_str() == "-" {
        let stdin = BufReader::with_capacity(1 << 16, io::stdin());
        return capped(decompressing(stdin), cap).map_err(|e| Error::io("<stdin>", e));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    capped(decompressing(BufReader::with_capacity(1 << 16, file)), cap).map_err(|e| Error::io(path, e))
}

fn capped<'a>(
    reader: io::Result<Box<dyn BufRead + Send + 'a>>,
    cap: u64,
) -> io::Result<Box<dyn BufRead + Send + 'a>> {
    Ok(Box::new(BufReader::with_capacity(
        1 << 16,
        Capped::new(reader?, cap),
    )))
}

/// Accepts `path` (symlinks followed) when it can be read to its end as evidence (a regular
/// file, or a pipe: `<(...)`, `/dev/stdin` on a pipe), or refuses it by name: a directory,
/// socket or device node given as a file is a usage error.
pub fn ensure_file_or_pipe(path: &Path) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let kind = meta.file_type();
    if kind.is_file() || kind.is_fifo() {
        return Ok(());
    }
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(Error::Usage(format!(
        "{}: is {what}, not a file to read (give a regular file, a pipe, `-` for standard \
         input, or /dev/kmsg)",
        path.display()
    )))
}

/// Ends a stream with an error once more than `cap` bytes came out, so every reader stops
/// at the same place and says why ([`crate::limits::input_cap_message`]).
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R> Capped<R> {
    fn new(inner: R, cap: u64) -> Capped<R> {
        Capped {
            inner,
            left: cap,
            cap,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One byte more tells a file of exactly the cap from a longer one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    crate::limits::input_cap_message(self.cap),
                )),
            };
        }
        let room = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..room])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads at most `limit` bytes of `path`, decompressed (for small inputs such as a DTB or
/// /proc/cmdline, and for sniffing).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let mut reader = open_input(path)?;
    let mut bytes = Vec::new();
    (&mut reader)
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

/// The first `limit` bytes of `path`, decompressed, to recognise what it holds: a head cut
/// short by the input-size cap is still a head (the reader that reads the input itself stops at
/// the same cap and says so), so a log over the cap is recognised and read as far as it goes.
pub fn read_head(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let mut reader = open_input(path)?;
    let mut head = Vec::new();
    read_head_from(&mut reader, limit, &mut head).map_err(|e| Error::io(path, e))?;
    Ok(head)
}

/// [`read_head`] from a reader already open, into `head`.
pub fn read_head_from(reader: &mut dyn Read, limit: u64, head: &mut Vec<u8>) -> io::Result<()> {
    match reader.take(limit).read_to_end(head) {
        Err(e) if e.kind() == io::ErrorKind::FileTooLarge => Ok(()),
        other => other.map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn round_trip(packed: Vec<u8>) -> String {
        let mut out = String::new();
        decompressing(io::Cursor::new(packed))
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn reads_plain_and_every_compression() {
        let text = "[    0.000000] Booting Linux\n";
        assert_eq!(round_trip(text.as_bytes().to_vec()), text);

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        assert_eq!(round_trip(gz.finish().unwrap()), text);

        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
        xz.write_all(text.as_bytes()).unwrap();
        assert_eq!(round_trip(xz.finish().unwrap()), text);

        let zst = zstd::stream::encode_all(text.as_bytes(), 1).unwrap();
        assert_eq!(round_trip(zst), text);
    }

    #[test]
    fn the_cap_ends_a_longer_stream_with_its_message_and_passes_an_exact_one() {
        let mut exact = String::new();
        Capped::new(&b"0123456789"[..], 10)
            .read_to_string(&mut exact)
            .unwrap();
        assert_eq!(exact, "0123456789");

        let mut out = Vec::new();
        let err = Capped::new(&b"0123456789!"[..], 10)
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(out, b"0123456789");
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert!(err.to_string().contains("--max-input-bytes"), "{err}");
    }

    #[test]
    fn device_nodes_and_directories_are_refused_by_name() {
        let err = ensure_file_or_pipe(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/dev/zero: is a character device"), "{err}");
        let err = ensure_file_or_pipe(Path::new("/")).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
        assert!(ensure_file_or_pipe(Path::new("Cargo.toml")).is_ok());
    }
}
