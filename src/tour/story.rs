//! The steps of the tour, in the order the story is told. Each asks the engine (through [`Ask`]) and puts
//! its answers into sentences; only the questions — who, where, which operation, from where — are chosen
//! here, from the demo tenant's cast.

use super::ask::{Ask, Question};
use super::{Claim, Show, Step};
use crate::catalog;
use crate::display::self_grant;
use crate::eval::{Decision, Engine, Origin, network};
use crate::model::Scope;
use crate::query;
use crate::sanitize::clean;
use crate::whatif::{self, Change};

pub(super) fn all(a: &Ask) -> Vec<Step> {
    vec![
        two_planes(a),
        contributor_role(a),
        auditors(a),
        managed_identity(a),
        self_grant_step(a),
        switch_to_rbac(a),
        compound_identity(a),
        firewall(a),
        private_endpoint(a),
    ]
}

/// `allowed — granted by role 'Owner' at subscription Prod, to Oscar directly`.
fn said(c: &Claim) -> String {
    format!("{} — {}", c.decision.as_str(), c.because)
}

/// Who and where a step looks, found by the names the story uses (the name itself when missing).
struct Cast {
    scope: Option<Scope>,
    who: Option<String>,
    name: String,
    /// The scope as the story names it.
    place: &'static str,
    /// The principal as the story names it.
    named: &'static str,
}

impl Cast {
    fn new(a: &Ask, scope: &'static str, who: &'static str) -> Self {
        let id = a.principal(who);
        Self {
            scope: a.scope(scope),
            name: id
                .as_deref()
                .map_or_else(|| who.to_string(), |id| a.name(id)),
            who: id,
            place: scope,
            named: who,
        }
    }

    fn question<'q>(&'q self, op: &'q str) -> Question<'q> {
        let mut q = Question::new(self.who.as_deref(), self.scope.as_ref(), op);
        q.named = Some((self.named, self.place));
        q
    }

    fn ask(&self, a: &Ask, op: &str) -> Claim {
        a.claim(&self.question(op))
    }

    /// The step showing this cast in `show`, on `operation`.
    fn step(self, title: &'static str, show: Show, operation: Option<&'static str>) -> Step {
        Step {
            title,
            scope: self.scope,
            principal: self.who,
            show,
            operation,
            from: None,
            text: Vec::new(),
            claims: Vec::new(),
            try_this: String::new(),
        }
    }
}

fn two_planes(a: &Ask) -> Step {
    let c = Cast::new(a, "kv-app-prod", "Oscar");
    let mgmt = c.ask(a, "vaults/write");
    let data = c.ask(a, "secrets/get");
    let name = c.name.clone();
    let mut text = vec![
        "Key Vault has two doors: the management plane (Azure Resource Manager) configures the vault; the data plane (the vault's own endpoint) reads and uses its keys, secrets and certificates.".to_string(),
        format!("{name} changing the vault (vaults/write): {}.", said(&mgmt)),
        format!("{name} reading a secret (secrets/get): {}.", said(&data)),
    ];
    if mgmt.decision == Decision::Allowed && data.decision != Decision::Allowed {
        text.push("Power on one plane is not access on the other.".into());
    }
    Step {
        text,
        claims: vec![mgmt, data],
        try_this: "1 — the permissions view lists both planes, each under its own heading".into(),
        ..c.step("Two planes", Show::Permissions, Some("vaults/write"))
    }
}

fn contributor_role(a: &Ask) -> Step {
    let c = Cast::new(a, "kv-app-prod", "Alice");
    let mgmt = c.ask(a, "vaults/write");
    let read = c.ask(a, "secrets/get");
    let storage = c.ask(a, "storage/get");
    let name = c.name.clone();
    let mut text = vec![
        format!(
            "{name} (the security lead) managing the vault: {}.",
            said(&mgmt)
        ),
        format!(
            "That is a management role, not a data role: what {name} reads here comes from the vault's access policies (secrets/get: {}); storage/get, which no entry gives, is {}.",
            said(&read),
            storage.decision.as_str()
        ),
    ];
    if let Some(f) = a
        .self_grants(c.who.as_deref(), c.scope.as_ref(), "storage/get")
        .first()
    {
        let words = self_grant(a.engine, f);
        text.push(format!(
            "Yet on an access-policy vault the role writes the policies themselves: {name} {} — {}.",
            words.claim, words.how
        ));
    }
    Step {
        text,
        claims: vec![mgmt, read, storage],
        try_this: "4 — the escalations view lists this path with every other one on the vault"
            .into(),
        ..c.step(
            "The security team's Key Vault Contributor",
            Show::Permissions,
            Some("storage/get"),
        )
    }
}

fn auditors(a: &Ask) -> Step {
    let c = Cast::new(a, "kv-app-prod", "Frank");
    let list = c.ask(a, "secrets/list");
    let get = c.ask(a, "secrets/get");
    let read = c.ask(a, "vaults/read");
    let text = vec![
        format!(
            "{} is an auditor. Listing secrets (their names, never their values): {}.",
            c.name,
            said(&list)
        ),
        format!("Reading one (secrets/get): {}.", said(&get)),
        format!(
            "Seeing the vault's configuration (vaults/read, management plane): {}.",
            said(&read)
        ),
    ];
    Step {
        text,
        claims: vec![list, get, read],
        try_this: "3 — who can secrets/list here; ← → ask about the previous or next operation"
            .into(),
        ..c.step(
            "The auditors' list rights",
            Show::WhoCan,
            Some("secrets/list"),
        )
    }
}

fn managed_identity(a: &Ask) -> Step {
    let c = Cast::new(a, "kv-app-rbac", "app-web-mi");
    let get = c.ask(a, "secrets/get");
    let set = c.ask(a, "secrets/set");
    let kind = c
        .who
        .as_deref()
        .map(|w| crate::display::kind_word(a.engine.subject(w).principal.kind))
        .unwrap_or("principal");
    let mut text = vec![
        format!(
            "{} is the web application's identity, a {kind}: Azure keeps its credentials, so the application holds no secret to reach its secrets.",
            c.name
        ),
        format!("Reading secrets on this RBAC vault: {}.", said(&get)),
        format!("Writing them (secrets/set): {}.", said(&set)),
    ];
    if get.decision == Decision::Allowed && set.decision == Decision::Denied {
        text.push("Least privilege: it reads what it needs and can change nothing.".into());
    }
    Step {
        text,
        claims: vec![get, set],
        try_this: "2 — the matrix shows every identity of the vault, operation group by group"
            .into(),
        ..c.step(
            "The application's managed identity",
            Show::Permissions,
            Some("secrets/get"),
        )
    }
}

fn self_grant_step(a: &Ask) -> Step {
    let c = Cast::new(a, "kv-app-prod", "Carol");
    let get = c.ask(a, "secrets/get");
    let name = c.name.clone();
    let paths = a.self_grants(c.who.as_deref(), c.scope.as_ref(), "secrets/get");
    let mut text = vec![format!("{name} reading a secret: {}.", said(&get))];
    match paths.first() {
        Some(f) => {
            let words = self_grant(a.engine, f);
            text.push(format!(
                "But {name} {} — {}: one management-plane call adds an entry for {name}, and then the data plane says yes.",
                words.claim, words.how
            ));
            text.push(format!(
                "{} path(s) in all. kvaccess marks such cells ⇑ can grant: count them as access.",
                paths.len()
            ));
        }
        None => text.push(format!("{name} has no way to grant it to itself here.")),
    }
    Step {
        text,
        claims: vec![get],
        try_this: "E — the explanation lists every path and what it goes through".into(),
        ..c.step(
            "A Contributor granting itself an access policy",
            Show::Permissions,
            Some("secrets/get"),
        )
    }
}

fn switch_to_rbac(a: &Ask) -> Step {
    let scope = a.scope("kv-app-prod");
    let mut step = Step {
        title: "What switching to RBAC changes",
        scope: scope.clone(),
        principal: None,
        show: Show::WhoCan,
        operation: Some("secrets/get"),
        from: None,
        text: vec!["kv-app-prod is not in this snapshot.".into()],
        claims: Vec::new(),
        try_this:
            "W then a — make the change yourself in the what-if panel; who-can marks every loss"
                .into(),
    };
    let Some(scope) = scope else { return step };
    let change = Change::SetPermissionModel {
        vault: scope.id().to_string(),
        enable_rbac_authorization: true,
    };
    let after = match whatif::apply(&a.engine.snapshot, &[change]) {
        Ok(s) => Engine::new(s),
        Err(e) => {
            step.text = vec![format!(
                "The what-if engine refused the switch: {}",
                clean(&e.to_string())
            )];
            return step;
        }
    };
    let before_can = can(a.engine, &scope, "secrets/get");
    let after_can = can(&after, &scope, "secrets/get");
    let lost: Vec<&String> = before_can
        .iter()
        .filter(|id| !after_can.contains(id))
        .collect();
    let gained: Vec<&String> = after_can
        .iter()
        .filter(|id| !before_can.contains(id))
        .collect();
    let names = |ids: &[&String]| {
        ids.iter()
            .map(|id| a.name(id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let after_ask = Ask::new(&after);
    step.claims = lost
        .iter()
        .take(3)
        .map(|id| {
            let mut c = after_ask.claim(&Question::new(Some(id), Some(&scope), "secrets/get"));
            c.question = format!("after the switch: {}", c.question);
            c
        })
        .collect();
    let mut text = vec![
        format!(
            "The what-if engine switches {} to Azure RBAC on a copy of the snapshot and asks again who can secrets/get.",
            crate::display::describe_scope(a.engine, scope.id())
        ),
        format!(
            "{} identities can now, {} after the switch.",
            before_can.len(),
            after_can.len()
        ),
    ];
    if !lost.is_empty() {
        text.push(format!(
            "Losing it: {} — their access-policy entries are ignored once RBAC decides.",
            names(&lost)
        ));
    }
    if !gained.is_empty() {
        text.push(format!(
            "Gaining it: {} — through RBAC roles the access policies had kept out.",
            names(&gained)
        ));
    }
    text.push(
        "`kvaccess migrate` proposes the role assignments that would keep everyone's access."
            .into(),
    );
    step.text = text;
    step
}

/// The identities whose answer is "allowed".
fn can(engine: &Engine, scope: &Scope, op: &str) -> Vec<String> {
    let Ok(action) = catalog::resolve(op) else {
        return Vec::new();
    };
    query::who_can(engine, scope, &action)
        .map(|w| {
            w.principals
                .into_iter()
                .filter(|e| e.decision == Decision::Allowed && e.via_app.is_none())
                .map(|e| e.id)
                .collect()
        })
        .unwrap_or_default()
}

fn compound_identity(a: &Ask) -> Step {
    let c = Cast::new(a, "kv-app-prod", "Ivan");
    // The application the vault pairs with Ivan, read from its access policies.
    let app = c
        .scope
        .as_ref()
        .and_then(|s| a.engine.target(s).vault)
        .and_then(|v| {
            v.access_policies
                .iter()
                .find(|e| {
                    c.who
                        .as_deref()
                        .is_some_and(|w| e.object_id.eq_ignore_ascii_case(w))
                })
                .and_then(|e| e.application_id.clone())
        });
    let alone = c.ask(a, "secrets/get");
    let mut text = vec![
        "An access-policy entry can name a user together with an application: it grants only when the user calls through that application — a compound identity.".to_string(),
        format!("{} alone: {}.", c.name, said(&alone)),
    ];
    let mut claims = vec![alone];
    if let Some(app) = &app {
        let mut q = c.question("secrets/get");
        q.via_app = Some(app);
        let through = a.claim(&q);
        text.push(format!(
            "{} through {}: {}.",
            c.name,
            crate::display::app_name(a.engine, app),
            said(&through)
        ));
        claims.push(through);
    }
    Step {
        text,
        claims,
        try_this: "2 — the matrix has a row for the user through the application".into(),
        ..c.step("A compound identity", Show::Matrix, None)
    }
}

fn firewall(a: &Ask) -> Step {
    let c = Cast::new(a, "kv-app-prod", "Bob");
    let from = |text: &'static str| -> Option<(&'static str, Origin)> {
        text.parse().ok().map(|ip| (text, Origin::Ip(ip)))
    };
    let mut outside = c.question("secrets/get");
    outside.from = from("192.0.2.55");
    let mut office = c.question("secrets/get");
    office.from = from("203.0.113.20");
    let (outside, office) = (a.claim(&outside), a.claim(&office));
    let rules = rules_of(a, c.scope.as_ref());
    let text = vec![
        format!("The vault's network rules: {rules}."),
        format!(
            "{} reading a secret from 192.0.2.55: {}.",
            c.name,
            said(&outside)
        ),
        format!(
            "From 203.0.113.20: {}. The firewall filters the data plane only, after the grants: management calls never pass it.",
            said(&office)
        ),
    ];
    Step {
        from: Some("192.0.2.55".into()),
        text,
        claims: vec![outside, office],
        try_this: "f — say another address (203.0.113.20) and watch the ⊘ network marks".into(),
        ..c.step("The firewall", Show::Permissions, Some("secrets/get"))
    }
}

/// A vault's network rules in words (cleaned).
fn rules_of(a: &Ask, scope: Option<&Scope>) -> String {
    scope.and_then(|s| a.engine.target(s).vault).map_or_else(
        || "not in this snapshot".into(),
        |v| clean(&network::describe(&v.network)).into_owned(),
    )
}

fn private_endpoint(a: &Ask) -> Step {
    let c = Cast::new(a, "kv-private-prod", "Alice");
    let endpoints = c
        .scope
        .as_ref()
        .and_then(|s| a.engine.target(s).vault)
        .map(|v| v.network.private_endpoints.clone())
        .unwrap_or_default();
    let approved = endpoints
        .iter()
        .find(|p| p.approved())
        .map(|p| p.id.clone());
    let pending = endpoints
        .iter()
        .find(|p| !p.approved())
        .map(|p| p.id.clone());
    let mut internet = c.question("secrets/get");
    internet.from = Some(("internet", Origin::Internet));
    let internet = a.claim(&internet);
    let mut text = vec![
        format!(
            "This vault's network rules: {}.",
            rules_of(a, c.scope.as_ref())
        ),
        format!("{} from the internet: {}.", c.name, said(&internet)),
    ];
    let mut claims = vec![internet];
    let typed: Vec<String> = [&approved, &pending]
        .into_iter()
        .flatten()
        .map(|id| format!("pe {id}"))
        .collect();
    for (id, typed) in [&approved, &pending].into_iter().flatten().zip(&typed) {
        let mut q = c.question("secrets/get");
        q.from = Some((typed.as_str(), Origin::PrivateEndpoint(Some(id.clone()))));
        let claim = a.claim(&q);
        text.push(format!(
            "Through private endpoint {}: {}.",
            clean(id.rsplit('/').next().unwrap_or(id)),
            said(&claim)
        ));
        claims.push(claim);
    }
    Step {
        from: typed.first().cloned().or(Some("internet".into())),
        text,
        claims,
        try_this: "f — try 'internet' or 'pe' (any approved endpoint) and compare".into(),
        ..c.step("A private endpoint", Show::Permissions, Some("secrets/get"))
    }
}
