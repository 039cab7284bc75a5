//! JSON paths for problem reports, kept on the stack while converting.
//!
//! Loading a large tenant visits millions of fields and almost none of them is wrong: each path is a chain of
//! borrowed segments that becomes text (`roleAssignments[12].properties.principalId`) only when a problem or
//! warning names it.

use std::fmt;

/// A JSON path: a top-level key, then keys and array indexes below it.
#[derive(Debug, Clone, Copy)]
pub enum At<'a> {
    Top(&'static str),
    Key(&'a At<'a>, &'static str),
    Index(&'a At<'a>, usize),
}

impl<'a> At<'a> {
    /// `self.key`; `key` may itself hold dots (`properties.privateEndpoint`).
    pub fn key(&'a self, key: &'static str) -> At<'a> {
        At::Key(self, key)
    }

    /// `self[index]`.
    pub fn index(&'a self, index: usize) -> At<'a> {
        At::Index(self, index)
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Top(key) => f.write_str(key),
            At::Key(parent, key) => write!(f, "{parent}.{key}"),
            At::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_keys_and_indexes_in_order() {
        let top = At::Top("vaults");
        let vault = top.index(3);
        let props = vault.key("properties");
        let rules = props.key("networkAcls.ipRules");
        let rule = rules.index(12);
        assert_eq!(
            rule.key("value").to_string(),
            "vaults[3].properties.networkAcls.ipRules[12].value"
        );
        assert_eq!(top.to_string(), "vaults");
    }
}
