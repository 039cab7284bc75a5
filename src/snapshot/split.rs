//! The top-level sections of a snapshot text, and the elements of each array section, found without parsing
//! them, so that a large file can be parsed on several threads. The text is read through a small buffer and
//! each value is given as a byte [`Span`]: a file need not be held whole in memory to be cut up, and the
//! threads read their spans from it again (see [`window`](super::window)).
//!
//! This is only a fast path: anything it does not expect (a document that is not an object, a duplicated or
//! escaped key, nesting deep enough to reach the parser's limit, a stray byte between values, bytes that are
//! not UTF-8, a read error) gives `None`, and the caller parses the whole text as before, which reports the
//! error exactly. Every span it hands out is parsed strictly by serde_json afterwards, so a malformed value
//! inside a span is caught there.

use std::io::{ErrorKind, Read};

/// Where a value lies in the text, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One top-level `"key": value` (a member of the JSON object).
#[derive(Debug)]
pub struct Member {
    pub key: String,
    pub value: Span,
    /// The element spans when `value` is an array.
    pub elements: Option<Vec<Span>>,
}

/// Deeper than this, the whole text is left to serde_json, whose recursion limit (128) must keep reporting.
const MAX_DEPTH: usize = 100;

/// The bytes read at a time.
pub const BUFFER: usize = 256 << 10;

/// The sections of a JSON object text, in file order; `None` when the text is not a plain object of
/// distinct, unescaped keys.
pub fn sections(text: &str) -> Option<Vec<Member>> {
    read(text.as_bytes(), 0, BUFFER).map(|(members, _)| members)
}

/// [`sections`] of the text `source` reads, which starts at byte `start` of the text, read `buffer` bytes at
/// a time; with the offset of the text's end.
pub fn read(source: impl Read, start: usize, buffer: usize) -> Option<(Vec<Member>, usize)> {
    let mut s = Scanner {
        source,
        buf: vec![0; buffer.max(4)],
        filled: 0,
        checked: 0,
        at: 0,
        base: start,
        failed: false,
    };
    let mut out: Vec<Member> = Vec::new();
    s.ws();
    s.expect(b'{')?;
    s.ws();
    if s.peek()? == b'}' {
        s.at += 1;
    } else {
        loop {
            s.ws();
            let key = s.key()?;
            if out.iter().any(|sec| sec.key == key) {
                return None;
            }
            s.ws();
            s.expect(b':')?;
            s.ws();
            let start = s.pos();
            let elements = if s.peek()? == b'[' {
                Some(s.elements()?)
            } else {
                s.value(0)?;
                None
            };
            out.push(Member {
                key,
                value: Span {
                    start,
                    end: s.pos(),
                },
                elements,
            });
            s.ws();
            match s.next()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
    }
    s.ws();
    let whole = s.peek().is_none() && !s.failed && s.checked == s.filled;
    whole.then(|| (out, s.pos()))
}

struct Scanner<R> {
    source: R,
    /// `buf[..filled]` was read; `buf[..checked]` is known to be UTF-8 (the rest starts a character cut by
    /// the read); `buf[at]` is the next byte, byte `base + at` of the text.
    buf: Vec<u8>,
    filled: usize,
    checked: usize,
    at: usize,
    base: usize,
    /// A read failed or the bytes are not UTF-8.
    failed: bool,
}

impl<R: Read> Scanner<R> {
    fn pos(&self) -> usize {
        self.base + self.at
    }

    /// Reads more once every byte read has been looked at; `None` at the end or on failure.
    fn refill(&mut self) -> Option<()> {
        if self.failed {
            return None;
        }
        // The bytes of a character cut by the last read are kept, to be checked with the rest of it.
        let keep = self.filled - self.checked;
        self.buf.copy_within(self.checked..self.filled, 0);
        self.base += self.checked;
        self.at = keep;
        self.filled = keep;
        self.checked = 0;
        let n = loop {
            match self.source.read(self.buf.get_mut(keep..)?) {
                Ok(n) => break n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.failed = true;
                    return None;
                }
            }
        };
        if n == 0 {
            return None;
        }
        self.filled = keep + n;
        let read = self.buf.get(..self.filled)?;
        self.checked = match std::str::from_utf8(read) {
            Ok(_) => self.filled,
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                self.failed = true;
                return None;
            }
        };
        Some(())
    }

    fn peek(&mut self) -> Option<u8> {
        if self.at == self.filled {
            self.refill()?;
        }
        self.buf.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// JSON white space: exactly these four bytes.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A key without escapes or control characters, so that its text is its value.
    fn key(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut key = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(key).ok(),
                b'\\' => return None,
                b if b < 0x20 => return None,
                b => key.push(b),
            }
        }
    }

    /// Past the closing quote of a string whose opening quote was just read.
    fn string(&mut self) -> Option<()> {
        loop {
            if self.at == self.filled {
                self.refill()?;
            }
            let rest = self.buf.get(self.at..self.filled)?;
            let Some(i) = memchr::memchr2(b'"', b'\\', rest) else {
                self.at = self.filled;
                continue;
            };
            let quote = rest.get(i) == Some(&b'"');
            self.at += i + 1;
            if quote {
                return Some(());
            }
            self.next()?; // the escaped byte, which may be a quote
        }
    }

    /// Past one value that sits `outer` containers deep. Brackets are only counted, not matched: serde_json
    /// checks each span afterwards.
    fn value(&mut self, outer: usize) -> Option<()> {
        match self.next()? {
            b'"' => self.string(),
            b'{' | b'[' => {
                let mut open = 1;
                loop {
                    if outer + open > MAX_DEPTH {
                        return None;
                    }
                    match self.next()? {
                        b'"' => self.string()?,
                        b'{' | b'[' => open += 1,
                        b'}' | b']' => {
                            open -= 1;
                            if open == 0 {
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                }
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.at += 1;
                }
                Some(())
            }
            _ => None,
        }
    }

    /// Past an array whose `[` is next, with the span of each element.
    fn elements(&mut self) -> Option<Vec<Span>> {
        self.expect(b'[')?;
        let mut out = Vec::new();
        self.ws();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(out);
        }
        loop {
            self.ws();
            let start = self.pos();
            self.value(1)?;
            out.push(Span {
                start,
                end: self.pos(),
            });
            self.ws();
            match self.next()? {
                b',' => continue,
                b']' => return Some(out),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str, span: Span) -> &str {
        t.get(span.start..span.end).unwrap_or("<out of the text>")
    }

    #[test]
    fn finds_sections_and_elements_in_order() {
        let t = r#" { "a" : [ 1 , {"x": "]}\"["} ,[2]] ,"b":null, "c": "s\"}" } "#;
        let got = sections(t).unwrap_or_default();
        let keys: Vec<&str> = got.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        let elements: Vec<&str> = got[0]
            .elements
            .iter()
            .flatten()
            .map(|&e| text(t, e))
            .collect();
        assert_eq!(elements, ["1", r#"{"x": "]}\"["}"#, "[2]"]);
        assert_eq!(text(t, got[1].value), "null");
        assert_eq!(got[1].elements, None);
        assert_eq!(text(t, got[2].value), r#""s\"}""#);
    }

    /// Every cut of the reads (a buffer of one byte and up) finds the same spans: inside a string, an escape,
    /// a key, a number, a character of several bytes.
    #[test]
    fn the_buffer_size_changes_nothing() {
        let t = " { \"k\u{e9}y\" : [ 12.5e3 , {\"x\": \"]}\\\"[\u{1f511}\"} ,[true]] ,\"b\":null, \"c\": \"s\\\\\"}";
        let whole = format!("{:?}", sections(t));
        assert!(whole.starts_with("Some"), "{whole}");
        for buffer in 1..40 {
            let got = read(t.as_bytes(), 0, buffer);
            assert_eq!(got.as_ref().map(|(_, end)| *end), Some(t.len()));
            assert_eq!(format!("{:?}", got.map(|(m, _)| m)), whole, "{buffer}");
        }
        // The spans of a text read from its second byte on count from there.
        let got = read(&t.as_bytes()[1..], 1, 5).map(|(m, _)| m[0].value);
        assert_eq!(got.map(|v| v.end), sections(t).map(|m| m[0].value.end));
    }

    #[test]
    fn leaves_anything_unusual_to_the_full_parser() {
        for t in [
            "[1]",
            r#"{"a": 1, "a": 2}"#,
            r#"{"v\u0061ults": []}"#,
            r#"{"a": [1,]}"#,
            r#"{"a": [1 2]}"#,
            r#"{"a": 1} x"#,
            r#"{"a": 1"#,
            r#"{"a": "open}"#,
            r#"{"a" 1}"#,
            "{\"a\u{1}\": 1}",
            &format!(r#"{{"a": {}1{}}}"#, "[".repeat(120), "]".repeat(120)),
        ] {
            assert!(sections(t).is_none(), "{t}");
        }
        assert_eq!(sections("{}").map(|s| s.len()), Some(0));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_left_to_the_full_parser() {
        let good = "{\"a\": \"\u{e9}\"}".as_bytes();
        let cut = &good[..good.len() - 3]; // ends inside the two bytes of \u{e9}
        let mut stray = good.to_vec();
        stray[7] = 0xff;
        let mut late = good.to_vec();
        late.extend_from_slice(b" \xc3");
        for buffer in [1, 2, 3, 64] {
            assert!(read(good, 0, buffer).is_some(), "{buffer}");
            for bad in [cut, &stray[..], &late[..]] {
                assert!(read(bad, 0, buffer).is_none(), "{buffer}: {bad:?}");
            }
        }
    }
}
