//! The Log Analytics query API's response (`api.loganalytics.io/v1/workspaces/{id}/query`, or what
//! `az rest` saves of it): `{"tables": [{"name", "columns": [{"name", "type"}], "rows": [[…], …]}]}`
//! (learn.microsoft.com/azure/azure-monitor/logs/api/response-format). Each row is read against its
//! table's column names as it arrives, so a large response is never held whole. A query that hit a
//! non-fatal error still answers 200 with the rows it has and an `error` object (`PartialError`): the
//! rows are used, and the reading says that the result is incomplete.

use serde::Deserialize;
use serde::de::value::MapDeserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Problem, Reading};
use crate::activity::record::Row;

/// The `tables` array.
pub(super) struct TablesSeed<'r> {
    pub reading: &'r mut Reading,
    pub file: &'r str,
}

impl<'de> DeserializeSeed<'de> for TablesSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of result tables")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(TableSeed {
                reading: &mut *self.reading,
                file: self.file,
            })?
            .is_some()
        {}
        Ok(())
    }
}

#[derive(Deserialize)]
struct Column {
    name: String,
}

/// One table: its columns must come before its rows (as the API writes them).
struct TableSeed<'r> {
    reading: &'r mut Reading,
    file: &'r str,
}

impl<'de> DeserializeSeed<'de> for TableSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TableSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a result table with \"columns\" and \"rows\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut table = String::from("(unnamed)");
        let mut columns: Option<Vec<String>> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
            match key.as_ref() {
                "name" => table = map.next_value()?,
                "columns" => {
                    let list: Vec<Column> = map.next_value()?;
                    columns = Some(list.into_iter().map(|c| c.name).collect());
                }
                "rows" => {
                    let Some(columns) = &columns else {
                        return Err(de::Error::custom(format!(
                            "table {table:?}: \"rows\" comes before \"columns\", so its values cannot be named"
                        )));
                    };
                    map.next_value_seed(RowsSeed {
                        reading: &mut *self.reading,
                        file: self.file,
                        table: &table,
                        columns,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct RowsSeed<'r> {
    reading: &'r mut Reading,
    file: &'r str,
    table: &'r str,
    columns: &'r [String],
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0u64;
        while let Some(values) = seq.next_element::<Vec<serde_json::Value>>()? {
            n += 1;
            let at = |message: String| {
                format!(
                    "table {:?}, row {n}: {message}",
                    crate::sanitize::cut(self.table)
                )
            };
            if values.len() != self.columns.len() {
                let message = at(format!(
                    "{} values for {} columns",
                    values.len(),
                    self.columns.len()
                ));
                self.reading.problem(self.file, 0, message);
                continue;
            }
            let named = self.columns.iter().map(String::as_str).zip(values.iter());
            match Row::deserialize(MapDeserializer::<_, serde_json::Error>::new(named)) {
                Ok(row) => self.reading.row(row),
                Err(e) => self.reading.problem(self.file, 0, at(e.to_string())),
            }
        }
        Ok(())
    }
}

/// The top-level `error` object of a response that still has rows: what it says, for the account.
pub(super) fn incomplete(file: &str, error: &serde_json::Value) -> Problem {
    let field = |k: &str| error.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let mut message = format!(
        "the query reported an error ({}: {}); its rows may be incomplete",
        field("code"),
        field("message")
    );
    if let Some(inner) = error
        .get("details")
        .and_then(|d| d.as_array())
        .and_then(|d| d.first())
        .and_then(|d| d.get("message"))
        .and_then(|m| m.as_str())
    {
        message.push_str(&format!(" — {inner}"));
    }
    Problem {
        file: file.to_string(),
        line: 0,
        message: crate::sanitize::cut(&message).to_string(),
    }
}
