//! `Client` and `ClientBuilder`: configuration (explicit or from the environment), the service
//! stack every call goes through, and the one path from request to decoded answer.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use billing_transport::{
    BoxError, ClientCredentials, Environment, Region, RetryConfig, TokenSource, Transport,
};
use bytes::Bytes;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::{Request, Response};
use serde::de::DeserializeOwned;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};

use crate::error::{DecodeError, Error, ServiceError, correlation_id, excerpt};
use crate::request::RequestBuilder;

/// The service stack a [`Client`] sends every request through: the transport (or a
/// replacement from [`ClientBuilder::with_service`]) wrapped in the layers from
/// [`ClientBuilder::with_layer`]. Requests carry a relative URI (path and query) and a
/// [`billing_transport::RequestMeta`] extension.
pub type ClientService = BoxCloneSyncService<Request<Bytes>, Response<Bytes>, BoxError>;

/// A client-wide request rate that all calls share (a fan-out included), so a burst stays
/// under the org's API limit instead of bouncing off 429s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    requests: NonZeroU32,
    per: Duration,
}

impl RateLimit {
    /// `requests` per `per`, spread evenly (no bursts). `None` when either is zero.
    pub fn new(requests: u32, per: Duration) -> Option<RateLimit> {
        let requests = NonZeroU32::new(requests)?;
        (!per.is_zero()).then_some(RateLimit { requests, per })
    }

    /// `n` requests per second (`n` ≥ 1).
    pub fn per_second(n: NonZeroU32) -> RateLimit {
        RateLimit {
            requests: n,
            per: Duration::from_secs(1),
        }
    }

    /// `n` requests per minute (`n` ≥ 1); the platform's default for a client-credentials
    /// token is 300.
    pub fn per_minute(n: NonZeroU32) -> RateLimit {
        RateLimit {
            requests: n,
            per: Duration::from_secs(60),
        }
    }

    fn limiter(self) -> DefaultDirectRateLimiter {
        let period = (self.per / self.requests.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(period).expect("period is not zero");
        RateLimiter::direct(quota)
    }
}

/// A client of the Genesys Cloud Billing API.
///
/// Cheap to clone (clones share the connection pool, the token cache, the retry budget and
/// the rate limit) and `Send + Sync`. One method per operation, named after the spec's
/// operation id: [`get_billing_reports_billableusage`](Client::get_billing_reports_billableusage),
/// [`get_billing_trusteebillingoverview_trustor_org_id`](Client::get_billing_trusteebillingoverview_trustor_org_id);
/// plus [`wait_for_billable_usage`](Client::wait_for_billable_usage) and
/// [`trustee_overviews`](Client::trustee_overviews).
#[derive(Clone)]
pub struct Client {
    service: Stack,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    /// The API base URL, when the client built the transport (not with `with_service`).
    api_base: Option<http::Uri>,
}

/// What a [`Client`] sends through: the transport itself when no layer or replacement was
/// given (no boxing on top of it), else the boxed [`ClientService`].
#[derive(Clone)]
enum Stack {
    // Shared: `Transport::send` clones the stack it sends through anyway.
    Transport(Arc<Transport>),
    Service(ClientService),
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("rate_limited", &self.limiter.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: region `us_east_1`, the transport's timeouts and retries.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment variables the Genesys tools use:
    /// `GENESYSCLOUD_OAUTHCLIENT_ID`, `GENESYSCLOUD_OAUTHCLIENT_SECRET` and
    /// `GENESYSCLOUD_REGION` (default `us_east_1`), or `GENESYSCLOUD_API_URL` (with an optional
    /// `GENESYSCLOUD_LOGIN_URL`) for custom endpoints. A missing or invalid setting is an
    /// [`Error::Config`] naming it.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The API base URL requests go to; `None` for a client given its own service.
    pub(crate) fn api_base(&self) -> Option<&http::Uri> {
        self.api_base.as_ref()
    }

    /// Sends one request built by the generated operations and decodes the answer.
    pub(crate) async fn execute<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, Error> {
        let operation = request.operation().id;
        let request = request.build()?;
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        let response = match &self.service {
            Stack::Transport(transport) => transport
                .send(request)
                .await
                .map_err(|e| Error::from_stack(operation, BoxError::from(e)))?,
            Stack::Service(service) => service
                .clone()
                .oneshot(request)
                .await
                .map_err(|e| Error::from_stack(operation, e))?,
        };
        decode(operation, response)
    }
}

/// A 2xx body decoded as `T`; any other status as [`Error::Service`].
fn decode<T: DeserializeOwned>(
    operation: &'static str,
    response: Response<Bytes>,
) -> Result<T, Error> {
    if !response.status().is_success() {
        return Err(Error::Service(Box::new(ServiceError::from_response(
            operation, response,
        ))));
    }
    let body = response.body();
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(source) => {
            let path = crate::error::failing_path::<T>(body);
            Err(Error::Decode(Box::new(DecodeError {
                operation,
                status: response.status(),
                path,
                excerpt: excerpt(body, 200),
                correlation_id: correlation_id(response.headers()),
                source,
            })))
        }
    }
}

type LayerFn = Box<dyn FnOnce(ClientService) -> ClientService + Send>;

/// Builds a [`Client`].
///
/// ```no_run
/// use std::time::Duration;
/// use billing_api::{Client, ClientCredentials, RateLimit, Region};
///
/// # fn demo() -> Result<(), billing_api::Error> {
/// let client = Client::builder()
///     .region(Region::EuWest1)
///     .credentials(ClientCredentials::new("client-id", "client-secret"))
///     .operation_timeout(Duration::from_secs(60))
///     .rate_limit(RateLimit::per_minute(300.try_into().unwrap()))
///     .build()?;
/// # Ok(()) }
/// ```
#[must_use]
#[derive(Default)]
pub struct ClientBuilder {
    environment: Option<Environment>,
    credentials: Option<ClientCredentials>,
    token_source: Option<Arc<dyn TokenSource>>,
    connect_timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    retry: Option<RetryConfig>,
    max_body_bytes: Option<usize>,
    rate_limit: Option<RateLimit>,
    service: Option<ClientService>,
    layers: Vec<LayerFn>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("credentials", &self.credentials)
            .field("token_source", &self.token_source)
            .field("operation_timeout", &self.operation_timeout)
            .field("rate_limit", &self.rate_limit)
            .field("custom_service", &self.service.is_some())
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder configured from the environment; see [`Client::from_env`].
    pub fn from_env() -> Result<ClientBuilder, Error> {
        ClientBuilder::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading each variable through `lookup` (for
    /// configuration systems, and tests).
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let get = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let missing = |setting| Error::Config {
            setting,
            reason: "is not set".into(),
        };
        let id = get("GENESYSCLOUD_OAUTHCLIENT_ID")
            .ok_or_else(|| missing("GENESYSCLOUD_OAUTHCLIENT_ID"))?;
        let secret = get("GENESYSCLOUD_OAUTHCLIENT_SECRET")
            .ok_or_else(|| missing("GENESYSCLOUD_OAUTHCLIENT_SECRET"))?;
        let environment = match (get("GENESYSCLOUD_API_URL"), get("GENESYSCLOUD_LOGIN_URL")) {
            (Some(api), Some(login)) => {
                Environment::custom(&api, &login).map_err(|e| Error::Config {
                    setting: "GENESYSCLOUD_API_URL / GENESYSCLOUD_LOGIN_URL",
                    reason: e.to_string(),
                })?
            }
            (Some(api), None) => {
                Environment::from_api_base_url(&api).map_err(|e| Error::Config {
                    setting: "GENESYSCLOUD_API_URL",
                    reason: e.to_string(),
                })?
            }
            (None, Some(_)) => {
                return Err(Error::Config {
                    setting: "GENESYSCLOUD_API_URL",
                    reason: "must be set when GENESYSCLOUD_LOGIN_URL is".into(),
                });
            }
            (None, None) => {
                let region = match get("GENESYSCLOUD_REGION") {
                    Some(name) => name.parse::<Region>().map_err(|e| Error::Config {
                        setting: "GENESYSCLOUD_REGION",
                        reason: e.to_string(),
                    })?,
                    None => Region::UsEast1,
                };
                Environment::from_region(region)
            }
        };
        Ok(ClientBuilder::default()
            .environment(environment)
            .credentials(ClientCredentials::new(id, secret)))
    }

    /// The region to talk to (API and login hosts).
    pub fn region(self, region: Region) -> Self {
        self.environment(Environment::from_region(region))
    }

    /// A custom pair of base URLs (private deployments, local servers).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// OAuth client credentials (client-credentials grant); tokens are fetched and refreshed as
    /// needed.
    pub fn credentials(mut self, credentials: ClientCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Where access tokens come from, instead of client credentials (e.g. a
    /// [`StaticTokenSource`](billing_transport::StaticTokenSource) for a token you hold).
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.token_source = Some(source);
        self
    }

    /// How long establishing a connection may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one attempt (inside the retry loop) may take.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// How long a whole call, retries and waits included, may take.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Retry settings (attempts, backoff, the `Retry-After` cap, the classifier).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The largest response body accepted.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// A request rate shared by every call of the client and its clones.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Wraps the stack in a tower layer; it sees every call, with the relative request the
    /// client built. Layers added later wrap those added earlier.
    pub fn with_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<ClientService> + Send + 'static,
        L::Service:
            Service<Request<Bytes>, Response = Response<Bytes>> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request<Bytes>>>::Error: Into<BoxError>,
        <L::Service as Service<Request<Bytes>>>::Future: Send + 'static,
    {
        self.layers.push(Box::new(move |inner| {
            BoxCloneSyncService::new(layer.layer(inner).map_err(Into::into))
        }));
        self
    }

    /// Replaces the transport entirely with `service`: it receives requests with a relative URI
    /// (path and query) and must answer with a buffered body. Region, credentials, timeouts and
    /// retry settings are then unused.
    pub fn with_service<S>(mut self, service: S) -> Self
    where
        S: Service<Request<Bytes>, Response = Response<Bytes>> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
    {
        self.service = Some(BoxCloneSyncService::new(service.map_err(Into::into)));
        self
    }

    /// Builds the client; fails naming the setting that is missing or invalid.
    pub fn build(self) -> Result<Client, Error> {
        let api_base = self.service.is_none().then(|| {
            self.environment
                .clone()
                .unwrap_or_default()
                .api_base()
                .clone()
        });
        let transport = match self.service {
            Some(service) => Stack::Service(service),
            None => {
                let mut transport =
                    Transport::builder().environment(self.environment.unwrap_or_default());
                transport = match (self.credentials, self.token_source) {
                    (Some(c), None) => transport.credentials(c),
                    (None, Some(s)) => transport.token_source(s),
                    (Some(_), Some(_)) => {
                        return Err(Error::Config {
                            setting: "credentials",
                            reason: "set either credentials or a token source, not both".into(),
                        });
                    }
                    (None, None) => {
                        return Err(Error::Config { setting: "credentials", reason: "no credentials or token source; use credentials(…), token_source(…) or Client::from_env()".into() });
                    }
                };
                if let Some(t) = self.connect_timeout {
                    transport = transport.connect_timeout(t);
                }
                if let Some(t) = self.attempt_timeout {
                    transport = transport.attempt_timeout(t);
                }
                if let Some(t) = self.operation_timeout {
                    transport = transport.operation_timeout(t);
                }
                if let Some(r) = self.retry {
                    transport = transport.retry(r);
                }
                if let Some(limit) = self.max_body_bytes {
                    transport = transport.max_body_bytes(limit);
                }
                let transport = transport.build().map_err(|e| Error::Config {
                    setting: "transport",
                    reason: e.to_string(),
                })?;
                Stack::Transport(Arc::new(transport))
            }
        };
        let service = if self.layers.is_empty() {
            transport
        } else {
            let mut service = match transport {
                Stack::Transport(transport) => BoxCloneSyncService::new(
                    Arc::unwrap_or_clone(transport).map_err(BoxError::from),
                ),
                Stack::Service(service) => service,
            };
            for layer in self.layers {
                service = layer(service);
            }
            Stack::Service(service)
        };
        Ok(Client {
            service,
            limiter: self.rate_limit.map(|r| Arc::new(r.limiter())),
            api_base,
        })
    }
}
