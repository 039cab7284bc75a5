//! The two-thread walk gives the one-thread answer.
use super::*;

fn json(answer: &EscalationGroups) -> String {
    let groups: Vec<(String, &Vec<u32>)> = answer
        .groups
        .iter()
        .map(|g| (serde_json::to_string(g).unwrap_or_default(), &g.at))
        .collect();
    format!("{} {groups:?}", answer.findings)
}

/// The two-thread walk (each thread over whole subscriptions) gives the one-thread answer, in the same
/// order; and the answer by grant accounts for every finding and group.
#[test]
fn two_threads_give_the_one_thread_groups() {
    let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(400, 90, 900, 3));
    let engine = Engine::new(snapshot);
    let (one, whole) = escalation_groups_from(&engine, None, usize::MAX, &mut |_, _| true);
    let (two, _) = escalation_groups_from(&engine, None, 0, &mut |_, _| true);
    assert!(whole);
    assert!(one.findings > 100, "only {} findings", one.findings);
    assert_eq!(json(&one), json(&two));
    let by_grant = by_grant::GrantGroups::of(&engine, &one);
    let entries: Vec<&by_grant::GrantEntry> =
        by_grant.scopes.iter().flat_map(|s| &s.grants).collect();
    assert_eq!(by_grant.grants, entries.len());
    let findings: usize = entries.iter().map(|g| g.findings).sum();
    assert_eq!(findings, one.findings);
    let mut groups: Vec<usize> = entries
        .iter()
        .flat_map(|g| g.techniques.iter().map(|t| t.group))
        .collect();
    groups.sort_unstable();
    assert_eq!(groups, (0..one.groups.len()).collect::<Vec<_>>());
    for s in &by_grant.scopes {
        for g in &s.grants {
            for t in &g.techniques {
                let group = &one.groups[t.group];
                assert!(t.vaults <= s.vaults, "{} {}", s.scope, g.grant);
                assert_eq!(group.grant, g.grant);
                assert_eq!(group.vaults, t.vaults);
            }
        }
    }
}

/// Told to stop, the walk stops (on one thread or two) and says the answer is not complete; told nothing,
/// it reports its progress up to every vault.
#[test]
fn a_stop_stops_the_walk_on_either_thread() {
    let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(200, 90, 400, 5));
    let engine = Engine::new(snapshot);
    for parallel_from in [usize::MAX, 0] {
        let mut asked = 0;
        let (_, complete) = escalation_groups_from(&engine, None, parallel_from, &mut |_, _| {
            asked += 1;
            asked < 3
        });
        assert!(!complete, "{parallel_from}");
        let mut last = (0, 0);
        let (_, complete) = escalation_groups_from(&engine, None, parallel_from, &mut |d, t| {
            last = (last.0.max(d), t);
            true
        });
        assert!(complete);
        assert_eq!(last.1, engine.snapshot.vaults.len());
        assert!(last.0 + 1 >= last.1 / 2, "{last:?}");
    }
}

/// However the walk is cut into runs of subscriptions for the two threads to take in turn, the answer is
/// the one-thread answer, in the same order.
#[test]
fn any_cut_of_the_walk_gives_the_one_thread_groups() {
    let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(400, 120, 900, 8));
    let engine = Engine::new(snapshot);
    let (one, _) = escalation_groups_in(&engine, None, (usize::MAX, 1), &mut |_, _| true);
    assert!(one.findings > 100, "only {} findings", one.findings);
    let vaults = vaults_in(&engine, None);
    for n in [2, 3, 7, 40, 120] {
        let runs = pieces(&vaults, n);
        assert!(runs.len() > 1, "{n}: {runs:?}");
        let (cut, whole) = escalation_groups_in(&engine, None, (0, n), &mut |_, _| true);
        assert!(whole);
        assert_eq!(json(&one), json(&cut), "{n} pieces");
    }
}

/// The identities behind each holder, counted from the membership graph with one buffer for all, are
/// as many as the expansion lists.
#[test]
fn identities_behind_are_those_the_expansion_lists() {
    let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(600, 20, 900, 4));
    let engine = Engine::new(snapshot);
    let mut behind = Behind::default();
    let mut groups = 0;
    for p in &engine.snapshot.principals {
        let listed = crate::query::reach::identities(&engine, &[(p.id.clone(), None)]).len();
        assert_eq!(behind.count(&engine, &p.id), listed, "{}", p.id);
        groups += usize::from(engine.is_group(&p.id) && listed > 1);
    }
    assert!(groups > 3, "only {groups} groups with members");
}

/// What a walk keeps for later vaults changes nothing: with group expansions kept for the whole walk it
/// sees the findings a walk keeping none sees, in the same order; and its findings gathered with their
/// places (each kept finding placed in its group once) and citations (the findings citing one verdict by
/// one technique placed in the group of the first) are the groups gathered finding by finding, each by its
/// key.
#[test]
fn expansions_and_places_kept_for_the_walk_change_no_group() {
    use super::gathering::Gathering;
    use crate::query::classes::Expansions;
    for seed in [12, 13] {
        let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 60, 900, seed));
        let engine = Engine::new(snapshot);
        let vaults = vaults_in(&engine, None);
        let line = |s: &walk::Seen| {
            let f = serde_json::to_string(&s.finding.finding("")).unwrap_or_default();
            format!("{} {} {f}", s.at, s.count)
        };
        let kept = Expansions::new(&engine);
        let (mut with, mut again) = (Vec::new(), 0);
        let (mut placed, mut one_by_one) = (Gathering::default(), Gathering::default());
        let all = 0..vaults.len();
        walk_until(
            &engine,
            &vaults,
            all.clone(),
            None,
            &kept,
            &mut || true,
            |s, _| {
                with.push(line(&s));
                again += usize::from(s.kept.is_some_and(|k| placed.placed.contains_key(&k)));
                placed.add(&s);
                one_by_one.add_by_key(&s);
            },
        );
        let mut without = Vec::new();
        walk(&engine, &vaults, all, None, |s, _| without.push(line(&s)));
        assert!(with.len() > 200, "only {} findings", with.len());
        assert!(again > 100, "only {again} findings placed from their place");
        assert_eq!(with, without);
        assert_eq!(placed.groups, one_by_one.groups);
        assert_eq!(placed.counts, one_by_one.counts);
        assert_eq!(placed.masks, one_by_one.masks);
    }
}

/// The answer by grant gathered in two shares of the scopes (on three threads) is the one-thread answer,
/// and each technique names its group's condition.
#[test]
fn the_answer_by_grant_in_two_shares_is_the_one_thread_answer() {
    let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(400, 90, 900, 5));
    let engine = Engine::new(snapshot);
    let answer = escalation_groups(&engine, None);
    let one = by_grant::GrantGroups::of_in(&engine, &answer, false);
    let two = by_grant::GrantGroups::of_in(&engine, &answer, true);
    assert!(one.scopes.len() > 10, "only {} scopes", one.scopes.len());
    assert!(
        one.scopes.iter().any(|s| s.grants.len() > 1),
        "no scope with two grants"
    );
    let (one_json, two_json) = (
        serde_json::to_string(&one).ok(),
        serde_json::to_string(&two).ok(),
    );
    assert!(
        one_json.is_some() && one_json == two_json,
        "the shares differ"
    );
    let mut conditional = 0;
    for t in two
        .scopes
        .iter()
        .flat_map(|s| &s.grants)
        .flat_map(|g| &g.techniques)
    {
        let named = t.condition.and_then(|c| two.conditions.get(c));
        assert_eq!(named, answer.groups[t.group].condition.as_ref());
        conditional += usize::from(named.is_some());
    }
    assert!(conditional > 0, "no conditional grant");
}
