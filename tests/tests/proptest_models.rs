//! Property tests of the models: any value round-trips through JSON unchanged (unknown enum
//! values and unknown fields included), and no input, however hostile, makes a decoder panic.
//!
//! Case counts are modest so the whole file runs in a few seconds; `PROPTEST_CASES=10000`
//! runs more.

use billing_models::{
    BillingCharge, BillingContract, BillingContractListing, BillingContractPeriodDetail,
    BillingInvoice, BillingInvoiceItem, BillingInvoiceItemListing, BillingInvoiceListing,
    BillingUsage, BillingUsageReport, BillingUsageReportStatus, BillingUsageResource, Decimal,
    Detail, ErrorBody, Limit, LimitNamespace, NamedEntity, SubscriptionOverviewUsage,
    TrusteeBillingOverview, TrusteeBillingOverviewSubscriptionType, Trustor, TrustorEntityListing,
    UrlResponse,
};
use billing_models::{date, datetime, decimal};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Any string, control characters, quotes, backslashes and non-BMP characters included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 ._:-]{0,12}",
        1 => any::<String>(),
        1 => "[\"\\\\\u{0}-\u{1f}\u{7f}\u{2028}\u{fffd}\u{1f600}]{0,6}",
    ]
}

fn opt<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

/// Year 1 to 9999 (what RFC 3339 can write), whole milliseconds, as the server sends them.
fn timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    (-62_135_596_800_000i64..=253_402_300_799_999i64)
        .prop_map(|ms| DateTime::from_timestamp_millis(ms).expect("in range"))
}

/// Any precision down to the nanosecond: the writer keeps the digits it needs.
fn precise_timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    (-62_135_596_800i64..=253_402_300_799i64, 0u32..1_000_000_000)
        .prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).expect("in range"))
}

/// JSON without floats: serde_json's default float parsing is best-effort, so a float may not
/// survive text → value → text bit for bit; that is serde_json's documented trade-off, not the
/// models'.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Fields the spec does not know. The `x-` prefix keeps them from colliding with a wire name.
fn unknown_fields() -> impl Strategy<Value = Map<String, Value>> {
    prop_oneof![
        2 => Just(Map::new()),
        1 => prop::collection::btree_map(text().prop_map(|k| format!("x-{k}")), json_value(), 1..3)
            .prop_map(|m| m.into_iter().collect()),
    ]
}

/// Known values and anything else; built with `From`, as the decoder builds them.
fn report_status() -> impl Strategy<Value = BillingUsageReportStatus> {
    prop_oneof![
        prop::sample::select(BillingUsageReportStatus::KNOWN)
            .prop_map(BillingUsageReportStatus::from),
        text().prop_map(BillingUsageReportStatus::from),
    ]
}

fn subscription_type() -> impl Strategy<Value = TrusteeBillingOverviewSubscriptionType> {
    prop_oneof![
        prop::sample::select(TrusteeBillingOverviewSubscriptionType::KNOWN)
            .prop_map(TrusteeBillingOverviewSubscriptionType::from),
        text().prop_map(TrusteeBillingOverviewSubscriptionType::from),
    ]
}

fn namespace() -> impl Strategy<Value = LimitNamespace> {
    prop_oneof![
        prop::sample::select(LimitNamespace::KNOWN).prop_map(LimitNamespace::from),
        text().prop_map(LimitNamespace::from),
    ]
}

fn resource() -> impl Strategy<Value = BillingUsageResource> {
    (text(), timestamp(), unknown_fields()).prop_map(|(name, date, unknown)| {
        let mut r = BillingUsageResource::default()
            .with_name(name)
            .with_date(date);
        r.unknown_fields = unknown;
        r
    })
}

fn usage() -> impl Strategy<Value = BillingUsage> {
    (
        text(),
        text(),
        prop::collection::vec(resource(), 0..4),
        unknown_fields(),
    )
        .prop_map(|(name, total, resources, unknown)| {
            let mut u = BillingUsage::default()
                .with_name(name)
                .with_total_usage(total)
                .with_resources(resources);
            u.unknown_fields = unknown;
            u
        })
}

fn report() -> impl Strategy<Value = BillingUsageReport> {
    (
        opt(text()),
        opt(text()),
        timestamp(),
        timestamp(),
        opt(report_status()),
        prop::collection::vec(usage(), 0..4),
        opt(text()),
        unknown_fields(),
    )
        .prop_map(
            |(id, name, start, end, status, usages, self_uri, unknown)| {
                let mut r = BillingUsageReport::default()
                    .with_start_date(start)
                    .with_end_date(end)
                    .with_usages(usages);
                r.id = id;
                r.name = name;
                r.status = status;
                r.self_uri = self_uri;
                r.unknown_fields = unknown;
                r
            },
        )
}

fn named_entity() -> impl Strategy<Value = NamedEntity> {
    (opt(text()), opt(text()), unknown_fields()).prop_map(|(id, name, unknown)| {
        let mut n = NamedEntity::default();
        n.id = id;
        n.name = name;
        n.unknown_fields = unknown;
        n
    })
}

fn overview_usage() -> impl Strategy<Value = SubscriptionOverviewUsage> {
    (
        (text(), text(), text(), text(), text(), text()),
        (
            opt(text()),
            opt(text()),
            opt(text()),
            opt(any::<bool>()),
            opt(text()),
            opt(any::<bool>()),
            unknown_fields(),
        ),
    )
        .prop_map(
            |(
                (name, part, grouping, unit, quantity, prepay_quantity),
                (overage, prepay_price, notes, cancellable, bundle, third_party, unknown),
            )| {
                let mut u = SubscriptionOverviewUsage::default();
                u.name = name;
                u.part_number = part;
                u.grouping = grouping;
                u.unit_of_measure_type = unit;
                u.usage_quantity = quantity;
                u.prepay_quantity = prepay_quantity;
                u.overage_price = overage;
                u.prepay_price = prepay_price;
                u.usage_notes = notes;
                u.is_cancellable = cancellable;
                u.bundle_quantity = bundle;
                u.is_third_party = third_party;
                u.unknown_fields = unknown;
                u
            },
        )
}

fn overview() -> impl Strategy<Value = TrusteeBillingOverview> {
    let dates = prop::collection::vec(opt(timestamp()), 7..=7);
    (
        (
            opt(text()),
            opt(text()),
            named_entity(),
            text(),
            prop::collection::vec(text(), 0..4),
            subscription_type(),
        ),
        dates,
        (
            prop::collection::vec(overview_usage(), 0..3),
            opt(text()),
            opt(any::<bool>()),
            opt(text()),
            unknown_fields(),
        ),
    )
        .prop_map(
            |(
                (id, name, organization, currency, products, subscription),
                dates,
                (usages, minimum, in_ramp, self_uri, unknown),
            )| {
                let mut o = TrusteeBillingOverview::default();
                o.id = id;
                o.name = name;
                o.organization = organization;
                o.currency = currency;
                o.enabled_products = products;
                o.subscription_type = subscription;
                o.ramp_period_start_date = dates[0];
                o.ramp_period_end_date = dates[1];
                o.billing_period_start_date = dates[2];
                o.billing_period_end_date = dates[3];
                o.contract_amendment_date = dates[4];
                o.contract_effective_date = dates[5];
                o.contract_end_date = dates[6];
                o.usages = usages;
                o.minimum_monthly_amount = minimum;
                o.in_ramp_period = in_ramp;
                o.self_uri = self_uri;
                o.unknown_fields = unknown;
                o
            },
        )
}

fn detail() -> impl Strategy<Value = Detail> {
    (
        opt(text()),
        opt(text()),
        opt(text()),
        opt(text()),
        unknown_fields(),
    )
        .prop_map(|(code, field, id, name, unknown)| {
            let mut d = Detail::default();
            d.error_code = code;
            d.field_name = field;
            d.entity_id = id;
            d.entity_name = name;
            d.unknown_fields = unknown;
            d
        })
}

fn limit() -> impl Strategy<Value = Limit> {
    (
        opt(text()),
        opt(namespace()),
        opt(any::<i64>()),
        unknown_fields(),
    )
        .prop_map(|(key, namespace, value, unknown)| {
            let mut l = Limit::default();
            l.key = key;
            l.namespace = namespace;
            l.value = value;
            l.unknown_fields = unknown;
            l
        })
}

/// An `ErrorBody` whose `errors` nest further `ErrorBody`s, three levels deep at most.
fn error_body() -> impl Strategy<Value = ErrorBody> {
    let flat = (
        (
            opt(text()),
            opt(text()),
            opt(any::<i32>()),
            opt(text()),
            opt(text()),
            opt(text()),
        ),
        (
            opt(prop::collection::btree_map(text(), text(), 0..3)),
            opt(text()),
            opt(prop::collection::vec(detail(), 0..3)),
            opt(limit()),
            unknown_fields(),
        ),
    )
        .prop_map(
            |(
                (message, code, status, entity_id, entity_name, with_params),
                (params, context, details, limit, unknown),
            )| {
                let mut e = ErrorBody::default();
                e.message = message;
                e.code = code;
                e.status = status;
                e.entity_id = entity_id;
                e.entity_name = entity_name;
                e.message_with_params = with_params;
                e.message_params = params;
                e.context_id = context;
                e.details = details;
                e.limit = limit;
                e.unknown_fields = unknown;
                e
            },
        );
    flat.prop_recursive(3, 12, 3, |inner| {
        (inner.clone(), opt(prop::collection::vec(inner, 0..3))).prop_map(|(mut e, errors)| {
            e.errors = errors;
            e
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Round trips

/// Writes a model as JSON text and reads it back, which must give the model again; answers
/// what was read and the text.
fn through_text<T>(value: &T) -> Result<(T, String), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("{e}: the model wrote {text}")))?;
    prop_assert_eq!(&back, value, "through {}", text);
    Ok((back, text))
}

fn round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    through_text(value)?;
    // Through a `Value` too (another deserializer: owned keys, no borrowing).
    let tree = serde_json::to_value(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = serde_json::from_value(tree).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, value);
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn billing_usage_report_round_trips(value in report()) {
        round_trip(&value)?;
    }

    #[test]
    fn trustee_billing_overview_round_trips(value in overview()) {
        round_trip(&value)?;
    }

    #[test]
    fn error_body_round_trips(value in error_body()) {
        round_trip(&value)?;
    }

    #[test]
    fn nested_models_round_trip(
        usage in usage(),
        resource in resource(),
        entity in named_entity(),
        overview_usage in overview_usage(),
        detail in detail(),
        limit in limit(),
    ) {
        round_trip(&usage)?;
        round_trip(&resource)?;
        round_trip(&entity)?;
        round_trip(&overview_usage)?;
        round_trip(&detail)?;
        round_trip(&limit)?;
    }

    #[test]
    fn timestamps_are_written_with_milliseconds_and_read_back(t in timestamp()) {
        let text = datetime::format(&t);
        prop_assert_eq!(text.len(), "2024-05-01T00:00:00.000Z".len(), "{}", text);
        prop_assert!(text.ends_with('Z'));
        prop_assert_eq!(datetime::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?, t);
    }

    #[test]
    fn sub_millisecond_timestamps_lose_nothing(t in precise_timestamp()) {
        let text = datetime::format(&t);
        prop_assert_eq!(datetime::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?, t, "{}", text);
    }

    #[test]
    fn any_offset_reads_as_the_same_instant(t in timestamp(), minutes in -(23 * 60 + 59)..=(23 * 60 + 59i32)) {
        let offset = chrono::FixedOffset::east_opt(minutes * 60).unwrap();
        let local = t.with_timezone(&offset);
        // A local time outside year 1..9999 cannot be written in RFC 3339.
        prop_assume!((1..=9999).contains(&chrono::Datelike::year(&local)));
        let text = local.to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
        prop_assert_eq!(datetime::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?, t, "{}", text);
    }
}

// ---------------------------------------------------------------------------------------------
// Exact numbers and dates

/// Any value a `Decimal` holds: a 96-bit integer and a scale of 0 to 28.
fn any_decimal() -> impl Strategy<Value = Decimal> {
    let max = (1i128 << 96) - 1;
    (-max..=max, 0u32..=28).prop_map(|(m, scale)| Decimal::from_i128_with_scale(m, scale))
}

/// Money as a server writes it: up to 9 integer digits and 2 to 4 decimal places.
fn amount() -> impl Strategy<Value = Decimal> {
    (-999_999_999_999i64..=999_999_999_999, 2u32..=4).prop_map(|(m, scale)| Decimal::new(m, scale))
}

fn naive_date() -> impl Strategy<Value = chrono::NaiveDate> {
    (0i32..=9999, 1u32..=366)
        .prop_filter_map("a real day", |(y, d)| chrono::NaiveDate::from_yo_opt(y, d))
}

fn invoice_item() -> impl Strategy<Value = BillingInvoiceItem> {
    (
        opt(text()),
        opt(naive_date()),
        opt(any::<i32>()),
        opt(any_decimal()),
        unknown_fields(),
    )
        .prop_map(|(id, day, quantity, amount, unknown)| {
            let mut item = BillingInvoiceItem::default();
            item.id = id;
            item.date_transacted = day;
            item.quantity = quantity;
            item.amount = amount;
            item.unknown_fields = unknown;
            item
        })
}

fn charge() -> impl Strategy<Value = BillingCharge> {
    (
        opt(any_decimal()),
        opt(any_decimal()),
        opt(amount()),
        opt(amount()),
    )
        .prop_map(|(prepaid, actual, rate, charge)| {
            let mut c = BillingCharge::default();
            c.prepaid_quantity = prepaid;
            c.actual_quantity = actual;
            c.overage_rate = rate;
            c.overage_charge = charge;
            c
        })
}

/// Through JSON text (the exact path) a model comes back equal, and written again it is the
/// same text: every decimal keeps its digits and its scale.
fn exact_round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let (back, text) = through_text(value)?;
    let again = serde_json::to_string(&back).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(again, text);
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn decimal_models_round_trip_exactly(item in invoice_item(), charge in charge()) {
        exact_round_trip(&item)?;
        exact_round_trip(&charge)?;
    }

    #[test]
    fn any_decimal_literal_reads_back_with_its_value_and_scale(d in any_decimal()) {
        let text = d.to_string();
        let read = decimal::parse_json_number(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read, d);
        prop_assert_eq!(read.to_string(), text);
        // The same value in exponent form.
        let scientific = format!("{}e-{}", d.mantissa(), d.scale());
        let read = decimal::parse_json_number(&scientific).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read, d, "{}", scientific);
    }

    #[test]
    fn sums_of_amounts_read_from_json_are_exact(cents in prop::collection::vec(-10_000_000i64..=10_000_000, 0..50)) {
        // The lines as a server writes them, and the sum computed independently in cents.
        let lines: Vec<String> = cents
            .iter()
            .map(|c| format!(r#"{{"amount":{}{}.{:02}}}"#, if *c < 0 { "-" } else { "" }, c.abs() / 100, c.abs() % 100))
            .collect();
        let json = format!(r#"{{"entities":[{}]}}"#, lines.join(","));
        let page: BillingInvoiceItemListing = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let sum: Decimal = page.entities.unwrap_or_default().iter().filter_map(|l| l.amount).sum();
        prop_assert_eq!(sum, Decimal::new(cents.iter().sum::<i64>(), 2));
    }

    #[test]
    fn dates_are_written_as_yyyy_mm_dd_and_read_back(d in naive_date()) {
        let text = date::format(&d);
        prop_assert_eq!(text.len(), 10, "{}", text);
        prop_assert_eq!(date::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?, d);
    }

    #[test]
    fn the_number_parser_never_panics(text in prop_oneof![
        any::<String>(),
        "-?[0-9]{0,40}(\\.[0-9]{0,40})?([eE][+-]?[0-9]{0,25})?",
    ]) {
        if let Ok(d) = decimal::parse_json_number(&text) {
            // Whatever it reads, it writes in a form it reads back as the same value.
            let written = d.to_string();
            prop_assert_eq!(decimal::parse_json_number(&written).map_err(|e| TestCaseError::fail(format!("{text:?} → {written:?}: {e}")))?, d);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile input: never a panic, and whatever decodes is stable.

/// Decodes `bytes` as every model; returns how many accepted it. A panic fails the test.
fn decode_all(bytes: &[u8]) -> Result<usize, TestCaseError> {
    fn one<T>(bytes: &[u8]) -> Result<usize, TestCaseError>
    where
        T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        match serde_json::from_slice::<T>(bytes) {
            Ok(value) => {
                // Whatever is accepted is written and read back to the same value (when it
                // holds no float, see `json_value`).
                let written =
                    serde_json::to_value(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
                if !has_float(&written) {
                    round_trip(&value)?;
                }
                Ok(1)
            }
            Err(_) => Ok(0),
        }
    }
    Ok(one::<BillingUsageReport>(bytes)?
        + one::<BillingContract>(bytes)?
        + one::<BillingContractListing>(bytes)?
        + one::<BillingContractPeriodDetail>(bytes)?
        + one::<BillingInvoice>(bytes)?
        + one::<BillingInvoiceListing>(bytes)?
        + one::<BillingInvoiceItemListing>(bytes)?
        + one::<UrlResponse>(bytes)?
        + one::<Trustor>(bytes)?
        + one::<TrustorEntityListing>(bytes)?
        + one::<BillingUsage>(bytes)?
        + one::<BillingUsageResource>(bytes)?
        + one::<TrusteeBillingOverview>(bytes)?
        + one::<NamedEntity>(bytes)?
        + one::<SubscriptionOverviewUsage>(bytes)?
        + one::<ErrorBody>(bytes)?
        + one::<Detail>(bytes)?
        + one::<Limit>(bytes)?
        + one::<BillingUsageReportStatus>(bytes)?
        + one::<TrusteeBillingOverviewSubscriptionType>(bytes)?
        + one::<LimitNamespace>(bytes)?)
}

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}

/// Every wire name of every model, so generated objects hit the real fields with wrong types.
const WIRE_NAMES: &[&str] = &[
    "id",
    "name",
    "startDate",
    "endDate",
    "status",
    "usages",
    "selfUri",
    "totalUsage",
    "resources",
    "date",
    "organization",
    "currency",
    "enabledProducts",
    "subscriptionType",
    "rampPeriodStartDate",
    "rampPeriodEndDate",
    "billingPeriodStartDate",
    "billingPeriodEndDate",
    "contractAmendmentDate",
    "contractEffectiveDate",
    "contractEndDate",
    "minimumMonthlyAmount",
    "inRampPeriod",
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
    "message",
    "code",
    "entityId",
    "entityName",
    "messageWithParams",
    "messageParams",
    "contextId",
    "details",
    "errors",
    "limit",
    "errorCode",
    "fieldName",
    "key",
    "namespace",
    "value",
    "entities",
    "nextUri",
    "amount",
    "price",
    "quantity",
    "unitOfMeasure",
    "paymentStatus",
    "dateInvoiced",
    "dateStart",
    "dateEnd",
    "billingPeriods",
    "plans",
    "items",
    "charges",
    "wallets",
    "product",
    "enabled",
    "createdBy",
    "version",
    "pageCount",
    "total",
];

/// JSON shaped like the models (their field names, nested objects and arrays, date-looking
/// strings, huge and negative numbers, floats) but with any value anywhere.
fn model_shaped_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::from),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})?"
            .prop_map(Value::from),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}".prop_map(Value::from),
    ];
    let key =
        prop_oneof![3 => prop::sample::select(WIRE_NAMES).prop_map(str::to_owned), 1 => text()];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// The shared fixtures, each cut and spliced at random: inputs close to valid ones.
fn mutated_fixture() -> impl Strategy<Value = Vec<u8>> {
    let fixtures: Vec<Vec<u8>> = billing_tests::fixture_names()
        .iter()
        .map(|n| billing_tests::fixture(n).into_bytes())
        .collect();
    (
        prop::sample::select(fixtures),
        prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..6),
    )
        .prop_map(|(mut bytes, edits)| {
            for (at, kind, byte) in edits {
                if bytes.is_empty() {
                    bytes.push(byte);
                    continue;
                }
                let i = at.index(bytes.len());
                match kind {
                    0 => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    2 => {
                        bytes.remove(i);
                    }
                    _ => bytes.truncate(i),
                }
            }
            bytes
        })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic_a_decoder(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&bytes)?;
    }

    #[test]
    fn arbitrary_strings_never_panic_a_decoder(text in any::<String>()) {
        decode_all(text.as_bytes())?;
        let quoted = serde_json::to_string(&text).unwrap();
        decode_all(quoted.as_bytes())?;
    }

    #[test]
    fn model_shaped_json_never_panics_a_decoder(value in model_shaped_json()) {
        decode_all(value.to_string().as_bytes())?;
        decode_all(serde_json::to_string_pretty(&value).unwrap().as_bytes())?;
    }

    #[test]
    fn mutated_fixtures_never_panic_a_decoder(bytes in mutated_fixture()) {
        decode_all(&bytes)?;
    }

    #[test]
    fn the_datetime_parser_never_panics(text in prop_oneof![
        any::<String>(),
        "[0-9+-]{0,6}-[0-9]{1,3}-[0-9]{1,3}[Tt ][0-9]{1,3}:[0-9]{1,3}:[0-9]{1,3}(\\.[0-9]{0,20})?([Zz]|[+-][0-9]{1,3}:[0-9]{1,3})?",
    ]) {
        if let Ok(t) = datetime::parse(&text) {
            // Whatever it reads, it writes in a form it reads back as the same instant.
            let written = datetime::format(&t);
            prop_assert_eq!(datetime::parse(&written).map_err(|e| TestCaseError::fail(format!("{text:?} → {written:?}: {e}")))?, t);
        }
    }
}

/// The fixtures decode (a sanity check that `mutated_fixture` starts from valid documents).
#[test]
fn fixtures_decode_as_some_model() {
    for name in billing_tests::fixture_names() {
        let accepted = decode_all(billing_tests::fixture(&name).as_bytes()).unwrap();
        assert!(accepted > 0, "{name} decodes as no model");
    }
}
