//! User layers around the stack and inside the retry loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use billing_transport::{RequestMeta, Transport};
use bytes::Bytes;
use http::Request;

use crate::common::*;

/// A tower layer counting the requests it sees.
fn counter_layer(
    count: Arc<AtomicUsize>,
) -> impl tower::Layer<
    billing_transport::BoxTransportService,
    Service = tower::util::MapRequest<
        billing_transport::BoxTransportService,
        impl FnMut(Request<Bytes>) -> Request<Bytes> + Clone + Send + Sync + 'static,
    >,
> + Send
+ 'static {
    tower::layer::layer_fn(move |inner| {
        let count = count.clone();
        tower::util::MapRequest::new(inner, move |req: Request<Bytes>| {
            count.fetch_add(1, Ordering::SeqCst);
            req
        })
    })
}

#[tokio::test]
async fn a_user_layer_sees_every_request() {
    let n = AtomicUsize::new(0);
    let server = Server::start(move |req| match req.uri.path() {
        TOKEN_PATH => token_reply("tok", 3600),
        // The first API request fails once with 503 and is retried.
        _ if n.fetch_add(1, Ordering::SeqCst) == 0 => respond(503, "{}"),
        _ => respond(200, OK_BODY),
    })
    .await;
    let operations = Arc::new(AtomicUsize::new(0));
    let attempts = Arc::new(AtomicUsize::new(0));
    let wrapped_later = Arc::new(AtomicUsize::new(0));
    let transport = builder(&server)
        .layer(counter_layer(operations.clone()))
        .attempt_layer(counter_layer(attempts.clone()))
        .build()
        .unwrap()
        .layer(counter_layer(wrapped_later.clone()));
    for _ in 0..5 {
        assert_eq!(transport.send(get(API_PATH)).await.unwrap().status(), 200);
    }
    assert_eq!(operations.load(Ordering::SeqCst), 5);
    assert_eq!(wrapped_later.load(Ordering::SeqCst), 5);
    assert_eq!(attempts.load(Ordering::SeqCst), 6);
    assert_eq!(server.hits(API_PATH), 6);
}

#[tokio::test]
async fn a_whole_transport_can_be_replaced_by_any_service() {
    let transport = Transport::from_service(
        tower::service_fn(|req: Request<Bytes>| async move {
            let meta = req.extensions().get::<RequestMeta>().copied();
            Ok(http::Response::new(Bytes::from(
                meta.map_or("none", |m| m.operation_id),
            )))
        }),
        billing_transport::Environment::default(),
    );
    let response = transport.send(get(API_PATH)).await.unwrap();
    assert_eq!(response.body(), "getBillingReportsBillableusage");
}
