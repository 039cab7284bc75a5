//! Values unknown at plan time, followed through the plan's own configuration: an unknown `principal_id`
//! whose expression references `azurerm_user_assigned_identity.app.principal_id` is the principal of an
//! identity created in this plan; one that references an existing resource is read from that resource's
//! state. `var.x` is followed to the module call that sets it, `module.m.out` to the module's output.

use std::collections::HashMap;

use serde_json::Value;

use super::values::{Step, any_unknown, join, steps, value_at};

/// What an attribute turns out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Known(String),
    /// The value is an attribute of a resource this plan creates (its address).
    New(String),
    /// It cannot be known before apply; the reason names what it depends on.
    Unknown(String),
}

/// The plan's resources by address and its configuration, for following references.
pub struct Resolver<'p> {
    changes: HashMap<&'p str, &'p Value>,
    state: HashMap<&'p str, &'p Value>,
    configuration: Option<&'p Value>,
}

/// Where an expression sits: the module instance (`module.a["x"].`) and the module's configuration.
#[derive(Clone)]
struct Place<'p> {
    /// Module instance steps, `module.a["x"]` as `["module", "a", Key x]`.
    prefix: Vec<Step>,
    module: Option<&'p Value>,
}

/// Nesting limit for following references (a guard against a cycle in a hand-edited plan).
const MAX_HOPS: usize = 16;

impl<'p> Resolver<'p> {
    pub fn new(plan: &'p Value) -> Self {
        let mut changes = HashMap::new();
        for rc in plan
            .get("resource_changes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(a) = rc.get("address").and_then(Value::as_str) {
                changes.insert(a, rc);
            }
        }
        let mut state = HashMap::new();
        let mut modules: Vec<&Value> = plan
            .pointer("/prior_state/values/root_module")
            .into_iter()
            .collect();
        while let Some(m) = modules.pop() {
            for r in m
                .get("resources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(a), Some(v)) =
                    (r.get("address").and_then(Value::as_str), r.get("values"))
                {
                    state.insert(a, v);
                }
            }
            modules.extend(
                m.get("child_modules")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        }
        Self {
            changes,
            state,
            configuration: plan.pointer("/configuration/root_module"),
        }
    }

    /// The value of attribute `attr` (a path inside the resource: `principal_id`, or
    /// `access_policy[1].object_id`) of the resource at `address`, which the plan shows as unknown.
    pub fn unknown(&self, address: &str, attr: &[Step]) -> Resolved {
        let all = steps(address);
        let (prefix, resource) = split_module(&all);
        let place = self.place(prefix);
        let name = join(&strip_index(resource));
        let expression = place
            .module
            .and_then(|m| m.get("resources"))
            .and_then(Value::as_array)
            .and_then(|rs| {
                rs.iter()
                    .find(|r| r.get("address").and_then(Value::as_str) == Some(name.as_str()))
            })
            .and_then(|r| r.get("expressions"))
            .and_then(|e| expression_at(e, attr));
        let what = join(attr);
        match expression {
            Some(e) => self.follow(&place, e, 0),
            None => Resolved::Unknown(format!(
                "{what} is known only after apply, and the plan's configuration does not say where it comes from"
            )),
        }
    }

    /// The configuration of the module instance at `prefix`.
    fn place(&self, prefix: &[Step]) -> Place<'p> {
        let mut module = self.configuration;
        for step in prefix {
            if let Step::Name(n) = step
                && n != "module"
            {
                module = module
                    .and_then(|m| m.get("module_calls"))
                    .and_then(|c| c.get(n.as_str()))
                    .and_then(|c| c.get("module"));
            }
        }
        Place {
            prefix: prefix.to_vec(),
            module,
        }
    }

    fn follow(&self, place: &Place<'p>, expression: &'p Value, hops: usize) -> Resolved {
        if let Some(Value::String(s)) = expression.get("constant_value") {
            return Resolved::Known(s.clone());
        }
        let refs: Vec<&str> = expression
            .get("references")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        // Terraform lists a reference and its shorter forms (`a.b.id`, `a.b`): the longest one is meant.
        let Some(first) = refs.first() else {
            return Resolved::Unknown("computed from an expression without references".into());
        };
        if refs.iter().any(|r| !first.starts_with(r)) {
            return Resolved::Unknown(format!(
                "computed from several values ({})",
                refs.join(", ")
            ));
        }
        if hops > MAX_HOPS {
            return Resolved::Unknown(format!("{first}: references nest too deeply"));
        }
        let s = steps(first);
        match s.first() {
            Some(Step::Name(n)) if n == "var" => self.variable(place, &s, first, hops),
            Some(Step::Name(n)) if n == "module" => self.output(place, &s, first, hops),
            Some(Step::Name(n))
                if ["local", "each", "count", "path", "terraform", "self"]
                    .contains(&n.as_str()) =>
            {
                Resolved::Unknown(format!(
                    "depends on {first}, which the plan does not resolve"
                ))
            }
            _ => self.attribute(place, &s, first),
        }
    }

    /// `var.x` inside a module: the expression the module call passes.
    fn variable(&self, place: &Place<'p>, s: &[Step], text: &str, hops: usize) -> Resolved {
        let Some(Step::Name(var)) = s.get(1) else {
            return Resolved::Unknown(format!("{text}: not a variable reference"));
        };
        let Some(call) = module_name(&place.prefix) else {
            return Resolved::Unknown(format!("depends on the root variable {text}"));
        };
        let parent_prefix = &place.prefix[..place.prefix.len() - instance_len(&place.prefix)];
        let parent = self.place(parent_prefix);
        match parent
            .module
            .and_then(|m| m.pointer(&format!("/module_calls/{call}/expressions/{var}")))
        {
            Some(e) => self.follow(&parent, e, hops + 1),
            None => Resolved::Unknown(format!(
                "depends on {text}, which module.{call} leaves unset"
            )),
        }
    }

    /// `module.m.output`: the module's output expression, followed inside that module.
    fn output(&self, place: &Place<'p>, s: &[Step], text: &str, hops: usize) -> Resolved {
        let (Some(Step::Name(m)), rest) = (s.get(1), &s[2..]) else {
            return Resolved::Unknown(format!("{text}: not a module reference"));
        };
        let (key, rest) = match rest.first() {
            Some(k @ (Step::Key(_) | Step::Index(_))) => (Some(k.clone()), &rest[1..]),
            _ => (None, rest),
        };
        let Some(Step::Name(out)) = rest.first() else {
            return Resolved::Unknown(format!("depends on the whole module {text}"));
        };
        let mut prefix = place.prefix.clone();
        prefix.extend([Step::Name("module".into()), Step::Name(m.clone())]);
        prefix.extend(key);
        let inner = self.place(&prefix);
        match inner
            .module
            .and_then(|c| c.pointer(&format!("/outputs/{out}/expression")))
        {
            Some(e) => self.follow(&inner, e, hops + 1),
            None => Resolved::Unknown(format!(
                "depends on {text}, an output the plan does not show"
            )),
        }
    }

    /// `azurerm_x.y[0].attr` or `data.azurerm_x.y.attr`: read from that resource in this plan.
    fn attribute(&self, place: &Place<'p>, s: &[Step], text: &str) -> Resolved {
        let head = if matches!(s.first(), Some(Step::Name(n)) if n == "data") {
            3
        } else {
            2
        };
        if s.len() < head {
            return Resolved::Unknown(format!("depends on {text}"));
        }
        let (resource, mut attr) = s.split_at(head);
        let mut full = place.prefix.clone();
        full.extend_from_slice(resource);
        if let Some(k @ (Step::Key(_) | Step::Index(_))) = attr.first() {
            full.push(k.clone());
            attr = &attr[1..];
        }
        let address = join(&full);
        let found = self
            .changes
            .get(address.as_str())
            .map(|rc| (address.clone(), *rc));
        let found = found.or_else(|| {
            // `azurerm_x.y.id` for a resource with one instance under count/for_each.
            let prefix = format!("{address}[");
            let mut m = self.changes.iter().filter(|(a, _)| a.starts_with(&prefix));
            match (m.next(), m.next()) {
                (Some((a, rc)), None) => Some((a.to_string(), *rc)),
                _ => None,
            }
        });
        let Some((address, rc)) = found else {
            return match self
                .state
                .get(address.as_str())
                .and_then(|v| value_at(v, attr))
            {
                Some(Value::String(v)) => Resolved::Known(v.clone()),
                _ => Resolved::Unknown(format!("depends on {text}, which the plan does not show")),
            };
        };
        let change = rc.get("change");
        let unknown = change
            .and_then(|c| c.get("after_unknown"))
            .and_then(|u| value_at(u, attr))
            .is_some_and(any_unknown);
        let creates = change
            .and_then(|c| c.get("actions"))
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x == "create"));
        let read = |side: &str| {
            change
                .and_then(|c| c.get(side))
                .and_then(|v| value_at(v, attr))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        match (unknown, creates) {
            (true, true) => Resolved::New(address),
            (true, false) => {
                Resolved::Unknown(format!("depends on {text}, known only after apply"))
            }
            (false, _) => read("after").or_else(|| read("before")).map_or_else(
                || Resolved::Unknown(format!("{text} is not set")),
                Resolved::Known,
            ),
        }
    }
}

/// The expression of a (possibly nested) attribute: nested blocks are arrays of expression objects.
fn expression_at<'v>(expressions: &'v Value, attr: &[Step]) -> Option<&'v Value> {
    value_at(expressions, attr)
}

/// `module.a["x"].module.b.azurerm_x.y[0]` → (`module.a["x"].module.b`, `azurerm_x.y[0]`).
fn split_module(s: &[Step]) -> (&[Step], &[Step]) {
    let mut at = 0;
    while matches!(s.get(at), Some(Step::Name(n)) if n == "module") {
        at += 2;
        if matches!(s.get(at), Some(Step::Key(_) | Step::Index(_))) {
            at += 1;
        }
    }
    let at = at.min(s.len());
    s.split_at(at)
}

fn strip_index(s: &[Step]) -> Vec<Step> {
    s.iter()
        .filter(|x| matches!(x, Step::Name(_)))
        .cloned()
        .collect()
}

/// The innermost module call's name.
fn module_name(prefix: &[Step]) -> Option<&str> {
    let n = prefix.len().checked_sub(instance_len(prefix))?;
    match prefix.get(n + 1) {
        Some(Step::Name(m)) => Some(m),
        _ => None,
    }
}

/// How many steps the innermost module instance takes (`module.b` 2, `module.a["x"]` 3, none 0).
fn instance_len(prefix: &[Step]) -> usize {
    match prefix {
        [.., Step::Name(m), Step::Name(_)] if m == "module" => 2,
        [
            ..,
            Step::Name(m),
            Step::Name(_),
            Step::Key(_) | Step::Index(_),
        ] if m == "module" => 3,
        _ => 0,
    }
}
