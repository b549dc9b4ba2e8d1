//! The default stack, assembled: [`Transport`] and its [`TransportBuilder`].

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use tower::retry::Retry;
use tower::util::{BoxCloneSyncService, Either};
use tower::{Layer, Service, ServiceBuilder, ServiceExt};

use crate::auth::{Auth, AuthLayer};
use crate::base_url::{BaseUrl, BaseUrlLayer, default_user_agent};
use crate::error::{BuildError, TransportError};
use crate::http::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, HttpClient, HttpClientBuilder, ProxyConfig,
};
use crate::region::{Environment, Region, credentials_allowed};
use crate::retry::{RetryConfig, RetryLayer, RetryPolicy};
use crate::timeout::{Timeout, TimeoutLayer};
use crate::token::{ClientCredentials, ClientCredentialsTokenSource, TokenSource};
use crate::trace::{Trace, TraceLayer};

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
    service: Stack,
    environment: Environment,
}

/// Below the attempt timeout: auth (when there are credentials) over the base URL over hyper, or
/// a boxed service when attempt layers were added.
type AttemptService =
    Either<Auth<BaseUrl<HttpClient>>, Either<BaseUrl<HttpClient>, BoxTransportService>>;

/// The default stack as one concrete type, so that a request through it allocates one boxed
/// future (in [`Transport::call`]) instead of one per layer.
type DefaultStack = Trace<Timeout<Retry<RetryPolicy, Timeout<AttemptService>>>>;

/// The default stack, or any service after [`Transport::from_service`] / [`Transport::layer`] /
/// [`TransportBuilder::layer`].
// Not boxed on purpose: the default stack is cloned for every request (reference counts, no
// allocation), which a `Box` would turn into an allocation per request.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Stack {
    Default(DefaultStack),
    Boxed(BoxTransportService),
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
            service: Stack::Boxed(BoxCloneSyncService::new(service)),
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
        let environment = self.environment.clone();
        Transport {
            service: Stack::Boxed(BoxCloneSyncService::new(layer.layer(self.into_service()))),
            environment,
        }
    }

    /// Where requests go.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The boxed service.
    pub fn into_service(self) -> BoxTransportService {
        match self.service {
            Stack::Default(stack) => BoxCloneSyncService::new(stack),
            Stack::Boxed(service) => service,
        }
    }

    /// Send one request through the stack.
    pub async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        match &self.service {
            Stack::Default(stack) => stack.clone().oneshot(request).await,
            Stack::Boxed(service) => service.clone().oneshot(request).await,
        }
    }
}

impl Service<Request<Bytes>> for Transport {
    type Response = Response<Bytes>;
    type Error = TransportError;
    type Future = <BoxTransportService as Service<Request<Bytes>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match &mut self.service {
            Stack::Default(stack) => stack.poll_ready(cx),
            Stack::Boxed(service) => service.poll_ready(cx),
        }
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        match &mut self.service {
            Stack::Default(stack) => Box::pin(stack.call(request)),
            Stack::Boxed(service) => service.call(request),
        }
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

        let base = BaseUrlLayer::new(environment.api_base().clone())
            .user_agent(user_agent)
            .layer(http);
        let mut attempt: AttemptService = match source {
            Some(source) => Either::Left(AuthLayer::new(source).layer(base)),
            None => Either::Right(Either::Left(base)),
        };
        for wrap in self.attempt_layers {
            attempt = Either::Right(Either::Right(wrap(BoxCloneSyncService::new(attempt))));
        }
        let stack: DefaultStack = ServiceBuilder::new()
            .layer(TraceLayer::new())
            .layer(TimeoutLayer::operation(self.operation_timeout))
            .layer(RetryLayer::new(self.retry))
            .layer(TimeoutLayer::attempt(self.attempt_timeout))
            .service(attempt);
        let mut service = Stack::Default(stack);
        for wrap in self.outer_layers {
            let inner = match service {
                Stack::Default(stack) => BoxCloneSyncService::new(stack),
                Stack::Boxed(service) => service,
            };
            service = Stack::Boxed(wrap(inner));
        }
        Ok(Transport {
            service,
            environment,
        })
    }
}
