//! Each kind of server error becomes the right `Error` variant, with the `ErrorBody`, the
//! correlation id and a one-line `Display` a person can act on.

mod common;

use std::sync::Arc;
use std::time::Duration;

use billing_api::{Client, ClientBuilder, Environment, Error, RetryConfig, StaticTokenSource};
use billing_sandbox::{Fault, FaultRule, Sandbox};
use chrono::{TimeZone, Utc};
use http::StatusCode;

fn period() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (
        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
    )
}

fn api_requests(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/api/"))
        .count()
}

/// A fresh sandbox whose next `times` API requests meet `fault`, and the error an overview
/// call ends with.
async fn overview_error(fault: Fault, times: u32) -> (Sandbox, Error) {
    let (sandbox, client) = common::start(Sandbox::builder()).await;
    sandbox.inject(FaultRule::new(fault).times(times).path_prefix("/api/"));
    let org = sandbox.trustor_org_ids()[0].clone();
    let err = client
        .get_billing_trusteebillingoverview_trustor_org_id(&org, None)
        .await
        .unwrap_err();
    (sandbox, err)
}

/// The error a usage-report call ends with when a service answers 200 with `body`.
async fn report_error_from_body(body: &'static str) -> Error {
    let client = Client::builder()
        .with_service(tower::service_fn(
            move |_req: http::Request<bytes::Bytes>| async move {
                Ok::<_, std::convert::Infallible>(http::Response::new(bytes::Bytes::from_static(
                    body.as_bytes(),
                )))
            },
        ))
        .build()
        .unwrap();
    let (start, end) = period();
    client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap_err()
}

/// The decode error of an invoice listing answering `body`.
async fn invoices_error_from_body(body: String) -> Error {
    let client = Client::builder()
        .with_service(tower::service_fn(
            move |_req: http::Request<bytes::Bytes>| {
                let body = body.clone();
                async move {
                    Ok::<_, std::convert::Infallible>(http::Response::new(bytes::Bytes::from(body)))
                }
            },
        ))
        .build()
        .unwrap();
    client
        .get_billing_contracts_invoices(&Default::default())
        .await
        .unwrap_err()
}

/// The path of a decode error of an invoice listing whose second invoice has `field`.
async fn invoices_decode_path(field: &str) -> String {
    let body = format!(
        r#"{{"entities":[{{"id":"inv-1","amount":12.50,"dateInvoiced":"2026-10-01"}},
                         {{"id":"inv-2",{field},"currency":"EUR"}}],"pageSize":2}}"#
    );
    match invoices_error_from_body(body).await {
        Error::Decode(decode) => decode.path,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_exact_number_that_does_not_fit_is_named_by_its_json_path() {
    // A 29th decimal place and a magnitude beyond a Decimal's: both decode as an f64, so only
    // the typed decode itself finds them.
    for amount in [
        "0.00000000000000000000000000001",
        "1e40",
        "-79228162514264337593543950336",
    ] {
        assert_eq!(
            invoices_decode_path(&format!(r#""amount":{amount}"#)).await,
            "entities[1].amount",
            "{amount}"
        );
    }
}

#[tokio::test]
async fn a_bad_date_and_a_wrong_type_are_named_by_their_json_paths() {
    assert_eq!(
        invoices_decode_path(r#""dateInvoiced":"2026-13-01""#).await,
        "entities[1].dateInvoiced"
    );
    assert_eq!(
        invoices_decode_path(r#""amount":"12.50""#).await,
        "entities[1].amount"
    );
    assert_eq!(
        invoices_decode_path(r#""billToCustomer":{"name":7}"#).await,
        "entities[1].billToCustomer.name"
    );
    // A key written with an escape is still named.
    assert_eq!(
        invoices_decode_path(r#""\u0061mount":true"#).await,
        "entities[1].amount"
    );
}

/// The one-line `Display` names the operation, status, message, code and correlation id.
fn assert_readable(err: &Error, status: u16, code: &str) {
    let line = err.to_string();
    assert!(!line.contains('\n'), "{line}");
    assert!(line.contains(&status.to_string()), "{line}");
    assert!(line.contains(&format!("code {code}")), "{line}");
    let id = err.correlation_id().expect("correlation id");
    assert!(line.contains(id), "{line}");
    assert_eq!(
        err.error_body().unwrap().context_id.as_deref(),
        Some(id),
        "contextId is the correlation id"
    );
}

#[tokio::test]
async fn bad_dates_are_400_invalid_date() {
    let (sandbox, _) = common::start(Sandbox::builder()).await;
    // The typed API cannot send a malformed date; a user layer corrupting the query can.
    let client = common::client_builder(&sandbox)
        .with_layer(tower::util::MapRequestLayer::new(
            |mut req: http::Request<bytes::Bytes>| {
                let uri = req.uri().to_string().replace(
                    "startDate=2026-10-01T00%3A00%3A00.000Z",
                    "startDate=yesterday",
                );
                *req.uri_mut() = uri.parse().unwrap();
                req
            },
        ))
        .build()
        .unwrap();
    let (start, end) = period();
    let err = client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_readable(&err, 400, "invalid.date");
    assert_eq!(api_requests(&sandbox), 1, "400 is not retried");
}

#[tokio::test]
async fn end_before_start_is_a_400_from_the_service() {
    let (_sandbox, client) = common::start(Sandbox::builder()).await;
    let (start, end) = period();
    let err = client
        .get_billing_reports_billableusage(end, start)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST), "{err}");
}

#[tokio::test]
async fn a_refused_token_is_a_401_service_error_after_one_refresh_attempt() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = ClientBuilder::from_env_vars(sandbox.client_env())
        .unwrap()
        .token_source(Arc::new(StaticTokenSource::new(
            "not-a-token-the-sandbox-issued",
        )))
        .build()
        .unwrap();
    let err = client
        .get_billing_trusteebillingoverview_trustor_org_id(&sandbox.trustor_org_ids()[0], None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err}");
    assert!(err.is_auth());
    assert!(
        !err.to_string().contains("not-a-token"),
        "the token never prints: {err}"
    );
    assert_eq!(
        api_requests(&sandbox),
        1,
        "a static token cannot be refreshed, so no replay"
    );
}

#[tokio::test]
async fn revoked_tokens_are_replaced_transparently() {
    let (sandbox, client) = common::start(Sandbox::builder()).await;
    let org = sandbox.trustor_org_ids()[0].clone();
    client
        .get_billing_trusteebillingoverview_trustor_org_id(&org, None)
        .await
        .unwrap();
    sandbox.inject(FaultRule::new(Fault::RevokeTokens).path_prefix("/api/"));
    client
        .get_billing_trusteebillingoverview_trustor_org_id(&org, None)
        .await
        .unwrap();
    assert_eq!(sandbox.token_requests(), 2, "one refresh after the 401");
}

#[tokio::test]
async fn wrong_secret_is_a_transport_auth_error_with_the_oauth_error() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = ClientBuilder::from_env_vars(sandbox.client_env())
        .unwrap()
        .credentials(billing_api::ClientCredentials::new(
            sandbox.client_id(),
            "wrong-secret-value",
        ))
        .build()
        .unwrap();
    let err = client
        .get_billing_trusteebillingoverview_trustor_org_id("org", None)
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    let line = err.to_string();
    assert!(line.contains("invalid_client"), "{line}");
    assert!(
        !line.contains("wrong-secret-value") && !format!("{err:?}").contains("wrong-secret-value")
    );
    assert_eq!(api_requests(&sandbox), 0, "no API request without a token");
}

#[tokio::test]
async fn forbidden_is_a_403_service_error() {
    // The sandbox has no permission model; a server answering from memory plays the part.
    let body = r#"{"message":"Unable to perform the requested action. You are missing the following permission(s): [billing:subscription:view]","code":"missing.permissions","status":403,"messageParams":{},"contextId":"c0ffee00-0000-4000-8000-000000000403","details":[],"errors":[]}"#;
    let client = Client::builder()
        .with_service(tower::service_fn(
            move |_req: http::Request<bytes::Bytes>| async move {
                Ok::<_, std::convert::Infallible>(
                    http::Response::builder()
                        .status(403)
                        .header(
                            "ININ-Correlation-Id",
                            "c0ffee00-0000-4000-8000-000000000403",
                        )
                        .body(bytes::Bytes::from_static(body.as_bytes()))
                        .unwrap(),
                )
            },
        ))
        .build()
        .unwrap();
    let (start, end) = period();
    let err = client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    assert_readable(&err, 403, "missing.permissions");
    assert!(err.to_string().contains("billing:subscription:view"));
}

#[tokio::test]
async fn unknown_org_is_404_not_found() {
    let (_sandbox, client) = common::start(Sandbox::builder()).await;
    let err = client
        .get_billing_trusteebillingoverview_trustor_org_id(
            "00000000-0000-4000-8000-00000000dead",
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_readable(&err, 404, "not.found");
}

#[tokio::test]
async fn a_429_beyond_the_cap_returns_at_once_with_the_wait() {
    let started = std::time::Instant::now();
    let (sandbox, err) = overview_error(
        Fault::TooManyRequests {
            retry_after_secs: Some(3600),
        },
        1,
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_readable(&err, 429, "too.many.requests.retry.after");
    assert!(err.to_string().contains("retry after 3600s"), "{err}");
    assert_eq!(api_requests(&sandbox), 1);
}

#[tokio::test]
async fn a_429_within_the_cap_is_waited_for_and_recovers() {
    let (sandbox, client) = common::start(Sandbox::builder()).await;
    sandbox.inject(
        FaultRule::new(Fault::TooManyRequests {
            retry_after_secs: Some(1),
        })
        .path_prefix("/api/"),
    );
    let started = std::time::Instant::now();
    client
        .get_billing_trusteebillingoverview_trustor_org_id(&sandbox.trustor_org_ids()[0], None)
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(api_requests(&sandbox), 2);
}

#[tokio::test]
async fn persistent_500_and_503_end_as_service_errors_after_bounded_attempts() {
    for (fault, status, code) in [
        (Fault::InternalServerError, 500, "internal.server.error"),
        (
            Fault::ServiceUnavailable {
                retry_after_secs: None,
            },
            503,
            "service.unavailable",
        ),
    ] {
        let (sandbox, client) = common::start(Sandbox::builder()).await;
        sandbox.inject(FaultRule::new(fault).times(100).path_prefix("/api/"));
        let err = client
            .get_billing_trusteebillingoverview_trustor_org_id(&sandbox.trustor_org_ids()[0], None)
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err}");
        assert_readable(&err, status, code);
        assert_eq!(
            api_requests(&sandbox),
            RetryConfig::default().max_attempts as usize,
            "GETs are idempotent: retried, boundedly"
        );
    }
}

#[tokio::test]
async fn a_502_with_html_keeps_the_raw_body_in_the_message() {
    let (_sandbox, err) = overview_error(Fault::BadGateway, 100).await;
    let Error::Service(service) = &err else {
        panic!("{err:?}")
    };
    assert!(service.body.is_none(), "HTML is not an ErrorBody");
    assert!(String::from_utf8_lossy(&service.raw_body).contains("<html"));
    assert!(err.to_string().contains("502"), "{err}");
}

#[tokio::test]
async fn a_malformed_body_is_a_decode_error_with_an_excerpt() {
    let (_sandbox, err) = overview_error(Fault::MalformedJson, 1).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.status, StatusCode::OK);
    assert!(decode.excerpt.starts_with('{'), "{}", decode.excerpt);
    assert!(decode.correlation_id.is_some());
    assert!(!err.to_string().contains('\n'));
}

#[tokio::test]
async fn a_wrongly_typed_field_is_named_by_its_json_path() {
    let body = r#"{"startDate":"2026-10-01T00:00:00.000Z","endDate":"2026-11-01T00:00:00.000Z","status":"Complete",
                   "usages":[{"name":"CX 3","totalUsage":"1","resources":[]},{"name":"CX 1","totalUsage":7,"resources":[]}]}"#;
    let err = report_error_from_body(body).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path, "usages[1].totalUsage");
    assert!(err.to_string().contains("usages[1].totalUsage"), "{err}");
}

#[tokio::test]
async fn a_truncated_body_is_a_transport_error_after_retries() {
    let (_sandbox, err) = overview_error(Fault::TruncatedBody, 100).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn unknown_enum_values_and_extra_fields_decode() {
    let (sandbox, client) = common::start(Sandbox::builder()).await;
    let org = sandbox.trustor_org_ids()[0].clone();
    sandbox.inject(FaultRule::new(Fault::UnknownEnumValues).path_prefix("/api/"));
    let overview = client
        .get_billing_trusteebillingoverview_trustor_org_id(&org, None)
        .await
        .unwrap();
    assert_eq!(
        overview.subscription_type.as_str(),
        billing_sandbox::UNKNOWN_SUBSCRIPTION_TYPE
    );
    sandbox.inject(FaultRule::new(Fault::ExtraFields).path_prefix("/api/"));
    let overview = client
        .get_billing_trusteebillingoverview_trustor_org_id(&org, None)
        .await
        .unwrap();
    assert!(!overview.unknown_fields.is_empty());
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_not_an_auth_error() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    // Nothing listens on the login URL: a network problem, not a wrong secret.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let login = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let client = Client::builder()
        .environment(Environment::custom(sandbox.base_url(), &login).unwrap())
        .credentials(billing_api::ClientCredentials::new(
            sandbox.client_id(),
            sandbox.client_secret(),
        ))
        .retry(common::fast_retry())
        .build()
        .unwrap();
    let err = client
        .get_billing_trusteebillingoverview_trustor_org_id("org", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport(billing_api::TransportError::Auth(_))),
        "{err:?}"
    );
    assert!(!err.is_auth(), "{err}");
}

#[tokio::test]
async fn a_bad_date_time_deep_in_a_report_is_named_by_its_json_path() {
    let body = r#"{"startDate":"2026-10-01T00:00:00.000Z","endDate":"2026-11-01T00:00:00.000Z","status":"Complete",
                   "usages":[{"name":"CX 3","totalUsage":"2","resources":[
                     {"name":"a","date":"2026-10-02T08:00:00.000Z"},{"name":"b","date":"yesterday"}]}]}"#;
    let err = report_error_from_body(body).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path, "usages[0].resources[1].date");
    assert!(err.to_string().contains("yesterday"), "{err}");
}
