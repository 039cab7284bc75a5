//! A scalar as a Log Analytics export gives it: `az monitor log-analytics query` passes every value through
//! Python's `str()` (`"True"`, `"None"`, `"403.0"`), the portal's CSV has only text, the raw record has
//! real JSON types. [`Flex`] takes any of them and answers as text, boolean or number.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A scalar in whatever type the export gave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Flex<'a> {
    #[default]
    Null,
    Str(Cow<'a, str>),
    Bool(bool),
    Num(f64),
    /// An object or array where a scalar was expected.
    Other,
}

impl<'a> Flex<'a> {
    /// The text, with `"None"`, `"null"` and `""` read as absent.
    pub fn text(&self) -> Option<&str> {
        match self {
            Flex::Str(s) => {
                let t = trim(s);
                (!t.is_empty() && t != "None" && t != "null").then_some(t)
            }
            _ => None,
        }
    }

    pub fn into_text(self) -> Option<Cow<'a, str>> {
        self.text()?;
        match self {
            Flex::Str(Cow::Borrowed(s)) => Some(Cow::Borrowed(trim(s))),
            Flex::Str(Cow::Owned(s)) => Some(Cow::Owned(trim(&s).to_string())),
            _ => None,
        }
    }

    /// Whether a value is there: text that is not `"None"`/empty, a boolean or a number.
    pub fn is_present(&self) -> bool {
        match self {
            Flex::Str(_) => self.text().is_some(),
            Flex::Bool(_) | Flex::Num(_) => true,
            Flex::Null | Flex::Other => false,
        }
    }

    pub fn into_owned(self) -> Flex<'static> {
        match self {
            Flex::Str(s) => Flex::Str(Cow::Owned(s.into_owned())),
            Flex::Null => Flex::Null,
            Flex::Bool(b) => Flex::Bool(b),
            Flex::Num(n) => Flex::Num(n),
            Flex::Other => Flex::Other,
        }
    }

    pub fn boolean(&self) -> Option<bool> {
        match self {
            Flex::Bool(b) => Some(*b),
            Flex::Str(_) => match self.text()?.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            Flex::Num(n) => Some(*n),
            Flex::Str(_) => self.text()?.parse().ok(),
            _ => None,
        }
    }
}

/// `str::trim`, answered at once when both ends are visible ASCII (almost every value; this runs for
/// every field of every record).
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Flex<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FlexVisitor(std::marker::PhantomData))
    }
}

struct FlexVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for FlexVisitor<'a> {
    type Value = Flex<'a>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a scalar")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Flex::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Flex::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Flex::Str(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Flex::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Flex::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Flex::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Flex::Num(v))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Flex::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Flex::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Flex::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Flex::Other)
    }
}
