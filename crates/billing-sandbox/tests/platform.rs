//! Platform behaviour shared by every endpoint: correlation ids, rate-limit headers, the
//! per-token rate limit, unknown paths, request recording, HTTP/2 and shutdown.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use billing_sandbox::Sandbox;
use bytes::Bytes;
use common::{Http, REPORT_PATH, Spec, report_url};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const MAY: (&str, &str) = ("2024-05-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");

#[tokio::test]
async fn every_response_has_a_fresh_correlation_id_and_rate_headers() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let token = http.token(&sandbox).await;
    let url = report_url(&sandbox, MAY.0, MAY.1);
    let mut ids = HashSet::new();
    for expected_count in 1..=3 {
        let reply = http.get(&url, &token).await;
        ids.insert(reply.assert_platform_headers());
        assert_eq!(
            reply.header("inin-ratelimit-count"),
            expected_count.to_string()
        );
        assert_eq!(reply.header("inin-ratelimit-allowed"), "300");
        let reset: u64 = reply.header("inin-ratelimit-reset").parse().unwrap();
        assert!((1..=60).contains(&reset));
    }
    let not_found = http.send(Method::GET, &sandbox.url("/nope"), &[], "").await;
    ids.insert(not_found.assert_platform_headers());
    assert_eq!(ids.len(), 4, "correlation ids are unique");
    // The recorded requests carry the id they were answered with.
    let recorded: HashSet<String> = sandbox
        .requests()
        .into_iter()
        .skip(1)
        .map(|r| r.correlation_id)
        .collect();
    assert_eq!(recorded, ids);
}

#[tokio::test]
async fn over_the_limit_gets_429_with_retry_after_per_token() {
    let sandbox = Sandbox::builder()
        .rate_limit(3, Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let token = http.token(&sandbox).await;
    let url = report_url(&sandbox, MAY.0, MAY.1);
    for _ in 0..3 {
        assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
    }
    let reply = http.get(&url, &token).await;
    let body = reply.assert_error(&spec, REPORT_PATH, 429, "too.many.requests.retry.after");
    let retry_after: u64 = reply
        .header("retry-after")
        .parse()
        .expect("integer seconds");
    assert!((1..=60).contains(&retry_after));
    assert_eq!(
        body["message"],
        format!("Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds")
    );
    assert_eq!(body["limit"]["value"], 3);
    assert_eq!(body["limit"]["namespace"], "platform.api");
    assert!(body["limit"]["key"].is_string());
    assert_eq!(reply.header("inin-ratelimit-allowed"), "3");
    assert_eq!(reply.header("inin-ratelimit-count"), "3");
    // Another token has its own window; token requests are never limited.
    let other = http.token(&sandbox).await;
    assert_eq!(http.get(&url, &other).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_window_resets() {
    let sandbox = Sandbox::builder()
        .rate_limit(2, Duration::from_millis(600))
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    let url = report_url(&sandbox, MAY.0, MAY.1);
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
    let limited = http.get(&url, &token).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.header("retry-after"), "1");
    tokio::time::sleep(Duration::from_millis(650)).await;
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn no_rate_limit_never_answers_429() {
    let sandbox = Sandbox::builder()
        .no_rate_limit()
        .in_progress_polls(0)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    let url = report_url(&sandbox, MAY.0, MAY.1);
    for _ in 0..320 {
        assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_get_404() {
    let sandbox = Sandbox::start().await.unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    for path in [
        "/",
        "/api/v2/billing/reports",
        "/api/v2/billing/trusteebillingoverview/",
        "/api/v2/billing/trusteebillingoverview/a/b",
        "/api/v2/users/me",
    ] {
        http.get(&sandbox.url(path), &token).await.assert_error(
            &spec,
            REPORT_PATH,
            404,
            "not.found",
        );
    }
    let post = http
        .send(
            Method::POST,
            &report_url(&sandbox, MAY.0, MAY.1),
            &[("authorization", &format!("Bearer {token}"))],
            "",
        )
        .await;
    post.assert_error(&spec, REPORT_PATH, 404, "not.found");
}

#[tokio::test]
async fn requests_are_recorded_as_received() {
    let sandbox = Sandbox::builder()
        .max_recorded_requests(2)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    let raw = format!(
        "{REPORT_PATH}?startDate=2024-05-01T00%3A00%3A00.000Z&endDate=2024-06-01T00%3A00%3A00.000Z&extra=a+b"
    );
    http.get(&sandbox.url("/first"), &token).await;
    http.get(&sandbox.url(&raw), &token).await;
    http.send(
        Method::GET,
        &sandbox.url("/third"),
        &[("x-custom", "1"), ("x-custom", "2")],
        "",
    )
    .await;
    let recorded = sandbox.requests();
    assert_eq!(recorded.len(), 2, "only the most recent are kept");
    assert_eq!(recorded[0].path_and_query, raw);
    assert_eq!(recorded[0].path(), REPORT_PATH);
    assert_eq!(recorded[0].query().unwrap(), &raw[REPORT_PATH.len() + 1..]);
    assert_eq!(recorded[0].method, Method::GET);
    assert_eq!(
        recorded[0].header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(recorded[0].header("accept"), Some("application/json"));
    assert_eq!(recorded[1].headers.get_all("x-custom").iter().count(), 2);
    sandbox.clear_requests();
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn http2_prior_knowledge_is_served() {
    let sandbox = Sandbox::start().await.unwrap();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let token = sandbox.issue_token();
    let request = Request::get(report_url(&sandbox, MAY.0, MAY.1))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert!(response.headers().contains_key("inin-correlation-id"));
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(body.starts_with(b"{"));
    assert_eq!(sandbox.requests()[0].version, http::Version::HTTP_2);
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let http = Http::default();
    let sandbox = Sandbox::start().await.unwrap();
    let url = sandbox.url("/");
    assert!(http.try_send(Method::GET, &url, &[], "").await.is_ok());
    sandbox.shutdown().await;
    assert!(http.try_send(Method::GET, &url, &[], "").await.is_err());

    let sandbox = Sandbox::start().await.unwrap();
    let url = sandbox.url("/");
    drop(sandbox);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(http.try_send(Method::GET, &url, &[], "").await.is_err());
}

#[tokio::test]
async fn binds_the_requested_address() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let sandbox = Sandbox::builder().bind(addr).start().await.unwrap();
    assert_eq!(sandbox.local_addr(), addr);
    assert_eq!(sandbox.base_url(), format!("http://{addr}"));
    // The port is taken now.
    let err = Sandbox::builder().bind(addr).start().await.unwrap_err();
    assert!(err.to_string().contains(&addr.to_string()));
}
