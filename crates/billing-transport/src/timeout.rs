//! Attempt and operation timeouts that fail with a typed [`TransportError::Timeout`].
//!
//! tower's own `timeout` answers with an opaque `Elapsed` error; this one says which timeout it
//! was, so the retry layer can treat an attempt timeout as retryable and the caller can tell an
//! operation that ran out of time from one hung attempt.

use std::task::{Context, Poll};
use std::time::Duration;

use tower::{Layer, Service};

use crate::error::{TimeoutKind, TransportError};
use crate::http::BoxFuture;

/// Layer bounding each call of the inner service by a duration.
#[derive(Debug, Clone, Copy)]
pub struct TimeoutLayer {
    kind: TimeoutKind,
    after: Duration,
}

impl TimeoutLayer {
    /// A per-attempt timeout (put it inside the retry layer).
    pub fn attempt(after: Duration) -> Self {
        TimeoutLayer {
            kind: TimeoutKind::Attempt,
            after,
        }
    }

    /// A whole-operation timeout (put it outside the retry layer).
    pub fn operation(after: Duration) -> Self {
        TimeoutLayer {
            kind: TimeoutKind::Operation,
            after,
        }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timeout {
            inner,
            kind: self.kind,
            after: self.after,
        }
    }
}

/// Service made by [`TimeoutLayer`].
#[derive(Debug, Clone)]
pub struct Timeout<S> {
    inner: S,
    kind: TimeoutKind,
    after: Duration,
}

impl<S, Req> Service<Req> for Timeout<S>
where
    S: Service<Req, Error = TransportError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = TransportError;
    type Future = BoxFuture<Result<S::Response, TransportError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Req) -> Self::Future {
        let future = self.inner.call(req);
        let (kind, after) = (self.kind, self.after);
        Box::pin(async move {
            tokio::time::timeout(after, future)
                .await
                .unwrap_or(Err(TransportError::Timeout { kind, after }))
        })
    }
}
