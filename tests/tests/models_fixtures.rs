//! The wire models against realistic fixtures: every fixture parses and round-trips, unknown
//! enum values and fields survive, required fields are enforced, numbers are exact decimals
//! and dates are `yyyy-MM-dd`.

use billing_models::{
    BillingContract, BillingContractListing, BillingContractPeriodDetail,
    BillingContractPeriodStatus, BillingContractStatus, BillingInvoice, BillingInvoiceItemListing,
    BillingInvoiceListing, BillingInvoicePaymentStatus, BillingUnitOfMeasure, BillingUsageReport,
    BillingUsageReportStatus, Decimal, ErrorBody, LimitNamespace, OrganizationProductPlatform,
    OrganizationState, TrusteeBillingOverview, TrusteeBillingOverviewSubscriptionType, Trustor,
    TrustorEntityListing, UrlResponse,
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
    assert!(names.len() >= 24, "fixtures missing: {names:?}");
    for name in names {
        if name == "report_in_progress_no_usages.json" {
            continue; // checked below: a required array left out comes back as `[]`.
        }
        let (input, output) = match name.split('_').next().unwrap() {
            "report" => round_trip::<BillingUsageReport>(&name),
            "overview" => round_trip::<TrusteeBillingOverview>(&name),
            "error" => round_trip::<ErrorBody>(&name),
            "contract" => round_trip::<BillingContract>(&name),
            "contracts" => round_trip::<BillingContractListing>(&name),
            "period" => round_trip::<BillingContractPeriodDetail>(&name),
            "invoice" => round_trip::<BillingInvoice>(&name),
            "invoices" => round_trip::<BillingInvoiceListing>(&name),
            "lines" => round_trip::<BillingInvoiceItemListing>(&name),
            "document" => round_trip::<UrlResponse>(&name),
            "trustor" => round_trip::<Trustor>(&name),
            "trustors" => round_trip::<TrustorEntityListing>(&name),
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

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// JSON text without the whitespace between tokens (strings untouched), so a fixture written in
/// the models' field order can be compared byte for byte with what the models write.
fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

#[test]
fn contract_decodes_customers_periods_plans_and_exact_prices() {
    let contract: BillingContract = parse("contract_full.json");
    assert_eq!(contract.status, Some(BillingContractStatus::Active));
    assert_eq!(contract.date_start, Some(date(2026, 1, 1)));
    assert_eq!(contract.date_ramp_end, Some(date(2026, 3, 31)));
    assert_eq!(
        contract.bill_to_customer.as_ref().unwrap().name.as_deref(),
        Some("Northwind Partners Ltd")
    );
    let periods = contract.billing_periods.as_ref().unwrap();
    assert_eq!(periods.len(), 2);
    let items = contract.plans.as_ref().unwrap()[0].items.as_ref().unwrap();
    assert_eq!(items[0].price, Some(dec("155.00")));
    assert_eq!(items[0].price.unwrap().to_string(), "155.00", "scale kept");
    assert_eq!(items[1].overage_price.unwrap().to_string(), "0.0125");
    assert_eq!(items[1].quantity, Some(50000));
    assert!(contract.unknown_fields.is_empty());
    insta::assert_debug_snapshot!(contract);

    let page: BillingContractListing = parse("contracts_page.json");
    let entities = page.entities.as_ref().unwrap();
    assert_eq!(entities[1].status, Some(BillingContractStatus::Inactive));
    assert!(page.next_uri.as_deref().unwrap().contains("after="));
    insta::assert_debug_snapshot!(page);
}

#[test]
fn period_detail_decodes_charges_and_wallets() {
    let detail: BillingContractPeriodDetail = parse("period_detail.json");
    let charge = &detail.charges.as_ref().unwrap()[0];
    let overage = charge.actual_quantity.unwrap() - charge.prepaid_quantity.unwrap();
    assert_eq!(overage, charge.overage_quantity.unwrap());
    assert_eq!(
        charge.overage_quantity.unwrap() * charge.overage_rate.unwrap(),
        charge.overage_charge.unwrap(),
        "22 × 215.00 = 4730.00, exactly"
    );
    let wallet = &detail.wallets.as_ref().unwrap()[0];
    assert_eq!(
        wallet.starting_balance.unwrap() - wallet.balance_consumption.unwrap(),
        wallet.ending_balance.unwrap()
    );
    // One type per shared enum: a wallet's unit compares with its product's, a period detail's
    // status with a contract period's.
    assert_eq!(wallet.unit_of_measure, Some(BillingUnitOfMeasure::Token));
    assert_eq!(
        wallet.unit_of_measure,
        wallet.product.as_ref().unwrap().unit_of_measure
    );
    let contract: BillingContract = parse("contract_full.json");
    let period = &contract.billing_periods.as_ref().unwrap()[0];
    assert_eq!(period.id, detail.id);
    assert_eq!(period.status, detail.status);
    assert_eq!(detail.status, Some(BillingContractPeriodStatus::Closed));
    insta::assert_debug_snapshot!(detail);
}

#[test]
fn invoices_decode_addresses_dates_and_amounts() {
    let invoice: BillingInvoice = parse("invoice_full.json");
    assert_eq!(invoice.date_invoiced, Some(date(2026, 11, 3)));
    assert_eq!(
        invoice.payment_status,
        Some(BillingInvoicePaymentStatus::Unpaid)
    );
    assert_eq!(invoice.amount.unwrap().to_string(), "23330.00");
    assert_eq!(
        invoice
            .bill_to_address
            .as_ref()
            .unwrap()
            .city_name
            .as_deref(),
        Some("Seattle")
    );
    insta::assert_debug_snapshot!(invoice);

    let page: BillingInvoiceListing = parse("invoices_page.json");
    let total: Decimal = page
        .entities
        .as_ref()
        .unwrap()
        .iter()
        .filter_map(|i| i.amount)
        .sum();
    assert_eq!(total.to_string(), "46145.50");
    assert!(page.next_uri.is_none(), "the last page has no nextUri");
    insta::assert_debug_snapshot!(page);

    let document: UrlResponse = parse("document_url.json");
    assert!(document.url.as_deref().unwrap().starts_with("https://"));
    insta::assert_debug_snapshot!(document);
}

#[test]
fn ten_invoice_lines_of_a_tenth_add_up_to_exactly_one() {
    let page: BillingInvoiceItemListing = parse("lines_ten_tenths.json");
    let lines = page.entities.as_ref().unwrap();
    assert_eq!(lines.len(), 10);
    let sum: Decimal = lines.iter().map(|l| l.amount.unwrap()).sum();
    assert_eq!(sum, dec("1"));
    assert_eq!(sum.to_string(), "1.00");
    assert_ne!(
        (0..10).map(|_| 0.10_f64).sum::<f64>(),
        1.0,
        "what a binary float would have made of it"
    );
    assert_eq!(lines[0].date_transacted, Some(date(2026, 10, 1)));
    assert_eq!(
        lines[0].unit_of_measure,
        Some(BillingUnitOfMeasure::Message)
    );
    insta::assert_debug_snapshot!(page);
}

#[test]
fn numbers_and_dates_are_written_back_byte_for_byte() {
    // The fixture lists fields in spec order, so the models' output is the input, minified.
    let text = fixture("lines_ten_tenths.json");
    let page: BillingInvoiceItemListing = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&page).unwrap(), minify(&text));
    assert!(
        serde_json::to_string(&page)
            .unwrap()
            .contains(r#""amount":0.10}"#)
    );

    // Beyond what an f64 holds: 28 significant digits, read and written exactly.
    let invoice: BillingInvoice = parse("invoice_unknown_values.json");
    assert_eq!(
        invoice.amount.unwrap().to_string(),
        "12345678901234567890.12345678"
    );
    let written = serde_json::to_string(&invoice).unwrap();
    assert!(
        written.contains(r#""amount":12345678901234567890.12345678"#),
        "{written}"
    );
    // Through bytes and a writer too (the client decodes from bytes).
    let from_bytes: BillingInvoice =
        serde_json::from_slice(fixture("invoice_unknown_values.json").as_bytes()).unwrap();
    assert_eq!(from_bytes, invoice);
    let mut buffer = Vec::new();
    serde_json::to_writer(&mut buffer, &invoice).unwrap();
    assert_eq!(String::from_utf8(buffer).unwrap(), written);
}

#[test]
fn numbers_that_do_not_fit_are_errors_not_roundings() {
    for (amount, expected) in [
        ("1e-29", "does not fit"),
        ("0.12345678901234567890123456789", "does not fit"),
        ("79228162514264337593543950336", "does not fit"),
        ("1e400", "does not fit"),
        (r#""1.00""#, "expected a JSON number"),
        ("true", "expected a JSON number"),
    ] {
        let json = format!(r#"{{"id":"inv-1","amount":{amount}}}"#);
        let err = serde_json::from_str::<BillingInvoice>(&json).unwrap_err();
        assert!(err.to_string().contains(expected), "{amount}: {err}");
    }
    // Exponents are applied exactly; null is an absent amount.
    let invoice: BillingInvoice = serde_json::from_str(r#"{"amount":1.5E+3}"#).unwrap();
    assert_eq!(invoice.amount, Some(dec("1500")));
    let invoice: BillingInvoice = serde_json::from_str(r#"{"amount":null}"#).unwrap();
    assert_eq!(invoice.amount, None);
}

#[test]
fn dates_are_strict_yyyy_mm_dd() {
    for bad in [
        "2026-02-30",
        "2026-2-3",
        "2026-02-03T00:00:00Z",
        "03/02/2026",
        "",
    ] {
        let json = format!(r#"{{"dateInvoiced":"{bad}"}}"#);
        let err = serde_json::from_str::<BillingInvoice>(&json).unwrap_err();
        assert!(err.to_string().contains("invalid date"), "{bad}: {err}");
    }
    let invoice = BillingInvoice::default().with_date_invoiced(date(812, 1, 9));
    assert_eq!(
        serde_json::to_value(&invoice).unwrap()["dateInvoiced"],
        "0812-01-09"
    );
}

#[test]
fn unknown_billing_values_and_fields_survive() {
    let contract: BillingContract = parse("contract_unknown_values.json");
    assert_eq!(
        contract.status,
        Some(BillingContractStatus::Unknown("Suspended".into()))
    );
    assert_eq!(contract.unknown_fields["renewal"]["noticeDays"], 90);
    let period = &contract.billing_periods.as_ref().unwrap()[0];
    assert_eq!(period.status.as_ref().unwrap().as_str(), "Reopened");
    assert_eq!(period.unknown_fields["closedBy"], "billing-ops");
    let plan = &contract.plans.as_ref().unwrap()[0];
    let product = plan.product.as_ref().unwrap();
    assert!(product.unit_of_measure.as_ref().unwrap().is_unknown());
    assert_eq!(product.unknown_fields["family"], "telephony");
    assert_eq!(
        plan.items.as_ref().unwrap()[0].unknown_fields["tier"]["to"],
        1000.5
    );

    let invoice: BillingInvoice = parse("invoice_unknown_values.json");
    assert_eq!(
        invoice.payment_status,
        Some(BillingInvoicePaymentStatus::Unknown("PartiallyPaid".into()))
    );
    assert_eq!(
        invoice
            .bill_to_address
            .as_ref()
            .unwrap()
            .address_type
            .as_ref()
            .unwrap()
            .as_str(),
        "Remit"
    );
    assert_eq!(invoice.unknown_fields["dunningLevel"], 1);
    let text = serde_json::to_string(&invoice).unwrap();
    assert!(
        text.contains(r#""paymentStatus":"PartiallyPaid""#),
        "{text}"
    );
    // `UnPaid` is the query parameter's spelling; the field's is `Unpaid`.
    assert_eq!(
        BillingInvoicePaymentStatus::from("UnPaid"),
        BillingInvoicePaymentStatus::Unknown("UnPaid".into())
    );

    let lines: BillingInvoiceItemListing = parse("lines_unknown_values.json");
    let line = &lines.entities.as_ref().unwrap()[0];
    assert_eq!(
        line.unit_of_measure,
        Some(BillingUnitOfMeasure::Unknown("Kilotoken".into()))
    );
    assert_eq!(line.unknown_fields["discounts"][0]["code"], "LOYALTY");
    assert_eq!(lines.unknown_fields["total"], 1);
}

#[test]
fn trustors_decode_with_a_narrow_created_by_that_loses_nothing() {
    let trustor: Trustor = parse("trustor_full.json");
    assert!(trustor.enabled);
    let org = trustor.organization.as_ref().unwrap();
    assert_eq!(org.name.as_deref(), Some("Northwind Contact Center"));
    assert_eq!(org.state, Some(OrganizationState::Active));
    assert_eq!(
        org.product_platform,
        Some(OrganizationProductPlatform::GenesysCloud)
    );
    assert!(org.features.as_ref().unwrap()["purecloud"]);
    let created_by = trustor.created_by.as_ref().unwrap();
    assert_eq!(created_by.email.as_deref(), Some("ada@partner.example.com"));
    assert_eq!(created_by.version, Some(17));
    // The properties the pinned spec leaves out of OrgUser are kept as JSON.
    let mut kept: Vec<&String> = created_by.unknown_fields.keys().collect();
    kept.sort();
    assert_eq!(
        kept,
        ["division", "manager", "primaryContactInfo", "selfUri"]
    );
    assert_eq!(created_by.unknown_fields["division"]["name"], "Home");
    assert_eq!(
        trustor
            .authorization
            .as_ref()
            .unwrap()
            .permissions
            .as_ref()
            .unwrap()
            .len(),
        2
    );
    insta::assert_debug_snapshot!(trustor);

    let page: TrustorEntityListing = parse("trustors_page.json");
    assert_eq!(
        (
            page.page_size,
            page.page_number,
            page.total,
            page.page_count
        ),
        (Some(2), Some(1), Some(31_i64), Some(16))
    );
    let disabled = &page.entities.as_ref().unwrap()[1];
    assert!(!disabled.enabled);
    let org = disabled.organization.as_ref().unwrap();
    assert_eq!(
        org.product_platform,
        Some(OrganizationProductPlatform::UnknownValue),
        "the wire value `Unknown` is a known value"
    );
    assert_eq!(
        page.entities.as_ref().unwrap()[0]
            .organization
            .as_ref()
            .unwrap()
            .version,
        None,
        "an organization without `version` still decodes"
    );
    insta::assert_debug_snapshot!(page);

    let unknown: Trustor = parse("trustor_unknown_values.json");
    let org = unknown.organization.as_ref().unwrap();
    assert_eq!(
        org.state,
        Some(OrganizationState::Unknown("archived".into()))
    );
    assert!(org.product_platform.as_ref().unwrap().is_unknown());
    assert_eq!(org.unknown_fields["region"], "ap-southeast-2");
    assert_eq!(unknown.unknown_fields["trustType"], "Partner");

    let err = serde_json::from_str::<Trustor>(r#"{"id":"t-1"}"#).unwrap_err();
    assert!(err.to_string().contains("missing field `enabled`"), "{err}");
}
