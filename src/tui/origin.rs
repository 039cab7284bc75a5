//! Where calls come from, as the explorer's `f` prompt and `from` command take it and as it is shown.

use crate::eval::Origin;
use crate::sanitize::clean;

/// Parses a caller location: an IP, `internet`, `subnet <id>` (or a subnet id), `pe [id]`, `trusted`, or
/// nothing (`None`: not evaluated).
pub fn parse(text: &str) -> Result<Option<Origin>, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let (word, rest) = lower
        .split_once(' ')
        .map_or((lower.as_str(), ""), |(w, r)| (w, r.trim()));
    match word {
        "" | "none" | "anywhere" | "-" => Ok(None),
        "trusted" | "trusted-service" => Ok(Some(Origin::TrustedService)),
        "internet" => Ok(Some(Origin::Internet)),
        "pe" | "private" | "private-endpoint" => {
            let id = t
                .split_once(' ')
                .map(|(_, r)| r.trim().to_string())
                .filter(|r| !r.is_empty());
            Ok(Some(Origin::PrivateEndpoint(id)))
        }
        "subnet" if !rest.is_empty() => Ok(Some(Origin::Subnet(t[7..].trim().to_string()))),
        _ if t.starts_with('/') => Ok(Some(Origin::Subnet(t.to_string()))),
        _ => t.parse().map(|ip| Some(Origin::Ip(ip))).map_err(|_| {
            format!(
                "'{}' is not an IP address, 'internet', 'subnet <id>', 'pe', 'trusted' or 'none'",
                clean(t)
            )
        }),
    }
}

/// A location in words, for the header and the status bar.
pub fn label(origin: &Origin) -> String {
    match origin {
        Origin::Ip(ip) => ip.to_string(),
        Origin::Subnet(s) => format!("subnet {}", crate::tui::explain::short_id(s)),
        Origin::PrivateEndpoint(Some(p)) => {
            format!("private endpoint {}", crate::tui::explain::short_id(p))
        }
        Origin::PrivateEndpoint(None) => "a private endpoint".into(),
        Origin::TrustedService => "a trusted Azure service".into(),
        Origin::Internet => "the internet (address not given)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_parses_and_nonsense_is_named() {
        assert_eq!(parse("  "), Ok(None));
        assert_eq!(parse("none"), Ok(None));
        assert_eq!(
            parse("203.0.113.20").map(|o| o.map(|o| label(&o))),
            Ok(Some("203.0.113.20".into()))
        );
        assert_eq!(parse("Trusted"), Ok(Some(Origin::TrustedService)));
        assert_eq!(parse("pe"), Ok(Some(Origin::PrivateEndpoint(None))));
        assert_eq!(
            parse("subnet /subscriptions/s/x/subnets/a"),
            Ok(Some(Origin::Subnet("/subscriptions/s/x/subnets/a".into())))
        );
        let e = parse("203.0.113.208.8.8.8").unwrap_err();
        assert!(
            e.contains("'203.0.113.208.8.8.8' is not an IP address"),
            "{e}"
        );
    }
}
