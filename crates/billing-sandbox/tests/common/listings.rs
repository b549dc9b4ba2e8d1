//! Helpers for the contract, invoice and trustor listings: the wire names of every definition,
//! walking `nextUri`, exact decimals.

use std::collections::HashSet;
use std::str::FromStr as _;

use billing_sandbox::Sandbox;
use chrono::NaiveDate;
use http::StatusCode;
use rust_decimal::Decimal;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Http;

pub const CONTRACTS: &str = "/api/v2/billing/contracts";
pub const INVOICES: &str = "/api/v2/billing/contracts/invoices";

/// Field names per definition, as in the spec (all of them, in any order).
pub const WIRE: &[(&str, &[&str])] = &[
    (
        "BillingContract",
        &[
            "id",
            "externalNumber",
            "status",
            "commercialModel",
            "purchaseOrderNumbers",
            "billToCustomer",
            "soldToCustomer",
            "endCustomer",
            "dateStart",
            "dateEnd",
            "dateRampStart",
            "dateRampEnd",
            "billingPeriods",
            "plans",
        ],
    ),
    (
        "BillingContractPeriod",
        &["id", "dateStart", "dateEnd", "status"],
    ),
    (
        "BillingContractPeriodDetail",
        &["id", "dateStart", "dateEnd", "status", "charges", "wallets"],
    ),
    (
        "BillingCharge",
        &[
            "id",
            "name",
            "product",
            "organizations",
            "prepaidQuantity",
            "fairuseQuantity",
            "actualQuantity",
            "overageQuantity",
            "overageRate",
            "overageCharge",
            "overageCurrency",
            "convertedTokenCount",
            "tokenConversionRate",
        ],
    ),
    (
        "BillingWallet",
        &[
            "id",
            "name",
            "organizations",
            "product",
            "startingBalance",
            "endingBalance",
            "balanceIncrease",
            "balanceDecrease",
            "balanceConsumption",
            "balanceOverage",
            "balanceOverageRate",
            "balanceOverageCharge",
            "balanceOverageCurrency",
            "unitOfMeasure",
        ],
    ),
    (
        "BillingPlan",
        &["id", "name", "organizations", "product", "items"],
    ),
    (
        "BillingPlanItem",
        &[
            "itemNumber",
            "name",
            "type",
            "function",
            "description",
            "dateChargedThrough",
            "currencyIsoCode",
            "discountAmount",
            "dateEffectiveStart",
            "dateEffectiveEnd",
            "overagePrice",
            "price",
            "quantity",
            "unitOfMeasure",
        ],
    ),
    ("BillingProduct", &["id", "sku", "name", "unitOfMeasure"]),
    ("Customer", &["id", "number", "name"]),
    ("NamedEntity", &["id", "name"]),
    (
        "BillingInvoice",
        &[
            "id",
            "billToCustomer",
            "shipToCustomer",
            "soldToCustomer",
            "dateInvoiced",
            "billToAddress",
            "shipToAddress",
            "currencyIsoCode",
            "paymentStatus",
            "paymentTerms",
            "paymentLink",
            "customerPoNumber",
            "customerInvoiceType",
            "amount",
        ],
    ),
    (
        "InvoiceAddress",
        &[
            "dateEffective",
            "addressType",
            "currencyIsoCode",
            "line1",
            "line2",
            "line3",
            "cityName",
            "postalCode",
            "stateCode",
            "countryCode",
            "citySubdivision1",
            "regionSubdivision1",
            "regionSubdivision2",
            "country",
        ],
    ),
    (
        "BillingInvoiceItem",
        &[
            "id",
            "product",
            "description",
            "dateTransacted",
            "dateStart",
            "dateEnd",
            "organization",
            "quantity",
            "unitOfMeasure",
            "amount",
        ],
    ),
];

/// Asserts `value` has exactly the fields of `definition`, none null.
pub fn assert_fields(definition: &str, value: &Value) {
    let expected: HashSet<&str> = WIRE
        .iter()
        .find(|(name, _)| *name == definition)
        .unwrap()
        .1
        .iter()
        .copied()
        .collect();
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{definition}: {value}"));
    let actual: HashSet<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(actual, expected, "{definition}");
    assert!(
        object.values().all(|v| !v.is_null()),
        "{definition}: {value}"
    );
}

pub fn assert_date(value: &Value) -> NaiveDate {
    let text = value.as_str().unwrap();
    assert_eq!(text.len(), 10, "{text}");
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// An exact decimal from the JSON number literal as written on the wire.
pub fn decimal(raw: &RawValue) -> Decimal {
    Decimal::from_str(raw.get()).unwrap_or_else(|e| panic!("{}: {e}", raw.get()))
}

pub async fn sandbox(orgs: usize) -> Sandbox {
    Sandbox::builder()
        .today(NaiveDate::from_ymd_opt(2026, 10, 14).unwrap())
        .trustor_orgs(orgs)
        .no_rate_limit()
        .start()
        .await
        .unwrap()
}

/// Follows `nextUri` from `first` (a path and query) and returns every entity and page count.
pub async fn walk(http: &Http, sandbox: &Sandbox, token: &str, first: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut next = Some(first.to_owned());
    let mut pages = 0;
    while let Some(uri) = next {
        assert!(uri.starts_with("/api/v2/"), "relative: {uri}");
        let reply = http.get(&sandbox.url(&uri), token).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {:?}", reply.body);
        let body = reply.json();
        let entities = body["entities"].as_array().unwrap();
        assert!(!entities.is_empty(), "no empty pages");
        items.extend(entities.iter().cloned());
        next = body["nextUri"].as_str().map(str::to_owned);
        pages += 1;
        assert!(pages < 1000);
    }
    (items, pages)
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

pub fn assert_unique(items: &[Value]) {
    let all = ids(items);
    let set: HashSet<&String> = all.iter().collect();
    assert_eq!(set.len(), all.len(), "duplicates");
}
