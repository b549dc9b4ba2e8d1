//! Signing a person in: the OAuth 2 authorization code grant with PKCE (RFC 7636, `S256`),
//! redirected to a listener on this machine's loopback interface (RFC 8252).
//!
//! 1. [`SignIn::start`] makes a code verifier and a `state` from the operating system's secure
//!    random source, starts the listener and builds the authorize URL at the environment's
//!    login host (`https://login.<domain>/oauth/authorize`).
//! 2. The caller sends the person's browser there (opens it, or prints the URL).
//! 3. [`PendingSignIn::finish`] waits for the redirect (default [`DEFAULT_SIGN_IN_TIMEOUT`]),
//!    checks `state`, and exchanges the code with the verifier at `/oauth/token` (no client
//!    secret: the OAuth client is a public one).
//!
//! ```no_run
//! use billing_api::{Region, signin::SignIn};
//!
//! # async fn demo() -> Result<(), billing_api::signin::SignInError> {
//! let pending = SignIn::new(Region::EuWest1.into(), "my-pkce-client-id").start().await?;
//! println!("Open this page to sign in: {}", pending.authorize_url());
//! let signed_in = pending.finish().await?;
//! let client = billing_api::Client::builder()
//!     .region(Region::EuWest1)
//!     .token_source(std::sync::Arc::new(signed_in.token_source()))
//!     .build();
//! # Ok(()) }
//! ```
//!
//! The verifier, the code and the token never show in `Debug`, `Display`, errors or logs.

use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use base64::Engine as _;
use billing_transport::layers::HttpClient;
use billing_transport::{
    AccessToken, AuthError, DEFAULT_ATTEMPT_TIMEOUT, Environment, Proxy, StaticTokenSource,
    TokenForm, Transport, request_token,
};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{Request, Response, StatusCode, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// How long [`PendingSignIn::finish`] waits for the browser to come back: 5 minutes.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a connection to the redirect listener may take to send its request.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The path of the default redirect URI, `http://127.0.0.1:<port>/oauth/callback`.
pub const DEFAULT_CALLBACK_PATH: &str = "/oauth/callback";

/// Settings of a browser sign-in; [`start`](SignIn::start) begins it.
#[derive(Debug, Clone)]
#[must_use]
pub struct SignIn {
    environment: Environment,
    client_id: String,
    redirect_uri: Option<String>,
    timeout: Duration,
    exchange_timeout: Duration,
    proxy: Proxy,
    http: Option<HttpClient>,
}

impl SignIn {
    /// A sign-in at `environment`'s login service for the OAuth client `client_id` (a client
    /// of the PKCE type whose redirect URIs include the one used here).
    pub fn new(environment: Environment, client_id: impl Into<String>) -> SignIn {
        SignIn {
            environment,
            client_id: client_id.into(),
            redirect_uri: None,
            timeout: DEFAULT_SIGN_IN_TIMEOUT,
            exchange_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            proxy: Proxy::from_env(),
            http: None,
        }
    }

    /// The redirect URI registered for the OAuth client, e.g. `http://localhost:8085/callback`:
    /// `http`, a loopback host (`127.0.0.1`, `localhost`, `[::1]`) and a port. The default is
    /// `http://127.0.0.1:<a free port>/oauth/callback`, for clients that accept any loopback port.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> SignIn {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// How long to wait for the browser to come back (default 5 minutes).
    pub fn timeout(mut self, timeout: Duration) -> SignIn {
        self.timeout = timeout;
        self
    }

    /// How long the code exchange at the token endpoint may take (default 30 s).
    pub fn exchange_timeout(mut self, timeout: Duration) -> SignIn {
        self.exchange_timeout = timeout;
        self
    }

    /// The proxy for the code exchange (default: `HTTPS_PROXY` and friends, as the transport).
    /// Unused when an HTTP client is given with [`http_client`](Self::http_client).
    pub fn proxy(mut self, proxy: Proxy) -> SignIn {
        self.proxy = proxy;
        self
    }

    /// Exchange the code through this HTTP client, e.g. the one the client will use
    /// ([`TransportBuilder::build_http_client`](billing_transport::TransportBuilder::build_http_client)),
    /// so the proxy, extra trusted roots, client identity and TLS floor are the same.
    pub fn http_client(mut self, http: HttpClient) -> SignIn {
        self.http = Some(http);
        self
    }

    /// Starts listening for the redirect and builds the authorize URL.
    pub async fn start(self) -> Result<PendingSignIn, SignInError> {
        let redirect = Redirect::parse(self.redirect_uri.as_deref())?;
        let listener =
            TcpListener::bind(redirect.bind)
                .await
                .map_err(|source| SignInError::Listen {
                    address: redirect.bind,
                    source,
                })?;
        let port = listener
            .local_addr()
            .map_err(|source| SignInError::Listen {
                address: redirect.bind,
                source,
            })?
            .port();
        let redirect_uri = format!("http://{}:{port}{}", redirect.host, redirect.path);
        let verifier = random_url_safe(32)?;
        let state = random_url_safe(16)?;
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes()));
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &state)
            .finish();
        let authorize_url = format!("{}?{query}", self.environment.authorize_url());
        tracing::debug!(
            redirect_uri = %redirect_uri,
            login = %self.environment.login_base(),
            "waiting for the sign-in redirect"
        );
        Ok(PendingSignIn {
            authorize_url,
            redirect_uri,
            callback_path: redirect.path,
            listener,
            verifier: SecretString::from(verifier),
            state,
            environment: self.environment,
            client_id: self.client_id,
            timeout: self.timeout,
            exchange_timeout: self.exchange_timeout,
            proxy: self.proxy,
            http: self.http,
        })
    }

    /// The whole sign-in: [`start`](SignIn::start), `open(authorize_url)` (e.g. open the
    /// system browser, or print the URL), then [`finish`](PendingSignIn::finish).
    pub async fn run(self, open: impl FnOnce(&str)) -> Result<SignedIn, SignInError> {
        let pending = self.start().await?;
        open(pending.authorize_url());
        pending.finish().await
    }
}

/// Where the listener binds and what the redirect URI says.
struct Redirect {
    bind: SocketAddr,
    host: String,
    path: String,
}

impl Redirect {
    fn parse(uri: Option<&str>) -> Result<Redirect, SignInError> {
        let Some(text) = uri else {
            return Ok(Redirect {
                bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
                host: "127.0.0.1".into(),
                path: DEFAULT_CALLBACK_PATH.into(),
            });
        };
        let invalid = |reason: &str| SignInError::RedirectUri {
            uri: text.to_owned(),
            reason: reason.to_owned(),
        };
        let uri: Uri = text.trim().parse().map_err(|_| invalid("not a URI"))?;
        if uri.scheme_str() != Some("http") {
            return Err(invalid("must be http:// (a loopback redirect)"));
        }
        if uri.query().is_some() {
            return Err(invalid("must not have a query"));
        }
        let host = uri.host().unwrap_or_default();
        let ip = match host.to_ascii_lowercase().as_str() {
            "localhost" | "127.0.0.1" => IpAddr::V4(Ipv4Addr::LOCALHOST),
            "[::1]" | "::1" => IpAddr::V6(Ipv6Addr::LOCALHOST),
            _ => return Err(invalid("the host must be 127.0.0.1, localhost or [::1]")),
        };
        let port = uri
            .port_u16()
            .ok_or_else(|| invalid("needs the port the OAuth client has registered"))?;
        let path = match uri.path() {
            "" => "/".to_owned(),
            path => path.to_owned(),
        };
        Ok(Redirect {
            bind: SocketAddr::new(ip, port),
            host: host.to_owned(),
            path,
        })
    }
}

/// `bytes` bytes from the operating system's secure random source, base64url without padding:
/// only RFC 7636's unreserved characters (32 bytes make a 43-character verifier).
fn random_url_safe(bytes: usize) -> Result<String, SignInError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| SignInError::Random(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&buf))
}

/// A started sign-in: the listener is up; send the browser to
/// [`authorize_url`](PendingSignIn::authorize_url), then [`finish`](PendingSignIn::finish).
pub struct PendingSignIn {
    authorize_url: String,
    redirect_uri: String,
    callback_path: String,
    listener: TcpListener,
    verifier: SecretString,
    state: String,
    environment: Environment,
    client_id: String,
    timeout: Duration,
    exchange_timeout: Duration,
    proxy: Proxy,
    http: Option<HttpClient>,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("redirect_uri", &self.redirect_uri)
            .field("client_id", &self.client_id)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What the redirect brought.
enum Callback {
    Code(SecretString),
    Failed(SignInError),
}

impl PendingSignIn {
    /// The page to send the browser to.
    pub fn authorize_url(&self) -> &str {
        &self.authorize_url
    }

    /// The redirect URI in the authorize URL (where the listener is).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the redirect, checks it and exchanges the code for a token.
    pub async fn finish(self) -> Result<SignedIn, SignInError> {
        let code = match tokio::time::timeout(self.timeout, self.wait_for_redirect()).await {
            Ok(Callback::Code(code)) => code,
            Ok(Callback::Failed(error)) => return Err(error),
            Err(_) => {
                return Err(SignInError::TimedOut {
                    after: self.timeout,
                });
            }
        };
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.expose_secret()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("client_id", self.client_id.as_str()),
            ("code_verifier", self.verifier.expose_secret()),
        ];
        let http = match &self.http {
            Some(http) => http.clone(),
            None => Transport::builder()
                .proxy(self.proxy.clone())
                .build_http_client()
                .map_err(|e| SignInError::Exchange(AuthError::Other(e.into())))?,
        };
        let obtained = Utc::now();
        let reply = request_token(
            &http,
            &self.environment,
            TokenForm(&form),
            self.exchange_timeout,
        )
        .await
        .map_err(SignInError::Exchange)?;
        tracing::debug!("signed in");
        Ok(SignedIn {
            expires_at: reply
                .expires_in
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .and_then(|d| obtained.checked_add_signed(d)),
            access_token: reply.access_token,
        })
    }

    /// Serves the loopback listener until a request on the callback path says how it went.
    /// Other requests (a browser's `/favicon.ico`) get a 404 and the wait goes on.
    async fn wait_for_redirect(&self) -> Callback {
        let (tx, mut rx) = mpsc::channel::<Callback>(1);
        loop {
            let stream = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        tracing::debug!(%error, "accepting a connection on the sign-in listener failed");
                        continue;
                    }
                },
                Some(outcome) = rx.recv() => return outcome,
            };
            let tx = tx.clone();
            let path = self.callback_path.clone();
            let state = self.state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let (status, page, outcome) = answer(&request, &path, &state);
                    let tx = tx.clone();
                    async move {
                        if let Some(outcome) = outcome {
                            let _ = tx.try_send(outcome);
                        }
                        Ok::<_, Infallible>(page_response(status, page))
                    }
                });
                // A connection that never sends a request does not keep its task forever.
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT)
                    .keep_alive(false)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }
}

/// The status and page for one request to the listener, and the outcome when it is the redirect.
fn answer(
    request: &Request<Incoming>,
    callback_path: &str,
    expected_state: &str,
) -> (StatusCode, &'static str, Option<Callback>) {
    if request.uri().path() != callback_path {
        return (StatusCode::NOT_FOUND, PAGE_NOT_FOUND, None);
    }
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (name, value) in form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes()) {
        match name.as_ref() {
            "code" => code = Some(SecretString::from(value.into_owned())),
            "state" => state = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            "error_description" => description = Some(value.into_owned()),
            _ => {}
        }
    }
    if code.is_none() && error.is_none() {
        return (StatusCode::BAD_REQUEST, PAGE_NOT_A_REDIRECT, None);
    }
    // A redirect that did not come from this sign-in's authorize request (cross-site request
    // forgery, or a stale tab) must not be exchanged.
    if let Some(state) = &state {
        if !constant_time_eq(state.as_bytes(), expected_state.as_bytes()) {
            return (
                StatusCode::BAD_REQUEST,
                PAGE_FAILED,
                Some(Callback::Failed(SignInError::StateMismatch)),
            );
        }
    }
    if let Some(error) = error {
        return (
            StatusCode::OK,
            PAGE_FAILED,
            Some(Callback::Failed(SignInError::Denied { error, description })),
        );
    }
    match (code, state) {
        (Some(code), Some(_)) => (StatusCode::OK, PAGE_SIGNED_IN, Some(Callback::Code(code))),
        _ => (
            StatusCode::BAD_REQUEST,
            PAGE_FAILED,
            Some(Callback::Failed(SignInError::StateMismatch)),
        ),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const PAGE_SIGNED_IN: &str = "<!doctype html><title>Signed in</title>\
<p>Signed in to Genesys Cloud. You can close this tab and go back to the terminal.</p>";
const PAGE_FAILED: &str = "<!doctype html><title>Sign-in failed</title>\
<p>The sign-in did not succeed. The terminal says why.</p>";
const PAGE_NOT_A_REDIRECT: &str = "<!doctype html><title>Not a sign-in redirect</title>\
<p>This page expects the redirect from the Genesys Cloud login page.</p>";
const PAGE_NOT_FOUND: &str = "<!doctype html><title>Not found</title><p>Not found.</p>";

fn page_response(status: StatusCode, page: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(page.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The page's URL held the code: keep it out of other sites' Referer.
    response.headers_mut().insert(
        http::header::REFERRER_POLICY,
        http::HeaderValue::from_static("no-referrer"),
    );
    response
}

/// A person's access token from a sign-in. `Debug` never shows the token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignedIn {
    /// The bearer token.
    pub access_token: AccessToken,
    /// When it expires, when the token endpoint said.
    pub expires_at: Option<DateTime<Utc>>,
}

impl SignedIn {
    /// A token source for [`ClientBuilder::token_source`](crate::ClientBuilder::token_source):
    /// the token as it is, never refreshed (sign in again when it expires).
    pub fn token_source(&self) -> StaticTokenSource {
        StaticTokenSource::new(self.access_token.expose())
    }
}

/// Why a sign-in failed. Never shows the verifier, the code or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignInError {
    /// The configured redirect URI cannot be listened on.
    #[error("invalid redirect URI {uri:?}: {reason}")]
    RedirectUri {
        /// The URI.
        uri: String,
        /// What is wrong.
        reason: String,
    },
    /// The loopback listener could not be started (e.g. the registered port is taken).
    #[error("cannot listen on {address} for the sign-in redirect: {source}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The redirect's `state` is not the one this sign-in sent: it was not started here (a
    /// forged or stale redirect). Nothing was exchanged.
    #[error(
        "the sign-in redirect did not carry this sign-in's state (a stale or forged redirect); nothing was exchanged"
    )]
    StateMismatch,
    /// The login service redirected with an OAuth error: `access_denied` when the person
    /// declined.
    #[error("{}", denied_line(.error, .description))]
    Denied {
        /// The OAuth `error`, e.g. `access_denied`.
        error: String,
        /// Its `error_description`, if any.
        description: Option<String>,
    },
    /// The browser did not come back in time.
    #[error("no sign-in redirect arrived within {} s", .after.as_secs())]
    TimedOut {
        /// The configured wait.
        after: Duration,
    },
    /// The token endpoint did not exchange the code (e.g. `invalid_grant`), or could not be
    /// reached.
    #[error("exchanging the sign-in code for a token failed: {0}")]
    Exchange(#[source] AuthError),
    /// The operating system's secure random source failed.
    #[error("no secure random numbers: {0}")]
    Random(String),
}

impl SignInError {
    /// Whether the person (or the login service) declined: `access_denied`.
    pub fn is_access_denied(&self) -> bool {
        matches!(self, SignInError::Denied { error, .. } if error == "access_denied")
    }
}

fn denied_line(error: &str, description: &Option<String>) -> String {
    let what = if error == "access_denied" {
        "sign-in was declined (access_denied)".to_owned()
    } else {
        format!("the login service refused the sign-in ({error})")
    };
    match description {
        Some(description) => format!("{what}: {description}"),
        None => what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_are_unreserved_and_long_enough() {
        let verifier = random_url_safe(32).unwrap();
        assert_eq!(verifier.len(), 43);
        assert!(
            verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
        assert_ne!(verifier, random_url_safe(32).unwrap());
    }

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(
            b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ));
        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn redirect_uris() {
        let r = Redirect::parse(Some("http://localhost:8085/callback")).unwrap();
        assert_eq!(r.bind, "127.0.0.1:8085".parse().unwrap());
        assert_eq!(
            (r.host.as_str(), r.path.as_str()),
            ("localhost", "/callback")
        );
        let r = Redirect::parse(Some("http://[::1]:9000")).unwrap();
        assert_eq!(r.bind, "[::1]:9000".parse().unwrap());
        assert_eq!(r.path, "/");
        for bad in [
            "https://127.0.0.1:8085/cb",
            "http://example.com:8085/cb",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:8085/cb?x=1",
            "not a uri",
        ] {
            assert!(
                matches!(
                    Redirect::parse(Some(bad)),
                    Err(SignInError::RedirectUri { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_hides_the_verifier() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let pending = runtime
            .block_on(SignIn::new(Environment::default(), "client").start())
            .unwrap();
        let shown = format!("{pending:?}");
        assert!(!shown.contains(pending.verifier.expose_secret()));
        assert!(!shown.contains(&pending.state));
        assert!(pending.authorize_url().starts_with(
            "https://login.mypurecloud.com/oauth/authorize?response_type=code&client_id=client&redirect_uri=http%3A%2F%2F127.0.0.1%3A"
        ));
    }
}
