//! Client credentials, access tokens, and the sources that hand tokens to the auth layer.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use tower::{ServiceBuilder, ServiceExt};

use crate::error::{AuthError, BuildError};
use crate::headers::default_user_agent;
use crate::hyper_client::HttpClient;
use crate::layers::{RetryLayer, TimeoutLayer};
use crate::oauth::{TokenReply, token_endpoint_error};
use crate::region::{Environment, credentials_allowed};
use crate::retry::{RetryConfig, TokenEndpointClassifier};

/// An OAuth client id and secret (Genesys Cloud "client credentials" grant).
///
/// The secret is held in a [`secrecy::SecretString`] (zeroed on drop) and never shows in `Debug`,
/// `Display`, errors or logs.
///
/// ```
/// use billing_transport::ClientCredentials;
/// let c = ClientCredentials::new("my-client-id", "s3cr3t");
/// assert!(!format!("{c:?} {c}").contains("s3cr3t"));
/// ```
#[derive(Clone)]
pub struct ClientCredentials {
    client_id: String,
    secret: SecretString,
}

impl ClientCredentials {
    /// Credentials from a client id and its secret.
    pub fn new(client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    /// The client id (not a secret).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `Authorization: Basic …` value for the token request, marked sensitive.
    fn basic_auth(&self) -> Result<HeaderValue, AuthError> {
        let raw = format!("{}:{}", self.client_id, self.secret.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
        let mut value = HeaderValue::try_from(format!("Basic {encoded}")).map_err(|_| {
            AuthError::Other("client id or secret cannot be put in a header".into())
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl fmt::Display for ClientCredentials {
    /// The client id only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {} (secret redacted)", self.client_id)
    }
}

/// A bearer access token. `Debug` shows `AccessToken([redacted])`; there is no `Display`.
///
/// Cloning is cheap (the token is shared, and zeroed when the last clone is dropped); the
/// `Authorization` value is built once, when the token is made.
#[derive(Clone)]
pub struct AccessToken(Arc<TokenInner>);

struct TokenInner {
    secret: SecretString,
    /// `Bearer …`, marked sensitive; `None` when the token cannot be put in a header.
    header: Option<HeaderValue>,
}

impl AccessToken {
    /// Wrap a token string.
    pub fn new(token: impl Into<String>) -> Self {
        let secret = SecretString::from(token.into());
        let header = HeaderValue::try_from(format!("Bearer {}", secret.expose_secret()))
            .ok()
            .map(|mut value| {
                value.set_sensitive(true);
                value
            });
        AccessToken(Arc::new(TokenInner { secret, header }))
    }

    /// The token itself. Use it only to build a header; never log it.
    pub fn expose(&self) -> &str {
        self.0.secret.expose_secret()
    }

    /// The `Authorization: Bearer …` header value, marked sensitive.
    pub fn bearer_header(&self) -> Result<HeaderValue, AuthError> {
        self.0
            .header
            .clone()
            .ok_or_else(|| AuthError::Other("access token cannot be put in a header".into()))
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for AccessToken {}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

impl From<String> for AccessToken {
    fn from(token: String) -> Self {
        AccessToken::new(token)
    }
}

/// Where the auth layer gets bearer tokens.
///
/// Implementations must be cheap to call when a valid token is cached, and should make a single
/// token request when many callers need a new token at once.
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// The current token, fetched if there is none or it is about to expire.
    async fn token(&self) -> Result<AccessToken, AuthError>;

    /// The API rejected `rejected` with 401: forget it (if it is still the cached one) so that the
    /// next [`token`](TokenSource::token) call fetches a new one.
    fn invalidate(&self, rejected: &AccessToken);

    /// Whether a new token can be had after [`invalidate`](TokenSource::invalidate); when `false`
    /// the auth layer does not replay a request after a 401.
    fn can_refresh(&self) -> bool {
        true
    }
}

/// A token the user already holds (e.g. from another OAuth flow). Never refreshed.
#[derive(Debug, Clone)]
pub struct StaticTokenSource(AccessToken);

impl StaticTokenSource {
    /// A source that always returns `token`.
    pub fn new(token: impl Into<String>) -> Self {
        StaticTokenSource(AccessToken::new(token))
    }
}

#[async_trait]
impl TokenSource for StaticTokenSource {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        Ok(self.0.clone())
    }

    fn invalidate(&self, _rejected: &AccessToken) {}

    fn can_refresh(&self) -> bool {
        false
    }
}

/// Default margin before `expires_in` runs out at which a cached token is replaced (60 s, as the
/// Go SDK's automatic refresh).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The token endpoint asked to wait: no token request before `until`.
#[derive(Clone, Copy)]
struct Backoff {
    status: StatusCode,
    until: Instant,
}

struct CachedToken {
    token: AccessToken,
    /// When to stop using it; `None` when the server gave no `expires_in` (use until a 401).
    refresh_at: Option<Instant>,
}

/// The OAuth 2 client-credentials flow against `POST {login}/oauth/token`.
///
/// * Basic auth with the client id and secret, `Content-Type: application/x-www-form-urlencoded`,
///   body `grant_type=client_credentials`; reply `access_token`, `token_type`, `expires_in`.
/// * The token is cached until [`DEFAULT_REFRESH_MARGIN`] (at most half its lifetime) before it
///   expires, or until the API rejects it with 401.
/// * Single flight: when many requests need a token at once, one token request is made and the
///   others wait for its result.
/// * The token request goes through the same retry engine as API requests (bounded attempts,
///   backoff, budget): a 429 or 5xx without `Retry-After` and a failure to connect or to get an
///   answer are retried; a 429 or 5xx with `Retry-After` is handed back, so the API request's
///   retry loop waits outside its attempt timeout, and no token request is made before then.
/// * A failure becomes [`AuthError::TokenEndpoint`] carrying the HTTP status and the OAuth
///   `error` / `error_description`.
pub struct ClientCredentialsTokenSource {
    credentials: ClientCredentials,
    token_url: Uri,
    http: HttpClient,
    retry: RetryConfig,
    attempt_timeout: Duration,
    refresh_margin: Duration,
    user_agent: HeaderValue,
    cached: Mutex<Option<CachedToken>>,
    blocked: Mutex<Option<Backoff>>,
    refresh: tokio::sync::Mutex<()>,
    requests: Arc<AtomicU64>,
}

impl fmt::Debug for ClientCredentialsTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.cached.lock().map(|c| c.is_some()).unwrap_or(false);
        f.debug_struct("ClientCredentialsTokenSource")
            .field("credentials", &self.credentials)
            .field("token_url", &self.token_url)
            .field("token_cached", &cached)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsTokenSource {
    /// A source for `environment`'s login service, with its own default [`HttpClient`].
    pub fn new(
        credentials: ClientCredentials,
        environment: &Environment,
    ) -> Result<Self, BuildError> {
        Self::with_http_client(credentials, environment, HttpClient::new()?)
    }

    /// A source sharing an existing client (and its connection pool).
    ///
    /// Fails with [`BuildError::InsecureUrl`] when the token URL is plain HTTP to a non-loopback
    /// host: the secret is never sent in clear text.
    pub fn with_http_client(
        credentials: ClientCredentials,
        environment: &Environment,
        http: HttpClient,
    ) -> Result<Self, BuildError> {
        let token_url = environment.token_url();
        credentials_allowed(&token_url).map_err(|host| BuildError::InsecureUrl { host })?;
        Ok(ClientCredentialsTokenSource {
            credentials,
            token_url,
            http,
            retry: RetryConfig::default(),
            attempt_timeout: crate::transport::DEFAULT_ATTEMPT_TIMEOUT,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            user_agent: HeaderValue::from_static(default_user_agent()),
            cached: Mutex::new(None),
            blocked: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            requests: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Attempts, backoff, `Retry-After` cap and budget for the token request (default:
    /// [`RetryConfig::default`]). Its classifiers are not used: the token request has its own.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Timeout of one token request (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// How long before expiry a cached token is replaced (default 60 s, capped at half the
    /// token's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The `User-Agent` sent to the token endpoint.
    pub fn user_agent(mut self, user_agent: HeaderValue) -> Self {
        self.user_agent = user_agent;
        self
    }

    /// How many HTTP requests to the token endpoint this source has made (retries included).
    pub fn token_requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn cached_valid(&self) -> Option<AccessToken> {
        let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|c| c.refresh_at.is_none_or(|at| Instant::now() < at))
            .map(|c| c.token.clone())
    }

    /// One token request, through the same retry engine as API requests (with the token
    /// endpoint's classification) and bounded per attempt by the attempt timeout.
    async fn fetch(&self) -> Result<CachedToken, AuthError> {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .finish();
        let request = Request::builder()
            .method(Method::POST)
            .uri(self.token_url.clone())
            .header(AUTHORIZATION, self.credentials.basic_auth()?)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, self.user_agent.clone())
            .body(Bytes::from(body))
            .map_err(|e| AuthError::Other(e.into()))?;
        let requests = self.requests.clone();
        let retry = self
            .retry
            .clone()
            .with_classifiers(vec![Arc::new(TokenEndpointClassifier)]);
        let service = ServiceBuilder::new()
            .layer(RetryLayer::new(retry))
            .layer(TimeoutLayer::attempt(self.attempt_timeout))
            .map_request(move |request: Request<Bytes>| {
                requests.fetch_add(1, Ordering::Relaxed);
                request
            })
            .service(self.http.clone());
        let response = match service.oneshot(request).await {
            Ok(response) => response,
            Err(error) => {
                tracing::debug!(error = %error, "token request failed");
                return Err(AuthError::TokenRequest(Box::new(error)));
            }
        };
        if response.status().is_success() {
            return self.parse_reply(&response);
        }
        tracing::debug!(
            status = response.status().as_u16(),
            "token endpoint refused"
        );
        let error = token_endpoint_error(&response);
        let throttled = response.status() == StatusCode::TOO_MANY_REQUESTS
            || response.status().is_server_error();
        if let (
            true,
            AuthError::TokenEndpoint {
                status,
                retry_after: Some(wait),
                ..
            },
        ) = (throttled, &error)
        {
            // Asked to wait: no token request before then. The wait itself is taken by the API
            // request's retry loop, outside its attempt timeout.
            *self.blocked.lock().unwrap_or_else(|p| p.into_inner()) = Some(Backoff {
                status: *status,
                until: Instant::now() + *wait,
            });
        }
        Err(error)
    }

    fn parse_reply(&self, response: &Response<Bytes>) -> Result<CachedToken, AuthError> {
        let reply = TokenReply::from_response(response)?;
        let refresh_at = reply.expires_in.map(|lifetime| {
            let margin = self.refresh_margin.min(lifetime / 2);
            Instant::now() + (lifetime - margin)
        });
        tracing::debug!(
            expires_in_s = reply.expires_in.map(|d| d.as_secs_f64()),
            "obtained an access token from the token endpoint"
        );
        Ok(CachedToken {
            token: reply.access_token,
            refresh_at,
        })
    }
}

#[async_trait]
impl TokenSource for ClientCredentialsTokenSource {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        if let Some(token) = self.cached_valid() {
            return Ok(token);
        }
        // Single flight: whoever holds the gate fetches; the others find the fresh token after.
        let _gate = self.refresh.lock().await;
        if let Some(token) = self.cached_valid() {
            return Ok(token);
        }
        // The endpoint asked to wait: answer as it did, with the time left, without asking.
        let blocked = *self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(Backoff { status, until }) = blocked {
            let left = until.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                return Err(AuthError::TokenEndpoint {
                    status,
                    error: None,
                    error_description: Some("asked to wait before the next token request".into()),
                    retry_after: Some(left),
                });
            }
        }
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(fresh);
        Ok(token)
    }

    fn invalidate(&self, rejected: &AccessToken) {
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if cached.as_ref().is_some_and(|c| &c.token == rejected) {
            *cached = None;
        }
    }
}
