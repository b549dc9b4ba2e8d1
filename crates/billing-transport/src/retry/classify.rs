//! Classification: is the outcome of one attempt worth another, and when? Each rule of the
//! default table is a classifier of its own, so one row can be replaced by putting a classifier
//! in front of it ([`RetryConfig::classifier`](super::RetryConfig::classifier)) without copying
//! the others.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};

use crate::error::{AuthError, TimeoutKind, TransportError};
use crate::headers::retry_after;

/// What to do with the outcome of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Hand the outcome to the caller.
    Return,
    /// Try again after an exponential backoff with full jitter.
    Backoff,
    /// Try again after this wait (from `Retry-After`). A wait above the configured cap is not
    /// taken: a 429 then becomes [`TransportError::RateLimited`], anything else is returned.
    After(Duration),
}

/// What a classifier knows about the attempt.
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryContext<'a> {
    /// The request as sent (relative URI, before auth).
    pub request: &'a Request<Bytes>,
    /// Whether replaying it is safe ([`is_idempotent`](crate::is_idempotent)).
    pub idempotent: bool,
    /// Which attempt just finished, from 1.
    pub attempt: u32,
}

/// One rule of the retry table. Classifiers are asked in order; the first that answers
/// `Some` decides, and an outcome no classifier has an opinion on is returned to the caller.
pub trait RetryClassifier: Send + Sync + fmt::Debug {
    /// The decision for this outcome, or `None` to let the next classifier decide.
    fn classify(
        &self,
        ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> Option<RetryDecision>;
}

fn after_or_backoff(response: &Response<Bytes>) -> RetryDecision {
    match retry_after(response.headers()) {
        Some(wait) => RetryDecision::After(wait),
        None => RetryDecision::Backoff,
    }
}

/// 429 Too Many Requests: wait `Retry-After` (seconds or HTTP-date), else back off. Any method:
/// the server did not act on the request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryRateLimited;

impl RetryClassifier for RetryRateLimited {
    fn classify(
        &self,
        _ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> Option<RetryDecision> {
        let response = outcome.ok()?;
        (response.status() == StatusCode::TOO_MANY_REQUESTS).then(|| after_or_backoff(response))
    }
}

/// 502, 503, 504 (a gateway or the service is unavailable): `Retry-After` if given, else back
/// off. Any method: the gateway answered, the service did not act.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryUnavailable;

impl RetryClassifier for RetryUnavailable {
    fn classify(
        &self,
        _ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> Option<RetryDecision> {
        let response = outcome.ok()?;
        matches!(
            response.status(),
            StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
        )
        .then(|| after_or_backoff(response))
    }
}

/// 500: back off, for idempotent requests only (the service may have acted).
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryServerError;

impl RetryClassifier for RetryServerError {
    fn classify(
        &self,
        ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> Option<RetryDecision> {
        let response = outcome.ok()?;
        (response.status() == StatusCode::INTERNAL_SERVER_ERROR && ctx.idempotent)
            .then_some(RetryDecision::Backoff)
    }
}

/// A connection that could not be made (refused, connect timeout): back off, any method, since
/// nothing was sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryConnectFailure;

impl RetryClassifier for RetryConnectFailure {
    fn classify(
        &self,
        _ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> Option<RetryDecision> {
        match outcome.err()? {
            TransportError::Connect { .. }
            | TransportError::Timeout {
                kind: TimeoutKind::Connect,
                ..
            } => Some(RetryDecision::Backoff),
            _ => None,
        }
    }
}

/// The token endpoint asked to wait (`Retry-After` on a 429 or 5xx): wait it, any method, since
/// the API saw nothing yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryTokenEndpointWait;

impl RetryClassifier for RetryTokenEndpointWait {
    fn classify(
        &self,
        _ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> Option<RetryDecision> {
        match outcome.err()? {
            TransportError::Auth(AuthError::TokenEndpoint {
                retry_after: Some(wait),
                ..
            }) => Some(RetryDecision::After(*wait)),
            _ => None,
        }
    }
}

/// An attempt timeout or an I/O error mid-request: back off, idempotent requests only (the
/// request may have arrived).
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryInterrupted;

impl RetryClassifier for RetryInterrupted {
    fn classify(
        &self,
        ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> Option<RetryDecision> {
        match outcome.err()? {
            TransportError::Timeout {
                kind: TimeoutKind::Attempt,
                ..
            }
            | TransportError::Io { .. }
                if ctx.idempotent =>
            {
                Some(RetryDecision::Backoff)
            }
            _ => None,
        }
    }
}

/// The default table, in the order it is asked:
///
/// | classifier | outcome | decision |
/// |---|---|---|
/// | [`RetryRateLimited`] | 429 | wait `Retry-After`, else backoff |
/// | [`RetryUnavailable`] | 502, 503, 504 | `Retry-After` if given, else backoff — every method |
/// | [`RetryServerError`] | 500 | backoff, idempotent requests only |
/// | [`RetryConnectFailure`] | connect failure or connect timeout (nothing was sent) | backoff |
/// | [`RetryTokenEndpointWait`] | token endpoint answered 429/5xx with `Retry-After` | wait it |
/// | [`RetryInterrupted`] | attempt timeout or other I/O error | backoff, idempotent only |
/// | (none) | anything else: 2xx, 3xx, 4xx, body too large, TLS, other auth errors, … | return |
pub fn default_classifiers() -> Vec<Arc<dyn RetryClassifier>> {
    vec![
        Arc::new(RetryRateLimited),
        Arc::new(RetryUnavailable),
        Arc::new(RetryServerError),
        Arc::new(RetryConnectFailure),
        Arc::new(RetryTokenEndpointWait),
        Arc::new(RetryInterrupted),
    ]
}

/// The token request's table: a 429 or 5xx without `Retry-After` and any failure to get an
/// answer are retried with backoff (the request is a POST, but repeating it is harmless: it
/// only mints a token). A 429 or 5xx *with* `Retry-After` is returned, so that the wait is
/// taken by the API request's retry loop, outside its attempt timeout.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TokenEndpointClassifier;

impl RetryClassifier for TokenEndpointClassifier {
    fn classify(
        &self,
        _ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> Option<RetryDecision> {
        match outcome {
            Ok(response)
                if (response.status() == StatusCode::TOO_MANY_REQUESTS
                    || response.status().is_server_error())
                    && retry_after(response.headers()).is_none() =>
            {
                Some(RetryDecision::Backoff)
            }
            Err(
                TransportError::Connect { .. }
                | TransportError::Timeout { .. }
                | TransportError::Io { .. },
            ) => Some(RetryDecision::Backoff),
            _ => Some(RetryDecision::Return),
        }
    }
}
