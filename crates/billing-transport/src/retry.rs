//! Retries: a replaceable classification (is this outcome worth another try, and when?) and a
//! fixed strategy (bounded attempts, exponential backoff with full jitter, `Retry-After` with a
//! cap, and a retry budget shared by every clone of the transport).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use tower::Layer;
use tower::retry::Policy;
use tower::retry::budget::{Budget, TpsBudget};

use crate::error::{AuthError, TimeoutKind, TransportError};
use crate::meta::{AttemptCounter, Attempts, clone_request, is_idempotent};

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

/// What the classifier knows about the attempt.
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryContext<'a> {
    /// The request as sent (relative URI, before auth).
    pub request: &'a Request<Bytes>,
    /// Whether replaying it is safe ([`is_idempotent`]).
    pub idempotent: bool,
    /// Which attempt just finished, from 1.
    pub attempt: u32,
}

/// Decides whether an outcome is worth another attempt. Replace [`DefaultClassifier`] with
/// [`RetryConfig::classifier`] to change which statuses or errors are retried.
pub trait RetryClassifier: Send + Sync + fmt::Debug {
    /// Classify the outcome of one attempt.
    fn classify(
        &self,
        ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> RetryDecision;
}

/// The default classification:
///
/// | outcome | decision |
/// |---|---|
/// | 429 | wait `Retry-After` (seconds or HTTP-date), else backoff |
/// | 502, 503, 504 | `Retry-After` if given, else backoff — for every method |
/// | 500 | backoff, idempotent requests only |
/// | other statuses (2xx, 3xx, 4xx) | return |
/// | connect failure or connect timeout (nothing was sent) | backoff |
/// | attempt timeout or other I/O error | backoff, idempotent requests only |
/// | token endpoint answered 429/5xx with `Retry-After` | wait it (any method: the API saw nothing) |
/// | body too large, other auth errors, insecure URL, invalid request | return |
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultClassifier;

impl RetryClassifier for DefaultClassifier {
    fn classify(
        &self,
        ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> RetryDecision {
        let after_or_backoff = |headers: &HeaderMap| match retry_after(headers) {
            Some(wait) => RetryDecision::After(wait),
            None => RetryDecision::Backoff,
        };
        match outcome {
            Ok(response) => match response.status() {
                StatusCode::TOO_MANY_REQUESTS
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT => after_or_backoff(response.headers()),
                StatusCode::INTERNAL_SERVER_ERROR if ctx.idempotent => RetryDecision::Backoff,
                _ => RetryDecision::Return,
            },
            Err(TransportError::Connect { .. })
            | Err(TransportError::Timeout {
                kind: TimeoutKind::Connect,
                ..
            }) => RetryDecision::Backoff,
            // The token endpoint asked to wait: nothing reached the API yet, so any method.
            Err(TransportError::Auth(AuthError::TokenEndpoint {
                retry_after: Some(wait),
                ..
            })) => RetryDecision::After(*wait),
            Err(TransportError::Timeout {
                kind: TimeoutKind::Attempt,
                ..
            })
            | Err(TransportError::Io { .. })
                if ctx.idempotent =>
            {
                RetryDecision::Backoff
            }
            Err(_) => RetryDecision::Return,
        }
    }
}

/// The wait a `Retry-After` header asks for: integer seconds or an HTTP-date (a date in the past
/// means no wait). `None` when absent or unreadable.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Default cap on a `Retry-After` wait: 180 s, as the official .NET, Java and Go SDKs.
pub const DEFAULT_RETRY_AFTER_CAP: Duration = Duration::from_secs(180);

/// Retry settings. Clones share the retry budget.
#[derive(Clone)]
pub struct RetryConfig {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) retry_after_cap: Duration,
    pub(crate) budget: Arc<dyn Budget + Send + Sync>,
    pub(crate) classifier: Arc<dyn RetryClassifier>,
}

impl fmt::Debug for RetryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryConfig")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("retry_after_cap", &self.retry_after_cap)
            .field("classifier", &self.classifier)
            .finish_non_exhaustive()
    }
}

impl Default for RetryConfig {
    /// 4 attempts, backoff from 500 ms doubling up to 20 s with full jitter, `Retry-After` cap
    /// 180 s, tower's default [`TpsBudget`] (retries up to 20 % of requests over 10 s, plus 10
    /// per second), [`DefaultClassifier`].
    fn default() -> Self {
        RetryConfig {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            retry_after_cap: DEFAULT_RETRY_AFTER_CAP,
            budget: Arc::new(TpsBudget::default()),
            classifier: Arc::new(DefaultClassifier),
        }
    }
}

impl RetryConfig {
    /// No retries: one attempt (a 429 beyond the cap is still a typed error).
    pub fn disabled() -> Self {
        RetryConfig::default().max_attempts(1)
    }

    /// Attempts in total, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Base of the exponential backoff.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Upper bound of one backoff.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Longest `Retry-After` the transport waits for; a 429 asking for more fails at once with
    /// [`TransportError::RateLimited`].
    pub fn retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// The retry budget shared by every request through this configuration.
    pub fn budget(mut self, budget: impl Budget + Send + Sync + 'static) -> Self {
        self.budget = Arc::new(budget);
        self
    }

    /// Replace the classification.
    pub fn classifier(mut self, classifier: impl RetryClassifier + 'static) -> Self {
        self.classifier = Arc::new(classifier);
        self
    }

    /// The configured number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The configured `Retry-After` cap.
    pub fn cap(&self) -> Duration {
        self.retry_after_cap
    }

    /// Backoff before attempt `attempt + 1`: uniform in `[0, min(max, initial × 2^(attempt-1))]`
    /// ("full jitter").
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self
            .initial_backoff
            .saturating_mul(exp)
            .min(self.max_backoff);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Layer that retries per a [`RetryConfig`]: tower's `Retry` with a [`RetryPolicy`].
#[derive(Debug, Clone)]
pub struct RetryLayer {
    config: RetryConfig,
}

impl RetryLayer {
    /// A layer retrying per `config`.
    pub fn new(config: RetryConfig) -> Self {
        RetryLayer { config }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = tower::retry::Retry<RetryPolicy, S>;

    fn layer(&self, inner: S) -> Self::Service {
        tower::retry::Retry::new(RetryPolicy::new(self.config.clone()), inner)
    }
}

/// tower retry [`Policy`] applying a [`RetryConfig`]. tower clones it per request, so `attempts`
/// counts the attempts of one operation.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    config: RetryConfig,
    attempts: u32,
}

impl RetryPolicy {
    /// A policy for `config`.
    pub fn new(config: RetryConfig) -> Self {
        RetryPolicy {
            config,
            attempts: 0,
        }
    }

    fn finish(&self, result: &mut Result<Response<Bytes>, TransportError>) {
        if let Ok(response) = result {
            response.extensions_mut().insert(Attempts(self.attempts));
        }
    }
}

impl Policy<Request<Bytes>, Response<Bytes>, TransportError> for RetryPolicy {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        req: &mut Request<Bytes>,
        result: &mut Result<Response<Bytes>, TransportError>,
    ) -> Option<Self::Future> {
        self.attempts += 1;
        if let Some(counter) = req.extensions().get::<AttemptCounter>() {
            counter.bump();
        }
        if self.attempts == 1 {
            self.config.budget.deposit();
        }
        let ctx = RetryContext {
            request: req,
            idempotent: is_idempotent(req),
            attempt: self.attempts,
        };
        let decision = self.config.classifier.classify(&ctx, result.as_ref());
        let wait = match decision {
            RetryDecision::Return => None,
            RetryDecision::Backoff => Some(self.config.backoff(self.attempts)),
            RetryDecision::After(wait) if wait > self.config.retry_after_cap => {
                if let Ok(response) = result {
                    if response.status() == StatusCode::TOO_MANY_REQUESTS {
                        let response = std::mem::take(response);
                        tracing::debug!(
                            retry_after_s = wait.as_secs(),
                            cap_s = self.config.retry_after_cap.as_secs(),
                            "429 asks for a wait beyond the cap; not retrying"
                        );
                        *result = Err(TransportError::RateLimited {
                            retry_after: wait,
                            cap: self.config.retry_after_cap,
                            response: Box::new(response),
                        });
                    }
                }
                None
            }
            RetryDecision::After(wait) => Some(wait),
        };
        let Some(wait) = wait else {
            self.finish(result);
            return None;
        };
        if self.attempts >= self.config.max_attempts {
            tracing::debug!(attempts = self.attempts, "retry attempts exhausted");
            self.finish(result);
            return None;
        }
        if !self.config.budget.withdraw() {
            tracing::debug!(
                attempts = self.attempts,
                "retry budget exhausted; not retrying"
            );
            self.finish(result);
            return None;
        }
        tracing::debug!(
            attempt = self.attempts,
            status = result.as_ref().ok().map(|r| r.status().as_u16()),
            error = result.as_ref().err().map(tracing::field::display),
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying"
        );
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, req: &Request<Bytes>) -> Option<Request<Bytes>> {
        Some(clone_request(req))
    }
}
