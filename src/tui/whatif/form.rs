//! The add form: pick a kind, then fill its fields one by one, each a fuzzy picker over the snapshot (the
//! permissions field is a multi-select). The finished form becomes a [`Change`].

use std::collections::BTreeSet;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use tui_input::Input;

use super::choices::{self, Choice, SEP};
use crate::eval::Engine;
use crate::model::PrincipalKind;
use crate::tui::cursor::Cursor;
use crate::tui::scopes::ScopeTree;
use crate::whatif::{Change, ChangeKind, PolicyPermissions};

/// The kinds the form can build; the others (firewall rules, deny assignments, custom roles) come in a
/// loaded change list.
pub const FORM_KINDS: [(ChangeKind, &str); 10] = [
    (
        ChangeKind::AddRoleAssignment,
        "assign a role to a principal at a scope",
    ),
    (
        ChangeKind::RemoveRoleAssignment,
        "remove an existing role assignment",
    ),
    (
        ChangeKind::AddAccessPolicy,
        "add an access-policy entry to a vault",
    ),
    (
        ChangeKind::RemoveAccessPolicy,
        "remove an access-policy entry",
    ),
    (
        ChangeKind::SetPermissionModel,
        "switch a vault between access policies and Azure RBAC",
    ),
    (ChangeKind::AddGroupMember, "add a member to a group"),
    (
        ChangeKind::RemoveGroupMember,
        "remove a member from a group",
    ),
    (
        ChangeKind::SetPublicNetworkAccess,
        "enable or disable a vault's public network access",
    ),
    (
        ChangeKind::ActivateEligibility,
        "activate a PIM eligibility (it becomes an active assignment)",
    ),
    (ChangeKind::RemoveDenyAssignment, "remove a deny assignment"),
];

/// One field being asked for.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub choices: Vec<Choice>,
    /// Several choices may be marked (permissions).
    pub many: bool,
}

#[derive(Debug, Clone)]
pub struct Form {
    /// The field being filled is the last one; the first is the kind.
    pub fields: Vec<Field>,
    /// Chosen values of the fields before the current one.
    pub values: Vec<Vec<String>>,
    pub input: Input,
    /// Indices into the current field's choices that match the input, best first.
    pub shown: Vec<usize>,
    pub cursor: Cursor,
    /// Marked choices of a multi-select field.
    pub marked: BTreeSet<usize>,
}

/// What a key did to the form.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Still filling.
    More,
    Done(Change),
}

impl Form {
    pub fn new() -> Self {
        let kinds = FORM_KINDS
            .iter()
            .map(|(k, d)| Choice {
                label: format!("{k} — {d}"),
                value: k.as_str().to_string(),
            })
            .collect();
        let mut f = Self {
            fields: vec![Field {
                name: "kind",
                choices: kinds,
                many: false,
            }],
            values: Vec::new(),
            input: Input::default(),
            shown: Vec::new(),
            cursor: Cursor::default(),
            marked: BTreeSet::new(),
        };
        f.refilter();
        f
    }

    pub fn field(&self) -> Option<&Field> {
        self.fields.last()
    }

    /// The kind picked, once it is.
    pub fn kind(&self) -> Option<ChangeKind> {
        self.values
            .first()
            .and_then(|v| v.first())
            .and_then(|k| ChangeKind::parse(k))
    }

    /// Recomputes the shown choices for the typed text.
    pub fn refilter(&mut self) {
        let Some(field) = self.fields.last() else {
            return;
        };
        self.shown = filter(&field.choices, self.input.value());
        self.cursor = Cursor::default();
    }

    pub fn set_query(&mut self, text: &str) {
        self.input = Input::new(text.to_string());
        self.refilter();
    }

    pub fn move_by(&mut self, delta: isize) {
        self.cursor.move_by(delta, self.shown.len());
    }

    /// Marks or unmarks the choice under the cursor of a multi-select field.
    pub fn toggle_mark(&mut self) {
        if self.field().is_some_and(|f| f.many)
            && let Some(&i) = self.shown.get(self.cursor.selected)
            && !self.marked.remove(&i)
        {
            self.marked.insert(i);
        }
    }

    /// Takes the selection (or the marks) as the field's value and moves on; `Err` says why it cannot.
    pub fn accept(&mut self, engine: &Engine, tree: &ScopeTree) -> Result<Step, String> {
        let Some(field) = self.fields.last() else {
            return Err("the form is empty".into());
        };
        let picked: Vec<String> = if field.many && !self.marked.is_empty() {
            self.marked
                .iter()
                .filter_map(|&i| field.choices.get(i).map(|c| c.value.clone()))
                .collect()
        } else {
            match self
                .shown
                .get(self.cursor.selected)
                .and_then(|&i| field.choices.get(i))
            {
                Some(c) => vec![c.value.clone()],
                None => return Err(format!("no {} matches what is typed", field.name)),
            }
        };
        self.values.push(picked);
        match self.next_field(engine, tree) {
            Some(f) => {
                self.fields.push(f);
                self.input = Input::default();
                self.marked.clear();
                self.refilter();
                Ok(Step::More)
            }
            None => self.build().map(Step::Done),
        }
    }

    /// The field after those filled so far, or `None` when the change is complete.
    fn next_field(&self, engine: &Engine, tree: &ScopeTree) -> Option<Field> {
        let one = |name, choices| Field {
            name,
            choices,
            many: false,
        };
        let n = self.values.len();
        let field = match (self.kind()?, n) {
            (ChangeKind::AddRoleAssignment, 1) => {
                one("principal", choices::principals(engine, None))
            }
            (ChangeKind::AddRoleAssignment, 2) => one("role", choices::roles(engine)),
            (ChangeKind::AddRoleAssignment, 3) => one("scope", choices::scopes(tree)),
            (ChangeKind::RemoveRoleAssignment, 1) => {
                one("role assignment", choices::role_assignments(engine))
            }
            (ChangeKind::AddAccessPolicy, 1) => one("vault", choices::vaults(engine)),
            (ChangeKind::AddAccessPolicy, 2) => one("principal", choices::principals(engine, None)),
            (ChangeKind::AddAccessPolicy, 3) => Field {
                name: "permissions (space marks, enter takes the marked)",
                choices: choices::policy_permissions(),
                many: true,
            },
            (ChangeKind::RemoveAccessPolicy, 1) => {
                one("access-policy entry", choices::policy_entries(engine))
            }
            (ChangeKind::SetPermissionModel, 1) | (ChangeKind::SetPublicNetworkAccess, 1) => {
                one("vault", choices::vaults(engine))
            }
            (ChangeKind::SetPermissionModel, 2) => one(
                "permission model",
                choices::words(&[("Azure RBAC", "true"), ("access policies", "false")]),
            ),
            (ChangeKind::SetPublicNetworkAccess, 2) => one(
                "public network access",
                choices::words(&[
                    ("Disabled", "Disabled"),
                    ("Enabled", "Enabled"),
                    ("SecuredByPerimeter", "SecuredByPerimeter"),
                ]),
            ),
            (ChangeKind::AddGroupMember, 1) => one(
                "group",
                choices::principals(engine, Some(PrincipalKind::Group)),
            ),
            (ChangeKind::AddGroupMember, 2) => one("member", choices::principals(engine, None)),
            (ChangeKind::RemoveGroupMember, 1) => one("membership", choices::memberships(engine)),
            (ChangeKind::ActivateEligibility, 1) => {
                one("eligibility", choices::eligibilities(engine))
            }
            (ChangeKind::RemoveDenyAssignment, 1) => {
                one("deny assignment", choices::deny_assignments(engine))
            }
            _ => return None,
        };
        Some(field)
    }

    fn value(&self, i: usize) -> Result<String, String> {
        self.values
            .get(i)
            .and_then(|v| v.first())
            .cloned()
            .ok_or_else(|| format!("field {i} is missing"))
    }

    fn build(&self) -> Result<Change, String> {
        let v = |i| self.value(i);
        let split = |i| -> Result<Vec<String>, String> {
            Ok(self.value(i)?.split(SEP).map(str::to_string).collect())
        };
        let Some(kind) = self.kind() else {
            return Err("no kind picked".to_string());
        };
        let change = match kind {
            ChangeKind::AddRoleAssignment => Change::AddRoleAssignment {
                principal: v(1)?,
                role: v(2)?,
                scope: v(3)?,
                condition: None,
                condition_version: None,
                id: None,
            },
            ChangeKind::RemoveRoleAssignment => Change::RemoveRoleAssignment {
                id: Some(v(1)?),
                principal: None,
                role: None,
                scope: None,
            },
            ChangeKind::AddAccessPolicy => Change::AddAccessPolicy {
                vault: v(1)?,
                object_id: v(2)?,
                application_id: None,
                tenant_id: None,
                permissions: permissions(self.values.get(3).map_or(&[][..], Vec::as_slice)),
            },
            ChangeKind::RemoveAccessPolicy => {
                let parts = split(1)?;
                Change::RemoveAccessPolicy {
                    vault: parts.first().cloned().unwrap_or_default(),
                    object_id: parts.get(1).cloned().unwrap_or_default(),
                    application_id: parts.get(2).cloned(),
                }
            }
            ChangeKind::SetPermissionModel => Change::SetPermissionModel {
                vault: v(1)?,
                enable_rbac_authorization: v(2)? == "true",
            },
            ChangeKind::SetPublicNetworkAccess => Change::SetPublicNetworkAccess {
                vault: v(1)?,
                value: v(2)?,
            },
            ChangeKind::AddGroupMember => Change::AddGroupMember {
                group: v(1)?,
                member: v(2)?,
            },
            ChangeKind::RemoveGroupMember => {
                let parts = split(1)?;
                Change::RemoveGroupMember {
                    group: parts.first().cloned().unwrap_or_default(),
                    member: parts.get(1).cloned().unwrap_or_default(),
                }
            }
            ChangeKind::ActivateEligibility => Change::ActivateEligibility { id: v(1)? },
            ChangeKind::RemoveDenyAssignment => Change::RemoveDenyAssignment { id: v(1)? },
            other => return Err(format!("the form cannot build a {other} change")),
        };
        Ok(change)
    }
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

/// `secrets/get`, `keys/all` … into the four lists of an access-policy entry.
fn permissions(values: &[String]) -> PolicyPermissions {
    let mut p = PolicyPermissions::default();
    for v in values {
        let Some((kind, perm)) = v.split_once('/') else {
            continue;
        };
        let list = match kind {
            "keys" => &mut p.keys,
            "secrets" => &mut p.secrets,
            "certificates" => &mut p.certificates,
            "storage" => &mut p.storage,
            _ => continue,
        };
        list.push(perm.to_string());
    }
    p
}

/// Indices of the choices matching `query` (fuzzy, over label and value), best first; all of them, in
/// order, for an empty query.
pub fn filter(choices: &[Choice], query: &str) -> Vec<usize> {
    let q = query.trim();
    if q.is_empty() {
        return (0..choices.len()).collect();
    }
    let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = choices
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let hay = format!("{} {}", c.label, c.value);
            pattern
                .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                .map(|s| (s, i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}
