//! Explanations of what is selected when it is not a cell: a scope, a principal, an escalation finding, a
//! matrix cell.

use super::{Doc, Tone, ancestry_words, chain_words, describe_scope, name_of, short_id};
use crate::display::{app_name, self_grant};
use crate::eval::{Decision, Engine, network};
use crate::model::{PrincipalKind, Scope, ScopeKind};
use crate::query::{Finding, MatrixRow};
use crate::sanitize::clean;
use crate::tui::principals::kind_word;
use crate::tui::scopes::vault_badges;
use crate::tui::theme::{ESCALATION_SYMBOL, ITEMS_SYMBOL, decision_symbol};

const LIST_LIMIT: usize = 40;

pub fn scope(engine: &Engine, scope: &Scope) -> Doc {
    let mut doc = Doc::new(describe_scope(engine, scope.id()));
    doc.styled(Tone::Id, clean(scope.id()).into_owned());
    if engine
        .snapshot
        .collection_errors
        .iter()
        .any(|e| e.is_pending())
    {
        doc.styled(
            Tone::Decision(Decision::Unknown),
            "⟳ Still collecting: the live fetch has not finished, so answers that need data not read yet are \"unknown\"",
        );
    }
    let target = engine.target(scope);
    let mgmt = engine.snapshot.cloud.management_endpoint();
    match (scope.kind(), target.vault) {
        (ScopeKind::Vault, Some(v)) => {
            let host = format!(
                "{}.{}",
                clean(&v.name),
                engine.snapshot.cloud.vault_dns_suffix()
            );
            doc.text(format!("A key vault. Two doors: management operations (configure, delete, assign roles) go to https://{mgmt}; data operations (read a secret, sign with a key) go to https://{host}."));
            let errors = engine
                .index
                .ancestry(scope)
                .scopes
                .iter()
                .any(|s| engine.index.errors_at.contains_key(s.key()));
            doc.heading("Badges");
            for b in vault_badges(v, errors) {
                doc.line(vec![
                    (Tone::Heading, format!("  {:<5}", b.label())),
                    (Tone::Plain, b.meaning().to_string()),
                ]);
            }
            doc.heading("Data plane");
            if v.rbac_authorization {
                doc.text("Azure RBAC decides: role assignments with data actions, at this vault, its items, or any scope above. Its access policies (if any) are ignored.");
            } else {
                doc.text(format!("Access policies decide ({} entries); Azure RBAC data roles are ignored. Entries:", v.access_policies.len()));
                for e in v.access_policies.iter().take(LIST_LIMIT) {
                    let perms: Vec<String> = crate::model::PolicyKind::ALL
                        .iter()
                        .filter(|k| !e.permissions(**k).is_empty())
                        .map(|k| format!("{}: {}", k.as_str(), e.permissions(*k).join(",")))
                        .collect();
                    let app = e
                        .application_id
                        .as_ref()
                        .map(|a| format!(" (only through app {})", app_name(engine, a)))
                        .unwrap_or_default();
                    doc.text(format!(
                        "  • {}{app} — {}",
                        name_of(engine, &e.object_id),
                        clean(&perms.join("; "))
                    ));
                }
            }
            doc.heading("Network (data plane only)");
            doc.text(clean(&network::describe(&v.network)).into_owned());
            let items = engine.index.items_of.get(scope.key()).map_or(0, Vec::len);
            doc.heading("Inside");
            doc.text(format!("{items} keys, secrets and certificates are in the snapshot (metadata only, never values)."));
        }
        (ScopeKind::VaultItem(kind), _) => {
            doc.text(format!(
                "One {}. On an RBAC vault a role assignment can target it alone; access policies cannot (they are vault-wide).",
                kind.as_str().trim_end_matches('s')
            ));
        }
        (
            ScopeKind::ManagementGroup
            | ScopeKind::Subscription
            | ScopeKind::ResourceGroup
            | ScopeKind::Root,
            _,
        ) => {
            doc.text(format!("A container. Role assignments made here are inherited by everything below it, down to each vault and item. Only management-plane operations (https://{mgmt}) can be evaluated here: select a vault for the data plane."));
        }
        _ => doc.text("A scope the snapshot does not describe further."),
    }
    let here = engine
        .index
        .assignments_at
        .get(scope.key())
        .map_or(0, Vec::len);
    let denies = engine.index.denies_at.get(scope.key()).map_or(0, Vec::len);
    doc.heading("Role assignments");
    doc.text(format!("{here} role assignment(s) and {denies} deny assignment(s) are made exactly here. Inherited from: "));
    doc.styled(Tone::Dim, format!("  {}", ancestry_words(engine, scope)));
    let gaps: Vec<&crate::model::CollectionError> = engine
        .index
        .ancestry(scope)
        .scopes
        .iter()
        .flat_map(|s| engine.index.errors_at.get(s.key()).into_iter().flatten())
        .filter_map(|&i| engine.snapshot.collection_errors.get(i))
        .collect();
    let errors: Vec<String> = gaps
        .into_iter()
        .filter(|e| !e.is_pending())
        .map(|e| {
            format!(
                "{} at {} could not be read{}",
                clean(&e.about.key()),
                describe_scope(engine, e.scope.id()),
                e.status()
                    .map(|s| format!(" (HTTP {s})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    if !errors.is_empty() {
        doc.heading("Collection errors");
        doc.text("Answers that depend on this missing data are \"unknown\":");
        for e in errors {
            doc.styled(Tone::Decision(Decision::Unknown), format!("  ⚠ {e}"));
        }
    }
    doc
}

/// A principal: its ids, groups or members, and how many grants name it. `policy_vaults` is the number of
/// vaults whose access policies name it (counted once per snapshot by the caller: scanning every vault per
/// keypress is what a large tenant cannot afford).
pub fn principal(engine: &Engine, id: &str, policy_vaults: usize) -> Doc {
    let p = engine
        .index
        .principal
        .get(id)
        .and_then(|&i| engine.snapshot.principals.get(i));
    let kind = p.map_or(PrincipalKind::Unknown, |p| p.kind);
    let mut doc = Doc::new(format!("{} ({})", name_of(engine, id), kind_word(kind)));
    doc.styled(Tone::Id, format!("object id {id}"));
    if let Some(p) = p {
        if let Some(u) = &p.user_principal_name {
            doc.styled(Tone::Id, format!("UPN {}", clean(u)));
        }
        if let Some(a) = &p.app_id {
            doc.styled(Tone::Id, format!("appId {}", clean(a)));
        }
    } else {
        doc.styled(Tone::Decision(Decision::Unknown), "Not in the directory data: assignments name this id, but the principal may have been deleted (then they grant nothing) or was not collected.");
    }
    if kind == PrincipalKind::Group || engine.index.is_group_with_members(id) {
        let members = engine.index.transitive_members(id);
        doc.heading(&format!("Members, transitively ({})", members.len()));
        doc.text("A group never signs in; whatever it is granted, its members get.");
        for (m, chain) in members.iter().take(LIST_LIMIT) {
            let via = if chain.len() > 1 {
                format!(
                    " (via {})",
                    chain[..chain.len() - 1]
                        .iter()
                        .map(|g| name_of(engine, g))
                        .collect::<Vec<_>>()
                        .join(" → ")
                )
            } else {
                String::new()
            };
            doc.text(format!("  • {}{via}", name_of(engine, m)));
        }
        if members.len() > LIST_LIMIT {
            doc.styled(
                Tone::Dim,
                format!("  … and {} more", members.len() - LIST_LIMIT),
            );
        }
    }
    let set = engine.index.principal_set(id);
    if kind != PrincipalKind::Group || !set.groups.is_empty() {
        doc.heading(&format!("Member of ({})", set.groups.len()));
        if set.groups.is_empty() {
            doc.text("No group: only grants naming it directly apply.");
        }
        for i in 0..set.groups.len().min(LIST_LIMIT) {
            let chain = set.chain_to(i).ids();
            doc.text(format!("  • {}", chain_words(engine, id, &chain)));
        }
    }
    let direct = engine.index.assignments_of.get(id).map_or(0, Vec::len);
    let policies = policy_vaults;
    doc.heading("Named directly by");
    doc.text(format!("{direct} role assignment(s) and access policies on {policies} vault(s). Grants to its groups come on top."));
    doc.styled(
        Tone::Dim,
        "Select a scope in the tree to see its effective permissions there.",
    );
    doc
}

/// A self-grant finding: what the principal could do and through what, first; then every other path it has
/// at the same vault (without the disputed one when `hide_disputed`, as the views hide it), and what it
/// stands to gain.
pub fn finding(engine: &Engine, f: &Finding, hide_disputed: bool) -> Doc {
    let who = clean(&f.principal.display_name).into_owned();
    let vault = describe_scope(engine, &f.vault_id);
    let mut doc = Doc::new(format!("{who} · can grant itself · {vault}"));
    let words = self_grant(engine, f);
    doc.line(vec![
        (Tone::Escalation, "⇑ ESCALATION".to_string()),
        (Tone::Plain, format!("  {who}: {} on {vault}.", words.claim)),
    ]);
    doc.styled(
        Tone::Decision(f.decision),
        format!("{} {}", decision_symbol(f.decision), words.how),
    );
    if let Some(c) = &f.condition {
        doc.styled(
            Tone::Decision(Decision::Conditional),
            format!("  only if: {}", clean(c)),
        );
    }
    // With no grant, the reasons are already the whole of the line above.
    for r in f.unknown_because.iter().filter(|_| !f.grant.is_empty()) {
        doc.styled(
            Tone::Decision(Decision::Unknown),
            format!("  ? {}", clean(&r.to_string())),
        );
    }
    let mut others = other_paths(engine, f);
    others.retain(|o| !(hide_disputed && o.technique.disputed()));
    if !others.is_empty() {
        doc.heading(&format!("Its other paths at this vault ({})", others.len()));
        for o in &others {
            let w = self_grant(engine, o);
            doc.styled(Tone::Escalation, format!("{ESCALATION_SYMBOL} {}", w.claim));
            doc.text(format!("    {}", w.how));
        }
    }
    doc.heading(&format!(
        "What it stands to gain ({} data operations it cannot do now)",
        f.lacks.len()
    ));
    doc.text(format!("  {}", clean(&f.lacks.join(", "))));
    doc.heading("How");
    doc.text(format!("A management-plane right (https://{}) writes the very rules the data plane obeys: whoever holds it is one call away from the data.", engine.snapshot.cloud.management_endpoint()));
    if !f.grant.is_empty() {
        doc.styled(Tone::Id, format!("  {}", clean(&f.grant)));
    }
    doc.styled(Tone::Dim, "Enter jumps to this principal and vault.");
    doc
}

/// The principal's other self-grant paths at the finding's vault, as the escalations query finds them.
fn other_paths(engine: &Engine, f: &Finding) -> Vec<Finding> {
    let Some(vault) = Scope::parse(&f.vault_id)
        .ok()
        .and_then(|s| engine.vault_of(&s))
    else {
        return Vec::new();
    };
    let me = std::collections::BTreeSet::from([f.principal.id.to_ascii_lowercase()]);
    crate::query::escalations_for_vault_among(engine, vault, &me)
        .into_iter()
        .filter(|o| o.technique != f.technique)
        .collect()
}

pub fn matrix_cell(engine: &Engine, vault: &str, row: &MatrixRow, column: usize) -> Doc {
    let who = clean(&row.label).into_owned();
    let Some(cell) = row.cells.get(column) else {
        return Doc::new(who);
    };
    let mut doc = Doc::new(format!(
        "{who} · {} · {}",
        cell.group,
        describe_scope(engine, vault)
    ));
    doc.text(format!(
        "{} of {} operations in {} allowed ({} conditional, {} unknown):",
        cell.allowed, cell.total, cell.group, cell.conditional, cell.unknown
    ));
    for (op, d) in &cell.decisions {
        doc.line(vec![
            (
                Tone::Decision(*d),
                format!("  {} {:<12}", decision_symbol(*d), d.as_str()),
            ),
            (Tone::Plain, (*op).to_string()),
        ]);
    }
    if let Some(on) = &cell.on_items {
        let ops: Vec<String> = on
            .operations
            .iter()
            .map(|(op, n)| format!("{op} on {n}"))
            .collect();
        doc.styled(
            Tone::Decision(Decision::Allowed),
            format!(
                "{ITEMS_SYMBOL} Denied on the vault, but held on {} of its items through grants made there: {}.",
                on.items,
                ops.join(", ")
            ),
        );
    }
    if let Some(app) = &row.via_app {
        doc.text(format!(
            "Only when calling through application {} (compound identity).",
            app_name(engine, app)
        ));
    }
    doc.styled(
        Tone::Dim,
        "Enter opens this principal's permissions at the vault, where each cell is explained.",
    );
    doc.styled(Tone::Id, short_id(&row.id));
    doc
}
