//! One tracing span per operation: method, path template, operation id, status, attempts,
//! elapsed time and the correlation id of the answer. Never a header value of the request (so
//! never the `Authorization` header) and never a body.

use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tokio::time::Instant;
use tower::{Layer, Service};
use tracing::Instrument;
use tracing::field::Empty;

use super::ResponseFuture;
use crate::error::TransportError;
use crate::headers::correlation_id;
use crate::meta::{AttemptCounter, RequestMeta};

/// Layer opening a `genesys_request` span (DEBUG level) around each operation and emitting one
/// DEBUG event when it ends.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl TraceLayer {
    /// The layer.
    pub fn new() -> Self {
        TraceLayer
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Trace { inner }
    }
}

/// Service made by [`TraceLayer`].
#[derive(Debug, Clone)]
pub struct Trace<S> {
    inner: S,
}

impl<S> Service<Request<Bytes>> for Trace<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = TransportError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<Bytes>) -> Self::Future {
        // Nobody listens at DEBUG: skip the span, the counter and the events.
        if !tracing::level_enabled!(tracing::Level::DEBUG) {
            return Box::pin(self.inner.call(req));
        }
        let meta = req.extensions().get::<RequestMeta>().copied();
        let span = tracing::debug_span!(
            "genesys_request",
            method = %req.method(),
            path_template = %meta.map_or(req.uri().path(), |m| m.path_template),
            operation_id = meta.map_or("", |m| m.operation_id),
            status = Empty,
            attempts = Empty,
            elapsed_ms = Empty,
            correlation_id = Empty,
        );
        let counter = AttemptCounter::default();
        req.extensions_mut().insert(counter.clone());
        let started = Instant::now();
        let future = {
            let _entered = span.enter();
            self.inner.call(req)
        };
        let outer = span.clone();
        Box::pin(
            async move {
                let result = future.await;
                let attempts = counter.get().max(1);
                let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                outer.record("attempts", attempts);
                outer.record("elapsed_ms", elapsed_ms);
                let response = match &result {
                    Ok(response) => Some(response),
                    Err(e) => e.response(),
                };
                if let Some(response) = response {
                    outer.record("status", response.status().as_u16());
                    if let Some(id) = correlation_id(response.headers()) {
                        outer.record("correlation_id", id);
                    }
                }
                match &result {
                    Ok(response) => tracing::debug!(
                        status = response.status().as_u16(),
                        attempts,
                        elapsed_ms,
                        "request finished"
                    ),
                    Err(error) => tracing::debug!(
                        error = %error,
                        attempts,
                        elapsed_ms,
                        "request failed"
                    ),
                }
                result
            }
            .instrument(span),
        )
    }
}
