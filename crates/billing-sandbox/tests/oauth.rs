//! `POST /oauth/token`: the client-credentials grant and its OAuth errors.

mod common;

use std::time::Duration;

use billing_sandbox::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Sandbox};
use common::{Http, REPORT_PATH, Spec, report_url};
use http::{Method, StatusCode};
use serde_json::Value;

const GRANT: &str = "grant_type=client_credentials";

fn assert_oauth_error(reply: &common::Reply, status: StatusCode, error: &str) {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.assert_platform_headers();
    let body = reply.json();
    assert_eq!(body["error"], error);
    let description = body["description"].as_str().expect("description");
    assert!(!description.is_empty());
    assert_eq!(body["error_description"], description);
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
}

#[tokio::test]
async fn issues_a_bearer_token_for_the_right_credentials() {
    let sandbox = Sandbox::start().await.unwrap();
    assert_eq!(sandbox.client_id(), DEFAULT_CLIENT_ID);
    assert_eq!(sandbox.client_secret(), DEFAULT_CLIENT_SECRET);
    let http = Http::default();
    let reply = http
        .token_reply(&sandbox, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, GRANT)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    reply.assert_platform_headers();
    let body = reply.json();
    assert!(body["access_token"].as_str().unwrap().len() >= 32);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    assert_eq!(body.as_object().unwrap().len(), 3);
    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(sandbox.tokens_issued(), 1);

    // The token works on the API.
    let token = body["access_token"].as_str().unwrap();
    let url = report_url(
        &sandbox,
        "2024-05-01T00:00:00.000Z",
        "2024-06-01T00:00:00.000Z",
    );
    assert_eq!(http.get(&url, token).await.status, StatusCode::OK);

    // What the client sent is recorded.
    let recorded = &sandbox.requests()[0];
    assert_eq!(recorded.method, Method::POST);
    assert_eq!(recorded.path_and_query, "/oauth/token");
    assert_eq!(&recorded.body[..], GRANT.as_bytes());
    assert!(
        recorded
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(
        recorded.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
}

#[tokio::test]
async fn custom_credentials_and_lifetime() {
    let sandbox = Sandbox::builder()
        .client_credentials("my-id", "my-secret")
        .token_expires_in(Duration::from_secs(90))
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let reply = http
        .token_reply(&sandbox, "my-id", "my-secret", GRANT)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["expires_in"], 90);
    let reply = http
        .token_reply(&sandbox, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, GRANT)
        .await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
}

#[tokio::test]
async fn wrong_credentials_get_invalid_client() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let wrong_secret = http
        .token_reply(&sandbox, DEFAULT_CLIENT_ID, "nope", GRANT)
        .await;
    assert_oauth_error(&wrong_secret, StatusCode::UNAUTHORIZED, "invalid_client");
    let unknown_id = http
        .token_reply(&sandbox, "someone", DEFAULT_CLIENT_SECRET, GRANT)
        .await;
    assert_oauth_error(&unknown_id, StatusCode::UNAUTHORIZED, "invalid_client");
    let no_auth = http
        .send(
            Method::POST,
            &sandbox.url("/oauth/token"),
            &[("content-type", "application/x-www-form-urlencoded")],
            GRANT,
        )
        .await;
    assert_oauth_error(&no_auth, StatusCode::UNAUTHORIZED, "invalid_client");
    assert_eq!(sandbox.tokens_issued(), 0);
    assert_eq!(sandbox.token_requests(), 3);
}

#[tokio::test]
async fn wrong_or_missing_grant_type_gets_400() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let (id, secret) = (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    let password = http
        .token_reply(&sandbox, id, secret, "grant_type=password")
        .await;
    assert_oauth_error(&password, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    let missing = http.token_reply(&sandbox, id, secret, "").await;
    assert_oauth_error(&missing, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(sandbox.tokens_issued(), 0);
}

#[tokio::test]
async fn tokens_expire() {
    let sandbox = Sandbox::builder()
        .token_expires_in(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = http.token(&sandbox).await;
    let url = report_url(
        &sandbox,
        "2024-05-01T00:00:00.000Z",
        "2024-06-01T00:00:00.000Z",
    );
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    http.get(&url, &token)
        .await
        .assert_error(&Spec::load(), REPORT_PATH, 401, "bad.credentials");
}

#[tokio::test]
async fn only_post_is_served() {
    let sandbox = Sandbox::start().await.unwrap();
    let reply = Http::default()
        .send(Method::GET, &sandbox.url("/oauth/token"), &[], "")
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    reply.assert_platform_headers();
    assert_eq!(reply.json()["code"], Value::from("not.found"));
}
