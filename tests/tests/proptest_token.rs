//! Property: whatever the token endpoint answers, a call ends in a value or a typed auth error,
//! never a panic or a hang; an accepted token is sent exactly as received; and no error message
//! repeats the token reply. The token reply decoder is private to `billing-transport`, so it is
//! driven through a raw server on 127.0.0.1 that answers `POST /oauth/token` with the
//! generated reply.

mod raw_server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use billing_api::{Client, ClientCredentials, Environment, Error, RetryConfig};
use billing_transport::{Transport, TransportError};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use raw_server::{RawServer, json, response};
use serde_json::{Value, json};

const OVERVIEW: &str = r#"{"organization":{"id":"org"},"currency":"USD","enabledProducts":[],"subscriptionType":"PREPAY","usages":[]}"#;

/// What the token endpoint answers in one case.
#[derive(Debug, Clone)]
struct TokenReply {
    status: u16,
    retry_after: Option<String>,
    body: Vec<u8>,
    /// The reply is a well-formed token reply whose token fits in a header: the call must
    /// succeed with it.
    valid_token: Option<String>,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9._~+/=-]{1,40}",
        1 => any::<String>(),
        1 => "[ \t\r\n\u{0}\u{7f}\u{80}-\u{ff}\"\\\\]{0,4}[A-Za-z0-9]{0,8}",
    ]
}

fn expires_in() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (0u32..100_000).prop_map(Value::from),
        prop::sample::select(vec![
            "3600", " 30 ", "", "-1", "NaN", "inf", "-inf", "1e400", "1e308", "0x10", "86400.5",
        ])
        .prop_map(Value::from),
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        Just(json!([1, 2])),
        Just(json!({"seconds": 3600})),
    ])
}

/// A reply shaped like a token reply: the right fields with any values.
fn shaped_reply() -> impl Strategy<Value = TokenReply> {
    (
        prop_oneof![
            4 => text().prop_map(Value::from),
            1 => Just(Value::Null),
            1 => any::<i64>().prop_map(Value::from),
            1 => Just(json!({"nested": "token"})),
        ],
        prop::option::of(prop_oneof![
            Just("bearer".to_owned()),
            Just("Bearer".to_owned()),
            text()
        ]),
        expires_in(),
        prop::option::of(("[a-z_]{1,10}", text())),
    )
        .prop_map(|(token, token_type, expires, extra)| {
            let mut reply = serde_json::Map::new();
            if !token.is_null() || token_type.is_none() {
                reply.insert("access_token".into(), token.clone());
            }
            if let Some(kind) = token_type {
                reply.insert("token_type".into(), kind.into());
            }
            if let Some(expires) = expires {
                reply.insert("expires_in".into(), expires);
            }
            if let Some((name, value)) = extra {
                if !matches!(name.as_str(), "access_token" | "token_type" | "expires_in") {
                    reply.insert(name, value.into());
                }
            }
            let valid_token = token
                .as_str()
                .filter(|t| !t.is_empty())
                .filter(|t| http::HeaderValue::from_str(&format!("Bearer {t}")).is_ok())
                .map(str::to_owned);
            TokenReply {
                status: 200,
                retry_after: None,
                body: Value::Object(reply).to_string().into_bytes(),
                valid_token,
            }
        })
}

/// Any status a login service might send, any bytes, sometimes a `Retry-After` (short or far
/// beyond the cap, or unreadable, so no case waits long).
fn arbitrary_reply() -> impl Strategy<Value = TokenReply> {
    (
        prop::sample::select(vec![
            200u16, 201, 203, 301, 302, 400, 401, 403, 404, 429, 500, 502, 503, 504,
        ]),
        prop::option::of(prop::sample::select(vec![
            "0",
            "999999",
            "soon",
            "-1",
            "",
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ])),
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            Just(br#"{"error":"invalid_client","error_description":"no"}"#.to_vec()),
            Just(br#"{"error":42,"description":["x"]}"#.to_vec()),
            Just(b"<html>login</html>".to_vec()),
        ],
    )
        .prop_map(|(status, retry_after, body)| TokenReply {
            status,
            retry_after: retry_after.map(str::to_owned),
            body,
            valid_token: None,
        })
}

#[test]
fn any_token_reply_ends_in_a_value_or_a_typed_auth_error() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let current: Arc<Mutex<Option<TokenReply>>> = Arc::default();
    let server = runtime.block_on(RawServer::start({
        let current = current.clone();
        move |req| {
            if req.path() != "/oauth/token" {
                return json(200, OVERVIEW);
            }
            let reply = current.lock().unwrap().clone().expect("a reply is set");
            let mut headers = vec![("Content-Type", "application/json")];
            if let Some(wait) = &reply.retry_after {
                headers.push(("Retry-After", wait.as_str()));
            }
            response(reply.status, &headers, &reply.body)
        }
    }));
    let environment = Environment::custom(&server.url(), &server.url()).unwrap();
    // One HTTP client (TLS set up once) under a fresh transport per case, so no token is cached
    // from one case to the next.
    let http = Transport::builder().build_http_client().unwrap();
    let retry = RetryConfig::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .retry_after_cap(Duration::from_secs(2));

    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        ..ProptestConfig::default()
    });
    let strategy = prop_oneof![3 => shaped_reply(), 2 => arbitrary_reply()];
    let seen = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&strategy, |reply| {
            *current.lock().unwrap() = Some(reply.clone());
            let before = server.requests().len();
            let transport = Transport::builder()
                .environment(environment.clone())
                .credentials(ClientCredentials::new("id", "secret"))
                .http_client(http.clone())
                .retry(retry.clone())
                .attempt_timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            let client = Client::builder().with_service(transport).build().unwrap();
            let result = runtime
                .block_on(async {
                    tokio::time::timeout(
                        Duration::from_secs(15),
                        client.get_billing_trusteebillingoverview_trustor_org_id("org", None),
                    )
                    .await
                })
                .map_err(|_| TestCaseError::fail(format!("hung on {reply:?}")))?;
            let requests = server.requests().split_off(before);
            let api: Vec<_> = requests
                .iter()
                .filter(|r| r.path().starts_with("/api/"))
                .collect();
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);

            match &result {
                Ok(_) => {
                    // The token sent is the one received, whatever it looks like.
                    let received: Value = serde_json::from_slice(&reply.body).map_err(|e| {
                        TestCaseError::fail(format!("accepted a non-JSON reply: {e}"))
                    })?;
                    let token = received["access_token"].as_str().ok_or_else(|| {
                        TestCaseError::fail(format!(
                            "accepted a reply without a string token: {received}"
                        ))
                    })?;
                    prop_assert_eq!(api.len(), 1);
                    let wanted = format!("Bearer {token}");
                    prop_assert_eq!(
                        api[0].header("authorization").map(str::trim),
                        Some(wanted.trim()),
                    );
                }
                Err(error) => {
                    prop_assert!(
                        reply.valid_token.is_none(),
                        "a valid reply was refused: {:?} → {:?}",
                        String::from_utf8_lossy(&reply.body),
                        error
                    );
                    prop_assert!(
                        matches!(error, Error::Transport(TransportError::Auth(_))),
                        "not a typed auth error: {:?}",
                        error
                    );
                    prop_assert!(api.is_empty(), "an API request went out without a token");
                    // An unusable 2xx reply is described by position, never by content.
                    if (200..300).contains(&reply.status) {
                        let text = format!("{error} {error:?}");
                        if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(&reply.body) {
                            if let Some(Value::String(t)) = o.get("access_token") {
                                prop_assert!(
                                    t.len() < 4 || !text.contains(t.as_str()),
                                    "the error repeats the token: {}",
                                    text
                                );
                            }
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(seen.into_inner() > 0);
}
