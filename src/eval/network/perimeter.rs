//! A Network Security Perimeter in front of the vault, per Microsoft's "Transition to a network security
//! perimeter": with access mode `Enforced`, or `publicNetworkAccess: SecuredByPerimeter`, only the
//! perimeter profile's inbound access rules admit public calls; in `Learning` (Transition) mode they admit
//! calls in addition to the vault's own firewall when public access is Enabled, and alone when it is
//! Disabled; `SecuredByPerimeter` without an association locks public access down. Private endpoints are
//! never affected.

use super::{Origin, firewall, is_private, verdict};
use crate::eval::verdict::NetworkVerdict;
use crate::model::perimeter::{AccessMode, PerimeterLink, PerimeterProfile};
use crate::model::{NetworkRules, PublicNetworkAccess};

/// Who decides a public call.
enum Regime<'r> {
    /// The perimeter's rules alone.
    Perimeter(&'r str, &'r AccessMode, Option<&'r PerimeterProfile>),
    /// The perimeter's rules or the vault's firewall, either admitting.
    Either(&'r str, Option<&'r PerimeterProfile>),
}

/// The verdict when a perimeter takes part; `None` when the vault's own settings decide alone.
pub(super) fn decide(rules: &NetworkRules, origin: &Origin) -> Option<NetworkVerdict> {
    let secured = rules.public_network_access == PublicNetworkAccess::SecuredByPerimeter;
    let regime = match &rules.perimeter {
        // Unknown: the vault's own settings (SecuredByPerimeter then reads as unknown).
        PerimeterLink::NotCollected => return None,
        PerimeterLink::None if secured => {
            return Some(verdict(
                Some(false),
                "publicNetworkAccess is SecuredByPerimeter and no perimeter is associated with the vault: public and trusted-service access are locked down",
            ));
        }
        PerimeterLink::None => return None,
        PerimeterLink::Unreadable(why) => {
            return Some(verdict(
                None,
                format!(
                    "whether a network security perimeter decides public access to the vault is not known: {why}"
                ),
            ));
        }
        PerimeterLink::Associated {
            perimeter,
            mode,
            profile,
        } => match (mode, &rules.public_network_access) {
            (AccessMode::Enforced, _) | (_, PublicNetworkAccess::SecuredByPerimeter) => {
                Regime::Perimeter(perimeter, mode, profile.as_ref())
            }
            (AccessMode::Learning, PublicNetworkAccess::Enabled) => {
                Regime::Either(perimeter, profile.as_ref())
            }
            // Learning with public access Disabled: trusted services keep the vault's own rule.
            (AccessMode::Learning, PublicNetworkAccess::Disabled)
                if *origin == Origin::TrustedService =>
            {
                return None;
            }
            (AccessMode::Learning, PublicNetworkAccess::Disabled) => {
                Regime::Perimeter(perimeter, mode, profile.as_ref())
            }
            (AccessMode::Audit, _) => return None,
            (mode, _) => {
                return Some(verdict(
                    None,
                    format!(
                        "associated with perimeter {perimeter} in access mode '{}' with publicNetworkAccess {:?}, which kvaccess does not evaluate",
                        mode.as_str(),
                        rules.public_network_access
                    ),
                ));
            }
        },
    };
    Some(match regime {
        Regime::Perimeter(name, mode, profile) => {
            let v = inbound(name, profile, origin);
            verdict(
                v.allowed(),
                format!(
                    "perimeter {name} ({}) decides public access alone: {}",
                    mode.as_str(),
                    v.reason()
                ),
            )
        }
        Regime::Either(name, profile) => {
            let nsp = inbound(name, profile, origin);
            let own = firewall(rules, origin);
            let allowed = match (nsp.allowed(), own.allowed()) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            };
            verdict(
                allowed,
                format!(
                    "perimeter {name} (Learning/Transition mode) or the vault's firewall may admit: {}; {}",
                    nsp.reason(),
                    own.reason()
                ),
            )
        }
    })
}

/// The perimeter profile's inbound access rules for `origin`.
fn inbound(name: &str, profile: Option<&PerimeterProfile>, origin: &Origin) -> NetworkVerdict {
    let Some(profile) = profile else {
        return verdict(
            None,
            format!("the access rules of perimeter {name}'s profile are not in the snapshot"),
        );
    };
    let prefixes: Vec<&str> = profile
        .inbound
        .iter()
        .flat_map(|r| &r.address_prefixes)
        .filter(|p| p.net.is_some())
        .map(|p| p.text.as_str())
        .collect();
    let subscriptions: Vec<&str> = profile
        .inbound
        .iter()
        .flat_map(|r| &r.subscriptions)
        .map(String::as_str)
        .collect();
    let by_subscription = || {
        format!(
            "inbound rules admit callers from subscription(s) {}, which an address does not tell",
            subscriptions.join(", ")
        )
    };
    let no_rule = profile.inbound.is_empty() || (prefixes.is_empty() && subscriptions.is_empty());
    match origin {
        _ if no_rule => verdict(
            Some(false),
            format!("profile {} has no inbound access rule", profile.name),
        ),
        Origin::Ip(ip) => {
            let hit = profile.inbound.iter().find_map(|r| {
                r.address_prefixes
                    .iter()
                    .find(|p| !is_private(ip) && p.net.is_some_and(|n| n.contains(ip)))
                    .map(|p| (r, p))
            });
            match hit {
                Some((r, p)) => verdict(
                    Some(true),
                    format!("inbound rule {} admits {ip} ({})", r.name, p.text),
                ),
                None if !subscriptions.is_empty() => verdict(
                    None,
                    format!("no address rule admits {ip}; {}", by_subscription()),
                ),
                None => verdict(Some(false), format!("no inbound address rule admits {ip}")),
            }
        }
        Origin::Internet => verdict(
            None,
            format!(
                "depends on the caller: inbound rules admit {}",
                prefixes
                    .iter()
                    .map(|p| p.to_string())
                    .chain(subscriptions.iter().map(|s| format!("subscription {s}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Origin::Subnet(_) => verdict(
            None,
            "the perimeter's inbound rules name public address prefixes and subscriptions; whether they admit a service-endpoint call is not modelled",
        ),
        Origin::TrustedService => verdict(
            None,
            "Microsoft's documentation does not settle whether trusted services pass a perimeter that decides alone",
        ),
        Origin::PrivateEndpoint(_) => verdict(
            Some(true),
            "private endpoints are not filtered by a perimeter",
        ),
    }
}

/// The perimeter in words, for explanations when no location is given.
pub(super) fn describe(rules: &NetworkRules) -> Option<String> {
    match &rules.perimeter {
        PerimeterLink::Associated {
            perimeter, mode, ..
        } => Some(format!(
            "associated with network security perimeter {perimeter} (access mode {})",
            mode.as_str()
        )),
        PerimeterLink::Unreadable(why) => Some(format!("perimeter association unknown ({why})")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::admits;
    use super::*;
    use crate::model::NetworkAcls;
    use crate::model::perimeter::InboundRule;
    use crate::model::vault::IpRule;
    use crate::snapshot::parse_ip_rule;

    fn rules(public: PublicNetworkAccess, link: PerimeterLink) -> NetworkRules {
        NetworkRules {
            public_network_access: public,
            acls: Some(NetworkAcls {
                default_deny: true,
                bypass_azure_services: true,
                ip_rules: vec![IpRule {
                    text: "198.51.100.0/24".into(),
                    net: parse_ip_rule("198.51.100.0/24"),
                }],
                subnets: Vec::new(),
            }),
            private_endpoints: Vec::new(),
            perimeter: link,
        }
    }

    fn associated(mode: AccessMode, subscriptions: Vec<String>) -> PerimeterLink {
        PerimeterLink::Associated {
            perimeter: "nsp-corp".into(),
            mode,
            profile: Some(PerimeterProfile {
                id: "p".into(),
                name: "default".into(),
                inbound: vec![InboundRule {
                    name: "office".into(),
                    address_prefixes: vec![IpRule {
                        text: "203.0.113.0/24".into(),
                        net: parse_ip_rule("203.0.113.0/24"),
                    }],
                    subscriptions,
                }],
            }),
        }
    }

    fn ip(s: &str) -> Origin {
        Origin::Ip(s.parse().unwrap())
    }

    #[test]
    fn enforced_perimeter_decides_alone() {
        let r = rules(
            PublicNetworkAccess::Enabled,
            associated(AccessMode::Enforced, Vec::new()),
        );
        assert_eq!(admits(&r, &ip("203.0.113.9")).allowed(), Some(true));
        let v = admits(&r, &ip("198.51.100.9"));
        assert_eq!(
            v.allowed(),
            Some(false),
            "the vault's own IP rule no longer admits: {}",
            v.reason()
        );
        assert!(v.reason().contains("nsp-corp"), "{}", v.reason());
        assert_eq!(
            admits(&r, &Origin::PrivateEndpoint(None)).allowed(),
            Some(false),
            "no approved endpoint"
        );
        let subs = rules(
            PublicNetworkAccess::Enabled,
            associated(AccessMode::Enforced, vec!["s".into()]),
        );
        assert_eq!(
            admits(&subs, &ip("192.0.2.1")).allowed(),
            None,
            "a subscription rule may admit the caller"
        );
        let unknown_rules = PerimeterLink::Associated {
            perimeter: "nsp".into(),
            mode: AccessMode::Enforced,
            profile: None,
        };
        assert_eq!(
            admits(
                &rules(PublicNetworkAccess::Enabled, unknown_rules),
                &ip("203.0.113.9")
            )
            .allowed(),
            None
        );
    }

    #[test]
    fn learning_mode_adds_the_perimeter_to_the_firewall() {
        let r = rules(
            PublicNetworkAccess::Enabled,
            associated(AccessMode::Learning, Vec::new()),
        );
        assert_eq!(
            admits(&r, &ip("203.0.113.9")).allowed(),
            Some(true),
            "perimeter rule"
        );
        assert_eq!(
            admits(&r, &ip("198.51.100.9")).allowed(),
            Some(true),
            "vault rule"
        );
        assert_eq!(admits(&r, &ip("192.0.2.1")).allowed(), Some(false));
        let disabled = rules(
            PublicNetworkAccess::Disabled,
            associated(AccessMode::Learning, Vec::new()),
        );
        assert_eq!(
            admits(&disabled, &ip("203.0.113.9")).allowed(),
            Some(true),
            "perimeter rules admit even with public access disabled"
        );
        assert_eq!(
            admits(&disabled, &ip("198.51.100.9")).allowed(),
            Some(false)
        );
        assert_eq!(
            admits(&disabled, &Origin::TrustedService).allowed(),
            Some(true)
        );
    }

    #[test]
    fn secured_by_perimeter_without_association_is_locked_down() {
        let r = rules(PublicNetworkAccess::SecuredByPerimeter, PerimeterLink::None);
        assert_eq!(admits(&r, &ip("198.51.100.9")).allowed(), Some(false));
        assert_eq!(admits(&r, &Origin::TrustedService).allowed(), Some(false));
        let not_collected = rules(
            PublicNetworkAccess::SecuredByPerimeter,
            PerimeterLink::NotCollected,
        );
        assert_eq!(admits(&not_collected, &ip("198.51.100.9")).allowed(), None);
        let plain = rules(PublicNetworkAccess::Enabled, PerimeterLink::None);
        assert_eq!(admits(&plain, &ip("198.51.100.9")).allowed(), Some(true));
    }
}
