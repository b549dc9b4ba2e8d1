//! Attempt and operation timeouts that fail with a typed [`TransportError::Timeout`].
//!
//! tower's own `timeout` answers with an opaque `Elapsed` error; this one says which timeout it
//! was, so the retry layer can treat an attempt timeout as retryable and the caller can tell an
//! operation that ran out of time from one hung attempt.

use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use tower::{Layer, Service};

use super::ResponseFuture;
use crate::error::{TimeoutKind, TransportError};

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

impl<S> Service<Request<Bytes>> for Timeout<S>
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

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        let (kind, after) = (self.kind, self.after);
        let future = self.inner.call(req);
        Box::pin(async move {
            tokio::time::timeout(after, future)
                .await
                .unwrap_or(Err(TransportError::Timeout { kind, after }))
        })
    }
}
