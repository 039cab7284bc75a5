//! A field that never fails to deserialize.
//!
//! Snapshot loading must report *every* problem with its JSON path, not stop at the first one as serde does.
//! Every field of the raw snapshot types is a [`Field`]: it records what it found (a value, `null`, nothing,
//! or a value of the wrong JSON type) and the validation pass in `snapshot::convert` turns the wrong ones into
//! errors that name the path. Only malformed JSON (a syntax error, a truncated file) stops the parse.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{
    self, Deserialize, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

/// The JSON container kind a field type expects, so a mismatching array or object can be skipped whole
/// (serde cannot resume after a nested deserializer rejected a container it had not read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    Array,
    Object,
}

/// Implemented by every type that appears inside a [`Field`].
pub trait Expected {
    const KIND: Kind;
    /// A whole number: then a number that does not fit is described as a fraction or out of range, not as
    /// "a number" (which would read "expected a number, found a number").
    const WHOLE_NUMBER: bool = false;
}

impl Expected for String {
    const KIND: Kind = Kind::Scalar;
}
impl Expected for bool {
    const KIND: Kind = Kind::Scalar;
}
impl Expected for u32 {
    const KIND: Kind = Kind::Scalar;
    const WHOLE_NUMBER: bool = true;
}
impl Expected for i64 {
    const KIND: Kind = Kind::Scalar;
    const WHOLE_NUMBER: bool = true;
}
impl Expected for u16 {
    const KIND: Kind = Kind::Scalar;
    const WHOLE_NUMBER: bool = true;
}
impl<T> Expected for Vec<T> {
    const KIND: Kind = Kind::Array;
}

/// Declares raw snapshot structs as JSON objects for [`Field`].
macro_rules! expect_object {
    ($($t:ty),* $(,)?) => { $(impl $crate::snapshot::lenient::Expected for $t { const KIND: $crate::snapshot::lenient::Kind = $crate::snapshot::lenient::Kind::Object; })* };
}
pub(crate) use expect_object;

/// What a JSON field held.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Field<T> {
    /// The key was not present.
    #[default]
    Absent,
    /// The key was present with `null` (Azure writes many optional fields as `null`).
    Null,
    /// A value of the expected type.
    Value(T),
    /// A value of another JSON type; the string names what was found (`"a number"`).
    Wrong(&'static str),
}

impl<T> Field<T> {
    /// The value, treating `null` like an absent key.
    pub fn get(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn into_option(self) -> Option<T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The JSON type found when it was not the expected one.
    pub fn wrong(&self) -> Option<&'static str> {
        match self {
            Field::Wrong(found) => Some(found),
            _ => None,
        }
    }
}

impl<'de, T: Deserialize<'de> + Expected> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor(PhantomData))
    }
}

struct FieldVisitor<T>(PhantomData<T>);

impl<T: Expected> FieldVisitor<T> {
    /// What a number that `T` did not take is, in words.
    fn number(fraction: bool) -> &'static str {
        match (T::WHOLE_NUMBER, fraction) {
            (false, _) => "a number",
            (true, true) => "a fraction",
            (true, false) => "a number out of range",
        }
    }

    /// Tries `T` from a scalar; a type mismatch becomes `Wrong` instead of an error.
    fn scalar<'de, D, E>(value: D, found: &'static str) -> Result<Field<T>, E>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de, Error = de::value::Error>,
        E: de::Error,
    {
        Ok(T::deserialize(value).map_or(Field::Wrong(found), Field::Value))
    }
}

impl<'de, T: Deserialize<'de> + Expected> Visitor<'de> for FieldVisitor<T> {
    type Value = Field<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Self::scalar(v.into_deserializer(), "a boolean")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Self::scalar(v.into_deserializer(), Self::number(false))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Self::scalar(v.into_deserializer(), Self::number(false))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        let fraction = !v.is_finite() || v.fract() != 0.0;
        Self::scalar(v.into_deserializer(), Self::number(fraction))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Self::scalar(v.into_deserializer(), "a string")
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Self::scalar(v.into_deserializer(), "a string")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Field::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Field::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Field::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if T::KIND != Kind::Array {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Field::Wrong("an array"));
        }
        T::deserialize(SeqAccessDeserializer::new(seq)).map(Field::Value)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if T::KIND != Kind::Object {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(Field::Wrong("an object"));
        }
        T::deserialize(MapAccessDeserializer::new(map)).map(Field::Value)
    }
}
