//! `AzureDiagnostics` holds at most 500 columns per workspace; the columns past that land in the dynamic
//! `AdditionalFields` column (learn.microsoft.com/azure/azure-monitor/reference/tables/azurediagnostics).
//! So a Key Vault field can be a column in one workspace and a key of `AdditionalFields` in another. A
//! field read from the columns wins; a field missing there is taken from `AdditionalFields`.

use serde::{Deserialize, de};

use super::{Claims, Flex, Identity, Properties, Row};

/// The `AdditionalFields` object, given as an object (REST, raw JSON) or as its JSON text (`az`, CSV).
#[derive(Debug, Default)]
pub struct Additional(pub Option<serde_json::Value>);

impl<'de> Deserialize<'de> for Additional {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let value = match value {
            serde_json::Value::String(text) => serde_json::from_str(&text).ok(),
            other => Some(other),
        };
        Ok(Additional(value.filter(serde_json::Value::is_object)))
    }
}

/// Fills `field` from `extra` when the columns did not give it.
fn fill<'a>(field: &mut Flex<'a>, extra: Flex<'_>) {
    if !field.is_present() && extra.is_present() {
        *field = extra.into_owned();
    }
}

impl<'a> Row<'a> {
    /// This row with every field it lacks taken from `extra` (the `AdditionalFields` object). An object
    /// that does not read as a row (a field of an unexpected shape) adds nothing.
    pub(super) fn filled_from(mut self, extra: &serde_json::Value) -> Row<'a> {
        let Ok(other) = Row::deserialize(extra) else {
            return self;
        };
        // Spelled out field by field so that a new field of `Row` cannot be forgotten here.
        let Row {
            time,
            resource_id,
            resource_id_la,
            category,
            operation,
            result_signature,
            result_description,
            caller_ip,
            identity: Identity(claims),
            properties,
            ad_oid,
            ad_oid_uri,
            ad_appid,
            ad_upn,
            ad_unique_name,
            ad_upn_uri,
            ad_idtyp,
            ad_id,
            ad_request_uri,
            ad_status,
            ad_ap_match,
            ad_rbac,
            ad_assignment,
            ad_addr_type,
            ad_addr_ok,
            additional: _,
        } = other;
        fill(&mut self.time, time);
        fill(&mut self.resource_id, resource_id);
        fill(&mut self.resource_id_la, resource_id_la);
        fill(&mut self.category, category);
        fill(&mut self.operation, operation);
        fill(&mut self.result_signature, result_signature);
        fill(&mut self.result_description, result_description);
        fill(&mut self.caller_ip, caller_ip);
        fill_claims(&mut self.identity.0, claims);
        fill_properties(&mut self.properties, properties);
        fill(&mut self.ad_oid, ad_oid);
        fill(&mut self.ad_oid_uri, ad_oid_uri);
        fill(&mut self.ad_appid, ad_appid);
        fill(&mut self.ad_upn, ad_upn);
        fill(&mut self.ad_unique_name, ad_unique_name);
        fill(&mut self.ad_upn_uri, ad_upn_uri);
        fill(&mut self.ad_idtyp, ad_idtyp);
        fill(&mut self.ad_id, ad_id);
        fill(&mut self.ad_request_uri, ad_request_uri);
        fill(&mut self.ad_status, ad_status);
        fill(&mut self.ad_ap_match, ad_ap_match);
        fill(&mut self.ad_rbac, ad_rbac);
        fill(&mut self.ad_assignment, ad_assignment);
        fill(&mut self.ad_addr_type, ad_addr_type);
        fill(&mut self.ad_addr_ok, ad_addr_ok);
        self
    }
}

fn fill_claims(into: &mut Claims<'_>, from: Claims<'_>) {
    let Claims {
        oid,
        oid_uri,
        appid,
        upn,
        unique_name,
        upn_uri,
        name_uri,
        idtyp,
    } = from;
    fill(&mut into.oid, oid);
    fill(&mut into.oid_uri, oid_uri);
    fill(&mut into.appid, appid);
    fill(&mut into.upn, upn);
    fill(&mut into.unique_name, unique_name);
    fill(&mut into.upn_uri, upn_uri);
    fill(&mut into.name_uri, name_uri);
    fill(&mut into.idtyp, idtyp);
}

fn fill_properties(into: &mut Properties<'_>, from: Properties<'_>) {
    let Properties {
        id,
        request_uri,
        http_status_code,
        is_access_policy_match,
        is_rbac_authorized,
        applied_assignment_id,
        addr_auth_type,
        is_address_authorized,
    } = from;
    fill(&mut into.id, id);
    fill(&mut into.request_uri, request_uri);
    fill(&mut into.http_status_code, http_status_code);
    fill(&mut into.is_access_policy_match, is_access_policy_match);
    fill(&mut into.is_rbac_authorized, is_rbac_authorized);
    fill(&mut into.applied_assignment_id, applied_assignment_id);
    fill(&mut into.addr_auth_type, addr_auth_type);
    fill(&mut into.is_address_authorized, is_address_authorized);
}
