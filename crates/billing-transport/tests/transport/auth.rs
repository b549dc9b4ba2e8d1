//! Token fetching, caching, single flight, refresh after 401, token-endpoint errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use billing_transport::{
    AuthError, BuildError, ClientCredentials, Environment, Proxy, StaticTokenSource, Transport,
    TransportError,
};
use bytes::Bytes;
use futures_util::future::join_all;

use crate::common::*;

#[tokio::test]
async fn hundred_concurrent_requests_with_an_expired_token_make_one_token_request() {
    let issued = Arc::new(AtomicUsize::new(0));
    let counter = issued.clone();
    let server = Server::start(move |req| match req.uri.path() {
        TOKEN_PATH => {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            // The first token expires at once; the next ones live an hour.
            token_reply(&format!("token-{n}"), if n == 1 { 0 } else { 3600 })
        }
        _ => respond(200, OK_BODY),
    })
    .await;
    let transport = builder(&server).build().unwrap();

    // Warm up: fetches token-1, which is already expired when the call returns.
    assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 200);
    assert_eq!(server.hits(TOKEN_PATH), 1);

    let results = join_all((0..100).map(|_| transport.send(get(API_PATH)))).await;
    for result in results {
        assert_eq!(result.unwrap().status(), 200);
    }
    assert_eq!(
        server.hits(TOKEN_PATH),
        2,
        "exactly one token request for 100 callers"
    );
    let api: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.uri.path() == API_PATH)
        .collect();
    assert_eq!(api.len(), 101);
    assert!(
        api[1..]
            .iter()
            .all(|r| r.bearer().as_deref() == Some("token-2"))
    );
}

#[tokio::test]
async fn token_request_follows_the_oauth_client_credentials_wire_format() {
    let server = Server::start(|req| match req.uri.path() {
        TOKEN_PATH => token_reply("tok", 3600),
        _ => respond(200, OK_BODY),
    })
    .await;
    let transport = builder(&server).build().unwrap();
    transport.send(get(API_PATH)).await.unwrap();
    transport.send(get(API_PATH)).await.unwrap();

    let requests = server.requests();
    let token = &requests[0];
    assert_eq!(token.method, http::Method::POST);
    assert_eq!(token.uri.path(), "/oauth/token");
    assert_eq!(
        token.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
    assert_eq!(
        token.headers["authorization"],
        format!("Basic {expected}").as_str()
    );
    assert_eq!(
        token.body,
        Bytes::from_static(b"grant_type=client_credentials")
    );

    // The token is cached: one token request for two API calls.
    assert_eq!(server.hits(TOKEN_PATH), 1);
    let api = &requests[1];
    assert_eq!(api.bearer().as_deref(), Some("tok"));
    assert_eq!(api.headers["accept"], "application/json");
    let ua = api.headers["user-agent"].to_str().unwrap();
    assert!(ua.starts_with("genesys-billing-rust/"), "{ua}");
}

#[tokio::test]
async fn a_401_once_gets_a_new_token_and_succeeds() {
    let server = Server::start({
        let issued = AtomicUsize::new(0);
        move |req| match req.uri.path() {
            TOKEN_PATH => {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                token_reply(&format!("token-{n}"), 3600)
            }
            // The server revoked token-1.
            _ if req.bearer().as_deref() == Some("token-1") => respond(
                401,
                r#"{"status":401,"code":"bad.credentials","message":"Invalid login credentials."}"#,
            ),
            _ => respond(200, OK_BODY),
        }
    })
    .await;
    let transport = builder(&server).build().unwrap();
    let response = transport.send(get(API_PATH)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.hits(TOKEN_PATH), 2);
    assert_eq!(server.hits(API_PATH), 2);
}

#[tokio::test]
async fn a_401_on_every_try_is_an_auth_error_after_one_refresh() {
    let server = Server::start(|req| match req.uri.path() {
        TOKEN_PATH => token_reply("tok", 3600),
        _ => respond(401, r#"{"status":401,"code":"authentication.required"}"#),
    })
    .await;
    let transport = builder(&server).build().unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    match &err {
        TransportError::Auth(AuthError::Rejected {
            refreshed,
            response,
        }) => {
            assert!(*refreshed);
            assert_eq!(response.status(), 401);
            assert!(
                std::str::from_utf8(response.body())
                    .unwrap()
                    .contains("authentication.required")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.hits(API_PATH), 2, "one try, one replay, no loop");
    assert_eq!(server.hits(TOKEN_PATH), 2);
}

#[tokio::test]
async fn a_static_token_is_sent_and_a_401_is_not_replayed() {
    let server = Server::start(|req| match req.bearer().as_deref() {
        Some("user-token") if req.uri.path() == "/ok" => respond(200, OK_BODY),
        _ => respond(401, "{}"),
    })
    .await;
    let transport = Transport::builder()
        .environment(server.environment())
        .proxy(Proxy::none())
        .token_source(Arc::new(StaticTokenSource::new("user-token")))
        .build()
        .unwrap();
    assert_eq!(transport.send(get("/ok")).await.unwrap().status(), 200);
    let err = transport.send(get("/denied")).await.unwrap_err();
    assert!(matches!(
        err,
        TransportError::Auth(AuthError::Rejected {
            refreshed: false,
            ..
        })
    ));
    assert_eq!(server.hits("/denied"), 1);
}

#[tokio::test]
async fn token_endpoint_errors_carry_the_oauth_error() {
    let server = Server::start(|req| match req.uri.path() {
        TOKEN_PATH => respond(
            400,
            r#"{"error":"invalid_client","description":"client not found","error_description":"client not found"}"#,
        ),
        _ => respond(200, OK_BODY),
    })
    .await;
    let transport = builder(&server).build().unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    match &err {
        TransportError::Auth(AuthError::TokenEndpoint {
            status,
            error,
            error_description,
            ..
        }) => {
            assert_eq!(*status, 400);
            assert_eq!(error.as_deref(), Some("invalid_client"));
            assert_eq!(error_description.as_deref(), Some("client not found"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("invalid_client"), "{message}");
    assert!(!message.contains(SECRET));
    assert_eq!(
        server.hits(TOKEN_PATH),
        1,
        "a 400 from the token endpoint is not retried"
    );
    assert_eq!(server.hits(API_PATH), 0);
}

#[tokio::test]
async fn token_request_is_retried_on_429_and_5xx() {
    let server = Server::start({
        let n = AtomicUsize::new(0);
        move |req| match req.uri.path() {
            TOKEN_PATH => match n.fetch_add(1, Ordering::SeqCst) {
                0 => with_header(respond(429, "{}"), "retry-after", "0"),
                1 => respond(503, "{}"),
                _ => token_reply("tok", 3600),
            },
            _ => respond(200, OK_BODY),
        }
    })
    .await;
    let transport = builder(&server).build().unwrap();
    assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 200);
    assert_eq!(server.hits(TOKEN_PATH), 3);
}

#[tokio::test]
async fn credentials_are_never_sent_over_plain_http_to_a_remote_host() {
    let err = Transport::builder()
        .environment(
            Environment::custom("http://billing.example.com", "http://login.example.com").unwrap(),
        )
        .proxy(Proxy::none())
        .credentials(ClientCredentials::new(CLIENT_ID, SECRET))
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::InsecureUrl { .. }), "{err:?}");

    // The last guard, in the HTTP client itself: refused before any connection is made.
    let client = Transport::builder()
        .proxy(Proxy::none())
        .build_http_client()
        .unwrap();
    let mut value = http::HeaderValue::from_static("Bearer some-token");
    value.set_sensitive(true);
    let request = http::Request::get("http://billing.example.com/api/v2/x")
        .header("authorization", value.clone())
        .body(Bytes::new())
        .unwrap();
    let err = client.send(request).await.unwrap_err();
    assert!(
        matches!(&err, TransportError::InsecureUrl { host } if host == "billing.example.com"),
        "{err:?}"
    );

    // A loopback host is allowed; that changes nothing for any other host.
    let to = |uri: &str| {
        http::Request::get(uri)
            .header("authorization", value.clone())
            .body(Bytes::new())
            .unwrap()
    };
    let err = client.send(to("http://127.0.0.1:1/x")).await.unwrap_err();
    assert!(
        !matches!(err, TransportError::InsecureUrl { .. }),
        "{err:?}"
    );
    for uri in [
        "http://billing.example.com/api/v2/x",
        "http://127.0.0.1.example.com:1/x",
        "http://user@billing.example.com:1/x",
    ] {
        let err = client.send(to(uri)).await.unwrap_err();
        assert!(
            matches!(err, TransportError::InsecureUrl { .. }),
            "{uri}: {err:?}"
        );
    }
    let err = client.send(to("http://127.0.0.1:1/y")).await.unwrap_err();
    assert!(
        !matches!(err, TransportError::InsecureUrl { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_absolute_uri_on_another_host_is_refused_and_never_sees_the_token() {
    let api = Server::start(|req| match req.uri.path() {
        TOKEN_PATH => token_reply("api-only-token", 3600),
        _ => respond(200, OK_BODY),
    })
    .await;
    // Another loopback server: another port is another origin.
    let elsewhere = Server::start(|_| respond(200, OK_BODY)).await;
    let transport = builder(&api).build().unwrap();

    let err = transport
        .send(get(&format!("{}{API_PATH}", elsewhere.url())))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TransportError::InvalidRequest { reason } if reason.contains("not the API host")),
        "{err:?}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "nothing reached the other host"
    );

    // An absolute URI on the API's own origin is sent, with the token.
    let response = transport
        .send(get(&format!("{}{API_PATH}", api.url())))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sent = api.requests();
    let last = sent.last().unwrap();
    assert_eq!(last.uri.path(), API_PATH);
    assert_eq!(last.bearer().as_deref(), Some("api-only-token"));
}
