//! The default stack, assembled: [`Transport`] and its [`TransportBuilder`].

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};

use crate::auth::AuthLayer;
use crate::base_url::{BaseUrlLayer, default_user_agent};
use crate::error::{BuildError, TransportError};
use crate::http::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, HttpClient, HttpClientBuilder, ProxyConfig,
};
use crate::region::{Environment, Region, credentials_allowed};
use crate::retry::{RetryConfig, RetryLayer};
use crate::timeout::TimeoutLayer;
use crate::token::{ClientCredentials, ClientCredentialsTokenSource, TokenSource};
use crate::trace::TraceLayer;

/// The type-erased service every layer of the stack is boxed into: cheap to clone, `Send + Sync`,
/// with `Send` futures.
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

enum AuthConfig {
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

/// Configures and builds the default [`Transport`].
///
/// Defaults: region `us_east_1`, no credentials, connect timeout 10 s, attempt timeout 30 s,
/// operation timeout 5 min, [`RetryConfig::default`], body cap 64 MiB, proxy from the environment.
pub struct TransportBuilder {
    environment: Environment,
    auth: AuthConfig,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    retry: RetryConfig,
    max_body_bytes: usize,
    user_agent_suffix: Option<String>,
    proxy: Option<ProxyConfig>,
    http_client: Option<HttpClient>,
    outer_layers: Vec<Wrap>,
    attempt_layers: Vec<Wrap>,
}

impl Default for TransportBuilder {
    fn default() -> Self {
        TransportBuilder {
            environment: Environment::default(),
            auth: AuthConfig::None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            retry: RetryConfig::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            user_agent_suffix: None,
            proxy: None,
            http_client: None,
            outer_layers: Vec::new(),
            attempt_layers: Vec::new(),
        }
    }
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            AuthConfig::None => "none".to_owned(),
            AuthConfig::Credentials(c) => format!("{c:?}"),
            AuthConfig::Source(s) => format!("{s:?}"),
        };
        f.debug_struct("TransportBuilder")
            .field("environment", &self.environment)
            .field("auth", &auth)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry", &self.retry)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("user_agent_suffix", &self.user_agent_suffix)
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

    /// Authenticate with the client-credentials grant.
    pub fn credentials(mut self, credentials: ClientCredentials) -> Self {
        self.auth = AuthConfig::Credentials(credentials);
        self
    }

    /// Authenticate with tokens from this source (e.g. a [`StaticTokenSource`]).
    ///
    /// [`StaticTokenSource`]: crate::StaticTokenSource
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.auth = AuthConfig::Source(source);
        self
    }

    /// TCP connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
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

    /// Retry settings (also used for the token request).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Largest response body accepted (default 64 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Appended to the `User-Agent` (`genesys-billing-rust/<version> <suffix>`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Proxy settings (default: `HTTPS_PROXY`/`NO_PROXY` from the environment).
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Use this HTTP client (and its pool); connect timeout, body cap and proxy settings of this
    /// builder are then ignored.
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.http_client = Some(client);
        self
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

    /// Assemble the stack: trace → operation timeout → retry → attempt timeout → [attempt layers]
    /// → auth → base URL/headers → hyper, then the outer layers around it all.
    pub fn build(self) -> Result<Transport, BuildError> {
        let user_agent = match &self.user_agent_suffix {
            Some(suffix) => HeaderValue::try_from(format!("{} {suffix}", default_user_agent()))
                .map_err(|_| BuildError::InvalidHeader { name: "user-agent" })?,
            None => HeaderValue::from_static(default_user_agent()),
        };
        let http = match self.http_client {
            Some(client) => client,
            None => HttpClientBuilder::default()
                .connect_timeout(self.connect_timeout)
                .max_body_bytes(self.max_body_bytes)
                .proxy(self.proxy.unwrap_or_default())
                .build()?,
        };
        let environment = self.environment;
        let source: Option<Arc<dyn TokenSource>> = match self.auth {
            AuthConfig::None => None,
            AuthConfig::Credentials(credentials) => Some(Arc::new(
                ClientCredentialsTokenSource::with_http_client(
                    credentials,
                    &environment,
                    http.clone(),
                )?
                .retry(self.retry.clone())
                .attempt_timeout(self.attempt_timeout)
                .user_agent(user_agent.clone()),
            )),
            AuthConfig::Source(source) => Some(source),
        };
        if source.is_some() {
            credentials_allowed(environment.api_base())
                .map_err(|host| BuildError::InsecureUrl { host })?;
        }

        let base = BaseUrlLayer::new(environment.api_base().clone()).user_agent(user_agent);
        let mut service: BoxTransportService = BoxCloneSyncService::new(base.layer(http));
        if let Some(source) = source {
            service = BoxCloneSyncService::new(AuthLayer::new(source).layer(service));
        }
        for wrap in self.attempt_layers {
            service = wrap(service);
        }
        let mut service: BoxTransportService = BoxCloneSyncService::new(
            ServiceBuilder::new()
                .layer(TraceLayer::new())
                .layer(TimeoutLayer::operation(self.operation_timeout))
                .layer(RetryLayer::new(self.retry))
                .layer(TimeoutLayer::attempt(self.attempt_timeout))
                .service(service),
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
