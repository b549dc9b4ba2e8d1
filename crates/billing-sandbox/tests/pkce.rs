//! Signing a person in: `GET /oauth/authorize` and the authorization-code grant with PKCE (S256)
//! at `POST /oauth/token`.

mod common;

use base64::Engine as _;
use billing_sandbox::{DEFAULT_PKCE_CLIENT_ID, Sandbox};
use common::{Http, Reply, report_url};
use http::{Method, StatusCode};
use sha2::{Digest as _, Sha256};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-some-more";
const REDIRECT: &str = "http://127.0.0.1:43210/callback";

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn authorize_url(sandbox: &Sandbox, client_id: &str, redirect_uri: &str, state: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", state)
        .finish();
    sandbox.url(&format!("/oauth/authorize?{query}"))
}

/// The query parameters of the redirect's `Location`, after checking where it points.
fn redirect_params(reply: &Reply, redirect_uri: &str) -> Vec<(String, String)> {
    assert_eq!(reply.status, StatusCode::FOUND, "{:?}", reply.body);
    let location = reply.header("location");
    let (target, query) = location.split_once('?').expect("a query on the redirect");
    assert_eq!(target, redirect_uri);
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Runs the authorize step and returns the code.
async fn code(http: &Http, sandbox: &Sandbox) -> String {
    let reply = http
        .send(
            Method::GET,
            &authorize_url(sandbox, DEFAULT_PKCE_CLIENT_ID, REDIRECT, "st-1"),
            &[],
            "",
        )
        .await;
    let params = redirect_params(&reply, REDIRECT);
    assert_eq!(param(&params, "state"), Some("st-1"));
    param(&params, "code").expect("a code").to_owned()
}

async fn exchange(
    http: &Http,
    sandbox: &Sandbox,
    code: &str,
    redirect_uri: &str,
    client_id: &str,
    verifier: &str,
) -> Reply {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("client_id", client_id)
        .append_pair("code_verifier", verifier)
        .finish();
    http.send(
        Method::POST,
        &sandbox.url("/oauth/token"),
        &[("content-type", "application/x-www-form-urlencoded")],
        &body,
    )
    .await
}

fn assert_invalid_grant(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body = reply.json();
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert!(!body["error_description"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn the_whole_flow_gives_a_token_the_api_accepts() {
    let sandbox = Sandbox::start().await.unwrap();
    assert_eq!(sandbox.pkce_client_id(), DEFAULT_PKCE_CLIENT_ID);
    let http = Http::default();
    let code = code(&http, &sandbox).await;
    let reply = exchange(
        &http,
        &sandbox,
        &code,
        REDIRECT,
        DEFAULT_PKCE_CLIENT_ID,
        VERIFIER,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let body = reply.json();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    let token = body["access_token"].as_str().unwrap();
    let url = report_url(
        &sandbox,
        "2024-05-01T00:00:00.000Z",
        "2024-06-01T00:00:00.000Z",
    );
    assert_eq!(http.get(&url, token).await.status, StatusCode::OK);
    // No secret was needed, and none was sent.
    let exchange = sandbox
        .requests()
        .into_iter()
        .find(|r| r.path() == "/oauth/token")
        .unwrap();
    assert!(exchange.header("authorization").is_none());
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_and_uses_up_the_code() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let code = code(&http, &sandbox).await;
    let wrong = "a-different-verifier-of-enough-length-0123456789";
    let reply = exchange(
        &http,
        &sandbox,
        &code,
        REDIRECT,
        DEFAULT_PKCE_CLIENT_ID,
        wrong,
    )
    .await;
    assert_invalid_grant(&reply);
    let again = exchange(
        &http,
        &sandbox,
        &code,
        REDIRECT,
        DEFAULT_PKCE_CLIENT_ID,
        VERIFIER,
    )
    .await;
    assert_invalid_grant(&again);
    assert_eq!(sandbox.tokens_issued(), 0);
}

#[tokio::test]
async fn a_code_works_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let code = code(&http, &sandbox).await;
    let args = (REDIRECT, DEFAULT_PKCE_CLIENT_ID, VERIFIER);
    let first = exchange(&http, &sandbox, &code, args.0, args.1, args.2).await;
    assert_eq!(first.status, StatusCode::OK);
    let second = exchange(&http, &sandbox, &code, args.0, args.1, args.2).await;
    assert_invalid_grant(&second);
    let unknown = exchange(&http, &sandbox, "no-such-code", args.0, args.1, args.2).await;
    assert_invalid_grant(&unknown);
    assert_eq!(sandbox.tokens_issued(), 1);
}

#[tokio::test]
async fn the_redirect_uri_and_client_id_must_match_the_authorization() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let code1 = code(&http, &sandbox).await;
    let other_uri = "http://127.0.0.1:43210/other";
    let reply = exchange(
        &http,
        &sandbox,
        &code1,
        other_uri,
        DEFAULT_PKCE_CLIENT_ID,
        VERIFIER,
    )
    .await;
    assert_invalid_grant(&reply);
    let code2 = code(&http, &sandbox).await;
    let reply = exchange(&http, &sandbox, &code2, REDIRECT, "someone-else", VERIFIER).await;
    assert_invalid_grant(&reply);
    // A missing parameter is a malformed request, not a bad grant.
    let reply = http
        .send(
            Method::POST,
            &sandbox.url("/oauth/token"),
            &[("content-type", "application/x-www-form-urlencoded")],
            "grant_type=authorization_code&code=x",
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "invalid_request");
    assert_eq!(sandbox.tokens_issued(), 0);
}

#[tokio::test]
async fn denied_consent_redirects_with_access_denied_and_the_state() {
    let sandbox = Sandbox::builder().deny_consent(true).start().await.unwrap();
    let http = Http::default();
    let reply = http
        .send(
            Method::GET,
            &authorize_url(&sandbox, DEFAULT_PKCE_CLIENT_ID, REDIRECT, "st-9"),
            &[],
            "",
        )
        .await;
    let params = redirect_params(&reply, REDIRECT);
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert!(!param(&params, "error_description").unwrap().is_empty());
    assert_eq!(param(&params, "state"), Some("st-9"));
    assert_eq!(param(&params, "code"), None);
}

#[tokio::test]
async fn authorize_never_redirects_for_an_unknown_client_or_a_foreign_redirect_uri() {
    let sandbox = Sandbox::builder()
        .pkce_client_id("my-app")
        .start()
        .await
        .unwrap();
    let http = Http::default();
    for url in [
        authorize_url(&sandbox, DEFAULT_PKCE_CLIENT_ID, REDIRECT, "s"),
        authorize_url(&sandbox, "my-app", "https://evil.example/callback", "s"),
        authorize_url(&sandbox, "my-app", "http://example.com:8080/cb", "s"),
    ] {
        let reply = http.send(Method::GET, &url, &[], "").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{url}");
        assert!(reply.headers.get("location").is_none());
    }
    // Every loopback form is accepted.
    for redirect in [
        "http://localhost:5000/cb",
        "http://[::1]:5000/cb",
        "http://127.0.0.1:5000/cb?x=1",
    ] {
        let reply = http
            .send(
                Method::GET,
                &authorize_url(&sandbox, "my-app", redirect, "s"),
                &[],
                "",
            )
            .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{redirect}");
        assert!(reply.header("location").starts_with(redirect));
    }
}

#[tokio::test]
async fn authorize_requires_s256() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let plain = authorize_url(&sandbox, DEFAULT_PKCE_CLIENT_ID, REDIRECT, "s")
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let reply = http.send(Method::GET, &plain, &[], "").await;
    let params = redirect_params(&reply, REDIRECT);
    assert_eq!(param(&params, "error"), Some("invalid_request"));
    assert_eq!(param(&params, "state"), Some("s"));
    let token = authorize_url(&sandbox, DEFAULT_PKCE_CLIENT_ID, REDIRECT, "s")
        .replace("response_type=code", "response_type=token");
    let reply = http.send(Method::GET, &token, &[], "").await;
    let params = redirect_params(&reply, REDIRECT);
    assert_eq!(param(&params, "error"), Some("unsupported_response_type"));
}
