//! Transport for the Genesys Cloud (PureCloud) Billing API: a [`tower::Service`] over hyper that
//! knows regions, OAuth client credentials, retries, timeouts and limits — and never parses an API
//! body (only the OAuth token reply).
//!
//! # The default stack
//!
//! ```no_run
//! use std::time::Duration;
//! use billing_transport::{ClientCredentials, Region, RequestMeta, RetryConfig, Transport};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let transport = Transport::builder()
//!     .region("mypurecloud.ie".parse::<Region>()?)
//!     .credentials(ClientCredentials::new("client-id", "client-secret"))
//!     .operation_timeout(Duration::from_secs(120))
//!     .retry(RetryConfig::default().max_attempts(5))
//!     .build()?;
//!
//! let request = http::Request::get(
//!     "/api/v2/billing/reports/billableusage?startDate=2024-05-01T00:00:00.000Z&endDate=2024-06-01T00:00:00.000Z",
//! )
//! .extension(RequestMeta::new(
//!     "getBillingReportsBillableusage",
//!     "/api/v2/billing/reports/billableusage",
//!     true,
//! ))
//! .body(bytes::Bytes::new())?;
//! let response = transport.send(request).await?; // non-2xx is Ok(response) too
//! println!("{} {} bytes", response.status(), response.body().len());
//! # Ok(()) }
//! ```
//!
//! # Adding a layer
//!
//! Any tower layer over [`BoxTransportService`] can wrap the whole stack (it sees each operation
//! once) with [`TransportBuilder::layer`] or [`Transport::layer`], or sit inside the retry loop
//! (it sees each attempt) with [`TransportBuilder::attempt_layer`]:
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use billing_transport::Transport;
//!
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let seen = Arc::new(AtomicUsize::new(0));
//! let counter = seen.clone();
//! let transport = Transport::builder()
//!     .layer(tower::layer::layer_fn(move |inner| {
//!         let counter = counter.clone();
//!         tower::util::MapRequest::new(inner, move |req: http::Request<bytes::Bytes>| {
//!             counter.fetch_add(1, Ordering::Relaxed);
//!             req
//!         })
//!     }))
//!     .build()?;
//! # Ok(()) }
//! ```
//!
//! Each layer is also usable alone: [`TraceLayer`], [`TimeoutLayer`], [`RetryLayer`],
//! [`AuthLayer`], [`BaseUrlLayer`] over an [`HttpClient`]. [`Transport::from_service`] replaces
//! the whole transport.
//!
//! # Why the layers are in this order
//!
//! Outermost first: **trace → operation timeout → retry → attempt timeout → auth → base URL /
//! headers → hyper**.
//!
//! * **Trace outermost**: one span per operation covers everything below — every attempt, every
//!   backoff wait, the token fetch — so its elapsed time is what the caller waited, and its
//!   status and attempt count are the final ones.
//! * **Operation timeout outside retry**: it bounds the whole retry loop, backoff sleeps and
//!   `Retry-After` waits included. Inside retry it would only bound one attempt.
//! * **Retry outside the attempt timeout**: a hung attempt becomes a typed
//!   [`TimeoutKind::Attempt`] error that the retry layer can classify (retried for idempotent
//!   requests), rather than hanging the loop.
//! * **Auth inside retry**: every attempt reads the current token, so a retry after another
//!   request refreshed the token uses the new one; and the 401 → refresh → replay dance happens
//!   once per attempt, never multiplied into a loop by the retry layer (a second 401 is an
//!   error, which the retry layer does not retry). The attempt timeout also bounds a slow token
//!   endpoint.
//! * **Base URL / headers inside auth**: layers above (including user layers and the retry
//!   classifier) see the request as the API layer built it — a relative path — and only the
//!   last step before the wire decides the host. Because auth cannot see the final host, the
//!   [`HttpClient`] checks it and refuses an `Authorization` header over plain HTTP to a
//!   non-loopback host.
//! * **hyper innermost**: buffered `Bytes` bodies make every request replayable and let the body
//!   cap be enforced while streaming.
//!
//! # HTTP details
//!
//! hyper-util's pooled client over hyper-tls (native TLS): HTTP/1.1 keep-alive, HTTP/2 when the
//! server offers it through ALPN. Redirects are not followed. Plain HTTP carries credentials only
//! to loopback hosts (`localhost`, `127.0.0.0/8`, `::1`). `HTTPS_PROXY`/`https_proxy`,
//! `ALL_PROXY`/`all_proxy` and `NO_PROXY`/`no_proxy` are read at build time (hyper-util's
//! matcher, curl's rules) and HTTPS requests are tunnelled through the proxy with `CONNECT`;
//! only `http://` proxy URLs are supported, and plain-HTTP destinations always go direct (see
//! [`ProxyConfig`]).
//!
//! # Secrets
//!
//! The client secret ([`ClientCredentials`]) and tokens ([`AccessToken`]) are redacting newtypes
//! over [`secrecy::SecretString`]; `Authorization` header values are marked sensitive; no error
//! message, `Debug` output or tracing field contains them.

mod auth;
mod base_url;
mod error;
mod http;
mod meta;
mod region;
mod retry;
mod timeout;
mod token;
mod trace;
mod transport;

pub use crate::auth::{Auth, AuthFuture, AuthLayer};
pub use crate::base_url::{BaseUrl, BaseUrlFuture, BaseUrlLayer, default_user_agent};
pub use crate::error::{AuthError, BoxError, BuildError, TimeoutKind, TransportError};
pub use crate::http::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, HttpClient, HttpClientBuilder, HttpFuture,
    ProxyConfig, ProxyMatcher,
};
pub use crate::meta::{Attempts, RequestMeta, clone_request, is_idempotent};
pub use crate::region::{Environment, Region, UnknownRegionError, is_loopback_host};
pub use crate::retry::{
    DEFAULT_RETRY_AFTER_CAP, DefaultClassifier, RetryClassifier, RetryConfig, RetryContext,
    RetryDecision, RetryLayer, RetryPolicy, retry_after,
};
pub use crate::timeout::{Timeout, TimeoutFuture, TimeoutLayer};
pub use crate::token::{
    AccessToken, ClientCredentials, ClientCredentialsTokenSource, DEFAULT_REFRESH_MARGIN,
    StaticTokenSource, TokenSource,
};
pub use crate::trace::{CORRELATION_ID_HEADER, Trace, TraceFuture, TraceLayer};
pub use crate::transport::{
    BoxTransportService, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_OPERATION_TIMEOUT, Transport,
    TransportBuilder,
};

/// Re-exported for implementing [`TokenSource`].
pub use async_trait::async_trait;
/// Re-exported: the budget trait and tower's default budget for [`RetryConfig::budget`].
pub use tower::retry::budget::{Budget, TpsBudget};
