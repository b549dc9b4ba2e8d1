//! Both operations end to end against the sandbox, and what went over the wire.

mod common;

use billing_api::models::{BillingUsageReportStatus, TrusteeBillingOverviewSubscriptionType};
use billing_sandbox::Sandbox;
use chrono::{TimeZone, Utc};

#[tokio::test]
async fn billable_usage_report_end_to_end() {
    let (sandbox, client) = common::start(Sandbox::builder().in_progress_polls(0)).await;
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let report = client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap();
    assert_eq!(report.status, Some(BillingUsageReportStatus::Complete));
    assert_eq!((report.start_date, report.end_date), (start, end));
    assert!(report.usages.len() >= 2, "several licence types");
    for usage in &report.usages {
        assert_eq!(
            usage.total_usage.parse::<f64>().unwrap() as usize,
            usage.resources.len()
        );
        assert!(
            usage
                .resources
                .iter()
                .all(|r| r.date >= start && r.date < end)
        );
    }
    assert!(report.id.is_some() && report.self_uri.is_some());
    assert!(
        report.unknown_fields.is_empty(),
        "the sandbox sends only spec fields: {:?}",
        report.unknown_fields
    );

    let sent = sandbox
        .requests()
        .into_iter()
        .find(|r| r.path().starts_with("/api/"))
        .unwrap();
    assert_eq!(
        sent.path_and_query,
        "/api/v2/billing/reports/billableusage?startDate=2026-10-01T00%3A00%3A00.000Z&endDate=2026-11-01T00%3A00%3A00.000Z"
    );
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert!(
        sent.header("user-agent")
            .unwrap()
            .starts_with("genesys-billing-rust/")
    );
    assert!(sent.header("authorization").unwrap().starts_with("Bearer "));
}

#[tokio::test]
async fn trustee_overview_end_to_end_with_and_without_period() {
    let (sandbox, client) = common::start(Sandbox::builder()).await;
    let org = sandbox.trustor_org_ids()[0].clone();

    let open = client
        .get_billing_trusteebillingoverview_trustor_org_id(&org, None)
        .await
        .unwrap();
    assert_eq!(open.organization.id.as_deref(), Some(org.as_str()));
    assert!(!open.subscription_type.is_unknown());
    assert!(
        !open.currency.is_empty() && !open.enabled_products.is_empty() && !open.usages.is_empty()
    );
    for field in [
        &open.id,
        &open.name,
        &open.minimum_monthly_amount,
        &open.self_uri,
    ] {
        assert!(field.is_some());
    }
    for date in [
        open.ramp_period_start_date,
        open.ramp_period_end_date,
        open.billing_period_start_date,
        open.billing_period_end_date,
        open.contract_amendment_date,
        open.contract_effective_date,
        open.contract_end_date,
    ] {
        assert!(date.is_some());
    }
    assert!(open.in_ramp_period.is_some());
    let usage = &open.usages[0];
    assert!(
        usage.overage_price.is_some()
            && usage.prepay_price.is_some()
            && usage.is_cancellable.is_some()
            && usage.bundle_quantity.is_some()
            && usage.is_third_party.is_some()
    );

    let closed = client
        .get_billing_trusteebillingoverview_trustor_org_id(&org, Some(1))
        .await
        .unwrap();
    assert!(
        closed.billing_period_end_date
            < open
                .billing_period_start_date
                .map(|d| d + chrono::Duration::days(1))
    );
    assert_ne!(
        open.billing_period_start_date,
        closed.billing_period_start_date
    );
    let _ = TrusteeBillingOverviewSubscriptionType::KNOWN;

    let sent: Vec<String> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path().starts_with("/api/"))
        .map(|r| r.path_and_query)
        .collect();
    assert_eq!(
        sent,
        [
            format!("/api/v2/billing/trusteebillingoverview/{org}"),
            format!("/api/v2/billing/trusteebillingoverview/{org}?billingPeriodIndex=1"),
        ],
        "billingPeriodIndex is sent only when given"
    );
}

#[tokio::test]
async fn hostile_org_ids_cannot_change_the_request_path() {
    let (sandbox, client) = common::start(Sandbox::builder()).await;
    for hostile in [
        "../reports/billableusage",
        "a/b",
        "x?billingPeriodIndex=7",
        "frag#ment",
        "spa ce",
        "ünïcødé",
        "%2F",
        "...",
        "a+b&c=d",
    ] {
        sandbox.clear_requests();
        let err = client
            .get_billing_trusteebillingoverview_trustor_org_id(hostile, Some(2))
            .await
            .unwrap_err();
        assert_eq!(
            err.status(),
            Some(http::StatusCode::NOT_FOUND),
            "{hostile}: {err}"
        );
        assert_eq!(err.error_body().unwrap().code.as_deref(), Some("not.found"));
        let sent = sandbox
            .requests()
            .into_iter()
            .find(|r| r.path().starts_with("/api/"))
            .unwrap();
        let (path, query) = sent.path_and_query.split_once('?').unwrap();
        let segment = path
            .strip_prefix("/api/v2/billing/trusteebillingoverview/")
            .unwrap();
        assert!(
            !segment.contains('/'),
            "{hostile} escaped its segment: {path}"
        );
        let decoded = percent_encoding::percent_decode_str(segment)
            .decode_utf8()
            .unwrap();
        assert_eq!(decoded, hostile);
        assert_eq!(query, "billingPeriodIndex=2");
    }
    for refused in ["", ".", ".."] {
        let err = client
            .get_billing_trusteebillingoverview_trustor_org_id(refused, None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                billing_api::Error::InvalidInput {
                    parameter: "trustorOrgId",
                    ..
                }
            ),
            "{err}"
        );
    }
}
