//! Attempt and operation timeouts that fail with a typed [`TransportError::Timeout`].
//!
//! tower's own `timeout` answers with an opaque `Elapsed` error; this one says which timeout it
//! was, so the retry layer can treat an attempt timeout as retryable and the caller can tell an
//! operation that ran out of time from one hung attempt.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::Sleep;
use tower::{Layer, Service};

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

impl<S, Req> Service<Req> for Timeout<S>
where
    S: Service<Req, Error = TransportError>,
{
    type Response = S::Response;
    type Error = TransportError;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Req) -> Self::Future {
        TimeoutFuture {
            inner: self.inner.call(req),
            sleep: None,
            kind: self.kind,
            after: self.after,
        }
    }
}

pin_project! {
    /// Future of [`Timeout`]: the inner future, bounded by a timer started when it is first
    /// polled.
    #[derive(Debug)]
    pub struct TimeoutFuture<F> {
        #[pin]
        inner: F,
        #[pin]
        sleep: Option<Sleep>,
        kind: TimeoutKind,
        after: Duration,
    }
}

impl<F, T> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<T, TransportError>>,
{
    type Output = Result<T, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.sleep.is_none() {
            this.sleep.set(Some(tokio::time::sleep(*this.after)));
        }
        if let Poll::Ready(output) = this.inner.poll(cx) {
            return Poll::Ready(output);
        }
        match this.sleep.as_pin_mut() {
            Some(sleep) => match sleep.poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(TransportError::Timeout {
                    kind: *this.kind,
                    after: *this.after,
                })),
                Poll::Pending => Poll::Pending,
            },
            None => Poll::Pending,
        }
    }
}
