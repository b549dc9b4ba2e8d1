//! The trustee billing overview (`TrusteeBillingOverview`): every one of its 17 fields filled
//! with deterministic, realistic values per trustor org and billing period.

use chrono::{Datelike, Months, NaiveDate};
use http::StatusCode;
use serde_json::{Value, json};

use crate::reply::Reply;
use crate::router::Ctx;
use crate::wire::{self, ApiError, Rng, format_millis, uuid_from};

/// The `subscriptionType` written by [`crate::Fault::UnknownEnumValues`]: not in the spec's enum.
pub const UNKNOWN_SUBSCRIPTION_TYPE: &str = "PAY_AS_YOU_GO_FLEX";

/// The largest `billingPeriodIndex` the sandbox answers (a hundred years back).
pub(crate) const MAX_BILLING_PERIOD_INDEX: u32 = 1200;

/// The subscription types of the spec's enum, most common first.
const SUBSCRIPTION_TYPES: &[&str] = &[
    "PREPAY_MONTHLY_COMMITMENT",
    "MONTH_TO_MONTH",
    "PREPAY",
    "PREPAY_MONTHLY_COMMITMENT",
    "MONTH_TO_MONTH",
    "FREE_TRIAL_MONTH_TO_MONTH",
    "DEV_ORG_MONTH_TO_MONTH",
    "DEV_ORG_PREPAY_MONTHLY_COMMITMENT",
    "DEV_ORG_PREPAY",
    "ININ",
];

const CURRENCIES: &[&str] = &["USD", "USD", "EUR", "GBP", "AUD", "CAD", "JPY", "BRL"];

const ORG_NAMES: &[&str] = &[
    "Acme Insurance",
    "Northwind Telecom",
    "Contoso Health",
    "Globex Retail",
    "Initech Banking",
    "Umbrella Logistics",
    "Stark Energy",
    "Wayne Travel",
    "Hooli Support",
    "Tyrell Airlines",
];

/// A product on a subscription.
struct Product {
    short_name: &'static str,
    name: &'static str,
    part_number: &'static str,
    grouping: &'static str,
    unit: &'static str,
    prepay_price: &'static str,
    overage_price: &'static str,
    bundle: &'static str,
    cancellable: bool,
    third_party: bool,
    /// Typical quantity per 100 seats.
    per_hundred: u64,
    notes: &'static str,
}

const PRODUCTS: &[Product] = &[
    Product {
        short_name: "cx3",
        name: "Genesys Cloud CX 3 Named User",
        part_number: "PC-170-NV-USR3N",
        grouping: "user",
        unit: "named-user",
        prepay_price: "155.00",
        overage_price: "186.00",
        bundle: "1",
        cancellable: false,
        third_party: false,
        per_hundred: 100,
        notes: "Billed on peak named users in the period.",
    },
    Product {
        short_name: "cx2",
        name: "Genesys Cloud CX 2 Concurrent User",
        part_number: "PC-170-NV-USR2C",
        grouping: "user",
        unit: "concurrent-user",
        prepay_price: "165.00",
        overage_price: "198.00",
        bundle: "1",
        cancellable: false,
        third_party: false,
        per_hundred: 60,
        notes: "Billed on the highest hourly concurrent users.",
    },
    Product {
        short_name: "wem",
        name: "Workforce Engagement Management Add-on",
        part_number: "PC-170-NV-WEMAO",
        grouping: "add-on",
        unit: "named-user",
        prepay_price: "25.00",
        overage_price: "30.00",
        bundle: "1",
        cancellable: true,
        third_party: false,
        per_hundred: 80,
        notes: "Forecasting, scheduling and quality management per named user.",
    },
    Product {
        short_name: "sta",
        name: "Speech and Text Analytics Add-on",
        part_number: "PC-170-NV-STAAO",
        grouping: "add-on",
        unit: "named-user",
        prepay_price: "20.00",
        overage_price: "24.00",
        bundle: "1",
        cancellable: true,
        third_party: false,
        per_hundred: 50,
        notes: "Speech and text analytics per named user.",
    },
    Product {
        short_name: "gcv-minutes",
        name: "Genesys Cloud Voice Metered Minutes",
        part_number: "PC-170-NV-GCVMIN",
        grouping: "telephony",
        unit: "minute",
        prepay_price: "0.0080",
        overage_price: "0.0095",
        bundle: "1000",
        cancellable: false,
        third_party: false,
        per_hundred: 180_000,
        notes: "Inbound and outbound PSTN minutes.",
    },
    Product {
        short_name: "byoc-cloud",
        name: "BYOC Cloud Minutes",
        part_number: "PC-170-NV-BYOCCM",
        grouping: "telephony",
        unit: "minute",
        prepay_price: "0.0030",
        overage_price: "0.0040",
        bundle: "1000",
        cancellable: false,
        third_party: false,
        per_hundred: 90_000,
        notes: "Minutes over your own carrier trunks.",
    },
    Product {
        short_name: "edge-device",
        name: "Genesys Cloud Edge Device Rental",
        part_number: "PC-170-NV-EDGE1",
        grouping: "hardware",
        unit: "device",
        prepay_price: "400.00",
        overage_price: "450.00",
        bundle: "1",
        cancellable: true,
        third_party: false,
        per_hundred: 2,
        notes: "Hardware rental, shipped separately.",
    },
    Product {
        short_name: "nuance-asr",
        name: "Third-Party Speech Recognition",
        part_number: "PC-170-NV-3PASR",
        grouping: "third-party",
        unit: "session",
        prepay_price: "0.0200",
        overage_price: "0.0250",
        bundle: "1",
        cancellable: true,
        third_party: true,
        per_hundred: 12_000,
        notes: "Resold third-party service.",
    },
];

/// A trustor organization known to the sandbox.
#[derive(Debug, Clone)]
pub(crate) struct TrustorOrg {
    pub(crate) index: usize,
    pub(crate) id: String,
    pub(crate) name: String,
}

impl TrustorOrg {
    pub(crate) fn new(index: usize) -> Self {
        let base = ORG_NAMES[index % ORG_NAMES.len()];
        let name = if index < ORG_NAMES.len() {
            base.to_owned()
        } else {
            format!("{base} {}", index / ORG_NAMES.len() + 1)
        };
        Self {
            index,
            id: uuid_from(index as u64, 0x7257_7275_7374),
            name,
        }
    }
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn millis(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|dt| dt.and_utc().timestamp_millis())
        .unwrap_or_default()
}

/// The overview of `org` for the billing period `index` months before the one containing `today`.
pub(crate) fn overview(
    org: &TrustorOrg,
    index: u32,
    today: NaiveDate,
    unknown_enums: bool,
    extra_fields: bool,
) -> Value {
    let mut rng = Rng::new(org.index as u64 ^ 0x0F0F_5EED);
    let current = first_of_month(today);
    let period_start = current - Months::new(index);
    let period_end = period_start + Months::new(1);

    // The contract: effective 6 to 48 months before the current period, three or five years long,
    // with a three-month ramp and one amendment.
    let contract_age = 6 + rng.below(43) as u32;
    let effective = current - Months::new(contract_age);
    let contract_end = effective + Months::new(if rng.below(2) == 0 { 36 } else { 60 });
    let ramp_end = effective + Months::new(3);
    // Amended some time after signing, never in the future.
    let amended =
        effective + Months::new(contract_age / 2 + rng.below(u64::from(contract_age / 2)) as u32);
    let currency = *rng.pick(CURRENCIES);
    let subscription = *rng.pick(SUBSCRIPTION_TYPES);
    let seats = 40 + rng.below(960);
    let minimum = seats * 120;

    // Products: the two first user licences are exclusive; add-ons and telephony vary per org.
    let mut products: Vec<&Product> = vec![&PRODUCTS[rng.below(2) as usize]];
    for product in &PRODUCTS[2..] {
        if rng.below(3) != 0 {
            products.push(product);
        }
    }

    // Usage of this period: seeded by the period too, lower while the period is still open.
    let mut period_rng = Rng::new(
        (org.index as u64).wrapping_mul(0x1_0000_0001) ^ u64::from(index).wrapping_mul(0x9E37),
    );
    let in_ramp = period_start >= first_of_month(effective) && period_start < ramp_end;
    let usages: Vec<Value> = products
        .iter()
        .map(|p| {
            let base = seats * p.per_hundred / 100;
            let prepay = base * 9 / 10;
            let mut used = base * (80 + period_rng.below(45)) / 100;
            if index == 0 {
                used = used * u64::from(today.day()) / 31;
            }
            if in_ramp {
                used /= 2;
            }
            let mut usage = json!({
                "name": p.name,
                "partNumber": p.part_number,
                "grouping": p.grouping,
                "unitOfMeasureType": p.unit,
                "usageQuantity": used.to_string(),
                "overagePrice": p.overage_price,
                "prepayQuantity": prepay.to_string(),
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

    let mut body = json!({
        "id": uuid_from(org.index as u64 ^ 0x0BE7_1E55, u64::from(index)),
        "name": format!("{} {:04}-{:02}", org.name, period_start.year(), period_start.month()),
        "organization": { "id": org.id, "name": org.name },
        "currency": currency,
        "enabledProducts": products.iter().map(|p| p.short_name).collect::<Vec<_>>(),
        "subscriptionType": if unknown_enums { UNKNOWN_SUBSCRIPTION_TYPE } else { subscription },
        "rampPeriodStartDate": format_millis(millis(effective)),
        "rampPeriodEndDate": format_millis(millis(ramp_end) - 1),
        "billingPeriodStartDate": format_millis(millis(period_start)),
        "billingPeriodEndDate": format_millis(millis(period_end) - 1),
        "usages": usages,
        "contractAmendmentDate": format_millis(millis(amended) + 15 * 3_600_000),
        "contractEffectiveDate": format_millis(millis(effective)),
        "contractEndDate": format_millis(millis(contract_end) - 1),
        "minimumMonthlyAmount": format!("{minimum}.00"),
        "inRampPeriod": in_ramp,
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
