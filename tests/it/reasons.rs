//! Why an answer is unknown, and what the evaluator noted, asserted as values rather than as words.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kvaccess::eval::{Decision, Engine, NetworkVerdict, Note, Origin, UnknownBecause, Verdict};
use kvaccess::model::{Cause, CollectionError, Scope, Snapshot, Topic};
use kvaccess::query::{Question, check};
use kvaccess::tui::live::mark_still_collecting;

use crate::common::{KV_PROD, KV_RBAC, demo};

fn ask(s: Snapshot, principal: &str, scope: &str, action: &str) -> Verdict {
    let engine = Engine::new(s);
    let q = Question {
        principal: principal.into(),
        via_app: None,
        scope: scope.into(),
        action: action.into(),
        origin: None,
    };
    check(&engine, &q).unwrap()
}

#[test]
fn unreadable_role_assignments_make_an_rbac_grant_unknown_and_say_so() {
    let mut s = demo();
    // Nothing grants Dana secrets/get on kv-app-rbac: the answer hinges on the assignments not read.
    let sub = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001";
    s.collection_errors.push(CollectionError {
        scope: Scope::parse(sub).unwrap(),
        about: Topic::ROLE_ASSIGNMENTS,
        cause: Cause::Failed {
            status: Some(403),
            message: "AuthorizationFailed".into(),
        },
    });
    let v = ask(s, "Dana", KV_RBAC, "secrets/get");
    assert_eq!(v.decision, Decision::Unknown);
    assert!(
        v.unknown_because.iter().any(|u| matches!(
            u,
            UnknownBecause::NotRead { about: Topic::ROLE_ASSIGNMENTS, status: Some(403), scope }
                if scope.eq_ignore_ascii_case(sub)
        )),
        "{:?}",
        v.unknown_because
    );
}

#[test]
fn an_absent_section_and_a_running_fetch_are_told_apart() {
    let mut absent = demo();
    absent
        .collection_errors
        .push(CollectionError::absent_section(
            kvaccess::model::Section::RoleAssignments,
        ));
    let v = ask(absent, "Dana", KV_RBAC, "secrets/get");
    assert_eq!(v.decision, Decision::Unknown);
    assert!(
        v.unknown_because
            .contains(&UnknownBecause::AbsentSection(Topic::ROLE_ASSIGNMENTS)),
        "{:?}",
        v.unknown_because
    );

    let mut running = demo();
    mark_still_collecting(&mut running);
    let v = ask(running, "Dana", KV_PROD, "secrets/get");
    assert_eq!(v.decision, Decision::Unknown);
    assert!(
        v.unknown_because.iter().all(|u| matches!(
            u,
            UnknownBecause::StillCollecting(_) | UnknownBecause::GroupsUnknown { .. }
        )),
        "{:?}",
        v.unknown_because
    );
    assert!(
        v.unknown_because
            .contains(&UnknownBecause::StillCollecting(Topic::AccessPolicies))
    );
}

#[test]
fn a_compound_entry_names_its_application() {
    let v = ask(demo(), "Ivan", KV_PROD, "secrets/get");
    assert_eq!(v.decision, Decision::Denied);
    let bound = v
        .notes
        .iter()
        .find_map(|n| match n {
            Note::BoundToApp {
                app_id, app_name, ..
            } => Some((app_id.as_str(), app_name.as_deref())),
            _ => None,
        })
        .expect("a note on the entry bound to an application");
    assert_eq!(
        bound,
        (
            "77777777-0000-0000-0000-000000000001",
            Some("contoso-portal")
        )
    );
    let words = serde_json::to_value(&v).unwrap()["notes"].to_string();
    assert!(
        words.contains("application contoso-portal (appId 77777777-0000-0000-0000-000000000001"),
        "{words}"
    );
}

#[test]
fn a_principal_missing_from_the_directory_is_unknown_by_name() {
    let mut s = demo();
    let bob = s
        .principals
        .iter()
        .position(|p| p.display_name.starts_with("Bob"))
        .unwrap();
    let id = s.principals.remove(bob).id;
    // Bob's grant on kv-app-prod is still there; whether it grants anything depends on whether he exists.
    let v = ask(s, &id, KV_PROD, "secrets/get");
    assert_eq!(v.decision, Decision::Unknown, "{v:?}");
    assert!(
        v.unknown_because
            .contains(&UnknownBecause::NotInDirectory { principal: id }),
        "{:?}",
        v.unknown_because
    );
}

#[test]
fn the_network_verdict_is_a_value_and_keeps_its_json_shape() {
    let engine = Engine::new(demo());
    let q = Question {
        principal: "alice".into(),
        via_app: None,
        scope: KV_PROD.into(),
        action: "secrets/set".into(),
        origin: Some(Origin::Ip("10.1.2.3".parse().unwrap())),
    };
    let v = check(&engine, &q).unwrap();
    assert!(
        matches!(v.network, NetworkVerdict::Blocked(_)),
        "{:?}",
        v.network
    );
    assert_eq!(v.decision, Decision::Denied);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["network"]["evaluated"], true);
    assert_eq!(json["network"]["allowed"], false);
    assert_eq!(json["network"]["reason"], v.network.reason());

    let no_origin = check(&engine, &Question { origin: None, ..q }).unwrap();
    assert!(matches!(no_origin.network, NetworkVerdict::NotEvaluated(_)));
    let json = serde_json::to_value(&no_origin).unwrap();
    assert_eq!(json["network"]["evaluated"], false);
    assert!(json["network"]["allowed"].is_null());
}
