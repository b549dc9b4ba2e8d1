//! Retries: classification (is this outcome worth another try, and when? see [`RetryClassifier`])
//! then a fixed strategy: bounded attempts, exponential backoff with full jitter, `Retry-After`
//! up to a cap, and a retry budget shared by every clone of the transport. The strategy is
//! tower's `Retry` with a policy; the token request goes through the same engine.

mod classify;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use tower::retry::Policy;
use tower::retry::budget::{Budget, TpsBudget};
use tower::{Layer, Service};

pub(crate) use classify::TokenEndpointClassifier;
pub use classify::{
    RetryClassifier, RetryConnectFailure, RetryContext, RetryDecision, RetryInterrupted,
    RetryRateLimited, RetryServerError, RetryTokenEndpointWait, RetryUnavailable,
    default_classifiers,
};

use crate::error::TransportError;
use crate::layers::ResponseFuture;
use crate::meta::{AttemptCounter, Attempts, clone_request, is_idempotent};

/// Default cap on a `Retry-After` wait: 180 s, as the official .NET, Java and Go SDKs.
pub const DEFAULT_RETRY_AFTER_CAP: Duration = Duration::from_secs(180);

/// How many retries may be made, as a share of recent requests: one budget is shared by every
/// request (and token request) through a configuration and its clones, so a failing service
/// sees a trickle of retries instead of a storm.
#[derive(Clone)]
pub struct RetryBudget(Arc<TpsBudget>);

impl RetryBudget {
    /// Retries allowed: `min_per_sec` per second at any time, plus `retry_percent` (0.0 to
    /// 1000.0, as a fraction: 0.2 = 20 %) of the requests made in the last `ttl` (1 to 60 s).
    pub fn new(ttl: Duration, min_per_sec: u32, retry_percent: f32) -> Self {
        let ttl = ttl.clamp(Duration::from_secs(1), Duration::from_secs(60));
        let retry_percent = if retry_percent.is_finite() {
            retry_percent.clamp(0.0, 1000.0)
        } else {
            0.0
        };
        RetryBudget(Arc::new(TpsBudget::new(ttl, min_per_sec, retry_percent)))
    }

    fn deposit(&self) {
        self.0.deposit();
    }

    fn withdraw(&self) -> bool {
        self.0.withdraw()
    }
}

impl Default for RetryBudget {
    /// Retries up to 20 % of the requests of the last 10 s, plus 10 per second.
    fn default() -> Self {
        RetryBudget(Arc::new(TpsBudget::default()))
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget").finish_non_exhaustive()
    }
}

/// Retry settings. Read a setting through its field, change it with the method of the same
/// name. Clones share the retry budget.
///
/// ```
/// use std::time::Duration;
/// use billing_transport::RetryConfig;
/// let retry = RetryConfig::default().max_attempts(5).max_backoff(Duration::from_secs(10));
/// assert_eq!(retry.max_attempts, 5);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in total, the first included (at least 1). Default 4.
    pub max_attempts: u32,
    /// Base of the exponential backoff. Default 500 ms.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff. Default 20 s.
    pub max_backoff: Duration,
    /// Longest `Retry-After` waited for; a 429 asking for more fails at once with
    /// [`TransportError::RateLimited`]. Default [`DEFAULT_RETRY_AFTER_CAP`].
    pub retry_after_cap: Duration,
    budget: RetryBudget,
    classifiers: Vec<Arc<dyn RetryClassifier>>,
}

impl fmt::Debug for RetryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryConfig")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("retry_after_cap", &self.retry_after_cap)
            .field("classifiers", &self.classifiers)
            .finish_non_exhaustive()
    }
}

impl Default for RetryConfig {
    /// 4 attempts, backoff from 500 ms doubling up to 20 s with full jitter, `Retry-After` cap
    /// 180 s, [`RetryBudget::default`], [`default_classifiers`].
    fn default() -> Self {
        RetryConfig {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            retry_after_cap: DEFAULT_RETRY_AFTER_CAP,
            budget: RetryBudget::default(),
            classifiers: default_classifiers(),
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

    /// Longest `Retry-After` the transport waits for.
    pub fn retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// The retry budget shared by every request through this configuration.
    pub fn budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// Ask `classifier` before the others: its `Some` answers override the default table
    /// (e.g. retry a 409, or never retry a 503), its `None` answers leave them in place.
    pub fn classifier(mut self, classifier: impl RetryClassifier + 'static) -> Self {
        self.classifiers.insert(0, Arc::new(classifier));
        self
    }

    /// The same strategy and budget with another classification (the token request's).
    pub(crate) fn with_classifiers(mut self, classifiers: Vec<Arc<dyn RetryClassifier>>) -> Self {
        self.classifiers = classifiers;
        self
    }

    fn classify(
        &self,
        ctx: &RetryContext<'_>,
        outcome: Result<&Response<Bytes>, &TransportError>,
    ) -> RetryDecision {
        self.classifiers
            .iter()
            .find_map(|c| c.classify(ctx, outcome))
            .unwrap_or(RetryDecision::Return)
    }

    /// Backoff before attempt `attempt + 1`: uniform in `[0, min(max, initial × 2^(attempt-1))]`
    /// ("full jitter").
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self
            .initial_backoff
            .saturating_mul(exp)
            .min(self.max_backoff);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Layer that retries per a [`RetryConfig`].
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
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Retry(tower::retry::Retry::new(
            RetryPolicy {
                config: self.config.clone(),
                attempts: 0,
            },
            inner,
        ))
    }
}

/// Service made by [`RetryLayer`].
#[derive(Clone)]
pub struct Retry<S>(tower::retry::Retry<RetryPolicy, S>);

impl<S> fmt::Debug for Retry<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry").finish_non_exhaustive()
    }
}

impl<S> Service<Request<Bytes>> for Retry<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = TransportError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        Box::pin(self.0.call(req))
    }
}

/// tower's retry policy for a [`RetryConfig`]. tower clones it per request, so `attempts`
/// counts the attempts of one operation.
#[derive(Clone)]
struct RetryPolicy {
    config: RetryConfig,
    attempts: u32,
}

impl RetryPolicy {
    fn finish(&self, result: &mut Result<Response<Bytes>, TransportError>) {
        if let Ok(response) = result {
            response.extensions_mut().insert(Attempts(self.attempts));
        }
    }

    /// A 429 asking for more than the cap becomes a typed error carrying the response.
    fn refuse_long_wait(
        &self,
        wait: Duration,
        result: &mut Result<Response<Bytes>, TransportError>,
    ) {
        let Ok(response) = result else { return };
        if response.status() != StatusCode::TOO_MANY_REQUESTS {
            return;
        }
        tracing::debug!(
            retry_after_s = wait.as_secs(),
            cap_s = self.config.retry_after_cap.as_secs(),
            "429 asks for a wait beyond the cap; not retrying"
        );
        let response = std::mem::take(response);
        *result = Err(TransportError::RateLimited {
            retry_after: wait,
            cap: self.config.retry_after_cap,
            response: Box::new(response),
        });
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
        let wait = match self.config.classify(&ctx, result.as_ref()) {
            RetryDecision::Return => None,
            RetryDecision::Backoff => Some(self.config.backoff(self.attempts)),
            RetryDecision::After(wait) if wait > self.config.retry_after_cap => {
                self.refuse_long_wait(wait, result);
                None
            }
            RetryDecision::After(wait) => Some(wait),
        };
        let Some(wait) = wait else {
            self.finish(result);
            return None;
        };
        if self.attempts >= self.config.max_attempts.max(1) {
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
