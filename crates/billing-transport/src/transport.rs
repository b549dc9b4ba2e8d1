//! The default stack, assembled: [`Transport`] and the one place its settings live,
//! [`TransportBuilder`].

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};
use tower_http::set_header::SetRequestHeaderLayer;

use crate::error::{BuildError, TransportError};
use crate::headers::default_user_agent;
use crate::hyper_client::{HttpClient, HttpSettings, PlainHttpClient};
use crate::layers::{AuthLayer, BaseUrlLayer, RetryLayer, TimeoutLayer, TraceLayer};
use crate::proxy::Proxy;
use crate::region::{Environment, Region, credentials_allowed};
use crate::retry::RetryConfig;
use crate::tls::{Certificate, Identity, TlsVersion};
use crate::token::{ClientCredentials, ClientCredentialsTokenSource, TokenSource};

/// The type-erased service every layer of the stack is boxed into: cheap to clone, `Send + Sync`,
/// with `Send` futures. User layers are written over it.
pub type BoxTransportService = BoxCloneSyncService<Request<Bytes>, Response<Bytes>, TransportError>;

/// Default per-attempt timeout: 30 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default whole-operation timeout: 5 min (long enough for a capped 180 s `Retry-After`).
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(300);

/// The transport: a `tower::Service<http::Request<Bytes>>` answering `http::Response<Bytes>`.
///
/// Requests carry a relative URI (`/api/v2/…`); non-2xx responses come back as `Ok`. Cloning is
/// cheap; clones share the connection pool, the token cache and the retry budget.
#[derive(Clone)]
pub struct Transport {
    service: BoxTransportService,
    environment: Environment,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Start configuring the default stack.
    pub fn builder() -> TransportBuilder {
        TransportBuilder::default()
    }

    /// Replace the whole transport with any service of the right shape (a test double, a
    /// different HTTP client, …).
    pub fn from_service<S>(service: S, environment: Environment) -> Self
    where
        S: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        Transport {
            service: BoxCloneSyncService::new(service),
            environment,
        }
    }

    /// Wrap the whole stack in one more layer (it sees every operation, before tracing).
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: Layer<BoxTransportService>,
        L::Service: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<Request<Bytes>>>::Future: Send + 'static,
    {
        Transport {
            service: BoxCloneSyncService::new(layer.layer(self.service)),
            environment: self.environment,
        }
    }

    /// Where requests go.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The boxed service.
    pub fn into_service(self) -> BoxTransportService {
        self.service
    }

    /// Send one request through the stack.
    pub async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        self.service.clone().oneshot(request).await
    }
}

impl Service<Request<Bytes>> for Transport {
    type Response = Response<Bytes>;
    type Error = TransportError;
    type Future = <BoxTransportService as Service<Request<Bytes>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        self.service.call(request)
    }
}

#[derive(Debug)]
enum Authentication {
    None,
    Credentials(ClientCredentials),
    Source(Arc<dyn TokenSource>),
}

type Wrap = Box<dyn FnOnce(BoxTransportService) -> BoxTransportService + Send>;

fn wrap<L>(layer: L) -> Wrap
where
    L: Layer<BoxTransportService> + Send + 'static,
    L::Service: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>
        + Clone
        + Send
        + Sync
        + 'static,
    <L::Service as Service<Request<Bytes>>>::Future: Send + 'static,
{
    Box::new(move |inner| BoxCloneSyncService::new(layer.layer(inner)))
}

/// Every setting of the transport, and the stack built from them.
///
/// Defaults: region `us_east_1`, no credentials, connect timeout 10 s, attempt timeout 30 s,
/// operation timeout 5 min, [`RetryConfig::default`], body cap 64 MiB (decompressed), gzip on,
/// proxy from the environment, the system's trusted roots, TLS 1.2 or later.
#[must_use]
pub struct TransportBuilder {
    environment: Environment,
    auth: Authentication,
    http: HttpSettings,
    http_client: Option<HttpClient>,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    retry: RetryConfig,
    user_agent_suffix: Option<String>,
    default_headers: HeaderMap,
    outer_layers: Vec<Wrap>,
    attempt_layers: Vec<Wrap>,
}

impl Default for TransportBuilder {
    fn default() -> Self {
        TransportBuilder {
            environment: Environment::default(),
            auth: Authentication::None,
            http: HttpSettings::default(),
            http_client: None,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            retry: RetryConfig::default(),
            user_agent_suffix: None,
            default_headers: HeaderMap::new(),
            outer_layers: Vec::new(),
            attempt_layers: Vec::new(),
        }
    }
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("environment", &self.environment)
            .field("auth", &self.auth)
            .field("http", &self.http)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry", &self.retry)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field(
                "default_headers",
                &self.default_headers.keys().collect::<Vec<_>>(),
            )
            .field("layers", &self.outer_layers.len())
            .field("attempt_layers", &self.attempt_layers.len())
            .finish_non_exhaustive()
    }
}

impl TransportBuilder {
    /// Talk to this environment (default: `us_east_1`).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Talk to this region.
    pub fn region(self, region: Region) -> Self {
        self.environment(Environment::from_region(region))
    }

    /// Authenticate with the client-credentials grant (replaces a token source).
    pub fn credentials(mut self, credentials: ClientCredentials) -> Self {
        self.auth = Authentication::Credentials(credentials);
        self
    }

    /// Authenticate with tokens from this source, e.g. a
    /// [`StaticTokenSource`](crate::StaticTokenSource) (replaces credentials).
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.auth = Authentication::Source(source);
        self
    }

    /// Whether credentials or a token source are set.
    pub fn authenticates(&self) -> bool {
        !matches!(self.auth, Authentication::None)
    }

    /// TCP connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = timeout;
        self
    }

    /// Timeout of one attempt, token fetch and body included (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Timeout of the whole operation, retries and waits included (default 5 min).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Retry settings (also used for the token request, with its own classification).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Largest response body accepted, counted after decompression (default 64 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.http.max_body_bytes = limit;
        self
    }

    /// Ask for gzip-compressed answers and decompress them (default on).
    pub fn gzip(mut self, enabled: bool) -> Self {
        self.http.gzip = enabled;
        self
    }

    /// Appended to the `User-Agent` (`genesys-billing-rust/<version> <suffix>`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// A header every API request carries unless it sets its own.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// Proxy settings (default: [`Proxy::from_env`]).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.http.proxy = proxy;
        self
    }

    /// Trust this root certificate too (a private CA, a TLS-inspecting proxy's CA).
    pub fn add_root_certificate(mut self, certificate: Certificate) -> Self {
        self.http.tls.roots.push(certificate);
        self
    }

    /// Present this client certificate when a server asks for one (mutual TLS).
    pub fn identity(mut self, identity: Identity) -> Self {
        self.http.tls.identity = Some(identity);
        self
    }

    /// The lowest TLS version accepted (default TLS 1.2).
    pub fn min_tls_version(mut self, version: TlsVersion) -> Self {
        self.http.tls.min_version = version;
        self
    }

    /// Send through this HTTP client (sharing its connection pool) instead of building one;
    /// this builder's connection settings (connect timeout, body cap, gzip, proxy, TLS) are then
    /// those of `client`.
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The HTTP client this builder's connection settings make, for use on its own (e.g. with
    /// a [`ClientCredentialsTokenSource`] of your own).
    pub fn build_http_client(&self) -> Result<HttpClient, BuildError> {
        match &self.http_client {
            Some(client) => Ok(client.clone()),
            None => self.http.build(),
        }
    }

    /// An HTTP client for URLs outside the API (a pre-signed document URL) with this builder's
    /// connection settings and user agent, and without authentication, base URL or default
    /// headers: see [`PlainHttpClient`]. It shares the connection pool of the client given to
    /// [`http_client`](Self::http_client), if any.
    pub fn build_plain_http_client(&self) -> Result<PlainHttpClient, BuildError> {
        Ok(self.build_http_client()?.plain(self.user_agent()?))
    }

    fn user_agent(&self) -> Result<HeaderValue, BuildError> {
        match &self.user_agent_suffix {
            Some(suffix) => HeaderValue::try_from(format!("{} {suffix}", default_user_agent()))
                .map_err(|_| BuildError::InvalidHeader { name: "user-agent" }),
            None => Ok(HeaderValue::from_static(default_user_agent())),
        }
    }

    /// Add a layer around the whole stack: it sees each operation once, before tracing, retries
    /// and auth. Layers added later wrap those added earlier.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<BoxTransportService> + Send + 'static,
        L::Service: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<Request<Bytes>>>::Future: Send + 'static,
    {
        self.outer_layers.push(wrap(layer));
        self
    }

    /// Add a layer inside the retry loop, just outside auth: it sees every attempt (relative URI,
    /// no `Authorization` header yet).
    pub fn attempt_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<BoxTransportService> + Send + 'static,
        L::Service: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<Request<Bytes>>>::Future: Send + 'static,
    {
        self.attempt_layers.push(wrap(layer));
        self
    }

    /// Assemble the stack: [outer layers] → trace → operation timeout → retry → attempt timeout
    /// → [attempt layers] → auth → base URL and default headers → HTTP client.
    pub fn build(self) -> Result<Transport, BuildError> {
        let user_agent = self.user_agent()?;
        let http = self.build_http_client()?;
        let environment = self.environment;
        let source: Option<Arc<dyn TokenSource>> = match self.auth {
            Authentication::None => None,
            Authentication::Credentials(credentials) => Some(Arc::new(
                ClientCredentialsTokenSource::with_http_client(
                    credentials,
                    &environment,
                    http.clone(),
                )?
                .retry(self.retry.clone())
                .attempt_timeout(self.attempt_timeout)
                .user_agent(user_agent.clone()),
            )),
            Authentication::Source(source) => Some(source),
        };
        if source.is_some() {
            credentials_allowed(environment.api_base())
                .map_err(|host| BuildError::InsecureUrl { host })?;
        }

        let mut base = BoxCloneSyncService::new(
            ServiceBuilder::new()
                .layer(BaseUrlLayer::new(environment.api_base().clone()))
                .layer(SetRequestHeaderLayer::if_not_present(
                    ACCEPT,
                    HeaderValue::from_static("application/json"),
                ))
                .layer(SetRequestHeaderLayer::if_not_present(
                    USER_AGENT, user_agent,
                ))
                .service(http),
        );
        // Outside the fixed defaults, so a default `Accept` or `User-Agent` of the user's wins.
        for (name, value) in &self.default_headers {
            base = BoxCloneSyncService::new(
                SetRequestHeaderLayer::if_not_present(name.clone(), value.clone()).layer(base),
            );
        }
        let mut attempt = match source {
            Some(source) => BoxCloneSyncService::new(AuthLayer::new(source).layer(base)),
            None => base,
        };
        for wrap in self.attempt_layers {
            attempt = wrap(attempt);
        }
        let mut service = BoxCloneSyncService::new(
            ServiceBuilder::new()
                .layer(TraceLayer::new())
                .layer(TimeoutLayer::operation(self.operation_timeout))
                .layer(RetryLayer::new(self.retry))
                .layer(TimeoutLayer::attempt(self.attempt_timeout))
                .service(attempt),
        );
        for wrap in self.outer_layers {
            service = wrap(service);
        }
        Ok(Transport {
            service,
            environment,
        })
    }
}
