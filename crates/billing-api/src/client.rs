//! `Client` and `ClientBuilder`: configuration (explicit or from the environment), the service
//! stack every call goes through, and the one path from request to decoded answer.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use billing_transport::{
    BoxError, BuildError, Certificate, ClientCredentials, Environment, Identity, PlainHttpClient,
    Proxy, Region, RetryConfig, TlsVersion, TokenSource, TransportBuilder,
};
use bytes::Bytes;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::{HeaderName, HeaderValue, Request, Response};
use serde::de::DeserializeOwned;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};

use crate::download::Downloader;
use crate::error::{DecodeError, Error, ServiceError, Setting, correlation_id, excerpt};
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
    service: ClientService,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    /// The API base URL, when the client built the transport (not with `with_service`).
    api_base: Option<http::Uri>,
    /// Fetches documents from pre-signed URLs with the transport's connection settings.
    documents: PlainHttpClient,
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

    /// A [`Downloader`] for pre-signed document URLs with this client's proxy, TLS settings,
    /// connect timeout and user agent, and none of its credentials or headers (the default cap
    /// and timeout; change them on the downloader).
    pub fn downloader(&self) -> Downloader {
        Downloader::with_http_client(self.documents.clone())
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
        let response = self
            .service
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| Error::from_stack(operation, e))?;
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
            let path = crate::decode_path::failing_path::<T>(body);
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

/// Builds a [`Client`]: every setting of the client, and of the transport under it, is here.
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
    transport: TransportBuilder,
    rate_limit: Option<RateLimit>,
    service: Option<ClientService>,
    layers: Vec<LayerFn>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("transport", &self.transport)
            .field("rate_limit", &self.rate_limit)
            .field("custom_service", &self.service.is_some())
            .field("layers", &self.layers.len())
            .finish()
    }
}

/// The environment variables [`ClientBuilder::from_env`] reads.
const ENV_CLIENT_ID: &str = "GENESYSCLOUD_OAUTHCLIENT_ID";
const ENV_CLIENT_SECRET: &str = "GENESYSCLOUD_OAUTHCLIENT_SECRET";
const ENV_REGION: &str = "GENESYSCLOUD_REGION";
const ENV_API_URL: &str = "GENESYSCLOUD_API_URL";
const ENV_LOGIN_URL: &str = "GENESYSCLOUD_LOGIN_URL";

impl ClientBuilder {
    /// A builder configured from the environment; see [`Client::from_env`].
    pub fn from_env() -> Result<ClientBuilder, Error> {
        ClientBuilder::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), with the variables given as pairs; e.g. those a
    /// local test server hands out (`billing_sandbox::Sandbox::client_env`).
    pub fn from_env_vars<K, V>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<ClientBuilder, Error>
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        let vars: Vec<(K, String)> = vars.into_iter().map(|(k, v)| (k, v.into())).collect();
        ClientBuilder::from_env_with(|name| {
            vars.iter()
                .find(|(k, _)| k.as_ref() == name)
                .map(|(_, v)| v.clone())
        })
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
        let invalid = |setting, e: BuildError| Error::Config {
            setting,
            reason: e.to_string(),
        };
        let id = get(ENV_CLIENT_ID).ok_or_else(|| missing(Setting::ClientId))?;
        let secret = get(ENV_CLIENT_SECRET).ok_or_else(|| missing(Setting::ClientSecret))?;
        let environment = match (get(ENV_API_URL), get(ENV_LOGIN_URL)) {
            (Some(api), Some(login)) => {
                Environment::custom(&api, &login).map_err(|e| {
                    // The API URL alone is fine: then the login URL is the wrong one.
                    if Environment::custom(&api, &api).is_ok() {
                        invalid(Setting::LoginUrl, e)
                    } else {
                        invalid(Setting::ApiUrl, e)
                    }
                })?
            }
            (Some(api), None) => Environment::from_api_base_url(&api).map_err(|e| {
                if Environment::custom(&api, &api).is_ok() {
                    // A valid URL whose host does not start with `api.`.
                    Error::Config {
                        setting: Setting::LoginUrl,
                        reason: format!(
                            "is not set and cannot be derived from {api} (its host does not \
                             start with `api.`)"
                        ),
                    }
                } else {
                    invalid(Setting::ApiUrl, e)
                }
            })?,
            (None, Some(_)) => {
                return Err(Error::Config {
                    setting: Setting::ApiUrl,
                    reason: format!("must be set when {ENV_LOGIN_URL} is"),
                });
            }
            (None, None) => {
                let region = match get(ENV_REGION) {
                    Some(name) => name.parse::<Region>().map_err(|e| Error::Config {
                        setting: Setting::Region,
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

    /// Changes transport settings that have no method here (e.g. a layer inside the retry
    /// loop: [`TransportBuilder::attempt_layer`]).
    pub fn transport(mut self, f: impl FnOnce(TransportBuilder) -> TransportBuilder) -> Self {
        self.transport = f(self.transport);
        self
    }

    /// The region to talk to (API and login hosts).
    pub fn region(self, region: Region) -> Self {
        self.transport(|t| t.region(region))
    }

    /// A custom pair of base URLs (private deployments, local servers).
    pub fn environment(self, environment: Environment) -> Self {
        self.transport(|t| t.environment(environment))
    }

    /// OAuth client credentials (client-credentials grant); tokens are fetched and refreshed as
    /// needed. Replaces a token source.
    pub fn credentials(self, credentials: ClientCredentials) -> Self {
        self.transport(|t| t.credentials(credentials))
    }

    /// Where access tokens come from, instead of client credentials (e.g. a
    /// [`StaticTokenSource`](crate::StaticTokenSource) for a token you hold).
    pub fn token_source(self, source: Arc<dyn TokenSource>) -> Self {
        self.transport(|t| t.token_source(source))
    }

    /// How long establishing a connection may take (default 10 s).
    pub fn connect_timeout(self, timeout: Duration) -> Self {
        self.transport(|t| t.connect_timeout(timeout))
    }

    /// How long one attempt (inside the retry loop) may take (default 30 s).
    pub fn attempt_timeout(self, timeout: Duration) -> Self {
        self.transport(|t| t.attempt_timeout(timeout))
    }

    /// How long a whole call, retries and waits included, may take (default 5 min).
    pub fn operation_timeout(self, timeout: Duration) -> Self {
        self.transport(|t| t.operation_timeout(timeout))
    }

    /// Retry settings (attempts, backoff, the `Retry-After` cap, budget, classifiers).
    pub fn retry(self, retry: RetryConfig) -> Self {
        self.transport(|t| t.retry(retry))
    }

    /// The largest response body accepted, after decompression (default 64 MiB).
    pub fn max_body_bytes(self, limit: usize) -> Self {
        self.transport(|t| t.max_body_bytes(limit))
    }

    /// Ask for gzip-compressed answers (default on).
    pub fn gzip(self, enabled: bool) -> Self {
        self.transport(|t| t.gzip(enabled))
    }

    /// Proxy settings (default: from `HTTPS_PROXY`/`NO_PROXY`).
    pub fn proxy(self, proxy: Proxy) -> Self {
        self.transport(|t| t.proxy(proxy))
    }

    /// Appended to the `User-Agent` (`genesys-billing-rust/<version> <suffix>`).
    pub fn user_agent_suffix(self, suffix: impl Into<String>) -> Self {
        self.transport(|t| t.user_agent_suffix(suffix))
    }

    /// A header every request carries unless it sets its own.
    pub fn default_header(self, name: HeaderName, value: HeaderValue) -> Self {
        self.transport(|t| t.default_header(name, value))
    }

    /// Trust this root certificate too (a private CA, a TLS-inspecting proxy's CA).
    pub fn add_root_certificate(self, certificate: Certificate) -> Self {
        self.transport(|t| t.add_root_certificate(certificate))
    }

    /// Present this client certificate when a server asks for one (mutual TLS).
    pub fn identity(self, identity: Identity) -> Self {
        self.transport(|t| t.identity(identity))
    }

    /// The lowest TLS version accepted (default TLS 1.2).
    pub fn min_tls_version(self, version: TlsVersion) -> Self {
        self.transport(|t| t.min_tls_version(version))
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

    /// Replaces the transport entirely with `service` (a test double, or a
    /// [`Transport`](billing_transport::Transport) built elsewhere): it receives requests with a
    /// relative URI (path and query) and must answer with a buffered body. The transport
    /// settings of this builder are then unused.
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
    pub fn build(mut self) -> Result<Client, Error> {
        let config = |e: BuildError| Error::Config {
            setting: Setting::of(&e),
            reason: e.to_string(),
        };
        // One connection pool for the API and documents, built from the same settings.
        let http = self.transport.build_http_client().map_err(config)?;
        self.transport = self.transport.http_client(http);
        let documents = self.transport.build_plain_http_client().map_err(config)?;
        let mut api_base = None;
        let mut service = match self.service {
            Some(service) => service,
            None => {
                if !self.transport.authenticates() {
                    return Err(Error::Config {
                        setting: Setting::Credentials,
                        reason: "no credentials or token source; use credentials(…), \
                                 token_source(…) or Client::from_env()"
                            .into(),
                    });
                }
                let transport = self.transport.build().map_err(config)?;
                api_base = Some(transport.environment().api_base().clone());
                BoxCloneSyncService::new(transport.map_err(BoxError::from))
            }
        };
        for layer in self.layers {
            service = layer(service);
        }
        Ok(Client {
            service,
            limiter: self.rate_limit.map(|r| Arc::new(r.limiter())),
            api_base,
            documents,
        })
    }
}
