//! [`SandboxBuilder`]: the settings of a sandbox and how it starts.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::catalog::TrustorOrg;
use crate::report::{self, ReportShape};
use crate::router::Host;
use crate::server::serve;
use crate::state::{Config, Shared};
use crate::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PKCE_CLIENT_ID, Sandbox};

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
    pkce_client_id: String,
    deny_consent: bool,
    token_expires_in: Duration,
    in_progress_polls: u32,
    omit_usages_while_in_progress: bool,
    report_usages: usize,
    report_resources_per_usage: usize,
    report_target_bytes: Option<usize>,
    trustor_orgs: usize,
    disabled_trustors: usize,
    rate_limit: Option<(u32, Duration)>,
    today: Option<NaiveDate>,
    max_recorded_requests: usize,
    invoice_lines_per_invoice: Option<usize>,
    bind: SocketAddr,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            pkce_client_id: DEFAULT_PKCE_CLIENT_ID.to_owned(),
            deny_consent: false,
            token_expires_in: Duration::from_secs(86_400),
            in_progress_polls: 2,
            omit_usages_while_in_progress: false,
            report_usages: 8,
            report_resources_per_usage: 40,
            report_target_bytes: None,
            trustor_orgs: 3,
            disabled_trustors: 1,
            rate_limit: Some((300, Duration::from_secs(60))),
            today: None,
            max_recorded_requests: 100_000,
            invoice_lines_per_invoice: None,
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

    /// The client id `GET /oauth/authorize` and the authorization-code grant accept (default
    /// [`DEFAULT_PKCE_CLIENT_ID`]): a public client, signing a person in without a secret.
    #[must_use]
    pub fn pkce_client_id(mut self, id: impl Into<String>) -> Self {
        self.pkce_client_id = id.into();
        self
    }

    /// Makes `GET /oauth/authorize` redirect with `error=access_denied` instead of a code, as
    /// when the person declines (default false).
    #[must_use]
    pub fn deny_consent(mut self, deny: bool) -> Self {
        self.deny_consent = deny;
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

    /// How many trustor orgs exist for the trustee billing overview (default 3): the enabled
    /// trustors, each with contracts and invoices. Their ids are deterministic UUID-shaped
    /// strings, see [`Sandbox::trustor_org_ids`].
    #[must_use]
    pub fn trustor_orgs(mut self, count: usize) -> Self {
        self.trustor_orgs = count;
        self
    }

    /// How many disabled trustors the trustor listing has besides the enabled ones (default
    /// 1). They have no overview, contracts or invoices, see
    /// [`Sandbox::disabled_trustor_org_ids`].
    #[must_use]
    pub fn disabled_trustors(mut self, count: usize) -> Self {
        self.disabled_trustors = count;
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

    /// How many lines every invoice has (default: one per product the org buys, which is that
    /// month's usage). Lines past the products are small adjustments; the invoice `amount` is
    /// always their exact sum. E.g. 10,000 to stream a long listing in pages of 200.
    #[must_use]
    pub fn invoice_lines_per_invoice(mut self, lines: usize) -> Self {
        self.invoice_lines_per_invoice = Some(lines);
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port). The document host
    /// listens on a free port of the same interface.
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
        // The document host: the same interface, another port, so another origin.
        let documents_bind = SocketAddr::new(self.bind.ip(), 0);
        let bind_error = |source| StartError::Bind {
            addr: documents_bind,
            source,
        };
        let documents = TcpListener::bind(documents_bind)
            .await
            .map_err(bind_error)?;
        let documents_addr = documents.local_addr().map_err(bind_error)?;
        let document_base_url = format!("http://{documents_addr}");
        let resources_per_usage = match self.report_target_bytes {
            Some(bytes) => report::resources_for_target(self.report_usages, bytes),
            None => self.report_resources_per_usage,
        };
        let orgs: Vec<TrustorOrg> = (0..self.trustor_orgs).map(TrustorOrg::new).collect();
        let config = Config {
            client_id: self.client_id,
            client_secret: self.client_secret,
            pkce_client_id: self.pkce_client_id,
            deny_consent: self.deny_consent,
            token_expires_in: self.token_expires_in,
            in_progress_polls: self.in_progress_polls,
            omit_usages_while_in_progress: self.omit_usages_while_in_progress,
            report_shape: ReportShape {
                usages: self.report_usages,
                resources_per_usage,
            },
            org_ids: orgs.iter().map(|o| o.id.clone()).collect(),
            disabled_orgs: (self.trustor_orgs..self.trustor_orgs + self.disabled_trustors)
                .map(TrustorOrg::new)
                .collect(),
            orgs,
            rate_limit: self.rate_limit,
            today: self.today,
            max_recorded_requests: self.max_recorded_requests,
            invoice_lines: self.invoice_lines_per_invoice,
            document_base_url: document_base_url.clone(),
            document_key: crate::wire::random_token(32),
        };
        let shared = Arc::new(Shared::new(config));
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let task = tokio::spawn(serve_both(listener, documents, shared.clone(), shutdown_rx));
        Ok(Sandbox {
            shared,
            addr,
            base_url: format!("http://{addr}"),
            document_base_url,
            shutdown: Some(shutdown_tx),
            task: Some(task),
        })
    }
}

/// Serves the API and login host and the document host until `shutdown` fires.
async fn serve_both(
    api: TcpListener,
    documents: TcpListener,
    shared: Arc<Shared>,
    shutdown: oneshot::Receiver<()>,
) {
    let (documents_tx, documents_rx) = oneshot::channel::<()>();
    let api = async {
        serve(api, shared.clone(), Host::Api, shutdown).await;
        drop(documents_tx);
    };
    tokio::join!(
        api,
        serve(documents, shared.clone(), Host::Documents, documents_rx)
    );
}
