//! A local HTTP server that behaves like Genesys Cloud for the Billing API: for trying the SDK
//! without credentials, for tests, for benchmarks and for a CLI's `--sandbox` mode.
//!
//! One server on `127.0.0.1` answers both the login host's `POST /oauth/token` and the API host's
//! `/api/v2/billing/...`, so [`Sandbox::base_url`] is both the API and the login base URL.
//!
//! # What it serves
//! - `POST /oauth/token`: the client-credentials grant with HTTP Basic client authentication and
//!   the form body `grant_type=client_credentials`. Answers
//!   `{"access_token","token_type":"bearer","expires_in"}`; wrong credentials get `401` with
//!   `{"error":"invalid_client","description","error_description"}`, another grant `400`
//!   `unsupported_grant_type` (a missing one `400 invalid_request`). Tokens expire after
//!   [`SandboxBuilder::token_expires_in`].
//! - `GET /api/v2/billing/reports/billableusage?startDate=…&endDate=…`: a bearer token is required
//!   (`401 authentication.required` without one, `401 bad.credentials` for an unknown, revoked or
//!   expired one). Missing or malformed dates get `400 invalid.date`; an `endDate` not after
//!   `startDate` gets `400 constraint.validation`. The first
//!   [`in_progress_polls`](SandboxBuilder::in_progress_polls) requests for a period answer
//!   `"status":"InProgress"` with `"usages":[]`, later ones `"Complete"` with deterministic data:
//!   several licence and device usages, users and devices as resources, `date`s inside the period,
//!   `totalUsage` equal to the number of resources. Reports are built once per period and served
//!   from memory, from a few KB up to tens of MB ([`SandboxBuilder::report_target_bytes`]).
//! - `GET /api/v2/billing/trusteebillingoverview/{trustorOrgId}?billingPeriodIndex=N`: all 17
//!   fields filled, for period 0 (the current month, default), 1 (the month before)… An unknown
//!   org gets `404 not.found`, a negative, non-integer or too large index
//!   `400 invalid.query.param.value`.
//! - Anything else gets `404 not.found`.
//!
//! Every response carries `ININ-Correlation-Id` (also the `contextId` of error bodies) and
//! `inin-ratelimit-count` / `inin-ratelimit-allowed` / `inin-ratelimit-reset`. Errors are full
//! `ErrorBody` JSON (`message`, `code`, `status`, `messageParams`, `contextId`, `details`,
//! `errors`, plus `limit` on 429s) with the codes and messages of the spec's
//! `x-inin-error-codes`. API requests are rate limited per token (default 300 per minute, as the
//! platform's `client.credentials.token.rate.per.minute`): over the limit they get `429
//! too.many.requests.retry.after` with a `Retry-After` header in whole seconds.
//!
//! # Faults
//! The next requests (optionally only those whose path starts with a prefix) can be made to
//! misbehave, from Rust through [`Sandbox::inject`] / [`Faults`], or over HTTP with
//! `POST /__sandbox/faults`. The kinds, see [`Fault`]:
//!
//! | kind | effect |
//! |---|---|
//! | [`TooManyRequests`](Fault::TooManyRequests) | 429, with or without `Retry-After` |
//! | [`InternalServerError`](Fault::InternalServerError) | 500 `internal.server.error` |
//! | [`BadGateway`](Fault::BadGateway) | 502 with an HTML body |
//! | [`ServiceUnavailable`](Fault::ServiceUnavailable) | 503 `service.unavailable`, optional `Retry-After` |
//! | [`GatewayTimeout`](Fault::GatewayTimeout) | 504 `request.timeout` |
//! | [`Delay`](Fault::Delay) | answers normally after a delay |
//! | [`ConnectionReset`](Fault::ConnectionReset) | closes the connection without a response |
//! | [`TruncatedBody`](Fault::TruncatedBody) | full `Content-Length`, half the body, then close |
//! | [`MalformedJson`](Fault::MalformedJson) | a well-framed body that is not JSON |
//! | [`UnknownEnumValues`](Fault::UnknownEnumValues) | `status: "Archived"`, an unknown `subscriptionType` |
//! | [`ExtraFields`](Fault::ExtraFields) | fields the spec does not know |
//! | [`OversizedBody`](Fault::OversizedBody) | a valid body padded to a size |
//! | [`RevokeTokens`](Fault::RevokeTokens) | all tokens revoked before answering |
//!
//! ```no_run
//! use std::time::Duration;
//! use billing_sandbox::{Fault, FaultRule, Sandbox};
//!
//! # async fn example() -> Result<(), billing_sandbox::StartError> {
//! let sandbox = Sandbox::builder()
//!     .in_progress_polls(1)
//!     .rate_limit(100, Duration::from_secs(60))
//!     .start()
//!     .await?;
//! // The next two API requests get 503 with `Retry-After: 1`; token requests are spared.
//! sandbox.inject(
//!     FaultRule::new(Fault::ServiceUnavailable { retry_after_secs: Some(1) })
//!         .times(2)
//!         .path_prefix("/api/"),
//! );
//! // The next request of any kind loses its connection.
//! sandbox.inject(Fault::ConnectionReset);
//! println!("API and login base URL: {}", sandbox.base_url());
//! // … point the client at it, then check what it sent:
//! for request in sandbox.requests() {
//!     println!("{} {}", request.method, request.path_and_query);
//! }
//! # Ok(()) }
//! ```
//!
//! # Control endpoints (for the binary)
//! - `GET /__sandbox`: credentials, settings, trustor org ids and token counters.
//! - `GET|POST|DELETE /__sandbox/faults`: list, arm (one rule object or an array of them, e.g.
//!   `{"kind":"too_many_requests","retryAfter":2,"times":3,"pathPrefix":"/api/"}`), clear.
//! - `GET|DELETE /__sandbox/requests`: the recorded requests (method, raw path and query,
//!   headers, body, correlation id), or forget them.
//! - `POST /__sandbox/reset`: forget tokens, rate windows, report polls, requests and faults.
//! - `POST /__sandbox/revoke-tokens`: revoke every token.
//! - `POST /__sandbox/tokens`: issue a token without the OAuth exchange.
//!
//! Control requests are not recorded, rate limited or faulted.

mod control;
mod fault;
mod overview;
mod report;
mod server;
mod state;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use fault::{Fault, FaultRule, Faults};
pub use overview::UNKNOWN_SUBSCRIPTION_TYPE;
pub use report::UNKNOWN_REPORT_STATUS;
pub use state::RecordedRequest;

use overview::TrustorOrg;
use report::ReportShape;
use state::{Config, Shared};

/// The client id a sandbox accepts unless told otherwise.
pub const DEFAULT_CLIENT_ID: &str = "sandbox-client";
/// The client secret a sandbox accepts unless told otherwise.
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-secret";

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

/// Settings for a [`Sandbox`]; start with [`Sandbox::builder`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    client_id: String,
    client_secret: String,
    token_expires_in: Duration,
    in_progress_polls: u32,
    omit_usages_while_in_progress: bool,
    report_usages: usize,
    report_resources_per_usage: usize,
    report_target_bytes: Option<usize>,
    trustor_orgs: usize,
    rate_limit: Option<(u32, Duration)>,
    today: Option<NaiveDate>,
    max_recorded_requests: usize,
    bind: SocketAddr,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            token_expires_in: Duration::from_secs(86_400),
            in_progress_polls: 2,
            omit_usages_while_in_progress: false,
            report_usages: 8,
            report_resources_per_usage: 40,
            report_target_bytes: None,
            trustor_orgs: 3,
            rate_limit: Some((300, Duration::from_secs(60))),
            today: None,
            max_recorded_requests: 100_000,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        }
    }
}

impl SandboxBuilder {
    /// The client id and secret `POST /oauth/token` accepts (default [`DEFAULT_CLIENT_ID`] /
    /// [`DEFAULT_CLIENT_SECRET`]).
    #[must_use]
    pub fn client_credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }

    /// How long issued tokens stay valid (default 24 hours). `expires_in` in the token reply is
    /// this in whole seconds, rounded down; the token itself expires at the exact duration.
    #[must_use]
    pub fn token_expires_in(mut self, lifetime: Duration) -> Self {
        self.token_expires_in = lifetime;
        self
    }

    /// How many requests for a given (`startDate`, `endDate`) answer `InProgress` before the
    /// report is `Complete` (default 2; 0 means complete at once). Counted across all clients.
    #[must_use]
    pub fn in_progress_polls(mut self, polls: u32) -> Self {
        self.in_progress_polls = polls;
        self
    }

    /// Leave `usages` out of `InProgress` reports instead of sending `"usages":[]` (the spec
    /// marks it required, but a client should tolerate its absence while in progress).
    #[must_use]
    pub fn omit_usages_while_in_progress(mut self, omit: bool) -> Self {
        self.omit_usages_while_in_progress = omit;
        self
    }

    /// How many usages (licence and device types) a Complete report has (default 8). Beyond the
    /// twelve built-in names the names repeat with a `(bundle N)` suffix.
    #[must_use]
    pub fn report_usages(mut self, usages: usize) -> Self {
        self.report_usages = usages;
        self
    }

    /// How many resources the first usage of a report has (default 40); the others have 60 to
    /// 100 % of it. Replaces an earlier [`report_target_bytes`](Self::report_target_bytes).
    #[must_use]
    pub fn report_resources_per_usage(mut self, resources: usize) -> Self {
        self.report_resources_per_usage = resources;
        self.report_target_bytes = None;
        self
    }

    /// Sizes Complete reports to about `bytes` (within a few percent) by choosing the number of
    /// resources per usage; e.g. `50 << 20` for a 50 MB benchmark report. Replaces an earlier
    /// [`report_resources_per_usage`](Self::report_resources_per_usage).
    #[must_use]
    pub fn report_target_bytes(mut self, bytes: usize) -> Self {
        self.report_target_bytes = Some(bytes);
        self
    }

    /// How many trustor orgs exist for the trustee billing overview (default 3). Their ids are
    /// deterministic UUID-shaped strings, see [`Sandbox::trustor_org_ids`].
    #[must_use]
    pub fn trustor_orgs(mut self, count: usize) -> Self {
        self.trustor_orgs = count;
        self
    }

    /// Allows each token `requests` API requests per fixed window of `per` (default 300 per
    /// minute); more get 429. Token requests are not limited.
    #[must_use]
    pub fn rate_limit(mut self, requests: u32, per: Duration) -> Self {
        self.rate_limit = Some((requests, per.max(Duration::from_millis(1))));
        self
    }

    /// Turns rate limiting off (headers still report the count).
    #[must_use]
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// The date billing period 0 contains (default: today, UTC). Fix it for reproducible
    /// overviews.
    #[must_use]
    pub fn today(mut self, date: NaiveDate) -> Self {
        self.today = Some(date);
        self
    }

    /// How many requests to keep for [`Sandbox::requests`] (default 100,000; the oldest go
    /// first; 0 records nothing).
    #[must_use]
    pub fn max_recorded_requests(mut self, max: usize) -> Self {
        self.max_recorded_requests = max;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port).
    #[must_use]
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Binds the socket and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// [`StartError::Bind`] if the address cannot be bound.
    pub async fn start(self) -> Result<Sandbox, StartError> {
        let listener = TcpListener::bind(self.bind)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.bind,
            source,
        })?;
        let resources_per_usage = match self.report_target_bytes {
            Some(bytes) => report::resources_for_target(self.report_usages, bytes),
            None => self.report_resources_per_usage,
        };
        let orgs: Vec<TrustorOrg> = (0..self.trustor_orgs).map(TrustorOrg::new).collect();
        let config = Config {
            client_id: self.client_id,
            client_secret: self.client_secret,
            token_expires_in: self.token_expires_in,
            in_progress_polls: self.in_progress_polls,
            omit_usages_while_in_progress: self.omit_usages_while_in_progress,
            report_shape: ReportShape {
                usages: self.report_usages,
                resources_per_usage,
            },
            org_ids: orgs.iter().map(|o| o.id.clone()).collect(),
            orgs,
            rate_limit: self.rate_limit,
            today: self.today,
            max_recorded_requests: self.max_recorded_requests,
        };
        let shared = Arc::new(Shared::new(config));
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, shared.clone(), shutdown_rx));
        Ok(Sandbox {
            shared,
            addr,
            base_url: format!("http://{addr}"),
            shutdown: Some(shutdown_tx),
            task: Some(task),
        })
    }
}

/// A running sandbox server. Dropping it stops the server (in-flight requests get a second to
/// finish); [`Sandbox::shutdown`] does the same and waits for it.
#[derive(Debug)]
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Settings with the defaults; see [`SandboxBuilder`].
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Starts a sandbox with the default settings.
    ///
    /// # Errors
    /// See [`SandboxBuilder::start`].
    pub async fn start() -> Result<Sandbox, StartError> {
        SandboxBuilder::default().start().await
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash: the API base URL and the login base
    /// URL at once (`{base_url}/oauth/token`, `{base_url}/api/v2/...`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `base_url` followed by `path_and_query` (which starts with `/`).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What a client needs to talk to this sandbox, as the environment variables the Genesys
    /// tools read: `GENESYSCLOUD_API_URL` and `GENESYSCLOUD_LOGIN_URL` (both [`base_url`]),
    /// `GENESYSCLOUD_OAUTHCLIENT_ID` and `GENESYSCLOUD_OAUTHCLIENT_SECRET`. Hand them to
    /// `billing_api::ClientBuilder::from_env_vars`, or to a child process.
    ///
    /// [`base_url`]: Sandbox::base_url
    pub fn client_env(&self) -> [(&'static str, String); 4] {
        [
            ("GENESYSCLOUD_API_URL", self.base_url().to_owned()),
            ("GENESYSCLOUD_LOGIN_URL", self.base_url().to_owned()),
            ("GENESYSCLOUD_OAUTHCLIENT_ID", self.client_id().to_owned()),
            (
                "GENESYSCLOUD_OAUTHCLIENT_SECRET",
                self.client_secret().to_owned(),
            ),
        ]
    }

    /// The client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.shared.config.client_id
    }

    /// The client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        &self.shared.config.client_secret
    }

    /// The ids of the trustor orgs the overview endpoint knows, in index order. The same
    /// index always gives the same id.
    pub fn trustor_org_ids(&self) -> &[String] {
        &self.shared.config.org_ids
    }

    /// The number of resources per usage Complete reports use (computed from
    /// [`SandboxBuilder::report_target_bytes`] when that was set).
    pub fn report_resources_per_usage(&self) -> usize {
        self.shared.config.report_shape.resources_per_usage
    }

    /// A handle on the armed faults, usable after the sandbox moved elsewhere.
    pub fn faults(&self) -> Faults {
        self.shared.faults.clone()
    }

    /// Arms a fault: a [`Fault`] alone applies to the next request, a [`FaultRule`] says how
    /// many requests and which paths.
    pub fn inject(&self, rule: impl Into<FaultRule>) {
        self.shared.faults.inject(rule);
    }

    /// The requests received so far (control endpoints excluded), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// How many requests reached `/oauth/token` (any method, any outcome, faults included).
    pub fn token_requests(&self) -> usize {
        self.shared.token_requests()
    }

    /// How many tokens were issued.
    pub fn tokens_issued(&self) -> usize {
        self.shared.tokens_issued()
    }

    /// Issues a valid bearer token without the OAuth exchange (counted in
    /// [`tokens_issued`](Self::tokens_issued), not in [`token_requests`](Self::token_requests)).
    pub fn issue_token(&self) -> String {
        self.shared.issue_token()
    }

    /// Revokes every issued token: API requests with them get `401 bad.credentials`.
    pub fn revoke_all_tokens(&self) {
        self.shared.revoke_all_tokens();
    }

    /// Forgets tokens, rate-limit windows, report polls, recorded requests, counters and
    /// armed faults; generated reports stay cached.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting connections, lets in-flight requests finish (for at most a second) and
    /// waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}
