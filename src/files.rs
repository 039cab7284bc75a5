//! The files kvaccess reads and writes, handled the same way everywhere.
//!
//! Reading: only regular files (a FIFO would block forever, `/dev/zero` would never end), at most
//! [`MAX_INPUT`] bytes, decoded as UTF-8, or as UTF-16 when the file starts with its byte order mark (what
//! Windows PowerShell's `>` writes); text that does not decode is refused with the byte offset and line of
//! the first bad byte.
//!
//! Writing: atomically (a temporary file beside the target, synced, renamed over it), and only onto a
//! regular file or a new path: a symbolic link, FIFO, device or directory at the target is refused rather
//! than replaced. A temporary file in flight is removed if the process is interrupted ([`interrupt`]).

pub mod interrupt;

use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

/// The largest input read: far beyond any tenant's snapshot, small enough to fail before memory does.
pub const MAX_INPUT: u64 = 4 << 30;

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// What kind of thing is at a path that is not a regular file, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_symlink() {
        return "a symbolic link";
    }
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// The text of a regular file (see the module documentation). Errors say what is wrong; callers name the
/// file (every error type that wraps these does).
pub fn read_text(path: &Path) -> io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(invalid(format!(
            "this is {}: kvaccess reads only regular files",
            kind_of(&meta)
        )));
    }
    if meta.len() > MAX_INPUT {
        return Err(invalid(format!(
            "{} bytes is more than the {} bytes kvaccess reads from one file",
            meta.len(),
            MAX_INPUT
        )));
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow after the check: read one byte past the limit to notice.
    file.take(MAX_INPUT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(invalid(format!(
            "more than the {MAX_INPUT} bytes kvaccess reads from one file"
        )));
    }
    decode(bytes)
}

/// UTF-8, or UTF-16 with a byte order mark; the position of the first byte that does not decode otherwise.
pub fn decode(bytes: Vec<u8>) -> io::Result<String> {
    match bytes.get(..2) {
        Some([0xFF, 0xFE]) => return utf16(&bytes[2..], u16::from_le_bytes, "LE"),
        Some([0xFE, 0xFF]) => return utf16(&bytes[2..], u16::from_be_bytes, "BE"),
        _ => {}
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let (line, column) = position(&bytes[..at]);
        invalid(format!(
            "not UTF-8 text: byte 0x{:02x} at byte offset {at} (line {line}, column {column}) does not decode",
            bytes[at]
        ))
    })
}

/// Line and column (1-based, in characters) just after `before`.
fn position(before: &[u8]) -> (usize, usize) {
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, column)
}

fn utf16(body: &[u8], unit: fn([u8; 2]) -> u16, order: &str) -> io::Result<String> {
    if !body.len().is_multiple_of(2) {
        return Err(invalid(format!(
            "UTF-16{order} text with an odd number of bytes ({}): the file is cut short",
            body.len() + 2
        )));
    }
    let units: Vec<u16> = body.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
    let mut out = String::with_capacity(units.len());
    let mut line = 1;
    for (i, c) in char::decode_utf16(units.iter().copied()).enumerate() {
        match c {
            Ok(c) => {
                if c == '\n' {
                    line += 1;
                }
                out.push(c);
            }
            Err(e) => {
                let unit_index = out.encode_utf16().count().max(i);
                return Err(invalid(format!(
                    "not UTF-16{order} text: unpaired surrogate 0x{:04x} at byte offset {} (line {line})",
                    e.unpaired_surrogate(),
                    2 + 2 * unit_index
                )));
            }
        }
    }
    Ok(out)
}

/// Refuses a target that is not a regular file or a new path.
pub fn check_target(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "this is {}: kvaccess writes only to a regular file or a new path, and does not replace it",
                kind_of(&meta)
            ),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes `path` atomically with what `write` produces (buffered). The temporary file is created with mode
/// 0600 (tempfile's default) and is removed on error, on drop and on SIGINT/SIGTERM.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    check_target(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (mut tmp, guard) = interrupt::track(
        || {
            tempfile::Builder::new()
                .prefix(".kvaccess-")
                .suffix(".tmp")
                .tempfile_in(dir)
        },
        |t| t.path(),
    )?;
    {
        // Buffered: serde_json writes token by token, which is one syscall each on a bare file.
        let mut out = BufWriter::new(&mut tmp);
        write(&mut out)?;
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    // Checked again just before the rename: the target may have changed while the data was written.
    check_target(path)?;
    tmp.persist(path).map_err(|e| e.error)?;
    drop(guard);
    Ok(())
}

#[cfg(test)]
mod tests;
