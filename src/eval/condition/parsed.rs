//! What a condition says of an action when the request names no secret, parsed once per (condition, action)
//! and engine. A full check parses the condition of every grant it examines (about 100 000 instructions for
//! a typical ABAC condition), and a bulk question examines the same few conditions thousands of times: on the
//! large synthetic tenant the tenant-wide escalations spent about 4.5% of their walk parsing them again.

use std::sync::{Mutex, PoisonError};

use rustc_hash::FxHashMap;

use super::{Effect, effect, on_items_named};

/// [`effect`] with no secret named, and [`on_items_named`], of one condition on one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub effect: Effect,
    pub on_items: Option<String>,
}

/// The facts asked so far, by condition text then action (lower-cased). Shared by the threads of a walk:
/// a miss is rare (one per distinct pair), so one lock costs nothing to speak of. Conditions of the
/// snapshot only, so the memo holds at most (distinct conditions × catalog actions) entries.
#[derive(Debug, Default)]
pub struct Parsed(Mutex<ByCondition>);

/// Facts by condition text, then action.
type ByCondition = FxHashMap<Box<str>, FxHashMap<Box<str>, Facts>>;

impl Parsed {
    /// The facts of `condition` on `action_lower`, parsed on first use.
    pub fn of(&self, condition: &str, action_lower: &str) -> Facts {
        let known = self
            .lock()
            .get(condition)
            .and_then(|a| a.get(action_lower).cloned());
        if let Some(known) = known {
            return known;
        }
        // Parsed outside the lock: two threads missing the same pair parse it twice, alike.
        let facts = Facts {
            effect: effect(condition, action_lower, None),
            on_items: on_items_named(condition, action_lower),
        };
        self.lock()
            .entry(condition.into())
            .or_default()
            .insert(action_lower.into(), facts.clone());
        facts
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ByCondition> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kept answer is the condition's own on that action, for conditions that differ in what they
    /// restrict and on actions they do and do not guard (a memo keyed by the condition alone, or by the
    /// action alone, gives one of them another's answer).
    #[test]
    fn kept_facts_are_each_conditions_own_on_each_action() {
        let conditions = [
            "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {4633458b-17de-408a-b874-0445c86b69e6}))",
            "((!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'})) OR (@Resource[Microsoft.KeyVault/vaults/secrets:name] StringStartsWith 'app-'))",
            "((!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'})) OR (@Resource[Microsoft.KeyVault/vaults/secrets:name] StringEquals 'db'))",
            "not a condition kvaccess reads",
        ];
        let actions = [
            "microsoft.authorization/roleassignments/write",
            "microsoft.keyvault/vaults/secrets/getsecret/action",
            "microsoft.keyvault/vaults/write",
        ];
        let parsed = Parsed::default();
        let mut seen = std::collections::BTreeSet::new();
        // Twice: the second round reads what the first kept.
        for _ in 0..2 {
            for c in conditions {
                for a in actions {
                    let own = Facts {
                        effect: effect(c, a, None),
                        on_items: on_items_named(c, a),
                    };
                    assert_eq!(parsed.of(c, a), own, "{c} on {a}");
                    seen.insert(format!("{own:?}"));
                }
            }
        }
        assert!(seen.len() >= 3, "the conditions never differ: {seen:?}");
    }
}
