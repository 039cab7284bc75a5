//! Rows gathered with what a subscription's targets share are the rows gathered alone, and rows from a
//! vault's ancestry kept for every subject are the rows gathered per subject.
use super::*;
use crate::model::Vault;

/// Every principal's row at every vault, gathered sharing the part from the subscription up with the
/// vaults asked before it, is the row gathered alone: vaults in scope order (the part is reused) and in the
/// snapshot's order (it is replaced at every other subscription), on random tenants with deny assignments.
#[test]
fn rows_sharing_what_a_subscription_holds_are_the_rows_gathered_alone() {
    let mut compared = 0;
    for seed in [5, 6] {
        let mut spec = crate::synth::SynthSpec::new(150, 30, 900, seed);
        spec.deny_assignments = 12;
        let snapshot = crate::synth::generate(&spec);
        let engine = Engine::new(snapshot.clone());
        let subjects: Vec<Subject> = snapshot
            .principals
            .iter()
            .map(|p| engine.subject(&p.id))
            .collect();
        let mut in_order: Vec<&Vault> = snapshot.vaults.iter().collect();
        in_order.sort_by(|a, b| a.scope.key().cmp(b.scope.key()));
        for vaults in [in_order, snapshot.vaults.iter().collect()] {
            let mut above = std::sync::Arc::default();
            for vault in vaults {
                let target = engine.target(&vault.scope);
                let alone = TargetRows::new(&engine, &target);
                let shared = TargetRows::sharing(&engine, &target, &mut above);
                for s in &subjects {
                    let row = alone.row(s, None);
                    let with = shared.row(s, None);
                    assert_eq!(format!("{row:?}"), format!("{with:?}"), "{}", vault.name);
                    compared += usize::from(!row.assignments().is_empty());
                }
            }
        }
    }
    assert!(
        compared > 2000,
        "only {compared} rows with assignments compared"
    );
}

/// A tenant where rows differ in every part a row's ancestry brings: deny assignments that do not apply to
/// child scopes (at vaults and above them) and at management groups, a subscription in no management group
/// (grants and denies there cannot be placed), and collection errors.
fn uneven_tenant(seed: u64) -> crate::model::Snapshot {
    let mut spec = crate::synth::SynthSpec::new(150, 60, 900, seed);
    spec.deny_assignments = 16;
    spec.collection_errors = 1;
    let mut snapshot = crate::synth::generate(&spec);
    let unplaced = snapshot
        .subscriptions
        .first()
        .map(|s| s.subscription_id.clone());
    for g in &mut snapshot.management_groups {
        g.subscription_ids
            .retain(|s| unplaced.as_ref().is_none_or(|u| !s.eq_ignore_ascii_case(u)));
    }
    let vaults: Vec<Scope> = snapshot.vaults.iter().map(|v| v.scope.clone()).collect();
    let groups: Vec<Scope> = snapshot
        .management_groups
        .iter()
        .map(|g| g.scope.clone())
        .collect();
    for (i, d) in snapshot.deny_assignments.iter_mut().enumerate() {
        d.do_not_apply_to_child_scopes = i % 2 == 0;
        let moved = match i % 4 {
            0 => vaults.get(i * 7 % vaults.len().max(1)),
            1 => groups.get(i % groups.len().max(1)),
            _ => None,
        };
        if let Some(scope) = moved {
            d.scope = scope.clone();
        }
    }
    snapshot
}

/// The row from a vault's ancestry gathered once for every subject is the row [`VaultRows::row`] gathers
/// per resource group and subscription, for every principal (and one absent from the directory) at every
/// vault of tenants with denies at and above vaults, unplaced subscriptions and collection errors (and of
/// one with vaults where nothing but grants is at or above them: quiet), whether it is told that no
/// access-policy entry there names the subject or left to look, and whether it is told the vault is quiet.
#[test]
fn rows_from_a_vaults_kept_ancestry_are_the_rows_gathered_per_subject() {
    let (mut compared, mut denied, mut unplaced, mut entries, mut quiets) = (0, 0, 0, 0, 0);
    // Vaults under few deny assignments and no collection error: many of them quiet.
    let mut spec = crate::synth::SynthSpec::new(150, 60, 900, 7);
    spec.deny_assignments = 2;
    spec.collection_errors = 0;
    let tenants = [
        uneven_tenant(3),
        uneven_tenant(4),
        crate::synth::generate(&spec),
    ];
    for snapshot in tenants {
        let engine = Engine::new(snapshot.clone());
        let ancestries: Vec<Ancestry> = snapshot
            .vaults
            .iter()
            .map(|v| engine.index.ancestry(&v.scope))
            .collect();
        let ids = snapshot.principals.iter().map(|p| p.id.as_str());
        for id in ids.chain(["not-in-the-directory"]) {
            let subject = engine.subject(id);
            let mut gathered = VaultRows::new(&engine, &subject, None);
            let mut kept = VaultRows::new(&engine, &subject, None);
            for (vault, ancestry) in snapshot.vaults.iter().zip(&ancestries) {
                let want = gathered.row(vault);
                // Told whether an entry there names the subject, or left to look.
                let named = (vault.access_policies.iter())
                    .any(|e| subject.set.reach(&e.object_id).is_some());
                // Told the vault is quiet (nothing but grants at or above it) where it is.
                let quiet = !ancestry.unplaced_subscription
                    && ancestry.scopes.iter().all(|s| {
                        engine.denies_at(s).next().is_none()
                            && engine
                                .index
                                .errors_at
                                .get(s.key())
                                .is_none_or(Vec::is_empty)
                    });
                quiets += usize::from(quiet && !want.assignments.is_empty());
                for (entries_named, quiet) in [(named, quiet), (true, quiet), (true, false)] {
                    let got = kept.row_under(vault, ancestry, entries_named, quiet);
                    let (got, want) = (format!("{got:?}"), format!("{want:?}"));
                    assert_eq!(got, want, "{id} at {}", vault.name);
                }
                entries += usize::from(!want.entries.is_empty());
                compared += usize::from(!want.assignments.is_empty());
                denied += usize::from(!want.denies.is_empty());
                unplaced += usize::from(!want.unattributable.is_empty());
            }
        }
    }
    assert!(
        compared > 1000 && denied > 100 && unplaced > 10 && entries > 100 && quiets > 100,
        "too few rows with assignments ({compared}), denies ({denied}), unplaced grants ({unplaced}), \
         entries ({entries}) or at quiet vaults ({quiets})"
    );
}
