//! Timeouts and the response-body cap.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use billing_transport::{Environment, Proxy, TimeoutKind, Transport, TransportError};
use http::Response;
use http_body_util::BodyExt;

use crate::common::*;

fn against(addr: std::net::SocketAddr) -> billing_transport::TransportBuilder {
    let url = format!("http://{addr}");
    Transport::builder()
        .environment(Environment::custom(&url, &url).unwrap())
        .proxy(Proxy::none())
        .retry(fast_retry())
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_attempt_timeout() {
    let addr = silent_server().await;
    let transport = against(addr)
        .attempt_timeout(Duration::from_millis(200))
        .operation_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    // A POST is not replayed after an attempt timeout: the first timeout is the answer.
    let err = transport.send(post(API_PATH)).await.unwrap_err();
    assert!(err.is_timeout(TimeoutKind::Attempt), "{err:?}");
    assert!(matches!(
        err,
        TransportError::Timeout { after, .. } if after == Duration::from_millis(200)
    ));
}

#[tokio::test]
async fn the_operation_timeout_bounds_the_whole_retry_loop() {
    let addr = silent_server().await;
    let transport = against(addr)
        .attempt_timeout(Duration::from_millis(150))
        .operation_timeout(Duration::from_millis(400))
        .retry(fast_retry().max_attempts(1000))
        .build()
        .unwrap();
    // A GET is retried after each attempt timeout, until the operation timeout ends it.
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    assert!(err.is_timeout(TimeoutKind::Operation), "{err:?}");
}

#[tokio::test]
async fn a_declared_oversized_body_is_refused() {
    let server = Server::start(|_| respond(200, &"x".repeat(64 * 1024))).await;
    let transport = builder(&server)
        .token_source(Arc::new(billing_transport::StaticTokenSource::new("t")))
        .max_body_bytes(16 * 1024)
        .build()
        .unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit } if limit == 16 * 1024),
        "{err:?}"
    );
    assert_eq!(
        server.hits(API_PATH),
        1,
        "a body-too-large error is not retried"
    );
}

#[tokio::test]
async fn a_streamed_oversized_body_is_refused_without_reading_it_all() {
    const TOTAL: u64 = 4 << 30; // 4 GiB if anyone read it all
    let produced = Arc::new(AtomicU64::new(0));
    let counter = produced.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let service = hyper::service::service_fn(move |_req| {
            let body = Endless::new(TOTAL, counter.clone()).boxed();
            async move { Ok::<_, std::convert::Infallible>(Response::new(body)) }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .await;
    });
    let transport = against(addr)
        .max_body_bytes(1 << 20)
        .retry(billing_transport::RetryConfig::disabled())
        .build()
        .unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit } if limit == 1 << 20),
        "{err:?}"
    );
    // Let the server notice the closed connection.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let sent = produced.load(Ordering::Relaxed);
    assert!(
        sent < 256 << 20,
        "the server produced {sent} bytes: the body was read too far"
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = Server::start(|req| match req.uri.path() {
        "/elsewhere" => respond(200, OK_BODY),
        _ => with_header(respond(302, ""), "location", "/elsewhere"),
    })
    .await;
    let transport = builder(&server)
        .token_source(Arc::new(billing_transport::StaticTokenSource::new("t")))
        .build()
        .unwrap();
    let response = transport.send(get(API_PATH)).await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(server.hits("/elsewhere"), 0);
}
