//! One tracing span per operation: method, path template, operation id, status, attempts,
//! elapsed time and the `ININ-Correlation-Id` response header. Never a header value of the
//! request (so never the `Authorization` header) and never a body.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tokio::time::Instant;
use tower::{Layer, Service};
use tracing::Instrument;
use tracing::field::Empty;

use crate::error::TransportError;
use crate::http::BoxFuture;
use crate::meta::{AttemptCounter, RequestMeta};

/// The response header Genesys Cloud uses to identify a request.
pub const CORRELATION_ID_HEADER: &str = "inin-correlation-id";

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

fn correlation_id(response: &Response<Bytes>) -> Option<String> {
    response
        .headers()
        .get(CORRELATION_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl<S> Service<Request<Bytes>> for Trace<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = TransportError;
    type Future = TraceFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<Bytes>) -> Self::Future {
        // Nothing listens at DEBUG (no subscriber, or one filtering DEBUG out): neither the span
        // nor the two events below could be recorded, so skip all of their work.
        if !tracing::level_enabled!(tracing::Level::DEBUG) {
            return TraceFuture {
                state: State::Untraced {
                    future: self.inner.call(req),
                },
            };
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
        let future = Box::pin(
            async move {
                let result = future.await;
                let span = &outer;
                let attempts = counter.get().max(1);
                let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                span.record("attempts", attempts);
                span.record("elapsed_ms", elapsed_ms);
                let response = match &result {
                    Ok(response) => Some(response),
                    Err(e) => e.response(),
                };
                if let Some(response) = response {
                    span.record("status", response.status().as_u16());
                    if let Some(id) = correlation_id(response) {
                        span.record("correlation_id", id.as_str());
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
        );
        TraceFuture {
            state: State::Traced { future },
        }
    }
}

pin_project! {
    /// Future of [`Trace`]: the inner future as it is when nothing listens at DEBUG, else the
    /// instrumented one that records the outcome.
    pub struct TraceFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        // No span: the inner future, polled directly.
        Untraced {
            #[pin]
            future: F,
        },
        // Within the operation's span.
        Traced {
            future: BoxFuture<Result<Response<Bytes>, TransportError>>,
        },
    }
}

impl<F> fmt::Debug for TraceFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceFuture").finish_non_exhaustive()
    }
}

impl<F> Future for TraceFuture<F>
where
    F: Future<Output = Result<Response<Bytes>, TransportError>>,
{
    type Output = Result<Response<Bytes>, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Untraced { future } => future.poll(cx),
            StateProj::Traced { future } => future.as_mut().poll(cx),
        }
    }
}
