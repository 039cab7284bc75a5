//! The fast path (`Engine::prepare` + `Engine::decide`) and the evidence path (`Engine::check`) implement the
//! same rules twice; on every question the demo tenant can be asked, they must agree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::scenarios;

use kvaccess::catalog;
use kvaccess::eval::Engine;
use kvaccess::eval::Request;
use kvaccess::model::{Scope, Snapshot};

fn targets(s: &Snapshot) -> Vec<Scope> {
    let mut out: Vec<Scope> = s.vaults.iter().map(|v| v.scope.clone()).collect();
    out.extend(s.vault_items.iter().map(|i| i.scope.clone()));
    out.extend(s.resource_groups.iter().map(|r| r.scope.clone()));
    out.extend(s.subscriptions.iter().map(|r| r.scope.clone()));
    out.extend(s.management_groups.iter().map(|r| r.scope.clone()));
    out
}

pub fn assert_fast_path_agrees(s: &Snapshot) -> usize {
    let engine = Engine::new(s.clone());
    let mut ids: Vec<String> = s.principals.iter().map(|p| p.id.clone()).collect();
    ids.extend(engine.index.referenced_ids.iter().cloned());
    let apps: Vec<Option<String>> = std::iter::once(None)
        .chain(
            s.principals
                .iter()
                .filter_map(|p| p.app_id.clone())
                .map(Some),
        )
        .collect();
    let mut compared = 0;
    for scope in targets(s) {
        let target = engine.target(&scope);
        for id in &ids {
            let subject = engine.subject(id);
            for app in &apps {
                let row = engine.prepare(&subject, &target, app.as_deref());
                for op in catalog::operations() {
                    let action = catalog::resolve(op.name).unwrap();
                    let Ok(verdict) = engine
                        .check(&Request::new(&subject, &target, &action).via_app(app.as_deref()))
                    else {
                        continue;
                    };
                    let fast = engine.decide(&row, &action);
                    assert_eq!(
                        fast, verdict.decision,
                        "{} {:?} {} at {}: fast path says {fast:?}, check says {:?}\n{:#?}",
                        id, app, op.name, scope, verdict.decision, verdict
                    );
                    compared += 1;
                }
            }
        }
    }
    compared
}

#[test]
fn fast_path_agrees_with_check_on_the_demo_tenant() {
    let compared = assert_fast_path_agrees(&kvaccess::snapshot::demo());
    assert!(compared > 10_000, "only {compared} questions compared");
}

#[test]
fn fast_path_agrees_with_check_on_every_scenario_fixture() {
    let mut compared = 0;
    for (_, snapshot) in scenarios::snapshots() {
        compared += assert_fast_path_agrees(&snapshot);
    }
    assert!(compared > 10_000, "only {compared} questions compared");
}
