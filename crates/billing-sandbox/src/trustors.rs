//! The Organization Authorization API's trustors (`TrustorEntityListing`, `Trustor`): the orgs
//! that trust the caller. The enabled ones are exactly the orgs the trustee overview serves;
//! the disabled ones (see [`SandboxBuilder::disabled_trustors`](crate::SandboxBuilder::disabled_trustors))
//! are known here only. Listed by organization name, so disabled ones fall between enabled ones.

use chrono::Days;
use serde::Serialize;
use serde_json::{Value, json};

use crate::catalog::{Profile, TrustorOrg, millis};
use crate::paging;
use crate::reply::Reply;
use crate::router::Ctx;
use crate::wire::{format_millis, uuid_from};

pub(crate) const TRUSTORS_PATH: &str = "/api/v2/orgauthorization/trustors";

/// The largest `pageSize` the trustor listing accepts (the platform documents none).
pub(crate) const MAX_TRUSTOR_PAGE_SIZE: usize = 500;

/// The permissions a partner holds in each trustor org.
const PERMISSIONS: &[&str] = &[
    "affiliateOrganization:clientBilling:view",
    "billing:subscription:view",
    "authorization:orgTrustor:view",
];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Trustor {
    id: String,
    enabled: bool,
    date_created: String,
    created_by: Value,
    organization: Value,
    authorization: Value,
    self_uri: String,
}

/// Every trustor, enabled and disabled, in listing order.
fn all<'a>(ctx: &Ctx<'a>) -> Vec<(&'a TrustorOrg, bool)> {
    let config = &ctx.shared.config;
    let mut trustors: Vec<(&TrustorOrg, bool)> = config
        .orgs
        .iter()
        .map(|o| (o, true))
        .chain(config.disabled_orgs.iter().map(|o| (o, false)))
        .collect();
    trustors.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.index.cmp(&b.0.index)));
    trustors
}

fn trustor(ctx: &Ctx<'_>, org: &TrustorOrg, enabled: bool) -> Trustor {
    let profile = Profile::new(org, ctx.shared.config.today());
    // Trust was granted some weeks before the first contract began.
    let created = profile.effective - Days::new(20 + org.index as u64 % 30);
    let slug: String = org
        .name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let admin = uuid_from(0xAD_0001, 0);
    Trustor {
        id: org.id.clone(),
        enabled,
        date_created: format_millis(millis(created) + 9 * 3_600_000 + 30 * 60_000),
        created_by: json!({
            "id": admin,
            "name": "Partner Admin",
            "email": "partner.admin@example.com",
            "state": "active",
            "username": "partner.admin@example.com",
            "version": 4,
            "selfUri": format!("/api/v2/users/{admin}"),
        }),
        organization: json!({
            "id": org.id,
            "name": org.name,
            "defaultLanguage": "en",
            "defaultCountryCode": "US",
            "thirdPartyOrgName": slug,
            "thirdPartyURI": format!("https://{slug}.example.com"),
            "domain": format!("{slug}.example.com"),
            "features": { "purecloud": true, "billing": true },
            "version": 3 + org.index % 5,
            "state": if enabled { "active" } else { "inactive" },
            "defaultSiteId": uuid_from(org.index as u64, 0x517E),
            "supportURI": format!("support@{slug}.example.com"),
            "voicemailEnabled": true,
            "productPlatform": "GenesysCloud",
            "selfUri": format!("/api/v2/organizations/{}", org.id),
        }),
        authorization: json!({ "permissions": PERMISSIONS }),
        self_uri: format!("{TRUSTORS_PATH}/{}", org.id),
    }
}

/// `GET /api/v2/orgauthorization/trustors?pageSize&pageNumber`.
pub(crate) fn list(ctx: &Ctx<'_>) -> Reply {
    let trustors = all(ctx);
    let page = paging::numbered_page(
        ctx,
        TRUSTORS_PATH,
        trustors.len(),
        MAX_TRUSTOR_PAGE_SIZE,
        |range| {
            trustors[range]
                .iter()
                .map(|(org, enabled)| trustor(ctx, org, *enabled))
                .collect()
        },
    );
    match page {
        Ok(listing) => ctx.ok(&listing),
        Err(error) => ctx.error(&error),
    }
}

/// `GET /api/v2/orgauthorization/trustors/{trustorOrgId}`.
pub(crate) fn one(ctx: &Ctx<'_>, id: &str) -> Reply {
    match all(ctx).into_iter().find(|(org, _)| org.id == id) {
        Some((org, enabled)) => ctx.ok(&trustor(ctx, org, enabled)),
        None => ctx.not_found(),
    }
}
