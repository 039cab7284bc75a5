//! JSON output with every character [`super::is_unsafe`] names written as a `\u` escape. The document means
//! the same to any JSON reader, but a terminal, a pager or an editor showing it raw sees no C1 control, bidi
//! override, zero-width or tag character. serde_json itself escapes only C0 controls, `"` and `\`.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// Wraps a serde_json formatter; only string contents are treated differently.
pub struct Escaping<F>(F);

fn write_escaped<W: ?Sized + Write>(writer: &mut W, fragment: &str) -> io::Result<()> {
    // Most text is printable ASCII (serde_json has already escaped C0 controls): written as is.
    if fragment.bytes().all(|b| b < 0x7F) {
        return writer.write_all(fragment.as_bytes());
    }
    let mut start = 0;
    for (i, c) in fragment.char_indices() {
        if super::is_unsafe(c) {
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(writer, "\\u{u:04x}")?;
            }
            start = i + c.len_utf8();
        }
    }
    writer.write_all(&fragment.as_bytes()[start..])
}

macro_rules! delegate {
    ($($name:ident),*) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
            self.0.$name(w)
        }
    )*};
    (first: $($name:ident),*) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
            self.0.$name(w, first)
        }
    )*};
}

impl<F: Formatter> Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment)
    }

    delegate!(
        begin_array,
        end_array,
        begin_object,
        end_object,
        end_array_value,
        begin_object_value,
        end_object_value
    );
    delegate!(first: begin_array_value, begin_object_key);
}

/// Pretty JSON (CLI `-o json`, explorer exports).
pub fn to_writer_pretty<W: Write, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, Escaping(PrettyFormatter::new()));
    value.serialize(&mut ser)
}

/// Compact JSON (snapshot and cache files).
pub fn to_writer<W: Write, T: Serialize + ?Sized>(writer: W, value: &T) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, Escaping(CompactFormatter));
    value.serialize(&mut ser)
}

/// Pretty JSON as a string.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    to_writer_pretty(&mut out, value)?;
    // Only valid UTF-8 was written: serde_json's own output plus ASCII escapes.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn hidden_characters_become_escapes_and_the_value_is_unchanged() {
        let name = "a\u{9b}b\u{202e}c\u{200b}d\u{e0041}e\u{7f}f\u{1b}]52;c;aGk=\u{7}Zoë 日本";
        let v = json!({ "displayName": name, "list": [name, 1, null] });
        let text = to_string_pretty(&v).unwrap();
        for raw in [
            '\u{9b}',
            '\u{202e}',
            '\u{200b}',
            '\u{e0041}',
            '\u{7f}',
            '\u{1b}',
            '\u{7}',
        ] {
            assert!(!text.contains(raw), "{raw:?} in {text}");
        }
        assert!(
            text.contains("\\u009b") && text.contains("\\udb40\\udc41"),
            "{text}"
        );
        assert!(text.contains("Zoë 日本"));
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
        let mut compact = Vec::new();
        to_writer(&mut compact, &v).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&compact).unwrap(), v);
        assert_eq!(
            String::from_utf8(compact).unwrap(),
            serde_json::to_string(&v)
                .unwrap()
                .replace('\u{9b}', "\\u009b")
                .replace('\u{202e}', "\\u202e")
                .replace('\u{200b}', "\\u200b")
                .replace('\u{e0041}', "\\udb40\\udc41")
                .replace('\u{7f}', "\\u007f")
        );
    }
}
