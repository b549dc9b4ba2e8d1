//! Retry classification and strategy against a real server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use billing_transport::{Attempts, RetryConfig, RetryDecision, TransportError};

use crate::common::*;

/// A server whose API answers `script[i]` to the i-th API request (the last entry repeats).
async fn scripted(script: Vec<(u16, Option<&'static str>)>) -> Server {
    let n = AtomicUsize::new(0);
    Server::start(move |req| match req.uri.path() {
        TOKEN_PATH => token_reply("tok", 3600),
        _ => {
            let i = n.fetch_add(1, Ordering::SeqCst).min(script.len() - 1);
            let (status, retry_after) = script[i];
            let body = if status == 200 {
                OK_BODY.to_owned()
            } else {
                format!(r#"{{"status":{status},"code":"some.code","message":"m"}}"#)
            };
            let response = respond(status, &body);
            match retry_after {
                Some(v) => with_header(response, "retry-after", v),
                None => response,
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_429_with_retry_after_1_is_retried_after_at_least_a_second() {
    let server = scripted(vec![(429, Some("1")), (200, None)]).await;
    let transport = builder(&server).build().unwrap();
    let started = Instant::now();
    let response = transport.send(get(API_PATH)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(server.hits(API_PATH), 2);
    assert_eq!(response.extensions().get::<Attempts>(), Some(&Attempts(2)));
}

#[tokio::test]
async fn a_429_with_an_http_date_retry_after_in_the_past_is_retried() {
    let server = scripted(vec![
        (429, Some("Wed, 21 Oct 2015 07:28:00 GMT")),
        (200, None),
    ])
    .await;
    let transport = builder(&server).build().unwrap();
    assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 200);
    assert_eq!(server.hits(API_PATH), 2);
}

#[tokio::test]
async fn a_429_with_retry_after_beyond_the_cap_returns_at_once_with_the_typed_error() {
    let server = scripted(vec![(429, Some("3600")), (200, None)]).await;
    let transport = builder(&server).build().unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    match &err {
        TransportError::RateLimited {
            retry_after,
            cap,
            response,
        } => {
            assert_eq!(*retry_after, Duration::from_secs(3600));
            assert_eq!(*cap, Duration::from_secs(180));
            assert_eq!(response.status(), 429);
            assert_eq!(response.headers()["inin-correlation-id"], "corr-1234");
            assert!(
                std::str::from_utf8(response.body())
                    .unwrap()
                    .contains("some.code")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.hits(API_PATH), 1);
}

#[tokio::test]
async fn two_503_then_200_succeeds_in_three_attempts() {
    let server = scripted(vec![(503, None), (503, None), (200, None)]).await;
    let transport = builder(&server).build().unwrap();
    let response = transport.send(get(API_PATH)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.hits(API_PATH), 3);
    assert_eq!(response.extensions().get::<Attempts>(), Some(&Attempts(3)));
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_response_is_returned() {
    let server = scripted(vec![(502, None)]).await;
    let transport = builder(&server)
        .retry(fast_retry().max_attempts(3))
        .build()
        .unwrap();
    let response = transport.send(get(API_PATH)).await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(server.hits(API_PATH), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400u16, 404, 403, 409] {
        let server = scripted(vec![(status, None), (200, None)]).await;
        let transport = builder(&server).build().unwrap();
        let response = transport.send(get(API_PATH)).await.unwrap();
        assert_eq!(response.status(), status);
        assert_eq!(server.hits(API_PATH), 1, "status {status}");
    }
}

#[tokio::test]
async fn a_post_is_not_replayed_after_a_500_but_a_get_is() {
    let server = scripted(vec![(500, None), (200, None)]).await;
    let transport = builder(&server).build().unwrap();
    let response = transport.send(post(API_PATH)).await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(server.hits(API_PATH), 1);

    let server = scripted(vec![(500, None), (200, None)]).await;
    let transport = builder(&server).build().unwrap();
    assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 200);
    assert_eq!(server.hits(API_PATH), 2);
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported() {
    // A port that was free a moment ago: connection refused.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let env = billing_transport::Environment::custom(
        &format!("http://{addr}"),
        &format!("http://{addr}"),
    )
    .unwrap();
    let counted = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = counted.clone();
    let transport = billing_transport::Transport::builder()
        .environment(env)
        .proxy(billing_transport::Proxy::none())
        .retry(fast_retry().max_attempts(3))
        .attempt_layer(tower::layer::layer_fn(move |inner| {
            let counter = counter.clone();
            tower::util::MapRequest::new(inner, move |r| {
                counter.fetch_add(1, Ordering::SeqCst);
                r
            })
        }))
        .build()
        .unwrap();
    let err = transport.send(post(API_PATH)).await.unwrap_err();
    assert!(matches!(err, TransportError::Connect { .. }), "{err:?}");
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(
        counted.load(Ordering::SeqCst),
        3,
        "connect failures retry even for POST"
    );
}

#[tokio::test]
async fn the_retry_budget_stops_a_storm() {
    let server = scripted(vec![(503, None)]).await;
    // No reserve and no share of deposits: no retry is ever allowed.
    let transport = builder(&server)
        .retry(
            fast_retry()
                .max_attempts(10)
                .budget(billing_transport::RetryBudget::new(
                    Duration::from_secs(1),
                    0,
                    0.0,
                )),
        )
        .build()
        .unwrap();
    for _ in 0..3 {
        assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 503);
    }
    assert_eq!(server.hits(API_PATH), 3);
}

/// A classifier with one row: `decision` for answers with this status, no opinion otherwise.
#[derive(Debug)]
struct OnStatus(u16, RetryDecision);

impl billing_transport::RetryClassifier for OnStatus {
    fn classify(
        &self,
        _ctx: &billing_transport::RetryContext<'_>,
        outcome: Result<&http::Response<bytes::Bytes>, &TransportError>,
    ) -> Option<RetryDecision> {
        match outcome {
            Ok(r) if r.status() == self.0 => Some(self.1),
            _ => None,
        }
    }
}

#[tokio::test]
async fn a_classifier_changes_one_row_and_keeps_the_others() {
    let server = scripted(vec![(409, None), (200, None)]).await;
    let transport = builder(&server)
        .retry(fast_retry().classifier(OnStatus(409, RetryDecision::Backoff)))
        .build()
        .unwrap();
    assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 200);
    assert_eq!(server.hits(API_PATH), 2);

    // The rest of the default table still applies: a 503 is retried, a 404 is not.
    let server = scripted(vec![(503, None), (200, None)]).await;
    let transport = builder(&server)
        .retry(fast_retry().classifier(OnStatus(409, RetryDecision::Backoff)))
        .build()
        .unwrap();
    assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 200);
    assert_eq!(server.hits(API_PATH), 2);
    let server = scripted(vec![(404, None), (200, None)]).await;
    let transport = builder(&server)
        .retry(fast_retry().classifier(OnStatus(409, RetryDecision::Backoff)))
        .build()
        .unwrap();
    assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 404);
    assert_eq!(server.hits(API_PATH), 1);
}

#[tokio::test]
async fn a_classifier_in_front_overrides_a_default_row() {
    let server = scripted(vec![(503, None), (200, None)]).await;
    let transport = builder(&server)
        .retry(fast_retry().classifier(OnStatus(503, RetryDecision::Return)))
        .build()
        .unwrap();
    assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 503);
    assert_eq!(server.hits(API_PATH), 1);
}

#[test]
fn retry_after_parses_seconds_and_http_dates() {
    let mut headers = http::HeaderMap::new();
    assert_eq!(billing_transport::headers::retry_after(&headers), None);
    headers.insert("retry-after", " 12 ".parse().unwrap());
    assert_eq!(
        billing_transport::headers::retry_after(&headers),
        Some(Duration::from_secs(12))
    );
    let later = std::time::SystemTime::now() + Duration::from_secs(120);
    headers.insert(
        "retry-after",
        httpdate::fmt_http_date(later).parse().unwrap(),
    );
    let wait = billing_transport::headers::retry_after(&headers).unwrap();
    assert!(
        wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );
    headers.insert("retry-after", "soon".parse().unwrap());
    assert_eq!(billing_transport::headers::retry_after(&headers), None);
    let _ = RetryConfig::disabled();
}
