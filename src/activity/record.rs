//! One audit record in any of the forms a user holds it, read into one shape ([`Row`]) and normalised
//! into a [`Call`]. The forms:
//! - the raw record (storage-account archive, Event Hub): `time`, `resourceId`, `identity.claim`,
//!   `properties.{id,httpStatusCode,isAccessPolicyMatch,…}`;
//! - a Log Analytics `AzureDiagnostics` row: flattened, type-suffixed columns (`identity_claim_oid_g`,
//!   `httpStatusCode_d`, `CallerIPAddress`);
//! - a Log Analytics `AZKVAuditLogs` row: `HttpStatusCode`, `IsRbacAuthorized`, `Identity` (dynamic).
//!
//! `az monitor log-analytics query` passes every value through Python's `str()`, so any field may be a
//! string: `"True"`, `"None"`, `"403.0"`, or a dynamic column as JSON text. [`Flex`] takes all of them.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

pub use super::flex::Flex;

/// The token claims that name the caller. Data-plane tokens use short names, ARM tokens the URIs.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Claims<'a> {
    #[serde(borrow)]
    pub oid: Flex<'a>,
    #[serde(
        borrow,
        rename = "http://schemas.microsoft.com/identity/claims/objectidentifier"
    )]
    pub oid_uri: Flex<'a>,
    #[serde(borrow)]
    pub appid: Flex<'a>,
    #[serde(borrow)]
    pub upn: Flex<'a>,
    #[serde(borrow)]
    pub unique_name: Flex<'a>,
    #[serde(
        borrow,
        rename = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
    )]
    pub upn_uri: Flex<'a>,
    #[serde(
        borrow,
        rename = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
    )]
    pub name_uri: Flex<'a>,
    #[serde(borrow)]
    pub idtyp: Flex<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct IdentityObject<'a> {
    #[serde(borrow)]
    claim: Claims<'a>,
}

/// The `identity` object, or (AZKVAuditLogs through `az`, or CSV) its JSON text.
#[derive(Debug, Default)]
pub struct Identity<'a>(pub Claims<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Identity<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Identity<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an identity object or its JSON text")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let obj = IdentityObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Identity(obj.claim))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Identity(claims_from_text(v)))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Identity::default())
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Identity::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Identity::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Identity::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Identity::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Identity::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Identity::default())
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Claims from the JSON text of a dynamic column; unreadable text gives no claims (the record is then
/// counted as having no caller).
fn claims_from_text(text: &str) -> Claims<'static> {
    let Ok(obj) = serde_json::from_str::<IdentityObject>(text) else {
        return Claims::default();
    };
    let own = Flex::into_owned;
    let c = obj.claim;
    Claims {
        oid: own(c.oid),
        oid_uri: own(c.oid_uri),
        appid: own(c.appid),
        upn: own(c.upn),
        unique_name: own(c.unique_name),
        upn_uri: own(c.upn_uri),
        name_uri: own(c.name_uri),
        idtyp: own(c.idtyp),
    }
}

/// The raw record's `properties` object.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Properties<'a> {
    #[serde(borrow)]
    pub id: Flex<'a>,
    #[serde(borrow)]
    pub request_uri: Flex<'a>,
    #[serde(borrow)]
    pub http_status_code: Flex<'a>,
    #[serde(borrow)]
    pub is_access_policy_match: Flex<'a>,
    #[serde(borrow)]
    pub is_rbac_authorized: Flex<'a>,
    #[serde(borrow)]
    pub applied_assignment_id: Flex<'a>,
    #[serde(borrow)]
    pub addr_auth_type: Flex<'a>,
    #[serde(borrow)]
    pub is_address_authorized: Flex<'a>,
}

/// Every field kvaccess reads, under each form's name. Unknown fields are skipped unread.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Row<'a> {
    #[serde(borrow, alias = "time", alias = "TimeGenerated")]
    pub time: Flex<'a>,
    #[serde(borrow, alias = "resourceId", alias = "ResourceId")]
    pub resource_id: Flex<'a>,
    #[serde(borrow, rename = "_ResourceId")]
    pub resource_id_la: Flex<'a>,
    #[serde(borrow, alias = "category", alias = "Category")]
    pub category: Flex<'a>,
    #[serde(borrow, alias = "operationName", alias = "OperationName")]
    pub operation: Flex<'a>,
    #[serde(borrow, alias = "resultSignature", alias = "ResultSignature")]
    pub result_signature: Flex<'a>,
    #[serde(borrow, alias = "resultDescription", alias = "ResultDescription")]
    pub result_description: Flex<'a>,
    #[serde(
        borrow,
        alias = "callerIpAddress",
        alias = "CallerIPAddress",
        alias = "CallerIpAddress"
    )]
    pub caller_ip: Flex<'a>,
    #[serde(borrow, alias = "identity", alias = "Identity")]
    pub identity: Identity<'a>,
    #[serde(borrow, rename = "properties")]
    pub properties: Properties<'a>,
    // AzureDiagnostics columns, and the AZKVAuditLogs ones that mean the same.
    #[serde(borrow, alias = "identity_claim_oid_g", alias = "identity_claim_oid_s")]
    pub ad_oid: Flex<'a>,
    #[serde(
        borrow,
        alias = "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g",
        alias = "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_s"
    )]
    pub ad_oid_uri: Flex<'a>,
    #[serde(
        borrow,
        alias = "identity_claim_appid_g",
        alias = "identity_claim_appid_s"
    )]
    pub ad_appid: Flex<'a>,
    #[serde(borrow, rename = "identity_claim_upn_s")]
    pub ad_upn: Flex<'a>,
    #[serde(borrow, rename = "identity_claim_unique_name_s")]
    pub ad_unique_name: Flex<'a>,
    #[serde(
        borrow,
        rename = "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s"
    )]
    pub ad_upn_uri: Flex<'a>,
    #[serde(borrow, rename = "identity_claim_idtyp_s")]
    pub ad_idtyp: Flex<'a>,
    #[serde(borrow, alias = "id_s", alias = "Id")]
    pub ad_id: Flex<'a>,
    #[serde(borrow, alias = "requestUri_s", alias = "RequestUri")]
    pub ad_request_uri: Flex<'a>,
    #[serde(borrow, alias = "httpStatusCode_d", alias = "HttpStatusCode")]
    pub ad_status: Flex<'a>,
    #[serde(borrow, alias = "isAccessPolicyMatch_b", alias = "IsAccessPolicyMatch")]
    pub ad_ap_match: Flex<'a>,
    #[serde(borrow, alias = "isRbacAuthorized_b", alias = "IsRbacAuthorized")]
    pub ad_rbac: Flex<'a>,
    #[serde(
        borrow,
        alias = "appliedAssignmentId_g",
        alias = "appliedAssignmentId_s",
        alias = "AppliedAssignmentId"
    )]
    pub ad_assignment: Flex<'a>,
    #[serde(borrow, alias = "addrAuthType_s", alias = "AddressAuthorizationType")]
    pub ad_addr_type: Flex<'a>,
    #[serde(borrow, alias = "isAddressAuthorized_b", alias = "IsAddressAuthorized")]
    pub ad_addr_ok: Flex<'a>,
    /// `AzureDiagnostics`' overflow column: past 500 columns a workspace puts the rest here.
    #[serde(rename = "AdditionalFields")]
    pub additional: overflow::Additional,
}

/// The first of several spellings that is present (by value, without an array: this runs a dozen times
/// per record).
fn first<'a>(a: Flex<'a>, b: Flex<'a>, c: Flex<'a>) -> Flex<'a> {
    if a.is_present() {
        a
    } else if b.is_present() {
        b
    } else if c.is_present() {
        c
    } else {
        Flex::Null
    }
}

/// Why a record could not be used (counted, never silently dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skip {
    NotAuditEvent,
    NoTime,
    OutsideWindow,
    NotAVault,
    NoOperation,
    ServiceEmitted,
    NoCaller,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::NotAuditEvent => "not a Key Vault AuditEvent record (other category)",
            Skip::NoTime => "no readable time",
            Skip::OutsideWindow => "outside --since/--until",
            Skip::NotAVault => {
                "resource id is not a key vault (managed HSM, other resource, or missing)"
            }
            Skip::NoOperation => "no operation name",
            Skip::ServiceEmitted => "emitted by the service itself (no caller)",
            Skip::NoCaller => "no caller object id (oid or objectidentifier claim)",
        }
    }
}

/// One call, normalised: lower-case ids, the status from the HTTP code (never `resultType`).
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub time: i64,
    /// The vault's resource id as logged (usually upper case).
    pub vault: Cow<'a, str>,
    /// `secrets/name` (kind lower case, version dropped), or `None` for vault-level calls.
    pub item: Option<(&'static str, Cow<'a, str>)>,
    pub caller: Cow<'a, str>,
    pub app: Option<Cow<'a, str>>,
    /// UPN or name claim (for callers the snapshot does not know).
    pub caller_name: Option<Cow<'a, str>>,
    pub operation: Cow<'a, str>,
    /// Whether the operation is in the mapping ([`super::operations`]).
    pub mapped: bool,
    pub status: Option<u16>,
    pub ip: Option<Cow<'a, str>>,
    pub policy_match: Option<bool>,
    pub rbac_authorized: Option<bool>,
    pub applied_assignment: Option<Cow<'a, str>>,
    /// `addrAuthType`: how the network admitted the caller (`PublicIP`, `Subnet`, `TrustedService`, …).
    pub path: Option<Cow<'a, str>>,
    pub address_authorized: Option<bool>,
    /// The 403 was the firewall's (`isAddressAuthorized: false`, or the firewall's message).
    pub network_denial: bool,
    /// A deny assignment the RBAC denial text names.
    pub deny_assignment: Option<String>,
}

/// The window `--since`/`--until` (inclusive), in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Window {
    pub fn contains(&self, t: i64) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }
}

impl<'a> Row<'a> {
    pub fn normalise(mut self, window: &Window) -> Result<Call<'a>, Skip> {
        if let Some(extra) = self.additional.0.take() {
            self = self.filled_from(&extra);
        }
        if let Some(c) = self.category.text()
            && !c.eq_ignore_ascii_case("AuditEvent")
        {
            return Err(Skip::NotAuditEvent);
        }
        let time = self
            .time
            .text()
            .and_then(super::time::parse)
            .ok_or(Skip::NoTime)?;
        if !window.contains(time) {
            return Err(Skip::OutsideWindow);
        }
        let vault = first(self.resource_id, self.resource_id_la, Flex::Null)
            .into_text()
            .filter(|r| is_vault_id(r))
            .ok_or(Skip::NotAVault)?;
        let operation = self.operation.into_text().ok_or(Skip::NoOperation)?;
        let known = super::operations::lookup(&operation);
        if known.is_some_and(|o| o.plane == super::operations::LogPlane::System) {
            return Err(Skip::ServiceEmitted);
        }
        let claims = self.identity.0;
        let caller = first(claims.oid, claims.oid_uri, self.ad_oid)
            .into_text()
            .or_else(|| self.ad_oid_uri.into_text())
            .ok_or(Skip::NoCaller)?;
        let caller = lower(caller);
        let app = first(claims.appid, self.ad_appid, Flex::Null)
            .into_text()
            .map(lower);
        let caller_name = first(claims.upn, claims.upn_uri, claims.unique_name)
            .into_text()
            .or_else(|| first(claims.name_uri, self.ad_upn, self.ad_upn_uri).into_text())
            .or_else(|| self.ad_unique_name.into_text());
        let p = self.properties;
        let status = first(p.http_status_code, self.ad_status, Flex::Null)
            .number()
            .filter(|n| (100.0..600.0).contains(n))
            .map(|n| n as u16)
            .or_else(|| status_from_signature(self.result_signature.text()?));
        let id = first(p.id, self.ad_id, p.request_uri).into_text();
        let id = id.or_else(|| self.ad_request_uri.into_text());
        let item = if operation.starts_with("CertificateContacts")
            || operation.starts_with("CertificateIssuer")
        {
            None
        } else {
            match id {
                Some(Cow::Borrowed(url)) => item_of(url),
                Some(Cow::Owned(url)) => {
                    item_of(&url).map(|(kind, name)| (kind, Cow::Owned(name.into_owned())))
                }
                None => None,
            }
        };
        let address_authorized =
            first(p.is_address_authorized, self.ad_addr_ok, Flex::Null).boolean();
        let description = self.result_description.text().unwrap_or("");
        let network_denial = status == Some(403)
            && (address_authorized == Some(false)
                || description.contains("Client address is not authorized")
                || description.contains("is not authorized and caller is not a trusted service"));
        Ok(Call {
            time,
            vault,
            item,
            caller,
            app,
            caller_name,
            operation,
            mapped: known.is_some(),
            status,
            ip: self.caller_ip.into_text(),
            policy_match: first(p.is_access_policy_match, self.ad_ap_match, Flex::Null).boolean(),
            rbac_authorized: first(p.is_rbac_authorized, self.ad_rbac, Flex::Null).boolean(),
            applied_assignment: first(p.applied_assignment_id, self.ad_assignment, Flex::Null)
                .into_text()
                .map(lower),
            path: first(p.addr_auth_type, self.ad_addr_type, Flex::Null).into_text(),
            address_authorized,
            network_denial,
            deny_assignment: (status == Some(403) && !description.is_empty())
                .then(|| deny_assignment_in(description))
                .flatten(),
        })
    }
}

fn lower(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}

/// `/subscriptions/S/resourceGroups/R/providers/Microsoft.KeyVault/vaults/N`, any letter case, without
/// allocating (it runs once per record): exactly eight slashes, found with memchr.
fn is_vault_id(id: &str) -> bool {
    let b = id.trim_end_matches('/').as_bytes();
    let mut at = [0usize; 9];
    let mut n = 0;
    for i in memchr::memchr_iter(b'/', b) {
        if n == at.len() {
            return false;
        }
        at[n] = i;
        n += 1;
    }
    if n != 8 || at[0] != 0 {
        return false;
    }
    at[8] = b.len();
    let segment = |k: usize| &b[at[k] + 1..at[k + 1]];
    let named = |k: usize, name: &str| segment(k).eq_ignore_ascii_case(name.as_bytes());
    named(0, "subscriptions")
        && !segment(1).is_empty()
        && named(2, "resourcegroups")
        && !segment(3).is_empty()
        && named(4, "providers")
        && named(5, "microsoft.keyvault")
        && named(6, "vaults")
        && !segment(7).is_empty()
}

fn status_from_signature(sig: &str) -> Option<u16> {
    Some(match sig.to_ascii_lowercase().as_str() {
        "ok" => 200,
        "created" => 201,
        "accepted" => 202,
        "nocontent" | "no content" => 204,
        "bad request" | "badrequest" => 400,
        "unauthorized" => 401,
        "forbidden" => 403,
        "not found" | "notfound" => 404,
        "conflict" => 409,
        "too many requests" | "toomanyrequests" => 429,
        _ => return None,
    })
}

/// `https://v.vault.azure.net/secrets/name/version` → (`secrets`, `name`); deleted objects count as the
/// object (`deletedsecrets/name`); a collection URL (`…/secrets`) is vault-level.
pub fn item_of(url: &str) -> Option<(&'static str, Cow<'_, str>)> {
    let path = match url.strip_prefix("https://") {
        Some(rest) => rest,
        None => url.split_once("://").map_or(url, |(_, rest)| rest),
    };
    let path = memchr::memchr2(b'?', b'#', path.as_bytes()).map_or(path, |end| &path[..end]);
    let mut segments = path.split('/').skip(1).filter(|s| !s.is_empty());
    let kind = segments.next()?;
    let name = segments.next()?;
    let kind = match kind.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("deleted") => &kind[7..],
        _ => kind,
    };
    let kind = ["keys", "secrets", "certificates"]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(kind))?;
    Some((kind, lower(Cow::Borrowed(name))))
}

/// `DenyAssignmentId: <id>` in an RBAC denial's text (`null` when none fired).
fn deny_assignment_in(description: &str) -> Option<String> {
    let rest = description.split("DenyAssignmentId:").nth(1)?;
    let id = rest
        .split_whitespace()
        .next()?
        .trim_matches([',', ';', '\'']);
    (!id.is_empty() && !id.eq_ignore_ascii_case("null")).then(|| id.to_ascii_lowercase())
}

mod overflow;
#[cfg(test)]
mod tests;
