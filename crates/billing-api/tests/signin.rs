//! Browser sign-in against the sandbox, end to end. The test plays the browser: it asks the
//! authorize URL without following the redirect, then brings the `Location` to the listener.

mod common;

use std::sync::Arc;
use std::time::Duration;

use billing_api::signin::{SignIn, SignInError, SignedIn};
use billing_api::{AuthError, Client, Environment};
use billing_sandbox::{DEFAULT_PKCE_CLIENT_ID, Sandbox};
use bytes::Bytes;
use chrono::{TimeZone, Utc};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;

fn environment(sandbox: &Sandbox) -> Environment {
    Environment::custom(sandbox.base_url(), sandbox.base_url()).unwrap()
}

/// A GET with nothing followed: status, `Location`, body.
async fn get(url: &str) -> (StatusCode, Option<String>, String) {
    let client = HyperClient::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let request = Request::get(url).body(Empty::new()).unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// The login page's redirect for `authorize_url`.
async fn authorize(authorize_url: &str) -> String {
    let (status, location, _) = get(authorize_url).await;
    assert_eq!(status, StatusCode::FOUND);
    location.expect("the login page redirects")
}

/// `url` with query parameter `name` set to `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{base}?{query}")
}

fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn a_person_signs_in_and_the_token_works() {
    let sandbox = Sandbox::builder()
        .token_expires_in(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let pending = SignIn::new(environment(&sandbox), DEFAULT_PKCE_CLIENT_ID)
        .start()
        .await
        .unwrap();
    let url = pending.authorize_url().to_owned();
    assert!(url.starts_with(&format!("{}/oauth/authorize?", sandbox.base_url())));
    assert_eq!(
        param(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(param(&url, "code_challenge").map(|c| c.len()), Some(43));
    assert_eq!(
        param(&url, "redirect_uri").as_deref(),
        Some(pending.redirect_uri())
    );
    let finish = tokio::spawn(pending.finish());

    let location = authorize(&url).await;
    // A browser asks for other things too; they do not end the sign-in.
    let origin = location.split("/oauth/callback").next().unwrap().to_owned();
    let (status, _, _) = get(&format!("{origin}/favicon.ico")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, page) = get(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Signed in"), "{page}");

    let signed_in: SignedIn = finish.await.unwrap().unwrap();
    let expires = signed_in.expires_at.expect("the sandbox says expires_in");
    assert!(expires > Utc::now() + chrono::Duration::minutes(59));
    assert!(!format!("{signed_in:?}").contains(signed_in.access_token.expose()));

    // The exchange: a form with the verifier, no client secret.
    let exchange = sandbox
        .requests()
        .into_iter()
        .find(|r| r.path() == "/oauth/token")
        .expect("a token request");
    assert!(exchange.header("authorization").is_none());
    let form: Vec<(String, String)> = form_urlencoded::parse(&exchange.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "grant_type",
            "code",
            "redirect_uri",
            "client_id",
            "code_verifier"
        ]
    );
    assert_eq!(form[0].1, "authorization_code");

    // The token is a real one: the API takes it.
    let client = Client::builder()
        .environment(environment(&sandbox))
        .token_source(Arc::new(signed_in.token_source()))
        .build()
        .unwrap();
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_redirect_with_another_state_is_refused_and_nothing_is_exchanged() {
    let sandbox = Sandbox::start().await.unwrap();
    let pending = SignIn::new(environment(&sandbox), DEFAULT_PKCE_CLIENT_ID)
        .start()
        .await
        .unwrap();
    let url = pending.authorize_url().to_owned();
    let finish = tokio::spawn(pending.finish());
    let location = authorize(&url).await;
    let (status, _, _) = get(&with_param(&location, "state", "forged")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = finish.await.unwrap().unwrap_err();
    assert!(matches!(error, SignInError::StateMismatch), "{error:?}");
    assert!(error.to_string().contains("state"), "{error}");
    assert!(
        sandbox
            .requests()
            .iter()
            .all(|r| r.path() != "/oauth/token"),
        "no code exchange after a state mismatch"
    );
}

#[tokio::test]
async fn a_declined_consent_says_so() {
    let sandbox = Sandbox::builder().deny_consent(true).start().await.unwrap();
    let pending = SignIn::new(environment(&sandbox), DEFAULT_PKCE_CLIENT_ID)
        .start()
        .await
        .unwrap();
    let url = pending.authorize_url().to_owned();
    let finish = tokio::spawn(pending.finish());
    let location = authorize(&url).await;
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    let (_, _, page) = get(&location).await;
    assert!(page.contains("did not succeed"), "{page}");
    let error = finish.await.unwrap().unwrap_err();
    assert!(error.is_access_denied(), "{error:?}");
    assert!(error.to_string().contains("declined"), "{error}");
}

#[tokio::test]
async fn no_redirect_in_time_is_a_timeout() {
    let sandbox = Sandbox::start().await.unwrap();
    let error = SignIn::new(environment(&sandbox), DEFAULT_PKCE_CLIENT_ID)
        .timeout(Duration::from_millis(200))
        .run(|_url| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, SignInError::TimedOut { after } if after == Duration::from_millis(200)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_code_the_token_endpoint_refuses_is_an_exchange_error_without_secrets() {
    let sandbox = Sandbox::start().await.unwrap();
    let pending = SignIn::new(environment(&sandbox), DEFAULT_PKCE_CLIENT_ID)
        .start()
        .await
        .unwrap();
    let url = pending.authorize_url().to_owned();
    let finish = tokio::spawn(pending.finish());
    let location = authorize(&url).await;
    let bogus = "not-the-code-the-login-page-issued";
    get(&with_param(&location, "code", bogus)).await;
    let error = finish.await.unwrap().unwrap_err();
    match &error {
        SignInError::Exchange(AuthError::TokenEndpoint { status, error, .. }) => {
            assert_eq!(*status, StatusCode::BAD_REQUEST);
            assert_eq!(error.as_deref(), Some("invalid_grant"));
        }
        other => panic!("expected an exchange error, got {other:?}"),
    }
    let exchange = sandbox
        .requests()
        .into_iter()
        .find(|r| r.path() == "/oauth/token")
        .unwrap();
    let verifier = form_urlencoded::parse(&exchange.body)
        .find(|(k, _)| k == "code_verifier")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(&verifier) && !shown.contains(bogus),
        "{shown}"
    );
}

#[tokio::test]
async fn a_client_the_login_service_does_not_know_is_refused_at_the_login_page() {
    let sandbox = Sandbox::start().await.unwrap();
    let pending = SignIn::new(environment(&sandbox), "someone-elses-client")
        .timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let (status, location, _) = get(pending.authorize_url()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(location.is_none());
    // The browser never comes back: the wait ends with the timeout.
    let error = pending.finish().await.unwrap_err();
    assert!(matches!(error, SignInError::TimedOut { .. }), "{error:?}");
}

#[tokio::test]
async fn the_code_exchange_goes_through_the_http_client_it_is_given() {
    // login.billing.test exists only behind the proxy, with a certificate from a CA made here:
    // the exchange succeeds only with the client's proxy and trusted roots.
    let sandbox = Sandbox::start().await.unwrap();
    let pki = common::tls::Pki::new(&["login.billing.test"]);
    let plain = sandbox
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let front = common::tls::TlsFront::start(&pki, plain).await;
    let proxy = common::tls::ConnectProxy::start(front.addr).await;
    let http = billing_api::TransportBuilder::default()
        .proxy(billing_api::Proxy::https(proxy.url()))
        .add_root_certificate(pki.ca())
        .build_http_client()
        .unwrap();
    let environment =
        Environment::custom("https://api.billing.test", "https://login.billing.test").unwrap();
    let pending = SignIn::new(environment, DEFAULT_PKCE_CLIENT_ID)
        .http_client(http)
        .start()
        .await
        .unwrap();
    // The test's browser reaches the login page directly, on the sandbox's own address.
    let url = pending
        .authorize_url()
        .replace("https://login.billing.test", sandbox.base_url());
    let finish = tokio::spawn(pending.finish());
    let location = authorize(&url).await;
    let (status, _, _) = get(&location).await;
    assert_eq!(status, StatusCode::OK);

    let signed_in = finish.await.unwrap().unwrap();
    assert!(!signed_in.access_token.expose().is_empty());
    assert_eq!(
        proxy.request_lines(),
        ["CONNECT login.billing.test:443 HTTP/1.1"]
    );
    assert!(
        sandbox
            .requests()
            .iter()
            .any(|r| r.path() == "/oauth/token")
    );
}
