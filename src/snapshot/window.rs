//! Reading spans of a snapshot file again, through a window of a few hundred kilobytes, so that each parsing
//! thread holds only the part it is reading and a large file is never in memory whole beside its parse.

use std::fs::File;
use std::io;

use super::split::Span;

/// The bytes of spans, read from wherever the text is.
pub trait Source {
    fn bytes(&mut self, span: Span) -> Option<&[u8]>;
}

impl Source for &[u8] {
    fn bytes(&mut self, span: Span) -> Option<&[u8]> {
        self.get(span.start..span.end)
    }
}

/// Read at least this many bytes at a time.
pub const WINDOW: usize = 512 << 10;

/// A file read through a window of at least `size` bytes (more when a span needs it).
pub struct Window {
    file: File,
    size: usize,
    buf: Vec<u8>,
    /// `buf[..filled]` holds the file's bytes from `start` on.
    start: usize,
    filled: usize,
}

impl Window {
    pub fn new(file: File, size: usize) -> Window {
        Window {
            file,
            size: size.max(1),
            buf: Vec::new(),
            start: 0,
            filled: 0,
        }
    }
}

impl Source for Window {
    fn bytes(&mut self, span: Span) -> Option<&[u8]> {
        let inside = span.start >= self.start && span.end <= self.start + self.filled;
        if !inside {
            let want = (span.end.checked_sub(span.start)?).max(self.size);
            if self.buf.len() < want {
                self.buf.resize(want, 0);
            }
            self.start = span.start;
            self.filled = read_at(&self.file, self.buf.get_mut(..want)?, span.start as u64).ok()?;
        }
        self.buf
            .get(span.start - self.start..span.end.checked_sub(self.start)?)
            .filter(|b| b.len() == span.end - span.start)
    }
}

/// Fills `buf` from byte `offset` of the file on, or up to its end; the bytes read. Positioned reads leave
/// the file's cursor alone, so that two threads can read one open file.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
        match positioned(file, rest, offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

#[cfg(unix)]
fn positioned(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn positioned(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(not(any(unix, windows)))]
fn positioned(_: &File, _: &mut [u8], _: u64) -> io::Result<usize> {
    Err(io::ErrorKind::Unsupported.into())
}
