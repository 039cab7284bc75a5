//! The data-plane network gate: `publicNetworkAccess`, the vault firewall (`networkAcls`) and private
//! endpoints. The management plane never passes through it (KV-VNET).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

mod perimeter;

use crate::eval::verdict::NetworkVerdict;
use crate::model::{NetworkRules, PublicNetworkAccess};

/// Where a data-plane call comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Origin {
    /// An IP address. Key Vault's firewall sees public addresses only: a private one (RFC 1918, CGNAT,
    /// loopback, link-local, IPv6 unique-local) reaches a vault through a service endpoint, a private
    /// endpoint or NAT under a public address, never as itself.
    Ip(IpAddr),
    /// Somewhere on the public internet, address not given.
    Internet,
    /// A virtual-network subnet with a Key Vault service endpoint (its resource id).
    Subnet(String),
    /// A private endpoint connection; `None` means "any approved one".
    PrivateEndpoint(Option<String>),
    /// A trusted Microsoft service (Azure Backup, Disk Encryption, ARM template deployment…).
    TrustedService,
}

fn verdict(allowed: Option<bool>, reason: impl Into<String>) -> NetworkVerdict {
    NetworkVerdict::decided(allowed, reason)
}

/// Whether the vault's network rules admit a call from `origin`. Private endpoints are never filtered by a
/// perimeter or the firewall; other calls by the perimeter the vault is associated with (see
/// [`perimeter::decide`]) or by the vault's own settings.
pub fn admits(rules: &NetworkRules, origin: &Origin) -> NetworkVerdict {
    if let Origin::PrivateEndpoint(which) = origin {
        return private_endpoint(rules, which.as_deref());
    }
    perimeter::decide(rules, origin).unwrap_or_else(|| firewall(rules, origin))
}

/// The vault's own settings: `publicNetworkAccess`, then the firewall (`networkAcls`).
fn firewall(rules: &NetworkRules, origin: &Origin) -> NetworkVerdict {
    let bypass = rules.acls.as_ref().is_none_or(|a| a.bypass_azure_services);
    match &rules.public_network_access {
        PublicNetworkAccess::Disabled => {
            return match origin {
                Origin::TrustedService if bypass => verdict(
                    Some(true),
                    "public network access is disabled, but bypass AzureServices admits trusted services",
                ),
                Origin::TrustedService => verdict(
                    Some(false),
                    "public network access is disabled and bypass is None",
                ),
                _ => verdict(
                    Some(false),
                    "public network access is disabled: only private endpoints (and trusted services with bypass) get in",
                ),
            };
        }
        PublicNetworkAccess::SecuredByPerimeter => {
            return verdict(
                None,
                "public access is governed by a Network Security Perimeter whose rules are not in the snapshot",
            );
        }
        PublicNetworkAccess::Other(v) => {
            return verdict(
                None,
                format!("publicNetworkAccess has the unknown value '{v}'"),
            );
        }
        PublicNetworkAccess::Enabled => {}
    }
    let Some(acls) = rules.acls.as_ref().filter(|a| a.default_deny) else {
        return verdict(
            Some(true),
            "the firewall is off (default action Allow): any network may call",
        );
    };
    match origin {
        Origin::TrustedService if acls.bypass_azure_services => verdict(
            Some(true),
            "bypass AzureServices admits trusted Microsoft services",
        ),
        Origin::TrustedService => verdict(
            Some(false),
            "default action Deny and bypass None: trusted services are not admitted",
        ),
        Origin::Ip(ip) if is_private(ip) => verdict(
            Some(false),
            format!(
                "{ip} is a private address, which Key Vault's IP firewall never sees (IP rules match public addresses only) and the default action is Deny: from a private network the call gets in only through a subnet with a service endpoint (--from-subnet), a private endpoint (--private-endpoint), or NAT under a public address (--from-ip with that address)"
            ),
        ),
        Origin::Internet => {
            let rules: Vec<&str> = acls
                .ip_rules
                .iter()
                .filter(|r| r.net.is_some())
                .map(|r| r.text.as_str())
                .collect();
            if rules.is_empty() {
                verdict(
                    Some(false),
                    "the default action is Deny and no IP rule admits any internet address",
                )
            } else {
                verdict(
                    None,
                    format!(
                        "depends on the caller's address: the default action is Deny and IP rules admit {} (give --from-ip)",
                        rules.join(", ")
                    ),
                )
            }
        }
        Origin::Ip(ip) => match acls
            .ip_rules
            .iter()
            .find(|r| r.net.is_some_and(|n| n.contains(ip)))
        {
            Some(rule) => verdict(Some(true), format!("IP rule {} admits {ip}", rule.text)),
            None if ip.is_ipv6() => verdict(
                Some(false),
                format!(
                    "{ip} is IPv6; Key Vault IP rules are IPv4 only and the default action is Deny"
                ),
            ),
            None => verdict(
                Some(false),
                format!("no IP rule admits {ip} and the default action is Deny"),
            ),
        },
        Origin::Subnet(id) => {
            let key = id.trim_end_matches('/').to_ascii_lowercase();
            if acls.subnets.iter().any(|s| s.trim_end_matches('/') == key) {
                verdict(
                    Some(true),
                    format!("virtual network rule admits subnet {id}"),
                )
            } else {
                verdict(
                    Some(false),
                    format!(
                        "subnet {id} is not in the virtual network rules and the default action is Deny"
                    ),
                )
            }
        }
        Origin::PrivateEndpoint(_) => verdict(Some(false), "unreachable"),
    }
}

/// Whether `ip` is an address Key Vault's firewall can never see as the caller's: RFC 1918, shared address
/// space (RFC 6598, carrier-grade NAT), loopback, link-local, unspecified, and IPv6 unique-local,
/// link-local and loopback (an IPv4-mapped IPv6 address as its IPv4 address).
pub fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => private_v4(&v4),
            None => private_v6(v6),
        },
    }
}

fn private_v4(ip: &Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || (a == 100 && (64..128).contains(&b))
}

fn private_v6(ip: &Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

fn private_endpoint(rules: &NetworkRules, which: Option<&str>) -> NetworkVerdict {
    let approved: Vec<&str> = rules
        .private_endpoints
        .iter()
        .filter(|p| p.approved())
        .map(|p| p.id.as_str())
        .collect();
    match which {
        Some(id) => match rules
            .private_endpoints
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(id))
        {
            Some(p) if p.approved() => verdict(
                Some(true),
                format!("private endpoint {} is an approved connection", p.id),
            ),
            Some(p) => verdict(
                Some(false),
                format!("private endpoint {} is {}, not Approved", p.id, p.status),
            ),
            None => verdict(
                Some(false),
                format!("private endpoint {id} is not connected to this vault"),
            ),
        },
        None if approved.is_empty() => verdict(
            Some(false),
            "the vault has no approved private endpoint connection",
        ),
        None => verdict(
            Some(true),
            format!(
                "approved private endpoint connection {}",
                approved.join(", ")
            ),
        ),
    }
}

/// What the firewall admits, in words, for explanations when no location is given.
pub fn describe(rules: &NetworkRules) -> String {
    match perimeter::describe(rules) {
        Some(p) => format!("{p}; {}", describe_vault(rules)),
        None => describe_vault(rules),
    }
}

fn describe_vault(rules: &NetworkRules) -> String {
    let approved = rules
        .private_endpoints
        .iter()
        .filter(|p| p.approved())
        .count();
    let pe = if approved > 0 {
        format!("{approved} approved private endpoint(s)")
    } else {
        "no private endpoint".into()
    };
    let bypass = rules.acls.as_ref().is_none_or(|a| a.bypass_azure_services);
    let trusted = if bypass {
        "trusted Azure services"
    } else {
        "no trusted services (bypass None)"
    };
    match &rules.public_network_access {
        PublicNetworkAccess::Disabled => {
            format!("public network access is disabled; admits {pe} and {trusted}")
        }
        PublicNetworkAccess::SecuredByPerimeter => {
            "access is decided by a Network Security Perimeter (rules not in the snapshot)".into()
        }
        PublicNetworkAccess::Other(v) => format!("publicNetworkAccess is '{v}' (not understood)"),
        PublicNetworkAccess::Enabled => match rules.acls.as_ref().filter(|a| a.default_deny) {
            None => "the firewall is off: any network may call".into(),
            Some(a) => {
                let mut admitted: Vec<String> = a
                    .ip_rules
                    .iter()
                    .filter(|r| r.net.is_some())
                    .map(|r| r.text.clone())
                    .collect();
                admitted.extend(
                    a.subnets
                        .iter()
                        .map(|s| format!("subnet {}", s.rsplit('/').next().unwrap_or(s))),
                );
                admitted.push(pe);
                admitted.push(trusted.to_string());
                format!(
                    "the firewall denies by default; admits {}",
                    admitted.join(", ")
                )
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::vault::IpRule;
    use crate::model::{NetworkAcls, PrivateEndpoint};
    use crate::snapshot::parse_ip_rule;

    fn rules(public: PublicNetworkAccess, deny: bool, bypass: bool) -> NetworkRules {
        NetworkRules {
            perimeter: crate::model::perimeter::PerimeterLink::NotCollected,
            public_network_access: public,
            acls: Some(NetworkAcls {
                default_deny: deny,
                bypass_azure_services: bypass,
                ip_rules: ["203.0.113.0/24", "198.51.100.7", "'10.91.4.0/24'"]
                    .iter()
                    .map(|t| IpRule { text: t.to_string(), net: parse_ip_rule(t) })
                    .collect(),
                subnets: vec!["/subscriptions/s/resourcegroups/n/providers/microsoft.network/virtualnetworks/v/subnets/app".into()],
            }),
            private_endpoints: vec![
                PrivateEndpoint { id: "pe-ok".into(), status: "Approved".into() },
                PrivateEndpoint { id: "pe-wait".into(), status: "Pending".into() },
            ],
        }
    }

    fn ip(s: &str) -> Origin {
        Origin::Ip(s.parse().unwrap())
    }

    #[test]
    fn firewall_deny_admits_listed_ranges_subnets_and_trusted() {
        let r = rules(PublicNetworkAccess::Enabled, true, true);
        assert_eq!(admits(&r, &ip("203.0.113.50")).allowed(), Some(true));
        assert_eq!(admits(&r, &ip("198.51.100.7")).allowed(), Some(true));
        assert_eq!(admits(&r, &ip("198.51.100.8")).allowed(), Some(false));
        assert_eq!(
            admits(&r, &ip("10.91.4.1")).allowed(),
            Some(false),
            "a quoted rule admits nothing"
        );
        assert_eq!(admits(&r, &ip("2001:db8::1")).allowed(), Some(false));
        let subnet = "/subscriptions/S/resourceGroups/N/providers/Microsoft.Network/virtualNetworks/V/subnets/app";
        assert_eq!(
            admits(&r, &Origin::Subnet(subnet.into())).allowed(),
            Some(true)
        );
        assert_eq!(
            admits(&r, &Origin::Subnet(format!("{subnet}x"))).allowed(),
            Some(false)
        );
        assert_eq!(admits(&r, &Origin::TrustedService).allowed(), Some(true));
        assert_eq!(
            admits(
                &rules(PublicNetworkAccess::Enabled, true, false),
                &Origin::TrustedService
            )
            .allowed(),
            Some(false)
        );
    }

    #[test]
    fn default_allow_admits_everyone() {
        let r = rules(PublicNetworkAccess::Enabled, false, false);
        assert_eq!(admits(&r, &ip("192.0.2.1")).allowed(), Some(true));
        assert_eq!(
            admits(&NetworkRules::default(), &ip("192.0.2.1")).allowed(),
            Some(true)
        );
    }

    #[test]
    fn private_only_vault() {
        let r = rules(PublicNetworkAccess::Disabled, false, true);
        assert_eq!(
            admits(&r, &ip("203.0.113.50")).allowed(),
            Some(false),
            "public disabled overrides IP rules"
        );
        assert_eq!(
            admits(&r, &Origin::PrivateEndpoint(None)).allowed(),
            Some(true)
        );
        assert_eq!(
            admits(&r, &Origin::PrivateEndpoint(Some("PE-OK".into()))).allowed(),
            Some(true)
        );
        assert_eq!(
            admits(&r, &Origin::PrivateEndpoint(Some("pe-wait".into()))).allowed(),
            Some(false)
        );
        assert_eq!(admits(&r, &Origin::TrustedService).allowed(), Some(true));
        assert_eq!(
            admits(
                &rules(PublicNetworkAccess::Disabled, false, false),
                &Origin::TrustedService
            )
            .allowed(),
            Some(false)
        );
        assert_eq!(
            admits(
                &rules(PublicNetworkAccess::SecuredByPerimeter, false, true),
                &ip("1.2.3.4")
            )
            .allowed(),
            None
        );
    }

    #[test]
    fn no_approved_endpoint() {
        let mut r = NetworkRules::default();
        assert_eq!(
            admits(&r, &Origin::PrivateEndpoint(None)).allowed(),
            Some(false)
        );
        r.private_endpoints.push(PrivateEndpoint {
            id: "x".into(),
            status: "Rejected".into(),
        });
        assert_eq!(
            admits(&r, &Origin::PrivateEndpoint(None)).allowed(),
            Some(false)
        );
    }

    #[test]
    fn private_addresses_never_match_an_ip_rule() {
        let mut r = rules(PublicNetworkAccess::Enabled, true, true);
        if let Some(a) = r.acls.as_mut() {
            a.ip_rules.push(IpRule {
                text: "0.0.0.0/2".into(),
                net: parse_ip_rule("0.0.0.0/2"),
            });
        }
        for private in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.1.1",
            "fd00::1",
            "fe80::1",
            "::1",
            "::ffff:10.0.0.1",
        ] {
            let v = admits(&r, &ip(private));
            assert_eq!(v.allowed(), Some(false), "{private}");
            assert!(
                v.reason().contains("private address"),
                "{private}: {}",
                v.reason()
            );
            assert!(v.reason().contains("service endpoint"), "{}", v.reason());
        }
        for public in ["203.0.113.5", "100.128.0.1", "11.0.0.1"] {
            assert!(!is_private(&public.parse().unwrap()), "{public}");
        }
        assert_eq!(
            admits(&r, &ip("11.0.0.1")).allowed(),
            Some(true),
            "0.0.0.0/2 admits a public address"
        );
        let open = rules(PublicNetworkAccess::Enabled, false, true);
        assert_eq!(
            admits(&open, &ip("10.1.2.3")).allowed(),
            Some(true),
            "no firewall: any path gets in"
        );
    }

    #[test]
    fn internet_caller_without_an_address() {
        let r = rules(PublicNetworkAccess::Enabled, true, true);
        let v = admits(&r, &Origin::Internet);
        assert_eq!(v.allowed(), None);
        assert!(
            v.reason().contains("203.0.113.0/24") && v.reason().contains("--from-ip"),
            "{}",
            v.reason()
        );
        let mut none = r.clone();
        if let Some(a) = none.acls.as_mut() {
            a.ip_rules.retain(|rule| rule.net.is_none());
        }
        assert_eq!(admits(&none, &Origin::Internet).allowed(), Some(false));
        let open = rules(PublicNetworkAccess::Enabled, false, true);
        assert_eq!(admits(&open, &Origin::Internet).allowed(), Some(true));
        let closed = rules(PublicNetworkAccess::Disabled, false, true);
        assert_eq!(admits(&closed, &Origin::Internet).allowed(), Some(false));
    }
}
