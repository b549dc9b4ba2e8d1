//! Long waits checked on tokio's paused clock, over an in-process service (no sockets, so the
//! auto-advancing clock cannot fire a timeout while real I/O is pending).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use billing_transport::layers::{RetryLayer, TimeoutLayer, TraceLayer};
use billing_transport::{Attempts, BoxTransportService, RetryConfig, TimeoutKind};
use bytes::Bytes;
use http::{Request, Response};
use tokio::time::Instant;
use tower::{ServiceBuilder, ServiceExt};

use crate::common::*;

/// A service answering `script[i]` to the i-th call (the last entry repeats).
fn scripted(script: Vec<(u16, Option<&'static str>)>) -> (BoxTransportService, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let script = Arc::new(script);
    let service = tower::service_fn(move |_req: Request<Bytes>| {
        let i = counter.fetch_add(1, Ordering::SeqCst).min(script.len() - 1);
        let (status, retry_after) = script[i];
        async move {
            let mut response = Response::builder().status(status);
            if let Some(v) = retry_after {
                response = response.header("retry-after", v);
            }
            Ok(response.body(Bytes::new()).unwrap())
        }
    });
    (BoxTransportService::new(service), calls)
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_within_the_cap_is_waited_in_full() {
    let (inner, calls) = scripted(vec![(429, Some("170")), (200, None)]);
    let service = ServiceBuilder::new()
        .layer(RetryLayer::new(RetryConfig::default()))
        .service(inner);
    let started = Instant::now();
    let response = service.oneshot(get(API_PATH)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(170));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(response.extensions().get::<Attempts>(), Some(&Attempts(2)));
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_but_stays_under_its_bound() {
    let (inner, calls) = scripted(vec![(503, None), (504, None), (502, None), (200, None)]);
    let config = RetryConfig::default()
        .initial_backoff(Duration::from_secs(10))
        .max_backoff(Duration::from_secs(15));
    let service = ServiceBuilder::new()
        .layer(RetryLayer::new(config))
        .service(inner);
    let started = Instant::now();
    assert_eq!(service.oneshot(get(API_PATH)).await.unwrap().status(), 200);
    // Full jitter: each wait is in [0, min(15 s, 10 s × 2^n)].
    assert!(started.elapsed() <= Duration::from_secs(10 + 15 + 15));
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn the_operation_timeout_cuts_a_long_wait_short() {
    let (inner, calls) = scripted(vec![(429, Some("170")), (200, None)]);
    let service = ServiceBuilder::new()
        .layer(TraceLayer::new())
        .layer(TimeoutLayer::operation(Duration::from_secs(60)))
        .layer(RetryLayer::new(RetryConfig::default()))
        .layer(TimeoutLayer::attempt(Duration::from_secs(5)))
        .service(inner);
    let started = Instant::now();
    let err = service.oneshot(get(API_PATH)).await.unwrap_err();
    assert!(err.is_timeout(TimeoutKind::Operation), "{err:?}");
    assert!(started.elapsed() >= Duration::from_secs(60));
    assert!(started.elapsed() < Duration::from_secs(170));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
