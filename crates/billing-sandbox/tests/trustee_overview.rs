//! `GET /api/v2/billing/trusteebillingoverview/{trustorOrgId}`: every field, billing periods,
//! unknown orgs, bad indexes and many orgs.

mod common;

use billing_sandbox::{NOT_A_NUMBER_USAGE, Sandbox};
use chrono::NaiveDate;
use common::{Http, OVERVIEW_PATH, Spec, overview_url};
use http::{Method, StatusCode};

const FIELDS: [&str; 17] = [
    "id",
    "name",
    "organization",
    "currency",
    "enabledProducts",
    "subscriptionType",
    "rampPeriodStartDate",
    "rampPeriodEndDate",
    "billingPeriodStartDate",
    "billingPeriodEndDate",
    "usages",
    "contractAmendmentDate",
    "contractEffectiveDate",
    "contractEndDate",
    "minimumMonthlyAmount",
    "inRampPeriod",
    "selfUri",
];

const USAGE_FIELDS: [&str; 12] = [
    "name",
    "partNumber",
    "grouping",
    "unitOfMeasureType",
    "usageQuantity",
    "overagePrice",
    "prepayQuantity",
    "prepayPrice",
    "usageNotes",
    "isCancellable",
    "bundleQuantity",
    "isThirdParty",
];

fn is_decimal(s: &str) -> bool {
    !s.is_empty() && s.parse::<f64>().is_ok()
}

#[tokio::test]
async fn every_field_is_filled_for_each_period() {
    let today = NaiveDate::from_ymd_opt(2024, 5, 20).unwrap();
    let sandbox = Sandbox::builder().today(today).start().await.unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let token = http.token(&sandbox).await;
    assert_eq!(sandbox.trustor_org_ids().len(), 3, "default number of orgs");
    let expected_periods = [
        ("2024-05-01T00:00:00.000Z", "2024-05-31T23:59:59.999Z"),
        ("2024-04-01T00:00:00.000Z", "2024-04-30T23:59:59.999Z"),
        ("2024-03-01T00:00:00.000Z", "2024-03-31T23:59:59.999Z"),
    ];
    for (org_index, org) in sandbox.trustor_org_ids().iter().enumerate() {
        for (index, (start, end)) in expected_periods.iter().enumerate() {
            let reply = http
                .get(
                    &overview_url(&sandbox, org, Some(&index.to_string())),
                    &token,
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.header("content-type"), "application/json");
            reply.assert_platform_headers();
            let body = reply.json();
            spec.assert_valid("TrusteeBillingOverview", &body);
            let object = body.as_object().unwrap();
            for field in FIELDS {
                let value = &object[field];
                assert!(!value.is_null(), "{field} is null");
                if let Some(s) = value.as_str() {
                    assert!(!s.is_empty(), "{field} is empty");
                }
            }
            assert_eq!(object.len(), 17);
            common::assert_uuid(body["id"].as_str().unwrap());
            assert_eq!(body["organization"]["id"], org.as_str());
            assert!(!body["organization"]["name"].as_str().unwrap().is_empty());
            assert_eq!(
                body["selfUri"],
                format!("/api/v2/billing/trusteebillingoverview/{org}")
            );
            assert_eq!(body["billingPeriodStartDate"], *start);
            assert_eq!(body["billingPeriodEndDate"], *end);
            let currency = if org_index == 2 { "EUR" } else { "USD" };
            assert_eq!(body["currency"], currency, "the third org bills in EUR");
            assert!(is_decimal(body["minimumMonthlyAmount"].as_str().unwrap()));
            let effective = body["contractEffectiveDate"].as_str().unwrap();
            assert!(effective < body["contractEndDate"].as_str().unwrap());
            assert!(effective <= body["contractAmendmentDate"].as_str().unwrap());
            assert!(body["contractAmendmentDate"].as_str().unwrap() < "2024-05-20");
            assert!(
                body["rampPeriodStartDate"].as_str().unwrap()
                    < body["rampPeriodEndDate"].as_str().unwrap()
            );
            let products = body["enabledProducts"].as_array().unwrap();
            let usages = body["usages"].as_array().unwrap();
            assert!(!usages.is_empty());
            assert_eq!(products.len(), usages.len());
            for (line, usage) in usages.iter().enumerate() {
                for field in USAGE_FIELDS {
                    assert!(!usage[field].is_null(), "usage {field} missing");
                }
                // Exactly one line of the second org is not a number, in every period.
                if org_index == 1 && line + 1 == usages.len() {
                    assert_eq!(usage["usageQuantity"], NOT_A_NUMBER_USAGE);
                } else {
                    assert!(is_decimal(usage["usageQuantity"].as_str().unwrap()));
                }
                for field in [
                    "prepayQuantity",
                    "overagePrice",
                    "prepayPrice",
                    "bundleQuantity",
                ] {
                    assert!(
                        is_decimal(usage[field].as_str().unwrap()),
                        "{field}: {}",
                        usage[field]
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn index_defaults_to_zero_and_data_is_deterministic() {
    let today = NaiveDate::from_ymd_opt(2025, 1, 9).unwrap();
    let a = Sandbox::builder().today(today).start().await.unwrap();
    let b = Sandbox::builder().today(today).start().await.unwrap();
    assert_eq!(a.trustor_org_ids(), b.trustor_org_ids());
    let http = Http::default();
    let (ta, tb) = (a.issue_token(), b.issue_token());
    let org = &a.trustor_org_ids()[1];
    let default = http.get(&overview_url(&a, org, None), &ta).await.body;
    let zero = http.get(&overview_url(&a, org, Some("0")), &ta).await.body;
    let other_server = http.get(&overview_url(&b, org, Some("0")), &tb).await.body;
    assert_eq!(default, zero);
    assert_eq!(zero, other_server);
    let one = http
        .get(&overview_url(&a, org, Some("1")), &ta)
        .await
        .json();
    assert_eq!(one["billingPeriodStartDate"], "2024-12-01T00:00:00.000Z");
    // Without a fixed date, period 0 is the current month.
    let live = Sandbox::start().await.unwrap();
    let body = http
        .get(
            &overview_url(&live, &live.trustor_org_ids()[0], None),
            &live.issue_token(),
        )
        .await
        .json();
    let month = chrono::Utc::now()
        .format("%Y-%m-01T00:00:00.000Z")
        .to_string();
    assert_eq!(body["billingPeriodStartDate"], month);
}

#[tokio::test]
async fn unknown_org_gets_404() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    let reply = http
        .get(
            &overview_url(&sandbox, "00000000-0000-0000-0000-000000000000", None),
            &token,
        )
        .await;
    reply.assert_error(&Spec::load(), OVERVIEW_PATH, 404, "not.found");
}

#[tokio::test]
async fn bad_index_gets_400() {
    let sandbox = Sandbox::start().await.unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    let org = &sandbox.trustor_org_ids()[0];
    for index in ["-1", "1.5", "abc", "", "%2B1", "99999", "4294967296"] {
        let reply = http
            .get(&overview_url(&sandbox, org, Some(index)), &token)
            .await;
        let body = reply.assert_error(&spec, OVERVIEW_PATH, 400, "invalid.query.param.value");
        assert_eq!(
            body["messageParams"]["parameter"], "billingPeriodIndex",
            "{index}"
        );
    }
    // The largest accepted index still answers.
    assert_eq!(
        http.get(&overview_url(&sandbox, org, Some("1200")), &token)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn requires_a_bearer_token() {
    let sandbox = Sandbox::start().await.unwrap();
    let url = overview_url(&sandbox, &sandbox.trustor_org_ids()[0], None);
    let reply = Http::default().send(Method::GET, &url, &[], "").await;
    reply.assert_error(&Spec::load(), OVERVIEW_PATH, 401, "authentication.required");
}

#[tokio::test]
async fn a_thousand_orgs_for_fan_out() {
    let sandbox = Sandbox::builder().trustor_orgs(1000).start().await.unwrap();
    let ids = sandbox.trustor_org_ids();
    assert_eq!(ids.len(), 1000);
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 1000);
    ids.iter().for_each(|id| common::assert_uuid(id));
    let http = Http::default();
    let token = sandbox.issue_token();
    let mut names = std::collections::HashSet::new();
    for id in [&ids[0], &ids[499], &ids[999]] {
        let body = http
            .get(&overview_url(&sandbox, id, None), &token)
            .await
            .json();
        assert_eq!(body["organization"]["id"], id.as_str());
        names.insert(body["organization"]["name"].as_str().unwrap().to_owned());
    }
    assert_eq!(names.len(), 3, "org names are distinct: {names:?}");
}
