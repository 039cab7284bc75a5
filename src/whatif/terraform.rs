//! A Terraform plan (`terraform show -json tfplan`) as a change list: the `resource_changes` that touch who
//! can reach a Key Vault become the changes `whatif --changes` reads, in an order apply accepts (new role
//! definitions, then removals, then additions, then vault settings). A value Terraform only knows after
//! apply is followed through the plan's configuration ([`refs`]); what still cannot be known becomes a
//! [`Pending`] naming the Terraform address, and every resource change of a type the gate does not
//! understand is listed as [`Skipped`].
//!
//! Attribute names and shapes follow the azurerm provider (v2.99 to v5.x) and azuread's
//! `azuread_group_member`; see `../shared/reference/terraform-plan.md`.

mod rbac;
mod refs;
mod values;
mod vault;

use serde_json::Value;

use super::change::Change;
use super::plan::{Effect, Pending, Plan, PlanError, PlannedChange, Skipped};
use refs::{Resolved, Resolver};
use values::{Field, Instance, Step};

/// Reads the JSON of `terraform show -json`. Errors name the JSON path.
pub fn read_terraform_plan(text: &str) -> Result<Plan, PlanError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let plan: Value = serde_json::from_str(text).map_err(|e| PlanError::syntax(&e))?;
    let Value::Object(top) = &plan else {
        return Err(PlanError::new(
            "$",
            "expected a JSON object (terraform show -json)",
        ));
    };
    match top.get("format_version").and_then(Value::as_str) {
        Some(v) if v.split('.').next() == Some("1") => {}
        Some(v) => {
            return Err(PlanError::new(
                "format_version",
                format!("'{v}': only format 1.x is understood"),
            ));
        }
        None => {
            return Err(PlanError::new(
                "format_version",
                "missing: is this `terraform show -json` output?",
            ));
        }
    }
    let changes = match top.get("resource_changes") {
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(PlanError::new("resource_changes", "expected an array")),
        // A plan without changes omits the list; a state file (`terraform show -json` of state) has
        // `values` instead, and is not a plan.
        None if top.contains_key("planned_values") => &[],
        None => {
            return Err(PlanError::new(
                "resource_changes",
                "missing: this is not a plan (show the plan file, not the state)",
            ));
        }
    };
    let resolver = Resolver::new(&plan);
    let mut sink = Sink::default();
    let mut instances = Vec::with_capacity(changes.len());
    for (i, rc) in changes.iter().enumerate() {
        instances.extend(Instance::read(i, rc)?);
    }
    // Custom roles first: an assignment of a role this plan defines names it by the definition's name.
    instances.sort_by_key(|inst| inst.kind != "azurerm_role_definition");
    for inst in &instances {
        let inst = inst.clone();
        let mut ctx = Ctx {
            inst: &inst,
            resolver: &resolver,
            sink: &mut sink,
        };
        match inst.kind {
            "azurerm_key_vault" => vault::key_vault(&mut ctx)?,
            "azurerm_key_vault_access_policy" => vault::access_policy(&mut ctx)?,
            "azurerm_role_assignment" => rbac::role_assignment(&mut ctx)?,
            "azurerm_role_definition" => rbac::role_definition(&mut ctx)?,
            "azuread_group_member" => rbac::group_member(&mut ctx)?,
            other => sink.skipped.push(Skipped {
                address: inst.address.to_string(),
                path: inst.path.clone(),
                kind: other.to_string(),
                action: inst.action.as_str().to_string(),
                reason: skip_reason(other).to_string(),
            }),
        }
    }
    Ok(sink.into_plan())
}

/// Why a resource type is not evaluated.
fn skip_reason(kind: &str) -> &'static str {
    match kind {
        "azurerm_pim_eligible_role_assignment" | "azurerm_pim_active_role_assignment" => {
            "PIM role assignments are not read from plans: check the tenant after apply"
        }
        "azuread_group" => {
            "members given inline in azuread_group are not read: use azuread_group_member to have them evaluated"
        }
        "azurerm_key_vault_secret" | "azurerm_key_vault_key" | "azurerm_key_vault_certificate" => {
            "a vault item: who can reach it follows its vault (items without role assignments of their own)"
        }
        _ => "not a Key Vault access change the gate understands",
    }
}

/// Changes in the order they are applied.
#[derive(Default)]
struct Sink {
    definitions: Vec<PlannedChange>,
    removals: Vec<PlannedChange>,
    additions: Vec<PlannedChange>,
    settings: Vec<PlannedChange>,
    pending: Vec<Pending>,
    skipped: Vec<Skipped>,
}

impl Sink {
    fn into_plan(self) -> Plan {
        let mut changes = self.definitions;
        changes.extend(self.removals);
        changes.extend(self.additions);
        changes.extend(self.settings);
        Plan {
            changes,
            pending: self.pending,
            skipped: self.skipped,
        }
    }
}

/// One resource change being read.
struct Ctx<'a, 'p> {
    inst: &'a Instance<'p>,
    resolver: &'a Resolver<'p>,
    sink: &'a mut Sink,
}

impl Ctx<'_, '_> {
    fn planned(&self, change: Change) -> PlannedChange {
        PlannedChange {
            change,
            address: self.inst.address.to_string(),
            path: self.inst.path.clone(),
            action: self.inst.action.as_str().to_string(),
        }
    }

    fn definition(&mut self, change: Change) {
        let c = self.planned(change);
        self.sink.definitions.push(c);
    }

    fn removal(&mut self, change: Change) {
        let c = self.planned(change);
        self.sink.removals.push(c);
    }

    fn addition(&mut self, change: Change) {
        let c = self.planned(change);
        self.sink.additions.push(c);
    }

    fn setting(&mut self, change: Change) {
        let c = self.planned(change);
        self.sink.settings.push(c);
    }

    fn pending(&mut self, what: String, reason: String, effect: Effect) {
        self.sink.pending.push(Pending {
            address: self.inst.address.to_string(),
            path: self.inst.path.clone(),
            action: self.inst.action.as_str().to_string(),
            what,
            reason,
            effect,
        });
    }

    /// A string attribute of the planned state, followed through the configuration when unknown.
    fn id(&self, name: &str) -> Result<Resolved, PlanError> {
        self.id_at(&[Step::Name(name.to_string())], self.inst.field(name))
    }

    /// The same for a nested attribute (`access_policy[1].object_id`) whose field is given.
    fn id_at(&self, attr: &[Step], field: Field) -> Result<Resolved, PlanError> {
        match field {
            Field::Known(Value::String(s)) => Ok(Resolved::Known(s.clone())),
            Field::Known(_) => Err(PlanError::new(
                self.inst.after_path(&values::join(attr)),
                "expected a string",
            )),
            Field::Null => Ok(Resolved::Unknown(format!(
                "{} is not set",
                values::join(attr)
            ))),
            Field::Unknown => Ok(self.resolver.unknown(self.inst.address, attr)),
        }
    }
}

/// Why a value is unknown, in words naming the address it comes from.
fn unresolved_reason(attr: &str, r: &Resolved) -> String {
    match r {
        Resolved::Known(_) => String::new(),
        Resolved::New(address) => {
            format!("{attr} comes from {address}, which this plan creates (not in the snapshot)")
        }
        Resolved::Unknown(why) => format!("{attr}: {why}"),
    }
}

/// A Title-case permission (`UnwrapKey`) in the REST vocabulary the change list uses (`unwrapKey`).
fn rest_permission(p: &str) -> String {
    let mut c = p.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
