//! A local HTTP server that behaves like Genesys Cloud for the Billing API: for trying the SDK
//! without credentials, for tests, for benchmarks and for a CLI's `--sandbox` mode.
//!
//! One server on `127.0.0.1` answers both the login host's `/oauth/...` and the API host's
//! `/api/v2/...`, so [`Sandbox::base_url`] is both the API and the login base URL.
//!
//! # What you need first
//!
//! | to… | use |
//! |---|---|
//! | start one (in a test, an example, a benchmark) | [`Sandbox::start`], or [`Sandbox::builder`] → [`SandboxBuilder`] (settings below) → [`start`](SandboxBuilder::start) |
//! | point a client at it | [`Sandbox::client_env`]: the `GENESYSCLOUD_*` variables for `billing_api::ClientBuilder::from_env_vars` |
//! | know its data | [`Sandbox::trustor_org_ids`], [`Sandbox::disabled_trustor_org_ids`]; the values outside the spec it can send: [`UNKNOWN_REPORT_STATUS`], [`UNKNOWN_SUBSCRIPTION_TYPE`], [`UNKNOWN_CONTRACT_STATUS`], [`UNKNOWN_PAYMENT_STATUS`], [`NOT_A_NUMBER_USAGE`] |
//! | make it misbehave | [`Sandbox::inject`] a [`Fault`] or a [`FaultRule`] (which requests, how many times); [`Sandbox::faults`] |
//! | see what the client sent | [`Sandbox::requests`] → [`RecordedRequest`]; [`Sandbox::token_requests`], [`Sandbox::tokens_issued`] |
//! | test a browser sign-in | [`Sandbox::pkce_client_id`], [`SandboxBuilder::deny_consent`] |
//! | fetch invoice PDFs | [`Sandbox::document_base_url`], the second listener that plays the document host |
//! | handle tokens | [`Sandbox::issue_token`], [`Sandbox::revoke_all_tokens`], [`SandboxBuilder::token_expires_in`] |
//! | start over | [`Sandbox::reset`], [`Sandbox::clear_requests`]; [`Sandbox::shutdown`] |
//! | run it as a program | the `billing-sandbox` binary: a flag per setting, and the control endpoints below |
//!
//! # What it serves
//! - `POST /oauth/token`: the client-credentials grant with HTTP Basic client authentication and
//!   the form body `grant_type=client_credentials`. Answers
//!   `{"access_token","token_type":"bearer","expires_in"}`; wrong credentials get `401` with
//!   `{"error":"invalid_client","description","error_description"}`, another grant `400`
//!   `unsupported_grant_type` (a missing one `400 invalid_request`). Tokens expire after
//!   [`SandboxBuilder::token_expires_in`].
//! - `GET /oauth/authorize?response_type=code&client_id&redirect_uri&code_challenge&code_challenge_method=S256&state`:
//!   signs a person in at once and answers `302` to `redirect_uri?code=…&state=…` (with
//!   [`SandboxBuilder::deny_consent`], `?error=access_denied&error_description=…&state=…`). The
//!   client id must be [`SandboxBuilder::pkce_client_id`] (default [`DEFAULT_PKCE_CLIENT_ID`]) and
//!   the redirect URI `http://` on `127.0.0.1`, `localhost` or `[::1]`; otherwise `400` and no
//!   redirect. A `response_type` other than `code` or a challenge other than S256 redirect with
//!   `unsupported_response_type` / `invalid_request`.
//! - `POST /oauth/token` with `grant_type=authorization_code&code&redirect_uri&client_id&code_verifier`
//!   (no secret): the code is single-use (any attempt uses it up) and lives ten minutes; it must
//!   come with the same `redirect_uri` and `client_id` and a verifier whose base64url SHA-256 is
//!   the challenge. Failures get `400 {"error":"invalid_grant",…}`, missing fields `400
//!   invalid_request`. The token is an ordinary bearer token for the API.
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
//!   The data is shaped for a partner roll-up: the org with index 2 (the third) bills in `EUR`,
//!   every other org in `USD`; the last usage line of the org with index 1 (the second) has
//!   `"usageQuantity": "n/a"` ([`NOT_A_NUMBER_USAGE`]) in every period, as a value that is not a
//!   number. Other quantities and prices are decimal strings such as `"198.00"`.
//! - The contract and invoice API (a preview on the platform): every trustor org has two
//!   contracts, the current one (the overview's contract dates) and the three-year one before.
//!   - `GET /api/v2/billing/contracts?before&after&pageSize&dateStart&dateEnd&status&externalNumber`:
//!     `BillingContract`s with monthly `billingPeriods` (only the current month of an active
//!     contract is `Open`) and one plan per product the org buys. `dateStart` / `dateEnd`
//!     (`yyyy-MM-dd`) keep contracts that run on any day between them; `status` is `Active` or
//!     `Inactive`; `externalNumber` matches exactly.
//!   - `GET /api/v2/billing/contracts/{contractId}` and
//!     `GET /api/v2/billing/contracts/{contractId}/billingperiods/{billingPeriodId}`: the
//!     period detail's charges are the overview's usage of that month (same products, same org,
//!     same quantities, overage priced at the overage price) and its wallet the prepaid balance.
//!   - `GET /api/v2/billing/contracts/invoices?before&after&pageSize&dateStart&dateEnd&paymentStatus`:
//!     one invoice per org for each of the last twelve closed months, newest first, invoiced on
//!     the third of the next month. `dateStart` / `dateEnd` bound `dateInvoiced`; the query's
//!     `paymentStatus` is `Paid` or `UnPaid`, while the field says `Paid` or `Unpaid`.
//!   - `GET /api/v2/billing/contracts/invoices/{invoiceId}/lines?before&after&pageSize`: the
//!     month's usage, one line per product, then small adjustments up to
//!     [`SandboxBuilder::invoice_lines_per_invoice`]. The invoice `amount` is the exact sum of
//!     its lines; money is written as JSON numbers with two decimals (`1234.50`).
//!   - `GET /api/v2/billing/contracts/invoices/{invoiceId}/document`: `{"url": …}`, a
//!     pre-signed URL `<document_base_url>/documents/<invoiceId>.pdf?signature=…` on the
//!     document host ([`Sandbox::document_base_url`], a second listener): it serves a small
//!     valid PDF (`application/pdf`), answers `400` to any request carrying an `Authorization`
//!     header, `403` to a wrong signature and `404` to an unknown invoice.
//!
//!   Listings page by opaque cursors: `pageSize` defaults to 25 and must be 1 to 200, else
//!   `400 invalid.query.param.value` (as for an unknown enum value, a date not `yyyy-MM-dd` or a
//!   cursor from another listing). `nextUri` is relative,
//!   `/api/v2/billing/contracts/invoices?pageSize=N&after=CURSOR` followed by the filters, and
//!   absent on the last page; `previousUri` is the same with `before=`, absent on the first.
//!   Unknown ids get `404 not.found`.
//! - `GET /api/v2/orgauthorization/trustors?pageSize&pageNumber`: the orgs that trust the
//!   caller, by organization name. The enabled ones are exactly the overview's orgs
//!   ([`Sandbox::trustor_org_ids`]); [`SandboxBuilder::disabled_trustors`] more are
//!   `"enabled": false` ([`Sandbox::disabled_trustor_org_ids`]). Page numbers: `pageSize`
//!   defaults to 25 (1 to 500, else `400 invalid.query.param.value`), `pageNumber` to 1; the
//!   answer has `pageSize`, `pageNumber`, `total`, `pageCount` and relative `firstUri`,
//!   `selfUri`, `lastUri`, `previousUri` (absent on page 1) and `nextUri` (absent on the last
//!   page), e.g. `/api/v2/orgauthorization/trustors?pageSize=25&pageNumber=2`. A page past the
//!   end is empty.
//! - `GET /api/v2/orgauthorization/trustors/{trustorOrgId}`: one trustor, enabled or not;
//!   `404 not.found` for any other id.
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
//! # Settings
//! Every setting of [`SandboxBuilder`] (each also a flag of the `billing-sandbox` binary,
//! except `omit_usages_while_in_progress` and `max_recorded_requests`):
//!
//! | setting | default | what it changes |
//! |---|---|---|
//! | [`client_credentials`](SandboxBuilder::client_credentials) | [`DEFAULT_CLIENT_ID`] / [`DEFAULT_CLIENT_SECRET`] | what the client-credentials grant accepts |
//! | [`pkce_client_id`](SandboxBuilder::pkce_client_id) | [`DEFAULT_PKCE_CLIENT_ID`] | the public client of the browser sign-in |
//! | [`deny_consent`](SandboxBuilder::deny_consent) | false | the sign-in redirects with `access_denied` |
//! | [`token_expires_in`](SandboxBuilder::token_expires_in) | 24 hours | token lifetime |
//! | [`in_progress_polls`](SandboxBuilder::in_progress_polls) | 2 | `InProgress` answers per report period |
//! | [`omit_usages_while_in_progress`](SandboxBuilder::omit_usages_while_in_progress) | false | `InProgress` reports without `usages` |
//! | [`report_usages`](SandboxBuilder::report_usages) | 8 | usages per report |
//! | [`report_resources_per_usage`](SandboxBuilder::report_resources_per_usage) | 40 | resources per usage |
//! | [`report_target_bytes`](SandboxBuilder::report_target_bytes) | unset | report size in bytes instead |
//! | [`trustor_orgs`](SandboxBuilder::trustor_orgs) | 3 | overview orgs = enabled trustors, two contracts and twelve invoices each |
//! | [`disabled_trustors`](SandboxBuilder::disabled_trustors) | 1 | disabled trustors listed besides them |
//! | [`invoice_lines_per_invoice`](SandboxBuilder::invoice_lines_per_invoice) | one per product | lines per invoice |
//! | [`rate_limit`](SandboxBuilder::rate_limit) / [`no_rate_limit`](SandboxBuilder::no_rate_limit) | 300 per minute | API requests per token |
//! | [`today`](SandboxBuilder::today) | today (UTC) | the day billing period 0 contains |
//! | [`max_recorded_requests`](SandboxBuilder::max_recorded_requests) | 100,000 | requests kept for [`Sandbox::requests`] |
//! | [`bind`](SandboxBuilder::bind) | `127.0.0.1:0` | the API address; the document host takes a free port beside it |
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
//! | [`UnknownEnumValues`](Fault::UnknownEnumValues) | `status: "Archived"`, an unknown `subscriptionType`, contract `status` and invoice `paymentStatus` |
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
//! - `GET /__sandbox`: credentials, settings, trustor org ids (enabled and disabled), the
//!   document host and token counters.
//! - `GET|POST|DELETE /__sandbox/faults`: list, arm (one rule object or an array of them, e.g.
//!   `{"kind":"too_many_requests","retryAfter":2,"times":3,"pathPrefix":"/api/"}`), clear.
//! - `GET|DELETE /__sandbox/requests`: the recorded requests (method, raw path and query,
//!   headers, body, correlation id), or forget them.
//! - `POST /__sandbox/reset`: forget tokens, rate windows, report polls, requests and faults.
//! - `POST /__sandbox/revoke-tokens`: revoke every token.
//! - `POST /__sandbox/tokens`: issue a token without the OAuth exchange.
//!
//! Control requests are not recorded, rate limited or faulted. Requests to the document host
//! are recorded and faulted like the others (a fault rule with the path prefix `/documents/`
//! hits only them).

mod builder;
mod catalog;
mod contracts;
mod control;
mod documents;
mod entities;
mod fault;
mod invoices;
mod oauth;
mod overview;
mod paging;
mod reply;
mod report;
mod router;
mod server;
mod state;
mod trustors;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use builder::{SandboxBuilder, StartError};
pub use contracts::UNKNOWN_CONTRACT_STATUS;
pub use fault::{Fault, FaultRule, Faults};
pub use invoices::UNKNOWN_PAYMENT_STATUS;
pub use overview::{NOT_A_NUMBER_USAGE, UNKNOWN_SUBSCRIPTION_TYPE};
pub use report::UNKNOWN_REPORT_STATUS;
pub use state::RecordedRequest;

use state::Shared;

/// The client id a sandbox accepts unless told otherwise.
pub const DEFAULT_CLIENT_ID: &str = "sandbox-client";
/// The client secret a sandbox accepts unless told otherwise.
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-secret";
/// The public (PKCE) client id the browser sign-in accepts unless told otherwise.
pub const DEFAULT_PKCE_CLIENT_ID: &str = "sandbox-login-client";

/// A running sandbox server. Dropping it stops the server (in-flight requests get a second to
/// finish); [`Sandbox::shutdown`] does the same and waits for it.
#[derive(Debug)]
pub struct Sandbox {
    pub(crate) shared: Arc<Shared>,
    pub(crate) addr: SocketAddr,
    pub(crate) base_url: String,
    pub(crate) document_base_url: String,
    pub(crate) shutdown: Option<oneshot::Sender<()>>,
    pub(crate) task: Option<JoinHandle<()>>,
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

    /// `http://127.0.0.1:<port>` of the document host, a second listener on another port: the
    /// invoice document URLs point there. It serves `GET /documents/<invoiceId>.pdf?signature=…`
    /// and refuses any request with an `Authorization` header.
    pub fn document_base_url(&self) -> &str {
        &self.document_base_url
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

    /// The public client id `GET /oauth/authorize` and the authorization-code grant accept.
    pub fn pkce_client_id(&self) -> &str {
        &self.shared.config.pkce_client_id
    }

    /// The ids of the trustor orgs the overview endpoint knows, in index order. The same
    /// index always gives the same id.
    pub fn trustor_org_ids(&self) -> &[String] {
        &self.shared.config.org_ids
    }

    /// The ids of the disabled trustors, which only the trustor endpoints know (in index
    /// order, after the enabled ones).
    pub fn disabled_trustor_org_ids(&self) -> Vec<String> {
        self.shared
            .config
            .disabled_orgs
            .iter()
            .map(|o| o.id.clone())
            .collect()
    }

    /// How many requests for a report period answer `InProgress` before it is `Complete`.
    pub fn in_progress_polls(&self) -> u32 {
        self.shared.config.in_progress_polls
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
