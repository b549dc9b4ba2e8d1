//! The typed client for the Genesys Cloud (PureCloud) Billing API.
//!
//! # What you need first
//!
//! | to… | use |
//! |---|---|
//! | make a client from `GENESYSCLOUD_*` variables | [`Client::from_env`] |
//! | set region, credentials, timeouts, retries, TLS, proxy, rate limit, layers | [`Client::builder`] → [`ClientBuilder`] |
//! | use gc's `~/.gc/config.toml` profiles | [`profile::Profile::load`] → [`Profile::configure`](profile::Profile::configure) |
//! | send a token you already hold | [`ClientBuilder::token_source`] with a [`StaticTokenSource`] |
//! | sign a person in through the browser (authorization code with PKCE) | [`signin::SignIn`] → [`SignedIn::token_source`](signin::SignedIn::token_source) |
//! | call an operation | one method per operation on [`Client`], named after its operation id |
//! | wait for a billable usage report | [`Client::wait_for_billable_usage`] |
//! | fetch many trustor orgs' overviews | [`Client::trustee_overviews`] |
//! | list the orgs that trust yours | [`Client::trustors`] (every page) |
//! | list contracts, invoices, an invoice's lines | [`Client::contracts`], [`Client::invoices`], [`Client::invoice_lines`]: each `.items()`, `.pages()` ([`ItemStream`], [`PageStream`]) or `.collect_all()`, following every page safely |
//! | download an invoice's PDF | [`Client::download_invoice`], or a [`Downloader`] for the pre-signed URL → [`Document`] |
//! | add up a partner's overviews (prepaid, overage, per currency) | [`rollup::Rollup`] |
//! | tell failures apart | [`Error`] and its predicates ([`Error::is_auth`], [`Error::is_rate_limited`], [`Error::correlation_id`], …) |
//! | read the answers | [`models`] |
//! | test without an account | `billing_sandbox::Sandbox` and [`ClientBuilder::from_env_vars`]`(sandbox.client_env())` |
//!
//! The transport's own types that a configuration names ([`ClientCredentials`], [`Region`],
//! [`RetryConfig`], [`Proxy`], [`Certificate`], …) are re-exported here; the rest of it is
//! [`transport`].
//!
//! # A first program
//!
//! ```no_run
//! use billing_api::Client;
//! use chrono::{TimeZone, Utc};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), billing_api::Error> {
//!     // GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET, GENESYSCLOUD_REGION
//!     let client = Client::from_env()?;
//!
//!     // The usage report is built on demand: wait while it is InProgress.
//!     let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
//!     let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
//!     let report = client.wait_for_billable_usage(start, end).wait().await?;
//!     for usage in &report.usages {
//!         println!("{}: {} ({} resources)", usage.name, usage.total_usage, usage.resources.len());
//!     }
//!
//!     // A partner's view of one customer org, last closed billing period.
//!     let overview = client
//!         .get_billing_trusteebillingoverview_trustor_org_id("5c3b0f2e-7d41-4f8a-9b6c-2e1d0a9f8c7b", Some(1))
//!         .await?;
//!     println!("{} {}", overview.currency, overview.subscription_type);
//!     Ok(())
//! }
//! ```
//!
//! # What happens on a call
//!
//! The generated method percent-encodes its arguments into a relative request (dates as UTC
//! `yyyy-MM-ddTHH:mm:ss.SSSZ`; path values as one segment, so no value can change the path),
//! marks it with its operation id as idempotent, and sends it through the
//! [`ClientService`] stack: your layers ([`ClientBuilder::with_layer`]) around the
//! [`billing_transport`] stack (tracing, operation timeout, retry, attempt timeout, OAuth,
//! base URL) or your own service ([`ClientBuilder::with_service`]). A 2xx body is decoded into
//! the [`billing_models`] type; anything else is an [`Error`] that says where it failed.
//!
//! # Errors
//!
//! [`Error`] separates invalid input (nothing sent), configuration, transport (connect,
//! timeout, body too large, auth), service (an HTTP error status with the server's
//! [`ErrorBody`](billing_models::ErrorBody), correlation id and `Retry-After`), and decode
//! errors (the JSON path that failed and an excerpt of the body).
//!
//! # Listings
//!
//! A listing's walk never sends the token off the API host (it reads the cursor or page
//! number out of `nextUri` and asks the same operation again), stops with [`Error::Paging`]
//! instead of looping on a repeated cursor or page, refuses a page size outside
//! 1..=[`MAX_PAGE_SIZE`] before any request, and after a failure part-way yields the items
//! already fetched, then the error. Retries happen below it, per page, so they never repeat
//! items.

mod client;
mod contracts;
mod decode_path;
mod download;
mod error;
mod fanout;
mod invoices;
#[rustfmt::skip]
mod generated;
mod paging;
pub mod profile;
mod request;
pub mod rollup;
pub mod signin;
mod trustors;
mod waiter;

pub use billing_models as models;
/// The transport under the client, for what the re-exports below do not cover (its layers,
/// the retry table's rules, the platform's headers).
pub use billing_transport as transport;
pub use billing_transport::{
    AccessToken, AuthError, Certificate, ClientCredentials, Environment, Identity, Proxy, Region,
    RetryBudget, RetryClassifier, RetryConfig, RetryContext, RetryDecision, StaticTokenSource,
    TimeoutKind, TlsVersion, TokenSource, TransportBuilder, TransportError, async_trait,
};
pub use client::{Client, ClientBuilder, ClientService, RateLimit};
pub use contracts::ContractsRequest;
pub use download::{
    DEFAULT_DOWNLOAD_TIMEOUT, DEFAULT_MAX_DOCUMENT_BYTES, Document, DownloadError,
    DownloadErrorKind, Downloader,
};
pub use error::{DecodeError, Error, ServiceError, Setting};
pub use fanout::{DEFAULT_CONCURRENCY, FanOut, OrgOverview};
pub use generated::operations;
pub use invoices::{InvoiceLinesQuery, InvoiceLinesRequest, InvoicesRequest};
pub use paging::{CursorQuery, ItemStream, ListingRequest, MAX_PAGE_SIZE, Page, PageStream};
pub use request::Operation;
pub use trustors::TrustorsRequest;
pub use waiter::{DEFAULT_DEADLINE, DEFAULT_INTERVAL, Progress, ReportWaiter};

/// The guides in `docs/guide/` and the generated reference, compiled (and, where they use the
/// sandbox, run) as doctests so their code cannot rot.
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../../../README.md")]
    struct Readme;
    #[doc = include_str!("../../../docs/guide/getting-started.md")]
    struct GettingStarted;
    #[doc = include_str!("../../../docs/guide/authentication-and-regions.md")]
    struct AuthenticationAndRegions;
    #[doc = include_str!("../../../docs/guide/retries-rate-limits-and-timeouts.md")]
    struct RetriesRateLimitsAndTimeouts;
    #[doc = include_str!("../../../docs/guide/custom-middleware.md")]
    struct CustomMiddleware;
    #[doc = include_str!("../../../docs/guide/testing-with-the-sandbox.md")]
    struct TestingWithTheSandbox;
    #[doc = include_str!("../../../docs/guide/partner-report.md")]
    struct PartnerReport;
    #[doc = include_str!("../../../docs/guide/contracts-and-invoices.md")]
    struct ContractsAndInvoices;
    #[doc = include_str!("../../../docs/reference/BillingApi.md")]
    struct BillingApiReference;
    #[doc = include_str!("../../../docs/reference/OrganizationAuthorizationApi.md")]
    struct OrganizationAuthorizationApiReference;
}
