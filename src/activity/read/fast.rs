//! The fast path for the raw record of a storage-account archive (JSON Lines): one pass over the line that
//! fills a [`Row`] with the fields kvaccess reads, borrowed from the line, and skips the rest without
//! building anything. It takes only what it is sure of: keys of the raw form, strings without escapes or
//! control characters, integers, the literals — and well-formed JSON around them. Anything else (an escape,
//! a key of another form, a repeated field, a fraction where a field is read, a syntax error) gives `None`,
//! and the line goes to serde_json, which reads every form and names what is wrong. So the answer for a
//! line never depends on which path read it (the tests compare both on every line they have, cut at every
//! byte).

use std::borrow::Cow;

use super::super::record::{Claims, Flex, Properties, Row};

/// Top-level keys of the raw form that kvaccess does not read (others send the line to serde_json).
const IGNORED: [&str; 8] = [
    "operationVersion",
    "resultType",
    "durationMs",
    "correlationId",
    "Level",
    "location",
    "tenantId",
    "callerIpAddressV6",
];

/// Deeper than this, the line goes to serde_json (which has its own limit and says so).
const MAX_DEPTH: usize = 64;

/// The record on `line`, when it is a plain raw record; `None` sends it to serde_json.
pub fn row(line: &str) -> Option<Row<'_>> {
    let mut p = Parser {
        text: line,
        bytes: line.as_bytes(),
        at: 0,
    };
    let mut row = Row::default();
    let mut seen = 0u16;
    p.object(|p, key| {
        let (bit, slot) = match key {
            "time" => (0, &mut row.time),
            "resourceId" => (1, &mut row.resource_id),
            "category" => (2, &mut row.category),
            "operationName" => (3, &mut row.operation),
            "resultSignature" => (4, &mut row.result_signature),
            "resultDescription" => (5, &mut row.result_description),
            "callerIpAddress" => (6, &mut row.caller_ip),
            "identity" => {
                once(&mut seen, 7)?;
                return p.identity(&mut row.identity.0);
            }
            "properties" => {
                once(&mut seen, 8)?;
                return p.properties(&mut row.properties);
            }
            k if IGNORED.contains(&k) => return p.skip(0),
            _ => return None,
        };
        once(&mut seen, bit)?;
        *slot = p.value()?;
        Some(())
    })?;
    p.space();
    (p.at == p.bytes.len()).then_some(row)
}

/// A field may appear once (serde_json calls a repeat an error).
fn once(seen: &mut u16, bit: u16) -> Option<()> {
    let mask = 1 << bit;
    if *seen & mask != 0 {
        return None;
    }
    *seen |= mask;
    Some(())
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.at += 1)
    }

    /// A string with no escape and no control character, borrowed. A plain loop: the strings of a record
    /// are short, and one pass finds the end and checks every byte.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let mut end = start;
        loop {
            match *self.bytes.get(end)? {
                b'"' => break,
                b'\\' | 0..0x20 => return None,
                _ => end += 1,
            }
        }
        self.at = end + 1;
        self.text.get(start..end)
    }

    /// `{ "key": value, … }`, each value read by `field`.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `[ value, … ]`, each value skipped.
    fn array(&mut self, depth: usize) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            self.skip(depth + 1)?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.peek()?;
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word.as_bytes()).then(|| self.at = end)
    }

    /// A JSON number (the grammar serde_json checks); whether it is a plain integer.
    fn number(&mut self) -> Option<(&'a str, bool)> {
        self.peek()?;
        let start = self.at;
        let digits = |p: &mut Self| {
            let from = p.at;
            while p.bytes.get(p.at).is_some_and(u8::is_ascii_digit) {
                p.at += 1;
            }
            p.at > from
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match self.bytes.get(self.at) {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return None,
        }
        let mut integer = true;
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            integer = false;
            digits(self).then_some(())?;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            digits(self).then_some(())?;
        }
        Some((self.text.get(start..self.at)?, integer))
    }

    /// Any value, checked and dropped.
    fn skip(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|p, _| p.skip(depth + 1)),
            b'[' => self.array(depth),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number().map(drop),
        }
    }

    /// A field's value as [`Flex`] takes it: text, boolean, integer, null; an object or array is
    /// [`Flex::Other`]. A fraction or exponent goes to serde_json (whose float reading is the reference).
    fn value(&mut self) -> Option<Flex<'a>> {
        Some(match self.peek()? {
            b'"' => Flex::Str(Cow::Borrowed(self.string()?)),
            b't' => {
                self.literal("true")?;
                Flex::Bool(true)
            }
            b'f' => {
                self.literal("false")?;
                Flex::Bool(false)
            }
            b'n' => {
                self.literal("null")?;
                Flex::Null
            }
            b'{' | b'[' => {
                self.skip(1)?;
                Flex::Other
            }
            _ => match self.number()? {
                (n, true) if n.starts_with('-') => Flex::Num(n.parse::<i64>().ok()? as f64),
                (n, true) => Flex::Num(n.parse::<u64>().ok()? as f64),
                (_, false) => return None,
            },
        })
    }

    /// `identity: {"claim": {…}}`.
    fn identity(&mut self, claims: &mut Claims<'a>) -> Option<()> {
        let mut seen = 0;
        self.object(|p, key| match key {
            "claim" => {
                once(&mut seen, 0)?;
                p.claims(claims)
            }
            _ => p.skip(1),
        })
    }

    fn claims(&mut self, c: &mut Claims<'a>) -> Option<()> {
        let mut seen = 0;
        self.object(|p, key| {
            let (bit, slot) = match key {
                "oid" => (0, &mut c.oid),
                "http://schemas.microsoft.com/identity/claims/objectidentifier" => {
                    (1, &mut c.oid_uri)
                }
                "appid" => (2, &mut c.appid),
                "upn" => (3, &mut c.upn),
                "unique_name" => (4, &mut c.unique_name),
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn" => (5, &mut c.upn_uri),
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name" => {
                    (6, &mut c.name_uri)
                }
                "idtyp" => (7, &mut c.idtyp),
                _ => return p.skip(2),
            };
            once(&mut seen, bit)?;
            *slot = p.value()?;
            Some(())
        })
    }

    fn properties(&mut self, pr: &mut Properties<'a>) -> Option<()> {
        let mut seen = 0;
        self.object(|p, key| {
            let (bit, slot) = match key {
                "id" => (0, &mut pr.id),
                "requestUri" => (1, &mut pr.request_uri),
                "httpStatusCode" => (2, &mut pr.http_status_code),
                "isAccessPolicyMatch" => (3, &mut pr.is_access_policy_match),
                "isRbacAuthorized" => (4, &mut pr.is_rbac_authorized),
                "appliedAssignmentId" => (5, &mut pr.applied_assignment_id),
                "addrAuthType" => (6, &mut pr.addr_auth_type),
                "isAddressAuthorized" => (7, &mut pr.is_address_authorized),
                _ => return p.skip(1),
            };
            once(&mut seen, bit)?;
            *slot = p.value()?;
            Some(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::record::Row;

    /// Whatever the fast path reads, serde_json reads the same; what it refuses, serde_json decides.
    fn agrees(line: &str) -> bool {
        let fast = super::row(line);
        let slow = serde_json::from_str::<Row>(line);
        match (&fast, &slow) {
            (Some(f), Ok(s)) => assert_eq!(format!("{f:?}"), format!("{s:?}"), "{line}"),
            (Some(f), Err(e)) => panic!("fast read {f:?}, serde_json says {e}: {line}"),
            (None, _) => {}
        }
        fast.is_some()
    }

    fn lines() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/activity");
        let mut out = Vec::new();
        let mut files = vec![dir.join("disagreements.jsonl"), dir.join("malformed.jsonl")];
        files.extend(
            walk(&dir.join("archive"))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json")),
        );
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            out.extend(text.lines().map(str::to_string));
        }
        out
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn reads_what_serde_reads_on_every_fixture_line() {
        let lines = lines();
        assert!(lines.len() > 10);
        let fast = lines.iter().filter(|l| agrees(l)).count();
        assert!(fast * 2 > lines.len(), "most raw lines take the fast path");
    }

    #[test]
    fn a_line_cut_anywhere_or_with_a_byte_changed_is_never_read_differently() {
        let lines = lines();
        for line in lines.iter().filter(|l| super::row(l).is_some()).take(4) {
            for cut in 0..line.len() {
                if line.is_char_boundary(cut) {
                    agrees(&line[..cut]);
                    if line.is_char_boundary(cut + 1) {
                        let mut changed = line.to_string();
                        changed.replace_range(cut..=cut, "");
                        agrees(&changed);
                    }
                    for extra in ["\"", "{", "}", ",", ":", "\\", "\u{1}", "x", "0", "-", "."] {
                        let mut with = line.to_string();
                        with.insert_str(cut, extra);
                        agrees(&with);
                    }
                }
            }
        }
    }

    #[test]
    fn pitfalls_of_real_records_read_alike() {
        for line in [
            r#"{"time":"2026-11-20T08:00:00Z","resultType":"Success","durationMs":"78","properties":{"httpStatusCode":403}}"#,
            r#"{"identity":{"claim":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"AB"}}}"#,
            r#"{"properties":{"httpStatusCode":403.0}}"#,
            r#"{"properties":{"httpStatusCode":-1,"isRbacAuthorized":"True"}}"#,
            r#"{"time":"a","time":"b"}"#,
            r#"{"identity":"{\"claim\":{}}"}"#,
            r#"{"properties":null}"#,
            r#"{"identity":null}"#,
            r#"{"TimeGenerated":"2026-11-20T08:00:00Z"}"#,
            r#"{"properties":{"x":[1,{"y":[true,false,null,-0.5e+3]}]}} "#,
            r#"{"properties":{}} x"#,
            r#"{"properties":{"id":01}}"#,
        ] {
            agrees(line);
        }
        assert!(super::row(r#"{"durationMs":"78","resultType":"Success"}"#).is_some());
        assert!(super::row(r#"{"time":"a","time":"b"}"#).is_none());
    }
}
