//! Fault injection, from Rust and over the control endpoints: every kind, counts, path prefixes.

mod common;

use std::time::{Duration, Instant};

use billing_sandbox::{
    Fault, FaultRule, Sandbox, UNKNOWN_REPORT_STATUS, UNKNOWN_SUBSCRIPTION_TYPE,
};
use bytes::Bytes;
use common::{Http, OVERVIEW_PATH, REPORT_PATH, Spec, overview_url, report_url};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const MAY: (&str, &str) = ("2024-05-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");

async fn complete_sandbox() -> Sandbox {
    Sandbox::builder()
        .in_progress_polls(0)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn too_many_requests_with_and_without_retry_after() {
    let sandbox = complete_sandbox().await;
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    let url = report_url(&sandbox, MAY.0, MAY.1);

    sandbox.inject(Fault::TooManyRequests {
        retry_after_secs: Some(7),
    });
    let reply = http.get(&url, &token).await;
    let body = reply.assert_error(&spec, REPORT_PATH, 429, "too.many.requests.retry.after");
    assert_eq!(reply.header("retry-after"), "7");
    assert_eq!(
        body["message"],
        "Rate limit exceeded the maximum. Retry the request in [7] seconds"
    );
    assert_eq!(body["limit"]["value"], 300);

    sandbox.inject(Fault::TooManyRequests {
        retry_after_secs: None,
    });
    let reply = http.get(&url, &token).await;
    let body = reply.assert_error(&spec, REPORT_PATH, 429, "too.many.requests");
    assert!(reply.headers.get("retry-after").is_none());
    assert_eq!(
        body["message"],
        "Rate limit exceeded the maximum [300] requests within [60] seconds"
    );
    assert!(body["limit"].is_object());

    assert_eq!(
        http.get(&url, &token).await.status,
        StatusCode::OK,
        "faults are used up"
    );
}

#[tokio::test]
async fn server_errors() {
    let sandbox = complete_sandbox().await;
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    let url = report_url(&sandbox, MAY.0, MAY.1);

    sandbox.inject(Fault::InternalServerError);
    http.get(&url, &token)
        .await
        .assert_error(&spec, REPORT_PATH, 500, "internal.server.error");

    sandbox.inject(Fault::ServiceUnavailable {
        retry_after_secs: Some(2),
    });
    let reply = http.get(&url, &token).await;
    reply.assert_error(&spec, REPORT_PATH, 503, "service.unavailable");
    assert_eq!(reply.header("retry-after"), "2");

    sandbox.inject(Fault::ServiceUnavailable {
        retry_after_secs: None,
    });
    let reply = http.get(&url, &token).await;
    reply.assert_error(&spec, REPORT_PATH, 503, "service.unavailable");
    assert!(reply.headers.get("retry-after").is_none());

    sandbox.inject(Fault::GatewayTimeout);
    http.get(&url, &token)
        .await
        .assert_error(&spec, REPORT_PATH, 504, "request.timeout");

    sandbox.inject(Fault::BadGateway);
    let reply = http.get(&url, &token).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.header("content-type"), "text/html");
    reply.assert_platform_headers();
    let html = String::from_utf8(reply.body.to_vec()).unwrap();
    assert!(
        html.starts_with("<html>") && html.contains("502 Bad Gateway"),
        "{html}"
    );
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());

    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn status_faults_answer_before_authentication() {
    let sandbox = complete_sandbox().await;
    let spec = Spec::load();
    sandbox.inject(Fault::ServiceUnavailable {
        retry_after_secs: None,
    });
    let reply = Http::default()
        .send(Method::GET, &report_url(&sandbox, MAY.0, MAY.1), &[], "")
        .await;
    reply.assert_error(&spec, REPORT_PATH, 503, "service.unavailable");
}

#[tokio::test]
async fn counts_and_path_prefixes() {
    let sandbox = complete_sandbox().await;
    let http = Http::default();
    let url = report_url(&sandbox, MAY.0, MAY.1);

    // API requests only: the token request passes and does not use the rule up.
    sandbox.inject(
        FaultRule::new(Fault::ServiceUnavailable {
            retry_after_secs: None,
        })
        .times(2)
        .path_prefix("/api/"),
    );
    let token = http.token(&sandbox).await;
    assert_eq!(sandbox.faults().pending()[0].remaining(), 2);
    assert_eq!(
        http.get(&url, &token).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(sandbox.faults().pending()[0].remaining(), 1);
    assert_eq!(
        http.get(&url, &token).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(sandbox.faults().pending().is_empty());
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);

    // Token requests only.
    sandbox.inject(FaultRule::new(Fault::InternalServerError).path_prefix("/oauth/token"));
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
    let reply = http
        .token_reply(
            &sandbox,
            sandbox.client_id(),
            sandbox.client_secret(),
            "grant_type=client_credentials",
        )
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sandbox.token_requests(), 2);

    // Rules apply in order; clear() disarms.
    let faults = sandbox.faults();
    faults.inject(Fault::GatewayTimeout);
    faults.inject(Fault::BadGateway);
    assert_eq!(
        http.get(&url, &token).await.status,
        StatusCode::GATEWAY_TIMEOUT
    );
    faults.clear();
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
    // times(0) arms nothing.
    faults.inject(FaultRule::new(Fault::BadGateway).times(0));
    assert!(faults.pending().is_empty());
}

#[tokio::test]
async fn delay_then_normal_answer() {
    let sandbox = complete_sandbox().await;
    let http = Http::default();
    let token = sandbox.issue_token();
    sandbox.inject(Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    let reply = http.get(&report_url(&sandbox, MAY.0, MAY.1), &token).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["status"], "Complete");
}

#[tokio::test]
async fn connection_reset_closes_without_a_response() {
    let sandbox = complete_sandbox().await;
    let http = Http::default();
    let token = sandbox.issue_token();
    let url = report_url(&sandbox, MAY.0, MAY.1);
    sandbox.inject(Fault::ConnectionReset);
    let auth = format!("Bearer {token}");
    let err = http
        .try_send(Method::GET, &url, &[("authorization", &auth)], "")
        .await
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("IncompleteMessage") || text.contains("Closed") || text.contains("reset"),
        "{text}"
    );
    let recorded = sandbox.requests();
    assert_eq!(recorded.len(), 1, "the reset request is recorded");
    assert_eq!(recorded[0].correlation_id, "");
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn truncated_body_breaks_off_mid_body() {
    let sandbox = complete_sandbox().await;
    let token = sandbox.issue_token();
    let full = Http::default()
        .get(&report_url(&sandbox, MAY.0, MAY.1), &token)
        .await
        .body;
    sandbox.inject(Fault::TruncatedBody);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = Request::get(report_url(&sandbox, MAY.0, MAY.1))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-length"], full.len().to_string());
    assert!(response.headers().contains_key("inin-correlation-id"));
    let mut body = response.into_body();
    let mut received = 0;
    let outcome = loop {
        match body.frame().await {
            Some(Ok(frame)) => received += frame.into_data().map_or(0, |d| d.len()),
            Some(Err(err)) => break Err(err),
            None => break Ok(()),
        }
    };
    assert!(outcome.is_err(), "the body must end in an error");
    assert_eq!(received, full.len() / 2);
}

#[tokio::test]
async fn malformed_json_is_well_framed() {
    let sandbox = complete_sandbox().await;
    let http = Http::default();
    let token = sandbox.issue_token();
    let url = overview_url(&sandbox, &sandbox.trustor_org_ids()[0], None);
    let full = http.get(&url, &token).await.body;
    sandbox.inject(Fault::MalformedJson);
    let reply = http.get(&url, &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.header("content-length"), reply.body.len().to_string());
    assert_eq!(reply.body, full.slice(..full.len() / 2));
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());
}

#[tokio::test]
async fn unknown_enum_values() {
    let sandbox = Sandbox::builder()
        .in_progress_polls(1)
        .start()
        .await
        .unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    let url = report_url(&sandbox, MAY.0, MAY.1);

    sandbox.inject(FaultRule::new(Fault::UnknownEnumValues).times(3));
    let in_progress = http.get(&url, &token).await.json();
    assert_eq!(in_progress["status"], UNKNOWN_REPORT_STATUS);
    let complete = http.get(&url, &token).await.json();
    assert_eq!(complete["status"], "Archived");
    let findings = spec.check("BillingUsageReport", &complete);
    assert_eq!(findings.errors.len(), 1, "{findings:?}");
    assert!(findings.errors[0].contains("status"));
    assert!(!complete["usages"].as_array().unwrap().is_empty());

    let overview = http
        .get(
            &overview_url(&sandbox, &sandbox.trustor_org_ids()[0], None),
            &token,
        )
        .await
        .json();
    assert_eq!(overview["subscriptionType"], UNKNOWN_SUBSCRIPTION_TYPE);
    let findings = spec.check("TrusteeBillingOverview", &overview);
    assert_eq!(findings.errors.len(), 1, "{findings:?}");

    // The cached report is untouched.
    spec.assert_valid("BillingUsageReport", &http.get(&url, &token).await.json());
}

#[tokio::test]
async fn extra_fields() {
    let sandbox = complete_sandbox().await;
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();

    sandbox.inject(FaultRule::new(Fault::ExtraFields).times(4));
    let report = http
        .get(&report_url(&sandbox, MAY.0, MAY.1), &token)
        .await
        .json();
    let findings = spec.check("BillingUsageReport", &report);
    assert!(findings.errors.is_empty(), "{findings:?}");
    assert!(
        findings
            .unknown
            .iter()
            .any(|f| f == "BillingUsageReport.sandboxExtension"),
        "{findings:?}"
    );
    assert!(
        findings.unknown.iter().any(|f| f.contains("usages[0].")),
        "{findings:?}"
    );

    let overview = http
        .get(
            &overview_url(&sandbox, &sandbox.trustor_org_ids()[0], None),
            &token,
        )
        .await
        .json();
    let findings = spec.check("TrusteeBillingOverview", &overview);
    assert!(findings.errors.is_empty(), "{findings:?}");
    assert!(
        findings
            .unknown
            .iter()
            .any(|f| f.contains(".organization.")),
        "{findings:?}"
    );
    assert!(
        findings.unknown.iter().any(|f| f.contains(".usages[0].")),
        "{findings:?}"
    );

    // Error bodies and token replies get them too.
    let error = http.get(&sandbox.url("/nope"), &token).await.json();
    assert!(error.get("sandboxExtension").is_some());
    assert_eq!(error["code"], "not.found");
    let token_reply = http
        .token_reply(
            &sandbox,
            sandbox.client_id(),
            sandbox.client_secret(),
            "grant_type=client_credentials",
        )
        .await
        .json();
    assert!(token_reply["access_token"].is_string());
    assert!(token_reply.as_object().unwrap().len() > 3);
}

#[tokio::test]
async fn oversized_body_is_valid_and_big() {
    let sandbox = complete_sandbox().await;
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    sandbox.inject(Fault::OversizedBody { bytes: 3 << 20 });
    let reply = http.get(&report_url(&sandbox, MAY.0, MAY.1), &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.len() >= 3 << 20);
    assert!(reply.body.len() < (3 << 20) + 100);
    let body = reply.json();
    let findings = spec.check("BillingUsageReport", &body);
    assert!(findings.errors.is_empty(), "{findings:?}");
    assert_eq!(findings.unknown, ["BillingUsageReport.sandboxPadding"]);
}

#[tokio::test]
async fn revoke_tokens() {
    let sandbox = complete_sandbox().await;
    let spec = Spec::load();
    let http = Http::default();
    let token = http.token(&sandbox).await;
    let url = report_url(&sandbox, MAY.0, MAY.1);
    sandbox.inject(FaultRule::new(Fault::RevokeTokens).path_prefix("/api/"));
    http.get(&url, &token)
        .await
        .assert_error(&spec, REPORT_PATH, 401, "bad.credentials");
    http.get(&url, &token)
        .await
        .assert_error(&spec, REPORT_PATH, 401, "bad.credentials");
    let fresh = http.token(&sandbox).await;
    assert_eq!(http.get(&url, &fresh).await.status, StatusCode::OK);
}

#[tokio::test]
async fn faults_apply_to_the_overview_too() {
    let sandbox = complete_sandbox().await;
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    sandbox.inject(Fault::GatewayTimeout);
    let url = overview_url(&sandbox, &sandbox.trustor_org_ids()[2], Some("1"));
    http.get(&url, &token)
        .await
        .assert_error(&spec, OVERVIEW_PATH, 504, "request.timeout");
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn control_endpoints_over_http() {
    let sandbox = complete_sandbox().await;
    let http = Http::default();
    let post = |path: &'static str, body: String| {
        let http = http.clone();
        let url = sandbox.url(path);
        async move {
            http.send(
                Method::POST,
                &url,
                &[("content-type", "application/json")],
                &body,
            )
            .await
        }
    };

    let info = http
        .send(Method::GET, &sandbox.url("/__sandbox"), &[], "")
        .await
        .json();
    assert_eq!(info["clientId"], sandbox.client_id());
    assert_eq!(info["clientSecret"], sandbox.client_secret());
    assert_eq!(info["trustorOrgIds"].as_array().unwrap().len(), 3);

    // A token without the OAuth exchange.
    let issued = post("/__sandbox/tokens", String::new()).await.json();
    let token = issued["access_token"].as_str().unwrap().to_owned();
    let url = report_url(&sandbox, MAY.0, MAY.1);
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);

    // Arm two rules at once, see them listed, watch them fire.
    let rules = json!([
        {"kind": "too_many_requests", "retryAfter": 3, "pathPrefix": "/api/"},
        {"kind": "delay", "millis": 10, "times": 2}
    ]);
    let listed = post("/__sandbox/faults", rules.to_string()).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()["faults"].as_array().unwrap().len(), 2);
    let pending = http
        .send(Method::GET, &sandbox.url("/__sandbox/faults"), &[], "")
        .await
        .json();
    assert_eq!(pending["faults"][0]["kind"], "too_many_requests");
    assert_eq!(pending["faults"][1]["times"], 2);
    let limited = http.get(&url, &token).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.header("retry-after"), "3");
    let cleared = http
        .send(Method::DELETE, &sandbox.url("/__sandbox/faults"), &[], "")
        .await
        .json();
    assert_eq!(cleared["faults"], json!([]));
    assert!(sandbox.faults().pending().is_empty());

    // Bad fault JSON is refused with a reason.
    for bad in [
        "not json",
        r#"{"kind":"explode"}"#,
        r#"{"kind":"delay"}"#,
        r#"{"kind":"oversized_body","bytes":-1}"#,
    ] {
        let reply = post("/__sandbox/faults", bad.to_owned()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(reply.json()["error"].is_string());
    }

    // Every kind can be armed over HTTP.
    for kind in [
        json!({"kind": "internal_server_error"}),
        json!({"kind": "bad_gateway"}),
        json!({"kind": "service_unavailable"}),
        json!({"kind": "gateway_timeout"}),
        json!({"kind": "connection_reset"}),
        json!({"kind": "truncated_body"}),
        json!({"kind": "malformed_json"}),
        json!({"kind": "unknown_enum_values"}),
        json!({"kind": "extra_fields"}),
        json!({"kind": "oversized_body", "bytes": 1000}),
        json!({"kind": "revoke_tokens"}),
    ] {
        assert_eq!(
            post("/__sandbox/faults", kind.to_string()).await.status,
            StatusCode::OK,
            "{kind}"
        );
    }
    assert_eq!(sandbox.faults().pending().len(), 11);
    sandbox.faults().clear();

    // Recorded requests, without the control requests.
    let recorded = http
        .send(Method::GET, &sandbox.url("/__sandbox/requests"), &[], "")
        .await
        .json();
    let requests = recorded["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2, "{recorded}");
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(
        requests[0]["pathAndQuery"],
        url.strip_prefix(sandbox.base_url()).unwrap()
    );
    assert_eq!(
        requests[0]["headers"]["authorization"][0],
        format!("Bearer {token}")
    );
    http.send(Method::DELETE, &sandbox.url("/__sandbox/requests"), &[], "")
        .await;
    assert!(sandbox.requests().is_empty());

    // Revoke and reset.
    post("/__sandbox/revoke-tokens", String::new()).await;
    assert_eq!(
        http.get(&url, &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let token = sandbox.issue_token();
    sandbox.inject(Fault::BadGateway);
    let reset = post("/__sandbox/reset", String::new()).await;
    assert_eq!(reset.status, StatusCode::OK);
    assert!(sandbox.faults().pending().is_empty());
    assert_eq!(
        http.get(&url, &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sandbox.tokens_issued(), 0);

    let missing = http
        .send(Method::GET, &sandbox.url("/__sandbox/nothing"), &[], "")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.headers.contains_key("inin-correlation-id"));
}

#[tokio::test]
async fn reset_restarts_report_polling() {
    let sandbox = Sandbox::builder()
        .in_progress_polls(1)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let url = report_url(&sandbox, MAY.0, MAY.1);
    let token = sandbox.issue_token();
    assert_eq!(http.get(&url, &token).await.json()["status"], "InProgress");
    assert_eq!(http.get(&url, &token).await.json()["status"], "Complete");
    sandbox.reset();
    let token = sandbox.issue_token();
    assert_eq!(http.get(&url, &token).await.json()["status"], "InProgress");
}
