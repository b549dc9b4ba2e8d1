//! Transport for the Genesys Cloud (PureCloud) Billing API: a [`tower::Service`] over hyper that
//! knows regions, OAuth client credentials, retries, timeouts and limits — and never parses an API
//! body (only the OAuth token reply).
//!
//! # What you configure
//!
//! Everything goes through one [`TransportBuilder`] (and, one level up, `billing_api`'s
//! `ClientBuilder`, which owns one):
//!
//! | what | with |
//! |---|---|
//! | where | [`Region`] or [`Environment`] |
//! | who | [`ClientCredentials`], or any [`TokenSource`] such as [`StaticTokenSource`] |
//! | how long | connect, attempt and operation timeouts |
//! | how often | [`RetryConfig`] (attempts, backoff, `Retry-After` cap, [`RetryBudget`], [`RetryClassifier`]s) |
//! | how much | the body cap (after gzip decompression) |
//! | how | [`Proxy`], TLS ([`Certificate`], [`Identity`], [`TlsVersion`]), user agent, default headers |
//! | what else | your tower layers around the stack or around each attempt; [`Transport::from_service`] |
//!
//! Errors: [`TransportError`] (with [`AuthError`] and [`TimeoutKind`]) when a call fails,
//! [`BuildError`] when a setting is wrong. The layers of the stack ([`TraceLayer`],
//! [`TimeoutLayer`], [`RetryLayer`], [`AuthLayer`], [`BaseUrlLayer`]) can be used on their own;
//! their services, futures and the HTTP client are in [`layers`], the retry table's rules in
//! [`retry`], the platform's response headers in [`headers`].
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
//! # Why the layers are in this order
//!
//! Outermost first: **trace → operation timeout → retry → attempt timeout → auth → base URL /
//! headers → HTTP client**.
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
//!   HTTP client checks it and refuses an `Authorization` header over plain HTTP to a
//!   non-loopback host.
//! * **HTTP client innermost**: buffered `Bytes` bodies make every request replayable and let
//!   the body cap be enforced while streaming.
//!
//! # HTTP details
//!
//! hyper-util's pooled client over hyper-tls (native TLS): HTTP/1.1 keep-alive, HTTP/2 when the
//! server offers it through ALPN; gzip asked for and decompressed. Redirects are not followed.
//! Plain HTTP carries credentials only to loopback hosts (`localhost`, `127.0.0.0/8`, `::1`).
//! HTTPS requests go through an `http://` proxy with `CONNECT` when [`Proxy`] says so (by
//! default from `HTTPS_PROXY`/`ALL_PROXY`/`NO_PROXY`, curl's rules); plain-HTTP destinations
//! always go direct. [`PlainHttpClient`] has the same connections for URLs outside the API (a
//! pre-signed document URL), without auth, base URL or default headers.
//!
//! # Secrets
//!
//! The client secret ([`ClientCredentials`]) and tokens ([`AccessToken`]) are redacting newtypes
//! over `secrecy::SecretString`; `Authorization` header values are marked sensitive; no error
//! message, `Debug` output or tracing field contains them.

mod error;
pub mod headers;
mod hyper_client;
pub mod layers;
mod meta;
mod oauth;
mod proxy;
mod region;
pub mod retry;
mod tls;
mod token;
mod transport;

pub use crate::error::{AuthError, BoxError, BuildError, TimeoutKind, TransportError};
pub use crate::hyper_client::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, PlainHttpClient};
pub use crate::layers::{AuthLayer, BaseUrlLayer, RetryLayer, TimeoutLayer, TraceLayer};
pub use crate::meta::{Attempts, RequestMeta, is_idempotent};
pub use crate::oauth::{TokenForm, TokenReply, request_token};
pub use crate::proxy::Proxy;
pub use crate::region::{Environment, Region, UnknownRegionError, is_loopback_host, same_origin};
pub use crate::retry::{
    DEFAULT_RETRY_AFTER_CAP, RetryBudget, RetryClassifier, RetryConfig, RetryContext, RetryDecision,
};
pub use crate::tls::{Certificate, Identity, TlsVersion};
pub use crate::token::{
    AccessToken, ClientCredentials, ClientCredentialsTokenSource, DEFAULT_REFRESH_MARGIN,
    StaticTokenSource, TokenSource,
};
pub use crate::transport::{
    BoxTransportService, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_OPERATION_TIMEOUT, Transport,
    TransportBuilder,
};

/// Re-exported for implementing [`TokenSource`].
pub use async_trait::async_trait;
