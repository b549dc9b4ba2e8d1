//! The wire models against realistic fixtures: every fixture parses and round-trips, unknown
//! enum values and fields survive, required fields are enforced.

use billing_models::{
    BillingUsageReport, BillingUsageReportStatus, ErrorBody, LimitNamespace,
    TrusteeBillingOverview, TrusteeBillingOverviewSubscriptionType,
};
use billing_tests::{fixture, fixture_names};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

fn parse<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Parses a fixture as `T`, serializes it again, and returns (input, output) as JSON values.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> (Value, Value) {
    let value: T = parse(name);
    let input: Value = serde_json::from_str(&fixture(name)).unwrap();
    (input, serde_json::to_value(&value).unwrap())
}

#[test]
fn every_fixture_round_trips_to_equal_json() {
    let names = fixture_names();
    assert!(names.len() >= 10, "fixtures missing: {names:?}");
    for name in names {
        if name == "report_in_progress_no_usages.json" {
            continue; // checked below: a required array left out comes back as `[]`.
        }
        let (input, output) = match name.split('_').next().unwrap() {
            "report" => round_trip::<BillingUsageReport>(&name),
            "overview" => round_trip::<TrusteeBillingOverview>(&name),
            "error" => round_trip::<ErrorBody>(&name),
            other => panic!("fixture {name}: unknown model prefix {other}"),
        };
        assert_eq!(input, output, "{name} did not round-trip");
    }
}

#[test]
fn in_progress_report_without_usages_decodes_as_empty() {
    let report: BillingUsageReport = parse("report_in_progress_no_usages.json");
    assert_eq!(report.status, Some(BillingUsageReportStatus::InProgress));
    assert!(report.usages.is_empty());
    let (mut input, output) = round_trip::<BillingUsageReport>("report_in_progress_no_usages.json");
    input["usages"] = Value::Array(vec![]);
    assert_eq!(input, output, "only the required `usages` is added, as []");
}

#[test]
fn complete_report_decodes_every_field() {
    let report: BillingUsageReport = parse("report_complete.json");
    assert_eq!(report.status, Some(BillingUsageReportStatus::Complete));
    assert_eq!(report.usages.len(), 5);
    let resources: usize = report.usages.iter().map(|u| u.resources.len()).sum();
    assert_eq!(resources, 22);
    for usage in &report.usages {
        assert_eq!(usage.total_usage, format!("{}.0", usage.resources.len()));
        for r in &usage.resources {
            assert!(
                r.date >= report.start_date && r.date < report.end_date,
                "{} outside the period",
                r.date
            );
        }
    }
    assert!(report.unknown_fields.is_empty());
    insta::assert_debug_snapshot!(report);
}

#[test]
fn overview_decodes_all_17_fields() {
    let overview: TrusteeBillingOverview = parse("overview_full.json");
    let json: Value = serde_json::from_str(&fixture("overview_full.json")).unwrap();
    assert_eq!(json.as_object().unwrap().len(), 17);
    assert_eq!(
        overview.subscription_type,
        TrusteeBillingOverviewSubscriptionType::PrepayMonthlyCommitment
    );
    assert_eq!(
        overview.organization.name.as_deref(),
        Some("Northwind Contact Center")
    );
    assert_eq!(
        overview.usages[2].usage_quantity, "48250.5",
        "quantities stay strings"
    );
    assert_eq!(overview.in_ramp_period, Some(false));
    assert!(overview.unknown_fields.is_empty());
    insta::assert_debug_snapshot!(overview);
}

#[test]
fn error_bodies_decode_nested_errors_details_and_limits() {
    let nested: ErrorBody = parse("error_nested.json");
    assert_eq!(
        nested.errors.as_ref().unwrap()[0].errors.as_ref().unwrap()[0]
            .code
            .as_deref(),
        Some("constraint.validation")
    );
    assert_eq!(
        nested.details.as_ref().unwrap()[0].field_name.as_deref(),
        Some("billingPeriodIndex")
    );
    assert_eq!(nested.message_params.as_ref().unwrap()["value"], "abc");
    insta::assert_debug_snapshot!(nested);

    let limited: ErrorBody = parse("error_429_limit.json");
    let limit = limited.limit.as_ref().unwrap();
    assert_eq!(limit.namespace, Some(LimitNamespace::PlatformApi));
    assert_eq!(limit.value, Some(300));
    insta::assert_debug_snapshot!(limited);

    let invalid_date: ErrorBody = parse("error_400_invalid_date.json");
    assert_eq!(
        (invalid_date.status, invalid_date.code.as_deref()),
        (Some(400), Some("invalid.date"))
    );
    let not_found: ErrorBody = parse("error_404_not_found.json");
    assert_eq!(not_found.code.as_deref(), Some("not.found"));
}

#[test]
fn unknown_enum_values_and_fields_survive() {
    let report: BillingUsageReport = parse("report_unknown_values.json");
    assert_eq!(
        report.status,
        Some(BillingUsageReportStatus::Unknown("Archived".into()))
    );
    assert!(report.status.as_ref().unwrap().is_unknown());
    assert_eq!(
        report.unknown_fields["archivedAt"],
        "2026-11-20T10:00:00.000Z"
    );
    assert_eq!(report.usages[0].unknown_fields["unitPrice"], "155.00");
    assert_eq!(
        report.usages[0].resources[0].unknown_fields["seat"]["weight"],
        1.5
    );

    let overview: TrusteeBillingOverview = parse("overview_unknown_values.json");
    assert_eq!(overview.subscription_type.as_str(), "USAGE_BASED_FLEX");
    assert_eq!(overview.organization.unknown_fields["region"], "eu-west-1");

    let error: ErrorBody = parse("error_unknown_values.json");
    assert_eq!(
        error.limit.unwrap().namespace,
        Some(LimitNamespace::Unknown("billing.reports".into()))
    );

    // Byte for byte: the unknown value is written back exactly as it came.
    let text = serde_json::to_string(&report).unwrap();
    assert!(text.contains(r#""status":"Archived""#), "{text}");
}

#[test]
fn a_missing_required_field_is_named_in_the_error() {
    let mut json: Value = serde_json::from_str(&fixture("report_complete.json")).unwrap();
    json["usages"][1]
        .as_object_mut()
        .unwrap()
        .remove("totalUsage");
    let err = serde_json::from_value::<BillingUsageReport>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `totalUsage`"), "{err}");

    let mut json: Value = serde_json::from_str(&fixture("overview_full.json")).unwrap();
    json.as_object_mut().unwrap().remove("subscriptionType");
    let err = serde_json::from_value::<TrusteeBillingOverview>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `subscriptionType`"), "{err}");
}

#[test]
fn wrong_types_and_duplicate_keys_are_errors() {
    let err = serde_json::from_str::<BillingUsageReport>(
        r#"{"startDate":"2026-10-01","endDate":"2026-11-01T00:00:00Z"}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("invalid date-time \"2026-10-01\""),
        "{err}"
    );
    let err = serde_json::from_str::<ErrorBody>(r#"{"status":"four hundred"}"#).unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
    let err = serde_json::from_str::<ErrorBody>(r#"{"code":"a","code":"b"}"#).unwrap_err();
    assert!(err.to_string().contains("duplicate field `code`"), "{err}");
    assert!(serde_json::from_str::<ErrorBody>("[]").is_err());
}

#[test]
fn date_times_accept_any_offset_and_are_written_in_the_server_form() {
    let report: BillingUsageReport = serde_json::from_str(
        r#"{"startDate":"2026-10-01T02:00:00+02:00","endDate":"2026-10-31T19:00:00.5-05:00","usages":[]}"#,
    )
    .unwrap();
    let out = serde_json::to_value(&report).unwrap();
    assert_eq!(out["startDate"], "2026-10-01T00:00:00.000Z");
    assert_eq!(out["endDate"], "2026-11-01T00:00:00.500Z");
    // Sub-millisecond precision is kept rather than cut.
    let precise: BillingUsageReport = serde_json::from_str(
        r#"{"startDate":"2026-10-01T00:00:00.1234567Z","endDate":"2026-11-01T00:00:00Z"}"#,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&precise).unwrap()["startDate"],
        "2026-10-01T00:00:00.123456700Z"
    );
}

#[test]
fn enums_convert_both_ways() {
    use TrusteeBillingOverviewSubscriptionType as T;
    assert_eq!(T::from("MONTH_TO_MONTH"), T::MonthToMonth);
    assert_eq!(T::DevOrgPrepay.to_string(), "DEV_ORG_PREPAY");
    assert_eq!("ININ".parse::<T>().unwrap(), T::Inin);
    assert_eq!(
        T::from("month_to_month"),
        T::Unknown("month_to_month".into()),
        "matching is exact"
    );
    assert_eq!(T::KNOWN.len(), 8);
    for known in T::KNOWN {
        assert_eq!(T::from(*known).as_str(), *known);
        assert!(!T::from(*known).is_unknown());
    }
    assert_eq!(LimitNamespace::KNOWN.len(), 95);
    assert_eq!(
        LimitNamespace::from("organization.notice"),
        LimitNamespace::OrganizationNotice
    );
}

#[test]
fn models_can_be_built_in_user_code() {
    use billing_models::{NamedEntity, SubscriptionOverviewUsage};
    let overview = TrusteeBillingOverview::default()
        .with_organization(NamedEntity::default().with_id("org-1"))
        .with_currency("EUR")
        .with_subscription_type("PREPAY")
        .with_usages(vec![
            SubscriptionOverviewUsage::default()
                .with_name("CX 2")
                .with_usage_quantity("3"),
        ]);
    let json = serde_json::to_value(&overview).unwrap();
    assert_eq!(json["subscriptionType"], "PREPAY");
    assert_eq!(json["organization"]["id"], "org-1");
    assert_eq!(json["usages"][0]["usageQuantity"], "3");
    assert!(
        json.get("rampPeriodStartDate").is_none(),
        "None is left out"
    );
    assert_eq!(
        json["enabledProducts"],
        Value::Array(vec![]),
        "required arrays are always written"
    );
}
