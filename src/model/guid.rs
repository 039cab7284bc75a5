//! One spelling for every GUID. Azure writes the same object id in several ways: upper or lower case,
//! without dashes (32 hex digits, as the 2018-07-01-preview deny-assignment API returned the Everyone id),
//! in braces (PowerShell's `[guid]`), or as a `urn:uuid:`. Ids are compared as text, so each is brought to
//! the lower-case hyphenated form when it is read; text that is not a GUID is only lower-cased.

/// The canonical spelling of an id: a GUID in lower-case hyphenated form, any other text lower-cased.
pub fn canonical(text: &str) -> String {
    canonical_owned(text.to_string())
}

/// [`canonical`] for an owned string, without a copy when it is already canonical (nearly always).
pub fn canonical_owned(mut text: String) -> String {
    let b = text.as_bytes();
    let hyphenated = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if hyphenated {
        text.make_ascii_lowercase();
        return text;
    }
    match uuid::Uuid::try_parse(text.trim()) {
        Ok(u) => u.hyphenated().to_string(),
        Err(_) => {
            text.make_ascii_lowercase();
            text
        }
    }
}

/// A resource id ending in a GUID (a `roleDefinitionId`) with that GUID in its one spelling; the rest is
/// kept as written.
pub fn canonical_tail(id: String) -> String {
    let Some((head, tail)) = id.rsplit_once('/') else {
        return id;
    };
    if !is_guid(tail) {
        return id;
    }
    let tail = canonical(tail);
    if id.ends_with(&tail) {
        id
    } else {
        format!("{head}/{tail}")
    }
}

/// Whether `text` is a GUID in any of the spellings [`canonical`] accepts.
pub fn is_guid(text: &str) -> bool {
    uuid::Uuid::try_parse(text.trim()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_becomes_one() {
        let want = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        for s in [
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
            "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d",
            "{0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D}",
            "urn:uuid:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            " 0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d ",
        ] {
            assert_eq!(canonical(s), want, "{s}");
        }
        assert_eq!(
            canonical("00000000000000000000000000000000"),
            crate::model::EVERYONE
        );
        assert_eq!(canonical("Not-A-Guid"), "not-a-guid");
        assert!(is_guid("{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}"));
        assert!(!is_guid("0a1b2c3d"));
    }
}
