//! Opening an input: plain, gzip, xz or zstd, recognised by magic bytes (never by file name),
//! or standard input for `-`. Decompression streams; nothing is read whole.

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
pub fn decompressing<'a, R: BufRead + 'a>(mut reader: R) -> io::Result<Box<dyn BufRead + 'a>> {
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

/// Opens `path` (or standard input for `-`) for streaming, decompressed.
pub fn open_input(path: &Path) -> Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        let stdin = BufReader::with_capacity(1 << 16, io::stdin());
        return decompressing(stdin).map_err(|e| Error::io("<stdin>", e));
    }
    if is_char_device(path) {
        return Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            RecordDevice::open(path)?,
        )));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    decompressing(BufReader::with_capacity(1 << 16, file)).map_err(|e| Error::io(path, e))
}

fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

/// A record device such as `/dev/kmsg`, read without blocking: a read at the end of the
/// buffer would wait for the next printk, so "would block" ends the input. Records overwritten
/// while reading (`EPIPE`) are skipped, as util-linux dmesg does.
struct RecordDevice {
    file: File,
}

impl RecordDevice {
    fn open(path: &Path) -> Result<RecordDevice> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        Ok(RecordDevice { file })
    }
}

impl Read for RecordDevice {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.file.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(0),
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
                other => return other,
            }
        }
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
}
