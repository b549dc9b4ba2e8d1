//! The trustee billing overview (`TrusteeBillingOverview`): every one of its 17 fields filled
//! from the org's profile in the catalog, per billing period.

use chrono::{Datelike, Months, NaiveDate};
use http::StatusCode;
use serde_json::{Value, json};

use crate::catalog::{Profile, TrustorOrg, millis};
use crate::reply::Reply;
use crate::router::Ctx;
use crate::wire::{self, ApiError, format_millis, uuid_from};

/// The `subscriptionType` written by [`crate::Fault::UnknownEnumValues`]: not in the spec's enum.
pub const UNKNOWN_SUBSCRIPTION_TYPE: &str = "PAY_AS_YOU_GO_FLEX";

/// The `usageQuantity` of the last usage line of the org with index 1 (the second), in every
/// period: not a number, so that a client has to report such a line instead of reading it as 0.
pub const NOT_A_NUMBER_USAGE: &str = "n/a";

/// The org whose last usage line has [`NOT_A_NUMBER_USAGE`].
const NOT_A_NUMBER_ORG: usize = 1;

/// The largest `billingPeriodIndex` the sandbox answers (a hundred years back).
pub(crate) const MAX_BILLING_PERIOD_INDEX: u32 = 1200;

/// The overview of `org` for the billing period `index` months before the one containing `today`.
pub(crate) fn overview(
    org: &TrustorOrg,
    index: u32,
    today: NaiveDate,
    unknown_enums: bool,
    extra_fields: bool,
) -> Value {
    let profile = Profile::new(org, today);
    let period_start = profile.period_start(index);
    let period_end = period_start + Months::new(1);
    let lines = profile.usage(org, index);
    let usages: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let p = u.product;
            let quantity = if org.index == NOT_A_NUMBER_ORG && i + 1 == lines.len() {
                NOT_A_NUMBER_USAGE.to_owned()
            } else {
                u.used.to_string()
            };
            let mut usage = json!({
                "name": p.name,
                "partNumber": p.part_number,
                "grouping": p.grouping,
                "unitOfMeasureType": p.unit,
                "usageQuantity": quantity,
                "overagePrice": p.overage_price,
                "prepayQuantity": u.prepaid.to_string(),
                "prepayPrice": p.prepay_price,
                "usageNotes": p.notes,
                "isCancellable": p.cancellable,
                "bundleQuantity": p.bundle,
                "isThirdParty": p.third_party,
            });
            if extra_fields {
                usage["chargeCategory"] = json!("recurring");
                usage["discountPercentage"] = json!("0.00");
            }
            usage
        })
        .collect();

    let currency = profile.currency;
    let mut body = json!({
        "id": uuid_from(org.index as u64 ^ 0x0BE7_1E55, u64::from(index)),
        "name": format!("{} {:04}-{:02}", org.name, period_start.year(), period_start.month()),
        "organization": { "id": org.id, "name": org.name },
        "currency": currency,
        "enabledProducts": profile.products.iter().map(|p| p.short_name).collect::<Vec<_>>(),
        "subscriptionType": if unknown_enums { UNKNOWN_SUBSCRIPTION_TYPE } else { profile.subscription },
        "rampPeriodStartDate": format_millis(millis(profile.effective)),
        "rampPeriodEndDate": format_millis(millis(profile.ramp_end) - 1),
        "billingPeriodStartDate": format_millis(millis(period_start)),
        "billingPeriodEndDate": format_millis(millis(period_end) - 1),
        "usages": usages,
        "contractAmendmentDate": format_millis(millis(profile.amended) + 15 * 3_600_000),
        "contractEffectiveDate": format_millis(millis(profile.effective)),
        "contractEndDate": format_millis(millis(profile.contract_end) - 1),
        "minimumMonthlyAmount": format!("{}.00", profile.minimum_monthly()),
        "inRampPeriod": profile.in_ramp(index),
        "selfUri": format!("/api/v2/billing/trusteebillingoverview/{}", org.id),
    });
    if extra_fields {
        body["organization"]["selfUri"] = json!(format!("/api/v2/organizations/{}", org.id));
        body["billingAccountNumber"] = json!(format!("BA-{:08}", org.index + 10_000));
        body["invoiceCurrency"] = json!(currency);
    }
    body
}

/// `GET /api/v2/billing/trusteebillingoverview/{trustorOrgId}?billingPeriodIndex=N`.
pub(crate) fn handle(ctx: &Ctx<'_>, org_id: &str) -> Reply {
    let index = match ctx.param("billingPeriodIndex") {
        None => 0,
        Some(raw) => match raw.parse::<u32>() {
            Ok(i) if i <= MAX_BILLING_PERIOD_INDEX && !raw.starts_with('+') => i,
            _ => {
                let error = ApiError::new(wire::INVALID_QUERY_PARAM_VALUE)
                    .param("value", raw)
                    .param("parameter", "billingPeriodIndex")
                    .param(
                        "allowableValues",
                        format!("integers from 0 to {MAX_BILLING_PERIOD_INDEX}"),
                    );
                return ctx.error(&error);
            }
        },
    };
    let Some(org) = ctx.shared.org(org_id) else {
        return ctx.not_found();
    };
    let variation = ctx.variation;
    let body = overview(
        org,
        index,
        ctx.shared.config.today(),
        variation.unknown_enums,
        variation.extra_fields,
    );
    Reply::json(StatusCode::OK, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_step_back_by_month() {
        let org = TrustorOrg::new(3);
        let today = NaiveDate::from_ymd_opt(2024, 3, 15).unwrap();
        let p0 = overview(&org, 0, today, false, false);
        let p2 = overview(&org, 2, today, false, false);
        assert_eq!(p0["billingPeriodStartDate"], "2024-03-01T00:00:00.000Z");
        assert_eq!(p0["billingPeriodEndDate"], "2024-03-31T23:59:59.999Z");
        assert_eq!(p2["billingPeriodStartDate"], "2024-01-01T00:00:00.000Z");
        assert_eq!(p2["billingPeriodEndDate"], "2024-01-31T23:59:59.999Z");
        assert_eq!(p0["organization"]["id"], org.id);
        let far = overview(&org, MAX_BILLING_PERIOD_INDEX, today, false, false);
        assert_eq!(far["billingPeriodStartDate"], "1924-03-01T00:00:00.000Z");
    }
}
