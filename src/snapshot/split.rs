//! The top-level sections of a snapshot text, and the elements of each array section, found without parsing
//! them, so that a large file can be parsed on several threads.
//!
//! This is only a fast path: anything it does not expect (a document that is not an object, a duplicated or
//! escaped key, nesting deep enough to reach the parser's limit, a stray byte between values) gives `None`, and
//! the caller parses the whole text as before, which reports the error exactly. Every slice it hands out is
//! parsed strictly by serde_json afterwards, so a malformed value inside a slice is caught there.

/// One top-level `"key": value` (a member of the JSON object).
#[derive(Debug)]
pub struct Member<'t> {
    pub key: &'t str,
    pub value: &'t str,
    /// The element texts when `value` is an array.
    pub elements: Option<Vec<&'t str>>,
}

/// Deeper than this, the whole text is left to serde_json, whose recursion limit (128) must keep reporting.
const MAX_DEPTH: usize = 100;

/// The sections of a JSON object text, in file order; `None` when the text is not a plain object of
/// distinct, unescaped keys.
pub fn sections(text: &str) -> Option<Vec<Member<'_>>> {
    let mut s = Scanner {
        bytes: text.as_bytes(),
        at: 0,
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
            let key = s.key(text)?;
            if out.iter().any(|sec| sec.key == key) {
                return None;
            }
            s.ws();
            s.expect(b':')?;
            s.ws();
            let start = s.at;
            let elements = if s.peek()? == b'[' {
                Some(s.elements(text)?)
            } else {
                s.value(0)?;
                None
            };
            out.push(Member {
                key,
                value: text.get(start..s.at)?,
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
    (s.at == s.bytes.len()).then_some(out)
}

struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
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
    fn key<'t>(&mut self, text: &'t str) -> Option<&'t str> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return text.get(start..self.at - 1),
                b'\\' => return None,
                b if b < 0x20 => return None,
                _ => {}
            }
        }
    }

    /// Past the closing quote of a string whose opening quote was just read.
    fn string(&mut self) -> Option<()> {
        loop {
            let rest = self.bytes.get(self.at..)?;
            let i = memchr::memchr2(b'"', b'\\', rest)?;
            self.at += i + 1;
            if rest.get(i) == Some(&b'\\') {
                self.at += 1; // the escaped byte, which may be a quote
            } else {
                return Some(());
            }
        }
    }

    /// Past one value that sits `outer` containers deep. Brackets are only counted, not matched: serde_json
    /// checks each slice afterwards.
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

    /// Past an array whose `[` is next, with the text of each element.
    fn elements<'t>(&mut self, text: &'t str) -> Option<Vec<&'t str>> {
        self.expect(b'[')?;
        let mut out = Vec::new();
        self.ws();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(out);
        }
        loop {
            self.ws();
            let start = self.at;
            self.value(1)?;
            out.push(text.get(start..self.at)?);
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

    #[test]
    fn finds_sections_and_elements_in_order() {
        let text = r#" { "a" : [ 1 , {"x": "]}\"["} ,[2]] ,"b":null, "c": "s\"}" } "#;
        let got = sections(text).unwrap_or_default();
        let keys: Vec<&str> = got.iter().map(|s| s.key).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(
            got[0].elements.as_deref(),
            Some(&["1", r#"{"x": "]}\"["}"#, "[2]"][..])
        );
        assert_eq!(got[1].value, "null");
        assert_eq!(got[1].elements, None);
        assert_eq!(got[2].value, r#""s\"}""#);
    }

    #[test]
    fn leaves_anything_unusual_to_the_full_parser() {
        for text in [
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
            assert!(sections(text).is_none(), "{text}");
        }
        assert_eq!(sections("{}").map(|s| s.len()), Some(0));
    }
}
